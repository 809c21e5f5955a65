//! An ASB case review in real headless Chromium: a coordinator records an application for a
//! case with three qualifying complaints (one incident reported to both the council and the
//! police, counted once), sees the threshold met, records the decision, the review and a
//! recommendation, and reads the outcome letter; axe-core finds no accessibility violation on
//! any page on the way. Screenshots go to `target/test-output/` (or `SAFER_TEST_OUTPUT`).

use std::net::SocketAddr;

use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::ids::AgencyId;
use safer_domain::Role;
use safer_storage::{NewCase, NewIncident, NewSubject, Store};
use safer_test_utils::browser::Browser;
use safer_test_utils::env::output_dir;
use safer_test_utils::fixtures::{add_user, import_maidstone, PASSWORD};
use safer_web::{app, system_clock, AppState, WebConfig};

struct Server {
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    base: String,
    case_reference: String,
}

/// A server on a fresh database with a coordinator (`asb-lead`) and an ASB case whose
/// incidents hold three qualifying complaints.
fn start_server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (address, case_reference) = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let smp = import_maidstone(&store).await;
        let lead =
            add_user(&store, smp, "asb-lead", "maidstone-borough-council", Role::Coordinator).await;
        let police = add_user(&store, smp, "pc-lee", "kent-police", Role::Practitioner).await;
        let viewer = Viewer {
            user: lead.id(),
            agency: AgencyId(lead.agency_id),
            roles: vec![Role::Coordinator],
        };
        let new = NewCase {
            partnership: smp,
            case_type: CaseType::Asb,
            summary: "Noise and intimidation, Tonbridge Road",
            opened_on: "2026-03-01",
        };
        let (case, reference) = store.open_case(&viewer, &new, 1).await.unwrap();
        let victim = NewSubject {
            kind: SubjectKind::Person,
            name: "Alex Example",
            born_on: None,
            address: None,
            postcode: None,
        };
        store
            .add_new_subject(&viewer, case, &victim, LinkRole::Victim, Consent::Given, None, 2)
            .await
            .unwrap();
        let council = viewer.agency;
        let police = AgencyId(police.agency_id);
        for (occurred_on, reported_on, reported_to, key) in [
            ("2026-03-01", "2026-03-02", council, "k1"),
            ("2026-03-01", "2026-03-03", police, "k1"),
            ("2026-04-10", "2026-04-11", police, "k2"),
            ("2026-05-01", "2026-05-02", council, "k3"),
        ] {
            let incident = NewIncident {
                occurred_on,
                reported_on,
                reported_to,
                category: "noise",
                location: None,
                incident_key: Some(key),
                description: "Loud music and shouting after midnight",
            };
            store.add_incident(&viewer, case, &incident, 3).await.unwrap();
        }
        let state = AppState::new(store, WebConfig::default(), system_clock()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        (address, reference)
    });
    Server { _runtime: runtime, _dir: dir, base: format!("http://{address}"), case_reference }
}

/// Replaces the value of the field matching `css` (some come filled in with today's date).
fn fill(browser: &Browser, css: &str, text: &str) {
    browser.execute("document.querySelector(arguments[0]).value = '';", serde_json::json!([css]));
    browser.type_into(css, text);
}

