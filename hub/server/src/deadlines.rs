//! Deadlines on the hub: a late release notice is escalated when it arrives; open handovers
//! are swept periodically. A breach goes to the coordinator of the agency that is waiting (its
//! inbox); a double breach to the national contact point of the jurisdiction, with only a
//! pseudonym of the contact point's own key, the agencies, the stage and the days overdue.
//! Each escalation is sent once (the `escalations` table), however many hubs sweep.
//!
//! Relocations (2 calendar days to answer) are where a location could leak, so the contact
//! point sees only counts of them: a relocation's double breach is recorded (and counted,
//! see [`crate::contact_point`]) but sends the contact point no row, and its escalations of
//! any other deadline in a case that ever had a relocation name no agencies (an agency's
//! name would tell the town the person moved to).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hub_core::Directory;
use hub_core::deadlines::{self, Breach, DeadlineKind};
use schemas::messages::{CaseStageName, DeadlineName, Escalation, EscalationLevel};
use schemas::{
    AgencyId, AgencyRole, Body, Envelope, Jurisdiction, Message, MessageId, Pseudonym, Purpose,
};
use sqlx::Row;
use tokio::sync::watch;
use tracing::{info, warn};
use uuid::Uuid;

use crate::plan::{Accepted, OutboxRow};
use crate::{Shared, sleep_or_stop};

/// The deadline settings as the hub runs with them; defined with the other settings.
pub use crate::settings::Deadlines;

struct Breached<'a> {
    deadline: DeadlineName,
    level: Breach,
    waiting: &'a AgencyId,
    agencies: Vec<AgencyId>,
    subject: &'a Pseudonym,
    case_id: Option<&'a schemas::CaseId>,
    stage: CaseStageName,
    due: chrono::NaiveDate,
    days_overdue: u32,
    correlation_id: Uuid,
    /// The case had a relocation: the contact point learns no agencies of it.
    relocated: bool,
}

