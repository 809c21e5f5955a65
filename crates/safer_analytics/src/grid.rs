//! Regular square and hexagonal grids in British National Grid metres, the spatial units for
//! hotspot maps and statistics.
//!
//! Coordinates are `[easting, northing]` metres on the British National Grid (EPSG:27700);
//! project WGS84 positions and areas first with [`safer_domain::bng`]. The
//! [`safer_domain::geo`] types are reused for planar metres: a cell's polygon is a
//! [`MultiPolygon`] whose positions are `[easting, northing]`.
//!
//! # Cells
//!
//! Every grid is a window on one lattice anchored at the National Grid's false origin (0, 0),
//! so the same cell has the same index, polygon and id whatever the extent, area or run it was
//! made for, and two periods' grids match cell for cell.
//!
//! - **Squares** of side `cell_size_m`: cell `(col, row)` spans eastings
//!   `[col·size, (col+1)·size]` and northings `[row·size, (row+1)·size]`. Its id is
//!   `sq{size}-{easting}-{northing}` with the lower-left corner in metres, e.g.
//!   `sq500-575500-155500`.
//! - **Hexagons**, pointy-topped (two vertical sides, a vertex due north and due south), with
//!   `cell_size_m` the distance between the centres of neighbouring cells, which is also the
//!   width across the flat sides; the side length is `size/√3` and the area `(√3/2)·size²`.
//!   Cells are addressed by axial coordinates `(q, r)` (Red Blob Games, "Hexagonal Grids"):
//!   rows `r` run west to east at northing `r·(√3/2)·size`, and the centre of `(q, r)` is at
//!   easting `(q + r/2)·size`; cell `(0, 0)` is centred on the origin. Its id is
//!   `hex{size}-{q}-{r}` with the axial coordinates, e.g. `hex500-972-359` (the centre is
//!   [`Grid::centre`]).
//!
//! Sizes and coordinates in ids are written as Rust writes an `f64`: whole metres without a
//! decimal point, negatives with a minus sign (`sq500--500-0`).
//!
//! Vertices are computed from the lattice, not from each cell's centre, so neighbouring cells
//! share their edges exactly, bit for bit: contiguity weights built from the polygons find
//! 4 (rook) or 8 (queen) neighbours for an inner square and 6 for an inner hexagon.
//!
//! # Which point is in which cell
//!
//! [`Grid::cell_of`] follows the half-open edge rule of [`safer_domain::geo`]: a point on an
//! edge or vertex shared by several cells belongs to exactly one of them, the one whose
//! polygon's [`MultiPolygon::contains`] says so (for squares: the south and west edges are in,
//! the north and east edges out). It is O(1): arithmetic for the lattice cell (for hexagons,
//! the standard cube rounding, then an exact check of at most seven hexagons), and a lookup
//! among the grid's few runs of cells in that row.
//!
//! # Which cells a grid holds
//!
//! A grid holds the cells whose overlap with its area (or extent) has a positive area, more
//! than a billionth of the cell: cells that only touch the area along an edge or at a vertex
//! are left out, so a 1 km square extent on 500 m lines gives four squares, not nine. The
//! overlap is computed exactly (the area's rings clipped to the cell) for cells the area's
//! boundary passes through; the other cells are wholly inside or outside, decided by their
//! centre. Holes are respected; parts of a multipolygon should not overlap.
//!
//! A grid may hold at most [`MAX_CELLS`] candidate cells in its area's bounding box; beyond
//! that, [`Grid::new`] and [`Grid::covering`] refuse with a suggested larger size.

use std::fmt;

use safer_domain::geo::{BBox, MultiPolygon, Polygon};

/// The most cells a grid may consider: the cells of its area's bounding box.
pub const MAX_CELLS: u64 = 5_000_000;

/// Overlaps at or below this fraction of a cell's area count as touching, not overlapping.
const MIN_OVERLAP_FRACTION: f64 = 1e-9;

/// The shape of a grid's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GridKind {
    /// Squares with sides along the National Grid's axes.
    Square,
    /// Pointy-topped regular hexagons.
    Hex,
}

/// A cell's position on its lattice: `(col, row)` for squares, axial `(q, r)` for hexagons.
/// Ordered row by row from the south, then west to east, the order of [`Grid::cells`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellIndex {
    /// The row: northing `row·size` for squares (lower edge), `row·(√3/2)·size` for hexagon
    /// centres.
    pub row: i64,
    /// The column: easting `col·size` for squares (left edge); axial `q` for hexagons.
    pub col: i64,
}

/// One cell of a grid, as [`Grid::cells`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's position on its lattice.
    pub index: CellIndex,
    /// The stable id, such as `sq500-575500-155500` (see the [module documentation](self)).
    pub id: String,
    /// The centre, `[easting, northing]` in metres.
    pub centre: [f64; 2],
    /// The cell's outline in metres: one polygon, counter-clockwise, not closed.
    pub polygon: MultiPolygon,
}

/// Why a grid could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// The cell size is zero, negative or not finite.
    #[error("the cell size must be a positive number of metres, not {cell_size_m}")]
    InvalidCellSize {
        /// The size given.
        cell_size_m: f64,
    },
    /// The extent or area has a coordinate that is not finite, or an extent's minimum exceeds
    /// its maximum.
    #[error("the extent or area has coordinates that are not finite numbers of metres")]
    InvalidArea,
    /// No cell overlaps the extent or area: it is empty or has no area.
    #[error("a grid with zero cells: the extent or area is empty or has no area")]
    NoCells,
    /// The area's bounding box holds more than [`MAX_CELLS`] cells.
    #[error(
        "a grid of {cell_size_m} m cells over this area would consider {n_cells} cells, more \
         than the limit of {MAX_CELLS}; use cells of {suggested_size_m} m or more"
    )]
    TooManyCells {
        /// The size given.
        cell_size_m: f64,
        /// How many cells the bounding box holds.
        n_cells: u64,
        /// A cell size that keeps within the limit.
        suggested_size_m: f64,
    },
}

/// A run of consecutive cells in one row: columns `start..end`, with `before` cells ahead of
/// it in the grid's order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    row: i64,
    start: i64,
    end: i64,
    before: usize,
}

/// A regular grid of cells in British National Grid metres: the cells of one lattice (see the
/// [module documentation](self)) that overlap an extent or area.
#[derive(Clone, PartialEq)]
pub struct Grid {
    lattice: Lattice,
    /// Runs in grid order (by row, then column).
    runs: Vec<Run>,
    /// The first row with a run.
    row_min: i64,
    /// For each row from `row_min`, its runs as a range of `runs`.
    row_runs: Vec<(usize, usize)>,
    len: usize,
}

impl fmt::Debug for Grid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grid")
            .field("kind", &self.lattice.kind)
            .field("cell_size_m", &self.lattice.size)
            .field("n_cells", &self.len)
            .field("n_rows", &self.row_runs.len())
            .finish()
    }
}

