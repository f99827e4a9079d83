//! Table tests of the case rules in the routing decision: a case id belongs to one person and
//! to the agency that first named it; a handover's answer goes only to its requester, a
//! cancellation only to the agency asked; a rejection carries its reason; key announcements
//! are limited per agency.

use std::collections::BTreeSet;

use schemas::{
    AgencyRole, CaseId, DataCategory, Jurisdiction, Message, MessageType, Pseudonym, Purpose,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::cases::{Case, CaseClaim, Handover, HandoverKind, HandoverState};
use crate::routing::refusal_effects;
use crate::test_fixtures::{self, id};
use crate::{Decision, Directory, Effect, Policy, Statute, World, decide};
use schemas::ReasonCode as R;

const PRISON: &str = "dk-kriminalforsorgen";
const MUNI: &str = "dk-kobenhavn-kommune";
const JOB: &str = "dk-jobcenter-kobenhavn";
const CASE: &str = "KBH-2026-0142";
const PERSON: &str = "ps-7f3a9c2e11b4d805";
const OTHER_PERSON: &str = "ps-00aa11bb22cc33dd";
const HANDOVER: &str = "a3c1f0e2-55b4-4d8e-8f3a-91b2c4d6e8f0";

fn directory() -> Directory {
    test_fixtures::directory(
        Jurisdiction::DK,
        &[
            (PRISON, AgencyRole::PrisonProbation),
            (MUNI, AgencyRole::Municipality),
            (JOB, AgencyRole::Employment),
        ],
    )
}

/// A statute that lets the three agencies exchange handover messages, so the case rules
/// alone decide.
fn policy(key_limit: Option<u32>) -> Policy {
    let roles = [
        AgencyRole::PrisonProbation,
        AgencyRole::Municipality,
        AgencyRole::Employment,
    ];
    Policy {
        programmes: Vec::new(),
        key_announcements_per_hour: key_limit,
        hard_rules: Default::default(),
        statutes: vec![Statute {
            id: "DK-RPL115-KSP".into(),
            jurisdiction: Jurisdiction::DK,
            from_roles: BTreeSet::from(roles),
            to_roles: BTreeSet::from(roles),
            message_types: BTreeSet::from([
                MessageType::HandoverRequest,
                MessageType::HandoverResponse,
                MessageType::HandoverCancelled,
            ]),
            purposes: BTreeSet::from([Purpose::ReleaseCoordination]),
            categories: BTreeSet::from([DataCategory::CaseStatus]),
        }],
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn example(name: &str) -> Value {
    let path = format!(
        "{}/../../schemas/examples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The example message of `name` from `sender` to `recipients`.
fn message(
    name: &str,
    sender: &str,
    recipients: &[&str],
    edit: impl FnOnce(&mut Value),
) -> Message {
    let mut m = example(name);
    m["envelope"]["sender"] = json!(sender);
    m["envelope"]["recipients"] = json!(recipients);
    edit(&mut m);
    schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap()
}

/// The prison owns the case about PERSON, the municipality and employment service take part.
fn case() -> Case {
    Case::open(
        CaseId::try_from(CASE).unwrap(),
        Pseudonym::try_from(PERSON).unwrap(),
        id(PRISON),
    )
    .with_participants([&id(MUNI), &id(JOB)])
}

/// The prison's handover of the case to the municipality.
fn handover(state: HandoverState) -> Handover {
    Handover {
        id: HANDOVER.parse().unwrap(),
        kind: HandoverKind::Handover,
        case_id: CaseId::try_from(CASE).unwrap(),
        from: id(PRISON),
        to: id(MUNI),
        state,
        gateway: schemas::GatewayRef::statute("DK-RPL115-KSP").unwrap(),
    }
}

struct Setup {
    case: Option<Case>,
    handovers: Vec<Handover>,
    claim: Option<CaseClaim>,
    key_announcements: u32,
    key_limit: Option<u32>,
}

impl Setup {
    fn with_case(state: HandoverState) -> Setup {
        Setup {
            case: Some(case()),
            handovers: vec![handover(state)],
            claim: None,
            key_announcements: 0,
            key_limit: None,
        }
    }

    fn new_case(claim: Option<(&str, &str)>) -> Setup {
        Setup {
            case: None,
            handovers: Vec::new(),
            claim: claim.map(|(opener, subject)| CaseClaim {
                case_id: CaseId::try_from(CASE).unwrap(),
                opener: id(opener),
                subject: Pseudonym::try_from(subject).unwrap(),
            }),
            key_announcements: 0,
            key_limit: None,
        }
    }

    fn decide(&self, sender: &str, message: &Message) -> Decision {
        let (directory, policy) = (directory(), policy(self.key_limit));
        let world = World {
            case: self.case.as_ref(),
            handovers: &self.handovers,
            claim: self.claim.as_ref(),
            key_announcements: self.key_announcements,
            ..World::stateless(&directory, &policy, now())
        };
        decide(&world, &id(sender), message)
    }

    fn refusal_effects(&self, sender: &str, message: &Message) -> Vec<Effect> {
        let (directory, policy) = (directory(), policy(self.key_limit));
        let world = World {
            case: self.case.as_ref(),
            claim: self.claim.as_ref(),
            ..World::stateless(&directory, &policy, now())
        };
        refusal_effects(&world, &id(sender), message)
    }
}

fn rejected(decision: &Decision) -> Option<R> {
    match decision {
        Decision::Reject { reason, .. } => Some(*reason),
        Decision::Route { .. } => None,
    }
}

fn outcome(decision: &Decision) -> (Vec<&str>, Vec<(&str, R)>) {
    match decision {
        Decision::Route {
            deliveries,
            refused,
            ..
        } => (
            deliveries.iter().map(|d| d.recipient.as_str()).collect(),
            refused
                .iter()
                .map(|r| (r.recipient.as_str(), r.reason))
                .collect(),
        ),
        Decision::Reject { refused, .. } => (
            Vec::new(),
            refused
                .iter()
                .map(|r| (r.recipient.as_str(), r.reason))
                .collect(),
        ),
    }
}

fn subject(person: &'static str) -> impl FnOnce(&mut Value) {
    move |m| m["envelope"]["subject"] = json!(person)
}

#[test]
fn a_case_is_about_one_person() {
    // (what, sender, subject, expected refusal)
    let rows: &[(&str, &str, Option<&str>, Option<R>)] = &[
        ("the case's person", PRISON, Some(PERSON), None),
        ("no person named", PRISON, None, None),
        (
            "another person",
            PRISON,
            Some(OTHER_PERSON),
            Some(R::SubjectMismatch),
        ),
        (
            "another person, by a participant",
            JOB,
            Some(OTHER_PERSON),
            Some(R::SubjectMismatch),
        ),
        (
            "a stranger learns nothing",
            "dk-ukendt-x",
            Some(OTHER_PERSON),
            Some(R::UnknownSender),
        ),
    ];
    for (what, sender, person, expected) in rows {
        let m = message("HandoverRequest", sender, &[MUNI], |m| {
            m["envelope"]["case_id"] = json!(CASE);
            m["body"]["handover_id"] = json!(Uuid::from_u128(7));
            match person {
                Some(p) => m["envelope"]["subject"] = json!(p),
                None => {
                    m["envelope"].as_object_mut().unwrap().remove("subject");
                }
            }
        });
        let setup = Setup {
            handovers: Vec::new(),
            ..Setup::with_case(HandoverState::Requested)
        };
        let decision = setup.decide(sender, &m);
        match expected {
            Some(r) => assert_eq!(rejected(&decision), Some(*r), "{what}"),
            // Only the owner requests a handover; the subject rule passed when the refusal
            // is about ownership or nothing at all.
            None => assert!(
                matches!(rejected(&decision), None | Some(R::NotCaseOwner)),
                "{what}: {decision:?}"
            ),
        }
    }
}

#[test]
fn a_case_id_stays_with_the_agency_and_person_that_first_named_it() {
    // (what, claim, sender, person, expected refusal)
    type Row<'a> = (
        &'a str,
        Option<(&'a str, &'a str)>,
        &'a str,
        &'a str,
        Option<R>,
    );
    let rows: &[Row] = &[
        ("unclaimed", None, MUNI, PERSON, None),
        (
            "claimed by the sender",
            Some((MUNI, PERSON)),
            MUNI,
            PERSON,
            None,
        ),
        (
            "claimed by another agency",
            Some((PRISON, PERSON)),
            MUNI,
            PERSON,
            Some(R::NotParticipant),
        ),
        (
            "claimed by another agency, about another person: nothing about the person",
            Some((PRISON, OTHER_PERSON)),
            MUNI,
            PERSON,
            Some(R::NotParticipant),
        ),
        (
            "claimed by the sender about another person",
            Some((MUNI, OTHER_PERSON)),
            MUNI,
            PERSON,
            Some(R::SubjectMismatch),
        ),
    ];
    for (what, claim, sender, person, expected) in rows {
        let m = message("HandoverRequest", sender, &[JOB], |m| {
            m["envelope"]["case_id"] = json!(CASE);
            m["envelope"]["subject"] = json!(person);
        });
        let decision = Setup::new_case(*claim).decide(sender, &m);
        assert_eq!(rejected(&decision), *expected, "{what}: {decision:?}");
    }
}

#[test]
fn a_refused_first_message_claims_its_case_id() {
    let m = |sender: &str, person: Option<&'static str>| {
        message("HandoverRequest", sender, &[JOB], |m| {
            m["envelope"]["case_id"] = json!(CASE);
            match person {
                Some(p) => subject(p)(m),
                None => {
                    m["envelope"].as_object_mut().unwrap().remove("subject");
                }
            }
        })
    };
    let claim = |opener: &str| {
        vec![Effect::ClaimCase(CaseClaim {
            case_id: CaseId::try_from(CASE).unwrap(),
            opener: id(opener),
            subject: Pseudonym::try_from(PERSON).unwrap(),
        })]
    };
    // (what, setup, authenticated, message, effects)
    let rows: Vec<(&str, Setup, &str, Message, Vec<Effect>)> = vec![
        (
            "new id",
            Setup::new_case(None),
            MUNI,
            m(MUNI, Some(PERSON)),
            claim(MUNI),
        ),
        (
            "new id, the body claims another sender: the authenticated one claims it",
            Setup::new_case(None),
            MUNI,
            m(PRISON, Some(PERSON)),
            claim(MUNI),
        ),
        (
            "claimed already",
            Setup::new_case(Some((PRISON, PERSON))),
            MUNI,
            m(MUNI, Some(PERSON)),
            vec![],
        ),
        (
            "an existing case",
            Setup::with_case(HandoverState::Requested),
            MUNI,
            m(MUNI, Some(PERSON)),
            vec![],
        ),
        (
            "no person",
            Setup::new_case(None),
            MUNI,
            m(MUNI, None),
            vec![],
        ),
        (
            "an unregistered sender",
            Setup::new_case(None),
            "dk-ukendt-x",
            m("dk-ukendt-x", Some(PERSON)),
            vec![],
        ),
    ];
    for (what, setup, sender, message, expected) in rows {
        assert_eq!(setup.refusal_effects(sender, &message), expected, "{what}");
    }
}

#[test]
fn a_rejection_carries_its_reason() {
    // (what, outcome, reason, expected refusal)
    let rows: &[(&str, &str, Option<&str>, Option<R>)] = &[
        (
            "rejected without reason",
            "rejected",
            None,
            Some(R::ReasonRequired),
        ),
        (
            "rejected with a reason",
            "rejected",
            Some("No places until March"),
            None,
        ),
        ("received without reason", "received", None, None),
        ("accepted without reason", "accepted", None, None),
    ];
    for (what, outcome, reason, expected) in rows {
        let m = message("HandoverResponse", MUNI, &[PRISON], |m| {
            m["body"]["outcome"] = json!(outcome);
            if let Some(reason) = reason {
                m["body"]["reason"] = json!(reason);
            }
        });
        let decision = Setup::with_case(HandoverState::Requested).decide(MUNI, &m);
        assert_eq!(rejected(&decision), *expected, "{what}: {decision:?}");
    }
}

#[test]
fn an_answer_goes_only_to_the_requester_and_a_cancellation_only_to_the_agency_asked() {
    // (what, type, sender, recipients, delivered, refused per recipient)
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
        &'a [(&'a str, R)],
    );
    let rows: &[Row] = &[
        (
            "answer to the requester",
            "HandoverResponse",
            MUNI,
            &[PRISON],
            &[PRISON],
            &[],
        ),
        (
            "answer to the requester and a third agency",
            "HandoverResponse",
            MUNI,
            &[PRISON, JOB],
            &[PRISON],
            &[(JOB, R::OutsideHandover)],
        ),
        (
            "answer to a third agency only",
            "HandoverResponse",
            MUNI,
            &[JOB],
            &[],
            &[(JOB, R::OutsideHandover)],
        ),
        (
            "cancellation to the agency asked",
            "HandoverCancelled",
            PRISON,
            &[MUNI],
            &[MUNI],
            &[],
        ),
        (
            "cancellation to a third agency",
            "HandoverCancelled",
            PRISON,
            &[MUNI, JOB],
            &[MUNI],
            &[(JOB, R::OutsideHandover)],
        ),
    ];
    for (what, name, sender, recipients, delivered, refused) in rows {
        let m = message(name, sender, recipients, |_| {});
        let decision = Setup::with_case(HandoverState::Requested).decide(sender, &m);
        let (got_delivered, got_refused) = outcome(&decision);
        assert_eq!(got_delivered, *delivered, "{what}");
        assert_eq!(got_refused, *refused, "{what}");
        if delivered.is_empty() {
            assert_eq!(rejected(&decision), Some(R::OutsideHandover), "{what}");
        }
    }
}

