//! Host hygiene and the web side's hardening (issue 14, findings 7 and 8): the broker's
//! `guest` administrator, the agent store's file modes, terminal escapes in printed text,
//! header-read timeouts, the Host check, framing headers, cross-origin logins, login
//! throttling without lockout, and no opening of a message by a GET.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use e2e::browser::{AgentWeb, TOKEN};
use e2e::{DEADLINE, TestEnv, draft, eventually, refusal};
use hub::http::dashboard::auth::{self, Role};
use schemas::Jurisdiction;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SUBJECT: &str = "ps-5d1e7a3c9b2f4e60";
const CASE: &str = "KBH-2026-0914";
const PASSWORD: &str = "correct horse battery staple";

fn client() -> reqwest::Client {
    broker::http_client()
        .add_root_certificate(e2e::browser::dev_ca())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn services_sh_leaves_no_guest_administrator_on_the_broker() {
    let env = TestEnv::new().await;
    let s = &env.services;
    let response = client()
        .get(format!("{}/api/users/guest", s.management_url))
        .basic_auth(&s.admin_user, Some(&s.admin_password))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404, "the user guest exists");
    let guest = client()
        .get(format!("{}/api/overview", s.management_url))
        .basic_auth("guest", Some("guest"))
        .send()
        .await
        .unwrap();
    assert_eq!(guest.status().as_u16(), 401, "guest/guest still signs in");
}

#[tokio::test]
async fn an_agent_store_is_readable_by_its_owner_only() {
    let root = std::env::temp_dir().join(format!("hygiene-store-{}", uuid::Uuid::new_v4()));
    // A new store.
    let fresh = root.join("fresh");
    let store = agent::Store::open(&fresh).await.unwrap();
    store.close().await;
    assert_eq!(mode(&fresh), 0o700);
    // An older agent's store, made with the usual umask, is tightened at start.
    let old = root.join("old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = agent::Store::open(&old).await.unwrap();
    store.close().await;
    std::fs::set_permissions(old.join("agent.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = agent::Store::open(&old).await.unwrap();
    for dir in [&fresh, &old] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        assert!(dir.join("agent.db").exists());
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn agent_show_prints_no_terminal_escapes_from_another_agency() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let mut notice = env.release_notice(&[&a.municipality]);
    let hostile = "Mette\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m Holm\u{202e}gpj.exe";
    notice["body"]["contact_officer"]["name"] = json!(hostile);
    let id = prison.send(&notice).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let message = eventually("the notice at the municipality", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_id == id)
    })
    .await;
    let text = agent::present::describe_for_terminal(&message, None, None);
    for raw in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(
            !text.contains(raw),
            "{raw:?} reaches the terminal: {text:?}"
        );
    }
    assert!(
        text.contains(r"Mette\x1b]0;pwned\x07\x1b[2J\x9b31m Holm\u{202e}gpj.exe"),
        "the text is shown, made visible: {text}"
    );
    hub.stop().await;
}

/// Opens `count` connections, sends half a request head on each, and returns how long until
/// every one of them was closed by the server (or panics after `limit`).
async fn half_heads_closed_within(address: &str, count: usize, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut streams = Vec::new();
    for _ in 0..count {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        streams.push(stream);
    }
    for mut stream in streams {
        let left = limit.saturating_sub(started.elapsed());
        let mut buf = [0u8; 512];
        let closed = tokio::time::timeout(left, async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {} // a 408 or similar answer before closing is fine
                }
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "a connection with half a head stays open after {limit:?}"
        );
    }
    started.elapsed()
}

#[tokio::test]
async fn connections_with_unfinished_headers_are_closed_by_the_agent_and_the_hub() {
    let env = TestEnv::with(&[("http.header_read_timeout_seconds", "2")]).await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    let hub_address = base.trim_start_matches("http://").to_owned();
    // Timeout 2 s; slack for a loaded two-core machine, far below "never".
    let took = half_heads_closed_within(&hub_address, 200, Duration::from_secs(20)).await;
    assert!(took >= Duration::from_millis(1500), "closed after {took:?}");

    let agency = env.start_agent(&env.agencies.municipality).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let settings = agent::http::HttpSettings {
        header_read_timeout_seconds: Some(2),
        ..Default::default()
    };
    let state = agent::http::AppState::new(
        agency.store.clone(),
        agency.id.clone(),
        agent::http::Token::new(TOKEN),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        agent::http::serve_with(listener, state, &settings, None, async move {
            let _ = stopped.await;
        })
        .await
    });
    let took = half_heads_closed_within(&address, 200, Duration::from_secs(20)).await;
    assert!(took >= Duration::from_millis(1500), "closed after {took:?}");
    // A complete request still gets its answer.
    let ok = client()
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    hub.stop().await;
}

