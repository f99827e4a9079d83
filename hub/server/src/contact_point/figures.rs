//! What the views share: the [`Matrix`] of counts and its layout on a suppression sheet, the
//! reading of a view's rows (one snapshot for the figures of the present, the rows of a whole
//! year for a period view), and small helpers.
//!
//! A period view counts what happened in a closed period (by the local day of the request,
//! the answer or the refusal) and is suppressed on the sheet of its whole year
//! ([`super::year_sheet`]), so that no month's count follows from its quarter.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hub_core::contact_point::suppress::{Cell, Published, Sheet, Split};
use hub_core::periods::Period;
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgRow;

use super::Count;
use super::year_sheet::{Columns, RowValues, add};

/// A table of counts: rows by a label, columns by another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// The column labels.
    pub columns: Vec<String>,
    /// One row per label, with a count per column and the row's total.
    pub rows: Vec<MatrixRow>,
}

/// One row of a [`Matrix`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    /// The row's label.
    pub label: String,
    /// A count per column, in the matrix's column order.
    pub cells: Vec<Count>,
    /// The row's total.
    pub total: Count,
}

/// A [`Matrix`] laid out on a [`Sheet`]: a count per row and column, and each row's total.
pub(super) struct MatrixCells {
    columns: Vec<String>,
    rows: Vec<(String, Vec<Cell>, Cell)>,
}

impl MatrixCells {
    /// From `(row, column, n)` triples; columns in `columns` order, then any others in the
    /// order they come. Records each row's sum.
    pub(super) fn lay_out(
        sheet: &mut Sheet,
        columns: &[&str],
        triples: Vec<(String, String, i64)>,
    ) -> MatrixCells {
        let mut all_columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
        let mut rows: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for (row, column, n) in triples {
            if !all_columns.contains(&column) {
                all_columns.push(column.clone());
            }
            *rows.entry(row).or_default().entry(column).or_default() += n;
        }
        let rows = rows
            .into_iter()
            .map(|(label, by_column)| {
                let cells: Vec<Cell> = all_columns
                    .iter()
                    .map(|c| sheet.cell(by_column.get(c).copied().unwrap_or(0)))
                    .collect();
                let total = sheet.total_of(&cells);
                (label, cells, total)
            })
            .collect();
        MatrixCells {
            columns: all_columns,
            rows,
        }
    }

    /// The cells of column `i`, top to bottom.
    pub(super) fn column(&self, i: usize) -> Vec<Cell> {
        self.rows.iter().map(|(_, cells, _)| cells[i]).collect()
    }

    /// The rows' totals.
    pub(super) fn row_totals(&self) -> Vec<Cell> {
        self.rows.iter().map(|(_, _, total)| *total).collect()
    }

    /// The row labelled `label`: its cells and its total.
    pub(super) fn row(&self, label: &str) -> Option<(&[Cell], Cell)> {
        self.rows
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, cells, total)| (cells.as_slice(), *total))
    }

    pub(super) fn publish(&self, published: &Published) -> Matrix {
        Matrix {
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .map(|(label, cells, total)| MatrixRow {
                    label: label.clone(),
                    cells: cells.iter().map(|c| published.count(*c)).collect(),
                    total: published.count(*total),
                })
                .collect(),
        }
    }
}

/// A read-only transaction whose queries all see one snapshot, so that the sums a view puts
/// on its sheet add up.
pub(super) async fn snapshot(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The split of the sums of `splits`: wholes, parts and rests each added up.
pub(super) fn total_split(sheet: &mut Sheet, splits: impl Iterator<Item = Split> + Clone) -> Split {
    let whole = sheet.total_of(&splits.clone().map(|s| s.whole).collect::<Vec<_>>());
    let part = sheet.total_of(&splits.clone().map(|s| s.part).collect::<Vec<_>>());
    let rest = sheet.total_of(&splits.map(|s| s.rest).collect::<Vec<_>>());
    sheet.sum(whole, &[part, rest]);
    Split { whole, part, rest }
}

/// Days from `from` to `to`, with their fraction.
pub(super) fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

/// One count per row, counted by a day in the period.
pub(super) const ONE: Columns = Columns {
    names: &["n"],
    additive: &[0],
    sums: &[],
    hidden: &[],
};

/// The rows `sql` finds for `jurisdiction` around `year`: `sql` takes the jurisdiction as $1
/// and the bounds of the year as $2 and $3, a day either side for the zone's offset (each row
/// is then counted by its local day).
pub(super) async fn rows_of_year<R>(
    pool: &PgPool,
    sql: &'static str,
    jurisdiction: Jurisdiction,
    year: i32,
) -> Result<Vec<R>, sqlx::Error>
where
    R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(enum_text(&jurisdiction))
        .bind(Period::Year(year).first_day() - chrono::Days::new(1))
        .bind(Period::Year(year + 1).first_day() + chrono::Days::new(1))
        .fetch_all(pool)
        .await
}

/// Adds 1 to column `c` of every period of the year that `day` falls in.
pub(super) fn tick(values: &mut RowValues, periods: &[Period], c: usize, day: NaiveDate) {
    add(values, periods, c, 1, |p| p.contains(day));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact_point::year_sheet::zeros;

    #[test]
    fn matrices_keep_the_given_column_order_and_suppress_cells() {
        let mut sheet = Sheet::default();
        let cells = MatrixCells::lay_out(
            &mut sheet,
            &["referred", "active"],
            vec![
                ("Aarhus".into(), "active".into(), 7),
                ("Aarhus".into(), "referred".into(), 2),
                ("Aarhus".into(), "closed".into(), 6),
                ("København".into(), "active".into(), 5),
            ],
        );
        let m = cells.publish(&sheet.suppress());
        assert_eq!(m.columns, ["referred", "active", "closed"]);
        assert_eq!(m.rows[0].label, "Aarhus");
        // The 2 would follow from the total of 15: the 6 goes with it.
        assert_eq!(
            m.rows[0].cells,
            [Count::Suppressed, Count::Exact(7), Count::Withheld]
        );
        assert_eq!(m.rows[0].total, Count::Exact(15));
        assert_eq!(
            m.rows[1].cells,
            [Count::Exact(0), Count::Exact(5), Count::Exact(0)]
        );
        assert_eq!(
            serde_json::to_string(&m.rows[0].cells).unwrap(),
            r#"["<5",7,"suppressed"]"#
        );
    }

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
