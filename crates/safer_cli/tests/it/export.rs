//! `safer export parquet`: synthetic police.uk files imported with the binary, exported, and
//! read back with an independent reader (DuckDB, from Python) against what the test reads from
//! the CSV files itself; re-runs, refusals and PostgreSQL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use safer_test_utils::TestDb;
use serde_json::{json, Value};

/// Runs `safer` in `dir` against the database at `url`, with no ambient configuration.
fn safer(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run safer")
}

#[track_caller]
fn assert_ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "safer failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Reads an export with DuckDB: its schema, compression, counts by year, force, month and
/// crime type (with the non-null counts of the optional columns), and every row.
const READ_BACK: &str = r#"
import json, sys
import duckdb
glob = sys.argv[1].replace("'", "''") + "/**/*.parquet"
source = f"read_parquet('{glob}', hive_partitioning = true)"
con = duckdb.connect()
def rows(sql):
    return [list(row) for row in con.sql(sql).fetchall()]
print(json.dumps({
    "columns": rows(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})"),
    "compression": rows(f"SELECT DISTINCT compression FROM parquet_metadata('{glob}')"),
    "counts": rows(f"""SELECT year, force, month, crime_type, count(*), count(crime_id),
        count(longitude), count(latitude), count(lsoa_code), count(lsoa_name),
        count(last_outcome_category), count(context)
        FROM {source} GROUP BY ALL ORDER BY ALL"""),
    "rows": rows(f"""SELECT year, force, month, crime_id, reported_by, falls_within, longitude,
        latitude, location, lsoa_code, lsoa_name, crime_type, last_outcome_category, context
        FROM {source}"""),
}))
"#;

/// What DuckDB read from an export at `out`.
fn read_back(out: &Path) -> Value {
    let output = Command::new("python3")
        .args(["-c", READ_BACK])
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the DuckDB script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the DuckDB script prints JSON")
}

/// A street file of our own with what synthetic files lack: quotes, commas and non-ASCII text,
/// and a Context.
const ODD_FILE: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,\
LSOA code,LSOA name,Crime type,Last outcome category,Context\r\n\
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,2023-03,City of London Police,\
City of London Police,-0.093017,51.513807,\"On or near Caf\u{e9} Row, \"\"The Yard\"\"\",E01000001,\
City of London 001A,Theft from the person,Under investigation,\"Context, with \"\"quotes\"\"\"\r\n\
,2023-03,City of London Police,City of London Police,-0.1,51.5,On or near Wood Street,E01000002,\
City of London 001B,Anti-social behaviour,,\r\n\
bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,2023-03,City of London Police,\
City of London Police,,,No Location,,,Other theft,Status update unavailable,\r\n";

/// Synthetic files for two forces over two years, and [`ODD_FILE`] for a third force.
fn write_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    for (force, months, rows, start, seed) in
        [("kent", "14", "300", "2022-11", "1"), ("surrey", "3", "200", "2022-12", "2")]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_safer"))
            .args(["synth", "police-uk", "--force", force, "--months", months])
            .args(["--rows-per-month", rows, "--start", start, "--seed", seed, "--out"])
            .arg(&data)
            .env_remove("SAFER_DATABASE_URL")
            .env_remove("SAFER_DATA_DIR")
            .output()
            .expect("run safer");
        assert_ok(&output);
    }
    let odd = data.join("2023-03/2023-03-city-of-london-street.csv");
    std::fs::write(odd, ODD_FILE).unwrap();
    data
}

/// Every street file under `dir`.
fn street_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with("-street.csv") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The rows an export of `data` must hold, read from the CSV files with the `csv` crate, as
/// JSON arrays in DuckDB's column order (partition keys first): empty fields are nulls,
/// coordinates numbers. Sorted by their text.
fn expected_rows(data: &Path) -> Vec<String> {
    let mut rows = Vec::new();
    for path in street_files(data) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let force = name[8..].strip_suffix("-street.csv").unwrap();
        let mut reader = csv::Reader::from_path(&path).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            let text = |idx: usize| json!(record[idx]);
            let optional =
                |idx: usize| if record[idx].is_empty() { json!(null) } else { text(idx) };
            let number = |idx: usize| {
                if record[idx].is_empty() {
                    json!(null)
                } else {
                    json!(record[idx].parse::<f64>().unwrap())
                }
            };
            let month = &record[1];
            let row = json!([
                month[..4].parse::<i64>().unwrap(),
                force,
                month,
                optional(0),
                text(2),
                text(3),
                number(4),
                number(5),
                text(6),
                optional(7),
                optional(8),
                text(9),
                optional(10),
                optional(11),
            ]);
            rows.push(row.to_string());
        }
    }
    rows.sort();
    rows
}

/// Counts by year, force, month and crime type, as the DuckDB script's `counts`: rows, then
/// non-null Crime ID, Longitude, Latitude, LSOA code, LSOA name, outcome and Context.
fn expected_counts(rows: &[String]) -> Value {
    let mut counts: BTreeMap<(i64, String, String, String), [i64; 8]> = BTreeMap::new();
    for row in rows {
        let row: Value = serde_json::from_str(row).unwrap();
        let key = (
            row[0].as_i64().unwrap(),
            row[1].as_str().unwrap().to_string(),
            row[2].as_str().unwrap().to_string(),
            row[11].as_str().unwrap().to_string(),
        );
        let count = counts.entry(key).or_default();
        count[0] += 1;
        for (slot, column) in [3, 6, 7, 9, 10, 12, 13].into_iter().enumerate() {
            count[slot + 1] += i64::from(!row[column].is_null());
        }
    }
    counts
        .into_iter()
        .map(|((year, force, month, crime_type), n)| {
            let mut line = vec![json!(year), json!(force), json!(month), json!(crime_type)];
            line.extend(n.iter().map(|n| json!(n)));
            Value::Array(line)
        })
        .collect()
}

