//! Hotspot statistics over spatial units: Getis–Ord Gi and Gi*, local and global Moran's I,
//! conditional-permutation pseudo p-values and the Benjamini–Hochberg false discovery rate.
//!
//! - [`getis_ord`] → [`GetisOrd`]: per unit G, its expectation and variance, the analytical
//!   z-score with one- and two-sided p-values, a seeded permutation pseudo p-value, and
//!   ArcGIS-style confidence bins (±3/±2/±1 = 99/95/90 %), optionally FDR-corrected; plus the
//!   global General G ([`global_g`]).
//! - [`local_moran`] → [`LocalMoran`] (LISA values, quadrants, pseudo p-values) and
//!   [`global_moran`] → [`GlobalMoran`].
//! - [`benjamini_hochberg`]: adjusted p-values.
//!
//! The conventions follow PySAL's `esda` (2.9), so results can be checked against it: the
//! formulas, the self-weight rules of Gi*, the folded pseudo p-value and the quadrant codes
//! are esda's; where esda's choice would mislead (a unit whose value equals the mean, islands)
//! the difference is documented on the item. Reference values are in
//! `shared/docs/ANALYTICS.md` §2.1–2.2.
//!
//! **Permutations.** A unit's pseudo p-value holds its own value fixed and, `permutations`
//! times, gives its |N_i| neighbour weights to |N_i| other units drawn without replacement from
//! the remaining n − 1 (conditional randomisation, Anselin 1995). With `larger` the number of
//! draws at least as extreme in the upper direction, the reported value is esda's folded
//! `(min(larger, permutations − larger) + 1) / (permutations + 1)`. Each unit draws from its
//! own random stream, derived from the seed and the unit's index (xoshiro256**), so the same
//! seed gives the same p-values on any number of threads. When every draw ties with the
//! observed value the test carries no information and the pseudo p-value is 1.
//!
//! A permutation only changes which values sit in unit i's neighbourhood, so all the test
//! needs from it is the neighbourhood's sum. For counts with equal weights in the row (binary
//! or row-standardised contiguity) that sum is an integer whose exact distribution under
//! conditional permutation — |N_i| values drawn without replacement from the other n − 1 —
//! depends only on |N_i| and y_i. It is computed once per (|N_i|, y_i) pair (a generating
//! function over the distinct values) and each permutation's sum is then drawn from it in one
//! step with an alias table. The draws have exactly the distribution of drawing |N_i| units,
//! so the pseudo p-value is the same test, over twenty times faster; ties are exact because
//! the sums are integers. Other data (non-integer values, unequal weights, more than 16
//! neighbours, or too many distinct values for the tables) draw the units one by one.
//!
//! **Islands** (units with no neighbours) are not errors: they are listed in the result, and
//! their z-scores and p-values are NaN and their bin 0, because no neighbourhood statistic
//! exists for them (esda's `island_weight = 0` gives them a zero lag; for Gi* it would still
//! report a z that only compares the unit with the mean).

mod fdr;
mod getis;
mod moran;
mod rng;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::weights::Weights;
use rng::AliasTable;

pub use fdr::benjamini_hochberg;
pub use getis::{getis_ord, global_g, GetisOrd, GetisOrdConfig, GlobalG, Transform, Variant};
pub use moran::{global_moran, local_moran, GlobalMoran, LocalMoran, LocalMoranConfig};

