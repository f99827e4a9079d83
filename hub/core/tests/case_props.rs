//! Property tests of the case and handover state machines and of the working-day calendar.
//!
//! Random sequences of handover requests, answers, cancellations, consent blocks and
//! closings over a few agencies are applied to one case (refused ones are skipped); after
//! every step the ownership invariants must hold.

use chrono::{Days, NaiveDate, Weekday, WeekdaySet};
use hub_core::cases::{Case, Handover, HandoverKind, HandoverState, Stage, block_for_consent};
use hub_core::deadlines::Calendar;
use proptest::prelude::*;
use schemas::messages::{CaseEndReason, HandoverOutcome};
use schemas::{AgencyId, CaseId, GatewayRef, Jurisdiction, Pseudonym, ReasonCode};
use uuid::Uuid;

/// The agencies operations are drawn from; the first opens the case, the last never takes
/// part until asked.
const AGENCIES: [&str; 4] = [
    "dk-kriminalforsorgen",
    "dk-kobenhavn-kommune",
    "dk-jobcenter-kobenhavn",
    "dk-kobenhavns-politi",
];

fn agency(i: usize) -> AgencyId {
    AgencyId::try_from(AGENCIES[i]).unwrap()
}

fn case_id(s: &str) -> CaseId {
    CaseId::try_from(s).unwrap()
}

/// Who attempts an operation: the agency entitled to it (the owner for a request or a
/// close, the addressed recipient for an answer, the sender for a cancellation), or any of
/// [`AGENCIES`]. Half the attempts are by the entitled agency, so sequences get far.
#[derive(Debug, Clone, Copy)]
enum Who {
    Entitled,
    Agency(usize),
}

impl Who {
    fn resolve(self, entitled: &AgencyId) -> AgencyId {
        match self {
            Who::Entitled => entitled.clone(),
            Who::Agency(i) => agency(i),
        }
    }
}

/// One attempted operation. `handover` picks one of the handovers made so far, counting
/// back from the newest (modulo their number), so finished handovers and another case's
/// handover get picked too.
#[derive(Debug, Clone)]
enum Op {
    Request {
        by: Who,
        to: usize,
    },
    Answer {
        handover: usize,
        by: Who,
        outcome: HandoverOutcome,
    },
    Cancel {
        handover: usize,
        by: Who,
    },
    Block {
        handover: usize,
    },
    Close {
        by: Who,
        reason: CaseEndReason,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let agency = 0..AGENCIES.len();
    let who = prop_oneof![Just(Who::Entitled), agency.clone().prop_map(Who::Agency)];
    let outcome = prop_oneof![
        Just(HandoverOutcome::Received),
        Just(HandoverOutcome::Accepted),
        Just(HandoverOutcome::Rejected),
    ];
    let reason = prop_oneof![
        Just(CaseEndReason::Completed),
        Just(CaseEndReason::DroppedOut),
        Just(CaseEndReason::Transferred),
        Just(CaseEndReason::ConsentWithdrawn),
        Just(CaseEndReason::Deceased),
    ];
    // Mostly the newest handover, the one most likely still open.
    let handover = prop_oneof![2 => Just(0usize), 1 => 0..16usize];
    prop_oneof![
        6 => (who.clone(), agency).prop_map(|(by, to)| Op::Request { by, to }),
        8 => (handover.clone(), who.clone(), outcome)
            .prop_map(|(handover, by, outcome)| Op::Answer { handover, by, outcome }),
        2 => (handover.clone(), who.clone()).prop_map(|(handover, by)| Op::Cancel { handover, by }),
        1 => handover.prop_map(|handover| Op::Block { handover }),
        1 => (who, reason).prop_map(|(by, reason)| Op::Close { by, reason }),
    ]
}

/// The case under test and every handover made so far, oldest first; the first is an open
/// handover of another case, which no operation through this case may touch.
#[derive(Debug, Clone, PartialEq)]
struct World {
    case: Case,
    handovers: Vec<Handover>,
    next_id: u128,
}

impl World {
    fn new() -> World {
        let case = Case::open(
            case_id("case-1"),
            Pseudonym::try_from("ps-7f3a9c2e11").unwrap(),
            agency(0),
        );
        let foreign = Handover {
            id: Uuid::from_u128(0),
            kind: HandoverKind::Handover,
            case_id: case_id("case-2"),
            from: agency(1),
            to: agency(2),
            state: HandoverState::Requested,
            gateway: gateway(),
        };
        World {
            case,
            handovers: vec![foreign],
            next_id: 1,
        }
    }

