//! Contiguity weights: two areas are neighbours when their polygons touch or overlap, within a
//! tolerance.
//!
//! Boundaries published at a generalised resolution (the usual LSOA and ward files) rarely
//! share exact vertices: the line between two LSOAs is simplified once for each, and the copies
//! can drift apart by a fraction of a metre. Matching vertices exactly (libpysal's default
//! `Queen`) then misses real neighbours, so the rule here is geometric: units `i` and `j` are
//! neighbours when the minimum distance between their boundaries is at most the tolerance, or
//! when one contains a point of the other (one lies inside the other, boundaries apart). It is
//! queen-style: a shared corner within the tolerance is enough.
//!
//! Coordinates are planar metres (`[x, y]`, for example the British National Grid), carried in
//! the [`safer_domain::geo`] types; project WGS84 before calling. The tolerance is in the same
//! units.
//!
//! # How it stays fast
//!
//! 1. Every polygon part's bounding box goes in an R-tree; each box, expanded by the
//!    tolerance, is queried against it, giving the candidate pairs of parts.
//! 2. For a candidate pair, only the boundary segments of each part whose box meets the other
//!    part's expanded box are kept (near a shared boundary, a small share of the whole).
//! 3. The exact segment-to-segment distance is computed between those, through a small R-tree
//!    of one side's segments when the product of the counts is large; the first pair within
//!    the tolerance settles it.
//! 4. If no boundaries are within the tolerance, a vertex of each part is tested for
//!    containment in the other (with disjoint boundaries, two polygons overlap only if one
//!    lies inside the other).
//!
//! Candidate pairs are checked on one thread per core when there are many.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use safer_domain::geo::{MultiPolygon, Polygon};

use super::{par_map, Weights, WeightsError};

/// A boundary segment: its two ends.
type Segment = [[f64; 2]; 2];

/// Above this many segment pairs, the exact check indexes one side's segments in an R-tree
/// instead of comparing every pair.
const BRUTE_FORCE_MAX_PAIRS: usize = 1024;

/// One polygon part of a unit, prepared for the checks.
struct Part<'a> {
    unit: usize,
    polygon: &'a Polygon,
    segments: Vec<Segment>,
    /// `[min_x, min_y, max_x, max_y]` of every ring.
    bbox: [f64; 4],
}

