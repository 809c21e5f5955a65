//! The real Kent files described in `shared/data/PROVENANCE.md`.
//!
//! The directory is `SAFER_REAL_DATA`, else `../shared/data` beside the workspace (the same
//! rule as `safer_test_utils::env::real_data_dir`). When neither exists the tests are skipped
//! with a note, unless `CI` is set, in which case they fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safer_import::police_uk::{
    count_by_month_type_lsoa, parse_outcome_rows, parse_street_rows, scan_street_files, LsoaFilter,
};

/// Street files: (file name, "Data rows", "Maidstone rows"), from the table in
/// PROVENANCE.md §1 (published facts, computed there with Python's csv module).
const STREET_FILES: [(&str, usize, usize); 23] = [
    ("2021-03-kent-street.csv", 17887, 1629),
    ("2021-04-kent-street.csv", 18183, 1602),
    ("2021-05-kent-street.csv", 18338, 1634),
    ("2021-06-kent-street.csv", 17506, 1509),
    ("2021-07-kent-street.csv", 19920, 1757),
    ("2021-08-kent-street.csv", 18287, 1748),
    ("2021-09-kent-street.csv", 17460, 1568),
    ("2021-10-kent-street.csv", 17728, 1624),
    ("2021-11-kent-street.csv", 17629, 1485),
    ("2021-12-kent-street.csv", 16303, 1469),
    ("2022-01-kent-street.csv", 16338, 1475),
    ("2022-02-kent-street.csv", 15383, 1311),
    ("2022-03-kent-street.csv", 17310, 1679),
    ("2022-04-kent-street.csv", 17144, 1604),
    ("2022-05-kent-street.csv", 17546, 1545),
    ("2022-06-kent-street.csv", 17388, 1442),
    ("2022-07-kent-street.csv", 17950, 1483),
    ("2022-08-kent-street.csv", 18365, 1576),
    ("2022-09-kent-street.csv", 16574, 1498),
    ("2022-10-kent-street.csv", 16172, 1416),
    ("2022-11-kent-street.csv", 15799, 1467),
    ("2022-12-kent-street.csv", 14976, 1407),
    ("2023-01-kent-street.csv", 14573, 1292),
];

/// Outcomes files: (file name, "Data rows", "Maidstone rows"), from the same table.
const OUTCOMES_FILES: [(&str, usize, usize); 13] = [
    ("2021-03-kent-outcomes.csv", 13796, 1180),
    ("2021-04-kent-outcomes.csv", 13163, 1211),
    ("2021-05-kent-outcomes.csv", 14734, 1210),
    ("2021-06-kent-outcomes.csv", 13841, 1250),
    ("2021-07-kent-outcomes.csv", 15873, 1479),
    ("2021-08-kent-outcomes.csv", 15851, 1497),
    ("2021-09-kent-outcomes.csv", 15828, 1436),
    ("2021-10-kent-outcomes.csv", 15435, 1300),
    ("2021-11-kent-outcomes.csv", 16600, 1360),
    ("2021-12-kent-outcomes.csv", 15051, 1281),
    ("2022-01-kent-outcomes.csv", 14982, 1261),
    ("2022-02-kent-outcomes.csv", 13292, 1180),
    ("2022-03-kent-outcomes.csv", 15697, 1495),
];

/// The real data directory, or `None` (with a note) when it is missing outside CI.
fn real_data_dir() -> Option<PathBuf> {
    let fallback = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let dir = std::env::var_os("SAFER_REAL_DATA").map(PathBuf::from).unwrap_or(fallback);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "SAFER_REAL_DATA is not set or {} is missing; under CI this is a failure, not a skip",
        dir.display()
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!("skipping: no real data at {} (set SAFER_REAL_DATA)", dir.display());
    }
    None
}

/// Every file under `dir` whose name ends with `suffix`, sorted by path.
fn find_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_str().is_some_and(|p| p.ends_with(suffix)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name")
}

/// Counts Maidstone rows by crime type with the `csv` crate, independently of our splitter:
/// (rows in the file, Maidstone rows by crime type).
fn csv_crate_count(path: &Path) -> (usize, BTreeMap<String, u64>) {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (lsoa_name, crime_type) = (col("LSOA name"), col("Crime type"));
    let mut n_rows = 0;
    let mut by_type = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        n_rows += 1;
        // Maidstone LSOA names are "Maidstone NNNL"; filter independently of LsoaFilter.
        let name = &record[lsoa_name];
        if name.starts_with("Maidstone ") && name.len() == "Maidstone 001A".len() {
            *by_type.entry(record[crime_type].to_string()).or_insert(0) += 1;
        }
    }
    (n_rows, by_type)
}

