//! What to write for one delivery from the ingress, decided before any I/O.
//!
//! [`intake`] takes the raw delivery (its bytes, the exchange it came through, its AMQP
//! message id) and decodes or refuses it; [`route`] takes a decoded message, the directory,
//! policy and loaded state, and the ids and time it may use, and returns an [`Accepted`]:
//! the rows to insert and the messages to put in the outbox. The database layer only writes
//! these; the routing core only decides.

use chrono::{DateTime, Utc};
use hub_core::replies::{self, InReplyTo, ReplyContext};
use hub_core::{Decision, Effect, World, audit, decide};
use schemas::messages::Refusal;
use schemas::{AgencyId, AgencyRole, DataCategory, Message, MessageId, ReasonCode};

use crate::settings::Secret;
use uuid::Uuid;

/// Namespace for deterministic outbox ids: UUIDv5(namespace, sender + message id + recipient).
const OUTBOX_NAMESPACE: Uuid = Uuid::from_u128(0x6f0e_2c1d_9a4b_4f7e_8d3c_5b2a_1e0f_9c8d);

/// One delivery as it came off the ingress queue.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Raw<'a> {
    /// The exchange it was published to: the broker-authenticated sender.
    pub exchange: &'a str,
    /// The AMQP `user_id` property, validated by the broker when present.
    pub user_id: Option<&'a str>,
    /// What this installation's agency logins start with (`broker.user_prefix`), for
    /// reading `user_id`.
    pub user_prefix: &'a str,
    /// The AMQP `message_id` property, if any.
    pub amqp_message_id: Option<&'a str>,
    pub body: &'a [u8],
}

/// Inputs the planner may not invent: the clock and fresh ids.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Inputs {
    pub now: DateTime<Utc>,
    /// The id of the hub's reply, if one is sent.
    pub reply_id: MessageId,
    /// A correlation id for a reply to a message whose own could not be read.
    pub fallback_correlation: Uuid,
    /// The id of a dead-letter row, if one is written.
    pub dead_letter_id: Uuid,
}

/// A row of the outbox: one message for one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Deterministic: the same message and recipient always give the same id.
    pub id: Uuid,
    /// Who gets it.
    pub recipient: AgencyId,
    /// The message id it carries.
    pub message_id: Uuid,
    /// Its correlation id.
    pub correlation_id: Uuid,
    /// Its type, as on the wire.
    pub message_type: &'static str,
    /// Its sender (an agency, or the hub).
    pub sender: AgencyId,
    /// The bytes to publish.
    pub payload: Vec<u8>,
    /// The consent it travels under, checked again when it is published.
    pub consent_id: Option<Uuid>,
}

/// A refused input kept for inspection.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct DeadLetterRow {
    pub id: Uuid,
    /// The authenticated sender, or `unknown`.
    pub sender: String,
    /// The AMQP message id, if any.
    pub amqp_message_id: Option<String>,
    /// Why it was refused.
    pub reason: ReasonCode,
    /// Why, in words (no values from the message).
    pub detail: String,
    /// SHA-256 of the whole body as received.
    pub body_sha256: [u8; 32],
    /// The size of the whole body as received, in bytes.
    pub size_bytes: usize,
    /// The first [`DEAD_LETTER_PREFIX`] bytes of the body, enough to inspect what went
    /// wrong: a refused input is never kept whole, so no agency can fill the hub's
    /// database by sending large refused messages.
    pub body: Vec<u8>,
}

/// How much of a refused input a dead letter keeps.
pub const DEAD_LETTER_PREFIX: usize = 4096;

/// One recipient decision for the disclosure log.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct DecisionRow {
    pub recipient: AgencyId,
    /// Whether it was delivered to.
    pub delivered: bool,
    /// The gateway that allowed it.
    pub gateway: Option<String>,
    /// Per category disclosed, the gateway that allowed it, as `CATEGORY=GATEWAY`.
    pub basis: Vec<String>,
    /// The categories disclosed.
    pub categories: Vec<DataCategory>,
    /// Why it was refused.
    pub reason: Option<ReasonCode>,
    /// Optional categories removed before delivery.
    pub removed: Vec<DataCategory>,
}

