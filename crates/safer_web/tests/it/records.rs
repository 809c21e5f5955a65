//! Records on a case: documents (upload, download, refusals, CSRF in multipart bodies), the
//! victim risk assessment, the location assessment and problem solving with its assessment
//! step counted from police.uk rows imported through the store.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_analytics::rag::p_value_words;
use safer_analytics::stats::exact_poisson_comparison;
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::ids::{AgencyId, CaseId};
use safer_domain::Role;
use safer_storage::{NewCase, NewIncident, NewSubject, Store, User};
use safer_test_utils::fixtures::{add_user, PASSWORD};

use crate::support::{put_street_month, Jar, Reply, TestApp};

/// What only permitted users may see.
const SUMMARY: &str = "Drug dealing and intimidation by the Brunswick Street flats";

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    jar
}

async fn token(app: &TestApp, jar: &mut Jar) -> String {
    app.get("/account", jar).await.csrf_token()
}

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)], jar: &mut Jar) -> Reply {
    let token = token(app, jar).await;
    let mut with_token = vec![("csrf_token", token.as_str())];
    with_token.extend_from_slice(fields);
    app.post_form(path, &with_token, jar).await
}

/// The app's coordinator (borough council) and a practitioner at an unrelated agency.
async fn users(app: &TestApp) -> (User, User) {
    let store = &app.db.store;
    let smp = store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
    let outsider =
        add_user(store, smp, "c-practitioner", "golding-homes", Role::Practitioner).await;
    let coordinator = store.user_by_username("coordinator").await.unwrap().unwrap();
    (coordinator, outsider)
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

/// Opens an ASB case owned by the coordinator's agency, through the store.
async fn open_case(app: &TestApp, owner: &User) -> i64 {
    let store = &app.db.store;
    let smp = store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
    let new_case = NewCase {
        partnership: smp,
        case_type: CaseType::Asb,
        summary: SUMMARY,
        opened_on: "2023-09-01",
    };
    let (case, _) =
        store.open_case(&viewer(owner, Role::Coordinator), &new_case, 10).await.unwrap();
    case.0
}

/// A `multipart/form-data` body: the fields in order, then the file, as a browser sends them.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----SaferTestBoundary7MA4YWxkTrZu0gW".to_string();
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, content)) = file {
        // Browsers escape quotes in file names (WHATWG HTML, multipart/form-data encoding).
        let file_name = file_name.replace('"', "%22");
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; \
                 filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
    jar: &mut Jar,
) -> Reply {
    let (boundary, body) = multipart(fields, file);
    let request = Request::post(path)
        .header(header::COOKIE, jar.header())
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request, jar).await
}

async fn upload(app: &TestApp, case: i64, name: &str, content: &[u8], jar: &mut Jar) -> Reply {
    let token = token(app, jar).await;
    let path = format!("/cases/{case}/documents");
    post_multipart(app, &path, &[("csrf_token", &token)], Some((name, content)), jar).await
}

/// The href of the first download link on a documents page.
fn first_document_href(page: &str, case: i64) -> String {
    let marker = format!("href=\"/cases/{case}/documents/");
    let start = page.find(&marker).expect("a document link") + "href=\"".len();
    page[start..].split('"').next().unwrap().to_string()
}