    /// The world after `op`, or the reason it was refused.
    fn apply(&self, op: &Op) -> Result<World, ReasonCode> {
        let mut next = self.clone();
        let pick = |i| self.pick(i);
        match *op {
            Op::Request { by, to } => {
                let (case, handover) = self.case.request_handover(
                    &by.resolve(&self.case.owner),
                    &agency(to),
                    Uuid::from_u128(self.next_id),
                    gateway(),
                    &self.handovers,
                )?;
                next.case = case;
                next.handovers.push(handover);
                next.next_id += 1;
            }
            Op::Answer {
                handover,
                by,
                outcome,
            } => {
                let i = pick(handover);
                let by = by.resolve(&self.handovers[i].to);
                let (case, answered) =
                    self.case
                        .answer_handover(&self.handovers[i], &by, outcome)?;
                next.case = case;
                next.handovers[i] = answered;
            }
            Op::Cancel { handover, by } => {
                let i = pick(handover);
                let by = by.resolve(&self.handovers[i].from);
                next.handovers[i] = self.case.cancel_handover(&self.handovers[i], &by)?;
            }
            Op::Block { handover } => {
                let i = pick(handover);
                if i == 0 {
                    // Blocking is not done through the case; leave the other case alone.
                    return Err(ReasonCode::UnknownHandover);
                }
                next.handovers[i] = block_for_consent(&self.handovers[i]);
            }
            Op::Close { by, reason } => {
                next.case = self.case.close(&by.resolve(&self.case.owner), reason)?;
            }
        }
        Ok(next)
    }

    /// The index of the handover `back` places before the newest, wrapping round.
    fn pick(&self, back: usize) -> usize {
        self.handovers.len() - 1 - back % self.handovers.len()
    }

