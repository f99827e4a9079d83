//! What a batch did with each delivery, as [`crate::batch::process_batch`] returns it: for the
//! metrics and the decision log, so neither decodes a delivery or a reply again. Ids, types
//! and reason codes only: no body, no subject.

use schemas::{AgencyId, CaseId, Message, MessageId, MessageType, ReasonCode};
use uuid::Uuid;

use crate::plan::{Accepted, DeadLetterRow};

/// One delivery of a batch, decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// Its type, when it decoded.
    pub message_type: Option<MessageType>,
    /// The broker-authenticated sender (`unknown` when none could be known).
    pub sender: String,
    /// Its id, when it decoded.
    pub message_id: Option<MessageId>,
    /// Its correlation id, when it decoded.
    pub correlation_id: Option<Uuid>,
    /// The case it names, if any.
    pub case_id: Option<CaseId>,
    /// What came of it.
    pub outcome: Outcome,
}

/// What came of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken before (a redelivery, or the same refused input again): nothing new recorded.
    Repeat,
    /// Routed; the recipients refused one by one, by reason.
    Routed {
        /// Reason codes of the recipients refused.
        refused: Vec<ReasonCode>,
    },
    /// Refused as a whole, and answered with an `Undeliverable`.
    Refused {
        /// Why.
        reason: ReasonCode,
        /// Reason codes of the recipients refused one by one, if any.
        recipients: Vec<ReasonCode>,
    },
}

impl Outcome {
    /// Input refused as a whole and kept as `dead_letter`, the first time (`new`) or again.
    fn dead_lettered(dead_letter: &DeadLetterRow, new: bool) -> Self {
        if new {
            Outcome::Refused {
                reason: dead_letter.reason,
                recipients: Vec::new(),
            }
        } else {
            Outcome::Repeat
        }
    }

    /// `repeat`, `routed` or `refused`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Repeat => "repeat",
            Outcome::Routed { .. } => "routed",
            Outcome::Refused { .. } => "refused",
        }
    }
}

impl Decided {
    /// A decoded message from the broker-authenticated `sender`, with what came of it.
    pub fn message(sender: &AgencyId, message: &Message, outcome: Outcome) -> Self {
        let e = &message.envelope;
        Decided {
            message_type: Some(e.message_type),
            sender: sender.to_string(),
            message_id: Some(e.message_id),
            correlation_id: Some(e.correlation_id),
            case_id: e.case_id.clone(),
            outcome,
        }
    }

    /// Input refused before it decoded (or from no agency), kept as `dead_letter`; `new`
    /// says whether this is the first time.
    pub fn undecoded(dead_letter: &DeadLetterRow, new: bool) -> Self {
        Decided {
            message_type: None,
            sender: dead_letter.sender.clone(),
            message_id: None,
            correlation_id: None,
            case_id: None,
            outcome: Outcome::dead_lettered(dead_letter, new),
        }
    }

    /// A decoded message refused before routing (an id reused for another body), kept as
    /// `dead_letter`; `new` as for [`Decided::undecoded`].
    pub fn refused(
        sender: &AgencyId,
        message: &Message,
        dead_letter: &DeadLetterRow,
        new: bool,
    ) -> Self {
        Decided::message(sender, message, Outcome::dead_lettered(dead_letter, new))
    }

    /// A message decided and recorded.
    pub fn accepted(a: &Accepted) -> Self {
        let recipients: Vec<ReasonCode> = a
            .decisions
            .iter()
            .filter(|d| !d.delivered)
            .filter_map(|d| d.reason)
            .collect();
        let outcome = match (a.routed, a.reason) {
            (false, Some(reason)) => Outcome::Refused { reason, recipients },
            _ => Outcome::Routed {
                refused: recipients,
            },
        };
        Decided::message(&a.sender, &a.message, outcome)
    }
}
