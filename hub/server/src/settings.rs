//! The hub's settings: files in `config/` (hub.toml, agencies.toml, statutes.toml,
//! programmes.toml), then
//! environment variables `HUB__SECTION__KEY` (e.g. `HUB__DATABASE__URL`). Loaded once in
//! `main` and passed down. Secrets are never logged: their types print as `***`.
//!
//! Only `broker.host`, `database.url` and `hub.contact_point_key` must be given (the last two
//! from the environment); every other key has the default the README's settings table names
//! (`mod defaults` below).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use hub_core::deadlines::{Calendar, DeadlineRules};
use hub_core::{Agency, Directory, Policy, Programme, Statute};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose};
use serde::Deserialize;

/// A secret string: deserializes like a string, never prints.
#[derive(Clone, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// Everything the hub needs to run.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Settings {
    /// The hub itself.
    pub hub: HubSettings,
    pub broker: BrokerSettings,
    pub database: DatabaseSettings,
    /// The registered agencies.
    #[serde(default)]
    pub agencies: Vec<AgencySettings>,
    /// Statutory gateways.
    #[serde(default)]
    pub statutes: Vec<StatuteSettings>,
    /// Programmes whose consent forms the hub accepts, and who may hold them.
    #[serde(default)]
    pub programmes: Vec<ProgrammeSettings>,
    /// Rules no gateway overrides.
    #[serde(default)]
    pub hard_rules: HardRuleSettings,
    /// Deadline lengths.
    #[serde(default)]
    pub deadlines: DeadlineSettings,
    /// Public holidays per jurisdiction.
    #[serde(default)]
    pub calendars: Vec<CalendarSettings>,
    /// The dashboard, register and operations endpoints.
    #[serde(default)]
    pub http: HttpSettings,
    /// The controller and retention policy for the register of processing (GDPR art. 30).
    #[serde(default)]
    pub register: RegisterSettings,
}

/// The `[register]` section: what the register of processing takes from configuration
/// rather than from the catalogue. Every key is optional, so older configurations load.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RegisterSettings {
    /// The controller responsible for the hub (GDPR art. 30(1)(a)).
    pub controller_name: String,
    /// How to reach the controller.
    pub controller_contact: String,
    /// How to reach the data protection officer.
    pub dpo_contact: String,
    /// The retention policy per kind of record, in words.
    pub retention: RetentionSettings,
}

/// `[register.retention]`: how long each kind of record is kept, as the controller states it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RetentionSettings {
    /// Message records and the forwarded bodies in the outbox.
    pub messages: Option<String>,
    /// Cases, handovers, consent versions and withdrawals, escalations, outcome figures.
    pub cases: Option<String>,
    /// The disclosure log.
    pub disclosure_log: Option<String>,
    /// The audit log.
    pub audit_log: Option<String>,
    /// Dead letters.
    pub dead_letters: Option<String>,
    /// The dashboard's logins and sessions.
    pub dashboard_logins: Option<String>,
}

impl RegisterSettings {
    /// As the register's generator takes it; `broker_tls` says whether the hub's own broker
    /// connection uses its client certificate, and the retention periods `hub` applies are
    /// stated after the controller's words.
    pub fn to_config(&self, broker_tls: bool, hub: &HubSettings) -> hub_core::register::Config {
        let r = &self.retention;
        let with = with_period;
        hub_core::register::Config {
            controller: hub_core::register::Controller {
                name: self.controller_name.clone(),
                contact: self.controller_contact.clone(),
                dpo_contact: self.dpo_contact.clone(),
            },
            retention: hub_core::register::Retention {
                messages: with(r.messages.as_ref(), bodies_stated(hub)),
                cases: r.cases.clone(),
                disclosure_log: r.disclosure_log.clone(),
                audit_log: r.audit_log.clone(),
                dead_letters: with(r.dead_letters.as_ref(), dead_letters_stated(hub)),
                dashboard_logins: r.dashboard_logins.clone(),
            },
            broker_tls,
        }
    }
}

/// The register's words for the period of forwarded bodies [`crate::retention`] applies, if
/// one is set.
fn bodies_stated(settings: &HubSettings) -> Option<String> {
    settings.delivered_bodies_days.map(|days| {
        format!(
            "Forwarded message bodies are deleted from the hub {days} days after delivery (or \
             after a copy was withdrawn); the message record (ids, hash of the body, times, \
             outcome), the disclosure log and the audit log are kept."
        )
    })
}

