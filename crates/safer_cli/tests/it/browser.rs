//! The demo in real headless Chromium: a coordinator signs in, reads the plan and the demo's
//! strategic assessment and signs out, and axe-core finds no accessibility violation on any
//! page on the way. Screenshots go to `target/test-output/` (or `SAFER_TEST_OUTPUT`).

use std::net::SocketAddr;

use safer_cli::commands::assess::WebAssessor;
use safer_cli::demo;
use safer_storage::Store;
use safer_test_utils::browser::Browser;
use safer_test_utils::env::output_dir;
use safer_test_utils::fixtures::maidstone_plan;
use safer_web::{app, system_clock, AppState, WebConfig};

struct Server {
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    base: String,
    coordinator_password: String,
    analyst_password: String,
}

fn start_demo_server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (address, seeded) = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let config = safer_cli::config::Config::for_database(dir.path(), &url).unwrap();
        let seeded = demo::seed(&config, &store, safer_cli::now()).await.unwrap();
        // As `safer demo` serves it: analysts can build assessments.
        let assessor = std::sync::Arc::new(WebAssessor::new(config.clone()));
        let state = AppState::new(store, WebConfig::default(), system_clock())
            .await
            .unwrap()
            .with_assessor(assessor);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        (address, seeded)
    });
    let password = |username: &str| {
        seeded.accounts.iter().find(|a| a.username == username).unwrap().password.clone()
    };
    Server {
        _runtime: runtime,
        _dir: dir,
        base: format!("http://{address}"),
        coordinator_password: password("coordinator"),
        analyst_password: password("analyst"),
    }
}

