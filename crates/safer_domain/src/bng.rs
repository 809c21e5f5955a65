//! WGS84 longitude/latitude to and from the British National Grid (EPSG:27700), in metres.
//!
//! The forward transformation, [`wgs84_to_bng`], takes the steps of the Ordnance Survey's
//! "A guide to coordinate systems in Great Britain" (OS, v3.6, 2020; "the OS guide"):
//!
//! 1. WGS84 latitude and longitude (ellipsoidal height 0) to earth-centred cartesian
//!    coordinates on the WGS84 ellipsoid (OS guide Annexe B.1; GRS80, the ETRS89 ellipsoid,
//!    differs from WGS84 by 0.1 mm in its semi-minor axis);
//! 2. the seven-parameter Helmert transformation from ETRS89/WGS84 to OSGB36 with the OS
//!    published parameters (OS guide §6.6: tx −446.448 m, ty +125.157 m, tz −542.060 m,
//!    s +20.4894 ppm, rx −0.1502″, ry −0.2470″, rz −0.8421″; the small-angle form of §6.2);
//! 3. back to latitude and longitude on the Airy 1830 ellipsoid (Annexe B.2, iterated);
//! 4. the Transverse Mercator projection with the National Grid constants (Annexe C.1:
//!    F0 0.9996012717, true origin 49°N 2°W, false origin E −400 000 m, N +100 000 m),
//!    exposed alone as [`osgb36_to_bng`].
//!
//! [`bng_to_wgs84`] and [`bng_to_osgb36`] invert them: the OS guide's inverse series
//! (Annexe C.2) and reversed Helmert parameters give a first answer, which is then refined by
//! a few fixed-point steps until the forward function reproduces the input to well under a
//! micrometre. A round trip through either pair is therefore exact to floating-point noise.
//!
//! # Accuracy
//!
//! The projection step reproduces the OS guide's worked example to 1 mm (tested). The datum
//! step is the limit: the OS guide (§6.6, "Approximate WGS84 to OSGB36/ODN transformation")
//! gives the error of this single Helmert transformation against OSGB36 as defined by OSTN15 as
//! "up to 3.5 metres (95%)"; comparisons with OSTN15 at the extremities reach about 5 m (St
//! Kilda 4.9 m, Scilly 4.7 m; OpenStreetMap talk-gb list, October 2020) and are about 2–3 m
//! in much of England. OSTN15 itself needs OS's 1 km correction grid, not used here. A few
//! metres is far inside the anonymisation of police.uk data, whose points are snapped to "map
//! points" typically tens to hundreds of metres from the true location, and inside any grid
//! cell worth mapping; it is not good enough for surveying or for matching OS large-scale
//! mapping feature by feature.
//!
//! The same Helmert transformation is what PROJ (and so pyproj, QGIS and GDAL) uses for
//! EPSG:4326 → EPSG:27700 when the OSTN15 grid is not installed ("OSGB36 to WGS 84 (6)",
//! EPSG:1314, the same parameters rounded); a test holds the two within 1 cm (the largest
//! difference over 200 points across GB is about 2 mm).
//!
//! # Domain
//!
//! [`wgs84_to_bng`] and [`osgb36_to_bng`] answer `None` for non-finite input and for points
//! outside longitude −9°..3°, latitude 49°..61° (Great Britain, the Isle of Man and the
//! near-shore waters, with margin; the National Grid is not meant for anywhere else).
//! [`bng_to_wgs84`] and [`bng_to_osgb36`] answer `None` for non-finite input and for points
//! outside the National Grid's extent, easting 0..700 km and northing 0..1 300 km.

use crate::geo::{MultiPolygon, Polygon};