/// The register's words for the period of dead letters, if one is set.
fn dead_letters_stated(settings: &HubSettings) -> Option<String> {
    settings
        .dead_letters_days
        .map(|days| format!("Deleted {days} days after the input arrived."))
}

/// The controller's words for a kind of record, then the period the hub applies, as one text.
fn with_period(words: Option<&String>, period: Option<String>) -> Option<String> {
    match (words, period) {
        (Some(w), Some(p)) => Some(format!("{w} {p}")),
        (Some(w), None) => Some(w.clone()),
        (None, p) => p,
    }
}

/// The `[http]` section of the hub's settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HttpSettings {
    /// Where to listen, e.g. `127.0.0.1:8700`; none means no HTTP server.
    #[serde(default)]
    pub listen: Option<String>,
    /// Mark the session cookie `Secure` (set when a TLS proxy is in front).
    #[serde(default)]
    pub secure_cookies: bool,
    /// Host names the server answers to besides its listen address's host and the loopback
    /// forms (`localhost`, `127.0.0.1`, `[::1]`): the name the proxy in front forwards; any
    /// other `Host` gets 421 (DNS rebinding).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Seconds a client may take to send a request head (or stay idle between requests)
    /// before its connection is closed; 10 when unset.
    #[serde(default)]
    pub header_read_timeout_seconds: Option<u64>,
}

/// Deadline rules, working-day calendars and the contact point's pseudonym key.
#[derive(Debug, Clone)]
pub struct Deadlines {
    /// Deadline lengths.
    pub rules: DeadlineRules,
    /// Calendars by jurisdiction (weekends only where none is configured).
    pub calendars: BTreeMap<Jurisdiction, Calendar>,
    /// The key of the contact point's pseudonyms.
    pub contact_point_key: Secret,
}

impl Deadlines {
    /// The working-day calendar of a jurisdiction.
    pub fn calendar(&self, jurisdiction: Jurisdiction) -> Calendar {
        self.calendars
            .get(&jurisdiction)
            .cloned()
            .unwrap_or_else(|| Calendar::weekends_only(jurisdiction))
    }
}

/// Hard rules as configured.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HardRuleSettings {
    /// Agencies that may receive PROTECTED_LOCATION (police protection units).
    #[serde(default)]
    pub protected_location_allow: Vec<AgencyId>,
}

/// Deadline lengths as configured (defaults: 3 months, 2 and 10 working days, 2 days).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DeadlineSettings {
    /// Months before the expected release by which the release notice is due.
    pub release_notice_months: u32,
    /// Working days to receive a handover.
    pub handover_received_working_days: u32,
    /// Working days to answer a handover.
    pub handover_answered_working_days: u32,
    /// Calendar days to answer a relocation.
    pub relocation_answered_days: u32,
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        let d = hub_core::deadlines::DeadlineRules::default();
        Self {
            release_notice_months: d.release_notice_months,
            handover_received_working_days: d.handover_received_working_days,
            handover_answered_working_days: d.handover_answered_working_days,
            relocation_answered_days: d.relocation_answered_days,
        }
    }
}

/// One jurisdiction's public holidays.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct CalendarSettings {
    pub jurisdiction: Jurisdiction,
    /// The holidays (Saturdays and Sundays are never working days).
    pub holidays: Vec<chrono::NaiveDate>,
}

