//! Getis–Ord local Gi and Gi*, and the global General G.

use super::{
    confidence_bin, parallel_map, simulate_unit, uniform_neighbourhoods, validate, Draws,
    HotspotError, UnitSimulation,
};
use crate::hotspot::fdr::benjamini_hochberg;
use crate::stats::special::normal_cdf;
use crate::weights::Weights;

/// Which local G.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// Gi*: the unit's own value is part of its neighbourhood (ArcGIS's Hot Spot Analysis,
    /// spdep's `localG` with `include.self()`, esda's `star=True`). The default.
    #[default]
    GiStar,
    /// Gi: the neighbourhood excludes the unit; the mean and variance are over the other n − 1
    /// units (esda's `star=False`).
    Gi,
}

/// How the given weights are transformed before G is computed, as esda's `transform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transform {
    /// esda's `'B'`: every listed neighbour with a positive weight gets weight 1 (zero weights
    /// are dropped); Gi* adds w_ii = 1. The recommended choice (ArcGIS) and the default.
    #[default]
    Binary,
    /// esda's `'R'`: rows standardised to sum to 1. For Gi*, the self-weight is the row's
    /// largest given weight and the row, self included, is then standardised (esda's rule for
    /// `star=True` on weights without a diagonal; for binary contiguity every member of the
    /// neighbourhood, self included, gets 1/(|N_i| + 1)). Note that esda's variance uses the
    /// row sum W_i = 1 where spdep's uses S1_i = Σ_j w_ij², so with this transform z follows
    /// esda, not spdep.
    RowStandardised,
}

/// Settings for [`getis_ord`].
#[derive(Debug, Clone, PartialEq)]
pub struct GetisOrdConfig {
    /// Gi* or Gi.
    pub variant: Variant,
    /// Binary or row-standardised weights.
    pub transform: Transform,
    /// Conditional permutations per unit for the pseudo p-value; 0 skips them (then `p_sim`
    /// and `z_sim` are NaN). 999 is usual.
    pub permutations: usize,
    /// Seed of the permutations; the same seed gives the same pseudo p-values on any number
    /// of threads.
    pub seed: u64,
    /// When true the bins use Benjamini–Hochberg FDR-corrected significance (ArcGIS's "Apply
    /// False Discovery Rate Correction"): a unit is in bin ±3/±2/±1 when its BH-adjusted
    /// two-sided p-value is at most 0.01/0.05/0.10. When false, the raw two-sided p-value
    /// below 0.01/0.05/0.10 decides (|z| beyond 2.576/1.960/1.645).
    pub fdr: bool,
    /// Threads for the permutations; 0 uses every available core.
    pub threads: usize,
}

impl Default for GetisOrdConfig {
    /// Gi*, binary weights, 999 permutations, seed 0, uncorrected bins, all cores.
    fn default() -> GetisOrdConfig {
        GetisOrdConfig {
            variant: Variant::GiStar,
            transform: Transform::Binary,
            permutations: 999,
            seed: 0,
            fdr: false,
            threads: 0,
        }
    }
}

/// Local G for every unit (vectors in the weights' unit order), and the global G.
#[derive(Debug, Clone, PartialEq)]
pub struct GetisOrd {
    /// The variant computed.
    pub variant: Variant,
    /// The transform applied.
    pub transform: Transform,
    /// G_i = Σ_j w_ij y_j / Σ_j y_j (j ≠ i in the denominator for Gi), esda's `Gs`.
    pub g: Vec<f64>,
    /// E(G_i) = W_i / N, with N = n for Gi* and n − 1 for Gi (esda's `EGs`).
    pub eg: Vec<f64>,
    /// Var(G_i) = W_i (N − W_i) / (N − 1) / N² · s² / ȳ², with ȳ and s² (divisor N) over the
    /// units in the comparison (esda's `VGs`).
    pub vg: Vec<f64>,
    /// z = (G_i − E(G_i)) / √Var(G_i) (esda's `Zs`); NaN for islands and undefined variances.
    pub z: Vec<f64>,
    /// One-sided p = P(Z ≥ |z|) (esda's `p_norm`).
    pub p_one_sided: Vec<f64>,
    /// Two-sided p = P(|Z| ≥ |z|), twice the one-sided value; the bins use it.
    pub p_two_sided: Vec<f64>,
    /// Benjamini–Hochberg adjusted two-sided p-values over the non-island units.
    pub p_fdr: Vec<f64>,
    /// The folded conditional-permutation pseudo p-value (see the module documentation);
    /// NaN without permutations and for islands.
    pub p_sim: Vec<f64>,
    /// (G_i − mean of the permuted G_i) / their standard deviation (esda's `z_sim`).
    pub z_sim: Vec<f64>,
    /// −3..=3: hot (+) or cold (−) spot at 99/95/90 % confidence, 0 not significant (ArcGIS's
    /// `Gi_Bin`); see [`GetisOrdConfig::fdr`].
    pub bin: Vec<i8>,
    /// Units without neighbours (NaN z and p, bin 0).
    pub islands: Vec<usize>,
    /// The global General G on the binary weights (without self), as esda's `G`.
    pub global: GlobalG,
}

