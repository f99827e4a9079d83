//! The tally of a population run: what was submitted and how the hub answered, per message
//! type, and what that did to cases, handovers and outcomes. Pure: the driver records the
//! hub's answers into it, and [`Tally::expected`] records the planned answers, so a run that
//! went exactly as planned has `tally == Tally::expected(&plan)`.

use std::collections::BTreeMap;
use std::fmt;

use schemas::MessageType;
use schemas::messages::{CaseEndReason, RejectionReason};

use super::plan::{Expect, Kind, Mark, Plan, Step};

/// How the hub answered one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Delivered to every recipient.
    Delivered,
    /// Delivered to some; the first refusal's reason code.
    PartlyRefused(String),
    /// Refused whole, with the reason code.
    Refused(String),
}

impl Answer {
    /// The answer the plan expects.
    pub fn expected(expect: &Expect) -> Answer {
        match expect {
            Expect::Delivered => Answer::Delivered,
            Expect::PartlyRefused { reason, .. } => Answer::PartlyRefused(reason.as_str().into()),
            Expect::Refused { reason } => Answer::Refused(reason.as_str().into()),
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Delivered => f.write_str("delivered"),
            Answer::PartlyRefused(r) => write!(f, "partly refused ({r})"),
            Answer::Refused(r) => write!(f, "refused ({r})"),
        }
    }
}

/// Counts of one message type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeCounts {
    /// Submitted to the agent.
    pub submitted: u64,
    /// Delivered to every recipient.
    pub delivered: u64,
    /// Delivered to some recipients, refused for others.
    pub partly_refused: u64,
    /// Refused whole.
    pub refused: u64,
}

/// Handovers (or relocations) by where they ended up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct HandoverCounts {
    /// Requested (delivered requests).
    pub requested: u64,
    /// Acknowledged by their recipient.
    pub received: u64,
    /// Accepted (relocations: confirmed).
    pub accepted: u64,
    pub rejected: u64,
}

impl HandoverCounts {
    /// Neither accepted nor rejected yet.
    pub fn open(&self) -> u64 {
        self.requested - self.accepted - self.rejected
    }
}

/// Outcome reports that reached the contact point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Reports delivered.
    pub reported: u64,
    /// Of them, with the 12-month figure.
    pub charge_known: u64,
    /// Of those, no new serious charge.
    pub no_new_charge: u64,
    /// With the 3-month figure.
    pub job_known: u64,
    /// Of those, in education or a job.
    pub in_job: u64,
}

/// A step the hub answered otherwise than planned: a bug in the planner (or the hub).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Unexpected {
    pub case_id: String,
    /// The step's index in the case.
    pub step: usize,
    pub message_type: MessageType,
    /// The planned answer.
    pub expected: Answer,
    /// The hub's answer.
    pub got: Answer,
}

/// Everything counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Tally {
    /// Cases whose steps were all sent (or that stopped at an unexpected answer).
    pub cases: u64,
    /// Per message type.
    pub by_type: BTreeMap<MessageType, TypeCounts>,
    /// Planned refusals by reason code (a partly refused message counts once).
    pub expected_refusals: BTreeMap<String, u64>,
    /// Answers that differ from the plan.
    pub unexpected: Vec<Unexpected>,
    /// Cases opened at the hub (their release notice delivered).
    pub cases_opened: u64,
    /// Cases closed, by end reason.
    pub cases_closed: BTreeMap<&'static str, u64>,
    /// Consent versions recorded.
    pub consent_versions: u64,
    /// Consents withdrawn.
    pub withdrawals: u64,
    /// Case handovers.
    pub handovers: HandoverCounts,
    pub relocations: HandoverCounts,
    /// Rejections by code, handovers and relocations together.
    pub rejection_codes: BTreeMap<&'static str, u64>,
    /// Outcome reports.
    pub outcomes: OutcomeCounts,
}

/// The wire name of an end reason.
pub fn end_reason_name(reason: CaseEndReason) -> &'static str {
    match reason {
        CaseEndReason::Completed => "completed",
        CaseEndReason::DroppedOut => "dropped_out",
        CaseEndReason::Transferred => "transferred",
        CaseEndReason::ConsentWithdrawn => "consent_withdrawn",
        CaseEndReason::Deceased => "deceased",
    }
}

impl Tally {
    /// The tally of `plan` if the hub answers every step as planned.
    pub fn expected(plan: &Plan) -> Tally {
        let mut tally = Tally::default();
        for case in &plan.cases {
            for (i, step) in case.steps.iter().enumerate() {
                tally.record(
                    case.case_id.as_str(),
                    i,
                    step,
                    Answer::expected(&step.expect),
                );
            }
            tally.cases += 1;
        }
        tally
    }

    /// Messages submitted, all types.
    pub fn submitted(&self) -> u64 {
        self.by_type.values().map(|c| c.submitted).sum()
    }

    /// Records the hub's answer to one step. Returns whether it was the planned one; an
    /// unplanned answer is listed in [`Tally::unexpected`] and changes nothing else counted.
    pub fn record(&mut self, case_id: &str, index: usize, step: &Step, got: Answer) -> bool {
        let counts = self.by_type.entry(step.message_type).or_default();
        counts.submitted += 1;
        match &got {
            Answer::Delivered => counts.delivered += 1,
            Answer::PartlyRefused(_) => counts.partly_refused += 1,
            Answer::Refused(_) => counts.refused += 1,
        }
        let expected = Answer::expected(&step.expect);
        if got != expected {
            self.unexpected.push(Unexpected {
                case_id: case_id.to_owned(),
                step: index,
                message_type: step.message_type,
                expected,
                got,
            });
            return false;
        }
        let delivered = match &got {
            Answer::Delivered => true,
            Answer::PartlyRefused(reason) => {
                *self.expected_refusals.entry(reason.clone()).or_default() += 1;
                true
            }
            Answer::Refused(reason) => {
                *self.expected_refusals.entry(reason.clone()).or_default() += 1;
                false
            }
        };
        if delivered {
            self.apply(step.mark);
        }
        true
    }

