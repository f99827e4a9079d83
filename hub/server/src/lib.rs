//! The hub service: a thin shell around the routing core.
//!
//! For each batch of deliveries from the ingress queue it decodes and plans ([`plan`]),
//! writes decisions, disclosure log, dead letters, audit entries and outbox rows in one
//! PostgreSQL transaction ([`batch`], through the storage layer [`db`]), publishes the new
//! outbox rows with confirms, and only then acknowledges the deliveries ([`ingress`]). The
//! deadline sweeper ([`deadlines`]) escalates what is overdue. A relay ([`relay`]) publishes whatever
//! the fast path could not, so nothing accepted is lost to a crash or a broker outage.
//! [`metrics`] counts what they do and reads backlogs and queue depths when scraped; the
//! HTTP server ([`http`]) serves them with health and readiness.
//! Several hub instances may run side by side: the broker shares the ingress between them,
//! and the database deduplicates and serialises the audit chain.

pub mod agency;
pub mod batch;
pub mod claims;
pub mod contact_point;
pub mod db;
pub mod deadlines;
pub mod export;
pub mod failpoint;
pub mod http;
pub mod ingress;
pub mod keys;
pub mod metrics;
pub mod plan;
pub mod provision;
pub mod relay;
pub mod retention;
pub mod settings;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub use broker::service::{Backoff, sleep_or_stop};
use broker::service::{Supervisor, stopped};

use anyhow::Context;
use broker::{BrokerEndpoint, Credentials};
use hub_core::{Directory, Policy};
use sqlx::PgPool;
use tokio::sync::Mutex;

pub use settings::Settings;

/// What every part of a running hub shares.
#[allow(missing_docs)] // fields named for what they hold
pub struct Shared {
    pub settings: Settings,
    pub pool: PgPool,
    /// Statutory gateways and hard rules.
    pub policy: Policy,
    /// Deadline rules, calendars and the contact point's key.
    pub deadlines: deadlines::Deadlines,
    /// Where the HTTP server listens, once it does.
    pub http_address: OnceLock<SocketAddr>,
    /// What the hub counts, and whether its ingress is consuming (for readiness).
    pub metrics: metrics::Metrics,
    /// The key this instance claims outbox rows under (see [`claims`]).
    pub claims: claims::Claims,
    directory: Mutex<(Instant, Arc<Directory>)>,
}

/// How long a loaded directory is used before it is read again (agencies added at run time
/// are seen by every hub instance within this time).
const DIRECTORY_TTL: Duration = Duration::from_secs(2);

impl Shared {
    /// The agency directory, re-read from the database when older than a few seconds.
    pub async fn directory(&self) -> Result<Arc<Directory>, sqlx::Error> {
        let mut cached = self.directory.lock().await;
        if cached.0.elapsed() > DIRECTORY_TTL {
            *cached = (
                Instant::now(),
                Arc::new(db::load_directory(&self.pool).await?),
            );
        }
        Ok(cached.1.clone())
    }

    /// Where the broker is.
    pub fn endpoint(&self) -> BrokerEndpoint {
        BrokerEndpoint {
            host: self.settings.broker.host.clone(),
            port: self.settings.broker.port,
            nodes: self.settings.broker.nodes.clone(),
            vhost: self.settings.broker.vhost.clone(),
            tls: self.settings.broker.tls.clone(),
        }
    }

    /// The hub's broker login.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            user: self.settings.broker.user.clone(),
            password: self.settings.broker.password.expose().to_owned(),
        }
    }
}

/// Connects to the database, applies migrations, and returns what the hub's tasks share.
pub async fn prepare(settings: Settings) -> anyhow::Result<Arc<Shared>> {
    let pool = db::connect(
        settings.database.url.expose(),
        settings.database.max_connections,
    )
    .await
    .context("connecting to PostgreSQL (database.url)")?;
    db::MIGRATOR
        .run(&pool)
        .await
        .context("applying database migrations")?;
    let policy = settings.policy()?;
    let deadlines = settings.deadlines();
    let directory = Arc::new(db::load_directory(&pool).await?);
    Ok(Arc::new(Shared {
        settings,
        pool,
        policy,
        deadlines,
        http_address: OnceLock::new(),
        metrics: metrics::Metrics::new(),
        claims: claims::Claims::default(),
        directory: Mutex::new((Instant::now(), directory)),
    }))
}

/// How long start-up waits for the outbox claim lock before taking deliveries without it.
const CLAIM_LOCK_WAIT: Duration = Duration::from_secs(10);

/// Runs the hub until `shutdown` resolves, then drains: no new deliveries are taken, the
/// batch in hand is committed, published and acknowledged, and connections close, all
/// within the grace period.
///
/// Its tasks (ingress, relay, audit check, deadline sweeper, claims and the HTTP server) are
/// supervised: when one ends before shutdown (it failed, panicked or returned), the others
/// are stopped the same way and `run` returns an error naming it, so the process exits
/// non-zero and its service manager starts it again.
pub async fn run(
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let listener = http::bind(&shared.settings.http).await?;
    let mut tasks = Supervisor::new();
    if let Some(listener) = listener {
        let shared = shared.clone();
        tasks.spawn("http", |mut stop| async move {
            http::serve(listener, shared, async move { stopped(&mut stop).await }).await
        });
    }
    // The claim lock is released last, once nothing of this instance publishes any more.
    tasks.spawn_last("claims", |stop| claims::run(shared.clone(), stop));
    if !claims::held(&shared.claims, CLAIM_LOCK_WAIT).await {
        tracing::warn!(
            "the outbox claim lock is not held yet; deliveries are taken anyway and claimed by time only until it is"
        );
    }
    tasks.spawn("ingress", |stop| ingress::run(shared.clone(), stop));
    tasks.spawn("relay", |stop| relay::run(shared.clone(), stop));
    tasks.spawn("audit check", |stop| {
        metrics::audit::run(shared.clone(), stop)
    });
    tasks.spawn("deadline sweeper", |stop| {
        deadlines::run(shared.clone(), stop)
    });
    let grace = Duration::from_secs(shared.settings.hub.shutdown_grace_seconds);
    let supervised = tasks.run_until(shutdown, grace).await;
    shared.pool.close().await;
    Ok(supervised?)
}
