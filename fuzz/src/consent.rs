//! The consent target: structured arbitrary input through the consent engine.
//!
//! A [`Case`] is a consent record version (with a provision tree of up to 24 nodes, any
//! recipients, categories, purposes, message types and periods), whether it was superseded,
//! its withdrawals, the hard rules' allow-list, one flow (sender, recipient, type, purpose,
//! mandatory and optional categories, the time) and a latest version for
//! `validate_new_version`. [`check`] evaluates the flow with `hub_core::consent::evaluate`
//! and asserts:
//! - it gives exactly what [`reference`] gives: a plain, slow evaluation written from the
//!   rules in `shared/domain.md` (the engine works on bit masks for speed);
//! - an `Allow` never goes to a recipient the consent does not name for this flow, never
//!   after the period's end or before its start, never after a withdrawal that covers the
//!   recipient, never under a superseded or inactive version, never for a forbidden purpose,
//!   never with a category a hard rule forbids the recipient, and splits the asked categories
//!   into passed and removed with every mandatory one passed;
//! - the same flow a day after the period, or with the consent withdrawn at that moment, is
//!   not allowed;
//! - the hard rules alone agree with the whole evaluation;
//! - a new version `validate_new_version` accepts comes from the custodian, follows the
//!   latest version, lasts at most 12 months and is otherwise well formed.

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use chrono::{DateTime, Days, Months, NaiveDate, TimeDelta, Utc};
use hub_core::consent::{self, ConsentInForce, Flow, HardRules, Verdict, Withdrawal};
use hub_core::register::CATEGORIES;
use hub_core::routing::Agency;
use schemas::AgencyRole as R;
use schemas::Jurisdiction::{DK, NO};
use schemas::messages::{
    ConsentRecord, ConsentStatus, Grantor, GrantorRole, Period, Provision, RecipientSelector,
    SigningMethod, WithdrawalScope,
};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose, ReasonCode};

const PURPOSES: [Purpose; 7] = [
    Purpose::ReintegrationPlanning,
    Purpose::ReleaseCoordination,
    Purpose::RelocationSafety,
    Purpose::CaseCoordination,
    Purpose::OutcomeStatistics,
    Purpose::CriminalInvestigation,
    Purpose::BenefitFraudControl,
];

const ROLES: [AgencyRole; 5] = [
    AgencyRole::Municipality,
    AgencyRole::Police,
    AgencyRole::PrisonProbation,
    AgencyRole::Employment,
    AgencyRole::NationalContactPoint,
];

const JURISDICTIONS: [Jurisdiction; 3] = [Jurisdiction::DK, Jurisdiction::NO, Jurisdiction::SE];

const STATUSES: [ConsentStatus; 4] = [
    ConsentStatus::Active,
    ConsentStatus::Withdrawn,
    ConsentStatus::Expired,
    ConsentStatus::Superseded,
];

/// The agencies a case picks from: two municipalities, a police force and its protection
/// unit, the prison service, the employment service, the contact point, and one in Norway.
const AGENCIES: [(&str, AgencyRole, Jurisdiction); 8] = [
    ("dk-kobenhavn-kommune", R::Municipality, DK),
    ("dk-aarhus-kommune", R::Municipality, DK),
    ("dk-kobenhavns-politi", R::Police, DK),
    ("dk-politi-beskyttelse", R::Police, DK),
    ("dk-kriminalforsorgen", R::PrisonProbation, DK),
    ("dk-jobcenter-kobenhavn", R::Employment, DK),
    ("dk-exit-kontaktpunkt", R::NationalContactPoint, DK),
    ("no-oslo-kommune", R::Municipality, NO),
];

/// Most provision nodes in a tree, and most withdrawals.
const MAX_NODES: usize = 24;
const MAX_WITHDRAWALS: usize = 4;
/// Dates and times fall within this many days of the base day.
const SPAN_DAYS: i64 = 800;

