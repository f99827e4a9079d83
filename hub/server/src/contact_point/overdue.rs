//! Overdue by the calendar: every deadline a handover or a relocation had, judged from the
//! recorded timeline (see [`hub_core::lateness`]), escalated or not, open or answered late.
//!
//! A deadline belongs to the period its due day falls in. Of those, the view counts the ones
//! kept and the overdue ones, and of the overdue ones those answered by the period's end, those
//! still open then, and those the hub had escalated by then. Handovers a sender cancelled or
//! that consent blocked are left out: no deadline runs for them. Relocations are counted by
//! deadline only, never by agency or region (agency names give the town away).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hub_core::deadlines::DeadlineKind;
use hub_core::escalation::deadline_kind;
use hub_core::lateness::{self, Deadline, Standing};
use hub_core::periods::{Period, local_day};
use schemas::messages::DeadlineName;
use schemas::vocab::enum_text;
use schemas::{Jurisdiction, Pseudonym};
use serde::Serialize;
use sqlx::PgPool;

use super::year_sheet::{Columns, RowValues, Table, TableCells, YearSheet, zeros};
use crate::db::columns::Vocab;
use crate::settings::Deadlines;

/// The columns: deadlines due in the period, kept (not shown: due less overdue), overdue, and
/// of the overdue ones answered late by the period's end, open at its end, escalated by then
/// and not (not shown).
pub const COLUMNS: Columns = Columns {
    names: &[
        "due",
        "kept",
        "overdue",
        "answered_late",
        "open_at_end",
        "escalated",
        "not_escalated",
    ],
    additive: &[0, 1, 2],
    sums: &[(0, &[1, 2]), (2, &[3, 4]), (2, &[5, 6])],
    hidden: &[1, 6],
};

/// The label of a table's total row.
pub const TOTAL: &str = "total";

/// The overdue view of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueFigures {
    /// The period.
    pub period: String,
    /// By deadline: `HandoverReceived`, `HandoverAnswered`, `RelocationAnswered`, and the total.
    pub by_deadline: Table,
    /// Handover deadlines by the agency asked, and the total.
    pub by_agency: Table,
    /// Handover deadlines by the region of the agency asked, and the total.
    pub by_region: Table,
    /// The overdue handover deadlines one by one, for roles that may see pseudonymous rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<OverdueRow>>,
}

/// One overdue handover deadline, as the contact point may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueRow {
    /// The person, by the contact point's own pseudonym.
    pub pseudonym: Pseudonym,
    /// The agency handing over; none when the case had a relocation.
    pub from_agency: Option<String>,
    /// The agency asked; none when the case had a relocation.
    pub to_agency: Option<String>,
    /// `HandoverReceived` or `HandoverAnswered`.
    pub deadline: &'static str,
    /// The last day in time.
    pub due: NaiveDate,
    /// When it was met, if it was by the period's end.
    pub met_on: Option<NaiveDate>,
    /// Whether the hub had escalated it by the period's end.
    pub escalated: bool,
}

/// One handover or relocation as recorded.
struct Recorded {
    kind: String,
    subject: String,
    from_name: Option<String>,
    to_name: Option<String>,
    region: Option<String>,
    relocated: bool,
    deadlines: Vec<Deadline>,
    /// Per deadline, the day of its first escalation.
    escalated: BTreeMap<DeadlineKind, NaiveDate>,
}

fn kind_name(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::ReleaseNotice => "ReleaseNotice",
        DeadlineKind::HandoverReceived => "HandoverReceived",
        DeadlineKind::HandoverAnswered => "HandoverAnswered",
        DeadlineKind::RelocationAnswered => "RelocationAnswered",
    }
}

/// A handover or relocation as stored, with the escalations sent of it: their deadline
/// names and times, oldest first.
#[derive(sqlx::FromRow)]
struct RecordedRow {
    kind: String,
    subject: String,
    requested_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    answered_at: Option<DateTime<Utc>>,
    from_name: Option<String>,
    to_name: Option<String>,
    region: Option<String>,
    relocated: bool,
    escalated_deadlines: Vec<Vocab<DeadlineName>>,
    escalated_at: Vec<DateTime<Utc>>,
}

