use safer_storage::{
    NewOutcomeRow, NewStopSearchRow, NewStreetRow, PoliceUkFile, PoliceUkImportOutcome,
    PoliceUkKind, PoliceUkRows, Store,
};
use safer_test_utils::TestDb;

fn file(month: &str, sha: &str) -> PoliceUkFile {
    PoliceUkFile {
        force: "kent".to_string(),
        month: month.to_string(),
        file_name: format!("{month}/{month}-kent-street.csv"),
        content_sha256: sha.to_string(),
        n_bad_rows: 0,
    }
}

/// `n` street rows whose text says which `version` of the file they came from; every third row
/// is ASB with no Crime ID and every fifth has no location.
fn street_rows(n: usize, version: &str) -> PoliceUkRows {
    PoliceUkRows::Street(
        (0..n)
            .map(|i| {
                let no_location = i % 5 == 4;
                let asb = i % 3 == 2;
                NewStreetRow {
                    crime_id: (!asb).then(|| format!("{version}-{i:060}")),
                    reported_by: "Kent Police".to_string(),
                    falls_within: "Kent Police".to_string(),
                    longitude: (!no_location).then_some(0.522483 + i as f64 * 1e-6),
                    latitude: (!no_location).then_some(51.272316),
                    location: if no_location {
                        "No Location".to_string()
                    } else {
                        format!("On or near \"{version}\", Week Street")
                    },
                    lsoa_code: (!no_location).then(|| "E01024403".to_string()),
                    lsoa_name: (!no_location).then(|| "Maidstone 001A".to_string()),
                    crime_type: if asb { "Anti-social behaviour" } else { "Burglary" }.to_string(),
                    last_outcome_category: (!asb).then(|| "Under investigation".to_string()),
                    context: None,
                    source_line: i as i64 + 2,
                }
            })
            .collect(),
    )
}

/// Stores `rows` as Kent's street file for `month` with content hash `sha`.
async fn put(
    store: &Store,
    month: &str,
    sha: &str,
    rows: PoliceUkRows,
    now: i64,
) -> safer_storage::Result<PoliceUkImportOutcome> {
    store.replace_police_uk(&file(month, sha), &rows, now).await
}

/// The ledger without `imported_at`, which differs from run to run.
async fn ledger(store: &Store) -> Vec<String> {
    store
        .police_uk_imports()
        .await
        .unwrap()
        .into_iter()
        .map(|i| {
            format!(
                "{} {} {} {} {} {} {}",
                i.force, i.month, i.kind, i.file_name, i.content_sha256, i.n_rows, i.n_bad_rows
            )
        })
        .collect()
}

