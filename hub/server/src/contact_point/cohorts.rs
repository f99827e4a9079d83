//! Outcomes by yearly cohort: the two rates of the Copenhagen memo ("no new serious charge 1
//! year after", "in education or job 3 months after"), per year in which the programme ended.
//!
//! A cohort's reports keep arriving for 12 months after its year (the charge question needs a
//! year's follow-up), and a figure that moves as each one arrives gives that person's outcome
//! away. So a cohort shows figures only once complete: after 31 December of the year after.
//! Each cohort is suppressed on its own (no figure adds cohorts up), its rates only where the
//! whole, the part and the rest are all 5 or more.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sqlx::PgPool;

use super::{Count, Rate};
use hub_core::contact_point::suppress::Sheet;

/// One cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    /// The year the programme ended in.
    pub year: i32,
    /// The last day of its follow-up: 31 December of the next year.
    pub complete_after: NaiveDate,
    /// Its figures, once complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figures: Option<CohortFigures>,
}

/// A complete cohort's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortFigures {
    /// Outcome reports: the cohort's size.
    pub reports: Count,
    /// Reports that know whether there was a new serious charge within 12 months.
    pub charge_known: Count,
    /// Of those, the share with none.
    pub no_new_charge: Rate,
    /// Reports that know whether the person was in education or a job after 3 months.
    pub occupation_known: Count,
    /// Of those, the share who were.
    pub in_education_or_job: Rate,
}

/// The counts of one cohort as recorded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
struct Counted {
    reports: i64,
    charge_known: i64,
    no_charge: i64,
    occupation_known: i64,
    occupied: i64,
}

/// One cohort's row: its year and its counts.
#[derive(sqlx::FromRow)]
struct CohortRow {
    year: i32,
    #[sqlx(flatten)]
    counted: Counted,
}

/// The cohorts of `jurisdiction`'s outcome reports, newest first, on `today`.
pub async fn cohorts(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: NaiveDate,
) -> Result<Vec<Cohort>, sqlx::Error> {
    let rows: Vec<CohortRow> = sqlx::query_as(
        "SELECT extract(year FROM o.ended_on)::int AS year, count(*) AS reports,
                count(o.no_new_serious_charge_12m) AS charge_known,
                count(*) FILTER (WHERE o.no_new_serious_charge_12m) AS no_charge,
                count(o.in_education_or_job_3m) AS occupation_known,
                count(*) FILTER (WHERE o.in_education_or_job_3m) AS occupied
         FROM outcomes o JOIN agencies a ON a.id = o.sender
         WHERE a.jurisdiction = $1 GROUP BY 1 ORDER BY 1 DESC",
    )
    .bind(enum_text(&jurisdiction))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| cohort(row.year, row.counted, today))
        .collect())
}

fn cohort(year: i32, c: Counted, today: NaiveDate) -> Cohort {
    let complete_after = NaiveDate::from_ymd_opt(year + 1, 12, 31).unwrap_or(NaiveDate::MAX);
    let figures = (today > complete_after).then(|| {
        // The reports, and each question's known reports split into yes and no: the rest
        // of a known count is the reports that do not know, which a reader can form too.
        let mut sheet = Sheet::default();
        let charge = sheet.split(c.charge_known, c.no_charge);
        let occupation = sheet.split(c.occupation_known, c.occupied);
        let charge_unknown = sheet.cell(c.reports - c.charge_known);
        let occupation_unknown = sheet.cell(c.reports - c.occupation_known);
        let reports = sheet.total_of(&[charge.whole, charge_unknown]);
        sheet.sum(reports, &[occupation.whole, occupation_unknown]);
        let published = sheet.suppress();
        CohortFigures {
            reports: published.count(reports),
            charge_known: published.count(charge.whole),
            no_new_charge: published.rate(charge),
            occupation_known: published.count(occupation.whole),
            in_education_or_job: published.rate(occupation),
        }
    });
    debug_assert!(year == complete_after.year() - 1);
    Cohort {
        year,
        complete_after,
        figures,
    }
}

/// The cohorts by year, for a view that looks one up.
pub fn by_year(cohorts: &[Cohort]) -> BTreeMap<i32, &Cohort> {
    cohorts.iter().map(|c| (c.year, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const MEMO: Counted = Counted {
        reports: 60,
        charge_known: 50,
        no_charge: 21,
        occupation_known: 40,
        occupied: 18,
    };

    #[test]
    fn a_cohort_shows_its_rates_once_its_follow_up_is_over() {
        let open = cohort(2025, MEMO, day("2026-12-31"));
        assert_eq!(open.complete_after, day("2026-12-31"));
        assert_eq!(open.figures, None, "reports for 2025 may still come");
        let done = cohort(2025, MEMO, day("2027-01-01")).figures.unwrap();
        assert_eq!(done.reports, Count::Exact(60));
        assert_eq!(done.no_new_charge, Rate::Percent(42.0));
        assert_eq!(done.in_education_or_job, Rate::Percent(45.0));
    }

    #[test]
    fn a_rate_that_would_give_a_small_count_away_is_not_shown() {
        let few_unknown = Counted {
            charge_known: 57,
            no_charge: 20,
            ..MEMO
        };
        let f = cohort(2024, few_unknown, day("2026-12-03"))
            .figures
            .unwrap();
        // 3 reports do not know the charge question: 60 and 57 together would say so.
        assert!(
            f.reports.exact().is_none() || f.charge_known.exact().is_none(),
            "{f:?}"
        );
        let small = Counted {
            reports: 8,
            charge_known: 8,
            no_charge: 6,
            occupation_known: 8,
            occupied: 4,
        };
        let f = cohort(2024, small, day("2026-12-03")).figures.unwrap();
        assert_eq!(f.no_new_charge, Rate::Suppressed, "2 with a charge");
        assert_eq!(f.in_education_or_job, Rate::Suppressed, "4 occupied");
    }
}
