use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_domain::access::Viewer;
use safer_domain::case::Consent;
use safer_domain::ids::AgencyId;
use safer_domain::Role;
use safer_storage::{Store, StoreError};
use safer_test_utils::TestDb;

use crate::support::{front_door_config, Jar, Reply, TestApp};

/// The test clock's day is 14 November 2023.
const HAPPENED: [(&str, &str); 3] =
    [("happened_day", "10"), ("happened_month", "11"), ("happened_year", "2023")];

fn hidden_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        body.find(&marker).unwrap_or_else(|| panic!("no {name} in:\n{body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_string()
}

/// Walks the whole journey for `behaviour` with these answers and returns the check page.
async fn to_check_page(app: &TestApp, jar: &mut Jar, answers: &[(&str, &str)]) -> Reply {
    let first = app.get("/public/report/answer?emergency=no&behaviour=noise", jar).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("You can report this to us"), "{}", first.body);
    let token = first.csrf_token();
    let mut fields: Vec<(&str, &str)> = vec![("csrf_token", &token), ("behaviour", "noise")];
    fields.push(("goto", "where"));
    let page = app.post_form("/public/report", &fields, jar).await;
    assert!(page.body.contains("Where is this happening?"), "{}", page.body);
    fields.pop();
    fields.extend_from_slice(answers);
    // Each page posts everything so far; the server moves to the first unanswered page.
    let mut page = page;
    for _ in 0..8 {
        if page.body.contains("Check your answers before sending") {
            return page;
        }
        let step = hidden_value(&page.body, "step");
        let mut with_step = fields.clone();
        with_step.push(("step", &step));
        page = app.post_form("/public/report", &with_step, jar).await;
        assert_eq!(page.status, StatusCode::OK, "{step}: {}", page.body);
    }
    panic!("never reached the check page:\n{}", page.body);
}

/// The hidden fields of the form posting to `action` on `page` (the answers a send form
/// carries), then `extra`.
fn send_fields(page: &Reply, action: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let form = &page.body[page.body.find(&format!("action=\"{action}\"")).unwrap()..];
    let marker = "<input type=\"hidden\" name=\"";
    let mut fields: Vec<(String, String)> = Vec::new();
    for piece in form.split(marker).skip(1) {
        let name = piece.split('"').next().unwrap().to_string();
        let value = piece.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
        fields.push((name, value.to_string()));
    }
    for (k, v) in extra {
        fields.push((k.to_string(), v.to_string()));
    }
    fields
}

async fn send(app: &TestApp, jar: &mut Jar, check: &Reply, extra: &[(&str, &str)]) -> Reply {
    // The send form is the last form on the check page: its hidden fields are the answers.
    let fields = send_fields(check, "/public/report/send", extra);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form("/public/report/send", &pairs, jar).await
}

/// The reference on a confirmation page.
fn reference_of(done: &Reply) -> String {
    let after = done.body.split("<strong id=\"reference\">").nth(1).expect("a reference");
    after.split('<').next().unwrap().to_string()
}

fn anonymous_noise() -> Vec<(&'static str, &'static str)> {
    let mut answers = vec![
        ("postcode", "me15 6jq"),
        ("address", "The flats above the shops on Mill Street"),
        ("how_often", "daily"),
        ("description", "Very loud music from 11pm to 3am, most nights."),
        ("identify", "no"),
    ];
    answers.extend_from_slice(&HAPPENED);
    answers
}

/// The noise report by a resident who gives these details (and agrees to share them).
fn named_noise(details: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut answers = anonymous_noise();
    answers.retain(|(k, _)| *k != "identify");
    answers.push(("identify", "yes"));
    answers.extend_from_slice(details);
    answers.push(("consent", "yes"));
    answers
}

async fn coordinator(store: &Store) -> Viewer {
    let user = store.user_by_username("coordinator").await.unwrap().unwrap();
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![Role::Coordinator] }
}

