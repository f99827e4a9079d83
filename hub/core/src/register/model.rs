//! The register's types: the report itself (activities, purposes, data subjects, categories,
//! recipients, legal bases, transfers, retention, measures) and what the configuration adds
//! (the controller and the retention policy).

use chrono::{DateTime, Utc};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose};
use serde::Serialize;

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

pub(super) fn stated(text: &str) -> String {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct Config {
    pub controller: Controller,
    /// Retention per record kind.
    pub retention: Retention,
    /// Whether the hub connects to the broker over AMQPS with a client certificate.
    pub broker_tls: bool,
}

/// The register of processing activities.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Register {
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
    pub(super) fn label(self) -> &'static str {
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
    pub(super) const ALL: [DataSubject; 4] = [
        DataSubject::ProgrammeParticipant,
        DataSubject::Guardian,
        DataSubject::AgencyStaff,
        DataSubject::DashboardUser,
    ];

    pub(super) fn label(self) -> &'static str {
        match self {
            DataSubject::ProgrammeParticipant => "programme_participant",
            DataSubject::Guardian => "guardian",
            DataSubject::AgencyStaff => "agency_staff",
            DataSubject::DashboardUser => "dashboard_user",
        }
    }

    pub(super) fn description(self) -> &'static str {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct DataSubjectDescription {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct CategoryEntry {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct CategoryDescription {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct StatuteBasis {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct AllowListed {
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
#[allow(missing_docs)] // fields named for what they hold
pub struct JurisdictionStatus {
    pub jurisdiction: Jurisdiction,
    /// Its standing under the GDPR.
    pub status: String,
}

/// A technical or organisational measure the code takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Measure {
    /// A stable id, referred to by activities.
    pub id: String,
    pub title: String,
    /// What the hub does.
    pub description: String,
}

/// A message type that is not a processing activity of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct NotListed {
    pub message_type: MessageType,
    /// Why it is not listed.
    pub reason: String,
}
