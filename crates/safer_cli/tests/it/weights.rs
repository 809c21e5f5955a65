//! Spatial weights on real boundaries: queen contiguity of the 95 Maidstone LSOAs (2011), read
//! with `safer_import::geojson` and built with `safer_analytics::weights::contiguity`, checked
//! for islands, written and read back as GAL, and compared with libpysal's fuzzy contiguity
//! when geopandas is importable (an optional comparison: skipped with a note otherwise).
//!
//! The boundaries are generalised: libpysal's vertex-matching `Queen.from_dataframe` finds no
//! shared vertex at all in this file (95 islands), which is why our contiguity measures
//! distance with a tolerance.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use safer_analytics::weights::{contiguity, knn, read_gal, write_gal, Weights};
use safer_domain::geo::{MultiPolygon, Polygon};
use safer_import::geojson::read_features;

const LSOA_FILE: &str =
    "boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON/lsoa_by_lad/E07000110.json";

/// Metres per degree of longitude at Maidstone's latitude (51.27° N) and per degree of
/// latitude: a local equirectangular projection, good to a fraction of a percent across one
/// district (the British National Grid module will replace it).
fn project([lon, lat]: [f64; 2]) -> [f64; 2] {
    [lon * 51.27_f64.to_radians().cos() * 111_320.0, lat * 110_540.0]
}

fn project_multipolygon(multi: &MultiPolygon) -> MultiPolygon {
    let ring = |ring: &Vec<[f64; 2]>| ring.iter().copied().map(project).collect::<Vec<_>>();
    MultiPolygon::new(
        multi
            .polygons
            .iter()
            .map(|p| Polygon {
                exterior: ring(&p.exterior),
                holes: p.holes.iter().map(ring).collect(),
            })
            .collect(),
    )
}

fn neighbour_sets(w: &Weights) -> Vec<BTreeSet<usize>> {
    (0..w.n()).map(|i| w.neighbours(i).iter().map(|&(j, _)| j).collect()).collect()
}

/// libpysal's `Graph.build_fuzzy_contiguity` on the file projected to the British National
/// Grid, each polygon buffered by half the tolerance (so boundaries within the tolerance
/// meet): one line of neighbour positions per feature, in file order.
const LIBPYSAL_SCRIPT: &str = r#"
import sys, warnings
warnings.filterwarnings("ignore")
import geopandas
from libpysal.graph import Graph
frame = geopandas.read_file(sys.argv[1]).to_crs(27700)
graph = Graph.build_fuzzy_contiguity(frame.reset_index(drop=True), buffer=float(sys.argv[2]) / 2)
for i in range(len(frame)):
    print(*sorted(int(j) for j in graph[i].index if j != i))
"#;

/// libpysal's neighbour sets, or `None` (with a note) when geopandas or libpysal is missing.
fn libpysal_fuzzy(path: &std::path::Path, tolerance_m: f64) -> Option<Vec<BTreeSet<usize>>> {
    let available = Command::new("python3")
        .args(["-c", "import geopandas, libpysal"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !available {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "skipping the libpysal comparison: python3 cannot import geopandas and libpysal"
            );
        }
        return None;
    }
    let output = Command::new("python3")
        .arg("-c")
        .arg(LIBPYSAL_SCRIPT)
        .arg(path)
        .arg(tolerance_m.to_string())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "the libpysal script failed");
    let stdout = String::from_utf8(output.stdout).unwrap();
    Some(
        stdout
            .lines()
            .map(|line| line.split_whitespace().map(|j| j.parse().unwrap()).collect())
            .collect(),
    )
}

#[test]
fn maidstone_lsoa_contiguity() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        return; // real_data_dir fails under CI when the data is missing
    };
    let path = data.join(LSOA_FILE);
    let bytes = std::fs::read(&path).unwrap();
    let features = read_features(LSOA_FILE, &bytes).unwrap_or_else(|err| panic!("{err}"));
    let ids: Vec<String> = features.iter().map(|f| f.properties["LSOA11CD"].clone()).collect();
    let polygons: Vec<MultiPolygon> =
        features.iter().map(|f| project_multipolygon(&f.geometry)).collect();
    assert_eq!(ids.len(), 95);

    let started = std::time::Instant::now();
    let w = contiguity(ids.clone(), &polygons, 1.0).unwrap();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let exact = contiguity(ids.clone(), &polygons, 0.0).unwrap();
    let cardinalities: Vec<usize> = (0..w.n()).map(|i| w.neighbours(i).len()).collect();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "Maidstone LSOAs, 1 m tolerance: {w} ({elapsed_ms:.1} ms); neighbours per LSOA {}–{}, \
             mean {:.2}; with no tolerance: {exact}",
            cardinalities.iter().min().unwrap(),
            cardinalities.iter().max().unwrap(),
            w.n_links() as f64 / w.n() as f64,
        );
    }
    assert!(w.islands().is_empty(), "islands: {:?}", w.islands());
    // Two LSOAs have a single neighbour inside the district: both run along the district
    // boundary (a third and a half of their perimeters), their other neighbours lying outside
    // Maidstone and outside this file. libpysal's fuzzy contiguity agrees.
    let single: Vec<&str> =
        (0..95).filter(|&i| cardinalities[i] < 2).map(|i| ids[i].as_str()).collect();
    assert_eq!(single, ["E01024337", "E01024365"], "LSOAs with fewer than 2 neighbours");
    assert!(w.is_symmetric());
    // Generalised boundaries: without a tolerance some neighbours are lost.
    assert!(exact.n_links() < w.n_links());

    // GAL round trip, with the units in another order.
    let text = write_gal(&w);
    assert_eq!(read_gal(&text, &ids).unwrap(), w);
    let mut reversed = ids.clone();
    reversed.reverse();
    let back = read_gal(&text, &reversed).unwrap();
    assert_eq!(back.n_links(), w.n_links());
    assert_eq!(back.neighbours(94).len(), w.neighbours(0).len());

    // k nearest centroids: every unit has exactly k neighbours.
    let centroids: Vec<[f64; 2]> = polygons.iter().map(|p| p.centroid().unwrap()).collect();
    let nearest = knn(ids.clone(), &centroids, 4).unwrap();
    assert_eq!(nearest.n_links(), 4 * 95);

    if let Some(theirs) = libpysal_fuzzy(&path, 1.0) {
        let ours = neighbour_sets(&w);
        assert_eq!(theirs.len(), 95);
        let n_theirs: usize = theirs.iter().map(BTreeSet::len).sum();
        let only_ours: Vec<(usize, usize)> =
            (0..95).flat_map(|i| ours[i].difference(&theirs[i]).map(move |&j| (i, j))).collect();
        let only_theirs: Vec<(usize, usize)> =
            (0..95).flat_map(|i| theirs[i].difference(&ours[i]).map(move |&j| (i, j))).collect();
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "libpysal fuzzy contiguity (BNG, 0.5 m buffers): {n_theirs} links; only ours \
                 {only_ours:?}, only theirs {only_theirs:?}"
            );
        }
        // The same neighbours, despite the different projections: no gap in this file is
        // anywhere near 1 m (libpysal finds the same 504 links with 10 m).
        assert_eq!((only_ours.len(), only_theirs.len()), (0, 0));
    }
}
