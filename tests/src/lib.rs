//! The integration harness: a hub and agents in-process, against the real RabbitMQ and
//! PostgreSQL that `deploy/services.sh` starts.
//!
//! Every [`TestEnv`] gets its own vhost, its own broker users (agency ids carry a random
//! suffix), and its own freshly migrated database, so tests run in parallel and leave nothing
//! behind: dropping the env deletes all three, even when the test panicked. Waiting is done
//! by polling with a deadline ([`eventually`]), never by fixed sleeps.
//!
//! The services are found through the `HANDOVER_*` variables that `deploy/services.sh`
//! writes to `.local/env` (the test command sources it).

pub mod bench;
pub mod browser;
pub mod cluster;
pub mod logs;
pub mod population;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use broker::{BrokerEndpoint, Credentials, Management};
use schemas::{AgencyId, AgencyRole, Jurisdiction};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;

pub mod hub_process;
pub mod private_node;
pub mod private_pg;

/// Where the shared test services are.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Services {
    /// PostgreSQL URL of a role that may create databases (its path is replaced).
    pub pg_admin_url: String,
    /// RabbitMQ management API.
    pub management_url: String,
    /// RabbitMQ administrator.
    pub admin_user: String,
    pub admin_password: String,
    /// AMQP host.
    pub amqp_host: String,
    /// AMQP port.
    pub amqp_port: u16,
}

pub(crate) fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests with deploy/test.sh, or `source .local/env` after \
             deploy/services.sh"
        )
    })
}

impl Services {
    /// From the `HANDOVER_*` environment variables.
    pub fn from_env() -> Self {
        Self {
            pg_admin_url: var("HANDOVER_PG_ADMIN_URL"),
            management_url: var("HANDOVER_MGMT_URL"),
            admin_user: var("HANDOVER_ADMIN_USER"),
            admin_password: var("HANDOVER_ADMIN_PASSWORD"),
            amqp_host: var("HANDOVER_AMQP_HOST"),
            amqp_port: var("HANDOVER_AMQP_PORT")
                .parse()
                .expect("HANDOVER_AMQP_PORT is a port"),
        }
    }

    /// The management client.
    pub fn management(&self) -> Management {
        Management::new(&self.management_url, &self.admin_user, &self.admin_password)
    }

    /// The admin URL with another database name.
    pub fn database_url(&self, database: &str) -> String {
        let base = self
            .pg_admin_url
            .rsplit_once('/')
            .map_or(self.pg_admin_url.as_str(), |(b, _)| b);
        format!("{base}/{database}")
    }
}

/// The demo roles every test env provisions, each with a unique id.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Agencies {
    /// The prison and probation service.
    pub prison: AgencyId,
    pub municipality: AgencyId,
    pub police: AgencyId,
    /// The employment service.
    pub employment: AgencyId,
    /// The national contact point.
    pub contact_point: AgencyId,
    /// A second municipality, the destination of relocations.
    pub destination: AgencyId,
    /// The police protection unit: the one police agency allowed protected locations.
    pub protection: AgencyId,
}

impl Agencies {
    fn new(suffix: &str) -> Self {
        let id =
            |role: &str| AgencyId::try_from(format!("t{suffix}-{role}")).expect("valid test id");
        Self {
            prison: id("prison"),
            municipality: id("kommune"),
            police: id("politi"),
            employment: id("jobcenter"),
            contact_point: id("ncp"),
            destination: id("kommune2"),
            protection: id("beskyttelse"),
        }
    }

    /// Every agency of the env.
    pub fn ids(&self) -> [&AgencyId; 7] {
        self.all().map(|(id, _)| id)
    }

    /// The name the hub's registry gives an agency of this federation (as caseworkers read it
    /// on the pages), or its id for one that is not.
    pub fn name_of<'a>(&self, id: &'a AgencyId) -> &'a str {
        let names = [
            (&self.prison, "Kriminalforsorgen Nord"),
            (&self.municipality, "Nordby Kommune"),
            (&self.police, "Nordby Politi"),
            (&self.employment, "Jobcenter Nordby"),
            (&self.contact_point, "Nationalt exitkontaktpunkt"),
            (&self.destination, "Sydby Kommune"),
            (&self.protection, "Politiets beskyttelsesenhed"),
        ];
        names
            .into_iter()
            .find(|(known, _)| *known == id)
            .map_or(id.as_str(), |(_, name)| name)
    }

    fn all(&self) -> [(&AgencyId, AgencyRole); 7] {
        [
            (&self.prison, AgencyRole::PrisonProbation),
            (&self.municipality, AgencyRole::Municipality),
            (&self.police, AgencyRole::Police),
            (&self.employment, AgencyRole::Employment),
            (&self.contact_point, AgencyRole::NationalContactPoint),
            (&self.destination, AgencyRole::Municipality),
            (&self.protection, AgencyRole::Police),
        ]
    }
}

