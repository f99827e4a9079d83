//! The national contact point's figures (issue 18), computed from a population [`Plan`]
//! alone: the count a browser test holds each figure on the page against. Independent of the
//! hub: nothing here reads its database or calls its code; the rules below are written again
//! from the definitions of the figures (issue 18) and from what the hub does with each
//! message. Pure but for reading `config/calendars.toml`; no clock (`now` is the plan's).
//!
//! # What the hub holds after the plan
//!
//! Every step of the plan is sent (the plan is cut at `now` already); a step the plan expects
//! to be refused whole ([`Expect::Refused`]) changes nothing; a partly refused one reaches
//! every recipient but the refused one. Effects are dated by the step's `envelope.sent_at`
//! (the hub's backfill, `hub/server/src/db.rs` `event_time`, must cover the plan's span), and
//! a day is that time's date in the jurisdiction's zone.
//!
//! Mirrored from the hub, per case (the case id of the envelope):
//!
//! - `ConsentGranted` and `ConsentWithdrawn` never open or touch a case: the hub decides them
//!   before the case rules (`hub/core/src/routing.rs:375`, `:400`). A consent version is
//!   recorded on its day, with its programme. A withdrawal blocks the case's open handovers
//!   (`routing.rs:945`, `cases.rs:399` `block_for_consent`; every handover of the plan
//!   travels under the person's consent).
//! - A case opens with the first routed message naming it that is not an answer, a
//!   cancellation or a close (those are refused for an unknown case, `routing.rs:462`): in the
//!   plan the release notice. Owner: its sender; stage referred (`routing.rs:469`,
//!   `cases.rs:165` `Case::open`); opened on its day (`hub/server/src/db/state.rs:585`).
//! - `HandoverRequest` / `RelocationRequest`: a handover (or relocation) requested of its one
//!   delivered recipient on that day (`cases.rs` `request_handover`, `request_relocation`).
//! - `HandoverResponse`: received (only from requested; a referred case goes to intake,
//!   `cases.rs:335`), accepted (a case handover only: the recipient owns the case, stage
//!   active, `cases.rs:338`) or rejected (the case stays as it was). The first response that
//!   says received, accepted or rejected dates `received_at`, an accept or reject
//!   `answered_at` (`db/state.rs:604`, `:607`).
//! - `RelocationConfirmed`: the relocation is accepted, the destination owns the case, stage
//!   active (`cases.rs:274` `confirm_relocation`).
//! - `HandoverCancelled`: an open handover is cancelled.
//! - `CaseClosed`: stage closed on that day; its open handovers are cancelled with it
//!   (`routing.rs:687`).
//! - `OutcomeReport` (no case): recorded for the contact point when delivered to it
//!   (`db.rs` `record_statistics`), with its `ended_on` as written in the report.
//!
//! A case belongs to the jurisdiction of its owner, a handover to its sender's, a release
//! notice to its prison's, an outcome to its reporting agency's
//! (`hub/server/src/contact_point.rs:16`); in a plan all of one case's agencies share the
//! case's jurisdiction, so [`PlanFigures::only`] keeps the cases of one jurisdiction.
//!
//! # What the plan cannot tell
//!
//! - Escalations: the hub dates them by its own clock when it sweeps or receives
//!   (`hub/server/src/deadlines.rs`), not by `sent_at`, so a population driven today has none
//!   on or before the last day of any closed period.
//! - Regions and places: they are the hub's configuration, so regions come from the caller
//!   (`region_of`) and occupancy gives cases, not use.
//! - Agencies' names: from the caller (`name_of`), as the hub's registry names them.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::AddAssign;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use schemas::messages::{HandoverOutcome, OutcomeReport};
use schemas::{AgencyId, Envelope, Jurisdiction, MessageType};
use serde_json::Value;
use uuid::Uuid;

use super::plan::{CaseScript, Cities, Expect, Kind, Plan, Step};

/// The programme of a case whose person has no consent version recorded by then.
pub const NO_CONSENT: &str = "no consent recorded";

/// The region of an agency the caller knows no region of (as the hub's `coalesce`).
pub const UNKNOWN_REGION: &str = "unknown";

/// The label of a total row or column in a published table.
pub const TOTAL: &str = "total";

// ---------------------------------------------------------------------------------------------
// Periods

/// A fixed calendar period (the test's own, not the hub's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A month: year, month 1 to 12.
    Month(i32, u32),
    /// A quarter: year, quarter 1 to 4.
    Quarter(i32, u32),
    /// A calendar year.
    Year(i32),
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}

impl Period {
    /// Its first day.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Period::Month(y, m) => date(y, m, 1),
            Period::Quarter(y, q) => date(y, 3 * q - 2, 1),
            Period::Year(y) => date(y, 1, 1),
        }
    }

    /// Its last day.
    pub fn last_day(&self) -> NaiveDate {
        let (y, m) = match *self {
            Period::Month(y, m) => (y, m),
            Period::Quarter(y, q) => (y, 3 * q),
            Period::Year(y) => (y, 12),
        };
        let next = if m == 12 {
            date(y + 1, 1, 1)
        } else {
            date(y, m + 1, 1)
        };
        next.pred_opt().expect("a day before the first of a month")
    }

    /// Its key as the figures name it: `2026-11`, `2026-Q3`, `2026`.
    pub fn key(&self) -> String {
        match *self {
            Period::Month(y, m) => format!("{y}-{m:02}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Year(y) => format!("{y}"),
        }
    }

    /// The period of a key made by [`Period::key`].
    pub fn parse(key: &str) -> Option<Period> {
        let period = match key.split_once('-') {
            None => Period::Year(key.parse().ok()?),
            Some((y, q)) if q.starts_with('Q') => {
                Period::Quarter(y.parse().ok()?, q[1..].parse().ok()?)
            }
            Some((y, m)) if m.len() == 2 => Period::Month(y.parse().ok()?, m.parse().ok()?),
            Some(_) => return None,
        };
        let valid = match period {
            Period::Month(_, m) => (1..=12).contains(&m),
            Period::Quarter(_, q) => (1..=4).contains(&q),
            Period::Year(_) => true,
        };
        (valid && key == period.key()).then_some(period)
    }

    /// Its year.
    pub fn year(&self) -> i32 {
        match *self {
            Period::Month(y, _) | Period::Quarter(y, _) | Period::Year(y) => y,
        }
    }

    /// The months it is made of, in order (a month: itself).
    pub fn months(&self) -> Vec<Period> {
        let (y, from, to) = match *self {
            Period::Month(y, m) => (y, m, m),
            Period::Quarter(y, q) => (y, 3 * q - 2, 3 * q),
            Period::Year(y) => (y, 1, 12),
        };
        (from..=to).map(|m| Period::Month(y, m)).collect()
    }

    /// The quarter a month or quarter lies in (a year: none).
    pub fn quarter(&self) -> Option<Period> {
        match *self {
            Period::Month(y, m) => Some(Period::Quarter(y, m.div_ceil(3))),
            Period::Quarter(..) => Some(*self),
            Period::Year(_) => None,
        }
    }

    /// The four quarters of `year`.
    pub fn quarters_of_year(year: i32) -> [Period; 4] {
        [1, 2, 3, 4].map(|q| Period::Quarter(year, q))
    }

    /// One year's sheet, as the hub suppresses it together: its 12 months, 4 quarters and the
    /// year.
    pub fn year_sheet(year: i32) -> Vec<Period> {
        let mut all = Period::Year(year).months();
        all.extend(Period::quarters_of_year(year));
        all.push(Period::Year(year));
        all
    }

    /// Whether `day` lies in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// Whether it is closed on `today`: its last day is past, so the hub shows it.
    pub fn is_closed(&self, today: NaiveDate) -> bool {
        self.last_day() < today
    }
}

// ---------------------------------------------------------------------------------------------
// Days

/// The zone whose dates a jurisdiction's figures use.
pub fn zone(jurisdiction: Jurisdiction) -> Tz {
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

/// `day` less 3 months: the same day of the month 3 months earlier, or the last day of that
/// month when it is shorter (31 May -> 28 or 29 February).
pub fn three_months_before(day: NaiveDate) -> NaiveDate {
    day.checked_sub_months(Months::new(3))
        .expect("a date 3 months back is representable")
}

fn jurisdiction_code(jurisdiction: Jurisdiction) -> &'static str {
    match jurisdiction {
        Jurisdiction::DK => "DK",
        Jurisdiction::NO => "NO",
        Jurisdiction::SE => "SE",
    }
}

/// Working days of one jurisdiction: not Saturday or Sunday, not a public holiday of
/// `config/calendars.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Holidays {
    pub jurisdiction: Jurisdiction,
    /// The public holidays.
    pub days: BTreeSet<NaiveDate>,
}

impl Holidays {
    /// The holidays of `jurisdiction` in the repository's `config/calendars.toml`.
    ///
    /// # Panics
    /// When the file cannot be read or is not a calendar file.
    pub fn load(jurisdiction: Jurisdiction) -> Holidays {
        let path = crate::repo_root().join("config").join("calendars.toml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        Holidays::parse(&text, jurisdiction).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The holidays of `jurisdiction` in the text of a calendars file: `[[calendars]]` tables
    /// of `jurisdiction` and `holidays` (dates as `YYYY-MM-DD` strings). None listed: weekends
    /// only.
    pub fn parse(text: &str, jurisdiction: Jurisdiction) -> Result<Holidays, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("not TOML: {e}"))?;
        let calendars = match table.get("calendars") {
            None => &Vec::new(),
            Some(toml::Value::Array(list)) => list,
            Some(_) => return Err("`calendars` is not an array of tables".to_owned()),
        };
        let mut days = BTreeSet::new();
        for calendar in calendars {
            let code = calendar.get("jurisdiction").and_then(toml::Value::as_str);
            if code != Some(jurisdiction_code(jurisdiction)) {
                continue;
            }
            let listed = calendar
                .get("holidays")
                .and_then(toml::Value::as_array)
                .ok_or("a calendar without a `holidays` array")?;
            for day in listed {
                let text = day.as_str().ok_or("a holiday that is not a string")?;
                days.insert(text.parse().map_err(|e| format!("holiday {text:?}: {e}"))?);
            }
        }
        Ok(Holidays { jurisdiction, days })
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.days.contains(&day)
    }

