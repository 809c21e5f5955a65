use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_domain::Role;
use safer_storage::{JobStatus, NewAssessment};
use safer_test_utils::fixtures::{add_user, import_maidstone, PASSWORD};
use safer_test_utils::TestDb;
use safer_web::{
    app, AppState, AssessFuture, Assessor, BuildStep, BuiltAssessment, Clock, Progress, WebConfig,
};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::support::{Jar, Reply, TestApp};

const REPORT: &str = "<!DOCTYPE html><html lang=\"en-GB\"><head><title>Assessment</title>\
    <style>h2{color:#0b0c0c}</style></head><body><h2>Key findings</h2><svg role=\"img\"></svg></body></html>";

#[tokio::test]
async fn assessments_are_listed_shown_and_served_under_a_strict_policy() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = Jar::default();
        let signed_out = app.get("/assessments", &mut jar).await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "{label}: sign-in first");

        app.sign_in("analyst", PASSWORD, &mut jar).await;
        let empty = app.get("/assessments", &mut jar).await;
        assert_eq!(empty.status, StatusCode::OK, "{label}");
        assert!(empty.body.contains("No assessment has been generated yet"), "{label}");

        let old = NewAssessment {
            title: "Assessment 2021",
            html: REPORT,
            figures_json: "{}",
            settings: None,
        };
        let old_id = app.db.store.save_assessment(&old, 1_600_000_000).await.unwrap();
        let new = NewAssessment {
            title: "Assessment 2022 & after",
            html: REPORT,
            figures_json: r#"{"figures":[{"value":"8.5%"}]}"#,
            settings: None,
        };
        let id = app.db.store.save_assessment(&new, 1_700_000_000).await.unwrap();

        let list = app.get("/assessments", &mut jar).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        let (newer, older) = (
            list.body.find(&format!("/assessments/{id}\"")).expect("the newer is listed"),
            list.body.find(&format!("/assessments/{old_id}\"")).expect("the older is listed"),
        );
        assert!(newer < older, "{label}: newest first");
        assert!(list.body.contains("Assessment 2022 &amp; after"), "{label}: escaped");
        assert!(list.body.contains("14 November 2023 at 22:13 UTC"), "{label}: {}", list.body);
        assert!(list.body.contains("aria-current=\"page\">Assessments</a>"), "{label}: nav");

        let page = app.get(&format!("/assessments/{id}"), &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        for href in ["report", "report.html", "figures.json"] {
            assert!(page.body.contains(&format!("/assessments/{id}/{href}\"")), "{label}: {href}");
        }

        let report = app.get(&format!("/assessments/{id}/report"), &mut jar).await;
        assert_eq!(report.status, StatusCode::OK, "{label}");
        assert_eq!(report.body, REPORT, "{label}: served exactly as stored");
        let policy = report.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
        assert!(!policy.contains("script-src"), "{label}: no script allowed");
        assert!(report.headers.get(header::CONTENT_DISPOSITION).is_none(), "{label}");

        let download = app.get(&format!("/assessments/{id}/report.html"), &mut jar).await;
        assert_eq!(download.body, REPORT, "{label}");
        let disposition = download.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, format!("attachment; filename=\"assessment-{id}.html\""));

        let figures = app.get(&format!("/assessments/{id}/figures.json"), &mut jar).await;
        assert_eq!(figures.status, StatusCode::OK, "{label}");
        assert_eq!(figures.headers[header::CONTENT_TYPE], "application/json", "{label}");
        let json: serde_json::Value = serde_json::from_str(&figures.body).unwrap();
        assert_eq!(json["figures"][0]["value"], "8.5%", "{label}");

        for missing in ["0", "-1", "+1", "x", "99999999999999999999", &format!("{}", id + 100)] {
            for suffix in ["", "/report", "/figures.json"] {
                let reply = app.get(&format!("/assessments/{missing}{suffix}"), &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {missing}{suffix}");
            }
        }
    }
}

// Building assessments from the web app, with a fake `Assessor` (our own port, so a test double
// of it is fine here; the real one is exercised by the command-line tests).

