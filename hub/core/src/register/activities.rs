//! The processing activities: one per agency message type that carries personal data, one
//! per message the hub itself sends, the national contact point's dashboard, and one per
//! record the hub keeps.

use std::collections::BTreeSet;

use schemas::{AgencyRole, DataCategory, MessageType, Purpose};

use super::legal_basis::statute_bases;
use super::measures::{
    M_AUDIT, M_GATES, M_INPUT, M_LOGINS, M_LOGS, M_PSEUDONYMS, M_SMALL_CELLS, M_TLS, M_WITHDRAWAL,
    message_measures,
};
use super::messages::{about, all_of, carried, entries};
use super::recipients::{receiving_roles, recipient_groups, sending_roles};
use super::vocabulary::{CATEGORIES, allowed_purposes, coded, worded};
use super::{
    Activity, ActivityKind, Config, DataSubject, LegalBasis, PurposeEntry, RecipientGroup,
    RecordKind, RetentionEntry,
};
use crate::catalogue::{self, Route};
use crate::routing::{Directory, Policy};

const NO_TRANSFER: &str = "None: recipients are agencies registered in DK, NO or SE.";

pub(super) fn agency_activity(
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

pub(super) fn hub_message_activity(
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

pub(super) struct RecordSpec {
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

pub(super) fn records() -> Vec<RecordSpec> {
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
pub(super) fn dashboard_activity() -> Activity {
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

pub(super) fn record_activity(config: &Config, spec: RecordSpec) -> Activity {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::test_fixtures::register;

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
}
