//! Retention: the hub deletes what it holds only for delivery, once the configured period is
//! over, and keeps what the law needs.
//!
//! - `hub.delivered_bodies_days`: a forwarded body (an outbox row's payload) goes that many
//!   days after it was delivered, or after it was cancelled (a copy withdrawn by a consent
//!   withdrawal before delivery). Rows not yet delivered are never deleted.
//! - `hub.dead_letters_days`: refused input kept for inspection goes that many days after it
//!   arrived.
//!
//! The message records (ids, the body's hash, times, outcome), the disclosure log, the audit
//! log, cases and consents are kept: the register of processing states the periods
//! ([`crate::settings::RegisterSettings::to_config`]). Applied by the deadline sweeper, so
//! every `hub.deadline_sweep_seconds`; several hub instances deleting the same rows is
//! harmless.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::settings::HubSettings;

/// What one application of the periods deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Outbox rows (forwarded bodies) deleted.
    pub bodies: u64,
    /// Dead letters deleted.
    pub dead_letters: u64,
}

fn cutoff(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - chrono::Duration::days(i64::from(days))
}

/// Applies the configured periods as of `now`.
pub async fn purge(
    pool: &PgPool,
    settings: &HubSettings,
    now: DateTime<Utc>,
) -> Result<Purged, sqlx::Error> {
    let mut purged = Purged::default();
    if let Some(days) = settings.delivered_bodies_days {
        purged.bodies = sqlx::query(
            "DELETE FROM outbox
             WHERE (published_at IS NOT NULL AND published_at < $1)
                OR (published_at IS NULL AND cancelled_at IS NOT NULL AND cancelled_at < $1)",
        )
        .bind(cutoff(now, days))
        .execute(pool)
        .await?
        .rows_affected();
    }
    if let Some(days) = settings.dead_letters_days {
        purged.dead_letters = sqlx::query("DELETE FROM dead_letters WHERE received_at < $1")
            .bind(cutoff(now, days))
            .execute(pool)
            .await?
            .rows_affected();
    }
    if purged != Purged::default() {
        tracing::info!(
            bodies = purged.bodies,
            dead_letters = purged.dead_letters,
            "records past their retention period deleted"
        );
    }
    Ok(purged)
}
