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
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tracing::debug;

use crate::{Shared, metrics};

/// How long readiness waits for the database.
const DATABASE_LIMIT: Duration = Duration::from_secs(2);

/// The media type of the exposition.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `GET /healthz`, `GET /readyz`, `GET /metrics`.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
}

async fn readyz(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let query = sqlx::query("SELECT 1").execute(&shared.pool);
    let database = match tokio::time::timeout(DATABASE_LIMIT, query).await {
        Ok(Ok(_)) => Check::Ok,
        Ok(Err(e)) => {
            debug!(error = %e, "readiness: the database does not answer");
            Check::Failing("unavailable")
        }
        Err(_) => {
            debug!("readiness: the database did not answer in time");
            Check::Failing("unavailable")
        }
    };
    let held_limit = Duration::from_secs(shared.settings.hub.held_unready_seconds);
    let broker = match shared.metrics.held_for() {
        Some(held) if held > held_limit => Check::Failing("holding a batch it cannot commit"),
        _ if shared.metrics.is_ingress_consuming() => Check::Ok,
        _ => Check::Failing("not consuming"),
    };
    let (status, body) = readiness(database, broker);
    (status, Json(body))
}

async fn scrape(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, OPENMETRICS)],
        metrics::scrape(&shared).await,
    )
}

/// The outcome of one readiness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Ok,
    Failing(&'static str),
}

impl Check {
    fn word(self) -> &'static str {
        match self {
            Check::Ok => "ok",
            Check::Failing(why) => why,
        }
    }
}

/// Ready only when every check is.
fn readiness(database: Check, broker: Check) -> (StatusCode, Value) {
    let ready = database == Check::Ok && broker == Check::Ok;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "checks": {"database": database.word(), "broker": broker.word()},
    });
    (status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_check_is_and_the_body_names_the_failing_one() {
        assert_eq!(
            readiness(Check::Ok, Check::Ok),
            (
                StatusCode::OK,
                json!({"ready": true, "checks": {"database": "ok", "broker": "ok"}})
            )
        );
        assert_eq!(
            readiness(Check::Ok, Check::Failing("not consuming")),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"ready": false, "checks": {"database": "ok", "broker": "not consuming"}})
            )
        );
        let (status, body) = readiness(Check::Failing("unavailable"), Check::Ok);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["checks"]["database"], "unavailable");
    }
}
