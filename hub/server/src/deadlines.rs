//! Deadlines on the hub: a late release notice is escalated when it arrives
//! ([`on_receipt`]); open handovers and relocations are swept periodically ([`sweeper`]).
//! Who hears of a breach and what each may be told is decided in [`hub_core::escalation`];
//! this module wraps each decision in a message from the hub and an outbox row. Each
//! escalation of an open request is sent once (the `escalations` table), however many hubs
//! sweep; a relocation's double breach is recorded there (and counted, see
//! [`crate::contact_point`]) though it sends the contact point nothing.

pub mod sweeper;

use chrono::{DateTime, Utc};
use hub_core::Directory;
use hub_core::escalation::{self, Breached};
use schemas::{AgencyId, Body, Envelope, Message, MessageId, Purpose};
use uuid::Uuid;

use crate::plan::{Accepted, OutboxRow};

/// The deadline settings as the hub runs with them; defined with the other settings.
pub use crate::settings::Deadlines;
pub use sweeper::{run, sweep};

/// The escalation messages of one breach at its level ([`escalation::escalations`]), as
/// outbox rows from `hub`, sent at `now` under `correlation_id`.
fn escalation_rows(
    directory: &Directory,
    deadlines: &Deadlines,
    hub: &AgencyId,
    breached: &Breached<'_>,
    correlation_id: Uuid,
    now: DateTime<Utc>,
) -> Vec<OutboxRow> {
    escalation::escalations(directory, deadlines.contact_point_key.expose(), breached)
        .into_iter()
        .map(|notice| {
            let message = Message {
                envelope: Envelope {
                    message_id: MessageId::new(),
                    correlation_id,
                    causation_id: None,
                    case_id: notice.case_id,
                    subject: Some(notice.subject),
                    sender: hub.clone(),
                    recipients: vec![notice.to.clone()],
                    message_type: schemas::MessageType::Escalation,
                    schema_version: schemas::SCHEMA_VERSION,
                    sent_at: now,
                    purpose: Purpose::CaseCoordination,
                    data_categories: vec![schemas::DataCategory::CaseStatus],
                    gateway: None,
                    sent_by: None,
                    withheld: Vec::new(),
                },
                body: Body::Escalation(notice.escalation),
            };
            let id = message.envelope.message_id.as_uuid();
            OutboxRow {
                id: crate::plan::outbox_id(hub, id, &notice.to),
                recipient: notice.to,
                message_id: id,
                correlation_id,
                message_type: "Escalation",
                sender: hub.clone(),
                payload: message.to_json(),
                consent_id: None,
            }
        })
        .collect()
}

/// Escalations for a message as it arrives: a release notice later than 3 months before the
/// expected release. `now` is the time the message's effects are dated by (see
/// [`crate::batch::BatchContext::event_time`]); `hub` sends the escalations.
pub fn on_receipt(
    directory: &Directory,
    deadlines: &Deadlines,
    hub: &AgencyId,
    now: DateTime<Utc>,
    accepted: &Accepted,
) -> Vec<OutboxRow> {
    let e = &accepted.message.envelope;
    let (Body::ReleaseNotice(notice), true, Some(subject)) =
        (&accepted.message.body, accepted.routed, &e.subject)
    else {
        return Vec::new();
    };
    let delivered = accepted
        .decisions
        .iter()
        .filter(|d| d.delivered)
        .map(|d| d.recipient.clone());
    let Some(mut breached) = escalation::release_notice(
        &deadlines.rules,
        &e.sender,
        delivered,
        subject,
        e.case_id.as_ref(),
        notice.expected_release,
        now.date_naive(),
    ) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for &level in escalation::levels(breached.level) {
        breached.level = level;
        rows.extend(escalation_rows(
            directory,
            deadlines,
            hub,
            &breached,
            e.correlation_id,
            now,
        ));
    }
    rows
}
