//! Golden values from `ANALYTICS.md` §2.3, §2.4 and §2.6 through the public API, and the JSON
//! shapes outputs print.

use safer_analytics::concentration::{concentration, ConcentrationConfig};
use safer_analytics::kde::{arcgis_default_bandwidth, bandwidth_parts};
use safer_analytics::stability::{recapture, PeriodCounts, RRI_FORMULA};

#[track_caller]
fn check_gini(counts: &[u64], gini: f64, generalised: f64, unbiased: Option<f64>) {
    let result = concentration(counts, &ConcentrationConfig { baseline_runs: 0, seed: 1 });
    assert_eq!(result.n_units, 10);
    assert!((result.gini.unwrap() - gini).abs() < 1e-7, "{result:?}");
    assert!((result.generalised_gini.unwrap() - generalised).abs() < 1e-7, "{result:?}");
    if let Some(unbiased) = unbiased {
        assert!((result.generalised_gini_unbiased.unwrap() - unbiased).abs() < 1e-7);
    }
}

#[test]
fn gini_triples() {
    check_gini(&[10, 8, 2, 0, 0, 0, 0, 0, 0, 0], 0.78, 0.78, None);
    check_gini(&[5, 2, 1, 0, 0, 0, 0, 0, 0, 0], 0.80, 0.75, None);
    check_gini(&[10, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.90, 0.90, Some(1.0));
}

#[test]
fn arcgis_default_radius() {
    let points =
        [[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0], [50.0, 50.0], [400.0, 400.0]];
    let parts = bandwidth_parts(&points, None).unwrap();
    assert!((parts.median_distance - 108.6534).abs() < 0.5e-4);
    assert!((parts.standard_distance - 193.2902).abs() < 0.5e-4);
    assert!((arcgis_default_bandwidth(&points, None).unwrap() - 82.0810).abs() < 1e-4);
}

#[test]
fn pai_and_rri() {
    let t1 = PeriodCounts { in_area: 300.0, total: 1000.0 };
    let t2 = PeriodCounts { in_area: 250.0, total: 900.0 };
    let result = recapture(t1, t2, 5.0, 100.0).unwrap();
    assert!((result.t1.pai - 6.0).abs() < 1e-7);
    assert!((result.t2.pai - 50.0 / 9.0).abs() < 1e-7);
    assert!((result.rri.unwrap() - 25.0 / 27.0).abs() < 1e-7);
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["formula"], RRI_FORMULA);
    assert!((json["rri"].as_f64().unwrap() - 0.9259).abs() < 0.5e-4);
}

#[test]
fn concentration_json_has_a_baseline() {
    let mut counts = vec![0_u64; 100];
    counts[..5].fill(40);
    counts[5..25].fill(1);
    let result = concentration(&counts, &ConcentrationConfig::default());
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["total"], 220);
    assert_eq!(json["top_units"], 5);
    assert_eq!(json["units_for_half"], 3);
    assert_eq!(json["baseline"]["runs"], 99);
    assert_eq!(json["gini_above_chance"], true);
    let lorenz = json["lorenz"].as_array().unwrap();
    assert_eq!(lorenz.first().unwrap()["units"], 0.0);
    assert_eq!(lorenz.last().unwrap()["crime"], 1.0);
}
