//! The views that count events of a period: handovers between agencies, the time to receive
//! and accept them, rejections and refusals, and relocations. Each counts what happened in a
//! closed period (by the local day of the request, the answer or the refusal) and is
//! suppressed on the sheet of its whole year ([`super::year_sheet`]), so that no month's count
//! follows from its quarter.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hub_core::periods::{Period, local_day};
use schemas::Jurisdiction;
use sqlx::PgPool;
use sqlx::postgres::PgRow;

use super::year_sheet::{Columns, RowCells, RowValues, TableCells, YearSheet, add, zeros};
use super::{
    Count, Matrix, MatrixRow, RelocationCounts, TimingRow, days_between, jurisdiction_text, p50_p90,
};

/// One count per row, counted by a day in the period.
const ONE: Columns = Columns {
    names: &["n"],
    additive: &[0],
    sums: &[],
    hidden: &[],
};

/// The rows `sql` finds for `jurisdiction` around `year`: `sql` takes the jurisdiction as $1
/// and the bounds of the year as $2 and $3, a day either side for the zone's offset (each row
/// is then counted by its local day).
async fn rows_of_year<R>(
    pool: &PgPool,
    sql: &'static str,
    jurisdiction: Jurisdiction,
    year: i32,
) -> Result<Vec<R>, sqlx::Error>
where
    R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(jurisdiction_text(jurisdiction))
        .bind(Period::Year(year).first_day() - chrono::Days::new(1))
        .bind(Period::Year(year + 1).first_day() + chrono::Days::new(1))
        .fetch_all(pool)
        .await
}

/// Adds 1 to column `c` of every period of the year that `day` falls in.
fn tick(values: &mut RowValues, periods: &[Period], c: usize, day: NaiveDate) {
    add(values, periods, c, 1, |p| p.contains(day));
}

/// A handover: the agency handing over, the agency asked, and when it was requested.
#[derive(sqlx::FromRow)]
struct FlowRow {
    from_name: String,
    to_name: String,
    requested_at: DateTime<Utc>,
}

/// Handovers from agency to agency requested in `period`: a row per agency handing over, a
/// column per agency asked, and each row's total.
pub async fn flows(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    period: Period,
) -> Result<Matrix, sqlx::Error> {
    let rows: Vec<FlowRow> = rows_of_year(
        pool,
        "SELECT coalesce(f.name, h.from_agency) AS from_name, coalesce(t.name, h.to_agency) AS to_name, h.requested_at
         FROM handovers h LEFT JOIN agencies f ON f.id = h.from_agency LEFT JOIN agencies t ON t.id = h.to_agency
         WHERE h.kind = 'handover' AND h.jurisdiction = $1 AND h.requested_at >= $2 AND h.requested_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let mut year = YearSheet::new(period.year());
    let periods = year.periods().to_vec();
    let mut pairs: BTreeMap<(String, String), RowValues> = BTreeMap::new();
    for row in rows {
        let day = local_day(row.requested_at, jurisdiction);
        let key = (row.from_name, row.to_name);
        tick(
            pairs.entry(key).or_insert_with(|| zeros(1)),
            &periods,
            0,
            day,
        );
    }
    let mut by_from: BTreeMap<String, Vec<(String, RowCells)>> = BTreeMap::new();
    for ((from, to), values) in &pairs {
        let cells = year.row(&ONE, values);
        by_from
            .entry(from.clone())
            .or_default()
            .push((to.clone(), cells));
    }
    let totals: BTreeMap<String, RowCells> = by_from
        .iter()
        .map(|(from, cells)| {
            let refs: Vec<&RowCells> = cells.iter().map(|(_, c)| c).collect();
            (from.clone(), year.total(&ONE, &refs))
        })
        .collect();
    let published = year.suppress();
    let count = |cells: &RowCells| {
        published
            .counts(&ONE, cells, period)
            .first()
            .copied()
            .unwrap_or(Count::Exact(0))
    };
    let mut columns: Vec<String> = pairs.keys().map(|(_, to)| to.clone()).collect();
    columns.sort();
    columns.dedup();
    let rows: Vec<MatrixRow> = by_from
        .iter()
        .map(|(from, cells)| MatrixRow {
            label: from.clone(),
            cells: columns
                .iter()
                .map(|c| {
                    cells
                        .iter()
                        .find(|(to, _)| to == c)
                        .map_or(Count::Exact(0), |(_, cells)| count(cells))
                })
                .collect(),
            total: totals.get(from).map_or(Count::Exact(0), count),
        })
        .filter(|r| r.total != Count::Exact(0))
        .collect();
    // Columns with nothing in this period are left out.
    let keep: Vec<bool> = (0..columns.len())
        .map(|i| rows.iter().any(|r| r.cells[i] != Count::Exact(0)))
        .collect();
    Ok(Matrix {
        columns: columns
            .into_iter()
            .zip(&keep)
            .filter_map(|(c, k)| k.then_some(c))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| MatrixRow {
                cells: r
                    .cells
                    .into_iter()
                    .zip(&keep)
                    .filter_map(|(c, k)| k.then_some(c))
                    .collect(),
                ..r
            })
            .collect(),
    })
}

/// A handover: the agency asked, where it stands, and when it was requested, received and
/// answered.
#[derive(sqlx::FromRow)]
struct TimedRow {
    agency: String,
    state: String,
    requested_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    answered_at: Option<DateTime<Utc>>,
}

