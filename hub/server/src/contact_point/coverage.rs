//! Consent coverage of the open cases on a day, by region: a figure of the present, rounded,
//! and suppressed on one sheet with the case figures ([`mod@super::cases`]), since a
//! region's open cases are its cases less its closed ones.

use hub_core::contact_point::suppress::{Published, Split};
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::{Count, Rate};

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

/// Consent coverage of the open cases of `jurisdiction` on `today`: a consent in force is
/// the person's current version, active, within its period, and not withdrawn in whole.
/// Suppressed together with the case figures (see [`cases`](super::cases::cases)).
pub async fn consent_coverage(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<CoverageFigures, sqlx::Error> {
    Ok(super::cases::case_tables(pool, jurisdiction, today)
        .await?
        .1)
}

/// The open cases of one region, and those with a consent in force.
#[derive(sqlx::FromRow)]
pub(super) struct RegionCoverage {
    pub(super) region: String,
    pub(super) open_cases: i64,
    pub(super) with_consent: i64,
}

/// The open cases of `jurisdiction` by region, and of those the ones with a consent in force
/// on `today`, read in the snapshot of `tx`.
pub(super) async fn open_cases_by_region(
    tx: &mut PgConnection,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<Vec<RegionCoverage>, sqlx::Error> {
    sqlx::query_as(
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
    .bind(enum_text(&jurisdiction))
    .bind(today)
    .fetch_all(&mut *tx)
    .await
}

/// The published row of `region`'s coverage.
pub(super) fn coverage_row(published: &Published, region: String, split: Split) -> CoverageRow {
    CoverageRow {
        region,
        open_cases: published.count(split.whole),
        with_consent: published.count(split.part),
        coverage: published.rate(split),
    }
}
