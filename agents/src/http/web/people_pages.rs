//! The person register on the page: find a person by number or name, enter one, and one
//! person's page with their cases, messages in and out, and the consent this agency knows of.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use schemas::messages::ConsentRecord;
use schemas::{Body, Jurisdiction, Message, Pseudonym};

use super::{PageError, esc, page, type_title, when};
use crate::access_log::{self, Action};
use crate::http::AppState;
use crate::http::actions::Failure;
use crate::people::{self, Person, PersonError};
use crate::present;

/// `GET /persons?q=`: the search form, the people found, and the form to enter a person.
pub(super) async fn persons(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let q = query
        .get("q")
        .map(String::as_str)
        .unwrap_or_default()
        .trim();
    let found = if q.is_empty() {
        None
    } else {
        let found = people::search(state.store(), q, Utc::now().date_naive()).await?;
        let subjects: Vec<&str> = found.iter().map(|p| p.subject.as_str()).collect();
        access_log::about_people(
            state.store(),
            &super::page_actor(),
            Action::PersonFound,
            &subjects,
        )
        .await?;
        Some(found)
    };
    let main = persons_main(q, found.as_deref(), &EntryForm::default(), None);
    Ok(page(
        StatusCode::OK,
        "People",
        Some(state.agent().as_str()),
        &main,
    ))
}

/// What the entry form holds, kept as typed when it must be corrected.
#[derive(Default, serde::Deserialize)]
pub(super) struct EntryForm {
    #[serde(default)]
    jurisdiction: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    name: String,
}

