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

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use self::auth::{AuthError, Viewer};
use self::page::{esc, matrix_table, pairs_table};
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
            let secure = if shared.settings.http.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
                auth::SESSION_HOURS * 3600
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

async fn logout(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = auth::logout(&shared.pool, &token).await
    {
        tracing::error!(error = %e, "ending a dashboard session failed");
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("hub_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
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
    match view(&shared, &viewer, &name).await {
        Ok(v) => broker::web::html(StatusCode::OK, page::page(&viewer, &name, v.title, &v.html)),
        Err(e) => {
            let body = format!(r#"<p class="error" role="alert">{}</p>"#, esc(e.words()));
            broker::web::html(
                e.status(),
                page::page(&viewer, &name, "Not available", &body),
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

async fn view(shared: &Shared, viewer: &Viewer, name: &str) -> Result<View, Failure> {
    let pool = &shared.pool;
    let j = viewer.jurisdiction;
    let title = page::VIEWS
        .iter()
        .find(|(path, _)| *path == name)
        .map(|(_, title)| *title)
        .ok_or(Failure::NotFound)?;
    let mut html = String::new();
    let json = match name {
        "cases" => {
            let f = cp::cases(pool, j, Utc::now().date_naive()).await?;
            let _ = write!(
                html,
                r#"<div class="figures"><div class="figure">Cases in all<strong id="cases-total">{}</strong></div></div>"#,
                f.total
            );
            let stage_bars: Vec<Bar> = f
                .by_stage
                .iter()
                .map(|(s, c)| Bar::count(s.clone(), *c))
                .collect();
            html.push_str(&svg::bars("Cases by stage", &stage_bars));
            html.push_str(&pairs_table(
                "cases-by-stage",
                "Cases by stage",
                ("Stage", "Cases"),
                &f.by_stage,
            ));
            for (id, caption, corner, m) in [
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
            ] {
                let totals: Vec<Bar> = m
                    .rows
                    .iter()
                    .map(|r| Bar::count(r.label.clone(), r.total))
                    .collect();
                let _ = write!(html, "<h3>{}</h3>", esc(caption));
                html.push_str(&svg::bars(caption, &totals));
                html.push_str(&matrix_table(id, caption, corner, m));
            }
            to_json(&f)
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
            let _ = write!(
                html,
                r#"<div class="figures"><div class="figure">Overdue and still open<strong id="overdue-open">{}</strong></div><div class="figure">Overdue, answered since<strong id="overdue-answered">{}</strong></div></div>"#,
                f.open, f.answered_late
            );
            let bars: Vec<Bar> = f
                .by_agency
                .iter()
                .map(|(a, c)| Bar::count(a.clone(), *c))
                .collect();
            html.push_str(&svg::bars("Overdue handovers by the agency asked", &bars));
            html.push_str(&pairs_table(
                "overdue-by-agency",
                "Overdue handovers by the agency asked",
                ("Agency asked", "Overdue handovers"),
                &f.by_agency,
            ));
            match &f.rows {
                Some(rows) => {
                    html.push_str(
                        r#"<table id="overdue-rows"><caption>Overdue handovers, newest first (pseudonyms of the contact point's own key)</caption><thead><tr><th scope="col">Person</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Case stage</th><th scope="col">Handover</th><th scope="col">Requested</th><th scope="col">Days waiting</th><th scope="col">Escalations</th></tr></thead><tbody>"#,
                    );
                    for r in rows {
                        let escalations: Vec<String> = r
                            .escalations
                            .iter()
                            .map(|e| {
                                let to = if e.level == "Double" { "contact point" } else { "coordinator" };
                                format!("{} to {to} on {}", e.deadline, e.sent_on)
                            })
                            .collect();
                        let withheld = "withheld (relocated case)";
                        let _ = write!(
                            html,
                            r#"<tr data-pseudonym="{p}"><th scope="row">{p}</th><td>{from}</td><td>{to}</td><td>{stage}</td><td>{state}</td><td>{req}</td><td>{days}</td><td>{esc_}</td></tr>"#,
                            p = esc(r.pseudonym.as_str()),
                            from = esc(r.from_agency.as_deref().unwrap_or(withheld)),
                            to = esc(r.to_agency.as_deref().unwrap_or(withheld)),
                            stage = esc(&r.stage),
                            state = esc(&r.state),
                            req = r.requested_on,
                            days = r.days_waiting,
                            esc_ = esc(&escalations.join("; ")),
                        );
                    }
                    if rows.is_empty() {
                        html.push_str(r#"<tr><td colspan="8">None.</td></tr>"#);
                    }
                    html.push_str("</tbody></table>");
                }
                None => html.push_str(
                    r#"<p class="note" id="rows-withheld">The rows of overdue handovers are shown to analysts only; your role sees the counts.</p>"#,
                ),
            }
            to_json(&f)
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
            html.push_str("<p class=\"note\">Days from the request. Bars are medians, red marks the 90th percentile; an agency with fewer than 5 handovers shows none.</p>");
            html.push_str("<h3>Time to receive</h3>");
            html.push_str(&svg::bars(
                "Days to receive a handover: median and 90th percentile",
                &receive,
            ));
            html.push_str("<h3>Time to accept</h3>");
            html.push_str(&svg::bars(
                "Days to accept a handover: median and 90th percentile",
                &accept,
            ));
            html.push_str(r#"<table id="timing"><caption>Time to receive and to accept, per agency asked (days)</caption><thead><tr><th scope="col">Agency asked</th><th scope="col">Received</th><th scope="col">Receive p50</th><th scope="col">Receive p90</th><th scope="col">Accepted</th><th scope="col">Accept p50</th><th scope="col">Accept p90</th></tr></thead><tbody>"#);
            for r in &rows {
                let a = esc(&r.agency);
                let _ = write!(
                    html,
                    r#"<tr><th scope="row">{a}</th><td data-row="{a}" data-col="received">{}</td><td data-row="{a}" data-col="receive_p50">{}</td><td data-row="{a}" data-col="receive_p90">{}</td><td data-row="{a}" data-col="accepted">{}</td><td data-row="{a}" data-col="accept_p50">{}</td><td data-row="{a}" data-col="accept_p90">{}</td></tr>"#,
                    r.received,
                    fmt_days(r.receive_p50),
                    fmt_days(r.receive_p90),
                    r.accepted,
                    fmt_days(r.accept_p50),
                    fmt_days(r.accept_p90),
                );
            }
            html.push_str("</tbody></table>");
            json!({ "agencies": rows })
        }
        "rejections" => {
            let f = cp::rejections(pool, j).await?;
            let bars = |pairs: &[(String, cp::Count)]| -> Vec<Bar> {
                pairs
                    .iter()
                    .map(|(l, c)| Bar::count(l.clone(), *c))
                    .collect()
            };
            html.push_str("<h3>Handovers rejected, by reason</h3>");
            html.push_str(&svg::bars(
                "Handovers rejected, by reason",
                &bars(&f.handovers),
            ));
            html.push_str(&pairs_table(
                "rejections-handovers",
                "Handovers rejected, by the receiving agency's reason",
                ("Reason", "Handovers"),
                &f.handovers,
            ));
            html.push_str("<h3>Refused by the hub, by reason code</h3>");
            html.push_str(&svg::bars(
                "Messages and recipients refused by the hub",
                &bars(&f.hub_refusals),
            ));
            html.push_str(&pairs_table(
                "rejections-hub",
                "Messages and recipients refused by the hub (senders of this jurisdiction)",
                ("Reason code", "Refused"),
                &f.hub_refusals,
            ));
            to_json(&f)
        }
        "consent" => {
            let f = cp::consent_coverage(pool, j, Utc::now().date_naive()).await?;
            let bars: Vec<Bar> = f
                .by_region
                .iter()
                .chain(std::iter::once(&f.total))
                .map(|r| Bar::rate(r.region.clone(), r.coverage))
                .collect();
            html.push_str(&svg::bars(
                "Open cases with a consent in force, per cent",
                &bars,
            ));
            html.push_str(r#"<table id="consent"><caption>Consent coverage of open cases, by region of the owning agency</caption><thead><tr><th scope="col">Region</th><th scope="col">Open cases</th><th scope="col">With consent in force</th><th scope="col">Coverage</th></tr></thead><tbody>"#);
            for r in f.by_region.iter().chain(std::iter::once(&f.total)) {
                let g = esc(&r.region);
                let _ = write!(
                    html,
                    r#"<tr><th scope="row">{g}</th><td data-row="{g}" data-col="open">{}</td><td data-row="{g}" data-col="with_consent">{}</td><td data-row="{g}" data-col="coverage">{}</td></tr>"#,
                    r.open_cases, r.with_consent, r.coverage
                );
            }
            html.push_str("</tbody></table>");
            to_json(&f)
        }
        "outcomes" => {
            let f = cp::outcomes(pool, j).await?;
            let all: Vec<&cp::OutcomeRow> = f
                .by_region
                .iter()
                .chain(std::iter::once(&f.total))
                .collect();
            html.push_str("<h3>No new serious charge 12 months after</h3>");
            html.push_str(&svg::bars(
                "No new serious charge 12 months after the end, per cent",
                &all.iter()
                    .map(|r| Bar::rate(r.region.clone(), r.no_new_charge))
                    .collect::<Vec<_>>(),
            ));
            html.push_str("<h3>In education or a job 3 months after</h3>");
            html.push_str(&svg::bars(
                "In education or a job 3 months after the end, per cent",
                &all.iter()
                    .map(|r| Bar::rate(r.region.clone(), r.in_education_or_job))
                    .collect::<Vec<_>>(),
            ));
            html.push_str(r#"<table id="outcomes"><caption>Outcome rates from outcome reports, by region of the reporting agency</caption><thead><tr><th scope="col">Region</th><th scope="col">Reports</th><th scope="col">Charge known</th><th scope="col">No new serious charge</th><th scope="col">Occupation known</th><th scope="col">In education or job</th></tr></thead><tbody>"#);
            for r in &all {
                let g = esc(&r.region);
                let _ = write!(
                    html,
                    r#"<tr><th scope="row">{g}</th><td data-row="{g}" data-col="reports">{}</td><td data-row="{g}" data-col="charge_known">{}</td><td data-row="{g}" data-col="no_new_charge">{}</td><td data-row="{g}" data-col="occupation_known">{}</td><td data-row="{g}" data-col="in_education_or_job">{}</td></tr>"#,
                    r.reports,
                    r.charge_known,
                    r.no_new_charge,
                    r.occupation_known,
                    r.in_education_or_job
                );
            }
            html.push_str("</tbody></table>");
            html.push_str(&pairs_table(
                "outcomes-end-reasons",
                "Outcome reports by end reason",
                ("End reason", "Reports"),
                &f.end_reasons,
            ));
            to_json(&f)
        }
        "flows" => {
            let m = cp::flows(pool, j).await?;
            html.push_str("<p class=\"note\">Handovers from the agency in the row to the agency in the column. Relocations are not included: they are counted under Relocations only.</p>");
            html.push_str(&svg::heatmap("Handovers from agency to agency", &m));
            html.push_str(&matrix_table(
                "flows",
                "Handovers from agency (row) to agency (column)",
                "From \\ to",
                &m,
            ));
            to_json(&m)
        }
        "relocations" => {
            let counts = cp::relocation_counts(pool, Some(j)).await?;
            html.push_str("<p class=\"note\">Relocations are counted only: no person, case or agency of a relocation is shown, because the new town must not leak.</p>");
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
            let bars: Vec<Bar> = pairs
                .iter()
                .map(|(l, n)| Bar::count(l.clone(), *n))
                .collect();
            html.push_str(&svg::bars("Relocations by where they stand", &bars));
            html.push_str(&pairs_table(
                "relocations",
                "Relocations by where they stand",
                ("", "Relocations"),
                &pairs,
            ));
            to_json(c)
        }
        _ => return Err(Failure::NotFound),
    };
    Ok(View { title, json, html })
}
