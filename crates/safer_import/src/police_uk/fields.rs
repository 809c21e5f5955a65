//! Field checks shared by every reader, and the validated, borrowed view of each kind of row.
//!
//! Both the columnar scan and the row parses call [`street`], [`outcome`] and [`stop_search`],
//! so they accept and reject the same rows with the same [`RowError`]s.

use std::ops::RangeInclusive;

use super::split::{Problem, Record};
use super::{Month, RowError};

/// Street file columns, as published.
pub(crate) const STREET_COLUMNS: [&str; 12] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
];

/// Outcomes file columns, as published.
pub(crate) const OUTCOMES_COLUMNS: [&str; 10] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
];

/// Stop and search file columns, as published.
pub(crate) const STOP_AND_SEARCH_COLUMNS: [&str; 15] = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
];

/// Accepted longitudes (degrees east): the British Isles with a margin. police.uk publishes
/// England, Wales and Northern Ireland; British Transport Police also covers Scotland.
pub const LONGITUDE_RANGE: RangeInclusive<f64> = -11.0..=3.0;

/// Accepted latitudes (degrees north), as for [`LONGITUDE_RANGE`].
pub const LATITUDE_RANGE: RangeInclusive<f64> = 49.0..=61.0;

/// A validated street row, borrowing from the file (or the splitter's scratch buffer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreetRef<'a> {
    pub(crate) crime_id: &'a str,
    pub(crate) month: Month,
    pub(crate) reported_by: &'a str,
    pub(crate) falls_within: &'a str,
    /// NaN when absent (with `latitude`).
    pub(crate) longitude: f64,
    pub(crate) latitude: f64,
    pub(crate) location: &'a str,
    pub(crate) lsoa_code: &'a str,
    pub(crate) lsoa_name: &'a str,
    pub(crate) crime_type: &'a str,
    pub(crate) last_outcome: &'a str,
    pub(crate) context: &'a str,
}

/// A validated outcomes row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutcomeRef<'a> {
    pub(crate) crime_id: &'a str,
    pub(crate) month: Month,
    pub(crate) reported_by: &'a str,
    pub(crate) falls_within: &'a str,
    pub(crate) longitude: f64,
    pub(crate) latitude: f64,
    pub(crate) location: &'a str,
    pub(crate) lsoa_code: &'a str,
    pub(crate) lsoa_name: &'a str,
    pub(crate) outcome_type: &'a str,
}

/// A validated stop and search row; the 15 fields in published order, with typed exceptions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StopSearchRef<'a> {
    pub(crate) text: [&'a str; 15],
    pub(crate) part_of_policing_operation: Option<bool>,
    pub(crate) latitude: f64,
    pub(crate) longitude: f64,
    pub(crate) outcome_linked_to_object_of_search: Option<bool>,
    pub(crate) removal_of_more_than_outer_clothing: Option<bool>,
}

/// Collects the problems of one row.
struct Checker<'r, 'a> {
    record: &'r Record<'a>,
    columns: &'static [&'static str],
    errors: &'r mut Vec<RowError>,
    ok: bool,
}

