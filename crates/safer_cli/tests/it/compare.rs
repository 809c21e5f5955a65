//! `safer compare` and `safer findings` on police.uk files (`--input PATH...`).
//!
//! The real-data test is the "must show" (issue 3): on the real Kent files, the counts
//! for `district:Maidstone` match an independent count made with the `csv` crate for every
//! crime type, and the p-values match SciPy's `binomtest` to 1e-9.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const STREET_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

const OUTCOMES_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Outcome type";

/// Runs `safer` in `dir` with no ambient Safer configuration.
fn safer(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .args(args)
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .output()
        .expect("run safer")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_ok(output: &Output) {
    assert!(output.status.success(), "safer failed:\n{}\n{}", stdout(output), stderr(output));
}

/// A clear failure: exit code 2, the last line of standard error is one `error:` sentence, no
/// panic. Notes may come before it. Returns that line.
#[track_caller]
fn assert_clear_error(output: &Output) -> String {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "expected exit code 2; stderr:\n{err}");
    assert!(!err.contains("panicked"), "no panics:\n{err}");
    let last = err.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("error: "), "the last line should be the error:\n{err}");
    assert!(stdout(output).is_empty(), "nothing on stdout on failure: {}", stdout(output));
    last
}

/// One synthetic street row: (LSOA code, LSOA name, crime type). An empty code is a row with no
/// location. Anti-social behaviour has no Crime ID, as on police.uk.
type Row<'a> = (&'a str, &'a str, &'a str);

