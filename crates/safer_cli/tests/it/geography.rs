//! `safer geo import` and the selectors it enables, on the real Kent files and ONS lookups.
//!
//! The issue's "must show": `safer compare` for `lad:E07000110` gives exactly the counts of
//! `district:Maidstone` (which `compare.rs` checks against an independent count and SciPy),
//! across the 2011/2021 LSOA change. Wards, rectangles drawn as polygons, rates and peers are
//! checked against counts this test makes itself with the `csv` crate and its own reading of
//! the lookups.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{import_real_geography, ok, safer};

/// The 23 real street files (two vintages), by month.
fn street_files(data: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = BTreeMap::new();
    for folder in [
        "police-uk-kent-2021-03_to_2022-03_Marilena97",
        "police-uk-kent-2022_karnmodi-BDML",
        "police-uk-kent-2023-01_sharunkumar",
    ] {
        let mut stack = vec![data.join(folder)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_str().unwrap().to_string();
                if path.is_dir() {
                    stack.push(path);
                } else if let Some(month) = name.strip_suffix("-kent-street.csv") {
                    files.insert(month.to_string(), path);
                }
            }
        }
    }
    files
}

fn compare_json(dir: &Path, inputs: &[&Path], extra: &[&str]) -> Value {
    let mut args: Vec<&str> = vec!["compare"];
    if !inputs.is_empty() {
        args.push("--input");
        args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    }
    args.extend(["--base", "2021-03..2021-12", "--current", "2022-03..2022-12", "--json"]);
    args.extend(extra);
    serde_json::from_str(&ok(&safer(dir, &args))).unwrap()
}

