//! The bodies of the version-1 message catalogue, one struct per message type.
//!
//! Every struct refuses unknown fields. [`Body::carried_categories`] says which data
//! categories a body actually carries, so the hub can check the envelope's declaration
//! against the content instead of trusting it.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{AgencyId, LongText, ShortText};
use crate::vocab::{DataCategory, Jurisdiction, Purpose, ReasonCode};
use crate::{AgencyRole, Body, Pseudonym};

/// Supervision after release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum SupervisionKind {
    None,
    Parole,
    Probation,
    CommunitySentence,
}

/// Supervision that follows a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supervision {
    /// What kind of supervision.
    pub kind: SupervisionKind,
    /// The last day of supervision, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

/// How urgently a need must be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum NeedLevel {
    None,
    NeedsSupport,
    Urgent,
    Unknown,
}

/// Housing and income needs at release (data category ECONOMY_BENEFITS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNeeds {
    /// Need for housing on release.
    pub housing: NeedLevel,
    /// Need for income on release.
    pub income: NeedLevel,
    /// The caseworker's notes on these needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<LongText>,
}

/// A staff member to contact at the sending agency (not the person's own contact data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactOfficer {
    /// The officer's name.
    pub name: ShortText,
    /// A work phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<ShortText>,
    /// A work e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<ShortText>,
}

/// Prison to municipality and employment service: a release is coming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNotice {
    /// The expected release date (SENTENCE_RELEASE).
    pub expected_release: NaiveDate,
    /// The earliest possible release date, e.g. on parole (SENTENCE_RELEASE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_release: Option<NaiveDate>,
    /// Supervision after release (SENTENCE_RELEASE).
    pub supervision: Supervision,
    /// Housing and income needs (ECONOMY_BENEFITS), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<ReleaseNeeds>,
    /// Who to call at the prison.
    pub contact_officer: ContactOfficer,
    /// The person's identity (IDENTITY), sealed by the sending agent to each recipient that
    /// may hold it; each recipient gets only its own copy, and one not covered gets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_identity: Option<Sealed>,
}

/// A typed attachment to a handover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// What the attachment is.
    pub title: ShortText,
    /// The data category of its content.
    pub category: DataCategory,
    /// Its media type, e.g. `text/plain` or `application/pdf`.
    pub media_type: ShortText,
    /// The content, base64-encoded.
    pub content_base64: String,
}

/// Case owner to any agency: please take over this case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// The handover's id; answers refer to it.
    pub handover_id: Uuid,
    /// Why the case is handed over (CASE_STATUS).
    pub reason: ShortText,
    /// The date by which an answer is expected.
    pub respond_by: NaiveDate,
    /// A summary of the plan so far (CASE_STATUS).
    pub plan_summary: LongText,
    /// Typed attachments; each carries its own category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The person's identity (IDENTITY), sealed by the sending agent to each recipient that
    /// may hold it; each recipient gets only its own copy, and one not covered gets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_identity: Option<Sealed>,
}

/// The answer to a handover request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum HandoverOutcome {
    Received,
    Accepted,
    Rejected,
}

/// Recipient to sender: received, accepted or rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverResponse {
    /// The handover answered.
    pub handover_id: Uuid,
    /// The answer.
    pub outcome: HandoverOutcome,
    /// The reason, required when rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ShortText>,
    /// The kind of reason for a rejection, so rejections can be counted without reading the
    /// words (CASE_STATUS). Optional in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<RejectionReason>,
}

/// The requester to the agency it asked: the handover is withdrawn before it was answered.
/// Only the agency that requested it (the case's owner) may cancel it, and only while it is
/// open; the case stays with its owner and the handover's deadlines stop. A relocation is
/// cancelled the same way (its `relocation_id` is the handover id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverCancelled {
    /// The handover (or relocation) cancelled.
    pub handover_id: Uuid,
    /// Why it is cancelled (CASE_STATUS).
    pub reason: ShortText,
}

/// Why two pseudonyms are one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// The person's national identity number changed: a D-nummer replaced by a
    /// fødselsnummer, a samordningsnummer by a personnummer.
    NumberChanged,
    /// The federation's pseudonym key was rotated: every pseudonym was derived again.
    KeyRotated,
}

