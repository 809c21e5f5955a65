//! Test support shared by Safer's crates (a dev-dependency only).
//!
//! - [`TestDb`]: a fresh, migrated database per test, on SQLite and — when
//!   `SAFER_TEST_DATABASE_URL` is set, as `scripts/test` always does — on PostgreSQL too.
//! - [`browser`]: a small WebDriver client for headless Chromium, with axe-core.
//! - [`env`](mod@env): where the shared real data and seed files are, failing under CI when missing.
#![allow(clippy::print_stderr)]

pub mod browser;
pub mod env;
pub mod fixtures;

use std::str::FromStr;

use safer_storage::Store;
use sqlx::postgres::PgConnectOptions;
use sqlx::Connection;

/// A fresh, migrated database that is deleted when dropped.
#[derive(Debug)]
pub struct TestDb {
    /// The store to test against.
    pub store: Store,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

/// Random lowercase hex, for unique names.
pub fn random_hex(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    getrandom::getrandom(&mut bytes).expect("the operating system has no random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TestDb {
    /// A migrated SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = Store::connect(&url).await.expect("cannot open SQLite");
        store.migrate().await.expect("cannot migrate SQLite");
        TestDb { store, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A migrated PostgreSQL schema of its own, or `None` when `SAFER_TEST_DATABASE_URL` is not
    /// set. Under CI (`CI` set) a missing URL is a failure, not a skip.
    pub async fn postgres() -> Option<TestDb> {
        let url = match std::env::var("SAFER_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "SAFER_TEST_DATABASE_URL must be set under CI; run the tests with scripts/test"
                );
                return None;
            }
        };
        let schema = format!("t_{}", random_hex(8));
        let mut admin =
            sqlx::PgConnection::connect(&url).await.expect("cannot connect to the test PostgreSQL");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("cannot create schema");
        admin.close().await.ok();
        let options = PgConnectOptions::from_str(&url)
            .expect("SAFER_TEST_DATABASE_URL is not a PostgreSQL URL")
            .options([("search_path", schema.as_str())]);
        let store =
            Store::connect_postgres(options).await.expect("cannot connect to the test PostgreSQL");
        store.migrate().await.expect("cannot migrate PostgreSQL");
        Some(TestDb { store, cleanup: Cleanup::Postgres { url, schema } })
    }

    /// SQLite, and PostgreSQL when configured: run a storage test on each.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        dbs.extend(TestDb::postgres().await);
        dbs
    }

    /// A database URL for this database, for running the `safer` binary against it: the
    /// SQLite file, or the PostgreSQL server with this test's schema as its search path.
    pub fn url(&self) -> String {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => format!("sqlite://{}", dir.path().join("safer.db").display()),
            Cleanup::Postgres { url, schema } => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}options=-c%20search_path%3D{schema}")
            }
        }
    }

    /// "sqlite" or "postgres", for assertion messages.
    pub fn label(&self) -> &'static str {
        self.store.backend().as_str()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { url, schema } = &self.cleanup {
            let (url, schema) = (url.clone(), schema.clone());
            // Drop runs inside the test's runtime; use a thread with its own runtime.
            let dropped = std::thread::spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&url).await.ok()?;
                    // Never hang a test run on a lock a leaked transaction still holds.
                    sqlx::query("SET lock_timeout = '10s'").execute(&mut conn).await.ok()?;
                    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&mut conn)
                        .await
                        .ok()?;
                    conn.close().await.ok()
                })
            })
            .join();
            if !matches!(dropped, Ok(Some(()))) {
                eprintln!("note: could not drop test schema {}", self.cleanup_schema());
            }
        }
    }
}

impl TestDb {
    fn cleanup_schema(&self) -> &str {
        match &self.cleanup {
            Cleanup::Postgres { schema, .. } => schema,
            Cleanup::Sqlite(_) => "",
        }
    }
}
