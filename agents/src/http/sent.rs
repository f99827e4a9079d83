//! What became of a sent message, for the page and the API alike: each recipient's copy (from
//! the hub's `Receipt` or `Undeliverable`, see [`crate::store::RecipientOutcome`]), the
//! answers received to it, and who owns the case after a handover or relocation it asked for.
//!
//! The hub's `Receipt` names who got the message and who was refused; it does not say which
//! optional categories it removed for a recipient (only the recipient's copy says so, in
//! `envelope.withheld`), so the sender cannot be told that here.

use chrono::{DateTime, Utc};
use schemas::messages::HandoverOutcome;
use schemas::{Body, Message, MessageId, MessageType};
use uuid::Uuid;

use super::actions::Failure;
use crate::store::{Received, RecipientOutcome, SendStatus, Sent, Store, StoreError};

/// A sent message and what became of it.
pub(crate) struct Fate {
    /// The outbox row.
    pub(crate) sent: Sent,
    /// The message as sent.
    pub(crate) message: Message,
    /// Each recipient's copy.
    pub(crate) recipients: Vec<RecipientOutcome>,
    /// The answers received to it, oldest first, each with its decoded message.
    pub(crate) answers: Vec<(Received, Message)>,
    /// Who owns the case, where the message asked to hand it over.
    pub(crate) owner: Option<Ownership>,
}

/// Who owns the case after a handover (or relocation) this agency asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// This agency still owns it: the handover is not (yet) accepted.
    StillYours {
        /// Why it is still this agency's.
        because: StillYoursBecause,
        /// The agency asked.
        asked: String,
    },
    /// The agency asked accepted: it owns the case since then.
    Moved {
        /// The new owner.
        to: String,
        /// When its acceptance arrived.
        since: DateTime<Utc>,
    },
}

/// Why a case is still this agency's after it asked to hand it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StillYoursBecause {
    /// No answer yet.
    NotAnswered,
    /// The agency asked says it received the request; it has not decided.
    Received,
    /// The agency asked rejected it.
    Rejected,
    /// This agency cancelled it.
    Cancelled,
    /// The hub refused the request: nobody was asked.
    Refused,
}

impl StillYoursBecause {
    /// The state as the API names it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StillYoursBecause::NotAnswered => "not_answered",
            StillYoursBecause::Received => "received",
            StillYoursBecause::Rejected => "rejected",
            StillYoursBecause::Cancelled => "cancelled",
            StillYoursBecause::Refused => "refused",
        }
    }
}

/// What a received message tells of a handover or relocation this agency asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A `HandoverResponse`.
    Handover(HandoverOutcome),
    /// A `RelocationConfirmed`: the destination owns the case now.
    RelocationConfirmed,
}

/// Who owns the case, from the answers the agency asked sent (sender, answer, arrival,
/// oldest first), whether this agency cancelled, and whether the hub refused the request.
/// Only the agency asked can move the case; an acceptance decides for good.
pub(crate) fn ownership(
    asked: &str,
    answers: &[(String, Answer, DateTime<Utc>)],
    cancelled: bool,
    refused: bool,
) -> Ownership {
    let still = |because| Ownership::StillYours {
        because,
        asked: asked.to_owned(),
    };
    let theirs = || answers.iter().filter(|(from, ..)| from == asked);
    if let Some((from, _, at)) = theirs().find(|(_, a, _)| {
        matches!(
            a,
            Answer::Handover(HandoverOutcome::Accepted) | Answer::RelocationConfirmed
        )
    }) {
        return Ownership::Moved {
            to: from.clone(),
            since: *at,
        };
    }
    if refused {
        return still(StillYoursBecause::Refused);
    }
    if cancelled {
        return still(StillYoursBecause::Cancelled);
    }
    if theirs().any(|(_, a, _)| *a == Answer::Handover(HandoverOutcome::Rejected)) {
        return still(StillYoursBecause::Rejected);
    }
    if theirs().any(|(_, a, _)| *a == Answer::Handover(HandoverOutcome::Received)) {
        return still(StillYoursBecause::Received);
    }
    still(StillYoursBecause::NotAnswered)
}

/// The handover (or relocation) id a message asks about or answers, if any.
fn handover_of(message: &Message) -> Option<Uuid> {
    match &message.body {
        Body::HandoverRequest(h) => Some(h.handover_id),
        Body::HandoverResponse(h) => Some(h.handover_id),
        Body::HandoverCancelled(c) => Some(c.handover_id),
        Body::RelocationRequest(r) => Some(r.relocation_id),
        Body::RelocationConfirmed(r) => Some(r.relocation_id),
        Body::InformationRequest(r) => Some(r.request_id),
        Body::InformationResponse(r) => Some(r.request_id),
        _ => None,
    }
}

