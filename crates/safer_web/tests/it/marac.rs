use axum::http::StatusCode;
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, PanelKind, SubjectKind};
use safer_domain::ids::{AgencyId, CaseId};
use safer_domain::{AgencyKind, Role};
use safer_storage::{NewAgency, NewCase, NewSubject, User};
use safer_test_utils::fixtures::{add_user, PASSWORD};

use crate::support::{Jar, Reply, TestApp};

/// The people and records of these tests, on top of `TestApp`'s partnership.
struct Marac {
    idva: Viewer,
    case: CaseId,
    victim: i64,
    panel: i64,
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

/// An IDVA at the council with a domestic abuse case and its victim; the police host the
/// MARAC and its chair; a council colleague off the team and a housing officer elsewhere.
async fn set_up(app: &TestApp) -> Marac {
    let store = &app.db.store;
    let smp = store
        .partnership_by_slug("safer-maidstone-partnership")
        .await
        .unwrap()
        .expect("the test partnership")
        .id();
    let police = store
        .create_agency(
            &NewAgency { code: "kent-police", name: "Kent Police", kind: AgencyKind::Police },
            0,
        )
        .await
        .unwrap();
    let idva = add_user(store, smp, "idva", "maidstone-borough-council", Role::Practitioner).await;
    add_user(store, smp, "chair", "kent-police", Role::PanelChair).await;
    add_user(store, smp, "colleague", "maidstone-borough-council", Role::Practitioner).await;
    add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    let panel = store
        .create_panel(smp, PanelKind::Marac, "Maidstone MARAC", police.id, 28, 0)
        .await
        .unwrap();
    for code in ["maidstone-borough-council", "kent-police", "golding-homes"] {
        let agency = store.agency_by_code(code).await.unwrap().unwrap();
        store.add_partnership_agency(smp, agency.id, 0).await.unwrap();
    }
    let idva = viewer(&idva, Role::Practitioner);
    let new = NewCase {
        partnership: smp,
        case_type: CaseType::DomesticAbuse,
        summary: "High-risk domestic abuse",
        opened_on: "2023-11-01",
    };
    let (case, _) = store.open_case(&idva, &new, 1_700_000_000).await.unwrap();
    let subject = NewSubject {
        kind: SubjectKind::Person,
        name: "Alex Example",
        born_on: None,
        address: None,
        postcode: None,
    };
    let victim = store
        .add_new_subject(
            &idva,
            case,
            &subject,
            LinkRole::Victim,
            Consent::Given,
            None,
            1_700_000_000,
        )
        .await
        .unwrap();
    Marac { idva, case, victim: victim.0, panel: panel.id }
}

/// The checklist's fields: `n_yes` yes answers, the rest no, each with a comment.
fn dash_fields(token: &str, victim: i64, n_yes: usize, judgement: &str) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf_token".to_string(), token.to_string()),
        ("victim".to_string(), victim.to_string()),
        ("incident-day".to_string(), "10".to_string()),
        ("incident-month".to_string(), "11".to_string()),
        ("incident-year".to_string(), "2023".to_string()),
        ("judgement".to_string(), judgement.to_string()),
        ("judgement-reason".to_string(), String::new()),
    ];
    for number in 1..=24 {
        let answer = if number <= n_yes { "yes" } else { "no" };
        fields.push((format!("q{number}"), answer.to_string()));
        fields.push((format!("q{number}-comment"), format!("said {answer} to {number}")));
    }
    fields
}

async fn post(app: &TestApp, path: &str, fields: &[(String, String)], jar: &mut Jar) -> Reply {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(path, &pairs, jar).await
}

