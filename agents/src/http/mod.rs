//! The agent's local HTTP server: a JSON API for the agency's own systems and the
//! caseworker's inbox page, both over the agent's store.
//!
//! - [`api`]: `/api/v1/...`, token in `Authorization: Bearer`, JSON errors with stable codes;
//! - `web`: server-rendered HTML at `/` and `/messages/{id}` for caseworkers who signed in
//!   personally through the agency's OpenID Connect provider ([`sign_in`]); the session is a
//!   `__Host-` cookie (Secure, HttpOnly, SameSite=Strict);
//! - `actions`: what both do (answer a handover, withdraw a consent), building drafts and
//!   handing them to [`crate::submit`], so the page and the API cannot disagree;
//! - `sent`: what became of a sent message (each recipient's copy, the answers, the case's
//!   owner after a handover), for the page and the API alike;
//! - [`openapi`]: the API's OpenAPI 3.1 document, written by hand, committed as
//!   `agents/openapi.json` (a test fails when it is stale, and another when a route of the
//!   API or the operations endpoints is not in it, or it lists one that is not served);
//! - `routes`: the route tables the API's and the operations endpoints' routers are built
//!   from (method, path, handler);
//! - `ops`: `GET /healthz`, `GET /readyz` and `GET /metrics` for operations, without a token
//!   (they carry no personal data), beside the older `GET /health`.
//!
//! The server speaks TLS (rustls) when `[http.tls]` names a certificate, and refuses to
//! listen beyond loopback without it. It never logs message bodies: only ids, types and
//! outcomes.

mod actions;
pub mod api;
mod consents;
pub mod openapi;
mod ops;
mod routes;
mod sent;
pub mod sign_in;
mod web;
pub mod words;

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
    /// The page's TLS certificate and key; required to listen beyond loopback.
    #[serde(default)]
    pub tls: Option<TlsSettings>,
    /// The agency's OpenID Connect provider, through which caseworkers sign in to the page.
    /// Without it the page signs nobody in (the API works regardless).
    #[serde(default)]
    pub sign_in: Option<sign_in::SignInSettings>,
    /// Minutes a page session lives without use; 30 when unset.
    #[serde(default)]
    pub session_idle_minutes: Option<u64>,
    /// Hours a page session lives at most, however much it is used; 8 when unset.
    #[serde(default)]
    pub session_lifetime_hours: Option<u64>,
}

/// The `[http.tls]` section: PEM files of the page's certificate chain and private key.
#[derive(Debug, Clone, Deserialize)]
pub struct TlsSettings {
    /// The certificate chain, leaf first.
    pub cert_file: std::path::PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: std::path::PathBuf,
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

/// How long a caseworker's sign-in lasts at most, unless `http.session_lifetime_hours` says
/// otherwise.
const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// How long a caseworker's sign-in lasts without use, unless `http.session_idle_minutes` says
/// otherwise: a page left open on an unattended PC signs out by itself.
const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// At most, however much the session is used.
    pub lifetime: Duration,
    /// Without use.
    pub idle: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            lifetime: SESSION_LIFETIME,
            idle: SESSION_IDLE,
        }
    }
}

/// A page session: who signed in, when it began (the absolute limit), when it was last used
/// (the idle limit), and the browser it was made for.
#[derive(Debug, Clone)]
struct Session {
    caseworker: sign_in::Caseworker,
    started: Instant,
    last_used: Instant,
    /// A hash of the browser's `User-Agent`: a cookie replayed by another program does not
    /// carry the session along.
    browser: [u8; 32],
}