/// A decoded message to record, keyed by (sender, message id) for deduplication.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Accepted {
    /// The broker-authenticated sender: every row about the message is keyed by it, never
    /// by the `envelope.sender` the body claims (they differ when a message is refused as
    /// `SENDER_MISMATCH`, e.g. an agency forwarding another's message).
    pub sender: AgencyId,
    pub message: Message,
    /// SHA-256 of its bytes: a redelivery has the same; a reused id does not.
    pub body_sha256: [u8; 32],
    /// Whether it was routed (true) or refused as a whole.
    pub routed: bool,
    /// The refusal reason, when refused as a whole.
    pub reason: Option<ReasonCode>,
    /// The disclosure log rows.
    pub decisions: Vec<DecisionRow>,
    /// Deliveries and the reply to the sender.
    pub outbox: Vec<OutboxRow>,
    /// Kept for inspection when refused as a whole.
    pub dead_letter: Option<DeadLetterRow>,
    /// State changes to record.
    pub effects: Vec<Effect>,
}

/// Input that is refused before it could be routed at all.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Kept for inspection.
    pub dead_letter: DeadLetterRow,
    /// The `Undeliverable` to the sender, when the sender is known.
    pub reply: Option<OutboxRow>,
}

/// A delivery that passed intake: a decoded message from a known broker identity.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Decoded {
    /// The broker-authenticated sender.
    pub sender: AgencyId,
    pub message: Message,
    /// SHA-256 of its bytes: a redelivery has the same; a reused id does not.
    pub body_sha256: [u8; 32],
    /// The bytes as received.
    pub body: Vec<u8>,
}

/// The first look at a delivery, before any state is read.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Intake {
    /// A message to decide on.
    Decoded(Decoded),
    /// Input refused before routing.
    Refused(Refused),
}

impl Accepted {
    /// The audit entry for a decoded message: ids, type, outcome; no personal data.
    pub fn audit_detail(&self) -> serde_json::Value {
        let a = self;
        serde_json::json!({
                "kind": if a.routed { "routed" } else { "refused" },
                "sender": a.sender,
                "message_id": a.message.envelope.message_id,
                "message_type": a.message.envelope.message_type,
                "reason": a.reason,
                "delivered_to": a.decisions.iter().filter(|d| d.delivered).map(|d| &d.recipient).collect::<Vec<_>>(),
                "refused": a.decisions.iter().filter(|d| !d.delivered).map(|d| serde_json::json!({"recipient": d.recipient, "reason": d.reason})).collect::<Vec<_>>(),
        })
    }
}

impl Refused {
    /// The audit entry for refused input.
    pub fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": "dead_letter",
            "sender": self.dead_letter.sender,
            "dead_letter_id": self.dead_letter.id,
            "reason": self.dead_letter.reason,
        })
    }
}

/// The id of the outbox row that carries message `message_id` from `sender` to `recipient`:
/// the same for every delivery of that message, and scoped by the broker-authenticated
/// sender, so an agency that reuses another's message id (by mistake or to make it vanish)
/// gets rows of its own and never collides with the other's. Agency ids cannot contain
/// '/', so the parts cannot run into each other.
pub fn outbox_id(sender: &AgencyId, message_id: Uuid, recipient: &AgencyId) -> Uuid {
    let mut name = Vec::with_capacity(96);
    name.extend_from_slice(sender.as_str().as_bytes());
    name.push(b'/');
    name.extend_from_slice(message_id.as_bytes());
    name.push(b'/');
    name.extend_from_slice(recipient.as_str().as_bytes());
    Uuid::new_v5(&OUTBOX_NAMESPACE, &name)
}

/// A reply is written only together with the row that deduplicates what it answers (the
/// message, or the dead letter), so a redelivery never sends a second reply.
fn reply_row(hub: &AgencyId, reply: &Message) -> OutboxRow {
    let to = reply.envelope.recipients[0].clone();
    OutboxRow {
        id: outbox_id(hub, reply.envelope.message_id.as_uuid(), &to),
        recipient: to,
        message_id: reply.envelope.message_id.as_uuid(),
        correlation_id: reply.envelope.correlation_id,
        message_type: reply.envelope.message_type.as_str(),
        sender: hub.clone(),
        payload: reply.to_json(),
        consent_id: None,
    }
}

fn reply_context(hub: &AgencyId, inputs: &Inputs) -> ReplyContext {
    ReplyContext {
        hub: hub.clone(),
        message_id: inputs.reply_id,
        fallback_correlation: inputs.fallback_correlation,
        now: inputs.now,
    }
}

