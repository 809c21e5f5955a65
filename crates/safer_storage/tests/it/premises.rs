use safer_storage::{
    ImdDecile, NewPremises, NewStreetRow, PoliceUkFile, PoliceUkRows, PremisesImportOutcome, Store,
};
use safer_test_utils::TestDb;

fn premises(line: i64, name: &str, licence: &str, late: bool) -> NewPremises {
    NewPremises {
        line,
        name: name.to_string(),
        address: format!("{line} High Street, Maidstone"),
        postcode: (line % 2 == 0).then(|| "ME14 1XX".to_string()),
        longitude: 0.52 + line as f64 * 0.001,
        latitude: 51.27,
        located_by: if line % 2 == 0 { "postcode" } else { "coordinates" }.to_string(),
        licence: licence.to_string(),
        late,
    }
}

fn imd(lsoa11: &str, rank: i64, decile: i64) -> ImdDecile {
    ImdDecile {
        lsoa11: lsoa11.to_string(),
        lad_code: "E07000110".to_string(),
        imd_rank: rank,
        imd_decile: decile,
    }
}

async fn names(store: &Store) -> Vec<String> {
    store.premises().await.unwrap().into_iter().map(|p| p.name).collect()
}

#[tokio::test]
async fn a_register_is_replaced_whole_and_the_same_bytes_change_nothing() {
    for db in TestDb::all().await {
        let label = db.label();
        let store = &db.store;
        assert_eq!(store.premises_register().await.unwrap(), None, "{label}");
        let first = vec![
            premises(2, "Test Premises 1", "on", true),
            premises(3, "Test Premises 2", "off", false),
            premises(5, "Test Premises 3", "both", true),
        ];
        let outcome = store.replace_premises("a.csv", "aaa", &first, 1, 100).await.unwrap();
        assert_eq!(outcome, PremisesImportOutcome::Replaced { n_previous: 0, n_stored: 3 });
        let stored = store.premises().await.unwrap();
        assert_eq!(stored, first, "{label}: every column kept, in line order");
        let register = store.premises_register().await.unwrap().unwrap();
        assert_eq!(
            (register.file_name.as_str(), register.n_premises, register.n_bad_rows),
            ("a.csv", 3, 1)
        );
        assert_eq!(register.imported_at, 100, "{label}");

        // The same bytes again: nothing written, not even the timestamp.
        let again = store.replace_premises("renamed.csv", "aaa", &first, 1, 200).await.unwrap();
        assert_eq!(again, PremisesImportOutcome::Unchanged, "{label}");
        assert_eq!(store.premises_register().await.unwrap().unwrap().imported_at, 100);

        // A new register: the closed premises disappear.
        let second = vec![premises(2, "Test Premises 4", "off", false)];
        let outcome = store.replace_premises("b.csv", "bbb", &second, 0, 300).await.unwrap();
        assert_eq!(outcome, PremisesImportOutcome::Replaced { n_previous: 3, n_stored: 1 });
        assert_eq!(names(store).await, ["Test Premises 4"], "{label}");

        // A failing import (a licence the schema refuses) leaves the previous register.
        let bad =
            vec![premises(2, "Test Premises 5", "off", false), premises(3, "X", "pub", false)];
        assert!(store.replace_premises("c.csv", "ccc", &bad, 0, 400).await.is_err(), "{label}");
        assert_eq!(names(store).await, ["Test Premises 4"], "{label}");
        assert_eq!(store.premises_register().await.unwrap().unwrap().file_name, "b.csv");

        // Many rows go in batches.
        let many: Vec<NewPremises> =
            (0..2500).map(|line| premises(line + 2, &format!("P{line}"), "on", false)).collect();
        store.replace_premises("big.csv", "ddd", &many, 0, 500).await.unwrap();
        assert_eq!(store.premises().await.unwrap().len(), 2500, "{label}");
    }
}

