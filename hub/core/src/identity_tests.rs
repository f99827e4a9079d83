//! The person's identity as a sealed field in the routing decision: who may hold a copy,
//! and what each recipient is sent when its gateway does or does not cover IDENTITY.

use std::collections::{BTreeMap, BTreeSet};

use schemas::ReasonCode as R;
use schemas::{AgencyRole, DataCategory, Jurisdiction, Message, MessageType, Purpose};
use serde_json::{Value, json};

use crate::consent::HardRules;
use crate::routing::SealingKeys;
use crate::test_fixtures::{self, id};
use crate::{Decision, Directory, Policy, Statute, World, decide};

const PRISON: &str = "dk-kriminalforsorgen";
const KOMMUNE: &str = "dk-kobenhavn-kommune";
const JOBCENTER: &str = "dk-jobcenter-kobenhavn";
const POLICE: &str = "dk-kobenhavns-politi";
const NCP: &str = "dk-exit-kontaktpunkt";

fn directory() -> Directory {
    test_fixtures::directory(
        Jurisdiction::DK,
        &[
            (PRISON, AgencyRole::PrisonProbation),
            (KOMMUNE, AgencyRole::Municipality),
            (JOBCENTER, AgencyRole::Employment),
            (POLICE, AgencyRole::Police),
            (NCP, AgencyRole::NationalContactPoint),
        ],
    )
}

fn statute(name: &str, to: AgencyRole, categories: &[DataCategory]) -> Statute {
    Statute {
        id: name.into(),
        jurisdiction: Jurisdiction::DK,
        from_roles: BTreeSet::from([AgencyRole::PrisonProbation]),
        to_roles: BTreeSet::from([to]),
        message_types: BTreeSet::from([MessageType::ReleaseNotice]),
        purposes: BTreeSet::from([Purpose::ReleaseCoordination]),
        categories: categories.iter().copied().collect(),
    }
}

/// The municipality's gateway covers IDENTITY; the employment service's does not.
fn policy() -> Policy {
    use DataCategory::{EconomyBenefits, Identity, SentenceRelease};
    Policy {
        programmes: Vec::new(),
        key_announcements_per_hour: None,
        hard_rules: HardRules {
            protected_location_allow: BTreeSet::new(),
        },
        statutes: vec![
            statute(
                "DK-TEST-KOMMUNE",
                AgencyRole::Municipality,
                &[SentenceRelease, EconomyBenefits, Identity],
            ),
            statute(
                "DK-TEST-JOBCENTER",
                AgencyRole::Employment,
                &[SentenceRelease, EconomyBenefits],
            ),
        ],
    }
}

fn keys() -> SealingKeys {
    BTreeMap::from([
        (id(KOMMUNE), BTreeSet::from(["k-kbh".to_owned()])),
        (id(JOBCENTER), BTreeSet::from(["k-job".to_owned()])),
        (id(POLICE), BTreeSet::from(["k-pol".to_owned()])),
        (id(NCP), BTreeSet::from(["k-ncp".to_owned()])),
    ])
}

fn copy(recipient: &str, key_id: &str) -> Value {
    json!({"recipient": recipient, "key_id": key_id, "enc": "ZW5j", "ciphertext": "Y3Q="})
}

/// The example release notice to the municipality and the employment service, with a sealed
/// identity of these copies.
fn notice(copies: &[Value]) -> Message {
    let path = format!(
        "{}/../../schemas/examples/ReleaseNotice.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    m["envelope"].as_object_mut().unwrap().remove("gateway");
    m["envelope"]["data_categories"] = json!(["SENTENCE_RELEASE", "ECONOMY_BENEFITS", "IDENTITY"]);
    m["body"]["sealed_identity"] =
        json!({"scheme": schemas::messages::SEALING_SCHEME, "copies": copies});
    schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap()
}

fn decide_on(message: &Message) -> Decision {
    let (directory, policy, keys) = (directory(), policy(), keys());
    let world = World {
        sealing_keys: &keys,
        ..World::stateless(&directory, &policy, "2026-11-22T10:00:00Z".parse().unwrap())
    };
    decide(&world, &id(PRISON), message)
}

#[test]
fn identity_reaches_only_a_recipient_whose_gateway_covers_it_and_only_its_own_copy() {
    let message = notice(&[copy(KOMMUNE, "k-kbh"), copy(JOBCENTER, "k-job")]);
    let decision = decide_on(&message);
    let Decision::Route { deliveries, .. } = &decision else {
        panic!("refused: {decision:?}")
    };
    let of = |who: &str| {
        deliveries
            .iter()
            .find(|d| d.recipient.as_str() == who)
            .unwrap()
    };

    let kommune = of(KOMMUNE);
    assert!(kommune.categories.contains(&DataCategory::Identity));
    let body = message
        .body
        .without(&kommune.removed.iter().copied().collect())
        .for_recipient(&kommune.recipient);
    let own: Vec<&str> = body
        .sealed_identity()
        .expect("the municipality gets its copy")
        .copies
        .iter()
        .map(|c| c.recipient.as_str())
        .collect();
    assert_eq!(own, [KOMMUNE]);

    // The employment service gets the notice, without the identity, and the removal is
    // recorded for the disclosure log.
    let jobcenter = of(JOBCENTER);
    assert!(!jobcenter.categories.contains(&DataCategory::Identity));
    assert_eq!(jobcenter.removed, [DataCategory::Identity]);
    let body = message
        .body
        .without(&jobcenter.removed.iter().copied().collect())
        .for_recipient(&jobcenter.recipient);
    assert!(body.sealed_identity().is_none());
}

#[test]
fn a_recipient_the_sender_sealed_nothing_for_is_not_told_it_got_identity() {
    let message = notice(&[copy(JOBCENTER, "k-job")]);
    let Decision::Route { deliveries, .. } = decide_on(&message) else {
        panic!("refused")
    };
    let kommune = deliveries
        .iter()
        .find(|d| d.recipient.as_str() == KOMMUNE)
        .unwrap();
    assert!(!kommune.categories.contains(&DataCategory::Identity));
    assert!(
        !kommune
            .basis
            .iter()
            .any(|(c, _)| *c == DataCategory::Identity)
    );
}

#[test]
fn a_copy_for_anyone_who_may_never_hold_identity_refuses_the_message() {
    let rows: &[(&str, Vec<Value>, R)] = &[
        (
            "a copy for the contact point, which never receives IDENTITY",
            vec![copy(KOMMUNE, "k-kbh"), copy(NCP, "k-ncp")],
            R::SealedForUnentitled,
        ),
        (
            "a copy for the police, who are not a recipient",
            vec![copy(KOMMUNE, "k-kbh"), copy(POLICE, "k-pol")],
            R::SealedForUnentitled,
        ),
        (
            "a copy to a key the municipality never published",
            vec![copy(KOMMUNE, "k-forged")],
            R::SealedKeyUnknown,
        ),
        (
            "two copies for the municipality",
            vec![copy(KOMMUNE, "k-kbh"), copy(KOMMUNE, "k-kbh")],
            R::SchemaViolation,
        ),
    ];
    for (what, copies, expected) in rows {
        let mut message = notice(copies);
        if copies.iter().any(|c| c["recipient"] == NCP) {
            message.envelope.recipients.push(id(NCP));
        }
        match decide_on(&message) {
            Decision::Reject { reason, .. } => assert_eq!(reason, *expected, "{what}"),
            other => panic!("{what}: routed {other:?}"),
        }
    }
}
