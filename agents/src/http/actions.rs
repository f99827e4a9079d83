//! What the API and the page both do: submit a draft, answer a handover, withdraw a consent.
//! Each builds a draft and hands it to [`crate::submit`], exactly as `agent send` does.

use axum::http::StatusCode;
use schemas::ids::ShortText;
use schemas::messages::{HandoverOutcome, WithdrawalScope};
use schemas::{AgencyId, Body, CaseId, DecodeError, Message, MessageId, MessageType, Pseudonym};
use schemas::{Purpose, ReasonCode};
use serde::Deserialize;
use serde_json::json;
use tracing::{error, info};
use uuid::Uuid;

use super::AppState;
use crate::SubmitError;
use crate::access_log::{self, Access, Action, Actor};
use crate::people::PersonError;
use crate::store::{Accepted, Received, SendStatus, Store, StoreError};

/// Why a request was not carried out.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The caller's fault: a stable code, the field where there is one, and words that
    /// name fields and rules, never values.
    Caller {
        status: StatusCode,
        error: &'static str,
        reason: Option<ReasonCode>,
        path: Option<String>,
        detail: String,
    },
    /// No such thing.
    NotFound(&'static str),
    /// The message came under a consent withdrawn before it was opened.
    Quarantined,
    /// Something broke here; the cause is logged, the caller hears "internal error".
    Unexpected(anyhow::Error),
}

impl Failure {
    pub(crate) fn bad_request(
        error: &'static str,
        path: Option<&str>,
        detail: impl Into<String>,
    ) -> Self {
        Failure::Caller {
            status: StatusCode::BAD_REQUEST,
            error,
            reason: None,
            path: path.map(str::to_owned),
            detail: detail.into(),
        }
    }

    /// Logs an unexpected failure (its cause, never a body) and passes the others on.
    pub(crate) fn logged(self) -> Self {
        if let Failure::Unexpected(e) = &self {
            error!(error = %format!("{e:#}"), "HTTP request failed");
        }
        self
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Ambiguous => Failure::Caller {
                status: StatusCode::CONFLICT,
                error: "ambiguous_message_id",
                reason: None,
                path: Some("sender".to_owned()),
                detail: "several agencies sent a message with this id; name the sender \
                         (?sender=<agency id>)"
                    .to_owned(),
            },
            e => Failure::Unexpected(e.into()),
        }
    }
}

impl From<SubmitError> for Failure {
    fn from(e: SubmitError) -> Self {
        let caller =
            |error, reason: ReasonCode, path: Option<String>, detail: String| Failure::Caller {
                status: StatusCode::BAD_REQUEST,
                error,
                reason: Some(reason),
                path,
                detail,
            };
        match e {
            SubmitError::Invalid(d) => {
                let reason = d.reason();
                match d {
                    DecodeError::Malformed(detail) => {
                        caller("malformed_json", reason, None, detail)
                    }
                    DecodeError::UnsupportedVersion(_) => caller(
                        "unsupported_schema_version",
                        reason,
                        Some("envelope.schema_version".into()),
                        d.to_string(),
                    ),
                    DecodeError::UnknownType(_) => caller(
                        "unknown_message_type",
                        reason,
                        Some("envelope.message_type".into()),
                        d.to_string(),
                    ),
                    DecodeError::Schema { path, detail } => {
                        caller("schema_violation", reason, Some(path), detail)
                    }
                }
            }
            SubmitError::WrongSender { .. } => Failure::Caller {
                status: StatusCode::FORBIDDEN,
                error: "wrong_sender",
                reason: Some(ReasonCode::SenderMismatch),
                path: Some("envelope.sender".into()),
                detail: e.to_string(),
            },
            SubmitError::SealedLocation { path, detail } => caller(
                "invalid_sealed_location",
                ReasonCode::SchemaViolation,
                Some(path),
                detail,
            ),
            SubmitError::NobodyEntitled { .. } => caller(
                "nobody_entitled",
                ReasonCode::CategoryForbiddenForRecipient,
                Some("envelope.recipients".into()),
                e.to_string(),
            ),
            // Not the caller's fault, and it may pass: the directory arrives from the hub.
            SubmitError::NoKey { .. } => Failure::Caller {
                status: StatusCode::CONFLICT,
                error: "no_sealing_key",
                reason: None,
                path: Some("envelope.recipients".into()),
                detail: e.to_string(),
            },
            SubmitError::BadKey { .. } => Failure::Caller {
                status: StatusCode::CONFLICT,
                error: "bad_sealing_key",
                reason: Some(ReasonCode::InvalidKey),
                path: None,
                detail: e.to_string(),
            },
            SubmitError::Person(p) => match p {
                PersonError::Store(e) => e.into(),
                PersonError::NoCase => Failure::Caller {
                    status: StatusCode::CONFLICT,
                    error: p.code(),
                    reason: None,
                    path: None,
                    detail: p.to_string(),
                },
                // Not the caller's fault: the agent's operator must configure the key.
                PersonError::NoKey => Failure::Caller {
                    status: StatusCode::CONFLICT,
                    error: p.code(),
                    reason: None,
                    path: None,
                    detail: p.to_string(),
                },
                p => caller(
                    p.code(),
                    ReasonCode::SchemaViolation,
                    p.path().map(str::to_owned),
                    p.to_string(),
                ),
            },
            SubmitError::Store(e) => e.into(),
        }
    }
}

