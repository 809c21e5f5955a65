use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use safer_import::police_uk::{scan_street_files, STREET_HEADER};

fn synth(dir: &Path, force: &str, seed: &str, out: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .args(["synth", "police-uk", "--force", force, "--months", "3"])
        .args(["--rows-per-month", "2000", "--seed", seed, "--start", "2022-11", "--out", out])
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .output()
        .expect("run safer")
}

#[track_caller]
fn assert_ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "safer failed:\n{stdout}\n{stderr}");
    stdout
}

fn files(out: &Path) -> Vec<PathBuf> {
    ["2022-11", "2022-12", "2023-01"]
        .iter()
        .map(|month| out.join(month).join(format!("{month}-kent-street.csv")))
        .collect()
}

#[test]
fn synth_police_uk_writes_monthly_street_files_our_scanner_reads_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = assert_ok(&synth(dir.path(), "kent", "5", "a"));
    assert!(stdout.contains("3 files, 6000 rows"), "{stdout}");
    let paths = files(&dir.path().join("a"));
    for (path, month) in paths.iter().zip(["2022-11", "2022-12", "2023-01"]) {
        let line = format!(
            "wrote {}: ",
            Path::new("a").join(month).join(format!("{month}-kent-street.csv")).display()
        );
        assert!(stdout.contains(&line), "{stdout}");
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.starts_with(format!("{STREET_HEADER}\r\n").as_bytes()));
    }
    let names: Vec<String> = paths.iter().map(|p| p.to_str().unwrap().to_string()).collect();
    let batch = scan_street_files(&names, 0, |name: &String| std::fs::read(name));
    assert_eq!(batch.failures().count(), 0);
    assert_eq!(batch.n_row_errors(), 0);
    assert_eq!(batch.columns.len(), 6000);
    assert!(batch.reports().all(|report| report.warnings.is_empty()));
}

#[test]
fn synth_police_uk_same_seed_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    assert_ok(&synth(dir.path(), "kent", "9", "a"));
    assert_ok(&synth(dir.path(), "kent", "9", "b"));
    assert_ok(&synth(dir.path(), "kent", "10", "c"));
    let read = |out: &str| -> Vec<Vec<u8>> {
        files(&dir.path().join(out)).iter().map(|p| std::fs::read(p).unwrap()).collect()
    };
    let (a, b, c) = (read("a"), read("b"), read("c"));
    assert!(a == b, "the same seed gave different files");
    for (a, c) in a.iter().zip(&c) {
        assert_ne!(a, c, "different seeds gave the same file");
    }
}

#[test]
fn synth_police_uk_rejects_a_force_that_is_not_a_slug() {
    let dir = tempfile::tempdir().unwrap();
    let output = synth(dir.path(), "Kent Police", "1", "a");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: force `Kent Police` is not a slug"), "{stderr}");
    assert!(!dir.path().join("a").exists());
}
