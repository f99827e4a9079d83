//! Whether a deadline was kept, judged afterwards from the recorded timeline: what the national
//! contact point counts as overdue.
//!
//! Overdue means past its deadline by the calendar of its jurisdiction, escalated or not, open
//! or answered late (`shared/domain.md`, "The national contact point's view"). So every
//! deadline a handover or a relocation had is a [`Deadline`] with its due day and the day it
//! was met, whatever the hub escalated at the time. The due days are those of [`deadlines`].
//!
//! [`deadlines`]: crate::deadlines

use chrono::NaiveDate;

use crate::deadlines::{self, Calendar, DeadlineKind, DeadlineRules};

/// One deadline of one handover or relocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// The last day on which meeting it is in time.
    pub due: NaiveDate,
    /// The day it was met, if it was.
    pub met_on: Option<NaiveDate>,
}

/// Where a deadline stood at the end of a period it fell due in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Met on or before its due day.
    InTime,
    /// Met after its due day, on or before the period's last day.
    AnsweredLate,
    /// Not met by the period's last day, and past due.
    OpenAtEnd,
}

impl Deadline {
    /// Whether it was not met by its due day (met later, or not at all).
    pub fn overdue(&self) -> bool {
        self.met_on.is_none_or(|met| met > self.due)
    }

    /// Where it stood on `last_day` (the last day of a period it fell due in, so `due <=
    /// last_day`). A deadline due on the period's last day and not met that day is open at
    /// the end.
    pub fn standing_on(&self, last_day: NaiveDate) -> Standing {
        match self.met_on {
            Some(met) if met <= self.due => Standing::InTime,
            Some(met) if met <= last_day => Standing::AnsweredLate,
            _ => Standing::OpenAtEnd,
        }
    }
}

/// The two deadlines of a handover requested on `requested_on`: to be received within 2
/// working days and answered within 10 (as configured). Any answer also counts as receipt.
pub fn handover(
    calendar: &Calendar,
    rules: &DeadlineRules,
    requested_on: NaiveDate,
    received_on: Option<NaiveDate>,
    answered_on: Option<NaiveDate>,
) -> [Deadline; 2] {
    let received = match (received_on, answered_on) {
        (Some(r), Some(a)) => Some(r.min(a)),
        (r, a) => r.or(a),
    };
    [
        (DeadlineKind::HandoverReceived, received),
        (DeadlineKind::HandoverAnswered, answered_on),
    ]
    .map(|(kind, met_on)| Deadline {
        kind,
        due: deadlines::due_date(calendar, rules, kind, requested_on),
        met_on,
    })
}

/// The deadline of a relocation requested on `requested_on`: answered within 2 calendar days.
pub fn relocation(
    calendar: &Calendar,
    rules: &DeadlineRules,
    requested_on: NaiveDate,
    answered_on: Option<NaiveDate>,
) -> Deadline {
    let kind = DeadlineKind::RelocationAnswered;
    Deadline {
        kind,
        due: deadlines::due_date(calendar, rules, kind, requested_on),
        met_on: answered_on,
    }
}

/// How many calendar days late a release notice received on `received_on` was for a release
/// expected on `expected_release`; `None` when it came in time (see
/// [`deadlines::release_notice_breach`]).
pub fn release_notice_days_late(
    rules: &DeadlineRules,
    expected_release: NaiveDate,
    received_on: NaiveDate,
) -> Option<u32> {
    deadlines::release_notice_breach(rules, expected_release, received_on).map(|(_, days)| days)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use schemas::Jurisdiction;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Danish Easter 2026: Maundy Thursday to Easter Monday.
    fn easter() -> Calendar {
        Calendar {
            holidays: ["2026-04-02", "2026-04-03", "2026-04-06"]
                .iter()
                .map(|d| day(d))
                .collect::<BTreeSet<_>>(),
            ..Calendar::weekends_only(Jurisdiction::DK)
        }
    }

    #[test]
    fn a_handovers_deadlines_fall_by_working_days_and_an_answer_is_also_a_receipt() {
        let rules = DeadlineRules::default();
        // Requested on the Wednesday before Easter: received by Tuesday after (Thu, Fri, Mon
        // are holidays), answered 10 working days on.
        let [received, answered] = handover(
            &easter(),
            &rules,
            day("2026-04-01"),
            None,
            Some(day("2026-04-07")),
        );
        assert_eq!(received.due, day("2026-04-08"));
        assert_eq!(received.met_on, Some(day("2026-04-07")), "the answer");
        assert!(!received.overdue());
        assert_eq!(answered.due, day("2026-04-20"));
        assert!(!answered.overdue());

        let [received, _] = handover(
            &easter(),
            &rules,
            day("2026-04-01"),
            Some(day("2026-04-09")),
            Some(day("2026-04-08")),
        );
        assert_eq!(
            received.met_on,
            Some(day("2026-04-08")),
            "the earlier of the two"
        );
    }

    #[test]
    fn a_deadline_met_on_its_due_day_is_kept_and_one_day_later_is_overdue() {
        let table: [(Option<&str>, &str, bool, Standing); 5] = [
            (Some("2026-03-10"), "2026-03-31", false, Standing::InTime),
            (
                Some("2026-03-11"),
                "2026-03-31",
                true,
                Standing::AnsweredLate,
            ),
            (
                Some("2026-03-31"),
                "2026-03-31",
                true,
                Standing::AnsweredLate,
            ),
            (Some("2026-04-01"), "2026-03-31", true, Standing::OpenAtEnd),
            (None, "2026-03-31", true, Standing::OpenAtEnd),
        ];
        for (met, last_day, overdue, standing) in table {
            let d = Deadline {
                kind: DeadlineKind::HandoverAnswered,
                due: day("2026-03-10"),
                met_on: met.map(day),
            };
            assert_eq!(d.overdue(), overdue, "{met:?}");
            assert_eq!(d.standing_on(day(last_day)), standing, "{met:?}");
        }
    }

    #[test]
    fn a_relocation_is_due_two_calendar_days_on_even_over_a_weekend() {
        let d = relocation(
            &easter(),
            &DeadlineRules::default(),
            day("2026-04-03"),
            Some(day("2026-04-06")),
        );
        assert_eq!(d.due, day("2026-04-05"));
        assert!(d.overdue());
    }

    #[test]
    fn a_release_notice_is_late_after_the_day_three_months_before_the_release() {
        let rules = DeadlineRules::default();
        let release = day("2026-05-31");
        assert_eq!(
            release_notice_days_late(&rules, release, day("2026-02-28")),
            None
        );
        assert_eq!(
            release_notice_days_late(&rules, release, day("2026-03-01")),
            Some(1)
        );
        assert_eq!(
            release_notice_days_late(&rules, release, day("2026-05-30")),
            Some(91)
        );
    }
}
