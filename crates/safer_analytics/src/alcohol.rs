//! Alcohol supply: licensed premises per 1,000 residents by unit (2011 LSOA or ward), with
//! counts by licence type, against IMD 2019 deciles, and the units that meet a documented
//! cumulative-impact rule.
//!
//! # Background
//!
//! Under s.5A of the Licensing Act 2003 (inserted by s.141 of the Policing and Crime Act 2017,
//! in force from 6 April 2018) a licensing authority may publish a *cumulative impact
//! assessment*: a statement that the number of premises licences and club premises
//! certificates in a described part of its area is such that granting more would likely be
//! inconsistent with its duty to promote the licensing objectives (s.4(1)); the assessment
//! must set out its evidence (s.5A(2)) and be consulted on (s.5A(5)). Councils commonly build
//! that evidence from the density of licensed premises and from crime and disorder around
//! them. This module does the counting; the decision, and the drawing of the boundary, are
//! the licensing authority's.
//!
//! # The rule
//!
//! A unit is a *cumulative-impact candidate* when all of these hold ([`CandidateRule`] holds the
//! thresholds; the defaults are in brackets):
//! 1. **Density**: its premises per 1,000 residents is in the top part of the area's units: at
//!    or above the `density_quantile` (0.9, the top tenth) of the units' densities, by the
//!    nearest-rank method over units with residents, and above zero;
//! 2. **Concentration**: it has at least `min_premises` (5) premises or at least `min_late`
//!    (2) premises licensed to sell alcohol after 23:00, so that one pub in a small
//!    population is not a cluster;
//! 3. **Harm**, when harm counts are given: its count of harm rows (by default police.uk
//!    "Violence and sexual offences", "Public order" and "Anti-social behaviour") per 1,000
//!    residents is at least `harm_ratio` (1.5) times the area's rate. Without harm counts the
//!    criterion is not assessed, and the report says the candidates rest on density alone.
//!
//! Densities are counts over residents, not over floor space or visitors: a town centre with
//! few residents and a night-time economy has a high density by design of the measure, which
//! is what a cumulative-impact assessment looks for, but the harm criterion is what ties it to
//! crime and disorder.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

/// One premises, placed in a 2011 LSOA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedPremises {
    /// The 2011 LSOA it lies in.
    pub lsoa11: String,
    /// Licensed for sales for consumption on the premises.
    pub on_sales: bool,
    /// Licensed for sales for consumption off the premises.
    pub off_sales: bool,
    /// Licensed to sell alcohol after 23:00.
    pub late: bool,
}

/// What the analysis knows of one 2011 LSOA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LsoaFacts {
    /// Residents, when known.
    pub population: Option<u64>,
    /// IMD 2019 decile (1 = most deprived tenth), when imported.
    pub imd_decile: Option<u8>,
    /// Harm rows (violence, public order, ASB) in the period, when counted.
    pub harm: Option<u64>,
}

/// A unit to report: an LSOA or a ward, with the 2011 LSOAs it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    /// Its GSS code.
    pub code: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Its 2011 LSOAs.
    pub lsoa11: BTreeSet<String>,
}

/// The thresholds of the cumulative-impact rule (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CandidateRule {
    /// Density criterion: the quantile of unit densities a unit must reach (0.9: top tenth).
    pub density_quantile: f64,
    /// Concentration criterion: at least this many premises …
    pub min_premises: u32,
    /// … or at least this many late licences.
    pub min_late: u32,
    /// Harm criterion: the unit's harm rate must be at least this times the area's.
    pub harm_ratio: f64,
}

impl Default for CandidateRule {
    fn default() -> CandidateRule {
        CandidateRule { density_quantile: 0.9, min_premises: 5, min_late: 2, harm_ratio: 1.5 }
    }
}