#[test]
fn coordinator_signs_in_and_reads_a_priority_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = start_demo_server();
    let base = &server.base;
    let shots = output_dir();
    let mut problems = Vec::new();

    browser.goto(&format!("{base}/"));
    assert!(browser.current_url().ends_with("/sign-in"), "{}", browser.current_url());
    assert_eq!(browser.title(), "Sign in – Safer");
    browser.audit("sign-in", None, &mut problems);
    browser.screenshot(&shots.join("01-sign-in.png"));

    // A mistake first: the form comes back with an error summary.
    browser.type_into("#username", "coordinator");
    browser.click("button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    assert!(browser.body_text().contains("Enter your password"));
    browser.audit("sign-in with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("02-sign-in-errors.png"));

    browser.type_into("#password", &server.coordinator_password);
    browser.click("button[type=submit]");
    browser.wait_until("the plan after sign-in", |b| {
        b.current_url().ends_with("/plans/maidstone-2022-25")
    });
    assert!(
        browser.current_url().ends_with("/plans/maidstone-2022-25"),
        "{}: {}",
        browser.current_url(),
        browser.body_text()
    );
    assert!(browser.body_text().contains("Chris Morgan, Maidstone Borough Council"));
    browser.audit("plan overview", None, &mut problems);
    browser.screenshot(&shots.join("03-plan-overview.png"));

    browser.click("a[href='/plans/maidstone-2022-25/priorities/safe-town-centre']");
    browser.wait_until("the priority page", |b| {
        b.current_url().ends_with("/priorities/safe-town-centre")
    });
    let text = browser.body_text();
    assert!(text.contains("Provide a Safe Town Centre"), "{text}");
    assert!(text.contains("A Space to Feel Safe"));
    assert!(text.contains("The SMP will work to restore the reputation of the town"));
    browser.screenshot(&shots.join("04-priority-safe-town-centre.png"));
    browser.audit("priority safe-town-centre", None, &mut problems);

    // The demo's indicators: each with its status in words (never colour alone) and a chart.
    let indicator = browser.execute(
        "const li = document.querySelector(\"li[id$='-town-centre-violence']\"); \
         if (!li) { return null; } li.scrollIntoView(); \
         return [li.querySelector('.app-tag').textContent, \
                 li.querySelectorAll('svg.app-trend polyline').length, \
                 li.querySelector('svg.app-trend title').textContent];",
        serde_json::json!([]),
    );
    let tag = indicator[0].as_str().unwrap_or_default();
    assert!(["Green", "Amber", "Red"].contains(&tag), "indicator: {indicator}");
    assert!(indicator[1].as_u64().unwrap_or(0) >= 1, "indicator: {indicator}");
    assert_eq!(indicator[2], "Trend: Violence and sexual offences", "indicator: {indicator}");
    browser.screenshot(&shots.join("04b-indicators-safe-town-centre.png"));

    let plan = maidstone_plan();
    for priority in &plan.priorities {
        browser.goto(&format!("{base}/plans/maidstone-2022-25/priorities/{}", priority.id));
        browser.audit(&format!("priority {}", priority.id), None, &mut problems);
    }
    // The demo's strategic assessment: listed, its page, then the report as its own document.
    browser.goto(&format!("{base}/assessments"));
    assert!(browser.body_text().contains("Strategic assessment 2022"), "{}", browser.body_text());
    browser.audit("assessments", None, &mut problems);
    browser.click("td.app-table__cell a.app-link");
    browser.wait_until("the assessment page", |b| b.body_text().contains("Open the report"));
    assert!(browser.body_text().contains("Generated"), "{}", browser.body_text());
    browser.audit("assessment", None, &mut problems);
    browser.screenshot(&shots.join("06-assessment.png"));
    browser.click("a[href$='/report']");
    browser.wait_until("the report", |b| b.current_url().ends_with("/report"));
    let report = browser.execute(
        "return [Array.from(document.querySelectorAll('h2')).map(h => h.textContent.trim()), \
                 document.querySelectorAll('svg').length];",
        serde_json::json!([]),
    );
    let headings = report[0].as_array().cloned().unwrap_or_default();
    assert!(headings.iter().any(|h| h == "Key findings"), "report headings: {report}");
    assert!(report[1].as_u64().unwrap_or(0) >= 1, "the report has an SVG chart: {report}");
    browser.audit("assessment report", None, &mut problems);
    browser.screenshot(&shots.join("07-assessment-report.png"));

    for (name, path) in [
        ("groups", "/plans/maidstone-2022-25/groups"),
        ("governance", "/plans/maidstone-2022-25/governance"),
        ("plans", "/plans"),
        ("account", "/account"),
        ("not found", "/no/such/page"),
    ] {
        browser.goto(&format!("{base}{path}"));
        let status = (name == "not found").then_some(404);
        browser.audit(name, status, &mut problems);
        if name == "groups" {
            browser.screenshot(&shots.join("05-groups.png"));
        }
    }

    browser.goto(&format!("{base}/account"));
    browser.click(".app-header__link-button");
    browser.wait_until("the signed-out page", |b| b.current_url().contains("signed_out=1"));
    assert!(browser.current_url().ends_with("/sign-in?signed_out=1"), "{}", browser.current_url());
    assert!(browser.body_text().contains("You have been signed out."));
    browser.audit("signed out", None, &mut problems);

    assert!(problems.is_empty(), "accessibility or console problems:\n{}", problems.join("\n"));

    // The checker itself must be able to fail: a page with an unlabelled image and input.
    browser.goto("data:text/html,<!DOCTYPE html><html><body><img src='x.png'><input type='text'></body></html>");
    if let Some(violations) = browser.axe() {
        let ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
        assert!(
            ids.contains(&"image-alt") && ids.contains(&"label"),
            "axe-core should flag the bad page: {ids:?}"
        );
    }
}

#[test]
fn analyst_regenerates_the_demo_assessment_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = start_demo_server();
    let base = &server.base;
    let shots = output_dir();
    let mut problems = Vec::new();

    browser.goto(&format!("{base}/sign-in?next=/assessments"));
    browser.type_into("#username", "analyst");
    browser.type_into("#password", &server.analyst_password);
    browser.click("button[type=submit]");
    browser.wait_until("the assessments", |b| b.current_url().ends_with("/assessments"));
    assert!(browser.body_text().contains("New assessment"), "{}", browser.body_text());
    browser.audit("assessments (analyst)", None, &mut problems);

    browser.click("td.app-table__cell a.app-link");
    browser.wait_until("the assessment page", |b| b.body_text().contains("Open the report"));
    let before = browser.current_url();
    assert!(
        browser.body_text().contains("Regenerate with today's data"),
        "{}",
        browser.body_text()
    );
    browser.audit("assessment (analyst)", None, &mut problems);
    browser.screenshot(&shots.join("08-assessment-regenerate.png"));

    browser.click("form[action$='/regenerate'] button[type=submit]");
    browser.wait_until("the progress page", |b| b.current_url().contains("/assessments/jobs/"));
    let progress = browser.body_text();
    assert!(
        progress.contains("Building the assessment")
            || progress.contains("The assessment is ready"),
        "{progress}"
    );
    browser.screenshot(&shots.join("09-assessment-progress.png"));
    browser.audit("assessment progress", None, &mut problems);

    // The demo's build takes a while in a debug build; the reader checks progress until done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(240);
    while !browser.body_text().contains("Open the new assessment") {
        let text = browser.body_text();
        assert!(!text.contains("could not be built"), "the build failed: {text}");
        assert!(std::time::Instant::now() < deadline, "the build did not finish: {text}");
        std::thread::sleep(std::time::Duration::from_millis(500));
        browser.click("a.app-button[href^='/assessments/jobs/']");
    }
    assert!(browser.body_text().contains("Done"));
    browser.audit("assessment job done", None, &mut problems);
    browser.screenshot(&shots.join("10-assessment-job-done.png"));

    browser.click("a[href^='/assessments/'].app-link");
    browser.wait_until("the new assessment", |b| b.body_text().contains("Open the report"));
    assert_ne!(browser.current_url(), before, "a new assessment, the old one kept");
    assert!(browser.body_text().contains("Strategic assessment 2022"), "{}", browser.body_text());
    browser.audit("regenerated assessment", None, &mut problems);
    browser.screenshot(&shots.join("11-assessment-regenerated.png"));
    browser.goto(&format!("{base}/assessments"));
    let listed = browser.execute(
        "return document.querySelectorAll('td.app-table__cell a.app-link').length;",
        serde_json::json!([]),
    );
    assert_eq!(listed, 2, "both listed");

    browser.goto(&format!("{base}/assessments/new"));
    assert!(browser.body_text().contains("Start from"));
    browser.audit("new assessment form", None, &mut problems);
    browser.click("form[action='/assessments/new'] button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    browser.audit("new assessment form with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("12-assessment-new-errors.png"));

    assert!(problems.is_empty(), "accessibility or console problems:\n{}", problems.join("\n"));
}
