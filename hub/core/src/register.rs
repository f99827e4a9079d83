//! The register of processing activities (GDPR art. 30), generated from the message catalogue.
//!
//! One activity per message type that carries personal data (the agencies' messages of
//! [`catalogue::ROUTES`] and the hub's own receipts, refusals and escalations), one for the
//! national contact point's dashboard, and one per record the hub keeps (disclosure log,
//! audit log, dead letters, case and consent state, dashboard logins).
//! Each activity says what art. 30(1) asks for: purposes, data subjects, categories of
//! personal data (with the special categories of art. 9 and the criminal-offence data of
//! art. 10 marked), recipients, legal basis, transfers, retention and security measures.
//!
//! Nothing here is written by hand per deployment: recipients follow from the catalogue and
//! the hard rules (the register asks [`consent::hard_rules`] itself which categories a
//! recipient may get), legal bases from the configured statutes, sealed fields from
//! [`schemas::messages::sealed_field`]. What the configuration adds is who the controller is
//! and the retention policy ([`Config`]). Time is an input, as everywhere in this crate.
//!
//! [`Register`] serializes to JSON (a report for people and their tools, not a wire type
//! between agencies); [`to_csv`] and [`to_markdown`] render it. It contains no personal data.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use schemas::messages::{carries_identity, sealed_field};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose};
use serde::Serialize;

use crate::catalogue::{self, Route};
use crate::consent::{self, Flow, HardRules};
use crate::routing::{Agency, Directory, Policy, Statute};

mod render;

pub use render::{CSV_COLUMNS, category_name, purpose_name, role_name, to_csv, to_markdown};

/// Who is responsible for the hub's processing, as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Controller {
    /// The controller's name (art. 30(1)(a)).
    pub name: String,
    /// How to reach the controller.
    pub contact: String,
    /// How to reach the data protection officer.
    pub dpo_contact: String,
}

/// The kinds of record the hub keeps, each with its own retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Message records and the forwarded bodies in the outbox.
    Messages,
    /// Cases, participants, handovers, consent versions and withdrawals, escalations sent,
    /// outcome figures.
    Cases,
    /// The disclosure log.
    DisclosureLog,
    /// The hash-chained audit log.
    AuditLog,
    /// Refused input kept for inspection.
    DeadLetters,
    /// The dashboard's logins and sessions.
    DashboardLogins,
}

/// The retention policy per record kind, as configured (words: the controller's policy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retention {
    /// Message records and forwarded bodies.
    pub messages: Option<String>,
    /// Case, handover and consent state.
    pub cases: Option<String>,
    /// The disclosure log.
    pub disclosure_log: Option<String>,
    /// The audit log.
    pub audit_log: Option<String>,
    /// Dead letters.
    pub dead_letters: Option<String>,
    /// The dashboard's logins and sessions.
    pub dashboard_logins: Option<String>,
}

const NOT_STATED: &str = "Not stated in the hub's configuration.";

fn stated(text: &str) -> String {
    match text.trim() {
        "" => NOT_STATED.to_owned(),
        text => text.to_owned(),
    }
}

impl Retention {
    /// The configured text for a kind of record, or a statement that none is configured.
    pub fn text(&self, kind: RecordKind) -> String {
        let configured = match kind {
            RecordKind::Messages => &self.messages,
            RecordKind::Cases => &self.cases,
            RecordKind::DisclosureLog => &self.disclosure_log,
            RecordKind::AuditLog => &self.audit_log,
            RecordKind::DeadLetters => &self.dead_letters,
            RecordKind::DashboardLogins => &self.dashboard_logins,
        };
        stated(configured.as_deref().unwrap_or_default())
    }
}

/// What the configuration contributes to the register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The controller.
    pub controller: Controller,
    /// Retention per record kind.
    pub retention: Retention,
    /// Whether the hub connects to the broker over AMQPS with a client certificate.
    pub broker_tls: bool,
}

/// The register of processing activities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Register {
    /// The title.
    pub title: String,
    /// The version of the message catalogue it is generated from.
    pub catalogue_version: u32,
    /// When it was generated; none for the committed copy, which changes only with its inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<DateTime<Utc>>,
    /// Who is responsible.
    pub controller: Controller,
    /// What a reader needs to know to read it.
    pub notes: Vec<String>,
    /// The purposes a message may name.
    pub purposes: Vec<PurposeEntry>,
    /// The data categories of the domain, with their sensitivity.
    pub categories: Vec<CategoryDescription>,
    /// The categories of data subjects.
    pub data_subjects: Vec<DataSubjectDescription>,
    /// The agencies allowed protected locations besides a relocation's destination.
    pub protected_location_allow: Vec<AllowListed>,
    /// Transfers to third countries.
    pub transfers: Transfers,
    /// The technical and organisational security measures (art. 32).
    pub measures: Vec<Measure>,
    /// The processing activities.
    pub activities: Vec<Activity>,
    /// Message types that are not activities, and why.
    pub not_listed: Vec<NotListed>,
}

/// Whose processing an activity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A message an agency sends through the hub.
    AgencyMessage,
    /// A message the hub itself sends.
    HubMessage,
    /// What the hub shows over HTTP (the national contact point's dashboard).
    HubView,
    /// A record the hub keeps.
    HubRecord,
}

impl ActivityKind {
    fn label(self) -> &'static str {
        match self {
            ActivityKind::AgencyMessage => "agency_message",
            ActivityKind::HubMessage => "hub_message",
            ActivityKind::HubView => "hub_view",
            ActivityKind::HubRecord => "hub_record",
        }
    }
}

/// One processing activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// A stable id: the message type's name, or the record's.
    pub id: String,
    /// Whose processing it is.
    pub kind: ActivityKind,
    /// The message type, for a message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<MessageType>,
    /// Its name for people.
    pub name: String,
    /// What it carries or holds, in the catalogue's words.
    pub description: String,
    /// Roles that may send it (none for the hub's own).
    pub senders: Vec<AgencyRole>,
    /// Why (art. 30(1)(b)).
    pub purposes: Vec<PurposeEntry>,
    /// Whose data (art. 30(1)(c)).
    pub data_subjects: Vec<DataSubject>,
    /// Which of the domain's data categories (art. 30(1)(c)).
    pub categories: Vec<CategoryEntry>,
    /// Personal data besides the categories' content.
    pub other_data: Vec<String>,
    /// To whom, by role, with the categories each may receive (art. 30(1)(d)).
    pub recipients: Vec<RecipientGroup>,
    /// Recipients in words, where roles do not say it all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipients_note: Option<String>,
    /// The gateways that lift confidentiality (art. 6, 9 and 10).
    pub legal_basis: LegalBasis,
    /// Transfers to third countries (art. 30(1)(e)).
    pub third_country_transfers: String,
    /// Retention (art. 30(1)(f)).
    pub retention: RetentionEntry,
    /// Ids of the measures in [`Register::measures`] that protect it (art. 30(1)(g)).
    pub measures: Vec<String>,
}

/// A purpose: one of the vocabulary's, or the hub's own in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurposeEntry {
    /// The purpose's code, when it is one a message can name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Purpose>,
    /// What it is for.
    pub description: String,
}

/// A category of data subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSubject {
    /// People in a crime-exit or reintegration programme, named by pseudonym.
    ProgrammeParticipant,
    /// Guardians who signed a consent for a minor.
    Guardian,
    /// Agency staff named in a message (a contact officer).
    AgencyStaff,
    /// The national contact point's staff with a dashboard login.
    DashboardUser,
}

impl DataSubject {
    const ALL: [DataSubject; 4] = [
        DataSubject::ProgrammeParticipant,
        DataSubject::Guardian,
        DataSubject::AgencyStaff,
        DataSubject::DashboardUser,
    ];

    fn label(self) -> &'static str {
        match self {
            DataSubject::ProgrammeParticipant => "programme_participant",
            DataSubject::Guardian => "guardian",
            DataSubject::AgencyStaff => "agency_staff",
            DataSubject::DashboardUser => "dashboard_user",
        }
    }

    fn description(self) -> &'static str {
        match self {
            DataSubject::ProgrammeParticipant => {
                "People in a crime-exit or reintegration programme; the hub knows them only by pseudonym."
            }
            DataSubject::Guardian => {
                "Guardians who signed a consent for a minor: only that a guardian signed, when and how."
            }
            DataSubject::AgencyStaff => {
                "Agency staff named in a message as contact officer: name, work phone and work e-mail."
            }
            DataSubject::DashboardUser => {
                "The national contact point's staff who log in to its dashboard."
            }
        }
    }
}

/// A category of data subjects with its description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataSubjectDescription {
    /// The category.
    pub subject: DataSubject,
    /// Who they are.
    pub description: String,
}

/// Whether every message of a type carries a category, or only some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Carried by a required field: a recipient whose gateway does not cover it gets nothing.
    Mandatory,
    /// Carried by an optional field: removed for a recipient whose gateway does not cover it.
    Optional,
}

/// One data category an activity carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryEntry {
    /// The category.
    pub category: DataCategory,
    /// Mandatory or optional.
    pub presence: Presence,
    /// A special category of personal data (GDPR art. 9).
    pub special_category: bool,
    /// Personal data relating to criminal convictions and offences (GDPR art. 10).
    pub criminal_offence: bool,
    /// Encrypted by the sending agent to each entitled recipient; the hub never sees it.
    pub sealed: bool,
}

