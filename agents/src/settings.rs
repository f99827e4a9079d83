//! The agent's settings: one file per agent (e.g. `config/agents/dk-kriminalforsorgen.toml`),
//! then environment variables `AGENT__SECTION__KEY` (e.g. `AGENT__BROKER__PASSWORD`).
//!
//! Only `agent.id`, `agent.data_dir` and `broker.host` must be given (and a login and the inbox
//! queue, which `agent run` asks for); every other key has the default the README's settings
//! table names (`mod defaults` below).

use std::path::{Path, PathBuf};

use anyhow::Context;
use schemas::AgencyId;
use serde::Deserialize;

use crate::http::HttpSettings;

/// Everything an agent needs.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Settings {
    /// The agent itself.
    pub agent: AgentSettings,
    pub broker: BrokerSettings,
    /// The local HTTP API and inbox page.
    #[serde(default)]
    pub http: HttpSettings,
}

/// The agent's identity and behaviour.
#[derive(Debug, Clone, Deserialize)]
pub struct AgentSettings {
    /// The agency this agent speaks for; also its broker user.
    pub id: AgencyId,
    /// Where the local store lives.
    pub data_dir: PathBuf,
    /// How often queued messages are looked for, in milliseconds (default 200).
    #[serde(default = "defaults::relay_interval_ms")]
    pub relay_interval_ms: u64,
    /// Unacknowledged inbox deliveries held at once; each store transaction takes up to half
    /// (default 64).
    #[serde(default = "defaults::prefetch")]
    pub prefetch: u16,
    /// A file holding the federation pseudonym key (64 hex digits), which every agent of the
    /// federation holds and the hub does not: the agent derives each person's pseudonym from
    /// their national identity number under it ([`crate::people`]). Keep it like a password,
    /// never in git. Without a key the agent takes only drafts that name their person by
    /// pseudonym.
    #[serde(default)]
    pub pseudonym_key_file: Option<PathBuf>,
    /// The key itself, from the environment (`AGENT__AGENT__PSEUDONYM_KEY`), instead of a
    /// file.
    #[serde(default)]
    pub pseudonym_key: Option<crate::people::PseudonymKey>,
    /// Days after a received message was first opened at which the agent deletes it from its
    /// store (its body and its row); the access log keeps that it was received and who opened
    /// it. None (the default): kept until the agency sets a period.
    #[serde(default)]
    pub opened_messages_days: Option<u32>,
    /// Seconds `agent run` gives the work in hand after SIGTERM or Ctrl-C (the inbox batch
    /// being stored and acknowledged, the HTTP requests being answered) before it stops
    /// what is left (default 20; unacknowledged deliveries are redelivered).
    #[serde(default = "defaults::shutdown_grace_seconds")]
    pub shutdown_grace_seconds: u64,
}

/// Where the broker is and how to log in.
#[derive(Debug, Clone, Deserialize)]
pub struct BrokerSettings {
    /// Host (required: there is no sensible default for where the hub's broker is).
    pub host: String,
    /// AMQP port (default 5671, AMQPS).
    #[serde(default = "defaults::port")]
    pub port: u16,
    /// Further nodes of the same RabbitMQ cluster, as `"host:port"` (none by default). The
    /// agent tries `host:port` and these in turn when it connects, so it passes over a
    /// stopped node. From the environment: `AGENT__BROKER__NODES="host2:5671,host3:5671"`.
    #[serde(default, deserialize_with = "broker::amqp::deserialize_nodes")]
    pub nodes: Vec<broker::amqp::BrokerAddress>,
    /// The hub's vhost (default `handover`).
    #[serde(default = "defaults::vhost")]
    pub vhost: String,
    /// The broker user (default the agency id). An installation whose agency logins carry a
    /// prefix (the hub's `broker.user_prefix`) names it in the bundle `hub agency certify`
    /// writes, and with a certificate it is the certificate's common name.
    #[serde(default)]
    pub user: Option<String>,
    /// The password, if given directly (prefer `password_file` or the environment).
    #[serde(default)]
    pub password: Option<String>,
    /// A file holding the password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// AMQPS with the agency's client certificate instead of a password.
    #[serde(default)]
    pub tls: Option<broker::TlsFiles>,
    /// The name of the agency's inbox queue, `inbox.<agency>.<tag>`, if given directly
    /// (prefer `inbox_queue_file` or the environment). Its random tag keeps other agencies
    /// from reading the inbox's depth, so it is kept like a password.
    #[serde(default)]
    pub inbox_queue: Option<String>,
    /// A file holding the inbox queue's name (`hub provision` writes `<agency>.inbox` in the
    /// hub's secrets directory).
    #[serde(default)]
    pub inbox_queue_file: Option<PathBuf>,
}

