//! Relocation and sealed fields in the routing decision: who may hold a sealed copy, what
//! each recipient is sent, and how ownership moves.

use std::collections::{BTreeMap, BTreeSet};

use schemas::{AgencyRole, Body, DataCategory, Jurisdiction, Message, MessageType, Purpose};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::cases::{Case, Handover, HandoverKind, HandoverState, Stage};
use crate::consent::HardRules;
use crate::routing::SealingKeys;
use crate::test_fixtures::{self, id};
use crate::{Decision, Directory, Effect, Policy, Statute, World, decide};
use schemas::ReasonCode as R;

const OSLO: &str = "no-oslo-kommune";
const TRONDHEIM: &str = "no-trondheim-kommune";
const PROTECTION: &str = "no-politiet-beskyttelse";
const POLICE: &str = "no-oslo-politidistrikt";
const NCP: &str = "no-exit-kontaktpunkt";
const CASE: &str = "OSL-2026-0077";

fn directory() -> Directory {
    test_fixtures::directory(
        Jurisdiction::NO,
        &[
            (OSLO, AgencyRole::Municipality),
            (TRONDHEIM, AgencyRole::Municipality),
            (PROTECTION, AgencyRole::Police),
            (POLICE, AgencyRole::Police),
            (NCP, AgencyRole::NationalContactPoint),
        ],
    )
}

/// A statute standing in for a gateway: these tests are about sealing, not consent.
fn policy() -> Policy {
    Policy {
        programmes: Vec::new(),
        key_announcements_per_hour: None,
        hard_rules: HardRules {
            protected_location_allow: BTreeSet::from([id(PROTECTION)]),
        },
        statutes: vec![Statute {
            id: "NO-TEST-RELOCATION".into(),
            jurisdiction: Jurisdiction::NO,
            from_roles: BTreeSet::from([AgencyRole::Municipality]),
            to_roles: BTreeSet::from([AgencyRole::Municipality, AgencyRole::Police]),
            message_types: BTreeSet::from([
                MessageType::RelocationRequest,
                MessageType::RelocationConfirmed,
            ]),
            purposes: BTreeSet::from([Purpose::RelocationSafety]),
            categories: BTreeSet::from([
                DataCategory::RiskNeed,
                DataCategory::CaseStatus,
                DataCategory::ProtectedLocation,
            ]),
        }],
    }
}

fn keys() -> SealingKeys {
    BTreeMap::from([
        (id(TRONDHEIM), BTreeSet::from(["k-trd".to_owned()])),
        (
            id(PROTECTION),
            BTreeSet::from(["k-pol-old".to_owned(), "k-pol".to_owned()]),
        ),
        (id(OSLO), BTreeSet::from(["k-osl".to_owned()])),
        (id(POLICE), BTreeSet::from(["k-plc".to_owned()])),
    ])
}

fn copy(recipient: &str, key_id: &str) -> Value {
    json!({"recipient": recipient, "key_id": key_id, "enc": "ZW5j", "ciphertext": "Y3Q="})
}

fn sealed(copies: &[Value]) -> Value {
    json!({"scheme": schemas::messages::SEALING_SCHEME, "copies": copies})
}

