//! A small browser harness: headless Chromium driven over WebDriver (chromedriver, started
//! here on a free port), and an agent's HTTP server on a free port.
//!
//! [`Browser`] keeps one chromedriver and one browser session for a whole test. It is closed
//! by [`Browser::close`], or, when a test panics first, by its `Drop`, which ends the session
//! (so chromedriver quits Chromium), kills chromedriver and removes the fresh profile.
//! Screenshots go to `target/screenshots/<test>-<step>.png`.
//!
//! Chromium runs with the flags that keep it off the network (this machine refuses outside
//! connections): no background networking, component updates, sync or QUIC.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::{AgentHandle, eventually};

/// The token the tests' agents use for their HTTP servers.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// How long a page element may take to appear.
const ELEMENT_WAIT: Duration = Duration::from_secs(10);

fn chromium() -> String {
    if let Ok(path) = std::env::var("CHROME_BIN") {
        return path;
    }
    // The Debian launcher script only adds flags; the binary itself starts faster.
    ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("chromium")
        .to_owned()
}

/// axe-core's source, read once.
fn axe_source() -> &'static str {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = crate::repo_root().join("tests/a11y/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (deploy/services.sh installs it: npm ci in tests/a11y)",
                path.display()
            )
        })
    })
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("target"))
}

/// A free TCP port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A headless Chromium session for one test.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    driver_url: String,
    session: Option<String>,
    profile: PathBuf,
    test: String,
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium; `test` names the screenshots.
    pub async fn start(test: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or("chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (apt-get install chromium-driver)");
        let profile = std::env::temp_dir().join(format!(
            "handover-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let mut browser = Browser {
            client: None,
            driver,
            driver_url: format!("http://127.0.0.1:{port}"),
            session: None,
            profile,
            test: test.to_owned(),
        };
        let status = format!("{}/status", browser.driver_url);
        let http = broker::http_client().build().unwrap();
        eventually(
            "chromedriver to listen",
            Duration::from_secs(10),
            || async {
                let response = http.get(&status).send().await.ok()?;
                let body: Value = response.json().await.ok()?;
                (body["value"]["ready"] == json!(true)).then_some(())
            },
        )
        .await;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium(),
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-extensions",
                    "--window-size=1280,1700",
                    // The agents' pages use the development CA's certificate.
                    "--ignore-certificate-errors",
                    format!("--user-data-dir={}", browser.profile.display()),
                ]
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&browser.driver_url)
            .await
            .expect("a Chromium session");
        browser.session = client.session_id().await.ok().flatten();
        browser.client = Some(client);
        browser
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the browser is open")
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client().goto(url).await.expect("page loads");
    }

    /// Waits for the element matching `css` and returns it.
    /// When it does not appear, a screenshot `<test>-failed.png` shows what did.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = std::time::Instant::now() + ELEMENT_WAIT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self
                .client()
                .wait()
                .at_most(left)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(element) => return element,
                // Chromedriver aborts a look-up when a navigation starts under it (a click
                // that submits a form): the new page is looked at again.
                Err(e)
                    if e.to_string().contains("aborted by navigation")
                        && std::time::Instant::now() < deadline => {}
                Err(e) => {
                    let shot = self.screenshot_only("failed").await;
                    panic!("no element {css}: {e} (see {})", shot.display())
                }
            }
        }
    }

    /// Whether an element matching `css` is on the page now.
    pub async fn has(&self, css: &str) -> bool {
        self.client().find(Locator::Css(css)).await.is_ok()
    }

    /// The visible text of the element matching `css`. Right after a click that navigates,
    /// the element found may still be the old page's, gone by the time its text is read
    /// (a stale element): then it is looked for again, on the new page.
    pub async fn text(&self, css: &str) -> String {
        let mut stale = 0;
        loop {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                // Chromium says the same in two ways: a stale element, or (from its
                // inspector) a node that "does not belong to the document".
                Err(fantoccini::error::CmdError::Standard(e))
                    if (e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        || e.message.contains("does not belong to the document"))
                        && stale < 20 =>
                {
                    stale += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("element text: {e}"),
            }
        }
    }

    /// Types `value` into the field matching `css`.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("field clears");
        field.send_keys(value).await.expect("typing");
    }

    /// Presses `key` (a WebDriver key, e.g. `"\u{E004}"` for Tab) in the focused element.
    pub async fn press(&self, key: &str) {
        self.client()
            .active_element()
            .await
            .expect("a focused element")
            .send_keys(key)
            .await
            .expect("a key press");
    }

    /// Moves the focus with Tab alone until the element matching `css` has it; fails after
    /// 100 presses. Each element passed on the way must show a focus ring of at least 3:1
    /// against what is behind it ([`Browser::focus_ring_contrast`]).
    pub async fn tab_to(&self, css: &str) {
        for _ in 0..100 {
            let here = self
                .client()
                .execute(
                    "return document.activeElement && document.activeElement.matches(arguments[0]);",
                    vec![json!(css)],
                )
                .await
                .expect("the focused element");
            if here == json!(true) {
                return;
            }
            self.press("\u{E004}").await;
            let focused = self
                .client()
                .execute("return document.activeElement !== document.body;", vec![])
                .await
                .expect("the focused element");
            if focused == json!(true) {
                let contrast = self.focus_ring_contrast().await;
                assert!(
                    contrast >= 3.0,
                    "the focus ring has {contrast:.2}:1 against its background, under 3:1"
                );
            }
        }
        let shot = self.screenshot_only("tab-failed").await;
        panic!("{css} was not reached by Tab (see {})", shot.display());
    }

    /// The contrast (WCAG relative luminance) of the focused element's focus ring against
    /// the background behind the element: its outline when it has one, else 1.
    pub async fn focus_ring_contrast(&self) -> f64 {
        let value = self
            .client()
            .execute(
                r#"const el = document.activeElement;
const style = getComputedStyle(el);
if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) { return 1; }
const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
let bg = null;
for (let n = el.parentElement; n; n = n.parentElement) {
  const c = rgb(getComputedStyle(n).backgroundColor);
  if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { bg = c; break; }
}
bg = bg || [255, 255, 255];
const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const a = lum(rgb(style.outlineColor)), b = lum(bg);
return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);"#,
                vec![],
            )
            .await
            .expect("the focus ring's contrast");
        value.as_f64().expect("a number")
    }

    /// Chooses `value` in the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css}: no option {value}: {e}"));
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// The path of the current page.
    pub async fn path(&self) -> String {
        self.client()
            .current_url()
            .await
            .expect("current url")
            .path()
            .to_owned()
    }

    /// The accessibility violations of the current page by axe-core (WCAG 2.0 and 2.1, A
    /// and AA rules), each as `rule (impact): selectors`. axe-core comes from the npm registry
    /// (`tests/a11y`, installed by `deploy/services.sh`) and is injected through WebDriver,
    /// which the page's Content-Security-Policy does not govern.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = axe_source();
        self.client()
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .expect("axe-core loads into the page");
        let found = self
            .client()
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
  .then(r => done(r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at "
      + v.nodes.map(n => n.target.join(" ")).join(", "))))
  .catch(e => done(["axe-core failed: " + e]));"#,
                vec![],
            )
            .await
            .expect("axe-core runs");
        serde_json::from_value(found).expect("a list of violations")
    }

    /// Fails the test if the current page has any WCAG 2.1 AA violation axe-core finds.
    pub async fn assert_accessible(&self, step: &str) {
        let violations = self.accessibility_violations().await;
        if !violations.is_empty() {
            let shot = self.screenshot_only(&format!("{step}-inaccessible")).await;
            panic!(
                "{} {step}: {} accessibility violation(s) (see {}):\n{}",
                self.test,
                violations.len(),
                shot.display(),
                violations.join("\n")
            );
        }
    }

    /// Saves a screenshot as `target/screenshots/<test>-<step>.png` and returns its path,
    /// after checking the page with axe-core ([`Browser::assert_accessible`]): every page a
    /// test shows is checked.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        self.assert_accessible(step).await;
        self.screenshot_only(step).await
    }

    /// Saves a screenshot without checking the page.
    pub async fn screenshot_only(&self, step: &str) -> PathBuf {
        let png = self.client().screenshot().await.expect("screenshot");
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{}-{step}.png", self.test));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Ends the session (Chromium quits), stops chromedriver, removes the profile.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
            self.session = None;
        }
        // Drop does the rest.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a panic the session may still be open: end it synchronously, so chromedriver
        // quits Chromium, before chromedriver itself is killed.
        if let Some(session) = self.session.take() {
            let url = format!("{}/session/{session}", self.driver_url);
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async {
                    let _ = broker::http_client()
                        .build()
                        .unwrap()
                        .delete(&url)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                });
            })
            .join();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// An agent's HTTP server (API and pages), serving the agent's store on a free port.