/// Semi-major axis of the WGS84 ellipsoid, metres.
const WGS84_A: f64 = 6_378_137.0;
/// Inverse flattening of the WGS84 ellipsoid.
const WGS84_INV_F: f64 = 298.257_223_563;
/// Semi-major axis of the Airy 1830 ellipsoid, metres (OS guide Table 1).
const AIRY_A: f64 = 6_377_563.396;
/// Semi-minor axis of the Airy 1830 ellipsoid, metres (OS guide Table 1).
const AIRY_B: f64 = 6_356_256.909;

/// National Grid scale factor on the central meridian (OS guide Table 2).
const F0: f64 = 0.999_601_271_7;
/// Latitude of the true origin, degrees north.
const LAT0_DEG: f64 = 49.0;
/// Longitude of the true origin, degrees east.
const LON0_DEG: f64 = -2.0;
/// Easting of the true origin, metres.
const E0: f64 = 400_000.0;
/// Northing of the true origin, metres.
const N0: f64 = -100_000.0;

/// The Helmert transformation ETRS89/WGS84 → OSGB36 (OS guide §6.6).
const HELMERT: Helmert = Helmert {
    tx: -446.448,
    ty: 125.157,
    tz: -542.060,
    s_ppm: 20.4894,
    rx_arcsec: -0.1502,
    ry_arcsec: -0.2470,
    rz_arcsec: -0.8421,
};

/// WGS84 `lon`, `lat` (degrees) to British National Grid `[easting, northing]` in metres:
/// Helmert datum shift to OSGB36, then the National Grid projection (see the
/// [module documentation](self) for the steps and their accuracy, about 3–5 m against
/// OSTN15). `None` for non-finite input or a point outside longitude −9°..3°,
/// latitude 49°..61°.
pub fn wgs84_to_bng(lon: f64, lat: f64) -> Option<[f64; 2]> {
    if !in_lon_lat_domain(lon, lat) {
        return None;
    }
    Some(wgs84_to_bng_unchecked(lon, lat))
}

/// British National Grid `easting`, `northing` (metres) to WGS84 `[lon, lat]` in degrees: the
/// exact inverse of [`wgs84_to_bng`] (to well under a millimetre), found by refining the OS
/// guide's reverse transformation. `None` for non-finite input or a point outside easting
/// 0..700 000 m, northing 0..1 300 000 m.
pub fn bng_to_wgs84(easting: f64, northing: f64) -> Option<[f64; 2]> {
    if !in_grid_domain(easting, northing) {
        return None;
    }
    let target = [easting, northing];
    Some(refine_inverse(target, approximate_bng_to_wgs84, wgs84_to_bng_unchecked))
}

/// The projection step alone: OSGB36 (Airy 1830) `lon`, `lat` in degrees to National Grid
/// `[easting, northing]` in metres, by the OS guide's Transverse Mercator series (Annexe C.1).
/// `None` for non-finite input or a point outside longitude −9°..3°, latitude 49°..61°.
pub fn osgb36_to_bng(lon: f64, lat: f64) -> Option<[f64; 2]> {
    if !in_lon_lat_domain(lon, lat) {
        return None;
    }
    Some(project(lon, lat))
}

/// The inverse projection alone: National Grid `easting`, `northing` in metres to OSGB36
/// (Airy 1830) `[lon, lat]` in degrees, the exact inverse of [`osgb36_to_bng`]. `None` for
/// non-finite input or a point outside easting 0..700 000 m, northing 0..1 300 000 m.
pub fn bng_to_osgb36(easting: f64, northing: f64) -> Option<[f64; 2]> {
    if !in_grid_domain(easting, northing) {
        return None;
    }
    Some(refine_inverse([easting, northing], unproject_series, project))
}

