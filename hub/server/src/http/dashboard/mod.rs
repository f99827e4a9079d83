//! The national contact point's dashboard: a page per view at `/dashboard/{view}`, and the
//! same figures as JSON at `/api/v1/dashboard/{view}`, both behind a login ([`auth`]).
//!
//! Each view is computed once and rendered twice, so the page and the API cannot
//! disagree. The figures come from [`crate::contact_point`], which applies the suppression
//! rules and the contact point's own pseudonyms; a viewer sees its own jurisdiction only,
//! and only an analyst sees pseudonymous rows.

pub mod auth;
pub mod page;
pub mod periodic;
pub mod svg;
pub mod words;

use std::sync::Arc;

use axum::Router;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use self::auth::{AuthError, Viewer};
use self::page::{esc, matrix_table, named_matrix_table, named_pairs_table, render};
use self::periodic::Report;
use self::svg::Bar;
use self::words::{t, t_with};
use crate::Shared;
use crate::contact_point as cp;

const COOKIE: &str = "hub_session";

/// The dashboard's pages and API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/assets/dashboard.css", get(page::stylesheet))
        .route("/logout", post(logout))
        .route("/language", get(choose_language))
        .route(
            "/dashboard",
            get(|| async { Redirect::to("/dashboard/cases") }),
        )
        .route("/dashboard/{view}", get(view_page))
        .route("/api/v1/dashboard/{view}", get(view_json))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    broker::web::cookie(headers, COOKIE)
}

async fn current_viewer(shared: &Shared, headers: &HeaderMap) -> Result<Option<Viewer>, Failure> {
    let Some(token) = session_token(headers) else {
        return Ok(None);
    };
    Ok(auth::viewer(&shared.pool, &token, Utc::now()).await?)
}

/// What went wrong serving a view: the caller's fault, or ours (logged, never detailed).
#[derive(Debug)]
enum Failure {
    NotFound,
    /// The period asked for cannot be shown.
    Period(periodic::PeriodProblem),
    Unexpected(sqlx::Error),
}

impl From<periodic::PeriodProblem> for Failure {
    fn from(p: periodic::PeriodProblem) -> Self {
        Failure::Period(p)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Unexpected(e)
    }
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::Period(_) => StatusCode::BAD_REQUEST,
            Failure::Unexpected(e) => {
                tracing::error!(error = %e, "reading the contact point's figures failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::NotFound => "unknown_view",
            Failure::Period(p) => p.code(),
            Failure::Unexpected(_) => "unavailable",
        }
    }

    fn words(&self) -> String {
        match self {
            Failure::NotFound => t("dash-no-such-view"),
            Failure::Period(p) => p.words(),
            Failure::Unexpected(_) => t("dash-figures-unavailable"),
        }
    }
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

/// `GET /login`: the sign-in page, in the language of the request (no viewer yet).
async fn login_form(headers: HeaderMap) -> Html<String> {
    let lang = words::request_lang(&headers, None);
    Html(words::LANG.sync_scope(lang, || page::login_page(None)))
}

/// `POST /login`: [`sign_in`], answered in the language of the request.
async fn login(
    shared: State<Arc<Shared>>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Form<LoginForm>,
) -> Response {
    let lang = words::request_lang(&headers, None);
    words::LANG
        .scope(lang, sign_in(shared, client, headers, form))
        .await
}

/// Checks a name and password; on success, sets the session cookie and goes to the first
/// view; otherwise the sign-in page again with why.
async fn sign_in(
    State(shared): State<Arc<Shared>>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    // Before any credential is looked at (the guard refuses it too; this keeps the rule here).
    if !broker::web::same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            Html(page::login_page(Some(&t("dash-login-other-site")))),
        )
            .into_response();
    }
    let client = client.map(|Extension(ConnectInfo(address))| address.ip().to_string());
    let login = auth::login(
        &shared.pool,
        form.name.trim(),
        &form.password,
        client.as_deref(),
        Utc::now(),
    );
    match login.await {
        Ok(token) => {
            let cookie = broker::web::session_cookie(
                COOKIE,
                &token,
                auth::SESSION_HOURS * 3600,
                shared.settings.http.secure_cookies,
            );
            let mut response = Redirect::to("/dashboard/cases").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            tracing::info!("dashboard login");
            response
        }
        Err(AuthError::Database(e)) => {
            tracing::error!(error = %e, "dashboard login failed on the database");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(page::login_page(Some(&t("dash-login-unavailable")))),
            )
                .into_response()
        }
        Err(e) => {
            tracing::info!(reason = %e, "dashboard login refused");
            let (status, words) = match e {
                AuthError::Throttled(seconds) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    t_with("dash-login-throttled", &[("seconds", seconds.to_string())]),
                ),
                _ => (StatusCode::UNAUTHORIZED, t("dash-login-wrong")),
            };
            (status, Html(page::login_page(Some(&words)))).into_response()
        }
    }
}

