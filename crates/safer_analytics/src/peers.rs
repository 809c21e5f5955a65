//! Rates per 1,000 residents for an area and its peers, against a reference (the county or
//! force area average), with exact Poisson intervals and funnel-plot limits.
//!
//! For each area: the rate is count ÷ population × 1,000 over the period; its 95 % interval is
//! the exact (Garwood) interval of the count ([`crate::stats::exact_poisson_ci`]) divided the
//! same way; the funnel limits are the 95 % and 99.8 % Poisson limits around the count the
//! reference rate would give an area of that population ([`crate::stats::funnel_limits`],
//! Spiegelhalter 2005), also as rates. An area is *above* or *below* only outside a limit: a
//! rate inside the funnel is what chance gives areas of that size, however it ranks.

use serde::Serialize;

use crate::stats::{exact_poisson_ci, funnel_limits};

/// One area's count and population, as handed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaCount {
    /// The area's selector, such as `lad:E07000110`.
    pub area: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Rows in the period.
    pub count: u64,
    /// Residents.
    pub population: u64,
}

/// Where an area's count falls on the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelPosition {
    /// Above the 99.8 % upper limit.
    Above998,
    /// Above the 95 % upper limit, inside the 99.8 % one.
    Above95,
    /// Inside the 95 % limits.
    Within,
    /// Below the 95 % lower limit, inside the 99.8 % one.
    Below95,
    /// Below the 99.8 % lower limit.
    Below998,
}

impl FunnelPosition {
    /// Plain words for tables and findings.
    pub fn describe(self) -> &'static str {
        match self {
            FunnelPosition::Above998 => "well above the average (outside 99.8% limits)",
            FunnelPosition::Above95 => "above the average (outside 95% limits)",
            FunnelPosition::Within => "in line with the average",
            FunnelPosition::Below95 => "below the average (outside 95% limits)",
            FunnelPosition::Below998 => "well below the average (outside 99.8% limits)",
        }
    }
}

/// One area's rate against the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaRate {
    /// The area's selector.
    pub area: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Rows in the period.
    pub count: u64,
    /// Residents.
    pub population: u64,
    /// count ÷ population × 1,000.
    pub rate_per_1000: f64,
    /// The rate's exact 95 % interval, lower end.
    pub ci95_lower: f64,
    /// The rate's exact 95 % interval, upper end.
    pub ci95_upper: f64,
    /// The reference rate times the population: the count expected if the area were average.
    pub expected: f64,
    /// Funnel limits as rates per 1,000: 95 % lower, 95 % upper, 99.8 % lower, 99.8 % upper.
    pub funnel_95: [f64; 2],
    /// The 99.8 % funnel limits as rates per 1,000, lower and upper.
    pub funnel_998: [f64; 2],
    /// Where the count falls.
    pub position: FunnelPosition,
}

/// Areas against a reference rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerRates {
    /// The reference: its selector or description, count, population and rate.
    pub reference: AreaRate,
    /// The areas, in the order given.
    pub areas: Vec<AreaRate>,
}

/// Rates for `areas` against the rate of `reference`; see the module documentation. Areas with
/// no residents get NaN rates and are placed [`FunnelPosition::Within`].
pub fn peer_rates(reference: &AreaCount, areas: &[AreaCount]) -> PeerRates {
    let reference_rate = rate(reference.count, reference.population);
    let rate_of = |area: &AreaCount| {
        let per = |count: f64| count / area.population as f64 * 1000.0;
        let ci = exact_poisson_ci(area.count, 0.95);
        let expected = reference_rate / 1000.0 * area.population as f64;
        let limits = funnel_limits(expected);
        let count = area.count as f64;
        let position = if area.population == 0 {
            FunnelPosition::Within
        } else if count > limits.upper_998 {
            FunnelPosition::Above998
        } else if count > limits.upper_95 {
            FunnelPosition::Above95
        } else if count < limits.lower_998 {
            FunnelPosition::Below998
        } else if count < limits.lower_95 {
            FunnelPosition::Below95
        } else {
            FunnelPosition::Within
        };
        AreaRate {
            area: area.area.clone(),
            name: area.name.clone(),
            count: area.count,
            population: area.population,
            rate_per_1000: rate(area.count, area.population),
            ci95_lower: per(ci.lower),
            ci95_upper: per(ci.upper),
            expected,
            funnel_95: [per(limits.lower_95), per(limits.upper_95)],
            funnel_998: [per(limits.lower_998), per(limits.upper_998)],
            position,
        }
    };
    PeerRates { reference: rate_of(reference), areas: areas.iter().map(rate_of).collect() }
}

/// count ÷ population × 1,000; NaN without residents.
pub fn rate(count: u64, population: u64) -> f64 {
    if population == 0 {
        f64::NAN
    } else {
        count as f64 / population as f64 * 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(name: &str, count: u64, population: u64) -> AreaCount {
        AreaCount { area: name.to_string(), name: None, count, population }
    }

    #[test]
    fn positions_follow_the_funnel() {
        // Reference: 100 per 1,000. An area of 10,000 expects 1,000 rows; the 99.8 % limits
        // are about ±3.1 standard deviations (±98).
        let reference = area("county", 100_000, 1_000_000);
        let rates = peer_rates(
            &reference,
            &[
                area("same", 1_000, 10_000),
                area("a bit high", 1_070, 10_000),
                area("very high", 1_200, 10_000),
                area("a bit low", 930, 10_000),
                area("very low", 800, 10_000),
                area("empty", 0, 0),
            ],
        );
        let positions: Vec<FunnelPosition> = rates.areas.iter().map(|a| a.position).collect();
        assert_eq!(
            positions,
            [
                FunnelPosition::Within,
                FunnelPosition::Above95,
                FunnelPosition::Above998,
                FunnelPosition::Below95,
                FunnelPosition::Below998,
                FunnelPosition::Within,
            ]
        );
        let same = &rates.areas[0];
        assert!((same.rate_per_1000 - 100.0).abs() < 1e-12);
        assert!((same.expected - 1000.0).abs() < 1e-9);
        // The funnel narrows with population: the reference itself sits inside its own.
        assert_eq!(rates.reference.position, FunnelPosition::Within);
        assert!(rates.reference.funnel_95[1] - 100.0 < same.funnel_95[1] - 100.0);
        assert!(rates.areas[5].rate_per_1000.is_nan());
    }

    #[test]
    fn intervals_are_the_exact_ones_scaled() {
        // ANALYTICS.md §2.9: O = 100 gives 81.36–121.63; per 1,000 of 50,000 residents.
        let rates = peer_rates(&area("county", 100, 50_000), &[area("a", 100, 50_000)]);
        let a = &rates.areas[0];
        assert!((a.rate_per_1000 - 2.0).abs() < 1e-12);
        assert!((a.ci95_lower - 81.36 / 50.0).abs() < 1e-3, "{}", a.ci95_lower);
        assert!((a.ci95_upper - 121.63 / 50.0).abs() < 1e-3, "{}", a.ci95_upper);
    }
}