/// Getis and Ord's global General G, G = Σ_i Σ_j w_ij y_i y_j / Σ_i Σ_{j≠i} y_i y_j, on binary
/// weights, with its moments under randomisation (Getis and Ord 1992, as esda's `G`). The
/// variance needs n ≥ 4: with 3 units `vg`, `z` and `p_norm` are NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlobalG {
    /// G.
    pub g: f64,
    /// E(G) = S0 / (n (n − 1)).
    pub eg: f64,
    /// Var(G).
    pub vg: f64,
    /// (G − E(G)) / √Var(G).
    pub z: f64,
    /// One-sided p = P(Z ≥ |z|) (esda's `p_norm`).
    pub p_norm: f64,
}

/// Unit `i`'s weights after the transform, without self: (neighbour, weight) pairs.
fn transformed_row(
    w: &Weights,
    i: usize,
    transform: Transform,
    star: bool,
) -> (Vec<(usize, f64)>, f64) {
    let given = w.neighbours(i);
    match transform {
        Transform::Binary => {
            let row: Vec<(usize, f64)> =
                given.iter().filter(|&&(_, wt)| wt > 0.0).map(|&(j, _)| (j, 1.0)).collect();
            (row, if star { 1.0 } else { 0.0 })
        }
        Transform::RowStandardised => {
            let sum: f64 = given.iter().map(|&(_, wt)| wt).sum();
            let self_weight =
                if star { given.iter().map(|&(_, wt)| wt).fold(0.0, f64::max) } else { 0.0 };
            let total = sum + self_weight;
            if total > 0.0 {
                let row = given.iter().map(|&(j, wt)| (j, wt / total)).collect();
                (row, self_weight / total)
            } else {
                (given.to_vec(), 0.0)
            }
        }
    }
}

/// Getis–Ord local Gi or Gi* of `y` (one non-negative value per unit, in `w`'s unit order)
/// over the weights `w` (which never include self; Gi* adds the self-weight, see
/// [`Transform`]), with analytical and permutation inference and confidence bins.
///
/// The formulas are esda's `G_Local` (2.9), which for binary weights equal spdep's `localG`
/// and ANALYTICS.md §2.1's; the reference values there are reproduced to every decimal given.
///
/// Errors when `y` and `w` differ in length, for fewer than 3 units, for a NaN, infinite or
/// negative value, and when all values are equal. Islands are not errors (see [`GetisOrd::islands`]).
pub fn getis_ord(
    y: &[f64],
    w: &Weights,
    config: &GetisOrdConfig,
) -> Result<GetisOrd, HotspotError> {
    validate(y, w, false)?;
    let n = y.len();
    let star = config.variant == Variant::GiStar;
    let sum_y: f64 = y.iter().sum();
    let mean_all = sum_y / n as f64;
    let ss_all: f64 = y.iter().map(|&v| (v - mean_all) * (v - mean_all)).sum();

    let rows: Vec<(Vec<(usize, f64)>, f64)> =
        (0..n).map(|i| transformed_row(w, i, config.transform, star)).collect();
    let islands: Vec<usize> = (0..n).filter(|&i| rows[i].0.is_empty()).collect();

    let mut g = vec![0.0; n];
    let mut eg = vec![0.0; n];
    let mut vg = vec![0.0; n];
    let mut z = vec![f64::NAN; n];
    let mut others_sum = vec![0.0; n];
    for i in 0..n {
        let (row, self_weight) = &rows[i];
        let lag: f64 = row.iter().map(|&(j, wt)| wt * y[j]).sum();
        others_sum[i] = lag;
        let (big_n, sum, mean, variance) = if star {
            (n as f64, sum_y, mean_all, ss_all / n as f64)
        } else {
            // Leave-one-out mean and variance (divisor n − 1), from the full centred sum of
            // squares: SS₋ᵢ = SS − n/(n − 1)·(y_i − ȳ)².
            let m = (n - 1) as f64;
            let d = y[i] - mean_all;
            let ss = (ss_all - n as f64 / m * d * d).max(0.0);
            (m, sum_y - y[i], (sum_y - y[i]) / m, ss / m)
        };
        let weight_sum: f64 = row.iter().map(|&(_, wt)| wt).sum::<f64>() + self_weight;
        g[i] = (lag + self_weight * y[i]) / sum;
        eg[i] = weight_sum / big_n;
        vg[i] = weight_sum * (big_n - weight_sum) / (big_n - 1.0) / (big_n * big_n) * variance
            / (mean * mean);
        if !row.is_empty() && vg[i] > 0.0 && vg[i].is_finite() {
            z[i] = (g[i] - eg[i]) / vg[i].sqrt();
        }
    }
    let p_one_sided: Vec<f64> =
        z.iter().map(|&v| if v.is_nan() { f64::NAN } else { normal_cdf(-v.abs()) }).collect();
    let p_two_sided: Vec<f64> =
        p_one_sided.iter().map(|&p| if p.is_nan() { p } else { (2.0 * p).min(1.0) }).collect();
    let p_fdr = benjamini_hochberg(&p_two_sided);
    let bin = (0..n)
        .map(|i| {
            if config.fdr {
                confidence_bin(z[i], p_fdr[i], true)
            } else {
                confidence_bin(z[i], p_two_sided[i], false)
            }
        })
        .collect();

    let (p_sim, z_sim) = if config.permutations > 0 {
        let neighbourhoods = uniform_neighbourhoods(rows.iter().map(|(row, _)| row.as_slice()));
        let draws = Draws::new(y, config.permutations, config.seed, &neighbourhoods);
        let mean_k = rows.iter().map(|(row, _)| row.len()).sum::<usize>() / n + 1;
        let sims = parallel_map(n, config.threads, config.permutations * mean_k, |i, scratch| {
            if z[i].is_nan() {
                return UnitSimulation::UNDEFINED;
            }
            // The self term w_ii·y_i is the same in every permutation; only the neighbours'
            // part is drawn.
            simulate_unit(&draws, i, &rows[i].0, others_sum[i], true, scratch)
        });
        (sims.iter().map(|s| s.p_sim).collect(), sims.iter().map(|s| s.z_sim).collect())
    } else {
        (vec![f64::NAN; n], vec![f64::NAN; n])
    };

    Ok(GetisOrd {
        variant: config.variant,
        transform: config.transform,
        g,
        eg,
        vg,
        z,
        p_one_sided,
        p_two_sided,
        p_fdr,
        p_sim,
        z_sim,
        bin,
        islands,
        global: global_g(y, w)?,
    })
}

