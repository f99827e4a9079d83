//! The register of processing activities (GDPR art. 30), served as a page and exportable.
//!
//! - `GET /register`: the register as an HTML page (no script, inline style only);
//! - `GET /api/v1/register`: the same as JSON;
//! - `GET /register.csv` and `GET /register.md`: downloads, one CSV row per activity, and
//!   the Markdown that `docs/register-of-processing.md` is generated as.
//!
//! These routes need no login, on purpose: the register describes what the hub processes and
//! why, which is owed to the public (transparency), and it contains no personal data (it is
//! generated from the catalogue, the statutes, the hard rules, the agency directory and the
//! `[register]` settings, never from messages). The generation itself is
//! [`hub_core::register`]; this module only loads its inputs and renders HTML.

use std::str::FromStr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use hub_core::register::{self, Activity, Register};
use hub_core::{Directory, Policy};

use crate::{Settings, Shared};

/// The register's routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/register", get(page))
        .route("/api/v1/register", get(json))
        .route("/register.csv", get(csv))
        .route("/register.md", get(markdown))
}

/// The register for these settings, policy (as loaded from the settings) and directory.
pub fn generate(
    settings: &Settings,
    policy: &Policy,
    directory: &Directory,
    generated_at: Option<DateTime<Utc>>,
) -> Register {
    let config = settings
        .register
        .to_config(settings.broker.tls.is_some(), &settings.hub);
    register::generate(policy, directory, &config, generated_at)
}

/// A rendering of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON, pretty-printed.
    Json,
    /// CSV, one row per activity.
    Csv,
    /// Markdown.
    Markdown,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "md" => Ok(Format::Markdown),
            other => Err(format!("unknown format {other:?}: json, csv or md")),
        }
    }
}

/// The register in a format.
pub fn render(register: &Register, format: Format) -> String {
    match format {
        Format::Json => {
            serde_json::to_string_pretty(register).expect("the register always serializes") + "\n"
        }
        Format::Csv => register::to_csv(register),
        Format::Markdown => register::to_markdown(register),
    }
}

/// The register as the running hub sees it now: its settings and policy, and the agency
/// directory it routes by (which names the allow-listed agencies).
async fn current(shared: &Shared) -> Result<Register, Response> {
    let directory = shared.directory().await.map_err(|e| {
        tracing::warn!(error = %e, "the register could not read the agency directory");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "The register is not available right now; try again shortly.\n",
        )
            .into_response()
    })?;
    Ok(generate(
        &shared.settings,
        &shared.policy,
        &directory,
        Some(Utc::now()),
    ))
}

fn with_headers(mut response: Response, content_type: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn download(body: String, content_type: &'static str, filename: &'static str) -> Response {
    let mut response = with_headers(body.into_response(), content_type);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(filename),
    );
    response
}

async fn page(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(register) => {
            let html = to_html(&register);
            if html.is_empty() {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            let mut response = with_headers(html.into_response(), "text/html; charset=utf-8");
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                     form-action 'none'; frame-ancestors 'none'",
                ),
            );
            response
        }
        Err(response) => response,
    }
}

async fn json(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(register) => with_headers(
            render(&register, Format::Json).into_response(),
            "application/json",
        ),
        Err(response) => response,
    }
}

async fn csv(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(register) => download(
            render(&register, Format::Csv),
            "text/csv; charset=utf-8; header=present",
            "attachment; filename=\"register-of-processing.csv\"",
        ),
        Err(response) => response,
    }
}

async fn markdown(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(register) => download(
            render(&register, Format::Markdown),
            "text/markdown; charset=utf-8",
            "attachment; filename=\"register-of-processing.md\"",
        ),
        Err(response) => response,
    }
}

use broker::web::escape as esc;

