use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_test_utils::TestDb;

use crate::support::{Jar, TestApp};

#[tokio::test]
async fn healthz_reports_version_and_database() {
    for app in TestApp::all().await {
        let reply = app.get("/healthz", &mut Jar::default()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", app.label());
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(json["status"], "ok");
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(json["database"]["backend"], app.label());
        assert_eq!(json["database"]["status"], "ok");
    }
}

#[tokio::test]
async fn healthz_reports_an_unreachable_database() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    app.db.store.close().await;
    let reply = app.get("/healthz", &mut Jar::default()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["status"], "error");
    assert_eq!(json["database"]["status"], "unreachable");
}

#[tokio::test]
async fn stylesheet_is_embedded_and_pages_forbid_other_hosts() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let css = app.get("/assets/safer.css", &mut jar).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(css.body.contains(".app-summary-list"));
    assert!(!css.body.contains("http"), "the stylesheet must not load anything from other hosts");

    let page = app.get("/sign-in", &mut jar).await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    for attribute in ["src=\"http", "href=\"http", "url(http"] {
        assert!(!page.body.contains(attribute), "the page refers to another host: {attribute}");
    }
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_page() {
    let app = TestApp::on(TestDb::sqlite().await).await;
    let mut jar = Jar::default();
    let reply = app.get("/no/such/page", &mut jar).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Page not found"));
    let oversized = Request::post("/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(vec![b'a'; 200 * 1024]))
        .unwrap();
    let reply = app.send(oversized, &mut jar).await;
    assert!(reply.status.is_client_error(), "an oversized body is refused: {}", reply.status);
}
