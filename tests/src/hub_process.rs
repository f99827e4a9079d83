//! The hub as an OS process of its own, for tests that kill it with SIGKILL (a real
//! `kill -9`: nothing is flushed, closed or acknowledged) and for measuring its memory.
//!
//! The executable is `hub-serve`, this crate's binary that runs exactly what `hub serve`
//! runs. Integration tests name it with `env!("CARGO_BIN_EXE_hub-serve")` (Cargo builds a
//! crate's binaries before its integration tests); other binaries of this crate find it
//! beside themselves with [`sibling_executable`] once it is built (`cargo build -p e2e
//! --bins`).
//!
//! The process is configured for a [`TestEnv`] the way an operator configures the hub: a
//! configuration folder of its own (`HUB_CONFIG_DIR`) holding copies of the repository's
//! `config/*.toml` with an `agencies.toml` of the env's agencies and hard rules, and one
//! `HUB__SECTION__KEY` variable for each setting of the env's `hub`, `broker`, `database` and
//! `http` sections (so a test's changes to [`TestEnv::hub_settings`] there reach the
//! process). Inherited `HUB_*` variables are removed; `HUB_FAILPOINT` is set only when a
//! failpoint is asked for (see `hub::failpoint`).
//!
//! Everything the process writes (its log, on stderr, and the failpoint line) is kept in
//! memory for [`HubProcess::wait_for_failpoint`] and for failure messages. Dropping the
//! handle kills the process and removes its configuration folder.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::{DEADLINE, TestEnv, eventually, random_suffix, repo_root};

/// The name of this crate's binary that runs `hub serve`.
pub const EXECUTABLE: &str = "hub-serve";

/// `hub-serve` beside the running executable: in the same folder (another binary of this
/// crate) or the one above it (a test binary in `deps/`). Panics when it is not built.
pub fn sibling_executable() -> PathBuf {
    let me = std::env::current_exe().expect("the running executable");
    me.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(EXECUTABLE))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{EXECUTABLE} is not built next to {}: run `cargo build -p e2e --bins` (with \
                 the same profile) first",
                me.display()
            )
        })
}

/// What the process wrote, line by line, and a counter that moves with every line.
struct Output {
    text: Mutex<String>,
    lines: watch::Sender<u64>,
}

impl Output {
    fn push(&self, line: &str) {
        {
            let mut text = self.text.lock().unwrap_or_else(|p| p.into_inner());
            text.push_str(line);
            if !line.ends_with('\n') {
                text.push('\n');
            }
        }
        self.lines.send_modify(|n| *n += 1);
    }

    fn text(&self) -> String {
        self.text.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A hub running as an OS process for one [`TestEnv`].
pub struct HubProcess {
    child: Child,
    output: Arc<Output>,
    exit: Option<ExitStatus>,
    http: String,
    config_dir: PathBuf,
}

impl HubProcess {
    /// Starts `executable` (see [`EXECUTABLE`]) for `env`, with `failpoint`
    /// (`<name>[:<n>]`, see `hub::failpoint`) armed if given, and waits until it is ready:
    /// its `/readyz` answers 200 (the database answers and the ingress is consuming). The
    /// env's `http.listen` must be set (TestEnv sets `127.0.0.1:0`).
    pub async fn start(env: &TestEnv, executable: &Path, failpoint: Option<&str>) -> Self {
        let settings = &env.hub_settings;
        assert!(
            settings.http.listen.is_some(),
            "a hub process is watched through its HTTP endpoints: set http.listen"
        );
        let config_dir = std::env::temp_dir().join(format!("handover-hub-{}", random_suffix()));
        write_config(&config_dir, settings);

        let mut command = std::process::Command::new(executable);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HUB_") || name == "LOG_FORMAT" {
                command.env_remove(&name);
            }
        }
        command
            .envs(variables(settings))
            .env("HUB_CONFIG_DIR", &config_dir)
            .env("RUST_LOG", "info,sqlx=warn,lapin=warn")
            .env("NO_COLOR", "1")
            .current_dir(&config_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(failpoint) = failpoint {
            command.env(hub::failpoint::VARIABLE, failpoint);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", executable.display()));
        let (lines, _) = watch::channel(0);
        let output = Arc::new(Output {
            text: Mutex::new(String::new()),
            lines,
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                use std::io::BufRead;
                let mut reader = std::io::BufReader::new(stream);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                    output.push(&String::from_utf8_lossy(&line));
                    line.clear();
                }
            });
        }
        let mut process = Self {
            child,
            output,
            exit: None,
            http: String::new(),
            config_dir,
        };
        tracing::info!(pid = process.pid(), failpoint, "hub process started");
        let line = process
            .wait_for_line("the hub's HTTP server to listen", |l| {
                l.contains("endpoints listening") && l.contains("address=")
            })
            .await;
        let address = line
            .split_whitespace()
            .find_map(|word| word.strip_prefix("address="))
            .expect("the line names the address")
            .to_owned();
        process.http = format!("http://{address}");
        process.wait_ready().await;
        process
    }

