use axum::http::{header, Method, StatusCode};
use safer_domain::access::Viewer;
use safer_domain::ids::{AgencyId, CaseId, PartnershipId};
use safer_domain::Role;
use safer_storage::User;
use safer_test_utils::fixtures::{add_user, PASSWORD};

use crate::support::{Jar, Reply, TestApp};

/// What only permitted users may ever see.
const SUMMARY: &str = "Repeated noise and threats on the Shepway estate";
const SUBJECT: &str = "Alexandra Quill";

/// The partnership of the test app.
async fn partnership(app: &TestApp) -> PartnershipId {
    app.db
        .store
        .partnership_by_slug("safer-maidstone-partnership")
        .await
        .unwrap()
        .expect("the test app's partnership")
        .id()
}

/// Users beside the app's `coordinator` and `analyst` (both at the borough council, agency A):
/// A's other roles, a practitioner at the police (B, the case is shared with it) and one at a
/// housing association (C, unrelated). All three agencies are partnership members.
async fn people(app: &TestApp) -> Vec<User> {
    let store = &app.db.store;
    let smp = partnership(app).await;
    let a = "maidstone-borough-council";
    let mut users = Vec::new();
    for (name, agency, role) in [
        ("a-practitioner", a, Role::Practitioner),
        ("a-chair", a, Role::PanelChair),
        ("a-committee", a, Role::CommitteeMember),
        ("a-admin", a, Role::Administrator),
        ("b-practitioner", "kent-police", Role::Practitioner),
        ("c-practitioner", "golding-homes", Role::Practitioner),
    ] {
        users.push(add_user(store, smp, name, agency, role).await);
    }
    for code in [a, "kent-police", "golding-homes"] {
        let agency = store.agency_by_code(code).await.unwrap().unwrap();
        store.add_partnership_agency(smp, agency.id, 0).await.unwrap();
    }
    users
}

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    jar
}

/// A CSRF token for the signed-in jar (every page has one in the sign-out form).
async fn token(app: &TestApp, jar: &mut Jar) -> String {
    app.get("/account", jar).await.csrf_token()
}

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)], jar: &mut Jar) -> Reply {
    let token = token(app, jar).await;
    let mut with_token = vec![("csrf_token", token.as_str())];
    with_token.extend_from_slice(fields);
    app.post_form(path, &with_token, jar).await
}

async fn api_token(app: &TestApp, jar: &mut Jar) -> String {
    let reply = app.json(Method::GET, "/api/v1/session", None, None, jar).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let session: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    session["csrf_token"].as_str().unwrap().to_string()
}

fn date(iso: &str) -> [(String, String); 3] {
    let (year, rest) = iso.split_at(4);
    let (month, day) = rest[1..].split_at(2);
    [
        ("day".to_string(), day[1..].trim_start_matches('0').to_string()),
        ("month".to_string(), month.trim_start_matches('0').to_string()),
        ("year".to_string(), year.to_string()),
    ]
}

/// Fields for a date input named `field`.
fn date_fields(field: &str, iso: &str) -> Vec<(String, String)> {
    date(iso).into_iter().map(|(part, value)| (format!("{field}_{part}"), value)).collect()
}

async fn post_owned(
    app: &TestApp,
    path: &str,
    fields: Vec<(String, String)>,
    jar: &mut Jar,
) -> Reply {
    let borrowed: Vec<(&str, &str)> =
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post(app, path, &borrowed, jar).await
}

