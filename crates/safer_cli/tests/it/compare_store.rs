//! `safer compare` and `safer findings` without `--input`: the same answer from the database as
//! from the files it was imported from (issue 3, "one engine, two sources").

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use safer_test_utils::TestDb;
use serde_json::Value;

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
fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "safer failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every street file under `dir`, sorted.
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

const AREA: &str = "district:Maidstone";
const BASE: &str = "2021-03..2021-12";
const CURRENT: &str = "2022-03..2022-12";

/// `safer COMMAND --json` for the comparison, from `--input data` when `data` is given
/// and from the database otherwise; the parsed JSON and standard error.
fn run_json(dir: &Path, url: &str, command: &str, data: Option<&Path>) -> (Value, String) {
    let mut args = vec![command];
    if let Some(data) = data {
        args.extend(["--input", data.to_str().unwrap()]);
    }
    args.extend(["--area", AREA, "--base", BASE, "--current", CURRENT, "--json"]);
    let output = safer(dir, url, &args);
    assert_ok(&output);
    (serde_json::from_slice(&output.stdout).expect("stdout is JSON"), stderr(&output))
}

/// Imports the real street files into the database at `url` with the binary, then requires
/// `compare` and `findings` to print the same JSON from the database as from the files.
fn same_answer_from_the_database(dir: &Path, url: &str, data: &Path, label: &str) {
    let files = street_files(data);
    assert_eq!(files.len(), 23, "{label}: the 23 real Kent street files");
    let mut args = vec!["import", "police-uk"];
    args.extend(files.iter().map(|path| path.to_str().unwrap()));
    assert_ok(&safer(dir, url, &args));

    for command in ["compare", "findings"] {
        let (from_files, _) = run_json(dir, url, command, Some(data));
        let (from_store, err) = run_json(dir, url, command, None);
        assert_eq!(from_store, from_files, "{label}: {command} differs between the two sources");
        assert!(
            err.contains("read 20 imported street month(s) of the two periods from the database")
                && err.contains("0 bad row(s) left out when imported"),
            "{label}: {err}"
        );
    }
    let (json, _) = run_json(dir, url, "compare", None);
    assert_eq!(json["base"]["total"], 16_025, "{label}");
    assert_eq!(json["current"]["total"], 15_117, "{label}");

    // The missing-months rule holds for the database too.
    let output = safer(
        dir,
        url,
        &["compare", "--area", AREA, "--base", "2020-03..2020-12", "--current", CURRENT],
    );
    assert_eq!(output.status.code(), Some(2), "{label}: {}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("the database has no street data from kent for 2020-03..2020-12 ")
            && err.contains("cannot be counted as zero"),
        "{label}: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn real_kent_maidstone_is_the_same_from_the_database_as_from_the_files() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("safer.db").display());
    same_answer_from_the_database(dir.path(), &sqlite, &data, "sqlite");

    // A fresh schema of its own, dropped when `db` is.
    if let Some(db) = TestDb::postgres().await {
        let url = db.url();
        same_answer_from_the_database(dir.path(), &url, &data, "postgres");
        assert!(!db.store.police_uk_street_months().await.unwrap().is_empty());
    }
}

const STREET_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

/// One street row: (LSOA code, LSOA name, crime type); an empty code is a row with no location.
type Row<'a> = (&'a str, &'a str, &'a str);

/// A street file for `month` with `rows`.
fn street_csv(month: &str, rows: &[Row<'_>]) -> String {
    let mut text = format!("{STREET_HEADER}\r\n");
    for (idx, &(code, name, crime_type)) in rows.iter().enumerate() {
        let crime_id = if crime_type == "Anti-social behaviour" {
            String::new()
        } else {
            format!("id{idx:060}")
        };
        let (lon, lat, location) =
            if code.is_empty() { ("", "", "No Location") } else { ("0.5", "51.2", "On or near X") };
        text.push_str(&format!(
            "{crime_id},{month},Kent Police,Kent Police,{lon},{lat},{location},{code},{name},\
             {crime_type},,\r\n"
        ));
    }
    text
}

/// Small files in the police.uk layout with rows a careless area filter would take.
fn synthetic_folder(root: &Path) -> PathBuf {
    let data = root.join("data");
    let a = ("E01024403", "Maidstone 001A", "Burglary");
    let b = ("E01024404", "Maidstone 002B", "Anti-social behaviour");
    let wells = ("E01024500", "Tunbridge Wells 001A", "Drugs");
    let borough = ("E01024999", "Maidstone Borough", "Drugs");
    let months: [(&str, Vec<Row<'_>>); 4] = [
        ("2021-01", vec![a, a, b, wells, borough, ("", "", "Burglary")]),
        ("2021-02", vec![a, b, ("E01016001", "Medway 001A", "Robbery")]),
        ("2021-03", vec![a, a, a, wells, ("E01034991", "Maidstone 004H", "Vehicle crime")]),
        ("2021-04", vec![b, wells, wells]),
    ];
    for (month, rows) in months {
        let path = data.join(month).join(format!("{month}-kent-street.csv"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, street_csv(month, &rows)).unwrap();
    }
    data
}

#[test]
fn synthetic_files_give_the_same_answers_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic_folder(dir.path());
    let url = format!("sqlite://{}", dir.path().join("safer.db").display());
    let run = |args: &[&str]| safer(dir.path(), &url, args);

    // An empty database says so, and how to fill it.
    let args = ["--area", AREA, "--base", "2021-01..2021-02", "--current", "2021-03..2021-04"];
    let output = run(&[&["compare"][..], &args[..]].concat());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("the database holds no street data"), "{err}");
    assert!(err.contains("safer import police-uk"), "{err}");

    assert_ok(&run(&["import", "police-uk", data.to_str().unwrap()]));
    for area in ["district:Maidstone", "district:Tunbridge Wells", "lsoa:E01024403,E01034991"] {
        for (base, current) in [("2021-01..2021-02", "2021-03..2021-04"), ("2021-01", "2021-04")] {
            for command in ["compare", "findings"] {
                let json = |input: &[&str]| {
                    let mut args = vec![command];
                    args.extend(input);
                    args.extend(["--area", area, "--base", base, "--current", current, "--json"]);
                    let output = run(&args);
                    assert_ok(&output);
                    serde_json::from_slice::<Value>(&output.stdout).unwrap()
                };
                let files_json = json(&["--input", data.to_str().unwrap()]);
                let store_json = json(&[]);
                assert_eq!(store_json, files_json, "{command} {area} {base} {current}");
            }
        }
    }

    // `district:Tunbridge` is not a prefix match of Tunbridge Wells; a wrong case gets a hint.
    let output = run(&[
        "compare",
        "--area",
        "district:Tunbridge",
        "--base",
        "2021-01",
        "--current",
        "2021-03",
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("no rows in the database's street data"), "{err}");
    let output = run(&[
        "compare",
        "--area",
        "district:maidstone",
        "--base",
        "2021-01",
        "--current",
        "2021-03",
    ]);
    let err = stderr(&output);
    assert!(err.contains("did you mean district:Maidstone?"), "{err}");
}
