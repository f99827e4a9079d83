//! Deadlines in working days, per jurisdiction, and their escalation.
//!
//! The known failure is late contact before release, so the release timeline carries
//! deadlines (see `shared/domain.md`, "Deadlines"): a release notice at the latest 3 months
//! before the expected release; a handover received within 2 working days and answered within
//! 10; a relocation answered within 2 calendar days. A breach escalates to the sender's
//! coordinator; a double breach (overdue by the allowed time again) to the national contact
//! point.
//!
//! Pure: `today` is an input; calendars come from configuration.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday, WeekdaySet};
use schemas::Jurisdiction;

/// Working days of one jurisdiction: weekends and public holidays excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Whose calendar.
    pub jurisdiction: Jurisdiction,
    /// Days of the week that are never working days (Saturday and Sunday in DK, NO, SE).
    /// A `WeekdaySet` rather than a `BTreeSet`: chrono's `Weekday` is not `Ord`.
    pub weekend: WeekdaySet,
    /// Public holidays.
    pub holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar whose only non-working days are Saturday and Sunday, with no public
    /// holidays yet: the weekend of DK, NO and SE. Holidays come from configuration and are
    /// added to `holidays`.
    pub fn weekends_only(jurisdiction: Jurisdiction) -> Calendar {
        Calendar {
            jurisdiction,
            weekend: WeekdaySet::from_array([Weekday::Sat, Weekday::Sun]),
            holidays: BTreeSet::new(),
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !self.weekend.contains(day.weekday()) && !self.holidays.contains(&day)
    }

    /// The day `n` working days after `start` (start itself not counted; n = 0 gives
    /// `start`). Example: Friday + 1 working day = Monday when Monday is no holiday.
    ///
    /// # Panics
    /// When `n >= 1` and every day of the week is a weekend day (a configuration error: no
    /// day would ever count), or the result lies beyond the last date chrono can represent.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        assert!(
            n == 0 || self.weekend.len() < 7,
            "a calendar for {:?} with every weekday as weekend has no working days",
            self.jurisdiction
        );
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day
                .succ_opt()
                .expect("a deadline within the dates chrono can represent");
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `due` up to and including `today`: 0 when `today <= due`.
    pub fn working_days_overdue(&self, due: NaiveDate, today: NaiveDate) -> u32 {
        let count = due
            .iter_days()
            .skip(1)
            .take_while(|day| *day <= today)
            .filter(|day| self.is_working_day(*day))
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

/// Which deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineKind {
    /// A release notice must arrive at the latest 3 months before the expected release.
    ReleaseNotice,
    /// A handover request must be received (acknowledged) within 2 working days.
    HandoverReceived,
    /// A handover request must be answered (accepted or rejected) within 10 working days.
    HandoverAnswered,
    /// A relocation request must be answered within 2 calendar days.
    RelocationAnswered,
}

/// Deadline lengths, configurable per jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRules {
    /// Months before the expected release by which the release notice is due (3).
    pub release_notice_months: u32,
    /// Working days to receive a handover (2).
    pub handover_received_working_days: u32,
    /// Working days to answer a handover (10).
    pub handover_answered_working_days: u32,
    /// Calendar days to answer a relocation (2).
    pub relocation_answered_days: u32,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        Self {
            release_notice_months: 3,
            handover_received_working_days: 2,
            handover_answered_working_days: 10,
            relocation_answered_days: 2,
        }
    }
}

/// How far a deadline is breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breach {
    /// Overdue: escalate to the sender's coordinator.
    First,
    /// Overdue by the allowed time again: escalate to the national contact point.
    Double,
}

/// The due date of a handover or relocation deadline for a request made on `requested_on`.
///
/// Handover received and answered: that many working days after the request; relocation
/// answered: that many calendar days after it. A release notice has no request date (its
/// due date counts back from the expected release): for [`DeadlineKind::ReleaseNotice`] this
/// returns `requested_on` unchanged, and callers use [`release_notice_breach`] instead.
pub fn due_date(
    calendar: &Calendar,
    rules: &DeadlineRules,
    kind: DeadlineKind,
    requested_on: NaiveDate,
) -> NaiveDate {
    match kind {
        DeadlineKind::ReleaseNotice => requested_on,
        DeadlineKind::HandoverReceived => {
            calendar.add_working_days(requested_on, rules.handover_received_working_days)
        }
        DeadlineKind::HandoverAnswered => {
            calendar.add_working_days(requested_on, rules.handover_answered_working_days)
        }
        DeadlineKind::RelocationAnswered => requested_on
            .checked_add_days(Days::new(rules.relocation_answered_days.into()))
            .expect("a deadline within the dates chrono can represent"),
    }
}

