//! Recording a consent from the signed form, and the person's printable copy (issue 17, part 2).
//!
//! - `GET /consents/new`, `POST /consents/new`: the form. It asks what the signed form says
//!   (the programme, who signed and when, the partners ticked one by one with what each may
//!   receive and why, the period) and answers every problem in plain words beside what was
//!   typed, which it never loses. The page's script shows each field's problems as it is
//!   typed (`POST /consents/new/check`); without the script, "Check the form" answers
//!   without recording anything. "Record the consent" queues a `ConsentGranted` (version 1,
//!   this agency as custodian) for the hub.
//! - `GET /consents/{consent_id}/copy[?lang=da|nb|sv|en]`: the person's copy, in their
//!   language, made from the record as queued in the agent's outbox (never from the form),
//!   printable: the site's header and the buttons do not print.
//!
//! The signed form itself stays with the agency: the record's `evidence_hash` is the SHA-256
//! of the form's reference in the agency's case file (the page takes no uploads: its CSRF
//! check reads URL-encoded forms only), so the reference found in the case file can be
//! checked against the record.

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Days, Months, NaiveDate, TimeZone, Utc};
use schemas::messages::{ConsentRecord, GrantorRole, RecipientSelector, SigningMethod};
use schemas::{Body, DataCategory, Jurisdiction, MessageType, Purpose};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::send_pages::{
    Attributes, Builder, Problem, Typed, check_answer, date, person_of, queue_from_page,
    recipients_of, text,
};
use super::{PageError, page, page_actor, render, t, t_with};
use crate::access_log::{self, Action};
use crate::http::AppState;
use crate::http::actions::Failure;
use crate::http::words::{self, Lang};
use crate::people;
use crate::present;
use crate::store::SendStatus;

/// This module's routes, behind the sign-in.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/consents/new", get(new_form).post(record))
        .route("/consents/new/check", post(check_form))
        .route("/consents/{consent_id}/copy", get(copy))
}

/// The data categories a partner may be ticked for, in the order the form lists them.
const CATEGORIES: [DataCategory; 11] = [
    DataCategory::Identity,
    DataCategory::Contact,
    DataCategory::SentenceRelease,
    DataCategory::CaseStatus,
    DataCategory::RiskNeed,
    DataCategory::EconomyBenefits,
    DataCategory::EducationEmployment,
    DataCategory::HealthSubstance,
    DataCategory::CriminalHistory,
    DataCategory::ProtectedLocation,
    DataCategory::Outcome,
];

/// The purposes a person may consent to: criminal investigation and benefit-fraud control
/// are never offered (no consent can grant them).
const PURPOSES: [Purpose; 5] = [
    Purpose::ReintegrationPlanning,
    Purpose::ReleaseCoordination,
    Purpose::CaseCoordination,
    Purpose::RelocationSafety,
    Purpose::OutcomeStatistics,
];

/// How a form may have been signed, as the wire names it.
const METHODS: [&str; 4] = ["wet_ink", "mitid", "bankid", "freja"];

/// A vocabulary value as the wire writes it (`SENTENCE_RELEASE`, `mitid`).
fn code<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// One partner ticked on the form, with what it may receive and why.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Provision {
    agency: String,
    categories: Vec<DataCategory>,
    purposes: Vec<Purpose>,
}

/// A form without problems, as the record needs it.
#[derive(Debug, Clone)]
struct Checked {
    person: Value,
    jurisdiction: Jurisdiction,
    programme: String,
    /// (role, day signed, method).
    grantors: Vec<(GrantorRole, NaiveDate, String)>,
    subject_adult_on: Option<NaiveDate>,
    evidence_hash: String,
    start: NaiveDate,
    end: NaiveDate,
    provisions: Vec<Provision>,
}

/// The last day a period starting on `start` may have: the day before the same date twelve
/// months later (both ends count).
fn latest_end(start: NaiveDate) -> Option<NaiveDate> {
    start
        .checked_add_months(Months::new(12))
        .and_then(|d| d.checked_sub_days(Days::new(1)))
}

/// The day a person born on `born` turns 18.
fn adult_on(born: NaiveDate) -> Option<NaiveDate> {
    born.checked_add_months(Months::new(18 * 12))
}

/// Checks the whole form against the rules of a consent record, as a caseworker would
/// check it against the signed form: every problem at once, in words. `partners` are the
/// agencies that may be ticked (id, name).
fn check(
    typed: &Typed,
    partners: &[(String, String)],
    today: NaiveDate,
    has_pseudonym_key: bool,
) -> Result<Checked, Vec<Problem>> {
    let mut problems = Vec::new();
    let person = person_of(typed, today, has_pseudonym_key, &mut problems);
    let programme = typed.get("programme");
    if programme.is_empty() || programme.chars().count() > 200 || programme.contains(['\r', '\n']) {
        problems.push(Problem::new("programme", t("consent-form-need-programme")));
    }
    let signed = signatures(typed, person.as_ref().map(|p| p.born), today, &mut problems);
    let need_reference = "consent-form-need-reference";
    let reference = text(typed, "reference", 200, need_reference, &mut problems);
    let provisions = provisions_of(typed, partners, &mut problems);
    let last_signed = signed.as_ref().and_then(|s| s.0.iter().map(|g| g.1).max());
    let period = period_of(typed, last_signed, &mut problems);
    match (person, signed, period) {
        (Some(person), Some((grantors, subject_adult_on)), Some((start, end)))
            if problems.is_empty() =>
        {
            Ok(Checked {
                person: person.draft,
                jurisdiction: person.jurisdiction,
                programme: programme.to_owned(),
                grantors,
                subject_adult_on,
                evidence_hash: hex::encode(Sha256::digest(reference.as_bytes())),
                start,
                end,
                provisions,
            })
        }
        _ => Err(problems),
    }
}

/// One signature as typed: its day and method, either of them possibly missing.
fn signature(
    typed: &Typed,
    day_field: &str,
    method_field: &str,
    today: NaiveDate,
    problems: &mut Vec<Problem>,
) -> (Option<NaiveDate>, Option<String>) {
    let day = date(typed, day_field, problems);
    if day.is_some_and(|d| d > today) {
        problems.push(Problem::new(day_field, t("consent-form-signed-in-future")));
    }
    let method = typed.get(method_field);
    let method = METHODS.contains(&method).then(|| method.to_owned());
    (day, method)
}

