//! The Debian packages (issue 19): `deploy/package.sh` builds handover-hub and handover-agent
//! from this build's `hub` and `agent`, no file in them holds a secret, and installed with
//! dpkg on this machine they carry a release notice end to end through their units.
//!
//! The test does what README "Running it for real" tells an operator: it edits the installed
//! settings in /etc for this test's broker vhost and database, puts the secrets in the
//! `secrets.env` files, provisions with the installed hub, gives each agent the broker
//! password and inbox name provisioning wrote, and starts the hub, the municipality's agent
//! on `handover-agent.service` and the prison's on the template `handover-agent@.service`.
//! The prison's caseworker queues a release notice with the installed command line, and it
//! arrives in the municipality's inbox through the installed hub.
//!
//! Under systemd the units start with systemctl. Elsewhere (a container, as on CI) the test
//! runs each unit's `ExecStart=` the way systemd would: as its `User=` and `Group=`, with its
//! `Environment=` and `EnvironmentFile=`, `WorkingDirectory=`, `StateDirectory=` and `UMask=`,
//! no new privileges and no capabilities. The rest of the sandbox (read-only file system,
//! system call filter, address families) is systemd's own: the test checks the units say so,
//! and `systemd-analyze verify` and `security --offline` where systemd-analyze is installed.
//!
//! It runs as root (CI does). The packages are purged at the end, also when the test fails,
//! so the machine is as before; a machine where they are installed by anyone but an earlier
//! run of this test is left alone, and the test fails saying so.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e::{DEADLINE, TEST_PSEUDONYM_KEY, TestEnv, repo_root};
use schemas::AgencyId;

const HUB: &str = "handover-hub";
const AGENT: &str = "handover-agent";
/// Where the packages put their systemd units.
const UNITS: &str = "/usr/lib/systemd/system";
/// While this folder exists, a run of this test owns the packages on this machine; its `pid`
/// file names the run.
const LOCK: &str = "/run/lock/handover-packages-test";
/// The PATH systemd gives a service, and the test gives the commands it runs as root.
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// README's shell function for the installed hub's command line, verbatim: as the hub's user,
/// with its secrets and the broker administrator's.
const HUB_CLI: &str = r#"hub() { sh -c 'set -a; . /etc/handover-hub/secrets.env; . /etc/handover-hub/provision.env; exec runuser -u handover-hub -- handover-hub --config /etc/handover-hub "$@"' hub "$@"; }"#;
/// README's shell function for the installed agent's command line, verbatim: as the agent's
/// user, with its secrets. An instance's names its own files.
const AGENT_CLI: &str = r#"agent() { sh -c 'set -a; . /etc/handover-agent/secrets.env; exec runuser -u handover-agent -- handover-agent --config /etc/handover-agent/agent.toml "$@"' agent "$@"; }"#;

