//! Throughput of the consent engine on one core: a realistic Danish consent record with 20
//! provisions three levels deep, and a mix of eight flows between the programme's agencies.
//!
//! Run with `cargo run --release -p hub-core --example consent_bench`. The target is at least
//! 1,000,000 decisions per second.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use hub_core::Agency;
use hub_core::consent::{ConsentInForce, Flow, HardRules, Verdict, Withdrawal, evaluate};
use schemas::messages::{
    ConsentRecord, ConsentStatus, Grantor, GrantorRole, Period, Provision, RecipientSelector,
    SigningMethod, WithdrawalScope,
};
use schemas::{
    AgencyId, AgencyRole, DataCategory::*, Jurisdiction, MessageType, Pseudonym, Purpose,
};

const KBH: &str = "dk-kobenhavn-kommune";
const AARHUS: &str = "dk-aarhus-kommune";
const POLICE: &str = "dk-politi-kbh";
const PROTECTION: &str = "dk-politi-beskyttelse";
const PRISON: &str = "dk-kriminalforsorgen";
const JOBS: &str = "dk-jobcenter-kbh";
const CONTACT_POINT: &str = "dk-exit-kontaktpunkt";

/// How long to measure.
const RUN_FOR: Duration = Duration::from_secs(2);
/// Rounds of the whole flow mix between two looks at the clock.
const ROUNDS_PER_BATCH: u64 = 10_000;

fn id(s: &str) -> AgencyId {
    AgencyId::try_from(s).expect("fixture agency ids are valid")
}