/// Agency to hub: the person the hub knows as `previous` is the person `envelope.subject`
/// names now. Sent by an agency that knows both numbers and takes part in the case
/// `envelope.case_id`, which is about `previous`. The hub records only that the two
/// pseudonyms are one person; the disclosure log, cases and consent follow the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonLinked {
    /// The pseudonym the person had.
    pub previous: Pseudonym,
    /// Why the two are one person.
    pub reason: LinkReason,
}

/// Why a handover was rejected, as a code the contact point's statistics can count.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// The receiving agency has no capacity (housing, programme places).
    NoCapacity,
    /// The receiving agency is not responsible (another municipality or district is).
    NotResponsible,
    /// The person declined the programme.
    PersonDeclined,
    /// The request lacks what is needed to take the case over.
    InsufficientInformation,
    /// Anything else; the words say what.
    Other,
}

impl RejectionReason {
    /// Every code, in a stable order.
    pub const ALL: [RejectionReason; 5] = [
        RejectionReason::NoCapacity,
        RejectionReason::NotResponsible,
        RejectionReason::PersonDeclined,
        RejectionReason::InsufficientInformation,
        RejectionReason::Other,
    ];

    /// The code as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionReason::NoCapacity => "no_capacity",
            RejectionReason::NotResponsible => "not_responsible",
            RejectionReason::PersonDeclined => "person_declined",
            RejectionReason::InsufficientInformation => "insufficient_information",
            RejectionReason::Other => "other",
        }
    }
}

/// The one sealing scheme of version 1: HPKE (RFC 9180) in base mode with
/// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and ChaCha20-Poly1305.
pub const SEALING_SCHEME: &str = "HPKE-BASE-X25519-SHA256-CHACHA20POLY1305";

/// A field encrypted by the sending agent, one copy per entitled recipient; the hub never
/// sees it in clear and forwards each recipient only its own copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// The sealing scheme: `HPKE-BASE-X25519-SHA256-CHACHA20POLY1305`.
    pub scheme: ShortText,
    /// One encrypted copy per entitled recipient.
    #[schemars(length(min = 1))]
    #[serde(deserialize_with = "non_empty")]
    pub copies: Vec<SealedCopy>,
}

fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SealedCopy>, D::Error> {
    let copies = Vec::<SealedCopy>::deserialize(d)?;
    if copies.is_empty() {
        return Err(serde::de::Error::invalid_length(
            0,
            &"at least one sealed copy",
        ));
    }
    Ok(copies)
}

impl Sealed {
    /// The field as one recipient gets it: its own copy only.
    pub fn for_recipient(&self, recipient: &AgencyId) -> Sealed {
        Sealed {
            scheme: self.scheme.clone(),
            copies: self
                .copies
                .iter()
                .filter(|c| &c.recipient == recipient)
                .cloned()
                .collect(),
        }
    }
}

/// The body field of a message type that is sealed, if it has one.
pub fn sealed_field(message_type: crate::MessageType) -> Option<&'static str> {
    match message_type {
        crate::MessageType::RelocationRequest => Some("sealed_destination"),
        crate::MessageType::RelocationConfirmed => Some("sealed_address"),
        _ => None,
    }
}

/// Whether a recipient may hold PROTECTED_LOCATION (and so a copy of a sealed location) in a
/// message of this type: an agency on the hub's allow-list (a police protection unit), or
/// the destination municipality of a relocation request. The hub's hard rule and the agent's
/// choice of whom to seal to both use this one definition.
pub fn may_hold_protected_location(
    message_type: crate::MessageType,
    recipient_role: AgencyRole,
    allow_listed: bool,
) -> bool {
    allow_listed
        || (message_type == crate::MessageType::RelocationRequest
            && recipient_role == AgencyRole::Municipality)
}

/// The body field that carries the person's identity, sealed, on the types that may carry it
/// ([`carries_identity`]).
pub const SEALED_IDENTITY: &str = "sealed_identity";

