//! Sending from the page: a form per flow, validated as a caseworker would check it, answered
//! in plain words, and never losing what was typed. So far the release notice
//! (`/send/release-notice`), the prison's first message about a coming release.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use schemas::MessageType;
use serde_json::{Value, json};

use super::{PageError, esc, page, page_actor, page_sent_by, t, t_with};
use crate::http::AppState;
use crate::http::actions::{self, Failure};

/// What the caseworker typed into the release-notice form, as typed.
#[derive(Debug, Default, Clone)]
struct Typed {
    fields: HashMap<String, String>,
    recipients: Vec<String>,
}

impl Typed {
    fn parse(body: &[u8]) -> Typed {
        let mut typed = Typed::default();
        for (name, value) in form_urlencoded::parse(body) {
            if name == "recipient" {
                typed.recipients.push(value.into_owned());
            } else {
                typed.fields.insert(name.into_owned(), value.into_owned());
            }
        }
        typed
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }
}

/// A field the caseworker must correct, and what to do, in words.
struct Problem {
    field: &'static str,
    words: String,
}

/// The forms of this module: each is a message about a person's case, to agencies chosen
/// from the key directory; they differ in what else they ask and in the body they make.
#[derive(Debug, Clone, Copy)]
enum Kind {
    ReleaseNotice,
    HandoverRequest,
    CaseClosing,
}

impl Kind {
    fn message_type(self) -> MessageType {
        match self {
            Kind::ReleaseNotice => MessageType::ReleaseNotice,
            Kind::HandoverRequest => MessageType::HandoverRequest,
            Kind::CaseClosing => MessageType::CaseClosed,
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
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Kind::ReleaseNotice | Kind::HandoverRequest => "RELEASE_COORDINATION",
            Kind::CaseClosing => "CASE_COORDINATION",
        }
    }

    /// The fields after the person, the case and the recipients.
    fn fields(self, form: &mut Builder<'_>) {
        match self {
            Kind::ReleaseNotice => release_fields(form),
            Kind::HandoverRequest => handover_fields(form),
            Kind::CaseClosing => closing_fields(form),
        }
    }

    /// The body and the categories it carries, from what was typed; problems go to
    /// `problems` (the body is used only when there are none).
    fn body(self, typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
        match self {
            Kind::ReleaseNotice => release_body(typed, problems),
            Kind::HandoverRequest => handover_body(typed, problems),
            Kind::CaseClosing => closing_body(typed, problems),
        }
    }
}

/// `GET /send/release-notice`: the empty form, the signed-in caseworker as contact officer.
pub(super) async fn release_notice_form(
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let mut typed = Typed::default();
    if let Some(sent_by) = page_sent_by() {
        typed
            .fields
            .insert("officer".into(), sent_by.name.as_str().to_owned());
    }
    Ok(show(&state, Kind::ReleaseNotice, StatusCode::OK, &typed, &[]).await?)
}

/// `POST /send/release-notice`.
pub(super) async fn send_release_notice(
    State(state): State<AppState>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    send(&state, Kind::ReleaseNotice, &body).await
}

/// `GET /send/handover-request`: the empty form.
pub(super) async fn handover_request_form(
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    Ok(show(
        &state,
        Kind::HandoverRequest,
        StatusCode::OK,
        &Typed::default(),
        &[],
    )
    .await?)
}

/// `POST /send/handover-request`.
pub(super) async fn send_handover_request(
    State(state): State<AppState>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    send(&state, Kind::HandoverRequest, &body).await
}

/// `GET /send/case-closing`: the empty form.
pub(super) async fn case_closing_form(
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    Ok(show(
        &state,
        Kind::CaseClosing,
        StatusCode::OK,
        &Typed::default(),
        &[],
    )
    .await?)
}

/// `POST /send/case-closing`: only the case's owner may close it; the hub refuses anyone
/// else.
pub(super) async fn send_case_closing(
    State(state): State<AppState>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    send(&state, Kind::CaseClosing, &body).await
}