#[test]
fn only_the_requester_cancels_an_open_handover_and_the_case_keeps_its_owner() {
    // (what, handover state, sender, expected state or refusal)
    let rows: &[(&str, HandoverState, &str, Result<HandoverState, R>)] = &[
        (
            "requested",
            HandoverState::Requested,
            PRISON,
            Ok(HandoverState::Cancelled),
        ),
        (
            "received",
            HandoverState::Received,
            PRISON,
            Ok(HandoverState::Cancelled),
        ),
        (
            "by the agency asked",
            HandoverState::Requested,
            MUNI,
            Err(R::NotCaseOwner),
        ),
        (
            "by another participant",
            HandoverState::Requested,
            JOB,
            Err(R::NotCaseOwner),
        ),
        (
            "accepted already",
            HandoverState::Accepted,
            PRISON,
            Err(R::InvalidTransition),
        ),
        (
            "rejected already",
            HandoverState::Rejected,
            PRISON,
            Err(R::InvalidTransition),
        ),
        (
            "cancelled already",
            HandoverState::Cancelled,
            PRISON,
            Err(R::InvalidTransition),
        ),
    ];
    for (what, state, sender, expected) in rows {
        let to = if *sender == PRISON { MUNI } else { PRISON };
        let m = message("HandoverCancelled", sender, &[to], |_| {});
        let decision = Setup::with_case(*state).decide(sender, &m);
        match (expected, &decision) {
            (Ok(to), Decision::Route { effects, .. }) => {
                assert_eq!(
                    effects,
                    &vec![Effect::SaveHandover(Handover {
                        state: *to,
                        ..handover(*state)
                    })],
                    "{what}: the handover alone changes; the case keeps its owner"
                );
            }
            (Err(r), _) => assert_eq!(rejected(&decision), Some(*r), "{what}"),
            (Ok(_), _) => panic!("{what}: {decision:?}"),
        }
    }
    // An unknown handover, and a case the hub does not know.
    let m = message("HandoverCancelled", PRISON, &[MUNI], |m| {
        m["body"]["handover_id"] = json!(Uuid::from_u128(99));
    });
    let decision = Setup::with_case(HandoverState::Requested).decide(PRISON, &m);
    assert_eq!(rejected(&decision), Some(R::UnknownHandover));
    let m = message("HandoverCancelled", PRISON, &[MUNI], |_| {});
    assert_eq!(
        rejected(&Setup::new_case(None).decide(PRISON, &m)),
        Some(R::UnknownHandover)
    );
}

#[test]
fn key_announcements_are_limited_per_agency() {
    // (what, limit, accepted in the last hour, refused)
    let rows: &[(&str, Option<u32>, u32, Option<R>)] = &[
        ("no limit", None, 1000, None),
        ("below the limit", Some(10), 9, None),
        ("at the limit", Some(10), 10, Some(R::RateLimited)),
        ("beyond it", Some(10), 11, Some(R::RateLimited)),
    ];
    for (what, limit, count, expected) in rows {
        let m = message("KeyPublished", MUNI, &[], |_| {});
        let setup = Setup {
            key_announcements: *count,
            key_limit: *limit,
            ..Setup::new_case(None)
        };
        assert_eq!(rejected(&setup.decide(MUNI, &m)), *expected, "{what}");
    }
}