/// Every `[lon, lat]` position of a WGS84 multipolygon mapped to British National Grid
/// `[easting, northing]` metres by [`wgs84_to_bng`], rings and holes kept as they are (the
/// [`crate::geo`] types serve for planar metres as well as degrees). `None` when any position
/// is outside the domain of [`wgs84_to_bng`].
pub fn project_multipolygon(multipolygon: &MultiPolygon) -> Option<MultiPolygon> {
    let project_ring = |ring: &Vec<[f64; 2]>| -> Option<Vec<[f64; 2]>> {
        ring.iter().map(|&[lon, lat]| wgs84_to_bng(lon, lat)).collect()
    };
    let polygons = multipolygon
        .polygons
        .iter()
        .map(|polygon| {
            Some(Polygon {
                exterior: project_ring(&polygon.exterior)?,
                holes: polygon.holes.iter().map(project_ring).collect::<Option<_>>()?,
            })
        })
        .collect::<Option<Vec<Polygon>>>()?;
    Some(MultiPolygon::new(polygons))
}

/// Whether a longitude/latitude is finite and in the box the forward functions accept.
fn in_lon_lat_domain(lon: f64, lat: f64) -> bool {
    (-9.0..=3.0).contains(&lon) && (49.0..=61.0).contains(&lat)
}

/// Whether an easting/northing is finite and inside the National Grid's extent.
fn in_grid_domain(easting: f64, northing: f64) -> bool {
    (0.0..=700_000.0).contains(&easting) && (0.0..=1_300_000.0).contains(&northing)
}

/// The forward transformation without the domain check.
fn wgs84_to_bng_unchecked(lon: f64, lat: f64) -> [f64; 2] {
    let wgs84 = Ellipsoid::wgs84();
    let airy = Ellipsoid::airy();
    let cartesian = wgs84.to_cartesian(lon, lat);
    let shifted = HELMERT.apply(cartesian);
    let [lon_osgb, lat_osgb] = airy.to_geodetic(shifted);
    project(lon_osgb, lat_osgb)
}

/// The OS guide's reverse transformation: inverse series, then the Helmert parameters with
/// their signs reversed (OS guide §6.6). Within millimetres of the exact inverse; the
/// residual (mostly from the dropped ellipsoidal heights) is removed by [`refine_inverse`].
fn approximate_bng_to_wgs84(easting: f64, northing: f64) -> [f64; 2] {
    let wgs84 = Ellipsoid::wgs84();
    let airy = Ellipsoid::airy();
    let [lon_osgb, lat_osgb] = unproject_series(easting, northing);
    let cartesian = airy.to_cartesian(lon_osgb, lat_osgb);
    let shifted = HELMERT.reversed().apply(cartesian);
    wgs84.to_geodetic(shifted)
}

/// Solves `forward(lon, lat) = target` by fixed-point steps from `approximate(target)`:
/// `p ← p + approximate(target) − approximate(forward(p))`. Because `approximate` inverts
/// `forward` to within millimetres, each step shrinks the error by a factor of about 1e-6, so
/// two or three steps reach floating-point noise.
fn refine_inverse(
    target: [f64; 2],
    approximate: impl Fn(f64, f64) -> [f64; 2],
    forward: impl Fn(f64, f64) -> [f64; 2],
) -> [f64; 2] {
    let goal = approximate(target[0], target[1]);
    let mut position = goal;
    for _ in 0..6 {
        let [e, n] = forward(position[0], position[1]);
        let residual = [e - target[0], n - target[1]];
        if residual[0].abs() < 1e-7 && residual[1].abs() < 1e-7 {
            break;
        }
        let back = approximate(e, n);
        position = [position[0] + goal[0] - back[0], position[1] + goal[1] - back[1]];
    }
    position
}

/// An ellipsoid by its semi-major axis and first eccentricity squared.
#[derive(Debug, Clone, Copy)]
struct Ellipsoid {
    a: f64,
    e2: f64,
}

impl Ellipsoid {
    fn wgs84() -> Ellipsoid {
        let f = 1.0 / WGS84_INV_F;
        Ellipsoid { a: WGS84_A, e2: f * (2.0 - f) }
    }

    fn airy() -> Ellipsoid {
        Ellipsoid { a: AIRY_A, e2: (AIRY_A * AIRY_A - AIRY_B * AIRY_B) / (AIRY_A * AIRY_A) }
    }

