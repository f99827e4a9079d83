//! The dashboard's page frame: one layout, plain HTML and a stylesheet, no JavaScript.

use broker::web::Lang;

use crate::contact_point::{Count, Matrix};

use super::auth::Viewer;
use super::words::{self, t, t_with};

pub use broker::web::escape as esc;

/// The views, in the navigation's order: path segment and the message id of its title
/// ([`super::words::t`]).
pub const VIEWS: &[(&str, &str)] = &[
    ("cases", "dash-view-cases"),
    ("occupancy", "fig-view-occupancy"),
    ("overdue", "dash-view-overdue"),
    ("releases", "fig-view-releases"),
    ("timing", "dash-view-timing"),
    ("rejections", "dash-view-rejections"),
    ("consent", "dash-view-consent"),
    ("outcomes", "dash-view-outcomes"),
    ("flows", "dash-view-flows"),
    ("relocations", "dash-view-relocations"),
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
header nav.languages{background:none;padding:0;display:flex;flex-wrap:wrap;gap:.2rem .8rem}
header nav.languages a{color:#fff;margin:0}
header nav.languages a[aria-current=true]{font-weight:bold;text-decoration:none}
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
/// `main` the view's own HTML. The words are in the language of the request in hand.
#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct Frame<'a> {
    lang: &'static str,
    title: &'a str,
    site: String,
    heading: String,
    signed_in_as: String,
    name: &'a str,
    role: String,
    sign_out: String,
    languages: Languages,
    views_label: String,
    /// Each view's path segment and title.
    views: Vec<(&'static str, String)>,
    current: &'a str,
    note: String,
    as_json: String,
    /// The sign-out form's CSRF token ([`csrf_token`]).
    csrf: &'a str,
    main: &'a str,
}

/// The login page (`templates/login.html`).
#[derive(askama::Template)]
#[template(path = "login.html")]
struct Login<'a> {
    lang: &'static str,
    site: String,
    sign_in: String,
    name_label: String,
    password_label: String,
    languages: Languages,
    error: Option<&'a str>,
}

/// The language menu: each language by its own name, a link to `/language` that comes back
/// to `back` (`templates/dashboard/languages.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/languages.html")]
struct Languages {
    label: String,
    back: String,
    links: Vec<(Lang, bool)>,
}

impl Languages {
    /// The menu for a page at `back`, the language in use marked.
    fn at(back: String) -> Languages {
        let current = words::lang();
        Languages {
            label: t("dash-nav-languages"),
            back,
            links: Lang::ALL.iter().map(|l| (*l, *l == current)).collect(),
        }
    }
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

/// A whole page around `main`, for a logged-in viewer whose sign-out form carries `csrf`,
/// in the language of the request in hand.
pub fn page(viewer: &Viewer, current: &str, title: &str, csrf: &str, main: &str) -> String {
    page_in_period(viewer, current, None, title, csrf, main)
}

/// [`page`] for a view shown for `period` (as asked, e.g. `2026-Q3`): the language menu comes
/// back to the same period.
pub fn page_in_period(
    viewer: &Viewer,
    current: &str,
    period: Option<&str>,
    title: &str,
    csrf: &str,
    main: &str,
) -> String {
    let jurisdiction = words::jurisdiction_name(viewer.jurisdiction);
    // The language menu comes back to this view (and period), or to the first for a path
    // that is none. The query is written encoded, as the value of `back`.
    let query = period
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|p| format!("%3Fperiod%3D{p}"))
        .unwrap_or_default();
    let back = VIEWS.iter().find(|(path, _)| *path == current).map_or_else(
        || "/dashboard".to_owned(),
        |(path, _)| format!("/dashboard/{path}{query}"),
    );
    render(&Frame {
        lang: words::lang().code(),
        title,
        site: t("dash-site"),
        heading: t_with("dash-heading", &[("jurisdiction", jurisdiction.clone())]),
        signed_in_as: t("dash-signed-in-as"),
        name: &viewer.name,
        role: words::role(viewer.role),
        sign_out: t("dash-sign-out"),
        languages: Languages::at(back),
        views_label: t("dash-nav-views"),
        views: VIEWS.iter().map(|(path, id)| (*path, t(id))).collect(),
        current,
        note: t_with("dash-suppression-note", &[("jurisdiction", jurisdiction)]),
        as_json: t("dash-as-json"),
        csrf,
        main,
    })
}

/// The login page, in the language of the request in hand.
pub fn login_page(error: Option<&str>) -> String {
    render(&Login {
        lang: words::lang().code(),
        site: t("dash-site"),
        sign_in: t("dash-sign-in"),
        name_label: t("dash-login-name"),
        password_label: t("dash-password"),
        languages: Languages::at("/login".to_owned()),
        error,
    })
}

/// A table of `(label, count)` pairs (`templates/dashboard/pairs.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/pairs.html")]
struct Pairs<'a> {
    id: &'a str,
    caption: &'a str,
    head: (&'a str, &'a str),
    rows: Vec<Line>,
    none: String,
}

