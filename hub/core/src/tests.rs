//! Table-driven tests of the routing decision.

use std::collections::BTreeSet;

use schemas::messages::Refusal;
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, Message, MessageType, Purpose};
use serde_json::{Value, json};

use crate::{Agency, Decision, Directory, Policy, Statute, World, decide};
use schemas::ReasonCode as R;

const PRISON: &str = "dk-kriminalforsorgen";
const MUNI: &str = "dk-kobenhavn-kommune";
const JOB: &str = "dk-jobcenter-kobenhavn";
const POLICE: &str = "dk-kobenhavns-politi";
const NCP: &str = "dk-exit-kontaktpunkt";
const OSLO: &str = "no-oslo-kommune";

fn id(s: &str) -> AgencyId {
    AgencyId::try_from(s).unwrap()
}

fn directory() -> Directory {
    let agency = |i: &str, role, jurisdiction| Agency {
        id: id(i),
        role,
        jurisdiction,
        name: i.to_owned(),
    };
    Directory::new([
        agency(PRISON, AgencyRole::PrisonProbation, Jurisdiction::DK),
        agency(MUNI, AgencyRole::Municipality, Jurisdiction::DK),
        agency(JOB, AgencyRole::Employment, Jurisdiction::DK),
        agency(POLICE, AgencyRole::Police, Jurisdiction::DK),
        agency(NCP, AgencyRole::NationalContactPoint, Jurisdiction::DK),
        agency(OSLO, AgencyRole::Municipality, Jurisdiction::NO),
    ])
}

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn policy() -> Policy {
    Policy {
        key_announcements_per_hour: None,
        hard_rules: Default::default(),
        programmes: vec![crate::routing::Programme {
            name: "Exit København".into(),
            custodians: BTreeSet::from([id(MUNI)]),
        }],
        statutes: vec![Statute {
            id: "DK-RPL115-KSP".into(),
            jurisdiction: Jurisdiction::DK,
            from_roles: BTreeSet::from([AgencyRole::PrisonProbation]),
            to_roles: BTreeSet::from([AgencyRole::Municipality, AgencyRole::Employment]),
            message_types: BTreeSet::from([MessageType::ReleaseNotice]),
            purposes: BTreeSet::from([Purpose::ReleaseCoordination]),
            categories: BTreeSet::from([
                DataCategory::SentenceRelease,
                DataCategory::EconomyBenefits,
            ]),
        }],
    }
}

fn release_notice() -> Value {
    serde_json::from_str(include_str!("../../../schemas/examples/ReleaseNotice.json")).unwrap()
}

fn message(json: &Value) -> Message {
    schemas::decode(&serde_json::to_vec(json).unwrap()).unwrap()
}

fn delivered(decision: &Decision) -> Vec<&str> {
    match decision {
        Decision::Route { deliveries, .. } => {
            deliveries.iter().map(|d| d.recipient.as_str()).collect()
        }
        Decision::Reject { .. } => Vec::new(),
    }
}

fn refused(decision: &Decision) -> Vec<(&str, R)> {
    let list: &[Refusal] = match decision {
        Decision::Route { refused, .. } | Decision::Reject { refused, .. } => refused,
    };
    list.iter()
        .map(|r| (r.recipient.as_str(), r.reason))
        .collect()
}

#[test]
fn a_release_notice_under_the_statute_reaches_municipality_and_employment() {
    let decision = decide(
        &World::stateless(&directory(), &policy(), now()),
        &id(PRISON),
        &message(&release_notice()),
    );
    assert_eq!(delivered(&decision), [MUNI, JOB]);
    let Decision::Route { deliveries, .. } = &decision else {
        unreachable!()
    };
    assert!(
        deliveries
            .iter()
            .all(|d| d.gateway.as_str() == "STATUTE:DK-RPL115-KSP")
    );
}

