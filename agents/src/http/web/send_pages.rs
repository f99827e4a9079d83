//! Sending from the page: a form per flow (`/send` lists them), validated as a caseworker
//! would check it, answered in plain words, and never losing what was typed: the release
//! notice, the handover request, the information request, the risk and need summary, the
//! relocation request (its destination sealed by the agent), the outcome report and the
//! case closing. Answers to a received message (received, accepted, rejected, an
//! information answer, a relocation confirmation) are forms on that message's page.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use schemas::{Jurisdiction, MessageType};
use serde_json::{Value, json};

use super::{PageError, page, page_actor, page_sent_by, render, t, t_with};
use crate::http::AppState;
use crate::http::actions::{self, Failure};

/// What the caseworker typed into a form, as typed.
#[derive(Debug, Default, Clone)]
pub(super) struct Typed {
    fields: HashMap<String, String>,
    pub(super) recipients: Vec<String>,
    /// Every field but the recipients as (name, value), so that a group of checkboxes
    /// sharing a name keeps all that were ticked.
    ticked: Vec<(String, String)>,
}

impl Typed {
    pub(super) fn parse(body: &[u8]) -> Typed {
        let mut typed = Typed::default();
        for (name, value) in form_urlencoded::parse(body) {
            if name == "recipient" {
                typed.recipients.push(value.into_owned());
            } else {
                typed.ticked.push((name.to_string(), value.to_string()));
                typed.fields.insert(name.into_owned(), value.into_owned());
            }
        }
        typed
    }

    pub(super) fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }

    /// Sets `name` as if it had been typed (what a fresh form starts with).
    pub(super) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.fields.insert(name.to_owned(), value.into());
    }

    /// Whether the checkbox `name` with `value` was ticked.
    pub(super) fn checked(&self, name: &str, value: &str) -> bool {
        self.ticked.iter().any(|(n, v)| n == name && v == value)
    }

    /// The values ticked (or typed) under `name`, in the form's order.
    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.ticked
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A field (or group) the caseworker must correct, and what to do, in words.
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Problem {
    pub(super) field: String,
    pub(super) words: String,
}

impl Problem {
    /// What to do about `field`, in `words`.
    pub(super) fn new(field: impl Into<String>, words: String) -> Problem {
        Problem {
            field: field.into(),
            words,
        }
    }
}

/// The forms of this module: each is a message about a person's case, to agencies chosen
/// from the key directory; they differ in what else they ask and in the body they make.
#[derive(Debug, Clone, Copy)]
enum Kind {
    ReleaseNotice,
    HandoverRequest,
    CaseClosing,
    InformationRequest,
    RiskNeedSummary,
    RelocationRequest,
    OutcomeReport,
}

impl Kind {
    fn message_type(self) -> MessageType {
        match self {
            Kind::ReleaseNotice => MessageType::ReleaseNotice,
            Kind::HandoverRequest => MessageType::HandoverRequest,
            Kind::CaseClosing => MessageType::CaseClosed,
            Kind::InformationRequest => MessageType::InformationRequest,
            Kind::RiskNeedSummary => MessageType::RiskNeedSummary,
            Kind::RelocationRequest => MessageType::RelocationRequest,
            Kind::OutcomeReport => MessageType::OutcomeReport,
        }
    }

    /// Its address, and the ids of its title, lead and button.
    fn words(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Kind::ReleaseNotice => (
                "/send/release-notice",
                "send-release-title",
                "send-release-intro",
                "send-release-button",
            ),
            Kind::HandoverRequest => (
                "/send/handover-request",
                "send-handover-title",
                "send-handover-intro",
                "send-handover-button",
            ),
            Kind::CaseClosing => (
                "/send/case-closing",
                "send-closing-title",
                "send-closing-intro",
                "send-closing-button",
            ),
            Kind::InformationRequest => (
                "/send/information-request",
                "send-question-title",
                "send-question-intro",
                "send-question-button",
            ),
            Kind::RiskNeedSummary => (
                "/send/risk-need-summary",
                "send-risk-title",
                "send-risk-intro",
                "send-risk-button",
            ),
            Kind::RelocationRequest => (
                "/send/relocation-request",
                "send-relocation-title",
                "send-relocation-intro",
                "send-relocation-button",
            ),
            Kind::OutcomeReport => (
                "/send/outcome-report",
                "send-outcome-title",
                "send-outcome-intro",
                "send-outcome-button",
            ),
        }
    }

    /// The kind an address of this module names.
    fn from_path(path: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.words().0 == path)
    }

    /// Every form, in the order the send page lists them.
    const ALL: [Kind; 7] = [
        Kind::ReleaseNotice,
        Kind::HandoverRequest,
        Kind::InformationRequest,
        Kind::RiskNeedSummary,
        Kind::RelocationRequest,
        Kind::OutcomeReport,
        Kind::CaseClosing,
    ];

    /// The purpose the message is sent for: fixed by the flow, or chosen on the form among
    /// [`Kind::purposes`].
    fn purpose(self, typed: &Typed, problems: &mut Vec<Problem>) -> &'static str {
        let fixed = match self {
            Kind::ReleaseNotice | Kind::HandoverRequest => "RELEASE_COORDINATION",
            Kind::CaseClosing => "CASE_COORDINATION",
            Kind::RelocationRequest => "RELOCATION_SAFETY",
            Kind::OutcomeReport => "OUTCOME_STATISTICS",
            Kind::InformationRequest | Kind::RiskNeedSummary => "",
        };
        if !fixed.is_empty() {
            return fixed;
        }
        match CHOSEN_PURPOSES.iter().find(|p| **p == typed.get("purpose")) {
            Some(p) => p,
            None => {
                problems.push(Problem::new("purpose", t("send-need-purpose")));
                ""
            }
        }
    }

    /// The fields after the person, the case and the recipients.
    fn fields(self, form: &mut Builder<'_>) {
        match self {
            Kind::ReleaseNotice => release_fields(form),
            Kind::HandoverRequest => handover_fields(form),
            Kind::CaseClosing => closing_fields(form),
            Kind::InformationRequest => question_fields(form),
            Kind::RiskNeedSummary => risk_fields(form),
            Kind::RelocationRequest => relocation_fields(form),
            Kind::OutcomeReport => outcome_fields(form),
        }
    }

    /// The body and the categories it carries, from what was typed; problems go to
    /// `problems` (the body is used only when there are none).
    fn body(self, typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
        match self {
            Kind::ReleaseNotice => release_body(typed, problems),
            Kind::HandoverRequest => handover_body(typed, problems),
            Kind::CaseClosing => closing_body(typed, problems),
            Kind::InformationRequest => question_body(typed, problems),
            Kind::RiskNeedSummary => risk_body(typed, problems),
            Kind::RelocationRequest => relocation_body(typed, problems),
            Kind::OutcomeReport => outcome_body(typed, problems),
        }
    }
}

/// The purposes a caseworker may choose where the flow does not fix one (never criminal
/// investigation or benefit-fraud control, which no consent can grant).
const CHOSEN_PURPOSES: [&str; 3] = [
    "REINTEGRATION_PLANNING",
    "RELEASE_COORDINATION",
    "CASE_COORDINATION",
];

/// The send page and one form per flow, each a GET showing it and a POST sending it.
pub(super) fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/send", get(send_page));
    for kind in Kind::ALL {
        let path = kind.words().0;
        router = router
            .route(path, get(form).post(send_form))
            .route(&format!("{path}{CHECK}"), post(check_form));
    }
    router
}

