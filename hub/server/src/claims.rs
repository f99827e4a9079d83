//! Outbox claims held by a live database session.
//!
//! The fast path and the relay claim the outbox rows they publish, so that no other hub
//! instance publishes them at the same moment. A claim used to be only a time
//! (`outbox_claim_seconds`): the rows of a hub that died mid-batch waited that long before
//! another relay took them. Now each instance also holds a session-level advisory lock on a
//! connection of its own, under a random key, and writes that key into the rows it claims
//! (`outbox.claimed_by`). A claim whose key no live session holds is free at once: PostgreSQL
//! releases the lock when the instance's connection ends, whether the instance was killed or
//! the database restarted. After losing its session the instance takes a new key, so its
//! own earlier claims are free too and its relay republishes what the fast path may not have
//! finished (receivers deduplicate).

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use sqlx::Connection;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::{Backoff, Shared, sleep_or_stop};

/// The first key of every claim lock (the second is the instance's): "hubc".
pub const LOCK_CLASS: i32 = 0x6875_6263;

/// How often the session holding the lock is checked.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The key this instance claims rows under, while it holds its lock.
#[derive(Debug, Default)]
pub struct Claims {
    key: AtomicI32,
}

impl Claims {
    /// The key to write into claimed rows: `None` while no lock is held (rows are then
    /// claimed by time only, as before).
    pub fn key(&self) -> Option<i32> {
        match self.key.load(Ordering::Acquire) {
            0 => None,
            key => Some(key),
        }
    }

    fn set(&self, key: Option<i32>) {
        self.key.store(key.unwrap_or(0), Ordering::Release);
    }
}

/// Waits until this instance holds its claim lock, at most `limit`; whether it does. The
/// hub takes deliveries only after this, so that the rows of its first batches are claimed
/// by its session too, and are free at once if it dies, not only after the claim time.
pub async fn held(claims: &Claims, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while claims.key().is_none() {
        if start.elapsed() >= limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Holds this instance's claim lock until `stop` turns true, taking a new key whenever the
/// session that held the lock is lost.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::default();
    loop {
        match sqlx::PgConnection::connect(shared.settings.database.url.expose()).await {
            Ok(mut conn) => {
                // Positive, never 0 (0 means "no lock").
                let key = rand::random_range(1..i32::MAX);
                let locked = sqlx::query("SELECT pg_advisory_lock($1, $2)")
                    .bind(LOCK_CLASS)
                    .bind(key)
                    .execute(&mut conn)
                    .await;
                match locked {
                    Ok(_) => {
                        backoff.reset();
                        shared.claims.set(Some(key));
                        info!("holding the outbox claim lock");
                        let stopping = loop {
                            if sleep_or_stop(CHECK_EVERY, &mut stop).await {
                                break true;
                            }
                            if let Err(e) = sqlx::query("SELECT 1").execute(&mut conn).await {
                                warn!(error = %e, "the session holding the outbox claim lock is lost; taking a new one");
                                break false;
                            }
                        };
                        shared.claims.set(None);
                        if stopping {
                            let _ = conn.close().await;
                            return;
                        }
                    }
                    Err(e) => warn!(error = %e, "cannot take the outbox claim lock"),
                }
            }
            Err(e) => warn!(error = %e, "cannot connect to hold the outbox claim lock"),
        }
        if sleep_or_stop(backoff.next_delay(), &mut stop).await {
            return;
        }
    }
}
