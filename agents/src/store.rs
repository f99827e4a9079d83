//! The agent's local durable store, in SQLite: outbox, inbox, rejected deliveries.
//!
//! The file is shared by the running service (`agent run`) and the command line (`agent
//! send`, `agent inbox`): WAL mode and a busy timeout let them work side by side.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use schemas::messages::WithdrawalScope;
use schemas::messages::{Receipt, Undeliverable};
use schemas::{AgencyId, Body, Message, MessageId};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The columns [`received`] reads, as the start of a query.
macro_rules! select_inbox {
    () => {
        "SELECT message_id, sender, message_type, case_id, received_at, opened_at, quarantined_at, payload FROM inbox"
    };
}

/// The columns [`sent`] reads, as the start of a query.
macro_rules! select_sent {
    () => {
        "SELECT message_id, message_type, status, accepted_at, answer_reason, answer_detail, payload FROM outbox"
    };
}

/// The agent's migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("local store: {0}")]
    Db(#[from] sqlx::Error),
    /// A stored row is not what the agent wrote.
    #[error("local store holds an unreadable row: {0}")]
    Corrupt(String),
}

/// Where a sent message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// Stored; not yet confirmed by the broker.
    Queued,
    /// Confirmed by the broker; the hub has not answered yet.
    Sent,
    /// The hub delivered it to every recipient.
    Delivered,
    /// The hub delivered it to some recipients and refused others.
    PartiallyDelivered,
    /// The hub refused it.
    Refused,
}

impl SendStatus {
    fn as_str(self) -> &'static str {
        match self {
            SendStatus::Queued => "queued",
            SendStatus::Sent => "sent",
            SendStatus::Delivered => "delivered",
            SendStatus::PartiallyDelivered => "partially_delivered",
            SendStatus::Refused => "refused",
        }
    }
}

impl FromStr for SendStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "queued" => SendStatus::Queued,
            "sent" => SendStatus::Sent,
            "delivered" => SendStatus::Delivered,
            "partially_delivered" => SendStatus::PartiallyDelivered,
            "refused" => SendStatus::Refused,
            other => return Err(StoreError::Corrupt(format!("status {other:?}"))),
        })
    }
}

impl std::fmt::Display for SendStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message in the outbox.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Its id.
    pub message_id: String,
    /// Its type.
    pub message_type: String,
    /// Where it stands.
    pub status: SendStatus,
    /// When the agent accepted it.
    pub accepted_at: DateTime<Utc>,
    /// The hub's reason code, when refused (in whole or in part).
    pub answer_reason: Option<String>,
    /// The hub's words.
    pub answer_detail: Option<String>,
    /// The bytes.
    pub payload: Vec<u8>,
}

/// A message in the inbox.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its id.
    pub message_id: String,
    /// Who sent it.
    pub sender: String,
    /// Its type.
    pub message_type: String,
    /// Its case.
    pub case_id: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When a caseworker first opened it.
    pub opened_at: Option<DateTime<Utc>>,
    /// When it was quarantined because its consent was withdrawn before anyone opened it.
    pub quarantined_at: Option<DateTime<Utc>>,
    /// The bytes.
    pub payload: Vec<u8>,
}

