//! Plane geometry in WGS84 longitude/latitude degrees: bounding boxes, polygons with holes and
//! multipolygons, with a point-in-polygon test that shares boundary points out fairly.
//!
//! Coordinates are `[lon, lat]` pairs, as in GeoJSON. Computations treat degrees as plane
//! coordinates, which is what "is this point in this LSOA" needs; areas and centroids are in
//! square degrees and degrees, good for comparing areas and placing labels, not for hectares.
//!
//! # The edge rule
//!
//! Containment uses the crossing-number (even–odd) test with the half-open convention: a ray
//! runs from the point towards +longitude, and an edge counts as crossed when
//! - its lower end is at or below the point and its upper end strictly above it (an upward
//!   edge includes its start and excludes its end; horizontal edges never count), and
//! - the point lies strictly to the left of the edge.
//!
//! Every edge is evaluated with its ends in a canonical order (lower latitude first), so a
//! boundary shared by two polygons gives the same answer in both, bit for bit, whichever way each
//! ring runs. The effect is that of nudging the point infinitesimally north, then east: a point
//! on the boundary between two adjacent polygons (two LSOAs sharing an edge or a vertex) belongs
//! to exactly one of them, and a point on the outer boundary of a tiling belongs to one tile or
//! to none (points on a south or west edge are in, on a north or east edge out). Holes are
//! excluded by the same rule.

use serde::{Deserialize, Serialize};

/// An axis-aligned box in longitude/latitude degrees. Closed: its edges belong to it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// The western edge.
    pub min_lon: f64,
    /// The southern edge.
    pub min_lat: f64,
    /// The eastern edge.
    pub max_lon: f64,
    /// The northern edge.
    pub max_lat: f64,
}

impl BBox {
    /// The smallest box holding every finite position of `points`, or `None` when there is none.
    pub fn of_points(points: &[[f64; 2]]) -> Option<BBox> {
        let mut finite = points.iter().filter(|[lon, lat]| lon.is_finite() && lat.is_finite());
        let &[lon, lat] = finite.next()?;
        let mut bbox = BBox { min_lon: lon, min_lat: lat, max_lon: lon, max_lat: lat };
        for &[lon, lat] in finite {
            bbox.min_lon = bbox.min_lon.min(lon);
            bbox.min_lat = bbox.min_lat.min(lat);
            bbox.max_lon = bbox.max_lon.max(lon);
            bbox.max_lat = bbox.max_lat.max(lat);
        }
        Some(bbox)
    }

    /// Whether the point is in the box, edges included. False for NaN coordinates.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.min_lon <= lon && lon <= self.max_lon && self.min_lat <= lat && lat <= self.max_lat
    }

    /// The smallest box holding both boxes.
    pub fn union(&self, other: &BBox) -> BBox {
        BBox {
            min_lon: self.min_lon.min(other.min_lon),
            min_lat: self.min_lat.min(other.min_lat),
            max_lon: self.max_lon.max(other.max_lon),
            max_lat: self.max_lat.max(other.max_lat),
        }
    }

    /// Whether the boxes share at least one point (touching edges count).
    pub fn intersects(&self, other: &BBox) -> bool {
        self.min_lon <= other.max_lon
            && other.min_lon <= self.max_lon
            && self.min_lat <= other.max_lat
            && other.min_lat <= self.max_lat
    }
}

/// A polygon: one exterior ring and any number of holes, each a list of `[lon, lat]`
/// positions. A ring may repeat its first position at the end (as GeoJSON does) or not; both
/// mean the same ring. Ring orientation does not matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    /// The outer boundary.
    pub exterior: Vec<[f64; 2]>,
    /// Rings cut out of the exterior.
    pub holes: Vec<Vec<[f64; 2]>>,
}

impl Polygon {
    /// A polygon without holes.
    pub fn new(exterior: Vec<[f64; 2]>) -> Polygon {
        Polygon { exterior, holes: Vec::new() }
    }

    /// The bounding box of the exterior ring, or `None` when it has no finite position.
    pub fn bbox(&self) -> Option<BBox> {
        BBox::of_points(&self.exterior)
    }

