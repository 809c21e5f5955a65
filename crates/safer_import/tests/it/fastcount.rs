//! The count-only scan (`count_street_bytes`) against the full scan (`scan_street`,
//! `scan_street_slices` + `count_by_month_type_lsoa`): the same counts, row errors, warnings
//! and file errors on broken files, randomly damaged files, synthetic files and the real Kent
//! files.

use std::path::{Path, PathBuf};

use safer_import::police_uk::{
    count_by_month_type_lsoa, count_street_bytes, scan_street, scan_street_slices, LsoaFilter,
    StreetCounts, OUTCOMES_HEADER, STREET_HEADER,
};
use safer_import::synth::{StreetSynth, SynthConfig};

const NAME: &str = "2022-01-kent-street.csv";
const ID: &str = "c72cf95ee7e81127c614d0bc968b6b1b56aa589e13e2c5b8386bb8648fc6feaa";

/// Checks that the two paths agree on `files` under `filter`, file by file and in total, also
/// when the files are counted into two sets of counts that are then merged. Returns the total.
#[track_caller]
fn agree(case: &str, files: &[(&str, &[u8])], filter: &LsoaFilter) -> u64 {
    let mut counts = StreetCounts::new(filter.clone());
    for &(name, data) in files {
        let full = scan_street(name, data);
        let fast = count_street_bytes(name, data, &mut counts);
        match (full, fast) {
            (Ok(full), Ok(fast)) => {
                assert_eq!(fast.errors, full.errors, "{case}: {name}: row errors");
                assert_eq!(fast.warnings, full.warnings, "{case}: {name}: warnings");
                assert_eq!(fast.rows, full.columns.len(), "{case}: {name}: good rows");
                assert_eq!(fast.info, full.info, "{case}: {name}");
            }
            (Err(full), Err(fast)) => assert_eq!(fast, full, "{case}: {name}: file error"),
            (full, fast) => panic!("{case}: {name}: full scan {full:?}, count-only scan {fast:?}"),
        }
    }
    let batch = scan_street_slices(files, 1);
    let full = count_by_month_type_lsoa(&batch.columns, filter);
    let fast = counts.to_cube();
    assert_eq!(fast, full, "{case}: counts under {filter}");
    assert_eq!(counts.total(), full.total());

    // Two halves on "two threads", merged.
    let (first, second) = files.split_at(files.len() / 2);
    let mut a = StreetCounts::new(filter.clone());
    let mut b = StreetCounts::new(filter.clone());
    for (half, counts) in [(first, &mut a), (second, &mut b)] {
        for &(name, data) in half {
            let _ = count_street_bytes(name, data, counts);
        }
    }
    a.merge(&b);
    assert_eq!(a.to_cube(), full, "{case}: merged counts under {filter}");
    full.total()
}

fn filters() -> Vec<LsoaFilter> {
    vec![
        LsoaFilter::All,
        LsoaFilter::District("Maidstone".to_string()),
        LsoaFilter::Codes(vec!["E01024403".to_string(), "E01024404".to_string()]),
    ]
}

fn crime(crime_type: &str) -> String {
    format!(
        "{ID},2022-01,Kent Police,Kent Police,0.522483,51.272316,On or near Week Street,\
         E01024403,Maidstone 001A,{crime_type},Under investigation,"
    )
}

const ASB: &str = ",2022-01,Kent Police,Kent Police,0.522483,51.272316,On or near Week Street,\
E01024404,Maidstone 001B,Anti-social behaviour,,";

fn no_location() -> String {
    format!(
        "{ID},2022-01,Kent Police,Kent Police,,,No Location,,,Other crime,\
         Unable to prosecute suspect,"
    )
}

fn file(lines: &[&str], eol: &str) -> Vec<u8> {
    lines.iter().flat_map(|line| [*line, eol]).collect::<String>().into_bytes()
}

