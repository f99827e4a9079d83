//! A RabbitMQ node of a test's own, for tests that stop and start the broker.
//!
//! The shared broker serves every other test and must never go down, so a test that needs an
//! outage runs a [`PrivateNode`]: a separate node on the same machine with its own node name
//! (`t<random>@localhost`), its own AMQP, distribution and management ports (free ports found
//! by binding port 0), and its own data and log directories in a temporary folder. The node
//! has the management plugin, an administrator from its configuration file, and every feature
//! flag enabled (safe dead-lettering on quorum queues needs `stream_queue`).
//!
//! The Debian wrapper scripts switch to the `rabbitmq` user when run as root, so the tests
//! run as root and the folder belongs to that user. On 2 cores a first start takes about 7 s,
//! a graceful stop about 9 s (RabbitMQ waits 5 s in its own shutdown) and a restart 3 to 7 s:
//! keep the number of starts per test small. Only the broker is private; PostgreSQL stays the
//! shared one ([`TestEnv::on_private_node`]).
//!
//! Dropping the node kills it and removes its folder, even when the test panicked.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::{DEADLINE, Services, TestEnv, eventually, random_suffix};

/// The CLI tools' own distribution ports (`RABBITMQ_CTL_DIST_PORT_MIN` and the ten above it),
/// and the shared node's ports: a private node must not take them.
const RESERVED_PORTS: [std::ops::RangeInclusive<u16>; 4] =
    [35672..=35682, 25672..=25672, 15672..=15672, 5672..=5672];

/// A running (or stopped) RabbitMQ node that belongs to one test.
#[derive(Debug)]
pub struct PrivateNode {
    name: String,
    dir: PathBuf,
    amqp_port: u16,
    dist_port: u16,
    management_port: u16,
    admin_user: String,
    admin_password: String,
}

impl PrivateNode {
    /// Creates a node in a fresh folder, starts it, waits until it serves, and enables every
    /// feature flag. Panics with the reason (and the node's log) when it cannot.
    pub async fn launch() -> Self {
        assert!(
            is_root(),
            "a private RabbitMQ node needs root: the rabbitmq-server wrapper switches to the \
             rabbitmq user only for root (run the tests as root, as deploy/test.sh does)"
        );
        let suffix = random_suffix();
        let [amqp_port, dist_port, management_port] = free_ports();
        let node = Self {
            name: format!("t{suffix}@localhost"),
            dir: std::env::temp_dir().join(format!("handover-rabbit-{suffix}")),
            amqp_port,
            dist_port,
            management_port,
            admin_user: "handover-test-admin".into(),
            admin_password: random_suffix() + &random_suffix(),
        };
        node.write_files();
        node.start().await;
        node.ctl(&["enable_feature_flag", "all"]).await;
        node
    }

    /// Starts the node again on the same data directory (what the quorum queues held is
    /// still there) and waits until it serves.
    pub async fn start(&self) {
        let started = std::time::Instant::now();
        // A killed node leaves its pid file behind; `rabbitmqctl wait` would read it.
        let _ = std::fs::remove_file(self.pid_file());
        let output = self
            .command("rabbitmq-server")
            .arg("-detached")
            .output()
            .await
            .expect("rabbitmq-server runs (is the rabbitmq-server package installed?)");
        self.check("rabbitmq-server -detached", &output);
        let pid_file = self.pid_file().display().to_string();
        self.ctl(&["wait", &pid_file, "--timeout", "60"]).await;
        tracing::info!(node = %self.name, elapsed = ?started.elapsed(), "private node started");
    }

    /// Stops the node (the whole Erlang VM) and waits until its process has exited: clients
    /// lose their connections and find its port closed until [`PrivateNode::start`].
    pub async fn stop(&self) {
        let started = std::time::Instant::now();
        let pid_file = self.pid_file().display().to_string();
        self.ctl(&["stop", &pid_file]).await;
        tracing::info!(node = %self.name, elapsed = ?started.elapsed(), "private node stopped");
    }

    /// Kills the node's process (SIGKILL), as in a crash or a power cut: nothing is flushed
    /// or closed. What the broker confirmed is on disk and comes back with
    /// [`PrivateNode::start`].
    pub async fn kill(&self) {
        let pid = self.pid().expect("the node is running");
        let status = tokio::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .await
            .expect("kill runs");
        assert!(status.success(), "kill -KILL {pid} failed");
        let proc = PathBuf::from(format!("/proc/{pid}"));
        eventually("the node's process to exit", DEADLINE, || async {
            (!proc.exists()).then_some(())
        })
        .await;
        tracing::info!(node = %self.name, "private node killed");
    }

