//! The recipients of an activity by role, with the categories each may receive, asked of the
//! hard rules themselves; the allow-listed agencies that may receive more.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose};

use super::RecipientGroup;
use crate::catalogue;
use crate::consent::{self, Flow, HardRules};
use crate::routing::{Agency, Directory, Policy};

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

pub(super) fn recipient_groups(
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

/// The roles any routed message can reach.
pub(super) fn receiving_roles() -> Vec<AgencyRole> {
    let mut roles: BTreeSet<AgencyRole> = BTreeSet::new();
    for r in catalogue::ROUTES {
        roles.extend(r.to.iter().copied());
    }
    roles.into_iter().collect()
}

/// The roles that send anything (and so get receipts and refusals).
pub(super) fn sending_roles() -> Vec<AgencyRole> {
    let mut roles: BTreeSet<AgencyRole> = BTreeSet::new();
    for r in catalogue::ROUTES {
        roles.extend(r.from.iter().copied());
    }
    roles.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use schemas::messages::may_hold_protected_location;

    use super::*;
    use crate::register::test_fixtures::{PROTECTION, activity, directory, id, policy, register};
    use crate::register::{CATEGORIES, Config, generate};

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
}