/// Each row mutates the example release notice and names the authenticated sender; the
/// message must be refused as a whole with the given reason.
#[test]
fn whole_message_refusals() {
    type Mutation = fn(&mut Value);
    let rows: &[(&str, &str, Mutation, R)] = &[
        ("claims another identity", MUNI, |_| {}, R::SenderMismatch),
        (
            "unregistered sender",
            "dk-ukendt",
            |m| m["envelope"]["sender"] = json!("dk-ukendt"),
            R::UnknownSender,
        ),
        (
            "wrong role for type",
            POLICE,
            |m| m["envelope"]["sender"] = json!(POLICE),
            R::NotPermittedForRole,
        ),
        (
            "hub-only type",
            PRISON,
            |m| {
                m["envelope"]["message_type"] = json!("Receipt");
                m["body"] = json!({"in_reply_to": "0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11", "delivered_to": []});
            },
            R::NotPermittedForRole,
        ),
        (
            "forbidden purpose",
            PRISON,
            |m| m["envelope"]["purpose"] = json!("CRIMINAL_INVESTIGATION"),
            R::ForbiddenPurpose,
        ),
        (
            "fraud control",
            PRISON,
            |m| m["envelope"]["purpose"] = json!("BENEFIT_FRAUD_CONTROL"),
            R::ForbiddenPurpose,
        ),
        (
            "body carries more than declared",
            PRISON,
            |m| m["envelope"]["data_categories"] = json!(["SENTENCE_RELEASE"]),
            R::CategoriesUndeclared,
        ),
        (
            "no recipients",
            PRISON,
            |m| m["envelope"]["recipients"] = json!([]),
            R::SchemaViolation,
        ),
        (
            "unknown recipient",
            PRISON,
            |m| m["envelope"]["recipients"] = json!(["dk-ukendt"]),
            R::UnknownRecipient,
        ),
        (
            "to itself",
            PRISON,
            |m| m["envelope"]["recipients"] = json!([PRISON]),
            R::NotPermittedForRole,
        ),
        (
            "to the contact point",
            PRISON,
            |m| m["envelope"]["recipients"] = json!([NCP]),
            R::NotPermittedForRole,
        ),
        (
            "no statute to police",
            PRISON,
            |m| m["envelope"]["recipients"] = json!([POLICE]),
            R::NotPermittedForRole,
        ),
        (
            "other jurisdiction",
            PRISON,
            |m| m["envelope"]["recipients"] = json!([OSLO]),
            R::NoGateway,
        ),
        (
            "wrong purpose for statute",
            PRISON,
            |m| m["envelope"]["purpose"] = json!("CASE_COORDINATION"),
            R::NoGateway,
        ),
        (
            "category not covered",
            PRISON,
            |m| {
                m["envelope"]["data_categories"] =
                    json!(["SENTENCE_RELEASE", "ECONOMY_BENEFITS", "HEALTH_SUBSTANCE"])
            },
            R::CategoryNotCovered,
        ),
        (
            "cites an unknown statute",
            PRISON,
            |m| m["envelope"]["gateway"] = json!("STATUTE:DK-NOTHING"),
            R::NoGateway,
        ),
        (
            "cites a consent the hub does not hold",
            PRISON,
            |m| m["envelope"]["gateway"] = json!("CONSENT:0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11@1"),
            R::ConsentNotInForce,
        ),
    ];
    for (what, authenticated, mutate, reason) in rows {
        let mut json = release_notice();
        mutate(&mut json);
        let decision = decide(
            &World::stateless(&directory(), &policy(), now()),
            &id(authenticated),
            &message(&json),
        );
        match decision {
            Decision::Reject { reason: got, .. } => assert_eq!(got, *reason, "{what}"),
            Decision::Route { .. } => panic!("{what}: delivered, but must be refused"),
        }
    }
}

#[test]
fn a_refused_recipient_does_not_stop_the_others() {
    let mut json = release_notice();
    json["envelope"]["recipients"] = json!([MUNI, "dk-ukendt", OSLO, JOB]);
    let decision = decide(
        &World::stateless(&directory(), &policy(), now()),
        &id(PRISON),
        &message(&json),
    );
    assert_eq!(delivered(&decision), [MUNI, JOB]);
    assert_eq!(
        refused(&decision),
        [("dk-ukendt", R::UnknownRecipient), (OSLO, R::NoGateway)]
    );
}

#[test]
fn without_any_statute_everything_is_refused() {
    let decision = decide(
        &World::stateless(&directory(), &Policy::default(), now()),
        &id(PRISON),
        &message(&release_notice()),
    );
    assert_eq!(delivered(&decision), Vec::<&str>::new());
    assert_eq!(
        refused(&decision),
        [(MUNI, R::NoGateway), (JOB, R::NoGateway)]
    );
}

#[test]
fn every_example_from_an_agency_is_refused_without_a_gateway() {
    // Default deny across the whole catalogue: with no statutes, no example reaches anyone.
    let examples = [
        include_str!("../../../schemas/examples/HandoverRequest.json"),
        include_str!("../../../schemas/examples/HandoverResponse.json"),
        include_str!("../../../schemas/examples/InformationRequest.json"),
        include_str!("../../../schemas/examples/InformationResponse.json"),
        include_str!("../../../schemas/examples/RiskNeedSummary.json"),
        include_str!("../../../schemas/examples/OutcomeReport.json"),
        include_str!("../../../schemas/examples/CaseClosed.json"),
    ];
    for text in examples {
        let msg = message(&serde_json::from_str(text).unwrap());
        let sender = msg.envelope.sender.clone();
        let decision = decide(
            &World::stateless(&directory(), &Policy::default(), now()),
            &sender,
            &msg,
        );
        assert!(
            matches!(decision, Decision::Reject { .. }),
            "{} was delivered without a gateway",
            msg.envelope.message_type
        );
    }
}