#[tokio::test]
async fn the_front_door_is_off_unless_configured() {
    for app in TestApp::all().await {
        let mut jar = Jar::default();
        for path in ["/public", "/public/report", "/public/report/emergency"] {
            assert_eq!(app.get(path, &mut jar).await.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
}

#[tokio::test]
async fn a_resident_reports_noise_anonymously_and_follows_it() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let mut jar = Jar::default();
        let start = app.get("/public", &mut jar).await;
        assert_eq!(start.status, StatusCode::OK);
        assert!(start.body.contains("Safer Maidstone Partnership"));

        let emergency = app.get("/public/report/emergency", &mut jar).await;
        assert!(emergency.body.contains("Is someone in danger"));
        let problem = app.get("/public/report/problem?emergency=no", &mut jar).await;
        assert!(problem.body.contains("value=\"noise\""), "{}", problem.body);

        let check = to_check_page(&app, &mut jar, &anonymous_noise()).await;
        assert!(check.body.contains("Not given (anonymous)"), "{}", check.body);
        assert!(check.body.contains("ME15 6JQ") || check.body.contains("me15 6jq"));
        let done = send(&app, &mut jar, &check, &[]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("Report sent"), "{}", done.body);
        let reference = reference_of(&done);
        assert!(reference.starts_with("R-"), "{reference}");
        let token = done.body.split("href=\"/public/report/status/").nth(1).unwrap();
        let link = format!("/public/report/status/{}", token.split('"').next().unwrap());
        assert!(link.starts_with("/public/report/status/"), "{link}");
        assert!(!done.body.contains("Mill Street"), "the confirmation repeats no answers");

        // Sending the same submission again (a double click) gives the same report.
        let again = send(&app, &mut jar, &check, &[]).await;
        assert!(again.body.contains(&reference), "{}", again.body);
        let smp = app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let smp = smp.unwrap().id();
        assert_eq!(
            app.db.store.count_public_reports(smp).await.unwrap(),
            (1, 1, 1),
            "{}",
            app.label()
        );

        // The status page: progress, no words the resident typed.
        let status = app.get(&link, &mut jar).await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.body);
        assert!(status.body.contains(&reference));
        assert!(status.body.contains("Open"));
        assert!(!status.body.contains("loud music"));
        let wrong = format!("{}x", &link[..link.len() - 1]);
        assert_eq!(app.get(&wrong, &mut jar).await.status, StatusCode::NOT_FOUND);

        // The report is an incident on a new ASB case the council's coordinator sees.
        let viewer = coordinator(&app.db.store).await;
        let cases = app.db.store.list_cases(&viewer, smp, Default::default(), 1).await.unwrap();
        let case = cases.iter().find(|c| c.summary == "Noise reported online").expect("a case");
        let detail = app.db.store.case_detail(&viewer, case.id, 2).await.unwrap();
        assert_eq!(detail.incidents.len(), 1);
        assert!(detail.incidents[0].description.contains("loud music"));
        assert_eq!(detail.incidents[0].occurred_on, "2023-11-10");
    }
}

#[tokio::test]
async fn repeated_named_reports_join_one_case_and_count_for_the_trigger() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let mut jar = Jar::default();
        let answers = named_noise(&[
            ("name", "Alex Resident"),
            ("email", "alex@example.org"),
            ("home_postcode", "ME15 6JR"),
        ]);
        let mut references = Vec::new();
        for _ in 0..3 {
            let check = to_check_page(&app, &mut jar, &answers).await;
            assert!(check.body.contains("alex@example.org"));
            let done = send(&app, &mut jar, &check, &[]).await;
            assert!(done.body.contains("Report sent"), "{}", done.body);
            references.push(reference_of(&done));
        }
        assert_ne!(references[0], references[1]);
        let viewer = coordinator(&app.db.store).await;
        let smp = app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let smp = smp.unwrap().id();
        let cases = app.db.store.list_cases(&viewer, smp, Default::default(), 1).await.unwrap();
        let online: Vec<_> =
            cases.iter().filter(|c| c.summary == "Noise reported online").collect();
        assert_eq!(online.len(), 1, "three reports, one case ({})", app.label());
        let detail = app.db.store.case_detail(&viewer, online[0].id, 2).await.unwrap();
        assert_eq!(detail.incidents.len(), 3);
        let named = detail.subjects.iter().filter(|s| s.name == "Alex Resident").count();
        assert_eq!(named, 1, "the resident is linked once");
        assert!(detail.notes.iter().any(|n| n.body.contains("alex@example.org")));
    }
}

