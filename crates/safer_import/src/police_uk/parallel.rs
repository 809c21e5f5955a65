//! Scanning many street files at once on scoped threads.

use std::fmt;

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{count_street_bytes, CountReport, FileReport, LsoaFilter, StreetColumns, StreetCounts};
use crate::{Error, Result};

/// What became of one file of a batch.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The file name as given.
    pub name: String,
    /// The file's report, or why the whole file was rejected.
    pub result: Result<FileReport>,
}

/// Many street files scanned into one column store, in the order the files were given.
#[derive(Debug, Clone, Default)]
pub struct StreetBatch {
    /// The good rows of every file that could be read, file after file.
    pub columns: StreetColumns,
    /// One entry per file, in the order given.
    pub files: Vec<FileOutcome>,
}

impl StreetBatch {
    /// The total number of bad rows across the batch.
    pub fn n_row_errors(&self) -> usize {
        self.reports().map(|report| report.errors.len()).sum()
    }

    /// The reports of the files that were read, in order.
    pub fn reports(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter_map(|file| file.result.as_ref().ok())
    }

    /// The files rejected as a whole, with the reason.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.files
            .iter()
            .filter_map(|file| file.result.as_ref().err().map(|err| (file.name.as_str(), err)))
    }
}

/// Scans street files in parallel: `load` is called once per name, on a worker thread, to get
/// that file's bytes (so reading from disk overlaps with scanning), and the results are merged
/// in the order of `names`, so dictionary ids and row order do not depend on thread timing.
///
/// `n_threads` of 0 means one thread per available core. A file that cannot be loaded or read
/// is reported in [`StreetBatch::files`] and does not stop the others.
pub fn scan_street_files<N, B, E, F>(names: &[N], n_threads: usize, load: F) -> StreetBatch
where
    N: AsRef<str> + Sync,
    B: AsRef<[u8]>,
    E: fmt::Display,
    F: Fn(&N) -> std::result::Result<B, E> + Sync,
{
    scan_indexed(names.len(), n_threads, |idx| names[idx].as_ref(), |idx| load(&names[idx]))
}

/// [`scan_street_files`] over files already in memory, as `(name, bytes)` pairs.
pub fn scan_street_slices(files: &[(&str, &[u8])], n_threads: usize) -> StreetBatch {
    scan_indexed(
        files.len(),
        n_threads,
        |idx| files[idx].0,
        |idx| Ok::<_, std::convert::Infallible>(files[idx].1),
    )
}

fn scan_indexed<'n, B, E>(
    n_files: usize,
    n_threads: usize,
    name: impl Fn(usize) -> &'n str + Sync,
    load: impl Fn(usize) -> std::result::Result<B, E> + Sync,
) -> StreetBatch
where
    B: AsRef<[u8]>,
    E: fmt::Display,
{
    let n_threads = match n_threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .clamp(1, n_files.max(1));
    // Each thread scans a contiguous run of files into a store of its own; the stores are
    // appended in order. Strings get ids in order of first use either way, so the result is
    // the same as a sequential scan whatever the number of threads.
    let scan_run = |files: std::ops::Range<usize>| {
        let mut columns = StreetColumns::new();
        let outcomes: Vec<FileOutcome> = files
            .map(|idx| {
                let result = load(idx)
                    .map_err(|err| Error::Load {
                        name: crate::shorten(name(idx), 200),
                        message: err.to_string(),
                    })
                    .and_then(|bytes| columns.scan_file(name(idx), bytes.as_ref()));
                FileOutcome { name: name(idx).to_string(), result }
            })
            .collect();
        (columns, outcomes)
    };
    let runs: Vec<std::ops::Range<usize>> =
        (0..n_threads).map(|t| t * n_files / n_threads..(t + 1) * n_files / n_threads).collect();
    let scanned: Vec<(StreetColumns, Vec<FileOutcome>)> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            runs[1..].iter().map(|run| scope.spawn(|| scan_run(run.clone()))).collect();
        let first = scan_run(runs[0].clone());
        std::iter::once(first)
            .chain(handles.into_iter().map(|handle| {
                handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }))
            .collect()
    });

    let mut batch = StreetBatch::default();
    for (columns, outcomes) in scanned {
        let offset = batch.columns.len();
        batch.columns.append(columns);
        batch.files.extend(outcomes.into_iter().map(|mut outcome| {
            if let Ok(report) = &mut outcome.result {
                report.rows = report.rows.start + offset..report.rows.end + offset;
            }
            outcome
        }));
    }
    batch
}

