//! The caseworker's inbox page: server-rendered HTML, no script.
//!
//! A login form takes the agent's token and sets a session cookie (a random id, HttpOnly,
//! SameSite=Strict, Path=/); the token itself never reaches the browser's storage. Forms post
//! back to the page. Cross-site requests: SameSite=Strict keeps the cookie off any request
//! another site starts, which is enough for a tool on the caseworker's own machine; as a
//! second line, a POST whose `Origin` (or `Referer`) is not this server is refused
//! ([`broker::web::same_origin`], also checked for every route by [`broker::web::guard`]).
//! Every value written into a page is HTML-escaped.
//!
//! No GET changes anything: `GET /messages/{id}` of a message nobody has opened shows only
//! who sent it and an "Open" button; opening it (recording `opened_at`, after which a consent
//! withdrawal no longer quarantines it) is `POST /messages/{id}/open`, the page's own form.
//! So a foreign `<img src=".../messages/{id}">` cannot open a message and defeat quarantine.

use std::collections::HashMap;
use std::fmt::Write;

use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use schemas::ids::ShortText;
use schemas::messages::HandoverOutcome;
use schemas::{Body, Message, MessageType};

mod people_pages;

use super::AppState;
use super::actions::{self, Failure, HandoverAnswer};
use super::consents;
use crate::access_log::{self, Actor};
use crate::people::{self, IdentityView};
use crate::present;
use crate::sealing::{self, SealedView};
use crate::store::{Received, SendStatus};

const COOKIE: &str = "agent_session";
const STYLE: &str = include_str!("style.css");

/// The page routes.
pub(super) fn router(state: AppState) -> Router {
    let guarded = Router::new()
        .route("/", get(inbox))
        .route("/messages/{id}", get(message))
        .route("/messages/{id}/open", post(open))
        .route("/messages/{id}/answer", post(answer))
        .route("/logout", post(logout))
        .route(
            "/persons",
            get(people_pages::persons).post(people_pages::add_person),
        )
        .route("/persons/{subject}", get(people_pages::person))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_session,
        ))
        .with_state(state.clone());
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/assets/style.css", get(style))
        .with_state(state)
        .merge(guarded)
}

/// HTML-escapes text for element content and quoted attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

async fn require_session(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !broker::web::same_origin(request.headers()) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Refused",
            "This form was sent from another site. Open the inbox page and try again.",
        );
    }
    let Some(session) = session_id(request.headers()).filter(|id| state.session_valid(id)) else {
        return Redirect::to("/login").into_response();
    };
    let csrf = state.csrf_token(&session);
    // Every form carries the session's CSRF token, and a POST without it is refused: a
    // defence beside SameSite=Strict and the Origin check, not instead of them.
    let request = if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            return error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much in the form",
                "The form holds more than the page takes. Go back and shorten what you wrote.",
            );
        };
        let presented = form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned());
        let matches = presented
            .is_some_and(|p| subtle::ConstantTimeEq::ct_eq(p.as_bytes(), csrf.as_bytes()).into());
        if !matches {
            return error_page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was not sent from this page as it stands now, or it is too old. Go \
                 back, reload the page and try again.",
            );
        }
        Request::from_parts(parts, axum::body::Body::from(bytes))
    } else {
        request
    };
    with_csrf_fields(next.run(request).await, &csrf).await
}

/// The most a page form may hold.
const FORM_LIMIT: usize = 256 * 1024;

/// `response` with the CSRF token as a hidden field in each of its POST forms.
async fn with_csrf_fields(response: Response, csrf: &str) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = String::from_utf8_lossy(&bytes);
    let field = format!(r#"<input type="hidden" name="csrf" value="{}">"#, esc(csrf));
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest: &str = &html;
    while let Some(start) = rest.find(r#"<form method="post""#) {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag_end = start + end + 1;
        out.push_str(&rest[..tag_end]);
        out.push_str(&field);
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(out))
}