/// One fuzz case.
#[derive(Debug, Arbitrary)]
pub struct Case {
    record: RecordSpec,
    superseded: bool,
    withdrawals: Vec<WithdrawalSpec>,
    /// Bit i: agency i is on the protected-location allow-list.
    allow_list: u8,
    flow: FlowSpec,
    /// The latest version the hub holds, for `validate_new_version`.
    latest: Option<RecordSpec>,
    /// Who sends the new version (an index into the agencies).
    new_version_sender: u8,
}

#[derive(Debug, Arbitrary)]
struct RecordSpec {
    consent: u8,
    version: u8,
    supersedes: Option<u8>,
    jurisdiction: u8,
    person_signed: bool,
    guardian_signed: bool,
    adult_on: Option<i16>,
    custodian: u8,
    evidence_well_formed: bool,
    start: i16,
    length: i16,
    status: u8,
    nodes: Vec<NodeSpec>,
}

/// A provision node; `parent` 0 is the implicit root, `n` the n-th node before this one.
#[derive(Debug, Arbitrary)]
struct NodeSpec {
    parent: u8,
    recipients: Vec<SelectorSpec>,
    /// Bit i: `CATEGORIES[i]`.
    categories: u16,
    /// Bit i: `PURPOSES[i]`.
    purposes: u8,
    /// Bit i: `MessageType::ALL[i]`.
    types: u32,
    period: Option<(i16, i16)>,
}

#[derive(Debug, Arbitrary)]
enum SelectorSpec {
    Role(u8),
    Agency(u8),
}

#[derive(Debug, Arbitrary)]
struct WithdrawalSpec {
    /// Seconds from the base day's midnight.
    at: i32,
    /// `None`: the entire consent; otherwise bit i withdraws it for agency i.
    recipients: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct FlowSpec {
    sender: u8,
    recipient: u8,
    message_type: u8,
    purpose: u8,
    /// Bit i: `CATEGORIES[i]`.
    mandatory: u16,
    optional: u16,
    /// Seconds from the base day's midnight.
    now: i32,
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")
}

fn day(offset: i16) -> NaiveDate {
    base() + TimeDelta::days(i64::from(offset) % SPAN_DAYS)
}

fn time(offset: i32) -> DateTime<Utc> {
    let midnight = base().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    midnight + TimeDelta::seconds(i64::from(offset) % (SPAN_DAYS * 86_400))
}

fn pick<T: Copy>(items: &[T], i: impl Into<usize>) -> T {
    items[i.into() % items.len()]
}

fn agency(i: u8) -> Agency {
    let (id, role, jurisdiction) = pick(&AGENCIES, i);
    Agency {
        id: AgencyId::try_from(id).expect("a valid id"),
        role,
        jurisdiction,
        name: id.to_owned(),
    }
}

fn categories(mask: u16) -> BTreeSet<DataCategory> {
    CATEGORIES
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, c)| *c)
        .collect()
}

fn selected<T: Copy>(items: &[T], mask: u32) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < 32 && mask & (1 << i) != 0)
        .map(|(_, t)| *t)
        .collect()
}

fn provision(node: &NodeSpec) -> Provision {
    Provision {
        senders: Vec::new(),
        recipients: node
            .recipients
            .iter()
            .take(3)
            .map(|s| match s {
                SelectorSpec::Role(r) => RecipientSelector::Role(pick(&ROLES, *r)),
                SelectorSpec::Agency(a) => RecipientSelector::Agency(agency(*a).id),
            })
            .collect(),
        categories: categories(node.categories).into_iter().collect(),
        purposes: selected(&PURPOSES, u32::from(node.purposes)),
        message_types: selected(MessageType::ALL, node.types),
        period: node.period.map(|(start, end)| Period {
            start: day(start),
            end: day(end),
        }),
        children: Vec::new(),
    }
}

