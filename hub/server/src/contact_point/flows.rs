//! Handovers from agency to agency in a closed period, by the local day of the request.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hub_core::periods::{Period, local_day};
use schemas::Jurisdiction;
use sqlx::PgPool;

use super::Count;
use super::figures::{Matrix, MatrixRow, ONE, rows_of_year, tick};
use super::year_sheet::{RowCells, RowValues, YearSheet, zeros};

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