/// `POST /persons`: enters a person (number and name) in the register and goes to their page;
/// a mistake shows the form again, as typed, with what to fix.
pub(super) async fn add_person(
    State(state): State<AppState>,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    let again = |status: StatusCode, error: &str| {
        let main = persons_main("", None, &form, Some(error));
        page(status, "People", Some(state.agent().as_str()), &main)
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let jurisdiction = match form.jurisdiction.as_str() {
        "DK" => Jurisdiction::DK,
        "NO" => Jurisdiction::NO,
        "SE" => Jurisdiction::SE,
        _ => {
            return Ok(again(
                unprocessable,
                "Choose the country that issued the number.",
            ));
        }
    };
    let now = Utc::now();
    let (id, identity) = match people::identity_from(
        jurisdiction,
        &form.national_id,
        &form.name,
        now.date_naive(),
    ) {
        Ok(found) => found,
        Err(PersonError::InvalidNumber(rule)) => {
            return Ok(again(
                unprocessable,
                &format!(
                    "The national identity number is not valid: {rule}. Check it against \
                         the person's papers."
                ),
            ));
        }
        Err(PersonError::Invalid { .. }) => {
            return Ok(again(
                unprocessable,
                "Write the person's name (at most 200 characters).",
            ));
        }
        Err(e) => return Err(Failure::Unexpected(e.into()).into()),
    };
    let Some(key) = state.pseudonym_key() else {
        return Ok(again(
            StatusCode::CONFLICT,
            "This agent cannot name people by number yet: it has no pseudonym key. Please \
             tell your administrator (the agent's setting agent.pseudonym_key_file).",
        ));
    };
    let subject = key.pseudonym(&id);
    people::enter(
        state.store(),
        &super::page_actor(),
        &subject,
        &identity,
        now,
    )
    .await?;
    Ok(Redirect::to(&format!("/persons/{subject}")).into_response())
}

fn persons_main(
    q: &str,
    found: Option<&[Person]>,
    form: &EntryForm,
    error: Option<&str>,
) -> String {
    let mut main = String::from(
        "<h1>People</h1>\n<p class=\"lead\">The people your agency knows: entered here, or \
         named in a message whose identity was shared with your agency.</p>\n",
    );
    let _ = write!(
        main,
        r#"<form method="get" action="/persons" class="search" role="search">
<label for="q">National identity number or name</label>
<input id="q" name="q" type="search" value="{}" autocomplete="off">
<button type="submit">Find</button>
</form>
"#,
        esc(q)
    );
    if let Some(found) = found {
        if found.is_empty() {
            let _ = writeln!(
                main,
                "<p role=\"status\">Nobody in your agency's register matches “{}”.</p>",
                esc(q)
            );
        } else {
            main.push_str(
                "<table class=\"people\">\n<caption class=\"visually-hidden\">People found</caption>\n\
                 <thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Number</th><th scope=\"col\">Born</th></tr></thead>\n<tbody>\n",
            );
            for p in found {
                let _ = writeln!(
                    main,
                    r#"<tr><td><a href="/persons/{}">{}</a></td><td>{}</td><td>{}</td></tr>"#,
                    esc(p.subject.as_str()),
                    esc(p.identity.name.as_str()),
                    esc(&present::written_number(
                        p.identity.jurisdiction,
                        p.identity.national_id.as_str()
                    )),
                    p.identity.date_of_birth.format("%-d %B %Y"),
                );
            }
            main.push_str("</tbody>\n</table>\n");
        }
    }
    main.push_str("<h2 id=\"enter-h\">Enter a person</h2>\n");
    if let Some(error) = error {
        let _ = writeln!(
            main,
            r#"<div class="alert" role="alert" id="entry-error"><strong>Not saved:</strong> {}</div>"#,
            esc(error)
        );
    }
    let selected = |code: &str| {
        if form.jurisdiction == code {
            " selected"
        } else {
            ""
        }
    };
    let described = if error.is_some() {
        r#" aria-describedby="entry-error""#
    } else {
        ""
    };
    let _ = write!(
        main,
        r#"<form method="post" action="/persons" class="entry" aria-labelledby="enter-h">
<label for="jurisdiction">Country that issued the number</label>
<select id="jurisdiction" name="jurisdiction" required{described}>
<option value="">Choose…</option>
<option value="DK"{dk}>Denmark (CPR number)</option>
<option value="NO"{no}>Norway (fødselsnummer or D-nummer)</option>
<option value="SE"{se}>Sweden (personnummer or samordningsnummer)</option>
</select>
<label for="national_id">National identity number</label>
<input id="national_id" name="national_id" value="{number}" required inputmode="numeric" autocomplete="off"{described}>
<label for="name">Name</label>
<input id="name" name="name" value="{name}" required maxlength="200" autocomplete="off"{described}>
<button type="submit">Save</button>
</form>
"#,
        dk = selected("DK"),
        no = selected("NO"),
        se = selected("SE"),
        number = esc(&form.national_id),
        name = esc(&form.name),
    );
    main
}

/// `GET /persons/{subject}`: one person, their cases, messages and consent.
pub(super) async fn person(
    State(state): State<AppState>,
    Path(subject): Path<String>,
) -> Result<Response, PageError> {
    let subject = Pseudonym::try_from(subject).map_err(|_| Failure::NotFound("person"))?;
    let person = people::find(state.store(), &subject)
        .await?
        .ok_or(Failure::NotFound("person in your agency's register"))?;
    access_log::about_people(
        state.store(),
        &super::page_actor(),
        Action::PersonOpened,
        &[subject.as_str()],
    )
    .await?;
    let (received, sent) = state.store().about_subject(subject.as_str(), 200).await?;
    let name = person.identity.name.to_string();
    let mut main = format!(
        r#"<p class="back"><a href="/persons">&larr; People</a></p>
<h1>{}</h1>
<dl class="facts">
<div><dt>{}</dt><dd>{}</dd></div>
<div><dt>Born</dt><dd>{}</dd></div>
<div><dt>Known since</dt><dd>{} <span class="muted">({})</span></dd></div>
</dl>
"#,
        esc(&name),
        present::number_label(person.identity.jurisdiction),
        esc(&present::written_number(
            person.identity.jurisdiction,
            person.identity.national_id.as_str()
        )),
        person.identity.date_of_birth.format("%-d %B %Y"),
        when(person.first_seen),
        if person.source == "entered" {
            "entered by your agency"
        } else {
            "shared with your agency in a message"
        },
    );

    let cases: BTreeSet<&str> = received
        .iter()
        .filter_map(|r| r.case_id.as_deref())
        .chain(sent.iter().filter_map(|s| s.case_id.as_deref()))
        .collect();
    main.push_str("<h2>Cases</h2>\n");
    if cases.is_empty() {
        main.push_str("<p>No case with this person in your agency's messages.</p>\n");
    } else {
        main.push_str("<ul>\n");
        for case in cases {
            let _ = writeln!(main, "<li>Case {}</li>", esc(case));
        }
        main.push_str("</ul>\n");
    }

    main.push_str("<h2>Consent</h2>\n");
    let consents: Vec<(ConsentRecord, chrono::DateTime<Utc>)> = received
        .iter()
        .map(|r| (&r.payload, r.received_at))
        .chain(sent.iter().map(|s| (&s.payload, s.accepted_at)))
        .filter_map(|(payload, at)| match decode(payload) {
            Some(Message {
                body: Body::ConsentGranted(g),
                ..
            }) => Some((g.consent, at)),
            _ => None,
        })
        .collect();
    let withdrawn: BTreeSet<uuid::Uuid> = received
        .iter()
        .map(|r| &r.payload)
        .chain(sent.iter().map(|s| &s.payload))
        .filter_map(|payload| match decode(payload) {
            Some(Message {
                body: Body::ConsentWithdrawn(w),
                ..
            }) => Some(w.consent_id),
            _ => None,
        })
        .collect();
    match consents.iter().max_by_key(|(c, at)| (c.version, *at)) {
        None => main.push_str(
            "<p>Your agency has sent or received no consent for this person. Sharing with your \
             agency may still rest on a statute.</p>\n",
        ),
        Some((record, _)) => {
            let state_words = if withdrawn.contains(&record.consent_id) {
                "withdrawn"
            } else {
                "in force as far as your agency knows"
            };
            let _ = writeln!(
                main,
                "<p>{programme}, from {start} to {end}, kept by {custodian}: <strong>{state_words}</strong>.</p>",
                programme = esc(record.programme.as_str()),
                start = record.period.start.format("%-d %B %Y"),
                end = record.period.end.format("%-d %B %Y"),
                custodian = esc(record.custodian.as_str()),
            );
            main.push_str("<ul>\n");
            for sentence in present::consent_sentences(record) {
                let _ = writeln!(main, "<li>{}</li>", esc(&sentence));
            }
            main.push_str("</ul>\n");
        }
    }

    main.push_str("<h2>Messages</h2>\n");
    if received.is_empty() && sent.is_empty() {
        main.push_str("<p>No messages about this person yet.</p>\n");
    } else {
        main.push_str(
            "<table class=\"inbox\">\n<caption class=\"visually-hidden\">Messages about this person, newest first</caption>\n\
             <thead><tr><th scope=\"col\">When</th><th scope=\"col\">Message</th><th scope=\"col\">Direction</th></tr></thead>\n<tbody>\n",
        );
        let mut rows: Vec<(chrono::DateTime<Utc>, String)> = Vec::new();
        for r in &received {
            let title = if r.quarantined_at.is_some() {
                format!("{} (quarantined)", esc(&type_title(&r.message_type)))
            } else {
                format!(
                    r#"<a href="/messages/{}?sender={}">{}</a>"#,
                    esc(&r.message_id),
                    esc(&r.sender),
                    esc(&type_title(&r.message_type))
                )
            };
            rows.push((
                r.received_at,
                format!(
                    "<td>{}</td><td>{title}</td><td>from {}</td>",
                    when(r.received_at),
                    esc(&r.sender)
                ),
            ));
        }
        for s in &sent {
            rows.push((
                s.accepted_at,
                format!(
                    "<td>{}</td><td>{}</td><td>sent by your agency</td>",
                    when(s.accepted_at),
                    esc(&type_title(&s.message_type))
                ),
            ));
        }
        rows.sort_by_key(|row| std::cmp::Reverse(row.0));
        for (_, cells) in rows {
            let _ = writeln!(main, "<tr>{cells}</tr>");
        }
        main.push_str("</tbody>\n</table>\n");
    }
    Ok(page(
        StatusCode::OK,
        &name,
        Some(state.agent().as_str()),
        &main,
    ))
}

fn decode(payload: &[u8]) -> Option<Message> {
    schemas::decode(payload).ok()
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body as HttpBody;
    use axum::http::{Request, header};

    use crate::http::{AppState, Token, router};
    use crate::people::PseudonymKey;
    use crate::testing::{TempStore, agency, call};

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    async fn logged_in(t: &TempStore) -> (Router, String) {
        let state = AppState::new(
            t.store.clone(),
            agency("dk-kobenhavn-kommune"),
            Token::new("t"),
        )
        .with_pseudonym_key(Some(PseudonymKey::from_hex(KEY).unwrap()));
        let cookie = state.test_session(crate::http::sign_in::Caseworker::new(
            "mette.holm",
            "Mette Holm",
            &[crate::http::sign_in::Role::Caseworker],
        ));
        (router(state), cookie)
    }

    /// The page's form post, with the session's CSRF token read from the page as a browser
    /// would send it.
    async fn post(app: &Router, uri: &str, cookie: &str, form: &str) -> Request<HttpBody> {
        let (_, _, page) = call(app, get("/persons", cookie)).await;
        let at = page
            .find(r#"name="csrf" value=""#)
            .expect("a form with its token")
            + 19;
        let csrf = &page[at..at + page[at..].find('"').unwrap()];
        Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(HttpBody::from(format!("{form}&csrf={csrf}")))
            .unwrap()
    }

    fn get(uri: &str, cookie: &str) -> Request<HttpBody> {
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(HttpBody::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn a_caseworker_enters_a_person_by_number_and_finds_them_by_name() {
        let t = TempStore::new().await;
        let (app, cookie) = logged_in(&t).await;
        let (status, location, _) = call(
            &app,
            post(
                &app,
                "/persons",
                &cookie,
                "jurisdiction=DK&national_id=150640-3123&name=%C3%85se+Testrup",
            )
            .await,
        )
        .await;
        assert_eq!(status, 303);
        let location = location.unwrap();
        assert!(location.starts_with("/persons/ps-"), "{location}");

        let (status, _, page) = call(&app, get(&location, &cookie)).await;
        assert_eq!(status, 200);
        assert!(page.contains("Åse Testrup"), "{page}");
        assert!(page.contains("150640-3123"));
        assert!(page.contains("15 June 1940"));
        assert!(page.contains("No messages about this person yet."));

        let (_, _, found) = call(&app, get("/persons?q=%C3%A5SE", &cookie)).await;
        assert!(found.contains(&format!("href=\"{location}\"")), "{found}");
        let (_, _, none) = call(&app, get("/persons?q=Hansen", &cookie)).await;
        assert!(none.contains("Nobody in your agency"), "{none}");

        // Each step is in the access log under the page's user, with the person's pseudonym
        // and never the number, the name or the words searched for.
        let subject = location.trim_start_matches("/persons/");
        let log = crate::access_log::entries(&t.store, &Default::default())
            .await
            .unwrap();
        let seen: Vec<(&str, &str, Option<&str>)> = log
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.subject.as_deref()))
            .collect();
        let page = "page:Mette Holm (mette.holm)";
        assert_eq!(
            seen,
            [
                (page, "person_entered", Some(subject)),
                (page, "person_opened", Some(subject)),
                (page, "person_found", Some(subject)),
            ]
        );
        let export = crate::access_log::csv(&log);
        for secret in ["1506403123", "Testrup", "SE", "Hansen"] {
            assert!(!export.contains(secret), "{secret}: {export}");
        }
    }

    #[tokio::test]
    async fn a_wrong_number_is_explained_and_what_was_typed_is_kept() {
        let t = TempStore::new().await;
        let (app, cookie) = logged_in(&t).await;
        let (status, _, page) = call(
            &app,
            post(
                &app,
                "/persons",
                &cookie,
                "jurisdiction=NO&national_id=01019012345&name=Kari+Testrup",
            )
            .await,
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("role=\"alert\""), "{page}");
        assert!(page.contains("check digit"), "{page}");
        assert!(page.contains("value=\"01019012345\""), "typed number kept");
        assert!(page.contains("value=\"Kari Testrup\""), "typed name kept");
        assert!(
            page.contains("<option value=\"NO\" selected>"),
            "country kept"
        );

        let (status, _, page) = call(
            &app,
            post(
                &app,
                "/persons",
                &cookie,
                "jurisdiction=&national_id=1&name=x",
            )
            .await,
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("Choose the country"), "{page}");
        // Nothing was entered.
        let (_, _, found) = call(&app, get("/persons?q=Testrup", &cookie)).await;
        assert!(found.contains("Nobody in your agency"), "{found}");
    }
}