/// A data category of the domain and how sensitive it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryDescription {
    /// The category.
    pub category: DataCategory,
    /// What it holds.
    pub description: String,
    /// A special category of personal data (GDPR art. 9).
    pub special_category: bool,
    /// Personal data relating to criminal convictions and offences (GDPR art. 10).
    pub criminal_offence: bool,
}

/// Recipients of one role and the categories they may receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientGroup {
    /// The recipients' role.
    pub role: AgencyRole,
    /// Empty: every agency of the role, with `categories`. Otherwise only these agencies
    /// (the protected-location allow-list), which may receive `categories` in addition to
    /// what every agency of the role may.
    pub agencies: Vec<AgencyId>,
    /// The categories they may receive, after the hard rules.
    pub categories: Vec<DataCategory>,
}

/// What lifts the duty of confidentiality for an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalBasis {
    /// Whether a version of the person's consent record can be the gateway.
    pub consent: bool,
    /// The configured statutes that can be the gateway.
    pub statutes: Vec<StatuteBasis>,
    /// What the activity rests on, in words, where it is not a gateway per recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A statute as the gateway of one activity: the part of it that the catalogue lets apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatuteBasis {
    /// Its id.
    pub id: String,
    /// How a disclosure cites it: `STATUTE:<id>`.
    pub reference: String,
    /// Where it applies (sender and recipient both).
    pub jurisdiction: Jurisdiction,
    /// Sending roles it covers.
    pub from_roles: Vec<AgencyRole>,
    /// Receiving roles it covers.
    pub to_roles: Vec<AgencyRole>,
    /// Purposes it covers (never a forbidden one).
    pub purposes: Vec<Purpose>,
    /// Categories of this activity it lets pass.
    pub categories: Vec<DataCategory>,
}

/// How long an activity's data is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionEntry {
    /// Which kind of record holds it.
    pub record: RecordKind,
    /// The configured policy.
    pub text: String,
}

/// An agency allowed to receive protected locations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowListed {
    /// Its id.
    pub id: AgencyId,
    /// Its name, when it is registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its role, when it is registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<AgencyRole>,
}

/// Transfers to third countries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfers {
    /// Third countries data goes to: none.
    pub third_countries: Vec<String>,
    /// The jurisdictions recipients can be in, and why none is a third country.
    pub jurisdictions: Vec<JurisdictionStatus>,
    /// In words.
    pub note: String,
}

/// A jurisdiction agencies can be registered under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JurisdictionStatus {
    /// The jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// Its standing under the GDPR.
    pub status: String,
}

/// A technical or organisational measure the code takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// A stable id, referred to by activities.
    pub id: String,
    /// Its name.
    pub title: String,
    /// What the hub does.
    pub description: String,
}

/// A message type that is not a processing activity of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotListed {
    /// The type.
    pub message_type: MessageType,
    /// Why it is not listed.
    pub reason: String,
}

/// The data categories in the vocabulary's order. A test checks it against the published
/// JSON Schema, and the classification of each is an exhaustive match, so a new category
/// cannot go unclassified.
pub const CATEGORIES: [DataCategory; 11] = [
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

/// The purposes a message may name and the hub accepts.
fn allowed_purposes() -> impl Iterator<Item = Purpose> {
    [
        Purpose::ReintegrationPlanning,
        Purpose::ReleaseCoordination,
        Purpose::RelocationSafety,
        Purpose::CaseCoordination,
        Purpose::OutcomeStatistics,
        Purpose::CriminalInvestigation,
        Purpose::BenefitFraudControl,
    ]
    .into_iter()
    .filter(|p| !p.is_forbidden())
}

fn purpose_description(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::ReintegrationPlanning => {
            "Planning the person's way back: housing, income, follow-up."
        }
        Purpose::ReleaseCoordination => "Coordinating a release from prison.",
        Purpose::RelocationSafety => "Keeping a relocating person safe.",
        Purpose::CaseCoordination => "Coordinating the agencies on a case.",
        Purpose::OutcomeStatistics => "Outcome statistics for the national contact point.",
        Purpose::CriminalInvestigation | Purpose::BenefitFraudControl => {
            "Never processed: the hub refuses it."
        }
    }
}

fn coded(purpose: Purpose) -> PurposeEntry {
    PurposeEntry {
        code: Some(purpose),
        description: purpose_description(purpose).to_owned(),
    }
}

fn worded(description: &str) -> PurposeEntry {
    PurposeEntry {
        code: None,
        description: description.to_owned(),
    }
}

/// GDPR art. 9 (special category) and art. 10 (criminal offences) for a category, and what it
/// holds.
fn sensitivity(category: DataCategory) -> (bool, bool, &'static str) {
    use DataCategory as C;
    match category {
        C::Identity => (
            false,
            false,
            "Who the person is, such as name or national ID number.",
        ),
        C::Contact => (
            false,
            false,
            "How to reach the person: phone, e-mail, postal address.",
        ),
        C::ProtectedLocation => (
            false,
            false,
            "Where a person under threat lives or will live. Not a special category in law, but life-critical: the hard rules and sealing protect it.",
        ),
        C::SentenceRelease => (
            false,
            true,
            "Sentence, expected and earliest release, supervision after release.",
        ),
        C::CriminalHistory => (false, true, "Previous convictions and offences."),
        C::RiskNeed => (
            true,
            true,
            "A structured assessment of the risk of reoffending and of needs (an LS/RNR level and top need areas, a relocation's threat level). A need area can be alcohol or drugs, which is health data.",
        ),
        C::HealthSubstance => (true, false, "Health, including substance use."),
        C::EconomyBenefits => (false, false, "Income, benefits, housing needs."),
        C::EducationEmployment => (false, false, "Education and work."),
        C::CaseStatus => (
            false,
            false,
            "The case: its stage, plan, handovers and their reasons, deadlines.",
        ),
        C::Outcome => (
            false,
            true,
            "How the programme went: end reason, whether a new serious charge followed within 12 months, whether in education or a job after 3 months.",
        ),
    }
}

/// The categories a message type's fields can carry: mandatory ones, and optional ones.
/// Must agree with [`schemas::Body::categories`] (checked by this module's tests against the
/// examples and against bodies with every attachment and answer category).
fn carried(message_type: MessageType) -> (Vec<DataCategory>, Vec<DataCategory>) {
    use DataCategory as C;
    let any = |mandatory: &[DataCategory]| -> Vec<DataCategory> {
        CATEGORIES
            .iter()
            .copied()
            .filter(|c| !mandatory.contains(c))
            .collect()
    };
    match message_type {
        // The person's identity, sealed, where the sender has it to give.
        MessageType::ReleaseNotice => (
            vec![C::SentenceRelease],
            vec![C::EconomyBenefits, C::Identity],
        ),
        // Typed attachments: each of any category.
        MessageType::HandoverRequest => (vec![C::CaseStatus], any(&[C::CaseStatus])),
        MessageType::HandoverResponse
        | MessageType::HandoverCancelled
        | MessageType::CaseClosed
        | MessageType::Escalation => (vec![C::CaseStatus], Vec::new()),
        MessageType::RelocationRequest => (
            vec![C::RiskNeed, C::CaseStatus, C::ProtectedLocation],
            vec![C::Identity],
        ),
        MessageType::RelocationConfirmed => (vec![C::CaseStatus], vec![C::ProtectedLocation]),
        // Answers: each of any category.
        MessageType::InformationResponse => (Vec::new(), any(&[])),
        MessageType::RiskNeedSummary => (vec![C::RiskNeed], Vec::new()),
        MessageType::OutcomeReport => (vec![C::Outcome], Vec::new()),
        MessageType::ConsentGranted
        | MessageType::ConsentWithdrawn
        | MessageType::InformationRequest
        | MessageType::Receipt
        | MessageType::Undeliverable
        | MessageType::KeyPublished
        | MessageType::KeyDirectory
        | MessageType::PersonLinked => (Vec::new(), Vec::new()),
    }
}

/// Every category of both lists, in the vocabulary's order.
fn all_of(mandatory: &[DataCategory], optional: &[DataCategory]) -> Vec<DataCategory> {
    let all: BTreeSet<DataCategory> = mandatory.iter().chain(optional).copied().collect();
    all.into_iter().collect()
}