#[tokio::test]
async fn crimes_go_to_the_police_and_emergencies_to_999() {
    let app = TestApp::front_door(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let police = app.get("/public/report/answer?emergency=no&behaviour=violence", &mut jar).await;
    assert!(police.body.contains("Report this to the police"), "{}", police.body);
    assert!(police.body.contains("101"));
    assert!(police.body.contains("https://www.kent.police.uk/report/"));
    assert!(!police.body.contains("action=\"/public/report\""), "no report form for a crime");
    let emergency = app.get("/public/report/problem?emergency=yes", &mut jar).await;
    assert!(emergency.body.contains("Call 999 now"));
    let not_asb =
        app.get("/public/report/answer?emergency=no&behaviour=cooking-smells", &mut jar).await;
    assert!(not_asb.body.contains("This is not anti-social behaviour"), "{}", not_asb.body);
    let missing = app.get("/public/report/problem", &mut jar).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("There is a problem"));
    let unknown = app.get("/public/report/answer?emergency=no&behaviour=nope", &mut jar).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_answers_come_back_with_the_errors() {
    let app = TestApp::front_door(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let first = app.get("/public/report/answer?emergency=no&behaviour=noise", &mut jar).await;
    let token = first.csrf_token();
    let reply = app
        .post_form(
            "/public/report",
            &[
                ("csrf_token", &token),
                ("behaviour", "noise"),
                ("step", "where"),
                ("postcode", "ME15"),
            ],
            &mut jar,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Enter a real postcode"), "{}", reply.body);
    assert!(reply.body.contains("href=\"#postcode\""));
    let mut future = vec![("csrf_token", token.as_str()), ("behaviour", "noise"), ("step", "when")];
    future.extend_from_slice(&[
        ("happened_day", "1"),
        ("happened_month", "1"),
        ("happened_year", "2030"),
        ("how_often", "daily"),
    ]);
    let reply = app.post_form("/public/report", &future, &mut jar).await;
    assert!(reply.body.contains("must be today or in the past"), "{}", reply.body);
    // Without the CSRF token, or not as a form, nothing is accepted.
    let reply = app.post_form("/public/report/send", &[("behaviour", "noise")], &mut jar).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let request = Request::post("/public/report/send")
        .header(header::COOKIE, jar.header())
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &token)
        .body(Body::from("{\"behaviour\":\"noise\"}"))
        .unwrap();
    let reply = app.send(request, &mut jar).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn the_honeypot_and_the_rate_limit_keep_nothing() {
    let db = TestDb::sqlite().await;
    let app = TestApp::with_config(db, front_door_config(2)).await;
    let smp = app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
    let smp = smp.unwrap().id();
    let mut jar = Jar::default();
    let check = to_check_page(&app, &mut jar, &anonymous_noise()).await;
    let bot = send(&app, &mut jar, &check, &[("website", "http://spam.example")]).await;
    assert!(bot.body.contains("Thank you"));
    assert!(!bot.body.contains("R-"));
    assert_eq!(app.db.store.count_public_reports(smp).await.unwrap(), (0, 0, 0));
    for n in 1..=2 {
        let check = to_check_page(&app, &mut jar, &anonymous_noise()).await;
        assert!(send(&app, &mut jar, &check, &[]).await.body.contains("Report sent"), "{n}");
    }
    let check = to_check_page(&app, &mut jar, &anonymous_noise()).await;
    let refused = send(&app, &mut jar, &check, &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(app.db.store.count_public_reports(smp).await.unwrap(), (2, 2, 1));
    app.advance(3600);
    let check = to_check_page(&app, &mut jar, &anonymous_noise()).await;
    assert!(send(&app, &mut jar, &check, &[]).await.body.contains("Report sent"));
}

/// `POST /open311/v2/requests.json` with this form-encoded body.
fn open311_post(body: &str) -> Request<Body> {
    Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// An Open311 client's key is limited to its hourly number of requests, counted whether or not
/// they are accepted; past it, 429 in the spec's error format with `Retry-After`, and nothing
/// kept. A client without a limit is not counted, and the limit is per client.
#[tokio::test]
async fn an_open311_client_is_held_to_its_hourly_limit() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let store = &app.db.store;
        let smp = store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let smp = smp.unwrap().id();
        let nothing = "0".repeat(64);
        let zero = store.add_open311_client(smp, "Nothing", &nothing, Some(0), 1).await;
        assert!(matches!(zero, Err(StoreError::Rule(_))), "{label}");
        let limited = "a".repeat(64);
        let open = "b".repeat(64);
        // Keys are looked up by their SHA-256, as the command line stores them.
        let hash = |key: &str| safer_domain::digest::sha256_hex(key.as_bytes());
        store.add_open311_client(smp, "Limited", &hash(&limited), Some(2), 1).await.unwrap();
        store.add_open311_client(smp, "Relay", &hash(&open), None, 1).await.unwrap();
        let clients = store.open311_clients().await.unwrap();
        let limits: Vec<_> =
            clients.iter().map(|c| (c.name.as_str(), c.requests_per_hour)).collect();
        assert_eq!(limits, [("Limited", Some(2)), ("Relay", None)], "{label}");

        let mut jar = Jar::default();
        let post = |key: &str, code: &str| {
            open311_post(&format!("api_key={key}&service_code={code}&lat=51.2723&long=0.5228"))
        };
        // One refused (no such service) and one accepted use up the limit of two ...
        let refused = app.send(post(&limited, "violence"), &mut jar).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}: {}", refused.body);
        let first = app.send(post(&limited, "noise"), &mut jar).await;
        assert_eq!(first.status, StatusCode::CREATED, "{label}: {}", first.body);
        // ... so the third is 429 in the spec's format, and is not kept.
        let over = app.send(post(&limited, "noise"), &mut jar).await;
        assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{label}");
        let error: serde_json::Value = serde_json::from_str(&over.body).unwrap();
        assert_eq!(error[0]["code"], 429, "{label}: {error}");
        assert!(error[0]["description"].as_str().unwrap().contains("2 requests an hour"));
        let retry: i64 = over.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry), "{label}: {retry}");
        assert_eq!(store.count_public_reports(smp).await.unwrap().0, 1, "{label}");
        // Another client is not held back by it, and one without a limit is never counted.
        for _ in 0..3 {
            let sent = app.send(post(&open, "noise"), &mut jar).await;
            assert_eq!(sent.status, StatusCode::CREATED, "{label}: {}", sent.body);
        }
        // The next hour, the limited client may post again.
        app.advance(3600);
        let later = app.send(post(&limited, "noise"), &mut jar).await;
        assert_eq!(later.status, StatusCode::CREATED, "{label}: {}", later.body);
        assert_eq!(store.count_public_reports(smp).await.unwrap().0, 5, "{label}");
    }
}

