//! A base period against a current period, crime type by crime type.
//!
//! [`compare`] takes counts by crime type for two periods (for example the last 12 months
//! against the 12 before) and returns a [`Comparison`]: for each crime type and for the total,
//! the counts, the change, shares, rates per 1,000 residents when the population is known,
//! and the p-value of the exact test of equal monthly rates
//! ([`crate::stats::exact_poisson_comparison`]). A change is a [`Verdict::Rise`] or
//! [`Verdict::Fall`] only when that test is significant; otherwise it is
//! [`Verdict::NoClearChange`], however large the percentage.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::stats::exact_poisson_comparison;

/// Counts by crime type for one period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodCounts {
    /// The period's first month, as `YYYY-MM` (or any label the caller prefers).
    pub from: String,
    /// The period's last month, as `YYYY-MM`.
    pub to: String,
    /// How many months the period covers; should be at least 1 (with 0 the p-values are NaN
    /// and nothing is significant).
    pub months: u32,
    /// Count by crime type. A type missing here counts as 0 if the other period has it.
    pub counts: BTreeMap<String, u64>,
    /// The resident population, when known, for rates per 1,000.
    pub population: Option<u64>,
}

impl PeriodCounts {
    /// The period's total count.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Settings for [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareConfig {
    /// The significance level: a change is significant when its p-value is below this.
    pub alpha: f64,
}

impl Default for CompareConfig {
    /// `alpha` = 0.05, the convention of the Crime Survey for England and Wales.
    fn default() -> CompareConfig {
        CompareConfig { alpha: 0.05 }
    }
}

/// One period's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodTotal {
    /// The period's first month.
    pub from: String,
    /// The period's last month.
    pub to: String,
    /// How many months it covers.
    pub months: u32,
    /// The total count.
    pub total: u64,
    /// The resident population, when known.
    pub population: Option<u64>,
}

/// What a comparison says about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The monthly rate rose, and the test says the rise is larger than chance would explain.
    Rise,
    /// The monthly rate fell, and the test says the fall is larger than chance would explain.
    Fall,
    /// The test cannot tell the change from normal variation (or there was no change).
    NoClearChange,
}

/// One crime type (or the total) in both periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonRow {
    /// The crime type as published, or [`TOTAL`] for the total row.
    pub crime_type: String,
    /// The count in the base period.
    pub base: u64,
    /// The count in the current period.
    pub current: u64,
    /// current − base, in counts. When the periods differ in length, read `change_pct`.
    pub change: i64,
    /// The percentage change in the monthly rate (the count change when the periods are the
    /// same length): 4.2 means +4.2 %. `None` when the base count is 0.
    pub change_pct: Option<f64>,
    /// This row's share of the base period's total, from 0 to 1; `None` when that total is 0.
    pub share_base: Option<f64>,
    /// This row's share of the current period's total, from 0 to 1; `None` when that total
    /// is 0.
    pub share_current: Option<f64>,
    /// Base count per 1,000 residents over the base period, when the population is known.
    pub rate_per_1000_base: Option<f64>,
    /// Current count per 1,000 residents over the current period, when the population is
    /// known.
    pub rate_per_1000_current: Option<f64>,
    /// The two-sided p-value of the exact test of equal monthly rates.
    pub p_value: f64,
    /// Whether `p_value` is below the comparison's `alpha`.
    pub significant: bool,
    /// Rise, fall, or no clear change.
    pub verdict: Verdict,
}

/// The `crime_type` of the total row.
pub const TOTAL: &str = "Total";

/// A base period against a current period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The base (earlier) period.
    pub base: PeriodTotal,
    /// The current (later) period.
    pub current: PeriodTotal,
    /// The significance level used.
    pub alpha: f64,
    /// All crime types together.
    pub total: ComparisonRow,
    /// Every crime type present in either period (zeros included), by current count, largest
    /// first; ties by base count, largest first, then by name.
    pub rows: Vec<ComparisonRow>,
}

