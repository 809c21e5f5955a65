use safer_domain::ids::UserId;
use safer_domain::Role;
use safer_storage::{JobStatus, NewAssessment, JOB_INTERRUPTED, JOB_STALE_AFTER_SECS};
use safer_test_utils::fixtures::{add_user, import_maidstone};
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
            settings: None,
        };
        let first_id = store.save_assessment(&first, 100).await.unwrap();
        let other = NewAssessment {
            title: "Town centre",
            html: "<p>x</p>",
            figures_json: "{}",
            settings: Some("title = \"Town centre\""),
        };
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

#[tokio::test]
async fn settings_are_kept_and_only_rebuildable_assessments_are_offered() {
    for db in TestDb::all().await {
        let (store, label) = (&db.store, db.label());
        let without =
            NewAssessment { title: "Old", html: "<p>", figures_json: "{}", settings: None };
        let old_id = store.save_assessment(&without, 100).await.unwrap();
        let with = NewAssessment { settings: Some("title = \"New\"\n"), title: "New", ..without };
        let new_id = store.save_assessment(&with, 200).await.unwrap();
        assert_eq!(store.assessment(old_id).await.unwrap().unwrap().settings, None, "{label}");
        let stored = store.assessment(new_id).await.unwrap().unwrap();
        assert_eq!(stored.settings.as_deref(), Some("title = \"New\"\n"), "{label}");
        let ids: Vec<i64> =
            store.list_rebuildable_assessments().await.unwrap().iter().map(|a| a.id).collect();
        assert_eq!(ids, [new_id], "{label}");
    }
}

#[tokio::test]
async fn a_job_runs_to_done_or_failed_and_an_abandoned_one_reads_as_failed() {
    for db in TestDb::all().await {
        let (store, label) = (&db.store, db.label());
        let partnership = import_maidstone(store).await;
        let analyst =
            add_user(store, partnership, "analyst", "maidstone-borough-council", Role::Analyst)
                .await;
        let analyst = UserId(analyst.id);
        assert_eq!(store.assessment_job(1, 0).await.unwrap(), None, "{label}");

        let id = store.create_assessment_job(analyst, "title = \"x\"", 1_000).await.unwrap();
        let job = store.assessment_job(id, 1_000).await.unwrap().unwrap();
        assert_eq!((job.status, job.steps_done, job.steps_total), (JobStatus::Queued, 0, 0));
        assert_eq!((job.requested_by, job.settings.as_str()), (analyst, "title = \"x\""));

        store.update_assessment_job(id, "Finding hot spots", 2, 5, 1_010).await.unwrap();
        let job = store.assessment_job(id, 1_010).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Running, "{label}");
        assert_eq!(
            (job.step.as_deref(), job.steps_done, job.steps_total),
            (Some("Finding hot spots"), 2, 5)
        );

        let built = NewAssessment {
            title: "Built",
            html: "<p>built</p>",
            figures_json: "{}",
            settings: Some("title = \"Built\""),
        };
        let assessment_id = store.finish_assessment_job(id, &built, 1_020).await.unwrap();
        let job =
            store.assessment_job(id, 1_020 + JOB_STALE_AFTER_SECS * 2).await.unwrap().unwrap();
        assert_eq!((job.status, job.steps_done), (JobStatus::Done, 5), "{label}: done stays done");
        assert_eq!(job.assessment_id, Some(assessment_id), "{label}");
        let stored = store.assessment(assessment_id).await.unwrap().unwrap();
        assert_eq!(stored.settings.as_deref(), Some("title = \"Built\""), "{label}");
        // Replacing the assessment by title leaves the job, without its link.
        store.replace_assessment(&built, 1_030).await.unwrap();
        assert_eq!(store.assessment_job(id, 1_030).await.unwrap().unwrap().assessment_id, None);

        let failing = store.create_assessment_job(analyst, "", 2_000).await.unwrap();
        store.fail_assessment_job(failing, "no police.uk data for 2023-01", 2_001).await.unwrap();
        let job = store.assessment_job(failing, 2_001).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed, "{label}");
        assert_eq!(job.error.as_deref(), Some("no police.uk data for 2023-01"), "{label}");
        // A failed job takes no more progress.
        store.update_assessment_job(failing, "late", 1, 5, 2_002).await.unwrap();
        assert_eq!(
            store.assessment_job(failing, 2_002).await.unwrap().unwrap().status,
            JobStatus::Failed
        );

        // Running, then silent for more than the limit: its instance stopped.
        let abandoned = store.create_assessment_job(analyst, "", 3_000).await.unwrap();
        store.update_assessment_job(abandoned, "Loading", 0, 5, 3_000).await.unwrap();
        let limit = 3_000 + JOB_STALE_AFTER_SECS;
        let job = store.assessment_job(abandoned, limit).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Running, "{label}: not yet");
        let job = store.assessment_job(abandoned, limit + 1).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed, "{label}: interrupted");
        assert_eq!(job.error.as_deref(), Some(JOB_INTERRUPTED), "{label}");
        assert_eq!(job.step.as_deref(), Some("Loading"), "{label}: where it stopped");
    }
}