/// Why a hotspot statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HotspotError {
    /// The values and the weights describe different numbers of units.
    #[error("there are {values} values but the weights describe {units} units; give one value per unit, in the weights' unit order")]
    LengthMismatch {
        /// Number of values given.
        values: usize,
        /// Number of units in the weights.
        units: usize,
    },
    /// Fewer than three units: the variances are undefined.
    #[error("hotspot statistics need at least 3 units, but there are {n}")]
    TooFewUnits {
        /// Number of units.
        n: usize,
    },
    /// A value is NaN or infinite.
    #[error("the value of unit {unit} is {value}; every value must be a finite number")]
    NonFinite {
        /// The unit's id.
        unit: String,
        /// The value, as text.
        value: String,
    },
    /// A value is negative, and Getis–Ord G is defined for non-negative values only.
    #[error("the value of unit {unit} is {value}; Getis-Ord G needs values of at least 0 (counts, rates)")]
    Negative {
        /// The unit's id.
        unit: String,
        /// The value.
        value: f64,
    },
    /// Every value is the same, so the variance is zero and no unit can stand out.
    #[error("all {n} values are equal, so their variance is zero and there are no hot or cold spots to find")]
    ZeroVariance {
        /// Number of units.
        n: usize,
    },
}

/// Checks the values against the weights: one finite value per unit, at least 3 units, not
/// all equal, and (for Getis–Ord) none negative.
fn validate(y: &[f64], w: &Weights, allow_negative: bool) -> Result<(), HotspotError> {
    if y.len() != w.n() {
        return Err(HotspotError::LengthMismatch { values: y.len(), units: w.n() });
    }
    if y.len() < 3 {
        return Err(HotspotError::TooFewUnits { n: y.len() });
    }
    for (unit, &value) in y.iter().enumerate() {
        if !value.is_finite() {
            return Err(HotspotError::NonFinite {
                unit: w.ids()[unit].clone(),
                value: value.to_string(),
            });
        }
        if !allow_negative && value < 0.0 {
            return Err(HotspotError::Negative { unit: w.ids()[unit].clone(), value });
        }
    }
    if y.iter().all(|&value| value == y[0]) {
        return Err(HotspotError::ZeroVariance { n: y.len() });
    }
    Ok(())
}

/// The confidence bin of ArcGIS's `Gi_Bin`: ±3, ±2, ±1 when the p-value is below 0.01, 0.05,
/// 0.10 (or at most, for BH-adjusted values, which are compared with `≤` as the step-up rule
/// states), signed by z; 0 otherwise or when either is NaN.
fn confidence_bin(z: f64, p: f64, inclusive: bool) -> i8 {
    if z.is_nan() || p.is_nan() || z == 0.0 {
        return 0;
    }
    let within = |alpha: f64| if inclusive { p <= alpha } else { p < alpha };
    let level = if within(0.01) {
        3
    } else if within(0.05) {
        2
    } else if within(0.10) {
        1
    } else {
        0
    };
    if z > 0.0 {
        level
    } else {
        -level
    }
}

/// The permutation outcome for one unit.
#[derive(Debug, Clone, Copy)]
struct UnitSimulation {
    /// esda's folded pseudo p-value (1 when every draw tied with the observed value).
    p_sim: f64,
    /// (observed − mean of draws) / standard deviation of draws, in the upper direction.
    z_sim: f64,
}

impl UnitSimulation {
    const UNDEFINED: UnitSimulation = UnitSimulation { p_sim: f64::NAN, z_sim: f64::NAN };
}

/// What the permutations draw from: the values; the same values as integers when every value
/// is a whole number below 2^31 in size (counts), which makes sums exact; and, for counts,
/// the exact distribution of a neighbourhood's sum under conditional permutation.
struct Draws<'a> {
    values: &'a [f64],
    integers: Option<Vec<i32>>,
    permutations: usize,
    seed: u64,
    /// Keyed by (|N_i|, y_i): the distribution of the sum of |N_i| values drawn without
    /// replacement from all values but one equal to y_i, as an alias table over
    /// sum − |N_i|·min(y).
    sums: HashMap<(usize, i32), AliasTable>,
    min_value: i64,
}

/// The work allowed for exact sum distributions (multiply-adds), beyond which the draws are
/// simulated unit by unit instead.
const SUMS_BUDGET: f64 = 3e8;

/// The memory allowed for the alias tables of exact sum distributions, in bytes.
const SUMS_MEMORY: f64 = 64e6;

