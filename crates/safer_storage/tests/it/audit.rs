//! The audit log: appends chain, verify finds edited, deleted and reordered entries (tampering
//! is simulated with raw SQL, as someone with access to the database would do it), the database
//! refuses UPDATE and DELETE, concurrent appends never fork the chain, and an entry appended in
//! a transaction that rolls back is gone with it.

use safer_domain::ids::{AgencyId, UserId};
use safer_storage::{
    AuditAction, AuditAppend, AuditEntry, AuditProblem, AuditQuery, AuditRecord, AuditVerification,
    BackendKind, AUDIT_GENESIS_HASH,
};
use safer_test_utils::TestDb;
use sqlx::{Connection, PgConnection, SqliteConnection};

/// Runs SQL on a connection of its own, outside the store: the attacker's (or the test's) view.
async fn raw_sql(db: &TestDb, sql: &str) -> Result<(), sqlx::Error> {
    match db.store.backend() {
        BackendKind::Sqlite => {
            let mut conn = SqliteConnection::connect(&db.url()).await?;
            sqlx::raw_sql(sql).execute(&mut conn).await?;
            conn.close().await
        }
        BackendKind::Postgres => {
            let mut conn = PgConnection::connect(&db.url()).await?;
            sqlx::raw_sql(sql).execute(&mut conn).await?;
            conn.close().await
        }
    }
}

/// What an attacker who can change the schema does first.
async fn disable_triggers(db: &TestDb) {
    let sql = match db.store.backend() {
        BackendKind::Sqlite => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        BackendKind::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER USER;",
    };
    raw_sql(db, sql).await.unwrap_or_else(|e| panic!("{}: {e}", db.label()));
}

/// Appends `n` entries about cases 1..=n, one second apart from `at`.
async fn append_cases(db: &TestDb, n: i64, at: i64) -> Vec<AuditRecord> {
    let mut records = Vec::new();
    for i in 1..=n {
        let id = i.to_string();
        let entry = AuditEntry::new(AuditAction::Read, "case", &id)
            .by(UserId(10 + i), AgencyId(3))
            .purpose("s115-cda1998");
        records.push(db.store.append_audit(&entry, at + i).await.unwrap());
    }
    records
}

async fn verify(db: &TestDb) -> AuditVerification {
    db.store.verify_audit().await.unwrap_or_else(|e| panic!("{}: {e}", db.label()))
}

#[tokio::test]
async fn appends_chain_and_verify() {
    for db in TestDb::all().await {
        let label = db.label();
        let store = &db.store;
        assert_eq!(
            verify(&db).await,
            AuditVerification::Intact { entries: 0, last_hash: AUDIT_GENESIS_HASH.to_string() },
            "{label}: an empty log is intact"
        );

        let first = store
            .append_audit(
                &AuditEntry::new(AuditAction::SignIn, "user", "10").by(UserId(10), AgencyId(3)),
                100,
            )
            .await
            .unwrap();
        assert_eq!((first.seq, first.prev_hash.as_str()), (1, AUDIT_GENESIS_HASH), "{label}");
        assert_eq!(first.hash.len(), 64, "{label}");
        let system = store
            .append_audit(
                &AuditEntry::new(AuditAction::Erase, "subject", "7")
                    .purpose("retention")
                    .detail("retention period ended"),
                200,
            )
            .await
            .unwrap();
        assert_eq!((system.seq, system.prev_hash.as_str()), (2, first.hash.as_str()), "{label}");
        assert_eq!((system.actor_user_id, system.actor_agency_id), (None, None), "{label}");
        let rest = append_cases(&db, 5, 300).await;
        let mut all = vec![first, system];
        all.extend(rest);
        for pair in all.windows(2) {
            assert_eq!(pair[1].seq, pair[0].seq + 1, "{label}: dense");
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{label}: linked");
        }

        // Read back exactly as returned by the appends.
        let stored =
            store.audit_entries(&AuditQuery { limit: 100, ..AuditQuery::default() }).await.unwrap();
        assert_eq!(stored, all, "{label}");
        assert_eq!(store.audit_entry(3).await.unwrap().as_ref(), Some(&all[2]), "{label}");
        assert_eq!(store.audit_entry(99).await.unwrap(), None, "{label}");

        let last_hash = all.last().unwrap().hash.clone();
        let intact = AuditVerification::Intact { entries: 7, last_hash };
        assert_eq!(verify(&db).await, intact, "{label}");
        for page in [1, 2, 3, 7, 1000] {
            assert_eq!(
                store.verify_audit_paged(page).await.unwrap(),
                intact,
                "{label}: page {page}"
            );
        }

        // Filters: one object, since an instant, paging with after_seq and limit.
        let case_3 = store
            .audit_entries(&AuditQuery { object: Some(("case", "3")), ..AuditQuery::default() })
            .await
            .unwrap();
        assert_eq!(case_3.iter().map(|r| r.seq).collect::<Vec<_>>(), [5], "{label}");
        let since = store
            .audit_entries(&AuditQuery { since: Some(303), ..AuditQuery::default() })
            .await
            .unwrap();
        assert_eq!(since.iter().map(|r| r.seq).collect::<Vec<_>>(), [5, 6, 7], "{label}");
        let page = store
            .audit_entries(&AuditQuery { after_seq: 2, limit: 2, ..AuditQuery::default() })
            .await
            .unwrap();
        assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4], "{label}");
    }
}