/// Opens a case as `jar`'s user through the form and returns its id.
async fn open_case(app: &TestApp, jar: &mut Jar, summary: &str) -> i64 {
    let mut fields = vec![
        ("case_type".to_string(), "asb".to_string()),
        ("summary".to_string(), summary.to_string()),
    ];
    fields.extend(date_fields("opened", "2023-11-01"));
    let reply = post_owned(app, "/cases/new", fields, jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    reply.location().trim_start_matches("/cases/").parse().unwrap()
}

fn subject_fields(name: &str, born: &str, part: &str) -> Vec<(String, String)> {
    let mut fields = vec![
        ("kind".to_string(), "person".to_string()),
        ("name".to_string(), name.to_string()),
        ("address".to_string(), "1 High Street".to_string()),
        ("postcode".to_string(), "ME14 1XX".to_string()),
        ("part".to_string(), part.to_string()),
        ("consent".to_string(), "given".to_string()),
    ];
    fields.extend(date_fields("born", born));
    fields
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

/// Every case route, HTML and JSON, as every role and as an unrelated agency's practitioner,
/// on a case owned by agency A (the borough council) and shared with B (the police).
///
/// - A's coordinator, practitioner and panel chair and B's practitioner read the case and work
///   it; only A's case workers manage it: B gets 403 with the reason on the case page (or as
///   JSON) for sharing, revoking, the team and closing — it can see the case, not do that.
/// - A's analyst, committee member and administrator (no case role) get 404 on every case
///   route, even the list; C's practitioner gets 404 on every route of this case. None of
///   their answers contains the summary or the subject's name.
/// - A POST without the CSRF token (form field or header) is refused before any handler.
#[tokio::test]
async fn only_permitted_users_reach_a_case_on_every_route() {
    for app in TestApp::all().await {
        let label = app.label();
        let users = people(&app).await;
        let b_user = users.iter().find(|u| u.username == "b-practitioner").unwrap();
        let b_agency = b_user.agency_id;
        let c_agency = users.iter().find(|u| u.username == "c-practitioner").unwrap().agency_id;
        let mut owner = signed_in(&app, "coordinator").await;
        let case = open_case(&app, &mut owner, SUMMARY).await;
        let base = format!("/cases/{case}");
        let reply = post_owned(
            &app,
            &format!("{base}/subjects/check"),
            subject_fields(SUBJECT, "1990-05-04", "victim"),
            &mut owner,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let b = b_agency.to_string();
        let reply = post(
            &app,
            &format!("{base}/shares"),
            &[("agency", &b), ("purpose", "joint ASB response"), ("legal_basis", "public-task")],
            &mut owner,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let me = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
        let mut task_fields = vec![
            ("title".to_string(), "Visit the complainant".to_string()),
            ("owner".to_string(), me.id.to_string()),
        ];
        task_fields.extend(date_fields("due", "2023-11-20"));
        let reply = post_owned(&app, &format!("{base}/tasks"), task_fields, &mut owner).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let smp = partnership(&app).await;
        let detail = app
            .db
            .store
            .case_detail(&viewer(&me, Role::Coordinator), CaseId(case), 0)
            .await
            .unwrap();
        let task = detail.tasks[0].id;
        let subject = detail.subjects[0].id.0;
        let _ = smp;

        // Every route on the case, with a harmless valid body where one is needed.
        let incident: Vec<(String, String)> = [
            date_fields("occurred", "2023-11-02"),
            date_fields("reported", "2023-11-03"),
            vec![
                ("category".into(), "noise".into()),
                ("description".into(), "Music until 3am".into()),
            ],
        ]
        .concat();
        let html_posts: Vec<(String, Vec<(String, String)>)> = vec![
            (format!("{base}/incidents"), incident),
            (format!("{base}/notes"), vec![("note".into(), "Spoke to the neighbour".into())]),
            (
                format!("{base}/tasks"),
                [
                    vec![("title".into(), "Call back".into()), ("owner".into(), me.id.to_string())],
                    date_fields("due", "2023-11-21"),
                ]
                .concat(),
            ),
            (format!("{base}/tasks/{task}/complete"), vec![]),
            (
                format!("{base}/subjects/check"),
                subject_fields("Someone Else", "1985-01-02", "witness"),
            ),
            (format!("{base}/subjects"), subject_fields("Someone Else", "1985-01-02", "witness")),
            (
                format!("{base}/subjects/link"),
                vec![
                    ("subject".into(), subject.to_string()),
                    ("part".into(), "complainant".into()),
                    ("consent".into(), "given".into()),
                ],
            ),
            (
                format!("{base}/shares"),
                vec![
                    ("agency".into(), c_agency.to_string()),
                    ("purpose".into(), "x".into()),
                    ("legal_basis".into(), "public-task".into()),
                ],
            ),
            (format!("{base}/shares/{b_agency}/revoke"), vec![]),
            (format!("{base}/team"), vec![("member".into(), b_user.id.to_string())]),
            (format!("{base}/close"), vec![]),
        ];
        let manage_only = ["/shares", "/revoke", "/team", "/close"];
        let html_gets = [base.clone(), format!("{base}/subjects/new")];
        let api = format!("/api/v1/cases/{case}");
        let json_posts: Vec<(String, serde_json::Value)> = vec![
            (
                format!("{api}/incidents"),
                serde_json::json!({"occurred_on": "2023-11-02", "reported_on": "2023-11-02", "category": "noise", "description": "Shouting"}),
            ),
            (format!("{api}/notes"), serde_json::json!({"body": "A note"})),
            (
                format!("{api}/tasks"),
                serde_json::json!({"title": "Write up", "owner_id": me.id, "due_on": "2023-11-30"}),
            ),
            (format!("/api/v1/tasks/{task}/complete"), serde_json::json!({})),
        ];

        // Outsiders: no case role, or an agency the case is not shared with.
        for username in ["analyst", "a-committee", "a-admin", "c-practitioner"] {
            let mut jar = signed_in(&app, username).await;
            let who = format!("{label}: {username}");
            let no_case_role = username != "c-practitioner";
            let check = |reply: &Reply, what: &str| {
                assert!(!reply.body.contains(SUMMARY), "{who} {what}: summary leaked");
                assert!(!reply.body.contains(SUBJECT), "{who} {what}: name leaked");
            };
            for path in &html_gets {
                let reply = app.get(path, &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who} GET {path}");
                check(&reply, path);
            }
            for (path, fields) in &html_posts {
                let reply = post_owned(&app, path, fields.clone(), &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who} POST {path}");
                check(&reply, path);
            }
            let reply = app.json(Method::GET, &api, None, None, &mut jar).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who} GET {api}");
            check(&reply, &api);
            let csrf = api_token(&app, &mut jar).await;
            for (path, body) in &json_posts {
                let reply = app.json(Method::POST, path, Some(body), Some(&csrf), &mut jar).await;
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "{who} POST {path}: {}",
                    reply.body
                );
                check(&reply, path);
            }
            // The lists: 404 without a case role; empty of this case otherwise.
            for path in ["/cases", "/tasks", "/cases/new", "/api/v1/cases", "/api/v1/tasks"] {
                let reply = app.get(path, &mut jar).await;
                let expected = if no_case_role { StatusCode::NOT_FOUND } else { StatusCode::OK };
                assert_eq!(reply.status, expected, "{who} GET {path}");
                check(&reply, path);
            }
            let nav = app.get("/account", &mut jar).await;
            assert_eq!(nav.body.contains("href=\"/cases\""), !no_case_role, "{who}: nav item");
        }

        // Readers: A's three case roles and B's practitioner.
        for username in ["coordinator", "a-practitioner", "a-chair", "b-practitioner"] {
            let mut jar = signed_in(&app, username).await;
            let who = format!("{label}: {username}");
            let manages = username != "b-practitioner";
            for path in &html_gets {
                let reply = app.get(path, &mut jar).await;
                assert_eq!(reply.status, StatusCode::OK, "{who} GET {path}");
                assert!(reply.body.contains(SUMMARY) || path.ends_with("/new"), "{who} GET {path}");
            }
            let page = app.get(&base, &mut jar).await;
            assert!(page.body.contains(SUBJECT), "{who}");
            assert_eq!(page.body.contains("Share the case"), manages, "{who}: share form shown");
            assert_eq!(page.body.contains("Close the case"), manages, "{who}: close form shown");
            let list = app.get("/cases", &mut jar).await;
            assert!(list.body.contains(SUMMARY), "{who}: listed");
            let reply = app.json(Method::GET, &api, None, None, &mut jar).await;
            assert_eq!(reply.status, StatusCode::OK, "{who}");
            assert!(reply.body.contains(SUBJECT), "{who}");
            let listed = app.json(Method::GET, "/api/v1/cases", None, None, &mut jar).await;
            assert!(listed.body.contains(SUMMARY), "{who}");
            if !manages {
                // B sees the case but may not manage it: 403, the reason on the case page.
                for (path, fields) in
                    html_posts.iter().filter(|(p, _)| manage_only.iter().any(|m| p.contains(m)))
                {
                    let reply = post_owned(&app, path, fields.clone(), &mut jar).await;
                    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who} POST {path}");
                    assert!(reply.body.contains("There is a problem"), "{who} POST {path}");
                    assert!(reply.body.contains("only the owning agency"), "{who} POST {path}");
                }
                // And works it: a note by form and one by the API.
                let reply = post(
                    &app,
                    &format!("{base}/notes"),
                    &[("note", "Police visit done")],
                    &mut jar,
                )
                .await;
                assert_eq!(reply.status, StatusCode::SEE_OTHER, "{who}: {}", reply.body);
                let csrf = api_token(&app, &mut jar).await;
                let reply = app
                    .json(
                        Method::POST,
                        &format!("{api}/notes"),
                        Some(&serde_json::json!({"body": "From the API"})),
                        Some(&csrf),
                        &mut jar,
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::CREATED, "{who}: {}", reply.body);
            }
        }

        // No token, no change: every POST is refused before its handler runs.
        for (path, fields) in &html_posts {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let reply = app.post_form(path, &borrowed, &mut owner).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}: POST {path} without token");
            assert!(reply.body.contains("This form has expired"), "{label}: {path}");
        }
        for (path, body) in &json_posts {
            let reply = app.json(Method::POST, path, Some(body), None, &mut owner).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}: POST {path} without header");
            let wrong = app.json(Method::POST, path, Some(body), Some("AAAA"), &mut owner).await;
            assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{label}: POST {path} wrong header");
        }
        let reply = post(&app, "/cases/new", &[], &mut owner).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: token accepted");
        let reply = app.post_form("/cases/new", &[("summary", "x")], &mut owner).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}: /cases/new without token");
        let detail = app
            .db
            .store
            .case_detail(&viewer(&me, Role::Coordinator), CaseId(case), 0)
            .await
            .unwrap();
        assert_eq!(detail.case.status, "open", "{label}: nobody closed it");
        assert_eq!(detail.subjects.len(), 1, "{label}: nobody added a subject");
        assert_eq!(detail.notes.len(), 2, "{label}: only B's two notes were added");
        assert!(detail.shares.iter().all(|s| s.revoked_at.is_none()), "{label}");
        assert_eq!(detail.shares.len(), 1, "{label}: not shared with C");

        // Not signed in: the pages send to sign-in, the API answers 401.
        let mut anonymous = Jar::default();
        let reply = app.get(&base, &mut anonymous).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}");
        let reply = app.json(Method::GET, &api, None, None, &mut anonymous).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{label}");
    }
}

