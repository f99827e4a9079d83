//! The hub's Prometheus metrics: what it counts as it works, and what it reads when scraped.
//!
//! Counted as the hub works, each by one event struct that both logs and counts it (so logs
//! and metrics never disagree):
//! - `hub_messages_in_total{message_type}`: deliveries taken from the ingress whose batch was
//!   committed, by the type the hub decoded (`undecodable` for input refused before or while
//!   decoding: not JSON, unknown type, schema violation, oversized, wrong sender); a broker
//!   redelivery counts again, though the hub records it once;
//! - `hub_decision_latency_seconds`: from taking a delivery off the ingress to the commit of
//!   its batch, one observation per delivery counted in `hub_messages_in_total`;
//! - `hub_refused_total{scope,reason}`: refusals recorded, `scope="message"` for a whole
//!   message (a dead letter and an `Undeliverable`), `scope="recipient"` for one recipient
//!   of it (a refused row of the disclosure log);
//! - `hub_messages_out_total{message_type}`: outbox rows published to a recipient's inbox and
//!   confirmed by the broker, by the fast path or the relay (deliveries, replies, notices);
//! - `hub_ingress_consuming`: 1 while the ingress consumer is consuming, else 0.
//!
//! Read at each scrape, and left out of that scrape when they cannot be read (the failure is
//! counted instead, never reported as 0):
//! - `hub_outbox_pending` and `hub_outbox_lag_seconds`: unpublished, uncancelled outbox rows
//!   and the age of the oldest, from PostgreSQL (`hub_scrape_errors_total{part="outbox"}`);
//! - `hub_queue_depth{queue}`: messages ready in `hub.ingress` and in every registered
//!   agency's inbox, by passive declare on a broker connection of the metrics' own (see
//!   [`broker::depth`]; `hub_queue_depth_errors_total{queue}`, and
//!   `hub_scrape_errors_total{part="directory"}` when the agencies could not be listed);
//! - `hub_tls_certificate_expiry_timestamp_seconds`: the `notAfter` of the hub's broker client
//!   certificate (`broker.tls.cert_file`), when one is configured
//!   (`hub_scrape_errors_total{part="certificate"}`).
//!
//! Set by the audit chain's own check ([`audit`], every few minutes, off the request path),
//! and left out until its first check completes:
//! - `hub_audit_chain_intact`: 1 when the last check found the chain intact, 0 when broken;
//! - `hub_audit_chain_checked_timestamp_seconds`: when the last check completed.
//!
//! Labels are message types, reason codes, queue names and agency ids only: never case ids,
//! pseudonyms or anything from a body.

use std::time::Duration;

use broker::depth::QueueDepths;
use broker::metrics::{Flag, Raised, exposition};
use broker::topology;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use schemas::{AgencyId, MessageType, ReasonCode};
use sqlx::PgPool;
use tracing::{debug, info, warn};
use uuid::Uuid;

use crate::Shared;
use crate::db::{Decided, Outcome};

pub mod audit;

pub use audit::AuditStatus;

/// The `message_type` label of input the hub could not decode.
pub const UNDECODABLE: &str = "undecodable";

/// How long a scrape waits for the database and for the broker, each.
const SCRAPE_LIMIT: Duration = Duration::from_secs(2);

