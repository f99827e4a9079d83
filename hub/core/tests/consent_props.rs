//! Property tests of the consent engine: random provision trees (depth at most 3), records
//! and flows, checked against invariants that must hold whatever the record says, and the
//! provision tree checked against a naive per-category reference.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use hub_core::Agency;
use hub_core::consent::{ConsentInForce, Flow, HardRules, Verdict, Withdrawal, evaluate};
use proptest::prelude::*;
use proptest::sample::select;
use schemas::messages::{
    ConsentRecord, ConsentStatus, Grantor, GrantorRole, Period, Provision, RecipientSelector,
    SigningMethod, WithdrawalScope,
};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Pseudonym, Purpose};

const CATEGORIES: [DataCategory; 11] = [
    DataCategory::Identity,
    DataCategory::Contact,
    DataCategory::ProtectedLocation,
    DataCategory::SentenceRelease,
    DataCategory::CriminalHistory,
    DataCategory::RiskNeed,
    DataCategory::HealthSubstance,
    DataCategory::EconomyBenefits,
    DataCategory::EducationEmployment,
    DataCategory::CaseStatus,
    DataCategory::Outcome,
];

const PURPOSES: [Purpose; 7] = [
    Purpose::ReintegrationPlanning,
    Purpose::ReleaseCoordination,
    Purpose::RelocationSafety,
    Purpose::CaseCoordination,
    Purpose::OutcomeStatistics,
    Purpose::CriminalInvestigation,
    Purpose::BenefitFraudControl,
];

const MESSAGE_TYPES: [MessageType; 5] = [
    MessageType::ReleaseNotice,
    MessageType::HandoverRequest,
    MessageType::RelocationRequest,
    MessageType::InformationResponse,
    MessageType::OutcomeReport,
];

const ROLES: [AgencyRole; 5] = [
    AgencyRole::Municipality,
    AgencyRole::Police,
    AgencyRole::PrisonProbation,
    AgencyRole::Employment,
    AgencyRole::NationalContactPoint,
];

const AGENCIES: [(&str, AgencyRole); 7] = [
    ("dk-kobenhavn-kommune", AgencyRole::Municipality),
    ("dk-aarhus-kommune", AgencyRole::Municipality),
    ("dk-politi-kbh", AgencyRole::Police),
    ("dk-politi-beskyttelse", AgencyRole::Police),
    ("dk-kriminalforsorgen", AgencyRole::PrisonProbation),
    ("dk-jobcenter-kbh", AgencyRole::Employment),
    ("dk-exit-kontaktpunkt", AgencyRole::NationalContactPoint),
];

/// The only agency on the PROTECTED_LOCATION allow-list.
const PROTECTION_UNIT: &str = "dk-politi-beskyttelse";

const NEVER_TO_CONTACT_POINT: [DataCategory; 3] = [
    DataCategory::Identity,
    DataCategory::Contact,
    DataCategory::ProtectedLocation,
];

fn id(s: &str) -> AgencyId {
    AgencyId::try_from(s).unwrap()
}

fn agency(index: usize) -> Agency {
    let (name, role) = AGENCIES[index];
    Agency {
        id: id(name),
        role,
        jurisdiction: Jurisdiction::DK,
        name: name.to_owned(),
    }
}

/// The consent period: 2026.
fn period_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

fn period_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

fn offset(days: i64) -> NaiveDate {
    let start = period_start();
    if days >= 0 {
        start + Days::new(days.unsigned_abs())
    } else {
        start - Days::new(days.unsigned_abs())
    }
}

fn selector() -> impl Strategy<Value = RecipientSelector> {
    prop_oneof![
        select(&ROLES[..]).prop_map(RecipientSelector::Role),
        (0..AGENCIES.len()).prop_map(|i| RecipientSelector::Agency(id(AGENCIES[i].0))),
    ]
}

/// A period inside or around 2026.
fn provision_period() -> impl Strategy<Value = Option<Period>> {
    prop_oneof![
        3 => Just(None),
        1 => (-30i64..380, 0i64..200).prop_map(|(start, len)| Some(Period {
            start: offset(start),
            end: offset(start + len),
        })),
    ]
}