/// Binary, symmetric contiguity weights for polygons in projected metres: units `i` and `j`
/// are neighbours when the minimum distance between their boundaries (exterior rings and holes
/// of every part) is at most `tolerance`, or when one contains a point of the other. A corner
/// is enough (queen contiguity). Use a tolerance of about 1 m for generalised boundaries;
/// `0.0` asks for exact contact, subject to floating-point rounding.
///
/// A unit with no polygon parts, or only empty rings, is an island. Refuses a different
/// number of ids and polygons, a non-finite vertex, a tolerance that is negative or not
/// finite, and duplicate ids. See the [module documentation](self) for the method.
pub fn contiguity(
    ids: Vec<String>,
    polygons: &[MultiPolygon],
    tolerance: f64,
) -> Result<Weights, WeightsError> {
    if ids.len() != polygons.len() {
        return Err(WeightsError::GeometryCountMismatch {
            ids: ids.len(),
            geometries: polygons.len(),
        });
    }
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        return Err(WeightsError::BadTolerance { tolerance: tolerance.to_string() });
    }
    let parts = prepare_parts(&ids, polygons)?;

    // 1. Candidate pairs of parts, from boxes expanded by the tolerance; lower unit first.
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        parts
            .iter()
            .enumerate()
            .map(|(idx, part)| {
                let [min_x, min_y, max_x, max_y] = part.bbox;
                GeomWithData::new(Rectangle::from_corners([min_x, min_y], [max_x, max_y]), idx)
            })
            .collect(),
    );
    let mut candidates: Vec<(usize, usize, usize, usize)> = par_map(parts.len(), |a| {
        let part = &parts[a];
        let [min_x, min_y, max_x, max_y] = expand(part.bbox, tolerance);
        let envelope = AABB::from_corners([min_x, min_y], [max_x, max_y]);
        tree.locate_in_envelope_intersecting(&envelope)
            .map(|entry| entry.data)
            .filter(|&b| parts[b].unit > part.unit)
            .map(|b| (part.unit, parts[b].unit, a, b))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    candidates.sort_unstable();

    // 2–4. The exact check, once per pair of units: any pair of their parts will do.
    let mut groups: Vec<&[(usize, usize, usize, usize)]> = Vec::new();
    let mut rest = candidates.as_slice();
    while let Some(&(i, j, _, _)) = rest.first() {
        let len = rest.iter().take_while(|c| c.0 == i && c.1 == j).count();
        let (group, tail) = rest.split_at(len);
        groups.push(group);
        rest = tail;
    }
    let touching = par_map(groups.len(), |g| {
        groups[g].iter().any(|&(_, _, a, b)| parts_touch(&parts[a], &parts[b], tolerance))
    });

    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for (group, touch) in groups.iter().zip(touching) {
        if touch {
            let (i, j, _, _) = group[0];
            neighbours[i].push(j);
            neighbours[j].push(i);
        }
    }
    Weights::binary(ids, neighbours)
}

/// The parts of every unit with their segments and boxes; refuses non-finite vertices.
fn prepare_parts<'a>(
    ids: &[String],
    polygons: &'a [MultiPolygon],
) -> Result<Vec<Part<'a>>, WeightsError> {
    let mut parts = Vec::new();
    for (unit, multi) in polygons.iter().enumerate() {
        for polygon in &multi.polygons {
            let rings = std::iter::once(&polygon.exterior).chain(&polygon.holes);
            let mut segments = Vec::new();
            let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            for ring in rings {
                for (k, &p) in ring.iter().enumerate() {
                    if !p[0].is_finite() || !p[1].is_finite() {
                        return Err(WeightsError::NonFiniteCoordinate { unit: ids[unit].clone() });
                    }
                    bbox = [
                        bbox[0].min(p[0]),
                        bbox[1].min(p[1]),
                        bbox[2].max(p[0]),
                        bbox[3].max(p[1]),
                    ];
                    // The ring closes itself: the last position joins the first.
                    segments.push([p, ring[(k + 1) % ring.len()]]);
                }
            }
            if !segments.is_empty() {
                parts.push(Part { unit, polygon, segments, bbox });
            }
        }
    }
    Ok(parts)
}

/// Whether two parts' boundaries come within `tolerance` of each other, or one part contains
/// a vertex of the other.
fn parts_touch(a: &Part<'_>, b: &Part<'_>, tolerance: f64) -> bool {
    let tolerance_2 = tolerance * tolerance;
    let near_b = expand(b.bbox, tolerance);
    let near_a = expand(a.bbox, tolerance);
    let a_segments: Vec<&Segment> =
        a.segments.iter().filter(|s| boxes_meet(segment_box(s), near_b)).collect();
    let b_segments: Vec<&Segment> =
        b.segments.iter().filter(|s| boxes_meet(segment_box(s), near_a)).collect();
    if !a_segments.is_empty() && !b_segments.is_empty() {
        if a_segments.len() * b_segments.len() <= BRUTE_FORCE_MAX_PAIRS {
            let close = a_segments
                .iter()
                .any(|s| b_segments.iter().any(|t| segment_distance_2(s, t) <= tolerance_2));
            if close {
                return true;
            }
        } else {
            let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
                b_segments
                    .iter()
                    .enumerate()
                    .map(|(idx, t)| {
                        let [min_x, min_y, max_x, max_y] = segment_box(t);
                        GeomWithData::new(
                            Rectangle::from_corners([min_x, min_y], [max_x, max_y]),
                            idx,
                        )
                    })
                    .collect(),
            );
            let close = a_segments.iter().any(|s| {
                let [min_x, min_y, max_x, max_y] = expand(segment_box(s), tolerance);
                let envelope = AABB::from_corners([min_x, min_y], [max_x, max_y]);
                tree.locate_in_envelope_intersecting(&envelope)
                    .any(|entry| segment_distance_2(s, b_segments[entry.data]) <= tolerance_2)
            });
            if close {
                return true;
            }
        }
    }
    // Boundaries apart: they overlap only if one lies inside the other.
    let inside = |part: &Part<'_>, other: &Part<'_>| {
        let [x, y] = part.segments[0][0];
        other.polygon.contains(x, y)
    };
    inside(a, b) || inside(b, a)
}