/// The broken-file corpus of `broken_files.rs`, rebuilt here (its helpers are private to
/// it), plus a few cases of our own.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let good = [STREET_HEADER, &crime("Burglary"), ASB, &no_location()];
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |label: &str, data: Vec<u8>| files.push((label.to_string(), data));
    add("lf", file(&good, "\n"));
    add("crlf", file(&good, "\r\n"));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(file(&good, "\r\n"));
    add("bom", bom);
    let mut unterminated = file(&good, "\r\n");
    unterminated.truncate(unterminated.len() - 2);
    add("no final newline", unterminated);
    let mut lone_cr = file(&good, "\n");
    lone_cr.extend_from_slice(b"\r");
    add("final lone CR", lone_cr);

    let mut truncated = file(&[STREET_HEADER, &crime("Burglary"), &crime("Drugs")], "\r\n");
    truncated.extend_from_slice(format!("{ID},2022-01,Kent Po").as_bytes());
    add("truncated last line", truncated);
    add("wrong header", file(&[OUTCOMES_HEADER, &crime("Burglary")], "\n"));
    let short = STREET_HEADER.replace(",Context", "");
    add("short header", file(&[&short, &crime("Burglary")], "\n"));
    add("empty", Vec::new());
    add("header only", STREET_HEADER.as_bytes().to_vec());
    add("header only with newline", format!("{STREET_HEADER}\r\n").into_bytes());

    let mut bad_utf8 = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    let bad_row = crime("Drugs").replace("Week Street", "W\u{1}ek Street").into_bytes();
    bad_utf8.extend(bad_row.into_iter().map(|b| if b == 1 { 0xFF } else { b }));
    bad_utf8.extend_from_slice(b"\n");
    bad_utf8.extend_from_slice(crime("Robbery").as_bytes());
    add("invalid UTF-8", bad_utf8);
    let mut bad_type = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    bad_type.extend_from_slice(&crime("Dr\u{1}gs").into_bytes());
    let last = bad_type.iter().rposition(|&b| b == 1).unwrap();
    bad_type[last] = 0xC3;
    bad_type.extend_from_slice(format!("\n{}\n", crime("Robbery")).as_bytes());
    add("invalid UTF-8 in the crime type", bad_type);
    add(
        "valid non-ASCII",
        file(&[STREET_HEADER, &crime("Burglary").replace("Week", "Wéek"), &crime("Drugs")], "\n"),
    );

    let coordinates = |lon: &str, lat: &str| {
        crime("Burglary").replace("0.522483,51.272316", &format!("{lon},{lat}"))
    };
    add(
        "bad coordinates",
        file(
            &[
                STREET_HEADER,
                &coordinates("abc", "51.272316"),
                &coordinates("0.522483", "51,2"),
                &coordinates("0.522483", "95.0"),
                &coordinates("0.522483", ""),
                &coordinates("", "51.272316"),
                &coordinates("NaN", "inf"),
                &coordinates("-0.5", "51.5"),
                &coordinates("", ""),
                &coordinates("1e-1", "5.1e1"),
                &coordinates("+0.5", "51.5"),
                &coordinates("3.0000001", "49"),
            ],
            "\n",
        ),
    );

    let quoted_comma = crime("Burglary")
        .replace("On or near Week Street", "\"On or near Week Street, Maidstone\"");
    let quoted_newline = crime("Drugs").replace("Under investigation", "\"Under\ninvestigation\"");
    let escaped = crime("Robbery").replace("On or near Week Street", "\"The \"\"Mall\"\"\"");
    let quoted_type = crime("\"Vehicle crime\"");
    let quoted_lsoa = crime("Burglary").replace("Maidstone 001A", "\"Maidstone 001A\"");
    let quoted_escaped_type = crime("\"Bicycle \"\"theft\"\"\"");
    let stray_quote = crime("Burglary").replace("Week Street", "Week \"Street");
    add(
        "quoted fields",
        file(
            &[
                STREET_HEADER,
                &quoted_comma,
                &quoted_newline,
                &escaped,
                "bad,row",
                &quoted_type,
                &quoted_lsoa,
                &quoted_escaped_type,
                &stray_quote,
                &crime("Burglary"),
            ],
            "\r\n",
        ),
    );
    add(
        "blank lines",
        file(&[STREET_HEADER, "", &crime("Burglary"), "", "\r", "short,row", ""], "\r\n"),
    );
    add(
        "month checks",
        file(
            &[
                STREET_HEADER,
                &crime("Burglary").replace(",2022-01,", ",2022-02,"),
                &crime("Burglary").replace(",2022-01,", ",Jan-22,"),
                &crime("Burglary").replace(",2022-01,", ",2022-1,"),
                &crime("Burglary").replace(",2022-01,", ",2022-13,"),
                &crime("Burglary"),
            ],
            "\n",
        ),
    );
    add(
        "LSOA code and crime type checks",
        file(
            &[
                STREET_HEADER,
                &crime("Burglary").replace("E01024403", "E0102440"),
                &crime("Burglary").replace("E01024403", "S01000001"),
                &crime(""),
                &crime("").replace("E01024403", "X"),
                &crime("Burglary").replace("E01024403", "W01000001"),
            ],
            "\n",
        ),
    );
    let mut open_quote = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    open_quote.extend_from_slice(
        crime("Drugs").replace("On or near Week Street", "\"On or near Week").as_bytes(),
    );
    add("unterminated quote at the end", open_quote);
    let after = crime("Drugs").replace("On or near Week Street", "\"On or near\" Week Street");
    add("text after a closing quote", file(&[STREET_HEADER, &after, &crime("Burglary")], "\n"));
    add(
        "unknown crime types",
        file(
            &[
                STREET_HEADER,
                &crime("Burglary"),
                &crime("Fraud"),
                &crime("Drugs"),
                &crime("Fraud"),
                &crime("Cyber"),
            ],
            "\n",
        ),
    );
    // More than 16 crime types: past the dense slots.
    let many: Vec<String> = (0..40).map(|i| crime(&format!("Invented type {i}"))).collect();
    let mut lines = vec![STREET_HEADER];
    lines.extend(many.iter().map(String::as_str));
    lines.push(ASB);
    add("many crime types", file(&lines, "\n"));
    // A long row, so records cross several 64-byte blocks, and one of exactly 64 bytes.
    let long = crime("Burglary").replace("Week Street", &"Long Street ".repeat(40));
    add("long rows", file(&[STREET_HEADER, &long, &crime("Drugs"), &long], "\n"));
    files
}

