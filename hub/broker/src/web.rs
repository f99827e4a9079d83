//! What every HTTP listener of the hub and the agents shares: serving with a header-read
//! timeout, the Host check, the refusal of cross-origin writes, and the security headers.
//!
//! - [`serve`]: HTTP/1.1 on hyper with a timer, so a connection that does not finish its
//!   request head within [`Limits::header_read`] (also an idle keep-alive connection, which
//!   is waiting for its next head) is closed; axum's own `serve` sets no timer, and
//!   connections with unfinished headers stayed open without end;
//! - [`AllowedHosts`] and [`guard`]: a request whose `Host` is not one of the configured
//!   names (plus the loopback forms) is answered 421 before any route runs, so a DNS-rebinding
//!   page cannot read the pages or `/metrics` through the browser of someone on the host;
//! - [`guard`] also refuses, with 403, a request other than GET, HEAD or OPTIONS whose
//!   `Origin` (or, lacking it, `Referer`) is another origin ([`same_origin`]), and adds
//!   `Content-Security-Policy` (unless the handler set its own), `X-Frame-Options: DENY`,
//!   `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin` to every response.
//!
//! - [`escape`], [`cookie`] and [`html`]: the one HTML escaping, cookie reading and page
//!   response (type and `Cache-Control: no-store`) of every page the hub and the agents
//!   write; [`session_cookie`] and [`ended_cookie`] the one way to set and clear a session
//!   cookie; [`csrf_token`] and [`csrf_matches`] the form token bound to a session.
//! - [`Lang`]: the languages of the pages, and the reading of `Accept-Language`.
//! - [`ops`]: what the operations endpoints share (`/healthz`, the readiness answer from
//!   named checks, the metrics exposition's media type).
//!
//! `Referrer-Policy` is `same-origin`, not `no-referrer`: both send nothing to other sites,
//! but under `no-referrer` browsers send `Origin: null` with the page's own form posts, which
//! the origin check must refuse.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::Service;

pub mod lang;
pub mod ops;
pub use lang::Lang;

/// The policy for pages: nothing from elsewhere, no script, styles and images only from the
/// server itself, forms only to it, and never inside another page's frame.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Time limits of a listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request head, from the connection's start or
    /// from the end of its previous response (so also how long an idle connection stays).
    pub header_read: Duration,
    /// How long, at shutdown, requests in hand may take to finish.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the connections in
/// hand finish their requests (at most `limits.drain`). Each request carries the client's
/// address as [`ConnectInfo<std::net::SocketAddr>`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_tls(listener, router, limits, None, shutdown).await
}

/// As [`serve`], over TLS when `tls` is given: each connection's handshake must finish within
/// `limits.header_read`, and one that fails is closed without touching the router.
pub async fn serve_tls(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting an HTTP connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            async move { Ok::<_, Infallible>(router.call(request).await.into_response()) }
        });
        let http = http.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            // A client that goes away, times out or fails its handshake is its own business,
            // not an error of ours.
            match tls {
                None => {
                    let _ = watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await;
                }
                Some(tls) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(limits.header_read, tls.accept(stream)).await
                    else {
                        return;
                    };
                    let _ = watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await;
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("HTTP connections still open at the end of the drain; closing them");
    }
    Ok(())
}

/// A TLS acceptor from a PEM certificate chain and its PEM private key, for a listener of
/// [`serve_tls`]; HTTP/1.1 only, TLS 1.2 and 1.3 (rustls with ring).
pub fn tls_acceptor(
    cert_file: &std::path::Path,
    key_file: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("reading the certificate {}: {e}", cert_file.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate", cert_file.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| format!("reading the private key {}: {e}", key_file.display()))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS settings: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)))
}

/// The host names a server answers to: the configured ones, the host of its listen address
/// (unless it is a wildcard), and the loopback forms `localhost`, `127.0.0.1` and `[::1]`.
/// Ports are not compared: the listener already chose the port.
#[derive(Debug, Clone)]
pub struct AllowedHosts(Arc<Vec<String>>);

impl AllowedHosts {
    /// The names from `listen` (e.g. `127.0.0.1:8701`) and `configured`.
    pub fn new(listen: Option<&str>, configured: &[String]) -> Self {
        let mut names: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        if let Some(host) = listen.map(host_part)
            && !matches!(host.as_str(), "0.0.0.0" | "[::]" | "")
        {
            names.push(host);
        }
        names.extend(configured.iter().map(|n| host_part(n)));
        names.sort();
        names.dedup();
        Self(Arc::new(names))
    }

    /// Whether a `Host` header value names this server.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_part(host);
        !name.is_empty() && self.0.contains(&name)
    }
}