/// `[min_x, min_y, max_x, max_y]` grown by `by` on every side.
fn expand(bbox: [f64; 4], by: f64) -> [f64; 4] {
    [bbox[0] - by, bbox[1] - by, bbox[2] + by, bbox[3] + by]
}

fn segment_box(s: &Segment) -> [f64; 4] {
    let [p, q] = s;
    [p[0].min(q[0]), p[1].min(q[1]), p[0].max(q[0]), p[1].max(q[1])]
}

/// Whether two closed boxes share a point.
fn boxes_meet(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// Twice the signed area of the triangle p, q, r: positive when r is left of p → q.
fn orientation(p: [f64; 2], q: [f64; 2], r: [f64; 2]) -> f64 {
    (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
}

/// The squared distance from point `p` to the segment `a`–`b`.
fn point_segment_distance_2(p: [f64; 2], [a, b]: &Segment) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length_2 = dx * dx + dy * dy;
    let t = if length_2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length_2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    ex * ex + ey * ey
}

/// The squared minimum distance between two segments: 0 when they cross; otherwise the
/// minimum is reached at an end of one of them.
fn segment_distance_2(s: &Segment, t: &Segment) -> f64 {
    let opposite = |u: f64, v: f64| (u > 0.0 && v < 0.0) || (u < 0.0 && v > 0.0);
    if opposite(orientation(s[0], s[1], t[0]), orientation(s[0], s[1], t[1]))
        && opposite(orientation(t[0], t[1], s[0]), orientation(t[0], t[1], s[1]))
    {
        return 0.0;
    }
    point_segment_distance_2(s[0], t)
        .min(point_segment_distance_2(s[1], t))
        .min(point_segment_distance_2(t[0], s))
        .min(point_segment_distance_2(t[1], s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    fn lists(w: &Weights) -> Vec<Vec<usize>> {
        (0..w.n()).map(|i| w.neighbours(i).iter().map(|&(j, _)| j).collect()).collect()
    }

    fn rect(min_x: f64, min_y: f64, max_x: f64, max_y: f64) -> Polygon {
        Polygon::new(vec![[min_x, min_y], [max_x, min_y], [max_x, max_y], [min_x, max_y]])
    }

    fn one(polygon: Polygon) -> MultiPolygon {
        MultiPolygon::new(vec![polygon])
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

        /// Uniform in [-1, 1).
        fn symmetric(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    /// A `cols` × `rows` grid of `size`-metre cells whose sides are split into `per_side`
    /// pieces. Shared sides get the same wiggle in both cells (as a true boundary), then every
    /// vertex is moved independently by up to `jitter` in x and y (as generalisation does).
    fn wiggly_grid(
        cols: usize,
        rows: usize,
        size: f64,
        per_side: usize,
        jitter: f64,
        seed: u64,
    ) -> Vec<MultiPolygon> {
        let mut rng = SplitMix(seed);
        // Lattice points of the fine grid along cell sides, each displaced once (shared).
        let fine_cols = cols * per_side + 1;
        let fine_rows = rows * per_side + 1;
        let wiggle = size / per_side as f64 * 0.3;
        let lattice: Vec<[f64; 2]> = (0..fine_cols * fine_rows)
            .map(|k| {
                let (fx, fy) = (k % fine_cols, k / fine_cols);
                let corner = fx % per_side == 0 && fy % per_side == 0;
                let (wx, wy) = if corner { (0.0, 0.0) } else { (rng.symmetric(), rng.symmetric()) };
                let step = size / per_side as f64;
                // Displace across the side only: each side stays monotone, the ring simple.
                let along_x = fy % per_side == 0;
                let (dx, dy) = if along_x { (0.0, wy * wiggle) } else { (wx * wiggle, 0.0) };
                [fx as f64 * step + dx, fy as f64 * step + dy]
            })
            .collect();
        let mut cells = Vec::new();
        for row in 0..rows {
            for col in 0..cols {
                let (x0, y0) = (col * per_side, row * per_side);
                let mut ring = Vec::new();
                let at = |fx: usize, fy: usize| lattice[fy * fine_cols + fx];
                ring.extend((0..per_side).map(|s| at(x0 + s, y0)));
                ring.extend((0..per_side).map(|s| at(x0 + per_side, y0 + s)));
                ring.extend((0..per_side).map(|s| at(x0 + per_side - s, y0 + per_side)));
                ring.extend((0..per_side).map(|s| at(x0, y0 + per_side - s)));
                for p in &mut ring {
                    p[0] += rng.symmetric() * jitter;
                    p[1] += rng.symmetric() * jitter;
                }
                cells.push(one(Polygon::new(ring)));
            }
        }
        cells
    }

    /// Queen neighbours of cell `i` in a `cols` × `rows` grid.
    fn queen(cols: usize, rows: usize, i: usize) -> Vec<usize> {
        let (c, r) = ((i % cols) as i64, (i / cols) as i64);
        let mut out = Vec::new();
        for dr in -1..=1 {
            for dc in -1..=1 {
                let (nc, nr) = (c + dc, r + dr);
                if (dc, dr) != (0, 0)
                    && (0..cols as i64).contains(&nc)
                    && (0..rows as i64).contains(&nr)
                {
                    out.push((nr * cols as i64 + nc) as usize);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The same rule, checked the slow way: every segment against every segment.
    fn brute_force(polygons: &[MultiPolygon], tolerance: f64) -> Vec<Vec<usize>> {
        let segments: Vec<Vec<Segment>> = polygons
            .iter()
            .map(|m| {
                m.polygons
                    .iter()
                    .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
                    .flat_map(|ring| (0..ring.len()).map(|k| [ring[k], ring[(k + 1) % ring.len()]]))
                    .collect()
            })
            .collect();
        let n = polygons.len();
        let mut out = vec![Vec::new(); n];
        for i in 0..n {
            for j in 0..n {
                let (Some(a), Some(b)) = (polygons[i].bbox(), polygons[j].bbox()) else {
                    continue;
                };
                let apart = a.max_lon + tolerance < b.min_lon
                    || b.max_lon + tolerance < a.min_lon
                    || a.max_lat + tolerance < b.min_lat
                    || b.max_lat + tolerance < a.min_lat;
                if i == j || apart {
                    continue; // Boxes further apart than the tolerance: neither touch nor overlap.
                }
                let close = segments[i].iter().any(|s| {
                    segments[j].iter().any(|t| segment_distance_2(s, t) <= tolerance * tolerance)
                });
                let inside = |a: &MultiPolygon, b: &MultiPolygon| {
                    a.polygons
                        .iter()
                        .any(|p| p.exterior.first().is_some_and(|&[x, y]| b.contains(x, y)))
                };
                if close || inside(&polygons[i], &polygons[j]) || inside(&polygons[j], &polygons[i])
                {
                    out[i].push(j);
                }
            }
        }
        out
    }

    #[test]
    fn a_grid_of_unit_squares_has_queen_neighbours() {
        let squares: Vec<MultiPolygon> = (0..9)
            .map(|i| {
                let (x, y) = (f64::from(i % 3), f64::from(i / 3));
                one(rect(x, y, x + 1.0, y + 1.0))
            })
            .collect();
        for tolerance in [0.0, 0.5] {
            let w = contiguity(ids(9), &squares, tolerance).unwrap();
            let counts: Vec<usize> = (0..9).map(|i| w.neighbours(i).len()).collect();
            assert_eq!(counts, vec![3, 5, 3, 5, 8, 5, 3, 5, 3], "tolerance {tolerance}");
            for i in 0..9 {
                assert_eq!(lists(&w)[i], queen(3, 3, i));
            }
            assert!(w.is_symmetric());
            assert_eq!(w.n_links(), 40);
        }
        // A tolerance as wide as a cell reaches the cells beyond, but not the far corner (√2).
        let w = contiguity(ids(9), &squares, 1.0).unwrap();
        assert_eq!(lists(&w)[0], vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn a_gap_counts_only_within_the_tolerance() {
        let pair = [one(rect(0.0, 0.0, 10.0, 10.0)), one(rect(10.5, 0.0, 20.0, 10.0))];
        assert_eq!(lists(&contiguity(ids(2), &pair, 1.0).unwrap()), vec![vec![1], vec![0]]);
        assert_eq!(contiguity(ids(2), &pair, 0.1).unwrap().islands(), vec![0, 1]);
        // Corner to corner, 1.25 m apart diagonally (0.75, 1): queen within the tolerance.
        let corners = [one(rect(0.0, 0.0, 10.0, 10.0)), one(rect(10.75, 11.0, 20.0, 20.0))];
        assert_eq!(contiguity(ids(2), &corners, 1.25).unwrap().n_links(), 2);
        assert_eq!(contiguity(ids(2), &corners, 1.24).unwrap().n_links(), 0);
    }

    #[test]
    fn overlapping_and_nested_polygons_are_neighbours() {
        // Crossing boundaries.
        let crossing = [one(rect(0.0, 0.0, 10.0, 10.0)), one(rect(5.0, 5.0, 15.0, 15.0))];
        assert_eq!(contiguity(ids(2), &crossing, 0.0).unwrap().n_links(), 2);
        // One inside the other, boundaries 4 m apart.
        let nested = [one(rect(0.0, 0.0, 10.0, 10.0)), one(rect(4.0, 4.0, 6.0, 6.0))];
        assert_eq!(contiguity(ids(2), &nested, 1.0).unwrap().n_links(), 2);
        assert_eq!(
            contiguity(ids(2), &[nested[1].clone(), nested[0].clone()], 1.0).unwrap().n_links(),
            2
        );
        // Inside a hole, 2 m from its edge: not a neighbour at 1 m, a neighbour at 2 m.
        let mut donut = rect(0.0, 0.0, 10.0, 10.0);
        donut.holes.push(rect(2.0, 2.0, 8.0, 8.0).exterior);
        let in_hole = [one(donut), one(rect(4.0, 4.0, 6.0, 6.0))];
        assert_eq!(contiguity(ids(2), &in_hole, 1.0).unwrap().n_links(), 0);
        assert_eq!(contiguity(ids(2), &in_hole, 2.0).unwrap().n_links(), 2);
    }

    /// A regular polygon of `n` vertices on a circle.
    fn circle(centre: [f64; 2], radius: f64, n: usize) -> Vec<[f64; 2]> {
        (0..n)
            .map(|k| {
                let angle = std::f64::consts::TAU * k as f64 / n as f64;
                [centre[0] + radius * angle.cos(), centre[1] + radius * angle.sin()]
            })
            .collect()
    }

    #[test]
    fn a_disc_in_a_ring_is_checked_through_the_segment_tree() {
        // The ring's hole and the disc have 400 segments each, all in each other's box: the
        // exact check goes through the R-tree of segments. The gap is 0.5 m all round.
        let ring = Polygon {
            exterior: circle([0.0, 0.0], 150.0, 400),
            holes: vec![circle([0.0, 0.0], 100.0, 400)],
        };
        let units = [one(ring), one(Polygon::new(circle([0.0, 0.0], 99.5, 400)))];
        assert_eq!(contiguity(ids(2), &units, 1.0).unwrap().n_links(), 2);
        assert_eq!(contiguity(ids(2), &units, 0.1).unwrap().n_links(), 0);
        for tolerance in [0.1, 0.49, 0.51, 1.0] {
            let w = contiguity(ids(2), &units, tolerance).unwrap();
            assert_eq!(lists(&w), brute_force(&units, tolerance), "tolerance {tolerance}");
        }
    }

    #[test]
    fn any_part_of_a_multipolygon_counts() {
        // Unit 0 is a mainland far away plus an island touching unit 1.
        let units = [
            MultiPolygon::new(vec![rect(1000.0, 1000.0, 1010.0, 1010.0), rect(0.0, 0.0, 5.0, 5.0)]),
            one(rect(5.0, 0.0, 10.0, 5.0)),
            MultiPolygon::default(),
            one(Polygon::new(Vec::new())),
        ];
        let w = contiguity(ids(4), &units, 1.0).unwrap();
        assert_eq!(lists(&w), vec![vec![1], vec![0], vec![], vec![]]);
        assert_eq!(w.islands(), vec![2, 3]);
    }

    #[test]
    fn generalised_boundaries_need_the_tolerance() {
        // 12 × 10 cells of 200 m, sides in 40 wiggly pieces (160 vertices a cell), every vertex
        // then moved by up to 0.3 m in x and in y: shared boundaries no longer meet exactly,
        // and the copies of a corner are up to 2 · 0.3 · √2 = 0.85 m apart.
        let cells = wiggly_grid(12, 10, 200.0, 40, 0.3, 3);
        // Without a tolerance, only the copies that happen to cross still touch.
        let exact = contiguity(ids(cells.len()), &cells, 0.0).unwrap();
        assert!(exact.n_links() < 700, "{exact}");
        let w = contiguity(ids(cells.len()), &cells, 1.0).unwrap();
        for i in 0..cells.len() {
            assert_eq!(lists(&w)[i], queen(12, 10, i), "cell {i}");
        }
        assert!(w.is_symmetric());
    }

    #[test]
    fn agrees_with_brute_force() {
        for (seed, jitter, tolerance) in
            [(1, 0.0, 0.0), (2, 0.5, 0.3), (3, 2.0, 1.0), (4, 3.0, 0.5)]
        {
            let mut cells = wiggly_grid(5, 4, 100.0, 20, jitter, seed);
            // Plus a polygon across several cells, one inside a cell and one far away.
            cells.push(one(rect(130.0, 130.0, 260.0, 180.0)));
            cells.push(one(rect(440.0, 40.0, 460.0, 60.0)));
            cells.push(one(rect(5000.0, 5000.0, 5001.0, 5001.0)));
            let w = contiguity(ids(cells.len()), &cells, tolerance).unwrap();
            assert_eq!(lists(&w), brute_force(&cells, tolerance), "seed {seed}");
        }
    }

    #[test]
    fn refuses_bad_input() {
        let squares = [one(rect(0.0, 0.0, 1.0, 1.0)), one(rect(1.0, 0.0, 2.0, 1.0))];
        for tolerance in [-0.1, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                contiguity(ids(2), &squares, tolerance),
                Err(WeightsError::BadTolerance { .. })
            ));
        }
        assert_eq!(
            contiguity(ids(2), &squares, -1.0).unwrap_err().to_string(),
            "the contiguity tolerance -1 must be a finite number of at least 0"
        );
        assert_eq!(
            contiguity(ids(3), &squares, 1.0).unwrap_err().to_string(),
            "3 unit ids but 2 geometries"
        );
        let mut bad = squares.clone();
        bad[1].polygons[0].exterior[2][1] = f64::NAN;
        assert_eq!(
            contiguity(ids(2), &bad, 1.0).unwrap_err().to_string(),
            "unit u1 has a coordinate that is not a finite number"
        );
    }

    /// About as many polygons as England's LSOAs (30,000 cells of 80 vertices). Timed; set
    /// `SAFER_SLOW_TESTS` to run it.
    #[test]
    fn thirty_thousand_polygons() {
        if std::env::var_os("SAFER_SLOW_TESTS").is_none() {
            return;
        }
        let cells = wiggly_grid(200, 150, 400.0, 20, 0.3, 9);
        let started = std::time::Instant::now();
        let w = contiguity(ids(cells.len()), &cells, 1.0).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        #[allow(clippy::print_stderr)]
        {
            eprintln!("contiguity of {} cells: {w}, {seconds:.2} s", cells.len());
        }
        let lists = lists(&w);
        for (i, list) in lists.iter().enumerate() {
            assert_eq!(list, &queen(200, 150, i), "cell {i}");
        }
    }
}
