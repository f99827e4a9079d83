//! The hub's own messages to a sender: a `Receipt` or an `Undeliverable`. Ids and time are
//! inputs, so a reply is decided once and stored with the decision.

use chrono::{DateTime, Utc};
use schemas::messages::{Receipt, Refusal, Undeliverable};
use schemas::{
    AgencyId, Body, Envelope, Message, MessageId, MessageType, Purpose, ReasonCode, SCHEMA_VERSION,
};
use uuid::Uuid;

/// What the hub knows of the message it answers: everything when it decoded, less when not.
#[derive(Debug, Clone, Copy)]
pub enum InReplyTo<'a> {
    /// A message that decoded.
    Decoded(&'a Envelope),
    /// A message that did not decode; the AMQP message id, when it was a UUID.
    Undecoded(Option<Uuid>),
}

/// Ids and time for one reply.
#[derive(Debug, Clone)]
pub struct ReplyContext {
    /// The hub's own agency id, the sender of every reply.
    pub hub: AgencyId,
    /// The reply's message id.
    pub message_id: MessageId,
    /// Correlation id when the answered message has none to copy.
    pub fallback_correlation: Uuid,
    /// When the reply is sent.
    pub now: DateTime<Utc>,
}

fn envelope(
    ctx: &ReplyContext,
    to: &AgencyId,
    t: MessageType,
    answered: InReplyTo<'_>,
) -> Envelope {
    let (correlation_id, causation_id, case_id, subject, purpose) = match answered {
        InReplyTo::Decoded(e) => (
            e.correlation_id,
            Some(e.message_id.as_uuid()),
            e.case_id.clone(),
            e.subject.clone(),
            e.purpose,
        ),
        InReplyTo::Undecoded(id) => (
            ctx.fallback_correlation,
            id,
            None,
            None,
            Purpose::CaseCoordination,
        ),
    };
    Envelope {
        message_id: ctx.message_id,
        correlation_id,
        causation_id,
        case_id,
        subject,
        sender: ctx.hub.clone(),
        recipients: vec![to.clone()],
        message_type: t,
        schema_version: SCHEMA_VERSION,
        sent_at: ctx.now,
        // A reply carries no personal data; the purpose is the answered message's.
        purpose: if purpose.is_forbidden() {
            Purpose::CaseCoordination
        } else {
            purpose
        },
        data_categories: Vec::new(),
        gateway: None,
        sent_by: None,
        withheld: Vec::new(),
    }
}

/// A receipt to `to`: delivered to these, refused for those.
pub fn receipt(
    ctx: &ReplyContext,
    to: &AgencyId,
    answered: &Envelope,
    delivered_to: Vec<AgencyId>,
    refused: Vec<Refusal>,
) -> Message {
    Message {
        envelope: envelope(ctx, to, MessageType::Receipt, InReplyTo::Decoded(answered)),
        body: Body::Receipt(Receipt {
            in_reply_to: answered.message_id.as_uuid(),
            delivered_to,
            refused,
        }),
    }
}

/// An undeliverable to `to`: refused, with a reason code and words.
pub fn undeliverable(
    ctx: &ReplyContext,
    to: &AgencyId,
    answered: InReplyTo<'_>,
    reason: ReasonCode,
    detail: String,
    refused: Vec<Refusal>,
) -> Message {
    let in_reply_to = match answered {
        InReplyTo::Decoded(e) => Some(e.message_id.as_uuid()),
        InReplyTo::Undecoded(id) => id,
    };
    Message {
        envelope: envelope(ctx, to, MessageType::Undeliverable, answered),
        body: Body::Undeliverable(Undeliverable {
            in_reply_to,
            reason,
            detail,
            refused,
        }),
    }
}