    /// Starts [`sibling_executable`] for `env`, without a failpoint (for this crate's other
    /// binaries, e.g. the benchmark; tests name the executable with `env!`).
    pub async fn spawn(env: &TestEnv) -> Self {
        Self::start(env, &sibling_executable(), None).await
    }

    /// Its process id (e.g. for `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its peak resident memory so far (`VmHWM` in `/proc/<pid>/status`), in kB; `None`
    /// once it has exited.
    pub fn peak_rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// The base URL of its HTTP server.
    pub fn http_url(&self) -> &str {
        &self.http
    }

    /// Everything it has written so far.
    pub fn log(&self) -> String {
        self.output.text()
    }

    /// Its exit status, once it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().expect("the hub's status");
        }
        self.exit
    }

    /// Waits until `/readyz` answers 200.
    pub async fn wait_ready(&mut self) {
        let url = format!("{}/readyz", self.http);
        let client = broker::http_client().build().unwrap();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.exited() {
                panic!(
                    "the hub exited ({status}) before it was ready\n{}",
                    self.tail()
                );
            }
            if client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the hub was not ready within {DEADLINE:?}\n{}",
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Its Prometheus metrics, as scraped from `/metrics`.
    pub async fn metrics(&self) -> String {
        let url = format!("{}/metrics", self.http);
        eventually("the hub's metrics", DEADLINE, || async {
            let response = reqwest::get(&url).await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.text().await.ok()
        })
        .await
    }

    /// Waits until the process reports `failpoint <name> reached` and returns the name. The
    /// process is then stuck there for good: kill it with [`HubProcess::kill_9`].
    pub async fn wait_for_failpoint(&mut self) -> String {
        let line = self
            .wait_for_line("the hub to reach its failpoint", |l| {
                l.starts_with("failpoint ") && l.trim_end().ends_with(" reached")
            })
            .await;
        let name = line.trim_end().trim_end_matches(" reached");
        name.trim_start_matches("failpoint ").to_owned()
    }

    /// Kills the process with SIGKILL and waits until it is gone; returns its exit status
    /// (by signal 9, unless it had already exited by itself).
    pub async fn kill_9(&mut self) -> ExitStatus {
        if self.exited().is_none() {
            // An exited but unreaped child still takes the signal without error.
            self.child.kill().expect("SIGKILL the hub");
        }
        let status = self.wait_exit("the killed hub to exit", DEADLINE).await;
        tracing::info!(pid = self.pid(), %status, "hub process killed");
        status
    }

    /// Asks the process to stop (SIGTERM) and waits until it has drained and exited.
    pub async fn stop(&mut self) -> ExitStatus {
        if self.exited().is_none() {
            let status = tokio::process::Command::new("kill")
                .args(["-TERM", &self.pid().to_string()])
                .status()
                .await
                .expect("kill runs");
            assert!(status.success(), "kill -TERM {} failed", self.pid());
        }
        self.wait_exit("the hub to stop", Duration::from_secs(5) + DEADLINE)
            .await
    }

    /// Polls until the process has exited, or panics after `timeout` naming `what`.
    async fn wait_exit(&mut self, what: &str, timeout: Duration) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}\n{}",
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The last lines it wrote, for failure messages.
    pub fn tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().rev().take(40).collect();
        format!(
            "--- the last lines of hub process {} ---\n{}",
            self.child.id(),
            lines.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    /// Waits (up to [`DEADLINE`]) until a line matches; panics with the log if the process
    /// exits first.
    async fn wait_for_line(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let mut lines = self.output.lines.subscribe();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            lines.borrow_and_update();
            if let Some(line) = self.log().lines().find(|l| matches(l)) {
                return line.to_owned();
            }
            if let Some(status) = self.exited() {
                panic!(
                    "waiting for {what}, the hub exited ({status})\n{}",
                    self.tail()
                );
            }
            // Woken by a new line, or after a while to look at the process again.
            let wake = (tokio::time::Instant::now() + Duration::from_millis(200)).min(deadline);
            let _ = tokio::time::timeout_at(wake, lines.changed()).await;
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {DEADLINE:?} waiting for {what}\n{}",
                self.tail()
            );
        }
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        if self.exit.is_none() && !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.config_dir);
    }
}

