//! The caseworker's inbox page: server-rendered HTML. Its one script (`web/check.js`, the
//! send forms' check as they are typed) only adds to pages that work without it.
//!
//! Caseworkers sign in personally through the agency's OpenID Connect provider
//! ([`super::sign_in`]); the agent token does not open the page. A session is a random id in
//! a `__Host-agent_session` cookie (Secure, HttpOnly, SameSite=Strict, Path=/, no Domain, so
//! only this host name over HTTPS gets it), bound to the browser's `User-Agent`, ending after
//! the idle and the absolute limit. Roles decide the routes: caseworkers and coordinators
//! read and send, coordinators also see the access log, administrators see the agent's
//! settings and no case data. Every action is written to the access log under the
//! caseworker's name ([`crate::access_log`]).
//!
//! Forms post back to the page, each with the session's CSRF token. Cross-site requests:
//! SameSite=Strict keeps the cookie off any request another site starts; a POST whose
//! `Origin` (or `Referer`) is not this server is refused ([`broker::web::same_origin`], also
//! checked for every route by [`broker::web::guard`]); and a POST without the form's token is
//! refused. Every value written into a page is HTML-escaped.
//!
//! No GET changes anything: `GET /messages/{id}` of a message nobody has opened shows only
//! who sent it and an "Open" button; opening it (recording `opened_at`, after which a consent
//! withdrawal no longer quarantines it) is `POST /messages/{id}/open`, the page's own form.
//! So a foreign `<img src=".../messages/{id}">` cannot open a message and defeat quarantine.

use std::collections::HashMap;

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

mod consent_pages;
mod people_pages;
mod reply_pages;
mod send_pages;
mod sent_pages;
mod work_pages;

use super::AppState;
use super::actions::{self, Failure, HandoverAnswer};
use super::consents;
use super::sign_in::{Caseworker, Role};
use super::words::{self, Lang, t, t_count, t_with};
use crate::access_log::{self, Actor};
use crate::people::{self, IdentityView};
use crate::present;
use crate::sealing::{self, SealedView};
use crate::store::{Received, SendStatus};

/// The session cookie. `__Host-`: the browser keeps it only if it is Secure, has Path=/ and
/// no Domain, so no other host name (and no plain-HTTP page) can set or read it.
pub(super) const COOKIE: &str = "__Host-agent_session";
/// The cookie that binds a started sign-in to this browser (its `state`).
const SIGN_IN_COOKIE: &str = "__Host-agent_signin";

tokio::task_local! {
    /// Who is signed in, for the request in hand (set by [`require_session`]).
    static SIGNED_IN: Caseworker;
    /// The name of this agency, for the request in hand (set by [`with_language`]).
    static AGENCY_NAME: String;
}

/// The signed-in caseworker of the request in hand as a message names its sender (CONTACT).
fn page_sent_by() -> Option<schemas::SentBy> {
    SIGNED_IN
        .try_with(|c| {
            let role = if c.has(Role::Coordinator) {
                schemas::StaffRole::Coordinator
            } else {
                schemas::StaffRole::Caseworker
            };
            ShortText::try_from(c.name.as_str())
                .ok()
                .map(|name| schemas::SentBy { name, role })
        })
        .ok()
        .flatten()
}

/// The signed-in caseworker of the request in hand, as the access log names them.
fn page_actor() -> Actor {
    SIGNED_IN
        .try_with(|c| Actor::page(&c.log_name()))
        .unwrap_or_else(|_| Actor::page("unknown (no session)"))
}
const STYLE: &str = include_str!("style.css");
/// The one script of the pages: checks a send form as it is typed (`web/check.js`).
const CHECK_SCRIPT: &str = include_str!("web/check.js");

/// The page routes.
pub(super) fn router(state: AppState) -> Router {
    let guarded = Router::new()
        .route("/", get(inbox))
        .route("/messages/{id}", get(message))
        .route("/messages/{id}/open", post(open))
        .route("/messages/{id}/answer", post(answer))
        .route("/consents/{consent_id}/withdraw", post(withdraw))
        .route("/logout", post(logout))
        .route("/access-log", get(access_log_page))
        .route("/admin", get(admin_page))
        .route(
            "/persons",
            get(people_pages::persons).post(people_pages::add_person),
        )
        .route("/persons/{subject}", get(people_pages::person))
        .merge(send_pages::routes())
        .merge(reply_pages::routes())
        .merge(consent_pages::routes())
        .merge(work_pages::routes())
        .merge(sent_pages::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_session,
        ))
        .with_state(state.clone());
    Router::new()
        .route("/login", get(login_form))
        .route("/login/start", get(login_start))
        .route("/auth/callback", get(callback))
        .route("/signed-out", get(signed_out))
        .route("/language", get(choose_language))
        .route("/assets/style.css", get(style))
        .route("/assets/check.js", get(check_script))
        .with_state(state.clone())
        .merge(guarded)
        .layer(middleware::from_fn_with_state(state, with_language))
}

/// The value of the cookie `wanted`, if the request carries it.
pub(super) use broker::web::cookie;

fn session_id(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Whether `caseworker`'s roles let them use `path`: the access log is the coordinators',
/// the settings page the administrators', sign-out everyone's, and everything else (case
/// data) the caseworkers' and coordinators'.
fn role_allows(caseworker: &Caseworker, path: &str) -> bool {
    match path {
        "/logout" => true,
        "/access-log" => caseworker.has(Role::Coordinator),
        "/admin" => caseworker.has(Role::Administrator),
        _ => caseworker.works_cases(),
    }
}

async fn require_session(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !broker::web::same_origin(request.headers()) {
        return error_page(
            StatusCode::FORBIDDEN,
            &t("refused-title"),
            &t("refused-other-site"),
        );
    }
    let headers = request.headers();
    let Some((session, caseworker)) = session_id(headers).and_then(|id| {
        state
            .session(&id, user_agent(headers))
            .map(|caseworker| (id, caseworker))
    }) else {
        return Redirect::to("/login").into_response();
    };
    let path = request.uri().path().to_owned();
    if !role_allows(&caseworker, &path) {
        if path == "/" && caseworker.has(Role::Administrator) {
            return Redirect::to("/admin").into_response();
        }
        let refused = SIGNED_IN
            .scope(caseworker.clone(), async {
                error_page(
                    StatusCode::FORBIDDEN,
                    &t("not-for-role-title"),
                    &t_with(
                        "not-for-role",
                        &[
                            ("name", caseworker.name.clone()),
                            ("roles", role_words(&caseworker)),
                        ],
                    ),
                )
            })
            .await;
        // Its sign-out form carries the token like every other.
        return with_csrf_fields(refused, &state.csrf_token(&session)).await;
    }
    let csrf = state.csrf_token(&session);
    // Every form carries the session's CSRF token, and a POST without it is refused: a
    // defence beside SameSite=Strict and the Origin check, not instead of them.
    let request = if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            return error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                &t("form-too-large-title"),
                &t("form-too-large"),
            );
        };
        let presented = form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned());
        let matches = presented.is_some_and(|p| state.csrf_matches(&session, &p));
        if !matches {
            return error_page(
                StatusCode::FORBIDDEN,
                &t("form-expired-title"),
                &t("form-expired"),
            );
        }
        Request::from_parts(parts, axum::body::Body::from(bytes))
    } else {
        request
    };
    let zone = present::zone_of(state.agent());
    // The caseworker's own language: their choice on the page, else their sign-in's locale.
    let lang = words::negotiate(
        request.headers(),
        caseworker.locale.as_deref().and_then(Lang::from_code),
        words::lang(),
    );
    let response = words::LANG
        .scope(
            lang,
            present::ZONE.scope(zone, SIGNED_IN.scope(caseworker, next.run(request))),
        )
        .await;
    with_csrf_fields(response, &csrf).await
}

/// The most a page form may hold.
const FORM_LIMIT: usize = 256 * 1024;

/// The hidden field that carries the session's CSRF token (`templates/inbox/csrf_field.html`).
#[derive(askama::Template)]
#[template(path = "inbox/csrf_field.html")]
struct CsrfField<'a> {
    token: &'a str,
}

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
    let Ok(field) = render(&CsrfField { token: csrf }) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
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

