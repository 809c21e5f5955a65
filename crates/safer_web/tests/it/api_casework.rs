//! The casework JSON API beyond cases, notes and tasks: enforcement powers, DASH checklists and
//! MARAC referrals, ASB case reviews and case records, each round-tripped on every backend;
//! the statute's refusals as 422 in the rule's words; 404 for another agency, 401 signed out,
//! 403 without the CSRF header, 415 for a body not declared JSON; and the OpenAPI document
//! checked against every `/api/v1` route the routers register.
//!
//! The test clock stands at 14 November 2023, so dates are around then.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, PanelKind, SubjectKind};
use safer_domain::document::DocumentKind;
use safer_domain::ids::{AgencyId, CaseId, PartnershipId};
use safer_domain::Role;
use safer_storage::{NewCase, NewIncident, NewSubject, Store, User};
use safer_test_utils::fixtures::{add_user, PASSWORD};
use serde_json::{json, Value};

use crate::support::{registered_routes, Jar, TestApp};

/// A JSON reply: status and parsed body (`Null` when it is not JSON).
struct Answer {
    status: StatusCode,
    body: Value,
}

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    jar
}

/// Sends `body` as JSON (or nothing), with the CSRF header when `csrf` is given.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
    csrf: Option<&str>,
    jar: &mut Jar,
) -> Answer {
    let reply = app.json(method, path, body, csrf, jar).await;
    Answer { status: reply.status, body: serde_json::from_str(&reply.body).unwrap_or(Value::Null) }
}

async fn get(app: &TestApp, path: &str, jar: &mut Jar) -> Answer {
    send(app, Method::GET, path, None, None, jar).await
}

/// A client: a signed-in jar and its CSRF token.
struct Client {
    jar: Jar,
    token: String,
}

impl Client {
    async fn new(app: &TestApp, username: &str) -> Client {
        let mut jar = signed_in(app, username).await;
        let session = get(app, "/api/v1/session", &mut jar).await;
        assert_eq!(session.status, StatusCode::OK);
        let token = session.body["csrf_token"].as_str().unwrap().to_string();
        Client { jar, token }
    }

    async fn get(&mut self, app: &TestApp, path: &str) -> Answer {
        get(app, path, &mut self.jar).await
    }

    async fn post(&mut self, app: &TestApp, path: &str, body: Value) -> Answer {
        send(app, Method::POST, path, Some(&body), Some(&self.token), &mut self.jar).await
    }
}

/// The messages of a 422's field errors.
fn messages(answer: &Answer) -> Vec<String> {
    answer.body["fields"]
        .as_array()
        .map(|fields| fields.iter().map(|f| format!("{}: {}", f["field"], f["message"])).collect())
        .unwrap_or_default()
}

/// The names of the fields a 422 refers to.
fn field_names(answer: &Answer) -> BTreeSet<&str> {
    answer.body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect()
}

