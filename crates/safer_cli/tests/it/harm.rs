//! Harm weights: the shipped default file, the importer that reads users' files, the analytics
//! table, and the script that derives it must all agree (docs/harm.md).

use std::path::PathBuf;
use std::process::Command;

use safer_analytics::harm::{default_table, HarmEntry, HarmTable};
use safer_import::harm::parse_harm_weights;
use safer_import::police_uk::CRIME_TYPES;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped_csv() -> Vec<u8> {
    std::fs::read(workspace_root().join("data/harm/default-police-uk-category-weights.csv"))
        .expect("read the shipped default harm weights")
}

/// What the command wiring does with `--harm FILE`: the parsed file as a `HarmTable`.
fn table_from_file(name: &str, unit: &str, data: &[u8]) -> HarmTable {
    let parsed = parse_harm_weights(data).expect("accepted");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    HarmTable {
        name: name.to_string(),
        unit: unit.to_string(),
        entries: parsed
            .weights
            .iter()
            .map(|(crime_type, &weight)| {
                let source = &parsed.sources[crime_type];
                let entry =
                    HarmEntry { weight, source: source.source.clone(), note: source.note.clone() };
                (crime_type.clone(), entry)
            })
            .collect(),
    }
}

#[test]
fn the_shipped_file_read_by_the_importer_equals_the_default_table() {
    let from_file = table_from_file("default", "CCHI days", &shipped_csv());
    assert_eq!(from_file, default_table());
}

#[test]
fn every_police_uk_crime_type_has_a_default_weight_or_a_documented_exclusion() {
    let table = default_table();
    let docs = std::fs::read_to_string(workspace_root().join("docs/harm.md")).unwrap();
    for crime_type in CRIME_TYPES {
        let entry = table.entries.get(crime_type).unwrap_or_else(|| panic!("{crime_type}"));
        if entry.weight == 0.0 {
            assert!(entry.note.starts_with("Excluded: "), "{crime_type}: {}", entry.note);
            assert!(docs.contains(&format!("{crime_type}** is excluded")), "{crime_type}");
        }
        // The documentation's table lists every weight as shipped.
        assert!(
            docs.contains(&format!("| {crime_type} | {:.2} |", entry.weight)),
            "docs/harm.md does not list {crime_type} at {:.2}",
            entry.weight
        );
    }
    assert_eq!(table.entries.len(), CRIME_TYPES.len());
}

/// Re-runs scripts/derive-harm-weights.py on the real data: the shipped table can never drift
/// from its documented derivation.
#[test]
fn the_derivation_script_reproduces_the_shipped_file() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let output = Command::new("python3")
        .arg(workspace_root().join("scripts/derive-harm-weights.py"))
        .arg("--data")
        .arg(&data)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            assert!(std::env::var_os("CI").is_none(), "python3 is required under CI: {err}");
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: python3 is not available ({err})");
            }
            return;
        }
    };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(shipped_csv()).unwrap(),
        "re-run `python3 scripts/derive-harm-weights.py > \
         data/harm/default-police-uk-category-weights.csv` and update docs/harm.md and \
         safer_analytics::harm::DEFAULT_WEIGHTS"
    );
}

/// `safer compare --harm`: the weighted totals are the counts times the shipped weights, from
/// the default table and from the same table given as a file; ASB is named as unweighted.
#[test]
fn compare_weighs_counts_by_harm() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data");
    let synth = Command::new(env!("CARGO_BIN_EXE_safer"))
        .args(["synth", "police-uk", "--force", "kent", "--months", "4", "--rows-per-month"])
        .args(["3000", "--seed", "5", "--start", "2021-01", "--out"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(synth.status.success(), "{}", String::from_utf8_lossy(&synth.stderr));
    let weights_file = workspace_root().join("data/harm/default-police-uk-category-weights.csv");
    let table = table_from_file("default", "CCHI days", &shipped_csv());
    for harm in ["default", weights_file.to_str().unwrap()] {
        let output = Command::new(env!("CARGO_BIN_EXE_safer"))
            .current_dir(dir.path())
            .args(["compare", "--input"])
            .arg(&folder)
            .args(["--area", "all", "--base", "2021-01..2021-02", "--current", "2021-03..2021-04"])
            .args(["--json", "--harm", harm])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        for period in ["base", "current"] {
            let expected: f64 = json["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    let weight = table.weight(row["crime_type"].as_str().unwrap()).unwrap_or(0.0);
                    row[period].as_f64().unwrap() * weight
                })
                .sum();
            let total = json["harm"][period]["total"].as_f64().unwrap();
            assert!((total - expected).abs() < 1e-6 * expected.max(1.0), "{harm} {period}");
            assert!(expected > 0.0);
        }
        let zero: Vec<&str> = json["harm"]["current"]["zero_weight_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(zero, ["Anti-social behaviour"], "{harm}");
    }
}
