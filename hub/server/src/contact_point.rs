//! What the national contact point may see: aggregates, and pseudonymous rows of overdue
//! handovers, for its own jurisdiction only.
//!
//! - every count from 1 to 4 is suppressed ([`Count::Suppressed`]), and so is a rate whose
//!   part or rest is (a rate of 3 out of 40 gives the 3 away; so does 37 out of 40)
//!   ([`Rate`]);
//! - where a total would let a suppressed count be worked out by subtraction, another count
//!   is withheld with it ([`Count::Withheld`], see [`hub_core::contact_point::suppress`]);
//! - a percentile over fewer than 5 handovers is not shown;
//! - pseudonyms come from the contact point's own key
//!   ([`hub_core::contact_point::pseudonym`]), so they cannot be joined with the
//!   pseudonyms agencies hold;
//! - relocations are counts only: no row, pseudonym or agency of a relocation, and the rows of
//!   a case that had one carry no agencies (agency names give the town away).
//!
//! A case belongs to the jurisdiction and region of its owner; a handover to the jurisdiction
//! recorded on it; an outcome to its reporting agency's.

pub mod cohorts;
pub mod occupancy;
pub mod overdue;
pub mod period_views;
pub mod releases;

pub use period_views::{flows, rejections, relocations, timing};
pub mod year_sheet;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemas::Jurisdiction;
use serde::Serialize;
use sqlx::PgPool;

use hub_core::contact_point::suppress::{Cell, Published, Sheet, Split};
pub use hub_core::contact_point::{Count, Rate, SUPPRESS_UNDER, p50_p90, percentile};

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
struct MatrixCells {
    columns: Vec<String>,
    rows: Vec<(String, Vec<Cell>, Cell)>,
}

impl MatrixCells {
    /// From `(row, column, n)` triples; columns in `columns` order, then any others in the
    /// order they come. Records each row's sum.
    fn lay_out(
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
    fn column(&self, i: usize) -> Vec<Cell> {
        self.rows.iter().map(|(_, cells, _)| cells[i]).collect()
    }

    /// The rows' totals.
    fn row_totals(&self) -> Vec<Cell> {
        self.rows.iter().map(|(_, _, total)| *total).collect()
    }

    /// The row labelled `label`: its cells and its total.
    fn row(&self, label: &str) -> Option<(&[Cell], Cell)> {
        self.rows
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, cells, total)| (cells.as_slice(), *total))
    }

    fn publish(&self, published: &Published) -> Matrix {
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

/// The case stages, in their order.
pub const STAGES: [&str; 5] = ["referred", "intake", "active", "suspended", "closed"];

/// Cases by programme, stage, region and owning agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFigures {
    /// All cases of the jurisdiction, closed and referred ones included.
    pub total: Count,
    /// Cases in a programme now: at intake, active or suspended.
    pub in_programme: Count,
    /// By stage.
    pub by_stage: Vec<(String, Count)>,
    /// Programme (of the person's latest consent) by stage.
    pub by_programme: Matrix,
    /// Region (of the owning agency) by stage.
    pub by_region: Matrix,
    /// Owning agency by stage.
    pub by_agency: Matrix,
}

pub(crate) fn jurisdiction_text(j: Jurisdiction) -> &'static str {
    match j {
        Jurisdiction::DK => "DK",
        Jurisdiction::NO => "NO",
        Jurisdiction::SE => "SE",
    }
}

