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

use std::fmt::Write as _;
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
    let config = settings.register.to_config(settings.broker.tls.is_some());
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
            let mut response = with_headers(
                to_html(&register).into_response(),
                "text/html; charset=utf-8",
            );
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

/// Escaped text in which `code spans` become `<code>` elements.
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

fn row(html: &mut String, field: &str, value: &str) {
    let _ = writeln!(
        html,
        "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
        esc(field),
        value
    );
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    let mut out = String::from("<ul class=\"plain\">");
    for item in items {
        let _ = write!(out, "<li>{}</li>", prose(item));
    }
    out.push_str("</ul>");
    out
}

fn activity_anchor(activity: &Activity) -> String {
    format!("activity-{}", activity.id)
}

fn activity_section(html: &mut String, number: usize, a: &Activity) {
    let anchor = activity_anchor(a);
    let _ = writeln!(html, "<section aria-labelledby=\"{anchor}\">");
    let _ = writeln!(
        html,
        "<h3 id=\"{anchor}\">{number}. {} <code>{}</code></h3>",
        esc(&a.name),
        esc(&a.id)
    );
    let _ = writeln!(html, "<p>{}</p>", prose(&a.description));
    let _ = writeln!(
        html,
        "<table>\n<caption>{} at a glance</caption>\n<tbody>",
        esc(&a.name)
    );
    row(html, "Sent by", &esc(&a.senders_text()));
    let purposes: Vec<String> = a
        .purposes
        .iter()
        .map(|p| match p.code {
            Some(code) => format!("`{}`: {}", register::purpose_name(code), p.description),
            None => p.description.clone(),
        })
        .collect();
    row(html, "Purposes (art. 30(1)(b))", &list(&purposes));
    row(
        html,
        "Data subjects (art. 30(1)(c))",
        &esc(&a.data_subjects_text()),
    );
    row(
        html,
        "Data categories (art. 30(1)(c))",
        &esc(&a.categories_text()),
    );
    row(html, "Other personal data", &list(&a.other_data));
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
    row(html, "Recipients (art. 30(1)(d))", &list(&recipients));
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
    row(html, "Legal basis", &list(&basis));
    row(
        html,
        "Transfers to third countries (art. 30(1)(e))",
        &esc(&a.third_country_transfers),
    );
    row(html, "Retention (art. 30(1)(f))", &prose(&a.retention.text));
    let measures: Vec<String> = a
        .measures
        .iter()
        .map(|m| format!("<a href=\"#measure-{m}\">{}</a>", esc(m)))
        .collect();
    row(
        html,
        "Security measures (art. 30(1)(g))",
        &measures.join(", "),
    );
    let _ = writeln!(html, "</tbody>\n</table>\n</section>");
}