/// Whether a message of this type may carry the person's identity (IDENTITY) as a sealed
/// field: the messages about a person that go to another agency which must know who it is.
pub fn carries_identity(message_type: crate::MessageType) -> bool {
    matches!(
        message_type,
        crate::MessageType::ReleaseNotice
            | crate::MessageType::HandoverRequest
            | crate::MessageType::RelocationRequest
            | crate::MessageType::InformationResponse
    )
}

/// Whether an agency of this role may ever hold a copy of a sealed identity: every agency but
/// the national contact point, which never receives IDENTITY (a hard rule). Whether a
/// recipient gets its copy is then the gateway's decision, per message. The hub's check and
/// the agent's choice of whom to seal to both use this one definition.
pub fn may_hold_identity(recipient_role: AgencyRole) -> bool {
    recipient_role != AgencyRole::NationalContactPoint
}

/// What a sealed identity holds once opened: who the person is. Never on the wire in clear,
/// never in the hub.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedIdentity {
    /// The country that issued the number.
    pub jurisdiction: Jurisdiction,
    /// The national identity number in its canonical form
    /// ([`crate::person::NationalId::normalised`]).
    pub national_id: ShortText,
    /// The person's name as the sending agency holds it.
    pub name: ShortText,
    /// The date of birth.
    pub date_of_birth: NaiveDate,
}

impl std::fmt::Debug for SealedIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedIdentity")
            .field("jurisdiction", &self.jurisdiction)
            .finish_non_exhaustive()
    }
}

/// What a sealed location field holds once opened: where the person will live, and what the
/// reader needs to act on it. Never on the wire in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedLocation {
    /// Street address.
    pub address: ShortText,
    /// Postal code.
    pub postal_code: ShortText,
    /// Town or city.
    pub city: ShortText,
    /// Anything else the reader needs (contact person, moving arrangements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<LongText>,
}

/// One recipient's encrypted copy of a sealed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedCopy {
    /// The agency that can open this copy.
    pub recipient: AgencyId,
    /// Which of its published keys was used.
    pub key_id: ShortText,
    /// The encapsulated key, base64.
    pub enc: String,
    /// The ciphertext, base64.
    pub ciphertext: String,
}

/// How severe the threat against a relocating person is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ThreatLevel {
    Low,
    Moderate,
    High,
    Severe,
}

/// Origin municipality to destination municipality: please receive this person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelocationRequest {
    /// The relocation's id; the confirmation refers to it.
    pub relocation_id: Uuid,
    /// The threat level (RISK_NEED).
    pub threat_level: ThreatLevel,
    /// The date by which the move is needed.
    pub needed_by: NaiveDate,
    /// Needs at the destination (CASE_STATUS).
    pub needs: LongText,
    /// Sealed destination details (PROTECTED_LOCATION).
    pub sealed_destination: Sealed,
    /// The person's identity (IDENTITY), sealed by the sending agent to each recipient that
    /// may hold it; each recipient gets only its own copy, and one not covered gets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_identity: Option<Sealed>,
}

/// Destination to origin and police: the person has moved; the destination owns the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelocationConfirmed {
    /// The relocation confirmed.
    pub relocation_id: Uuid,
    /// The move date.
    pub move_date: NaiveDate,
    /// The new owning agency.
    pub new_owner: AgencyId,
    /// The new address, sealed for the police protection unit only (PROTECTED_LOCATION).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_address: Option<Sealed>,
}

/// Who signed a consent form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum GrantorRole {
    Person,
    Guardian,
}

/// How a consent form was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum SigningMethod {
    WetInk,
    Mitid,
    Bankid,
    Freja,
}

/// One signature on a consent form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grantor {
    /// The person or their guardian.
    pub role: GrantorRole,
    /// When they signed.
    pub signed_at: DateTime<Utc>,
    /// How they signed.
    pub method: SigningMethod,
}

/// A period of time, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
}

/// The state of a consent record version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ConsentStatus {
    Active,
    Withdrawn,
    Expired,
    Superseded,
}

