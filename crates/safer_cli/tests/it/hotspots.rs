//! `safer hotspots` on the real Kent files: the issue's must-show.
//!
//! Maidstone, "Violence and sexual offences", 2021-03..2021-12, LSOA units, contiguity weights,
//! Gi*: the town-centre LSOA tops the list; every unit's count matches an independent count;
//! the z-scores match PySAL's esda run on the same counts and the weights Safer saved as GAL;
//! the SVG map renders in Chromium. Bad input gives one clear sentence, never a panic.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{failed, import_real_geography, ok, safer};

/// The street files of 2021-03..2021-12 (one vintage, 2011 LSOAs).
fn street_files(data: &Path) -> Vec<PathBuf> {
    let root = data.join("police-uk-kent-2021-03_to_2022-03_Marilena97");
    (3..=12).map(|m| root.join(format!("2021-{m:02}/2021-{m:02}-kent-street.csv"))).collect()
}

/// esda's Gi* z-scores (binary weights, star) for `y` over the GAL file at `gal`.
fn esda_gi_star(gal: &Path, ids: &[String], y: &[f64]) -> Vec<f64> {
    let script = r#"
import json, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
import libpysal
from esda.getisord import G_Local
data = json.load(sys.stdin)
w = libpysal.io.open(data["gal"]).read()
ids = data["ids"]
order = {unit: i for i, unit in enumerate(w.id_order)}
y_by_id = dict(zip(ids, data["y"]))
y = np.array([y_by_id[unit] for unit in w.id_order], dtype=float)
g = G_Local(y, w, transform="B", star=True, permutations=0)
z = dict(zip(w.id_order, [float(v) for v in g.Zs]))
print(json.dumps([z[unit] for unit in ids]))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let input = serde_json::json!({"gal": gal, "ids": ids, "y": y});
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn maidstone_violence_gi_star_tops_the_town_centre_and_matches_esda() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    import_real_geography(dir.path(), &data);
    let files = street_files(&data);
    let gal = dir.path().join("maidstone.gal");
    let svg = dir.path().join("maidstone.svg");
    let geojson = dir.path().join("maidstone.geojson");
    let mut args: Vec<&str> = vec!["hotspots", "--input"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    args.extend([
        "--area",
        "district:Maidstone",
        "--period",
        "2021-03..2021-12",
        "--crime-type",
        "Violence and sexual offences",
        "--units",
        "lsoa",
        "--weights",
        "contiguity",
        "--method",
        "gi-star",
        "--permutations",
        "99",
        "--seed",
        "7",
        "--json",
        "--save-weights",
        gal.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--geojson",
        geojson.to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_str(&ok(&safer(dir.path(), &args))).unwrap();
    assert_eq!(json["method"], "gi-star");
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), 95, "every Maidstone LSOA appears, zero counts included");

    // Counts: an independent count of the same rows by LSOA code.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for file in &files {
        let mut reader = csv::Reader::from_path(file).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            if record[8].starts_with("Maidstone ") && &record[9] == "Violence and sexual offences" {
                *expected.entry(record[7].to_string()).or_insert(0) += 1;
            }
        }
    }
    let counts: BTreeMap<String, u64> = units
        .iter()
        .map(|u| (u["id"].as_str().unwrap().to_string(), u["count"].as_u64().unwrap()))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(counts, expected);
    assert_eq!(json["rows"].as_u64(), Some(expected.values().sum::<u64>()));
    assert_eq!(json["unassigned_rows"], 0);

    // The town centre tops the list: the LSOA holding "Shopping Area" (Maidstone 004F).
    let mut ranked: Vec<&Value> = units.iter().collect();
    ranked.sort_by(|a, b| b["z"].as_f64().unwrap().total_cmp(&a["z"].as_f64().unwrap()));
    let top = ranked[0];
    assert_eq!(top["id"], "E01033090", "{top}");
    assert_eq!(top["name"], "Maidstone 004F");
    assert_eq!(top["bin"], 3);
    assert_eq!(top["top_locations"][0][0], "On or near Shopping Area", "{top}");
    // A hot spot's two-sided p is below 0.01; a unit with z = -0.404 would have p = 0.686.
    assert!(top["p"].as_f64().unwrap() < 0.01);

    // The z-scores agree with esda on the same counts and the weights saved as GAL.
    if safer_test_utils::env::python_can_import("esda, libpysal") {
        let ids: Vec<String> =
            units.iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
        let y: Vec<f64> = units.iter().map(|u| u["value"].as_f64().unwrap()).collect();
        let reference = esda_gi_star(&gal, &ids, &y);
        for (unit, z) in units.iter().zip(&reference) {
            let ours = unit["z"].as_f64().unwrap();
            assert!((ours - z).abs() < 1e-6, "{}: safer {ours}, esda {z}", unit["id"]);
        }
    }

    // The GeoJSON carries every unit with its result.
    let geo: Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), 95);
    assert_eq!(
        features.iter().filter(|f| f["properties"]["bin"] == 3).count(),
        units.iter().filter(|u| u["bin"] == 3).count()
    );

    // Other units and methods on the same rows: a hexagonal grid with density, snap points with
    // k nearest neighbours, LSOAs against an earlier period. Every row lands in a unit.
    let base_args: Vec<&str> = {
        let mut v = vec!["hotspots", "--input"];
        v.extend(files.iter().map(|f| f.to_str().unwrap()));
        v.extend(["--area", "district:Maidstone", "--crime-type", "Violence and sexual offences"]);
        v.extend(["--json", "--permutations", "19"]);
        v
    };
    let run_json = |extra: &[&str]| -> Value {
        let mut args = base_args.clone();
        args.extend(extra);
        serde_json::from_str(&ok(&safer(dir.path(), &args))).unwrap()
    };
    let rows = json["rows"].as_u64().unwrap();
    let hex = run_json(&["--period", "2021-03..2021-12", "--units", "hex:400", "--method", "kde"]);
    let hex_units = hex["units"].as_array().unwrap();
    let in_cells: u64 = hex_units.iter().map(|u| u["count"].as_u64().unwrap()).sum();
    assert_eq!(in_cells + hex["unassigned_rows"].as_u64().unwrap(), rows);
    assert!(hex["unassigned_rows"].as_u64().unwrap() == 0, "{}", hex["unassigned_rows"]);
    assert!(hex_units.iter().all(|u| u["density_per_km2"].as_f64().is_some()));
    assert!(hex["global"]["bandwidth_m"].as_f64().unwrap() > 0.0);
    let points =
        run_json(&["--period", "2021-03..2021-12", "--units", "points", "--weights", "knn:6"]);
    let point_units = points["units"].as_array().unwrap();
    assert!(point_units.len() > 500, "{}", point_units.len());
    let on_points: u64 = point_units.iter().map(|u| u["count"].as_u64().unwrap()).sum();
    assert_eq!(on_points + points["unassigned_rows"].as_u64().unwrap(), rows);
    let later = run_json(&["--period", "2021-08..2021-12", "--previous", "2021-03..2021-07"]);
    let stability = &later["stability"];
    let hot = &stability["hot_units"];
    let stayed = hot["stayed"].as_array().unwrap().len();
    assert!(stayed > 0, "{stability}");
    assert!(stability["recapture"]["rri"].as_f64().is_some(), "{stability}");
    assert!(later["concentration"]["gini"].as_f64().unwrap() > 0.0);

    // The map renders in Chromium, readable and accessible.
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("Violence and sexual offences: hot spots in Maidstone"),
        "{}",
        &text[..400]
    );
    assert!(text.contains("March to December 2021"));
    assert!(text.contains("Contains OS data"));
    let out = safer_test_utils::env::output_dir();
    std::fs::write(out.join("hotspots-maidstone-violence.svg"), &text).unwrap();
    let page = out.join("hotspots-maidstone-violence.html");
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hot spots</title>\
             </head><body><main><h1>Hot spots</h1><figure>{text}<figcaption>Violence and sexual \
             offences, Maidstone</figcaption></figure></main></body></html>"
        ),
    )
    .unwrap();
    let Some(browser) = safer_test_utils::browser::Browser::start() else { return };
    browser.goto(&format!("file://{}", page.display()));
    let size = browser.execute(
        "const r = document.querySelector('svg').getBoundingClientRect(); return [r.width, r.height];",
        serde_json::json!([]),
    );
    let [width, height] = [size[0].as_f64().unwrap(), size[1].as_f64().unwrap()];
    assert!(width > 600.0 && height > 400.0, "{width}×{height}");
    browser.screenshot(&out.join("hotspots-maidstone-violence.png"));
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    if let Some(violations) = browser.axe() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        assert!(list.is_empty(), "axe-core violations:\n{}", list.join("\n"));
    }
}

