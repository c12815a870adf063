//! Browser tests of the workbench: the real `aduana serve` on a free port with a temporary data directory, driven
//! by headless Chromium through chromedriver (WebDriver, via `fantoccini`). Every test name contains `browser`;
//! every test skips loudly when chromedriver or Chromium is absent. Screenshots of the pages go to
//! `target/browser-screenshots/`.
//!
//! To add a test: `let Some(mut b) = Workbench::start().await else { return };` starts a server and a browser
//! (users `officer1`/`analyst1`/`auditor1` exist, passwords in `b.password(..)`); `b.login("officer1").await`;
//! `b.goto("/workbench/...").await`; find elements with `b.client` (fantoccini); `b.screenshot("name").await`;
//! end with `b.finish().await` (it also checks that no request left the server).

#![allow(clippy::print_stderr, reason = "a skipped browser test must say so in the test output")]

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::serve::{Server, add_user};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A running server, a logged-out browser, and the users created for the test.
#[allow(dead_code, reason = "the fields are for the tests of every area")]
pub(crate) struct Workbench {
    /// The WebDriver session.
    pub(crate) client: Client,
    /// The server's address (`127.0.0.1:PORT`).
    pub(crate) server: Server,
    /// The data directory and the browser profile.
    pub(crate) dir: tempfile::TempDir,
    driver: Child,
    passwords: HashMap<String, String>,
    /// API tokens of the created users, by name.
    pub(crate) tokens: HashMap<String, String>,
}

/// The users every browser test gets: (name, role).
const USERS: &[(&str, &str)] = &[
    ("officer1", "officer"),
    ("officer2", "officer"),
    ("analyst1", "analyst"),
    ("auditor1", "auditor"),
    ("carrier1", "submitter"),
];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Returns the directory screenshots are saved in.
pub(crate) fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser-screenshots")
}

