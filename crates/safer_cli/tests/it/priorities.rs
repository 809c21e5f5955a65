//! `safer priorities`: the shipped Maidstone matrix on the real Kent files, and bad matrices.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{failed, ok, safer};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const BASE: &str = "2021-03..2021-12";
const CURRENT: &str = "2022-03..2022-12";

/// The issue's "must show": a ranked list whose volume figures are `safer compare`'s.
#[test]
fn shipped_matrix_ranks_maidstone_with_compare_figures() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let matrix = workspace().join("plans/maidstone-priority-matrix.toml");
    let survey = workspace().join("plans/maidstone-survey-2021-top-issues.json");
    let data = data.to_str().unwrap();
    let report: Value = serde_json::from_str(&ok(&safer(
        dir.path(),
        &[
            "priorities",
            "--matrix",
            matrix.to_str().unwrap(),
            "--input",
            data,
            "--base",
            BASE,
            "--current",
            CURRENT,
            "--survey-results",
            survey.to_str().unwrap(),
            "--json",
        ],
    )))
    .unwrap();
    let compare: Value = serde_json::from_str(&ok(&safer(
        dir.path(),
        &[
            "compare",
            "--input",
            data,
            "--area",
            "district:Maidstone",
            "--base",
            BASE,
            "--current",
            CURRENT,
            "--json",
        ],
    )))
    .unwrap();
    let counts = |period: &str, crime_type: &str| -> u64 {
        compare["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["crime_type"] == crime_type)
            .map_or(0, |row| row[period].as_u64().unwrap())
    };

    let ranking = report["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), 8);
    let mut n_bound = 0;
    let mut previous = f64::INFINITY;
    for (idx, issue) in ranking.iter().enumerate() {
        assert_eq!(issue["rank"].as_u64(), Some(idx as u64 + 1));
        let total = issue["total"].as_f64().unwrap();
        assert!((1.0..=5.0).contains(&total) && total <= previous, "{issue}");
        previous = total;
        let scores = issue["scores"].as_array().unwrap();
        assert_eq!(scores.len(), 6);
        for score in scores {
            assert!(!score["evidence"].as_str().unwrap().is_empty(), "{score}");
            assert_ne!(score["source"], "missing", "{score}");
        }
        if issue["crime"].is_null() {
            continue;
        }
        n_bound += 1;
        let crime = &issue["crime"];
        let types: Vec<&str> =
            crime["crime_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        let current: u64 = types.iter().map(|t| counts("current", t)).sum();
        let base: u64 = types.iter().map(|t| counts("base", t)).sum();
        assert_eq!(crime["current"].as_u64(), Some(current), "{}", issue["id"]);
        assert_eq!(crime["base"].as_u64(), Some(base), "{}", issue["id"]);
        let volume = scores.iter().find(|s| s["criterion"] == "volume").unwrap();
        if volume["source"] == "evidence" {
            assert_eq!(volume["value"].as_f64(), Some(current as f64));
        }
    }
    assert_eq!(n_bound, 5);
    // A single crime type's figures are exactly compare's row.
    let asb = ranking.iter().find(|i| i["id"] == "anti-social-behaviour").unwrap();
    let row = compare["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["crime_type"] == "Anti-social behaviour")
        .unwrap();
    assert_eq!(asb["crime"]["p_value"], row["p_value"]);
    assert_eq!(asb["crime"]["change_pct"], row["change_pct"]);

    let sensitivity = &report["sensitivity"];
    assert_eq!(sensitivity["top"].as_array().unwrap().len(), 4);
    assert_eq!(sensitivity["moves"].as_array().unwrap().len(), 12);
}

fn check_bad(matrix: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix.toml");
    std::fs::write(&path, matrix).unwrap();
    let stderr = failed(&safer(
        dir.path(),
        &["priorities", "--matrix", path.to_str().unwrap(), "--base", BASE, "--current", CURRENT],
    ));
    for text in expect {
        assert!(stderr.contains(text), "{text:?} not in {stderr}");
    }
}

const GOOD: &str = r#"format = 1

[matrix]
id = "bad"
title = "Bad"
area = "district:Maidstone"

[weights]
harm = 1
volume = 1
trend = 1
public_concern = 0
vulnerability = 1
partnership_capacity = 0

[[issues]]
id = "violence"
title = "Violence"
crime_types = ["Violence and sexual offences"]

  [issues.manual.vulnerability]
  score = 4
  justification = "Most victims know the offender."
"#;

#[test]
fn bad_matrix_files_name_the_line() {
    check_bad(
        &GOOD.replace("trend = 1\n", "trend = 1\nfear = 2\n"),
        &["matrix.toml:12:1: weights.fear: unknown criterion `fear`", "1 problem"],
    );
    let zero = GOOD.replace("= 1\n", "= 0\n");
    check_bad(
        &zero,
        &["matrix.toml:8:1: weights: the weights sum to 0; they must sum to a positive number"],
    );
    check_bad(
        &GOOD.replace("harm = 1", "harm = -3"),
        &["matrix.toml:9:8: weights.harm: the weight of harm must be a finite number ≥ 0"],
    );
    check_bad(
        &GOOD.replace("  justification = \"Most victims know the offender.\"\n", ""),
        &["matrix.toml:21:18: issues.manual.vulnerability: manual vulnerability score has no \
           `justification`"],
    );
    check_bad(
        &GOOD.replace("score = 4", "score = 0"),
        &["matrix.toml:22:11: issues.manual.vulnerability.score: the score must be a whole number \
           from 1 to 5, not 0"],
    );
    let twice = format!("{GOOD}\n{}", &GOOD[GOOD.find("[[issues]]").unwrap()..]);
    check_bad(&twice, &["duplicate issue id `violence` (first used on line 16)"]);
}
