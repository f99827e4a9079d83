//! Consent evaluation: may this flow pass to this recipient under this consent version, and
//! which data categories of it?
//!
//! The rules, in order (see `shared/domain.md`, "Two gates for every disclosure"):
//! 1. Hard rules, whatever the record says: a forbidden purpose is refused; PROTECTED_LOCATION
//!    goes only to its allow-list (or to the destination municipality of a
//!    `RelocationRequest`); the national contact point never gets IDENTITY, CONTACT or
//!    PROTECTED_LOCATION.
//! 2. The gateway: the version must be active and not superseded, not withdrawn for this
//!    recipient at `now`, and `today` inside its period. A person who turned 18 under a
//!    guardian's consent must reconfirm: for 30 days from `subject_adult_on` only CASE_STATUS
//!    flows, after that nothing.
//! 3. Each category through the provision tree: the implicit root denies; a matching child
//!    flips its parent's effect; the deepest match decides; matches at the same depth that
//!    disagree deny. An empty dimension matches anything (senders and recipients are both
//!    dimensions: who may share with whom); a child is only considered when its parent
//!    matches.
//!
//! A withdrawal covers the versions held when it was recorded; one naming no recipient is
//! ambiguous and withdraws everything (fail safe). Where several records are in force,
//! [`coverage`] gives each one's categories and `routing` combines them.
//!
//! A denied mandatory category refuses the message for the recipient; a denied optional
//! category is removed (and the removal reported so it can be logged). A category listed as
//! both mandatory and optional counts as mandatory.
//!
//! Pure: no clock, no I/O. `now` and `today` are inputs.
//!
//! Evaluation is on the routing hot path, so internally a set of categories is a bit mask
//! and the provision tree is walked once, by reference, for all categories together; the
//! only allocations are the two sets of a [`Verdict::Allow`].

use std::collections::BTreeSet;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use schemas::messages::{
    ConsentRecord, ConsentStatus, GrantorRole, Provision, RecipientSelector, WithdrawalScope,
};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose, ReasonCode};

use crate::routing::Agency;

/// A withdrawal recorded against a consent record: it covers the versions that existed when
/// it was recorded (a new version from the custodian after it is in force from its start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// When the person withdrew; effective from this moment, not retroactive.
    pub at: DateTime<Utc>,
    /// What it covers.
    pub scope: WithdrawalScope,
    /// The latest version held when it was recorded: it covers this version and every
    /// earlier one (`u32::MAX` for a withdrawal recorded before versions were scoped).
    pub through_version: u32,
}

impl Withdrawal {
    /// Whether this withdrawal stops `version` for `recipient` at `now`.
    pub fn stops(&self, version: u32, recipient: &AgencyId, now: DateTime<Utc>) -> bool {
        self.at <= now && version <= self.through_version && self.scope_covers(recipient)
    }

    /// Whether it withdraws the whole record (for every recipient) for `version` at `now`.
    pub fn is_entire_for(&self, version: u32, now: DateTime<Utc>) -> bool {
        self.at <= now
            && version <= self.through_version
            && match &self.scope {
                WithdrawalScope::Entire => true,
                WithdrawalScope::Recipients(ids) => ids.is_empty(),
            }
    }

    /// Fail safe: a scope naming no recipient is ambiguous and withdraws everything.
    fn scope_covers(&self, recipient: &AgencyId) -> bool {
        match &self.scope {
            WithdrawalScope::Entire => true,
            WithdrawalScope::Recipients(ids) => ids.is_empty() || ids.contains(recipient),
        }
    }
}

/// One consent version as the hub holds it: the record, and what happened to it since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentInForce {
    /// The version as granted.
    pub record: ConsentRecord,
    /// Whether a later version superseded it.
    pub superseded: bool,
    /// Withdrawals recorded against the consent id, oldest first.
    pub withdrawals: Vec<Withdrawal>,
}

/// Hard-rule settings that no consent record can override.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HardRules {
    /// Agencies that may receive PROTECTED_LOCATION (e.g. police protection units). A
    /// destination municipality receiving a `RelocationRequest` is always allowed it.
    pub protected_location_allow: BTreeSet<AgencyId>,
}

/// One flow to evaluate: one message to one recipient.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Flow<'a> {
    /// The sending agency.
    pub sender: &'a Agency,
    pub recipient: &'a Agency,
    /// The message type.
    pub message_type: MessageType,
    /// The declared purpose.
    pub purpose: Purpose,
    /// Categories the message carries that cannot be removed.
    pub mandatory: &'a BTreeSet<DataCategory>,
    /// Categories the message carries in optional fields, which can be removed.
    pub optional: &'a BTreeSet<DataCategory>,
    /// Now, for withdrawals.
    pub now: DateTime<Utc>,
    /// Today in the consent's jurisdiction, for periods and age rules.
    pub today: NaiveDate,
}

/// The answer for one flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It may pass with these categories; the `removed` optional categories must be stripped.
    Allow {
        /// Categories that pass (mandatory and kept optional ones).
        categories: BTreeSet<DataCategory>,
        /// Optional categories that must be removed before delivery.
        removed: BTreeSet<DataCategory>,
    },
    /// It may not pass; the reason code says why.
    Deny(ReasonCode),
}

/// Applies the hard rules alone (they hold under statutes too). Returns the optional
/// categories to remove, or the reason a mandatory category makes the flow impossible.
pub fn hard_rules(
    rules: &HardRules,
    flow: &Flow<'_>,
) -> Result<BTreeSet<DataCategory>, ReasonCode> {
    let mandatory = Mask::of(flow.mandatory);
    let optional = Mask::of(flow.optional).without(mandatory);
    let removed = hard_rule_removals(rules, flow, mandatory, optional)?;
    Ok(removed.select(flow.optional))
}

/// Evaluates one flow under one consent version. Includes the hard rules.
pub fn evaluate(rules: &HardRules, consent: &ConsentInForce, flow: &Flow<'_>) -> Verdict {
    match evaluate_masks(rules, consent, flow) {
        Ok(removed) => {
            // `removed` holds optional categories only, so every mandatory one passes.
            let mut categories = BTreeSet::new();
            categories.extend(flow.mandatory.iter().copied());
            categories.extend(
                flow.optional
                    .iter()
                    .copied()
                    .filter(|&c| !removed.contains(c)),
            );
            let removed = removed.select(flow.optional);
            Verdict::Allow {
                categories,
                removed,
            }
        }
        Err(code) => Verdict::Deny(code),
    }
}

