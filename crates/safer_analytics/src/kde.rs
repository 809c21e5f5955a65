//! Kernel density estimation with the quartic kernel, as ArcGIS's *Kernel Density* tool
//! computes it (`ANALYTICS.md` §2.3).
//!
//! Each point spreads its weight (1 when no weights are given) over a disc of radius `r` (the
//! *bandwidth* or search radius) with the unit-volume quartic (biweight) kernel
//!
//! ```text
//! K(d) = 3 / (π r²) · (1 − (d/r)²)²   for d < r, else 0
//! ```
//!
//! so the volume under each point's surface is its weight, and the surface as a whole
//! integrates to the sum of the weights (less whatever falls outside the grid). The density of
//! a cell is the sum of the kernels at the cell's *centre*. ArcGIS's documentation states the
//! same: the volume under the surface equals the population field, and cell values are the
//! kernels summed where they overlay the cell centre. QGIS's "scaled" quartic output is
//! scaled differently and integrates to 7.25; never compare the two.
//!
//! **Units.** Coordinates are in metres on a projected grid (British National Grid, say), so
//! densities are *weight per square metre*. [`DensitySurface::per_km2`] converts to per square
//! kilometre (× 1,000,000), the unit maps usually show. The extent is a
//! [`safer_domain::geo::BBox`] read as metres: `min_lon`/`max_lon` are the x (easting) bounds
//! and `min_lat`/`max_lat` the y (northing) bounds.
//!
//! **Default bandwidth.** [`arcgis_default_bandwidth`] is the ArcGIS 10.2.1+ rule, a spatial
//! form of Silverman's rule of thumb that resists outliers:
//! `0.9 · min(SD, sqrt(1/ln 2) · Dm) · n^(−0.2)`. **Default cell** ([`default_cell_size`]):
//! the shorter side of the extent ÷ 250, as ArcGIS does.
//!
//! **Speed.** Work is proportional to points × cells inside one disc, not points × all
//! cells: each point visits only the cells whose centres lie within `r` of it. Large inputs
//! are split into bands of rows on scoped threads; each band sums the same points in the same
//! order as a single thread would, so the result does not depend on the thread count.

use std::f64::consts::{LN_2, PI};

use safer_domain::geo::BBox;
use serde::Serialize;

/// The most cells [`quartic_kde`] will allocate: 25 million (200 MB of `f64`).
pub const MAX_CELLS: u64 = 25_000_000;

/// ArcGIS's default cell size divides the shorter side of the extent by this.
pub const DEFAULT_CELLS_ON_SHORTER_SIDE: f64 = 250.0;

/// Square metres in a square kilometre.
pub const M2_PER_KM2: f64 = 1_000_000.0;

/// Below this many kernel evaluations (points × cells per disc) one thread is used.
const PARALLEL_MIN_WORK: f64 = 2_000_000.0;

/// Why a density surface was not computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KdeError {
    /// No points were given.
    #[error("there are no points to estimate a density from")]
    NoPoints,
    /// The weights and points differ in length.
    #[error("{points} points but {weights} weights")]
    LengthMismatch {
        /// Number of points.
        points: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A point has a NaN or infinite coordinate.
    #[error("point {index} has a coordinate that is not a finite number")]
    NonFinitePoint {
        /// The point's position in the input.
        index: usize,
    },
    /// A weight is negative, NaN or infinite.
    #[error("weight {index} is {weight}; weights must be finite and at least 0")]
    BadWeight {
        /// The weight's position in the input.
        index: usize,
        /// The weight.
        weight: f64,
    },
    /// The bandwidth is zero, negative, NaN or infinite.
    #[error("the bandwidth must be a positive number of metres, not {0}")]
    BadBandwidth(f64),
    /// The cell size is zero, negative, NaN or infinite.
    #[error("the cell size must be a positive number of metres, not {0}")]
    BadCell(f64),
    /// The extent has a NaN or infinite edge, or a maximum below its minimum.
    #[error("the extent must have finite edges with each maximum at least its minimum")]
    BadExtent,
    /// The grid would be larger than [`MAX_CELLS`].
    #[error("the grid would have {cells} cells, more than the limit of {limit}; use a larger cell size or a smaller extent")]
    TooManyCells {
        /// Cells the extent and cell size would need (saturating at `u64::MAX`).
        cells: u64,
        /// The limit, [`MAX_CELLS`].
        limit: u64,
    },
}

