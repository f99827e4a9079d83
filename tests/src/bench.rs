//! The pieces of `hub-bench` (see `src/bin/hub-bench.rs`): the raw broker relay the hub is
//! measured against, a paced producer, and a consumer that measures end-to-end latency.
//!
//! The raw relay is built like the hub's ingress, so the comparison is of the work the hub
//! adds, not of two ways to drive lapin: the same prefetch, batches of whatever has arrived
//! (up to the same maximum), the same [`Publisher`] (persistent, mandatory, confirms), and one
//! multiple-ack per batch after every confirm. It differs only in what it leaves out: no
//! database, no decisions, one copy out per message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use broker::{Outgoing, Publisher};
use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection};
use tokio::sync::watch;

/// The queue the raw relay consumes.
pub const RAW_IN: &str = "bench.raw.in";
/// The queue the raw relay publishes to.
pub const RAW_OUT: &str = "bench.raw.out";

/// Declares the raw relay's two durable quorum queues (the hub's queues are quorum queues).
pub async fn declare_raw_queues(connection: &Connection) -> anyhow::Result<()> {
    let channel = connection.create_channel().await?;
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    for queue in [RAW_IN, RAW_OUT] {
        channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                arguments.clone(),
            )
            .await
            .with_context(|| format!("declaring {queue}"))?;
    }
    let _ = channel.close(200, "declared".into()).await;
    Ok(())
}

/// Publishes `payloads` to `exchange` (routing key `routing_key`) with confirms, 500 at a
/// time, failing on the first refusal.
pub async fn publish_confirmed(
    publisher: &Publisher,
    exchange: &str,
    routing_key: &str,
    payloads: &[Vec<u8>],
) -> anyhow::Result<()> {
    for chunk in payloads.chunks(500) {
        let outgoing: Vec<Outgoing<'_>> = chunk
            .iter()
            .map(|payload| Outgoing {
                exchange,
                routing_key,
                payload,
                properties: BasicProperties::default(),
            })
            .collect();
        for result in publisher.publish_all(&outgoing).await {
            result.context("publishing")?;
        }
    }
    Ok(())
}

