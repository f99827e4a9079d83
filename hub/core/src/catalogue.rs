//! Who may send which message type to whom, by agency role: the message catalogue of the
//! domain, as data.

use schemas::vocab::Vocabulary;
use schemas::{AgencyRole, MessageType};

/// Which roles may send a message type, and to which roles.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The message type.
    pub message_type: MessageType,
    /// Roles that may send it.
    pub from: &'static [AgencyRole],
    /// Roles it may be addressed to; empty when it is addressed to the hub itself.
    pub to: &'static [AgencyRole],
    /// What it carries, in the catalogue's words.
    pub carries: &'static str,
}

use AgencyRole::{Employment, Municipality, NationalContactPoint, Police, PrisonProbation};

const CASE_AGENCIES: &[AgencyRole] = &[Municipality, Police, PrisonProbation, Employment];

/// The version-1 catalogue. Receipt, Undeliverable, Escalation and KeyDirectory are the hub's
/// own and no agency may send them.
pub const ROUTES: &[Route] = &[
    Route {
        message_type: MessageType::ReleaseNotice,
        from: &[PrisonProbation],
        to: &[Municipality, Employment],
        carries: "expected and earliest release, supervision, housing and income needs, contact officer",
    },
    Route {
        message_type: MessageType::HandoverRequest,
        from: CASE_AGENCIES,
        to: CASE_AGENCIES,
        carries: "reason, respond-by date, plan summary, typed attachments",
    },
    Route {
        message_type: MessageType::HandoverResponse,
        from: CASE_AGENCIES,
        to: CASE_AGENCIES,
        carries: "received, accepted or rejected with reason",
    },
    Route {
        message_type: MessageType::HandoverCancelled,
        from: CASE_AGENCIES,
        to: CASE_AGENCIES,
        carries: "the handover cancelled by its requester, with reason",
    },
    Route {
        message_type: MessageType::RelocationRequest,
        from: &[Municipality],
        to: &[Municipality],
        carries: "threat level, needed-by date, needs; sealed destination details",
    },
    Route {
        message_type: MessageType::RelocationConfirmed,
        from: &[Municipality],
        to: &[Municipality, Police],
        carries: "move date, new owner; new address sealed for the police protection unit only",
    },
    Route {
        message_type: MessageType::ConsentGranted,
        from: CASE_AGENCIES,
        to: &[],
        carries: "consent record version",
    },
    Route {
        message_type: MessageType::PersonLinked,
        from: CASE_AGENCIES,
        to: &[],
        carries: "the person's previous pseudonym, and why it changed",
    },
    Route {
        message_type: MessageType::ConsentWithdrawn,
        from: CASE_AGENCIES,
        to: &[],
        carries: "withdrawal time and scope",
    },
    Route {
        message_type: MessageType::InformationRequest,
        from: CASE_AGENCIES,
        to: CASE_AGENCIES,
        carries: "categories asked for, purpose",
    },
    Route {
        message_type: MessageType::InformationResponse,
        from: CASE_AGENCIES,
        to: CASE_AGENCIES,
        carries: "answers per category; may be partial",
    },
    Route {
        message_type: MessageType::RiskNeedSummary,
        from: &[PrisonProbation, Municipality],
        to: CASE_AGENCIES,
        carries: "LS/RNR level and top need areas, no item scores",
    },
    Route {
        message_type: MessageType::OutcomeReport,
        from: &[Municipality, Employment, Police],
        to: &[NationalContactPoint],
        carries: "pseudonym, end reason, no new serious charge after 12 months, in education or job after 3 months",
    },
    Route {
        message_type: MessageType::CaseClosed,
        from: CASE_AGENCIES,
        to: CASE_AGENCIES,
        carries: "reason, time",
    },
    Route {
        message_type: MessageType::KeyPublished,
        from: AgencyRole::VALUES,
        to: &[],
        carries: "a public key to seal fields to the sender with; no personal data",
    },
];

/// The catalogue entry for a message type, if agencies may send it at all.
pub fn route(message_type: MessageType) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.message_type == message_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agency_type_has_one_route_and_hub_types_none() {
        for &t in MessageType::ALL {
            let count = ROUTES.iter().filter(|r| r.message_type == t).count();
            let hub_only = matches!(
                t,
                MessageType::Receipt
                    | MessageType::Undeliverable
                    | MessageType::Escalation
                    | MessageType::KeyDirectory
            );
            assert_eq!(count, usize::from(!hub_only), "{t}");
        }
    }

    #[test]
    fn the_contact_point_only_receives_outcomes_and_sends_only_its_key() {
        for r in ROUTES {
            let to_ncp = r.to.contains(&NationalContactPoint);
            assert_eq!(
                to_ncp,
                r.message_type == MessageType::OutcomeReport,
                "{}",
                r.message_type
            );
            assert_eq!(
                r.from.contains(&NationalContactPoint),
                r.message_type == MessageType::KeyPublished,
                "{}",
                r.message_type
            );
        }
    }
}