    /// Latitude and longitude in degrees, height 0, to cartesian `[x, y, z]` metres (OS guide
    /// Annexe B.1).
    fn to_cartesian(self, lon: f64, lat: f64) -> [f64; 3] {
        let (phi, lambda) = (lat.to_radians(), lon.to_radians());
        let (sin_phi, cos_phi) = phi.sin_cos();
        let nu = self.a / (1.0 - self.e2 * sin_phi * sin_phi).sqrt();
        [nu * cos_phi * lambda.cos(), nu * cos_phi * lambda.sin(), (1.0 - self.e2) * nu * sin_phi]
    }

    /// Cartesian `[x, y, z]` metres to `[lon, lat]` degrees (OS guide Annexe B.2), iterating
    /// on latitude until it changes by less than 1e-14 radians (60 nm).
    fn to_geodetic(self, [x, y, z]: [f64; 3]) -> [f64; 2] {
        let p = x.hypot(y);
        let lambda = y.atan2(x);
        let mut phi = z.atan2(p * (1.0 - self.e2));
        for _ in 0..10 {
            let sin_phi = phi.sin();
            let nu = self.a / (1.0 - self.e2 * sin_phi * sin_phi).sqrt();
            let next = (z + self.e2 * nu * sin_phi).atan2(p);
            let done = (next - phi).abs() < 1e-14;
            phi = next;
            if done {
                break;
            }
        }
        [lambda.to_degrees(), phi.to_degrees()]
    }
}

/// Seven Helmert parameters: translations in metres, scale in parts per million, rotations in
/// arc seconds.
#[derive(Debug, Clone, Copy)]
struct Helmert {
    tx: f64,
    ty: f64,
    tz: f64,
    s_ppm: f64,
    rx_arcsec: f64,
    ry_arcsec: f64,
    rz_arcsec: f64,
}

impl Helmert {
    /// The parameters with their signs reversed: the approximate reverse transformation.
    fn reversed(self) -> Helmert {
        Helmert {
            tx: -self.tx,
            ty: -self.ty,
            tz: -self.tz,
            s_ppm: -self.s_ppm,
            rx_arcsec: -self.rx_arcsec,
            ry_arcsec: -self.ry_arcsec,
            rz_arcsec: -self.rz_arcsec,
        }
    }

    /// The small-angle Helmert transformation of OS guide §6.2.
    fn apply(self, [x, y, z]: [f64; 3]) -> [f64; 3] {
        let arcsec = std::f64::consts::PI / 648_000.0;
        let (rx, ry, rz) =
            (self.rx_arcsec * arcsec, self.ry_arcsec * arcsec, self.rz_arcsec * arcsec);
        let m = 1.0 + self.s_ppm * 1e-6;
        [
            self.tx + m * x - rz * y + ry * z,
            self.ty + rz * x + m * y - rx * z,
            self.tz - ry * x + rx * y + m * z,
        ]
    }
}

/// Airy 1830 constants used by the projection: `n`, `e²`, `a·F0`, `b·F0`.
struct TmConstants {
    n: f64,
    e2: f64,
    af0: f64,
    bf0: f64,
}

const fn tm_constants() -> TmConstants {
    TmConstants {
        n: (AIRY_A - AIRY_B) / (AIRY_A + AIRY_B),
        e2: (AIRY_A * AIRY_A - AIRY_B * AIRY_B) / (AIRY_A * AIRY_A),
        af0: AIRY_A * F0,
        bf0: AIRY_B * F0,
    }
}

/// The meridional arc from the true origin's latitude to `phi` (radians), times F0 (OS guide
/// Annexe C, formula C3).
fn meridional_arc(c: &TmConstants, phi: f64) -> f64 {
    let phi0 = LAT0_DEG.to_radians();
    let (n, n2, n3) = (c.n, c.n * c.n, c.n * c.n * c.n);
    let (d, s) = (phi - phi0, phi + phi0);
    c.bf0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * d.sin() * s.cos()
            + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
            - 35.0 / 24.0 * n3 * (3.0 * d).sin() * (3.0 * s).cos())
}