/// A running in-process hub.
pub struct HubHandle {
    /// What the running hub's tasks share.
    pub shared: Arc<hub::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl HubHandle {
    /// The base URL of the hub's HTTP server, once it listens.
    pub async fn http_url(&self) -> String {
        let address = eventually(
            "the hub's HTTP server to listen",
            Duration::from_secs(10),
            || async { self.shared.http_address.get().copied() },
        )
        .await;
        format!("http://{address}")
    }

    /// Asks the hub to stop and waits until it has drained.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.expect("hub task").expect("hub run");
    }
}

/// The federation pseudonym key every agent of a test env holds (a test value, not a secret).
pub const TEST_PSEUDONYM_KEY: &str =
    "5e3f0c1a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";

/// A running in-process agent and its store.
#[allow(missing_docs)] // fields named for what they hold
pub struct AgentHandle {
    pub id: AgencyId,
    /// Its local store.
    pub store: agent::Store,
    pub settings: agent::Settings,
    running: Option<agent::service::Running>,
}

impl AgentHandle {
    /// Validates and queues a draft, as `agent send` does; returns the message id.
    pub async fn send(&self, draft: &Value) -> schemas::MessageId {
        self.submit(draft).await.envelope.message_id
    }

    /// Validates and queues a draft, which may name its person by national identity number
    /// (the agent derives the pseudonym under its key); returns the message as queued.
    pub async fn submit(&self, draft: &Value) -> schemas::Message {
        let bytes = serde_json::to_vec(draft).unwrap();
        let key = self.settings.pseudonym_key().expect("the pseudonym key");
        let (message, _) = agent::submit_with(&self.store, &self.id, key.as_ref(), &bytes)
            .await
            .expect("draft accepted");
        message
    }

    /// Waits until this agent's key directory holds a current key of each of `agencies`.
    pub async fn knows_keys_of(&self, agencies: &[&AgencyId]) {
        eventually(
            &format!("{}'s key directory", self.id),
            DEADLINE,
            || async {
                let keys = self.store.directory_keys().await.unwrap();
                agencies
                    .iter()
                    .all(|a| keys.iter().any(|k| &k.agency == *a && k.current))
                    .then_some(())
            },
        )
        .await;
    }

    /// Waits for the first message of `message_type` in this agent's inbox.
    pub async fn received(&self, message_type: schemas::MessageType) -> schemas::Message {
        eventually(
            &format!("{} to receive {message_type}", self.id),
            DEADLINE,
            || async {
                self.inbox()
                    .await
                    .into_iter()
                    .find(|m| m.envelope.message_type == message_type)
            },
        )
        .await
    }

    /// Waits for the message `id` in this agent's inbox.
    pub async fn receives(&self, id: schemas::MessageId) -> schemas::Message {
        eventually(
            &format!("{} to receive {id}", self.id),
            DEADLINE,
            || async {
                self.inbox()
                    .await
                    .into_iter()
                    .find(|m| m.envelope.message_id == id)
            },
        )
        .await
    }

    /// The message types in the inbox, oldest first.
    pub async fn inbox_types(&self) -> Vec<String> {
        let mut rows = self.store.inbox(1000).await.unwrap();
        rows.reverse();
        rows.into_iter().map(|r| r.message_type).collect()
    }

    /// The decoded inbox, oldest first.
    pub async fn inbox(&self) -> Vec<schemas::Message> {
        let mut rows = self.store.inbox(1000).await.unwrap();
        rows.reverse();
        rows.iter()
            .map(|r| schemas::decode(&r.payload).expect("stored messages decode"))
            .collect()
    }

