use safer_domain::plan::parse_plan;
use safer_storage::{PlanImportOutcome, StoreError};
use safer_test_utils::TestDb;

const MAIDSTONE: &str = include_str!("../../../../plans/maidstone-2022-25.toml");

#[tokio::test]
async fn importing_a_plan_is_idempotent_and_updates_in_place() {
    let plan = parse_plan(MAIDSTONE).expect("the shipped plan is valid");
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let smp = store
            .upsert_partnership("safer-maidstone", "Safer Maidstone Partnership", None, 0)
            .await
            .unwrap();
        let created = store.import_plan(smp.id(), &plan, MAIDSTONE, 10).await.unwrap();
        assert!(matches!(created, PlanImportOutcome::Created(_)), "{label}: {created:?}");
        let again = store.import_plan(smp.id(), &plan, MAIDSTONE, 20).await.unwrap();
        assert_eq!(again, PlanImportOutcome::Unchanged(created.plan_id()), "{label}");

        let stored = store.plan_by_slug("maidstone-2022-25").await.unwrap().expect("stored");
        assert_eq!(stored.plan, plan, "{label}: the plan round-trips exactly");
        assert_eq!((stored.imported_at, stored.updated_at), (10, 10), "{label}");
        let priorities = store.plan_priority_ids(created.plan_id()).await.unwrap();
        assert_eq!(priorities.len(), plan.priorities.len());

        // A revised file: one theme dropped, a title changed.
        let mut revised = plan.clone();
        let dropped = revised.priorities.pop().unwrap();
        revised.priorities[0].title = "Protecting our communities".to_string();
        let revised_source = format!("{MAIDSTONE}\n# revised\n");
        let updated = store.import_plan(smp.id(), &revised, &revised_source, 30).await.unwrap();
        assert_eq!(updated, PlanImportOutcome::Updated(created.plan_id()), "{label}");
        let after = store.plan_priority_ids(created.plan_id()).await.unwrap();
        assert_eq!(after.len(), plan.priorities.len() - 1, "{label}");
        assert!(after.iter().all(|(_, slug)| slug != &dropped.id));
        assert_eq!(after[0], priorities[0], "{label}: kept priorities keep their ids");
        assert_eq!(
            store.plan_source("maidstone-2022-25").await.unwrap().as_deref(),
            Some(revised_source.as_str())
        );

        let other = store.upsert_partnership("elsewhere", "Elsewhere CSP", None, 0).await.unwrap();
        let stolen = store.import_plan(other.id(), &plan, MAIDSTONE, 40).await;
        assert!(
            matches!(&stolen, Err(StoreError::Conflict { constraint }) if constraint == "plans_slug_key"),
            "{label}: {stolen:?}"
        );

        let listed = store.list_plans().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].partnership_name, "Safer Maidstone Partnership");
    }
}
