//! `safer import police-uk PATH... [--strict]`: police.uk street, outcomes and stop and search
//! files into the store.
//!
//! Paths may be files, folders (searched recursively, as in the monthly
//! `YYYY-MM/YYYY-MM-<force>-street.csv` layout of a data.police.uk download) or the archive zips
//! data.police.uk serves; files are recognised by name, then by header, and anything else is
//! ignored with a note. The steps:
//!
//! 1. Collect every input and refuse the run if a force-month-kind appears twice (naming both
//!    files) before anything is read or written.
//! 2. Under `--strict`, read and check every file first; any bad row or unreadable file stops
//!    the run with nothing written.
//! 3. For each file: hash it; if the ledger holds the same hash it is "unchanged"; otherwise parse
//!    it (bad rows go to standard error as `FILE:LINE: FIELD: reason` and are left out) and
//!    replace its force-month-kind in one transaction ([`Store::replace_police_uk`]).
//!
//! Standard output gets one line per file and a total; standard error gets notes, bad rows, a
//! summary of bad rows per file and, on a terminal only, a progress line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_domain::digest::sha256_hex;
use safer_import::police_uk::{
    parse_outcome_rows, parse_stop_search_rows, parse_street_rows, recognise_name, FileInfo,
    FileKind, RowError, Warning,
};
use safer_storage::{
    NewOutcomeRow, NewStopSearchRow, NewStreetRow, PoliceUkFile, PoliceUkImportOutcome,
    PoliceUkKind, PoliceUkRows, Store,
};

use super::open_store;
use crate::cli::ImportPoliceUkArgs;
use crate::config::Config;

/// Why a file is passed over.
const NOT_POLICE_UK: &str = "not a police.uk street, outcomes or stop-and-search file";
/// Why a folder is passed over: a link may lead back up the tree.
const LINKED_FOLDER: &str = "a linked folder is not followed; name it on the command line";

/// Bad rows printed per file; the rest are counted in the summary.
const MAX_BAD_ROWS_SHOWN: usize = 50;

/// Where an input's bytes are.
#[derive(Debug, Clone)]
enum Source {
    /// A file on disk.
    Disk(PathBuf),
    /// Entry `index` of a zip archive.
    Zip { archive: PathBuf, index: usize },
}

/// One police.uk file to import.
#[derive(Debug, Clone)]
struct Input {
    /// How the file is named in messages and the ledger: its path, or `ARCHIVE!/ENTRY`.
    name: String,
    /// The file name alone, as the parser wants it.
    base_name: String,
    source: Source,
    info: FileInfo,
}