fn page(status: StatusCode, title: &str, agent: Option<&str>, main: &str) -> Response {
    let header_right = match agent {
        Some(agent) => format!(
            r#"<nav aria-label="Main"><a href="/">Inbox</a> <a href="/persons">People</a></nav>
      <span class="agency">{}</span>
      <form method="post" action="/logout" class="logout"><button type="submit" class="link">Sign out</button></form>"#,
            esc(agent)
        ),
        None => String::new(),
    };
    let html = format!(
        r##"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · Handover hub</title>
  <link rel="stylesheet" href="/assets/style.css">
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header class="site">
    <div class="bar">
      <a class="brand" href="/">Handover hub <span>caseworker inbox</span></a>
      {header_right}
    </div>
  </header>
  <main id="main">
{main}
  </main>
  <footer class="site">Messages are shown only to this agency. Personal data: handle according to your agency's rules.</footer>
</body>
</html>
"##,
        title = esc(title),
    );
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it Chromium sends `Origin: null` with the page's own form
    // posts, which the same-origin check below would refuse.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn error_page(status: StatusCode, title: &str, words: &str) -> Response {
    let main = format!(
        r#"<p class="back"><a href="/">&larr; Inbox</a></p>
<h1>{}</h1>
<p>{}</p>"#,
        esc(title),
        esc(words)
    );
    page(status, title, None, &main)
}

/// A failure as the page shows it.
struct PageError(Failure);

impl From<Failure> for PageError {
    fn from(f: Failure) -> Self {
        PageError(f)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.0.logged() {
            Failure::Caller { status, detail, .. } => {
                error_page(status, "That did not work", &detail)
            }
            Failure::NotFound(what) => error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                &format!("There is no such {what}."),
            ),
            Failure::Quarantined => quarantined_page(),
            Failure::Unexpected(_) => error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The agent could not do this. The cause is in the agent's log; please tell your administrator.",
            ),
        }
    }
}

fn quarantined_page() -> Response {
    error_page(
        StatusCode::CONFLICT,
        "This message is quarantined",
        "It was shared under the person's consent, and the person withdrew that consent before \
         anyone here opened the message. It can no longer be opened. The hub's disclosure log \
         still records that it was delivered.",
    )
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        STYLE,
    )
        .into_response()
}

fn login_page(status: StatusCode, error: Option<&str>) -> Response {
    let alert = error
        .map(|e| {
            format!(
                r#"<div class="alert" role="alert" id="login-error">{}</div>"#,
                esc(e)
            )
        })
        .unwrap_or_default();
    let described = if error.is_some() {
        r#" aria-describedby="login-error" aria-invalid="true""#
    } else {
        ""
    };
    let main = format!(
        r#"<h1>Sign in</h1>
<p>Sign in with the agent's token. Your administrator has it (the agent's <code>http.token</code> setting).</p>
{alert}
<form method="post" action="/login" class="card narrow">
  <label for="token">Agent token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required{described}>
  <button type="submit">Sign in</button>
</form>"#
    );
    page(status, "Sign in", None, &main)
}

async fn login_form() -> Response {
    login_page(StatusCode::OK, None)
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !broker::web::same_origin(&headers) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Refused",
            "This form was sent from another site.",
        );
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    if !state.token().matches(token.trim()) {
        return login_page(
            StatusCode::UNAUTHORIZED,
            Some("That is not the agent's token."),
        );
    }
    let id = state.new_session();
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        super::SESSION_LIFETIME.as_secs()
    );
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        state.end_session(&id);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("agent_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

fn when(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn type_title(name: &str) -> &'static str {
    MessageType::from_name(name).map_or("Message", present::type_title)
}

fn respond_by(date: NaiveDate, today: NaiveDate, answered: bool) -> String {
    let days = (date - today).num_days();
    let note = match days {
        _ if answered => String::new(),
        d if d < 0 => r#" <strong class="tag overdue">overdue</strong>"#.to_owned(),
        0 => r#" <strong class="tag due">today</strong>"#.to_owned(),
        1 => " <span class=\"muted\">(tomorrow)</span>".to_owned(),
        d => format!(" <span class=\"muted\">(in {d} days)</span>"),
    };
    format!(r#"<time datetime="{date}">{date}</time>{note}"#)
}

fn outcome_words(outcome: HandoverOutcome) -> &'static str {
    match outcome {
        HandoverOutcome::Received => "Received",
        HandoverOutcome::Accepted => "Accepted",
        HandoverOutcome::Rejected => "Rejected",
    }
}

fn status_words(status: SendStatus) -> &'static str {
    match status {
        SendStatus::Queued => "waiting to be sent",
        SendStatus::Sent => "sent, waiting for the hub",
        SendStatus::Delivered => "delivered",
        SendStatus::PartiallyDelivered => "delivered to some",
        SendStatus::Refused => "refused by the hub",
    }
}

