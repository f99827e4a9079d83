//! PostgreSQL: migrations, the directory, writing plans, the outbox, dead letters, audit.
//!
//! Every plan of a batch is written in one transaction together with its audit entries; the
//! transaction is committed before any delivery is acknowledged.

use chrono::{DateTime, Utc};
use hub_core::{Agency, Directory, audit};
use schemas::{AgencyId, AgencyRole, Jurisdiction};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use hub_core::cases::{Case, Handover, HandoverKind, HandoverState, Stage};
use hub_core::consent::{ConsentInForce, Withdrawal};
use hub_core::{Effect, Policy, World};
use schemas::messages::{ConsentRecord, HandoverOutcome, RejectionReason, WithdrawalScope};
use schemas::{Body, CaseId, GatewayRef, Message, Pseudonym};

use crate::deadlines::Deadlines;
use crate::plan::{self, Accepted, DeadLetterRow, Inputs, Intake, OutboxRow, Raw};

mod deferred;

use deferred::{AuditRows, Deferred};

/// The hub's migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Key of the advisory lock that serialises appends to the audit chain across hub instances.
const AUDIT_LOCK: i64 = 0x6875_6261_7564_6974; // "hubaudit"

/// Opens a pool.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
}

/// Creates or updates an agency.
pub async fn upsert_agency(
    pool: &PgPool,
    agency: &Agency,
    region: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agencies (id, name, role, jurisdiction, region) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name = $2, role = $3, jurisdiction = $4, region = $5",
    )
    .bind(agency.id.as_str())
    .bind(&agency.name)
    .bind(enum_text(&agency.role))
    .bind(enum_text(&agency.jurisdiction))
    .bind(region)
    .execute(pool)
    .await
    .map(drop)
}

fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("vocabulary enums serialize as strings"),
    }
}

fn enum_from<T: serde::de::DeserializeOwned>(text: String) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The registered agencies.
pub async fn load_directory(pool: &PgPool) -> Result<Directory, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, role, jurisdiction FROM agencies")
        .fetch_all(pool)
        .await?;
    let mut agencies = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        agencies.push(Agency {
            id: AgencyId::try_from(id).map_err(|e| sqlx::Error::Decode(e.into()))?,
            name: row.try_get("name")?,
            role: enum_from::<AgencyRole>(row.try_get("role")?)?,
            jurisdiction: enum_from::<Jurisdiction>(row.try_get("jurisdiction")?)?,
        });
    }
    Ok(Directory::new(agencies))
}

/// One delivery of a batch, as the ingress hands it over.
pub struct BatchItem<'a> {
    /// The delivery.
    pub raw: Raw<'a>,
    /// Ids and time for its plan.
    pub inputs: Inputs,
}

/// What the batch needs besides the deliveries.
pub struct BatchContext<'a> {
    /// The hub's id.
    pub hub: &'a AgencyId,
    /// The size limit.
    pub max_bytes: usize,
    /// Registered agencies.
    pub directory: &'a Directory,
    /// Statutes and hard rules.
    pub policy: &'a Policy,
    /// Deadline rules and calendars.
    pub deadlines: &'a Deadlines,
    /// Now.
    pub now: DateTime<Utc>,
    /// How long the fast path keeps its claim on the rows it publishes.
    pub claim_seconds: u32,
    /// How many days in the past a message's `sent_at` may lie and still date its effects
    /// (see [`BatchContext::event_time`]); 0 dates everything by the hub's clock.
    pub backfill_days: u32,
}

impl BatchContext<'_> {
    /// The time a message's effects are dated by: consent validity, the case and handover
    /// timeline, deadlines. The hub's clock, unless backfill is configured and the sender
    /// dated the message within that many days before now (an agency loading its history at
    /// onboarding, or the demo population). What the hub itself did (received, decided,
    /// disclosed, audited) is always dated by its own clock.
    pub fn event_time(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        event_time(self.now, self.backfill_days, sent_at)
    }
}

fn event_time(now: DateTime<Utc>, backfill_days: u32, sent_at: DateTime<Utc>) -> DateTime<Utc> {
    let earliest = now - chrono::Duration::days(i64::from(backfill_days));
    if backfill_days > 0 && sent_at >= earliest && sent_at <= now {
        sent_at
    } else {
        now
    }
}