    /// Stops the agent's service (the store stays usable).
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    /// Starts the agent's service again.
    pub fn restart(&mut self, credentials: Credentials) {
        assert!(self.running.is_none(), "already running");
        self.running = Some(agent::service::start(
            self.settings.clone(),
            credentials,
            self.store.clone(),
        ));
    }
}

/// One isolated world: vhost, users, database.
pub struct TestEnv {
    /// The shared services.
    pub services: Services,
    /// This env's vhost.
    pub vhost: String,
    /// The agencies provisioned in it.
    pub agencies: Agencies,
    /// The hub's settings for this env.
    pub hub_settings: hub::Settings,
    /// A pool on this env's database.
    pub pool: PgPool,
    database: String,
    hub_user: String,
    passwords: BTreeMap<AgencyId, String>,
    inboxes: BTreeMap<AgencyId, String>,
    scratch: PathBuf,
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repo")
        .to_path_buf()
}

fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

impl TestEnv {
    /// A new env with default hub settings.
    pub async fn new() -> Self {
        Self::with(&[]).await
    }

    /// A new env; `overrides` are applied to the hub's settings (e.g. `hub.max_message_bytes`).
    pub async fn with(overrides: &[(&str, &str)]) -> Self {
        Self::with_services(Services::from_env(), overrides).await
    }

