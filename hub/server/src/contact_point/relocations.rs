//! Relocations requested in a closed period, as counts only: no row, pseudonym or agency of a
//! relocation (agency names give the town away).

use chrono::{DateTime, Utc};
use hub_core::periods::{Period, local_day};
use schemas::Jurisdiction;
use serde::Serialize;
use sqlx::PgPool;

use super::Count;
use super::figures::rows_of_year;
use super::year_sheet::{Columns, YearSheet, zeros};

/// Relocations of one jurisdiction, by where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelocationCounts {
    /// Requested, in all.
    pub requested: Count,
    /// Confirmed: the person moved and the destination owns the case.
    pub confirmed: Count,
    /// Declined by the destination.
    pub rejected: Count,
    /// Still waiting for an answer.
    pub open: Count,
    /// Answered late or not at all within 2 calendar days (escalated to the origin).
    pub overdue: Count,
}

/// A relocation: where it stands, and when it was requested and answered.
#[derive(sqlx::FromRow)]
struct RelocationRow {
    state: String,
    requested_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
}

/// Relocations requested in `period`, by where they stood at its end: confirmed, declined,
/// open; and those answered later than 2 calendar days after the request, or not at all.
pub async fn relocations(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    period: Period,
    rules: &hub_core::deadlines::DeadlineRules,
) -> Result<RelocationCounts, sqlx::Error> {
    const COLUMNS: Columns = Columns {
        names: &[
            "requested",
            "confirmed",
            "rejected",
            "open",
            "other",
            "overdue",
            "in_time",
        ],
        additive: &[0, 5, 6],
        sums: &[(0, &[1, 2, 3, 4]), (0, &[5, 6])],
        hidden: &[4, 6],
    };
    let rows: Vec<RelocationRow> = rows_of_year(
        pool,
        "SELECT state, requested_at, answered_at FROM handovers
         WHERE kind = 'relocation' AND jurisdiction = $1 AND requested_at >= $2 AND requested_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let mut year = YearSheet::new(period.year());
    let periods = year.periods().to_vec();
    let calendar = hub_core::deadlines::Calendar::weekends_only(jurisdiction);
    let mut values = zeros(COLUMNS.names.len());
    for row in rows {
        let requested_on = local_day(row.requested_at, jurisdiction);
        let answered_on = row.answered_at.map(|at| local_day(at, jurisdiction));
        let state = row.state;
        let deadline = hub_core::lateness::relocation(&calendar, rules, requested_on, answered_on);
        for (p, in_period) in periods.iter().enumerate() {
            if !in_period.contains(requested_on) {
                continue;
            }
            let v = &mut values[p];
            v[0] += 1;
            let answered_by_end = answered_on.is_some_and(|a| a <= in_period.last_day());
            let column = match state.as_str() {
                "accepted" if answered_by_end => 1,
                "rejected" if answered_by_end => 2,
                "requested" | "received" | "accepted" | "rejected" => 3,
                _ => 4,
            };
            v[column] += 1;
            // Overdue as it stood at the period's end: due by then and not met by its due day.
            let overdue = deadline.due <= in_period.last_day() && deadline.overdue();
            v[if overdue { 5 } else { 6 }] += 1;
        }
    }
    let cells = year.row(&COLUMNS, &values);
    let published = year.suppress();
    let c = published.counts(&COLUMNS, &cells, period);
    Ok(RelocationCounts {
        requested: c[0],
        confirmed: c[1],
        rejected: c[2],
        open: c[3],
        overdue: c[4],
    })
}
