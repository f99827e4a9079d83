//! Putting the register together: the activities in order, and what belongs to the register
//! as a whole (notes, purposes, categories, data subjects, the allow-list, transfers,
//! measures, the types it leaves out).

use chrono::{DateTime, Utc};
use schemas::{Jurisdiction, MessageType};

use super::activities::{
    agency_activity, dashboard_activity, hub_message_activity, record_activity, records,
};
use super::measures::measures;
use super::messages::without_personal_data;
use super::model::stated;
use super::vocabulary::{CATEGORIES, allowed_purposes, coded, sensitivity};
use super::{
    Activity, AllowListed, CategoryDescription, Config, Controller, DataSubject,
    DataSubjectDescription, JurisdictionStatus, NotListed, Register, Transfers,
};
use crate::catalogue;
use crate::routing::{Directory, Policy};

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
