//! Answering a received message from the page, where the answer is more than a choice: an
//! information answer (one text per kind of information asked for; what is left empty makes
//! the answer partial) and a relocation confirmation (the move date, this agency as the new
//! owner, and the new address sealed by the agent to the police protection unit alone).
//! Received, accepted and rejected are the handover form on the message's own page.
//!
//! `GET /messages/{id}/reply?sender=` shows the form for a message already opened (a GET
//! opens nothing); `POST` checks and queues the answer, or shows the form again with what was
//! typed and what to fix; `POST /messages/{id}/reply/check?sender=` answers what a `POST`
//! would refuse, queueing nothing (the page's script asks it as the answer is typed).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use schemas::messages::{InformationRequest, RelocationRequest};
use schemas::{Body, DataCategory, Message, MessageType};
use serde_json::{Value, json};

use super::send_pages::{
    Builder, Problem, Typed, address_of, check_answer, required_date, submit_from_page,
};
use super::{PageError, agency_words, page, render, t, t_with, when};
use crate::http::AppState;
use crate::http::actions::Failure;
use crate::present;
use crate::store::{Received, Store, StoreError};

/// The reply form's routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages/{id}/reply", get(form).post(send))
        .route("/messages/{id}/reply/check", post(check_form))
}

/// The message answered, and what kind of answer it takes.
enum Asked {
    Information(InformationRequest),
    Relocation(RelocationRequest),
}

impl Asked {
    fn of(message: &Message) -> Option<Asked> {
        match &message.body {
            Body::InformationRequest(r) => Some(Asked::Information(r.clone())),
            Body::RelocationRequest(r) => Some(Asked::Relocation(r.clone())),
            _ => None,
        }
    }

    /// The ids of the form's title, lead and button.
    fn words(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Asked::Information(_) => ("reply-info-title", "reply-info-intro", "reply-info-button"),
            Asked::Relocation(_) => (
                "reply-relocation-title",
                "reply-relocation-intro",
                "reply-relocation-button",
            ),
        }
    }
}

/// The line under a message that takes an answer: that it was answered (`done`), or a link
/// to the form.
#[derive(askama::Template)]
#[template(path = "forms/reply_link.html")]
struct ReplyLink {
    done: Option<String>,
    href: String,
    title: String,
}

/// A link back, under a form.
#[derive(askama::Template)]
#[template(path = "forms/back_link.html")]
struct BackLink<'a> {
    href: &'a str,
    words: &'a str,
}

/// The line the message's page shows under a message that takes such an answer: a link to
/// the form, or that this agency has answered.
pub(super) async fn reply_link(
    store: &Store,
    row: &Received,
    message: &Message,
) -> Result<Option<String>, Failure> {
    let Some(asked) = Asked::of(message) else {
        return Ok(None);
    };
    let (title, ..) = asked.words();
    let done = answered(store, &asked)
        .await?
        .map(|at| t_with("reply-done", &[("when", when(at))]));
    let link = ReplyLink {
        done,
        href: format!("/messages/{}/reply?sender={}", row.message_id, row.sender),
        title: t(title),
    };
    Ok(Some(render(&link)?))
}

/// When this agency queued its answer to `asked`, if it has.
async fn answered(
    store: &Store,
    asked: &Asked,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
    let (answer_type, wanted) = match asked {
        Asked::Information(r) => (MessageType::InformationResponse, r.request_id),
        Asked::Relocation(r) => (MessageType::RelocationConfirmed, r.relocation_id),
    };
    for sent in store.sent_of_type(answer_type.as_str(), 10_000).await? {
        let id = match schemas::decode(&sent.payload).map(|m| m.body) {
            Ok(Body::InformationResponse(a)) => a.request_id,
            Ok(Body::RelocationConfirmed(c)) => c.relocation_id,
            _ => continue,
        };
        if id == wanted {
            return Ok(Some(sent.accepted_at));
        }
    }
    Ok(None)
}

/// The opened message `id` from `sender` that takes an answer here; not found otherwise.
async fn asked(
    state: &AppState,
    id: &str,
    query: &HashMap<String, String>,
) -> Result<(Received, Message, Asked), PageError> {
    let sender = query.get("sender").map(String::as_str);
    let row = state
        .store()
        .inbox_message(id, sender)
        .await?
        .filter(|r| r.opened_at.is_some() && r.quarantined_at.is_none())
        .ok_or(Failure::NotFound("opened message in the inbox"))?;
    let message = schemas::decode(&row.payload).map_err(|e| {
        Failure::Unexpected(anyhow::anyhow!("a stored message no longer decodes: {e}"))
    })?;
    let asked = Asked::of(&message).ok_or(Failure::NotFound("message that takes an answer"))?;
    Ok((row, message, asked))
}