/// What one consent version covers of a flow, category by category, when several gateways
/// may each cover part of it (see `routing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The carried categories (mandatory and optional) this version lets pass; the hard
    /// rules are not applied here (the caller applies them once for every gateway).
    pub covered: BTreeSet<DataCategory>,
    /// Why a carried category it does not cover is refused: `CATEGORY_NOT_COVERED`, or
    /// `CONSENT_NEEDS_RECONFIRMATION` while only CASE_STATUS flows.
    pub shortfall: ReasonCode,
}

/// Whether this version is a gateway for this flow at all (in force, not withdrawn for the
/// recipient, within its period, reconfirmed if needed, and allowing this flow at least one
/// category), and if so which carried categories it covers. The hard rules are not applied.
pub fn coverage(consent: &ConsentInForce, flow: &Flow<'_>) -> Result<Coverage, ReasonCode> {
    gateway(consent, flow)?;
    let (limit, shortfall) = match reconfirmation(&consent.record, flow.today) {
        Reconfirmation::NotNeeded => (Mask::ALL, ReasonCode::CategoryNotCovered),
        Reconfirmation::Lapsed => return Err(ReasonCode::ConsentNeedsReconfirmation),
        Reconfirmation::Pending => (
            DURING_RECONFIRMATION,
            ReasonCode::ConsentNeedsReconfirmation,
        ),
    };
    let provisions = &consent.record.provisions;
    // It must allow this flow something, or a consent naming one agency would be a gateway
    // to every other for messages without categories.
    if allowed_by_tree(provisions, flow, Mask::CATEGORIES.intersect(limit)).is_empty() {
        return Err(ReasonCode::CategoryNotCovered);
    }
    let carried = Mask::of(flow.mandatory).union(Mask::of(flow.optional));
    let allowed = allowed_by_tree(provisions, flow, carried.intersect(limit));
    let mut covered = allowed.select(flow.mandatory);
    covered.extend(allowed.select(flow.optional));
    Ok(Coverage { covered, shortfall })
}

/// Whether this version is in force at `now`/`today`: active, not superseded, not entirely
/// withdrawn and not past its period's end. One record per person and programme may be.
pub fn in_force(consent: &ConsentInForce, now: DateTime<Utc>, today: NaiveDate) -> bool {
    let record = &consent.record;
    record.status == ConsentStatus::Active
        && !consent.superseded
        && today <= record.period.end
        && !consent
            .withdrawals
            .iter()
            .any(|w| w.is_entire_for(record.version, now))
}

/// Checks a new version before the hub accepts it from `sender`: the custodian only; version
/// 1 with no `supersedes`, or `supersedes` = the current latest version and `version` = that
/// plus one (and the same `consent_id`); period at most 12 months (end < start + 12 months)
/// and start <= end; status active; a guardian among the grantors when the person is a minor
/// on `period.start` under SE or NO rules (`subject_adult_on` after the start); a guardian
/// grantor without `subject_adult_on` is invalid; at least one grantor; evidence_hash 64
/// lower-case hex characters. A sender other than the custodian (of the new record, or of
/// the latest held version) gets `NotCustodian`; every other failure `InvalidConsent`.
/// `latest` is the newest version the hub holds for this consent id, if any.
pub fn validate_new_version(
    sender: &AgencyId,
    latest: Option<&ConsentRecord>,
    record: &ConsentRecord,
) -> Result<(), ReasonCode> {
    if *sender != record.custodian || latest.is_some_and(|l| l.custodian != *sender) {
        return Err(ReasonCode::NotCustodian);
    }
    let valid = follows(latest, record)
        && period_within_limit(record)
        && record.status == ConsentStatus::Active
        && grantors_valid(record)
        && is_sha256_hex(&record.evidence_hash);
    if valid {
        Ok(())
    } else {
        Err(ReasonCode::InvalidConsent)
    }
}

/// A set of data categories as bits, one per [`DataCategory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Mask(u16);

impl Mask {
    const EMPTY: Mask = Mask(0);
    /// Every category (what an empty `categories` dimension matches).
    const ALL: Mask = Mask(u16::MAX);
    /// Exactly the bits of the categories there are (see [`Mask::bit`]; a test checks it).
    const CATEGORIES: Mask = Mask((1 << 11) - 1);

    /// The bit of one category. Exhaustive on purpose: a new category must get a bit here.
    const fn bit(category: DataCategory) -> Mask {
        Mask(match category {
            DataCategory::Identity => 1 << 0,
            DataCategory::Contact => 1 << 1,
            DataCategory::ProtectedLocation => 1 << 2,
            DataCategory::SentenceRelease => 1 << 3,
            DataCategory::CriminalHistory => 1 << 4,
            DataCategory::RiskNeed => 1 << 5,
            DataCategory::HealthSubstance => 1 << 6,
            DataCategory::EconomyBenefits => 1 << 7,
            DataCategory::EducationEmployment => 1 << 8,
            DataCategory::CaseStatus => 1 << 9,
            DataCategory::Outcome => 1 << 10,
        })
    }

    fn of<'c>(categories: impl IntoIterator<Item = &'c DataCategory>) -> Mask {
        categories
            .into_iter()
            .fold(Mask::EMPTY, |m, &c| m.union(Mask::bit(c)))
    }

    const fn union(self, other: Mask) -> Mask {
        Mask(self.0 | other.0)
    }

    const fn intersect(self, other: Mask) -> Mask {
        Mask(self.0 & other.0)
    }

    const fn without(self, other: Mask) -> Mask {
        Mask(self.0 & !other.0)
    }

    const fn is_empty(self) -> bool {
        self.0 == 0
    }

    const fn contains(self, category: DataCategory) -> bool {
        self.0 & Mask::bit(category).0 != 0
    }

    /// The categories of `from` that are in this mask.
    fn select(self, from: &BTreeSet<DataCategory>) -> BTreeSet<DataCategory> {
        let mut out = BTreeSet::new();
        if !self.is_empty() {
            out.extend(from.iter().copied().filter(|&c| self.contains(c)));
        }
        out
    }
}

/// The categories the national contact point never receives.
const NEVER_TO_CONTACT_POINT: Mask = Mask::bit(DataCategory::Identity)
    .union(Mask::bit(DataCategory::Contact))
    .union(Mask::bit(DataCategory::ProtectedLocation));

/// What may flow while a person who came of age under a guardian's consent reconfirms.
const DURING_RECONFIRMATION: Mask = Mask::bit(DataCategory::CaseStatus);

/// How long, from the 18th birthday, CASE_STATUS may still flow without reconfirmation.
const RECONFIRMATION_GRACE_DAYS: u64 = 30;

