//! Consent evaluation: may this flow pass to this recipient under this consent version, and
//! which data categories of it?
//!
//! The rules, in order (see `shared/domain.md`, "Two gates for every disclosure"):
//! 1. Hard rules, whatever the record says: a forbidden purpose is refused; PROTECTED_LOCATION
//!    goes only to its allow-list; the national contact point never gets IDENTITY, CONTACT or
//!    PROTECTED_LOCATION.
//! 2. The gateway: the version must be active and not superseded, not withdrawn for this
//!    recipient at `now`, and `today` inside its period. A person who turned 18 under a
//!    guardian's consent must reconfirm: for 30 days from `subject_adult_on` only CASE_STATUS
//!    flows, after that nothing.
//! 3. Each category through the provision tree: the implicit root denies; a matching child
//!    flips its parent's effect; the deepest match decides; matches at the same depth that
//!    disagree deny. An empty dimension matches anything; a child is only considered when its
//!    parent matches.
//!
//! A denied mandatory category refuses the message for the recipient; a denied optional
//! category is removed (and the removal reported so it can be logged).
//!
//! Pure: no clock, no I/O. `now` and `today` are inputs.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use schemas::messages::{ConsentRecord, WithdrawalScope};
use schemas::{AgencyId, DataCategory, MessageType, Purpose, ReasonCode};

use crate::routing::Agency;

/// A withdrawal recorded against a consent record (all versions of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// When the person withdrew; effective from this moment, not retroactive.
    pub at: DateTime<Utc>,
    /// What it covers.
    pub scope: WithdrawalScope,
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
pub struct Flow<'a> {
    /// The sending agency.
    pub sender: &'a Agency,
    /// The recipient.
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
pub fn hard_rules(rules: &HardRules, flow: &Flow<'_>) -> Result<BTreeSet<DataCategory>, ReasonCode> {
    let _ = (rules, flow);
    unimplemented!("consent engine: hard rules")
}

/// Evaluates one flow under one consent version. Includes the hard rules.
pub fn evaluate(rules: &HardRules, consent: &ConsentInForce, flow: &Flow<'_>) -> Verdict {
    let _ = (rules, consent, flow);
    unimplemented!("consent engine: evaluate")
}

/// Checks a new version before the hub accepts it from `sender`: the custodian only; version
/// 1 with no `supersedes`, or `supersedes` = the current latest version and `version` = that
/// plus one; period at most 12 months (end < start + 12 months) and start <= end; status
/// active; a guardian among the grantors when the person is a minor on `period.start` under
/// SE or NO rules (`subject_adult_on` after the start); a guardian grantor without
/// `subject_adult_on` is invalid; at least one grantor; evidence_hash 64 lower-case hex
/// characters. A sender other than the custodian (of the new record, or of the latest held
/// version) gets `NotCustodian`; every other failure `InvalidConsent`.
/// `latest` is the newest version the hub holds for this consent id, if any.
pub fn validate_new_version(
    sender: &AgencyId,
    latest: Option<&ConsentRecord>,
    record: &ConsentRecord,
) -> Result<(), ReasonCode> {
    let _ = (sender, latest, record);
    unimplemented!("consent engine: validate_new_version")
}