/// A message the agent accepted.
#[derive(Debug, Clone)]
pub(crate) struct Submitted {
    pub(crate) message_id: MessageId,
    pub(crate) message_type: MessageType,
    pub(crate) status: SendStatus,
    /// False when a message with this id was accepted before.
    pub(crate) new: bool,
}

/// Validates a draft and queues it, as `agent send` does. `only` restricts the type.
pub(crate) async fn submit_draft(
    state: &AppState,
    actor: &Actor,
    draft: &[u8],
    only: Option<MessageType>,
) -> Result<Submitted, Failure> {
    if let Some(expected) = only {
        let value: serde_json::Value = serde_json::from_slice(draft)
            .map_err(|e| SubmitError::Invalid(DecodeError::Malformed(e.to_string())))?;
        let named = value
            .pointer("/envelope/message_type")
            .and_then(|t| t.as_str());
        if named != Some(expected.as_str()) {
            return Err(Failure::bad_request(
                "wrong_message_type",
                Some("envelope.message_type"),
                format!("this endpoint takes {expected} only"),
            ));
        }
    }
    let (message, accepted) =
        crate::submit_with(state.store(), state.agent(), state.pseudonym_key(), draft).await?;
    let e = &message.envelope;
    let status = match accepted {
        Accepted::New => SendStatus::Queued,
        Accepted::AlreadyAccepted => state
            .store()
            .sent(&e.message_id)
            .await?
            .map_or(SendStatus::Queued, |s| s.status),
    };
    info!(
        agency = %state.agent(),
        message_id = %e.message_id,
        message_type = %e.message_type,
        new = accepted == Accepted::New,
        "accepted over HTTP"
    );
    if accepted == Accepted::New {
        let message_id = e.message_id.to_string();
        access_log::record(
            state.store(),
            Access {
                actor,
                action: Action::MessageSent,
                message_id: Some(&message_id),
                sender: None,
                subject: e.subject.as_ref().map(|s| s.as_str()),
            },
        )
        .await?;
    }
    Ok(Submitted {
        message_id: e.message_id,
        message_type: e.message_type,
        status,
        new: accepted == Accepted::New,
    })
}

/// The answer to a handover request (`POST /api/v1/handovers/{id}/answer`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HandoverAnswer {
    /// The case handed over.
    pub(crate) case_id: CaseId,
    /// The person, by pseudonym.
    pub(crate) subject: Pseudonym,
    /// The agency that asked (the case's owner).
    pub(crate) to: AgencyId,
    /// received, accepted or rejected.
    pub(crate) outcome: HandoverOutcome,
    /// Why; required when rejected.
    #[serde(default)]
    pub(crate) reason: Option<ShortText>,
    /// The kind of reason, for statistics; optional.
    #[serde(default)]
    pub(crate) reason_code: Option<schemas::messages::RejectionReason>,
    /// The purpose; by default the request's, or release coordination.
    #[serde(default)]
    pub(crate) purpose: Option<Purpose>,
    /// The caseworker who answers, so the requester knows whom to call (CONTACT); the page
    /// names the signed-in caseworker.
    #[serde(default)]
    pub(crate) sent_by: Option<schemas::SentBy>,
}

/// Builds a `HandoverResponse` and queues it. Its correlation id and purpose are the
/// request's when the request is in this agent's inbox.
pub(crate) async fn answer_handover(
    state: &AppState,
    actor: &Actor,
    handover_id: Uuid,
    answer: HandoverAnswer,
) -> Result<Submitted, Failure> {
    if answer.outcome == HandoverOutcome::Rejected && answer.reason.is_none() {
        return Err(Failure::bad_request(
            "reason_required",
            Some("reason"),
            "a rejection needs a reason",
        ));
    }
    let request = find_handover_request(state.store(), handover_id).await?;
    let purpose = answer
        .purpose
        .or(request.as_ref().map(|(_, m)| m.envelope.purpose))
        .unwrap_or(Purpose::ReleaseCoordination);
    let mut envelope = json!({
        "case_id": answer.case_id,
        "subject": answer.subject,
        "recipients": [answer.to],
        "message_type": MessageType::HandoverResponse,
        "purpose": purpose,
        "data_categories": ["CASE_STATUS"],
    });
    if let Some(sent_by) = &answer.sent_by {
        envelope["sent_by"] = json!(sent_by);
        envelope["data_categories"] = json!(["CASE_STATUS", "CONTACT"]);
    }
    if let Some((_, m)) = &request {
        envelope["correlation_id"] = json!(m.envelope.correlation_id);
        envelope["causation_id"] = json!(m.envelope.message_id);
    }
    let mut body = json!({"handover_id": handover_id, "outcome": answer.outcome});
    if let Some(reason) = answer.reason {
        body["reason"] = json!(reason);
    }
    if let Some(code) = answer.reason_code {
        body["reason_code"] = json!(code);
    }
    let draft = json!({"envelope": envelope, "body": body});
    submit_draft(state, actor, draft.to_string().as_bytes(), None).await
}

