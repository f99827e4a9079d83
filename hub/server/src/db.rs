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

use crate::plan::{Accepted, DeadLetterRow, OutboxRow, Plan, Refused};

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
pub async fn upsert_agency(pool: &PgPool, agency: &Agency) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agencies (id, name, role, jurisdiction) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name = $2, role = $3, jurisdiction = $4",
    )
    .bind(agency.id.as_str())
    .bind(&agency.name)
    .bind(enum_text(&agency.role))
    .bind(enum_text(&agency.jurisdiction))
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

/// Writes the plans of one batch in one transaction and returns the outbox rows actually
/// inserted (a redelivered message inserts none), for the publisher's fast path.
pub async fn write_batch(
    pool: &PgPool,
    plans: &[Plan],
    now: DateTime<Utc>,
    claim_seconds: u32,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut audit = AuditAppender::start(&mut tx).await?;
    let mut fresh = Vec::new();
    // The fast path publishes these itself; the relay leaves them alone until the claim ends.
    let claimed_until = now + chrono::Duration::seconds(i64::from(claim_seconds));
    for plan in plans {
        let written = match plan {
            Plan::Accepted(accepted) => write_accepted(&mut tx, accepted, now).await?,
            Plan::Refused(refused) => write_refused(&mut tx, refused, now).await?,
        };
        let Some((detail, outbox)) = written else {
            continue;
        };
        for row in outbox {
            if insert_outbox(&mut tx, row, now, claimed_until).await? {
                fresh.push(row.clone());
            }
        }
        audit.append(&mut tx, now, &detail).await?;
    }
    tx.commit().await?;
    Ok(fresh)
}

type Written<'a> = Option<(serde_json::Value, &'a [OutboxRow])>;

async fn write_accepted<'a>(
    tx: &mut Transaction<'_, Postgres>,
    a: &'a Accepted,
    now: DateTime<Utc>,
) -> Result<Written<'a>, sqlx::Error> {
    let e = &a.message.envelope;
    let inserted = sqlx::query(
        "INSERT INTO messages (sender, message_id, correlation_id, message_type, case_id, subject,
                               purpose, body_sha256, sent_at, received_at, outcome, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (sender, message_id) DO NOTHING",
    )
    .bind(e.sender.as_str())
    .bind(e.message_id.as_uuid())
    .bind(e.correlation_id)
    .bind(e.message_type.as_str())
    .bind(e.case_id.as_ref().map(|c| c.as_str()))
    .bind(e.subject.as_ref().map(|s| s.as_str()))
    .bind(enum_text(&e.purpose))
    .bind(&a.body_sha256[..])
    .bind(e.sent_at)
    .bind(now)
    .bind(if a.routed { "routed" } else { "refused" })
    .bind(a.reason.map(|r| r.as_str()))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        let stored: Vec<u8> = sqlx::query_scalar(
            "SELECT body_sha256 FROM messages WHERE sender = $1 AND message_id = $2",
        )
        .bind(e.sender.as_str())
        .bind(e.message_id.as_uuid())
        .fetch_one(&mut **tx)
        .await?;
        if stored == a.body_sha256 {
            return Ok(None); // A redelivery: already decided, recorded and queued.
        }
        return write_refused(tx, &a.on_id_conflict, now).await;
    }
    for d in &a.decisions {
        sqlx::query(
            "INSERT INTO decisions (sender, message_id, recipient, delivered, gateway, categories, reason, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(e.sender.as_str())
        .bind(e.message_id.as_uuid())
        .bind(d.recipient.as_str())
        .bind(d.delivered)
        .bind(d.gateway.as_deref())
        .bind(d.categories.iter().map(enum_text).collect::<Vec<_>>())
        .bind(d.reason.map(|r| r.as_str()))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(dead) = &a.dead_letter {
        insert_dead_letter(tx, dead, now).await?;
    }
    Ok(Some((a.audit_detail(), &a.outbox)))
}

async fn write_refused<'a>(
    tx: &mut Transaction<'_, Postgres>,
    r: &'a Refused,
    now: DateTime<Utc>,
) -> Result<Written<'a>, sqlx::Error> {
    if !insert_dead_letter(tx, &r.dead_letter, now).await? {
        return Ok(None); // The same refused input again: already answered.
    }
    Ok(Some((r.audit_detail(), r.reply.as_slice())))
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

async fn insert_outbox(
    tx: &mut Transaction<'_, Postgres>,
    row: &OutboxRow,
    now: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let rows = sqlx::query(
        "INSERT INTO outbox (id, recipient, message_id, correlation_id, message_type, sender, payload, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
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
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(rows == 1)
}

/// Appends to the hash chain inside a transaction that holds the audit lock.
struct AuditAppender {
    seq: i64,
    hash: [u8; 32],
}

impl AuditAppender {
    async fn start(tx: &mut Transaction<'_, Postgres>) -> Result<Self, sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut **tx)
            .await?;
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        Ok(match last {
            None => Self {
                seq: 0,
                hash: audit::GENESIS,
            },
            Some(row) => {
                let hash: Vec<u8> = row.try_get("hash")?;
                Self {
                    seq: row.try_get("seq")?,
                    hash: hash
                        .try_into()
                        .map_err(|_| sqlx::Error::Decode("audit hash length".into()))?,
                }
            }
        })
    }

    async fn append(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        at: DateTime<Utc>,
        detail: &serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        let seq = self.seq + 1;
        let entry = serde_json::json!({ "seq": seq, "at": at, "detail": detail }).to_string();
        let hash = audit::chain_hash(&self.hash, entry.as_bytes());
        sqlx::query("INSERT INTO audit_log (seq, entry, prev_hash, hash) VALUES ($1, $2, $3, $4)")
            .bind(seq)
            .bind(&entry)
            .bind(&self.hash[..])
            .bind(&hash[..])
            .execute(&mut **tx)
            .await?;
        self.seq = seq;
        self.hash = hash;
        Ok(())
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
    let rows = sqlx::query("SELECT seq, entry, prev_hash, hash FROM audit_log ORDER BY seq")
        .fetch_all(pool)
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
         WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, recipient, message_id, correlation_id, message_type, sender, payload",
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
