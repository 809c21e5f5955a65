//! police.uk CSV files: street-level crime and ASB, outcomes, and stop and search.
//!
//! Files are recognised by name (`YYYY-MM-<force>-street.csv`, `-outcomes.csv`,
//! `-stop-and-search.csv`) and checked against the header police.uk publishes for that kind
//! ([`recognise`]). Every reader shares one quote-aware splitter and one set of field checks, so
//! the columnar scan ([`scan_street`], [`scan_street_files`]) and the row parses
//! ([`parse_street_rows`], [`parse_outcome_rows`], [`parse_stop_search_rows`]) accept and reject
//! exactly the same rows. A bad row becomes a [`RowError`] naming its line and column and is
//! left out; the good rows are kept.
//!
//! For counts alone, [`count_street_bytes`] is the count-only fast path: the same splitting
//! rules, the same rows accepted and the same [`RowError`]s, but only the crime type and LSOA
//! are decoded, straight into [`StreetCounts`] (about four times faster than the full scan).
//!
//! Facts about the data that shaped this module are in `shared/data/PROVENANCE.md` and
//! `shared/docs/ANALYTICS.md` §1: ASB rows have an empty `Crime ID` and `Last outcome
//! category`; rows with no geography have empty coordinates and LSOA; districts are found by
//! the `LSOA name` prefix (`Maidstone 001A`), never by `Location`.

mod columns;
mod count;
mod dictionary;
mod fastcount;
mod fields;
mod month;
mod parallel;
mod rows;
pub(crate) mod split;

use std::fmt;

use crate::{Error, Result};

pub use columns::{scan_street, FileReport, StreetColumns, StreetScan, TextColumn};
pub use count::{count_by_month_type_lsoa, CountCube, LsoaFilter};
pub use dictionary::Dictionary;
pub use fastcount::{count_street_bytes, CountReport, StreetCounts};
pub use fields::{is_lsoa_code, LATITUDE_RANGE, LONGITUDE_RANGE};
pub use month::Month;
pub use parallel::{
    count_street_files, scan_street_files, scan_street_slices, FileOutcome, StreetBatch,
};
pub use rows::{
    parse_outcome_rows, parse_stop_search_rows, parse_street_rows, OutcomeRow, Parsed,
    StopSearchRow, StreetRow,
};

/// The header of a street-level crime file, as police.uk publishes it.
pub const STREET_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

/// The header of an outcomes file, as police.uk publishes it.
pub const OUTCOMES_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,\
Location,LSOA code,LSOA name,Outcome type";

/// The header of a stop and search file, as police.uk publishes it.
pub const STOP_AND_SEARCH_HEADER: &str = "Type,Date,Part of a policing operation,\
Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,\
Officer-defined ethnicity,Legislation,Object of search,Outcome,\
Outcome linked to object of search,Removal of more than just outer clothing";

/// The 14 crime types police.uk publishes (13 crime categories and anti-social behaviour),
/// spelled as published, in alphabetical order.
///
/// police.uk has changed its categories before, so a type outside this list is accepted and
/// reported as a [`Warning::UnknownCrimeType`].
pub use safer_domain::crime_type::CRIME_TYPES;

/// True when `crime_type` is one of the 14 [`CRIME_TYPES`].
pub fn is_known_crime_type(crime_type: &str) -> bool {
    CRIME_TYPES.contains(&crime_type)
}

/// The three kinds of police.uk CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `YYYY-MM-<force>-street.csv`: street-level crime and anti-social behaviour.
    Street,
    /// `YYYY-MM-<force>-outcomes.csv`: outcomes recorded that month, for crimes of any month.
    Outcomes,
    /// `YYYY-MM-<force>-stop-and-search.csv`: stop and search records.
    StopAndSearch,
}

impl FileKind {
    /// Every kind.
    pub const ALL: [FileKind; 3] = [FileKind::Street, FileKind::Outcomes, FileKind::StopAndSearch];

    /// The suffix of the file name after the force, for example `street` in
    /// `2022-01-kent-street.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Street => "street",
            FileKind::Outcomes => "outcomes",
            FileKind::StopAndSearch => "stop-and-search",
        }
    }

    /// The header police.uk publishes for this kind.
    pub fn header(self) -> &'static str {
        match self {
            FileKind::Street => STREET_HEADER,
            FileKind::Outcomes => OUTCOMES_HEADER,
            FileKind::StopAndSearch => STOP_AND_SEARCH_HEADER,
        }
    }

    /// The column names, in order, as police.uk publishes them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            FileKind::Street => &fields::STREET_COLUMNS,
            FileKind::Outcomes => &fields::OUTCOMES_COLUMNS,
            FileKind::StopAndSearch => &fields::STOP_AND_SEARCH_COLUMNS,
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a police.uk file is, from its name and header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileInfo {
    /// The force slug from the file name, for example `kent` or `avon-and-somerset`.
    pub force: String,
    /// The month the file covers, from the file name.
    pub month: Month,
    /// The kind of file.
    pub kind: FileKind,
}

/// Recognises a police.uk file from its name and first line.
///
/// `file_name` may include directories; only the last component is read. `first_line` is the
/// file's first line, with or without its line ending and UTF-8 byte order mark; passing the
/// whole file is fine, as only the bytes up to the first newline are read. A file whose
/// `first_line` is empty is [`Error::EmptyFile`].
pub fn recognise(file_name: &str, first_line: &[u8]) -> Result<FileInfo> {
    let info = recognise_name(file_name)?;
    if first_line.is_empty() {
        return Err(Error::EmptyFile);
    }
    let (header, _) = header_line(first_line);
    check_header(info.kind, header)?;
    Ok(info)
}

