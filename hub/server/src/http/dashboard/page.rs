//! The dashboard's page frame: one layout, plain HTML and a stylesheet, no JavaScript.

use std::fmt::Write;

use crate::contact_point::{Count, Matrix};

use super::auth::Viewer;

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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

/// A whole page around `main`, for a logged-in viewer.
pub fn page(viewer: &Viewer, current: &str, title: &str, main: &str) -> String {
    let mut nav = String::new();
    for (path, name) in VIEWS {
        let aria = if path == current {
            r#" aria-current="page""#
        } else {
            ""
        };
        let _ = write!(nav, r#"<a href="/dashboard/{path}"{aria}>{name}</a>"#);
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – National contact point</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><header><h1>National contact point – {jur}</h1>
<div>Signed in as <span id="viewer">{name}</span> ({role}) <form method="post" action="/logout"><button type="submit">Sign out</button></form></div></header>
<nav aria-label="Views">{nav}</nav>
<main id="main"><h2>{title}</h2>
<p class="note">Counts from 1 to 4 are shown as &lt;5. Where a total would let one be worked out, another count is suppressed with it, and so is any rate that would give one away. Figures are for {jur} only. <a href="/api/v1/dashboard/{current}">This view as JSON</a>.</p>
{main}</main></body></html>"#,
        title = esc(title),
        jur = esc(&format!("{:?}", viewer.jurisdiction)),
        name = esc(&viewer.name),
        role = viewer.role.as_str(),
    )
}

/// The login page.
pub fn login_page(error: Option<&str>) -> String {
    let error = error
        .map(|e| {
            format!(
                r#"<p class="error" role="alert" id="login-error">{}</p>"#,
                esc(e)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – National contact point</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><header><h1>National contact point</h1></header>
<main><h2>Sign in</h2>{error}
<form method="post" action="/login">
<label for="name">Login name</label><input id="name" name="name" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p></form></main></body></html>"#
    )
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