/// The activity's name and the personal data it carries besides the categories' content.
fn about(message_type: MessageType) -> (&'static str, &'static [&'static str]) {
    const ENVELOPE: &str = "The person's hub pseudonym and the case id (envelope), and that this agency sent this message about them, when.";
    match message_type {
        MessageType::ReleaseNotice => (
            "Release notice",
            &[
                ENVELOPE,
                "The prison's contact officer: name, work phone and work e-mail.",
            ],
        ),
        MessageType::HandoverRequest => (
            "Handover request",
            &[
                ENVELOPE,
                "The reason and plan summary in free text (declared as CASE_STATUS); each attachment declares its own category.",
            ],
        ),
        MessageType::HandoverResponse => (
            "Handover response",
            &[ENVELOPE, "The answer and, for a rejection, its reason."],
        ),
        MessageType::HandoverCancelled => (
            "Handover cancelled",
            &[
                ENVELOPE,
                "Which handover the requester cancels and why, in free text (CASE_STATUS).",
            ],
        ),
        MessageType::RelocationRequest => (
            "Relocation request",
            &[
                ENVELOPE,
                "The threat level (RISK_NEED), the needed-by date, needs at the destination in free text (CASE_STATUS); the destination, sealed (PROTECTED_LOCATION).",
            ],
        ),
        MessageType::RelocationConfirmed => (
            "Relocation confirmed",
            &[
                ENVELOPE,
                "The move date and the new owning agency; the new address, sealed for the police protection unit only.",
            ],
        ),
        MessageType::ConsentGranted => (
            "Consent recorded",
            &[
                "The consent record: the person's pseudonym, jurisdiction and programme; who signed (the person, or a guardian for a minor), when and how; the day a minor turns 18; the custodian agency; a SHA-256 hash of the signed form (the form stays with the custodian); the period and the provisions.",
            ],
        ),
        MessageType::PersonLinked => (
            "Person linked",
            &[
                ENVELOPE,
                "The person's previous pseudonym and why it changed (a changed identity number, a rotated pseudonym key); the hub records only that the two pseudonyms are one person.",
            ],
        ),
        MessageType::ConsentWithdrawn => (
            "Consent withdrawn",
            &[
                ENVELOPE,
                "The consent's id, when the person withdrew it and what the withdrawal covers.",
            ],
        ),
        MessageType::InformationRequest => (
            "Information request",
            &[
                ENVELOPE,
                "The categories asked for and the question in free text. The question declares no category of its own; a sender declares any it holds.",
            ],
        ),
        MessageType::InformationResponse => (
            "Information response",
            &[
                ENVELOPE,
                "Answers in free text, each under its category; whether the answer is partial.",
            ],
        ),
        MessageType::RiskNeedSummary => (
            "Risk and need summary",
            &[
                ENVELOPE,
                "The instrument and the assessment date; no item scores.",
            ],
        ),
        MessageType::OutcomeReport => (
            "Outcome report",
            &[
                ENVELOPE,
                "The end reason (which can be death) and the end date.",
                "The contact point receives the pseudonym as the sender wrote it: outcome reports are not given the contact point's own pseudonym.",
            ],
        ),
        MessageType::CaseClosed => (
            "Case closed",
            &[ENVELOPE, "The reason (which can be death) and the time."],
        ),
        MessageType::Receipt => (
            "Receipt",
            &[
                "The answered message's id, case id and pseudonym; the agencies it was delivered to and refused for, with reason codes.",
            ],
        ),
        MessageType::Undeliverable => (
            "Undeliverable",
            &[
                "The answered message's id, and its case id and pseudonym when it could be read; a reason code and a detail that names the offending field, never its value.",
            ],
        ),
        MessageType::Escalation => (
            "Deadline escalation",
            &[
                "To a coordinator: the person's pseudonym and the case id. To the national contact point: a pseudonym under the contact point's own key and no case id.",
                "The agencies (none to the contact point when the case had a relocation), the case's stage, the due date and the days overdue.",
            ],
        ),
        MessageType::KeyPublished => ("Sealing key published", &[]),
        MessageType::KeyDirectory => ("Key directory", &[]),
    }
}

/// Message types whose content is no personal data at all.
fn without_personal_data(message_type: MessageType) -> Option<&'static str> {
    match message_type {
        MessageType::KeyPublished => {
            Some("An agency's public sealing key and its id: about the agency, no personal data.")
        }
        MessageType::KeyDirectory => Some(
            "Every agency's public sealing keys, as the hub distributes them: no personal data.",
        ),
        _ => None,
    }
}

/// Whether the hub decides a gateway per recipient for this type (the consent messages and
/// key announcements are handled by the hub itself).
fn routed_by_gateway(message_type: MessageType) -> bool {
    !matches!(
        message_type,
        MessageType::ConsentGranted
            | MessageType::ConsentWithdrawn
            | MessageType::KeyPublished
            | MessageType::PersonLinked
    )
}

const M_TLS: &str = "transport-tls";
const M_IDENTITY: &str = "broker-identity";
const M_INPUT: &str = "strict-input";
const M_GATES: &str = "two-gates";
const M_HARD: &str = "hard-rules";
const M_SEALED: &str = "sealed-fields";
const M_PSEUDONYMS: &str = "pseudonyms";
const M_SMALL_CELLS: &str = "small-cells";
const M_DISCLOSURES: &str = "disclosure-log";
const M_AUDIT: &str = "audit-chain";
const M_LOGS: &str = "no-data-in-logs";
const M_WITHDRAWAL: &str = "withdrawal";
const M_LOGINS: &str = "dashboard-logins";

fn measures(config: &Config) -> Vec<Measure> {
    let this_hub = if config.broker_tls {
        "This hub is configured for AMQPS with its client certificate."
    } else {
        "This hub's configuration uses plain AMQP with a password, which is for development only."
    };
    let m = |id: &str, title: &str, description: String| Measure {
        id: id.to_owned(),
        title: title.to_owned(),
        description,
    };
    vec![
        m(
            M_TLS,
            "Encrypted transport with client certificates",
            format!(
                "Agents and the hub reach the broker over AMQPS (TLS, rustls) and log in with a client certificate each; the broker takes the user from the certificate and refuses a client without one from the trusted CA. {this_hub}"
            ),
        ),
        m(
            M_IDENTITY,
            "Identity from the broker, least privilege",
            "An agency may publish only to its own exchange and read only its own inbox. The hub takes the sender from the exchange a message came through and refuses a message whose envelope names another sender.".to_owned(),
        ),
        m(
            M_INPUT,
            "Strict input",
            "Every message is checked against its schema: unknown fields and oversized messages are refused, and every data category the body carries must be declared in the envelope. Refused input is kept as a dead letter and the sender gets a reason code, never internal error text.".to_owned(),
        ),
        m(
            M_GATES,
            "Two gates per recipient, default deny",
            "A message reaches a recipient only under a gateway (a configured statute, or a version of the person's consent) that covers its sender, recipient, type, purpose and every mandatory category; optional fields of uncovered categories are removed and the removal is logged. No gateway, no delivery.".to_owned(),
        ),
        m(
            M_HARD,
            "Hard rules no gateway overrides",
            "The national contact point never receives IDENTITY, CONTACT or PROTECTED_LOCATION. PROTECTED_LOCATION goes only to the destination municipality of a relocation request and to the agencies on the protected-location allow-list. Messages for criminal investigation or benefit-fraud control are refused.".to_owned(),
        ),
        m(
            M_SEALED,
            "Sealed fields",
            "A relocation's destination and new address, and the person's identity (national identity number, name, date of birth) on a release notice, handover request, relocation request or information response, are encrypted by the sending agent with HPKE (RFC 9180: X25519, HKDF-SHA256, ChaCha20-Poly1305) to the public key of each recipient that may hold them. The hub routes on the envelope, never sees them in clear, refuses a copy for anyone who may never hold them, forwards each recipient only its own copy, and strips the identity for a recipient whose gateway does not cover IDENTITY; each copy is bound to its message, field, recipient and key.".to_owned(),
        ),
        m(
            M_PSEUDONYMS,
            "Pseudonyms",
            "Envelopes name the person by a pseudonym, never a national ID number (the schema refuses other forms). The sending agent derives it as HMAC-SHA256 of the normalised national identity number under a federation pseudonym key that every agent holds and the hub does not, so every agency gets the same pseudonym for one person and the hub cannot reverse it; a national ID number travels only as sealed IDENTITY content, where a gateway allows it. The hub's escalations to the national contact point and the pseudonymous rows of its dashboard use a pseudonym keyed with the contact point's own key (HMAC-SHA256), which cannot be joined with the agencies' pseudonyms.".to_owned(),
        ),
        m(
            M_SMALL_CELLS,
            "Small cells suppressed",
            "The national contact point sees its own jurisdiction only, as aggregates: counts from 1 to 4 are suppressed, and so are rates whose part or rest would be; where a published total would let a suppressed count be worked out by subtraction, another count is suppressed with it (no published sum hides exactly one count); percentiles over fewer than 5 handovers are not shown. Relocations are counts only: a relocation's double breach sends it no row, and nothing it sees of a case that had a relocation names an agency.".to_owned(),
        ),
        m(
            M_DISCLOSURES,
            "Disclosure log per person",
            "Every decision per recipient is recorded with time, sender, recipient, message type, the categories disclosed and removed, and the gateway, or the reason for a refusal; a person's log can be exported (`hub disclosures`).".to_owned(),
        ),
        m(
            M_AUDIT,
            "Tamper-evident audit log",
            "Every decision is appended to an audit log in the transaction that records it. The log is append-only (a database trigger refuses UPDATE and DELETE) and each entry hashes the one before (SHA-256); `hub audit verify` checks the chain.".to_owned(),
        ),
        m(
            M_LOGS,
            "No personal data in logs",
            "Operational logs carry ids, message types, agencies and reason codes, never message bodies or personal data. Message bodies are stored only in the outbox (to forward them) and in dead letters (to inspect them).".to_owned(),
        ),
        m(
            M_WITHDRAWAL,
            "Withdrawal effective at once",
            "A withdrawn consent stops routing at once: deliveries under it not yet published are cancelled (consent is checked again just before publishing), the agencies that received data under it are told, its open handovers are blocked, and agents quarantine unopened messages that came under it.".to_owned(),
        ),
        m(
            M_LOGINS,
            "Dashboard logins",
            "The contact point's dashboard needs a named login of one jurisdiction; only analysts see pseudonymous rows, statisticians aggregates only. Passwords (at least 12 characters) are kept as Argon2id hashes and sessions as SHA-256 hashes of their tokens; a session lasts 8 hours; failed sign-ins are slowed, per login name tried and per client address, by a delay that starts after three in a row and doubles from 1 second to at most 60 seconds, with no lockout.".to_owned(),
        ),
    ]
}