/// Checks what was typed into the form of `kind`, then queues the message; on a problem the
/// form again, with what was typed and what to fix.
async fn send(state: &AppState, kind: Kind, body: &[u8]) -> Result<Response, PageError> {
    let typed = Typed::parse(body);
    let mut problems = Vec::new();
    let person = person_of(&typed, state.pseudonym_key().is_some(), &mut problems);
    case_and_recipients(&typed, &mut problems);
    let (body, categories) = kind.body(&typed, &mut problems);
    if !problems.is_empty() {
        let refused = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(show(state, kind, refused, &typed, &problems).await?);
    }
    let draft = json!({
        "person": person,
        "envelope": {
            "case_id": typed.get("case_id"),
            "recipients": typed.recipients,
            "message_type": kind.message_type(),
            "purpose": kind.purpose(),
            "data_categories": categories,
        },
        "body": body,
    });
    match submit_from_page(state, draft, kind.message_type()).await? {
        Ok(done) => Ok(done),
        Err(problem) => {
            let refused = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(show(state, kind, refused, &typed, &[problem]).await?)
        }
    }
}

/// Queues `draft` as the signed-in caseworker, who is named in it as its sender (CONTACT):
/// the inbox with a note that it is on its way, or the problem the agent found in it, for
/// the form to show beside what was typed.
async fn submit_from_page(
    state: &AppState,
    mut draft: Value,
    message_type: MessageType,
) -> Result<Result<Response, Problem>, PageError> {
    if let Some(sent_by) = page_sent_by() {
        draft["envelope"]["sent_by"] = json!(sent_by);
    }
    let bytes = serde_json::to_vec(&draft).expect("a JSON value serializes");
    match actions::submit_draft(state, &page_actor(), &bytes, Some(message_type)).await {
        Ok(submitted) => Ok(Ok(Redirect::to(&format!(
            "/?sent={}",
            submitted.message_id
        ))
        .into_response())),
        Err(Failure::Caller { detail, .. }) => Ok(Err(Problem {
            field: "form",
            words: t_with("send-refused-by-agent", &[("detail", detail)]),
        })),
        Err(other) => Err(other.into()),
    }
}

fn date(typed: &Typed, field: &'static str, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
    let text = typed.get(field);
    if text.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            problems.push(Problem {
                field,
                words: t("send-bad-date"),
            });
            None
        }
    }
}

/// The person as typed, checked by the number's rules, for a draft's `person`; or what to
/// fix.
fn person_of(typed: &Typed, has_pseudonym_key: bool, problems: &mut Vec<Problem>) -> Option<Value> {
    let country = typed.get("country");
    let number = typed.get("national_id");
    let name = typed.get("name");
    if !has_pseudonym_key {
        problems.push(Problem {
            field: "national_id",
            words: t("send-no-pseudonym-key"),
        });
        return None;
    }
    if number.is_empty() {
        problems.push(Problem {
            field: "national_id",
            words: t("send-need-number"),
        });
        return None;
    }
    let jurisdiction = match country {
        "DK" => schemas::Jurisdiction::DK,
        "NO" => schemas::Jurisdiction::NO,
        "SE" => schemas::Jurisdiction::SE,
        _ => {
            problems.push(Problem {
                field: "country",
                words: t("send-need-country"),
            });
            return None;
        }
    };
    if let Err(rule) =
        schemas::NationalId::parse(jurisdiction, number, chrono::Utc::now().date_naive())
    {
        problems.push(Problem {
            field: "national_id",
            words: t_with("send-bad-number", &[("rule", rule.to_string())]),
        });
        return None;
    }
    let mut person = json!({"jurisdiction": country, "national_id": number});
    if !name.is_empty() {
        person["name"] = json!(name);
    }
    Some(person)
}

