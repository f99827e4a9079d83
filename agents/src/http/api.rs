//! The JSON API under `/api/v1`, for the agency's own systems. Every route but the OpenAPI
//! document needs `Authorization: Bearer <token>`. Errors are JSON objects with a stable
//! `error` code, the hub's `reason` code where one applies, the field `path` and `detail`
//! words naming fields and rules; a failure of the agent itself answers 500 "internal error"
//! and is logged (without bodies).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use schemas::{MessageId, MessageType};
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::info;
use uuid::Uuid;

use super::AppState;
use super::actions::{self, Failure, HandoverAnswer, Submitted, Withdrawal};
use super::routes::{self, Route, route};
use super::sent::{self, Ownership};
use crate::access_log::{self, Action, Actor};
use crate::people::{self, IdentityView, Person, PersonError};
use crate::sealing::{self, SealedView};
use crate::store::{OwnKey, Received, RecipientOutcome};
use crate::{keys, present};

/// The routes that need the token.
pub(super) fn guarded_routes() -> Vec<Route> {
    vec![
        route(Method::POST, "/api/v1/messages", submit),
        route(Method::GET, "/api/v1/messages/{id}", message_status),
        route(Method::GET, "/api/v1/inbox", inbox),
        route(Method::GET, "/api/v1/inbox/{id}", read),
        route(Method::POST, "/api/v1/inbox/{id}/open", open),
        route(
            Method::POST,
            "/api/v1/handovers/{handover_id}/answer",
            answer,
        ),
        route(Method::POST, "/api/v1/consents", grant_consent),
        route(
            Method::POST,
            "/api/v1/consents/{consent_id}/withdraw",
            withdraw,
        ),
        route(Method::GET, "/api/v1/persons", persons),
        route(Method::POST, "/api/v1/persons", add_person),
        route(Method::GET, "/api/v1/persons/{subject}", person),
        route(Method::POST, "/api/v1/persons/{subject}/link", link_person),
        route(Method::GET, "/api/v1/keys", keys),
        route(Method::POST, "/api/v1/keys/rotate", rotate_key),
    ]
}

/// The routes open without a token.
pub(super) fn open_routes() -> Vec<Route> {
    vec![route(Method::GET, "/api/v1/openapi.json", openapi)]
}

