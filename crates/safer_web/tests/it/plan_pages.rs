use axum::http::StatusCode;
use safer_test_utils::fixtures::{maidstone_plan, PASSWORD};

use crate::support::{Jar, TestApp};

#[tokio::test]
async fn every_priority_and_theme_has_a_page() {
    let plan = maidstone_plan();
    for app in TestApp::all().await {
        let label = app.label();
        let mut jar = Jar::default();
        app.sign_in("analyst", PASSWORD, &mut jar).await;

        let overview = app.get("/plans/maidstone-2022-25", &mut jar).await;
        assert_eq!(overview.status, StatusCode::OK, "{label}");
        assert!(overview.body.contains("Maidstone Community Safety Partnership Plan 2022-2025"));
        assert!(overview.body.contains("Draft"));
        for priority in &plan.priorities {
            let href = format!("/plans/maidstone-2022-25/priorities/{}", priority.id);
            assert!(
                overview.body.contains(&href),
                "{label}: the overview links to {}",
                priority.id
            );
            let page = app.get(&href, &mut jar).await;
            assert_eq!(page.status, StatusCode::OK, "{label}: {href}");
            let escaped_title = priority.title.replace('&', "&amp;").replace('\'', "&#x27;");
            assert!(page.body.contains(&escaped_title), "{label}: title of {}", priority.id);
            if let Some(objective) = &priority.objective {
                assert!(page.body.contains("<h2 class=\"app-heading-m\">Objective</h2>"));
                assert!(
                    page.body.contains(&objective.replace('\'', "&#x27;")),
                    "{label}: objective of {}",
                    priority.id
                );
            }
            for action in &priority.actions {
                let text = action
                    .text
                    .replace('&', "&amp;")
                    .replace('\'', "&#x27;")
                    .replace('"', "&quot;");
                assert!(page.body.contains(&text), "{label}: action {} on its page", action.id);
            }
            for group in &priority.groups {
                assert!(
                    page.body.contains(&format!("/plans/maidstone-2022-25/groups#{group}")),
                    "{label}: {group}"
                );
            }
        }
        let town = app.get("/plans/maidstone-2022-25/priorities/safe-town-centre", &mut jar).await;
        assert!(town.body.contains("A Space to Feel Safe"));
        assert!(town.body.contains("Town Centre Task Force"));
    }
}

#[tokio::test]
async fn groups_and_governance_pages() {
    let plan = maidstone_plan();
    let app = TestApp::all().await.remove(0);
    let mut jar = Jar::default();
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    let groups = app.get("/plans/maidstone-2022-25/groups", &mut jar).await;
    assert_eq!(groups.status, StatusCode::OK);
    for group in &plan.groups {
        assert!(groups.body.contains(&format!("id=\"{}\"", group.id)), "{}", group.id);
        assert!(
            groups.body.contains(&group.name.replace('&', "&amp;").replace('\'', "&#x27;")),
            "{}",
            group.name
        );
    }
    assert!(
        groups.body.contains("Escalates to"),
        "the DCSM escalates to complex adolescent risk meetings"
    );
    let governance = app.get("/plans/maidstone-2022-25/governance", &mut jar).await;
    assert_eq!(governance.status, StatusCode::OK);
    for body in &plan.governance.bodies {
        assert!(governance.body.contains(&body.name), "{}", body.name);
    }
    assert!(governance
        .body
        .contains("Crime and Disorder (Overview and Scrutiny) Regulations 2009"));
    let list = app.get("/plans", &mut jar).await;
    assert!(list.body.contains("/plans/maidstone-2022-25"));
}

#[tokio::test]
async fn unknown_plans_and_priorities_are_404() {
    let app = TestApp::all().await.remove(0);
    let mut jar = Jar::default();
    app.sign_in("coordinator", PASSWORD, &mut jar).await;
    for path in [
        "/plans/no-such-plan",
        "/plans/Not%20A%20Slug",
        "/plans/maidstone-2022-25/priorities/no-such-priority",
        "/plans/no-such-plan/groups",
        "/plans/no-such-plan/governance",
    ] {
        assert_eq!(app.get(path, &mut jar).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}