    /// A new env on the given services (e.g. a [`private_node::PrivateNode`]'s broker);
    /// `overrides` are applied to the hub's settings.
    pub async fn with_services(services: Services, overrides: &[(&str, &str)]) -> Self {
        init_logging();
        let suffix = random_suffix();
        let vhost = format!("t-{suffix}");
        let database = format!("hub_t_{suffix}");
        let hub_user = format!("t{suffix}-hub");
        let hub_password = random_suffix() + &random_suffix();
        let agencies = Agencies::new(&suffix);
        let scratch = std::env::temp_dir().join(format!("handover-test-{suffix}"));

        let admin = PgPool::connect(&services.pg_admin_url)
            .await
            .expect("PostgreSQL is up");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE \"{database}\""
        )))
        .execute(&admin)
        .await
        .unwrap();
        admin.close().await;
        let db_url = services.database_url(&database);

        let mut all: Vec<(&str, String)> = vec![
            ("broker.host", services.amqp_host.clone()),
            ("broker.port", services.amqp_port.to_string()),
            ("broker.vhost", vhost.clone()),
            ("broker.user", hub_user.clone()),
            ("broker.password", hub_password.clone()),
            ("broker.management_url", services.management_url.clone()),
            ("broker.admin_user", services.admin_user.clone()),
            ("broker.admin_password", services.admin_password.clone()),
            ("database.url", db_url.clone()),
            ("database.max_connections", "4".into()),
            ("hub.relay_interval_ms", "100".into()),
            ("hub.outbox_claim_seconds", "2".into()),
            (
                "hub.secrets_dir",
                scratch.join("secrets").display().to_string(),
            ),
            ("hub.shutdown_grace_seconds", "10".into()),
            ("hub.contact_point_key", "test-contact-point-key".into()),
        ];
        all.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let mut hub_settings =
            hub::Settings::load_with(&repo_root().join("config"), &all).expect("hub settings");
        hub_settings.agencies = agencies
            .all()
            .iter()
            .map(|(id, role)| hub::settings::AgencySettings {
                id: (*id).clone(),
                name: agencies.name_of(id).to_owned(),
                role: *role,
                jurisdiction: Jurisdiction::DK,
                // The second municipality works elsewhere, so figures by region differ.
                region: Some(if *id == &agencies.destination {
                    "Midtjylland".to_owned()
                } else {
                    "Hovedstaden".to_owned()
                }),
            })
            .collect();
        hub_settings.hard_rules.protected_location_allow = vec![agencies.protection.clone()];
        hub_settings.programmes = test_programmes(&agencies);
        // Each test's hub serves HTTP on a port of its own.
        hub_settings.http.listen = Some("127.0.0.1:0".to_owned());

        let pool = hub::db::connect(&db_url, 4).await.expect("test database");
        hub::db::MIGRATOR.run(&pool).await.expect("migrations");
        let mut env = Self {
            services,
            vhost,
            agencies,
            hub_settings,
            pool,
            database,
            hub_user,
            passwords: BTreeMap::new(),
            inboxes: BTreeMap::new(),
            scratch,
        };
        hub::provision::provision_all(&env.hub_settings, &env.pool)
            .await
            .expect("provisioning");
        for (id, _) in env.agencies.all() {
            let password =
                hub::provision::agency_password(&env.hub_settings.hub.secrets_dir, id).unwrap();
            env.passwords.insert(id.clone(), password);
        }
        env.inboxes = hub::db::inboxes(&env.pool)
            .await
            .expect("the inboxes provisioned")
            .into_iter()
            .collect();
        env
    }

    /// The name of an agency's inbox queue, as provisioned (`inbox.<agency>.<tag>`).
    pub fn inbox(&self, agency: &AgencyId) -> String {
        self.inboxes[agency].clone()
    }

    /// Starts a hub in this env.
    pub async fn start_hub(&self) -> HubHandle {
        let shared = hub::prepare(self.hub_settings.clone())
            .await
            .expect("hub prepares");
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(hub::run(shared.clone(), async {
            let _ = stopped.await;
        }));
        HubHandle {
            shared,
            stop: Some(stop),
            task,
        }
    }

    /// The broker endpoint of this env.
    pub fn endpoint(&self) -> BrokerEndpoint {
        BrokerEndpoint {
            host: self.services.amqp_host.clone(),
            port: self.services.amqp_port,
            nodes: Vec::new(),
            vhost: self.vhost.clone(),
            tls: None,
        }
    }

    /// The broker login of an agency (its user carries `broker.user_prefix`, if set).
    pub fn credentials(&self, agency: &AgencyId) -> Credentials {
        Credentials {
            user: self.hub_settings.agency_user(agency),
            password: self.passwords[agency].clone(),
        }
    }

    /// Opens the store of an agency's agent, without starting its service.
    pub async fn agent_store(&self, agency: &AgencyId) -> (agent::Settings, agent::Store) {
        let data_dir = self.scratch.join("agents").join(agency.as_str());
        let settings = agent::Settings {
            agent: agent::settings::AgentSettings {
                opened_messages_days: None,
                shutdown_grace_seconds: 10,
                id: agency.clone(),
                data_dir: data_dir.clone(),
                relay_interval_ms: 50,
                prefetch: 256,
                pseudonym_key_file: None,
                pseudonym_key: Some(
                    agent::people::PseudonymKey::from_hex(TEST_PSEUDONYM_KEY)
                        .expect("the test pseudonym key"),
                ),
            },
            broker: agent::settings::BrokerSettings {
                host: self.services.amqp_host.clone(),
                port: self.services.amqp_port,
                nodes: Vec::new(),
                vhost: self.vhost.clone(),
                user: Some(self.hub_settings.agency_user(agency)),
                password: Some(self.passwords[agency].clone()),
                password_file: None,
                tls: None,
                inbox_queue: Some(self.inbox(agency)),
                inbox_queue_file: None,
            },
            http: Default::default(),
        };
        let store = agent::Store::open(&data_dir).await.expect("agent store");
        (settings, store)
    }

    /// Starts an agent for an agency.
    pub async fn start_agent(&self, agency: &AgencyId) -> AgentHandle {
        let (settings, store) = self.agent_store(agency).await;
        let running =
            agent::service::start(settings.clone(), self.credentials(agency), store.clone());
        AgentHandle {
            id: agency.clone(),
            store,
            settings,
            running: Some(running),
        }
    }

    /// Starts an agent for every agency of this env, and a population driver sending through
    /// them `concurrency` cases at a time, once every agent holds every other's key.
    pub async fn start_population_agents(
        &self,
        concurrency: usize,
    ) -> (Vec<AgentHandle>, population::Driver) {
        let mut agents = Vec::new();
        for id in self.agencies.ids() {
            agents.push(self.start_agent(id).await);
        }
        let driver = population::Driver::new(
            agents
                .iter()
                .map(|agent| (agent.id.clone(), agent.store.clone())),
            population::DriveOptions {
                concurrency,
                answer_timeout: DEADLINE,
                progress_every: 0,
            },
        );
        driver.wait_until_ready(DEADLINE).await.unwrap();
        (agents, driver)
    }

    /// Opens an AMQP connection as an agency, for raw publishing in tests.
    pub async fn connect_as(&self, agency: &AgencyId) -> lapin::Connection {
        broker::connect(&self.endpoint(), &self.credentials(agency), "test client")
            .await
            .expect("connects")
    }

    /// A release notice draft from the prison to the given recipients, with a fresh id.
    pub fn release_notice(&self, recipients: &[&AgencyId]) -> Value {
        let mut draft = example("ReleaseNotice");
        draft["envelope"]["sender"] = json!(self.agencies.prison);
        draft["envelope"]["recipients"] = json!(recipients);
        draft["envelope"]["message_id"] = json!(schemas::MessageId::new());
        draft
    }

    /// How many dead letters with this reason code the hub kept.
    pub async fn dead_letters_with(&self, reason: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM dead_letters WHERE reason = $1")
            .bind(reason)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

impl TestEnv {
    /// How many events the hub's audit log records: one per entry, and one per message of a
    /// batch entry (as [`hub::db::AuditCheck::Intact`] counts them).
    pub async fn audit_entries(&self) -> u64 {
        let n: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(CASE WHEN entry::jsonb->'detail'->>'kind' = 'batch'
                                      THEN (entry::jsonb->'detail'->>'messages')::bigint
                                      ELSE 1 END), 0)::bigint
             FROM audit_log",
        )
        .fetch_one(&self.pool)
        .await
        .unwrap();
        n as u64
    }

    /// Where `needle` appears in this env's hub database: `table` for text (every row of
    /// every table, as JSON), `table.column` for binary columns (bodies, payloads), read as
    /// bytes. Empty when it appears nowhere.
    pub async fn where_in_database(&self, needle: &str) -> Vec<String> {
        let mut found = Vec::new();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for table in &tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT to_jsonb(t)::text FROM \"{table}\" t"
            )))
            .fetch_all(&self.pool)
            .await
            .unwrap();
            if rows.iter().any(|r| r.contains(needle)) {
                found.push(table.clone());
            }
        }
        let binary: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type = 'bytea'",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap();
        assert!(
            binary.iter().any(|(t, _)| t == "outbox")
                && binary.iter().any(|(t, _)| t == "dead_letters"),
            "the scan reads the stored bodies: {binary:?}"
        );
        for (table, column) in binary {
            let values: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT \"{column}\" FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
            )))
            .fetch_all(&self.pool)
            .await
            .unwrap();
            if values
                .iter()
                .any(|v| v.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(format!("{table}.{column}"));
            }
        }
        found
    }
}