impl Workbench {
    /// Starts `aduana serve` (with extra arguments), chromedriver and a headless Chromium; `None` (after saying
    /// why on standard error) when chromedriver or Chromium is not installed.
    pub(crate) async fn start_with(extra: &[&str]) -> Option<Workbench> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            eprintln!(
                "SKIPPED browser test: {CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data").display().to_string();
        let mut passwords = HashMap::new();
        let mut tokens = HashMap::new();
        for (name, role) in USERS {
            let (password, token) = add_user(name, role, &["--data-dir", &data]);
            passwords.insert((*name).to_owned(), password);
            tokens.insert((*name).to_owned(), token);
        }
        let mut args = vec!["--data-dir", data.as_str()];
        args.extend_from_slice(extra);
        let server = Server::start(&args);
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port} within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = dir.path().join("chromium-profile");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1366,768",
                         format!("--user-data-dir={}", profile.display())],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with headless Chromium");
        Some(Workbench { client, server, dir, driver, passwords, tokens })
    }

    /// Starts a server without profiles (see [`Workbench::start_with`]).
    pub(crate) async fn start() -> Option<Workbench> {
        Workbench::start_with(&[]).await
    }

    /// The server's base URL.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.address)
    }

    /// Opens a path of the server.
    pub(crate) async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    /// Logs in through the login form (starting from `/`) and waits for the queue.
    pub(crate) async fn login(&self, name: &str) {
        self.goto("/").await;
        self.wait_for_path("/workbench/login").await;
        self.fill("#name", name).await;
        let password = self.passwords.get(name).unwrap_or_else(|| panic!("no test user {name}")).clone();
        self.fill("#password", &password).await;
        self.submit("form button[type=submit]").await;
        self.wait_for_path("/workbench/queue").await;
    }

    /// Types into the element a CSS selector finds (after clearing it).
    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.unwrap_or_else(|e| panic!("clearing {css}: {e}"));
        element.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Clicks the element a CSS selector finds.
    pub(crate) async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Clicks the element a CSS selector finds and waits until the browser has loaded the next page (a form
    /// submission or a link).
    pub(crate) async fn submit(&self, css: &str) {
        self.client.execute("window.__workbench_old_page = true;", vec![]).await.expect("marking the page");
        self.click(css).await;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let old = self.client.execute("return window.__workbench_old_page === true;", vec![]).await;
            if matches!(old, Ok(serde_json::Value::Bool(false))) {
                let ready = self.client.execute("return document.readyState;", vec![]).await;
                if matches!(ready, Ok(serde_json::Value::String(s)) if s == "complete") {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "clicking {css} did not load a new page within 15 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Finds an element by CSS selector, waiting up to 10 s for it.
    pub(crate) async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element `{css}` on {}: {e}", self.current_path_now().await),
        }
    }

    /// The text of the element a CSS selector finds.
    pub(crate) async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_else(|e| panic!("reading {css}: {e}"))
    }

    async fn current_path_now(&self) -> String {
        self.client.current_url().await.map(|u| u.path().to_owned()).unwrap_or_default()
    }

    /// Waits up to 10 s until the browser is on a path (ignoring the query).
    pub(crate) async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.current_path_now().await;
            if now == path {
                return;
            }
            assert!(Instant::now() < deadline, "expected to be on {path}, still on {now}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG screenshot of the window as `target/browser-screenshots/NAME.png`.
    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("creating the screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("writing a screenshot");
    }

    /// Every URL the current page loaded or refers to (resources, links, forms), for the same-origin check.
    pub(crate) async fn urls_of_page(&self) -> Vec<String> {
        let script = r#"
            const urls = performance.getEntriesByType('resource').map(e => e.name);
            urls.push(location.href);
            document.querySelectorAll('[src],[href],[action],[srcset],[data]').forEach(el => {
                for (const a of ['src', 'href', 'action', 'data']) {
                    if (el.hasAttribute(a) && el[a] && typeof el[a] === 'string') urls.push(el[a]);
                }
            });
            return urls;"#;
        let value = self.client.execute(script, vec![]).await.expect("running the URL script");
        value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    }

    /// Fails unless every URL the current page loaded or refers to is on this server (fragments are fine).
    pub(crate) async fn assert_same_origin(&self) {
        let origin = self.url("");
        for url in self.urls_of_page().await {
            assert!(
                url.starts_with(&format!("{origin}/")) || url == origin,
                "the page {} refers to `{url}`, which is not on {origin}",
                self.current_path_now().await
            );
        }
    }

    /// Submits a consignment document (JSON) as `carrier1` over the API; returns the stored consignment id.
    pub(crate) fn submit_consignment(&self, body: &str) -> i64 {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.server.address).expect("connecting to the server");
        let token = &self.tokens["carrier1"];
        let request = format!(
            "POST /api/consignments HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            self.server.address,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("sending");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reading");
        let (head, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 201"), "{answer}");
        let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
        value["submissions"][0]["consignment_id"].as_i64().expect("a consignment id")
    }

    /// Reloads a path until an element appears (the workbench indexes new assessments every half second).
    pub(crate) async fn goto_until(&self, path: &str, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            self.goto(path).await;
            if self.client.find(Locator::Css(css)).await.is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "`{css}` did not appear on {path} within 15 s");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Checks the current page's URLs, then closes the browser and stops chromedriver and the server.
    pub(crate) async fn finish(mut self) {
        self.assert_same_origin().await;
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Workbench {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A runtime for a browser test.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime")
}

#[test]
fn browser_login_shows_the_queue_and_a_wrong_password_is_refused() {
    runtime().block_on(async {
        let Some(b) = Workbench::start().await else { return };
        // A wrong password keeps the user on the form with a message.
        b.goto("/").await;
        b.wait_for_path("/workbench/login").await;
        b.screenshot("login").await;
        b.assert_same_origin().await;
        b.fill("#name", "officer1").await;
        b.fill("#password", "not the password").await;
        b.submit("form button[type=submit]").await;
        assert!(b.text("#login-error").await.contains("wrong"));
        // The right one reaches the queue, with the nav and the user's name.
        b.login("officer1").await;
        assert_eq!(b.text("main h1").await, "Queue");
        assert!(b.text("header .who").await.contains("officer1"));
        b.screenshot("queue").await;
        b.assert_same_origin().await;
        // Logging out ends the session: the queue sends the browser back to the form.
        b.submit("form.logout button").await;
        b.wait_for_path("/workbench/login").await;
        b.goto("/workbench/queue").await;
        b.wait_for_path("/workbench/login").await;
        b.finish().await;
    });
}