/// The global General G of `y` on `w` made binary (every positive weight 1, no self), with
/// esda's moments and one-sided p-value; ANALYTICS.md §2.1 (0.55709779, p 0.172936).
pub fn global_g(y: &[f64], w: &Weights) -> Result<GlobalG, HotspotError> {
    validate(y, w, false)?;
    let n = y.len() as f64;
    let has = |i: usize, j: usize| {
        w.neighbours(i)
            .binary_search_by_key(&j, |&(k, _)| k)
            .is_ok_and(|pos| w.neighbours(i)[pos].1 > 0.0)
    };
    let (mut s0, mut s1) = (0.0f64, 0.0f64);
    let mut row = vec![0.0f64; y.len()];
    let mut col = vec![0.0f64; y.len()];
    let mut numerator = 0.0;
    for i in 0..y.len() {
        for &(j, wt) in w.neighbours(i) {
            if wt <= 0.0 {
                continue;
            }
            s0 += 1.0;
            row[i] += 1.0;
            col[j] += 1.0;
            // ½ Σ over ordered pairs of (w_ij + w_ji)²: a symmetric pair gives ½·4 from each
            // side; a one-way link gives 1 for the pair.
            s1 += if has(j, i) { 2.0 } else { 1.0 };
            numerator += y[i] * y[j];
        }
    }
    let s2: f64 = row.iter().zip(&col).map(|(r, c)| (r + c) * (r + c)).sum();
    let sum_y: f64 = y.iter().sum();
    let sum_y2: f64 = y.iter().map(|v| v * v).sum();
    let sum_y3: f64 = y.iter().map(|v| v * v * v).sum();
    let sum_y4: f64 = y.iter().map(|v| v * v * v * v).sum();
    let g = numerator / (sum_y * sum_y - sum_y2);
    let n2 = n * n;
    let s02 = s0 * s0;
    let eg = s0 / (n * (n - 1.0));
    let b0 = (n2 - 3.0 * n + 3.0) * s1 - n * s2 + 3.0 * s02;
    let b1 = -((n2 - n) * s1 - 2.0 * n * s2 + 6.0 * s02);
    let b2 = -(2.0 * n * s1 - (n + 3.0) * s2 + 6.0 * s02);
    let b3 = 4.0 * (n - 1.0) * s1 - 2.0 * (n + 1.0) * s2 + 8.0 * s02;
    let b4 = s1 - s2 + s02;
    let eg2 = (b0 * sum_y2 * sum_y2
        + b1 * sum_y4
        + b2 * sum_y * sum_y * sum_y2
        + b3 * sum_y * sum_y3
        + b4 * sum_y.powi(4))
        / ((sum_y * sum_y - sum_y2).powi(2) * n * (n - 1.0) * (n - 2.0) * (n - 3.0));
    let vg = if y.len() < 4 { f64::NAN } else { eg2 - eg * eg };
    let z = if vg > 0.0 && vg.is_finite() { (g - eg) / vg.sqrt() } else { f64::NAN };
    Ok(GlobalG { g, eg, vg, z, p_norm: normal_cdf(-z.abs()) })
}