/// A caseworker's roles in the page's language.
fn role_words(caseworker: &Caseworker) -> String {
    caseworker
        .roles
        .iter()
        .map(|r| match r {
            Role::Caseworker => t("role-caseworker"),
            Role::Coordinator => t("role-coordinator"),
            Role::Administrator => t("role-administrator"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The page frame (`templates/frame.html`): the header with the navigation for the signed-in
/// caseworker's roles and the language menu, the page's own content, the footer. Every value
/// is escaped by the template; `main` is the page's own HTML, escaped where it was written.
#[derive(askama::Template)]
#[template(path = "frame.html")]
struct Frame<'a> {
    lang: &'static str,
    title: &'a str,
    site: String,
    skip: String,
    tagline: String,
    signed_in: Option<SignedInBar>,
    languages_label: String,
    languages: Vec<LanguageLink>,
    main: &'a str,
    footer: String,
}

/// The header's part for a signed-in caseworker.
struct SignedInBar {
    nav_label: String,
    links: Vec<NavLink>,
    agency: String,
    name: String,
    roles: String,
    sign_out: String,
}

/// A link of the main navigation.
struct NavLink {
    href: &'static str,
    words: String,
}

/// A language of the language menu.
struct LanguageLink {
    code: &'static str,
    name: &'static str,
    current: bool,
}

/// The main navigation for what `caseworker`'s roles allow.
fn nav_links(caseworker: &Caseworker) -> Vec<NavLink> {
    let link = |href, id: &str| NavLink { href, words: t(id) };
    let mut links = Vec::new();
    if caseworker.works_cases() {
        links.extend([
            link("/", "nav-inbox"),
            link("/due", "nav-due"),
            link("/cases", "nav-cases"),
            link("/releases", "nav-releases"),
            link("/persons", "nav-people"),
            link("/send", "nav-send-any"),
        ]);
    }
    if caseworker.has(Role::Coordinator) {
        links.push(link("/access-log", "nav-access-log"));
    }
    if caseworker.has(Role::Administrator) {
        links.push(link("/admin", "nav-admin"));
    }
    links
}

fn page(status: StatusCode, title: &str, agent: Option<&str>, main: &str) -> Response {
    let signed_in = SIGNED_IN.try_with(|caseworker| SignedInBar {
        nav_label: t("nav-main"),
        links: nav_links(caseworker),
        agency: AGENCY_NAME
            .try_with(Clone::clone)
            .unwrap_or_else(|_| agent.unwrap_or("").to_owned()),
        name: caseworker.name.clone(),
        roles: role_words(caseworker),
        sign_out: t("sign-out"),
    });
    let current = words::lang();
    let frame = Frame {
        lang: current.code(),
        title,
        site: t("site-name"),
        skip: t("skip-to-content"),
        tagline: t("site-tagline"),
        signed_in: signed_in.ok(),
        languages_label: t("nav-language"),
        languages: Lang::ALL
            .iter()
            .map(|l| LanguageLink {
                code: l.code(),
                name: l.native_name(),
                current: *l == current,
            })
            .collect(),
        main,
        footer: t("footer"),
    };
    let html = askama::Template::render(&frame).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the page frame did not render");
        String::from("<!doctype html><title>Error</title>")
    });
    let mut response = broker::web::html(status, html);
    let h = response.headers_mut();
    // Unlike the guard's policy: the page shows no images, and runs its own one script
    // (the form check; `connect-src` lets it post the form to its check address).
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
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

/// An error page's content (`templates/inbox/error.html`).
#[derive(askama::Template)]
#[template(path = "inbox/error.html")]
struct ErrorMain<'a> {
    title: &'a str,
    words: &'a str,
}

fn error_page(status: StatusCode, title: &str, words: &str) -> Response {
    let main = askama::Template::render(&ErrorMain { title, words }).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the error page did not render");
        String::new()
    });
    page(status, title, None, &main)
}

/// Renders one of the pages' templates (`templates/`); every value in it is escaped by the
/// template. A template that fails is logged and answered with the "went wrong" page (a
/// [`Failure::Unexpected`], logged where it becomes a [`PageError`]), never a panic.
fn render(template: &impl askama::Template) -> Result<String, Failure> {
    template
        .render()
        .map_err(|e| Failure::Unexpected(anyhow::anyhow!("a page template did not render: {e}")))
}

/// A whole page around a rendered template, or the "went wrong" page if it did not render.
fn template_page(status: StatusCode, title: &str, main: &impl askama::Template) -> Response {
    match render(main) {
        Ok(main) => page(status, title, None, &main),
        Err(failure) => PageError(failure).into_response(),
    }
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
                error_page(status, &t("failed-title"), &detail)
            }
            Failure::NotFound(_) => error_page(
                StatusCode::NOT_FOUND,
                &t("not-found-title"),
                &t("not-found"),
            ),
            Failure::Quarantined => quarantined_page(),
            Failure::Unexpected(_) => error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &t("went-wrong-title"),
                &t("went-wrong"),
            ),
        }
    }
}

fn quarantined_page() -> Response {
    error_page(
        StatusCode::CONFLICT,
        &t("quarantined-title"),
        &t("quarantined"),
    )
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// `GET /assets/check.js`: the form check's script.
async fn check_script() -> Response {
    asset("text/javascript; charset=utf-8", CHECK_SCRIPT)
}

/// A file of the page's own, cached for five minutes.
fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        text,
    )
        .into_response()
}

/// The sign-in page's content (`templates/inbox/login.html`).
#[derive(askama::Template)]
#[template(path = "inbox/login.html")]
struct LoginMain<'a> {
    error: Option<&'a str>,
}

fn login_page(status: StatusCode, error: Option<&str>) -> Response {
    template_page(status, &t("sign-in-title"), &LoginMain { error })
}

async fn login_form(State(state): State<AppState>) -> Response {
    if state.sign_in().is_none() {
        return not_set_up();
    }
    login_page(StatusCode::OK, None)
}

fn not_set_up() -> Response {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        &t("sign-in-not-set-up-title"),
        &t("sign-in-not-set-up"),
    )
}

fn provider_down() -> Response {
    login_page(
        StatusCode::SERVICE_UNAVAILABLE,
        Some(&t("sign-in-provider-down")),
    )
}

/// `GET /login/start`: a new sign-in at the provider, bound to this browser by a cookie.
async fn login_start(State(state): State<AppState>) -> Response {
    let Some(sign_in) = state.sign_in() else {
        return not_set_up();
    };
    match sign_in.start().await {
        Ok((url, flow)) => {
            let mut response = Redirect::to(&url).into_response();
            // SameSite=Lax: the provider's redirect back is a cross-site navigation, and the
            // cookie must come along with it.
            let cookie = format!(
                "{SIGN_IN_COOKIE}={flow}; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
                super::sign_in::PENDING_LIFETIME.as_secs()
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(_) => provider_down(),
    }
}

/// `GET /auth/callback`: the provider's answer. A session only for a code that passes every
/// check, from the browser that started the sign-in, of a person with a role here.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(sign_in) = state.sign_in() else {
        return not_set_up();
    };
    let mut response = match finish_sign_in(&state, sign_in, &headers, &query).await {
        Ok(response) => response,
        Err(response) => response,
    };
    // The started sign-in is used up either way.
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "__Host-agent_signin=; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=0",
        ),
    );
    response
}

