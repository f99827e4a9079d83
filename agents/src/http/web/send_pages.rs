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

/// `GET /send/release-notice`: the empty form.
pub(super) async fn release_notice_form(
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let mut typed = Typed::default();
    if let Some(sent_by) = page_sent_by() {
        typed
            .fields
            .insert("officer".into(), sent_by.name.as_str().to_owned());
    }
    Ok(form_page(&state, StatusCode::OK, &typed, &[]).await?)
}

/// `POST /send/release-notice`: checks what was typed, then queues the notice; on a problem
/// the form again, with what was typed and what to fix.
pub(super) async fn send_release_notice(
    State(state): State<AppState>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let typed = Typed::parse(&body);
    let (draft, problems) = draft_of(&typed, state.pseudonym_key().is_some());
    if !problems.is_empty() {
        return Ok(form_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &typed, &problems).await?);
    }
    let mut draft = draft.expect("a draft when nothing is wrong");
    if let Some(sent_by) = page_sent_by() {
        draft["envelope"]["sent_by"] = json!(sent_by);
    }
    let bytes = serde_json::to_vec(&draft).expect("a JSON value serializes");
    match actions::submit_draft(
        &state,
        &page_actor(),
        &bytes,
        Some(MessageType::ReleaseNotice),
    )
    .await
    {
        Ok(submitted) => {
            Ok(Redirect::to(&format!("/?sent={}", submitted.message_id)).into_response())
        }
        Err(Failure::Caller { detail, .. }) => {
            let problem = Problem {
                field: "form",
                words: t_with("send-refused-by-agent", &[("detail", detail)]),
            };
            Ok(form_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &typed, &[problem]).await?)
        }
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

