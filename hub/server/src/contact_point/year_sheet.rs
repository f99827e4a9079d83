//! Tables for every period of one calendar year, suppressed together.
//!
//! A reader can ask for any month, quarter or year, so a view's counts for all 17 periods of a
//! year go on one [`Sheet`] with every sum a reader could form: a quarter is its months, the
//! year its quarters (for the columns that add up over time, see [`Columns::additive`]),
//! within a period a column that is the sum of others (due = in time + overdue), and a table's
//! total row. Suppressing them together means a count hidden in one month cannot be worked out
//! from its quarter less the other months. Years never add up to anything shown, so each year
//! is a sheet of its own.

use std::collections::BTreeMap;

use hub_core::periods::Period;
use serde::Serialize;

use super::Count;
use hub_core::contact_point::suppress::{Cell, Published, Sheet};

/// The columns of a view's tables and how they add up.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    /// Column names (codes, as in the JSON and the CSV; the page shows words for them).
    pub names: &'static [&'static str],
    /// Columns counted by a day inside the period (so a quarter is the sum of its months);
    /// the others are a standing at the period's end, which does not add up over time.
    pub additive: &'static [usize],
    /// Within a period: a column that is the sum of others, as indices.
    pub sums: &'static [(usize, &'static [usize])],
    /// Columns counted on the sheet but never published (a rest a reader can work out).
    pub hidden: &'static [usize],
}

/// One row's counts for each period of the year (17, in [`Period::all_of_year`] order), each
/// a value per column.
pub type RowValues = Vec<Vec<i64>>;

/// A row's cells on the sheet: per period, per column.
#[derive(Debug, Clone)]
pub struct RowCells(Vec<Vec<Cell>>);

/// The sheet of one year.
#[derive(Debug)]
pub struct YearSheet {
    periods: Vec<Period>,
    sheet: Sheet,
}

impl YearSheet {
    /// An empty sheet for `year`.
    pub fn new(year: i32) -> YearSheet {
        YearSheet {
            periods: Period::all_of_year(year),
            sheet: Sheet::default(),
        }
    }

    /// The periods of the year, in the order of a row's values.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// Where `period` is in [`YearSheet::periods`].
    fn index(&self, period: Period) -> Option<usize> {
        self.periods.iter().position(|p| *p == period)
    }

    /// A row with its sums over time and between columns.
    pub fn row(&mut self, columns: &Columns, values: &RowValues) -> RowCells {
        let cells: Vec<Vec<Cell>> = values
            .iter()
            .map(|per_column| per_column.iter().map(|v| self.sheet.cell(*v)).collect())
            .collect();
        let row = RowCells(cells);
        self.relate(columns, &row);
        row
    }

    /// The total row of `rows`: each cell the sum of the rows' cells.
    pub fn total(&mut self, columns: &Columns, rows: &[&RowCells]) -> RowCells {
        let cells = (0..self.periods.len())
            .map(|p| {
                (0..columns.names.len())
                    .map(|c| {
                        let parts: Vec<Cell> = rows.iter().map(|r| r.0[p][c]).collect();
                        self.sheet.total_of(&parts)
                    })
                    .collect()
            })
            .collect();
        let total = RowCells(cells);
        self.relate(columns, &total);
        total
    }

    /// Records that two rows are equal (the same counts reached by two breakdowns).
    pub fn same(&mut self, a: &RowCells, b: &RowCells) {
        for (pa, pb) in a.0.iter().zip(&b.0) {
            for (ca, cb) in pa.iter().zip(pb) {
                self.sheet.sum(*ca, &[*cb]);
            }
        }
    }

    fn relate(&mut self, columns: &Columns, row: &RowCells) {
        for (p, period) in self.periods.clone().into_iter().enumerate() {
            for (total, parts) in columns.sums {
                let parts: Vec<Cell> = parts.iter().map(|c| row.0[p][*c]).collect();
                self.sheet.sum(row.0[p][*total], &parts);
            }
            let parts: Vec<usize> = period
                .parts()
                .into_iter()
                .filter_map(|part| self.index(part))
                .collect();
            if parts.is_empty() {
                continue;
            }
            for &c in columns.additive {
                let cells: Vec<Cell> = parts.iter().map(|i| row.0[*i][c]).collect();
                self.sheet.sum(row.0[p][c], &cells);
            }
        }
    }

    /// Suppresses the whole year at once.
    pub fn suppress(self) -> PublishedYear {
        PublishedYear {
            periods: self.periods,
            published: self.sheet.suppress(),
        }
    }
}

/// A suppressed year: read one period's rows from it.
#[derive(Debug)]
pub struct PublishedYear {
    periods: Vec<Period>,
    published: Published,
}

impl PublishedYear {
    /// The published counts of `row` in `period` (its shown columns only).
    pub fn counts(&self, columns: &Columns, row: &RowCells, period: Period) -> Vec<Count> {
        let Some(p) = self.periods.iter().position(|x| *x == period) else {
            return Vec::new();
        };
        row.0[p]
            .iter()
            .enumerate()
            .filter(|(c, _)| !columns.hidden.contains(c))
            .map(|(_, cell)| self.published.count(*cell))
            .collect()
    }
}

/// One table of a view for one period, as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// The shown columns' codes.
    pub columns: Vec<&'static str>,
    /// The rows, by label, then the total row when the table has one.
    pub rows: Vec<TableRow>,
}

/// One row of a [`Table`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    /// Its label: an agency's or a region's name, or a code the page puts in words.
    pub label: String,
    /// A count per shown column.
    pub cells: Vec<Count>,
}