/// The unit of a [`DensitySurface`]'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DensityUnit {
    /// Weight per square metre (what [`quartic_kde`] returns).
    PerSquareMetre,
    /// Weight per square kilometre (after [`DensitySurface::per_km2`]).
    PerSquareKilometre,
}

/// A grid of densities.
///
/// Cell `(col, row)` covers `[x0 + col·cell, x0 + (col+1)·cell) × [y0 + row·cell,
/// y0 + (row+1)·cell)` where `origin = [x0, y0]` is the south-west (lower-left) corner of
/// the extent; row 0 is the *southernmost* row, so flip rows when drawing north-up. Values
/// are row-major: `values[row * cols + col]`. The grid starts at the extent's south-west
/// corner and covers the whole extent, so its last column and row may overhang the east and
/// north edges by less than one cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DensitySurface {
    /// The south-west corner `[x, y]` of cell (0, 0), in metres.
    pub origin: [f64; 2],
    /// The side of a (square) cell, in metres.
    pub cell: f64,
    /// Number of columns (west to east).
    pub cols: usize,
    /// Number of rows (south to north).
    pub rows: usize,
    /// Densities at the cell centres, row-major from the south-west corner.
    pub values: Vec<f64>,
    /// The unit of `values`.
    pub unit: DensityUnit,
}

impl DensitySurface {
    /// The centre `[x, y]` of cell `(col, row)`, in metres (not checked against the grid).
    pub fn cell_centre(&self, col: usize, row: usize) -> [f64; 2] {
        [
            self.origin[0] + (col as f64 + 0.5) * self.cell,
            self.origin[1] + (row as f64 + 0.5) * self.cell,
        ]
    }

    /// The value of cell `(col, row)`, or `None` outside the grid.
    pub fn value(&self, col: usize, row: usize) -> Option<f64> {
        if col >= self.cols || row >= self.rows {
            return None;
        }
        self.values.get(row * self.cols + col).copied()
    }

    /// The largest value (0 for an empty grid).
    pub fn max_value(&self) -> f64 {
        self.values.iter().copied().fold(0.0, f64::max)
    }

    /// The surface's volume: Σ value × cell area, in the values' weight units. For a surface
    /// per square metre whose kernels lie wholly inside the grid this is close to the sum of
    /// the weights.
    pub fn volume(&self) -> f64 {
        let cell_area = match self.unit {
            DensityUnit::PerSquareMetre => self.cell * self.cell,
            DensityUnit::PerSquareKilometre => self.cell * self.cell / M2_PER_KM2,
        };
        self.values.iter().sum::<f64>() * cell_area
    }

    /// The same surface in weight per square kilometre (values × 1,000,000 when they are per
    /// square metre; unchanged when they already are per square kilometre).
    pub fn per_km2(&self) -> DensitySurface {
        let factor = match self.unit {
            DensityUnit::PerSquareMetre => M2_PER_KM2,
            DensityUnit::PerSquareKilometre => 1.0,
        };
        DensitySurface {
            values: self.values.iter().map(|v| v * factor).collect(),
            unit: DensityUnit::PerSquareKilometre,
            ..*self
        }
    }
}

/// ArcGIS's default cell size: the shorter side of `extent` ÷ 250, in metres. `None` when
/// that is not a positive finite number (a degenerate or inverted extent).
pub fn default_cell_size(extent: &BBox) -> Option<f64> {
    let width = extent.max_lon - extent.min_lon;
    let height = extent.max_lat - extent.min_lat;
    if !(width.is_finite() && height.is_finite()) {
        return None;
    }
    let cell = width.min(height) / DEFAULT_CELLS_ON_SHORTER_SIDE;
    (cell.is_finite() && cell > 0.0).then_some(cell)
}

/// The parts of ArcGIS's default bandwidth, for reports that show their working.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandwidthParts {
    /// The (weighted) mean centre `[x, y]`.
    pub mean_centre: [f64; 2],
    /// Dm: the (weighted) median distance to the mean centre, in metres.
    pub median_distance: f64,
    /// SD: the (weighted) standard distance, in metres.
    pub standard_distance: f64,
    /// n: the number of points, or the sum of the weights when weights are given.
    pub n: f64,
    /// The search radius, `0.9 · min(SD, sqrt(1/ln 2) · Dm) · n^(−0.2)`, in metres.
    pub bandwidth: f64,
}

