//! Server-side SVG maps on real boundaries: the 95 Maidstone LSOAs (2011) drawn as a Gi*-style
//! hotspot map, the whole borough and zoomed to the town centre, inlined in a page that real
//! headless Chromium renders, screenshots and checks with axe-core.
//!
//! The bins are made up (by distance from the town centre), not a Gi* result: this tests the
//! drawing. Positions are projected with a local equirectangular approximation, close enough
//! to British National Grid metres over one borough.

use std::path::Path;

use safer_analytics::map::{render_map, Classification, MapFeature, MapSpec, NamedPlace};
use safer_domain::geo::{BBox, MultiPolygon, Polygon};
use safer_import::geojson::read_features;
use safer_test_utils::browser::Browser;
use safer_test_utils::env::{output_dir, real_data_dir};
use serde_json::json;

const LSOA_FILE: &str =
    "boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON/lsoa_by_lad/E07000110.json";
const TOWN_CENTRE: [f64; 2] = [0.5225, 51.2727];

/// `[lon, lat]` in degrees to approximate metres east and north.
fn project([lon, lat]: [f64; 2]) -> [f64; 2] {
    [lon * 51.27f64.to_radians().cos() * 111_320.0, lat * 110_540.0]
}

fn project_geometry(geometry: &MultiPolygon) -> MultiPolygon {
    let ring = |ring: &Vec<[f64; 2]>| ring.iter().copied().map(project).collect::<Vec<_>>();
    MultiPolygon::new(
        geometry
            .polygons
            .iter()
            .map(|p| Polygon {
                exterior: ring(&p.exterior),
                holes: p.holes.iter().map(ring).collect(),
            })
            .collect(),
    )
}

/// A made-up Gi* bin from the distance to the town centre: hot in the middle, cold far out.
fn made_up_bin(distance_m: f64) -> i8 {
    match distance_m {
        d if d < 900.0 => 3,
        d if d < 1_500.0 => 2,
        d if d < 2_200.0 => 1,
        d if d > 14_000.0 => -3,
        d if d > 12_000.0 => -2,
        d if d > 10_500.0 => -1,
        _ => 0,
    }
}

fn places() -> Vec<NamedPlace> {
    let place = |rank, name: &str, count, locations: &[(&str, u64)], at| NamedPlace {
        rank,
        name: name.into(),
        count,
        top_locations: locations.iter().map(|(l, c)| (l.to_string(), *c)).collect(),
        position: Some(project(at)),
    };
    vec![
        place(
            1,
            "Town centre: High Street & Jubilee Square",
            1_482,
            &[("On or near High Street", 312), ("On or near Jubilee Square", 104)],
            [0.5218, 51.2722],
        ),
        place(
            2,
            "Week Street and Fremlin Walk",
            963,
            &[("On or near Week Street", 201), ("On or near Shopping Area", 155)],
            [0.5216, 51.2765],
        ),
        place(
            3,
            "Maidstone East and Lockmeadow",
            611,
            &[("On or near Station Road", 88), ("On or near Barker Road", 61)],
            [0.5160, 51.2700],
        ),
    ]
}

fn spec(features: Vec<MapFeature>, extent: Option<BBox>, title: &str, width: u32) -> MapSpec {
    MapSpec {
        title: title.into(),
        subtitle:
            "Violence and anti-social behaviour, March 2021 to February 2022 · Getis-Ord Gi* \
                   on LSOAs (illustrative bins)"
                .into(),
        legend_title: "Gi* hotspot".into(),
        features,
        classification: Classification::Hotspot,
        extent,
        places_heading: "Top hotspots (records)".into(),
        places: places(),
        attribution: "Contains OS data © Crown copyright and database right 2016; ONS boundaries; \
                      police.uk data under the Open Government Licence v3.0"
            .into(),
        width,
    }
}