/// The escalation messages for one breach at its level: a first breach to the waiting
/// agency's coordinator, a double breach to every contact point of its jurisdiction.
fn escalations(
    directory: &Directory,
    deadlines: &Deadlines,
    hub: &AgencyId,
    b: &Breached<'_>,
    now: DateTime<Utc>,
) -> Vec<OutboxRow> {
    let targets: Vec<(AgencyId, EscalationLevel)> = match b.level {
        Breach::First => vec![(b.waiting.clone(), EscalationLevel::Coordinator)],
        Breach::Double if b.deadline == DeadlineName::RelocationAnswered => Vec::new(),
        Breach::Double => {
            let jurisdiction = directory.get(b.waiting).map(|a| a.jurisdiction);
            directory
                .iter()
                .filter(|a| {
                    a.role == AgencyRole::NationalContactPoint
                        && Some(a.jurisdiction) == jurisdiction
                })
                .map(|a| (a.id.clone(), EscalationLevel::ContactPoint))
                .collect()
        }
    };
    targets
        .into_iter()
        .map(|(to, level)| {
            let to_contact_point = level == EscalationLevel::ContactPoint;
            let message = Message {
                envelope: Envelope {
                    message_id: MessageId::new(),
                    correlation_id: b.correlation_id,
                    causation_id: None,
                    case_id: if to_contact_point {
                        None
                    } else {
                        b.case_id.cloned()
                    },
                    subject: Some(if to_contact_point {
                        hub_core::contact_point::pseudonym(
                            deadlines.contact_point_key.expose(),
                            b.subject,
                        )
                    } else {
                        b.subject.clone()
                    }),
                    sender: hub.clone(),
                    recipients: vec![to.clone()],
                    message_type: schemas::MessageType::Escalation,
                    schema_version: schemas::SCHEMA_VERSION,
                    sent_at: now,
                    purpose: Purpose::CaseCoordination,
                    data_categories: vec![schemas::DataCategory::CaseStatus],
                    gateway: None,
                    sent_by: None,
                    withheld: Vec::new(),
                },
                body: Body::Escalation(Escalation {
                    deadline: b.deadline,
                    level,
                    agencies: if to_contact_point && b.relocated {
                        Vec::new()
                    } else {
                        b.agencies.clone()
                    },
                    stage: b.stage,
                    due: b.due,
                    days_overdue: b.days_overdue,
                }),
            };
            let id = message.envelope.message_id.as_uuid();
            OutboxRow {
                id: crate::plan::outbox_id(hub, id, &to),
                recipient: to,
                message_id: id,
                correlation_id: b.correlation_id,
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
    let Some((level, days_overdue)) = deadlines::release_notice_breach(
        &deadlines.rules,
        notice.expected_release,
        now.date_naive(),
    ) else {
        return Vec::new();
    };
    let due = notice
        .expected_release
        .checked_sub_months(chrono::Months::new(deadlines.rules.release_notice_months))
        .unwrap_or(notice.expected_release);
    let mut agencies = vec![e.sender.clone()];
    agencies.extend(
        accepted
            .decisions
            .iter()
            .filter(|d| d.delivered)
            .map(|d| d.recipient.clone()),
    );
    let levels: &[Breach] = if level == Breach::Double {
        &[Breach::First, Breach::Double]
    } else {
        &[Breach::First]
    };
    let mut breached = Breached {
        deadline: DeadlineName::ReleaseNotice,
        level,
        waiting: &e.sender,
        agencies,
        subject,
        case_id: e.case_id.as_ref(),
        stage: CaseStageName::Referred,
        due,
        days_overdue,
        correlation_id: e.correlation_id,
        relocated: false,
    };
    let mut rows = Vec::new();
    for &level in levels {
        breached.level = level;
        rows.extend(escalations(directory, deadlines, hub, &breached, now));
    }
    rows
}

/// Checks every open handover and relocation against its deadlines at `now` and sends the
/// escalations not yet sent. Returns how many escalation messages were queued.
pub async fn sweep(shared: &Shared, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let directory = shared.directory().await?;
    let deadlines = &shared.deadlines;
    let hub = &shared.settings.hub.id;
    let mut tx = shared.pool.begin().await?;
    let mut audit = crate::db::AuditAppender::start(&mut tx).await?;
    let rows = sqlx::query(
        "SELECT h.handover_id, h.kind, h.case_id, h.from_agency, h.to_agency, h.state, h.jurisdiction, h.requested_at,
                c.subject, c.stage,
                EXISTS (SELECT 1 FROM handovers r WHERE r.case_id = h.case_id AND r.kind = 'relocation') AS relocated
         FROM handovers h JOIN cases c USING (case_id)
         WHERE h.state IN ('requested', 'received')",
    )
    .fetch_all(&mut *tx)
    .await?;
    let today = now.date_naive();
    let mut queued = Vec::new();
    for row in rows {
        let handover_id: Uuid = row.try_get("handover_id")?;
        let state: String = row.try_get("state")?;
        let jurisdiction: Jurisdiction =
            serde_json::from_value(serde_json::Value::String(row.try_get("jurisdiction")?))?;
        let requested_at: DateTime<Utc> = row.try_get("requested_at")?;
        let from = AgencyId::try_from(row.try_get::<String, _>("from_agency")?)?;
        let to = AgencyId::try_from(row.try_get::<String, _>("to_agency")?)?;
        let subject = Pseudonym::try_from(row.try_get::<String, _>("subject")?)?;
        let case_id = schemas::CaseId::try_from(row.try_get::<String, _>("case_id")?)?;
        let stage: CaseStageName =
            serde_json::from_value(serde_json::Value::String(row.try_get("stage")?))?;
        let calendar = deadlines.calendar(jurisdiction);
        let relocation = row.try_get::<String, _>("kind")? == "relocation";
        let relocated: bool = row.try_get("relocated")?;
        let kinds: &[(DeadlineKind, DeadlineName)] = if relocation {
            &[(
                DeadlineKind::RelocationAnswered,
                DeadlineName::RelocationAnswered,
            )]
        } else if state == "requested" {
            &[
                (
                    DeadlineKind::HandoverReceived,
                    DeadlineName::HandoverReceived,
                ),
                (
                    DeadlineKind::HandoverAnswered,
                    DeadlineName::HandoverAnswered,
                ),
            ]
        } else {
            &[(
                DeadlineKind::HandoverAnswered,
                DeadlineName::HandoverAnswered,
            )]
        };
        for &(kind, name) in kinds {
            let requested_on = requested_at.date_naive();
            let Some((level, days_overdue)) =
                deadlines::open_breach(&calendar, &deadlines.rules, kind, requested_on, today)
            else {
                continue;
            };
            let levels: &[Breach] = if level == Breach::Double {
                &[Breach::First, Breach::Double]
            } else {
                &[Breach::First]
            };
            for &level in levels {
                let inserted = sqlx::query(
                    "INSERT INTO escalations (subject_ref, deadline, level, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(handover_id.to_string())
                .bind(format!("{name:?}"))
                .bind(format!("{level:?}"))
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !inserted {
                    continue;
                }
                let breached = Breached {
                    deadline: name,
                    level,
                    waiting: &from,
                    agencies: vec![to.clone(), from.clone()],
                    subject: &subject,
                    case_id: Some(&case_id),
                    stage,
                    due: deadlines::due_date(&calendar, &deadlines.rules, kind, requested_on),
                    days_overdue,
                    correlation_id: handover_id,
                    relocated,
                };
                let rows = escalations(&directory, deadlines, hub, &breached, now);
                audit
                    .append(&mut tx, now, &serde_json::json!({
                        "kind": "escalation", "deadline": name, "level": format!("{level:?}"),
                        "handover_id": handover_id, "to": rows.iter().map(|r| &r.recipient).collect::<Vec<_>>(),
                    }))
                    .await?;
                for row in rows {
                    // `now` may be a test's clock; the outbox runs on the real one.
                    let real_now = Utc::now();
                    crate::db::insert_outbox(&mut tx, &row, real_now, real_now).await?;
                    queued.push(row);
                }
            }
        }
    }
    tx.commit().await?;
    if !queued.is_empty() {
        info!(escalations = queued.len(), "deadline escalations queued");
    }
    Ok(queued.len())
}

/// Sweeps every `hub.deadline_sweep_seconds` until `stop`.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let interval = Duration::from_secs(shared.settings.hub.deadline_sweep_seconds);
    loop {
        if sleep_or_stop(interval, &mut stop).await {
            break;
        }
        if let Err(e) = sweep(&shared, Utc::now()).await {
            warn!(error = %format!("{e:#}"), "deadline sweep failed; retrying at the next interval");
        }
        // The retention periods are applied at the same pace.
        if let Err(e) =
            crate::retention::purge(&shared.pool, &shared.settings.hub, Utc::now()).await
        {
            warn!(error = %e, "applying the retention periods failed; retrying at the next interval");
        }
    }
}