/// Time to receive and to accept, per agency asked, for handovers requested in `period`.
pub async fn timing(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    period: Period,
) -> Result<Vec<TimingRow>, sqlx::Error> {
    const COLUMNS: Columns = Columns {
        names: &["received", "accepted"],
        additive: &[0, 1],
        sums: &[],
        hidden: &[],
    };
    let rows: Vec<TimedRow> = rows_of_year(
        pool,
        "SELECT coalesce(t.name, h.to_agency) AS agency, h.state, h.requested_at, h.received_at, h.answered_at
         FROM handovers h LEFT JOIN agencies t ON t.id = h.to_agency
         WHERE h.kind = 'handover' AND h.jurisdiction = $1 AND h.requested_at >= $2 AND h.requested_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let mut year = YearSheet::new(period.year());
    let periods = year.periods().to_vec();
    let mut per: BTreeMap<String, (RowValues, Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for row in rows {
        let requested = row.requested_at;
        let day = local_day(requested, jurisdiction);
        let accepted = row.state == "accepted";
        let entry = per
            .entry(row.agency)
            .or_insert_with(|| (zeros(2), Vec::new(), Vec::new()));
        if let Some(received) = row.received_at {
            tick(&mut entry.0, &periods, 0, day);
            if period.contains(day) {
                entry.1.push(days_between(requested, received));
            }
        }
        if let (true, Some(answered)) = (accepted, row.answered_at) {
            tick(&mut entry.0, &periods, 1, day);
            if period.contains(day) {
                entry.2.push(days_between(requested, answered));
            }
        }
    }
    let cells: Vec<(String, RowCells, Vec<f64>, Vec<f64>)> = per
        .into_iter()
        .map(|(agency, (values, receive, accept))| {
            let cells = year.row(&COLUMNS, &values);
            (agency, cells, receive, accept)
        })
        .collect();
    let published = year.suppress();
    Ok(cells
        .into_iter()
        .filter_map(|(agency, cells, receive, accept)| {
            let counts = published.counts(&COLUMNS, &cells, period);
            if counts.iter().all(|c| *c == Count::Exact(0)) {
                return None;
            }
            let (receive_p50, receive_p90) = p50_p90(receive);
            let (accept_p50, accept_p90) = p50_p90(accept);
            Some(TimingRow {
                agency,
                received: counts[0],
                receive_p50,
                receive_p90,
                accepted: counts[1],
                accept_p50,
                accept_p90,
            })
        })
        .collect())
}

/// A reason code and the time it was given.
#[derive(sqlx::FromRow)]
struct CodeRow {
    code: String,
    at: DateTime<Utc>,
}

/// Handovers rejected (by the day of the rejection) and messages and recipients the hub
/// refused (by the day the message arrived) in `period`, by reason code.
pub async fn rejections(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    period: Period,
) -> Result<super::RejectionFigures, sqlx::Error> {
    let handovers: Vec<CodeRow> = rows_of_year(
        pool,
        "SELECT coalesce(reject_code, 'not given') AS code, answered_at AS at FROM handovers
         WHERE kind = 'handover' AND state = 'rejected' AND jurisdiction = $1
           AND answered_at >= $2 AND answered_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let refusals: Vec<CodeRow> = rows_of_year(
        pool,
        "SELECT m.reason AS code, m.received_at AS at FROM messages m JOIN agencies a ON a.id = m.sender
         WHERE m.outcome = 'refused' AND m.reason IS NOT NULL AND a.jurisdiction = $1
           AND m.received_at >= $2 AND m.received_at < $3
         UNION ALL
         SELECT d.reason AS code, m.received_at AS at FROM decisions d
         JOIN messages m ON m.sender = d.sender AND m.message_id = d.message_id
         JOIN agencies a ON a.id = d.sender
         WHERE NOT d.delivered AND m.outcome = 'routed' AND d.reason IS NOT NULL AND a.jurisdiction = $1
           AND m.received_at >= $2 AND m.received_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let mut year = YearSheet::new(period.year());
    let periods = year.periods().to_vec();
    let by_code = |rows: Vec<CodeRow>| {
        let mut values: BTreeMap<String, RowValues> = BTreeMap::new();
        for row in rows {
            let day = local_day(row.at, jurisdiction);
            tick(
                values.entry(row.code).or_insert_with(|| zeros(1)),
                &periods,
                0,
                day,
            );
        }
        values
    };
    let handovers = by_code(handovers);
    let refusals = by_code(refusals);
    let handover_cells = TableCells::lay_out(&mut year, &ONE, handovers, None);
    let refusal_cells = TableCells::lay_out(&mut year, &ONE, refusals, None);
    let published = year.suppress();
    let pairs = |cells: &TableCells| -> Vec<(String, Count)> {
        let mut rows: Vec<(String, Count)> = cells
            .publish(&published, &ONE, period)
            .rows
            .into_iter()
            .filter_map(|r| Some((r.label, *r.cells.first()?)))
            .collect();
        rows.sort_by(|a, b| {
            b.1.exact()
                .unwrap_or(0)
                .cmp(&a.1.exact().unwrap_or(0))
                .then(a.0.cmp(&b.0))
        });
        rows
    };
    Ok(super::RejectionFigures {
        handovers: pairs(&handover_cells),
        hub_refusals: pairs(&refusal_cells),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_counts_in_its_month_its_quarter_and_its_year() {
        let periods = Period::all_of_year(2026);
        let mut v = zeros(1);
        tick(&mut v, &periods, 0, "2026-05-31".parse().unwrap());
        let counted: Vec<String> = periods
            .iter()
            .zip(&v)
            .filter(|(_, v)| v[0] == 1)
            .map(|(p, _)| p.to_string())
            .collect();
        assert_eq!(counted, ["2026-05", "2026-Q2", "2026"]);
    }
}
