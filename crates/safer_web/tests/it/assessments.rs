use axum::http::{header, StatusCode};
use safer_storage::NewAssessment;
use safer_test_utils::fixtures::PASSWORD;

use crate::support::{Jar, TestApp};

const REPORT: &str = "<!DOCTYPE html><html lang=\"en-GB\"><head><title>Assessment</title>\
    <style>h2{color:#0b0c0c}</style></head><body><h2>Key findings</h2><svg role=\"img\"></svg></body></html>";

#[tokio::test]
async fn assessments_are_listed_shown_and_served_under_a_strict_policy() {
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = Jar::default();
        let signed_out = app.get("/assessments", &mut jar).await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "{label}: sign-in first");

        app.sign_in("analyst", PASSWORD, &mut jar).await;
        let empty = app.get("/assessments", &mut jar).await;
        assert_eq!(empty.status, StatusCode::OK, "{label}");
        assert!(empty.body.contains("No assessment has been generated yet"), "{label}");

        let old = NewAssessment { title: "Assessment 2021", html: REPORT, figures_json: "{}" };
        let old_id = app.db.store.save_assessment(&old, 1_600_000_000).await.unwrap();
        let new = NewAssessment {
            title: "Assessment 2022 & after",
            html: REPORT,
            figures_json: r#"{"figures":[{"value":"8.5%"}]}"#,
        };
        let id = app.db.store.save_assessment(&new, 1_700_000_000).await.unwrap();

        let list = app.get("/assessments", &mut jar).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        let (newer, older) = (
            list.body.find(&format!("/assessments/{id}\"")).expect("the newer is listed"),
            list.body.find(&format!("/assessments/{old_id}\"")).expect("the older is listed"),
        );
        assert!(newer < older, "{label}: newest first");
        assert!(list.body.contains("Assessment 2022 &amp; after"), "{label}: escaped");
        assert!(list.body.contains("14 November 2023 at 22:13 UTC"), "{label}: {}", list.body);
        assert!(list.body.contains("aria-current=\"page\">Assessments</a>"), "{label}: nav");

        let page = app.get(&format!("/assessments/{id}"), &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        for href in ["report", "report.html", "figures.json"] {
            assert!(page.body.contains(&format!("/assessments/{id}/{href}\"")), "{label}: {href}");
        }

        let report = app.get(&format!("/assessments/{id}/report"), &mut jar).await;
        assert_eq!(report.status, StatusCode::OK, "{label}");
        assert_eq!(report.body, REPORT, "{label}: served exactly as stored");
        let policy = report.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
        assert!(!policy.contains("script-src"), "{label}: no script allowed");
        assert!(report.headers.get(header::CONTENT_DISPOSITION).is_none(), "{label}");

        let download = app.get(&format!("/assessments/{id}/report.html"), &mut jar).await;
        assert_eq!(download.body, REPORT, "{label}");
        let disposition = download.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, format!("attachment; filename=\"assessment-{id}.html\""));

        let figures = app.get(&format!("/assessments/{id}/figures.json"), &mut jar).await;
        assert_eq!(figures.status, StatusCode::OK, "{label}");
        assert_eq!(figures.headers[header::CONTENT_TYPE], "application/json", "{label}");
        let json: serde_json::Value = serde_json::from_str(&figures.body).unwrap();
        assert_eq!(json["figures"][0]["value"], "8.5%", "{label}");

        for missing in ["0", "-1", "+1", "x", "99999999999999999999", &format!("{}", id + 100)] {
            for suffix in ["", "/report", "/figures.json"] {
                let reply = app.get(&format!("/assessments/{missing}{suffix}"), &mut jar).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label}: {missing}{suffix}");
            }
        }
    }
}
