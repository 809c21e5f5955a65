//! Enforcement powers pages: the forms, a refusal by the statute shown in the error summary,
//! the clocks on the case and on `/due`, their JSON, 404 for an unrelated agency on every
//! route, and CSRF. The test clock stands at 14 November 2023, so dates are around then.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::casework::risk::RiskModel;
use safer_domain::ids::{AgencyId, CaseId, PartnershipId};
use safer_domain::Role;
use safer_storage::{NewCase, NewSubject, User};
use safer_test_utils::fixtures::{add_user, PASSWORD};

use crate::support::{Jar, Reply, TestApp};

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

/// A council practitioner with an ASB case and an adult linked to it, and a housing
/// practitioner of another agency the case is not shared with.
struct World {
    case: CaseId,
    subject: i64,
    owner: User,
    outsider: User,
}

async fn world(app: &TestApp) -> World {
    let store = &app.db.store;
    let smp = partnership(app).await;
    let owner =
        add_user(store, smp, "asb-officer", "maidstone-borough-council", Role::Practitioner).await;
    let outsider = add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    let viewer = Viewer {
        user: owner.id(),
        agency: AgencyId(owner.agency_id),
        roles: vec![Role::Practitioner],
    };
    let new = NewCase {
        partnership: smp,
        case_type: CaseType::Asb,
        summary: "Loud music late at night",
        opened_on: "2023-10-20",
    };
    let (case, _) = store.open_case(&viewer, &new, 1).await.unwrap();
    let person = NewSubject {
        kind: SubjectKind::Person,
        name: "Sam Adult",
        born_on: Some("1990-05-01"),
        address: None,
        postcode: None,
    };
    let subject = store
        .add_new_subject(
            &viewer,
            case,
            &person,
            LinkRole::Perpetrator,
            Consent::NotRequired,
            None,
            2,
        )
        .await
        .unwrap();
    World { case, subject: subject.0, owner, outsider }
}

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    jar
}

/// The three boxes of a date.
fn date(field: &str, iso: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = iso.split('-').collect();
    vec![
        (format!("{field}_day"), parts[2].trim_start_matches('0').to_string()),
        (format!("{field}_month"), parts[1].trim_start_matches('0').to_string()),
        (format!("{field}_year"), parts[0].to_string()),
    ]
}

fn field(name: &str, value: impl Into<String>) -> Vec<(String, String)> {
    vec![(name.to_string(), value.into())]
}

/// Posts a form with the page's CSRF token.
async fn post(
    app: &TestApp,
    path: &str,
    fields: Vec<Vec<(String, String)>>,
    jar: &mut Jar,
) -> Reply {
    let token = app.get("/account", jar).await.csrf_token();
    let mut all = vec![("csrf_token".to_string(), token)];
    all.extend(fields.into_iter().flatten());
    let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(path, &pairs, jar).await
}

fn cpw(subject: i64) -> Vec<Vec<(String, String)>> {
    vec![
        field("subject", subject.to_string()),
        field("conduct", "Loud music at night"),
        date("issued", "2023-11-01"),
        date("comply_by", "2023-11-10"),
    ]
}

fn cpn(subject: i64, issued: &str) -> Vec<Vec<(String, String)>> {
    vec![
        field("subject", subject.to_string()),
        field("conduct", "loud music at night"),
        date("issued", issued),
        field(
            "requirements",
            "Stop: playing amplified music after 23:00\nDo: fit a sound limiter by 2023-12-20",
        ),
    ]
}

