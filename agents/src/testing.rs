//! Helpers for the agent's unit tests: a store in a fresh directory, key directory entries,
//! relocation drafts.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use schemas::messages::{DirectoryKey, SEALING_SCHEME};
use schemas::{AgencyId, AgencyRole};
use serde_json::{Value, json};

use crate::store::Store;

/// A store in its own directory, removed when dropped.
pub(crate) struct TempStore {
    pub(crate) store: Store,
    dir: PathBuf,
}

impl TempStore {
    pub(crate) async fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("agent-test-{}", uuid::Uuid::new_v4()));
        let store = Store::open(&dir).await.expect("a fresh store opens");
        Self { store, dir }
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn agency(id: &str) -> AgencyId {
    AgencyId::try_from(id).expect("a valid agency id")
}

pub(crate) fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, minute, 0).unwrap()
}

/// A directory entry for `agency`'s key.
pub(crate) fn entry(
    agency_id: &str,
    role: AgencyRole,
    key_id: &str,
    public_key: &str,
    current: bool,
    protected_location: bool,
) -> DirectoryKey {
    DirectoryKey {
        agency: agency(agency_id),
        role,
        key_id: key_id.try_into().unwrap(),
        scheme: SEALING_SCHEME.try_into().unwrap(),
        public_key: public_key.to_owned(),
        published_at: at(0),
        current,
        protected_location,
        agency_name: None,
    }
}

/// The plaintext location the tests seal. Its words appear nowhere else in a message.
pub(crate) fn location() -> Value {
    json!({
        "address": "Kongens gate 14B",
        "postal_code": "7011",
        "city": "Trondheim",
        "notes": "Ring Kari Nordmann before the move"
    })
}

/// Oslo kommune seals [`location`] to `me`'s current key `key` in a relocation request,
/// and `me`'s store receives it. Returns the message as received.
pub(crate) async fn receive_sealed_request(
    recipient: &Store,
    me: &AgencyId,
    key: &crate::store::OwnKey,
) -> schemas::Message {
    let sender = TempStore::new().await;
    let directory = schemas::messages::KeyDirectory {
        follows: None,
        version: 1,
        keys: vec![entry(
            me.as_str(),
            AgencyRole::Municipality,
            &key.key_id,
            &key.public_key,
            true,
            false,
        )],
    };
    sender
        .store
        .save_directory(&directory, at(0))
        .await
        .unwrap();
    let draft = relocation_request(&[me.as_str()], json!({"seal": location()}));
    let (message, _) = crate::submit(
        &sender.store,
        &agency("no-oslo-kommune"),
        draft.to_string().as_bytes(),
    )
    .await
    .unwrap();
    recipient.receive(me, &message, at(1)).await.unwrap();
    message
}

/// Words of [`location`] that must never appear in a stored or sent payload.
pub(crate) const SECRET_WORDS: &[&str] = &["Kongens", "Trondheim", "Nordmann"];

/// A RelocationRequest draft from `no-oslo-kommune` to `recipients`, its destination `sealed`.
pub(crate) fn relocation_request(recipients: &[&str], sealed: Value) -> Value {
    json!({
        "envelope": {
            "case_id": "OSL-2026-0077",
            "subject": "ps-c41d2e9a07f3b6e2",
            "recipients": recipients,
            "message_type": "RelocationRequest",
            "purpose": "RELOCATION_SAFETY",
            "data_categories": ["RISK_NEED", "CASE_STATUS", "PROTECTED_LOCATION"],
            "gateway": "CONSENT:0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11@2"
        },
        "body": {
            "relocation_id": "e8d7c6b5-a4f3-4e21-9d0c-1b2a3f4e5d6c",
            "threat_level": "high",
            "needed_by": "2026-12-20",
            "needs": "Supported housing for the first three months.",
            "sealed_destination": sealed
        }
    })
}

/// A RelocationConfirmed draft from `no-trondheim-kommune` to `recipients`.
pub(crate) fn relocation_confirmed(recipients: &[&str], sealed: Option<Value>) -> Value {
    let mut draft = json!({
        "envelope": {
            "case_id": "OSL-2026-0077",
            "subject": "ps-c41d2e9a07f3b6e2",
            "recipients": recipients,
            "message_type": "RelocationConfirmed",
            "purpose": "RELOCATION_SAFETY",
            "data_categories": ["CASE_STATUS", "PROTECTED_LOCATION"],
            "gateway": "CONSENT:0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11@2"
        },
        "body": {
            "relocation_id": "e8d7c6b5-a4f3-4e21-9d0c-1b2a3f4e5d6c",
            "move_date": "2026-12-18",
            "new_owner": "no-trondheim-kommune"
        }
    });
    if let Some(sealed) = sealed {
        draft["body"]["sealed_address"] = sealed;
    } else {
        draft["envelope"]["data_categories"] = json!(["CASE_STATUS"]);
    }
    draft
}