/// The send page: each form with a line on when to use it, then the consent form.
#[derive(askama::Template)]
#[template(path = "forms/send_page.html")]
struct SendPage {
    title: String,
    intro: String,
    flows: Vec<Flow>,
    consent_heading: String,
    consent_title: String,
    consent_when: String,
}

/// A form the send page lists.
struct Flow {
    path: &'static str,
    title: String,
    when: String,
}

/// `GET /send`: what can be sent from the page, each with a line on when to use it.
async fn send_page(State(state): State<AppState>) -> Result<Response, PageError> {
    let flows = Kind::ALL
        .into_iter()
        .map(|kind| {
            let (path, title, _, _) = kind.words();
            Flow {
                path,
                title: t(title),
                when: t(&format!("{title}-when")),
            }
        })
        .collect();
    let main = render(&SendPage {
        title: t("send-page-title"),
        intro: t("send-page-intro"),
        flows,
        consent_heading: t("send-page-consent"),
        consent_title: t("consent-form-title"),
        consent_when: t("send-page-consent-when"),
    })?;
    Ok(page(
        StatusCode::OK,
        &t("send-page-title"),
        Some(state.agent().as_str()),
        &main,
    ))
}

/// `GET /send/...`: the empty form; a release notice names the signed-in caseworker as its
/// contact officer.
async fn form(State(state): State<AppState>, uri: Uri) -> Result<Response, PageError> {
    let kind = Kind::from_path(uri.path()).ok_or(PageError(Failure::NotFound("form")))?;
    let mut typed = Typed::default();
    if let (Kind::ReleaseNotice, Some(sent_by)) = (kind, page_sent_by()) {
        typed.set("officer", sent_by.name.as_str());
    }
    if let Kind::RiskNeedSummary = kind {
        typed.set("instrument", "LS/RNR");
    }
    Ok(show(&state, kind, StatusCode::OK, &typed, &[]).await?)
}

/// `POST /send/...`: checks and queues the message; a case closing only the case's owner may
/// send (the hub refuses anyone else).
async fn send_form(
    State(state): State<AppState>,
    uri: Uri,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let kind = Kind::from_path(uri.path()).ok_or(PageError(Failure::NotFound("form")))?;
    send(&state, kind, &body).await
}

/// Checks what was typed into the form of `kind`, then queues the message; on a problem the
/// form again, with what was typed and what to fix.
async fn send(state: &AppState, kind: Kind, body: &[u8]) -> Result<Response, PageError> {
    let typed = Typed::parse(body);
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let draft = match draft_of(state, kind, &typed) {
        Ok(draft) => draft,
        Err(problems) => return Ok(show(state, kind, refused, &typed, &problems).await?),
    };
    match submit_from_page(state, draft, kind.message_type()).await? {
        Ok(done) => Ok(done),
        Err(problem) => Ok(show(state, kind, refused, &typed, &[problem]).await?),
    }
}

/// `POST /send/.../check`: what a send of the form as typed would refuse, queueing nothing.
async fn check_form(
    State(state): State<AppState>,
    uri: Uri,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let path = uri.path().strip_suffix(CHECK).unwrap_or_default();
    let kind = Kind::from_path(path).ok_or(PageError(Failure::NotFound("form")))?;
    let problems = draft_of(&state, kind, &Typed::parse(&body)).err();
    Ok(check_answer(&problems.unwrap_or_default()))
}

/// The message the form of `kind` describes as typed, ready to queue; or every problem.
fn draft_of(state: &AppState, kind: Kind, typed: &Typed) -> Result<Value, Vec<Problem>> {
    let mut problems = Vec::new();
    let today = chrono::Utc::now().date_naive();
    let has_key = state.pseudonym_key().is_some();
    let person = person_of(typed, today, has_key, &mut problems).map(|p| p.draft);
    case_and_recipients(typed, &mut problems);
    let purpose = kind.purpose(typed, &mut problems);
    let (body, categories) = kind.body(typed, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(json!({
        "person": person,
        "envelope": {
            "case_id": typed.get("case_id"),
            "recipients": typed.recipients,
            "message_type": kind.message_type(),
            "purpose": purpose,
            "data_categories": categories,
        },
        "body": body,
    }))
}

/// What a form's check address adds to the form's own address.
pub(super) const CHECK: &str = "/check";

/// Where the form posted to `action` is checked as it is typed: `action` with [`CHECK`] after
/// its path (`/send/release-notice/check`, `/messages/…/reply/check?sender=…`).
pub(super) fn check_address(action: &str) -> String {
    match action.split_once('?') {
        Some((path, query)) => format!("{path}{CHECK}?{query}"),
        None => format!("{action}{CHECK}"),
    }
}

/// A check address's answer: the problems a send would refuse (none when it would go), as
/// `{"problems": [{"field": "national_id", "words": "…"}]}`, each field the id of the control
/// or group it is about, the words in the caseworker's language.
pub(super) fn check_answer(problems: &[Problem]) -> Response {
    axum::Json(json!({ "problems": problems })).into_response()
}

/// Queues `draft` as the signed-in caseworker, who is named in it as its sender (CONTACT):
/// the inbox with a note that it is on its way, or the problem the agent found in it, for
/// the form to show beside what was typed.
pub(super) async fn submit_from_page(
    state: &AppState,
    mut draft: Value,
    message_type: MessageType,
) -> Result<Result<Response, Problem>, PageError> {
    if let Some(sent_by) = page_sent_by() {
        draft["envelope"]["sent_by"] = json!(sent_by);
    }
    Ok(queue_from_page(state, &draft, message_type)
        .await?
        .map(|submitted| Redirect::to(&format!("/?sent={}", submitted.message_id)).into_response()))
}

/// Queues `draft` (of `message_type` only) as the signed-in caseworker: what was queued, or
/// the problem the agent found in it, for the form to show beside what was typed.
pub(super) async fn queue_from_page(
    state: &AppState,
    draft: &Value,
    message_type: MessageType,
) -> Result<Result<actions::Submitted, Problem>, PageError> {
    let bytes = serde_json::to_vec(draft).expect("a JSON value serializes");
    match actions::submit_draft(state, &page_actor(), &bytes, Some(message_type)).await {
        Ok(submitted) => Ok(Ok(submitted)),
        Err(Failure::Caller { error, detail, .. }) => Ok(Err(agent_refusal(error, detail))),
        Err(other) => Err(other.into()),
    }
}

/// What the agent's own checks refused, in words and tied to the field to correct where the
/// refusal names one; anything else with the agent's technical detail.
fn agent_refusal(error: &str, detail: String) -> Problem {
    let (field, id) = match error {
        "no_sealing_key" | "bad_sealing_key" => ("recipients", "send-agent-no-key"),
        "nobody_entitled" => ("recipients", "send-agent-nobody-entitled"),
        "invalid_person" | "unknown_person" => ("name", "send-agent-need-name"),
        "invalid_national_id" => ("national_id", "send-bad-number-short"),
        "no_pseudonym_key" => ("national_id", "send-no-pseudonym-key"),
        _ => {
            return Problem::new(
                "form",
                t_with("send-refused-by-agent", &[("detail", detail)]),
            );
        }
    };
    Problem::new(field, t(id))
}

/// A date as typed, if any; a problem when it is not a date.
pub(super) fn date(typed: &Typed, field: &str, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
    let text = typed.get(field);
    if text.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            problems.push(Problem::new(field, t("send-bad-date")));
            None
        }
    }
}

/// A person as typed, checked by the number's rules.
pub(super) struct Person {
    /// For a draft's `person`: the country, the number, and the name when one was typed.
    pub(super) draft: Value,
    /// The country that issued the number.
    pub(super) jurisdiction: Jurisdiction,
    /// The day of birth the number gives.
    pub(super) born: NaiveDate,
}