/// An Open311 client may ask the consent question as the services' one attribute: yes and no
/// are recorded as given and refused on the resident's link to the case, no answer as not
/// sought, and anything else is a 400 in the spec's format with nothing kept.
#[tokio::test]
async fn open311_reports_record_the_residents_answer_to_the_consent_question() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let store = &app.db.store;
        let smp = store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let smp = smp.unwrap().id();
        let key = "c".repeat(64);
        let hash = safer_domain::digest::sha256_hex(key.as_bytes());
        store.add_open311_client(smp, "Client", &hash, None, 1).await.unwrap();
        let mut jar = Jar::default();
        let definition = app.get("/open311/v2/services/noise.json", &mut jar).await;
        let definition: serde_json::Value = serde_json::from_str(&definition.body).unwrap();
        let attribute = &definition["attributes"][0];
        assert_eq!(attribute["code"], "consent_to_share", "{label}: {definition}");
        assert_eq!(attribute["datatype"], "singlevaluelist");
        assert_eq!(attribute["values"][0]["key"], "yes");

        let post = |first: &str, answer: Option<&str>| {
            let mut body = format!(
                "api_key={key}&service_code=noise&lat=51.2723&long=0.5228&first_name={first}&last_name=Resident"
            );
            if let Some(answer) = answer {
                body.push_str(&format!("&attribute%5Bconsent_to_share%5D={answer}"));
            }
            open311_post(&body)
        };
        let bad = app.send(post("Di", Some("maybe")), &mut jar).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{label}");
        assert!(bad.body.contains("attribute[consent_to_share] must be yes or no"), "{}", bad.body);
        assert_eq!(store.count_public_reports(smp).await.unwrap().0, 0, "{label}");
        for (first, answer) in [("Ann", Some("yes")), ("Bob", Some("no")), ("Cy", None)] {
            let sent = app.send(post(first, answer), &mut jar).await;
            assert_eq!(sent.status, StatusCode::CREATED, "{label}: {}", sent.body);
        }

        let viewer = coordinator(store).await;
        let mut consents = Vec::new();
        for case in store.list_cases(&viewer, smp, Default::default(), 2).await.unwrap() {
            let detail = store.case_detail(&viewer, case.id, 3).await.unwrap();
            for subject in detail.subjects.iter().filter(|s| s.name.ends_with("Resident")) {
                consents.push((subject.name.clone(), subject.consent));
            }
        }
        consents.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            consents,
            [
                ("Ann Resident".to_string(), Consent::Given),
                ("Bob Resident".to_string(), Consent::Refused),
                ("Cy Resident".to_string(), Consent::NotSought),
            ],
            "{label}"
        );
    }
}

/// Walks the Community Trigger application with these answers to its check page.
async fn to_trigger_check(app: &TestApp, jar: &mut Jar, answers: &[(&str, &str)]) -> Reply {
    let start = app.get("/public/community-trigger", jar).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert!(start.body.contains("three times or more in the last 6 months"), "{}", start.body);
    let token = start.csrf_token();
    let mut fields: Vec<(&str, &str)> = vec![("csrf_token", &token)];
    fields.extend_from_slice(answers);
    let mut page = app
        .post_form("/public/community-trigger", &[("csrf_token", &token), ("goto", "who")], jar)
        .await;
    for _ in 0..8 {
        if page.body.contains("Check your answers before applying") {
            return page;
        }
        let step = hidden_value(&page.body, "step");
        let mut with_step = fields.clone();
        with_step.push(("step", &step));
        page = app.post_form("/public/community-trigger", &with_step, jar).await;
        assert_eq!(page.status, StatusCode::OK, "{step}: {}", page.body);
    }
    panic!("never reached the check page:\n{}", page.body);
}

