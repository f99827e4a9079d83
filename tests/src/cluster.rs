//! A three-node RabbitMQ cluster of the tests' own, for tests that stop a node under load or
//! run several hubs against several nodes.
//!
//! [`Cluster::launch`] runs `deploy/cluster.sh` (the script operators use, so the tests prove
//! it too) in a temporary folder, with a node name prefix of its own and free ports (found by
//! binding port 0, never the shared node's or the CLI tools'), so it never meets the shared
//! broker, a [`crate::private_node::PrivateNode`] or a developer's cluster. Its nodes listen
//! for AMQP and, when the development CA exists, AMQPS with client certificates, as the shared
//! broker does.
//!
//! A 3-node cluster takes about 20 s to form on 2 cores, so tests that run at the same time
//! share one ([`Cluster::shared`]): each has its own vhost, users and database as always.
//! They run side by side while the cluster is [`Cluster::stable`]; a test that stops a node
//! first waits until it has the cluster to itself ([`Cluster::exclusive`]), so no other test
//! sees a node go. The last test to let go of the cluster drops it, which kills its nodes and
//! removes its folder, even when a test panicked.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use broker::amqp::BrokerAddress;
use broker::{BrokerEndpoint, Management};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::{AgentHandle, DEADLINE, Services, TestEnv, eventually, random_suffix, repo_root};

/// The ports a test cluster must not take: the shared node's, the CLI tools' distribution
/// ports, and the defaults of `deploy/cluster.sh` (a developer's cluster may run).
const RESERVED_PORTS: [std::ops::RangeInclusive<u16>; 8] = [
    5671..=5672,
    15672..=15672,
    25672..=25672,
    35672..=35682,
    5681..=5683,
    5691..=5693,
    15681..=15683,
    25681..=25683,
];

/// How many nodes.
pub const NODES: usize = 3;

/// A running three-node cluster that belongs to the tests.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    prefix: String,
    amqp_ports: [u16; NODES],
    amqps_ports: [u16; NODES],
    management_ports: [u16; NODES],
    dist_ports: [u16; NODES],
    tls: bool,
    admin_user: String,
    admin_password: String,
    started_in: std::time::Duration,
}

/// The cluster the tests that run now share, while one of them holds it.
static SHARED: Mutex<Weak<Cluster>> = Mutex::const_new(Weak::new());
/// Read: the cluster stays as it is; write: a test may stop and start nodes.
static USE: RwLock<()> = RwLock::const_new(());
/// One test at a time starts the nodes a failed test left stopped.
static REPAIR: Mutex<()> = Mutex::const_new(());

/// Set when a test failed while it used a cluster: its nodes' logs are then kept.
static FAILED: AtomicBool = AtomicBool::new(false);