fn street_csv(month: &str, rows: &[Row<'_>]) -> String {
    let mut text = format!("{STREET_HEADER}\r\n");
    for (idx, &(code, name, crime_type)) in rows.iter().enumerate() {
        let crime_id = if crime_type == "Anti-social behaviour" {
            String::new()
        } else {
            format!("id{idx:060}")
        };
        let (lon, lat, location) = if code.is_empty() {
            ("", "", "No Location")
        } else {
            ("0.522", "51.272", "On or near Maidstone Road")
        };
        text.push_str(&format!(
            "{crime_id},{month},Kent Police,Kent Police,{lon},{lat},{location},{code},{name},\
             {crime_type},,\r\n"
        ));
    }
    text
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const A: Row<'static> = ("E01024403", "Maidstone 001A", "Burglary");

/// A small folder in the police.uk layout, hand-counted for district:Maidstone:
///
/// | crime type            | base 2021-01..02 | current 2021-03..04 |
/// |-----------------------|------------------|---------------------|
/// | Burglary              | 2 + 1 = 3        | 3                   |
/// | Drugs                 | 1                | 0                   |
/// | Anti-social behaviour | 0 + 1 = 1        | 1                   |
/// | Vehicle crime         | 0                | 2                   |
/// | total                 | 5                | 6                   |
///
/// Not counted: a Medway row (its Location says "Maidstone Road"), a row with no location, a
/// `Maidstone Borough` name that is not an LSOA name, and one bad row (latitude `abc`). Also
/// holds an outcomes file and two files that are not police.uk files.
fn synthetic_folder(root: &Path) -> PathBuf {
    let data = root.join("data");
    let medway = ("E01016001", "Medway 001A", "Burglary");
    let drugs = ("E01024404", "Maidstone 002B", "Drugs");
    let asb = ("E01024404", "Maidstone 002B", "Anti-social behaviour");
    let vehicle = ("E01034991", "Maidstone 004H", "Vehicle crime");
    write(
        &data.join("2021-01/2021-01-kent-street.csv"),
        &street_csv(
            "2021-01",
            &[
                A,
                A,
                drugs,
                medway,
                ("E01024999", "Maidstone Borough", "Drugs"),
                ("", "", "Burglary"),
            ],
        ),
    );
    write(&data.join("2021-02/2021-02-kent-street.csv"), &street_csv("2021-02", &[A, asb]));
    write(
        &data.join("2021-03/2021-03-kent-street.csv"),
        &street_csv("2021-03", &[A, A, A, vehicle, vehicle, medway]),
    );
    let mut april = street_csv("2021-04", &[asb]);
    april.push_str(
        "id1,2021-04,Kent Police,Kent Police,0.522,abc,On or near X,E01024403,Maidstone 001A,\
         Burglary,,\r\n",
    );
    write(&data.join("2021-04/2021-04-kent-street.csv"), &april);
    write(&data.join("2021-01/2021-01-kent-outcomes.csv"), &format!("{OUTCOMES_HEADER}\r\n"));
    write(&data.join("README.txt"), "not police.uk data\n");
    write(&data.join("lookups/lsoa.geojson"), "{}\n");
    data
}

fn compare_json(
    dir: &Path,
    input: &Path,
    area: &str,
    base: &str,
    current: &str,
) -> (Value, String) {
    let output = safer(
        dir,
        &[
            "compare",
            "--input",
            input.to_str().unwrap(),
            "--area",
            area,
            "--base",
            base,
            "--current",
            current,
            "--json",
        ],
    );
    assert_ok(&output);
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    (json, stderr(&output))
}

#[test]
fn synthetic_folder_gives_the_hand_counted_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let (json, err) = compare_json(
        dir.path(),
        &data,
        "district:Maidstone",
        "2021-01..2021-02",
        "2021-03..2021-04",
    );

    assert_eq!(json["area"], "district:Maidstone");
    assert_eq!(json["base"]["from"], "2021-01");
    assert_eq!(json["base"]["to"], "2021-02");
    assert_eq!(json["base"]["total"], 5);
    assert_eq!(json["current"]["from"], "2021-03");
    assert_eq!(json["current"]["to"], "2021-04");
    assert_eq!(json["current"]["total"], 6);
    // The documented keys of each row, by hand. With equal periods, current | n ~ Bin(n, 1/2):
    // 3 vs 3, 1 vs 0 and 1 vs 1 give p = 1; 0 vs 2 gives P(0) + P(2) = 1/2.
    let rows: Vec<Value> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            json!({
                "crime_type": row["crime_type"],
                "base": row["base"],
                "current": row["current"],
                "change": row["change"],
                "change_pct": row["change_pct"],
                "p_value": row["p_value"],
                "significant": row["significant"],
            })
        })
        .collect();
    let expected = json!([
        {"crime_type": "Burglary", "base": 3, "current": 3, "change": 0, "change_pct": 0.0, "p_value": 1.0, "significant": false},
        {"crime_type": "Vehicle crime", "base": 0, "current": 2, "change": 2, "change_pct": null, "p_value": 0.5, "significant": false},
        {"crime_type": "Anti-social behaviour", "base": 1, "current": 1, "change": 0, "change_pct": 0.0, "p_value": 1.0, "significant": false},
        {"crime_type": "Drugs", "base": 1, "current": 0, "change": -1, "change_pct": -100.0, "p_value": 1.0, "significant": false},
    ]);
    assert_eq!(Value::Array(rows), expected);
    assert_eq!(json["total"]["base"], 5);
    assert_eq!(json["total"]["current"], 6);
    assert_eq!(json["rows"][0]["verdict"], "no_clear_change");
    assert_eq!(json["rows"][0]["rate_per_1000_current"], Value::Null);

    // The bad row is reported as FILE:LINE: FIELD: reason, and summarised.
    let april = data.join("2021-04/2021-04-kent-street.csv");
    let bad = format!("{}:3: Latitude: ", april.display());
    assert!(err.lines().any(|line| line.starts_with(&bad)), "{err}");
    assert!(
        err.contains("4 street file(s) of the two periods: 15 row(s) kept, 1 bad row(s) left out"),
        "{err}"
    );
    // The files not read are noted, with how many and examples.
    assert!(err.contains("note: skipped 1 police.uk outcomes file(s)"), "{err}");
    assert!(err.contains("note: ignored 2 file(s) that are not police.uk CSV files"), "{err}");
    assert!(err.contains("README.txt") && err.contains("lsoa.geojson"), "{err}");
}

#[test]
fn lsoa_codes_and_single_months() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let (json, _) =
        compare_json(dir.path(), &data, "lsoa:E01024403,E01034991", "2021-02", "2021-03");
    assert_eq!(json["area"], "lsoa:E01024403,E01034991");
    assert_eq!(
        (json["base"]["from"].as_str(), json["base"]["to"].as_str()),
        (Some("2021-02"), Some("2021-02"))
    );
    assert_eq!(
        (json["base"]["total"].as_u64(), json["current"]["total"].as_u64()),
        (Some(1), Some(5))
    );
    let burglary =
        json["rows"].as_array().unwrap().iter().find(|r| r["crime_type"] == "Burglary").unwrap();
    assert_eq!((burglary["base"].as_u64(), burglary["current"].as_u64()), (Some(1), Some(3)));
}

