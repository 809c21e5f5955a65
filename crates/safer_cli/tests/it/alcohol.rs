//! `safer import premises`, `safer import imd` and `safer alcohol` on the real Maidstone
//! geography and MHCLG's IMD 2019 workbook, with a hand-written register of invented premises.
//!
//! Expected values are computed here on their own: each premises is placed in an LSOA by a
//! ray-casting test of this file's own over the GeoJSON boundaries, residents come from the
//! lookup's Census 2021 column read with the `csv` crate, wards from the best-fit lookup JSON,
//! and the cumulative-impact rule is applied again from its definition. The IMD values checked
//! were read from the workbook with Python's openpyxl (`load_workbook(..., read_only=True)`,
//! sheet `IMD2019`, rows whose district name is Maidstone).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{failed, import_real_geography, ok, safer};

const IMD_XLSX: &str =
    "imd2019-mhclg_via_cs50kale-GEOG5302_data/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx";
const MAIDSTONE_LSOAS: &str =
    "boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON/lsoa_by_lad/E07000110.json";

/// Invented premises at plausible Maidstone places: name, address, longitude, latitude,
/// licence, late. The town centre (Maidstone 004F) holds nine.
const PREMISES: [(&str, &str, f64, f64, &str, bool); 30] = [
    ("Test Premises 1", "High Street", 0.5219, 51.2725, "on", true),
    ("Test Premises 2", "High Street", 0.5232, 51.2722, "both", true),
    ("Test Premises 3", "Week Street", 0.5214, 51.2758, "off", false),
    ("Test Premises 4", "Week Street", 0.5210, 51.2770, "on", true),
    ("Test Premises 5", "Earl Street", 0.5205, 51.2740, "on", true),
    ("Test Premises 6", "Gabriel's Hill", 0.5248, 51.2720, "off", true),
    ("Test Premises 7", "King Street", 0.5262, 51.2738, "on", false),
    ("Test Premises 8", "Pudding Lane", 0.5222, 51.2742, "both", false),
    ("Test Premises 9", "Lockmeadow", 0.5175, 51.2705, "on", true),
    ("Test Premises 10", "Bank Street", 0.5240, 51.2716, "on", false),
    ("Test Premises 11", "Stone Street", 0.5262, 51.2705, "off", false),
    ("Test Premises 12", "Union Street", 0.5265, 51.2760, "on", true),
    ("Test Premises 13", "Tonbridge Road", 0.5090, 51.2700, "both", false),
    ("Test Premises 14", "Loose Road", 0.5300, 51.2600, "off", false),
    ("Test Premises 15", "Sutton Road", 0.5460, 51.2550, "off", true),
    ("Test Premises 16", "Boxley Road", 0.5280, 51.2850, "on", false),
    ("Test Premises 17", "High Street, Headcorn", 0.6270, 51.1660, "on", false),
    ("Test Premises 18", "North Street, Headcorn", 0.6255, 51.1672, "off", false),
    ("Test Premises 19", "High Street, Marden", 0.4930, 51.1750, "both", false),
    ("Test Premises 20", "The Square, Lenham", 0.7190, 51.2370, "on", false),
    ("Test Premises 21", "High Street, Staplehurst", 0.5510, 51.1620, "off", false),
    ("Test Premises 22", "West Street, Harrietsham", 0.6720, 51.2440, "on", false),
    ("Test Premises 23", "The Green, Bearsted", 0.5780, 51.2760, "on", false),
    ("Test Premises 24", "Heath Road, Coxheath", 0.4990, 51.2310, "off", false),
    ("Test Premises 25", "High Street, Yalding", 0.4300, 51.2240, "on", false),
    ("Test Premises 26", "North Street, Sutton Valence", 0.5950, 51.2130, "on", false),
    ("Test Premises 27", "Eyhorne Street, Hollingbourne", 0.6370, 51.2650, "on", false),
    ("Test Premises 28", "Park Wood Parade", 0.5430, 51.2450, "off", false),
    ("Test Premises 29", "Shepway Parade", 0.5420, 51.2600, "off", false),
    ("Test Premises 30", "Castle Road, Allington", 0.5050, 51.2880, "on", false),
];

/// A premises placed by postcode (the lookup below puts ME16 8ZZ near Lockmeadow).
const BY_POSTCODE: (&str, f64, f64) = ("ME16 8ZZ", 0.5178, 51.2708);

