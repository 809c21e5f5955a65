//! Which area a point is in: an index over polygons (LSOAs, wards, a user's area) that answers
//! point-in-polygon queries quickly, for selecting police.uk rows by area and assigning them to
//! areas for maps.
//!
//! [`AreaIndex`] keeps an R-tree of the bounding boxes of every polygon part, and runs the
//! exact containment test ([`MultiPolygon::contains`]) only on the parts whose box holds the
//! point. Containment follows the half-open edge rule of [`safer_domain::geo`]: a point on the
//! boundary shared by two adjacent areas belongs to exactly one of them, so areas that tile a
//! district never both claim a point, and the answer is the same however the query is run.
//!
//! police.uk locations are anonymised snap points, so one month's rows repeat a few thousand
//! positions many times over; [`AreaIndex::locate_all`] locates each distinct position once.

use std::collections::HashMap;
use std::fmt;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;
use safer_domain::geo::{BBox, MultiPolygon};

/// Below this many distinct points, [`AreaIndex::locate_all`] stays on the calling thread:
/// spawning threads would cost more than it saves.
const PARALLEL_MIN_POINTS: usize = 4096;

/// An R-tree entry: the bounding box of one polygon part, with (area index, part index).
type PartBox = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;

/// Areas indexed for point location. Areas are identified by their position in the vector
/// given to [`AreaIndex::new`].
pub struct AreaIndex {
    areas: Vec<MultiPolygon>,
    tree: RTree<PartBox>,
    bbox: Option<BBox>,
}

impl fmt::Debug for AreaIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AreaIndex")
            .field("n_areas", &self.areas.len())
            .field("n_parts", &self.tree.size())
            .field("bbox", &self.bbox)
            .finish()
    }
}

impl AreaIndex {
    /// Indexes `areas`. Each polygon part gets its own entry, so an area with far-apart parts
    /// (an island, say) is only tested near its parts. Parts without a finite position are not
    /// indexed: they contain no point.
    pub fn new(areas: Vec<MultiPolygon>) -> AreaIndex {
        let mut part_boxes = Vec::new();
        for (area_idx, area) in areas.iter().enumerate() {
            for (part_idx, polygon) in area.polygons.iter().enumerate() {
                if let Some(bbox) = polygon.bbox() {
                    let rectangle = Rectangle::from_corners(
                        [bbox.min_lon, bbox.min_lat],
                        [bbox.max_lon, bbox.max_lat],
                    );
                    part_boxes.push(GeomWithData::new(rectangle, (area_idx, part_idx)));
                }
            }
        }
        let bbox = areas.iter().filter_map(MultiPolygon::bbox).reduce(|a, b| a.union(&b));
        AreaIndex { areas, tree: RTree::bulk_load(part_boxes), bbox }
    }

    /// The number of areas.
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// Whether there are no areas.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The bounding box of all areas, or `None` when no area has a position.
    pub fn bbox(&self) -> Option<BBox> {
        self.bbox
    }

    /// The areas, in the order given to [`AreaIndex::new`].
    pub fn areas(&self) -> &[MultiPolygon] {
        &self.areas
    }