/// A row of a table: its stable key (the cells' `data-row`, what tests look up), its words,
/// and its counts as written.
struct Line {
    key: String,
    label: String,
    cells: Vec<String>,
    total: String,
}

/// How a table words the labels of its rows or columns: [`as_is`], or a function of
/// [`words`] for codes (stages, reasons, regions).
pub type Naming = fn(&str) -> String;

/// A label as the figures have it.
pub fn as_is(label: &str) -> String {
    label.to_owned()
}

/// A table of `(label, count)` pairs, with stable ids for each cell.
pub fn pairs_table(
    id: &str,
    caption: &str,
    head: (&str, &str),
    rows: &[(String, Count)],
) -> String {
    named_pairs_table(id, caption, head, rows, as_is)
}

/// [`pairs_table`] whose labels (codes such as stages or reasons) are written as `name`
/// words them; each cell's `data-row` stays the label as the figures have it.
pub fn named_pairs_table(
    id: &str,
    caption: &str,
    head: (&str, &str),
    rows: &[(String, Count)],
    name: Naming,
) -> String {
    render(&Pairs {
        id,
        caption,
        head,
        rows: rows
            .iter()
            .map(|(key, count)| Line {
                key: key.clone(),
                label: name(key),
                cells: Vec::new(),
                total: words::count(*count),
            })
            .collect(),
        none: t("dash-none"),
    })
}

/// A matrix as a table (`templates/dashboard/matrix.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/matrix.html")]
struct MatrixTable<'a> {
    id: &'a str,
    caption: &'a str,
    corner: &'a str,
    /// Each column's key (the cells' `data-col`) and words.
    columns: Vec<(String, String)>,
    rows: Vec<Line>,
    total: String,
    none: String,
}

/// A matrix as a table: a row per label, a column per column label, and totals.
pub fn matrix_table(id: &str, caption: &str, corner: &str, m: &Matrix) -> String {
    named_matrix_table(id, caption, corner, m, (as_is, as_is))
}