/// The whole evaluation on masks. `mandatory` and `optional` are disjoint; on success, the
/// optional categories to remove.
fn evaluate_masks(
    rules: &HardRules,
    consent: &ConsentInForce,
    flow: &Flow<'_>,
) -> Result<Mask, ReasonCode> {
    let mandatory = Mask::of(flow.mandatory);
    let optional = Mask::of(flow.optional).without(mandatory);

    let mut removed = hard_rule_removals(rules, flow, mandatory, optional)?;
    gateway(consent, flow)?;

    match reconfirmation(&consent.record, flow.today) {
        Reconfirmation::NotNeeded => {}
        Reconfirmation::Lapsed => return Err(ReasonCode::ConsentNeedsReconfirmation),
        Reconfirmation::Pending => {
            if !mandatory.without(DURING_RECONFIRMATION).is_empty() {
                return Err(ReasonCode::ConsentNeedsReconfirmation);
            }
            removed = removed.union(optional.without(DURING_RECONFIRMATION));
        }
    }

    let asked = mandatory.union(optional).without(removed);
    let provisions = &consent.record.provisions;
    let denied = asked.without(allowed_by_tree(provisions, flow, asked));
    if !denied.intersect(mandatory).is_empty() {
        return Err(ReasonCode::CategoryNotCovered);
    }
    // The consent must be a gateway for this recipient: when no category passes (a message
    // that carries none, or only optional ones that are all removed), it must still allow
    // this flow something, or a consent naming one agency would let anything without
    // categories go to every other.
    if asked.without(denied).is_empty()
        && allowed_by_tree(provisions, flow, Mask::CATEGORIES).is_empty()
    {
        return Err(ReasonCode::CategoryNotCovered);
    }
    Ok(removed.union(denied))
}

/// The hard rules: a forbidden purpose refuses the flow, a forbidden mandatory category
/// refuses it, forbidden optional categories are returned for removal.
fn hard_rule_removals(
    rules: &HardRules,
    flow: &Flow<'_>,
    mandatory: Mask,
    optional: Mask,
) -> Result<Mask, ReasonCode> {
    if flow.purpose.is_forbidden() {
        return Err(ReasonCode::ForbiddenPurpose);
    }
    let forbidden = forbidden_for_recipient(rules, flow, mandatory.union(optional));
    if !forbidden.intersect(mandatory).is_empty() {
        return Err(ReasonCode::CategoryForbiddenForRecipient);
    }
    Ok(forbidden.intersect(optional))
}

/// The categories of `carried` this recipient may never receive.
fn forbidden_for_recipient(rules: &HardRules, flow: &Flow<'_>, carried: Mask) -> Mask {
    let recipient = flow.recipient;
    if recipient.role == AgencyRole::NationalContactPoint {
        return NEVER_TO_CONTACT_POINT.intersect(carried);
    }
    let location = Mask::bit(DataCategory::ProtectedLocation);
    if carried.intersect(location).is_empty() {
        return Mask::EMPTY;
    }
    if schemas::messages::may_hold_protected_location(
        flow.message_type,
        recipient.role,
        rules.protected_location_allow.contains(&recipient.id),
    ) {
        Mask::EMPTY
    } else {
        location
    }
}

/// The gateway itself: in force, not withdrawn for this recipient, within its period.
fn gateway(consent: &ConsentInForce, flow: &Flow<'_>) -> Result<(), ReasonCode> {
    let record = &consent.record;
    if record.status != ConsentStatus::Active || consent.superseded {
        return Err(ReasonCode::ConsentNotInForce);
    }
    let withdrawn = consent
        .withdrawals
        .iter()
        .any(|w| w.stops(record.version, &flow.recipient.id, flow.now));
    if withdrawn {
        return Err(ReasonCode::ConsentWithdrawn);
    }
    if flow.today < record.period.start {
        return Err(ReasonCode::ConsentNotInForce);
    }
    if flow.today > record.period.end {
        return Err(ReasonCode::ConsentExpired);
    }
    Ok(())
}

/// Where a guardian-granted consent stands once the person comes of age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reconfirmation {
    /// No guardian signed, or the person is still a minor.
    NotNeeded,
    /// Adult for less than 30 days: only CASE_STATUS flows.
    Pending,
    /// Adult for 30 days or more without reconfirming: nothing flows.
    Lapsed,
}

fn reconfirmation(record: &ConsentRecord, today: NaiveDate) -> Reconfirmation {
    let Some(adult_on) = record.subject_adult_on else {
        return Reconfirmation::NotNeeded;
    };
    let guardian_signed = record
        .grantors
        .iter()
        .any(|g| g.role == GrantorRole::Guardian);
    if !guardian_signed || today < adult_on {
        return Reconfirmation::NotNeeded;
    }
    // Past the last representable date the grace period cannot have ended yet.
    match adult_on.checked_add_days(Days::new(RECONFIRMATION_GRACE_DAYS)) {
        Some(lapses_on) if today >= lapses_on => Reconfirmation::Lapsed,
        _ => Reconfirmation::Pending,
    }
}

/// The categories of `asked` the provision tree allows for this flow.
fn allowed_by_tree(provisions: &[Provision], flow: &Flow<'_>, asked: Mask) -> Mask {
    if asked.is_empty() {
        return Mask::EMPTY;
    }
    // The implicit root (depth 0) matches everything and denies.
    let mut walk = TreeWalk {
        flow,
        deepest: [0; 16],
        allow: Mask::EMPTY,
        deny: asked,
    };
    walk.visit(provisions, 1, asked);
    walk.allow.without(walk.deny)
}

/// One walk of the provision tree for all asked categories at once.
struct TreeWalk<'f, 'a> {
    flow: &'f Flow<'a>,
    /// Per category bit: the deepest depth at which a node matched it.
    deepest: [u32; 16],
    /// Categories that a node at their deepest matching depth allows.
    allow: Mask,
    /// Categories that a node at their deepest matching depth denies.
    deny: Mask,
}

impl TreeWalk<'_, '_> {
    /// Visits `nodes`, the children of a node at `depth - 1` that matched the categories in
    /// `reach` (the root reaches every asked category).
    fn visit(&mut self, nodes: &[Provision], depth: u32, reach: Mask) {
        for node in nodes {
            let matched = reach.intersect(node_matches(node, self.flow));
            if matched.is_empty() {
                continue;
            }
            self.record(matched, depth);
            if !node.children.is_empty() {
                self.visit(&node.children, depth.saturating_add(1), matched);
            }
        }
    }