    /// `n` working days after `day`: step day by day from `day`, counting only working days,
    /// `day` itself not counted (n = 0 gives `day`).
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut day = day;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("a representable date");
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

// ---------------------------------------------------------------------------------------------
// How figures are shown

/// A published cell as a reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// A number shown.
    Exact(i64),
    /// Not shown: "<5" or "suppressed".
    Hidden,
}

impl Published {
    /// A cell as the page or JSON shows it: a number, `<5` or `suppressed`.
    pub fn parse(shown: &str) -> Option<Published> {
        match shown.trim() {
            "<5" | "suppressed" => Some(Published::Hidden),
            n => n.parse().ok().map(Published::Exact),
        }
    }
}

/// A count of a closed period as the rules allow it shown: 1 to 4 hidden (`<5`). Whether the
/// hub withholds a further cell to protect it is for [`derivable_small_counts`] to check.
pub fn shown(n: i64) -> Published {
    if (1..5).contains(&n) {
        Published::Hidden
    } else {
        Published::Exact(n)
    }
}

/// A live ("now") count as shown: 0 as 0, 1 to 4 hidden, otherwise rounded to the nearest
/// multiple of 5 (7 -> 5, 8 -> 10, 12 -> 10, 13 -> 15).
pub fn rounded_live(n: i64) -> Published {
    match n {
        0 => Published::Exact(0),
        1..=4 => Published::Hidden,
        _ => Published::Exact((n + 2) / 5 * 5),
    }
}

/// A rate in per cent with one decimal, or `None` (suppressed) when its whole, its part or
/// its rest is 1 to 4, or the whole is 0.
pub fn shown_rate(part: i64, whole: i64) -> Option<f64> {
    let small = |n: i64| (1..5).contains(&n);
    if whole <= 0 || small(whole) || small(part) || small(whole - part) {
        return None;
    }
    Some((1000.0 * part as f64 / whole as f64).round() / 10.0)
}

/// The value at fraction `q` (0 to 1) of `sorted`, interpolated linearly between the two
/// nearest (as PostgreSQL's `percentile_cont`); `None` for an empty list.
pub fn percentile_cont(sorted: &[i64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = q * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let low = sorted[below] as f64;
    Some(low + (position - below as f64) * (sorted[above] as f64 - low))
}

// ---------------------------------------------------------------------------------------------
// The expected figures

/// A deadline of the view "overdue".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineKind {
    /// A handover received within 2 working days of its request.
    HandoverReceived,
    /// A handover accepted or rejected within 10 working days of its request.
    HandoverAnswered,
    /// A relocation confirmed or rejected within 2 calendar days of its request.
    RelocationAnswered,
}

impl DeadlineKind {
    /// The three, in the order of the view.
    pub const ALL: [DeadlineKind; 3] = [
        DeadlineKind::HandoverReceived,
        DeadlineKind::HandoverAnswered,
        DeadlineKind::RelocationAnswered,
    ];

    /// Its name in the figures, e.g. `HandoverReceived`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::HandoverReceived => "HandoverReceived",
            DeadlineKind::HandoverAnswered => "HandoverAnswered",
            DeadlineKind::RelocationAnswered => "RelocationAnswered",
        }
    }
}

/// The deadlines due in a period, and how they went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeadlineCounts {
    /// Due in the period.
    pub due: i64,
    /// Not met by the due day.
    pub overdue: i64,
    /// Overdue, met on or before the period's last day.
    pub answered_late: i64,
    /// Overdue, not met by the period's last day.
    pub open_at_end: i64,
}

impl AddAssign for DeadlineCounts {
    fn add_assign(&mut self, other: DeadlineCounts) {
        self.due += other.due;
        self.overdue += other.overdue;
        self.answered_late += other.answered_late;
        self.open_at_end += other.open_at_end;
    }
}

/// The view "overdue" for one period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OverdueExpected {
    /// By deadline: all three, zeros included.
    pub by_kind: BTreeMap<DeadlineKind, DeadlineCounts>,
    /// By the name of the agency asked and deadline: handover deadlines only.
    pub by_agency: BTreeMap<(String, DeadlineKind), DeadlineCounts>,
    /// By the region of the agency asked and deadline, relocations included (leave out
    /// [`DeadlineKind::RelocationAnswered`] where the page does).
    pub by_region: BTreeMap<(String, DeadlineKind), DeadlineCounts>,
}

/// Sums the counts whose key passes `keep`.
fn sum_where<K>(counts: &BTreeMap<K, DeadlineCounts>, keep: impl Fn(&K) -> bool) -> DeadlineCounts {
    let mut sum = DeadlineCounts::default();
    for (_, c) in counts.iter().filter(|(k, _)| keep(k)) {
        sum += *c;
    }
    sum
}

impl OverdueExpected {
    /// All deadlines of one agency asked, both handover kinds together.
    pub fn agency(&self, name: &str) -> DeadlineCounts {
        sum_where(&self.by_agency, |(n, _)| n == name)
    }

    /// All deadlines of one region's agencies asked; `with_relocations` counts relocations
    /// too.
    pub fn region(&self, region: &str, with_relocations: bool) -> DeadlineCounts {
        sum_where(&self.by_region, |(r, k)| {
            r == region && (with_relocations || *k != DeadlineKind::RelocationAnswered)
        })
    }
}

/// The view "releases" for one period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleasesExpected {
    /// Release notices received (routed) in the period.
    pub received: i64,
    /// Of them, late.
    pub late: i64,
    /// Late notices by the sending prison's name.
    pub late_by_prison: BTreeMap<String, i64>,
    /// Late notices by the name of each municipality they were delivered to (a notice to two
    /// counts in each).
    pub late_by_municipality: BTreeMap<String, i64>,
    /// Late notices by (prison name, municipality name).
    pub late_by_prison_and_municipality: BTreeMap<(String, String), i64>,
    /// The days late of the late notices, sorted.
    pub days_late: Vec<i64>,
}

impl ReleasesExpected {
    /// Median, 25th and 75th percentile of the days late, when there are 5 or more:
    /// `[p25, median, p75]`.
    pub fn spread(&self) -> Option<[f64; 3]> {
        if self.days_late.len() < 5 {
            return None;
        }
        let at = |q| percentile_cont(&self.days_late, q).expect("not empty");
        Some([at(0.25), at(0.5), at(0.75)])
    }
}

/// One yearly cohort of outcome reports (by the year of `ended_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CohortExpected {
    /// Reports delivered to the contact point.
    pub reports: i64,
    /// Of them, knowing whether there was a new serious charge within 12 months.
    pub charge_known: i64,
    /// Of those, no new serious charge.
    pub no_new_charge: i64,
    /// Knowing the occupation 3 months after.
    pub occupation_known: i64,
    /// Of those, in education or a job.
    pub in_education_or_job: i64,
}

// ---------------------------------------------------------------------------------------------
// What the hub holds after the plan

/// Where a handover (or relocation) ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HandoverState {
    Requested,
    Received,
    Accepted,
    Rejected,
    Cancelled,
    BlockedConsent,
}

impl HandoverState {
    fn is_open(self) -> bool {
        matches!(self, HandoverState::Requested | HandoverState::Received)
    }
}

/// The agency and region of a handover in a case that had a relocation, as the contact point
/// sees them.
pub const WITHHELD: &str = "withheld";

/// A handover or relocation as the hub's `handovers` row has it, with names resolved.
#[derive(Debug, Clone)]
struct HandoverRow {
    id: Uuid,
    kind: Kind,
    jurisdiction: Jurisdiction,
    asked_name: String,
    asked_region: String,
    requested_on: NaiveDate,
    /// The first response that says received, accepted or rejected.
    received_on: Option<NaiveDate>,
    /// The accept, reject or confirmation.
    answered_on: Option<NaiveDate>,
    state: HandoverState,
}

/// A case's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Referred,
    Intake,
    Active,
    Closed,
}

/// A case as the hub's `cases` row has it, with its person's consent versions.
#[derive(Debug, Clone)]
struct CaseRow {
    jurisdiction: Jurisdiction,
    opened_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    stage: Stage,
    /// The person's consent versions: the day recorded and the programme, in order.
    consents: Vec<(NaiveDate, String)>,
}

impl CaseRow {
    /// The programme of the latest consent version recorded on or before `day`.
    fn programme_on(&self, day: NaiveDate) -> String {
        self.consents
            .iter()
            .rfind(|(recorded, _)| *recorded <= day)
            .map_or_else(|| NO_CONSENT.to_owned(), |(_, p)| p.clone())
    }
}

/// A routed release notice.
#[derive(Debug, Clone)]
struct NoticeRow {
    jurisdiction: Jurisdiction,
    received_on: NaiveDate,
    due: NaiveDate,
    prison: String,
    municipalities: Vec<String>,
}

/// An outcome report delivered to the contact point.
#[derive(Debug, Clone)]
struct OutcomeRow {
    jurisdiction: Jurisdiction,
    report: OutcomeReport,
}

/// One deadline of one handover or relocation.
struct Instance<'a> {
    kind: DeadlineKind,
    due: NaiveDate,
    met: Option<NaiveDate>,
    row: &'a HandoverRow,
}

/// Everything the plan sends up to its cut, as the hub receives it; the figures of any
/// period from it.
#[derive(Debug, Clone)]
pub struct PlanFigures {
    now: DateTime<Utc>,
    calendars: BTreeMap<Jurisdiction, Holidays>,
    handovers: Vec<HandoverRow>,
    cases: Vec<CaseRow>,
    notices: Vec<NoticeRow>,
    outcomes: Vec<OutcomeRow>,
}

/// What a step carries, read from its draft.
struct Read {
    envelope: Envelope,
    body: Value,
    /// The recipients it reaches: all but one refused.
    delivered: Vec<AgencyId>,
}

