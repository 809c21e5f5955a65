use std::path::Path;
use std::process::{Command, Output};

const PLAN: &str = include_str!("../../../../plans/maidstone-2022-25.toml");
const INDICATORS: &str = include_str!("../../../../plans/maidstone-2022-25-indicators.toml");

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_shipped_file_checks_and_a_broken_one_names_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), INDICATORS).unwrap();
    let output = safer(dir.path(), &["plan", "indicators", "check", "ok.toml"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("12 indicators for plan `maidstone-2022-25`"));

    let broken = INDICATORS
        .replacen("period = \"rolling-6\"", "period = \"rolling-60\"", 1)
        .replacen("[\"Drugs\"]", "[\"Drug\"]", 1);
    std::fs::write(dir.path().join("broken.toml"), broken).unwrap();
    let output = safer(dir.path(), &["plan", "indicators", "check", "broken.toml"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("broken.toml:27:1: indicator.period: period `rolling-60`"), "{stderr}");
    assert!(
        stderr.contains("broken.toml:65:")
            && stderr.contains("`Drug` is not a police.uk crime type"),
        "{stderr}"
    );
}

#[test]
fn import_needs_the_plan_checks_priorities_and_status_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.toml"), PLAN).unwrap();
    std::fs::write(dir.path().join("ind.toml"), INDICATORS).unwrap();
    let output = safer(dir.path(), &["plan", "indicators", "import", "ind.toml"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("no plan `maidstone-2022-25`"),
        "{}",
        text(&output.stderr)
    );

    assert!(safer(dir.path(), &["plan", "import", "plan.toml"]).status.success());
    let wrong = INDICATORS.replacen("priority = \"tackle-asb\"", "priority = \"asb\"", 1);
    std::fs::write(dir.path().join("wrong.toml"), wrong).unwrap();
    let output = safer(dir.path(), &["plan", "indicators", "import", "wrong.toml"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("wrong.toml:39:1: indicator.priority: indicator `asb-incidents` names unknown priority `asb`"),
        "{}",
        text(&output.stderr)
    );

    let output = safer(dir.path(), &["plan", "indicators", "import", "ind.toml"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("Imported 12 indicators"));
    let output = safer(dir.path(), &["plan", "indicators", "import", "ind.toml"]);
    assert!(text(&output.stdout).starts_with("Unchanged"), "{}", text(&output.stdout));

    let output = safer(dir.path(), &["plan", "indicators", "status", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[0]["id"], "town-centre-violence");
    assert_eq!(rows[0]["evaluation"]["rag"], serde_json::Value::Null);
    assert_eq!(rows[0]["evaluation"]["no_data"], "no police.uk months have been imported");
}