/// ArcGIS's default search radius (10.2.1 and later) for `points` in metres:
/// `0.9 · min(SD, sqrt(1/ln 2) · Dm) · n^(−0.2)`. See [`bandwidth_parts`] for the
/// definitions and the choices made for weights.
///
/// `None` when there is no point, a coordinate is not finite, the weights do not match the
/// points or are negative, not finite or all zero, or the points do not spread (the radius
/// would be 0).
pub fn arcgis_default_bandwidth(points: &[[f64; 2]], weights: Option<&[f64]>) -> Option<f64> {
    bandwidth_parts(points, weights).map(|parts| parts.bandwidth)
}

/// ArcGIS's default search radius with its parts (see [`arcgis_default_bandwidth`]).
///
/// With weights (ArcGIS's *population field*) every step is weighted, as ArcGIS's "How
/// Kernel Density works" describes: the mean centre is `Σwᵢpᵢ / Σw`; SD is the weighted
/// standard distance `sqrt(Σwᵢdᵢ² / Σw)` (the Standard Distance tool's weighted form, dividing
/// by the total weight, not by n − 1); and **n is the sum of the weights** — the tool counts a
/// point of weight 3 as three points, and its usage notes warn that a population field with a
/// mean much above 1 gives a very small radius, which only happens if n grows with the
/// weights.
///
/// Dm is the **weighted median** of the distances: sort them, accumulate the weights, and
/// take the first distance at which the running weight passes half the total; when the
/// running weight equals half the total exactly (within 1e-12 relative) the median is the
/// mean of that distance and the next. With unit weights this is the ordinary median (the
/// mean of the two middle values for an even count), which is what the reference example
/// needs. Zero-weight points take no part. ArcGIS does not publish its weighted-median rule;
/// this is the usual one.
pub fn bandwidth_parts(points: &[[f64; 2]], weights: Option<&[f64]>) -> Option<BandwidthParts> {
    if points.is_empty() || points.iter().any(|p| !p[0].is_finite() || !p[1].is_finite()) {
        return None;
    }
    if let Some(weights) = weights {
        if weights.len() != points.len() || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return None;
        }
    }
    let weight_of = |i: usize| weights.map_or(1.0, |w| w[i]);
    let total_weight: f64 = (0..points.len()).map(weight_of).sum();
    if !(total_weight > 0.0 && total_weight.is_finite()) {
        return None;
    }
    // Centre on the first point first: it keeps the sums small when coordinates are large
    // (eastings and northings in the hundreds of thousands).
    let [x0, y0] = points[0];
    let (mut sum_x, mut sum_y) = (0.0, 0.0);
    for (i, p) in points.iter().enumerate() {
        sum_x += weight_of(i) * (p[0] - x0);
        sum_y += weight_of(i) * (p[1] - y0);
    }
    let mean_x = x0 + sum_x / total_weight;
    let mean_y = y0 + sum_y / total_weight;

    let mut distances: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    let mut sum_sq = 0.0;
    for (i, p) in points.iter().enumerate() {
        let w = weight_of(i);
        let d = (p[0] - mean_x).hypot(p[1] - mean_y);
        sum_sq += w * d * d;
        if w > 0.0 {
            distances.push((d, w));
        }
    }
    let standard_distance = (sum_sq / total_weight).sqrt();
    let median_distance = weighted_median(&mut distances, total_weight)?;
    let n = total_weight;
    let bandwidth =
        0.9 * standard_distance.min((1.0 / LN_2).sqrt() * median_distance) * n.powf(-0.2);
    (bandwidth.is_finite() && bandwidth > 0.0).then_some(BandwidthParts {
        mean_centre: [mean_x, mean_y],
        median_distance,
        standard_distance,
        n,
        bandwidth,
    })
}

/// The weighted median of `(value, weight)` pairs with positive weights summing to `total`;
/// see [`bandwidth_parts`] for the rule.
fn weighted_median(pairs: &mut [(f64, f64)], total: f64) -> Option<f64> {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = total / 2.0;
    let tolerance = 1e-12 * total;
    let mut running = 0.0;
    for (idx, &(value, weight)) in pairs.iter().enumerate() {
        running += weight;
        if (running - half).abs() <= tolerance {
            let next = pairs.get(idx + 1).map_or(value, |p| p.0);
            return Some((value + next) / 2.0);
        }
        if running > half {
            return Some(value);
        }
    }
    pairs.last().map(|p| p.0)
}