/// The grantors and, for a minor, the day they turn 18: the person always; a guardian when
/// the person was under 18 on the day they signed (required under Norwegian and Swedish
/// rules, as the hub requires; Danish rules let a young person sign alone), never for an
/// adult. `born` is known when the number was valid.
#[allow(clippy::type_complexity)]
fn signatures(
    typed: &Typed,
    born: Option<NaiveDate>,
    today: NaiveDate,
    problems: &mut Vec<Problem>,
) -> Option<(Vec<(GrantorRole, NaiveDate, String)>, Option<NaiveDate>)> {
    let before = problems.len();
    let (day, method) = signature(typed, "signed_on", "method", today, problems);
    if typed.get("signed_on").is_empty() {
        problems.push(Problem::new("signed_on", t("consent-form-need-signed-on")));
    }
    if method.is_none() {
        problems.push(Problem::new("method", t("consent-form-need-method")));
    }
    let (g_day, g_method) = signature(
        typed,
        "guardian_signed_on",
        "guardian_method",
        today,
        problems,
    );
    let guardian_typed =
        !typed.get("guardian_signed_on").is_empty() || !typed.get("guardian_method").is_empty();
    let adult = born.and_then(adult_on);
    let minor = match (day, adult) {
        (Some(day), Some(adult)) => Some(day < adult),
        _ => None,
    };
    let needs_guardian = matches!(typed.get("country"), "NO" | "SE");
    match minor {
        Some(false) if guardian_typed => problems.push(Problem::new(
            "guardian_signed_on",
            t("consent-form-guardian-for-adult"),
        )),
        Some(true) if !guardian_typed && needs_guardian => {
            let adult = adult.map(|d| d.to_string()).unwrap_or_default();
            problems.push(Problem::new(
                "guardian_signed_on",
                t_with("consent-form-minor-needs-guardian", &[("adult_on", adult)]),
            ));
        }
        _ if guardian_typed && g_method.is_none() => {
            problems.push(Problem::new(
                "guardian_method",
                t("consent-form-need-method"),
            ));
        }
        _ if guardian_typed && typed.get("guardian_signed_on").is_empty() => problems.push(
            Problem::new("guardian_signed_on", t("consent-form-need-signed-on")),
        ),
        _ => {}
    }
    if problems.len() > before {
        return None;
    }
    let mut grantors = vec![(GrantorRole::Person, day?, method?)];
    if let (Some(g_day), Some(g_method)) = (g_day, g_method) {
        grantors.push((GrantorRole::Guardian, g_day, g_method));
    }
    Some((grantors, adult.filter(|_| minor == Some(true))))
}

/// One provision per ticked partner, in the directory's order; a problem for a form with no
/// partner, a partner without a category or a purpose, and boxes ticked under a partner that
/// is not itself ticked.
fn provisions_of(
    typed: &Typed,
    partners: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Vec<Provision> {
    let mut provisions = Vec::new();
    for (i, (agency, name)) in partners.iter().enumerate() {
        let categories: Vec<DataCategory> = CATEGORIES
            .into_iter()
            .filter(|c| typed.checked(&format!("category:{agency}"), &code(c)))
            .collect();
        let purposes: Vec<Purpose> = PURPOSES
            .into_iter()
            .filter(|p| typed.checked(&format!("purpose:{agency}"), &code(p)))
            .collect();
        let agency_words = [("agency", name.clone())];
        if !typed.checked("partner", agency) {
            if !categories.is_empty() || !purposes.is_empty() {
                problems.push(Problem::new(
                    format!("partner-{i}"),
                    t_with("consent-form-partner-not-ticked", &agency_words),
                ));
            }
            continue;
        }
        if categories.is_empty() {
            problems.push(Problem::new(
                format!("partner-{i}-categories"),
                t_with("consent-form-partner-needs-category", &agency_words),
            ));
        }
        if purposes.is_empty() {
            problems.push(Problem::new(
                format!("partner-{i}-purposes"),
                t_with("consent-form-partner-needs-purpose", &agency_words),
            ));
        }
        provisions.push(Provision {
            agency: agency.clone(),
            categories,
            purposes,
        });
    }
    let known = |a: &str| partners.iter().any(|(id, _)| id == a);
    if provisions.is_empty() || typed.all("partner").any(|a| !known(a)) {
        problems.push(Problem::new("partners", t("consent-form-need-partner")));
    }
    provisions
}

/// The period as typed: at most 12 months, not before the last signature.
fn period_of(
    typed: &Typed,
    last_signed: Option<NaiveDate>,
    problems: &mut Vec<Problem>,
) -> Option<(NaiveDate, NaiveDate)> {
    let before = problems.len();
    let start = date(typed, "start", problems);
    let end = date(typed, "end", problems);
    if typed.get("start").is_empty() {
        problems.push(Problem::new("start", t("consent-form-need-start")));
    }
    let latest = start.and_then(latest_end);
    let latest_words = latest.map(|d| d.to_string()).unwrap_or_default();
    if typed.get("end").is_empty() {
        let words = t_with("consent-form-need-end", &[("latest", latest_words.clone())]);
        problems.push(Problem::new("end", words));
    }
    if let (Some(start), Some(signed)) = (start, last_signed)
        && start < signed
    {
        let words = t_with(
            "consent-form-start-before-signed",
            &[("signed", signed.to_string())],
        );
        problems.push(Problem::new("start", words));
    }
    match (start, end) {
        (Some(s), Some(e)) if e < s => {
            problems.push(Problem::new("end", t("consent-form-end-before-start")));
        }
        (Some(s), Some(e)) if latest.is_none_or(|l| e > l) => {
            let args = [("start", s.to_string()), ("latest", latest_words)];
            problems.push(Problem::new("end", t_with("consent-form-too-long", &args)));
        }
        _ => {}
    }
    (problems.len() == before).then_some(()).and(start.zip(end))
}

/// The `ConsentGranted` draft for a checked form: version 1, active, held by `custodian`;
/// the agent derives the person's pseudonym into the envelope and the record.
fn draft(checked: &Checked, custodian: &str, consent_id: Uuid, zone: chrono_tz::Tz) -> Value {
    let now = Utc::now();
    let grantors: Vec<Value> = checked
        .grantors
        .iter()
        .map(|(role, day, method)| {
            json!({"role": role, "signed_at": signed_at(*day, zone, now), "method": method})
        })
        .collect();
    let provisions: Vec<Value> = checked
        .provisions
        .iter()
        .map(|p| {
            json!({
                "recipients": [{"agency": p.agency}],
                "categories": p.categories,
                "purposes": p.purposes,
            })
        })
        .collect();
    let mut consent = json!({
        "consent_id": consent_id,
        "version": 1,
        "jurisdiction": checked.jurisdiction,
        "programme": checked.programme,
        "grantors": grantors,
        "custodian": custodian,
        "evidence_hash": checked.evidence_hash,
        "period": {"start": checked.start, "end": checked.end},
        "status": "active",
        "provisions": provisions,
    });
    if let Some(adult_on) = checked.subject_adult_on {
        consent["subject_adult_on"] = json!(adult_on);
    }
    json!({
        "person": checked.person,
        "envelope": {
            "recipients": [],
            "message_type": MessageType::ConsentGranted,
            "purpose": Purpose::CaseCoordination,
            "data_categories": [],
        },
        "body": {"consent": consent},
    })
}

/// The form gives the day only: noon of that day in the agency's time zone (the same day in
/// UTC), and never later than now.
fn signed_at(day: NaiveDate, zone: chrono_tz::Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0)
        .and_then(|noon| zone.from_local_datetime(&noon).earliest())
        .map_or(now, |noon| noon.with_timezone(&Utc).min(now))
}

