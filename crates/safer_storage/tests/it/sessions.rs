use safer_domain::AgencyKind;
use safer_storage::{NewAgency, NewUser};
use safer_test_utils::TestDb;

#[tokio::test]
async fn sessions_expire_and_follow_their_user() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let agency = store
            .create_agency(&NewAgency { code: "a", name: "A", kind: AgencyKind::Other }, 0)
            .await
            .unwrap();
        let user = store
            .create_user(
                &NewUser {
                    username: "sam",
                    display_name: "Sam",
                    agency_id: agency.id,
                    password_hash: "h",
                },
                0,
            )
            .await
            .unwrap();
        store.create_session("tok", user.id(), 100, 200).await.unwrap();
        let (session, found) = store.live_session("tok", 150).await.unwrap().expect("live at 150");
        assert_eq!((session.created_at, found.username.as_str()), (100, "sam"), "{label}");
        assert!(
            store.live_session("tok", 200).await.unwrap().is_none(),
            "{label}: expired at its expiry"
        );
        assert!(store.live_session("other", 150).await.unwrap().is_none(), "{label}");

        store.touch_session("tok", 190, 300).await.unwrap();
        assert!(
            store.live_session("tok", 250).await.unwrap().is_some(),
            "{label}: touching extends"
        );
        assert_eq!(store.purge_expired_sessions(300).await.unwrap(), 1, "{label}");
        assert!(store.live_session("tok", 250).await.unwrap().is_none());

        store.create_session("tok2", user.id(), 100, 200).await.unwrap();
        store.delete_session("tok2").await.unwrap();
        assert!(store.live_session("tok2", 150).await.unwrap().is_none(), "{label}: signed out");
    }
}

#[tokio::test]
async fn login_failures_are_counted_in_a_window() {
    for db in TestDb::all().await {
        let store = &db.store;
        for at in [100, 110, 120] {
            store.record_login_failure("user:sam", at, 0).await.unwrap();
        }
        store.record_login_failure("user:kim", 120, 0).await.unwrap();
        assert_eq!(store.count_login_failures("user:sam", 0).await.unwrap(), 3, "{}", db.label());
        assert_eq!(store.count_login_failures("user:sam", 105).await.unwrap(), 2);
        // A later failure forgets those older than its window.
        store.record_login_failure("user:kim", 1000, 900).await.unwrap();
        assert_eq!(store.count_login_failures("user:sam", 0).await.unwrap(), 0, "{}", db.label());
        store.clear_login_failures("user:kim").await.unwrap();
        assert_eq!(store.count_login_failures("user:kim", 0).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn secrets_are_created_once() {
    for db in TestDb::all().await {
        let first = db.store.secret_or_insert("csrf", || "one".to_string(), 1).await.unwrap();
        let second = db.store.secret_or_insert("csrf", || "two".to_string(), 2).await.unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("one", "one"), "{}", db.label());
    }
}