impl<'a> Draws<'a> {
    /// `neighbourhoods` lists, per unit, |N_i| when unit i's neighbour weights are all equal
    /// (binary or row-standardised contiguity); exact sum distributions are prepared for them
    /// when the values are counts and the work is within budget.
    fn new(
        values: &'a [f64],
        permutations: usize,
        seed: u64,
        neighbourhoods: &[Option<usize>],
    ) -> Draws<'a> {
        let whole = values.iter().all(|&v| v.fract() == 0.0 && v.abs() < 2_147_483_648.0);
        let integers: Option<Vec<i32>> = whole.then(|| values.iter().map(|&v| v as i32).collect());
        let mut draws = Draws {
            values,
            integers: None,
            permutations,
            seed,
            sums: HashMap::new(),
            min_value: 0,
        };
        let Some(integers) = integers else {
            return draws;
        };
        draws.min_value = integers.iter().copied().min().map_or(0, i64::from);
        if permutations > 0 {
            draws.sums = sum_distributions(&integers, neighbourhoods, draws.min_value);
        }
        draws.integers = Some(integers);
        draws
    }
}

/// For every (k, y_i) among the units with uniform weights, the distribution of the sum of k
/// values drawn without replacement from the others: a generating-function product over the
/// distinct values, Π_v Σ_j C(c_v, j) x^j t^{j·v}, whose x^k coefficients are the numbers of
/// k-subsets with each sum. Empty when that would exceed [`SUMS_BUDGET`] or [`SUMS_MEMORY`].
fn sum_distributions(
    integers: &[i32],
    neighbourhoods: &[Option<usize>],
    min_value: i64,
) -> HashMap<(usize, i32), AliasTable> {
    let mut classes: Vec<(i64, usize)> = Vec::new();
    let mut sorted: Vec<i32> = integers.to_vec();
    sorted.sort_unstable();
    for &v in &sorted {
        match classes.last_mut() {
            Some((value, count)) if *value == i64::from(v) - min_value => *count += 1,
            _ => classes.push((i64::from(v) - min_value, 1)),
        }
    }
    let range = classes.last().map_or(0, |&(v, _)| v) as usize;
    let n_others = integers.len() - 1;
    let mut keys: Vec<(usize, i32)> = neighbourhoods
        .iter()
        .zip(integers)
        .filter_map(|(&k, &v)| {
            k.filter(|&k| (1..=SMALL).contains(&k) && 4 * k <= n_others).map(|k| (k, v))
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // One generating function per neighbourhood size, one division and one table per key.
    let mut k_values: Vec<usize> = keys.iter().map(|&(k, _)| k).collect();
    k_values.dedup();
    let width = |k: usize| (k * range + 1) as f64;
    let products: f64 = k_values
        .iter()
        .map(|&k| classes.len() as f64 * ((k + 1) * (k + 1)) as f64 * width(k))
        .sum();
    let divisions: f64 = keys.iter().map(|&(k, _)| (k + 1) as f64 * width(k)).sum();
    let table_bytes: f64 = keys.iter().map(|&(k, _)| 8.0 * width(k)).sum();
    if keys.is_empty() || products + divisions > SUMS_BUDGET || table_bytes > SUMS_MEMORY {
        return HashMap::new();
    }
    let mut tables = HashMap::with_capacity(keys.len());
    for k in k_values {
        // ways[m * width + s]: the number of m-subsets of all n values with shifted sum s.
        let width = k * range + 1;
        let mut ways = vec![0.0f64; (k + 1) * width];
        let mut next = vec![0.0f64; (k + 1) * width];
        ways[0] = 1.0;
        for &(value, count) in &classes {
            let value = value as usize;
            next.iter_mut().for_each(|x| *x = 0.0);
            for m in 0..=k {
                for s in 0..=m * range {
                    let here = ways[m * width + s];
                    if here == 0.0 {
                        continue;
                    }
                    // C(count, j), built up term by term.
                    let mut choose = 1.0;
                    for j in 0..=(k - m).min(count) {
                        if j > 0 {
                            choose *= (count + 1 - j) as f64 / j as f64;
                        }
                        next[(m + j) * width + s + j * value] += here * choose;
                    }
                }
            }
            std::mem::swap(&mut ways, &mut next);
        }
        // Without unit i: divide the generating function by (1 + x t^{y_i}), that is
        // G[m][s] = F[m][s] − G[m − 1][s − y_i]. Each G term is a fraction of the F term it is
        // taken from (about m/n), so the subtraction loses no meaningful precision.
        for &(_, own) in keys.iter().filter(|&&(key_k, _)| key_k == k) {
            let own = (i64::from(own) - min_value) as usize;
            let mut without = vec![0.0f64; (k + 1) * width];
            without[..width].copy_from_slice(&ways[..width]);
            for m in 1..=k {
                for s in 0..width {
                    let taken = if s >= own { without[(m - 1) * width + s - own] } else { 0.0 };
                    without[m * width + s] = (ways[m * width + s] - taken).max(0.0);
                }
            }
            tables
                .insert((k, own as i32 + min_value as i32), AliasTable::new(&without[k * width..]));
        }
    }
    tables
}

/// Per-thread buffers for [`simulate_unit`].
#[derive(Debug, Default)]
struct Scratch {
    /// The identity permutation of 0..n−1 between Fisher–Yates draws.
    shuffle: Vec<u32>,
    /// How often each sum was drawn from an exact distribution.
    histogram: Vec<u32>,
}

/// Neighbourhoods up to this size are drawn by rejection; larger ones by Fisher–Yates.
const SMALL: usize = 16;

/// One unit's permutation test: the observed weighted sum `observed` = Σ_j w_ij y_j over
/// `neighbours` is compared with `permutations` sums Σ_t w_t y_{s_t}, s drawn without
/// replacement from the units other than `unit`. `upper` counts draws ≥ the observed sum as
/// "larger" (else ≤).
///
/// When the weights of the row are equal and the values are counts, the comparison is on the
/// unweighted integer sums (the same order, exactly), and when [`Draws`] holds the exact
/// distribution of that sum, each permutation's sum is drawn from it in one step instead of
/// drawing |N_i| units: the same distribution, so the same test, far faster.
fn simulate_unit(
    draws: &Draws<'_>,
    unit: usize,
    neighbours: &[(usize, f64)],
    observed: f64,
    upper: bool,
    scratch: &mut Scratch,
) -> UnitSimulation {
    let values = draws.values;
    let permutations = draws.permutations;
    let k = neighbours.len();
    let n_others = values.len() - 1;
    if k == 0 || permutations == 0 || k > n_others {
        return UnitSimulation::UNDEFINED;
    }
    let mut rng = rng::Xoshiro256::for_stream(draws.seed, unit as u64);
    // Index r of the others is unit r below `unit`, unit r + 1 from it on.
    let other = |r: usize| r + usize::from(r >= unit);
    let (mut larger, mut ties) = (0usize, 0usize);
    let (mut sum_d, mut sum_d2) = (0.0f64, 0.0f64);
    let uniform = neighbours.iter().all(|&(_, w)| w == neighbours[0].1) && neighbours[0].1 > 0.0;
    let binary = neighbours.iter().all(|&(_, w)| w == 1.0);
    let small = k <= SMALL && 4 * k <= n_others;
    match &draws.integers {
        Some(integers) if uniform && small && n_others <= u32::MAX as usize => {
            // Counts with equal weights: exact integer sums, and no branch on the comparison.
            let observed: i64 = neighbours.iter().map(|&(j, _)| i64::from(integers[j])).sum();
            let mut record = |s: i64| {
                let beyond = if upper { s >= observed } else { s <= observed };
                larger += usize::from(beyond);
                ties += usize::from(s == observed);
                let d = (s - observed) as f64;
                sum_d += d;
                sum_d2 += d * d;
            };
            if let Some(table) = draws.sums.get(&(k, integers[unit])) {
                // Count how often each sum is drawn, then tally the counts.
                let histogram = &mut scratch.histogram;
                histogram.clear();
                histogram.resize(table.len(), 0);
                for _ in 0..permutations {
                    histogram[table.sample(&mut rng)] += 1;
                }
                let offset = k as i64 * draws.min_value;
                let (mut sum, mut sum2) = (0i64, 0i128);
                for (cell, &count) in histogram.iter().enumerate() {
                    if count == 0 {
                        continue;
                    }
                    let s = cell as i64 + offset;
                    let count = count as usize;
                    if if upper { s >= observed } else { s <= observed } {
                        larger += count;
                    }
                    if s == observed {
                        ties += count;
                    }
                    let d = s - observed;
                    sum += count as i64 * d;
                    sum2 += count as i128 * i128::from(d) * i128::from(d);
                }
                sum_d = sum as f64;
                sum_d2 = sum2 as f64;
            } else {
                let bound = n_others as u32;
                let mut drawn = [u32::MAX; SMALL];
                for _ in 0..permutations {
                    let mut s = 0i64;
                    for t in 0..k {
                        let r = loop {
                            let r = rng.below_u32(bound);
                            if !drawn[..t].contains(&r) {
                                break r;
                            }
                        };
                        drawn[t] = r;
                        s += i64::from(integers[other(r as usize)]);
                    }
                    record(s);
                }
            }
        }
        _ => {
            let mut record = |s: f64| {
                let d = s - observed;
                let beyond = if upper { d >= 0.0 } else { d <= 0.0 };
                larger += usize::from(beyond);
                ties += usize::from(d == 0.0);
                sum_d += d;
                sum_d2 += d * d;
            };
            if small {
                // Few neighbours among many units: draw, and draw again on a repeat (rare
                // when n ≫ k).
                let mut drawn = [0usize; SMALL];
                for _ in 0..permutations {
                    let mut s = 0.0;
                    for (t, &(_, weight)) in neighbours.iter().enumerate() {
                        let r = loop {
                            let r = rng.below(n_others as u64) as usize;
                            if !drawn[..t].contains(&r) {
                                break r;
                            }
                        };
                        drawn[t] = r;
                        let y = values[other(r)];
                        s += if binary { y } else { weight * y };
                    }
                    record(s);
                }
            } else {
                // Many neighbours: a partial Fisher–Yates shuffle of 0..n−1, undone after
                // each draw so the scratch array is the identity again and the draws depend
                // only on this unit's stream.
                let shuffle = &mut scratch.shuffle;
                if shuffle.len() != n_others {
                    *shuffle = (0..n_others as u32).collect();
                }
                let mut swaps = Vec::with_capacity(k);
                for _ in 0..permutations {
                    let mut s = 0.0;
                    for (t, &(_, weight)) in neighbours.iter().enumerate() {
                        let r = t + rng.below((n_others - t) as u64) as usize;
                        shuffle.swap(t, r);
                        swaps.push(r);
                        let y = values[other(shuffle[t] as usize)];
                        s += if binary { y } else { weight * y };
                    }
                    record(s);
                    for (t, r) in swaps.drain(..).enumerate().rev() {
                        shuffle.swap(t, r);
                    }
                }
            }
        }
    }
    let p = permutations as f64;
    if ties == permutations {
        return UnitSimulation { p_sim: 1.0, z_sim: f64::NAN };
    }
    let folded = larger.min(permutations - larger);
    let mean_d = sum_d / p;
    let variance = (sum_d2 / p - mean_d * mean_d).max(0.0);
    let sign = if upper { 1.0 } else { -1.0 };
    UnitSimulation {
        p_sim: (folded as f64 + 1.0) / (p + 1.0),
        z_sim: if variance > 0.0 { sign * -mean_d / variance.sqrt() } else { f64::NAN },
    }
}

/// For [`Draws::new`]: |N_i| for each unit whose neighbour weights are all equal and positive.
fn uniform_neighbourhoods<'w>(
    rows: impl Iterator<Item = &'w [(usize, f64)]>,
) -> Vec<Option<usize>> {
    rows.map(|row| {
        let uniform = !row.is_empty() && row.iter().all(|&(_, w)| w == row[0].1 && w > 0.0);
        uniform.then_some(row.len())
    })
    .collect()
}

/// `f(unit, scratch)` for every unit, on `threads` scoped threads (0 = all available), taking
/// chunks of units from a shared counter; the result is in unit order whatever the threads.
fn parallel_map<T, F>(n: usize, threads: usize, work_per_unit: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &mut Scratch) -> T + Sync,
{
    let available = std::thread::available_parallelism().map_or(1, |p| p.get());
    let threads = if threads == 0 { available } else { threads };
    // Not worth a thread below about 200,000 draws.
    let threads = threads.min(1 + n.saturating_mul(work_per_unit) / 200_000).max(1);
    if threads == 1 {
        let mut scratch = Scratch::default();
        return (0..n).map(|unit| f(unit, &mut scratch)).collect();
    }
    const CHUNK: usize = 256;
    let next = AtomicUsize::new(0);
    let mut pieces: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut scratch = Scratch::default();
                    let mut done = Vec::new();
                    loop {
                        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if start >= n {
                            break done;
                        }
                        let end = (start + CHUNK).min(n);
                        done.push((start, (start..end).map(|u| f(u, &mut scratch)).collect()));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a hotspot thread panicked")).collect()
    });
    pieces.sort_by_key(|&(start, _)| start);
    pieces.into_iter().flat_map(|(_, part)| part).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_arcgis_levels() {
        assert_eq!(confidence_bin(3.0, 0.005, false), 3);
        assert_eq!(confidence_bin(-2.0, 0.03, false), -2);
        assert_eq!(confidence_bin(1.7, 0.08, false), 1);
        assert_eq!(confidence_bin(1.7, 0.10, false), 0);
        assert_eq!(confidence_bin(1.7, 0.10, true), 1);
        assert_eq!(confidence_bin(f64::NAN, 0.01, false), 0);
        assert_eq!(confidence_bin(0.5, 0.6, false), 0);
    }

    /// P(the sum of k values drawn without replacement from all but `unit` ≥ `observed`), by
    /// enumerating every k-subset.
    fn exact_upper(values: &[f64], unit: usize, k: usize, observed: f64) -> f64 {
        let others: Vec<f64> =
            values.iter().enumerate().filter(|&(j, _)| j != unit).map(|(_, &v)| v).collect();
        let (mut hits, mut total) = (0u64, 0u64);
        let mut pick: Vec<usize> = (0..k).collect();
        loop {
            total += 1;
            if pick.iter().map(|&j| others[j]).sum::<f64>() >= observed - 1e-9 {
                hits += 1;
            }
            // Next k-subset in lexicographic order.
            let Some(t) = (0..k).rev().find(|&t| pick[t] < others.len() - k + t) else {
                break;
            };
            pick[t] += 1;
            for u in t + 1..k {
                pick[u] = pick[u - 1] + 1;
            }
        }
        hits as f64 / total as f64
    }

    #[test]
    fn every_sampler_matches_the_exact_permutation_distribution() {
        // Unit 2 of 20. Paths: the exact sum distribution (counts, equal weights, table
        // prepared), direct integer draws (no table), float draws (non-integer values) and
        // Fisher–Yates (k = 6 > (n − 1)/4).
        let counts: Vec<f64> =
            [1, 2, 100, 4, 8, 16, 3, 5, 7, 9, 11, 13, 6, 10, 12, 14, 15, 17, 18, 19]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
        let fractional: Vec<f64> = counts.iter().map(|v| v + 0.25).collect();
        let permutations = 20_000;
        for (k, values, neighbourhood) in [
            (3, &counts, Some(3)),
            (3, &counts, None),
            (3, &fractional, None),
            (6, &counts, Some(6)),
        ] {
            let draws = Draws::new(values, permutations, 3, &vec![neighbourhood; 20]);
            assert_eq!(draws.sums.contains_key(&(3, 100)), k == 3 && neighbourhood.is_some());
            let neighbours: Vec<(usize, f64)> = (5..5 + k).map(|j| (j, 1.0)).collect();
            let observed: f64 = neighbours.iter().map(|&(j, _)| values[j]).sum();
            let q = exact_upper(values, 2, k, observed);
            let sim =
                simulate_unit(&draws, 2, &neighbours, observed, true, &mut Scratch::default());
            let expected = q.min(1.0 - q);
            assert!((sim.p_sim - expected).abs() < 0.012, "k {k}: {sim:?} vs {expected}");
        }
        let mut large = vec![1.0; 200];
        large[7] = 1000.0;
        // Unit 7's own value must never be drawn: every draw sums to exactly k.
        let draws = Draws::new(&large, 50, 1, &[Some(3); 200]);
        assert!(draws.sums.contains_key(&(3, 1000)));
        for k in [3, 60] {
            for weight in [1.0, 0.5] {
                let neighbours: Vec<(usize, f64)> = (8..8 + k).map(|j| (j, weight)).collect();
                let observed = k as f64 * weight;
                let sim =
                    simulate_unit(&draws, 7, &neighbours, observed, true, &mut Scratch::default());
                assert_eq!(sim.p_sim, 1.0, "k {k}, weight {weight}");
            }
        }
        assert!(Draws::new(&[0.5, 1.0, 2.0], 1, 1, &[None; 3]).integers.is_none());
    }

    #[test]
    fn sum_distributions_are_exact() {
        // Two of five units is a crowded neighbourhood (4k > n − 1): no table, direct draws.
        let values = [0, 1, 2, 3, 3];
        let tables = sum_distributions(&values, &[Some(2), None, None, None, None], 0);
        assert!(tables.is_empty());
        let many: Vec<i32> = (0..40).map(|v| v % 4).collect();
        let tables = sum_distributions(&many, &[Some(2); 40], 0);
        for own in [0, 3] {
            check_pairs(&tables[&(2, own)], own as usize);
        }
        // Thousands of distinct values: over budget, so the units are drawn one by one.
        let spread: Vec<i32> = (0..2000).collect();
        assert!(sum_distributions(&spread, &[Some(8); 2000], 0).is_empty());
    }

    /// Draws from the table of pair sums of 0..40 % 4 without one value `own`.
    fn check_pairs(table: &AliasTable, own: usize) {
        let mut rng = rng::Xoshiro256::for_stream(9, 9);
        let mut counts = [0u32; 7];
        for _ in 0..200_000 {
            counts[table.sample(&mut rng)] += 1;
        }
        // Others: nine of the removed value, ten each of the rest (39 values, 741 pairs).
        let pairs = |s: usize| -> f64 {
            let mut c = [10.0; 4];
            c[own] = 9.0;
            let mut ways = 0.0;
            for a in 0..4 {
                for b in a..4 {
                    if a + b == s {
                        ways += if a == b { c[a] * (c[a] - 1.0) / 2.0 } else { c[a] * c[b] };
                    }
                }
            }
            ways / 741.0
        };
        for (s, &count) in counts.iter().enumerate() {
            let expected = 200_000.0 * pairs(s);
            assert!(
                (count as f64 - expected).abs() < 5.0 * expected.sqrt() + 1.0,
                "{s}: {counts:?}"
            );
        }
    }
}
