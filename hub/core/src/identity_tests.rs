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

mod links {
    use std::collections::BTreeSet;

    use schemas::{Message, Pseudonym, ReasonCode as R};
    use serde_json::{Value, json};

    use super::{JOBCENTER, KOMMUNE, PRISON, directory, id, policy};
    use crate::cases::Case;
    use crate::consent::ConsentInForce;
    use crate::routing::LinkState;
    use crate::{Decision, Effect, World, decide};

    const OLD: &str = "ps-7f3a9c2e11b4d805";
    const NEW: &str = "ps-4c1e9a7b3d5f2e80";
    const CASE: &str = "KBH-2026-0142";

    fn pseudonym(s: &str) -> Pseudonym {
        Pseudonym::try_from(s).unwrap()
    }

    fn link(edit: impl FnOnce(&mut Value)) -> Message {
        let path = format!(
            "{}/../../schemas/examples/PersonLinked.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut m: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        edit(&mut m);
        schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap()
    }

    /// The municipality's case about OLD, with the prison taking part.
    fn case(subject: &str) -> Case {
        Case::open(
            schemas::CaseId::try_from(CASE).unwrap(),
            pseudonym(subject),
            id(KOMMUNE),
        )
        .with_participants([&id(PRISON)])
    }

    fn decide_link(
        sender: &str,
        message: &Message,
        case: Option<&Case>,
        same_person: &BTreeSet<Pseudonym>,
        link: LinkState,
    ) -> Decision {
        decide_link_with(sender, message, case, same_person, link, &[])
    }

    /// A consent record about OLD, kept by `custodian`.
    fn consent_kept_by(custodian: &str) -> ConsentInForce {
        let path = format!(
            "{}/../../schemas/examples/ConsentGranted.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let m: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut record: schemas::messages::ConsentRecord =
            serde_json::from_value(m["body"]["consent"].clone()).unwrap();
        record.subject = pseudonym(OLD);
        record.custodian = id(custodian);
        ConsentInForce {
            record,
            superseded: false,
            withdrawals: Vec::new(),
        }
    }

    fn decide_link_with(
        sender: &str,
        message: &Message,
        case: Option<&Case>,
        same_person: &BTreeSet<Pseudonym>,
        link: LinkState,
        consents: &[ConsentInForce],
    ) -> Decision {
        let (directory, policy) = (directory(), policy());
        let mut message = message.clone();
        message.envelope.sender = id(sender);
        let message = &message;
        let world = World {
            case,
            same_person,
            link,
            consents,
            ..World::stateless(&directory, &policy, "2026-11-22T10:00:00Z".parse().unwrap())
        };
        decide(&world, &id(sender), message)
    }

    #[test]
    fn the_owner_or_the_consents_custodian_links_the_new_pseudonym() {
        let case = case(OLD);
        let none = BTreeSet::new();
        // The municipality owns the case; the prison takes part and keeps a consent about
        // the person.
        let kept_by_prison = [consent_kept_by(PRISON)];
        for sender in [KOMMUNE, PRISON] {
            let decision = decide_link_with(
                sender,
                &link(|_| {}),
                Some(&case),
                &none,
                LinkState::default(),
                &kept_by_prison,
            );
            let Decision::Route {
                deliveries,
                effects,
                ..
            } = &decision
            else {
                panic!("{sender}: refused {decision:?}")
            };
            assert!(deliveries.is_empty(), "a link goes to nobody but the hub");
            assert_eq!(
                effects,
                &[Effect::LinkPersons {
                    previous: pseudonym(OLD),
                    current: pseudonym(NEW),
                    by: id(sender),
                    reason: schemas::messages::LinkReason::NumberChanged,
                }]
            );
        }
        // A participant that neither owns the case nor keeps a consent about the person may
        // not: a link lets the case and the consent follow.
        let plain = decide_link(
            PRISON,
            &link(|_| {}),
            Some(&case),
            &none,
            LinkState::default(),
        );
        assert!(
            matches!(
                plain,
                Decision::Reject {
                    reason: R::NotCaseOwner,
                    ..
                }
            ),
            "{plain:?}"
        );
        // The same link again (another agency of the case sent it first) changes nothing.
        let again = decide_link(
            KOMMUNE,
            &link(|_| {}),
            Some(&case),
            &none,
            LinkState {
                current_in_use: true,
                previous_linked: true,
                recorded: true,
            },
        );
        assert!(
            matches!(&again, Decision::Route { effects, deliveries, .. } if effects.is_empty() && deliveries.is_empty()),
            "{again:?}"
        );
        // A case about an earlier pseudonym of the same person counts too.
        let earlier = self::case("ps-0000000000000001");
        let group = BTreeSet::from([pseudonym("ps-0000000000000001"), pseudonym(OLD)]);
        let decision = decide_link(
            KOMMUNE,
            &link(|_| {}),
            Some(&earlier),
            &group,
            LinkState::default(),
        );
        assert!(matches!(decision, Decision::Route { .. }), "{decision:?}");
    }

    #[test]
    fn nobody_links_a_person_it_holds_no_case_about_or_merges_two_people() {
        let about_old = case(OLD);
        let none = BTreeSet::new();
        let fresh = LinkState::default();
        type Row = (
            &'static str,
            &'static str,
            Message,
            Option<Case>,
            LinkState,
            R,
        );
        let rows: Vec<Row> = vec![
            (
                "an agency outside the case",
                JOBCENTER,
                link(|_| {}),
                Some(about_old.clone()),
                fresh,
                R::NotParticipant,
            ),
            (
                "a case the hub does not know",
                KOMMUNE,
                link(|_| {}),
                None,
                fresh,
                R::NotParticipant,
            ),
            (
                "a case about another person",
                KOMMUNE,
                link(|_| {}),
                Some(case("ps-0000000000000009")),
                fresh,
                R::SubjectMismatch,
            ),
            (
                "a new pseudonym the hub knows already (two people merged)",
                KOMMUNE,
                link(|_| {}),
                Some(about_old.clone()),
                LinkState {
                    current_in_use: true,
                    previous_linked: false,
                    recorded: false,
                },
                R::LinkConflict,
            ),
            (
                "a previous pseudonym linked to another already",
                KOMMUNE,
                link(|_| {}),
                Some(about_old.clone()),
                LinkState {
                    current_in_use: false,
                    previous_linked: true,
                    recorded: false,
                },
                R::LinkConflict,
            ),
            (
                "the same pseudonym twice",
                KOMMUNE,
                link(|m| m["body"]["previous"] = json!(NEW)),
                Some(about_old.clone()),
                fresh,
                R::SchemaViolation,
            ),
            (
                "no case named",
                KOMMUNE,
                link(|m| {
                    m["envelope"].as_object_mut().unwrap().remove("case_id");
                }),
                Some(about_old.clone()),
                fresh,
                R::SchemaViolation,
            ),
            (
                "addressed to an agency",
                KOMMUNE,
                link(|m| m["envelope"]["recipients"] = json!([PRISON])),
                Some(about_old.clone()),
                fresh,
                R::SchemaViolation,
            ),
        ];
        for (what, sender, message, case, state, expected) in rows {
            match decide_link(sender, &message, case.as_ref(), &none, state) {
                Decision::Reject { reason, .. } => assert_eq!(reason, expected, "{what}"),
                other => panic!("{what}: routed {other:?}"),
            }
        }
    }

    #[test]
    fn messages_about_the_new_pseudonym_belong_to_the_old_ones_case() {
        let case = case(OLD);
        let group = BTreeSet::from([pseudonym(OLD), pseudonym(NEW)]);
        let path = format!(
            "{}/../../schemas/examples/RiskNeedSummary.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut m: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        m["envelope"]["case_id"] = json!(CASE);
        m["envelope"]["subject"] = json!(NEW);
        m["envelope"]["sender"] = json!(PRISON);
        m["envelope"]["recipients"] = json!([KOMMUNE]);
        let message: Message = schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap();
        let unlinked = decide_link(
            PRISON,
            &message,
            Some(&case),
            &BTreeSet::new(),
            LinkState::default(),
        );
        assert!(
            matches!(
                unlinked,
                Decision::Reject {
                    reason: R::SubjectMismatch,
                    ..
                }
            ),
            "{unlinked:?}"
        );
        let linked = decide_link(PRISON, &message, Some(&case), &group, LinkState::default());
        assert!(
            !matches!(
                linked,
                Decision::Reject {
                    reason: R::SubjectMismatch,
                    ..
                }
            ),
            "the linked pseudonym names the case's person: {linked:?}"
        );
    }
}

/// Only the hub says what it withheld from a recipient: a sender that sets
/// `envelope.withheld` is refused, so it cannot make a recipient believe something was held
/// back (or hide that nothing was).
#[test]
fn a_sender_cannot_say_what_the_hub_withheld() {
    let mut message = notice(&[copy(KOMMUNE, "k-kbh")]);
    message.envelope.withheld = vec![DataCategory::Identity];
    match decide_on(&message) {
        Decision::Reject { reason, detail, .. } => {
            assert_eq!(reason, R::SchemaViolation);
            assert!(detail.contains("envelope.withheld"), "{detail}");
        }
        other => panic!("not refused: {other:?}"),
    }
}