#[tokio::test]
async fn a_resident_applies_for_a_case_review_and_follows_it() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let mut jar = Jar::default();
        // Three named reports of the same noise: one case, three complaints.
        let answers = named_noise(&[("name", "Sam Neighbour"), ("phone", "07700 900982")]);
        let mut reference = String::new();
        for _ in 0..3 {
            let check = to_check_page(&app, &mut jar, &answers).await;
            reference = reference_of(&send(&app, &mut jar, &check, &[]).await);
        }

        // Applying for someone else without their agreement is refused, kindly.
        let start = app.get("/public/community-trigger", &mut jar).await;
        let token = start.csrf_token();
        let refused = app
            .post_form(
                "/public/community-trigger",
                &[
                    ("csrf_token", &token),
                    ("step", "behalf"),
                    ("who", "someone-else"),
                    ("relationship", "Neighbour"),
                    ("agreed", "no"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("only apply for someone else if they agree"));

        let check = to_trigger_check(
            &app,
            &mut jar,
            &[
                ("who", "myself"),
                ("victim", "individual"),
                ("references", &reference.to_lowercase()),
                ("reports_seen", "yes"),
                ("account", "Loud music every night since August, reported three times."),
                ("name", "Sam Neighbour"),
                ("contact", "07700 900982"),
            ],
        )
        .await;
        let fields = send_fields(&check, "/public/community-trigger/send", &[]);
        let pairs: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let done = app.post_form("/public/community-trigger/send", &pairs, &mut jar).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let application = reference_of(&done);
        assert!(application.starts_with("CT-"), "{application}");
        let again = app.post_form("/public/community-trigger/send", &pairs, &mut jar).await;
        assert_eq!(reference_of(&again), application, "sent twice, one application");

        let token = done.body.split("href=\"/public/community-trigger/status/").nth(1).unwrap();
        let link = format!("/public/community-trigger/status/{}", token.split('"').next().unwrap());
        let status = app.get(&link, &mut jar).await;
        assert!(
            status.body.contains("checking your application against the threshold"),
            "{}",
            status.body
        );
        assert!(!status.body.contains("Sam Neighbour"));

        // The coordinator finds it on the reports' case, with the three complaints counted.
        let viewer = coordinator(&app.db.store).await;
        let smp = app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let smp = smp.unwrap().id();
        let listed = app.db.store.trigger_applications(&viewer, smp, 5).await.unwrap();
        assert_eq!(listed.len(), 1, "{}", app.label());
        let id = listed[0].id;
        let assessed = app.db.store.assess_threshold(&viewer, id, 6).await.unwrap();
        assert_eq!(assessed.assessment.qualifying_incidents, 3, "{}", app.label());
        assert!(assessed.assessment.automatic.is_some());
        let input = safer_storage::TriggerDecisionInput {
            decided_on: "2023-11-14",
            discretion: None,
            escalation_route: "",
        };
        app.db
            .store
            .decide_threshold(&viewer, id, &input, |_| "Letter".to_string(), 7)
            .await
            .unwrap();
        let status = app.get(&link, &mut jar).await;
        assert!(status.body.contains("The threshold was met"), "{}", status.body);
    }
}

// ---------------------------------------------------------------------------------------------
// "Where" as a point on the map (issue 7)

/// Stores one month of Kent street rows in Maidstone LSOAs at two snap points, so the map has
/// an extent to draw: longitude 0.50 to 0.55, latitude 51.25 to 51.29.
async fn put_street_points(store: &Store) {
    use safer_storage::{NewStreetRow, PoliceUkFile, PoliceUkRows};
    let rows = [
        (0.50, 51.25, "E01024334", "Maidstone 001A"),
        (0.55, 51.29, "E01024338", "Maidstone 002B"),
    ]
    .into_iter()
    .enumerate()
    .map(|(idx, (longitude, latitude, code, name))| NewStreetRow {
        crime_id: Some(format!("map{idx:061}")),
        reported_by: "Kent Police".to_string(),
        falls_within: "Kent Police".to_string(),
        longitude: Some(longitude),
        latitude: Some(latitude),
        location: "On or near Week Street".to_string(),
        lsoa_code: Some(code.to_string()),
        lsoa_name: Some(name.to_string()),
        crime_type: "Anti-social behaviour".to_string(),
        last_outcome_category: None,
        context: None,
        source_line: idx as i64 + 2,
    })
    .collect();
    let file = PoliceUkFile {
        force: "kent".to_string(),
        month: "2023-09".to_string(),
        file_name: "2023-09/2023-09-kent-street.csv".to_string(),
        content_sha256: "kent2023-09".to_string(),
        n_bad_rows: 0,
    };
    store.replace_police_uk(&file, &PoliceUkRows::Street(rows), 100).await.unwrap();
}