/// The person as typed, the number checked by its country's rules on `today`; or what to
/// fix (a missing country and a missing number both).
pub(super) fn person_of(
    typed: &Typed,
    today: NaiveDate,
    has_pseudonym_key: bool,
    problems: &mut Vec<Problem>,
) -> Option<Person> {
    if !has_pseudonym_key {
        problems.push(Problem::new("national_id", t("send-no-pseudonym-key")));
        return None;
    }
    let country = typed.get("country");
    let jurisdiction = match country {
        "DK" => Some(Jurisdiction::DK),
        "NO" => Some(Jurisdiction::NO),
        "SE" => Some(Jurisdiction::SE),
        _ => {
            problems.push(Problem::new("country", t("send-need-country")));
            None
        }
    };
    let number = typed.get("national_id");
    if number.is_empty() {
        problems.push(Problem::new("national_id", t("send-need-number")));
        return None;
    }
    let jurisdiction = jurisdiction?;
    let parsed = match schemas::NationalId::parse(jurisdiction, number, today) {
        Ok(parsed) => parsed,
        Err(rule) => {
            let words = t_with("send-bad-number", &[("rule", rule.to_string())]);
            problems.push(Problem::new("national_id", words));
            return None;
        }
    };
    let mut draft = json!({"jurisdiction": country, "national_id": number});
    let name = typed.get("name");
    if !name.is_empty() {
        draft["name"] = json!(name);
    }
    Some(Person {
        draft,
        jurisdiction,
        born: parsed.date_of_birth(),
    })
}

/// The case and the recipients as typed; what to fix if either is missing.
fn case_and_recipients(typed: &Typed, problems: &mut Vec<Problem>) {
    if typed.get("case_id").is_empty() {
        problems.push(Problem::new("case_id", t("send-need-case")));
    }
    if typed.recipients.is_empty() {
        problems.push(Problem::new("recipients", t("send-need-recipient")));
    }
}

/// A release notice's body: dates, supervision, needs and the contact officer.
fn release_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let expected = date(typed, "expected_release", problems);
    if expected.is_none() && typed.get("expected_release").is_empty() {
        problems.push(Problem::new("expected_release", t("send-need-expected")));
    }
    let earliest = date(typed, "earliest_release", problems);
    if let (Some(e), Some(x)) = (earliest, expected)
        && e > x
    {
        problems.push(Problem::new(
            "earliest_release",
            t("send-earliest-after-expected"),
        ));
    }
    let until = date(typed, "supervision_until", problems);
    let kind = match typed.get("supervision") {
        k @ ("none" | "parole" | "probation" | "community_sentence") => k,
        _ => {
            problems.push(Problem::new("supervision", t("send-need-supervision")));
            "none"
        }
    };
    let officer = typed.get("officer");
    if officer.is_empty() || officer.chars().count() > 200 {
        problems.push(Problem::new("officer", t("send-need-officer")));
    }
    let need = |field: &str| match typed.get(field) {
        v @ ("none" | "needs_support" | "urgent") => Some(v.to_owned()),
        _ => None,
    };
    let mut categories = vec!["SENTENCE_RELEASE"];
    let mut body = json!({
        "expected_release": expected,
        "supervision": {"kind": kind},
        "contact_officer": {"name": officer},
    });
    if let Some(e) = earliest {
        body["earliest_release"] = json!(e);
    }
    if let Some(u) = until {
        body["supervision"]["until"] = json!(u);
    }
    if !typed.get("phone").is_empty() {
        body["contact_officer"]["phone"] = json!(typed.get("phone"));
    }
    if let (Some(housing), Some(income)) = (need("housing"), need("income")) {
        body["needs"] = json!({"housing": housing, "income": income});
        categories.push("ECONOMY_BENEFITS");
    }
    (body, categories)
}

/// A handover request's body: the answer date (not past), why and the plan so far.
fn handover_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let respond_by = date(typed, "respond_by", problems);
    if typed.get("respond_by").is_empty() {
        problems.push(Problem::new("respond_by", t("send-need-respond-by")));
    } else if respond_by.is_some_and(|d| d < chrono::Utc::now().date_naive()) {
        problems.push(Problem::new("respond_by", t("send-respond-by-past")));
    }
    let why = typed.get("why");
    if why.is_empty() || why.chars().count() > 200 || why.contains('\n') {
        problems.push(Problem::new("why", t("send-need-why")));
    }
    let plan = typed.get("plan");
    if plan.is_empty() || plan.chars().count() > 4000 {
        problems.push(Problem::new("plan", t("send-need-plan")));
    }
    let body = json!({
        "handover_id": uuid::Uuid::new_v4(),
        "reason": why,
        "respond_by": respond_by,
        "plan_summary": plan,
    });
    (body, vec!["CASE_STATUS"])
}

/// The reasons a case ends, as the wire names them.
const END_REASONS: [&str; 5] = [
    "completed",
    "dropped_out",
    "transferred",
    "consent_withdrawn",
    "deceased",
];

/// A case closing's body: why the case ends, now.
fn closing_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let reason = typed.get("end_reason");
    if !END_REASONS.contains(&reason) {
        problems.push(Problem::new("end_reason", t("send-need-end-reason")));
    }
    let body = json!({"reason": reason, "closed_at": chrono::Utc::now()});
    (body, vec!["CASE_STATUS"])
}

/// The data categories an information request may ask for (never the protected location,
/// which travels sealed and only to its allow-list).
const ASKABLE: [&str; 8] = [
    "SENTENCE_RELEASE",
    "CRIMINAL_HISTORY",
    "RISK_NEED",
    "HEALTH_SUBSTANCE",
    "ECONOMY_BENEFITS",
    "EDUCATION_EMPLOYMENT",
    "CASE_STATUS",
    "CONTACT",
];

/// A text of at most `max` characters, required; `missing` names what to write.
pub(super) fn text(
    typed: &Typed,
    field: &str,
    max: usize,
    missing: &str,
    problems: &mut Vec<Problem>,
) -> String {
    let value = typed.get(field);
    if value.is_empty() || value.chars().count() > max {
        problems.push(Problem::new(field, t(missing)));
    }
    value.to_owned()
}

/// A date that must be given and, when `not_past`/`not_future`, not before/after today.
pub(super) fn required_date(
    typed: &Typed,
    field: &str,
    missing: &str,
    problems: &mut Vec<Problem>,
) -> Option<NaiveDate> {
    if typed.get(field).is_empty() {
        problems.push(Problem::new(field, t(missing)));
        return None;
    }
    date(typed, field, problems)
}

/// An information request's body: the categories asked for and the question.
fn question_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let asked: Vec<&str> = ASKABLE
        .into_iter()
        .filter(|c| typed.checked("category", c))
        .collect();
    if asked.is_empty() {
        problems.push(Problem::new("categories", t("send-need-categories")));
    }
    let question = text(typed, "question", 4000, "send-need-question", problems);
    let body = json!({
        "request_id": uuid::Uuid::new_v4(),
        "categories_requested": asked,
        "question": question,
    });
    (body, vec![])
}

/// The levels of a risk assessment, lowest first, as the wire names them.
const RISK_LEVELS: [&str; 5] = ["very_low", "low", "medium", "high", "very_high"];

/// The LS/RNR need areas, as the wire names them.
const NEED_AREAS: [&str; 8] = [
    "education_employment",
    "family_marital",
    "accommodation",
    "leisure_recreation",
    "companions",
    "alcohol_drug",
    "procriminal_attitude",
    "antisocial_pattern",
];

