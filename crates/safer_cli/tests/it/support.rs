//! Helpers the command-line tests share: running the binary against a data directory, reading
//! its outcome, and loading the real geography.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `safer --data-dir DIR ARGS...` with no ambient Safer configuration.
pub(crate) fn safer(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .output()
        .expect("run safer")
}

/// The standard output of a run that must succeed.
pub(crate) fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "safer failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The standard error of a run that must fail, without a panic.
pub(crate) fn failed(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "safer should fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `safer geo import` of the real lookups, boundaries and (mid-2017) population; returns what
/// it printed.
pub(crate) fn import_real_geography(dir: &Path, data: &Path) -> String {
    ok(&safer(
        dir,
        &[
            "geo",
            "import",
            "--population-year",
            "2017",
            data.join("lsoa11-lsoa21-lookup-census2021-pop_AlexGibsonPlymouth").to_str().unwrap(),
            data.join("lsoa11-ward17-bestfit_traffordDataLab-crime_scanner").to_str().unwrap(),
            data.join("boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON").to_str().unwrap(),
            data.join("population-lsoa-ward/population.json").to_str().unwrap(),
        ],
    ))
}