impl<'r, 'a> Checker<'r, 'a> {
    /// Starts checking `record`; false (with an error pushed) when its shape is wrong.
    fn start(
        record: &'r Record<'a>,
        columns: &'static [&'static str],
        errors: &'r mut Vec<RowError>,
    ) -> Option<Checker<'r, 'a>> {
        let mut checker = Checker { record, columns, errors, ok: true };
        if let Some(problem) = record.problem {
            let (field, reason) = match problem {
                Problem::UnterminatedQuote { field } => (field, "unterminated quote"),
                Problem::TextAfterQuote { field } => (field, "text after a closing quote"),
            };
            checker.fail(columns.get(field).copied(), reason.to_string());
            return None;
        }
        if record.len() != columns.len() {
            let reason = format!("expected {} fields, found {}", columns.len(), record.len());
            checker.fail(None, reason);
            return None;
        }
        Some(checker)
    }

    fn fail(&mut self, field: Option<&'static str>, reason: String) {
        self.ok = false;
        self.errors.push(RowError { line: self.record.line, field, reason });
    }

    /// Field `idx` as UTF-8 text; `""` (and an error) when it is not valid UTF-8.
    #[inline]
    fn text(&mut self, idx: usize) -> &'a str {
        match self.record.text(idx) {
            Some(text) => text,
            None => {
                self.fail(Some(self.columns[idx]), "invalid UTF-8".to_string());
                ""
            }
        }
    }

    /// A non-empty text field.
    fn required(&mut self, idx: usize) -> &'a str {
        let text = self.text(idx);
        if text.is_empty() && self.ok_so_far_for(idx) {
            self.fail(Some(self.columns[idx]), "empty".to_string());
        }
        text
    }

    /// True unless field `idx` already failed (so an invalid UTF-8 field is not also "empty").
    fn ok_so_far_for(&self, idx: usize) -> bool {
        self.errors.last().is_none_or(|last| {
            last.line != self.record.line || last.field != Some(self.columns[idx])
        })
    }

    /// A `YYYY-MM` field that must equal the file's month.
    fn month(&mut self, idx: usize, file_month: Month) -> Month {
        let raw = self.record.field(idx);
        match Month::parse_bytes(raw) {
            Some(month) if month == file_month => month,
            Some(month) => {
                let reason = format!("{month} is not the file's month {file_month}");
                self.fail(Some(self.columns[idx]), reason);
                file_month
            }
            None => {
                let reason = format!("not a month (YYYY-MM): `{}`", show(raw));
                self.fail(Some(self.columns[idx]), reason);
                file_month
            }
        }
    }

    /// A longitude and latitude pair; both empty is a row with no location (NaN, NaN).
    fn coordinates(&mut self, lon_idx: usize, lat_idx: usize) -> (f64, f64) {
        let lon = self.record.field(lon_idx);
        let lat = self.record.field(lat_idx);
        if lon.is_empty() && lat.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        // Check in column order, so errors come out in the order of the header.
        if lon_idx < lat_idx {
            let lon = self.coordinate(lon_idx, lon, lat_idx, &LONGITUDE_RANGE);
            (lon, self.coordinate(lat_idx, lat, lon_idx, &LATITUDE_RANGE))
        } else {
            let lat = self.coordinate(lat_idx, lat, lon_idx, &LATITUDE_RANGE);
            (self.coordinate(lon_idx, lon, lat_idx, &LONGITUDE_RANGE), lat)
        }
    }

    fn coordinate(
        &mut self,
        idx: usize,
        raw: &[u8],
        other_idx: usize,
        range: &RangeInclusive<f64>,
    ) -> f64 {
        let field = Some(self.columns[idx]);
        if raw.is_empty() {
            let reason = format!("empty while {} is given", self.columns[other_idx]);
            self.fail(field, reason);
            return f64::NAN;
        }
        match parse_f64(raw) {
            Some(value) if range.contains(&value) => value,
            Some(value) => {
                let reason =
                    format!("{value} is out of range ({} to {})", range.start(), range.end());
                self.fail(field, reason);
                f64::NAN
            }
            None => {
                self.fail(field, format!("not a number: `{}`", show(raw)));
                f64::NAN
            }
        }
    }

    /// An LSOA code: empty, or `E01`/`W01` and six digits.
    fn lsoa_code(&mut self, idx: usize) -> &'a str {
        let code = self.text(idx);
        if !code.is_empty() && !is_lsoa_code(code) {
            let reason = format!(
                "not an LSOA code (E01 or W01 and six digits): `{}`",
                show(code.as_bytes())
            );
            self.fail(Some(self.columns[idx]), reason);
        }
        code
    }

    /// `True`, `False` (any case) or empty.
    fn flag(&mut self, idx: usize) -> Option<bool> {
        let raw = self.record.field(idx);
        if raw.is_empty() {
            None
        } else if raw.eq_ignore_ascii_case(b"true") {
            Some(true)
        } else if raw.eq_ignore_ascii_case(b"false") {
            Some(false)
        } else {
            let reason = format!("expected True, False or empty, found `{}`", show(raw));
            self.fail(Some(self.columns[idx]), reason);
            None
        }
    }
}