/// Escaped text in which `code spans` become `<code>` elements: HTML this page produces,
/// which the template writes as it is.
fn prose(text: &str) -> String {
    esc(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

const STYLE: &str = "
body { font: 16px/1.5 system-ui, sans-serif; color: #1b1b1b; background: #fff; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
header.site { background: #1f3a5f; color: #fff; padding: .75rem 1.5rem; }
header.site p { margin: 0; font-weight: 600; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; color: #1b1b1b; padding: .5rem; }
a { color: #1f4f99; }
a:focus, .skip:focus { outline: 3px solid #f2a900; outline-offset: 2px; }
h1 { font-size: 1.75rem; margin: 1rem 0 .5rem; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; border-bottom: 1px solid #c8ccd1; padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin-top: 2rem; }
.meta { color: #4a4f55; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #c8ccd1; padding: .4rem .6rem; vertical-align: top; text-align: left; }
thead th { background: #eef1f5; }
tbody th { background: #f7f8fa; width: 16rem; font-weight: 600; }
code { font-family: ui-monospace, monospace; font-size: .9em; background: #f1f3f5; padding: 0 .2em; }
ul.plain { padding-left: 1.2rem; }
dl.controller { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.controller dt { font-weight: 600; }
dl.controller dd { margin: 0; }
";

/// The register's page (`templates/register.html`); every value escaped by the template
/// but the style and the [`prose`] HTML this module produces.
#[derive(askama::Template)]
#[template(path = "register.html")]
struct Page<'a> {
    register: &'a Register,
    style: &'static str,
    /// When it was generated: machine-readable, and as the page writes it.
    generated: Option<(String, String)>,
    /// The notes, as [`prose`].
    notes: Vec<String>,
    activities: Vec<ActivityView<'a>>,
    /// Each purpose's name and description.
    purposes: Vec<(&'static str, &'a str)>,
    categories: Vec<CategoryRow<'a>>,
    /// Each data subject category's label and description.
    subjects: Vec<(String, &'a str)>,
    /// Each allow-listed agency's id, name and role.
    allow: Vec<(&'a str, &'a str, &'static str)>,
    /// Each jurisdiction and its standing.
    transfers: Vec<(String, &'a str)>,
    /// Each measure's id, title and description (as [`prose`]).
    measures: Vec<(&'a str, &'a str, String)>,
    /// Each message type not listed, and why.
    not_listed: Vec<(String, &'a str)>,
}

/// A data category's row.
struct CategoryRow<'a> {
    name: &'static str,
    description: &'a str,
    special: &'static str,
    criminal: &'static str,
}

/// One processing activity's section.
struct ActivityView<'a> {
    number: usize,
    anchor: String,
    name: &'a str,
    id: &'a str,
    /// Its description, as [`prose`].
    description: String,
    /// Its table's rows: the field, and its value.
    rows: Vec<(&'static str, Value)>,
}

/// The value of a row of an activity's table.
enum Value {
    /// Words.
    Text(String),
    /// [`prose`] HTML.
    Prose(String),
    /// A list of [`prose`] HTML, or "none".
    List(Vec<String>),
    /// Links to these security measures, by id.
    Measures(Vec<String>),
}

/// A list of texts as [`prose`].
fn list(items: &[String]) -> Value {
    Value::List(items.iter().map(|i| prose(i)).collect())
}

fn activity_anchor(activity: &Activity) -> String {
    format!("activity-{}", activity.id)
}

fn activity_view(number: usize, a: &Activity) -> ActivityView<'_> {
    let purposes: Vec<String> = a
        .purposes
        .iter()
        .map(|p| match p.code {
            Some(code) => format!("`{}`: {}", register::purpose_name(code), p.description),
            None => p.description.clone(),
        })
        .collect();
    let mut recipients: Vec<String> = a.recipients_note.iter().cloned().collect();
    recipients.extend(a.recipients.iter().map(|g| {
        let categories = if g.categories.is_empty() {
            "no data categories".to_owned()
        } else {
            g.categories
                .iter()
                .map(|c| register::category_name(*c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if g.agencies.is_empty() {
            format!("{}: {categories}", register::role_name(g.role))
        } else {
            let agencies: Vec<String> = g.agencies.iter().map(|a| format!("`{a}`")).collect();
            format!(
                "{} on the protected-location allow-list ({}), in addition: {categories}",
                register::role_name(g.role),
                agencies.join(", ")
            )
        }
    }));
    let mut basis = Vec::new();
    if a.legal_basis.consent {
        basis.push(
            "The person's consent (a version of the consent record), per recipient and category."
                .to_owned(),
        );
    }
    for s in &a.legal_basis.statutes {
        let roles = |roles: &[schemas::AgencyRole]| {
            roles
                .iter()
                .map(|r| register::role_name(*r))
                .collect::<Vec<_>>()
                .join(", ")
        };
        basis.push(format!(
            "`{}` ({:?}): from {} to {}; purposes {}; categories {}.",
            s.reference,
            s.jurisdiction,
            roles(&s.from_roles),
            roles(&s.to_roles),
            s.purposes
                .iter()
                .map(|p| register::purpose_name(*p))
                .collect::<Vec<_>>()
                .join(", "),
            s.categories
                .iter()
                .map(|c| register::category_name(*c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    basis.extend(a.legal_basis.note.iter().cloned());
    ActivityView {
        number,
        anchor: activity_anchor(a),
        name: &a.name,
        id: &a.id,
        description: prose(&a.description),
        rows: vec![
            ("Sent by", Value::Text(a.senders_text())),
            ("Purposes (art. 30(1)(b))", list(&purposes)),
            (
                "Data subjects (art. 30(1)(c))",
                Value::Text(a.data_subjects_text()),
            ),
            (
                "Data categories (art. 30(1)(c))",
                Value::Text(a.categories_text()),
            ),
            ("Other personal data", list(&a.other_data)),
            ("Recipients (art. 30(1)(d))", list(&recipients)),
            ("Legal basis", list(&basis)),
            (
                "Transfers to third countries (art. 30(1)(e))",
                Value::Text(a.third_country_transfers.clone()),
            ),
            (
                "Retention (art. 30(1)(f))",
                Value::Prose(prose(&a.retention.text)),
            ),
            (
                "Security measures (art. 30(1)(g))",
                Value::Measures(a.measures.iter().map(ToString::to_string).collect()),
            ),
        ],
    }
}

/// The register as an accessible HTML page: landmarks, a heading per activity, a table per
/// activity with row headers, no script. A template that fails to render (it cannot: its
/// values are plain strings) is logged and answered with an empty page, never a panic.
pub fn to_html(register: &Register) -> String {
    let yes = |flag: bool| if flag { "yes" } else { "no" };
    let page = Page {
        register,
        style: STYLE,
        generated: register.generated_at.map(|at| {
            (
                at.to_rfc3339(),
                at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            )
        }),
        notes: register.notes.iter().map(|n| prose(n)).collect(),
        activities: register
            .activities
            .iter()
            .enumerate()
            .map(|(i, a)| activity_view(i + 1, a))
            .collect(),
        purposes: register
            .purposes
            .iter()
            .map(|p| {
                (
                    p.code.map(register::purpose_name).unwrap_or_default(),
                    p.description.as_str(),
                )
            })
            .collect(),
        categories: register
            .categories
            .iter()
            .map(|d| CategoryRow {
                name: register::category_name(d.category),
                description: &d.description,
                special: yes(d.special_category),
                criminal: yes(d.criminal_offence),
            })
            .collect(),
        subjects: register
            .data_subjects
            .iter()
            .map(|s| {
                let label = serde_json::to_value(s.subject)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                (label, s.description.as_str())
            })
            .collect(),
        allow: register
            .protected_location_allow
            .iter()
            .map(|a| {
                (
                    a.id.as_str(),
                    a.name.as_deref().unwrap_or("not registered"),
                    a.role.map(register::role_name).unwrap_or_default(),
                )
            })
            .collect(),
        transfers: register
            .transfers
            .jurisdictions
            .iter()
            .map(|j| (format!("{:?}", j.jurisdiction), j.status.as_str()))
            .collect(),
        measures: register
            .measures
            .iter()
            .map(|m| (m.id.as_str(), m.title.as_str(), prose(&m.description)))
            .collect(),
        not_listed: register
            .not_listed
            .iter()
            .map(|n| (n.message_type.to_string(), n.reason.as_str()))
            .collect(),
    };
    askama::Template::render(&page).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the register's template did not render");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dashboard::auth;

    fn shipped() -> Register {
        let settings = Settings::load_with(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config"),
            &[
                ("database.url", "postgres://unused".to_owned()),
                ("hub.contact_point_key", "unused".to_owned()),
            ],
        )
        .unwrap();
        generate(
            &settings,
            &settings.policy().unwrap(),
            &settings.directory(),
            Some(DateTime::<Utc>::UNIX_EPOCH),
        )
    }

    #[test]
    fn the_page_names_every_activity_escapes_text_and_has_no_script() {
        let register = shipped();
        let html = to_html(&register);
        for a in &register.activities {
            assert!(
                html.contains(&format!("<code>{}</code></h3>", a.id)),
                "{}",
                a.id
            );
        }
        for m in &register.measures {
            assert!(html.contains(&format!("id=\"measure-{}\"", m.id)));
        }
        assert!(!html.contains("<script"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("1970-01-01 00:00:00 UTC"));
        assert!(html.contains("Message catalogue version 1."));
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&#60;a href=&#34;x&#34;&#62;&#38;&#39;"
        );
        assert_eq!(
            prose("run `hub audit verify` <now>"),
            "run <code>hub audit verify</code> &#60;now&#62;"
        );
    }

    #[test]
    fn the_shipped_register_names_its_controller_statute_and_protection_unit() {
        let register = shipped();
        assert!(!register.controller.name.contains("Not stated"));
        let release = register
            .activities
            .iter()
            .find(|a| a.id == "ReleaseNotice")
            .unwrap();
        assert_eq!(release.legal_basis.statutes[0].id, "DK-RPL115-KSP");
        assert_eq!(
            register.protected_location_allow[0].id.as_str(),
            "no-politiet-beskyttelse"
        );
        assert!(register.protected_location_allow[0].name.is_some());
    }

    /// The login measure states the numbers the dashboard's login code uses.
    #[test]
    fn the_login_measure_matches_the_login_code() {
        let register = shipped();
        let logins = register
            .measures
            .iter()
            .find(|m| m.id == "dashboard-logins")
            .unwrap();
        for needle in [
            format!("at least {} characters", auth::MIN_PASSWORD),
            format!("lasts {} hours", auth::SESSION_HOURS),
            format!(
                "starts after three in a row and doubles from {} second to at most {} seconds",
                auth::delay_after(auth::Throttle::Name, 4).num_seconds(),
                auth::delay_after(auth::Throttle::Name, i32::MAX / 2).num_seconds()
            ),
        ] {
            assert!(logins.description.contains(&needle), "{needle}");
        }
    }

    #[test]
    fn formats_parse_by_their_short_names() {
        assert_eq!("json".parse::<Format>(), Ok(Format::Json));
        assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        assert!("html".parse::<Format>().is_err());
    }
}