/// The provision tree: each node hangs under an earlier one (or the root), so it is finite.
fn tree(nodes: &[NodeSpec]) -> Vec<Provision> {
    let nodes = &nodes[..nodes.len().min(MAX_NODES)];
    let parent = |i: usize| match usize::from(nodes[i].parent) {
        0 => None,
        p if p <= i => Some(p - 1),
        _ => None,
    };
    fn build(i: usize, nodes: &[NodeSpec], parent: &dyn Fn(usize) -> Option<usize>) -> Provision {
        let mut p = provision(&nodes[i]);
        p.children = (i + 1..nodes.len())
            .filter(|&j| parent(j) == Some(i))
            .map(|j| build(j, nodes, parent))
            .collect();
        p
    }
    (0..nodes.len())
        .filter(|&i| parent(i).is_none())
        .map(|i| build(i, nodes, &parent))
        .collect()
}

fn record(spec: &RecordSpec) -> ConsentRecord {
    let signed_at = time(0);
    let mut grantors = Vec::new();
    if spec.person_signed {
        grantors.push(Grantor {
            role: GrantorRole::Person,
            signed_at,
            method: SigningMethod::Mitid,
        });
    }
    if spec.guardian_signed {
        grantors.push(Grantor {
            role: GrantorRole::Guardian,
            signed_at,
            method: SigningMethod::WetInk,
        });
    }
    let start = day(spec.start);
    ConsentRecord {
        consent_id: uuid::Uuid::from_u128(u128::from(spec.consent % 3)),
        version: u32::from(spec.version % 5),
        supersedes: spec.supersedes.map(|v| u32::from(v % 5)),
        subject: schemas::Pseudonym::try_from("ps-f022f022f022f022").expect("a pseudonym"),
        jurisdiction: pick(&JURISDICTIONS, spec.jurisdiction),
        programme: schemas::ids::ShortText::try_from("Exit").expect("a programme"),
        grantors,
        subject_adult_on: spec.adult_on.map(day),
        custodian: agency(spec.custodian).id,
        evidence_hash: if spec.evidence_well_formed {
            "ab".repeat(32)
        } else {
            "not a hash".to_owned()
        },
        period: Period {
            start,
            end: start + TimeDelta::days(i64::from(spec.length) % SPAN_DAYS),
        },
        status: pick(&STATUSES, spec.status),
        provisions: tree(&spec.nodes),
    }
}

/// Runs one case through the consent engine, checks every invariant above and returns the
/// engine's verdict.
pub fn check(case: &Case) -> Verdict {
    let record = record(&case.record);
    let consent = ConsentInForce {
        record,
        superseded: case.superseded,
        withdrawals: case
            .withdrawals
            .iter()
            .take(MAX_WITHDRAWALS)
            .map(|w| Withdrawal {
                at: time(w.at),
                scope: match w.recipients {
                    None => WithdrawalScope::Entire,
                    Some(mask) => WithdrawalScope::Recipients(
                        (0..8u8)
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| agency(i).id)
                            .collect(),
                    ),
                },
                through_version: u32::MAX,
            })
            .collect(),
    };
    let rules = HardRules {
        protected_location_allow: (0..8u8)
            .filter(|i| case.allow_list & (1 << i) != 0)
            .map(|i| agency(i).id)
            .collect(),
    };
    let spec = &case.flow;
    let (sender, recipient) = (agency(spec.sender), agency(spec.recipient));
    let (mandatory, optional) = (categories(spec.mandatory), categories(spec.optional));
    let now = time(spec.now);
    let flow = Flow {
        sender: &sender,
        recipient: &recipient,
        message_type: pick(MessageType::ALL, spec.message_type),
        purpose: pick(&PURPOSES, spec.purpose),
        mandatory: &mandatory,
        optional: &optional,
        now,
        today: now.date_naive(),
    };

    let verdict = consent::evaluate(&rules, &consent, &flow);
    assert_eq!(
        verdict,
        reference(&rules, &consent, &flow),
        "the engine and the reference disagree"
    );
    if let Verdict::Allow {
        categories,
        removed,
    } = &verdict
    {
        check_allow(&rules, &consent, &flow, categories, removed);
    }
    match consent::hard_rules(&rules, &flow) {
        Err(code) => assert_eq!(verdict, Verdict::Deny(code), "hard rules come first"),
        Ok(by_hard_rules) => {
            if let Verdict::Allow { removed, .. } = &verdict {
                assert!(by_hard_rules.is_subset(removed), "a hard-rule removal kept");
            }
        }
    }

    // A day after the period, or withdrawn at this very moment: never allowed.
    let after = consent.record.period.end + Days::new(1);
    let later = Flow {
        now: after.and_hms_opt(12, 0, 0).expect("noon").and_utc(),
        today: after,
        ..flow
    };
    assert!(
        !matches!(
            consent::evaluate(&rules, &consent, &later),
            Verdict::Allow { .. }
        ),
        "allowed after the consent's period ended"
    );
    let mut withdrawn = consent.clone();
    withdrawn.withdrawals.push(Withdrawal {
        at: now,
        scope: WithdrawalScope::Recipients(vec![recipient.id.clone()]),
        through_version: u32::MAX,
    });
    assert!(
        !matches!(
            consent::evaluate(&rules, &withdrawn, &flow),
            Verdict::Allow { .. }
        ),
        "allowed after the consent was withdrawn for this recipient"
    );

    check_new_version(case, &consent.record);
    verdict
}