/// The values of the keys that may be left out, as the README's settings table gives them.
mod defaults {
    /// `agent.relay_interval_ms`.
    pub fn relay_interval_ms() -> u64 {
        200
    }

    /// `agent.prefetch`.
    pub fn prefetch() -> u16 {
        64
    }

    /// `agent.shutdown_grace_seconds`.
    pub fn shutdown_grace_seconds() -> u64 {
        20
    }

    /// `broker.port`: AMQPS.
    pub fn port() -> u16 {
        5671
    }

    /// `broker.vhost`.
    pub fn vhost() -> String {
        "handover".to_owned()
    }
}

impl Settings {
    /// Loads `file`, then `AGENT__*` environment variables.
    pub fn load(file: &Path) -> anyhow::Result<Self> {
        config::Config::builder()
            .add_source(config::File::from(file))
            .add_source(config::Environment::with_prefix("AGENT").separator("__"))
            .build()
            .and_then(config::Config::try_deserialize)
            .with_context(|| format!("reading the agent's settings from {}", file.display()))
    }

    /// The broker user: `broker.user`, else the agency id.
    pub fn broker_user(&self) -> String {
        self.broker
            .user
            .clone()
            .unwrap_or_else(|| self.agent.id.to_string())
    }

    /// The broker credentials: the broker user and its password.
    pub fn credentials(&self) -> anyhow::Result<broker::Credentials> {
        if self.broker.tls.is_some() {
            // The certificate is the login (EXTERNAL); its common name is the broker user.
            return Ok(broker::Credentials {
                user: self.broker_user(),
                password: String::new(),
            });
        }
        let password = match (&self.broker.password, &self.broker.password_file) {
            (Some(p), _) => p.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .with_context(|| format!("reading the broker password from {}", file.display()))?
                .trim()
                .to_owned(),
            (None, None) => anyhow::bail!(
                "no broker login: set broker.tls (certificate), broker.password_file or AGENT__BROKER__PASSWORD"
            ),
        };
        Ok(broker::Credentials {
            user: self.broker_user(),
            password,
        })
    }

    /// The federation pseudonym key, from `agent.pseudonym_key` or `agent.pseudonym_key_file`;
    /// `None` when neither is set. A file that is named but unreadable is an error.
    pub fn pseudonym_key(&self) -> anyhow::Result<Option<crate::people::PseudonymKey>> {
        match (&self.agent.pseudonym_key, &self.agent.pseudonym_key_file) {
            (Some(key), _) => Ok(Some(key.clone())),
            (None, Some(file)) => Ok(Some(crate::people::PseudonymKey::from_file(file)?)),
            (None, None) => Ok(None),
        }
    }