#[tokio::test]
async fn the_installed_packages_carry_a_release_notice_through_their_units() {
    assert!(
        running_as_root(),
        "this test installs Debian packages with dpkg and runs services as their own users: run \
         it as root (CI does)"
    );
    let started = Instant::now();
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let mut machine = Machine::take_over();

    let debs = build_packages();
    assert_no_secret_in(&debs, &machine.scratch);
    machine.install(&debs);
    let hub_unit = Unit::installed("handover-hub.service", None);
    let municipality_unit = Unit::installed("handover-agent.service", None);
    let prison_unit = Unit::installed("handover-agent@.service", Some(a.prison.as_str()));
    for unit in [&hub_unit, &municipality_unit, &prison_unit] {
        unit.check_hardened();
        unit.check_installed_as_it_says();
    }
    check_conffiles(
        HUB,
        &["hub", "agencies", "statutes", "programmes", "calendars"],
    );
    check_conffiles(AGENT, &["agent"]);
    systemd_analyze(&[&hub_unit, &municipality_unit, &prison_unit]);

    // The operator's part: settings, secrets, provisioning with the installed hub.
    let http_port = free_port();
    configure_hub(&env, http_port);
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    for function in [HUB_CLI, AGENT_CLI] {
        assert!(readme.contains(function), "README gives {function}");
    }
    let provisioned = root_shell(&format!("{HUB_CLI}\nhub provision"), None);
    assert!(
        String::from_utf8_lossy(&provisioned.stdout).contains("provisioned vhost"),
        "{}",
        String::from_utf8_lossy(&provisioned.stdout)
    );
    let hub_secrets = Path::new("/var/lib/handover-hub/secrets");
    for id in [&a.prison, &a.municipality] {
        let password = hub_secrets.join(format!("{id}.password"));
        let meta = std::fs::metadata(&password)
            .unwrap_or_else(|e| panic!("provisioning wrote no {}: {e}", password.display()));
        assert_eq!(
            meta.uid(),
            uid_of(HUB),
            "{} is the hub's",
            password.display()
        );
        assert_eq!(meta.mode() & 0o777, 0o600, "{}", password.display());
    }

    let mut hub = machine.start(&hub_unit);
    let readyz = format!("http://127.0.0.1:{http_port}/readyz");
    let client = broker::http_client().build().expect("an HTTP client");
    machine
        .wait_for("the installed hub to be ready", || {
            let request = client.get(&readyz).timeout(Duration::from_secs(2)).send();
            async move { request.await.ok().filter(|r| r.status().is_success()) }
        })
        .await;
    machine.check_confined(&mut hub, &hub_unit);

    configure_agent(&env, &a.municipality, &municipality_unit, &mut machine);
    configure_agent(&env, &a.prison, &prison_unit, &mut machine);
    let mut municipality = machine.start(&municipality_unit);
    let mut prison = machine.start(&prison_unit);
    machine.check_confined(&mut municipality, &municipality_unit);
    machine.check_confined(&mut prison, &prison_unit);

    // The prison's caseworker queues a release notice with the installed command line.
    let draft = env.release_notice(&[&a.municipality]);
    let message_id = draft["envelope"]["message_id"]
        .as_str()
        .expect("the draft has an id")
        .to_owned();
    let sent = agent_cli(&prison_unit, "send -", Some(draft.to_string().as_bytes()));
    assert!(
        sent.contains(&format!("accepted ReleaseNotice {message_id}")),
        "{sent}"
    );

    // It arrives in the municipality's installed agent, and the prison's learns it was
    // delivered.
    let line = machine
        .wait_for("the release notice in the municipality's inbox", || {
            let inbox = agent_cli(&municipality_unit, "inbox", None);
            let line = inbox
                .lines()
                .find(|l| l.contains(&message_id))
                .map(str::to_owned);
            async move { line }
        })
        .await;
    assert!(
        line.contains("ReleaseNotice") && line.contains(&format!("from {}", a.prison)),
        "{line}"
    );
    machine
        .wait_for("the prison's outbox to say delivered", || {
            let outbox = agent_cli(&prison_unit, "outbox", None);
            let delivered = outbox
                .lines()
                .any(|l| l.contains(&message_id) && l.contains(" delivered "));
            async move { delivered.then_some(()) }
        })
        .await;
    let shown = agent_cli(&municipality_unit, &format!("show {message_id}"), None);
    assert!(
        shown.contains("Release notice") && shown.contains("2027-03-15"),
        "{shown}"
    );

    // SIGTERM, as `systemctl stop` sends: each drains and exits cleanly.
    for service in [&mut prison, &mut municipality, &mut hub] {
        service.stop();
    }
    machine.purge_and_check();
    eprintln!(
        "packages test: {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
}

// ------------------------------------------------------------------ building and checking

/// The folder holding the `hub` and `agent` this test belongs with (`target/<profile>`).
fn binaries_dir() -> PathBuf {
    let me = std::env::current_exe().expect("the running executable");
    me.ancestors()
        .skip(1)
        .take(2)
        .find(|dir| dir.join("hub").is_file() && dir.join("agent").is_file())
        .unwrap_or_else(|| {
            panic!(
                "`hub` and `agent` are not built next to {}: `cargo test --workspace` builds \
                 them, or `cargo build --bin hub --bin agent` with this profile",
                me.display()
            )
        })
        .to_path_buf()
}

/// Runs `deploy/package.sh` for this build's profile; returns the two packages.
fn build_packages() -> Vec<PathBuf> {
    let bin_dir = binaries_dir();
    let profile = bin_dir
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a profile folder")
        .to_owned();
    let target_dir = bin_dir.parent().expect("the target folder");
    let started = Instant::now();
    let out = checked(
        Command::new("bash")
            .arg(repo_root().join("deploy/package.sh"))
            .args(["--profile", &profile])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(repo_root()),
        "deploy/package.sh",
    );
    eprintln!(
        "packages test: deploy/package.sh --profile {profile} took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let debs: Vec<PathBuf> = out
        .lines()
        .filter(|l| l.ends_with(".deb"))
        .map(PathBuf::from)
        .collect();
    assert_eq!(debs.len(), 2, "package.sh printed two packages: {out}");
    for (deb, package) in debs.iter().zip([HUB, AGENT]) {
        let name = deb.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with(&format!("{package}_")),
            "{}",
            deb.display()
        );
        assert!(deb.is_file(), "{} was not built", deb.display());
    }
    debs
}

/// The development secrets on this machine: what `deploy/services.sh` generated (the machine's
/// secrets file and the identity provider's), what the test command exports, and every file
/// in `.local/secrets` (passwords, inbox names, keys).
fn dev_secrets() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut add = |value: &str| {
        let value = value.trim().trim_matches(['\'', '"']);
        if value.len() >= 12 && !value.contains('\n') {
            found.insert(value.to_owned());
        }
    };
    let files_in = |dir: PathBuf| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "json"))
            .collect()
    };
    let machine_dir = PathBuf::from(
        std::env::var("HANDOVER_SECRETS_DIR")
            .unwrap_or_else(|_| "/var/lib/handover-hub-dev".into()),
    );
    for file in files_in(repo_root().join(".local/secrets"))
        .into_iter()
        .chain(files_in(machine_dir.join("idp")))
    {
        if let Ok(text) = std::fs::read_to_string(&file) {
            add(&text);
        }
    }
    if let Ok(text) = std::fs::read_to_string(machine_dir.join("secrets.env")) {
        for (_, value) in text.lines().filter_map(|l| l.split_once('=')) {
            add(value);
        }
    }
    for name in ["HANDOVER_ADMIN_PASSWORD", "HANDOVER_IDP_REGISTRATION_TOKEN"] {
        if let Ok(value) = std::env::var(name) {
            add(&value);
        }
    }
    for name in ["HANDOVER_PG_URL", "HANDOVER_PG_ADMIN_URL"] {
        let url = std::env::var(name).unwrap_or_default();
        if let Some(password) = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .and_then(|(login, _)| login.split_once(':'))
            .map(|(_, password)| password)
        {
            add(password);
        }
    }
    found
}