async fn status_with_host(url: &str, host: &str) -> u16 {
    client()
        .get(url)
        .header("host", host)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_foreign_host_name_is_refused_on_metrics_and_pages() {
    let mut env = TestEnv::new().await;
    env.hub_settings.http.allowed_hosts = vec!["hub.example.org".to_owned()];
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    let agency = env.start_agent(&env.agencies.municipality).await;
    let web = AgentWeb::start(&agency).await;
    for url in [
        format!("{base}/metrics"),
        format!("{base}/login"),
        format!("{base}/dashboard/cases"),
        format!("{base}/register"),
        web.url("/metrics"),
        web.url("/login"),
        web.url("/"),
        web.url("/api/v1/inbox"),
    ] {
        assert_eq!(
            status_with_host(&url, "rebind.evil.example").await,
            421,
            "{url}"
        );
        assert_eq!(
            status_with_host(&url, "rebind.evil.example:80").await,
            421,
            "{url}"
        );
    }
    for (url, host) in [
        (format!("{base}/metrics"), "localhost"),
        (format!("{base}/metrics"), "hub.example.org"),
        (web.url("/metrics"), "127.0.0.1"),
    ] {
        assert_eq!(status_with_host(&url, host).await, 200, "{url} as {host}");
    }
    web.stop().await;
    hub.stop().await;
}

fn assert_not_frameable(response: &reqwest::Response, what: &str) {
    let h = response.headers();
    let csp = h
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert_eq!(
        h.get("x-frame-options").and_then(|v| v.to_str().ok()),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        h.get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff"),
        "{what}"
    );
}

#[tokio::test]
async fn pages_and_logins_cannot_be_framed_by_another_site() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    auth::add_user(&env.pool, "ana", Role::Analyst, Jurisdiction::DK, PASSWORD)
        .await
        .unwrap();
    let login = client().get(format!("{base}/login")).send().await.unwrap();
    assert_not_frameable(&login, "dashboard login");
    let cookie = sign_in(&base, "ana", PASSWORD, None).await.unwrap();
    let page = client()
        .get(format!("{base}/dashboard/cases"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_not_frameable(&page, "dashboard view");
    let css = client()
        .get(format!("{base}/assets/dashboard.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        css.status().as_u16(),
        200,
        "the pages' styles load under style-src 'self'"
    );

    let agency = env.start_agent(&env.agencies.municipality).await;
    let web = AgentWeb::start(&agency).await;
    let login = client().get(web.url("/login")).send().await.unwrap();
    assert_not_frameable(&login, "agent login");
    let cookie = agent_sign_in(&web).await;
    let inbox = client()
        .get(web.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status().as_u16(), 200);
    assert_not_frameable(&inbox, "agent inbox");
    web.stop().await;
    hub.stop().await;
}

/// Signs in to the dashboard, with `origin` as the `Origin` header if given.
async fn sign_in(
    base: &str,
    name: &str,
    password: &str,
    origin: Option<&str>,
) -> Result<String, (u16, String)> {
    let mut request = client()
        .post(format!("{base}/login"))
        .form(&[("name", name), ("password", password)]);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap().to_owned());
    match (status, cookie) {
        (303, Some(cookie)) => Ok(cookie),
        _ => Err((status, response.text().await.unwrap_or_default())),
    }
}

async fn agent_sign_in(web: &AgentWeb) -> String {
    web.sign_in_http(e2e::browser::people::ASTRID).await
}

#[tokio::test]
async fn a_login_posted_from_a_foreign_origin_is_refused() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    auth::add_user(&env.pool, "ana", Role::Analyst, Jurisdiction::DK, PASSWORD)
        .await
        .unwrap();
    for origin in ["http://evil.example", "null"] {
        let refused = sign_in(&base, "ana", PASSWORD, Some(origin)).await;
        assert_eq!(refused.map_err(|(s, _)| s), Err(403), "{origin}");
    }
    let refused = client()
        .post(format!("{base}/login"))
        .header("referer", "http://evil.example/login")
        .form(&[("name", "ana"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403, "a foreign Referer");
    let own = base.clone();
    assert!(sign_in(&base, "ana", PASSWORD, Some(&own)).await.is_ok());
    // The refusals were no failed attempts against the name.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM dashboard_login_throttle")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);

    // The agent's page and its state-changing routes, likewise.
    let agency = env.start_agent(&env.agencies.municipality).await;
    let web = AgentWeb::start(&agency).await;
    let cookie = agent_sign_in(&web).await;
    let response = web
        .client()
        .post(web.url("/logout"))
        .header("origin", "http://evil.example")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403, "a foreign sign-out");
    assert!(response.headers().get("set-cookie").is_none());
    let response = web
        .client()
        .post(web.url("/api/v1/keys/rotate"))
        .bearer_auth(TOKEN)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    web.stop().await;
    hub.stop().await;
}

#[tokio::test]
async fn wrong_passwords_slow_a_name_but_never_lock_out_its_owner() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    auth::add_user(&env.pool, "ana", Role::Analyst, Jurisdiction::DK, PASSWORD)
        .await
        .unwrap();
    // A known and an unknown name get the same answer, failure after failure.
    let mut known_throttled = false;
    for attempt in 0..6 {
        let known = sign_in(&base, "ana", "not the password", None).await;
        let unknown = sign_in(&base, "nobody-here", "not the password", None).await;
        let (Err(known), Err(unknown)) = (known, unknown) else {
            panic!("a wrong password signed in");
        };
        assert_eq!(known.0, unknown.0, "attempt {attempt}");
        assert_eq!(
            known.1.replace(char::is_numeric, ""),
            unknown.1.replace(char::is_numeric, ""),
            "attempt {attempt}"
        );
        known_throttled |= known.0 == 429;
    }
    assert!(known_throttled, "failures in a row are slowed down");
    // The owner gets in after a delay, not after 15 minutes.
    let started = Instant::now();
    let cookie = eventually(
        "the right password to sign in",
        Duration::from_secs(90),
        || async { sign_in(&base, "ana", PASSWORD, None).await.ok() },
    )
    .await;
    assert!(cookie.starts_with("hub_session="));
    assert!(started.elapsed() < Duration::from_secs(90));
    hub.stop().await;
}

#[tokio::test]
async fn a_get_of_a_message_does_not_open_it_so_a_withdrawal_still_quarantines_it() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;
    let consent_id = env.grant_consent(&municipality, SUBJECT).await;
    let notice = draft("ReleaseNotice", &a.prison, &[&a.employment], CASE, SUBJECT);
    let id = prison.send(&notice).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let id = id.to_string();
    eventually("the notice at the employment service", DEADLINE, || async {
        employment.store.inbox_message(&id, None).await.unwrap()
    })
    .await;

    // What a foreign <img src> would do with the caseworker's cookie: a plain GET.
    let job_web = AgentWeb::start(&employment).await;
    let cookie = agent_sign_in(&job_web).await;
    let page = client()
        .get(job_web.url(&format!("/messages/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let row = employment
        .store
        .inbox_message(&id, None)
        .await
        .unwrap()
        .unwrap();
    assert!(row.opened_at.is_none(), "a GET opened the message");

    // The person withdraws; the unopened message is quarantined.
    let muni_web = AgentWeb::start(&municipality).await;
    let response = client()
        .post(muni_web.url(&format!("/api/v1/consents/{consent_id}/withdraw")))
        .bearer_auth(TOKEN)
        .json(&json!({"case_id": CASE, "subject": SUBJECT}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    eventually("quarantine at the employment service", DEADLINE, || async {
        let row = employment.store.inbox_message(&id, None).await.unwrap()?;
        row.quarantined_at.map(|_| ())
    })
    .await;
    // And the page's own Open button cannot open it now (the form posted as the page sends
    // it, with the session's CSRF token).
    let inbox = client()
        .get(job_web.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = inbox
        .find(r#"name="csrf" value=""#)
        .expect("the page's forms carry a CSRF token")
        + r#"name="csrf" value=""#.len();
    let csrf = &inbox[at..at + inbox[at..].find('"').unwrap()];
    let open = client()
        .post(job_web.url(&format!("/messages/{id}/open")))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status().as_u16(), 409);
    muni_web.stop().await;
    job_web.stop().await;
    hub.stop().await;
}
