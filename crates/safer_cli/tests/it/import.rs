//! `safer import police-uk`: re-imports, a killed import, broken files, `--strict`, duplicates
//! and the real Kent files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use safer_cli::commands::import::import_police_uk;
use safer_storage::{PoliceUkKind, Store};
use safer_test_utils::TestDb;

const STREET_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";
const OUTCOMES_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Outcome type";
const STOP_AND_SEARCH_HEADER: &str = "Type,Date,Part of a policing operation,\
Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,\
Officer-defined ethnicity,Legislation,Object of search,Outcome,\
Outcome linked to object of search,Removal of more than just outer clothing";

const CRIME_TYPES: [&str; 5] =
    ["Anti-social behaviour", "Burglary", "Shoplifting", "Vehicle crime", "Drugs"];

/// A valid street row for `month`; `i` varies every field a little. ASB rows have no Crime ID
/// and no outcome, as police.uk publishes them.
fn street_row(month: &str, i: usize, tag: &str) -> String {
    let crime_type = CRIME_TYPES[i % CRIME_TYPES.len()];
    let (crime_id, outcome) = if crime_type == "Anti-social behaviour" {
        (String::new(), "")
    } else {
        (format!("{tag}{i:0>60}"), "Under investigation")
    };
    format!(
        "{crime_id},{month},Kent Police,Kent Police,{:.6},{:.6},On or near Week Street,\
         E0102{:04},Maidstone {:03}A,{crime_type},{outcome},",
        0.5 + (i % 997) as f64 * 1e-4,
        51.2 + (i % 991) as f64 * 1e-4,
        i % 10_000,
        i % 100
    )
}