impl CandidateRule {
    /// The rule in plain English, with its thresholds; `harm_assessed` says whether harm counts
    /// were given.
    pub fn describe(&self, harm_assessed: bool, harm_what: &str) -> String {
        let mut text = format!(
            "a unit is a cumulative-impact candidate when its premises per 1,000 residents is in \
             the top {} of the area's units (at or above the {} percentile, nearest rank) and it \
             has at least {} premises or at least {} late licences (alcohol after 23:00)",
            share_words(self.density_quantile),
            ordinal((self.density_quantile * 100.0).round() as u32),
            self.min_premises,
            self.min_late
        );
        if harm_assessed {
            text.push_str(&format!(
                ", and its rate of {harm_what} per 1,000 residents is at least {} times the area's",
                trim_float(self.harm_ratio)
            ));
        } else {
            text.push_str(
                "; harm (violence, public order and anti-social behaviour) was not assessed, so \
                 these candidates rest on density alone",
            );
        }
        text
    }
}

/// Counts by licence type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LicenceCounts {
    /// All premises.
    pub premises: u32,
    /// On-sales only.
    pub on_only: u32,
    /// Off-sales only.
    pub off_only: u32,
    /// Both on- and off-sales.
    pub both: u32,
    /// Licensed to sell alcohol after 23:00.
    pub late: u32,
}

impl LicenceCounts {
    fn add(&mut self, premises: &PlacedPremises) {
        self.premises += 1;
        match (premises.on_sales, premises.off_sales) {
            (true, true) => self.both += 1,
            (true, false) => self.on_only += 1,
            (false, true) => self.off_only += 1,
            (false, false) => {}
        }
        if premises.late {
            self.late += 1;
        }
    }
}

/// One unit's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRow {
    /// Its GSS code.
    pub code: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Residents, when every one of its LSOAs has a figure.
    pub population: Option<u64>,
    /// Premises by licence type.
    pub counts: LicenceCounts,
    /// Premises per 1,000 residents.
    pub per_1000: Option<f64>,
    /// Late licences per 1,000 residents.
    pub late_per_1000: Option<f64>,
    /// An LSOA's IMD decile; for a ward, the decile when all its LSOAs share one.
    pub imd_decile: Option<u8>,
    /// The most and least deprived deciles of its LSOAs (equal for an LSOA).
    pub imd_decile_range: Option<[u8; 2]>,
    /// The residents-weighted mean decile of its LSOAs.
    pub imd_decile_mean: Option<f64>,
    /// Harm rows in the period, when counted.
    pub harm: Option<u64>,
    /// Harm rows per 1,000 residents.
    pub harm_per_1000: Option<f64>,
    /// Criterion 1 (density) holds.
    pub dense: bool,
    /// Criterion 2 (concentration) holds.
    pub concentrated: bool,
    /// Criterion 3 (harm), or `None` when not assessed.
    pub harmful: Option<bool>,
    /// Every assessed criterion holds.
    pub candidate: bool,
}

/// Premises density by IMD decile, over the area's LSOAs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecileRow {
    /// The decile (1 = most deprived tenth of England).
    pub decile: u8,
    /// LSOAs of the area in it.
    pub n_lsoas: u32,
    /// Their residents (those with a figure).
    pub population: u64,
    /// Premises in them.
    pub counts: LicenceCounts,
    /// Premises per 1,000 residents.
    pub per_1000: Option<f64>,
}

/// The analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlcoholReport {
    /// The units, densest first (units without residents last), then by code.
    pub units: Vec<UnitRow>,
    /// Density by IMD decile, deciles 1 to 10 that hold LSOAs of the area.
    pub by_decile: Vec<DecileRow>,
    /// LSOAs of the area without an IMD decile.
    pub n_lsoas_without_decile: u32,
    /// The whole area's counts.
    pub total: LicenceCounts,
    /// Its residents, over units with a population.
    pub population: u64,
    /// Its premises per 1,000 residents.
    pub per_1000: Option<f64>,
    /// The density a unit needs for criterion 1.
    pub density_threshold: Option<f64>,
    /// The area's harm rate per 1,000 (criterion 3's reference), when harm was counted.
    pub harm_per_1000: Option<f64>,
    /// The thresholds.
    pub rule: CandidateRule,
    /// The codes of the candidate units, in the order of `units`.
    pub candidates: Vec<String>,
}

