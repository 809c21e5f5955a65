//! Records on a case in real headless Chromium: a coordinator uploads a document (the browser's
//! own multipart body carries the CSRF token first), completes an ASB victim risk assessment
//! after one missing answer, completes a location assessment after a missing field, and opens
//! the problem-solving page. axe-core finds no accessibility violation on any page on the way.
//! Screenshots go to `target/test-output/` (or `SAFER_TEST_OUTPUT`) as `records-*.png`.

use std::net::SocketAddr;

use safer_domain::access::Viewer;
use safer_domain::case::CaseType;
use safer_domain::ids::AgencyId;
use safer_domain::Role;
use safer_storage::{NewCase, NewIncident, Store};
use safer_test_utils::browser::Browser;
use safer_test_utils::env::output_dir;
use safer_test_utils::fixtures::{add_user, import_maidstone, PASSWORD};
use safer_web::{app, system_clock, AppState, WebConfig};
use time::{Duration, OffsetDateTime};

struct Server {
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    base: String,
    case: i64,
}

fn iso(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// A fresh database with the Maidstone partnership, a council coordinator and an ASB case of
/// theirs with three noise incidents in the last month, served on a free port with the system
/// clock.
fn start_server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (address, case) = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let partnership = import_maidstone(&store).await;
        let user = add_user(
            &store,
            partnership,
            "coordinator",
            "maidstone-borough-council",
            Role::Coordinator,
        )
        .await;
        let viewer = Viewer {
            user: user.id(),
            agency: AgencyId(user.agency_id),
            roles: vec![Role::Coordinator],
        };
        let now = safer_cli::now();
        let today = OffsetDateTime::now_utc().date();
        let new_case = NewCase {
            partnership,
            case_type: CaseType::Asb,
            summary: "Noise and threats from a neighbouring flat",
            opened_on: &iso(today - Duration::days(40)),
        };
        let (case, _) = store.open_case(&viewer, &new_case, now).await.unwrap();
        for days_ago in [30, 20, 5] {
            let day = iso(today - Duration::days(days_ago));
            let incident = NewIncident {
                occurred_on: &day,
                reported_on: &day,
                reported_to: AgencyId(user.agency_id),
                category: "Noise",
                location: None,
                incident_key: None,
                description: "Loud music after midnight",
            };
            store.add_incident(&viewer, case, &incident, now).await.unwrap();
        }
        let state = AppState::new(store, WebConfig::default(), system_clock()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        (address, case.0)
    });
    Server { _runtime: runtime, _dir: dir, base: format!("http://{address}"), case }
}

/// The default risk model's question ids, in the form's order.
const QUESTIONS: [&str; 17] = [
    "health",
    "age",
    "alone",
    "wellbeing",
    "unsafe_home",
    "moving",
    "going_out",
    "near",
    "household",
    "carer",
    "property",
    "daily",
    "long_running",
    "worse",
    "targeted",
    "violence",
    "reported_before",
];

