//! The agent's local HTTP server: a JSON API for the agency's own systems and the
//! caseworker's inbox page, both over the agent's store.
//!
//! - [`api`]: `/api/v1/...`, token in `Authorization: Bearer`, JSON errors with stable codes;
//! - `web`: server-rendered HTML at `/` and `/messages/{id}`, a login form that sets an
//!   HttpOnly SameSite=Strict session cookie;
//! - `actions`: what both do (answer a handover, withdraw a consent), building drafts and
//!   handing them to [`crate::submit`], so the page and the API cannot disagree;
//! - [`openapi`]: the API's OpenAPI 3.1 document, written by hand, committed as
//!   `agents/openapi.json` (a test fails when it is stale);
//! - `ops`: `GET /healthz`, `GET /readyz` and `GET /metrics` for operations, without a token
//!   (they carry no personal data), beside the older `GET /health`.
//!
//! The server is meant for local callers (it binds loopback in the shipped settings); it has
//! no TLS of its own. It never logs message bodies: only ids, types and outcomes.

mod actions;
pub mod api;
mod consents;
pub mod openapi;
mod ops;
mod web;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use schemas::AgencyId;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tracing::{info, warn};

use crate::metrics::Metrics;
use crate::people::PseudonymKey;
use crate::store::Store;

/// The `[http]` section of the agent's settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HttpSettings {
    /// Where to listen, e.g. `127.0.0.1:8701`; none means no HTTP server.
    #[serde(default)]
    pub listen: Option<String>,
    /// The token local callers present (`AGENT__HTTP__TOKEN`); required when `listen` is set.
    /// On the API, calls with it are logged as by the system `agent token`.
    #[serde(default)]
    pub token: Option<Token>,
    /// One named token per calling system (`AGENT__HTTP__API_TOKENS__<NAME>`), so the access
    /// log names the system that called. API only: the page does not take them.
    #[serde(default)]
    pub api_tokens: std::collections::BTreeMap<String, Token>,
    /// Host names the server answers to besides its listen address's host and the loopback
    /// forms (`localhost`, `127.0.0.1`, `[::1]`); any other `Host` gets 421 (DNS rebinding).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Seconds a client may take to send a request head (or stay idle between requests)
    /// before its connection is closed; 10 when unset.
    #[serde(default)]
    pub header_read_timeout_seconds: Option<u64>,
}

impl HttpSettings {
    fn limits(&self) -> broker::web::Limits {
        let mut limits = broker::web::Limits::default();
        if let Some(seconds) = self.header_read_timeout_seconds {
            limits.header_read = Duration::from_secs(seconds.max(1));
        }
        limits
    }
}

/// The API token. Prints as `***`; compared in constant time.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// A token from its text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Whether `candidate` is this token, in time that does not depend on where they differ
    /// (both are hashed first, so not on their lengths either).
    pub fn matches(&self, candidate: &str) -> bool {
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(candidate.as_bytes());
        !self.0.is_empty() && bool::from(a.ct_eq(&b))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How long a caseworker's login lasts.
const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// How long a caseworker's login lasts without use: a page left open on an unattended PC
/// signs out by itself.
const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// A page session: when it began (the absolute limit) and when it was last used (the idle
/// limit).
#[derive(Debug, Clone, Copy)]
struct Session {
    started: Instant,
    last_used: Instant,
}

impl Session {
    fn live(&self, now: Instant) -> bool {
        now.duration_since(self.started) < SESSION_LIFETIME
            && now.duration_since(self.last_used) < SESSION_IDLE
    }
}

/// What every handler needs: the store, who this agent is, the token, the page sessions.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    agent: AgencyId,
    token: Token,
    metrics: Metrics,
    sessions: Mutex<HashMap<String, Session>>,
    pseudonym_key: Option<PseudonymKey>,
    api_tokens: std::collections::BTreeMap<String, Token>,
    /// A random key of this process's, for the forms' CSRF tokens.
    csrf_key: [u8; 32],
}

impl AppState {
    /// The state of one agent's server, with metrics of its own (no service counts into
    /// them, so `/readyz` reports the broker as not consuming).
    pub fn new(store: Store, agent: AgencyId, token: Token) -> Self {
        Self::with_metrics(store, agent, token, Metrics::new())
    }