#[tokio::test]
async fn form_errors_come_back_with_a_summary_and_the_values_typed() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = signed_in(&app, "coordinator").await;
        let form = app.get("/cases/new", &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("Open a case"), "{label}");

        // Missing summary: the summary links to the field, the date typed is kept.
        let mut fields = vec![("case_type".to_string(), "vulnerability".to_string())];
        fields.extend(date_fields("opened", "2023-11-01"));
        let reply = post_owned(&app, "/cases/new", fields, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("<title>Error: Open a case"), "{label}");
        assert!(reply.body.contains("There is a problem"), "{label}");
        assert!(
            reply.body.contains("<a href=\"#summary\">Enter a summary of the case</a>"),
            "{label}: {}",
            reply.body
        );
        assert!(reply.body.contains("id=\"summary-error\""), "{label}: inline message");
        assert!(
            reply.body.contains(
                "name=\"opened_year\" type=\"text\" inputmode=\"numeric\" value=\"2023\""
            ),
            "{label}"
        );
        assert!(reply.body.contains("value=\"vulnerability\" checked"), "{label}: radio kept");

        // An impossible date.
        let fields: Vec<(&str, &str)> = vec![
            ("case_type", "asb"),
            ("summary", "Graffiti on the underpass"),
            ("opened_day", "31"),
            ("opened_month", "2"),
            ("opened_year", "2023"),
        ];
        let reply = post(&app, "/cases/new", &fields, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            reply.body.contains("<a href=\"#opened\">Date opened must be a real date</a>"),
            "{label}"
        );
        assert!(reply.body.contains("Graffiti on the underpass"), "{label}: summary kept");
        assert!(
            reply
                .body
                .contains("name=\"opened_day\" type=\"text\" inputmode=\"numeric\" value=\"31\""),
            "{label}"
        );

        // A form on the case page: the page again with the error, nothing written.
        let case = open_case(&app, &mut jar, "Graffiti on the underpass").await;
        let reply = post(&app, &format!("/cases/{case}/notes"), &[("note", "  ")], &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(reply.body.contains("<a href=\"#note\">Enter the note</a>"), "{label}");
        let mut incident = vec![
            ("category".to_string(), "graffiti".to_string()),
            ("description".to_string(), "Tagging".to_string()),
        ];
        incident.extend(date_fields("occurred", "2023-11-05"));
        incident.extend(date_fields("reported", "2023-11-04"));
        let reply = post_owned(&app, &format!("/cases/{case}/incidents"), incident, &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            reply.body.contains("Date reported must be the same as or after the date it happened"),
            "{label}"
        );
        assert!(reply.body.contains("value=\"graffiti\""), "{label}: kept");

        // The API answers the same checks as JSON.
        let csrf = api_token(&app, &mut jar).await;
        let reply = app
            .json(
                Method::POST,
                "/api/v1/cases",
                Some(&serde_json::json!({"case_type": "asb", "opened_on": "2023-02-31"})),
                Some(&csrf),
                &mut jar,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let errors: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let fields: Vec<&str> = errors["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["summary", "opened_on"], "{label}");
    }
}

#[tokio::test]
async fn a_likely_duplicate_is_linked_instead_of_entered_twice() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = signed_in(&app, "coordinator").await;
        let first = open_case(&app, &mut jar, "Noise from a flat").await;
        let second = open_case(&app, &mut jar, "Intimidation at the shops").await;
        let reply = post_owned(
            &app,
            &format!("/cases/{first}/subjects/check"),
            subject_fields("Sam O'Brien", "1990-05-04", "victim"),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: no duplicate, created at once");

        // Typed differently on the second case: the warning offers the record.
        let reply = post_owned(
            &app,
            &format!("/cases/{second}/subjects/check"),
            subject_fields("sam  o brien", "1990-05-04", "complainant"),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{label}");
        assert!(reply.body.contains("This subject may already be recorded"), "{label}");
        assert!(reply.body.contains("same name and date of birth"), "{label}");
        assert!(reply.body.contains("Use this record"), "{label}");
        assert!(reply.body.contains("Create a new record"), "{label}");
        let marker = "name=\"subject\" value=\"";
        let start = reply.body.find(marker).unwrap() + marker.len();
        let subject = reply.body[start..].split('"').next().unwrap().to_string();

        let reply = post(
            &app,
            &format!("/cases/{second}/subjects/link"),
            &[("subject", &subject), ("part", "complainant"), ("consent", "given")],
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        assert_eq!(reply.location(), format!("/cases/{second}#subjects"), "{label}");

        let me = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
        let viewer = viewer(&me, Role::Coordinator);
        let one = app.db.store.case_detail(&viewer, CaseId(first), 0).await.unwrap();
        let two = app.db.store.case_detail(&viewer, CaseId(second), 0).await.unwrap();
        assert_eq!(two.subjects.len(), 1, "{label}");
        assert_eq!(two.subjects[0].id, one.subjects[0].id, "{label}: the same record");
        assert_eq!(two.subjects[0].role.as_str(), "complainant", "{label}");
        let page = app.get(&format!("/cases/{second}"), &mut jar).await;
        assert!(page.body.contains("Sam O&#x27;Brien"), "{label}");
    }
}

#[tokio::test]
async fn the_timeline_is_newest_first() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = signed_in(&app, "coordinator").await;
        let case = open_case(&app, &mut jar, "Drug dealing reported near the park").await;
        let base = format!("/cases/{case}");
        let incident = |occurred: &str, category: &str| {
            let mut fields = vec![
                ("category".to_string(), category.to_string()),
                ("description".to_string(), "Seen by residents".to_string()),
            ];
            fields.extend(date_fields("occurred", occurred));
            fields.extend(date_fields("reported", occurred));
            fields
        };
        // Recorded out of order: the timeline orders by when things happened.
        let reply = post_owned(
            &app,
            &format!("{base}/incidents"),
            incident("2023-11-10", "later-incident"),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let reply = post_owned(
            &app,
            &format!("{base}/incidents"),
            incident("2023-11-01", "earlier-incident"),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}");
        // The clock stands at 14 November 2023.
        post(&app, &format!("{base}/notes"), &[("note", "first-note")], &mut jar).await;
        app.advance(60);
        let me = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
        let mut task = vec![
            ("title".to_string(), "the-task".to_string()),
            ("owner".to_string(), me.id.to_string()),
        ];
        task.extend(date_fields("due", "2023-11-12"));
        let reply = post_owned(&app, &format!("{base}/tasks"), task, &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);

        // Overdue on the task list, tagged red, linking to the case.
        let tasks = app.get("/tasks", &mut jar).await;
        assert!(tasks.body.contains("the-task"), "{label}");
        assert!(tasks.body.contains("app-tag--red"), "{label}: overdue");
        assert!(tasks.body.contains(&format!("href=\"{base}\"")), "{label}");

        app.advance(60);
        let viewer = viewer(&me, Role::Coordinator);
        let detail = app.db.store.case_detail(&viewer, CaseId(case), 0).await.unwrap();
        let reply =
            post(&app, &format!("{base}/tasks/{}/complete", detail.tasks[0].id), &[], &mut jar)
                .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}");

        let page = app.get(&base, &mut jar).await;
        let timeline = &page.body[page.body.find("id=\"timeline\"").unwrap()..];
        let at = |text: &str| {
            timeline.find(text).unwrap_or_else(|| panic!("{label}: {text} not in the timeline"))
        };
        let order = [
            at("Task done: the-task"),
            at("Task set: the-task"),
            at("first-note"),
            at("later-incident"),
            at("earlier-incident"),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{label}: {order:?}");
        let tasks = app.get("/tasks", &mut jar).await;
        assert!(!tasks.body.contains("the-task"), "{label}: done tasks leave the list");
    }
}

/// The API end to end, and its document: every documented operation answers (as JSON, not
/// the fallback page), and the module's own test checks every registered route is documented.
#[tokio::test]
async fn the_api_works_cases_and_matches_its_document() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = signed_in(&app, "coordinator").await;
        let csrf = api_token(&app, &mut jar).await;
        let reply = app.json(
            Method::POST,
            "/api/v1/cases",
            Some(&serde_json::json!({"case_type": "asb", "summary": "Fly-tipping behind the shops", "opened_on": "2023-11-01"})),
            Some(&csrf),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{label}: {}", reply.body);
        let created: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let case = created["id"].as_i64().unwrap();
        assert!(created["reference"].as_str().unwrap().starts_with("ASB-"), "{label}");
        let me = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
        let reply = app.json(
            Method::POST,
            &format!("/api/v1/cases/{case}/tasks"),
            Some(
                &serde_json::json!({"title": "Clear it", "owner_id": me.id, "due_on": "2023-11-20"}),
            ),
            Some(&csrf),
            &mut jar,
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{label}: {}", reply.body);
        let task: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let task = task["id"].as_i64().unwrap();
        let mine = app.json(Method::GET, "/api/v1/tasks", None, None, &mut jar).await;
        assert!(mine.body.contains("Clear it"), "{label}");
        let reply = app
            .json(
                Method::POST,
                &format!("/api/v1/tasks/{task}/complete"),
                None,
                Some(&csrf),
                &mut jar,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{label}");
        let mine = app.json(Method::GET, "/api/v1/tasks", None, None, &mut jar).await;
        assert!(!mine.body.contains("Clear it"), "{label}");

        let reply = app.json(Method::GET, "/api/v1/openapi.json", None, None, &mut jar).await;
        assert_eq!(reply.status, StatusCode::OK, "{label}");
        let document: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        for (path, operations) in document["paths"].as_object().unwrap() {
            let concrete = path.replace("{id}", "999999");
            for method in operations.as_object().unwrap().keys() {
                let method: Method = method.to_uppercase().parse().unwrap();
                let body = (method == Method::POST).then(|| serde_json::json!({}));
                let reply =
                    app.json(method.clone(), &concrete, body.as_ref(), Some(&csrf), &mut jar).await;
                let content_type = reply
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                assert!(
                    content_type.starts_with("application/json")
                        || reply.status == StatusCode::NO_CONTENT,
                    "{label}: {method} {path} is not served by the API ({}: {})",
                    reply.status,
                    reply.body
                );
                assert_ne!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{label}: {method} {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_closed_case_is_kept_for_its_retention_and_takes_no_more_work() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = signed_in(&app, "coordinator").await;
        let case = open_case(&app, &mut jar, "Begging outside the station").await;
        let base = format!("/cases/{case}");
        let reply = post(&app, &format!("{base}/close"), &[], &mut jar).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {}", reply.body);
        let page = app.get(&base, &mut jar).await;
        // The clock stands at 14 November 2023; six years for every case type.
        assert!(page.body.contains("closed 14 November 2023"), "{label}");
        assert!(page.body.contains("kept until 14 November 2029"), "{label}");
        assert!(!page.body.contains("Add the note"), "{label}: no forms on a closed case");
        let reply = post(&app, &format!("{base}/notes"), &[("note", "late")], &mut jar).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}");
        assert!(reply.body.contains("the case is closed"), "{label}");
        let reply = app.get(&format!("{base}/subjects/new"), &mut jar).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}");
        let csrf = api_token(&app, &mut jar).await;
        let reply = app
            .json(
                Method::POST,
                &format!("/api/v1/cases/{case}/notes"),
                Some(&serde_json::json!({"body": "late"})),
                Some(&csrf),
                &mut jar,
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}: {}", reply.body);
        let listed = app.get("/cases?status=closed", &mut jar).await;
        assert!(listed.body.contains("Begging outside the station"), "{label}");
        let open = app.get("/cases?status=open", &mut jar).await;
        assert!(!open.body.contains("Begging outside the station"), "{label}: filtered out");
    }
}
