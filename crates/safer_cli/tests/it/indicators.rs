//! `safer import indicators`: the shipped Maidstone example, a re-import that changes nothing,
//! a changed value, a broken file with line-numbered errors, and `--strict`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use safer_storage::Store;

const HEADER: &str = "indicator,area,period_start,period_end,value,unit,source,notes";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/partner-indicators-maidstone.csv")
}

/// Runs `safer` in `dir` with an SQLite database there and no ambient configuration.
fn safer(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .arg("--database-url")
        .arg(sqlite_url(dir))
        .args(args)
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run safer")
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("safer.db").display())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every stored indicator for Maidstone as `indicator start..end value unit line`.
async fn stored(dir: &Path) -> Vec<String> {
    let store = Store::connect(&sqlite_url(dir)).await.unwrap();
    let rows = store
        .partner_indicators_for_area("district:Maidstone", "0000-01-01", "9999-12-31")
        .await
        .unwrap();
    store.close().await;
    rows.into_iter()
        .map(|i| {
            format!(
                "{} {}..{} {} {} {}",
                i.indicator, i.period_start, i.period_end, i.value, i.unit, i.source_line
            )
        })
        .collect()
}

#[tokio::test]
async fn the_example_imports_and_importing_it_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = example();
    let file = file.to_str().unwrap();
    let first = safer(dir.path(), &["import", "indicators", file]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first), format!("{file}: 17 new, 0 updated, 0 unchanged, 0 bad rows\n"));
    assert_eq!(stderr(&first), "");
    let rows = stored(dir.path()).await;
    assert_eq!(rows.len(), 17);
    for expected in [
        "cpw-issued 2021-01-01..2021-12-31 86 count 2",
        "marac-cases 2021-01-01..2021-12-31 220 count 3",
        "section-136-uses 2021-01-01..2021-12-31 89 count 4",
        "hate-crimes 2020-12-01..2021-11-30 521 count 6",
    ] {
        assert!(rows.contains(&expected.to_string()), "{expected} in {rows:#?}");
    }

    let again = safer(dir.path(), &["import", "indicators", file]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), format!("{file}: 0 new, 0 updated, 17 unchanged, 0 bad rows\n"));
    assert_eq!(stored(dir.path()).await, rows);

    // A corrected figure updates its row and nothing else.
    let text = std::fs::read_to_string(example()).unwrap();
    let changed = text.replacen(",220,count,", ",221,count,", 1);
    assert_ne!(changed, text);
    std::fs::write(dir.path().join("changed.csv"), changed).unwrap();
    let update = safer(dir.path(), &["import", "indicators", "changed.csv"]);
    assert!(update.status.success(), "{}", stderr(&update));
    assert_eq!(stdout(&update), "changed.csv: 0 new, 1 updated, 16 unchanged, 0 bad rows\n");
    let after = stored(dir.path()).await;
    assert!(after.contains(&"marac-cases 2021-01-01..2021-12-31 221 count 3".to_string()));
    assert_eq!(after.iter().filter(|row| !rows.contains(row)).count(), 1);
}

#[tokio::test]
async fn a_broken_file_reports_every_bad_row_by_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!(
        "{HEADER}\n\
         marac-cases,district:Maidstone,2021-01-01,2021-12-31,220,count,Plan,\n\
         section-136-uses,district:Maidstone,2021-13-01,2021-12-31,89,count,Plan,\n\
         cpw-issued,district:Maidstone,2021-01-01,2021-12-31,86,cases,Plan,\n\
         needles-found,district:Maidstone,2021-01-01,2021-12-31,-3,count,Plan,\n\
         hate-crime-race,district:Maidstone,2020-12-01\n\
         marac-cases,district:Maidstone,2021-01-01,2021-12-31,221,count,\"Plan, again\",\n\
         hate-crimes,district:Maidstone,2020-12-01,2021-11-30,521,count,Plan,\"quoted, with comma\"\n"
    );
    std::fs::write(dir.path().join("broken.csv"), broken).unwrap();

    let strict = safer(dir.path(), &["import", "indicators", "broken.csv", "--strict"]);
    assert!(!strict.status.success());
    let expected_errors = "\
broken.csv:3: period_start: `2021-13-01` is not a date; expected YYYY-MM-DD
broken.csv:4: unit: unknown unit `cases`; expected one of count, percent, rate-per-1000, days, gbp
broken.csv:5: value: a count cannot be negative: -3
broken.csv:6: period_end: missing column: the row has 3 fields, expected 8
broken.csv:7: row: duplicate of line 2: same indicator, area, period_start and period_end
";
    assert_eq!(
        stderr(&strict),
        format!("{expected_errors}error: --strict: broken.csv: 5 bad rows; nothing was imported\n")
    );
    assert_eq!(stdout(&strict), "");
    // Nothing was written: the database was not even opened.
    assert!(!dir.path().join("safer.db").exists());

    let lenient = safer(dir.path(), &["import", "indicators", "broken.csv"]);
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert_eq!(stderr(&lenient), expected_errors);
    assert_eq!(stdout(&lenient), "broken.csv: 2 new, 0 updated, 0 unchanged, 5 bad rows\n");
    assert_eq!(
        stored(dir.path()).await,
        [
            "hate-crimes 2020-12-01..2021-11-30 521 count 8",
            "marac-cases 2021-01-01..2021-12-31 220 count 2",
        ]
    );
}