/// The raw relay: consumes [`RAW_IN`] and publishes each message `copies` times to
/// [`RAW_OUT`] with a confirm, acknowledging each batch after its confirms, until `stop`
/// turns true. Counts the messages it relayed (not the copies) into `relayed`. One copy is
/// the relay of issue 7; two are the broker's share of what the hub does with a message it
/// routes to one recipient (the delivery and the sender's receipt).
pub async fn raw_relay(
    consuming: Connection,
    publishing: Connection,
    prefetch: u16,
    batch_max: usize,
    copies: usize,
    relayed: Arc<std::sync::atomic::AtomicU64>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let publisher = Publisher::open(&publishing).await?;
    let channel = consuming.create_channel().await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            RAW_IN.into(),
            "bench-raw-relay".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    loop {
        let first = tokio::select! {
            _ = stop.changed() => break,
            next = consumer.next() => next,
        };
        let Some(first) = first else { break };
        let mut batch = vec![first?];
        while batch.len() < batch_max {
            match futures_lite::future::poll_once(consumer.next()).await {
                Some(Some(Ok(delivery))) => batch.push(delivery),
                Some(Some(Err(e))) => return Err(e.into()),
                _ => break,
            }
        }
        let outgoing: Vec<Outgoing<'_>> = batch
            .iter()
            .flat_map(|delivery| std::iter::repeat_n(delivery, copies))
            .map(|delivery| Outgoing {
                exchange: "",
                routing_key: RAW_OUT,
                payload: &delivery.data,
                properties: delivery.properties.clone(),
            })
            .collect();
        for result in publisher.publish_all(&outgoing).await {
            result.context("relaying")?;
        }
        if let Some(last) = batch.last() {
            last.acker
                .ack(BasicAckOptions { multiple: true })
                .await
                .context("acknowledging")?;
        }
        relayed.fetch_add(batch.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let _ = consuming.close(200, "bench done".into()).await;
    let _ = publishing.close(200, "bench done".into()).await;
    Ok(())
}

/// When each message of a latency run was handed to the broker, by envelope message id.
pub type SendTimes = Arc<Mutex<HashMap<String, Instant>>>;

/// The envelope message id of a message on the wire.
pub fn message_id_of(payload: &[u8]) -> Option<String> {
    let message: serde_json::Value = serde_json::from_slice(payload).ok()?;
    Some(message["envelope"]["message_id"].as_str()?.to_owned())
}

/// Publishes `payloads` (id, bytes) at `rate` messages per second, in ticks of 10 ms, with
/// confirms, noting each send time just before its publish. A tick that falls behind is made
/// up in the next, so the offered rate holds on average. Returns the rate achieved.
pub async fn paced_publish(
    publisher: &Publisher,
    exchange: &str,
    routing_key: &str,
    payloads: &[(String, Vec<u8>)],
    rate: f64,
    sent: &SendTimes,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut next = 0usize;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while next < payloads.len() {
        tick.tick().await;
        let due = ((started.elapsed().as_secs_f64() * rate) as usize).min(payloads.len());
        if due <= next {
            continue;
        }
        let chunk = &payloads[next..due];
        let outgoing: Vec<Outgoing<'_>> = chunk
            .iter()
            .map(|(_, payload)| Outgoing {
                exchange,
                routing_key,
                payload,
                properties: BasicProperties::default(),
            })
            .collect();
        {
            let now = Instant::now();
            let mut sent = sent.lock().expect("not poisoned");
            for (id, _) in chunk {
                sent.insert(id.clone(), now);
            }
        }
        for result in publisher.publish_all(&outgoing).await {
            result.context("publishing at the offered rate")?;
        }
        next = due;
    }
    Ok(payloads.len() as f64 / started.elapsed().as_secs_f64())
}

/// Consumes `queue` until `expected` messages with a known send time have arrived (or
/// `timeout` passes), acknowledging as it goes, and returns their latencies, sorted.
pub async fn collect_latencies(
    connection: &Connection,
    queue: &str,
    expected: usize,
    sent: &SendTimes,
    timeout: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let channel = connection.create_channel().await?;
    channel.basic_qos(512, BasicQosOptions::default()).await?;
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "bench-latency".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let deadline = Instant::now() + timeout;
    let mut latencies = Vec::with_capacity(expected);
    while latencies.len() < expected {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(next) = tokio::time::timeout(left, consumer.next()).await else {
            anyhow::bail!(
                "only {} of {expected} messages arrived on {queue} in {timeout:?}",
                latencies.len()
            );
        };
        let delivery = next.context("the consumer was cancelled")??;
        let arrived = Instant::now();
        if let Some(id) = message_id_of(&delivery.data)
            && let Some(at) = sent.lock().expect("not poisoned").get(&id)
        {
            latencies.push(arrived - *at);
        }
        delivery.acker.ack(BasicAckOptions::default()).await?;
    }
    let _ = channel.close(200, "measured".into()).await;
    latencies.sort();
    Ok(latencies)
}

/// The `q`-quantile (0 to 1) of sorted durations, by the nearest-rank method.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Peak resident memory (VmHWM) of a process, in kB, from `/proc/<pid>/status`.
pub fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user and system) a process has used, with that of its children it has reaped,
/// in clock ticks, from `/proc/<pid>/stat` (fields 14 to 17). With the reaped children's,
/// the CPU of a PostgreSQL backend or autovacuum worker that ended between two readings is
/// still counted, in the postmaster's.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // fields[0] is field 3 (the state); utime, stime, cutime, cstime are fields 14 to 17.
    fields
        .get(11..15)?
        .iter()
        .map(|f| f.parse::<u64>().ok())
        .sum()
}

/// The ids of the running processes whose command name (`/proc/<pid>/comm`) is `name`.
pub fn pids_named(name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .collect()
}

/// The length of a clock tick, from `getconf CLK_TCK` (100 per second when it cannot say).
fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// The CPU time so far of the given processes (and their reaped children), in microseconds.
pub fn cpu_micros(pids: &[u32]) -> u64 {
    let ticks: u64 = pids.iter().filter_map(|&pid| cpu_ticks(pid)).sum();
    ticks * 1_000_000 / ticks_per_second()
}