/// Upload a text file and get it back byte for byte as an attachment; refuse a file whose
/// extension does not match its content, with the reason in an error summary; accept a file
/// beyond the app's 64 KiB form limit (the route has its own), refuse one beyond the
/// document limit; refuse multipart posts without the token first.
#[tokio::test]
async fn documents_round_trip_and_refusals() {
    for app in TestApp::all().await {
        let label = app.label();
        let (coordinator, _) = users(&app).await;
        let case = open_case(&app, &coordinator).await;
        let mut jar = signed_in(&app, "coordinator").await;
        let page = app.get(&format!("/cases/{case}/documents"), &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("No documents yet"), "{label}");
        assert!(page.body.contains("enctype=\"multipart/form-data\""), "{label}");

        let content = "Mon 3 Jul: music until 2am\nTue 4 Jul: shouting at the door\n";
        let reply =
            upload(&app, case, "noise diary \"July\".txt", content.as_bytes(), &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        assert_eq!(reply.location(), format!("/cases/{case}/documents?uploaded=1"), "{label}");
        let page = app.get(reply.location(), &mut jar).await;
        assert!(page.body.contains("Document uploaded"), "{label}");
        assert!(page.body.contains("noise diary &quot;July&quot;.txt"), "{label}: {}", page.body);
        assert!(page.body.contains("Text"), "{label}");
        let href = first_document_href(&page.body, case);
        let file = app.get(&href, &mut jar).await;
        assert_eq!(file.status, StatusCode::OK, "{label}");
        assert_eq!(file.body, content, "{label}");
        let get = |name: header::HeaderName| {
            file.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
        };
        assert_eq!(get(header::CONTENT_TYPE), "text/plain; charset=utf-8", "{label}");
        assert_eq!(
            get(header::CONTENT_DISPOSITION),
            "attachment; filename=\"noise diary _July_.txt\"; \
             filename*=UTF-8''noise%20diary%20%22July%22.txt",
            "{label}"
        );
        assert_eq!(get(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{label}");
        assert!(get(header::CONTENT_SECURITY_POLICY).starts_with("default-src 'none'"), "{label}");
        assert_eq!(get(header::CACHE_CONTROL), "no-store", "{label}");
        // A document id under another case is not found there.
        let other = open_case(&app, &coordinator).await;
        let moved = href.replace(&format!("/cases/{case}/"), &format!("/cases/{other}/"));
        assert_eq!(app.get(&moved, &mut jar).await.status, StatusCode::NOT_FOUND, "{label}");

        // Text named as a PNG: refused, with the reason, and nothing stored.
        let reply = upload(&app, case, "photo.png", b"just some text\n", &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("There is a problem"), "{label}");
        assert!(reply.body.contains("<a href=\"#document\">"), "{label}");
        assert!(
            reply.body.contains(
                "The file&#x27;s name does not match its content, which is text/plain; \
                 charset=utf-8; rename it to end in .txt"
            ),
            "{label}: {}",
            reply.body
        );
        assert!(reply.body.starts_with("<!DOCTYPE html>"), "{label}");
        // No file chosen.
        let token_now = token(&app, &mut jar).await;
        let path = format!("/cases/{case}/documents");
        let reply =
            post_multipart(&app, &path, &[("csrf_token", &token_now)], None, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("Select a file"), "{label}");

        // Bigger than the app's 64 KiB form limit: this route takes documents.
        let big = "x".repeat(200 * 1024);
        let reply = upload(&app, case, "long.txt", big.as_bytes(), &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        // One byte over the document limit: the form says how big a file may be.
        let huge = vec![b'x'; safer_domain::document::DEFAULT_MAX_BYTES + 1];
        let reply = upload(&app, case, "huge.txt", &huge, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("The selected file must be smaller than 20 MB"), "{label}");
        // Beyond what the middleware reads at all.
        let huger = vec![b'x'; safer_domain::document::DEFAULT_MAX_BYTES + 100 * 1024];
        let reply = upload(&app, case, "huger.txt", &huger, &mut jar).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{label}");
        assert!(reply.body.contains("The selected file must be smaller than 20 MB"), "{label}");

        let page = app.get(&format!("/cases/{case}/documents"), &mut jar).await;
        assert_eq!(page.body.matches("download>").count(), 2, "{label}: two stored");

        // CSRF: no token, a wrong one, the token after the file, a form from another site.
        let doc = ("ok.txt", b"fine\n".as_slice());
        let token_now = token(&app, &mut jar).await;
        for (fields, file) in [
            (vec![], Some(doc)),
            (vec![("csrf_token", "wrong-token-wrong-token-wrong")], Some(doc)),
            (vec![("note", "first"), ("csrf_token", token_now.as_str())], Some(doc)),
        ] {
            let reply = post_multipart(&app, &path, &fields, file, &mut jar).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}: {fields:?}");
            assert!(reply.body.contains("This form has expired"), "{label}");
        }
        let (boundary, body) = multipart(&[], Some(doc));
        let mut body_after = body.clone();
        let mut token_last = multipart(&[("csrf_token", &token_now)], None).1;
        token_last.truncate(token_last.len() - format!("--{boundary}--\r\n").len());
        body_after.truncate(body_after.len() - format!("--{boundary}--\r\n").len());
        body_after.extend_from_slice(&token_last);
        body_after.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = Request::post(&path)
            .header(header::COOKIE, jar.header())
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body_after))
            .unwrap();
        assert_eq!(app.send(request, &mut jar).await.status, StatusCode::FORBIDDEN, "{label}");
        let (boundary, body) = multipart(&[("csrf_token", &token_now)], Some(doc));
        let request = Request::post(&path)
            .header(header::COOKIE, jar.header())
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::ORIGIN, "https://evil.example")
            .header(header::HOST, "localhost")
            .body(Body::from(body))
            .unwrap();
        assert_eq!(app.send(request, &mut jar).await.status, StatusCode::FORBIDDEN, "{label}");
        let page = app.get(&format!("/cases/{case}/documents"), &mut jar).await;
        assert_eq!(page.body.matches("download>").count(), 2, "{label}: none of those stored");
        // An API client may send the token in the header instead, as for JSON.
        let (boundary, body) = multipart(&[], Some(doc));
        let request = Request::post(&path)
            .header(header::COOKIE, jar.header())
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header("x-csrf-token", &token_now)
            .body(Body::from(body))
            .unwrap();
        assert_eq!(app.send(request, &mut jar).await.status, StatusCode::SEE_OTHER, "{label}");
        let page = app.get(&format!("/cases/{case}/documents"), &mut jar).await;
        assert_eq!(page.body.matches("download>").count(), 3, "{label}");
    }
}

