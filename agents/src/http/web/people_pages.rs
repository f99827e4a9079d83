//! The person register on the page: find a person by number or name, enter one, and one
//! person's page with their cases, messages in and out, and the consent this agency knows of.

use std::collections::{BTreeSet, HashMap};

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use schemas::messages::ConsentRecord;
use schemas::{Body, Jurisdiction, Message, Pseudonym};

use super::work_pages::{self, long_date};
use super::{PageError, agency_words, page, render, when};
use crate::access_log::{self, Action};
use crate::http::AppState;
use crate::http::actions::Failure;
use crate::http::words::{t, t_with};
use crate::people::{self, Person, PersonError};
use crate::present;
use crate::store::{Received, Sent};

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
    let main = persons_main(q, found.as_deref(), &EntryForm::default(), None)?;
    Ok(page(
        StatusCode::OK,
        &t("people-title"),
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
    let again = |status: StatusCode, error: &str| -> Result<Response, PageError> {
        let main = persons_main("", None, &form, Some(error))?;
        Ok(page(
            status,
            &t("people-title"),
            Some(state.agent().as_str()),
            &main,
        ))
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let jurisdiction = match form.jurisdiction.as_str() {
        "DK" => Jurisdiction::DK,
        "NO" => Jurisdiction::NO,
        "SE" => Jurisdiction::SE,
        _ => {
            return again(unprocessable, &t("people-need-country"));
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
            return again(
                unprocessable,
                &t_with("people-invalid-number", &[("rule", rule.to_string())]),
            );
        }
        Err(PersonError::Invalid { .. }) => {
            return again(unprocessable, &t("people-need-name"));
        }
        Err(e) => return Err(Failure::Unexpected(e.into()).into()),
    };
    let Some(key) = state.pseudonym_key() else {
        return again(StatusCode::CONFLICT, &t("people-no-key"));
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

/// The people register's page (`views/persons.html`): the search, the people found, and
/// the form to enter a person.
#[derive(askama::Template)]
#[template(path = "views/persons.html")]
struct PersonsPage<'a> {
    title: String,
    lead: String,
    search_label: String,
    q: &'a str,
    find: String,
    /// The people found, when a search was made.
    found: Option<Found>,
    enter: String,
    not_saved: String,
    /// What to fix, when the entry was not saved.
    error: Option<&'a str>,
    country: String,
    choose: String,
    countries: Vec<Country>,
    number_label: String,
    national_id: &'a str,
    name_label: String,
    name: &'a str,
    save: String,
}

/// The people a search found, with the table's words.
struct Found {
    /// What to say when nobody matched.
    none: String,
    caption: String,
    cols: [String; 3],
    rows: Vec<FoundRow>,
}

/// One person found.
struct FoundRow {
    subject: String,
    name: String,
    number: String,
    born: String,
}

/// A country of the entry form's choice.
struct Country {
    code: &'static str,
    words: String,
    selected: bool,
}

fn persons_main(
    q: &str,
    found: Option<&[Person]>,
    form: &EntryForm,
    error: Option<&str>,
) -> Result<String, Failure> {
    let found = found.map(|found| Found {
        none: t_with("people-none-match", &[("q", q.to_owned())]),
        caption: t("people-found-caption"),
        cols: [
            t("people-col-name"),
            t("people-col-number"),
            t("people-col-born"),
        ],
        rows: found
            .iter()
            .map(|p| FoundRow {
                subject: p.subject.as_str().to_owned(),
                name: p.identity.name.as_str().to_owned(),
                number: present::written_number(
                    p.identity.jurisdiction,
                    p.identity.national_id.as_str(),
                ),
                born: long_date(p.identity.date_of_birth),
            })
            .collect(),
    });
    let countries = [
        ("DK", "people-country-dk"),
        ("NO", "people-country-no"),
        ("SE", "people-country-se"),
    ]
    .into_iter()
    .map(|(code, words)| Country {
        code,
        words: t(words),
        selected: form.jurisdiction == code,
    })
    .collect();
    render(&PersonsPage {
        title: t("people-title"),
        lead: t("people-lead"),
        search_label: t("people-search-label"),
        q,
        find: t("people-find"),
        found,
        enter: t("people-enter"),
        not_saved: t("people-not-saved"),
        error,
        country: t("people-country"),
        choose: t("people-choose"),
        countries,
        number_label: t("people-number"),
        national_id: &form.national_id,
        name_label: t("people-name"),
        name: &form.name,
        save: t("people-save"),
    })
}

/// One person's page (`views/person.html`).
#[derive(askama::Template)]
#[template(path = "views/person.html")]
struct PersonPage<'a> {
    back: String,
    name: &'a str,
    number_label: String,
    number: String,
    born_label: String,
    born: String,
    since_label: String,
    since: String,
    source: String,
    cases_title: String,
    cases: Vec<String>,
    no_cases: String,
    consent_title: String,
    consent: Consent,
    /// The timeline's HTML, rendered by [`work_pages::timeline_html`].
    timeline: String,
}

/// The consent this agency knows of for a person, in words.
enum Consent {
    /// None: the words that say so.
    Unknown(String),
    /// The newest version: what it covers, whether it is in force, and its sentences.
    Known {
        summary: String,
        state: String,
        sentences: Vec<String>,
    },
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
    let names = state.store().agency_names().await?;
    let name = person.identity.name.to_string();
    let cases: BTreeSet<&str> = received
        .iter()
        .filter_map(|r| r.case_id.as_deref())
        .chain(sent.iter().filter_map(|s| s.case_id.as_deref()))
        .collect();
    let main = render(&PersonPage {
        back: t("people-back"),
        name: &name,
        number_label: present::number_label(person.identity.jurisdiction),
        number: present::written_number(
            person.identity.jurisdiction,
            person.identity.national_id.as_str(),
        ),
        born_label: t("people-born"),
        born: long_date(person.identity.date_of_birth),
        since_label: t("people-known-since"),
        since: when(person.first_seen),
        source: t(if person.source == "entered" {
            "people-source-entered"
        } else {
            "people-source-shared"
        }),
        cases_title: t("people-cases"),
        cases: cases
            .into_iter()
            .map(|case| t_with("people-case", &[("case", case.to_owned())]))
            .collect(),
        no_cases: t("people-no-cases"),
        consent_title: t("people-consent"),
        consent: consent_of(&received, &sent, &names),
        timeline: work_pages::timeline_html(&work_pages::seen_of(&received, &sent), &names)?,
    })?;
    Ok(page(
        StatusCode::OK,
        &name,
        Some(state.agent().as_str()),
        &main,
    ))
}

/// The consent this agency knows of for the person: the newest version sent or received,
/// and whether it was withdrawn.
fn consent_of(
    received: &[Received],
    sent: &[Sent],
    names: &std::collections::BTreeMap<String, String>,
) -> Consent {
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
        None => Consent::Unknown(t("people-no-consent")),
        Some((record, _)) => Consent::Known {
            summary: t_with(
                "people-consent-summary",
                &[
                    ("programme", record.programme.as_str().to_owned()),
                    ("start", long_date(record.period.start)),
                    ("end", long_date(record.period.end)),
                    ("custodian", agency_words(names, record.custodian.as_str())),
                ],
            ),
            state: t(if withdrawn.contains(&record.consent_id) {
                "people-consent-withdrawn"
            } else {
                "people-consent-in-force"
            }),
            sentences: present::consent_sentences(record),
        },
    }
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
