//! The agent's Prometheus metrics, served at `GET /metrics` by [`crate::http`].
//!
//! Counted as the service works, each by one event struct that both logs and counts it:
//! - `agent_messages_published_total{message_type}`: messages the broker confirmed into the
//!   agency's submit exchange (the agent's own `KeyPublished` at each start among them);
//! - `agent_messages_received_total{message_type}`: deliveries from the inbox stored as new;
//! - `agent_duplicates_dropped_total{message_type}`: deliveries already held, acknowledged
//!   and dropped;
//! - `agent_undeliverables_received_total{reason}`: new `Undeliverable`s from the hub, by
//!   reason code;
//! - `agent_deliveries_rejected_total{reason}`: deliveries that did not decode, kept in
//!   `rejected`;
//! - `agent_inbox_consuming`: 1 while the service consumes its inbox, else 0.
//!
//! Read at each scrape, and left out of it when they cannot be read (the failure is counted
//! in `agent_scrape_errors_total{part}` instead, never reported as 0):
//! - `agent_outbox_pending` and `agent_outbox_lag_seconds`: messages stored but not yet
//!   confirmed by the broker, and the age of the oldest, from the store (`part="outbox"`);
//! - `agent_inbox_queue_depth`: messages ready in the agency's inbox queue on the broker, by
//!   passive declare on a connection of the metrics' own (`part="inbox_queue"`; the broker
//!   checks no permission for a passive declare, so the agency's user may). Only when the
//!   metrics were made [`Metrics::with_inbox_depth`], as `agent run` does;
//! - `agent_tls_certificate_expiry_timestamp_seconds`: the `notAfter` of the agency's broker
//!   client certificate (`broker.tls.cert_file`), when the metrics were made
//!   [`Metrics::with_inbox_depth`] with an endpoint that uses one (`part="certificate"`).
//!
//! Labels are message types and reason codes only: never case ids, pseudonyms or bodies.

use std::sync::Arc;
use std::time::Duration;

use broker::depth::QueueDepths;
use broker::metrics::{Flag, Raised, exposition};
use broker::{BrokerEndpoint, Credentials};
use chrono::Utc;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};
use schemas::{AgencyId, Body, Message, ReasonCode};
use tracing::{info, warn};

use crate::store::Store;

/// How long a scrape waits for the store and for the broker, each.
const SCRAPE_LIMIT: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabel {
    message_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartLabel {
    part: &'static str,
}

/// The agent's metrics, shared by its service and its HTTP server (cheap to clone).
#[derive(Clone, Debug)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    published: Family<TypeLabel, Counter>,
    received: Family<TypeLabel, Counter>,
    duplicates: Family<TypeLabel, Counter>,
    undeliverables: Family<ReasonLabel, Counter>,
    rejected: Family<ReasonLabel, Counter>,
    consuming: Flag,
    scrape_errors: Family<PartLabel, Counter>,
    inbox: Option<InboxQueue>,
}

#[derive(Debug)]
struct InboxQueue {
    endpoint: BrokerEndpoint,
    credentials: Credentials,
    queue: String,
    depths: QueueDepths,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every counter at zero, not consuming, no inbox queue depth.
    pub fn new() -> Self {
        Self::build(None)
    }

    /// As [`Metrics::new`], and a scrape also reads the depth of `agent`'s inbox queue
    /// (`queue`) on the broker, logging in as the agency.
    pub fn with_inbox_depth(
        endpoint: BrokerEndpoint,
        credentials: Credentials,
        agent: &AgencyId,
        queue: String,
    ) -> Self {
        Self::build(Some(InboxQueue {
            endpoint,
            credentials,
            queue,
            depths: QueueDepths::new(format!("agent {agent} metrics")),
        }))
    }

