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
        let http = reqwest::Client::new();
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
        match self
            .client()
            .wait()
            .at_most(ELEMENT_WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let shot = self.screenshot("failed").await;
                panic!("no element {css}: {e} (see {})", shot.display())
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
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
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

    /// Saves a screenshot as `target/screenshots/<test>-<step>.png` and returns its path.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
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
                    let _ = reqwest::Client::new()
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
pub struct AgentWeb {
    /// E.g. `http://127.0.0.1:40123`.
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl AgentWeb {
    /// Serves `agent`'s store with [`TOKEN`] and the agent's pseudonym key.
    pub async fn start(agent: &AgentHandle) -> AgentWeb {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = agent::http::AppState::new(
            agent.store.clone(),
            agent.id.clone(),
            agent::http::Token::new(TOKEN),
        )
        .with_pseudonym_key(agent.settings.pseudonym_key().expect("the pseudonym key"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(agent::http::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        AgentWeb {
            base,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and waits until it has finished the requests in hand.
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
