//! The register of processing activities (GDPR art. 30), generated from the message catalogue.
//!
//! One activity per message type that carries personal data (the agencies' messages of
//! [`catalogue::ROUTES`](crate::catalogue::ROUTES) and the hub's own receipts, refusals and
//! escalations), one for the national contact point's dashboard, and one per record the hub
//! keeps (disclosure log, audit log, dead letters, case and consent state, dashboard logins).
//! Each activity says what art. 30(1) asks for: purposes, data subjects, categories of
//! personal data (with the special categories of art. 9 and the criminal-offence data of
//! art. 10 marked), recipients, legal basis, transfers, retention and security measures.
//!
//! Nothing here is written by hand per deployment: recipients follow from the catalogue and
//! the hard rules (the register asks [`consent::hard_rules`](crate::consent::hard_rules)
//! itself which categories a recipient may get), legal bases from the configured statutes,
//! sealed fields from [`schemas::messages::sealed_field`]. What the configuration adds is who
//! the controller is and the retention policy ([`Config`]). Time is an input, as everywhere in
//! this crate.
//!
//! [`Register`] serializes to JSON (a report for people and their tools, not a wire type
//! between agencies); [`to_csv`] and [`to_markdown`] render it. It contains no personal data.
//!
//! The parts:
//! - `model`: the register's types and what the configuration adds;
//! - `vocabulary`: the data categories with their sensitivity, the purposes with their words;
//! - `messages`: what each message type carries, its name and its other personal data;
//! - `recipients`: who may receive an activity's data, by role, after the hard rules;
//! - `legal_basis`: the statutes that can be an activity's gateway;
//! - `measures`: the security measures and which protect each message type;
//! - `activities`: the activities of agency messages, hub messages, the dashboard and records;
//! - `generate`: [`generate()`], the register from all of these;
//! - `render`: the CSV and Markdown renderings and the field texts the HTML page shares.

mod activities;
mod generate;
mod legal_basis;
mod measures;
mod messages;
mod model;
mod recipients;
mod render;
#[cfg(test)]
mod test_fixtures;
mod vocabulary;

pub use generate::generate;
pub use model::{
    Activity, ActivityKind, AllowListed, CategoryDescription, CategoryEntry, Config, Controller,
    DataSubject, DataSubjectDescription, JurisdictionStatus, LegalBasis, Measure, NotListed,
    Presence, PurposeEntry, RecipientGroup, RecordKind, Register, Retention, RetentionEntry,
    StatuteBasis, Transfers,
};
pub use render::{CSV_COLUMNS, category_name, purpose_name, role_name, to_csv, to_markdown};
pub use vocabulary::CATEGORIES;