/// The sign-out form: its CSRF token ([`page::csrf_token`]).
#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: [`sign_out`], answered in the language of the request.
async fn logout(
    shared: State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let lang = words::request_lang(&headers, None);
    words::LANG
        .scope(lang, sign_out(shared, headers, form))
        .await
}

/// Ends the session on the server and in the browser, if the form carries the session's
/// CSRF token; without it, the session stays and the answer says why.
async fn sign_out(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let presented = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if let Some(token) = session_token(&headers) {
        if !page::csrf_matches(&token, &presented) {
            tracing::info!("dashboard sign-out refused: the form had no valid CSRF token");
            return broker::web::html(
                StatusCode::FORBIDDEN,
                page::login_page(Some(&t("dash-logout-refused"))),
            );
        }
        if let Err(e) = auth::logout(&shared.pool, &token).await {
            tracing::error!(error = %e, "ending a dashboard session failed");
        }
    }
    let mut response = Redirect::to("/login").into_response();
    let ended = broker::web::ended_cookie(COOKIE, shared.settings.http.secure_cookies);
    if let Ok(value) = HeaderValue::from_str(&ended) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The query of `/language`: the language chosen, and the page to go back to.
#[derive(Deserialize, Default)]
struct LanguageChoice {
    lang: Option<String>,
    back: Option<String>,
}

/// `GET /language?lang=da&back=/dashboard/cases`: the viewer's choice of language, kept in
/// the `hub_lang` cookie for a year; back to the page they came from.
async fn choose_language(
    State(shared): State<Arc<Shared>>,
    Query(choice): Query<LanguageChoice>,
) -> Response {
    language_chosen(
        choice.lang.as_deref(),
        choice.back.as_deref(),
        shared.settings.http.secure_cookies,
    )
}

/// The answer to a choice of language: the cookie (none for a language the dashboard does not
/// have) and a redirect to `back` when it is a path of this site, else to the dashboard.
fn language_chosen(lang: Option<&str>, back: Option<&str>, secure: bool) -> Response {
    let back = back.filter(|b| same_site_path(b)).unwrap_or("/dashboard");
    let mut response = Redirect::to(back).into_response();
    if let Some(lang) = lang.and_then(broker::web::Lang::from_code) {
        let cookie = format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Strict; HttpOnly{}",
            words::LANG_COOKIE,
            lang.code(),
            if secure { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// Whether `path` is a path on this site: it starts with one `/` (`//host` and `/\host` are
/// other sites to a browser) and carries nothing a header cannot.
fn same_site_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
}

/// The query of a view: the period to show (`2026-11`, `2026-Q3`, `2026`).
#[derive(Deserialize, Default)]
struct ViewQuery {
    period: Option<String>,
}

/// `GET /dashboard/{view}` (and `{view}.csv`): [`show_view`] for the signed-in viewer, in
/// the language of the request ([`words::request_lang`]).
async fn view_page(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(query): Query<ViewQuery>,
    headers: HeaderMap,
) -> Response {
    let viewer = match current_viewer(&shared, &headers).await {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => {
            let lang = words::request_lang(&headers, None);
            let words = words::LANG.sync_scope(lang, || e.words());
            return (e.status(), Html(esc(&words))).into_response();
        }
    };
    let lang = words::request_lang(&headers, Some(viewer.jurisdiction));
    let shown = show_view(shared, viewer, name, query.period, headers);
    words::LANG.scope(lang, shown).await
}

/// A view, or its CSV, for `viewer`, in the language of the request in hand.
async fn show_view(
    shared: Arc<Shared>,
    viewer: Viewer,
    name: String,
    period: Option<String>,
    headers: HeaderMap,
) -> Response {
    let csrf = session_token(&headers)
        .map(|token| page::csrf_token(&token))
        .unwrap_or_default();
    if let Some(view_name) = name.strip_suffix(".csv") {
        return match view(&shared, &viewer, view_name, period.as_deref()).await {
            Ok(v) => csv_response(view_name, period.as_deref(), v.csv),
            Err(e) => (e.status(), e.words()).into_response(),
        };
    }
    match view(&shared, &viewer, &name, period.as_deref()).await {
        Ok(v) => broker::web::html(
            StatusCode::OK,
            page::page_in_period(&viewer, &name, period.as_deref(), &v.title, &csrf, &v.html),
        ),
        Err(e) => {
            let body = render(&Unavailable { words: &e.words() });
            broker::web::html(
                e.status(),
                page::page(&viewer, &name, &t("dash-not-available"), &csrf, &body),
            )
        }
    }
}

/// A view's CSV as a download named after the view and the period.
fn csv_response(view: &str, period: Option<&str>, body: String) -> Response {
    let file = match period {
        Some(p) if p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            format!("{view}-{p}.csv")
        }
        _ => format!("{view}.csv"),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn view_json(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(query): Query<ViewQuery>,
    headers: HeaderMap,
) -> Response {
    let period = query.period;
    let viewer = match current_viewer(&shared, &headers).await {
        Ok(Some(viewer)) => viewer,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "login_required", "detail": "Sign in at /login first."})),
            )
                .into_response();
        }
        Err(e) => {
            return (
                e.status(),
                Json(json!({"error": e.code(), "detail": e.words()})),
            )
                .into_response();
        }
    };
    match view(&shared, &viewer, &name, period.as_deref()).await {
        Ok(v) => Json(json!({
            "view": name,
            "jurisdiction": viewer.jurisdiction,
            "generated_at": Utc::now(),
            "figures": v.json,
        }))
        .into_response(),
        Err(e) => (
            e.status(),
            Json(json!({"error": e.code(), "detail": e.words()})),
        )
            .into_response(),
    }
}