impl Session {
    fn live(&self, now: Instant, limits: SessionLimits) -> bool {
        now.duration_since(self.started) < limits.lifetime
            && now.duration_since(self.last_used) < limits.idle
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
    session_limits: SessionLimits,
    sign_in: Option<Arc<sign_in::SignIn>>,
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
                session_limits: SessionLimits::default(),
                sign_in: None,
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

    /// The state with the agency's OpenID Connect provider for the page's sign-in, and the
    /// sessions' limits. Set before the state is shared.
    pub fn with_sign_in(
        mut self,
        sign_in: Option<Arc<sign_in::SignIn>>,
        limits: SessionLimits,
    ) -> Self {
        let inner =
            Arc::get_mut(&mut self.inner).expect("the sign-in is set before the state is shared");
        inner.sign_in = sign_in;
        inner.session_limits = limits;
        self
    }

    fn sign_in(&self) -> Option<&sign_in::SignIn> {
        self.inner.sign_in.as_deref()
    }

    fn session_limits(&self) -> SessionLimits {
        self.inner.session_limits
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

    /// A new page session of `caseworker` in the browser of `user_agent`; forgets expired
    /// ones.
    fn new_session(&self, caseworker: sign_in::Caseworker, user_agent: &str) -> String {
        let id = hex::encode(rand::random::<[u8; 32]>());
        let now = Instant::now();
        let limits = self.session_limits();
        let mut sessions = self.inner.sessions.lock().expect("sessions lock");
        sessions.retain(|_, session| session.live(now, limits));
        sessions.insert(
            id.clone(),
            Session {
                caseworker,
                started: now,
                last_used: now,
                browser: Sha256::digest(user_agent.as_bytes()).into(),
            },
        );
        id
    }

    /// The CSRF token of a page session: every form of the page carries it, and a POST
    /// without it is refused. An HMAC of the session id under a key of this process's, so it
    /// needs no storage and dies with the session.
    fn csrf_token(&self, session: &str) -> String {
        broker::web::csrf_token(&self.inner.csrf_key, session)
    }

    /// Whether a form's token is `session`'s.
    fn csrf_matches(&self, session: &str, presented: &str) -> bool {
        broker::web::csrf_matches(&self.inner.csrf_key, session, presented)
    }

    /// The caseworker of a live session (within both the absolute and the idle limit, in
    /// the browser it was made for); using it counts as use.
    fn session(&self, id: &str, user_agent: &str) -> Option<sign_in::Caseworker> {
        self.session_at(id, user_agent, Instant::now())
    }

    fn session_at(&self, id: &str, user_agent: &str, now: Instant) -> Option<sign_in::Caseworker> {
        let limits = self.session_limits();
        let browser: [u8; 32] = Sha256::digest(user_agent.as_bytes()).into();
        let mut sessions = self.inner.sessions.lock().expect("sessions lock");
        match sessions.get_mut(id) {
            Some(session) if session.live(now, limits) && session.browser == browser => {
                session.last_used = now;
                Some(session.caseworker.clone())
            }
            Some(session) if session.live(now, limits) => None,
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    /// A session of `caseworker` for a client that sends no `User-Agent`, as the `Cookie`
    /// header's value.
    #[cfg(test)]
    pub(crate) fn test_session(&self, caseworker: sign_in::Caseworker) -> String {
        format!("{}={}", web::COOKIE, self.new_session(caseworker, ""))
    }

    /// Ends a session; the caseworker it was, for the provider's sign-out.
    fn end_session(&self, id: &str) -> Option<sign_in::Caseworker> {
        self.inner
            .sessions
            .lock()
            .expect("sessions lock")
            .remove(id)
            .map(|s| s.caseworker)
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
    serve_with(listener, state, &HttpSettings::default(), None, shutdown).await
}

/// Serves on `listener` under `settings`' allowed host names and timeouts until `shutdown`
/// completes, then finishes the requests in hand.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    settings: &HttpSettings,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?.to_string();
    let listen = settings.listen.as_deref().unwrap_or(&local);
    let mut allowed = settings.allowed_hosts.clone();
    allowed.push(local.clone());
    // The page's own host name, where caseworkers' browsers reach it.
    if let Some(host) = settings
        .sign_in
        .as_ref()
        .and_then(|s| reqwest::Url::parse(&s.public_url).ok())
        .and_then(|url| url.host_str().map(str::to_owned))
    {
        allowed.push(host);
    }
    let app = broker::web::guard(
        router(state),
        broker::web::AllowedHosts::new(Some(listen), &allowed),
    );
    broker::web::serve_tls(listener, app, settings.limits(), tls, shutdown).await
}

/// The TLS acceptor of `settings`, if they name a certificate; an error when the server would
/// listen beyond loopback without one.
pub fn tls_of(settings: &HttpSettings) -> anyhow::Result<Option<tokio_rustls::TlsAcceptor>> {
    let listen = settings.listen.as_deref().unwrap_or("127.0.0.1:0");
    match &settings.tls {
        Some(tls) => broker::web::tls_acceptor(&tls.cert_file, &tls.key_file)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("http.tls: {e}")),
        None if listens_on_loopback(listen) => Ok(None),
        None => anyhow::bail!(
            "http.listen {listen} is reachable beyond this machine, and the page and API carry \
             personal data: set http.tls.cert_file and http.tls.key_file, or listen on \
             127.0.0.1"
        ),
    }
}

/// Whether a listen address is on loopback only.
fn listens_on_loopback(listen: &str) -> bool {
    let host = listen
        .rsplit_once(':')
        .map_or(listen, |(host, _)| host)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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

    /// Serves until `stop` resolves, then stops as [`Running::stop`] does. Ends earlier, with
    /// the server's error if it has one, when the server stops by itself.
    pub async fn serve_until(mut self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        tokio::select! {
            ended = &mut self.task => ended
                .context("the HTTP server task failed")?
                .context("the HTTP server failed"),
            () = stop => self.stop().await,
        }
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
    let tls = tls_of(settings)?;
    let sign_in = match &settings.sign_in {
        Some(sign_in) => Some(Arc::new(sign_in::SignIn::new(sign_in.clone())?)),
        None => {
            warn!(
                agency = %agent,
                "http.sign_in is not set: nobody can sign in to the page (the API works)"
            );
            None
        }
    };
    let limits = SessionLimits {
        lifetime: settings
            .session_lifetime_hours
            .map_or(SESSION_LIFETIME, |h| Duration::from_secs(h.max(1) * 3600)),
        idle: settings
            .session_idle_minutes
            .map_or(SESSION_IDLE, |m| Duration::from_secs(m.max(1) * 60)),
    };
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr()?;
    info!(agency = %agent, %address, tls = tls.is_some(), "HTTP API and inbox page listening");
    let (stop, stopped) = oneshot::channel::<()>();
    let settings = settings.clone();
    let task = tokio::spawn(async move {
        serve_with(
            listener,
            AppState::with_metrics(store, agent, token, metrics)
                .with_pseudonym_key(pseudonym_key)
                .with_api_tokens(settings.api_tokens.clone())
                .with_sign_in(sign_in, limits),
            &settings,
            tls,
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
        let t = crate::testing::TempStore::new().await;
        let state = AppState::new(
            t.store.clone(),
            AgencyId::try_from("dk-test").unwrap(),
            Token::new("t"),
        );
        let who = || sign_in::Caseworker::new("mette", "Mette Holm", &[sign_in::Role::Caseworker]);
        let start = Instant::now();
        let used = state.new_session(who(), "Chromium");
        let idle = state.new_session(who(), "Chromium");
        // Used every 20 minutes, a session lives on; left alone for 30, it ends.
        for minutes in [20, 40, 60] {
            let at = start + Duration::from_secs(minutes * 60);
            assert!(
                state.session_at(&used, "Chromium", at).is_some(),
                "{minutes} min"
            );
        }
        assert!(
            state
                .session_at(
                    &idle,
                    "Chromium",
                    start + SESSION_IDLE + Duration::from_secs(1)
                )
                .is_none()
        );
        // However much it is used, it ends after its lifetime.
        let mut at = start;
        while at < start + SESSION_LIFETIME - Duration::from_secs(60) {
            at += Duration::from_secs(20 * 60);
            state.session_at(
                &used,
                "Chromium",
                at.min(start + SESSION_LIFETIME - Duration::from_secs(1)),
            );
        }
        let end = start + SESSION_LIFETIME + Duration::from_secs(1);
        assert!(state.session_at(&used, "Chromium", end).is_none());
    }

    #[tokio::test]
    async fn a_session_is_bound_to_the_browser_it_was_made_for() {
        let t = crate::testing::TempStore::new().await;
        let state = AppState::new(
            t.store.clone(),
            AgencyId::try_from("dk-test").unwrap(),
            Token::new("t"),
        );
        let mette = sign_in::Caseworker::new("mette", "Mette Holm", &[sign_in::Role::Caseworker]);
        let id = state.new_session(mette, "Mozilla/5.0 Chromium");
        assert!(
            state.session(&id, "curl/8.0").is_none(),
            "a replayed cookie"
        );
        let back = state
            .session(&id, "Mozilla/5.0 Chromium")
            .expect("the browser itself");
        assert_eq!(back.name, "Mette Holm");
        assert_eq!(
            state.end_session(&id).map(|c| c.subject),
            Some("mette".into())
        );
        assert!(state.session(&id, "Mozilla/5.0 Chromium").is_none());
    }

    #[test]
    fn only_loopback_listens_without_tls() {
        assert!(listens_on_loopback("127.0.0.1:8701"));
        assert!(listens_on_loopback("[::1]:8701"));
        assert!(listens_on_loopback("localhost:8701"));
        assert!(!listens_on_loopback("0.0.0.0:8701"));
        assert!(!listens_on_loopback("10.1.2.3:8701"));
        let open = HttpSettings {
            listen: Some("0.0.0.0:8701".into()),
            ..Default::default()
        };
        let Err(error) = tls_of(&open) else {
            panic!("listening on every address without TLS must be refused")
        };
        let error = error.to_string();
        assert!(error.contains("http.tls.cert_file"), "{error}");
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