/// The host of a `host[:port]` value, lower-cased, without a trailing dot; IPv6 addresses
/// keep their brackets.
fn host_part(value: &str) -> String {
    let value = value.trim();
    let host = if value.starts_with('[') {
        value.split_inclusive(']').next().unwrap_or(value)
    } else if let Some((host, port)) = value.rsplit_once(':')
        && port.chars().all(|c| c.is_ascii_digit())
    {
        host
    } else {
        value
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a request that changes something comes from a page of this server: its `Origin`,
/// or lacking that its `Referer`, names the same host and port as its `Host`. A request with
/// neither is not from a browser page (browsers send `Origin` with every POST), so it is not
/// a cross-site forgery and passes; `Origin: null` does not.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let claimed = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return true,
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let Ok(claimed) = claimed.to_str() else {
        return false;
    };
    let Some(rest) = claimed
        .strip_prefix("http://")
        .or_else(|| claimed.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.eq_ignore_ascii_case(host)
}

/// Escapes text for HTML element content and quoted attribute values (`&`, `<`, `>`, `"`
/// and `'`), exactly as the pages' askama templates escape every value they write, so a
/// text reads the same byte for byte whether a template or Rust code escaped it.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The value of the cookie `wanted`, if the request carries it (in any `Cookie` header).
pub fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
}

/// A page: HTML in UTF-8, never stored by a browser or a proxy (pages carry personal or
/// confidential data). [`guard`] adds the security headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A session cookie's `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, `Path=/`, for
/// `max_age_seconds`, and `Secure` when `secure` (then a `__Host-` name is kept by browsers
/// only from HTTPS, for this host alone).
pub fn session_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_seconds}{secure}")
}

/// The `Set-Cookie` value that ends the session cookie `name` in the browser.
pub fn ended_cookie(name: &str, secure: bool) -> String {
    session_cookie(name, "", 0, secure)
}

/// The token a page's forms carry for `session`: an HMAC-SHA256 of the session under `key`
/// (a key of the process, or a secret of the session itself where several processes must
/// agree). Another site cannot read it, so a form it makes cannot carry it.
pub fn csrf_token(key: &[u8], session: &str) -> String {
    use hmac::Mac;
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"csrf\0");
    mac.update(session.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `presented` is the token of `session` under `key` (compared in constant time).
pub fn csrf_matches(key: &[u8], session: &str, presented: &str) -> bool {
    let expected = csrf_token(key, session);
    subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), presented.as_bytes()).into()
}

/// `router` behind the Host check, the cross-origin refusal and the security headers.
pub fn guard(router: Router, allowed: AllowedHosts) -> Router {
    router
        .layer(middleware::from_fn(headers_and_origin))
        .layer(middleware::from_fn_with_state(allowed, check_host))
}

async fn check_host(State(allowed): State<AllowedHosts>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match host {
        Some(host) if allowed.allows(&host) => next.run(request).await,
        Some(_) => plain(
            StatusCode::MISDIRECTED_REQUEST,
            "This server does not answer to that host name.\n",
        ),
        None => plain(StatusCode::BAD_REQUEST, "A Host header is required.\n"),
    }
}