/// What happened to a message put into the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Newly stored.
    New,
    /// A message with this id was already accepted: nothing changed.
    AlreadyAccepted,
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the store in `dir/agent.db` and applies migrations.
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        let options = SqliteConnectOptions::new()
            .filename(dir.join("agent.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        // The service and the command line may open a new store at the same moment; SQLite
        // migrations take no lock, so the loser of that race finds the tables made (or the file
        // locked while it turns to WAL mode). It retries on fresh connections, by which time the winner has recorded the migration.
        let mut attempt = 0;
        let pool = loop {
            let opened = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
                .await;
            let result = match opened {
                Ok(pool) => match MIGRATOR.run(&pool).await {
                    Ok(()) => break pool,
                    Err(e) => {
                        pool.close().await;
                        StoreError::Db(e.into())
                    }
                },
                // Switching a new file to WAL mode needs a moment's exclusive lock.
                Err(e) => StoreError::Db(e),
            };
            if attempt == 5 {
                return Err(result);
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
        };
        Ok(Self { pool })
    }

    /// Puts a decoded message into the outbox; the service publishes it.
    pub async fn enqueue(
        &self,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let e = &message.envelope;
        let recipients = serde_json::to_string(&e.recipients).expect("ids serialize");
        let rows = sqlx::query(
            "INSERT INTO outbox (message_id, message_type, correlation_id, case_id, recipients, payload, accepted_at, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'queued') ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(e.message_id.to_string())
        .bind(e.message_type.as_str())
        .bind(e.correlation_id.to_string())
        .bind(e.case_id.as_ref().map(|c| c.as_str()))
        .bind(recipients)
        .bind(message.to_json())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(if rows == 1 {
            Accepted::New
        } else {
            Accepted::AlreadyAccepted
        })
    }

    /// The oldest queued messages, for the publisher.
    pub async fn queued(&self, limit: i64) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT message_id, correlation_id, message_type, payload FROM outbox
             WHERE status = 'queued' ORDER BY rowid LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.try_get("message_id")?,
                    r.try_get("correlation_id")?,
                    r.try_get("payload")?,
                ))
            })
            .collect::<Result<Vec<(String, String, Vec<u8>)>, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The broker confirmed these; they wait for the hub's answer now.
    pub async fn mark_sent(&self, message_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
             WHERE message_id = ? AND status = 'queued'",
        )
        .bind(now)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A publish attempt failed; the message stays queued.
    pub async fn mark_attempt_failed(
        &self,
        message_id: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE message_id = ?",
        )
        .bind(error)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a delivery from the hub, once, and applies receipts to the outbox. Returns
    /// whether it was new.
    pub async fn receive(
        &self,
        me: &AgencyId,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let e = &message.envelope;
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "INSERT INTO inbox (message_id, sender, message_type, correlation_id, case_id, subject, received_at, payload, gateway)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(e.message_id.to_string())
        .bind(e.sender.as_str())
        .bind(e.message_type.as_str())
        .bind(e.correlation_id.to_string())
        .bind(e.case_id.as_ref().map(|c| c.as_str()))
        .bind(e.subject.as_ref().map(|s| s.as_str()))
        .bind(now)
        .bind(message.to_json())
        .bind(e.gateway.as_ref().map(|g| g.as_str()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let answer = match &message.body {
            Body::Receipt(Receipt {
                in_reply_to,
                refused,
                ..
            }) => Some((
                *in_reply_to,
                if refused.is_empty() {
                    SendStatus::Delivered
                } else {
                    SendStatus::PartiallyDelivered
                },
                refused.first().map(|r| r.reason.as_str().to_owned()),
                None,
            )),
            Body::Undeliverable(Undeliverable {
                in_reply_to: Some(id),
                reason,
                detail,
                ..
            }) => Some((
                *id,
                SendStatus::Refused,
                Some(reason.as_str().to_owned()),
                Some(detail.clone()),
            )),
            _ => None,
        };
        if let Some((id, status, reason, detail)) = answer {
            sqlx::query(
                "UPDATE outbox SET status = ?, answered_at = ?, answer_reason = ?, answer_detail = ?,
                                   sent_at = coalesce(sent_at, ?)
                 WHERE message_id = ?",
            )
            .bind(status.as_str())
            .bind(now)
            .bind(reason)
            .bind(detail)
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        if let Body::ConsentWithdrawn(w) = &message.body {
            let covers_me = match &w.scope {
                WithdrawalScope::Entire => true,
                WithdrawalScope::Recipients(list) => list.contains(me),
            };
            if covers_me {
                sqlx::query(
                    "UPDATE inbox SET quarantined_at = ?
                     WHERE gateway LIKE 'CONSENT:' || ? || '@%' AND opened_at IS NULL AND quarantined_at IS NULL
                       AND message_type <> 'ConsentWithdrawn'",
                )
                .bind(now)
                .bind(w.consent_id.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(rows == 1)
    }

    /// Keeps a delivery that did not decode.
    pub async fn reject(
        &self,
        payload: &[u8],
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO rejected (received_at, detail, payload) VALUES (?, ?, ?)")
            .bind(now)
            .bind(detail)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The inbox, newest first.
    pub async fn inbox(&self, limit: i64) -> Result<Vec<Received>, StoreError> {
        let rows = sqlx::query(concat!(
            select_inbox!(),
            "
             ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(received).collect()
    }

    /// One inbox message; marks it opened unless it is quarantined (a quarantined message is
    /// returned with `quarantined_at` set, and its caller must not show its content).
    pub async fn open_message(
        &self,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Received>, StoreError> {
        sqlx::query(
            "UPDATE inbox SET opened_at = coalesce(opened_at, ?)
             WHERE message_id = ? AND quarantined_at IS NULL",
        )
        .bind(now)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(concat!(select_inbox!(), " WHERE message_id = ?"))
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(received).transpose()
    }

    /// One inbox message, read without marking it opened.
    pub async fn inbox_message(&self, message_id: &str) -> Result<Option<Received>, StoreError> {
        let row = sqlx::query(concat!(select_inbox!(), " WHERE message_id = ?"))
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(received).transpose()
    }

    /// Received messages of one type, newest first, read without marking them opened.
    pub async fn received_of_type(
        &self,
        message_type: &str,
        limit: i64,
    ) -> Result<Vec<Received>, StoreError> {
        let rows = sqlx::query(concat!(
            select_inbox!(),
            "
             WHERE message_type = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(message_type)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(received).collect()
    }

    /// Sent messages of one type, newest first.
    pub async fn sent_of_type(
        &self,
        message_type: &str,
        limit: i64,
    ) -> Result<Vec<Sent>, StoreError> {
        let rows = sqlx::query(concat!(
            select_sent!(),
            "
             WHERE message_type = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(message_type)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(sent).collect()
    }

    /// The outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<Sent>, StoreError> {
        let rows = sqlx::query(concat!(
            select_sent!(),
            "
             ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(sent).collect()
    }

    /// One sent message.
    pub async fn sent(&self, message_id: &MessageId) -> Result<Option<Sent>, StoreError> {
        let row = sqlx::query(concat!(select_sent!(), " WHERE message_id = ?"))
            .bind(message_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(sent).transpose()
    }

    /// Deliveries that did not decode, as (time, detail).
    pub async fn rejected(&self) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        let rows = sqlx::query("SELECT received_at, detail FROM rejected ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("received_at")?, r.try_get("detail")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn received(r: &sqlx::sqlite::SqliteRow) -> Result<Received, StoreError> {
    Ok(Received {
        message_id: r.try_get("message_id")?,
        sender: r.try_get("sender")?,
        message_type: r.try_get("message_type")?,
        case_id: r.try_get("case_id")?,
        received_at: r.try_get("received_at")?,
        opened_at: r.try_get("opened_at")?,
        quarantined_at: r.try_get("quarantined_at")?,
        payload: r.try_get("payload")?,
    })
}

fn sent(r: &sqlx::sqlite::SqliteRow) -> Result<Sent, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Sent {
        message_id: r.try_get("message_id")?,
        message_type: r.try_get("message_type")?,
        status: status.parse()?,
        accepted_at: r.try_get("accepted_at")?,
        answer_reason: r.try_get("answer_reason")?,
        answer_detail: r.try_get("answer_detail")?,
        payload: r.try_get("payload")?,
    })
}