#[tokio::test]
async fn powers_are_recorded_through_the_forms_and_their_clocks_shown() {
    for app in TestApp::all().await {
        let label = app.label();
        let w = world(&app).await;
        let mut jar = signed_in(&app, &w.owner.username).await;
        let base = format!("/cases/{}/powers", w.case.0);

        let page = app.get(&base, &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("Enforcement powers"), "{label}");
        assert!(page.body.contains("No powers have been used on this case yet."), "{label}");

        // A CPN before any warning: the error summary says why, in the rule's words.
        let form = app.get(&format!("{base}/cpn"), &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("Sam Adult"), "{label}: the recipient is offered");
        let refused =
            post(&app, &format!("{base}/cpn"), cpn(w.subject, "2023-11-11"), &mut jar).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("There is a problem"), "{label}");
        assert!(
            refused.body.contains("A CPN needs a written warning (CPW) served first on the same recipient about the same conduct"),
            "{label}: {}",
            refused.body
        );
        assert!(
            refused.body.contains("<title>Error: Issue a Community Protection Notice"),
            "{label}"
        );
        assert!(refused.body.contains("fit a sound limiter"), "{label}: what was typed is kept");

        // Missing fields are named.
        let empty = post(&app, &format!("{base}/cpw"), vec![], &mut jar).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        for message in [
            "Choose who the warning was given to",
            "Enter the conduct the warning is about",
            "Enter the day the warning was given",
        ] {
            assert!(empty.body.contains(message), "{label}: {message}");
        }

        let done = post(&app, &format!("{base}/cpw"), cpw(w.subject), &mut jar).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{label}: {}", done.body);
        assert_eq!(done.location(), base, "{label}");

        // On the comply-by day, too soon; written out in plain words.
        let early =
            post(&app, &format!("{base}/cpn"), cpn(w.subject, "2023-11-10"), &mut jar).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            early.body.contains("Too soon for a CPN: the warning gave until 10 November 2023 to stop, so a CPN may be issued from 11 November 2023"),
            "{label}"
        );
        let bad_lines = post(
            &app,
            &format!("{base}/cpn"),
            vec![
                field("subject", w.subject.to_string()),
                field("conduct", "loud music at night"),
                date("issued", "2023-11-11"),
                field("requirements", "be quiet"),
            ],
            &mut jar,
        )
        .await;
        assert!(
            bad_lines.body.contains("Start requirement 1 with Stop:, Do: or Take steps:"),
            "{label}"
        );
        let issued =
            post(&app, &format!("{base}/cpn"), cpn(w.subject, "2023-11-11"), &mut jar).await;
        assert_eq!(issued.status, StatusCode::SEE_OTHER, "{label}: {}", issued.body);

        let page = app.get(&base, &mut jar).await;
        for text in [
            "Community Protection Warning",
            "Community Protection Notice",
            "CPN: appeal window closes",
            "1 December 2023",
            "CPN: requirement 2 deadline",
            "Stop: playing amplified music after 23:00",
        ] {
            assert!(page.body.contains(text), "{label}: {text}\n{}", page.body);
        }
        assert!(
            !page.body.contains("CPW: a CPN may be issued"),
            "{label}: the warning's clocks stop"
        );

        // The appeal and the penalty choose the notice from a list of ids.
        let powers = app
            .db
            .store
            .case_powers(
                &Viewer {
                    user: w.owner.id(),
                    agency: AgencyId(w.owner.agency_id),
                    roles: vec![Role::Practitioner],
                },
                w.case,
                3,
            )
            .await
            .unwrap();
        let notice =
            powers.powers.iter().find(|p| p.kind == safer_storage::PowerKind::Cpn).unwrap().id;
        let late = post(
            &app,
            &format!("{base}/appeal"),
            vec![field("power", notice.to_string()), date("lodged", "2023-12-02")],
            &mut jar,
        )
        .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            late.body.contains(
                "within 21 days beginning with the day it was issued (by 1 December 2023)"
            ),
            "{label}"
        );
        let fpn = post(
            &app,
            &format!("{base}/fpn"),
            vec![
                field("power", notice.to_string()),
                date("offence", "2023-11-12"),
                date("given", "2023-11-13"),
            ],
            &mut jar,
        )
        .await;
        assert_eq!(fpn.status, StatusCode::SEE_OTHER, "{label}: {}", fpn.body);
        let appeal = post(
            &app,
            &format!("{base}/appeal"),
            vec![field("power", notice.to_string()), date("lodged", "2023-12-01")],
            &mut jar,
        )
        .await;
        assert_eq!(appeal.status, StatusCode::SEE_OTHER, "{label}: {}", appeal.body);

        // The other powers.
        let below = post(
            &app,
            &format!("{base}/closure-notice"),
            vec![
                field("issuer", "police-below-inspector"),
                date("served", "2023-11-01"),
                field("served_time", "10:00"),
                field("hours", "24"),
            ],
            &mut jar,
        )
        .await;
        assert_eq!(below.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(below.body.contains("A closure notice must be issued by a police inspector or above, or by the local authority"), "{label}");
        for (path, fields) in [
            (
                "closure-notice",
                vec![
                    field("issuer", "local-authority"),
                    date("served", "2023-11-01"),
                    field("served_time", "10:00"),
                    field("hours", "24"),
                ],
            ),
            ("closure-order", vec![date("made", "2023-11-03"), date("until", "2024-02-02")]),
            ("pspo", vec![date("made", "2023-11-01")]),
            (
                "injunction",
                vec![
                    field("subject", w.subject.to_string()),
                    date("granted", "2023-11-05"),
                    field("arrest", "yes"),
                ],
            ),
        ] {
            let reply = post(&app, &format!("{base}/{path}"), fields, &mut jar).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {path}: {}", reply.body);
        }
        let too_long = post(
            &app,
            &format!("{base}/closure-order"),
            vec![date("made", "2023-11-03"), date("until", "2024-02-03")],
            &mut jar,
        )
        .await;
        assert!(
            too_long.body.contains(
                "A closure order may last at most 3 months in total (until 2 February 2024)"
            ),
            "{label}"
        );

        let page = app.get(&base, &mut jar).await;
        for text in [
            "Appeal pending",
            "(suspended pending appeal)",
            "£100.00 (£75.00 if paid by 23 November 2023); pay by 27 November 2023",
            "Closure notice: hearing must be held",
            "3 November 2023 at 10:00 UTC",
            "Overdue",
            "PSPO: High Court challenge window closes",
            "Power of arrest attached",
        ] {
            assert!(page.body.contains(text), "{label}: {text}\n{}", page.body);
        }
        assert!(!page.body.contains("CPN: appeal window closes"), "{label}: appealed");

        // Due and overdue, across the user's cases.
        let due = app.get("/due", &mut jar).await;
        assert_eq!(due.status, StatusCode::OK, "{label}");
        assert!(due.body.contains("Due and overdue"), "{label}");
        let hearing =
            due.body.find("Closure notice: hearing must be held").expect("hearing on /due");
        let payment = due.body.find("FPN: payment due").expect("payment on /due");
        assert!(hearing < payment, "{label}: soonest first");
        assert!(due.body.contains(&format!("href=\"/cases/{}/powers\"", w.case.0)), "{label}");
        assert!(due.body.contains("Overdue"), "{label}");

        // The same as JSON.
        let json = app.get(&format!("/api/v1/cases/{}/clocks", w.case.0), &mut jar).await;
        assert_eq!(json.status, StatusCode::OK, "{label}");
        let value: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let names: Vec<&str> = value["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"FPN: payment due"), "{label}: {names:?}");
        let hearing = value["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Closure notice: hearing must be held")
            .unwrap();
        assert_eq!(hearing["due"], "2023-11-03T10:00:00Z", "{label}");
        assert_eq!(hearing["overdue"], true, "{label}");
        let due = app.get("/api/v1/due", &mut jar).await;
        assert_eq!(due.status, StatusCode::OK, "{label}");
        let value: serde_json::Value = serde_json::from_str(&due.body).unwrap();
        assert_eq!(value["until"], "2024-01-09", "{label}");
        assert!(
            value["clocks"].as_array().unwrap().iter().all(|c| c["case"] == w.case.0),
            "{label}"
        );
    }
}