/// Compares `current` with `base`; see the module documentation.
pub fn compare(base: &PeriodCounts, current: &PeriodCounts, config: &CompareConfig) -> Comparison {
    let base_total = base.total();
    let current_total = current.total();
    let row = |crime_type: &str, b: u64, c: u64| {
        ComparisonRow {
            crime_type: crime_type.to_string(),
            base: b,
            current: c,
            change: c as i64 - b as i64,
            change_pct: change_pct(b, c, base.months, current.months),
            share_base: share(b, base_total),
            share_current: share(c, current_total),
            rate_per_1000_base: rate_per_1000(b, base.population),
            rate_per_1000_current: rate_per_1000(c, current.population),
            p_value: exact_poisson_comparison(b, c, base.months, current.months),
            significant: false,
            verdict: Verdict::NoClearChange,
        }
        .judged(base.months, current.months, config.alpha)
    };

    let crime_types: BTreeSet<&String> = base.counts.keys().chain(current.counts.keys()).collect();
    let mut rows: Vec<ComparisonRow> = crime_types
        .into_iter()
        .map(|crime_type| {
            let b = base.counts.get(crime_type).copied().unwrap_or(0);
            let c = current.counts.get(crime_type).copied().unwrap_or(0);
            row(crime_type, b, c)
        })
        .collect();
    rows.sort_by(|x, y| {
        y.current
            .cmp(&x.current)
            .then(y.base.cmp(&x.base))
            .then_with(|| x.crime_type.cmp(&y.crime_type))
    });
    Comparison {
        base: period_total(base, base_total),
        current: period_total(current, current_total),
        alpha: config.alpha,
        total: row(TOTAL, base_total, current_total),
        rows,
    }
}

impl ComparisonRow {
    /// Fills in `significant` and `verdict` from the p-value and the monthly rates.
    fn judged(mut self, base_months: u32, current_months: u32, alpha: f64) -> ComparisonRow {
        self.significant = self.p_value < alpha;
        self.verdict = if !self.significant {
            Verdict::NoClearChange
        } else {
            // Compare monthly rates: current / current_months against base / base_months.
            let current_scaled = u128::from(self.current) * u128::from(base_months);
            let base_scaled = u128::from(self.base) * u128::from(current_months);
            match current_scaled.cmp(&base_scaled) {
                std::cmp::Ordering::Greater => Verdict::Rise,
                std::cmp::Ordering::Less => Verdict::Fall,
                std::cmp::Ordering::Equal => Verdict::NoClearChange,
            }
        };
        self
    }
}

fn period_total(period: &PeriodCounts, total: u64) -> PeriodTotal {
    PeriodTotal {
        from: period.from.clone(),
        to: period.to.clone(),
        months: period.months,
        total,
        population: period.population,
    }
}

fn change_pct(base: u64, current: u64, base_months: u32, current_months: u32) -> Option<f64> {
    if base == 0 || base_months == 0 || current_months == 0 {
        return None;
    }
    let base_rate = base as f64 / f64::from(base_months);
    let current_rate = current as f64 / f64::from(current_months);
    Some((current_rate / base_rate - 1.0) * 100.0)
}

fn share(count: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| count as f64 / total as f64)
}

