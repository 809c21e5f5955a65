//! Local Moran's I (LISA) with quadrants and pseudo p-values, and global Moran's I.

use super::{
    parallel_map, simulate_unit, uniform_neighbourhoods, validate, Draws, HotspotError,
    UnitSimulation,
};
use crate::stats::special::two_sided_normal_p;
use crate::weights::Weights;

/// Settings for [`local_moran`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMoranConfig {
    /// Conditional permutations per unit; 0 skips them (`p_sim`, `z_sim` are then NaN).
    pub permutations: usize,
    /// Seed; the same seed gives the same pseudo p-values on any number of threads.
    pub seed: u64,
    /// Threads for the permutations; 0 uses every available core.
    pub threads: usize,
}

impl Default for LocalMoranConfig {
    /// 999 permutations, seed 0, all cores.
    fn default() -> LocalMoranConfig {
        LocalMoranConfig { permutations: 999, seed: 0, threads: 0 }
    }
}

/// Local Moran's I for every unit, in the weights' unit order (esda's `Moran_Local`).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalMoran {
    /// I_i = (n − 1) z_i Σ_j w_ij z_j / Σ_k z_k², z = (y − ȳ)/s with s the population standard
    /// deviation (esda's `Is`; spdep's `localmoran` is this × n/(n − 1)). Exactly 0 for a unit
    /// whose value is the mean and for islands.
    pub i: Vec<f64>,
    /// 1 HH (high value, high neighbours), 2 LH, 3 LL, 4 HL, from the signs of z_i and its lag
    /// with esda's `z > 0` test, so a value equal to the mean counts as low (esda's `q`).
    pub quadrant: Vec<u8>,
    /// The standardised values z_i.
    pub z: Vec<f64>,
    /// The spatial lag Σ_j w_ij z_j.
    pub lag: Vec<f64>,
    /// E(I_i) = −W_i/(n − 1) under total randomisation (esda's `EI`).
    pub ei: Vec<f64>,
    /// Var(I_i) under total randomisation (Sokal, Oden and Thomson 1998; esda's `VI`).
    pub vi: Vec<f64>,
    /// Folded conditional-permutation pseudo p-value. 1 (not esda's 1/(permutations + 1))
    /// for a unit whose value is the mean, whose I is 0 in every permutation; NaN for islands
    /// and without permutations.
    pub p_sim: Vec<f64>,
    /// (I_i − mean of permuted I_i) / their standard deviation (esda's `z_sim`).
    pub z_sim: Vec<f64>,
    /// Units without neighbours.
    pub islands: Vec<usize>,
}

/// Global Moran's I with its moments under normality (esda's `Moran`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlobalMoran {
    /// I = (n / S0) Σ_i Σ_j w_ij z_i z_j / Σ_i z_i², z = y − ȳ.
    pub i: f64,
    /// E(I) = −1/(n − 1).
    pub ei: f64,
    /// Var(I) under normality: (n² S1 − n S2 + 3 S0²) / ((n − 1)(n + 1) S0²) − E(I)².
    pub vi_norm: f64,
    /// (I − E(I)) / √Var(I).
    pub z_norm: f64,
    /// Two-sided p-value of `z_norm` (esda's default `two_tailed=True`).
    pub p_norm: f64,
}

/// Values equal to the mean up to rounding: |y_i − ȳ| at most this times the largest |y − ȳ|.
const AT_MEAN: f64 = 1e-12;

