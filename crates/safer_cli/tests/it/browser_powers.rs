//! Enforcement powers in real headless Chromium: a practitioner opens an ASB case on the case
//! pages, adds the person responsible, records a Community Protection Warning, tries a notice
//! too early and reads why, issues it once the warning's time has passed, and finds the appeal
//! window on "Due and overdue". axe-core finds no accessibility violation on any page on the
//! way. Screenshots go to `target/test-output/` (or `SAFER_TEST_OUTPUT`) as `powers-*.png`.

use std::net::SocketAddr;

use safer_domain::Role;
use safer_storage::Store;
use safer_test_utils::browser::Browser;
use safer_test_utils::env::output_dir;
use safer_test_utils::fixtures::{add_user, import_maidstone, PASSWORD};
use safer_web::{app, system_clock, AppState, WebConfig};
use time::{Date, Duration, OffsetDateTime};

struct Server {
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    base: String,
}

/// A fresh database with the Maidstone partnership and one council practitioner, served on a
/// free port with the system clock.
fn start_server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let address = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let partnership = import_maidstone(&store).await;
        add_user(
            &store,
            partnership,
            "asb-officer",
            "maidstone-borough-council",
            Role::Practitioner,
        )
        .await;
        let state = AppState::new(store, WebConfig::default(), system_clock()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        address
    });
    Server { _runtime: runtime, _dir: dir, base: format!("http://{address}") }
}

/// Sets a form field's value (replacing what is there), as typing would.
fn fill(browser: &Browser, css: &str, value: &str) {
    let done = browser.execute(
        "const el = document.querySelector(arguments[0]); if (!el) { return false; } \
         el.value = arguments[1]; return true;",
        serde_json::json!([css, value]),
    );
    assert_eq!(done, serde_json::json!(true), "no field matches `{css}`");
}

/// Fills the three boxes of a GOV.UK date input.
fn fill_date(browser: &Browser, field: &str, date: Date) {
    fill(browser, &format!("#{field}_day"), &date.day().to_string());
    fill(browser, &format!("#{field}_month"), &u8::from(date.month()).to_string());
    fill(browser, &format!("#{field}_year"), &date.year().to_string());
}

/// Chooses the first real option (after the "Choose…" prompt) of a select.
fn choose_first(browser: &Browser, css: &str) {
    let done = browser.execute(
        "const el = document.querySelector(arguments[0]); if (!el || el.options.length < 2) \
         { return false; } el.selectedIndex = 1; return true;",
        serde_json::json!([css]),
    );
    assert_eq!(done, serde_json::json!(true), "no choice in `{css}`");
}

