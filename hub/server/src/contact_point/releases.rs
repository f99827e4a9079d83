//! Late release notices: the failure the exit programmes exist to end ("the municipality was
//! contacted too late in the sentence"). A notice is due 3 months before the expected release
//! ([`hub_core::lateness::release_notice_days_late`]); each routed notice counts in the period
//! of the day it arrived.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hub_core::deadlines::DeadlineRules;
use hub_core::lateness::release_notice_days_late;
use hub_core::periods::{Period, local_day};
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sqlx::PgPool;

use super::percentile;
use super::year_sheet::{Columns, RowValues, Table, TableCells, YearSheet, zeros};

/// Notices received, in time (not shown: received less late) and late.
pub const COLUMNS: Columns = Columns {
    names: &["received", "in_time", "late"],
    additive: &[0, 1, 2],
    sums: &[(0, &[1, 2])],
    hidden: &[1],
};

/// Late notices from one prison to one municipality.
pub const PAIR_COLUMNS: Columns = Columns {
    names: &["late"],
    additive: &[0],
    sums: &[],
    hidden: &[],
};

/// The label of the row of all prisons.
pub const TOTAL: &str = "total";

/// The late release notices view of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseFigures {
    /// The period.
    pub period: String,
    /// Notices received and late, by prison, with the total.
    pub by_prison: Table,
    /// Late notices by prison and municipality: the label is "prison → municipality", a
    /// notice to two municipalities counts once for each.
    pub late_pairs: Vec<LatePair>,
    /// Days late over the late notices of the period: median, 25th and 75th percentile; none
    /// under 5 late notices.
    pub days_late: Option<Spread>,
}

/// Late notices from one prison to one municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatePair {
    /// The prison's name.
    pub prison: String,
    /// The municipality's name.
    pub municipality: String,
    /// Late notices.
    pub late: super::Count,
}

/// A median and the middle half around it, in days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// The 25th percentile.
    pub p25: f64,
    /// The median.
    pub median: f64,
    /// The 75th percentile.
    pub p75: f64,
}

/// One routed notice.
struct Notice {
    prison: String,
    received_on: NaiveDate,
    days_late: Option<u32>,
    municipalities: Vec<String>,
}

/// One routed notice as stored: its sender, expected release, arrival, and the
/// municipalities it was delivered to.
#[derive(sqlx::FromRow)]
struct NoticeRow {
    prison: String,
    expected_release: NaiveDate,
    received_at: DateTime<Utc>,
    municipalities: Vec<String>,
}

async fn notices(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    rules: &DeadlineRules,
    year: i32,
) -> Result<Vec<Notice>, sqlx::Error> {
    let rows: Vec<NoticeRow> = sqlx::query_as(
        "SELECT coalesce(p.name, n.sender) AS prison, n.expected_release, n.received_at,
                coalesce((SELECT array_agg(coalesce(a.name, d.recipient) ORDER BY d.recipient)
                          FROM decisions d JOIN agencies a ON a.id = d.recipient
                          WHERE d.sender = n.sender AND d.message_id = n.message_id
                            AND d.delivered AND a.role = 'municipality'), '{}') AS municipalities
         FROM release_notices n LEFT JOIN agencies p ON p.id = n.sender
         WHERE n.jurisdiction = $1 AND n.received_at >= $2 AND n.received_at < $3",
    )
    .bind(enum_text(&jurisdiction))
    // A day's local start lies within a day of UTC midnight either side.
    .bind(Period::Year(year).first_day() - chrono::Days::new(1))
    .bind(Period::Year(year + 1).first_day() + chrono::Days::new(1))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let received_on = local_day(row.received_at, jurisdiction);
            Notice {
                prison: row.prison,
                received_on,
                days_late: release_notice_days_late(rules, row.expected_release, received_on),
                municipalities: row.municipalities,
            }
        })
        .collect())
}

/// The late release notices of `jurisdiction` in `period` (closed, checked by the caller).
pub async fn releases(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    rules: &DeadlineRules,
    period: Period,
) -> Result<ReleaseFigures, sqlx::Error> {
    let year_of = period.year();
    let notices: Vec<Notice> = notices(pool, jurisdiction, rules, year_of)
        .await?
        .into_iter()
        .filter(|n| Period::Year(year_of).contains(n.received_on))
        .collect();
    let mut year = YearSheet::new(year_of);
    let periods = year.periods().to_vec();
    let mut by_prison: BTreeMap<String, RowValues> = BTreeMap::new();
    let mut pairs: BTreeMap<String, RowValues> = BTreeMap::new();
    let mut days_late = Vec::new();
    for n in &notices {
        let late = n.days_late.is_some();
        let values = by_prison
            .entry(n.prison.clone())
            .or_insert_with(|| zeros(COLUMNS.names.len()));
        for (p, in_period) in periods.iter().enumerate() {
            if !in_period.contains(n.received_on) {
                continue;
            }
            values[p][0] += 1;
            values[p][if late { 2 } else { 1 }] += 1;
            if late {
                for m in &n.municipalities {
                    pairs
                        .entry(pair_label(&n.prison, m))
                        .or_insert_with(|| zeros(1))[p][0] += 1;
                }
            }
        }
        if let (Some(days), true) = (n.days_late, period.contains(n.received_on)) {
            days_late.push(f64::from(days));
        }
    }
    let prison_cells = TableCells::lay_out(&mut year, &COLUMNS, by_prison, Some(TOTAL));
    let pair_cells = TableCells::lay_out(&mut year, &PAIR_COLUMNS, pairs, None);
    let published = year.suppress();
    let pair_table = pair_cells.publish(&published, &PAIR_COLUMNS, period);
    days_late.sort_by(f64::total_cmp);
    Ok(ReleaseFigures {
        period: period.to_string(),
        by_prison: prison_cells.publish(&published, &COLUMNS, period),
        late_pairs: pair_table
            .rows
            .into_iter()
            .filter_map(|row| {
                let (prison, municipality) = row.label.split_once(PAIR_SEPARATOR)?;
                Some(LatePair {
                    prison: prison.to_owned(),
                    municipality: municipality.to_owned(),
                    late: *row.cells.first()?,
                })
            })
            .collect(),
        days_late: spread(&days_late),
    })
}

/// Between a prison's and a municipality's name in a pair's label (no agency name has it).
const PAIR_SEPARATOR: &str = "\u{1f}";

fn pair_label(prison: &str, municipality: &str) -> String {
    format!("{prison}{PAIR_SEPARATOR}{municipality}")
}

/// The median and the middle half of `sorted`, from 5 values up.
fn spread(sorted: &[f64]) -> Option<Spread> {
    if sorted.len() < super::SUPPRESS_UNDER as usize {
        return None;
    }
    Some(Spread {
        p25: percentile(sorted, 0.25)?,
        median: percentile(sorted, 0.5)?,
        p75: percentile(sorted, 0.75)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spread_needs_five_late_notices() {
        assert_eq!(spread(&[1.0, 2.0, 3.0, 4.0]), None);
        assert_eq!(
            spread(&[1.0, 2.0, 3.0, 4.0, 9.0]),
            Some(Spread {
                p25: 2.0,
                median: 3.0,
                p75: 4.0
            })
        );
    }

    #[test]
    fn a_pair_label_splits_back_into_its_agencies() {
        let label = pair_label("Kriminalforsorgen Nord", "Nordby Kommune");
        assert_eq!(
            label.split_once(PAIR_SEPARATOR),
            Some(("Kriminalforsorgen Nord", "Nordby Kommune"))
        );
    }
}