    /// Its node name, e.g. `t1a2b3c4d@localhost`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its AMQP port on 127.0.0.1.
    pub fn amqp_port(&self) -> u16 {
        self.amqp_port
    }

    /// Its management API.
    pub fn management_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.management_port)
    }

    /// The services to build a [`TestEnv`] on: this node's AMQP and management API, with its
    /// administrator, and the shared PostgreSQL.
    pub fn services(&self) -> Services {
        Services {
            management_url: self.management_url(),
            admin_user: self.admin_user.clone(),
            admin_password: self.admin_password.clone(),
            amqp_host: "127.0.0.1".into(),
            amqp_port: self.amqp_port,
            ..Services::from_env()
        }
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.join("node.pid")
    }

    /// The node's OS process, from its pid file (there while it runs).
    fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.pid_file())
            .ok()
            .and_then(|p| p.trim().parse().ok())
    }

    fn write_files(&self) {
        std::fs::create_dir_all(self.dir.join("mnesia")).expect("node folder");
        std::fs::create_dir_all(self.dir.join("log")).expect("node folder");
        let config = format!(
            "listeners.tcp.default = 127.0.0.1:{amqp}\n\
             management.tcp.ip = 127.0.0.1\n\
             management.tcp.port = {management}\n\
             default_user = {user}\n\
             default_pass = {password}\n\
             default_user_tags.administrator = true\n",
            amqp = self.amqp_port,
            management = self.management_port,
            user = self.admin_user,
            password = self.admin_password,
        );
        write(&self.dir.join("rabbitmq.conf"), &config);
        write(
            &self.dir.join("enabled_plugins"),
            "[rabbitmq_management].\n",
        );
        let output = std::process::Command::new("chown")
            .args(["-R", "rabbitmq:rabbitmq"])
            .arg(&self.dir)
            .output()
            .expect("chown runs");
        assert!(
            output.status.success(),
            "cannot give {} to the rabbitmq user (is the rabbitmq-server package installed?): {}",
            self.dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A command with this node's environment.
    fn command(&self, program: &str) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(program);
        command
            .env("RABBITMQ_NODENAME", &self.name)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.amqp_port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", self.dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", self.dir.join("log"))
            .env("RABBITMQ_PID_FILE", self.pid_file())
            .env("RABBITMQ_CONFIG_FILE", self.dir.join("rabbitmq.conf"))
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                self.dir.join("enabled_plugins"),
            )
            .kill_on_drop(true);
        command
    }

    /// Runs `rabbitmqctl -n <node> args...` and panics if it fails.
    async fn ctl(&self, args: &[&str]) {
        let output = self
            .command("rabbitmqctl")
            .args(["-q", "-n", &self.name])
            .args(args)
            .output()
            .await
            .expect("rabbitmqctl runs");
        self.check(&format!("rabbitmqctl {}", args.join(" ")), &output);
    }

    fn check(&self, what: &str, output: &Output) {
        if output.status.success() {
            return;
        }
        let log = std::fs::read_to_string(self.dir.join("log").join(format!("{}.log", self.name)))
            .unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        panic!(
            "{what} failed on private node {}: {}{}\n--- end of the node's log ---\n{}",
            self.name,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
}

impl Drop for PrivateNode {
    fn drop(&mut self) {
        // Its data is about to be removed, so there is nothing to stop gracefully: kill the
        // node's own process (named by its pid file) and wait until it is gone.
        if let Some(pid) = self.pid() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .output();
            let proc = PathBuf::from(format!("/proc/{pid}"));
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while proc.exists() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestEnv {
    /// A new env whose hub and agents use `node` as their broker (PostgreSQL stays the shared
    /// one). Drop the env before the node; declaring the node first does that.
    pub async fn on_private_node(node: &PrivateNode) -> TestEnv {
        TestEnv::with_services(node.services(), &[]).await
    }
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Whether this process runs as root (the RabbitMQ wrapper scripts need it).
pub(crate) fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_ports<const N: usize>() -> [u16; N] {
    free_ports_except(&RESERVED_PORTS)
}

/// Distinct free ports on 127.0.0.1 outside `reserved`: all bound to port 0 at once, then
/// released.
pub(crate) fn free_ports_except<const N: usize>(
    reserved: &[std::ops::RangeInclusive<u16>],
) -> [u16; N] {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < N {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("bound").port();
        if !reserved.iter().any(|r| r.contains(&port)) {
            ports.push(port);
        }
        held.push(listener);
    }
    ports.try_into().expect("N ports")
}