/// Cases of `jurisdiction`. Suppressed together with consent coverage, so that neither
/// table can be subtracted from the other to recover a suppressed cell.
pub async fn cases(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<CaseFigures, sqlx::Error> {
    Ok(case_tables(pool, jurisdiction, today).await?.0)
}

/// Consent coverage of the open cases of `jurisdiction` on `today`: a consent in force is
/// the person's current version, active, within its period, and not withdrawn in whole.
/// Suppressed together with the case figures (see [`cases`]).
pub async fn consent_coverage(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<CoverageFigures, sqlx::Error> {
    Ok(case_tables(pool, jurisdiction, today).await?.1)
}

/// Cases of one programme, region, owning agency and stage.
#[derive(sqlx::FromRow)]
struct CaseCount {
    programme: String,
    region: String,
    agency: String,
    stage: String,
    n: i64,
}

/// The open cases of one region, and those with a consent in force.
#[derive(sqlx::FromRow)]
struct RegionCoverage {
    region: String,
    open_cases: i64,
    with_consent: i64,
}

/// The case figures and the consent coverage, read from one snapshot and suppressed on one
/// sheet: a region's open cases are its cases less its closed ones, so a count withheld in
/// one view could otherwise be worked out from the other.
async fn case_tables(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<(CaseFigures, CoverageFigures), sqlx::Error> {
    let mut tx = snapshot(pool).await?;
    let rows: Vec<CaseCount> = sqlx::query_as(
        "SELECT coalesce((SELECT c.record->>'programme' FROM consents c WHERE c.subject = k.subject
                          ORDER BY c.recorded_at DESC, c.version DESC LIMIT 1), 'no consent recorded') AS programme,
                coalesce(a.region, 'unknown') AS region, a.name AS agency, k.stage, count(*) AS n
         FROM cases k JOIN agencies a ON a.id = k.owner
         WHERE a.jurisdiction = $1
         GROUP BY 1, 2, 3, 4",
    )
    .bind(jurisdiction_text(jurisdiction))
    .fetch_all(&mut *tx)
    .await?;
    let coverage: Vec<RegionCoverage> = sqlx::query_as(
        "SELECT coalesce(a.region, 'unknown') AS region, count(*) AS open_cases,
                count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM consents c
                    WHERE c.subject = k.subject AND NOT c.superseded
                      AND c.record->>'status' = 'active'
                      AND (c.record->'period'->>'start')::date <= $2
                      AND (c.record->'period'->>'end')::date >= $2
                      AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w
                                      WHERE w.consent_id = c.consent_id AND w.scope = '\"entire\"'::jsonb
                                        AND c.version <= coalesce(w.through_version, c.version))
                )) AS with_consent
         FROM cases k JOIN agencies a ON a.id = k.owner
         WHERE a.jurisdiction = $1 AND k.stage <> 'closed'
         GROUP BY 1 ORDER BY 1",
    )
    .bind(jurisdiction_text(jurisdiction))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let mut programme = Vec::new();
    let mut region = Vec::new();
    let mut agency = Vec::new();
    let mut stage_totals: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows {
        let n = row.n;
        programme.push((row.programme, row.stage.clone(), n));
        region.push((row.region, row.stage.clone(), n));
        agency.push((row.agency, row.stage.clone(), n));
        *stage_totals.entry(row.stage).or_default() += n;
    }
    // The known stages in their order, then any other the database holds.
    let mut stages: Vec<&str> = STAGES.to_vec();
    stages.extend(
        stage_totals
            .keys()
            .map(String::as_str)
            .filter(|s| !STAGES.contains(s)),
    );

    let mut sheet = Sheet::default();
    let by_programme = MatrixCells::lay_out(&mut sheet, &stages, programme);
    let by_region = MatrixCells::lay_out(&mut sheet, &stages, region);
    let by_agency = MatrixCells::lay_out(&mut sheet, &stages, agency);
    let by_stage: Vec<Cell> = stages
        .iter()
        .map(|s| sheet.cell(stage_totals.get(*s).copied().unwrap_or(0)))
        .collect();
    let total = sheet.total_of(&by_stage);
    let in_programme = sheet.total_of(
        &stages
            .iter()
            .zip(&by_stage)
            .filter(|(s, _)| matches!(**s, "intake" | "active" | "suspended"))
            .map(|(_, c)| *c)
            .collect::<Vec<_>>(),
    );
    for m in [&by_programme, &by_region, &by_agency] {
        for (i, stage) in by_stage.iter().enumerate() {
            sheet.sum(*stage, &m.column(i));
        }
        sheet.sum(total, &m.row_totals());
    }

    let closed = stages.iter().position(|s| *s == "closed");
    let mut regions = Vec::new();
    for row in coverage {
        let label = row.region;
        let split = sheet.split(row.open_cases, row.with_consent);
        // The region's open cases are its cases less its closed ones.
        if let (Some((cells, region_total)), Some(closed)) = (by_region.row(&label), closed) {
            sheet.sum(region_total, &[split.whole, cells[closed]]);
        }
        regions.push((label, split));
    }
    let all = total_split(&mut sheet, regions.iter().map(|(_, s)| *s));
    if let Some(closed) = closed {
        sheet.sum(total, &[all.whole, by_stage[closed]]);
    }

    // Figures of the present: rounded, so that watching them change tells no one case.
    let published = sheet.suppress_rounded();
    let coverage_row = |region: String, split: Split| CoverageRow {
        region,
        open_cases: published.count(split.whole),
        with_consent: published.count(split.part),
        coverage: published.rate(split),
    };
    let cases = CaseFigures {
        total: published.count(total),
        in_programme: published.count(in_programme),
        by_stage: stages
            .iter()
            .zip(&by_stage)
            .map(|(s, c)| ((*s).to_owned(), published.count(*c)))
            .collect(),
        by_programme: by_programme.publish(&published),
        by_region: by_region.publish(&published),
        by_agency: by_agency.publish(&published),
    };
    let coverage = CoverageFigures {
        by_region: regions
            .into_iter()
            .map(|(label, split)| coverage_row(label, split))
            .collect(),
        total: coverage_row("all".to_owned(), all),
    };
    Ok((cases, coverage))
}

/// A read-only transaction whose queries all see one snapshot, so that the sums a view puts
/// on its sheet add up.
async fn snapshot(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The split of the sums of `splits`: wholes, parts and rests each added up.
fn total_split(sheet: &mut Sheet, splits: impl Iterator<Item = Split> + Clone) -> Split {
    let whole = sheet.total_of(&splits.clone().map(|s| s.whole).collect::<Vec<_>>());
    let part = sheet.total_of(&splits.clone().map(|s| s.part).collect::<Vec<_>>());
    let rest = sheet.total_of(&splits.map(|s| s.rest).collect::<Vec<_>>());
    sheet.sum(whole, &[part, rest]);
    Split { whole, part, rest }
}

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

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

/// Why handovers were rejected, and why the hub refused messages or recipients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectionFigures {
    /// Handovers rejected, by the receiving agency's reason code.
    pub handovers: Vec<(String, Count)>,
    /// Messages and recipients the hub refused, by reason code (senders of the jurisdiction).
    pub hub_refusals: Vec<(String, Count)>,
}

/// Consent coverage of open cases in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// The region.
    pub region: String,
    /// Open (not closed) cases.
    pub open_cases: Count,
    /// Of those, with a consent in force today.
    pub with_consent: Count,
    /// The share.
    pub coverage: Rate,
}

/// Consent coverage by region, and in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageFigures {
    /// By region of the owning agency.
    pub by_region: Vec<CoverageRow>,
    /// All regions together.
    pub total: CoverageRow,
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
