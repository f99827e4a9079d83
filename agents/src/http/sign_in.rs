//! Caseworkers sign in to the page personally, through their agency's OpenID Connect
//! provider (Entra ID, ID-porten, a MitID Erhverv broker, a municipal IdP).
//!
//! The flow is the authorization code flow with PKCE (S256), `state` and `nonce`
//! ([`openidconnect`] does discovery, the code exchange and the ID token's checks: signature
//! against the provider's published keys, issuer, audience, expiry, nonce):
//!
//! 1. `GET /login/start`: the agent makes a fresh state, nonce and PKCE verifier, keeps them
//!    (at most [`PENDING_LIFETIME`], once), sets the state in a short `__Host-` cookie that
//!    binds the flow to this browser, and sends the browser to the provider;
//! 2. the caseworker signs in at the provider, which sends the browser back to
//!    `GET /auth/callback?code=…&state=…`;
//! 3. the agent takes the pending sign-in of that state (only with the browser's matching
//!    cookie), exchanges the code with the verifier, verifies the ID token with the nonce, and
//!    reads the caseworker's subject, name and roles. A caseworker with none of the
//!    configured roles gets no session.
//!
//! Roles come from a configurable claim (`roles` by default; `groups` for providers that send
//! group ids) mapped to the three roles of the domain: caseworker, coordinator,
//! administrator. The provider's discovery document is fetched when first needed and kept
//! for [`PROVIDER_TTL`]; when the provider cannot be reached the page says so and the agent
//! goes on exchanging messages.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    TokenResponse,
};
use serde::Deserialize;
use tracing::{info, warn};

use super::Token;

/// How long a started sign-in may take at the provider.
pub const PENDING_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// How long the provider's discovery document and keys are kept before they are fetched
/// again (a provider rotates its keys now and then).
pub const PROVIDER_TTL: Duration = Duration::from_secs(60 * 60);

/// Started sign-ins kept at most at once; older ones are forgotten first.
const MAX_PENDING: usize = 10_000;

/// The `[http.sign_in]` section of the agent's settings.
#[derive(Debug, Clone, Deserialize)]
pub struct SignInSettings {
    /// The provider's issuer URL, as its discovery document states it (for Entra ID
    /// `https://login.microsoftonline.com/<tenant>/v2.0`). HTTPS, except on loopback.
    pub issuer: String,
    /// The client id the provider gave this agent.
    pub client_id: String,
    /// The client secret (`AGENT__HTTP__SIGN_IN__CLIENT_SECRET`).
    #[serde(default)]
    pub client_secret: Option<Token>,
    /// The page's own address as caseworkers' browsers reach it, e.g.
    /// `https://kobenhavn.agent.example.dk`; the provider sends them back to
    /// `<public_url>/auth/callback`.
    pub public_url: String,
    /// The claim that holds the caseworker's roles or groups; `roles` when unset.
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Which values of that claim give which role.
    #[serde(default)]
    pub roles: RoleValues,
    /// Scopes asked for besides `openid`; `profile` and `roles` when unset.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// A PEM file of extra certificate authorities for the provider's TLS (a municipal IdP
    /// under the agency's own CA); the system's roots are trusted as well.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
}

fn default_roles_claim() -> String {
    "roles".into()
}

fn default_scopes() -> Vec<String> {
    vec!["profile".into(), "roles".into()]
}

/// The claim values that give each role (several values may give one role, e.g. the group
/// ids of an Entra ID tenant).
#[derive(Debug, Clone, Deserialize)]
pub struct RoleValues {
    /// Values giving the caseworker role.
    #[serde(default = "caseworker")]
    pub caseworker: Vec<String>,
    /// Values giving the coordinator role.
    #[serde(default = "coordinator")]
    pub coordinator: Vec<String>,
    /// Values giving the administrator role.
    #[serde(default = "administrator")]
    pub administrator: Vec<String>,
}

fn caseworker() -> Vec<String> {
    vec!["caseworker".into()]
}
fn coordinator() -> Vec<String> {
    vec!["coordinator".into()]
}
fn administrator() -> Vec<String> {
    vec!["administrator".into()]
}

impl Default for RoleValues {
    fn default() -> Self {
        Self {
            caseworker: caseworker(),
            coordinator: coordinator(),
            administrator: administrator(),
        }
    }
}