/// The hub's own behaviour.
#[derive(Debug, Clone, Deserialize)]
pub struct HubSettings {
    /// The hub's id, the sender of receipts and undeliverables (default `hub`).
    #[serde(default = "defaults::id")]
    pub id: AgencyId,
    /// Larger submissions are refused as OVERSIZED (default 1 MiB).
    #[serde(default = "defaults::max_message_bytes")]
    pub max_message_bytes: usize,
    /// Unacknowledged deliveries the hub holds at once (AMQP prefetch; default 256).
    #[serde(default = "defaults::prefetch")]
    pub prefetch: u16,
    /// Most deliveries decided and committed in one database transaction (default 128).
    #[serde(default = "defaults::batch_max")]
    pub batch_max: usize,
    /// How long a claimed outbox row waits before another relay may retry it, in seconds
    /// (default 30).
    #[serde(default = "defaults::outbox_claim_seconds")]
    pub outbox_claim_seconds: u32,
    /// How often the outbox relay looks for unpublished rows, in milliseconds (default 500).
    #[serde(default = "defaults::relay_interval_ms")]
    pub relay_interval_ms: u64,
    /// How long in-flight work may take after a shutdown signal, in seconds (default 20).
    #[serde(default = "defaults::shutdown_grace_seconds")]
    pub shutdown_grace_seconds: u64,
    /// Directory of agencies' broker passwords (`<agency>.password`), for provisioning
    /// (default `.local/secrets`).
    #[serde(default = "defaults::secrets_dir")]
    pub secrets_dir: PathBuf,
    /// How often open handovers are checked against their deadlines, in seconds (default 300).
    #[serde(default = "defaults::deadline_sweep_seconds")]
    pub deadline_sweep_seconds: u64,
    /// The key of the national contact point's pseudonyms (`HUB__HUB__CONTACT_POINT_KEY`).
    pub contact_point_key: Secret,
    /// Messages dated by their sender up to this many days ago take effect at that date (for
    /// loading history); 0, the default, dates every effect by the hub's clock.
    #[serde(default)]
    pub backfill_days: u32,
    /// Readiness turns false while the ingress has held a batch it cannot commit (the
    /// database unavailable) for longer than this, in seconds.
    #[serde(default = "defaults::held_unready_seconds")]
    pub held_unready_seconds: u64,
    /// Most key announcements (`KeyPublished`) accepted from one agency in an hour; more are
    /// refused with RATE_LIMITED. 0 sets no limit. Default 10: an agent announces its key
    /// once each time it starts, and again only to rotate or to ask for the whole directory.
    #[serde(default = "defaults::key_announcements_per_hour")]
    pub key_announcements_per_hour: u32,
    /// Days after delivery at which a forwarded body is deleted from the outbox (a copy
    /// withdrawn before delivery: after it was cancelled). The message record (ids, hash,
    /// times), the disclosure log and the audit log are kept. None (the default): kept.
    #[serde(default)]
    pub delivered_bodies_days: Option<u32>,
    /// Days after which refused input kept for inspection (dead letters, which hold the
    /// refused bytes) is deleted. None (the default): kept.
    #[serde(default)]
    pub dead_letters_days: Option<u32>,
}

/// The values of the keys that may be left out, as the README's settings table gives them.
mod defaults {
    use std::path::PathBuf;

    use schemas::AgencyId;

    /// `hub.id`.
    pub fn id() -> AgencyId {
        AgencyId::try_from("hub").expect("`hub` is an agency id")
    }

    /// `hub.max_message_bytes`: 1 MiB.
    pub fn max_message_bytes() -> usize {
        1 << 20
    }

    /// `hub.prefetch`.
    pub fn prefetch() -> u16 {
        256
    }

    /// `hub.batch_max`.
    pub fn batch_max() -> usize {
        128
    }

    /// `hub.outbox_claim_seconds`.
    pub fn outbox_claim_seconds() -> u32 {
        30
    }

    /// `hub.relay_interval_ms`.
    pub fn relay_interval_ms() -> u64 {
        500
    }

    /// `hub.shutdown_grace_seconds`.
    pub fn shutdown_grace_seconds() -> u64 {
        20
    }

    /// `hub.secrets_dir`.
    pub fn secrets_dir() -> PathBuf {
        PathBuf::from(".local/secrets")
    }

    /// `hub.deadline_sweep_seconds`.
    pub fn deadline_sweep_seconds() -> u64 {
        300
    }

    /// `hub.held_unready_seconds`.
    pub fn held_unready_seconds() -> u64 {
        10
    }

    /// `hub.key_announcements_per_hour`.
    pub fn key_announcements_per_hour() -> u32 {
        10
    }

    /// `broker.port`: plain AMQP, as for a broker beside the hub.
    pub fn broker_port() -> u16 {
        5672
    }

    /// `broker.vhost`.
    pub fn broker_vhost() -> String {
        "handover".to_owned()
    }

    /// `broker.user`.
    pub fn broker_user() -> String {
        "handover-hub".to_owned()
    }

    /// `broker.management_url`.
    pub fn management_url() -> String {
        "http://127.0.0.1:15672".to_owned()
    }

    /// `database.max_connections`.
    pub fn max_connections() -> u32 {
        8
    }
}