fn rate_per_1000(count: u64, population: Option<u64>) -> Option<f64> {
    population.filter(|&p| p > 0).map(|p| count as f64 * 1000.0 / p as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str, months: u32, counts: &[(&str, u64)]) -> PeriodCounts {
        PeriodCounts {
            from: from.to_string(),
            to: to.to_string(),
            months,
            counts: counts.iter().map(|&(t, n)| (t.to_string(), n)).collect(),
            population: None,
        }
    }

    fn reference() -> Comparison {
        let base = period(
            "2021-01",
            "2021-12",
            12,
            &[
                ("Violence and sexual offences", 1000),
                ("Burglary", 200),
                ("Shoplifting", 16),
                ("Bicycle theft", 7),
            ],
        );
        let current = period(
            "2022-01",
            "2022-12",
            12,
            &[
                ("Violence and sexual offences", 1042),
                ("Burglary", 122),
                ("Shoplifting", 25),
                ("Drugs", 0),
                ("Robbery", 3),
            ],
        );
        compare(&base, &current, &CompareConfig::default())
    }

    #[test]
    fn rows_reference_values_and_order() {
        let c = reference();
        let names: Vec<&str> = c.rows.iter().map(|r| r.crime_type.as_str()).collect();
        assert_eq!(
            names,
            [
                "Violence and sexual offences",
                "Burglary",
                "Shoplifting",
                "Robbery",
                "Bicycle theft",
                "Drugs"
            ]
        );
        let violence = &c.rows[0];
        assert_eq!((violence.base, violence.current, violence.change), (1000, 1042, 42));
        assert!((violence.change_pct.unwrap() - 4.2).abs() < 1e-12);
        assert_eq!((violence.p_value * 1000.0).round(), 364.0);
        assert_eq!((violence.significant, violence.verdict), (false, Verdict::NoClearChange));

        let burglary = &c.rows[1];
        assert_eq!(burglary.change, -78);
        assert_eq!(burglary.change_pct.unwrap().round(), -39.0);
        assert_eq!((burglary.significant, burglary.verdict), (true, Verdict::Fall));

        let shoplifting = &c.rows[2];
        assert_eq!((shoplifting.p_value * 1000.0).round(), 211.0);
        assert_eq!(shoplifting.verdict, Verdict::NoClearChange);

        let robbery = &c.rows[3];
        assert_eq!((robbery.base, robbery.current, robbery.change_pct), (0, 3, None));
        let drugs = &c.rows[5];
        assert_eq!((drugs.base, drugs.current, drugs.p_value), (0, 0, 1.0));

        assert_eq!((c.total.base, c.total.current), (1223, 1192));
        assert_eq!(c.total.crime_type, TOTAL);
        assert_eq!((c.base.total, c.current.total), (1223, 1192));
        let shares: f64 = c.rows.iter().map(|r| r.share_current.unwrap()).sum();
        assert!((shares - 1.0).abs() < 1e-12);
        assert_eq!(c.total.share_current, Some(1.0));
    }

    #[test]
    fn rates_and_unequal_periods() {
        let mut base = period("2021-01", "2021-12", 12, &[("Burglary", 1200)]);
        base.population = Some(167_730);
        let mut current = period("2022-01", "2022-06", 6, &[("Burglary", 600)]);
        current.population = Some(167_730);
        let c = compare(&base, &current, &CompareConfig::default());
        let row = &c.rows[0];
        // Same monthly rate: no change, whatever the raw counts say.
        assert_eq!(row.change_pct, Some(0.0));
        assert_eq!((row.p_value, row.verdict), (1.0, Verdict::NoClearChange));
        assert_eq!(row.change, -600);
        assert!((row.rate_per_1000_base.unwrap() - 1200.0 * 1000.0 / 167_730.0).abs() < 1e-12);
        assert!((row.rate_per_1000_current.unwrap() - 600.0 * 1000.0 / 167_730.0).abs() < 1e-12);
        // A real rise in monthly rate over unequal periods.
        let current = period("2022-01", "2022-06", 6, &[("Burglary", 700)]);
        let row = &compare(&base, &current, &CompareConfig::default()).rows[0];
        assert!((row.change_pct.unwrap() - 100.0 / 6.0).abs() < 1e-9);
        assert_eq!(row.verdict, Verdict::Rise);
    }

    #[test]
    fn alpha_is_configurable_and_zero_months_is_never_significant() {
        let base = period("a", "b", 12, &[("Shoplifting", 16)]);
        let current = period("c", "d", 12, &[("Shoplifting", 25)]);
        let loose = compare(&base, &current, &CompareConfig { alpha: 0.25 });
        assert_eq!(loose.rows[0].verdict, Verdict::Rise);
        let zero = period("c", "d", 0, &[("Shoplifting", 25)]);
        let c = compare(&base, &zero, &CompareConfig::default());
        assert!(c.rows[0].p_value.is_nan());
        assert_eq!((c.rows[0].significant, c.rows[0].change_pct), (false, None));
    }

    #[test]
    fn serialises_with_the_documented_field_names() {
        let json = serde_json::to_value(reference()).unwrap();
        let row = &json["rows"][0];
        for field in
            ["crime_type", "base", "current", "change", "change_pct", "p_value", "significant"]
        {
            assert!(row.get(field).is_some(), "missing {field}");
        }
        assert_eq!(row["verdict"], "no_clear_change");
        assert_eq!(json["rows"][1]["verdict"], "fall");
        assert_eq!(json["rows"][3]["change_pct"], serde_json::Value::Null);
        assert_eq!(json["total"]["crime_type"], "Total");
        assert_eq!(json["base"]["from"], "2021-01");
    }
}