impl Grid {
    /// The cells of a `kind` grid of `cell_size_m` metres that overlap `extent`, a box in
    /// British National Grid metres (its `min_lon`/`max_lon` are eastings, `min_lat`/`max_lat`
    /// northings). Cells that only touch the box are left out.
    ///
    /// Errors: a size that is not a positive finite number; an extent with a non-finite
    /// coordinate or a minimum above its maximum; an extent with no area (zero cells); more
    /// than [`MAX_CELLS`] cells.
    pub fn new(kind: GridKind, cell_size_m: f64, extent: BBox) -> Result<Grid, GridError> {
        check_size(cell_size_m)?;
        let BBox { min_lon: west, min_lat: south, max_lon: east, max_lat: north } = extent;
        let finite = [west, south, east, north].iter().all(|v| v.is_finite());
        if !(finite && west <= east && south <= north) {
            return Err(GridError::InvalidArea);
        }
        let rectangle =
            Polygon::new(vec![[west, south], [east, south], [east, north], [west, north]]);
        Grid::covering(kind, cell_size_m, &MultiPolygon::new(vec![rectangle]))
    }

    /// The cells of a `kind` grid of `cell_size_m` metres that overlap `area`, in British
    /// National Grid metres (project a WGS84 area with
    /// [`safer_domain::bng::project_multipolygon`]). A cell is kept when its overlap with the
    /// area has a positive area; holes are respected.
    ///
    /// Errors: a size that is not a positive finite number; a non-finite coordinate; an area
    /// that overlaps no cell (empty, or without area); more than [`MAX_CELLS`] cells in the
    /// area's bounding box.
    pub fn covering(
        kind: GridKind,
        cell_size_m: f64,
        area: &MultiPolygon,
    ) -> Result<Grid, GridError> {
        check_size(cell_size_m)?;
        let rings: Vec<&[[f64; 2]]> = area
            .polygons
            .iter()
            .flat_map(|polygon| {
                std::iter::once(polygon.exterior.as_slice())
                    .chain(polygon.holes.iter().map(Vec::as_slice))
            })
            .collect();
        if rings.iter().flat_map(|ring| ring.iter()).flatten().any(|v| !v.is_finite()) {
            return Err(GridError::InvalidArea);
        }
        let Some(bbox) = area.bbox() else { return Err(GridError::NoCells) };
        let lattice = Lattice::new(kind, cell_size_m);
        let window = lattice.window(&bbox);
        if window.n_cells > MAX_CELLS {
            return Err(GridError::TooManyCells {
                cell_size_m,
                n_cells: window.n_cells,
                suggested_size_m: suggest_size(cell_size_m, window.n_cells),
            });
        }
        let kept = covered_cells(&lattice, &window, area, &rings);
        Grid::from_rows(lattice, kept)
    }

    /// Builds the run structure from each row's kept columns (rows ascending, columns
    /// ascending within a row).
    fn from_rows(lattice: Lattice, rows: Vec<(i64, Vec<i64>)>) -> Result<Grid, GridError> {
        let mut runs: Vec<Run> = Vec::new();
        let mut len = 0usize;
        for (row, cols) in &rows {
            for &col in cols {
                match runs.last_mut() {
                    Some(run) if run.row == *row && run.end == col => run.end += 1,
                    _ => runs.push(Run { row: *row, start: col, end: col + 1, before: len }),
                }
                len += 1;
            }
        }
        let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
            return Err(GridError::NoCells);
        };
        let row_min = first.row;
        let n_rows = usize::try_from(last.row - row_min + 1).expect("rows fit in memory");
        let mut row_runs = vec![(0usize, 0usize); n_rows];
        let mut idx = 0;
        for (slot, row) in row_runs.iter_mut().zip(row_min..) {
            let start = idx;
            while idx < runs.len() && runs[idx].row == row {
                idx += 1;
            }
            *slot = (start, idx);
        }
        Ok(Grid { lattice, runs, row_min, row_runs, len })
    }

    /// The shape of the cells.
    pub fn kind(&self) -> GridKind {
        self.lattice.kind
    }

    /// The cell size in metres: the side of a square, or the distance between neighbouring
    /// hexagons' centres.
    pub fn cell_size_m(&self) -> f64 {
        self.lattice.size
    }

    /// The number of cells (never zero: a grid with zero cells is an error).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the grid has no cells; always false, since such a grid is refused.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The grid cell holding the point `easting`, `northing` under the half-open edge rule
    /// (see the [module documentation](self)), or `None` when that cell is not in the grid or
    /// a coordinate is not finite.
    pub fn cell_of(&self, easting: f64, northing: f64) -> Option<CellIndex> {
        if !(easting.is_finite() && northing.is_finite()) {
            return None;
        }
        let cell = self.lattice.locate(easting, northing);
        self.contains_cell(cell).then_some(cell)
    }

    /// Whether `cell` is one of the grid's cells.
    pub fn contains_cell(&self, cell: CellIndex) -> bool {
        self.ordinal(cell).is_some()
    }

    /// The position of `cell` in the order of [`Grid::cells`] (0 to `len() − 1`), for
    /// counting into arrays; `None` when the cell is not in the grid.
    pub fn ordinal(&self, cell: CellIndex) -> Option<usize> {
        let row_idx = usize::try_from(cell.row.checked_sub(self.row_min)?).ok()?;
        let &(start, end) = self.row_runs.get(row_idx)?;
        let runs = &self.runs[start..end];
        let after = runs.partition_point(|run| run.end <= cell.col);
        let run = runs.get(after)?;
        (run.start <= cell.col).then(|| run.before + (cell.col - run.start) as usize)
    }

    /// The stable id of `cell`, such as `sq500-575500-155500` or `hex500-972-359` (see the
    /// [module documentation](self)); defined for any cell of the lattice.
    pub fn id(&self, cell: CellIndex) -> String {
        self.lattice.id(cell)
    }

    /// The centre of `cell`, `[easting, northing]` in metres; defined for any cell of the
    /// lattice.
    pub fn centre(&self, cell: CellIndex) -> [f64; 2] {
        self.lattice.centre(cell)
    }

    /// The outline of `cell` in metres, one counter-clockwise polygon, not closed; defined for
    /// any cell of the lattice. Neighbouring cells share their vertices exactly.
    pub fn polygon(&self, cell: CellIndex) -> MultiPolygon {
        MultiPolygon::new(vec![Polygon::new(self.lattice.vertices(cell))])
    }

    /// The cells, row by row from the south and west to east within a row, each with its id,
    /// centre and polygon.
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        self.indices().map(|index| Cell {
            index,
            id: self.id(index),
            centre: self.centre(index),
            polygon: self.polygon(index),
        })
    }

    /// The cells' indices in the order of [`Grid::cells`], without building ids or polygons.
    pub fn indices(&self) -> impl Iterator<Item = CellIndex> + '_ {
        self.runs
            .iter()
            .flat_map(|run| (run.start..run.end).map(move |col| CellIndex { row: run.row, col }))
    }
}