async fn finish_sign_in(
    state: &AppState,
    sign_in: &super::sign_in::SignIn,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<Response, Response> {
    use super::sign_in::SignInError;
    let refused = |why: &str| {
        tracing::warn!(reason = why, "a sign-in to the page was refused");
        login_page(
            StatusCode::UNAUTHORIZED,
            Some(&t_with("sign-in-refused", &[("why", t(why))])),
        )
    };
    if query.contains_key("error") {
        return Err(refused("sign-in-why-provider-said-no"));
    }
    let (Some(flow), Some(code)) = (query.get("state"), query.get("code")) else {
        return Err(refused("sign-in-why-incomplete"));
    };
    let bound = cookie(headers, SIGN_IN_COOKIE)
        .is_some_and(|c| bool::from(subtle::ConstantTimeEq::ct_eq(c.as_bytes(), flow.as_bytes())));
    if !bound {
        return Err(refused("sign-in-why-other-browser"));
    }
    let caseworker = match sign_in.finish(flow, code).await {
        Ok(caseworker) => caseworker,
        Err(SignInError::ProviderDown(_)) => return Err(provider_down()),
        Err(SignInError::Refused(_)) => {
            return Err(refused("sign-in-why-checks"));
        }
        Err(SignInError::NoRole) => {
            return Err(login_page(
                StatusCode::FORBIDDEN,
                Some(&t("sign-in-no-role")),
            ));
        }
    };
    let id = state.new_session(caseworker, user_agent(headers));
    // A page of our own that moves on to the inbox: after the provider's cross-site redirect
    // the browser would not send a SameSite=Strict cookie on a redirect, but it does on a
    // navigation this page starts.
    let mut response = template_page(StatusCode::OK, &t("signed-in-title"), &SignedInMain);
    response
        .headers_mut()
        .insert(header::REFRESH, HeaderValue::from_static("0; url=/"));
    let lifetime = state.session_limits().lifetime.as_secs();
    let cookie = broker::web::session_cookie(COOKIE, &id, lifetime as i64, true);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The page that moves on to the inbox after a sign-in (`templates/inbox/signed_in.html`).
#[derive(askama::Template)]
#[template(path = "inbox/signed_in.html")]
struct SignedInMain;

/// The page that moves on to the provider's sign-out (`templates/inbox/signing_out.html`).
#[derive(askama::Template)]
#[template(path = "inbox/signing_out.html")]
struct SigningOutMain<'a> {
    url: &'a str,
}

/// The page after signing out (`templates/inbox/signed_out.html`).
#[derive(askama::Template)]
#[template(path = "inbox/signed_out.html")]
struct SignedOutMain;

/// `POST /logout`: ends the session here, and at the provider when it supports that.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let caseworker = session_id(&headers).and_then(|id| state.end_session(&id));
    let at_provider = match (state.sign_in(), &caseworker) {
        (Some(sign_in), Some(caseworker)) => sign_in.sign_out_url(caseworker).await,
        _ => None,
    };
    let mut response = match at_provider {
        // A page that moves on to the provider, not a redirect: the form's policy
        // (`form-action 'self'`) would stop a form post redirected to another site.
        Some(url) => {
            let mut response = template_page(
                StatusCode::OK,
                &t("signing-out-title"),
                &SigningOutMain { url: &url },
            );
            if let Ok(value) = HeaderValue::from_str(&format!("0; url={url}")) {
                response.headers_mut().insert(header::REFRESH, value);
            }
            response
        }
        None => Redirect::to("/signed-out").into_response(),
    };
    if let Ok(ended) = HeaderValue::from_str(&broker::web::ended_cookie(COOKIE, true)) {
        response.headers_mut().insert(header::SET_COOKIE, ended);
    }
    response
}

async fn signed_out() -> Response {
    template_page(StatusCode::OK, &t("signed-out-title"), &SignedOutMain)
}

/// `GET /language?lang=da`: the caseworker's choice of language, kept in a cookie for a
/// year; back to the page they came from (a path on this site only).
async fn choose_language(
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| reqwest::Url::parse(r).ok())
        .filter(|url| {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let authority = url.port().map_or_else(
                || url.host_str().unwrap_or("").to_owned(),
                |p| format!("{}:{p}", url.host_str().unwrap_or("")),
            );
            host == Some(authority.as_str())
        })
        .map(|url| match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        })
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = query.get("lang").and_then(|l| Lang::from_code(l)) {
        let cookie = format!(
            "{}={}; Secure; SameSite=Lax; Path=/; Max-Age=31536000",
            words::LANG_COOKIE,
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// Every page in the language the request asks for ([`words::negotiate`]); a signed-in
/// page may refine it with the caseworker's own (see [`require_session`]).
async fn with_language(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = words::negotiate(request.headers(), None, Lang::of_agency(state.agent()));
    // The agency's own name from the key directory, for the page's header; its id until the
    // first directory arrives.
    let own = state.agent().as_str();
    let names = state.store().agency_names().await.unwrap_or_default();
    let name = agency_words(&names, own);
    let run = words::LANG.scope(lang, next.run(request));
    let run = present::NAMES.scope(names, AGENCY_NAME.scope(name, run));
    run.await
}

/// An agency as a caseworker reads it: its name from the key directory, else its id.
fn agency_words(names: &std::collections::BTreeMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_owned())
}

fn when(t: chrono::DateTime<Utc>) -> String {
    present::local_time(t)
}

/// A label of [`present::facts`] as the caseworker reads it.
fn fact_label(label: &str) -> String {
    t(&format!("fact-{}", label.replace(' ', "-")))
}

/// A message type as the caseworker reads it.
fn type_title(name: &str) -> String {
    match MessageType::from_name(name) {
        Some(t) => words::t(&format!("type-{}", t.as_str())),
        None => t("type-other"),
    }
}

/// A handover request's answer-by date, and how near it is unless it is answered.
struct Deadline {
    date: NaiveDate,
    note: Due,
}

/// How near an answer-by date is, as the inbox marks it.
enum Due {
    /// Answered or cancelled: no mark.
    Answered,
    /// Overdue or due today: a tag of that class.
    Tag(&'static str, String),
    /// Later: a quiet note.
    Muted(String),
}

fn respond_by(date: NaiveDate, today: NaiveDate, answered: bool) -> Deadline {
    let days = (date - today).num_days();
    let note = match days {
        _ if answered => Due::Answered,
        d if d < 0 => Due::Tag("overdue", t("due-overdue")),
        0 => Due::Tag("due", t("due-today")),
        1 => Due::Muted(t("due-tomorrow")),
        d => Due::Muted(t_count("due-in-days", "days", d)),
    };
    Deadline { date, note }
}

fn outcome_words(outcome: HandoverOutcome) -> String {
    t(match outcome {
        HandoverOutcome::Received => "outcome-received",
        HandoverOutcome::Accepted => "outcome-accepted",
        HandoverOutcome::Rejected => "outcome-rejected",
    })
}

fn status_words(status: SendStatus) -> String {
    t(match status {
        SendStatus::Queued => "send-queued",
        SendStatus::Sent => "send-sent",
        SendStatus::Delivered => "send-delivered",
        SendStatus::PartiallyDelivered => "send-partially",
        SendStatus::Refused => "send-refused",
    })
}

/// The most entries the access-log page shows; the command line exports all.
const ACCESS_LOG_SHOWN: usize = 500;

fn action_words(action: &str) -> String {
    match action {
        "message_opened" | "location_opened" | "identity_opened" | "person_opened"
        | "person_found" | "person_entered" | "message_sent" => t(&format!("action-{action}")),
        _ => t("action-other"),
    }
}

fn actor_words(actor: &str) -> String {
    if let Some(user) = actor.strip_prefix("page:") {
        user.to_owned()
    } else if let Some(system) = actor.strip_prefix("api:") {
        t_with("log-system", &[("name", system.to_owned())])
    } else if let Some(user) = actor.strip_prefix("cli:") {
        t_with("log-command-line", &[("name", user.to_owned())])
    } else {
        actor.to_owned()
    }
}

/// The access-log page's content (`templates/inbox/access_log.html`).
#[derive(askama::Template)]
#[template(path = "inbox/access_log.html")]
struct AccessLogMain<'a> {
    chain: Chain,
    subject: &'a str,
    user: &'a str,
    caption: String,
    rows: Vec<LogRow>,
}

/// Whether the access log's chain of entries holds.
enum Chain {
    /// Unbroken: the words saying so.
    Unbroken(String),
    /// Broken: the words saying so, and where.
    Broken(String, String),
}

/// An entry of the access log as the page shows it.
struct LogRow {
    at: String,
    who: String,
    what: String,
    message: Option<LogMessage>,
    subject: Option<String>,
}

/// The message an access-log entry is about: a link when its sender is known.
struct LogMessage {
    id: String,
    sender: Option<String>,
    short: String,
}

impl LogRow {
    fn of(e: &access_log::Entry) -> Self {
        LogRow {
            at: when(e.at),
            who: actor_words(&e.actor),
            what: action_words(&e.action),
            message: e.message_id.as_ref().map(|id| LogMessage {
                id: id.clone(),
                sender: e.sender.clone(),
                short: id[..id.len().min(8)].to_owned(),
            }),
            subject: e.subject.clone(),
        }
    }
}

/// `GET /access-log`: who at this agency opened, searched and sent what, newest first; for
/// coordinators. Filters by person (pseudonym) and by user; never shows content.
async fn access_log_page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let subject = query
        .get("subject")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let user = query
        .get("user")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let filter = access_log::Filter {
        subject: subject.map(str::to_owned),
        actor: user.map(str::to_owned),
    };
    let entries = access_log::entries(state.store(), &filter).await?;
    let chain = match access_log::verify(state.store()).await? {
        Ok(n) => Chain::Unbroken(t_with("log-chain-ok", &[("entries", n.to_string())])),
        Err(broken) => Chain::Broken(t("log-chain-broken"), broken.to_string()),
    };
    let caption = if entries.len() > ACCESS_LOG_SHOWN {
        t_with(
            "log-caption-more",
            &[
                ("shown", ACCESS_LOG_SHOWN.to_string()),
                ("all", entries.len().to_string()),
            ],
        )
    } else {
        t("log-caption")
    };
    let main = render(&AccessLogMain {
        chain,
        subject: subject.unwrap_or(""),
        user: user.unwrap_or(""),
        caption,
        rows: entries
            .iter()
            .rev()
            .take(ACCESS_LOG_SHOWN)
            .map(LogRow::of)
            .collect(),
    })?;
    Ok(page(
        StatusCode::OK,
        &t("log-title"),
        Some(state.agent().as_str()),
        &main,
    ))
}