/// The test identity provider's accounts (`deploy/idp/accounts.json`, organisation
/// `test-agency`): two caseworkers, one of them a coordinator, an administrator, and one
/// person with no role.
pub mod people {
    /// A caseworker.
    pub const ASTRID: (&str, &str) = ("astrid.lund", "Astrid Lund");
    /// A caseworker and coordinator.
    pub const BO: (&str, &str) = ("bo.nielsen", "Bo Nielsen");
    /// An administrator.
    pub const CARL: (&str, &str) = ("carl.berg", "Carl Berg");
    /// An account without a role at the test agencies' agents.
    pub const DINA: (&str, &str) = ("dina.roos", "Dina Roos");
}

/// The organisation the tests' agents register under at the identity provider.
pub const TEST_ORGANISATION: &str = "test-agency";

/// The development CA (`deploy/dev-pki.sh`) that signed the pages' certificate.
pub fn dev_ca() -> reqwest::Certificate {
    let pki = PathBuf::from(crate::var("HANDOVER_PKI_DIR"));
    let pem = std::fs::read(pki.join("ca.pem")).expect("the development CA");
    reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")
}

/// An HTTP client that trusts the development CA, for the agents' HTTPS API.
pub fn https() -> reqwest::Client {
    broker::http_client()
        .add_root_certificate(dev_ca())
        .build()
        .expect("an HTTP client")
}

