//! Who may make a gateway, table by table: programmes and their custodians, one record in
//! force per person and programme, withdrawals by any agency with evidence and scoped to the
//! versions they found, several records in force combined per category, and the sender
//! dimension of provisions.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use schemas::messages::{ConsentRecord, WithdrawalScope};
use schemas::{AgencyRole, DataCategory as C, Jurisdiction, Message, ReasonCode as R};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::consent::{ConsentInForce, Withdrawal};
use crate::routing::{Effect, Programme};
use crate::test_fixtures::{self, id};
use crate::{Decision, Directory, Policy, World, decide};

const PRISON: &str = "dk-kriminalforsorgen";
const MUNI: &str = "dk-kobenhavn-kommune";
const JOB: &str = "dk-jobcenter-kobenhavn";
const POLICE: &str = "dk-kobenhavns-politi";
const EXIT: &str = "Exit København";
const PRISON_FORM: &str = "Kriminalforsorgen";

fn directory() -> Directory {
    test_fixtures::directory(
        Jurisdiction::DK,
        &[
            (PRISON, AgencyRole::PrisonProbation),
            (MUNI, AgencyRole::Municipality),
            (JOB, AgencyRole::Employment),
            (POLICE, AgencyRole::Police),
        ],
    )
}

/// No statutes: consent alone decides. Exit København is held by the municipality, the
/// prison's ordinary form by the prison.
fn policy() -> Policy {
    let programme = |name: &str, custodian: &str| Programme {
        name: name.to_owned(),
        custodians: BTreeSet::from([id(custodian)]),
    };
    Policy {
        key_announcements_per_hour: None,
        statutes: Vec::new(),
        programmes: vec![programme(EXIT, MUNI), programme(PRISON_FORM, PRISON)],
        hard_rules: Default::default(),
    }
}

