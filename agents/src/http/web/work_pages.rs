//! The views a caseworker works from (issue 17, part 3): the cases this agency takes part
//! in (`/cases`), what is due and overdue (`/due`), releases coming up (`/releases`), and one
//! person's timeline (rendered here, shown on `/persons/{subject}`).
//!
//! Everything is derived from what this agent's store holds: its inbox and outbox, decoded.
//! The derivations ([`cases`], [`due`], [`releases`], [`countdown`]) are pure: they take the
//! messages and `today` as plain data, so tests pin both. Deadlines follow the hub's rules
//! ([`hub_core::deadlines`]) and its working-day calendars, so a caseworker sees a deadline
//! coming before the hub escalates it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hub_core::deadlines::{Calendar, DeadlineKind, DeadlineRules, due_date};
use schemas::messages::{CaseEndReason, HandoverOutcome, SupervisionKind};
use schemas::{Body, Jurisdiction, Message, MessageType, Pseudonym};
use uuid::Uuid;

use super::{PageError, agency_words, page, render, status_words, type_title, when};
use crate::access_log::{self, Action};
use crate::http::AppState;
use crate::http::actions::Failure;
use crate::http::words::{t, t_count, t_with};
use crate::people;
use crate::store::{Received, SendStatus, Sent, Store};

/// How far ahead `/releases` looks, in calendar days.
pub(super) const RELEASE_HORIZON_DAYS: i64 = 90;

/// The most messages of each direction (received, sent) the views read.
const TRAFFIC_LIMIT: i64 = 10_000;

/// The public holidays the federation's hub ships (`config/calendars.toml`), so the agent
/// counts working days exactly as the hub does when it escalates.
const CALENDARS_TOML: &str = include_str!("../../../../config/calendars.toml");

/// The jurisdiction whose calendar counts for agency ids without a country prefix (test and
/// demo ids such as `t1234-kommune`): Denmark, as the test federation registers them.
pub(super) const DEFAULT_JURISDICTION: Jurisdiction = Jurisdiction::DK;

/// This module's routes, behind the sign-in.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases_page))
        .route("/due", get(due_page))
        .route("/releases", get(releases_page))
}

// ---------------------------------------------------------------------------------------
// Calendars

/// The jurisdiction of an agency, by its id's country prefix (`dk-`, `no-`, `se-`, as
/// [`crate::present::zone_of`] reads it); [`DEFAULT_JURISDICTION`] for any other id.
pub(super) fn jurisdiction_of(agency: &str) -> Jurisdiction {
    match agency.split('-').next() {
        Some("no") => Jurisdiction::NO,
        Some("se") => Jurisdiction::SE,
        Some("dk") => Jurisdiction::DK,
        _ => DEFAULT_JURISDICTION,
    }
}

/// One jurisdiction's holidays as `config/calendars.toml` lists them.
#[derive(serde::Deserialize)]
struct HolidayFile {
    jurisdiction: Jurisdiction,
    holidays: Vec<NaiveDate>,
}

/// The working-day calendar of a jurisdiction: weekends and the hub's public holidays.
pub(super) fn calendar(jurisdiction: Jurisdiction) -> Calendar {
    static CALENDARS: OnceLock<BTreeMap<Jurisdiction, Calendar>> = OnceLock::new();
    let all = CALENDARS.get_or_init(|| {
        let files: Vec<HolidayFile> = config::Config::builder()
            .add_source(config::File::from_str(
                CALENDARS_TOML,
                config::FileFormat::Toml,
            ))
            .build()
            .and_then(|c| c.get("calendars"))
            .expect("config/calendars.toml, embedded at build time, is valid");
        files
            .into_iter()
            .map(|f| {
                let mut calendar = Calendar::weekends_only(f.jurisdiction);
                calendar.holidays.extend(f.holidays);
                (f.jurisdiction, calendar)
            })
            .collect()
    });
    all.get(&jurisdiction)
        .cloned()
        .unwrap_or_else(|| Calendar::weekends_only(jurisdiction))
}

/// How long is left until a deadline, or how long it is past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Countdown {
    /// Past its day by this many working (or calendar) days; 0 when only days off have
    /// passed since, so the hub has not escalated yet.
    Overdue(u32),
    /// Due today.
    Today,
    /// This many working (or calendar) days left after today.
    Left(u32),
}

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counting {
    /// In working days of this jurisdiction's calendar.
    WorkingDays(Jurisdiction),
    /// In calendar days.
    CalendarDays,
}

/// Where `today` stands against `due`, counted as `counting` says.
pub(super) fn countdown(counting: Counting, due: NaiveDate, today: NaiveDate) -> Countdown {
    let count = |from: NaiveDate, to: NaiveDate| match counting {
        // Working days after `from` up to and including `to`.
        Counting::WorkingDays(j) => calendar(j).working_days_overdue(from, to),
        Counting::CalendarDays => u32::try_from((to - from).num_days()).unwrap_or(0),
    };
    match due.cmp(&today) {
        std::cmp::Ordering::Equal => Countdown::Today,
        std::cmp::Ordering::Less => Countdown::Overdue(count(due, today)),
        std::cmp::Ordering::Greater => Countdown::Left(count(today, due)),
    }
}

// ---------------------------------------------------------------------------------------
// The messages, as the views read them

/// Whether this agency received a message or sent it, and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Leg {
    /// Received: whether a caseworker has opened it, and whether it is quarantined.
    Received {
        /// A caseworker opened it.
        opened: bool,
        /// Its consent was withdrawn before anyone opened it: nobody may read it.
        quarantined: bool,
    },
    /// Sent, with where it stands.
    Sent(SendStatus),
}

/// What a message says that the views need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum What {
    /// A release is coming.
    ReleaseNotice {
        /// Expected release date.
        expected: NaiveDate,
        /// Earliest possible release date, if given.
        earliest: Option<NaiveDate>,
        /// Supervision after release.
        supervision: SupervisionKind,
    },
    /// The case's owner asks the recipient to take the case over.
    HandoverRequest {
        /// The handover.
        handover_id: Uuid,
        /// The date the sender asked for an answer by.
        respond_by: NaiveDate,
    },
    /// The recipient's answer.
    HandoverResponse {
        /// The handover answered.
        handover_id: Uuid,
        /// Received, accepted or rejected.
        outcome: HandoverOutcome,
    },
    /// The requester withdrew a handover or relocation.
    HandoverCancelled {
        /// The handover (or relocation) withdrawn.
        handover_id: Uuid,
    },
    /// The origin municipality asks the destination to take the person in.
    RelocationRequest {
        /// The relocation.
        relocation_id: Uuid,
    },
    /// The destination confirms: it owns the case now.
    RelocationConfirmed {
        /// The relocation confirmed.
        relocation_id: Uuid,
        /// The new owner.
        new_owner: String,
    },
    /// The owner closed the case.
    CaseClosed(CaseEndReason),
    /// From the hub (an escalation): not a step of the case itself.
    FromHub,
    /// Anything else (or a message nobody may read).
    Other,
}