/// Refuses sizes that are zero, negative or not finite.
fn check_size(cell_size_m: f64) -> Result<(), GridError> {
    if cell_size_m.is_finite() && cell_size_m > 0.0 {
        Ok(())
    } else {
        Err(GridError::InvalidCellSize { cell_size_m })
    }
}

/// A cell size for which `n_cells` cells of `cell_size_m` would fit within [`MAX_CELLS`], with
/// a margin, rounded up to whole metres (to tens of metres from 100 m).
fn suggest_size(cell_size_m: f64, n_cells: u64) -> f64 {
    let size = cell_size_m * (n_cells as f64 / MAX_CELLS as f64).sqrt() * 1.05;
    if size >= 100.0 {
        (size / 10.0).ceil() * 10.0
    } else {
        size.ceil()
    }
}

/// The lattice of a grid: its kind and size, and the lattice units in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Lattice {
    kind: GridKind,
    size: f64,
    /// Hexagons: half the width across flats (half the size). Squares: the size.
    unit_x: f64,
    /// Hexagons: half the side length, `size / (2√3)`. Squares: the size.
    unit_y: f64,
}

/// The candidate cells for a bounding box: rows `row_min..=row_max`, and in each row the
/// columns [`Lattice::col_range`] gives.
#[derive(Debug, Clone, Copy)]
struct Window {
    bbox: BBox,
    row_min: i64,
    row_max: i64,
    n_cells: u64,
}

impl Lattice {
    fn new(kind: GridKind, size: f64) -> Lattice {
        match kind {
            GridKind::Square => Lattice { kind, size, unit_x: size, unit_y: size },
            GridKind::Hex => {
                Lattice { kind, size, unit_x: size / 2.0, unit_y: size / (2.0 * 3f64.sqrt()) }
            }
        }
    }

    /// The area of one cell in square metres.
    fn cell_area(&self) -> f64 {
        match self.kind {
            GridKind::Square => self.size * self.size,
            GridKind::Hex => 3f64.sqrt() / 2.0 * self.size * self.size,
        }
    }

    /// The candidate window over `bbox`: every cell whose closed bounding box meets it.
    fn window(&self, bbox: &BBox) -> Window {
        let (row_min, row_max) = self.row_range(bbox.min_lat, bbox.max_lat);
        let rows = (row_max - row_min + 1).max(0) as f64;
        let (col_min, col_max) = self.col_range(row_min, bbox.min_lon, bbox.max_lon);
        let cols = (col_max - col_min + 1).max(0) as f64;
        let n_cells = (rows * cols).min(u64::MAX as f64) as u64;
        Window { bbox: *bbox, row_min, row_max, n_cells }
    }

    /// The rows whose cells' closed bounding boxes meet northings `[south, north]`.
    fn row_range(&self, south: f64, north: f64) -> (i64, i64) {
        match self.kind {
            GridKind::Square => {
                (floor_i64(south / self.size) - 1, floor_i64(north / self.size) + 1)
            }
            // Row r spans northings [unit_y·(3r − 2), unit_y·(3r + 2)].
            GridKind::Hex => (
                floor_i64((south / self.unit_y - 2.0) / 3.0) - 1,
                floor_i64((north / self.unit_y + 2.0) / 3.0) + 1,
            ),
        }
    }

    /// The columns of `row` whose cells' closed bounding boxes meet eastings `[west, east]`,
    /// with a margin of one cell each side.
    fn col_range(&self, row: i64, west: f64, east: f64) -> (i64, i64) {
        match self.kind {
            GridKind::Square => (floor_i64(west / self.size) - 1, floor_i64(east / self.size) + 1),
            // Column q of row r spans eastings [unit_x·(2q + r − 1), unit_x·(2q + r + 1)].
            GridKind::Hex => {
                let r = row as f64;
                (
                    floor_i64((west / self.unit_x - r - 1.0) / 2.0) - 1,
                    floor_i64((east / self.unit_x - r + 1.0) / 2.0) + 1,
                )
            }
        }
    }

    /// The northings `[low, high]` of a row's cells.
    fn row_band(&self, row: i64) -> (f64, f64) {
        match self.kind {
            GridKind::Square => (self.size * row as f64, self.size * (row + 1) as f64),
            GridKind::Hex => {
                (self.unit_y * (3 * row - 2) as f64, self.unit_y * (3 * row + 2) as f64)
            }
        }
    }

    /// The eastings `[low, high]` of a cell.
    fn col_span(&self, cell: CellIndex) -> (f64, f64) {
        match self.kind {
            GridKind::Square => (self.size * cell.col as f64, self.size * (cell.col + 1) as f64),
            GridKind::Hex => {
                let k = 2 * cell.col + cell.row;
                (self.unit_x * (k - 1) as f64, self.unit_x * (k + 1) as f64)
            }
        }
    }

    fn centre(&self, cell: CellIndex) -> [f64; 2] {
        match self.kind {
            GridKind::Square => {
                [self.size * (cell.col as f64 + 0.5), self.size * (cell.row as f64 + 0.5)]
            }
            GridKind::Hex => [
                self.unit_x * (2 * cell.col + cell.row) as f64,
                self.unit_y * (3 * cell.row) as f64,
            ],
        }
    }

    /// The vertices, counter-clockwise from the south-west (squares) or the south (hexagons),
    /// each computed from integer lattice coordinates so that neighbours agree exactly.
    fn vertices(&self, cell: CellIndex) -> Vec<[f64; 2]> {
        let CellIndex { row, col } = cell;
        let (ux, uy) = (self.unit_x, self.unit_y);
        let at = |x: i64, y: i64| [ux * x as f64, uy * y as f64];
        match self.kind {
            GridKind::Square => {
                vec![at(col, row), at(col + 1, row), at(col + 1, row + 1), at(col, row + 1)]
            }
            GridKind::Hex => {
                let (k, m) = (2 * col + row, 3 * row);
                vec![
                    at(k, m - 2),
                    at(k + 1, m - 1),
                    at(k + 1, m + 1),
                    at(k, m + 2),
                    at(k - 1, m + 1),
                    at(k - 1, m - 1),
                ]
            }
        }
    }

    fn id(&self, cell: CellIndex) -> String {
        match self.kind {
            GridKind::Square => {
                let [west, south] = self.vertices(cell)[0];
                format!("sq{}-{}-{}", self.size, west, south)
            }
            GridKind::Hex => format!("hex{}-{}-{}", self.size, cell.col, cell.row),
        }
    }

