use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use safer_cli::cli::Cli;

const PLAN: &str = include_str!("../../../../plans/maidstone-2022-25.toml");

#[test]
fn verify_cli() {
    Cli::command().debug_assert();
}

/// Runs `safer` in `dir` with no ambient Safer configuration.
fn safer(dir: &Path, args: &[&str]) -> Output {
    safer_with_stdin(dir, args, "")
}

fn safer_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_safer"))
        .args(args)
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .env_remove("SAFER_SERVER__BIND")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run safer");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
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

/// A clear failure: non-zero exit, one `error:` line first, no panic or backtrace.
#[track_caller]
fn assert_clear_error(output: &Output) -> String {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "expected exit code 2; stderr:\n{err}");
    assert!(err.starts_with("error: "), "stderr should start with `error: `:\n{err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "no panics:\n{err}");
    err
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in the plan"))
        + 1
}

#[test]
fn help_is_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["users", "--help"],
        vec!["users", "add", "--help"],
        vec!["agencies", "--help"],
        vec!["plan", "--help"],
        vec!["plan", "check", "--help"],
        vec!["config", "--help"],
    ] {
        let output = safer(dir.path(), &args);
        assert_ok(&output);
        assert!(stdout(&output).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn plan_check_passes_the_shipped_plan() {
    let plan = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../plans/maidstone-2022-25.toml");
    let output = safer(plan.parent().unwrap(), &["plan", "check", plan.to_str().unwrap()]);
    assert_ok(&output);
    assert!(
        stdout(&output).contains("is a valid plan: Maidstone Community Safety Partnership Plan 2022-2025 (4 core priorities, 6 cross-cutting themes"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn plan_check_names_the_line_of_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, broken: String| -> (String, String) {
        let path = dir.path().join(name);
        std::fs::write(&path, &broken).unwrap();
        let output = safer(dir.path(), &["plan", "check", name]);
        (assert_clear_error(&output), broken)
    };

    // A core priority without an objective.
    let objective = "objective = \"The SMP will work to restore the reputation of the town";
    let without_objective: String =
        PLAN.lines().filter(|l| !l.starts_with(objective)).map(|l| format!("{l}\n")).collect();
    let (err, broken) = check("no-objective.toml", without_objective);
    let line = line_of(&broken, "id = \"safe-town-centre\"");
    assert!(err.contains(&format!("no-objective.toml:{line}:1: priorities.id: core priority `safe-town-centre` has no objective")), "{err}");

    // An action naming an unknown sub-group.
    let (err, broken) = check(
        "unknown-group.toml",
        PLAN.replacen("group = \"domestic-abuse-forum\"", "group = \"da-forum\"", 1),
    );
    let line = line_of(&broken, "group = \"da-forum\"");
    assert!(err.contains(&format!("unknown-group.toml:{line}:3: priorities.actions.group: action `da-champions-rollout` names unknown group `da-forum`")), "{err}");

    // A duplicate id.
    let (err, broken) =
        check("duplicate.toml", PLAN.replacen("id = \"public-health\"", "id = \"tackle-asb\"", 1));
    let first = line_of(&broken, "id = \"tackle-asb\"");
    let second = broken
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("id = \"tackle-asb\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert!(err.contains(&format!("duplicate.toml:{second}:1: priorities.id: duplicate priority id `tackle-asb` (first used on line {first})")), "{err}");

    // Not TOML at all, and a file that is missing.
    let (err, _) = check("garbage.toml", "format = 1\n[plan\n".to_string());
    assert!(err.contains("garbage.toml:2:"), "{err}");
    let output = safer(dir.path(), &["plan", "check", "missing.toml"]);
    let err = assert_clear_error(&output);
    assert!(err.starts_with("error: cannot read missing.toml: "), "{err}");
}

#[test]
fn users_agencies_and_plans_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("plan.toml"), PLAN).unwrap();

    let err = assert_clear_error(&safer(
        d,
        &[
            "users",
            "add",
            "--username",
            "sam",
            "--name",
            "Sam",
            "--agency",
            "x",
            "--role",
            "analyst",
        ],
    ));
    assert!(err.contains("no partnership exists yet; import a plan first"), "{err}");

    let output = safer(d, &["plan", "import", "plan.toml"]);
    assert_ok(&output);
    assert!(stdout(&output).starts_with("Imported `maidstone-2022-25`"), "{}", stdout(&output));
    let again = safer(d, &["plan", "import", "plan.toml"]);
    assert!(stdout(&again).starts_with("Unchanged"), "{}", stdout(&again));
    let shown = safer(d, &["plan", "show"]);
    assert_ok(&shown);
    assert!(
        stdout(&shown).contains("Provide a Safe Town Centre — A Space to Feel Safe"),
        "{}",
        stdout(&shown)
    );

    assert_ok(&safer(
        d,
        &["agencies", "add", "--code", "kent-police", "--name", "Kent Police", "--kind", "police"],
    ));
    let err = assert_clear_error(&safer(
        d,
        &["agencies", "add", "--code", "kent-police", "--name", "Again", "--kind", "police"],
    ));
    assert!(err.contains("an agency with code `kent-police` already exists"), "{err}");
    let err = assert_clear_error(&safer(
        d,
        &["agencies", "add", "--code", "x", "--name", "X", "--kind", "army"],
    ));
    assert!(err.contains("unknown agency kind `army`"), "{err}");

    let add = [
        "users",
        "add",
        "--username",
        "pat",
        "--name",
        "Pat Reynolds",
        "--agency",
        "kent-police",
        "--role",
        "practitioner",
        "--role",
        "panel_chair",
    ];
    let output = safer(d, &add);
    assert_ok(&output);
    let out = stdout(&output);
    assert!(
        out.contains("Created `pat` in Safer Maidstone Partnership as Practitioner, Panel chair."),
        "{out}"
    );
    assert!(out.contains("Password (shown once"), "{out}");
    let err = assert_clear_error(&safer(d, &add));
    assert!(err.contains("the username `pat` is already taken"), "{err}");

    let output = safer_with_stdin(
        d,
        &[
            "users",
            "add",
            "--username",
            "kim",
            "--name",
            "Kim",
            "--agency",
            "kent-police",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(assert_clear_error(&output)
        .contains("invalid password: a password must be at least 12 characters"));
    let output = safer_with_stdin(
        d,
        &[
            "users",
            "add",
            "--username",
            "kim",
            "--name",
            "Kim",
            "--agency",
            "kent-police",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        "a long enough passphrase\n",
    );
    assert_ok(&output);
    assert!(!stdout(&output).contains("Password"), "a password given on stdin is never printed");
    let err = assert_clear_error(&safer(
        d,
        &[
            "users",
            "add",
            "--username",
            "Bad Name",
            "--name",
            "B",
            "--agency",
            "kent-police",
            "--role",
            "analyst",
        ],
    ));
    assert!(err.contains("invalid username `Bad Name`"), "{err}");
    let err = assert_clear_error(&safer(
        d,
        &[
            "users",
            "add",
            "--username",
            "lee",
            "--name",
            "Lee",
            "--agency",
            "nowhere",
            "--role",
            "analyst",
        ],
    ));
    assert!(err.contains("no agency with code `nowhere`"), "{err}");
    let err = assert_clear_error(&safer(
        d,
        &[
            "users",
            "add",
            "--username",
            "lee",
            "--name",
            "Lee",
            "--agency",
            "kent-police",
            "--role",
            "chief",
        ],
    ));
    assert!(err.contains("unknown role `chief`"), "{err}");

    assert_ok(&safer(d, &["users", "disable", "pat"]));
    let list = stdout(&safer(d, &["users", "list"]));
    let pat = list.lines().find(|l| l.starts_with("pat ")).expect("pat listed");
    assert!(
        pat.contains("Kent Police")
            && pat.contains("disabled")
            && pat.contains("practitioner,panel_chair"),
        "{pat}"
    );
    let kim = list.lines().find(|l| l.starts_with("kim ")).expect("kim listed");
    assert!(kim.contains("active"), "{kim}");
    let err = assert_clear_error(&safer(d, &["users", "disable", "nobody"]));
    assert!(err.contains("no user `nobody`"));
}

#[test]
fn configuration_errors_are_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let example = safer(d, &["config", "example"]);
    assert_ok(&example);
    std::fs::write(d.join("example.toml"), stdout(&example)).unwrap();
    let shown = safer(d, &["--config", "example.toml", "config", "show"]);
    assert_ok(&shown);
    assert!(stdout(&shown).contains("bind = \"127.0.0.1:8080\""));

    std::fs::write(d.join("safer.toml"), "[server]\nbind = 8080\n").unwrap();
    let err = assert_clear_error(&safer(d, &["migrate"]));
    assert!(
        err.starts_with("error: safer.toml:2: invalid type: integer `8080`, expected a string"),
        "{err}"
    );
    std::fs::remove_file(d.join("safer.toml")).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_safer"))
        .args(["config", "show"])
        .current_dir(d)
        .env("SAFER_SESSIONS__MAX_HOURS", "twelve")
        .output()
        .unwrap();
    let err = assert_clear_error(&output);
    assert_eq!(
        err.trim(),
        "error: SAFER_SESSIONS__MAX_HOURS=\"twelve\": invalid digit found in string"
    );

    let err = assert_clear_error(&safer(
        d,
        &["--database-url", "postgres://safer:secret@127.0.0.1:9/safer", "migrate"],
    ));
    assert!(
        err.starts_with(
            "error: cannot connect to the database at postgres://safer:***@127.0.0.1:9/safer"
        ),
        "{err}"
    );
    assert!(!err.contains("secret"), "the password is never shown");
    let err = assert_clear_error(&safer(d, &["--database-url", "mysql://localhost/x", "migrate"]));
    assert!(err.contains("unsupported database URL"), "{err}");
    let err = assert_clear_error(&safer(d, &["--config", "nope.toml", "migrate"]));
    assert!(err.starts_with("error: cannot read nope.toml"), "{err}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let err = assert_clear_error(&safer(dir.path(), &["serve", "--bind", &address]));
    assert!(err.starts_with(&format!("error: cannot listen on {address}: ")), "{err}");
    assert!(err.contains("choose another with --bind"), "{err}");
    let err = assert_clear_error(&safer(dir.path(), &["serve", "--bind", "localhost"]));
    assert!(err.contains("invalid bind address `localhost`"), "{err}");
}