/// What a signed-in person may do on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads and sends for the agency's cases.
    Caseworker,
    /// A caseworker who also sees escalations and the access log.
    Coordinator,
    /// Settings and the agent's state; no case data.
    Administrator,
}

impl Role {
    /// The role as the page names it.
    pub fn words(self) -> &'static str {
        match self {
            Role::Caseworker => "Caseworker",
            Role::Coordinator => "Coordinator",
            Role::Administrator => "Administrator",
        }
    }
}

/// The signed-in person: the provider's subject, their name and roles.
#[derive(Debug, Clone)]
pub struct Caseworker {
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    /// Their name as the provider gives it (`name`, else `preferred_username`, else the
    /// subject).
    pub name: String,
    /// Their roles at this agent; never empty.
    pub roles: BTreeSet<Role>,
    /// Their language as the provider gives it (`locale`, e.g. `da-DK`), if it does.
    pub locale: Option<String>,
    /// The ID token, for the provider's sign-out (`id_token_hint`).
    id_token: Option<String>,
}

impl Caseworker {
    /// A signed-in person, for tests of the page.
    pub fn new(subject: &str, name: &str, roles: &[Role]) -> Self {
        Self {
            subject: subject.into(),
            name: name.into(),
            roles: roles.iter().copied().collect(),
            locale: None,
            id_token: None,
        }
    }

    /// Whether they hold `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether they may read and send case data (caseworkers and coordinators).
    pub fn works_cases(&self) -> bool {
        self.has(Role::Caseworker) || self.has(Role::Coordinator)
    }

    /// How the access log names them: their name and, in brackets, the provider's subject,
    /// so two people of one name stay apart.
    pub fn log_name(&self) -> String {
        format!("{} ({})", self.name, self.subject)
    }