/// Every records route of a case answers 404 to an unrelated agency's practitioner and to a
/// user whose roles work no cases, with valid CSRF tokens, and never shows the case.
#[tokio::test]
async fn an_unrelated_agency_gets_404_on_every_route() {
    for app in TestApp::all().await {
        let label = app.label();
        let (coordinator, _) = users(&app).await;
        let case = open_case(&app, &coordinator).await;
        let mut owner = signed_in(&app, "coordinator").await;
        let reply = upload(&app, case, "letter.txt", b"Dear resident\n", &mut owner).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}");
        let page = app.get(&format!("/cases/{case}/documents"), &mut owner).await;
        let doc_href = first_document_href(&page.body, case);
        let reply = post(
            &app,
            &format!("/cases/{case}/problem-solving"),
            &problem_fields(
                "district:Maidstone",
                &["Drugs"],
                "2023-01..2023-03",
                "2023-04..2023-06",
            ),
            &mut owner,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let record = reply.location().rsplit("record-").next().unwrap().to_string();

        for username in ["c-practitioner", "analyst"] {
            let mut jar = signed_in(&app, username).await;
            let gets = [
                format!("/cases/{case}/documents"),
                doc_href.clone(),
                format!("/cases/{case}/risk"),
                format!("/cases/{case}/location-assessment"),
                format!("/cases/{case}/problem-solving"),
            ];
            for path in &gets {
                let reply = app.get(path, &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {username} GET {path}");
                assert!(!reply.body.contains(SUMMARY), "{label}");
                assert!(!reply.body.contains("Dear resident"), "{label}");
            }
            let posts = [
                (format!("/cases/{case}/risk"), all_answers("no")),
                (format!("/cases/{case}/location-assessment"), location_fields()),
                (
                    format!("/cases/{case}/problem-solving"),
                    problem_fields(
                        "district:Maidstone",
                        &[],
                        "2023-01..2023-03",
                        "2023-04..2023-06",
                    ),
                ),
                (
                    format!("/cases/{case}/problem-solving/{record}/assessment"),
                    vec![("conclusion", "It worked")],
                ),
            ];
            for (path, fields) in &posts {
                let reply = post(&app, path, fields, &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {username} POST {path}");
                assert!(!reply.body.contains(SUMMARY), "{label}");
            }
            let reply = upload(&app, case, "mine.txt", b"hello\n", &mut jar).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {username} upload");
        }
        // Nothing the others sent was stored.
        let owner_viewer = viewer(&coordinator, Role::Coordinator);
        let store: &Store = &app.db.store;
        assert_eq!(store.case_documents(&owner_viewer, CaseId(case), 20).await.unwrap().len(), 1);
        assert!(store.risk_assessments(&owner_viewer, CaseId(case), 20).await.unwrap().is_empty());
        assert!(store
            .location_assessments(&owner_viewer, CaseId(case), 20)
            .await
            .unwrap()
            .is_empty());
        let records = store.problem_solving(&owner_viewer, CaseId(case), 20).await.unwrap();
        assert_eq!((records.len(), records[0].assessment.as_deref()), (1, None), "{label}");

        // And the owner's own posts need the token.
        for path in ["risk", "location-assessment", "problem-solving"] {
            let reply =
                app.post_form(&format!("/cases/{case}/{path}"), &[("x", "y")], &mut owner).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}: {path} without a token");
        }
        // A case that does not exist reads the same as one the viewer may not see.
        let reply = app.get("/cases/999999/risk", &mut owner).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}");
    }
}