/// The API's routes.
pub(super) fn router(state: AppState) -> Router {
    let guarded = routes::router(guarded_routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state.clone());
    routes::router(open_routes())
        .with_state(state)
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

async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .and_then(|t| state.api_caller(t));
    if let Some(caller) = caller {
        // Handlers log what they do under the calling system's name.
        request.extensions_mut().insert(caller);
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

async fn submit(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Result<Response, ApiError> {
    Ok(accepted(
        &actions::submit_draft(&state, &actor, &body, None).await?,
    ))
}

async fn grant_consent(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let submitted =
        actions::submit_draft(&state, &actor, &body, Some(MessageType::ConsentGranted)).await?;
    Ok(accepted(&submitted))
}

fn uuid_in_path(text: &str, what: &'static str) -> Result<Uuid, Failure> {
    Uuid::parse_str(text).map_err(|_| Failure::bad_request("invalid_id", Some(what), "not a UUID"))
}

async fn answer(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(handover_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let handover_id = uuid_in_path(&handover_id, "handover_id")?;
    let answer: HandoverAnswer = actions::parse_request(&body)?;
    Ok(accepted(
        &actions::answer_handover(&state, &actor, handover_id, answer).await?,
    ))
}

async fn withdraw(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(consent_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let consent_id = uuid_in_path(&consent_id, "consent_id")?;
    let withdrawal: Withdrawal = actions::parse_request(&body)?;
    Ok(accepted(
        &actions::withdraw_consent(&state, &actor, consent_id, withdrawal).await?,
    ))
}

async fn message_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: MessageId = id.parse().map_err(|e: schemas::InvalidId| {
        Failure::bad_request("invalid_id", Some("id"), e.to_string())
    })?;
    let fate = sent::fate(state.store(), &id)
        .await?
        .ok_or(Failure::NotFound("sent message"))?;
    let recipients = recipients_json(&fate.recipients);
    let case_owner = fate
        .owner
        .as_ref()
        .map(|o| case_owner_json(state.agent(), o));
    let sent = fate.sent;
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
    body["recipients"] = recipients;
    if let Some(owner) = case_owner {
        body["case_owner"] = owner;
    }
    Ok(Json(body).into_response())
}

/// Each recipient's outcome: `agency`, `outcome`, and when refused `reason_code` (and the
/// hub's `detail` where it gave one); `answered_at` once the hub answered.
fn recipients_json(recipients: &[RecipientOutcome]) -> Value {
    recipients
        .iter()
        .map(|r| {
            let mut one = json!({"agency": r.recipient, "outcome": r.outcome.as_str()});
            if let Some(reason) = &r.reason {
                one["reason_code"] = json!(reason);
            }
            if let Some(detail) = &r.detail {
                one["detail"] = json!(detail);
            }
            if let Some(at) = r.answered_at {
                one["answered_at"] = json!(at);
            }
            one
        })
        .collect()
}

/// Who owns the case after the handover or relocation the message asked for, and where the
/// request stands.
fn case_owner_json(me: &schemas::AgencyId, owner: &Ownership) -> Value {
    match owner {
        Ownership::Moved { to, since } => {
            json!({"agency": to, "handover": "accepted", "since": since})
        }
        Ownership::StillYours { because, asked } => {
            json!({"agency": me, "handover": because.as_str(), "asked": asked})
        }
    }
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

/// `POST /api/v1/inbox/{id}/open`: records the opening (a state change, so never on a GET)
/// and shows the message.
async fn open(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let sender = query.get("sender").map(String::as_str);
    let row = actions::open_received(state.store(), &id, sender).await?;
    show(&state, &actor, row).await
}

/// `GET /api/v1/inbox/{id}`: a message already opened, read again; opening it is a POST.
async fn read(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let sender = query.get("sender").map(String::as_str);
    let row = state
        .store()
        .inbox_message(&id, sender)
        .await?
        .ok_or(Failure::NotFound("message in the inbox"))?;
    if row.opened_at.is_none() && row.quarantined_at.is_none() {
        return Err(Failure::Caller {
            status: StatusCode::CONFLICT,
            error: "not_opened",
            reason: None,
            path: None,
            detail: "the message has not been opened: POST /api/v1/inbox/{id}/open opens it \
                     (the opening is recorded)"
                .to_owned(),
        }
        .into());
    }
    show(&state, &actor, row).await
}

async fn show(state: &AppState, actor: &Actor, row: Received) -> Result<Response, ApiError> {
    if row.quarantined_at.is_some() {
        return Err(Failure::Quarantined.into());
    }
    let message = schemas::decode(&row.payload).map_err(|e| {
        Failure::Unexpected(anyhow::anyhow!("a stored message no longer decodes: {e}"))
    })?;
    let sealed = sealing::open(state.store(), state.agent(), &message).await?;
    let identity = people::open_identity(state.store(), state.agent(), &message).await?;
    access_log::opened(
        state.store(),
        actor,
        &message,
        sealed.as_ref(),
        identity.as_ref(),
    )
    .await?;
    let mut body = summary(&row);
    body["opened_at"] = json!(row.opened_at);
    body["text"] = json!(present::describe_opened(
        &message,
        sealed.as_ref(),
        identity.as_ref()
    ));
    body["message"] = serde_json::from_slice(&row.payload).unwrap_or(Value::Null);
    if let Some(view) = &sealed {
        body["sealed"] = sealed_json(view);
    }
    if let Some(view) = &identity {
        body["person"] = identity_json(view);
    }
    Ok(Json(body).into_response())
}

/// A sealed field as the API shows it: the location when this agency could open it, or why
/// not. Built for the response only, never stored.
fn sealed_json(view: &SealedView) -> Value {
    let mut out = json!({"field": view.field, "readable": view.location().is_some()});
    if let Some(location) = view.location() {
        out["location"] = json!(location);
    }
    if let Some(reason) = view.reason() {
        out["reason"] = json!(reason);
    }
    out
}

/// Who the person is, as this agency could open it: `{"shared": true, "identity": {...}}`,
/// or `{"shared": false, "reason": ...}`. Built for the response only.
fn identity_json(view: &IdentityView) -> Value {
    match view {
        IdentityView::Shared(identity) => json!({"shared": true, "identity": identity}),
        IdentityView::NotShared => {
            json!({"shared": false, "reason": "identity not shared with your agency"})
        }
        IdentityView::Unreadable(reason) => json!({"shared": false, "reason": reason}),
    }
}

fn person_json(p: &Person) -> Value {
    json!({
        "subject": p.subject,
        "identity": p.identity,
        "source": p.source,
        "first_seen": p.first_seen,
    })
}

/// `GET /api/v1/persons?q=`: the people in the register whose number or name matches.
async fn persons(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let q = query.get("q").map(String::as_str).unwrap_or_default();
    if q.trim().is_empty() {
        return Err(Failure::bad_request(
            "invalid_request",
            Some("q"),
            "give a national identity number or part of a name",
        )
        .into());
    }
    let found = people::search(state.store(), q, chrono::Utc::now().date_naive()).await?;
    let subjects: Vec<&str> = found.iter().map(|p| p.subject.as_str()).collect();
    access_log::about_people(state.store(), &actor, Action::PersonFound, &subjects).await?;
    let items: Vec<Value> = found.iter().map(person_json).collect();
    Ok(Json(json!({"persons": items})).into_response())
}

/// What `POST /api/v1/persons` takes: a person as the agency's staff know them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPerson {
    jurisdiction: schemas::Jurisdiction,
    national_id: String,
    name: String,
}

/// `POST /api/v1/persons`: enters a person in the register; answers with their pseudonym.
async fn add_person(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: NewPerson = actions::parse_request(&body)?;
    let key = state
        .pseudonym_key()
        .ok_or(crate::SubmitError::Person(PersonError::NoKey))?;
    let now = chrono::Utc::now();
    let (id, identity) = people::identity_from(
        input.jurisdiction,
        &input.national_id,
        &input.name,
        now.date_naive(),
    )
    .map_err(crate::SubmitError::Person)?;
    let subject = key.pseudonym(&id);
    people::enter(state.store(), &actor, &subject, &identity, now).await?;
    let person = people::find(state.store(), &subject)
        .await?
        .ok_or_else(|| Failure::Unexpected(anyhow::anyhow!("a person just entered is missing")))?;
    Ok((StatusCode::CREATED, Json(person_json(&person))).into_response())
}

/// What `POST /api/v1/persons/{subject}/link` takes: the person's new number.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewNumber {
    jurisdiction: schemas::Jurisdiction,
    national_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default = "number_changed")]
    reason: schemas::messages::LinkReason,
}

fn number_changed() -> schemas::messages::LinkReason {
    schemas::messages::LinkReason::NumberChanged
}

/// `POST /api/v1/persons/{subject}/link`: the person has a new national identity number (a
/// D-nummer replaced by a fødselsnummer, a samordningsnummer by a personnummer). Enters the
/// person under the new number and tells the hub that the two pseudonyms are one person.
async fn link_person(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(subject): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: NewNumber = actions::parse_request(&body)?;
    let subject = schemas::Pseudonym::try_from(subject)
        .map_err(|_| Failure::bad_request("invalid_request", Some("subject"), "not a pseudonym"))?;
    let person = people::find(state.store(), &subject)
        .await?
        .ok_or(Failure::NotFound("person in the register"))?;
    let person_error = |e: PersonError| Failure::from(crate::SubmitError::Person(e));
    let key = state
        .pseudonym_key()
        .ok_or_else(|| person_error(PersonError::NoKey))?;
    let now = chrono::Utc::now();
    let (current, identity, draft) = people::new_number(
        state.store(),
        key,
        &person,
        input.jurisdiction,
        &input.national_id,
        input.name.as_deref(),
        input.reason,
        now,
    )
    .await
    .map_err(person_error)?;
    let submitted =
        actions::submit_draft(&state, &actor, draft.to_string().as_bytes(), None).await?;
    people::enter(state.store(), &actor, &current, &identity, now).await?;
    let status = if submitted.new {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "message_id": submitted.message_id,
            "message_type": submitted.message_type,
            "status": submitted.status.to_string(),
            "subject": current,
            "previous": person.subject,
        })),
    )
        .into_response())
}