#[tokio::test]
async fn entries_that_could_carry_personal_data_are_refused() {
    for db in TestDb::all().await {
        let label = db.label();
        let long = "x".repeat(201);
        let bad = [
            AuditEntry::new(AuditAction::Read, "subject", "Jane Smith"),
            AuditEntry::new(AuditAction::Read, "subject", ""),
            AuditEntry::new(AuditAction::Read, "Subject Name", "1"),
            AuditEntry::new(AuditAction::Read, "case", "1").purpose("because she asked"),
            AuditEntry::new(AuditAction::Read, "case", "1").detail(&long),
        ];
        for entry in bad {
            assert!(db.store.append_audit(&entry, 1).await.is_err(), "{label}: {entry:?} accepted");
        }
        let ok =
            AuditEntry::new(AuditAction::Update, "case", "case:42.v1_a-b").detail(&long[..200]);
        db.store.append_audit(&ok, 1).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(
            db.store
                .append_audit(&AuditEntry::new(AuditAction::Read, "case", "1"), 2)
                .await
                .unwrap()
                .seq,
            2,
            "{label}: a refused entry takes no number"
        );
        assert!(verify(&db).await.is_intact(), "{label}");
    }
}

#[tokio::test]
async fn the_database_refuses_update_and_delete() {
    for db in TestDb::all().await {
        let label = db.label();
        append_cases(&db, 3, 0).await;
        for sql in [
            "UPDATE audit_log SET detail = 'changed' WHERE seq = 2",
            "UPDATE audit_log SET seq = seq + 10",
            "DELETE FROM audit_log WHERE seq = 3",
            "DELETE FROM audit_log",
        ] {
            let err = raw_sql(&db, sql).await.expect_err(sql).to_string();
            assert!(err.contains("audit_log is append-only"), "{label}: {sql}: {err}");
        }
        if db.store.backend() == BackendKind::Postgres {
            let err = raw_sql(&db, "TRUNCATE audit_log").await.expect_err("truncate").to_string();
            assert!(err.contains("append-only: TRUNCATE refused"), "{label}: {err}");
        }
        assert!(
            matches!(verify(&db).await, AuditVerification::Intact { entries: 3, .. }),
            "{label}"
        );
    }
}