    fn build(inbox: Option<InboxQueue>) -> Self {
        let mut registry = Registry::default();
        let published = Family::<TypeLabel, Counter>::default();
        registry.register(
            "agent_messages_published",
            "Messages the broker confirmed into the agency's submit exchange, by message type",
            published.clone(),
        );
        let received = Family::<TypeLabel, Counter>::default();
        registry.register(
            "agent_messages_received",
            "Deliveries from the inbox stored as new, by message type",
            received.clone(),
        );
        let duplicates = Family::<TypeLabel, Counter>::default();
        registry.register(
            "agent_duplicates_dropped",
            "Deliveries already held, acknowledged and dropped, by message type",
            duplicates.clone(),
        );
        let undeliverables = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "agent_undeliverables_received",
            "Undeliverables from the hub (a sent message refused), by reason code",
            undeliverables.clone(),
        );
        let rejected = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "agent_deliveries_rejected",
            "Deliveries that did not decode, kept in rejected, by reason code",
            rejected.clone(),
        );
        let consuming = Flag::default();
        registry.register(
            "agent_inbox_consuming",
            "1 while the service consumes its inbox, else 0",
            consuming.gauge(),
        );
        let scrape_errors = Family::<PartLabel, Counter>::default();
        registry.register(
            "agent_scrape_errors",
            "Scrapes that could not read a part (outbox, inbox_queue, certificate); it was left \
             out of them",
            scrape_errors.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                published,
                received,
                duplicates,
                undeliverables,
                rejected,
                consuming,
                scrape_errors,
                inbox,
            }),
        }
    }

    /// Logs and counts one event.
    pub fn emit(&self, event: impl InternalEvent) {
        event.emit(self);
    }

    /// Marks the inbox as consumed until the guard is dropped.
    pub fn consuming(&self) -> Raised {
        self.inner.consuming.raise()
    }

    /// Whether the service is consuming its inbox.
    pub fn is_consuming(&self) -> bool {
        self.inner.consuming.is_raised()
    }

    /// Reads what a scrape reports besides the counters, and encodes the exposition.
    pub async fn scrape(&self, store: &Store) -> String {
        let outbox = async {
            match tokio::time::timeout(SCRAPE_LIMIT, store.outbox_backlog()).await {
                Ok(Ok((pending, oldest))) => Some(Backlog {
                    pending,
                    lag_seconds: oldest.map_or(0.0, |at| {
                        ((Utc::now() - at).num_milliseconds() as f64 / 1000.0).max(0.0)
                    }),
                }),
                outcome => {
                    self.emit(ScrapeFailed {
                        part: "outbox",
                        error: match outcome {
                            Ok(Err(e)) => e.to_string(),
                            _ => "timed out".into(),
                        },
                    });
                    None
                }
            }
        };
        let depth = async {
            let inbox = self.inner.inbox.as_ref()?;
            let queues = [inbox.queue.clone()];
            let read = inbox
                .depths
                .read(&inbox.endpoint, &inbox.credentials, &queues, SCRAPE_LIMIT)
                .await;
            match read.into_iter().next()? {
                Ok(depth) => Some(depth),
                Err(e) => {
                    self.emit(ScrapeFailed {
                        part: "inbox_queue",
                        error: e.to_string(),
                    });
                    None
                }
            }
        };
        let certificate = async {
            let tls = self.inner.inbox.as_ref()?.endpoint.tls.as_ref()?;
            broker::certificate::file_not_after(&tls.cert_file)
                .await
                .map_err(|e| {
                    self.emit(ScrapeFailed {
                        part: "certificate",
                        error: e.to_string(),
                    })
                })
                .ok()
        };
        let (outbox, inbox_depth, certificate_expiry) = tokio::join!(outbox, depth, certificate);
        self.encode(&Snapshot {
            outbox,
            inbox_depth,
            certificate_expiry,
        })
    }

    /// The exposition: everything counted, plus what `snapshot` could read.
    pub fn encode(&self, snapshot: &Snapshot) -> String {
        let mut scraped = Registry::default();
        if let Some(backlog) = snapshot.outbox {
            scraped.register(
                "agent_outbox_pending",
                "Messages stored but not yet confirmed by the broker",
                ConstGauge::new(backlog.pending),
            );
            scraped.register_with_unit(
                "agent_outbox_lag",
                "Age of the oldest message stored but not yet confirmed (0 when none)",
                Unit::Seconds,
                ConstGauge::new(backlog.lag_seconds),
            );
        }
        if let Some(depth) = snapshot.inbox_depth {
            scraped.register(
                "agent_inbox_queue_depth",
                "Messages ready in the agency's inbox queue on the broker",
                ConstGauge::new(i64::from(depth)),
            );
        }
        if let Some(not_after) = snapshot.certificate_expiry {
            scraped.register_with_unit(
                "agent_tls_certificate_expiry_timestamp",
                "When the agency's broker client certificate expires (its notAfter, Unix time)",
                Unit::Seconds,
                ConstGauge::new(not_after),
            );
        }
        exposition(&[&self.inner.registry, &scraped])
    }
}