/// Recognises a police.uk file from its name alone, without checking its header.
pub fn recognise_name(file_name: &str) -> Result<FileInfo> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let unrecognised = || Error::UnrecognisedFileName { name: crate::shorten(file_name, 200) };
    let stem = base.strip_suffix(".csv").ok_or_else(unrecognised)?;
    let (rest, kind) = FileKind::ALL
        .into_iter()
        .find_map(|kind| {
            let rest = stem.strip_suffix(kind.as_str())?.strip_suffix('-')?;
            Some((rest, kind))
        })
        .ok_or_else(unrecognised)?;
    let (month, force) = rest.split_at_checked(7).ok_or_else(unrecognised)?;
    let month = Month::parse_bytes(month.as_bytes()).ok_or_else(unrecognised)?;
    let force = force.strip_prefix('-').ok_or_else(unrecognised)?;
    if !safer_domain::slug::is_slug(force) {
        return Err(unrecognised());
    }
    Ok(FileInfo { force: force.to_string(), month, kind })
}

/// Splits `data` (a whole file or its first line) into the header line without BOM or line
/// ending, and the offset just past the header's newline (the data length if there is none).
pub(crate) fn header_line(data: &[u8]) -> (&[u8], usize) {
    let bom = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let (end, next) = match memchr::memchr(b'\n', &data[bom..]) {
        Some(nl) => (bom + nl, bom + nl + 1),
        None => (data.len(), data.len()),
    };
    let end = if end > bom && data[end - 1] == b'\r' { end - 1 } else { end };
    (&data[bom..end], next)
}

fn check_header(kind: FileKind, header: &[u8]) -> Result<()> {
    if header == kind.header().as_bytes() {
        return Ok(());
    }
    Err(Error::WrongHeader {
        kind,
        expected: kind.header(),
        found: crate::shorten(&String::from_utf8_lossy(header), 300),
    })
}

/// Recognises the file, checks it is of the `expected` kind and returns where its data rows
/// start.
pub(crate) fn open(file_name: &str, data: &[u8], expected: FileKind) -> Result<(FileInfo, usize)> {
    let info = recognise_name(file_name)?;
    if info.kind != expected {
        return Err(Error::WrongKind {
            name: crate::shorten(file_name, 200),
            expected,
            found: info.kind,
        });
    }
    if data.is_empty() {
        return Err(Error::EmptyFile);
    }
    let (header, body_start) = header_line(data);
    check_header(info.kind, header)?;
    Ok((info, body_start))
}

/// A problem with one row. The row is left out; the rest of the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based physical line where the row starts (the header is line 1).
    pub line: usize,
    /// The police.uk column the problem is in, or `None` for a problem with the whole row
    /// (such as a wrong number of fields).
    pub field: Option<&'static str>,
    /// What is wrong, in lowercase without a trailing full stop.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "line {}, {field}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Something worth knowing about an accepted file that is not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// Rows have a crime type that is not one of the 14 [`CRIME_TYPES`]. They are kept.
    UnknownCrimeType {
        /// The crime type as written.
        crime_type: String,
        /// How many rows have it.
        n_rows: usize,
        /// The line of the first such row.
        first_line: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnknownCrimeType { crime_type, n_rows, first_line } => write!(
                f,
                "unknown crime type `{crime_type}` in {n_rows} row(s), first on line {first_line}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_three_kinds() {
        let street = recognise("2022-01-kent-street.csv", STREET_HEADER.as_bytes()).unwrap();
        assert_eq!(street.force, "kent");
        assert_eq!(street.month.to_string(), "2022-01");
        assert_eq!(street.kind, FileKind::Street);

        let header = format!("\u{feff}{OUTCOMES_HEADER}\r\n");
        let outcomes =
            recognise("data/2021-03/2021-03-avon-and-somerset-outcomes.csv", header.as_bytes())
                .unwrap();
        assert_eq!(outcomes.force, "avon-and-somerset");
        assert_eq!(outcomes.kind, FileKind::Outcomes);

        let body = format!("{STOP_AND_SEARCH_HEADER}\nPerson search,2021-03-01T00:00:00+00:00");
        let sas = recognise("2021-03-metropolitan-stop-and-search.csv", body.as_bytes()).unwrap();
        assert_eq!(sas.force, "metropolitan");
        assert_eq!(sas.kind, FileKind::StopAndSearch);
    }

    #[test]
    fn rejects_names_that_are_not_police_uk() {
        for bad in [
            "kent-street.csv",
            "2022-01-kent-street.txt",
            "2022-1-kent-street.csv",
            "2022-13-kent-street.csv",
            "2022-01-street.csv",
            "2022-01--street.csv",
            "2022-01-Kent-street.csv",
            "2022-01-kent-streets.csv",
            "2022-01-kent.csv",
            "2022-01_kent-street.csv",
        ] {
            let err = recognise(bad, STREET_HEADER.as_bytes()).unwrap_err();
            assert!(matches!(err, Error::UnrecognisedFileName { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn header_must_match_the_kind() {
        let err = recognise("2022-01-kent-street.csv", OUTCOMES_HEADER.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::WrongHeader { kind: FileKind::Street, .. }), "{err}");
        assert!(err.to_string().starts_with("wrong header for a police.uk street file"));
        assert_eq!(recognise("2022-01-kent-street.csv", b"").unwrap_err(), Error::EmptyFile);
    }

    #[test]
    fn every_kind_lists_its_header_columns() {
        for kind in FileKind::ALL {
            assert_eq!(kind.columns().join(","), kind.header());
        }
        assert_eq!(CRIME_TYPES.len(), 14);
        assert!(CRIME_TYPES.windows(2).all(|w| w[0] < w[1]));
    }
}
