//! The agent's local durable store, in SQLite: outbox, inbox, rejected deliveries, the
//! agency's own sealing keys and the newest key directory from the hub (the person register
//! shares the file; its queries are in [`crate::people`]).
//!
//! The file is shared by the running service (`agent run`) and the command line (`agent
//! send`, `agent inbox`): WAL mode and a busy timeout let them work side by side.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use schemas::messages::WithdrawalScope;
use schemas::messages::{DirectoryKey, KeyDirectory, Receipt, Undeliverable};
use schemas::{AgencyId, Body, Message, MessageId, MessageType};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use zeroize::Zeroizing;

/// The columns [`received`] reads, as the start of a query.
macro_rules! select_inbox {
    () => {
        "SELECT message_id, sender, message_type, case_id, received_at, opened_at, quarantined_at, payload FROM inbox"
    };
}

/// The columns [`sent`] reads, as the start of a query.
macro_rules! select_sent {
    () => {
        "SELECT message_id, message_type, case_id, status, accepted_at, answer_reason, answer_detail, payload FROM outbox"
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
    /// Several senders used this message id (ids are scoped by their sender): the sender
    /// must be named to choose one.
    #[error("several agencies sent a message with this id; name the sender")]
    Ambiguous,
}

impl StoreError {
    /// Whether the failure is about the store's availability (busy or locked by another
    /// process, an I/O error, a full disk, the pool): then the same write succeeds later.
    /// Any other failure is caused by what was written, and would fail again the same way.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Db(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            StoreError::Db(sqlx::Error::Database(e)) => e
                .code()
                .and_then(|code| code.parse::<u32>().ok())
                // Primary result codes: BUSY, LOCKED, IOERR, FULL, CANTOPEN, PROTOCOL.
                .is_some_and(|code| matches!(code & 0xff, 5 | 6 | 10 | 13 | 14 | 15)),
            _ => false,
        }
    }
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
    /// Its case.
    pub case_id: Option<String>,
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

/// What became of one recipient's copy of a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The hub has not answered for this recipient yet.
    Waiting,
    /// The hub delivered it to this recipient.
    Delivered,
    /// The hub refused it for this recipient.
    Refused,
}

impl Outcome {
    /// The outcome as the API and the store write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::Delivered => "delivered",
            Outcome::Refused => "refused",
        }
    }
}

impl FromStr for Outcome {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "waiting" => Outcome::Waiting,
            "delivered" => Outcome::Delivered,
            "refused" => Outcome::Refused,
            other => return Err(StoreError::Corrupt(format!("outcome {other:?}"))),
        })
    }
}

/// One recipient of a sent message and what became of its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    /// The recipient agency's id.
    pub recipient: String,
    /// What became of its copy.
    pub outcome: Outcome,
    /// The hub's reason code, when refused.
    pub reason: Option<String>,
    /// The hub's words, when it gave any (an `Undeliverable` does; a `Receipt` does not).
    pub detail: Option<String>,
    /// When the hub's answer arrived; `None` while waiting.
    pub answered_at: Option<DateTime<Utc>>,
}

/// A delivery as it arrived: the message, and the bytes it was decoded from.
#[derive(Debug, Clone, Copy)]
pub struct Arrived<'a> {
    /// The decoded message.
    pub message: &'a Message,
    /// Its JSON as received, which the inbox keeps.
    pub bytes: &'a [u8],
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

/// One of the agency's own sealing keys, public parts only (the private key is read with
/// [`Store::private_key`] and never leaves the agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnKey {
    /// The key id, derived from the public key (`k-` and 32 hex digits).
    pub key_id: String,
    /// The public key, base64.
    pub public_key: String,
    /// When the agent made it.
    pub created_at: DateTime<Utc>,
    /// When a newer key replaced it; `None` for the current key.
    pub retired_at: Option<DateTime<Utc>>,
}

impl OwnKey {
    /// Whether this is the current key, the one published for senders to seal to.
    pub fn is_current(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// The newest key directory the hub sent this agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    /// The hub's version of it; a directory with a higher one replaces it.
    pub version: u64,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Every published key, current and rotated out, by agency and key id.
    pub keys: Vec<DirectoryKey>,
}

/// What came of a key directory change ([`Store::apply_directory_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryChange {
    /// Applied on top of the version it follows.
    Applied,
    /// The directory held includes it already (or it cannot be ordered): nothing to do.
    Held,
    /// The directory held is older than the version it follows: a change was missed, and
    /// only the whole directory brings it up to date.
    Gap,
}

/// A message waiting in the outbox for the publisher.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Its id.
    pub message_id: String,
    /// Its correlation id.
    pub correlation_id: String,
    /// Its type.
    pub message_type: MessageType,
    /// The bytes to publish.
    pub payload: Vec<u8>,
}