    /// Records that a node at `depth` matched `matched`: odd depths allow, even depths deny.
    fn record(&mut self, matched: Mask, depth: u32) {
        let effect_allows = depth % 2 == 1;
        let mut bits = matched.0;
        while bits != 0 {
            let index = bits.trailing_zeros() as usize;
            let bit = Mask(1 << index);
            bits &= bits - 1;
            if depth > self.deepest[index] {
                self.deepest[index] = depth;
                self.allow = self.allow.without(bit);
                self.deny = self.deny.without(bit);
            }
            if depth == self.deepest[index] {
                if effect_allows {
                    self.allow = self.allow.union(bit);
                } else {
                    self.deny = self.deny.union(bit);
                }
            }
        }
    }
}

/// The categories for which `node` matches this flow: empty when a non-category dimension
/// does not match. Cheap dimensions first.
fn node_matches(node: &Provision, flow: &Flow<'_>) -> Mask {
    let matches = (node.purposes.is_empty() || node.purposes.contains(&flow.purpose))
        && (node.senders.is_empty()
            || node
                .senders
                .iter()
                .any(|selector| selects(selector, flow.sender)))
        && (node.message_types.is_empty() || node.message_types.contains(&flow.message_type))
        && node
            .period
            .is_none_or(|p| p.start <= flow.today && flow.today <= p.end)
        && (node.recipients.is_empty()
            || node
                .recipients
                .iter()
                .any(|selector| selects(selector, flow.recipient)));
    if !matches {
        Mask::EMPTY
    } else if node.categories.is_empty() {
        Mask::ALL
    } else {
        Mask::of(&node.categories)
    }
}

fn selects(selector: &RecipientSelector, agency: &Agency) -> bool {
    match selector {
        RecipientSelector::Role(role) => *role == agency.role,
        RecipientSelector::Agency(id) => *id == agency.id,
    }
}

/// Version order: a first version, or the successor of the latest held one.
fn follows(latest: Option<&ConsentRecord>, record: &ConsentRecord) -> bool {
    match latest {
        None => record.version == 1 && record.supersedes.is_none(),
        Some(latest) => {
            record.consent_id == latest.consent_id
                && record.supersedes == Some(latest.version)
                && latest.version.checked_add(1) == Some(record.version)
        }
    }
}

/// start <= end < start + 12 months (the Danish criminal-register limit).
fn period_within_limit(record: &ConsentRecord) -> bool {
    let period = record.period;
    period.start <= period.end
        && period
            .start
            .checked_add_months(Months::new(12))
            .is_some_and(|limit| period.end < limit)
}

/// At least one grantor; a guardian names the day the person comes of age; a minor under SE
/// or NO rules needs a guardian (DK requires none).
fn grantors_valid(record: &ConsentRecord) -> bool {
    if record.grantors.is_empty() {
        return false;
    }
    let guardian_signed = record
        .grantors
        .iter()
        .any(|g| g.role == GrantorRole::Guardian);
    if guardian_signed {
        // A guardian's consent lapses when the person comes of age, so that day must be known.
        return record.subject_adult_on.is_some();
    }
    let minor_at_start = record
        .subject_adult_on
        .is_some_and(|adult_on| adult_on > record.period.start);
    let guardian_required =
        minor_at_start && matches!(record.jurisdiction, Jurisdiction::SE | Jurisdiction::NO);
    !guardian_required
}