/// `GET /messages/{id}/reply`: the empty form.
async fn form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (row, _, asked) = asked(&state, &id, &query).await?;
    let mut typed = Typed::default();
    if let Asked::Relocation(_) = &asked {
        typed.recipients.push(row.sender.clone());
    }
    show(&state, &row, &asked, StatusCode::OK, &typed, &[]).await
}

/// `POST /messages/{id}/reply`: checks the answer and queues it to the message's sender (and,
/// for a relocation, to the police protection units ticked).
async fn send(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let (row, message, asked) = asked(&state, &id, &query).await?;
    if answered(state.store(), &asked).await?.is_some() {
        return Ok(Redirect::to(&back(&row)).into_response());
    }
    let typed = Typed::parse(&body);
    let draft = match answer_of(&state, &message, &asked, &typed) {
        Ok(draft) => draft,
        Err(problems) => {
            let refused = StatusCode::UNPROCESSABLE_ENTITY;
            return show(&state, &row, &asked, refused, &typed, &problems).await;
        }
    };
    let message_type = match asked {
        Asked::Information(_) => MessageType::InformationResponse,
        Asked::Relocation(_) => MessageType::RelocationConfirmed,
    };
    match submit_from_page(&state, draft, message_type).await? {
        Ok(done) => Ok(done),
        Err(problem) => {
            let refused = StatusCode::UNPROCESSABLE_ENTITY;
            show(&state, &row, &asked, refused, &typed, &[problem]).await
        }
    }
}

/// `POST /messages/{id}/reply/check?sender=`: what answering as typed would refuse.
async fn check_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let (_, message, asked) = asked(&state, &id, &query).await?;
    let problems = answer_of(&state, &message, &asked, &Typed::parse(&body)).err();
    Ok(check_answer(&problems.unwrap_or_default()))
}

/// The answer to `message` as typed, ready to queue; or every problem.
fn answer_of(
    state: &AppState,
    message: &Message,
    asked: &Asked,
    typed: &Typed,
) -> Result<Value, Vec<Problem>> {
    let mut problems = Vec::new();
    let draft = match asked {
        Asked::Information(r) => information_answer(message, r, typed, &mut problems),
        Asked::Relocation(r) => relocation_confirmation(state, message, r, typed, &mut problems),
    };
    if problems.is_empty() {
        Ok(draft)
    } else {
        Err(problems)
    }
}

/// The envelope of an answer to `message`: its case, person, purpose and thread, to `to`.
fn answer_envelope(message: &Message, to: &[String], message_type: MessageType) -> Value {
    let e = &message.envelope;
    json!({
        "case_id": e.case_id,
        "subject": e.subject,
        "recipients": to,
        "message_type": message_type,
        "purpose": e.purpose,
        "correlation_id": e.correlation_id,
        "causation_id": e.message_id,
    })
}

/// The form field of one kind of information asked for.
fn answer_field(category: DataCategory) -> String {
    format!("answer-{}", present::category(category))
}

/// An information answer: one text per category asked for; an empty one is left out, and
/// the answer is then partial. At least one must be answered.
fn information_answer(
    message: &Message,
    request: &InformationRequest,
    typed: &Typed,
    problems: &mut Vec<Problem>,
) -> Value {
    let mut answers = Vec::new();
    for category in &request.categories_requested {
        let field = answer_field(*category);
        let words = typed.get(&field);
        if words.chars().count() > 4000 {
            problems.push(Problem::new("answers", t("reply-info-too-long")));
        } else if !words.is_empty() {
            answers.push(json!({"category": category, "text": words}));
        }
    }
    if answers.is_empty() && problems.is_empty() {
        problems.push(Problem::new("answers", t("reply-info-need-answer")));
    }
    let categories: Vec<&Value> = answers.iter().map(|a| &a["category"]).collect();
    let mut envelope = answer_envelope(
        message,
        &[message.envelope.sender.to_string()],
        MessageType::InformationResponse,
    );
    envelope["data_categories"] = json!(categories);
    json!({
        "envelope": envelope,
        "body": {
            "request_id": request.request_id,
            "partial": answers.len() < request.categories_requested.len(),
            "answers": answers,
        },
    })
}