    /// Whether the point is inside, under the half-open edge rule described in the
    /// [module documentation](self): of two polygons sharing an edge or a vertex, exactly one
    /// contains a point on it. Points in a hole are outside. False for NaN coordinates.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let mut inside = ring_crossings_odd(&self.exterior, lon, lat);
        for hole in &self.holes {
            inside ^= ring_crossings_odd(hole, lon, lat);
        }
        inside
    }

    /// The area in square degrees: the exterior's less the holes'.
    pub fn area_sq_deg(&self) -> f64 {
        let holes: f64 = self.holes.iter().map(|hole| ring_signed_area(hole).abs()).sum();
        ring_signed_area(&self.exterior).abs() - holes
    }

    /// The area-weighted centroid as `[lon, lat]`, holes subtracted. For a polygon with no area
    /// (a degenerate ring), the mean of the exterior's distinct positions; `None` when the
    /// exterior is empty.
    pub fn centroid(&self) -> Option<[f64; 2]> {
        let mut moments = Moments::default();
        moments.add_polygon(self);
        moments.centroid().or_else(|| vertex_mean(&self.exterior))
    }
}

/// Several polygons treated as one area (an LSOA with an island, say). Its polygons should not
/// overlap; a point is inside when any of them contains it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MultiPolygon {
    /// The parts.
    pub polygons: Vec<Polygon>,
}

impl MultiPolygon {
    /// A multipolygon of the given parts.
    pub fn new(polygons: Vec<Polygon>) -> MultiPolygon {
        MultiPolygon { polygons }
    }

    /// The bounding box of all exterior rings, or `None` when there is no finite position.
    pub fn bbox(&self) -> Option<BBox> {
        self.polygons.iter().filter_map(Polygon::bbox).reduce(|a, b| a.union(&b))
    }

    /// Whether any part contains the point, under the half-open edge rule described in the
    /// [module documentation](self): of two adjacent areas, exactly one contains a point on
    /// their shared boundary. False for NaN coordinates.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.polygons.iter().any(|polygon| {
            polygon.bbox().is_some_and(|bbox| bbox.contains(lon, lat)) && polygon.contains(lon, lat)
        })
    }

    /// The total area of the parts in square degrees.
    pub fn area_sq_deg(&self) -> f64 {
        self.polygons.iter().map(Polygon::area_sq_deg).sum()
    }

    /// The area-weighted centroid of all parts as `[lon, lat]` (for placing a label; it may
    /// fall outside a concave area). Without area, the mean of the exterior positions; `None`
    /// when there are no positions.
    pub fn centroid(&self) -> Option<[f64; 2]> {
        let mut moments = Moments::default();
        for polygon in &self.polygons {
            moments.add_polygon(polygon);
        }
        moments.centroid().or_else(|| {
            let all: Vec<[f64; 2]> =
                self.polygons.iter().flat_map(|p| p.exterior.iter().copied()).collect();
            vertex_mean(&all)
        })
    }
}

/// The edges of a ring, closing it if its last position is not its first.
fn ring_edges(ring: &[[f64; 2]]) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
    let n = ring.len();
    (0..n).map(move |i| (ring[i], ring[(i + 1) % n]))
}

/// Whether the ray from the point towards +longitude crosses the ring an odd number of times,
/// under the half-open rule. Each edge is put in canonical order (lower latitude first), so the
/// same edge gives the same answer in every ring it belongs to.
fn ring_crossings_odd(ring: &[[f64; 2]], lon: f64, lat: f64) -> bool {
    let mut odd = false;
    for (p, q) in ring_edges(ring) {
        let (low, high) = if p[1] <= q[1] { (p, q) } else { (q, p) };
        // The upward edge includes its start and excludes its end; horizontal edges drop out.
        if !(low[1] <= lat && lat < high[1]) {
            continue;
        }
        // Strictly left of the upward edge low → high: a positive cross product.
        let cross = (high[0] - low[0]) * (lat - low[1]) - (high[1] - low[1]) * (lon - low[0]);
        if cross > 0.0 {
            odd = !odd;
        }
    }
    odd
}

/// The shoelace area of a ring: positive for counter-clockwise rings.
fn ring_signed_area(ring: &[[f64; 2]]) -> f64 {
    let Some(&origin) = ring.first() else { return 0.0 };
    let mut twice = 0.0;
    for (p, q) in ring_edges(ring) {
        // Relative to the first position, to keep precision for small rings far from (0, 0).
        let (px, py) = (p[0] - origin[0], p[1] - origin[1]);
        let (qx, qy) = (q[0] - origin[0], q[1] - origin[1]);
        twice += px * qy - qx * py;
    }
    twice / 2.0
}

/// Area moments accumulated over rings, for area-weighted centroids.
#[derive(Default)]
struct Moments {
    area: f64,
    lon_moment: f64,
    lat_moment: f64,
}

impl Moments {
    fn add_polygon(&mut self, polygon: &Polygon) {
        self.add_ring(&polygon.exterior, 1.0);
        for hole in &polygon.holes {
            self.add_ring(hole, -1.0);
        }
    }

