//! The contact point's periods, and the rules that keep its figures from giving one person
//! away over time.
//!
//! Figures are shown for fixed calendar periods only (a month, a quarter, a year) and only once
//! a period is over ([`Period::closed_on`]): a period in progress changes as cases arrive, and
//! watching it change by one is the differencing attack over time. Figures that describe the
//! present ("cases active now") are rounded to a base of 5 instead ([`rounded`]).
//!
//! Days are the jurisdiction's local days ([`local_day`]).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use schemas::Jurisdiction;

/// A fixed calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A calendar month: year and month (1 to 12).
    Month(i32, u32),
    /// A calendar quarter: year and quarter (1 to 4).
    Quarter(i32, u32),
    /// A calendar year.
    Year(i32),
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a period: write a month as 2026-11, a quarter as 2026-Q3, a year as 2026")]
pub struct NotAPeriod(pub String);

impl Period {
    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        let (year, month) = match self {
            Period::Month(y, m) => (y, m),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Period::Year(y) => (y, 1),
        };
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        let months = match self {
            Period::Month(..) => 1,
            Period::Quarter(..) => 3,
            Period::Year(_) => 12,
        };
        self.first_day()
            .checked_add_months(Months::new(months))
            .and_then(|next| next.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    /// Whether `day` lies in it.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// Whether it is over on `today`: its last day has passed. Only closed periods are shown.
    pub fn closed_on(self, today: NaiveDate) -> bool {
        self.last_day() < today
    }

    /// Its calendar year.
    pub fn year(self) -> i32 {
        match self {
            Period::Month(y, _) | Period::Quarter(y, _) | Period::Year(y) => y,
        }
    }

    /// Every period of `year`: its 12 months, its 4 quarters and the year, in that order.
    /// The figures of one year are suppressed together, so that no month can be worked out
    /// from its quarter, nor a quarter from the year.
    pub fn all_of_year(year: i32) -> Vec<Period> {
        let months = (1..=12).map(|m| Period::Month(year, m));
        let quarters = (1..=4).map(|q| Period::Quarter(year, q));
        months
            .chain(quarters)
            .chain(std::iter::once(Period::Year(year)))
            .collect()
    }

    /// The periods it is the sum of, one level down: a quarter's months, a year's quarters;
    /// none for a month.
    pub fn parts(self) -> Vec<Period> {
        match self {
            Period::Month(..) => Vec::new(),
            Period::Quarter(y, q) => ((q - 1) * 3 + 1..=q * 3)
                .map(|m| Period::Month(y, m))
                .collect(),
            Period::Year(y) => (1..=4).map(|q| Period::Quarter(y, q)).collect(),
        }
    }

    /// The closed periods of each length to offer on `today`, newest first: the last 24
    /// months, 8 quarters and 3 years.
    pub fn offered(today: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        let this_month = Period::Month(today.year(), today.month());
        let mut month = this_month;
        for _ in 0..24 {
            month = month.previous();
            out.push(month);
        }
        let mut quarter = Period::Quarter(today.year(), (today.month() - 1) / 3 + 1);
        for _ in 0..8 {
            quarter = quarter.previous();
            out.push(quarter);
        }
        out.extend((1..=3).map(|n| Period::Year(today.year() - n)));
        out
    }

    /// The period of the same length just before.
    pub fn previous(self) -> Period {
        match self {
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// The last closed quarter on `today`: what a view shows when no period is asked for.
    pub fn default_on(today: NaiveDate) -> Period {
        Period::Quarter(today.year(), (today.month() - 1) / 3 + 1).previous()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = NotAPeriod;

    /// `2026-11`, `2026-Q3` (or `2026-q3`), `2026`; years 2000 to 2999.
    fn from_str(text: &str) -> Result<Period, NotAPeriod> {
        let bad = || NotAPeriod(text.to_owned());
        let number = |s: &str| -> Result<u32, NotAPeriod> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        let (year, rest) = match text.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (text, None),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let year = i32::try_from(number(year)?).map_err(|_| bad())?;
        if !(2000..=2999).contains(&year) {
            return Err(bad());
        }
        match rest {
            None => Ok(Period::Year(year)),
            Some(q) if q.starts_with(['Q', 'q']) => match number(&q[1..])? {
                n @ 1..=4 if q.len() == 2 => Ok(Period::Quarter(year, n)),
                _ => Err(bad()),
            },
            Some(m) if m.len() == 2 => match number(m)? {
                n @ 1..=12 => Ok(Period::Month(year, n)),
                _ => Err(bad()),
            },
            Some(_) => Err(bad()),
        }
    }
}

/// The time zone of a jurisdiction, whose local days the figures count in.
pub fn zone(jurisdiction: Jurisdiction) -> chrono_tz::Tz {
    match jurisdiction {
        Jurisdiction::DK => chrono_tz::Europe::Copenhagen,
        Jurisdiction::NO => chrono_tz::Europe::Oslo,
        Jurisdiction::SE => chrono_tz::Europe::Stockholm,
    }
}

/// The local day of `at` in `jurisdiction`.
pub fn local_day(at: DateTime<Utc>, jurisdiction: Jurisdiction) -> NaiveDate {
    at.with_timezone(&zone(jurisdiction)).date_naive()
}

/// A count that describes the present, as it may be shown: 0 as 0, 1 to 4 as `None` ("under
/// 5"), any other to the nearest multiple of 5 (halves up: 7 is 5, 8 is 10). One case more or
/// less then moves a shown figure by 0 or by 5, never by exactly 1.
pub fn rounded(n: i64) -> Option<i64> {
    match n {
        0 => Some(0),
        1..=4 => None,
        n => Some((n + 2) / 5 * 5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_read_and_write_as_the_analyst_types_them() {
        for (text, period) in [
            ("2026-11", Period::Month(2026, 11)),
            ("2026-01", Period::Month(2026, 1)),
            ("2026-Q3", Period::Quarter(2026, 3)),
            ("2025", Period::Year(2025)),
        ] {
            assert_eq!(text.parse::<Period>(), Ok(period), "{text}");
            assert_eq!(period.to_string(), text);
        }
        assert_eq!("2026-q1".parse(), Ok(Period::Quarter(2026, 1)));
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-00",
            "2026-Q5",
            "2026-Q0",
            "2026-Q12",
            "2026-1",
            "1999",
            "2026-",
            "x026",
            "2026-11-01",
            "+026",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_period_runs_from_its_first_to_its_last_day() {
        let february = Period::Month(2024, 2);
        assert_eq!(
            (february.first_day(), february.last_day()),
            (day("2024-02-01"), day("2024-02-29"))
        );
        let q4 = Period::Quarter(2026, 4);
        assert_eq!(
            (q4.first_day(), q4.last_day()),
            (day("2026-10-01"), day("2026-12-31"))
        );
        assert_eq!(Period::Year(2025).last_day(), day("2025-12-31"));
        assert!(q4.contains(day("2026-12-31")) && !q4.contains(day("2027-01-01")));
    }

    #[test]
    fn a_period_is_shown_only_once_its_last_day_has_passed() {
        let november = Period::Month(2026, 11);
        assert!(!november.closed_on(day("2026-11-30")));
        assert!(november.closed_on(day("2026-12-01")));
        assert_eq!(
            Period::default_on(day("2026-12-03")),
            Period::Quarter(2026, 3)
        );
        assert_eq!(
            Period::default_on(day("2026-02-10")),
            Period::Quarter(2025, 4)
        );
        let offered = Period::offered(day("2026-12-03"));
        assert_eq!(offered.len(), 24 + 8 + 3);
        assert_eq!(offered[0], Period::Month(2026, 11));
        assert_eq!(offered[23], Period::Month(2024, 12));
        assert_eq!(offered[24], Period::Quarter(2026, 3));
        assert_eq!(offered[34], Period::Year(2023));
        assert!(offered.iter().all(|p| p.closed_on(day("2026-12-03"))));
    }

    #[test]
    fn a_year_is_its_quarters_and_a_quarter_its_months() {
        assert_eq!(
            Period::Quarter(2026, 2).parts(),
            [4, 5, 6].map(|m| Period::Month(2026, m))
        );
        assert_eq!(Period::Year(2026).parts().len(), 4);
        assert!(Period::Month(2026, 2).parts().is_empty());
        let all = Period::all_of_year(2026);
        assert_eq!(all.len(), 17);
        for p in &all {
            let covered: i64 = p
                .parts()
                .iter()
                .map(|part| (part.last_day() - part.first_day()).num_days() + 1)
                .sum();
            if !p.parts().is_empty() {
                assert_eq!(
                    covered,
                    (p.last_day() - p.first_day()).num_days() + 1,
                    "{p}"
                );
            }
        }
    }

    #[test]
    fn a_day_is_the_jurisdictions_local_day() {
        let late_evening: DateTime<Utc> = "2026-11-30T23:30:00Z".parse().unwrap();
        assert_eq!(local_day(late_evening, Jurisdiction::DK), day("2026-12-01"));
        let summer: DateTime<Utc> = "2026-06-30T22:30:00Z".parse().unwrap();
        assert_eq!(local_day(summer, Jurisdiction::SE), day("2026-07-01"));
        let morning: DateTime<Utc> = "2026-06-30T08:00:00Z".parse().unwrap();
        assert_eq!(local_day(morning, Jurisdiction::NO), day("2026-06-30"));
    }

    #[test]
    fn counts_of_the_present_are_rounded_so_one_case_never_moves_them_by_one() {
        assert_eq!(rounded(0), Some(0));
        for n in 1..5 {
            assert_eq!(rounded(n), None, "{n}");
        }
        let table = [
            (5, 5),
            (7, 5),
            (8, 10),
            (12, 10),
            (13, 15),
            (55, 55),
            (57, 55),
        ];
        for (n, shown) in table {
            assert_eq!(rounded(n), Some(shown), "{n}");
        }
        for n in 0..200 {
            if let (Some(a), Some(b)) = (rounded(n), rounded(n + 1)) {
                assert!(a == b || b - a == 5, "{n}: {a} -> {b}");
            }
        }
    }
}