fn refused(
    hub: &AgencyId,
    inputs: &Inputs,
    raw: Raw<'_>,
    sender: Option<&AgencyId>,
    answered: InReplyTo<'_>,
    reason: ReasonCode,
    detail: String,
) -> Refused {
    let ctx = reply_context(hub, inputs);
    let reply = sender.map(|s| {
        let msg = replies::undeliverable(&ctx, s, answered, reason, detail.clone(), Vec::new());
        reply_row(hub, &msg)
    });
    Refused {
        dead_letter: DeadLetterRow {
            id: inputs.dead_letter_id,
            sender: sender.map_or_else(|| "unknown".to_owned(), ToString::to_string),
            // Printable ASCII only: the property is the sender's free text, and a NUL would
            // make the row itself impossible to store.
            amqp_message_id: raw.amqp_message_id.map(|s| {
                s.chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(128)
                    .collect()
            }),
            reason,
            detail,
            body_sha256: audit::body_hash(raw.body),
            size_bytes: raw.body.len(),
            body: raw.body[..raw.body.len().min(DEAD_LETTER_PREFIX)].to_vec(),
        },
        reply,
    }
}

/// The first look at a delivery: who sent it (from the exchange), its size, and decoding.
pub fn intake(hub: &AgencyId, max_bytes: usize, raw: Raw<'_>, inputs: &Inputs) -> Intake {
    let amqp_id = raw.amqp_message_id.and_then(|s| Uuid::parse_str(s).ok());
    let undecoded = InReplyTo::Undecoded(amqp_id);
    let sender = broker::topology::agency_of_submit_exchange(raw.exchange);
    let Some(sender) = sender else {
        let detail = "arrived through an exchange that is not an agency's submit exchange";
        return Intake::Refused(refused(
            hub,
            inputs,
            raw,
            None,
            undecoded,
            ReasonCode::UnknownSender,
            detail.into(),
        ));
    };
    let refuse = |reason, detail| {
        Intake::Refused(refused(
            hub,
            inputs,
            raw,
            Some(&sender),
            undecoded,
            reason,
            detail,
        ))
    };
    if raw
        .user_id
        .is_some_and(|u| !broker::topology::is_agency_user(raw.user_prefix, u, &sender))
    {
        let detail = "the connection's user is not the owner of the submit exchange".to_owned();
        return refuse(ReasonCode::SenderMismatch, detail);
    }
    if raw.body.len() > max_bytes {
        let detail = format!(
            "{} bytes; the hub accepts at most {max_bytes}",
            raw.body.len()
        );
        return refuse(ReasonCode::Oversized, detail);
    }
    match schemas::decode(raw.body) {
        Ok(message) => Intake::Decoded(Decoded {
            sender: sender.clone(),
            message,
            body_sha256: audit::body_hash(raw.body),
            body: raw.body.to_vec(),
        }),
        Err(e) => refuse(e.reason(), e.to_string()),
    }
}

/// The refusal of a delivery the hub could not record (the database refused its rows for a
/// reason other than availability): kept for inspection and answered, never retried.
pub fn unprocessable(hub: &AgencyId, max_bytes: usize, raw: Raw<'_>, inputs: &Inputs) -> Refused {
    let detail = "the hub could not record this message; it was delivered to no one and is kept for inspection".to_owned();
    match intake(hub, max_bytes, raw, inputs) {
        Intake::Decoded(decoded) => refused(
            hub,
            inputs,
            raw,
            Some(&decoded.sender),
            InReplyTo::Decoded(&decoded.message.envelope),
            ReasonCode::Unprocessable,
            detail,
        ),
        Intake::Refused(mut refusal) => {
            refusal.dead_letter.reason = ReasonCode::Unprocessable;
            refusal.dead_letter.detail = detail;
            refusal
        }
    }
}

/// The refusal of a message whose id was already used for different content.
pub fn id_conflict(hub: &AgencyId, decoded: &Decoded, inputs: &Inputs, raw: Raw<'_>) -> Refused {
    let envelope = &decoded.message.envelope;
    refused(
        hub,
        inputs,
        raw,
        Some(&decoded.sender),
        InReplyTo::Decoded(envelope),
        ReasonCode::DuplicateIdConflict,
        format!(
            "message id {} was already used for a different message",
            envelope.message_id
        ),
    )
}