#[test]
fn street_files_match_published_counts_and_an_independent_count() {
    let Some(dir) = real_data_dir() else { return };
    let paths = find_files(&dir, "-street.csv");
    let mut names: Vec<&str> = paths.iter().map(|p| file_name(p)).collect();
    names.sort_unstable();
    let expected_names: Vec<&str> = STREET_FILES.iter().map(|(name, ..)| *name).collect();
    assert_eq!(names, expected_names, "the street files under {}", dir.display());

    let path_strings: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let batch = scan_street_files(&path_strings, 0, |path| std::fs::read(path));
    assert_eq!(batch.failures().count(), 0, "{:?}", batch.failures().collect::<Vec<_>>());
    let maidstone = LsoaFilter::District("Maidstone".to_string());
    for (path, file) in paths.iter().zip(&batch.files) {
        let report = file.result.as_ref().unwrap();
        let name = file_name(path);
        let &(_, data_rows, maidstone_rows) =
            STREET_FILES.iter().find(|(n, ..)| *n == name).unwrap();
        assert_eq!(report.errors, [], "{name}");
        assert_eq!(report.warnings, [], "{name}");
        assert_eq!(report.rows.len(), data_rows, "{name}: data rows");
        let columns = &batch.columns;
        let n_maidstone = report
            .rows
            .clone()
            .filter(|&row| {
                let code = columns.lsoa_codes().get(columns.lsoa_code()[row]);
                let lsoa_name = columns.lsoa_names().get(columns.lsoa_name()[row]);
                maidstone.matches(code, lsoa_name)
            })
            .count();
        assert_eq!(n_maidstone, maidstone_rows, "{name}: Maidstone rows");
        assert_eq!(report.info.month.to_string(), name[..7]);
    }
    assert_eq!(batch.columns.len(), STREET_FILES.iter().map(|(_, n, _)| n).sum::<usize>());

    // Maidstone by crime type: our cube against the csv crate, exactly.
    let cube = count_by_month_type_lsoa(&batch.columns, &maidstone);
    let mut independent: BTreeMap<String, u64> = BTreeMap::new();
    for path in &paths {
        let (n_rows, by_type) = csv_crate_count(path);
        let name = file_name(path);
        let &(_, data_rows, _) = STREET_FILES.iter().find(|(n, ..)| *n == name).unwrap();
        assert_eq!(n_rows, data_rows, "{name}: csv crate row count");
        for (crime_type, n) in by_type {
            *independent.entry(crime_type).or_insert(0) += n;
        }
    }
    let ours: BTreeMap<String, u64> =
        cube.by_crime_type().into_iter().filter(|&(_, n)| n > 0).collect();
    assert_eq!(ours, independent);
    assert_eq!(ours.len(), 14, "all 14 police.uk crime types occur in Maidstone");
    assert_eq!(cube.total(), STREET_FILES.iter().map(|&(_, _, m)| m as u64).sum::<u64>());
    assert_eq!(cube.months().len(), 23);
    // 95 LSOA 2011 codes plus the 8 LSOA 2021 codes of the 2022 vintage (PROVENANCE caveat 1).
    assert_eq!(cube.lsoa_codes().len(), 103);
    let by_month: Vec<u64> = cube.by_month().into_iter().map(|(_, n)| n).collect();
    let expected: Vec<u64> = STREET_FILES.iter().map(|&(_, _, m)| m as u64).collect();
    assert_eq!(by_month, expected);
}

#[test]
fn row_parse_agrees_with_the_columnar_scan_on_a_real_file() {
    let Some(dir) = real_data_dir() else { return };
    // One file of each line-ending style: CRLF (2022) and LF (2023-01).
    for name in ["2022-01-kent-street.csv", "2023-01-kent-street.csv"] {
        let path = find_files(&dir, name).pop().expect("file present");
        let bytes = std::fs::read(&path).unwrap();
        let parsed = parse_street_rows(name, &bytes).unwrap();
        let batch = scan_street_files(&[name], 1, |_| Ok::<_, String>(bytes.clone()));
        assert_eq!(parsed.errors, []);
        assert_eq!(parsed.rows.len(), batch.columns.len());
        for (idx, row) in parsed.rows.iter().enumerate() {
            assert_eq!(*row, batch.columns.row(idx), "{name} row {idx}");
        }
        let asb = parsed.rows.iter().filter(|r| r.crime_type == "Anti-social behaviour");
        assert!(asb.clone().all(|r| r.crime_id.is_none() && r.last_outcome_category.is_none()));
        let no_lsoa = parsed.rows.iter().filter(|r| r.lsoa_code.is_none()).count();
        let expected_no_lsoa = if name.starts_with("2022") { 179 } else { 129 };
        assert_eq!(no_lsoa, expected_no_lsoa, "{name}: rows with no LSOA");
    }
}

#[test]
fn outcomes_files_match_published_counts() {
    let Some(dir) = real_data_dir() else { return };
    let paths = find_files(&dir, "-outcomes.csv");
    assert_eq!(paths.len(), OUTCOMES_FILES.len());
    let maidstone = LsoaFilter::District("Maidstone".to_string());
    for path in paths {
        let name = file_name(&path);
        let &(_, data_rows, maidstone_rows) =
            OUTCOMES_FILES.iter().find(|(n, ..)| *n == name).unwrap();
        let parsed = parse_outcome_rows(name, &std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(parsed.errors, [], "{name}");
        assert_eq!(parsed.rows.len(), data_rows, "{name}");
        let n_maidstone = parsed
            .rows
            .iter()
            .filter(|r| maidstone.matches("", r.lsoa_name.as_deref().unwrap_or_default()))
            .count();
        assert_eq!(n_maidstone, maidstone_rows, "{name}: Maidstone rows");
    }
}
