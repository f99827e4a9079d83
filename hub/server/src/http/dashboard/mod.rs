//! The national contact point's dashboard: a page per view at `/dashboard/{view}`, and the
//! same figures as JSON at `/api/v1/dashboard/{view}`, both behind a login ([`auth`]).
//!
//! Each view is computed once ([`view`]) and rendered twice, so the page and the API cannot
//! disagree. The figures come from [`crate::contact_point`], which applies the suppression
//! rules and the contact point's own pseudonyms; a viewer sees its own jurisdiction only,
//! and only an analyst sees pseudonymous rows.

pub mod auth;
pub mod page;
pub mod svg;

use std::sync::Arc;

use axum::Router;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use self::auth::{AuthError, Viewer};
use self::page::{esc, matrix_table, pairs_table, render};
use self::svg::Bar;
use crate::Shared;
use crate::contact_point as cp;

const COOKIE: &str = "hub_session";

/// The dashboard's pages and API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/assets/dashboard.css", get(page::stylesheet))
        .route("/logout", post(logout))
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
    Unexpected(sqlx::Error),
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
            Failure::Unexpected(e) => {
                tracing::error!(error = %e, "reading the contact point's figures failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::NotFound => "unknown_view",
            Failure::Unexpected(_) => "unavailable",
        }
    }

    fn words(&self) -> &'static str {
        match self {
            Failure::NotFound => "There is no such view.",
            Failure::Unexpected(_) => "The figures could not be read just now. Try again shortly.",
        }
    }
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

async fn login_form() -> Html<String> {
    Html(page::login_page(None))
}

async fn login(
    State(shared): State<Arc<Shared>>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    // Before any credential is looked at (the guard refuses it too; this keeps the rule here).
    if !broker::web::same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            Html(page::login_page(Some(
                "This sign-in form was sent from another site. Open the sign-in page and try again.",
            ))),
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
                Html(page::login_page(Some(
                    "Signing in is not possible just now. Try again shortly.",
                ))),
            )
                .into_response()
        }
        Err(e) => {
            tracing::info!(reason = %e, "dashboard login refused");
            let status = if matches!(e, AuthError::Throttled(_)) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            (
                status,
                Html(page::login_page(Some(&capitalised(&e.to_string())))),
            )
                .into_response()
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".")
        .unwrap_or_default()
}