/// What the hub, the broker and PostgreSQL have spent so far: CPU time of each, and the WAL
/// PostgreSQL has written. Two readings a run apart give that run's cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spent {
    /// The hub process's CPU, in microseconds.
    pub hub_us: u64,
    /// The broker's (every `beam.smp` process), in microseconds.
    pub broker_us: u64,
    /// PostgreSQL's (every `postgres` process), in microseconds.
    pub postgres_us: u64,
    /// The WAL position, in bytes.
    pub wal_bytes: u64,
}

impl Spent {
    /// Reads it now; `hub` is the hub's process, if one runs.
    pub async fn now(pool: &sqlx::PgPool, hub: Option<u32>) -> anyhow::Result<Spent> {
        let wal: i64 = sqlx::query_scalar(
            "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint",
        )
        .fetch_one(pool)
        .await
        .context("reading the WAL position")?;
        Ok(Spent {
            hub_us: hub.map_or(0, |pid| cpu_micros(&[pid])),
            broker_us: cpu_micros(&pids_named("beam.smp")),
            postgres_us: cpu_micros(&pids_named("postgres")),
            wal_bytes: u64::try_from(wal).unwrap_or(0),
        })
    }

    /// What was spent from `before` to this reading, per message of `n`.
    pub fn per_message_since(&self, before: &Spent, n: usize) -> Cost {
        let per = |after: u64, before: u64| after.saturating_sub(before) as f64 / n.max(1) as f64;
        Cost {
            hub_us: per(self.hub_us, before.hub_us),
            broker_us: per(self.broker_us, before.broker_us),
            postgres_us: per(self.postgres_us, before.postgres_us),
            wal_bytes: per(self.wal_bytes, before.wal_bytes),
        }
    }
}

/// A run's cost per message: CPU microseconds of each process and WAL bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    /// The hub's CPU.
    pub hub_us: f64,
    /// The broker's.
    pub broker_us: f64,
    /// PostgreSQL's.
    pub postgres_us: f64,
    /// PostgreSQL's WAL.
    pub wal_bytes: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_spent_cpu_and_is_found_by_its_name() {
        let me = std::process::id();
        let busy: u64 = (0..20_000_000u64).fold(0, |a, b| a.wrapping_add(b * b));
        assert!(busy > 0);
        assert!(
            cpu_micros(&[me]) > 0,
            "CPU time of a process that has worked"
        );
        let comm = std::fs::read_to_string(format!("/proc/{me}/comm")).unwrap();
        assert!(pids_named(comm.trim_end()).contains(&me));
        assert_eq!(cpu_micros(&[u32::MAX]), 0, "no such process");
    }

    #[test]
    fn a_runs_cost_is_the_difference_per_message() {
        let before = Spent {
            hub_us: 1_000,
            broker_us: 5_000,
            postgres_us: 2_000,
            wal_bytes: 100_000,
        };
        let after = Spent {
            hub_us: 21_000,
            broker_us: 45_000,
            postgres_us: 12_000,
            wal_bytes: 140_000,
        };
        let cost = after.per_message_since(&before, 10);
        assert_eq!(
            cost,
            Cost {
                hub_us: 2_000.0,
                broker_us: 4_000.0,
                postgres_us: 1_000.0,
                wal_bytes: 4_000.0
            }
        );
    }

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(quantile(&sorted, 0.5), ms(50));
        assert_eq!(quantile(&sorted, 0.99), ms(99));
        assert_eq!(quantile(&sorted, 1.0), ms(100));
        assert_eq!(quantile(&sorted[..1], 0.99), ms(1));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn the_message_id_is_read_from_the_envelope() {
        let payload = br#"{"envelope":{"message_id":"0192","sender":"x"},"body":{}}"#;
        assert_eq!(message_id_of(payload).as_deref(), Some("0192"));
        assert_eq!(message_id_of(b"not json"), None);
    }
}