/// `GET /api/v1/persons/{subject}`: one person, with the messages about them.
async fn person(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(subject): Path<String>,
) -> Result<Response, ApiError> {
    let subject = schemas::Pseudonym::try_from(subject)
        .map_err(|_| Failure::bad_request("invalid_request", Some("subject"), "not a pseudonym"))?;
    let person = people::find(state.store(), &subject)
        .await?
        .ok_or(Failure::NotFound("person in the register"))?;
    access_log::about_people(
        state.store(),
        &actor,
        Action::PersonOpened,
        &[subject.as_str()],
    )
    .await?;
    let (received, sent) = state.store().about_subject(subject.as_str(), 200).await?;
    let mut body = person_json(&person);
    body["received"] = json!(received.iter().map(summary).collect::<Vec<_>>());
    body["sent"] = json!(
        sent.iter()
            .map(|s| json!({
                "message_id": s.message_id,
                "message_type": s.message_type,
                "status": s.status.to_string(),
                "accepted_at": s.accepted_at,
            }))
            .collect::<Vec<_>>()
    );
    Ok(Json(body).into_response())
}

fn own_key_json(k: &OwnKey) -> Value {
    json!({
        "key_id": k.key_id,
        "public_key": k.public_key,
        "created_at": k.created_at,
        "retired_at": k.retired_at,
        "current": k.is_current(),
    })
}