    /// The lattice cell holding a finite point under the half-open edge rule.
    fn locate(&self, easting: f64, northing: f64) -> CellIndex {
        match self.kind {
            GridKind::Square => CellIndex {
                row: half_open_floor(northing, self.size),
                col: half_open_floor(easting, self.size),
            },
            GridKind::Hex => {
                let rounded = self.cube_round(easting, northing);
                if self.cell_contains(rounded, easting, northing) {
                    return rounded;
                }
                // On or within rounding error of an edge: the neighbour that the exact
                // half-open test gives the point to.
                const NEIGHBOURS: [(i64, i64); 6] =
                    [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)];
                NEIGHBOURS
                    .iter()
                    .map(|&(dq, dr)| CellIndex { row: rounded.row + dr, col: rounded.col + dq })
                    .find(|&cell| self.cell_contains(cell, easting, northing))
                    .unwrap_or(rounded)
            }
        }
    }

    /// The hexagon nearest the point, by rounding its fractional cube coordinates (Red Blob
    /// Games, "Hexagonal Grids": pointy-top pixel to hex, then cube rounding).
    fn cube_round(&self, easting: f64, northing: f64) -> CellIndex {
        let side = self.size / 3f64.sqrt();
        let q = (3f64.sqrt() / 3.0 * easting - northing / 3.0) / side;
        let r = (2.0 / 3.0 * northing) / side;
        let s = -q - r;
        let (mut rq, mut rr, rs) = (q.round(), r.round(), s.round());
        let (dq, dr, ds) = ((rq - q).abs(), (rr - r).abs(), (rs - s).abs());
        if dq > dr && dq > ds {
            rq = -rr - rs;
        } else if dr > ds {
            rr = -rq - rs;
        }
        CellIndex { row: rr as i64, col: rq as i64 }
    }

    /// The exact half-open containment test of [`safer_domain::geo`] on one cell.
    fn cell_contains(&self, cell: CellIndex, easting: f64, northing: f64) -> bool {
        ring_contains(&self.vertices(cell), easting, northing)
    }
}

/// `floor(value / size)` as an integer, adjusted so that `value` lies in
/// `[k·size, (k+1)·size)` with the products computed as the cell vertices are.
fn half_open_floor(value: f64, size: f64) -> i64 {
    let mut k = floor_i64(value / size);
    if value < size * k as f64 {
        k -= 1;
    } else if value >= size * (k + 1) as f64 {
        k += 1;
    }
    k
}

/// `value.floor()` as an `i64`, saturating.
fn floor_i64(value: f64) -> i64 {
    value.floor() as i64
}

/// The crossing-number test with the half-open rule, exactly as [`safer_domain::geo`] runs it
/// on a polygon's ring (edges in canonical order, lower end first), so that a cell contains a
/// point here exactly when its [`Grid::polygon`] does.
fn ring_contains(ring: &[[f64; 2]], x: f64, y: f64) -> bool {
    let n = ring.len();
    let mut odd = false;
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        let (low, high) = if p[1] <= q[1] { (p, q) } else { (q, p) };
        if !(low[1] <= y && y < high[1]) {
            continue;
        }
        let cross = (high[0] - low[0]) * (y - low[1]) - (high[1] - low[1]) * (x - low[0]);
        if cross > 0.0 {
            odd = !odd;
        }
    }
    odd
}

/// The kept columns of each row of the window: cells crossed by the area's boundary are kept
/// when the exact overlap is positive, the others when their centre is inside.
fn covered_cells(
    lattice: &Lattice,
    window: &Window,
    area: &MultiPolygon,
    rings: &[&[[f64; 2]]],
) -> Vec<(i64, Vec<i64>)> {
    let n_rows = (window.row_max - window.row_min + 1) as usize;
    // Each edge, bucketed into the rows whose band it meets.
    let mut row_edges: Vec<Vec<([f64; 2], [f64; 2])>> = vec![Vec::new(); n_rows];
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (p, q) = (ring[i], ring[(i + 1) % n]);
            if p == q {
                continue;
            }
            let (low, high) = lattice.row_range(p[1].min(q[1]), p[1].max(q[1]));
            for row in low.max(window.row_min)..=high.min(window.row_max) {
                let (band_low, band_high) = lattice.row_band(row);
                if p[1].max(q[1]) >= band_low && p[1].min(q[1]) <= band_high {
                    row_edges[(row - window.row_min) as usize].push((p, q));
                }
            }
        }
    }
    let min_overlap = MIN_OVERLAP_FRACTION * lattice.cell_area();
    let margin = lattice.size * 1e-9;
    let mut kept_rows = Vec::new();
    let mut clipper = Clipper::default();
    for (row_idx, edges) in row_edges.iter().enumerate() {
        let row = window.row_min + row_idx as i64;
        let (band_low, band_high) = lattice.row_band(row);
        let (col_min, col_max) = lattice.col_range(row, window.bbox.min_lon, window.bbox.max_lon);
        let n_cols = (col_max - col_min + 1) as usize;
        // Cells the boundary passes through (or near, by a hair's breadth).
        let mut boundary = vec![false; n_cols];
        for &(p, q) in edges {
            let Some((x_low, x_high)) = segment_x_range_in_band(p, q, band_low, band_high) else {
                continue;
            };
            let (low, high) = lattice.col_range(row, x_low - margin, x_high + margin);
            for col in low.max(col_min)..=high.min(col_max) {
                let (cell_low, cell_high) = lattice.col_span(CellIndex { row, col });
                if cell_low <= x_high + margin && x_low - margin <= cell_high {
                    boundary[(col - col_min) as usize] = true;
                }
            }
        }
        // Crossings of the centre line, for the cells the boundary does not reach.
        let centre_y = lattice.centre(CellIndex { row, col: 0 })[1];
        let mut crossings: Vec<f64> = edges
            .iter()
            .filter_map(|&(p, q)| {
                let (low, high) = if p[1] <= q[1] { (p, q) } else { (q, p) };
                (low[1] <= centre_y && centre_y < high[1])
                    .then(|| low[0] + (centre_y - low[1]) * (high[0] - low[0]) / (high[1] - low[1]))
            })
            .collect();
        crossings.sort_by(f64::total_cmp);
        // The area's rings cut to the band once, for the cells that need clipping.
        let band_rings: Vec<(bool, Vec<[f64; 2]>)> = if boundary.contains(&true) {
            band_clipped_rings(area, band_low, band_high, &mut clipper)
        } else {
            Vec::new()
        };
        let mut cols = Vec::new();
        for (is_boundary, col) in boundary.into_iter().zip(col_min..) {
            let cell = CellIndex { row, col };
            let keep = if is_boundary {
                overlap_area(lattice, cell, &band_rings, &mut clipper) > min_overlap
            } else {
                let x = lattice.centre(cell)[0];
                let right = crossings.len() - crossings.partition_point(|&c| c <= x);
                right % 2 == 1
            };
            if keep {
                cols.push(col);
            }
        }
        if !cols.is_empty() {
            kept_rows.push((row, cols));
        }
    }
    kept_rows
}