/// The bytes a recipient gets: the original, or a copy whose envelope names the gateway the
/// hub delivered it under (so the recipient's agent can quarantine it if that consent is
/// withdrawn) and without the categories removed for this recipient. A contact point
/// (`contact_point_key` given) gets the person under its own pseudonym and no case id, so
/// what it receives cannot be joined with what agencies hold.
fn payload_for(
    decoded: &Decoded,
    delivery: &hub_core::Delivery,
    contact_point_key: Option<&Secret>,
) -> Vec<u8> {
    let envelope = &decoded.message.envelope;
    let body = &decoded.message.body;
    let identifiable = envelope.subject.is_some() || envelope.case_id.is_some();
    if delivery.removed.is_empty()
        && envelope.gateway.as_ref() == Some(&delivery.gateway)
        && !body.has_copies_for_others(&delivery.recipient)
        && !(contact_point_key.is_some() && identifiable)
    {
        return decoded.body.clone();
    }
    let removed = delivery.removed.iter().copied().collect();
    let mut envelope = envelope.clone();
    envelope.withheld = delivery.removed.clone();
    envelope.withheld.sort();
    envelope.withheld.dedup();
    envelope.data_categories = delivery.categories.clone();
    envelope.gateway = Some(delivery.gateway.clone());
    if let Some(key) = contact_point_key {
        envelope.subject = envelope
            .subject
            .as_ref()
            .map(|s| hub_core::contact_point::pseudonym(key.expose(), s));
        envelope.case_id = None;
    }
    // Each recipient gets only its own sealed copy: nobody learns who else can read it.
    let trimmed = Message {
        envelope,
        body: body.clone(),
    }
    .without(&removed);
    Message {
        body: trimmed.body.for_recipient(&delivery.recipient),
        ..trimmed
    }
    .to_json()
}

fn consent_of(gateway: &schemas::GatewayRef) -> Option<Uuid> {
    match gateway.parse() {
        schemas::Gateway::Consent { consent_id, .. } => Some(consent_id),
        schemas::Gateway::Statute(_) => None,
    }
}

/// Decides a decoded message against the state in `world` and lists what to write.
pub fn route(
    hub: &AgencyId,
    decoded: &Decoded,
    world: &World<'_>,
    inputs: &Inputs,
    contact_point_key: &Secret,
) -> Accepted {
    let ctx = reply_context(hub, inputs);
    let sender = &decoded.sender;
    let message = &decoded.message;
    let envelope = &message.envelope;
    let answered = InReplyTo::Decoded(envelope);
    let mut decisions = Vec::new();
    let mut outbox = Vec::new();
    let (routed, reason, dead_letter, reply, effects) = match decide(world, sender, message) {
        Decision::Route {
            deliveries,
            refused,
            effects,
        } => {
            for d in &deliveries {
                outbox.push(OutboxRow {
                    id: outbox_id(sender, envelope.message_id.as_uuid(), &d.recipient),
                    recipient: d.recipient.clone(),
                    message_id: envelope.message_id.as_uuid(),
                    correlation_id: envelope.correlation_id,
                    message_type: envelope.message_type.as_str(),
                    sender: sender.clone(),
                    payload: payload_for(
                        decoded,
                        d,
                        world
                            .directory
                            .get(&d.recipient)
                            .is_some_and(|r| r.role == AgencyRole::NationalContactPoint)
                            .then_some(contact_point_key),
                    ),
                    consent_id: consent_of(&d.gateway),
                });
                decisions.push(DecisionRow {
                    recipient: d.recipient.clone(),
                    delivered: true,
                    gateway: Some(d.gateway.to_string()),
                    basis: d
                        .basis
                        .iter()
                        .map(|(c, g)| format!("{}={g}", schemas::vocab::enum_text(c)))
                        .collect(),
                    categories: d.categories.clone(),
                    reason: None,
                    removed: d.removed.clone(),
                });
            }
            decisions.extend(refused_rows(&refused));
            let delivered_to = deliveries.into_iter().map(|d| d.recipient).collect();
            let reply = replies::receipt(&ctx, sender, envelope, delivered_to, refused);
            (true, None, None, reply, effects)
        }
        Decision::Reject {
            reason,
            detail,
            refused: refusals,
        } => {
            decisions.extend(refused_rows(&refusals));
            let raw = Raw {
                exchange: "",
                user_id: None,
                user_prefix: "",
                amqp_message_id: None,
                body: &decoded.body,
            };
            let kept = refused(
                hub,
                inputs,
                raw,
                Some(sender),
                answered,
                reason,
                detail.clone(),
            );
            let reply = replies::undeliverable(&ctx, sender, answered, reason, detail, refusals);
            (
                false,
                Some(reason),
                Some(kept.dead_letter),
                reply,
                hub_core::routing::refusal_effects(world, &decoded.sender, message),
            )
        }
    };
    outbox.push(reply_row(hub, &reply));
    Accepted {
        sender: sender.clone(),
        message: message.clone(),
        body_sha256: decoded.body_sha256,
        routed,
        reason,
        decisions,
        outbox,
        dead_letter,
        effects,
    }
}