/// Makes `dir` (mode 700) and an empty `agent.db` (mode 600) when missing, so SQLite's
/// `-wal` and `-shm` files, which take the database's mode, are private from the start; and
/// tightens a folder or files of an older agent that were made with wider modes.
fn private_files(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("agent.db"))?;
    for name in [
        "agent.db",
        "agent.db-wal",
        "agent.db-shm",
        "agent.db-journal",
    ] {
        match std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Deletes the received messages first opened before `cutoff` (retention,
    /// `agent.opened_messages_days`): their rows and bodies. Messages never opened and those
    /// in quarantine are kept; the access log keeps its entries. Returns how many went.
    pub async fn purge_opened_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query(
            "DELETE FROM inbox WHERE opened_at IS NOT NULL AND opened_at < ? AND quarantined_at IS NULL",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(gone)
    }

    /// Writes a consistent copy of the whole store (messages, person register, sealing keys,
    /// access log) to `file`, while the agent runs: SQLite's `VACUUM INTO` reads one snapshot.
    /// `file` must not exist yet. The copy is made mode 600, like the store: it holds private
    /// sealing keys in the clear. To restore, stop the agent and put the copy in place as
    /// `agent.db` in an empty `data_dir` (see the README, "Backups that restore").
    pub async fn backup_to(&self, file: &Path) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Db(sqlx::Error::Io(e));
        // Made empty and private first (SQLite fills an empty file), so the keys are never in
        // a file others may read; `create_new` refuses to overwrite anything.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(file).map_err(|e| {
            io(std::io::Error::new(
                e.kind(),
                format!("{}: {e} (a backup never overwrites a file)", file.display()),
            ))
        })?;
        let target = file.to_str().ok_or_else(|| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the backup's path is not UTF-8",
            ))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Opens (creating if needed) the store in `dir/agent.db` and applies migrations. The
    /// folder is made (or tightened to) mode 700 and the database files 600: the store holds
    /// private sealing keys in the clear.
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        private_files(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
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
            "INSERT INTO outbox (message_id, message_type, correlation_id, case_id, subject, recipients, payload, accepted_at, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued') ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(e.message_id.to_string())
        .bind(e.message_type.as_str())
        .bind(e.correlation_id.to_string())
        .bind(e.case_id.as_ref().map(|c| c.as_str()))
        .bind(e.subject.as_ref().map(|s| s.as_str()))
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
    pub async fn queued(&self, limit: i64) -> Result<Vec<Queued>, StoreError> {
        let rows = sqlx::query(
            "SELECT message_id, correlation_id, message_type, payload FROM outbox
             WHERE status = 'queued' ORDER BY rowid LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let message_type: String = r.try_get("message_type")?;
                Ok(Queued {
                    message_id: r.try_get("message_id")?,
                    correlation_id: r.try_get("correlation_id")?,
                    message_type: MessageType::from_name(&message_type).ok_or_else(|| {
                        StoreError::Corrupt(format!("message type {message_type:?}"))
                    })?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect()
    }

    /// How many messages wait for the broker's confirm, and since when the oldest waits.
    pub async fn outbox_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        let row = sqlx::query(
            "SELECT count(*) AS pending, min(accepted_at) AS oldest FROM outbox WHERE status = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("pending")?, row.try_get("oldest")?))
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
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
    /// whether it was new. A key directory is not an inbox message: it is saved with
    /// [`Store::save_directory`] (new means: newer than the one held).
    pub async fn receive(
        &self,
        me: &AgencyId,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let new = self
            .receive_all(me, std::slice::from_ref(message), now)
            .await?;
        Ok(new[0])
    }

    /// Stores a batch of deliveries as [`Store::receive`] does, in one transaction (one
    /// write to disk for the batch, so a backlog drains at the broker's pace). Returns per
    /// message whether it was new.
    pub async fn receive_all(
        &self,
        me: &AgencyId,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let json: Vec<Vec<u8>> = messages.iter().map(Message::to_json).collect();
        let arrived: Vec<Arrived<'_>> = messages
            .iter()
            .zip(&json)
            .map(|(message, json)| Arrived {
                message,
                bytes: json,
            })
            .collect();
        self.receive_arrived(me, &arrived, now).await
    }

    /// As [`Store::receive_all`], for deliveries as they arrived: the inbox keeps the bytes
    /// each was decoded from, so they are not encoded again.
    pub async fn receive_arrived(
        &self,
        me: &AgencyId,
        arrived: &[Arrived<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let mut new = vec![false; arrived.len()];
        if arrived
            .iter()
            .any(|a| !matches!(a.message.body, Body::KeyDirectory(_)))
        {
            let mut tx = self.begin_write().await?;
            // Plain messages (no answer to mark, nothing to quarantine) are inserted a run
            // at a time with one statement: each statement is a hop to SQLite's thread, and
            // one per message was most of a backlog's drain time.
            let mut run: Vec<usize> = Vec::new();
            for (i, one) in arrived.iter().enumerate() {
                match &one.message.body {
                    Body::KeyDirectory(_) => {}
                    Body::Receipt(_) | Body::Undeliverable(_) | Body::ConsentWithdrawn(_) => {
                        // It reads or changes what the run before it stores: store that first.
                        insert_run(&mut tx, arrived, &mut run, &mut new, now).await?;
                        new[i] = receive_in(&mut tx, me, one, now).await?;
                    }
                    _ => run.push(i),
                }
            }
            insert_run(&mut tx, arrived, &mut run, &mut new, now).await?;
            tx.commit().await?;
        }
        for (i, one) in arrived.iter().enumerate() {
            if let Body::KeyDirectory(directory) = &one.message.body {
                // Plumbing, not a caseworker's message: it goes to the directory, not the
                // inbox. A redelivery (or an older directory arriving late) changes nothing.
                new[i] = crate::keys::receive_directory(self, me, directory, now).await?;
            }
        }
        Ok(new)
    }

    /// A write transaction that takes SQLite's write lock at once. A deferred transaction
    /// that reads first and writes later cannot wait for the lock (SQLite answers "database
    /// is locked" at once to avoid a deadlock), so every transaction here that writes starts
    /// immediate and waits its turn under the busy timeout instead.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// How many messages the inbox holds.
    pub async fn inbox_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM inbox")
            .fetch_one(&self.pool)
            .await?)
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

    /// One inbox message, by its id and, where several senders used that id, its sender
    /// (ids are scoped by their sender); marks it opened unless it is quarantined (a
    /// quarantined message is returned with `quarantined_at` set, and its caller must not show
    /// its content).
    pub async fn open_message(
        &self,
        message_id: &str,
        sender: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Received>, StoreError> {
        let Some(found) = self.inbox_message(message_id, sender).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE inbox SET opened_at = coalesce(opened_at, ?)
             WHERE sender = ? AND message_id = ? AND quarantined_at IS NULL",
        )
        .bind(now)
        .bind(&found.sender)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        self.inbox_message(message_id, Some(&found.sender)).await
    }

    /// One inbox message, by id and (where several senders used the id) sender, read
    /// without marking it opened. [`StoreError::Ambiguous`] when the id is not enough.
    pub async fn inbox_message(
        &self,
        message_id: &str,
        sender: Option<&str>,
    ) -> Result<Option<Received>, StoreError> {
        let rows = sqlx::query(concat!(
            select_inbox!(),
            " WHERE message_id = ? AND (?2 IS NULL OR sender = ?2) ORDER BY received_at LIMIT 2"
        ))
        .bind(message_id)
        .bind(sender)
        .fetch_all(&self.pool)
        .await?;
        match rows.as_slice() {
            [] => Ok(None),
            [one] => received(one).map(Some),
            _ => Err(StoreError::Ambiguous),
        }
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

    /// The messages about one person, received and sent, newest first.
    pub async fn about_subject(
        &self,
        subject: &str,
        limit: i64,
    ) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        let received_rows = sqlx::query(concat!(
            select_inbox!(),
            "
             WHERE subject = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(subject)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let sent_rows = sqlx::query(concat!(
            select_sent!(),
            "
             WHERE subject = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(subject)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            received_rows
                .iter()
                .map(received)
                .collect::<Result<_, _>>()?,
            sent_rows.iter().map(sent).collect::<Result<_, _>>()?,
        ))
    }

    /// The pool, for the modules that keep tables of their own in the store (the person
    /// register, [`crate::people`]).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
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

    /// Each recipient of a sent message, in the order the message names them, with what
    /// became of its copy (see [`RecipientOutcome`]); empty when this agent sent no such
    /// message.
    pub async fn recipient_outcomes(
        &self,
        message_id: &str,
    ) -> Result<Vec<RecipientOutcome>, StoreError> {
        let Some(addressed) =
            sqlx::query_scalar::<_, String>("SELECT recipients FROM outbox WHERE message_id = ?")
                .bind(message_id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(Vec::new());
        };
        let addressed: Vec<String> = serde_json::from_str(&addressed)
            .map_err(|_| StoreError::Corrupt("outbox recipients".to_owned()))?;
        let answered = sqlx::query_as::<_, OutcomeRow>(
            "SELECT recipient, outcome, reason, detail, answered_at FROM outbox_recipients
             WHERE message_id = ? ORDER BY rowid",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<RecipientOutcome> = addressed
            .into_iter()
            .map(|recipient| RecipientOutcome {
                recipient,
                outcome: Outcome::Waiting,
                reason: None,
                detail: None,
                answered_at: None,
            })
            .collect();
        for row in answered {
            let known = RecipientOutcome {
                recipient: row.recipient,
                outcome: row.outcome.parse()?,
                reason: row.reason,
                detail: row.detail,
                answered_at: Some(row.answered_at),
            };
            match out.iter_mut().find(|o| o.recipient == known.recipient) {
                Some(slot) => *slot = known,
                None => out.push(known),
            }
        }
        Ok(out)
    }

    /// Received messages in one conversation (by correlation id), oldest first, read without
    /// marking them opened.
    pub async fn received_correlated(
        &self,
        correlation_id: &str,
    ) -> Result<Vec<Received>, StoreError> {
        let rows = sqlx::query(concat!(
            select_inbox!(),
            "
             WHERE correlation_id = ? ORDER BY rowid"
        ))
        .bind(correlation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(received).collect()
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

    /// Makes a key pair when the agency has no current key. Returns the current key and
    /// whether it was made now. Safe to call from several processes at once: one key wins.
    pub async fn ensure_key(&self, now: DateTime<Utc>) -> Result<(OwnKey, bool), StoreError> {
        if let Some(key) = self.current_key().await? {
            return Ok((key, false));
        }
        let pair = seal::generate();
        // One statement, so the check and the insert happen under SQLite's write lock; the
        // unique index on the current key backs it up.
        let made = sqlx::query(
            "INSERT INTO own_keys (key_id, public_key, private_key, created_at)
             SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM own_keys WHERE retired_at IS NULL)
             ON CONFLICT DO NOTHING",
        )
        .bind(&pair.key_id)
        .bind(&pair.public_key)
        .bind(pair.private_key.as_slice())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let key = self
            .current_key()
            .await?
            .ok_or_else(|| StoreError::Corrupt("no current key after making one".into()))?;
        Ok((key, made))
    }

    /// The current key, if the agency has one.
    pub async fn current_key(&self) -> Result<Option<OwnKey>, StoreError> {
        let row = sqlx::query(
            "SELECT key_id, public_key, created_at, retired_at FROM own_keys WHERE retired_at IS NULL",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(own_key).transpose()
    }

    /// Every key the agency holds, newest first: the current one and the rotated-out ones.
    pub async fn own_keys(&self) -> Result<Vec<OwnKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, public_key, created_at, retired_at FROM own_keys
             ORDER BY created_at DESC, rowid DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(own_key).collect()
    }

    /// The private key with this id, current or rotated out, for opening a sealed field.
    pub async fn private_key(
        &self,
        key_id: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let row = sqlx::query("SELECT private_key FROM own_keys WHERE key_id = ?")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<Vec<u8>, _>("private_key").map(Zeroizing::new))
            .transpose()
            .map_err(Into::into)
    }

    /// Makes a new current key; the previous one is retired but kept, so copies sealed to it
    /// still open. Publishing the new key is the caller's part (see [`crate::keys::rotate`]).
    pub async fn rotate_key(&self, now: DateTime<Utc>) -> Result<OwnKey, StoreError> {
        let pair = seal::generate();
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE own_keys SET retired_at = ? WHERE retired_at IS NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO own_keys (key_id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&pair.key_id)
        .bind(&pair.public_key)
        .bind(pair.private_key.as_slice())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(OwnKey {
            key_id: pair.key_id,
            public_key: pair.public_key,
            created_at: now,
            retired_at: None,
        })
    }

    /// Keeps the whole `directory` when its version is higher than the one held (or none is
    /// held); returns whether it was kept. Its entries replace the previous ones. (A change
    /// goes to [`Store::apply_directory_change`].)
    pub async fn save_directory(
        &self,
        directory: &KeyDirectory,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // The hub's counter never comes near this; a version past it cannot be ordered here.
        let Ok(version) = i64::try_from(directory.version) else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        let newer = sqlx::query(
            "INSERT INTO key_directory (id, version, received_at) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, received_at = excluded.received_at
             WHERE excluded.version > key_directory.version",
        )
        .bind(version)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !newer {
            return Ok(false);
        }
        sqlx::query("DELETE FROM directory_keys")
            .execute(&mut *tx)
            .await?;
        for k in &directory.keys {
            upsert_directory_key(&mut tx, k).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Applies a directory change ([`KeyDirectory::follows`] set) when the directory held is
    /// exactly the version it follows (no directory held counts as version 0): its keys are
    /// added or updated, and every other key of their agencies is marked not current.
    pub async fn apply_directory_change(
        &self,
        change: &KeyDirectory,
        now: DateTime<Utc>,
    ) -> Result<DirectoryChange, StoreError> {
        let (Some(follows), Ok(version)) = (change.follows, i64::try_from(change.version)) else {
            return Ok(DirectoryChange::Held);
        };
        let Ok(follows) = i64::try_from(follows) else {
            return Ok(DirectoryChange::Held);
        };
        let mut tx = self.begin_write().await?;
        let held: i64 = sqlx::query_scalar(
            "SELECT coalesce((SELECT version FROM key_directory WHERE id = 1), 0)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if held >= version {
            return Ok(DirectoryChange::Held);
        }
        if held != follows {
            return Ok(DirectoryChange::Gap);
        }
        sqlx::query(
            "INSERT INTO key_directory (id, version, received_at) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, received_at = excluded.received_at",
        )
        .bind(version)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for k in &change.keys {
            if k.current {
                sqlx::query(
                    "UPDATE directory_keys SET current = 0 WHERE agency = ? AND key_id <> ?",
                )
                .bind(k.agency.as_str())
                .bind(k.key_id.as_str())
                .execute(&mut *tx)
                .await?;
            }
            upsert_directory_key(&mut tx, k).await?;
        }
        tx.commit().await?;
        Ok(DirectoryChange::Applied)
    }

    /// Whether a `KeyPublished` was queued since `since` (to ask for the whole directory at
    /// most once in a while).
    pub async fn key_announced_since(&self, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE message_type = 'KeyPublished' AND accepted_at > ?",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The newest key directory received, if any.
    pub async fn directory(&self) -> Result<Option<Directory>, StoreError> {
        let Some(head) = sqlx::query("SELECT version, received_at FROM key_directory WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let version: i64 = head.try_get("version")?;
        let rows = sqlx::query(
            "SELECT agency, key_id, role, scheme, public_key, published_at, current, protected_location, agency_name
             FROM directory_keys ORDER BY agency, published_at DESC, key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(Directory {
            version: u64::try_from(version)
                .map_err(|_| StoreError::Corrupt(format!("directory version {version}")))?,
            received_at: head.try_get("received_at")?,
            keys: rows.iter().map(directory_key).collect::<Result<_, _>>()?,
        }))
    }

    /// The names of the agencies the key directory lists, by id: what the page shows instead
    /// of ids.
    pub async fn agency_names(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT agency, max(agency_name) AS name FROM directory_keys
             WHERE agency_name IS NOT NULL GROUP BY agency",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut names = std::collections::BTreeMap::new();
        for row in rows {
            names.insert(row.try_get("agency")?, row.try_get("name")?);
        }
        Ok(names)
    }

    /// The entries of the newest key directory (none before the first one arrives).
    pub async fn directory_keys(&self) -> Result<Vec<DirectoryKey>, StoreError> {
        Ok(self.directory().await?.map(|d| d.keys).unwrap_or_default())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Adds or updates one key directory entry.
async fn upsert_directory_key(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    k: &DirectoryKey,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO directory_keys (agency, key_id, role, scheme, public_key, published_at, current, protected_location, agency_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (agency, key_id) DO UPDATE SET role = excluded.role, scheme = excluded.scheme,
             public_key = excluded.public_key, published_at = excluded.published_at,
             current = excluded.current, protected_location = excluded.protected_location,
             agency_name = coalesce(excluded.agency_name, directory_keys.agency_name)",
    )
    .bind(k.agency.as_str())
    .bind(k.key_id.as_str())
    .bind(role_text(k.role))
    .bind(k.scheme.as_str())
    .bind(&k.public_key)
    .bind(k.published_at)
    .bind(k.current)
    .bind(k.protected_location)
    .bind(k.agency_name.as_ref().map(|n| n.as_str()))
    .execute(&mut **tx)
    .await?;
    Ok(())
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

fn own_key(r: &sqlx::sqlite::SqliteRow) -> Result<OwnKey, StoreError> {
    Ok(OwnKey {
        key_id: r.try_get("key_id")?,
        public_key: r.try_get("public_key")?,
        created_at: r.try_get("created_at")?,
        retired_at: r.try_get("retired_at")?,
    })
}

/// A role as the wire writes it (`municipality`, `police`, ...).
fn role_text(role: schemas::AgencyRole) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("a role serializes as a string"),
    }
}

fn directory_key(r: &sqlx::sqlite::SqliteRow) -> Result<DirectoryKey, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("directory entry: {what}"));
    let text = |column: &str| r.try_get::<String, _>(column);
    Ok(DirectoryKey {
        agency: text("agency")?.try_into().map_err(|_| corrupt("agency"))?,
        role: serde_json::from_value(serde_json::Value::String(text("role")?))
            .map_err(|_| corrupt("role"))?,
        key_id: text("key_id")?.try_into().map_err(|_| corrupt("key_id"))?,
        scheme: text("scheme")?.try_into().map_err(|_| corrupt("scheme"))?,
        public_key: text("public_key")?,
        published_at: r.try_get("published_at")?,
        current: r.try_get("current")?,
        protected_location: r.try_get("protected_location")?,
        agency_name: r
            .try_get::<Option<String>, _>("agency_name")?
            .and_then(|n| n.try_into().ok()),
    })
}

/// A row of `outbox_recipients`.
#[derive(sqlx::FromRow)]
struct OutcomeRow {
    recipient: String,
    outcome: String,
    reason: Option<String>,
    detail: Option<String>,
    answered_at: DateTime<Utc>,
}

/// Records what the hub's `Receipt` or `Undeliverable` says of each recipient of the sent
/// message it answers, inside `tx`; nothing when it answers no message of this agent's. A
/// redelivered answer writes the same again.
async fn record_outcomes(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (answered, rows) = match &message.body {
        Body::Receipt(r) => (r.in_reply_to, receipt_outcomes(r)),
        Body::Undeliverable(
            u @ Undeliverable {
                in_reply_to: Some(id),
                ..
            },
        ) => {
            let addressed = sqlx::query_scalar::<_, String>(
                "SELECT recipients FROM outbox WHERE message_id = ?",
            )
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
            let addressed: Vec<String> = addressed
                .and_then(|a| serde_json::from_str(&a).ok())
                .unwrap_or_default();
            (*id, undeliverable_outcomes(u, &addressed))
        }
        _ => return Ok(()),
    };
    for (recipient, outcome, reason, detail) in rows {
        sqlx::query(
            "INSERT INTO outbox_recipients (message_id, recipient, outcome, reason, detail, answered_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM outbox WHERE message_id = ?1)
             ON CONFLICT (message_id, recipient) DO UPDATE
               SET outcome = excluded.outcome, reason = excluded.reason, detail = excluded.detail",
        )
        .bind(answered.to_string())
        .bind(recipient)
        .bind(outcome.as_str())
        .bind(reason)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One recipient's outcome as a hub answer tells it: (recipient, outcome, reason, detail).
type Told = (String, Outcome, Option<String>, Option<String>);

/// Each recipient a receipt names: delivered, or refused with its reason.
fn receipt_outcomes(r: &Receipt) -> Vec<Told> {
    let delivered = r
        .delivered_to
        .iter()
        .map(|a| (a.to_string(), Outcome::Delivered, None, None));
    let refused = r.refused.iter().map(|f| {
        (
            f.recipient.to_string(),
            Outcome::Refused,
            Some(f.reason.as_str().to_owned()),
            None,
        )
    });
    delivered.chain(refused).collect()
}

/// Every recipient refused: each by its own reason where the hub names one, else the
/// message's; the hub's words for each.
fn undeliverable_outcomes(u: &Undeliverable, addressed: &[String]) -> Vec<Told> {
    let mut out: Vec<Told> = addressed
        .iter()
        .map(|a| {
            let reason = u
                .refused
                .iter()
                .find(|f| f.recipient.as_str() == a)
                .map_or(u.reason, |f| f.reason);
            (
                a.clone(),
                Outcome::Refused,
                Some(reason.as_str().to_owned()),
                Some(u.detail.clone()),
            )
        })
        .collect();
    for f in &u.refused {
        if !addressed.iter().any(|a| a == f.recipient.as_str()) {
            out.push((
                f.recipient.to_string(),
                Outcome::Refused,
                Some(f.reason.as_str().to_owned()),
                Some(u.detail.clone()),
            ));
        }
    }
    out
}

fn sent(r: &sqlx::sqlite::SqliteRow) -> Result<Sent, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Sent {
        message_id: r.try_get("message_id")?,
        message_type: r.try_get("message_type")?,
        case_id: r.try_get("case_id")?,
        status: status.parse()?,
        accepted_at: r.try_get("accepted_at")?,
        answer_reason: r.try_get("answer_reason")?,
        answer_detail: r.try_get("answer_detail")?,
        payload: r.try_get("payload")?,
    })
}

/// Inserts the plain messages `run` indexes into `messages` (see [`insert_inbox`]), sets
/// `new` for those not already held, and empties `run`. A message that arrives twice in a
/// run is new only the first time.
async fn insert_run(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    messages: &[Arrived<'_>],
    run: &mut Vec<usize>,
    new: &mut [bool],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let held: Vec<&Arrived<'_>> = run.iter().map(|&i| &messages[i]).collect();
    let mut inserted = insert_inbox(tx, &held, now).await?;
    for &i in run.iter() {
        let e = &messages[i].message.envelope;
        new[i] = inserted.remove(&(e.sender.to_string(), e.message_id.to_string()));
    }
    run.clear();
    Ok(())
}

/// Inserts `messages` into the inbox with one statement (in chunks well under SQLite's
/// limit on bound values), each once by sender and message id, and returns the (sender,
/// message id) pairs that were new.
async fn insert_inbox(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    messages: &[&Arrived<'_>],
    now: DateTime<Utc>,
) -> Result<std::collections::HashSet<(String, String)>, StoreError> {
    let mut inserted = std::collections::HashSet::new();
    for chunk in messages.chunks(500) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO inbox (message_id, sender, message_type, correlation_id, case_id, subject, received_at, payload, gateway) ",
        );
        insert.push_values(chunk, |mut row, arrived| {
            let e = &arrived.message.envelope;
            row.push_bind(e.message_id.to_string())
                .push_bind(e.sender.as_str())
                .push_bind(e.message_type.as_str())
                .push_bind(e.correlation_id.to_string())
                .push_bind(e.case_id.as_ref().map(|c| c.as_str()))
                .push_bind(e.subject.as_ref().map(|s| s.as_str()))
                .push_bind(now)
                .push_bind(arrived.bytes)
                .push_bind(e.gateway.as_ref().map(|g| g.as_str()));
        });
        insert.push(" ON CONFLICT (sender, message_id) DO NOTHING RETURNING sender, message_id");
        inserted.extend(
            insert
                .build_query_as::<(String, String)>()
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    Ok(inserted)
}

/// Stores one delivery from the hub inside `tx`; see [`Store::receive`].
async fn receive_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    me: &AgencyId,
    arrived: &Arrived<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let message = arrived.message;
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
    // The receipt for the agency's own key announcement is plumbing too: it marks the
    // outbox row, and no caseworker needs to see it.
    let key_receipt = match (&message.body, &answer) {
        (Body::Receipt(_), Some((id, ..))) => {
            sqlx::query_scalar::<_, String>("SELECT message_type FROM outbox WHERE message_id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .is_some_and(|t| t == "KeyPublished")
        }
        _ => false,
    };
    let new = key_receipt || !insert_inbox(tx, &[arrived], now).await?.is_empty();
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
        .execute(&mut **tx)
        .await?;
    }
    record_outcomes(tx, message, now).await?;
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
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(new)
}

/// Queries of the caseworker's views (cases, what is due, releases; issue 17, part 3).
impl Store {
    /// Every message about a case, received and sent, newest first, at most `limit` of each:
    /// what the views of cases, deadlines and releases are derived from.
    pub async fn case_traffic(&self, limit: i64) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        let received_rows = sqlx::query(concat!(
            select_inbox!(),
            "
             WHERE case_id IS NOT NULL ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let sent_rows = sqlx::query(concat!(
            select_sent!(),
            "
             WHERE case_id IS NOT NULL ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            received_rows
                .iter()
                .map(received)
                .collect::<Result<_, _>>()?,
            sent_rows.iter().map(sent).collect::<Result<_, _>>()?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use schemas::AgencyRole;
    use schemas::messages::KeyDirectory;

    use super::*;
    use crate::testing::{TempStore, agency, at, entry};

    #[tokio::test]
    async fn a_key_is_made_once_and_rotation_keeps_the_old_private_keys() {
        let t = TempStore::new().await;
        let s = &t.store;
        assert_eq!(s.current_key().await.unwrap(), None);

        let (first, made) = s.ensure_key(at(0)).await.unwrap();
        assert!(made && first.is_current());
        let (again, made_again) = s.ensure_key(at(1)).await.unwrap();
        assert_eq!((again.clone(), made_again), (first.clone(), false));
        let first_private = s.private_key(&first.key_id).await.unwrap().unwrap();
        assert_eq!(first_private.len(), 32, "an X25519 private key");

        let second = s.rotate_key(at(2)).await.unwrap();
        assert_ne!(second.key_id, first.key_id);
        assert_eq!(s.current_key().await.unwrap(), Some(second.clone()));
        let third = s.rotate_key(at(3)).await.unwrap();

        let all = s.own_keys().await.unwrap();
        let ids: Vec<&str> = all.iter().map(|k| k.key_id.as_str()).collect();
        assert_eq!(ids, [&third.key_id, &second.key_id, &first.key_id]);
        let current: Vec<&OwnKey> = all.iter().filter(|k| k.is_current()).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].key_id, third.key_id);
        assert_eq!(all[1].retired_at, Some(at(3)));
        assert_eq!(all[2].retired_at, Some(at(2)));
        // Retired keys still open what was sealed to them.
        assert_eq!(
            s.private_key(&first.key_id).await.unwrap().as_deref(),
            Some(&*first_private)
        );
        assert!(s.private_key(&second.key_id).await.unwrap().is_some());
        assert!(s.private_key("k-unknown").await.unwrap().is_none());
        // ensure_key keeps the current key after a rotation.
        assert_eq!(s.ensure_key(at(4)).await.unwrap(), (third, false));
    }

    #[tokio::test]
    async fn concurrent_ensures_make_one_key() {
        let t = TempStore::new().await;
        let (a, b) = tokio::join!(t.store.ensure_key(at(0)), t.store.ensure_key(at(0)));
        assert_eq!(a.unwrap().0, b.unwrap().0);
        assert_eq!(t.store.own_keys().await.unwrap().len(), 1);
    }

    fn directory(version: u64, agencies: &[&str]) -> KeyDirectory {
        KeyDirectory {
            follows: None,
            version,
            keys: agencies
                .iter()
                .map(|a| {
                    let k = seal::generate();
                    entry(
                        a,
                        AgencyRole::Municipality,
                        &k.key_id,
                        &k.public_key,
                        true,
                        false,
                    )
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn only_a_higher_directory_version_replaces_the_one_held() {
        let t = TempStore::new().await;
        let s = &t.store;
        assert_eq!(s.directory().await.unwrap(), None);
        assert!(s.directory_keys().await.unwrap().is_empty());

        let v3 = directory(3, &["no-oslo-kommune", "no-trondheim-kommune"]);
        assert!(s.save_directory(&v3, at(1)).await.unwrap());
        let held = s.directory().await.unwrap().unwrap();
        assert_eq!((held.version, held.received_at), (3, at(1)));
        assert_eq!(held.keys.len(), 2);
        for k in &v3.keys {
            assert!(held.keys.contains(k), "{k:?} round-trips");
        }

        // Older and equal versions (late or redelivered) change nothing.
        assert!(
            !s.save_directory(&directory(2, &["no-bergen-kommune"]), at(2))
                .await
                .unwrap()
        );
        assert!(
            !s.save_directory(&directory(3, &["no-bergen-kommune"]), at(3))
                .await
                .unwrap()
        );
        let held = s.directory().await.unwrap().unwrap();
        assert_eq!((held.version, held.received_at), (3, at(1)));
        assert!(
            held.keys
                .iter()
                .all(|k| k.agency != agency("no-bergen-kommune"))
        );

        // A newer one replaces the entries entirely.
        let v4 = directory(4, &["no-bergen-kommune"]);
        assert!(s.save_directory(&v4, at(4)).await.unwrap());
        assert_eq!(s.directory_keys().await.unwrap(), v4.keys);
        assert_eq!(s.directory().await.unwrap().unwrap().version, 4);
    }

    #[tokio::test]
    async fn a_key_directory_delivery_goes_to_the_directory_not_the_inbox() {
        let t = TempStore::new().await;
        let s = &t.store;
        let path = format!(
            "{}/../schemas/examples/KeyDirectory.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let message = schemas::decode(&std::fs::read(path).unwrap()).unwrap();
        let me = agency("no-oslo-kommune");
        assert!(s.receive(&me, &message, at(1)).await.unwrap(), "new");
        assert!(
            !s.receive(&me, &message, at(2)).await.unwrap(),
            "redelivered"
        );
        assert!(s.inbox(100).await.unwrap().is_empty());
        let held = s.directory().await.unwrap().unwrap();
        assert_eq!((held.version, held.keys.len()), (3, 3));
        assert!(
            held.keys
                .iter()
                .any(|k| k.agency == agency("no-politiet-beskyttelse") && k.protected_location)
        );
    }

    /// A version-7 message id ending in `n`.
    fn id_ending(n: u8) -> String {
        format!("01a2008d-8f58-711d-ab0d-549b6f0367{n:02x}")
    }

    /// An example message of `name` with the message id [`id_ending`] `n`, changed by `edit`.
    fn example(name: &str, n: u8, edit: impl FnOnce(&mut serde_json::Value)) -> Message {
        let path = format!(
            "{}/../schemas/examples/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        value["envelope"]["message_id"] = id_ending(n).into();
        edit(&mut value);
        schemas::decode(&serde_json::to_vec(&value).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn a_batch_stores_each_message_once_and_in_order() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let consent = "0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11";
        let under_consent = |id| {
            example("ReleaseNotice", id, |m| {
                m["envelope"]["gateway"] = format!("CONSENT:{consent}@1").into();
            })
        };
        let plain = |id| example("ReleaseNotice", id, |_| {});
        let withdrawn = example("ConsentWithdrawn", 0x70, |_| {});
        // Already held before the batch.
        assert!(s.receive(&me, &plain(0x10), at(0)).await.unwrap());

        let batch = [
            plain(0x10),         // held already
            under_consent(0x20), // new, quarantined by the withdrawal after it
            plain(0x30),         // new
            plain(0x30),         // the same delivery twice in one batch
            withdrawn,           // new; quarantines what came before it under the consent
            under_consent(0x40), // new, after the withdrawal: not quarantined here
            plain(0x50),         // new
        ];
        let new = s.receive_all(&me, &batch, at(1)).await.unwrap();
        assert_eq!(new, [false, true, true, false, true, true, true]);
        assert!(
            s.receive_all(&me, &batch[..3], at(2))
                .await
                .unwrap()
                .iter()
                .all(|n| !n),
            "a redelivered batch is not new"
        );

        let inbox = s.inbox(100).await.unwrap();
        assert_eq!(inbox.len(), 6, "{inbox:?}");
        let quarantined = |n: u8| {
            inbox
                .iter()
                .find(|m| m.message_id == id_ending(n))
                .unwrap_or_else(|| panic!("{n:x} is held"))
                .quarantined_at
                .is_some()
        };
        assert!(quarantined(0x20));
        assert!(!quarantined(0x40) && !quarantined(0x30) && !quarantined(0x50));
    }

    /// Each recipient's outcome, as (recipient, outcome, reason, has detail).
    async fn outcomes(s: &Store, id: &str) -> Vec<(String, Outcome, Option<String>, bool)> {
        s.recipient_outcomes(id)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.recipient, o.outcome, o.reason, o.detail.is_some()))
            .collect()
    }

    #[tokio::test]
    async fn a_receipt_records_each_recipients_outcome_and_the_rest_wait() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kriminalforsorgen");
        let notice = example("ReleaseNotice", 0x01, |m| {
            m["envelope"]["recipients"] = serde_json::json!([
                "dk-kobenhavn-kommune",
                "dk-jobcenter-kobenhavn",
                "dk-politi-kobenhavn"
            ]);
        });
        s.enqueue(&notice, at(0)).await.unwrap();
        let id = id_ending(0x01);
        let waiting = outcomes(s, &id).await;
        assert!(
            waiting
                .iter()
                .all(|(_, o, r, _)| *o == Outcome::Waiting && r.is_none()),
            "{waiting:?}"
        );
        let receipt = example("Receipt", 0x02, |m| {
            m["body"]["in_reply_to"] = id.clone().into();
            m["body"]["delivered_to"] = serde_json::json!(["dk-kobenhavn-kommune"]);
            m["body"]["refused"] = serde_json::json!([{"recipient": "dk-jobcenter-kobenhavn", "reason": "NO_GATEWAY"}]);
        });
        assert!(s.receive(&me, &receipt, at(1)).await.unwrap());
        // A redelivery changes nothing.
        assert!(!s.receive(&me, &receipt, at(2)).await.unwrap());
        assert_eq!(
            outcomes(s, &id).await,
            [
                (
                    "dk-kobenhavn-kommune".into(),
                    Outcome::Delivered,
                    None,
                    false
                ),
                (
                    "dk-jobcenter-kobenhavn".into(),
                    Outcome::Refused,
                    Some("NO_GATEWAY".into()),
                    false
                ),
                ("dk-politi-kobenhavn".into(), Outcome::Waiting, None, false),
            ]
        );
        let answered = s.recipient_outcomes(&id).await.unwrap();
        assert_eq!(answered[0].answered_at, Some(at(1)));
        // The message as a whole, as before.
        let sent = s.sent(&id.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(sent.status, SendStatus::PartiallyDelivered);
        assert_eq!(sent.answer_reason.as_deref(), Some("NO_GATEWAY"));
    }

    #[tokio::test]
    async fn an_undeliverable_refuses_every_recipient_each_for_its_reason() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kriminalforsorgen");
        s.enqueue(&example("ReleaseNotice", 0x03, |_| {}), at(0))
            .await
            .unwrap();
        let id = id_ending(0x03);
        let refused = example("Undeliverable", 0x04, |m| {
            m["body"]["in_reply_to"] = id.clone().into();
            m["body"]["reason"] = "NO_GATEWAY".into();
            m["body"]["refused"] = serde_json::json!([
                {"recipient": "dk-jobcenter-kobenhavn", "reason": "CATEGORY_NOT_COVERED"}
            ]);
        });
        s.receive(&me, &refused, at(1)).await.unwrap();
        assert_eq!(
            outcomes(s, &id).await,
            [
                (
                    "dk-kobenhavn-kommune".into(),
                    Outcome::Refused,
                    Some("NO_GATEWAY".into()),
                    true
                ),
                (
                    "dk-jobcenter-kobenhavn".into(),
                    Outcome::Refused,
                    Some("CATEGORY_NOT_COVERED".into()),
                    true
                ),
            ]
        );
        // An answer to a message this agent never sent records nothing.
        let stray = example("Receipt", 0x05, |m| {
            m["body"]["in_reply_to"] = id_ending(0x06).into();
        });
        s.receive(&me, &stray, at(2)).await.unwrap();
        assert!(
            s.recipient_outcomes(&id_ending(0x06))
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// The migration fills the table from the answers the inbox already held.
    #[tokio::test]
    async fn the_migration_reads_the_answers_already_held() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kriminalforsorgen");
        s.enqueue(&example("ReleaseNotice", 0x07, |_| {}), at(0))
            .await
            .unwrap();
        s.enqueue(&example("ReleaseNotice", 0x08, |_| {}), at(0))
            .await
            .unwrap();
        let receipt = example("Receipt", 0x09, |m| {
            m["body"]["in_reply_to"] = id_ending(0x07).into();
        });
        let refused = example("Undeliverable", 0x0a, |m| {
            m["body"]["in_reply_to"] = id_ending(0x08).into();
        });
        s.receive_all(&me, &[receipt, refused], at(1))
            .await
            .unwrap();
        let before_07 = outcomes(s, &id_ending(0x07)).await;
        let before_08 = outcomes(s, &id_ending(0x08)).await;
        sqlx::query("DELETE FROM outbox_recipients")
            .execute(s.pool())
            .await
            .unwrap();
        sqlx::raw_sql(include_str!("../migrations/0008_outbox_recipients.sql"))
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(outcomes(s, &id_ending(0x07)).await, before_07);
        assert_eq!(outcomes(s, &id_ending(0x08)).await, before_08);
        assert_eq!(
            before_07.iter().map(|(_, o, ..)| *o).collect::<Vec<_>>(),
            [Outcome::Delivered, Outcome::Refused]
        );
        assert!(before_08.iter().all(|(_, o, r, d)| *o == Outcome::Refused
            && r.as_deref() == Some("SCHEMA_VIOLATION")
            && *d));
    }

    #[tokio::test]
    async fn the_inbox_keeps_the_bytes_as_they_arrived() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let message = example("ReleaseNotice", 0x60, |_| {});
        // Pretty-printed, as another sender might write it: not what `to_json` gives.
        let arrived = serde_json::to_vec_pretty(&serde_json::to_value(&message).unwrap()).unwrap();
        assert_ne!(arrived, message.to_json());
        let new = s
            .receive_arrived(
                &me,
                &[Arrived {
                    message: &message,
                    bytes: &arrived,
                }],
                at(1),
            )
            .await
            .unwrap();
        assert_eq!(new, [true]);
        let held = s.inbox(10).await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(
            held[0].payload, arrived,
            "stored as received, not encoded again"
        );
        assert_eq!(schemas::decode(&held[0].payload).unwrap(), message);
    }

    #[tokio::test]
    async fn a_backup_is_the_whole_store_private_and_never_overwrites() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let message = example("ReleaseNotice", 0x61, |_| {});
        s.receive_arrived(
            &me,
            &[Arrived {
                message: &message,
                bytes: &message.to_json(),
            }],
            at(1),
        )
        .await
        .unwrap();
        let (key, _) = s.ensure_key(at(2)).await.unwrap();

        let folder = std::env::temp_dir().join(format!("agent-restore-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&folder).unwrap();
        let copy = folder.join("agent.db");
        s.backup_to(&copy).await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "only the agent's user may read the keys: {mode:o}"
            );
        }
        let again = s.backup_to(&copy).await.unwrap_err();
        assert!(again.to_string().contains("never overwrites"), "{again}");

        let back = Store::open(&folder).await.unwrap();
        let held = back.inbox(10).await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].payload, message.to_json());
        assert_eq!(
            back.private_key(&key.key_id).await.unwrap(),
            s.private_key(&key.key_id).await.unwrap(),
            "the sealing keys come back: old sealed messages still open"
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[tokio::test]
    async fn retention_deletes_only_messages_opened_before_the_cutoff() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let messages: Vec<Message> = (0x70..0x73)
            .map(|n| example("ReleaseNotice", n, |_| {}))
            .collect();
        for m in &messages {
            s.receive_arrived(
                &me,
                &[Arrived {
                    message: m,
                    bytes: &m.to_json(),
                }],
                at(0),
            )
            .await
            .unwrap();
        }
        let id = |i: usize| messages[i].envelope.message_id.to_string();
        s.open_message(&id(0), None, at(1)).await.unwrap().unwrap();
        s.open_message(&id(1), None, at(10)).await.unwrap().unwrap();
        // Opening again later does not move the first opening.
        s.open_message(&id(0), None, at(20)).await.unwrap().unwrap();

        assert_eq!(s.purge_opened_before(at(5)).await.unwrap(), 1);
        let left: Vec<String> = s
            .inbox(10)
            .await
            .unwrap()
            .iter()
            .map(|m| m.message_id.clone())
            .collect();
        assert!(!left.contains(&id(0)), "opened at minute 1: gone");
        assert!(left.contains(&id(1)), "opened at minute 10: kept");
        assert!(left.contains(&id(2)), "never opened: kept");
        assert_eq!(s.purge_opened_before(at(5)).await.unwrap(), 0);
    }
}