#[test]
fn agrees_with_the_full_scan_on_the_broken_file_corpus() {
    for (label, data) in corpus() {
        for filter in filters() {
            let files = [(NAME, data.as_slice())];
            agree(&label, &files, &filter);
        }
    }
    // Wrong names and kinds are file errors on both paths.
    let data = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    for name in ["kent.csv", "2022-01-kent-outcomes.csv"] {
        let mut counts = StreetCounts::new(LsoaFilter::All);
        assert_eq!(
            count_street_bytes(name, &data, &mut counts).unwrap_err(),
            scan_street(name, &data).unwrap_err()
        );
        assert_eq!(counts.total(), 0);
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn synth(months: u32, rows_per_month: u64, seed: u64) -> (StreetSynth, Vec<(String, Vec<u8>)>) {
    let config = SynthConfig {
        force: "kent".to_string(),
        months,
        rows_per_month,
        seed,
        start: "2021-11".parse().unwrap(),
    };
    let synth = StreetSynth::new(config).unwrap();
    let files = (0..synth.n_files()).map(|i| (synth.file_path(i), synth.file(i))).collect();
    (synth, files)
}

/// A district and two LSOA codes that occur in `data`, read from its second line.
fn filters_for(data: &[u8]) -> Vec<LsoaFilter> {
    let text = String::from_utf8_lossy(data);
    let rows: Vec<Vec<&str>> =
        text.lines().skip(1).take(2000).map(|l| l.split(',').collect()).collect();
    let with_lsoa: Vec<&Vec<&str>> =
        rows.iter().filter(|r| r.len() == 12 && !r[7].is_empty()).collect();
    let name = with_lsoa[0][8];
    let district = name[..name.len() - 5].to_string();
    let codes = vec![with_lsoa[0][7].to_string(), with_lsoa[with_lsoa.len() - 1][7].to_string()];
    vec![LsoaFilter::All, LsoaFilter::District(district), LsoaFilter::Codes(codes)]
}

#[test]
fn agrees_with_the_full_scan_on_synthetic_files() {
    let (_, files) = synth(4, 3_000, 7);
    let slices: Vec<(&str, &[u8])> =
        files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    for filter in filters_for(&files[0].1) {
        let total = agree("synthetic", &slices, &filter);
        assert!(total > 0, "{filter} selects something");
    }
}

/// Damages synthetic files at random (quotes, commas, newlines, CRs, bytes that are not
/// UTF-8, digits, deleted bytes) and checks both paths still agree exactly.
#[test]
fn agrees_with_the_full_scan_on_randomly_damaged_files() {
    let (_, files) = synth(2, 400, 11);
    let filters = filters_for(&files[0].1);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    const DAMAGE: &[&[u8]] = &[
        b"\"",
        b"\"\"",
        b",",
        b"\n",
        b"\r\n",
        b"\r",
        b"\xFF",
        b"\xC3\xA9",
        b"\xC3",
        b"9",
        b"-",
        b"",
        b",\"a\"\"b\",",
        b"\"x\ny\"",
        b"E01",
        b"2022-01",
        b"\n\n",
    ];
    let (mut n_errors, mut n_invalid_utf8, mut n_quoting) = (0, 0, 0);
    for round in 0..300 {
        let (name, original) = &files[round % files.len()];
        let mut data = original.clone();
        let header_end = data.iter().position(|&b| b == b'\n').unwrap() + 1;
        for _ in 0..1 + rng.below(12) {
            let at = header_end + rng.below(data.len() - header_end);
            let cut = rng.below(3);
            let end = (at + cut).min(data.len());
            let insert = DAMAGE[rng.below(DAMAGE.len())];
            data.splice(at..end, insert.iter().copied());
        }
        if rng.below(4) == 0 {
            data.truncate(header_end + rng.below(data.len() - header_end));
        }
        let filter = &filters[round % filters.len()];
        agree(&format!("damaged round {round}"), &[(name.as_str(), data.as_slice())], filter);
        let errors = scan_street(name, &data).unwrap().errors;
        n_errors += errors.len();
        n_invalid_utf8 += errors.iter().filter(|e| e.reason == "invalid UTF-8").count();
        n_quoting += errors.iter().filter(|e| e.reason.contains("quote")).count();
    }
    // The damage reached the paths it was meant to.
    assert!(
        n_errors > 300 && n_invalid_utf8 > 10 && n_quoting > 10,
        "{n_errors} {n_invalid_utf8} {n_quoting}"
    );
}

/// The real data directory, as in `real_data.rs`: `SAFER_REAL_DATA`, else `../shared/data`
/// beside the workspace; skipped with a note when missing, a failure under CI.
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

fn street_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_str().is_some_and(|p| p.ends_with("-street.csv")) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn agrees_with_the_full_scan_on_the_real_kent_files() {
    let Some(dir) = real_data_dir() else { return };
    let paths = street_files(&dir);
    assert_eq!(paths.len(), 23, "the 23 Kent street files under {}", dir.display());
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read(p).expect("readable file")))
        .collect();
    let slices: Vec<(&str, &[u8])> =
        files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let mut totals = Vec::new();
    for filter in [
        LsoaFilter::All,
        LsoaFilter::District("Maidstone".to_string()),
        LsoaFilter::District("Tunbridge Wells".to_string()),
        "lsoa:E01024403,E01024404,E01035001".parse().unwrap(),
    ] {
        totals.push(agree("real Kent", &slices, &filter));
    }
    // Every row of the 23 files, and the Maidstone total from PROVENANCE.md (see real_data.rs).
    assert_eq!(totals[0], 394_759);
    assert_eq!(totals[1], 35_220);
}
