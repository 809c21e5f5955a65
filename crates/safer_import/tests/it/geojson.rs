//! The real Maidstone boundary files (`boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON`
//! in `shared/data`): 95 LSOAs (2011) and 26 wards (2013), read with `geojson::read_features`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use safer_domain::geo::BBox;
use safer_import::geojson::{read_features, GeoFeature};

const BOUNDARIES: &str = "boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON";

/// The real data directory: `SAFER_REAL_DATA`, else `../shared/data` beside the workspace (the
/// rule of `safer_test_utils::env::real_data_dir`, which this crate does not depend on: it
/// would bring the storage crate and sqlx into this pure crate's test build). `None` when it is
/// missing outside CI; under CI a missing directory fails the test.
fn real_data_dir() -> Option<PathBuf> {
    let fallback = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let dir = std::env::var_os("SAFER_REAL_DATA").map(PathBuf::from).unwrap_or(fallback);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "SAFER_REAL_DATA is not set or {} is missing; under CI this is a failure, not a skip",
        dir.display()
    );
    None
}

/// Reads one real boundary file, or `None` when the real data is missing outside CI.
fn read_real(relative: &str) -> Option<Vec<GeoFeature>> {
    let dir = real_data_dir()?;
    let path = dir.join(BOUNDARIES).join(relative);
    let data = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    Some(read_features(relative, &data).unwrap_or_else(|err| panic!("{err}")))
}

/// Maidstone district lies within this box (generous by a few kilometres).
const MAIDSTONE: BBox = BBox { min_lon: 0.3, min_lat: 51.05, max_lon: 0.9, max_lat: 51.45 };

#[track_caller]
fn check_features(
    features: &[GeoFeature],
    n: usize,
    code_key: &str,
    name_key: &str,
    code_prefix: &str,
) {
    assert_eq!(features.len(), n);
    let mut codes = BTreeSet::new();
    for (idx, feature) in features.iter().enumerate() {
        assert_eq!(feature.number, idx + 1);
        let code = &feature.properties[code_key];
        assert!(code.starts_with(code_prefix) && code.len() == 9, "{code}");
        assert!(codes.insert(code.clone()), "duplicate {code}");
        assert!(!feature.properties[name_key].is_empty());
        let bbox = feature.geometry.bbox().expect("a bounding box");
        assert!(MAIDSTONE.contains(bbox.min_lon, bbox.min_lat), "{code}: {bbox:?}");
        assert!(MAIDSTONE.contains(bbox.max_lon, bbox.max_lat), "{code}: {bbox:?}");
        let [lon, lat] = feature.geometry.centroid().expect("a centroid");
        assert!(bbox.contains(lon, lat), "{code}: centroid outside its box");
        assert!(feature.geometry.area_sq_deg() > 0.0);
    }
}

#[test]
fn maidstone_lsoas_2011() {
    let Some(lsoas) = read_real("lsoa_by_lad/E07000110.json") else { return };
    check_features(&lsoas, 95, "LSOA11CD", "LSOA11NM", "E01");
    assert_eq!(lsoas[0].properties["LSOA11CD"], "E01024320");
    assert_eq!(lsoas[0].properties["LSOA11NM"], "Maidstone 003A");
    assert!(lsoas.iter().all(|f| f.properties["LSOA11NM"].starts_with("Maidstone ")));
}

#[test]
fn maidstone_wards_2013() {
    let Some(wards) = read_real("wards_by_lad/E07000110.json") else { return };
    check_features(&wards, 26, "WD13CD", "WD13NM", "E05");
    // `WD13NMW` (the Welsh name) is null in English files, so it is left out.
    assert!(wards.iter().all(|f| !f.properties.contains_key("WD13NMW")));
    assert_eq!(wards[0].properties["WD13NM"], "Allington");
}

#[test]
fn lsoas_and_wards_cover_the_same_district() {
    let (Some(lsoas), Some(wards)) =
        (read_real("lsoa_by_lad/E07000110.json"), read_real("wards_by_lad/E07000110.json"))
    else {
        return;
    };
    let area = |features: &[GeoFeature]| -> f64 {
        features.iter().map(|f| f.geometry.area_sq_deg()).sum()
    };
    let (lsoa_area, ward_area) = (area(&lsoas), area(&wards));
    // Both tile the district; the files are generalised separately, so allow 1%.
    assert!((lsoa_area / ward_area - 1.0).abs() < 0.01, "{lsoa_area} vs {ward_area}");
    // The files' neighbouring polygons do not share vertices exactly (they differ by about
    // 1e-12 degrees, from reprojection), so boundaries hold slivers and overlaps far below a
    // snap point's precision. A grid across the district never meets them: every grid point is
    // in at most one LSOA and one ward, and in an LSOA when, bar generalisation, in a ward.
    let bbox = lsoas.iter().filter_map(|f| f.geometry.bbox()).reduce(|a, b| a.union(&b)).unwrap();
    let in_how_many = |features: &[GeoFeature], lon: f64, lat: f64| {
        features.iter().filter(|f| f.geometry.contains(lon, lat)).count()
    };
    let steps: u32 = 150;
    let (mut n_in_district, mut n_disagree) = (0, 0);
    for i in 0..steps {
        for j in 0..steps {
            let lon = bbox.min_lon
                + (bbox.max_lon - bbox.min_lon) * (f64::from(i) + 0.5) / f64::from(steps);
            let lat = bbox.min_lat
                + (bbox.max_lat - bbox.min_lat) * (f64::from(j) + 0.5) / f64::from(steps);
            let n_lsoas = in_how_many(&lsoas, lon, lat);
            let n_wards = in_how_many(&wards, lon, lat);
            assert!(
                n_lsoas <= 1 && n_wards <= 1,
                "({lon}, {lat}): {n_lsoas} LSOAs, {n_wards} wards"
            );
            n_in_district += n_lsoas;
            n_disagree += usize::from(n_lsoas != n_wards);
        }
    }
    assert!(
        n_in_district > (steps * steps / 3) as usize,
        "{n_in_district} grid points in the district"
    );
    assert!(n_disagree * 100 < n_in_district, "{n_disagree} of {n_in_district} disagree");
}
