//! Honest configuration: an agent and a hub start from settings files that give only what has
//! no default, and the README's settings tables name the defaults the code uses.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use e2e::{DEADLINE, TestEnv, eventually, repo_root};
use schemas::{Body, MessageType};
use tokio::io::{AsyncBufReadExt, BufReader};

/// A folder of its own under the temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Self {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("handover-config-{what}-{}", &suffix[..8]));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn an_agent_started_from_a_minimal_settings_file_sends_and_receives() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let mut municipality = env.start_agent(&a.municipality).await;

    // The file an operator writes for the prison's agent: no relay interval, prefetch, http,
    // nodes or pseudonym key. Port and vhost are this test world's (each test has a vhost of
    // its own and plain AMQP); the password and inbox files are the ones `hub provision` wrote.
    let scratch = Scratch::new("agent");
    let secrets = &env.hub_settings.hub.secrets_dir;
    let file = scratch.0.join("agent.toml");
    std::fs::write(
        &file,
        format!(
            "[agent]\nid = \"{id}\"\ndata_dir = \"{data}\"\n\n\
             [broker]\nhost = \"{host}\"\nport = {port}\nvhost = \"{vhost}\"\n\
             password_file = \"{secrets}/{id}.password\"\n\
             inbox_queue_file = \"{secrets}/{id}.inbox\"\n",
            id = a.prison,
            data = scratch.0.join("store").display(),
            host = env.services.amqp_host,
            port = env.services.amqp_port,
            vhost = env.vhost,
            secrets = secrets.display(),
        ),
    )
    .unwrap();
    let settings = agent::Settings::load(&file).expect("a minimal settings file loads");
    assert_eq!(settings.agent.relay_interval_ms, 200);
    assert_eq!(settings.agent.prefetch, 64);

    // What `agent run` does with them.
    let me = settings.agent.id.clone();
    let store = agent::Store::open(&settings.agent.data_dir).await.unwrap();
    let credentials = settings.credentials().unwrap();
    let inbox = settings.inbox_queue().unwrap();
    let metrics = agent::metrics::Metrics::with_inbox_depth(
        settings.endpoint(),
        credentials.clone(),
        &me,
        inbox,
    );
    let http = agent::http::start(
        &settings.http,
        store.clone(),
        me.clone(),
        metrics.clone(),
        settings.pseudonym_key().unwrap(),
    )
    .await
    .unwrap();
    assert!(http.is_none(), "no http.listen, no HTTP server");
    let running = agent::service::start_with(settings, credentials, store.clone(), metrics);

    // It publishes (its key announcement) and consumes (the hub's answer, the directory).
    e2e::key_announced(&store).await;
    municipality.key_announced().await;
    eventually("the municipality's key at the prison", DEADLINE, || async {
        let keys = store.directory_keys().await.unwrap();
        keys.iter()
            .any(|k| k.agency == a.municipality && k.current)
            .then_some(())
    })
    .await;

    let draft = env.release_notice(&[&a.municipality]);
    let (message, _) = agent::submit(&store, &me, &serde_json::to_vec(&draft).unwrap())
        .await
        .expect("the draft is accepted");
    let id = message.envelope.message_id;
    let notice = municipality.received(MessageType::ReleaseNotice).await;
    assert_eq!(notice.envelope.message_id, id);
    let receipt = eventually("the receipt at the prison", DEADLINE, || async {
        let inbox = store.inbox(100).await.unwrap();
        inbox
            .iter()
            .map(|row| schemas::decode(&row.payload).expect("stored messages decode"))
            .find(|m| matches!(&m.body, Body::Receipt(r) if r.in_reply_to == id.as_uuid()))
    })
    .await;
    let Body::Receipt(receipt) = receipt.body else {
        unreachable!()
    };
    assert_eq!(receipt.delivered_to, vec![a.municipality.clone()]);
    assert!(receipt.refused.is_empty());

    running.stop().await;
    municipality.stop().await;
    hub.stop().await;
}

