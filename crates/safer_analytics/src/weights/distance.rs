//! Weights from point positions: a fixed distance band and k nearest neighbours.
//!
//! Points are `[x, y]` in a planar coordinate system in metres (project WGS84 longitude and
//! latitude first, to the British National Grid say); distances are Euclidean. Typical points
//! are the centroids of areas or grid cells. Both builders index the points in an R-tree
//! (`rstar`), so each query looks only at nearby points, and run the queries on one thread per
//! core when there are many.

use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::{par_map, Weights, WeightsError};

/// An R-tree entry: a point with its unit index.
type IndexedPoint = GeomWithData<[f64; 2], usize>;

/// Checks that there is one point per id and that every coordinate is finite.
fn check_points(ids: &[String], points: &[[f64; 2]]) -> Result<(), WeightsError> {
    if ids.len() != points.len() {
        return Err(WeightsError::GeometryCountMismatch {
            ids: ids.len(),
            geometries: points.len(),
        });
    }
    if let Some(i) = points.iter().position(|p| !p[0].is_finite() || !p[1].is_finite()) {
        return Err(WeightsError::NonFiniteCoordinate { unit: ids[i].clone() });
    }
    Ok(())
}

fn point_tree(points: &[[f64; 2]]) -> RTree<IndexedPoint> {
    RTree::bulk_load(points.iter().enumerate().map(|(i, &p)| GeomWithData::new(p, i)).collect())
}

/// Binary distance-band weights: units `i` and `j` (i ≠ j) are neighbours when the Euclidean
/// distance between their points is at most `threshold` (compared as squared distances,
/// `d² ≤ threshold²`), like libpysal's `DistanceBand(points, threshold, binary=True)`. The
/// result is symmetric. Coincident points are neighbours of each other. Units with no point
/// within the threshold are islands.
///
/// Refuses a different number of ids and points, a non-finite coordinate, a threshold that is
/// not a positive finite number, and duplicate ids. The number of links grows with the square
/// of the threshold: a band far wider than the spacing of the points makes a dense matrix.
pub fn distance_band(
    ids: Vec<String>,
    points: &[[f64; 2]],
    threshold: f64,
) -> Result<Weights, WeightsError> {
    check_points(&ids, points)?;
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(WeightsError::BadThreshold { threshold: threshold.to_string() });
    }
    let tree = point_tree(points);
    let max_distance_2 = threshold * threshold;
    let neighbours = par_map(points.len(), |i| {
        let mut list: Vec<usize> = tree
            .locate_within_distance(points[i], max_distance_2)
            .map(|entry| entry.data)
            .filter(|&j| j != i)
            .collect();
        list.sort_unstable();
        list
    });
    Weights::binary(ids, neighbours)
}