/// Decision latency buckets, in seconds: milliseconds normally, minutes when the database
/// was down and the batch was held.
const LATENCY_BUCKETS: [f64; 16] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabel {
    message_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    scope: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartLabel {
    part: &'static str,
}

/// The hub's metrics: a registry of what it counts, and the reader of queue depths.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    messages_in: Family<TypeLabel, Counter>,
    messages_out: Family<TypeLabel, Counter>,
    refused: Family<RefusalLabels, Counter>,
    decision_latency: Histogram,
    ingress_consuming: Flag,
    held_since: std::sync::Mutex<Option<std::time::Instant>>,
    audit: std::sync::Mutex<Option<AuditStatus>>,
    dropped: Counter,
    depth_errors: Family<QueueLabel, Counter>,
    scrape_errors: Family<PartLabel, Counter>,
    depths: QueueDepths,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every counter at zero, the ingress not consuming.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let messages_in = Family::<TypeLabel, Counter>::default();
        registry.register(
            "hub_messages_in",
            "Deliveries taken from the ingress and committed, by decoded message type \
             (undecodable: refused before or while decoding)",
            messages_in.clone(),
        );
        let messages_out = Family::<TypeLabel, Counter>::default();
        registry.register(
            "hub_messages_out",
            "Outbox rows published to a recipient's inbox and confirmed, by message type",
            messages_out.clone(),
        );
        let refused = Family::<RefusalLabels, Counter>::default();
        registry.register(
            "hub_refused",
            "Refusals recorded, by scope (message: dead letter and Undeliverable; recipient: \
             one recipient of a message) and reason code",
            refused.clone(),
        );
        let decision_latency = Histogram::new(LATENCY_BUCKETS);
        registry.register_with_unit(
            "hub_decision_latency",
            "From taking a delivery off the ingress to the commit of its batch",
            Unit::Seconds,
            decision_latency.clone(),
        );
        let ingress_consuming = Flag::default();
        registry.register(
            "hub_ingress_consuming",
            "1 while the ingress consumer is consuming, else 0",
            ingress_consuming.gauge(),
        );
        let dropped = Counter::default();
        registry.register(
            "hub_dropped",
            "Deliveries that could be neither recorded nor refused, acknowledged so that the \
             ingress goes on (each is logged; none is expected)",
            dropped.clone(),
        );
        let depth_errors = Family::<QueueLabel, Counter>::default();
        registry.register(
            "hub_queue_depth_errors",
            "Scrapes that could not read a queue's depth (it was left out of them)",
            depth_errors.clone(),
        );
        let scrape_errors = Family::<PartLabel, Counter>::default();
        registry.register(
            "hub_scrape_errors",
            "Scrapes that could not read a part (outbox, directory, certificate); it was left \
             out of them",
            scrape_errors.clone(),
        );
        Self {
            registry,
            messages_in,
            messages_out,
            refused,
            decision_latency,
            ingress_consuming,
            held_since: std::sync::Mutex::new(None),
            audit: std::sync::Mutex::new(None),
            dropped,
            depth_errors,
            scrape_errors,
            depths: QueueDepths::new("hub metrics"),
        }
    }

    /// Logs and counts one event.
    pub fn emit(&self, event: impl InternalEvent) {
        event.emit(self);
    }

    /// Marks the ingress as consuming until the guard is dropped.
    pub fn ingress_consuming(&self) -> Raised {
        self.ingress_consuming.raise()
    }

    /// Whether the ingress consumer is consuming.
    pub fn is_ingress_consuming(&self) -> bool {
        self.ingress_consuming.is_raised()
    }

    /// The ingress holds a batch it cannot commit because the database is unavailable
    /// (from now, unless it already did).
    pub fn hold_started(&self) {
        let mut held = self.held_since.lock().unwrap_or_else(|e| e.into_inner());
        held.get_or_insert_with(std::time::Instant::now);
    }

    /// The ingress holds no batch.
    pub fn hold_ended(&self) {
        *self.held_since.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// How long the ingress has held the batch in hand, if it holds one.
    pub fn held_for(&self) -> Option<Duration> {
        self.held_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|since| since.elapsed())
    }

    /// Records what a check of the audit chain found (see [`audit`]).
    pub fn record_audit_check(&self, status: AuditStatus) {
        *self.audit.lock().unwrap_or_else(|e| e.into_inner()) = Some(status);
    }

    /// What the last check of the audit chain found, if one completed.
    pub fn audit_status(&self) -> Option<AuditStatus> {
        *self.audit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The exposition: everything counted, plus what `snapshot` could read.
    pub fn encode(&self, snapshot: &Snapshot) -> String {
        let mut scraped = Registry::default();
        if let Some(status) = self.audit_status() {
            scraped.register(
                "hub_audit_chain_intact",
                "1 when the last check of the audit chain found it intact, 0 when broken",
                ConstGauge::new(i64::from(status.intact)),
            );
            scraped.register_with_unit(
                "hub_audit_chain_checked_timestamp",
                "When the last check of the audit chain completed (Unix time)",
                Unit::Seconds,
                ConstGauge::new(status.checked_at),
            );
        }
        if let Some(not_after) = snapshot.certificate_expiry {
            scraped.register_with_unit(
                "hub_tls_certificate_expiry_timestamp",
                "When the hub's broker client certificate expires (its notAfter, Unix time)",
                Unit::Seconds,
                ConstGauge::new(not_after),
            );
        }
        scraped.register_with_unit(
            "hub_ingress_held",
            "How long the ingress has held a batch it cannot commit because the database is \
             unavailable (0 when it holds none)",
            Unit::Seconds,
            ConstGauge::new(self.held_for().unwrap_or_default().as_secs_f64()),
        );
        if let Some(backlog) = snapshot.outbox {
            scraped.register(
                "hub_outbox_pending",
                "Outbox rows not yet published and not cancelled",
                ConstGauge::new(backlog.pending),
            );
            scraped.register_with_unit(
                "hub_outbox_lag",
                "Age of the oldest outbox row not yet published and not cancelled (0 when none)",
                Unit::Seconds,
                ConstGauge::new(backlog.lag_seconds),
            );
        }
        if !snapshot.depths.is_empty() {
            let depth = Family::<QueueLabel, Gauge>::default();
            for (queue, messages) in &snapshot.depths {
                depth
                    .get_or_create(&QueueLabel {
                        queue: queue.clone(),
                    })
                    .set(i64::from(*messages));
            }
            scraped.register(
                "hub_queue_depth",
                "Messages ready in a queue (not counting delivered but unacknowledged ones)",
                depth,
            );
        }
        exposition(&[&self.registry, &scraped])
    }
}