/// The register as an accessible HTML page: landmarks, a heading per activity, a table per
/// activity with row headers, no script.
pub fn to_html(register: &Register) -> String {
    let mut html = String::new();
    let h = &mut html;
    let _ = writeln!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · Handover hub</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&register.title)
    );
    let _ = writeln!(
        h,
        "<a class=\"skip\" href=\"#main\">Skip to content</a>\n\
         <header class=\"site\"><p>Handover hub</p></header>\n<main id=\"main\">"
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&register.title));
    let generated = match register.generated_at {
        Some(at) => format!(
            " Generated <time datetime=\"{}\">{}</time>.",
            at.to_rfc3339(),
            at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => String::new(),
    };
    let _ = writeln!(
        h,
        "<p class=\"meta\">Message catalogue version {}.{generated}</p>",
        register.catalogue_version
    );
    let _ = writeln!(
        h,
        "<p>This page is public and needs no login: it describes what the hub processes and \
         why, and holds no personal data. Download it as \
         <a href=\"/register.csv\">CSV</a>, <a href=\"/register.md\">Markdown</a> or \
         <a href=\"/api/v1/register\">JSON</a>.</p>"
    );

    let c = &register.controller;
    let _ = writeln!(
        h,
        "<section aria-labelledby=\"controller\">\n<h2 id=\"controller\">Controller</h2>\n\
         <dl class=\"controller\">\n<dt>Controller</dt><dd>{}</dd>\n<dt>Contact</dt><dd>{}</dd>\n\
         <dt>Data protection officer</dt><dd>{}</dd>\n</dl>\n</section>",
        esc(&c.name),
        esc(&c.contact),
        esc(&c.dpo_contact)
    );

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"about\">\n<h2 id=\"about\">About this register</h2>\n{}\n</section>",
        list(&register.notes)
    );

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"activities\">\n<h2 id=\"activities\">Processing activities</h2>\n<nav aria-label=\"Activities\"><ol>"
    );
    for a in &register.activities {
        let _ = writeln!(
            h,
            "<li><a href=\"#{}\">{}</a> <code>{}</code></li>",
            activity_anchor(a),
            esc(&a.name),
            esc(&a.id)
        );
    }
    let _ = writeln!(h, "</ol></nav>");
    for (i, a) in register.activities.iter().enumerate() {
        activity_section(h, i + 1, a);
    }
    let _ = writeln!(h, "</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"purposes\">\n<h2 id=\"purposes\">Purposes</h2>\n<table>\n\
         <caption>The purposes a message may name</caption>\n\
         <thead><tr><th scope=\"col\">Purpose</th><th scope=\"col\">What for</th></tr></thead>\n<tbody>"
    );
    for p in &register.purposes {
        let code = p.code.map(register::purpose_name).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td><code>{code}</code></td><td>{}</td></tr>",
            esc(&p.description)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"categories\">\n<h2 id=\"categories\">Data categories</h2>\n<table>\n\
         <caption>The data categories of the domain and their sensitivity</caption>\n\
         <thead><tr><th scope=\"col\">Category</th><th scope=\"col\">What it holds</th>\
         <th scope=\"col\">Special category (art. 9)</th><th scope=\"col\">Criminal offences (art. 10)</th></tr></thead>\n<tbody>"
    );
    for d in &register.categories {
        let yes = |flag: bool| if flag { "yes" } else { "no" };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            register::category_name(d.category),
            esc(&d.description),
            yes(d.special_category),
            yes(d.criminal_offence)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"subjects\">\n<h2 id=\"subjects\">Data subjects</h2>\n<table>\n\
         <caption>The categories of data subjects</caption>\n\
         <thead><tr><th scope=\"col\">Category</th><th scope=\"col\">Who</th></tr></thead>\n<tbody>"
    );
    for s in &register.data_subjects {
        let label = serde_json::to_value(s.subject)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(&label),
            esc(&s.description)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"allow-list\">\n<h2 id=\"allow-list\">Protected-location allow-list</h2>"
    );
    if register.protected_location_allow.is_empty() {
        let _ = writeln!(
            h,
            "<p>Empty: only the destination municipality of a relocation request receives a protected location.</p>"
        );
    } else {
        let _ = writeln!(
            h,
            "<table>\n<caption>Agencies that may receive PROTECTED_LOCATION besides a relocation's destination</caption>\n\
             <thead><tr><th scope=\"col\">Agency</th><th scope=\"col\">Name</th><th scope=\"col\">Role</th></tr></thead>\n<tbody>"
        );
        for a in &register.protected_location_allow {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(a.id.as_str()),
                esc(a.name.as_deref().unwrap_or("not registered")),
                a.role.map(register::role_name).unwrap_or_default()
            );
        }
        let _ = writeln!(h, "</tbody>\n</table>");
    }
    let _ = writeln!(h, "</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"transfers\">\n<h2 id=\"transfers\">Transfers to third countries</h2>\n<p>{}</p>\n<table>\n\
         <caption>Where recipients can be</caption>\n\
         <thead><tr><th scope=\"col\">Jurisdiction</th><th scope=\"col\">Standing</th></tr></thead>\n<tbody>",
        esc(&register.transfers.note)
    );
    for j in &register.transfers.jurisdictions {
        let _ = writeln!(
            h,
            "<tr><td>{:?}</td><td>{}</td></tr>",
            j.jurisdiction,
            esc(&j.status)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"measures\">\n<h2 id=\"measures\">Security measures (art. 32)</h2>"
    );
    for m in &register.measures {
        let _ = writeln!(
            h,
            "<h3 id=\"measure-{}\">{}</h3>\n<p>{}</p>",
            esc(&m.id),
            esc(&m.title),
            prose(&m.description)
        );
    }
    let _ = writeln!(h, "</section>");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"not-listed\">\n<h2 id=\"not-listed\">Message types not listed</h2>\n<ul class=\"plain\">"
    );
    for n in &register.not_listed {
        let _ = writeln!(
            h,
            "<li><code>{}</code>: {}</li>",
            n.message_type,
            esc(&n.reason)
        );
    }
    let _ = writeln!(h, "</ul>\n</section>\n</main>\n</body>\n</html>");
    html
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
            "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
        );
        assert_eq!(
            prose("run `hub audit verify` <now>"),
            "run <code>hub audit verify</code> &lt;now&gt;"
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
