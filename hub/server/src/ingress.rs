//! The ingress consumer: deliveries in, decisions committed, outbox published, then acked.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use broker::{Outgoing, Publisher, topology};
use chrono::Utc;
use futures_lite::StreamExt;
use lapin::BasicProperties;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use schemas::MessageId;
use sqlx::PgPool;
use tokio::sync::watch;
use tracing::{info, warn};
use uuid::Uuid;

use crate::batch::{self, BatchContext, BatchItem};
use crate::db::StorageError;
use crate::metrics::{self, MessageDecided, Metrics, Published};
use crate::plan::{Inputs, OutboxRow, Raw};
use crate::{Backoff, Shared, db, failpoint, sleep_or_stop};
use broker::service::{Connected, reconnecting, stopped};

/// Consumes the ingress until `stop` turns true, reconnecting after broker failures.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    reconnecting(
        &mut stop,
        |mut stop, connected| {
            let shared = &shared;
            async move { session(shared, &mut stop, &connected).await }
        },
        |e| warn!(error = %format!("{e:#}"), "ingress session ended; reconnecting"),
    )
    .await;
    info!("ingress stopped");
}

async fn session(
    shared: &Arc<Shared>,
    stop: &mut watch::Receiver<bool>,
    connected: &Connected,
) -> anyhow::Result<()> {
    let endpoint = shared.endpoint();
    let credentials = shared.credentials();
    // Separate connections: a broker alarm that blocks publishers must not stop consuming.
    let consuming = broker::connect(&endpoint, &credentials, "hub ingress").await?;
    let publishing = broker::connect(&endpoint, &credentials, "hub ingress publisher").await?;
    let publisher = Publisher::open(&publishing).await?;
    let channel = consuming.create_channel().await?;
    channel
        .basic_qos(shared.settings.hub.prefetch, BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            topology::INGRESS_QUEUE.into(),
            format!("hub-{}", Uuid::now_v7()).as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    info!(queue = topology::INGRESS_QUEUE, "consuming");
    // Ready while this session consumes; dropped (not ready) however the session ends.
    let _consuming = shared.metrics.ingress_consuming();
    connected.mark();
    let mut liveness = tokio::time::interval(LIVENESS_CHECK);
    let mut finishing: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    loop {
        let first = tokio::select! {
            () = stopped(stop) => break,
            _ = liveness.tick() => {
                if !consuming.status().connected() || !publisher.is_usable() {
                    anyhow::bail!("connection to the broker lost");
                }
                continue;
            }
            next = consumer.next() => next,
        };
        let Some(first) = first else {
            anyhow::bail!("the broker cancelled the consumer")
        };
        let taken = Instant::now();
        let mut batch = vec![first.context("receiving from the ingress")?];
        while batch.len() < shared.settings.hub.batch_max {
            match futures_lite::future::poll_once(consumer.next()).await {
                Some(Some(Ok(delivery))) => batch.push(delivery),
                Some(Some(Err(e))) => return Err(e).context("receiving from the ingress"),
                _ => break,
            }
        }
        // Decide this batch while the previous one is published and acknowledged: the
        // database and the broker work at the same time. Batches are acknowledged in order,
        // each after its own confirms, because the next is handed over only when the one
        // before has finished.
        let fresh = decide(shared, &batch, taken, stop).await;
        if let Some(previous) = finishing.take() {
            finished(previous, &consuming).await?;
        }
        let fresh = fresh?;
        finishing = Some(tokio::spawn(finish(
            shared.clone(),
            publisher.clone(),
            batch,
            fresh,
        )));
    }
    if let Some(previous) = finishing.take() {
        finished(previous, &consuming).await?;
    }
    let _ = channel.close(200, "hub stopping".into()).await;
    let _ = consuming.close(200, "hub stopping".into()).await;
    let _ = publishing.close(200, "hub stopping".into()).await;
    Ok(())
}

fn raw<'a>(delivery: &'a Delivery, user_prefix: &'a str) -> Raw<'a> {
    Raw {
        exchange: delivery.exchange.as_str(),
        user_id: delivery.properties.user_id().as_ref().map(|u| u.as_str()),
        user_prefix,
        amqp_message_id: delivery
            .properties
            .message_id()
            .as_ref()
            .map(|m| m.as_str()),
        body: &delivery.data,
    }
}

/// Decides and commits a batch taken off the ingress at `taken`, and returns the outbox rows
/// it queued.
///
/// A database error about availability ([`StorageError::Unavailable`]) holds the batch and
/// retries it with backoff, unacknowledged, so the broker sends nothing more meanwhile. Any
/// other database error is caused by something in the batch: the batch is split in halves,
/// each committed on its own, until the one delivery that fails is found; that one is
/// refused as `UNPROCESSABLE` (an `Undeliverable` and a dead letter) and the rest are
/// decided and delivered as usual. One message can fail only itself.
async fn decide(
    shared: &Shared,
    batch: &[Delivery],
    taken: Instant,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<Vec<OutboxRow>> {
    let settings = &shared.settings.hub;
    let mut held = Held::new(&shared.metrics);
    let directory = loop {
        match shared.directory().await {
            Ok(directory) => break directory,
            Err(e) => held.wait(&e, stop).await?,
        }
    };
    let mut fresh = Vec::new();
    let mut decided = Vec::with_capacity(batch.len());
    // Parts of the batch still to commit, in delivery order.
    let mut parts = std::collections::VecDeque::new();
    parts.push_back(0..batch.len());
    while let Some(part) = parts.pop_front() {
        let now = Utc::now();
        let items: Vec<BatchItem<'_>> = batch[part.clone()]
            .iter()
            .map(|delivery| BatchItem {
                raw: raw(delivery, &shared.settings.broker.user_prefix),
                inputs: Inputs {
                    now,
                    reply_id: MessageId::new(),
                    fallback_correlation: Uuid::now_v7(),
                    dead_letter_id: Uuid::now_v7(),
                },
            })
            .collect();
        let cx = BatchContext {
            hub: &settings.id,
            max_bytes: settings.max_message_bytes,
            directory: &directory,
            policy: &shared.policy,
            deadlines: &shared.deadlines,
            now,
            claim_seconds: settings.outbox_claim_seconds,
            claimant: shared.claims.key(),
            backfill_days: settings.backfill_days,
        };
        let result = if held.poisoned(&part) {
            batch::refuse_unprocessable(&shared.pool, &cx, &items[0]).await
        } else {
            batch::process_batch(&shared.pool, &cx, &items).await
        };
        match result {
            Ok((rows, outcomes)) => {
                held.clear();
                fresh.extend(rows);
                decided.extend(outcomes);
            }
            Err(StorageError::Unavailable(e)) => {
                held.wait(&e, stop).await?;
                parts.push_front(part);
            }
            Err(e) if part.len() > 1 => {
                warn!(error = %e, deliveries = part.len(), "a batch failed for a reason other than availability; splitting it to find the delivery that causes it");
                let middle = part.start + part.len() / 2;
                parts.push_front(middle..part.end);
                parts.push_front(part.start..middle);
            }
            Err(e) if !held.poisoned(&part) => {
                warn!(error = %e, "one delivery fails to be recorded; refusing it as UNPROCESSABLE");
                held.poison(part.clone());
                parts.push_front(part);
            }
            Err(e) => {
                // Even its refusal cannot be recorded: acknowledge it rather than stop every
                // agency's traffic behind it. Counted and logged (no body, no personal data).
                tracing::error!(error = %e, "a delivery could be neither recorded nor refused; dropping it");
                shared.metrics.emit(metrics::Dropped);
            }
        }
    }
    failpoint::hit(failpoint::AFTER_COMMIT_BEFORE_ACK).await;
    let latency = taken.elapsed();
    for decided in &decided {
        shared.metrics.emit(MessageDecided { decided, latency });
        for refused in metrics::refusals(decided) {
            shared.metrics.emit(refused);
        }
    }
    Ok(fresh)
}

/// A batch's wait for the database, and the delivery found to fail it.
struct Held<'a> {
    metrics: &'a Metrics,
    backoff: Backoff,
    poisoned: Option<std::ops::Range<usize>>,
}

impl<'a> Held<'a> {
    fn new(metrics: &'a Metrics) -> Self {
        Held {
            metrics,
            backoff: Backoff::default(),
            poisoned: None,
        }
    }

    /// Waits before retrying after a transient database error; the batch counts as held
    /// (readiness, `hub_ingress_held_seconds`) until it commits.
    async fn wait(
        &mut self,
        error: &sqlx::Error,
        stop: &mut watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        self.metrics.hold_started();
        warn!(error = %error, "database unavailable; holding the batch and retrying");
        if sleep_or_stop(self.backoff.next_delay(), stop).await {
            self.metrics.hold_ended();
            anyhow::bail!("stopping with an uncommitted batch; it will be redelivered");
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.metrics.hold_ended();
        self.backoff.reset();
    }

    fn poison(&mut self, part: std::ops::Range<usize>) {
        self.poisoned = Some(part);
    }

    fn poisoned(&self, part: &std::ops::Range<usize>) -> bool {
        self.poisoned.as_ref() == Some(part)
    }
}

/// Waits for the batch before to be published and acknowledged, while watching the consuming
/// connection: when it is lost, the batch can no longer be acknowledged (the broker delivers
/// it again, and its ids are already recorded), so the session ends at once rather than wait
/// on a channel that may never answer.
async fn finished(
    previous: tokio::task::JoinHandle<anyhow::Result<()>>,
    consuming: &lapin::Connection,
) -> anyhow::Result<()> {
    let abort = previous.abort_handle();
    let mut liveness = tokio::time::interval(LIVENESS_CHECK);
    tokio::pin!(previous);
    loop {
        tokio::select! {
            outcome = &mut previous => return outcome.context("publishing a batch")?,
            _ = liveness.tick() => {
                if !consuming.status().connected() {
                    abort.abort();
                    anyhow::bail!("connection to the broker lost while a batch was finishing");
                }
            }
        }
    }
}

/// How often a session checks that its connections are still up (lapin issue 389: a
/// consumer can sit idle after the broker dies).
const LIVENESS_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// How long acknowledging a batch may take before the channel is given up on (the broker
/// then delivers the batch again, and the hub recognises it as already recorded).
const ACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Publishes what a decided batch queued, then acknowledges the batch.
async fn finish(
    shared: Arc<Shared>,
    publisher: Publisher,
    batch: Vec<Delivery>,
    fresh: Vec<OutboxRow>,
) -> anyhow::Result<()> {
    publish_rows(&shared.pool, &shared.metrics, &publisher, &fresh).await?;
    broker::amqp::acknowledge(&batch, ACK_TIMEOUT)
        .await
        .context("acknowledging the batch")?;
    Ok(())
}

/// Publishes outbox rows with confirms and records the outcome. A channel failure is
/// returned (the caller reconnects); the rows stay in the outbox for the relay.
pub async fn publish_rows(
    pool: &PgPool,
    metrics: &Metrics,
    publisher: &Publisher,
    rows: &[OutboxRow],
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Consent is checked again at the last moment: a withdrawal cancels what it covers.
    let publishable = db::still_publishable(pool, rows).await?;
    let rows: Vec<&OutboxRow> = rows
        .iter()
        .filter(|r| publishable.contains(&r.id))
        .collect();
    let outgoing: Vec<Outgoing<'_>> = rows
        .iter()
        .map(|row| Outgoing {
            exchange: topology::DELIVER_EXCHANGE,
            routing_key: row.recipient.as_str(),
            payload: &row.payload,
            properties: BasicProperties::default()
                .with_message_id(row.message_id.to_string().into())
                .with_correlation_id(row.correlation_id.to_string().into())
                .with_type(row.message_type.into())
                .with_content_type("application/json".into())
                .with_app_id("handover-hub".into()),
        })
        .collect();
    let results = publisher.publish_all(&outgoing).await;
    let mut published = Vec::new();
    let mut failed = Vec::new();
    let mut channel_error = None;
    for (row, result) in rows.iter().zip(results) {
        match result {
            Ok(()) => {
                metrics.emit(Published {
                    outbox_id: row.id,
                    recipient: &row.recipient,
                    message_type: row.message_type,
                });
                published.push(row.id);
            }
            Err(e) => {
                warn!(outbox_id = %row.id, recipient = %row.recipient, error = %e, "not published; the relay will retry");
                if e.is_channel_failure() {
                    channel_error = Some(e.to_string());
                }
                failed.push((row.id, e.to_string()));
            }
        }
    }
    if !published.is_empty() {
        failpoint::hit(failpoint::AFTER_CONFIRM_BEFORE_MARK).await;
    }
    db::mark_published(pool, &published).await?;
    for (id, error) in &failed {
        db::mark_failed(pool, std::slice::from_ref(id), error).await?;
    }
    match channel_error {
        Some(e) => anyhow::bail!("publishing channel failed: {e}"),
        None => Ok(()),
    }
}
