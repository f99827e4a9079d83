//! Failpoints: places where a fault-injection test stops the hub dead, to kill it with
//! SIGKILL at the worst moment.
//!
//! **For fault-injection tests only; never set this in production.** The environment
//! variable `HUB_FAILPOINT=<name>[:<n>]` arms the failpoint `name` at its `n`-th hit (the
//! first when `n` is left out). The variable is read once, at the first hit of any
//! failpoint; without it every failpoint is inert and costs one load of an initialised
//! `OnceLock`. The failpoints:
//!
//! - [`AFTER_COMMIT_BEFORE_ACK`]: in the ingress, once a batch's transaction has committed,
//!   before its outbox rows are published and its deliveries acknowledged. Killed here, the
//!   broker redelivers the batch (the hub must deduplicate it) and the outbox rows wait for
//!   the relay;
//! - [`AFTER_CONFIRM_BEFORE_MARK`]: in [`crate::ingress::publish_rows`] (the fast path and
//!   the relay), once the broker has confirmed at least one row, before any is marked
//!   published. Killed here, the relay publishes the confirmed rows again (the recipients
//!   must deduplicate them).
//!
//! When the armed hit comes, the hub writes the line `failpoint <name> reached` to stderr
//! and the task that reached it never continues (the rest of the process carries on until
//! the test, which watches stderr for that line, kills it). A value that does not parse
//! arms nothing and says so on stderr once.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// After a batch's commit, before its publishing and acknowledgement.
pub const AFTER_COMMIT_BEFORE_ACK: &str = "after-commit-before-ack";

/// After the broker's confirms, before the outbox rows are marked published.
pub const AFTER_CONFIRM_BEFORE_MARK: &str = "after-confirm-before-mark";

const KNOWN: [&str; 2] = [AFTER_COMMIT_BEFORE_ACK, AFTER_CONFIRM_BEFORE_MARK];

/// The environment variable that arms a failpoint.
pub const VARIABLE: &str = "HUB_FAILPOINT";

/// The one armed failpoint.
#[derive(Debug)]
struct Armed {
    name: String,
    nth: u64,
    hits: AtomicU64,
}

static ARMED: OnceLock<Option<Armed>> = OnceLock::new();

/// Parses `<name>[:<n>]`, `n` from 1.
fn parse(spec: &str) -> Result<Armed, String> {
    let (name, nth) = match spec.split_once(':') {
        Some((name, nth)) => (
            name,
            nth.parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("the hit count {nth:?} is not a number from 1"))?,
        ),
        None => (spec, 1),
    };
    if !KNOWN.contains(&name) {
        return Err(format!(
            "there is no failpoint {name:?} (known: {})",
            KNOWN.join(", ")
        ));
    }
    Ok(Armed {
        name: name.to_owned(),
        nth,
        hits: AtomicU64::new(0),
    })
}

fn armed() -> Option<&'static Armed> {
    ARMED
        .get_or_init(|| {
            let spec = std::env::var(VARIABLE).ok()?;
            parse(&spec)
                .map_err(|why| eprintln!("failpoint: {VARIABLE} ignored: {why}"))
                .ok()
        })
        .as_ref()
}

/// Whether this hit of `name` is the armed one (counting it).
fn reached(armed: &Armed, name: &str) -> bool {
    armed.name == name && armed.hits.fetch_add(1, Ordering::SeqCst) + 1 == armed.nth
}

/// Passes through, unless this is the armed hit of failpoint `name`: then writes
/// `failpoint <name> reached` to stderr and never returns.
pub async fn hit(name: &str) {
    let Some(armed) = armed() else { return };
    if reached(armed, name) {
        eprintln!("failpoint {name} reached");
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_alone_arms_the_first_hit() {
        let armed = parse(AFTER_COMMIT_BEFORE_ACK).unwrap();
        assert_eq!(armed.nth, 1);
        assert!(!reached(&armed, AFTER_CONFIRM_BEFORE_MARK));
        assert!(reached(&armed, AFTER_COMMIT_BEFORE_ACK));
        assert!(!reached(&armed, AFTER_COMMIT_BEFORE_ACK));
    }

    #[test]
    fn a_count_arms_that_hit_of_that_failpoint_only() {
        let armed = parse("after-confirm-before-mark:3").unwrap();
        assert!(!reached(&armed, AFTER_COMMIT_BEFORE_ACK));
        assert!(!reached(&armed, AFTER_CONFIRM_BEFORE_MARK));
        assert!(!reached(&armed, AFTER_CONFIRM_BEFORE_MARK));
        assert!(reached(&armed, AFTER_CONFIRM_BEFORE_MARK));
        assert!(!reached(&armed, AFTER_CONFIRM_BEFORE_MARK));
    }

    #[test]
    fn unknown_names_and_bad_counts_arm_nothing() {
        assert!(parse("after-everything").is_err());
        assert!(parse("after-commit-before-ack:0").is_err());
        assert!(parse("after-commit-before-ack:x").is_err());
        assert!(parse("").is_err());
    }
}