async fn inbox(State(state): State<AppState>) -> Result<Response, PageError> {
    let store = state.store();
    let today = Utc::now().date_naive();
    let rows = store.inbox(200).await?;
    let answers = actions::answers_sent(store).await?;
    let cancelled = actions::handovers_cancelled(store).await?;
    let mut main = String::from("<h1>Inbox</h1>\n");
    let shown: Vec<&Received> = rows
        .iter()
        .filter(|r| r.message_type != MessageType::Receipt.as_str())
        .collect();
    if shown.is_empty() {
        main.push_str("<p>The inbox is empty.</p>\n");
    } else {
        main.push_str(
            r#"<table class="inbox">
<caption class="visually-hidden">Received messages, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">Message</th><th scope="col">From</th><th scope="col">Case</th><th scope="col">Respond by</th><th scope="col">Status</th></tr></thead>
<tbody>
"#,
        );
        for r in shown {
            let title = type_title(&r.message_type);
            let quarantined = r.quarantined_at.is_some();
            let mut deadline = String::new();
            let mut status = if quarantined {
                r#"<strong class="tag quarantined">Quarantined</strong> <span class="muted">consent withdrawn; cannot be opened</span>"#.to_owned()
            } else if r.opened_at.is_none() {
                r#"<strong class="tag new">New</strong>"#.to_owned()
            } else {
                "Opened".to_owned()
            };
            if !quarantined
                && let Ok(Message {
                    body: Body::HandoverRequest(h),
                    ..
                }) = schemas::decode(&r.payload)
            {
                let answer = answers
                    .iter()
                    .find(|(id, _, s, _)| *id == h.handover_id && *s != SendStatus::Refused);
                let withdrawn = cancelled.contains(&h.handover_id);
                let decided =
                    withdrawn || answer.is_some_and(|(_, o, _, _)| *o != HandoverOutcome::Received);
                deadline = respond_by(h.respond_by, today, decided);
                if withdrawn {
                    status.push_str("<br>Cancelled by the sender");
                }
                if let Some((_, outcome, sent, _)) = answer {
                    let _ = write!(
                        status,
                        "<br>{} by you <span class=\"muted\">({})</span>",
                        outcome_words(*outcome),
                        status_words(*sent)
                    );
                }
            }
            let message = if quarantined {
                format!(
                    r#"{} <span class="visually-hidden">(quarantined)</span>"#,
                    esc(title)
                )
            } else {
                format!(
                    r#"<a href="/messages/{}?sender={}">{}</a>"#,
                    esc(&r.message_id),
                    esc(&r.sender),
                    esc(title)
                )
            };
            let row_class = if quarantined {
                " class=\"quarantined\""
            } else if r.opened_at.is_none() {
                " class=\"unread\""
            } else {
                ""
            };
            let _ = writeln!(
                main,
                r#"<tr{row_class} data-message-id="{id}"><td><time datetime="{at}">{when}</time></td><td>{message}</td><td>{from}</td><td>{case}</td><td>{deadline}</td><td>{status}</td></tr>"#,
                id = esc(&r.message_id),
                at = esc(&r.received_at.to_rfc3339()),
                when = when(r.received_at),
                from = esc(&r.sender),
                case = esc(r.case_id.as_deref().unwrap_or("–")),
            );
        }
        main.push_str("</tbody>\n</table>\n");
    }

    // A sealing key published to the hub is the agent's plumbing, not a caseworker's message.
    let sent: Vec<_> = store
        .outbox(50)
        .await?
        .into_iter()
        .filter(|s| s.message_type != MessageType::KeyPublished.as_str())
        .collect();
    main.push_str("<h2>Sent</h2>\n");
    if sent.is_empty() {
        main.push_str("<p>Nothing sent yet.</p>\n");
    } else {
        main.push_str(
            r#"<table class="sent">
<caption class="visually-hidden">Sent messages, newest first</caption>
<thead><tr><th scope="col">Accepted</th><th scope="col">Message</th><th scope="col">Status</th><th scope="col">The hub's answer</th></tr></thead>
<tbody>
"#,
        );
        for s in sent {
            let answer = match (&s.answer_reason, &s.answer_detail) {
                (Some(reason), Some(detail)) => format!("{} – {}", esc(reason), esc(detail)),
                (Some(reason), None) => esc(reason),
                _ => String::new(),
            };
            let _ = writeln!(
                main,
                r#"<tr data-message-id="{id}"><td>{when}</td><td>{title}</td><td>{status}</td><td>{answer}</td></tr>"#,
                id = esc(&s.message_id),
                when = when(s.accepted_at),
                title = esc(type_title(&s.message_type)),
                status = status_words(s.status),
            );
        }
        main.push_str("</tbody>\n</table>\n");
    }
    Ok(page(
        StatusCode::OK,
        "Inbox",
        Some(state.agent().as_str()),
        &main,
    ))
}