/// [`matrix_table`] whose row and column labels are written as `names` (rows, columns)
/// word them; each cell's `data-row` and `data-col` stay the labels as the figures have them.
pub fn named_matrix_table(
    id: &str,
    caption: &str,
    corner: &str,
    m: &Matrix,
    names: (Naming, Naming),
) -> String {
    let (row_name, column_name) = names;
    render(&MatrixTable {
        id,
        caption,
        corner,
        columns: m
            .columns
            .iter()
            .map(|c| (c.clone(), column_name(c)))
            .collect(),
        rows: m
            .rows
            .iter()
            .map(|row| Line {
                key: row.label.clone(),
                label: row_name(&row.label),
                cells: row.cells.iter().map(|c| words::count(*c)).collect(),
                total: words::count(row.total),
            })
            .collect(),
        total: t("dash-total"),
        none: t("dash-none"),
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

    #[test]
    fn the_frame_in_danish_speaks_danish_and_offers_every_language() {
        let viewer = Viewer {
            name: "ana".into(),
            role: super::super::auth::Role::Statistician,
            jurisdiction: schemas::Jurisdiction::NO,
        };
        let html = words::LANG.sync_scope(Lang::Da, || {
            page(&viewer, "consent", "Samtykkedækning", "c0ffee", "<p>x</p>")
        });
        assert!(html.contains(r#"<html lang="da">"#), "{html}");
        assert!(html.contains("<h1>Nationalt kontaktpunkt – Norge</h1>"));
        assert!(html.contains("Logget ind som"));
        assert!(html.contains("(statistiker)"));
        assert!(html.contains(r#"<button type="submit">Log ud</button>"#));
        assert!(html.contains(r#"<nav aria-label="Opgørelser">"#));
        assert!(html.contains(r#"<a href="/dashboard/cases">Sager</a>"#));
        assert!(
            html.contains(
                r#"<a href="/dashboard/consent" aria-current="page">Samtykkedækning</a>"#
            )
        );
        assert!(html.contains("Tallene gælder kun Norge."));
        assert!(html.contains(r#"<nav class="languages" aria-label="Sprog">"#));
        assert!(html.contains(
            r#"<a href="/language?lang=sv&amp;back=/dashboard/consent" lang="sv" hreflang="sv">Svenska</a>"#
        ));
        assert!(html.contains(r#"lang="da" hreflang="da" aria-current="true">Dansk</a>"#));
        assert_eq!(html.matches("<h1>").count(), 1, "one h1 on every page");
        for english in ["Signed in", "Sign out", "National contact point", "Views"] {
            assert!(!html.contains(english), "{english} in Danish");
        }
        // A path that is no view comes back to the dashboard.
        let html = words::LANG.sync_scope(Lang::Nb, || page(&viewer, "x\"&y", "?", "", ""));
        assert!(html.contains(r#"href="/language?lang=da&amp;back=/dashboard" lang="da""#));
    }

    #[test]
    fn the_login_page_speaks_the_language_in_use() {
        let html = words::LANG.sync_scope(Lang::Sv, || login_page(Some("Fel <x>")));
        assert!(html.contains(r#"<html lang="sv">"#));
        assert!(html.contains("<h1>Nationell kontaktpunkt</h1>"));
        assert!(html.contains(r#"<label for="name">Användarnamn</label>"#));
        assert!(html.contains(r#"<label for="password">Lösenord</label>"#));
        assert!(html.contains(r#"<button type="submit">Logga in</button>"#));
        assert!(html.contains(r#"id="login-error">Fel &#60;x&#62;</p>"#));
        assert!(html.contains(r#"href="/language?lang=nb&amp;back=/login" lang="nb""#));
    }

    #[test]
    fn named_tables_write_words_but_keep_the_codes_as_cell_ids() {
        let html = words::LANG.sync_scope(Lang::Nb, || {
            named_pairs_table(
                "cases-by-stage",
                "Saker",
                ("Fase", "Saker"),
                &[("suspended".to_owned(), Count::Withheld)],
                words::stage,
            )
        });
        assert!(html.contains(
            r#"<tr><th scope="row">Stilt i bero</th><td data-row="suspended">skjult</td></tr>"#
        ));
        let m = Matrix {
            columns: vec!["active".into()],
            rows: vec![crate::contact_point::MatrixRow {
                label: "unknown".into(),
                cells: vec![Count::of(3)],
                total: Count::of(3),
            }],
        };
        let html = words::LANG.sync_scope(Lang::Da, || {
            named_matrix_table("m", "M", "Region", &m, (words::region, words::stage))
        });
        assert!(html.contains(r#"<th scope="col">Aktiv</th><th scope="col">I alt</th>"#));
        assert!(html.contains(r#"<th scope="row">Ukendt region</th>"#));
        assert!(html.contains(r#"<td data-row="unknown" data-col="active">&#60;5</td>"#));
    }

    #[test]
    fn the_language_menu_comes_back_to_the_period_shown() {
        let viewer = Viewer {
            name: "ana".into(),
            role: super::super::auth::Role::Analyst,
            jurisdiction: schemas::Jurisdiction::DK,
        };
        let html = page_in_period(&viewer, "overdue", Some("2025-Q2"), "t", "c", "");
        assert!(
            html.contains("back=/dashboard/overdue%3Fperiod%3D2025-Q2"),
            "{html}"
        );
        let odd = page_in_period(&viewer, "overdue", Some("2025\"><x"), "t", "c", "");
        assert!(
            odd.contains("back=/dashboard/overdue\""),
            "no odd period carried: {odd}"
        );
    }
}
