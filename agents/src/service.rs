//! The running agent: publishes the outbox and consumes the inbox, reconnecting by itself.
//!
//! Outbox: every queued message is published to the agency's submit exchange with confirms,
//! with the broker-validated `user_id` set; only a confirm marks it sent, so a message
//! accepted while the broker is down waits in the store and goes out when it is back.
//! Inbox: each delivery is decoded and stored once (by message id), then acknowledged; one
//! that does not decode is kept in `rejected` and acknowledged, so it never blocks the queue.
//! Deliveries that have arrived together are stored in one transaction and acknowledged
//! with one multiple-ack, so a backlog drains at the broker's pace, not the disk's.
//! A key directory from the hub is kept (when newer than the one held), not put in the inbox.
//! Sealing key: at each start (not each reconnect) the agent makes a key if it has none and
//! queues a `KeyPublished` for its current key, so the hub answers with a fresh directory.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use broker::service::{Connected, message_span, reconnecting, sleep_or_stop, stopped};
use broker::{Credentials, Outgoing, Publisher, topology};
use chrono::Utc;
use futures_lite::StreamExt;
use lapin::BasicProperties;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::metrics::{Metrics, Published, Received, Rejected};
use crate::settings::Settings;
use crate::store::{Arrived, Store};

const PUBLISH_BATCH: i64 = 128;

/// A running agent. Dropping it does not stop it: call [`Running::stop`].
pub struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops taking deliveries, finishes what is in hand, closes connections.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the agent's service in the background, counting into metrics of its own.
pub fn start(settings: Settings, credentials: Credentials, store: Store) -> Running {
    start_with(settings, credentials, store, Metrics::new())
}

/// Starts the agent's service in the background, counting into `metrics` (which the HTTP
/// server shares, for `/metrics` and `/readyz`).
pub fn start_with(
    settings: Settings,
    credentials: Credentials,
    store: Store,
    metrics: Metrics,
) -> Running {
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(run(
        Arc::new(settings),
        credentials,
        store,
        metrics,
        stop_rx,
    ));
    Running { stop, task }
}

/// Runs until `stop` turns true, reconnecting after any broker failure.
pub async fn run(
    settings: Arc<Settings>,
    credentials: Credentials,
    store: Store,
    metrics: Metrics,
    mut stop: watch::Receiver<bool>,
) {
    match crate::keys::publish_current(&store, &settings.agent.id, Utc::now()).await {
        Ok(p) => info!(
            agency = %settings.agent.id,
            key_id = %p.key.key_id,
            new_key = p.new_key,
            message_id = %p.message_id,
            "sealing key queued for the hub"
        ),
        // Everything else still works; sealing to this agency waits for the next start.
        Err(e) => warn!(
            agency = %settings.agent.id,
            error = %e,
            "could not queue the sealing key for the hub"
        ),
    }
    let retention = settings
        .agent
        .opened_messages_days
        .map(|days| tokio::spawn(purge_opened(store.clone(), days, stop.clone())));
    reconnecting(
        &mut stop,
        |mut stop, connected| {
            let (settings, credentials, store, metrics) = (&settings, &credentials, &store, &metrics);
            async move { session(settings, credentials, store, metrics, &mut stop, &connected).await }
        },
        |e| warn!(agency = %settings.agent.id, error = %format!("{e:#}"), "broker session ended; reconnecting"),
    )
    .await;
    if let Some(retention) = retention {
        let _ = retention.await;
    }
    info!(agency = %settings.agent.id, "agent stopped");
}

/// How often the retention period is applied.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Applies `agent.opened_messages_days` now and every hour until `stop`: deletes the received
/// messages first opened more than `days` ago.
async fn purge_opened(store: Store, days: u32, mut stop: watch::Receiver<bool>) {
    loop {
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        match store.purge_opened_before(cutoff).await {
            Ok(0) => {}
            Ok(n) => info!(
                messages = n,
                days, "opened messages past their retention deleted"
            ),
            Err(e) => warn!(error = %e, "applying the retention period failed; trying again later"),
        }
        if sleep_or_stop(PURGE_EVERY, &mut stop).await {
            return;
        }
    }
}