/// One view, computed once: its title, its figures as JSON, and its page body.
struct View {
    /// Its title, in the language of the request in hand.
    title: String,
    json: serde_json::Value,
    html: String,
    /// The view as CSV ([`periodic::csv`]); empty for a view that has none yet.
    csv: String,
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn fmt_days(d: Option<f64>) -> String {
    words::days(d)
}

/// The cases view (`templates/dashboard/cases.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/cases.html")]
struct CasesView {
    /// All cases, as written ([`words::count`]).
    total: String,
    /// Cases in a programme now (intake, active, suspended), as written.
    in_programme: String,
    stage_chart: String,
    stage_table: String,
    /// Per matrix: its caption, its chart and its table.
    matrices: Vec<(String, String, String)>,
}

/// The timing view (`templates/dashboard/timing.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/timing.html")]
struct TimingView {
    receive_chart: String,
    accept_chart: String,
    rows: Vec<TimingLine>,
}

/// One agency's times as the table writes them (days with one decimal, "–" when withheld).
struct TimingLine {
    agency: String,
    received: String,
    receive_p50: String,
    receive_p90: String,
    accepted: String,
    accept_p50: String,
    accept_p90: String,
}

/// The rejections view (`templates/dashboard/rejections.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/rejections.html")]
struct RejectionsView {
    handovers_chart: String,
    handovers_table: String,
    hub_chart: String,
    hub_table: String,
}

/// The consent coverage view (`templates/dashboard/consent.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/consent.html")]
struct ConsentView {
    chart: String,
    rows: Vec<CoverageLine>,
}

/// One region's consent coverage as the table writes it; `key` is the region as the figures
/// name it (`data-row`), `region` its words.
struct CoverageLine {
    key: String,
    region: String,
    open_cases: String,
    with_consent: String,
    coverage: String,
}

impl CoverageLine {
    fn of(r: &cp::CoverageRow) -> Self {
        CoverageLine {
            key: r.region.clone(),
            region: words::region(&r.region),
            open_cases: words::count(r.open_cases),
            with_consent: words::count(r.with_consent),
            coverage: words::rate(r.coverage),
        }
    }
}

/// The flows view (`templates/dashboard/flows.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/flows.html")]
struct FlowsView {
    chart: String,
    table: String,
}

/// The relocations view (`templates/dashboard/relocations.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/relocations.html")]
struct RelocationsView {
    chart: String,
    table: String,
}

/// A view that could not be shown (`templates/dashboard/unavailable.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/unavailable.html")]
struct Unavailable<'a> {
    words: &'a str,
}

/// A bar per `(label, count)` pair, each labelled as `name` words it.
fn named_bars(pairs: &[(String, cp::Count)], name: page::Naming) -> Vec<Bar> {
    pairs.iter().map(|(l, c)| Bar::count(name(l), *c)).collect()
}