#[test]
fn a_wrong_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wrong.csv"), "indicator,area,value\nx,y,1\n").unwrap();
    let output = safer(dir.path(), &["import", "indicators", "wrong.csv"]);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "error: wrong.csv: wrong header: expected `{HEADER}`, found `indicator,area,value`\n"
        )
    );
}

#[test]
fn compare_and_findings_show_the_indicators_of_the_area_and_periods() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = safer(dir.path(), args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    run(&[
        "synth",
        "police-uk",
        "--force",
        "kent",
        "--months",
        "24",
        "--rows-per-month",
        "100",
        "--start",
        "2019-04",
        "--out",
        "data",
    ]);
    run(&["import", "police-uk", "data"]);
    // Synthetic figures for the synthetic district: one fall the test can see, one it cannot,
    // a percentage (shown, not tested), a period straddling both (left out) and another area.
    let area = "district:Kent Common";
    let csv = format!(
        "{HEADER}\n\
         marac-cases,{area},2019-04-01,2020-03-31,268,count,test,\n\
         marac-cases,{area},2020-04-01,2021-03-31,220,count,test,\n\
         youth-offences,{area},2019-04-01,2020-03-31,87,count,test,\n\
         youth-offences,{area},2020-04-01,2021-03-31,74,count,test,\n\
         feel-safe-night,{area},2019-04-01,2020-03-31,41,percent,test,\n\
         feel-safe-night,{area},2020-04-01,2021-03-31,38,percent,test,\n\
         cpw-issued,{area},2019-10-01,2020-09-30,86,count,test,\n\
         marac-cases,district:Elsewhere,2020-04-01,2021-03-31,1,count,test,\n"
    );
    std::fs::write(dir.path().join("indicators.csv"), csv).unwrap();
    run(&["import", "indicators", "indicators.csv"]);

    // p-values as SciPy's binomtest(220, 488) and binomtest(74, 161) give them.
    let periods = ["--area", area, "--base", "2019-04..2020-03", "--current", "2020-04..2021-03"];
    let table = run(&[&["compare"], &periods[..]].concat());
    let (_, indicators) = table.split_once("\nPartner indicators").expect(&table);
    let lines: Vec<&str> = indicators.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "Partner indicator  Unit     Base  Current        Change  p-value  Verdict",
            "feel-safe-night    percent    41       38            -3      n/a  not tested",
            "marac-cases        count     268      220  -48 (-17.9%)    0.033  fall",
            "youth-offences     count      87       74  -13 (-14.9%)    0.344  no clear change",
            "Counts are tested with the same exact test, weighted by the months (or days) each \
             figure covers; other units are shown, not tested.",
        ],
        "{table}"
    );

    let findings = run(&[&["findings"], &periods[..]].concat());
    let bullets: Vec<&str> = findings.lines().filter(|l| l.contains("partner indicator")).collect();
    assert_eq!(
        bullets,
        [
            "- marac-cases (partner indicator) decreased by 17.9% (from 268 to 220)",
            "- youth-offences (partner indicator) fell 14.9% (from 87 to 74) — within normal \
             variation",
        ],
        "{findings}"
    );

    // The JSON carries them too, with the same test.
    let json = run(&[&["compare"], &periods[..], &["--json"]].concat());
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let marac = json["partner_indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"] == "marac-cases")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!((marac["base"].as_f64(), marac["current"].as_f64()), (Some(268.0), Some(220.0)));
    assert_eq!(marac["verdict"], "fall");
    assert!((marac["p_value"].as_f64().unwrap() - 0.033).abs() < 0.0005, "{marac}");
}