/// Files under `dir` holding any of the strings in `patterns` (a file, one per line), or a
/// PEM private key when `patterns` is `None`, by GNU grep.
fn grep_files(dir: &Path, patterns: Option<&Path>) -> Vec<String> {
    let mut grep = Command::new("grep");
    match patterns {
        Some(file) => grep.arg("-rlF").arg("-f").arg(file),
        None => grep.args(["-rlE", "--", "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----"]),
    };
    let out = grep.arg(dir).output().expect("grep runs");
    match out.status.code() {
        Some(0) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
        Some(1) => Vec::new(),
        _ => panic!("grep failed: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

/// No file in the packages (control files, settings, units, binaries) holds a development
/// secret of this machine or a PEM private key, and no secrets file is shipped.
fn assert_no_secret_in(debs: &[PathBuf], scratch: &Path) {
    let secrets = dev_secrets();
    assert!(
        secrets.len() >= 2,
        "found {} development secrets to look for; deploy/services.sh makes at least the \
         broker administrator's and the database's passwords (run the tests with .local/env)",
        secrets.len()
    );
    let patterns = scratch.join("patterns");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&patterns)
        .expect("the patterns file");
    for secret in &secrets {
        writeln!(file, "{secret}").unwrap();
    }
    drop(file);

    // The search finds what it looks for.
    let probe = scratch.join("probe");
    std::fs::create_dir_all(&probe).unwrap();
    let planted = secrets.iter().next().unwrap();
    std::fs::write(probe.join("a"), format!("x = \"{planted}\"\n")).unwrap();
    std::fs::write(
        probe.join("b"),
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
    )
    .unwrap();
    assert_eq!(grep_files(&probe, Some(&patterns)).len(), 1);
    assert_eq!(grep_files(&probe, None).len(), 1);

    let unpacked = scratch.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    for deb in debs {
        let into = unpacked.join(deb.file_stem().unwrap());
        checked(
            Command::new("dpkg-deb")
                .arg("--raw-extract")
                .arg(deb)
                .arg(&into),
            "dpkg-deb --raw-extract",
        );
    }
    let leaked = grep_files(&unpacked, Some(&patterns));
    assert!(
        leaked.is_empty(),
        "development secrets in the packages: {leaked:?}"
    );
    let keys = grep_files(&unpacked, None);
    assert!(keys.is_empty(), "private keys in the packages: {keys:?}");
    for deb in debs {
        let contents = checked(
            Command::new("dpkg-deb").arg("--contents").arg(deb),
            "dpkg-deb --contents",
        );
        assert!(
            !contents.contains(".env") && !contents.contains("/var/lib/"),
            "{} ships a secrets file or state: {contents}",
            deb.display()
        );
    }
    let _ = std::fs::remove_dir_all(&unpacked);
    let _ = std::fs::remove_file(&patterns);
}

/// Every settings file of `package` is a conffile: an upgrade keeps the operator's edits.
fn check_conffiles(package: &str, names: &[&str]) {
    let conffiles = checked(
        Command::new("dpkg-query").args(["-W", "-f=${Conffiles}", package]),
        "dpkg-query",
    );
    for name in names {
        let path = format!("/etc/{package}/{name}.toml");
        assert!(
            conffiles
                .lines()
                .any(|l| l.split_whitespace().next() == Some(&path)),
            "{path} is not a conffile of {package}: {conffiles}"
        );
        let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!((meta.uid(), meta.mode() & 0o777), (0, 0o644), "{path}");
    }
}

/// `systemd-analyze verify` accepts the installed units, and `security --offline` rates each
/// exposure at most 2.0 of 10 ("OK"). Skipped, saying so, where systemd-analyze is missing.
fn systemd_analyze(units: &[&Unit]) {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("packages test: no systemd-analyze here: the units' sandbox is not rated");
        return;
    }
    for unit in units {
        let file = unit.file.display().to_string();
        checked(
            Command::new("systemd-analyze").args(["verify", &file]),
            "systemd-analyze verify",
        );
        let rating = checked(
            Command::new("systemd-analyze").args(["security", "--offline=true", &file]),
            "systemd-analyze security",
        );
        let exposure: f64 = rating
            .lines()
            .find_map(|l| l.split_once("Overall exposure level for "))
            .and_then(|(_, rest)| rest.split_once(": "))
            .and_then(|(_, level)| level.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no exposure level for {file}: {rating}"));
        assert!(exposure <= 2.0, "{file} is exposed at {exposure}: {rating}");
    }
}

// ------------------------------------------------------------------ the operator's settings

/// The installed hub's settings for this env: its broker, vhost and user, the management
/// API, an HTTP port of its own, quicker relay timers, the env's agencies; its secrets in
/// secrets.env and the broker administrator's in provision.env.
fn configure_hub(env: &TestEnv, http_port: u16) {
    let s = &env.hub_settings;
    let path = Path::new("/etc/handover-hub/hub.toml");
    let mut hub = read_toml(path);
    assert_eq!(
        hub["hub"]["secrets_dir"].as_str(),
        Some("/var/lib/handover-hub/secrets"),
        "the shipped hub.toml keeps provisioning's secrets in the hub's state directory"
    );
    set(&mut hub, "broker", "host", s.broker.host.clone().into());
    set(&mut hub, "broker", "port", i64::from(s.broker.port).into());
    set(&mut hub, "broker", "vhost", s.broker.vhost.clone().into());
    set(&mut hub, "broker", "user", s.broker.user.clone().into());
    let management = s.broker.management_url.clone();
    set(&mut hub, "broker", "management_url", management.into());
    set(&mut hub, "hub", "relay_interval_ms", 100.into());
    set(&mut hub, "hub", "outbox_claim_seconds", 2.into());
    set(&mut hub, "hub", "shutdown_grace_seconds", 10.into());
    let listen = format!("127.0.0.1:{http_port}");
    set(&mut hub, "http", "listen", listen.into());
    std::fs::write(path, hub.to_string()).unwrap();

    let agencies: Vec<toml::Value> = s
        .agencies
        .iter()
        .map(|agency| {
            let text = |v: serde_json::Value| toml::Value::from(v.as_str().unwrap_or_default());
            let mut t = toml::Table::new();
            t.insert("id".into(), agency.id.as_str().into());
            t.insert("name".into(), agency.name.as_str().into());
            t.insert(
                "role".into(),
                text(serde_json::to_value(agency.role).unwrap()),
            );
            let jurisdiction = serde_json::to_value(agency.jurisdiction).unwrap();
            t.insert("jurisdiction".into(), text(jurisdiction));
            if let Some(region) = &agency.region {
                t.insert("region".into(), region.as_str().into());
            }
            toml::Value::Table(t)
        })
        .collect();
    let mut table = toml::Table::new();
    table.insert("agencies".into(), toml::Value::Array(agencies));
    std::fs::write("/etc/handover-hub/agencies.toml", table.to_string()).unwrap();

    write_env_file(
        Path::new("/etc/handover-hub/secrets.env"),
        &[
            ("HUB__DATABASE__URL", s.database.url.expose()),
            ("HUB__BROKER__PASSWORD", s.broker.password.expose()),
            (
                "HUB__HUB__CONTACT_POINT_KEY",
                s.hub.contact_point_key.expose(),
            ),
        ],
    );
    write_env_file(
        Path::new("/etc/handover-hub/provision.env"),
        &[
            ("HUB__BROKER__ADMIN_USER", &s.broker.admin_user),
            (
                "HUB__BROKER__ADMIN_PASSWORD",
                s.broker.admin_password.expose(),
            ),
        ],
    );
}

/// The settings of `agency`'s installed agent for `unit` (`agent.toml`, or `<agency>.toml`
/// for the template), from the shipped example: its id and store, this env's broker without
/// TLS, no HTTP server; its secrets (the broker password and inbox name provisioning wrote,
/// the federation pseudonym key) in the unit's secrets file.
fn configure_agent(env: &TestEnv, agency: &AgencyId, unit: &Unit, machine: &mut Machine) {
    let mut agent = read_toml(Path::new("/etc/handover-agent/agent.toml"));
    let data_dir = unit
        .state_directories()
        .first()
        .map(|d| format!("/var/lib/{d}"))
        .expect("the unit has a state directory");
    set(&mut agent, "agent", "id", agency.as_str().into());
    set(&mut agent, "agent", "data_dir", data_dir.into());
    set(&mut agent, "agent", "relay_interval_ms", 50.into());
    let s = &env.hub_settings;
    set(&mut agent, "broker", "host", s.broker.host.clone().into());
    set(
        &mut agent,
        "broker",
        "port",
        i64::from(s.broker.port).into(),
    );
    set(&mut agent, "broker", "vhost", s.broker.vhost.clone().into());
    if let Some(broker) = agent.get_mut("broker").and_then(toml::Value::as_table_mut) {
        broker.remove("tls");
    }
    agent.remove("http");
    let config = unit.config_file();
    if !config.exists() {
        machine.written.push(config.clone());
    }
    std::fs::write(&config, agent.to_string()).unwrap();

    let handed_over = |kind: &str| {
        let file = format!("/var/lib/handover-hub/secrets/{agency}.{kind}");
        std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .trim()
            .to_owned()
    };
    let secrets = unit.environment_files()[0].0.clone();
    if !secrets.exists() {
        machine.written.push(secrets.clone());
    }
    write_env_file(
        &secrets,
        &[
            ("AGENT__BROKER__PASSWORD", &handed_over("password")),
            ("AGENT__BROKER__INBOX_QUEUE", &handed_over("inbox")),
            ("AGENT__AGENT__PSEUDONYM_KEY", TEST_PSEUDONYM_KEY),
        ],
    );
}

fn read_toml(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    table
        .entry(section)
        .or_insert_with(|| toml::Table::new().into())
        .as_table_mut()
        .unwrap_or_else(|| panic!("[{section}] is a table"))
        .insert(key.to_owned(), value);
}

/// Writes `KEY='value'` lines (what both systemd and a shell read) to a file of mode 0600:
/// one the packages made stays 0600 and root's, a new one is made so.
fn write_env_file(path: &Path, variables: &[(&str, &str)]) {
    let mut text = String::new();
    for (key, value) in variables {
        assert!(!value.contains(['\'', '\n']), "{key} needs quoting");
        text.push_str(&format!("{key}='{value}'\n"));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.write_all(text.as_bytes()).unwrap();
    let meta = std::fs::metadata(path).unwrap();
    assert_eq!(
        (meta.uid(), meta.mode() & 0o777),
        (0, 0o600),
        "{} is root's, mode 0600",
        path.display()
    );
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

// ------------------------------------------------------------------ commands

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|ids| ids.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

/// Runs `command` with root's clean environment; panics naming `what` unless it succeeds;
/// returns its standard output.
fn checked(command: &mut Command, what: &str) -> String {
    let out = command
        .env("PATH", SYSTEM_PATH)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what} does not run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        output_text(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `sh -c script` as root with nothing but PATH in the environment, as an operator's shell;
/// panics unless it succeeds.
fn root_shell(script: &str, stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new("sh")
        .args(["-c", script])
        .env_clear()
        .env("PATH", SYSTEM_PATH)
        .current_dir("/")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "`{script}` failed ({}):\n{}",
        out.status,
        output_text(&out)
    );
    out
}

/// `agent COMMAND` through README's function [`AGENT_CLI`], for the agency of `unit`; its
/// standard output.
fn agent_cli(unit: &Unit, command: &str, stdin: Option<&[u8]>) -> String {
    let secrets = unit.environment_files()[0].0.display().to_string();
    let function = AGENT_CLI
        .replace("/etc/handover-agent/secrets.env", &secrets)
        .replace(
            "/etc/handover-agent/agent.toml",
            &unit.config_file().display().to_string(),
        );
    let out = root_shell(&format!("{function}\nagent {command}"), stdin);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn uid_of(user: &str) -> u32 {
    passwd(user)[2].parse().expect("a uid")
}

/// `user`'s line of the password database, split at ':'.
fn passwd(user: &str) -> Vec<String> {
    let line = checked(
        Command::new("getent").args(["passwd", user]),
        "getent passwd",
    );
    line.trim().split(':').map(str::to_owned).collect()
}

/// Whether dpkg knows `package` (installed, half-installed, or its settings left behind).
fn dpkg_knows(package: &str) -> bool {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Abbrev}", package])
        .output()
        .expect("dpkg-query runs");
    let status = String::from_utf8_lossy(&out.stdout);
    out.status.success() && !status.trim().is_empty() && !status.starts_with("un")
}

/// Whether systemd manages this machine (not a container started without it).
fn systemd_runs() -> bool {
    Path::new("/run/systemd/system").is_dir()
        && Command::new("systemctl")
            .arg("is-system-running")
            .output()
            .is_ok_and(|o| {
                let state = String::from_utf8_lossy(&o.stdout);
                ["running", "degraded", "starting"].contains(&state.trim())
            })
}

// ------------------------------------------------------------------ units

/// An installed systemd unit, its specifiers (`%i`) filled in.
struct Unit {
    /// The unit's name (`handover-agent@<agency>.service` for an instance).
    name: String,
    /// Its file.
    file: PathBuf,
    /// The `[Service]` section's settings, in order.
    service: Vec<(String, String)>,
}

impl Unit {
    /// The unit `file_name` as installed, for `instance` of a template.
    fn installed(file_name: &str, instance: Option<&str>) -> Self {
        let file = Path::new(UNITS).join(file_name);
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = match instance {
            Some(i) => file_name.replacen("@.", &format!("@{i}."), 1),
            None => file_name.to_owned(),
        };
        let mut service = Vec::new();
        let mut section = "";
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if line.starts_with('[') {
                section = if line == "[Service]" {
                    "service"
                } else {
                    "other"
                };
                continue;
            }
            if section != "service" {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: not a setting: {line}", file.display()));
            let value = value
                .replace("%i", instance.unwrap_or("%i"))
                .replace("%%", "%");
            assert!(
                !value.contains('%'),
                "{}: a specifier the test does not fill in: {line}",
                file.display()
            );
            service.push((key.trim().to_owned(), value.trim().to_owned()));
        }
        Self {
            name,
            file,
            service,
        }
    }

    /// The last value of `key`, as systemd takes it.
    fn get(&self, key: &str) -> Option<&str> {
        self.all(key).last().copied()
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.service
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn user(&self) -> &str {
        self.get("User").expect("User=")
    }

    fn exec_start(&self) -> Vec<&str> {
        let line = self.get("ExecStart").expect("ExecStart=");
        assert!(
            !line.starts_with(['-', '@', '+', '!', ':']) && !line.contains(['"', '\'', '$']),
            "{}: an ExecStart= the test does not run: {line}",
            self.name
        );
        line.split_whitespace().collect()
    }

    /// The file or folder after `--config` in `ExecStart=`.
    fn config_file(&self) -> PathBuf {
        let argv = self.exec_start();
        let at = argv
            .iter()
            .position(|a| *a == "--config")
            .unwrap_or_else(|| panic!("{}: ExecStart= names no --config", self.name));
        PathBuf::from(argv[at + 1])
    }

    /// `EnvironmentFile=` paths, and whether each may be missing (`-`).
    fn environment_files(&self) -> Vec<(PathBuf, bool)> {
        self.all("EnvironmentFile")
            .iter()
            .map(|f| match f.strip_prefix('-') {
                Some(path) => (PathBuf::from(path), true),
                None => (PathBuf::from(f), false),
            })
            .collect()
    }

    fn state_directories(&self) -> Vec<&str> {
        self.all("StateDirectory")
            .into_iter()
            .flat_map(str::split_whitespace)
            .collect()
    }

    fn state_directory_mode(&self) -> u32 {
        u32::from_str_radix(self.get("StateDirectoryMode").unwrap_or("0755"), 8)
            .expect("an octal mode")
    }

    /// The sandbox the issue asks for.
    fn check_hardened(&self) {
        let expect = [
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("NoNewPrivileges", "yes"),
            ("CapabilityBoundingSet", ""),
            ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
            ("LockPersonality", "yes"),
            ("MemoryDenyWriteExecute", "yes"),
            ("Restart", "on-failure"),
            ("UMask", "0077"),
        ];
        for (key, value) in expect {
            assert_eq!(self.get(key), Some(value), "{}: {key}=", self.name);
        }
        assert_eq!(
            self.all("SystemCallFilter").first(),
            Some(&"@system-service"),
            "{}",
            self.name
        );
        assert_ne!(self.user(), "root", "{}", self.name);
        assert_eq!(self.get("Group"), Some(self.user()), "{}", self.name);
        assert!(!self.state_directories().is_empty(), "{}", self.name);
        let config = self
            .get("ConfigurationDirectory")
            .expect("ConfigurationDirectory=");
        assert!(
            self.config_file()
                .starts_with(Path::new("/etc").join(config)),
            "{}: the settings are in its configuration directory",
            self.name
        );
        let files = self.environment_files();
        assert!(
            !files.is_empty(),
            "{}: secrets come from an EnvironmentFile=",
            self.name
        );
        for (file, optional) in files {
            assert!(
                optional && file.starts_with("/etc"),
                "{}: {file:?}",
                self.name
            );
        }
    }

    /// The binary, settings, secrets file, user and state directory are where the unit says,
    /// and owned as it needs: everything root's but the state, which is the service user's.
    fn check_installed_as_it_says(&self) {
        let argv = self.exec_start();
        let meta = std::fs::metadata(argv[0]).unwrap_or_else(|e| panic!("{}: {e}", argv[0]));
        assert_eq!(
            (meta.uid(), meta.mode() & 0o7777),
            (0, 0o755),
            "{}",
            argv[0]
        );

        let user = passwd(self.user());
        let uid: u32 = user[2].parse().unwrap();
        assert!(uid < 1000, "{} is a system user", self.user());
        assert_eq!(
            user[6],
            "/usr/sbin/nologin",
            "{} cannot log in",
            self.user()
        );
        let group = checked(
            Command::new("getent").args(["group", self.user()]),
            "getent group",
        );
        assert_eq!(
            group.split(':').nth(2),
            Some(user[3].as_str()),
            "{}'s group is its own",
            self.user()
        );

        let config = self.config_file();
        let settings = if config.is_dir() {
            config.join("hub.toml")
        } else if self.name.contains('@') {
            // The operator writes an instance's settings; the packaged example is beside it.
            config.with_file_name("agent.toml")
        } else {
            config.clone()
        };
        let meta = std::fs::metadata(&settings)
            .unwrap_or_else(|e| panic!("{}: {}: {e}", self.name, settings.display()));
        assert_eq!(meta.uid(), 0, "{}", settings.display());
        assert_eq!(
            meta.mode() & 0o022,
            0,
            "{} is root's to change",
            settings.display()
        );

        for (secrets, _) in self.environment_files() {
            if self.name.contains('@') {
                assert!(
                    !secrets.exists(),
                    "{}: the operator's to make",
                    secrets.display()
                );
                continue;
            }
            let meta = std::fs::metadata(&secrets)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", self.name, secrets.display()));
            assert_eq!(
                (meta.uid(), meta.mode() & 0o777, meta.len()),
                (0, 0o600, 0),
                "{}: root's, mode 0600, empty",
                secrets.display()
            );
        }

        // Systemd makes an instance's state directory when it starts; the package makes the
        // others (and the instances' parent).
        for dir in self.state_directories() {
            let path = Path::new("/var/lib").join(dir);
            let path = if self.name.contains('@') {
                path.parent().unwrap().to_path_buf()
            } else {
                path
            };
            let meta = std::fs::metadata(&path)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", self.name, path.display()));
            assert_eq!(meta.uid(), uid, "{} is the service user's", path.display());
            assert_eq!(
                meta.mode() & 0o777,
                self.state_directory_mode(),
                "{}",
                path.display()
            );
        }
    }
}

// ------------------------------------------------------------------ the machine

/// A service started from its unit.
enum Service {
    /// Through systemctl.
    Systemd { unit: String },
    /// The unit's command line, run as systemd would (see the module's comment).
    Process {
        unit: String,
        child: Child,
        log: PathBuf,
    },
}

impl Service {
    fn unit(&self) -> &str {
        match self {
            Service::Systemd { unit } | Service::Process { unit, .. } => unit,
        }
    }

    /// Its main process.
    fn pid(&self) -> u32 {
        match self {
            Service::Systemd { unit } => checked(
                Command::new("systemctl").args(["show", "-p", "MainPID", "--value", unit]),
                "systemctl show",
            )
            .trim()
            .parse()
            .expect("a pid"),
            Service::Process { child, .. } => child.id(),
        }
    }

    /// `None` while it runs; what became of it once it stopped.
    fn stopped(&mut self) -> Option<String> {
        match self {
            Service::Systemd { unit } => {
                let state = Command::new("systemctl")
                    .args(["is-active", unit.as_str()])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                    .unwrap_or_default();
                (!["active", "activating", "reloading"].contains(&state.as_str())).then_some(state)
            }
            Service::Process { child, .. } => child
                .try_wait()
                .expect("the process's status")
                .map(|s| s.to_string()),
        }
    }

    /// Stops it as `systemctl stop` does (SIGTERM) and checks it drained and exited cleanly.
    fn stop(&mut self) {
        let outcome = match self {
            Service::Systemd { unit } => {
                checked(
                    Command::new("systemctl").args(["stop", unit.as_str()]),
                    "systemctl stop",
                );
                let result = checked(
                    Command::new("systemctl").args(["show", "-p", "Result", "--value", unit]),
                    "systemctl show",
                );
                Some(result.trim().to_owned()).filter(|r| r != "success")
            }
            Service::Process { child, .. } => {
                checked(
                    Command::new("kill").args(["-TERM", &child.id().to_string()]),
                    "kill -TERM",
                );
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    if let Some(status) = child.try_wait().expect("the process's status") {
                        break (!status.success()).then(|| status.to_string());
                    }
                    if Instant::now() > deadline {
                        break Some("still running 30 s after SIGTERM".to_owned());
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        if let Some(failure) = outcome {
            panic!(
                "{} did not stop cleanly: {failure}\n{}",
                self.unit(),
                self.tail()
            );
        }
    }

    /// Its last log lines.
    fn tail(&self) -> String {
        let log = match self {
            Service::Systemd { unit } => Command::new("journalctl")
                .args(["-u", unit.as_str(), "-n", "40", "--no-pager"])
                .output()
                .map(|o| output_text(&o))
                .unwrap_or_default(),
            Service::Process { log, .. } => std::fs::read_to_string(log).unwrap_or_default(),
        };
        let lines: Vec<&str> = log.lines().rev().take(40).collect();
        format!(
            "--- the last lines of {} ---\n{}",
            self.unit(),
            lines.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        match self {
            Service::Systemd { unit } => {
                let _ = Command::new("systemctl")
                    .args(["stop", unit.as_str()])
                    .output();
            }
            Service::Process { child, .. } => {
                if matches!(child.try_wait(), Ok(None)) {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
    }
}

/// This machine while the test owns the packages on it. Dropping it (also when the test
/// panics) stops what it started, removes the files it added and purges the packages.
struct Machine {
    systemd: bool,
    /// The services started, for failure messages.
    started: Vec<String>,
    /// Settings and secrets files the test made beside the packages' own.
    written: Vec<PathBuf>,
    installed: bool,
    /// Logs, and what the secret search needs.
    scratch: PathBuf,
    _lock: Lock,
}

impl Machine {
    /// Takes the packages on this machine for this run: waits for another run of this test,
    /// purges what a killed run left, and refuses a machine where they were installed
    /// otherwise.
    fn take_over() -> Self {
        let lock = Lock::take();
        let known: Vec<&str> = [AGENT, HUB].into_iter().filter(|p| dpkg_knows(p)).collect();
        if !known.is_empty() {
            assert!(
                lock.after_dead_run,
                "{known:?} are installed on this machine, not by this test, which installs and \
                 purges them: it leaves them alone. Remove them first (dpkg --purge \
                 handover-agent handover-hub) or run the test elsewhere"
            );
            eprintln!("packages test: purging {known:?}, left by a run that was killed");
            checked(
                Command::new("dpkg").arg("--purge").args(&known),
                "dpkg --purge",
            );
        }
        let scratch =
            std::env::temp_dir().join(format!("handover-packages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        Self {
            systemd: systemd_runs(),
            started: Vec::new(),
            written: Vec::new(),
            installed: false,
            scratch,
            _lock: lock,
        }
    }

    fn install(&mut self, debs: &[PathBuf]) {
        self.installed = true;
        let started = Instant::now();
        checked(
            Command::new("dpkg")
                .arg("--install")
                .args(debs)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            "dpkg --install",
        );
        eprintln!(
            "packages test: dpkg --install took {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    /// Starts `unit` with systemctl, or as systemd would run it.
    fn start(&mut self, unit: &Unit) -> Service {
        self.started.push(unit.name.clone());
        if self.systemd {
            checked(
                Command::new("systemctl").args(["start", &unit.name]),
                "systemctl start",
            );
            return Service::Systemd {
                unit: unit.name.clone(),
            };
        }
        let user = unit.user();
        let group = unit.get("Group").unwrap_or(user);
        let uid = uid_of(user);
        for dir in unit.state_directories() {
            let path = Path::new("/var/lib").join(dir);
            std::fs::create_dir_all(&path).unwrap();
            checked(
                Command::new("chown")
                    .arg(format!("{user}:{group}"))
                    .arg(&path),
                "chown",
            );
            let mode = std::fs::Permissions::from_mode(unit.state_directory_mode());
            std::fs::set_permissions(&path, mode).unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().uid(), uid);
        }
        let mut command = Command::new("setpriv");
        command.args([
            "--reuid",
            user,
            "--regid",
            group,
            "--init-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]);
        if let Some(umask) = unit.get("UMask") {
            command.args(["/bin/sh", "-c", "umask \"$0\" && exec \"$@\"", umask]);
        }
        command.args(unit.exec_start());
        // The environment systemd gives a service with User=, then Environment=, then the
        // files (which win).
        let home = passwd(user)[5].clone();
        command
            .env_clear()
            .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin")
            .env("HOME", home)
            .env("USER", user)
            .env("LOGNAME", user)
            .env("SHELL", "/usr/sbin/nologin");
        for assignment in unit.all("Environment") {
            for pair in assignment.split_whitespace() {
                let (key, value) = pair.split_once('=').expect("KEY=value");
                command.env(key, value);
            }
        }
        for (file, optional) in unit.environment_files() {
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    for line in text.lines().map(str::trim) {
                        if line.is_empty() || line.starts_with(['#', ';']) {
                            continue;
                        }
                        let (key, value) = line.split_once('=').expect("KEY=value");
                        command.env(key.trim(), value.trim().trim_matches('\''));
                    }
                }
                Err(_) if optional => {}
                Err(e) => panic!("{}: {e}", file.display()),
            }
        }
        if let Some(dir) = unit.get("WorkingDirectory") {
            command.current_dir(dir);
        }
        let log = self.scratch.join(format!("{}.log", unit.name));
        let file = std::fs::File::create(&log).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", unit.name));
        Service::Process {
            unit: unit.name.clone(),
            child,
            log,
        }
    }

    /// The service runs as its unit's user, with no new privileges and no capabilities.
    fn check_confined(&self, service: &mut Service, unit: &Unit) {
        if let Some(how) = service.stopped() {
            panic!("{} stopped ({how})\n{}", unit.name, service.tail());
        }
        // Until the unit's binary runs, the process may still be on its way there.
        let pid = service.pid();
        let binary = PathBuf::from(unit.exec_start()[0]);
        let deadline = Instant::now() + DEADLINE;
        while std::fs::read_link(format!("/proc/{pid}/exe")).ok() != Some(binary.clone()) {
            if let Some(how) = service.stopped() {
                panic!("{} stopped ({how})\n{}", unit.name, service.tail());
            }
            assert!(
                Instant::now() < deadline,
                "{} never ran {binary:?}",
                unit.name
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let status =
            std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the service's status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        let uid = uid_of(unit.user()).to_string();
        assert_eq!(
            field("Uid:"),
            [uid.as_str(); 4].join(" "),
            "{} runs as {}",
            unit.name,
            unit.user()
        );
        assert_eq!(field("NoNewPrivs:"), "1", "{}", unit.name);
        assert_eq!(field("CapEff:"), "0000000000000000", "{}", unit.name);
        assert_eq!(field("CapBnd:"), "0000000000000000", "{}", unit.name);
    }

    /// Polls `probe` until it answers, or panics after [`DEADLINE`] with the services' logs.
    async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(value) = probe().await {
                return value;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {DEADLINE:?} waiting for {what}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the started services logged (their files, or the journal).
    fn logs(&self) -> String {
        self.started
            .iter()
            .map(|unit| {
                let log = if self.systemd {
                    Command::new("journalctl")
                        .args(["-u", unit.as_str(), "-n", "40", "--no-pager"])
                        .output()
                        .map(|o| output_text(&o))
                        .unwrap_or_default()
                } else {
                    std::fs::read_to_string(self.scratch.join(format!("{unit}.log")))
                        .unwrap_or_default()
                };
                let lines: Vec<&str> = log.lines().rev().take(30).collect();
                let lines: Vec<&str> = lines.into_iter().rev().collect();
                format!("--- {unit} ---\n{}", lines.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Removes the files the test added and purges both packages; then nothing of them is
    /// left: no package, file, folder or user.
    fn purge_and_check(&mut self) {
        for file in self.written.drain(..) {
            std::fs::remove_file(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
        let started = Instant::now();
        checked(
            Command::new("dpkg").args(["--purge", AGENT, HUB]),
            "dpkg --purge",
        );
        self.installed = false;
        eprintln!(
            "packages test: dpkg --purge took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for package in [HUB, AGENT] {
            assert!(!dpkg_knows(package), "dpkg still knows {package}");
            for path in [
                format!("/etc/{package}"),
                format!("/var/lib/{package}"),
                format!("/usr/bin/{package}"),
                format!("{UNITS}/{package}.service"),
            ] {
                assert!(!Path::new(&path).exists(), "{path} is left after the purge");
            }
            let user = Command::new("getent")
                .args(["passwd", package])
                .output()
                .unwrap();
            assert!(!user.status.success(), "the user {package} is left");
            let group = Command::new("getent")
                .args(["group", package])
                .output()
                .unwrap();
            assert!(!group.status.success(), "the group {package} is left");
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if self.systemd {
            for unit in &self.started {
                let _ = Command::new("systemctl")
                    .args(["stop", unit.as_str()])
                    .output();
            }
        }
        for file in &self.written {
            let _ = std::fs::remove_file(file);
        }
        if self.installed {
            let _ = Command::new("dpkg")
                .args(["--purge", AGENT, HUB])
                .env("PATH", SYSTEM_PATH)
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The packages on this machine belong to one run of this test at a time: the folder
/// [`LOCK`] holds the run's pid. Made whole by a rename, so another run never sees it without
/// the pid.
struct Lock {
    /// The folder was left by a run that is gone (killed before it could purge).
    after_dead_run: bool,
}

impl Lock {
    fn take() -> Self {
        let lock = Path::new(LOCK);
        let mine = lock.with_extension(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&mine);
        std::fs::create_dir_all(&mine).expect("a folder in /run/lock");
        std::fs::write(mine.join("pid"), std::process::id().to_string()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(180);
        let mut after_dead_run = false;
        loop {
            if std::fs::rename(&mine, lock).is_ok() {
                return Self { after_dead_run };
            }
            let holder = std::fs::read_to_string(lock.join("pid"))
                .ok()
                .and_then(|p| p.trim().parse::<u32>().ok());
            match holder {
                Some(pid) if Path::new(&format!("/proc/{pid}")).exists() => {
                    if Instant::now() > deadline {
                        let _ = std::fs::remove_dir_all(&mine);
                        panic!(
                            "another run of this test (pid {pid}) has held {LOCK} for 3 minutes"
                        );
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                _ => {
                    let _ = std::fs::remove_dir_all(lock);
                    after_dead_run = true;
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(LOCK);
    }
}