/// The case and the recipients as typed; what to fix if either is missing.
fn case_and_recipients(typed: &Typed, problems: &mut Vec<Problem>) {
    if typed.get("case_id").is_empty() {
        problems.push(Problem {
            field: "case_id",
            words: t("send-need-case"),
        });
    }
    if typed.recipients.is_empty() {
        problems.push(Problem {
            field: "recipients",
            words: t("send-need-recipient"),
        });
    }
}

/// A release notice's body: dates, supervision, needs and the contact officer.
fn release_body(typed: &Typed, problems: &mut Vec<Problem>) -> (Value, Vec<&'static str>) {
    let expected = date(typed, "expected_release", problems);
    if expected.is_none() && typed.get("expected_release").is_empty() {
        problems.push(Problem {
            field: "expected_release",
            words: t("send-need-expected"),
        });
    }
    let earliest = date(typed, "earliest_release", problems);
    if let (Some(e), Some(x)) = (earliest, expected)
        && e > x
    {
        problems.push(Problem {
            field: "earliest_release",
            words: t("send-earliest-after-expected"),
        });
    }
    let until = date(typed, "supervision_until", problems);
    let kind = match typed.get("supervision") {
        k @ ("none" | "parole" | "probation" | "community_sentence") => k,
        _ => {
            problems.push(Problem {
                field: "supervision",
                words: t("send-need-supervision"),
            });
            "none"
        }
    };
    let officer = typed.get("officer");
    if officer.is_empty() || officer.chars().count() > 200 {
        problems.push(Problem {
            field: "officer",
            words: t("send-need-officer"),
        });
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
        problems.push(Problem {
            field: "respond_by",
            words: t("send-need-respond-by"),
        });
    } else if respond_by.is_some_and(|d| d < chrono::Utc::now().date_naive()) {
        problems.push(Problem {
            field: "respond_by",
            words: t("send-respond-by-past"),
        });
    }
    let why = typed.get("why");
    if why.is_empty() || why.chars().count() > 200 || why.contains('\n') {
        problems.push(Problem {
            field: "why",
            words: t("send-need-why"),
        });
    }
    let plan = typed.get("plan");
    if plan.is_empty() || plan.chars().count() > 4000 {
        problems.push(Problem {
            field: "plan",
            words: t("send-need-plan"),
        });
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
        problems.push(Problem {
            field: "end_reason",
            words: t("send-need-end-reason"),
        });
    }
    let body = json!({"reason": reason, "closed_at": chrono::Utc::now()});
    (body, vec!["CASE_STATUS"])
}

/// The agencies this one can send to, by name (from the key directory), sorted by name.
async fn recipients_of(state: &AppState) -> Result<Vec<(String, String)>, Failure> {
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

/// Writes a send form: labelled fields that keep what was typed, each with its hint and its
/// problem tied to it for screen readers, and a summary of the problems linked to them.
struct Builder<'a> {
    typed: &'a Typed,
    problems: &'a [Problem],
    html: String,
}

impl<'a> Builder<'a> {
    /// The page's start: back link, title, lead and the problems; then the form's start.
    fn new(
        typed: &'a Typed,
        problems: &'a [Problem],
        title: &str,
        lead: &str,
        action: &str,
    ) -> Self {
        let mut html = format!(
            r#"<p class="back"><a href="/">&larr; {}</a></p>
<h1>{}</h1>
<p class="lead">{}</p>
"#,
            esc(&t("back-to-inbox")),
            esc(title),
            esc(lead)
        );
        if !problems.is_empty() {
            let _ = write!(
                html,
                r#"<div class="alert" role="alert" id="form-problems"><p><strong>{}</strong></p><ul>"#,
                esc(&t("send-fix-these"))
            );
            for p in problems {
                let _ = write!(
                    html,
                    r##"<li><a href="#{}">{}</a></li>"##,
                    p.field,
                    esc(&p.words)
                );
            }
            html.push_str("</ul></div>\n");
        }
        let _ = writeln!(
            html,
            r#"<form method="post" action="{action}" class="card send" id="form" novalidate>"#
        );
        Builder {
            typed,
            problems,
            html,
        }
    }