    /// The agency's inbox queue, checked to be a tagged inbox of this agency.
    pub fn inbox_queue(&self) -> anyhow::Result<String> {
        let queue = match (&self.broker.inbox_queue, &self.broker.inbox_queue_file) {
            (Some(queue), _) => queue.trim().to_owned(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .with_context(|| format!("reading the inbox queue's name from {}", file.display()))?
                .trim()
                .to_owned(),
            (None, None) => anyhow::bail!(
                "no inbox queue: set broker.inbox_queue_file (the <agency>.inbox file `hub provision` writes) \
                 or AGENT__BROKER__INBOX_QUEUE"
            ),
        };
        anyhow::ensure!(
            broker::topology::is_inbox_of(&queue, &self.agent.id),
            "the inbox queue's name is not one `hub provision` gives {}: expected inbox.{}.<32 hex digits>",
            self.agent.id,
            self.agent.id
        );
        Ok(queue)
    }

    /// Where the broker is.
    pub fn endpoint(&self) -> broker::BrokerEndpoint {
        broker::BrokerEndpoint {
            host: self.broker.host.clone(),
            port: self.broker.port,
            nodes: self.broker.nodes.clone(),
            vhost: self.broker.vhost.clone(),
            tls: self.broker.tls.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only what has no default: the agency, its store and where the broker is.
    const MINIMAL: &str = "[agent]\nid = \"dk-a\"\ndata_dir = \"/tmp/a\"\n\
                           [broker]\nhost = \"broker.example\"\n";

    /// Loads `text` as a settings file of its own.
    fn load_text(name: &str, text: &str) -> anyhow::Result<Settings> {
        let dir = std::env::temp_dir().join(format!("agent-minimal-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("agent.toml");
        std::fs::write(&file, text).unwrap();
        let loaded = Settings::load(&file);
        let _ = std::fs::remove_dir_all(&dir);
        loaded
    }

    #[test]
    fn a_minimal_file_loads_and_every_other_key_has_the_readmes_default() {
        let s = load_text("defaults", MINIMAL).unwrap();
        assert_eq!(s.agent.id.as_str(), "dk-a");
        assert_eq!(s.agent.data_dir, Path::new("/tmp/a"));
        assert_eq!(s.agent.relay_interval_ms, 200);
        assert_eq!(s.agent.prefetch, 64);
        assert_eq!(s.agent.pseudonym_key_file, None);
        assert!(s.agent.pseudonym_key.is_none());
        assert_eq!(s.agent.shutdown_grace_seconds, 20);

        assert_eq!(s.broker.host, "broker.example");
        assert_eq!(s.broker.port, 5671);
        assert_eq!(s.broker.vhost, "handover");
        assert!(s.broker.nodes.is_empty());
        assert!(s.broker.tls.is_none());
        assert_eq!(s.broker.password, None);
        assert_eq!(s.broker.password_file, None);
        assert_eq!(s.broker.inbox_queue, None);
        assert_eq!(s.broker.inbox_queue_file, None);

        let http = &s.http;
        assert_eq!(http.listen, None);
        assert!(http.token.is_none());
        assert!(http.api_tokens.is_empty());
        assert!(http.allowed_hosts.is_empty());
        assert!(http.tls.is_none());
        assert!(http.sign_in.is_none());
        // Unset, these take the values the server falls back to: 10 s, 30 min and 8 h.
        assert_eq!(http.header_read_timeout_seconds, None);
        assert_eq!(
            broker::web::Limits::default().header_read,
            std::time::Duration::from_secs(10)
        );
        assert_eq!(http.session_idle_minutes, None);
        assert_eq!(http.session_lifetime_hours, None);
        let sessions = crate::http::SessionLimits::default();
        assert_eq!(sessions.idle, std::time::Duration::from_secs(30 * 60));
        assert_eq!(sessions.lifetime, std::time::Duration::from_secs(8 * 3600));
    }

    #[test]
    fn the_agency_its_store_and_the_broker_host_stay_required() {
        for (key, line) in [
            ("agent.id", "id = \"dk-a\"\n"),
            ("agent.data_dir", "data_dir = \"/tmp/a\"\n"),
            ("broker.host", "host = \"broker.example\"\n"),
        ] {
            let text = MINIMAL.replace(line, "");
            assert_ne!(text, MINIMAL);
            let err = format!("{:#}", load_text(key, &text).unwrap_err());
            assert!(
                err.contains(&format!("missing configuration field \"{key}\"")),
                "{key}: {err}"
            );
        }
    }

    #[test]
    fn further_broker_nodes_are_optional_and_read_from_a_list() {
        let dir = std::env::temp_dir().join(format!("agent-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, nodes: &str| {
            let file = dir.join(name);
            std::fs::write(
                &file,
                format!(
                    "[agent]\nid = \"dk-a\"\ndata_dir = \"/tmp/a\"\nrelay_interval_ms = 100\nprefetch = 8\n\
                     [broker]\nhost = \"127.0.0.1\"\nport = 5681\nvhost = \"handover\"\n{nodes}"
                ),
            )
            .unwrap();
            Settings::load(&file).unwrap()
        };
        let one = write("one.toml", "");
        assert_eq!(one.endpoint().addresses().len(), 1);
        let three = write(
            "three.toml",
            "nodes = [\"127.0.0.1:5682\", \"127.0.0.1:5683\"]\n",
        );
        let addresses: Vec<String> = three
            .endpoint()
            .addresses()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            addresses,
            ["127.0.0.1:5681", "127.0.0.1:5682", "127.0.0.1:5683"]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_inbox_must_be_given_and_be_a_tagged_inbox_of_this_agency() {
        let dir = std::env::temp_dir().join(format!("agent-inbox-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("agent.toml");
        std::fs::write(
            &file,
            "[agent]\nid = \"dk-a\"\ndata_dir = \"/tmp/a\"\nrelay_interval_ms = 100\nprefetch = 8\n\
             [broker]\nhost = \"127.0.0.1\"\nport = 5681\nvhost = \"handover\"\n",
        )
        .unwrap();
        let mut settings = Settings::load(&file).unwrap();
        let err = settings.inbox_queue().unwrap_err().to_string();
        assert!(err.contains("no inbox queue"), "{err}");

        let tag = "0123456789abcdef0123456789abcdef";
        let named = dir.join("dk-a.inbox");
        std::fs::write(&named, format!("inbox.dk-a.{tag}\n")).unwrap();
        settings.broker.inbox_queue_file = Some(named);
        assert_eq!(settings.inbox_queue().unwrap(), format!("inbox.dk-a.{tag}"));

        for wrong in ["inbox.dk-a", "inbox.dk-b.0123456789abcdef0123456789abcdef"] {
            settings.broker.inbox_queue = Some(wrong.to_owned());
            let err = settings.inbox_queue().unwrap_err().to_string();
            assert!(
                err.contains("expected inbox.dk-a.<32 hex digits>"),
                "{wrong}: {err}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