/// Shows a message that has been opened; one nobody has opened yet shows only its sender and
/// an "Open" button, because a GET must not record an opening.
async fn message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sender = query.get("sender").map(String::as_str);
    let row = state
        .store()
        .inbox_message(&id, sender)
        .await?
        .ok_or(Failure::NotFound("message in the inbox"))?;
    if row.quarantined_at.is_some() {
        return Err(Failure::Quarantined.into());
    }
    let main = if row.opened_at.is_some() {
        message_main(&state, &row, None, None).await?
    } else {
        format!(
            r#"<p class="back"><a href="/">&larr; Inbox</a></p>
<h1>{title}</h1>
<p class="lead">From <strong>{from}</strong>, received {when}. Not opened yet.</p>
<p>Opening it is recorded in this agency's log.</p>
<form method="post" action="/messages/{id}/open?sender={from}" class="card narrow">
  <button type="submit" id="open-message">Open the message</button>
</form>"#,
            title = esc(type_title(&row.message_type)),
            from = esc(&row.sender),
            when = when(row.received_at),
            id = esc(&row.message_id),
        )
    };
    Ok(page(
        StatusCode::OK,
        type_title(&row.message_type),
        Some(state.agent().as_str()),
        &main,
    ))
}

/// `POST /messages/{id}/open`: records the opening (unless the message is quarantined), then
/// shows the message.
async fn open(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sender = query.get("sender").map(String::as_str);
    let row = actions::open_received(state.store(), &id, sender).await?;
    Ok(Redirect::to(&format!(
        "/messages/{}?sender={}",
        row.message_id, row.sender
    ))
    .into_response())
}

/// What the caseworker typed, shown again with an error.
struct AnswerForm<'a> {
    outcome: Option<&'a str>,
    reason: &'a str,
}