/// Decides and records one batch in one transaction: each message is deduplicated, decided
/// against the state it touches (read inside the transaction, so a message sees the effects
/// of the ones before it), and recorded with its effects, outbox rows and audit entry.
/// Returns the outbox rows inserted, for the publisher's fast path.
pub async fn process_batch(
    pool: &PgPool,
    cx: &BatchContext<'_>,
    items: &[BatchItem<'_>],
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut audit = AuditAppender::start(&mut tx).await?;
    let mut fresh = Vec::new();
    let mut deferred = Deferred::default();
    // The fast path publishes these itself; the relay leaves them alone until the claim ends.
    let claimed_until = cx.now + chrono::Duration::seconds(i64::from(cx.claim_seconds));
    let intakes: Vec<Intake> = items
        .iter()
        .map(|item| plan::intake(cx.hub, cx.max_bytes, item.raw, &item.inputs))
        .collect();
    // Which of the batch's messages the hub has already taken, by body hash: one query for
    // the batch, then kept up to date as the batch takes more.
    let mut taken = already_taken(&mut tx, &intakes).await?;
    for (item, intake) in items.iter().zip(intakes) {
        let (detail, outbox) = match intake {
            Intake::Refused(refused) => {
                if !insert_dead_letter(&mut tx, &refused.dead_letter, cx.now).await? {
                    continue; // The same refused input again: already answered.
                }
                (
                    refused.audit_detail(),
                    refused.reply.into_iter().collect::<Vec<_>>(),
                )
            }
            Intake::Decoded(decoded) => {
                let e = &decoded.message.envelope;
                let key = (decoded.sender.to_string(), e.message_id.as_uuid());
                match taken.get(&key) {
                    Some(hash) if hash[..] == decoded.body_sha256[..] => continue, // A redelivery.
                    Some(_) => {
                        let refused = plan::id_conflict(cx.hub, &decoded, &item.inputs, item.raw);
                        if !insert_dead_letter(&mut tx, &refused.dead_letter, cx.now).await? {
                            continue;
                        }
                        (refused.audit_detail(), refused.reply.into_iter().collect())
                    }
                    None => {
                        if matches!(decoded.message.body, Body::ConsentWithdrawn(_))
                            && !deferred.is_empty()
                        {
                            // It reads the disclosure log and cancels outbox rows under the
                            // consent, including this batch's.
                            deferred
                                .flush(&mut tx, cx.now, cx.now, claimed_until, &mut fresh)
                                .await?;
                        }
                        let at = cx.event_time(e.sent_at);
                        let ecx = BatchContext { now: at, ..*cx };
                        let state = load_state(&mut tx, &decoded.message).await?;
                        let world = World {
                            directory: cx.directory,
                            policy: cx.policy,
                            consents: &state.consents,
                            case: state.case.as_ref(),
                            handovers: &state.handovers,
                            received_under_consent: &state.received_under_consent,
                            sealing_keys: &state.sealing_keys,
                            now: at,
                        };
                        let mut accepted = plan::route(
                            cx.hub,
                            &decoded,
                            &world,
                            &item.inputs,
                            &cx.deadlines.contact_point_key,
                        );
                        accepted
                            .outbox
                            .extend(crate::deadlines::on_receipt(&ecx, &accepted));
                        let new_key = crate::keys::is_new_key(&mut tx, &accepted).await?;
                        write_accepted(&mut tx, &mut deferred, &accepted, cx.now, at, cx.directory)
                            .await?;
                        taken.insert(key, accepted.body_sha256.to_vec());
                        if let Some(new_key) = new_key {
                            let rows = crate::keys::directory_rows(&mut tx, cx, &accepted, new_key)
                                .await?;
                            accepted.outbox.extend(rows);
                        }
                        (accepted.audit_detail(), accepted.outbox)
                    }
                }
            }
        };
        deferred.outbox(outbox);
        audit.defer(cx.now, &detail);
    }
    deferred
        .flush(&mut tx, cx.now, cx.now, claimed_until, &mut fresh)
        .await?;
    audit.flush(&mut tx).await?;
    tx.commit().await?;
    Ok(fresh)
}

/// The body hashes of the messages of `intakes` the hub has already recorded, by sender and
/// message id.
async fn already_taken(
    tx: &mut Transaction<'_, Postgres>,
    intakes: &[Intake],
) -> Result<std::collections::HashMap<(String, Uuid), Vec<u8>>, sqlx::Error> {
    let (senders, ids): (Vec<String>, Vec<Uuid>) = intakes
        .iter()
        .filter_map(|intake| match intake {
            Intake::Decoded(d) => Some((
                d.sender.to_string(),
                d.message.envelope.message_id.as_uuid(),
            )),
            Intake::Refused(_) => None,
        })
        .unzip();
    if senders.is_empty() {
        return Ok(Default::default());
    }
    let rows = sqlx::query(
        "SELECT sender, message_id, body_sha256 FROM messages
         WHERE (sender, message_id) IN (SELECT * FROM UNNEST($1::text[], $2::uuid[]))",
    )
    .bind(senders)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok((
                (row.try_get("sender")?, row.try_get("message_id")?),
                row.try_get("body_sha256")?,
            ))
        })
        .collect()
}