#[test]
fn bad_hotspot_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2021-03");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("2021-03-kent-street.csv"),
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,\
         Crime type,Last outcome category,Context\n\
         ,2021-03,Kent Police,Kent Police,0.5225,51.2727,On or near High Street,E01024320,\
         Maidstone 003A,Anti-social behaviour,,\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["hotspots", "--input", data.to_str().unwrap(), "--period", "2021-03"];
        args.extend(extra);
        safer(dir.path(), &args)
    };
    // Boundaries that are points, not polygons.
    let points = dir.path().join("points.geojson");
    std::fs::write(
        &points,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[0.5,51.2]}}]}"#,
    )
    .unwrap();
    let err = failed(&run(&["--area", "all", "--boundaries", points.to_str().unwrap()]));
    assert!(err.contains("Point"), "{err}");
    // An unknown id field.
    let squares = dir.path().join("squares.geojson");
    let square = |x: f64, id: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},51.27],[{},51.27],[{},51.28],[{x},51.28],[{x},51.27]]]}}}}"#,
            x + 0.01,
            x + 0.01
        )
    };
    std::fs::write(
        &squares,
        format!(
            r#"{{"type":"FeatureCollection","features":[{},{},{}]}}"#,
            square(0.50, "a"),
            square(0.51, "b"),
            square(0.52, "c")
        ),
    )
    .unwrap();
    let squares_arg = squares.to_str().unwrap();
    let err =
        failed(&run(&["--area", "all", "--boundaries", squares_arg, "--id-field", "LSOA11CD"]));
    assert!(err.contains("no property `LSOA11CD`") && err.contains("code"), "{err}");
    let err = failed(&run(&["--area", "all", "--boundaries", squares_arg]));
    assert!(err.contains("--id-field"), "{err}");
    // A GAL file naming unknown ids.
    let gal = dir.path().join("w.gal");
    std::fs::write(&gal, "3\na 1\nb\nb 2\na zz\nc 0\n\n").unwrap();
    let gal_arg = format!("gal:{}", gal.display());
    let err = failed(&run(&[
        "--area",
        "all",
        "--boundaries",
        squares_arg,
        "--id-field",
        "code",
        "--weights",
        &gal_arg,
    ]));
    assert!(err.contains("zz"), "{err}");
    // A grid with zero cells: a polygon with no area.
    let flat = dir.path().join("flat.geojson");
    std::fs::write(
        &flat,
        r#"{"type":"Polygon","coordinates":[[[0.5,51.27],[0.6,51.27],[0.5,51.27],[0.5,51.27]]]}"#,
    )
    .unwrap();
    let area = format!("polygon:{}", flat.display());
    let err = failed(&run(&["--area", &area, "--units", "grid:250"]));
    assert!(err.to_lowercase().contains("cell"), "{err}");
    // Nonsense options.
    let err = failed(&run(&["--area", "all", "--units", "grid:0"]));
    assert!(err.contains("cell size"), "{err}");
    let err = failed(&run(&["--area", "all", "--method", "hotness"]));
    assert!(err.contains("gi-star"), "{err}");
    let err = failed(&run(&["--area", "all", "--weights", "knn:0"]));
    assert!(err.contains("knn:K"), "{err}");
    let err = failed(&run(&["--area", "all", "--crime-type", "violence"]));
    assert!(err.contains("Violence and sexual offences"), "{err}");
    // With good boundaries the row (at longitude 0.5225) lands, by point, in square `c`.
    let json = ok(&run(&[
        "--area",
        "all",
        "--boundaries",
        squares_arg,
        "--id-field",
        "code",
        "--json",
        "--permutations",
        "0",
    ]));
    let json: Value = serde_json::from_str(&json).unwrap();
    let counts: HashMap<String, u64> = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap().to_string(), u["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, HashMap::from([("a".into(), 0), ("b".into(), 0), ("c".into(), 1)]));
}