#[tokio::test]
async fn an_edited_entry_is_detected() {
    for db in TestDb::all().await {
        let label = db.label();
        let records = append_cases(&db, 5, 0).await;
        disable_triggers(&db).await;

        // Change one field of entry 3: its hash no longer matches.
        raw_sql(&db, "UPDATE audit_log SET object_id = '99' WHERE seq = 3").await.unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 3,
                problem: AuditProblem::HashMismatch,
                intact_entries: 2
            },
            "{label}"
        );
        // Put it back: intact again (the chain holds no state of its own).
        raw_sql(&db, "UPDATE audit_log SET object_id = '3' WHERE seq = 3").await.unwrap();
        assert!(verify(&db).await.is_intact(), "{label}");

        // The actor set to "nobody", and the time moved: both hashed.
        raw_sql(&db, "UPDATE audit_log SET actor_user_id = NULL WHERE seq = 2").await.unwrap();
        raw_sql(&db, "UPDATE audit_log SET at = at + 1 WHERE seq = 4").await.unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 2,
                problem: AuditProblem::HashMismatch,
                intact_entries: 1
            },
            "{label}"
        );

        // Entry 2 edited and given a new hash (the attacker cannot make it the right one
        // without also rewriting every later prev_hash): entry 2 fails, and were its hash right,
        // entry 3's prev_hash would.
        let fake = "f".repeat(64);
        raw_sql(&db, &format!("UPDATE audit_log SET hash = '{fake}' WHERE seq = 2")).await.unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 2,
                problem: AuditProblem::HashMismatch,
                intact_entries: 1
            },
            "{label}"
        );
        raw_sql(
            &db,
            &format!(
                "UPDATE audit_log SET actor_user_id = {}, hash = '{}' WHERE seq = 2",
                records[1].actor_user_id.unwrap().0,
                records[1].hash
            ),
        )
        .await
        .unwrap();
        raw_sql(&db, &format!("UPDATE audit_log SET prev_hash = '{fake}' WHERE seq = 3"))
            .await
            .unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 3,
                problem: AuditProblem::PrevHashMismatch,
                intact_entries: 2
            },
            "{label}"
        );
    }
}

#[tokio::test]
async fn deleted_and_reordered_entries_are_detected() {
    for db in TestDb::all().await {
        let label = db.label();
        append_cases(&db, 6, 0).await;
        disable_triggers(&db).await;

        // Entries 2 and 3 swap places (their seq numbers exchanged).
        raw_sql(
            &db,
            "UPDATE audit_log SET seq = 100 WHERE seq = 2; \
             UPDATE audit_log SET seq = 2 WHERE seq = 3; \
             UPDATE audit_log SET seq = 3 WHERE seq = 100;",
        )
        .await
        .unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 2,
                problem: AuditProblem::PrevHashMismatch,
                intact_entries: 1
            },
            "{label}: reordered"
        );
        raw_sql(
            &db,
            "UPDATE audit_log SET seq = 100 WHERE seq = 2; \
             UPDATE audit_log SET seq = 2 WHERE seq = 3; \
             UPDATE audit_log SET seq = 3 WHERE seq = 100;",
        )
        .await
        .unwrap();
        assert!(verify(&db).await.is_intact(), "{label}: swapped back");

        // Entry 4 deleted: entry 5 is where 4 should be.
        raw_sql(&db, "DELETE FROM audit_log WHERE seq = 4").await.unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 5,
                problem: AuditProblem::SeqGap { expected: 4 },
                intact_entries: 3
            },
            "{label}: deleted"
        );
        // The first entry deleted too: the break is now at the start.
        raw_sql(&db, "DELETE FROM audit_log WHERE seq = 1").await.unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Broken {
                seq: 2,
                problem: AuditProblem::SeqGap { expected: 1 },
                intact_entries: 0
            },
            "{label}"
        );
    }

    // Deleting the newest entries leaves a shorter chain that is intact: only an anchored
    // (recorded elsewhere) count and last hash reveal it. See docs/audit.md.
    for db in TestDb::all().await {
        let label = db.label();
        let records = append_cases(&db, 4, 0).await;
        disable_triggers(&db).await;
        raw_sql(&db, "DELETE FROM audit_log WHERE seq = 4").await.unwrap();
        assert_eq!(
            verify(&db).await,
            AuditVerification::Intact { entries: 3, last_hash: records[2].hash.clone() },
            "{label}"
        );
        assert_eq!(db.store.audit_entry(4).await.unwrap(), None, "{label}: the anchor is gone");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_form_one_chain() {
    for db in TestDb::all().await {
        let label = db.label();
        let mut tasks = Vec::new();
        for writer in 0..8_i64 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for round in 0..25_i64 {
                    let id = format!("{writer}-{round}");
                    let entry = AuditEntry::new(AuditAction::Update, "case", &id)
                        .by(UserId(writer), AgencyId(1));
                    seqs.push(store.append_audit(&entry, round).await?.seq);
                }
                Ok::<_, safer_storage::StoreError>(seqs)
            }));
        }
        let mut seqs = Vec::new();
        for task in tasks {
            let mine = task.await.unwrap().unwrap_or_else(|err| panic!("{label}: {err}"));
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "{label}: a writer's entries in order");
            seqs.extend(mine);
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=200).collect::<Vec<i64>>(), "{label}: one dense sequence");
        assert!(
            matches!(
                db.store.verify_audit_paged(64).await.unwrap(),
                AuditVerification::Intact { entries: 200, .. }
            ),
            "{label}"
        );
    }
}