/// A client registered at the test identity provider (RFC 7591 dynamic registration with the
/// provider's initial access token).
async fn register_client(base: &str, organisation: &str) -> (String, String) {
    let issuer = crate::var("HANDOVER_IDP_ISSUER");
    let http = broker::http_client().build().unwrap();
    let discovery: Value = http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .expect("the identity provider answers (deploy/services.sh starts it)")
        .json()
        .await
        .expect("a discovery document");
    let registration = discovery["registration_endpoint"]
        .as_str()
        .expect("the provider takes registrations");
    let response = http
        .post(registration)
        .bearer_auth(crate::var("HANDOVER_IDP_REGISTRATION_TOKEN"))
        .json(&json!({
            "redirect_uris": [format!("{base}/auth/callback")],
            "post_logout_redirect_uris": [format!("{base}/signed-out")],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "organisation": organisation,
        }))
        .send()
        .await
        .expect("registration answers");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "client registration: {status} {body}");
    (
        body["client_id"].as_str().expect("a client id").to_owned(),
        body["client_secret"]
            .as_str()
            .expect("a client secret")
            .to_owned(),
    )
}

/// The password of the test identity provider's accounts.
pub fn idp_password() -> String {
    let file = crate::var("HANDOVER_IDP_PASSWORD_FILE");
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .trim()
        .to_owned()
}