/// Local Moran's I of `y` on the weights `w`, used as given (pass `w.row_standardised()` for
/// esda's default `transformation='r'`, as in ANALYTICS.md §2.2), with quadrants and
/// conditional-permutation pseudo p-values.
///
/// A unit whose value equals the mean (within 1e-12 of the largest deviation) gets I = 0
/// exactly and p_sim = 1: its I is 0 in every permutation, so there is nothing to test, where
/// esda's tie rule would report the smallest possible p-value.
pub fn local_moran(
    y: &[f64],
    w: &Weights,
    config: &LocalMoranConfig,
) -> Result<LocalMoran, HotspotError> {
    validate(y, w, true)?;
    let n = y.len();
    let nf = n as f64;
    let mean = y.iter().sum::<f64>() / nf;
    let d: Vec<f64> = y.iter().map(|&v| v - mean).collect();
    let m2 = d.iter().map(|v| v * v).sum::<f64>() / nf;
    let sd = m2.sqrt();
    let largest = d.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let at_mean: Vec<bool> = d.iter().map(|v| v.abs() <= AT_MEAN * largest).collect();
    let z: Vec<f64> = d.iter().zip(&at_mean).map(|(v, &m)| if m { 0.0 } else { v / sd }).collect();
    let den: f64 = z.iter().map(|v| v * v).sum();
    let m4 = d.iter().map(|v| v.powi(4)).sum::<f64>() / nf;
    let b2 = m4 / (m2 * m2);
    let n1 = nf - 1.0;

    let mut i_local = vec![0.0; n];
    let mut quadrant = vec![0u8; n];
    let mut lag = vec![0.0; n];
    let mut ei = vec![0.0; n];
    let mut vi = vec![0.0; n];
    for u in 0..n {
        let row = w.neighbours(u);
        lag[u] = row.iter().map(|&(j, wt)| wt * z[j]).sum();
        i_local[u] = if at_mean[u] { 0.0 } else { n1 * z[u] * lag[u] / den };
        quadrant[u] = match (z[u] > 0.0, lag[u] > 0.0) {
            (true, true) => 1,
            (false, true) => 2,
            (false, false) => 3,
            (true, false) => 4,
        };
        let wi: f64 = row.iter().map(|&(_, wt)| wt).sum();
        let wi2: f64 = row.iter().map(|&(_, wt)| wt * wt).sum();
        ei[u] = -wi / n1;
        vi[u] = wi2 * (nf - b2) / n1 + (wi * wi - wi2) * (2.0 * b2 - nf) / (n1 * (nf - 2.0))
            - (wi / n1) * (wi / n1);
    }
    let islands: Vec<usize> = (0..n).filter(|&u| w.neighbours(u).is_empty()).collect();

    let (p_sim, z_sim) = if config.permutations > 0 {
        let neighbourhoods = uniform_neighbourhoods((0..n).map(|u| w.neighbours(u)));
        let draws = Draws::new(y, config.permutations, config.seed, &neighbourhoods);
        let mean_k = w.n_links() / n + 1;
        let sims = parallel_map(n, config.threads, config.permutations * mean_k, |u, scratch| {
            if w.neighbours(u).is_empty() {
                return UnitSimulation::UNDEFINED;
            }
            if at_mean[u] {
                return UnitSimulation { p_sim: 1.0, z_sim: f64::NAN };
            }
            // I_i is (n − 1) z_i / Σz² · (Σ_j w_ij y_j − ȳ W_i) / s, so comparing the raw
            // weighted sums (exact for counts with equal weights) in z_i's direction is
            // comparing the I's.
            let observed: f64 = w.neighbours(u).iter().map(|&(j, wt)| wt * y[j]).sum();
            simulate_unit(&draws, u, w.neighbours(u), observed, z[u] > 0.0, scratch)
        });
        (sims.iter().map(|s| s.p_sim).collect(), sims.iter().map(|s| s.z_sim).collect())
    } else {
        (vec![f64::NAN; n], vec![f64::NAN; n])
    };
    Ok(LocalMoran { i: i_local, quadrant, z, lag, ei, vi, p_sim, z_sim, islands })
}

/// Global Moran's I of `y` on the weights `w`, used as given (pass `w.row_standardised()`
/// for esda's default), with the normality moments; ANALYTICS.md §2.2.
pub fn global_moran(y: &[f64], w: &Weights) -> Result<GlobalMoran, HotspotError> {
    validate(y, w, true)?;
    let n = y.len();
    let nf = n as f64;
    let mean = y.iter().sum::<f64>() / nf;
    let d: Vec<f64> = y.iter().map(|&v| v - mean).collect();
    let (mut s0, mut s1, mut cross) = (0.0f64, 0.0f64, 0.0f64);
    let mut row = vec![0.0f64; n];
    let mut col = vec![0.0f64; n];
    for u in 0..n {
        for &(j, wt) in w.neighbours(u) {
            s0 += wt;
            row[u] += wt;
            col[j] += wt;
            cross += wt * d[u] * d[j];
            let back = w.neighbours(j).binary_search_by_key(&u, |&(k, _)| k).ok();
            // ½ Σ over ordered pairs of (w_ij + w_ji)²; see `global_g`.
            s1 += match back {
                Some(pos) => 0.5 * (wt + w.neighbours(j)[pos].1).powi(2),
                None => wt * wt,
            };
        }
    }
    let s2: f64 = row.iter().zip(&col).map(|(r, c)| (r + c) * (r + c)).sum();
    let ss: f64 = d.iter().map(|v| v * v).sum();
    let i = nf / s0 * cross / ss;
    let ei = -1.0 / (nf - 1.0);
    let s02 = s0 * s0;
    let vi_norm = (nf * nf * s1 - nf * s2 + 3.0 * s02) / ((nf - 1.0) * (nf + 1.0) * s02) - ei * ei;
    let z_norm = (i - ei) / vi_norm.sqrt();
    Ok(GlobalMoran { i, ei, vi_norm, z_norm, p_norm: two_sided_normal_p(z_norm) })
}