/// A risk and need summary's body: the instrument, when, the level and up to three needs,
/// most pressing first; no item scores.
fn risk_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let instrument = text(typed, "instrument", 200, "send-need-instrument", problems);
    let assessed = required_date(typed, "assessed_on", "send-need-assessed", problems);
    if assessed.is_some_and(|d| d > chrono::Utc::now().date_naive()) {
        problems.push(Problem::new("assessed_on", t("send-assessed-future")));
    }
    let level = typed.get("level");
    if !RISK_LEVELS.contains(&level) {
        problems.push(Problem::new("level", t("send-need-level")));
    }
    let mut needs: Vec<&str> = Vec::new();
    for field in ["need_1", "need_2", "need_3"] {
        let need = typed.get(field);
        if NEED_AREAS.contains(&need) && !needs.contains(&need) {
            needs.push(need);
        }
    }
    if needs.is_empty() {
        problems.push(Problem::new("need_1", t("send-need-needs")));
    }
    let body = json!({
        "instrument": instrument,
        "assessed_on": assessed,
        "level": level,
        "top_needs": needs,
    });
    (body, vec!["RISK_NEED"])
}

/// The threat levels of a relocation, lowest first, as the wire names them.
const THREAT_LEVELS: [&str; 4] = ["low", "moderate", "high", "severe"];

/// A relocation request's body: the threat, the date, the needs, and the destination as
/// plaintext for the agent to seal to the receiving municipality alone (never stored).
fn relocation_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let threat = typed.get("threat_level");
    if !THREAT_LEVELS.contains(&threat) {
        problems.push(Problem::new("threat_level", t("send-need-threat")));
    }
    let needed_by = required_date(typed, "needed_by", "send-need-needed-by", problems);
    if needed_by.is_some_and(|d| d < chrono::Utc::now().date_naive()) {
        problems.push(Problem::new("needed_by", t("send-needed-by-past")));
    }
    let needs = text(typed, "needs", 4000, "send-need-relocation-needs", problems);
    let place = address_of(typed, problems);
    let body = json!({
        "relocation_id": uuid::Uuid::new_v4(),
        "threat_level": threat,
        "needed_by": needed_by,
        "needs": needs,
        "sealed_destination": {"seal": place},
    });
    (body, vec!["RISK_NEED", "CASE_STATUS", "PROTECTED_LOCATION"])
}

/// The address typed into [`Builder::address`], as the agent seals it; what to fix.
pub(super) fn address_of(typed: &Typed, problems: &mut Vec<Problem>) -> Value {
    let mut place = json!({
        "address": text(typed, "address", 200, "send-need-address", problems),
        "postal_code": text(typed, "postal_code", 200, "send-need-postal-code", problems),
        "city": text(typed, "city", 200, "send-need-city", problems),
    });
    if !typed.get("notes").is_empty() {
        place["notes"] = json!(text(typed, "notes", 4000, "send-long-notes", problems));
    }
    place
}

/// A yes, no or not-yet-known answer as the wire takes it (absent when not known).
fn known(typed: &Typed, field: &str) -> Option<bool> {
    match typed.get(field) {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// An outcome report's body: why and when the case ended, and the two follow-ups when known.
fn outcome_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let reason = typed.get("end_reason");
    if !END_REASONS.contains(&reason) {
        problems.push(Problem::new("end_reason", t("send-need-end-reason")));
    }
    let ended = required_date(typed, "ended_on", "send-need-ended-on", problems);
    if ended.is_some_and(|d| d > chrono::Utc::now().date_naive()) {
        problems.push(Problem::new("ended_on", t("send-ended-future")));
    }
    let mut body = json!({"end_reason": reason, "ended_on": ended});
    if let Some(charge) = known(typed, "no_new_charge") {
        body["no_new_serious_charge_12m"] = json!(charge);
    }
    if let Some(working) = known(typed, "in_work") {
        body["in_education_or_job_3m"] = json!(working);
    }
    (body, vec!["OUTCOME"])
}

/// The agencies this one can send to, by name (from the key directory), sorted by name.
pub(super) async fn recipients_of(state: &AppState) -> Result<Vec<(String, String)>, Failure> {
    let names = state.store().agency_names().await?;
    let mut recipients: Vec<(String, String)> = state
        .store()
        .directory_keys()
        .await?
        .into_iter()
        .filter(|k| k.current && &k.agency != state.agent())
        .map(|k| {
            let id = k.agency.to_string();
            let name = names.get(&id).cloned().unwrap_or_else(|| id.clone());
            (id, name)
        })
        .collect();
    recipients.sort_by(|a, b| a.1.cmp(&b.1));
    recipients.dedup();
    Ok(recipients)
}

/// The start of a form page: back link, title, lead and the summary of the problems, each
/// linked to its field.
#[derive(askama::Template)]
#[template(path = "forms/heading.html")]
struct Heading<'a> {
    back: String,
    title: &'a str,
    lead: &'a str,
    fix_these: &'a str,
    problems: &'a [Problem],
}

/// A note that something went well.
#[derive(askama::Template)]
#[template(path = "forms/note.html")]
struct Note<'a> {
    id: &'a str,
    words: &'a str,
}

/// A form's start.
#[derive(askama::Template)]
#[template(path = "forms/open.html")]
struct Open<'a> {
    action: &'a str,
    class: &'a str,
    /// Where the form's script checks it as it is typed.
    check: Option<String>,
}

/// What a field is typed or chosen in.
enum Control {
    /// A one-line input of the type `kind` with its extra attributes (name, value).
    Input {
        kind: String,
        value: String,
        extra: Vec<(String, String)>,
    },
    /// A multi-line text.
    Textarea { value: String },
    /// A choice among options.
    Select { options: Vec<Choosable> },
}

/// An option of a select.
struct Choosable {
    value: String,
    words: String,
    selected: bool,
}

/// One labelled field with its hint and its problem.
struct Field {
    id: String,
    label: String,
    hint: Option<String>,
    error: Option<String>,
    control: Control,
}

impl Field {
    /// The ids of its hint and its problem, for `aria-describedby` (empty with neither).
    fn described(&self) -> String {
        described(&self.id, self.hint.is_some(), self.error.is_some())
    }
}

/// The ids of `id`'s hint and problem that exist, space separated.
fn described(id: &str, hint: bool, error: bool) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    ids.join(" ")
}

/// One field on its own.
#[derive(askama::Template)]
#[template(path = "forms/field_piece.html")]
struct FieldPiece<'a> {
    field: &'a Field,
}

/// A group of fields: its legend, hint and problem; with an `id`, the hint and the problem
/// are tied to the group.
struct Group {
    id: String,
    class: String,
    legend: String,
    hint: Option<String>,
    error: Option<String>,
}

impl Group {
    /// The ids of its hint and its problem, for `aria-describedby` (none without an id).
    fn described(&self) -> String {
        if self.id.is_empty() {
            return String::new();
        }
        described(&self.id, self.hint.is_some(), self.error.is_some())
    }
}

/// A group's start, its fields to follow.
#[derive(askama::Template)]
#[template(path = "forms/group_piece.html")]
struct GroupStart<'a> {
    group: &'a Group,
}

/// A whole group of fields (the person, an address).
#[derive(askama::Template)]
#[template(path = "forms/fieldset.html")]
struct Fieldset {
    group: Group,
    fields: Vec<Field>,
}

/// One checkbox with its label.
struct Choice {
    id: String,
    name: String,
    value: String,
    words: String,
    checked: bool,
    class: String,
    described: Option<String>,
}