    /// The index of the lowest-numbered area containing the point, or `None` when no area
    /// contains it or a coordinate is not finite. Under the half-open edge rule, of adjacent
    /// areas exactly one contains a point on their shared boundary, so the "lowest" only
    /// matters when areas overlap. Always the same as the first area in order whose
    /// [`MultiPolygon::contains`] is true.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<usize> {
        if !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let mut found: Option<usize> = None;
        for entry in self.tree.locate_all_at_point(&[lon, lat]) {
            let (area_idx, part_idx) = entry.data;
            if found.is_some_and(|best| best <= area_idx) {
                continue;
            }
            if self.areas[area_idx].polygons[part_idx].contains(lon, lat) {
                found = Some(area_idx);
            }
        }
        found
    }

    /// [`AreaIndex::locate`] for every point (`[lon, lat]`), in order. Identical points (the
    /// same bits) are located once; when there are many distinct points they are shared
    /// between threads (`std::thread::scope`, one per available core). The answers do not
    /// depend on the number of threads.
    pub fn locate_all(&self, points: &[[f64; 2]]) -> Vec<Option<usize>> {
        let mut slot_of: HashMap<[u64; 2], usize> = HashMap::new();
        let mut unique: Vec<[f64; 2]> = Vec::new();
        let slots: Vec<usize> = points
            .iter()
            .map(|&[lon, lat]| {
                *slot_of.entry([lon.to_bits(), lat.to_bits()]).or_insert_with(|| {
                    unique.push([lon, lat]);
                    unique.len() - 1
                })
            })
            .collect();
        drop(slot_of);
        let answers = self.locate_unique(&unique);
        slots.into_iter().map(|slot| answers[slot]).collect()
    }

    fn locate_unique(&self, points: &[[f64; 2]]) -> Vec<Option<usize>> {
        let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if points.len() < PARALLEL_MIN_POINTS || n_threads < 2 {
            return points.iter().map(|&[lon, lat]| self.locate(lon, lat)).collect();
        }
        let mut answers = vec![None; points.len()];
        let chunk_len = points.len().div_ceil(n_threads);
        std::thread::scope(|scope| {
            for (points, answers) in points.chunks(chunk_len).zip(answers.chunks_mut(chunk_len)) {
                scope.spawn(move || {
                    for (&[lon, lat], answer) in points.iter().zip(answers) {
                        *answer = self.locate(lon, lat);
                    }
                });
            }
        });
        answers
    }
}

#[cfg(test)]
mod tests {
    use safer_domain::geo::Polygon;

    use super::*;

    /// A tiny deterministic generator (SplitMix64), so the tests need no dependency.
    struct SplitMix(u64);