/// Whether `theirs` answers `ours`: it names ours as its cause, or answers the same
/// handover, relocation or information request. The hub's own receipts and refusals are not
/// answers (they are the recipients' outcomes).
pub(crate) fn answers(ours: &Message, theirs: &Message) -> bool {
    if matches!(
        theirs.envelope.message_type,
        MessageType::Receipt | MessageType::Undeliverable
    ) {
        return false;
    }
    let same_thread = match (&ours.body, &theirs.body) {
        (Body::HandoverRequest(_), Body::HandoverResponse(_))
        | (Body::RelocationRequest(_), Body::RelocationConfirmed(_))
        | (Body::InformationRequest(_), Body::InformationResponse(_)) => {
            handover_of(ours).is_some() && handover_of(ours) == handover_of(theirs)
        }
        _ => false,
    };
    same_thread || theirs.envelope.causation_id == Some(ours.envelope.message_id.as_uuid())
}

/// The type of answer a request of `message_type` gets, if it asks for one.
fn answer_type(message_type: MessageType) -> Option<MessageType> {
    match message_type {
        MessageType::HandoverRequest => Some(MessageType::HandoverResponse),
        MessageType::RelocationRequest => Some(MessageType::RelocationConfirmed),
        MessageType::InformationRequest => Some(MessageType::InformationResponse),
        _ => None,
    }
}

/// Decodes a stored message; one that no longer decodes is the agent's fault.
fn decoded(payload: &[u8]) -> Result<Message, Failure> {
    schemas::decode(payload).map_err(|e| {
        Failure::Unexpected(anyhow::anyhow!("a stored message no longer decodes: {e}"))
    })
}

/// What became of the sent message `id`; `None` when this agent sent no such message.
pub(crate) async fn fate(store: &Store, id: &MessageId) -> Result<Option<Fate>, Failure> {
    let Some(sent) = store.sent(id).await? else {
        return Ok(None);
    };
    let message = decoded(&sent.payload)?;
    let recipients = store.recipient_outcomes(&sent.message_id).await?;
    let answers = answers_to(store, &message, sent.accepted_at).await?;
    let owner = owner(store, &sent, &message, &answers).await?;
    Ok(Some(Fate {
        sent,
        message,
        recipients,
        answers,
        owner,
    }))
}

/// The received messages that answer `ours`, oldest first.
async fn answers_to(
    store: &Store,
    ours: &Message,
    since: DateTime<Utc>,
) -> Result<Vec<(Received, Message)>, StoreError> {
    let mut rows = store
        .received_correlated(&ours.envelope.correlation_id.to_string())
        .await?;
    if let Some(t) = answer_type(ours.envelope.message_type) {
        rows.extend(store.received_of_type(t.as_str(), 10_000).await?);
    }
    rows.sort_by(|a, b| {
        (a.received_at, &a.sender, &a.message_id).cmp(&(b.received_at, &b.sender, &b.message_id))
    });
    rows.dedup_by(|a, b| a.sender == b.sender && a.message_id == b.message_id);
    Ok(rows
        .into_iter()
        .filter(|r| r.received_at >= since)
        .filter_map(|r| {
            let m = schemas::decode(&r.payload).ok()?;
            answers(ours, &m).then_some((r, m))
        })
        .collect())
}

/// Who owns the case, when `message` asked to hand it over or to relocate the person.
async fn owner(
    store: &Store,
    sent: &Sent,
    message: &Message,
    answers: &[(Received, Message)],
) -> Result<Option<Ownership>, Failure> {
    if !matches!(
        message.envelope.message_type,
        MessageType::HandoverRequest | MessageType::RelocationRequest
    ) {
        return Ok(None);
    }
    let Some(asked) = message.envelope.recipients.first() else {
        return Ok(None);
    };
    let told: Vec<(String, Answer, DateTime<Utc>)> = answers
        .iter()
        .filter_map(|(r, m)| {
            let answer = match &m.body {
                Body::HandoverResponse(h) => Answer::Handover(h.outcome),
                Body::RelocationConfirmed(_) => Answer::RelocationConfirmed,
                _ => return None,
            };
            Some((r.sender.clone(), answer, r.received_at))
        })
        .collect();
    let ours = handover_of(message);
    let mut cancelled = false;
    for c in store
        .sent_of_type(MessageType::HandoverCancelled.as_str(), 10_000)
        .await?
    {
        if c.status != SendStatus::Refused
            && let Ok(m) = schemas::decode(&c.payload)
            && handover_of(&m) == ours
        {
            cancelled = true;
        }
    }
    Ok(Some(ownership(
        asked.as_str(),
        &told,
        cancelled,
        sent.status == SendStatus::Refused,
    )))
}