/// `ν`, `ρ` and `η²` at latitude `phi` (OS guide Annexe C, formula C2).
fn radii(c: &TmConstants, phi: f64) -> (f64, f64, f64) {
    let sin2 = phi.sin().powi(2);
    let w = 1.0 - c.e2 * sin2;
    let nu = c.af0 / w.sqrt();
    let rho = c.af0 * (1.0 - c.e2) / (w * w.sqrt());
    (nu, rho, nu / rho - 1.0)
}

/// OSGB36 degrees to National Grid metres by the OS series (OS guide Annexe C.1).
fn project(lon: f64, lat: f64) -> [f64; 2] {
    let c = tm_constants();
    let phi = lat.to_radians();
    let dl = lon.to_radians() - LON0_DEG.to_radians();
    let (sin_phi, cos_phi) = phi.sin_cos();
    let tan2 = phi.tan().powi(2);
    let (nu, rho, eta2) = radii(&c, phi);
    let m = meridional_arc(&c, phi);

    let i = m + N0;
    let ii = nu / 2.0 * sin_phi * cos_phi;
    let iii = nu / 24.0 * sin_phi * cos_phi.powi(3) * (5.0 - tan2 + 9.0 * eta2);
    let iiia = nu / 720.0 * sin_phi * cos_phi.powi(5) * (61.0 - 58.0 * tan2 + tan2 * tan2);
    let iv = nu * cos_phi;
    let v = nu / 6.0 * cos_phi.powi(3) * (nu / rho - tan2);
    let vi = nu / 120.0
        * cos_phi.powi(5)
        * (5.0 - 18.0 * tan2 + tan2 * tan2 + 14.0 * eta2 - 58.0 * tan2 * eta2);

    let northing = i + ii * dl.powi(2) + iii * dl.powi(4) + iiia * dl.powi(6);
    let easting = E0 + iv * dl + v * dl.powi(3) + vi * dl.powi(5);
    [easting, northing]
}

