//! The row parse: owned, typed rows for loading into a database.

use std::collections::HashMap;

use super::fields;
use super::split::{Record, Splitter};
use super::{is_known_crime_type, open, FileInfo, FileKind, Month, RowError, Warning};
use crate::Result;

/// One file parsed into rows.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// What the file is.
    pub info: FileInfo,
    /// The good rows, in file order.
    pub rows: Vec<T>,
    /// The 1-based physical line each good row starts on (the header is line 1), parallel to
    /// `rows`.
    pub lines: Vec<usize>,
    /// The bad rows, in file order; they are not in `rows`.
    pub errors: Vec<RowError>,
    /// Things worth knowing about the good rows, such as unknown crime types.
    pub warnings: Vec<Warning>,
}

/// One row of a street-level crime file. Empty police.uk fields are `None` where a field may
/// be absent, and `""` would otherwise be ambiguous.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetRow {
    /// `Crime ID`: 64 hex digits; `None` for anti-social behaviour.
    pub crime_id: Option<String>,
    /// `Month`: always the file's month.
    pub month: Month,
    /// `Reported by`: the force that supplied the row, such as "Kent Police".
    pub reported_by: String,
    /// `Falls within`: the force area the row falls in.
    pub falls_within: String,
    /// `Longitude` in degrees; `None` for a row with no location.
    pub longitude: Option<f64>,
    /// `Latitude` in degrees; `None` for a row with no location.
    pub latitude: Option<f64>,
    /// `Location`, such as "On or near Week Street" or "No Location".
    pub location: String,
    /// `LSOA code`, such as `E01024403`; `None` for a row with no location.
    pub lsoa_code: Option<String>,
    /// `LSOA name`, such as "Maidstone 001A"; `None` for a row with no location.
    pub lsoa_name: Option<String>,
    /// `Crime type`, one of [`super::CRIME_TYPES`] unless police.uk adds a category.
    pub crime_type: String,
    /// `Last outcome category`; `None` for anti-social behaviour.
    pub last_outcome_category: Option<String>,
    /// `Context`; almost always `None`.
    pub context: Option<String>,
}

/// One row of an outcomes file.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    /// `Crime ID`: joins to [`StreetRow::crime_id`] across months and download vintages.
    pub crime_id: String,
    /// `Month`: the month of the outcome, always the file's month.
    pub month: Month,
    /// `Reported by`.
    pub reported_by: String,
    /// `Falls within`.
    pub falls_within: String,
    /// `Longitude` in degrees; `None` for a row with no location.
    pub longitude: Option<f64>,
    /// `Latitude` in degrees; `None` for a row with no location.
    pub latitude: Option<f64>,
    /// `Location`, such as "On or near Week Street" or "No location".
    pub location: String,
    /// `LSOA code`; `None` for a row with no location.
    pub lsoa_code: Option<String>,
    /// `LSOA name`; `None` for a row with no location.
    pub lsoa_name: Option<String>,
    /// `Outcome type`, such as "Offender given a caution".
    pub outcome_type: String,
}

/// One row of a stop and search file.
#[derive(Debug, Clone, PartialEq)]
pub struct StopSearchRow {
    /// `Type`, such as "Person search" or "Person and Vehicle search".
    pub kind: String,
    /// `Date`: an ISO 8601 timestamp in the file's month, as published.
    pub date: String,
    /// `Part of a policing operation`.
    pub part_of_policing_operation: Option<bool>,
    /// `Policing operation`.
    pub policing_operation: Option<String>,
    /// `Latitude` in degrees; `None` when not published.
    pub latitude: Option<f64>,
    /// `Longitude` in degrees; `None` when not published.
    pub longitude: Option<f64>,
    /// `Gender`.
    pub gender: Option<String>,
    /// `Age range`, such as "18-24".
    pub age_range: Option<String>,
    /// `Self-defined ethnicity`.
    pub self_defined_ethnicity: Option<String>,
    /// `Officer-defined ethnicity`.
    pub officer_defined_ethnicity: Option<String>,
    /// `Legislation`, such as "Misuse of Drugs Act 1971 (section 23)".
    pub legislation: Option<String>,
    /// `Object of search`.
    pub object_of_search: Option<String>,
    /// `Outcome`.
    pub outcome: Option<String>,
    /// `Outcome linked to object of search`.
    pub outcome_linked_to_object_of_search: Option<bool>,
    /// `Removal of more than just outer clothing`.
    pub removal_of_more_than_outer_clothing: Option<bool>,
}

fn optional(text: &str) -> Option<String> {
    Some(text).filter(|text| !text.is_empty()).map(str::to_string)
}

fn coordinate(value: f64) -> Option<f64> {
    Some(value).filter(|value| !value.is_nan())
}