/// The settings page's content (`templates/inbox/admin.html`).
#[derive(askama::Template)]
#[template(path = "inbox/admin.html")]
struct AdminMain {
    intro: String,
    sign_in: String,
    waiting: String,
    received: i64,
}

/// `GET /admin`: the agent's settings and state for administrators; no case data.
async fn admin_page(State(state): State<AppState>) -> Result<Response, PageError> {
    let (waiting, oldest) = state.store().outbox_backlog().await?;
    let received = state.store().inbox_count().await?;
    let sign_in = if state.sign_in().is_some() {
        t("admin-sign-in-set-up")
    } else {
        t("admin-sign-in-not-set-up")
    };
    let waiting = match oldest {
        Some(since) => t_with(
            "admin-waiting-since",
            &[("count", waiting.to_string()), ("since", when(since))],
        ),
        None => waiting.to_string(),
    };
    let main = render(&AdminMain {
        intro: t_with("admin-intro", &[("agency", state.agent().to_string())]),
        sign_in,
        waiting,
        received,
    })?;
    Ok(page(
        StatusCode::OK,
        &t("admin-title"),
        Some(state.agent().as_str()),
        &main,
    ))
}

/// The inbox page's content (`templates/inbox/inbox.html`): what was received, what was sent.
#[derive(askama::Template)]
#[template(path = "inbox/inbox.html")]
struct InboxMain {
    sent_note: bool,
    rows: Vec<InboxRow>,
    sent: Vec<SentRow>,
}

/// A received message as the inbox lists it.
struct InboxRow {
    id: String,
    sender: String,
    at: String,
    when: String,
    title: String,
    from: String,
    case: String,
    quarantined: bool,
    unread: bool,
    deadline: Option<Deadline>,
    cancelled: bool,
    answer: Option<RowAnswer>,
}

/// This agency's answer to a handover request, and how far it got.
struct RowAnswer {
    words: String,
    status: String,
}

/// A sent message as the inbox lists it.
struct SentRow {
    id: String,
    when: String,
    title: String,
    status: String,
    answer: Option<HubAnswer>,
}

/// The hub's answer to a sent message in words, its technical detail folded away.
struct HubAnswer {
    words: String,
    detail: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let store = state.store();
    let today = Utc::now().date_naive();
    let rows = store.inbox(200).await?;
    let names = store.agency_names().await?;
    let answers = actions::answers_sent(store).await?;
    let cancelled = actions::handovers_cancelled(store).await?;
    let rows = rows
        .iter()
        .filter(|r| r.message_type != MessageType::Receipt.as_str())
        .map(|r| {
            let quarantined = r.quarantined_at.is_some();
            let mut row = InboxRow {
                id: r.message_id.clone(),
                sender: r.sender.clone(),
                at: r.received_at.to_rfc3339(),
                when: when(r.received_at),
                title: type_title(&r.message_type),
                from: agency_words(&names, &r.sender),
                case: r.case_id.clone().unwrap_or_else(|| "–".to_owned()),
                quarantined,
                unread: r.opened_at.is_none(),
                deadline: None,
                cancelled: false,
                answer: None,
            };
            if !quarantined
                && let Ok(Message {
                    body: Body::HandoverRequest(h),
                    ..
                }) = schemas::decode(&r.payload)
            {
                // A decision, once sent, says more than the receipt before it.
                let answer = answers
                    .iter()
                    .filter(|(id, _, s, _)| *id == h.handover_id && *s != SendStatus::Refused)
                    .max_by_key(|(_, o, _, _)| *o != HandoverOutcome::Received);
                let withdrawn = cancelled.contains(&h.handover_id);
                let decided =
                    withdrawn || answer.is_some_and(|(_, o, _, _)| *o != HandoverOutcome::Received);
                row.deadline = Some(respond_by(h.respond_by, today, decided));
                row.cancelled = withdrawn;
                row.answer = answer.map(|(_, outcome, sent, _)| RowAnswer {
                    words: t_with(
                        "status-answer-by-you",
                        &[("outcome", outcome_words(*outcome))],
                    ),
                    status: status_words(*sent),
                });
            }
            row
        })
        .collect();

    // A sealing key published to the hub is the agent's plumbing, not a caseworker's message.
    let sent = store
        .outbox(50)
        .await?
        .into_iter()
        .filter(|s| s.message_type != MessageType::KeyPublished.as_str())
        .map(|s| SentRow {
            when: when(s.accepted_at),
            title: type_title(&s.message_type),
            status: status_words(s.status),
            // What happened and what to do, in words; the code and the hub's technical
            // detail stay in the API, the detail also folded away here for the administrator.
            answer: s.answer_reason.as_ref().map(|reason| HubAnswer {
                words: words::reason_words(reason),
                detail: s.answer_detail.clone(),
            }),
            id: s.message_id,
        })
        .collect();
    let main = render(&InboxMain {
        sent_note: query.contains_key("sent"),
        rows,
        sent,
    })?;
    Ok(page(
        StatusCode::OK,
        &t("inbox-title"),
        Some(state.agent().as_str()),
        &main,
    ))
}

/// A message nobody has opened yet (`templates/inbox/unopened.html`): its sender and an
/// "Open" button.
#[derive(askama::Template)]
#[template(path = "inbox/unopened.html")]
struct UnopenedMain<'a> {
    title: String,
    lead: String,
    id: &'a str,
    sender: &'a str,
}