async fn message_main(
    state: &AppState,
    row: &Received,
    error: Option<&str>,
    form: Option<AnswerForm<'_>>,
) -> Result<String, Failure> {
    let message = schemas::decode(&row.payload).map_err(|e| {
        Failure::Unexpected(anyhow::anyhow!("a stored message no longer decodes: {e}"))
    })?;
    let mut facts = present::facts(&message);
    let identity = people::open_identity(state.store(), state.agent(), &message).await?;
    if let Some(view) = &identity {
        present::with_identity(&mut facts, view);
    }
    let sealed = sealing::open(state.store(), state.agent(), &message).await?;
    access_log::opened(
        state.store(),
        &Actor::shared_page(),
        &message,
        sealed.as_ref(),
        identity.as_ref(),
    )
    .await?;
    let mut main = String::new();
    let _ = write!(
        main,
        r#"<p class="back"><a href="/">&larr; Inbox</a></p>
<h1>{title}</h1>
<p class="lead">From <strong>{from}</strong>, received {when}.</p>
"#,
        title = esc(facts.title),
        from = esc(&facts.sender),
        when = when(row.received_at),
    );
    if let Some(error) = error {
        let _ = writeln!(
            main,
            r#"<div class="alert" role="alert" id="answer-error"><strong>Not sent:</strong> {}</div>"#,
            esc(error)
        );
    }
    main.push_str("<dl class=\"facts\">\n");
    for (label, value) in &facts.lines {
        let _ = writeln!(
            main,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            esc(label),
            esc(value)
        );
    }
    main.push_str("</dl>\n");
    if let (Some(IdentityView::Shared(_)), Some(subject)) = (&identity, &message.envelope.subject) {
        let _ = writeln!(
            main,
            r#"<p><a href="/persons/{}">Everything about this person</a></p>"#,
            esc(subject.as_str())
        );
    }

    if let Some(view) = &sealed {
        main.push_str(&sealed_section(view));
    }

    if let Body::HandoverRequest(h) = &message.body {
        let answers: Vec<_> = actions::answers_sent(state.store())
            .await?
            .into_iter()
            .filter(|(id, ..)| *id == h.handover_id)
            .collect();
        main.push_str(
            "<section aria-labelledby=\"answer-h\">\n<h2 id=\"answer-h\">Your answer</h2>\n",
        );
        if !answers.is_empty() {
            main.push_str("<ul class=\"answers\">\n");
            for (_, outcome, status, reason) in &answers {
                let _ = writeln!(
                    main,
                    "<li><strong>{}</strong> – {}{}</li>",
                    outcome_words(*outcome),
                    status_words(*status),
                    reason
                        .as_deref()
                        .map(|r| format!(" ({})", esc(r)))
                        .unwrap_or_default()
                );
            }
            main.push_str("</ul>\n");
        }
        let decided = answers
            .iter()
            .any(|(_, o, s, _)| *o != HandoverOutcome::Received && *s != SendStatus::Refused);
        let cancelled = actions::handovers_cancelled(state.store())
            .await?
            .contains(&h.handover_id);
        if cancelled {
            main.push_str(
                "<p>The sender cancelled this handover request: the case stays with them, and there is nothing to answer.</p>\n",
            );
        } else if decided {
            main.push_str("<p>You have answered this handover request.</p>\n");
        } else {
            let form = form.unwrap_or(AnswerForm {
                outcome: None,
                reason: "",
            });
            let checked = |v: &str| {
                if form.outcome == Some(v) {
                    " checked"
                } else {
                    ""
                }
            };
            let invalid = if error.is_some() {
                r#" aria-describedby="answer-error reason-hint" aria-invalid="true""#
            } else {
                r#" aria-describedby="reason-hint""#
            };
            let _ = write!(
                main,
                r#"<form method="post" action="/messages/{id}/answer?sender={sender}" class="card">
  <fieldset>
    <legend>Will your agency take over this case?</legend>
    <div class="choice"><input type="radio" id="outcome-accepted" name="outcome" value="accepted"{acc}><label for="outcome-accepted">Accept: the case moves to us</label></div>
    <div class="choice"><input type="radio" id="outcome-rejected" name="outcome" value="rejected"{rej}><label for="outcome-rejected">Reject</label></div>
  </fieldset>
  <label for="reason">Reason</label>
  <p class="hint" id="reason-hint">Required when you reject; one line, at most 200 characters. The other agency reads it.</p>
  <input type="text" id="reason" name="reason" maxlength="200" value="{reason}"{invalid}>
  <label for="reason_code">Kind of reason (when you reject)</label>
  <p class="hint" id="reason-code-hint">Counted in the national contact point's statistics; the words above are not.</p>
  <select id="reason_code" name="reason_code" aria-describedby="reason-code-hint">
    <option value="">Not given</option>
    <option value="no_capacity">No capacity</option>
    <option value="not_responsible">Not responsible (another agency is)</option>
    <option value="person_declined">The person declined</option>
    <option value="insufficient_information">Insufficient information</option>
    <option value="other">Other</option>
  </select>
  <button type="submit">Send answer</button>
</form>
"#,
                id = esc(&row.message_id),
                sender = esc(&row.sender),
                acc = checked("accepted"),
                rej = checked("rejected"),
                reason = esc(form.reason),
            );
        }
        main.push_str("</section>\n");
    }

    if let Some(subject) = &message.envelope.subject {
        let views = consents::for_subject(state.store(), subject, Utc::now().date_naive()).await?;
        main.push_str(
            "<section aria-labelledby=\"consent-h\" class=\"consent\">\n<h2 id=\"consent-h\">Consent for this person</h2>\n",
        );
        if views.is_empty() {
            main.push_str(
                "<p>This agent knows of no consent from this person. Messages about them reach \
                 this agency only where a statute allows it.</p>\n",
            );
        } else {
            main.push_str(
                "<p class=\"muted\">The consent record versions this agent has sent or received. \
                 The hub holds the authoritative record.</p>\n",
            );
            for v in &views {
                let _ = write!(
                    main,
                    r#"<article class="consent-version{cls}">
<h3>Version {version}: {status}</h3>
<p class="muted">{programme}, {period}; {source}. Consent id {id}.</p>
<ul>
"#,
                    cls = if v.in_force { " in-force" } else { "" },
                    version = v.version,
                    status = esc(&v.status),
                    programme = esc(&v.programme),
                    period = esc(&v.period),
                    source = esc(&v.source),
                    id = v.consent_id,
                );
                for s in &v.sentences {
                    let _ = writeln!(main, "<li>{}</li>", esc(s.trim_start()));
                }
                main.push_str("</ul>\n</article>\n");
            }
        }
        main.push_str("</section>\n");
    }
    Ok(main)
}