fn read(step: &Step) -> Read {
    let envelope: Envelope = serde_json::from_value(step.draft["envelope"].clone())
        .unwrap_or_else(|e| panic!("a {} draft's envelope: {e}", step.message_type));
    let delivered = envelope
        .recipients
        .iter()
        .filter(
            |r| !matches!(&step.expect, Expect::PartlyRefused { recipient, .. } if recipient == *r),
        )
        .cloned()
        .collect();
    Read {
        envelope,
        body: step.draft["body"].clone(),
        delivered,
    }
}

/// A field of a draft's body, typed.
fn field<T: serde::de::DeserializeOwned>(body: &Value, name: &str, step: &Step) -> T {
    serde_json::from_value(body[name].clone())
        .unwrap_or_else(|e| panic!("{}.{name}: {e}", step.message_type))
}

/// The replay of one case's steps.
struct Replay<'a> {
    script: &'a CaseScript,
    names: &'a dyn Fn(&AgencyId) -> String,
    regions: &'a dyn Fn(&AgencyId) -> Option<String>,
    municipalities: &'a BTreeSet<AgencyId>,
    contact_points: &'a BTreeSet<AgencyId>,
    case: Option<CaseRow>,
    consents: Vec<(NaiveDate, String)>,
    handovers: Vec<HandoverRow>,
    notices: Vec<NoticeRow>,
    outcomes: Vec<OutcomeRow>,
}

impl Replay<'_> {
    /// Applies one step as the hub would, dated by its `sent_at` (`step.at`).
    fn step(&mut self, step: &Step) {
        if matches!(step.expect, Expect::Refused { .. }) {
            return;
        }
        let jurisdiction = self.script.jurisdiction;
        let day = local_day(step.at, jurisdiction);
        let m = read(step);
        match step.message_type {
            MessageType::ConsentGranted => {
                let programme: String = field(&m.body["consent"], "programme", step);
                self.consents.push((day, programme));
                return;
            }
            MessageType::ConsentWithdrawn => {
                for h in self.handovers.iter_mut().filter(|h| h.state.is_open()) {
                    h.state = HandoverState::BlockedConsent;
                }
                return;
            }
            MessageType::OutcomeReport
                if m.delivered.iter().any(|r| self.contact_points.contains(r)) =>
            {
                let report: OutcomeReport = serde_json::from_value(m.body.clone())
                    .unwrap_or_else(|e| panic!("an outcome report: {e}"));
                self.outcomes.push(OutcomeRow {
                    jurisdiction,
                    report,
                });
            }
            _ => {}
        }
        if m.envelope.case_id.is_none() {
            if step.message_type == MessageType::ReleaseNotice {
                self.notice(step, &m, jurisdiction, day);
            }
            return;
        }
        if self.case.is_none() {
            if matches!(
                step.message_type,
                MessageType::HandoverResponse
                    | MessageType::HandoverCancelled
                    | MessageType::CaseClosed
            ) {
                // Refused by the hub: nothing to answer, cancel or close.
                return;
            }
            self.case = Some(CaseRow {
                jurisdiction,
                opened_on: day,
                closed_on: None,
                stage: Stage::Referred,
                consents: Vec::new(),
            });
        }
        self.effect(step, &m, day);
    }

    /// A routed release notice, due 3 months before the expected release.
    fn notice(&mut self, step: &Step, m: &Read, jurisdiction: Jurisdiction, day: NaiveDate) {
        let expected_release: NaiveDate = field(&m.body, "expected_release", step);
        self.notices.push(NoticeRow {
            jurisdiction,
            received_on: day,
            due: three_months_before(expected_release),
            prison: (self.names)(&step.sender),
            municipalities: m
                .delivered
                .iter()
                .filter(|r| self.municipalities.contains(*r))
                .map(|r| (self.names)(r))
                .collect(),
        });
    }

    /// What a routed message about the case does to it and its handovers (nothing once it is
    /// closed: the hub refuses such messages).
    fn effect(&mut self, step: &Step, m: &Read, day: NaiveDate) {
        let case = self.case.as_mut().expect("opened above");
        if case.stage == Stage::Closed {
            return;
        }
        match step.message_type {
            MessageType::ReleaseNotice => {
                let jurisdiction = case.jurisdiction;
                self.notice(step, m, jurisdiction, day);
            }
            MessageType::HandoverRequest | MessageType::RelocationRequest => {
                let (kind, id_field) = if step.message_type == MessageType::HandoverRequest {
                    (Kind::Handover, "handover_id")
                } else {
                    (Kind::Relocation, "relocation_id")
                };
                let [asked] = m.delivered.as_slice() else {
                    panic!("a {} to one recipient", step.message_type);
                };
                self.handovers.push(HandoverRow {
                    id: field(&m.body, id_field, step),
                    kind,
                    jurisdiction: case.jurisdiction,
                    asked_name: (self.names)(asked),
                    asked_region: (self.regions)(asked)
                        .unwrap_or_else(|| UNKNOWN_REGION.to_owned()),
                    requested_on: day,
                    received_on: None,
                    answered_on: None,
                    state: HandoverState::Requested,
                });
            }
            MessageType::HandoverResponse => {
                let id: Uuid = field(&m.body, "handover_id", step);
                let outcome: HandoverOutcome = field(&m.body, "outcome", step);
                let Some(h) = self.handovers.iter_mut().find(|h| h.id == id) else {
                    return;
                };
                let state = match (h.state, outcome, h.kind) {
                    (HandoverState::Requested, HandoverOutcome::Received, _) => {
                        HandoverState::Received
                    }
                    (s, HandoverOutcome::Accepted, Kind::Handover) if s.is_open() => {
                        HandoverState::Accepted
                    }
                    (s, HandoverOutcome::Rejected, _) if s.is_open() => HandoverState::Rejected,
                    _ => return,
                };
                h.state = state;
                h.received_on = h.received_on.or(Some(day));
                match state {
                    HandoverState::Received if case.stage == Stage::Referred => {
                        case.stage = Stage::Intake;
                    }
                    HandoverState::Accepted => {
                        h.answered_on = Some(day);
                        case.stage = Stage::Active;
                    }
                    HandoverState::Rejected => h.answered_on = Some(day),
                    _ => {}
                }
            }
            MessageType::RelocationConfirmed => {
                let id: Uuid = field(&m.body, "relocation_id", step);
                if let Some(h) = self
                    .handovers
                    .iter_mut()
                    .find(|h| h.id == id && h.kind == Kind::Relocation && h.state.is_open())
                {
                    h.state = HandoverState::Accepted;
                    h.received_on = h.received_on.or(Some(day));
                    h.answered_on = Some(day);
                    case.stage = Stage::Active;
                }
            }
            MessageType::HandoverCancelled => {
                let id: Uuid = field(&m.body, "handover_id", step);
                if let Some(h) = self
                    .handovers
                    .iter_mut()
                    .find(|h| h.id == id && h.state.is_open())
                {
                    h.state = HandoverState::Cancelled;
                }
            }
            MessageType::CaseClosed => {
                case.stage = Stage::Closed;
                case.closed_on = Some(day);
                for h in self.handovers.iter_mut().filter(|h| h.state.is_open()) {
                    h.state = HandoverState::Cancelled;
                }
            }
            _ => {}
        }
    }
}

impl PlanFigures {
    /// Everything the plan sends up to its cut (`now`), as the hub receives it: refused
    /// messages left out (see [`Expect`]), days as local dates in the jurisdiction's zone.
    /// `name_of` names agencies as the hub's registry does; `region_of` gives an agency's
    /// region (`None`: [`UNKNOWN_REGION`]). Municipalities are the cities' municipalities.
    pub fn new(
        plan: &Plan,
        cities: &Cities,
        name_of: &dyn Fn(&AgencyId) -> String,
        region_of: &dyn Fn(&AgencyId) -> Option<String>,
    ) -> PlanFigures {
        let municipalities: BTreeSet<AgencyId> = cities
            .cities
            .iter()
            .map(|c| c.municipality.clone())
            .collect();
        let contact_points: BTreeSet<AgencyId> = cities
            .nations
            .iter()
            .map(|n| n.contact_point.clone())
            .collect();
        let mut figures = PlanFigures {
            now: plan.config.now,
            calendars: BTreeMap::new(),
            handovers: Vec::new(),
            cases: Vec::new(),
            notices: Vec::new(),
            outcomes: Vec::new(),
        };
        for script in &plan.cases {
            figures
                .calendars
                .entry(script.jurisdiction)
                .or_insert_with(|| Holidays::load(script.jurisdiction));
            let mut replay = Replay {
                script,
                names: name_of,
                regions: region_of,
                municipalities: &municipalities,
                contact_points: &contact_points,
                case: None,
                consents: Vec::new(),
                handovers: Vec::new(),
                notices: Vec::new(),
                outcomes: Vec::new(),
            };
            for step in &script.steps {
                replay.step(step);
            }
            if let Some(mut case) = replay.case {
                case.consents = replay.consents;
                figures.cases.push(case);
            }
            // The hub names no agency or region for the handovers of a case that had a
            // relocation (the names would give the new town away): they count as withheld.
            let mut handovers = replay.handovers;
            if handovers.iter().any(|h| h.kind == Kind::Relocation) {
                for h in &mut handovers {
                    h.asked_name = WITHHELD.to_owned();
                    h.asked_region = WITHHELD.to_owned();
                }
            }
            figures.handovers.extend(handovers);
            figures.notices.extend(replay.notices);
            figures.outcomes.extend(replay.outcomes);
        }
        figures
    }

    /// The figures of one jurisdiction's contact point: its cases, handovers, notices and
    /// outcomes only.
    pub fn only(&self, jurisdiction: Jurisdiction) -> PlanFigures {
        PlanFigures {
            now: self.now,
            calendars: self
                .calendars
                .iter()
                .filter(|(j, _)| **j == jurisdiction)
                .map(|(j, c)| (*j, c.clone()))
                .collect(),
            handovers: self
                .handovers
                .iter()
                .filter(|h| h.jurisdiction == jurisdiction)
                .cloned()
                .collect(),
            cases: self
                .cases
                .iter()
                .filter(|c| c.jurisdiction == jurisdiction)
                .cloned()
                .collect(),
            notices: self
                .notices
                .iter()
                .filter(|n| n.jurisdiction == jurisdiction)
                .cloned()
                .collect(),
            outcomes: self
                .outcomes
                .iter()
                .filter(|o| o.jurisdiction == jurisdiction)
                .cloned()
                .collect(),
        }
    }

