use std::collections::BTreeMap;

use safer_storage::{
    NewStreetRow, PoliceUkFile, PoliceUkRows, Store, StreetArea, StreetCount, StreetMonth,
};
use safer_test_utils::TestDb;

/// A street row in `(lsoa code, lsoa name)` with `crime_type`; `None` is a row with no location.
fn row(lsoa: Option<(&str, &str)>, crime_type: &str, line: i64) -> NewStreetRow {
    NewStreetRow {
        crime_id: (crime_type != "Anti-social behaviour").then(|| format!("id{line:060}")),
        reported_by: "Kent Police".to_string(),
        falls_within: "Kent Police".to_string(),
        longitude: lsoa.map(|_| 0.52),
        latitude: lsoa.map(|_| 51.27),
        location: "On or near Maidstone Road".to_string(),
        lsoa_code: lsoa.map(|(code, _)| code.to_string()),
        lsoa_name: lsoa.map(|(_, name)| name.to_string()),
        crime_type: crime_type.to_string(),
        last_outcome_category: None,
        context: None,
        source_line: line,
    }
}

async fn put(store: &Store, force: &str, month: &str, rows: &[(Option<(&str, &str)>, &str)]) {
    let rows: Vec<NewStreetRow> = rows
        .iter()
        .enumerate()
        .map(|(idx, &(lsoa, crime_type))| row(lsoa, crime_type, idx as i64 + 2))
        .collect();
    let file = PoliceUkFile {
        force: force.to_string(),
        month: month.to_string(),
        file_name: format!("{month}/{month}-{force}-street.csv"),
        content_sha256: format!("{force}{month}"),
        n_bad_rows: 1,
    };
    store.replace_police_uk(&file, &PoliceUkRows::Street(rows), 100).await.unwrap();
}

const MAIDSTONE_A: Option<(&str, &str)> = Some(("E01024403", "Maidstone 001A"));
const MAIDSTONE_B: Option<(&str, &str)> = Some(("E01024404", "Maidstone 002B"));

/// Two forces, three months: Maidstone rows, and rows a careless filter would take.
async fn fill(store: &Store) {
    let near_misses = [
        (Some(("E01024999", "Maidstone Borough")), "Drugs"),
        (Some(("E01024998", "Maidstone 01A")), "Drugs"),
        (Some(("E01024997", "Maidstone 001a")), "Drugs"),
        (Some(("E01024996", "Maidstone 001AB")), "Drugs"),
        (Some(("E01016001", "maidstone 003C")), "Drugs"),
        (Some(("E01016002", "Medway 001A")), "Burglary"),
        (Some(("E01024405", "Tunbridge Wells 001A")), "Robbery"),
        (Some(("E01024406", "Maid%tone 001A")), "Robbery"),
        (None, "Burglary"),
    ];
    let mut january = vec![
        (MAIDSTONE_A, "Burglary"),
        (MAIDSTONE_A, "Burglary"),
        (MAIDSTONE_B, "Anti-social behaviour"),
    ];
    january.extend(near_misses);
    put(store, "kent", "2022-01", &january).await;
    put(store, "kent", "2022-02", &[(MAIDSTONE_B, "Burglary"), (None, "Shoplifting")]).await;
    put(store, "kent", "2022-03", &[(MAIDSTONE_A, "Vehicle crime")]).await;
    // Another force with a Maidstone row (a border crime) and a month Kent lacks.
    put(store, "metropolitan", "2022-02", &[(MAIDSTONE_A, "Robbery")]).await;
    put(store, "metropolitan", "2022-04", &[(MAIDSTONE_A, "Robbery")]).await;
}

/// The counts as `force month crime_type n`.
fn lines(counts: &[StreetCount]) -> Vec<String> {
    counts
        .iter()
        .map(|c| format!("{} {} {} {}", c.force, c.month, c.crime_type, c.n_in_area))
        .collect()
}

/// Totals by crime type, leaving out zeros.
fn totals(counts: &[StreetCount]) -> BTreeMap<String, i64> {
    let mut totals = BTreeMap::new();
    for count in counts.iter().filter(|c| c.n_in_area > 0) {
        *totals.entry(count.crime_type.clone()).or_insert(0) += count.n_in_area;
    }
    totals
}