/// The quartic kernel density of `points` (metres) over `extent`, in weight per square metre.
///
/// `weights` default to 1 per point. `bandwidth` is the search radius `r` in metres (use
/// [`arcgis_default_bandwidth`] for ArcGIS's default); `cell` the cell side in metres (use
/// [`default_cell_size`] for ArcGIS's default). Points outside the extent still add to the
/// cells within `r` of them. See the [module documentation](self) for the kernel, the grid
/// layout and the units.
///
/// Errors: no points, weights of the wrong length or negative/non-finite, a non-finite
/// coordinate, a non-positive or non-finite bandwidth or cell size, a bad extent, or a grid of
/// more than [`MAX_CELLS`] cells.
pub fn quartic_kde(
    points: &[[f64; 2]],
    weights: Option<&[f64]>,
    bandwidth: f64,
    extent: &BBox,
    cell: f64,
) -> Result<DensitySurface, KdeError> {
    quartic_kde_with_threads(points, weights, bandwidth, extent, cell, None)
}

/// [`quartic_kde`] with the thread count fixed (`Some(1)` for one thread) or chosen from the
/// work and the available cores (`None`). Exposed so tests can hold the parallel and serial
/// results equal.
#[doc(hidden)]
pub fn quartic_kde_with_threads(
    points: &[[f64; 2]],
    weights: Option<&[f64]>,
    bandwidth: f64,
    extent: &BBox,
    cell: f64,
    threads: Option<usize>,
) -> Result<DensitySurface, KdeError> {
    if points.is_empty() {
        return Err(KdeError::NoPoints);
    }
    if let Some(weights) = weights {
        if weights.len() != points.len() {
            return Err(KdeError::LengthMismatch { points: points.len(), weights: weights.len() });
        }
        if let Some((index, &weight)) =
            weights.iter().enumerate().find(|(_, w)| !w.is_finite() || **w < 0.0)
        {
            return Err(KdeError::BadWeight { index, weight });
        }
    }
    if let Some(index) = points.iter().position(|p| !p[0].is_finite() || !p[1].is_finite()) {
        return Err(KdeError::NonFinitePoint { index });
    }
    if !(bandwidth.is_finite() && bandwidth > 0.0) {
        return Err(KdeError::BadBandwidth(bandwidth));
    }
    if !(cell.is_finite() && cell > 0.0) {
        return Err(KdeError::BadCell(cell));
    }
    let edges = [extent.min_lon, extent.min_lat, extent.max_lon, extent.max_lat];
    if edges.iter().any(|e| !e.is_finite())
        || extent.max_lon < extent.min_lon
        || extent.max_lat < extent.min_lat
    {
        return Err(KdeError::BadExtent);
    }
    let cols_f = ((extent.max_lon - extent.min_lon) / cell).ceil().max(1.0);
    let rows_f = ((extent.max_lat - extent.min_lat) / cell).ceil().max(1.0);
    let cells_f = cols_f * rows_f;
    if cells_f.is_nan() || cells_f > MAX_CELLS as f64 {
        let cells = if cells_f.is_finite() && cells_f < u64::MAX as f64 {
            cells_f as u64
        } else {
            u64::MAX
        };
        return Err(KdeError::TooManyCells { cells, limit: MAX_CELLS });
    }
    let (cols, rows) = (cols_f as usize, rows_f as usize);
    let grid = Grid { origin: [extent.min_lon, extent.min_lat], cell, cols };

    // Points (index, x, y, weight) sorted by y, so a band of rows finds its points by two
    // binary searches. Zero-weight points add nothing and are dropped.
    let mut sorted: Vec<(f64, f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (p[0], p[1], weights.map_or(1.0, |w| w[i])))
        .filter(|&(_, _, w)| w > 0.0)
        .collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));

    let mut values = vec![0.0; cols * rows];
    let kernel = Kernel::new(bandwidth);
    let cells_per_disc = PI * (bandwidth / cell).powi(2) + 1.0;
    let work = sorted.len() as f64 * cells_per_disc;
    let threads = threads.unwrap_or_else(|| {
        if work < PARALLEL_MIN_WORK {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    });
    let threads = threads.clamp(1, rows);
    if threads == 1 {
        grid.fill_band(&mut values, 0, &sorted, &kernel);
    } else {
        let band_rows = rows.div_ceil(threads);
        std::thread::scope(|scope| {
            for (band_idx, band) in values.chunks_mut(band_rows * cols).enumerate() {
                let (grid, sorted, kernel) = (&grid, &sorted, &kernel);
                scope.spawn(move || grid.fill_band(band, band_idx * band_rows, sorted, kernel));
            }
        });
    }
    Ok(DensitySurface {
        origin: grid.origin,
        cell,
        cols,
        rows,
        values,
        unit: DensityUnit::PerSquareMetre,
    })
}