#[test]
fn human_table_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let args = |command: &'static str| {
        vec![
            command,
            "--input",
            data.to_str().unwrap(),
            "--area",
            "district:Maidstone",
            "--base",
            "2021-01..2021-02",
            "--current",
            "2021-03..2021-04",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>()
    };
    let run = |command| {
        let args = args(command);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        safer(dir.path(), &args)
    };

    let output = run("compare");
    assert_ok(&output);
    let table = stdout(&output);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "Area: district:Maidstone");
    let header = lines.iter().position(|l| l.starts_with("Crime type")).unwrap();
    for column in
        ["Base", "Current", "Change", "% change", "Share of current", "p-value", "Verdict"]
    {
        assert!(lines[header].contains(column), "{}", lines[header]);
    }
    assert!(lines[header + 1].starts_with("Total "), "the total comes first:\n{table}");
    assert!(lines[header + 2].starts_with("Burglary "), "{table}");
    assert!(
        table.contains("Method: two-sided exact conditional Poisson test; significant at p < 0.05"),
        "{table}"
    );

    let output = run("findings");
    assert_ok(&output);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "{text}");
    assert!(lines[..lines.len() - 1].iter().all(|l| l.starts_with("- ")), "{text}");
    assert!(lines[0].starts_with("- Overall crime and anti-social behaviour rose"), "{text}");
    assert!(text.contains("within normal variation"), "{text}");
    let caveat = lines.last().unwrap();
    assert!(caveat.contains("snap points") && caveat.contains("month"), "{caveat}");

    let mut json_args = args("findings");
    json_args.push("--json".to_string());
    let json_args: Vec<&str> = json_args.iter().map(String::as_str).collect();
    let output = safer(dir.path(), &json_args);
    assert_ok(&output);
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let texts: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| format!("- {}", finding["text"].as_str().unwrap()))
        .collect();
    assert_eq!(texts, lines[..lines.len() - 1]);
    assert_eq!(json["area"], "district:Maidstone");
}

fn compare_error(dir: &Path, input: &Path, area: &str, base: &str, current: &str) -> String {
    let output = safer(
        dir,
        &[
            "compare",
            "--input",
            input.to_str().unwrap(),
            "--area",
            area,
            "--base",
            base,
            "--current",
            current,
        ],
    );
    assert_clear_error(&output)
}

#[test]
fn selectors_that_need_geography_or_are_unknown_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let periods = ("2021-01..2021-02", "2021-03..2021-04");
    // Without `safer geo import` there are no lookups, and no database is created to find out.
    for area in ["lad:E07000110", "ward:E05009955"] {
        let err = compare_error(dir.path(), &data, area, periods.0, periods.1);
        assert!(err.contains("lookups") && err.contains("safer geo import"), "{area}: {err}");
    }
    assert!(!dir.path().join("safer-data").exists(), "no database was created");
    let err = compare_error(dir.path(), &data, "polygon:town.geojson", periods.0, periods.1);
    assert!(err.contains("cannot read the polygon file town.geojson"), "{err}");
    let err = compare_error(dir.path(), &data, "lad:Maidstone", periods.0, periods.1);
    assert!(err.contains("invalid district code `Maidstone`"), "{err}");
    let err = compare_error(dir.path(), &data, "Maidstone", periods.0, periods.1);
    assert!(err.contains("unknown area selector `Maidstone`"), "{err}");
    let err = compare_error(dir.path(), &data, "lsoa:E0102", periods.0, periods.1);
    assert!(err.contains("invalid LSOA code `E0102`"), "{err}");
    // District names are case-sensitive; a near miss gets a hint.
    let err = compare_error(dir.path(), &data, "district:maidstone", periods.0, periods.1);
    assert!(err.contains("did you mean district:Maidstone?"), "{err}");
}

#[test]
fn bad_periods_are_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let area = "district:Maidstone";
    let err = compare_error(dir.path(), &data, area, "2021-1..2021-02", "2021-03..2021-04");
    assert_eq!(
        err,
        "error: invalid --base period `2021-1..2021-02`; expected YYYY-MM..YYYY-MM (such as \
         2021-03..2021-12) or a single month YYYY-MM"
    );
    let err = compare_error(dir.path(), &data, area, "2021-01..2021-02", "2021-04..2021-03");
    assert_eq!(err, "error: the --current period `2021-04..2021-03` ends before it starts");
    let err = compare_error(dir.path(), &data, area, "2021-01..2021-03", "2021-03..2021-04");
    assert!(err.contains("overlap"), "{err}");
    let err = compare_error(dir.path(), &data, area, "2021-03..2021-04", "2021-01..2021-02");
    assert!(err.contains("comes after the current period"), "{err}");
}