/// A message's page (`templates/inbox/message_page.html`): the note that a withdrawal was
/// recorded, above the message.
#[derive(askama::Template)]
#[template(path = "inbox/message_page.html")]
struct MessagePage<'a> {
    withdrawn: bool,
    /// The message's HTML, from [`UnopenedMain`] or [`MessageMain`].
    main: &'a str,
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
        let from = agency_words(&state.store().agency_names().await?, &row.sender);
        render(&UnopenedMain {
            title: type_title(&row.message_type),
            lead: t_with(
                "msg-not-opened",
                &[("from", from), ("when", when(row.received_at))],
            ),
            id: &row.message_id,
            sender: &row.sender,
        })?
    };
    let main = render(&MessagePage {
        withdrawn: query.contains_key("withdrawn"),
        main: &main,
    })?;
    Ok(page(
        StatusCode::OK,
        &type_title(&row.message_type),
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
    // The hub's reasons in words, not codes (the codes stay in the API and `agent show`).
    match &message.body {
        Body::Undeliverable(u) => {
            for (label, value) in facts.lines.iter_mut() {
                if *label == "reason" {
                    *value = words::reason_words(u.reason.as_str());
                }
            }
        }
        Body::Receipt(r) => {
            let mut refused = r.refused.iter();
            for (label, value) in facts.lines.iter_mut() {
                if *label == "refused"
                    && let Some(refusal) = refused.next()
                {
                    *value = format!(
                        "{}: {}",
                        present::agency_name(refusal.recipient.as_str()),
                        words::reason_words(refusal.reason.as_str())
                    );
                }
            }
        }
        _ => {}
    }
    let identity = people::open_identity(state.store(), state.agent(), &message).await?;
    if let Some(view) = &identity {
        present::with_identity(&mut facts, view);
    }
    let sealed = sealing::open(state.store(), state.agent(), &message).await?;
    access_log::opened(
        state.store(),
        &page_actor(),
        &message,
        sealed.as_ref(),
        identity.as_ref(),
    )
    .await?;
    let names = state.store().agency_names().await?;
    let person = match (&identity, &message.envelope.subject) {
        (Some(IdentityView::Shared(_)), Some(subject)) => Some(subject.as_str().to_owned()),
        _ => None,
    };
    let answer = match &message.body {
        Body::HandoverRequest(h) => Some(answer_part(state, row, h, error.is_some(), form).await?),
        _ => None,
    };
    let consent = match &message.envelope.subject {
        Some(subject) => Some(consent_part(state, row, &message, subject).await?),
        None => None,
    };
    render(&MessageMain {
        title: type_title(&row.message_type),
        lead: t_with(
            "msg-from",
            &[
                ("from", agency_words(&names, &facts.sender)),
                ("when", when(row.received_at)),
            ],
        ),
        error,
        facts: facts
            .lines
            .iter()
            .map(|(label, value)| (fact_label(label), value.clone()))
            .collect(),
        // What the hub held back from this agency, and why, in words.
        withheld: message
            .envelope
            .withheld
            .iter()
            .map(|category| {
                let code = serde_json::to_value(category)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                t(&format!("category-{code}"))
            })
            .collect(),
        answers_note: sent_pages::answers_note(state, &message).await?,
        person,
        sealed: sealed.as_ref().map(SealedPart::of),
        escalation: match &message.body {
            Body::Escalation(x) => Some(EscalationPart::of(x)),
            _ => None,
        },
        reply_link: reply_pages::reply_link(state.store(), row, &message)
            .await?
            .unwrap_or_default(),
        answer,
        consent,
    })
}

/// The handover request's answer section: the answers sent, and the form while none decided.
async fn answer_part(
    state: &AppState,
    row: &Received,
    h: &schemas::messages::HandoverRequest,
    invalid: bool,
    form: Option<AnswerForm<'_>>,
) -> Result<AnswerPart, Failure> {
    let answers: Vec<_> = actions::answers_sent(state.store())
        .await?
        .into_iter()
        .filter(|(id, ..)| *id == h.handover_id)
        .collect();
    let decided = answers
        .iter()
        .any(|(_, o, s, _)| *o != HandoverOutcome::Received && *s != SendStatus::Refused);
    let received = answers
        .iter()
        .any(|(_, o, s, _)| *o == HandoverOutcome::Received && *s != SendStatus::Refused);
    let cancelled = actions::handovers_cancelled(state.store())
        .await?
        .contains(&h.handover_id);
    let state = if cancelled {
        AnswerState::Cancelled
    } else if decided {
        AnswerState::Decided
    } else {
        let form = form.unwrap_or(AnswerForm {
            outcome: None,
            reason: "",
        });
        AnswerState::Open(AnswerFormPart {
            id: row.message_id.clone(),
            sender: row.sender.clone(),
            offer_received: !received,
            checked: match form.outcome {
                Some("received") => Some(HandoverOutcome::Received),
                Some("accepted") => Some(HandoverOutcome::Accepted),
                Some("rejected") => Some(HandoverOutcome::Rejected),
                _ => None,
            },
            reason: form.reason.to_owned(),
            invalid,
            kinds: [
                "",
                "no_capacity",
                "not_responsible",
                "person_declined",
                "insufficient_information",
                "other",
            ]
            .into_iter()
            .map(|v| {
                let id = if v.is_empty() { "none" } else { v };
                (v, t(&format!("answer-kind-{id}")))
            })
            .collect(),
        })
    };
    Ok(AnswerPart {
        answers: answers
            .iter()
            .map(|(_, outcome, status, reason)| AnswerLine {
                outcome: outcome_words(*outcome),
                status: status_words(*status),
                reason: reason.clone(),
            })
            .collect(),
        state,
    })
}

/// The consent section: the consent versions seen for the person, each in force with its
/// withdrawal form; or, when none was seen, which consent (if any) the hub holds.
async fn consent_part(
    state: &AppState,
    row: &Received,
    message: &Message,
    subject: &schemas::Pseudonym,
) -> Result<ConsentPart, Failure> {
    let views = consents::for_subject(state.store(), subject, Utc::now().date_naive()).await?;
    let under_consent = message
        .envelope
        .gateway
        .as_ref()
        .and_then(|g| match g.parse() {
            schemas::Gateway::Consent { version, .. } => Some(version),
            schemas::Gateway::Statute(_) => None,
        });
    // Never "no consent" beside "shared under the person's consent": say which it is.
    let none = match under_consent {
        Some(version) => t_with("consent-held-by-hub", &[("version", version.to_string())]),
        None => t("consent-none"),
    };
    let back = format!("/messages/{}?sender={}", row.message_id, row.sender);
    let case = message.envelope.case_id.as_ref().map(|c| c.as_str());
    let versions = views
        .iter()
        .map(|v| VersionPart {
            heading: t_with(
                "consent-version-heading",
                &[
                    ("version", v.version.to_string()),
                    ("status", v.status.clone()),
                ],
            ),
            programme: v.programme.clone(),
            period: v.period.clone(),
            source: v.source.clone(),
            sentences: v
                .sentences
                .iter()
                .map(|s| s.trim_start().to_owned())
                .collect(),
            withdrawal: v
                .in_force
                .then(|| WithdrawalPart::new(v.consent_id, subject.as_str(), case, &back)),
        })
        .collect();
    Ok(ConsentPart { none, versions })
}

/// An opened message's content (`templates/inbox/message.html` and the sections it includes).
#[derive(askama::Template)]
#[template(path = "inbox/message.html")]
struct MessageMain<'a> {
    title: String,
    lead: String,
    /// Why the answer was not sent, when it was not.
    error: Option<&'a str>,
    facts: Vec<(String, String)>,
    /// The categories the hub withheld, in words.
    withheld: Vec<String>,
    /// The hub's answers to this message: HTML of [`sent_pages::answers_note`].
    answers_note: String,
    /// The person's pseudonym, when their identity is shared with this agency.
    person: Option<String>,
    sealed: Option<SealedPart>,
    escalation: Option<EscalationPart>,
    /// The link to reply: HTML of [`reply_pages::reply_link`].
    reply_link: String,
    answer: Option<AnswerPart>,
    consent: Option<ConsentPart>,
}

/// The sealed field, opened for this page only (`templates/inbox/sealed.html`).
struct SealedPart {
    heading: String,
    content: Sealed,
}

/// The sealed location, or why it cannot be read.
enum Sealed {
    /// Its lines: label and value.
    Location(Vec<(String, String)>),
    /// Why it cannot be read.
    Unreadable(String),
}

impl SealedPart {
    fn of(view: &SealedView) -> Self {
        let heading = t(match view.field {
            "sealed_destination" => "sealed-destination",
            "sealed_address" => "sealed-new-address",
            _ => "sealed-location",
        });
        let content = match view.location() {
            Some(l) => {
                let mut lines = vec![
                    (t("sealed-address"), l.address.as_str().to_owned()),
                    (t("sealed-postal-code"), l.postal_code.as_str().to_owned()),
                    (t("sealed-city"), l.city.as_str().to_owned()),
                ];
                if let Some(notes) = &l.notes {
                    lines.push((t("sealed-notes"), notes.as_str().to_owned()));
                }
                Sealed::Location(lines)
            }
            None => Sealed::Unreadable(view.reason().unwrap_or_default().to_owned()),
        };
        SealedPart { heading, content }
    }
}

/// What an escalation means for the coordinator or the contact point reading it
/// (`templates/inbox/escalation.html`): what happened and why it reached them, and what to
/// do now.
struct EscalationPart {
    what: String,
    todo: String,
}