/// The breach of a handover or relocation deadline opened on `requested_on`, still not met
/// on `today`, with the days overdue (working days, or calendar days for a relocation).
/// Double once overdue by at least the allowed time again (e.g. 2 more working days).
///
/// Always `None` for [`DeadlineKind::ReleaseNotice`]: see [`release_notice_breach`].
pub fn open_breach(
    calendar: &Calendar,
    rules: &DeadlineRules,
    kind: DeadlineKind,
    requested_on: NaiveDate,
    today: NaiveDate,
) -> Option<(Breach, u32)> {
    let due = due_date(calendar, rules, kind, requested_on);
    let (overdue, allowed) = match kind {
        DeadlineKind::ReleaseNotice => return None,
        DeadlineKind::HandoverReceived => (
            calendar.working_days_overdue(due, today),
            rules.handover_received_working_days,
        ),
        DeadlineKind::HandoverAnswered => (
            calendar.working_days_overdue(due, today),
            rules.handover_answered_working_days,
        ),
        DeadlineKind::RelocationAnswered => (
            days_between(due, today).try_into().unwrap_or(0),
            rules.relocation_answered_days,
        ),
    };
    if overdue == 0 {
        return None;
    }
    let breach = if overdue >= allowed {
        Breach::Double
    } else {
        Breach::First
    };
    Some((breach, overdue))
}

/// The breach of the release-notice deadline by a notice received on `received_on` for a
/// release expected on `expected_release`, with the days late (calendar days after the due
/// date `expected_release - release_notice_months`). Double when the lead time left is less
/// than half the required one.
///
/// The due date is the same day of the month `release_notice_months` earlier, or the last
/// day of that month when it is shorter (31 May - 3 months = 28 February). A notice received
/// on the due date is in time; the lead time left is `expected_release - received_on`, the
/// required one `expected_release - due`, both in calendar days; a notice received on or
/// after the release date is always a double breach.
pub fn release_notice_breach(
    rules: &DeadlineRules,
    expected_release: NaiveDate,
    received_on: NaiveDate,
) -> Option<(Breach, u32)> {
    let due = expected_release
        .checked_sub_months(Months::new(rules.release_notice_months))
        .unwrap_or(NaiveDate::MIN);
    if received_on <= due {
        return None;
    }
    let days_late = u32::try_from(days_between(due, received_on)).unwrap_or(u32::MAX);
    let required = days_between(due, expected_release);
    let left = days_between(received_on, expected_release);
    let breach = if left * 2 < required {
        Breach::Double
    } else {
        Breach::First
    };
    Some((breach, days_late))
}

