//! The agent's local durable store, in SQLite: outbox, inbox, rejected deliveries, the
//! agency's own sealing keys and the newest key directory from the hub (the person register
//! shares the file; its queries are in [`crate::people`]).
//!
//! The file is shared by the running service (`agent run`) and the command line (`agent
//! send`, `agent inbox`): WAL mode and a busy timeout let them work side by side.
//!
//! This module opens the file (private, migrated), holds the pool and writes backups; each
//! concept adds its methods to [`Store`] in a module of its own:
//! - `outbox`: what the agency sends, where it stands ([`SendStatus`]) and what became of each
//!   recipient's copy ([`RecipientOutcome`]);
//! - `inbox`: what arrived ([`Arrived`], [`Received`]): stored once, opened, quarantined,
//!   deleted after retention; and the deliveries that did not decode;
//! - `keys`: the agency's own sealing keys ([`OwnKey`]) and the hub's key directory
//!   ([`Directory`], [`DirectoryChange`]);
//! - `views`: the caseworker's views that read the inbox and the outbox together (a person's
//!   messages, the cases);
//! - `error`: [`StoreError`], and which failures are transient.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod error;
mod inbox;
mod keys;
mod outbox;
mod views;

pub use error::StoreError;
pub use inbox::{Arrived, Received};
pub use keys::{Directory, DirectoryChange, OwnKey};
pub use outbox::{Accepted, Outcome, Queued, RecipientOutcome, SendStatus, Sent};

/// The agent's migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

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

    /// A write transaction that takes SQLite's write lock at once. A deferred transaction
    /// that reads first and writes later cannot wait for the lock (SQLite answers "database
    /// is locked" at once to avoid a deadlock), so every transaction here that writes starts
    /// immediate and waits its turn under the busy timeout instead.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The pool, for the modules that keep tables of their own in the store (the person
    /// register, [`crate::people`]).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
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

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Helpers the store's unit tests share.
#[cfg(test)]
mod testing {
    use schemas::Message;

    /// A version-7 message id ending in `n`.
    pub(super) fn id_ending(n: u8) -> String {
        format!("01a2008d-8f58-711d-ab0d-549b6f0367{n:02x}")
    }

    /// An example message of `name` with the message id [`id_ending`] `n`, changed by `edit`.
    pub(super) fn example(name: &str, n: u8, edit: impl FnOnce(&mut serde_json::Value)) -> Message {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::example;
    use crate::testing::{TempStore, agency, at};

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
}