    /// Adds a ring's area and first moments, oriented by `sign` whatever the ring's direction.
    fn add_ring(&mut self, ring: &[[f64; 2]], sign: f64) {
        let Some(&origin) = ring.first() else { return };
        let (mut twice_area, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for (p, q) in ring_edges(ring) {
            let (px, py) = (p[0] - origin[0], p[1] - origin[1]);
            let (qx, qy) = (q[0] - origin[0], q[1] - origin[1]);
            let cross = px * qy - qx * py;
            twice_area += cross;
            cx += (px + qx) * cross;
            cy += (py + qy) * cross;
        }
        if twice_area == 0.0 || !twice_area.is_finite() {
            return;
        }
        let area = twice_area / 2.0;
        // The ring's own centroid, back in absolute coordinates.
        let centroid = [cx / (6.0 * area) + origin[0], cy / (6.0 * area) + origin[1]];
        let weight = sign * area.abs();
        self.area += weight;
        self.lon_moment += weight * centroid[0];
        self.lat_moment += weight * centroid[1];
    }

    fn centroid(&self) -> Option<[f64; 2]> {
        if self.area > 0.0 && self.area.is_finite() {
            Some([self.lon_moment / self.area, self.lat_moment / self.area])
        } else {
            None
        }
    }
}

/// The mean of a ring's positions, not counting a closing repeat of the first.
fn vertex_mean(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    let positions = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    if positions.is_empty() {
        return None;
    }
    let n = positions.len() as f64;
    let lon = positions.iter().map(|p| p[0]).sum::<f64>() / n;
    let lat = positions.iter().map(|p| p[1]).sum::<f64>() / n;
    Some([lon, lat])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, size: f64) -> Polygon {
        Polygon::new(vec![
            [lon, lat],
            [lon + size, lat],
            [lon + size, lat + size],
            [lon, lat + size],
            [lon, lat],
        ])
    }

    fn count_containing(polygons: &[Polygon], lon: f64, lat: f64) -> usize {
        polygons.iter().filter(|p| p.contains(lon, lat)).count()
    }

    #[test]
    fn interior_and_exterior_points() {
        let sq = square(0.0, 0.0, 1.0);
        assert!(sq.contains(0.5, 0.5));
        assert!(!sq.contains(1.5, 0.5));
        assert!(!sq.contains(0.5, -0.1));
        assert!(!sq.contains(f64::NAN, 0.5));
        assert!(!sq.contains(0.5, f64::INFINITY));
    }

    #[test]
    fn closed_and_unclosed_rings_agree() {
        let closed = square(0.0, 0.0, 1.0);
        let mut open = closed.clone();
        open.exterior.pop();
        for &(lon, lat) in &[(0.5, 0.5), (0.0, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5), (2.0, 2.0)]
        {
            assert_eq!(closed.contains(lon, lat), open.contains(lon, lat), "({lon}, {lat})");
        }
        assert_eq!(closed.area_sq_deg(), open.area_sq_deg());
        assert_eq!(closed.centroid(), open.centroid());
    }

