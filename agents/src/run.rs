//! The running agent as one function, [`run`]: what `agent run` does between loading its
//! settings and exiting.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use broker::service::{Supervisor, stopped};

use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::store::Store;

/// Runs the agent until `shutdown` resolves: opens the store, serves the HTTP API and inbox
/// page when `http.listen` is set, publishes the outbox and consumes the inbox
/// ([`crate::service`]), and warns before the broker certificate expires. Then it drains: no
/// new deliveries are taken, the batch in hand is stored and acknowledged, the HTTP server
/// finishes the requests in hand, and connections and the store close, within
/// `agent.shutdown_grace_seconds`.
///
/// Its tasks are supervised: when one ends before shutdown (it failed, panicked or
/// returned), the others are stopped the same way and `run` returns an error naming it, so
/// the process exits non-zero and its service manager starts it again.
pub async fn run(settings: Settings, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let store = Store::open(&settings.agent.data_dir)
        .await
        .context("opening the local store")?;
    let supervised = supervise(settings, store.clone(), shutdown).await;
    store.close().await;
    supervised
}

async fn supervise(
    settings: Settings,
    store: Store,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let me = settings.agent.id.clone();
    let credentials = settings.credentials()?;
    let inbox = settings.inbox_queue()?;
    // Shared by the service (which counts) and the HTTP server (which serves them).
    let metrics = Metrics::with_inbox_depth(settings.endpoint(), credentials.clone(), &me, inbox);
    let http = crate::http::start(
        &settings.http,
        store.clone(),
        me,
        metrics.clone(),
        settings.pseudonym_key()?,
    )
    .await?;
    let mut tasks = Supervisor::new();
    if let Some(http) = http {
        tasks.spawn("http", |mut stop| {
            http.serve_until(async move { stopped(&mut stop).await })
        });
    }
    if let Some(tls) = &settings.broker.tls {
        let cert_file = tls.cert_file.clone();
        tasks.spawn("certificate expiry warning", |mut stop| async move {
            tokio::select! {
                () = crate::enroll::warn_before_expiry(cert_file) => {}
                () = stopped(&mut stop) => {}
            }
        });
    }
    let grace = Duration::from_secs(settings.agent.shutdown_grace_seconds);
    let settings = Arc::new(settings);
    tasks.spawn("broker", |stop| {
        crate::service::run(settings, credentials, store, metrics, stop)
    });
    Ok(tasks.run_until(shutdown, grace).await?)
}