/// The measures every message through the hub has.
fn message_measures(message_type: MessageType) -> Vec<String> {
    let mut ids = vec![M_TLS, M_IDENTITY, M_INPUT];
    if routed_by_gateway(message_type) {
        ids.extend([M_GATES, M_HARD]);
    }
    if sealed_field(message_type).is_some() || carries_identity(message_type) {
        ids.push(M_SEALED);
    }
    ids.push(M_PSEUDONYMS);
    if matches!(
        message_type,
        MessageType::RelocationRequest | MessageType::RelocationConfirmed | MessageType::Escalation
    ) {
        ids.push(M_SMALL_CELLS);
    }
    ids.extend([M_DISCLOSURES, M_AUDIT, M_LOGS]);
    if routed_by_gateway(message_type) || message_type == MessageType::ConsentWithdrawn {
        ids.push(M_WITHDRAWAL);
    }
    ids.into_iter().map(str::to_owned).collect()
}

fn entries(
    message_type: Option<MessageType>,
    mandatory: &[DataCategory],
    optional: &[DataCategory],
) -> Vec<CategoryEntry> {
    let entry = |category: DataCategory, presence: Presence| {
        let (special_category, criminal_offence, _) = sensitivity(category);
        CategoryEntry {
            category,
            presence,
            special_category,
            criminal_offence,
            sealed: (category == DataCategory::ProtectedLocation
                && message_type.is_some_and(|t| sealed_field(t).is_some()))
                || (category == DataCategory::Identity
                    && message_type.is_some_and(carries_identity)),
        }
    };
    let mut out: Vec<CategoryEntry> = CATEGORIES
        .iter()
        .filter(|c| mandatory.contains(c))
        .map(|&c| entry(c, Presence::Mandatory))
        .collect();
    out.extend(
        CATEGORIES
            .iter()
            .filter(|c| optional.contains(c) && !mandatory.contains(c))
            .map(|&c| entry(c, Presence::Optional)),
    );
    out
}

/// The categories of `carried` a recipient of `role` may receive in a message of this type,
/// asked of the hard rules themselves ([`consent::hard_rules`]).
fn receivable(
    rules: &HardRules,
    message_type: MessageType,
    recipient: &Agency,
    carried: &[DataCategory],
) -> Vec<DataCategory> {
    let offered: BTreeSet<DataCategory> = carried.iter().copied().collect();
    let none = BTreeSet::new();
    let flow = Flow {
        sender: recipient,
        recipient,
        message_type,
        // A purpose the hub accepts; the hard rules depend on the purpose only to refuse the
        // forbidden ones.
        purpose: Purpose::CaseCoordination,
        mandatory: &none,
        optional: &offered,
        now: DateTime::<Utc>::UNIX_EPOCH,
        today: NaiveDate::default(),
    };
    match consent::hard_rules(rules, &flow) {
        Ok(removed) => carried
            .iter()
            .copied()
            .filter(|c| !removed.contains(c))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn probe_agency(id: AgencyId, role: AgencyRole) -> Agency {
    Agency {
        id,
        role,
        jurisdiction: Jurisdiction::DK,
        name: String::new(),
    }
}

/// An agency id that is not on the allow-list, to ask what any agency of a role may receive.
fn unlisted_id(rules: &HardRules) -> AgencyId {
    (0u32..)
        .map(|n| AgencyId::try_from(format!("register-probe-{n}")).expect("a valid agency id"))
        .find(|id| !rules.protected_location_allow.contains(id))
        .expect("the allow-list is finite")
}

fn recipient_groups(
    policy: &Policy,
    directory: &Directory,
    message_type: MessageType,
    roles: &[AgencyRole],
    carried: &[DataCategory],
) -> Vec<RecipientGroup> {
    let rules = &policy.hard_rules;
    let unlisted = unlisted_id(rules);
    let mut groups = Vec::new();
    for &role in roles {
        let general = receivable(
            rules,
            message_type,
            &probe_agency(unlisted.clone(), role),
            carried,
        );
        let listed: Vec<&Agency> = rules
            .protected_location_allow
            .iter()
            .filter_map(|id| directory.get(id))
            .filter(|a| a.role == role)
            .collect();
        let mut extra: BTreeSet<DataCategory> = BTreeSet::new();
        for agency in &listed {
            extra.extend(
                receivable(rules, message_type, agency, carried)
                    .into_iter()
                    .filter(|c| !general.contains(c)),
            );
        }
        groups.push(RecipientGroup {
            role,
            agencies: Vec::new(),
            categories: general,
        });
        if !extra.is_empty() {
            groups.push(RecipientGroup {
                role,
                agencies: listed.iter().map(|a| a.id.clone()).collect(),
                categories: extra.into_iter().collect(),
            });
        }
    }
    groups
}

fn intersect<T: Ord + Copy>(a: &BTreeSet<T>, b: &[T]) -> Vec<T> {
    b.iter().copied().filter(|x| a.contains(x)).collect()
}

/// The statutes that can be the gateway of a message type: the part of each the catalogue
/// lets apply. A statute that could never allow a delivery of the type (no sender or
/// recipient role the catalogue allows, no purpose the hub accepts, or a mandatory category
/// it does not cover) is no legal basis for it and is left out.
fn statute_bases(
    statutes: &[Statute],
    route: &Route,
    mandatory: &[DataCategory],
    carried: &[DataCategory],
) -> Vec<StatuteBasis> {
    statutes
        .iter()
        .filter(|s| s.message_types.contains(&route.message_type))
        .filter_map(|s| {
            let from_roles = intersect(&s.from_roles, route.from);
            let to_roles = intersect(&s.to_roles, route.to);
            let purposes: Vec<Purpose> = s
                .purposes
                .iter()
                .copied()
                .filter(|p| !p.is_forbidden())
                .collect();
            let covers_mandatory = mandatory.iter().all(|c| s.categories.contains(c));
            (!from_roles.is_empty()
                && !to_roles.is_empty()
                && !purposes.is_empty()
                && covers_mandatory)
                .then(|| StatuteBasis {
                    id: s.id.clone(),
                    reference: s.reference().as_str().to_owned(),
                    jurisdiction: s.jurisdiction,
                    from_roles,
                    to_roles,
                    purposes,
                    categories: intersect(&s.categories, carried),
                })
        })
        .collect()
}

const NO_TRANSFER: &str = "None: recipients are agencies registered in DK, NO or SE.";

/// The roles any routed message can reach.
fn receiving_roles() -> Vec<AgencyRole> {
    let mut roles: BTreeSet<AgencyRole> = BTreeSet::new();
    for r in catalogue::ROUTES {
        roles.extend(r.to.iter().copied());
    }
    roles.into_iter().collect()
}

/// The roles that send anything (and so get receipts and refusals).
fn sending_roles() -> Vec<AgencyRole> {
    let mut roles: BTreeSet<AgencyRole> = BTreeSet::new();
    for r in catalogue::ROUTES {
        roles.extend(r.from.iter().copied());
    }
    roles.into_iter().collect()
}

fn agency_activity(
    policy: &Policy,
    directory: &Directory,
    config: &Config,
    route: &Route,
) -> Activity {
    let t = route.message_type;
    let (mandatory, mut optional) = carried(t);
    // Any message an agency sends may name the caseworker who sent it (`envelope.sent_by`):
    // agency staff's CONTACT data, optional, under the gateway like any other field.
    if !mandatory.contains(&DataCategory::Contact) && !optional.contains(&DataCategory::Contact) {
        optional.push(DataCategory::Contact);
    }
    let all = all_of(&mandatory, &optional);
    let (name, other) = about(t);
    let mut data_subjects = vec![DataSubject::ProgrammeParticipant, DataSubject::AgencyStaff];
    if t == MessageType::ConsentGranted {
        data_subjects.push(DataSubject::Guardian);
    }
    let (recipients, recipients_note, legal_basis, purposes, record) = match t {
        MessageType::ConsentGranted => (
            Vec::new(),
            Some("Nobody: the hub records the consent version and forwards it to no agency.".to_owned()),
            LegalBasis {
                consent: false,
                statutes: Vec::new(),
                note: Some(
                    "The consent itself: the hub keeps each version so that every disclosure under it can be shown to rest on it (GDPR art. 7(1)). Only the custodian agency may record a version.".to_owned(),
                ),
            },
            vec![worded(
                "Recording the person's consent, so that the hub routes by it.",
            )],
            RecordKind::Cases,
        ),
        MessageType::ConsentWithdrawn => (
            recipient_groups(policy, directory, t, &receiving_roles(), &all),
            Some("The agencies that earlier received data about the person under the withdrawn consent (from the disclosure log), except the agency that records the withdrawal.".to_owned()),
            LegalBasis {
                consent: true,
                statutes: Vec::new(),
                note: Some(
                    "The person's withdrawal (GDPR art. 7(3)): effective at once and not retroactive; any agency taking part in the person's case may record it for the person, and past recipients are told under the consent they received data by.".to_owned(),
                ),
            },
            vec![worded(
                "Stopping disclosures under a withdrawn consent and telling those who received data under it.",
            )],
            RecordKind::Cases,
        ),
        _ => (
            recipient_groups(policy, directory, t, route.to, &all),
            None,
            LegalBasis {
                consent: true,
                statutes: statute_bases(&policy.statutes, route, &mandatory, &all),
                note: None,
            },
            allowed_purposes().map(coded).collect(),
            RecordKind::Messages,
        ),
    };
    Activity {
        id: t.as_str().to_owned(),
        kind: ActivityKind::AgencyMessage,
        message_type: Some(t),
        name: name.to_owned(),
        description: format!("Carries {}.", route.carries),
        senders: route.from.to_vec(),
        purposes,
        data_subjects,
        categories: entries(Some(t), &mandatory, &optional),
        other_data: other.iter().map(|s| (*s).to_owned()).collect(),
        recipients,
        recipients_note,
        legal_basis,
        third_country_transfers: NO_TRANSFER.to_owned(),
        retention: RetentionEntry {
            record,
            text: config.retention.text(record),
        },
        measures: message_measures(t),
    }
}

fn hub_message_activity(
    policy: &Policy,
    directory: &Directory,
    config: &Config,
    t: MessageType,
) -> Activity {
    let (mandatory, optional) = carried(t);
    let all = all_of(&mandatory, &optional);
    let (name, other) = about(t);
    let (description, roles, note, purposes, basis) = match t {
        MessageType::Receipt => (
            "Hub to sender: delivered to whom, refused for whom with a reason code.",
            sending_roles(),
            "The sending agency only.",
            vec![worded("Telling the sender what became of its message.")],
            "Sent only to the agency whose message it answers, about that message: the hub names no gateway for it.",
        ),
        MessageType::Undeliverable => (
            "Hub to sender: refused, with a reason code.",
            sending_roles(),
            "The sending agency only.",
            vec![worded(
                "Telling the sender that and why its message was refused.",
            )],
            "Sent only to the agency whose message it answers, about that message: the hub names no gateway for it.",
        ),
        MessageType::Escalation => (
            "Hub to a coordinator or the national contact point: a deadline is breached.",
            {
                let mut roles: BTreeSet<AgencyRole> = BTreeSet::new();
                for r in [
                    MessageType::ReleaseNotice,
                    MessageType::HandoverRequest,
                    MessageType::RelocationRequest,
                ] {
                    roles.extend(catalogue::route(r).map(|r| r.from).unwrap_or_default());
                }
                roles.insert(AgencyRole::NationalContactPoint);
                roles.into_iter().collect()
            },
            "A first breach goes to the coordinator of the agency that is waiting (the sender of the release notice, handover or relocation); a double breach to the national contact point of its jurisdiction, except for relocations, which it sees only as counts.",
            vec![
                coded(Purpose::CaseCoordination),
                worded(
                    "Following up the programme's deadlines (release notice, handover and relocation answers).",
                ),
            ],
            "The programme's deadline follow-up: the hub names no gateway for it, and sends only the pseudonym, agencies, stage and days overdue.",
        ),
        _ => unreachable!("only the hub's own messages with personal data"),
    };
    Activity {
        id: t.as_str().to_owned(),
        kind: ActivityKind::HubMessage,
        message_type: Some(t),
        name: name.to_owned(),
        description: description.to_owned(),
        senders: Vec::new(),
        purposes,
        data_subjects: vec![DataSubject::ProgrammeParticipant],
        categories: entries(Some(t), &mandatory, &optional),
        other_data: other.iter().map(|s| (*s).to_owned()).collect(),
        recipients: recipient_groups(policy, directory, t, &roles, &all),
        recipients_note: Some(note.to_owned()),
        legal_basis: LegalBasis {
            consent: false,
            statutes: Vec::new(),
            note: Some(basis.to_owned()),
        },
        third_country_transfers: NO_TRANSFER.to_owned(),
        retention: RetentionEntry {
            record: RecordKind::Messages,
            text: config.retention.text(RecordKind::Messages),
        },
        measures: [M_TLS, M_PSEUDONYMS]
            .into_iter()
            .chain((t == MessageType::Escalation).then_some(M_SMALL_CELLS))
            .chain([M_AUDIT, M_LOGS])
            .map(str::to_owned)
            .collect(),
    }
}

struct RecordSpec {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    purposes: Vec<PurposeEntry>,
    data_subjects: Vec<DataSubject>,
    mandatory: Vec<DataCategory>,
    optional: Vec<DataCategory>,
    other_data: &'static [&'static str],
    recipients_note: &'static str,
    basis: &'static str,
    record: RecordKind,
    measures: &'static [&'static str],
}