    #[test]
    fn a_shared_vertical_edge_belongs_to_exactly_one_square() {
        let squares = [square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0)];
        for lat in [0.0, 0.25, 0.5, 0.999] {
            assert_eq!(count_containing(&squares, 1.0, lat), 1, "lat {lat}");
        }
    }

    #[test]
    fn a_shared_horizontal_edge_belongs_to_exactly_one_square() {
        let squares = [square(0.0, 0.0, 1.0), square(0.0, 1.0, 1.0)];
        for lon in [0.0, 0.25, 0.5, 0.999] {
            assert_eq!(count_containing(&squares, lon, 1.0), 1, "lon {lon}");
        }
    }

    #[test]
    fn a_vertex_shared_by_four_squares_belongs_to_exactly_one() {
        let squares = [
            square(0.0, 0.0, 1.0),
            square(1.0, 0.0, 1.0),
            square(0.0, 1.0, 1.0),
            square(1.0, 1.0, 1.0),
        ];
        assert_eq!(count_containing(&squares, 1.0, 1.0), 1);
        // And whichever way each ring runs.
        let reversed: Vec<Polygon> = squares
            .iter()
            .map(|p| Polygon::new(p.exterior.iter().rev().copied().collect()))
            .collect();
        assert_eq!(count_containing(&reversed, 1.0, 1.0), 1);
        for (a, b) in squares.iter().zip(&reversed) {
            assert_eq!(a.contains(1.0, 1.0), b.contains(1.0, 1.0));
        }
    }

    #[test]
    fn a_shared_slanted_edge_belongs_to_exactly_one_polygon() {
        // Two triangles splitting a quadrilateral along an irregular diagonal, with coordinates
        // like an LSOA's, one ring clockwise and the other counter-clockwise.
        let a = [0.512_345_6, 51.271_234_5];
        let b = [0.534_567_8, 51.293_456_7];
        let left = Polygon::new(vec![a, b, [0.5, 51.3], a]);
        let right = Polygon::new(vec![a, [0.55, 51.26], b, a]);
        let polygons = [left, right];
        for step in 0..=1000 {
            let t = f64::from(step) / 1000.0;
            let lon = a[0] + t * (b[0] - a[0]);
            let lat = a[1] + t * (b[1] - a[1]);
            let n = count_containing(&polygons, lon, lat);
            // The far vertex b is on both triangles' north boundary, so in neither.
            if step == 1000 {
                assert!(n <= 1, "step {step}: {n}");
            } else {
                assert_eq!(n, 1, "step {step}: ({lon}, {lat})");
            }
        }
    }

    #[test]
    fn holes_are_excluded_with_the_same_edge_rule() {
        let mut with_hole = square(0.0, 0.0, 3.0);
        with_hole.holes.push(square(1.0, 1.0, 1.0).exterior);
        let island = square(1.0, 1.0, 1.0);
        assert!(!with_hole.contains(1.5, 1.5));
        assert!(with_hole.contains(0.5, 0.5));
        // The hole's boundary goes to exactly one of the holed square and the island filling it.
        let pair = [with_hole.clone(), island];
        for &(lon, lat) in &[(1.0, 1.5), (2.0, 1.5), (1.5, 1.0), (1.5, 2.0), (1.0, 1.0), (2.0, 2.0)]
        {
            assert_eq!(count_containing(&pair, lon, lat), 1, "({lon}, {lat})");
        }
        assert_eq!(with_hole.area_sq_deg(), 8.0);
    }

    #[test]
    fn multipolygon_bbox_area_centroid() {
        let multi = MultiPolygon::new(vec![square(0.0, 0.0, 1.0), square(2.0, 0.0, 1.0)]);
        assert_eq!(
            multi.bbox(),
            Some(BBox { min_lon: 0.0, min_lat: 0.0, max_lon: 3.0, max_lat: 1.0 })
        );
        assert!(multi.contains(2.5, 0.5));
        assert!(!multi.contains(1.5, 0.5));
        assert_eq!(multi.area_sq_deg(), 2.0);
        assert_eq!(multi.centroid(), Some([1.5, 0.5]));
        assert_eq!(MultiPolygon::default().bbox(), None);
        assert_eq!(MultiPolygon::default().centroid(), None);
        assert!(!MultiPolygon::default().contains(0.0, 0.0));
    }

    #[test]
    fn centroid_weights_by_area_and_subtracts_holes() {
        let mut holed = square(0.0, 0.0, 4.0);
        holed.holes.push(square(0.0, 0.0, 2.0).exterior);
        let [lon, lat] = holed.centroid().unwrap();
        // 16 at (2, 2) less 4 at (1, 1): (32 - 4) / 12 = 7 / 3.
        assert!((lon - 7.0 / 3.0).abs() < 1e-12 && (lat - 7.0 / 3.0).abs() < 1e-12);
        let flat = Polygon::new(vec![[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 0.0]]);
        assert_eq!(flat.centroid(), Some([1.0, 0.0]));
    }

    #[test]
    fn bbox_contains_union_intersects() {
        let a = BBox { min_lon: 0.0, min_lat: 0.0, max_lon: 1.0, max_lat: 1.0 };
        let b = BBox { min_lon: 1.0, min_lat: 1.0, max_lon: 2.0, max_lat: 2.0 };
        let c = BBox { min_lon: 1.5, min_lat: -1.0, max_lon: 3.0, max_lat: 0.5 };
        assert!(a.contains(1.0, 1.0) && !a.contains(1.0, 1.1) && !a.contains(f64::NAN, 0.5));
        assert!(a.intersects(&b) && b.intersects(&a));
        assert!(!a.intersects(&c));
        assert_eq!(a.union(&c), BBox { min_lon: 0.0, min_lat: -1.0, max_lon: 3.0, max_lat: 1.0 });
    }

    #[test]
    fn serde_round_trip() {
        let multi = MultiPolygon::new(vec![square(0.5, 51.2, 0.01)]);
        let json = serde_json::to_string(&multi).unwrap();
        assert_eq!(serde_json::from_str::<MultiPolygon>(&json).unwrap(), multi);
    }
}