/// The width and height of a PNG, from its IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "{} is not a PNG", path.display());
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn maidstone_hotspot_map_renders_in_chromium() {
    let Some(data) = real_data_dir() else {
        return; // real_data_dir fails under CI when the data is missing
    };
    let bytes = std::fs::read(data.join(LSOA_FILE)).unwrap();
    let lsoas = read_features(LSOA_FILE, &bytes).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(lsoas.len(), 95);
    let centre = project(TOWN_CENTRE);
    let mut features: Vec<MapFeature> = lsoas
        .iter()
        .map(|lsoa| {
            let geometry = project_geometry(&lsoa.geometry);
            let middle = geometry.centroid().unwrap();
            let distance = (middle[0] - centre[0]).hypot(middle[1] - centre[1]);
            let bin = made_up_bin(distance);
            MapFeature {
                id: lsoa.properties["LSOA11CD"].clone(),
                name: lsoa.properties["LSOA11NM"].clone(),
                geometry,
                value: Some(f64::from(bin) * 1.1),
                class: Classification::hotspot_class(bin),
                label: None,
            }
        })
        .collect();
    // One area without data, to show the hatching.
    let far = features
        .iter()
        .enumerate()
        .max_by(|a, b| {
            let d = |f: &MapFeature| {
                let c = f.geometry.centroid().unwrap();
                (c[0] - centre[0]).hypot(c[1] - centre[1])
            };
            d(a.1).total_cmp(&d(b.1))
        })
        .map(|(i, _)| i)
        .unwrap();
    features[far].value = Some(f64::NAN);

    let borough = render_map(&spec(
        features.clone(),
        None,
        "Violence and ASB hotspots, Maidstone borough",
        960,
    ));
    let half = 1_600.0;
    let zoom = BBox {
        min_lon: centre[0] - half,
        min_lat: centre[1] - half,
        max_lon: centre[0] + half,
        max_lat: centre[1] + half,
    };
    let town = render_map(&spec(
        features,
        Some(zoom),
        "Violence and ASB hotspots, Maidstone town centre",
        960,
    ));

    // What a reader and a screen reader get, before the browser.
    for svg in [&borough, &town] {
        assert!(svg.contains("Hot spot, 99% confidence"));
        assert!(svg.contains("Cold spot, 99% confidence"));
        assert!(svg.contains("Not significant"));
        assert!(svg.contains("Contains OS data © Crown copyright"));
        assert!(svg.contains("1. Town centre: High Street &amp; Jubilee Square, 1,482, most often"));
        assert!(svg.contains("On or near High Street (312)"));
        assert!(svg.contains(" km</text>") || svg.contains(" m</text>"));
    }
    assert!(borough.contains("A map of 95 areas, north at the top."));
    assert!(borough.contains(r##"No data <tspan fill="#505a5f">(1)</tspan>"##));
    assert!(borough.len() < 150_000, "the borough map is {} bytes", borough.len());

    let out = output_dir();
    std::fs::write(out.join("maidstone-hotspots.svg"), &borough).unwrap();
    std::fs::write(out.join("maidstone-town-centre-hotspots.svg"), &town).unwrap();
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Maidstone hotspot maps – Safer</title>\
         <style>body{{margin:0;padding:16px 24px;font-family:system-ui,sans-serif;color:#0b0c0c}}\
         h1{{font-size:24px;margin:0 0 12px}}figure{{margin:0 0 32px}}\
         figcaption{{font-size:16px;margin-top:8px;max-width:960px}}svg{{display:block}}</style>\
         </head><body><main><h1>Maidstone hotspot maps</h1>\
         <figure id=\"borough\">{borough}<figcaption>Figure 1: hotspots across Maidstone borough, \
         by LSOA.</figcaption></figure>\
         <figure id=\"town\">{town}<figcaption>Figure 2: the same, zoomed to the town \
         centre.</figcaption></figure></main></body></html>\n"
    );
    let page_path = out.join("maidstone-hotspots.html");
    std::fs::write(&page_path, page).unwrap();

    let Some(browser) = Browser::start() else { return };
    browser.goto(&format!("file://{}", page_path.canonicalize().unwrap().display()));
    assert_eq!(browser.title(), "Maidstone hotspot maps – Safer");
    let sizes = browser.execute(
        "return Array.from(document.querySelectorAll('figure > svg')).map(s => {\
           const r = s.getBoundingClientRect(); return [r.width, r.height]; });",
        json!([]),
    );
    let sizes: Vec<(f64, f64)> = sizes
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s[0].as_f64().unwrap(), s[1].as_f64().unwrap()))
        .collect();
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    for (width, height) in &sizes {
        assert_eq!(*width, 960.0, "{sizes:?}");
        assert!((500.0..1000.0).contains(height), "{sizes:?}");
    }
    // The map really drew: 95 areas with a fill, and text the browser laid out.
    let drawn = browser.execute(
        "const s = document.querySelector('#borough svg');\
         return [s.querySelectorAll('path[fill-rule]').length, s.getBBox().width,\
                 s.querySelector('text').getComputedTextLength()];",
        json!([]),
    );
    assert_eq!(drawn[0], 95, "{drawn}");
    assert!(drawn[1].as_f64().unwrap() > 900.0, "{drawn}");
    assert!(drawn[2].as_f64().unwrap() > 100.0, "{drawn}");

    let shot = out.join("maidstone-hotspots.png");
    browser.screenshot(&shot);
    let (width, height) = png_size(&shot);
    assert!(width >= 960 && height >= 600, "{width} × {height}");
    browser.execute("document.getElementById('town').scrollIntoView();", json!([]));
    browser.screenshot(&out.join("maidstone-town-centre-hotspots.png"));

    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    if let Some(violations) = browser.axe() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        assert!(list.is_empty(), "axe-core violations:\n{}", list.join("\n"));
    }
}