/// Validates a street record; `None` (with errors pushed) when it is bad.
pub(crate) fn street<'a>(
    record: &Record<'a>,
    file_month: Month,
    errors: &mut Vec<RowError>,
) -> Option<StreetRef<'a>> {
    let mut c = Checker::start(record, &STREET_COLUMNS, errors)?;
    let crime_id = c.text(0);
    let month = c.month(1, file_month);
    let reported_by = c.text(2);
    let falls_within = c.text(3);
    let (longitude, latitude) = c.coordinates(4, 5);
    let location = c.text(6);
    let lsoa_code = c.lsoa_code(7);
    let lsoa_name = c.text(8);
    let crime_type = c.required(9);
    let last_outcome = c.text(10);
    let context = c.text(11);
    c.ok.then_some(StreetRef {
        crime_id,
        month,
        reported_by,
        falls_within,
        longitude,
        latitude,
        location,
        lsoa_code,
        lsoa_name,
        crime_type,
        last_outcome,
        context,
    })
}

/// Validates an outcomes record; `None` (with errors pushed) when it is bad.
pub(crate) fn outcome<'a>(
    record: &Record<'a>,
    file_month: Month,
    errors: &mut Vec<RowError>,
) -> Option<OutcomeRef<'a>> {
    let mut c = Checker::start(record, &OUTCOMES_COLUMNS, errors)?;
    let crime_id = c.required(0);
    let month = c.month(1, file_month);
    let reported_by = c.text(2);
    let falls_within = c.text(3);
    let (longitude, latitude) = c.coordinates(4, 5);
    let location = c.text(6);
    let lsoa_code = c.lsoa_code(7);
    let lsoa_name = c.text(8);
    let outcome_type = c.required(9);
    c.ok.then_some(OutcomeRef {
        crime_id,
        month,
        reported_by,
        falls_within,
        longitude,
        latitude,
        location,
        lsoa_code,
        lsoa_name,
        outcome_type,
    })
}

/// Validates a stop and search record; `None` (with errors pushed) when it is bad.
pub(crate) fn stop_search<'a>(
    record: &Record<'a>,
    file_month: Month,
    errors: &mut Vec<RowError>,
) -> Option<StopSearchRef<'a>> {
    let mut c = Checker::start(record, &STOP_AND_SEARCH_COLUMNS, errors)?;
    let mut text = [""; 15];
    for (idx, slot) in text.iter_mut().enumerate() {
        *slot = c.text(idx);
    }
    if text[0].is_empty() && c.ok_so_far_for(0) {
        c.fail(Some(STOP_AND_SEARCH_COLUMNS[0]), "empty".to_string());
    }
    // Date: an ISO 8601 timestamp whose month is the file's month, e.g. 2021-03-01T10:20:00+00:00.
    let date = record.field(1);
    let date_month = date.get(..7).and_then(Month::parse_bytes);
    let date_ok = date.len() >= 10
        && date[7] == b'-'
        && date[8].is_ascii_digit()
        && date[9].is_ascii_digit()
        && date_month.is_some();
    if !date_ok {
        let reason = format!("not a date (YYYY-MM-DD…): `{}`", show(date));
        c.fail(Some(STOP_AND_SEARCH_COLUMNS[1]), reason);
    } else if date_month != Some(file_month) {
        let reason = format!("{} is not in the file's month {file_month}", show(&date[..10]));
        c.fail(Some(STOP_AND_SEARCH_COLUMNS[1]), reason);
    }
    let part_of_policing_operation = c.flag(2);
    let (longitude, latitude) = c.coordinates(5, 4);
    let outcome_linked_to_object_of_search = c.flag(13);
    let removal_of_more_than_outer_clothing = c.flag(14);
    c.ok.then_some(StopSearchRef {
        text,
        part_of_policing_operation,
        latitude,
        longitude,
        outcome_linked_to_object_of_search,
        removal_of_more_than_outer_clothing,
    })
}