fn street_file(month: &str, n_rows: usize, tag: &str) -> String {
    let mut text = format!("{STREET_HEADER}\r\n");
    for i in 0..n_rows {
        text.push_str(&street_row(month, i, tag));
        text.push_str("\r\n");
    }
    text
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// A zip archive at `path` holding `entries` (name, bytes), stored uncompressed.
fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Every police.uk table and the ledger (without `imported_at`), as ordered text.
async fn dump(store: &Store) -> Vec<String> {
    let mut lines = Vec::new();
    for kind in [PoliceUkKind::Street, PoliceUkKind::Outcomes, PoliceUkKind::StopAndSearch] {
        for row in store.police_uk_dump(kind).await.unwrap() {
            lines.push(format!("{kind}|{row}"));
        }
    }
    for i in store.police_uk_imports().await.unwrap() {
        lines.push(format!(
            "ledger|{}|{}|{}|{}|{}|{}|{}",
            i.force, i.month, i.kind, i.file_name, i.content_sha256, i.n_rows, i.n_bad_rows
        ));
    }
    lines
}

/// Runs `safer` in `dir` with an SQLite database there and no ambient configuration.
fn safer(dir: &Path, db: &str, args: &[&str]) -> Output {
    safer_command(dir, db, args).output().expect("run safer")
}

fn safer_command(dir: &Path, db: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_safer"));
    command
        .arg("--database-url")
        .arg(sqlite_url(dir, db))
        .args(args)
        .current_dir(dir)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn sqlite_url(dir: &Path, db: &str) -> String {
    format!("sqlite://{}", dir.join(db).display())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// No panic, no backtrace, no log noise.
#[track_caller]
fn assert_no_panic(output: &Output) {
    let err = stderr(output);
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "no panics:\n{err}");
}

/// The small mixed input of the re-import test: three kinds, a monthly folder, a zip and a file
/// that is not police.uk.
fn mixed_input(root: &Path) {
    write(&root.join("2022-01/2022-01-kent-street.csv"), street_file("2022-01", 50, "a"));
    write(&root.join("2022-02/2022-02-kent-street.csv"), street_file("2022-02", 30, "a"));
    let mut outcomes = format!("{OUTCOMES_HEADER}\n");
    for i in 0..10 {
        outcomes.push_str(&format!(
            "a{i:0>63},2022-01,Kent Police,Kent Police,,,No location,,,Offender given a caution\n"
        ));
    }
    write(&root.join("2022-01/2022-01-kent-outcomes.csv"), outcomes);
    let search = format!(
        "\u{feff}{STOP_AND_SEARCH_HEADER}\n\
         Person search,2022-01-05T10:20:00+00:00,False,,51.27,0.52,Male,18-24,,White,\
         Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,,False\n\
         Vehicle search,2022-01-06T00:00:00+00:00,,,,,,,,,,Stolen goods,Arrest,True,\n"
    );
    write(&root.join("2022-01/2022-01-kent-stop-and-search.csv"), search);
    write(&root.join("README.txt"), "not data");
    write_zip(
        &root.join("archive.zip"),
        &[("2022-03/2022-03-kent-street.csv", street_file("2022-03", 20, "a").as_bytes())],
    );
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_a_changed_file_replaces_its_month_only() {
    for db in TestDb::all().await {
        let label = db.label();
        let root = tempfile::tempdir().unwrap();
        mixed_input(root.path());
        let paths = [root.path().to_path_buf()];

        let mut out = Vec::new();
        let summary = import_police_uk(&db.store, &paths, false, &mut out).await.unwrap();
        assert_eq!((summary.n_files, summary.n_rows), (5, 112), "{label}");
        assert_eq!((summary.n_bad_rows, summary.skipped.len()), (0, 0), "{label}");
        let out = String::from_utf8(out).unwrap();
        let r = root.path().display();
        assert_eq!(
            out,
            format!(
                "{r}/2022-01/2022-01-kent-outcomes.csv: imported 10 rows\n\
                 {r}/2022-01/2022-01-kent-stop-and-search.csv: imported 2 rows\n\
                 {r}/2022-01/2022-01-kent-street.csv: imported 50 rows\n\
                 {r}/2022-02/2022-02-kent-street.csv: imported 30 rows\n\
                 {r}/archive.zip!/2022-03/2022-03-kent-street.csv: imported 20 rows\n\
                 total: 5 files, 112 rows imported, 0 unchanged, 0 bad rows, 0 skipped\n"
            ),
            "{label}"
        );
        let first = dump(&db.store).await;
        assert_eq!(first.len(), 112 + 5, "{label}");
        assert!(
            first.contains(
                &"stop-and-search|kent|2022-01|Vehicle search|2022-01-06T00:00:00+00:00|∅|∅|∅|∅|∅|\
                 ∅|∅|∅|∅|Stolen goods|Arrest|true|∅|3"
                    .to_string()
            ),
            "{label}: {first:#?}"
        );

        // The same files again: nothing changes, and the output says so.
        let mut out = Vec::new();
        let summary = import_police_uk(&db.store, &paths, false, &mut out).await.unwrap();
        assert_eq!((summary.n_unchanged, summary.n_rows), (5, 0), "{label}");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.matches(": unchanged\n").count(), 5, "{label}: {out}");
        assert_eq!(dump(&db.store).await, first, "{label}");

        // February changes: February is replaced whole, nothing else moves.
        let february = root.path().join("2022-02/2022-02-kent-street.csv");
        write(&february, street_file("2022-02", 12, "b"));
        let mut out = Vec::new();
        let summary = import_police_uk(&db.store, &paths, false, &mut out).await.unwrap();
        assert_eq!((summary.n_unchanged, summary.n_rows), (4, 12), "{label}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("2022-02-kent-street.csv: imported 12 rows\n"), "{label}: {out}");
        let after = dump(&db.store).await;
        let not_february = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .filter(|l| !l.contains("|kent|2022-02|") && !l.starts_with("ledger|kent|2022-02|"))
                .cloned()
                .collect()
        };
        assert_eq!(not_february(&after), not_february(&first), "{label}");
        let february_rows: Vec<&String> =
            after.iter().filter(|l| l.starts_with("street|kent|2022-02|")).collect();
        assert_eq!(february_rows.len(), 12, "{label}");
        assert!(february_rows.iter().all(|l| !l.contains("|a0000")), "{label}: old rows remain");
    }
}

#[tokio::test]
async fn a_killed_import_resumes_to_the_same_database_as_a_clean_one() {
    const N_MONTHS: usize = 40;
    const N_ROWS: usize = 5_000;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let mut month = (2019, 1);
    for _ in 0..N_MONTHS {
        let name = format!("{:04}-{:02}", month.0, month.1);
        let path = input.join(&name).join(format!("{name}-kent-street.csv"));
        write(&path, street_file(&name, N_ROWS, "k"));
        month = if month.1 == 12 { (month.0 + 1, 1) } else { (month.0, month.1 + 1) };
    }
    let input_arg = input.display().to_string();
    let args = ["import", "police-uk", input_arg.as_str()];

    // Start an import and kill it (SIGKILL) once the ledger shows some months but not all.
    let mut child = safer_command(dir.path(), "killed.db", &args).spawn().unwrap();
    let url = sqlite_url(dir.path(), "killed.db");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut watcher: Option<Store> = None;
    let n_seen = loop {
        assert!(Instant::now() < deadline, "the import never showed a partial ledger");
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the import finished ({status}) before it could be killed; make the input larger"
            );
        }
        if watcher.is_none() && dir.path().join("killed.db").exists() {
            watcher = Store::connect(&url).await.ok();
        }
        if let Some(store) = &watcher {
            // Before migrations finish the ledger table may not exist yet.
            let n = store.police_uk_imports().await.map(|l| l.len()).unwrap_or(0);
            if (1..N_MONTHS).contains(&n) {
                child.kill().unwrap(); // SIGKILL on Unix
                child.wait().unwrap();
                break n;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let watcher = watcher.unwrap();

    // The killed database holds whole months only: each month in the ledger has all its rows,
    // every other month none.
    let ledger = watcher.police_uk_imports().await.unwrap();
    assert!(ledger.len() >= n_seen && ledger.len() < N_MONTHS, "{} months", ledger.len());
    for import in &ledger {
        assert_eq!(import.n_rows, N_ROWS as i64);
        let n = watcher.police_uk_row_count(PoliceUkKind::Street, "kent", &import.month).await;
        assert_eq!(n.unwrap(), N_ROWS as i64, "{}", import.month);
    }
    let n_stored = watcher.police_uk_dump(PoliceUkKind::Street).await.unwrap().len();
    assert_eq!(n_stored, ledger.len() * N_ROWS, "rows of a month outside the ledger");
    let n_done = ledger.len();
    // Not an assertion: shows in the test's captured output how far the import got.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("killed after {n_done} of {N_MONTHS} months");
    }
    watcher.close().await;

    // Re-running completes the import, skipping the months already in.
    let rerun = safer(dir.path(), "killed.db", &args);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stdout(&rerun).ends_with(&format!(
            "total: {N_MONTHS} files, {} rows imported, {n_done} unchanged, 0 bad rows, 0 skipped\n",
            (N_MONTHS - n_done) * N_ROWS
        )),
        "{}",
        stdout(&rerun)
    );

    let clean = safer(dir.path(), "clean.db", &args);
    assert!(clean.status.success(), "{}", stderr(&clean));

    let resumed = Store::connect(&url).await.unwrap();
    let fresh = Store::connect(&sqlite_url(dir.path(), "clean.db")).await.unwrap();
    let resumed_dump = dump(&resumed).await;
    assert_eq!(resumed_dump.len(), N_MONTHS * N_ROWS + N_MONTHS);
    assert!(resumed_dump == dump(&fresh).await, "the resumed and the clean database differ");
}

/// A street file for `month` with a header and `rows`, LF line ends.
fn with_rows(rows: &[String]) -> String {
    let mut text = format!("{STREET_HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

/// The broken-file corpus; returns the folder.
fn broken_corpus(root: &Path) -> PathBuf {
    let dir = root.join("corpus");
    let good = |month: &str, i: usize| street_row(month, i, "g");
    // Truncated last line.
    let mut truncated = with_rows(&[good("2022-01", 1), good("2022-01", 2)]);
    truncated.push_str("g0001,2022-01,Kent Po");
    write(&dir.join("2022-01-kent-street.csv"), truncated);
    // Wrong header: an outcomes header on a street file.
    write(
        &dir.join("2022-02-kent-street.csv"),
        format!("{OUTCOMES_HEADER}\n{}\n", good("2022-02", 1)),
    );
    // Invalid UTF-8 in the third line.
    let mut invalid = with_rows(&[good("2022-03", 1)]).into_bytes();
    invalid.extend_from_slice(good("2022-03", 2).replace("Week Street", "W\u{1}ek").as_bytes());
    let at = invalid.iter().position(|&b| b == 1).unwrap();
    invalid[at] = 0xFF;
    invalid.push(b'\n');
    write(&dir.join("2022-03-kent-street.csv"), invalid);
    // Non-numeric coordinates.
    write(
        &dir.join("2022-04-kent-street.csv"),
        with_rows(&[
            good("2022-04", 1).replace(",0.500100,", ",abc,"),
            good("2022-04", 2),
            good("2022-04", 3).replace(",51.200300,", ",51.2.3,"),
        ]),
    );
    // Quoted commas (and a quoted quote).
    write(
        &dir.join("2022-05-kent-street.csv"),
        with_rows(&[
            good("2022-05", 1).replace("On or near Week Street", "\"On or near \"\"A\"\", B, C\"")
        ]),
    );
    // Blank lines, CRLF and LF.
    write(
        &dir.join("2022-06-kent-street.csv"),
        format!("{STREET_HEADER}\r\n\r\n{}\r\n\n\n{}\n\n", good("2022-06", 1), good("2022-06", 2)),
    );
    // An empty file.
    write(&dir.join("2022-07-kent-street.csv"), "");
    // A zip with a good entry, a non-CSV entry and a corrupt entry.
    let corrupt = street_file("2022-09", 3, "CORRUPTME");
    write_zip(
        &dir.join("download.zip"),
        &[
            ("2022-08/2022-08-kent-street.csv", street_file("2022-08", 4, "z").as_bytes()),
            ("2022-08/readme.pdf", b"%PDF-1.4 junk"),
            ("2022-09/2022-09-kent-street.csv", corrupt.as_bytes()),
        ],
    );
    let zip_path = dir.join("download.zip");
    let mut bytes = std::fs::read(&zip_path).unwrap();
    let at = bytes.windows(9).position(|w| w == b"CORRUPTME").unwrap();
    bytes[at..at + 9].copy_from_slice(b"XXXXXXXXX");
    std::fs::write(&zip_path, bytes).unwrap();
    dir
}

#[tokio::test]
async fn broken_files_are_reported_and_the_good_rows_kept() {
    let root = tempfile::tempdir().unwrap();
    let corpus = broken_corpus(root.path());
    let c = corpus.display().to_string();
    let output = safer(root.path(), "safer.db", &["import", "police-uk", &c]);
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{c}/2022-01-kent-street.csv: imported 2 rows, 1 bad row\n\
             {c}/2022-03-kent-street.csv: imported 1 row, 1 bad row\n\
             {c}/2022-04-kent-street.csv: imported 1 row, 2 bad rows\n\
             {c}/2022-05-kent-street.csv: imported 1 row\n\
             {c}/2022-06-kent-street.csv: imported 2 rows\n\
             {c}/download.zip!/2022-08/2022-08-kent-street.csv: imported 4 rows\n\
             total: 9 files, 11 rows imported, 0 unchanged, 4 bad rows, 3 skipped\n"
        )
    );
    let wrong_header = format!(
        "{c}/2022-02-kent-street.csv: skipped: wrong header for a police.uk street file: \
         expected `{STREET_HEADER}`, found `{OUTCOMES_HEADER}`"
    );
    let expected_stderr = [
        format!("note: ignoring {c}/download.zip!/2022-08/readme.pdf: not a police.uk street, outcomes or stop-and-search file"),
        format!("{c}/2022-01-kent-street.csv:4: expected 12 fields, found 3"),
        wrong_header,
        format!("{c}/2022-03-kent-street.csv:3: Location: invalid UTF-8"),
        format!("{c}/2022-04-kent-street.csv:2: Longitude: not a number: `abc`"),
        format!("{c}/2022-04-kent-street.csv:4: Latitude: not a number: `51.2.3`"),
        format!("{c}/2022-07-kent-street.csv: skipped: empty file"),
        format!(
            "{c}/download.zip!/2022-09/2022-09-kent-street.csv: skipped: cannot read the archive \
             entry: Invalid checksum"
        ),
        "4 bad rows left out:".to_string(),
        format!("  {c}/2022-01-kent-street.csv: 1"),
        format!("  {c}/2022-03-kent-street.csv: 1"),
        format!("  {c}/2022-04-kent-street.csv: 2"),
        "error: 3 files could not be imported (see above); the other files were imported"
            .to_string(),
    ];
    let err = stderr(&output);
    assert_eq!(err.lines().collect::<Vec<_>>(), expected_stderr, "{err}");

    // The good rows are in, with their source lines; quoted commas survive.
    let store = Store::connect(&sqlite_url(root.path(), "safer.db")).await.unwrap();
    let rows = store.police_uk_dump(PoliceUkKind::Street).await.unwrap();
    let lines_of = |month: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.starts_with(&format!("kent|{month}|")))
            .map(|r| r.rsplit('|').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(lines_of("2022-01"), ["2", "3"]);
    assert_eq!(lines_of("2022-04"), ["3"]);
    assert_eq!(lines_of("2022-06"), ["3", "6"]);
    assert!(rows.iter().any(|r| r.contains("|On or near \"A\", B, C|")), "{rows:#?}");
    let months: Vec<String> =
        store.police_uk_imports().await.unwrap().into_iter().map(|i| i.month).collect();
    assert_eq!(months, ["2022-01", "2022-03", "2022-04", "2022-05", "2022-06", "2022-08"]);
}

#[tokio::test]
async fn strict_makes_any_bad_row_fatal_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let corpus = broken_corpus(root.path());
    let c = corpus.display().to_string();
    let output = safer(root.path(), "safer.db", &["import", "police-uk", "--strict", &c]);
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{c}/2022-04-kent-street.csv:2: Longitude: not a number: `abc`\n"))
    );
    assert_eq!(
        err.lines().last().unwrap(),
        "error: --strict: 4 bad rows in 3 files and 3 files that cannot be imported; nothing was imported"
    );
    assert!(!root.path().join("safer.db").exists(), "the database must not even be created");

    // One bad row in otherwise good files is enough.
    let dir = root.path().join("one-bad");
    write(&dir.join("2022-01-kent-street.csv"), street_file("2022-01", 10, "s"));
    write(
        &dir.join("2022-02-kent-street.csv"),
        with_rows(&[street_row("2022-02", 1, "s"), street_row("2022-01", 2, "s")]),
    );
    let d = dir.display().to_string();
    let output = safer(root.path(), "safer.db", &["import", "police-uk", "--strict", &d]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "{d}/2022-02-kent-street.csv:3: Month: 2022-01 is not the file's month 2022-02\n\
             {d}/2022-02-kent-street.csv: 1 bad row\n\
             error: --strict: 1 bad row in 1 file; nothing was imported\n"
        )
    );
    // Without --strict the same files import, the bad row left out.
    let output = safer(root.path(), "safer.db", &["import", "police-uk", &d]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output)
        .ends_with("total: 2 files, 11 rows imported, 0 unchanged, 1 bad row, 0 skipped\n"));
    // And now --strict passes: the ledger already holds both files.
    write(&dir.join("2022-02-kent-street.csv"), street_file("2022-02", 3, "s"));
    let output = safer(root.path(), "safer.db", &["import", "police-uk", "--strict", &d]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{d}/2022-01-kent-street.csv: unchanged\n\
             {d}/2022-02-kent-street.csv: imported 3 rows\n\
             total: 2 files, 3 rows imported, 1 unchanged, 0 bad rows, 0 skipped\n"
        )
    );
}