/// Who a provision names as sender or recipient: a role or one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RecipientSelector {
    /// Every agency of this role.
    Role(AgencyRole),
    /// One agency.
    Agency(AgencyId),
}

/// A node of the provision tree. An empty dimension matches anything; a matching child flips
/// its parent's effect (the implicit root denies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    /// Senders this provision names: who may share (empty: any sender).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub senders: Vec<RecipientSelector>,
    /// Recipients this provision names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<RecipientSelector>,
    /// Data categories this provision names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<DataCategory>,
    /// Purposes this provision names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<Purpose>,
    /// Message types this provision names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_types: Vec<crate::MessageType>,
    /// When this provision applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Children, which flip this provision's effect where they match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Provision>,
}

/// One immutable version of a person's consent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRecord {
    /// The record's id, the same across versions.
    pub consent_id: Uuid,
    /// This version's number, from 1.
    pub version: u32,
    /// The version this one supersedes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<u32>,
    /// The person, by hub pseudonym.
    pub subject: Pseudonym,
    /// Whose age and gateway rules apply.
    pub jurisdiction: Jurisdiction,
    /// The programme the consent was given to.
    pub programme: ShortText,
    /// Who signed: the person, and a guardian for a minor.
    pub grantors: Vec<Grantor>,
    /// The day the person turns 18, when a guardian signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_adult_on: Option<NaiveDate>,
    /// The agency holding the signed form; it alone may issue new versions.
    pub custodian: AgencyId,
    /// SHA-256 of the signed form, hex.
    pub evidence_hash: String,
    /// When the consent applies; at most 12 months.
    pub period: Period,
    /// The status of this version.
    pub status: ConsentStatus,
    /// Children of the implicit root, which denies.
    pub provisions: Vec<Provision>,
}

/// Custodian to hub: a new version of a consent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentGranted {
    /// The new version.
    pub consent: ConsentRecord,
}

/// What a withdrawal covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WithdrawalScope {
    /// The whole consent.
    Entire,
    /// Only disclosures to these agencies.
    Recipients(Vec<AgencyId>),
}

/// Any agency to hub: the person withdraws consent, effective at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentWithdrawn {
    /// The consent withdrawn.
    pub consent_id: Uuid,
    /// When the person withdrew it.
    pub withdrawn_at: DateTime<Utc>,
    /// What the withdrawal covers.
    pub scope: WithdrawalScope,
    /// Who received the person's wish, when and how: required when the sender is not the
    /// consent's custodian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<WithdrawalEvidence>,
}

/// How a person made their wish to withdraw known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum WishChannel {
    InPerson,
    InWriting,
    ByPhone,
    Digital,
}

/// The evidence of a withdrawal recorded on the person's behalf by an agency other than the
/// custodian.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalEvidence {
    /// Who received the wish: a role or title (never a person's name is required).
    pub received_by: ShortText,
    /// When the wish was received.
    pub received_at: DateTime<Utc>,
    /// How the person made it known.
    pub channel: WishChannel,
}

/// Any agency to any agency: a question about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationRequest {
    /// The request's id; the response refers to it.
    pub request_id: Uuid,
    /// The categories asked for.
    pub categories_requested: Vec<DataCategory>,
    /// The question.
    pub question: LongText,
}

/// One answer in an information response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The category this answer belongs to.
    pub category: DataCategory,
    /// The answer.
    pub text: LongText,
}

/// The answer to an information request; it may be partial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationResponse {
    /// The request answered.
    pub request_id: Uuid,
    /// Whether some asked-for categories are not answered.
    pub partial: bool,
    /// The answers, one per category answered.
    pub answers: Vec<Answer>,
    /// The person's identity (IDENTITY), sealed by the sending agent to each recipient that
    /// may hold it; each recipient gets only its own copy, and one not covered gets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_identity: Option<Sealed>,
}

/// A risk level from a structured assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RiskLevel {
    VeryLow,
    Low,
    Medium,
    High,
    VeryHigh,
}

/// An LS/RNR need area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum NeedArea {
    EducationEmployment,
    FamilyMarital,
    Accommodation,
    LeisureRecreation,
    Companions,
    AlcoholDrug,
    ProcriminalAttitude,
    AntisocialPattern,
}

