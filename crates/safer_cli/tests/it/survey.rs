//! `safer survey analyse`, `safer survey import` and `safer synth survey`: the shipped
//! definitions, synthetic data analysed end to end, bad definitions and responses named by
//! line, the JSON shape, and waves imported (twice, harmlessly) giving the shipped survey
//! indicator a status.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{failed, ok, safer};

fn surveys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../surveys")
}

fn definition(name: &str) -> String {
    surveys_dir().join(name).to_str().unwrap().to_string()
}

/// `safer synth survey` into `dir`; returns the CSV's path.
fn synth(dir: &Path, definition: &str, respondents: u32, seed: u64, name: &str) -> String {
    let out = dir.join(name).to_str().unwrap().to_string();
    let n = respondents.to_string();
    let seed = seed.to_string();
    ok(&safer(
        dir,
        &[
            "synth",
            "survey",
            "--definition",
            definition,
            "--respondents",
            &n,
            "--seed",
            &seed,
            "--out",
            &out,
        ],
    ));
    out
}

#[test]
fn shipped_definitions_parse_and_analyse() {
    let dir = tempfile::tempdir().unwrap();
    for (name, respondents) in [("public-2021.toml", 1241), ("youth-2021.toml", 2000)] {
        let definition = definition(name);
        let source = std::fs::read_to_string(&definition).unwrap();
        let parsed = safer_domain::survey::parse_definition(&source)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(parsed.survey.min_base, 50, "{name}");
        assert!(parsed.variables.iter().any(|v| v.id == "ethnicity"), "{name}");

        let responses = synth(dir.path(), &definition, respondents, 2021, "responses.csv");
        let text = ok(&safer(
            dir.path(),
            &["survey", "analyse", "--definition", &definition, "--responses", &responses],
        ));
        assert!(text.contains(&format!("{respondents} respondents")), "{text}");
        assert!(text.contains("Minority ethnic"), "{text}");
        assert!(text.contains("95 % Wilson intervals"), "{text}");
    }
    let youth = std::fs::read_to_string(surveys_dir().join("youth-2021.toml")).unwrap();
    assert!(youth.contains("years-6-7"));
}

#[test]
fn synth_is_seeded_and_analyse_compares_years() {
    let dir = tempfile::tempdir().unwrap();
    let definition = definition("public-2021.toml");
    let a = synth(dir.path(), &definition, 600, 5, "a.csv");
    let b = synth(dir.path(), &definition, 600, 5, "b.csv");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let previous = synth(dir.path(), &definition, 500, 6, "previous.csv");

    let text = ok(&safer(
        dir.path(),
        &[
            "survey",
            "analyse",
            "--definition",
            &definition,
            "--responses",
            &a,
            "--previous",
            &previous,
        ],
    ));
    assert!(text.contains("weighted: design effect"), "{text}");
    assert!(text.contains("previous: "), "{text}");
    // A change is a rise or a fall only when significant.
    for line in text.lines().filter(|l| l.contains("previous: ")) {
        let p: f64 = line
            .split("p = ")
            .nth(1)
            .map(|rest| rest.split(':').next().unwrap().parse().unwrap())
            .unwrap_or(0.0);
        if line.contains("a significant rise") || line.contains("a significant fall") {
            assert!(p < 0.05, "{line}");
        } else {
            assert!(line.contains("no significant change") && p >= 0.05, "{line}");
        }
    }
    assert!(text.contains("Which three issues most need tackling"), "{text}");

    // A high minimum base suppresses everything: no share is printed.
    let suppressed = ok(&safer(
        dir.path(),
        &["survey", "analyse", "--definition", &definition, "--responses", &a, "--min-base", "700"],
    ));
    assert!(suppressed.contains("suppressed (base"), "{suppressed}");
    assert!(!suppressed.contains("points"), "{suppressed}");
}

const SMALL: &str = r#"format = 1

[survey]
id = "small"
title = "Small"
year = 2022
weight_column = "weight"
min_base = 2

[[questions]]
id = "safe"
text = "Do you feel safe?"
kind = "single"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]
positive = ["yes"]
"#;

#[test]
fn bad_definition_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, SMALL.replace(r#"positive = ["yes"]"#, r#"positive = ["yes", "maybe"]"#))
        .unwrap();
    let stderr = failed(&safer(
        dir.path(),
        &["survey", "analyse", "--definition", path.to_str().unwrap(), "--responses", "x.csv"],
    ));
    assert!(stderr.contains("bad.toml:15:"), "{stderr}");
    assert!(stderr.contains("unknown option `maybe`"), "{stderr}");
}