#[test]
fn the_same_force_month_kind_twice_is_refused_naming_both_files() {
    let root = tempfile::tempdir().unwrap();
    let a = root.path().join("a/2022-01-kent-street.csv");
    let b = root.path().join("b/2022-01/2022-01-kent-street.csv");
    write(&a, street_file("2022-01", 2, "a"));
    write(&b, street_file("2022-01", 3, "b"));
    let dir_a = root.path().join("a").display().to_string();
    let dir_b = root.path().join("b").display().to_string();
    let output = safer(root.path(), "safer.db", &["import", "police-uk", &dir_a, &dir_b]);
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {} and {} are both the kent street file for 2022-01; give each force, month \
             and kind once\n",
            a.display(),
            b.display()
        )
    );
    assert!(!root.path().join("safer.db").exists(), "nothing may be written");

    let missing = root.path().join("nowhere").display().to_string();
    let output = safer(root.path(), "safer.db", &["import", "police-uk", &missing]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!("error: cannot read {missing}: No such file")),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn real_kent_files_import_with_the_provenance_row_counts() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        return; // real_data_dir fails under CI when the data is missing
    };
    // | `path` | data rows | month | ...
    let provenance = std::fs::read_to_string(data.join("PROVENANCE.md")).unwrap();
    let expected: Vec<(String, i64)> = provenance
        .lines()
        .filter(|l| l.starts_with("| `police-uk-"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].parse().unwrap())
        })
        .collect();
    assert_eq!(expected.len(), 36, "23 street and 13 outcomes files in PROVENANCE.md");

    let db = TestDb::sqlite().await;
    let mut out = Vec::new();
    let summary =
        import_police_uk(&db.store, std::slice::from_ref(&data), true, &mut out).await.unwrap();
    assert_eq!((summary.n_files, summary.n_bad_rows), (36, 0));
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let ledger = db.store.police_uk_imports().await.unwrap();
    assert_eq!(ledger.len(), 36);
    for (path, n_rows) in &expected {
        let name = data.join(path).display().to_string();
        let import = ledger
            .iter()
            .find(|i| i.file_name == name)
            .unwrap_or_else(|| panic!("{name} is not in the ledger"));
        assert_eq!((import.n_rows, import.n_bad_rows), (*n_rows, 0), "{path}");
        let kind = if path.ends_with("-street.csv") {
            PoliceUkKind::Street
        } else {
            PoliceUkKind::Outcomes
        };
        let stored = db.store.police_uk_row_count(kind, "kent", &import.month).await.unwrap();
        assert_eq!(stored, *n_rows, "{path}");
    }
    let total: i64 = expected.iter().filter(|(p, _)| p.ends_with("-street.csv")).map(|e| e.1).sum();
    assert_eq!(total, 394_759);
}

#[test]
fn a_linked_folder_is_noted_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    write(&dir.join("2022-01/2022-01-kent-street.csv"), street_file("2022-01", 2, "l"));
    // A link back up the tree would otherwise be walked for ever.
    std::os::unix::fs::symlink(&dir, dir.join("2022-01/again")).unwrap();
    let d = dir.display().to_string();
    let output = safer(root.path(), "safer.db", &["import", "police-uk", &d]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "note: ignoring {d}/2022-01/again: a linked folder is not followed; name it on the \
             command line\n"
        )
    );
    assert_eq!(
        stdout(&output),
        format!(
            "{d}/2022-01/2022-01-kent-street.csv: imported 2 rows\n\
             total: 1 file, 2 rows imported, 0 unchanged, 0 bad rows, 0 skipped\n"
        )
    );
}
