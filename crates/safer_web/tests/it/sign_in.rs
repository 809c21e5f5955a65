use axum::http::StatusCode;
use safer_test_utils::fixtures::PASSWORD;
use safer_test_utils::TestDb;
use safer_web::WebConfig;

use crate::support::{Jar, TestApp};

#[tokio::test]
async fn signing_in_and_out() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = Jar::default();
        let home = app.get("/", &mut jar).await;
        assert_eq!((home.status, home.location()), (StatusCode::SEE_OTHER, "/sign-in"), "{label}");
        let plan = app.get("/plans/maidstone-2022-25", &mut jar).await;
        assert_eq!(
            plan.location(),
            "/sign-in?next=/plans/maidstone-2022-25",
            "{label}: sign-in required, then back"
        );

        let reply = app.sign_in("coordinator", PASSWORD, &mut jar).await;
        assert_eq!(
            (reply.status, reply.location()),
            (StatusCode::SEE_OTHER, "/"),
            "{label}: {}",
            reply.body
        );
        assert!(
            jar.has("safer_session") && !jar.has("safer_anon"),
            "{label}: the anonymous cookie is replaced"
        );

        let home = app.get("/", &mut jar).await;
        assert_eq!(home.location(), "/plans/maidstone-2022-25", "{label}");
        let account = app.get("/account", &mut jar).await;
        assert_eq!(account.status, StatusCode::OK, "{label}");
        assert!(
            account.body.contains("Coordinator")
                && account.body.contains("Safer Maidstone Partnership")
        );
        assert_eq!(account.headers["cache-control"], "no-store");

        let token = account.csrf_token();
        let out = app.post_form("/sign-out", &[("csrf_token", &token)], &mut jar).await;
        assert_eq!(out.location(), "/sign-in?signed_out=1", "{label}");
        assert!(!jar.has("safer_session"));
        let after = app.get("/account", &mut jar).await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "{label}: signed out");

        let events: Vec<String> =
            app.db.store.recent_events(10).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(events[..2], ["sign_out", "sign_in"], "{label}");
    }
}

#[tokio::test]
async fn bad_credentials_get_the_form_back_with_errors() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let form = app.get("/sign-in", &mut jar).await;
    let token = form.csrf_token();
    let empty = app
        .post_form(
            "/sign-in",
            &[("csrf_token", &token), ("username", ""), ("password", "")],
            &mut jar,
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("There is a problem"));
    assert!(empty.body.contains("href=\"#username\">Enter your username"));
    assert!(empty.body.contains("href=\"#password\">Enter your password"));
    assert!(empty.body.contains("<title>Error: Sign in – Safer</title>"));

    for (username, password) in [("coordinator", "wrong password!"), ("nobody-at-all", PASSWORD)] {
        let reply = app
            .post_form(
                "/sign-in",
                &[("csrf_token", &token), ("username", username), ("password", password)],
                &mut jar,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{username}");
        assert!(
            reply.body.contains("Enter a correct username and password"),
            "the same answer for {username}"
        );
        assert!(reply.body.contains(&format!("value=\"{username}\"")), "the username is kept");
        assert!(!reply.body.contains(password), "the password is never echoed");
    }

    let user = app.db.store.user_by_username("analyst").await.unwrap().unwrap();
    app.db.store.set_user_disabled(user.id(), true).await.unwrap();
    let disabled = app.sign_in("analyst", PASSWORD, &mut jar).await;
    assert_eq!(disabled.status, StatusCode::UNAUTHORIZED, "a disabled account cannot sign in");
}

#[tokio::test]
async fn sign_in_is_throttled_per_username() {
    let config = WebConfig { login_max_failures_per_user: 3, ..WebConfig::default() };
    let app = TestApp::with_config(TestDb::sqlite().await, config).await;
    let mut jar = Jar::default();
    for _ in 0..3 {
        let reply = app.sign_in("coordinator", "not the password", &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = app.sign_in("coordinator", PASSWORD, &mut jar).await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password is refused for a while"
    );
    assert!(throttled.body.contains("too many times. Wait 15 minutes"));
    let other = app.sign_in("analyst", PASSWORD, &mut jar).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "other users are not locked out");

    app.advance(15 * 60 + 1);
    let mut jar = Jar::default();
    let later = app.sign_in("coordinator", PASSWORD, &mut jar).await;
    assert_eq!(later.status, StatusCode::SEE_OTHER, "the window passes");
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_limit() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    // Active use keeps the session for up to 12 hours...
    for _ in 0..11 {
        app.advance(60 * 60);
        assert_eq!(app.get("/account", &mut jar).await.status, StatusCode::OK);
    }
    app.advance(60 * 60);
    assert_eq!(
        app.get("/account", &mut jar).await.status,
        StatusCode::SEE_OTHER,
        "the 12-hour limit"
    );

    let mut jar = Jar::default();
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    app.advance(2 * 60 * 60 + 1);
    let idle = app.get("/account", &mut jar).await;
    assert_eq!(idle.status, StatusCode::SEE_OTHER, "two idle hours end it");
    assert!(!jar.has("safer_session"), "a dead session cookie is cleared");
}