/// The outbox backlog: messages stored but not yet confirmed.
pub use broker::metrics::Backlog;

/// What a scrape read: each part only when it could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The outbox backlog.
    pub outbox: Option<Backlog>,
    /// Messages ready in the inbox queue.
    pub inbox_depth: Option<u32>,
    /// When the broker client certificate expires, in seconds since the Unix epoch.
    pub certificate_expiry: Option<i64>,
}

/// Something that happened in the agent, logged and counted by one struct.
pub trait InternalEvent {
    /// Logs and counts it.
    fn emit(self, metrics: &Metrics);
}

/// The broker confirmed a message into the agency's submit exchange.
#[derive(Debug, Clone, Copy)]
pub struct Published<'a> {
    /// This agency.
    pub agency: &'a AgencyId,
    /// The message's id.
    pub message_id: &'a str,
    /// Its type, as stored.
    pub message_type: &'static str,
}

impl InternalEvent for Published<'_> {
    fn emit(self, metrics: &Metrics) {
        info!(agency = %self.agency, message_id = self.message_id, message_type = self.message_type, "sent to the hub");
        metrics
            .inner
            .published
            .get_or_create(&TypeLabel {
                message_type: self.message_type,
            })
            .inc();
    }
}

/// A delivery from the inbox decoded and was stored (`new`) or was already held. Logged in
/// the message's span, which the caller enters.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Received<'a> {
    pub message: &'a Message,
    /// Whether it was stored as new (a key directory: newer than the one held).
    pub new: bool,
}

impl InternalEvent for Received<'_> {
    fn emit(self, metrics: &Metrics) {
        let label = TypeLabel {
            message_type: self.message.envelope.message_type.as_str(),
        };
        match &self.message.body {
            Body::KeyDirectory(d) => {
                info!(
                    version = d.version,
                    kept = self.new,
                    "key directory received"
                );
            }
            _ => info!(duplicate = !self.new, "received"),
        }
        if !self.new {
            metrics.inner.duplicates.get_or_create(&label).inc();
            return;
        }
        metrics.inner.received.get_or_create(&label).inc();
        if let Body::Undeliverable(u) = &self.message.body {
            metrics
                .inner
                .undeliverables
                .get_or_create(&ReasonLabel {
                    reason: u.reason.as_str(),
                })
                .inc();
        }
    }
}

/// A delivery did not decode; it was kept in `rejected` and acknowledged.
#[derive(Debug, Clone, Copy)]
pub struct Rejected {
    /// Why, as the hub would say it.
    pub reason: ReasonCode,
}

impl InternalEvent for Rejected {
    fn emit(self, metrics: &Metrics) {
        warn!(
            reason = self.reason.as_str(),
            "a delivery did not decode; kept in rejected"
        );
        metrics
            .inner
            .rejected
            .get_or_create(&ReasonLabel {
                reason: self.reason.as_str(),
            })
            .inc();
    }
}

/// A scrape could not read a part; it is left out of that scrape.
#[derive(Debug)]
#[allow(missing_docs)] // fields named for what they hold
pub struct ScrapeFailed {
    /// `outbox`, `inbox_queue` or `certificate`.
    pub part: &'static str,
    pub error: String,
}