impl What {
    fn of(body: &Body) -> What {
        match body {
            Body::ReleaseNotice(n) => What::ReleaseNotice {
                expected: n.expected_release,
                earliest: n.earliest_release,
                supervision: n.supervision.kind.clone(),
            },
            Body::HandoverRequest(h) => What::HandoverRequest {
                handover_id: h.handover_id,
                respond_by: h.respond_by,
            },
            Body::HandoverResponse(r) => What::HandoverResponse {
                handover_id: r.handover_id,
                outcome: r.outcome,
            },
            Body::HandoverCancelled(c) => What::HandoverCancelled {
                handover_id: c.handover_id,
            },
            Body::RelocationRequest(r) => What::RelocationRequest {
                relocation_id: r.relocation_id,
            },
            Body::RelocationConfirmed(c) => What::RelocationConfirmed {
                relocation_id: c.relocation_id,
                new_owner: c.new_owner.to_string(),
            },
            Body::CaseClosed(c) => What::CaseClosed(c.reason),
            Body::Escalation(_) => What::FromHub,
            _ => What::Other,
        }
    }
}

/// One message, received or sent, as the views read it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    /// Its id.
    pub(super) message_id: String,
    /// Its type, as the wire names it.
    pub(super) message_type: String,
    /// Who sent it (for a received one, as the broker authenticated it).
    pub(super) sender: String,
    /// Whom it was for.
    pub(super) recipients: Vec<String>,
    /// Its case.
    pub(super) case_id: Option<String>,
    /// The person, by pseudonym.
    pub(super) subject: Option<String>,
    /// When it arrived here (received) or was accepted for sending (sent).
    pub(super) at: DateTime<Utc>,
    /// The day (UTC) the hub recorded it, as near as this agent can tell: the hub counts a
    /// request's deadlines from that day. See [`made_on`].
    pub(super) sent_on: NaiveDate,
    /// Received or sent, and where it stands.
    pub(super) leg: Leg,
    /// What it says.
    pub(super) what: What,
}

/// The day (UTC) the hub recorded a message that its sender dated `sent_at` and this agent
/// received or accepted at `here_at`. The hub records it in between; the sender's date is
/// the earlier, safer count when it is plausible (at most a day before `here_at`), else
/// (a draft dated long before it was sent, or a sender's clock ahead) `here_at`'s day.
fn made_on(sent_at: DateTime<Utc>, here_at: DateTime<Utc>) -> NaiveDate {
    let plausible = sent_at <= here_at && here_at - sent_at <= chrono::TimeDelta::days(1);
    if plausible { sent_at } else { here_at }.date_naive()
}

/// Message types that are the hub's or the agent's plumbing, never a step of a case.
fn plumbing(message_type: MessageType) -> bool {
    matches!(
        message_type,
        MessageType::Receipt
            | MessageType::Undeliverable
            | MessageType::KeyDirectory
            | MessageType::KeyPublished
    )
}

impl Seen {
    /// A received message; `None` for plumbing or bytes that do not decode. A quarantined
    /// message keeps only its envelope: nobody may read what it says.
    pub(super) fn received(r: &Received) -> Option<Seen> {
        let message = schemas::decode(&r.payload).ok()?;
        let quarantined = r.quarantined_at.is_some();
        let leg = Leg::Received {
            opened: r.opened_at.is_some(),
            quarantined,
        };
        Seen::of(&message, r.sender.clone(), r.received_at, leg, quarantined)
    }

    /// A sent message; `None` for plumbing or bytes that do not decode.
    pub(super) fn sent(s: &Sent) -> Option<Seen> {
        let message = schemas::decode(&s.payload).ok()?;
        let sender = message.envelope.sender.to_string();
        Seen::of(&message, sender, s.accepted_at, Leg::Sent(s.status), false)
    }

    fn of(
        message: &Message,
        sender: String,
        at: DateTime<Utc>,
        leg: Leg,
        withheld: bool,
    ) -> Option<Seen> {
        let e = &message.envelope;
        if plumbing(e.message_type) {
            return None;
        }
        Some(Seen {
            message_id: e.message_id.to_string(),
            message_type: e.message_type.as_str().to_owned(),
            sender,
            recipients: e.recipients.iter().map(ToString::to_string).collect(),
            case_id: e.case_id.as_ref().map(|c| c.as_str().to_owned()),
            subject: e.subject.as_ref().map(|s| s.as_str().to_owned()),
            at,
            sent_on: made_on(e.sent_at, at),
            leg,
            what: if withheld {
                What::Other
            } else {
                What::of(&message.body)
            },
        })
    }

    /// Whether it had an effect on its case: not refused by the hub, not quarantined.
    fn counts(&self) -> bool {
        !matches!(
            self.leg,
            Leg::Sent(SendStatus::Refused)
                | Leg::Received {
                    quarantined: true,
                    ..
                }
        )
    }

    fn is_received(&self) -> bool {
        matches!(self.leg, Leg::Received { .. })
    }
}

/// The messages of `received` and `sent` the views read, oldest first.
pub(super) fn seen_of(received: &[Received], sent: &[Sent]) -> Vec<Seen> {
    let mut seen: Vec<Seen> = received
        .iter()
        .filter_map(Seen::received)
        .chain(sent.iter().filter_map(Seen::sent))
        .collect();
    seen.sort_by_key(|s| s.at);
    seen
}

/// What became of handovers and relocations, by id, from the answers seen.
#[derive(Debug, Default)]
struct Progress {
    /// Marked received (or answered, which implies it).
    received: BTreeSet<Uuid>,
    /// Accepted or rejected.
    decided: BTreeSet<Uuid>,
    /// Withdrawn by the requester.
    cancelled: BTreeSet<Uuid>,
    /// Relocations confirmed.
    confirmed: BTreeSet<Uuid>,
    /// Cases closed, by case id and person (a case id belongs to one person).
    closed: BTreeSet<(String, String)>,
}

impl Progress {
    /// Whether the case `s` is about has been closed: nothing in it is due any more.
    fn case_closed(&self, s: &Seen) -> bool {
        match (&s.case_id, &s.subject) {
            (Some(case), Some(subject)) => self.closed.contains(&(case.clone(), subject.clone())),
            _ => false,
        }
    }
}

fn progress(seen: &[Seen]) -> Progress {
    let mut p = Progress::default();
    for s in seen.iter().filter(|s| s.counts()) {
        match &s.what {
            What::HandoverResponse {
                handover_id,
                outcome,
            } => {
                p.received.insert(*handover_id);
                if *outcome != HandoverOutcome::Received {
                    p.decided.insert(*handover_id);
                }
            }
            What::HandoverCancelled { handover_id } => {
                p.cancelled.insert(*handover_id);
            }
            What::RelocationConfirmed { relocation_id, .. } => {
                p.confirmed.insert(*relocation_id);
            }
            What::CaseClosed(_) => {
                if let (Some(case), Some(subject)) = (&s.case_id, &s.subject) {
                    p.closed.insert((case.clone(), subject.clone()));
                }
            }
            _ => {}
        }
    }
    p
}

// ---------------------------------------------------------------------------------------
// Cases

/// Where a case stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CaseState {
    /// Open with its first owner, no handover asked.
    Open,
    /// A handover (or relocation) to this agency is asked and not yet answered.
    HandoverAsked(String),
    /// Handed over at least once (ownership moved on an accepted handover or a relocation).
    HandedOver,
    /// Closed, for this reason.
    Closed(CaseEndReason),
}

