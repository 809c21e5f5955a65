//! The columnar scan of street files: [`StreetColumns`], dictionary-encoded.

use std::ops::Range;

use super::dictionary::RunEncoder;
use super::fields::{self, StreetRef};
use super::split::Splitter;
use super::{open, Dictionary, FileInfo, FileKind, Month, RowError, StreetRow, Warning};
use crate::Result;

/// Many strings stored end to end in one buffer: a compact column for values that rarely
/// repeat, such as `Crime ID`.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    text: String,
    ends: Vec<usize>,
}

impl TextColumn {
    /// The value of row `row` (`""` when the field was empty). Panics when out of range.
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.text[start..self.ends[row]]
    }

    /// The value of row `row`, or `None` when the field was empty.
    pub fn get_non_empty(&self, row: usize) -> Option<&str> {
        Some(self.get(row)).filter(|text| !text.is_empty())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    fn append(&mut self, other: &TextColumn) {
        let offset = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| end + offset));
    }
}

/// Street-level crime rows stored by column, with repeated text replaced by dictionary ids.
///
/// Every column has one entry per row, in file order. `Reported by` and `Falls within` share
/// the [`StreetColumns::forces`] dictionary. A row with no location has NaN coordinates and
/// [`Dictionary::EMPTY`] as its LSOA code and name ids. Counting by month × crime type × LSOA
/// reads only [`StreetColumns::month`], [`StreetColumns::crime_type`] and
/// [`StreetColumns::lsoa_code`] (see [`super::count_by_month_type_lsoa`]).
#[derive(Debug, Clone, Default)]
pub struct StreetColumns {
    month: Vec<Month>,
    crime_type: Vec<u32>,
    lsoa_code: Vec<u32>,
    lsoa_name: Vec<u32>,
    location: Vec<u32>,
    longitude: Vec<f64>,
    latitude: Vec<f64>,
    crime_id: TextColumn,
    reported_by: Vec<u32>,
    falls_within: Vec<u32>,
    last_outcome: Vec<u32>,
    context: Vec<u32>,
    crime_types: Dictionary,
    lsoa_codes: Dictionary,
    lsoa_names: Dictionary,
    locations: Dictionary,
    forces: Dictionary,
    last_outcomes: Dictionary,
    contexts: Dictionary,
}

impl StreetColumns {
    /// No rows.
    pub fn new() -> StreetColumns {
        StreetColumns::default()
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.month.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.month.is_empty()
    }

    /// `Month` of each row.
    pub fn month(&self) -> &[Month] {
        &self.month
    }

    /// `Crime type` of each row, as an id into [`StreetColumns::crime_types`].
    pub fn crime_type(&self) -> &[u32] {
        &self.crime_type
    }

    /// `LSOA code` of each row, as an id into [`StreetColumns::lsoa_codes`].
    pub fn lsoa_code(&self) -> &[u32] {
        &self.lsoa_code
    }

    /// `LSOA name` of each row, as an id into [`StreetColumns::lsoa_names`].
    pub fn lsoa_name(&self) -> &[u32] {
        &self.lsoa_name
    }

    /// `Location` of each row, as an id into [`StreetColumns::locations`].
    pub fn location(&self) -> &[u32] {
        &self.location
    }

    /// `Longitude` of each row; NaN when the row has no location.
    pub fn longitude(&self) -> &[f64] {
        &self.longitude
    }

    /// `Latitude` of each row; NaN when the row has no location.
    pub fn latitude(&self) -> &[f64] {
        &self.latitude
    }

    /// `Crime ID` of each row; empty for anti-social behaviour.
    pub fn crime_id(&self) -> &TextColumn {
        &self.crime_id
    }

    /// `Reported by` of each row, as an id into [`StreetColumns::forces`].
    pub fn reported_by(&self) -> &[u32] {
        &self.reported_by
    }

    /// `Falls within` of each row, as an id into [`StreetColumns::forces`].
    pub fn falls_within(&self) -> &[u32] {
        &self.falls_within
    }

    /// `Last outcome category` of each row, as an id into [`StreetColumns::last_outcomes`].
    pub fn last_outcome(&self) -> &[u32] {
        &self.last_outcome
    }

    /// `Context` of each row, as an id into [`StreetColumns::contexts`].
    pub fn context(&self) -> &[u32] {
        &self.context
    }

    /// The crime types seen.
    pub fn crime_types(&self) -> &Dictionary {
        &self.crime_types
    }

    /// The LSOA codes seen.
    pub fn lsoa_codes(&self) -> &Dictionary {
        &self.lsoa_codes
    }

    /// The LSOA names seen.
    pub fn lsoa_names(&self) -> &Dictionary {
        &self.lsoa_names
    }

