//! PostgreSQL: migrations, the directory, writing plans, the outbox, dead letters, audit.
//!
//! The storage functions a batch ([`crate::batch`]) writes its plans with, in one transaction
//! together with its audit entries; the transaction is committed before any delivery is
//! acknowledged.

use chrono::{DateTime, Utc};
use hub_core::{Agency, Directory};
use schemas::vocab::enum_text;
use schemas::{AgencyId, AgencyRole, Jurisdiction};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use hub_core::cases::{Case, Handover};
use hub_core::consent::ConsentInForce;
use schemas::{Body, Message};

use crate::plan::{self, DeadLetterRow, Intake, OutboxRow};

pub mod audit;
pub mod columns;
mod decided;
pub(crate) mod deferred;
mod error;
pub(crate) mod state;

pub use audit::{AuditAppender, AuditCheck, verify_audit, verify_audit_in};
pub use decided::{Decided, Outcome};
pub use error::{StorageError, is_transient};

use columns::{Vocab, decode_err};
use state::{BatchState, MessageState};

/// The hub's migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens a pool.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        // Every connection is checked as it is taken from the pool, so none from before a
        // database restart is used.
        .test_before_acquire(true)
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

/// The agency's inbox queue: the one recorded, or `proposed` recorded now when it has none.
/// Concurrent callers (two hub instances provisioning) all get the one that was recorded
/// first.
pub async fn claim_inbox(
    pool: &PgPool,
    agency: &AgencyId,
    proposed: &str,
) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO agency_inboxes (agency, queue) VALUES ($1, $2) ON CONFLICT (agency) DO NOTHING")
        .bind(agency.as_str())
        .bind(proposed)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT queue FROM agency_inboxes WHERE agency = $1")
        .bind(agency.as_str())
        .fetch_one(pool)
        .await
}

/// The inbox queues of the registered agencies.
pub async fn inboxes(pool: &PgPool) -> Result<Vec<(AgencyId, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Inbox {
        #[sqlx(try_from = "String")]
        agency: AgencyId,
        queue: String,
    }
    let rows: Vec<Inbox> = sqlx::query_as(
        "SELECT i.agency, i.queue FROM agency_inboxes i JOIN agencies a ON a.id = i.agency
         ORDER BY i.agency",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|i| (i.agency, i.queue)).collect())
}

/// The registered agencies.
pub async fn load_directory(pool: &PgPool) -> Result<Directory, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Registered {
        #[sqlx(try_from = "String")]
        id: AgencyId,
        name: String,
        role: Vocab<AgencyRole>,
        jurisdiction: Vocab<Jurisdiction>,
    }
    // A disabled agency (`hub agency disable`) is left out: refused like an unknown one.
    let rows: Vec<Registered> = sqlx::query_as(
        "SELECT id, name, role, jurisdiction FROM agencies WHERE disabled_at IS NULL",
    )
    .fetch_all(pool)
    .await?;
    Ok(Directory::new(
        rows.into_iter()
            .map(|r| Agency {
                id: r.id,
                name: r.name,
                role: r.role.0,
                jurisdiction: r.jurisdiction.0,
            })
            .collect::<Vec<_>>(),
    ))
}

/// The key a message is taken under: its broker-authenticated sender and its id.
pub(crate) fn taken_key(d: &plan::Decoded) -> (String, Uuid) {
    (
        d.sender.to_string(),
        d.message.envelope.message_id.as_uuid(),
    )
}

/// The body hashes of the messages of `intakes` the hub has already recorded, by sender and
/// message id.
pub(crate) async fn already_taken(
    tx: &mut Transaction<'_, Postgres>,
    intakes: &[Intake],
) -> Result<std::collections::HashMap<(String, Uuid), Vec<u8>>, sqlx::Error> {
    let (senders, ids): (Vec<String>, Vec<Uuid>) = intakes
        .iter()
        .filter_map(|intake| match intake {
            Intake::Decoded(d) => Some(taken_key(d)),
            Intake::Refused(_) => None,
        })
        .unzip();
    if senders.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, Uuid, Vec<u8>)> = sqlx::query_as(
        "SELECT sender, message_id, body_sha256 FROM messages
         WHERE (sender, message_id) IN (SELECT * FROM UNNEST($1::text[], $2::uuid[]))",
    )
    .bind(senders)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(sender, message_id, hash)| ((sender, message_id), hash))
        .collect())
}