    /// Their roles, as the page lists them.
    pub fn role_words(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.words())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a sign-in did not give a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The provider could not be reached or answered nonsense; nothing about the person.
    #[error("the sign-in service cannot be reached: {0}")]
    ProviderDown(String),
    /// The answer failed a check (state, code, ID token); the person should start again.
    #[error("the sign-in was not accepted: {0}")]
    Refused(String),
    /// The person signed in but holds none of the agent's roles.
    #[error("the signed-in person has no role at this agent")]
    NoRole,
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The provider as discovered: the configured client, and where sign-out ends its session.
struct Provider {
    client: Client,
    end_session: Option<EndSessionUrl>,
    fetched: Instant,
}

/// A sign-in started at `/login/start`, waiting for the provider's answer.
struct Pending {
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    started: Instant,
}

/// The agent's side of OpenID Connect.
pub struct SignIn {
    settings: SignInSettings,
    redirect: RedirectUrl,
    signed_out: PostLogoutRedirectUrl,
    http: reqwest::Client,
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    pending: Mutex<HashMap<String, Pending>>,
}

/// The HTTP client errors the provider's calls can meet.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(String);

impl SignIn {
    /// The sign-in of `settings`; checks the URLs, and that the issuer is HTTPS unless it is
    /// on this machine.
    pub fn new(settings: SignInSettings) -> anyhow::Result<Self> {
        let issuer = reqwest::Url::parse(&settings.issuer)
            .map_err(|e| anyhow::anyhow!("http.sign_in.issuer {:?}: {e}", settings.issuer))?;
        let loopback = matches!(issuer.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        anyhow::ensure!(
            issuer.scheme() == "https" || loopback,
            "http.sign_in.issuer must be an https:// address (plain http only on this machine)"
        );
        let public = settings.public_url.trim_end_matches('/');
        let redirect = RedirectUrl::new(format!("{public}/auth/callback"))
            .map_err(|e| anyhow::anyhow!("http.sign_in.public_url {public:?}: {e}"))?;
        let signed_out = PostLogoutRedirectUrl::new(format!("{public}/signed-out"))
            .map_err(|e| anyhow::anyhow!("http.sign_in.public_url {public:?}: {e}"))?;
        // No redirects: a provider's endpoint that redirects is a misconfiguration, and
        // following one would let a forged answer lead the agent elsewhere (SSRF).
        let mut http = broker::http_client()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10));
        if let Some(file) = &settings.ca_file {
            let pem = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("http.sign_in.ca_file {}: {e}", file.display()))?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
                http = http.add_root_certificate(cert);
            }
        }
        Ok(Self {
            settings,
            redirect,
            signed_out,
            http: http.build()?,
            provider: tokio::sync::Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
        })
    }

    /// The provider's metadata and keys, fetched when first needed or when older than
    /// [`PROVIDER_TTL`] (or `refresh`).
    async fn provider(&self, refresh: bool) -> Result<Arc<Provider>, SignInError> {
        let mut cached = self.provider.lock().await;
        if let Some(provider) = cached.as_ref()
            && !refresh
            && provider.fetched.elapsed() < PROVIDER_TTL
        {
            return Ok(provider.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| SignInError::ProviderDown(e.to_string()))?;
        let http = self.http_client();
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
            .await
            .map_err(|e| {
                warn!(error = %e, "the sign-in provider's discovery failed");
                SignInError::ProviderDown(e.to_string())
            })?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.0.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        let provider = Arc::new(Provider {
            client,
            end_session,
            fetched: Instant::now(),
        });
        *cached = Some(provider.clone());
        Ok(provider)
    }

    /// An HTTP client for [`openidconnect`]'s calls, on the agent's own `reqwest`.
    fn http_client(
        &self,
    ) -> impl Fn(
        openidconnect::HttpRequest,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpFailure>>
                + Send,
        >,
    > + use<> {
        let http = self.http.clone();
        move |request: openidconnect::HttpRequest| {
            let http = http.clone();
            Box::pin(async move {
                let request =
                    reqwest::Request::try_from(request).map_err(|e| HttpFailure(e.to_string()))?;
                let response = http
                    .execute(request)
                    .await
                    .map_err(|e| HttpFailure(e.to_string()))?;
                let mut out = openidconnect::http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    out = out.header(name, value);
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| HttpFailure(e.to_string()))?;
                out.body(body.to_vec())
                    .map_err(|e| HttpFailure(e.to_string()))
            })
        }
    }

    /// Starts a sign-in: the provider's address to send the browser to, and the state that
    /// the browser's cookie must hold when it comes back.
    pub async fn start(&self) -> Result<(String, String), SignInError> {
        let provider = self.provider(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let now = Instant::now();
        let mut pending = self.pending.lock().expect("pending sign-ins lock");
        pending.retain(|_, p| now.duration_since(p.started) < PENDING_LIFETIME);
        if pending.len() >= MAX_PENDING {
            // Someone is starting sign-ins without finishing them; the oldest go first.
            if let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, p)| p.started)
                .map(|(k, _)| k.clone())
            {
                pending.remove(&oldest);
            }
        }
        pending.insert(
            state.secret().clone(),
            Pending {
                nonce,
                verifier,
                started: now,
            },
        );
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Finishes the sign-in of `state` with the provider's `code`: the signed-in caseworker.
    /// Each started sign-in finishes at most once.
    pub async fn finish(&self, state: &str, code: &str) -> Result<Caseworker, SignInError> {
        let pending = self
            .pending
            .lock()
            .expect("pending sign-ins lock")
            .remove(state)
            .filter(|p| p.started.elapsed() < PENDING_LIFETIME)
            .ok_or_else(|| {
                SignInError::Refused("no sign-in of this browser is waiting for this answer".into())
            })?;
        let provider = self.provider(false).await?;
        let http = self.http_client();
        let tokens = provider
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SignInError::ProviderDown(e.to_string()))?
            .set_pkce_verifier(pending.verifier)
            .request_async(&http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(e) => {
                    SignInError::Refused(format!("the provider refused the code: {e}"))
                }
                other => SignInError::ProviderDown(other.to_string()),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SignInError::Refused("the provider sent no ID token".into()))?;
        let verified = match self.verify(&provider, id_token, &pending.nonce) {
            Ok(caseworker) => caseworker,
            // A key the agent has not seen yet: the provider rotated its keys. Fetch them
            // once more and check again.
            Err(SignInError::Refused(_))
                if provider.fetched.elapsed() > Duration::from_secs(10) =>
            {
                let fresh = self.provider(true).await?;
                self.verify(&fresh, id_token, &pending.nonce)?
            }
            Err(e) => return Err(e),
        };
        info!(roles = %verified.role_words(), "a caseworker signed in to the page");
        Ok(verified)
    }

    fn verify(
        &self,
        provider: &Provider,
        id_token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<Caseworker, SignInError> {
        let claims = id_token
            .claims(&provider.client.id_token_verifier(), nonce)
            .map_err(|e| SignInError::Refused(format!("the ID token failed a check: {e}")))?;
        let subject = claims.subject().as_str().to_owned();
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .unwrap_or_else(|| subject.clone());
        // The token's signature is verified above, so its payload can be read for the role
        // claim, whatever shape the provider gives it.
        let payload = id_token_payload(&id_token.to_string())
            .ok_or_else(|| SignInError::Refused("the ID token cannot be read".into()))?;
        let roles = roles_of(&payload, &self.settings.roles_claim, &self.settings.roles);
        if roles.is_empty() {
            return Err(SignInError::NoRole);
        }
        Ok(Caseworker {
            subject,
            name,
            roles,
            locale: claims.locale().map(|l| l.as_str().to_owned()),
            id_token: Some(id_token.to_string()),
        })
    }

    /// Where to send the browser to end the caseworker's session at the provider too, when
    /// the provider supports it (RP-initiated logout); back to `/signed-out` afterwards.
    pub async fn sign_out_url(&self, caseworker: &Caseworker) -> Option<String> {
        let provider = self.provider(false).await.ok()?;
        let endpoint = provider.end_session.clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()))
            .set_post_logout_redirect_uri(self.signed_out.clone());
        if let Some(token) = caseworker
            .id_token
            .as_deref()
            .and_then(|t| t.parse::<CoreIdToken>().ok())
        {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }
}