#[tokio::test]
async fn imd_deciles_are_upserted_by_lsoa() {
    for db in TestDb::all().await {
        let label = db.label();
        let store = &db.store;
        let rows = vec![imd("E01024389", 2915, 1), imd("E01024329", 32648, 10)];
        assert_eq!(store.upsert_imd(&rows, "File_1.xlsx", 10).await.unwrap(), 2, "{label}");
        // Again, with one changed and one new row; a duplicate in the batch: the later wins.
        let rows =
            vec![imd("E01024389", 2915, 1), imd("E01024403", 21000, 1), imd("E01024403", 21551, 7)];
        assert_eq!(store.upsert_imd(&rows, "File_1.xlsx", 20).await.unwrap(), 2, "{label}");
        let stored = store.imd_deciles().await.unwrap();
        assert_eq!(
            stored,
            [imd("E01024329", 32648, 10), imd("E01024389", 2915, 1), imd("E01024403", 21551, 7)],
            "{label}"
        );
        // A decile outside 1..=10 is refused by the schema, and nothing of the batch is kept.
        let bad = vec![imd("E01000001", 1, 1), imd("E01000002", 1, 11)];
        assert!(store.upsert_imd(&bad, "x", 30).await.is_err(), "{label}");
        assert_eq!(store.imd_deciles().await.unwrap().len(), 3, "{label}");
        // The whole of England in one call.
        let england: Vec<ImdDecile> =
            (1..=32_844).map(|rank| imd(&format!("E{:08}", 1_000_000 + rank), rank, 1)).collect();
        assert_eq!(store.upsert_imd(&england, "x", 40).await.unwrap(), 32_844, "{label}");
    }
}

/// A street row in `lsoa` (none: no location) of `crime_type`.
fn street(lsoa: Option<&str>, crime_type: &str, line: i64) -> NewStreetRow {
    NewStreetRow {
        crime_id: None,
        reported_by: "Kent Police".to_string(),
        falls_within: "Kent Police".to_string(),
        longitude: lsoa.map(|_| 0.52),
        latitude: lsoa.map(|_| 51.27),
        location: "On or near Test Street".to_string(),
        lsoa_code: lsoa.map(str::to_string),
        lsoa_name: lsoa.map(|_| "Maidstone 001A".to_string()),
        crime_type: crime_type.to_string(),
        last_outcome_category: None,
        context: None,
        source_line: line,
    }
}

#[tokio::test]
async fn street_counts_by_lsoa_for_some_crime_types() {
    for db in TestDb::all().await {
        let label = db.label();
        let store = &db.store;
        for (month, n_violence) in [("2021-12", 5), ("2022-01", 2), ("2022-02", 1)] {
            let mut rows = vec![
                street(Some("E01024404"), "Public order", 2),
                street(Some("E01024404"), "Burglary", 3),
                street(None, "Public order", 4),
            ];
            for idx in 0..n_violence {
                rows.push(street(Some("E01024403"), "Violence and sexual offences", 5 + idx));
            }
            let file = PoliceUkFile {
                force: "kent".to_string(),
                month: month.to_string(),
                file_name: format!("{month}-kent-street.csv"),
                content_sha256: month.to_string(),
                n_bad_rows: 0,
            };
            store.replace_police_uk(&file, &PoliceUkRows::Street(rows), 1).await.unwrap();
        }
        let types = ["Violence and sexual offences", "Public order", "Anti-social behaviour"];
        let counts = store
            .police_uk_street_lsoa_counts_of_types("2022-01", "2022-12", &types)
            .await
            .unwrap();
        assert_eq!(
            counts,
            [("E01024403".to_string(), 3), ("E01024404".to_string(), 2)],
            "{label}: months outside the period, other types and rows without an LSOA are out"
        );
        assert!(store
            .police_uk_street_lsoa_counts_of_types("2022-01", "2022-12", &[])
            .await
            .unwrap()
            .is_empty());
    }
}