/// Crime type → count, from a `--json` output's rows.
fn rows(json: &Value) -> BTreeMap<String, (u64, u64, f64)> {
    json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["crime_type"].as_str().unwrap().to_string(),
                (
                    row["base"].as_u64().unwrap(),
                    row["current"].as_u64().unwrap(),
                    row["p_value"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

/// The lookup read independently: 2021 code → best-fit 2011 code (most persons), and 2011 code
/// → Census 2021 persons.
fn lookup(data: &Path) -> (HashMap<String, String>, HashMap<String, u64>) {
    let path = data
        .join("lsoa11-lsoa21-lookup-census2021-pop_AlexGibsonPlymouth/LSOA11_LSOA21PopLookups.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut parents: HashMap<String, Vec<(u64, String)>> = HashMap::new();
    let mut persons = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let (lsoa11, lsoa21) = (record[0].to_string(), record[1].to_string());
        let n: u64 = record[3].parse().unwrap();
        persons.insert(lsoa11.clone(), record[4].parse().unwrap());
        parents.entry(lsoa21).or_default().push((n, lsoa11));
    }
    let best = parents
        .into_iter()
        .map(|(code, mut list)| {
            if list.iter().any(|(_, parent)| *parent == code) {
                return (code.clone(), code);
            }
            list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            (code, list[0].1.clone())
        })
        .collect();
    (best, persons)
}

/// Whether to count a row, given its LSOA code and its point (longitude, latitude).
type RowTest<'a> = dyn Fn(&str, Option<(f64, f64)>) -> bool + 'a;

/// Rows of the two periods whose row passes `keep(lsoa_code, lon, lat)`, by crime type.
fn independent_count(
    files: &BTreeMap<String, PathBuf>,
    from: &str,
    to: &str,
    keep: &RowTest<'_>,
) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for (month, path) in files {
        if month.as_str() < from || month.as_str() > to {
            continue;
        }
        let mut reader = csv::Reader::from_path(path).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            let point = match (record[4].parse::<f64>(), record[5].parse::<f64>()) {
                (Ok(lon), Ok(lat)) => Some((lon, lat)),
                _ => None,
            };
            if keep(&record[7], point) {
                *counts.entry(record[9].to_string()).or_insert(0) += 1;
            }
        }
    }
    counts
}

fn counts_of(rows: &BTreeMap<String, (u64, u64, f64)>, period: usize) -> BTreeMap<String, u64> {
    rows.iter()
        .map(|(k, v)| (k.clone(), if period == 0 { v.0 } else { v.1 }))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[test]
fn lad_ward_polygon_rates_and_peers_on_real_kent_data() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let files = street_files(&data);
    assert_eq!(files.len(), 23);
    let inputs: Vec<&Path> = files.values().map(PathBuf::as_path).collect();
    let dir = tempfile::tempdir().unwrap();

    // Before the import, lad: is refused with the way forward.
    let before = safer(
        dir.path(),
        &[
            "compare",
            "--input",
            inputs[0].to_str().unwrap(),
            "--area",
            "lad:E07000110",
            "--base",
            "2021-03",
            "--current",
            "2021-04",
        ],
    );
    assert!(!before.status.success());
    assert!(String::from_utf8_lossy(&before.stderr).contains("safer geo import"));

    let report = import_real_geography(dir.path(), &data);
    assert!(report.contains("E07000110.json (boundaries): 96 name(s), 95 ward/district membership(s), 95 boundary(ies)"), "{report}");
    // Importing again changes nothing that `geo show` can see.
    let shown = ok(&safer(dir.path(), &["geo", "show"]));
    import_real_geography(dir.path(), &data);
    assert_eq!(ok(&safer(dir.path(), &["geo", "show"])), shown);
    assert!(shown.contains("E07000110 Maidstone"), "{shown}");

    // lad:E07000110 = district:Maidstone, type by type, p-value by p-value, across the 2011
    // (2021-*) and 2021 (2022-*) LSOA codings.
    let district = compare_json(dir.path(), &inputs, &["--area", "district:Maidstone"]);
    let lad = compare_json(dir.path(), &inputs, &["--area", "lad:E07000110"]);
    assert_eq!(rows(&lad), rows(&district));
    assert_eq!(lad["base"]["total"], 16_025);
    assert_eq!(lad["current"]["total"], 15_117);
    assert_eq!(lad["area_name"], "Maidstone");

    // Rates: the Census 2021 residents of Maidstone's 95 2011 LSOAs, summed independently.
    let (best_fit, persons) = lookup(&data);
    let maidstone: BTreeSet<String> = {
        let text = std::fs::read_to_string(data.join(
            "boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON/lsoa_by_lad/E07000110.json",
        ))
        .unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        json["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["LSOA11CD"].as_str().unwrap().to_string())
            .collect()
    };
    let residents: u64 = maidstone.iter().map(|code| persons[code]).sum();
    assert_eq!(lad["population"]["persons"].as_u64(), Some(residents));
    assert_eq!(lad["population"]["year"], 2021);
    assert_eq!(lad["population"]["n_lsoas"], 95);
    let rate = lad["total"]["rate_per_1000_current"].as_f64().unwrap();
    assert!((rate - 15_117.0 / residents as f64 * 1000.0).abs() < 1e-9, "{rate}");

    // A ward: rows whose best-fit 2011 LSOA the ONS best-fit lookup puts in it.
    let wards: Value = serde_json::from_str(
        &std::fs::read_to_string(
            data.join("lsoa11-ward17-bestfit_traffordDataLab-crime_scanner/best_fit_lookup.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let ward = "E05005004";
    let ward_lsoas: BTreeSet<String> = wards[ward]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["lsoa11cd"].as_str().unwrap().to_string())
        .collect();
    let in_ward = |code: &str, _: Option<(f64, f64)>| {
        let code = best_fit.get(code).map_or(code, String::as_str);
        ward_lsoas.contains(code)
    };
    let ward_json = compare_json(dir.path(), &inputs, &["--area", &format!("ward:{ward}")]);
    let ward_rows = rows(&ward_json);
    assert_eq!(counts_of(&ward_rows, 0), independent_count(&files, "2021-03", "2021-12", &in_ward));
    assert_eq!(counts_of(&ward_rows, 1), independent_count(&files, "2022-03", "2022-12", &in_ward));

    // A rectangle drawn as a polygon (Maidstone town centre): rows whose snap point is inside.
    let (west, south, east, north) = (0.5123457, 51.2654321, 0.5387654, 51.2823456);
    let polygon = dir.path().join("town-centre.geojson");
    std::fs::write(
        &polygon,
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},
            "geometry":{{"type":"Polygon","coordinates":[[[{west},{south}],[{east},{south}],
            [{east},{north}],[{west},{north}],[{west},{south}]]]}}}}]}}"#
        ),
    )
    .unwrap();
    let in_box = |_: &str, point: Option<(f64, f64)>| {
        point.is_some_and(|(lon, lat)| west < lon && lon < east && south < lat && lat < north)
    };
    let area = format!("polygon:{}", polygon.display());
    let box_json = compare_json(dir.path(), &inputs, &["--area", &area]);
    let box_rows = rows(&box_json);
    let box_base = independent_count(&files, "2021-03", "2021-12", &in_box);
    assert!(box_base.values().sum::<u64>() > 1_000, "{box_base:?}");
    assert_eq!(counts_of(&box_rows, 0), box_base);
    assert_eq!(counts_of(&box_rows, 1), independent_count(&files, "2022-03", "2022-12", &in_box));
    assert!(box_json["total"]["rate_per_1000_current"].is_null());

    // Peers against the force area: the 13 Kent districts, whose count is every Kent row in
    // them; the area's own count is the comparison's.
    let peers = compare_json(
        dir.path(),
        &inputs,
        &["--area", "lad:E07000110", "--peer", "lad:E07000113;ward:E05005004"],
    );
    let table = &peers["peers"];
    assert_eq!(table["reference_districts"].as_array().unwrap().len(), 13, "{table}");
    let areas = table["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 3);
    assert_eq!(areas[0]["count"], 15_117);
    assert_eq!(areas[2]["count"], ward_json["current"]["total"]);
    let kent: BTreeSet<String> = {
        let mut all = BTreeSet::new();
        for entry in std::fs::read_dir(
            data.join("boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON/lsoa_by_lad"),
        )
        .unwrap()
        {
            let json: Value =
                serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap())
                    .unwrap();
            all.extend(
                json["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["properties"]["LSOA11CD"].as_str().unwrap().to_string()),
            );
        }
        all
    };
    let in_kent = |code: &str, _: Option<(f64, f64)>| {
        kent.contains(best_fit.get(code).map_or(code, String::as_str))
    };
    let kent_rows: u64 = independent_count(&files, "2022-03", "2022-12", &in_kent).values().sum();
    assert_eq!(table["reference"]["count"].as_u64(), Some(kent_rows));
    let kent_residents: u64 = kent.iter().map(|code| persons[code]).sum();
    assert_eq!(table["reference"]["population"].as_u64(), Some(kent_residents));
    for area in areas {
        let count = area["count"].as_f64().unwrap();
        let population = area["population"].as_f64().unwrap();
        let rate = count / population * 1000.0;
        let [low, high] =
            [area["funnel_998"][0].as_f64().unwrap(), area["funnel_998"][1].as_f64().unwrap()];
        let outside = rate < low || rate > high;
        let position = area["position"].as_str().unwrap();
        assert_eq!(outside, position.ends_with("998"), "{area}");
    }

    // Findings say where each area stands, in the funnel's terms.
    let mut args = vec!["findings", "--input"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--area", "lad:E07000110", "--base", "2021-03..2021-12", "--current"]);
    args.extend(["2022-03..2022-12", "--peer", "ward:E05005004"]);
    let findings = ok(&safer(dir.path(), &args));
    assert!(
        findings.contains(
            "- Maidstone: 86.0 crimes and ASB incidents per 1,000 residents in \
        the current period, well below the force area average of 90.2 (outside the 99.8% funnel \
        limits)"
        ),
        "{findings}"
    );
    assert!(findings.contains("in line with the force area average"), "{findings}");

    // The same from the database: import the street files, and the JSON is identical.
    let mut args = vec!["import", "police-uk", "--strict"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    ok(&safer(dir.path(), &args));
    for extra in [
        vec!["--area", "lad:E07000110", "--peer", "lad:E07000113;ward:E05005004"],
        vec!["--area", area.as_str()],
    ] {
        let from_files = compare_json(dir.path(), &inputs, &extra);
        let from_store = compare_json(dir.path(), &[], &extra);
        assert_eq!(from_store["rows"], from_files["rows"], "{extra:?}");
        assert_eq!(from_store["peers"], from_files["peers"], "{extra:?}");
        assert_eq!(from_store["population"], from_files["population"], "{extra:?}");
    }
}

#[test]
fn bad_geography_rows_name_file_place_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let lookup = dir.path().join("lookup.csv");
    std::fs::write(
        &lookup,
        "LSOA11CD,LSOA11NM,WD17CD,WD17NM,LAD17CD,LAD17NM\n\
         E01024320,Maidstone 003A,E05005004,Bridge,E07000110,Maidstone\n\
         E01024321,Maidstone 003B,not-a-code,Bridge,E07000110,Maidstone\n",
    )
    .unwrap();
    let output = safer(dir.path(), &["geo", "import", lookup.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("lookup.csv: line 3: WD17CD: `not-a-code` is not a GSS code"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2 ward/district membership(s), 1 bad row(s) left out"), "{stdout}");

    let strict = safer(dir.path(), &["geo", "import", "--strict", lookup.to_str().unwrap()]);
    assert!(!strict.status.success());

    // A file given by name must be geography; a population file must say its year.
    let other = dir.path().join("notes.csv");
    std::fs::write(&other, "a,b\n1,2\n").unwrap();
    let refused = safer(dir.path(), &["geo", "import", other.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a geography file"));
    let population = dir.path().join("population.json");
    std::fs::write(&population, r#"{"E01024320": {"population": 1500}}"#).unwrap();
    let no_year = safer(dir.path(), &["geo", "import", population.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&no_year.stderr).contains("--population-year"));
}
