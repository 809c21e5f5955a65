//! Retention review: `/cases/retention` lists the owning agency's closed cases past their
//! keep-until date, `/cases/{id}/erase` confirms and erases one. A case not yet due is refused
//! with the reason (403), an unrelated agency gets 404, and the POST needs the CSRF token. The
//! test clock stands at 14 November 2023.

use axum::http::StatusCode;
use safer_domain::access::Viewer;
use safer_domain::case::CaseType;
use safer_domain::ids::{AgencyId, CaseId, PartnershipId};
use safer_domain::Role;
use safer_storage::{NewCase, User};
use safer_test_utils::fixtures::{add_user, PASSWORD};

use crate::support::{Jar, TestApp};

async fn partnership(app: &TestApp) -> PartnershipId {
    app.db
        .store
        .partnership_by_slug("safer-maidstone-partnership")
        .await
        .unwrap()
        .expect("the test app's partnership")
        .id()
}

fn viewer(user: &User) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![Role::Practitioner] }
}

/// A closed case of the owner's agency kept until `retain_until_on`, and its reference.
async fn closed_case(
    app: &TestApp,
    owner: &User,
    summary: &str,
    retain_until_on: &str,
) -> (CaseId, String) {
    let store = &app.db.store;
    let new = NewCase {
        partnership: partnership(app).await,
        case_type: CaseType::Asb,
        summary,
        opened_on: "2015-01-05",
    };
    let (case, reference) = store.open_case(&viewer(owner), &new, 1).await.unwrap();
    store.close_case(&viewer(owner), case, "2016-03-01", retain_until_on, 2).await.unwrap();
    (case, reference)
}

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    jar
}

#[tokio::test]
async fn a_case_past_retention_is_listed_confirmed_and_erased() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        let smp = partnership(&app).await;
        let owner =
            add_user(store, smp, "asb-officer", "maidstone-borough-council", Role::Practitioner)
                .await;
        add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
        let (due, due_ref) = closed_case(&app, &owner, "Old noise case", "2022-03-01").await;
        let (kept, kept_ref) = closed_case(&app, &owner, "Recent noise case", "2030-03-01").await;

        let mut jar = signed_in(&app, "asb-officer").await;
        let cases = app.get("/cases", &mut jar).await;
        assert!(cases.body.contains("href=\"/cases/retention\""), "{label}: linked from Cases");

        // Listed: past its keep-until date; the one still kept is not.
        let list = app.get("/cases/retention", &mut jar).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains(&due_ref), "{label}");
        assert!(list.body.contains("1 March 2022"), "{label}: kept until");
        assert!(list.body.contains("1 March 2016"), "{label}: closed");
        assert!(list.body.contains(&format!("/cases/{}/erase", due.0)), "{label}");
        assert!(!list.body.contains(&kept_ref), "{label}: not yet past retention");

        // The confirmation page.
        let path = format!("/cases/{}/erase", due.0);
        let confirm = app.get(&path, &mut jar).await;
        assert_eq!(confirm.status, StatusCode::OK, "{label}");
        assert!(
            confirm.body.contains(&format!("Erase {due_ref}? This cannot be undone")),
            "{label}"
        );
        assert!(confirm.body.contains("app-warning-text"), "{label}");
        let token = confirm.csrf_token();

        // Another agency's case worker: 404, as for a case that does not exist.
        let mut outsider = signed_in(&app, "housing").await;
        assert_eq!(app.get(&path, &mut outsider).await.status, StatusCode::NOT_FOUND, "{label}");
        let outsider_token = app.get("/account", &mut outsider).await.csrf_token();
        let refused = app.post_form(&path, &[("csrf_token", &outsider_token)], &mut outsider).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");
        let listed = app.get("/cases/retention", &mut outsider).await;
        assert!(!listed.body.contains(&due_ref), "{label}: not the other agency's list");

        // Without the token nothing is erased.
        let no_token = app.post_form(&path, &[], &mut jar).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{label}");
        assert_eq!(app.get(&path, &mut jar).await.status, StatusCode::OK, "{label}: still there");

        // Erased: back to the list with a banner; then the case is gone.
        let erased = app.post_form(&path, &[("csrf_token", &token)], &mut jar).await;
        assert_eq!(erased.status, StatusCode::SEE_OTHER, "{label}: {}", erased.body);
        assert_eq!(erased.location(), format!("/cases/retention?erased={due_ref}"), "{label}");
        let after = app.get(erased.location(), &mut jar).await;
        assert!(after.body.contains("app-notification-banner--success"), "{label}");
        assert!(after.body.contains(&format!("{due_ref} has been erased")), "{label}");
        assert!(after.body.contains("No case is past its retention date"), "{label}");
        let gone = app.get(&format!("/cases/{}", due.0), &mut jar).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{label}");
        assert_eq!(app.get(&path, &mut jar).await.status, StatusCode::NOT_FOUND, "{label}");

        // A case not yet past retention: the reason, no button, and not erased.
        let kept_path = format!("/cases/{}/erase", kept.0);
        let shown = app.get(&kept_path, &mut jar).await;
        assert_eq!(shown.status, StatusCode::FORBIDDEN, "{label}");
        let reason = "only a closed case past its retention date can be erased";
        assert!(shown.body.contains(reason), "{label}");
        assert!(!shown.body.contains("app-button--warning"), "{label}: no button");
        let token = app.get("/account", &mut jar).await.csrf_token();
        let refused = app.post_form(&kept_path, &[("csrf_token", &token)], &mut jar).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert!(refused.body.contains(reason), "{label}");
        let still = app.get(&format!("/cases/{}", kept.0), &mut jar).await;
        assert_eq!(still.status, StatusCode::OK, "{label}: not erased");
    }
}