/// Whether the process was ended by SIGKILL.
pub fn killed_by_sigkill(status: ExitStatus) -> bool {
    status.signal() == Some(9)
}

/// A TOML basic string (JSON's escapes are TOML's).
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// Copies the repository's `config/*.toml` into `dir` and writes the env's agencies and hard
/// rules as its `agencies.toml` (read after `hub.toml`, so its `[hard_rules]` wins).
fn write_config(dir: &Path, settings: &hub::Settings) {
    std::fs::create_dir_all(dir).expect("the hub's config folder");
    let source = repo_root().join("config");
    for entry in std::fs::read_dir(&source).expect("config/") {
        let path = entry.expect("config/ entry").path();
        let name = path.file_name().expect("a file name");
        if path.is_file()
            && path.extension().is_some_and(|e| e == "toml")
            && name != "agencies.toml"
            && name != "programmes.toml"
        {
            std::fs::copy(&path, dir.join(name))
                .unwrap_or_else(|e| panic!("copying {}: {e}", path.display()));
        }
    }
    let mut agencies = String::from(
        "# Written by e2e::hub_process for one test env: its agencies and hard rules.\n\n",
    );
    for a in &settings.agencies {
        let enum_string = |v: serde_json::Value| {
            v.as_str()
                .map(toml_string)
                .expect("a unit enum serializes as a string")
        };
        agencies.push_str(&format!(
            "[[agencies]]\nid = {}\nname = {}\nrole = {}\njurisdiction = {}\n",
            toml_string(a.id.as_str()),
            toml_string(&a.name),
            enum_string(serde_json::to_value(a.role).expect("role")),
            enum_string(serde_json::to_value(a.jurisdiction).expect("jurisdiction")),
        ));
        if let Some(region) = &a.region {
            agencies.push_str(&format!("region = {}\n", toml_string(region)));
        }
        agencies.push('\n');
    }
    let allowed: Vec<String> = settings
        .hard_rules
        .protected_location_allow
        .iter()
        .map(|a| toml_string(a.as_str()))
        .collect();
    agencies.push_str(&format!(
        "[hard_rules]\nprotected_location_allow = [{}]\n",
        allowed.join(", ")
    ));
    std::fs::write(dir.join("agencies.toml"), agencies).expect("agencies.toml");
    let mut programmes =
        String::from("# Written by e2e::hub_process for one test env: its programmes.\n\n");
    for p in &settings.programmes {
        let custodians: Vec<String> = p
            .custodians
            .iter()
            .map(|c| toml_string(c.as_str()))
            .collect();
        programmes.push_str(&format!(
            "[[programmes]]\nname = {}\ncustodians = [{}]\n\n",
            toml_string(&p.name),
            custodians.join(", ")
        ));
    }
    std::fs::write(dir.join("programmes.toml"), programmes).expect("programmes.toml");
}