/// The state one message may touch.
#[derive(Debug, Default)]
struct State {
    consents: Vec<ConsentInForce>,
    case: Option<Case>,
    handovers: Vec<Handover>,
    received_under_consent: Vec<AgencyId>,
    sealing_keys: hub_core::routing::SealingKeys,
}

fn decode_err(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

async fn load_state(
    tx: &mut Transaction<'_, Postgres>,
    message: &Message,
) -> Result<State, sqlx::Error> {
    let e = &message.envelope;
    let named_consent = match &message.body {
        Body::ConsentGranted(g) => Some(g.consent.consent_id),
        Body::ConsentWithdrawn(w) => Some(w.consent_id),
        _ => None,
    };
    let mut state = State::default();
    // Each consent version with its withdrawals, in one round trip.
    let rows = sqlx::query(
        "SELECT record, superseded,
                COALESCE((SELECT jsonb_agg(jsonb_build_object('at', w.withdrawn_at, 'scope', w.scope)
                                           ORDER BY w.withdrawn_at)
                          FROM consent_withdrawals w WHERE w.consent_id = c.consent_id), '[]'::jsonb)
                  AS withdrawals
         FROM consents c WHERE subject = $1 OR consent_id = $2 ORDER BY consent_id, version",
    )
    .bind(e.subject.as_ref().map(|s| s.as_str()))
    .bind(named_consent)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let record: ConsentRecord =
            serde_json::from_value(row.try_get("record")?).map_err(decode_err)?;
        let withdrawals: Vec<serde_json::Value> =
            row.try_get::<sqlx::types::Json<_>, _>("withdrawals")?.0;
        let withdrawals = withdrawals
            .into_iter()
            .map(|mut w| {
                Ok(Withdrawal {
                    at: serde_json::from_value(w["at"].take()).map_err(decode_err)?,
                    scope: serde_json::from_value(w["scope"].take()).map_err(decode_err)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        state.consents.push(ConsentInForce {
            record,
            superseded: row.try_get("superseded")?,
            withdrawals,
        });
    }
    if let Some(case_id) = &e.case_id {
        state.case = load_case(tx, case_id).await?;
        if state.case.is_some() {
            state.handovers = load_handovers(tx, case_id).await?;
        }
    }
    if schemas::messages::sealed_field(e.message_type).is_some() {
        let rows = sqlx::query("SELECT agency, key_id FROM sealing_keys WHERE agency = ANY($1)")
            .bind(e.recipients.iter().map(|r| r.as_str()).collect::<Vec<_>>())
            .fetch_all(&mut **tx)
            .await?;
        for row in rows {
            let agency =
                AgencyId::try_from(row.try_get::<String, _>("agency")?).map_err(decode_err)?;
            state
                .sealing_keys
                .entry(agency)
                .or_default()
                .insert(row.try_get("key_id")?);
        }
    }
    if let Body::ConsentWithdrawn(w) = &message.body {
        let agencies: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT recipient FROM decisions
             WHERE delivered AND gateway LIKE 'CONSENT:' || $1 || '@%' ORDER BY recipient",
        )
        .bind(w.consent_id.to_string())
        .fetch_all(&mut **tx)
        .await?;
        state.received_under_consent = agencies
            .into_iter()
            .map(AgencyId::try_from)
            .collect::<Result<_, _>>()
            .map_err(decode_err)?;
    }
    Ok(state)
}

async fn load_case(
    tx: &mut Transaction<'_, Postgres>,
    case_id: &CaseId,
) -> Result<Option<Case>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT subject, owner, stage, end_reason,
                ARRAY(SELECT agency FROM case_participants p WHERE p.case_id = c.case_id) AS participants
         FROM cases c WHERE case_id = $1 FOR UPDATE",
    )
    .bind(case_id.as_str())
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let participants: Vec<String> = row.try_get("participants")?;
    let stage: String = row.try_get("stage")?;
    let end_reason: Option<String> = row.try_get("end_reason")?;
    let stage = match stage.as_str() {
        "referred" => Stage::Referred,
        "intake" => Stage::Intake,
        "active" => Stage::Active,
        "suspended" => Stage::Suspended,
        "closed" => Stage::Closed(enum_from(end_reason.unwrap_or_default())?),
        other => return Err(decode_err(format!("case stage {other:?}"))),
    };
    Ok(Some(Case {
        id: case_id.clone(),
        subject: Pseudonym::try_from(row.try_get::<String, _>("subject")?).map_err(decode_err)?,
        owner: AgencyId::try_from(row.try_get::<String, _>("owner")?).map_err(decode_err)?,
        participants: participants
            .into_iter()
            .map(AgencyId::try_from)
            .collect::<Result<_, _>>()
            .map_err(decode_err)?,
        stage,
    }))
}

async fn load_handovers(
    tx: &mut Transaction<'_, Postgres>,
    case_id: &CaseId,
) -> Result<Vec<Handover>, sqlx::Error> {
    let rows = sqlx::query("SELECT handover_id, kind, from_agency, to_agency, state, gateway FROM handovers WHERE case_id = $1")
        .bind(case_id.as_str())
        .fetch_all(&mut **tx)
        .await?;
    rows.into_iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Handover {
                id: r.try_get("handover_id")?,
                kind: HandoverKind::from_name(&kind)
                    .ok_or_else(|| decode_err(format!("handover kind {kind:?}")))?,
                case_id: case_id.clone(),
                from: AgencyId::try_from(r.try_get::<String, _>("from_agency")?)
                    .map_err(decode_err)?,
                to: AgencyId::try_from(r.try_get::<String, _>("to_agency")?).map_err(decode_err)?,
                state: handover_state_from(&r.try_get::<String, _>("state")?)?,
                gateway: GatewayRef::try_from(r.try_get::<String, _>("gateway")?)
                    .map_err(decode_err)?,
            })
        })
        .collect()
}