/// The JSON payload of a JWT (not verified here).
fn id_token_payload(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The roles `claim` of `payload` gives: the claim may be a list of strings or one string of
/// space-separated values.
fn roles_of(payload: &serde_json::Value, claim: &str, values: &RoleValues) -> BTreeSet<Role> {
    let held: Vec<&str> = match payload.get(claim) {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).collect(),
        Some(serde_json::Value::String(text)) => text.split_whitespace().collect(),
        _ => Vec::new(),
    };
    let mut roles = BTreeSet::new();
    for (role, names) in [
        (Role::Caseworker, &values.caseworker),
        (Role::Coordinator, &values.coordinator),
        (Role::Administrator, &values.administrator),
    ] {
        if held.iter().any(|h| names.iter().any(|n| n == h)) {
            roles.insert(role);
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_come_from_the_configured_claim_in_either_shape() {
        let values = RoleValues::default();
        let listed = json!({"roles": ["caseworker", "coordinator", "other"]});
        assert_eq!(
            roles_of(&listed, "roles", &values),
            [Role::Caseworker, Role::Coordinator].into()
        );
        let spaced = json!({"roles": "administrator"});
        assert_eq!(
            roles_of(&spaced, "roles", &values),
            [Role::Administrator].into()
        );
        assert!(roles_of(&json!({"roles": []}), "roles", &values).is_empty());
        assert!(roles_of(&json!({"roles": 7}), "roles", &values).is_empty());
        assert!(roles_of(&listed, "groups", &values).is_empty());

        // Entra ID style: group ids mapped to roles.
        let groups = RoleValues {
            caseworker: vec!["5f1c-aaaa".into()],
            coordinator: vec!["77e0-bbbb".into()],
            administrator: vec![],
        };
        let entra = json!({"groups": ["77e0-bbbb", "caseworker"]});
        assert_eq!(
            roles_of(&entra, "groups", &groups),
            [Role::Coordinator].into()
        );
    }

    #[test]
    fn an_issuer_must_be_https_except_on_this_machine() {
        let settings = |issuer: &str| SignInSettings {
            issuer: issuer.into(),
            client_id: "agent".into(),
            client_secret: None,
            public_url: "https://kbh.agent.localhost:8701".into(),
            roles_claim: default_roles_claim(),
            roles: RoleValues::default(),
            scopes: default_scopes(),
            ca_file: None,
        };
        assert!(SignIn::new(settings("http://idp.example.dk")).is_err());
        assert!(SignIn::new(settings("http://localhost:8790")).is_ok());
        assert!(SignIn::new(settings("https://idp.example.dk/realms/kbh")).is_ok());
        assert!(SignIn::new(settings("not a url")).is_err());
    }

    #[test]
    fn a_payload_is_read_from_the_middle_part() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"mette.holm","roles":["caseworker"]}"#);
        let jwt = format!("e30.{payload}.c2ln");
        assert_eq!(id_token_payload(&jwt).unwrap()["sub"], json!("mette.holm"));
        assert!(id_token_payload("only-one-part").is_none());
    }
}
