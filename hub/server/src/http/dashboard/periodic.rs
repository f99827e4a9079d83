//! The contact point's views of fixed calendar periods and cohorts: deadlines overdue by the
//! calendar, late release notices, occupancy, and outcomes by yearly cohort; and the CSV of
//! every view.
//!
//! Each view is a [`Report`]: tables already in the analyst's words, which the page shows and
//! the CSV writes (one line per cell: table, row, column, value), so the two cannot disagree
//! and what is suppressed on the page stays suppressed in the file. Only closed periods are
//! shown ([`chosen_period`]); see [`crate::contact_point`] for the suppression rules.

use chrono::{Datelike, NaiveDate, Utc};
use hub_core::periods::Period;
use serde_json::json;

use super::auth::Viewer;
use super::page::render;
use super::words::{self, t, t_with};
use crate::Shared;
use crate::contact_point::year_sheet::Table;
use crate::contact_point::{self as cp, Count, cohorts, occupancy, overdue, releases};

/// The views this module serves.
pub const VIEWS: [&str; 4] = ["overdue", "releases", "occupancy", "outcomes"];

/// One table of a view, in words.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct ReportTable {
    /// Its HTML id.
    pub id: &'static str,
    pub caption: String,
    /// The head of the rows' column.
    pub corner: String,
    /// Its columns: code (for `data-col` and tests) and words.
    pub columns: Vec<(&'static str, String)>,
    pub rows: Vec<ReportRow>,
}

/// One row of a [`ReportTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// A stable key (an agency's name, a code), for `data-row`.
    pub key: String,
    /// Its label in words.
    pub label: String,
    /// A value per column, as shown.
    pub cells: Vec<String>,
    /// Whether it is a total row.
    pub total: bool,
}

/// A view: a line or two of figures and its tables.
#[derive(Debug, Clone, Default, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Report {
    /// Figures said in a sentence: an id and the words.
    pub lines: Vec<(&'static str, String)>,
    pub tables: Vec<ReportTable>,
}

/// The page body of a table (`templates/dashboard/report_table.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/report_table.html")]
struct TableHtml<'a> {
    t: &'a ReportTable,
    none: String,
}

/// The period chooser.
struct PeriodForm {
    view: &'static str,
    label: String,
    options: Vec<(String, String)>,
    current: String,
    show: String,
}

/// A periodic view's page body (`templates/dashboard/periodic.html`).
#[derive(askama::Template)]
#[template(path = "dashboard/periodic.html")]
struct PeriodicHtml<'a> {
    rule: String,
    form: Option<PeriodForm>,
    csv_href: String,
    csv_words: String,
    paragraphs: &'a [(&'static str, String)],
    tables: String,
}

/// The page body of `report` for the view `view`, with the period chooser when it has one.
pub fn html(
    view: &'static str,
    report: &Report,
    period: Option<Period>,
    today: NaiveDate,
) -> String {
    let tables: String = report
        .tables
        .iter()
        .map(|table| {
            render(&TableHtml {
                t: table,
                none: t("fig-none"),
            })
        })
        .collect();
    let form = period.map(|current| PeriodForm {
        view,
        label: t("fig-period"),
        options: Period::offered(today)
            .into_iter()
            .map(|p| (p.to_string(), period_words(p)))
            .collect(),
        current: current.to_string(),
        show: t("fig-show"),
    });
    let query = period.map(|p| format!("?period={p}")).unwrap_or_default();
    render(&PeriodicHtml {
        rule: t(&format!("fig-rule-{view}")),
        form,
        csv_href: format!("/dashboard/{view}.csv{query}"),
        csv_words: t("fig-csv"),
        paragraphs: &report.lines,
        tables,
    })
}

/// `report` as CSV, one line per cell: table, row, column, value, in the analyst's words,
/// after a head line. Suppressed counts stay as the page shows them.
pub fn csv(report: &Report) -> String {
    let mut out = String::new();
    let head = [
        t("fig-csv-table"),
        t("fig-csv-row"),
        t("fig-csv-column"),
        t("fig-csv-value"),
    ];
    csv_line(&mut out, &head);
    for table in &report.tables {
        for row in &table.rows {
            for ((_, column), cell) in table.columns.iter().zip(&row.cells) {
                csv_line(
                    &mut out,
                    &[
                        table.caption.clone(),
                        row.label.clone(),
                        column.clone(),
                        cell.clone(),
                    ],
                );
            }
        }
    }
    out
}