/// The sent message a received one answers: the one it names as its cause (a hub refusal
/// names it too), or whose id is its correlation id, or the handover request it answers.
pub(crate) async fn answered(store: &Store, theirs: &Message) -> Result<Option<Sent>, Failure> {
    let mut candidates: Vec<Uuid> = Vec::new();
    if let Body::Undeliverable(u) = &theirs.body {
        candidates.extend(u.in_reply_to);
    }
    candidates.extend(theirs.envelope.causation_id);
    candidates.push(theirs.envelope.correlation_id);
    for id in candidates {
        let Ok(id) = MessageId::try_from(id) else {
            continue;
        };
        if let Some(sent) = store.sent(&id).await? {
            return Ok(Some(sent));
        }
    }
    if let Body::HandoverResponse(h) = &theirs.body {
        for sent in store
            .sent_of_type(MessageType::HandoverRequest.as_str(), 10_000)
            .await?
        {
            if let Ok(m) = schemas::decode(&sent.payload)
                && handover_of(&m) == Some(h.handover_id)
            {
                return Ok(Some(sent));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    const ASKED: &str = "dk-kobenhavn-kommune";

    fn said(from: &str, answer: Answer, minute: u32) -> (String, Answer, DateTime<Utc>) {
        (from.to_owned(), answer, at(minute))
    }

    fn still(because: StillYoursBecause) -> Ownership {
        Ownership::StillYours {
            because,
            asked: ASKED.to_owned(),
        }
    }

    #[test]
    fn the_case_moves_only_when_the_agency_asked_accepts() {
        use HandoverOutcome::*;
        // (answers, cancelled, refused by the hub, owner)
        type Case<'a> = (&'a [(String, Answer, DateTime<Utc>)], bool, bool, Ownership);
        let cases: &[Case<'_>] = &[
            (&[], false, false, still(StillYoursBecause::NotAnswered)),
            (
                &[said(ASKED, Answer::Handover(Received), 1)],
                false,
                false,
                still(StillYoursBecause::Received),
            ),
            (
                &[
                    said(ASKED, Answer::Handover(Received), 1),
                    said(ASKED, Answer::Handover(Rejected), 2),
                ],
                false,
                false,
                still(StillYoursBecause::Rejected),
            ),
            (
                &[
                    said(ASKED, Answer::Handover(Received), 1),
                    said(ASKED, Answer::Handover(Accepted), 3),
                ],
                false,
                false,
                Ownership::Moved {
                    to: ASKED.to_owned(),
                    since: at(3),
                },
            ),
            // Another agency's acceptance moves nothing.
            (
                &[said(
                    "dk-jobcenter-kobenhavn",
                    Answer::Handover(Accepted),
                    1,
                )],
                false,
                false,
                still(StillYoursBecause::NotAnswered),
            ),
            (&[], true, false, still(StillYoursBecause::Cancelled)),
            (&[], false, true, still(StillYoursBecause::Refused)),
            (
                &[said(ASKED, Answer::RelocationConfirmed, 4)],
                false,
                false,
                Ownership::Moved {
                    to: ASKED.to_owned(),
                    since: at(4),
                },
            ),
        ];
        for (answers, cancelled, refused, expected) in cases {
            assert_eq!(
                &ownership(ASKED, answers, *cancelled, *refused),
                expected,
                "{answers:?} cancelled {cancelled} refused {refused}"
            );
        }
    }

    fn example(name: &str) -> Message {
        let path = format!(
            "{}/../schemas/examples/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        schemas::decode(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn an_answer_is_one_that_names_ours_or_its_handover() {
        let request = example("HandoverRequest");
        let Body::HandoverRequest(h) = &request.body else {
            unreachable!()
        };
        let response_to = |handover_id| {
            let mut response = example("HandoverResponse");
            if let Body::HandoverResponse(r) = &mut response.body {
                r.handover_id = handover_id;
            }
            response.envelope.causation_id = None;
            response
        };
        assert!(
            answers(&request, &response_to(h.handover_id)),
            "the same handover"
        );
        let mut response = response_to(Uuid::nil());
        assert!(!answers(&request, &response), "another handover");
        response.envelope.causation_id = Some(request.envelope.message_id.as_uuid());
        assert!(answers(&request, &response), "names ours as its cause");
        let mut refusal = example("Undeliverable");
        refusal.envelope.causation_id = Some(request.envelope.message_id.as_uuid());
        assert!(
            !answers(&request, &refusal),
            "the hub's refusal is an outcome, not an answer"
        );
    }
}
