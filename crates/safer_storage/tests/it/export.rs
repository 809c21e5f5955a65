use safer_storage::{NewStreetRow, PoliceUkFile, PoliceUkRows, Store};
use safer_test_utils::TestDb;

/// A street row on `line`: ASB rows have no Crime ID or outcome, and every third row has no
/// location; coordinates carry every digit a double holds.
fn row(line: i64) -> NewStreetRow {
    let asb = line % 4 == 0;
    let located = line % 3 != 0;
    NewStreetRow {
        crime_id: (!asb).then(|| format!("{line:064x}")),
        reported_by: "Kent Police".to_string(),
        falls_within: "Kent Police".to_string(),
        longitude: located.then_some(0.123_456_789_012_345_6 - line as f64),
        latitude: located.then_some(51.000_000_000_000_01 + line as f64),
        location: if located { "On or near Café, \"Quoted\" Road" } else { "No Location" }
            .to_string(),
        lsoa_code: located.then(|| "E01024403".to_string()),
        lsoa_name: located.then(|| "Maidstone 001A".to_string()),
        crime_type: if asb { "Anti-social behaviour" } else { "Burglary" }.to_string(),
        last_outcome_category: (!asb).then(|| "Under investigation".to_string()),
        context: (line == 5).then(|| "a context".to_string()),
        source_line: line,
    }
}

async fn put(store: &Store, force: &str, month: &str, rows: Vec<NewStreetRow>) {
    let file = PoliceUkFile {
        force: force.to_string(),
        month: month.to_string(),
        file_name: format!("{month}/{month}-{force}-street.csv"),
        content_sha256: format!("{force}{month}{}", rows.len()),
        n_bad_rows: 0,
    };
    store.replace_police_uk(&file, &PoliceUkRows::Street(rows), 100).await.unwrap();
}

#[tokio::test]
async fn street_rows_come_back_one_force_month_at_a_time_in_line_order_on_both_backends() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        // Stored out of line order, with a gap: the read orders by line, not by insertion.
        let january: Vec<NewStreetRow> = [7, 2, 3, 12, 4, 5, 6].into_iter().map(row).collect();
        put(store, "kent", "2022-01", january.clone()).await;
        put(store, "kent", "2022-02", vec![row(2)]).await;
        put(store, "surrey", "2022-01", vec![row(2), row(3)]).await;

        let mut expected = january;
        expected.sort_by_key(|row| row.source_line);
        let got = store.police_uk_street_rows("kent", "2022-01").await.unwrap();
        assert_eq!(got, expected, "{label}");
        assert_eq!(store.police_uk_street_rows("kent", "2022-02").await.unwrap(), [row(2)]);
        assert_eq!(store.police_uk_street_rows("surrey", "2022-01").await.unwrap().len(), 2);

        // A force-month the store does not hold has no rows; it is not an error.
        assert!(store.police_uk_street_rows("kent", "2022-03").await.unwrap().is_empty());
        assert!(store.police_uk_street_rows("Kent", "2022-01").await.unwrap().is_empty());

        // A re-import replaces the force-month whole.
        put(store, "kent", "2022-01", vec![row(9)]).await;
        assert_eq!(store.police_uk_street_rows("kent", "2022-01").await.unwrap(), [row(9)]);

        // The ledger lists what an export walks.
        let months: Vec<(String, String, i64)> = store
            .police_uk_street_months()
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.force, m.month, m.n_rows))
            .collect();
        let expected_months =
            [("kent", "2022-01", 1), ("kent", "2022-02", 1), ("surrey", "2022-01", 2)]
                .map(|(force, month, n)| (force.to_string(), month.to_string(), n));
        assert_eq!(months, expected_months, "{label}");
    }
}
