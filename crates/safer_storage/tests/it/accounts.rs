use safer_domain::ids::AgencyId;
use safer_domain::{AgencyKind, Role};
use safer_storage::{NewAgency, NewUser, StoreError};
use safer_test_utils::TestDb;

#[tokio::test]
async fn agencies_users_and_roles() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let smp = store
            .upsert_partnership("safer-maidstone", "Safer Maidstone Partnership", Some("SMP"), 1)
            .await
            .unwrap();
        let again = store
            .upsert_partnership("safer-maidstone", "Safer Maidstone Partnership", Some("SMP"), 2)
            .await
            .unwrap();
        assert_eq!(smp, again, "{label}: upsert is idempotent");

        let police = store
            .create_agency(
                &NewAgency { code: "kent-police", name: "Kent Police", kind: AgencyKind::Police },
                1,
            )
            .await
            .unwrap();
        let council = store
            .create_agency(
                &NewAgency {
                    code: "mbc",
                    name: "Maidstone Borough Council",
                    kind: AgencyKind::LocalAuthority,
                },
                1,
            )
            .await
            .unwrap();
        let dup = store
            .create_agency(
                &NewAgency { code: "kent-police", name: "Again", kind: AgencyKind::Police },
                1,
            )
            .await;
        assert!(
            matches!(&dup, Err(StoreError::Conflict { constraint }) if constraint == "agencies_code_key"),
            "{label}: {dup:?}"
        );
        store.add_partnership_agency(smp.id(), police.id, 1).await.unwrap();
        store.add_partnership_agency(smp.id(), police.id, 1).await.unwrap();
        store.add_partnership_agency(smp.id(), council.id, 1).await.unwrap();
        let members: Vec<_> = store
            .partnership_agencies(smp.id())
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.code)
            .collect();
        assert_eq!(members, ["kent-police", "mbc"], "{label}");

        let user = store
            .create_user(
                &NewUser {
                    username: "alex",
                    display_name: "Alex Example",
                    agency_id: council.id,
                    password_hash: "$argon2id$x",
                },
                1,
            )
            .await
            .unwrap();
        let dup = store
            .create_user(
                &NewUser {
                    username: "alex",
                    display_name: "Other",
                    agency_id: police.id,
                    password_hash: "h",
                },
                1,
            )
            .await;
        assert!(
            matches!(&dup, Err(StoreError::Conflict { constraint }) if constraint == "users_username_key"),
            "{label}: {dup:?}"
        );
        let bad_agency = store
            .create_user(
                &NewUser {
                    username: "nobody",
                    display_name: "N",
                    agency_id: AgencyId(9999),
                    password_hash: "h",
                },
                1,
            )
            .await;
        assert!(bad_agency.is_err(), "{label}: foreign keys must be enforced");

        store.grant_role(user.id(), smp.id(), Role::Coordinator, 1).await.unwrap();
        store.grant_role(user.id(), smp.id(), Role::Analyst, 1).await.unwrap();
        store.grant_role(user.id(), smp.id(), Role::Coordinator, 2).await.unwrap();
        let roles: Vec<Role> =
            store.memberships(user.id()).await.unwrap().into_iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::Analyst, Role::Coordinator], "{label}");

        let listed = store.list_users().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].agency_name, "Maidstone Borough Council");
        assert_eq!(listed[0].roles, [Role::Analyst, Role::Coordinator]);
        assert!(!listed[0].disabled);

        store.create_session("hash-1", user.id(), 10, 1000).await.unwrap();
        store.set_user_disabled(user.id(), true).await.unwrap();
        assert!(store.user_by_username("alex").await.unwrap().unwrap().disabled, "{label}");
        assert_eq!(
            store.count_sessions(user.id()).await.unwrap(),
            0,
            "{label}: disabling ends sessions"
        );
        store.set_user_disabled(user.id(), false).await.unwrap();

        store.create_session("hash-2", user.id(), 10, 1000).await.unwrap();
        store.set_password_hash(user.id(), "$argon2id$new", 20).await.unwrap();
        assert_eq!(store.user(user.id()).await.unwrap().password_hash, "$argon2id$new");
        assert_eq!(
            store.count_sessions(user.id()).await.unwrap(),
            0,
            "{label}: a new password ends sessions"
        );
        assert!(matches!(
            store.set_user_disabled(safer_domain::ids::UserId(424242), true).await,
            Err(StoreError::NotFound)
        ));
    }
}