fn is_sha256_hex(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemas::messages::{Grantor, Period, SigningMethod};
    use schemas::{DataCategory::*, Pseudonym};

    const KBH: &str = "dk-kobenhavn-kommune";
    const AARHUS: &str = "dk-aarhus-kommune";
    const POLICE: &str = "dk-politi-kbh";
    const PROTECTION: &str = "dk-politi-beskyttelse";
    const PRISON: &str = "dk-kriminalforsorgen";
    const JOBS: &str = "dk-jobcenter-kbh";
    const CONTACT_POINT: &str = "dk-exit-kontaktpunkt";

    fn id(s: &str) -> AgencyId {
        AgencyId::try_from(s).unwrap()
    }

    fn agency(s: &str) -> Agency {
        let role = match s {
            KBH | AARHUS => AgencyRole::Municipality,
            POLICE | PROTECTION => AgencyRole::Police,
            PRISON => AgencyRole::PrisonProbation,
            JOBS => AgencyRole::Employment,
            CONTACT_POINT => AgencyRole::NationalContactPoint,
            other => panic!("no fixture agency {other}"),
        };
        Agency {
            id: id(s),
            role,
            jurisdiction: Jurisdiction::DK,
            name: s.to_owned(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn set(categories: &[DataCategory]) -> BTreeSet<DataCategory> {
        categories.iter().copied().collect()
    }

    fn allow(categories: &[DataCategory], removed: &[DataCategory]) -> Verdict {
        Verdict::Allow {
            categories: set(categories),
            removed: set(removed),
        }
    }

    fn deny(code: ReasonCode) -> Verdict {
        Verdict::Deny(code)
    }

    /// A provision that names nothing: it matches every flow.
    fn node() -> Provision {
        Provision {
            senders: Vec::new(),
            recipients: Vec::new(),
            categories: Vec::new(),
            purposes: Vec::new(),
            message_types: Vec::new(),
            period: None,
            children: Vec::new(),
        }
    }

    /// Builders for provisions in the rows below.
    trait Build {
        fn role(self, role: AgencyRole) -> Self;
        fn agency(self, agency: &str) -> Self;
        fn cats(self, categories: &[DataCategory]) -> Self;
        fn purposes(self, purposes: &[Purpose]) -> Self;
        fn types(self, types: &[MessageType]) -> Self;
        fn during(self, start: &str, end: &str) -> Self;
        fn child(self, child: Provision) -> Self;
    }

    impl Build for Provision {
        fn role(mut self, role: AgencyRole) -> Self {
            self.recipients.push(RecipientSelector::Role(role));
            self
        }
        fn agency(mut self, agency: &str) -> Self {
            self.recipients.push(RecipientSelector::Agency(id(agency)));
            self
        }
        fn cats(mut self, categories: &[DataCategory]) -> Self {
            self.categories.extend_from_slice(categories);
            self
        }
        fn purposes(mut self, purposes: &[Purpose]) -> Self {
            self.purposes.extend_from_slice(purposes);
            self
        }
        fn types(mut self, types: &[MessageType]) -> Self {
            self.message_types.extend_from_slice(types);
            self
        }
        fn during(mut self, start: &str, end: &str) -> Self {
            self.period = Some(Period {
                start: day(start),
                end: day(end),
            });
            self
        }
        fn child(mut self, child: Provision) -> Self {
            self.children.push(child);
            self
        }
    }

    fn grantor(role: GrantorRole) -> Grantor {
        Grantor {
            role,
            signed_at: at("2025-12-20T10:00:00Z"),
            method: SigningMethod::Mitid,
        }
    }

    /// A valid first version, DK, for 2026, whose one provision allows everything.
    fn record() -> ConsentRecord {
        ConsentRecord {
            consent_id: uuid::Uuid::from_u128(0x0192f0c1_7d3e_7a10_9b7e_2f6c1d0e4a11),
            version: 1,
            supersedes: None,
            subject: Pseudonym::try_from("ps-7f3a9c2e11b4d805").unwrap(),
            jurisdiction: Jurisdiction::DK,
            programme: "Exit København".parse().unwrap(),
            grantors: vec![grantor(GrantorRole::Person)],
            subject_adult_on: None,
            custodian: id(KBH),
            evidence_hash: "9f2c4b1e7a3d5f60c8e2b4a6d1f3e5c7a9b0d2f4e6a8c0b1d3f5e7a9c2b4d6f8"
                .to_owned(),
            period: Period {
                start: day("2026-01-01"),
                end: day("2026-12-31"),
            },
            status: ConsentStatus::Active,
            provisions: vec![node()],
        }
    }

    fn with_provisions(consent: &mut ConsentInForce, provisions: Vec<Provision>) {
        consent.record.provisions = provisions;
    }

    /// A guardian signed; the person turns 18 on 2026-06-01.
    fn guardian_signed(consent: &mut ConsentInForce) {
        consent.record.grantors.push(grantor(GrantorRole::Guardian));
        consent.record.subject_adult_on = Some(day("2026-06-01"));
    }

    fn withdrawn(consent: &mut ConsentInForce, when: &str, scope: WithdrawalScope) {
        consent.withdrawals.push(Withdrawal {
            at: at(when),
            scope,
            through_version: consent.record.version,
        });
    }

    struct Row {
        name: &'static str,
        setup: fn(&mut ConsentInForce, &mut HardRules),
        to: &'static str,
        message_type: MessageType,
        purpose: Purpose,
        mandatory: &'static [DataCategory],
        optional: &'static [DataCategory],
        now: &'static str,
        today: &'static str,
        expect: Verdict,
    }

    /// Case coordination from the prison to Copenhagen, mid-2026, carrying CASE_STATUS.
    fn base(name: &'static str, expect: Verdict) -> Row {
        Row {
            name,
            setup: |_, _| {},
            to: KBH,
            message_type: MessageType::HandoverRequest,
            purpose: Purpose::CaseCoordination,
            mandatory: &[CaseStatus],
            optional: &[],
            now: "2026-06-15T12:00:00Z",
            today: "2026-06-15",
            expect,
        }
    }

    fn run(row: &Row) -> Verdict {
        let mut consent = ConsentInForce {
            record: record(),
            superseded: false,
            withdrawals: Vec::new(),
        };
        let mut rules = HardRules {
            protected_location_allow: BTreeSet::from([id(PROTECTION)]),
        };
        (row.setup)(&mut consent, &mut rules);
        let sender = agency(PRISON);
        let recipient = agency(row.to);
        let (mandatory, optional) = (set(row.mandatory), set(row.optional));
        let flow = Flow {
            sender: &sender,
            recipient: &recipient,
            message_type: row.message_type,
            purpose: row.purpose,
            mandatory: &mandatory,
            optional: &optional,
            now: at(row.now),
            today: day(row.today),
        };
        evaluate(&rules, &consent, &flow)
    }

    fn hard_rule_rows() -> Vec<Row> {
        use ReasonCode::*;
        vec![
            Row {
                purpose: Purpose::CriminalInvestigation,
                ..base(
                    "criminal investigation is forbidden",
                    deny(ForbiddenPurpose),
                )
            },
            Row {
                purpose: Purpose::BenefitFraudControl,
                ..base("benefit-fraud control is forbidden", deny(ForbiddenPurpose))
            },
            Row {
                purpose: Purpose::CriminalInvestigation,
                setup: |c, _| c.superseded = true,
                ..base("hard rules come before the gateway", deny(ForbiddenPurpose))
            },
            Row {
                to: POLICE,
                mandatory: &[ProtectedLocation],
                ..base(
                    "mandatory location outside the allow-list refuses",
                    deny(CategoryForbiddenForRecipient),
                )
            },
            Row {
                to: POLICE,
                optional: &[ProtectedLocation],
                ..base(
                    "optional location outside the allow-list is removed",
                    allow(&[CaseStatus], &[ProtectedLocation]),
                )
            },
            Row {
                to: PROTECTION,
                mandatory: &[ProtectedLocation],
                ..base(
                    "location to the allow-list passes",
                    allow(&[ProtectedLocation], &[]),
                )
            },
            Row {
                to: AARHUS,
                message_type: MessageType::RelocationRequest,
                purpose: Purpose::RelocationSafety,
                mandatory: &[ProtectedLocation],
                ..base(
                    "location to a municipality in a relocation request passes",
                    allow(&[ProtectedLocation], &[]),
                )
            },
            Row {
                to: AARHUS,
                mandatory: &[ProtectedLocation],
                ..base(
                    "location to a municipality in another message type refuses",
                    deny(CategoryForbiddenForRecipient),
                )
            },
            Row {
                to: POLICE,
                message_type: MessageType::RelocationRequest,
                mandatory: &[ProtectedLocation],
                ..base(
                    "the relocation exception is for municipalities only",
                    deny(CategoryForbiddenForRecipient),
                )
            },
            Row {
                to: CONTACT_POINT,
                mandatory: &[Identity],
                ..base(
                    "contact point never gets IDENTITY",
                    deny(CategoryForbiddenForRecipient),
                )
            },
            Row {
                to: CONTACT_POINT,
                mandatory: &[Contact],
                ..base(
                    "contact point never gets CONTACT",
                    deny(CategoryForbiddenForRecipient),
                )
            },
            Row {
                to: CONTACT_POINT,
                mandatory: &[ProtectedLocation],
                setup: |_, rules| {
                    rules.protected_location_allow.insert(id(CONTACT_POINT));
                },
                ..base(
                    "contact point never gets location, even on the allow-list",
                    deny(CategoryForbiddenForRecipient),
                )
            },
            Row {
                to: CONTACT_POINT,
                mandatory: &[Outcome],
                optional: &[Identity, Contact, ProtectedLocation, CaseStatus],
                ..base(
                    "contact point: optional identity, contact, location removed",
                    allow(
                        &[Outcome, CaseStatus],
                        &[Identity, Contact, ProtectedLocation],
                    ),
                )
            },
        ]
    }

    fn gateway_rows() -> Vec<Row> {
        use ReasonCode::*;
        vec![
            base("active, in period: passes", allow(&[CaseStatus], &[])),
            Row {
                setup: |c, _| c.superseded = true,
                ..base("superseded version", deny(ConsentNotInForce))
            },
            Row {
                setup: |c, _| c.record.status = ConsentStatus::Withdrawn,
                ..base("status withdrawn", deny(ConsentNotInForce))
            },
            Row {
                setup: |c, _| c.record.status = ConsentStatus::Expired,
                ..base("status expired", deny(ConsentNotInForce))
            },
            Row {
                setup: |c, _| c.record.status = ConsentStatus::Superseded,
                ..base("status superseded", deny(ConsentNotInForce))
            },
            Row {
                setup: |c, _| withdrawn(c, "2026-06-15T12:00:00Z", WithdrawalScope::Entire),
                ..base("withdrawn entirely at now", deny(ConsentWithdrawn))
            },
            Row {
                setup: |c, _| withdrawn(c, "2026-03-01T08:00:00Z", WithdrawalScope::Entire),
                ..base("withdrawn entirely before now", deny(ConsentWithdrawn))
            },
            Row {
                setup: |c, _| withdrawn(c, "2026-06-15T12:00:01Z", WithdrawalScope::Entire),
                ..base(
                    "withdrawal after now is not retroactive",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| {
                    withdrawn(
                        c,
                        "2026-06-01T00:00:00Z",
                        WithdrawalScope::Recipients(vec![id(KBH)]),
                    )
                },
                ..base("withdrawn for this recipient", deny(ConsentWithdrawn))
            },
            Row {
                setup: |c, _| {
                    withdrawn(
                        c,
                        "2026-06-01T00:00:00Z",
                        WithdrawalScope::Recipients(vec![]),
                    )
                },
                ..base(
                    "a withdrawal naming no recipient withdraws everything (fail safe)",
                    deny(ConsentWithdrawn),
                )
            },
            Row {
                setup: |c, _| {
                    withdrawn(c, "2026-06-01T00:00:00Z", WithdrawalScope::Entire);
                    c.withdrawals[0].through_version = 0;
                },
                ..base(
                    "a withdrawal of earlier versions leaves a later one in force",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![Provision {
                            senders: vec![RecipientSelector::Role(AgencyRole::Police)],
                            ..node()
                        }],
                    )
                },
                ..base(
                    "a provision naming other senders does not let this one share",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![Provision {
                            senders: vec![RecipientSelector::Agency(id(PRISON))],
                            ..node()
                        }],
                    )
                },
                ..base("a provision naming this sender", allow(&[CaseStatus], &[]))
            },
            Row {
                setup: |c, _| {
                    withdrawn(
                        c,
                        "2026-06-01T00:00:00Z",
                        WithdrawalScope::Recipients(vec![id(AARHUS)]),
                    )
                },
                ..base(
                    "withdrawn for another recipient only",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                today: "2025-12-31",
                ..base("the day before the period", deny(ConsentNotInForce))
            },
            Row {
                today: "2026-01-01",
                ..base("the first day of the period", allow(&[CaseStatus], &[]))
            },
            Row {
                today: "2026-12-31",
                ..base("the last day of the period", allow(&[CaseStatus], &[]))
            },
            Row {
                today: "2027-01-01",
                ..base("the day after the period", deny(ConsentExpired))
            },
        ]
    }

    fn guardian_rows() -> Vec<Row> {
        use ReasonCode::*;
        vec![
            Row {
                setup: |c, _| guardian_signed(c),
                today: "2026-05-31",
                mandatory: &[RiskNeed],
                ..base("the day before 18: all flows", allow(&[RiskNeed], &[]))
            },
            Row {
                setup: |c, _| guardian_signed(c),
                today: "2026-06-01",
                mandatory: &[RiskNeed],
                ..base(
                    "on the 18th birthday: mandatory other",
                    deny(ConsentNeedsReconfirmation),
                )
            },
            Row {
                setup: |c, _| guardian_signed(c),
                today: "2026-06-01",
                optional: &[RiskNeed, Identity],
                ..base(
                    "on the 18th birthday: only CASE_STATUS, optional removed",
                    allow(&[CaseStatus], &[RiskNeed, Identity]),
                )
            },
            Row {
                setup: |c, _| guardian_signed(c),
                today: "2026-06-30",
                optional: &[RiskNeed],
                ..base(
                    "day 29 after 18: still CASE_STATUS",
                    allow(&[CaseStatus], &[RiskNeed]),
                )
            },
            Row {
                setup: |c, _| guardian_signed(c),
                today: "2026-07-01",
                ..base("day 30 after 18: nothing", deny(ConsentNeedsReconfirmation))
            },
            Row {
                setup: |c, _| {
                    c.record.subject_adult_on = Some(day("2026-06-01"));
                },
                today: "2026-07-01",
                mandatory: &[RiskNeed],
                ..base(
                    "no guardian signed: no reconfirmation",
                    allow(&[RiskNeed], &[]),
                )
            },
            Row {
                setup: |c, _| {
                    guardian_signed(c);
                    with_provisions(c, vec![node().cats(&[RiskNeed])]);
                },
                today: "2026-06-10",
                ..base(
                    "during reconfirmation CASE_STATUS still needs the tree",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| guardian_signed(c),
                to: CONTACT_POINT,
                today: "2026-06-10",
                optional: &[Identity, Outcome],
                ..base(
                    "hard rule and reconfirmation removals together",
                    allow(&[CaseStatus], &[Identity, Outcome]),
                )
            },
        ]
    }

    fn tree_rows() -> Vec<Row> {
        use AgencyRole::*;
        use ReasonCode::*;
        vec![
            Row {
                setup: |c, _| with_provisions(c, vec![]),
                ..base("no provisions: the root denies", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![]),
                mandatory: &[],
                optional: &[CaseStatus],
                ..base(
                    "no provisions: not even an optional-only message passes",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().agency(AARHUS).cats(&[RiskNeed])]),
                mandatory: &[],
                message_type: MessageType::InformationRequest,
                ..base(
                    "no category carried, to an agency the consent does not name",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().agency(KBH).cats(&[RiskNeed])]),
                mandatory: &[],
                message_type: MessageType::InformationRequest,
                ..base(
                    "no category carried, to an agency the consent names",
                    allow(&[], &[]),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![node().agency(KBH).purposes(&[Purpose::ReleaseCoordination])],
                    )
                },
                mandatory: &[],
                message_type: MessageType::InformationRequest,
                ..base(
                    "no category carried, for a purpose the consent does not name",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().agency(KBH).cats(&[RiskNeed])]),
                mandatory: &[],
                optional: &[CaseStatus],
                ..base(
                    "optional only, all removed, to an agency the consent names",
                    allow(&[], &[CaseStatus]),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![node().agency(KBH).child(node().cats(&[
                            Identity,
                            Contact,
                            ProtectedLocation,
                            SentenceRelease,
                            CriminalHistory,
                            RiskNeed,
                            HealthSubstance,
                            EconomyBenefits,
                            EducationEmployment,
                            CaseStatus,
                            Outcome,
                        ]))],
                    )
                },
                mandatory: &[],
                message_type: MessageType::InformationRequest,
                ..base(
                    "no category carried: a consent that denies every category names nobody",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().cats(&[CaseStatus])]),
                to: JOBS,
                purpose: Purpose::OutcomeStatistics,
                message_type: MessageType::CaseClosed,
                ..base("empty dimensions match anything", allow(&[CaseStatus], &[]))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().cats(&[RiskNeed])]),
                ..base("category not named", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| {
                    with_provisions(c, vec![node().purposes(&[Purpose::ReleaseCoordination])])
                },
                ..base("purpose not named", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![
                            node().purposes(&[
                                Purpose::ReleaseCoordination,
                                Purpose::CaseCoordination,
                            ]),
                        ],
                    )
                },
                ..base("purpose named", allow(&[CaseStatus], &[]))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().types(&[MessageType::ReleaseNotice])]),
                ..base("message type not named", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| {
                    with_provisions(c, vec![node().types(&[MessageType::HandoverRequest])])
                },
                ..base("message type named", allow(&[CaseStatus], &[]))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().role(Municipality)]),
                to: AARHUS,
                ..base("role selector matches the role", allow(&[CaseStatus], &[]))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().role(Municipality)]),
                to: POLICE,
                ..base("role selector, other role", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().agency(AARHUS)]),
                to: AARHUS,
                ..base(
                    "agency selector matches the agency",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().agency(AARHUS)]),
                to: KBH,
                ..base(
                    "agency selector, other agency of the same role",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().role(Police).agency(KBH)]),
                to: KBH,
                ..base(
                    "any selector of the list matches",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().during("2026-03-01", "2026-03-31")]),
                today: "2026-02-28",
                ..base("before a provision's period", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().during("2026-03-01", "2026-03-31")]),
                today: "2026-03-01",
                ..base(
                    "first day of a provision's period",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().during("2026-03-01", "2026-03-31")]),
                today: "2026-03-31",
                ..base(
                    "last day of a provision's period",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().during("2026-03-01", "2026-03-31")]),
                today: "2026-04-01",
                ..base("after a provision's period", deny(CategoryNotCovered))
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![node().role(Municipality).child(node().cats(&[RiskNeed]))],
                    )
                },
                mandatory: &[RiskNeed],
                ..base(
                    "depth 2 denies a mandatory category",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![node().role(Municipality).child(node().cats(&[RiskNeed]))],
                    )
                },
                optional: &[RiskNeed, HealthSubstance],
                ..base(
                    "depth 2 removes an optional category, depth 1 keeps the rest",
                    allow(&[CaseStatus, HealthSubstance], &[RiskNeed]),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![
                            node()
                                .role(Municipality)
                                .child(node().cats(&[RiskNeed]).child(node().agency(KBH))),
                        ],
                    )
                },
                to: KBH,
                mandatory: &[RiskNeed],
                ..base("depth 3 allows again", allow(&[RiskNeed], &[]))
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![
                            node()
                                .role(Municipality)
                                .child(node().cats(&[RiskNeed]).child(node().agency(KBH))),
                        ],
                    )
                },
                to: AARHUS,
                mandatory: &[RiskNeed],
                ..base(
                    "depth 3 not matching: depth 2 decides",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![
                            node(),
                            node().role(Municipality).child(node().cats(&[RiskNeed])),
                        ],
                    )
                },
                mandatory: &[RiskNeed],
                ..base(
                    "the deepest match wins over a shallower sibling",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![node().agency(KBH), node().role(Police).child(node())],
                    )
                },
                ..base(
                    "a child only counts when its parent matches (recipient)",
                    allow(&[CaseStatus], &[]),
                )
            },
            Row {
                setup: |c, _| {
                    with_provisions(
                        c,
                        vec![
                            node()
                                .cats(&[CaseStatus])
                                .child(node().cats(&[RiskNeed]).child(node())),
                        ],
                    )
                },
                mandatory: &[RiskNeed],
                ..base(
                    "a child only counts when its parent matches (category)",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().cats(&[CaseStatus])]),
                mandatory: &[RiskNeed],
                optional: &[RiskNeed],
                ..base(
                    "a category both mandatory and optional is mandatory",
                    deny(CategoryNotCovered),
                )
            },
            Row {
                setup: |c, _| with_provisions(c, vec![node().cats(&[CaseStatus])]),
                to: CONTACT_POINT,
                optional: &[Identity, Outcome],
                ..base(
                    "hard rule and tree removals together",
                    allow(&[CaseStatus], &[Identity, Outcome]),
                )
            },
        ]
    }

    fn check(rows: Vec<Row>) {
        let mut failures = Vec::new();
        for row in &rows {
            let got = run(row);
            if got != row.expect {
                failures.push(format!(
                    "{}: expected {:?}, got {:?}",
                    row.name, row.expect, got
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn hard_rules_in_evaluate() {
        check(hard_rule_rows());
    }

    #[test]
    fn gateway() {
        check(gateway_rows());
    }

    #[test]
    fn guardian_reconfirmation() {
        check(guardian_rows());
    }

    #[test]
    fn provision_tree() {
        check(tree_rows());
    }

    #[test]
    fn the_category_mask_holds_exactly_the_vocabulary() {
        // `register::CATEGORIES` is checked against the JSON Schema's list.
        assert_eq!(Mask::of(&crate::register::CATEGORIES), Mask::CATEGORIES);
    }

    #[test]
    fn hard_rules_alone() {
        let rules = HardRules {
            protected_location_allow: BTreeSet::from([id(PROTECTION)]),
        };
        let (sender, police, ncp) = (agency(PRISON), agency(POLICE), agency(CONTACT_POINT));
        let flow = |recipient, purpose, mandatory, optional| Flow {
            sender: &sender,
            recipient,
            message_type: MessageType::InformationResponse,
            purpose,
            mandatory,
            optional,
            now: at("2026-06-15T12:00:00Z"),
            today: day("2026-06-15"),
        };
        let (case, location) = (set(&[CaseStatus]), set(&[ProtectedLocation, RiskNeed]));
        let empty = BTreeSet::new();
        assert_eq!(
            hard_rules(
                &rules,
                &flow(&police, Purpose::CaseCoordination, &case, &location)
            ),
            Ok(set(&[ProtectedLocation]))
        );
        assert_eq!(
            hard_rules(
                &rules,
                &flow(&police, Purpose::CaseCoordination, &location, &empty)
            ),
            Err(ReasonCode::CategoryForbiddenForRecipient)
        );
        assert_eq!(
            hard_rules(
                &rules,
                &flow(&ncp, Purpose::CaseCoordination, &case, &empty)
            ),
            Ok(BTreeSet::new())
        );
        assert_eq!(
            hard_rules(
                &rules,
                &flow(&ncp, Purpose::BenefitFraudControl, &case, &empty)
            ),
            Err(ReasonCode::ForbiddenPurpose)
        );
    }

    #[test]
    fn every_category_has_its_own_bit() {
        let all = [
            Identity,
            Contact,
            ProtectedLocation,
            SentenceRelease,
            CriminalHistory,
            RiskNeed,
            HealthSubstance,
            EconomyBenefits,
            EducationEmployment,
            CaseStatus,
            Outcome,
        ];
        let mask = Mask::of(&all);
        assert_eq!(mask.0.count_ones() as usize, all.len());
        for c in all {
            assert!(mask.contains(c));
            assert_eq!(Mask::bit(c).0.count_ones(), 1);
        }
    }

    struct VersionRow {
        name: &'static str,
        sender: &'static str,
        /// Changes the new version and the latest held one (none unless set).
        setup: fn(&mut ConsentRecord, &mut Option<ConsentRecord>),
        expect: Result<(), ReasonCode>,
    }

    fn version(
        name: &'static str,
        setup: fn(&mut ConsentRecord, &mut Option<ConsentRecord>),
        expect: Result<(), ReasonCode>,
    ) -> VersionRow {
        VersionRow {
            name,
            sender: KBH,
            setup,
            expect,
        }
    }

    /// The new record becomes version 2 of the held version 1.
    fn second_version(new: &mut ConsentRecord, latest: &mut Option<ConsentRecord>) {
        *latest = Some(new.clone());
        new.version = 2;
        new.supersedes = Some(1);
    }

    #[test]
    fn validate_new_version_rules() {
        use ReasonCode::*;
        let invalid = Err(InvalidConsent);
        let rows = vec![
            version("a valid first version", |_, _| {}, Ok(())),
            VersionRow {
                sender: AARHUS,
                ..version("sender is not the custodian", |_, _| {}, Err(NotCustodian))
            },
            VersionRow {
                sender: AARHUS,
                ..version(
                    "not the custodian comes before other failures",
                    |r, _| r.evidence_hash.clear(),
                    Err(NotCustodian),
                )
            },
            VersionRow {
                sender: AARHUS,
                ..version(
                    "sender names itself custodian of another's consent",
                    |r, latest| {
                        second_version(r, latest);
                        r.custodian = id(AARHUS);
                    },
                    Err(NotCustodian),
                )
            },
            version(
                "version 1 superseding something",
                |r, _| r.supersedes = Some(1),
                invalid,
            ),
            version(
                "version 2 with nothing held",
                |r, _| {
                    r.version = 2;
                    r.supersedes = Some(1);
                },
                invalid,
            ),
            version("the next version", second_version, Ok(())),
            version(
                "a version skipped",
                |r, l| {
                    second_version(r, l);
                    r.version = 3;
                },
                invalid,
            ),
            version(
                "supersedes an older version",
                |r, l| {
                    second_version(r, l);
                    if let Some(l) = l {
                        l.version = 2;
                        l.supersedes = Some(1);
                    }
                },
                invalid,
            ),
            version(
                "next version without supersedes",
                |r, l| {
                    second_version(r, l);
                    r.supersedes = None;
                },
                invalid,
            ),
            version(
                "version 1 again while one is held",
                |r, l| *l = Some(r.clone()),
                invalid,
            ),
            version(
                "another consent id",
                |r, l| {
                    second_version(r, l);
                    r.consent_id = uuid::Uuid::from_u128(7);
                },
                invalid,
            ),
            version(
                "exactly 12 months",
                |r, _| r.period.end = day("2027-01-01"),
                invalid,
            ),
            version(
                "12 months less a day",
                |r, _| r.period.end = day("2026-12-31"),
                Ok(()),
            ),
            version(
                "12 months from the end of a month",
                |r, _| {
                    r.period.start = day("2026-01-31");
                    r.period.end = day("2027-01-30");
                },
                Ok(()),
            ),
            version(
                "end before start",
                |r, _| r.period.end = day("2025-12-31"),
                invalid,
            ),
            version(
                "one-day period",
                |r, _| r.period.end = day("2026-01-01"),
                Ok(()),
            ),
            version(
                "status not active",
                |r, _| r.status = ConsentStatus::Superseded,
                invalid,
            ),
            version("no grantors", |r, _| r.grantors.clear(), invalid),
            version(
                "guardian without the 18th birthday",
                |r, _| r.grantors.push(grantor(GrantorRole::Guardian)),
                invalid,
            ),
            version(
                "SE minor without a guardian",
                |r, _| {
                    r.jurisdiction = Jurisdiction::SE;
                    r.subject_adult_on = Some(day("2026-01-02"));
                },
                invalid,
            ),
            version(
                "NO minor without a guardian",
                |r, _| {
                    r.jurisdiction = Jurisdiction::NO;
                    r.subject_adult_on = Some(day("2026-08-01"));
                },
                invalid,
            ),
            version(
                "SE minor with a guardian",
                |r, _| {
                    r.jurisdiction = Jurisdiction::SE;
                    r.subject_adult_on = Some(day("2026-08-01"));
                    r.grantors.push(grantor(GrantorRole::Guardian));
                },
                Ok(()),
            ),
            version(
                "SE, 18 on the first day: no guardian needed",
                |r, _| {
                    r.jurisdiction = Jurisdiction::SE;
                    r.subject_adult_on = Some(day("2026-01-01"));
                },
                Ok(()),
            ),
            version(
                "DK minor without a guardian",
                |r, _| r.subject_adult_on = Some(day("2026-08-01")),
                Ok(()),
            ),
            version(
                "hash in upper case",
                |r, _| r.evidence_hash = r.evidence_hash.to_uppercase(),
                invalid,
            ),
            version(
                "hash too short",
                |r, _| {
                    r.evidence_hash.pop();
                },
                invalid,
            ),
            version(
                "hash not hex",
                |r, _| r.evidence_hash.replace_range(0..1, "g"),
                invalid,
            ),
        ];
        let mut failures = Vec::new();
        for row in &rows {
            let (mut new, mut latest) = (record(), None);
            (row.setup)(&mut new, &mut latest);
            let got = validate_new_version(&id(row.sender), latest.as_ref(), &new);
            if got != row.expect {
                failures.push(format!(
                    "{}: expected {:?}, got {:?}",
                    row.name, row.expect, got
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }
}