#[test]
fn coordinator_takes_a_case_review_to_the_outcome_letter_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = start_server();
    let base = &server.base;
    let shots = output_dir();
    let mut problems = Vec::new();

    browser.goto(&format!("{base}/sign-in?next=/trigger"));
    browser.type_into("#username", "asb-lead");
    browser.type_into("#password", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_until("the case reviews", |b| b.current_url().ends_with("/trigger"));
    assert!(browser.body_text().contains("Figures to publish"), "{}", browser.body_text());
    browser.audit("case reviews", None, &mut problems);
    browser.screenshot(&shots.join("trigger-01-list.png"));

    browser.click("a[href='/trigger/new']");
    browser.wait_until("the application form", |b| b.current_url().ends_with("/trigger/new"));
    browser.audit("new application", None, &mut problems);
    // A mistake first: nothing chosen, and the form comes back with an error summary.
    browser.click("form[action='/trigger/new'] button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    assert!(browser.body_text().contains("Select who is applying"));
    browser.audit("new application with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("trigger-02-new-errors.png"));

    browser.click("#case");
    fill(&browser, "#case_reference", &server.case_reference);
    browser.click("#applicant");
    fill(&browser, "#applicant_name", "Alex Example");
    fill(&browser, "#received_on", "2026-06-01");
    browser.click("form[action='/trigger/new'] button[type=submit]");
    browser.wait_until("the application page", |b| b.body_text().contains("Threshold assessment"));
    let page = browser.current_url();
    let text = browser.body_text();
    assert!(text.contains("The threshold is met: 3 qualifying complaints"), "{text}");
    assert!(text.contains("Counts once: the same incident as complaint 1"), "{text}");
    browser.audit("application", None, &mut problems);
    browser.screenshot(&shots.join("trigger-03-threshold-met.png"));

    fill(&browser, "#decided_on", "2026-06-05");
    browser.click("form[action$='/decision'] button[type=submit]");
    browser.wait_until("the decision", |b| {
        b.body_text().contains("View and print the decision letter")
    });
    browser.click("a[href$='/decision-letter']");
    browser.wait_until("the decision letter", |b| b.current_url().ends_with("/decision-letter"));
    let letter = browser.body_text();
    assert!(letter.contains("Dear Alex Example,"), "{letter}");
    assert!(letter.contains("the threshold for a case review is met"), "{letter}");
    browser.audit("decision letter", None, &mut problems);
    browser.screenshot(&shots.join("trigger-04-decision-letter.png"));

    browser.goto(&page);
    fill(&browser, "#held_on", "2026-06-20");
    browser.click("#bodies");
    browser.click("#bodies-police");
    fill(
        &browser,
        "#findings",
        "Each agency dealt with its own reports; nobody saw the whole pattern.",
    );
    browser.click("form[action$='/review'] button[type=submit]");
    browser.wait_until("the recommendation form", |b| {
        b.body_text().contains("Add the recommendation")
    });
    browser.audit("review held", None, &mut problems);

    fill(&browser, "#recommendation", "Name one lead officer and agree a joint action plan");
    fill(&browser, "#due_on", "2026-07-31");
    browser.click("form[action$='/recommendations'] button[type=submit]");
    browser.wait_until("the recommendation", |b| {
        b.body_text().contains("Name one lead officer and agree a joint action plan")
            && b.body_text().contains("31 July 2026")
    });
    browser.audit("recommendation added", None, &mut problems);
    browser.screenshot(&shots.join("trigger-05-recommendation.png"));

    fill(&browser, "#sent_on", "2026-06-25");
    browser.click("form[action$='/outcome'] button[type=submit]");
    browser.wait_until("the outcome letter", |b| b.current_url().ends_with("/outcome-letter"));
    let letter = browser.body_text();
    assert!(letter.contains("nobody saw the whole pattern"), "{letter}");
    assert!(
        letter.contains(
            "1. Name one lead officer and agree a joint action plan (to be done by 31 July 2026)"
        ),
        "{letter}"
    );
    assert!(letter.contains("Taking part were the council and the police."), "{letter}");
    browser.audit("outcome letter", None, &mut problems);
    browser.screenshot(&shots.join("trigger-06-outcome-letter.png"));

    browser.goto(&page);
    assert!(browser.body_text().contains("Outcome sent"));
    browser.audit("application, outcome sent", None, &mut problems);
    browser.screenshot(&shots.join("trigger-07-done.png"));
    browser.goto(&format!("{base}/trigger"));
    assert!(browser.body_text().contains("Outcome sent"));
    browser.audit("case reviews with figures", None, &mut problems);
    browser.goto(&format!("{base}/api/v1/trigger/figures?year=2026"));
    let figures: serde_json::Value = serde_json::from_str(&browser.body_text()).unwrap();
    assert_eq!(
        (
            &figures["applications"],
            &figures["threshold_not_met"],
            &figures["reviews_carried_out"],
            &figures["reviews_with_recommendations"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(0),
            &serde_json::json!(1),
            &serde_json::json!(1)
        ),
        "{figures}"
    );

    assert!(problems.is_empty(), "accessibility or console problems:\n{}", problems.join("\n"));
}