/// A relocation confirmation: the move date, this agency as the new owner, and the new
/// address as plaintext for the agent to seal to the recipients that may hold it.
fn relocation_confirmation(
    state: &AppState,
    message: &Message,
    request: &RelocationRequest,
    typed: &Typed,
    problems: &mut Vec<Problem>,
) -> Value {
    let moved = required_date(typed, "move_date", "reply-need-move-date", problems);
    let origin = message.envelope.sender.to_string();
    let mut to = vec![origin.clone()];
    to.extend(typed.recipients.iter().filter(|r| **r != origin).cloned());
    let mut categories = vec!["CASE_STATUS"];
    let mut body = json!({
        "relocation_id": request.relocation_id,
        "move_date": moved,
        "new_owner": state.agent(),
    });
    let address = ["address", "postal_code", "city"].map(|f| typed.get(f));
    if address.iter().any(|a| !a.is_empty()) {
        body["sealed_address"] = json!({"seal": address_of(typed, problems)});
        categories.push("PROTECTED_LOCATION");
    }
    let mut envelope = answer_envelope(message, &to, MessageType::RelocationConfirmed);
    envelope["data_categories"] = json!(categories);
    json!({"envelope": envelope, "body": body})
}

/// The message's page.
fn back(row: &Received) -> String {
    format!("/messages/{}?sender={}", row.message_id, row.sender)
}

/// The reply form with what was typed and what to fix.
async fn show(
    state: &AppState,
    row: &Received,
    asked: &Asked,
    status: StatusCode,
    typed: &Typed,
    problems: &[Problem],
) -> Result<Response, PageError> {
    let (title, intro, button) = asked.words();
    let names = state.store().agency_names().await?;
    let from = agency_words(&names, &row.sender);
    let action = format!("/messages/{}/reply?sender={}", row.message_id, row.sender);
    let lead = t_with(intro, &[("from", from)]);
    let mut form = Builder::new(typed, problems, &t(title), &lead, &action);
    match asked {
        Asked::Information(request) => {
            form.quote(&t("reply-info-question"), request.question.as_str());
            form.group_start(
                &t("reply-info-answers"),
                Some(&t("reply-info-answers-hint")),
            );
            if let Some(p) = problems.iter().find(|p| p.field == "answers") {
                form.error("answers", &p.words);
            }
            for category in &request.categories_requested {
                let field = answer_field(*category);
                let label = t(&format!("category-{}", present::category(*category)));
                form.textarea(&field, &first_upper(&label), None);
            }
            form.group_end();
        }
        Asked::Relocation(request) => {
            form.quote(
                &t("reply-relocation-needed-by"),
                &request.needed_by.to_string(),
            );
            form.input("move_date", "date", &t("reply-move-date"), None, &[]);
            let units: Vec<(String, String)> = protection_units(state, &names).await?;
            form.recipients_titled(&t("reply-relocation-recipients"), &units);
            form.address(&t("reply-new-address"), &t("reply-new-address-hint"));
        }
    }
    let mut main = form.finish(&t(button))?;
    main.push_str(&render(&BackLink {
        href: &back(row),
        words: &t("reply-back-to-message"),
    })?);
    Ok(page(status, &t(title), Some(state.agent().as_str()), &main))
}

