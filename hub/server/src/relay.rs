//! The outbox relay: publishes rows the fast path did not (a crash, a broker outage, a
//! missing inbox), with backoff per row. Rows are claimed with `FOR UPDATE SKIP LOCKED` and a
//! claim time, so several hub instances never publish the same row at the same moment, and
//! no database transaction is held open while waiting for confirms.

use std::sync::Arc;
use std::time::Duration;

use broker::Publisher;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::{Backoff, Shared, db, ingress, sleep_or_stop};

const CLAIM_BATCH: i64 = 256;

/// Runs until `stop` turns true.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let interval = Duration::from_millis(shared.settings.hub.relay_interval_ms);
    let mut backoff = Backoff::default();
    let mut connection: Option<(lapin::Connection, Publisher)> = None;
    loop {
        if sleep_or_stop(interval, &mut stop).await {
            break;
        }
        if connection.as_ref().is_none_or(|(_, p)| !p.is_usable()) {
            connection = match connect(&shared).await {
                Ok(c) => {
                    backoff.reset();
                    Some(c)
                }
                Err(e) => {
                    warn!(error = %e, "relay cannot reach the broker");
                    if sleep_or_stop(backoff.next_delay(), &mut stop).await {
                        break;
                    }
                    continue;
                }
            };
        }
        let Some((_, publisher)) = &connection else {
            continue;
        };
        loop {
            let rows = match db::claim_due_outbox(
                &shared.pool,
                CLAIM_BATCH,
                shared.settings.hub.outbox_claim_seconds,
                shared.claims.key(),
            )
            .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    warn!(error = %e, "relay cannot read the outbox");
                    break;
                }
            };
            if rows.is_empty() {
                break;
            }
            info!(rows = rows.len(), "relaying unpublished outbox rows");
            if let Err(e) =
                ingress::publish_rows(&shared.pool, &shared.metrics, publisher, &rows).await
            {
                warn!(error = %format!("{e:#}"), "relay publish failed");
                connection = None;
                break;
            }
        }
    }
    if let Some((conn, _)) = connection {
        let _ = conn.close(200, "hub stopping".into()).await;
    }
    info!("relay stopped");
}

async fn connect(shared: &Shared) -> Result<(lapin::Connection, Publisher), broker::ConnectError> {
    let conn = broker::connect(&shared.endpoint(), &shared.credentials(), "hub relay").await?;
    let publisher = Publisher::open(&conn).await?;
    Ok((conn, publisher))
}
