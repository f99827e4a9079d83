//! What the operations endpoints of the hub and the agents share: `GET /healthz`, the
//! readiness answer of `GET /readyz` built from named checks, and the media type of the
//! metrics exposition at `GET /metrics`. None needs a login and none carries personal data.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

/// The media type of the OpenMetrics text exposition.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The outcome of one readiness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// It passes.
    Ok,
    /// It fails, for this reason (a few words, shown in the readiness body).
    Failing(&'static str),
}

impl Check {
    /// `ok`, or the reason it fails.
    pub fn word(self) -> &'static str {
        match self {
            Check::Ok => "ok",
            Check::Failing(why) => why,
        }
    }
}

/// Whether `query` (a store's or a database's ping) answers within `limit`: a failure or no
/// answer in time is `unavailable`, with the error logged at debug under `what`.
pub async fn answers<E: std::fmt::Display>(
    what: &'static str,
    limit: Duration,
    query: impl Future<Output = Result<(), E>>,
) -> Check {
    match tokio::time::timeout(limit, query).await {
        Ok(Ok(())) => Check::Ok,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "readiness: the {what} does not answer");
            Check::Failing("unavailable")
        }
        Err(_) => {
            tracing::debug!("readiness: the {what} did not answer in time");
            Check::Failing("unavailable")
        }
    }
}

/// The readiness answer: 200 when every check passes, else 503; the body names each check,
/// e.g. `{"ready":false,"checks":{"database":"ok","broker":"not consuming"}}`.
pub fn readiness(checks: &[(&str, Check)]) -> (StatusCode, Value) {
    let ready = checks.iter().all(|(_, check)| *check == Check::Ok);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let named: serde_json::Map<String, Value> = checks
        .iter()
        .map(|(name, check)| ((*name).to_owned(), Value::from(check.word())))
        .collect();
    (status, json!({ "ready": ready, "checks": named }))
}

/// A metrics exposition as a response, with its media type.
pub fn exposition(text: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, OPENMETRICS)], text)
}

/// `GET /healthz`: 200 `ok` while the server answers.
pub fn liveness<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/healthz", get(|| async { "ok" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_check_is_and_the_body_names_the_failing_one() {
        assert_eq!(
            readiness(&[("database", Check::Ok), ("broker", Check::Ok)]),
            (
                StatusCode::OK,
                json!({"ready": true, "checks": {"database": "ok", "broker": "ok"}})
            )
        );
        assert_eq!(
            readiness(&[
                ("store", Check::Ok),
                ("broker", Check::Failing("not consuming"))
            ]),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"ready": false, "checks": {"store": "ok", "broker": "not consuming"}})
            )
        );
        let (status, body) = readiness(&[
            ("database", Check::Failing("unavailable")),
            ("broker", Check::Ok),
        ]);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["checks"]["database"], "unavailable");
    }

    #[tokio::test]
    async fn a_ping_that_fails_or_does_not_answer_in_time_is_unavailable() {
        let limit = Duration::from_millis(50);
        assert_eq!(
            answers("store", limit, async { Ok::<(), &str>(()) }).await,
            Check::Ok
        );
        assert_eq!(
            answers("store", limit, async { Err("closed") }).await,
            Check::Failing("unavailable")
        );
        let never = std::future::pending::<Result<(), &str>>();
        assert_eq!(
            answers("store", limit, never).await,
            Check::Failing("unavailable")
        );
    }
}