    /// The deadline instances: per handover not cancelled or blocked, received (due 2 working
    /// days after the request's day, met by the first response) and answered (10 working
    /// days, met by the accept or reject); per relocation, answered (2 calendar days, met by
    /// the confirmation or rejection).
    fn instances(&self) -> Vec<Instance<'_>> {
        let mut all = Vec::new();
        for row in &self.handovers {
            if matches!(
                row.state,
                HandoverState::Cancelled | HandoverState::BlockedConsent
            ) {
                continue;
            }
            let calendar = &self.calendars[&row.jurisdiction];
            let requested = row.requested_on;
            match row.kind {
                Kind::Handover => {
                    all.push(Instance {
                        kind: DeadlineKind::HandoverReceived,
                        due: calendar.add_working_days(requested, 2),
                        met: row.received_on,
                        row,
                    });
                    all.push(Instance {
                        kind: DeadlineKind::HandoverAnswered,
                        due: calendar.add_working_days(requested, 10),
                        met: row.answered_on,
                        row,
                    });
                }
                Kind::Relocation => all.push(Instance {
                    kind: DeadlineKind::RelocationAnswered,
                    due: requested + Days::new(2),
                    met: row.answered_on,
                    row,
                }),
            }
        }
        all
    }

    /// The view "overdue" for `p`: the deadlines due in `p`; overdue when not met by the due
    /// day (met later, or not met and the due day past at `now`); of those, answered late when
    /// met on or before `p`'s last day, else open at the end of `p`.
    pub fn overdue(&self, p: &Period) -> OverdueExpected {
        let mut out = OverdueExpected {
            by_kind: DeadlineKind::ALL
                .iter()
                .map(|k| (*k, DeadlineCounts::default()))
                .collect(),
            ..OverdueExpected::default()
        };
        for i in self.instances().into_iter().filter(|i| p.contains(i.due)) {
            let today = local_day(self.now, i.row.jurisdiction);
            let overdue = match i.met {
                Some(met) => met > i.due,
                None => i.due < today,
            };
            let late = overdue && i.met.is_some_and(|met| met <= p.last_day());
            let counts = DeadlineCounts {
                due: 1,
                overdue: i64::from(overdue),
                answered_late: i64::from(late),
                open_at_end: i64::from(overdue && !late),
            };
            *out.by_kind.entry(i.kind).or_default() += counts;
            if i.kind != DeadlineKind::RelocationAnswered {
                *out.by_agency
                    .entry((i.row.asked_name.clone(), i.kind))
                    .or_default() += counts;
            }
            *out.by_region
                .entry((i.row.asked_region.clone(), i.kind))
                .or_default() += counts;
        }
        out
    }

    /// The view "releases" for `p`: the notices routed on a day in `p`; late when received
    /// after the expected release less 3 months, by the calendar days from that due day.
    pub fn releases(&self, p: &Period) -> ReleasesExpected {
        let mut out = ReleasesExpected::default();
        for n in self.notices.iter().filter(|n| p.contains(n.received_on)) {
            out.received += 1;
            if n.received_on <= n.due {
                continue;
            }
            out.late += 1;
            out.days_late.push((n.received_on - n.due).num_days());
            *out.late_by_prison.entry(n.prison.clone()).or_default() += 1;
            for m in &n.municipalities {
                *out.late_by_municipality.entry(m.clone()).or_default() += 1;
                *out.late_by_prison_and_municipality
                    .entry((n.prison.clone(), m.clone()))
                    .or_default() += 1;
            }
        }
        out.days_late.sort_unstable();
        out
    }

    /// The view "occupancy" for `p`: cases (any stage) open at some time in `p` (opened on or
    /// before its last day, not closed or closed on or after its first day), by the programme
    /// of the person's latest consent version recorded on or before its last day
    /// ([`NO_CONSENT`] otherwise). Programmes without a case are absent.
    pub fn occupancy(&self, p: &Period) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for case in &self.cases {
            let open_in_p = case.opened_on <= p.last_day()
                && case.closed_on.is_none_or(|closed| closed >= p.first_day());
            if open_in_p {
                *out.entry(case.programme_on(p.last_day())).or_default() += 1;
            }
        }
        out
    }

    /// Cases per programme (of the latest consent version) at stage intake, active or
    /// suspended now, after the whole plan: unrounded (see [`rounded_live`]).
    pub fn active_now(&self) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for case in &self.cases {
            if matches!(case.stage, Stage::Intake | Stage::Active) {
                *out.entry(case.programme_on(NaiveDate::MAX)).or_default() += 1;
            }
        }
        out
    }

    /// The outcome reports delivered to the contact point, by the year of `ended_on`.
    pub fn cohorts(&self) -> BTreeMap<i32, CohortExpected> {
        let mut out: BTreeMap<i32, CohortExpected> = BTreeMap::new();
        for o in &self.outcomes {
            let r = &o.report;
            let c = out.entry(r.ended_on.year()).or_default();
            c.reports += 1;
            if let Some(no_new_charge) = r.no_new_serious_charge_12m {
                c.charge_known += 1;
                c.no_new_charge += i64::from(no_new_charge);
            }
            if let Some(in_job) = r.in_education_or_job_3m {
                c.occupation_known += 1;
                c.in_education_or_job += i64::from(in_job);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The differencing attack

/// A cell of one view's year: (period key, row, column).
pub type CellKey = (String, String, String);

/// What a reader knows of a sheet beyond its cells: which columns do not add up over periods,
/// and which columns of a period add up to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SheetSums<'a> {
    /// Columns whose months do not add up to their quarter (nor quarters to the year): a
    /// deadline's "answered late" and "open at end" (they depend on the period's last day),
    /// "escalated", occupancy (a case open in two months counts in each), rates.
    pub not_over_periods: &'a [&'a str],
    /// Further sums within one period and row: (total column, its member columns), e.g.
    /// `("overdue", &["answered_late", "open_at_end"])`.
    pub columns: &'a [(&'a str, &'a [&'a str])],
}

/// One sum a reader can form: `total` is the sum of `members`.
struct Sum {
    total: CellKey,
    members: Vec<CellKey>,
}

fn cell(period: &str, row: &str, column: &str) -> CellKey {
    (period.to_owned(), row.to_owned(), column.to_owned())
}

/// The sums a reader can form from one view's year of cells: months to their quarter,
/// quarters and months to the year (same row and column, where the total's period is
/// published and the column adds up over periods), and within one period the rows to the
/// [`TOTAL`] row, the columns to the [`TOTAL`] column where those exist, and the column sums
/// of `extra`.
fn readers_sums(cells: &BTreeMap<CellKey, Published>, extra: &SheetSums<'_>) -> Vec<Sum> {
    let periods: BTreeSet<Period> = cells
        .keys()
        .filter_map(|(p, _, _)| Period::parse(p))
        .collect();
    let rows: BTreeSet<&str> = cells.keys().map(|(_, r, _)| r.as_str()).collect();
    let columns: BTreeSet<&str> = cells.keys().map(|(_, _, c)| c.as_str()).collect();
    let mut sums = Vec::new();
    let mut add = |total: CellKey, members: Vec<CellKey>| sums.push(Sum { total, members });
    for period in &periods {
        let key = period.key();
        let parts: Vec<Vec<Period>> = match period {
            Period::Month(..) => Vec::new(),
            Period::Quarter(..) => vec![period.months()],
            Period::Year(y) => vec![Period::quarters_of_year(*y).to_vec(), period.months()],
        };
        for members in &parts {
            for row in &rows {
                for column in columns
                    .iter()
                    .filter(|c| !extra.not_over_periods.contains(*c))
                {
                    add(
                        cell(&key, row, column),
                        members
                            .iter()
                            .map(|m| cell(&m.key(), row, column))
                            .collect(),
                    );
                }
            }
        }
        if rows.contains(TOTAL) {
            for column in &columns {
                let members = rows.iter().filter(|r| **r != TOTAL);
                add(
                    cell(&key, TOTAL, column),
                    members.map(|r| cell(&key, r, column)).collect(),
                );
            }
        }
        let mut column_sums: Vec<(&str, Vec<&str>)> = extra
            .columns
            .iter()
            .map(|(total, members)| (*total, members.to_vec()))
            .collect();
        if columns.contains(TOTAL) {
            let members = columns.iter().copied().filter(|c| *c != TOTAL).collect();
            column_sums.push((TOTAL, members));
        }
        for row in &rows {
            for (total, members) in &column_sums {
                add(
                    cell(&key, row, total),
                    members.iter().map(|c| cell(&key, row, c)).collect(),
                );
            }
        }
    }
    sums
}