impl InternalEvent for ScrapeFailed {
    fn emit(self, metrics: &Metrics) {
        warn!(part = self.part, error = %self.error, "metrics: could not read; left out of this scrape");
        metrics
            .inner
            .scrape_errors
            .get_or_create(&PartLabel { part: self.part })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    fn example(name: &str) -> Message {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/examples")
            .join(format!("{name}.json"));
        schemas::decode(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn received_messages_count_by_type_duplicates_apart_and_undeliverables_by_reason() {
        let metrics = Metrics::new();
        let notice = example("ReleaseNotice");
        let refused = example("Undeliverable");
        let Body::Undeliverable(u) = &refused.body else {
            unreachable!()
        };
        metrics.emit(Received {
            message: &notice,
            new: true,
        });
        metrics.emit(Received {
            message: &notice,
            new: false,
        });
        metrics.emit(Received {
            message: &refused,
            new: true,
        });
        // A duplicate Undeliverable is not a second refusal.
        metrics.emit(Received {
            message: &refused,
            new: false,
        });
        metrics.emit(Rejected {
            reason: ReasonCode::MalformedJson,
        });
        let agency = AgencyId::try_from("dk-a").unwrap();
        metrics.emit(Published {
            agency: &agency,
            message_id: "m",
            message_type: "KeyPublished",
        });
        let text = metrics.encode(&Snapshot::default());
        let n = |series: &str| sample(&text, series);
        let t = |name, ty| format!("{name}{{message_type=\"{ty}\"}}");
        assert_eq!(
            n(&t("agent_messages_received_total", "ReleaseNotice")),
            Some(1.0)
        );
        assert_eq!(
            n(&t("agent_duplicates_dropped_total", "ReleaseNotice")),
            Some(1.0)
        );
        assert_eq!(
            n(&t("agent_messages_received_total", "Undeliverable")),
            Some(1.0)
        );
        assert_eq!(
            n(&format!(
                "agent_undeliverables_received_total{{reason=\"{}\"}}",
                u.reason.as_str()
            )),
            Some(1.0)
        );
        assert_eq!(
            n("agent_deliveries_rejected_total{reason=\"MALFORMED_JSON\"}"),
            Some(1.0)
        );
        assert_eq!(
            n(&t("agent_messages_published_total", "KeyPublished")),
            Some(1.0)
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn what_a_scrape_could_not_read_is_left_out_not_reported_as_zero() {
        let metrics = Metrics::new();
        let unread = metrics.encode(&Snapshot::default());
        assert!(!unread.contains("agent_outbox_pending"), "{unread}");
        assert!(!unread.contains("agent_inbox_queue_depth"), "{unread}");
        assert!(!unread.contains("agent_tls_certificate"), "{unread}");
        let read = metrics.encode(&Snapshot {
            outbox: Some(Backlog {
                pending: 2,
                lag_seconds: 0.5,
            }),
            inbox_depth: Some(4),
            certificate_expiry: Some(1_830_893_867),
        });
        assert_eq!(sample(&read, "agent_outbox_pending"), Some(2.0));
        assert_eq!(sample(&read, "agent_outbox_lag_seconds"), Some(0.5));
        assert_eq!(sample(&read, "agent_inbox_queue_depth"), Some(4.0));
        assert_eq!(
            sample(&read, "agent_tls_certificate_expiry_timestamp_seconds"),
            Some(1_830_893_867.0)
        );
        assert_eq!(read.matches("# EOF").count(), 1);
    }

    #[test]
    fn consuming_lasts_as_long_as_its_guard() {
        let metrics = Metrics::new();
        let guard = metrics.consuming();
        assert!(metrics.is_consuming());
        assert_eq!(
            sample(
                &metrics.encode(&Snapshot::default()),
                "agent_inbox_consuming"
            ),
            Some(1.0)
        );
        drop(guard);
        assert!(!metrics.is_consuming());
    }
}