/// One case as `/cases` lists it.
#[derive(Debug, Clone)]
pub(super) struct Case<'a> {
    /// The case id.
    pub(super) id: &'a str,
    /// The person, by pseudonym, if a message named them.
    pub(super) subject: Option<&'a str>,
    /// The agency that owns the case now.
    pub(super) owner: &'a str,
    /// Where it stands.
    pub(super) state: CaseState,
    /// The newest message of the case.
    pub(super) last: &'a Seen,
}

/// The cases of `seen` (oldest first), newest activity first. A case belongs to the agency
/// that opened it (sent its first message); ownership moves only when a handover is
/// accepted (to the agency that accepted) or a relocation confirmed (to the new owner).
pub(super) fn cases(seen: &[Seen]) -> Vec<Case<'_>> {
    let mut by_case: BTreeMap<&str, Vec<&Seen>> = BTreeMap::new();
    for s in seen {
        if let Some(case) = &s.case_id {
            by_case.entry(case).or_default().push(s);
        }
    }
    let mut out: Vec<Case<'_>> = by_case
        .into_iter()
        .filter_map(|(id, mut messages)| {
            messages.sort_by_key(|s| s.at);
            let last = *messages.last()?;
            let mut owner: Option<&str> = None;
            let mut pending: BTreeMap<Uuid, &str> = BTreeMap::new();
            let mut handed_over = false;
            let mut closed = None;
            for m in messages.iter().filter(|m| m.counts()) {
                if m.what == What::FromHub {
                    continue;
                }
                let owner_now = *owner.get_or_insert(m.sender.as_str());
                match &m.what {
                    What::HandoverRequest { handover_id, .. }
                    | What::RelocationRequest {
                        relocation_id: handover_id,
                    } => {
                        let to = m.recipients.first().map_or(owner_now, String::as_str);
                        pending.insert(*handover_id, to);
                    }
                    What::HandoverResponse {
                        handover_id,
                        outcome: HandoverOutcome::Accepted,
                    } => {
                        pending.remove(handover_id);
                        owner = Some(m.sender.as_str());
                        handed_over = true;
                    }
                    What::HandoverResponse {
                        handover_id,
                        outcome: HandoverOutcome::Rejected,
                    }
                    | What::HandoverCancelled { handover_id } => {
                        pending.remove(handover_id);
                    }
                    What::RelocationConfirmed {
                        relocation_id,
                        new_owner,
                    } => {
                        pending.remove(relocation_id);
                        owner = Some(new_owner.as_str());
                        handed_over = true;
                    }
                    What::CaseClosed(reason) => closed = Some(*reason),
                    _ => {}
                }
            }
            let state = match (closed, pending.values().next(), handed_over) {
                (Some(reason), _, _) => CaseState::Closed(reason),
                (None, Some(to), _) => CaseState::HandoverAsked((*to).to_owned()),
                (None, None, true) => CaseState::HandedOver,
                (None, None, false) => CaseState::Open,
            };
            Some(Case {
                id,
                subject: messages.iter().find_map(|m| m.subject.as_deref()),
                owner: owner.unwrap_or(messages[0].sender.as_str()),
                state,
                last,
            })
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.last.at));
    out
}

/// The cases in which a caseworker sent a message (`sent`, by message id) or opened one
/// (`opened`, by message id and sender): "my cases".
pub(super) fn my_cases<'a>(
    seen: &'a [Seen],
    sent: &BTreeSet<String>,
    opened: &BTreeSet<(String, String)>,
) -> BTreeSet<&'a str> {
    seen.iter()
        .filter(|s| match s.leg {
            Leg::Sent(_) => sent.contains(&s.message_id),
            Leg::Received { .. } => opened.contains(&(s.message_id.clone(), s.sender.clone())),
        })
        .filter_map(|s| s.case_id.as_deref())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Due and overdue

/// What someone must do about a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Task {
    /// This agency: mark the handover request received.
    MarkReceived,
    /// This agency: accept or reject the handover request.
    Answer,
    /// This agency: confirm the relocation.
    ConfirmRelocation,
    /// Waiting for this agency to mark this agency's handover request received.
    AwaitReceipt(String),
    /// Waiting for this agency to accept or reject this agency's handover request.
    AwaitAnswer(String),
}

/// One thing due, about one request.
#[derive(Debug, Clone)]
pub(super) struct DueItem<'a> {
    /// What to do.
    pub(super) task: Task,
    /// By when.
    pub(super) due: NaiveDate,
    /// How the days are counted.
    pub(super) counting: Counting,
    /// Where today stands against `due`.
    pub(super) left: Countdown,
    /// The request it is about.
    pub(super) request: &'a Seen,
}

/// What is due in `seen` on `today`, soonest first:
/// - a handover request received: marked received within 2 working days, and accepted or
///   rejected within 10 (or by the request's `respond_by` when that is earlier);
/// - a handover request sent: the same deadlines, now for the recipient;
/// - a relocation request received: confirmed within 2 calendar days.
///
/// Working days are those of the requester's jurisdiction, counted from the day the
/// request was made, as the hub counts them. Cancelled, answered and refused requests are
/// not due.
pub(super) fn due(seen: &[Seen], today: NaiveDate) -> Vec<DueItem<'_>> {
    let rules = DeadlineRules::default();
    let done = progress(seen);
    let mut out = Vec::new();
    for s in seen.iter().filter(|s| s.counts() && !done.case_closed(s)) {
        let mut push = |task: Task, due: NaiveDate, counting: Counting| {
            out.push(DueItem {
                task,
                due,
                counting,
                left: countdown(counting, due, today),
                request: s,
            });
        };
        match &s.what {
            What::HandoverRequest {
                handover_id,
                respond_by,
            } => {
                if done.decided.contains(handover_id) || done.cancelled.contains(handover_id) {
                    continue;
                }
                let jurisdiction = jurisdiction_of(&s.sender);
                let cal = calendar(jurisdiction);
                let counting = Counting::WorkingDays(jurisdiction);
                let receive_by = due_date(&cal, &rules, DeadlineKind::HandoverReceived, s.sent_on);
                let answer_by = due_date(&cal, &rules, DeadlineKind::HandoverAnswered, s.sent_on)
                    .min(*respond_by);
                let received = done.received.contains(handover_id);
                let asked = s.recipients.first().cloned().unwrap_or_default();
                match (s.is_received(), received) {
                    (true, false) => {
                        push(Task::MarkReceived, receive_by, counting);
                        push(Task::Answer, answer_by, counting);
                    }
                    (true, true) => push(Task::Answer, answer_by, counting),
                    (false, false) => push(Task::AwaitReceipt(asked), receive_by, counting),
                    (false, true) => push(Task::AwaitAnswer(asked), answer_by, counting),
                }
            }
            What::RelocationRequest { relocation_id } if s.is_received() => {
                if done.confirmed.contains(relocation_id) || done.cancelled.contains(relocation_id)
                {
                    continue;
                }
                let cal = calendar(jurisdiction_of(&s.sender));
                let by = due_date(&cal, &rules, DeadlineKind::RelocationAnswered, s.sent_on);
                push(Task::ConfirmRelocation, by, Counting::CalendarDays);
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| (a.due, &a.task).cmp(&(b.due, &b.task)));
    out
}

// ---------------------------------------------------------------------------------------
// Releases

/// One release coming up.
#[derive(Debug, Clone)]
pub(super) struct Release<'a> {
    /// The newest release notice of its case.
    pub(super) notice: &'a Seen,
    /// Expected release date.
    pub(super) expected: NaiveDate,
    /// Earliest possible release date, if given.
    pub(super) earliest: Option<NaiveDate>,
    /// Supervision after release.
    pub(super) supervision: SupervisionKind,
    /// Calendar days from today to the first possible release day.
    pub(super) days_left: i64,
    /// The newest handover request of the case not withdrawn, if there is one.
    pub(super) handover: Option<&'a Seen>,
}