/// What an `Allow` must satisfy, said plainly.
fn check_allow(
    rules: &HardRules,
    consent: &ConsentInForce,
    flow: &Flow<'_>,
    categories: &BTreeSet<DataCategory>,
    removed: &BTreeSet<DataCategory>,
) {
    let record = &consent.record;
    assert!(!flow.purpose.is_forbidden(), "allowed a forbidden purpose");
    assert!(
        record.status == ConsentStatus::Active && !consent.superseded,
        "allowed under a version not in force"
    );
    assert!(
        record.period.start <= flow.today,
        "allowed before the period"
    );
    assert!(flow.today <= record.period.end, "allowed after the period");
    assert!(
        !withdrawn_for(consent, flow),
        "allowed after a withdrawal for this recipient"
    );
    assert!(
        named(&record.provisions, flow),
        "allowed a recipient the consent does not name for this flow"
    );
    for c in categories {
        assert!(
            tree_allows(&record.provisions, flow, *c),
            "passed {c:?}, which the provisions deny"
        );
        assert!(
            !forbidden(rules, flow, *c),
            "passed {c:?} against a hard rule"
        );
    }
    assert!(categories.is_disjoint(removed));
    assert!(
        flow.mandatory.is_subset(categories),
        "a mandatory category removed"
    );
    assert!(removed.is_subset(flow.optional));
    let asked: BTreeSet<DataCategory> = flow.mandatory.union(flow.optional).copied().collect();
    let split: BTreeSet<DataCategory> = categories.union(removed).copied().collect();
    assert_eq!(asked, split, "asked categories neither passed nor removed");
}

/// Checks `validate_new_version` on the case's record as a new version.
fn check_new_version(case: &Case, record: &ConsentRecord) {
    let latest = case.latest.as_ref().map(self::record);
    let sender = agency(case.new_version_sender).id;
    let Ok(()) = consent::validate_new_version(&sender, latest.as_ref(), record) else {
        return;
    };
    assert_eq!(
        sender, record.custodian,
        "accepted from another than the custodian"
    );
    match &latest {
        None => assert!(record.version == 1 && record.supersedes.is_none()),
        Some(latest) => {
            assert_eq!(latest.custodian, sender);
            assert_eq!(latest.consent_id, record.consent_id);
            assert_eq!(record.supersedes, Some(latest.version));
            assert_eq!(record.version, latest.version + 1);
        }
    }
    let period = record.period;
    assert!(period.start <= period.end);
    assert!(
        period.end < period.start + Months::new(12),
        "longer than 12 months"
    );
    assert_eq!(record.status, ConsentStatus::Active);
    assert!(!record.grantors.is_empty());
    let guardian = record
        .grantors
        .iter()
        .any(|g| g.role == GrantorRole::Guardian);
    assert!(!guardian || record.subject_adult_on.is_some());
    assert_eq!(record.evidence_hash.len(), 64);
}