fn records() -> Vec<RecordSpec> {
    vec![
        RecordSpec {
            id: "disclosure-log",
            name: "Disclosure log",
            description: "One row per recipient of every message: delivered or refused, when, the gateway and the categories disclosed and removed, or the reason.",
            purposes: vec![
                worded("Telling each person who received their data, on request (GDPR art. 15)."),
                worded("Accounting for every disclosure and its gateway."),
            ],
            data_subjects: vec![DataSubject::ProgrammeParticipant],
            mandatory: Vec::new(),
            optional: Vec::new(),
            other_data: &[
                "Per message: sender, id, type, case id, the person's pseudonym, purpose, a SHA-256 hash of the body, times.",
                "Per recipient: delivered or refused, the gateway (statute or consent version), the names of the categories disclosed and removed (not their content), the reason for a refusal.",
            ],
            recipients_note: "Kept at the hub. A person's log is exported on request (`hub disclosures`).",
            basis: "Required to answer the person's right of access (GDPR art. 15) and to show which gateway allowed each disclosure.",
            record: RecordKind::DisclosureLog,
            measures: &[M_AUDIT, M_LOGS],
        },
        RecordSpec {
            id: "audit-log",
            name: "Audit log",
            description: "One entry per decision, refusal and escalation, each hashing the one before.",
            purposes: vec![worded(
                "Showing that every decision was recorded and that the record was not altered.",
            )],
            data_subjects: vec![DataSubject::ProgrammeParticipant],
            mandatory: Vec::new(),
            optional: Vec::new(),
            other_data: &[
                "Sender, message id and type, the agencies delivered to and refused for with reasons; for escalations the deadline, level, handover id and recipients; for dead letters their id and reason. No pseudonym and no body: an entry is linked to a person only through the message's id.",
            ],
            recipients_note: "Kept at the hub; checked with `hub audit verify`.",
            basis: "Accountability for the hub's decisions (GDPR art. 5(2)); append-only by design.",
            record: RecordKind::AuditLog,
            measures: &[M_AUDIT, M_LOGS],
        },
        RecordSpec {
            id: "dead-letters",
            name: "Dead letters",
            description: "Input the hub refused (malformed, not allowed, or refused for every recipient), kept whole for inspection.",
            purposes: vec![worded(
                "Inspecting refused input and telling the sender why it was refused.",
            )],
            data_subjects: vec![
                DataSubject::ProgrammeParticipant,
                DataSubject::Guardian,
                DataSubject::AgencyStaff,
            ],
            mandatory: Vec::new(),
            optional: CATEGORIES.to_vec(),
            other_data: &[
                "The body as received, which can hold whatever the sender put in it (sealed fields stay sealed); the sender, the reason and its detail, the size and a SHA-256 hash.",
            ],
            recipients_note: "Nobody: refused input is disclosed to no agency. `hub dead-letters list` shows operators the reason and size, never the body.",
            basis: "Input that was not disclosed to anyone, kept so that a refusal can be explained and corrected.",
            record: RecordKind::DeadLetters,
            measures: &[M_INPUT, M_AUDIT, M_LOGS],
        },
        RecordSpec {
            id: "case-records",
            name: "Cases, handovers and consents",
            description: "The state the hub routes by: cases and their owners and participants, handovers and relocations, consent versions and withdrawals, escalations sent, the dates of release notices, and the figures of outcome reports that reached a contact point.",
            purposes: vec![
                coded(Purpose::CaseCoordination),
                coded(Purpose::OutcomeStatistics),
                worded("Checking consent and case ownership for every message."),
            ],
            data_subjects: vec![DataSubject::ProgrammeParticipant, DataSubject::Guardian],
            mandatory: vec![DataCategory::CaseStatus],
            optional: vec![DataCategory::Outcome],
            other_data: &[
                "The person's pseudonym and case id, the owning and participating agencies, stage, end reason, handover states and gateways, times.",
                "Each consent version as recorded (see Consent recorded) and each withdrawal.",
                "Outcome figures: end reason and date, whether a new serious charge followed within 12 months, whether in education or a job after 3 months; no free text.",
                "For each routed release notice: its sender, the expected release date and when it arrived, for the contact point's count of late notices.",
            ],
            recipients_note: "Kept at the hub; agencies learn of it only through the messages above.",
            basis: "Needed to apply the two gates and the case rules to every message (the state they are checked against).",
            record: RecordKind::Cases,
            measures: &[
                M_GATES,
                M_PSEUDONYMS,
                M_SMALL_CELLS,
                M_AUDIT,
                M_LOGS,
                M_WITHDRAWAL,
            ],
        },
        RecordSpec {
            id: "dashboard-logins",
            name: "Dashboard logins",
            description: "The named logins to the national contact point's dashboard and their sessions.",
            purposes: vec![worded(
                "Letting only the contact point's own staff see its figures, each only what its role allows.",
            )],
            data_subjects: vec![DataSubject::DashboardUser],
            mandatory: Vec::new(),
            optional: Vec::new(),
            other_data: &[
                "Login name, role (analyst or statistician), jurisdiction, an Argon2id hash of the password, when the login was disabled; per login name tried and per client address, failed sign-ins in a row and until when the next one is delayed.",
                "Per session: a SHA-256 hash of its token, when it started and when it expires. Expired sessions are deleted at the next login; disabling a login deletes its sessions.",
            ],
            recipients_note: "Kept at the hub; nobody else.",
            basis: "Access control to the contact point's dashboard (security of processing, GDPR art. 32).",
            record: RecordKind::DashboardLogins,
            measures: &[M_LOGINS, M_LOGS],
        },
    ]
}

