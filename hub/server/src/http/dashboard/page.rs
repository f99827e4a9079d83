//! The dashboard's page frame: one layout, plain HTML and a stylesheet, no JavaScript.

use std::fmt::Write;

use crate::contact_point::{Count, Matrix};

use super::auth::Viewer;

pub use broker::web::escape as esc;

/// The views, in the navigation's order: path segment and title.
pub const VIEWS: [(&str, &str); 8] = [
    ("cases", "Cases"),
    ("overdue", "Overdue handovers"),
    ("timing", "Time to receive and accept"),
    ("rejections", "Rejections and refusals"),
    ("consent", "Consent coverage"),
    ("outcomes", "Outcomes"),
    ("flows", "Flows between agencies"),
    ("relocations", "Relocations"),
];

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;background:#fafafa;line-height:1.45}
header{background:#1f3b63;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between;align-items:center;flex-wrap:wrap;gap:.5rem}
header h1{font-size:1.2rem;margin:0}
header form{display:inline}
header button{background:#fff;color:#1f3b63;border:0;padding:.35rem .8rem;border-radius:3px;cursor:pointer}
nav{background:#e8edf4;padding:.4rem 1.5rem}
nav a{margin-right:1rem;color:#1f3b63}
nav a[aria-current=page]{font-weight:bold;text-decoration:none}
main{padding:1rem 1.5rem;max-width:1100px}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;background:#fff}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{border:1px solid #ccd;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
#overdue-rows td{text-align:left}
thead th{background:#eef1f6}
.note{color:#444;max-width:60rem}
.chart{display:block;margin:1rem 0;max-width:100%;height:auto}
.error{background:#fde8e8;border-left:4px solid #c0392b;padding:.5rem 1rem}
.figures{display:flex;gap:1rem;flex-wrap:wrap}
.figure{background:#fff;border:1px solid #ccd;padding:.8rem 1rem;min-width:12rem}
.figure strong{display:block;font-size:1.6rem}
label{display:block;margin-top:.6rem}
input{font-size:1rem;padding:.3rem}
"#;

/// `GET /assets/dashboard.css`: the pages' styles, a file of their own so the pages' CSP
/// allows styles from the server only (no inline styles).
pub async fn stylesheet() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "max-age=300"),
        ],
        STYLE,
    )
        .into_response()
}

/// The dashboard's frame (`templates/dashboard.html`); every value escaped by the template,
/// `main` the view's own HTML.
#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct Frame<'a> {
    title: &'a str,
    jurisdiction: String,
    name: &'a str,
    role: &'static str,
    views: &'static [(&'static str, &'static str)],
    current: &'a str,
    main: &'a str,
}

/// The login page (`templates/login.html`).
#[derive(askama::Template)]
#[template(path = "login.html")]
struct Login<'a> {
    error: Option<&'a str>,
}

/// Renders a template; a template that fails (it cannot: its values are plain strings) is
/// logged and answered with an empty page rather than a panic.
fn render(template: &impl askama::Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a dashboard template did not render");
        String::new()
    })
}

/// A whole page around `main`, for a logged-in viewer.
pub fn page(viewer: &Viewer, current: &str, title: &str, main: &str) -> String {
    render(&Frame {
        title,
        jurisdiction: format!("{:?}", viewer.jurisdiction),
        name: &viewer.name,
        role: viewer.role.as_str(),
        views: &VIEWS,
        current,
        main,
    })
}

/// The login page.
pub fn login_page(error: Option<&str>) -> String {
    render(&Login { error })
}

/// A table of `(label, count)` pairs, with stable ids for each cell.
pub fn pairs_table(
    id: &str,
    caption: &str,
    head: (&str, &str),
    rows: &[(String, Count)],
) -> String {
    let mut s = format!(
        r#"<table id="{id}"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(caption),
        esc(head.0),
        esc(head.1)
    );
    for (label, count) in rows {
        let _ = write!(
            s,
            r#"<tr><th scope="row">{l}</th><td data-row="{l}">{count}</td></tr>"#,
            l = esc(label)
        );
    }
    if rows.is_empty() {
        s.push_str(r#"<tr><td colspan="2">None.</td></tr>"#);
    }
    s.push_str("</tbody></table>");
    s
}

/// A matrix as a table: a row per label, a column per column label, and totals.
pub fn matrix_table(id: &str, caption: &str, corner: &str, m: &Matrix) -> String {
    let mut s = format!(
        r#"<table id="{id}"><caption>{}</caption><thead><tr><th scope="col">{}</th>"#,
        esc(caption),
        esc(corner)
    );
    for c in &m.columns {
        let _ = write!(s, r#"<th scope="col">{}</th>"#, esc(c));
    }
    s.push_str(r#"<th scope="col">Total</th></tr></thead><tbody>"#);
    for row in &m.rows {
        let label = esc(&row.label);
        let _ = write!(s, r#"<tr><th scope="row">{label}</th>"#);
        for (c, cell) in m.columns.iter().zip(&row.cells) {
            let _ = write!(
                s,
                r#"<td data-row="{label}" data-col="{}">{cell}</td>"#,
                esc(c)
            );
        }
        let _ = write!(
            s,
            r#"<td data-row="{label}" data-col="total">{}</td></tr>"#,
            row.total
        );
    }
    if m.rows.is_empty() {
        let _ = write!(
            s,
            r#"<tr><td colspan="{}">None.</td></tr>"#,
            m.columns.len() + 2
        );
    }
    s.push_str("</tbody></table>");
    s
}