#[test]
fn months_missing_from_the_inputs_are_an_error_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    std::fs::remove_file(data.join("2021-03/2021-03-kent-street.csv")).unwrap();
    let err = compare_error(
        dir.path(),
        &data,
        "district:Maidstone",
        "2021-01..2021-02",
        "2021-03..2021-04",
    );
    assert!(err.contains("no street file from kent for 2021-03 "), "{err}");
    assert!(err.contains("cannot be counted as zero"), "{err}");
    let err = compare_error(dir.path(), &data, "district:Maidstone", "2020-11..2021-02", "2021-04");
    assert!(err.contains("for 2020-11..2020-12 "), "{err}");
}

#[test]
fn the_same_force_month_given_twice_is_an_error_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let copy = dir.path().join("download-2/2021-02-kent-street.csv");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let original = data.join("2021-02/2021-02-kent-street.csv");
    std::fs::copy(&original, &copy).unwrap();
    let output = safer(
        dir.path(),
        &[
            "compare",
            "--input",
            data.to_str().unwrap(),
            copy.parent().unwrap().to_str().unwrap(),
            "--area",
            "district:Maidstone",
            "--base",
            "2021-01..2021-02",
            "--current",
            "2021-03..2021-04",
        ],
    );
    let err = assert_clear_error(&output);
    assert!(err.contains("given twice"), "{err}");
    assert!(err.contains(&original.display().to_string()), "{err}");
    assert!(err.contains(&copy.display().to_string()), "{err}");

    // The same file reached twice (a folder and a file inside it) is read once.
    let (json, _) = {
        let output = safer(
            dir.path(),
            &[
                "compare",
                "--input",
                data.to_str().unwrap(),
                original.to_str().unwrap(),
                "--area",
                "district:Maidstone",
                "--base",
                "2021-01..2021-02",
                "--current",
                "2021-03..2021-04",
                "--json",
            ],
        );
        assert_ok(&output);
        (serde_json::from_slice::<Value>(&output.stdout).unwrap(), ())
    };
    assert_eq!(json["base"]["total"], 5);
}

#[test]
fn a_named_file_that_is_not_police_uk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let err = compare_error(
        dir.path(),
        &data.join("README.txt"),
        "district:Maidstone",
        "2021-01",
        "2021-02",
    );
    assert!(err.contains("README.txt is not a police.uk file"), "{err}");
    let err = compare_error(
        dir.path(),
        &dir.path().join("absent"),
        "district:Maidstone",
        "2021-01",
        "2021-02",
    );
    assert!(err.contains("cannot read the input"), "{err}");
}

/// Every street file under `dir`, by (force, month) from its name; fails on a duplicate.
fn street_files(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(stem) = name.strip_suffix("-street.csv") {
                if let Some(previous) = found.insert(stem.to_string(), path.clone()) {
                    panic!("{stem} twice: {} and {}", previous.display(), path.display());
                }
            }
        }
    }
    found
}

