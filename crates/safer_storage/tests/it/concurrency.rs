use safer_storage::NewPartnerIndicator;
use safer_test_utils::TestDb;

/// Writers that read before they write (every upsert does) must queue, not fail: on SQLite a
/// deferred transaction that upgrades its read lock while another writer holds the lock gets
/// SQLITE_BUSY at once, whatever the busy timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_then_write_transactions_all_succeed() {
    for db in TestDb::all().await {
        let label = db.label();
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                for round in 0..15 {
                    let rows = vec![NewPartnerIndicator {
                        indicator: "marac-cases".to_string(),
                        area: "district:Maidstone".to_string(),
                        period_start: "2021-01-01".to_string(),
                        period_end: "2021-12-31".to_string(),
                        value: f64::from(writer * 100 + round),
                        unit: "count".to_string(),
                        source: "test".to_string(),
                        notes: String::new(),
                        source_line: 2,
                    }];
                    store.upsert_partner_indicators("race.csv", &rows, 1).await?;
                }
                Ok::<_, safer_storage::StoreError>(())
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap_or_else(|err| panic!("{label}: {err}"));
        }
    }
}