/// The sign-out form: its CSRF token ([`page::csrf_token`]).
#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session on the server and in the browser, if the form carries
/// the session's CSRF token; without it, the session stays and the answer says why.
async fn logout(
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
                page::login_page(Some(
                    "This sign-out did not come from the dashboard's own page, so you are still signed in. Open the dashboard and use its Sign out button.",
                )),
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

async fn view_page(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let viewer = match current_viewer(&shared, &headers).await {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return (e.status(), Html(esc(e.words()))).into_response(),
    };
    let csrf = session_token(&headers)
        .map(|token| page::csrf_token(&token))
        .unwrap_or_default();
    match view(&shared, &viewer, &name).await {
        Ok(v) => broker::web::html(
            StatusCode::OK,
            page::page(&viewer, &name, v.title, &csrf, &v.html),
        ),
        Err(e) => {
            let body = render(&Unavailable { words: e.words() });
            broker::web::html(
                e.status(),
                page::page(&viewer, &name, "Not available", &csrf, &body),
            )
        }
    }
}

async fn view_json(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
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
    match view(&shared, &viewer, &name).await {
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
    title: &'static str,
    json: serde_json::Value,
    html: String,
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn fmt_days(d: Option<f64>) -> String {
    d.map_or_else(|| "–".to_owned(), |d| format!("{d:.1}"))
}

/// The cases view (`templates/dashboard/cases.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/cases.html")]
struct CasesView {
    total: cp::Count,
    stage_chart: String,
    stage_table: String,
    /// Per matrix: its caption, its chart and its table.
    matrices: Vec<(&'static str, String, String)>,
}

/// The overdue view (`templates/dashboard/overdue.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/overdue.html")]
struct OverdueView {
    open: cp::Count,
    answered_late: cp::Count,
    chart: String,
    table: String,
    /// The rows, for an analyst; none for a role that sees counts only.
    rows: Option<Vec<OverdueLine>>,
}

/// One overdue handover as the table writes it.
struct OverdueLine {
    pseudonym: String,
    from: String,
    to: String,
    stage: String,
    state: String,
    requested_on: chrono::NaiveDate,
    days_waiting: i64,
    escalations: String,
}

impl OverdueLine {
    fn of(r: &cp::OverdueRow) -> Self {
        let withheld = "withheld (relocated case)";
        let escalations: Vec<String> = r
            .escalations
            .iter()
            .map(|e| {
                let to = if e.level == "Double" {
                    "contact point"
                } else {
                    "coordinator"
                };
                format!("{} to {to} on {}", e.deadline, e.sent_on)
            })
            .collect();
        OverdueLine {
            pseudonym: r.pseudonym.as_str().to_owned(),
            from: r.from_agency.as_deref().unwrap_or(withheld).to_owned(),
            to: r.to_agency.as_deref().unwrap_or(withheld).to_owned(),
            stage: r.stage.clone(),
            state: r.state.clone(),
            requested_on: r.requested_on,
            days_waiting: r.days_waiting,
            escalations: escalations.join("; "),
        }
    }
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
    received: cp::Count,
    receive_p50: String,
    receive_p90: String,
    accepted: cp::Count,
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
struct ConsentView<'a> {
    chart: String,
    rows: Vec<&'a cp::CoverageRow>,
}

/// The outcomes view (`templates/dashboard/outcomes.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/outcomes.html")]
struct OutcomesView<'a> {
    charge_chart: String,
    occupation_chart: String,
    rows: Vec<&'a cp::OutcomeRow>,
    end_reasons_table: String,
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

fn count_bars(pairs: &[(String, cp::Count)]) -> Vec<Bar> {
    pairs
        .iter()
        .map(|(l, c)| Bar::count(l.clone(), *c))
        .collect()
}

async fn view(shared: &Shared, viewer: &Viewer, name: &str) -> Result<View, Failure> {
    let pool = &shared.pool;
    let j = viewer.jurisdiction;
    let title = page::VIEWS
        .iter()
        .find(|(path, _)| *path == name)
        .map(|(_, title)| *title)
        .ok_or(Failure::NotFound)?;
    let (json, html) = match name {
        "cases" => {
            let f = cp::cases(pool, j, Utc::now().date_naive()).await?;
            let matrices = [
                (
                    "cases-by-programme",
                    "Cases by programme and stage",
                    "Programme",
                    &f.by_programme,
                ),
                (
                    "cases-by-region",
                    "Cases by region and stage",
                    "Region",
                    &f.by_region,
                ),
                (
                    "cases-by-agency",
                    "Cases by owning agency and stage",
                    "Agency",
                    &f.by_agency,
                ),
            ]
            .into_iter()
            .map(|(id, caption, corner, m)| {
                let totals: Vec<Bar> = m
                    .rows
                    .iter()
                    .map(|r| Bar::count(r.label.clone(), r.total))
                    .collect();
                (
                    caption,
                    svg::bars(caption, &totals),
                    matrix_table(id, caption, corner, m),
                )
            })
            .collect();
            let html = render(&CasesView {
                total: f.total,
                stage_chart: svg::bars("Cases by stage", &count_bars(&f.by_stage)),
                stage_table: pairs_table(
                    "cases-by-stage",
                    "Cases by stage",
                    ("Stage", "Cases"),
                    &f.by_stage,
                ),
                matrices,
            });
            (to_json(&f), html)
        }
        "overdue" => {
            let with_rows = viewer.role.sees_rows();
            let f = cp::overdue(
                pool,
                j,
                &shared.deadlines.contact_point_key,
                Utc::now(),
                with_rows,
            )
            .await?;
            let html = render(&OverdueView {
                open: f.open,
                answered_late: f.answered_late,
                chart: svg::bars(
                    "Overdue handovers by the agency asked",
                    &count_bars(&f.by_agency),
                ),
                table: pairs_table(
                    "overdue-by-agency",
                    "Overdue handovers by the agency asked",
                    ("Agency asked", "Overdue handovers"),
                    &f.by_agency,
                ),
                rows: f
                    .rows
                    .as_ref()
                    .map(|rows| rows.iter().map(OverdueLine::of).collect()),
            });
            (to_json(&f), html)
        }
        "timing" => {
            let rows = cp::timing(pool, j).await?;
            let receive: Vec<Bar> = rows
                .iter()
                .map(|r| Bar::percentiles(r.agency.clone(), r.receive_p50, r.receive_p90))
                .collect();
            let accept: Vec<Bar> = rows
                .iter()
                .map(|r| Bar::percentiles(r.agency.clone(), r.accept_p50, r.accept_p90))
                .collect();
            let html = render(&TimingView {
                receive_chart: svg::bars(
                    "Days to receive a handover: median and 90th percentile",
                    &receive,
                ),
                accept_chart: svg::bars(
                    "Days to accept a handover: median and 90th percentile",
                    &accept,
                ),
                rows: rows
                    .iter()
                    .map(|r| TimingLine {
                        agency: r.agency.clone(),
                        received: r.received,
                        receive_p50: fmt_days(r.receive_p50),
                        receive_p90: fmt_days(r.receive_p90),
                        accepted: r.accepted,
                        accept_p50: fmt_days(r.accept_p50),
                        accept_p90: fmt_days(r.accept_p90),
                    })
                    .collect(),
            });
            (json!({ "agencies": rows }), html)
        }
        "rejections" => {
            let f = cp::rejections(pool, j).await?;
            let html = render(&RejectionsView {
                handovers_chart: svg::bars(
                    "Handovers rejected, by reason",
                    &count_bars(&f.handovers),
                ),
                handovers_table: pairs_table(
                    "rejections-handovers",
                    "Handovers rejected, by the receiving agency's reason",
                    ("Reason", "Handovers"),
                    &f.handovers,
                ),
                hub_chart: svg::bars(
                    "Messages and recipients refused by the hub",
                    &count_bars(&f.hub_refusals),
                ),
                hub_table: pairs_table(
                    "rejections-hub",
                    "Messages and recipients refused by the hub (senders of this jurisdiction)",
                    ("Reason code", "Refused"),
                    &f.hub_refusals,
                ),
            });
            (to_json(&f), html)
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
                .map(|r| Bar::rate(r.region.clone(), r.coverage))
                .collect();
            let html = render(&ConsentView {
                chart: svg::bars("Open cases with a consent in force, per cent", &bars),
                rows,
            });
            (to_json(&f), html)
        }
        "outcomes" => {
            let f = cp::outcomes(pool, j).await?;
            let rows: Vec<&cp::OutcomeRow> = f
                .by_region
                .iter()
                .chain(std::iter::once(&f.total))
                .collect();
            let rate_bars = |rate: fn(&cp::OutcomeRow) -> cp::Rate| -> Vec<Bar> {
                rows.iter()
                    .map(|r| Bar::rate(r.region.clone(), rate(r)))
                    .collect()
            };
            let html = render(&OutcomesView {
                charge_chart: svg::bars(
                    "No new serious charge 12 months after the end, per cent",
                    &rate_bars(|r| r.no_new_charge),
                ),
                occupation_chart: svg::bars(
                    "In education or a job 3 months after the end, per cent",
                    &rate_bars(|r| r.in_education_or_job),
                ),
                end_reasons_table: pairs_table(
                    "outcomes-end-reasons",
                    "Outcome reports by end reason",
                    ("End reason", "Reports"),
                    &f.end_reasons,
                ),
                rows,
            });
            (to_json(&f), html)
        }
        "flows" => {
            let m = cp::flows(pool, j).await?;
            let html = render(&FlowsView {
                chart: svg::heatmap("Handovers from agency to agency", &m),
                table: matrix_table(
                    "flows",
                    "Handovers from agency (row) to agency (column)",
                    "From \\ to",
                    &m,
                ),
            });
            (to_json(&m), html)
        }
        "relocations" => {
            let counts = cp::relocation_counts(pool, Some(j)).await?;
            let zero = cp::RelocationCounts {
                requested: cp::Count::of(0),
                confirmed: cp::Count::of(0),
                rejected: cp::Count::of(0),
                open: cp::Count::of(0),
                overdue: cp::Count::of(0),
            };
            let c = counts.values().next().unwrap_or(&zero);
            let pairs = vec![
                ("requested".to_owned(), c.requested),
                ("confirmed".to_owned(), c.confirmed),
                ("rejected".to_owned(), c.rejected),
                ("open".to_owned(), c.open),
                ("overdue".to_owned(), c.overdue),
            ];
            let html = render(&RelocationsView {
                chart: svg::bars("Relocations by where they stand", &count_bars(&pairs)),
                table: pairs_table(
                    "relocations",
                    "Relocations by where they stand",
                    ("", "Relocations"),
                    &pairs,
                ),
            });
            (to_json(c), html)
        }
        _ => return Err(Failure::NotFound),
    };
    Ok(View { title, json, html })
}
