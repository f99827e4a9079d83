//! How long the agencies asked take to receive and to accept handovers requested in a closed
//! period: medians and 90th percentiles, none under 5 handovers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hub_core::periods::{Period, local_day};
use schemas::Jurisdiction;
use serde::Serialize;
use sqlx::PgPool;

use super::figures::{days_between, rows_of_year, tick};
use super::year_sheet::{Columns, RowCells, RowValues, YearSheet, zeros};
use super::{Count, p50_p90};

/// How long one agency takes to receive and to accept handovers, in days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingRow {
    /// The agency asked.
    pub agency: String,
    /// Handovers it received.
    pub received: Count,
    /// Days to receive: median and 90th percentile; none under 5 handovers.
    pub receive_p50: Option<f64>,
    /// See `receive_p50`.
    pub receive_p90: Option<f64>,
    /// Handovers it accepted.
    pub accepted: Count,
    /// Days from request to acceptance: median and 90th percentile; none under 5.
    pub accept_p50: Option<f64>,
    /// See `accept_p50`.
    pub accept_p90: Option<f64>,
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