/// Something that happened in the hub, logged and counted by one struct.
pub trait InternalEvent {
    /// Logs and counts it.
    fn emit(self, metrics: &Metrics);
}

/// The log target of the decision log: `RUST_LOG=info,hub::decisions=warn` turns it off
/// (it costs about a tenth of the hub's throughput in `hub-bench`).
pub const DECISIONS: &str = "hub::decisions";

/// A delivery from the ingress was decided and its batch committed: the decision log line
/// (ids, type, sender, outcome and reason codes; never a body or a subject) and its count.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageDecided<'a> {
    /// What came of it.
    pub decided: &'a Decided,
    /// From taking it off the ingress to the commit.
    pub latency: Duration,
}

impl MessageDecided<'_> {
    /// The type label: the type the hub decoded, or [`UNDECODABLE`].
    pub fn label(&self) -> &'static str {
        self.decided
            .message_type
            .map_or(UNDECODABLE, MessageType::as_str)
    }
}

impl InternalEvent for MessageDecided<'_> {
    fn emit(self, metrics: &Metrics) {
        let d = self.decided;
        let (reason, refused_recipients) = match &d.outcome {
            Outcome::Repeat => (None, 0),
            Outcome::Routed { refused } => (None, refused.len()),
            Outcome::Refused { reason, recipients } => (Some(reason.as_str()), recipients.len()),
        };
        let message_id = d.message_id.as_ref().map(ToString::to_string);
        let correlation_id = d.correlation_id.map(|c| c.to_string());
        let case_id = d.case_id.as_ref().map(|c| c.as_str());
        if d.outcome == Outcome::Repeat {
            debug!(
                target: DECISIONS,
                message_id, sender = %d.sender, message_type = self.label(),
                "delivery taken before; nothing new recorded"
            );
        } else {
            info!(
                target: DECISIONS,
                message_id,
                correlation_id,
                case_id,
                message_type = self.label(),
                sender = %d.sender,
                outcome = d.outcome.as_str(),
                reason,
                refused_recipients,
                latency_ms = self.latency.as_millis() as u64,
                "message decided"
            );
        }
        metrics
            .messages_in
            .get_or_create(&TypeLabel {
                message_type: self.label(),
            })
            .inc();
        metrics.decision_latency.observe(self.latency.as_secs_f64());
    }
}