/// Builds one table of a view: labelled rows of values for the year, with a total row when
/// `total` is given a label. Returns the rows' cells to relate to other tables.
pub struct TableCells {
    labels: Vec<String>,
    rows: Vec<RowCells>,
    total: Option<(String, RowCells)>,
}

impl TableCells {
    /// Lays `rows` (label, values for the year) on `sheet`, with a total row labelled
    /// `total` if any.
    pub fn lay_out(
        sheet: &mut YearSheet,
        columns: &Columns,
        rows: BTreeMap<String, RowValues>,
        total: Option<&str>,
    ) -> TableCells {
        let (labels, values): (Vec<String>, Vec<RowValues>) = rows.into_iter().unzip();
        let cells: Vec<RowCells> = values.iter().map(|v| sheet.row(columns, v)).collect();
        let total = total.map(|label| {
            let refs: Vec<&RowCells> = cells.iter().collect();
            (label.to_owned(), sheet.total(columns, &refs))
        });
        TableCells {
            labels,
            rows: cells,
            total,
        }
    }

    /// The total row's cells, if the table has one.
    pub fn total_cells(&self) -> Option<&RowCells> {
        self.total.as_ref().map(|(_, cells)| cells)
    }

    /// The table of `period`: rows with anything in them (or a total), then the total.
    pub fn publish(&self, year: &PublishedYear, columns: &Columns, period: Period) -> Table {
        let mut rows: Vec<TableRow> = self
            .labels
            .iter()
            .zip(&self.rows)
            .map(|(label, cells)| TableRow {
                label: label.clone(),
                cells: year.counts(columns, cells, period),
            })
            .filter(|row| row.cells.iter().any(|c| *c != Count::Exact(0)))
            .collect();
        if let Some((label, cells)) = &self.total {
            rows.push(TableRow {
                label: label.clone(),
                cells: year.counts(columns, cells, period),
            });
        }
        Table {
            columns: shown_columns(columns),
            rows,
        }
    }
}

/// The codes of the columns a table shows.
pub fn shown_columns(columns: &Columns) -> Vec<&'static str> {
    columns
        .names
        .iter()
        .enumerate()
        .filter(|(c, _)| !columns.hidden.contains(c))
        .map(|(_, name)| *name)
        .collect()
}

/// An empty set of values for a year: 17 periods of `width` zeros.
pub fn zeros(width: usize) -> RowValues {
    vec![vec![0; width]; 17]
}

/// Adds `by` to column `column` of every period of `values` that `in_period` says the event
/// falls in.
pub fn add(
    values: &mut RowValues,
    periods: &[Period],
    column: usize,
    by: i64,
    in_period: impl Fn(Period) -> bool,
) {
    for (p, period) in periods.iter().enumerate() {
        if in_period(*period) {
            values[p][column] += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: Columns = Columns {
        names: &["due", "in_time", "overdue"],
        additive: &[0, 1, 2],
        sums: &[(0, &[1, 2])],
        hidden: &[1],
    };

    /// A row with `overdue` overdue and `in_time` kept deadlines in each month given.
    fn values(year: &YearSheet, months: &[(u32, i64, i64)]) -> RowValues {
        let mut v = zeros(3);
        for &(month, in_time, overdue) in months {
            let day = Period::Month(2026, month).first_day();
            add(&mut v, year.periods(), 0, in_time + overdue, |p| {
                p.contains(day)
            });
            add(&mut v, year.periods(), 1, in_time, |p| p.contains(day));
            add(&mut v, year.periods(), 2, overdue, |p| p.contains(day));
        }
        v
    }

    #[test]
    fn a_month_hidden_in_a_quarter_cannot_be_worked_out_from_the_others() {
        let mut year = YearSheet::new(2026);
        // January 2 overdue, February 10, March 10: Q1 would give January's 2 away.
        let v = values(&year, &[(1, 10, 2), (2, 10, 10), (3, 10, 10)]);
        let rows = BTreeMap::from([("Nordby".to_owned(), v)]);
        let table = TableCells::lay_out(&mut year, &COLUMNS, rows, Some("total"));
        let published = year.suppress();
        let month = |m: u32| {
            table
                .publish(&published, &COLUMNS, Period::Month(2026, m))
                .rows[0]
                .cells[1]
        };
        let quarter = table
            .publish(&published, &COLUMNS, Period::Quarter(2026, 1))
            .rows[0]
            .cells[1];
        assert_eq!(month(1), Count::Suppressed);
        let shown = [month(2), month(3), quarter]
            .iter()
            .filter(|c| c.exact().is_some())
            .count();
        assert!(shown <= 2, "{:?} {:?} {quarter:?}", month(2), month(3));
    }

    #[test]
    fn a_period_shows_its_own_rows_and_the_total_and_hides_the_rest_column() {
        let mut year = YearSheet::new(2026);
        let rows = BTreeMap::from([
            ("A".to_owned(), values(&year, &[(5, 7, 6)])),
            ("B".to_owned(), values(&year, &[(6, 9, 8)])),
        ]);
        let table = TableCells::lay_out(&mut year, &COLUMNS, rows, Some("total"));
        let published = year.suppress();
        let may = table.publish(&published, &COLUMNS, Period::Month(2026, 5));
        assert_eq!(may.columns, ["due", "overdue"]);
        let labels: Vec<&str> = may.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["A", "total"], "B has nothing in May");
        assert_eq!(may.rows[0].cells, [Count::Exact(13), Count::Exact(6)]);
        let q2 = table.publish(&published, &COLUMNS, Period::Quarter(2026, 2));
        assert_eq!(q2.rows[2].cells, [Count::Exact(30), Count::Exact(14)]);
    }
}