/// The value of attribute `name` on the first tag after `marker`.
fn attribute_after(body: &str, marker: &str, name: &str) -> String {
    let tag = &body[body.find(marker).unwrap_or_else(|| panic!("no {marker} in:\n{body}"))..];
    let tag = &tag[..tag.find('>').unwrap()];
    let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    tag[start..].split('"').next().unwrap().to_string()
}

/// The answers of a report whose "where" is the given map point only.
fn at_point<'a>(lat: &'a str, lon: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut answers = vec![
        ("lat", lat),
        ("lon", lon),
        ("how_often", "daily"),
        ("description", "Very loud music from 11pm to 3am, most nights."),
        ("identify", "no"),
    ];
    answers.extend_from_slice(&HAPPENED);
    answers
}

/// With street points stored, "where" offers the map; a click becomes a point inside the area
/// that answers "where", the check page shows it, and the stored report carries it.
#[tokio::test]
async fn a_resident_chooses_the_place_on_the_map() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        put_street_points(&app.db.store).await;
        let mut jar = Jar::default();
        let first = app.get("/public/report/answer?emergency=no&behaviour=noise", &mut jar).await;
        let token = first.csrf_token();
        let base = [("csrf_token", token.as_str()), ("behaviour", "noise")];

        let mut fields = base.to_vec();
        fields.push(("goto", "where"));
        let place = app.post_form("/public/report", &fields, &mut jar).await;
        assert!(place.body.contains("choose the place on a map instead"), "{}", place.body);
        assert!(place.body.contains("name=\"goto\" value=\"map\""), "{}", place.body);

        // The link-styled button sends the "where" form with goto=map.
        let mut fields = base.to_vec();
        fields.extend_from_slice(&[("step", "where"), ("goto", "map")]);
        let map = app.post_form("/public/report", &fields, &mut jar).await;
        assert_eq!(map.status, StatusCode::OK, "{}", map.body);
        assert!(map.body.contains("type=\"image\""), "{}", map.body);
        assert!(map.body.contains("src=\"/public/report/map.svg\""), "{}", map.body);
        assert!(map.body.contains("enter a postcode"), "the accessible way is named");
        let width: f64 = attribute_after(&map.body, "type=\"image\"", "width").parse().unwrap();
        let height: f64 = attribute_after(&map.body, "type=\"image\"", "height").parse().unwrap();
        assert!(width > 100.0 && height > 100.0, "{width} x {height}");

        // A click in the middle of the map is a point in the middle of the area.
        let (x, y) = (format!("{}", (width / 2.0).round()), format!("{}", (height / 2.0).round()));
        let mut fields = base.to_vec();
        fields.extend_from_slice(&[("step", "map"), ("map.x", &x), ("map.y", &y)]);
        let next = app.post_form("/public/report", &fields, &mut jar).await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);
        assert!(next.body.contains("When did it last happen?"), "{}", next.body);
        let lat = hidden_value(&next.body, "lat");
        let lon = hidden_value(&next.body, "lon");
        let (lat_n, lon_n): (f64, f64) = (lat.parse().unwrap(), lon.parse().unwrap());
        assert!((51.25..=51.29).contains(&lat_n) && (0.50..=0.55).contains(&lon_n), "{lat}, {lon}");
        assert!((lat_n - 51.27).abs() < 0.002 && (lon_n - 0.525).abs() < 0.002, "{lat}, {lon}");

        // The rest of the journey, with the point as the only "where".
        let check = to_check_page(&app, &mut jar, &at_point(&lat, &lon)).await;
        assert!(check.body.contains("Map point"), "{}", check.body);
        let shown = format!("{lat_n:.4}, {lon_n:.4}");
        assert!(check.body.contains(&shown), "{shown} in {}", check.body);
        assert!(check.body.contains("name=\"goto\" value=\"map\""), "a Change button");
        let done = send(&app, &mut jar, &check, &[]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let reference = reference_of(&done);
        let smp = app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let request = app.db.store.public_request(smp.unwrap().id(), &reference).await.unwrap();
        let (stored_lat, stored_lon) = request.expect("the report").point.expect("a point");
        assert!((stored_lat - lat_n).abs() < 1e-6, "{stored_lat} ({})", app.label());
        assert!((stored_lon - lon_n).abs() < 1e-6, "{stored_lon} ({})", app.label());
    }
}