/// The releases of `seen` (oldest first) whose expected or earliest release day lies within
/// [`RELEASE_HORIZON_DAYS`] from `today` (today included), soonest first. A newer notice of
/// a case replaces an older one.
pub(super) fn releases(seen: &[Seen], today: NaiveDate) -> Vec<Release<'_>> {
    let done = progress(seen);
    let mut newest: BTreeMap<&str, &Seen> = BTreeMap::new();
    let mut handovers: BTreeMap<&str, &Seen> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.counts()) {
        let key = s.case_id.as_deref().unwrap_or(&s.message_id);
        match &s.what {
            What::ReleaseNotice { .. } => {
                newest.insert(key, s);
            }
            What::HandoverRequest { handover_id, .. } if !done.cancelled.contains(handover_id) => {
                handovers.insert(key, s);
            }
            _ => {}
        }
    }
    let horizon = today + chrono::Days::new(RELEASE_HORIZON_DAYS.unsigned_abs());
    let mut out: Vec<Release<'_>> = newest
        .into_iter()
        .filter_map(|(key, notice)| {
            let What::ReleaseNotice {
                expected,
                earliest,
                supervision,
            } = &notice.what
            else {
                return None;
            };
            let first = earliest.map_or(*expected, |e| e.min(*expected));
            let soon = |d: NaiveDate| today <= d && d <= horizon;
            if !(soon(*expected) || soon(first)) {
                return None;
            }
            Some(Release {
                notice,
                expected: *expected,
                earliest: *earliest,
                supervision: supervision.clone(),
                days_left: (first.max(today) - today).num_days(),
                handover: handovers.get(key).copied(),
            })
        })
        .collect();
    out.sort_by_key(|r| (r.days_left, r.expected));
    out
}

// ---------------------------------------------------------------------------------------
// Words

/// A date as the caseworker reads it: `3 December 2026`, `3. december 2026`.
pub(super) fn long_date(d: NaiveDate) -> String {
    t_with(
        "views-date",
        &[
            ("day", d.day().to_string()),
            ("month", t(&format!("views-month-{}", d.month()))),
            ("year", d.year().to_string()),
        ],
    )
}

fn date_html(d: NaiveDate) -> Part {
    Part::Time(d.to_string(), long_date(d))
}

/// The countdown of a deadline in words, tagged when it is today or past.
fn countdown_html(left: Countdown, counting: Counting) -> Part {
    let working = matches!(counting, Counting::WorkingDays(_));
    match left {
        Countdown::Overdue(n) => Part::Strong(
            "tag overdue",
            t_count(
                if working {
                    "views-overdue-working-days"
                } else {
                    "views-overdue-days"
                },
                "days",
                i64::from(n),
            ),
        ),
        Countdown::Today => Part::Strong("tag due", t("views-due-today")),
        Countdown::Left(n) => Part::Span(
            "countdown",
            t_count(
                if working {
                    "views-due-in-working-days"
                } else {
                    "views-due-in-days"
                },
                "days",
                i64::from(n),
            ),
        ),
    }
}

fn task_words(task: &Task, names: &BTreeMap<String, String>) -> String {
    match task {
        Task::MarkReceived => t("views-do-mark-received"),
        Task::Answer => t("views-do-answer"),
        Task::ConfirmRelocation => t("views-do-confirm-relocation"),
        Task::AwaitReceipt(a) => {
            t_with("views-await-receipt", &[("agency", agency_words(names, a))])
        }
        Task::AwaitAnswer(a) => t_with("views-await-answer", &[("agency", agency_words(names, a))]),
    }
}

fn state_words(state: &CaseState, names: &BTreeMap<String, String>) -> String {
    match state {
        CaseState::Open => t("views-state-open"),
        CaseState::HandoverAsked(to) => t_with(
            "views-state-handover-asked",
            &[("agency", agency_words(names, to))],
        ),
        CaseState::HandedOver => t("views-state-handed-over"),
        CaseState::Closed(reason) => t_with(
            "views-state-closed",
            &[("reason", end_reason_words(*reason))],
        ),
    }
}

fn end_reason_words(reason: CaseEndReason) -> String {
    t(match reason {
        CaseEndReason::Completed => "end-reason-completed",
        CaseEndReason::DroppedOut => "end-reason-dropped_out",
        CaseEndReason::Transferred => "end-reason-transferred",
        CaseEndReason::ConsentWithdrawn => "end-reason-consent_withdrawn",
        CaseEndReason::Deceased => "end-reason-deceased",
    })
}

fn supervision_words(kind: &SupervisionKind) -> String {
    t(match kind {
        SupervisionKind::None => "supervision-none",
        SupervisionKind::Parole => "supervision-parole",
        SupervisionKind::Probation => "supervision-probation",
        SupervisionKind::CommunitySentence => "supervision-community_sentence",
    })
}

/// Where a message stands, in words.
fn leg_words(leg: Leg) -> String {
    match leg {
        Leg::Received {
            quarantined: true, ..
        } => t("status-quarantined"),
        Leg::Received { opened: false, .. } => t("status-new"),
        Leg::Received { opened: true, .. } => t("status-opened"),
        Leg::Sent(status) => status_words(status),
    }
}

/// The message's kind in words, linked to its page when it is a received one that may be
/// read (a sent one has no page of its own here).
fn message_link(s: &Seen) -> Part {
    let title = type_title(&s.message_type);
    match s.leg {
        Leg::Received {
            quarantined: false, ..
        } => Part::Link(
            format!("/messages/{}?sender={}", s.message_id, s.sender),
            title,
        ),
        _ => Part::Text(title),
    }
}

/// The person as the lists name them: their name from the register, linked to their page,
/// else their pseudonym.
fn person_html(subject: Option<&str>, people: &HashMap<String, String>) -> Vec<Part> {
    match subject {
        None => vec![Part::Span("muted", t("views-no-person"))],
        Some(s) => match people.get(s) {
            Some(name) => vec![Part::Link(format!("/persons/{s}"), name.clone())],
            None => vec![
                Part::Span("pseudonym", s.to_owned()),
                Part::Text(" ".to_owned()),
                Part::Span("muted", t("views-not-in-register")),
            ],
        },
    }
}

// ---------------------------------------------------------------------------------------
// Pages

/// What every view reads: the messages, the agencies' names, the people's names, today.
struct Loaded {
    seen: Vec<Seen>,
    names: BTreeMap<String, String>,
    people: HashMap<String, String>,
    /// Today as the hub counts deadlines (UTC).
    today: NaiveDate,
}

