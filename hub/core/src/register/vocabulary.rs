//! The domain's vocabulary as the register states it: the data categories with their
//! sensitivity (GDPR art. 9 and 10) and what each holds, and the purposes with their words.

use schemas::{DataCategory, Purpose};

use super::PurposeEntry;

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
pub(super) fn allowed_purposes() -> impl Iterator<Item = Purpose> {
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

pub(super) fn coded(purpose: Purpose) -> PurposeEntry {
    PurposeEntry {
        code: Some(purpose),
        description: purpose_description(purpose).to_owned(),
    }
}

pub(super) fn worded(description: &str) -> PurposeEntry {
    PurposeEntry {
        code: None,
        description: description.to_owned(),
    }
}

/// GDPR art. 9 (special category) and art. 10 (criminal offences) for a category, and what it
/// holds.
pub(super) fn sensitivity(category: DataCategory) -> (bool, bool, &'static str) {
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

#[cfg(test)]
mod tests {
    use schemas::MessageType;
    use serde_json::{Value, json};

    use super::*;
    use crate::register::test_fixtures::{activity, examples_dir, register};
    use crate::register::{CategoryEntry, DataSubject, Presence, category_name, purpose_name};

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
}
