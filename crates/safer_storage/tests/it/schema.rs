//! Invariants of the schema, checked on migrated databases so that a migration which breaks one
//! fails here.

use safer_test_utils::TestDb;

#[tokio::test]
async fn foreign_keys_are_enforced_and_wal_is_on() {
    let db = TestDb::sqlite().await;
    // The store's own connection options must turn foreign keys on and use WAL.
    let (fk, mode) = db.store.sqlite_pragmas().await.expect("an SQLite store");
    assert_eq!(fk, 1, "PRAGMA foreign_keys must be on");
    assert_eq!(mode, "wal", "journal_mode must be WAL");
}

#[tokio::test]
async fn every_instant_column_is_bigint_seconds() {
    // Columns named *_at hold unix seconds; a TEXT or TIMESTAMP column would break comparisons
    // across the two backends.
    for db in TestDb::all().await {
        let columns = db.store.schema_columns().await.unwrap();
        assert!(
            columns.iter().any(|(t, c, _)| t == "sessions" && c == "expires_at"),
            "{}",
            db.label()
        );
        for (table, column, declared) in columns {
            if column.ends_with("_at") || column == "at" {
                assert_eq!(
                    declared,
                    "BIGINT",
                    "{}: {table}.{column} must be BIGINT unix seconds",
                    db.label()
                );
            }
        }
    }
}