impl EscalationPart {
    fn of(x: &schemas::messages::Escalation) -> Self {
        let names: Vec<String> = x
            .agencies
            .iter()
            .map(|a| present::agency_name(a.as_str()))
            .collect();
        let late = names.first().cloned().unwrap_or_default();
        let waiting = names.get(1).cloned().unwrap_or_default();
        let level = match x.level {
            schemas::messages::EscalationLevel::Coordinator => "escalation-to-coordinator",
            schemas::messages::EscalationLevel::ContactPoint => "escalation-to-contact-point",
        };
        let args = [
            ("late", late),
            ("waiting", waiting),
            ("days", x.days_overdue.to_string()),
            ("due", x.due.to_string()),
        ];
        EscalationPart {
            what: t_with(level, &args),
            todo: t_with(&format!("{level}-todo"), &args),
        }
    }
}

/// A handover request's answer section (`templates/inbox/answer.html`).
struct AnswerPart {
    answers: Vec<AnswerLine>,
    state: AnswerState,
}

/// An answer this agency sent to the request.
struct AnswerLine {
    outcome: String,
    status: String,
    reason: Option<String>,
}

/// Whether the request can still be answered.
enum AnswerState {
    /// The sender cancelled it.
    Cancelled,
    /// This agency accepted or rejected it.
    Decided,
    /// Open: the form.
    Open(AnswerFormPart),
}

/// The answer form, with what the caseworker typed when it comes back with an error.
struct AnswerFormPart {
    id: String,
    sender: String,
    /// Whether "received" is still offered (not once a receipt was sent).
    offer_received: bool,
    checked: Option<HandoverOutcome>,
    reason: String,
    /// Whether the form came back with an error.
    invalid: bool,
    /// The kinds of rejection reason: value and words.
    kinds: Vec<(&'static str, String)>,
}

/// The consent section (`templates/inbox/consent.html`).
struct ConsentPart {
    /// What to say when no consent version was seen.
    none: String,
    versions: Vec<VersionPart>,
}

/// A consent version seen for the person.
struct VersionPart {
    heading: String,
    programme: String,
    period: String,
    source: String,
    sentences: Vec<String>,
    /// The withdrawal form, for the version in force.
    withdrawal: Option<WithdrawalPart>,
}

/// The form that records the person's withdrawal of a consent version in force
/// (`templates/inbox/withdrawal.html`): who received the wish and how (the hub requires it
/// from an agency that is not the form's custodian), and a box the caseworker ticks to
/// confirm.
struct WithdrawalPart {
    consent_id: uuid::Uuid,
    subject: String,
    case: String,
    back: String,
    received_by: String,
    /// How the wish was received: value and words.
    channels: Vec<(&'static str, String)>,
}

impl WithdrawalPart {
    fn new(consent_id: uuid::Uuid, subject: &str, case: Option<&str>, back: &str) -> Self {
        WithdrawalPart {
            consent_id,
            subject: subject.to_owned(),
            case: case.unwrap_or("").to_owned(),
            back: back.to_owned(),
            received_by: SIGNED_IN.try_with(role_words).unwrap_or_default(),
            channels: ["in_person", "in_writing", "by_phone", "digital"]
                .into_iter()
                .map(|c| (c, t(&format!("withdraw-channel-{c}"))))
                .collect(),
        }
    }
}

/// `POST /consents/{consent_id}/withdraw`: records the withdrawal, effective now, and goes
/// back to the page it came from.
async fn withdraw(
    State(state): State<AppState>,
    Path(consent_id): Path<uuid::Uuid>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form.get(name).map_or("", |v| v.trim());
    let back = Some(field("back"))
        .filter(|b| b.starts_with("/messages/") && !b.contains("//"))
        .unwrap_or("/");
    if field("confirm") != "yes" {
        return Ok(error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &t("failed-title"),
            &t("withdraw-need-confirm"),
        ));
    }
    let received_by = ShortText::try_from(field("received_by")).map_err(|_| {
        Failure::bad_request(
            "invalid_request",
            Some("received_by"),
            t("withdraw-need-received-by"),
        )
    })?;
    let channel: schemas::messages::WishChannel =
        serde_json::from_value(serde_json::json!(field("channel"))).map_err(|_| {
            Failure::bad_request(
                "invalid_request",
                Some("channel"),
                t("withdraw-need-channel"),
            )
        })?;
    let subject = schemas::Pseudonym::try_from(field("subject"))
        .map_err(|_| Failure::bad_request("invalid_request", Some("subject"), t("not-found")))?;
    let case_id = Some(field("case_id"))
        .filter(|c| !c.is_empty())
        .and_then(|c| schemas::CaseId::try_from(c).ok());
    let withdrawal = actions::Withdrawal {
        case_id,
        subject,
        scope: None,
        evidence: Some(schemas::messages::WithdrawalEvidence {
            received_by,
            received_at: Utc::now(),
            channel,
        }),
    };
    actions::withdraw_consent(&state, &page_actor(), consent_id, withdrawal).await?;
    let joiner = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{joiner}withdrawn=1")).into_response())
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
        Some("received") => Ok(HandoverOutcome::Received),
        Some("accepted") => Ok(HandoverOutcome::Accepted),
        Some("rejected") => Ok(HandoverOutcome::Rejected),
        _ => Err(t("answer-choose")),
    };
    let reason = if reason_text.is_empty() {
        Ok(None)
    } else {
        ShortText::try_from(reason_text)
            .map(Some)
            .map_err(|_| t("answer-reason-too-long"))
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
        (Ok(HandoverOutcome::Rejected), Ok(None), _, _) => t("answer-reason-needed"),
        (Ok(outcome), Ok(reason), Some(case), Some(subject)) => {
            let answer = HandoverAnswer {
                case_id: case.clone(),
                subject: subject.clone(),
                to: e.sender.clone(),
                outcome,
                reason,
                reason_code: reason_code.filter(|_| outcome == HandoverOutcome::Rejected),
                purpose: Some(e.purpose),
                sent_by: page_sent_by(),
            };
            match actions::answer_handover(&state, &page_actor(), request.handover_id, answer).await
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
        &type_title(&row.message_type),
        Some(state.agent().as_str()),
        &main,
    ))
}

#[cfg(test)]
mod tests {
    use axum::body::Body as HttpBody;
    use axum::http::Request;
    use broker::web::escape as esc;
    use tower::ServiceExt;

    use super::*;
    use crate::http::{Token, router};
    use crate::testing::{TempStore, agency, at, receive_sealed_request};