const QUESTION_IDS: [&str; 17] = [
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

fn all_answers(answer: &'static str) -> Vec<(&'static str, &'static str)> {
    QUESTION_IDS.iter().map(|id| (*id, answer)).collect()
}

/// A missing answer returns the form with an error summary naming the question; a full set
/// is scored, shown with its level, referral and reviews, and listed in the history. Three
/// incidents of the same kind within three months flag a repeat victim.
#[tokio::test]
async fn the_risk_assessment_needs_every_answer_and_shows_its_result() {
    for app in TestApp::all().await {
        let label = app.label();
        let (coordinator, _) = users(&app).await;
        let case = open_case(&app, &coordinator).await;
        let mut jar = signed_in(&app, "coordinator").await;
        let path = format!("/cases/{case}/risk");
        let page = app.get(&path, &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("Personal vulnerability"), "{label}");
        assert!(page.body.contains("Not a repeat victim"), "{label}");
        assert!(page.body.contains("No risk assessments yet"), "{label}");

        let mut answers = all_answers("yes");
        answers.retain(|(id, _)| *id != "violence");
        let reply = post(&app, &path, &answers, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("<title>Error: "), "{label}");
        assert!(reply.body.contains("There is a problem"), "{label}");
        assert!(
            reply.body.contains(
                "<a href=\"#violence\">Select yes or no: Has there been violence or a threat of \
                 violence?</a>"
            ),
            "{label}: {}",
            reply.body
        );
        assert_eq!(reply.body.matches("<li><a href=\"#").count(), 1, "{label}: one error");
        // What was answered stays answered.
        assert!(
            reply
                .body
                .contains("id=\"health\" name=\"health\" type=\"radio\" value=\"yes\" checked"),
            "{label}"
        );
        assert!(app
            .db
            .store
            .risk_assessments(&viewer(&coordinator, Role::Coordinator), CaseId(case), 1)
            .await
            .unwrap()
            .is_empty());

        // A victim on the case: offered, and chosen by default.
        let owner = viewer(&coordinator, Role::Coordinator);
        let victim = NewSubject {
            kind: SubjectKind::Person,
            name: "Jordan Example",
            born_on: None,
            address: None,
            postcode: None,
        };
        let link = (LinkRole::Victim, Consent::Given);
        let store = &app.db.store;
        let subject = store
            .add_new_subject(&owner, CaseId(case), &victim, link.0, link.1, None, 5)
            .await
            .unwrap();
        let page = app.get(&path, &mut jar).await;
        assert!(
            page.body.contains(&format!(
                "<option value=\"{}\" selected>Jordan Example (victim)</option>",
                subject.0
            )),
            "{label}: {}",
            page.body
        );
        let mut with_stranger = all_answers("no");
        with_stranger.push(("subject", "999999"));
        let reply = post(&app, &path, &with_stranger, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("<a href=\"#subject\">Select who was assessed"), "{label}");

        // Everything yes: 41 of 41, high, referral, three reviews (assessed 14 November 2023).
        let subject_id = subject.0.to_string();
        let mut yes = all_answers("yes");
        yes.push(("subject", &subject_id));
        let reply = post(&app, &path, &yes, &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let page = app.get(&path, &mut jar).await;
        assert!(page.body.contains("41 out of 41"), "{label}");
        let who = page.body.find(">Who</dt>").unwrap();
        assert!(page.body[who..].contains("Jordan Example"), "{label}");
        assert!(page.body.contains("app-tag--red\">High risk</strong>"), "{label}");
        assert!(page.body.contains("Refer to victim support"), "{label}");
        assert!(page.body.contains("ASB risk review by sergeant: by 28 November 2023"), "{label}");
        assert!(
            page.body.contains("ASB risk review by chief inspector: by 9 January 2024"),
            "{label}"
        );
        // Then all no: standard, nothing scheduled; both in the history, newest first.
        let reply = post(&app, &path, &all_answers("no"), &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}");
        let page = app.get(&path, &mut jar).await;
        assert!(page.body.contains("0 out of 41"), "{label}");
        assert!(page.body.contains("None scheduled at this level"), "{label}");
        let history = &page.body[page.body.find("id=\"history\"").unwrap()..];
        let standard = history.find(">Standard</strong>").unwrap();
        let high = history.find(">High</strong>").unwrap();
        assert!(standard < high, "{label}: newest first");

        // Three noise incidents within three months of today: a repeat victim.
        for day in ["2023-09-20", "2023-10-15", "2023-11-10"] {
            let incident = NewIncident {
                occurred_on: day,
                reported_on: day,
                reported_to: AgencyId(coordinator.agency_id),
                category: "Noise",
                location: None,
                incident_key: None,
                description: "Loud music",
            };
            store.add_incident(&owner, CaseId(case), &incident, 20).await.unwrap();
        }
        let page = app.get(&path, &mut jar).await;
        assert!(page.body.contains("Repeat victim: 3 or more incidents"), "{label}: {}", page.body);
        assert!(page.body.contains("(Noise)"), "{label}");
    }
}

/// A partnership's own rules (`[casework] rules = FILE`): a repeat victim after 2 similar
/// incidents, and a lower medium band, change what the risk page says.
#[tokio::test]
async fn a_partnerships_own_casework_rules_are_used() {
    let source = include_str!("../../../../examples/casework-rules.toml")
        .replace("medium_from = 12", "medium_from = 2")
        .replace("incidents = 3", "incidents = 2");
    let rules = safer_domain::casework::config::parse_casework_rules(&source).unwrap();
    for db in safer_test_utils::TestDb::all().await {
        let config = safer_web::WebConfig {
            casework: std::sync::Arc::new(rules.clone()),
            ..safer_web::WebConfig::default()
        };
        let app = TestApp::with_config(db, config).await;
        let label = app.label();
        let (coordinator, _) = users(&app).await;
        let case = open_case(&app, &coordinator).await;
        let store = &app.db.store;
        let owner = viewer(&coordinator, Role::Coordinator);
        for day in ["2023-10-15", "2023-11-10"] {
            let incident = NewIncident {
                occurred_on: day,
                reported_on: day,
                reported_to: AgencyId(coordinator.agency_id),
                category: "Noise",
                location: None,
                incident_key: None,
                description: "Loud music",
            };
            store.add_incident(&owner, CaseId(case), &incident, 20).await.unwrap();
        }
        let mut jar = signed_in(&app, "coordinator").await;
        let path = format!("/cases/{case}/risk");
        let page = app.get(&path, &mut jar).await;
        assert!(
            page.body
                .contains("Repeat victim: 2 or more incidents of the same kind within 3 months"),
            "{label}: {}",
            page.body
        );
        // "Are you under 18 or 65 or over?" alone scores 2: medium under these rules.
        let mut answers = all_answers("no");
        for answer in answers.iter_mut().filter(|(id, _)| *id == "age") {
            answer.1 = "yes";
        }
        let reply = post(&app, &path, &answers, &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let page = app.get(&path, &mut jar).await;
        assert!(page.body.contains(">Medium</strong>"), "{label}");
    }
}

fn location_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("young_people", "Groups of 13 to 15 year olds gather after school; few youth services."),
        ("guardianship", "Shop staff and a park warden; no adults in the evening."),
        ("environment", "Unlit path behind the shops; bus stop shelter."),
        ("weighting", "guardianship"),
        ("goals", "Adults present in the evening."),
        ("responses", "Detached youth work two evenings a week; lighting on the path."),
    ]
}

/// The location assessment needs every side, the weighting, goals and responses; a complete
/// one is listed.
#[tokio::test]
async fn the_location_assessment_is_checked_and_listed() {
    for app in TestApp::all().await {
        let label = app.label();
        let (coordinator, _) = users(&app).await;
        let case = open_case(&app, &coordinator).await;
        let mut jar = signed_in(&app, "coordinator").await;
        let path = format!("/cases/{case}/location-assessment");
        let mut fields = location_fields();
        fields.retain(|(name, _)| *name != "weighting" && *name != "goals");
        let reply = post(&app, &path, &fields, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("<a href=\"#weighting\">Select which side"), "{label}");
        assert!(reply.body.contains("<a href=\"#goals\">Enter the goals</a>"), "{label}");
        assert!(reply.body.contains("Unlit path behind the shops"), "{label}: kept");
        let reply = post(&app, &path, &location_fields(), &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let page = app.get(&path, &mut jar).await;
        assert!(page.body.contains("Assessed 14 November 2023"), "{label}");
        assert!(page.body.contains("Detached youth work two evenings a week"), "{label}");
        let weighs = page.body.find("Weighs most").unwrap();
        assert!(page.body[weighs..].contains("Guardianship"), "{label}");
    }
}

fn problem_fields<'a>(
    area: &'a str,
    types: &[&'a str],
    before: &'a str,
    after: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("objective", "Reduce drug dealing near the flats by a third"),
        ("scanning", "Residents report dealing at the stairwells every evening."),
        ("analysis", "Unsecured entrance; no concierge after 6pm."),
        ("response", "Door entry system fitted in March; patrols."),
        ("area", area),
    ];
    fields.extend(types.iter().map(|t| ("crime_type", *t)));
    fields.push(("before", before));
    fields.push(("after", after));
    fields
}

/// The assessment step counts exactly the imported rows of the chosen types in the area, for
/// a district and for LSOA codes; the p-value is the exact test's in words; a period with a
/// month not imported is "not enough data"; the conclusion is saved.
#[tokio::test]
async fn problem_solving_counts_match_the_imported_rows() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        // Drugs, violence and ASB in Maidstone 004A, drugs in Maidstone 012B, drugs in
        // Tonbridge and Malling (another district), month by month.
        let months = ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"];
        let per_month: [(usize, usize, usize, usize); 6] =
            [(9, 2, 4, 7), (11, 3, 5, 6), (8, 1, 3, 9), (4, 2, 2, 8), (3, 0, 1, 7), (2, 4, 3, 6)];
        for (month, (drugs_a, violence_a, drugs_b, drugs_other)) in months.iter().zip(per_month) {
            put_street_month(
                store,
                month,
                &[
                    (drugs_a, "Drugs", "E01024371", "Maidstone 004A"),
                    (violence_a, "Violence and sexual offences", "E01024371", "Maidstone 004A"),
                    (drugs_b, "Drugs", "E01024400", "Maidstone 012B"),
                    (drugs_other, "Drugs", "E01024700", "Tonbridge and Malling 001A"),
                ],
            )
            .await;
        }
        let (coordinator, _) = users(&app).await;
        let case = open_case(&app, &coordinator).await;
        let mut jar = signed_in(&app, "coordinator").await;
        let path = format!("/cases/{case}/problem-solving");

        // Invalid: area, period order, unknown type.
        let reply = post(
            &app,
            &path,
            &problem_fields(
                "ward:Shepway",
                &["Jaywalking"],
                "2023-03..2023-01",
                "2023-04..2023-06",
            ),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        for anchor in ["#area", "#crime_type", "#before"] {
            assert!(reply.body.contains(&format!("<a href=\"{anchor}\">")), "{label}: {anchor}");
        }

        let records = [
            // District, drugs only: 004A and 012B, not Tonbridge.
            ("district:Maidstone", vec!["Drugs"], "2023-01..2023-03", "2023-04..2023-06"),
            // LSOA codes, all types, different lengths.
            ("lsoa:E01024371", vec![], "2023-01..2023-04", "2023-05..2023-06"),
            // The after period runs past the imported months.
            ("district:Maidstone", vec!["Drugs"], "2023-01..2023-03", "2023-05..2023-07"),
        ];
        for (area, types, before, after) in &records {
            let reply =
                post(&app, &path, &problem_fields(area, types, before, after), &mut jar).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        }
        let page = app.get(&path, &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        let sections: Vec<&str> = page.body.split("<section").skip(1).collect();
        assert_eq!(sections.len(), 3, "{label}");

        let sum = |range: std::ops::Range<usize>,
                   pick: fn(&(usize, usize, usize, usize)) -> usize| {
            per_month[range].iter().map(pick).sum::<usize>() as u64
        };
        let expected = [
            (sum(0..3, |m| m.0 + m.2), sum(3..6, |m| m.0 + m.2), 3, 3),
            (sum(0..4, |m| m.0 + m.1), sum(4..6, |m| m.0 + m.1), 4, 2),
        ];
        for (section, (before, after, before_months, after_months)) in sections.iter().zip(expected)
        {
            assert!(
                section.contains(&format!("data-count=\"before\">{before}<")),
                "{label}: before {before} in {section}"
            );
            assert!(section.contains(&format!("data-count=\"after\">{after}<")), "{label}");
            let p = exact_poisson_comparison(before, after, before_months, after_months);
            let words = p_value_words(p);
            let mut chars = words.chars();
            let words: String =
                chars.next().unwrap().to_uppercase().chain(chars).collect::<String>();
            assert!(section.contains(&words), "{label}: {words} in {section}");
        }
        assert!(
            sections[2].contains(
                "Not enough data: the police.uk data for July 2023 has not been imported."
            ),
            "{label}: {}",
            sections[2]
        );
        assert!(!sections[2].contains("data-count"), "{label}");

        // The conclusion: required, then saved.
        let first = page.body.split("/assessment\"").next().unwrap();
        let action = &first[first.rfind("action=\"").unwrap() + "action=\"".len()..];
        let action = format!("{action}/assessment");
        let reply = post(&app, &action, &[("conclusion", "  ")], &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("<a href=\"#conclusion\">Enter the assessment</a>"), "{label}");
        let reply = post(
            &app,
            &action,
            &[("conclusion", "Dealing fell after the door entry system.")],
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let page = app.get(&path, &mut jar).await;
        assert!(page.body.contains("Dealing fell after the door entry system."), "{label}");
        // A record of another case is not found under this one.
        let other = open_case(&app, &coordinator).await;
        let elsewhere = action.replace(&format!("/cases/{case}/"), &format!("/cases/{other}/"));
        let reply = post(&app, &elsewhere, &[("conclusion", "x")], &mut jar).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}");
    }
}