/// Appends one CSV line (RFC 4180: fields with a comma, a quote or a line break are quoted,
/// quotes doubled; a field starting with `=`, `+`, `-` or `@` is prefixed with `'` so that a
/// spreadsheet never runs it as a formula).
fn csv_line(out: &mut String, fields: &[String]) {
    let guarded: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.starts_with(['=', '+', '-', '@']) {
                format!("'{f}")
            } else {
                f.clone()
            }
        })
        .collect();
    out.push_str(&broker::csv::line(&guarded));
    out.push_str("\r\n");
}

/// A period in words: "November 2026", "3. kvartal 2026", "2026".
pub fn period_words(p: Period) -> String {
    match p {
        Period::Month(y, m) => t_with(
            "fig-period-month",
            &[
                ("month", t(&format!("fig-month-{m}"))),
                ("year", y.to_string()),
            ],
        ),
        Period::Quarter(y, q) => t_with(
            "fig-period-quarter",
            &[("quarter", q.to_string()), ("year", y.to_string())],
        ),
        Period::Year(y) => y.to_string(),
    }
}

/// Why a period asked for cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodProblem {
    /// Not written as a month, a quarter or a year.
    NotAPeriod,
    /// Not over yet (or in the future): its figures would move as cases arrive.
    NotClosed(Period),
}

impl PeriodProblem {
    /// The code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            PeriodProblem::NotAPeriod => "bad_period",
            PeriodProblem::NotClosed(_) => "period_not_closed",
        }
    }

    /// What went wrong and what to do, in words.
    pub fn words(&self) -> String {
        match self {
            PeriodProblem::NotAPeriod => t("fig-bad-period"),
            PeriodProblem::NotClosed(p) => {
                t_with("fig-period-not-closed", &[("period", period_words(*p))])
            }
        }
    }
}

/// The period a request asks for (`?period=`), or the last closed quarter.
pub fn chosen_period(asked: Option<&str>, today: NaiveDate) -> Result<Period, PeriodProblem> {
    let Some(text) = asked.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Period::default_on(today));
    };
    let period: Period = text.parse().map_err(|_| PeriodProblem::NotAPeriod)?;
    if period.closed_on(today) {
        Ok(period)
    } else {
        Err(PeriodProblem::NotClosed(period))
    }
}

/// Today in the viewer's jurisdiction.
pub fn today(viewer: &Viewer) -> NaiveDate {
    hub_core::periods::local_day(Utc::now(), viewer.jurisdiction)
}

/// Whether `view` needs a period.
pub fn has_period(view: &str) -> bool {
    matches!(view, "overdue" | "releases" | "occupancy")
}

