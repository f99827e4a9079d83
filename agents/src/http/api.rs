//! The JSON API under `/api/v1`, for the agency's own systems. Every route but the OpenAPI
//! document needs `Authorization: Bearer <token>`. Errors are JSON objects with a stable
//! `error` code, the hub's `reason` code where one applies, the field `path` and `detail`
//! words naming fields and rules; a failure of the agent itself answers 500 "internal error"
//! and is logged (without bodies).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use schemas::{MessageId, MessageType};
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use super::actions::{self, Failure, HandoverAnswer, Submitted, Withdrawal};
use crate::present;
use crate::store::Received;

/// The API's routes.
pub(super) fn router(state: AppState) -> Router {
    let guarded = Router::new()
        .route("/api/v1/messages", post(submit))
        .route("/api/v1/messages/{id}", get(message_status))
        .route("/api/v1/inbox", get(inbox))
        .route("/api/v1/inbox/{id}", get(open))
        .route("/api/v1/handovers/{handover_id}/answer", post(answer))
        .route("/api/v1/consents", post(grant_consent))
        .route("/api/v1/consents/{consent_id}/withdraw", post(withdraw))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state);
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .merge(guarded)
}

/// A failure as the API answers it.
pub(super) struct ApiError(Failure);

impl<F: Into<Failure>> From<F> for ApiError {
    fn from(f: F) -> Self {
        ApiError(f.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.0.logged() {
            Failure::Caller {
                status,
                error,
                reason,
                path,
                detail,
            } => {
                let mut body = json!({"error": error, "detail": detail});
                if let Some(reason) = reason {
                    body["reason"] = json!(reason);
                }
                if let Some(path) = path {
                    body["path"] = json!(path);
                }
                (status, Json(body)).into_response()
            }
            Failure::NotFound(what) => (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "not_found", "detail": format!("no such {what}")})),
            )
                .into_response(),
            Failure::Quarantined => (
                StatusCode::CONFLICT,
                Json(json!({
                    "error": "quarantined",
                    "detail": "the message came under a consent that was withdrawn before it was \
                               opened; it can no longer be opened",
                })),
            )
                .into_response(),
            Failure::Unexpected(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "internal", "detail": "internal error"})),
            )
                .into_response(),
        }
    }
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if presented.is_some_and(|t| state.token().matches(t)) {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(json!({
            "error": "unauthorized",
            "detail": "send the agent's token as Authorization: Bearer <token>",
        })),
    )
        .into_response()
}

fn accepted(s: &Submitted) -> Response {
    let status = if s.new {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(json!({
            "message_id": s.message_id,
            "message_type": s.message_type,
            "status": s.status.to_string(),
        })),
    )
        .into_response()
}

async fn submit(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    Ok(accepted(&actions::submit_draft(&state, &body, None).await?))
}

async fn grant_consent(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let submitted = actions::submit_draft(&state, &body, Some(MessageType::ConsentGranted)).await?;
    Ok(accepted(&submitted))
}

fn uuid_in_path(text: &str, what: &'static str) -> Result<Uuid, Failure> {
    Uuid::parse_str(text).map_err(|_| Failure::bad_request("invalid_id", Some(what), "not a UUID"))
}

async fn answer(
    State(state): State<AppState>,
    Path(handover_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let handover_id = uuid_in_path(&handover_id, "handover_id")?;
    let answer: HandoverAnswer = actions::parse_request(&body)?;
    Ok(accepted(
        &actions::answer_handover(&state, handover_id, answer).await?,
    ))
}

async fn withdraw(
    State(state): State<AppState>,
    Path(consent_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let consent_id = uuid_in_path(&consent_id, "consent_id")?;
    let withdrawal: Withdrawal = actions::parse_request(&body)?;
    Ok(accepted(
        &actions::withdraw_consent(&state, consent_id, withdrawal).await?,
    ))
}

async fn message_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: MessageId = id.parse().map_err(|e: schemas::InvalidId| {
        Failure::bad_request("invalid_id", Some("id"), e.to_string())
    })?;
    let sent = state
        .store()
        .sent(&id)
        .await?
        .ok_or(Failure::NotFound("sent message"))?;
    let mut body = json!({
        "message_id": sent.message_id,
        "message_type": sent.message_type,
        "status": sent.status.to_string(),
        "accepted_at": sent.accepted_at,
    });
    if let Some(reason) = sent.answer_reason {
        body["reason"] = json!(reason);
    }
    if let Some(detail) = sent.answer_detail {
        body["detail"] = json!(detail);
    }
    Ok(Json(body).into_response())
}

fn summary(r: &Received) -> Value {
    json!({
        "message_id": r.message_id,
        "message_type": r.message_type,
        "sender": r.sender,
        "case_id": r.case_id,
        "received_at": r.received_at,
        "opened": r.opened_at.is_some(),
        "quarantined": r.quarantined_at.is_some(),
    })
}

async fn inbox(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let limit = match query.get("limit") {
        None => 100,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                Failure::bad_request("invalid_request", Some("limit"), "a number from 1 to 1000")
            })?,
    };
    let rows = state.store().inbox(limit).await?;
    let items: Vec<Value> = rows.iter().map(summary).collect();
    Ok(Json(json!({"messages": items})).into_response())
}

async fn open(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let row = state
        .store()
        .open_message(&id, chrono::Utc::now())
        .await?
        .ok_or(Failure::NotFound("message in the inbox"))?;
    if row.quarantined_at.is_some() {
        return Err(Failure::Quarantined.into());
    }
    let message = schemas::decode(&row.payload).map_err(|e| {
        Failure::Unexpected(anyhow::anyhow!("a stored message no longer decodes: {e}"))
    })?;
    let mut body = summary(&row);
    body["opened_at"] = json!(row.opened_at);
    body["text"] = json!(present::describe(&message));
    body["message"] = serde_json::from_slice(&row.payload).unwrap_or(Value::Null);
    Ok(Json(body).into_response())
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::document_text(),
    )
        .into_response()
}