async fn view(
    shared: &Shared,
    viewer: &Viewer,
    name: &str,
    period: Option<&str>,
) -> Result<View, Failure> {
    let pool = &shared.pool;
    let j = viewer.jurisdiction;
    let title = page::VIEWS
        .iter()
        .find(|(path, _)| *path == name)
        .map(|(_, title)| t(title))
        .ok_or(Failure::NotFound)?;
    if periodic::VIEWS.contains(&name) {
        let period = match periodic::has_period(name) {
            true => Some(periodic::chosen_period(period, periodic::today(viewer))?),
            false => None,
        };
        let (json, report) = periodic::view(
            shared,
            viewer,
            name,
            period.unwrap_or(hub_core::periods::Period::Year(0)),
        )
        .await?;
        let html = periodic::html(
            periodic::VIEWS
                .iter()
                .find(|v| **v == name)
                .copied()
                .unwrap_or("overdue"),
            &report,
            period,
            periodic::today(viewer),
        );
        return Ok(View {
            title,
            json,
            html,
            csv: periodic::csv(&report),
        });
    }
    // The views of events count a closed period; the others describe the present.
    let period = periodic::chosen_period(period, periodic::today(viewer))?;
    let (json, html, report) = match name {
        "cases" => {
            let f = cp::cases(pool, j, Utc::now().date_naive()).await?;
            let parts = [
                (
                    "cases-by-programme",
                    "dash-cases-by-programme",
                    "dash-programme",
                    &f.by_programme,
                    words::programme as page::Naming,
                ),
                (
                    "cases-by-region",
                    "dash-cases-by-region",
                    "dash-region",
                    &f.by_region,
                    words::region,
                ),
                (
                    "cases-by-agency",
                    "dash-cases-by-agency",
                    "dash-agency",
                    &f.by_agency,
                    page::as_is,
                ),
            ];
            let matrices = parts
                .into_iter()
                .map(|(id, caption, corner, m, name)| {
                    let caption = t(caption);
                    let totals: Vec<Bar> = m
                        .rows
                        .iter()
                        .map(|r| Bar::count(name(&r.label), r.total))
                        .collect();
                    let table =
                        named_matrix_table(id, &caption, &t(corner), m, (name, words::stage));
                    (caption.clone(), svg::bars(&caption, &totals), table)
                })
                .collect();
            let by_stage = t("dash-cases-by-stage");
            let mut tables = vec![periodic::pairs_table(
                "cases-by-stage",
                by_stage.clone(),
                (t("dash-stage"), t("dash-cases")),
                &f.by_stage,
                words::stage,
            )];
            for (id, caption, corner, m, name) in parts {
                tables.push(periodic::matrix_table(
                    id,
                    t(caption),
                    t(corner),
                    m,
                    (name, words::stage),
                ));
            }
            let report = Report {
                lines: Vec::new(),
                tables,
            };
            let html = render(&CasesView {
                total: words::count(f.total),
                in_programme: words::count(f.in_programme),
                stage_chart: svg::bars(&by_stage, &named_bars(&f.by_stage, words::stage)),
                stage_table: named_pairs_table(
                    "cases-by-stage",
                    &by_stage,
                    (&t("dash-stage"), &t("dash-cases")),
                    &f.by_stage,
                    words::stage,
                ),
                matrices,
            });
            (to_json(&f), html, report)
        }
        "timing" => {
            let rows = cp::timing(pool, j, period).await?;
            let receive: Vec<Bar> = rows
                .iter()
                .map(|r| Bar::percentiles(r.agency.clone(), r.receive_p50, r.receive_p90))
                .collect();
            let accept: Vec<Bar> = rows
                .iter()
                .map(|r| Bar::percentiles(r.agency.clone(), r.accept_p50, r.accept_p90))
                .collect();
            let html = render(&TimingView {
                receive_chart: svg::bars(&t("dash-receive-chart"), &receive),
                accept_chart: svg::bars(&t("dash-accept-chart"), &accept),
                rows: rows
                    .iter()
                    .map(|r| TimingLine {
                        agency: r.agency.clone(),
                        received: words::count(r.received),
                        receive_p50: fmt_days(r.receive_p50),
                        receive_p90: fmt_days(r.receive_p90),
                        accepted: words::count(r.accepted),
                        accept_p50: fmt_days(r.accept_p50),
                        accept_p90: fmt_days(r.accept_p90),
                    })
                    .collect(),
            });
            let report = Report {
                lines: Vec::new(),
                tables: vec![periodic::ReportTable {
                    id: "timing",
                    caption: t("dash-view-timing"),
                    corner: t("dash-agency"),
                    columns: [
                        ("received", "dash-received"),
                        ("receive_p50", "dash-receive-p50"),
                        ("receive_p90", "dash-receive-p90"),
                        ("accepted", "dash-accepted"),
                        ("accept_p50", "dash-accept-p50"),
                        ("accept_p90", "dash-accept-p90"),
                    ]
                    .into_iter()
                    .map(|(code, id)| (code, t(id)))
                    .collect(),
                    rows: rows
                        .iter()
                        .map(|r| periodic::ReportRow {
                            key: r.agency.clone(),
                            label: r.agency.clone(),
                            cells: vec![
                                words::count(r.received),
                                fmt_days(r.receive_p50),
                                fmt_days(r.receive_p90),
                                words::count(r.accepted),
                                fmt_days(r.accept_p50),
                                fmt_days(r.accept_p90),
                            ],
                            total: false,
                        })
                        .collect(),
                }],
            };
            (json!({ "agencies": rows }), html, report)
        }
        "rejections" => {
            let f = cp::rejections(pool, j, period).await?;
            let html = render(&RejectionsView {
                handovers_chart: svg::bars(
                    &t("dash-rejected-by-reason"),
                    &named_bars(&f.handovers, words::rejection_reason),
                ),
                handovers_table: named_pairs_table(
                    "rejections-handovers",
                    &t("dash-rejected-caption"),
                    (&t("dash-reason"), &t("dash-handovers")),
                    &f.handovers,
                    words::rejection_reason,
                ),
                hub_chart: svg::bars(
                    &t("dash-refused-chart"),
                    &named_bars(&f.hub_refusals, words::refusal_reason),
                ),
                hub_table: named_pairs_table(
                    "rejections-hub",
                    &t("dash-refused-caption"),
                    (&t("dash-reason"), &t("dash-refused")),
                    &f.hub_refusals,
                    words::refusal_reason,
                ),
            });
            let report = Report {
                lines: Vec::new(),
                tables: vec![
                    periodic::pairs_table(
                        "rejections-handovers",
                        t("dash-rejected-caption"),
                        (t("dash-reason"), t("dash-handovers")),
                        &f.handovers,
                        words::rejection_reason,
                    ),
                    periodic::pairs_table(
                        "rejections-hub",
                        t("dash-refused-caption"),
                        (t("dash-reason"), t("dash-refused")),
                        &f.hub_refusals,
                        words::refusal_reason,
                    ),
                ],
            };
            (to_json(&f), html, report)
        }
        "consent" => {
            let f = cp::consent_coverage(pool, j, Utc::now().date_naive()).await?;
            let rows: Vec<&cp::CoverageRow> = f
                .by_region
                .iter()
                .chain(std::iter::once(&f.total))
                .collect();
            let bars: Vec<Bar> = rows
                .iter()
                .map(|r| Bar::rate(words::region(&r.region), r.coverage))
                .collect();
            let report = Report {
                lines: Vec::new(),
                tables: vec![periodic::ReportTable {
                    id: "consent",
                    caption: t("dash-consent-chart"),
                    corner: t("dash-region"),
                    columns: vec![
                        ("open", t("dash-open-cases")),
                        ("with_consent", t("dash-with-consent")),
                        ("coverage", t("dash-coverage")),
                    ],
                    rows: rows
                        .iter()
                        .map(|r| periodic::ReportRow {
                            key: r.region.clone(),
                            label: words::region(&r.region),
                            cells: vec![
                                words::count(r.open_cases),
                                words::count(r.with_consent),
                                words::rate(r.coverage),
                            ],
                            total: r.region == "all",
                        })
                        .collect(),
                }],
            };
            let html = render(&ConsentView {
                chart: svg::bars(&t("dash-consent-chart"), &bars),
                rows: rows.into_iter().map(CoverageLine::of).collect(),
            });
            (to_json(&f), html, report)
        }
        "flows" => {
            let m = cp::flows(pool, j, period).await?;
            let html = render(&FlowsView {
                chart: svg::heatmap(&t("dash-flows-chart"), &m),
                table: matrix_table(
                    "flows",
                    &t("dash-flows-caption"),
                    &t("dash-flows-corner"),
                    &m,
                ),
            });
            let report = Report {
                lines: Vec::new(),
                tables: vec![periodic::matrix_table(
                    "flows",
                    t("dash-flows-caption"),
                    t("dash-flows-corner"),
                    &m,
                    (page::as_is, page::as_is),
                )],
            };
            (to_json(&m), html, report)
        }
        "relocations" => {
            let c = &cp::relocations(pool, j, period, &shared.deadlines.rules).await?;
            let pairs = vec![
                ("requested".to_owned(), c.requested),
                ("confirmed".to_owned(), c.confirmed),
                ("rejected".to_owned(), c.rejected),
                ("open".to_owned(), c.open),
                ("overdue".to_owned(), c.overdue),
            ];
            let by_state = t("dash-relocations-by-state");
            let html = render(&RelocationsView {
                chart: svg::bars(&by_state, &named_bars(&pairs, words::relocation_state)),
                table: named_pairs_table(
                    "relocations",
                    &by_state,
                    (&t("dash-relocation-state"), &t("dash-relocations")),
                    &pairs,
                    words::relocation_state,
                ),
            });
            let report = Report {
                lines: Vec::new(),
                tables: vec![periodic::pairs_table(
                    "relocations",
                    by_state.clone(),
                    (t("dash-relocation-state"), t("dash-relocations")),
                    &pairs,
                    words::relocation_state,
                )],
            };
            (to_json(c), html, report)
        }
        _ => return Err(Failure::NotFound),
    };
    // The period chooser (for the views of a period), the rule and the CSV link above.
    let view_name = page::VIEWS
        .iter()
        .map(|(path, _)| *path)
        .find(|path| *path == name)
        .unwrap_or("cases");
    let chosen =
        matches!(name, "timing" | "rejections" | "flows" | "relocations").then_some(period);
    let head = periodic::html(
        view_name,
        &Report::default(),
        chosen,
        periodic::today(viewer),
    );
    Ok(View {
        title,
        json,
        html: head + &html,
        csv: periodic::csv(&report),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(response: &Response) -> &str {
        response.headers()[header::LOCATION].to_str().unwrap()
    }

    fn cookie(response: &Response) -> Option<&str> {
        response
            .headers()
            .get(header::SET_COOKIE)
            .map(|c| c.to_str().unwrap())
    }

    #[test]
    fn a_choice_of_language_is_kept_and_goes_back_to_the_page() {
        let response = language_chosen(Some("sv"), Some("/dashboard/timing"), false);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/dashboard/timing");
        assert_eq!(
            cookie(&response),
            Some("hub_lang=sv; Path=/; Max-Age=31536000; SameSite=Strict; HttpOnly")
        );
        let secure = language_chosen(Some("nb-NO"), Some("/login"), true);
        assert!(cookie(&secure).unwrap().starts_with("hub_lang=nb;"));
        assert!(cookie(&secure).unwrap().ends_with("; Secure"));
        let unknown = language_chosen(Some("klingon"), Some("/login"), false);
        assert_eq!(cookie(&unknown), None, "no cookie for a language we lack");
        assert_eq!(location(&unknown), "/login");
        // A view's period comes back with it.
        let with_period =
            language_chosen(Some("da"), Some("/dashboard/overdue?period=2025-Q2"), false);
        assert_eq!(location(&with_period), "/dashboard/overdue?period=2025-Q2");
    }

    #[test]
    fn a_choice_of_language_never_sends_the_browser_to_another_site() {
        for back in [
            "//evil.example/x",
            "https://x",
            "/\\evil.example",
            "dashboard",
            "",
            "/a\r\nSet-Cookie: x=y",
        ] {
            let response = language_chosen(Some("da"), Some(back), false);
            assert_eq!(location(&response), "/dashboard", "{back:?}");
        }
        assert_eq!(
            location(&language_chosen(Some("da"), None, false)),
            "/dashboard"
        );
    }

    #[test]
    fn the_language_cookie_decides_over_the_browser_and_the_jurisdiction() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-GB,en"),
        );
        headers.insert(header::COOKIE, HeaderValue::from_static("hub_lang=nb"));
        let lang = words::request_lang(&headers, Some(schemas::Jurisdiction::SE));
        assert_eq!(lang, broker::web::Lang::Nb);
        let words = words::LANG.sync_scope(lang, || Failure::NotFound.words());
        assert_eq!(words, "Denne oversikten finnes ikke.");
        // The JSON API is answered outside a language: its details stay English.
        assert_eq!(Failure::NotFound.words(), "There is no such view.");
    }
}