/// IMD 2019 deciles of Maidstone's 95 LSOAs by decile, and four LSOAs' (rank, decile), as
/// openpyxl read them from the workbook.
const MAIDSTONE_DECILES: [(u64, u64); 10] =
    [(1, 2), (2, 4), (3, 8), (4, 8), (5, 15), (6, 13), (7, 10), (8, 9), (9, 9), (10, 17)];
const KNOWN_IMD: [(&str, u64); 4] =
    [("E01024389", 1), ("E01024329", 10), ("E01024403", 7), ("E01024320", 10)];

fn register_csv() -> String {
    let mut text = String::from("name,address,postcode,longitude,latitude,licence,late\n");
    for (name, address, lon, lat, licence, late) in PREMISES {
        let late = if late { "yes" } else { "no" };
        text.push_str(&format!("{name},\"{address}, Maidstone\",,{lon},{lat},{licence},{late}\n"));
    }
    text.push_str(&format!("Test Premises 31,Lockmeadow,{},,,on,yes\n", BY_POSTCODE.0));
    text
}

/// Even–odd ray casting over a GeoJSON Polygon or MultiPolygon (holes included as rings).
fn geojson_contains(geometry: &Value, lon: f64, lat: f64) -> bool {
    let polygons: Vec<&Value> = match geometry["type"].as_str().unwrap() {
        "Polygon" => vec![&geometry["coordinates"]],
        _ => geometry["coordinates"].as_array().unwrap().iter().collect(),
    };
    let mut inside = false;
    for polygon in polygons {
        for ring in polygon.as_array().unwrap() {
            let ring: Vec<(f64, f64)> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            for i in 0..ring.len() {
                let (x1, y1) = ring[i];
                let (x2, y2) = ring[(i + 1) % ring.len()];
                if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

/// (LSOA code, geometry) of Maidstone's LSOAs.
fn maidstone_lsoas(data: &Path) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(data.join(MAIDSTONE_LSOAS)).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["LSOA11CD"].as_str().unwrap().to_string(), f["geometry"].clone()))
        .collect()
}

/// Census 2021 residents of each 2011 LSOA (the lookup's `LSOA11Denom`).
fn residents(data: &Path) -> HashMap<String, u64> {
    let path = data
        .join("lsoa11-lsoa21-lookup-census2021-pop_AlexGibsonPlymouth/LSOA11_LSOA21PopLookups.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[4].parse().unwrap())
        })
        .collect()
}

/// Each 2021 LSOA code that is not also a 2011 code → its best-fit 2011 LSOA: the parent with
/// the most persons in the link (ties to the lower code).
fn best_fit_2011(data: &Path) -> HashMap<String, String> {
    let path = data
        .join("lsoa11-lsoa21-lookup-census2021-pop_AlexGibsonPlymouth/LSOA11_LSOA21PopLookups.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut codes_2011 = BTreeSet::new();
    let mut parents: HashMap<String, Vec<(u64, String)>> = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        codes_2011.insert(record[0].to_string());
        parents
            .entry(record[1].to_string())
            .or_default()
            .push((record[3].parse().unwrap(), record[0].to_string()));
    }
    parents
        .into_iter()
        .filter(|(code, _)| !codes_2011.contains(code))
        .map(|(code, mut list)| {
            list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            (code, list[0].1.clone())
        })
        .collect()
}