/// `GET /consents/new`: the empty form, the period starting today.
async fn new_form(State(state): State<AppState>) -> Result<Response, PageError> {
    let mut typed = Typed::default();
    typed.set("start", Utc::now().date_naive().to_string());
    Ok(show(&state, StatusCode::OK, &typed, &[], false).await?)
}

/// `POST /consents/new`: checks the form; with `check` in it, only answers; else records the
/// consent and shows the person's copy.
async fn record(
    State(state): State<AppState>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let typed = Typed::parse(&body);
    let partners = recipients_of(&state).await?;
    let today = Utc::now().date_naive();
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let checked = match check(&typed, &partners, today, state.pseudonym_key().is_some()) {
        Ok(checked) => checked,
        Err(problems) => return Ok(show(&state, refused, &typed, &problems, false).await?),
    };
    if !typed.get("check").is_empty() {
        return Ok(show(&state, StatusCode::OK, &typed, &[], true).await?);
    }
    let consent_id = Uuid::new_v4();
    let zone = present::zone_of(state.agent());
    let draft = draft(&checked, state.agent().as_str(), consent_id, zone);
    match queue_from_page(&state, &draft, MessageType::ConsentGranted).await? {
        Ok(_) => {
            Ok(Redirect::to(&format!("/consents/{consent_id}/copy?recorded=1")).into_response())
        }
        Err(problem) => Ok(show(&state, refused, &typed, &[problem], false).await?),
    }
}

/// `POST /consents/new/check`: what recording the form as typed would refuse, recording
/// nothing (the page's script asks it as the form is typed).
async fn check_form(
    State(state): State<AppState>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let partners = recipients_of(&state).await?;
    let today = Utc::now().date_naive();
    let typed = Typed::parse(&body);
    let problems = check(&typed, &partners, today, state.pseudonym_key().is_some()).err();
    Ok(check_answer(&problems.unwrap_or_default()))
}

/// The form with what was typed, its problems, and (after a check without any) a note that
/// it is complete.
async fn show(
    state: &AppState,
    status: StatusCode,
    typed: &Typed,
    problems: &[Problem],
    checked: bool,
) -> Result<Response, Failure> {
    let partners = recipients_of(state).await?;
    let main = form_html(typed, problems, &partners, checked)?;
    Ok(page(
        status,
        &t("consent-form-title"),
        Some(state.agent().as_str()),
        &main,
    ))
}

/// The consent form's page body: the form, and (after a check without problems) a note that
/// it is complete.
fn form_html(
    typed: &Typed,
    problems: &[Problem],
    partners: &[(String, String)],
    checked: bool,
) -> Result<String, Failure> {
    let mut form = Builder::headed(
        typed,
        problems,
        &t("consent-form-title"),
        &t("consent-form-intro"),
        &t("consent-form-fix-these"),
    );
    if checked {
        form.note("form-checked", &t("consent-form-checked"));
    }
    form.open("/consents/new", "card send consent-form");
    form.person(&t("consent-form-number-hint"));
    form.input(
        "programme",
        "text",
        &t("consent-form-programme"),
        Some(&t("consent-form-programme-hint")),
        &[("maxlength", "200")],
    );
    signature_fields(&mut form);
    partner_fields(&mut form, partners);
    period_fields(&mut form, typed);
    form.finish_with_check(&t("consent-form-check"), &t("consent-form-button"))
}

fn method_options() -> Vec<(&'static str, String)> {
    let mut options = vec![("", t("send-choose"))];
    options.extend(METHODS.map(|m| (m, t(&format!("consent-form-method-{m}")))));
    options
}

fn signature_fields(form: &mut Builder<'_>) {
    let today = Utc::now().date_naive().to_string();
    let not_future: Attributes<'_> = &[("max", &today)];
    form.group_start(&t("consent-form-signed"), None);
    form.input(
        "signed_on",
        "date",
        &t("consent-form-signed-on"),
        None,
        not_future,
    );
    form.select("method", &t("consent-form-method"), &method_options(), None);
    form.group_end();
    form.group_start(
        &t("consent-form-guardian"),
        Some(&t("consent-form-guardian-hint")),
    );
    form.input(
        "guardian_signed_on",
        "date",
        &t("consent-form-guardian-signed-on"),
        None,
        not_future,
    );
    form.select(
        "guardian_method",
        &t("consent-form-guardian-method"),
        &method_options(),
        None,
    );
    form.group_end();
    form.group_start(&t("consent-form-evidence"), None);
    form.input(
        "reference",
        "text",
        &t("consent-form-reference"),
        Some(&t("consent-form-reference-hint")),
        &[("maxlength", "200")],
    );
    form.group_end();
}