/// Calendar days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    to.signed_duration_since(from).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Breach::{Double, First};
    use DeadlineKind as K;

    /// What a breach check returns: the breach and the days overdue or late.
    type Expected = Option<(Breach, u32)>;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn with_holidays(holidays: &[&str]) -> Calendar {
        Calendar {
            holidays: holidays.iter().map(|s| day(s)).collect(),
            ..Calendar::weekends_only(Jurisdiction::DK)
        }
    }

    fn plain() -> Calendar {
        with_holidays(&[])
    }

    /// Danish Christmas and New Year, 2024-2026, as configuration would give them.
    fn dk_christmas() -> Calendar {
        with_holidays(&[
            "2024-12-24",
            "2024-12-25",
            "2024-12-26",
            "2025-01-01",
            "2025-12-24",
            "2025-12-25",
            "2025-12-26",
            "2026-01-01",
        ])
    }

    /// Danish Easter 2025: Maundy Thursday, Good Friday, Easter Monday.
    fn dk_easter() -> Calendar {
        with_holidays(&["2025-04-17", "2025-04-18", "2025-04-21"])
    }

    #[test]
    fn weekends_only_is_saturday_and_sunday() {
        let calendar = Calendar::weekends_only(Jurisdiction::SE);
        assert_eq!(calendar.jurisdiction, Jurisdiction::SE);
        assert!(calendar.holidays.is_empty());
        // Monday 2025-01-06 to Sunday 2025-01-12.
        let week = day("2025-01-06").iter_days().take(7);
        let working: Vec<bool> = week.map(|d| calendar.is_working_day(d)).collect();
        assert_eq!(working, [true, true, true, true, true, false, false]);
    }

    #[test]
    fn is_working_day() {
        let other_weekend = Calendar {
            weekend: WeekdaySet::from_array([Weekday::Fri, Weekday::Sat]),
            ..plain()
        };
        let rows: &[(&str, Calendar, &str, bool)] = &[
            ("Friday", plain(), "2025-01-10", true),
            ("Saturday", plain(), "2025-01-11", false),
            ("Sunday", plain(), "2025-01-12", false),
            (
                "Christmas Eve on a Wednesday",
                dk_christmas(),
                "2025-12-24",
                false,
            ),
            ("the day before", dk_christmas(), "2025-12-23", true),
            (
                "a holiday that is not configured",
                plain(),
                "2025-12-25",
                true,
            ),
            (
                "Friday in a Friday-Saturday weekend",
                other_weekend.clone(),
                "2025-01-10",
                false,
            ),
            (
                "Sunday in a Friday-Saturday weekend",
                other_weekend,
                "2025-01-12",
                true,
            ),
        ];
        for (name, calendar, d, expected) in rows {
            assert_eq!(calendar.is_working_day(day(d)), *expected, "{name}");
        }
    }

    #[test]
    fn add_working_days() {
        let rows: &[(&str, Calendar, &str, u32, &str)] = &[
            (
                "zero days is the start",
                plain(),
                "2025-01-10",
                0,
                "2025-01-10",
            ),
            (
                "zero days from a Saturday",
                plain(),
                "2025-01-11",
                0,
                "2025-01-11",
            ),
            (
                "Thursday + 1 = Friday",
                plain(),
                "2025-01-09",
                1,
                "2025-01-10",
            ),
            (
                "Friday + 1 = Monday",
                plain(),
                "2025-01-10",
                1,
                "2025-01-13",
            ),
            (
                "Friday + 2 = Tuesday",
                plain(),
                "2025-01-10",
                2,
                "2025-01-14",
            ),
            (
                "Friday + 2 = Wednesday when Monday is a holiday",
                with_holidays(&["2025-01-13"]),
                "2025-01-10",
                2,
                "2025-01-15",
            ),
            (
                "Saturday + 1 = Monday",
                plain(),
                "2025-01-11",
                1,
                "2025-01-13",
            ),
            (
                "Monday + 10 = Monday two weeks on",
                plain(),
                "2025-01-06",
                10,
                "2025-01-20",
            ),
            (
                "Tuesday 23 Dec 2025 + 1 = Monday 29",
                dk_christmas(),
                "2025-12-23",
                1,
                "2025-12-29",
            ),
            (
                "Tuesday 23 Dec 2025 + 2 = Tuesday 30",
                dk_christmas(),
                "2025-12-23",
                2,
                "2025-12-30",
            ),
            (
                "Tuesday 23 Dec 2025 + 4 skips New Year",
                dk_christmas(),
                "2025-12-23",
                4,
                "2026-01-02",
            ),
            (
                "Friday 20 Dec 2024 + 1 = Monday 23",
                dk_christmas(),
                "2024-12-20",
                1,
                "2024-12-23",
            ),
            (
                "Friday 20 Dec 2024 + 2 = Friday 27",
                dk_christmas(),
                "2024-12-20",
                2,
                "2024-12-27",
            ),
            (
                "Wednesday before Easter + 1",
                dk_easter(),
                "2025-04-16",
                1,
                "2025-04-22",
            ),
        ];
        for (name, calendar, start, n, expected) in rows {
            assert_eq!(
                calendar.add_working_days(day(start), *n),
                day(expected),
                "{name}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "no working days")]
    fn a_calendar_without_working_days_is_refused() {
        let never = Calendar {
            weekend: WeekdaySet::ALL,
            ..plain()
        };
        assert_eq!(
            never.add_working_days(day("2025-01-10"), 0),
            day("2025-01-10")
        );
        never.add_working_days(day("2025-01-10"), 1);
    }

    #[test]
    fn working_days_overdue() {
        let rows: &[(&str, Calendar, &str, &str, u32)] = &[
            ("on the due date", plain(), "2025-01-10", "2025-01-10", 0),
            (
                "before the due date",
                plain(),
                "2025-01-10",
                "2025-01-09",
                0,
            ),
            (
                "long before the due date",
                plain(),
                "2025-01-10",
                "2024-01-10",
                0,
            ),
            ("the weekend after", plain(), "2025-01-10", "2025-01-12", 0),
            ("the Monday after", plain(), "2025-01-10", "2025-01-13", 1),
            ("a week after", plain(), "2025-01-10", "2025-01-17", 5),
            (
                "due on a Saturday, Monday",
                plain(),
                "2025-01-11",
                "2025-01-13",
                1,
            ),
            (
                "over Christmas 2025",
                dk_christmas(),
                "2025-12-23",
                "2025-12-28",
                0,
            ),
            (
                "after Christmas 2025",
                dk_christmas(),
                "2025-12-23",
                "2025-12-29",
                1,
            ),
            ("into 2026", dk_christmas(), "2025-12-23", "2026-01-02", 4),
            ("over Easter", dk_easter(), "2025-04-16", "2025-04-22", 1),
        ];
        for (name, calendar, due, today, expected) in rows {
            assert_eq!(
                calendar.working_days_overdue(day(due), day(today)),
                *expected,
                "{name}"
            );
        }
    }

    #[test]
    fn due_dates() {
        let custom = DeadlineRules {
            release_notice_months: 6,
            handover_received_working_days: 3,
            handover_answered_working_days: 5,
            relocation_answered_days: 1,
        };
        let rows: &[(Calendar, DeadlineRules, DeadlineKind, &str, &str)] = &[
            (
                plain(),
                DeadlineRules::default(),
                K::HandoverReceived,
                "2025-01-10",
                "2025-01-14",
            ),
            (
                plain(),
                DeadlineRules::default(),
                K::HandoverAnswered,
                "2025-01-06",
                "2025-01-20",
            ),
            (
                plain(),
                DeadlineRules::default(),
                K::RelocationAnswered,
                "2025-01-10",
                "2025-01-12",
            ),
            (
                plain(),
                DeadlineRules::default(),
                K::ReleaseNotice,
                "2025-01-10",
                "2025-01-10",
            ),
            (
                dk_christmas(),
                DeadlineRules::default(),
                K::HandoverReceived,
                "2025-12-23",
                "2025-12-30",
            ),
            (
                dk_christmas(),
                DeadlineRules::default(),
                K::RelocationAnswered,
                "2025-12-23",
                "2025-12-25",
            ),
            (
                plain(),
                custom,
                K::HandoverReceived,
                "2025-01-10",
                "2025-01-15",
            ),
            (
                plain(),
                custom,
                K::HandoverAnswered,
                "2025-01-10",
                "2025-01-17",
            ),
            (
                plain(),
                custom,
                K::RelocationAnswered,
                "2025-01-10",
                "2025-01-11",
            ),
        ];
        for (calendar, rules, kind, requested, expected) in rows {
            assert_eq!(
                due_date(calendar, rules, *kind, day(requested)),
                day(expected),
                "{kind:?} from {requested}"
            );
        }
    }

    #[test]
    fn open_breaches_first_then_double() {
        let rows: &[(Calendar, DeadlineKind, &str, &str, Expected)] = &[
            // Received: due Monday 13 for Thursday 9; double after 2 more working days.
            (
                plain(),
                K::HandoverReceived,
                "2025-01-09",
                "2025-01-09",
                None,
            ),
            (
                plain(),
                K::HandoverReceived,
                "2025-01-09",
                "2025-01-13",
                None,
            ),
            (
                plain(),
                K::HandoverReceived,
                "2025-01-09",
                "2025-01-14",
                Some((First, 1)),
            ),
            (
                plain(),
                K::HandoverReceived,
                "2025-01-09",
                "2025-01-15",
                Some((Double, 2)),
            ),
            (
                plain(),
                K::HandoverReceived,
                "2025-01-09",
                "2025-01-20",
                Some((Double, 5)),
            ),
            // Due Friday 10 for Wednesday 8: the weekend does not count.
            (
                plain(),
                K::HandoverReceived,
                "2025-01-08",
                "2025-01-12",
                None,
            ),
            (
                plain(),
                K::HandoverReceived,
                "2025-01-08",
                "2025-01-13",
                Some((First, 1)),
            ),
            (
                plain(),
                K::HandoverReceived,
                "2025-01-08",
                "2025-01-14",
                Some((Double, 2)),
            ),
            // Over Christmas: due Tuesday 30 Dec, New Year's Day does not count.
            (
                dk_christmas(),
                K::HandoverReceived,
                "2025-12-23",
                "2025-12-30",
                None,
            ),
            (
                dk_christmas(),
                K::HandoverReceived,
                "2025-12-23",
                "2025-12-31",
                Some((First, 1)),
            ),
            (
                dk_christmas(),
                K::HandoverReceived,
                "2025-12-23",
                "2026-01-01",
                Some((First, 1)),
            ),
            (
                dk_christmas(),
                K::HandoverReceived,
                "2025-12-23",
                "2026-01-02",
                Some((Double, 2)),
            ),
            // Answered: due Monday 20 for Monday 6; double after 10 more working days.
            (
                plain(),
                K::HandoverAnswered,
                "2025-01-06",
                "2025-01-20",
                None,
            ),
            (
                plain(),
                K::HandoverAnswered,
                "2025-01-06",
                "2025-01-21",
                Some((First, 1)),
            ),
            (
                plain(),
                K::HandoverAnswered,
                "2025-01-06",
                "2025-01-31",
                Some((First, 9)),
            ),
            (
                plain(),
                K::HandoverAnswered,
                "2025-01-06",
                "2025-02-03",
                Some((Double, 10)),
            ),
            // Relocation: calendar days, weekends included.
            (
                plain(),
                K::RelocationAnswered,
                "2025-01-09",
                "2025-01-11",
                None,
            ),
            (
                plain(),
                K::RelocationAnswered,
                "2025-01-09",
                "2025-01-12",
                Some((First, 1)),
            ),
            (
                plain(),
                K::RelocationAnswered,
                "2025-01-09",
                "2025-01-13",
                Some((Double, 2)),
            ),
            (
                plain(),
                K::RelocationAnswered,
                "2025-01-09",
                "2025-01-08",
                None,
            ),
            // A release notice has no request date.
            (plain(), K::ReleaseNotice, "2025-01-09", "2025-06-01", None),
        ];
        let rules = DeadlineRules::default();
        for (calendar, kind, requested, today, expected) in rows {
            assert_eq!(
                open_breach(calendar, &rules, *kind, day(requested), day(today)),
                *expected,
                "{kind:?} requested {requested}, today {today}"
            );
        }
    }

    #[test]
    fn release_notice_three_months_ahead() {
        // Release Monday 30 June 2025: due Sunday 30 March, 92 days of lead time required.
        let rows: &[(&str, &str, &str, Expected)] = &[
            ("at sentence start", "2025-06-30", "2025-01-02", None),
            ("exactly 3 months before", "2025-06-30", "2025-03-30", None),
            (
                "one day later",
                "2025-06-30",
                "2025-03-31",
                Some((First, 1)),
            ),
            (
                "exactly half the lead time left",
                "2025-06-30",
                "2025-05-15",
                Some((First, 46)),
            ),
            (
                "under half the lead time left",
                "2025-06-30",
                "2025-05-16",
                Some((Double, 47)),
            ),
            (
                "on the release day",
                "2025-06-30",
                "2025-06-30",
                Some((Double, 92)),
            ),
            (
                "after the release",
                "2025-06-30",
                "2025-07-01",
                Some((Double, 93)),
            ),
            // 31 May - 3 months is the last day of February.
            ("month end, on time", "2025-05-31", "2025-02-28", None),
            (
                "month end, a day late",
                "2025-05-31",
                "2025-03-01",
                Some((First, 1)),
            ),
        ];
        let rules = DeadlineRules::default();
        for (name, release, received, expected) in rows {
            assert_eq!(
                release_notice_breach(&rules, day(release), day(received)),
                *expected,
                "{name}"
            );
        }
    }

    #[test]
    fn release_notice_months_are_configurable() {
        let rules = DeadlineRules {
            release_notice_months: 6,
            ..DeadlineRules::default()
        };
        let release = day("2025-06-30");
        assert_eq!(
            release_notice_breach(&rules, release, day("2024-12-30")),
            None
        );
        assert_eq!(
            release_notice_breach(&rules, release, day("2024-12-31")),
            Some((First, 1))
        );
    }
}