/// Ward code → its 2011 LSOAs, from the best-fit lookup.
fn wards(data: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let path =
        data.join("lsoa11-ward17-bestfit_traffordDataLab-crime_scanner/best_fit_lookup.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json.as_object()
        .unwrap()
        .iter()
        .map(|(ward, list)| {
            let lsoas = list.as_array().unwrap().iter();
            (ward.clone(), lsoas.map(|l| l["lsoa11cd"].as_str().unwrap().to_string()).collect())
        })
        .collect()
}

/// Unit code → (premises, late licences, premises per 1,000 residents).
type Table = BTreeMap<String, (u64, u64, f64)>;

/// Expected (premises, late) per unit, per-1,000 densities and candidates under the default
/// rule (top tenth by nearest rank, ≥ 5 premises or ≥ 2 late), computed from scratch.
fn expected(
    units: &BTreeMap<String, BTreeSet<String>>,
    placed: &[(String, bool)],
    residents: &HashMap<String, u64>,
    harm: Option<&HashMap<String, u64>>,
) -> (Table, Vec<String>) {
    let mut table = BTreeMap::new();
    for (unit, lsoas) in units {
        let n = placed.iter().filter(|(l, _)| lsoas.contains(l)).count() as u64;
        let late = placed.iter().filter(|(l, late)| *late && lsoas.contains(l)).count() as u64;
        let people: u64 = lsoas.iter().map(|l| residents[l]).sum();
        table.insert(unit.clone(), (n, late, n as f64 * 1000.0 / people as f64));
    }
    let mut densities: Vec<f64> = table.values().map(|v| v.2).collect();
    densities.sort_by(f64::total_cmp);
    let threshold = densities[(0.9 * densities.len() as f64).ceil() as usize - 1];
    // Harm: the unit's rate at least 1.5 times the area's.
    let harm_rate = |lsoas: &BTreeSet<String>| {
        let harm = harm.unwrap();
        let n: u64 = lsoas.iter().map(|l| harm.get(l).copied().unwrap_or(0)).sum();
        let people: u64 = lsoas.iter().map(|l| residents[l]).sum();
        n as f64 * 1000.0 / people as f64
    };
    let all: BTreeSet<String> = units.values().flatten().cloned().collect();
    let candidates = table
        .iter()
        .filter(|(_, &(n, late, d))| d > 0.0 && d >= threshold && (n >= 5 || late >= 2))
        .filter(|(unit, _)| harm.is_none() || harm_rate(&units[*unit]) >= 1.5 * harm_rate(&all))
        .map(|(unit, _)| unit.clone())
        .collect();
    (table, candidates)
}

#[test]
fn densities_deciles_and_candidates_on_real_maidstone_data() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    import_real_geography(home, &data);
    let imd = ok(&safer(home, &["import", "imd", data.join(IMD_XLSX).to_str().unwrap()]));
    assert!(
        imd.contains("IMD 2019 rank and decile of 32,844 LSOA(s) stored; 0 bad row(s)"),
        "{imd}"
    );

    let register = home.join("register.csv");
    std::fs::write(&register, register_csv()).unwrap();
    let postcodes = home.join("postcodes.csv");
    std::fs::write(
        &postcodes,
        format!(
            "postcode,longitude,latitude\n{},{},{}\n",
            BY_POSTCODE.0, BY_POSTCODE.1, BY_POSTCODE.2
        ),
    )
    .unwrap();
    // Without the lookup, the postcode-only row is an error that says what to do.
    let output = safer(home, &["import", "premises", register.to_str().unwrap(), "--strict"]);
    let stderr = failed(&output);
    assert!(
        stderr.contains("register.csv:32: longitude: no coordinates; to place premises by postcode (ME16 8ZZ) give a postcode lookup with --postcodes FILE"),
        "{stderr}"
    );
    assert!(stderr.contains("--strict"), "{stderr}");
    let imported = ok(&safer(
        home,
        &[
            "import",
            "premises",
            register.to_str().unwrap(),
            "--postcodes",
            postcodes.to_str().unwrap(),
        ],
    ));
    assert!(
        imported.contains("31 premises stored (1 placed by postcode), replacing 0 before; 0 bad"),
        "{imported}"
    );
    let again = ok(&safer(
        home,
        &[
            "import",
            "premises",
            register.to_str().unwrap(),
            "--postcodes",
            postcodes.to_str().unwrap(),
        ],
    ));
    assert!(again.contains("unchanged"), "{again}");

    // Independent placement, residents and wards.
    let lsoas = maidstone_lsoas(&data);
    let mut points: Vec<(f64, f64, bool)> =
        PREMISES.iter().map(|&(_, _, lon, lat, _, late)| (lon, lat, late)).collect();
    points.push((BY_POSTCODE.1, BY_POSTCODE.2, true));
    let placed: Vec<(String, bool)> = points
        .iter()
        .map(|&(lon, lat, late)| {
            let found: Vec<&String> = lsoas
                .iter()
                .filter(|(_, g)| geojson_contains(g, lon, lat))
                .map(|(c, _)| c)
                .collect();
            assert_eq!(found.len(), 1, "({lon}, {lat}) must lie in exactly one Maidstone LSOA");
            (found[0].clone(), late)
        })
        .collect();
    let residents = residents(&data);
    let lsoa_units: BTreeMap<String, BTreeSet<String>> =
        lsoas.iter().map(|(code, _)| (code.clone(), BTreeSet::from([code.clone()]))).collect();
    assert_eq!(lsoa_units.len(), 95);

    // By LSOA.
    let json: Value =
        serde_json::from_str(&ok(&safer(home, &["alcohol", "--area", "lad:E07000110", "--json"])))
            .unwrap();
    assert_eq!(json["n_premises_in_area"], 31);
    assert_eq!(json["n_premises_outside_area"], 0);
    assert_eq!(json["population_year"], 2021);
    let report = &json["report"];
    let people: u64 = lsoa_units.keys().map(|l| residents[l]).sum();
    assert_eq!(report["population"].as_u64().unwrap(), people);
    assert_eq!(report["total"]["premises"], 31);
    assert_eq!(report["total"]["late"], 9);
    assert_eq!(report["total"]["both"], 4);
    let (table, candidates) = expected(&lsoa_units, &placed, &residents, None);
    let units = report["units"].as_array().unwrap();
    assert_eq!(units.len(), 95);
    for unit in units {
        let code = unit["code"].as_str().unwrap();
        let (n, late, density) = table[code];
        assert_eq!(unit["counts"]["premises"].as_u64().unwrap(), n, "{code}");
        assert_eq!(unit["counts"]["late"].as_u64().unwrap(), late, "{code}");
        assert_eq!(unit["population"].as_u64().unwrap(), residents[code], "{code}");
        let got = unit["per_1000"].as_f64().unwrap();
        assert!((got - density).abs() < 1e-9, "{code}: {got} against {density}");
        assert!(unit["harmful"].is_null());
    }
    assert_eq!(units[0]["code"], "E01033090", "the town centre is the densest");
    assert_eq!(units[0]["counts"]["premises"], 9);
    let got: Vec<&str> =
        report["candidates"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let mut sorted_got = got.clone();
    sorted_got.sort();
    assert_eq!(sorted_got, candidates);
    assert!(got.contains(&"E01033090"), "{got:?}");
    assert!(got.contains(&"E01033087"), "Lockmeadow: two late licences: {got:?}");

    // IMD deciles: all 95 LSOAs, the distribution and four values read with openpyxl.
    assert_eq!(report["n_lsoas_without_decile"], 0);
    let by_decile: Vec<(u64, u64)> = report["by_decile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["decile"].as_u64().unwrap(), row["n_lsoas"].as_u64().unwrap()))
        .collect();
    assert_eq!(by_decile, MAIDSTONE_DECILES);
    for (code, decile) in KNOWN_IMD {
        let unit = units.iter().find(|u| u["code"] == code).unwrap();
        assert_eq!(unit["imd_decile"].as_u64(), Some(decile), "{code}");
    }
    let decile_premises: u64 = report["by_decile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["counts"]["premises"].as_u64().unwrap())
        .sum();
    assert_eq!(decile_premises, 31);

    // By ward.
    let all_wards = wards(&data);
    let maidstone: BTreeSet<String> = lsoa_units.keys().cloned().collect();
    let ward_units: BTreeMap<String, BTreeSet<String>> = all_wards
        .into_iter()
        .map(|(ward, lsoas)| {
            (ward, lsoas.intersection(&maidstone).cloned().collect::<BTreeSet<_>>())
        })
        .filter(|(_, lsoas)| !lsoas.is_empty())
        .collect();
    let json: Value = serde_json::from_str(&ok(&safer(
        home,
        &["alcohol", "--area", "lad:E07000110", "--units", "ward", "--json"],
    )))
    .unwrap();
    let (table, candidates) = expected(&ward_units, &placed, &residents, None);
    let units = json["report"]["units"].as_array().unwrap();
    assert_eq!(units.len(), ward_units.len());
    for unit in units {
        let code = unit["code"].as_str().unwrap();
        let (n, late, density) = table[code];
        assert_eq!(unit["counts"]["premises"].as_u64().unwrap(), n, "{code}");
        assert_eq!(unit["counts"]["late"].as_u64().unwrap(), late, "{code}");
        assert!((unit["per_1000"].as_f64().unwrap() - density).abs() < 1e-9, "{code}");
    }
    let mut got: Vec<String> = json["report"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, candidates);
    assert!(!got.is_empty());

    // Harm from two months of real Kent street rows, counted here with the csv crate.
    let files: Vec<PathBuf> = ["2022-03", "2022-04"]
        .iter()
        .map(|m| data.join(format!("police-uk-kent-2022_karnmodi-BDML/{m}-kent-street.csv")))
        .collect();
    let mut args = vec!["import", "police-uk"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    ok(&safer(home, &args));
    let best_fit = best_fit_2011(&data);
    let mut harm: HashMap<String, u64> = HashMap::new();
    for file in &files {
        let mut reader = csv::Reader::from_path(file).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            let types = ["Violence and sexual offences", "Public order", "Anti-social behaviour"];
            if record[7].is_empty() || !types.contains(&&record[9]) {
                continue;
            }
            let lsoa11 = best_fit.get(&record[7]).cloned().unwrap_or_else(|| record[7].to_string());
            if maidstone.contains(&lsoa11) {
                *harm.entry(lsoa11).or_default() += 1;
            }
        }
    }
    let json: Value = serde_json::from_str(&ok(&safer(
        home,
        &[
            "alcohol",
            "--area",
            "lad:E07000110",
            "--units",
            "ward",
            "--period",
            "2022-03..2022-04",
            "--json",
        ],
    )))
    .unwrap();
    let (_, candidates) = expected(&ward_units, &placed, &residents, Some(&harm));
    for unit in json["report"]["units"].as_array().unwrap() {
        let code = unit["code"].as_str().unwrap();
        let n: u64 = ward_units[code].iter().map(|l| harm.get(l).copied().unwrap_or(0)).sum();
        assert_eq!(unit["harm"].as_u64().unwrap(), n, "{code}");
        assert!(!unit["harmful"].is_null(), "{code}");
    }
    let mut got: Vec<String> = json["report"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, candidates);
    assert!(!got.is_empty(), "the town-centre ward has the premises and the harm");
    assert_eq!(json["harm_period"], "2022-03..2022-04");
    assert!(json["rule_text"].as_str().unwrap().contains("at least 1.5 times the area's"));
    let stderr = failed(&safer(
        home,
        &["alcohol", "--area", "lad:E07000110", "--period", "2022-03..2022-05"],
    ));
    assert!(stderr.contains("there is no street data for 2022-05"), "{stderr}");

    // The table states the rule and names the candidates.
    let text = ok(&safer(home, &["alcohol", "--area", "lad:E07000110"]));
    assert!(
        text.contains("harm (violence, public order and anti-social behaviour) was not assessed"),
        "{text}"
    );
    assert!(text.contains("Rule: a unit is a cumulative-impact candidate when"), "{text}");
    assert!(
        text.contains("harm (violence, public order and anti-social behaviour) was not assessed"),
        "{text}"
    );
    assert!(text.contains("- E01033090 (Maidstone 004F): 9 premises"), "{text}");
}

#[test]
fn bad_premises_and_imd_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let register = home.join("bad.csv");
    std::fs::write(
        &register,
        "name,address,postcode,longitude,latitude,licence,late\n\
         Test Premises 1,High Street,,0.52,51.27,pub,no\n\
         Test Premises 2,Week Street,ME14 1XX,,,off,no\n\
         Test Premises 3,Earl Street,,,,on,no\n\
         Test Premises 4,King Street,,0.52,51.27,on,yes\n",
    )
    .unwrap();
    let output = safer(home, &["import", "premises", register.to_str().unwrap()]);
    let stdout = ok(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.csv:2: licence: unknown licence type `pub`; expected on, off or both"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.csv:3: longitude: no coordinates; to place premises by postcode (ME14 1XX) give a postcode lookup with --postcodes FILE"), "{stderr}");
    assert!(stderr.contains("bad.csv:4: longitude: no coordinates and no postcode"), "{stderr}");
    assert!(
        stdout.contains(
            "1 premises stored (0 placed by postcode), replacing 0 before; 3 bad row(s) left out"
        ),
        "{stdout}"
    );

    let header_only = home.join("empty.csv");
    std::fs::write(&header_only, "name,address\n").unwrap();
    let stderr = failed(&safer(home, &["import", "premises", header_only.to_str().unwrap()]));
    assert!(
        stderr.contains(
            "wrong header: expected `name,address,postcode,longitude,latitude,licence,late`"
        ),
        "{stderr}"
    );

    // A file that starts like an xlsx (a zip) but is cut short.
    let broken = home.join("broken.xlsx");
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[7; 200]);
    std::fs::write(&broken, bytes).unwrap();
    let stderr = failed(&safer(home, &["import", "imd", broken.to_str().unwrap()]));
    assert!(stderr.contains("broken.xlsx: not a readable xlsx workbook: zip:"), "{stderr}");
    let csv = home.join("imd.csv");
    std::fs::write(&csv, "lsoa,decile\nE01024389,1\n").unwrap();
    let stderr = failed(&safer(home, &["import", "imd", csv.to_str().unwrap()]));
    assert!(
        stderr.contains("wrong header: expected `LSOA code (2011),LSOA name (2011),"),
        "{stderr}"
    );

    // Analysis needs the geography first.
    let stderr = failed(&safer(home, &["alcohol", "--area", "lad:E07000110"]));
    assert!(stderr.contains("safer geo import"), "{stderr}");
    let stderr = failed(&safer(home, &["alcohol", "--area", "lad:E07000110", "--units", "grid"]));
    assert!(stderr.contains("invalid --units `grid`; expected lsoa or ward"), "{stderr}");
}