#[tokio::test]
async fn a_hub_started_from_a_minimal_hub_toml_gets_ready_and_logs_plain_text() {
    let env = TestEnv::new().await;
    let s = &env.hub_settings;
    // Only where this test world's broker differs from the defaults, and an HTTP port.
    let scratch = Scratch::new("hub");
    std::fs::write(
        scratch.0.join("hub.toml"),
        format!(
            "[broker]\nhost = \"{}\"\nport = {}\nvhost = \"{}\"\nuser = \"{}\"\n\n\
             [http]\nlisten = \"127.0.0.1:0\"\n",
            s.broker.host, s.broker.port, s.broker.vhost, s.broker.user
        ),
    )
    .unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_hub-serve"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HUB_") {
            command.env_remove(&name);
        }
    }
    let mut hub = command
        // The secrets, from the environment as in production.
        .env("HUB__DATABASE__URL", s.database.url.expose())
        .env("HUB__BROKER__PASSWORD", s.broker.password.expose())
        .env("HUB__HUB__CONTACT_POINT_KEY", "test-contact-point-key")
        .env("HUB_CONFIG_DIR", &scratch.0)
        // Colours would be on by default: only the pipe may turn them off.
        .env_remove("NO_COLOR")
        .env_remove("LOG_FORMAT")
        .env("RUST_LOG", "info,sqlx=warn,lapin=warn")
        .current_dir(&scratch.0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("hub-serve starts");
    let mut lines = BufReader::new(hub.stderr.take().unwrap()).lines();

    let mut log = String::new();
    let listening = tokio::time::timeout(DEADLINE, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            log.push_str(&line);
            log.push('\n');
            if line.contains("endpoints listening") {
                return Some(line);
            }
        }
        None
    })
    .await;
    assert!(
        !log.contains("\x1b["),
        "terminal escape codes in the hub's log:\n{}",
        log.escape_debug()
    );
    let line = match listening {
        Ok(Some(line)) => line,
        _ => panic!("the hub did not start listening:\n{log}"),
    };
    let address = line
        .split_whitespace()
        .find_map(|field| field.strip_prefix("address="))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let readyz = format!("http://{address}/readyz");
    eventually("the hub ready", DEADLINE, || async {
        let status = reqwest::get(&readyz).await.ok()?.status();
        (status == 200).then_some(())
    })
    .await;
    hub.kill().await.unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        log.push_str(&line);
        log.push('\n');
    }
    assert!(
        !log.contains("\x1b["),
        "terminal escape codes in the hub's log:\n{}",
        log.escape_debug()
    );
}

/// The settings table of the README that follows the line starting with `intro`: each key with
/// the default the table names for it, or `None` where it names none to check (a required key,
/// one from the environment, one described in words).
fn readme_defaults(intro: &str) -> Vec<(String, Option<String>)> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .skip_while(|line| !line.starts_with(intro))
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert!(
        rows.len() > 2 && rows[0].starts_with("| key | default |"),
        "no settings table after {intro:?} in README.md"
    );
    let mut defaults = Vec::new();
    for row in &rows[2..] {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let keys = keys_of(cells[1]);
        match values_of(cells[2]) {
            None => defaults.extend(keys.into_iter().map(|key| (key, None))),
            Some(values) if values.len() == 1 => {
                defaults.extend(keys.into_iter().map(|key| (key, Some(values[0].clone()))));
            }
            Some(values) => {
                assert_eq!(values.len(), keys.len(), "keys and defaults of {row}");
                defaults.extend(keys.into_iter().zip(values.into_iter().map(Some)));
            }
        }
    }
    defaults
}

/// The keys of a table's first cell: `` `broker.tls.ca_file`, `.cert_file` `` names
/// `broker.tls.ca_file` and `broker.tls.cert_file`.
fn keys_of(cell: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for part in cell.split(',') {
        let name = part.trim().trim_matches('`');
        let key = match name.strip_prefix('.') {
            Some(leaf) => {
                let first = keys.first().expect("a row starts with a whole key");
                let (parent, _) = first.rsplit_once('.').expect("a dotted key");
                format!("{parent}.{leaf}")
            }
            None => name.to_owned(),
        };
        keys.push(key);
    }
    keys
}