/// Every file under `dir` by its path relative to `dir`, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

/// Checks what DuckDB reads from the export at `out` against the CSV files under `data`.
fn check_read_back(out: &Path, data: &Path, label: &str) {
    let got = read_back(out);
    let columns: Vec<String> = got["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c[0].as_str().unwrap(), c[1].as_str().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            "month VARCHAR",
            "crime_id VARCHAR",
            "reported_by VARCHAR",
            "falls_within VARCHAR",
            "longitude DOUBLE",
            "latitude DOUBLE",
            "location VARCHAR",
            "lsoa_code VARCHAR",
            "lsoa_name VARCHAR",
            "crime_type VARCHAR",
            "last_outcome_category VARCHAR",
            "context VARCHAR",
            "force VARCHAR",
            "year BIGINT",
        ],
        "{label}"
    );
    assert_eq!(got["compression"], json!([["SNAPPY"]]), "{label}");

    let expected = expected_rows(data);
    let mut rows: Vec<String> =
        got["rows"].as_array().unwrap().iter().map(Value::to_string).collect();
    rows.sort();
    assert_eq!(rows.len(), expected.len(), "{label}: row count");
    for (got, expected) in rows.iter().zip(&expected) {
        assert_eq!(got, expected, "{label}");
    }
    assert_eq!(got["counts"], expected_counts(&expected), "{label}");

    // The data has what the null checks need: ASB rows with no Crime ID, rows with no location.
    let has = |pattern: &str| expected.iter().any(|row| row.contains(pattern));
    assert!(has(r#",null,"Kent Police","Kent Police","#), "{label}: an ASB row");
    assert!(has(r#",null,null,"No Location",null,null,"#), "{label}: a row with no location");
    assert!(has(r#""Context, with \"quotes\""]"#), "{label}: a context");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_parquet_round_trips_through_duckdb_and_replaces_itself() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_data(dir.path());
    let url = format!("sqlite://{}", dir.path().join("safer.db").display());
    let run = |args: &[&str]| safer(dir.path(), &url, args);

    // Nothing imported: an error, and no directory.
    let output = run(&["export", "parquet", "--out", "out"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the database holds no street data to export"), "{stderr}");
    assert!(!dir.path().join("out").exists());

    let imported = assert_ok(&run(&["import", "police-uk", data.to_str().unwrap()]));
    assert!(
        imported.contains("18 files, 4803 rows imported, 0 unchanged, 0 bad rows"),
        "{imported}"
    );

    let stdout = assert_ok(&run(&["export", "parquet", "--out", "out"]));
    let out = dir.path().join("out");
    let first = snapshot(&out);
    let names: Vec<String> = first.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "_SAFER_EXPORT",
            "year=2022/force=kent/part-0.parquet",
            "year=2022/force=surrey/part-0.parquet",
            "year=2023/force=city-of-london/part-0.parquet",
            "year=2023/force=kent/part-0.parquet",
            "year=2023/force=surrey/part-0.parquet",
        ]
    );
    let n_bytes: usize =
        first.iter().filter(|(p, _)| p.extension().is_some()).map(|(_, b)| b.len()).sum();
    assert!(
        stdout.contains(
            "wrote out/year=2023/force=city-of-london/part-0.parquet: 1 month(s), 3 rows, "
        ) && stdout.contains(&format!("exported 5 files, 4803 rows, {n_bytes} bytes to out\n")),
        "{stdout}"
    );
    // No temporary directory is left beside the export.
    let siblings: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(siblings.iter().all(|name| !name.to_string_lossy().starts_with('.')), "{siblings:?}");

    if safer_test_utils::env::python_can_import("duckdb") {
        check_read_back(&out, &data, "sqlite");
    }

    // A re-run replaces the export with identical files, and anything added to it goes.
    std::fs::write(out.join("year=2022/stray.parquet"), "not parquet").unwrap();
    let stdout = assert_ok(&run(&["export", "parquet", "--out", "out"]));
    assert!(stdout.contains("(replacing the previous export)"), "{stdout}");
    assert!(snapshot(&out) == first, "a re-run gave different files");

    // A directory that is not an export is refused, untouched.
    let before = snapshot(&data);
    let output = run(&["export", "parquet", "--out", "data"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: cannot export to data: it is not empty and not a previous Safer export"
        ),
        "{stderr}"
    );
    assert!(snapshot(&data) == before);

    // The same files from PostgreSQL, byte for byte.
    let Some(db) = TestDb::postgres().await else { return };
    assert_ok(&safer(dir.path(), &db.url(), &["import", "police-uk", data.to_str().unwrap()]));
    assert_ok(&safer(dir.path(), &db.url(), &["export", "parquet", "--out", "out-pg"]));
    assert!(snapshot(&dir.path().join("out-pg")) == first, "PostgreSQL exported other files");
}