async fn headers_and_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut response = if !safe && !same_origin(request.headers()) {
        plain(
            StatusCode::FORBIDDEN,
            "Refused: this request was sent from another site. Open the page and try again.\n",
        )
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn plain(status: StatusCode, words: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        words,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_no_way_out_of_a_quoted_attribute() {
        let hostile = r#"<script>alert('x')</script>" onmouseover="x" & 'y'"#;
        let escaped = escape(hostile);
        for c in ['<', '>', '"', '\''] {
            assert!(!escaped.contains(c), "{c} left in {escaped}");
        }
        assert_eq!(
            escape("Københavns Kommune & Co"),
            "Københavns Kommune &#38; Co"
        );
        assert_eq!(
            escape("a&#38;b"),
            "a&#38;#38;b",
            "escaped text is escaped again"
        );
        // Byte for byte as a page's template writes it.
        #[derive(askama::Template)]
        #[template(source = "{{ text }}", ext = "html")]
        struct Shown<'a> {
            text: &'a str,
        }
        let shown = askama::Template::render(&Shown { text: hostile }).unwrap();
        assert_eq!(escaped, shown);
    }

    #[test]
    fn a_csrf_token_belongs_to_its_session_and_its_key() {
        let token = csrf_token(b"key one", "session a");
        assert!(csrf_matches(b"key one", "session a", &token));
        assert!(!csrf_matches(b"key one", "session b", &token));
        assert!(!csrf_matches(b"key two", "session a", &token));
        assert!(!csrf_matches(b"key one", "session a", ""));
        assert_eq!(token.len(), 64);
    }

    #[test]
    fn session_cookies_are_strict_http_only_and_secure_when_asked() {
        let c = session_cookie("__Host-s", "abc", 60, true);
        assert_eq!(
            c,
            "__Host-s=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60; Secure"
        );
        assert_eq!(
            ended_cookie("hub_session", false),
            "hub_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn a_cookie_is_found_in_any_cookie_header_by_its_exact_name() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; session_x=2"));
        h.append(header::COOKIE, HeaderValue::from_static("session=3"));
        assert_eq!(cookie(&h, "session").as_deref(), Some("3"));
        assert_eq!(cookie(&h, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn hosts_are_compared_by_name_without_port() {
        let allowed = AllowedHosts::new(Some("127.0.0.1:8701"), &["Hub.Example.org".into()]);
        for ok in [
            "127.0.0.1:8701",
            "127.0.0.1",
            "localhost:9",
            "LOCALHOST",
            "[::1]:8701",
            "hub.example.org",
            "hub.example.org.:443",
        ] {
            assert!(allowed.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:8701",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "[::2]:8701",
            "",
        ] {
            assert!(!allowed.allows(refused), "{refused}");
        }
        let wildcard = AllowedHosts::new(Some("0.0.0.0:80"), &[]);
        assert!(!wildcard.allows("0.0.0.0"));
        assert!(!wildcard.allows("evil.example"));
    }

    #[test]
    fn writes_must_come_from_the_same_origin() {
        let headers = |pairs: &[(header::HeaderName, &'static str)]| {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                h.insert(name.clone(), HeaderValue::from_static(value));
            }
            h
        };
        let host = (header::HOST, "127.0.0.1:8701");
        let cases = [
            (vec![host.clone()], true),
            (
                vec![host.clone(), (header::ORIGIN, "http://127.0.0.1:8701")],
                true,
            ),
            (
                vec![host.clone(), (header::ORIGIN, "https://127.0.0.1:8701")],
                true,
            ),
            (
                vec![host.clone(), (header::ORIGIN, "http://evil.example")],
                false,
            ),
            (
                vec![host.clone(), (header::ORIGIN, "http://127.0.0.1:9999")],
                false,
            ),
            (vec![host.clone(), (header::ORIGIN, "null")], false),
            (
                vec![
                    host.clone(),
                    (header::REFERER, "http://127.0.0.1:8701/login?x"),
                ],
                true,
            ),
            (
                vec![
                    host.clone(),
                    (header::REFERER, "http://127.0.0.1:8701.evil.example/"),
                ],
                false,
            ),
            (
                vec![
                    host.clone(),
                    (header::ORIGIN, "http://evil.example"),
                    (header::REFERER, "http://127.0.0.1:8701/"),
                ],
                false,
            ),
            (vec![(header::ORIGIN, "http://127.0.0.1:8701")], false),
        ];
        for (pairs, expected) in cases {
            assert_eq!(same_origin(&headers(&pairs)), expected, "{pairs:?}");
        }
    }
}