/// The database name of a handover state.
pub fn handover_state_name(state: HandoverState) -> &'static str {
    match state {
        HandoverState::Requested => "requested",
        HandoverState::Received => "received",
        HandoverState::Accepted => "accepted",
        HandoverState::Rejected => "rejected",
        HandoverState::Cancelled => "cancelled",
        HandoverState::BlockedConsent => "blocked_consent",
    }
}

fn handover_state_from(name: &str) -> Result<HandoverState, sqlx::Error> {
    Ok(match name {
        "requested" => HandoverState::Requested,
        "received" => HandoverState::Received,
        "accepted" => HandoverState::Accepted,
        "rejected" => HandoverState::Rejected,
        "cancelled" => HandoverState::Cancelled,
        "blocked_consent" => HandoverState::BlockedConsent,
        other => return Err(decode_err(format!("handover state {other:?}"))),
    })
}

/// The database name of a case stage.
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Referred => "referred",
        Stage::Intake => "intake",
        Stage::Active => "active",
        Stage::Suspended => "suspended",
        Stage::Closed(_) => "closed",
    }
}

/// Records an accepted message: `now` dates what the hub did (received, decided), `at` the
/// message's effects on consents, cases and handovers.
async fn write_accepted(
    tx: &mut Transaction<'_, Postgres>,
    deferred: &mut Deferred,
    a: &Accepted,
    now: DateTime<Utc>,
    at: DateTime<Utc>,
    directory: &Directory,
) -> Result<(), sqlx::Error> {
    let e = &a.message.envelope;
    deferred.message(a, now);
    if let Some(dead) = &a.dead_letter {
        insert_dead_letter(tx, dead, now).await?;
    }
    let jurisdiction = directory
        .get(&e.sender)
        .map(|s| enum_text(&s.jurisdiction))
        .unwrap_or_default();
    for effect in &a.effects {
        apply_effect(tx, effect, e, at, &jurisdiction).await?;
    }
    record_statistics(tx, a, at, directory).await
}