/// Runs `validate` over every record of a file of kind `kind`, keeping the rows it returns.
fn parse<T>(
    file_name: &str,
    data: &[u8],
    kind: FileKind,
    mut validate: impl FnMut(&Record<'_>, Month, &mut Vec<RowError>) -> Option<T>,
) -> Result<Parsed<T>> {
    let (info, body_start) = open(file_name, data, kind)?;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut splitter = Splitter::new(&data[body_start..], 2);
    while let Some(record) = splitter.next_record() {
        if let Some(row) = validate(&record, info.month, &mut errors) {
            rows.push(row);
            lines.push(record.line);
        }
    }
    Ok(Parsed { info, rows, lines, errors, warnings: Vec::new() })
}

/// Parses a street file (`YYYY-MM-<force>-street.csv`, whole contents in `data`) into rows.
///
/// Accepts and rejects exactly the rows [`super::scan_street`] does.
pub fn parse_street_rows(file_name: &str, data: &[u8]) -> Result<Parsed<StreetRow>> {
    // Unknown crime types: (rows, first line), in order of first appearance.
    let mut unknown: Vec<(String, usize, usize)> = Vec::new();
    let mut unknown_index: HashMap<String, usize> = HashMap::new();
    let mut parsed = parse(file_name, data, FileKind::Street, |record, month, errors| {
        let row = fields::street(record, month, errors)?;
        if !is_known_crime_type(row.crime_type) {
            match unknown_index.get(row.crime_type) {
                Some(&idx) => unknown[idx].1 += 1,
                None => {
                    unknown_index.insert(row.crime_type.to_string(), unknown.len());
                    unknown.push((row.crime_type.to_string(), 1, record.line));
                }
            }
        }
        Some(StreetRow {
            crime_id: optional(row.crime_id),
            month: row.month,
            reported_by: row.reported_by.to_string(),
            falls_within: row.falls_within.to_string(),
            longitude: coordinate(row.longitude),
            latitude: coordinate(row.latitude),
            location: row.location.to_string(),
            lsoa_code: optional(row.lsoa_code),
            lsoa_name: optional(row.lsoa_name),
            crime_type: row.crime_type.to_string(),
            last_outcome_category: optional(row.last_outcome),
            context: optional(row.context),
        })
    })?;
    parsed.warnings = unknown
        .into_iter()
        .map(|(crime_type, n_rows, first_line)| Warning::UnknownCrimeType {
            crime_type,
            n_rows,
            first_line,
        })
        .collect();
    Ok(parsed)
}

/// Parses an outcomes file (`YYYY-MM-<force>-outcomes.csv`) into rows.
pub fn parse_outcome_rows(file_name: &str, data: &[u8]) -> Result<Parsed<OutcomeRow>> {
    parse(file_name, data, FileKind::Outcomes, |record, month, errors| {
        fields::outcome(record, month, errors).map(|row| OutcomeRow {
            crime_id: row.crime_id.to_string(),
            month: row.month,
            reported_by: row.reported_by.to_string(),
            falls_within: row.falls_within.to_string(),
            longitude: coordinate(row.longitude),
            latitude: coordinate(row.latitude),
            location: row.location.to_string(),
            lsoa_code: optional(row.lsoa_code),
            lsoa_name: optional(row.lsoa_name),
            outcome_type: row.outcome_type.to_string(),
        })
    })
}

/// Parses a stop and search file (`YYYY-MM-<force>-stop-and-search.csv`) into rows.
pub fn parse_stop_search_rows(file_name: &str, data: &[u8]) -> Result<Parsed<StopSearchRow>> {
    parse(file_name, data, FileKind::StopAndSearch, |record, month, errors| {
        fields::stop_search(record, month, errors).map(|row| {
            let t = row.text;
            StopSearchRow {
                kind: t[0].to_string(),
                date: t[1].to_string(),
                part_of_policing_operation: row.part_of_policing_operation,
                policing_operation: optional(t[3]),
                latitude: coordinate(row.latitude),
                longitude: coordinate(row.longitude),
                gender: optional(t[6]),
                age_range: optional(t[7]),
                self_defined_ethnicity: optional(t[8]),
                officer_defined_ethnicity: optional(t[9]),
                legislation: optional(t[10]),
                object_of_search: optional(t[11]),
                outcome: optional(t[12]),
                outcome_linked_to_object_of_search: row.outcome_linked_to_object_of_search,
                removal_of_more_than_outer_clothing: row.removal_of_more_than_outer_clothing,
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::parse_street_rows;

    const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

    #[test]
    fn rows_know_the_line_they_start_on() {
        let asb = ",2022-01,Kent Police,Kent Police,0.52,51.27,On or near High Street,E01024403,Maidstone 001A,Anti-social behaviour,,";
        let quoted = ",2022-01,Kent Police,Kent Police,0.52,51.27,\"On or near\nHigh Street\",E01024403,Maidstone 001A,Anti-social behaviour,,";
        let bad = ",2022-01,Kent Police,Kent Police,east,51.27,On or near High Street,E01024403,Maidstone 001A,Anti-social behaviour,,";
        let data = format!("{HEADER}\r\n{asb}\r\n\r\n{quoted}\r\n{bad}\r\n{asb}\r\n");
        let parsed = parse_street_rows("2022-01-kent-street.csv", data.as_bytes()).unwrap();
        assert_eq!(parsed.rows.len(), 3);
        assert_eq!(parsed.lines, [2, 4, 7], "a blank line and a quoted newline both count");
        assert_eq!(parsed.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [6]);
    }
}