/// Where the broker is and how the hub logs in.
#[derive(Debug, Clone, Deserialize)]
pub struct BrokerSettings {
    /// Host (required).
    pub host: String,
    /// AMQP port (default 5672).
    #[serde(default = "defaults::broker_port")]
    pub port: u16,
    /// Further nodes of the same RabbitMQ cluster, as `"host:port"` (none by default). Every
    /// connection tries `host:port` and these in turn, starting at the next one each time, so
    /// the hub's connections spread over the cluster and pass over a stopped node. From the
    /// environment: `HUB__BROKER__NODES="host2:5672,host3:5672"`.
    #[serde(default, deserialize_with = "broker::amqp::deserialize_nodes")]
    pub nodes: Vec<broker::amqp::BrokerAddress>,
    /// The vhost holding the topology (default `handover`).
    #[serde(default = "defaults::broker_vhost")]
    pub vhost: String,
    /// The hub's broker user (default `handover-hub`).
    #[serde(default = "defaults::broker_user")]
    pub user: String,
    /// What this installation's agency logins start with (default none): with `prod.`, the
    /// agency `dk-kobenhavn-kommune` logs in as `prod.dk-kobenhavn-kommune`, and its
    /// certificate names that user. Broker users are shared by every vhost of a broker, so a
    /// second installation on the same broker takes a prefix of its own.
    #[serde(default)]
    pub user_prefix: String,
    /// The hub's broker password (plain AMQP, local development only).
    #[serde(default)]
    pub password: Secret,
    /// AMQPS with the hub's client certificate instead of a password.
    #[serde(default)]
    pub tls: Option<broker::TlsFiles>,
    /// The management API, for provisioning (default `http://127.0.0.1:15672`).
    #[serde(default = "defaults::management_url")]
    pub management_url: String,
    /// An administrator of the management API, for provisioning only.
    #[serde(default)]
    pub admin_user: String,
    /// Its password.
    #[serde(default)]
    pub admin_password: Secret,
}

/// PostgreSQL.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// Connection URL (holds a password: never logged). Required, from the environment.
    pub url: Secret,
    /// Pool size (default 8).
    #[serde(default = "defaults::max_connections")]
    pub max_connections: u32,
}

/// One agency as configured.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct AgencySettings {
    pub id: AgencyId,
    pub name: String,
    pub role: AgencyRole,
    pub jurisdiction: Jurisdiction,
    /// Where it works, for the contact point's figures by region.
    #[serde(default)]
    pub region: Option<String>,
}

/// One statutory gateway as configured.
#[derive(Debug, Clone, Deserialize)]
pub struct StatuteSettings {
    /// Its id, cited as `STATUTE:<id>`.
    pub id: String,
    /// Where it applies.
    pub jurisdiction: Jurisdiction,
    /// Roles it lets send.
    pub from_roles: BTreeSet<AgencyRole>,
    /// Roles it lets receive.
    pub to_roles: BTreeSet<AgencyRole>,
    /// Message types it covers.
    pub message_types: BTreeSet<MessageType>,
    /// Purposes it covers.
    pub purposes: BTreeSet<Purpose>,
    /// Categories it lets pass.
    pub categories: BTreeSet<DataCategory>,
}

/// One programme as configured: the name its consent records give, and the agencies that may
/// hold its consent forms (the custodians of its records).
#[derive(Debug, Clone, Deserialize)]
pub struct ProgrammeSettings {
    /// The programme's name, exactly as consent records give it (`programme`).
    pub name: String,
    /// Agency ids that may hold its consent forms.
    pub custodians: BTreeSet<AgencyId>,
    /// The places it has (Copenhagen's Exit: 55 a year), which the contact point's occupancy
    /// view sets its people against; none when not configured.
    #[serde(default)]
    pub places: Option<u32>,
}