/// The partners, ticked one by one as on the signed form, each with what it may receive
/// and why.
fn partner_fields(form: &mut Builder<'_>, partners: &[(String, String)]) {
    form.group_start_of(
        "partners",
        &t("consent-form-partners"),
        Some(&t("consent-form-partners-hint")),
    );
    if partners.is_empty() {
        form.line(&t("consent-form-no-partners"));
    }
    let categories: Vec<(String, String)> = CATEGORIES
        .iter()
        .map(|c| (code(c), t(&format!("category-{}", code(c)))))
        .collect();
    let purposes: Vec<(String, String)> = PURPOSES
        .iter()
        .map(|p| (code(p), purpose_words(*p)))
        .collect();
    for (i, (agency, name)) in partners.iter().enumerate() {
        let id = format!("partner-{i}");
        let agency_words = [("agency", name.clone())];
        let share = t_with("consent-form-share-with", &agency_words);
        form.block_start("partner");
        form.checkbox(&id, "partner", agency, &share, "partner-choice");
        form.block_start("partner-details");
        form.checkboxes(
            &format!("{id}-categories"),
            &format!("category:{agency}"),
            &t_with("consent-form-may-receive", &agency_words),
            &categories,
            None,
        );
        form.checkboxes(
            &format!("{id}-purposes"),
            &format!("purpose:{agency}"),
            &t_with("consent-form-why", &agency_words),
            &purposes,
            None,
        );
        form.block_end();
        form.block_end();
    }
    form.group_end();
}

/// The period: its first day, and its last with the latest it may be (from `typed`'s first).
fn period_fields(form: &mut Builder<'_>, typed: &Typed) {
    form.group_start(&t("consent-form-period"), None);
    form.input("start", "date", &t("consent-form-start"), None, &[]);
    let start = NaiveDate::parse_from_str(typed.get("start"), "%Y-%m-%d").ok();
    let (hint, limits) = match start.and_then(|s| Some((s, latest_end(s)?))) {
        Some((start, latest)) => (
            t_with(
                "consent-form-end-hint",
                &[("start", start.to_string()), ("latest", latest.to_string())],
            ),
            Some((start.to_string(), latest.to_string())),
        ),
        None => (t("consent-form-end-hint-no-start"), None),
    };
    match &limits {
        Some((min, max)) => {
            let limits: Attributes<'_> = &[("min", min), ("max", max)];
            form.input("end", "date", &t("consent-form-end"), Some(&hint), limits);
        }
        None => form.input("end", "date", &t("consent-form-end"), Some(&hint), &[]),
    }
    form.group_end();
}

/// A purpose in the words of the page's language.
fn purpose_words(p: Purpose) -> String {
    t(&format!("consent-form-purpose-{}", code(p)))
}

/// A signing method in words.
fn method_words(m: SigningMethod) -> String {
    t(&format!("consent-form-method-{}", code(m)))
}

/// `GET /consents/{consent_id}/copy`: the person's copy of the newest version this agency
/// recorded, in the language asked for (else the caseworker's), with where the hub's answer
/// stands on the screen only.
async fn copy(
    State(state): State<AppState>,
    Path(consent_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let consent_id = Uuid::parse_str(&consent_id).map_err(|_| Failure::NotFound("consent"))?;
    let Some((record, status, reason)) = recorded(&state, consent_id).await? else {
        return Err(Failure::NotFound("consent recorded by this agency").into());
    };
    let names = state.store().agency_names().await?;
    let person = people::find(state.store(), &record.subject).await?;
    let name = person.map(|p| p.identity.name.to_string());
    if name.is_some() {
        access_log::about_people(
            state.store(),
            &page_actor(),
            Action::PersonOpened,
            &[record.subject.as_str()],
        )
        .await?;
    }
    let copy_lang = query
        .get("lang")
        .and_then(|l| Lang::from_code(l))
        .unwrap_or_else(words::lang);
    let refused = status == SendStatus::Refused;
    // No copy of a consent that is not in force: printed, it would mislead the person.
    let article = if refused {
        String::new()
    } else {
        words::LANG.sync_scope(copy_lang, || copy_html(&record, &names, name.as_deref()))?
    };
    let main = render(&CopyPage {
        back: t("back-to-inbox"),
        recorded: query
            .contains_key("recorded")
            .then(|| t("consent-copy-recorded")),
        refused,
        refused_title: t("consent-copy-refused-title"),
        hub_answer: hub_answer(status, reason.as_deref()),
        record_again: t("consent-copy-record-again"),
        languages_label: t("consent-copy-language"),
        languages: Lang::ALL
            .iter()
            .map(|l| CopyLanguage {
                code: l.code(),
                name: l.native_name(),
                current: *l == copy_lang,
            })
            .collect(),
        consent_id,
        print_hint: t("consent-copy-print-hint"),
        article,
    })?;
    // The frame (and so the page's title) stays in the caseworker's language.
    let title = if refused {
        t("consent-copy-refused-title")
    } else {
        t("consent-copy-title")
    };
    Ok(page(
        StatusCode::OK,
        &title,
        Some(state.agent().as_str()),
        &main,
    ))
}

/// The copy's page on the screen: where the hub's answer stands, the copy's language menu
/// (in the caseworker's language; each language named in itself) and the copy; or, when
/// the hub refused the consent, that and no copy.
#[derive(askama::Template)]
#[template(path = "forms/consent_copy_page.html")]
struct CopyPage {
    back: String,
    recorded: Option<String>,
    refused: bool,
    refused_title: String,
    hub_answer: String,
    record_again: String,
    languages_label: String,
    languages: Vec<CopyLanguage>,
    consent_id: Uuid,
    print_hint: String,
    /// The copy, as [`copy_html`] rendered it.
    article: String,
}

/// A language the copy can be shown in.
struct CopyLanguage {
    code: &'static str,
    name: &'static str,
    current: bool,
}

/// The newest version of `consent_id` in this agency's outbox, with the hub's answer so far.
async fn recorded(
    state: &AppState,
    consent_id: Uuid,
) -> Result<Option<(ConsentRecord, SendStatus, Option<String>)>, Failure> {
    let sent = state
        .store()
        .sent_of_type(MessageType::ConsentGranted.as_str(), 10_000)
        .await?;
    let newest = sent
        .into_iter()
        .filter_map(|s| match schemas::decode(&s.payload) {
            Ok(schemas::Message {
                body: Body::ConsentGranted(g),
                ..
            }) if g.consent.consent_id == consent_id => {
                Some((g.consent, s.status, s.answer_reason))
            }
            _ => None,
        })
        .max_by_key(|(record, ..)| record.version);
    Ok(newest)
}

/// Where the hub's answer stands, in words.
fn hub_answer(status: SendStatus, reason: Option<&str>) -> String {
    match status {
        SendStatus::Queued | SendStatus::Sent => t("consent-copy-hub-waiting"),
        SendStatus::Delivered | SendStatus::PartiallyDelivered => t("consent-copy-hub-recorded"),
        SendStatus::Refused => t_with(
            "consent-copy-hub-refused",
            &[("reason", words::reason_words(reason.unwrap_or("")))],
        ),
    }
}

/// A date as the person reads it, in the page's language ("20. november 2026").
fn long_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    t_with(
        "consent-copy-date",
        &[
            ("day", d.day().to_string()),
            ("month", t(&format!("consent-copy-month-{}", d.month()))),
            ("year", d.year().to_string()),
        ],
    )
}

