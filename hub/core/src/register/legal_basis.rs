//! The legal basis of an activity: the configured statutes that can be its gateway, as far
//! as the catalogue lets them apply.

use std::collections::BTreeSet;

use schemas::{DataCategory, Purpose};

use super::StatuteBasis;
use crate::catalogue::Route;
use crate::routing::Statute;

fn intersect<T: Ord + Copy>(a: &BTreeSet<T>, b: &[T]) -> Vec<T> {
    b.iter().copied().filter(|x| a.contains(x)).collect()
}

/// The statutes that can be the gateway of a message type: the part of each the catalogue
/// lets apply. A statute that could never allow a delivery of the type (no sender or
/// recipient role the catalogue allows, no purpose the hub accepts, or a mandatory category
/// it does not cover) is no legal basis for it and is left out.
pub(super) fn statute_bases(
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

#[cfg(test)]
mod tests {
    use schemas::{AgencyRole, Jurisdiction, MessageType};

    use super::*;
    use crate::register::test_fixtures::{activity, directory, policy, statute};
    use crate::register::{Config, generate, to_csv, to_markdown};

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
}
