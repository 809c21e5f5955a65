//! Counts police.uk street rows by month × crime type × LSOA with Safer's scanner, for the
//! benchmark in `bench/` (see `bench/README.md`).
//!
//! ```text
//! cargo run --release -p safer_import --example scan_counts -- \
//!     [--threads N] [--fast | --whole] [--csv OUT.csv] PATH...
//! ```
//!
//! `PATH`s are street files or folders searched recursively for `*-street.csv`. `--threads 0`
//! (the default) uses every core; `--threads 1` is the single-threaded scan. Each thread takes
//! the next file, scans it into columns ([`scan_street_files`] on that one file), counts it
//! ([`count_by_month_type_lsoa`]) into running totals of its own and drops the columns, so
//! memory stays near one file per thread; the threads' totals are merged at the end.
//! `--whole` instead scans every file into one column store (on all threads) and counts once,
//! as an in-memory analysis would. `--fast` is the count-only scan
//! ([`count_street_bytes`]): each thread counts the next file straight into a
//! [`StreetCounts`] of its own (same quote-aware split and row checks, no columns), and the
//! threads' counts are merged at the end. Prints one JSON line: rows, bytes, seconds, GB/s, groups and
//! a checksum.
//! `--csv` writes the non-zero counts as `month,crime_type,lsoa_code,count`, sorted (rows
//! with no location have an empty `lsoa_code`); writing it is not timed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use safer_import::police_uk::{
    count_by_month_type_lsoa, count_street_bytes, scan_street_files, scan_street_slices,
    LsoaFilter, Month, StreetCounts,
};