/// Who a provision names as recipient, in words: an agency by name, a role in words.
fn recipient_words(selector: &RecipientSelector, names: &BTreeMap<String, String>) -> String {
    match selector {
        RecipientSelector::Agency(id) => super::agency_words(names, id.as_str()),
        RecipientSelector::Role(role) => t(&format!("consent-copy-role-{}", code(role))),
    }
}

/// The person's copy of a consent record.
#[derive(askama::Template)]
#[template(path = "forms/consent_copy.html")]
struct Copy {
    lang: &'static str,
    title: String,
    intro: String,
    /// (label, value) of each fact.
    facts: Vec<(String, String)>,
    partners_heading: String,
    provisions: Vec<CopyProvision>,
    receives: String,
    why: String,
    further: Option<String>,
    withdraw_title: String,
    withdraw: String,
    number: String,
}

/// One provision of the copy: whom it names, what they may receive and why.
struct CopyProvision {
    who: String,
    categories: Vec<String>,
    purposes: Vec<String>,
}

/// The person's copy of `record`, in the page's language, made from the record only: the
/// programme, the period, each partner with what it may receive and why, who signed and
/// when, and how to withdraw. No identity number; the person's `name` when the register has
/// it.
fn copy_html(
    record: &ConsentRecord,
    names: &BTreeMap<String, String>,
    name: Option<&str>,
) -> Result<String, Failure> {
    let custodian = super::agency_words(names, record.custodian.as_str());
    let mut facts = Vec::new();
    if let Some(name) = name {
        facts.push((t("consent-copy-name"), name.to_owned()));
    }
    facts.push((t("consent-copy-programme"), record.programme.to_string()));
    let period = t_with(
        "consent-copy-period-words",
        &[
            ("start", long_date(record.period.start)),
            ("end", long_date(record.period.end)),
        ],
    );
    facts.push((t("consent-copy-period"), period));
    facts.push((t("consent-copy-signed"), signed_words(record)));
    facts.push((t("consent-copy-kept-by"), custodian.clone()));
    let further = record.provisions.iter().any(|p| {
        !p.children.is_empty()
            || !p.senders.is_empty()
            || !p.message_types.is_empty()
            || p.period.is_some()
    });
    render(&Copy {
        lang: words::lang().code(),
        title: t("consent-copy-title"),
        intro: t_with("consent-copy-intro", &[("custodian", custodian.clone())]),
        facts,
        partners_heading: t("consent-copy-partners"),
        provisions: record
            .provisions
            .iter()
            .map(|p| provision_of(p, names))
            .collect(),
        receives: t("consent-copy-receives"),
        why: t("consent-copy-why"),
        further: further
            .then(|| t_with("consent-copy-further", &[("custodian", custodian.clone())])),
        withdraw_title: t("consent-copy-withdraw-title"),
        withdraw: t("consent-copy-withdraw"),
        number: t_with(
            "consent-copy-number",
            &[
                ("id", record.consent_id.to_string()),
                ("version", record.version.to_string()),
            ],
        ),
    })
}

/// Who signed and when, in a sentence each.
fn signed_words(record: &ConsentRecord) -> String {
    let mut sentences: Vec<String> = record
        .grantors
        .iter()
        .map(|g| {
            let id = match g.role {
                GrantorRole::Person => "consent-copy-signed-person",
                GrantorRole::Guardian => "consent-copy-signed-guardian",
            };
            let day = g.signed_at.with_timezone(&present_zone()).date_naive();
            t_with(
                id,
                &[("date", long_date(day)), ("method", method_words(g.method))],
            )
        })
        .collect();
    if let Some(adult_on) = record.subject_adult_on {
        sentences.push(t_with(
            "consent-copy-adult-on",
            &[("date", long_date(adult_on))],
        ));
    }
    sentences.join(" ")
}

/// The time zone of the page (the agency's), UTC outside a request.
fn present_zone() -> chrono_tz::Tz {
    present::ZONE.try_with(|z| *z).unwrap_or(chrono_tz::UTC)
}