/// The state one message decides on.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) consents: Vec<ConsentInForce>,
    pub(crate) case: Option<Case>,
    pub(crate) handovers: Vec<Handover>,
    pub(crate) received_under_consent: Vec<AgencyId>,
    pub(crate) sealing_keys: hub_core::routing::SealingKeys,
    pub(crate) claim: Option<hub_core::cases::CaseClaim>,
    pub(crate) same_person: std::collections::BTreeSet<schemas::Pseudonym>,
    pub(crate) link: hub_core::routing::LinkState,
}

/// The state `message` decides on: consents, case, handovers and its recipients' sealing keys
/// from the batch's state, and the rarer rest (who received under a withdrawn consent) read
/// for it alone.
pub(crate) async fn load_state(
    tx: &mut Transaction<'_, Postgres>,
    batch: &mut BatchState,
    message: &Message,
) -> Result<State, sqlx::Error> {
    // A no-op for the messages the batch read at its start.
    batch.read(tx, &[message]).await?;
    let MessageState {
        consents,
        case,
        handovers,
        claim,
        sealing_keys,
        same_person,
    } = batch.for_message(message);
    let mut state = State {
        consents,
        case,
        handovers,
        claim,
        sealing_keys,
        same_person,
        ..State::default()
    };
    if let Body::PersonLinked(linked) = &message.body
        && let Some(current) = &message.envelope.subject
    {
        state.link = hub_core::routing::LinkState {
            current_in_use: batch.names_subject(current)
                || sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM cases WHERE subject = $1)
                     OR EXISTS (SELECT 1 FROM consents WHERE subject = $1)
                     OR EXISTS (SELECT 1 FROM case_claims WHERE subject = $1)
                     OR EXISTS (SELECT 1 FROM person_links WHERE previous = $1 OR current = $1)",
                )
                .bind(current.as_str())
                .fetch_one(&mut **tx)
                .await?,
            previous_linked: sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM person_links WHERE previous = $1)",
            )
            .bind(linked.previous.as_str())
            .fetch_one(&mut **tx)
            .await?,
            recorded: sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM person_links WHERE previous = $1 AND current = $2)",
            )
            .bind(linked.previous.as_str())
            .bind(current.as_str())
            .fetch_one(&mut **tx)
            .await?,
        };
    }
    if let Body::ConsentWithdrawn(w) = &message.body {
        let agencies: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT recipient FROM decisions
             WHERE delivered AND (gateway LIKE 'CONSENT:' || $1 || '@%'
                                  OR array_to_string(basis, ',') LIKE '%=CONSENT:' || $1 || '@%')
             ORDER BY recipient",
        )
        .bind(w.consent_id.to_string())
        .fetch_all(&mut **tx)
        .await?;
        state.received_under_consent = columns::each(agencies)?;
    }
    Ok(state)
}