/// Binary k-nearest-neighbour weights: each unit's neighbours are the `k` other units whose
/// points are nearest to its own (Euclidean distance). Not symmetric in general: `j` may be
/// among `i`'s nearest without `i` being among `j`'s. No unit is an island.
///
/// Ties: when several units are equally distant at the k-th place, the ones with the lower
/// index (earlier in `ids`) are taken. libpysal's `KNN` leaves ties to its KD-tree, so on
/// points with tied distances (a regular grid) the two may pick different neighbours; on
/// points in general position they agree. Coincident points are at distance 0 and so are
/// each other's nearest.
///
/// Refuses `k = 0`, `k ≥ n` (there are only n − 1 other units), a different number of ids and
/// points, a non-finite coordinate and duplicate ids.
pub fn knn(ids: Vec<String>, points: &[[f64; 2]], k: usize) -> Result<Weights, WeightsError> {
    check_points(&ids, points)?;
    let n = points.len();
    if k == 0 || k >= n {
        return Err(WeightsError::BadK { k, n });
    }
    let tree = point_tree(points);
    let neighbours = par_map(n, |i| {
        // The iterator yields points in order of distance; keep going past the k-th only while
        // the distance ties with it, then order the ties by index.
        let mut found: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
        for (entry, distance_2) in tree.nearest_neighbor_iter_with_distance_2(&points[i]) {
            let j = entry.data;
            if j == i {
                continue;
            }
            if found.len() >= k && distance_2 > found[k - 1].0 {
                break;
            }
            found.push((distance_2, j));
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        found.truncate(k);
        found.into_iter().map(|(_, j)| j).collect::<Vec<usize>>()
    });
    Weights::binary(ids, neighbours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    /// The esda Gi* reference points of ANALYTICS.md §2.1.
    const ESDA_POINTS: [[f64; 2]; 6] =
        [[10.0, 10.0], [20.0, 10.0], [40.0, 10.0], [15.0, 20.0], [30.0, 20.0], [30.0, 30.0]];

    fn lists(w: &Weights) -> Vec<Vec<usize>> {
        (0..w.n()).map(|i| w.neighbours(i).iter().map(|&(j, _)| j).collect()).collect()
    }

    /// A small deterministic generator (SplitMix64), so tests need no extra crate.
    struct SplitMix(u64);

    impl SplitMix {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn uniform(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn distance_band_matches_the_esda_reference_points() {
        // libpysal 4.14.1 `DistanceBand(points, threshold=15, binary=True)` gives these lists.
        // 1–4 and 2–4 are √200 = 14.1 apart; 3–4 exactly 15 (the band is closed).
        let w = distance_band(ids(6), &ESDA_POINTS, 15.0).unwrap();
        assert_eq!(
            lists(&w),
            vec![vec![1, 3], vec![0, 3, 4], vec![4], vec![0, 1, 4], vec![1, 2, 3, 5], vec![4]]
        );
        assert!(w.is_symmetric());
        assert!(w.islands().is_empty());
        let narrow = distance_band(ids(6), &ESDA_POINTS, 9.0).unwrap();
        assert_eq!(narrow.islands(), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn distance_band_agrees_with_brute_force_on_random_points() {
        let mut rng = SplitMix(7);
        let points: Vec<[f64; 2]> =
            (0..1500).map(|_| [rng.uniform() * 1000.0, rng.uniform() * 1000.0]).collect();
        let w = distance_band(ids(points.len()), &points, 40.0).unwrap();
        for (i, p) in points.iter().enumerate() {
            let expected: Vec<usize> = (0..points.len())
                .filter(|&j| {
                    let (dx, dy) = (points[j][0] - p[0], points[j][1] - p[1]);
                    j != i && dx * dx + dy * dy <= 1600.0
                })
                .collect();
            assert_eq!(lists(&w)[i], expected, "unit {i}");
        }
        assert!(w.is_symmetric());
    }

    #[test]
    fn knn_takes_the_nearest_and_breaks_ties_by_index() {
        let w = knn(ids(6), &ESDA_POINTS, 2).unwrap();
        // As libpysal 4.14.1 `KNN(points, k=2)`. Point 4's nearest is 5 (10 away), then 1 and 2
        // are both exactly √200 away: the tie goes to the lower index, 1.
        assert_eq!(
            lists(&w),
            vec![vec![1, 3], vec![0, 3], vec![1, 4], vec![0, 1], vec![1, 5], vec![3, 4]]
        );
        assert_eq!(w.n_links(), 12);
        assert!(w.islands().is_empty());

        // A centre with four points at distance 1: the lower indices win the tie.
        let cross = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]];
        let w = knn(ids(5), &cross, 2).unwrap();
        assert_eq!(lists(&w)[0], vec![1, 2]);
        let w = knn(ids(5), &cross, 3).unwrap();
        assert_eq!(lists(&w)[0], vec![1, 2, 3]);
        // Point 1's nearest is the centre (1); then 2 and 4 tie at √2.
        let w = knn(ids(5), &cross, 2).unwrap();
        assert_eq!(lists(&w)[1], vec![0, 2]);
    }

    #[test]
    fn knn_agrees_with_brute_force_on_a_grid_full_of_ties() {
        // Integer grid: most distances tie; the rule (distance, then index) decides.
        let points: Vec<[f64; 2]> =
            (0..60 * 60).map(|i| [f64::from(i % 60), f64::from(i / 60)]).collect();
        for k in [1, 4, 7] {
            let w = knn(ids(points.len()), &points, k).unwrap();
            for (i, p) in points.iter().enumerate().step_by(37) {
                let mut all: Vec<(f64, usize)> = (0..points.len())
                    .filter(|&j| j != i)
                    .map(|j| ((points[j][0] - p[0]).powi(2) + (points[j][1] - p[1]).powi(2), j))
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let mut expected: Vec<usize> = all[..k].iter().map(|&(_, j)| j).collect();
                expected.sort_unstable();
                assert_eq!(lists(&w)[i], expected, "k {k}, unit {i}");
            }
        }
    }

    #[test]
    fn coincident_points_are_neighbours() {
        let points = [[5.0, 5.0], [5.0, 5.0], [100.0, 5.0]];
        let w = distance_band(ids(3), &points, 1.0).unwrap();
        assert_eq!(lists(&w), vec![vec![1], vec![0], vec![]]);
        let w = knn(ids(3), &points, 1).unwrap();
        assert_eq!(lists(&w), vec![vec![1], vec![0], vec![0]]);
    }

    #[test]
    fn refuses_bad_input() {
        let points = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]];
        for k in [0, 3, 4] {
            let err = knn(ids(3), &points, k).unwrap_err();
            assert_eq!(err, WeightsError::BadK { k, n: 3 });
        }
        assert_eq!(
            knn(ids(3), &points, 0).unwrap_err().to_string(),
            "k is 0 but must be at least 1 and less than the number of units (3)"
        );
        for threshold in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                distance_band(ids(3), &points, threshold),
                Err(WeightsError::BadThreshold { .. })
            ));
        }
        assert_eq!(
            distance_band(ids(3), &points, -2.5).unwrap_err().to_string(),
            "the distance threshold -2.5 must be a positive finite number"
        );
        let nan = [[0.0, 0.0], [f64::NAN, 0.0], [2.0, 0.0]];
        assert_eq!(
            knn(ids(3), &nan, 1).unwrap_err().to_string(),
            "unit u1 has a coordinate that is not a finite number"
        );
        assert!(matches!(
            distance_band(ids(2), &points, 1.0),
            Err(WeightsError::GeometryCountMismatch { ids: 2, geometries: 3 })
        ));
        assert!(matches!(
            knn(vec!["a".into(), "a".into(), "b".into()], &points, 1),
            Err(WeightsError::DuplicateId { .. })
        ));
    }

    /// 100,000 points. Timed; set `SAFER_SLOW_TESTS` to run it (best in release).
    #[test]
    fn many_points_are_quick() {
        if std::env::var_os("SAFER_SLOW_TESTS").is_none() {
            return;
        }
        let mut rng = SplitMix(11);
        let n = 100_000;
        let points: Vec<[f64; 2]> =
            (0..n).map(|_| [rng.uniform() * 50_000.0, rng.uniform() * 50_000.0]).collect();
        let started = std::time::Instant::now();
        let w = knn(ids(n), &points, 8).unwrap();
        let knn_s = started.elapsed().as_secs_f64();
        assert_eq!(w.n_links(), 8 * n);
        let started = std::time::Instant::now();
        let w = distance_band(ids(n), &points, 250.0).unwrap();
        let band_s = started.elapsed().as_secs_f64();
        assert!(w.is_symmetric());
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "100,000 points: knn(k = 8) {knn_s:.3} s, distance band (250 m) {band_s:.3} s"
            );
        }
        // Generous bounds: debug builds on a loaded machine. Release is far faster.
        assert!(knn_s < 30.0 && band_s < 30.0, "knn {knn_s:.2} s, band {band_s:.2} s");
    }
}
