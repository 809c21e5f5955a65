//! Is a change real? Tests and intervals for counts (ANALYTICS.md §2.9).
//!
//! Recorded crime counts are treated as Poisson. Two periods are compared with the exact
//! conditional test ([`exact_poisson_comparison`]): given the total n = base + current, the
//! current count is Binomial(n, p) under the hypothesis of equal monthly rates, with p the
//! current period's share of the months. The normal approximation and Wheeler's statistic are
//! here for comparison with other tools; the exact test is the one to report. A count's own
//! uncertainty is its exact Poisson interval ([`exact_poisson_ci`], or Byar's approximation),
//! and funnel plots use [`funnel_limits`].

pub mod special;

use serde::Serialize;

use special::{binomial_pmf, gamma_quantile, normal_quantile, poisson_cdf};

/// The relative tolerance R's `binom.test` and SciPy's `binomtest` allow when deciding which
/// outcomes are "as or less likely" than the one observed.
const RELATIVE_ERROR: f64 = 1e-7;

/// The two-sided p-value of the exact conditional test that two Poisson counts have the same
/// monthly rate: `base` over `base_months`, `current` over `current_months`.
///
/// Given n = base + current, current ~ Binomial(n, p) with p = current_months /
/// (base_months + current_months). The p-value is the probability of every outcome no more
/// likely than the one observed ([`binomial_test_two_sided`]), as R's `binom.test` and SciPy's
/// `binomtest` define it. Reference values (ANALYTICS.md §2.9, equal periods): 1000 → 1042
/// gives 0.364; 16 → 25 gives 0.211; 200 → 122 gives less than 1e-6.
///
/// Returns 1 when both counts are 0, and NaN when either period has no months.
pub fn exact_poisson_comparison(
    base: u64,
    current: u64,
    base_months: u32,
    current_months: u32,
) -> f64 {
    if base_months == 0 || current_months == 0 {
        return f64::NAN;
    }
    let p = f64::from(current_months) / (f64::from(base_months) + f64::from(current_months));
    binomial_test_two_sided(current, base + current, p)
}

/// The two-sided exact binomial test of k successes in n trials against success probability
/// p: the sum of P(X = i) over every i with P(X = i) ≤ P(X = k) · (1 + 1e-7), capped at 1.
///
/// Matches SciPy's `binomtest(k, n, p).pvalue` (and R's `binom.test`) to about 1e-13: the
/// densities are Loader's (see [`special`]), the tail beyond the observed count and the tail
/// beyond the matching count on the other side of the mode are summed term by term outward
/// until the terms no longer change the sum, and the other side's boundary is found by binary
/// search, as SciPy does. Returns 1 for n = 0 and NaN unless 0 ≤ p ≤ 1 and k ≤ n.
pub fn binomial_test_two_sided(k: u64, n: u64, p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || k > n {
        return f64::NAN;
    }
    if n == 0 {
        return 1.0;
    }
    let pmf = |i: u64| binomial_pmf(i, n, p);
    let threshold = pmf(k) * (1.0 + RELATIVE_ERROR);
    let expected = p * n as f64;
    let k_f = k as f64;
    if k_f == expected {
        return 1.0;
    }
    let total = if k_f < expected {
        // Observed in the lower tail: all of 0..=k, plus the upper outcomes from the first
        // one (at or above the mean, where the density falls) that is no more likely.
        let lower = sum_down_from(k, &pmf);
        let first = first_at_most(expected.ceil() as u64, n, threshold, &pmf);
        lower + first.map_or(0.0, |first| sum_up_from(first, n, &pmf))
    } else {
        // Observed in the upper tail: all of k..=n, plus the lower outcomes up to the last
        // one (at or below the mean, where the density rises) that is no more likely.
        let upper = sum_up_from(k, n, &pmf);
        let last = last_at_most(expected.floor() as u64, threshold, &pmf);
        upper + last.map_or(0.0, |last| sum_down_from(last, &pmf))
    };
    total.min(1.0)
}

/// Σ pmf(i) for i = from, from − 1, …, 0, stopping once the terms no longer change the sum
/// (the density only falls in that direction here).
fn sum_down_from(from: u64, pmf: &impl Fn(u64) -> f64) -> f64 {
    let mut sum = 0.0;
    let mut i = from;
    loop {
        let term = pmf(i);
        sum += term;
        if i == 0 || term <= sum * 1e-17 {
            return sum;
        }
        i -= 1;
    }
}

