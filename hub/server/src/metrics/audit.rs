//! The audit chain's state for `hub_audit_chain_intact`: checked by a task of its own, off
//! the request path, every [`INTERVAL`].
//!
//! `hub audit verify` ([`crate::db::verify_audit`]) reads the whole log into memory at once,
//! about a gigabyte and a minute (unoptimised build) per million entries, which is fine for
//! an operator's command but not for a check every few minutes. So this check reads the log
//! in pages of [`PAGE`] entries, and goes on from the last entry it found intact: each check
//! reads only the entries added since (linked to that entry's hash, so a break at the join
//! is found too), and the whole chain from its first entry at start and once every
//! [`FULL_EVERY`]. An entry edited after it was checked is therefore found by the next whole
//! pass, not at once. The rules are those of [`crate::db::verify_audit_in`]: the chain, and
//! each batch entry's tree hash against its messages' records as they are at the check.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::watch;
use tracing::{debug, error, warn};

use crate::{Shared, sleep_or_stop};

/// How often the chain is checked.
pub const INTERVAL: Duration = Duration::from_secs(5 * 60);

/// How often a check goes through the whole chain from its first entry.
pub const FULL_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Entries read per query.
pub const PAGE: i64 = 1000;

/// What the last completed check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditStatus {
    /// Whether every entry it read was intact.
    pub intact: bool,
    /// When it completed, in seconds since the Unix epoch.
    pub checked_at: i64,
}

pub use crate::db::audit::{Broken, Link, Row};

/// Checks the chain from where the last check stopped, and from its first entry at the
/// first check and every [`FULL_EVERY`].
#[derive(Debug)]
pub struct Checker {
    from: Link,
    whole_at: Option<Instant>,
    page: i64,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new(PAGE)
    }
}

impl Checker {
    /// A checker whose first check goes through the whole chain, `page` entries a query.
    pub fn new(page: i64) -> Self {
        Self {
            from: Link::GENESIS,
            whole_at: None,
            page: page.max(1),
        }
    }

    /// One check: the entries after the last one found intact (all of them when a whole
    /// pass is due), page by page. A break is reported at each check until it is repaired.
    pub async fn check(&mut self, pool: &PgPool) -> Result<Result<Link, Broken>, sqlx::Error> {
        let whole = self.whole_at.is_none_or(|at| at.elapsed() >= FULL_EVERY);
        let mut at = if whole { Link::GENESIS } else { self.from };
        let outcome = loop {
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT seq, entry, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(at.seq)
            .bind(self.page)
            .fetch_all(pool)
            .await?;
            match crate::db::audit::check(&mut *pool.acquire().await?, at, &rows).await? {
                Ok((last, _)) => at = last,
                Err(broken) => break Err(broken),
            }
            if (rows.len() as i64) < self.page {
                break Ok(at);
            }
        };
        // A break is found again from the last intact entry, without a whole pass each time.
        self.from = at;
        if whole {
            self.whole_at = Some(Instant::now());
        }
        Ok(outcome)
    }
}

/// Checks the chain at start and every [`INTERVAL`] until `stop`, and records each outcome
/// in the metrics. A check in progress is abandoned at `stop`.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut checker = Checker::default();
    loop {
        let started = Instant::now();
        let outcome = tokio::select! {
            outcome = checker.check(&shared.pool) => outcome,
            _ = stop.wait_for(|stop| *stop) => break,
        };
        match outcome {
            Ok(found) => {
                let intact = found.is_ok();
                match found {
                    Ok(last) => debug!(
                        up_to_seq = last.seq,
                        took_ms = started.elapsed().as_millis() as u64,
                        "audit chain checked: intact"
                    ),
                    Err(b) => error!(
                        seq = b.seq,
                        problem = b.problem,
                        "audit chain checked: BROKEN; run `hub audit verify` and investigate"
                    ),
                }
                shared.metrics.record_audit_check(AuditStatus {
                    intact,
                    checked_at: Utc::now().timestamp(),
                });
            }
            Err(e) => warn!(
                error = %e,
                "could not check the audit chain; retrying at the next interval"
            ),
        }
        if sleep_or_stop(INTERVAL, &mut stop).await {
            break;
        }
    }
}