async fn load(store: &Store) -> Result<Loaded, PageError> {
    let (received, sent) = store.case_traffic(TRAFFIC_LIMIT).await?;
    let seen = seen_of(&received, &sent);
    let names = store.agency_names().await?;
    let subjects: BTreeSet<&str> = seen.iter().filter_map(|s| s.subject.as_deref()).collect();
    let mut people = HashMap::new();
    for subject in subjects {
        let Ok(pseudonym) = Pseudonym::try_from(subject.to_owned()) else {
            continue;
        };
        if let Some(person) = people::find(store, &pseudonym).await? {
            people.insert(subject.to_owned(), person.identity.name.to_string());
        }
    }
    Ok(Loaded {
        seen,
        names,
        people,
        today: Utc::now().date_naive(),
    })
}

/// The messages the signed-in caseworker sent or opened, from the access log: sent ones by
/// id, received ones by (id, sender).
async fn mine(store: &Store) -> Result<(BTreeSet<String>, BTreeSet<(String, String)>), PageError> {
    let Ok(subject) = super::SIGNED_IN.try_with(|c| c.subject.clone()) else {
        return Ok(Default::default());
    };
    let entries = access_log::entries(
        store,
        &access_log::Filter {
            subject: None,
            actor: Some(subject),
        },
    )
    .await?;
    let mut sent = BTreeSet::new();
    let mut opened = BTreeSet::new();
    for e in entries {
        let Some(id) = e.message_id else { continue };
        if e.action == Action::MessageSent.as_str() {
            sent.insert(id);
        } else if e.action == Action::MessageOpened.as_str() {
            opened.insert((id, e.sender.unwrap_or_default()));
        }
    }
    Ok((sent, opened))
}

/// `GET /cases?mine=1`: the cases this agency takes part in; with `mine`, only those in
/// which the signed-in caseworker sent or opened a message.
async fn cases_page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let store = state.store();
    let l = load(store).await?;
    let only_mine = query.get("mine").is_some_and(|v| v == "1");
    let mut list = cases(&l.seen);
    if only_mine {
        let (sent, opened) = mine(store).await?;
        let mine = my_cases(&l.seen, &sent, &opened);
        list.retain(|c| mine.contains(c.id));
    }
    let due_items = due(&l.seen, l.today);
    let filter = Intro::Mine {
        checked: only_mine,
        only_mine: t("views-only-mine"),
        show: t("views-show"),
        hint: t("views-only-mine-hint"),
    };
    let mut table = Table::new("cases", "views-cases-caption");
    for c in &list {
        let next = due_items
            .iter()
            .find(|d| d.request.case_id.as_deref() == Some(c.id))
            .map(|d| {
                vec![
                    Part::Text(task_words(&d.task, &l.names)),
                    Part::Br,
                    date_html(d.due),
                    Part::Text(" ".to_owned()),
                    countdown_html(d.left, d.counting),
                ]
            })
            .unwrap_or_else(|| vec![Part::Span("muted", t("views-nothing-due"))]);
        table.row(
            Row::data("case", c.id),
            [
                Cell::Title("views-col-case", text(c.id)),
                Cell::Data("views-col-person", person_html(c.subject, &l.people)),
                Cell::Data("views-col-owner", text(&agency_words(&l.names, c.owner))),
                Cell::Data("views-col-state", text(&state_words(&c.state, &l.names))),
                Cell::Data(
                    "views-col-last",
                    vec![
                        message_link(c.last),
                        Part::Br,
                        Part::Span("muted", when(c.last.at)),
                    ],
                ),
                Cell::Data("views-col-next-due", next),
            ],
        );
    }
    let none = if only_mine {
        "views-cases-none-mine"
    } else {
        "views-cases-none"
    };
    view(
        &state,
        ("views-cases-title", &t("views-cases-lead"), filter),
        table,
        ("no-cases", none),
    )
}

/// `GET /due`: what is due and overdue, soonest first.
async fn due_page(State(state): State<AppState>) -> Result<Response, PageError> {
    let l = load(state.store()).await?;
    let items = due(&l.seen, l.today);
    let mut table = Table::new("due", "views-due-caption");
    for d in &items {
        let row_class = match d.left {
            Countdown::Overdue(_) => Some("overdue"),
            Countdown::Today => Some("due-today"),
            Countdown::Left(_) => None,
        };
        let from = if d.request.is_received() {
            t_with(
                "views-from",
                &[("agency", agency_words(&l.names, &d.request.sender))],
            )
        } else {
            t_with("views-sent-on", &[("when", when(d.request.at))])
        };
        table.row(
            Row {
                class: row_class,
                ..Row::data("message-id", &d.request.message_id)
            },
            [
                Cell::Data(
                    "views-col-due",
                    vec![
                        date_html(d.due),
                        Part::Br,
                        countdown_html(d.left, d.counting),
                    ],
                ),
                Cell::Head("views-col-todo", text(&task_words(&d.task, &l.names))),
                Cell::Data("views-col-case", case_html(d.request.case_id.as_deref())),
                Cell::Data(
                    "views-col-person",
                    person_html(d.request.subject.as_deref(), &l.people),
                ),
                Cell::Data(
                    "views-col-message",
                    vec![message_link(d.request), Part::Br, Part::Span("muted", from)],
                ),
            ],
        );
    }
    let calendar = Intro::Note(t("views-due-calendar"));
    view(
        &state,
        ("views-due-title", &t("views-due-lead"), calendar),
        table,
        ("nothing-due", "views-due-none"),
    )
}

/// The days left to a release, counted to the earliest release when there is one before
/// the expected day (planning must be ready by then), which the cell then says.
fn days_left_html(r: &Release<'_>) -> Vec<Part> {
    let mut days = vec![Part::Text(t_count("views-days-left", "days", r.days_left))];
    if r.earliest.is_some_and(|e| e < r.expected) {
        days.extend([Part::Br, Part::Span("muted", t("views-to-earliest"))]);
    }
    days
}

/// `GET /releases`: releases in the next [`RELEASE_HORIZON_DAYS`] days, soonest first.
async fn releases_page(State(state): State<AppState>) -> Result<Response, PageError> {
    let l = load(state.store()).await?;
    let list = releases(&l.seen, l.today);
    let mut table = Table::new("releases", "views-releases-caption");
    for r in &list {
        let mut release = vec![date_html(r.expected)];
        if let Some(earliest) = r.earliest {
            release.extend([
                Part::Br,
                Part::Span(
                    "muted",
                    t_with("views-earliest", &[("date", long_date(earliest))]),
                ),
            ]);
        }
        let handover = match r.handover {
            Some(h) => Part::Text(t_with(
                "views-handover-asked",
                &[
                    (
                        "agency",
                        agency_words(&l.names, h.recipients.first().map_or("", String::as_str)),
                    ),
                    ("date", long_date(h.sent_on)),
                ],
            )),
            None => Part::Strong("tag due", t("views-handover-none")),
        };
        table.row(
            Row::data("message-id", &r.notice.message_id),
            [
                Cell::Head("views-col-release", release),
                Cell::Classed("views-col-days-left", "days-left", days_left_html(r)),
                Cell::Data(
                    "views-col-person",
                    person_html(r.notice.subject.as_deref(), &l.people),
                ),
                Cell::Data(
                    "views-col-prison",
                    text(&agency_words(&l.names, &r.notice.sender)),
                ),
                Cell::Data(
                    "views-col-supervision",
                    text(&supervision_words(&r.supervision)),
                ),
                Cell::Data("views-col-handover", vec![handover]),
            ],
        );
    }
    let lead = t_count("views-releases-lead", "days", RELEASE_HORIZON_DAYS);
    view(
        &state,
        ("views-releases-title", &lead, Intro::Nothing),
        table,
        ("no-releases", "views-releases-none"),
    )
}