/// A write and its audit entry in one transaction on a connection of its own, as casework
/// does: a security event stands for the casework write, and `commit` decides the outcome.
async fn audited_write(db: &TestDb, entry: &AuditEntry<'_>, commit: bool) -> AuditRecord {
    macro_rules! audited_write {
        ($conn:ty, $begin:expr) => {{
            let mut conn = <$conn>::connect(&db.url()).await.unwrap();
            let mut tx = conn.begin_with($begin).await.unwrap();
            sqlx::query(
                "INSERT INTO security_events (at, actor_user_id, action, subject) \
                 VALUES (1, 1, 'case_created', 'case:1')",
            )
            .execute(&mut *tx)
            .await
            .unwrap();
            let record = tx.append_audit(entry, 1).await.unwrap();
            if commit {
                tx.commit().await.unwrap();
            } else {
                tx.rollback().await.unwrap();
            }
            conn.close().await.unwrap();
            record
        }};
    }
    match db.store.backend() {
        BackendKind::Sqlite => audited_write!(SqliteConnection, "BEGIN IMMEDIATE"),
        BackendKind::Postgres => audited_write!(PgConnection, "BEGIN"),
    }
}

#[tokio::test]
async fn an_entry_commits_or_rolls_back_with_its_transaction() {
    for db in TestDb::all().await {
        let label = db.label();
        let store = &db.store;
        let entry = AuditEntry::new(AuditAction::Create, "case", "1").by(UserId(1), AgencyId(1));
        let rolled_back = audited_write(&db, &entry, false).await;
        assert_eq!(rolled_back.seq, 1, "{label}");
        assert!(store.audit_entries(&AuditQuery::default()).await.unwrap().is_empty(), "{label}");
        assert!(
            store.recent_events(10).await.unwrap().is_empty(),
            "{label}: the write is gone too"
        );

        let committed = audited_write(&db, &entry, true).await;
        assert_eq!(
            (committed.seq, committed.prev_hash.as_str()),
            (1, AUDIT_GENESIS_HASH),
            "{label}"
        );
        assert_eq!(
            store.audit_entries(&AuditQuery::default()).await.unwrap(),
            [committed],
            "{label}"
        );
        assert_eq!(store.recent_events(10).await.unwrap().len(), 1, "{label}");

        // A transaction dropped without commit (an error on the way) rolls back as well.
        {
            let url = db.url();
            match store.backend() {
                BackendKind::Sqlite => {
                    let mut conn = SqliteConnection::connect(&url).await.unwrap();
                    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
                    tx.append_audit(&entry, 2).await.unwrap();
                }
                BackendKind::Postgres => {
                    let mut conn = PgConnection::connect(&url).await.unwrap();
                    let mut tx = conn.begin_with("BEGIN").await.unwrap();
                    tx.append_audit(&entry, 2).await.unwrap();
                }
            }
        }
        let after = store.append_audit(&entry, 3).await.unwrap();
        assert_eq!(after.seq, 2, "{label}: the dropped entry left no number behind");
        assert!(
            matches!(verify(&db).await, AuditVerification::Intact { entries: 2, .. }),
            "{label}"
        );
    }
}
