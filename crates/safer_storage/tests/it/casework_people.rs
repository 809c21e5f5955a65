use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, LegalBasis};
use safer_domain::ids::{AgencyId, CaseId};
use safer_domain::Role;
use safer_storage::{NewCase, StoreError, User};
use safer_test_utils::fixtures::add_user;
use safer_test_utils::TestDb;

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

#[tokio::test]
async fn case_people_are_the_case_workers_of_agencies_that_see_the_case() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let smp = store.upsert_partnership("smp", "SMP", None, 0).await.unwrap().id();
        let cso = add_user(store, smp, "cso", "mbc", Role::Coordinator).await;
        let cso_two = add_user(store, smp, "cso-two", "mbc", Role::Practitioner).await;
        let pc = add_user(store, smp, "pc", "kent-police", Role::Practitioner).await;
        let housing = add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
        let _analyst = add_user(store, smp, "analyst", "mbc", Role::Analyst).await;
        let council = viewer(&cso, Role::Coordinator);
        let new_case = |case_type| NewCase {
            partnership: smp,
            case_type,
            summary: "Noise on an estate",
            opened_on: "2026-10-01",
        };

        let (case, _) = store.open_case(&council, &new_case(CaseType::Asb), 10).await.unwrap();
        assert_eq!(store.case_partnership(case).await.unwrap(), smp, "{label}");
        assert!(matches!(store.case_partnership(CaseId(9999)).await, Err(StoreError::NotFound)));
        let names = |people: Vec<safer_storage::CasePerson>| {
            people.into_iter().map(|p| (p.display_name, p.on_team, p.can_read)).collect::<Vec<_>>()
        };
        let people = store.case_people(&council, case).await.unwrap();
        assert_eq!(
            names(people),
            [("cso".to_string(), true, true), ("cso-two".to_string(), false, true)],
            "{label}: the owning agency's case workers, not its analyst"
        );
        store
            .share_case(&council, case, AgencyId(pc.agency_id), "joint", LegalBasis::PublicTask, 11)
            .await
            .unwrap();
        let people = names(store.case_people(&council, case).await.unwrap());
        assert_eq!(people.len(), 3, "{label}: {people:?}");
        assert!(people.iter().all(|(name, ..)| name != "housing"), "{label}");
        let outsider = viewer(&housing, Role::Practitioner);
        assert!(matches!(store.case_people(&outsider, case).await, Err(StoreError::NotFound)));

        // Restricted: only the team may read, so only the team may own tasks.
        let (da, _) =
            store.open_case(&council, &new_case(CaseType::DomesticAbuse), 12).await.unwrap();
        let people = names(store.case_people(&council, da).await.unwrap());
        assert_eq!(
            people,
            [("cso".to_string(), true, true), ("cso-two".to_string(), false, false)],
            "{label}"
        );
        let other = viewer(&cso_two, Role::Practitioner);
        assert!(store.case_people(&other, da).await.is_err(), "{label}");

        // Task times, oldest first, for readers only.
        let t1 = store.add_task(&council, case, "Visit", cso.id(), "2026-10-10", 20).await.unwrap();
        let t2 = store.add_task(&council, case, "Call", cso.id(), "2026-10-05", 21).await.unwrap();
        assert_eq!(store.case_task_times(&council, case).await.unwrap(), [(t1, 20), (t2, 21)]);
        assert!(store.case_task_times(&outsider, case).await.is_err(), "{label}");

        // Open until closed; not found for those who may not read it.
        assert!(store.case_is_open(&council, case).await.unwrap(), "{label}");
        store.close_case(&council, case, "2026-10-20", "2032-10-20", 30).await.unwrap();
        assert!(!store.case_is_open(&council, case).await.unwrap(), "{label}");
        assert!(matches!(store.case_is_open(&outsider, case).await, Err(StoreError::NotFound)));
    }
}