/// What a refusal covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole message: dead-lettered and answered with an `Undeliverable`.
    Message,
    /// One recipient of it.
    Recipient,
}

impl Scope {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Message => "message",
            Scope::Recipient => "recipient",
        }
    }
}

/// A refusal was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Refused {
    /// The whole message or one recipient.
    pub scope: Scope,
    pub reason: ReasonCode,
}

impl InternalEvent for Refused {
    fn emit(self, metrics: &Metrics) {
        debug!(
            scope = self.scope.as_str(),
            reason = self.reason.as_str(),
            "refusal recorded"
        );
        metrics
            .refused
            .get_or_create(&RefusalLabels {
                scope: self.scope.as_str(),
                reason: self.reason.as_str(),
            })
            .inc();
    }
}

/// The refusals a decided delivery counts: the whole message, and each recipient refused
/// one by one. A repeat counts none: it was counted when first decided.
pub fn refusals(decided: &Decided) -> Vec<Refused> {
    let recipient = |reason: &ReasonCode| Refused {
        scope: Scope::Recipient,
        reason: *reason,
    };
    match &decided.outcome {
        Outcome::Repeat => Vec::new(),
        Outcome::Routed { refused } => refused.iter().map(recipient).collect(),
        Outcome::Refused { reason, recipients } => std::iter::once(Refused {
            scope: Scope::Message,
            reason: *reason,
        })
        .chain(recipients.iter().map(recipient))
        .collect(),
    }
}

/// An outbox row was published to its recipient's inbox and confirmed.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Published<'a> {
    pub outbox_id: Uuid,
    pub recipient: &'a AgencyId,
    pub message_type: &'static str,
}

impl InternalEvent for Published<'_> {
    fn emit(self, metrics: &Metrics) {
        debug!(
            outbox_id = %self.outbox_id,
            recipient = %self.recipient,
            message_type = self.message_type,
            "published"
        );
        metrics
            .messages_out
            .get_or_create(&TypeLabel {
                message_type: self.message_type,
            })
            .inc();
    }
}

/// A delivery could be neither recorded nor refused (its refusal failed too, for a reason
/// other than the database's availability) and was acknowledged so the ingress goes on.
#[derive(Debug, Clone, Copy)]
pub struct Dropped;

impl InternalEvent for Dropped {
    fn emit(self, metrics: &Metrics) {
        metrics.dropped.inc();
    }
}

/// A scrape could not read a part; it is left out of that scrape.
#[derive(Debug)]
#[allow(missing_docs)] // fields named for what they hold
pub struct ScrapeFailed<'a> {
    /// `outbox`, `directory`, `queue_depth` or `certificate`.
    pub part: &'static str,
    /// The queue, for `queue_depth`.
    pub queue: Option<&'a str>,
    pub error: String,
}

impl InternalEvent for ScrapeFailed<'_> {
    fn emit(self, metrics: &Metrics) {
        warn!(
            part = self.part,
            queue = self.queue,
            error = %self.error,
            "metrics: could not read; left out of this scrape"
        );
        match self.queue {
            Some(queue) => metrics
                .depth_errors
                .get_or_create(&QueueLabel {
                    queue: queue.to_owned(),
                })
                .inc(),
            None => metrics
                .scrape_errors
                .get_or_create(&PartLabel { part: self.part })
                .inc(),
        };
    }
}

/// The outbox backlog: unpublished, uncancelled outbox rows.
pub use broker::metrics::Backlog;

/// What a scrape read: each part only when it could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The outbox backlog.
    pub outbox: Option<Backlog>,
    /// Queue depths that could be read.
    pub depths: Vec<(String, u32)>,
    /// When the broker client certificate expires, in seconds since the Unix epoch.
    pub certificate_expiry: Option<i64>,
}