/// One `HUB__SECTION__KEY` variable per setting of the `hub`, `broker`, `database` and
/// `http` sections.
fn variables(s: &hub::Settings) -> Vec<(String, String)> {
    let h = &s.hub;
    let b = &s.broker;
    let mut vars: Vec<(&str, String)> = vec![
        ("HUB__HUB__ID", h.id.to_string()),
        (
            "HUB__HUB__MAX_MESSAGE_BYTES",
            h.max_message_bytes.to_string(),
        ),
        ("HUB__HUB__PREFETCH", h.prefetch.to_string()),
        ("HUB__HUB__BATCH_MAX", h.batch_max.to_string()),
        (
            "HUB__HUB__OUTBOX_CLAIM_SECONDS",
            h.outbox_claim_seconds.to_string(),
        ),
        (
            "HUB__HUB__HELD_UNREADY_SECONDS",
            h.held_unready_seconds.to_string(),
        ),
        (
            "HUB__HUB__RELAY_INTERVAL_MS",
            h.relay_interval_ms.to_string(),
        ),
        (
            "HUB__HUB__SHUTDOWN_GRACE_SECONDS",
            h.shutdown_grace_seconds.to_string(),
        ),
        ("HUB__HUB__SECRETS_DIR", h.secrets_dir.display().to_string()),
        (
            "HUB__HUB__DEADLINE_SWEEP_SECONDS",
            h.deadline_sweep_seconds.to_string(),
        ),
        (
            "HUB__HUB__CONTACT_POINT_KEY",
            h.contact_point_key.expose().to_owned(),
        ),
        ("HUB__HUB__BACKFILL_DAYS", h.backfill_days.to_string()),
        ("HUB__BROKER__HOST", b.host.clone()),
        ("HUB__BROKER__PORT", b.port.to_string()),
        ("HUB__BROKER__VHOST", b.vhost.clone()),
        ("HUB__BROKER__USER", b.user.clone()),
        ("HUB__BROKER__PASSWORD", b.password.expose().to_owned()),
        ("HUB__BROKER__MANAGEMENT_URL", b.management_url.clone()),
        ("HUB__BROKER__ADMIN_USER", b.admin_user.clone()),
        (
            "HUB__BROKER__ADMIN_PASSWORD",
            b.admin_password.expose().to_owned(),
        ),
        ("HUB__DATABASE__URL", s.database.url.expose().to_owned()),
        (
            "HUB__DATABASE__MAX_CONNECTIONS",
            s.database.max_connections.to_string(),
        ),
        (
            "HUB__HTTP__SECURE_COOKIES",
            s.http.secure_cookies.to_string(),
        ),
    ];
    if !b.nodes.is_empty() {
        let nodes: Vec<String> = b.nodes.iter().map(ToString::to_string).collect();
        vars.push(("HUB__BROKER__NODES", nodes.join(",")));
    }
    if let Some(tls) = &b.tls {
        vars.push((
            "HUB__BROKER__TLS__CA_FILE",
            tls.ca_file.display().to_string(),
        ));
        vars.push((
            "HUB__BROKER__TLS__CERT_FILE",
            tls.cert_file.display().to_string(),
        ));
        vars.push((
            "HUB__BROKER__TLS__KEY_FILE",
            tls.key_file.display().to_string(),
        ));
    }
    if let Some(listen) = &s.http.listen {
        vars.push(("HUB__HTTP__LISTEN", listen.clone()));
    }
    vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