    /// The locations seen, such as "On or near Week Street".
    pub fn locations(&self) -> &Dictionary {
        &self.locations
    }

    /// The forces seen in `Reported by` and `Falls within`.
    pub fn forces(&self) -> &Dictionary {
        &self.forces
    }

    /// The last outcome categories seen.
    pub fn last_outcomes(&self) -> &Dictionary {
        &self.last_outcomes
    }

    /// The contexts seen.
    pub fn contexts(&self) -> &Dictionary {
        &self.contexts
    }

    /// Row `row` as an owned [`StreetRow`]. Panics when out of range.
    pub fn row(&self, row: usize) -> StreetRow {
        let non_empty = |text: &str| Some(text.to_string()).filter(|text| !text.is_empty());
        let coordinate = |value: f64| Some(value).filter(|value| !value.is_nan());
        StreetRow {
            crime_id: self.crime_id.get_non_empty(row).map(str::to_string),
            month: self.month[row],
            reported_by: self.forces.get(self.reported_by[row]).to_string(),
            falls_within: self.forces.get(self.falls_within[row]).to_string(),
            longitude: coordinate(self.longitude[row]),
            latitude: coordinate(self.latitude[row]),
            location: self.locations.get(self.location[row]).to_string(),
            lsoa_code: non_empty(self.lsoa_codes.get(self.lsoa_code[row])),
            lsoa_name: non_empty(self.lsoa_names.get(self.lsoa_name[row])),
            crime_type: self.crime_types.get(self.crime_type[row]).to_string(),
            last_outcome_category: non_empty(self.last_outcomes.get(self.last_outcome[row])),
            context: non_empty(self.contexts.get(self.context[row])),
        }
    }

    /// Appends every row of `other`, translating its dictionary ids into this store's.
    ///
    /// Strings new to this store get ids in their order of first use in `other`, so appending
    /// stores made from consecutive files gives the same ids as scanning the files in order.
    pub fn append(&mut self, other: StreetColumns) {
        if self.is_empty() {
            // No row refers to this store's dictionaries: take the other store as it is.
            *self = other;
            return;
        }
        let crime_types = self.crime_types.absorb(&other.crime_types);
        remap(&mut self.crime_type, &other.crime_type, &crime_types);
        remap(&mut self.lsoa_code, &other.lsoa_code, &self.lsoa_codes.absorb(&other.lsoa_codes));
        remap(&mut self.lsoa_name, &other.lsoa_name, &self.lsoa_names.absorb(&other.lsoa_names));
        remap(&mut self.location, &other.location, &self.locations.absorb(&other.locations));
        let forces = self.forces.absorb(&other.forces);
        remap(&mut self.reported_by, &other.reported_by, &forces);
        remap(&mut self.falls_within, &other.falls_within, &forces);
        let outcomes = self.last_outcomes.absorb(&other.last_outcomes);
        remap(&mut self.last_outcome, &other.last_outcome, &outcomes);
        remap(&mut self.context, &other.context, &self.contexts.absorb(&other.contexts));
        self.month.extend_from_slice(&other.month);
        self.longitude.extend_from_slice(&other.longitude);
        self.latitude.extend_from_slice(&other.latitude);
        self.crime_id.append(&other.crime_id);
    }

    /// Scans one street file (whole contents in `data`) and appends its good rows.
    ///
    /// File-level problems (an empty file, a wrong name or header) are an [`crate::Error`] and
    /// append nothing; bad rows become [`RowError`]s in the report and are left out.
    pub fn scan_file(&mut self, file_name: &str, data: &[u8]) -> Result<FileReport> {
        let (info, body_start) = open(file_name, data, FileKind::Street)?;
        let start = self.len();
        self.reserve((data.len() - body_start) / 180);
        let mut errors = Vec::new();
        let mut encoders = Encoders::default();
        // The line of this file's first row of each crime type, by crime type id; 0 = none.
        let mut first_line: Vec<usize> = vec![0; self.crime_types.len()];
        let mut splitter = Splitter::new(&data[body_start..], 2);
        while let Some(record) = splitter.next_record() {
            let Some(row) = fields::street(&record, info.month, &mut errors) else {
                continue;
            };
            let crime_type = encoders.crime_type.encode(&mut self.crime_types, row.crime_type);
            let idx = crime_type as usize;
            if idx >= first_line.len() {
                first_line.resize(idx + 1, 0);
            }
            if first_line[idx] == 0 {
                first_line[idx] = record.line;
            }
            self.push_row(&mut encoders, crime_type, &row);
        }
        let warnings = self.unknown_crime_types(start, &first_line);
        Ok(FileReport { info, rows: start..self.len(), errors, warnings })
    }