/// A fake assessor: reports two steps, waits for the test to let it finish, then returns a
/// report whose body names the settings it was given; settings titled "fail…" fail.
struct FakeAssessor {
    gate: Arc<Semaphore>,
    seen: Mutex<Vec<String>>,
}

impl Assessor for FakeAssessor {
    fn assess(&self, settings: String, progress: Progress) -> AssessFuture {
        self.seen.lock().unwrap().push(settings.clone());
        let gate = self.gate.clone();
        Box::pin(async move {
            progress(BuildStep { name: "Counting crimes".to_string(), done: 0, total: 2 });
            gate.acquire().await.expect("gate open").forget();
            progress(BuildStep { name: "Writing the report".to_string(), done: 1, total: 2 });
            let table: toml::Table = settings.parse().map_err(|_| "bad settings".to_string())?;
            let title = table["title"].as_str().unwrap_or_default().to_string();
            if title.starts_with("fail") {
                return Err("no police.uk data for 2030-01".to_string());
            }
            Ok(BuiltAssessment {
                html: format!("<!DOCTYPE html><title>{title}</title><p>built</p>"),
                figures_json: "{}".to_string(),
                title,
                settings,
            })
        })
    }
}

/// The router with an assessor (or none), a clock and a cookie jar of its own: `TestApp` builds
/// its state without an assessor.
struct GenApp {
    db: TestDb,
    router: axum::Router,
    fake: Arc<FakeAssessor>,
}

#[derive(Default)]
struct Cookies(Vec<(String, String)>);

impl GenApp {
    async fn on(db: TestDb, with_assessor: bool) -> GenApp {
        let partnership = import_maidstone(&db.store).await;
        for (name, role) in [("analyst", Role::Analyst), ("coordinator", Role::Coordinator)] {
            add_user(&db.store, partnership, name, "maidstone-borough-council", role).await;
        }
        let fake =
            Arc::new(FakeAssessor { gate: Arc::new(Semaphore::new(0)), seen: Mutex::default() });
        let clock: Clock = Arc::new(|| 1_700_000_000);
        let mut state =
            AppState::new(db.store.clone(), WebConfig::default(), clock).await.expect("state");
        if with_assessor {
            state = state.with_assessor(fake.clone());
        }
        GenApp { db, router: app(state), fake }
    }

    async fn send(&self, request: Request<Body>, jar: &mut Cookies) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            jar.0.retain(|(n, _)| n != name);
            if !attributes.contains("Max-Age=0") {
                jar.0.push((name.to_string(), value.to_string()));
            }
        }
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    fn cookie(jar: &Cookies) -> String {
        jar.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn get(&self, path: &str, jar: &mut Cookies) -> Reply {
        let request = Request::get(path)
            .header(header::COOKIE, GenApp::cookie(jar))
            .body(Body::empty())
            .unwrap();
        self.send(request, jar).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)], jar: &mut Cookies) -> Reply {
        let request = Request::post(path)
            .header(header::COOKIE, GenApp::cookie(jar))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
            .unwrap();
        self.send(request, jar).await
    }

    async fn signed_in(&self, username: &str) -> Cookies {
        let mut jar = Cookies::default();
        let token = self.get("/sign-in", &mut jar).await.csrf_token();
        let fields =
            [("csrf_token", token.as_str()), ("username", username), ("password", PASSWORD)];
        let reply = self.post("/sign-in", &fields, &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
        jar
    }

    /// Stores an assessment built earlier with these settings; returns its id.
    async fn stored(&self, title: &str, settings: Option<&str>) -> i64 {
        let assessment = NewAssessment { title, html: REPORT, figures_json: "{}", settings };
        self.db.store.save_assessment(&assessment, 1_690_000_000).await.unwrap()
    }

    /// Waits (without sleeping) until job `id` is in `status`, and returns it.
    async fn job_when(&self, id: i64, status: JobStatus) -> safer_storage::AssessmentJob {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let job = self.db.store.assessment_job(id, 1_700_000_000).await.unwrap().unwrap();
            if job.status == status {
                return job;
            }
            assert!(std::time::Instant::now() < deadline, "job {id} never {status:?}: {job:?}");
            tokio::task::yield_now().await;
        }
    }
}

