use safer_storage::NewAssessment;
use safer_test_utils::TestDb;

#[tokio::test]
async fn assessments_are_saved_listed_newest_first_and_replaced_by_title() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        assert!(store.list_assessments().await.unwrap().is_empty(), "{label}");
        let first = NewAssessment {
            title: "Strategic assessment 2022",
            html: "<!doctype html><title>2022</title><h2>Key findings</h2>",
            figures_json: r#"{"figures":[]}"#,
        };
        let first_id = store.save_assessment(&first, 100).await.unwrap();
        let other = NewAssessment { title: "Town centre", html: "<p>x</p>", figures_json: "{}" };
        let other_id = store.save_assessment(&other, 200).await.unwrap();

        let listed = store.list_assessments().await.unwrap();
        let ids: Vec<i64> = listed.iter().map(|a| a.id).collect();
        assert_eq!(ids, [other_id, first_id], "{label}: newest first");
        assert_eq!(listed[1].title, "Strategic assessment 2022", "{label}");
        assert_eq!(listed[1].created_at, 100, "{label}");

        let stored = store.assessment(first_id).await.unwrap().expect("stored");
        assert_eq!(stored.html, first.html, "{label}: the HTML round-trips exactly");
        assert_eq!(stored.figures_json, first.figures_json, "{label}");
        assert_eq!(store.assessment(first_id + other_id + 1).await.unwrap(), None, "{label}");

        // Replacing by title keeps one copy, with a new id; other titles are untouched.
        let again = NewAssessment { html: "<p>regenerated</p>", ..first };
        let replaced_id = store.replace_assessment(&again, 300).await.unwrap();
        let replaced_twice = store.replace_assessment(&again, 400).await.unwrap();
        let listed = store.list_assessments().await.unwrap();
        assert_eq!(listed.len(), 2, "{label}: no duplicates: {listed:?}");
        assert_eq!(listed[0].id, replaced_twice, "{label}");
        assert_eq!(store.assessment(first_id).await.unwrap(), None, "{label}");
        assert_eq!(store.assessment(replaced_id).await.unwrap(), None, "{label}");
        let html = store.assessment(replaced_twice).await.unwrap().unwrap().html;
        assert_eq!(html, "<p>regenerated</p>", "{label}");
        assert!(store.assessment(other_id).await.unwrap().is_some(), "{label}");
    }
}
