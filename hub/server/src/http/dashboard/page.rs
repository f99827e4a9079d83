//! The dashboard's page frame: one layout, plain HTML and a stylesheet, no JavaScript.

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
    /// The sign-out form's CSRF token ([`csrf_token`]).
    csrf: &'a str,
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
pub(super) fn render(template: &impl askama::Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a dashboard template did not render");
        String::new()
    })
}

/// The label the dashboard's CSRF tokens are made for. The key is the session token itself:
/// only the browser holding the HttpOnly cookie knows it, and every hub instance serving the
/// session (kept in PostgreSQL) computes the same token.
const CSRF_LABEL: &str = "dashboard";

/// The CSRF token of the session `token` for the dashboard's forms.
pub fn csrf_token(token: &str) -> String {
    broker::web::csrf_token(token.as_bytes(), CSRF_LABEL)
}

/// Whether `presented` is the CSRF token of the session `token`.
pub fn csrf_matches(token: &str, presented: &str) -> bool {
    broker::web::csrf_matches(token.as_bytes(), CSRF_LABEL, presented)
}

/// A whole page around `main`, for a logged-in viewer whose sign-out form carries `csrf`.
pub fn page(viewer: &Viewer, current: &str, title: &str, csrf: &str, main: &str) -> String {
    render(&Frame {
        title,
        jurisdiction: format!("{:?}", viewer.jurisdiction),
        name: &viewer.name,
        role: viewer.role.as_str(),
        views: &VIEWS,
        current,
        csrf,
        main,
    })
}

/// The login page.
pub fn login_page(error: Option<&str>) -> String {
    render(&Login { error })
}

/// A table of `(label, count)` pairs (`templates/dashboard/pairs.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/pairs.html")]
struct Pairs<'a> {
    id: &'a str,
    caption: &'a str,
    head: (&'a str, &'a str),
    rows: &'a [(String, Count)],
}

/// A table of `(label, count)` pairs, with stable ids for each cell.
pub fn pairs_table(
    id: &str,
    caption: &str,
    head: (&str, &str),
    rows: &[(String, Count)],
) -> String {
    render(&Pairs {
        id,
        caption,
        head,
        rows,
    })
}

/// A matrix as a table (`templates/dashboard/matrix.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/matrix.html")]
struct MatrixTable<'a> {
    id: &'a str,
    caption: &'a str,
    corner: &'a str,
    m: &'a Matrix,
}

/// A matrix as a table: a row per label, a column per column label, and totals.
pub fn matrix_table(id: &str, caption: &str, corner: &str, m: &Matrix) -> String {
    render(&MatrixTable {
        id,
        caption,
        corner,
        m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact_point::MatrixRow;

    #[test]
    fn pair_tables_escape_their_labels_and_keep_their_cell_ids() {
        let html = pairs_table(
            "by-stage",
            "Cases <by stage>",
            ("Stage", "Cases"),
            &[
                ("active & open".to_owned(), Count::of(12)),
                ("closed".to_owned(), Count::of(2)),
            ],
        );
        assert!(
            html.starts_with(r#"<table id="by-stage"><caption>Cases &#60;by stage&#62;</caption>"#)
        );
        assert!(html.contains(r#"<th scope="col">Stage</th><th scope="col">Cases</th>"#));
        assert!(html.contains(
            r#"<tr><th scope="row">active &#38; open</th><td data-row="active &#38; open">12</td></tr>"#
        ));
        assert!(
            html.contains(r#"<td data-row="closed">&#60;5</td>"#),
            "{html}"
        );
        assert!(!html.contains("None."));
        let empty = pairs_table("e", "Empty", ("A", "B"), &[]);
        assert!(empty.contains(r#"<tr><td colspan="2">None.</td></tr></tbody></table>"#));
    }

    #[test]
    fn matrix_tables_write_a_cell_per_row_and_column_and_totals() {
        let m = Matrix {
            columns: vec!["open".into(), "\"closed\"".into()],
            rows: vec![MatrixRow {
                label: "North".into(),
                cells: vec![Count::of(9), Count::of(0)],
                total: Count::of(9),
            }],
        };
        let html = matrix_table("flows", "Flows", "From \\ to", &m);
        assert!(html.contains(r#"<th scope="col">From \ to</th><th scope="col">open</th><th scope="col">&#34;closed&#34;</th><th scope="col">Total</th>"#));
        assert!(html.contains(r#"<td data-row="North" data-col="open">9</td>"#));
        assert!(html.contains(r#"<td data-row="North" data-col="&#34;closed&#34;">0</td>"#));
        assert!(html.contains(r#"<td data-row="North" data-col="total">9</td>"#));
        let empty = matrix_table(
            "e",
            "Empty",
            "",
            &Matrix {
                columns: m.columns,
                rows: vec![],
            },
        );
        assert!(empty.contains(r#"<td colspan="4">None.</td>"#));
    }

    #[test]
    fn a_csrf_token_belongs_to_its_session_only() {
        let token = csrf_token("session-a");
        assert!(csrf_matches("session-a", &token));
        assert!(!csrf_matches("session-b", &token));
        assert!(!csrf_matches("session-a", ""));
        assert_eq!(
            token,
            csrf_token("session-a"),
            "every hub instance computes the same"
        );
    }

    #[test]
    fn the_sign_out_form_carries_the_token_and_the_frame_escapes_the_name() {
        let viewer = Viewer {
            name: "ana <x>".into(),
            role: super::super::auth::Role::Analyst,
            jurisdiction: schemas::Jurisdiction::DK,
        };
        let html = page(&viewer, "cases", "Cases", "c0ffee", "<p>body</p>");
        assert!(html.contains(
            r#"<form method="post" action="/logout"><input type="hidden" name="csrf" value="c0ffee"><button type="submit">Sign out</button></form>"#
        ));
        assert!(html.contains(r#"<span id="viewer">ana &#60;x&#62;</span>"#));
        assert!(html.contains(r#"<a href="/dashboard/cases" aria-current="page">Cases</a>"#));
        assert!(html.contains("<p>body</p>"));
    }
}