/// Computes one of this module's views: its JSON figures and its report.
pub async fn view(
    shared: &Shared,
    viewer: &Viewer,
    name: &str,
    period: Period,
) -> Result<(serde_json::Value, Report), sqlx::Error> {
    let pool = &shared.pool;
    let j = viewer.jurisdiction;
    Ok(match name {
        "overdue" => {
            let f = overdue::overdue(pool, j, &shared.deadlines, period, viewer.role.sees_rows())
                .await?;
            (to_json(&f), overdue_report(&f))
        }
        "releases" => {
            let f = releases::releases(pool, j, &shared.deadlines.rules, period).await?;
            (to_json(&f), releases_report(&f))
        }
        "occupancy" => {
            let places = shared
                .settings
                .programmes
                .iter()
                .filter_map(|p| Some((p.name.clone(), p.places?)))
                .collect();
            let f = occupancy::occupancy(pool, j, &places, period).await?;
            (to_json(&f), occupancy_report(&f))
        }
        _ => {
            let f = cohorts::cohorts(pool, j, today(viewer)).await?;
            (json!({ "cohorts": f }), cohorts_report(&f))
        }
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// A table of counts in words: `label` turns a row's label into words.
fn count_table(
    id: &'static str,
    caption: String,
    corner: String,
    table: &Table,
    label: impl Fn(&str) -> String,
) -> ReportTable {
    ReportTable {
        id,
        caption,
        corner,
        columns: table
            .columns
            .iter()
            .map(|c| (*c, t(&format!("fig-col-{c}"))))
            .collect(),
        rows: table
            .rows
            .iter()
            .map(|row| ReportRow {
                key: row.label.clone(),
                total: row.label == cp::overdue::TOTAL,
                label: if row.label == cp::overdue::TOTAL {
                    t("fig-total")
                } else {
                    label(&row.label)
                },
                cells: row.cells.iter().map(|c| words::count(*c)).collect(),
            })
            .collect(),
    }
}

/// An agency or region label in words: the withheld and unknown ones said so.
fn agency_label(label: &str) -> String {
    match label {
        overdue::WITHHELD => t("fig-withheld-relocated"),
        overdue::UNKNOWN => t("fig-unknown"),
        name => name.to_owned(),
    }
}

fn overdue_report(f: &overdue::OverdueFigures) -> Report {
    let total = |table: &Table, column: &str| -> Count {
        let i = table.columns.iter().position(|c| *c == column);
        table
            .rows
            .iter()
            .find(|r| r.label == overdue::TOTAL)
            .and_then(|r| i.and_then(|i| r.cells.get(i)).copied())
            .unwrap_or(Count::Exact(0))
    };
    let mut tables = vec![
        count_table(
            "overdue-by-deadline",
            t("fig-overdue-by-deadline"),
            t("fig-deadline"),
            &f.by_deadline,
            |code| t(&format!("fig-deadline-{code}")),
        ),
        count_table(
            "overdue-by-agency",
            t("fig-overdue-by-agency"),
            t("fig-agency-asked"),
            &f.by_agency,
            agency_label,
        ),
        count_table(
            "overdue-by-region",
            t("fig-overdue-by-region"),
            t("fig-region"),
            &f.by_region,
            agency_label,
        ),
    ];
    if let Some(rows) = &f.rows {
        tables.push(ReportTable {
            id: "overdue-rows",
            caption: t("fig-overdue-rows"),
            corner: t("fig-person"),
            columns: vec![
                ("from", t("fig-from")),
                ("to", t("fig-to")),
                ("deadline", t("fig-deadline")),
                ("due", t("fig-due-day")),
                ("met_on", t("fig-met-on")),
                ("escalated", t("fig-col-escalated")),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    let withheld = || t("fig-withheld-relocated");
                    ReportRow {
                        key: r.pseudonym.to_string(),
                        label: r.pseudonym.to_string(),
                        cells: vec![
                            r.from_agency.clone().unwrap_or_else(withheld),
                            r.to_agency.clone().unwrap_or_else(withheld),
                            t(&format!("fig-deadline-{}", r.deadline)),
                            day_words(r.due),
                            r.met_on.map_or_else(|| t("fig-not-met"), day_words),
                            t(if r.escalated { "fig-yes" } else { "fig-no" }),
                        ],
                        total: false,
                    }
                })
                .collect(),
        });
    }
    let due = words::count(total(&f.by_deadline, "due"));
    let summary = match total(&f.by_deadline, "overdue") {
        Count::Exact(n) => t_with(
            "fig-overdue-summary",
            &[("overdue", n.to_string()), ("due", due)],
        ),
        _ => t_with("fig-overdue-summary-hidden", &[("due", due)]),
    };
    Report {
        lines: vec![("overdue-summary", summary)],
        tables,
    }
}

fn releases_report(f: &releases::ReleaseFigures) -> Report {
    let mut lines = Vec::new();
    if let Some(s) = f.days_late {
        lines.push((
            "releases-days-late",
            t_with(
                "fig-releases-days-late",
                &[
                    ("median", words::decimal(s.median, 1)),
                    ("p25", words::decimal(s.p25, 1)),
                    ("p75", words::decimal(s.p75, 1)),
                ],
            ),
        ));
    } else {
        lines.push(("releases-days-late", t("fig-releases-days-late-few")));
    }
    let pairs = ReportTable {
        id: "releases-pairs",
        caption: t("fig-releases-pairs"),
        corner: t("fig-prison"),
        columns: vec![
            ("municipality", t("fig-municipality")),
            ("late", t("fig-col-late")),
        ],
        rows: f
            .late_pairs
            .iter()
            .map(|p| ReportRow {
                key: format!("{} → {}", p.prison, p.municipality),
                label: p.prison.clone(),
                cells: vec![p.municipality.clone(), words::count(p.late)],
                total: false,
            })
            .collect(),
    };
    Report {
        lines,
        tables: vec![
            count_table(
                "releases-by-prison",
                t("fig-releases-by-prison"),
                t("fig-prison"),
                &f.by_prison,
                agency_label,
            ),
            pairs,
        ],
    }
}

fn occupancy_report(f: &occupancy::OccupancyFigures) -> Report {
    let places = |p: Option<u32>| p.map_or_else(|| "–".to_owned(), |p| p.to_string());
    let programme = |label: &str| match label {
        occupancy::NO_CONSENT => t("fig-no-consent"),
        "total" => t("fig-total"),
        name => name.to_owned(),
    };
    let in_period = ReportTable {
        id: "occupancy-period",
        caption: t("fig-occupancy-period"),
        corner: t("fig-programme"),
        columns: vec![
            ("people", t("fig-col-people")),
            ("places", t("fig-col-places")),
            ("use", t("fig-col-use")),
        ],
        rows: f
            .in_period
            .iter()
            .map(|r| ReportRow {
                key: r.programme.clone(),
                label: programme(&r.programme),
                cells: vec![
                    words::count(r.people),
                    places(r.places),
                    r.use_of_places
                        .map_or_else(|| "–".to_owned(), |u| format!("{} %", words::decimal(u, 1))),
                ],
                total: r.programme == "total",
            })
            .collect(),
    };
    let now = ReportTable {
        id: "occupancy-now",
        caption: t("fig-occupancy-now"),
        corner: t("fig-programme"),
        columns: vec![
            ("active", t("fig-col-active-now")),
            ("places", t("fig-col-places")),
        ],
        rows: f
            .now
            .iter()
            .map(|r| ReportRow {
                key: r.programme.clone(),
                label: programme(&r.programme),
                cells: vec![
                    r.active.map_or_else(|| "<5".to_owned(), |n| n.to_string()),
                    places(r.places),
                ],
                total: false,
            })
            .collect(),
    };
    Report {
        lines: Vec::new(),
        tables: vec![in_period, now],
    }
}

fn cohorts_report(cohorts: &[cohorts::Cohort]) -> Report {
    let columns = vec![
        ("reports", t("fig-col-reports")),
        ("charge_known", t("fig-col-charge-known")),
        ("no_new_charge", t("fig-col-no-new-charge")),
        ("occupation_known", t("fig-col-occupation-known")),
        ("in_education_or_job", t("fig-col-in-education-or-job")),
    ];
    let rows = cohorts
        .iter()
        .map(|c| {
            let cells = match &c.figures {
                Some(f) => vec![
                    words::count(f.reports),
                    words::count(f.charge_known),
                    words::rate(f.no_new_charge),
                    words::count(f.occupation_known),
                    words::rate(f.in_education_or_job),
                ],
                None => {
                    let pending = t_with(
                        "fig-cohort-pending",
                        &[("day", day_words(c.complete_after))],
                    );
                    std::iter::once(pending)
                        .chain(std::iter::repeat_n("–".to_owned(), 4))
                        .collect()
                }
            };
            ReportRow {
                key: c.year.to_string(),
                label: c.year.to_string(),
                cells,
                total: false,
            }
        })
        .collect();
    Report {
        lines: Vec::new(),
        tables: vec![ReportTable {
            id: "outcomes-cohorts",
            caption: t("fig-outcomes-cohorts"),
            corner: t("fig-cohort"),
            columns,
            rows,
        }],
    }
}

/// A day as the language writes it: 3.12.2026 (da, nb), 2026-12-03 (sv), 3 Dec 2026 (en).
pub fn day_words(day: NaiveDate) -> String {
    match words::lang() {
        broker::web::Lang::Da | broker::web::Lang::Nb => {
            format!("{}.{}.{}", day.day(), day.month(), day.year())
        }
        broker::web::Lang::Sv => day.format("%Y-%m-%d").to_string(),
        broker::web::Lang::En => day.format("%-d %b %Y").to_string(),
    }
}

/// A table of `(label, count)` pairs as a report table, for the CSV of a view drawn with
/// [`super::page::named_pairs_table`].
pub fn pairs_table(
    id: &'static str,
    caption: String,
    (corner, column): (String, String),
    rows: &[(String, Count)],
    label: super::page::Naming,
) -> ReportTable {
    ReportTable {
        id,
        caption,
        corner,
        columns: vec![("n", column)],
        rows: rows
            .iter()
            .map(|(code, count)| ReportRow {
                key: code.clone(),
                label: label(code),
                cells: vec![words::count(*count)],
                total: false,
            })
            .collect(),
    }
}

/// A matrix (rows, columns and each row's total) as a report table.
pub fn matrix_table(
    id: &'static str,
    caption: String,
    corner: String,
    m: &cp::Matrix,
    (row_label, column_label): (super::page::Naming, super::page::Naming),
) -> ReportTable {
    let mut columns: Vec<(&'static str, String)> =
        m.columns.iter().map(|c| ("n", column_label(c))).collect();
    columns.push(("total", t("fig-total")));
    ReportTable {
        id,
        caption,
        corner,
        columns,
        rows: m
            .rows
            .iter()
            .map(|r| ReportRow {
                key: r.label.clone(),
                label: row_label(&r.label),
                cells: r
                    .cells
                    .iter()
                    .chain(std::iter::once(&r.total))
                    .map(|c| words::count(*c))
                    .collect(),
                total: false,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_closed_period_is_shown_and_none_asked_is_the_last_closed_quarter() {
        let today = day("2026-12-03");
        assert_eq!(chosen_period(None, today), Ok(Period::Quarter(2026, 3)));
        assert_eq!(
            chosen_period(Some(" "), today),
            Ok(Period::Quarter(2026, 3))
        );
        assert_eq!(
            chosen_period(Some("2026-11"), today),
            Ok(Period::Month(2026, 11))
        );
        assert_eq!(
            chosen_period(Some("2026-12"), today),
            Err(PeriodProblem::NotClosed(Period::Month(2026, 12)))
        );
        assert_eq!(
            chosen_period(Some("2026"), today),
            Err(PeriodProblem::NotClosed(Period::Year(2026)))
        );
        assert_eq!(
            chosen_period(Some("last week"), today),
            Err(PeriodProblem::NotAPeriod)
        );
    }

    /// Every id this module looks up, static or made from a code.
    fn ids() -> Vec<String> {
        let source = include_str!("periodic.rs");
        let mut ids: Vec<String> = source
            .split('"')
            .filter(|s| s.starts_with("fig-") && !s.ends_with('-') && !s.contains('{'))
            .map(str::to_owned)
            .collect();
        let columns = [
            overdue::COLUMNS.names,
            releases::COLUMNS.names,
            releases::PAIR_COLUMNS.names,
        ];
        ids.extend(
            columns
                .iter()
                .flat_map(|c| c.iter())
                .map(|c| format!("fig-col-{c}")),
        );
        ids.extend(
            ["HandoverReceived", "HandoverAnswered", "RelocationAnswered"]
                .map(|k| format!("fig-deadline-{k}")),
        );
        ids.extend((1..=12).map(|m| format!("fig-month-{m}")));
        ids.extend(
            super::super::page::VIEWS
                .iter()
                .map(|(v, _)| format!("fig-rule-{v}")),
        );
        ids
    }

    #[test]
    fn every_word_this_module_looks_up_is_there_in_every_language() {
        // (That every language has every id of the files, with the same variables, is
        // words.rs's test; here: every id looked up is in the files.)
        let files = [
            include_str!("../../../locales/en/figures.ftl"),
            include_str!("../../../locales/en/dashboard.ftl"),
        ]
        .concat();
        for id in ids() {
            if ["fig-col-kept", "fig-col-not_escalated", "fig-col-in_time"].contains(&id.as_str()) {
                continue; // never shown: on the sheet only
            }
            assert!(
                files.lines().any(|l| l.starts_with(&format!("{id} ="))),
                "no words for {id}"
            );
        }
        // The overdue view's words in Danish, with its codes in words.
        let danish = words::LANG.sync_scope(broker::web::Lang::Da, || {
            period_words(Period::Quarter(2026, 3)) + " / " + &t("fig-deadline-HandoverAnswered")
        });
        assert_eq!(
            danish,
            "3. kvartal 2026 / Overdragelse besvaret (10 arbejdsdage)"
        );
    }

    #[test]
    fn the_csv_quotes_what_needs_quoting_and_never_starts_a_formula() {
        let report = Report {
            lines: Vec::new(),
            tables: vec![ReportTable {
                id: "t",
                caption: "Late, by prison".to_owned(),
                corner: String::new(),
                columns: vec![("late", "Late \"notices\"".to_owned())],
                rows: vec![ReportRow {
                    key: "=cmd".to_owned(),
                    label: "=HYPERLINK(\"x\")".to_owned(),
                    cells: vec!["<5".to_owned()],
                    total: false,
                }],
            }],
        };
        let text = csv(&report);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[1],
            "\"Late, by prison\",\"'=HYPERLINK(\"\"x\"\")\",\"Late \"\"notices\"\"\",<5"
        );
    }
}
