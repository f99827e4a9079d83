//! What a store operation can fail with, and which failures are worth retrying.

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