/// Counts premises by unit and IMD decile and applies `rule`. Premises in LSOAs outside every
/// unit are ignored (the caller counts them). Harm is assessed when every LSOA of the units
/// has a harm count.
pub fn analyse(
    units: &[UnitSpec],
    lsoas: &HashMap<String, LsoaFacts>,
    premises: &[PlacedPremises],
    rule: &CandidateRule,
) -> AlcoholReport {
    let mut by_lsoa: HashMap<&str, LicenceCounts> = HashMap::new();
    for p in premises {
        by_lsoa.entry(p.lsoa11.as_str()).or_default().add(p);
    }
    let facts = |lsoa: &str| lsoas.get(lsoa).copied().unwrap_or_default();
    let all_lsoas: BTreeSet<&str> =
        units.iter().flat_map(|unit| unit.lsoa11.iter().map(String::as_str)).collect();
    let harm_assessed = !all_lsoas.is_empty() && all_lsoas.iter().all(|l| facts(l).harm.is_some());

    let mut rows: Vec<UnitRow> = units
        .iter()
        .map(|unit| {
            let mut counts = LicenceCounts::default();
            let mut population = Some(0u64);
            let mut harm = harm_assessed.then_some(0u64);
            let mut deciles = Vec::new();
            for lsoa in &unit.lsoa11 {
                let lsoa_counts = by_lsoa.get(lsoa.as_str()).copied().unwrap_or_default();
                counts.premises += lsoa_counts.premises;
                counts.on_only += lsoa_counts.on_only;
                counts.off_only += lsoa_counts.off_only;
                counts.both += lsoa_counts.both;
                counts.late += lsoa_counts.late;
                let f = facts(lsoa);
                population = population.zip(f.population).map(|(a, b)| a + b);
                harm = harm.zip(f.harm).map(|(a, b)| a + b);
                if let Some(decile) = f.imd_decile {
                    deciles.push((decile, f.population.unwrap_or(0)));
                }
            }
            let population = population.filter(|_| !unit.lsoa11.is_empty());
            let rate = |n: u64| per_1000(n, population);
            let complete = !deciles.is_empty() && deciles.len() == unit.lsoa11.len();
            let range = complete.then(|| {
                let min = deciles.iter().map(|d| d.0).min().unwrap_or(0);
                let max = deciles.iter().map(|d| d.0).max().unwrap_or(0);
                [min, max]
            });
            let weight: u64 = deciles.iter().map(|d| d.1).sum();
            let mean = (complete && weight > 0).then(|| {
                deciles.iter().map(|&(d, w)| f64::from(d) * w as f64).sum::<f64>() / weight as f64
            });
            UnitRow {
                code: unit.code.clone(),
                name: unit.name.clone(),
                population,
                counts,
                per_1000: rate(u64::from(counts.premises)),
                late_per_1000: rate(u64::from(counts.late)),
                imd_decile: range.filter(|[min, max]| min == max).map(|[min, _]| min),
                imd_decile_range: range,
                imd_decile_mean: mean,
                harm,
                harm_per_1000: harm.and_then(rate),
                dense: false,
                concentrated: counts.premises >= rule.min_premises || counts.late >= rule.min_late,
                harmful: None,
                candidate: false,
            }
        })
        .collect();

    // Criterion 1: the nearest-rank quantile of the densities of units with residents.
    let mut densities: Vec<f64> = rows.iter().filter_map(|row| row.per_1000).collect();
    densities.sort_by(f64::total_cmp);
    let density_threshold = (!densities.is_empty()).then(|| {
        let rank = (rule.density_quantile.clamp(0.0, 1.0) * densities.len() as f64).ceil() as usize;
        densities[rank.clamp(1, densities.len()) - 1]
    });

    let mut total = LicenceCounts::default();
    let mut population = 0u64;
    let mut harm_total = 0u64;
    for row in &rows {
        total.premises += row.counts.premises;
        total.on_only += row.counts.on_only;
        total.off_only += row.counts.off_only;
        total.both += row.counts.both;
        total.late += row.counts.late;
        if let Some(n) = row.population {
            population += n;
            harm_total += row.harm.unwrap_or(0);
        }
    }
    let area_per_1000 = per_1000(u64::from(total.premises), Some(population));
    let harm_per_1000 = if harm_assessed { per_1000(harm_total, Some(population)) } else { None };

    for row in &mut rows {
        row.dense = match (row.per_1000, density_threshold) {
            (Some(density), Some(threshold)) => density > 0.0 && density >= threshold,
            _ => false,
        };
        row.harmful = harm_per_1000.map(|reference| {
            row.harm_per_1000.is_some_and(|rate| rate > 0.0 && rate >= rule.harm_ratio * reference)
        });
        row.candidate = row.dense && row.concentrated && row.harmful.unwrap_or(true);
    }
    rows.sort_by(|a, b| {
        let key = |row: &UnitRow| row.per_1000.unwrap_or(f64::NEG_INFINITY);
        key(b).total_cmp(&key(a)).then_with(|| a.code.cmp(&b.code))
    });
    let candidates = rows.iter().filter(|row| row.candidate).map(|row| row.code.clone()).collect();

    // By decile, over the area's LSOAs.
    let mut deciles: BTreeMap<u8, DecileRow> = BTreeMap::new();
    let mut n_lsoas_without_decile = 0;
    for lsoa in &all_lsoas {
        let f = facts(lsoa);
        let Some(decile) = f.imd_decile else {
            n_lsoas_without_decile += 1;
            continue;
        };
        let row = deciles.entry(decile).or_insert(DecileRow {
            decile,
            n_lsoas: 0,
            population: 0,
            counts: LicenceCounts::default(),
            per_1000: None,
        });
        row.n_lsoas += 1;
        row.population += f.population.unwrap_or(0);
        let c = by_lsoa.get(lsoa).copied().unwrap_or_default();
        row.counts.premises += c.premises;
        row.counts.on_only += c.on_only;
        row.counts.off_only += c.off_only;
        row.counts.both += c.both;
        row.counts.late += c.late;
    }
    let by_decile = deciles
        .into_values()
        .map(|mut row| {
            row.per_1000 = per_1000(u64::from(row.counts.premises), Some(row.population));
            row
        })
        .collect();

    AlcoholReport {
        units: rows,
        by_decile,
        n_lsoas_without_decile,
        total,
        population,
        per_1000: area_per_1000,
        density_threshold,
        harm_per_1000,
        rule: *rule,
        candidates,
    }
}