#[tokio::test]
async fn an_unrelated_agency_gets_not_found_on_every_powers_route() {
    for app in TestApp::all().await {
        let label = app.label();
        let w = world(&app).await;
        let mut jar = signed_in(&app, &w.outsider.username).await;
        let base = format!("/cases/{}/powers", w.case.0);
        let mut paths = vec![base.clone(), format!("/api/v1/cases/{}/clocks", w.case.0)];
        for kind in
            ["cpw", "cpn", "appeal", "fpn", "closure-notice", "closure-order", "pspo", "injunction"]
        {
            paths.push(format!("{base}/{kind}"));
        }
        for path in &paths {
            let reply = app.get(path, &mut jar).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: GET {path}");
            assert!(
                !reply.body.contains("Sam Adult") && !reply.body.contains("ASB-"),
                "{label}: {path}"
            );
        }
        for kind in
            ["cpw", "cpn", "appeal", "fpn", "closure-notice", "closure-order", "pspo", "injunction"]
        {
            let reply = post(&app, &format!("{base}/{kind}"), cpw(w.subject), &mut jar).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: POST {kind}");
        }
        // Their due list is empty; the case's clocks are not theirs.
        let due = app.get("/due", &mut jar).await;
        assert_eq!(due.status, StatusCode::OK, "{label}");
        assert!(due.body.contains("Nothing is due."), "{label}");
        // A user whose roles work no cases does not find the routes at all.
        let mut analyst = signed_in(&app, "analyst").await;
        for path in ["/due", "/api/v1/due", &base] {
            assert_eq!(
                app.get(path, &mut analyst).await.status,
                StatusCode::NOT_FOUND,
                "{label}: {path}"
            );
        }
        // Signed out: the pages ask for sign-in, the API answers 401.
        let mut anonymous = Jar::default();
        assert_eq!(app.get(&base, &mut anonymous).await.status, StatusCode::SEE_OTHER, "{label}");
        assert_eq!(
            app.get("/api/v1/due", &mut anonymous).await.status,
            StatusCode::UNAUTHORIZED,
            "{label}"
        );
        // Nothing was written by any of it.
        let owner = Viewer {
            user: w.owner.id(),
            agency: AgencyId(w.owner.agency_id),
            roles: vec![Role::Practitioner],
        };
        assert!(
            app.db.store.case_powers(&owner, w.case, 5).await.unwrap().powers.is_empty(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_power_posted_without_the_csrf_token_is_refused() {
    for app in TestApp::all().await {
        let label = app.label();
        let w = world(&app).await;
        let mut jar = signed_in(&app, &w.owner.username).await;
        let fields: Vec<(String, String)> = cpw(w.subject).into_iter().flatten().collect();
        let pairs: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply =
            app.post_form(&format!("/cases/{}/powers/cpw", w.case.0), &pairs, &mut jar).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}");
        assert!(reply.body.contains("This form has expired"), "{label}");
        let owner = Viewer {
            user: w.owner.id(),
            agency: AgencyId(w.owner.agency_id),
            roles: vec![Role::Practitioner],
        };
        assert!(
            app.db.store.case_powers(&owner, w.case, 5).await.unwrap().powers.is_empty(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_case_review_falls_due_on_the_due_list() {
    for app in TestApp::all().await {
        let label = app.label();
        let w = world(&app).await;
        let store = &app.db.store;
        let viewer = Viewer {
            user: w.owner.id(),
            agency: AgencyId(w.owner.agency_id),
            roles: vec![Role::Practitioner],
        };
        let model = RiskModel::default();
        let yes = ["health", "unsafe_home", "daily", "worse", "violence", "targeted"];
        let answers: BTreeMap<String, bool> = model
            .questions()
            .iter()
            .map(|q| (q.id.clone(), yes.contains(&q.id.as_str())))
            .collect();
        // Assessed in September: its review has passed by 14 November.
        let assessment = model.assess(time::macros::date!(2023 - 09 - 01), &answers).unwrap();
        let review_on = assessment.next_review.expect("a review date").to_string();
        assert!(review_on.as_str() < "2023-11-14", "{label}: {review_on}");
        store.record_risk_assessment(&viewer, w.case, None, &assessment, 3).await.unwrap();

        let mut jar = signed_in(&app, &w.owner.username).await;
        let due = app.get("/due", &mut jar).await;
        assert_eq!(due.status, StatusCode::OK, "{label}");
        let row = due.body.find("Review the case").expect("the review on /due");
        let row = &due.body[row.saturating_sub(200)..];
        assert!(row.contains(&format!("href=\"/cases/{}\"", w.case.0)), "{label}: {row}");
        assert!(row.contains("Overdue"), "{label}: {row}");

        let json = app.get("/api/v1/due", &mut jar).await;
        let value: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let clocks = value["clocks"].as_array().unwrap();
        let review = clocks.iter().find(|c| c["source"] == "case-review").expect("the review");
        assert_eq!(review["due"], review_on.as_str(), "{label}");
        assert_eq!(review["kind"], "review", "{label}");
        assert_eq!(review["overdue"], true, "{label}");
        assert_eq!(review["power"], serde_json::Value::Null, "{label}");
        let case_clocks = app.get(&format!("/api/v1/cases/{}/clocks", w.case.0), &mut jar).await;
        assert!(case_clocks.body.contains("\"case-review\""), "{label}: {}", case_clocks.body);
    }
}