/// The inputs found under the paths given, and what was passed over.
#[derive(Debug, Default)]
struct Collected {
    inputs: Vec<Input>,
    /// What is passed over with a note: (name, why).
    ignored: Vec<(String, &'static str)>,
    /// Archives that cannot be opened: (name, reason); counted as skipped files.
    unreadable: Vec<(String, String)>,
}

/// A file read and parsed.
#[derive(Debug)]
struct ParsedFile {
    rows: PoliceUkRows,
    errors: Vec<RowError>,
    warnings: Vec<Warning>,
}

/// `safer import police-uk`.
pub async fn police_uk(config: &Config, args: &ImportPoliceUkArgs) -> anyhow::Result<ExitCode> {
    // Everything that can refuse the run happens before the database is opened.
    let prepared = prepare(&args.paths, args.strict)?;
    let store = open_store(config).await?;
    let summary = import_prepared(&store, &prepared, &mut std::io::stdout()).await?;
    match summary.skipped.len() {
        0 => Ok(ExitCode::SUCCESS),
        1 => bail!("1 file could not be imported (see above); the other files were imported"),
        n => bail!("{n} files could not be imported (see above); the other files were imported"),
    }
}

/// What an import did, for callers that run it in-process (tests).
#[derive(Debug, Default)]
pub struct ImportSummary {
    /// Files read (imported or unchanged), not counting skipped ones.
    pub n_files: usize,
    /// Rows written.
    pub n_rows: usize,
    /// Files whose content the ledger already held.
    pub n_unchanged: usize,
    /// Bad rows left out.
    pub n_bad_rows: usize,
    /// (file, bad rows) for every file with bad rows.
    pub bad_by_file: Vec<(String, usize)>,
    /// (file, reason) for files that could not be imported.
    pub skipped: Vec<(String, String)>,
}

/// Imports police.uk files under `paths` into `store`, writing the per-file lines and the total
/// to `out`; notes and bad rows go to standard error. The body of `safer import police-uk`
/// once the store is open.
pub async fn import_police_uk(
    store: &Store,
    paths: &[PathBuf],
    strict: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ImportSummary> {
    let prepared = prepare(paths, strict)?;
    import_prepared(store, &prepared, out).await
}

/// Collects the inputs, refuses duplicates and, under `--strict`, checks every file.
fn prepare(paths: &[PathBuf], strict: bool) -> anyhow::Result<Collected> {
    let collected = collect(paths)?;
    for (name, why) in &collected.ignored {
        eprintln!("note: ignoring {name}: {why}");
    }
    check_duplicates(&collected.inputs)?;
    if strict {
        strict_precheck(&collected, &Progress::new())?;
    }
    Ok(collected)
}

async fn import_prepared(
    store: &Store,
    collected: &Collected,
    out: &mut dyn Write,
) -> anyhow::Result<ImportSummary> {
    let progress = Progress::new();
    let mut totals = ImportSummary::default();
    for (name, reason) in &collected.unreadable {
        eprintln!("{name}: skipped: {reason}");
        totals.skipped.push((name.clone(), reason.clone()));
    }
    let mut archives = Archives::default();
    let n_inputs = collected.inputs.len();
    for (idx, input) in collected.inputs.iter().enumerate() {
        let label = format!("[{}/{n_inputs}] {}", idx + 1, input.name);
        progress.show(&label);
        let outcome =
            import_one(store, input, &mut archives, (&progress, &label), &mut totals).await;
        progress.clear();
        match outcome {
            Ok(line) => writeln!(out, "{line}")?,
            Err(FileFailure::Skip(reason)) => {
                eprintln!("{}: skipped: {reason}", input.name);
                totals.skipped.push((input.name.clone(), reason));
            }
            Err(FileFailure::Fatal(err)) => return Err(err),
        }
    }
    report_totals(&totals, out)?;
    Ok(totals)
}

/// Why a file was not imported.
#[derive(Debug)]
enum FileFailure {
    /// A problem with this file only (unreadable, empty, wrong header): skip it, go on.
    Skip(String),
    /// A problem that stops the run (the database failed).
    Fatal(anyhow::Error),
}

/// Imports one file; returns its line for standard output.
async fn import_one(
    store: &Store,
    input: &Input,
    archives: &mut Archives,
    (progress, label): (&Progress, &str),
    totals: &mut ImportSummary,
) -> Result<String, FileFailure> {
    let data = archives.read(input).map_err(FileFailure::Skip)?;
    let file = PoliceUkFile {
        force: input.info.force.clone(),
        month: input.info.month.to_string(),
        file_name: input.name.clone(),
        content_sha256: sha256_hex(&data),
        n_bad_rows: 0,
    };
    let kind = storage_kind(input.info.kind);
    let stored_hash = store
        .police_uk_import_hash(&file.force, &file.month, kind)
        .await
        .map_err(|e| FileFailure::Fatal(e.into()))?;
    if stored_hash.as_deref() == Some(file.content_sha256.as_str()) {
        totals.n_files += 1;
        totals.n_unchanged += 1;
        return Ok(format!("{}: unchanged", input.name));
    }
    let parsed = parse_file(input, &data).map_err(FileFailure::Skip)?;
    drop(data);
    progress.clear();
    report_problems(input, &parsed);
    progress.show(&format!("{label}: storing {} rows", parsed.rows.len()));
    let n_bad = bad_row_count(&parsed.errors);
    let file = PoliceUkFile { n_bad_rows: n_bad as i64, ..file };
    let outcome = store
        .replace_police_uk(&file, &parsed.rows, crate::now())
        .await
        .with_context(|| format!("cannot store {}", input.name))
        .map_err(FileFailure::Fatal)?;
    totals.n_files += 1;
    if n_bad > 0 {
        totals.n_bad_rows += n_bad;
        totals.bad_by_file.push((input.name.clone(), n_bad));
    }
    Ok(match outcome {
        PoliceUkImportOutcome::Unchanged => {
            totals.n_unchanged += 1;
            format!("{}: unchanged", input.name)
        }
        PoliceUkImportOutcome::Imported { n_rows } => {
            totals.n_rows += n_rows;
            match n_bad {
                0 => format!("{}: imported {n_rows} {}", input.name, plural(n_rows, "row")),
                _ => format!(
                    "{}: imported {n_rows} {}, {n_bad} bad {}",
                    input.name,
                    plural(n_rows, "row"),
                    plural(n_bad, "row")
                ),
            }
        }
    })
}

/// Under `--strict`: reads and checks every file; any bad row or unreadable file is fatal.
fn strict_precheck(collected: &Collected, progress: &Progress) -> anyhow::Result<()> {
    let mut archives = Archives::default();
    let mut n_bad_rows = 0;
    let mut n_bad_files = 0;
    let mut n_unreadable = collected.unreadable.len();
    for (name, reason) in &collected.unreadable {
        eprintln!("{name}: {reason}");
    }
    let n_inputs = collected.inputs.len();
    for (idx, input) in collected.inputs.iter().enumerate() {
        progress.show(&format!("checking [{}/{n_inputs}] {}", idx + 1, input.name));
        let parsed = archives.read(input).and_then(|data| parse_file(input, &data));
        progress.clear();
        match parsed {
            Ok(parsed) => {
                report_problems(input, &parsed);
                let n_bad = bad_row_count(&parsed.errors);
                if n_bad > 0 {
                    n_bad_rows += n_bad;
                    n_bad_files += 1;
                    eprintln!("{}: {n_bad} bad {}", input.name, plural(n_bad, "row"));
                }
            }
            Err(reason) => {
                eprintln!("{}: {reason}", input.name);
                n_unreadable += 1;
            }
        }
    }
    let mut problems = Vec::new();
    if n_bad_rows > 0 {
        problems.push(format!(
            "{n_bad_rows} bad {} in {n_bad_files} {}",
            plural(n_bad_rows, "row"),
            plural(n_bad_files, "file")
        ));
    }
    if n_unreadable > 0 {
        problems.push(format!(
            "{n_unreadable} {} that cannot be imported",
            plural(n_unreadable, "file")
        ));
    }
    if !problems.is_empty() {
        bail!("--strict: {}; nothing was imported", problems.join(" and "));
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// Prints a file's bad rows (`FILE:LINE: FIELD: reason`) and warnings to standard error.
fn report_problems(input: &Input, parsed: &ParsedFile) {
    let mut stderr = std::io::stderr().lock();
    for error in parsed.errors.iter().take(MAX_BAD_ROWS_SHOWN) {
        let _ = match error.field {
            Some(field) => {
                writeln!(stderr, "{}:{}: {field}: {}", input.name, error.line, error.reason)
            }
            None => writeln!(stderr, "{}:{}: {}", input.name, error.line, error.reason),
        };
    }
    if parsed.errors.len() > MAX_BAD_ROWS_SHOWN {
        let more = parsed.errors.len() - MAX_BAD_ROWS_SHOWN;
        let _ = writeln!(stderr, "{}: … and {more} more {}", input.name, plural(more, "problem"));
    }
    for warning in &parsed.warnings {
        let _ = writeln!(stderr, "note: {}: {warning}", input.name);
    }
}

/// How many rows have at least one error (a row may have several).
fn bad_row_count(errors: &[RowError]) -> usize {
    let mut lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    lines.dedup();
    lines.len()
}

fn report_totals(totals: &ImportSummary, out: &mut dyn Write) -> anyhow::Result<()> {
    if !totals.bad_by_file.is_empty() {
        let mut summary =
            format!("{} bad {} left out:", totals.n_bad_rows, plural(totals.n_bad_rows, "row"));
        for (name, n_bad) in &totals.bad_by_file {
            let _ = write!(summary, "\n  {name}: {n_bad}");
        }
        eprintln!("{summary}");
    }
    let n_skipped = totals.skipped.len();
    writeln!(
        out,
        "total: {} {}, {} {} imported, {} unchanged, {} bad {}, {} skipped",
        totals.n_files + n_skipped,
        plural(totals.n_files + n_skipped, "file"),
        totals.n_rows,
        plural(totals.n_rows, "row"),
        totals.n_unchanged,
        totals.n_bad_rows,
        plural(totals.n_bad_rows, "row"),
        n_skipped
    )?;
    Ok(())
}

fn storage_kind(kind: FileKind) -> PoliceUkKind {
    match kind {
        FileKind::Street => PoliceUkKind::Street,
        FileKind::Outcomes => PoliceUkKind::Outcomes,
        FileKind::StopAndSearch => PoliceUkKind::StopAndSearch,
    }
}

/// Parses a file of the kind its name announced; a file-level problem is the reason to skip it.
fn parse_file(input: &Input, data: &[u8]) -> Result<ParsedFile, String> {
    let name = input.base_name.as_str();
    let result = match input.info.kind {
        FileKind::Street => parse_street_rows(name, data).map(|parsed| {
            let rows = parsed
                .rows
                .into_iter()
                .zip(parsed.lines)
                .map(|(row, line)| NewStreetRow {
                    crime_id: row.crime_id,
                    reported_by: row.reported_by,
                    falls_within: row.falls_within,
                    longitude: row.longitude,
                    latitude: row.latitude,
                    location: row.location,
                    lsoa_code: row.lsoa_code,
                    lsoa_name: row.lsoa_name,
                    crime_type: row.crime_type,
                    last_outcome_category: row.last_outcome_category,
                    context: row.context,
                    source_line: line as i64,
                })
                .collect();
            ParsedFile {
                rows: PoliceUkRows::Street(rows),
                errors: parsed.errors,
                warnings: parsed.warnings,
            }
        }),
        FileKind::Outcomes => parse_outcome_rows(name, data).map(|parsed| {
            let rows = parsed
                .rows
                .into_iter()
                .zip(parsed.lines)
                .map(|(row, line)| NewOutcomeRow {
                    crime_id: row.crime_id,
                    reported_by: row.reported_by,
                    falls_within: row.falls_within,
                    longitude: row.longitude,
                    latitude: row.latitude,
                    location: row.location,
                    lsoa_code: row.lsoa_code,
                    lsoa_name: row.lsoa_name,
                    outcome_type: row.outcome_type,
                    source_line: line as i64,
                })
                .collect();
            ParsedFile {
                rows: PoliceUkRows::Outcomes(rows),
                errors: parsed.errors,
                warnings: parsed.warnings,
            }
        }),
        FileKind::StopAndSearch => parse_stop_search_rows(name, data).map(|parsed| {
            let rows = parsed
                .rows
                .into_iter()
                .zip(parsed.lines)
                .map(|(row, line)| NewStopSearchRow {
                    kind: row.kind,
                    date: row.date,
                    part_of_policing_operation: row.part_of_policing_operation,
                    policing_operation: row.policing_operation,
                    latitude: row.latitude,
                    longitude: row.longitude,
                    gender: row.gender,
                    age_range: row.age_range,
                    self_defined_ethnicity: row.self_defined_ethnicity,
                    officer_defined_ethnicity: row.officer_defined_ethnicity,
                    legislation: row.legislation,
                    object_of_search: row.object_of_search,
                    outcome: row.outcome,
                    outcome_linked_to_object_of_search: row.outcome_linked_to_object_of_search,
                    removal_of_more_than_outer_clothing: row.removal_of_more_than_outer_clothing,
                    source_line: line as i64,
                })
                .collect();
            ParsedFile {
                rows: PoliceUkRows::StopAndSearch(rows),
                errors: parsed.errors,
                warnings: parsed.warnings,
            }
        }),
    };
    result.map_err(|err| err.to_string())
}

/// Refuses a run that names the same force-month-kind twice, naming both files.
fn check_duplicates(inputs: &[Input]) -> anyhow::Result<()> {
    let mut seen: HashMap<(&str, String, FileKind), &str> = HashMap::new();
    for input in inputs {
        let key = (input.info.force.as_str(), input.info.month.to_string(), input.info.kind);
        if let Some(first) = seen.insert(key, &input.name) {
            bail!(
                "{} and {} are both the {} {} file for {}; give each force, month and kind once",
                first,
                input.name,
                input.info.force,
                input.info.kind,
                input.info.month
            );
        }
    }
    Ok(())
}

/// Finds the police.uk files under `paths`: files, folders (recursively, in name order) and
/// zip archives (their entries, in archive order).
fn collect(paths: &[PathBuf]) -> anyhow::Result<Collected> {
    let mut collected = Collected::default();
    for path in paths {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            walk(path, &mut collected)?;
        } else {
            add_file(path, &mut collected);
        }
    }
    Ok(collected)
}

fn walk(dir: &Path, collected: &mut Collected) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    entries.sort();
    for path in entries {
        let metadata =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if metadata.is_dir() && is_link {
            // A linked folder may lead back up the tree; name it on the command line instead.
            collected.ignored.push((path.display().to_string(), LINKED_FOLDER));
        } else if metadata.is_dir() {
            walk(&path, collected)?;
        } else {
            add_file(&path, collected);
        }
    }
    Ok(())
}

fn is_zip(name: &str) -> bool {
    name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".zip")
}

fn add_file(path: &Path, collected: &mut Collected) {
    let name = path.display().to_string();
    let base_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if is_zip(&base_name) {
        add_archive(path, collected);
        return;
    }
    match recognise_name(&base_name) {
        Ok(info) => collected.inputs.push(Input {
            name,
            base_name,
            source: Source::Disk(path.to_path_buf()),
            info,
        }),
        Err(_) => collected.ignored.push((name, NOT_POLICE_UK)),
    }
}

fn add_archive(path: &Path, collected: &mut Collected) {
    let archive_name = path.display().to_string();
    let archive = match File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(BufReader::new(f)).map_err(|e| e.to_string()))
    {
        Ok(archive) => archive,
        Err(reason) => {
            collected
                .unreadable
                .push((archive_name, format!("not a readable zip archive: {reason}")));
            return;
        }
    };
    for index in 0..archive.len() {
        let Some(entry) = archive.name_for_index(index) else { continue };
        if entry.ends_with('/') {
            continue;
        }
        let name = format!("{archive_name}!/{entry}");
        let base_name = entry.rsplit(['/', '\\']).next().unwrap_or(entry).to_string();
        match recognise_name(&base_name) {
            Ok(info) => collected.inputs.push(Input {
                name,
                base_name,
                source: Source::Zip { archive: path.to_path_buf(), index },
                info,
            }),
            Err(_) => collected.ignored.push((name, NOT_POLICE_UK)),
        }
    }
}