/// Counts street files in parallel with the count-only fast path ([`count_street_bytes`]):
/// each worker takes the next file, `load` gives its bytes, and the workers' counts are merged
/// at the end. Returns the counts under `filter` and one result per name, in the order of
/// `names`; a file that cannot be loaded or read is an error in its slot and does not stop the
/// others. `n_threads` of 0 means one thread per available core.
pub fn count_street_files<N, B, E, F>(
    names: &[N],
    n_threads: usize,
    filter: &LsoaFilter,
    load: F,
) -> (StreetCounts, Vec<Result<CountReport>>)
where
    N: AsRef<str> + Sync,
    B: AsRef<[u8]>,
    E: fmt::Display,
    F: Fn(&N) -> std::result::Result<B, E> + Sync,
{
    let n_threads = match n_threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .min(names.len())
    .max(1);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut counts = StreetCounts::new(filter.clone());
        let mut results = Vec::new();
        loop {
            let idx = next.fetch_add(1, Ordering::Relaxed);
            let Some(name) = names.get(idx) else { return (counts, results) };
            let name = name.as_ref();
            let result = load(&names[idx])
                .map_err(|err| Error::Load {
                    name: crate::shorten(name, 200),
                    message: err.to_string(),
                })
                .and_then(|bytes| count_street_bytes(name, bytes.as_ref(), &mut counts));
            results.push((idx, result));
        }
    };
    let per_thread: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..n_threads).map(|_| scope.spawn(work)).collect();
        std::iter::once(work())
            .chain(handles.into_iter().map(|handle| {
                handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }))
            .collect()
    });
    let mut merged = StreetCounts::new(filter.clone());
    let mut results = Vec::with_capacity(names.len());
    for (counts, thread_results) in per_thread {
        merged.merge(&counts);
        results.extend(thread_results);
    }
    results.sort_by_key(|(idx, _)| *idx);
    (merged, results.into_iter().map(|(_, result)| result).collect())
}

#[cfg(test)]
mod tests {
    use super::{scan_street_files, scan_street_slices};
    use crate::police_uk::{Warning, STREET_HEADER};
    use crate::Error;

    fn file(month: &str, rows: &[(&str, &str, &str)]) -> Vec<u8> {
        let mut text = format!("{STREET_HEADER}\n");
        for (lsoa_code, lsoa_name, crime_type) in rows {
            text.push_str(&format!(
                ",{month},Kent Police,Kent Police,0.5,51.2,On or near X,{lsoa_code},{lsoa_name},\
                 {crime_type},,\n"
            ));
        }
        text.into_bytes()
    }

    #[test]
    fn merges_in_the_given_order_whatever_the_threads() {
        let a = file("2022-01", &[("E01024403", "Maidstone 001A", "Burglary")]);
        let b = file(
            "2022-02",
            &[
                ("E01024404", "Maidstone 001B", "Drugs"),
                ("E01024403", "Maidstone 001A", "Burglary"),
            ],
        );
        let c = file("2022-03", &[("E01024405", "Ashford 001A", "Robbery")]);
        let files = [
            ("2022-01-kent-street.csv", a.as_slice()),
            ("2022-02-kent-street.csv", b.as_slice()),
            ("2022-03-kent-street.csv", c.as_slice()),
        ];
        let one = scan_street_slices(&files, 1);
        for n_threads in [0, 2, 3, 8] {
            let many = scan_street_slices(&files, n_threads);
            let rows = |batch: &super::StreetBatch| {
                (0..batch.columns.len()).map(|i| batch.columns.row(i)).collect::<Vec<_>>()
            };
            assert_eq!(rows(&many), rows(&one));
            assert_eq!(many.columns.crime_type(), one.columns.crime_type());
            assert_eq!(many.columns.lsoa_code(), one.columns.lsoa_code());
        }
        let ranges: Vec<_> = one.reports().map(|r| r.rows.clone()).collect();
        assert_eq!(ranges, [0..1, 1..3, 3..4]);
        assert_eq!(one.columns.crime_types().len(), 4);
        assert_eq!(one.columns.lsoa_code()[2], one.columns.lsoa_code()[0]);
    }

    #[test]
    fn warnings_are_per_file_within_a_shared_store() {
        let a = file(
            "2022-01",
            &[
                ("E01024403", "Maidstone 001A", "Burglary"),
                ("E01024403", "Maidstone 001A", "Fraud"),
            ],
        );
        let b = file(
            "2022-02",
            &[
                ("E01024403", "Maidstone 001A", "Fraud"),
                ("E01024403", "Maidstone 001A", "Fraud"),
                ("E01024403", "Maidstone 001A", "Burglary"),
            ],
        );
        let c = file("2022-03", &[("E01024403", "Maidstone 001A", "Burglary")]);
        let files = [
            ("2022-01-kent-street.csv", a.as_slice()),
            ("2022-02-kent-street.csv", b.as_slice()),
            ("2022-03-kent-street.csv", c.as_slice()),
        ];
        let batch = scan_street_slices(&files, 1);
        let warnings: Vec<_> = batch.reports().map(|r| r.warnings.clone()).collect();
        let fraud = |n_rows, first_line| Warning::UnknownCrimeType {
            crime_type: "Fraud".to_string(),
            n_rows,
            first_line,
        };
        assert_eq!(warnings, [vec![fraud(1, 3)], vec![fraud(2, 2)], vec![]]);
    }

    #[test]
    fn a_failed_file_does_not_stop_the_others() {
        let good = file("2022-01", &[("E01024403", "Maidstone 001A", "Burglary")]);
        let names = ["2022-01-kent-street.csv", "2022-02-kent-street.csv", "notes.txt"];
        let batch = scan_street_files(&names, 2, |name| match *name {
            "2022-01-kent-street.csv" => Ok(good.clone()),
            "2022-02-kent-street.csv" => Err("permission denied"),
            _ => Ok(Vec::new()),
        });
        assert_eq!(batch.columns.len(), 1);
        let failures: Vec<_> = batch.failures().map(|(n, e)| (n, e.clone())).collect();
        assert_eq!(failures.len(), 2);
        assert_eq!(
            failures[0].1.to_string(),
            "cannot load `2022-02-kent-street.csv`: permission denied"
        );
        assert!(matches!(failures[1].1, Error::UnrecognisedFileName { .. }));
    }
}
