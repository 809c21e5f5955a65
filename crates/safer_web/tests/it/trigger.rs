use axum::http::StatusCode;
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::casework::trigger::ReportingYear;
use safer_domain::ids::{AgencyId, CaseId};
use safer_domain::Role;
use safer_storage::{NewCase, NewIncident, NewSubject, Store};
use safer_test_utils::fixtures::{add_user, PASSWORD};
use safer_test_utils::TestDb;

use crate::support::{Jar, TestApp};

/// The council coordinator of `TestApp` as a store viewer.
async fn coordinator(store: &Store) -> Viewer {
    let user = store.user_by_username("coordinator").await.unwrap().unwrap();
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![Role::Coordinator] }
}

/// An ASB case with a victim and the incidents given as (behaviour, reported, key, to police).
async fn seeded_case(store: &Store, incidents: &[(&str, &str, &str, bool)]) -> (CaseId, String) {
    let viewer = coordinator(store).await;
    let smp = store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
    let police = add_user(store, smp, "pc", "kent-police", Role::Practitioner).await;
    let new = NewCase {
        partnership: smp,
        case_type: CaseType::Asb,
        summary: "Noise and intimidation",
        opened_on: "2023-08-01",
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
    for (occurred_on, reported_on, key, to_police) in incidents {
        let incident = NewIncident {
            occurred_on,
            reported_on,
            reported_to: if *to_police { AgencyId(police.agency_id) } else { viewer.agency },
            category: "noise",
            location: None,
            incident_key: Some(key),
            description: "Shouting and loud music at night",
        };
        store.add_incident(&viewer, case, &incident, 3).await.unwrap();
    }
    (case, reference)
}

/// Signs in and records an application for the case by reference; returns its page path.
async fn apply(app: &TestApp, jar: &mut Jar, reference: &str) -> String {
    let token = app.get("/trigger/new", jar).await.csrf_token();
    let reply = app
        .post_form(
            "/trigger/new",
            &[
                ("csrf_token", &token),
                ("case", "existing"),
                ("case_reference", reference),
                ("applicant", "victim"),
                ("applicant_name", "Alex Example"),
                ("victim", "individual"),
                ("received_on", "2023-11-01"),
            ],
            jar,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.label(), reply.body);
    reply.location().to_string()
}

#[tokio::test]
async fn a_coordinator_takes_an_application_from_receipt_to_the_outcome_letter() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        let (_, reference) = seeded_case(
            store,
            &[
                ("2023-08-01", "2023-08-02", "a", false),
                ("2023-08-01", "2023-08-03", "a", true),
                ("2023-09-10", "2023-09-12", "b", true),
                ("2023-10-01", "2023-10-01", "c", false),
                ("2023-10-05", "2023-11-07", "d", false),
            ],
        )
        .await;
        let mut jar = Jar::default();
        app.sign_in("coordinator", PASSWORD, &mut jar).await;
        let list = app.get("/trigger", &mut jar).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains("Figures to publish"), "{label}");

        let path = apply(&app, &mut jar, &reference).await;
        let page = app.get(&path, &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(
            page.body.contains("The threshold is met: 3 qualifying complaints"),
            "{label}: {}",
            page.body
        );
        assert!(page.body.contains("Counts once: the same incident as complaint 1"), "{label}");
        // Reported after the application: a recording error, shown as such.
        assert!(page.body.contains("reported after the application was received"), "{label}");
        assert!(page.body.contains("Record the decision: threshold met"), "{label}");

        let token = page.csrf_token();
        let decided = app
            .post_form(
                &format!("{path}/decision"),
                &[("csrf_token", &token), ("decided_on", "2023-11-05"), ("escalation_route", "")],
                &mut jar,
            )
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{label}: {}", decided.body);
        let letter = app.get(&format!("{path}/decision-letter"), &mut jar).await;
        assert_eq!(letter.status, StatusCode::OK, "{label}");
        assert!(letter.body.contains("Dear Alex Example,"), "{label}");
        assert!(letter.body.contains("the threshold for a case review is met"), "{label}");
        assert!(letter.body.contains("If you are not satisfied"), "{label}");
        assert!(
            letter.body.contains("1 report was made after we received your application"),
            "{label}: {}",
            letter.body
        );
        // No outcome letter yet.
        assert_eq!(
            app.get(&format!("{path}/outcome-letter"), &mut jar).await.status,
            StatusCode::NOT_FOUND
        );

        let reviewed = app
            .post_form(
                &format!("{path}/review"),
                &[
                    ("csrf_token", &token),
                    ("held_on", "2023-11-10"),
                    ("bodies", "council"),
                    ("bodies", "police"),
                    ("findings", "The agencies did not share what they knew."),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{label}: {}", reviewed.body);
        let me = coordinator(store).await.user.0.to_string();
        let recommended = app
            .post_form(
                &format!("{path}/recommendations"),
                &[
                    ("csrf_token", &token),
                    ("recommendation", "Name one lead officer for the case"),
                    ("owner", &me),
                    ("due_on", "2023-12-01"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(recommended.status, StatusCode::SEE_OTHER, "{label}: {}", recommended.body);
        let sent = app
            .post_form(
                &format!("{path}/outcome"),
                &[("csrf_token", &token), ("sent_on", "2023-11-12")],
                &mut jar,
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{label}: {}", sent.body);
        assert_eq!(sent.location(), format!("{path}/outcome-letter"), "{label}");
        let outcome = app.get(sent.location(), &mut jar).await;
        assert!(outcome.body.contains("The agencies did not share what they knew."), "{label}");
        assert!(
            outcome
                .body
                .contains("1. Name one lead officer for the case (to be done by 1 December 2023)"),
            "{label}"
        );
        assert!(outcome.body.contains("the council and the police"), "{label}: {}", outcome.body);

        let figures = app.get("/api/v1/trigger/figures?year=2023", &mut jar).await;
        assert_eq!(figures.status, StatusCode::OK, "{label}");
        let json: serde_json::Value = serde_json::from_str(&figures.body).unwrap();
        assert_eq!(json["applications"], 1, "{label}: {json}");
        assert_eq!(json["threshold_not_met"], 0, "{label}");
        assert_eq!(json["reviews_carried_out"], 1, "{label}");
        assert_eq!(json["reviews_with_recommendations"], 1, "{label}");
        assert_eq!(
            app.get("/api/v1/trigger/figures?year=23", &mut jar).await.status,
            StatusCode::BAD_REQUEST,
            "{label}"
        );
        let list = app.get("/trigger", &mut jar).await;
        assert!(list.body.contains("Outcome sent"), "{label}");
        assert!(list.body.contains("Year (January to December)"), "{label}");

        // Counted by the financial year instead, the same request names April to March.
        let smp = app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap();
        let smp = smp.unwrap().id();
        let coordinator = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
        let viewer = Viewer {
            user: coordinator.id(),
            agency: AgencyId(coordinator.agency_id),
            roles: vec![Role::Coordinator],
        };
        let financial = safer_storage::TriggerSettings {
            year_starts_in: time::Month::April,
            ..app.db.store.trigger_settings(smp).await.unwrap()
        };
        app.db.store.set_trigger_settings(&viewer, smp, &financial, 1).await.unwrap();
        let figures = app.get("/api/v1/trigger/figures?year=2023", &mut jar).await;
        let json: serde_json::Value = serde_json::from_str(&figures.body).unwrap();
        assert_eq!(json["label"], "2023/24", "{label}: {json}");
        assert_eq!(
            (json["first_day"].as_str(), json["last_day"].as_str()),
            (Some("2023-04-01"), Some("2024-03-31"))
        );
        assert_eq!(json["applications"], 1, "{label}: {json}");
        let list = app.get("/trigger", &mut jar).await;
        assert!(list.body.contains("Year (April to March)"), "{label}");
        assert!(
            list.body.contains(">2023/24</th>") && list.body.contains(">2022/23</th>"),
            "{label}"
        );
    }
}

#[tokio::test]
async fn forms_come_back_with_an_error_summary() {
    for app in TestApp::all().await {
        let label = app.label();
        let (_, reference) =
            seeded_case(&app.db.store, &[("2023-10-01", "2023-10-02", "a", false)]).await;
        let mut jar = Jar::default();
        app.sign_in("coordinator", PASSWORD, &mut jar).await;
        let token = app.get("/trigger/new", &mut jar).await.csrf_token();

        let empty = app.post_form("/trigger/new", &[("csrf_token", &token)], &mut jar).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(empty.body.contains("There is a problem"), "{label}");
        assert!(empty.body.contains("<title>Error: Record an application"), "{label}");
        for message in [
            "Select whether an ASB case is already open",
            "Enter the applicant",
            "Select who is applying",
            "Enter the date the application was received",
        ] {
            assert!(empty.body.contains(message), "{label}: {message}");
        }

        let on_behalf = |consent: &'static str| {
            vec![
                ("csrf_token", token.clone()),
                ("case", "existing".to_string()),
                ("case_reference", reference.clone()),
                ("applicant", "on-behalf".to_string()),
                ("applicant_name", "Cllr Sam Example".to_string()),
                ("relationship", "ward councillor".to_string()),
                ("consent_on", consent.to_string()),
                ("victim", "individual".to_string()),
                ("received_on", "2023-11-01".to_string()),
            ]
        };
        let fields = on_behalf("");
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = app.post_form("/trigger/new", &pairs, &mut jar).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("Enter the date the victim&#x27;s consent was recorded"),
            "{label}: {}",
            refused.body
        );
        // The values typed are kept.
        assert!(refused.body.contains("value=\"ward councillor\""), "{label}");

        let mut fields = on_behalf("2023-10-30");
        fields[2].1 = "ASB-999999".to_string();
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let unknown = app.post_form("/trigger/new", &pairs, &mut jar).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(unknown.body.contains("There is no ASB case with that reference"), "{label}");

        // Below the threshold the decision needs a discretion and a reason.
        let path = apply(&app, &mut jar, &reference).await;
        let page = app.get(&path, &mut jar).await;
        assert!(
            page.body.contains(
                "The threshold is not met by qualifying complaints: 1 qualifying complaint"
            ),
            "{label}"
        );
        let token = page.csrf_token();
        let missing = app
            .post_form(
                &format!("{path}/decision"),
                &[("csrf_token", &token), ("decided_on", "2023-11-05")],
                &mut jar,
            )
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            missing.body.contains("Select whether the review goes ahead below the threshold"),
            "{label}"
        );
        let no_reason = app
            .post_form(
                &format!("{path}/decision"),
                &[
                    ("csrf_token", &token),
                    ("decided_on", "2023-11-05"),
                    ("discretion", "refuse"),
                    ("reason", " "),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(no_reason.body.contains("href=\"#reason\""), "{label}");
        let no_grounds = app
            .post_form(
                &format!("{path}/decision"),
                &[
                    ("csrf_token", &token),
                    ("decided_on", "2023-11-05"),
                    ("discretion", "review"),
                    ("reason", "Vulnerable victim"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(no_grounds.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(no_grounds.body.contains("href=\"#grounds\""), "{label}");
        let refused = app
            .post_form(
                &format!("{path}/decision"),
                &[
                    ("csrf_token", &token),
                    ("decided_on", "2023-11-05"),
                    ("discretion", "refuse"),
                    ("reason", "One report in six months"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER, "{label}: {}", refused.body);
        let letter = app.get(&format!("{path}/decision-letter"), &mut jar).await;
        assert!(
            letter.body.contains(
                "decided not to carry out a case review. Our reason: One report in six months"
            ),
            "{label}"
        );
        // No review for a threshold not met.
        let review = app
            .post_form(
                &format!("{path}/review"),
                &[
                    ("csrf_token", &token),
                    ("held_on", "2023-11-10"),
                    ("bodies", "council"),
                    ("findings", "x"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(review.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(review.body.contains("The threshold was not met, so no review is held"), "{label}");
    }
}

#[tokio::test]
async fn other_agencies_and_roles_get_not_found() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        let (_, reference) = seeded_case(store, &[("2023-10-01", "2023-10-02", "a", false)]).await;
        let smp =
            store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
        add_user(store, smp, "housing-lead", "golding-homes", Role::Coordinator).await;
        let mut jar = Jar::default();
        app.sign_in("coordinator", PASSWORD, &mut jar).await;
        let path = apply(&app, &mut jar, &reference).await;

        let mut other = Jar::default();
        app.sign_in("housing-lead", PASSWORD, &mut other).await;
        assert_eq!(app.get("/trigger", &mut other).await.status, StatusCode::OK, "{label}");
        assert!(!app.get("/trigger", &mut other).await.body.contains(&reference), "{label}");
        for page in [
            path.clone(),
            format!("{path}/decision-letter"),
            "/trigger/999999".to_string(),
            "/trigger/x".to_string(),
        ] {
            assert_eq!(
                app.get(&page, &mut other).await.status,
                StatusCode::NOT_FOUND,
                "{label}: {page}"
            );
        }
        let token = app.get("/trigger", &mut other).await.csrf_token();
        let post = app
            .post_form(
                &format!("{path}/decision"),
                &[
                    ("csrf_token", &token),
                    ("decided_on", "2023-11-05"),
                    ("discretion", "refuse"),
                    ("reason", "No"),
                ],
                &mut other,
            )
            .await;
        assert_eq!(post.status, StatusCode::NOT_FOUND, "{label}");
        // Nor can they attach an application to the council's case by its reference.
        let attach = app
            .post_form(
                "/trigger/new",
                &[
                    ("csrf_token", &token),
                    ("case", "existing"),
                    ("case_reference", &reference),
                    ("applicant", "victim"),
                    ("applicant_name", "Someone"),
                    ("victim", "individual"),
                    ("received_on", "2023-11-01"),
                ],
                &mut other,
            )
            .await;
        assert_eq!(attach.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");

        // An analyst handles no case reviews: the pages are not there, the figures are.
        let mut analyst = Jar::default();
        app.sign_in("analyst", PASSWORD, &mut analyst).await;
        for page in ["/trigger", "/trigger/new", path.as_str()] {
            assert_eq!(
                app.get(page, &mut analyst).await.status,
                StatusCode::NOT_FOUND,
                "{label}: {page}"
            );
        }
        assert_eq!(
            app.get("/api/v1/trigger/figures", &mut analyst).await.status,
            StatusCode::OK,
            "{label}"
        );
        // Signed out: sign in first.
        let mut nobody = Jar::default();
        let reply = app.get(&path, &mut nobody).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}");
        assert!(reply.location().starts_with("/sign-in"), "{label}");
    }
}

#[tokio::test]
async fn trigger_forms_need_the_csrf_token() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let (_, reference) =
        seeded_case(&app.db.store, &[("2023-10-01", "2023-10-02", "a", false)]).await;
    let mut jar = Jar::default();
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    let fields = [
        ("case", "existing"),
        ("case_reference", reference.as_str()),
        ("applicant", "victim"),
        ("applicant_name", "Alex Example"),
        ("victim", "individual"),
        ("received_on", "2023-11-01"),
    ];
    let missing = app.post_form("/trigger/new", &fields, &mut jar).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("This form has expired"));
    let mut wrong = vec![("csrf_token", "AAAA")];
    wrong.extend(fields);
    assert_eq!(app.post_form("/trigger/new", &wrong, &mut jar).await.status, StatusCode::FORBIDDEN);
    assert!(
        app.db
            .store
            .trigger_annual_figures(
                app.db
                    .store
                    .partnership_by_slug("safer-maidstone-partnership")
                    .await
                    .unwrap()
                    .unwrap()
                    .id(),
                ReportingYear::calendar(2023)
            )
            .await
            .unwrap()
            .applications
            == 0
    );
    let path = apply(&app, &mut jar, &reference).await;
    let decision =
        app.post_form(&format!("{path}/decision"), &[("decided_on", "2023-11-05")], &mut jar).await;
    assert_eq!(decision.status, StatusCode::FORBIDDEN);
}

/// The settings form as the page fills it, with `threshold` typed in.
fn settings_form<'a>(token: &'a str, threshold: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", token),
        ("threshold", threshold),
        ("separate_complainants", ""),
        ("acknowledge_days", "10"),
        ("decision_working_days", "20"),
        ("review_working_days", "35"),
        ("escalation_route", "Contact the CSP manager at Maidstone Borough Council."),
        ("year_starts_month", "1"),
    ]
}

#[tokio::test]
async fn a_coordinator_sets_the_threshold_and_the_next_assessment_uses_it() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        let (_, reference) = seeded_case(
            store,
            &[("2023-09-10", "2023-09-12", "a", false), ("2023-10-01", "2023-10-01", "b", true)],
        )
        .await;
        let smp =
            store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
        add_user(store, smp, "chair", "kent-police", Role::PanelChair).await;
        let mut jar = Jar::default();
        app.sign_in("coordinator", PASSWORD, &mut jar).await;
        let list = app.get("/trigger", &mut jar).await;
        assert!(list.body.contains("href=\"/trigger/settings\""), "{label}: linked from /trigger");

        let form = app.get("/trigger/settings", &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form
            .body
            .contains("name=\"threshold\" type=\"text\" spellcheck=\"false\" value=\"3\""));

        // Above three: refused in the domain's words, what was typed kept, nothing saved.
        let token = form.csrf_token();
        let refused =
            app.post_form("/trigger/settings", &settings_form(&token, "4"), &mut jar).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("There is a problem"), "{label}");
        assert!(
            refused.body.contains(
                "The threshold must be between 1 and 3 qualifying complaints (s.104(4) sets 3 as the most)"
            ),
            "{label}: {}",
            refused.body
        );
        assert!(refused.body.contains("value=\"4\""), "{label}: the value typed is kept");
        assert_eq!(store.trigger_settings(smp).await.unwrap().threshold, 3, "{label}");
        let typo =
            app.post_form("/trigger/settings", &settings_form(&token, "two"), &mut jar).await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(typo.body.contains("must be a whole number"), "{label}");

        // Without the token: refused, nothing saved.
        let mut no_token = settings_form(&token, "2");
        no_token.remove(0);
        let forged = app.post_form("/trigger/settings", &no_token, &mut jar).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        assert_eq!(store.trigger_settings(smp).await.unwrap().threshold, 3, "{label}");

        // Two: saved, and a new application's two qualifying complaints meet it.
        let saved = app.post_form("/trigger/settings", &settings_form(&token, "2"), &mut jar).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{label}: {}", saved.body);
        let shown = app.get(saved.location(), &mut jar).await;
        assert!(shown.body.contains("Case review procedures saved"), "{label}");
        assert_eq!(store.trigger_settings(smp).await.unwrap().threshold, 2, "{label}");
        let path = apply(&app, &mut jar, &reference).await;
        let page = app.get(&path, &mut jar).await;
        assert!(
            page.body.contains(
                "The threshold is met: 2 qualifying complaints, and the procedures set the threshold at 2."
            ),
            "{label}: {}",
            page.body
        );

        // The year the figures are counted by: the calendar year until the financial year is
        // chosen; anything else is an error by the field.
        assert!(shown.body.contains("value=\"1\" checked"), "{label}: the calendar year");
        let mut financial = settings_form(&token, "2");
        financial.retain(|(name, _)| *name != "year_starts_month");
        let none = app.post_form("/trigger/settings", &financial, &mut jar).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(none.body.contains("Choose the year the figures are published by"), "{label}");
        financial.push(("year_starts_month", "4"));
        let saved = app.post_form("/trigger/settings", &financial, &mut jar).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{label}: {}", saved.body);
        let starts = store.trigger_settings(smp).await.unwrap().year_starts_in;
        assert_eq!(starts, time::Month::April, "{label}");
        let shown = app.get("/trigger/settings", &mut jar).await;
        assert!(shown.body.contains("value=\"4\" checked"), "{label}: {}", shown.body);

        // Panel chairs handle case reviews but do not set the procedures; analysts see nothing.
        for username in ["chair", "analyst"] {
            let mut other = Jar::default();
            app.sign_in(username, PASSWORD, &mut other).await;
            let page = app.get("/trigger/settings", &mut other).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{label}: {username}");
            let token = app.get("/account", &mut other).await.csrf_token();
            let post =
                app.post_form("/trigger/settings", &settings_form(&token, "1"), &mut other).await;
            assert_eq!(post.status, StatusCode::NOT_FOUND, "{label}: {username}");
        }
        assert_eq!(store.trigger_settings(smp).await.unwrap().threshold, 2, "{label}");
    }
}
