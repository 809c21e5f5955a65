//! The public front door in real headless Chromium, with axe-core on every page: a resident
//! reports noise anonymously and gets a reference; a resident reports a crime and is sent to
//! the police; a resident applies for a Community Trigger and follows its status; and the
//! whole report journey done with the keyboard alone. Screenshots go to the test output.

use safer_test_utils::browser::Browser;
use safer_test_utils::env::output_dir;

use crate::support::front_door_server;

fn shot(browser: &Browser, name: &str) {
    browser.screenshot(&output_dir().join(name));
}

/// Fills the report from "where" to the check page with the mouse and keyboard as a
/// sighted user would, auditing each page.
fn fill_noise_report(browser: &Browser, problems: &mut Vec<String>, shots: bool) {
    browser.audit("where", None, problems);
    if shots {
        shot(browser, "public-03-where.png");
    }
    browser.type_into("#postcode", "ME15 6JQ");
    browser.type_into("#address", "The flats above the shops on Mill Street");
    browser.click("form button[type=submit]");
    browser.wait_until("the when page", |b| b.body_text().contains("When did it last happen?"));
    browser.audit("when", None, problems);
    browser.type_into("#happened", "1");
    browser.type_into("#happened-month", "11");
    browser.type_into("#happened-year", "2026");
    browser.click("#how_often-daily");
    browser.click("form button[type=submit]");
    browser.wait_until("the details page", |b| b.body_text().contains("What happened?"));
    browser.audit("details", None, problems);
    browser.type_into("#description", "Very loud music from 11pm to 3am most nights");
    browser.click("form button[type=submit]");
    browser.wait_until("the identify page", |b| b.body_text().contains("Do you want to give"));
    browser.audit("identify", None, problems);
    browser.click("#identify-no");
    browser.click("form button[type=submit]");
    browser.wait_until("the check page", |b| b.body_text().contains("Check your answers"));
    browser.audit("check", None, problems);
    if shots {
        shot(browser, "public-04-check.png");
    }
}

#[test]
fn residents_report_noise_are_sent_to_the_police_and_follow_a_trigger_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = front_door_server();
    let base = &server.base;
    let mut problems = Vec::new();

    browser.goto(&format!("{base}/public"));
    browser.audit("start", None, &mut problems);
    shot(&browser, "public-01-start.png");

    // A crime: sent to the police, with the reason, and no report form.
    browser.goto(&format!("{base}/public/report"));
    browser.audit("report start", None, &mut problems);
    browser.click("a.app-button--start");
    browser
        .wait_until("the emergency question", |b| b.body_text().contains("Is someone in danger"));
    browser.audit("emergency", None, &mut problems);
    browser.click("form button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    browser.audit("emergency error", Some(422), &mut problems);
    browser.click("#emergency-no");
    browser.click("form button[type=submit]");
    browser.wait_until("the problems", |b| b.body_text().contains("What is the problem?"));
    browser.audit("problem", None, &mut problems);
    shot(&browser, "public-02-problem.png");
    browser.click("#behaviour-violence");
    browser.click("form button[type=submit]");
    browser
        .wait_until("the police answer", |b| b.body_text().contains("Report this to the police"));
    browser.audit("police answer", None, &mut problems);
    shot(&browser, "public-02b-police.png");
    let text = browser.body_text();
    assert!(text.contains("101") && text.contains("kent.police.uk"), "{text}");

    // Noise, anonymously: a reference and a private link.
    browser.goto(&format!("{base}/public/report/answer?emergency=no&behaviour=noise"));
    browser.audit("report answer", None, &mut problems);
    browser.click("form button[type=submit]");
    browser.wait_until("the where page", |b| b.body_text().contains("Where is this happening?"));
    fill_noise_report(&browser, &mut problems, true);
    browser.click("form[action='/public/report/send'] button[type=submit]");
    browser.wait_until("the confirmation", |b| b.body_text().contains("Report sent"));
    browser.audit("confirmation", None, &mut problems);
    shot(&browser, "public-05-sent.png");
    let reference = browser
        .execute("return document.getElementById('reference').textContent;", serde_json::json!([]))
        .as_str()
        .unwrap()
        .to_string();
    assert!(reference.starts_with("R-"), "{reference}");
    browser.click("#status-link");
    browser.wait_until("the status page", |b| {
        b.body_text().contains("Other reports on the same case")
    });
    browser.audit("report status", None, &mut problems);
    shot(&browser, "public-06-status.png");

    // A Community Trigger, for the same problem, then followed as the partners decide.
    browser.goto(&format!("{base}/public/community-trigger"));
    browser.audit("trigger start", None, &mut problems);
    shot(&browser, "public-07-trigger.png");
    browser.click("form button[type=submit]");
    browser.wait_until("who", |b| b.body_text().contains("Who are you applying for?"));
    browser.audit("trigger who", None, &mut problems);
    browser.click("#who");
    browser.click("form button[type=submit]");
    browser.wait_until("victim", |b| b.body_text().contains("Who does the behaviour affect?"));
    browser.click("#victim");
    browser.click("form button[type=submit]");
    browser.wait_until("references", |b| b.body_text().contains("Your report references"));
    browser.audit("trigger references", None, &mut problems);
    browser.type_into("#references", &reference);
    browser.click("form button[type=submit]");
    browser.wait_until("account", |b| b.body_text().contains("What has happened?"));
    browser.click("form button[type=submit]");
    browser.wait_until("the error", |b| b.body_text().contains("There is a problem"));
    browser.audit("trigger account error", Some(422), &mut problems);
    browser.type_into(
        "#account",
        "Loud music every night since August; reported to the council and police.",
    );
    browser.click("form button[type=submit]");
    browser.wait_until("contact", |b| b.body_text().contains("Your contact details"));
    browser.audit("trigger contact", None, &mut problems);
    browser.type_into("#name", "Sam Neighbour");
    browser.type_into("#contact", "sam@example.org");
    browser.click("form button[type=submit]");
    browser.wait_until("the check page", |b| {
        b.body_text().contains("Check your answers before applying")
    });
    browser.audit("trigger check", None, &mut problems);
    browser.click("form[action='/public/community-trigger/send'] button[type=submit]");
    browser.wait_until("received", |b| b.body_text().contains("Application received"));
    browser.audit("trigger received", None, &mut problems);
    shot(&browser, "public-08-trigger-received.png");
    browser.click("#status-link");
    browser.wait_until("status", |b| b.body_text().contains("checking your application"));
    browser.audit("trigger status", None, &mut problems);
    // The coordinator records the threshold decision; the resident sees it.
    server.runtime.block_on(async {
        let smp =
            server.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap();
        let council =
            server.store.agency_by_code("maidstone-borough-council").await.unwrap().unwrap();
        safer_test_utils::fixtures::add_user(
            &server.store,
            smp.id(),
            "coordinator",
            "maidstone-borough-council",
            safer_domain::Role::Coordinator,
        )
        .await;
        let user = server.store.user_by_username("coordinator").await.unwrap().unwrap();
        let viewer = safer_domain::access::Viewer {
            user: user.id(),
            agency: council.id,
            roles: vec![safer_domain::Role::Coordinator],
        };
        let listed = server.store.trigger_applications(&viewer, smp.id(), 1).await.unwrap();
        let discretion = safer_domain::casework::trigger::Discretion {
            review: true,
            grounds: vec![safer_domain::casework::trigger::DiscretionGround::Persistence],
            reason: "Nightly noise for months".to_string(),
        };
        let input = safer_storage::TriggerDecisionInput {
            decided_on: &time::OffsetDateTime::now_utc().date().to_string(),
            discretion: Some(discretion),
            escalation_route: "",
        };
        server
            .store
            .decide_threshold(&viewer, listed[0].id, &input, |_| "Letter".to_string(), 2)
            .await
            .unwrap();
    });
    browser.execute("location.reload();", serde_json::json!([]));
    browser.wait_until("the decision", |b| {
        b.body_text().contains("decided to review the case anyway")
    });
    browser.audit("trigger status decided", None, &mut problems);
    shot(&browser, "public-09-trigger-status.png");

    assert!(problems.is_empty(), "problems:\n{}", problems.join("\n"));
}