/// Counts rows by crime type for Maidstone LSOAs in the months `from..=to` with the `csv`
/// crate, reading the `Month` and `LSOA name` columns, independently of our scanner.
fn independent_count(
    files: &BTreeMap<String, PathBuf>,
    from: &str,
    to: &str,
) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for path in files.values() {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (month, lsoa_name, crime_type) =
            (column("Month"), column("LSOA name"), column("Crime type"));
        for record in reader.records() {
            let record = record.unwrap();
            let in_period = (from..=to).contains(&&record[month]);
            if in_period && record[lsoa_name].starts_with("Maidstone ") {
                *counts.entry(record[crime_type].to_string()).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// SciPy's two-sided `binomtest(k, n, p)` p-value for each `(k, n, p)`, or `None` when SciPy
/// is not importable (a failure under CI).
fn scipy_binomtest(cases: &[(u64, u64, f64)]) -> Option<Vec<f64>> {
    let list: Vec<String> = cases.iter().map(|(k, n, p)| format!("({k}, {n}, {p:?})")).collect();
    let script = format!(
        "from scipy.stats import binomtest\n\
         for k, n, p in [{}]:\n    print(repr(float(binomtest(k, n, p).pvalue)))\n",
        list.join(", ")
    );
    let output = Command::new("python3").args(["-c", &script]).output();
    match output {
        Ok(output) if output.status.success() => Some(
            String::from_utf8(output.stdout)
                .unwrap()
                .lines()
                .map(|line| line.parse().unwrap())
                .collect(),
        ),
        other => {
            let why = match other {
                Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
                Err(err) => err.to_string(),
            };
            assert!(std::env::var_os("CI").is_none(), "SciPy is required under CI: {why}");
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping the SciPy check: python3 with scipy is not available ({why})");
            }
            None
        }
    }
}

/// Issue 3, "must show": district:Maidstone, 2021-03..2021-12 against 2022-03..2022-12.
#[test]
fn real_kent_maidstone_matches_an_independent_count_and_scipy() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    // Two download vintages sit side by side (2011 and 2021 LSOAs); no month may be there
    // twice, or it would be counted twice (and `safer compare` would refuse the inputs).
    let files = street_files(&data);
    assert_eq!(files.len(), 23, "{:?}", files.keys().collect::<Vec<_>>());

    let dir = tempfile::tempdir().unwrap();
    let (json, err) = compare_json(
        dir.path(),
        &data,
        "district:Maidstone",
        "2021-03..2021-12",
        "2022-03..2022-12",
    );
    assert!(err.contains("0 bad row(s) left out"), "{err}");
    let base = independent_count(&files, "2021-03", "2021-12");
    let current = independent_count(&files, "2022-03", "2022-12");
    assert_eq!(base.values().sum::<u64>(), json["base"]["total"].as_u64().unwrap());
    assert_eq!(current.values().sum::<u64>(), json["current"]["total"].as_u64().unwrap());
    // Cross-check with PROVENANCE.md's per-file Maidstone counts: 2021-03..12 and 2022-03..12.
    assert_eq!(
        base.values().sum::<u64>(),
        1629 + 1602 + 1634 + 1509 + 1757 + 1748 + 1568 + 1624 + 1485 + 1469
    );
    assert_eq!(
        current.values().sum::<u64>(),
        1679 + 1604 + 1545 + 1442 + 1483 + 1576 + 1498 + 1416 + 1467 + 1407
    );

    let rows = json["rows"].as_array().unwrap();
    let mut crime_types: Vec<&str> =
        rows.iter().map(|row| row["crime_type"].as_str().unwrap()).collect();
    crime_types.sort_unstable();
    let expected_types: Vec<&str> = base
        .keys()
        .chain(current.keys())
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(crime_types, expected_types);
    assert_eq!(crime_types.len(), 14, "the 14 police.uk crime types");
    let mut cases = Vec::new();
    for row in rows {
        let crime_type = row["crime_type"].as_str().unwrap();
        let b = base.get(crime_type).copied().unwrap_or(0);
        let c = current.get(crime_type).copied().unwrap_or(0);
        assert_eq!(row["base"].as_u64(), Some(b), "{crime_type} base");
        assert_eq!(row["current"].as_u64(), Some(c), "{crime_type} current");
        assert_eq!(row["change"].as_i64(), Some(c as i64 - b as i64), "{crime_type} change");
        let significant = row["significant"].as_bool().unwrap();
        assert_eq!(significant, row["p_value"].as_f64().unwrap() < 0.05, "{crime_type}");
        // Equal periods (10 months each): current | n ~ Binomial(n, 1/2).
        cases.push((c, b + c, 0.5));
    }
    let total = &json["total"];
    cases.push((
        total["current"].as_u64().unwrap(),
        total["base"].as_u64().unwrap() + total["current"].as_u64().unwrap(),
        0.5,
    ));
    let Some(reference) = scipy_binomtest(&cases) else { return };
    assert_eq!(reference.len(), cases.len());
    let ours = rows.iter().chain([total]).map(|row| row["p_value"].as_f64().unwrap());
    for ((ours, scipy), (k, n, _)) in ours.zip(&reference).zip(&cases) {
        assert!((ours - scipy).abs() <= 1e-9, "k = {k}, n = {n}: ours {ours}, SciPy {scipy}");
    }
}
