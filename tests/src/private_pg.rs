//! A PostgreSQL cluster of a test's own, for tests that stop and start the database.
//!
//! The shared server serves every other test and must never go down, so a test that needs a
//! database outage runs a [`PrivatePg`]: `initdb` into a temporary folder that belongs to
//! the `postgres` user (the server refuses to run as root, so the tests, which run as root,
//! switch with `runuser -u postgres --`), listening on a free port on 127.0.0.1 and on a unix
//! socket in that folder, with trust authentication for the superuser `postgres` and no
//! fsync (nothing here survives a power cut, and nothing needs to). The binaries come from
//! `pg_config --bindir`, or else the newest `/usr/lib/postgresql/*/bin`. Creating and
//! starting one takes about a second.
//!
//! Dropping it stops the server at once (immediate mode, then SIGKILL if that fails) and
//! removes its folder, even when the test panicked.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Output;

use crate::private_node::PrivateNode;
use crate::{Services, TestEnv, random_suffix};

/// A running (or stopped) PostgreSQL cluster that belongs to one test.
#[derive(Debug)]
pub struct PrivatePg {
    dir: PathBuf,
    bindir: PathBuf,
    port: u16,
}

impl PrivatePg {
    /// Creates a cluster in a fresh folder and starts it. Panics with the reason (and the
    /// server's log) when it cannot.
    pub async fn launch() -> Self {
        let port = free_port();
        let pg = Self {
            dir: std::env::temp_dir().join(format!("handover-pg-{}", random_suffix())),
            bindir: bindir(),
            port,
        };
        std::fs::create_dir_all(&pg.dir).expect("cluster folder");
        let output = tokio::process::Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&pg.dir)
            .output()
            .await
            .expect("chown runs");
        pg.check("chown postgres", &output);
        let data = pg.data().display().to_string();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )
        .await;
        let config = format!(
            "\n# A test's own cluster (e2e::private_pg).\n\
             port = {port}\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{socket}'\n\
             fsync = off\n\
             full_page_writes = off\n\
             shared_buffers = 32MB\n\
             max_connections = 50\n",
            socket = pg.dir.display(),
        );
        let conf = pg.data().join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("initdb wrote postgresql.conf");
        text.push_str(&config);
        std::fs::write(&conf, text).expect("postgresql.conf");
        pg.start().await;
        pg
    }

    /// Starts the server on the same data (what was committed is still there) and waits
    /// until it accepts connections.
    pub async fn start(&self) {
        let started = std::time::Instant::now();
        let data = self.data().display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &["start", "-D", &data, "-l", &log, "-w", "-t", "60"],
        )
        .await;
        tracing::info!(port = self.port, elapsed = ?started.elapsed(), "private PostgreSQL started");
    }

    /// Stops the server (fast mode: open transactions roll back, clients are disconnected)
    /// and waits until it is down: clients find its port closed until [`PrivatePg::start`].
    pub async fn stop(&self) {
        let data = self.data().display().to_string();
        self.run(
            "pg_ctl",
            &["stop", "-D", &data, "-m", "fast", "-w", "-t", "60"],
        )
        .await;
        tracing::info!(port = self.port, "private PostgreSQL stopped");
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's URL for the `postgres` database (trust authentication, no password).
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `services` with this cluster as its PostgreSQL.
    pub fn services(&self, services: Services) -> Services {
        Services {
            pg_admin_url: self.admin_url(),
            ..services
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs one of the server's programs as the `postgres` user and panics if it fails.
    async fn run(&self, program: &str, args: &[&str]) {
        let output = tokio::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bindir.join(program))
            .args(args)
            .kill_on_drop(true)
            .output()
            .await
            .expect("runuser runs");
        self.check(&format!("{program} {}", args.join(" ")), &output);
    }

    fn check(&self, what: &str, output: &Output) {
        if output.status.success() {
            return;
        }
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        panic!(
            "{what} failed for private PostgreSQL on port {}: {}{}\n--- end of the server's log ---\n{}",
            self.port,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }

    /// The postmaster's pid, from its pid file (there while it runs).
    fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        // Its data is about to be removed: stop at once, without a checkpoint.
        if let Some(pid) = self.pid() {
            let stopped = std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bindir.join("pg_ctl"))
                .args(["stop", "-m", "immediate", "-w", "-t", "10", "-D"])
                .arg(self.data())
                .output()
                .is_ok_and(|o| o.status.success());
            if !stopped {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .output();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where the server's programs are.
fn bindir() -> PathBuf {
    if let Ok(output) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server programs found (pg_config --bindir, /usr/lib/postgresql/*/bin): \
             is the postgresql package installed?"
        )
    })
}

impl TestEnv {
    /// A new env whose hub and agents use `node` as their broker and `pg` as their
    /// PostgreSQL. Drop the env before both; declaring them first does that.
    pub async fn on_private_services(node: &PrivateNode, pg: &PrivatePg) -> TestEnv {
        TestEnv::with_services(pg.services(node.services()), &[]).await
    }
}

/// A free port on 127.0.0.1 below the kernel's ephemeral range, so that no outgoing
/// connection takes it as its local port, neither before the server binds it nor while the
/// server is stopped in a test (and away from RabbitMQ's usual ports).
fn free_port() -> u16 {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let low = 10_000u16;
    let span = u32::from(ephemeral_low.saturating_sub(low).max(1));
    let offset =
        u32::try_from(uuid::Uuid::new_v4().as_u128() % u128::from(span)).expect("within the span");
    (0..span)
        .map(|i| low + u16::try_from((offset + i) % span).expect("within the span"))
        .filter(|port| ![15672, 25672].contains(port))
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port below the ephemeral range")
}