/// What the contact point's figures need beyond the case state: the code of a handover's
/// rejection, and the figures of an outcome report that reached a contact point (its consent
/// allowed OUTCOME_STATISTICS). Codes and booleans only, never the words.
async fn record_statistics(
    tx: &mut Transaction<'_, Postgres>,
    a: &Accepted,
    at: DateTime<Utc>,
    directory: &Directory,
) -> Result<(), sqlx::Error> {
    if !a.routed {
        return Ok(());
    }
    let e = &a.message.envelope;
    match &a.message.body {
        Body::HandoverResponse(r) if r.outcome == HandoverOutcome::Rejected => {
            sqlx::query(
                "UPDATE handovers SET reject_code = $2 WHERE handover_id = $1 AND state = 'rejected'",
            )
            .bind(r.handover_id)
            .bind(r.reason_code.unwrap_or(RejectionReason::Other).as_str())
            .execute(&mut **tx)
            .await?;
        }
        Body::OutcomeReport(o) => {
            let to_contact_point = a.decisions.iter().any(|d| {
                d.delivered
                    && directory
                        .get(&d.recipient)
                        .is_some_and(|r| r.role == AgencyRole::NationalContactPoint)
            });
            if to_contact_point {
                sqlx::query(
                    "INSERT INTO outcomes (sender, message_id, case_id, subject, end_reason, ended_on,
                                           no_new_serious_charge_12m, in_education_or_job_3m, reported_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                )
                .bind(e.sender.as_str())
                .bind(e.message_id.as_uuid())
                .bind(e.case_id.as_ref().map(|c| c.as_str()))
                .bind(e.subject.as_ref().map(|s| s.as_str()))
                .bind(enum_text(&o.end_reason))
                .bind(o.ended_on)
                .bind(o.no_new_serious_charge_12m)
                .bind(o.in_education_or_job_3m)
                .bind(at)
                .execute(&mut **tx)
                .await?;
            }
        }
        _ => {}
    }
    Ok(())
}