/// National Grid metres to OSGB36 degrees by the OS inverse series (OS guide Annexe C.2),
/// iterating the footpoint latitude until the arc matches to 0.01 mm.
fn unproject_series(easting: f64, northing: f64) -> [f64; 2] {
    let c = tm_constants();
    let phi0 = LAT0_DEG.to_radians();
    let mut phi = (northing - N0) / c.af0 + phi0;
    let mut m = meridional_arc(&c, phi);
    for _ in 0..20 {
        if (northing - N0 - m).abs() < 1e-5 {
            break;
        }
        phi += (northing - N0 - m) / c.af0;
        m = meridional_arc(&c, phi);
    }
    let (nu, rho, eta2) = radii(&c, phi);
    let tan = phi.tan();
    let (t2, t4, t6) = (tan * tan, tan.powi(4), tan.powi(6));
    let sec = 1.0 / phi.cos();

    let vii = tan / (2.0 * rho * nu);
    let viii = tan / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = tan / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);

    let de = easting - E0;
    let lat = phi - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon =
        LON0_DEG.to_radians() + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    [lon.to_degrees(), lat.to_degrees()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Degrees from degrees, minutes and seconds.
    fn dms(degrees: f64, minutes: f64, seconds: f64) -> f64 {
        degrees + minutes / 60.0 + seconds / 3600.0
    }

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

    /// Points on land across Great Britain: boxes from Cornwall to Shetland, as (lon, lat).
    fn gb_points(count: usize, seed: u64) -> Vec<[f64; 2]> {
        let boxes: [[f64; 4]; 5] = [
            [-5.7, 50.0, -2.0, 51.2], // Cornwall, Devon, Dorset
            [-4.5, 51.2, 1.7, 53.5],  // Wales, the Midlands, East Anglia, the South East
            [-3.3, 53.5, -0.1, 55.7], // Northern England
            [-6.2, 55.7, -1.8, 58.6], // Scotland
            [-1.7, 59.8, -1.0, 60.8], // Shetland
        ];
        let mut rng = SplitMix(seed);
        (0..count)
            .map(|i| {
                let [w, s, e, n] = boxes[i % boxes.len()];
                [rng.between(w, e), rng.between(s, n)]
            })
            .collect()
    }

    #[test]
    fn os_guide_projection_example() {
        // OS guide Annexe C.1: OSGB36 52°39′27.2531″N, 1°43′4.5177″E → E 651409.903,
        // N 313177.270.
        let lat = dms(52.0, 39.0, 27.2531);
        let lon = dms(1.0, 43.0, 4.5177);
        let [e, n] = osgb36_to_bng(lon, lat).unwrap();
        assert!((e - 651_409.903).abs() < 0.001, "easting {e}");
        assert!((n - 313_177.270).abs() < 0.001, "northing {n}");
    }

    #[test]
    fn os_guide_inverse_projection_example() {
        // OS guide Annexe C.2: the same point back; 0.0001″ of latitude is about 3 mm.
        let [lon, lat] = bng_to_osgb36(651_409.903, 313_177.270).unwrap();
        assert!((lat - dms(52.0, 39.0, 27.2531)).abs() * 3600.0 < 0.000_15, "lat {lat}");
        assert!((lon - dms(1.0, 43.0, 4.5177)).abs() * 3600.0 < 0.000_15, "lon {lon}");
        // And the series alone agrees with the refined inverse to a millimetre or so.
        let [lon_series, lat_series] = unproject_series(651_409.903, 313_177.270);
        assert!((lat_series - lat).abs() * 111_000.0 < 0.002);
        assert!((lon_series - lon).abs() * 70_000.0 < 0.002);
    }

    #[test]
    fn os_guide_cartesian_example() {
        // OS guide Annexe B.1 worked example, with H = 24.7 m on Airy 1830: here with the
        // height's contribution added along the normal, since the module works at height 0.
        let (lat, lon, h) = (dms(52.0, 39.0, 27.2531), dms(1.0, 43.0, 4.5177), 24.7);
        let airy = Ellipsoid::airy();
        let [x, y, z] = airy.to_cartesian(lon, lat);
        let (phi, lambda) = (lat.to_radians(), lon.to_radians());
        let (x, y, z) =
            (x + h * phi.cos() * lambda.cos(), y + h * phi.cos() * lambda.sin(), z + h * phi.sin());
        assert!((x - 3_874_938.849).abs() < 0.001, "x {x}");
        assert!((y - 116_218.624).abs() < 0.001, "y {y}");
        assert!((z - 5_047_168.208).abs() < 0.001, "z {z}");
        // And back.
        let [lon_back, lat_back] = airy.to_geodetic(airy.to_cartesian(lon, lat));
        assert!((lon_back - lon).abs() < 1e-11 && (lat_back - lat).abs() < 1e-11);
    }

    #[test]
    fn maidstone_town_centre() {
        // Maidstone town centre (the High Street by the Medway bridge) lies in 100 km square
        // TQ at about TQ 760 556; pyproj 3.7 (PROJ 9.5, EPSG:4326 → EPSG:27700 without the
        // OSTN15 grid) gives E 576 052.6, N 155 638.7 for this lon/lat.
        let [e, n] = wgs84_to_bng(0.5225, 51.2727).unwrap();
        assert!((e - 576_053.0).abs() < 50.0, "easting {e}");
        assert!((n - 155_639.0).abs() < 50.0, "northing {n}");
        assert!((e - 576_052.62).abs() < 0.01 && (n - 155_638.67).abs() < 0.01, "{e} {n}");
    }

    #[test]
    fn round_trips_across_great_britain_within_a_millimetre() {
        for [lon, lat] in gb_points(2000, 7) {
            let [e, n] = wgs84_to_bng(lon, lat).unwrap();
            let [lon2, lat2] = bng_to_wgs84(e, n).unwrap();
            let [e2, n2] = wgs84_to_bng(lon2, lat2).unwrap();
            assert!((e2 - e).abs() < 0.001 && (n2 - n).abs() < 0.001, "({lon}, {lat})");
            // And in degrees: a millimetre is about 1e-8 degrees.
            assert!((lon2 - lon).abs() < 1e-8 && (lat2 - lat).abs() < 1e-8, "({lon}, {lat})");
            let [olon, olat] = bng_to_osgb36(e, n).unwrap();
            let [e3, n3] = osgb36_to_bng(olon, olat).unwrap();
            assert!((e3 - e).abs() < 0.001 && (n3 - n).abs() < 0.001, "({lon}, {lat})");
        }
        // Grid points straight from the grid, corners included.
        for e in (0..=7).map(|k| f64::from(k) * 100_000.0) {
            for n in (0..=13).map(|k| f64::from(k) * 100_000.0) {
                let [lon, lat] = bng_to_wgs84(e, n).unwrap();
                let [e2, n2] = wgs84_to_bng_unchecked(lon, lat);
                assert!((e2 - e).abs() < 0.001 && (n2 - n).abs() < 0.001, "({e}, {n})");
            }
        }
    }

    #[test]
    fn the_datum_shift_is_about_a_hundred_metres() {
        // OSGB36 and WGS84 coordinates of the same point differ by up to ~120 m in GB; a
        // sign error in the Helmert parameters would give hundreds.
        for [lon, lat] in gb_points(200, 11) {
            let on_wgs84 = wgs84_to_bng(lon, lat).unwrap();
            let as_if_osgb36 = osgb36_to_bng(lon, lat).unwrap();
            let shift = (on_wgs84[0] - as_if_osgb36[0]).hypot(on_wgs84[1] - as_if_osgb36[1]);
            assert!((60.0..140.0).contains(&shift), "({lon}, {lat}): {shift} m");
        }
    }

    #[test]
    fn outside_the_domain_is_none() {
        assert_eq!(wgs84_to_bng(f64::NAN, 51.0), None);
        assert_eq!(wgs84_to_bng(0.0, f64::INFINITY), None);
        assert_eq!(wgs84_to_bng(-9.5, 51.0), None);
        assert_eq!(wgs84_to_bng(3.5, 51.0), None);
        assert_eq!(wgs84_to_bng(0.0, 48.9), None);
        assert_eq!(wgs84_to_bng(0.0, 61.1), None);
        assert_eq!(wgs84_to_bng(2.35, 48.85), None); // Paris
        assert!(wgs84_to_bng(-9.0, 49.0).is_some() && wgs84_to_bng(3.0, 61.0).is_some());
        assert_eq!(osgb36_to_bng(f64::NAN, 51.0), None);
        assert_eq!(bng_to_wgs84(-1.0, 100.0), None);
        assert_eq!(bng_to_wgs84(100.0, 1_300_001.0), None);
        assert_eq!(bng_to_wgs84(f64::NAN, 100.0), None);
        assert_eq!(bng_to_osgb36(700_001.0, 100.0), None);
        assert!(bng_to_wgs84(0.0, 0.0).is_some() && bng_to_wgs84(700_000.0, 1_300_000.0).is_some());
    }

    #[test]
    fn multipolygons_are_projected_position_by_position() {
        let square = |lon: f64, lat: f64| {
            vec![[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01]]
        };
        let mut polygon = Polygon::new(square(0.50, 51.26));
        polygon.holes.push(square(0.503, 51.263));
        let multi = MultiPolygon::new(vec![polygon, Polygon::new(square(0.6, 51.3))]);
        let projected = project_multipolygon(&multi).unwrap();
        assert_eq!(projected.polygons.len(), 2);
        assert_eq!(projected.polygons[0].holes.len(), 1);
        for (p, q) in multi.polygons.iter().zip(&projected.polygons) {
            for (a, b) in p.exterior.iter().zip(&q.exterior) {
                assert_eq!(wgs84_to_bng(a[0], a[1]).unwrap(), *b);
            }
            for (a, b) in p.holes[..].iter().flatten().zip(q.holes[..].iter().flatten()) {
                assert_eq!(wgs84_to_bng(a[0], a[1]).unwrap(), *b);
            }
        }
        // A hundredth of a degree at 51.3°N: about 696 m east–west, 1112 m north–south.
        let ring = &projected.polygons[1].exterior;
        let east = (ring[1][0] - ring[0][0]).hypot(ring[1][1] - ring[0][1]);
        let north = (ring[3][0] - ring[0][0]).hypot(ring[3][1] - ring[0][1]);
        assert!((east - 696.0).abs() < 3.0, "{east}");
        assert!((north - 1112.0).abs() < 3.0, "{north}");
        let outside = MultiPolygon::new(vec![Polygon::new(square(2.35, 48.85))]);
        assert_eq!(project_multipolygon(&outside), None);
        assert_eq!(project_multipolygon(&MultiPolygon::default()), Some(MultiPolygon::default()));
    }

    /// The pyproj side: EPSG:4326 → EPSG:27700 with the OSTN15 grid disabled, so PROJ uses the
    /// Helmert transformation EPSG:1314 (the OS parameters, rounded).
    const PYPROJ_SCRIPT: &str = r#"
import sys
import warnings
warnings.simplefilter("ignore")
import pyproj
pyproj.network.set_network_enabled(False)
group = pyproj.transformer.TransformerGroup("EPSG:4326", "EPSG:27700", always_xy=True)
chosen = [t for t in group.transformers if "OSGB36 to WGS 84 (6)" in t.description]
t = chosen[0]
for line in sys.stdin:
    parts = line.split()
    if parts:
        e, n = t.transform(float(parts[0]), float(parts[1]))
        print(repr(e), repr(n))
"#;

    /// True when `python3 -c "import pyproj"` works; otherwise skips with a note, or fails
    /// under CI.
    fn pyproj_available() -> bool {
        use std::process::{Command, Stdio};
        let ok = Command::new("python3")
            .args(["-c", "import pyproj"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "pyproj is not importable by python3; under CI this is a failure, not a skip"
            );
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: python3 cannot import pyproj (pip install pyproj)");
            }
        }
        ok
    }

    #[test]
    fn agrees_with_pyproj_to_a_centimetre() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        if !pyproj_available() {
            return;
        }
        let points = gb_points(200, 2026);
        let input: String =
            points.iter().map(|[lon, lat]| format!("{lon:.12} {lat:.12}\n")).collect();
        let mut child = Command::new("python3")
            .args(["-c", PYPROJ_SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "the pyproj script failed");
        let answers = String::from_utf8(output.stdout).unwrap();
        let answers: Vec<&str> = answers.lines().collect();
        assert_eq!(answers.len(), points.len());
        let mut worst = 0.0_f64;
        for (&[lon, lat], answer) in points.iter().zip(answers) {
            let expected: Vec<f64> = answer.split(' ').map(|x| x.parse().unwrap()).collect();
            let lon = format!("{lon:.12}").parse::<f64>().unwrap();
            let lat = format!("{lat:.12}").parse::<f64>().unwrap();
            let [e, n] = wgs84_to_bng(lon, lat).unwrap();
            let distance = (e - expected[0]).hypot(n - expected[1]);
            worst = worst.max(distance);
            assert!(distance < 0.01, "({lon}, {lat}): ours ({e}, {n}), pyproj {expected:?}");
        }
        assert!(worst > 0.0, "suspiciously exact");
        #[allow(clippy::print_stderr)]
        {
            eprintln!("largest difference from pyproj: {worst:.6} m");
        }
    }
}