/// Prison, probation or municipality to partners: level and top needs, no item scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskNeedSummary {
    /// The instrument used, e.g. `LS/RNR`.
    pub instrument: ShortText,
    /// When it was assessed.
    pub assessed_on: NaiveDate,
    /// The overall level (RISK_NEED).
    pub level: RiskLevel,
    /// The top need areas, most pressing first (RISK_NEED).
    pub top_needs: Vec<NeedArea>,
}

/// Why a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum CaseEndReason {
    Completed,
    DroppedOut,
    Transferred,
    ConsentWithdrawn,
    Deceased,
}

/// Municipality, employment or police to the national contact point: how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeReport {
    /// Why the case ended (OUTCOME).
    pub end_reason: CaseEndReason,
    /// The day the case ended.
    pub ended_on: NaiveDate,
    /// No new serious charge 12 months after the end, when known (OUTCOME).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_new_serious_charge_12m: Option<bool>,
    /// In education or a job 3 months after the end, when known (OUTCOME).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_education_or_job_3m: Option<bool>,
}

/// Owner to participants: the case is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseClosed {
    /// Why (CASE_STATUS).
    pub reason: CaseEndReason,
    /// When.
    pub closed_at: DateTime<Utc>,
}

/// One recipient the hub refused, inside a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// The recipient refused.
    pub recipient: AgencyId,
    /// Why.
    pub reason: ReasonCode,
}

/// Hub to sender: the message was delivered to these recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The message this receipt is for.
    pub in_reply_to: Uuid,
    /// The recipients whose inboxes now hold it.
    pub delivered_to: Vec<AgencyId>,
    /// The recipients refused, with reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refusal>,
}

/// Hub to sender: the message was refused and delivered to nobody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Undeliverable {
    /// The refused message's id, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Uuid>,
    /// Why, as a stable code.
    pub reason: ReasonCode,
    /// Why, in words, naming the offending field where there is one.
    pub detail: String,
    /// Per recipient, when recipients were refused for different reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refusal>,
}

/// A deadline the hub watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineName {
    /// A release notice at the latest 3 months before the expected release.
    ReleaseNotice,
    /// A handover received within 2 working days.
    HandoverReceived,
    /// A handover answered within 10 working days.
    HandoverAnswered,
    /// A relocation answered within 2 calendar days.
    RelocationAnswered,
}

/// Who an escalation goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    /// The first breach: the sending agency's coordinator.
    Coordinator,
    /// A double breach: the national contact point.
    ContactPoint,
}

/// A case's stage, as reported in an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum CaseStageName {
    Referred,
    Intake,
    Active,
    Suspended,
    Closed,
}

/// Hub to a coordinator or the national contact point: a deadline is breached. Carries only
/// the pseudonym (in the envelope), the agencies, the stage and the days overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Which deadline.
    pub deadline: DeadlineName,
    /// First breach (coordinator) or double breach (contact point).
    pub level: EscalationLevel,
    /// The agency that had to act and the agency waiting, in that order where it applies.
    pub agencies: Vec<AgencyId>,
    /// The case's stage.
    pub stage: CaseStageName,
    /// When it was due.
    pub due: NaiveDate,
    /// Days overdue (working days, or calendar days for relocations and release notices).
    pub days_overdue: u32,
}

/// An agency to the hub: a public key to seal fields to this agency with. The key id is
/// derived from the key (`k-` and the first 16 bytes of its SHA-256, in hex), so a key and
/// its id cannot be mismatched. The newest key an agency published is the one senders use;
/// its older private keys stay with the agency, so what was sealed to them stays readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPublished {
    /// The key's id.
    pub key_id: ShortText,
    /// The sealing scheme the key is for.
    pub scheme: ShortText,
    /// The public key (32 bytes for X25519), base64.
    pub public_key: String,
}