    fn apply(&mut self, mark: Mark) {
        fn of(tally: &mut Tally, kind: Kind) -> &mut HandoverCounts {
            match kind {
                Kind::Handover => &mut tally.handovers,
                Kind::Relocation => &mut tally.relocations,
            }
        }
        match mark {
            Mark::None => {}
            Mark::Consent => self.consent_versions += 1,
            Mark::Withdrawal => self.withdrawals += 1,
            Mark::OpensCase => self.cases_opened += 1,
            Mark::Requested(kind) => of(self, kind).requested += 1,
            Mark::Received(kind) => of(self, kind).received += 1,
            Mark::Answered {
                kind,
                accepted,
                code,
            } => {
                let counts = of(self, kind);
                if accepted {
                    counts.accepted += 1;
                } else {
                    counts.rejected += 1;
                    let code = code.unwrap_or(RejectionReason::Other).as_str();
                    *self.rejection_codes.entry(code).or_default() += 1;
                }
            }
            Mark::Closed(reason) => {
                *self
                    .cases_closed
                    .entry(end_reason_name(reason))
                    .or_default() += 1;
            }
            Mark::Outcome {
                no_new_charge,
                in_job,
            } => {
                let o = &mut self.outcomes;
                o.reported += 1;
                if let Some(no_new_charge) = no_new_charge {
                    o.charge_known += 1;
                    o.no_new_charge += u64::from(no_new_charge);
                }
                if let Some(in_job) = in_job {
                    o.job_known += 1;
                    o.in_job += u64::from(in_job);
                }
            }
        }
    }

    /// Adds another tally's counts to this one.
    pub fn merge(&mut self, other: Tally) {
        fn add<K: Ord>(into: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
            for (k, v) in from {
                *into.entry(k).or_default() += v;
            }
        }
        fn add_handovers(into: &mut HandoverCounts, from: HandoverCounts) {
            into.requested += from.requested;
            into.received += from.received;
            into.accepted += from.accepted;
            into.rejected += from.rejected;
        }
        self.cases += other.cases;
        for (t, c) in other.by_type {
            let into = self.by_type.entry(t).or_default();
            into.submitted += c.submitted;
            into.delivered += c.delivered;
            into.partly_refused += c.partly_refused;
            into.refused += c.refused;
        }
        add(&mut self.expected_refusals, other.expected_refusals);
        self.unexpected.extend(other.unexpected);
        self.cases_opened += other.cases_opened;
        add(&mut self.cases_closed, other.cases_closed);
        self.consent_versions += other.consent_versions;
        self.withdrawals += other.withdrawals;
        add_handovers(&mut self.handovers, other.handovers);
        add_handovers(&mut self.relocations, other.relocations);
        add(&mut self.rejection_codes, other.rejection_codes);
        let (o, p) = (&mut self.outcomes, other.outcomes);
        o.reported += p.reported;
        o.charge_known += p.charge_known;
        o.no_new_charge += p.no_new_charge;
        o.job_known += p.job_known;
        o.in_job += p.in_job;
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".to_owned()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

fn list(counts: &BTreeMap<impl fmt::Display, u64>) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  {:<22} {:>9} {:>9} {:>14} {:>8}",
            "message type", "submitted", "delivered", "partly refused", "refused"
        )?;
        for (t, c) in &self.by_type {
            writeln!(
                f,
                "  {:<22} {:>9} {:>9} {:>14} {:>8}",
                t.as_str(),
                c.submitted,
                c.delivered,
                c.partly_refused,
                c.refused
            )?;
        }
        writeln!(f, "  {:<22} {:>9}", "all", self.submitted())?;
        writeln!(
            f,
            "planned refusals: {}; unexpected answers: {}",
            list(&self.expected_refusals),
            self.unexpected.len()
        )?;
        writeln!(
            f,
            "cases: {} driven, {} opened at the hub; closed: {}",
            self.cases,
            self.cases_opened,
            list(&self.cases_closed)
        )?;
        writeln!(
            f,
            "consent versions recorded: {}; withdrawals: {}",
            self.consent_versions, self.withdrawals
        )?;
        for (name, h) in [
            ("handovers", self.handovers),
            ("relocations", self.relocations),
        ] {
            writeln!(
                f,
                "{name}: {} requested, {} accepted ({}), {} rejected ({}), {} open",
                h.requested,
                h.accepted,
                percent(h.accepted, h.requested),
                h.rejected,
                percent(h.rejected, h.requested),
                h.open()
            )?;
        }
        writeln!(f, "rejection codes: {}", list(&self.rejection_codes))?;
        let o = &self.outcomes;
        write!(
            f,
            "outcome reports delivered: {} (no new serious charge in 12 months: {} of {} known; \
             in education or a job after 3 months: {} of {} known)",
            o.reported,
            percent(o.no_new_charge, o.charge_known),
            o.charge_known,
            percent(o.in_job, o.job_known),
            o.job_known
        )
    }
}
