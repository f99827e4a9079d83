//! The deadline sweeper: every `hub.deadline_sweep_seconds` it checks each open handover and
//! relocation against its deadlines and queues the escalations not yet sent, then applies the
//! retention periods ([`crate::retention`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hub_core::cases::{Handover, HandoverKind, HandoverState};
use hub_core::deadlines;
use hub_core::escalation::{self, Breached};
use schemas::messages::CaseStageName;
use schemas::vocab::enum_text;
use schemas::{Jurisdiction, Pseudonym};
use tokio::sync::watch;
use tracing::{info, warn};

use super::escalation_rows;
use crate::db::columns::Vocab;
use crate::db::state::StoredHandover;
use crate::{Shared, sleep_or_stop};

/// An open handover or relocation, with its case's person and stage, and whether the case
/// ever had a relocation.
#[derive(sqlx::FromRow)]
struct OpenRequest {
    #[sqlx(flatten)]
    handover: StoredHandover,
    jurisdiction: Vocab<Jurisdiction>,
    requested_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    subject: Pseudonym,
    stage: Vocab<CaseStageName>,
    relocated: bool,
}

/// Checks every open handover and relocation against its deadlines at `now` and sends the
/// escalations not yet sent. Returns how many escalation messages were queued.
pub async fn sweep(shared: &Shared, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let directory = shared.directory().await?;
    let deadlines = &shared.deadlines;
    let hub = &shared.settings.hub.id;
    let mut tx = shared.pool.begin().await?;
    let mut audit = crate::db::AuditAppender::start(&mut tx).await?;
    let rows: Vec<OpenRequest> = sqlx::query_as(
        "SELECT h.handover_id, h.kind, h.case_id, h.from_agency, h.to_agency, h.state, h.gateway,
                h.jurisdiction, h.requested_at,
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
        let OpenRequest {
            handover,
            jurisdiction: Vocab(jurisdiction),
            requested_at,
            subject,
            stage: Vocab(stage),
            relocated,
        } = row;
        let Handover {
            id: handover_id,
            kind: request_kind,
            case_id,
            from,
            to,
            state,
            ..
        } = Handover::try_from(handover)?;
        let calendar = deadlines.calendar(jurisdiction);
        let kinds = escalation::open_deadlines(
            request_kind == HandoverKind::Relocation,
            state == HandoverState::Requested,
        );
        for &(kind, name) in kinds {
            let requested_on = requested_at.date_naive();
            let Some((level, days_overdue)) =
                deadlines::open_breach(&calendar, &deadlines.rules, kind, requested_on, today)
            else {
                continue;
            };
            for &level in escalation::levels(level) {
                let inserted = sqlx::query(
                    "INSERT INTO escalations (subject_ref, deadline, level, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(handover_id.to_string())
                .bind(enum_text(&name))
                .bind(enum_text(&escalation::escalation_level(level)))
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
                    relocated,
                };
                let rows = escalation_rows(&directory, deadlines, hub, &breached, handover_id, now);
                audit
                    .append(&mut tx, now, &serde_json::json!({
                        "kind": "escalation", "deadline": name, "level": escalation::escalation_level(level),
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
