//! Operations endpoints: liveness, readiness and Prometheus metrics. None needs a login and
//! none carries personal data (see [`crate::metrics`] for what the labels may hold).
//!
//! - `GET /healthz`: 200 `ok` while the process serves HTTP;
//! - `GET /readyz`: 200 when the database answers `SELECT 1` and the ingress consumer is
//!   consuming and has not held a batch it cannot commit for longer than
//!   `hub.held_unready_seconds`, else 503; the JSON body names each check, e.g.
//!   `{"ready":false,"checks":{"database":"ok","broker":"not consuming"}}`;
//! - `GET /metrics`: the OpenMetrics text exposition.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use broker::web::ops::{self, Check};

use crate::{Shared, metrics};

/// How long readiness waits for the database.
const DATABASE_LIMIT: Duration = Duration::from_secs(2);

/// `GET /healthz`, `GET /readyz`, `GET /metrics`.
pub fn routes() -> Router<Arc<Shared>> {
    ops::liveness()
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
}

async fn readyz(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let query = async {
        sqlx::query("SELECT 1")
            .execute(&shared.pool)
            .await
            .map(|_| ())
    };
    let database = ops::answers("database", DATABASE_LIMIT, query).await;
    let held_limit = Duration::from_secs(shared.settings.hub.held_unready_seconds);
    let broker = match shared.metrics.held_for() {
        Some(held) if held > held_limit => Check::Failing("holding a batch it cannot commit"),
        _ if shared.metrics.is_ingress_consuming() => Check::Ok,
        _ => Check::Failing("not consuming"),
    };
    let (status, body) = ops::readiness(&[("database", database), ("broker", broker)]);
    (status, Json(body))
}

async fn scrape(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    ops::exposition(metrics::scrape(&shared).await)
}