/// The eastings covered by the part of segment `p`–`q` with northing in `[low, high]`, or
/// `None` when there is no such part.
fn segment_x_range_in_band(p: [f64; 2], q: [f64; 2], low: f64, high: f64) -> Option<(f64, f64)> {
    let (y_min, y_max) = (p[1].min(q[1]), p[1].max(q[1]));
    if y_max < low || y_min > high {
        return None;
    }
    if p[1] == q[1] {
        return Some((p[0].min(q[0]), p[0].max(q[0])));
    }
    let at = |y: f64| p[0] + (y - p[1]) * (q[0] - p[0]) / (q[1] - p[1]);
    let (t0, t1) = (y_min.max(low), y_max.min(high));
    let (a, b) = (at(t0), at(t1));
    Some((a.min(b), a.max(b)))
}

/// Each ring of the area whose box meets the band, cut to northings `[low, high]`, with
/// whether it is a hole.
fn band_clipped_rings(
    area: &MultiPolygon,
    low: f64,
    high: f64,
    clipper: &mut Clipper,
) -> Vec<(bool, Vec<[f64; 2]>)> {
    let mut out = Vec::new();
    for polygon in &area.polygons {
        let rings = std::iter::once((false, &polygon.exterior))
            .chain(polygon.holes.iter().map(|hole| (true, hole)));
        for (is_hole, ring) in rings {
            let Some(bbox) = BBox::of_points(ring) else { continue };
            if bbox.max_lat < low || bbox.min_lat > high {
                continue;
            }
            // Half-planes y ≥ low and −y ≥ −high.
            let clipped = clipper.clip(ring, &[([0.0, 1.0], low), ([0.0, -1.0], -high)]);
            if clipped.len() >= 3 {
                out.push((is_hole, clipped));
            }
        }
    }
    out
}

/// The area of the overlap of `cell` with the area whose band-clipped rings are given:
/// exteriors' overlaps less holes'.
fn overlap_area(
    lattice: &Lattice,
    cell: CellIndex,
    band_rings: &[(bool, Vec<[f64; 2]>)],
    clipper: &mut Clipper,
) -> f64 {
    let vertices = lattice.vertices(cell);
    let n = vertices.len();
    // The cell's edges as inward half-planes n·x ≥ c (the ring is counter-clockwise).
    let half_planes: Vec<([f64; 2], f64)> = (0..n)
        .map(|i| {
            let (a, b) = (vertices[i], vertices[(i + 1) % n]);
            let normal = [-(b[1] - a[1]), b[0] - a[0]];
            (normal, normal[0] * a[0] + normal[1] * a[1])
        })
        .collect();
    let (x_low, x_high) = lattice.col_span(cell);
    let centre = lattice.centre(cell);
    let mut total = 0.0;
    for (is_hole, ring) in band_rings {
        let clipped = clipper.clip(ring, &[([1.0, 0.0], x_low), ([-1.0, 0.0], -x_high)]);
        if clipped.len() < 3 {
            continue;
        }
        let clipped = clipper.clip(&clipped, &half_planes);
        let area = shoelace_about(&clipped, centre).abs();
        total += if *is_hole { -area } else { area };
    }
    total
}

/// The signed shoelace area of a ring (positive counter-clockwise), computed about `origin` for precision.
fn shoelace_about(ring: &[[f64; 2]], origin: [f64; 2]) -> f64 {
    let n = ring.len();
    let mut twice = 0.0;
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        let (px, py) = (p[0] - origin[0], p[1] - origin[1]);
        let (qx, qy) = (q[0] - origin[0], q[1] - origin[1]);
        twice += px * qy - qx * py;
    }
    twice / 2.0
}

/// Sutherland–Hodgman clipping of a ring by half-planes `normal · x ≥ offset`, with reused
/// buffers. Clipping a concave ring this way can leave zero-width bridges along the clip
/// lines; they add nothing to the signed area, which is all the result is used for.
#[derive(Debug, Default)]
struct Clipper {
    scratch: Vec<[f64; 2]>,
}