async fn keys(State(state): State<AppState>) -> Result<Response, ApiError> {
    let store = state.store();
    let own: Vec<Value> = store.own_keys().await?.iter().map(own_key_json).collect();
    let directory = store.directory().await?.map(|d| {
        json!({
            "version": d.version,
            "received_at": d.received_at,
            "keys": d.keys,
        })
    });
    Ok(Json(json!({"agency": state.agent(), "own": own, "directory": directory})).into_response())
}

async fn rotate_key(State(state): State<AppState>) -> Result<Response, ApiError> {
    let published = keys::rotate(state.store(), state.agent(), chrono::Utc::now()).await?;
    info!(
        agency = %state.agent(),
        key_id = %published.key.key_id,
        message_id = %published.message_id,
        "sealing key rotated over HTTP"
    );
    let mut body = own_key_json(&published.key);
    body["message_id"] = json!(published.message_id);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::document_text(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;
    use crate::http::{AppState, Token, router};
    use crate::testing::{
        TempStore, agency, at, location, receive_sealed_request, relocation_request,
    };

    const TOKEN: &str = "test-token";

    async fn call(
        app: &Router,
        method: &str,
        uri: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let response = app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn an_opened_relocation_request_shows_the_sealed_destination() {
        let recipient = TempStore::new().await;
        let me = agency("no-trondheim-kommune");
        let (key, _) = recipient.store.ensure_key(at(0)).await.unwrap();
        let message = receive_sealed_request(&recipient.store, &me, &key).await;

        let app = router(AppState::new(
            recipient.store.clone(),
            me.clone(),
            Token::new(TOKEN),
        ));
        let uri = format!("/api/v1/inbox/{}", message.envelope.message_id);
        let (status, body) = call(&app, "GET", &uri, None, Some(TOKEN)).await;
        assert_eq!(status, StatusCode::CONFLICT, "a GET opens nothing: {body}");
        assert_eq!(body["error"], "not_opened");
        let (status, body) = call(&app, "POST", &format!("{uri}/open"), None, Some(TOKEN)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["sealed"],
            json!({"field": "sealed_destination", "readable": true, "location": location()})
        );
        let text = body["text"].as_str().unwrap();
        assert!(
            text.contains("destination:") && text.contains("Kongens gate 14B, 7011 Trondheim"),
            "{text}"
        );
        assert!(
            text.contains("Ring Kari Nordmann before the move"),
            "{text}"
        );
        assert!(
            body["message"]["body"]["sealed_destination"]["copies"].is_array(),
            "the message itself stays sealed"
        );
        // The agency's store holds it sealed only.
        let row = recipient
            .store
            .inbox_message(&message.envelope.message_id.to_string(), None)
            .await
            .unwrap()
            .unwrap();
        assert!(!String::from_utf8(row.payload).unwrap().contains("Kongens"));
    }

    #[tokio::test]
    async fn the_access_log_names_the_calling_system_and_what_it_saw_never_content() {
        let recipient = TempStore::new().await;
        let me = agency("no-trondheim-kommune");
        let (key, _) = recipient.store.ensure_key(at(0)).await.unwrap();
        let message = receive_sealed_request(&recipient.store, &me, &key).await;
        let app = router(
            AppState::new(recipient.store.clone(), me.clone(), Token::new(TOKEN))
                .with_api_tokens([("case-system".to_owned(), Token::new("s3cret"))].into()),
        );
        let uri = format!("/api/v1/inbox/{}/open", message.envelope.message_id);
        let (status, _) = call(&app, "POST", &uri, None, Some("s3cret")).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&app, "POST", &uri, None, Some(TOKEN)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&app, "POST", &uri, None, Some("not-a-token")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let log = crate::access_log::entries(&recipient.store, &Default::default())
            .await
            .unwrap();
        let seen: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("api:case-system", "message_opened"),
                ("api:case-system", "location_opened"),
                ("api:agent token", "message_opened"),
                ("api:agent token", "location_opened"),
            ]
        );
        let id = message.envelope.message_id.to_string();
        assert!(
            log.iter()
                .all(|e| e.message_id.as_deref() == Some(id.as_str())
                    && e.sender.as_deref() == Some("no-oslo-kommune")
                    && e.subject.as_deref() == Some("ps-c41d2e9a07f3b6e2"))
        );
        // Ids and pseudonyms only: the sealed location is not in the store's files.
        assert_eq!(
            crate::access_log::verify(&recipient.store).await.unwrap(),
            Ok(4)
        );
        let export = crate::access_log::csv(&log);
        assert!(!export.contains("Kongens"), "{export}");
    }

    #[tokio::test]
    async fn keys_are_listed_without_private_parts_and_rotated() {
        let t = TempStore::new().await;
        let me = agency("no-politiet-beskyttelse");
        let app = router(AppState::new(
            t.store.clone(),
            me.clone(),
            Token::new(TOKEN),
        ));
        let (status, _) = call(&app, "GET", "/api/v1/keys", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = call(&app, "POST", "/api/v1/keys/rotate", None, Some("wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(t.store.own_keys().await.unwrap().is_empty());

        let (first, _) = t.store.ensure_key(at(0)).await.unwrap();
        let (status, rotated) = call(&app, "POST", "/api/v1/keys/rotate", None, Some(TOKEN)).await;
        assert_eq!(status, StatusCode::CREATED, "{rotated}");
        assert_eq!(rotated["current"], json!(true));
        assert_ne!(rotated["key_id"], json!(first.key_id));
        let queued = t.store.outbox(10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].message_type, "KeyPublished");
        assert_eq!(json!(queued[0].message_id), rotated["message_id"]);
        let published = schemas::decode(&queued[0].payload).unwrap();
        assert!(
            matches!(&published.body, schemas::Body::KeyPublished(k) if json!(k.key_id) == rotated["key_id"])
        );
        assert!(published.envelope.recipients.is_empty());

        let (status, listed) = call(&app, "GET", "/api/v1/keys", None, Some(TOKEN)).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        assert_eq!(listed["agency"], json!(me));
        assert_eq!(listed["directory"], Value::Null);
        let own = listed["own"].as_array().unwrap();
        assert_eq!(own.len(), 2);
        assert_eq!(own[0]["key_id"], rotated["key_id"]);
        assert_eq!(
            (&own[1]["key_id"], &own[1]["current"]),
            (&json!(first.key_id), &json!(false))
        );
        for k in own {
            let mut fields: Vec<&str> = k.as_object().unwrap().keys().map(String::as_str).collect();
            fields.sort_unstable();
            assert_eq!(
                fields,
                [
                    "created_at",
                    "current",
                    "key_id",
                    "public_key",
                    "retired_at"
                ]
            );
        }
    }

    #[tokio::test]
    async fn sealing_failures_answer_with_codes() {
        let t = TempStore::new().await;
        let app = router(AppState::new(
            t.store.clone(),
            agency("no-oslo-kommune"),
            Token::new(TOKEN),
        ));
        let draft = relocation_request(&["no-trondheim-kommune"], json!({"seal": location()}));
        let (status, body) =
            call(&app, "POST", "/api/v1/messages", Some(&draft), Some(TOKEN)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "no_sealing_key");
        assert!(!body.to_string().contains("Kongens"));

        let mut bad = location();
        bad["city"] = json!("");
        let draft = relocation_request(&["no-trondheim-kommune"], json!({"seal": bad}));
        let (status, body) =
            call(&app, "POST", "/api/v1/messages", Some(&draft), Some(TOKEN)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            (&body["error"], &body["path"], &body["reason"]),
            (
                &json!("invalid_sealed_location"),
                &json!("body.sealed_destination.seal.city"),
                &json!("SCHEMA_VIOLATION")
            )
        );
        assert!(!body.to_string().contains("Kongens"));
        assert!(t.store.outbox(10).await.unwrap().is_empty());
    }
}