/// The job id a redirect to `/assessments/jobs/{id}` names.
fn job_id(reply: &Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let id = reply.location().strip_prefix("/assessments/jobs/").expect("a job page");
    id.parse().unwrap()
}

const START_FROM: &str =
    "title = \"Strategic assessment 2022\"\narea = \"district:Synthetic Dale\"\n\
    base = \"2021-01..2021-12\"\ncurrent = \"2022-01..2022-12\"\npeers = [\"lad:E1\"]\n\
    harm = \"default\"\n\n[hotspots]\nunits = \"points\"\nweights = \"knn:6\"\n\n\
    [[surveys]]\ndefinition = \"/srv/public-2021.toml\"\nresponses = \"/srv/public.csv\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_builds_an_assessment_and_follows_its_progress() {
    for db in TestDb::all().await {
        let label = db.label();
        let app = GenApp::on(db, true).await;
        let start = app.stored("Strategic assessment 2022", Some(START_FROM)).await;
        let old = app.stored("Kept without settings", None).await;
        let mut jar = app.signed_in("analyst").await;

        let list = app.get("/assessments", &mut jar).await;
        assert!(list.body.contains("href=\"/assessments/new\""), "{label}: the button");
        let page = app.get(&format!("/assessments/{start}"), &mut jar).await;
        assert!(page.body.contains("Regenerate with today's data"), "{label}: {}", page.body);
        assert!(page.body.contains(&format!("action=\"/assessments/{start}/regenerate\"")));
        let without = app.get(&format!("/assessments/{old}"), &mut jar).await;
        assert!(!without.body.contains("/regenerate"), "{label}: no settings, no button");

        // The form offers only assessments that kept their settings.
        let form = app.get("/assessments/new", &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains(&format!("<option value=\"{start}\"")), "{label}");
        assert!(!form.body.contains(&format!("<option value=\"{old}\"")), "{label}");
        // Filled in from a stored assessment's settings, which it then starts from.
        let filled = app.get(&format!("/assessments/new?from={start}"), &mut jar).await;
        assert!(filled.body.contains(&format!("<option value=\"{start}\" selected>")), "{label}");
        assert!(filled.body.contains("value=\"district:Synthetic Dale\""), "{label}");
        assert!(filled.body.contains(">lad:E1</textarea>"), "{label}");
        let reply = app.get(&format!("/assessments/new?from={old}"), &mut jar).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: no settings to fill in from");
        let token = form.csrf_token();
        let from = start.to_string();
        let reply = app
            .post(
                "/assessments/new",
                &[
                    ("csrf_token", &token),
                    ("title", "Town centre 2023"),
                    ("area", "ward:E05005001"),
                    ("base", "2022-01..2022-12"),
                    ("current", "2023-01..2023-12"),
                    ("peers", "ward:E05005002\r\n\r\nward:E05005003\r\n"),
                    ("from", &from),
                ],
                &mut jar,
            )
            .await;
        let job = job_id(&reply);

        // Running: the page shows the step and offers to check again; it never refreshes by
        // itself (WCAG 2.2.1).
        let running = app.job_when(job, JobStatus::Running).await;
        assert_eq!((running.steps_done, running.steps_total), (0, 2), "{label}");
        let page = app.get(&format!("/assessments/jobs/{job}"), &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(!page.body.contains("http-equiv=\"refresh\""), "{label}");
        assert!(
            page.body.contains(&format!("href=\"/assessments/jobs/{job}\">Check progress")),
            "{label}: {}",
            page.body
        );
        assert!(page.body.contains("Counting crimes"), "{label}: {}", page.body);
        assert!(page.body.contains("0 of 2"), "{label}");
        assert!(page.body.contains("Town centre 2023"), "{label}");

        app.fake.gate.add_permits(1);
        let done = app.job_when(job, JobStatus::Done).await;
        let new_id = done.assessment_id.expect("the assessment");
        let page = app.get(&format!("/assessments/jobs/{job}"), &mut jar).await;
        assert!(!page.body.contains("Check progress"), "{label}: done");
        assert!(page.body.contains(&format!("href=\"/assessments/{new_id}\"")), "{label}");
        let list = app.get("/assessments", &mut jar).await;
        assert!(list.body.contains("Town centre 2023"), "{label}: listed");

        // The settings: the form's keys replaced, the other sections kept, and stored.
        let settings = app.fake.seen.lock().unwrap().last().cloned().unwrap();
        let table: toml::Table = settings.parse().unwrap();
        assert_eq!(table["title"].as_str(), Some("Town centre 2023"), "{label}");
        assert_eq!(table["area"].as_str(), Some("ward:E05005001"), "{label}");
        assert_eq!(table["current"].as_str(), Some("2023-01..2023-12"), "{label}");
        let peers: Vec<&str> =
            table["peers"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
        assert_eq!(peers, ["ward:E05005002", "ward:E05005003"], "{label}");
        assert_eq!(table["hotspots"]["weights"].as_str(), Some("knn:6"), "{label}");
        assert_eq!(table["surveys"][0]["responses"].as_str(), Some("/srv/public.csv"));
        assert_eq!(table["harm"].as_str(), Some("default"), "{label}");
        let stored = app.db.store.assessment(new_id).await.unwrap().unwrap();
        assert_eq!(stored.settings.as_deref(), Some(settings.as_str()), "{label}");

        // Regenerate: the same settings, a new report; the old one stays.
        let token = app.get(&format!("/assessments/{start}"), &mut jar).await.csrf_token();
        let reply = app
            .post(&format!("/assessments/{start}/regenerate"), &[("csrf_token", &token)], &mut jar)
            .await;
        let job = job_id(&reply);
        app.fake.gate.add_permits(1);
        let done = app.job_when(job, JobStatus::Done).await;
        assert_eq!(app.fake.seen.lock().unwrap().last().unwrap(), START_FROM, "{label}");
        assert_ne!(done.assessment_id, Some(start), "{label}: a new report");
        assert!(app.db.store.assessment(start).await.unwrap().is_some(), "{label}: old kept");

        // A build that fails says why, and links back to the form.
        let token = app.get("/assessments/new", &mut jar).await.csrf_token();
        let reply = app
            .post(
                "/assessments/new",
                &[
                    ("csrf_token", &token),
                    ("title", "fail <now>"),
                    ("area", "all"),
                    ("base", "2029-01..2029-12"),
                    ("current", "2030-01..2030-12"),
                ],
                &mut jar,
            )
            .await;
        let job = job_id(&reply);
        app.fake.gate.add_permits(1);
        app.job_when(job, JobStatus::Failed).await;
        let page = app.get(&format!("/assessments/jobs/{job}"), &mut jar).await;
        assert!(page.body.contains("no police.uk data for 2030-01"), "{label}: {}", page.body);
        assert!(page.body.contains("fail &lt;now&gt;"), "{label}: escaped");
        assert!(page.body.contains("href=\"/assessments/new\""), "{label}");
        assert!(!page.body.contains("http-equiv=\"refresh\""), "{label}");
        assert_eq!(
            app.get("/assessments/jobs/999999", &mut jar).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
    }
}

#[tokio::test]
async fn the_form_comes_back_with_its_errors_and_values() {
    for db in TestDb::all().await {
        let label = db.label();
        let app = GenApp::on(db, true).await;
        let mut jar = app.signed_in("analyst").await;
        let token = app.get("/assessments/new", &mut jar).await.csrf_token();
        let reply = app
            .post(
                "/assessments/new",
                &[
                    ("csrf_token", &token),
                    ("title", "  "),
                    ("area", "county:<Kent>"),
                    ("base", "2022-01..2022-12"),
                    ("current", "2021-01..2021-12"),
                    ("peers", "lad:E07000113\npolygon:x.geojson"),
                    ("from", "12345"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let body = &reply.body;
        assert!(body.contains("<title>Error: New assessment – Safer</title>"), "{label}");
        assert!(body.contains("There is a problem"), "{label}");
        for (field, message) in [
            ("title", "Enter a title"),
            ("area", "Enter the area as district:NAME"),
            ("current", "The current period must start after the base period ends"),
            ("peers", "Enter each peer area as"),
            ("from", "Choose an assessment from the list"),
        ] {
            assert!(
                body.contains(&format!("<li><a href=\"#{field}\">{message}")),
                "{label}: {field}"
            );
            assert!(body.contains(&format!("id=\"{field}-error\"")), "{label}: {field} inline");
        }
        assert!(!body.contains("id=\"base-error\""), "{label}: the base period is fine");
        assert!(body.contains("value=\"county:&lt;Kent&gt;\""), "{label}: kept, escaped");
        assert!(body.contains("value=\"2022-01..2022-12\""), "{label}");
        assert!(body.contains(">lad:E07000113\npolygon:x.geojson</textarea>"), "{label}");
        assert!(app.fake.seen.lock().unwrap().is_empty(), "{label}: nothing built");

        let reply = app
            .post(
                "/assessments/new",
                &[("csrf_token", &token), ("title", "x"), ("area", "all"), ("base", "2021-1")],
                &mut jar,
            )
            .await;
        assert!(reply.body.contains("Enter the base period as two months"), "{label}");
        assert!(reply.body.contains("Enter the current period</a>"), "{label}");
    }
}

#[tokio::test]
async fn building_needs_the_csrf_token() {
    let app = GenApp::on(TestDb::sqlite().await, true).await;
    let id = app.stored("With settings", Some(START_FROM)).await;
    let mut jar = app.signed_in("analyst").await;
    let fields = [("title", "x"), ("area", "all"), ("base", "2021-01..2021-12")];
    let reply = app.post("/assessments/new", &fields, &mut jar).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app.post(&format!("/assessments/{id}/regenerate"), &[], &mut jar).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let wrong = [("csrf_token", "AAAA")];
    let reply = app.post(&format!("/assessments/{id}/regenerate"), &wrong, &mut jar).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(app.fake.seen.lock().unwrap().is_empty(), "nothing built");
}

#[tokio::test]
async fn only_analysts_with_an_assessor_see_or_reach_building() {
    for db in TestDb::all().await {
        let label = db.label();
        let app = GenApp::on(db, true).await;
        let id = app.stored("With settings", Some(START_FROM)).await;
        let analyst = app.db.store.user_by_username("analyst").await.unwrap().unwrap();
        let job = app
            .db
            .store
            .create_assessment_job(analyst.id(), START_FROM, 1_700_000_000)
            .await
            .unwrap();
        let mut jar = app.signed_in("coordinator").await;
        let list = app.get("/assessments", &mut jar).await;
        assert!(!list.body.contains("/assessments/new"), "{label}: no button");
        let page = app.get(&format!("/assessments/{id}"), &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: the report is for everyone");
        assert!(!page.body.contains("/regenerate"), "{label}: no regenerate button");
        let token = page.csrf_token();
        for path in ["/assessments/new", &format!("/assessments/jobs/{job}")] {
            let reply = app.get(path, &mut jar).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: GET {path}");
        }
        let fields = [
            ("csrf_token", token.as_str()),
            ("title", "x"),
            ("area", "all"),
            ("base", "2021-01..2021-12"),
            ("current", "2022-01..2022-12"),
        ];
        for path in ["/assessments/new".to_string(), format!("/assessments/{id}/regenerate")] {
            let reply = app.post(&path, &fields, &mut jar).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: POST {path}");
        }
        assert!(app.fake.seen.lock().unwrap().is_empty(), "{label}: nothing built");
    }

    // Without an assessor, not even an analyst sees or reaches them.
    let app = GenApp::on(TestDb::sqlite().await, false).await;
    let id = app.stored("With settings", Some(START_FROM)).await;
    let mut jar = app.signed_in("analyst").await;
    assert!(!app.get("/assessments", &mut jar).await.body.contains("/assessments/new"));
    let page = app.get(&format!("/assessments/{id}"), &mut jar).await;
    assert!(!page.body.contains("/regenerate"));
    let token = page.csrf_token();
    assert_eq!(app.get("/assessments/new", &mut jar).await.status, StatusCode::NOT_FOUND);
    let reply = app
        .post(&format!("/assessments/{id}/regenerate"), &[("csrf_token", &token)], &mut jar)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
