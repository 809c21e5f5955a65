//! Parsers for the files partnerships bring to Safer: police.uk CSVs, partner indicators, ONS
//! lookups.
//!
//! This crate is pure: it does no IO (callers read files and hand over bytes) and has no async
//! code. Importers return typed records plus a list of [`police_uk::RowError`]s, so one bad row
//! never aborts a file; only problems with a whole file (an empty file, a wrong header, a name
//! that is not a police.uk file name) are an [`Error`].
//!
//! The police.uk importer lives in [`police_uk`]. It has two paths over the same splitter and
//! the same validation:
//! - a columnar scan ([`police_uk::StreetColumns`], [`police_uk::scan_street_files`]) that
//!   dictionary-encodes street files so counting month × crime type × LSOA is a tight loop
//!   ([`police_uk::count_by_month_type_lsoa`]);
//! - a count-only fast path ([`police_uk::count_street_bytes`]) with the same row checks that
//!   keeps only the counts, for `safer compare` on files;
//! - a row parse ([`police_uk::parse_street_rows`], [`police_uk::parse_outcome_rows`],
//!   [`police_uk::parse_stop_search_rows`]) that yields owned rows for loading into a database.
#![deny(missing_docs)]

pub mod geo;
pub mod geojson;
pub mod harm;
pub mod imd;
pub mod indicators;
pub mod police_uk;
pub mod premises;
pub mod survey;
pub mod synth;

use police_uk::FileKind;

/// A problem with a whole file, as opposed to one of its rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file has no bytes at all.
    #[error("empty file")]
    EmptyFile,
    /// The file name does not follow the police.uk pattern `YYYY-MM-<force>-<kind>.csv`.
    #[error(
        "`{name}` is not a police.uk file name; expected YYYY-MM-<force>-street.csv, \
         YYYY-MM-<force>-outcomes.csv or YYYY-MM-<force>-stop-and-search.csv"
    )]
    UnrecognisedFileName {
        /// The file name as given.
        name: String,
    },
    /// The first line is not the header police.uk publishes for this kind of file.
    #[error("wrong header for a police.uk {kind} file: expected `{expected}`, found `{found}`")]
    WrongHeader {
        /// The kind of file the name announced.
        kind: FileKind,
        /// The header police.uk publishes for that kind.
        expected: &'static str,
        /// The first line of the file, shortened if long.
        found: String,
    },
    /// The file is a police.uk file, but not of the kind this function reads.
    #[error("`{name}` is a police.uk {found} file, not a {expected} file")]
    WrongKind {
        /// The file name as given.
        name: String,
        /// The kind the caller asked for.
        expected: FileKind,
        /// The kind the file is.
        found: FileKind,
    },
    /// A month is not written `YYYY-MM`.
    #[error("invalid month `{value}`; expected YYYY-MM")]
    InvalidMonth {
        /// The text that failed to parse, shortened if long.
        value: String,
    },
    /// An LSOA filter is not `all`, `district:<name>` or `lsoa:<code>,<code>…`.
    #[error("invalid LSOA filter `{value}`; expected all, district:<name> or lsoa:<code>,<code>")]
    InvalidFilter {
        /// The text that failed to parse.
        value: String,
    },
    /// The caller's loader could not supply a file's bytes (see
    /// [`police_uk::scan_street_files`]).
    #[error("cannot load `{name}`: {message}")]
    Load {
        /// The file name as given.
        name: String,
        /// The loader's error message.
        message: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shortens `text` to at most `max` characters for an error message, marking the cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}