/// Checkboxes, one after the other.
#[derive(askama::Template)]
#[template(path = "forms/choices.html")]
struct Choices {
    choices: Vec<Choice>,
}

/// A group of checkboxes (the recipients, the categories asked for), with a line `none`
/// when there is nothing to choose.
#[derive(askama::Template)]
#[template(path = "forms/checkboxes.html")]
struct Checkboxes {
    group: Group,
    none: Option<String>,
    choices: Vec<Choice>,
}

/// A problem of `id`, under the field or group it is about.
#[derive(askama::Template)]
#[template(path = "forms/error.html")]
struct ErrorLine<'a> {
    id: &'a str,
    words: &'a str,
    alert: bool,
}

/// A text the form is about, labelled.
#[derive(askama::Template)]
#[template(path = "forms/quote.html")]
struct Quote<'a> {
    label: &'a str,
    text: &'a str,
}

/// A line of words.
#[derive(askama::Template)]
#[template(path = "forms/line.html")]
struct Line<'a> {
    words: &'a str,
}

/// A block's start, for the layout.
#[derive(askama::Template)]
#[template(path = "forms/block.html")]
struct Block<'a> {
    class: &'a str,
}

/// The form's end: the send button, and a button to check it first when `check`.
#[derive(askama::Template)]
#[template(path = "forms/finish.html")]
struct Finish<'a> {
    check: Option<&'a str>,
    button: &'a str,
}

/// Extra attributes of an input, as (name, value): ` maxlength="200"`, ` min="…"`.
pub(super) type Attributes<'a> = &'a [(&'a str, &'a str)];

/// Assembles a send form from its rendered pieces: labelled fields that keep what was
/// typed, each with its hint and its problem tied to it for screen readers, and a summary of
/// the problems linked to them.
pub(super) struct Builder<'a> {
    typed: &'a Typed,
    problems: &'a [Problem],
    html: String,
    failed: Option<Failure>,
}

impl<'a> Builder<'a> {
    /// The page's start: back link, title, lead and the problems; then the form's start.
    pub(super) fn new(
        typed: &'a Typed,
        problems: &'a [Problem],
        title: &str,
        lead: &str,
        action: &str,
    ) -> Self {
        let mut form = Builder::headed(typed, problems, title, lead, &t("send-fix-these"));
        form.open(action, "card send");
        form
    }

    /// The page's start as [`Builder::new`] writes it, the problems under `fix_these`, but
    /// not yet the form's: a [`Builder::note`] may come first, then [`Builder::open`].
    pub(super) fn headed(
        typed: &'a Typed,
        problems: &'a [Problem],
        title: &str,
        lead: &str,
        fix_these: &str,
    ) -> Self {
        let mut form = Builder {
            typed,
            problems,
            html: String::new(),
            failed: None,
        };
        form.push(&Heading {
            back: t("back-to-inbox"),
            title,
            lead,
            fix_these,
            problems,
        });
        form
    }

    /// Adds `piece`, rendered; a failure is kept for [`Builder::finish`] to answer.
    fn push(&mut self, piece: &impl askama::Template) {
        match render(piece) {
            Ok(html) => self.html.push_str(&html),
            Err(failure) => {
                self.failed.get_or_insert(failure);
            }
        }
    }

    /// A note above the form that something went well (a form checked without problems).
    pub(super) fn note(&mut self, id: &str, words: &str) {
        self.push(&Note { id, words });
        self.html.push('\n');
    }

    /// The form's start, posting to `action` and checked as it is typed at
    /// [`check_address`]`(action)`, its card of the classes `class`.
    pub(super) fn open(&mut self, action: &str, class: &str) {
        let check = Some(check_address(action));
        self.push(&Open {
            action,
            class,
            check,
        });
        self.html.push('\n');
    }