fn show(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

#[test]
fn practitioner_warns_then_issues_a_cpn_and_sees_the_appeal_clock_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = start_server();
    let base = &server.base;
    let shots = output_dir();
    let mut problems = Vec::new();
    let today = OffsetDateTime::now_utc().date();
    let warned_on = today - Duration::days(20);
    let comply_by = today - Duration::days(6);
    let lawful = comply_by + Duration::days(1);
    let appeal_closes = lawful + Duration::days(20);

    browser.goto(&format!("{base}/sign-in?next=/cases/new"));
    browser.type_into("#username", "asb-officer");
    browser.type_into("#password", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_until("the new case form", |b| b.current_url().ends_with("/cases/new"));

    // Open an ASB case on the colleague's case pages.
    browser.click("#case_type-asb");
    browser.type_into("#summary", "Loud music late at night from a flat above a shop");
    fill_date(&browser, "opened", warned_on - Duration::days(7));
    browser.click("form[action='/cases/new'] button[type=submit]");
    browser.wait_until("the case page", |b| {
        let url = b.current_url();
        url.rsplit('/').next().is_some_and(|last| last.bytes().all(|c| c.is_ascii_digit()))
    });
    let case_url = browser.current_url();
    let case_id = case_url.rsplit('/').next().unwrap().to_string();

    // The person responsible, with a date of birth (a CPN needs one).
    browser.goto(&format!("{base}/cases/{case_id}/subjects/new"));
    browser.click("#kind-person");
    browser.type_into("#name", "Sam Example");
    fill_date(&browser, "born", Date::from_calendar_date(1990, time::Month::May, 4).unwrap());
    browser.click("#part-perpetrator");
    browser.click("#consent-not-required");
    browser.click("form[action$='/subjects/check'] button[type=submit]");
    browser.wait_until("the subject on the case", |b| b.body_text().contains("Sam Example"));

    let powers = format!("{base}/cases/{case_id}/powers");
    browser.goto(&powers);
    assert!(browser.body_text().contains("No powers have been used on this case yet."));
    browser.audit("powers (empty)", None, &mut problems);
    browser.screenshot(&shots.join("powers-01-empty.png"));

    // The warning.
    browser.click(&format!("a[href='/cases/{case_id}/powers/cpw']"));
    browser.wait_until("the warning form", |b| b.current_url().ends_with("/powers/cpw"));
    browser.audit("CPW form", None, &mut problems);
    choose_first(&browser, "#subject");
    browser.type_into("#conduct", "Loud music at night");
    fill_date(&browser, "issued", warned_on);
    fill_date(&browser, "comply_by", comply_by);
    browser.click("#main-content form button[type=submit]");
    browser.wait_until("the warning recorded", |b| {
        b.current_url().ends_with("/powers")
            && b.body_text().contains("Community Protection Warning")
    });
    let text = browser.body_text();
    assert!(text.contains("CPW: a CPN may be issued"), "{text}");
    assert!(text.contains(&show(lawful)), "{text}");
    browser.audit("powers (warning)", None, &mut problems);
    browser.screenshot(&shots.join("powers-02-warning.png"));

    // A notice on the warning's last day to stop: too soon, and the page says so.
    browser.click(&format!("a[href='/cases/{case_id}/powers/cpn']"));
    browser.wait_until("the notice form", |b| b.current_url().ends_with("/powers/cpn"));
    choose_first(&browser, "#subject");
    browser.type_into("#conduct", "loud music at night");
    fill_date(&browser, "issued", comply_by);
    fill(
        &browser,
        "#requirements",
        "Stop: playing amplified music after 23:00\nDo: fit a sound limiter",
    );
    browser.click("#main-content form button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    let text = browser.body_text();
    let expected = format!(
        "Too soon for a CPN: the warning gave until {} to stop, so a CPN may be issued from {}",
        show(comply_by),
        show(lawful)
    );
    assert!(text.contains(&expected), "{text}");
    assert!(browser.title().starts_with("Error: "), "{}", browser.title());
    browser.audit("CPN form with the error", Some(422), &mut problems);
    browser.screenshot(&shots.join("powers-03-cpn-too-soon.png"));

    // The day after: lawful.
    fill_date(&browser, "issued", lawful);
    browser.click("#main-content form button[type=submit]");
    browser.wait_until("the notice issued", |b| {
        b.current_url().ends_with("/powers") && b.body_text().contains("CPN: appeal window closes")
    });
    let text = browser.body_text();
    assert!(text.contains(&show(appeal_closes)), "{text}");
    assert!(!text.contains("CPW: a CPN may be issued"), "the warning's clocks stop: {text}");
    browser.audit("powers (notice)", None, &mut problems);
    browser.screenshot(&shots.join("powers-04-notice.png"));

    // Due and overdue: the appeal window, linked to the case.
    browser.goto(&format!("{base}/due"));
    let text = browser.body_text();
    assert!(text.contains("Due and overdue"), "{text}");
    assert!(text.contains("CPN: appeal window closes"), "{text}");
    assert!(text.contains(&show(appeal_closes)), "{text}");
    assert!(text.contains("ASB-"), "{text}");
    browser.audit("due", None, &mut problems);
    browser.screenshot(&shots.join("powers-05-due.png"));
    browser.click(&format!("a[href='/cases/{case_id}/powers']"));
    browser.wait_until("back on the powers page", |b| b.current_url() == powers);

    assert!(problems.is_empty(), "accessibility or console problems:\n{}", problems.join("\n"));
}