/// The national contact point's dashboard: what the hub shows it of the case records.
fn dashboard_activity() -> Activity {
    Activity {
        id: "contact-point-dashboard".to_owned(),
        kind: ActivityKind::HubView,
        message_type: None,
        name: "The national contact point's dashboard".to_owned(),
        description: "Figures of the contact point's own jurisdiction, computed from the case records at each request, for closed calendar periods (month, quarter, year) or, for figures of the present, rounded to 5: deadlines overdue by the calendar; late release notices; people per programme against its places; outcome rates by yearly cohort; cases by programme, stage, region and agency; time to receive and accept; rejection reasons and refusals; consent coverage; flows between agencies; relocation counts. Each view can be downloaded as CSV, suppressed as on the page.".to_owned(),
        senders: Vec::new(),
        purposes: vec![
            coded(Purpose::OutcomeStatistics),
            worded("Following cross-agency cases: where handovers stall, how long they take, how cases end."),
        ],
        data_subjects: vec![DataSubject::ProgrammeParticipant],
        categories: entries(None, &[DataCategory::CaseStatus], &[]),
        other_data: vec![
            "Aggregates, with small cells suppressed (see the measures).".to_owned(),
            "For analysts only, a row per overdue handover deadline: the person under the contact point's own pseudonym, the agencies (none when the case had a relocation), which deadline, its due day, the day it was met and whether it was escalated.".to_owned(),
        ],
        recipients: vec![RecipientGroup {
            role: AgencyRole::NationalContactPoint,
            agencies: Vec::new(),
            categories: vec![DataCategory::CaseStatus],
        }],
        recipients_note: Some(
            "The contact point's staff with a login of the same jurisdiction; statisticians see aggregates only.".to_owned(),
        ),
        legal_basis: LegalBasis {
            consent: false,
            statutes: Vec::new(),
            note: Some(
                "The national contact point's follow-up of cross-agency cases, limited to aggregates and pseudonymous rows; the hub names no gateway per row.".to_owned(),
            ),
        },
        third_country_transfers: NO_TRANSFER.to_owned(),
        retention: RetentionEntry {
            record: RecordKind::Cases,
            text: "Nothing of it is stored: it is computed from the case records at each request.".to_owned(),
        },
        measures: [M_LOGINS, M_SMALL_CELLS, M_PSEUDONYMS, M_LOGS]
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

fn record_activity(config: &Config, spec: RecordSpec) -> Activity {
    Activity {
        id: spec.id.to_owned(),
        kind: ActivityKind::HubRecord,
        message_type: None,
        name: spec.name.to_owned(),
        description: spec.description.to_owned(),
        senders: Vec::new(),
        purposes: spec.purposes,
        data_subjects: spec.data_subjects,
        categories: entries(None, &spec.mandatory, &spec.optional),
        other_data: spec.other_data.iter().map(|s| (*s).to_owned()).collect(),
        recipients: Vec::new(),
        recipients_note: Some(spec.recipients_note.to_owned()),
        legal_basis: LegalBasis {
            consent: false,
            statutes: Vec::new(),
            note: Some(spec.basis.to_owned()),
        },
        third_country_transfers: NO_TRANSFER.to_owned(),
        retention: RetentionEntry {
            record: spec.record,
            text: config.retention.text(spec.record),
        },
        measures: spec.measures.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Generates the register from the catalogue, the policy (statutes and hard rules), the
/// agency directory (to name the allow-listed agencies) and the configuration. Pure.
pub fn generate(
    policy: &Policy,
    directory: &Directory,
    config: &Config,
    generated_at: Option<DateTime<Utc>>,
) -> Register {
    let mut activities: Vec<Activity> = catalogue::ROUTES
        .iter()
        .filter(|r| without_personal_data(r.message_type).is_none())
        .map(|r| agency_activity(policy, directory, config, r))
        .collect();
    activities.extend(
        [
            MessageType::Receipt,
            MessageType::Undeliverable,
            MessageType::Escalation,
        ]
        .into_iter()
        .map(|t| hub_message_activity(policy, directory, config, t)),
    );
    activities.push(dashboard_activity());
    activities.extend(records().into_iter().map(|r| record_activity(config, r)));
    Register {
        title: "Register of processing activities (GDPR art. 30)".to_owned(),
        catalogue_version: schemas::SCHEMA_VERSION,
        generated_at,
        controller: Controller {
            name: stated(&config.controller.name),
            contact: stated(&config.controller.contact),
            dpo_contact: stated(&config.controller.dpo_contact),
        },
        notes: vec![
            "Generated from the hub's message catalogue, its statutes, hard rules and configuration. It contains no personal data.".to_owned(),
            "Every message is about a person in a crime-exit or reintegration programme: that a person takes part can itself reveal involvement in crime.".to_owned(),
            "The categories listed per activity are those its fields carry. A sender may declare further categories in the envelope (for instance when free text holds them); the hub then treats them as mandatory and delivers only where a gateway covers them.".to_owned(),
            "A message names one of the purposes below. The hub refuses any message whose purpose is criminal investigation or benefit-fraud control, whatever a consent or statute says.".to_owned(),
            "Recipients are listed by role with the categories each may receive after the hard rules; whether a given recipient receives a given message is decided per message by its gateway.".to_owned(),
            "Retention is the controller's stated policy, from the configuration. This version of the hub deletes no records by itself, except expired dashboard sessions.".to_owned(),
        ],
        purposes: allowed_purposes().map(coded).collect(),
        categories: CATEGORIES
            .iter()
            .map(|&category| {
                let (special_category, criminal_offence, description) = sensitivity(category);
                CategoryDescription {
                    category,
                    description: description.to_owned(),
                    special_category,
                    criminal_offence,
                }
            })
            .collect(),
        data_subjects: DataSubject::ALL
            .iter()
            .map(|&subject| DataSubjectDescription {
                subject,
                description: subject.description().to_owned(),
            })
            .collect(),
        protected_location_allow: policy
            .hard_rules
            .protected_location_allow
            .iter()
            .map(|id| {
                let agency = directory.get(id);
                AllowListed {
                    id: id.clone(),
                    name: agency.map(|a| a.name.clone()),
                    role: agency.map(|a| a.role),
                }
            })
            .collect(),
        transfers: Transfers {
            third_countries: Vec::new(),
            jurisdictions: [
                (Jurisdiction::DK, "EU member state"),
                (Jurisdiction::NO, "EEA state: the GDPR applies through the EEA Agreement"),
                (Jurisdiction::SE, "EU member state"),
            ]
            .into_iter()
            .map(|(jurisdiction, status)| JurisdictionStatus {
                jurisdiction,
                status: status.to_owned(),
            })
            .collect(),
            note: "No transfers to third countries: every recipient is an agency registered under DK, NO or SE, and the hub sends to nobody else. A message may go between these countries under consent; statutes apply within one jurisdiction.".to_owned(),
        },
        measures: measures(config),
        activities,
        not_listed: MessageType::ALL
            .iter()
            .filter_map(|&t| {
                without_personal_data(t).map(|reason| NotListed {
                    message_type: t,
                    reason: reason.to_owned(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemas::Body;
    use schemas::messages::may_hold_protected_location;
    use serde_json::{Value, json};

    const PROTECTION: &str = "dk-politi-beskyttelse";

    fn id(s: &str) -> AgencyId {
        AgencyId::try_from(s.to_owned()).unwrap()
    }

    fn directory() -> Directory {
        Directory::new([
            Agency {
                id: id(PROTECTION),
                role: AgencyRole::Police,
                jurisdiction: Jurisdiction::DK,
                name: "Politiets beskyttelsesenhed".to_owned(),
            },
            Agency {
                id: id("dk-kobenhavn-kommune"),
                role: AgencyRole::Municipality,
                jurisdiction: Jurisdiction::DK,
                name: "Københavns Kommune".to_owned(),
            },
        ])
    }

    fn statute(id: &str, types: &[MessageType]) -> Statute {
        Statute {
            id: id.to_owned(),
            jurisdiction: Jurisdiction::DK,
            from_roles: [AgencyRole::PrisonProbation].into(),
            to_roles: [AgencyRole::Municipality, AgencyRole::Police].into(),
            message_types: types.iter().copied().collect(),
            purposes: [Purpose::ReleaseCoordination, Purpose::CriminalInvestigation].into(),
            categories: [DataCategory::SentenceRelease, DataCategory::EconomyBenefits].into(),
        }
    }

    fn policy() -> Policy {
        Policy {
            key_announcements_per_hour: None,
            statutes: vec![statute("DK-RPL115-KSP", &[MessageType::ReleaseNotice])],
            programmes: Vec::new(),
            hard_rules: HardRules {
                protected_location_allow: [id(PROTECTION)].into(),
            },
        }
    }

    fn register() -> Register {
        generate(&policy(), &directory(), &Config::default(), None)
    }

    fn activity(register: &Register, t: MessageType) -> &Activity {
        register
            .activities
            .iter()
            .find(|a| a.message_type == Some(t))
            .unwrap_or_else(|| panic!("{t} has no activity"))
    }

    #[test]
    fn every_catalogue_route_appears_and_every_type_once() {
        let register = register();
        for route in catalogue::ROUTES {
            let t = route.message_type;
            let listed = register
                .activities
                .iter()
                .filter(|a| a.message_type == Some(t));
            let excluded = register.not_listed.iter().filter(|n| n.message_type == t);
            assert_eq!(listed.count() + excluded.count(), 1, "{t}");
        }
        for &t in MessageType::ALL {
            let as_activity = register
                .activities
                .iter()
                .filter(|a| a.message_type == Some(t))
                .count();
            let excluded = register
                .not_listed
                .iter()
                .filter(|n| n.message_type == t)
                .count();
            assert_eq!(as_activity + excluded, 1, "{t}");
            // Only types that carry nothing about a person are left out.
            if excluded == 1 {
                assert_eq!(carried(t), (Vec::new(), Vec::new()), "{t}");
                assert!(catalogue::route(t).is_none_or(|r| r.to.is_empty()), "{t}");
            }
        }
        for route in catalogue::ROUTES {
            let Some(a) = register
                .activities
                .iter()
                .find(|a| a.message_type == Some(route.message_type))
            else {
                continue;
            };
            assert_eq!(a.kind, ActivityKind::AgencyMessage);
            assert_eq!(a.senders, route.from, "{}", route.message_type);
            assert!(a.description.contains(route.carries), "{}", a.id);
            if !route.to.is_empty() {
                for g in &a.recipients {
                    assert!(route.to.contains(&g.role), "{}: {:?}", a.id, g.role);
                }
                for role in route.to {
                    assert!(a.recipients.iter().any(|g| g.role == *role), "{}", a.id);
                }
            }
        }
        let ids: BTreeSet<&str> = register.activities.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids.len(),
            register.activities.len(),
            "activity ids are unique"
        );
        for record in [
            "contact-point-dashboard",
            "disclosure-log",
            "audit-log",
            "dead-letters",
            "case-records",
            "dashboard-logins",
        ] {
            assert!(ids.contains(record), "{record}");
        }
    }

    #[test]
    fn the_contact_point_never_receives_identity_contact_or_protected_location() {
        let register = register();
        let mut seen = false;
        for a in &register.activities {
            for g in a
                .recipients
                .iter()
                .filter(|g| g.role == AgencyRole::NationalContactPoint)
            {
                seen = true;
                for c in [
                    DataCategory::Identity,
                    DataCategory::Contact,
                    DataCategory::ProtectedLocation,
                ] {
                    assert!(!g.categories.contains(&c), "{}: {c:?}", a.id);
                }
            }
        }
        assert!(seen, "the contact point is a recipient of something");
        // Even an information response, which can carry every category, reaches it without
        // them (if the catalogue ever lets it).
        let all: Vec<DataCategory> = CATEGORIES.to_vec();
        let got = recipient_groups(
            &policy(),
            &directory(),
            MessageType::InformationResponse,
            &[AgencyRole::NationalContactPoint],
            &all,
        );
        assert!(!got[0].categories.contains(&DataCategory::Identity));
        assert!(got[0].categories.contains(&DataCategory::Outcome));
    }

    #[test]
    fn protected_location_recipients_are_exactly_those_the_schema_rule_allows() {
        let register = register();
        let allow = &policy().hard_rules.protected_location_allow;
        let agencies = directory();
        for a in register
            .activities
            .iter()
            .filter(|a| a.message_type.is_some())
        {
            let t = a.message_type.unwrap();
            let carries = a
                .categories
                .iter()
                .any(|c| c.category == DataCategory::ProtectedLocation);
            for g in &a.recipients {
                let listed = !g.agencies.is_empty();
                let expected = carries
                    && g.role != AgencyRole::NationalContactPoint
                    && may_hold_protected_location(t, g.role, listed);
                let gets = g.categories.contains(&DataCategory::ProtectedLocation);
                assert_eq!(gets, expected, "{}: {:?} listed={listed}", a.id, g.role);
                for agency in &g.agencies {
                    assert!(allow.contains(agency));
                    assert_eq!(agencies.get(agency).unwrap().role, g.role);
                }
            }
        }
        // The shapes this gives: a relocation request's destination, and the protection unit
        // for the new address; never the origin municipality.
        let request = activity(&register, MessageType::RelocationRequest);
        assert_eq!(
            request.recipients,
            vec![RecipientGroup {
                role: AgencyRole::Municipality,
                agencies: Vec::new(),
                categories: vec![
                    DataCategory::Identity,
                    // The sending caseworker's name (envelope.sent_by), where consent covers it.
                    DataCategory::Contact,
                    DataCategory::ProtectedLocation,
                    DataCategory::RiskNeed,
                    DataCategory::CaseStatus
                ],
            }]
        );
        let confirmed = activity(&register, MessageType::RelocationConfirmed);
        assert_eq!(
            confirmed.recipients,
            vec![
                RecipientGroup {
                    role: AgencyRole::Municipality,
                    agencies: Vec::new(),
                    categories: vec![DataCategory::Contact, DataCategory::CaseStatus],
                },
                RecipientGroup {
                    role: AgencyRole::Police,
                    agencies: Vec::new(),
                    categories: vec![DataCategory::Contact, DataCategory::CaseStatus],
                },
                RecipientGroup {
                    role: AgencyRole::Police,
                    agencies: vec![id(PROTECTION)],
                    categories: vec![DataCategory::ProtectedLocation],
                },
            ]
        );
        assert!(
            confirmed
                .categories
                .iter()
                .any(|c| c.category == DataCategory::ProtectedLocation && c.sealed)
        );
        // Without an allow-list nobody but the destination gets a location.
        let bare = generate(&Policy::default(), &directory(), &Config::default(), None);
        for a in &bare.activities {
            for g in &a.recipients {
                if g.categories.contains(&DataCategory::ProtectedLocation) {
                    assert_eq!(a.message_type, Some(MessageType::RelocationRequest));
                    assert_eq!(g.role, AgencyRole::Municipality);
                }
            }
        }
    }

    #[test]
    fn forbidden_purposes_never_appear() {
        let mut policy = policy();
        policy.statutes.push(Statute {
            purposes: [Purpose::BenefitFraudControl].into(),
            ..statute("DK-FRAUD", &[MessageType::ReleaseNotice])
        });
        let register = generate(&policy, &directory(), &Config::default(), None);
        let forbidden = |p: &Purpose| p.is_forbidden();
        assert!(
            !register
                .purposes
                .iter()
                .filter_map(|p| p.code.as_ref())
                .any(forbidden)
        );
        for a in &register.activities {
            assert!(
                !a.purposes
                    .iter()
                    .filter_map(|p| p.code.as_ref())
                    .any(forbidden),
                "{}",
                a.id
            );
            for s in &a.legal_basis.statutes {
                assert!(!s.purposes.iter().any(forbidden), "{}: {}", a.id, s.id);
                // A statute for forbidden purposes only is no legal basis at all.
                assert_ne!(s.id, "DK-FRAUD");
            }
        }
        for text in [
            serde_json::to_string(&register).unwrap(),
            to_csv(&register),
            to_markdown(&register),
        ] {
            assert!(!text.contains("CRIMINAL_INVESTIGATION"));
            assert!(!text.contains("BENEFIT_FRAUD_CONTROL"));
        }
    }

    #[test]
    fn a_statute_is_the_legal_basis_of_the_types_it_covers_and_no_others() {
        let mut policy = policy();
        policy.statutes.push(Statute {
            id: "DK-TEST-RISK".to_owned(),
            jurisdiction: Jurisdiction::DK,
            from_roles: [
                AgencyRole::PrisonProbation,
                AgencyRole::NationalContactPoint,
            ]
            .into(),
            to_roles: [AgencyRole::Municipality].into(),
            message_types: [MessageType::RiskNeedSummary, MessageType::CaseClosed].into(),
            purposes: [Purpose::CaseCoordination].into(),
            categories: [DataCategory::RiskNeed, DataCategory::HealthSubstance].into(),
        });
        let register = generate(&policy, &directory(), &Config::default(), None);
        let cited = |t: MessageType| -> Vec<String> {
            activity(&register, t)
                .legal_basis
                .statutes
                .iter()
                .map(|s| s.id.clone())
                .collect()
        };
        assert_eq!(cited(MessageType::ReleaseNotice), ["DK-RPL115-KSP"]);
        assert_eq!(cited(MessageType::RiskNeedSummary), ["DK-TEST-RISK"]);
        // It names CaseClosed, but not CASE_STATUS, which every case-closed message carries:
        // it could never allow one.
        assert!(cited(MessageType::CaseClosed).is_empty());
        assert!(cited(MessageType::HandoverRequest).is_empty());

        let release = &activity(&register, MessageType::ReleaseNotice).legal_basis;
        assert!(release.consent);
        let s = &release.statutes[0];
        assert_eq!(s.reference, "STATUTE:DK-RPL115-KSP");
        assert_eq!(s.from_roles, [AgencyRole::PrisonProbation]);
        // The catalogue sends release notices to municipalities and employment only.
        assert_eq!(s.to_roles, [AgencyRole::Municipality]);
        assert_eq!(s.purposes, [Purpose::ReleaseCoordination]);
        assert_eq!(
            s.categories,
            [DataCategory::SentenceRelease, DataCategory::EconomyBenefits]
        );
        // Only the roles the catalogue allows, only the categories the type carries.
        let risk = &activity(&register, MessageType::RiskNeedSummary)
            .legal_basis
            .statutes[0];
        assert_eq!(risk.from_roles, [AgencyRole::PrisonProbation]);
        assert_eq!(risk.categories, [DataCategory::RiskNeed]);
    }

    #[test]
    fn special_categories_and_criminal_offence_data_are_marked() {
        let register = register();
        let desc = |c: DataCategory| {
            register
                .categories
                .iter()
                .find(|d| d.category == c)
                .unwrap()
                .clone()
        };
        assert!(desc(DataCategory::HealthSubstance).special_category);
        assert!(desc(DataCategory::SentenceRelease).criminal_offence);
        assert!(desc(DataCategory::CriminalHistory).criminal_offence);
        assert!(!desc(DataCategory::CaseStatus).special_category);
        let release = activity(&register, MessageType::ReleaseNotice);
        assert_eq!(
            release.categories,
            vec![
                CategoryEntry {
                    category: DataCategory::SentenceRelease,
                    presence: Presence::Mandatory,
                    special_category: false,
                    criminal_offence: true,
                    sealed: false,
                },
                // The person's identity, sealed to the recipients that may hold it.
                CategoryEntry {
                    category: DataCategory::Identity,
                    presence: Presence::Optional,
                    special_category: false,
                    criminal_offence: false,
                    sealed: true,
                },
                // The sending caseworker's name and role (envelope.sent_by).
                CategoryEntry {
                    category: DataCategory::Contact,
                    presence: Presence::Optional,
                    special_category: false,
                    criminal_offence: false,
                    sealed: false,
                },
                CategoryEntry {
                    category: DataCategory::EconomyBenefits,
                    presence: Presence::Optional,
                    special_category: false,
                    criminal_offence: false,
                    sealed: false,
                },
            ]
        );
        assert!(release.data_subjects.contains(&DataSubject::AgencyStaff));
        assert!(
            release
                .categories_text()
                .contains("SENTENCE_RELEASE (art. 10)")
        );
    }

    fn examples_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/examples")
    }

    fn example(t: MessageType) -> Value {
        let path = examples_dir().join(format!("{t}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    fn body_categories(message: &Value) -> schemas::messages::Categories {
        let decoded = schemas::decode(&serde_json::to_vec(message).unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        decoded.body.categories()
    }

    /// The register's table of what each type carries agrees with the schemas' own
    /// `Body::categories`: on every example, and on bodies with an attachment or answer of
    /// every category.
    #[test]
    fn carried_categories_agree_with_the_schemas() {
        for &t in MessageType::ALL {
            let (mandatory, optional) = carried(t);
            let got = body_categories(&example(t));
            assert_eq!(
                got.mandatory,
                mandatory.iter().copied().collect::<BTreeSet<_>>(),
                "{t}: mandatory"
            );
            assert!(
                got.optional.iter().all(|c| optional.contains(c)),
                "{t}: optional {:?} not in {optional:?}",
                got.optional
            );
        }
        let names: Vec<Value> = CATEGORIES.iter().map(|c| json!(c)).collect();
        let mut request = example(MessageType::HandoverRequest);
        request["body"]["attachments"] = names
            .iter()
            .map(|c| {
                json!({"title": "a", "category": c, "media_type": "text/plain", "content_base64": "YQ=="})
            })
            .collect();
        request["envelope"]["data_categories"] = json!(names);
        let mut response = example(MessageType::InformationResponse);
        response["body"]["answers"] = names
            .iter()
            .map(|c| json!({"category": c, "text": "a"}))
            .collect();
        response["envelope"]["data_categories"] = json!(names);
        for (t, message) in [
            (MessageType::HandoverRequest, request),
            (MessageType::InformationResponse, response),
        ] {
            let (mandatory, optional) = carried(t);
            let got = body_categories(&message);
            let all: BTreeSet<DataCategory> = mandatory.into_iter().chain(optional).collect();
            assert_eq!(got.all(), all, "{t}");
        }
        let mut notice = example(MessageType::ReleaseNotice);
        assert!(
            notice["body"].get("needs").is_some(),
            "the example has needs"
        );
        notice["body"].as_object_mut().unwrap().remove("needs");
        assert_eq!(
            body_categories(&notice).all(),
            [DataCategory::SentenceRelease].into()
        );
        assert!(matches!(
            schemas::decode(&serde_json::to_vec(&example(MessageType::Escalation)).unwrap())
                .unwrap()
                .body,
            Body::Escalation(_)
        ));
    }

    /// The hand-written lists of categories and purposes are the whole vocabulary, as the
    /// committed JSON Schema publishes it.
    #[test]
    fn the_category_and_purpose_lists_are_the_whole_vocabulary() {
        let path = examples_dir().join("../json/v1/ReleaseNotice.json");
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // Plain variants are an `enum`; documented ones a `oneOf` of `const`s.
        let names = |def: &str| -> Vec<String> {
            let def = &schema["$defs"][def];
            let values = match def["enum"].as_array() {
                Some(values) => values.clone(),
                None => def["oneOf"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["const"].clone())
                    .collect(),
            };
            values
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let categories: Vec<String> = CATEGORIES
            .iter()
            .map(|c| category_name(*c).to_owned())
            .collect();
        assert_eq!(categories, names("DataCategory"));
        let mut purposes: Vec<String> = allowed_purposes()
            .map(|p| purpose_name(p).to_owned())
            .collect();
        purposes.extend([
            "CRIMINAL_INVESTIGATION".to_owned(),
            "BENEFIT_FRAUD_CONTROL".to_owned(),
        ]);
        assert_eq!(purposes, names("Purpose"));
        for c in CATEGORIES {
            assert_eq!(json!(c), json!(category_name(c)));
        }
    }

    #[test]
    fn renderings_have_one_row_or_section_per_activity_and_stable_columns() {
        let config = Config {
            controller: Controller {
                name: "Operator, \"hub\" | test".to_owned(),
                contact: "hub@example.org".to_owned(),
                dpo_contact: "dpo@example.org".to_owned(),
            },
            retention: Retention {
                audit_log: Some("For ever".to_owned()),
                ..Retention::default()
            },
            broker_tls: true,
        };
        let register = generate(&policy(), &directory(), &config, None);
        let csv = to_csv(&register);
        let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
        assert_eq!(lines.next().unwrap(), CSV_COLUMNS.join(","));
        // Fields holding newlines would break this count; none do.
        assert_eq!(lines.count(), register.activities.len());
        assert!(csv.contains("\"Operator, \"\"hub\"\" | test (hub@example.org)"));

        let md = to_markdown(&register);
        for (i, a) in register.activities.iter().enumerate() {
            assert!(md.contains(&format!("### {}. {} (`{}`)", i + 1, a.name, a.id)));
        }
        assert!(md.contains("Operator, \"hub\" \\| test"));
        assert!(md.contains("For ever (audit_log)"));
        assert!(md.contains("Not stated in the hub's configuration. (messages)"));
        assert!(md.contains("configured for AMQPS"));
        assert!(!md.contains("Generated at"));
        let dated = generate(
            &policy(),
            &directory(),
            &config,
            Some(DateTime::<Utc>::UNIX_EPOCH),
        );
        assert!(to_markdown(&dated).contains("Generated at 1970-01-01T00:00:00+00:00."));
    }

    #[test]
    fn every_measure_an_activity_names_exists() {
        let register = register();
        let ids: BTreeSet<&str> = register.measures.iter().map(|m| m.id.as_str()).collect();
        for a in &register.activities {
            assert!(!a.measures.is_empty(), "{}", a.id);
            for m in &a.measures {
                assert!(ids.contains(m.as_str()), "{}: {m}", a.id);
            }
        }
        assert!(
            activity(&register, MessageType::RelocationRequest)
                .measures
                .contains(&M_SEALED.to_owned())
        );
        // A release notice carries the person's identity sealed; a risk and need summary
        // carries nothing sealed.
        assert!(
            activity(&register, MessageType::ReleaseNotice)
                .measures
                .contains(&M_SEALED.to_owned())
        );
        assert!(
            !activity(&register, MessageType::RiskNeedSummary)
                .measures
                .contains(&M_SEALED.to_owned())
        );
    }
}