    fn problem(&self, field: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.field == field)
    }

    /// One labelled field around `input`, whose `{aria}` becomes its description and state.
    fn field(&mut self, id: &'static str, label: &str, input: String, hint: Option<&str>) {
        let _ = write!(
            self.html,
            r#"<div class="field"><label for="{id}">{}</label>"#,
            esc(label)
        );
        let mut described = Vec::new();
        if let Some(hint) = hint {
            let _ = write!(
                self.html,
                r#"<p class="hint" id="{id}-hint">{}</p>"#,
                esc(hint)
            );
            described.push(format!("{id}-hint"));
        }
        let invalid = self.problem(id).is_some();
        if let Some(p) = self.problem(id) {
            let words = esc(&p.words);
            let _ = write!(
                self.html,
                r#"<p class="field-error" id="{id}-error">{words}</p>"#
            );
            described.push(format!("{id}-error"));
        }
        let mut aria = String::new();
        if !described.is_empty() {
            let _ = write!(aria, r#" aria-describedby="{}""#, described.join(" "));
        }
        if invalid {
            aria.push_str(r#" aria-invalid="true""#);
        }
        self.html.push_str(&input.replace("{aria}", &aria));
        self.html.push_str("</div>\n");
    }

    /// A text-like input (`text`, `date`, `tel`) with what was typed.
    fn input(
        &mut self,
        id: &'static str,
        kind: &str,
        label: &str,
        hint: Option<&str>,
        extra: &str,
    ) {
        let input = format!(
            r#"<input type="{kind}" id="{id}" name="{id}" value="{}"{extra}{{aria}}>"#,
            esc(self.typed.get(id))
        );
        self.field(id, label, input, hint);
    }

    /// A multi-line text with what was typed.
    fn textarea(&mut self, id: &'static str, label: &str, hint: Option<&str>) {
        let input = format!(
            r#"<textarea id="{id}" name="{id}" rows="5"{{aria}}>{}</textarea>"#,
            esc(self.typed.get(id))
        );
        self.field(id, label, input, hint);
    }

    /// A choice among `options` (value, words), what was chosen kept.
    fn select(
        &mut self,
        id: &'static str,
        label: &str,
        options: &[(&str, String)],
        hint: Option<&str>,
    ) {
        let mut input = format!(r#"<select id="{id}" name="{id}"{{aria}}>"#);
        for (value, words) in options {
            let chosen = if self.typed.get(id) == *value {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                input,
                r#"<option value="{value}"{chosen}>{}</option>"#,
                esc(words)
            );
        }
        input.push_str("</select>");
        self.field(id, label, input, hint);
    }

    /// The person: the country and number (checked before anything is queued), and a name.
    fn person(&mut self) {
        let _ = writeln!(
            self.html,
            "<fieldset><legend>{}</legend>",
            esc(&t("send-person"))
        );
        self.select(
            "country",
            &t("send-country"),
            &[
                ("", t("send-choose")),
                ("DK", t("send-country-dk")),
                ("NO", t("send-country-no")),
                ("SE", t("send-country-se")),
            ],
            None,
        );
        self.input(
            "national_id",
            "text",
            &t("send-number"),
            Some(&t("send-number-hint")),
            r#" autocomplete="off""#,
        );
        self.input(
            "name",
            "text",
            &t("send-name"),
            None,
            r#" autocomplete="off""#,
        );
        self.html.push_str("</fieldset>\n");
    }

    /// The recipients, one checkbox each, as a group with its legend and its problem.
    fn recipients(&mut self, recipients: &[(String, String)]) {
        let problem = self.problem("recipients").map(|p| p.words.clone());
        let _ = write!(
            self.html,
            r#"<fieldset id="recipients"{}><legend>{}</legend>"#,
            if problem.is_some() {
                r#" aria-describedby="recipients-error""#
            } else {
                ""
            },
            esc(&t("send-recipients"))
        );
        if let Some(words) = problem {
            let _ = write!(
                self.html,
                r#"<p class="field-error" id="recipients-error">{}</p>"#,
                esc(&words)
            );
        }
        if recipients.is_empty() {
            let _ = write!(self.html, "<p>{}</p>", esc(&t("send-no-recipients")));
        }
        for (i, (id, name)) in recipients.iter().enumerate() {
            let checked = if self.typed.recipients.contains(id) {
                " checked"
            } else {
                ""
            };
            let _ = write!(
                self.html,
                r#"<div class="choice"><input type="checkbox" id="recipient-{i}" name="recipient" value="{}"{checked}><label for="recipient-{i}">{}</label></div>"#,
                esc(id),
                esc(name)
            );
        }
        self.html.push_str("</fieldset>\n");
    }

    /// The send button and the form's end.
    fn finish(mut self, button: &str) -> String {
        let _ = write!(
            self.html,
            r#"<button type="submit" id="send">{}</button>
</form>
"#,
            esc(button)
        );
        self.html
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
    form.person();
    form.input(
        "case_id",
        "text",
        &t("send-case"),
        Some(&t("send-case-hint")),
        "",
    );
    form.recipients(&recipients);
    kind.fields(&mut form);
    let main = form.finish(&t(button));
    Ok(page(status, &t(title), Some(state.agent().as_str()), &main))
}

fn release_fields(form: &mut Builder<'_>) {
    form.input("expected_release", "date", &t("send-expected"), None, "");
    form.input(
        "earliest_release",
        "date",
        &t("send-earliest"),
        Some(&t("send-optional")),
        "",
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
        "",
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
        r#" maxlength="200""#,
    );
    form.input(
        "phone",
        "tel",
        &t("send-phone"),
        Some(&t("send-optional")),
        r#" maxlength="200""#,
    );
}

fn handover_fields(form: &mut Builder<'_>) {
    form.input(
        "respond_by",
        "date",
        &t("send-respond-by"),
        Some(&t("send-respond-by-hint")),
        "",
    );
    form.input(
        "why",
        "text",
        &t("send-why"),
        Some(&t("send-why-hint")),
        r#" maxlength="200""#,
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

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body as HttpBody;
    use axum::http::{Request, header};

    use crate::http::sign_in::{Caseworker, Role};
    use crate::http::{AppState, Token, router};
    use crate::people::PseudonymKey;
    use crate::testing::{TempStore, agency, call};

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    /// The page's form as a browser posts it: with the CSRF token the form carries.
    async fn post(app: &Router, cookie: &str, form: &str) -> Request<HttpBody> {
        let get = Request::get("/send/case-closing")
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(HttpBody::empty())
            .unwrap();
        let (_, _, page) = call(app, get).await;
        let at = page
            .find(r#"name="csrf" value=""#)
            .expect("the form's token")
            + 19;
        let csrf = &page[at..at + page[at..].find('"').unwrap()];
        Request::post("/send/case-closing")
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(HttpBody::from(format!("{form}&csrf={csrf}")))
            .unwrap()
    }

    #[tokio::test]
    async fn a_case_is_closed_from_the_page_and_a_bad_form_keeps_what_was_typed() {
        let t = TempStore::new().await;
        let state = AppState::new(
            t.store.clone(),
            agency("dk-kobenhavn-kommune"),
            Token::new("t"),
        )
        .with_pseudonym_key(Some(PseudonymKey::from_hex(KEY).unwrap()));
        let cookie = state.test_session(Caseworker::new(
            "freja.munk",
            "Freja Munk",
            &[Role::Caseworker],
        ));
        let app = router(state);

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