/// The sealed field, opened for this page only: the location, or why it cannot be read.
fn sealed_section(view: &SealedView) -> String {
    let label = present::sealed_label(view.field);
    let mut out = format!(
        "<section aria-labelledby=\"sealed-h\" class=\"sealed\">\n<h2 id=\"sealed-h\">Sealed {}</h2>\n",
        esc(label)
    );
    match view.location() {
        Some(l) => {
            out.push_str("<dl class=\"facts\">\n");
            let mut line = |dt: &str, dd: &str| {
                let _ = writeln!(out, "<div><dt>{}</dt><dd>{}</dd></div>", esc(dt), esc(dd));
            };
            line("address", l.address.as_str());
            line("postal code", l.postal_code.as_str());
            line("city", l.city.as_str());
            if let Some(notes) = &l.notes {
                line("notes", notes.as_str());
            }
            out.push_str(
                "</dl>\n<p class=\"muted\">A protected location: opened with this agency's key \
                 for this page only; the agent keeps it sealed. Handle it according to your \
                 agency's rules for protected addresses.</p>\n",
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<p class=\"unreadable\">{}</p>",
                esc(view.reason().unwrap_or_default())
            );
        }
    }
    out.push_str("</section>\n");
    out
}

async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // Answering shows the message again, so it opens it (a POST: the page's own form).
    let sender = query.get("sender").map(String::as_str);
    let row = actions::open_received(state.store(), &id, sender).await?;
    let message = schemas::decode(&row.payload).map_err(|e| {
        Failure::Unexpected(anyhow::anyhow!("a stored message no longer decodes: {e}"))
    })?;
    let Body::HandoverRequest(request) = &message.body else {
        return Err(Failure::bad_request(
            "not_a_handover",
            None,
            "This message is not a handover request.",
        )
        .into());
    };
    let outcome_text = form.get("outcome").map(String::as_str);
    let reason_text = form.get("reason").map_or("", |r| r.trim());
    let outcome = match outcome_text {
        Some("accepted") => Ok(HandoverOutcome::Accepted),
        Some("rejected") => Ok(HandoverOutcome::Rejected),
        _ => Err("Choose whether to accept or reject the handover.".to_owned()),
    };
    let reason = if reason_text.is_empty() {
        Ok(None)
    } else {
        ShortText::try_from(reason_text)
            .map(Some)
            .map_err(|_| "The reason must be one line of at most 200 characters.".to_owned())
    };
    let reason_code = form
        .get("reason_code")
        .filter(|c| !c.is_empty())
        .and_then(|c| {
            schemas::messages::RejectionReason::ALL
                .into_iter()
                .find(|r| r.as_str() == c)
        });
    let e = &message.envelope;
    let error: String = match (outcome, reason, &e.case_id, &e.subject) {
        (Err(msg), _, _, _) | (_, Err(msg), _, _) => msg,
        (Ok(HandoverOutcome::Rejected), Ok(None), _, _) => {
            "A rejection needs a reason: say why your agency cannot take over the case.".to_owned()
        }
        (Ok(outcome), Ok(reason), Some(case), Some(subject)) => {
            let answer = HandoverAnswer {
                case_id: case.clone(),
                subject: subject.clone(),
                to: e.sender.clone(),
                outcome,
                reason,
                reason_code: reason_code.filter(|_| outcome == HandoverOutcome::Rejected),
                purpose: Some(e.purpose),
            };
            match actions::answer_handover(
                &state,
                &Actor::shared_page(),
                request.handover_id,
                answer,
            )
            .await
            {
                Ok(_) => {
                    return Ok(Redirect::to(&format!(
                        "/messages/{}?sender={}",
                        row.message_id, row.sender
                    ))
                    .into_response());
                }
                Err(Failure::Caller { detail, .. }) => detail,
                Err(other) => return Err(other.into()),
            }
        }
        _ => "The request names no case or person, so it cannot be answered here.".to_owned(),
    };
    let main = message_main(
        &state,
        &row,
        Some(&error),
        Some(AnswerForm {
            outcome: outcome_text,
            reason: reason_text,
        }),
    )
    .await?;
    Ok(page(
        StatusCode::BAD_REQUEST,
        type_title(&row.message_type),
        Some(state.agent().as_str()),
        &main,
    ))
}