impl Clipper {
    fn clip(&mut self, ring: &[[f64; 2]], half_planes: &[([f64; 2], f64)]) -> Vec<[f64; 2]> {
        let mut current: Vec<[f64; 2]> = ring.to_vec();
        if current.len() > 1 && current.first() == current.last() {
            current.pop();
        }
        for &(normal, offset) in half_planes {
            if current.is_empty() {
                break;
            }
            let side = |p: [f64; 2]| normal[0] * p[0] + normal[1] * p[1] - offset;
            self.scratch.clear();
            let n = current.len();
            for i in 0..n {
                let (p, q) = (current[i], current[(i + 1) % n]);
                let (sp, sq) = (side(p), side(q));
                if sp >= 0.0 {
                    self.scratch.push(p);
                }
                if (sp >= 0.0) != (sq >= 0.0) {
                    let t = sp / (sp - sq);
                    self.scratch.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
                }
            }
            std::mem::swap(&mut current, &mut self.scratch);
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    /// A small deterministic generator (SplitMix64) for reproducible random points.
    struct SplitMix(u64);

    impl SplitMix {
        fn next_f64(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        }

        fn between(&mut self, low: f64, high: f64) -> f64 {
            low + (high - low) * self.next_f64()
        }
    }

    fn bbox(west: f64, south: f64, east: f64, north: f64) -> BBox {
        BBox { min_lon: west, min_lat: south, max_lon: east, max_lat: north }
    }

    fn rectangle(west: f64, south: f64, east: f64, north: f64) -> Polygon {
        Polygon::new(vec![[west, south], [east, south], [east, north], [west, north]])
    }

    /// Around Maidstone: 6 km by 5 km.
    fn maidstone() -> BBox {
        bbox(573_000.0, 153_000.0, 579_000.0, 158_000.0)
    }

    fn grids() -> Vec<Grid> {
        vec![
            Grid::new(GridKind::Square, 250.0, maidstone()).unwrap(),
            Grid::new(GridKind::Hex, 250.0, maidstone()).unwrap(),
            Grid::new(GridKind::Hex, 333.3, maidstone()).unwrap(),
        ]
    }

    #[test]
    fn random_points_fall_in_the_polygon_of_their_cell() {
        for grid in grids() {
            let mut rng = SplitMix(42);
            for _ in 0..20_000 {
                let e = rng.between(573_000.0, 579_000.0);
                let n = rng.between(153_000.0, 158_000.0);
                let cell = grid.cell_of(e, n).unwrap_or_else(|| panic!("({e}, {n})"));
                assert!(grid.polygon(cell).contains(e, n), "{:?} ({e}, {n})", grid.kind());
                // And no neighbour claims it.
                for dr in -1..=1 {
                    for dc in -1..=1 {
                        let other = CellIndex { row: cell.row + dr, col: cell.col + dc };
                        if other != cell {
                            assert!(!grid.polygon(other).contains(e, n));
                        }
                    }
                }
            }
            assert_eq!(grid.cell_of(500_000.0, 155_000.0), None);
            assert_eq!(grid.cell_of(f64::NAN, 155_000.0), None);
        }
    }

    #[test]
    fn points_on_shared_edges_and_vertices_belong_to_exactly_one_cell() {
        for grid in grids() {
            let inner = grid.cell_of(576_000.0, 155_500.0).unwrap();
            let vertices = grid.polygon(inner).polygons[0].exterior.clone();
            let n = vertices.len();
            let mut points = vertices.clone();
            for i in 0..n {
                let (a, b) = (vertices[i], vertices[(i + 1) % n]);
                for t in [0.25, 0.5, 0.75] {
                    points.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
                }
            }
            let around: Vec<CellIndex> = (-2..=2)
                .flat_map(|dr| (-2..=2).map(move |dc| (dr, dc)))
                .map(|(dr, dc)| CellIndex { row: inner.row + dr, col: inner.col + dc })
                .collect();
            for [e, n] in points {
                let claiming: Vec<CellIndex> =
                    around.iter().copied().filter(|&c| grid.polygon(c).contains(e, n)).collect();
                assert_eq!(claiming.len(), 1, "{:?} ({e}, {n}): {claiming:?}", grid.kind());
                assert_eq!(grid.cell_of(e, n), Some(claiming[0]), "({e}, {n})");
            }
        }
        // Squares: south and west edges in, north and east out.
        let grid = Grid::new(GridKind::Square, 500.0, maidstone()).unwrap();
        let id = |e: f64, n: f64| grid.id(grid.cell_of(e, n).unwrap());
        assert_eq!(id(575_500.0, 155_500.0), "sq500-575500-155500");
        assert_eq!(id(575_500.0, 155_700.0), "sq500-575500-155500");
        assert_eq!(id(575_700.0, 155_500.0), "sq500-575500-155500");
        assert_eq!(id(576_000.0, 155_700.0), "sq500-576000-155500");
        assert_eq!(id(575_700.0, 156_000.0), "sq500-575500-156000");
        assert_eq!(id(575_999.999_999, 155_999.999_999), "sq500-575500-155500");
    }

    /// The cells sharing a whole edge with `cell`, and those sharing at least a vertex.
    fn neighbours(grid: &Grid, cell: CellIndex) -> (usize, usize) {
        let ring = grid.polygon(cell).polygons[0].exterior.clone();
        let edges = |ring: &[[f64; 2]]| -> HashSet<[u64; 4]> {
            let n = ring.len();
            (0..n)
                .map(|i| {
                    let (a, b) = (ring[i], ring[(i + 1) % n]);
                    let (a, b) = if (a[0], a[1]) < (b[0], b[1]) { (a, b) } else { (b, a) };
                    [a[0].to_bits(), a[1].to_bits(), b[0].to_bits(), b[1].to_bits()]
                })
                .collect()
        };
        let vertex_bits = |ring: &[[f64; 2]]| -> HashSet<[u64; 2]> {
            ring.iter().map(|v| [v[0].to_bits(), v[1].to_bits()]).collect()
        };
        let (own_edges, own_vertices) = (edges(&ring), vertex_bits(&ring));
        let (mut by_edge, mut by_vertex) = (0, 0);
        for other in grid.indices().filter(|&c| c != cell) {
            let other_ring = grid.polygon(other).polygons[0].exterior.clone();
            if !edges(&other_ring).is_disjoint(&own_edges) {
                by_edge += 1;
            }
            if !vertex_bits(&other_ring).is_disjoint(&own_vertices) {
                by_vertex += 1;
            }
        }
        (by_edge, by_vertex)
    }

    #[test]
    fn neighbouring_cells_share_edges_exactly() {
        let extent = bbox(574_000.0, 154_000.0, 576_000.0, 156_000.0);
        let squares = Grid::new(GridKind::Square, 250.0, extent).unwrap();
        let inner = squares.cell_of(575_000.0, 155_000.0).unwrap();
        assert_eq!(neighbours(&squares, inner), (4, 8));
        let corner = squares.cell_of(574_000.0, 154_000.0).unwrap();
        assert_eq!(neighbours(&squares, corner), (2, 3));
        for size in [250.0, 333.3, 1000.0 / 3.0] {
            let hexes = Grid::new(GridKind::Hex, size, extent).unwrap();
            let inner = hexes.cell_of(575_000.0, 155_000.0).unwrap();
            assert_eq!(neighbours(&hexes, inner), (6, 6), "size {size}");
        }
    }

    #[test]
    fn hexagons_are_regular_with_the_documented_size() {
        let grid = Grid::new(GridKind::Hex, 500.0, maidstone()).unwrap();
        let cell = grid.cell_of(576_000.0, 155_500.0).unwrap();
        let ring = grid.polygon(cell).polygons[0].exterior.clone();
        let centre = grid.centre(cell);
        let side = 500.0 / 3f64.sqrt();
        for i in 0..6 {
            let (a, b) = (ring[i], ring[(i + 1) % 6]);
            assert!(((a[0] - b[0]).hypot(a[1] - b[1]) - side).abs() < 1e-9);
            assert!(((a[0] - centre[0]).hypot(a[1] - centre[1]) - side).abs() < 1e-9);
        }
        // Neighbours' centres are `size` apart; the pointy top is due north of the centre.
        let east = CellIndex { row: cell.row, col: cell.col + 1 };
        let north_east = CellIndex { row: cell.row + 1, col: cell.col };
        for other in [east, north_east] {
            let c = grid.centre(other);
            assert!(((c[0] - centre[0]).hypot(c[1] - centre[1]) - 500.0).abs() < 1e-9);
        }
        assert_eq!(ring[3][0], centre[0]);
        assert!(ring[3][1] > centre[1]);
        let polygon = grid.polygon(cell);
        assert!((polygon.area_sq_deg() - 3f64.sqrt() / 2.0 * 500.0 * 500.0).abs() < 1e-6);
    }

    #[test]
    fn cell_counts_for_known_extents() {
        let count = |kind, size, extent| Grid::new(kind, size, extent).unwrap().len();
        // On grid lines: 12 × 10 squares; cells that only touch the extent are not included.
        assert_eq!(count(GridKind::Square, 500.0, maidstone()), 120);
        assert_eq!(count(GridKind::Square, 1000.0, bbox(0.0, 0.0, 1000.0, 1000.0)), 1);
        assert_eq!(count(GridKind::Square, 500.0, bbox(0.0, 0.0, 1000.0, 1000.0)), 4);
        // Off grid lines: every partly covered cell counts.
        assert_eq!(count(GridKind::Square, 500.0, bbox(100.0, 100.0, 1100.0, 900.0)), 6);
        assert_eq!(count(GridKind::Square, 500.0, bbox(-100.0, -100.0, 100.0, 100.0)), 4);
        // Hexagons of 1 km across flats over 0..10 km × 0..10 km: rows r = 0..=12 (centres
        // every 866 m; row 0's northern half and row 12's southern tip are inside); 11 cells in
        // even rows, whose centres are on whole kilometres, and 10 in odd rows, centred on the
        // half kilometres (the cells centred at −500 m and 10 500 m only touch the extent).
        let hexes = Grid::new(GridKind::Hex, 1000.0, bbox(0.0, 0.0, 10_000.0, 10_000.0)).unwrap();
        let mut per_row: HashMap<i64, usize> = HashMap::new();
        for cell in hexes.indices() {
            *per_row.entry(cell.row).or_default() += 1;
        }
        let mut rows: Vec<(i64, usize)> = per_row.into_iter().collect();
        rows.sort();
        assert_eq!(rows.first().unwrap().0, 0);
        assert_eq!(rows.last().unwrap().0, 12);
        for &(row, n) in &rows {
            let expected = if row % 2 == 0 { 11 } else { 10 };
            assert_eq!(n, expected, "row {row}");
        }
        assert_eq!(hexes.len(), 7 * 11 + 6 * 10);
        // The overlaps add up to the extent: the cells tile it.
        let lattice = Lattice::new(GridKind::Hex, 1000.0);
        let area = MultiPolygon::new(vec![rectangle(0.0, 0.0, 10_000.0, 10_000.0)]);
        let total: f64 = hexes.indices().map(|cell| exact_overlap(&lattice, cell, &area)).sum();
        assert!((total - 1e8).abs() < 1e-3, "{total}");
    }

    /// The overlap of a cell with an area, by clipping the whole rings.
    fn exact_overlap(lattice: &Lattice, cell: CellIndex, area: &MultiPolygon) -> f64 {
        let mut clipper = Clipper::default();
        let (low, high) = lattice.row_band(cell.row);
        let rings = band_clipped_rings(area, low, high, &mut clipper);
        overlap_area(lattice, cell, &rings, &mut clipper)
    }

    #[test]
    fn ids_are_stable_across_extents() {
        let small =
            Grid::new(GridKind::Square, 500.0, bbox(575_000.0, 155_000.0, 576_000.0, 156_000.0))
                .unwrap();
        let large = Grid::new(GridKind::Square, 500.0, maidstone()).unwrap();
        let ids = |grid: &Grid| -> HashMap<CellIndex, String> {
            grid.cells().map(|cell| (cell.index, cell.id)).collect()
        };
        let (small_ids, large_ids) = (ids(&small), ids(&large));
        assert_eq!(small_ids.len(), 4);
        for (index, id) in &small_ids {
            assert_eq!(large_ids.get(index), Some(id));
        }
        let mut sorted: Vec<&String> = small_ids.values().collect();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                "sq500-575000-155000",
                "sq500-575000-155500",
                "sq500-575500-155000",
                "sq500-575500-155500"
            ]
        );
        let hexes = Grid::new(GridKind::Hex, 500.0, maidstone()).unwrap();
        let cell = hexes.cell_of(575_700.0, 155_600.0).unwrap();
        let centre = hexes.centre(cell);
        assert_eq!(hexes.id(cell), format!("hex500-{}-{}", cell.col, cell.row));
        assert!((centre[0] - 575_700.0).abs() < 300.0 && (centre[1] - 155_600.0).abs() < 300.0);
        assert_eq!(hexes.id(cell), "hex500-972-359");
        let other =
            Grid::new(GridKind::Hex, 500.0, bbox(575_000.0, 155_000.0, 576_000.0, 156_000.0))
                .unwrap();
        assert_eq!(other.id(other.cell_of(575_700.0, 155_600.0).unwrap()), "hex500-972-359");
        assert_eq!(
            Grid::new(GridKind::Square, 0.5, bbox(0.0, 0.0, 1.0, 1.0))
                .unwrap()
                .id(CellIndex { row: 1, col: -1 }),
            "sq0.5--0.5-0.5"
        );
    }