/// The unit-volume quartic kernel for one radius.
struct Kernel {
    radius: f64,
    radius_sq: f64,
    scale: f64,
}

impl Kernel {
    fn new(radius: f64) -> Kernel {
        Kernel { radius, radius_sq: radius * radius, scale: 3.0 / (PI * radius * radius) }
    }

    /// K at squared distance `d_sq`, times `weight`.
    fn at(&self, d_sq: f64, weight: f64) -> f64 {
        if d_sq >= self.radius_sq {
            return 0.0;
        }
        let u = 1.0 - d_sq / self.radius_sq;
        weight * self.scale * u * u
    }
}

/// The grid's geometry.
struct Grid {
    origin: [f64; 2],
    cell: f64,
    cols: usize,
}

impl Grid {
    /// Adds every point's kernel to the rows of `band` (whole rows, the first being
    /// `first_row`). `points` are `(x, y, weight)` sorted by y.
    fn fill_band(
        &self,
        band: &mut [f64],
        first_row: usize,
        points: &[(f64, f64, f64)],
        kernel: &Kernel,
    ) {
        let band_rows = band.len() / self.cols;
        if band_rows == 0 {
            return;
        }
        let last_row = first_row + band_rows - 1;
        let y_low = self.origin[1] + (first_row as f64 + 0.5) * self.cell - kernel.radius;
        let y_high = self.origin[1] + (last_row as f64 + 0.5) * self.cell + kernel.radius;
        let start = points.partition_point(|p| p.1 <= y_low);
        let end = points.partition_point(|p| p.1 < y_high);
        for &(x, y, weight) in &points[start.min(end)..end] {
            let Some((row_lo, row_hi)) =
                self.index_range(y - self.origin[1], kernel.radius, first_row, last_row)
            else {
                continue;
            };
            for row in row_lo..=row_hi {
                let dy = self.origin[1] + (row as f64 + 0.5) * self.cell - y;
                let dx_max_sq = kernel.radius_sq - dy * dy;
                if dx_max_sq <= 0.0 {
                    continue;
                }
                let Some((col_lo, col_hi)) =
                    self.index_range(x - self.origin[0], dx_max_sq.sqrt(), 0, self.cols - 1)
                else {
                    continue;
                };
                let offset = (row - first_row) * self.cols;
                for col in col_lo..=col_hi {
                    let dx = self.origin[0] + (col as f64 + 0.5) * self.cell - x;
                    band[offset + col] += kernel.at(dx * dx + dy * dy, weight);
                }
            }
        }
    }