#[test]
fn coordinator_completes_risk_and_location_assessments_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = start_server();
    let base = &server.base;
    let case = server.case;
    let shots = output_dir();
    let mut problems = Vec::new();

    browser.goto(&format!("{base}/sign-in?next=/cases/{case}/documents"));
    browser.type_into("#username", "coordinator");
    browser.type_into("#password", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_until("the documents page", |b| b.current_url().ends_with("/documents"));
    assert!(browser.body_text().contains("No documents yet"), "{}", browser.body_text());
    browser.audit("documents", None, &mut problems);

    // A real upload: Chromium builds the multipart body, the token goes first.
    let upload_dir = tempfile::tempdir().unwrap();
    let diary = upload_dir.path().join("noise diary.txt");
    std::fs::write(&diary, "Fri: music until 3am\nSat: shouting on the stairs\n").unwrap();
    browser.type_into("#document", &diary.display().to_string());
    browser.click("form[enctype='multipart/form-data'] button[type=submit]");
    browser.wait_until("the uploaded document", |b| b.body_text().contains("Document uploaded"));
    let text = browser.body_text();
    assert!(text.contains("noise diary.txt"), "{text}");
    browser.audit("documents after upload", None, &mut problems);
    browser.screenshot(&shots.join("records-01-documents.png"));

    // The risk assessment: the repeat-victim flag from the three noise incidents.
    browser.goto(&format!("{base}/cases/{case}/risk"));
    let text = browser.body_text();
    assert!(text.contains("Repeat victim: 3 or more incidents"), "{text}");
    assert!(text.contains("No risk assessments yet"), "{text}");
    browser.audit("risk", None, &mut problems);
    browser.screenshot(&shots.join("records-02-risk.png"));

    // Every question but one: the error summary names it.
    let answers = |skip: Option<&str>| {
        for (idx, id) in QUESTIONS.iter().enumerate() {
            if Some(*id) == skip {
                continue;
            }
            // Yes to the personal questions and violence; no to the rest.
            let yes = idx < 7 || *id == "violence";
            let css = if yes { format!("#{id}") } else { format!("#{id}-no") };
            browser.click(&css);
        }
    };
    answers(Some("targeted"));
    browser.click("form[action$='/risk'] button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    let text = browser.body_text();
    assert!(
        text.contains(
            "Select yes or no: Do you feel targeted, for example because of who you are?"
        ),
        "{text}"
    );
    assert!(browser.title().starts_with("Error: "), "{}", browser.title());
    browser.audit("risk with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("records-03-risk-errors.png"));

    // The answers given were kept; answer the missing one and save.
    browser.click("#targeted-no");
    browser.click("form[action$='/risk'] button[type=submit]");
    browser.wait_until("the result", |b| b.body_text().contains("Latest assessment"));
    let text = browser.body_text();
    // 3 + 2 + 2 + 3 + 3 + 2 + 2 (personal) + 4 (violence) = 21: medium, just below referral.
    assert!(text.contains("21 out of 41"), "{text}");
    assert!(text.contains("Medium risk"), "{text}");
    assert!(text.contains("ASB risk review by sergeant"), "{text}");
    assert!(!text.contains("Refer to victim support"), "{text}");
    browser.audit("risk result", None, &mut problems);
    browser.screenshot(&shots.join("records-04-risk-result.png"));

    // The location assessment: a missing field first, then the whole triangle.
    browser.goto(&format!("{base}/cases/{case}/location-assessment"));
    assert!(browser.body_text().contains("No location assessments yet"));
    browser.audit("location", None, &mut problems);
    browser.type_into(
        "#young_people",
        "Groups of 13 to 15 year olds meet by the shops after school; no youth club nearby.",
    );
    browser.type_into("#guardianship", "Shop staff until 6pm; nobody in the evening.");
    browser.click("#weighting-guardianship");
    browser.type_into("#goals", "Trusted adults present in the evening.");
    browser.type_into("#responses", "Detached youth work on Thursdays and Fridays.");
    browser.click("form[action$='/location-assessment'] button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    assert!(browser.body_text().contains("Enter the environment and resources of the place"));
    browser.audit("location with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("records-05-location-errors.png"));
    browser.type_into("#environment", "An unlit path behind the shops; a bus shelter.");
    browser.click("form[action$='/location-assessment'] button[type=submit]");
    browser.wait_until("the saved assessment", |b| b.body_text().contains("Assessed "));
    let text = browser.body_text();
    assert!(text.contains("Detached youth work on Thursdays and Fridays."), "{text}");
    assert!(text.contains("Guardianship"), "{text}");
    browser.audit("location saved", None, &mut problems);
    browser.screenshot(&shots.join("records-06-location.png"));

    // Problem solving: the form and its errors.
    browser.goto(&format!("{base}/cases/{case}/problem-solving"));
    browser.audit("problem solving", None, &mut problems);
    browser.click("form[action$='/problem-solving'] button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    browser.audit("problem solving with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("records-07-problem-solving-errors.png"));

    assert!(problems.is_empty(), "accessibility problems:\n{}", problems.join("\n"));
}