    /// The state of one agent's server, sharing `metrics` with the agent's service.
    pub fn with_metrics(store: Store, agent: AgencyId, token: Token, metrics: Metrics) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                agent,
                token,
                metrics,
                sessions: Mutex::new(HashMap::new()),
                pseudonym_key: None,
                api_tokens: Default::default(),
                csrf_key: rand::random(),
            }),
        }
    }

    /// The state with the federation pseudonym key, so the API and the page take a person's
    /// national identity number ([`crate::people`]). Set before the state is shared.
    pub fn with_pseudonym_key(mut self, key: Option<PseudonymKey>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("the pseudonym key is set before the state is shared")
            .pseudonym_key = key;
        self
    }

    fn pseudonym_key(&self) -> Option<&PseudonymKey> {
        self.inner.pseudonym_key.as_ref()
    }

    /// The state with one named token per calling system, for the API. Set before the state
    /// is shared.
    pub fn with_api_tokens(mut self, tokens: std::collections::BTreeMap<String, Token>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("the API tokens are set before the state is shared")
            .api_tokens = tokens;
        self
    }

    /// The calling system a presented API token names: a named system, or `agent token`.
    fn api_caller(&self, presented: &str) -> Option<crate::access_log::Actor> {
        if self.token().matches(presented) {
            return Some(crate::access_log::Actor::api("agent token"));
        }
        self.inner
            .api_tokens
            .iter()
            .find(|(_, token)| token.matches(presented))
            .map(|(name, _)| crate::access_log::Actor::api(name))
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }

    fn agent(&self) -> &AgencyId {
        &self.inner.agent
    }

    fn token(&self) -> &Token {
        &self.inner.token
    }

    fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// A new page session; forgets expired ones.
    fn new_session(&self) -> String {
        let id = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let now = Instant::now();
        let mut sessions = self.inner.sessions.lock().expect("sessions lock");
        sessions.retain(|_, session| session.live(now));
        sessions.insert(
            id.clone(),
            Session {
                started: now,
                last_used: now,
            },
        );
        id
    }

    /// The CSRF token of a page session: every form of the page carries it, and a POST
    /// without it is refused. An HMAC of the session id under a key of this process's, so it
    /// needs no storage and dies with the session.
    fn csrf_token(&self, session: &str) -> String {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.inner.csrf_key)
            .expect("HMAC takes any key length");
        mac.update(b"csrf\0");
        mac.update(session.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether the session is live (within both the absolute and the idle limit); using it
    /// counts as use.
    fn session_valid(&self, id: &str) -> bool {
        self.session_valid_at(id, Instant::now())
    }

    fn session_valid_at(&self, id: &str, now: Instant) -> bool {
        let mut sessions = self.inner.sessions.lock().expect("sessions lock");
        match sessions.get_mut(id) {
            Some(session) if session.live(now) => {
                session.last_used = now;
                true
            }
            Some(_) => {
                sessions.remove(id);
                false
            }
            None => false,
        }
    }

    fn end_session(&self, id: &str) {
        self.inner
            .sessions
            .lock()
            .expect("sessions lock")
            .remove(id);
    }
}

/// The whole server: the API, the pages, and the operations endpoints.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(ops::router(state.clone()))
        .merge(api::router(state.clone()))
        .merge(web::router(state))
}

/// Serves on `listener` with the default settings (answering only to the listener's own
/// address and the loopback names) until `shutdown` completes, then finishes the requests in
/// hand.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, &HttpSettings::default(), shutdown).await
}

/// Serves on `listener` under `settings`' allowed host names and timeouts until `shutdown`
/// completes, then finishes the requests in hand.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    settings: &HttpSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?.to_string();
    let listen = settings.listen.as_deref().unwrap_or(&local);
    let mut allowed = settings.allowed_hosts.clone();
    allowed.push(local.clone());
    let app = broker::web::guard(
        router(state),
        broker::web::AllowedHosts::new(Some(listen), &allowed),
    );
    broker::web::serve(listener, app, settings.limits(), shutdown).await
}

/// A running HTTP server. Call [`Running::stop`] to stop it.
pub struct Running {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections and waits for the requests in hand.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task
            .await
            .context("the HTTP server task failed")?
            .context("the HTTP server failed")
    }
}

/// Starts the server when `settings.listen` is set and a token is given; without a token it
/// warns and serves nothing (the API and pages never run unauthenticated). `metrics` are the
/// ones the agent's service counts into.
pub async fn start(
    settings: &HttpSettings,
    store: Store,
    agent: AgencyId,
    metrics: Metrics,
    pseudonym_key: Option<PseudonymKey>,
) -> anyhow::Result<Option<Running>> {
    let Some(listen) = &settings.listen else {
        return Ok(None);
    };
    let Some(token) = settings.token.clone().filter(|t| !t.0.is_empty()) else {
        // Never serve without authentication; the broker side runs regardless.
        warn!(
            agency = %agent,
            "http.listen is set but there is no token (AGENT__HTTP__TOKEN): the HTTP API and \
             inbox page are off"
        );
        return Ok(None);
    };
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr()?;
    info!(agency = %agent, %address, "HTTP API and inbox page listening");
    let (stop, stopped) = oneshot::channel::<()>();
    let settings = settings.clone();
    let task = tokio::spawn(async move {
        serve_with(
            listener,
            AppState::with_metrics(store, agent, token, metrics)
                .with_pseudonym_key(pseudonym_key)
                .with_api_tokens(settings.api_tokens.clone()),
            &settings,
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    Ok(Some(Running { stop, task }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_session_ends_after_its_idle_time_and_after_its_lifetime() {
        let dir = std::env::temp_dir().join(format!("agent-sessions-{}", uuid::Uuid::new_v4()));
        let store = Store::open(&dir).await.unwrap();
        let state = AppState::new(
            store.clone(),
            AgencyId::try_from("dk-test").unwrap(),
            Token::new("t"),
        );
        let start = Instant::now();
        let used = state.new_session();
        let idle = state.new_session();
        // Used every 20 minutes, a session lives on; left alone for 30, it ends.
        for minutes in [20, 40, 60] {
            let at = start + Duration::from_secs(minutes * 60);
            assert!(state.session_valid_at(&used, at), "{minutes} min");
        }
        assert!(!state.session_valid_at(&idle, start + SESSION_IDLE + Duration::from_secs(1)));
        // However much it is used, it ends after its lifetime.
        let mut at = start;
        while at < start + SESSION_LIFETIME - Duration::from_secs(60) {
            at += Duration::from_secs(20 * 60);
            state.session_valid_at(
                &used,
                at.min(start + SESSION_LIFETIME - Duration::from_secs(1)),
            );
        }
        assert!(!state.session_valid_at(&used, start + SESSION_LIFETIME + Duration::from_secs(1)));
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn tokens_match_only_themselves_and_never_print() {
        let token = Token::new("s3cret-token");
        assert!(token.matches("s3cret-token"));
        assert!(!token.matches("s3cret-tokem"));
        assert!(!token.matches(""));
        assert!(!Token::new("").matches(""));
        assert_eq!(format!("{token:?}"), "***");
    }
}