/// One person's timeline: every message about them, sent and received, newest first, with
/// its kind, who sent it to whom, when, where it stands and a link to it.
pub(super) fn timeline_html(
    seen: &[Seen],
    names: &BTreeMap<String, String>,
) -> Result<String, Failure> {
    let mut table = Table::new("timeline", "people-timeline-caption").labelled_by("timeline");
    let mut rows: Vec<&Seen> = seen.iter().collect();
    rows.sort_by_key(|s| std::cmp::Reverse(s.at));
    for s in rows {
        // A message with no recipients goes to the hub alone (a consent recorded).
        let to = if s.recipients.is_empty() {
            t("people-to-hub")
        } else {
            s.recipients
                .iter()
                .map(|r| agency_words(names, r))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let from_to = t_with(
            "people-from-to",
            &[("from", agency_words(names, &s.sender)), ("to", to)],
        );
        table.row(
            Row::data("message-id", &s.message_id),
            [
                Cell::Data(
                    "people-col-when",
                    vec![Part::Time(s.at.to_rfc3339(), when(s.at))],
                ),
                Cell::Data("people-col-message", vec![message_link(s)]),
                Cell::Data("people-col-from-to", text(&from_to)),
                Cell::Data("views-col-case", case_html(s.case_id.as_deref())),
                Cell::Data("people-col-state", text(&leg_words(s.leg))),
            ],
        );
    }
    let table = if table.is_empty() {
        None
    } else {
        Some(table.finish()?)
    };
    render(&Timeline {
        title: t("people-timeline"),
        table,
        none: t("people-no-messages"),
    })
}

/// One person's timeline (`views/timeline.html`): its heading, then its table or, with no
/// messages, the words that say so.
#[derive(askama::Template)]
#[template(path = "views/timeline.html")]
struct Timeline {
    title: String,
    /// The table's HTML, rendered by [`Table::finish`].
    table: Option<String>,
    none: String,
}

/// A piece of a table cell, escaped by the template `views/table.html`.
enum Part {
    /// Words.
    Text(String),
    /// A line break.
    Br,
    /// Words in a `<span>` of this class.
    Span(&'static str, String),
    /// Words in a `<strong>` of this class.
    Strong(&'static str, String),
    /// A `<time>`: its machine-readable value, and the words.
    Time(String, String),
    /// A link: where to, and the words.
    Link(String, String),
}

/// A cell of nothing but `words`.
fn text(words: &str) -> Vec<Part> {
    vec![Part::Text(words.to_owned())]
}

/// A row's attributes: its class, if any, and one `data-*` attribute (name without the
/// prefix, value).
struct Row {
    class: Option<&'static str>,
    data: (&'static str, String),
    cells: Vec<Cell>,
}

impl Row {
    /// A row of no class, with the attribute `data-{name}="{value}"`.
    fn data(name: &'static str, value: &str) -> Row {
        Row {
            class: None,
            data: (name, value.to_owned()),
            cells: Vec::new(),
        }
    }
}

/// A list of the views: a table with a caption for screen readers and a header cell per
/// column; each row's cells carry their column's name (`data-label`), which a narrow
/// screen shows beside the value. Written by the template `views/table.html`.
#[derive(askama::Template)]
#[template(path = "views/table.html")]
struct Table {
    /// `views {class}`: the classes of the table.
    class: &'static str,
    /// The id of the heading that names the table, if one does.
    labelled_by: Option<&'static str>,
    /// The caption's words, in the page's language.
    caption: String,
    /// The columns' names, in the page's language (from the first row).
    cols: Vec<String>,
    /// The rows so far.
    rows: Vec<Row>,
}

/// A cell of a [`Table`]'s row: the Fluent id of its column's name, and what it holds.
enum Cell {
    /// What names the row (`<th scope="row">`), labelled by its column.
    Head(&'static str, Vec<Part>),
    /// What names the row, unlabelled: it heads the row on a narrow screen.
    Title(&'static str, Vec<Part>),
    /// A value.
    Data(&'static str, Vec<Part>),
    /// A value of its own class (the second).
    Classed(&'static str, &'static str, Vec<Part>),
}

impl Cell {
    /// The Fluent id of its column's name.
    fn column(&self) -> &'static str {
        match self {
            Cell::Head(c, _) | Cell::Title(c, _) | Cell::Data(c, _) | Cell::Classed(c, _, _) => c,
        }
    }
}

impl Table {
    /// A table of the classes `views {class}`, captioned by the words of `caption`; its
    /// columns are those of its rows' cells.
    fn new(class: &'static str, caption: &str) -> Table {
        Table {
            class,
            labelled_by: None,
            caption: t(caption),
            cols: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// The table, named by the heading `id` too.
    fn labelled_by(self, id: &'static str) -> Table {
        Table {
            labelled_by: Some(id),
            ..self
        }
    }

    /// A row of the attributes of `row`, one cell per column (the first row's columns).
    fn row<const N: usize>(&mut self, row: Row, cells: [Cell; N]) {
        if self.cols.is_empty() {
            self.cols = cells.iter().map(|c| t(c.column())).collect();
        }
        self.rows.push(Row {
            cells: cells.into(),
            ..row
        });
    }

    /// Whether it has no rows.
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table's HTML.
    fn finish(self) -> Result<String, Failure> {
        render(&self)
    }
}

/// A case's id, or a dash for a message outside any case.
fn case_html(case_id: Option<&str>) -> Vec<Part> {
    text(case_id.unwrap_or("–"))
}

/// What a view shows between its lead and its table.
enum Intro {
    /// The filter of `/cases`: only my cases (`checked` when it applies), its label, its
    /// button and its hint.
    Mine {
        checked: bool,
        only_mine: String,
        show: String,
        hint: String,
    },
    /// A note.
    Note(String),
    /// Nothing.
    Nothing,
}

/// A view's page (`views/view.html`).
#[derive(askama::Template)]
#[template(path = "views/view.html")]
struct View<'a> {
    title: &'a str,
    lead: &'a str,
    intro: Intro,
    /// The table's HTML, rendered by [`Table::finish`]; `None` when it has no rows.
    table: Option<String>,
    /// The id and the words of the paragraph shown instead of an empty table.
    none: (&'a str, String),
}

/// A view's page: (the words of its title, its lead, `intro` after them: a filter, a note),
/// then `table`, or when it has no rows, the words of `none.1` (under the id `none.0`).
fn view(
    state: &AppState,
    (title, lead, intro): (&str, &str, Intro),
    table: Table,
    none: (&str, &str),
) -> Result<Response, PageError> {
    let table = if table.is_empty() {
        None
    } else {
        Some(table.finish()?)
    };
    let title = t(title);
    let main = render(&View {
        title: &title,
        lead,
        intro,
        table,
        none: (none.0, t(none.1)),
    })?;
    Ok(page(
        StatusCode::OK,
        &title,
        Some(state.agent().as_str()),
        &main,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn noon(s: &str) -> DateTime<Utc> {
        day(s).and_hms_opt(12, 0, 0).unwrap().and_utc()
    }

    fn uuid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    const PRISON: &str = "dk-vestre-faengsel";
    const KOMMUNE: &str = "dk-kobenhavn-kommune";
    const AARHUS: &str = "dk-aarhus-kommune";

    /// What is due on `today`: each task, its day and the countdown to it.
    fn tasks_due(seen: &[Seen], today: NaiveDate) -> Vec<(Task, NaiveDate, Countdown)> {
        due(seen, today)
            .iter()
            .map(|d| (d.task.clone(), d.due, d.left))
            .collect()
    }

    /// A message the prison sent on `on`, received here (the municipality).
    fn from_prison(on: &str, what: What) -> Seen {
        msg(PRISON, KOMMUNE, on, true, what)
    }

    /// A message sent from here (the municipality) to the prison on `on`.
    fn to_prison(on: &str, what: What) -> Seen {
        msg(KOMMUNE, PRISON, on, false, what)
    }

    /// A message about case `case` from `from` to `to` on `on`, received or sent.
    fn msg(from: &str, to: &str, on: &str, received: bool, what: What) -> Seen {
        Seen {
            message_id: format!("m-{from}-{on}-{}", what_name(&what)),
            message_type: "Other".to_owned(),
            sender: from.to_owned(),
            recipients: vec![to.to_owned()],
            case_id: Some("KBH-1".to_owned()),
            subject: Some("ps-0000000000000001".to_owned()),
            at: noon(on),
            sent_on: day(on),
            leg: if received {
                Leg::Received {
                    opened: true,
                    quarantined: false,
                }
            } else {
                Leg::Sent(SendStatus::Delivered)
            },
            what,
        }
    }

    fn what_name(w: &What) -> String {
        format!("{w:?}").chars().take(12).collect()
    }

    fn request(id: u128, respond_by: &str) -> What {
        What::HandoverRequest {
            handover_id: uuid(id),
            respond_by: day(respond_by),
        }
    }

    fn answer(id: u128, outcome: HandoverOutcome) -> What {
        What::HandoverResponse {
            handover_id: uuid(id),
            outcome,
        }
    }

    fn notice(expected: &str, earliest: Option<&str>) -> What {
        What::ReleaseNotice {
            expected: day(expected),
            earliest: earliest.map(day),
            supervision: SupervisionKind::Parole,
        }
    }

    #[test]
    fn working_days_follow_the_jurisdictions_calendar() {
        let dk = Counting::WorkingDays(Jurisdiction::DK);
        // Thursday 3 December 2026: Friday and Monday are working days.
        assert_eq!(
            countdown(dk, day("2026-12-07"), day("2026-12-03")),
            Countdown::Left(2)
        );
        assert_eq!(
            countdown(dk, day("2026-12-03"), day("2026-12-03")),
            Countdown::Today
        );
        // Due Friday, seen Saturday: past, but no working day has passed (the hub waits).
        assert_eq!(
            countdown(dk, day("2026-12-04"), day("2026-12-05")),
            Countdown::Overdue(0)
        );
        assert_eq!(
            countdown(dk, day("2026-12-04"), day("2026-12-08")),
            Countdown::Overdue(2)
        );
        // Christmas: 24, 25 and 26 December are Danish holidays; Sweden has 24-26 too,
        // Norway only 25 and 26.
        let (from, to) = (day("2026-12-23"), day("2026-12-28"));
        assert_eq!(countdown(dk, to, from), Countdown::Left(1));
        let no = Counting::WorkingDays(Jurisdiction::NO);
        assert_eq!(countdown(no, to, from), Countdown::Left(2));
        // Calendar days count every day.
        let cal = Counting::CalendarDays;
        assert_eq!(countdown(cal, to, from), Countdown::Left(5));
        assert_eq!(countdown(cal, from, to), Countdown::Overdue(5));
    }

    #[test]
    fn deadlines_count_from_the_day_the_hub_recorded_the_request() {
        let arrived = noon("2026-12-03");
        // Sent a minute before midnight, arrived the next day: the sender's day counts.
        let late = day("2026-12-02").and_hms_opt(23, 59, 0).unwrap().and_utc();
        assert_eq!(made_on(late, arrived), day("2026-12-02"));
        // A draft dated weeks before it was sent, or a clock ahead: the day it arrived.
        assert_eq!(made_on(noon("2026-11-20"), arrived), day("2026-12-03"));
        assert_eq!(made_on(noon("2026-12-04"), arrived), day("2026-12-03"));
    }

    #[test]
    fn the_jurisdiction_comes_from_the_id_with_a_documented_default() {
        assert_eq!(jurisdiction_of("no-oslo-kommune"), Jurisdiction::NO);
        assert_eq!(jurisdiction_of("se-malmo-stad"), Jurisdiction::SE);
        assert_eq!(jurisdiction_of("dk-kobenhavn-kommune"), Jurisdiction::DK);
        assert_eq!(jurisdiction_of("t1234-kommune"), DEFAULT_JURISDICTION);
        assert!(
            calendar(Jurisdiction::SE)
                .holidays
                .contains(&day("2027-06-25"))
        );
    }

    #[test]
    fn nothing_is_due_in_a_case_that_is_closed() {
        let mut seen = vec![
            from_prison("2026-12-03", request(1, "2027-01-31")),
            from_prison("2026-12-03", request(2, "2027-01-31")),
        ];
        seen[1].case_id = Some("KBH-2".to_owned());
        assert_eq!(tasks_due(&seen, day("2026-12-04")).len(), 4);
        seen.push(from_prison(
            "2026-12-04",
            What::CaseClosed(CaseEndReason::Transferred),
        ));
        let left = due(&seen, day("2026-12-04"));
        assert_eq!(left.len(), 2, "only the open case's tasks: {left:?}");
        assert!(
            left.iter()
                .all(|d| d.request.case_id.as_deref() == Some("KBH-2"))
        );
        // The same case number of another person is another case.
        seen[2].subject = Some("ps-0000000000000002".to_owned());
        assert_eq!(tasks_due(&seen, day("2026-12-04")).len(), 4);
    }

    #[test]
    fn a_received_handover_request_is_due_to_be_marked_received_then_answered() {
        // Requested Thursday 3 December 2026: received by Monday 7, answered within 10
        // working days (Thursday 17), or earlier when the sender asked for it.
        let seen = vec![from_prison("2026-12-03", request(1, "2027-01-31"))];
        let got = tasks_due(&seen, day("2026-12-04"));
        assert_eq!(
            got,
            [
                (Task::MarkReceived, day("2026-12-07"), Countdown::Left(1)),
                (Task::Answer, day("2026-12-17"), Countdown::Left(9)),
            ]
        );
        let asked_sooner = vec![from_prison("2026-12-03", request(1, "2026-12-10"))];
        assert_eq!(
            due(&asked_sooner, day("2026-12-04"))[1].due,
            day("2026-12-10")
        );

        // Marked received: only the answer is left; two working days past it, overdue.
        let mut seen = seen;
        seen.push(to_prison(
            "2026-12-04",
            answer(1, HandoverOutcome::Received),
        ));
        let items = due(&seen, day("2026-12-21"));
        assert_eq!(items.len(), 1);
        assert_eq!(
            (items[0].task.clone(), items[0].left),
            (Task::Answer, Countdown::Overdue(2))
        );

        // Accepted: nothing due.
        seen.push(to_prison(
            "2026-12-05",
            answer(1, HandoverOutcome::Accepted),
        ));
        assert!(due(&seen, day("2026-12-21")).is_empty());
    }

    #[test]
    fn a_refused_answer_does_not_count_and_a_cancelled_request_is_not_due() {
        let mut refused = to_prison("2026-12-04", answer(1, HandoverOutcome::Accepted));
        refused.leg = Leg::Sent(SendStatus::Refused);
        let seen = vec![from_prison("2026-12-03", request(1, "2027-01-31")), refused];
        assert_eq!(due(&seen, day("2026-12-04")).len(), 2, "still to do");

        let cancelled = vec![
            from_prison("2026-12-03", request(1, "2027-01-31")),
            from_prison(
                "2026-12-04",
                What::HandoverCancelled {
                    handover_id: uuid(1),
                },
            ),
        ];
        assert!(due(&cancelled, day("2026-12-04")).is_empty());
    }

    #[test]
    fn a_sent_request_waits_for_the_recipient_and_a_relocation_counts_calendar_days() {
        let seen = vec![
            msg(
                KOMMUNE,
                AARHUS,
                "2026-12-03",
                false,
                request(2, "2027-01-31"),
            ),
            msg(
                AARHUS,
                KOMMUNE,
                "2026-12-04",
                true,
                What::RelocationRequest {
                    relocation_id: uuid(3),
                },
            ),
        ];
        // Saturday 5 December: Monday 7 is the one working day left for the receipt.
        let got = tasks_due(&seen, day("2026-12-05"));
        assert_eq!(
            got,
            [
                (
                    Task::ConfirmRelocation,
                    day("2026-12-06"),
                    Countdown::Left(1)
                ),
                (
                    Task::AwaitReceipt(AARHUS.to_owned()),
                    day("2026-12-07"),
                    Countdown::Left(1)
                ),
            ]
        );
    }

    #[test]
    fn ownership_moves_only_when_a_handover_is_accepted() {
        let mut seen = vec![
            from_prison("2026-12-01", notice("2027-02-01", None)),
            from_prison("2026-12-02", request(1, "2027-01-31")),
        ];
        let case = |seen: &[Seen]| {
            let c = cases(seen).remove(0);
            (c.owner.to_owned(), c.state)
        };
        assert_eq!(
            case(&seen),
            (
                PRISON.to_owned(),
                CaseState::HandoverAsked(KOMMUNE.to_owned())
            )
        );

        seen.push(to_prison(
            "2026-12-03",
            answer(1, HandoverOutcome::Received),
        ));
        assert_eq!(case(&seen).0, PRISON, "received is not accepted");

        seen.push(to_prison(
            "2026-12-04",
            answer(1, HandoverOutcome::Rejected),
        ));
        assert_eq!(case(&seen), (PRISON.to_owned(), CaseState::Open));

        seen.push(from_prison("2026-12-05", request(4, "2027-01-31")));
        let mut refused = to_prison("2026-12-06", answer(4, HandoverOutcome::Accepted));
        refused.leg = Leg::Sent(SendStatus::Refused);
        seen.push(refused);
        assert_eq!(
            case(&seen).0,
            PRISON,
            "an answer the hub refused moves nothing"
        );

        seen.push(to_prison(
            "2026-12-07",
            answer(4, HandoverOutcome::Accepted),
        ));
        assert_eq!(case(&seen), (KOMMUNE.to_owned(), CaseState::HandedOver));

        seen.push(to_prison(
            "2026-12-08",
            What::CaseClosed(CaseEndReason::Completed),
        ));
        assert_eq!(
            case(&seen),
            (
                KOMMUNE.to_owned(),
                CaseState::Closed(CaseEndReason::Completed)
            )
        );
    }

    #[test]
    fn a_relocation_confirmed_names_the_new_owner() {
        let seen = vec![
            msg(
                KOMMUNE,
                AARHUS,
                "2026-12-01",
                false,
                What::RelocationRequest {
                    relocation_id: uuid(9),
                },
            ),
            msg(
                AARHUS,
                KOMMUNE,
                "2026-12-02",
                true,
                What::RelocationConfirmed {
                    relocation_id: uuid(9),
                    new_owner: AARHUS.to_owned(),
                },
            ),
        ];
        let c = cases(&seen).remove(0);
        assert_eq!((c.owner, c.state), (AARHUS, CaseState::HandedOver));
    }

    #[test]
    fn my_cases_are_those_i_sent_or_opened_a_message_in() {
        let mut other_case = from_prison("2026-12-02", request(1, "2027-01-31"));
        other_case.case_id = Some("KBH-2".to_owned());
        let mut third = to_prison("2026-12-03", What::Other);
        third.case_id = Some("KBH-3".to_owned());
        let seen = vec![
            from_prison("2026-12-01", notice("2027-02-01", None)),
            other_case,
            third,
        ];
        let opened = BTreeSet::from([(seen[0].message_id.clone(), PRISON.to_owned())]);
        let sent = BTreeSet::from([seen[2].message_id.clone()]);
        assert_eq!(
            my_cases(&seen, &sent, &opened),
            BTreeSet::from(["KBH-1", "KBH-3"])
        );
        // The same id from another sender is another message.
        let elsewhere = BTreeSet::from([(seen[0].message_id.clone(), AARHUS.to_owned())]);
        assert!(my_cases(&seen, &BTreeSet::new(), &elsewhere).is_empty());
    }

    #[test]
    fn releases_within_90_days_soonest_first_with_their_handover() {
        let today = day("2026-12-03");
        let mut other = from_prison("2026-11-01", notice("2027-01-10", Some("2026-12-20")));
        other.case_id = Some("KBH-2".to_owned());
        let mut late = from_prison("2026-11-01", notice("2027-03-15", None));
        late.case_id = Some("KBH-3".to_owned());
        let seen = vec![
            // Replaced by the newer notice of the same case.
            from_prison("2026-10-01", notice("2026-12-10", None)),
            other,
            late,
            from_prison("2026-11-02", notice("2027-03-03", None)),
            from_prison("2026-11-03", request(1, "2027-01-31")),
        ];
        let got: Vec<(Option<&str>, NaiveDate, i64, bool)> = releases(&seen, today)
            .iter()
            .map(|r| {
                (
                    r.notice.case_id.as_deref(),
                    r.expected,
                    r.days_left,
                    r.handover.is_some(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some("KBH-2"), day("2027-01-10"), 17, false),
                (Some("KBH-1"), day("2027-03-03"), 90, true),
            ],
            "KBH-3 is 102 days away"
        );
    }
}