fn example(name: &str) -> Value {
    let path = format!(
        "{}/../../schemas/examples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    m["envelope"].as_object_mut().unwrap().remove("gateway");
    m["envelope"]["case_id"] = json!(CASE);
    m
}

fn request(copies: &[Value]) -> Value {
    let mut m = example("RelocationRequest");
    m["body"]["sealed_destination"] = sealed(copies);
    m
}

fn confirmed(recipients: &[&str], copies: &[Value]) -> Value {
    let mut m = example("RelocationConfirmed");
    m["envelope"]["recipients"] = json!(recipients);
    m["body"]["sealed_address"] = sealed(copies);
    m
}

fn message(json: &Value) -> Message {
    schemas::decode(&serde_json::to_vec(json).unwrap()).unwrap()
}

fn relocation_id(m: &Value) -> Uuid {
    m["body"]["relocation_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Oslo owns the case; with `open`, Trondheim has a relocation request in hand.
fn state(open: bool) -> (Case, Vec<Handover>) {
    let case = Case::open(
        schemas::CaseId::try_from(CASE).unwrap(),
        schemas::Pseudonym::try_from("ps-c41d2e9a07f3b6e2").unwrap(),
        id(OSLO),
    );
    let handovers = if open {
        vec![Handover {
            id: relocation_id(&request(&[])),
            kind: HandoverKind::Relocation,
            case_id: case.id.clone(),
            from: id(OSLO),
            to: id(TRONDHEIM),
            state: HandoverState::Requested,
            gateway: schemas::GatewayRef::statute("NO-TEST-RELOCATION").unwrap(),
        }]
    } else {
        Vec::new()
    };
    (case.with_participants([&id(TRONDHEIM)]), handovers)
}

fn decide_as(sender: &str, json: &Value, open: bool) -> Decision {
    let (directory, policy, keys) = (directory(), policy(), keys());
    let (case, handovers) = state(open);
    let world = World {
        case: Some(&case),
        handovers: &handovers,
        sealing_keys: &keys,
        ..World::stateless(&directory, &policy, "2026-11-22T10:00:00Z".parse().unwrap())
    };
    decide(&world, &id(sender), &message(json))
}

fn rejected(decision: &Decision) -> Option<R> {
    match decision {
        Decision::Reject { reason, .. } => Some(*reason),
        Decision::Route { .. } => None,
    }
}

#[test]
fn a_request_sealed_to_the_destination_opens_a_relocation() {
    let decision = decide_as(OSLO, &request(&[copy(TRONDHEIM, "k-trd")]), false);
    let Decision::Route {
        deliveries,
        effects,
        ..
    } = &decision
    else {
        panic!("refused: {decision:?}")
    };
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].recipient.as_str(), TRONDHEIM);
    assert!(
        deliveries[0]
            .categories
            .contains(&DataCategory::ProtectedLocation)
    );
    let relocation = effects.iter().find_map(|e| match e {
        Effect::SaveHandover(h) => Some(h),
        _ => None,
    });
    let relocation = relocation.expect("a relocation is recorded");
    assert_eq!(relocation.kind, HandoverKind::Relocation);
    assert_eq!(relocation.state, HandoverState::Requested);
    assert_eq!(relocation.to.as_str(), TRONDHEIM);
}

#[test]
fn sealed_copies_go_only_to_entitled_recipients_of_the_message() {
    let rows: &[(&str, Vec<Value>, R)] = &[
        (
            "a copy for the police, who are not a recipient of the request",
            vec![copy(TRONDHEIM, "k-trd"), copy(PROTECTION, "k-pol")],
            R::SealedForUnentitled,
        ),
        (
            "a copy for the origin itself",
            vec![copy(TRONDHEIM, "k-trd"), copy(OSLO, "k-osl")],
            R::SealedForUnentitled,
        ),
        (
            "no copy for the destination",
            vec![copy(OSLO, "k-osl")],
            R::SealedForUnentitled,
        ),
        (
            "a key the destination never published",
            vec![copy(TRONDHEIM, "k-forged")],
            R::SealedKeyUnknown,
        ),
        (
            "two copies for the destination",
            vec![copy(TRONDHEIM, "k-trd"), copy(TRONDHEIM, "k-trd")],
            R::SchemaViolation,
        ),
    ];
    for (what, copies, reason) in rows {
        assert_eq!(
            rejected(&decide_as(OSLO, &request(copies), false)),
            Some(*reason),
            "{what}"
        );
    }
    let mut other_scheme = request(&[copy(TRONDHEIM, "k-trd")]);
    other_scheme["body"]["sealed_destination"]["scheme"] = json!("RSA-PKCS1");
    assert_eq!(
        rejected(&decide_as(OSLO, &other_scheme, false)),
        Some(R::SealedKeyUnknown)
    );
}

#[test]
fn a_sealed_field_without_copies_does_not_decode() {
    let mut m = request(&[copy(TRONDHEIM, "k-trd")]);
    m["body"]["sealed_destination"]["copies"] = json!([]);
    let err = schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap_err();
    assert_eq!(err.reason(), R::SchemaViolation);
    assert!(
        err.to_string().contains("body.sealed_destination.copies"),
        "{err}"
    );
}

#[test]
fn the_confirmation_moves_ownership_and_only_the_protection_unit_gets_the_address() {
    let m = confirmed(&[OSLO, PROTECTION], &[copy(PROTECTION, "k-pol-old")]);
    let decision = decide_as(TRONDHEIM, &m, true);
    let Decision::Route {
        deliveries,
        effects,
        ..
    } = &decision
    else {
        panic!("refused: {decision:?}")
    };
    let to = |who: &str| {
        deliveries
            .iter()
            .find(|d| d.recipient.as_str() == who)
            .unwrap()
    };
    assert!(
        !to(OSLO)
            .categories
            .contains(&DataCategory::ProtectedLocation)
            && to(OSLO).removed.contains(&DataCategory::ProtectedLocation),
        "the origin is told of the move, without the address"
    );
    assert!(
        to(PROTECTION)
            .categories
            .contains(&DataCategory::ProtectedLocation)
    );
    let case = effects.iter().find_map(|e| match e {
        Effect::SaveCase(c) => Some(c),
        _ => None,
    });
    let case = case.expect("the case changes hands");
    assert_eq!(case.owner.as_str(), TRONDHEIM);
    assert_eq!(case.stage, Stage::Active);
    assert!(case.participants.contains(&id(PROTECTION)));

    // What each recipient is sent: the origin no address at all, the unit its own copy.
    let body = message(&m).body;
    let removed = to(OSLO).removed.iter().copied().collect();
    let Body::RelocationConfirmed(for_oslo) = body.without(&removed).for_recipient(&id(OSLO))
    else {
        unreachable!()
    };
    assert_eq!(for_oslo.sealed_address, None);
    let Body::RelocationConfirmed(for_unit) = body.for_recipient(&id(PROTECTION)) else {
        unreachable!()
    };
    assert_eq!(for_unit.sealed_address.unwrap().copies.len(), 1);
}

#[test]
fn a_confirmation_sealed_to_the_origin_or_an_ordinary_police_district_is_refused() {
    for (recipients, copies) in [
        (
            vec![OSLO, PROTECTION],
            vec![copy(PROTECTION, "k-pol"), copy(OSLO, "k-osl")],
        ),
        (vec![OSLO, POLICE], vec![copy(POLICE, "k-plc")]),
    ] {
        assert_eq!(
            rejected(&decide_as(
                TRONDHEIM,
                &confirmed(&recipients, &copies),
                true
            )),
            Some(R::SealedForUnentitled),
            "{recipients:?}"
        );
    }
}

#[test]
fn only_the_destination_confirms_and_becomes_the_owner() {
    let m = confirmed(&[OSLO, PROTECTION], &[copy(PROTECTION, "k-pol")]);
    // Nothing to confirm before a request.
    assert_eq!(
        rejected(&decide_as(TRONDHEIM, &m, false)),
        Some(R::UnknownHandover)
    );
    let mut other_owner = m.clone();
    other_owner["body"]["new_owner"] = json!(OSLO);
    assert_eq!(
        rejected(&decide_as(TRONDHEIM, &other_owner, true)),
        Some(R::InvalidTransition)
    );
    let mut by_oslo = confirmed(&[TRONDHEIM, PROTECTION], &[copy(PROTECTION, "k-pol")]);
    by_oslo["envelope"]["sender"] = json!(OSLO);
    by_oslo["body"]["new_owner"] = json!(OSLO);
    assert_eq!(
        rejected(&decide_as(OSLO, &by_oslo, true)),
        Some(R::NotAddressedRecipient)
    );
}

#[test]
fn a_published_key_is_recorded_only_when_its_id_is_derived_from_it() {
    let key = seal::generate();
    let mut m: Value =
        serde_json::from_str(include_str!("../../../schemas/examples/KeyPublished.json")).unwrap();
    m["envelope"]["sender"] = json!(NCP);
    m["body"]["key_id"] = json!(key.key_id);
    m["body"]["public_key"] = json!(key.public_key);
    let decision = decide_as(NCP, &m, false);
    assert!(
        matches!(&decision, Decision::Route { effects, .. } if matches!(effects.as_slice(), [Effect::RecordKey { agency, key_id, .. }] if agency.as_str() == NCP && *key_id == key.key_id)),
        "{decision:?}"
    );
    m["body"]["key_id"] = json!("k-0123456789abcdef0123456789abcdef");
    assert_eq!(rejected(&decide_as(NCP, &m, false)), Some(R::InvalidKey));
}
