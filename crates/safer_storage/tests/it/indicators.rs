use safer_storage::{NewPartnerIndicator, PartnerIndicatorsOutcome, Store};
use safer_test_utils::TestDb;

fn row(indicator: &str, area: &str, year: u32, value: f64, line: i64) -> NewPartnerIndicator {
    NewPartnerIndicator {
        indicator: indicator.to_string(),
        area: area.to_string(),
        period_start: format!("{year}-01-01"),
        period_end: format!("{year}-12-31"),
        value,
        unit: "count".to_string(),
        source: "Maidstone CSP Plan 2022-2025".to_string(),
        notes: String::new(),
        source_line: line,
    }
}

/// Every stored row as `indicator area start..end value unit file:line @imported_at`.
async fn dump(store: &Store, area: &str) -> Vec<String> {
    store
        .partner_indicators_for_area(area, "0000-01-01", "9999-12-31")
        .await
        .unwrap()
        .into_iter()
        .map(|i| {
            format!(
                "{} {} {}..{} {:?} {} {}:{} @{}",
                i.indicator,
                i.area,
                i.period_start,
                i.period_end,
                i.value,
                i.unit,
                i.file_name,
                i.source_line,
                i.imported_at
            )
        })
        .collect()
}

#[tokio::test]
async fn a_file_is_upserted_and_the_same_file_again_changes_nothing() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let rows = [
            row("marac-cases", "district:Maidstone", 2021, 220.0, 2),
            row("section-136-uses", "district:Maidstone", 2021, 89.0, 3),
            row("marac-cases", "district:Swale", 2021, 10.0, 4),
        ];
        let outcome = store.upsert_partner_indicators("a.csv", &rows, 100).await.unwrap();
        let expected = PartnerIndicatorsOutcome { n_inserted: 3, n_updated: 0, n_unchanged: 0 };
        assert_eq!(outcome, expected, "{label}");
        let before = dump(store, "district:Maidstone").await;
        assert_eq!(
            before,
            [
                "marac-cases district:Maidstone 2021-01-01..2021-12-31 220.0 count a.csv:2 @100",
                "section-136-uses district:Maidstone 2021-01-01..2021-12-31 89.0 count a.csv:3 @100",
            ],
            "{label}"
        );

        // The same figures again: nothing written, not even the import time.
        let again = store.upsert_partner_indicators("b.csv", &rows, 200).await.unwrap();
        let expected = PartnerIndicatorsOutcome { n_inserted: 0, n_updated: 0, n_unchanged: 3 };
        assert_eq!(again, expected, "{label}");
        assert_eq!(dump(store, "district:Maidstone").await, before, "{label}");

        // A changed value is updated in place; a new period is added beside it.
        let changed = [
            row("marac-cases", "district:Maidstone", 2021, 221.5, 7),
            row("marac-cases", "district:Maidstone", 2020, 268.0, 8),
        ];
        let outcome = store.upsert_partner_indicators("c.csv", &changed, 300).await.unwrap();
        let expected = PartnerIndicatorsOutcome { n_inserted: 1, n_updated: 1, n_unchanged: 0 };
        assert_eq!(outcome, expected, "{label}");
        assert_eq!(
            dump(store, "district:Maidstone").await,
            [
                "marac-cases district:Maidstone 2020-01-01..2020-12-31 268.0 count c.csv:8 @300",
                "marac-cases district:Maidstone 2021-01-01..2021-12-31 221.5 count c.csv:7 @300",
                "section-136-uses district:Maidstone 2021-01-01..2021-12-31 89.0 count a.csv:3 @100",
            ],
            "{label}"
        );
    }
}

#[tokio::test]
async fn the_area_query_keeps_periods_wholly_inside_the_range() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let mut straddling = row("cpw-issued", "district:Maidstone", 2021, 86.0, 4);
        straddling.period_start = "2020-04-01".to_string();
        straddling.period_end = "2021-03-31".to_string();
        let rows = [
            row("marac-cases", "district:Maidstone", 2020, 268.0, 2),
            row("marac-cases", "district:Maidstone", 2021, 220.0, 3),
            straddling,
        ];
        store.upsert_partner_indicators("a.csv", &rows, 100).await.unwrap();
        let found = store
            .partner_indicators_for_area("district:Maidstone", "2021-01-01", "2021-12-31")
            .await
            .unwrap();
        let found: Vec<(String, f64)> = found.into_iter().map(|i| (i.indicator, i.value)).collect();
        assert_eq!(found, [("marac-cases".to_string(), 220.0)], "{label}");
        let none = store.partner_indicators_for_area("lad:E07000110", "2000-01-01", "2030-12-31");
        assert!(none.await.unwrap().is_empty(), "{label}");
    }
}
