//! The hub's HTTP server: the national contact point's dashboard behind a login, the register
//! of processing, and the operations endpoints (health, readiness, Prometheus metrics).
//!
//! - [`health`]: `GET /healthz` (the process answers), `GET /readyz` (it can do its work), and
//!   `GET /metrics` (Prometheus text); none of them carries personal data;
//! - [`register`]: the register of processing (GDPR art. 30), generated from the catalogue;
//! - [`dashboard`]: the contact point's pages and the JSON API behind each of them.
//!
//! Every route is behind [`broker::web::guard`] (the `Host` must be one of `http.allowed_hosts`
//! or a loopback name; a write from another origin is refused; CSP, `X-Frame-Options` and
//! friends on every response) and served by [`broker::web::serve`] with a header-read timeout
//! (`http.header_read_timeout_seconds`).
//!
//! Every hub instance serves the same pages from the same database, so any instance can take
//! any request (sessions live in PostgreSQL, not in memory). The server has no TLS of its
//! own: put it behind the agencies' reverse proxy and set `http.secure_cookies`.

pub mod dashboard;
pub mod health;
pub mod register;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::Shared;
use crate::settings::HttpSettings;

/// Every route the hub serves.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(register::routes())
        .merge(dashboard::routes())
        .with_state(shared)
}

/// Binds `http.listen` when it is set. Binding happens before the hub starts its work, so a
/// taken port stops start-up with a clear error.
pub async fn bind(settings: &HttpSettings) -> anyhow::Result<Option<TcpListener>> {
    let Some(listen) = &settings.listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen} (http.listen)"))?;
    Ok(Some(listener))
}

/// Serves until `shutdown` completes, then finishes the requests in hand.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address: Option<SocketAddr> = listener.local_addr().ok();
    if let Some(address) = address {
        let _ = shared.http_address.set(address);
        tracing::info!(%address, "dashboard, register and operations endpoints listening");
    }
    let settings = &shared.settings.http;
    let local = address.map(|a| a.to_string());
    let mut allowed = settings.allowed_hosts.clone();
    allowed.extend(local.clone());
    let hosts =
        broker::web::AllowedHosts::new(settings.listen.as_deref().or(local.as_deref()), &allowed);
    let mut limits = broker::web::Limits::default();
    if let Some(seconds) = settings.header_read_timeout_seconds {
        limits.header_read = std::time::Duration::from_secs(seconds.max(1));
    }
    let app = broker::web::guard(router(shared.clone()), hosts);
    broker::web::serve(listener, app, limits, shutdown).await
}
