//! Occupancy: how many people each programme has, against the places configured for it.
//!
//! - In a closed period: the cases open at some time in it (opened on or before its last day,
//!   not closed before its first), by the programme of the person's latest consent recorded by
//!   the period's end. A case closing later does not change a closed period's figure.
//! - Now: the cases at intake, active or suspended, rounded to a base of 5
//!   ([`hub_core::periods::rounded`]), so that one case more moves no figure by exactly one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hub_core::periods::{Period, local_day, rounded};
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sqlx::PgPool;

use super::Count;
use hub_core::contact_point::suppress::Sheet;

/// The programme of cases whose person has no consent recorded.
pub const NO_CONSENT: &str = "no consent recorded";

/// One programme's people in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeRow {
    /// The programme's name, or [`NO_CONSENT`].
    pub programme: String,
    /// Cases open at some time in the period.
    pub people: Count,
    /// The places configured for it.
    pub places: Option<u32>,
    /// People against places, per cent; none without places or when people are hidden.
    pub use_of_places: Option<f64>,
}

/// One programme's people now, rounded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NowRow {
    /// The programme's name, or [`NO_CONSENT`].
    pub programme: String,
    /// Cases at intake, active or suspended, rounded to 5; `None` for 1 to 4.
    pub active: Option<i64>,
    /// The places configured for it.
    pub places: Option<u32>,
}

/// The occupancy view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OccupancyFigures {
    /// The period.
    pub period: String,
    /// Per programme in the period, then the total (labelled `total`).
    pub in_period: Vec<ProgrammeRow>,
    /// Per programme now (rounded).
    pub now: Vec<NowRow>,
}

/// One case: its stage, when it opened and closed, and the programme of its person's latest
/// consent by the period's end and now.
#[derive(sqlx::FromRow)]
struct CaseRow {
    stage: String,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    programme_then: Option<String>,
    programme_now: Option<String>,
}

/// The occupancy of `jurisdiction`'s programmes in `period` (closed) and now.
pub async fn occupancy(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    places: &BTreeMap<String, u32>,
    period: Period,
) -> Result<OccupancyFigures, sqlx::Error> {
    let rows: Vec<CaseRow> = sqlx::query_as(
        "SELECT k.stage, k.opened_at, CASE WHEN k.stage = 'closed' THEN k.updated_at END AS closed_at,
                (SELECT c.record->>'programme' FROM consents c
                 WHERE c.subject = k.subject AND c.recorded_at < $2
                 ORDER BY c.recorded_at DESC, c.version DESC LIMIT 1) AS programme_then,
                (SELECT c.record->>'programme' FROM consents c WHERE c.subject = k.subject
                 ORDER BY c.recorded_at DESC, c.version DESC LIMIT 1) AS programme_now
         FROM cases k JOIN agencies a ON a.id = k.owner
         WHERE a.jurisdiction = $1",
    )
    .bind(enum_text(&jurisdiction))
    // The first moment after the period's last local day, give or take the zone's offset:
    // consents are compared by their recorded time (a day either way moves no case's
    // programme in practice, and the rule stays simple).
    .bind(
        (period.last_day() + chrono::Days::new(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc(),
    )
    .fetch_all(pool)
    .await?;
    let mut in_period: BTreeMap<String, i64> = BTreeMap::new();
    let mut now: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows {
        let opened_on = local_day(row.opened_at, jurisdiction);
        let closed_on = row.closed_at.map(|c| local_day(c, jurisdiction));
        if opened_on <= period.last_day() && closed_on.is_none_or(|c| c >= period.first_day()) {
            *in_period
                .entry(row.programme_then.unwrap_or_else(|| NO_CONSENT.to_owned()))
                .or_default() += 1;
        }
        if matches!(row.stage.as_str(), "intake" | "active" | "suspended") {
            *now.entry(row.programme_now.unwrap_or_else(|| NO_CONSENT.to_owned()))
                .or_default() += 1;
        }
    }
    for name in places.keys() {
        in_period.entry(name.clone()).or_default();
        now.entry(name.clone()).or_default();
    }
    Ok(OccupancyFigures {
        period: period.to_string(),
        in_period: period_rows(in_period, places),
        now: now
            .into_iter()
            .map(|(programme, n)| NowRow {
                places: places.get(&programme).copied(),
                active: rounded(n),
                programme,
            })
            .collect(),
    })
}

/// The programmes' rows and their total, suppressed together (the total is their sum).
fn period_rows(counts: BTreeMap<String, i64>, places: &BTreeMap<String, u32>) -> Vec<ProgrammeRow> {
    let mut sheet = Sheet::default();
    let cells: Vec<(String, _)> = counts
        .into_iter()
        .map(|(programme, n)| (programme, sheet.cell(n)))
        .collect();
    let total = sheet.total_of(&cells.iter().map(|(_, c)| *c).collect::<Vec<_>>());
    let published = sheet.suppress();
    let row = |programme: String, people: Count| {
        let places = places.get(&programme).copied();
        ProgrammeRow {
            // People against places, over 100 % when over; only beside a shown count (the
            // places are public, so the share would give a hidden count away).
            use_of_places: match (people.exact(), places) {
                (Some(n), Some(p)) if p > 0 => {
                    Some((n as f64 * 1000.0 / f64::from(p)).round() / 10.0)
                }
                _ => None,
            },
            programme,
            people,
            places,
        }
    };
    let mut out: Vec<ProgrammeRow> = cells
        .into_iter()
        .map(|(programme, cell)| row(programme, published.count(cell)))
        .collect();
    out.push(row("total".to_owned(), published.count(total)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_of_places_shows_only_beside_a_shown_count() {
        let places = BTreeMap::from([
            ("Exit København".to_owned(), 55),
            ("Exit Aarhus".to_owned(), 20),
        ]);
        let rows = period_rows(
            BTreeMap::from([
                ("Exit København".to_owned(), 44),
                ("Exit Aarhus".to_owned(), 22),
                (NO_CONSENT.to_owned(), 0),
            ]),
            &places,
        );
        let by: BTreeMap<&str, &ProgrammeRow> =
            rows.iter().map(|r| (r.programme.as_str(), r)).collect();
        assert_eq!(by["Exit København"].use_of_places, Some(80.0));
        assert_eq!(
            by["Exit Aarhus"].use_of_places,
            Some(110.0),
            "over its places"
        );
        assert_eq!(by["total"].people, Count::Exact(66));

        let rows = period_rows(
            BTreeMap::from([
                ("Exit København".to_owned(), 44),
                ("Exit Aarhus".to_owned(), 22),
                (NO_CONSENT.to_owned(), 3),
            ]),
            &places,
        );
        let by: BTreeMap<&str, &ProgrammeRow> =
            rows.iter().map(|r| (r.programme.as_str(), r)).collect();
        assert_eq!(by[NO_CONSENT].people, Count::Suppressed);
        // The total would give the 3 away: the smallest other count goes with it, and its
        // share of places with it.
        assert_eq!(by["Exit Aarhus"].people, Count::Withheld);
        assert_eq!(by["Exit Aarhus"].use_of_places, None);
        assert_eq!(by["total"].people, Count::Exact(69));
    }
}