/// Σ pmf(i) for i = from, from + 1, …, n, stopping once the terms no longer change the sum.
fn sum_up_from(from: u64, n: u64, pmf: &impl Fn(u64) -> f64) -> f64 {
    let mut sum = 0.0;
    for i in from..=n {
        let term = pmf(i);
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The smallest i in lo..=hi with pmf(i) ≤ threshold, where pmf falls on lo..=hi.
fn first_at_most(lo: u64, hi: u64, threshold: f64, pmf: &impl Fn(u64) -> f64) -> Option<u64> {
    if lo > hi || pmf(hi) > threshold {
        return None;
    }
    let (mut lo, mut hi) = (lo, hi);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pmf(mid) <= threshold {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// The largest i in 0..=hi with pmf(i) ≤ threshold, where pmf rises on 0..=hi.
fn last_at_most(hi: u64, threshold: f64, pmf: &impl Fn(u64) -> f64) -> Option<u64> {
    if pmf(0) > threshold {
        return None;
    }
    let (mut lo, mut hi) = (0, hi);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if pmf(mid) <= threshold {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(lo)
}

/// The normal approximation to the comparison of two counts over equal periods:
/// z = (current − base) / √(current + base). 0 when both are 0.
pub fn normal_approx_z(base: u64, current: u64) -> f64 {
    if base + current == 0 {
        return 0.0;
    }
    (current as f64 - base as f64) / ((current + base) as f64).sqrt()
}

/// Wheeler's statistic Z = 2(√current − √base), which treats `base` as a known long-run mean.
/// ANALYTICS.md §2.9: 1000 → 1042 gives 1.3145, 16 → 25 gives 2.0, 200 → 122 gives −6.19.
pub fn wheeler_z(base: u64, current: u64) -> f64 {
    2.0 * ((current as f64).sqrt() - (base as f64).sqrt())
}

pub use special::two_sided_normal_p;

/// A confidence interval for a Poisson mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PoissonCi {
    /// The lower limit.
    pub lower: f64,
    /// The upper limit.
    pub upper: f64,
}

/// The exact (Garwood) confidence interval for the mean of a Poisson count `observed`, at
/// `confidence` (for example 0.95): [χ²(α/2, 2O)/2, χ²(1 − α/2, 2O + 2)/2], with a lower
/// limit of 0 when O = 0. ANALYTICS.md §2.9: O = 100 gives 81.36–121.63; O = 10 gives
/// 4.795–18.390.
pub fn exact_poisson_ci(observed: u64, confidence: f64) -> PoissonCi {
    let alpha = 1.0 - confidence;
    let o = observed as f64;
    let lower = if observed == 0 { 0.0 } else { gamma_quantile(o, alpha / 2.0) };
    PoissonCi { lower, upper: gamma_quantile(o + 1.0, 1.0 - alpha / 2.0) }
}

/// Byar's approximation to [`exact_poisson_ci`]:
/// O(1 − 1/(9O) − z/(3√O))³ to (O + 1)(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³.
/// ANALYTICS.md §2.9: O = 100 gives 81.362–121.628.
pub fn byar_ci(observed: u64, confidence: f64) -> PoissonCi {
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let o = observed as f64;
    let lower = if observed == 0 {
        0.0
    } else {
        o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * o.sqrt())).powi(3)
    };
    let o1 = o + 1.0;
    let upper = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt())).powi(3);
    PoissonCi { lower, upper }
}

/// Funnel-plot control limits for a count whose expected value is `expected` (a target rate
/// times the unit's population): 95 % and 99.8 % limits, in counts.
///
/// Each limit is the Poisson quantile with Spiegelhalter's interpolation ("Funnel plots for
/// comparing institutional performance", 2005, appendix A.1.2): with r the smallest count
/// whose distribution function F(r) reaches the level q, the limit is r − (F(r) − q) /
/// (F(r) − F(r − 1)), floored at 0. Divide by the population to plot rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FunnelLimits {
    /// The expected count the limits are drawn around.
    pub expected: f64,
    /// The lower 95 % limit (2.5 % quantile).
    pub lower_95: f64,
    /// The upper 95 % limit (97.5 % quantile).
    pub upper_95: f64,
    /// The lower 99.8 % limit (0.1 % quantile).
    pub lower_998: f64,
    /// The upper 99.8 % limit (99.9 % quantile).
    pub upper_998: f64,
}

/// The funnel-plot limits around `expected`; see [`FunnelLimits`]. NaN limits for a negative
/// or non-finite `expected`; all limits are 0 when `expected` is 0.
pub fn funnel_limits(expected: f64) -> FunnelLimits {
    FunnelLimits {
        expected,
        lower_95: poisson_limit(expected, 0.025),
        upper_95: poisson_limit(expected, 0.975),
        lower_998: poisson_limit(expected, 0.001),
        upper_998: poisson_limit(expected, 0.999),
    }
}