/// Sends `request` to the page's `app`: the status, the `Location` and the body.
pub(crate) async fn call(
    app: &axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (u16, Option<String>, String) {
    use tower::ServiceExt;
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(axum::http::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, location, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A GET of the page at `path` as a browser signed in with `cookie` asks for it, in `lang`.
pub(crate) fn page_get(
    path: &str,
    cookie: &str,
    lang: &str,
) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, cookie)
        .header(axum::http::header::ACCEPT_LANGUAGE, lang)
        .body(axum::body::Body::empty())
        .unwrap()
}

/// The form at `path` posted back as a browser does: signed in with `cookie`, in `lang`,
/// with `body` and the CSRF token the form carries (read from a GET of `path`).
pub(crate) async fn form_post(
    app: &axum::Router,
    path: &str,
    cookie: &str,
    lang: &str,
    body: &str,
) -> axum::http::Request<axum::body::Body> {
    use axum::http::header;
    let (_, _, page) = call(app, page_get(path, cookie, lang)).await;
    let token = r#"name="csrf" value=""#;
    let at = page.find(token).expect("a form with its token") + token.len();
    let csrf = &page[at..at + page[at..].find('"').unwrap()];
    axum::http::Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT_LANGUAGE, lang)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("{body}&csrf={csrf}")))
        .unwrap()
}

/// Posts `body` as the page's form at `path` sends it (its query kept), but to the form's
/// check address (`/check` after the path): the status and the problems answered, as
/// (field, words).
pub(crate) async fn form_check(
    app: &axum::Router,
    path: &str,
    cookie: &str,
    lang: &str,
    body: &str,
) -> (u16, Vec<(String, String)>) {
    let mut request = form_post(app, path, cookie, lang, body).await;
    let check = match path.split_once('?') {
        Some((path, query)) => format!("{path}/check?{query}"),
        None => format!("{path}/check"),
    };
    *request.uri_mut() = check.parse().unwrap();
    let (status, _, answer) = call(app, request).await;
    let answer: serde_json::Value = serde_json::from_str(&answer).expect(&answer);
    let problems = answer["problems"].as_array().expect("a list of problems");
    let problems = problems
        .iter()
        .map(|p| {
            let field = p["field"].as_str().unwrap().to_owned();
            (field, p["words"].as_str().unwrap().to_owned())
        })
        .collect();
    (status, problems)
}

/// The pseudonym key (hex) of the pages [`municipality_page`] makes.
pub(crate) const PSEUDONYM_KEY: &str =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// Københavns Kommune's page on `store`, able to name people by number (it has a pseudonym
/// key), and the session cookie of its caseworker Freja Munk.
pub(crate) fn municipality_page(store: &Store) -> (axum::Router, String) {
    use crate::http::sign_in::{Caseworker, Role};
    let state = crate::http::AppState::new(
        store.clone(),
        agency("dk-kobenhavn-kommune"),
        crate::http::Token::new("t"),
    )
    .with_pseudonym_key(Some(
        crate::people::PseudonymKey::from_hex(PSEUDONYM_KEY).unwrap(),
    ));
    let cookie = state.test_session(Caseworker::new(
        "freja.munk",
        "Freja Munk",
        &[Role::Caseworker],
    ));
    (crate::http::router(state), cookie)
}

/// Publishes a fresh sealing key of `agency_id` (a `role`) in `store`, as the key
/// directory's first version; the key pair, whose secret opens what is sealed to it.
pub(crate) async fn publish_sealing_key(
    store: &Store,
    agency_id: &str,
    role: AgencyRole,
) -> seal::KeyPair {
    let key = seal::generate();
    let directory = schemas::messages::KeyDirectory {
        follows: None,
        version: 1,
        keys: vec![entry(
            agency_id,
            role,
            &key.key_id,
            &key.public_key,
            true,
            true,
        )],
    };
    store.save_directory(&directory, at(0)).await.unwrap();
    key
}