/// The deadlines of `jurisdiction` as recorded, for those due in `year`.
async fn recorded(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    deadlines: &Deadlines,
    year: i32,
) -> Result<Vec<Recorded>, sqlx::Error> {
    let rows: Vec<RecordedRow> = sqlx::query_as(
        "SELECT h.kind, k.subject, h.requested_at, h.received_at, h.answered_at,
                f.name AS from_name, t.name AS to_name, t.region,
                EXISTS (SELECT 1 FROM handovers r WHERE r.case_id = h.case_id AND r.kind = 'relocation') AS relocated,
                coalesce((SELECT array_agg(e.deadline ORDER BY e.sent_at) FROM escalations e
                          WHERE e.subject_ref = h.handover_id::text), '{}') AS escalated_deadlines,
                coalesce((SELECT array_agg(e.sent_at ORDER BY e.sent_at) FROM escalations e
                          WHERE e.subject_ref = h.handover_id::text), '{}') AS escalated_at
         FROM handovers h
         JOIN cases k ON k.case_id = h.case_id
         LEFT JOIN agencies f ON f.id = h.from_agency
         LEFT JOIN agencies t ON t.id = h.to_agency
         WHERE h.jurisdiction = $1 AND h.state NOT IN ('cancelled', 'blocked_consent')
           AND h.requested_at >= $2 AND h.requested_at < $3",
    )
    .bind(enum_text(&jurisdiction))
    // A deadline due in the year was requested at most a few weeks before it.
    .bind(Period::Year(year).first_day() - chrono::Days::new(60))
    .bind(Period::Year(year + 1).first_day())
    .fetch_all(pool)
    .await?;
    let calendar = deadlines.calendar(jurisdiction);
    let day = |at: Option<DateTime<Utc>>| at.map(|at| local_day(at, jurisdiction));
    rows.into_iter()
        .map(|row| {
            let requested_on = local_day(row.requested_at, jurisdiction);
            let received = day(row.received_at);
            let answered = day(row.answered_at);
            let deadlines = if row.kind == "relocation" {
                vec![lateness::relocation(
                    &calendar,
                    &deadlines.rules,
                    requested_on,
                    answered,
                )]
            } else {
                lateness::handover(
                    &calendar,
                    &deadlines.rules,
                    requested_on,
                    received,
                    answered,
                )
                .to_vec()
            };
            let mut escalated = BTreeMap::new();
            for (name, at) in row.escalated_deadlines.into_iter().zip(row.escalated_at) {
                escalated
                    .entry(deadline_kind(name.0))
                    .or_insert_with(|| local_day(at, jurisdiction));
            }
            Ok(Recorded {
                kind: row.kind,
                subject: row.subject,
                from_name: row.from_name,
                to_name: row.to_name,
                region: row.region,
                relocated: row.relocated,
                deadlines,
                escalated,
            })
        })
        .collect()
}

/// Adds one deadline to a row's values for every period of the year its due day falls in.
fn count(values: &mut RowValues, periods: &[Period], d: &Deadline, escalated: Option<NaiveDate>) {
    for (p, period) in periods.iter().enumerate() {
        if !period.contains(d.due) {
            continue;
        }
        let end = period.last_day();
        let v = &mut values[p];
        v[0] += 1;
        if !d.overdue() {
            v[1] += 1;
            continue;
        }
        v[2] += 1;
        match d.standing_on(end) {
            Standing::AnsweredLate => v[3] += 1,
            _ => v[4] += 1,
        }
        if escalated.is_some_and(|on| on <= end) {
            v[5] += 1;
        } else {
            v[6] += 1;
        }
    }
}