#[tokio::test]
async fn a_dash_with_fifteen_yes_refers_to_marac_and_the_form_reports_its_errors() {
    for app in TestApp::all().await {
        let label = app.label();
        let m = set_up(&app).await;
        let mut jar = Jar::default();
        app.sign_in("idva", PASSWORD, &mut jar).await;
        let path = format!("/cases/{}/dash", m.case.0);
        let form = app.get(&path, &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("DASH risk checklist"), "{label}");
        assert!(form.body.contains("24. Trouble with the police"), "{label}");
        let token = form.csrf_token();

        // Nothing answered: every problem in the summary, linked to its field.
        let empty = post(&app, &path, &[("csrf_token".to_string(), token.clone())], &mut jar).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(empty.body.contains("There is a problem"), "{label}");
        assert!(
            empty.body.contains("href=\"#incident-day\">Enter the date of the incident"),
            "{label}"
        );
        assert!(
            empty
                .body
                .contains("href=\"#q3-yes\">Select yes, no or don&#x27;t know for question 3")
                || empty
                    .body
                    .contains("href=\"#q3-yes\">Select yes, no or don't know for question 3"),
            "{label}"
        );
        assert!(empty.body.contains("<title>Error: DASH risk checklist"), "{label}");

        // Judgement without a reason; then "do not refer" against 15 yes: refused by the rule.
        let unexplained =
            post(&app, &path, &dash_fields(&token, m.victim, 15, "refer"), &mut jar).await;
        assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(unexplained.body.contains("href=\"#judgement-reason\""), "{label}");
        let mut lowered = dash_fields(&token, m.victim, 15, "do-not-refer");
        lowered.retain(|(k, _)| k != "judgement-reason");
        lowered.push(("judgement-reason".to_string(), "moved away".to_string()));
        let lowered = post(&app, &path, &lowered, &mut jar).await;
        assert_eq!(lowered.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(lowered.body.contains("cannot lower"), "{label}: {}", lowered.body);
        assert!(lowered.body.contains("said yes to 1"), "{label}: the answers are kept");

        let saved = post(&app, &path, &dash_fields(&token, m.victim, 15, "none"), &mut jar).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{label}: {}", saved.body);
        let result = app.get(saved.location(), &mut jar).await;
        assert_eq!(result.status, StatusCode::OK, "{label}");
        assert!(result.body.contains("Referred to MARAC"), "{label}");
        assert!(result.body.contains("Visible high risk"), "{label}");
        assert!(result.body.contains("15 of 24"), "{label}");
        let marker = format!("/cases/{}/marac-referral/", m.case.0);
        let start = result.body.find(&marker).expect("a link to the referral");
        let href: String = result.body[start..].split('"').next().unwrap().to_string();
        let document = app.get(&href, &mut jar).await;
        assert_eq!(document.status, StatusCode::OK, "{label}");
        for number in 1..=24 {
            let answer = if number <= 15 { "yes" } else { "no" };
            assert!(
                document.body.contains(&format!("said {answer} to {number}<")),
                "{label}: {number}"
            );
        }
        // Yes answers first: question 15 (yes) comes before question 16 (no).
        let yes15 = document.body.find("said yes to 15").unwrap();
        let no16 = document.body.find("said no to 16").unwrap();
        assert!(yes15 < no16, "{label}");

        // Not on a case of another type.
        let store = &app.db.store;
        let asb = NewCase {
            partnership: store.case_partnership(m.case).await.unwrap(),
            case_type: CaseType::Asb,
            summary: "Noise",
            opened_on: "2023-11-01",
        };
        let (asb, _) = store.open_case(&m.idva, &asb, 1_700_000_000).await.unwrap();
        assert_eq!(
            app.get(&format!("/cases/{}/dash", asb.0), &mut jar).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
    }
}

/// Signs `username` in and returns their jar and a CSRF token.
async fn session(app: &TestApp, username: &str) -> (Jar, String) {
    let mut jar = Jar::default();
    app.sign_in(username, PASSWORD, &mut jar).await;
    let token = app.get("/account", &mut jar).await.csrf_token();
    (jar, token)
}

/// Records a 15-yes checklist as the IDVA; returns the referral document's path.
async fn refer(app: &TestApp, m: &Marac) -> String {
    let (mut jar, token) = session(app, "idva").await;
    let path = format!("/cases/{}/dash", m.case.0);
    let saved = post(app, &path, &dash_fields(&token, m.victim, 15, "none"), &mut jar).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let result = app.get(saved.location(), &mut jar).await;
    let marker = format!("/cases/{}/marac-referral/", m.case.0);
    let start = result.body.find(&marker).expect("a link to the referral");
    result.body[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn outsiders_get_not_found_and_forms_need_their_token() {
    for app in TestApp::all().await {
        let label = app.label();
        let m = set_up(&app).await;
        let referral = refer(&app, &m).await;
        let dash = format!("/cases/{}/dash", m.case.0);
        let result = format!("/cases/{}/dash/1", m.case.0);
        for username in ["housing", "colleague", "analyst"] {
            let (mut jar, token) = session(&app, username).await;
            for path in [&dash, &result, &referral] {
                let reply = app.get(path, &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {username} {path}");
            }
            let posted =
                post(&app, &dash, &dash_fields(&token, m.victim, 15, "none"), &mut jar).await;
            assert_eq!(posted.status, StatusCode::NOT_FOUND, "{label}: {username}");
        }
        // The MARAC chair is on the team now, and reads the referral.
        let (mut jar, _) = session(&app, "chair").await;
        assert_eq!(app.get(&referral, &mut jar).await.status, StatusCode::OK, "{label}");

        // CSRF: no token, or another session's token, is refused before anything happens.
        let (mut jar, _) = session(&app, "idva").await;
        let (_, other_token) = session(&app, "chair").await;
        let mut fields = dash_fields("", m.victim, 15, "none");
        fields.retain(|(k, _)| k != "csrf_token");
        let refused = post(&app, &dash, &fields, &mut jar).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert!(refused.body.contains("This form has expired"), "{label}");
        let refused =
            post(&app, &dash, &dash_fields(&other_token, m.victim, 15, "none"), &mut jar).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let (mut chair, _) = session(&app, "chair").await;
        let refused = app
            .post_form(
                &format!("/panels/{}/meetings", m.panel),
                &[("held-day", "20"), ("held-month", "11"), ("held-year", "2023")],
                &mut chair,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert_eq!(
            app.db.store.panel_meetings(m.panel).await.unwrap().len(),
            0,
            "{label}: nothing planned without the token"
        );
    }
}

#[tokio::test]
async fn the_chair_plans_a_meeting_and_minutes_the_referred_case() {
    for app in TestApp::all().await {
        let label = app.label();
        let m = set_up(&app).await;
        refer(&app, &m).await;
        let (mut jar, token) = session(&app, "chair").await;

        let panels = app.get("/panels", &mut jar).await;
        assert_eq!(panels.status, StatusCode::OK, "{label}");
        assert!(panels.body.contains("Maidstone MARAC"), "{label}");
        let panel_path = format!("/panels/{}", m.panel);
        let panel = app.get(&panel_path, &mut jar).await;
        assert_eq!(panel.status, StatusCode::OK, "{label}");
        assert!(panel.body.contains("1 for the next agenda"), "{label}");
        assert!(panel.body.contains("Plan a meeting"), "{label}");

        let plan = format!("{panel_path}/meetings");
        let bad = app
            .post_form(
                &plan,
                &[
                    ("csrf_token", &token),
                    ("held-day", "31"),
                    ("held-month", "2"),
                    ("held-year", "2023"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body.contains("href=\"#held-day\">The date of the meeting must be a real date"),
            "{label}"
        );
        let planned = app
            .post_form(
                &plan,
                &[
                    ("csrf_token", &token),
                    ("held-day", "20"),
                    ("held-month", "11"),
                    ("held-year", "2023"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER, "{label}: {}", planned.body);
        let meeting_path = planned.location().to_string();
        let meeting = app.get(&meeting_path, &mut jar).await;
        assert_eq!(meeting.status, StatusCode::OK, "{label}");
        assert!(meeting.body.contains("DA-"), "{label}: the case reference");
        assert!(meeting.body.contains("Visible high risk"), "{label}");
        assert!(meeting.body.contains("said yes to 1<"), "{label}: the DASH answers");
        let item: i64 = {
            let marker = "id=\"item-";
            let start = meeting.body.find(marker).unwrap() + marker.len();
            meeting.body[start..].split('"').next().unwrap().parse().unwrap()
        };
        let meeting_id: i64 = meeting_path.rsplit('/').next().unwrap().parse().unwrap();

        // Minutes: an error first, then saved with the next review.
        let minutes = format!("{meeting_path}/items/{item}/minutes");
        let bad =
            app.post_form(&minutes, &[("csrf_token", &token), ("minutes", " ")], &mut jar).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body.contains(&format!("href=\"#minutes-{item}\">Enter the minutes")),
            "{label}"
        );
        let saved = app
            .post_form(
                &minutes,
                &[
                    ("csrf_token", &token),
                    ("minutes", "Safety plan agreed."),
                    ("review-day", "18"),
                    ("review-month", "12"),
                    ("review-year", "2023"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{label}: {}", saved.body);
        // An action for the IDVA, and attendance.
        let action = app
            .post_form(
                &format!("{meeting_path}/items/{item}/actions"),
                &[
                    ("csrf_token", &token),
                    ("title", "Arrange target hardening"),
                    ("owner", &m.idva.user.0.to_string()),
                    ("due-day", "1"),
                    ("due-month", "12"),
                    ("due-year", "2023"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(action.status, StatusCode::SEE_OTHER, "{label}: {}", action.body);
        let council =
            app.db.store.agency_by_code("maidstone-borough-council").await.unwrap().unwrap();
        let attendance = app
            .post_form(
                &format!("{meeting_path}/attendance"),
                &[
                    ("csrf_token", &token),
                    ("agency", &council.id.0.to_string()),
                    ("attendee", "IDVA"),
                    ("present", "present"),
                ],
                &mut jar,
            )
            .await;
        assert_eq!(attendance.status, StatusCode::SEE_OTHER, "{label}: {}", attendance.body);
        let meeting = app.get(&meeting_path, &mut jar).await;
        assert!(meeting.body.contains("Safety plan agreed."), "{label}");
        assert!(meeting.body.contains("18 December 2023"), "{label}");
        assert!(meeting.body.contains("Arrange target hardening"), "{label}");

        // The printable agenda: one page per case.
        let print = app.get(&format!("{meeting_path}/print"), &mut jar).await;
        assert_eq!(print.status, StatusCode::OK, "{label}");
        assert_eq!(print.body.matches("class=\"app-agenda-page\"").count(), 2, "{label}");
        let css = app.get("/assets/safer.css", &mut jar).await;
        assert!(css.body.contains("break-after: page"), "{label}");

        // JSON.
        let json = app.get(&format!("/api/v1/meetings/{meeting_id}"), &mut jar).await;
        assert_eq!(json.status, StatusCode::OK, "{label}");
        let value: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(value["items"][0]["referral"]["yes_count"], 15, "{label}");
        assert_eq!(value["items"][0]["minutes"], "Safety plan agreed.", "{label}");
        assert_eq!(value["items"][0]["referral"]["answers"][0]["answer"], "yes", "{label}");

        // The IDVA sees the meeting (the case is theirs) but does not run the panel.
        let (mut idva, idva_token) = session(&app, "idva").await;
        assert_eq!(app.get(&meeting_path, &mut idva).await.status, StatusCode::OK, "{label}");
        let refused = app
            .post_form(
                &plan,
                &[
                    ("csrf_token", &idva_token),
                    ("held-day", "21"),
                    ("held-month", "11"),
                    ("held-year", "2023"),
                ],
                &mut idva,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let refused = app
            .post_form(
                &format!("{meeting_path}/attendance"),
                &[
                    ("csrf_token", &idva_token),
                    ("agency", &council.id.0.to_string()),
                    ("attendee", "Me"),
                    ("present", "present"),
                ],
                &mut idva,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        // Housing sees nothing of it; the JSON says not found.
        let (mut housing, _) = session(&app, "housing").await;
        assert_eq!(
            app.get(&meeting_path, &mut housing).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let json = app.get(&format!("/api/v1/meetings/{meeting_id}"), &mut housing).await;
        assert_eq!(json.status, StatusCode::NOT_FOUND, "{label}");
        assert!(json.body.contains("not found"), "{label}");
        // The colleague off the team: the meeting is not found either.
        let (mut colleague, _) = session(&app, "colleague").await;
        assert_eq!(
            app.get(&meeting_path, &mut colleague).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
    }
}