/// Opens a received message (by id and, where several senders used the id, sender) and
/// records the opening: `NotFound`, or `Quarantined` when it came under a consent withdrawn
/// before anyone opened it. The page and the API open messages only through this.
pub(crate) async fn open_received(
    store: &Store,
    id: &str,
    sender: Option<&str>,
) -> Result<Received, Failure> {
    let row = store
        .open_message(id, sender, chrono::Utc::now())
        .await?
        .ok_or(Failure::NotFound("message in the inbox"))?;
    if row.quarantined_at.is_some() {
        return Err(Failure::Quarantined);
    }
    Ok(row)
}

/// The handover request with this handover id in the inbox, if any (not opened by this).
pub(crate) async fn find_handover_request(
    store: &Store,
    handover_id: Uuid,
) -> Result<Option<(Received, Message)>, StoreError> {
    for row in store
        .received_of_type(MessageType::HandoverRequest.as_str(), 10_000)
        .await?
    {
        let Ok(message) = schemas::decode(&row.payload) else {
            continue;
        };
        if matches!(&message.body, Body::HandoverRequest(h) if h.handover_id == handover_id) {
            return Ok(Some((row, message)));
        }
    }
    Ok(None)
}

/// This agency's answers to a handover, newest first: (outcome, reason, where it stands).
pub(crate) async fn answers_sent(
    store: &Store,
) -> Result<Vec<(Uuid, HandoverOutcome, SendStatus, Option<String>)>, StoreError> {
    let mut out = Vec::new();
    for sent in store
        .sent_of_type(MessageType::HandoverResponse.as_str(), 10_000)
        .await?
    {
        if let Ok(Message {
            body: Body::HandoverResponse(r),
            ..
        }) = schemas::decode(&sent.payload)
        {
            out.push((r.handover_id, r.outcome, sent.status, sent.answer_reason));
        }
    }
    Ok(out)
}

/// The handovers their senders cancelled (`HandoverCancelled` in the inbox), by id.
pub(crate) async fn handovers_cancelled(
    store: &Store,
) -> Result<std::collections::BTreeSet<Uuid>, StoreError> {
    let mut out = std::collections::BTreeSet::new();
    for row in store
        .received_of_type(MessageType::HandoverCancelled.as_str(), 10_000)
        .await?
    {
        if let Ok(Message {
            body: Body::HandoverCancelled(c),
            ..
        }) = schemas::decode(&row.payload)
        {
            out.insert(c.handover_id);
        }
    }
    Ok(out)
}

/// A consent withdrawal (`POST /api/v1/consents/{id}/withdraw`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Withdrawal {
    /// The case, if the withdrawal was recorded in one.
    #[serde(default)]
    pub(crate) case_id: Option<CaseId>,
    /// The person, by pseudonym.
    pub(crate) subject: Pseudonym,
    /// `"entire"` (the default) or `{"recipients": [...]}`.
    #[serde(default)]
    pub(crate) scope: Option<WithdrawalScope>,
    /// Who received the person's wish, when and how: the hub requires it when this agency is
    /// not the consent's custodian.
    #[serde(default)]
    pub(crate) evidence: Option<schemas::messages::WithdrawalEvidence>,
}

/// Builds a `ConsentWithdrawn` effective now and queues it.
pub(crate) async fn withdraw_consent(
    state: &AppState,
    actor: &Actor,
    consent_id: Uuid,
    w: Withdrawal,
) -> Result<Submitted, Failure> {
    let mut envelope = json!({
        "subject": w.subject,
        "recipients": [],
        "message_type": MessageType::ConsentWithdrawn,
        "purpose": Purpose::CaseCoordination,
        "data_categories": [],
    });
    if let Some(case) = w.case_id {
        envelope["case_id"] = json!(case);
    }
    let mut body = json!({
        "consent_id": consent_id,
        "withdrawn_at": chrono::Utc::now(),
        "scope": w.scope.unwrap_or(WithdrawalScope::Entire),
    });
    if let Some(evidence) = w.evidence {
        body["evidence"] = json!(evidence);
    }
    let draft = json!({"envelope": envelope, "body": body});
    submit_draft(state, actor, draft.to_string().as_bytes(), None).await
}

/// Parses a JSON request body into `T`, naming the offending field.
pub(crate) fn parse_request<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            let detail = inner.to_string();
            let detail = detail
                .rfind(" at line ")
                .map_or(detail.as_str(), |i| &detail[..i])
                .to_owned();
            Failure::bad_request("invalid_request", Some(&path), detail)
        } else {
            Failure::Caller {
                status: StatusCode::BAD_REQUEST,
                error: "malformed_json",
                reason: Some(ReasonCode::MalformedJson),
                path: None,
                detail: inner.to_string(),
            }
        }
    })
}
