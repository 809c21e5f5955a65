use std::collections::BTreeSet;
use std::path::Path;

use safer_storage::{BackendKind, Store};
use safer_test_utils::TestDb;

fn names_in(dir: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_files() {
    let sqlite = names_in("sqlite");
    let postgres = names_in("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must hold the same file names"
    );
    for name in &sqlite {
        let (number, rest) =
            name.split_once('_').unwrap_or_else(|| panic!("{name}: expected NNNN_name.sql"));
        assert!(
            number.len() == 4 && number.bytes().all(|b| b.is_ascii_digit()),
            "{name}: expected a 4-digit number"
        );
        assert!(rest.ends_with(".sql"), "{name}: expected .sql");
    }
    assert_eq!(
        Store::migration_names(BackendKind::Sqlite),
        Store::migration_names(BackendKind::Postgres)
    );
}

#[tokio::test]
async fn migrating_again_is_harmless() {
    for db in TestDb::all().await {
        db.store.migrate().await.unwrap_or_else(|e| panic!("{}: {e}", db.label()));
        db.store.ping().await.unwrap();
    }
}

#[tokio::test]
async fn unreachable_and_unsupported_urls_are_clear_errors() {
    let err = Store::connect("mysql://root@localhost/db").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported database URL `mysql://root@localhost/db`; use sqlite://PATH or postgres://USER@HOST/DB"
    );
    // Port 9 (discard) on loopback refuses connections at once.
    let err = Store::connect("postgres://safer:hunter2@127.0.0.1:9/safer").await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "cannot connect to the database at postgres://safer:***@127.0.0.1:9/safer"
        ),
        "{message}"
    );
    assert!(!message.contains("hunter2"));
}