pub(crate) async fn insert_dead_letter(
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
    .bind(i32::try_from(d.size_bytes).unwrap_or(i32::MAX))
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

/// One dead letter, for listing (no body).
#[derive(Debug, Clone, sqlx::FromRow)]
#[allow(missing_docs)] // fields named for what they hold
pub struct DeadLetterSummary {
    pub id: Uuid,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Who sent it.
    pub sender: String,
    /// The reason code.
    pub reason: String,
    /// The reason in words.
    pub detail: String,
    pub size_bytes: i32,
}

/// The most recent dead letters, newest first.
pub async fn list_dead_letters(
    pool: &PgPool,
    limit: i64,
) -> Result<Vec<DeadLetterSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, received_at, sender, reason, detail, size_bytes FROM dead_letters ORDER BY received_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Outbox rows due for (re)publishing, claimed for `claim_seconds` so other relays skip them.
///
/// A row is due when its time has come, or at once when it is claimed by an instance that no
/// longer holds its claim lock (it died, or lost its database session: see
/// [`crate::claims`]).
pub async fn claim_due_outbox(
    pool: &PgPool,
    limit: i64,
    claim_seconds: u32,
    claimant: Option<i32>,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let rows: Vec<StoredOutboxRow> = sqlx::query_as(
        "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1,
                           claimed_by = $3
         WHERE id IN (SELECT id FROM outbox
                      WHERE published_at IS NULL AND cancelled_at IS NULL
                        AND (next_attempt_at <= now()
                             OR (claimed_by IS NOT NULL AND claimed_by NOT IN (
                                   SELECT objid::bigint FROM pg_locks
                                   WHERE locktype = 'advisory' AND granted AND objsubid = 2
                                     AND classid::bigint = $4)))
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, recipient, message_id, correlation_id, message_type, sender, payload, consent_id",
    )
    .bind(limit)
    .bind(f64::from(claim_seconds))
    .bind(claimant)
    .bind(i64::from(crate::claims::LOCK_CLASS))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(OutboxRow::try_from).collect()
}

/// An outbox row as stored.
#[derive(sqlx::FromRow)]
struct StoredOutboxRow {
    id: Uuid,
    #[sqlx(try_from = "String")]
    recipient: AgencyId,
    message_id: Uuid,
    correlation_id: Uuid,
    message_type: String,
    #[sqlx(try_from = "String")]
    sender: AgencyId,
    payload: Vec<u8>,
    consent_id: Option<Uuid>,
}

impl TryFrom<StoredOutboxRow> for OutboxRow {
    type Error = sqlx::Error;

    fn try_from(r: StoredOutboxRow) -> Result<Self, sqlx::Error> {
        Ok(OutboxRow {
            id: r.id,
            recipient: r.recipient,
            message_id: r.message_id,
            correlation_id: r.correlation_id,
            message_type: schemas::MessageType::from_name(&r.message_type)
                .ok_or_else(|| decode_err("unknown message type in outbox"))?
                .as_str(),
            sender: r.sender,
            payload: r.payload,
            consent_id: r.consent_id,
        })
    }
}

/// Marks outbox rows as published, without waiting for the mark to reach the disk
/// (`synchronous_commit` off for this transaction only). A mark that a crash loses leaves
/// its rows unpublished: the relay publishes them again once their claim ends, and
/// recipients take a message once however often it comes (the same as a crash between the
/// confirm and the mark). So the mark need not cost the commit a flush of the WAL, which on
/// this path sits between a batch's confirms and its acknowledgement.
pub async fn mark_published(pool: &PgPool, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    // One statement, so one round trip: `set_config(…, true)` holds for the statement's own
    // transaction, which commits when it ends, under the setting.
    sqlx::query(
        "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE outbox SET published_at = now(), last_error = NULL
         FROM quick WHERE id = ANY($1)",
    )
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
        "UPDATE outbox SET last_error = $2, claimed_by = NULL,
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
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Disclosure {
    /// When the hub decided it.
    #[sqlx(rename = "decided_at")]
    pub at: DateTime<Utc>,
    /// Who disclosed.
    pub sender: String,
    /// To whom.
    pub recipient: String,
    /// The message type.
    pub message_type: String,
    /// The message id.
    pub message_id: Uuid,
    pub case_id: Option<String>,
    /// The categories disclosed.
    pub categories: Vec<String>,
    /// The categories removed before delivery.
    #[sqlx(rename = "removed_categories")]
    pub removed: Vec<String>,
    /// The gateway that allowed it (named in the recipient's copy).
    pub gateway: String,
    /// Per category disclosed, the gateway that allowed it, as `CATEGORY=GATEWAY`.
    pub basis: Vec<String>,
}

/// Every delivery of data about `subject`, under any pseudonym linked with it, oldest first.
pub async fn disclosures(pool: &PgPool, subject: &str) -> Result<Vec<Disclosure>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.decided_at, d.sender, d.recipient, m.message_type, d.message_id, m.case_id,
                d.categories, d.removed_categories, coalesce(d.gateway, '') AS gateway, d.basis
         FROM decisions d JOIN messages m USING (sender, message_id)
         WHERE m.subject IN (SELECT member FROM person_group(ARRAY[$1])) AND d.delivered
         ORDER BY d.decided_at, d.message_id, d.recipient",
    )
    .bind(subject)
    .fetch_all(pool)
    .await
}