/// The overdue view of `period` (closed, checked by the caller) for `jurisdiction`; rows of
/// overdue handover deadlines when `with_rows`.
pub async fn overdue(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    deadlines: &Deadlines,
    period: Period,
    with_rows: bool,
) -> Result<OverdueFigures, sqlx::Error> {
    let recorded = recorded(pool, jurisdiction, deadlines, period.year()).await?;
    let mut year = YearSheet::new(period.year());
    let periods = year.periods().to_vec();
    let width = COLUMNS.names.len();
    let mut by_deadline: BTreeMap<String, RowValues> = [
        DeadlineKind::HandoverReceived,
        DeadlineKind::HandoverAnswered,
        DeadlineKind::RelocationAnswered,
    ]
    .into_iter()
    .map(|k| (kind_name(k).to_owned(), zeros(width)))
    .collect();
    let mut by_agency: BTreeMap<String, RowValues> = BTreeMap::new();
    let mut by_region: BTreeMap<String, RowValues> = BTreeMap::new();
    let mut rows = Vec::new();
    for r in &recorded {
        for d in &r.deadlines {
            let escalated = r.escalated.get(&d.kind).copied();
            if let Some(values) = by_deadline.get_mut(kind_name(d.kind)) {
                count(values, &periods, d, escalated);
            }
            if r.kind == "relocation" {
                continue;
            }
            let (agency, region) = if r.relocated {
                (WITHHELD.to_owned(), WITHHELD.to_owned())
            } else {
                (
                    r.to_name.clone().unwrap_or_else(|| UNKNOWN.to_owned()),
                    r.region.clone().unwrap_or_else(|| UNKNOWN.to_owned()),
                )
            };
            count(
                by_agency.entry(agency).or_insert_with(|| zeros(width)),
                &periods,
                d,
                escalated,
            );
            count(
                by_region.entry(region).or_insert_with(|| zeros(width)),
                &periods,
                d,
                escalated,
            );
            if with_rows && period.contains(d.due) && d.overdue() {
                rows.push((r, *d, escalated));
            }
        }
    }
    // The three tables count the same handover deadlines: their totals are equal, and equal
    // to the two handover rows of the table by deadline.
    let handover_kinds: BTreeMap<String, RowValues> = by_deadline
        .iter()
        .filter(|(k, _)| *k != "RelocationAnswered")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let deadline_cells = TableCells::lay_out(&mut year, &COLUMNS, by_deadline, Some(TOTAL));
    let handover_cells = TableCells::lay_out(&mut year, &COLUMNS, handover_kinds, Some(TOTAL));
    let agency_cells = TableCells::lay_out(&mut year, &COLUMNS, by_agency, Some(TOTAL));
    let region_cells = TableCells::lay_out(&mut year, &COLUMNS, by_region, Some(TOTAL));
    if let (Some(h), Some(a), Some(r)) = (
        handover_cells.total_cells(),
        agency_cells.total_cells(),
        region_cells.total_cells(),
    ) {
        let (h, a, r) = (h.clone(), a.clone(), r.clone());
        year.same(&a, &h);
        year.same(&r, &h);
    }
    let published = year.suppress();
    let key = &deadlines.contact_point_key;
    let last_day = period.last_day();
    // The deadlines in the order a handover meets them, then the total.
    let mut by_deadline = deadline_cells.publish(&published, &COLUMNS, period);
    let order = [
        "HandoverReceived",
        "HandoverAnswered",
        "RelocationAnswered",
        TOTAL,
    ];
    by_deadline
        .rows
        .sort_by_key(|r| order.iter().position(|o| *o == r.label));
    Ok(OverdueFigures {
        period: period.to_string(),
        by_deadline,
        by_agency: agency_cells.publish(&published, &COLUMNS, period),
        by_region: region_cells.publish(&published, &COLUMNS, period),
        rows: with_rows.then(|| {
            let mut out: Vec<OverdueRow> = rows
                .into_iter()
                .filter_map(|(r, d, escalated)| {
                    let subject = Pseudonym::try_from(r.subject.clone()).ok()?;
                    Some(OverdueRow {
                        pseudonym: hub_core::contact_point::pseudonym(key.expose(), &subject),
                        from_agency: (!r.relocated).then(|| r.from_name.clone()).flatten(),
                        to_agency: (!r.relocated).then(|| r.to_name.clone()).flatten(),
                        deadline: kind_name(d.kind),
                        due: d.due,
                        met_on: d.met_on.filter(|met| *met <= last_day),
                        escalated: escalated.is_some_and(|on| on <= last_day),
                    })
                })
                .collect();
            out.sort_by(|a, b| (b.due, &a.pseudonym).cmp(&(a.due, &b.pseudonym)));
            out
        }),
    })
}

/// The agency and region label of a handover in a case that had a relocation.
pub const WITHHELD: &str = "withheld";
/// The label of an agency or region the directory does not know.
pub const UNKNOWN: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_deadline_counts_in_the_periods_of_its_due_day_as_it_stood_at_their_end() {
        let periods = Period::all_of_year(2026);
        let mut v = zeros(COLUMNS.names.len());
        // Due 27 January, met 3 February, escalated 29 January.
        let d = Deadline {
            kind: DeadlineKind::HandoverAnswered,
            due: day("2026-01-27"),
            met_on: Some(day("2026-02-03")),
        };
        count(&mut v, &periods, &d, Some(day("2026-01-29")));
        let january = &v[0];
        assert_eq!(january, &vec![1, 0, 1, 0, 1, 1, 0], "open at January's end");
        let q1 = &v[12];
        assert_eq!(q1, &vec![1, 0, 1, 1, 0, 1, 0], "answered late within Q1");
        assert_eq!(v[1], vec![0; 7], "nothing in February: due in January");
        let kept = Deadline {
            met_on: Some(day("2026-01-27")),
            ..d
        };
        let mut v = zeros(COLUMNS.names.len());
        count(&mut v, &periods, &kept, None);
        assert_eq!(v[16], vec![1, 1, 0, 0, 0, 0, 0], "kept on its due day");
    }
}