    fn open_handovers_of(&self, case: &CaseId) -> usize {
        self.handovers
            .iter()
            .filter(|h| h.case_id == *case && h.state.is_open())
            .count()
    }
}

fn gateway() -> GatewayRef {
    GatewayRef::statute("DK-RPL115-KSP").unwrap()
}

fn is_closed(case: &Case) -> bool {
    matches!(case.stage, Stage::Closed(_))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ownership_invariants_hold_after_every_step(ops in prop::collection::vec(op(), 1..80)) {
        let mut world = World::new();
        for op in &ops {
            let Ok(next) = world.apply(op) else { continue };
            let (before, after) = (&world.case, &next.case);

            // Exactly one owner, and it takes part in the case.
            prop_assert!(after.participants.contains(&after.owner), "{op:?}: {after:?}");
            prop_assert!(after.participants.is_superset(&before.participants), "{op:?}");
            prop_assert_eq!(&after.id, &before.id);
            prop_assert_eq!(&after.subject, &before.subject);

            // The owner moves only on an accepted answer, to that handover's recipient.
            let accepted_to = match op {
                Op::Answer { handover, outcome: HandoverOutcome::Accepted, .. } => {
                    let i = world.pick(*handover);
                    prop_assert_eq!(next.handovers[i].state, HandoverState::Accepted);
                    Some(world.handovers[i].to.clone())
                }
                _ => None,
            };
            match &accepted_to {
                Some(to) => {
                    prop_assert_eq!(&after.owner, to);
                    prop_assert_eq!(after.stage, Stage::Active);
                    prop_assert!(after.participants.contains(&before.owner));
                }
                None => prop_assert_eq!(&after.owner, &before.owner, "{:?}", op),
            }

            // A cancellation is the requester's, of an open handover: it closes the handover,
            // the case stays as it was (owner and stage), and nothing answers it later.
            if let Op::Cancel { handover, .. } = op {
                let i = world.pick(*handover);
                prop_assert!(world.handovers[i].state.is_open(), "{op:?}");
                prop_assert_eq!(next.handovers[i].state, HandoverState::Cancelled);
                prop_assert_eq!(after, before, "{:?}", op);
                for outcome in [HandoverOutcome::Received, HandoverOutcome::Accepted, HandoverOutcome::Rejected] {
                    let to = &next.handovers[i].to;
                    prop_assert!(after.answer_handover(&next.handovers[i], to, outcome).is_err());
                }
            }

            // At most one open handover per case; the other case's handover is untouched.
            prop_assert!(next.open_handovers_of(&after.id) <= 1, "{:?}", next.handovers);
            prop_assert_eq!(&next.handovers[0], &world.handovers[0]);

            // A closed case never changes again.
            if is_closed(before) {
                prop_assert_eq!(after, before, "{:?}", op);
            }

            world = next;
        }
    }

    #[test]
    fn a_closed_case_refuses_every_change(ops in prop::collection::vec(op(), 1..40)) {
        // Closed with a handover of its own still open.
        let closed = World::new()
            .apply(&Op::Request { by: Who::Entitled, to: 1 })
            .and_then(|w| w.apply(&Op::Close { by: Who::Entitled, reason: CaseEndReason::Completed }))
            .unwrap();
        prop_assert_eq!(closed.open_handovers_of(&closed.case.id), 1);
        for op in &ops {
            let result = closed.apply(op);
            match op {
                Op::Request { .. } | Op::Close { .. } => {
                    prop_assert_eq!(result.map(|_| ()), Err(ReasonCode::CaseClosed), "{:?}", op);
                }
                Op::Answer { handover, .. } => {
                    let expected = if closed.pick(*handover) == 0 {
                        ReasonCode::UnknownHandover
                    } else {
                        ReasonCode::CaseClosed
                    };
                    prop_assert_eq!(result.map(|_| ()), Err(expected), "{:?}", op);
                }
                // Clearing up the handover left open is allowed; the case stays as it is.
                Op::Cancel { .. } | Op::Block { .. } => {
                    if let Ok(next) = result {
                        prop_assert_eq!(&next.case, &closed.case);
                    }
                }
            }
        }
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
}

/// Calendars with any weekend of at most six days and up to 200 holidays over 2020-2030.
fn calendar() -> impl Strategy<Value = Calendar> {
    let weekend = prop::collection::vec(any::<bool>(), 7)
        .prop_filter("at least one working weekday", |days| days.contains(&false))
        .prop_map(|days| {
            let mut set = WeekdaySet::EMPTY;
            let mut weekday = Weekday::Mon;
            for is_weekend in days {
                if is_weekend {
                    set.insert(weekday);
                }
                weekday = weekday.succ();
            }
            set
        });
    let holidays = prop::collection::btree_set(0..4000u64, 0..200);
    (weekend, holidays).prop_map(|(weekend, holidays)| Calendar {
        weekend,
        holidays: holidays
            .into_iter()
            .map(|offset| epoch() + Days::new(offset))
            .collect(),
        ..Calendar::weekends_only(Jurisdiction::DK)
    })
}

proptest! {
    #[test]
    fn adding_working_days_lands_on_a_working_day_n_days_on(
        calendar in calendar(),
        start in 0..3650u64,
        n in 0..60u32,
    ) {
        let start = epoch() + Days::new(start);
        let due = calendar.add_working_days(start, n);
        if n == 0 {
            prop_assert_eq!(due, start);
        } else {
            prop_assert!(due > start);
            prop_assert!(calendar.is_working_day(due), "{due} is not a working day");
        }
        prop_assert_eq!(calendar.working_days_overdue(start, due), n);

        // Every day strictly between this due date and the next one is not a working day.
        let next = calendar.add_working_days(start, n + 1);
        prop_assert!(next > due);
        for day in due.iter_days().skip(1).take_while(|d| *d < next) {
            prop_assert!(!calendar.is_working_day(day), "{day} was skipped");
        }
    }
}