async fn apply_effect(
    tx: &mut Transaction<'_, Postgres>,
    effect: &Effect,
    envelope: &schemas::Envelope,
    now: DateTime<Utc>,
    jurisdiction: &str,
) -> Result<(), sqlx::Error> {
    match effect {
        Effect::SaveCase(case) => {
            let end_reason = match case.stage {
                Stage::Closed(reason) => Some(enum_text(&reason)),
                _ => None,
            };
            sqlx::query(
                "INSERT INTO cases (case_id, subject, owner, stage, end_reason, opened_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (case_id) DO UPDATE SET owner = $3, stage = $4, end_reason = $5, updated_at = $6",
            )
            .bind(case.id.as_str())
            .bind(case.subject.as_str())
            .bind(case.owner.as_str())
            .bind(stage_name(case.stage))
            .bind(end_reason)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO case_participants (case_id, agency)
                 SELECT $1, agency FROM UNNEST($2::text[]) AS agency ON CONFLICT DO NOTHING",
            )
            .bind(case.id.as_str())
            .bind(
                case.participants
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>(),
            )
            .execute(&mut **tx)
            .await?;
        }
        Effect::SaveHandover(h) => {
            let received = matches!(h.state, HandoverState::Received);
            let answered = matches!(h.state, HandoverState::Accepted | HandoverState::Rejected);
            sqlx::query(
                "INSERT INTO handovers (handover_id, case_id, from_agency, to_agency, state, gateway, jurisdiction, requested_at, updated_at, kind)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $11)
                 ON CONFLICT (handover_id) DO UPDATE SET state = $5, updated_at = $8,
                     received_at = CASE WHEN $9 OR $10 THEN coalesce(handovers.received_at, $8) ELSE handovers.received_at END,
                     answered_at = CASE WHEN $10 THEN $8 ELSE handovers.answered_at END",
            )
            .bind(h.id)
            .bind(h.case_id.as_str())
            .bind(h.from.as_str())
            .bind(h.to.as_str())
            .bind(handover_state_name(h.state))
            .bind(h.gateway.as_str())
            .bind(jurisdiction)
            .bind(now)
            .bind(received)
            .bind(answered)
            .bind(h.kind.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Effect::RecordKey {
            agency,
            key_id,
            public_key,
        } => {
            sqlx::query(
                "INSERT INTO sealing_keys (agency, key_id, scheme, public_key, published_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(agency.as_str())
            .bind(key_id)
            .bind(schemas::messages::SEALING_SCHEME)
            .bind(public_key)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Effect::RecordConsent(record) => {
            sqlx::query(
                "UPDATE consents SET superseded = true WHERE consent_id = $1 AND version < $2",
            )
            .bind(record.consent_id)
            .bind(i64::from(record.version))
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO consents (consent_id, version, subject, custodian, record, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(record.consent_id)
            .bind(i32::try_from(record.version).map_err(decode_err)?)
            .bind(record.subject.as_str())
            .bind(record.custodian.as_str())
            .bind(serde_json::to_value(record).map_err(decode_err)?)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Effect::RecordWithdrawal {
            consent_id,
            withdrawal,
        } => {
            let scope = serde_json::to_value(&withdrawal.scope).map_err(decode_err)?;
            sqlx::query(
                "INSERT INTO consent_withdrawals (consent_id, withdrawn_at, scope, recorded_by, message_id)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(consent_id)
            .bind(withdrawal.at)
            .bind(&scope)
            .bind(envelope.sender.as_str())
            .bind(envelope.message_id.as_uuid())
            .execute(&mut **tx)
            .await?;
            // Effective at once: what is still waiting to be published under it stays put.
            let recipients: Option<Vec<String>> = match &withdrawal.scope {
                WithdrawalScope::Entire => None,
                WithdrawalScope::Recipients(list) => {
                    Some(list.iter().map(ToString::to_string).collect())
                }
            };
            sqlx::query(
                "UPDATE outbox SET cancelled_at = $2, cancel_reason = 'CONSENT_WITHDRAWN'
                 WHERE consent_id = $1 AND published_at IS NULL AND cancelled_at IS NULL
                   AND ($3::text[] IS NULL OR recipient = ANY($3))",
            )
            .bind(consent_id)
            .bind(now)
            .bind(recipients)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn insert_dead_letter(
    tx: &mut Transaction<'_, Postgres>,
    d: &DeadLetterRow,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let rows = sqlx::query(
        "INSERT INTO dead_letters (id, received_at, sender, amqp_message_id, reason, detail, body_sha256, size_bytes, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(d.id)
    .bind(now)
    .bind(&d.sender)
    .bind(d.amqp_message_id.as_deref())
    .bind(d.reason.as_str())
    .bind(&d.detail)
    .bind(&d.body_sha256[..])
    .bind(i32::try_from(d.body.len()).unwrap_or(i32::MAX))
    .bind(&d.body)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(rows == 1)
}

/// Inserts an outbox row once (by its deterministic id); returns whether it was new.
pub async fn insert_outbox(
    tx: &mut Transaction<'_, Postgres>,
    row: &OutboxRow,
    now: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let rows = sqlx::query(
        "INSERT INTO outbox (id, recipient, message_id, correlation_id, message_type, sender, payload, created_at, next_attempt_at, consent_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
    )
    .bind(row.id)
    .bind(row.recipient.as_str())
    .bind(row.message_id)
    .bind(row.correlation_id)
    .bind(row.message_type)
    .bind(row.sender.as_str())
    .bind(&row.payload)
    .bind(now)
    .bind(next_attempt_at)
    .bind(row.consent_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(rows == 1)
}

/// Appends to the hash chain inside a transaction that holds the audit lock.
pub struct AuditAppender {
    seq: i64,
    hash: [u8; 32],
    pending: AuditRows,
}

impl AuditAppender {
    /// Takes the audit lock and reads the chain's head.
    pub async fn start(tx: &mut Transaction<'_, Postgres>) -> Result<Self, sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut **tx)
            .await?;
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (seq, hash) = match last {
            None => (0, audit::GENESIS),
            Some(row) => {
                let hash: Vec<u8> = row.try_get("hash")?;
                (
                    row.try_get("seq")?,
                    hash.try_into()
                        .map_err(|_| sqlx::Error::Decode("audit hash length".into()))?,
                )
            }
        };
        Ok(Self {
            seq,
            hash,
            pending: AuditRows::default(),
        })
    }

    /// Appends one entry at once.
    pub async fn append(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        at: DateTime<Utc>,
        detail: &serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.defer(at, detail);
        self.flush(tx).await
    }

    /// Chains one entry; it is written by the next [`AuditAppender::flush`], which must come
    /// before the transaction commits.
    pub fn defer(&mut self, at: DateTime<Utc>, detail: &serde_json::Value) {
        let seq = self.seq + 1;
        let entry = serde_json::json!({ "seq": seq, "at": at, "detail": detail }).to_string();
        let hash = audit::chain_hash(&self.hash, entry.as_bytes());
        self.pending.push(seq, entry, &self.hash, &hash);
        self.seq = seq;
        self.hash = hash;
    }

    /// Writes the chained entries not yet written.
    pub async fn flush(&mut self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        self.pending.write(tx).await
    }
}

/// The result of checking the audit chain.
#[derive(Debug, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every entry hashes to its stored hash, in an unbroken sequence.
    Intact {
        /// How many entries were checked.
        entries: u64,
    },
    /// The chain breaks at this sequence number.
    Broken {
        /// Where.
        seq: i64,
        /// What is wrong.
        problem: &'static str,
    },
}

/// Verifies the whole audit chain from the first entry.
pub async fn verify_audit(pool: &PgPool) -> Result<AuditCheck, sqlx::Error> {
    verify_audit_in(&mut *pool.acquire().await?).await
}

/// Verifies the audit chain as seen on one connection (or inside a transaction).
pub async fn verify_audit_in(conn: &mut sqlx::PgConnection) -> Result<AuditCheck, sqlx::Error> {
    let rows = sqlx::query("SELECT seq, entry, prev_hash, hash FROM audit_log ORDER BY seq")
        .fetch_all(&mut *conn)
        .await?;
    let mut previous = audit::GENESIS;
    for (expected_seq, row) in (1..).zip(rows.iter()) {
        let seq: i64 = row.try_get("seq")?;
        let entry: String = row.try_get("entry")?;
        let prev_hash: Vec<u8> = row.try_get("prev_hash")?;
        let hash: Vec<u8> = row.try_get("hash")?;
        let broken = |problem| Ok(AuditCheck::Broken { seq, problem });
        if seq != expected_seq {
            return broken("an entry is missing before this one");
        }
        if prev_hash != previous {
            return broken("the previous-hash link does not match the entry before");
        }
        let recomputed = audit::chain_hash(&previous, entry.as_bytes());
        if hash != recomputed {
            return broken("the entry's content does not match its hash");
        }
        let inner: serde_json::Value =
            serde_json::from_str(&entry).map_err(|e| sqlx::Error::Decode(e.into()))?;
        if inner["seq"].as_i64() != Some(seq) {
            return broken("the entry was moved from another position");
        }
        previous = recomputed;
    }
    Ok(AuditCheck::Intact {
        entries: rows.len() as u64,
    })
}

/// One dead letter, for listing (no body).
#[derive(Debug, Clone)]
pub struct DeadLetterSummary {
    /// Its id.
    pub id: Uuid,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Who sent it.
    pub sender: String,
    /// The reason code.
    pub reason: String,
    /// The reason in words.
    pub detail: String,
    /// Its size.
    pub size_bytes: i32,
}

/// The most recent dead letters, newest first.
pub async fn list_dead_letters(
    pool: &PgPool,
    limit: i64,
) -> Result<Vec<DeadLetterSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, received_at, sender, reason, detail, size_bytes FROM dead_letters ORDER BY received_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(DeadLetterSummary {
                id: r.try_get("id")?,
                received_at: r.try_get("received_at")?,
                sender: r.try_get("sender")?,
                reason: r.try_get("reason")?,
                detail: r.try_get("detail")?,
                size_bytes: r.try_get("size_bytes")?,
            })
        })
        .collect()
}

/// Outbox rows due for (re)publishing, claimed for `claim_seconds` so other relays skip them.
pub async fn claim_due_outbox(
    pool: &PgPool,
    limit: i64,
    claim_seconds: u32,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let rows = sqlx::query(
        "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, recipient, message_id, correlation_id, message_type, sender, payload, consent_id",
    )
    .bind(limit)
    .bind(f64::from(claim_seconds))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let recipient: String = r.try_get("recipient")?;
            let sender: String = r.try_get("sender")?;
            let message_type: String = r.try_get("message_type")?;
            Ok(OutboxRow {
                id: r.try_get("id")?,
                recipient: AgencyId::try_from(recipient)
                    .map_err(|e| sqlx::Error::Decode(e.into()))?,
                message_id: r.try_get("message_id")?,
                correlation_id: r.try_get("correlation_id")?,
                message_type: schemas::MessageType::from_name(&message_type)
                    .ok_or_else(|| sqlx::Error::Decode("unknown message type in outbox".into()))?
                    .as_str(),
                sender: AgencyId::try_from(sender).map_err(|e| sqlx::Error::Decode(e.into()))?,
                payload: r.try_get("payload")?,
                consent_id: r.try_get("consent_id")?,
            })
        })
        .collect()
}

/// Marks outbox rows as published.
pub async fn mark_published(pool: &PgPool, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE outbox SET published_at = now(), last_error = NULL WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await
        .map(drop)
}

/// Records why rows could not be published; they are retried with backoff.
pub async fn mark_failed(pool: &PgPool, ids: &[Uuid], error: &str) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE outbox SET last_error = $2,
             next_attempt_at = now() + make_interval(secs => least(60, power(2, least(attempts, 6)))::float8)
         WHERE id = ANY($1)",
    )
    .bind(ids)
    .bind(error)
    .execute(pool)
    .await
    .map(drop)
}

/// Of these rows, the ones that may still be published: not cancelled (a withdrawal cancels
/// what it covers in its own transaction).
pub async fn still_publishable(
    pool: &PgPool,
    rows: &[OutboxRow],
) -> Result<std::collections::HashSet<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let ok: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE id = ANY($1) AND cancelled_at IS NULL")
            .bind(&ids)
            .fetch_all(pool)
            .await?;
    Ok(ok.into_iter().collect())
}

/// One delivery in a person's disclosure log (GDPR art. 15).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Disclosure {
    /// When the hub decided it.
    pub at: DateTime<Utc>,
    /// Who disclosed.
    pub sender: String,
    /// To whom.
    pub recipient: String,
    /// The message type.
    pub message_type: String,
    /// The message id.
    pub message_id: Uuid,
    /// The case.
    pub case_id: Option<String>,
    /// The categories disclosed.
    pub categories: Vec<String>,
    /// The categories removed before delivery.
    pub removed: Vec<String>,
    /// The gateway that allowed it.
    pub gateway: String,
}

/// Every delivery of data about `subject`, oldest first.
pub async fn disclosures(pool: &PgPool, subject: &str) -> Result<Vec<Disclosure>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.decided_at, d.sender, d.recipient, m.message_type, d.message_id, m.case_id,
                d.categories, d.removed_categories, d.gateway
         FROM decisions d JOIN messages m USING (sender, message_id)
         WHERE m.subject = $1 AND d.delivered
         ORDER BY d.decided_at, d.message_id, d.recipient",
    )
    .bind(subject)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Disclosure {
                at: r.try_get("decided_at")?,
                sender: r.try_get("sender")?,
                recipient: r.try_get("recipient")?,
                message_type: r.try_get("message_type")?,
                message_id: r.try_get("message_id")?,
                case_id: r.try_get("case_id")?,
                categories: r.try_get("categories")?,
                removed: r.try_get("removed_categories")?,
                gateway: r
                    .try_get::<Option<String>, _>("gateway")?
                    .unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn effects_are_dated_by_the_sender_only_within_the_backfill_window() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let days_ago = |d: i64| now - chrono::Duration::days(d);
        // Without backfill the hub's clock dates everything.
        assert_eq!(event_time(now, 0, days_ago(3)), now);
        // Within the window the sender's date holds; beyond it, or in the future, it does not.
        assert_eq!(event_time(now, 730, days_ago(3)), days_ago(3));
        assert_eq!(event_time(now, 730, days_ago(730)), days_ago(730));
        assert_eq!(event_time(now, 730, days_ago(731)), now);
        assert_eq!(
            event_time(now, 730, now + chrono::Duration::minutes(5)),
            now
        );
    }
}