/// The reference evaluation, from the rules as `shared/domain.md` states them: hard rules,
/// then the gateway, then the age rule, then each category through the tree; a consent is a
/// gateway only for a recipient it names for the flow.
pub fn reference(rules: &HardRules, consent: &ConsentInForce, flow: &Flow<'_>) -> Verdict {
    if flow.purpose.is_forbidden() {
        return Verdict::Deny(ReasonCode::ForbiddenPurpose);
    }
    let mandatory = flow.mandatory.clone();
    let optional: BTreeSet<DataCategory> = flow.optional.difference(&mandatory).copied().collect();
    if mandatory.iter().any(|c| forbidden(rules, flow, *c)) {
        return Verdict::Deny(ReasonCode::CategoryForbiddenForRecipient);
    }
    let mut removed: BTreeSet<DataCategory> = optional
        .iter()
        .copied()
        .filter(|c| forbidden(rules, flow, *c))
        .collect();

    let record = &consent.record;
    if record.status != ConsentStatus::Active || consent.superseded {
        return Verdict::Deny(ReasonCode::ConsentNotInForce);
    }
    if withdrawn_for(consent, flow) {
        return Verdict::Deny(ReasonCode::ConsentWithdrawn);
    }
    if flow.today < record.period.start {
        return Verdict::Deny(ReasonCode::ConsentNotInForce);
    }
    if flow.today > record.period.end {
        return Verdict::Deny(ReasonCode::ConsentExpired);
    }

    let guardian = record
        .grantors
        .iter()
        .any(|g| g.role == GrantorRole::Guardian);
    if let Some(adult_on) = record.subject_adult_on
        && guardian
        && flow.today >= adult_on
    {
        if flow.today >= adult_on + Days::new(30) {
            return Verdict::Deny(ReasonCode::ConsentNeedsReconfirmation);
        }
        if mandatory.iter().any(|c| *c != DataCategory::CaseStatus) {
            return Verdict::Deny(ReasonCode::ConsentNeedsReconfirmation);
        }
        removed.extend(optional.iter().filter(|c| **c != DataCategory::CaseStatus));
    }

    let denied: BTreeSet<DataCategory> = mandatory
        .union(&optional)
        .filter(|c| !removed.contains(c) && !tree_allows(&record.provisions, flow, **c))
        .copied()
        .collect();
    if !denied.is_disjoint(&mandatory) {
        return Verdict::Deny(ReasonCode::CategoryNotCovered);
    }
    removed.extend(denied);
    let categories: BTreeSet<DataCategory> = mandatory
        .union(&optional)
        .filter(|c| !removed.contains(c))
        .copied()
        .collect();
    if categories.is_empty() && !named(&record.provisions, flow) {
        return Verdict::Deny(ReasonCode::CategoryNotCovered);
    }
    Verdict::Allow {
        categories,
        removed: removed.intersection(&optional).copied().collect(),
    }
}

/// A hard rule forbids `category` to this recipient.
fn forbidden(rules: &HardRules, flow: &Flow<'_>, category: DataCategory) -> bool {
    let recipient = flow.recipient;
    if recipient.role == AgencyRole::NationalContactPoint {
        return matches!(
            category,
            DataCategory::Identity | DataCategory::Contact | DataCategory::ProtectedLocation
        );
    }
    category == DataCategory::ProtectedLocation
        && !schemas::messages::may_hold_protected_location(
            flow.message_type,
            recipient.role,
            rules.protected_location_allow.contains(&recipient.id),
        )
}

fn withdrawn_for(consent: &ConsentInForce, flow: &Flow<'_>) -> bool {
    consent.withdrawals.iter().any(|w| {
        w.at <= flow.now
            && match &w.scope {
                WithdrawalScope::Entire => true,
                // An empty list is ambiguous and withdraws everything (fail safe).
                WithdrawalScope::Recipients(ids) => {
                    ids.is_empty() || ids.contains(&flow.recipient.id)
                }
            }
    })
}

