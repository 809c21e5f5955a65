//! `safer audit verify` and `safer audit list`: exit 0 on an intact log (SQLite and PostgreSQL),
//! 1 after the SQLite file is tampered with by another tool, anchors, and the listing's filters.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use safer_domain::ids::{AgencyId, UserId};
use safer_storage::{AuditAction, AuditEntry, AuditRecord, Store, AUDIT_GENESIS_HASH};
use safer_test_utils::TestDb;

/// Runs `safer` in `dir` against the database at `url`, with no ambient configuration.
fn safer(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run safer")
}

/// Standard output, after checking the exit code.
#[track_caller]
fn exited(output: &Output, code: i32) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "safer exited otherwise:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stdout
}

/// Entries about cases 1..=n, each with a detail `marker-000N` to find in the file.
async fn append_cases(store: &Store, n: i64) -> Vec<AuditRecord> {
    let mut records = Vec::new();
    for i in 1..=n {
        let (id, detail) = (i.to_string(), format!("marker-{i:04}"));
        let entry = AuditEntry::new(AuditAction::Read, "case", &id)
            .by(UserId(20 + i), AgencyId(2))
            .purpose("s115")
            .detail(&detail);
        records.push(store.append_audit(&entry, 86_400 * i).await.unwrap());
    }
    records
}

#[tokio::test]
async fn verify_and_list_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    for db in TestDb::all().await {
        let (label, url) = (db.label(), db.url());
        let out = exited(&safer(dir.path(), &url, &["audit", "verify"]), 0);
        assert!(
            out.contains(&format!("audit log intact: 0 entries, last hash {AUDIT_GENESIS_HASH}")),
            "{label}: {out}"
        );

        let records = append_cases(&db.store, 3).await;
        let last = &records[2].hash;
        let out = exited(&safer(dir.path(), &url, &["audit", "verify"]), 0);
        assert!(
            out.contains(&format!("audit log intact: 3 entries, last hash {last}")),
            "{label}: {out}"
        );
        assert!(out.contains(&format!("--anchor 3:{last}")), "{label}: {out}");

        // Anchors: the one printed holds; a wrong hash or a missing entry fails.
        let anchor = format!("3:{last}");
        let out = exited(&safer(dir.path(), &url, &["audit", "verify", "--anchor", &anchor]), 0);
        assert!(out.contains(&format!("anchor {anchor} matches")), "{label}: {out}");
        let wrong = format!("2:{last}");
        let out = exited(&safer(dir.path(), &url, &["audit", "verify", "--anchor", &wrong]), 1);
        assert!(out.contains("entry 2 has another hash"), "{label}: {out}");
        let beyond = format!("4:{last}");
        let out = exited(&safer(dir.path(), &url, &["audit", "verify", "--anchor", &beyond]), 1);
        assert!(out.contains("entry 4 is missing"), "{label}: {out}");
        let err = String::from_utf8_lossy(
            &safer(dir.path(), &url, &["audit", "verify", "--anchor", "3:xyz"]).stderr,
        )
        .into_owned();
        assert!(err.contains("invalid anchor `3:xyz`"), "{label}: {err}");

        // The listing: ids and codes, filters.
        let out = exited(&safer(dir.path(), &url, &["audit", "list"]), 0);
        assert_eq!(out.lines().count(), 4, "{label}: header and three entries:\n{out}");
        let second = out.lines().nth(2).unwrap();
        for field in ["2", "1970-01-03T00:00:00Z", "read", "case:2", "22", "s115", "marker-0002"] {
            assert!(second.split_whitespace().any(|f| f == field), "{label}: {field} in {second}");
        }
        let out = exited(&safer(dir.path(), &url, &["audit", "list", "--object", "case:3"]), 0);
        assert_eq!(out.lines().count(), 2, "{label}: {out}");
        assert!(out.contains("case:3"), "{label}: {out}");
        let out = exited(&safer(dir.path(), &url, &["audit", "list", "--since", "1970-01-03"]), 0);
        assert_eq!(out.lines().count(), 3, "{label}: entries 2 and 3:\n{out}");
        let limited = safer(dir.path(), &url, &["audit", "list", "--limit", "1", "--after", "1"]);
        let out = exited(&limited, 0);
        assert!(out.contains("case:2") && !out.contains("case:3"), "{label}: {out}");
        assert!(String::from_utf8_lossy(&limited.stderr).contains("--after 2"), "{label}");
        let out = exited(&safer(dir.path(), &url, &["audit", "list", "--object", "case:9"]), 0);
        assert!(out.contains("No audit entries match."), "{label}: {out}");
        exited(&safer(dir.path(), &url, &["audit", "list", "--object", "case"]), 2);
        exited(&safer(dir.path(), &url, &["audit", "list", "--since", "last week"]), 2);
    }
}

/// The SQLite file behind a TestDb's URL.
fn sqlite_file(url: &str) -> PathBuf {
    PathBuf::from(url.strip_prefix("sqlite://").expect("an SQLite URL"))
}

/// Runs SQL on the SQLite file with Python's own sqlite3 module: someone with the file and a
/// tool of their own, not Safer. Whether it succeeded.
fn sqlite_sql(file: &Path, sql: &str) -> bool {
    const SCRIPT: &str = "import sqlite3, sys\n\
        db = sqlite3.connect(sys.argv[1])\n\
        db.executescript(sys.argv[2])\n\
        db.close()\n";
    Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(file)
        .arg(sql)
        .stderr(Stdio::null())
        .status()
        .expect("run python3")
        .success()
}

#[tokio::test]
async fn verify_fails_after_tampering() {
    // An attacker with the database file: the triggers refuse their first attempt, so they drop
    // them and edit, then delete. verify must name the entry and exit 1 each time.
    if !safer_test_utils::env::python_can_import("sqlite3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::sqlite().await;
    let url = db.url();
    let file = sqlite_file(&url);
    append_cases(&db.store, 3).await;
    exited(&safer(dir.path(), &url, &["audit", "verify"]), 0);

    let edit = "UPDATE audit_log SET detail = 'marker-9999' WHERE seq = 2;";
    assert!(!sqlite_sql(&file, edit), "the trigger refuses the edit");
    exited(&safer(dir.path(), &url, &["audit", "verify"]), 0);
    assert!(sqlite_sql(&file, &format!("DROP TRIGGER audit_log_no_update; {edit}")));
    let out = exited(&safer(dir.path(), &url, &["audit", "verify"]), 1);
    assert!(out.contains("audit log broken at entry 2: its hash does not match"), "{out}");
    assert!(out.contains("entry 1 is intact"), "{out}");
    // The listing still shows what is there, edit included: it does not judge.
    let out = exited(&safer(dir.path(), &url, &["audit", "list"]), 0);
    assert!(out.contains("marker-9999"), "{out}");

    // Put back, the chain is whole again; then an entry deleted.
    assert!(sqlite_sql(&file, "UPDATE audit_log SET detail = 'marker-0002' WHERE seq = 2;"));
    exited(&safer(dir.path(), &url, &["audit", "verify"]), 0);
    let delete = "DELETE FROM audit_log WHERE seq = 2;";
    assert!(!sqlite_sql(&file, delete), "the trigger refuses the delete");
    assert!(sqlite_sql(&file, &format!("DROP TRIGGER audit_log_no_delete; {delete}")));
    let out = exited(&safer(dir.path(), &url, &["audit", "verify"]), 1);
    assert!(out.contains("audit log broken at entry 3: entry 2 should come next"), "{out}");
}
