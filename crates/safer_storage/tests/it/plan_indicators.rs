use safer_domain::indicator::{parse_indicators, Observation, Series};
use safer_storage::{
    IndicatorsImportOutcome, NewPartnerIndicator, NewStreetRow, PoliceUkFile, PoliceUkRows, Store,
};
use safer_test_utils::fixtures::import_maidstone;
use safer_test_utils::TestDb;

const FILE: &str = r#"format = 1
plan = "maidstone-2022-25"

[[indicator]]
id = "town-centre-violence"
priority = "safe-town-centre"
title = "Violence and sexual offences"
series = { kind = "police-uk", area = "district:Maidstone", crime_types = ["Violence and sexual offences"] }
direction = "down"
"#;

async fn put_month(store: &Store, month: &str, n_violence: usize, n_other: usize) {
    let row = |crime_type: &str, idx: usize| NewStreetRow {
        crime_id: Some(format!("{month}{idx:058}")),
        reported_by: "Kent Police".to_string(),
        falls_within: "Kent Police".to_string(),
        longitude: Some(0.52),
        latitude: Some(51.27),
        location: "On or near Week Street".to_string(),
        lsoa_code: Some("E01024371".to_string()),
        lsoa_name: Some("Maidstone 004A".to_string()),
        crime_type: crime_type.to_string(),
        last_outcome_category: None,
        context: None,
        source_line: idx as i64 + 2,
    };
    let mut rows: Vec<NewStreetRow> =
        (0..n_violence).map(|idx| row("Violence and sexual offences", idx)).collect();
    rows.extend((0..n_other).map(|idx| row("Drugs", n_violence + idx)));
    let file = PoliceUkFile {
        force: "kent".to_string(),
        month: month.to_string(),
        file_name: format!("{month}/{month}-kent-street.csv"),
        content_sha256: format!("kent{month}"),
        n_bad_rows: 0,
    };
    store.replace_police_uk(&file, &PoliceUkRows::Street(rows), 100).await.unwrap();
}

#[tokio::test]
async fn an_indicators_file_is_stored_whole_and_reimport_is_unchanged() {
    for db in TestDb::all().await {
        let store = &db.store;
        import_maidstone(store).await;
        let plan = store.plan_by_slug("maidstone-2022-25").await.unwrap().unwrap();
        let file = parse_indicators(FILE, None).unwrap();
        assert_eq!(store.plan_indicators(plan.id).await.unwrap(), None, "{}", db.label());
        let first = store.import_plan_indicators(plan.id, &file, FILE, 10).await.unwrap();
        assert_eq!(first, IndicatorsImportOutcome::Created, "{}", db.label());
        let again = store.import_plan_indicators(plan.id, &file, FILE, 11).await.unwrap();
        assert_eq!(again, IndicatorsImportOutcome::Unchanged, "{}", db.label());
        let changed = FILE.replace("direction = \"down\"", "direction = \"down\"\ntarget = 5");
        let changed_file = parse_indicators(&changed, None).unwrap();
        let outcome =
            store.import_plan_indicators(plan.id, &changed_file, &changed, 12).await.unwrap();
        assert_eq!(outcome, IndicatorsImportOutcome::Updated, "{}", db.label());
        assert_eq!(
            store.plan_indicators(plan.id).await.unwrap(),
            Some(changed_file),
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn police_series_have_24_months_and_missing_months_are_none() {
    for db in TestDb::all().await {
        let store = &db.store;
        let file = parse_indicators(FILE, None).unwrap();
        let series = &file.indicators[0].series;
        assert!(store.indicator_observations(series).await.unwrap().is_empty(), "{}", db.label());
        put_month(store, "2022-11", 3, 2).await;
        put_month(store, "2023-01", 5, 1).await;
        let observations = store.indicator_observations(series).await.unwrap();
        assert_eq!(observations.len(), 24, "{}", db.label());
        assert_eq!(observations[0].label, "2021-02", "{}", db.label());
        let tail: Vec<(&str, Option<f64>)> =
            observations[21..].iter().map(|o| (o.label.as_str(), o.value)).collect();
        assert_eq!(
            tail,
            [("2022-11", Some(3.0)), ("2022-12", None), ("2023-01", Some(5.0))],
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn partner_series_have_one_observation_per_period() {
    for db in TestDb::all().await {
        let store = &db.store;
        let rows: Vec<NewPartnerIndicator> =
            [("2019-04-01", "2020-03-31", 87.0), ("2020-04-01", "2021-03-31", 74.0)]
                .iter()
                .enumerate()
                .map(|(idx, &(start, end, value))| NewPartnerIndicator {
                    indicator: "youth-offences".to_string(),
                    area: "district:Maidstone".to_string(),
                    period_start: start.to_string(),
                    period_end: end.to_string(),
                    value,
                    unit: "count".to_string(),
                    source: "test".to_string(),
                    notes: String::new(),
                    source_line: idx as i64 + 2,
                })
                .collect();
        store.upsert_partner_indicators("partners.csv", &rows, 0).await.unwrap();
        let series = Series::Partner {
            indicator: "youth-offences".to_string(),
            area: "district:Maidstone".to_string(),
        };
        let observations = store.indicator_observations(&series).await.unwrap();
        assert_eq!(
            observations,
            [
                Observation {
                    label: "2019-04-01 to 2020-03-31".to_string(),
                    months: 12,
                    value: Some(87.0),
                    unit: "count".to_string(),
                    base: None,
                    no_data: None,
                },
                Observation {
                    label: "2020-04-01 to 2021-03-31".to_string(),
                    months: 12,
                    value: Some(74.0),
                    unit: "count".to_string(),
                    base: None,
                    no_data: None,
                },
            ],
            "{}",
            db.label()
        );
    }
}