/// Whether `node` matches this flow for `category`.
fn matches(node: &Provision, flow: &Flow<'_>, category: DataCategory) -> bool {
    (node.categories.is_empty() || node.categories.contains(&category))
        && (node.purposes.is_empty() || node.purposes.contains(&flow.purpose))
        && (node.message_types.is_empty() || node.message_types.contains(&flow.message_type))
        && node
            .period
            .is_none_or(|p| p.start <= flow.today && flow.today <= p.end)
        && (node.recipients.is_empty()
            || node.recipients.iter().any(|s| match s {
                RecipientSelector::Role(role) => *role == flow.recipient.role,
                RecipientSelector::Agency(id) => *id == flow.recipient.id,
            }))
        && (node.senders.is_empty()
            || node.senders.iter().any(|s| match s {
                RecipientSelector::Role(role) => *role == flow.sender.role,
                RecipientSelector::Agency(id) => *id == flow.sender.id,
            }))
}

/// The depth of the deepest chain of matching nodes under `nodes` (at `depth`), or 0.
fn deepest(nodes: &[Provision], flow: &Flow<'_>, category: DataCategory, depth: u32) -> u32 {
    nodes
        .iter()
        .filter(|n| matches(n, flow, category))
        .map(|n| depth.max(deepest(&n.children, flow, category, depth + 1)))
        .max()
        .unwrap_or(0)
}

/// The tree allows `category`: its deepest match is at an odd depth (the root, 0, denies;
/// each level flips; nodes at one depth share their effect, so a tie cannot allow).
fn tree_allows(provisions: &[Provision], flow: &Flow<'_>, category: DataCategory) -> bool {
    deepest(provisions, flow, category, 1) % 2 == 1
}

/// The consent names this recipient for this flow: it allows it some category.
fn named(provisions: &[Provision], flow: &Flow<'_>) -> bool {
    CATEGORIES.iter().any(|c| tree_allows(provisions, flow, *c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbitrary::Unstructured;

    #[test]
    fn cases_from_fixed_bytes_hold() {
        for seed in 0u32..2000 {
            let bytes: Vec<u8> = (0..600u32)
                .map(|i| (i.wrapping_mul(seed.wrapping_add(7)).wrapping_add(seed) >> 2) as u8)
                .collect();
            if let Ok(case) = Case::arbitrary(&mut Unstructured::new(&bytes)) {
                check(&case);
            }
        }
    }

    /// A consent naming one municipality for release coordination, in force; a flow that
    /// carries no category at all to another agency.
    fn uncategorised_flow_to_an_agency_the_consent_does_not_name() -> Case {
        Case {
            record: RecordSpec {
                consent: 0,
                version: 1,
                supersedes: None,
                jurisdiction: 0,
                person_signed: true,
                guardian_signed: false,
                adult_on: None,
                custodian: 0,
                evidence_well_formed: true,
                start: 0,
                length: 300,
                status: 0,
                nodes: vec![NodeSpec {
                    parent: 0,
                    recipients: vec![SelectorSpec::Agency(0)],
                    categories: 1 << 5,
                    purposes: 1 << 1,
                    types: 0,
                    period: None,
                }],
            },
            superseded: false,
            withdrawals: Vec::new(),
            allow_list: 0,
            flow: FlowSpec {
                sender: 4,
                recipient: 1,
                // InformationRequest: it declares no category of its own.
                message_type: 7,
                purpose: 1,
                mandatory: 0,
                optional: 0,
                now: 86_400 * 10,
            },
            latest: None,
            new_version_sender: 0,
        }
    }

    #[test]
    fn a_message_with_no_category_needs_a_consent_that_names_its_recipient() {
        assert_eq!(MessageType::ALL[7], MessageType::InformationRequest);
        let case = uncategorised_flow_to_an_agency_the_consent_does_not_name();
        assert_eq!(check(&case), Verdict::Deny(ReasonCode::CategoryNotCovered));
        // The same flow to the municipality the consent names passes.
        let named = Case {
            flow: FlowSpec {
                recipient: 0,
                ..case.flow
            },
            ..case
        };
        assert!(matches!(check(&named), Verdict::Allow { .. }));
    }
}