#[tokio::test]
async fn a_month_is_replaced_whole_and_the_same_file_again_is_unchanged() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        // More rows than one INSERT carries, so batching and the tail batch are both used.
        let outcome = put(store, "2022-01", "aa", street_rows(2_345, "v1"), 100);
        assert_eq!(outcome.await.unwrap(), PoliceUkImportOutcome::Imported { n_rows: 2_345 });
        let outcome = put(store, "2022-02", "bb", street_rows(10, "v1"), 100);
        assert_eq!(outcome.await.unwrap(), PoliceUkImportOutcome::Imported { n_rows: 10 });
        let dump = store.police_uk_dump(PoliceUkKind::Street).await.unwrap();
        assert_eq!(dump.len(), 2_355, "{label}");
        assert_eq!(
            dump[0],
            format!(
                "kent|2022-01|v1-{:060}|Kent Police|Kent Police|0.522483|51.272316|\
                 On or near \"v1\", Week Street|E01024403|Maidstone 001A|Burglary|\
                 Under investigation|∅|2",
                0
            ),
            "{label}"
        );
        assert!(dump[2].starts_with("kent|2022-01|∅|"), "{label}: ASB has no Crime ID");
        assert!(dump[4].contains("|∅|∅|No Location|∅|∅|"), "{label}: no location");

        // The same content again writes nothing, even with other rows offered.
        let again = put(store, "2022-01", "aa", street_rows(1, "v9"), 200);
        assert_eq!(again.await.unwrap(), PoliceUkImportOutcome::Unchanged, "{label}");
        assert_eq!(store.police_uk_dump(PoliceUkKind::Street).await.unwrap(), dump, "{label}");

        // A changed file replaces its month only.
        let changed = put(store, "2022-01", "cc", street_rows(7, "v2"), 300);
        assert_eq!(changed.await.unwrap(), PoliceUkImportOutcome::Imported { n_rows: 7 });
        let after = store.police_uk_dump(PoliceUkKind::Street).await.unwrap();
        assert_eq!(after.len(), 17, "{label}");
        assert!(after[..7].iter().all(|r| r.starts_with("kent|2022-01|") && !r.contains("v1")));
        assert_eq!(after[7..], dump[2_345..], "{label}: 2022-02 must be untouched");
        assert_eq!(
            store.police_uk_row_count(PoliceUkKind::Street, "kent", "2022-01").await.unwrap(),
            7
        );
        assert_eq!(
            ledger(store).await,
            [
                "kent 2022-01 street 2022-01/2022-01-kent-street.csv cc 7 0",
                "kent 2022-02 street 2022-02/2022-02-kent-street.csv bb 10 0",
            ],
            "{label}"
        );
        let imports = store.police_uk_imports().await.unwrap();
        assert_eq!((imports[0].imported_at, imports[1].imported_at), (300, 100), "{label}");
        assert_eq!(
            store.police_uk_import_hash("kent", "2022-01", PoliceUkKind::Street).await.unwrap(),
            Some("cc".to_string())
        );
        assert_eq!(
            store.police_uk_import_hash("kent", "2022-01", PoliceUkKind::Outcomes).await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn outcomes_and_stop_and_search_keep_every_column() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let outcomes = PoliceUkRows::Outcomes(vec![
            NewOutcomeRow {
                crime_id: "abc".to_string(),
                reported_by: "Kent Police".to_string(),
                falls_within: "Kent Police".to_string(),
                longitude: Some(-0.000001),
                latitude: Some(51.0),
                location: "On or near Week Street".to_string(),
                lsoa_code: Some("E01034991".to_string()),
                lsoa_name: Some("Maidstone 004H".to_string()),
                outcome_type: "Offender given a caution".to_string(),
                source_line: 2,
            },
            NewOutcomeRow {
                crime_id: "def".to_string(),
                reported_by: "Kent Police".to_string(),
                falls_within: "Kent Police".to_string(),
                longitude: None,
                latitude: None,
                location: "No location".to_string(),
                lsoa_code: None,
                lsoa_name: None,
                outcome_type: "Unable to prosecute suspect".to_string(),
                source_line: 4,
            },
        ]);
        let mut file_o = file("2022-01", "o1");
        file_o.n_bad_rows = 1;
        let outcome = store.replace_police_uk(&file_o, &outcomes, 1).await.unwrap();
        assert_eq!(outcome, PoliceUkImportOutcome::Imported { n_rows: 2 });
        assert_eq!(
            store.police_uk_dump(PoliceUkKind::Outcomes).await.unwrap(),
            [
                "kent|2022-01|abc|Kent Police|Kent Police|-1e-6|51.0|On or near Week Street|\
                 E01034991|Maidstone 004H|Offender given a caution|2",
                "kent|2022-01|def|Kent Police|Kent Police|∅|∅|No location|∅|∅|\
                 Unable to prosecute suspect|4",
            ],
            "{label}"
        );

        let search = NewStopSearchRow {
            kind: "Person search".to_string(),
            date: "2022-01-05T10:20:00+00:00".to_string(),
            part_of_policing_operation: Some(false),
            policing_operation: None,
            latitude: Some(51.25),
            longitude: Some(0.5),
            gender: Some("Male".to_string()),
            age_range: Some("18-24".to_string()),
            self_defined_ethnicity: None,
            officer_defined_ethnicity: Some("White".to_string()),
            legislation: Some("Misuse of Drugs Act 1971 (section 23)".to_string()),
            object_of_search: Some("Controlled drugs".to_string()),
            outcome: Some("A no further action disposal".to_string()),
            outcome_linked_to_object_of_search: None,
            removal_of_more_than_outer_clothing: Some(true),
            source_line: 2,
        };
        let rows = PoliceUkRows::StopAndSearch(vec![search; 3_000]);
        let outcome = store.replace_police_uk(&file("2022-01", "s1"), &rows, 1).await.unwrap();
        assert_eq!(outcome, PoliceUkImportOutcome::Imported { n_rows: 3_000 });
        let dump = store.police_uk_dump(PoliceUkKind::StopAndSearch).await.unwrap();
        assert_eq!(dump.len(), 3_000, "{label}");
        assert_eq!(
            dump[0],
            "kent|2022-01|Person search|2022-01-05T10:20:00+00:00|false|∅|51.25|0.5|Male|18-24|∅|\
             White|Misuse of Drugs Act 1971 (section 23)|Controlled drugs|\
             A no further action disposal|∅|true|2",
            "{label}"
        );
        // Three kinds of the same force-month are three ledger rows; replacing one leaves the
        // others alone.
        let kinds: Vec<String> =
            store.police_uk_imports().await.unwrap().into_iter().map(|i| i.kind).collect();
        assert_eq!(kinds, ["outcomes", "stop-and-search"], "{label}");
        let empty = PoliceUkRows::StopAndSearch(Vec::new());
        store.replace_police_uk(&file("2022-01", "s2"), &empty, 2).await.unwrap();
        assert!(store.police_uk_dump(PoliceUkKind::StopAndSearch).await.unwrap().is_empty());
        assert_eq!(store.police_uk_dump(PoliceUkKind::Outcomes).await.unwrap().len(), 2, "{label}");
        assert_eq!(store.police_uk_imports().await.unwrap()[0].n_bad_rows, 1, "{label}");
    }
}