fn now() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn example(name: &str) -> Value {
    let path = format!(
        "{}/../../schemas/examples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn message(json: &Value) -> Message {
    schemas::decode(&serde_json::to_vec(json).unwrap()).unwrap()
}

/// Version 1 of a record for the subject, from `custodian`, for `programme`, with these
/// provisions.
fn record(consent: u128, custodian: &str, programme: &str, provisions: Value) -> ConsentRecord {
    let mut m = example("ConsentGranted");
    let c = &mut m["body"]["consent"];
    c["consent_id"] = json!(Uuid::from_u128(consent));
    c["version"] = json!(1);
    c.as_object_mut().unwrap().remove("supersedes");
    c["custodian"] = json!(custodian);
    c["programme"] = json!(programme);
    c["provisions"] = provisions;
    let schemas::Body::ConsentGranted(g) = message(&m).body else {
        unreachable!()
    };
    g.consent
}

fn held(record: ConsentRecord) -> ConsentInForce {
    ConsentInForce {
        record,
        superseded: false,
        withdrawals: Vec::new(),
    }
}

/// A ConsentGranted message from `sender` carrying `record`.
fn granted(sender: &str, record: &ConsentRecord) -> Message {
    let mut m = example("ConsentGranted");
    m["envelope"]["sender"] = json!(sender);
    m["body"]["consent"] = serde_json::to_value(record).unwrap();
    message(&m)
}

fn withdrawn(sender: &str, consent: u128, evidence: bool, purpose: &str) -> Message {
    let mut m = example("ConsentWithdrawn");
    m["envelope"]["sender"] = json!(sender);
    m["envelope"]["purpose"] = json!(purpose);
    m["envelope"].as_object_mut().unwrap().remove("case_id");
    m["body"]["consent_id"] = json!(Uuid::from_u128(consent));
    m["body"]["withdrawn_at"] = json!("2026-11-22T09:30:00Z");
    if evidence {
        m["body"]["evidence"] = json!({
            "received_by": "jobkonsulent",
            "received_at": "2026-11-22T09:25:00Z",
            "channel": "in_person"
        });
    }
    message(&m)
}

fn decide_with(consents: &[ConsentInForce], sender: &str, m: &Message) -> Decision {
    let (directory, policy) = (directory(), policy());
    let world = World {
        consents,
        ..World::stateless(&directory, &policy, now())
    };
    decide(&world, &id(sender), m)
}

fn outcome(d: &Decision) -> Result<(), R> {
    match d {
        Decision::Route { .. } => Ok(()),
        Decision::Reject { reason, .. } => Err(*reason),
    }
}

fn everything_to_all() -> Value {
    json!([{}])
}

/// A row: name, records held, sender, the new record, expected outcome.
type GrantRow = (
    &'static str,
    Vec<ConsentInForce>,
    &'static str,
    ConsentRecord,
    Result<(), R>,
);

#[test]
fn who_may_grant() {
    let exit = |consent, custodian: &str| record(consent, custodian, EXIT, everything_to_all());
    let mut expired = held(exit(1, MUNI));
    expired.record.period.end = "2026-11-21".parse().unwrap();
    let mut withdrawn_entirely = held(exit(1, MUNI));
    withdrawn_entirely.withdrawals.push(Withdrawal {
        at: "2026-11-01T00:00:00Z".parse().unwrap(),
        scope: WithdrawalScope::Entire,
        through_version: 1,
    });
    let mut withdrawn_for_one = withdrawn_entirely.clone();
    withdrawn_for_one.withdrawals[0].scope = WithdrawalScope::Recipients(vec![id(JOB)]);
    let rows: Vec<GrantRow> = vec![
        (
            "the programme's custodian",
            vec![],
            MUNI,
            exit(2, MUNI),
            Ok(()),
        ),
        (
            "an agency naming itself custodian of a programme it does not run",
            vec![],
            JOB,
            exit(2, JOB),
            Err(R::NotProgrammeCustodian),
        ),
        (
            "a programme the hub does not know",
            vec![],
            JOB,
            record(2, JOB, "Jobcenterets samtykke", everything_to_all()),
            Err(R::UnknownProgramme),
        ),
        (
            "the prison's ordinary form from the prison",
            vec![held(exit(1, MUNI))],
            PRISON,
            record(2, PRISON, PRISON_FORM, everything_to_all()),
            Ok(()),
        ),
        (
            "a second record for the same person and programme",
            vec![held(exit(1, MUNI))],
            MUNI,
            exit(2, MUNI),
            Err(R::ConsentAlreadyInForce),
        ),
        (
            "a new record once the one in force expired",
            vec![expired],
            MUNI,
            exit(2, MUNI),
            Ok(()),
        ),
        (
            "a new record once the one in force was withdrawn entirely",
            vec![withdrawn_entirely],
            MUNI,
            exit(2, MUNI),
            Ok(()),
        ),
        (
            "a withdrawal for one recipient leaves the record in force",
            vec![withdrawn_for_one],
            MUNI,
            exit(2, MUNI),
            Err(R::ConsentAlreadyInForce),
        ),
        (
            "another agency's record naming the real custodian",
            vec![],
            JOB,
            exit(2, MUNI),
            Err(R::NotCustodian),
        ),
    ];
    let mut failures = Vec::new();
    for (name, consents, sender, new, expect) in rows {
        let got = outcome(&decide_with(&consents, sender, &granted(sender, &new)));
        if got != expect {
            failures.push(format!("{name}: expected {expect:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_new_version_moved_to_another_programme_is_refused() {
    let v1 = record(1, MUNI, EXIT, everything_to_all());
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.supersedes = Some(1);
    v2.programme = PRISON_FORM.parse().unwrap();
    let mut policy = policy();
    policy.programmes[1].custodians.insert(id(MUNI));
    let directory = directory();
    let consents = [held(v1)];
    let world = World {
        consents: &consents,
        ..World::stateless(&directory, &policy, now())
    };
    let d = decide(&world, &id(MUNI), &granted(MUNI, &v2));
    assert_eq!(outcome(&d), Err(R::InvalidConsent));
}

#[test]
fn who_may_withdraw() {
    let consents = [held(record(1, MUNI, EXIT, everything_to_all()))];
    let rows = [
        (
            "the custodian, without evidence",
            MUNI,
            false,
            "CASE_COORDINATION",
            Ok(()),
        ),
        (
            "a non-participant with evidence",
            JOB,
            true,
            "CASE_COORDINATION",
            Ok(()),
        ),
        (
            "a non-custodian without evidence",
            POLICE,
            false,
            "CASE_COORDINATION",
            Err(R::WithdrawalEvidenceMissing),
        ),
        (
            "a withdrawal declaring a forbidden purpose",
            JOB,
            true,
            "CRIMINAL_INVESTIGATION",
            Ok(()),
        ),
    ];
    for (name, sender, evidence, purpose, expect) in rows {
        let d = decide_with(&consents, sender, &withdrawn(sender, 1, evidence, purpose));
        assert_eq!(outcome(&d), expect, "{name}");
        if let Decision::Route {
            deliveries,
            effects,
            ..
        } = d
        {
            let to: Vec<&str> = deliveries.iter().map(|d| d.recipient.as_str()).collect();
            let expect_to: &[&str] = if sender == MUNI { &[] } else { &[MUNI] };
            assert_eq!(to, expect_to, "{name}: sent to the custodian at once");
            assert!(
                effects
                    .iter()
                    .all(|e| !matches!(e, Effect::RecordConsent(_))),
                "{name}: a withdrawal never makes its sender a custodian"
            );
        }
    }
}

/// A RiskNeedSummary (RISK_NEED) with an optional CASE_STATUS-free body, prison to the
/// municipality, no gateway named.
fn summary_to(recipient: &str) -> Message {
    let mut m = example("RiskNeedSummary");
    m["envelope"]["sender"] = json!(PRISON);
    m["envelope"]["recipients"] = json!([recipient]);
    m["envelope"].as_object_mut().unwrap().remove("gateway");
    message(&m)
}

fn delivery_of(d: &Decision) -> &crate::Delivery {
    match d {
        Decision::Route { deliveries, .. } => &deliveries[0],
        Decision::Reject { reason, .. } => panic!("refused: {reason}"),
    }
}

#[test]
fn a_new_version_after_a_withdrawal_is_in_force_from_its_start() {
    let v1 = record(1, MUNI, EXIT, everything_to_all());
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.supersedes = Some(1);
    let withdrawal = Withdrawal {
        at: "2026-11-01T00:00:00Z".parse().unwrap(),
        scope: WithdrawalScope::Entire,
        through_version: 1,
    };
    let consents = [
        ConsentInForce {
            superseded: true,
            withdrawals: vec![withdrawal.clone()],
            ..held(v1)
        },
        ConsentInForce {
            withdrawals: vec![withdrawal],
            ..held(v2)
        },
    ];
    let d = decide_with(&consents, PRISON, &summary_to(MUNI));
    assert_eq!(
        delivery_of(&d).gateway.as_str(),
        format!("CONSENT:{}@2", Uuid::from_u128(1))
    );
    // The same withdrawal recorded after version 2 stops it.
    let mut later = consents.clone();
    later[1].withdrawals[0].through_version = 2;
    assert_eq!(
        outcome(&decide_with(&later, PRISON, &summary_to(MUNI))),
        Err(R::ConsentWithdrawn)
    );
}

#[test]
fn several_records_in_force_combine_per_category_in_a_fixed_order() {
    // The programme form covers RISK_NEED only; the prison's form CASE_STATUS only.
    let exit = record(
        9,
        MUNI,
        EXIT,
        json!([{"recipients": [{"role": "municipality"}], "categories": ["RISK_NEED"]}]),
    );
    let prison = record(
        3,
        PRISON,
        PRISON_FORM,
        json!([{"recipients": [{"role": "municipality"}], "categories": ["CASE_STATUS"]}]),
    );
    let mut m = example("RiskNeedSummary");
    m["envelope"]["sender"] = json!(PRISON);
    m["envelope"]["recipients"] = json!([MUNI]);
    m["envelope"]["data_categories"] = json!(["RISK_NEED", "CASE_STATUS"]);
    m["envelope"].as_object_mut().unwrap().remove("gateway");
    let m = message(&m);
    for consents in [
        vec![held(exit.clone()), held(prison.clone())],
        vec![held(prison.clone()), held(exit.clone())],
    ] {
        let d = decide_with(&consents, PRISON, &m);
        let delivery = delivery_of(&d);
        let (exit_ref, prison_ref) = (
            format!("CONSENT:{}@1", Uuid::from_u128(9)),
            format!("CONSENT:{}@1", Uuid::from_u128(3)),
        );
        let basis: Vec<(C, &str)> = delivery
            .basis
            .iter()
            .map(|(c, g)| (*c, g.as_str()))
            .collect();
        assert_eq!(
            basis,
            [
                (C::RiskNeed, exit_ref.as_str()),
                (C::CaseStatus, prison_ref.as_str())
            ]
        );
        // Named in the copy: the first consent relied on, by consent id.
        assert_eq!(delivery.gateway.as_str(), prison_ref);
    }
    // Either alone does not carry the message.
    assert_eq!(
        outcome(&decide_with(&[held(exit)], PRISON, &m)),
        Err(R::CategoryNotCovered)
    );
}

#[test]
fn a_provision_naming_senders_lets_only_them_share() {
    let shared_by = |sender: &str| {
        held(record(
            1,
            MUNI,
            EXIT,
            json!([{"senders": [{"agency": sender}], "recipients": [{"role": "municipality"}]}]),
        ))
    };
    assert_eq!(
        outcome(&decide_with(
            &[shared_by(POLICE)],
            PRISON,
            &summary_to(MUNI)
        )),
        Err(R::CategoryNotCovered),
        "a consent that lets only the police share does not let the prison"
    );
    assert_eq!(
        outcome(&decide_with(
            &[shared_by(PRISON)],
            PRISON,
            &summary_to(MUNI)
        )),
        Ok(())
    );
}