    fn problem(&self, field: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.field == field)
    }

    /// The words of the problem of `id`, if it has one.
    fn error_of(&self, id: &str) -> Option<String> {
        self.problem(id).map(|p| p.words.clone())
    }

    /// Writes the problem of `id` (`{id}-error`), if it has one.
    fn write_problem(&mut self, id: &str) {
        if let Some(words) = self.error_of(id) {
            self.push(&ErrorLine {
                id,
                words: &words,
                alert: false,
            });
        }
    }

    /// A field `id` around `control`, with its problem if it has one.
    fn field_of(&self, id: &str, label: &str, hint: Option<&str>, control: Control) -> Field {
        Field {
            id: id.to_owned(),
            label: label.to_owned(),
            hint: hint.map(str::to_owned),
            error: self.error_of(id),
            control,
        }
    }

    /// A text-like input field (`text`, `date`, `tel`) with what was typed.
    fn input_field(
        &self,
        id: &str,
        kind: &str,
        label: &str,
        hint: Option<&str>,
        extra: Attributes<'_>,
    ) -> Field {
        let control = Control::Input {
            kind: kind.to_owned(),
            value: self.typed.get(id).to_owned(),
            extra: extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        };
        self.field_of(id, label, hint, control)
    }

    /// A text-like input (`text`, `date`, `tel`) with what was typed; `extra` attributes
    /// (`("maxlength", "200")`, `("min", "…")`) as given.
    pub(super) fn input(
        &mut self,
        id: &str,
        kind: &str,
        label: &str,
        hint: Option<&str>,
        extra: Attributes<'_>,
    ) {
        let field = self.input_field(id, kind, label, hint, extra);
        self.push_field(&field);
    }

    /// Adds one field and a line break.
    fn push_field(&mut self, field: &Field) {
        self.push(&FieldPiece { field });
        self.html.push('\n');
    }

    /// A multi-line text field with what was typed.
    fn textarea_field(&self, id: &str, label: &str, hint: Option<&str>) -> Field {
        let value = self.typed.get(id).to_owned();
        self.field_of(id, label, hint, Control::Textarea { value })
    }

    /// A multi-line text with what was typed.
    pub(super) fn textarea(&mut self, id: &str, label: &str, hint: Option<&str>) {
        let field = self.textarea_field(id, label, hint);
        self.push_field(&field);
    }

    /// A choice among `options` (value, words), what was chosen kept.
    fn select_field(
        &self,
        id: &str,
        label: &str,
        options: &[(&str, String)],
        hint: Option<&str>,
    ) -> Field {
        let chosen = self.typed.get(id);
        let options = options
            .iter()
            .map(|(value, words)| Choosable {
                value: (*value).to_owned(),
                words: words.clone(),
                selected: chosen == *value,
            })
            .collect();
        self.field_of(id, label, hint, Control::Select { options })
    }

    /// A choice among `options` (value, words), what was chosen kept.
    pub(super) fn select(
        &mut self,
        id: &str,
        label: &str,
        options: &[(&str, String)],
        hint: Option<&str>,
    ) {
        let field = self.select_field(id, label, options, hint);
        self.push_field(&field);
    }

    /// A group `id` of the classes `class` under a legend: its hint and its problem follow
    /// the legend, tied to the group for screen readers.
    fn group_of(&self, id: &str, class: &str, legend: &str, hint: Option<&str>) -> Group {
        Group {
            id: id.to_owned(),
            class: class.to_owned(),
            legend: legend.to_owned(),
            hint: hint.map(str::to_owned),
            error: self.error_of(id),
        }
    }

    /// A group of checkboxes named `name`, one per choice (value, words), what was ticked
    /// kept; `id` ties the group to its problem.
    pub(super) fn checkboxes(
        &mut self,
        id: &str,
        name: &str,
        legend: &str,
        choices: &[(impl AsRef<str>, String)],
        hint: Option<&str>,
    ) {
        let group = self.group_of(id, "choices", legend, hint);
        let choices = choices
            .iter()
            .map(|(value, words)| {
                let value = value.as_ref();
                Choice {
                    id: format!("{id}-{value}"),
                    name: name.to_owned(),
                    value: value.to_owned(),
                    words: words.clone(),
                    checked: self.typed.checked(name, value),
                    class: "choice".to_owned(),
                    described: None,
                }
            })
            .collect();
        self.push(&Checkboxes {
            group,
            none: None,
            choices,
        });
        self.html.push('\n');
    }

    /// One checkbox `id` for `name`=`value`, ticked as typed, with its problem after it;
    /// `class` adds to its `choice` class.
    pub(super) fn checkbox(&mut self, id: &str, name: &str, value: &str, label: &str, class: &str) {
        let choice = Choice {
            id: id.to_owned(),
            name: name.to_owned(),
            value: value.to_owned(),
            words: label.to_owned(),
            checked: self.typed.checked(name, value),
            class: format!("choice {class}").trim_end().to_owned(),
            described: self.problem(id).map(|_| format!("{id}-error")),
        };
        self.push(&Choices {
            choices: vec![choice],
        });
        self.write_problem(id);
    }

    /// A text the form is about (the question answered, a date asked for), labelled.
    pub(super) fn quote(&mut self, label: &str, text: &str) {
        self.push(&Quote { label, text });
    }

    /// A line of words in the form (that there is nothing to choose from, say).
    pub(super) fn line(&mut self, words: &str) {
        self.push(&Line { words });
    }

    /// A problem of a group (`{id}-error`), written where the group starts.
    pub(super) fn error(&mut self, id: &str, words: &str) {
        self.push(&ErrorLine {
            id,
            words,
            alert: true,
        });
    }

    /// Starts a group of fields under a legend, with a line on what it is for.
    pub(super) fn group_start(&mut self, legend: &str, hint: Option<&str>) {
        let group = self.group_of("", "", legend, hint);
        self.push(&GroupStart { group: &group });
    }

    /// Starts a group with a problem of its own (`id`'s, linked from the summary), written
    /// under its legend and hint and tied to the group.
    pub(super) fn group_start_of(&mut self, id: &str, legend: &str, hint: Option<&str>) {
        let group = self.group_of(id, "", legend, hint);
        self.push(&GroupStart { group: &group });
    }

    /// Ends the group [`Builder::group_start`] or [`Builder::group_start_of`] began.
    pub(super) fn group_end(&mut self) {
        self.html.push_str("</fieldset>\n");
    }

    /// Starts a block (`<div>`) of the classes `class`, for the layout.
    pub(super) fn block_start(&mut self, class: &str) {
        self.push(&Block { class });
    }

    /// Ends the block [`Builder::block_start`] began.
    pub(super) fn block_end(&mut self) {
        self.html.push_str("</div>");
    }

    /// The person: the country and the number (checked before anything is queued, and
    /// `number_hint` on what becomes of it), and a name.
    pub(super) fn person(&mut self, number_hint: &str) {
        let countries = [
            ("", t("send-choose")),
            ("DK", t("send-country-dk")),
            ("NO", t("send-country-no")),
            ("SE", t("send-country-se")),
        ];
        let off: Attributes<'_> = &[("autocomplete", "off")];
        let fields = vec![
            self.select_field("country", &t("send-country"), &countries, None),
            self.input_field(
                "national_id",
                "text",
                &t("send-number"),
                Some(number_hint),
                off,
            ),
            self.input_field("name", "text", &t("send-name"), None, off),
        ];
        let group = self.group_of("", "", &t("send-person"), None);
        self.push(&Fieldset { group, fields });
        self.html.push('\n');
    }

    /// A protected address (street, postal code, city and notes) as a group under `legend`,
    /// with `hint` on who will read it.
    pub(super) fn address(&mut self, legend: &str, hint: &str) {
        let off: Attributes<'_> = &[("maxlength", "200"), ("autocomplete", "off")];
        let fields = vec![
            self.input_field("address", "text", &t("send-address"), None, off),
            self.input_field("postal_code", "text", &t("send-postal-code"), None, off),
            self.input_field("city", "text", &t("send-city"), None, off),
            self.textarea_field(
                "notes",
                &t("send-location-notes"),
                Some(&t("send-optional")),
            ),
        ];
        let group = self.group_of("", "", legend, Some(hint));
        self.push(&Fieldset { group, fields });
        self.html.push('\n');
    }

    /// The recipients, one checkbox each, as a group with its legend and its problem.
    pub(super) fn recipients(&mut self, recipients: &[(String, String)]) {
        self.recipients_titled(&t("send-recipients"), recipients);
    }

    /// [`Builder::recipients`] under its own legend.
    pub(super) fn recipients_titled(&mut self, legend: &str, recipients: &[(String, String)]) {
        let group = self.group_of("recipients", "", legend, None);
        let none = recipients.is_empty().then(|| t("send-no-recipients"));
        let choices = recipients
            .iter()
            .enumerate()
            .map(|(i, (id, name))| Choice {
                id: format!("recipient-{i}"),
                name: "recipient".to_owned(),
                value: id.clone(),
                words: name.clone(),
                checked: self.typed.recipients.contains(id),
                class: "choice".to_owned(),
                described: None,
            })
            .collect();
        self.push(&Checkboxes {
            group,
            none,
            choices,
        });
        self.html.push('\n');
    }

    /// The send button and the form's end.
    pub(super) fn finish(self, button: &str) -> Result<String, Failure> {
        self.end(None, button)
    }

    /// [`Builder::finish`] with a button `check` before the send button, which posts the form
    /// with `check=1`: to have it checked without sending anything.
    pub(super) fn finish_with_check(self, check: &str, button: &str) -> Result<String, Failure> {
        self.end(Some(check), button)
    }

    /// The form's end with its buttons; the whole page body, or the first piece that failed.
    fn end(mut self, check: Option<&str>, button: &str) -> Result<String, Failure> {
        self.push(&Finish { check, button });
        self.html.push('\n');
        match self.failed {
            Some(failure) => Err(failure),
            None => Ok(self.html),
        }
    }
}

/// The form of `kind`, with what was typed and the problems to fix (none on a fresh form).
async fn show(
    state: &AppState,
    kind: Kind,
    status: StatusCode,
    typed: &Typed,
    problems: &[Problem],
) -> Result<Response, Failure> {
    let recipients = recipients_of(state).await?;
    let (action, title, intro, button) = kind.words();
    let mut form = Builder::new(typed, problems, &t(title), &t(intro), action);
    form.person(&t("send-number-hint"));
    form.input(
        "case_id",
        "text",
        &t("send-case"),
        Some(&t("send-case-hint")),
        &[],
    );
    form.recipients(&recipients);
    kind.fields(&mut form);
    let main = form.finish(&t(button))?;
    Ok(page(status, &t(title), Some(state.agent().as_str()), &main))
}