#[test]
fn the_report_journey_works_with_the_keyboard_alone_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = front_door_server();
    let base = &server.base;
    const TAB: &str = "\u{E004}";
    const ENTER: &str = "\u{E007}";
    const DOWN: &str = "\u{E015}";
    browser.goto(&format!("{base}/public"));
    // The skip link is the first thing Tab reaches.
    assert_eq!(browser.tab_to("a.app-skip-link"), 1);
    browser.tab_to("a[href='/public/report']");
    browser.keys(ENTER);
    browser.wait_until("report start", |b| b.body_text().contains("Report anti-social behaviour"));
    browser.tab_to("a.app-button--start");
    browser.keys(ENTER);
    browser.wait_until("emergency", |b| b.body_text().contains("Is someone in danger"));
    browser.tab_to("input[name=emergency]");
    browser.keys(DOWN); // "No"
    browser.tab_to("form button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("problems", |b| b.body_text().contains("What is the problem?"));
    browser.tab_to("input[name=behaviour]");
    for _ in 0..30 {
        let noise = browser.execute(
            "return document.getElementById('behaviour-noise').checked;",
            serde_json::json!([]),
        );
        if noise == serde_json::Value::Bool(true) {
            break;
        }
        browser.keys(DOWN);
    }
    browser.tab_to("form button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("answer", |b| b.body_text().contains("You can report this to us"));
    browser.tab_to("form button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("where", |b| b.body_text().contains("Where is this happening?"));
    browser.tab_to("#postcode");
    browser.keys("ME14 1XX");
    browser.keys(ENTER);
    browser.wait_until("when", |b| b.body_text().contains("When did it last happen?"));
    browser.tab_to("#happened");
    browser.keys(&format!("2{TAB}11{TAB}2026"));
    browser.tab_to("input[name=how_often]");
    browser.keys(DOWN);
    browser.tab_to("form button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("details", |b| b.body_text().contains("What happened?"));
    browser.tab_to("#description");
    browser.keys("Shouting and music late at night");
    browser.tab_to("form button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("identify", |b| b.body_text().contains("Do you want to give"));
    browser.tab_to("input[name=identify]");
    browser.keys(DOWN); // "No"
    browser.tab_to("form button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("check", |b| b.body_text().contains("Check your answers"));
    browser.tab_to("form[action='/public/report/send'] button[type=submit]");
    browser.keys(ENTER);
    browser.wait_until("sent", |b| b.body_text().contains("Report sent"));
    shot(&browser, "public-10-keyboard-sent.png");
    browser.tab_to("#status-link");
    browser.keys(ENTER);
    browser.wait_until("status", |b| b.body_text().contains("Other reports on the same case"));
}
