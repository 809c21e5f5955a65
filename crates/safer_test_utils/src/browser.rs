//! A small WebDriver client for real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), plus axe-core accessibility checks.
//!
//! [`Browser::start`] launches its own `chromedriver` on a free port and one Chromium session
//! with the flags this machine needs (`--headless --no-sandbox --disable-gpu
//! --disable-background-networking`). Under CI a missing driver, browser or axe-core fails the
//! test; elsewhere the test is skipped with a note.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// A running Chromium session.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

/// One axe-core rule a page breaks.
#[derive(Debug, Clone)]
pub struct AxeViolation {
    /// The rule id, such as `color-contrast`.
    pub id: String,
    /// How serious axe considers it.
    pub impact: String,
    /// What the rule checks.
    pub help: String,
    /// CSS selectors of the offending elements.
    pub targets: Vec<String>,
}

impl std::fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {} at {}", self.id, self.impact, self.help, self.targets.join(", "))
    }
}

fn skip_or_fail(what: &str) -> Option<Browser> {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what}; under CI browser tests must run (use scripts/test)"
    );
    eprintln!("note: skipping browser test: {what}");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// Where axe-core's `axe.min.js` is: `SAFER_AXE_JS`, else `target/npm/node_modules/axe-core`
/// as `scripts/test` installs it.
pub fn axe_path() -> PathBuf {
    std::env::var_os("SAFER_AXE_JS").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/npm/node_modules/axe-core/axe.min.js")
    })
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or returns `None` (outside CI) when
    /// they are not installed.
    pub fn start() -> Option<Browser> {
        let driver_path = std::env::var("SAFER_CHROMEDRIVER")
            .unwrap_or_else(|_| "/usr/bin/chromedriver".to_string());
        let chromium =
            std::env::var("SAFER_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
        if !Path::new(&driver_path).exists() {
            return skip_or_fail(&format!(
                "{driver_path} is missing (Debian package chromium-driver)"
            ));
        }
        if !Path::new(&chromium).exists() {
            return skip_or_fail(&format!("{chromium} is missing (Debian package chromium)"));
        }
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_path}: {e}"));
        let base = format!("http://127.0.0.1:{port}");
        let mut browser_driver = DriverGuard(Some(driver));
        wait_until_ready(&base);
        let profile = tempfile::tempdir().expect("cannot create a browser profile directory");
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--window-size=1280,1000",
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                },
                "goog:loggingPrefs": {"browser": "ALL"},
            }}
        });
        let response = post(&format!("{base}/session"), &capabilities);
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver did not start a session: {response}"))
            .to_string();
        let driver = browser_driver.0.take().expect("driver present");
        Some(Browser { driver, base, session, _profile: profile })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}/{path}", self.base, self.session)
    }

    fn command(&self, path: &str, body: &Value) -> Value {
        let response = post(&self.url(path), body);
        if let Some(error) = response["value"]["error"].as_str() {
            panic!("webdriver {path} failed: {error}: {}", response["value"]["message"]);
        }
        response["value"].clone()
    }

    fn get(&self, path: &str) -> Value {
        let response: Value = ureq::get(&self.url(path))
            .call()
            .unwrap_or_else(|e| panic!("webdriver {path}: {e}"))
            .into_json()
            .expect("webdriver answers JSON");
        response["value"].clone()
    }

    /// Opens a URL and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.command("url", &json!({ "url": url }));
    }

    /// The current URL.
    pub fn current_url(&self) -> String {
        self.get("url").as_str().unwrap_or_default().to_string()
    }

    /// The page title.
    pub fn title(&self) -> String {
        self.get("title").as_str().unwrap_or_default().to_string()
    }

    /// The visible text of the page body.
    pub fn body_text(&self) -> String {
        self.execute("return document.body.innerText;", json!([]))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn element(&self, css: &str) -> String {
        let found = self.command("element", &json!({"using": "css selector", "value": css}));
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element matches `{css}`"))
            .to_string()
    }

    /// Types text into the element matching `css`.
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.command(&format!("element/{id}/value"), &json!({ "text": text }));
    }

    /// Clicks the element matching `css` (and waits for any navigation it starts).
    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.command(&format!("element/{id}/click"), &json!({}));
    }

    /// Polls `done` until it holds, for up to 10 seconds: a click that starts a navigation may
    /// return before the new page has loaded.
    pub fn wait_until(&self, what: &str, done: impl Fn(&Browser) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        // A click that navigates returns at once, and the address changes before the new page
        // has loaded: a condition on the address alone would let the caller read a page that
        // is not there yet, so the document must also have finished loading.
        let loaded = |b: &Browser| {
            b.execute("return document.readyState;", json!([])).as_str() == Some("complete")
        };
        while !(done(self) && loaded(self)) {
            assert!(
                Instant::now() < deadline,
                "waited 10 seconds for {what}; the page says:\n{}",
                self.body_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs JavaScript in the page and returns its result.
    /// Presses keys as a keyboard would, on whatever has focus: each character is typed, and
    /// WebDriver's key codes work too (`\u{E004}` Tab, `\u{E007}` Enter, `\u{E015}` arrow down).
    pub fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": key.to_string()}));
            actions.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        self.command(
            "actions",
            &json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
    }

    /// Presses Tab until the focused element matches `css` (at most 80 times) and returns
    /// how many presses it took.
    pub fn tab_to(&self, css: &str) -> usize {
        for presses in 0..80 {
            let here = self.execute(
                "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
                json!([css]),
            );
            if here == Value::Bool(true) {
                return presses;
            }
            self.keys("\u{E004}");
        }
        panic!("Tab never reached `{css}`; the page says:\n{}", self.body_text());
    }

    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.command("execute/sync", &json!({ "script": script, "args": args }))
    }

    /// Saves a PNG screenshot of the viewport.
    pub fn screenshot(&self, path: &Path) {
        let data = self.get("screenshot");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("a base64 screenshot"))
            .expect("valid base64");
        std::fs::write(path, bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Messages the page logged to the console at level SEVERE (errors, failed loads).
    pub fn console_errors(&self) -> Vec<String> {
        let logs = post(&self.url("se/log"), &json!({"type": "browser"}));
        logs["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Collects into `problems`, each named with `page`, what axe-core finds on the current
    /// page and the console's errors, except the one Chromium logs for `expected_status` (a
    /// page served with that error status on purpose, such as a form shown again with its
    /// errors as 422). Collecting rather than stopping at the first lets one run report every
    /// page that needs work.
    pub fn audit(&self, page: &str, expected_status: Option<u16>, problems: &mut Vec<String>) {
        if let Some(violations) = self.axe() {
            problems.extend(violations.iter().map(|v| format!("{page}: {v}")));
        }
        let expected =
            expected_status.map(|s| format!("the server responded with a status of {s}"));
        problems.extend(
            self.console_errors()
                .into_iter()
                .filter(|e| expected.as_ref().is_none_or(|x| !e.contains(x.as_str())))
                .map(|e| format!("{page}: console: {e}")),
        );
    }

    /// Runs axe-core on the current page and returns its violations. Panics (or, outside CI,
    /// returns `None`) when axe-core is not installed.
    pub fn axe(&self) -> Option<Vec<AxeViolation>> {
        let path = axe_path();
        let Ok(source) = std::fs::read_to_string(&path) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "axe-core is missing at {}; scripts/test installs it with npm",
                path.display()
            );
            eprintln!("note: skipping axe checks: {} is missing", path.display());
            return None;
        };
        self.execute(&format!("{source}\nreturn true;"), json!([]));
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, {resultTypes: ['violations']})\
              .then(r => done(JSON.stringify(r.violations)))\
              .catch(e => done('ERROR ' + e));";
        let result = self.command("execute/async", &json!({ "script": script, "args": [] }));
        let text = result.as_str().unwrap_or_default();
        assert!(!text.starts_with("ERROR"), "axe-core failed: {text}");
        let violations: Vec<Value> = serde_json::from_str(text).expect("axe returns JSON");
        Some(
            violations
                .into_iter()
                .map(|v| AxeViolation {
                    id: v["id"].as_str().unwrap_or_default().to_string(),
                    impact: v["impact"].as_str().unwrap_or_default().to_string(),
                    help: v["help"].as_str().unwrap_or_default().to_string(),
                    targets: v["nodes"]
                        .as_array()
                        .map(|nodes| nodes.iter().map(|n| n["target"].to_string()).collect())
                        .unwrap_or_default(),
                })
                .collect(),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Kills chromedriver if starting the session panics.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn post(url: &str, body: &Value) -> Value {
    match ureq::post(url).timeout(Duration::from_secs(120)).send_json(body.clone()) {
        Ok(response) => response.into_json().expect("webdriver answers JSON"),
        // WebDriver errors come back as 4xx/5xx with a JSON body describing them.
        Err(ureq::Error::Status(_, response)) => {
            response.into_json().expect("webdriver answers JSON")
        }
        Err(err) => panic!("webdriver request to {url} failed: {err}"),
    }
}

/// Polls chromedriver's status endpoint until it answers; it takes a moment to start.
fn wait_until_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) =
            ureq::get(&format!("{base}/status")).timeout(Duration::from_secs(2)).call()
        {
            if response.into_json::<Value>().is_ok_and(|v| v["value"]["ready"] == true) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "chromedriver did not become ready within 30 seconds");
        std::thread::sleep(Duration::from_millis(50));
    }
}