/// One agency's published key, as the hub lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryKey {
    /// The agency holding the private key (authenticated by the broker when it published).
    pub agency: AgencyId,
    /// What kind of agency it is.
    pub role: AgencyRole,
    /// The key's id.
    pub key_id: ShortText,
    /// The sealing scheme.
    pub scheme: ShortText,
    /// The public key, base64.
    pub public_key: String,
    /// When the hub recorded it.
    pub published_at: DateTime<Utc>,
    /// Whether this is the agency's newest key, the one to seal to.
    pub current: bool,
    /// Whether the hub lets this agency receive PROTECTED_LOCATION beyond a relocation
    /// request to a municipality (a police protection unit).
    pub protected_location: bool,
    /// The agency's name for people, as the hub's registry has it: what the caseworkers'
    /// pages show instead of the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_name: Option<ShortText>,
}

/// The hub to agencies: the key directory, whole or as a change.
///
/// Whole (no `follows`): every published key; the hub sends it to an agency that announces a
/// key (each agent does when it starts), so an agent that starts fresh or missed a change
/// gets it all. A change (`follows` set): when an agency's key becomes current, the hub sends
/// every other agency only that key, so what the hub sends grows with the announcements, not
/// with their square. The reader applies a change only when it holds exactly version
/// `follows`: it adds or updates the keys listed, and marks every other key of their agencies
/// not current. A reader holding an older version has missed a change and asks for the whole
/// directory (by announcing its current key again); one holding `version` or newer has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyDirectory {
    /// Grows with every change; an agent keeps the highest version it has seen.
    pub version: u64,
    /// Whole: every published key, current and rotated out. A change: the keys that became
    /// current.
    pub keys: Vec<DirectoryKey>,
    /// Present on a change: the version of the directory this change applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<u64>,
}

impl KeyDirectory {
    /// Whether this is a change to apply on top of version `follows` rather than the whole
    /// directory.
    pub fn is_change(&self) -> bool {
        self.follows.is_some()
    }
}

/// The data categories a body carries: those that cannot be removed, and those in optional
/// fields that can.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Categories {
    /// Carried by required fields.
    pub mandatory: BTreeSet<DataCategory>,
    /// Carried only by optional fields.
    pub optional: BTreeSet<DataCategory>,
}

impl Categories {
    /// Every category carried.
    pub fn all(&self) -> BTreeSet<DataCategory> {
        self.mandatory.union(&self.optional).copied().collect()
    }

    fn optional(&mut self, category: DataCategory) {
        if !self.mandatory.contains(&category) {
            self.optional.insert(category);
        }
    }

    /// Adds `category` as carried by an optional field (unless a required one carries it).
    pub fn add_optional(&mut self, category: DataCategory) {
        self.optional(category);
    }
}

impl Body {
    /// The data categories this body carries, mandatory and optional.
    pub fn categories(&self) -> Categories {
        use DataCategory as C;
        let mut out = Categories::default();
        let mut mandatory = |cs: &[DataCategory]| out.mandatory.extend(cs.iter().copied());
        match self {
            Body::ReleaseNotice(_) => mandatory(&[C::SentenceRelease]),
            Body::HandoverRequest(_)
            | Body::HandoverResponse(_)
            | Body::HandoverCancelled(_)
            | Body::CaseClosed(_) => {
                mandatory(&[C::CaseStatus]);
            }
            Body::RelocationRequest(_) => {
                mandatory(&[C::RiskNeed, C::CaseStatus, C::ProtectedLocation]);
            }
            Body::RelocationConfirmed(_) => mandatory(&[C::CaseStatus]),
            Body::RiskNeedSummary(_) => mandatory(&[C::RiskNeed]),
            Body::OutcomeReport(_) => mandatory(&[C::Outcome]),
            Body::Escalation(_) => mandatory(&[C::CaseStatus]),
            Body::ConsentGranted(_)
            | Body::ConsentWithdrawn(_)
            | Body::InformationRequest(_)
            | Body::InformationResponse(_)
            | Body::Receipt(_)
            | Body::Undeliverable(_)
            | Body::KeyPublished(_)
            | Body::KeyDirectory(_)
            | Body::PersonLinked(_) => {}
        }
        match self {
            Body::ReleaseNotice(b) if b.needs.is_some() => out.optional(C::EconomyBenefits),
            Body::HandoverRequest(b) => b.attachments.iter().for_each(|a| out.optional(a.category)),
            Body::RelocationConfirmed(b) if b.sealed_address.is_some() => {
                out.optional(C::ProtectedLocation);
            }
            Body::InformationResponse(b) => b.answers.iter().for_each(|a| out.optional(a.category)),
            _ => {}
        }
        if self.sealed_identity().is_some() {
            out.optional(C::Identity);
        }
        out
    }