/// Spiegelhalter's interpolated Poisson q-quantile.
pub fn poisson_limit(expected: f64, q: f64) -> f64 {
    if !expected.is_finite() || expected < 0.0 || !(0.0..1.0).contains(&q) {
        return f64::NAN;
    }
    if expected == 0.0 {
        return 0.0;
    }
    let cdf = |r: u64| poisson_cdf(r, expected);
    // Start near the normal approximation and walk to the smallest r with F(r) ≥ q.
    let guess = expected + normal_quantile(q) * expected.sqrt();
    let mut r = guess.max(0.0).floor() as u64;
    while cdf(r) < q {
        r += 1;
    }
    while r > 0 && cdf(r - 1) >= q {
        r -= 1;
    }
    let f_r = cdf(r);
    let f_below = if r == 0 { 0.0 } else { cdf(r - 1) };
    (r as f64 - (f_r - q) / (f_r - f_below)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_to(x: f64, places: i32) -> f64 {
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    }

    #[test]
    fn exact_comparison_reference_values() {
        assert_eq!(round_to(exact_poisson_comparison(1000, 1042, 12, 12), 3), 0.364);
        assert_eq!(round_to(exact_poisson_comparison(16, 25, 12, 12), 3), 0.211);
        // ANALYTICS.md §2.9 gives "p < 1e−6" for 200 → 122, but that is the p-value of
        // Wheeler's Z = −6.19 (below). The exact conditional test gives 1.6267e-5, as SciPy's
        // binomtest(122, 322, 0.5) does: still far below 0.05.
        let p = exact_poisson_comparison(200, 122, 12, 12);
        assert!((p - 1.626_715_683_581_535e-5).abs() < 1e-15, "{p:e}");
        assert!(two_sided_normal_p(wheeler_z(200, 122)) < 1e-6);
        assert_eq!(exact_poisson_comparison(0, 0, 12, 12), 1.0);
        assert_eq!(exact_poisson_comparison(5, 5, 12, 12), 1.0);
        assert!(exact_poisson_comparison(5, 5, 0, 12).is_nan());
        // Symmetric for equal periods.
        assert_eq!(exact_poisson_comparison(25, 16, 6, 6), exact_poisson_comparison(16, 25, 6, 6));
        // Unequal periods: 12 months at 100 a month against 6 months at 100 a month is no change.
        assert_eq!(exact_poisson_comparison(1200, 600, 12, 6), 1.0);
    }

    #[test]
    fn binomial_test_small_cases_by_hand() {
        // n = 2, p = ½: pmf = ¼, ½, ¼. k = 0 → ¼ + ¼.
        assert!((binomial_test_two_sided(0, 2, 0.5) - 0.5).abs() < 1e-15);
        // n = 3, p = ¼: pmf = 27, 27, 9, 1 (/64). k = 2 → (9 + 1) / 64.
        assert!((binomial_test_two_sided(2, 3, 0.25) - 10.0 / 64.0).abs() < 1e-15);
        // k = 0 with pmf(0) = pmf(1) (the rerr tie) → everything.
        assert!((binomial_test_two_sided(0, 3, 0.25) - 1.0).abs() < 1e-15);
        assert!((binomial_test_two_sided(3, 3, 0.25) - 1.0 / 64.0).abs() < 1e-15);
        assert!(binomial_test_two_sided(4, 3, 0.25).is_nan());
    }

    #[test]
    fn z_statistics() {
        assert_eq!(round_to(wheeler_z(1000, 1042), 4), 1.3145);
        assert_eq!(round_to(wheeler_z(16, 25), 4), 2.0);
        assert_eq!(round_to(wheeler_z(200, 122), 2), -6.19);
        assert_eq!(round_to(normal_approx_z(16, 25), 4), round_to(9.0 / 41f64.sqrt(), 4));
        assert_eq!(normal_approx_z(0, 0), 0.0);
        assert_eq!(round_to(two_sided_normal_p(wheeler_z(16, 25)), 3), 0.046);
    }

    #[test]
    fn poisson_intervals_reference_values() {
        let ci = exact_poisson_ci(100, 0.95);
        assert_eq!((round_to(ci.lower, 2), round_to(ci.upper, 2)), (81.36, 121.63));
        let ci = exact_poisson_ci(10, 0.95);
        assert_eq!((round_to(ci.lower, 3), round_to(ci.upper, 3)), (4.795, 18.390));
        let ci = byar_ci(100, 0.95);
        assert_eq!((round_to(ci.lower, 3), round_to(ci.upper, 3)), (81.362, 121.628));
        let ci = exact_poisson_ci(0, 0.95);
        assert_eq!(ci.lower, 0.0);
        assert!((ci.upper - (-(0.025f64).ln())).abs() < 1e-12, "{ci:?}");
    }

    #[test]
    fn funnel_limits_bracket_the_expected_count() {
        for expected in [0.5, 5.0, 50.0, 500.0, 5000.0] {
            let f = funnel_limits(expected);
            assert!(f.lower_998 <= f.lower_95 && f.lower_95 < expected, "{f:?}");
            assert!(expected < f.upper_95 && f.upper_95 < f.upper_998, "{f:?}");
        }
        // Large expected counts approach the normal limits E ± 1.96 √E.
        let f = funnel_limits(10_000.0);
        assert!((f.upper_95 - (10_000.0 + 196.0)).abs() < 2.0, "{f:?}");
        assert_eq!(funnel_limits(0.0).upper_95, 0.0);
        assert!(funnel_limits(-1.0).upper_95.is_nan());
    }
}