/// An agent's HTTPS server for a test: the API (`url`, at `https://localhost:<port>`) and
/// the page on a host name of its own (`page`, `https://<agency>.agent.localhost:<port>`),
/// signing caseworkers in through the test identity provider.
pub struct AgentWeb {
    /// `https://localhost:<port>`.
    pub base: String,
    /// `https://<agency>.agent.localhost:<port>`.
    pub page_base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl AgentWeb {
    /// Serves `agent` with the default session limits.
    pub async fn start(agent: &AgentHandle) -> AgentWeb {
        Self::start_with(agent, agent::http::SessionLimits::default()).await
    }

    /// Serves `agent` with sessions that last as `limits` say.
    pub async fn start_with(agent: &AgentHandle, limits: agent::http::SessionLimits) -> AgentWeb {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let host = format!("{}.agent.localhost", agent.id);
        let page_base = format!("https://{host}:{port}");
        let (client_id, client_secret) = register_client(&page_base, TEST_ORGANISATION).await;
        let sign_in: agent::http::sign_in::SignInSettings = serde_json::from_value(json!({
            "issuer": crate::var("HANDOVER_IDP_ISSUER"),
            "client_id": client_id,
            "client_secret": client_secret,
            "public_url": page_base,
        }))
        .expect("sign-in settings");
        let pki = PathBuf::from(crate::var("HANDOVER_PKI_DIR"));
        let settings: agent::http::HttpSettings = serde_json::from_value(json!({
            "allowed_hosts": [host],
            "tls": {"cert_file": pki.join("web.pem"), "key_file": pki.join("web.key")},
        }))
        .expect("HTTP settings");
        let tls = agent::http::tls_of(&settings).expect("the page's TLS identity");
        let state = agent::http::AppState::new(
            agent.store.clone(),
            agent.id.clone(),
            agent::http::Token::new(TOKEN),
        )
        .with_pseudonym_key(agent.settings.pseudonym_key().expect("the pseudonym key"))
        .with_sign_in(
            Some(std::sync::Arc::new(
                agent::http::sign_in::SignIn::new(sign_in).expect("sign-in"),
            )),
            limits,
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            agent::http::serve_with(listener, state, &settings, tls, async move {
                let _ = stopped.await;
            })
            .await
        });
        AgentWeb {
            base: format!("https://localhost:{port}"),
            page_base,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// An address of the API (or any route) at `https://localhost:<port>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An HTTPS client for this agent's page and API: trusts the development CA, resolves
    /// the page's host name to this machine, follows no redirects.
    pub fn client(&self) -> reqwest::Client {
        let host = self
            .page_base
            .trim_start_matches("https://")
            .rsplit_once(':')
            .map(|(h, _)| h.to_owned())
            .expect("host:port");
        let port: u16 = self.base.rsplit_once(':').unwrap().1.parse().unwrap();
        broker::http_client()
            .add_root_certificate(dev_ca())
            .resolve(&host, std::net::SocketAddr::from(([127, 0, 0, 1], port)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client")
    }

    /// Signs `who` in without a browser, through the identity provider's form, following
    /// each redirect by hand with a cookie jar per host; the page's `Cookie` header value.
    pub async fn sign_in_http(&self, who: (&str, &str)) -> String {
        let http = self.client();
        let mut jar: std::collections::HashMap<String, std::collections::BTreeMap<String, String>> =
            Default::default();
        let mut url = self.page("/login/start");
        let mut form: Option<Vec<(String, String)>> = None;
        for _ in 0..20 {
            let parsed = reqwest::Url::parse(&url).expect("a URL");
            let host = format!(
                "{}:{}",
                parsed.host_str().unwrap(),
                parsed.port_or_known_default().unwrap()
            );
            let cookies = jar
                .get(&host)
                .map(|c| {
                    c.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            let request = match form.take() {
                Some(fields) => http.post(&url).form(&fields),
                None => http.get(&url),
            };
            let response = request
                .header("cookie", cookies)
                .send()
                .await
                .expect("sign-in step");
            for value in response.headers().get_all("set-cookie") {
                let pair = value.to_str().unwrap().split(';').next().unwrap();
                if let Some((k, v)) = pair.split_once('=') {
                    let entry = jar.entry(host.clone()).or_default();
                    if v.is_empty() {
                        entry.remove(k);
                    } else {
                        entry.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
            let status = response.status().as_u16();
            if let Some(location) = response.headers().get("location") {
                url = parsed.join(location.to_str().unwrap()).unwrap().to_string();
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            if body.contains(r#"id="password""#) {
                // The provider's form: post the account's name and password to its action.
                let action = body
                    .split(r#"action=""#)
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .expect("the form's action");
                url = parsed.join(action).unwrap().to_string();
                form = Some(vec![
                    ("login".into(), who.0.into()),
                    ("password".into(), idp_password()),
                ]);
                continue;
            }
            assert_eq!(status, 200, "the sign-in ended at {url}: {body}");
            let page_host = self.page_base.trim_start_matches("https://").to_owned();
            let session = jar
                .get(&page_host)
                .and_then(|c| c.get("__Host-agent_session"))
                .unwrap_or_else(|| panic!("no session after signing in: {body}"));
            return format!("__Host-agent_session={session}");
        }
        panic!("the sign-in did not end within 20 steps");
    }

    /// An address of the page, on the agent's own host name.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.page_base)
    }

    /// Stops the server and waits for the requests in hand.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
    }
}

impl Drop for AgentWeb {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Browser {
    /// Shows the current page in each language of `headings` (language code, the `h1` the
    /// page has in it), through the page's own language menu, and takes a screenshot of each
    /// (so axe-core checks each): `<step>-<lang>`.
    pub async fn in_each_language(&self, step: &str, headings: &[(&str, &str)]) {
        for (lang, heading) in headings {
            self.click(&format!("nav.languages a[lang='{lang}']")).await;
            eventually("the page in its language", ELEMENT_WAIT, || async {
                (self.text("h1").await == *heading).then_some(())
            })
            .await;
            self.screenshot(&format!("{step}-{lang}")).await;
        }
    }

    /// Signs `who` (an account of [`people`]) in to the page of `web` through the identity
    /// provider's own form, and waits for the page that follows.
    pub async fn sign_in(&self, web: &AgentWeb, who: (&str, &str)) {
        self.goto(&web.page("/")).await;
        assert_eq!(self.path().await, "/login", "the page needs a sign-in");
        self.click("#sign-in").await;
        // The provider asks for the name and password, unless it still has a session of its
        // own for `who` (then the browser comes straight back signed in).
        eventually(
            "the provider's form or the signed-in page",
            ELEMENT_WAIT,
            || async {
                (self.has("input#login").await || self.has("#signed-in-as").await).then_some(())
            },
        )
        .await;
        if self.has("input#login").await {
            self.fill("input#login", who.0).await;
            self.fill("input#password", &idp_password()).await;
            self.click("button#sign-in").await;
        }
        self.find("#signed-in-as").await;
        let shown = self.text("#signed-in-as").await;
        assert!(shown.contains(who.1), "signed in as {shown}");
    }
}
