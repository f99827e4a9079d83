//! Operations endpoints, without a token (they carry no personal data):
//!
//! - `GET /healthz` (and the older `GET /health`): 200 `ok` while the server answers;
//! - `GET /readyz`: 200 when the store answers and the service consumes its inbox, else 503;
//!   the JSON body names each check, e.g.
//!   `{"ready":false,"checks":{"store":"ok","broker":"not consuming"}}`;
//! - `GET /metrics`: the OpenMetrics text exposition (see [`crate::metrics`]).

use std::time::Duration;

use axum::extract::State;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::{Json, Router};
use broker::web::ops::{self, Check};

use super::AppState;
use super::routes::{Route, route};

/// How long readiness waits for the store.
const STORE_LIMIT: Duration = Duration::from_secs(2);

/// The operations routes.
pub(super) fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/health", || async { "ok" }),
        route(Method::GET, "/healthz", || async { "ok" }),
        route(Method::GET, "/readyz", readyz),
        route(Method::GET, "/metrics", metrics),
    ]
}

/// The operations endpoints' router.
pub(super) fn router(state: AppState) -> Router {
    super::routes::router(routes()).with_state(state)
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let store = ops::answers("store", STORE_LIMIT, state.store().ping()).await;
    let broker = if state.metrics().is_consuming() {
        Check::Ok
    } else {
        Check::Failing("not consuming")
    };
    let (status, body) = ops::readiness(&[("store", store), ("broker", broker)]);
    (status, Json(body))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ops::exposition(state.metrics().scrape(state.store()).await)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::{Value, json};
    use tower::ServiceExt;

    use super::*;
    use crate::http::{Token, router};
    use crate::metrics::Metrics;

    async fn get(app: &Router, path: &str) -> (StatusCode, String) {
        let response = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn readiness_follows_the_consumer_and_the_store_without_a_token() {
        let dir = std::env::temp_dir().join(format!("agent-ops-{}", uuid::Uuid::new_v4()));
        let store = crate::Store::open(&dir).await.unwrap();
        let agent = schemas::AgencyId::try_from("dk-test").unwrap();
        let metrics = Metrics::new();
        let app = router(AppState::with_metrics(
            store.clone(),
            agent,
            Token::new("t"),
            metrics.clone(),
        ));
        assert_eq!(get(&app, "/healthz").await, (StatusCode::OK, "ok".into()));
        assert_eq!(get(&app, "/health").await, (StatusCode::OK, "ok".into()));

        let (status, body) = get(&app, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            json!({"ready": false, "checks": {"store": "ok", "broker": "not consuming"}})
        );
        let consuming = metrics.consuming();
        assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);

        let (status, text) = get(&app, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("agent_inbox_consuming 1\n"), "{text}");
        assert!(text.contains("agent_outbox_pending 0\n"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");

        // A store that no longer answers makes the agent unready, and names the store.
        store.close().await;
        let (status, body) = get(&app, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["checks"]["store"], "unavailable");
        assert_eq!(body["checks"]["broker"], "ok");
        // What cannot be read is left out of the scrape and counted.
        let text = get(&app, "/metrics").await.1;
        assert!(!text.contains("agent_outbox_pending"), "{text}");
        assert!(
            text.contains("agent_scrape_errors_total{part=\"outbox\"} 1\n"),
            "{text}"
        );
        drop(consuming);
        let _ = std::fs::remove_dir_all(dir);
    }
}