/// A keyboard submits the image button at (0, 0): the map page says what to do instead.
#[tokio::test]
async fn a_map_submitted_from_the_keyboard_asks_for_a_click_or_a_postcode() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        put_street_points(&app.db.store).await;
        let mut jar = Jar::default();
        let first = app.get("/public/report/answer?emergency=no&behaviour=noise", &mut jar).await;
        let token = first.csrf_token();
        for click in
            [[("map.x", "0"), ("map.y", "0")].as_slice(), &[], &[("map.x", "-5"), ("map.y", "9")]]
        {
            let mut fields = vec![("csrf_token", token.as_str()), ("behaviour", "noise")];
            fields.push(("step", "map"));
            fields.extend_from_slice(click);
            let page = app.post_form("/public/report", &fields, &mut jar).await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{click:?}: {}", page.body);
            assert!(
                page.body.contains(
                    "Choose the place by clicking the map, or go back and enter a postcode"
                ),
                "{}",
                page.body
            );
            assert!(page.body.contains("href=\"#map\""), "the summary links to the map");
            assert!(page.body.contains("id=\"map\""));
        }
    }
}

/// Hidden latitude and longitude that are not numbers, out of range or off the map are refused
/// on "where" and when sending.
#[tokio::test]
async fn map_points_out_of_range_or_off_the_map_are_refused() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        put_street_points(&app.db.store).await;
        let mut jar = Jar::default();
        let first = app.get("/public/report/answer?emergency=no&behaviour=noise", &mut jar).await;
        let token = first.csrf_token();
        for (lat, lon) in
            [("95", "0.52"), ("51.27", "200"), ("north", "0.52"), ("51.27", ""), ("52.5", "0.52")]
        {
            let fields = [
                ("csrf_token", token.as_str()),
                ("behaviour", "noise"),
                ("step", "where"),
                ("lat", lat),
                ("lon", lon),
            ];
            let page = app.post_form("/public/report", &fields, &mut jar).await;
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{lat}, {lon}: {}",
                page.body
            );
            assert!(page.body.contains("The place chosen on the map"), "{}", page.body);
        }
        // A check page made with a good point, then sent with one off the map.
        let check = to_check_page(&app, &mut jar, &at_point("51.27", "0.52")).await;
        let tampered = check.body.replace("value=\"51.27\"", "value=\"52.5\"");
        assert_ne!(tampered, check.body);
        let tampered = crate::support::Reply { body: tampered, ..check };
        let refused = send(&app, &mut jar, &tampered, &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert!(refused.body.contains("outside the area we cover"), "{}", refused.body);
    }
}

/// The map is served as cacheable SVG; with no data at all there is no map, and "where"
/// does not offer one.
#[tokio::test]
async fn the_map_is_svg_and_only_offered_when_there_is_data() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let mut jar = Jar::default();
        assert_eq!(app.get("/public/report/map.svg", &mut jar).await.status, StatusCode::NOT_FOUND);
        let first = app.get("/public/report/answer?emergency=no&behaviour=noise", &mut jar).await;
        let token = first.csrf_token();
        let fields = [("csrf_token", token.as_str()), ("behaviour", "noise"), ("goto", "map")];
        let page = app.post_form("/public/report", &fields, &mut jar).await;
        assert!(page.body.contains("Where is this happening?"), "{}", page.body);
        assert!(!page.body.contains("on a map instead"), "{}", page.body);

        put_street_points(&app.db.store).await;
        let svg = app
            .send(Request::get("/public/report/map.svg").body(Body::empty()).unwrap(), &mut jar)
            .await;
        assert_eq!(svg.status, StatusCode::OK, "{}", svg.body);
        assert_eq!(svg.headers[header::CONTENT_TYPE], "image/svg+xml");
        assert_eq!(svg.headers[header::CACHE_CONTROL], "public, max-age=3600");
        assert!(svg.body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{}", svg.body);
        assert!(svg.body.contains("stroke-dasharray"), "the area's extent is drawn");
        assert!(svg.body.ends_with("</svg>"));
    }
}