/// Whether any file in `dir` (an agent's store: the database, its WAL and shared memory)
/// holds `needle`.
pub fn files_contain(dir: &std::path::Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                hits.push(path);
            }
        }
    }
    hits
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // Cleanup needs async I/O; run it on a runtime of its own, outside the test's.
        let services = self.services.clone();
        let vhost = self.vhost.clone();
        let database = self.database.clone();
        let mut users: Vec<String> = (self.passwords.keys())
            .map(|agency| self.hub_settings.agency_user(agency))
            .collect();
        users.push(self.hub_user.clone());
        let scratch = self.scratch.clone();
        // The pool's connections live on the test's runtime, which is blocked here; the
        // forced DROP DATABASE below ends them.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let management = services.management();
                let _ = management.delete_vhost(&vhost).await;
                for user in users {
                    let _ = management.delete_user(&user).await;
                }
                if let Ok(admin) = PgPool::connect(&services.pg_admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            });
            let _ = std::fs::remove_dir_all(scratch);
        });
        let _ = cleanup.join();
    }
}

/// An example message from `schemas/examples`.
pub fn example(message_type: &str) -> Value {
    let path = repo_root()
        .join("schemas/examples")
        .join(format!("{message_type}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Polls `probe` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut delay = Duration::from_millis(10);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

/// The default deadline for effects to show.
pub const DEADLINE: Duration = Duration::from_secs(20);

fn init_logging() {
    logs::capture();
}

/// The programmes of a test env: Copenhagen's Exit programme (the example consent's) and the
/// population's cities' programmes held by their municipalities, and the prison's ordinary
/// form held by the prison.
fn test_programmes(a: &Agencies) -> Vec<hub::settings::ProgrammeSettings> {
    let programme = |name: &str, custodian: &AgencyId, places| hub::settings::ProgrammeSettings {
        name: name.to_owned(),
        custodians: [custodian.clone()].into(),
        places,
    };
    vec![
        programme("Exit København", &a.municipality, Some(55)),
        programme("Exit Nordby", &a.municipality, Some(TEST_PLACES)),
        programme("Exit Sydby", &a.destination, None),
        programme(PRISON_PROGRAMME, &a.prison, None),
    ]
}

/// The places of a test env's "Exit Nordby" programme.
pub const TEST_PLACES: u32 = 20;

/// The name of the prison's ordinary consent form in a test env.
pub const PRISON_PROGRAMME: &str = "Kriminalforsorgen";

/// A consent record draft (as a `ConsentGranted` message) for `subject`, held by the
/// municipality, covering: the municipality and the prison for release coordination,
/// reintegration planning and case coordination with sentence, case status, risk and
/// economy; the employment service for release coordination and reintegration planning
/// with sentence and employment data only (not economy, not risk).
pub fn consent_granted(
    env: &TestEnv,
    subject: &str,
    consent_id: uuid::Uuid,
    version: u32,
) -> Value {
    let a = &env.agencies;
    let mut m = example("ConsentGranted");
    m["envelope"]["sender"] = json!(a.municipality);
    m["envelope"]["subject"] = json!(subject);
    m["envelope"]["message_id"] = json!(schemas::MessageId::new());
    let today = chrono::Utc::now().date_naive();
    let consent = &mut m["body"]["consent"];
    consent["consent_id"] = json!(consent_id);
    consent["version"] = json!(version);
    if version == 1 {
        consent.as_object_mut().unwrap().remove("supersedes");
    } else {
        consent["supersedes"] = json!(version - 1);
    }
    consent["subject"] = json!(subject);
    consent["custodian"] = json!(a.municipality);
    consent["period"] =
        json!({"start": today - chrono::Days::new(1), "end": today + chrono::Days::new(300)});
    consent["provisions"] = json!([
        {
            "recipients": [{"role": "municipality"}, {"role": "prison_probation"}],
            "purposes": ["RELEASE_COORDINATION", "REINTEGRATION_PLANNING", "CASE_COORDINATION"],
            "categories": ["SENTENCE_RELEASE", "CASE_STATUS", "RISK_NEED", "ECONOMY_BENEFITS", "CONTACT"]
        },
        {
            "recipients": [{"role": "employment"}],
            "purposes": ["RELEASE_COORDINATION", "REINTEGRATION_PLANNING"],
            "categories": ["SENTENCE_RELEASE", "EDUCATION_EMPLOYMENT", "CASE_STATUS"]
        }
    ]);
    m
}

/// A draft from `sender` to `recipients` built from an example, with a fresh id, the given
/// case and subject, and no gateway named (the hub finds one).
pub fn draft(
    example_name: &str,
    sender: &AgencyId,
    recipients: &[&AgencyId],
    case: &str,
    subject: &str,
) -> Value {
    let mut m = example(example_name);
    m["envelope"]["sender"] = json!(sender);
    m["envelope"]["recipients"] = json!(recipients);
    m["envelope"]["message_id"] = json!(schemas::MessageId::new());
    m["envelope"]["case_id"] = json!(case);
    m["envelope"]["subject"] = json!(subject);
    m["envelope"].as_object_mut().unwrap().remove("gateway");
    m
}

impl AgentHandle {
    /// Waits until the hub has answered `id` and returns the answer (Receipt or Undeliverable).
    pub async fn answer_to(&self, id: schemas::MessageId) -> schemas::Message {
        eventually("the hub's answer", DEADLINE, || async {
            self.inbox().await.into_iter().find(|m| match &m.body {
                schemas::Body::Receipt(r) => r.in_reply_to == id.as_uuid(),
                schemas::Body::Undeliverable(u) => u.in_reply_to == Some(id.as_uuid()),
                _ => false,
            })
        })
        .await
    }

    /// Waits until the hub has answered the agent's own key announcement (every agent
    /// publishes its sealing key when it starts), so a test can count what follows.
    pub async fn key_announced(&self) {
        key_announced(&self.store).await;
    }

    /// Sends a draft and waits for the hub's answer.
    pub async fn send_and_wait(&self, draft: &Value) -> schemas::Message {
        let id = self.send(draft).await;
        self.answer_to(id).await
    }
}

/// The refusal reason of an answer, or `None` for a receipt with nobody refused.
pub fn refusal(answer: &schemas::Message) -> Option<schemas::ReasonCode> {
    match &answer.body {
        schemas::Body::Receipt(r) => r.refused.first().map(|r| r.reason),
        schemas::Body::Undeliverable(u) => Some(u.reason),
        other => panic!("not an answer: {other:?}"),
    }
}

impl TestEnv {
    /// The municipality's agent records version 1 of a fresh consent for `subject` (see
    /// [`consent_granted`]) and the hub accepts it. Returns the consent id.
    pub async fn grant_consent(&self, municipality: &AgentHandle, subject: &str) -> uuid::Uuid {
        let consent_id = uuid::Uuid::new_v4();
        let answer = municipality
            .send_and_wait(&consent_granted(self, subject, consent_id, 1))
            .await;
        assert_eq!(
            refusal(&answer),
            None,
            "the hub refused the consent: {answer:?}"
        );
        consent_id
    }

    /// A handover request from the prison to the municipality about `case`.
    pub fn handover_request(&self, case: &str, subject: &str, handover_id: uuid::Uuid) -> Value {
        let a = &self.agencies;
        let mut m = draft(
            "HandoverRequest",
            &a.prison,
            &[&a.municipality],
            case,
            subject,
        );
        m["body"]["handover_id"] = json!(handover_id);
        m["envelope"]["purpose"] = json!("RELEASE_COORDINATION");
        m
    }
}

impl TestEnv {
    /// A client certificate for broker user `name`, signed by the development CA (made by
    /// `deploy/dev-pki.sh`, which `deploy/services.sh` runs).
    pub fn client_tls(&self, name: &str) -> broker::TlsFiles {
        let pki = PathBuf::from(var("HANDOVER_PKI_DIR"));
        let status = std::process::Command::new("bash")
            .arg(repo_root().join("deploy/dev-pki.sh"))
            .arg(name)
            .env("PKI_DIR", &pki)
            .status()
            .expect("runs deploy/dev-pki.sh");
        assert!(status.success(), "deploy/dev-pki.sh {name} failed");
        broker::TlsFiles {
            ca_file: pki.join("ca.pem"),
            cert_file: pki.join("clients").join(format!("{name}.pem")),
            key_file: pki.join("clients").join(format!("{name}.key")),
        }
    }

    /// This env's vhost on the broker's AMQPS port, with these client files.
    pub fn tls_endpoint(&self, tls: broker::TlsFiles) -> BrokerEndpoint {
        BrokerEndpoint {
            host: "localhost".into(),
            port: var("HANDOVER_AMQPS_PORT")
                .parse()
                .expect("HANDOVER_AMQPS_PORT is a port"),
            nodes: Vec::new(),
            vhost: self.vhost.clone(),
            tls: Some(tls),
        }
    }

    /// Starts a hub that logs in to the broker with its client certificate.
    pub async fn start_hub_over_tls(&mut self) -> HubHandle {
        let tls = self.client_tls(&self.hub_user.clone());
        let endpoint = self.tls_endpoint(tls.clone());
        self.hub_settings.broker.host = endpoint.host;
        self.hub_settings.broker.port = endpoint.port;
        self.hub_settings.broker.tls = Some(tls);
        self.start_hub().await
    }

    /// Starts an agent that logs in to the broker with its agency's client certificate.
    pub async fn start_agent_over_tls(&self, agency: &AgencyId) -> AgentHandle {
        let (mut settings, store) = self.agent_store(agency).await;
        let user = self.hub_settings.agency_user(agency);
        let endpoint = self.tls_endpoint(self.client_tls(&user));
        settings.broker.host = endpoint.host;
        settings.broker.port = endpoint.port;
        settings.broker.tls = endpoint.tls;
        settings.broker.password = None;
        let credentials = settings.credentials().expect("certificate login");
        let running = agent::service::start(settings.clone(), credentials, store.clone());
        AgentHandle {
            id: agency.clone(),
            store,
            settings,
            running: Some(running),
        }
    }
}

/// Waits until the hub has answered the key announcement of the agent whose store this is.
pub async fn key_announced(store: &agent::Store) {
    eventually(
        "the agent's key announcement answered",
        DEADLINE,
        || async {
            let outbox = store.outbox(100).await.unwrap();
            outbox
                .iter()
                .any(|m| {
                    m.message_type == "KeyPublished"
                        && m.status == agent::store::SendStatus::Delivered
                })
                .then_some(())
        },
    )
    .await;
}
