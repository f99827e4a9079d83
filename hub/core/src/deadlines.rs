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

use chrono::{NaiveDate, Weekday};
use schemas::Jurisdiction;

/// Working days of one jurisdiction: weekends and public holidays excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Whose calendar.
    pub jurisdiction: Jurisdiction,
    /// Days of the week that are never working days (Saturday and Sunday in DK, NO, SE).
    pub weekend: BTreeSet<Weekday>,
    /// Public holidays.
    pub holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        let _ = day;
        unimplemented!("deadlines: is_working_day")
    }

    /// The day `n` working days after `start` (start itself not counted; n = 0 gives
    /// `start`). Example: Friday + 1 working day = Monday when Monday is no holiday.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let _ = (start, n);
        unimplemented!("deadlines: add_working_days")
    }

    /// Working days after `due` up to and including `today`: 0 when `today <= due`.
    pub fn working_days_overdue(&self, due: NaiveDate, today: NaiveDate) -> u32 {
        let _ = (due, today);
        unimplemented!("deadlines: working_days_overdue")
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
pub fn due_date(calendar: &Calendar, rules: &DeadlineRules, kind: DeadlineKind, requested_on: NaiveDate) -> NaiveDate {
    let _ = (calendar, rules, kind, requested_on);
    unimplemented!("deadlines: due_date (ReleaseNotice has no request date: see release_notice_breach)")
}

/// The breach of a handover or relocation deadline opened on `requested_on`, still not met
/// on `today`, with the days overdue (working days, or calendar days for a relocation).
/// Double once overdue by at least the allowed time again (e.g. 2 more working days).
pub fn open_breach(
    calendar: &Calendar,
    rules: &DeadlineRules,
    kind: DeadlineKind,
    requested_on: NaiveDate,
    today: NaiveDate,
) -> Option<(Breach, u32)> {
    let _ = (calendar, rules, kind, requested_on, today);
    unimplemented!("deadlines: open_breach")
}

/// The breach of the release-notice deadline by a notice received on `received_on` for a
/// release expected on `expected_release`, with the days late (calendar days after the due
/// date `expected_release - release_notice_months`). Double when the lead time left is less
/// than half the required one.
pub fn release_notice_breach(
    rules: &DeadlineRules,
    expected_release: NaiveDate,
    received_on: NaiveDate,
) -> Option<(Breach, u32)> {
    let _ = (rules, expected_release, received_on);
    unimplemented!("deadlines: release_notice_breach")
}