/// With LSOA boundaries stored for the plan's district, the map draws them (not the extent
/// of street points), and a click inside them is a point.
#[tokio::test]
async fn the_map_draws_stored_lsoa_boundaries() {
    use safer_domain::geography::{AreaKind, Membership};
    use safer_storage::{GeographyBatch, NewBoundary};
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let square = |west: f64, south: f64| {
            let ring = vec![
                [west, south],
                [west + 0.02, south],
                [west + 0.02, south + 0.02],
                [west, south + 0.02],
                [west, south],
            ];
            let geometry =
                safer_domain::geo::MultiPolygon::new(vec![safer_domain::geo::Polygon::new(ring)]);
            serde_json::to_string(&geometry).unwrap()
        };
        let boundary = |code: &str, west: f64, south: f64| NewBoundary {
            code: code.into(),
            kind: AreaKind::Lsoa11,
            geometry_json: square(west, south),
            bbox: [west, south, west + 0.02, south + 0.02],
        };
        let member = |lsoa11: &str| Membership {
            lsoa11: lsoa11.into(),
            parent_kind: AreaKind::Lad,
            parent: "E07000110".into(),
        };
        let batch = GeographyBatch {
            memberships: vec![member("E01024334"), member("E01024338")],
            boundaries: vec![
                boundary("E01024334", 0.50, 51.25),
                boundary("E01024338", 0.52, 51.25),
                boundary("E01099999", 0.30, 51.10),
            ],
            ..GeographyBatch::default()
        };
        app.db.store.import_geography(&batch, 100).await.unwrap();
        let mut jar = Jar::default();
        let svg = app.get("/public/report/map.svg", &mut jar).await;
        assert_eq!(svg.status, StatusCode::OK, "{}", svg.body);
        assert!(svg.body.contains("fill-rule=\"evenodd\""), "{}", svg.body);
        assert!(!svg.body.contains("stroke-dasharray"), "boundaries, not the extent");
        assert_eq!(svg.body.matches('Z').count(), 2, "the district's two LSOAs only");

        let first = app.get("/public/report/answer?emergency=no&behaviour=noise", &mut jar).await;
        let token = first.csrf_token();
        let fields = [("csrf_token", token.as_str()), ("behaviour", "noise"), ("goto", "map")];
        let map = app.post_form("/public/report", &fields, &mut jar).await;
        assert!(map.body.contains("boundaries of Maidstone"), "{}", map.body);
        let width: f64 = attribute_after(&map.body, "type=\"image\"", "width").parse().unwrap();
        let height: f64 = attribute_after(&map.body, "type=\"image\"", "height").parse().unwrap();
        let (x, y) = (format!("{}", (width / 2.0).round()), format!("{}", (height / 2.0).round()));
        let fields = [
            ("csrf_token", token.as_str()),
            ("behaviour", "noise"),
            ("step", "map"),
            ("map.x", &x),
            ("map.y", &y),
        ];
        let next = app.post_form("/public/report", &fields, &mut jar).await;
        assert!(next.body.contains("When did it last happen?"), "{}", next.body);
        let lat: f64 = hidden_value(&next.body, "lat").parse().unwrap();
        let lon: f64 = hidden_value(&next.body, "lon").parse().unwrap();
        assert!((lat - 51.26).abs() < 0.002 && (lon - 0.52).abs() < 0.002, "{lat}, {lon}");
    }
}

/// In a real browser, the "where" page and the map page (with its error) pass axe-core, a
/// click on the map reaches the next question, and the keyboard gets the error, not a point;
/// skipped where Chromium is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_works_in_a_browser_and_passes_axe_core() {
    let Some(db) = TestDb::all().await.into_iter().next() else { return };
    let app = TestApp::front_door(db).await;
    put_street_points(&app.db.store).await;
    let (base, server) = crate::support::serve_front_door(&app.db.store).await;
    let problems = tokio::task::spawn_blocking(move || {
        let Some(browser) = safer_test_utils::browser::Browser::start() else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        let mut audit = |browser: &safer_test_utils::browser::Browser, page: &str| {
            if let Some(violations) = browser.axe() {
                problems.extend(violations.iter().map(|v| format!("{page}: {v}")));
            }
        };
        browser.goto(&format!("{base}/public/report/answer?emergency=no&behaviour=noise"));
        browser.click("form[action='/public/report'] button[type=submit]");
        browser
            .wait_until("the where page", |b| b.body_text().contains("Where is this happening?"));
        audit(&browser, "where");
        browser.click("button[value=map]");
        browser.wait_until("the map page", |b| b.title().starts_with("Choose the place"));
        audit(&browser, "map");
        browser.tab_to("#map");
        browser.keys("\u{E007}");
        browser.wait_until("the keyboard's error", |b| b.title().starts_with("Error:"));
        assert!(browser.body_text().contains("Choose the place by clicking the map"));
        audit(&browser, "map with an error");
        browser.click("#map");
        browser.wait_until("the next question", |b| {
            b.body_text().contains("When did it last happen?")
        });
        problems
    })
    .await
    .unwrap();
    server.abort();
    assert!(problems.is_empty(), "axe-core: {problems:#?}");
}