/// The agencies that may hold a protected location (the police protection units), by name.
async fn protection_units(
    state: &AppState,
    names: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, Failure> {
    let mut units: Vec<(String, String)> = state
        .store()
        .directory_keys()
        .await?
        .into_iter()
        .filter(|k| k.current && k.protected_location && &k.agency != state.agent())
        .map(|k| {
            let id = k.agency.to_string();
            (id.clone(), agency_words(names, &id))
        })
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    units.dedup();
    Ok(units)
}

/// "the state of the case" as a label: "The state of the case".
fn first_upper(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;

    use crate::http::sign_in::{Caseworker, Role};
    use crate::http::{AppState, Token, router};
    use crate::testing::{
        TempStore, agency, at, call, form_check, form_post, page_get, publish_sealing_key,
    };

    /// The example information request (from Jobcenter København to Københavns Kommune),
    /// received and opened by the municipality, whose page this is.
    async fn municipality_with(example: &str, me: &str) -> (TempStore, Router, String, String) {
        let t = TempStore::new().await;
        let path = format!(
            "{}/../schemas/examples/{example}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        value["envelope"]["recipients"] = serde_json::json!([me]);
        let message = schemas::decode(value.to_string().as_bytes()).unwrap();
        let me = agency(me);
        t.store.receive(&me, &message, at(1)).await.unwrap();
        let id = message.envelope.message_id.to_string();
        t.store
            .open_message(&id, None, at(2))
            .await
            .unwrap()
            .unwrap();
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = state.test_session(Caseworker::new(
            "freja.munk",
            "Freja Munk",
            &[Role::Caseworker],
        ));
        let path = format!(
            "/messages/{id}/reply?sender={}",
            message.envelope.sender.as_str()
        );
        (t, router(state), cookie, path)
    }

    async fn get(app: &Router, cookie: &str, path: &str) -> (u16, String) {
        let (status, _, page) = call(app, page_get(path, cookie, "da")).await;
        (status, page)
    }

    async fn post(app: &Router, cookie: &str, path: &str, form: &str) -> (u16, String) {
        let (status, _, page) = call(app, form_post(app, path, cookie, "da", form).await).await;
        (status, page)
    }

    #[tokio::test]
    async fn an_information_answer_goes_to_the_asker_in_its_thread_and_is_partial_when_short() {
        let (t, app, cookie, path) =
            municipality_with("InformationRequest", "dk-kobenhavn-kommune").await;
        let (status, page) = get(&app, &cookie, &path).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Has the person finished any vocational training"));
        assert!(page.contains(r#"lang="da""#));

        // Nothing answered: the form again, in words.
        let (status, page) = post(&app, &cookie, &path, "answer-EDUCATION_EMPLOYMENT=").await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="answers-error""#), "{page}");
        assert!(t.store.outbox(10).await.unwrap().is_empty());

        // Its check, as the page's script asks it while the answer is typed: the same
        // problem, then none, and nothing queued either time.
        let empty = "answer-EDUCATION_EMPLOYMENT=";
        let (status, problems) = form_check(&app, &path, &cookie, "da", empty).await;
        assert_eq!(status, 200);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "answers");
        assert!(page.contains(&problems[0].1), "the words the page shows");
        let form = "answer-EDUCATION_EMPLOYMENT=Forklift+certificate%2C+part+1";
        let (_, problems) = form_check(&app, &path, &cookie, "da", form).await;
        assert!(problems.is_empty(), "{problems:?}");
        assert!(t.store.outbox(10).await.unwrap().is_empty());

        let (status, page) = post(&app, &cookie, &path, form).await;
        assert_eq!(status, 303, "{page}");
        let sent = t.store.outbox(10).await.unwrap();
        let answer = schemas::decode(&sent[0].payload).unwrap();
        assert_eq!(
            answer.envelope.recipients[0].as_str(),
            "dk-jobcenter-kobenhavn"
        );
        assert_eq!(
            answer.envelope.correlation_id.to_string(),
            "5b0e7c1a-3f2d-4e8b-9a61-0c7d2e4f8a13"
        );
        let schemas::Body::InformationResponse(body) = &answer.body else {
            panic!("{answer:?}")
        };
        assert!(!body.partial, "the one category asked for is answered");
        assert_eq!(body.answers.len(), 1);

        // Answered once: the form is not offered again.
        let (status, _) = post(&app, &cookie, &path, form).await;
        assert_eq!(status, 303);
        assert_eq!(t.store.outbox(10).await.unwrap().len(), 1, "answered once");
    }

    #[tokio::test]
    async fn a_relocation_is_confirmed_with_the_address_sealed_to_the_protection_unit() {
        let (t, app, cookie, path) =
            municipality_with("RelocationRequest", "no-trondheim-kommune").await;
        let unit = schemas::AgencyRole::Police;
        publish_sealing_key(&t.store, "no-politiet-beskyttelse", unit).await;
        let (status, page) = get(&app, &cookie, &path).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains(r#"value="no-politiet-beskyttelse""#),
            "{page}"
        );

        let form = "move_date=&recipient=no-politiet-beskyttelse&address=Kongens+gate+14B\
                    &postal_code=7011&city=";
        let (status, page) = post(&app, &cookie, &path, form).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="move_date-error""#));
        assert!(page.contains(r#"id="city-error""#));
        assert!(page.contains(r#"value="Kongens gate 14B""#), "kept");

        let form = "move_date=2026-12-18&recipient=no-politiet-beskyttelse\
                    &address=Kongens+gate+14B&postal_code=7011&city=Trondheim";
        let (status, page) = post(&app, &cookie, &path, form).await;
        assert_eq!(status, 303, "{page}");
        let sent = t.store.outbox(10).await.unwrap();
        assert!(!String::from_utf8_lossy(&sent[0].payload).contains("Kongens"));
        let confirmed = schemas::decode(&sent[0].payload).unwrap();
        let to: Vec<&str> = confirmed
            .envelope
            .recipients
            .iter()
            .map(|r| r.as_str())
            .collect();
        assert_eq!(to, ["no-oslo-kommune", "no-politiet-beskyttelse"]);
        let schemas::Body::RelocationConfirmed(body) = &confirmed.body else {
            panic!("{confirmed:?}")
        };
        assert_eq!(body.new_owner.as_str(), "no-trondheim-kommune");
        let copies = &body.sealed_address.as_ref().expect("sealed").copies;
        assert_eq!(copies.len(), 1);
        assert_eq!(copies[0].recipient.as_str(), "no-politiet-beskyttelse");
    }
}