fn agency(s: &str, role: AgencyRole) -> Agency {
    Agency {
        id: id(s),
        role,
        jurisdiction: Jurisdiction::DK,
        name: s.to_owned(),
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("fixture dates are valid")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("fixture times are valid")
}

/// A provision: who, which categories, purposes, message types, when, and its children.
fn node(
    recipients: &[RecipientSelector],
    categories: &[schemas::DataCategory],
    purposes: &[Purpose],
    message_types: &[MessageType],
    period: Option<(&str, &str)>,
    children: Vec<Provision>,
) -> Provision {
    Provision {
        senders: Vec::new(),
        recipients: recipients.to_vec(),
        categories: categories.to_vec(),
        purposes: purposes.to_vec(),
        message_types: message_types.to_vec(),
        period: period.map(|(start, end)| Period {
            start: day(start),
            end: day(end),
        }),
        children,
    }
}

fn role(r: AgencyRole) -> RecipientSelector {
    RecipientSelector::Role(r)
}

fn one(s: &str) -> RecipientSelector {
    RecipientSelector::Agency(id(s))
}

/// Twenty provisions, three levels: depth 1 allows, depth 2 carves out, depth 3 allows back.
fn provisions() -> Vec<Provision> {
    use AgencyRole::*;
    use MessageType::*;
    use Purpose::*;
    vec![
        // 1-7: release and reintegration between municipality and prison service.
        node(
            &[role(Municipality), role(PrisonProbation)],
            &[
                SentenceRelease,
                CaseStatus,
                RiskNeed,
                EconomyBenefits,
                EducationEmployment,
            ],
            &[ReleaseCoordination, ReintegrationPlanning, CaseCoordination],
            &[],
            None,
            vec![
                node(
                    &[role(Municipality)],
                    &[RiskNeed],
                    &[],
                    &[HandoverRequest, RiskNeedSummary],
                    None,
                    vec![
                        node(&[one(KBH)], &[], &[], &[], None, vec![]),
                        node(
                            &[one(AARHUS)],
                            &[],
                            &[],
                            &[],
                            Some(("2026-03-01", "2026-09-30")),
                            vec![],
                        ),
                    ],
                ),
                node(
                    &[role(PrisonProbation)],
                    &[EconomyBenefits],
                    &[],
                    &[],
                    None,
                    vec![node(
                        &[],
                        &[],
                        &[ReleaseCoordination],
                        &[ReleaseNotice],
                        None,
                        vec![],
                    )],
                ),
                node(
                    &[],
                    &[EducationEmployment],
                    &[CaseCoordination],
                    &[],
                    None,
                    vec![],
                ),
            ],
        ),
        // 8-11: the employment service.
        node(
            &[role(Employment)],
            &[
                EducationEmployment,
                EconomyBenefits,
                SentenceRelease,
                Identity,
                Contact,
            ],
            &[ReintegrationPlanning],
            &[],
            None,
            vec![
                node(
                    &[],
                    &[SentenceRelease],
                    &[],
                    &[InformationResponse, ReleaseNotice],
                    None,
                    vec![node(&[one(JOBS)], &[], &[], &[ReleaseNotice], None, vec![])],
                ),
                node(
                    &[],
                    &[Contact],
                    &[],
                    &[],
                    Some(("2026-10-01", "2026-12-31")),
                    vec![],
                ),
            ],
        ),
        // 12-15: the police, for release coordination and relocation safety.
        node(
            &[role(Police)],
            &[
                SentenceRelease,
                Identity,
                Contact,
                ProtectedLocation,
                CaseStatus,
            ],
            &[ReleaseCoordination, RelocationSafety],
            &[],
            None,
            vec![
                node(
                    &[one(POLICE)],
                    &[ProtectedLocation],
                    &[],
                    &[],
                    None,
                    vec![node(&[], &[], &[], &[RelocationConfirmed], None, vec![])],
                ),
                node(&[], &[Identity], &[ReleaseCoordination], &[], None, vec![]),
            ],
        ),
        // 16-18: outcome statistics to the national contact point.
        node(
            &[role(NationalContactPoint)],
            &[Outcome, CaseStatus],
            &[OutcomeStatistics],
            &[OutcomeReport, CaseClosed],
            None,
            vec![node(
                &[],
                &[CaseStatus],
                &[],
                &[CaseClosed],
                None,
                vec![node(
                    &[],
                    &[],
                    &[],
                    &[],
                    Some(("2026-01-01", "2026-06-30")),
                    vec![],
                )],
            )],
        ),
        // 19-20: the relocation between the two municipalities.
        node(
            &[one(KBH), one(AARHUS)],
            &[ProtectedLocation, Contact, Identity, CaseStatus],
            &[RelocationSafety],
            &[RelocationRequest, RelocationConfirmed],
            None,
            vec![node(
                &[one(KBH)],
                &[ProtectedLocation],
                &[],
                &[],
                Some(("2026-05-01", "2026-12-31")),
                vec![],
            )],
        ),
    ]
}

fn count(nodes: &[Provision]) -> usize {
    nodes.iter().map(|n| 1 + count(&n.children)).sum()
}

fn depth(nodes: &[Provision]) -> usize {
    nodes
        .iter()
        .map(|n| 1 + depth(&n.children))
        .max()
        .unwrap_or(0)
}

fn consent() -> ConsentInForce {
    ConsentInForce {
        record: ConsentRecord {
            consent_id: uuid::Uuid::from_u128(0x0192f0c1_7d3e_7a10_9b7e_2f6c1d0e4a11),
            version: 2,
            supersedes: Some(1),
            subject: Pseudonym::try_from("ps-7f3a9c2e11b4d805").expect("valid pseudonym"),
            jurisdiction: Jurisdiction::DK,
            programme: "Exit København".parse().expect("valid programme"),
            grantors: vec![Grantor {
                role: GrantorRole::Person,
                signed_at: at("2026-01-05T13:05:00Z"),
                method: SigningMethod::Mitid,
            }],
            subject_adult_on: None,
            custodian: id(KBH),
            evidence_hash: "9f2c4b1e7a3d5f60c8e2b4a6d1f3e5c7a9b0d2f4e6a8c0b1d3f5e7a9c2b4d6f8"
                .to_owned(),
            period: Period {
                start: day("2026-01-05"),
                end: day("2027-01-04"),
            },
            status: ConsentStatus::Active,
            provisions: provisions(),
        },
        superseded: false,
        // The person stopped disclosures to one agency earlier; every flow checks it.
        withdrawals: vec![Withdrawal {
            at: at("2026-04-01T09:00:00Z"),
            scope: WithdrawalScope::Recipients(vec![id("dk-odense-kommune")]),
            through_version: 1,
        }],
    }
}

/// One flow of the mix, owning what a [`Flow`] borrows.
struct Case {
    name: &'static str,
    from: usize,
    to: usize,
    message_type: MessageType,
    purpose: Purpose,
    mandatory: BTreeSet<schemas::DataCategory>,
    optional: BTreeSet<schemas::DataCategory>,
}

fn case(
    name: &'static str,
    (from, to): (usize, usize),
    message_type: MessageType,
    purpose: Purpose,
    mandatory: &[schemas::DataCategory],
    optional: &[schemas::DataCategory],
) -> Case {
    Case {
        name,
        from,
        to,
        message_type,
        purpose,
        mandatory: mandatory.iter().copied().collect(),
        optional: optional.iter().copied().collect(),
    }
}

fn main() {
    use MessageType::*;
    use Purpose::*;
    let agencies = [
        agency(KBH, AgencyRole::Municipality),                   // 0
        agency(AARHUS, AgencyRole::Municipality),                // 1
        agency(POLICE, AgencyRole::Police),                      // 2
        agency(PROTECTION, AgencyRole::Police),                  // 3
        agency(PRISON, AgencyRole::PrisonProbation),             // 4
        agency(JOBS, AgencyRole::Employment),                    // 5
        agency(CONTACT_POINT, AgencyRole::NationalContactPoint), // 6
    ];
    let rules = HardRules {
        protected_location_allow: BTreeSet::from([id(PROTECTION)]),
    };
    let consent = consent();
    let cases = [
        case(
            "release notice to the municipality",
            (4, 0),
            ReleaseNotice,
            ReleaseCoordination,
            &[SentenceRelease],
            &[EconomyBenefits, Contact],
        ),
        case(
            "release notice to the job centre",
            (4, 5),
            ReleaseNotice,
            ReintegrationPlanning,
            &[SentenceRelease],
            &[EconomyBenefits],
        ),
        case(
            "handover between municipalities",
            (0, 1),
            HandoverRequest,
            CaseCoordination,
            &[CaseStatus, Identity],
            &[RiskNeed, HealthSubstance],
        ),
        case(
            "risk/need summary to the municipality",
            (4, 0),
            RiskNeedSummary,
            ReintegrationPlanning,
            &[RiskNeed],
            &[],
        ),
        case(
            "relocation request",
            (0, 1),
            RelocationRequest,
            RelocationSafety,
            &[ProtectedLocation, CaseStatus],
            &[Contact],
        ),
        case(
            "relocation confirmed to the police",
            (1, 2),
            RelocationConfirmed,
            RelocationSafety,
            &[CaseStatus],
            &[ProtectedLocation, Identity],
        ),
        case(
            "outcome report to the contact point",
            (0, 6),
            OutcomeReport,
            OutcomeStatistics,
            &[Outcome, CaseStatus],
            &[Identity],
        ),
        case(
            "benefit-fraud question",
            (2, 5),
            InformationResponse,
            BenefitFraudControl,
            &[EconomyBenefits],
            &[],
        ),
    ];
    let now = at("2026-06-15T10:30:00Z");
    let today = day("2026-06-15");
    let flows: Vec<Flow<'_>> = cases
        .iter()
        .map(|c| Flow {
            sender: &agencies[c.from],
            recipient: &agencies[c.to],
            message_type: c.message_type,
            purpose: c.purpose,
            mandatory: &c.mandatory,
            optional: &c.optional,
            now,
            today,
        })
        .collect();

    println!(
        "record: {} provisions, {} levels deep; {} flows in the mix",
        count(&consent.record.provisions),
        depth(&consent.record.provisions),
        flows.len()
    );
    for (c, flow) in cases.iter().zip(&flows) {
        let verdict = match evaluate(&rules, &consent, flow) {
            Verdict::Allow {
                categories,
                removed,
            } => {
                format!("allow {categories:?}, removed {removed:?}")
            }
            Verdict::Deny(code) => format!("deny {code}"),
        };
        println!("  {:<40} {verdict}", c.name);
    }

    let (mut decisions, mut allowed) = (0u64, 0u64);
    let started = Instant::now();
    while started.elapsed() < RUN_FOR {
        for _ in 0..ROUNDS_PER_BATCH {
            for flow in &flows {
                let verdict = evaluate(black_box(&rules), black_box(&consent), black_box(flow));
                allowed += u64::from(matches!(black_box(verdict), Verdict::Allow { .. }));
            }
        }
        decisions += ROUNDS_PER_BATCH * flows.len() as u64;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let per_second = decisions as f64 / elapsed;
    println!(
        "{decisions} decisions ({allowed} allowed) in {elapsed:.2} s: {per_second:.0} decisions/s, \
         {:.0} ns each",
        1e9 / per_second
    );
}
