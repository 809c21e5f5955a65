//! Where the files beside the project are: `../shared/data` (real public data) and
//! `../shared/seed` (the plan Safer implements).

use std::path::PathBuf;

fn workspace_root() -> PathBuf {
    // crates/safer_test_utils -> the workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required_dir(var: &str, fallback: PathBuf) -> Option<PathBuf> {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or(fallback);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{var} is not set or {} is missing; under CI this is a failure, not a skip",
        dir.display()
    );
    None
}

/// The real data directory (`SAFER_REAL_DATA`, else `../shared/data`), or `None` outside CI
/// when it is missing. Under CI a missing directory fails the test.
pub fn real_data_dir() -> Option<PathBuf> {
    required_dir("SAFER_REAL_DATA", workspace_root().join("../shared/data"))
}

/// The seed directory (`SAFER_SEED_DIR`, else `../shared/seed`), or `None` outside CI when it
/// is missing. Under CI a missing directory fails the test.
pub fn seed_dir() -> Option<PathBuf> {
    required_dir("SAFER_SEED_DIR", workspace_root().join("../shared/seed"))
}

/// The directory tests write screenshots and other artefacts to: `SAFER_TEST_OUTPUT`, else
/// `target/test-output` in the workspace. Created if missing.
pub fn output_dir() -> PathBuf {
    let dir = std::env::var_os("SAFER_TEST_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/test-output"));
    std::fs::create_dir_all(&dir).expect("cannot create the test output directory");
    dir
}

/// True when `python3 -c "import MODULES"` works (`modules` comma-separated, such as
/// `"esda, libpysal"`): the reference tools tests compare Safer with. Outside CI a missing
/// module is a skip with a note on standard error; under CI it fails the test, since
/// `scripts/test` installs them.
pub fn python_can_import(modules: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 cannot import {modules}; under CI this is a failure, not a skip"
        );
        eprintln!(
            "skipping a comparison: python3 cannot import {modules} (scripts/test installs it)"
        );
    }
    ok
}
