//! What a storage operation failed with, and whether it is worth retrying.

/// A database operation failed, sorted by what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database could not do it now (see [`is_transient`]): the same work succeeds later,
    /// so it is held and retried.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// What was written caused it (a constraint, a value out of range, a row the hub cannot
    /// read back): it would fail the same way again.
    #[error("database refused the work: {0}")]
    Refused(#[source] sqlx::Error),
}

impl StorageError {
    /// Whether the same work succeeds later.
    pub fn is_transient(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        if is_transient(&e) {
            StorageError::Unavailable(e)
        } else {
            StorageError::Refused(e)
        }
    }
}

/// Whether a database error is about availability (the connection, a timeout, the server
/// shutting down or out of resources, a serialization failure or deadlock between
/// concurrent transactions): then the same work succeeds later and is retried. Any other
/// error (a constraint, a value out of range, ...) is caused by the data written and would
/// fail again the same way.
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            // 08: connection exception; 53: insufficient resources; 57P: operator
            // intervention (shutdown, cannot connect now); 58: system error (I/O);
            // 40001 serialization failure; 40P01 deadlock; 55P03 lock not available.
            ["08", "53", "57P", "58"]
                .iter()
                .any(|class| code.starts_with(class))
                || ["40001", "40P01", "55P03"].contains(&code.as_ref())
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_is_transient_and_what_was_written_is_not() {
        let io = || sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(StorageError::from(io()).is_transient());
        assert!(StorageError::from(sqlx::Error::PoolTimedOut).is_transient());
        assert!(!StorageError::from(sqlx::Error::RowNotFound).is_transient());
        assert!(!StorageError::from(sqlx::Error::Decode("unknown role".into())).is_transient());
        assert!(matches!(
            StorageError::from(sqlx::Error::ColumnNotFound("role".into())),
            StorageError::Refused(_)
        ));
    }
}