/// Reads the outbox backlog.
pub async fn outbox_backlog(pool: &PgPool) -> Result<Backlog, sqlx::Error> {
    let (pending, lag_seconds): (i64, f64) = sqlx::query_as(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))::float8, 0)
         FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(Backlog {
        pending,
        lag_seconds: lag_seconds.max(0.0),
    })
}

/// Reads what a scrape reports besides the counters, and encodes the exposition.
pub async fn scrape(shared: &Shared) -> String {
    let metrics = &shared.metrics;
    let backlog = async {
        match tokio::time::timeout(SCRAPE_LIMIT, outbox_backlog(&shared.pool)).await {
            Ok(Ok(backlog)) => Some(backlog),
            Ok(Err(e)) => {
                metrics.emit(ScrapeFailed {
                    part: "outbox",
                    queue: None,
                    error: e.to_string(),
                });
                None
            }
            Err(_) => {
                metrics.emit(ScrapeFailed {
                    part: "outbox",
                    queue: None,
                    error: "timed out".into(),
                });
                None
            }
        }
    };
    let depths = async {
        // (label, queue): an inbox is labelled without its tag, which no one else may learn.
        let mut queues = vec![(
            topology::INGRESS_QUEUE.to_owned(),
            topology::INGRESS_QUEUE.to_owned(),
        )];
        match tokio::time::timeout(SCRAPE_LIMIT, crate::db::inboxes(&shared.pool)).await {
            Ok(Ok(inboxes)) => queues.extend(
                inboxes
                    .into_iter()
                    .map(|(agency, queue)| (topology::legacy_inbox_queue(&agency), queue)),
            ),
            outcome => metrics.emit(ScrapeFailed {
                part: "directory",
                queue: None,
                error: match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".into(),
                },
            }),
        }
        let names: Vec<String> = queues.iter().map(|(_, queue)| queue.clone()).collect();
        let read = metrics
            .depths
            .read(
                &shared.endpoint(),
                &shared.credentials(),
                &names,
                SCRAPE_LIMIT,
            )
            .await;
        queues
            .into_iter()
            .zip(read)
            .filter_map(|((label, _), depth)| match depth {
                Ok(messages) => Some((label, messages)),
                Err(e) => {
                    metrics.emit(ScrapeFailed {
                        part: "queue_depth",
                        queue: Some(&label),
                        error: e.to_string(),
                    });
                    None
                }
            })
            .collect::<Vec<_>>()
    };
    let certificate = async {
        let tls = shared.settings.broker.tls.as_ref()?;
        broker::certificate::file_not_after(&tls.cert_file)
            .await
            .map_err(|e| {
                metrics.emit(ScrapeFailed {
                    part: "certificate",
                    queue: None,
                    error: e.to_string(),
                })
            })
            .ok()
    };
    let (outbox, depths, certificate_expiry) = tokio::join!(backlog, depths, certificate);
    metrics.encode(&Snapshot {
        outbox,
        depths,
        certificate_expiry,
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use schemas::MessageId;

    use super::*;
    use crate::plan::{self, Inputs, Intake, Raw};

    fn agency(id: &str) -> AgencyId {
        AgencyId::try_from(id).unwrap()
    }

    fn release_notice() -> Vec<u8> {
        include_bytes!("../../../schemas/examples/ReleaseNotice.json").to_vec()
    }

    fn raw<'a>(exchange: &'a str, body: &'a [u8]) -> Raw<'a> {
        Raw {
            exchange,
            user_id: None,
            user_prefix: "",
            amqp_message_id: None,
            body,
        }
    }

    /// What the batch makes of `raw` when it is new: decoded and routed, or refused at intake.
    fn decided_at_intake(hub: &AgencyId, max: usize, raw: Raw<'_>) -> Decided {
        let inputs = Inputs {
            now: Utc::now(),
            reply_id: MessageId::new(),
            fallback_correlation: Uuid::nil(),
            dead_letter_id: Uuid::nil(),
        };
        match plan::intake(hub, max, raw, &inputs) {
            Intake::Decoded(d) => {
                Decided::message(&d.sender, &d.message, Outcome::Routed { refused: vec![] })
            }
            Intake::Refused(r) => Decided::undecoded(&r.dead_letter, true),
        }
    }

    #[test]
    fn a_delivery_is_labelled_with_the_type_the_intake_decodes_or_undecodable() {
        let hub = agency("hub");
        let body = release_notice();
        let sender: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let exchange = format!("submit.{}", sender["envelope"]["sender"].as_str().unwrap());
        let label = |raw, max| {
            let decided = decided_at_intake(&hub, max, raw);
            MessageDecided {
                decided: &decided,
                latency: Duration::ZERO,
            }
            .label()
        };
        assert_eq!(label(raw(&exchange, &body), 65536), "ReleaseNotice");
        assert_eq!(
            label(raw(&exchange, b"{\"envelope\": {"), 65536),
            UNDECODABLE
        );
        // Refused before decoding: too large, or not through an agency's submit exchange.
        assert_eq!(label(raw(&exchange, &body), 16), UNDECODABLE);
        assert_eq!(label(raw("amq.direct", &body), 65536), UNDECODABLE);
    }

    #[test]
    fn refusals_are_counted_once_per_whole_message_and_per_recipient() {
        let hub = agency("hub");
        let body = release_notice();
        let message: schemas::Message = schemas::decode(&body).unwrap();
        let routed = Decided::message(
            &message.envelope.sender,
            &message,
            Outcome::Routed {
                refused: vec![ReasonCode::NoGateway],
            },
        );
        let refused = Decided::message(
            &message.envelope.sender,
            &message,
            Outcome::Refused {
                reason: ReasonCode::ConsentWithdrawn,
                recipients: vec![ReasonCode::ConsentWithdrawn, ReasonCode::NoGateway],
            },
        );
        let senderless = decided_at_intake(&hub, 65536, raw("amq.topic", b"junk"));
        let repeat = Decided::message(&message.envelope.sender, &message, Outcome::Repeat);
        let clean = Decided::message(
            &message.envelope.sender,
            &message,
            Outcome::Routed { refused: vec![] },
        );
        let found: Vec<Refused> = [routed, refused, senderless, repeat, clean]
            .iter()
            .flat_map(refusals)
            .collect();
        let r = |scope, reason| Refused { scope, reason };
        assert_eq!(
            found,
            vec![
                r(Scope::Recipient, ReasonCode::NoGateway),
                r(Scope::Message, ReasonCode::ConsentWithdrawn),
                r(Scope::Recipient, ReasonCode::ConsentWithdrawn),
                r(Scope::Recipient, ReasonCode::NoGateway),
                r(Scope::Message, ReasonCode::UnknownSender),
            ]
        );
    }

    /// The value of a sample line, e.g. `hub_refused_total{scope="message",reason="X"}`.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn events_are_counted_under_their_labels_and_histogram_agrees_with_messages_in() {
        let metrics = Metrics::new();
        let message: schemas::Message = schemas::decode(&release_notice()).unwrap();
        let notice = Decided::message(
            &message.envelope.sender,
            &message,
            Outcome::Routed { refused: vec![] },
        );
        let junk = decided_at_intake(&agency("hub"), 65536, raw("amq.topic", b"junk"));
        let decided = |decided| MessageDecided {
            decided,
            latency: Duration::from_millis(3),
        };
        metrics.emit(decided(&notice));
        metrics.emit(decided(&notice));
        metrics.emit(decided(&junk));
        metrics.emit(Refused {
            scope: Scope::Recipient,
            reason: ReasonCode::NoGateway,
        });
        let recipient = agency("dk-a");
        metrics.emit(Published {
            outbox_id: Uuid::nil(),
            recipient: &recipient,
            message_type: "Receipt",
        });
        let text = metrics.encode(&Snapshot::default());
        let n = |series: &str| sample(&text, series);
        assert_eq!(
            n("hub_messages_in_total{message_type=\"ReleaseNotice\"}"),
            Some(2.0)
        );
        assert_eq!(
            n("hub_messages_in_total{message_type=\"undecodable\"}"),
            Some(1.0)
        );
        assert_eq!(
            n("hub_refused_total{scope=\"recipient\",reason=\"NO_GATEWAY\"}"),
            Some(1.0)
        );
        assert_eq!(
            n("hub_messages_out_total{message_type=\"Receipt\"}"),
            Some(1.0)
        );
        assert_eq!(n("hub_decision_latency_seconds_count"), Some(3.0));
        assert_eq!(
            n("hub_decision_latency_seconds_bucket{le=\"0.0025\"}"),
            Some(0.0)
        );
        assert_eq!(
            n("hub_decision_latency_seconds_bucket{le=\"0.005\"}"),
            Some(3.0)
        );
        assert_eq!(n("hub_ingress_consuming"), Some(0.0));
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn what_a_scrape_could_not_read_is_left_out_not_reported_as_zero() {
        let metrics = Metrics::new();
        let unread = metrics.encode(&Snapshot::default());
        assert!(!unread.contains("hub_outbox_pending"), "{unread}");
        assert!(!unread.contains("hub_outbox_lag"), "{unread}");
        assert!(!unread.contains("hub_queue_depth{"), "{unread}");
        assert!(!unread.contains("hub_tls_certificate"), "{unread}");
        // Nor is the audit chain reported before its first check completes.
        assert!(!unread.contains("hub_audit_chain"), "{unread}");
        metrics.emit(ScrapeFailed {
            part: "queue_depth",
            queue: Some("inbox.dk-a"),
            error: "NOT_FOUND".into(),
        });
        let read = metrics.encode(&Snapshot {
            outbox: Some(Backlog {
                pending: 3,
                lag_seconds: 1.5,
            }),
            depths: vec![("hub.ingress".into(), 7)],
            certificate_expiry: Some(1_830_893_867),
        });
        assert_eq!(sample(&read, "hub_outbox_pending"), Some(3.0));
        assert_eq!(sample(&read, "hub_outbox_lag_seconds"), Some(1.5));
        assert_eq!(
            sample(&read, "hub_queue_depth{queue=\"hub.ingress\"}"),
            Some(7.0)
        );
        assert_eq!(sample(&read, "hub_queue_depth{queue=\"inbox.dk-a\"}"), None);
        assert_eq!(
            sample(&read, "hub_queue_depth_errors_total{queue=\"inbox.dk-a\"}"),
            Some(1.0)
        );
        assert_eq!(
            sample(&read, "hub_tls_certificate_expiry_timestamp_seconds"),
            Some(1_830_893_867.0)
        );
        assert_eq!(read.matches("# EOF").count(), 1, "{read}");
    }

    #[test]
    fn the_audit_chain_gauge_says_what_the_last_check_found() {
        let metrics = Metrics::new();
        let gauges = |metrics: &Metrics| {
            let text = metrics.encode(&Snapshot::default());
            (
                sample(&text, "hub_audit_chain_intact"),
                sample(&text, "hub_audit_chain_checked_timestamp_seconds"),
            )
        };
        metrics.record_audit_check(AuditStatus {
            intact: true,
            checked_at: 1_700_000_000,
        });
        assert_eq!(gauges(&metrics), (Some(1.0), Some(1_700_000_000.0)));
        metrics.record_audit_check(AuditStatus {
            intact: false,
            checked_at: 1_700_000_300,
        });
        assert_eq!(gauges(&metrics), (Some(0.0), Some(1_700_000_300.0)));
    }

    #[test]
    fn the_consuming_flag_lasts_as_long_as_its_guard() {
        let metrics = Metrics::new();
        assert!(!metrics.is_ingress_consuming());
        let guard = metrics.ingress_consuming();
        assert!(metrics.is_ingress_consuming());
        drop(guard);
        assert!(!metrics.is_ingress_consuming());
    }
}