/// One provision in words: whom it names, what they may receive and why.
fn provision_of(
    p: &schemas::messages::Provision,
    names: &BTreeMap<String, String>,
) -> CopyProvision {
    let who: Vec<String> = p
        .recipients
        .iter()
        .map(|r| recipient_words(r, names))
        .collect();
    let who = if who.is_empty() {
        t("consent-copy-any-agency")
    } else {
        who.join(", ")
    };
    let or_any = |items: Vec<String>, any: &str| -> Vec<String> {
        if items.is_empty() {
            vec![t(any)]
        } else {
            items
        }
    };
    let categories = p
        .categories
        .iter()
        .map(|c| t(&format!("category-{}", code(c))))
        .collect();
    let purposes = p.purposes.iter().map(|x| purpose_words(*x)).collect();
    CopyProvision {
        who,
        categories: or_any(categories, "consent-copy-any-category"),
        purposes: or_any(purposes, "consent-copy-any-purpose"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use axum::Router;
    use axum::body::Body as HttpBody;
    use axum::http::Request;
    use chrono::{Days, NaiveDate, Utc};
    use schemas::messages::KeyDirectory;
    use schemas::{AgencyRole, DataCategory, Purpose};

    use super::*;
    use crate::testing::{
        TempStore, agency, at, call, entry, form_check, form_post, municipality_page, page_get,
    };
    use broker::web::escape as esc;

    /// A Swedish child, born 2012-05-05 (adult on 2030-05-05).
    const SWEDISH_CHILD: &str = "120505-1236";
    /// A Danish child, born 2020-06-15.
    const DANISH_CHILD: &str = "150620-5123";
    /// A Danish adult, born 1977-01-29.
    const DANISH_ADULT: &str = "290177-1860";

    fn partners() -> Vec<(String, String)> {
        vec![
            (
                "dk-jobcenter-kobenhavn".into(),
                "Jobcenter København".into(),
            ),
            ("dk-kriminalforsorgen".into(), "Kriminalforsorgen".into()),
            ("dk-politi".into(), "Københavns Politi".into()),
        ]
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        Utc::now().date_naive()
    }

    /// A complete form: a Danish adult, signed yesterday, the prison for release
    /// coordination with sentence and case status, for 12 months from today.
    fn complete() -> String {
        let signed = today() - Days::new(1);
        let end = latest_end(today()).unwrap();
        format!(
            "country=DK&national_id={DANISH_ADULT}&name=Sigrid+Testrup&programme=Exit+K%C3%B8benhavn\
             &signed_on={signed}&method=mitid&guardian_signed_on=&guardian_method=\
             &reference=J.nr.+2026-0142-7&partner=dk-kriminalforsorgen\
             &category%3Adk-kriminalforsorgen=SENTENCE_RELEASE&category%3Adk-kriminalforsorgen=CASE_STATUS\
             &purpose%3Adk-kriminalforsorgen=RELEASE_COORDINATION&start={}&end={end}",
            today()
        )
    }

    /// `form` with `field` set to `value` (as the last word, which the form keeps).
    fn with(form: &str, field: &str, value: &str) -> String {
        let kept: Vec<&str> = form
            .split('&')
            .filter(|pair| !pair.starts_with(&format!("{field}=")))
            .collect();
        format!("{}&{field}={value}", kept.join("&"))
    }

    fn checked(form: &str) -> Result<Checked, Vec<Problem>> {
        check(&Typed::parse(form.as_bytes()), &partners(), today(), true)
    }

    fn problem_at<'a>(problems: &'a [Problem], field: &str) -> &'a str {
        problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.words.as_str())
            .unwrap_or_else(|| panic!("no problem at {field}: {problems:?}"))
    }

    #[test]
    fn a_complete_form_makes_one_provision_per_partner_and_hashes_the_reference() {
        let c = checked(&complete()).unwrap();
        assert_eq!(
            c.provisions,
            vec![Provision {
                agency: "dk-kriminalforsorgen".into(),
                categories: vec![DataCategory::SentenceRelease, DataCategory::CaseStatus],
                purposes: vec![Purpose::ReleaseCoordination],
            }]
        );
        assert_eq!(c.grantors.len(), 1, "an adult signs alone");
        assert_eq!(c.subject_adult_on, None);
        assert_eq!(c.jurisdiction, Jurisdiction::DK);
        assert_eq!(
            c.evidence_hash,
            hex::encode(Sha256::digest(b"J.nr. 2026-0142-7"))
        );
    }

    #[test]
    fn a_minor_without_a_guardian_is_refused_in_plain_words_where_the_rules_require_one() {
        let signed = today() - Days::new(1);
        let child = with(
            &with(&complete(), "country", "SE"),
            "national_id",
            SWEDISH_CHILD,
        );
        let problems = checked(&child).unwrap_err();
        let words = problem_at(&problems, "guardian_signed_on");
        assert!(words.contains("under 18"), "{words}");
        assert!(
            words.contains("2030-05-05"),
            "the day they turn 18: {words}"
        );

        // With the guardian's signature: two grantors, and the day the person comes of age.
        let signed_by_guardian = with(
            &with(&child, "guardian_signed_on", &signed.to_string()),
            "guardian_method",
            "bankid",
        );
        let c = checked(&signed_by_guardian).unwrap();
        assert_eq!(c.grantors[1].0, GrantorRole::Guardian);
        assert_eq!(c.subject_adult_on, Some(ymd(2030, 5, 5)));

        // Danish rules let a young person sign alone; the day they come of age is kept.
        let danish = with(&complete(), "national_id", DANISH_CHILD);
        let c = checked(&danish).unwrap();
        assert_eq!(c.grantors.len(), 1);
        assert_eq!(c.subject_adult_on, Some(ymd(2038, 6, 15)));

        // A guardian never signs for an adult, and a half-given signature is named.
        let adult_with_guardian = with(
            &with(&complete(), "guardian_signed_on", &signed.to_string()),
            "guardian_method",
            "bankid",
        );
        let problems = checked(&adult_with_guardian).unwrap_err();
        assert!(problem_at(&problems, "guardian_signed_on").contains("18 or over"));
        let half = with(&child, "guardian_method", "bankid");
        let problems = checked(&half).unwrap_err();
        assert!(problem_at(&problems, "guardian_signed_on").contains("Write the day"));
    }

    #[test]
    fn a_period_over_twelve_months_is_refused_naming_the_latest_last_day() {
        assert_eq!(latest_end(ymd(2026, 11, 20)), Some(ymd(2027, 11, 19)));
        assert_eq!(latest_end(ymd(2027, 3, 1)), Some(ymd(2028, 2, 29)));
        let form = with(
            &with(&complete(), "start", &today().to_string()),
            "end",
            &(latest_end(today()).unwrap() + Days::new(1)).to_string(),
        );
        let problems = checked(&form).unwrap_err();
        let words = problem_at(&problems, "end");
        let latest = latest_end(today()).unwrap().to_string();
        assert!(words.contains("longer than 12 months"), "{words}");
        assert!(words.contains(&latest), "names {latest}: {words}");
        assert_eq!(problems.len(), 1, "{problems:?}");

        // The last day before the first, and a start before the signature, are named too.
        let backwards = with(&complete(), "end", &(today() - Days::new(1)).to_string());
        assert!(problem_at(&checked(&backwards).unwrap_err(), "end").contains("before the first"));
        let early = with(&complete(), "start", &(today() - Days::new(5)).to_string());
        assert!(problem_at(&checked(&early).unwrap_err(), "start").contains("before the form"));
    }

    #[test]
    fn a_ticked_partner_needs_a_category_and_a_purpose_and_a_form_needs_a_partner() {
        let without_purpose =
            complete().replace("&purpose%3Adk-kriminalforsorgen=RELEASE_COORDINATION", "");
        let problems = checked(&without_purpose).unwrap_err();
        let words = problem_at(&problems, "partner-1-purposes");
        assert!(
            words.contains("Kriminalforsorgen"),
            "names the partner: {words}"
        );

        let without_category = complete()
            .replace("&category%3Adk-kriminalforsorgen=SENTENCE_RELEASE", "")
            .replace("&category%3Adk-kriminalforsorgen=CASE_STATUS", "");
        let problems = checked(&without_category).unwrap_err();
        assert!(problem_at(&problems, "partner-1-categories").contains("kind of information"));

        // Boxes ticked under a partner that is not ticked: named, not silently dropped.
        let unticked = complete().replace("&partner=dk-kriminalforsorgen", "");
        let problems = checked(&unticked).unwrap_err();
        assert!(problem_at(&problems, "partner-1").contains("but not Kriminalforsorgen"));
        assert!(problem_at(&problems, "partners").contains("at least one partner"));

        // An agency not in the directory cannot be ticked.
        let stranger = format!("{}&partner=dk-unknown", complete());
        assert!(problem_at(&checked(&stranger).unwrap_err(), "partners").contains("at least one"));
    }

    #[test]
    fn an_empty_form_names_every_missing_field() {
        let problems = checked("start=").unwrap_err();
        for field in [
            "country",
            "programme",
            "signed_on",
            "method",
            "reference",
            "partners",
            "start",
            "end",
        ] {
            problem_at(&problems, field);
        }
    }

    /// An agent of Københavns Kommune with a directory of three partners, and a signed-in
    /// caseworker's session.
    async fn app() -> (TempStore, Router, String) {
        let t = TempStore::new().await;
        let named = |id: &str, role, name: &str| {
            let mut e = entry(id, role, &format!("{id}-k1"), "AAAA", true, false);
            e.agency_name = Some(name.try_into().unwrap());
            e
        };
        let directory = KeyDirectory {
            follows: None,
            version: 1,
            keys: vec![
                named(
                    "dk-kobenhavn-kommune",
                    AgencyRole::Municipality,
                    "Københavns Kommune",
                ),
                named(
                    "dk-kriminalforsorgen",
                    AgencyRole::PrisonProbation,
                    "Kriminalforsorgen",
                ),
                named(
                    "dk-jobcenter-kobenhavn",
                    AgencyRole::Employment,
                    "Jobcenter København",
                ),
                named("dk-politi", AgencyRole::Police, "Københavns Politi"),
            ],
        };
        assert!(t.store.save_directory(&directory, at(0)).await.unwrap());
        let (app, cookie) = municipality_page(&t.store);
        (t, app, cookie)
    }

    fn get(uri: &str, cookie: &str) -> Request<HttpBody> {
        page_get(uri, cookie, "en")
    }

    /// The form as a browser posts it, with the CSRF token the form carries.
    async fn post(app: &Router, cookie: &str, form: &str) -> (u16, Option<String>, String) {
        call(
            app,
            form_post(app, "/consents/new", cookie, "en", form).await,
        )
        .await
    }

    #[tokio::test]
    async fn a_refused_form_keeps_everything_typed_and_a_complete_one_shows_the_persons_copy() {
        let (t, app, cookie) = app().await;
        let (status, _, page) = call(&app, get("/consents/new", &cookie)).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(&format!(r#"id="start" name="start" value="{}""#, today())));
        assert!(
            page.contains(&latest_end(today()).unwrap().to_string()),
            "the latest last day is shown before it is broken"
        );
        assert!(
            !page.contains("Københavns Kommune</label>"),
            "not this agency itself"
        );

        // Refused: the police ticked with no purpose. Everything typed and ticked stays.
        let refused = format!(
            "{}&partner=dk-politi&category%3Adk-politi=RISK_NEED",
            complete()
        );
        let (status, _, page) = post(&app, &cookie, &refused).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="partner-2-purposes-error""#), "{page}");
        for kept in [
            r#"value="Exit København""#,
            r#"value="J.nr. 2026-0142-7""#,
            r#"value="Sigrid Testrup""#,
            &format!(r#"value="{DANISH_ADULT}""#),
            r#"value="dk-politi" checked"#,
            r#"name="category:dk-politi" value="RISK_NEED" checked"#,
            r#"name="category:dk-kriminalforsorgen" value="CASE_STATUS" checked"#,
            r#"name="purpose:dk-kriminalforsorgen" value="RELEASE_COORDINATION" checked"#,
            r#"<option value="mitid" selected>"#,
        ] {
            assert!(page.contains(kept), "{kept} kept");
        }
        assert!(
            t.store.outbox(10).await.unwrap().is_empty(),
            "nothing queued"
        );
        // The form's check, as the page's script asks it while the form is typed: the same
        // problem by its field, and still nothing queued.
        let (status, problems) = form_check(&app, "/consents/new", &cookie, "en", &refused).await;
        assert_eq!(status, 200);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["partner-2-purposes"]);
        assert!(t.store.outbox(10).await.unwrap().is_empty());

        // Checked without problems: said so, still nothing queued.
        let (status, _, page) = post(&app, &cookie, &format!("{}&check=1", complete())).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(r#"id="form-checked""#));
        assert!(
            t.store.outbox(10).await.unwrap().is_empty(),
            "a check records nothing"
        );

        // Recorded: a ConsentGranted with the record the form describes, then the copy.
        let (status, location, page) = post(&app, &cookie, &complete()).await;
        assert_eq!(status, 303, "{page}");
        let location = location.unwrap();
        let sent = t.store.sent_of_type("ConsentGranted", 10).await.unwrap();
        assert_eq!(sent.len(), 1);
        let message = schemas::decode(&sent[0].payload).unwrap();
        let Body::ConsentGranted(granted) = &message.body else {
            panic!("{message:?}")
        };
        let record = &granted.consent;
        assert_eq!(
            location,
            format!("/consents/{}/copy?recorded=1", record.consent_id)
        );
        assert_eq!(record.version, 1);
        assert_eq!(record.custodian.as_str(), "dk-kobenhavn-kommune");
        assert_eq!(record.programme.as_str(), "Exit København");
        assert_eq!(message.envelope.subject.as_ref(), Some(&record.subject));
        assert_eq!(record.period.end, latest_end(today()).unwrap());
        assert_eq!(
            record.grantors[0].signed_at.date_naive(),
            today() - Days::new(1)
        );
        assert_eq!(record.provisions.len(), 1);
        assert!(
            !String::from_utf8_lossy(&sent[0].payload).contains("1860"),
            "no number"
        );

        let (status, _, copy) = call(&app, get(&location, &cookie)).await;
        assert_eq!(status, 200, "{copy}");
        assert!(copy.contains(r#"id="recorded-note""#));
        for words in [
            "Your consent",
            "Exit København",
            "Kriminalforsorgen",
            "sentence and release",
            "the state of the case",
            "preparing a release from prison",
            "Sigrid Testrup",
            "withdraw",
        ] {
            assert!(copy.contains(words), "{words} on the copy");
        }
        for absent in [
            "Københavns Politi",
            "Jobcenter København",
            DANISH_ADULT,
            "1860",
            "risk and needs",
        ] {
            assert!(!copy.contains(absent), "{absent} is not on the copy");
        }

        // In the person's language.
        let danish = location.replace("?recorded=1", "?lang=da");
        let (_, _, copy) = call(&app, get(&danish, &cookie)).await;
        assert!(
            copy.contains(r#"<article class="consent-copy" lang="da""#),
            "{copy}"
        );
        assert!(copy.contains("Dit samtykke") && copy.contains("forberedelse af en løsladelse"));
        let (status, _, _) = call(
            &app,
            get(&format!("/consents/{}/copy", Uuid::new_v4()), &cookie),
        )
        .await;
        assert_eq!(status, 404, "a consent not recorded here");

        // Refused by the hub: the reason in words, what to do, and no copy to print.
        let mut refusal: Value = serde_json::from_str(include_str!(
            "../../../../schemas/examples/Undeliverable.json"
        ))
        .unwrap();
        refusal["body"]["in_reply_to"] = json!(message.envelope.message_id);
        refusal["body"]["reason"] = json!("NOT_PROGRAMME_CUSTODIAN");
        refusal["envelope"]["recipients"] = json!(["dk-kobenhavn-kommune"]);
        let refusal = schemas::decode(refusal.to_string().as_bytes()).unwrap();
        let me = agency("dk-kobenhavn-kommune");
        t.store.receive(&me, &refusal, Utc::now()).await.unwrap();
        let (status, _, page) = call(&app, get(&location, &cookie)).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("may not hold this programme"), "{page}");
        assert!(
            !page.contains(r#"id="copy""#),
            "no copy of a refused consent"
        );
    }

    /// The text of each `<li>` inside `<ul class="{class}">` of `html`.
    fn items(html: &str, class: &str) -> BTreeSet<String> {
        let start = html.find(&format!(r#"<ul class="{class}">"#)).unwrap();
        let list = &html[start..start + html[start..].find("</ul>").unwrap()];
        list.split("<li>")
            .skip(1)
            .map(|li| li.trim_end_matches("</li>").to_owned())
            .collect()
    }

    #[test]
    fn the_copy_lists_exactly_the_records_partners_categories_and_purposes() {
        let mut example: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../schemas/examples/ConsentGranted.json"
        ))
        .unwrap();
        example["body"]["consent"]["provisions"] = json!([
            {"recipients": [{"agency": "dk-kriminalforsorgen"}],
             "categories": ["SENTENCE_RELEASE", "RISK_NEED"],
             "purposes": ["RELEASE_COORDINATION", "REINTEGRATION_PLANNING"]},
            {"recipients": [{"agency": "dk-jobcenter-kobenhavn"}],
             "categories": ["EDUCATION_EMPLOYMENT"],
             "purposes": ["REINTEGRATION_PLANNING"]}
        ]);
        let message = schemas::decode(example.to_string().as_bytes()).unwrap();
        let Body::ConsentGranted(granted) = message.body else {
            panic!()
        };
        let names: BTreeMap<String, String> = partners().into_iter().collect();
        let html = copy_html(&granted.consent, &names, None).expect("the copy renders");
        let sections: Vec<&str> = html.split(r#"<section class="partner">"#).skip(1).collect();
        assert_eq!(sections.len(), granted.consent.provisions.len());
        for (section, provision) in sections.iter().zip(&granted.consent.provisions) {
            let RecipientSelector::Agency(id) = &provision.recipients[0] else {
                panic!()
            };
            assert!(section.contains(&format!("<h3>{}</h3>", names[id.as_str()])));
            let categories: BTreeSet<String> = provision
                .categories
                .iter()
                .map(|c| esc(&t(&format!("category-{}", code(c)))))
                .collect();
            assert_eq!(items(section, "categories"), categories);
            let purposes: BTreeSet<String> = provision
                .purposes
                .iter()
                .map(|p| esc(&purpose_words(*p)))
                .collect();
            assert_eq!(items(section, "purposes"), purposes);
        }
        assert!(
            !html.contains("Københavns Politi"),
            "no partner the record does not name"
        );
        assert!(
            html.contains("20 November 2026"),
            "the period in words: {html}"
        );
        assert!(
            html.contains("You signed on 20 November 2026 (MitID)."),
            "{html}"
        );
        assert!(!html.contains("Some of this is limited further"));
    }

    #[test]
    fn every_role_a_provision_may_name_has_words() {
        for role in [
            AgencyRole::Municipality,
            AgencyRole::Police,
            AgencyRole::PrisonProbation,
            AgencyRole::Employment,
            AgencyRole::NationalContactPoint,
        ] {
            let id = format!("consent-copy-role-{}", code(role));
            assert_ne!(t(&id), id);
        }
        for p in PURPOSES {
            assert!(!p.is_forbidden());
        }
    }
}