/// While held, no test stops a node of the shared cluster.
pub struct Stable(#[allow(dead_code)] RwLockReadGuard<'static, ()>);

/// While held, no other test uses the shared cluster: nodes may be stopped.
pub struct Exclusive(#[allow(dead_code)] RwLockWriteGuard<'static, ()>);

impl Drop for Stable {
    fn drop(&mut self) {
        if std::thread::panicking() {
            FAILED.store(true, Ordering::SeqCst);
        }
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        if std::thread::panicking() {
            FAILED.store(true, Ordering::SeqCst);
        }
    }
}

impl Cluster {
    /// The cluster the tests running now share: the one another test holds, or a new one.
    pub async fn shared() -> Arc<Cluster> {
        let mut slot = SHARED.lock().await;
        if let Some(cluster) = slot.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(Cluster::launch().await);
        *slot = Arc::downgrade(&cluster);
        cluster
    }

    /// Waits until no test is stopping nodes, and makes sure all three run (a test that
    /// failed may have left one stopped). Tests holding this run side by side.
    pub async fn stable(&self) -> Stable {
        let guard = USE.read().await;
        self.start_stopped_nodes().await;
        Stable(guard)
    }

    /// Waits until no other test uses the cluster, and makes sure all three nodes run; then
    /// this test may stop and start nodes. Let go of [`Cluster::stable`] first.
    pub async fn exclusive(&self) -> Exclusive {
        let guard = USE.write().await;
        self.start_stopped_nodes().await;
        Exclusive(guard)
    }

    async fn start_stopped_nodes(&self) {
        let _one_at_a_time = REPAIR.lock().await;
        for node in 1..=NODES {
            if !self.is_running(node) {
                self.start_node(node).await;
            }
        }
    }

    /// Creates and starts a new cluster with `deploy/cluster.sh start`, and waits until its
    /// three nodes have joined and serve. Panics with the script's output when it cannot.
    pub async fn launch() -> Self {
        assert!(
            crate::private_node::is_root(),
            "a test cluster needs root: the rabbitmq-server wrapper switches to the rabbitmq \
             user only for root (run the tests as root, as deploy/test.sh does)"
        );
        crate::logs::capture();
        let suffix = random_suffix();
        let ports: [u16; 4 * NODES] = free_ports();
        let take = |i: usize| -> [u16; NODES] { [ports[i], ports[i + 1], ports[i + 2]] };
        let tls = std::env::var("HANDOVER_PKI_DIR")
            .is_ok_and(|pki| Path::new(&pki).join("server.pem").exists());
        let mut cluster = Self {
            dir: std::env::temp_dir().join(format!("handover-cluster-{suffix}")),
            prefix: format!("c{suffix}n"),
            amqp_ports: take(0),
            amqps_ports: take(NODES),
            management_ports: take(2 * NODES),
            dist_ports: take(3 * NODES),
            tls,
            admin_user: "handover-test-admin".into(),
            admin_password: random_suffix() + &random_suffix(),
            started_in: std::time::Duration::ZERO,
        };
        let started = std::time::Instant::now();
        let list = |ports: &[u16; NODES]| {
            ports
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut command = cluster.script();
        command
            .arg("start")
            .env("HANDOVER_CLUSTER_NAME", &cluster.prefix)
            .env("HANDOVER_CLUSTER_AMQP_PORTS", list(&cluster.amqp_ports))
            .env("HANDOVER_CLUSTER_AMQPS_PORTS", list(&cluster.amqps_ports))
            .env(
                "HANDOVER_CLUSTER_MGMT_PORTS",
                list(&cluster.management_ports),
            )
            .env("HANDOVER_CLUSTER_DIST_PORTS", list(&cluster.dist_ports))
            .env("HANDOVER_CLUSTER_TLS", if tls { "1" } else { "0" })
            .env("HANDOVER_CLUSTER_ADMIN_USER", &cluster.admin_user)
            .env("HANDOVER_CLUSTER_ADMIN_PASSWORD", &cluster.admin_password);
        cluster.run("start", command).await;
        cluster.started_in = started.elapsed();
        tracing::info!(prefix = %cluster.prefix, elapsed = ?cluster.started_in, "test cluster started");
        cluster
    }

    /// How long [`Cluster::launch`] took.
    pub fn started_in(&self) -> std::time::Duration {
        self.started_in
    }

    /// Stops node `node` (1 to 3) gracefully and waits until its VM has exited.
    pub async fn stop_node(&self, node: usize) {
        self.node_command("stop-node", node).await;
    }

    /// Starts node `node` again and waits until it serves; it rejoins the cluster by itself.
    pub async fn start_node(&self, node: usize) {
        self.node_command("start-node", node).await;
    }

    /// Whether node `node`'s Erlang VM runs (from its pid file).
    pub fn is_running(&self, node: usize) -> bool {
        std::fs::read_to_string(self.dir.join(format!("node{node}")).join("node.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
    }

    /// The Erlang node name of node `node`, e.g. `c1a2b3c4dn2@localhost`.
    pub fn node_name(&self, node: usize) -> String {
        format!("{}{node}@localhost", self.prefix)
    }

    /// Which node (1 to 3) an Erlang node name is.
    pub fn node_number(&self, name: &str) -> Option<usize> {
        (1..=NODES).find(|&n| self.node_name(n) == name)
    }

    /// The management API of node `node`, as the cluster's administrator.
    pub fn management(&self, node: usize) -> Management {
        Management::new(
            &format!("http://127.0.0.1:{}", self.management_ports[node - 1]),
            &self.admin_user,
            &self.admin_password,
        )
    }

    /// GETs a management API path from the first node that answers (a node may be stopped,
    /// or still booting after a start).
    pub async fn get(&self, path: &str) -> Value {
        let mut errors = Vec::new();
        for node in (1..=NODES).filter(|&n| self.is_running(n)) {
            match self.management(node).get(path).await {
                Ok(value) => return value,
                Err(e) => errors.push(format!("node {node}: {e}")),
            }
        }
        panic!("no node of the cluster answered GET {path}: {errors:?}")
    }

    /// Every node's AMQP address, node 1 first.
    pub fn amqp_addresses(&self) -> Vec<BrokerAddress> {
        self.amqp_ports
            .iter()
            .map(|&port| BrokerAddress {
                host: "127.0.0.1".into(),
                port,
            })
            .collect()
    }

    /// Every node's AMQPS address (named `localhost`, as the server certificate is), node 1
    /// first; `None` when the cluster runs without TLS (no development CA).
    pub fn amqps_addresses(&self) -> Option<Vec<BrokerAddress>> {
        self.tls.then(|| {
            self.amqps_ports
                .iter()
                .map(|&port| BrokerAddress {
                    host: "localhost".into(),
                    port,
                })
                .collect()
        })
    }

    /// Services for a [`TestEnv`]: node 1's AMQP and management API, with the cluster's
    /// administrator, and the shared PostgreSQL.
    pub fn services(&self) -> Services {
        Services {
            management_url: format!("http://127.0.0.1:{}", self.management_ports[0]),
            admin_user: self.admin_user.clone(),
            admin_password: self.admin_password.clone(),
            amqp_host: "127.0.0.1".into(),
            amqp_port: self.amqp_ports[0],
            ..Services::from_env()
        }
    }

    /// A queue as a running node's management API shows it (members, leader, policy, depth).
    pub async fn queue(&self, vhost: &str, queue: &str) -> Value {
        self.get(&format!("queues/{}/{}", enc(vhost), enc(queue)))
            .await
    }

    /// The client connections the management API lists now (it lists a new one after a
    /// statistics interval).
    pub async fn connections(&self) -> Vec<Connection> {
        let listed = self.get("connections").await;
        listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(Connection {
                    user: c["user"].as_str()?.to_owned(),
                    name: c["client_properties"]["connection_name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    node: self.node_number(c["node"].as_str()?)?,
                    tls: c["ssl"] == true,
                })
            })
            .collect()
    }

    /// The node (1 to 3) a connection of `user` named `name` is on, once the management API
    /// lists it (it does so after a statistics interval).
    pub async fn node_of_connection(&self, user: &str, name: &str) -> usize {
        let what = format!("{user}'s connection {name:?} to be listed");
        eventually(&what, DEADLINE, || async {
            self.connections()
                .await
                .into_iter()
                .find(|c| c.user == user && c.name == name)
                .map(|c| c.node)
        })
        .await
    }

    fn script(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("bash");
        command
            .arg(repo_root().join("deploy/cluster.sh"))
            .arg("--dir")
            .arg(&self.dir)
            .kill_on_drop(true);
        command
    }

    async fn node_command(&self, what: &str, node: usize) {
        let started = std::time::Instant::now();
        let mut command = self.script();
        command.arg(what).arg(node.to_string());
        self.run(what, command).await;
        tracing::info!(node = %self.node_name(node), elapsed = ?started.elapsed(), "{what} done");
    }

    async fn run(&self, what: &str, mut command: tokio::process::Command) {
        let output = command.output().await.expect("bash runs deploy/cluster.sh");
        if !output.status.success() {
            panic!(
                "deploy/cluster.sh {what} failed for the test cluster in {}:\n{}{}",
                self.dir.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

impl Cluster {
    /// Copies the nodes' logs to `target/cluster-logs/<prefix>/` for the failure's reader, with
    /// everything the hubs and agents of this test process logged.
    fn keep_logs(&self) {
        let kept = repo_root()
            .join("target")
            .join("cluster-logs")
            .join(&self.prefix);
        for node in 1..=NODES {
            let logs = self.dir.join(format!("node{node}")).join("log");
            let Ok(entries) = std::fs::read_dir(&logs) else {
                continue;
            };
            let into = kept.join(format!("node{node}"));
            let _ = std::fs::create_dir_all(&into);
            for entry in entries.flatten() {
                let _ = std::fs::copy(entry.path(), into.join(entry.file_name()));
            }
        }
        // And what the hubs and agents of this process logged, to read beside the nodes'.
        let _ = std::fs::create_dir_all(&kept);
        let _ = std::fs::write(kept.join("test-process.log"), crate::logs::captured());
        eprintln!(
            "the test cluster's logs, and this test process's, are kept in {}",
            kept.display()
        );
    }
}

/// A client connection as the management API lists it.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The broker user.
    pub user: String,
    /// The name the client gave it (e.g. `hub ingress`).
    pub name: String,
    /// The node (1 to 3) it is on.
    pub node: usize,
    /// Whether it is AMQPS.
    pub tls: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if FAILED.load(Ordering::SeqCst) || std::thread::panicking() {
            self.keep_logs();
        }
        // `destroy` kills the nodes (their data is about to go) and removes the folder.
        let _ = std::process::Command::new("bash")
            .arg(repo_root().join("deploy/cluster.sh"))
            .arg("--dir")
            .arg(&self.dir)
            .arg("destroy")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestEnv {
    /// A new env on `cluster`: provisioned through node 1, its hub's and agents' settings
    /// naming all three nodes (plain AMQP with passwords). `overrides` are applied to the
    /// hub's settings. Drop the env before the cluster; declaring the cluster first does that.
    pub async fn on_cluster(cluster: &Cluster, overrides: &[(&str, &str)]) -> TestEnv {
        let mut env = TestEnv::with_services(cluster.services(), overrides).await;
        env.hub_settings.broker.nodes = cluster.amqp_addresses();
        env
    }

    /// Every broker address this env's hub and agents use.
    pub fn cluster_endpoint(&self) -> BrokerEndpoint {
        BrokerEndpoint {
            host: self.hub_settings.broker.host.clone(),
            port: self.hub_settings.broker.port,
            nodes: self.hub_settings.broker.nodes.clone(),
            vhost: self.vhost.clone(),
            tls: self.hub_settings.broker.tls.clone(),
        }
    }

    /// Switches this env's hub to the cluster's AMQPS listeners with its client certificate
    /// (agents started afterwards by [`TestEnv::start_counted_agent`] follow). Returns false,
    /// changing nothing, when the cluster runs without TLS.
    pub fn use_cluster_tls(&mut self, cluster: &Cluster) -> bool {
        let Some(addresses) = cluster.amqps_addresses() else {
            return false;
        };
        let user = self.hub_settings.broker.user.clone();
        self.hub_settings.broker.tls = Some(self.client_tls(&user));
        self.hub_settings.broker.host = addresses[0].host.clone();
        self.hub_settings.broker.port = addresses[0].port;
        self.hub_settings.broker.nodes = addresses;
        true
    }

    /// Starts an agent that connects as this env's hub does (every node of the cluster, with
    /// TLS when the hub uses it) and counts into metrics the test can read.
    pub async fn start_counted_agent(
        &self,
        agency: &schemas::AgencyId,
    ) -> (AgentHandle, agent::metrics::Metrics) {
        let (mut settings, store) = self.agent_store(agency).await;
        let endpoint = self.cluster_endpoint();
        settings.broker.host = endpoint.host;
        settings.broker.port = endpoint.port;
        settings.broker.nodes = endpoint.nodes;
        if endpoint.tls.is_some() {
            settings.broker.tls = Some(self.client_tls(agency.as_str()));
            settings.broker.password = None;
        }
        let credentials = settings.credentials().expect("broker login");
        let metrics = agent::metrics::Metrics::new();
        let running = agent::service::start_with(
            settings.clone(),
            credentials,
            store.clone(),
            metrics.clone(),
        );
        let handle = AgentHandle {
            id: agency.clone(),
            store,
            settings,
            running: Some(running),
        };
        (handle, metrics)
    }
}

/// Percent-encodes one path segment of the management API.
fn enc(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn free_ports<const N: usize>() -> [u16; N] {
    crate::private_node::free_ports_except(&RESERVED_PORTS)
}

/// One sample of a Prometheus exposition: `metric{labels}`'s value, 0 when absent.
pub fn sample(exposition: &str, series: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}