/// A dimension of a provision: empty (matches anything) more often than not, so that
/// random trees match flows at every depth.
fn dimension<T: Clone + std::fmt::Debug>(
    values: impl Strategy<Value = T>,
) -> impl Strategy<Value = Vec<T>> {
    prop_oneof![
        3 => Just(Vec::new()),
        2 => prop::collection::vec(values, 1..4),
    ]
}

/// A provision with children down to `levels` levels (1: a leaf).
fn provision(levels: u32) -> BoxedStrategy<Provision> {
    let children = if levels <= 1 {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec(provision(levels - 1), 0..3).boxed()
    };
    (
        (dimension(selector()), dimension(selector())),
        dimension(select(&CATEGORIES[..])),
        dimension(select(&PURPOSES[..5])),
        dimension(select(&MESSAGE_TYPES[..])),
        provision_period(),
        children,
    )
        .prop_map(
            |((senders, recipients), categories, purposes, message_types, period, children)| {
                Provision {
                    senders,
                    recipients,
                    categories,
                    purposes,
                    message_types,
                    period,
                    children,
                }
            },
        )
        .boxed()
}

fn provisions() -> impl Strategy<Value = Vec<Provision>> {
    prop::collection::vec(provision(3), 0..5)
}

fn category_set(max: usize) -> impl Strategy<Value = BTreeSet<DataCategory>> {
    prop::collection::btree_set(select(&CATEGORIES[..]), 0..=max)
}

/// One generated evaluation: a consent as held, and one flow.
#[derive(Debug, Clone)]
struct Scenario {
    provisions: Vec<Provision>,
    status: ConsentStatus,
    superseded: bool,
    /// Seconds from `now`, and the scope.
    withdrawals: Vec<(i64, WithdrawalScope)>,
    /// Days from the period start to the 18th birthday, when a guardian signed.
    guardian_adult_on: Option<i64>,
    sender: usize,
    recipient: usize,
    message_type: MessageType,
    purpose: Purpose,
    mandatory: BTreeSet<DataCategory>,
    optional: BTreeSet<DataCategory>,
    /// Days from the period start.
    today: i64,
}