#[tokio::test]
async fn redirects_after_sign_in_stay_on_this_site() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let form = app.get("/sign-in?next=//evil.example/", &mut jar).await;
    assert!(form.body.contains("name=\"next\" value=\"/\""));
    let token = form.csrf_token();
    let reply = app
        .post_form(
            "/sign-in",
            &[
                ("csrf_token", &token),
                ("username", "coordinator"),
                ("password", PASSWORD),
                ("next", "https://evil.example"),
            ],
            &mut jar,
        )
        .await;
    assert_eq!(reply.location(), "/");
}

/// A user in two partnerships works in the first by name until they choose the other on their
/// account page; from then on their case list is the other's, and the header says which.
/// Choosing a partnership they are not in changes nothing, and the form needs its CSRF token.
#[tokio::test]
async fn a_user_in_two_partnerships_chooses_which_to_work_in() {
    use safer_domain::access::Viewer;
    use safer_domain::ids::AgencyId;
    use safer_domain::Role;
    use safer_storage::NewCase;

    for app in TestApp::all().await {
        let label = app.label();
        let store = &app.db.store;
        let maidstone =
            store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
        let ashford = store
            .upsert_partnership("ashford-csp", "Ashford Community Safety Partnership", None, 0)
            .await
            .unwrap()
            .id();
        let elsewhere =
            store.upsert_partnership("elsewhere", "Elsewhere CSP", None, 0).await.unwrap().id();
        let user = safer_test_utils::fixtures::add_user(
            store,
            maidstone,
            "analyst-and-officer",
            "kent-police",
            Role::Practitioner,
        )
        .await;
        store.grant_role(user.id(), ashford, Role::Practitioner, 0).await.unwrap();
        let viewer = Viewer {
            user: user.id(),
            agency: AgencyId(user.agency_id),
            roles: vec![Role::Practitioner],
        };
        for (partnership, summary) in
            [(maidstone, "Noise in Maidstone town centre"), (ashford, "Graffiti in Ashford")]
        {
            let case = NewCase {
                partnership,
                case_type: safer_domain::case::CaseType::Asb,
                summary,
                opened_on: "2023-11-01",
            };
            store.open_case(&viewer, &case, 1).await.unwrap();
        }

        let mut jar = Jar::default();
        app.sign_in("analyst-and-officer", PASSWORD, &mut jar).await;
        let cases = app.get("/cases", &mut jar).await;
        assert!(cases.body.contains("Graffiti in Ashford"), "{label}: first by name");
        assert!(!cases.body.contains("Noise in Maidstone"), "{label}");
        assert!(cases.body.contains("Working in Ashford Community Safety Partnership"), "{label}");
        let account = app.get("/account", &mut jar).await;
        let token = account.csrf_token();
        assert!(account.body.contains(&format!("value=\"{}\" checked", ashford.0)), "{label}");
        assert!(account.body.contains(&format!("value=\"{}\"", maidstone.0)), "{label}");

        // Not a member of it: nothing changes. No token: refused.
        let other = elsewhere.0.to_string();
        let posted = app
            .post_form(
                "/account/partnership",
                &[("csrf_token", &token), ("partnership", &other)],
                &mut jar,
            )
            .await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{label}");
        let maidstone_id = maidstone.0.to_string();
        let forged = app
            .post_form("/account/partnership", &[("partnership", &maidstone_id)], &mut jar)
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        assert!(app.get("/cases", &mut jar).await.body.contains("Graffiti in Ashford"), "{label}");

        let chosen = app
            .post_form(
                "/account/partnership",
                &[("csrf_token", &token), ("partnership", &maidstone_id)],
                &mut jar,
            )
            .await;
        assert_eq!(
            (chosen.status, chosen.location()),
            (StatusCode::SEE_OTHER, "/account"),
            "{label}"
        );
        let cases = app.get("/cases", &mut jar).await;
        assert!(cases.body.contains("Noise in Maidstone town centre"), "{label}: {}", cases.body);
        assert!(!cases.body.contains("Graffiti in Ashford"), "{label}");
        assert!(cases.body.contains("Working in Safer Maidstone Partnership"), "{label}");

        // A user in one partnership is not offered the choice.
        let mut single = Jar::default();
        app.sign_in("coordinator", PASSWORD, &mut single).await;
        let account = app.get("/account", &mut single).await;
        assert!(!account.body.contains("Work in this partnership"), "{label}");
        assert!(!account.body.contains("Working in"), "{label}");
    }
}