    #[test]
    fn cells_come_in_order_with_ordinals() {
        for grid in grids() {
            let cells: Vec<Cell> = grid.cells().collect();
            assert_eq!(cells.len(), grid.len());
            assert!(!grid.is_empty());
            for (i, cell) in cells.iter().enumerate() {
                assert_eq!(grid.ordinal(cell.index), Some(i));
                assert_eq!(cell.centre, grid.centre(cell.index));
                assert_eq!(grid.cell_of(cell.centre[0], cell.centre[1]), Some(cell.index));
            }
            assert!(cells.windows(2).all(|w| w[0].index < w[1].index));
            let ids: HashSet<&String> = cells.iter().map(|c| &c.id).collect();
            assert_eq!(ids.len(), cells.len());
        }
    }

    /// An independent test for generic positions: does the cell meet the area with positive
    /// area? A vertex of either strictly inside the other, or two edges crossing properly, or
    /// the cell's centre inside the area.
    fn brute_force_overlaps(cell_ring: &[[f64; 2]], centre: [f64; 2], area: &MultiPolygon) -> bool {
        let cell = Polygon::new(cell_ring.to_vec());
        if area.contains(centre[0], centre[1]) {
            return true;
        }
        let rings: Vec<&Vec<[f64; 2]>> = area
            .polygons
            .iter()
            .flat_map(|p| std::iter::once(&p.exterior).chain(p.holes.iter()))
            .collect();
        if rings.iter().flat_map(|r| r.iter()).any(|v| cell.contains(v[0], v[1])) {
            return true;
        }
        if cell_ring.iter().any(|v| area.contains(v[0], v[1])) {
            return true;
        }
        let segments = |ring: &[[f64; 2]]| -> Vec<([f64; 2], [f64; 2])> {
            (0..ring.len()).map(|i| (ring[i], ring[(i + 1) % ring.len()])).collect()
        };
        let orient = |a: [f64; 2], b: [f64; 2], c: [f64; 2]| {
            (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        };
        for (a, b) in segments(cell_ring) {
            for ring in &rings {
                for (c, d) in segments(ring) {
                    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
                    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
                    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// A star-shaped polygon with `n` random radii around `centre`, with a star-shaped hole.
    fn random_area(rng: &mut SplitMix, centre: [f64; 2], n: usize) -> MultiPolygon {
        let star = |rng: &mut SplitMix, radius: (f64, f64), n: usize| -> Vec<[f64; 2]> {
            (0..n)
                .map(|i| {
                    let angle =
                        std::f64::consts::TAU * (i as f64 + rng.between(0.0, 0.8)) / n as f64;
                    let r = rng.between(radius.0, radius.1);
                    [centre[0] + r * angle.cos(), centre[1] + r * angle.sin()]
                })
                .collect()
        };
        let mut polygon = Polygon::new(star(rng, (800.0, 2500.0), n));
        polygon.holes.push(star(rng, (150.0, 500.0), 7));
        let island = Polygon::new(star(rng, (100.0, 300.0), 5))
            .exterior
            .iter()
            .map(|v| [v[0] + 3500.0, v[1] + 500.0])
            .collect();
        MultiPolygon::new(vec![polygon, Polygon::new(island)])
    }

    #[test]
    fn covering_keeps_exactly_the_cells_that_meet_the_area() {
        let mut rng = SplitMix(7);
        let mut n_slivers = 0;
        for trial in 0..12 {
            let centre = [rng.between(400_000.0, 600_000.0), rng.between(100_000.0, 400_000.0)];
            let area = random_area(&mut rng, centre, 40);
            for (kind, size) in [(GridKind::Square, 173.0), (GridKind::Hex, 211.0)] {
                let grid = Grid::covering(kind, size, &area).unwrap();
                let lattice = Lattice::new(kind, size);
                let window = lattice.window(&area.bbox().unwrap());
                let mut expected = 0;
                for row in window.row_min..=window.row_max {
                    let (c0, c1) = lattice.col_range(row, window.bbox.min_lon, window.bbox.max_lon);
                    for col in c0..=c1 {
                        let cell = CellIndex { row, col };
                        let ring = lattice.vertices(cell);
                        let meets = brute_force_overlaps(&ring, lattice.centre(cell), &area);
                        let kept = grid.contains_cell(cell);
                        // Slivers within rounding noise of zero may go either way.
                        let overlap = exact_overlap(&lattice, cell, &area);
                        let sliver = overlap.abs() < 1e-8 * lattice.cell_area();
                        assert!(
                            kept == meets || sliver,
                            "trial {trial} {kind:?} {cell:?}: kept {kept}, overlap {overlap}"
                        );
                        n_slivers += usize::from(kept != meets);
                        expected += usize::from(kept);
                    }
                }
                assert_eq!(grid.len(), expected);
                // The kept cells' overlaps add up to the area's area.
                let total: f64 =
                    grid.indices().map(|cell| exact_overlap(&lattice, cell, &area)).sum();
                assert!((total - area.area_sq_deg()).abs() < 1e-6 * total, "{total}");
                // Every point of the area is in a kept cell.
                for _ in 0..2000 {
                    let e = rng.between(centre[0] - 2600.0, centre[0] + 3900.0);
                    let n = rng.between(centre[1] - 2600.0, centre[1] + 2600.0);
                    if area.contains(e, n) {
                        assert!(grid.cell_of(e, n).is_some(), "({e}, {n})");
                    }
                }
            }
        }
        assert!(n_slivers <= 2, "{n_slivers} slivers");
    }

    #[test]
    fn covering_leaves_out_holes_and_cells_that_only_touch() {
        // An L of whole 100 m squares with a one-square hole: exactly its squares are kept.
        let mut l_shape = Polygon::new(vec![
            [0.0, 0.0],
            [500.0, 0.0],
            [500.0, 200.0],
            [200.0, 200.0],
            [200.0, 500.0],
            [0.0, 500.0],
        ]);
        l_shape.holes.push(rectangle(100.0, 100.0, 200.0, 200.0).exterior);
        let grid =
            Grid::covering(GridKind::Square, 100.0, &MultiPolygon::new(vec![l_shape])).unwrap();
        assert_eq!(grid.len(), 5 * 2 + 2 * 3 - 1);
        assert_eq!(grid.cell_of(150.0, 150.0), None);
        assert_eq!(grid.cell_of(350.0, 350.0), None);
        assert!(grid.cell_of(50.0, 450.0).is_some() && grid.cell_of(450.0, 150.0).is_some());
        // A triangle touching a cell at a vertex and along an edge does not take it.
        let triangle = Polygon::new(vec![[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]]);
        let grid =
            Grid::covering(GridKind::Square, 100.0, &MultiPolygon::new(vec![triangle])).unwrap();
        assert_eq!(grid.len(), 1);
        // A hexagon of the lattice itself covers one hexagon.
        let lattice = Lattice::new(GridKind::Hex, 300.0);
        let cell = CellIndex { row: 400, col: 1000 };
        let one = MultiPolygon::new(vec![Polygon::new(lattice.vertices(cell))]);
        let grid = Grid::covering(GridKind::Hex, 300.0, &one).unwrap();
        assert_eq!(grid.indices().collect::<Vec<_>>(), vec![cell]);
    }

    #[test]
    fn errors_are_clear() {
        let extent = maidstone();
        for size in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            let err = Grid::new(GridKind::Square, size, extent).unwrap_err();
            assert!(matches!(err, GridError::InvalidCellSize { .. }), "{size}");
        }
        assert_eq!(
            Grid::new(GridKind::Square, 0.0, extent).unwrap_err().to_string(),
            "the cell size must be a positive number of metres, not 0"
        );
        let flat = bbox(575_000.0, 155_000.0, 576_000.0, 155_000.0);
        for kind in [GridKind::Square, GridKind::Hex] {
            assert_eq!(Grid::new(kind, 100.0, flat).unwrap_err(), GridError::NoCells);
            assert_eq!(
                Grid::covering(kind, 100.0, &MultiPolygon::default()).unwrap_err(),
                GridError::NoCells
            );
        }
        assert!(GridError::NoCells.to_string().starts_with("a grid with zero cells"));
        assert_eq!(
            Grid::new(GridKind::Square, 100.0, bbox(1.0, 0.0, 0.0, 1.0)).unwrap_err(),
            GridError::InvalidArea
        );
        assert_eq!(
            Grid::new(GridKind::Hex, 100.0, bbox(f64::NAN, 0.0, 1.0, 1.0)).unwrap_err(),
            GridError::InvalidArea
        );
        let nan_area =
            MultiPolygon::new(vec![Polygon::new(vec![[0.0, 0.0], [f64::NAN, 1.0], [1.0, 1.0]])]);
        assert_eq!(
            Grid::covering(GridKind::Square, 1.0, &nan_area).unwrap_err(),
            GridError::InvalidArea
        );
        // All of Great Britain at 100 m: far too many; the suggestion keeps within the limit.
        let gb = bbox(0.0, 0.0, 700_000.0, 1_300_000.0);
        let err = Grid::new(GridKind::Square, 100.0, gb).unwrap_err();
        let GridError::TooManyCells { n_cells, suggested_size_m, .. } = err.clone() else {
            panic!("{err:?}")
        };
        assert!(n_cells > 91_000_000 && n_cells < 91_100_000, "{n_cells}");
        assert!(err.to_string().contains(&format!("{n_cells} cells")), "{err}");
        assert!(err.to_string().contains("limit of 5000000"), "{err}");
        assert!(Grid::new(GridKind::Square, suggested_size_m, gb).is_ok(), "{suggested_size_m}");
        let GridError::TooManyCells { suggested_size_m, .. } =
            Grid::new(GridKind::Hex, 100.0, gb).unwrap_err()
        else {
            panic!()
        };
        assert!(Grid::new(GridKind::Hex, suggested_size_m, gb).is_ok(), "{suggested_size_m}");
    }
}