fn release_fields(form: &mut Builder<'_>) {
    form.input("expected_release", "date", &t("send-expected"), None, &[]);
    form.input(
        "earliest_release",
        "date",
        &t("send-earliest"),
        Some(&t("send-optional")),
        &[],
    );
    form.select(
        "supervision",
        &t("send-supervision"),
        &[
            ("", t("send-choose")),
            ("none", t("supervision-none")),
            ("parole", t("supervision-parole")),
            ("probation", t("supervision-probation")),
            ("community_sentence", t("supervision-community_sentence")),
        ],
        None,
    );
    form.input(
        "supervision_until",
        "date",
        &t("send-supervision-until"),
        Some(&t("send-optional")),
        &[],
    );
    let needs = [
        ("", t("send-need-not-given")),
        ("none", t("need-none")),
        ("needs_support", t("need-needs_support")),
        ("urgent", t("need-urgent")),
    ];
    form.select(
        "housing",
        &t("send-housing"),
        &needs,
        Some(&t("send-needs-hint")),
    );
    form.select("income", &t("send-income"), &needs, None);
    form.input(
        "officer",
        "text",
        &t("send-officer"),
        Some(&t("send-officer-hint")),
        &[("maxlength", "200")],
    );
    form.input(
        "phone",
        "tel",
        &t("send-phone"),
        Some(&t("send-optional")),
        &[("maxlength", "200")],
    );
}

fn handover_fields(form: &mut Builder<'_>) {
    form.input(
        "respond_by",
        "date",
        &t("send-respond-by"),
        Some(&t("send-respond-by-hint")),
        &[],
    );
    form.input(
        "why",
        "text",
        &t("send-why"),
        Some(&t("send-why-hint")),
        &[("maxlength", "200")],
    );
    form.textarea("plan", &t("send-plan"), Some(&t("send-plan-hint")));
}

fn closing_fields(form: &mut Builder<'_>) {
    let mut reasons = vec![("", t("send-choose"))];
    for r in END_REASONS {
        reasons.push((r, t(&format!("end-reason-{r}"))));
    }
    form.select("end_reason", &t("send-end-reason"), &reasons, None);
}

/// The purpose, where the caseworker chooses it.
fn purpose_field(form: &mut Builder<'_>) {
    let mut purposes = vec![("", t("send-choose"))];
    for p in CHOSEN_PURPOSES {
        purposes.push((p, t(&format!("purpose-{p}"))));
    }
    form.select(
        "purpose",
        &t("send-purpose"),
        &purposes,
        Some(&t("send-purpose-hint")),
    );
}

fn question_fields(form: &mut Builder<'_>) {
    purpose_field(form);
    let choices: Vec<(&str, String)> = ASKABLE
        .iter()
        .map(|c| (*c, t(&format!("category-{c}"))))
        .collect();
    form.checkboxes(
        "categories",
        "category",
        &t("send-categories"),
        &choices,
        Some(&t("send-categories-hint")),
    );
    form.textarea(
        "question",
        &t("send-question"),
        Some(&t("send-question-hint")),
    );
}

fn risk_fields(form: &mut Builder<'_>) {
    purpose_field(form);
    form.input(
        "instrument",
        "text",
        &t("send-instrument"),
        Some(&t("send-instrument-hint")),
        &[("maxlength", "200")],
    );
    form.input("assessed_on", "date", &t("send-assessed"), None, &[]);
    let mut levels = vec![("", t("send-choose"))];
    for l in RISK_LEVELS {
        levels.push((l, t(&format!("risk-level-{l}"))));
    }
    form.select("level", &t("send-level"), &levels, None);
    let mut needs = vec![("", t("send-need-not-given"))];
    for n in NEED_AREAS {
        needs.push((n, t(&format!("need-area-{n}"))));
    }
    form.select(
        "need_1",
        &t("send-need-first"),
        &needs,
        Some(&t("send-needs-order-hint")),
    );
    form.select("need_2", &t("send-need-second"), &needs, None);
    form.select("need_3", &t("send-need-third"), &needs, None);
}

fn relocation_fields(form: &mut Builder<'_>) {
    let mut threats = vec![("", t("send-choose"))];
    for l in THREAT_LEVELS {
        threats.push((l, t(&format!("threat-level-{l}"))));
    }
    form.select("threat_level", &t("send-threat"), &threats, None);
    form.input(
        "needed_by",
        "date",
        &t("send-needed-by"),
        Some(&t("send-needed-by-hint")),
        &[],
    );
    form.textarea(
        "needs",
        &t("send-relocation-needs"),
        Some(&t("send-relocation-needs-hint")),
    );
    form.address(&t("send-destination"), &t("send-destination-hint"));
}