/// `n` per 1,000 of `population`; `None` without a positive population.
fn per_1000(n: u64, population: Option<u64>) -> Option<f64> {
    population.filter(|&p| p > 0).map(|p| n as f64 * 1000.0 / p as f64)
}

fn share_words(quantile: f64) -> String {
    let top = 1.0 - quantile;
    if (top - 0.1).abs() < 1e-9 {
        "tenth".to_string()
    } else if (top - 0.2).abs() < 1e-9 {
        "fifth".to_string()
    } else if (top - 0.25).abs() < 1e-9 {
        "quarter".to_string()
    } else {
        format!("{}%", trim_float(top * 100.0))
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn trim_float(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn premises(lsoa: &str, licence: &str, late: bool) -> PlacedPremises {
        PlacedPremises {
            lsoa11: lsoa.to_string(),
            on_sales: licence != "off",
            off_sales: licence != "on",
            late,
        }
    }

    fn unit(code: &str, lsoas: &[&str]) -> UnitSpec {
        UnitSpec {
            code: code.to_string(),
            name: None,
            lsoa11: lsoas.iter().map(|l| l.to_string()).collect(),
        }
    }

    /// Ten LSOAs of 1,000 residents, deciles 1..=10; L0 has 6 premises (2 late), L1 has 3 (2
    /// late), L2 has 1, the rest none.
    fn fixture(
        harm: Option<[u64; 10]>,
    ) -> (Vec<UnitSpec>, HashMap<String, LsoaFacts>, Vec<PlacedPremises>) {
        let codes: Vec<String> = (0..10).map(|i| format!("L{i}")).collect();
        let units = codes.iter().map(|c| unit(c, &[c])).collect();
        let facts = codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let f = LsoaFacts {
                    population: Some(1000),
                    imd_decile: Some(i as u8 + 1),
                    harm: harm.map(|h| h[i]),
                };
                (c.clone(), f)
            })
            .collect();
        let mut list = Vec::new();
        for (licence, late) in [
            ("on", true),
            ("on", true),
            ("off", false),
            ("both", false),
            ("on", false),
            ("off", false),
        ] {
            list.push(premises("L0", licence, late));
        }
        for (licence, late) in [("on", true), ("both", true), ("off", false)] {
            list.push(premises("L1", licence, late));
        }
        list.push(premises("L2", "off", false));
        list.push(premises("ELSEWHERE", "on", true));
        (units, facts, list)
    }

    #[test]
    fn densities_counts_deciles_and_the_rule_without_harm() {
        let (units, facts, premises) = fixture(None);
        let rule = CandidateRule { density_quantile: 0.8, ..CandidateRule::default() };
        let report = analyse(&units, &facts, &premises, &rule);
        let first = &report.units[0];
        assert_eq!(first.code, "L0");
        assert_eq!(
            first.counts,
            LicenceCounts { premises: 6, on_only: 3, off_only: 2, both: 1, late: 2 }
        );
        assert_eq!(first.per_1000, Some(6.0));
        assert_eq!(first.late_per_1000, Some(2.0));
        assert_eq!((first.imd_decile, first.imd_decile_range), (Some(1), Some([1, 1])));
        // Nearest rank: ceil(0.8 × 10) = 8th smallest of [0 ×7, 1, 3, 6] is 1.
        assert_eq!(report.density_threshold, Some(1.0));
        let dense: Vec<&str> =
            report.units.iter().filter(|u| u.dense).map(|u| u.code.as_str()).collect();
        assert_eq!(dense, ["L0", "L1", "L2"]);
        // L2 is dense but has one premises and no late licence.
        assert_eq!(report.candidates, ["L0", "L1"]);
        assert!(report.units.iter().all(|u| u.harmful.is_none()));
        assert_eq!(report.total.premises, 10, "premises outside every unit are not counted");
        assert_eq!(report.population, 10_000);
        assert_eq!(report.per_1000, Some(1.0));
        assert_eq!(report.by_decile.len(), 10);
        assert_eq!(report.by_decile[1].counts.premises, 3);
        assert_eq!(report.by_decile[1].per_1000, Some(3.0));
        assert!(rule.describe(false, "").contains("top fifth"));
        assert!(rule.describe(false, "").contains("80th percentile"));
        assert!(rule.describe(false, "").contains("not assessed"));
    }

    #[test]
    fn harm_narrows_the_candidates() {
        // Area harm: 100 per 10,000 residents = 10 per 1,000; 1.5 × 10 = 15 needed.
        let (units, facts, premises) = fixture(Some([40, 14, 30, 2, 2, 2, 2, 2, 3, 3]));
        let rule = CandidateRule { density_quantile: 0.8, ..CandidateRule::default() };
        let report = analyse(&units, &facts, &premises, &rule);
        assert_eq!(report.harm_per_1000, Some(10.0));
        assert_eq!(report.candidates, ["L0"], "L1 has 14 per 1,000, under 15");
        let l2 = report.units.iter().find(|u| u.code == "L2").unwrap();
        assert_eq!((l2.harmful, l2.candidate), (Some(true), false));
        assert!(rule.describe(true, "violence").contains("at least 1.5 times the area's"));
    }

    #[test]
    fn wards_sum_their_lsoas_and_weight_deciles_by_residents() {
        let (_, mut facts, premises) = fixture(None);
        facts.get_mut("L1").unwrap().population = Some(3000);
        let wards =
            vec![unit("W1", &["L0", "L1"]), unit("W2", &["L2", "L3", "L4"]), unit("W3", &[])];
        let report = analyse(&wards, &facts, &premises, &CandidateRule::default());
        let w1 = report.units.iter().find(|u| u.code == "W1").unwrap();
        assert_eq!(w1.population, Some(4000));
        assert_eq!(w1.counts.premises, 9);
        assert_eq!(w1.per_1000, Some(2.25));
        assert_eq!(w1.imd_decile, None);
        assert_eq!(w1.imd_decile_range, Some([1, 2]));
        assert_eq!(w1.imd_decile_mean, Some((1.0 * 1000.0 + 2.0 * 3000.0) / 4000.0));
        let w3 = report.units.last().unwrap();
        assert_eq!((w3.code.as_str(), w3.population, w3.per_1000), ("W3", None, None));
        // Top tenth of two densities (2.25 and 1/3): the higher one.
        assert_eq!(report.density_threshold, Some(2.25));
        assert_eq!(report.candidates, ["W1"]);
    }
}