#[test]
fn bad_responses_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let definition = dir.path().join("small.toml");
    std::fs::write(&definition, SMALL).unwrap();
    let run = |csv: &str| {
        let responses = dir.path().join("responses.csv");
        std::fs::write(&responses, csv).unwrap();
        safer(
            dir.path(),
            &[
                "survey",
                "analyse",
                "--definition",
                definition.to_str().unwrap(),
                "--responses",
                responses.to_str().unwrap(),
            ],
        )
    };

    let unknown = failed(&run("safe,weight\nyes,1\nperhaps,1\n"));
    assert!(
        unknown.contains("responses.csv: line 3, column safe: unknown option `perhaps`"),
        "{unknown}"
    );
    let zero = failed(&run("safe,weight\nyes,1\nno,0\nyes,-1.5\n"));
    assert!(zero.contains("2 problems in 2 rows"), "{zero}");
    assert!(zero.contains("line 3, column weight: weight `0` must be"), "{zero}");
    assert!(zero.contains("line 4, column weight: weight `-1.5` must be"), "{zero}");
    let missing = failed(&run("weight\n1\n"));
    assert!(missing.contains("line 1: no `safe` column"), "{missing}");

    let fine = ok(&run("safe,weight\nyes,1\nno,2\n"));
    assert!(fine.contains("33.3 %"), "{fine}");
}