    fn reserve(&mut self, n_rows: usize) {
        self.month.reserve(n_rows);
        self.crime_type.reserve(n_rows);
        self.lsoa_code.reserve(n_rows);
        self.lsoa_name.reserve(n_rows);
        self.location.reserve(n_rows);
        self.longitude.reserve(n_rows);
        self.latitude.reserve(n_rows);
        self.reported_by.reserve(n_rows);
        self.falls_within.reserve(n_rows);
        self.last_outcome.reserve(n_rows);
        self.context.reserve(n_rows);
        self.crime_id.ends.reserve(n_rows);
        self.crime_id.text.reserve(n_rows * 64);
    }

    #[inline]
    fn push_row(&mut self, enc: &mut Encoders, crime_type: u32, row: &StreetRef<'_>) {
        self.month.push(row.month);
        self.crime_type.push(crime_type);
        self.lsoa_code.push(enc.lsoa_code.encode(&mut self.lsoa_codes, row.lsoa_code));
        self.lsoa_name.push(enc.lsoa_name.encode(&mut self.lsoa_names, row.lsoa_name));
        self.location.push(enc.location.encode(&mut self.locations, row.location));
        self.longitude.push(row.longitude);
        self.latitude.push(row.latitude);
        self.crime_id.push(row.crime_id);
        self.reported_by.push(enc.reported_by.encode(&mut self.forces, row.reported_by));
        self.falls_within.push(enc.falls_within.encode(&mut self.forces, row.falls_within));
        let outcome = enc.last_outcome.encode(&mut self.last_outcomes, row.last_outcome);
        self.last_outcome.push(outcome);
        self.context.push(enc.context.encode(&mut self.contexts, row.context));
    }

    /// One warning per crime type outside [`super::CRIME_TYPES`] among the rows from `start`
    /// on, in order of first appearance.
    fn unknown_crime_types(&self, start: usize, first_line: &[usize]) -> Vec<Warning> {
        let mut unknown: Vec<(usize, u32)> = self
            .crime_types
            .iter()
            .filter(|&(id, text)| {
                let line = first_line.get(id as usize).copied().unwrap_or(0);
                line != 0 && !super::is_known_crime_type(text)
            })
            .map(|(id, _)| (first_line[id as usize], id))
            .collect();
        if unknown.is_empty() {
            return Vec::new();
        }
        unknown.sort_unstable();
        let mut n_rows = vec![0usize; self.crime_types.len()];
        for &id in &self.crime_type[start..] {
            n_rows[id as usize] += 1;
        }
        unknown
            .into_iter()
            .map(|(first_line, id)| Warning::UnknownCrimeType {
                crime_type: self.crime_types.get(id).to_string(),
                n_rows: n_rows[id as usize],
                first_line,
            })
            .collect()
    }
}

fn remap(target: &mut Vec<u32>, source: &[u32], ids: &[u32]) {
    target.extend(source.iter().map(|&id| ids[id as usize]));
}

/// What one file contributed to a [`StreetColumns`] store.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// What the file is.
    pub info: FileInfo,
    /// The file's good rows, as row indexes into the store.
    pub rows: Range<usize>,
    /// The file's bad rows, in file order; they are not in the store.
    pub errors: Vec<RowError>,
    /// Things worth knowing about the file's good rows, such as unknown crime types.
    pub warnings: Vec<Warning>,
}

/// One street file scanned into columns of its own.
#[derive(Debug, Clone)]
pub struct StreetScan {
    /// What the file is.
    pub info: FileInfo,
    /// The good rows.
    pub columns: StreetColumns,
    /// The bad rows, in file order; they are not in `columns`.
    pub errors: Vec<RowError>,
    /// Things worth knowing about the good rows, such as unknown crime types.
    pub warnings: Vec<Warning>,
}

/// Per-column run encoders for one file.
#[derive(Default)]
struct Encoders {
    crime_type: RunEncoder,
    lsoa_code: RunEncoder,
    lsoa_name: RunEncoder,
    location: RunEncoder,
    reported_by: RunEncoder,
    falls_within: RunEncoder,
    last_outcome: RunEncoder,
    context: RunEncoder,
}

/// Scans one street file (`YYYY-MM-<force>-street.csv`, whole contents in `data`) into columns
/// of its own; see [`StreetColumns::scan_file`] to add files to one store.
///
/// File-level problems (an empty file, a wrong name or header) are an [`crate::Error`]; bad
/// rows become [`RowError`]s and are left out.
pub fn scan_street(file_name: &str, data: &[u8]) -> Result<StreetScan> {
    let mut columns = StreetColumns::new();
    let report = columns.scan_file(file_name, data)?;
    Ok(StreetScan { info: report.info, columns, errors: report.errors, warnings: report.warnings })
}