/// True for `E01`/`W01` followed by six ASCII digits (an LSOA 2011 or 2021 code).
pub fn is_lsoa_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 9
        && (bytes.starts_with(b"E01") || bytes.starts_with(b"W01"))
        && bytes[3..].iter().all(u8::is_ascii_digit)
}

/// A field value for an error message: lossy UTF-8, at most 40 characters.
fn show(raw: &[u8]) -> String {
    crate::shorten(&String::from_utf8_lossy(raw), 40)
}

/// Exact powers of ten, for the fast path of [`parse_f64`].
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a finite decimal number, returning exactly what `str::parse::<f64>` returns.
///
/// Fast path for the shape police.uk uses (`-0.969601`): with at most 15 significant digits the
/// digits form an integer below 2^53 and the divisor 10^k (k ≤ 22) is exact, so one correctly
/// rounded division gives the correctly rounded value (Clinger's fast path). Anything else
/// goes to the standard parser. NaN and infinities are rejected.
pub(crate) fn parse_f64(raw: &[u8]) -> Option<f64> {
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, raw),
    };
    let mut mantissa: u64 = 0;
    let mut n_digits = 0usize;
    let mut n_fraction = 0usize;
    let mut seen_dot = false;
    for &b in digits {
        if b.is_ascii_digit() {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            n_digits += 1;
            n_fraction += usize::from(seen_dot);
        } else if b == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            return parse_f64_slow(raw);
        }
    }
    if n_digits == 0 || n_digits > 15 || n_fraction >= POW10.len() {
        return parse_f64_slow(raw);
    }
    let value = mantissa as f64 / POW10[n_fraction];
    Some(if negative { -value } else { value })
}

fn parse_f64_slow(raw: &[u8]) -> Option<f64> {
    let value: f64 = std::str::from_utf8(raw).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::{is_lsoa_code, parse_f64};

    #[test]
    fn fast_float_parse_matches_std() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let r = next();
            let int = (r % 200) as i64 - 100;
            let frac_digits = (r >> 8) % 9;
            let frac = (r >> 16) % 10u64.pow(frac_digits as u32).max(1);
            let text = if frac_digits == 0 {
                format!("{int}")
            } else {
                format!("{int}.{frac:0width$}", width = frac_digits as usize)
            };
            let expected: f64 = text.parse().unwrap();
            assert_eq!(parse_f64(text.as_bytes()), Some(expected), "{text}");
        }
        for text in ["0.969601", "-0.000001", "51.253674", "1.", ".5", "+1.5", "1e3", "-0", "007"] {
            let expected: f64 = text.parse().unwrap();
            assert_eq!(parse_f64(text.as_bytes()), Some(expected), "{text}");
        }
        for bad in ["", "-", ".", "abc", "1.2.3", "NaN", "inf", "1,5", " 1", "--1"] {
            assert_eq!(parse_f64(bad.as_bytes()), None, "{bad}");
        }
        // More than 15 digits takes the standard path and still agrees.
        let long = "0.12345678901234567890123";
        assert_eq!(parse_f64(long.as_bytes()), long.parse().ok());
    }

    #[test]
    fn lsoa_codes() {
        for good in ["E01024403", "W01001234", "E01034991"] {
            assert!(is_lsoa_code(good), "{good}");
        }
        for bad in
            ["", "E0102440", "E010244031", "E02000001", "S01000001", "e01024403", "E01O24403"]
        {
            assert!(!is_lsoa_code(bad), "{bad}");
        }
    }
}
