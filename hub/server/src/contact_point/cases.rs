//! Cases by stage, and by programme, region and owning agency against stage: figures of the
//! present, rounded, and suppressed on one sheet with the consent coverage
//! ([`super::coverage`]), read from one snapshot.

use std::collections::BTreeMap;

use hub_core::contact_point::suppress::{Cell, Sheet, Split};
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sqlx::PgPool;

use super::Count;
use super::coverage::{self, CoverageFigures};
use super::figures::{Matrix, MatrixCells, snapshot, total_split};

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

/// Cases of `jurisdiction`. Suppressed together with consent coverage, so that neither
/// table can be subtracted from the other to recover a suppressed cell.
pub async fn cases(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<CaseFigures, sqlx::Error> {
    Ok(case_tables(pool, jurisdiction, today).await?.0)
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

/// The case figures and the consent coverage, read from one snapshot and suppressed on one
/// sheet: a region's open cases are its cases less its closed ones, so a count withheld in
/// one view could otherwise be worked out from the other.
pub(super) async fn case_tables(
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
    .bind(enum_text(&jurisdiction))
    .fetch_all(&mut *tx)
    .await?;
    let coverage = coverage::open_cases_by_region(&mut tx, jurisdiction, today).await?;
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
    let coverage_row =
        |region: String, split: Split| coverage::coverage_row(&published, region, split);
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