/// The values a default cell names (numbers, booleans, `code`, `none`), or `None` when it
/// names something else: nothing (required), "(environment)", words.
fn values_of(cell: &str) -> Option<Vec<String>> {
    if cell == "none" || cell == "(none)" {
        return Some(vec!["none".to_owned()]);
    }
    if cell.is_empty() {
        return None;
    }
    cell.split(',')
        .map(|part| {
            let part = part.trim();
            if let Some(code) = part.strip_prefix('`').and_then(|p| p.strip_suffix('`')) {
                Some(code.to_owned())
            } else if part.parse::<u64>().is_ok() || part == "true" || part == "false" {
                Some(part.to_owned())
            } else {
                None
            }
        })
        .collect()
}

fn option<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn path(value: Option<&PathBuf>) -> String {
    option(value.map(|p| p.display()))
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The value the agent uses for `key` under `settings`, as the README writes it.
fn agent_value(s: &agent::Settings, key: &str) -> Option<String> {
    let tls = s.broker.tls.as_ref();
    Some(match key {
        "agent.relay_interval_ms" => s.agent.relay_interval_ms.to_string(),
        "agent.prefetch" => s.agent.prefetch.to_string(),
        "agent.pseudonym_key_file" => path(s.agent.pseudonym_key_file.as_ref()),
        "agent.opened_messages_days" => option(s.agent.opened_messages_days),
        "agent.shutdown_grace_seconds" => s.agent.shutdown_grace_seconds.to_string(),
        "broker.port" => s.broker.port.to_string(),
        "broker.vhost" => s.broker.vhost.clone(),
        "broker.nodes" => list(&s.broker.nodes),
        "broker.tls.ca_file" => path(tls.map(|t| &t.ca_file)),
        "broker.tls.cert_file" => path(tls.map(|t| &t.cert_file)),
        "broker.tls.key_file" => path(tls.map(|t| &t.key_file)),
        "broker.password_file" => path(s.broker.password_file.as_ref()),
        "broker.password" => option(s.broker.password.as_ref()),
        "broker.inbox_queue_file" => path(s.broker.inbox_queue_file.as_ref()),
        "broker.inbox_queue" => option(s.broker.inbox_queue.as_ref()),
        "http.listen" => option(s.http.listen.as_ref()),
        "http.allowed_hosts" => list(&s.http.allowed_hosts),
        // Unset, the listener's and the page's own limits apply.
        "http.header_read_timeout_seconds" => s
            .http
            .header_read_timeout_seconds
            .unwrap_or(broker::web::Limits::default().header_read.as_secs())
            .to_string(),
        "http.session_idle_minutes" => s
            .http
            .session_idle_minutes
            .unwrap_or(agent::http::SessionLimits::default().idle.as_secs() / 60)
            .to_string(),
        "http.session_lifetime_hours" => s
            .http
            .session_lifetime_hours
            .unwrap_or(agent::http::SessionLimits::default().lifetime.as_secs() / 3600)
            .to_string(),
        "http.tls" => option(s.http.tls.as_ref().map(|t| t.cert_file.display())),
        "http.sign_in" => option(s.http.sign_in.as_ref().map(|_| "set")),
        _ => return None,
    })
}

/// The value the hub uses for `key` under `settings`, as the README writes it.
fn hub_value(s: &hub::Settings, key: &str) -> Option<String> {
    let (h, d, tls) = (&s.hub, &s.deadlines, s.broker.tls.as_ref());
    Some(match key {
        "hub.id" => h.id.to_string(),
        "hub.max_message_bytes" => h.max_message_bytes.to_string(),
        "hub.prefetch" => h.prefetch.to_string(),
        "hub.batch_max" => h.batch_max.to_string(),
        "hub.outbox_claim_seconds" => h.outbox_claim_seconds.to_string(),
        "hub.held_unready_seconds" => h.held_unready_seconds.to_string(),
        "hub.relay_interval_ms" => h.relay_interval_ms.to_string(),
        "hub.shutdown_grace_seconds" => h.shutdown_grace_seconds.to_string(),
        "hub.secrets_dir" => h.secrets_dir.display().to_string(),
        "hub.deadline_sweep_seconds" => h.deadline_sweep_seconds.to_string(),
        "hub.key_announcements_per_hour" => h.key_announcements_per_hour.to_string(),
        "hub.backfill_days" => h.backfill_days.to_string(),
        "hub.delivered_bodies_days" => option(h.delivered_bodies_days),
        "hub.dead_letters_days" => option(h.dead_letters_days),
        "hard_rules.protected_location_allow" => list(&s.hard_rules.protected_location_allow),
        "deadlines.release_notice_months" => d.release_notice_months.to_string(),
        "deadlines.handover_received_working_days" => d.handover_received_working_days.to_string(),
        "deadlines.handover_answered_working_days" => d.handover_answered_working_days.to_string(),
        "deadlines.relocation_answered_days" => d.relocation_answered_days.to_string(),
        "broker.port" => s.broker.port.to_string(),
        "broker.vhost" => s.broker.vhost.clone(),
        "broker.nodes" => list(&s.broker.nodes),
        "broker.user" => s.broker.user.clone(),
        "broker.user_prefix" => option(Some(&s.broker.user_prefix).filter(|p| !p.is_empty())),
        "broker.tls.ca_file" => path(tls.map(|t| &t.ca_file)),
        "broker.tls.cert_file" => path(tls.map(|t| &t.cert_file)),
        "broker.tls.key_file" => path(tls.map(|t| &t.key_file)),
        "broker.management_url" => s.broker.management_url.clone(),
        "database.max_connections" => s.database.max_connections.to_string(),
        "http.listen" => option(s.http.listen.as_ref()),
        "http.secure_cookies" => s.http.secure_cookies.to_string(),
        "http.allowed_hosts" => list(&s.http.allowed_hosts),
        "http.header_read_timeout_seconds" => s
            .http
            .header_read_timeout_seconds
            .unwrap_or(broker::web::Limits::default().header_read.as_secs())
            .to_string(),
        _ => return None,
    })
}

/// Checks every default `intro`'s table names against `value`; returns the keys checked.
fn check_table(intro: &str, value: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut checked = Vec::new();
    for (key, default) in readme_defaults(intro) {
        // `agencies[]` and the like are files of their own, not a setting's value.
        let Some(default) = default.filter(|_| !key.contains("[]")) else {
            continue;
        };
        let code = value(&key).unwrap_or_else(|| {
            panic!(
                "README.md names the default {default} for `{key}`, which this test does not \
                 know: add it to the table's value function"
            )
        });
        assert_eq!(
            code, default,
            "`{key}`: README.md names the default {default}, the code uses {code}"
        );
        checked.push(key);
    }
    checked
}

#[test]
fn the_readmes_settings_tables_name_the_defaults_the_code_uses() {
    let scratch = Scratch::new("readme");

    let file = scratch.0.join("agent.toml");
    std::fs::write(
        &file,
        "[agent]\nid = \"dk-a\"\ndata_dir = \"/tmp/a\"\n[broker]\nhost = \"broker.example\"\n",
    )
    .unwrap();
    let agent = agent::Settings::load(&file).expect("a minimal agent file loads");
    let checked = check_table("Agent (`config/agents/", |key| agent_value(&agent, key));
    for key in ["agent.relay_interval_ms", "agent.prefetch", "http.listen"] {
        assert!(
            checked.iter().any(|k| k == key),
            "{key} unchecked: {checked:?}"
        );
    }

    std::fs::write(
        scratch.0.join("hub.toml"),
        "[broker]\nhost = \"broker.example\"\n",
    )
    .unwrap();
    let hub = hub::Settings::load_with(
        Path::new(&scratch.0),
        &[
            ("database.url", "postgres://localhost/none".to_owned()),
            ("hub.contact_point_key", "test".to_owned()),
        ],
    )
    .expect("a minimal hub.toml loads");
    let checked = check_table("Hub (`config/hub.toml`", |key| hub_value(&hub, key));
    for key in [
        "hub.relay_interval_ms",
        "broker.port",
        "deadlines.release_notice_months",
    ] {
        assert!(
            checked.iter().any(|k| k == key),
            "{key} unchecked: {checked:?}"
        );
    }
}