/// Every key path in a JSON value, arrays written `[]`.
fn key_paths(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                out.insert(path.clone());
                key_paths(child, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn json_shape_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let definition = definition("public-2021.toml");
    let current = synth(dir.path(), &definition, 800, 11, "current.csv");
    let previous = synth(dir.path(), &definition, 800, 12, "previous.csv");
    let json = ok(&safer(
        dir.path(),
        &[
            "survey",
            "analyse",
            "--definition",
            &definition,
            "--responses",
            &current,
            "--previous",
            &previous,
            "--json",
        ],
    ));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut paths = BTreeSet::new();
    key_paths(&value, "", &mut paths);
    let estimate =
        ["status", "base", "count", "share", "low", "high", "n_eff", "deff"].map(String::from);
    let difference = ["difference", "low", "high", "z", "p_value", "verdict"].map(String::from);
    let mut expected: BTreeSet<String> = [
        "survey",
        "title",
        "year",
        "min_base",
        "weighted",
        "respondents",
        "respondents.n",
        "respondents.sum_weights",
        "respondents.n_eff",
        "respondents.deff",
        "previous",
        "previous.survey",
        "previous.respondents",
        "questions",
        "questions[].id",
        "questions[].text",
        "questions[].positive_label",
        "questions[].estimate",
        "questions[].change",
        "questions[].change.previous_id",
        "questions[].change.previous",
        "questions[].change.difference",
        "questions[].subgroups",
        "questions[].subgroups[].variable",
        "questions[].subgroups[].group",
        "questions[].subgroups[].group.id",
        "questions[].subgroups[].group.label",
        "questions[].subgroups[].group.estimate",
        "questions[].subgroups[].against",
        "questions[].subgroups[].against.id",
        "questions[].subgroups[].against.label",
        "questions[].subgroups[].against.estimate",
        "questions[].subgroups[].difference",
        "top_issues",
        "top_issues[].id",
        "top_issues[].text",
        "top_issues[].base",
        "top_issues[].options",
        "top_issues[].options[].id",
        "top_issues[].options[].label",
        "top_issues[].options[].estimate",
    ]
    .map(String::from)
    .into_iter()
    .collect();
    for prefix in [
        "questions[].estimate",
        "questions[].change.previous",
        "questions[].subgroups[].group.estimate",
        "questions[].subgroups[].against.estimate",
        "top_issues[].options[].estimate",
    ] {
        expected.extend(estimate.iter().map(|key| format!("{prefix}.{key}")));
    }
    for prefix in ["questions[].change.difference", "questions[].subgroups[].difference"] {
        expected.extend(difference.iter().map(|key| format!("{prefix}.{key}")));
    }
    assert_eq!(paths, expected);
    assert_eq!(value["questions"][0]["estimate"]["status"], "reported");
    let verdict = value["questions"][0]["change"]["difference"]["verdict"].as_str().unwrap();
    assert!(["higher", "lower", "no_significant_difference"].contains(&verdict), "{verdict}");
}

const PLAN: &str = include_str!("../../../../plans/maidstone-2022-25.toml");
const INDICATORS: &str = include_str!("../../../../plans/maidstone-2022-25-indicators.toml");

/// The `town-centre-night` estimate of `safer survey analyse --json`: (share 0–1, n_eff).
fn town_centre_night(dir: &Path, definition: &str, responses: &str) -> (f64, f64) {
    let json = ok(&safer(
        dir,
        &["survey", "analyse", "--definition", definition, "--responses", responses, "--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let question = report["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "town-centre-night")
        .unwrap()
        .clone();
    let estimate = &question["estimate"];
    (estimate["share"].as_f64().unwrap(), estimate["n_eff"].as_f64().unwrap())
}

fn import_wave(dir: &Path, definition: &str, responses: &str, wave: &str) -> String {
    ok(&safer(
        dir,
        &["survey", "import", "--definition", definition, "--responses", responses, "--wave", wave],
    ))
}

#[test]
fn survey_waves_import_twice_harmlessly_and_give_the_plan_indicator_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let definition = definition("public-2021.toml");
    let wave_2021 = synth(dir.path(), &definition, 1200, 2021, "wave-2021.csv");
    let wave_2022 = synth(dir.path(), &definition, 1150, 2122, "wave-2022.csv");
    std::fs::write(path("plan.toml"), PLAN).unwrap();
    std::fs::write(path("indicators.toml"), INDICATORS).unwrap();
    ok(&safer(dir.path(), &["plan", "import", &path("plan.toml")]));
    ok(&safer(dir.path(), &["plan", "indicators", "import", &path("indicators.toml")]));

    let status = |dir: &Path| -> serde_json::Value {
        let json = ok(&safer(dir, &["plan", "indicators", "status", "--json"]));
        let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == "town-centre-feel-safe-night-survey")
            .expect("the shipped survey indicator")
            .clone()
    };
    let before = status(dir.path());
    assert_eq!(before["priority"], "safe-town-centre");
    assert_eq!(before["evaluation"]["rag"], serde_json::Value::Null);
    assert_eq!(
        before["evaluation"]["no_data"],
        "no waves of survey `public-2021` have been imported; import them with `safer survey import`"
    );

    let first = import_wave(dir.path(), &definition, &wave_2021, "2021");
    assert!(
        first.starts_with("Imported wave 2021 of survey `public-2021`: 1200 respondents"),
        "{first}"
    );
    let one = status(dir.path());
    assert_eq!(one["evaluation"]["no_data"], "only one wave; nothing to compare with", "{one}");

    let second = import_wave(dir.path(), &definition, &wave_2022, "2022");
    assert!(second.starts_with("Imported wave 2022"), "{second}");
    let after_two = status(dir.path());
    let again = import_wave(dir.path(), &definition, &wave_2022, "2022");
    assert!(again.starts_with("Replaced wave 2022"), "{again}");
    let row = status(dir.path());
    assert_eq!(row, after_two, "re-importing a wave changes nothing");

    // The values are the analysis' own shares, and the test is on its effective bases.
    let (p_2021, n_2021) = town_centre_night(dir.path(), &definition, &wave_2021);
    let (p_2022, n_2022) = town_centre_night(dir.path(), &definition, &wave_2022);
    let evaluation = &row["evaluation"];
    assert_eq!(evaluation["unit"], "percent", "{row}");
    assert_eq!(evaluation["base"][0], "2021", "{row}");
    assert_eq!(evaluation["current"][0], "2022", "{row}");
    assert!((evaluation["base"][1].as_f64().unwrap() - 100.0 * p_2021).abs() < 1e-9, "{row}");
    assert!((evaluation["current"][1].as_f64().unwrap() - 100.0 * p_2022).abs() < 1e-9, "{row}");
    let rag = evaluation["rag"].as_str().expect("a status");
    assert!(["green", "amber", "red"].contains(&rag), "{row}");
    let expected = safer_analytics::survey::two_proportion_z_test(p_2022, n_2022, p_2021, n_2021);
    let p = evaluation["outcome"]["p_value"].as_f64().expect("bases large enough to test");
    assert!((p - expected.p_value).abs() < 1e-9, "{p} vs {}", expected.p_value);
    let expected_rag = if p_2022 > p_2021 {
        "green"
    } else if p < 0.05 {
        "red"
    } else {
        "amber"
    };
    assert_eq!(rag, expected_rag, "{row}");
}

#[test]
fn survey_import_refuses_a_file_with_bad_rows_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let definition = dir.path().join("small.toml");
    std::fs::write(&definition, SMALL).unwrap();
    let definition = definition.to_str().unwrap();
    let responses = dir.path().join("responses.csv");
    let responses_path = responses.to_str().unwrap();

    std::fs::write(&responses, "safe,weight\nyes,1\nperhaps,1\n").unwrap();
    let stderr = failed(&safer(
        dir.path(),
        &[
            "survey",
            "import",
            "--definition",
            definition,
            "--responses",
            responses_path,
            "--wave",
            "2022",
        ],
    ));
    assert!(
        stderr.contains("responses.csv: line 3, column safe: unknown option `perhaps`"),
        "{stderr}"
    );
    let stderr = failed(&safer(
        dir.path(),
        &[
            "survey",
            "import",
            "--definition",
            definition,
            "--responses",
            responses_path,
            "--wave",
            " ",
        ],
    ));
    assert!(stderr.contains("is not a wave label"), "{stderr}");

    // Nothing was stored by the refused import: the clean file's wave is new, not a replacement.
    std::fs::write(&responses, "safe,weight\nyes,1\nno,2\n").unwrap();
    let text = import_wave(dir.path(), definition, responses_path, "2022");
    assert!(text.starts_with("Imported wave 2022 of survey `small`: 2 respondents"), "{text}");
}