fn refused_rows(refused: &[Refusal]) -> impl Iterator<Item = DecisionRow> + '_ {
    refused.iter().map(|r| DecisionRow {
        recipient: r.recipient.clone(),
        delivered: false,
        gateway: None,
        basis: Vec::new(),
        categories: Vec::new(),
        reason: Some(r.reason),
        removed: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connections_user_names_the_sender_under_the_installations_prefix() {
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/examples/ReleaseNotice.json"
        ))
        .unwrap();
        let message = schemas::decode(&body).unwrap();
        let sender = message.envelope.sender.as_str();
        let exchange = format!("submit.{sender}");
        let inputs = Inputs {
            now: Utc::now(),
            reply_id: MessageId::new(),
            fallback_correlation: Uuid::nil(),
            dead_letter_id: Uuid::nil(),
        };
        let hub = AgencyId::try_from("hub").unwrap();
        let reason = |user: &str, prefix: &str| {
            let raw = Raw {
                exchange: &exchange,
                user_id: Some(user),
                user_prefix: prefix,
                amqp_message_id: None,
                body: &body,
            };
            match intake(&hub, 1 << 20, raw, &inputs) {
                Intake::Decoded(d) => {
                    assert_eq!(d.sender.as_str(), sender);
                    None
                }
                Intake::Refused(r) => Some(r.dead_letter.reason),
            }
        };
        assert_eq!(reason(&format!("second.{sender}"), "second."), None);
        assert_eq!(reason(sender, ""), None);
        let mismatch = Some(ReasonCode::SenderMismatch);
        assert_eq!(reason(sender, "second."), mismatch, "no prefix: not ours");
        assert_eq!(reason(&format!("second.{sender}"), ""), mismatch);
        assert_eq!(reason("second.dk-politi", "second."), mismatch);
    }

    fn outcome_report() -> Decoded {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/examples/OutcomeReport.json"
        );
        let body = std::fs::read(path).expect("the example");
        let message = schemas::decode(&body).expect("the example decodes");
        Decoded {
            sender: message.envelope.sender.clone(),
            message,
            body_sha256: [0; 32],
            body,
        }
    }

    #[test]
    fn a_contact_point_gets_its_own_pseudonym_and_no_case_id() {
        let decoded = outcome_report();
        let original = &decoded.message.envelope;
        let subject = original
            .subject
            .clone()
            .expect("the example names a person");
        assert!(original.case_id.is_some(), "the example names a case");
        let delivery = hub_core::Delivery {
            recipient: original.recipients[0].clone(),
            gateway: original
                .gateway
                .clone()
                .expect("the example names a gateway"),
            categories: original.data_categories.clone(),
            removed: Vec::new(),
            basis: Vec::new(),
        };
        let key = Secret::from("contact-point-key");

        let to_agency = schemas::decode(&payload_for(&decoded, &delivery, None)).unwrap();
        assert_eq!(to_agency.envelope.subject.as_ref(), Some(&subject));

        let to_contact_point =
            schemas::decode(&payload_for(&decoded, &delivery, Some(&key))).unwrap();
        let pseudonym = to_contact_point.envelope.subject.expect("a pseudonym");
        assert_ne!(pseudonym, subject);
        assert_eq!(
            pseudonym,
            hub_core::contact_point::pseudonym(key.expose(), &subject)
        );
        assert_eq!(to_contact_point.envelope.case_id, None);
        assert_eq!(to_contact_point.body, decoded.message.body);
    }
}