    async fn get_page(app: &Router, uri: &str, cookie: &str) -> (StatusCode, String) {
        let request = Request::get(uri)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "en")
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
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(HttpBody::from(body))
            .unwrap();
        app.clone().oneshot(open).await.unwrap().status()
    }

    /// The example message of `name`, received by `me`.
    async fn receive_example(t: &TempStore, me: &schemas::AgencyId, name: &str) -> Message {
        let path = format!(
            "{}/../schemas/examples/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let message = schemas::decode(&std::fs::read(path).unwrap()).unwrap();
        t.store.receive(me, &message, at(1)).await.unwrap();
        message
    }

    /// A signed-in caseworker's session cookie.
    fn log_in(state: &AppState) -> String {
        state.test_session(Caseworker::new(
            "mette.holm",
            "Mette Holm",
            &[Role::Caseworker],
        ))
    }

    #[tokio::test]
    async fn the_page_opens_the_sealed_destination_and_hides_key_publishing() {
        let recipient = TempStore::new().await;
        let me = agency("no-trondheim-kommune");
        let published = crate::keys::publish_current(&recipient.store, &me, at(0))
            .await
            .unwrap();
        let message = receive_sealed_request(&recipient.store, &me, &published.key).await;

        let state = AppState::new(recipient.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let other_session = log_in(&state);
        let app = router(state);
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
        let state = AppState::new(t.store.clone(), me.clone(), Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
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
            "&#60;script&#62;alert(&#34;x&#34;) &#38; &#39;y&#39;&#60;/script&#62;"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; agent_session=old; __Host-agent_session=abc123; c=d"),
        );
        assert_eq!(session_id(&h).as_deref(), Some("abc123"));
    }

    #[tokio::test]
    async fn roles_decide_the_pages_and_the_log_names_each_caseworker() {
        let t = TempStore::new().await;
        let me = agency("dk-kobenhavn-kommune");
        let message = receive_example(&t, &me, "ReleaseNotice").await;
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let mette = state.test_session(Caseworker::new(
            "mette.holm",
            "Mette Holm",
            &[Role::Caseworker],
        ));
        let jonas = state.test_session(Caseworker::new(
            "jonas.krogh",
            "Jonas Krogh",
            &[Role::Caseworker, Role::Coordinator],
        ));
        let lise = state.test_session(Caseworker::new(
            "it.drift",
            "Lise Dahl",
            &[Role::Administrator],
        ));
        let app = router(state);
        let uri = format!(
            "/messages/{}?sender={}",
            message.envelope.message_id, message.envelope.sender
        );
        for cookie in [&mette, &jonas] {
            let token = csrf(&app, cookie).await;
            assert_eq!(
                post_open(&app, &uri.replace('?', "/open?"), cookie, Some(&token)).await,
                StatusCode::SEE_OTHER
            );
            assert_eq!(get_page(&app, &uri, cookie).await.0, StatusCode::OK);
        }

        // A caseworker without the coordinator role does not see the log.
        let (status, page) = get_page(&app, "/access-log", &mette).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(!page.contains("Jonas Krogh (jonas.krogh)"));
        // The coordinator sees each one's opening under their own name.
        let (status, log) = get_page(&app, "/access-log", &jonas).await;
        assert_eq!(status, StatusCode::OK, "{log}");
        assert!(log.contains("Mette Holm (mette.holm)"), "{log}");
        assert!(log.contains("Jonas Krogh (jonas.krogh)"), "{log}");
        assert!(log.contains("The log&#39;s chain is unbroken"), "{log}");
        let (_, only_mette) = get_page(&app, "/access-log?user=mette.holm", &jonas).await;
        assert!(only_mette.contains("Mette Holm (mette.holm)"));
        assert!(
            !only_mette.contains("Jonas Krogh (jonas.krogh)</td>"),
            "{only_mette}"
        );

        // The administrator sees the agent's settings and no case data.
        let (status, inbox) = get_page(&app, "/", &lise).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{inbox}");
        assert_eq!(get_page(&app, &uri, &lise).await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            get_page(&app, "/persons", &lise).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get_page(&app, "/access-log", &lise).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, admin) = get_page(&app, "/admin", &lise).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            admin.contains("Lise Dahl"),
            "the page says who is signed in"
        );
        assert_eq!(
            get_page(&app, "/admin", &mette).await.0,
            StatusCode::FORBIDDEN
        );

        // Without a session, or with a made-up one, every page sends to sign-in.
        for cookie in ["", "__Host-agent_session=made-up"] {
            let (status, _) = get_page(&app, "/", cookie).await;
            assert_eq!(status, StatusCode::SEE_OTHER);
        }
    }

    /// A page whose sign-in service is at `issuer`.
    fn with_provider(t: &TempStore, issuer: &str) -> Router {
        let settings: crate::http::sign_in::SignInSettings =
            serde_json::from_value(serde_json::json!({
                "issuer": issuer,
                "client_id": "agent",
                "public_url": "https://kbh.agent.localhost:8702",
            }))
            .unwrap();
        let sign_in = crate::http::sign_in::SignIn::new(settings).unwrap();
        router(
            AppState::new(
                t.store.clone(),
                agency("dk-kobenhavn-kommune"),
                Token::new("t"),
            )
            .with_sign_in(
                Some(std::sync::Arc::new(sign_in)),
                crate::http::SessionLimits::default(),
            ),
        )
    }

    #[tokio::test]
    async fn a_provider_that_cannot_be_reached_is_named_and_gives_no_session() {
        let t = TempStore::new().await;
        // Nothing listens on the discard port.
        let app = with_provider(&t, "http://127.0.0.1:9");
        let (status, page) = get_page(&app, "/login/start", "").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(page.contains("cannot be reached just now"), "{page}");
        assert!(page.contains("nothing is lost"), "{page}");
    }

    #[tokio::test]
    async fn an_answer_that_fails_a_check_gives_a_sign_in_error_and_no_session() {
        let t = TempStore::new().await;
        let app = with_provider(&t, "http://127.0.0.1:9");
        let callback = |uri: &str, cookie: &str| {
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(HttpBody::empty())
                .unwrap()
        };
        for (uri, cookie, says) in [
            // The provider said no.
            (
                "/auth/callback?error=access_denied&state=s1",
                "__Host-agent_signin=s1",
                "did not sign you in",
            ),
            // No code.
            (
                "/auth/callback?state=s1",
                "__Host-agent_signin=s1",
                "incomplete",
            ),
            // Another browser's state (login CSRF), or none.
            (
                "/auth/callback?state=s1&code=c",
                "__Host-agent_signin=s2",
                "did not start the sign-in",
            ),
            (
                "/auth/callback?state=s1&code=c",
                "",
                "did not start the sign-in",
            ),
            // This browser's cookie, but no sign-in of that state was started here.
            (
                "/auth/callback?state=s1&code=c",
                "__Host-agent_signin=s1",
                "did not pass its checks",
            ),
        ] {
            let response = app.clone().oneshot(callback(uri, cookie)).await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{uri}");
            let cookies: Vec<_> = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            assert!(
                cookies
                    .iter()
                    .all(|c| !c.starts_with("__Host-agent_session=")),
                "no session: {cookies:?}"
            );
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let page = String::from_utf8(bytes.to_vec()).unwrap();
            assert!(page.contains(says), "{uri}: {page}");
        }
    }

    /// Not a test: the cost of the access log when a message is opened, as figures. Run
    /// `cargo test --release -p agent --lib -- --ignored --nocapture access_log_cost`.
    #[tokio::test]
    #[ignore]
    async fn access_log_cost() {
        const N: usize = 300;
        let t = TempStore::new().await;
        let me = agency("dk-kobenhavn-kommune");
        let path = format!(
            "{}/../schemas/examples/ReleaseNotice.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let example: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let mut ids = Vec::new();
        for _ in 0..N {
            let mut m = example.clone();
            m["envelope"]["message_id"] = serde_json::json!(schemas::MessageId::new());
            let message = schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap();
            t.store.receive(&me, &message, at(1)).await.unwrap();
            ids.push(message.envelope.message_id.to_string());
        }
        let app = router(AppState::new(t.store.clone(), me, Token::new("t")));
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let mut open = Vec::new();
        for id in &ids {
            let request = Request::post(format!("/api/v1/inbox/{id}/open"))
                .header(header::AUTHORIZATION, "Bearer t")
                .body(HttpBody::empty())
                .unwrap();
            let started = std::time::Instant::now();
            let response = app.clone().oneshot(request).await.unwrap();
            let _ = axum::body::to_bytes(response.into_body(), 1 << 20).await;
            open.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let actor = access_log::Actor::page("Freja Munk (freja.munk)");
        let mut append = Vec::new();
        for id in &ids {
            let access = access_log::Access {
                actor: &actor,
                action: access_log::Action::MessageOpened,
                message_id: Some(id),
                sender: Some("dk-kriminalforsorgen"),
                subject: Some("ps-3e8b1c7a9d2f5e40"),
            };
            let started = std::time::Instant::now();
            access_log::append(&t.store, &[access], Utc::now())
                .await
                .unwrap();
            append.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (open, append) = (median(open), median(append));
        println!(
            "opening a message through the API, median of {N}: {open:.2} ms with the access \
             log; appending one entry: {append:.2} ms; so about {:.2} ms without it",
            open - append
        );
    }

    /// Not a test: how long the inbox page takes with 10,000 received messages, as a figure.
    /// Run `cargo test --release -p agent --lib -- --ignored --nocapture inbox_load`.
    #[tokio::test]
    #[ignore]
    async fn inbox_load() {
        const N: usize = 10_000;
        let t = TempStore::new().await;
        let me = agency("dk-kobenhavn-kommune");
        let mut examples = Vec::new();
        for name in ["ReleaseNotice", "HandoverRequest", "RiskNeedSummary"] {
            let path = format!(
                "{}/../schemas/examples/{name}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            examples.push(
                serde_json::from_slice::<serde_json::Value>(&std::fs::read(path).unwrap()).unwrap(),
            );
        }
        for i in 0..N {
            let mut m = examples[i % examples.len()].clone();
            m["envelope"]["message_id"] = serde_json::json!(schemas::MessageId::new());
            if m["body"]["handover_id"].is_string() {
                m["body"]["handover_id"] = serde_json::json!(uuid::Uuid::new_v4());
            }
            let message = schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap();
            t.store.receive(&me, &message, at(1)).await.unwrap();
        }
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
        let mut took = Vec::new();
        for _ in 0..30 {
            let started = std::time::Instant::now();
            let (status, page) = get_page(&app, "/", &cookie).await;
            took.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains("data-message-id"));
        }
        took.sort_by(f64::total_cmp);
        println!(
            "the inbox page with {N} received messages: median {:.1} ms, slowest {:.1} ms of 30",
            took[took.len() / 2],
            took[took.len() - 1]
        );
    }

    #[tokio::test]
    async fn the_inbox_names_agencies_and_shows_local_time() {
        let t = TempStore::new().await;
        let me = agency("dk-kobenhavn-kommune");
        let message = receive_example(&t, &me, "ReleaseNotice").await;
        let mut prison = crate::testing::entry(
            message.envelope.sender.as_str(),
            schemas::AgencyRole::PrisonProbation,
            "k-1",
            "AAAA",
            true,
            false,
        );
        prison.agency_name = Some("Kriminalforsorgen".try_into().unwrap());
        let directory = schemas::messages::KeyDirectory {
            version: 1,
            keys: vec![prison],
            follows: None,
        };
        assert!(t.store.save_directory(&directory, at(0)).await.unwrap());
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
        let (_, inbox) = get_page(&app, "/", &cookie).await;
        let row = &inbox[inbox.find("data-message-id").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(">Kriminalforsorgen</td>"), "{row}");
        assert!(!row.contains(message.envelope.sender.as_str()) || row.contains("sender="));
        assert!(
            row.contains(" CET") || row.contains(" CEST"),
            "local time: {row}"
        );
        assert!(!row.contains("UTC"), "{row}");
    }

    #[tokio::test]
    async fn the_page_speaks_the_caseworkers_language() {
        let t = TempStore::new().await;
        let me = agency("dk-kobenhavn-kommune");
        receive_example(&t, &me, "ReleaseNotice").await;
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
        let get = |accept: &'static str, cookies: String| {
            let app = app.clone();
            async move {
                let request = Request::get("/")
                    .header(header::COOKIE, cookies)
                    .header(header::ACCEPT_LANGUAGE, accept)
                    .body(HttpBody::empty())
                    .unwrap();
                let response = app.oneshot(request).await.unwrap();
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                String::from_utf8(bytes.to_vec()).unwrap()
            }
        };
        let danish = get("da-DK,da;q=0.9", cookie.clone()).await;
        assert!(danish.contains(r#"<html lang="da">"#));
        assert!(danish.contains("<h1>Indbakke</h1>"), "{danish}");
        assert!(danish.contains("Løsladelsesmeddelelse"));
        let norwegian = get("no", cookie.clone()).await;
        assert!(norwegian.contains(r#"<html lang="nb">"#));
        assert!(norwegian.contains("<h1>Innboks</h1>"));
        // The caseworker's own choice wins over the browser's.
        let request = Request::get("/language?lang=sv")
            .header(header::COOKIE, cookie.clone())
            .body(HttpBody::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let chosen = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(chosen.starts_with("__Host-agent_lang=sv;"), "{chosen}");
        assert!(chosen.contains("Secure"));
        let swedish = get("da", format!("{cookie}; __Host-agent_lang=sv")).await;
        assert!(swedish.contains(r#"<html lang="sv">"#));
        assert!(swedish.contains("<h1>Inkorg</h1>"));
        assert!(swedish.contains("Meddelande om frigivning"));
        // Without any hint, the agency's country decides.
        let none = get("", cookie).await;
        assert!(none.contains(r#"<html lang="da">"#));
    }

    #[tokio::test]
    async fn a_refusal_reads_as_what_happened_and_what_to_do_without_its_code() {
        let t = TempStore::new().await;
        let me = agency("dk-kriminalforsorgen");
        let path = format!(
            "{}/../schemas/examples/ReleaseNotice.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let notice = schemas::decode(&std::fs::read(path).unwrap()).unwrap();
        t.store.enqueue(&notice, at(0)).await.unwrap();
        let mut refusal: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format!(
                "{}/../schemas/examples/Undeliverable.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        refusal["body"]["in_reply_to"] = serde_json::json!(notice.envelope.message_id);
        refusal["body"]["reason"] = serde_json::json!("NO_GATEWAY");
        refusal["body"]["detail"] = serde_json::json!("no gateway for dk-jobcenter-kobenhavn");
        let refusal = schemas::decode(&serde_json::to_vec(&refusal).unwrap()).unwrap();
        t.store.receive(&me, &refusal, at(1)).await.unwrap();
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
        let (_, inbox) = get_page(&app, "/", &cookie).await;
        let sent = &inbox[inbox.find(r#"<table class="sent">"#).unwrap()..];
        assert!(
            sent.contains("No law and no consent of the person allows sharing this"),
            "{sent}"
        );
        assert!(
            sent.contains("Record the person&#39;s consent first"),
            "{sent}"
        );
        assert!(
            !sent.contains("NO_GATEWAY"),
            "no code on the screen: {sent}"
        );
    }

    #[tokio::test]
    async fn what_the_hub_withheld_is_shown_in_words() {
        let t = TempStore::new().await;
        let me = agency("dk-jobcenter-kobenhavn");
        let path = format!(
            "{}/../schemas/examples/ReleaseNotice.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut notice: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        notice["body"].as_object_mut().unwrap().remove("needs");
        notice["envelope"]["data_categories"] = serde_json::json!(["SENTENCE_RELEASE"]);
        notice["envelope"]["withheld"] = serde_json::json!(["ECONOMY_BENEFITS", "IDENTITY"]);
        let notice = schemas::decode(&serde_json::to_vec(&notice).unwrap()).unwrap();
        t.store.receive(&me, &notice, at(1)).await.unwrap();
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
        let uri = format!("/messages/{}", notice.envelope.message_id);
        let token = csrf(&app, &cookie).await;
        post_open(&app, &format!("{uri}/open"), &cookie, Some(&token)).await;
        let (_, page) = get_page(&app, &uri, &cookie).await;
        assert!(page.contains("Not shared with your agency"), "{page}");
        assert!(
            page.contains("<li>housing, income and benefits</li>"),
            "{page}"
        );
        assert!(page.contains("<li>who the person is"), "{page}");
        assert!(!page.contains("ECONOMY_BENEFITS"), "no codes on the screen");
    }

    #[tokio::test]
    async fn an_escalation_says_what_happened_and_what_to_do_without_codes() {
        let t = TempStore::new().await;
        let path = format!(
            "{}/../schemas/examples/Escalation.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let escalation = schemas::decode(&std::fs::read(path).unwrap()).unwrap();
        let me = escalation.envelope.recipients[0].clone();
        t.store.receive(&me, &escalation, at(1)).await.unwrap();
        let state = AppState::new(t.store.clone(), me, Token::new("t"));
        let cookie = log_in(&state);
        let app = router(state);
        let uri = format!("/messages/{}", escalation.envelope.message_id);
        let token = csrf(&app, &cookie).await;
        post_open(&app, &format!("{uri}/open"), &cookie, Some(&token)).await;
        let (_, page) = get_page(&app, &uri, &cookie).await;
        assert!(page.contains(r#"id="escalation-h""#), "{page}");
        assert!(page.contains("What happened and what to do"), "{page}");
        let schemas::Body::Escalation(x) = &escalation.body else {
            panic!()
        };
        assert!(
            page.contains(&format!("{} days late", x.days_overdue)),
            "{page}"
        );
        for code in [
            "handover_answered",
            "HandoverAnswered",
            "contact_point",
            "Active",
        ] {
            assert!(!page.contains(code), "{code} on the screen");
        }
    }

    #[tokio::test]
    async fn the_agent_token_no_longer_opens_the_page() {
        let t = TempStore::new().await;
        let app = router(AppState::new(
            t.store.clone(),
            agency("dk-kobenhavn-kommune"),
            Token::new("t"),
        ));
        let request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(HttpBody::from("token=t"))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        let bearer = Request::get("/")
            .header(header::AUTHORIZATION, "Bearer t")
            .body(HttpBody::empty())
            .unwrap();
        assert_eq!(
            app.clone().oneshot(bearer).await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
        // Without a sign-in service the page says so instead of offering a login.
        let (status, page) = get_page(&app, "/login", "").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(page.contains("Sign-in is not set up"));
    }
}