fn withdrawal() -> impl Strategy<Value = (i64, WithdrawalScope)> {
    (
        -200_000i64..200_000,
        prop_oneof![
            Just(WithdrawalScope::Entire),
            prop::collection::vec((0..AGENCIES.len()).prop_map(|i| id(AGENCIES[i].0)), 1..3)
                .prop_map(WithdrawalScope::Recipients),
        ],
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    // Mostly a consent in force, so the tree gets exercised; sometimes every gateway state.
    let gateway = prop_oneof![
        3 => Just((ConsentStatus::Active, false, Vec::new(), None)),
        1 => (
            select(vec![
                ConsentStatus::Active,
                ConsentStatus::Active,
                ConsentStatus::Withdrawn,
                ConsentStatus::Expired,
                ConsentStatus::Superseded,
            ]),
            any::<bool>(),
            prop::collection::vec(withdrawal(), 0..3),
            prop::option::of(-60i64..400),
        ),
    ];
    (
        provisions(),
        gateway,
        (0..AGENCIES.len(), 0..AGENCIES.len()),
        select(&MESSAGE_TYPES[..]),
        prop_oneof![6 => select(&PURPOSES[..5]), 1 => select(&PURPOSES[5..])],
        category_set(3),
        category_set(4),
        prop_oneof![9 => 0i64..365, 1 => -10i64..375],
    )
        .prop_map(
            |(
                provisions,
                (status, superseded, withdrawals, guardian_adult_on),
                (sender, recipient),
                message_type,
                purpose,
                mandatory,
                optional,
                today,
            )| Scenario {
                sender,
                provisions,
                status,
                superseded,
                withdrawals,
                guardian_adult_on,
                recipient,
                message_type,
                purpose,
                mandatory,
                optional,
                today,
            },
        )
}

impl Scenario {
    fn now(&self) -> DateTime<Utc> {
        offset(self.today).and_hms_opt(12, 0, 0).unwrap().and_utc()
    }

    fn consent(&self) -> ConsentInForce {
        let signed = Grantor {
            role: GrantorRole::Person,
            signed_at: "2025-12-20T10:00:00Z".parse().unwrap(),
            method: SigningMethod::Mitid,
        };
        let mut grantors = vec![signed.clone()];
        if self.guardian_adult_on.is_some() {
            grantors.push(Grantor {
                role: GrantorRole::Guardian,
                ..signed
            });
        }
        let record = ConsentRecord {
            consent_id: uuid::Uuid::from_u128(1),
            version: 1,
            supersedes: None,
            subject: Pseudonym::try_from("ps-7f3a9c2e11b4d805").unwrap(),
            jurisdiction: Jurisdiction::DK,
            programme: "Exit København".parse().unwrap(),
            grantors,
            subject_adult_on: self.guardian_adult_on.map(offset),
            custodian: id("dk-kobenhavn-kommune"),
            evidence_hash: "ab".repeat(32),
            period: Period {
                start: period_start(),
                end: period_end(),
            },
            status: self.status,
            provisions: self.provisions.clone(),
        };
        let now = self.now();
        ConsentInForce {
            record,
            superseded: self.superseded,
            withdrawals: self
                .withdrawals
                .iter()
                .map(|(seconds, scope)| Withdrawal {
                    at: now + TimeDelta::seconds(*seconds),
                    scope: scope.clone(),
                    through_version: 1,
                })
                .collect(),
        }
    }

    fn rules() -> HardRules {
        HardRules {
            protected_location_allow: BTreeSet::from([id(PROTECTION_UNIT)]),
        }
    }

    /// Runs `check` on the verdict of this scenario's flow, and returns what it returns.
    fn evaluate<R>(&self, check: impl FnOnce(&Flow<'_>, &ConsentInForce, Verdict) -> R) -> R {
        let consent = self.consent();
        let sender = agency(self.sender);
        let recipient = agency(self.recipient);
        let flow = Flow {
            sender: &sender,
            recipient: &recipient,
            message_type: self.message_type,
            purpose: self.purpose,
            mandatory: &self.mandatory,
            optional: &self.optional,
            now: self.now(),
            today: offset(self.today),
        };
        let verdict = evaluate(&Self::rules(), &consent, &flow);
        check(&flow, &consent, verdict)
    }

    /// The same flow with the gateway open and no hard or age rule applying, so that the
    /// provision tree alone decides.
    fn tree_alone(mut self) -> Scenario {
        self.status = ConsentStatus::Active;
        self.superseded = false;
        self.withdrawals.clear();
        self.guardian_adult_on = None;
        self.today = self.today.rem_euclid(365);
        if self.purpose.is_forbidden() {
            self.purpose = Purpose::CaseCoordination;
        }
        if AGENCIES[self.recipient].1 == AgencyRole::NationalContactPoint {
            self.recipient = 0;
        }
        self.mandatory.remove(&DataCategory::ProtectedLocation);
        self.optional.remove(&DataCategory::ProtectedLocation);
        self
    }
}

/// Naive reference: whether one node matches the flow for one category.
fn matches(node: &Provision, flow: &Flow<'_>, category: DataCategory) -> bool {
    let recipient_ok = node.recipients.is_empty()
        || node.recipients.iter().any(|s| match s {
            RecipientSelector::Role(role) => *role == flow.recipient.role,
            RecipientSelector::Agency(id) => *id == flow.recipient.id,
        });
    let sender_ok = node.senders.is_empty()
        || node.senders.iter().any(|s| match s {
            RecipientSelector::Role(role) => *role == flow.sender.role,
            RecipientSelector::Agency(id) => *id == flow.sender.id,
        });
    recipient_ok
        && sender_ok
        && (node.categories.is_empty() || node.categories.contains(&category))
        && (node.purposes.is_empty() || node.purposes.contains(&flow.purpose))
        && (node.message_types.is_empty() || node.message_types.contains(&flow.message_type))
        && node
            .period
            .is_none_or(|p| p.start <= flow.today && flow.today <= p.end)
}

/// Naive reference: the depths (1 for the root's children) at which some path of matching
/// nodes ends, for one category.
fn matching_depths(
    nodes: &[Provision],
    flow: &Flow<'_>,
    category: DataCategory,
    depth: u32,
    out: &mut BTreeSet<u32>,
) {
    for node in nodes {
        if matches(node, flow, category) {
            out.insert(depth);
            matching_depths(&node.children, flow, category, depth + 1, out);
        }
    }
}

fn depths(consent: &ConsentInForce, flow: &Flow<'_>, category: DataCategory) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    matching_depths(&consent.record.provisions, flow, category, 1, &mut out);
    out
}

/// Naive reference: the deepest match decides, odd depths allow, the root (depth 0) denies.
fn tree_allows(consent: &ConsentInForce, flow: &Flow<'_>, category: DataCategory) -> bool {
    depths(consent, flow, category)
        .last()
        .is_some_and(|deepest| deepest % 2 == 1)
}

proptest! {
    /// Default deny: whatever passes is matched at an odd depth by some path of provisions;
    /// with no provisions, a non-empty mandatory set never passes.
    #[test]
    fn allowed_only_where_a_provision_allows(s in scenario()) {
        s.evaluate(|flow, consent, verdict| {
            if let Verdict::Allow { categories, .. } = &verdict {
                for &c in categories {
                    let depths = depths(consent, flow, c);
                    prop_assert!(
                        depths.iter().any(|d| d % 2 == 1),
                        "{c:?} allowed without an allowing provision"
                    );
                }
            }
            if consent.record.provisions.is_empty() && !flow.mandatory.is_empty() {
                prop_assert!(matches!(verdict, Verdict::Deny(_)));
            }
            Ok(())
        })?;
    }

    /// A withdrawal of the entire consent at or before now stops everything.
    #[test]
    fn entire_withdrawal_stops_everything(
        mut s in scenario(),
        seconds_before in prop_oneof![Just(0i64), 0i64..1_000_000],
    ) {
        s.withdrawals.push((-seconds_before, WithdrawalScope::Entire));
        s.evaluate(|_, _, verdict| {
            prop_assert!(matches!(verdict, Verdict::Deny(_)), "allowed: {verdict:?}");
            Ok(())
        })?;
    }

    /// A forbidden purpose is never allowed, whatever the record says.
    #[test]
    fn forbidden_purpose_never_allowed(mut s in scenario(), forbidden in select(&PURPOSES[5..])) {
        s.purpose = forbidden;
        s.evaluate(|_, _, verdict| {
            prop_assert_eq!(verdict, Verdict::Deny(schemas::ReasonCode::ForbiddenPurpose));
            Ok(())
        })?;
    }

    /// The national contact point never gets identity, contact or location.
    #[test]
    fn contact_point_never_gets_identity(mut s in scenario()) {
        s.recipient = AGENCIES.len() - 1;
        s.evaluate(|_, _, verdict| {
            if let Verdict::Allow { categories, .. } = verdict {
                for c in NEVER_TO_CONTACT_POINT {
                    prop_assert!(!categories.contains(&c), "{c:?} to the contact point");
                }
            }
            Ok(())
        })?;
    }

    /// An allowed flow keeps every mandatory category, removes only optional ones, and
    /// accounts for every category it carries.
    #[test]
    fn allow_keeps_mandatory_and_removes_only_optional(s in scenario()) {
        s.evaluate(|flow, _, verdict| {
            if let Verdict::Allow { categories, removed } = verdict {
                prop_assert!(categories.is_superset(flow.mandatory));
                prop_assert!(categories.is_disjoint(&removed));
                prop_assert!(removed.is_subset(flow.optional));
                let carried: BTreeSet<_> = flow.mandatory.union(flow.optional).copied().collect();
                let accounted: BTreeSet<_> = categories.union(&removed).copied().collect();
                prop_assert_eq!(accounted, carried);
            }
            Ok(())
        })?;
    }

    /// Where only the tree decides, the verdict is exactly the naive reference's.
    #[test]
    fn tree_matches_the_reference(s in scenario().prop_map(Scenario::tree_alone)) {
        s.evaluate(|flow, consent, verdict| {
            let allowed = |c: &DataCategory| tree_allows(consent, flow, *c);
            // The consent must allow this flow something at all: a consent that names
            // other recipients is no gateway even for a message that carries no category.
            let a_gateway = CATEGORIES.iter().any(allowed);
            let expected = if flow.mandatory.iter().all(allowed) && a_gateway {
                let categories = flow
                    .mandatory
                    .iter()
                    .chain(flow.optional.iter().filter(|c| allowed(c)))
                    .copied()
                    .collect();
                let removed = flow
                    .optional
                    .iter()
                    .filter(|c| !allowed(c) && !flow.mandatory.contains(c))
                    .copied()
                    .collect();
                Verdict::Allow { categories, removed }
            } else {
                Verdict::Deny(schemas::ReasonCode::CategoryNotCovered)
            };
            prop_assert_eq!(verdict, expected);
            Ok(())
        })?;
    }
}

// Whole decisions: two consent records for one person (a programme's form and the prison's
// ordinary form), a statute, and withdrawals by any agency. Whatever they say, no category
// reaches a recipient unless a statute gives it or a record in force that the person gave
// allows it for that sender, recipient, purpose and type.

mod decisions {
    use super::*;
    use hub_core::routing::Programme;
    use hub_core::{Decision, Directory, Effect, Policy, Statute, World, decide};
    use schemas::{Gateway, Message};
    use serde_json::json;

    const SUBJECT: &str = "ps-7f3a9c2e11b4d805";
    const PROGRAMMES: [(&str, usize); 2] = [("Exit København", 0), ("Kriminalforsorgen", 4)];

    /// One record as generated: version (1 or 2, the first superseded), provisions, and
    /// withdrawals (seconds from now, scope, the version they found).
    #[derive(Debug, Clone)]
    struct RecordSpec {
        versions: u32,
        provisions: Vec<Provision>,
        withdrawals: Vec<(i64, WithdrawalScope, u32)>,
    }

    fn record_spec() -> impl Strategy<Value = RecordSpec> {
        (
            1u32..=2,
            provisions(),
            prop::collection::vec((withdrawal(), 1u32..=2), 0..2),
        )
            .prop_map(|(versions, provisions, withdrawals)| RecordSpec {
                versions,
                provisions,
                withdrawals: withdrawals
                    .into_iter()
                    .map(|((s, scope), v)| (s, scope, v))
                    .collect(),
            })
    }

    #[derive(Debug, Clone)]
    struct Case {
        records: [RecordSpec; 2],
        sender: usize,
        recipients: BTreeSet<usize>,
        purpose: Purpose,
        optional: BTreeSet<DataCategory>,
        mandatory: BTreeSet<DataCategory>,
        today: i64,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            [record_spec(), record_spec()],
            // Agencies that may send an InformationResponse (not the contact point).
            0..AGENCIES.len() - 1,
            prop::collection::btree_set(0..AGENCIES.len(), 1..4),
            select(&PURPOSES[..5]),
            category_set(3),
            category_set(2),
            0i64..365,
        )
            .prop_map(
                |(records, sender, recipients, purpose, optional, mandatory, today)| Case {
                    records,
                    sender,
                    recipients,
                    purpose,
                    optional,
                    mandatory,
                    today,
                },
            )
    }

    fn now(today: i64) -> DateTime<Utc> {
        offset(today).and_hms_opt(12, 0, 0).unwrap().and_utc()
    }

    fn directory() -> Directory {
        Directory::new((0..AGENCIES.len()).map(agency))
    }

    /// One statute: the prison may give municipalities sentence data for reintegration.
    fn policy() -> Policy {
        Policy {
            key_announcements_per_hour: None,
            statutes: vec![Statute {
                id: "DK-TEST".into(),
                jurisdiction: Jurisdiction::DK,
                from_roles: [AgencyRole::PrisonProbation].into(),
                to_roles: [AgencyRole::Municipality].into(),
                message_types: [MessageType::InformationResponse].into(),
                purposes: [Purpose::ReintegrationPlanning].into(),
                categories: [DataCategory::SentenceRelease].into(),
            }],
            programmes: PROGRAMMES
                .iter()
                .map(|(name, custodian)| Programme {
                    name: (*name).to_owned(),
                    custodians: [id(AGENCIES[*custodian].0)].into(),
                })
                .collect(),
            hard_rules: Scenario::rules(),
        }
    }

    fn consents(c: &Case) -> Vec<ConsentInForce> {
        let mut out = Vec::new();
        for (i, spec) in c.records.iter().enumerate() {
            let (programme, custodian) = PROGRAMMES[i];
            for version in 1..=spec.versions {
                let record = ConsentRecord {
                    consent_id: uuid::Uuid::from_u128(i as u128 + 1),
                    version,
                    supersedes: (version > 1).then_some(version - 1),
                    subject: Pseudonym::try_from(SUBJECT).unwrap(),
                    jurisdiction: Jurisdiction::DK,
                    programme: programme.parse().unwrap(),
                    grantors: vec![Grantor {
                        role: GrantorRole::Person,
                        signed_at: "2025-12-20T10:00:00Z".parse().unwrap(),
                        method: SigningMethod::Mitid,
                    }],
                    subject_adult_on: None,
                    custodian: id(AGENCIES[custodian].0),
                    evidence_hash: "ab".repeat(32),
                    period: Period {
                        start: period_start(),
                        end: period_end(),
                    },
                    status: ConsentStatus::Active,
                    provisions: spec.provisions.clone(),
                };
                out.push(ConsentInForce {
                    record,
                    superseded: version < spec.versions,
                    withdrawals: spec
                        .withdrawals
                        .iter()
                        .map(|(s, scope, through)| Withdrawal {
                            at: now(c.today) + TimeDelta::seconds(*s),
                            scope: scope.clone(),
                            through_version: *through,
                        })
                        .collect(),
                });
            }
        }
        out
    }

    fn message(c: &Case) -> Message {
        let answers: Vec<_> = c
            .optional
            .iter()
            .map(|cat| json!({"category": cat, "text": "An answer."}))
            .collect();
        let declared: BTreeSet<_> = c.optional.union(&c.mandatory).copied().collect();
        let m = json!({
            "envelope": {
                "message_id": "01a2008d-9728-7d38-8f21-ddb66cad4a26",
                "correlation_id": "5b0e7c1a-3f2d-4e8b-9a61-0c7d2e4f8a13",
                "subject": SUBJECT,
                "sender": AGENCIES[c.sender].0,
                "recipients": c.recipients.iter().map(|&r| AGENCIES[r].0).collect::<Vec<_>>(),
                "message_type": "InformationResponse",
                "schema_version": 1,
                "sent_at": now(c.today),
                "purpose": c.purpose,
                "data_categories": declared,
            },
            "body": {
                "request_id": "7c2e9f10-4b3a-4d5c-8e6f-a1b2c3d4e5f6",
                "partial": false,
                "answers": answers,
            }
        });
        schemas::decode(&serde_json::to_vec(&m).unwrap()).unwrap()
    }

    /// The reference: whether `gateway` lawfully gives `category` for this flow.
    fn gives(
        policy: &Policy,
        consents: &[ConsentInForce],
        flow: &Flow<'_>,
        gateway: &schemas::GatewayRef,
        category: DataCategory,
    ) -> bool {
        match gateway.parse() {
            Gateway::Statute(sid) => policy.statutes.iter().any(|s| {
                s.id == sid
                    && s.from_roles.contains(&flow.sender.role)
                    && s.to_roles.contains(&flow.recipient.role)
                    && s.purposes.contains(&flow.purpose)
                    && s.message_types.contains(&flow.message_type)
                    && s.categories.contains(&category)
            }),
            Gateway::Consent {
                consent_id,
                version,
            } => consents.iter().any(|c| {
                let r = &c.record;
                r.consent_id == consent_id
                    && r.version == version
                    && r.subject.as_str() == SUBJECT
                    && !c.superseded
                    && r.period.start <= flow.today
                    && flow.today <= r.period.end
                    && !c.withdrawals.iter().any(|w| {
                        w.at <= flow.now
                            && r.version <= w.through_version
                            && match &w.scope {
                                WithdrawalScope::Entire => true,
                                WithdrawalScope::Recipients(ids) => {
                                    ids.is_empty() || ids.contains(&flow.recipient.id)
                                }
                            }
                    })
                    && tree_allows(c, flow, category)
            }),
        }
    }

    /// Checks every delivery of `decision` against the reference.
    fn lawful(
        c: &Case,
        consents: &[ConsentInForce],
        decision: &Decision,
    ) -> Result<(), TestCaseError> {
        let Decision::Route { deliveries, .. } = decision else {
            return Ok(());
        };
        let (policy, m) = (policy(), message(c));
        let sender = agency(c.sender);
        let carried = m.body.categories();
        // Declared categories the body does not carry in optional fields are mandatory.
        let mandatory: BTreeSet<DataCategory> =
            c.mandatory.difference(&carried.optional).copied().collect();
        for d in deliveries {
            let recipient = agency(
                AGENCIES
                    .iter()
                    .position(|a| a.0 == d.recipient.as_str())
                    .unwrap(),
            );
            let flow = Flow {
                sender: &sender,
                recipient: &recipient,
                message_type: MessageType::InformationResponse,
                purpose: c.purpose,
                mandatory: &mandatory,
                optional: &carried.optional,
                now: now(c.today),
                today: offset(c.today),
            };
            let named: Vec<DataCategory> = d.basis.iter().map(|(cat, _)| *cat).collect();
            prop_assert_eq!(&named, &d.categories, "the basis names every category sent");
            for (category, gateway) in &d.basis {
                prop_assert!(
                    gives(&policy, consents, &flow, gateway, *category),
                    "{category:?} to {} under {gateway}, which does not give it",
                    d.recipient
                );
            }
            for m in &mandatory {
                prop_assert!(d.categories.contains(m), "mandatory {m:?} sent");
            }
        }
        Ok(())
    }

    proptest! {
        /// No delivery without a gateway the person gave to the discloser or a statute gives,
        /// with two records in force, superseded versions and scoped withdrawals.
        #[test]
        fn every_category_sent_has_a_lawful_basis(c in case()) {
            let (directory, policy) = (directory(), policy());
            let consents = consents(&c);
            let world = World {
                consents: &consents,
                ..World::stateless(&directory, &policy, now(c.today))
            };
            let decision = decide(&world, &id(AGENCIES[c.sender].0), &message(&c));
            lawful(&c, &consents, &decision)?;
        }

        /// A withdrawal of the first record by any case agency (with evidence) is recorded
        /// and then nothing flows under the versions it found; without evidence, only the
        /// custodian may record it.
        #[test]
        fn a_withdrawal_by_any_agency_stops_the_record(c in case(), by in 0..AGENCIES.len() - 1, evidence in any::<bool>()) {
            let (directory, policy) = (directory(), policy());
            let mut consents = consents(&c);
            let world = World {
                consents: &consents,
                ..World::stateless(&directory, &policy, now(c.today))
            };
            let mut w = json!({
                "envelope": {
                    "message_id": "01a2008d-8f58-711d-ab0d-549b6f03675a",
                    "correlation_id": "5b0e7c1a-3f2d-4e8b-9a61-0c7d2e4f8a13",
                    "subject": SUBJECT,
                    "sender": AGENCIES[by].0,
                    "recipients": [],
                    "message_type": "ConsentWithdrawn",
                    "schema_version": 1,
                    "sent_at": now(c.today),
                    "purpose": "CASE_COORDINATION",
                    "data_categories": []
                },
                "body": {
                    "consent_id": uuid::Uuid::from_u128(1),
                    "withdrawn_at": now(c.today),
                    "scope": "entire"
                }
            });
            if evidence {
                w["body"]["evidence"] = json!({
                    "received_by": "caseworker",
                    "received_at": now(c.today),
                    "channel": "by_phone"
                });
            }
            let w = schemas::decode(&serde_json::to_vec(&w).unwrap()).unwrap();
            let decision = decide(&world, &id(AGENCIES[by].0), &w);
            let custodian = by == PROGRAMMES[0].1;
            let Decision::Route { effects, .. } = decision else {
                prop_assert!(!evidence && !custodian, "refused: {decision:?}");
                return Ok(());
            };
            prop_assert!(evidence || custodian);
            for e in effects {
                prop_assert!(!matches!(e, Effect::RecordConsent(_)));
                if let Effect::RecordWithdrawal { consent_id, withdrawal, .. } = e {
                    for held in consents.iter_mut().filter(|h| h.record.consent_id == consent_id) {
                        held.withdrawals.push(withdrawal.clone());
                    }
                }
            }
            let world = World {
                consents: &consents,
                ..World::stateless(&directory, &policy, now(c.today))
            };
            let decision = decide(&world, &id(AGENCIES[c.sender].0), &message(&c));
            if let Decision::Route { deliveries, .. } = &decision {
                for d in deliveries {
                    prop_assert!(
                        !d.consent_ids().contains(&uuid::Uuid::from_u128(1)),
                        "a delivery under the withdrawn record"
                    );
                }
            }
            lawful(&c, &consents, &decision)?;
        }
    }
}