#[cfg(test)]
mod tests {
    use axum::body::Body as HttpBody;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;
    use crate::http::{Token, router};
    use crate::testing::{TempStore, agency, at, receive_sealed_request};

    async fn get_page(app: &Router, uri: &str, cookie: &str) -> (StatusCode, String) {
        let request = Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(HttpBody::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// The CSRF token the page's forms carry for this session.
    async fn csrf(app: &Router, cookie: &str) -> String {
        let (_, page) = get_page(app, "/", cookie).await;
        let at = page
            .find(r#"name="csrf" value=""#)
            .expect("a form with its token")
            + 19;
        page[at..at + page[at..].find('"').unwrap()].to_owned()
    }

    /// A POST of the page's `/…/open` form, with or without the session's CSRF token.
    async fn post_open(app: &Router, uri: &str, cookie: &str, csrf: Option<&str>) -> StatusCode {
        let body = csrf.map(|c| format!("csrf={c}")).unwrap_or_default();
        let open = Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(HttpBody::from(body))
            .unwrap();
        app.clone().oneshot(open).await.unwrap().status()
    }

    async fn log_in(app: &Router) -> String {
        let request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(HttpBody::from("token=t"))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }

    #[tokio::test]
    async fn the_page_opens_the_sealed_destination_and_hides_key_publishing() {
        let recipient = TempStore::new().await;
        let me = agency("no-trondheim-kommune");
        let published = crate::keys::publish_current(&recipient.store, &me, at(0))
            .await
            .unwrap();
        let message = receive_sealed_request(&recipient.store, &me, &published.key).await;

        let app = router(AppState::new(recipient.store.clone(), me, Token::new("t")));
        let cookie = log_in(&app).await;
        let (status, inbox) = get_page(&app, "/", &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(inbox.contains("Relocation request"), "{inbox}");
        assert!(
            inbox.contains("Nothing sent yet."),
            "KeyPublished is not shown: {inbox}"
        );

        let uri = format!("/messages/{}", message.envelope.message_id);
        let (status, page) = get_page(&app, &uri, &cookie).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("Open the message") && !page.contains("Kongens gate"),
            "a GET shows only the Open button: {page}"
        );
        let id = message.envelope.message_id.to_string();
        let row = recipient
            .store
            .inbox_message(&id, None)
            .await
            .unwrap()
            .unwrap();
        assert!(row.opened_at.is_none(), "a GET opens nothing");
        // A form post without the session's CSRF token, or with another's, is refused.
        let open_uri = format!("{uri}/open");
        assert_eq!(
            post_open(&app, &open_uri, &cookie, None).await,
            StatusCode::FORBIDDEN
        );
        let other_session = log_in(&app).await;
        let others = csrf(&app, &other_session).await;
        assert_eq!(
            post_open(&app, &open_uri, &cookie, Some(&others)).await,
            StatusCode::FORBIDDEN
        );
        let row = recipient
            .store
            .inbox_message(&id, None)
            .await
            .unwrap()
            .unwrap();
        assert!(row.opened_at.is_none(), "a refused post opens nothing");
        let token = csrf(&app, &cookie).await;
        assert_eq!(
            post_open(&app, &open_uri, &cookie, Some(&token)).await,
            StatusCode::SEE_OTHER
        );
        let (status, page) = get_page(&app, &uri, &cookie).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("<h2 id=\"sealed-h\">Sealed destination</h2>"),
            "{page}"
        );
        for shown in [
            "Kongens gate 14B",
            "7011",
            "Trondheim",
            "Ring Kari Nordmann before the move",
        ] {
            assert!(page.contains(shown), "{shown} missing: {page}");
        }
    }

    #[tokio::test]
    async fn a_cancelled_handover_request_offers_no_answer() {
        let t = TempStore::new().await;
        let me = agency("dk-kobenhavn-kommune");
        let example = |name: &str| {
            let path = format!(
                "{}/../schemas/examples/{name}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            schemas::decode(&std::fs::read(path).unwrap()).unwrap()
        };
        let request = example("HandoverRequest");
        t.store.receive(&me, &request, at(1)).await.unwrap();
        let app = router(AppState::new(t.store.clone(), me.clone(), Token::new("t")));
        let cookie = log_in(&app).await;
        let uri = format!("/messages/{}", request.envelope.message_id);
        let token = csrf(&app, &cookie).await;
        assert_eq!(
            post_open(&app, &format!("{uri}/open"), &cookie, Some(&token)).await,
            StatusCode::SEE_OTHER
        );
        let (_, page) = get_page(&app, &uri, &cookie).await;
        assert!(page.contains("name=\"outcome\""), "the answer form: {page}");

        let cancelled = example("HandoverCancelled");
        let Body::HandoverCancelled(c) = &cancelled.body else {
            unreachable!()
        };
        assert!(
            matches!(&request.body, Body::HandoverRequest(h) if h.handover_id == c.handover_id)
        );
        t.store.receive(&me, &cancelled, at(2)).await.unwrap();
        let (_, page) = get_page(&app, &uri, &cookie).await;
        assert!(
            page.contains("The sender cancelled this handover request"),
            "{page}"
        );
        assert!(!page.contains("name=\"outcome\""), "no answer form: {page}");
        let (_, inbox) = get_page(&app, "/", &cookie).await;
        assert!(inbox.contains("Cancelled by the sender"), "{inbox}");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#x27;y&#x27;&lt;/script&gt;"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; agent_session=abc123; c=d"),
        );
        assert_eq!(session_id(&h).as_deref(), Some("abc123"));
    }
}