    /// The indices `i` in `lo..=hi` whose cell centre `(i + 0.5)·cell` lies within `reach` of
    /// `at` (both measured from the origin), or `None` when there are none. The range may
    /// include an index on the boundary; the kernel gives it 0.
    fn index_range(&self, at: f64, reach: f64, lo: usize, hi: usize) -> Option<(usize, usize)> {
        let first = ((at - reach) / self.cell - 0.5).ceil();
        let last = ((at + reach) / self.cell - 0.5).floor();
        let first = first.max(lo as f64);
        let last = last.min(hi as f64);
        (first <= last).then_some((first as usize, last as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox(min_x: f64, min_y: f64, max_x: f64, max_y: f64) -> BBox {
        BBox { min_lon: min_x, min_lat: min_y, max_lon: max_x, max_lat: max_y }
    }

    const SIX: [[f64; 2]; 6] =
        [[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0], [50.0, 50.0], [400.0, 400.0]];

    #[test]
    fn arcgis_reference_bandwidth() {
        // ANALYTICS.md §2.3: Dm = 108.6534, SD = 193.2902, radius = 82.0810.
        let parts = bandwidth_parts(&SIX, None).unwrap();
        assert!((parts.median_distance - 108.6534).abs() < 0.5e-4, "{parts:?}");
        assert!((parts.standard_distance - 193.2902).abs() < 0.5e-4, "{parts:?}");
        assert!((parts.bandwidth - 82.0810).abs() < 1e-4, "{parts:?}");
        assert_eq!(parts.n, 6.0);
        assert_eq!(arcgis_default_bandwidth(&SIX, None), Some(parts.bandwidth));
    }

    #[test]
    fn unit_weights_match_no_weights_and_integer_weights_repeat_points() {
        let plain = arcgis_default_bandwidth(&SIX, None).unwrap();
        let ones = arcgis_default_bandwidth(&SIX, Some(&[1.0; 6])).unwrap();
        assert!((plain - ones).abs() < 1e-12);

        // A weight of 2 counts the point twice (n is the sum of the weights).
        let weights = [2.0, 1.0, 1.0, 3.0, 1.0, 1.0];
        let mut repeated = Vec::new();
        for (p, w) in SIX.iter().zip(weights) {
            repeated.extend(std::iter::repeat_n(*p, w as usize));
        }
        let weighted = bandwidth_parts(&SIX, Some(&weights)).unwrap();
        let expanded = bandwidth_parts(&repeated, None).unwrap();
        assert_eq!(weighted.n, 9.0);
        assert!((weighted.bandwidth - expanded.bandwidth).abs() < 1e-9);
        assert!((weighted.median_distance - expanded.median_distance).abs() < 1e-9);
        assert!((weighted.standard_distance - expanded.standard_distance).abs() < 1e-9);
    }

    #[test]
    fn bandwidth_refuses_what_it_cannot_compute() {
        assert_eq!(arcgis_default_bandwidth(&[], None), None);
        assert_eq!(arcgis_default_bandwidth(&[[5.0, 5.0], [5.0, 5.0]], None), None);
        assert_eq!(arcgis_default_bandwidth(&[[f64::NAN, 0.0], [1.0, 1.0]], None), None);
        assert_eq!(arcgis_default_bandwidth(&SIX, Some(&[1.0])), None);
        assert_eq!(arcgis_default_bandwidth(&SIX, Some(&[0.0; 6])), None);
        assert_eq!(arcgis_default_bandwidth(&SIX, Some(&[-1.0, 1.0, 1.0, 1.0, 1.0, 1.0])), None);
        assert_eq!(arcgis_default_bandwidth(&SIX, Some(&[f64::NAN; 6])), None);
    }

    #[test]
    fn surface_integrates_to_the_sum_of_weights() {
        let points = [[500.0, 500.0], [430.0, 560.0], [610.0, 420.0]];
        let weights = [1.0, 2.5, 0.5];
        let surface =
            quartic_kde(&points, Some(&weights), 150.0, &bbox(0.0, 0.0, 1000.0, 1000.0), 1.0)
                .unwrap();
        assert_eq!((surface.cols, surface.rows), (1000, 1000));
        let volume = surface.volume();
        assert!((volume - 4.0).abs() / 4.0 < 1e-3, "volume {volume}");
        let per_km2 = surface.per_km2();
        assert_eq!(per_km2.unit, DensityUnit::PerSquareKilometre);
        assert!((per_km2.volume() - volume).abs() < 1e-9);
        assert!((per_km2.max_value() - surface.max_value() * 1e6).abs() < 1e-6);
    }

    #[test]
    fn peak_is_the_kernel_height_and_edges_are_zero() {
        // One point at a cell centre: that cell holds 3/(π r²); cells r away or more hold 0.
        let surface =
            quartic_kde(&[[5.5, 5.5]], None, 3.0, &bbox(0.0, 0.0, 11.0, 11.0), 1.0).unwrap();
        let peak = 3.0 / (PI * 9.0);
        assert!((surface.value(5, 5).unwrap() - peak).abs() < 1e-15);
        assert_eq!(surface.value(8, 5), Some(0.0));
        assert_eq!(surface.value(5, 2), Some(0.0));
        let one_away = peak * (1.0 - 1.0 / 9.0_f64).powi(2);
        assert!((surface.value(6, 5).unwrap() - one_away).abs() < 1e-15);
        assert_eq!(surface.cell_centre(5, 5), [5.5, 5.5]);
        assert_eq!(surface.value(11, 0), None);
    }

    #[test]
    fn brute_force_agrees() {
        let points: Vec<[f64; 2]> =
            (0..40).map(|i| [(i * 37 % 100) as f64 + 0.3, (i * 61 % 90) as f64 - 7.1]).collect();
        let extent = bbox(-10.0, -20.0, 95.0, 80.0);
        let surface = quartic_kde(&points, None, 17.0, &extent, 2.5).unwrap();
        let kernel = Kernel::new(17.0);
        for row in 0..surface.rows {
            for col in 0..surface.cols {
                let [cx, cy] = surface.cell_centre(col, row);
                let expect: f64 = points
                    .iter()
                    .map(|p| kernel.at((p[0] - cx).powi(2) + (p[1] - cy).powi(2), 1.0))
                    .sum();
                let got = surface.value(col, row).unwrap();
                assert!((got - expect).abs() < 1e-12, "({col}, {row}): {got} vs {expect}");
            }
        }
    }

    #[test]
    fn threads_do_not_change_the_result() {
        let points: Vec<[f64; 2]> =
            (0..500).map(|i| [(i * 7919 % 1000) as f64, (i * 104_729 % 800) as f64]).collect();
        let extent = bbox(0.0, 0.0, 1000.0, 800.0);
        let one = quartic_kde_with_threads(&points, None, 60.0, &extent, 4.0, Some(1)).unwrap();
        for threads in [2, 3, 7, 1000] {
            let many =
                quartic_kde_with_threads(&points, None, 60.0, &extent, 4.0, Some(threads)).unwrap();
            assert_eq!(one, many, "{threads} threads");
        }
    }

    #[test]
    fn errors() {
        let extent = bbox(0.0, 0.0, 100.0, 100.0);
        assert_eq!(quartic_kde(&[], None, 10.0, &extent, 1.0), Err(KdeError::NoPoints));
        assert_eq!(quartic_kde(&SIX, None, 0.0, &extent, 1.0), Err(KdeError::BadBandwidth(0.0)));
        assert!(matches!(
            quartic_kde(&SIX, None, f64::NAN, &extent, 1.0),
            Err(KdeError::BadBandwidth(_))
        ));
        assert_eq!(quartic_kde(&SIX, None, 10.0, &extent, -1.0), Err(KdeError::BadCell(-1.0)));
        assert_eq!(
            quartic_kde(&SIX, Some(&[1.0]), 10.0, &extent, 1.0),
            Err(KdeError::LengthMismatch { points: 6, weights: 1 })
        );
        assert_eq!(
            quartic_kde(&SIX, Some(&[1.0, 1.0, -2.0, 1.0, 1.0, 1.0]), 10.0, &extent, 1.0),
            Err(KdeError::BadWeight { index: 2, weight: -2.0 })
        );
        assert_eq!(
            quartic_kde(&[[0.0, 0.0], [f64::INFINITY, 1.0]], None, 10.0, &extent, 1.0),
            Err(KdeError::NonFinitePoint { index: 1 })
        );
        assert_eq!(
            quartic_kde(&SIX, None, 10.0, &bbox(0.0, 0.0, -1.0, 1.0), 1.0),
            Err(KdeError::BadExtent)
        );
        let too_many = quartic_kde(&SIX, None, 10.0, &bbox(0.0, 0.0, 10_000.0, 10_000.0), 1.0);
        assert_eq!(too_many, Err(KdeError::TooManyCells { cells: 100_000_000, limit: MAX_CELLS }));
        let message = too_many.unwrap_err().to_string();
        assert!(message.contains("100000000 cells"), "{message}");
        assert!(matches!(
            quartic_kde(&SIX, None, 10.0, &bbox(0.0, 0.0, 1e300, 1e300), 1e-300),
            Err(KdeError::TooManyCells { cells: u64::MAX, .. })
        ));
    }

    #[test]
    fn default_cell_is_the_shorter_side_over_250() {
        assert_eq!(default_cell_size(&bbox(0.0, 0.0, 5000.0, 2500.0)), Some(10.0));
        assert_eq!(default_cell_size(&bbox(0.0, 0.0, 5000.0, 0.0)), None);
        assert_eq!(default_cell_size(&bbox(0.0, 0.0, f64::NAN, 10.0)), None);
    }

    #[test]
    fn degenerate_extent_still_gives_one_cell() {
        let surface =
            quartic_kde(&[[0.0, 0.0]], None, 10.0, &bbox(0.0, 0.0, 0.0, 0.0), 1.0).unwrap();
        assert_eq!((surface.cols, surface.rows, surface.values.len()), (1, 1, 1));
        assert!(surface.values[0] > 0.0);
    }
}
