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
//! pass, not at once. The rules are those of [`crate::db::verify_audit_in`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use hub_core::audit;
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

/// An entry found intact: where the next check goes on from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Its sequence number (0 before the first entry).
    pub seq: i64,
    /// Its hash ([`audit::GENESIS`] before the first entry).
    pub hash: [u8; 32],
}

impl Link {
    /// Before the first entry.
    pub const GENESIS: Link = Link {
        seq: 0,
        hash: audit::GENESIS,
    };
}

/// One stored entry: `(seq, entry, prev_hash, hash)`.
pub type Row = (i64, String, Vec<u8>, Vec<u8>);

/// Where the chain breaks, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken {
    /// The first entry that does not fit.
    pub seq: i64,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// Checks `rows` (in order of `seq`) as the entries that follow `from`: the last of them
/// when all are intact, else the first that is not.
pub fn check_rows(from: Link, rows: &[Row]) -> Result<Link, Broken> {
    let mut previous = from;
    for (seq, entry, prev_hash, hash) in rows {
        let seq = *seq;
        let broken = |problem| Err(Broken { seq, problem });
        if seq != previous.seq + 1 {
            return broken("an entry is missing before this one");
        }
        if prev_hash.as_slice() != previous.hash {
            return broken("the previous-hash link does not match the entry before");
        }
        let recomputed = audit::chain_hash(&previous.hash, entry.as_bytes());
        if hash.as_slice() != recomputed {
            return broken("the entry's content does not match its hash");
        }
        let inner: Option<serde_json::Value> = serde_json::from_str(entry).ok();
        if inner.as_ref().and_then(|e| e["seq"].as_i64()) != Some(seq) {
            return broken("the entry was moved from another position");
        }
        previous = Link {
            seq,
            hash: recomputed,
        };
    }
    Ok(previous)
}

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
            match check_rows(at, &rows) {
                Ok(last) => at = last,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `n` entries as the hub writes them.
    fn chain(n: i64) -> Vec<Row> {
        let mut previous = audit::GENESIS;
        (1..=n)
            .map(|seq| {
                let entry = serde_json::json!({"seq": seq, "at": "2026-01-01T00:00:00Z", "detail": {"kind": "test"}})
                    .to_string();
                let hash = audit::chain_hash(&previous, entry.as_bytes());
                let row = (seq, entry, previous.to_vec(), hash.to_vec());
                previous = hash;
                row
            })
            .collect()
    }

    fn link(row: &Row) -> Link {
        Link {
            seq: row.0,
            hash: row.3.clone().try_into().unwrap(),
        }
    }

    #[test]
    fn an_intact_chain_checks_whole_or_from_any_entry_found_intact() {
        let rows = chain(5);
        assert_eq!(check_rows(Link::GENESIS, &rows), Ok(link(&rows[4])));
        assert_eq!(check_rows(link(&rows[1]), &rows[2..]), Ok(link(&rows[4])));
        // Nothing new: the link stays where it was.
        assert_eq!(check_rows(link(&rows[4]), &[]), Ok(link(&rows[4])));
    }

    #[test]
    fn each_kind_of_tampering_is_found_at_its_entry() {
        let rows = chain(5);
        let broken_at = |rows: &[Row]| check_rows(Link::GENESIS, rows).map_err(|b| b.seq);

        let mut edited = rows.clone();
        edited[2].1 = edited[2].1.replace("test", "TEST");
        assert_eq!(broken_at(&edited), Err(3));

        let mut deleted = rows.clone();
        deleted.remove(1);
        assert_eq!(broken_at(&deleted), Err(3));

        // Entries 2 and 3 swapped and renumbered, their hashes recomputed in the new order.
        let mut moved = rows[..1].to_vec();
        let mut previous: [u8; 32] = rows[0].3.clone().try_into().unwrap();
        for (seq, original) in [(2, &rows[2]), (3, &rows[1])] {
            let hash = audit::chain_hash(&previous, original.1.as_bytes());
            moved.push((seq, original.1.clone(), previous.to_vec(), hash.to_vec()));
            previous = hash;
        }
        assert_eq!(broken_at(&moved), Err(2));

        let mut relinked = rows.clone();
        relinked[3].2 = audit::GENESIS.to_vec();
        assert_eq!(broken_at(&relinked), Err(4));
    }

    #[test]
    fn going_on_from_a_link_the_stored_chain_does_not_continue_is_a_break() {
        let rows = chain(3);
        let stale = Link {
            seq: 1,
            hash: [7; 32],
        };
        assert_eq!(
            check_rows(stale, &rows[1..]),
            Err(Broken {
                seq: 2,
                problem: "the previous-hash link does not match the entry before"
            })
        );
    }
}