/// The differencing attack a reader can run on one view's published cells of one calendar
/// year: for any sum a reader can form whose total and all members but one are known, the
/// missing one is known too; repeated until nothing more is learnt. Returns every cell not
/// published exactly that became known with a value from 1 to 4: each is a small count given
/// away (empty: the attack failed).
///
/// The sums: months to their quarter, quarters and months to the year (same row and column;
/// not for the columns of `sums.not_over_periods`); within one period, the rows to the
/// [`TOTAL`] row and the columns to the [`TOTAL`] column when those exist, and the column
/// sums of `sums.columns`. Period keys are [`Period::key`]s. A cell missing from `cells` is
/// unknown to the reader: pass `Exact(0)` for a row or column the page shows empty.
pub fn derivable_small_counts(
    cells: &BTreeMap<CellKey, Published>,
    sums: &SheetSums<'_>,
) -> BTreeMap<CellKey, i64> {
    let sums = readers_sums(cells, sums);
    let mut known: BTreeMap<CellKey, i64> = cells
        .iter()
        .filter_map(|(k, v)| match v {
            Published::Exact(n) => Some((k.clone(), *n)),
            Published::Hidden => None,
        })
        .collect();
    let mut learnt = BTreeMap::new();
    loop {
        let mut progress = false;
        for sum in &sums {
            if let Some((key, value)) = solve(sum, &known) {
                known.insert(key.clone(), value);
                learnt.insert(key, value);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    learnt.retain(|_, n| (1..5).contains(n));
    learnt
}

/// The one unknown cell of `sum` and its value, when exactly one is unknown.
fn solve(sum: &Sum, known: &BTreeMap<CellKey, i64>) -> Option<(CellKey, i64)> {
    let mut unknown = Vec::new();
    let mut members_known = 0;
    for member in &sum.members {
        match known.get(member) {
            Some(n) => members_known += n,
            None => unknown.push(member),
        }
    }
    match (known.get(&sum.total), unknown.as_slice()) {
        (None, []) => Some((sum.total.clone(), members_known)),
        (Some(total), [member]) => Some(((*member).clone(), total - members_known)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use schemas::ids::{LongText, ShortText};
    use schemas::messages::{
        CaseClosed, CaseEndReason, ConsentGranted, ConsentRecord, ConsentStatus, ContactOfficer,
        Grantor, GrantorRole, HandoverRequest, HandoverResponse, ReleaseNotice,
        RelocationConfirmed, RelocationRequest, SEALING_SCHEME, Sealed, SigningMethod, Supervision,
        SupervisionKind, ThreatLevel,
    };
    use schemas::{Body, CaseId, DataCategory, Message, MessageId, Pseudonym, Purpose};

    use super::*;
    use crate::population::plan::{Mark, PlanConfig};
    use crate::population::tally::Tally;
    use Published::{Exact, Hidden};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn periods_have_their_days_and_keys() {
        let rows = [
            (
                Period::Month(2026, 11),
                "2026-11",
                "2026-11-01",
                "2026-11-30",
            ),
            (
                Period::Month(2028, 2),
                "2028-02",
                "2028-02-01",
                "2028-02-29",
            ),
            (
                Period::Month(2027, 2),
                "2027-02",
                "2027-02-01",
                "2027-02-28",
            ),
            (
                Period::Month(2026, 12),
                "2026-12",
                "2026-12-01",
                "2026-12-31",
            ),
            (
                Period::Quarter(2026, 3),
                "2026-Q3",
                "2026-07-01",
                "2026-09-30",
            ),
            (
                Period::Quarter(2026, 4),
                "2026-Q4",
                "2026-10-01",
                "2026-12-31",
            ),
            (Period::Year(2026), "2026", "2026-01-01", "2026-12-31"),
        ];
        for (p, key, first, last) in rows {
            assert_eq!(p.key(), key);
            assert_eq!(Period::parse(key), Some(p));
            assert_eq!(p.first_day(), day(first), "{key}");
            assert_eq!(p.last_day(), day(last), "{key}");
            assert!(p.contains(day(first)) && p.contains(day(last)));
            assert!(!p.contains(p.first_day().pred_opt().unwrap()));
            assert!(!p.contains(p.last_day().succ_opt().unwrap()));
        }
        for bad in ["2026-13", "2026-Q5", "2026-1", "x", "2026-Q0"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Period::Quarter(2026, 3).months(),
            [7, 8, 9].map(|m| Period::Month(2026, m))
        );
        assert_eq!(Period::Year(2026).months().len(), 12);
        assert_eq!(
            Period::Month(2026, 11).quarter(),
            Some(Period::Quarter(2026, 4))
        );
        assert_eq!(Period::year_sheet(2026).len(), 17);
        // The quarters tile the year; their months tile the quarters.
        let mut next = Period::Year(2026).first_day();
        for q in Period::quarters_of_year(2026) {
            assert_eq!(q.first_day(), next);
            for m in q.months() {
                assert_eq!(m.quarter(), Some(q));
            }
            next = q.last_day().succ_opt().unwrap();
        }
        assert_eq!(next, day("2027-01-01"));
        assert!(Period::Month(2026, 10).is_closed(day("2026-11-01")));
        assert!(!Period::Month(2026, 11).is_closed(day("2026-11-30")));
    }

    #[test]
    fn working_days_skip_weekends_and_danish_holidays() {
        let dk = Holidays::load(Jurisdiction::DK);
        let no = Holidays::load(Jurisdiction::NO);
        assert!(dk.days.contains(&day("2026-12-24")));
        assert!(!no.days.contains(&day("2026-12-24")));
        // Wednesday 23 December: 24, 25 (holidays), 26, 27 (weekend) do not count.
        assert_eq!(dk.add_working_days(day("2026-12-23"), 1), day("2026-12-28"));
        assert_eq!(dk.add_working_days(day("2026-12-23"), 2), day("2026-12-29"));
        // In Norway Christmas Eve is a working day.
        assert_eq!(no.add_working_days(day("2026-12-23"), 2), day("2026-12-28"));
        // 31 December and New Year's Day, then a weekend.
        assert_eq!(dk.add_working_days(day("2026-12-30"), 1), day("2027-01-04"));
        // Friday + 1 = Monday; the day itself is not counted, 0 gives the day.
        assert_eq!(dk.add_working_days(day("2026-11-06"), 1), day("2026-11-09"));
        assert_eq!(dk.add_working_days(day("2026-11-07"), 0), day("2026-11-07"));
        assert_eq!(
            dk.add_working_days(day("2026-11-02"), 10),
            day("2026-11-16")
        );
        assert!(!dk.is_working_day(day("2027-03-25")) && dk.is_working_day(day("2027-03-24")));
    }

    #[test]
    fn a_calendars_file_is_read_per_jurisdiction() {
        let text = "[[calendars]]\njurisdiction = \"SE\"\nholidays = [\"2027-01-06\"]\n";
        let se = Holidays::parse(text, Jurisdiction::SE).unwrap();
        assert_eq!(se.days, BTreeSet::from([day("2027-01-06")]));
        assert!(
            Holidays::parse(text, Jurisdiction::DK)
                .unwrap()
                .days
                .is_empty()
        );
        assert!(
            Holidays::parse(
                "[[calendars]]\njurisdiction = \"SE\"\nholidays = [\"6 Jan\"]",
                Jurisdiction::SE
            )
            .is_err()
        );
    }

    #[test]
    fn three_months_earlier_is_the_same_day_or_the_end_of_a_shorter_month() {
        assert_eq!(three_months_before(day("2027-05-31")), day("2027-02-28"));
        assert_eq!(three_months_before(day("2028-05-31")), day("2028-02-29"));
        assert_eq!(three_months_before(day("2026-11-30")), day("2026-08-30"));
        assert_eq!(three_months_before(day("2027-03-15")), day("2026-12-15"));
    }

    #[test]
    fn how_counts_are_shown() {
        let shown_as = |n| match rounded_live(n) {
            Published::Exact(n) => n.to_string(),
            Published::Hidden => "<5".to_owned(),
        };
        for (n, s) in [
            (0, "0"),
            (1, "<5"),
            (4, "<5"),
            (5, "5"),
            (7, "5"),
            (8, "10"),
            (12, "10"),
            (13, "15"),
        ] {
            assert_eq!(shown_as(n), s, "{n}");
        }
        assert_eq!(shown(0), Published::Exact(0));
        assert_eq!(shown(3), Published::Hidden);
        assert_eq!(shown(5), Published::Exact(5));
        assert_eq!(Published::parse("<5"), Some(Published::Hidden));
        assert_eq!(Published::parse("suppressed"), Some(Published::Hidden));
        assert_eq!(Published::parse("12"), Some(Published::Exact(12)));
        assert_eq!(shown_rate(10, 16), Some(62.5));
        assert_eq!(shown_rate(5, 8), None, "rest small");
        assert_eq!(shown_rate(3, 40), None, "part small");
        assert_eq!(shown_rate(37, 40), None, "rest small");
        assert_eq!(shown_rate(0, 0), None);
        assert_eq!(shown_rate(0, 10), Some(0.0));
        assert_eq!(percentile_cont(&[1, 2, 3, 4], 0.5), Some(2.5));
        assert_eq!(percentile_cont(&[1, 2, 3, 4, 10], 0.75), Some(4.0));
        assert_eq!(percentile_cont(&[], 0.5), None);
    }

    // -- Hand-built plans -----------------------------------------------------------------

    fn agencies() -> crate::Agencies {
        crate::Agencies::new("fig")
    }

    fn short(s: &str) -> ShortText {
        ShortText::try_from(s).unwrap()
    }

    /// One case's messages, built step by step.
    struct Script {
        case_id: CaseId,
        subject: Pseudonym,
        steps: Vec<Step>,
    }

    impl Script {
        fn new(n: u32) -> Script {
            Script {
                case_id: CaseId::try_from(format!("NOR-2026-T-{n:04}")).unwrap(),
                subject: Pseudonym::try_from(format!("ps-{n:016x}")).unwrap(),
                steps: Vec::new(),
            }
        }

        fn send(&mut self, when: &str, from: &AgencyId, to: &[&AgencyId], body: Body) -> &mut Self {
            self.send_expecting(when, from, to, body, Expect::Delivered)
        }

        fn send_expecting(
            &mut self,
            when: &str,
            from: &AgencyId,
            to: &[&AgencyId],
            body: Body,
            expect: Expect,
        ) -> &mut Self {
            let message_type = body.message_type();
            let with_case = message_type != MessageType::OutcomeReport;
            let message = Message {
                envelope: Envelope {
                    message_id: MessageId::new(),
                    correlation_id: Uuid::nil(),
                    causation_id: None,
                    case_id: with_case.then(|| self.case_id.clone()),
                    subject: Some(self.subject.clone()),
                    sender: from.clone(),
                    recipients: to.iter().map(|a| (*a).clone()).collect(),
                    message_type,
                    schema_version: schemas::SCHEMA_VERSION,
                    sent_at: at(when),
                    purpose: Purpose::CaseCoordination,
                    data_categories: vec![DataCategory::CaseStatus],
                    gateway: None,
                    sent_by: None,
                    withheld: Vec::new(),
                },
                body,
            };
            self.steps.push(Step {
                at: at(when),
                sender: from.clone(),
                message_type,
                message_id: message.envelope.message_id,
                draft: serde_json::to_value(&message).unwrap(),
                expect,
                mark: Mark::None,
                needs_consent: true,
            });
            self
        }

        fn done(&mut self) -> CaseScript {
            CaseScript {
                case_id: self.case_id.clone(),
                subject: self.subject.clone(),
                city: "Nordby".to_owned(),
                jurisdiction: Jurisdiction::DK,
                steps: std::mem::take(&mut self.steps),
            }
        }
    }

    fn notice(expected_release: &str) -> Body {
        Body::ReleaseNotice(ReleaseNotice {
            expected_release: day(expected_release),
            earliest_release: None,
            supervision: Supervision {
                kind: SupervisionKind::None,
                until: None,
            },
            needs: None,
            contact_officer: ContactOfficer {
                name: short("Release planning unit"),
                phone: None,
                email: None,
            },
            sealed_identity: None,
        })
    }

    fn request(id: u128) -> Body {
        Body::HandoverRequest(HandoverRequest {
            handover_id: Uuid::from_u128(id),
            reason: short("Release approaching."),
            respond_by: day("2030-01-01"),
            plan_summary: LongText::try_from("A plan.").unwrap(),
            attachments: Vec::new(),
            sealed_identity: None,
        })
    }

    fn response(id: u128, outcome: HandoverOutcome) -> Body {
        let rejected = outcome == HandoverOutcome::Rejected;
        Body::HandoverResponse(HandoverResponse {
            handover_id: Uuid::from_u128(id),
            outcome,
            reason: rejected.then(|| short("No place.")),
            reason_code: None,
        })
    }

    fn relocation(id: u128) -> Body {
        Body::RelocationRequest(RelocationRequest {
            relocation_id: Uuid::from_u128(id),
            threat_level: ThreatLevel::High,
            needed_by: day("2030-01-01"),
            needs: LongText::try_from("Housing.").unwrap(),
            sealed_destination: Sealed {
                scheme: short(SEALING_SCHEME),
                copies: Vec::new(),
            },
            sealed_identity: None,
        })
    }

    fn confirmed(id: u128, new_owner: &AgencyId) -> Body {
        Body::RelocationConfirmed(RelocationConfirmed {
            relocation_id: Uuid::from_u128(id),
            move_date: day("2030-01-01"),
            new_owner: new_owner.clone(),
            sealed_address: None,
        })
    }

    fn closed(when: &str) -> Body {
        Body::CaseClosed(CaseClosed {
            reason: CaseEndReason::Completed,
            closed_at: at(when),
        })
    }

    fn consent(script: &Script, custodian: &AgencyId, programme: &str, when: &str) -> Body {
        Body::ConsentGranted(ConsentGranted {
            consent: ConsentRecord {
                consent_id: Uuid::from_u128(77),
                version: 1,
                supersedes: None,
                subject: script.subject.clone(),
                jurisdiction: Jurisdiction::DK,
                programme: short(programme),
                grantors: vec![Grantor {
                    role: GrantorRole::Person,
                    signed_at: at(when) - Duration::hours(1),
                    method: SigningMethod::Mitid,
                }],
                subject_adult_on: None,
                custodian: custodian.clone(),
                evidence_hash: "0".repeat(64),
                period: schemas::messages::Period {
                    start: at(when).date_naive(),
                    end: at(when).date_naive() + Days::new(364),
                },
                status: ConsentStatus::Active,
                provisions: Vec::new(),
            },
        })
    }

    fn outcome(ended_on: &str, no_new_charge: Option<bool>, in_job: Option<bool>) -> Body {
        Body::OutcomeReport(OutcomeReport {
            end_reason: CaseEndReason::Completed,
            ended_on: day(ended_on),
            no_new_serious_charge_12m: no_new_charge,
            in_education_or_job_3m: in_job,
        })
    }

    fn plan_of(now: &str, cases: Vec<CaseScript>) -> Plan {
        Plan {
            config: PlanConfig::new(1, cases.len(), 400, at(now)),
            cases,
        }
    }

    fn figures_of(plan: &Plan, a: &crate::Agencies) -> PlanFigures {
        let cities = Cities::for_test(a);
        let names = a.clone();
        let destination = a.destination.clone();
        PlanFigures::new(
            plan,
            &cities,
            &move |id| names.name_of(id).to_owned(),
            &move |id| {
                Some(
                    if *id == destination {
                        "Midtjylland"
                    } else {
                        "Hovedstaden"
                    }
                    .to_owned(),
                )
            },
        )
    }

    fn counts(due: i64, overdue: i64, answered_late: i64, open_at_end: i64) -> DeadlineCounts {
        DeadlineCounts {
            due,
            overdue,
            answered_late,
            open_at_end,
        }
    }

    const NOV: Period = Period::Month(2026, 11);

    #[test]
    fn a_release_notice_on_its_due_day_is_in_time_and_a_day_later_is_late() {
        let a = agencies();
        // Due 28 February 2027 (31 May less 3 months).
        let on_time = Script::new(1)
            .send(
                "2027-02-28T10:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-05-31"),
            )
            .done();
        // 23:30 UTC on the 28th is 00:30 on 1 March in Copenhagen: one day late.
        let late = Script::new(2)
            .send(
                "2027-02-28T23:30:00Z",
                &a.prison,
                &[&a.municipality, &a.destination],
                notice("2027-05-31"),
            )
            .done();
        let late_partly = Script::new(3)
            .send_expecting(
                "2027-02-10T09:00:00Z",
                &a.prison,
                &[&a.municipality, &a.employment],
                notice("2027-04-30"),
                Expect::PartlyRefused {
                    recipient: a.employment.clone(),
                    reason: schemas::ReasonCode::NoGateway,
                },
            )
            .done();
        let plan = plan_of("2027-04-01T12:00:00Z", vec![on_time, late, late_partly]);
        let figures = figures_of(&plan, &a);

        let feb = figures.releases(&Period::Month(2027, 2));
        assert_eq!((feb.received, feb.late), (2, 1), "{feb:?}");
        assert_eq!(
            feb.days_late,
            vec![11],
            "due 30 January, received 10 February"
        );
        let prison = a.name_of(&a.prison).to_owned();
        let nordby = a.name_of(&a.municipality).to_owned();
        assert_eq!(feb.late_by_prison, BTreeMap::from([(prison.clone(), 1)]));
        assert_eq!(
            feb.late_by_municipality,
            BTreeMap::from([(nordby.clone(), 1)]),
            "the employment service is no municipality"
        );

        let march = figures.releases(&Period::Month(2027, 3));
        assert_eq!((march.received, march.late), (1, 1));
        assert_eq!(march.days_late, vec![1]);
        let sydby = a.name_of(&a.destination).to_owned();
        assert_eq!(
            march.late_by_municipality,
            BTreeMap::from([(nordby.clone(), 1), (sydby.clone(), 1)]),
            "a notice to two municipalities counts once in each"
        );
        assert_eq!(march.late_by_prison, BTreeMap::from([(prison.clone(), 1)]));
        assert_eq!(
            march.late_by_prison_and_municipality,
            BTreeMap::from([((prison.clone(), nordby), 1), ((prison, sydby), 1)])
        );
        assert_eq!(march.spread(), None, "fewer than 5");
    }

    #[test]
    fn a_deadline_met_on_its_due_day_is_not_overdue() {
        let a = agencies();
        // Monday 2 November: received due Wednesday 4th, answered due Monday 16th.
        let case = Script::new(1)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send(
                "2026-11-02T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(1),
            )
            .send(
                "2026-11-04T14:00:00Z",
                &a.municipality,
                &[&a.prison],
                response(1, HandoverOutcome::Received),
            )
            .send(
                "2026-11-16T14:00:00Z",
                &a.municipality,
                &[&a.prison],
                response(1, HandoverOutcome::Accepted),
            )
            .done();
        let figures = figures_of(&plan_of("2027-01-10T12:00:00Z", vec![case]), &a);
        let nov = figures.overdue(&NOV);
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverReceived],
            counts(1, 0, 0, 0)
        );
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverAnswered],
            counts(1, 0, 0, 0)
        );
        assert_eq!(
            nov.by_kind[&DeadlineKind::RelocationAnswered],
            counts(0, 0, 0, 0)
        );
        assert_eq!(nov.agency(a.name_of(&a.municipality)), counts(2, 0, 0, 0));
        assert_eq!(nov.region("Hovedstaden", true), counts(2, 0, 0, 0));
    }

    #[test]
    fn a_deadline_answered_after_the_period_is_open_at_its_end_and_late_in_a_longer_one() {
        let a = agencies();
        // Tuesday 10 November: received due 12th (met 13th, late), answered due 24th (met
        // 2 December). A relocation on 27 November is due 29th and confirmed 1 December.
        let case = Script::new(1)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send(
                "2026-11-10T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(1),
            )
            .send(
                "2026-11-13T09:00:00Z",
                &a.municipality,
                &[&a.prison],
                response(1, HandoverOutcome::Received),
            )
            .send(
                "2026-12-02T09:00:00Z",
                &a.municipality,
                &[&a.prison],
                response(1, HandoverOutcome::Accepted),
            )
            .done();
        // Accepted by the municipality in September, which relocates the person in November.
        let moving = Script::new(2)
            .send(
                "2026-09-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2026-12-10"),
            )
            .send(
                "2026-09-07T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(3),
            )
            .send(
                "2026-09-08T09:00:00Z",
                &a.municipality,
                &[&a.prison],
                response(3, HandoverOutcome::Accepted),
            )
            .send(
                "2026-11-27T09:00:00Z",
                &a.municipality,
                &[&a.destination],
                relocation(2),
            )
            .send(
                "2026-12-01T09:00:00Z",
                &a.destination,
                &[&a.municipality],
                confirmed(2, &a.destination),
            )
            .done();
        let figures = figures_of(&plan_of("2027-01-10T12:00:00Z", vec![case, moving]), &a);

        let nov = figures.overdue(&NOV);
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverReceived],
            counts(1, 1, 1, 0)
        );
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverAnswered],
            counts(1, 1, 0, 1)
        );
        assert_eq!(
            nov.by_kind[&DeadlineKind::RelocationAnswered],
            counts(1, 1, 0, 1)
        );
        let nordby = a.name_of(&a.municipality).to_owned();
        assert_eq!(
            nov.by_agency.len(),
            2,
            "relocations name no agency: {:?}",
            nov.by_agency
        );
        assert_eq!(nov.agency(&nordby), counts(2, 2, 1, 1));
        // The relocated case's handovers and its relocation name no agency or region.
        assert_eq!(nov.region("Midtjylland", true), counts(0, 0, 0, 0));
        assert_eq!(nov.region(WITHHELD, true), counts(1, 1, 0, 1));

        let q4 = figures.overdue(&Period::Quarter(2026, 4));
        assert_eq!(
            q4.by_kind[&DeadlineKind::HandoverAnswered],
            counts(1, 1, 1, 0)
        );
        assert_eq!(
            q4.by_kind[&DeadlineKind::RelocationAnswered],
            counts(1, 1, 1, 0)
        );
        assert_eq!(
            figures.overdue(&Period::Month(2026, 12)),
            OverdueExpected {
                by_kind: DeadlineKind::ALL
                    .iter()
                    .map(|k| (*k, DeadlineCounts::default()))
                    .collect(),
                ..OverdueExpected::default()
            }
        );
    }

    #[test]
    fn a_deadline_never_met_is_open_once_past_and_cancelled_ones_are_left_out() {
        let a = agencies();
        // On 10 November: requested on the 2nd, due received on the 4th, answered on the 16th.
        let open = Script::new(1)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send(
                "2026-11-02T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(1),
            )
            .done();
        // Closed with the handover open: the hub cancels it.
        let cancelled = Script::new(2)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send(
                "2026-11-02T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(2),
            )
            .send(
                "2026-11-09T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                closed("2026-11-09T09:00:00Z"),
            )
            .done();
        let plan = plan_of("2026-11-10T12:00:00Z", vec![open, cancelled]);
        let figures = figures_of(&plan, &a);
        let nov = figures.overdue(&NOV);
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverReceived],
            counts(1, 1, 0, 1),
            "due 4th, past on the 10th"
        );
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverAnswered],
            counts(1, 0, 0, 0),
            "due 16th, not past yet"
        );
    }

    #[test]
    fn occupancy_counts_cases_open_in_the_period_by_their_programme_then() {
        let a = agencies();
        let mut before = Script::new(1);
        let intake = consent(
            &before,
            &a.municipality,
            "Exit Nordby",
            "2026-09-20T09:00:00Z",
        );
        let before = before
            .send("2026-09-20T09:00:00Z", &a.municipality, &[], intake)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send(
                "2026-10-05T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(1),
            )
            .send(
                "2026-10-06T09:00:00Z",
                &a.municipality,
                &[&a.prison],
                response(1, HandoverOutcome::Received),
            )
            .send(
                "2026-11-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                closed("2026-11-01T09:00:00Z"),
            )
            .done();
        // Consent only after the notice; still at intake now.
        let mut later = Script::new(2);
        let late_consent = consent(&later, &a.destination, "Exit Sydby", "2026-12-03T09:00:00Z");
        let later = later
            .send(
                "2026-11-15T09:00:00Z",
                &a.prison,
                &[&a.destination],
                notice("2027-02-01"),
            )
            .send("2026-12-03T09:00:00Z", &a.destination, &[], late_consent)
            .send(
                "2026-12-07T09:00:00Z",
                &a.prison,
                &[&a.destination],
                request(2),
            )
            .send(
                "2026-12-08T09:00:00Z",
                &a.destination,
                &[&a.prison],
                response(2, HandoverOutcome::Received),
            )
            .done();
        // Only a refused message: no case.
        let refused = Script::new(3)
            .send_expecting(
                "2026-11-15T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
                Expect::Refused {
                    reason: schemas::ReasonCode::NoGateway,
                },
            )
            .done();
        let figures = figures_of(
            &plan_of("2027-01-10T12:00:00Z", vec![before, later, refused]),
            &a,
        );
        let of = |pairs: &[(&str, i64)]| -> BTreeMap<String, i64> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
        };
        assert_eq!(
            figures.occupancy(&Period::Month(2026, 10)),
            of(&[("Exit Nordby", 1)])
        );
        assert_eq!(
            figures.occupancy(&NOV),
            of(&[("Exit Nordby", 1), (NO_CONSENT, 1)]),
            "closed on 1 November: open in it; the consent came in December"
        );
        assert_eq!(
            figures.occupancy(&Period::Month(2026, 12)),
            of(&[("Exit Sydby", 1)])
        );
        assert_eq!(
            figures.occupancy(&Period::Quarter(2026, 4)),
            of(&[("Exit Nordby", 1), ("Exit Sydby", 1)])
        );
        assert_eq!(
            figures.active_now(),
            of(&[("Exit Sydby", 1)]),
            "at intake; the other is closed"
        );
    }

    #[test]
    fn cohorts_count_delivered_reports_by_the_year_they_ended() {
        let a = agencies();
        let case = Script::new(1)
            .send(
                "2026-12-01T09:00:00Z",
                &a.municipality,
                &[&a.contact_point],
                outcome("2025-11-20", Some(true), Some(false)),
            )
            .send(
                "2026-12-02T09:00:00Z",
                &a.municipality,
                &[&a.contact_point],
                outcome("2026-01-03", None, Some(true)),
            )
            .send_expecting(
                "2026-12-03T09:00:00Z",
                &a.municipality,
                &[&a.contact_point],
                outcome("2026-01-04", Some(false), Some(true)),
                Expect::Refused {
                    reason: schemas::ReasonCode::CategoryNotCovered,
                },
            )
            .done();
        let figures = figures_of(&plan_of("2027-01-10T12:00:00Z", vec![case]), &a);
        assert!(figures.active_now().is_empty(), "a report opens no case");
        assert_eq!(
            figures.cohorts(),
            BTreeMap::from([
                (
                    2025,
                    CohortExpected {
                        reports: 1,
                        charge_known: 1,
                        no_new_charge: 1,
                        occupation_known: 1,
                        in_education_or_job: 0
                    }
                ),
                (
                    2026,
                    CohortExpected {
                        reports: 1,
                        charge_known: 0,
                        no_new_charge: 0,
                        occupation_known: 1,
                        in_education_or_job: 1
                    }
                ),
            ])
        );
    }

    // -- A real plan ----------------------------------------------------------------------

    fn real(seed: u64) -> (Plan, PlanFigures) {
        let a = agencies();
        let now = Utc.with_ymd_and_hms(2027, 3, 15, 18, 0, 0).unwrap();
        let plan = Plan::new(PlanConfig::new(seed, 150, 500, now), &Cities::for_test(&a));
        let figures = figures_of(&plan, &a);
        (plan, figures)
    }

    /// Every month from the plan's start to a month after `now` (deadlines fall due after the
    /// last request).
    fn months_of(plan: &Plan) -> Vec<Period> {
        let mut months = Vec::new();
        let (mut y, mut m) = (plan.config.start().year(), plan.config.start().month());
        let end = plan.config.now.date_naive() + Days::new(40);
        while Period::Month(y, m).first_day() <= end {
            months.push(Period::Month(y, m));
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        months
    }

    #[test]
    fn a_real_plan_adds_up_to_its_tally() {
        let (plan, figures) = real(4);
        let tally = Tally::expected(&plan);
        let mut all = BTreeMap::<DeadlineKind, DeadlineCounts>::new();
        let (mut notices, mut late) = (0, 0);
        for month in months_of(&plan) {
            for (k, c) in figures.overdue(&month).by_kind {
                *all.entry(k).or_default() += c;
            }
            let r = figures.releases(&month);
            notices += r.received;
            late += r.late;
        }
        let requested =
            |h: crate::population::tally::HandoverCounts| i64::try_from(h.requested).unwrap();
        assert_eq!(
            all[&DeadlineKind::HandoverReceived].due,
            requested(tally.handovers)
        );
        assert_eq!(
            all[&DeadlineKind::HandoverAnswered].due,
            requested(tally.handovers)
        );
        assert_eq!(
            all[&DeadlineKind::RelocationAnswered].due,
            requested(tally.relocations)
        );
        assert!(
            all[&DeadlineKind::HandoverReceived].overdue > 0,
            "the slow municipality is late"
        );
        assert_eq!(notices, i64::try_from(tally.cases_opened).unwrap());
        assert!(late > 0 && late < notices);

        let cohorts = figures.cohorts();
        let sum = |f: fn(&CohortExpected) -> i64| cohorts.values().map(f).sum::<i64>();
        let o = tally.outcomes;
        assert_eq!(sum(|c| c.reports), i64::try_from(o.reported).unwrap());
        assert_eq!(
            sum(|c| c.charge_known),
            i64::try_from(o.charge_known).unwrap()
        );
        assert_eq!(
            sum(|c| c.no_new_charge),
            i64::try_from(o.no_new_charge).unwrap()
        );
        assert_eq!(
            sum(|c| c.occupation_known),
            i64::try_from(o.job_known).unwrap()
        );
        assert_eq!(
            sum(|c| c.in_education_or_job),
            i64::try_from(o.in_job).unwrap()
        );

        // Every case is open in some month; the ones still open now are open in the last.
        let closed: u64 = tally.cases_closed.values().sum();
        let last = Period::Month(plan.config.now.year(), plan.config.now.month());
        let open_now: i64 = figures.occupancy(&last).values().sum();
        assert!(open_now >= i64::try_from(tally.cases_opened - closed).unwrap());
        let active: i64 = figures.active_now().values().sum();
        assert!(active > 0 && active <= i64::try_from(tally.cases_opened - closed).unwrap());
    }

    /// The figures of a period that add up over periods: deadlines due and overdue (each
    /// belongs to the period of its due day), notices received and late. Zeros left out.
    fn additive(figures: &PlanFigures, p: &Period) -> BTreeMap<String, i64> {
        let mut cells = BTreeMap::new();
        let o = figures.overdue(p);
        let deadlines = o
            .by_kind
            .iter()
            .map(|(k, c)| (k.as_str().to_owned(), c))
            .chain(
                o.by_agency
                    .iter()
                    .map(|((a, k), c)| (format!("{a} {}", k.as_str()), c)),
            )
            .chain(
                o.by_region
                    .iter()
                    .map(|((r, k), c)| (format!("{r} {}", k.as_str()), c)),
            );
        for (key, c) in deadlines {
            assert_eq!(c.answered_late + c.open_at_end, c.overdue, "{key}");
            assert!(c.overdue <= c.due, "{key}");
            cells.insert(format!("due {key}"), c.due);
            cells.insert(format!("overdue {key}"), c.overdue);
        }
        let r = figures.releases(p);
        cells.insert("received".to_owned(), r.received);
        cells.insert("late".to_owned(), r.late);
        for (prison, n) in &r.late_by_prison {
            cells.insert(format!("late from {prison}"), *n);
        }
        for (municipality, n) in &r.late_by_municipality {
            cells.insert(format!("late to {municipality}"), *n);
        }
        for ((prison, municipality), n) in &r.late_by_prison_and_municipality {
            cells.insert(format!("late from {prison} to {municipality}"), *n);
        }
        assert_eq!(r.days_late.len() as i64, r.late);
        cells.retain(|_, n| *n != 0);
        cells
    }

    fn sum_of(figures: &PlanFigures, periods: &[Period]) -> BTreeMap<String, i64> {
        let mut sum = BTreeMap::new();
        for p in periods {
            for (k, n) in additive(figures, p) {
                *sum.entry(k).or_default() += n;
            }
        }
        sum
    }

    #[test]
    fn each_contact_point_sees_its_own_jurisdiction() {
        let now = Utc.with_ymd_and_hms(2027, 3, 15, 18, 0, 0).unwrap();
        let cities = Cities::demo();
        let plan = Plan::new(PlanConfig::new(6, 80, 400, now), &cities);
        let all = PlanFigures::new(&plan, &cities, &|id| id.to_string(), &|_| None);
        let (dk, no) = (all.only(Jurisdiction::DK), all.only(Jurisdiction::NO));
        let year = Period::Year(2026);
        let received = |f: &PlanFigures| f.releases(&year).received;
        assert!(received(&dk) > 0 && received(&no) > 0);
        assert_eq!(received(&dk) + received(&no), received(&all));
        let prisons: Vec<String> = no.releases(&year).late_by_prison.into_keys().collect();
        assert_eq!(prisons, ["no-kriminalomsorgen"]);
        let due = |f: &PlanFigures| f.overdue(&year).by_kind[&DeadlineKind::HandoverAnswered].due;
        assert_eq!(due(&dk) + due(&no), due(&all));
        assert!(
            all.overdue(&year)
                .by_region
                .keys()
                .all(|(r, _)| r == UNKNOWN_REGION || r == WITHHELD)
        );
    }

    #[test]
    fn months_add_up_to_quarters_and_quarters_to_years() {
        let (_, figures) = real(5);
        for year in [2026, 2027] {
            for quarter in Period::quarters_of_year(year) {
                assert_eq!(
                    sum_of(&figures, &quarter.months()),
                    additive(&figures, &quarter),
                    "{}",
                    quarter.key()
                );
            }
            assert_eq!(
                sum_of(&figures, &Period::quarters_of_year(year)),
                additive(&figures, &Period::Year(year)),
                "{year}"
            );
        }
        let y2026 = additive(&figures, &Period::Year(2026));
        assert!(y2026["due HandoverAnswered"] > 20, "{y2026:?}");
        assert!(y2026["late"] > 5, "{y2026:?}");
    }

    #[test]
    fn answered_late_and_open_at_end_do_not_add_up_over_periods() {
        // Whether an overdue deadline is still open depends on the period's last day: one due
        // in a month and met in the next is open at the end of the month, answered late in
        // the quarter. So a reader cannot form month-to-quarter sums of these two.
        let (_, figures) = real(5);
        let differs = Period::quarters_of_year(2026).iter().any(|q| {
            let mut open = 0;
            for m in q.months() {
                open += figures.overdue(&m).by_kind[&DeadlineKind::HandoverAnswered].open_at_end;
            }
            open != figures.overdue(q).by_kind[&DeadlineKind::HandoverAnswered].open_at_end
        });
        assert!(differs);
    }

    // -- The differencing attack ----------------------------------------------------------

    fn sheet(cells: &[(&str, &str, &str, Published)]) -> BTreeMap<CellKey, Published> {
        cells
            .iter()
            .map(|(p, r, c, v)| (cell(p, r, c), *v))
            .collect()
    }

    #[test]
    fn a_month_given_away_by_its_quarter_is_caught() {
        let cells = sheet(&[
            ("2026-01", "A", "due", Exact(10)),
            ("2026-02", "A", "due", Hidden),
            ("2026-03", "A", "due", Exact(7)),
            ("2026-Q1", "A", "due", Exact(20)),
        ]);
        assert_eq!(
            derivable_small_counts(&cells, &SheetSums::default()),
            BTreeMap::from([(cell("2026-02", "A", "due"), 3)])
        );
    }

    #[test]
    fn two_hidden_months_in_a_quarter_are_safe() {
        let cells = sheet(&[
            ("2026-01", "A", "due", Hidden),
            ("2026-02", "A", "due", Hidden),
            ("2026-03", "A", "due", Exact(7)),
            ("2026-Q1", "A", "due", Exact(12)),
        ]);
        assert!(derivable_small_counts(&cells, &SheetSums::default()).is_empty());
    }

    #[test]
    fn the_attack_chains_through_totals_and_withheld_cells() {
        // The total row gives the withheld A/late (6) away; then the total column gives
        // A/open (2) away. B's small cell stays safe, as does a derived 6.
        let cells = sheet(&[
            ("2026", "A", "late", Hidden),
            ("2026", "B", "late", Exact(9)),
            ("2026", TOTAL, "late", Exact(15)),
            ("2026", "A", "open", Hidden),
            ("2026", "B", "open", Hidden),
            ("2026", TOTAL, "open", Hidden),
            ("2026", "A", TOTAL, Exact(8)),
            ("2026", "B", TOTAL, Hidden),
            ("2026", TOTAL, TOTAL, Hidden),
        ]);
        assert_eq!(
            derivable_small_counts(&cells, &SheetSums::default()),
            BTreeMap::from([(cell("2026", "A", "open"), 2)])
        );
    }

    #[test]
    fn columns_that_do_not_add_up_over_periods_are_not_summed_and_column_sums_are() {
        let cells = sheet(&[
            ("2026-01", "A", "answered_late", Exact(10)),
            ("2026-02", "A", "answered_late", Hidden),
            ("2026-03", "A", "answered_late", Exact(7)),
            ("2026-Q1", "A", "answered_late", Exact(20)),
        ]);
        let late = SheetSums {
            not_over_periods: &["answered_late"],
            ..SheetSums::default()
        };
        assert!(derivable_small_counts(&cells, &late).is_empty());
        assert_eq!(
            derivable_small_counts(&cells, &SheetSums::default()).len(),
            1
        );

        let cells = sheet(&[
            ("2026-05", "A", "overdue", Exact(9)),
            ("2026-05", "A", "answered_late", Exact(6)),
            ("2026-05", "A", "open_at_end", Hidden),
        ]);
        let split = SheetSums {
            columns: &[("overdue", &["answered_late", "open_at_end"])],
            ..SheetSums::default()
        };
        assert_eq!(
            derivable_small_counts(&cells, &split),
            BTreeMap::from([(cell("2026-05", "A", "open_at_end"), 3)])
        );
        assert!(derivable_small_counts(&cells, &SheetSums::default()).is_empty());
    }

    #[test]
    fn quarters_give_the_year_away_and_the_year_a_quarter() {
        // The year is hidden but its quarters are all shown: a small year is learnt. Months
        // are missing from the sheet: unknown, not zero.
        let cells = sheet(&[
            ("2026-Q1", "A", "n", Exact(0)),
            ("2026-Q2", "A", "n", Exact(0)),
            ("2026-Q3", "A", "n", Hidden),
            ("2026-Q4", "A", "n", Exact(0)),
            ("2026", "A", "n", Exact(4)),
        ]);
        assert_eq!(
            derivable_small_counts(&cells, &SheetSums::default()),
            BTreeMap::from([(cell("2026-Q3", "A", "n"), 4)])
        );
    }

    #[test]
    fn a_refused_message_is_left_out_and_a_withdrawal_blocks_open_handovers() {
        let a = agencies();
        let case = Script::new(1)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send(
                "2026-11-02T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(1),
            )
            .send(
                "2026-11-03T09:00:00Z",
                &a.municipality,
                &[],
                Body::ConsentWithdrawn(schemas::messages::ConsentWithdrawn {
                    consent_id: Uuid::from_u128(77),
                    withdrawn_at: at("2026-11-03T09:00:00Z"),
                    scope: schemas::messages::WithdrawalScope::Entire,
                    evidence: None,
                }),
            )
            .done();
        let refused_request = Script::new(2)
            .send(
                "2026-10-01T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                notice("2027-02-01"),
            )
            .send_expecting(
                "2026-11-02T09:00:00Z",
                &a.prison,
                &[&a.municipality],
                request(2),
                Expect::Refused {
                    reason: schemas::ReasonCode::NoGateway,
                },
            )
            .done();
        let figures = figures_of(
            &plan_of("2027-01-10T12:00:00Z", vec![case, refused_request]),
            &a,
        );
        let nov = figures.overdue(&NOV);
        assert_eq!(
            nov.by_kind[&DeadlineKind::HandoverReceived],
            counts(0, 0, 0, 0)
        );
        assert_eq!(figures.releases(&Period::Month(2026, 10)).received, 2);
        assert_eq!(
            figures.active_now(),
            BTreeMap::new(),
            "both referred: never received"
        );
        assert_eq!(
            figures
                .only(Jurisdiction::NO)
                .releases(&Period::Month(2026, 10))
                .received,
            0
        );
        assert_eq!(
            figures
                .only(Jurisdiction::DK)
                .releases(&Period::Month(2026, 10))
                .received,
            2
        );
    }
}