/// Crime types are few (police.uk publishes 14); counts are laid out with this stride.
const MAX_CRIME_TYPES: usize = 16;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    n_threads: usize,
    whole: bool,
    fast: bool,
    csv: Option<PathBuf>,
    paths: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { n_threads: 0, whole: false, fast: false, csv: None, paths: Vec::new() };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--threads" => {
                args.n_threads =
                    value("--threads")?.parse().map_err(|e| format!("--threads: {e}"))?
            }
            "--whole" => args.whole = true,
            "--fast" => args.fast = true,
            "--csv" => args.csv = Some(PathBuf::from(value("--csv")?)),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => args.paths.push(PathBuf::from(arg)),
        }
    }
    if args.paths.is_empty() {
        return Err(
            "usage: scan_counts [--threads N] [--fast | --whole] [--csv OUT] PATH...".into()
        );
    }
    if args.fast && args.whole {
        return Err("--fast and --whole do not go together".into());
    }
    Ok(args)
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    let mut files = Vec::new();
    for path in &args.paths {
        collect_street_files(path, &mut files)?;
    }
    files.sort();
    if files.is_empty() {
        return Err("no *-street.csv files found".to_string());
    }
    let names: Vec<String> = files.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let n_bytes: u64 = files.iter().map(|p| p.metadata().map_or(0, |m| m.len())).sum();
    let n_threads = match args.n_threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };

    let started = Instant::now();
    if args.fast {
        return run_fast(&args, &names, n_bytes, n_threads, started);
    }
    let scanned = if args.whole {
        // Everything into one column store, then one count.
        let batch = scan_street_files(&names, n_threads, |name: &String| std::fs::read(name));
        let mut totals = Totals::default();
        let (n_rows, n_row_errors) = (batch.columns.len() as u64, batch.n_row_errors());
        let failure = batch.failures().next().map(|(name, err)| format!("{name}: {err}"));
        totals.add(&count_by_month_type_lsoa(&batch.columns, &LsoaFilter::All))?;
        failure.map_or(Ok((totals, n_rows, n_row_errors)), Err)
    } else {
        // Each thread takes the next file, scans and counts it, and keeps running totals.
        let next = AtomicUsize::new(0);
        let work = || -> Result<(Totals, u64, usize), String> {
            let mut totals = Totals::default();
            let (mut n_rows, mut n_row_errors) = (0u64, 0usize);
            let mut buffer = Vec::new();
            loop {
                let idx = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(idx) else {
                    return Ok((totals, n_rows, n_row_errors));
                };
                // Read into a buffer the thread reuses (no fresh pages to fault in per file).
                buffer.clear();
                let mut file = std::fs::File::open(name).map_err(|e| format!("{name}: {e}"))?;
                file.read_to_end(&mut buffer).map_err(|e| format!("{name}: {e}"))?;
                let batch = scan_street_slices(&[(name.as_str(), buffer.as_slice())], 1);
                if let Some((name, err)) = batch.failures().next() {
                    return Err(format!("{name}: {err}"));
                }
                n_rows += batch.columns.len() as u64;
                n_row_errors += batch.n_row_errors();
                totals.add(&count_by_month_type_lsoa(&batch.columns, &LsoaFilter::All))?;
            }
        };
        let results: Vec<Result<(Totals, u64, usize), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..n_threads).map(|_| scope.spawn(work)).collect();
            let mut results = vec![work()];
            results.extend(handles.into_iter().map(|h| h.join().expect("worker panicked")));
            results
        });
        let mut merged = (Totals::default(), 0u64, 0usize);
        for result in results {
            let (totals, n_rows, n_row_errors) = result?;
            merged.0.merge(&totals)?;
            merged.1 += n_rows;
            merged.2 += n_row_errors;
        }
        Ok(merged)
    };
    let (totals, n_rows, n_row_errors) = scanned?;
    let seconds = started.elapsed().as_secs_f64();

    let rows = totals.rows();
    let mode = if args.whole { "whole" } else { "full" };
    report(names.len(), n_threads, n_bytes, n_rows, n_row_errors, &rows, seconds, mode);
    if let Some(csv) = &args.csv {
        write_csv(csv, &rows).map_err(|e| format!("cannot write {}: {e}", csv.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--fast`: every thread counts the next file into a [`StreetCounts`] of its own.
fn run_fast(
    args: &Args,
    names: &[String],
    n_bytes: u64,
    n_threads: usize,
    started: Instant,
) -> Result<ExitCode, String> {
    let next = AtomicUsize::new(0);
    let work = || -> Result<(StreetCounts, u64, usize), String> {
        let mut counts = StreetCounts::new(LsoaFilter::All);
        let (mut n_rows, mut n_row_errors) = (0u64, 0usize);
        let mut buffer = Vec::new();
        loop {
            let idx = next.fetch_add(1, Ordering::Relaxed);
            let Some(name) = names.get(idx) else {
                return Ok((counts, n_rows, n_row_errors));
            };
            buffer.clear();
            let mut file = std::fs::File::open(name).map_err(|e| format!("{name}: {e}"))?;
            file.read_to_end(&mut buffer).map_err(|e| format!("{name}: {e}"))?;
            let report = count_street_bytes(name, &buffer, &mut counts)
                .map_err(|err| format!("{name}: {err}"))?;
            n_rows += report.rows as u64;
            n_row_errors += report.errors.len();
        }
    };
    let results: Vec<Result<(StreetCounts, u64, usize), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..n_threads).map(|_| scope.spawn(work)).collect();
        let mut results = vec![work()];
        results.extend(handles.into_iter().map(|h| h.join().expect("worker panicked")));
        results
    });
    let mut merged: Option<(StreetCounts, u64, usize)> = None;
    for result in results {
        let (counts, n_rows, n_row_errors) = result?;
        match &mut merged {
            None => merged = Some((counts, n_rows, n_row_errors)),
            Some(m) => {
                m.0.merge(&counts);
                m.1 += n_rows;
                m.2 += n_row_errors;
            }
        }
    }
    let (counts, n_rows, n_row_errors) = merged.expect("at least one thread");
    let seconds = started.elapsed().as_secs_f64();
    let rows = counts.rows();
    report(names.len(), n_threads, n_bytes, n_rows, n_row_errors, &rows, seconds, "fast");
    if let Some(csv) = &args.csv {
        write_csv(csv, &rows).map_err(|e| format!("cannot write {}: {e}", csv.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the JSON line.
#[allow(clippy::too_many_arguments)]
fn report(
    n_files: usize,
    n_threads: usize,
    n_bytes: u64,
    n_rows: u64,
    n_row_errors: usize,
    rows: &[(Month, &str, &str, u64)],
    seconds: f64,
    mode: &str,
) {
    let total: u64 = rows.iter().map(|r| r.3).sum();
    let checksum = rows.iter().fold(0u64, |acc, (month, crime_type, lsoa, n)| {
        let key = format!("{month},{crime_type},{lsoa}");
        acc.wrapping_add(fnv1a(key.as_bytes()).wrapping_mul(*n))
    });
    println!(
        "{{\"engine\": \"safer\", \"mode\": \"{mode}\", \"threads\": {n_threads}, \
         \"files\": {n_files}, \"bytes\": {n_bytes}, \"rows\": {n_rows}, \
         \"row_errors\": {n_row_errors}, \"total\": {total}, \"groups\": {}, \
         \"checksum\": {checksum}, \"seconds\": {seconds:.4}, \"gb_per_s\": {:.3}}}",
        rows.len(),
        n_bytes as f64 / 1e9 / seconds,
    );
}

/// Running counts over batches: per month, a dense `[lsoa][crime type]` array over global ids.
#[derive(Default)]
struct Totals {
    crime_types: Vec<String>,
    crime_type_ids: HashMap<String, usize>,
    lsoa_codes: Vec<String>,
    lsoa_ids: HashMap<String, usize>,
    months: BTreeMap<Month, Vec<u32>>,
}

impl Totals {
    fn add(&mut self, cube: &safer_import::police_uk::CountCube) -> Result<(), String> {
        let type_ids: Vec<usize> = cube
            .crime_types()
            .iter()
            .map(|t| intern(&mut self.crime_types, &mut self.crime_type_ids, t))
            .collect();
        if self.crime_types.len() > MAX_CRIME_TYPES {
            return Err(format!("more than {MAX_CRIME_TYPES} crime types"));
        }
        let lsoa_ids: Vec<usize> = cube
            .lsoa_codes()
            .iter()
            .map(|c| intern(&mut self.lsoa_codes, &mut self.lsoa_ids, c))
            .collect();
        let len = self.lsoa_codes.len() * MAX_CRIME_TYPES;
        for (month_idx, &month) in cube.months().iter().enumerate() {
            let cells = self.months.entry(month).or_default();
            cells.resize(len, 0);
            for (type_idx, &type_id) in type_ids.iter().enumerate() {
                for (lsoa_idx, &lsoa_id) in lsoa_ids.iter().enumerate() {
                    cells[lsoa_id * MAX_CRIME_TYPES + type_id] +=
                        cube.get(month_idx, type_idx, lsoa_idx);
                }
            }
        }
        Ok(())
    }

    fn merge(&mut self, other: &Totals) -> Result<(), String> {
        let type_ids: Vec<usize> = other
            .crime_types
            .iter()
            .map(|t| intern(&mut self.crime_types, &mut self.crime_type_ids, t))
            .collect();
        if self.crime_types.len() > MAX_CRIME_TYPES {
            return Err(format!("more than {MAX_CRIME_TYPES} crime types"));
        }
        let lsoa_ids: Vec<usize> = other
            .lsoa_codes
            .iter()
            .map(|c| intern(&mut self.lsoa_codes, &mut self.lsoa_ids, c))
            .collect();
        let len = self.lsoa_codes.len() * MAX_CRIME_TYPES;
        for (&month, other_cells) in &other.months {
            let cells = self.months.entry(month).or_default();
            cells.resize(len, 0);
            for (idx, &n) in other_cells.iter().enumerate() {
                if n > 0 {
                    let lsoa_id = lsoa_ids[idx / MAX_CRIME_TYPES];
                    cells[lsoa_id * MAX_CRIME_TYPES + type_ids[idx % MAX_CRIME_TYPES]] += n;
                }
            }
        }
        Ok(())
    }

    /// The non-zero counts as `(month, crime type, LSOA code, count)`, sorted.
    fn rows(&self) -> Vec<(Month, &str, &str, u64)> {
        let mut rows = Vec::new();
        for (&month, cells) in &self.months {
            for (idx, &n) in cells.iter().enumerate() {
                if n > 0 {
                    let crime_type = self.crime_types[idx % MAX_CRIME_TYPES].as_str();
                    rows.push((
                        month,
                        crime_type,
                        self.lsoa_codes[idx / MAX_CRIME_TYPES].as_str(),
                        u64::from(n),
                    ));
                }
            }
        }
        rows.sort_unstable();
        rows
    }
}

fn intern(strings: &mut Vec<String>, ids: &mut HashMap<String, usize>, text: &str) -> usize {
    if let Some(&id) = ids.get(text) {
        return id;
    }
    strings.push(text.to_string());
    ids.insert(text.to_string(), strings.len() - 1);
    strings.len() - 1
}

fn collect_street_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = path.metadata().map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for entry in entries {
        let entry_path = entry.map_err(|e| format!("{}: {e}", path.display()))?.path();
        if entry_path.is_dir() {
            collect_street_files(&entry_path, files)?;
        } else if entry_path.to_string_lossy().ends_with("-street.csv") {
            files.push(entry_path);
        }
    }
    Ok(())
}

fn write_csv(path: &Path, rows: &[(Month, &str, &str, u64)]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "month,crime_type,lsoa_code,count")?;
    for (month, crime_type, lsoa_code, n) in rows {
        writeln!(out, "{month},{crime_type},{lsoa_code},{n}")?;
    }
    out.flush()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
