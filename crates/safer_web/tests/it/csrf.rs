use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_test_utils::fixtures::PASSWORD;
use safer_test_utils::TestDb;

use crate::support::{Jar, TestApp};

#[tokio::test]
async fn forms_without_the_right_token_are_refused() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let form = app.get("/sign-in", &mut jar).await;
    let token = form.csrf_token();

    let missing = app
        .post_form("/sign-in", &[("username", "coordinator"), ("password", PASSWORD)], &mut jar)
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("This form has expired"));

    let wrong = app
        .post_form(
            "/sign-in",
            &[("csrf_token", "AAAA"), ("username", "coordinator"), ("password", PASSWORD)],
            &mut jar,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    // A token from another browser (another anonymous cookie) does not work here.
    let mut other = Jar::default();
    let other_form = app.get("/sign-in", &mut other).await;
    assert_ne!(other_form.csrf_token(), token);
    let stolen = app
        .post_form(
            "/sign-in",
            &[
                ("csrf_token", &other_form.csrf_token()),
                ("username", "coordinator"),
                ("password", PASSWORD),
            ],
            &mut jar,
        )
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);

    // Signed in, the token is bound to the session: the pre-sign-in token no longer works.
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    let old = app.post_form("/sign-out", &[("csrf_token", &token)], &mut jar).await;
    assert_eq!(old.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/account", &mut jar).await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn cross_site_and_non_form_posts_are_refused() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    let token = app.get("/account", &mut jar).await.csrf_token();
    let cookies = jar.header();
    let sign_out = |origin: &str, content_type: &str, body: String| {
        Request::post("/sign-out")
            .header(header::COOKIE, cookies.clone())
            .header(header::CONTENT_TYPE, content_type)
            .header(header::HOST, "safer.example")
            .header(header::ORIGIN, origin)
            .body(Body::from(body))
            .unwrap()
    };
    let form = "application/x-www-form-urlencoded";
    let body = format!("csrf_token={token}");

    let reply =
        app.send(sign_out("https://evil.example", form, body.clone()), &mut jar.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "another site's origin");
    let reply = app.send(sign_out("null", form, body.clone()), &mut jar.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "an opaque origin");
    let json = sign_out(
        "https://safer.example",
        "application/json",
        format!("{{\"csrf_token\":\"{token}\"}}"),
    );
    assert_eq!(app.send(json, &mut jar.clone()).await.status, StatusCode::FORBIDDEN, "not a form");
    assert_eq!(
        app.get("/account", &mut jar).await.status,
        StatusCode::OK,
        "none of those signed us out"
    );

    // The same request from this site is accepted.
    let reply = app.send(sign_out("https://safer.example", form, body), &mut jar).await;
    assert_eq!((reply.status, reply.location()), (StatusCode::SEE_OTHER, "/sign-in?signed_out=1"));
}