impl Settings {
    /// Loads `hub.toml`, `agencies.toml`, `statutes.toml` and `programmes.toml` from `dir`,
    /// then `HUB__*` environment variables.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        Self::load_with(dir, &[])
    }

    /// Like [`Settings::load`], with `overrides` (dotted keys such as `broker.vhost`) applied
    /// last: for tests and tools that run several hubs in one process.
    pub fn load_with(dir: &Path, overrides: &[(&str, String)]) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from(dir.join("hub.toml")))
            .add_source(config::File::from(dir.join("agencies.toml")).required(false))
            .add_source(config::File::from(dir.join("statutes.toml")).required(false))
            .add_source(config::File::from(dir.join("programmes.toml")).required(false))
            .add_source(config::File::from(dir.join("calendars.toml")).required(false))
            .add_source(config::Environment::with_prefix("HUB").separator("__"));
        for (key, value) in overrides {
            builder = builder.set_override(*key, value.as_str())?;
        }
        let settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .with_context(|| format!("reading the hub's settings from {}", dir.display()))?;
        settings.policy()?;
        if let Some(problem) = broker::topology::user_prefix_problem(&settings.broker.user_prefix) {
            anyhow::bail!("broker.user_prefix: {problem}");
        }
        Ok(settings)
    }

    /// The broker user of `agency` in this installation ([`broker::topology::agency_user`]).
    pub fn agency_user(&self, agency: &AgencyId) -> String {
        broker::topology::agency_user(&self.broker.user_prefix, agency)
    }

    /// The configured agencies as a routing directory.
    pub fn directory(&self) -> Directory {
        Directory::new(self.agencies.iter().map(AgencySettings::to_agency))
    }

    /// The configured statutes as a routing policy.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        let statutes = self
            .statutes
            .iter()
            .map(|s| {
                schemas::GatewayRef::statute(&s.id)
                    .with_context(|| format!("statute id {:?}", s.id))?;
                Ok(Statute {
                    id: s.id.clone(),
                    jurisdiction: s.jurisdiction,
                    from_roles: s.from_roles.clone(),
                    to_roles: s.to_roles.clone(),
                    message_types: s.message_types.clone(),
                    purposes: s.purposes.clone(),
                    categories: s.categories.clone(),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let mut programmes: Vec<Programme> = Vec::new();
        for p in &self.programmes {
            anyhow::ensure!(
                !programmes.iter().any(|q| q.name == p.name),
                "programme {:?} is configured twice",
                p.name
            );
            programmes.push(Programme {
                name: p.name.clone(),
                custodians: p.custodians.clone(),
            });
        }
        Ok(Policy {
            key_announcements_per_hour: Some(self.hub.key_announcements_per_hour)
                .filter(|&n| n > 0),
            statutes,
            programmes,
            hard_rules: hub_core::consent::HardRules {
                protected_location_allow: self
                    .hard_rules
                    .protected_location_allow
                    .iter()
                    .cloned()
                    .collect(),
            },
        })
    }

    /// Deadline rules, calendars and the contact point's key.
    pub fn deadlines(&self) -> Deadlines {
        let d = &self.deadlines;
        Deadlines {
            rules: hub_core::deadlines::DeadlineRules {
                release_notice_months: d.release_notice_months,
                handover_received_working_days: d.handover_received_working_days,
                handover_answered_working_days: d.handover_answered_working_days,
                relocation_answered_days: d.relocation_answered_days,
            },
            calendars: self
                .calendars
                .iter()
                .map(|c| {
                    let mut calendar = hub_core::deadlines::Calendar::weekends_only(c.jurisdiction);
                    calendar.holidays.extend(c.holidays.iter().copied());
                    (c.jurisdiction, calendar)
                })
                .collect(),
            contact_point_key: self.hub.contact_point_key.clone(),
        }
    }
}

impl AgencySettings {
    /// As the routing core knows it.
    pub fn to_agency(&self) -> Agency {
        Agency {
            id: self.id.clone(),
            role: self.role,
            jurisdiction: self.jurisdiction,
            name: self.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(extra: &[(&str, &str)]) -> Settings {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let mut overrides = vec![
            ("database.url", "postgres://localhost/none".to_owned()),
            ("hub.contact_point_key", "test".to_owned()),
        ];
        overrides.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        Settings::load_with(&dir, &overrides).expect("settings load")
    }

    /// Loads a configuration folder that holds only a `hub.toml` of `text`, with `overrides`
    /// (the secrets, which come from the environment).
    fn load_folder(
        name: &str,
        text: &str,
        overrides: &[(&str, String)],
    ) -> anyhow::Result<Settings> {
        let dir = std::env::temp_dir().join(format!("hub-minimal-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hub.toml"), text).unwrap();
        let loaded = Settings::load_with(&dir, overrides);
        let _ = std::fs::remove_dir_all(&dir);
        loaded
    }

    /// The secrets, as `HUB__DATABASE__URL` and `HUB__HUB__CONTACT_POINT_KEY` give them.
    fn secrets() -> Vec<(&'static str, String)> {
        vec![
            ("database.url", "postgres://localhost/none".to_owned()),
            ("hub.contact_point_key", "test".to_owned()),
        ]
    }

    /// Only what has no default besides the secrets: where the broker is.
    const MINIMAL: &str = "[broker]\nhost = \"broker.example\"\n";

    #[test]
    fn a_minimal_hub_toml_loads_and_every_other_key_has_the_readmes_default() {
        let s = load_folder("defaults", MINIMAL, &secrets()).unwrap();
        let hub = &s.hub;
        assert_eq!(hub.id.as_str(), "hub");
        assert_eq!(hub.max_message_bytes, 1_048_576);
        assert_eq!(hub.prefetch, 256);
        assert_eq!(hub.batch_max, 128);
        assert_eq!(hub.outbox_claim_seconds, 30);
        assert_eq!(hub.held_unready_seconds, 10);
        assert_eq!(hub.relay_interval_ms, 500);
        assert_eq!(hub.shutdown_grace_seconds, 20);
        assert_eq!(hub.secrets_dir, Path::new(".local/secrets"));
        assert_eq!(hub.deadline_sweep_seconds, 300);
        assert_eq!(hub.key_announcements_per_hour, 10);
        assert_eq!(hub.backfill_days, 0);

        assert_eq!(s.broker.host, "broker.example");
        assert_eq!(s.broker.port, 5672);
        assert_eq!(s.broker.vhost, "handover");
        assert_eq!(s.broker.user, "handover-hub");
        assert!(s.broker.nodes.is_empty());
        assert!(s.broker.tls.is_none());
        assert_eq!(s.broker.password.expose(), "");
        assert_eq!(s.broker.management_url, "http://127.0.0.1:15672");
        assert_eq!(s.broker.admin_user, "");
        assert_eq!(s.broker.admin_password.expose(), "");
        assert_eq!(s.database.max_connections, 8);

        assert!(s.agencies.is_empty() && s.statutes.is_empty() && s.programmes.is_empty());
        assert!(s.calendars.is_empty());
        assert!(s.hard_rules.protected_location_allow.is_empty());
        let d = &s.deadlines;
        assert_eq!(
            (
                d.release_notice_months,
                d.handover_received_working_days,
                d.handover_answered_working_days,
                d.relocation_answered_days
            ),
            (3, 2, 10, 2)
        );

        assert_eq!(s.http.listen, None);
        assert!(!s.http.secure_cookies);
        assert!(s.http.allowed_hosts.is_empty());
        // Unset, the listener closes unfinished request heads after 10 s.
        assert_eq!(s.http.header_read_timeout_seconds, None);
        assert_eq!(
            broker::web::Limits::default().header_read,
            std::time::Duration::from_secs(10)
        );
        assert_eq!(s.register.controller_name, "");
        assert_eq!(s.register.retention.messages, None);
    }

    #[test]
    fn the_broker_host_and_the_secrets_stay_required() {
        let err = |name: &str, text: &str, overrides: &[(&str, String)]| {
            format!("{:#}", load_folder(name, text, overrides).unwrap_err())
        };
        let missing = |key: &str| format!("missing configuration field \"{key}\"");

        let e = err("host", "[broker]\nport = 5672\n", &secrets());
        assert!(e.contains(&missing("broker.host")), "{e}");
        let e = err(
            "url",
            MINIMAL,
            &[
                ("database.max_connections", "4".to_owned()),
                secrets()[1].clone(),
            ],
        );
        assert!(e.contains(&missing("database.url")), "{e}");
        let e = err(
            "key",
            MINIMAL,
            &[secrets()[0].clone(), ("hub.id", "hub".to_owned())],
        );
        assert!(e.contains(&missing("hub.contact_point_key")), "{e}");
    }

    #[test]
    fn a_user_prefix_makes_the_agency_logins_and_a_bad_one_is_refused_by_name() {
        let agency = AgencyId::try_from("dk-kobenhavn-kommune").unwrap();
        assert_eq!(load(&[]).agency_user(&agency), "dk-kobenhavn-kommune");
        let prod = load(&[("broker.user_prefix", "prod.")]);
        assert_eq!(prod.agency_user(&agency), "prod.dk-kobenhavn-kommune");
        for bad in ["Prod.", "prod/", &"p".repeat(33)] {
            let mut overrides = secrets();
            overrides.push(("broker.user_prefix", bad.to_owned()));
            let e = format!(
                "{:#}",
                load_folder("prefix", MINIMAL, &overrides).unwrap_err()
            );
            assert!(e.contains("broker.user_prefix"), "{bad}: {e}");
        }
    }

    #[test]
    fn further_broker_nodes_are_optional_and_read_from_one_string() {
        assert!(load(&[]).broker.nodes.is_empty());
        let nodes: Vec<String> = load(&[("broker.nodes", "127.0.0.1:5682, 127.0.0.1:5683")])
            .broker
            .nodes
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(nodes, ["127.0.0.1:5682", "127.0.0.1:5683"]);
    }
}
