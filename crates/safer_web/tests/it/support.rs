use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use safer_domain::Role;
use safer_storage::{NewStreetRow, PoliceUkFile, PoliceUkRows, Store};
use safer_test_utils::fixtures::{add_user, import_maidstone};
use safer_test_utils::TestDb;
use safer_web::{app, AppState, WebConfig};
use tower::ServiceExt;

/// A web configuration with the public front door on, accepting `per_hour` submissions per
/// client address per hour.
pub(crate) fn front_door_config(per_hour: u32) -> WebConfig {
    let triage = safer_domain::triage::parse_triage(safer_test_utils::fixtures::MAIDSTONE_TRIAGE)
        .expect("the shipped triage rules are valid");
    WebConfig {
        public: Some(Arc::new(safer_web::PublicConfig {
            partnership: "safer-maidstone-partnership".to_string(),
            agency: "maidstone-borough-council".to_string(),
            triage: Arc::new(triage),
            submissions_per_address_per_hour: per_hour,
        })),
        ..WebConfig::default()
    }
}

pub(crate) struct TestApp {
    pub(crate) db: TestDb,
    router: Router,
    clock: Arc<AtomicI64>,
}

/// What a request returned, with the body read.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub(crate) fn csrf_token(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf_token in page:\n{}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }
}

/// Cookies as a browser would keep them.
#[derive(Default, Clone)]
pub(crate) struct Jar(HashMap<String, String>);

impl Jar {
    pub(crate) fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb(&mut self, headers: &axum::http::HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_string(), value.to_string());
            }
        }
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

impl TestApp {
    pub(crate) async fn on(db: TestDb) -> TestApp {
        TestApp::with_config(db, WebConfig::default()).await
    }

    pub(crate) async fn with_config(db: TestDb, config: WebConfig) -> TestApp {
        let partnership = import_maidstone(&db.store).await;
        add_user(
            &db.store,
            partnership,
            "coordinator",
            "maidstone-borough-council",
            Role::Coordinator,
        )
        .await;
        add_user(&db.store, partnership, "analyst", "maidstone-borough-council", Role::Analyst)
            .await;
        let clock = Arc::new(AtomicI64::new(1_700_000_000));
        let reader = clock.clone();
        let state = AppState::new(
            db.store.clone(),
            config,
            Arc::new(move || reader.load(Ordering::SeqCst)),
        )
        .await
        .expect("app state");
        TestApp { db, router: app(state), clock }
    }

    /// An app with the public front door on: the Maidstone partnership, reports received by
    /// the council (`maidstone-borough-council`), the shipped triage rules.
    pub(crate) async fn front_door(db: TestDb) -> TestApp {
        TestApp::with_config(db, front_door_config(1000)).await
    }

    /// One `TestApp` per configured backend.
    pub(crate) async fn all() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for db in TestDb::all().await {
            apps.push(TestApp::on(db).await);
        }
        apps
    }

    pub(crate) fn label(&self) -> &'static str {
        self.db.label()
    }

    pub(crate) fn advance(&self, seconds: i64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    pub(crate) async fn send(&self, request: Request<Body>, jar: &mut Jar) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        jar.absorb(response.headers());
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    pub(crate) async fn get(&self, path: &str, jar: &mut Jar) -> Reply {
        let request =
            Request::get(path).header(header::COOKIE, jar.header()).body(Body::empty()).unwrap();
        self.send(request, jar).await
    }

    pub(crate) async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        jar: &mut Jar,
    ) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request = Request::post(path)
            .header(header::COOKIE, jar.header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request, jar).await
    }

    /// Calls the JSON API: sends `body` as JSON (or no body), asking for JSON back, with the
    /// CSRF header when `csrf` is given.
    pub(crate) async fn json(
        &self,
        method: axum::http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        csrf: Option<&str>,
        jar: &mut Jar,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, jar.header())
            .header(header::ACCEPT, "application/json");
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => request.body(Body::empty()).unwrap(),
        };
        self.send(request, jar).await
    }

    /// Signs in through the form, as a browser would.
    pub(crate) async fn sign_in(&self, username: &str, password: &str, jar: &mut Jar) -> Reply {
        let form = self.get("/sign-in", jar).await;
        let token = form.csrf_token();
        self.post_form(
            "/sign-in",
            &[
                ("csrf_token", &token),
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
            jar,
        )
        .await
    }
}

/// `(route, method)` for every `.route("…", …)` in the web crate's source: what the
/// authorisation guard and the OpenAPI check compare their lists with.
pub(crate) fn registered_routes() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let name = file.display();
        for needle in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !source.contains(needle),
                "{name} uses {needle}: teach this guard to read it, so its routes are checked"
            );
        }
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let trimmed = rest.trim_start();
            if !trimmed.starts_with('"') {
                continue;
            }
            // The call's text, to its closing parenthesis.
            let mut depth = 1;
            let mut end = 0;
            let mut in_string = false;
            for (i, ch) in rest.char_indices() {
                match ch {
                    '"' => in_string = !in_string,
                    '(' if !in_string => depth += 1,
                    ')' if !in_string => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &rest[..end];
            let path = trimmed[1..].split('"').next().unwrap().to_string();
            let handlers = &call[call.find(&path).unwrap() + path.len() + 1..];
            let mut found = false;
            for method in ["get", "post", "put", "patch", "delete"] {
                let token = format!("{method}(");
                let mut from = 0;
                while let Some(i) = handlers[from..].find(&token) {
                    let i = from + i;
                    let before = handlers[..i].chars().next_back();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        routes.insert((path.clone(), method.to_string()));
                        found = true;
                    }
                    from = i + token.len();
                }
            }
            assert!(found, "{name}: no method found for route {path}: {call}");
        }
    }
    routes
}

/// Imports one month of Kent police.uk street rows, each group as (how many, crime type, LSOA
/// code, LSOA name), all at one point on Week Street.
pub(crate) async fn put_street_month(
    store: &Store,
    month: &str,
    counts: &[(usize, &str, &str, &str)],
) {
    let mut rows = Vec::new();
    for (n, crime_type, lsoa_code, lsoa_name) in counts {
        for _ in 0..*n {
            let idx = rows.len();
            rows.push(NewStreetRow {
                crime_id: Some(format!("{month}{idx:058}")),
                reported_by: "Kent Police".to_string(),
                falls_within: "Kent Police".to_string(),
                longitude: Some(0.52),
                latitude: Some(51.27),
                location: "On or near Week Street".to_string(),
                lsoa_code: Some(lsoa_code.to_string()),
                lsoa_name: Some(lsoa_name.to_string()),
                crime_type: crime_type.to_string(),
                last_outcome_category: None,
                context: None,
                source_line: idx as i64 + 2,
            });
        }
    }
    let file = PoliceUkFile {
        force: "kent".to_string(),
        month: month.to_string(),
        file_name: format!("{month}/{month}-kent-street.csv"),
        content_sha256: format!("kent{month}"),
        n_bad_rows: 0,
    };
    store.replace_police_uk(&file, &PoliceUkRows::Street(rows), 100).await.unwrap();
}

/// Serves the app with the front door on (1,000 sends an hour per address) on a loopback
/// port, for tests that drive a real browser; returns the base address and the server's task,
/// which the test aborts when done.
pub(crate) async fn serve_front_door(store: &Store) -> (String, tokio::task::JoinHandle<()>) {
    let state = AppState::new(store.clone(), front_door_config(1000), safer_web::system_clock())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (format!("http://{address}"), server)
}