fn outcome_fields(form: &mut Builder<'_>) {
    let mut reasons = vec![("", t("send-choose"))];
    for r in END_REASONS {
        reasons.push((r, t(&format!("end-reason-{r}"))));
    }
    form.select("end_reason", &t("send-end-reason"), &reasons, None);
    form.input("ended_on", "date", &t("send-ended-on"), None, &[]);
    let answers = [
        ("", t("send-not-known-yet")),
        ("yes", t("send-yes")),
        ("no", t("send-no")),
    ];
    form.select(
        "no_new_charge",
        &t("send-no-new-charge"),
        &answers,
        Some(&t("send-follow-up-hint")),
    );
    form.select("in_work", &t("send-in-work"), &answers, None);
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body as HttpBody;
    use axum::http::Request;

    use crate::testing::{
        TempStore, call, form_check, form_post, municipality_page, page_get, publish_sealing_key,
    };

    /// The form at `path` as a browser posts it in English: with the CSRF token it carries.
    async fn post_to(app: &Router, path: &str, cookie: &str, form: &str) -> Request<HttpBody> {
        form_post(app, path, cookie, "en", form).await
    }

    /// [`post_to`] the case closing's form.
    async fn post(app: &Router, cookie: &str, form: &str) -> Request<HttpBody> {
        post_to(app, "/send/case-closing", cookie, form).await
    }

    /// A municipality's page with a pseudonym key, and a caseworker's session cookie.
    async fn municipality() -> (TempStore, Router, String) {
        let t = TempStore::new().await;
        let (app, cookie) = municipality_page(&t.store);
        (t, app, cookie)
    }

    const PERSON: &str = "country=DK&national_id=290177-1860&name=Sigrid+Testrup\
                          &case_id=KBH-2026-0142&recipient=dk-kriminalforsorgen";

    #[tokio::test]
    async fn the_send_page_lists_every_form_and_each_form_answers() {
        let (_t, app, cookie) = municipality().await;
        let get = |path: &str| page_get(path, &cookie, "sv");
        let (status, _, page) = call(&app, get("/send")).await;
        assert_eq!(status, 200, "{page}");
        for kind in super::Kind::ALL {
            let path = kind.words().0;
            assert!(page.contains(&format!(r#"href="{path}""#)), "{path}");
            assert!(page.contains(r#"href="/consents/new""#));
            let (status, _, form) = call(&app, get(path)).await;
            assert_eq!(status, 200, "{path}: {form}");
            assert!(form.contains(r#"lang="sv""#));
            assert!(!form.contains("send-"), "an id without words on {path}");
        }
        let (status, _, _) = call(&app, get("/send/nothing")).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn a_question_names_what_it_asks_about_and_keeps_the_ticks_when_refused() {
        let (t, app, cookie) = municipality().await;
        let path = "/send/information-request";
        let typed = format!("{PERSON}&purpose=REINTEGRATION_PLANNING&category=RISK_NEED&question=");
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, &typed).await).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="question-error""#), "{page}");
        assert!(
            page.contains(r#"name="category" value="RISK_NEED" checked"#),
            "the tick stays"
        );
        let form = format!("{typed}Has+the+person+finished+any+training%3F");
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, &form).await).await;
        assert_eq!(status, 303, "{page}");
        let sent = t.store.outbox(10).await.unwrap();
        let message = schemas::decode(&sent[0].payload).unwrap();
        assert_eq!(
            message.envelope.purpose,
            schemas::Purpose::ReintegrationPlanning
        );
        let schemas::Body::InformationRequest(asked) = &message.body else {
            panic!("{message:?}")
        };
        assert_eq!(
            asked.categories_requested,
            [schemas::DataCategory::RiskNeed]
        );
    }

    #[tokio::test]
    async fn a_risk_summary_and_an_outcome_report_are_checked_then_sent() {
        let (t, app, cookie) = municipality().await;
        let risk = format!(
            "{PERSON}&purpose=&instrument=LS%2FRNR&assessed_on=2999-01-01&level=\
             &need_1=accommodation&need_2=accommodation&need_3=companions"
        );
        let path = "/send/risk-need-summary";
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, &risk).await).await;
        assert_eq!(status, 422);
        for field in ["purpose", "assessed_on", "level"] {
            assert!(page.contains(&format!(r#"id="{field}-error""#)), "{field}");
        }
        let risk = risk
            .replace("purpose=&", "purpose=RELEASE_COORDINATION&")
            .replace("2999-01-01", "2026-10-02")
            .replace("level=&", "level=medium&");
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, &risk).await).await;
        assert_eq!(status, 303, "{page}");
        let outcome =
            format!("{PERSON}&end_reason=completed&ended_on=2026-09-30&no_new_charge=yes&in_work=");
        let path = "/send/outcome-report";
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, &outcome).await).await;
        assert_eq!(status, 303, "{page}");
        let mut bodies = Vec::new();
        for sent in t.store.outbox(10).await.unwrap() {
            bodies.push(schemas::decode(&sent.payload).unwrap().body);
        }
        let summary = bodies.iter().find_map(|b| match b {
            schemas::Body::RiskNeedSummary(s) => Some(s),
            _ => None,
        });
        let summary = summary.expect("the summary was queued");
        use schemas::messages::NeedArea;
        assert_eq!(
            summary.top_needs,
            [NeedArea::Accommodation, NeedArea::Companions],
            "a need chosen twice counts once"
        );
        let report = bodies.iter().find_map(|b| match b {
            schemas::Body::OutcomeReport(r) => Some(r),
            _ => None,
        });
        let report = report.expect("the report was queued");
        assert_eq!(report.no_new_serious_charge_12m, Some(true));
        assert_eq!(report.in_education_or_job_3m, None, "not known yet");
    }

    #[tokio::test]
    async fn a_relocation_request_seals_the_destination_to_the_receiver_and_stores_no_plaintext() {
        let (t, app, cookie) = municipality().await;
        let path = "/send/relocation-request";
        let form = "country=DK&national_id=290177-1860&name=Sigrid+Testrup&case_id=KBH-2026-0142\
                    &recipient=no-trondheim-kommune&threat_level=high&needed_by=2999-12-20\
                    &needs=Supported+housing&address=Kongens+gate+14B&postal_code=7011\
                    &city=Trondheim&notes=Ring+Kari+Nordmann";
        // Trondheim has no key yet: said in words, on the recipients, and nothing queued.
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, form).await).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="recipients-error""#), "{page}");
        assert!(page.contains("has not published its sealing key"), "{page}");
        assert!(
            page.contains(r#"value="Kongens gate 14B""#),
            "what was typed stays"
        );
        assert!(t.store.outbox(10).await.unwrap().is_empty());

        let trondheim = schemas::AgencyRole::Municipality;
        publish_sealing_key(&t.store, "no-trondheim-kommune", trondheim).await;
        let (status, _, page) = call(&app, post_to(&app, path, &cookie, form).await).await;
        assert_eq!(status, 303, "{page}");
        let sent = t.store.outbox(10).await.unwrap();
        let stored = String::from_utf8_lossy(&sent[0].payload).into_owned();
        for word in crate::testing::SECRET_WORDS {
            assert!(!stored.contains(word), "{word} stored in clear");
        }
        let message = schemas::decode(&sent[0].payload).unwrap();
        let schemas::Body::RelocationRequest(request) = &message.body else {
            panic!("{message:?}")
        };
        let copies = &request.sealed_destination.copies;
        assert_eq!(copies.len(), 1);
        assert_eq!(copies[0].recipient.as_str(), "no-trondheim-kommune");
        assert_eq!(message.envelope.purpose, schemas::Purpose::RelocationSafety);
    }

    #[tokio::test]
    async fn a_forms_check_names_each_problem_as_a_send_would_and_queues_nothing() {
        let (t, app, cookie) = municipality().await;
        let path = "/send/case-closing";
        let typed = "country=DK&national_id=321377-1860&name=Sigrid+Testrup\
                     &case_id=KBH-2026-0142&recipient=dk-kriminalforsorgen&end_reason=";
        let (status, problems) = form_check(&app, path, &cookie, "da", typed).await;
        assert_eq!(status, 200);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["national_id", "end_reason"]);
        // The same words, in the caseworker's language, as the form shows after a send.
        let request = form_post(&app, path, &cookie, "da", typed).await;
        let (status, _, page) = call(&app, request).await;
        assert_eq!(status, 422);
        for (field, words) in &problems {
            let shown = format!(r#"<p class="field-error" id="{field}-error">{words}</p>"#);
            assert!(page.contains(&shown), "{shown} not in {page}");
        }
        assert!(problems[1].1.contains("sagen"), "Danish: {problems:?}");

        let complete = typed
            .replace("321377", "290177")
            .replace("end_reason=", "end_reason=completed");
        let (status, problems) = form_check(&app, path, &cookie, "da", &complete).await;
        assert_eq!((status, problems), (200, vec![]));
        assert!(
            t.store.outbox(10).await.unwrap().is_empty(),
            "a check queues nothing"
        );
        // The form names where it is checked, for the page's script.
        let (_, _, form) = call(&app, page_get(path, &cookie, "en")).await;
        assert!(form.contains(r#"data-check="/send/case-closing/check""#));
    }

    #[tokio::test]
    async fn a_case_is_closed_from_the_page_and_a_bad_form_keeps_what_was_typed() {
        let (t, app, cookie) = municipality().await;

        // No reason chosen: the form again, the case kept, the problem named by its field.
        let typed = "country=DK&national_id=290177-1860&name=Sigrid+Testrup&case_id=KBH-2026-0142\
                     &recipient=dk-kriminalforsorgen&end_reason=";
        let (status, _, page) = call(&app, post(&app, &cookie, typed).await).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="end_reason-error""#), "{page}");
        assert!(page.contains("Choose why the case ends."), "{page}");
        assert!(
            page.contains(r#"value="KBH-2026-0142""#),
            "what was typed stays"
        );
        assert!(
            t.store.outbox(10).await.unwrap().is_empty(),
            "nothing queued"
        );

        // Complete: queued, named by the caseworker, and back to the inbox with a note.
        let form = format!("{}completed", typed);
        let (status, location, page) = call(&app, post(&app, &cookie, &form).await).await;
        assert_eq!(status, 303, "{page}");
        assert!(location.unwrap().starts_with("/?sent="));
        let sent = t.store.outbox(10).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].message_type, "CaseClosed");
        let message = schemas::decode(&sent[0].payload).unwrap();
        assert_eq!(
            message
                .envelope
                .sent_by
                .as_ref()
                .map(|s| s.name.as_str().to_owned()),
            Some("Freja Munk".to_owned())
        );
        assert!(
            message.envelope.subject.is_some(),
            "the person by pseudonym"
        );
        let schemas::Body::CaseClosed(closed) = &message.body else {
            panic!("{message:?}")
        };
        assert_eq!(closed.reason, schemas::messages::CaseEndReason::Completed);
    }
}