async fn partnership(store: &Store) -> PartnershipId {
    store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id()
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

/// The app's council coordinator as a store viewer.
async fn coordinator(store: &Store) -> Viewer {
    let user = store.user_by_username("coordinator").await.unwrap().unwrap();
    viewer(&user, Role::Coordinator)
}

/// A case of `case_type` opened by the coordinator, with a person linked as `part`.
async fn case_with(
    store: &Store,
    case_type: CaseType,
    name: &str,
    part: LinkRole,
) -> (CaseId, String, i64) {
    let owner = coordinator(store).await;
    let new = NewCase {
        partnership: partnership(store).await,
        case_type,
        summary: "Loud music late at night",
        opened_on: "2023-10-20",
    };
    let (case, reference) = store.open_case(&owner, &new, 1).await.unwrap();
    let person = NewSubject {
        kind: SubjectKind::Person,
        name,
        born_on: Some("1990-05-01"),
        address: None,
        postcode: None,
    };
    let subject =
        store.add_new_subject(&owner, case, &person, part, Consent::Given, None, 2).await.unwrap();
    (case, reference, subject.0)
}

/// A housing practitioner and a housing coordinator: another agency, in the partnership, that
/// no case here is shared with.
async fn outsiders(store: &Store) {
    let smp = partnership(store).await;
    add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    add_user(store, smp, "housing-lead", "golding-homes", Role::Coordinator).await;
    let agency = store.agency_by_code("golding-homes").await.unwrap().unwrap();
    store.add_partnership_agency(smp, agency.id, 0).await.unwrap();
}

#[tokio::test]
async fn powers_are_recorded_and_refused_as_the_forms_do() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        outsiders(store).await;
        let (case, _, subject) =
            case_with(store, CaseType::Asb, "Sam Adult", LinkRole::Perpetrator).await;
        let base = format!("/api/v1/cases/{}/powers", case.0);
        let mut owner = Client::new(&app, "coordinator").await;
        let cpn = json!({
            "subject_id": subject, "conduct": "Loud music at night", "issued_on": "2023-11-11",
            "requirements": ["Stop: playing amplified music after 23:00",
                             "Do: fit a sound limiter by 2023-12-20"],
        });

        // A CPN before any warning: 422, in the rule's words.
        let refused = owner.post(&app, &format!("{base}/cpn"), cpn.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {}", refused.body);
        assert!(
            messages(&refused).iter().any(|m| m.contains(
                "A CPN needs a written warning (CPW) served first on the same recipient about the same conduct"
            )),
            "{label}: {:?}",
            messages(&refused)
        );
        // The form's own checks, under the JSON names.
        let empty = owner.post(&app, &format!("{base}/cpw"), json!({})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let fields = field_names(&empty);
        assert_eq!(
            fields,
            ["comply_by_on", "conduct", "issued_on", "subject_id"].into_iter().collect(),
            "{label}"
        );
        let bad_date = owner
            .post(
                &app,
                &format!("{base}/cpw"),
                json!({ "subject_id": subject, "conduct": "x", "issued_on": "2023-02-30",
                        "comply_by_on": "2023-11-10" }),
            )
            .await;
        assert!(
            messages(&bad_date).contains(
                &"\"issued_on\": \"The day the warning was given must be a real date\"".to_string()
            ),
            "{label}: {:?}",
            messages(&bad_date)
        );
        let unknown = owner.post(&app, &format!("{base}/cpw"), json!({ "subject": 1 })).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(
            owner.post(&app, &format!("{base}/warning"), json!({})).await.status,
            StatusCode::NOT_FOUND,
            "{label}: no such kind"
        );

        let cpw = owner
            .post(
                &app,
                &format!("{base}/cpw"),
                json!({ "subject_id": subject, "conduct": "Loud music at night",
                        "issued_on": "2023-11-01", "comply_by_on": "2023-11-10" }),
            )
            .await;
        assert_eq!(cpw.status, StatusCode::CREATED, "{label}: {}", cpw.body);
        assert_eq!(cpw.body["powers"][0]["kind"], "cpw", "{label}");
        let issued = owner.post(&app, &format!("{base}/cpn"), cpn).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{label}: {}", issued.body);
        let notice =
            issued.body["powers"].as_array().unwrap().iter().find(|p| p["kind"] == "cpn").unwrap()
                ["id"]
                .as_i64()
                .unwrap();
        let fpn = owner
            .post(
                &app,
                &format!("{base}/fpn"),
                json!({ "power_id": notice, "offence_on": "2023-11-12", "given_on": "2023-11-13" }),
            )
            .await;
        assert_eq!(fpn.status, StatusCode::CREATED, "{label}: {}", fpn.body);
        let below = owner
            .post(
                &app,
                &format!("{base}/closure-notice"),
                json!({ "issuer": "police-below-inspector", "served_on": "2023-11-01",
                        "served_time": "10:00", "hours": 24 }),
            )
            .await;
        assert_eq!(below.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            messages(&below).iter().any(|m| m.contains(
                "A closure notice must be issued by a police inspector or above, or by the local authority"
            )),
            "{label}: {:?}",
            messages(&below)
        );
        for (kind, body) in [
            (
                "closure-notice",
                json!({ "issuer": "local-authority", "served_on": "2023-11-01",
                        "served_time": "10:00", "hours": 24 }),
            ),
            ("closure-order", json!({ "made_on": "2023-11-03", "until_on": "2024-02-02" })),
            ("pspo", json!({ "made_on": "2023-11-01" })),
            (
                "injunction",
                json!({ "subject_id": subject, "granted_on": "2023-11-05", "power_of_arrest": true }),
            ),
            ("appeal", json!({ "power_id": notice, "lodged_on": "2023-12-01" })),
        ] {
            let reply = owner.post(&app, &format!("{base}/{kind}"), body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{label}: {kind}: {}", reply.body);
        }
        let powers = owner.get(&app, &base).await;
        assert_eq!(powers.status, StatusCode::OK, "{label}");
        let kinds: Vec<&str> = powers.body["powers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        for kind in ["cpw", "cpn", "fpn", "closure-notice", "closure-order", "pspo", "injunction"] {
            assert!(kinds.contains(&kind), "{label}: {kind} in {kinds:?}");
        }
        assert!(!powers.body["clocks"].as_array().unwrap().is_empty(), "{label}");
        let clocks = owner.get(&app, &format!("/api/v1/cases/{}/clocks", case.0)).await;
        assert_eq!(clocks.status, StatusCode::OK, "{label}");

        // Another agency: 404 on reading and on recording, nothing recorded.
        let mut housing = Client::new(&app, "housing").await;
        assert_eq!(housing.get(&app, &base).await.status, StatusCode::NOT_FOUND, "{label}");
        let injected =
            housing.post(&app, &format!("{base}/pspo"), json!({ "made_on": "2023-11-02" })).await;
        assert_eq!(injected.status, StatusCode::NOT_FOUND, "{label}");
        assert_eq!(injected.body, json!({ "error": "not found" }), "{label}");
        // Signed out: 401. Without the CSRF header: 403. Not JSON: 415.
        let mut anonymous = Jar::default();
        let signed_out = get(&app, &base, &mut anonymous).await;
        assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED, "{label}");
        assert_eq!(signed_out.body["error"], "sign in first", "{label}");
        let pspo = json!({ "made_on": "2023-11-02" });
        let no_token =
            send(&app, Method::POST, &format!("{base}/pspo"), Some(&pspo), None, &mut owner.jar)
                .await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{label}");
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("{base}/pspo"))
            .header(header::COOKIE, owner.jar.header())
            .header("x-csrf-token", &owner.token)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(pspo.to_string()))
            .unwrap();
        let reply = app.send(request, &mut owner.jar).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{label}");
        let after = owner.get(&app, &base).await;
        assert_eq!(
            after.body["powers"].as_array().unwrap().len(),
            powers.body["powers"].as_array().unwrap().len(),
            "{label}: no refused request recorded anything"
        );
    }
}