    impl SplitMix {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A district-like tiling: a jittered grid of `n × n` quadrilateral cells near Maidstone,
    /// neighbours sharing their corner positions exactly, rings running either way. Some cells
    /// are merged into two-part areas, one cell has a hole filled by its own area, and one
    /// extra area at the end overlaps others.
    fn tiling(rng: &mut SplitMix, n: usize) -> (Vec<MultiPolygon>, Vec<[f64; 2]>) {
        let (lon0, lat0, step) = (0.40, 51.15, 0.01);
        let corner: Vec<Vec<[f64; 2]>> = (0..=n)
            .map(|i| {
                (0..=n)
                    .map(|j| {
                        let jitter = |rng: &mut SplitMix, at_edge: bool| {
                            if at_edge {
                                0.0
                            } else {
                                (rng.unit() - 0.5) * 0.6 * step
                            }
                        };
                        let lon = lon0 + i as f64 * step + jitter(rng, i == 0 || i == n);
                        let lat = lat0 + j as f64 * step + jitter(rng, j == 0 || j == n);
                        [lon, lat]
                    })
                    .collect()
            })
            .collect();
        let mut areas = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let mut ring = vec![
                    corner[i][j],
                    corner[i + 1][j],
                    corner[i + 1][j + 1],
                    corner[i][j + 1],
                    corner[i][j],
                ];
                if rng.below(2) == 0 {
                    ring.reverse();
                }
                if rng.below(3) == 0 {
                    ring.pop(); // Unclosed rings are allowed.
                }
                areas.push(MultiPolygon::new(vec![Polygon::new(ring)]));
            }
        }
        // Merge some cells into two-part areas by moving a part over and leaving the donor
        // empty (it then contains nothing).
        for _ in 0..n {
            let (from, to) = (rng.below(areas.len()), rng.below(areas.len()));
            if from != to {
                let parts = std::mem::take(&mut areas[from].polygons);
                areas[to].polygons.extend(parts);
            }
        }
        // A hole in one cell, filled by an island part of the same area.
        let [a, b] = [corner[1][1], corner[2][2]];
        let centre = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
        let d = step / 10.0;
        let hole = vec![
            [centre[0] - d, centre[1] - d],
            [centre[0] + d, centre[1] - d],
            [centre[0] + d, centre[1] + d],
            [centre[0] - d, centre[1] + d],
        ];
        let holed = areas.iter().position(|area| area.contains(centre[0], centre[1])).unwrap();
        let part =
            areas[holed].polygons.iter().position(|p| p.contains(centre[0], centre[1])).unwrap();
        areas[holed].polygons[part].holes.push(hole.clone());
        areas[holed].polygons.push(Polygon::new(hole.clone()));
        // An overlapping area at the end: the lowest index must win.
        areas.push(MultiPolygon::new(vec![Polygon::new(vec![
            [lon0 + 2.5 * step, lat0 + 2.5 * step],
            [lon0 + 6.5 * step, lat0 + 2.5 * step],
            [lon0 + 4.5 * step, lat0 + 7.0 * step],
        ])]));
        let corners = corner.into_iter().flatten().chain(hole).collect();
        (areas, corners)
    }

    fn brute_force(areas: &[MultiPolygon], lon: f64, lat: f64) -> Option<usize> {
        areas.iter().position(|area| area.contains(lon, lat))
    }

    /// Random points over and around the tiling, grid corners (exactly on shared vertices),
    /// points on the straight line between corners (on or within rounding of shared edges),
    /// and repeats, as snapped police.uk points are.
    fn points(rng: &mut SplitMix, corners: &[[f64; 2]], n: usize) -> Vec<[f64; 2]> {
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(n);
        while points.len() < n {
            let point = match rng.below(5) {
                0 => corners[rng.below(corners.len())],
                1 => {
                    let (a, b) =
                        (corners[rng.below(corners.len())], corners[rng.below(corners.len())]);
                    let t = rng.unit();
                    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
                }
                2 if !points.is_empty() => points[rng.below(points.len())],
                _ => [0.38 + rng.unit() * 0.24, 51.13 + rng.unit() * 0.24],
            };
            points.push(point);
        }
        points
    }

    #[test]
    fn locate_agrees_with_brute_force() {
        let mut rng = SplitMix(202_103);
        for n in [3, 8, 15] {
            let (areas, corners) = tiling(&mut rng, n);
            let index = AreaIndex::new(areas.clone());
            assert_eq!(index.len(), areas.len());
            for [lon, lat] in points(&mut rng, &corners, 5000) {
                assert_eq!(index.locate(lon, lat), brute_force(&areas, lon, lat), "({lon}, {lat})");
            }
        }
    }

    #[test]
    fn shared_corners_belong_to_exactly_one_cell() {
        let mut rng = SplitMix(7);
        let (mut areas, corners) = tiling(&mut rng, 10);
        areas.pop(); // Without the overlapping area, the cells tile the square.
        let bbox = AreaIndex::new(areas.clone()).bbox().unwrap();
        for [lon, lat] in corners {
            let n = areas.iter().filter(|area| area.contains(lon, lat)).count();
            let on_north_or_east_edge = lon == bbox.max_lon || lat == bbox.max_lat;
            assert_eq!(n, usize::from(!on_north_or_east_edge), "({lon}, {lat})");
        }
    }

    #[test]
    fn locate_all_matches_locate_on_both_paths() {
        let mut rng = SplitMix(42);
        let (areas, corners) = tiling(&mut rng, 12);
        let index = AreaIndex::new(areas);
        // Few points stay on this thread; many distinct points go to the threads.
        for n in [0, 100, 3 * PARALLEL_MIN_POINTS] {
            let mut points = points(&mut rng, &corners, n);
            points.extend([[f64::NAN, 51.2], [0.45, f64::INFINITY], [-0.0, 0.0], [0.0, 0.0]]);
            let expect: Vec<Option<usize>> =
                points.iter().map(|&[lon, lat]| index.locate(lon, lat)).collect();
            assert_eq!(index.locate_all(&points), expect);
        }
    }

    #[test]
    fn non_finite_and_empty() {
        let empty = AreaIndex::new(Vec::new());
        assert!(empty.is_empty());
        assert_eq!(empty.bbox(), None);
        assert_eq!(empty.locate(0.5, 51.2), None);
        assert_eq!(empty.locate_all(&[[0.5, 51.2]]), [None]);
        let square = MultiPolygon::new(vec![Polygon::new(vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
        ])]);
        let index = AreaIndex::new(vec![MultiPolygon::default(), square]);
        assert_eq!(index.locate(0.5, 0.5), Some(1));
        assert_eq!(index.locate(f64::NAN, 0.5), None);
        assert_eq!(index.locate(0.5, f64::NEG_INFINITY), None);
        assert_eq!(
            index.bbox(),
            Some(BBox { min_lon: 0.0, min_lat: 0.0, max_lon: 1.0, max_lat: 1.0 })
        );
        assert!(format!("{index:?}").contains("n_areas: 2"));
    }
}