/// Reads inputs, keeping the last zip archive open.
#[derive(Default)]
struct Archives {
    open: Option<(PathBuf, zip::ZipArchive<BufReader<File>>)>,
}

impl std::fmt::Debug for Archives {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archives").field("open", &self.open.as_ref().map(|(p, _)| p)).finish()
    }
}

impl Archives {
    /// The input's bytes, or the reason they cannot be read.
    fn read(&mut self, input: &Input) -> Result<Vec<u8>, String> {
        match &input.source {
            Source::Disk(path) => std::fs::read(path).map_err(|e| format!("cannot read: {e}")),
            Source::Zip { archive, index } => {
                if self.open.as_ref().is_none_or(|(open, _)| open != archive) {
                    let file = File::open(archive).map_err(|e| format!("cannot read: {e}"))?;
                    let zip = zip::ZipArchive::new(BufReader::new(file))
                        .map_err(|e| format!("not a readable zip archive: {e}"))?;
                    self.open = Some((archive.clone(), zip));
                }
                let (_, zip) = self.open.as_mut().expect("opened above");
                let mut entry = zip
                    .by_index(*index)
                    .map_err(|e| format!("cannot read the archive entry: {e}"))?;
                let mut data = Vec::with_capacity(entry.size().min(64 << 20) as usize);
                entry
                    .read_to_end(&mut data)
                    .map_err(|e| format!("cannot read the archive entry: {e}"))?;
                Ok(data)
            }
        }
    }
}

/// A one-line progress display on standard error, shown only when it is a terminal.
#[derive(Debug)]
struct Progress {
    enabled: bool,
}

impl Progress {
    fn new() -> Progress {
        Progress { enabled: std::io::stderr().is_terminal() }
    }

    fn show(&self, text: &str) {
        if self.enabled {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[K{text}");
            let _ = stderr.flush();
        }
    }

    fn clear(&self) {
        if self.enabled {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[K");
            let _ = stderr.flush();
        }
    }
}