    /// The sealed identity this body carries, if any.
    pub fn sealed_identity(&self) -> Option<&Sealed> {
        match self {
            Body::ReleaseNotice(b) => b.sealed_identity.as_ref(),
            Body::HandoverRequest(b) => b.sealed_identity.as_ref(),
            Body::RelocationRequest(b) => b.sealed_identity.as_ref(),
            Body::InformationResponse(b) => b.sealed_identity.as_ref(),
            _ => None,
        }
    }

    fn sealed_identity_mut(&mut self) -> Option<&mut Option<Sealed>> {
        match self {
            Body::ReleaseNotice(b) => Some(&mut b.sealed_identity),
            Body::HandoverRequest(b) => Some(&mut b.sealed_identity),
            Body::RelocationRequest(b) => Some(&mut b.sealed_identity),
            Body::InformationResponse(b) => Some(&mut b.sealed_identity),
            _ => None,
        }
    }

    /// The data categories this body actually carries: what the envelope must declare.
    pub fn carried_categories(&self) -> BTreeSet<DataCategory> {
        self.categories().all()
    }

    /// The body as `recipient` gets it: of a sealed field, only its own copy; an optional
    /// sealed field with no copy for it is left out.
    pub fn for_recipient(&self, recipient: &AgencyId) -> Body {
        let mut body = self.clone();
        match &mut body {
            Body::RelocationRequest(b) => {
                b.sealed_destination = b.sealed_destination.for_recipient(recipient);
            }
            Body::RelocationConfirmed(b) => {
                b.sealed_address = b
                    .sealed_address
                    .as_ref()
                    .map(|s| s.for_recipient(recipient))
                    .filter(|s| !s.copies.is_empty());
            }
            _ => {}
        }
        if let Some(identity) = body.sealed_identity_mut() {
            *identity = identity
                .as_ref()
                .map(|s| s.for_recipient(recipient))
                .filter(|s| !s.copies.is_empty());
        }
        body
    }

    /// Whether [`Body::for_recipient`] would change anything for `recipient`.
    pub fn has_copies_for_others(&self, recipient: &AgencyId) -> bool {
        let location = match self {
            Body::RelocationRequest(b) => Some(&b.sealed_destination),
            Body::RelocationConfirmed(b) => b.sealed_address.as_ref(),
            _ => None,
        };
        [location, self.sealed_identity()]
            .into_iter()
            .flatten()
            .any(|s| s.copies.iter().any(|c| &c.recipient != recipient))
    }

    /// The body with the optional fields of `removed` categories taken out. Mandatory
    /// categories are never removed here: a flow that denies one is refused instead.
    pub fn without(&self, removed: &BTreeSet<DataCategory>) -> Body {
        let mut body = self.clone();
        match &mut body {
            Body::ReleaseNotice(b) if removed.contains(&DataCategory::EconomyBenefits) => {
                b.needs = None;
            }
            Body::HandoverRequest(b) => b.attachments.retain(|a| !removed.contains(&a.category)),
            Body::RelocationConfirmed(b) if removed.contains(&DataCategory::ProtectedLocation) => {
                b.sealed_address = None;
            }
            Body::InformationResponse(b) => {
                let before = b.answers.len();
                b.answers.retain(|a| !removed.contains(&a.category));
                b.partial |= b.answers.len() < before;
            }
            _ => {}
        }
        if removed.contains(&DataCategory::Identity)
            && let Some(identity) = body.sealed_identity_mut()
        {
            *identity = None;
        }
        body
    }
}