/// The draft of what was typed, or what to fix.
fn draft_of(typed: &Typed, has_pseudonym_key: bool) -> (Option<Value>, Vec<Problem>) {
    let mut problems = Vec::new();
    let country = typed.get("country");
    let number = typed.get("national_id");
    let name = typed.get("name");
    if !has_pseudonym_key {
        problems.push(Problem {
            field: "national_id",
            words: t("send-no-pseudonym-key"),
        });
    } else if number.is_empty() {
        problems.push(Problem {
            field: "national_id",
            words: t("send-need-number"),
        });
    } else if let Some(jurisdiction) = match country {
        "DK" => Some(schemas::Jurisdiction::DK),
        "NO" => Some(schemas::Jurisdiction::NO),
        "SE" => Some(schemas::Jurisdiction::SE),
        _ => None,
    } {
        if let Err(rule) =
            schemas::NationalId::parse(jurisdiction, number, chrono::Utc::now().date_naive())
        {
            problems.push(Problem {
                field: "national_id",
                words: t_with("send-bad-number", &[("rule", rule.to_string())]),
            });
        }
    } else {
        problems.push(Problem {
            field: "country",
            words: t("send-need-country"),
        });
    }
    let case = typed.get("case_id");
    if case.is_empty() {
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
    let expected = date(typed, "expected_release", &mut problems);
    if expected.is_none() && typed.get("expected_release").is_empty() {
        problems.push(Problem {
            field: "expected_release",
            words: t("send-need-expected"),
        });
    }
    let earliest = date(typed, "earliest_release", &mut problems);
    if let (Some(e), Some(x)) = (earliest, expected)
        && e > x
    {
        problems.push(Problem {
            field: "earliest_release",
            words: t("send-earliest-after-expected"),
        });
    }
    let until = date(typed, "supervision_until", &mut problems);
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
    if !problems.is_empty() {
        return (None, problems);
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
    let mut person = json!({"jurisdiction": country, "national_id": number});
    if !name.is_empty() {
        person["name"] = json!(name);
    }
    let draft = json!({
        "person": person,
        "envelope": {
            "case_id": case,
            "recipients": typed.recipients,
            "message_type": "ReleaseNotice",
            "purpose": "RELEASE_COORDINATION",
            "data_categories": categories,
        },
        "body": body,
    });
    (Some(draft), problems)
}

/// The form, with what was typed and the problems to fix (none on a fresh form).
async fn form_page(
    state: &AppState,
    status: StatusCode,
    typed: &Typed,
    problems: &[Problem],
) -> Result<Response, Failure> {
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
    let problem_of = |field: &str| problems.iter().find(|p| p.field == field);
    let mut main = format!(
        r#"<p class="back"><a href="/">&larr; {}</a></p>
<h1>{}</h1>
<p class="lead">{}</p>
"#,
        esc(&t("back-to-inbox")),
        esc(&t("send-release-title")),
        esc(&t("send-release-intro"))
    );
    if !problems.is_empty() {
        let _ = write!(
            main,
            r#"<div class="alert" role="alert" id="form-problems"><p><strong>{}</strong></p><ul>"#,
            esc(&t("send-fix-these"))
        );
        for p in problems {
            let _ = write!(
                main,
                r##"<li><a href="#{}">{}</a></li>"##,
                p.field,
                esc(&p.words)
            );
        }
        main.push_str("</ul></div>\n");
    }
    // One labelled field, with its problem (if any) tied to it for screen readers.
    let field = |id: &'static str, label: &str, input: String, hint: Option<&str>| {
        let mut out = format!(
            r#"<div class="field"><label for="{id}">{}</label>"#,
            esc(label)
        );
        let mut described = Vec::new();
        if let Some(hint) = hint {
            let _ = write!(out, r#"<p class="hint" id="{id}-hint">{}</p>"#, esc(hint));
            described.push(format!("{id}-hint"));
        }
        if let Some(p) = problem_of(id) {
            let _ = write!(
                out,
                r#"<p class="field-error" id="{id}-error">{}</p>"#,
                esc(&p.words)
            );
            described.push(format!("{id}-error"));
        }
        let aria = if described.is_empty() {
            String::new()
        } else {
            format!(r#" aria-describedby="{}""#, described.join(" "))
        } + if problem_of(id).is_some() {
            r#" aria-invalid="true""#
        } else {
            ""
        };
        out.push_str(&input.replace("{aria}", &aria));
        out.push_str("</div>\n");
        out
    };
    let text = |id: &str, kind: &str, extra: &str| {
        format!(
            r#"<input type="{kind}" id="{id}" name="{id}" value="{}"{extra}{{aria}}>"#,
            esc(typed.get(id))
        )
    };
    let select = |id: &str, options: &[(&str, String)]| {
        let mut out = format!(r#"<select id="{id}" name="{id}"{{aria}}>"#);
        for (value, words) in options {
            let chosen = if typed.get(id) == *value {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<option value="{value}"{chosen}>{}</option>"#,
                esc(words)
            );
        }
        out.push_str("</select>");
        out
    };
    let _ = write!(
        main,
        r#"<form method="post" action="/send/release-notice" class="card send" id="form" novalidate>
<fieldset><legend>{person}</legend>
"#,
        person = esc(&t("send-person"))
    );
    main.push_str(&field(
        "country",
        &t("send-country"),
        select(
            "country",
            &[
                ("", t("send-choose")),
                ("DK", t("send-country-dk")),
                ("NO", t("send-country-no")),
                ("SE", t("send-country-se")),
            ],
        ),
        None,
    ));
    main.push_str(&field(
        "national_id",
        &t("send-number"),
        text("national_id", "text", r#" autocomplete="off""#),
        Some(&t("send-number-hint")),
    ));
    main.push_str(&field(
        "name",
        &t("send-name"),
        text("name", "text", r#" autocomplete="off""#),
        None,
    ));
    main.push_str("</fieldset>\n");
    main.push_str(&field(
        "case_id",
        &t("send-case"),
        text("case_id", "text", ""),
        Some(&t("send-case-hint")),
    ));
    // The recipients, one checkbox each, as a group with its own legend and problem.
    let recipients_problem = problem_of("recipients");
    let _ = write!(
        main,
        r#"<fieldset id="recipients"{}><legend>{}</legend>"#,
        if recipients_problem.is_some() {
            r#" aria-describedby="recipients-error""#
        } else {
            ""
        },
        esc(&t("send-recipients"))
    );
    if let Some(p) = recipients_problem {
        let _ = write!(
            main,
            r#"<p class="field-error" id="recipients-error">{}</p>"#,
            esc(&p.words)
        );
    }
    if recipients.is_empty() {
        let _ = write!(main, "<p>{}</p>", esc(&t("send-no-recipients")));
    }
    for (i, (id, name)) in recipients.iter().enumerate() {
        let checked = if typed.recipients.contains(id) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            main,
            r#"<div class="choice"><input type="checkbox" id="recipient-{i}" name="recipient" value="{}"{checked}><label for="recipient-{i}">{}</label></div>"#,
            esc(id),
            esc(name)
        );
    }
    main.push_str("</fieldset>\n");
    main.push_str(&field(
        "expected_release",
        &t("send-expected"),
        text("expected_release", "date", ""),
        None,
    ));
    main.push_str(&field(
        "earliest_release",
        &t("send-earliest"),
        text("earliest_release", "date", ""),
        Some(&t("send-optional")),
    ));
    main.push_str(&field(
        "supervision",
        &t("send-supervision"),
        select(
            "supervision",
            &[
                ("", t("send-choose")),
                ("none", t("supervision-none")),
                ("parole", t("supervision-parole")),
                ("probation", t("supervision-probation")),
                ("community_sentence", t("supervision-community_sentence")),
            ],
        ),
        None,
    ));
    main.push_str(&field(
        "supervision_until",
        &t("send-supervision-until"),
        text("supervision_until", "date", ""),
        Some(&t("send-optional")),
    ));
    let needs = [
        ("", t("send-need-not-given")),
        ("none", t("need-none")),
        ("needs_support", t("need-needs_support")),
        ("urgent", t("need-urgent")),
    ];
    main.push_str(&field(
        "housing",
        &t("send-housing"),
        select("housing", &needs),
        Some(&t("send-needs-hint")),
    ));
    main.push_str(&field(
        "income",
        &t("send-income"),
        select("income", &needs),
        None,
    ));
    main.push_str(&field(
        "officer",
        &t("send-officer"),
        text("officer", "text", r#" maxlength="200""#),
        Some(&t("send-officer-hint")),
    ));
    main.push_str(&field(
        "phone",
        &t("send-phone"),
        text("phone", "tel", r#" maxlength="200""#),
        Some(&t("send-optional")),
    ));
    let _ = write!(
        main,
        r#"<button type="submit" id="send">{}</button>
</form>
"#,
        esc(&t("send-release-button"))
    );
    Ok(page(
        status,
        &t("send-release-title"),
        Some(state.agent().as_str()),
        &main,
    ))
}