/// 24 answers, the first `yes` of them yes.
fn dash_answers(yes: usize) -> Value {
    Value::Array(
        (1..=24)
            .map(|n| json!({ "answer": if n <= yes { "yes" } else { "no" }, "comment": format!("Answer {n}") }))
            .collect(),
    )
}

#[tokio::test]
async fn a_dash_checklist_refers_to_marac_and_reads_back() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        outsiders(store).await;
        let smp = partnership(store).await;
        let council = store.agency_by_code("maidstone-borough-council").await.unwrap().unwrap();
        store
            .create_panel(smp, PanelKind::Marac, "Maidstone MARAC", council.id, 28, 0)
            .await
            .unwrap();
        let (da, _, victim) =
            case_with(store, CaseType::DomesticAbuse, "Marisol Example", LinkRole::Victim).await;
        let (asb, _, asb_victim) =
            case_with(store, CaseType::Asb, "Sam Adult", LinkRole::Victim).await;
        let mut owner = Client::new(&app, "coordinator").await;
        let path = format!("/api/v1/cases/{}/dash", da.0);

        let empty = owner.post(&app, &path, json!({})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let fields = field_names(&empty);
        assert_eq!(
            fields,
            ["answers", "incident_on", "victim_id"].into_iter().collect(),
            "{label}"
        );
        assert!(
            messages(&empty)
                .contains(&"\"answers\": \"Select yes, no or don't know for question 24\"".into()),
            "{label}: {:?}",
            messages(&empty)
        );
        let dash = json!({ "victim_id": victim, "incident_on": "2023-11-10",
                           "answers": dash_answers(15), "judgement": "none" });
        let recorded = owner.post(&app, &path, dash.clone()).await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{label}: {}", recorded.body);
        assert_eq!(recorded.body["yes_count"], 15, "{label}");
        assert_eq!(recorded.body["criteria"], json!(["visible-high-risk"]), "{label}");
        let checklist = recorded.body["checklist"].as_i64().unwrap();
        let referral = recorded.body["referral"].as_i64().expect("15 yes answers refer");

        let result = owner.get(&app, &format!("{path}/{checklist}")).await;
        assert_eq!(result.status, StatusCode::OK, "{label}");
        assert_eq!(result.body["yes_count"], 15, "{label}");
        assert_eq!(result.body["answers"][0]["comment"], "Answer 1", "{label}");
        assert_eq!(result.body["referral"]["id"], referral, "{label}");
        let document =
            owner.get(&app, &format!("/api/v1/cases/{}/marac-referrals/{referral}", da.0)).await;
        assert_eq!(document.status, StatusCode::OK, "{label}");
        assert_eq!(document.body["panel"]["name"], "Maidstone MARAC", "{label}");
        assert_eq!(document.body["answers"].as_array().unwrap().len(), 24, "{label}");

        // Below the criteria, no referral; a DASH on an ASB case is 404, as on the web.
        let low = owner
            .post(
                &app,
                &path,
                json!({ "victim_id": victim, "incident_on": "2023-11-12",
                                        "answers": dash_answers(2) }),
            )
            .await;
        assert_eq!(low.status, StatusCode::CREATED, "{label}: {}", low.body);
        assert_eq!(low.body["referral"], Value::Null, "{label}");
        let on_asb = owner
            .post(
                &app,
                &format!("/api/v1/cases/{}/dash", asb.0),
                json!({ "victim_id": asb_victim, "incident_on": "2023-11-10", "answers": dash_answers(15) }),
            )
            .await;
        assert_eq!(on_asb.status, StatusCode::NOT_FOUND, "{label}");

        // Another agency, signed out, no CSRF header.
        let mut housing = Client::new(&app, "housing").await;
        assert_eq!(housing.post(&app, &path, dash.clone()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            housing.get(&app, &format!("{path}/{checklist}")).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let mut anonymous = Jar::default();
        assert_eq!(
            get(&app, &format!("{path}/{checklist}"), &mut anonymous).await.status,
            StatusCode::UNAUTHORIZED,
            "{label}"
        );
        let no_token = send(&app, Method::POST, &path, Some(&dash), None, &mut owner.jar).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{label}");
    }
}

#[tokio::test]
async fn a_case_review_goes_from_application_to_outcome_through_the_api() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        outsiders(store).await;
        let (case, reference, _) =
            case_with(store, CaseType::Asb, "Alex Example", LinkRole::Victim).await;
        let owner_viewer = coordinator(store).await;
        for (occurred_on, reported_on, key) in [
            ("2023-08-01", "2023-08-02", "a"),
            ("2023-09-10", "2023-09-12", "b"),
            ("2023-10-01", "2023-10-01", "c"),
        ] {
            let incident = NewIncident {
                occurred_on,
                reported_on,
                reported_to: owner_viewer.agency,
                category: "noise",
                location: None,
                incident_key: Some(key),
                description: "Shouting and loud music at night",
            };
            store.add_incident(&owner_viewer, case, &incident, 3).await.unwrap();
        }
        let mut owner = Client::new(&app, "coordinator").await;
        let empty = owner.post(&app, "/api/v1/trigger/applications", json!({})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            messages(&empty).contains(&"\"applicant_name\": \"Enter the applicant's name\"".into()),
            "{label}: {:?}",
            messages(&empty)
        );
        let application = json!({
            "case": "existing", "case_reference": reference, "applicant": "victim",
            "applicant_name": "Alex Example", "victim": "individual", "received_on": "2023-11-01",
        });
        let created = owner.post(&app, "/api/v1/trigger/applications", application.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{label}: {}", created.body);
        let id = created.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/trigger/applications/{id}");
        assert_eq!(created.body["case"]["id"], case.0, "{label}");

        let decided = owner
            .post(&app, &format!("{path}/decision"), json!({ "decided_on": "2023-11-05" }))
            .await;
        assert_eq!(decided.status, StatusCode::OK, "{label}: {}", decided.body);
        assert_eq!(decided.body["decision"]["outcome"], "met", "{label}");
        assert!(
            decided.body["decision_letter"].as_str().unwrap().contains("Dear Alex Example,"),
            "{label}"
        );
        let future = owner
            .post(
                &app,
                &format!("{path}/review"),
                json!({ "held_on": "2030-01-01", "bodies": ["council"], "findings": "x" }),
            )
            .await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            messages(&future).contains(
                &"\"held_on\": \"The date of the review must be today or in the past\"".into()
            ),
            "{label}: {:?}",
            messages(&future)
        );
        let reviewed = owner
            .post(
                &app,
                &format!("{path}/review"),
                json!({ "held_on": "2023-11-10", "bodies": ["council", "police"],
                        "findings": "The agencies did not share what they knew." }),
            )
            .await;
        assert_eq!(reviewed.status, StatusCode::OK, "{label}: {}", reviewed.body);
        assert_eq!(reviewed.body["review"]["bodies"], json!(["council", "police"]), "{label}");
        let recommended = owner
            .post(
                &app,
                &format!("{path}/recommendations"),
                json!({ "recommendation": "Name one lead officer for the case",
                        "owner_id": owner_viewer.user.0, "due_on": "2023-12-01" }),
            )
            .await;
        assert_eq!(recommended.status, StatusCode::CREATED, "{label}: {}", recommended.body);
        assert_eq!(
            recommended.body["recommendations"][0]["recommendation"],
            "Name one lead officer for the case",
            "{label}"
        );
        let sent =
            owner.post(&app, &format!("{path}/outcome"), json!({ "sent_on": "2023-11-12" })).await;
        assert_eq!(sent.status, StatusCode::OK, "{label}: {}", sent.body);
        assert!(
            sent.body["outcome_letter"]
                .as_str()
                .unwrap()
                .contains("The agencies did not share what they knew."),
            "{label}"
        );
        let read = owner.get(&app, &path).await;
        assert_eq!(read.status, StatusCode::OK, "{label}");
        assert_eq!(read.body["outcome_sent_on"], "2023-11-12", "{label}");

        // Another agency's coordinator: 404, as for a missing application. A practitioner
        // (no case reviews): 404 on every route. Signed out: 401. No CSRF header: 403.
        let mut lead = Client::new(&app, "housing-lead").await;
        assert_eq!(lead.get(&app, &path).await.status, StatusCode::NOT_FOUND, "{label}");
        let injected = lead
            .post(
                &app,
                &format!("{path}/recommendations"),
                json!({ "recommendation": "x",
                  "owner_id": owner_viewer.user.0, "due_on": "2023-12-01" }),
            )
            .await;
        assert_eq!(injected.status, StatusCode::NOT_FOUND, "{label}");
        assert_eq!(
            lead.get(&app, "/api/v1/trigger/applications/999999").await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let mut housing = Client::new(&app, "housing").await;
        assert_eq!(
            housing.post(&app, "/api/v1/trigger/applications", application.clone()).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let mut anonymous = Jar::default();
        assert_eq!(get(&app, &path, &mut anonymous).await.status, StatusCode::UNAUTHORIZED);
        let no_token = send(
            &app,
            Method::POST,
            "/api/v1/trigger/applications",
            Some(&application),
            None,
            &mut owner.jar,
        )
        .await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{label}");
        let after = owner.get(&app, &path).await;
        assert_eq!(after.body["recommendations"].as_array().unwrap().len(), 1, "{label}");
    }
}

#[tokio::test]
async fn case_records_are_read_and_added_through_the_api() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        outsiders(store).await;
        let (case, _, victim) =
            case_with(store, CaseType::Asb, "Sam Victim", LinkRole::Victim).await;
        let owner_viewer = coordinator(store).await;
        let document = store
            .add_document(
                &owner_viewer,
                case,
                "diary.txt",
                DocumentKind::Text,
                b"Diary of the nuisance\n",
                5,
            )
            .await
            .unwrap();
        let base = format!("/api/v1/cases/{}", case.0);
        let mut owner = Client::new(&app, "coordinator").await;

        let documents = owner.get(&app, &format!("{base}/documents")).await;
        assert_eq!(documents.status, StatusCode::OK, "{label}");
        let listed = &documents.body["documents"][0];
        assert_eq!(listed["id"], document, "{label}");
        assert_eq!(listed["file_name"], "diary.txt", "{label}");
        assert_eq!(listed["download"], format!("/cases/{}/documents/{document}", case.0));
        assert!(
            !documents.body.to_string().contains("Diary of the nuisance"),
            "{label}: metadata only"
        );

        // Risk: every question answered, as the form requires.
        let risk = owner.get(&app, &format!("{base}/risk")).await;
        assert_eq!(risk.status, StatusCode::OK, "{label}");
        let questions: Vec<String> = risk.body["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(questions.len(), 17, "{label}");
        let partial = owner
            .post(&app, &format!("{base}/risk"), json!({ "answers": { "violence": true } }))
            .await;
        assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(partial.body["fields"].as_array().unwrap().len(), 16, "{label}");
        let answers: serde_json::Map<String, Value> =
            questions.iter().map(|q| (q.clone(), Value::Bool(q == "violence"))).collect();
        let assessed = owner
            .post(
                &app,
                &format!("{base}/risk"),
                json!({ "subject_id": victim, "answers": answers }),
            )
            .await;
        assert_eq!(assessed.status, StatusCode::CREATED, "{label}: {}", assessed.body);
        let risk = owner.get(&app, &format!("{base}/risk")).await;
        let stored = &risk.body["assessments"][0];
        assert_eq!(stored["subject_id"], victim, "{label}");
        assert_eq!(stored["yes"], json!(["violence"]), "{label}");

        // Location assessment.
        let location = json!({
            "young_people": "Few places to go", "guardianship": "No caretaker after 6pm",
            "environment": "Broken lighting", "weighting": "guardianship",
            "goals": "Fewer callouts", "responses": "Fix the lights",
        });
        let empty = owner.post(&app, &format!("{base}/location-assessment"), json!({})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(empty.body["fields"].as_array().unwrap().len(), 6, "{label}");
        let added =
            owner.post(&app, &format!("{base}/location-assessment"), location.clone()).await;
        assert_eq!(added.status, StatusCode::CREATED, "{label}: {}", added.body);
        let read = owner.get(&app, &format!("{base}/location-assessment")).await;
        assert_eq!(read.body["assessments"][0]["guardianship"], "No caretaker after 6pm");
        assert_eq!(read.body["assessments"][0]["assessed_on"], "2023-11-14", "{label}");

        // Problem solving.
        let record = json!({
            "objective": "Halve the callouts", "scanning": "Calls every evening",
            "analysis": "One flat", "response": "Mediation", "area": "district:Maidstone",
            "crime_types": ["Anti-social behaviour"],
            "before_period": "2023-01..2023-03", "after_period": "2023-04..2023-06",
        });
        let backwards = owner
            .post(
                &app,
                &format!("{base}/problem-solving"),
                json!({ "objective": "x", "scanning": "x", "analysis": "x", "response": "x",
                        "area": "district:Maidstone", "before_period": "2023-04..2023-06",
                        "after_period": "2023-01..2023-03" }),
            )
            .await;
        assert!(
            messages(&backwards).contains(
                &"\"after_period\": \"The after period must start after the before period ends\""
                    .into()
            ),
            "{label}: {:?}",
            messages(&backwards)
        );
        let added = owner.post(&app, &format!("{base}/problem-solving"), record).await;
        assert_eq!(added.status, StatusCode::CREATED, "{label}: {}", added.body);
        let read = owner.get(&app, &format!("{base}/problem-solving")).await;
        assert_eq!(read.body["records"][0]["objective"], "Halve the callouts", "{label}");
        assert_eq!(read.body["records"][0]["crime_types"], json!(["Anti-social behaviour"]));

        // Another agency: 404 everywhere; signed out: 401; no CSRF header: 403.
        let mut housing = Client::new(&app, "housing").await;
        for path in ["documents", "risk", "location-assessment", "problem-solving"] {
            let reply = housing.get(&app, &format!("{base}/{path}")).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {path}");
        }
        let injected =
            housing.post(&app, &format!("{base}/location-assessment"), location.clone()).await;
        assert_eq!(injected.status, StatusCode::NOT_FOUND, "{label}");
        let mut anonymous = Jar::default();
        assert_eq!(
            get(&app, &format!("{base}/risk"), &mut anonymous).await.status,
            StatusCode::UNAUTHORIZED
        );
        let no_token = send(
            &app,
            Method::POST,
            &format!("{base}/location-assessment"),
            Some(&location),
            None,
            &mut owner.jar,
        )
        .await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{label}");
        let read = owner.get(&app, &format!("{base}/location-assessment")).await;
        assert_eq!(read.body["assessments"].as_array().unwrap().len(), 1, "{label}");

        // A closed case takes no more records: 403 with the reason.
        store.close_case(&owner_viewer, case, "2023-11-14", "2029-11-14", 6).await.unwrap();
        let closed = owner.post(&app, &format!("{base}/location-assessment"), location).await;
        assert_eq!(closed.status, StatusCode::FORBIDDEN, "{label}");
        assert_eq!(closed.body["error"], "This case is closed: records cannot be added");
    }
}

/// Every `$ref` in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

/// The OpenAPI document describes exactly the `/api/v1` routes the routers register, with
/// their methods; every `$ref` resolves; every unsafe operation takes the CSRF header and
/// documents its body.
#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = TestApp::all().await.into_iter().next().unwrap();
    let mut jar = Jar::default();
    let reply = get(&app, "/api/v1/openapi.json", &mut jar).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.body;
    assert_eq!(document["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            documented.insert((path.clone(), method.clone()));
            if method != "get" {
                let parameters = operation["parameters"].as_array().unwrap();
                assert!(
                    parameters.iter().any(|p| p["name"] == "X-CSRF-Token"),
                    "{method} {path} names the CSRF header"
                );
                let takes_body = operation.get("requestBody").is_some();
                assert!(
                    takes_body || path.ends_with("/complete"),
                    "{method} {path} documents its body"
                );
            }
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()));
        }
    }
    let registered: BTreeSet<(String, String)> =
        registered_routes().into_iter().filter(|(path, _)| path.starts_with("/api/v1")).collect();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "API routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(stale.is_empty(), "documented but not registered: {stale:?}");
    for route in [
        "/api/v1/cases/{id}/powers/{kind}",
        "/api/v1/cases/{id}/dash",
        "/api/v1/trigger/applications/{id}/outcome",
        "/api/v1/cases/{id}/problem-solving",
    ] {
        assert!(documented.iter().any(|(p, _)| p == route), "{route}");
    }
    let mut targets = Vec::new();
    refs(&document, &mut targets);
    for target in targets {
        let name = target.strip_prefix("#/components/schemas/").expect("a schema reference");
        assert!(document["components"]["schemas"].get(name).is_some(), "{target} resolves");
    }
}