async fn session(
    settings: &Settings,
    credentials: &Credentials,
    store: &Store,
    metrics: &Metrics,
    stop: &mut watch::Receiver<bool>,
    connected: &Connected,
) -> anyhow::Result<()> {
    let id = &settings.agent.id;
    let inbox = settings.inbox_queue()?;
    let endpoint = settings.endpoint();
    let consuming = broker::connect(&endpoint, credentials, &format!("agent {id} inbox")).await?;
    let publishing = broker::connect(&endpoint, credentials, &format!("agent {id} outbox")).await?;
    let publisher = Publisher::open(&publishing).await?;
    let channel = consuming.create_channel().await?;
    channel
        .basic_qos(settings.agent.prefetch, BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            inbox.as_str().into(),
            format!("agent-{id}").as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .context("consuming the inbox")?;
    info!(agency = %id, "connected to the hub");
    // Ready while this session consumes; dropped (not ready) however the session ends.
    let _consuming = metrics.consuming();
    connected.mark();
    let mut tick = tokio::time::interval(Duration::from_millis(settings.agent.relay_interval_ms));
    loop {
        tokio::select! {
            () = stopped(stop) => break,
            _ = tick.tick() => publish_queued(settings, store, metrics, &publisher).await?,
            next = consumer.next() => {
                let Some(delivery) = next else { anyhow::bail!("the broker cancelled the inbox consumer") };
                // Whatever else has arrived goes into the same store transaction, up to half
                // the prefetch: the broker sends the other half while this batch is stored.
                let mut batch = vec![delivery.context("receiving from the inbox")?];
                while batch.len() < usize::from(settings.agent.prefetch / 2).max(1) {
                    match futures_lite::future::poll_once(consumer.next()).await {
                        Some(Some(delivery)) => batch.push(delivery.context("receiving from the inbox")?),
                        _ => break,
                    }
                }
                receive(id, store, metrics, &batch).await?;
            }
        }
        // lapin issue 389: a consumer can sit idle after the broker dies; watch the connection.
        if !consuming.status().connected() || !publisher.is_usable() {
            anyhow::bail!("connection lost");
        }
    }
    let _ = consuming.close(200, "agent stopping".into()).await;
    let _ = publishing.close(200, "agent stopping".into()).await;
    Ok(())
}

async fn receive(
    me: &schemas::AgencyId,
    store: &Store,
    metrics: &Metrics,
    batch: &[Delivery],
) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut decoded = Vec::with_capacity(batch.len());
    for delivery in batch {
        match schemas::decode(&delivery.data) {
            Ok(message) => decoded.push((message, delivery.data.as_slice())),
            Err(err) => {
                store.reject(&delivery.data, &err.to_string(), now).await?;
                metrics.emit(Rejected {
                    reason: err.reason(),
                });
            }
        }
    }
    // The inbox keeps the bytes as they arrived (what was decoded and checked), so the
    // messages are not encoded again: that was a fifth of a batch's store time.
    let arrived: Vec<Arrived<'_>> = decoded
        .iter()
        .map(|(message, bytes)| Arrived { message, bytes })
        .collect();
    let new = match store.receive_arrived(me, &arrived, now).await {
        Ok(new) => new,
        Err(e) if !e.is_transient() => {
            warn!(error = %e, "a batch of deliveries could not be stored; storing them one by one");
            receive_one_by_one(me, store, metrics, &arrived, now).await?
        }
        Err(e) => return Err(e.into()),
    };
    for ((message, _), new) in decoded.iter().zip(new) {
        let _span = message_span(&message.envelope).entered();
        metrics.emit(Received { message, new });
    }
    // Stored (or kept as rejected) before acknowledged, all of the batch at once. An
    // acknowledgement on a connection that died under it may never complete (seen when a
    // cluster node stopped): after ACK_TIMEOUT the session ends and reconnects, and the
    // broker delivers the batch again, which the store takes once.
    broker::amqp::acknowledge(batch, ACK_TIMEOUT).await?;
    Ok(())
}

/// How long an acknowledgement may take before the session is given up as dead.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Stores `arrived` one message at a time, after a batch failed for a reason other than the
/// store's availability: the message that fails is kept in `rejected` (and acknowledged with
/// the rest), so one message can fail only itself and never blocks the inbox.
async fn receive_one_by_one(
    me: &schemas::AgencyId,
    store: &Store,
    metrics: &Metrics,
    arrived: &[Arrived<'_>],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Vec<bool>> {
    let mut new = Vec::with_capacity(arrived.len());
    for one in arrived {
        match store
            .receive_arrived(me, std::slice::from_ref(one), now)
            .await
        {
            Ok(stored) => new.push(stored[0]),
            Err(e) if !e.is_transient() => {
                warn!(error = %e, message_id = %one.message.envelope.message_id, "a delivery could not be stored; kept as rejected");
                store
                    .reject(one.bytes, "the agent could not store this message", now)
                    .await?;
                metrics.emit(Rejected {
                    reason: schemas::ReasonCode::Unprocessable,
                });
                new.push(false);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(new)
}

async fn publish_queued(
    settings: &Settings,
    store: &Store,
    metrics: &Metrics,
    publisher: &Publisher,
) -> anyhow::Result<()> {
    let exchange = topology::submit_exchange(&settings.agent.id);
    // The broker checks that `user_id` names the connection's user.
    let user = settings.broker_user();
    loop {
        let queued = store.queued(PUBLISH_BATCH).await?;
        if queued.is_empty() {
            return Ok(());
        }
        let outgoing: Vec<Outgoing<'_>> = queued
            .iter()
            .map(|q| Outgoing {
                exchange: &exchange,
                routing_key: "",
                payload: &q.payload,
                properties: BasicProperties::default()
                    .with_message_id(q.message_id.as_str().into())
                    .with_correlation_id(q.correlation_id.as_str().into())
                    .with_user_id(user.as_str().into())
                    .with_content_type("application/json".into()),
            })
            .collect();
        let results = publisher.publish_all(&outgoing).await;
        let mut failure = None;
        for (q, result) in queued.iter().zip(results) {
            match result {
                Ok(()) => {
                    store.mark_sent(&q.message_id, Utc::now()).await?;
                    metrics.emit(Published {
                        agency: &settings.agent.id,
                        message_id: &q.message_id,
                        message_type: q.message_type.as_str(),
                    });
                }
                Err(e) => {
                    store
                        .mark_attempt_failed(&q.message_id, &e.to_string())
                        .await?;
                    failure = Some(e);
                }
            }
        }
        if let Some(e) = failure {
            anyhow::bail!("publishing to the hub failed: {e}");
        }
    }
}