#[tokio::test]
async fn street_counts_select_a_district_by_its_lsoa_names_on_both_backends() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        fill(store).await;
        let maidstone = StreetArea::District("Maidstone".to_string());
        let counts = store.police_uk_street_counts(&maidstone, "2022-01", "2022-03").await.unwrap();
        // Every (force, month, crime type) with rows in the months, zeros included, sorted.
        assert_eq!(
            lines(&counts),
            [
                "kent 2022-01 Anti-social behaviour 1",
                "kent 2022-01 Burglary 2",
                "kent 2022-01 Drugs 0",
                "kent 2022-01 Robbery 0",
                "kent 2022-02 Burglary 1",
                "kent 2022-02 Shoplifting 0",
                "kent 2022-03 Vehicle crime 1",
                "metropolitan 2022-02 Robbery 1",
            ],
            "{label}"
        );

        // A month range is inclusive at both ends and leaves the other months out.
        let february = store.police_uk_street_counts(&maidstone, "2022-02", "2022-02").await;
        assert_eq!(
            lines(&february.unwrap()),
            [
                "kent 2022-02 Burglary 1",
                "kent 2022-02 Shoplifting 0",
                "metropolitan 2022-02 Robbery 1"
            ],
            "{label}"
        );

        // Case matters, a district is never a prefix of a longer one, and LIKE wildcards in
        // the name are plain characters.
        for (district, expected) in [
            ("maidstone", BTreeMap::from([("Drugs".to_string(), 1)])),
            ("Tunbridge", BTreeMap::new()),
            ("Tunbridge Wells", BTreeMap::from([("Robbery".to_string(), 1)])),
            ("Maid%tone", BTreeMap::from([("Robbery".to_string(), 1)])),
            ("Maid%", BTreeMap::new()),
            ("Maid_tone", BTreeMap::new()),
        ] {
            let area = StreetArea::District(district.to_string());
            let counts = store.police_uk_street_counts(&area, "2022-01", "2022-12").await;
            assert_eq!(totals(&counts.unwrap()), expected, "{label}: district:{district}");
        }

        // LSOA codes match exactly; All takes every row, including those with no location.
        let codes = StreetArea::LsoaCodes(vec!["E01024403".to_string(), "E01016002".to_string()]);
        let counts = store.police_uk_street_counts(&codes, "2022-01", "2022-12").await.unwrap();
        assert_eq!(
            totals(&counts),
            BTreeMap::from([
                ("Burglary".to_string(), 3),
                ("Robbery".to_string(), 2),
                ("Vehicle crime".to_string(), 1),
            ]),
            "{label}"
        );
        let none = StreetArea::LsoaCodes(Vec::new());
        let counts = store.police_uk_street_counts(&none, "2022-01", "2022-12").await.unwrap();
        assert!(totals(&counts).is_empty(), "{label}");
        let all = store.police_uk_street_counts(&StreetArea::All, "2022-01", "2022-12").await;
        let total: i64 = all.unwrap().iter().map(|c| c.n_in_area).sum();
        assert_eq!(total, 12 + 2 + 1 + 1 + 1, "{label}");

        // The ledger's street months, per force, with the bad rows left out at import.
        let months = store.police_uk_street_months().await.unwrap();
        let months: Vec<String> = months
            .iter()
            .map(|StreetMonth { force, month, n_rows, n_bad_rows, .. }| {
                format!("{force} {month} {n_rows} {n_bad_rows}")
            })
            .collect();
        assert_eq!(
            months,
            [
                "kent 2022-01 12 1",
                "kent 2022-02 2 1",
                "kent 2022-03 1 1",
                "metropolitan 2022-02 1 1",
                "metropolitan 2022-04 1 1",
            ],
            "{label}"
        );

        // The hint for a district that matched nothing.
        let names = store.police_uk_lsoa_names_ignoring_case("MAIDSTONE", "2022-01", "2022-01");
        assert_eq!(
            names.await.unwrap(),
            [
                "Maidstone 001A",
                "Maidstone 001AB",
                "Maidstone 001a",
                "Maidstone 002B",
                "Maidstone 01A",
                "Maidstone Borough",
                "maidstone 003C",
            ],
            "{label}"
        );
    }
}

#[tokio::test]
async fn lsoa_and_point_counts_on_both_backends() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        fill(store).await;
        let lsoa: Vec<String> = store
            .police_uk_street_lsoa_counts("2022-01", "2022-02")
            .await
            .unwrap()
            .iter()
            .filter(|c| {
                c.lsoa_code == "E01024403" || c.lsoa_code == "E01024404" || c.lsoa_code.is_empty()
            })
            .map(|c| format!("{} {} {}", c.force, c.lsoa_code, c.n))
            .collect();
        assert_eq!(
            lsoa,
            ["kent  2", "kent E01024403 2", "kent E01024404 2", "metropolitan E01024403 1"],
            "{label}"
        );
        // Every located row of the fixture sits at (0.52, 51.27).
        let inside = store
            .police_uk_street_point_counts("2022-01", "2022-03", [0.5, 51.2, 0.6, 51.3])
            .await
            .unwrap();
        let total: i64 = inside.iter().map(|p| p.n).sum();
        assert_eq!(total, 3 + 9 - 1 + 1 + 1 + 1, "{label}: {inside:?}");
        assert!(inside.iter().all(|p| p.longitude == 0.52 && p.latitude == 51.27), "{label}");
        let outside = store
            .police_uk_street_point_counts("2022-01", "2022-03", [1.0, 52.0, 1.1, 52.1])
            .await
            .unwrap();
        assert!(outside.is_empty(), "{label}");
    }
}

#[tokio::test]
async fn places_group_rows_by_lsoa_point_and_location_on_both_backends() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        fill(store).await;
        let places = store.police_uk_street_places("2022-01", "2022-01").await.unwrap();
        let total: i64 = places.iter().map(|p| p.n).sum();
        assert_eq!(total, 12, "{label}");
        let burglary_a = places
            .iter()
            .find(|p| p.lsoa_code == "E01024403" && p.crime_type == "Burglary")
            .unwrap();
        assert_eq!(burglary_a.n, 2, "{label}");
        assert_eq!((burglary_a.longitude, burglary_a.latitude), (Some(0.52), Some(51.27)));
        assert_eq!(burglary_a.location, "On or near Maidstone Road");
        let unlocated = places.iter().find(|p| p.lsoa_code.is_empty()).unwrap();
        assert_eq!((unlocated.longitude, unlocated.n), (None, 1), "{label}");
    }
}
