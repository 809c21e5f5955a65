//! Partner indicators: figures partners hold that police.uk does not publish (Community
//! Protection Warnings issued, MARAC cases, needles found, Section 136 uses, hate crimes by
//! strand), brought in as one CSV schema:
//!
//! ```text
//! indicator,area,period_start,period_end,value,unit,source,notes
//! marac-cases,district:Maidstone,2021-01-01,2021-12-31,220,count,Maidstone CSP Plan 2022-2025,
//! ```
//!
//! Rules, checked per row (a bad row is reported with its line and field, never aborting the
//! file):
//! - `indicator`: a slug of lowercase letters, digits and single hyphens (`marac-cases`);
//! - `area`: an area selector `kind:value` (`district:Maidstone`, `lad:E07000110`);
//! - `period_start`, `period_end`: dates `YYYY-MM-DD`, start on or before end;
//! - `value`: a finite number; for unit `count` a whole number of at least 0;
//! - `unit`: one of [`UNITS`];
//! - `source`: not empty;
//! - `notes`: free text, may be empty or left off.
//!
//! The same (indicator, area, period_start, period_end) twice in one file is an error on the
//! second line, naming the first. Quoted fields follow RFC 4180 (`""` is one `"`; commas and
//! newlines inside quotes are data).

use std::collections::HashMap;
use std::fmt;

/// The header a partner indicators file must start with, exactly.
pub const HEADER: &str = "indicator,area,period_start,period_end,value,unit,source,notes";

/// The column names, in order.
pub const COLUMNS: [&str; 8] =
    ["indicator", "area", "period_start", "period_end", "value", "unit", "source", "notes"];

/// The units an indicator may be measured in: `count` (events, people, items: whole numbers
/// ≥ 0), `percent`, `rate-per-1000` (per 1,000 population), `days` and `gbp` (pounds sterling).
pub const UNITS: [&str; 5] = ["count", "percent", "rate-per-1000", "days", "gbp"];

/// One good row of a partner indicators file.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    /// The indicator's slug, such as `marac-cases`.
    pub indicator: String,
    /// The area selector, such as `district:Maidstone`.
    pub area: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the period, `YYYY-MM-DD`, on or after `period_start`.
    pub period_end: String,
    /// The figure.
    pub value: f64,
    /// One of [`UNITS`].
    pub unit: String,
    /// Where the figure comes from.
    pub source: String,
    /// Free text; empty when none.
    pub notes: String,
    /// The 1-based physical line where the row starts (the header is line 1).
    pub line: usize,
}

/// A bad row: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorError {
    /// The 1-based physical line where the row starts.
    pub line: usize,
    /// The column at fault (one of [`COLUMNS`]), or `row` for the row as a whole.
    pub field: &'static str,
    /// What is wrong, lowercase, no trailing period.
    pub reason: String,
}

impl fmt::Display for IndicatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.line, self.field, self.reason)
    }
}

/// A problem with a whole partner indicators file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file has no bytes at all.
    #[error("empty file")]
    EmptyFile,
    /// The file is not UTF-8.
    #[error("not UTF-8 text (line {line})")]
    NotUtf8 {
        /// The first line with invalid bytes.
        line: usize,
    },
    /// The first line is not [`HEADER`].
    #[error("wrong header: expected `{HEADER}`, found `{found}`")]
    WrongHeader {
        /// The first line, shortened if long.
        found: String,
    },
}

/// A parsed file: good rows in file order, and bad rows in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedIndicators {
    /// The good rows.
    pub rows: Vec<IndicatorRow>,
    /// The bad rows; they are not in `rows`.
    pub errors: Vec<IndicatorError>,
}

/// Parses a partner indicators file. Fails only for a problem with the whole file.
pub fn parse_indicators(data: &[u8]) -> Result<ParsedIndicators, FileError> {
    if data.is_empty() {
        return Err(FileError::EmptyFile);
    }
    let text = std::str::from_utf8(data).map_err(|err| FileError::NotUtf8 {
        line: 1 + data[..err.valid_up_to()].iter().filter(|b| **b == b'\n').count(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = split_records(text);
    let mut records = records.into_iter();
    let header = records.next();
    match &header {
        Some(record) if record.problem.is_none() && record.fields.join(",") == HEADER => {}
        _ => {
            let first_line = text.lines().next().unwrap_or("").trim_end_matches('\r');
            return Err(FileError::WrongHeader { found: crate::shorten(first_line, 120) });
        }
    }
    let mut parsed = ParsedIndicators::default();
    let mut seen: HashMap<(String, String, String, String), usize> = HashMap::new();
    for record in records {
        match validate(&record) {
            Err(error) => parsed.errors.push(error),
            Ok(row) => {
                let key = (
                    row.indicator.clone(),
                    row.area.clone(),
                    row.period_start.clone(),
                    row.period_end.clone(),
                );
                if let Some(first) = seen.get(&key) {
                    parsed.errors.push(IndicatorError {
                        line: row.line,
                        field: "row",
                        reason: format!(
                            "duplicate of line {first}: same indicator, area, period_start and \
                             period_end"
                        ),
                    });
                } else {
                    seen.insert(key, row.line);
                    parsed.rows.push(row);
                }
            }
        }
    }
    Ok(parsed)
}

fn validate(record: &Record) -> Result<IndicatorRow, IndicatorError> {
    let line = record.line;
    let error = |field: &'static str, reason: String| IndicatorError { line, field, reason };
    if let Some(reason) = &record.problem {
        return Err(error("row", reason.clone()));
    }
    let n_fields = record.fields.len();
    if n_fields < 7 {
        return Err(error(
            COLUMNS[n_fields],
            format!("missing column: the row has {n_fields} fields, expected 8"),
        ));
    }
    if n_fields > 8 {
        return Err(error("row", format!("too many fields: {n_fields}, expected 8")));
    }
    let field = |idx: usize| record.fields.get(idx).map_or("", |f| f.trim());

    let indicator = field(0);
    if !is_slug(indicator) {
        return Err(error(
            "indicator",
            format!(
                "`{}` is not a slug; use lowercase letters, digits and hyphens, such as \
                 marac-cases",
                crate::shorten(indicator, 60)
            ),
        ));
    }
    let area = field(1);
    match area.split_once(':') {
        Some((kind, value)) if is_slug(kind) && !value.trim().is_empty() => {}
        _ => {
            return Err(error(
                "area",
                format!(
                    "`{}` is not an area selector; expected kind:value, such as \
                     district:Maidstone",
                    crate::shorten(area, 60)
                ),
            ))
        }
    }
    let period_start = field(2);
    if !is_date(period_start) {
        return Err(error("period_start", date_reason(period_start)));
    }
    let period_end = field(3);
    if !is_date(period_end) {
        return Err(error("period_end", date_reason(period_end)));
    }
    if period_end < period_start {
        return Err(error(
            "period_end",
            format!("{period_end} is before period_start {period_start}"),
        ));
    }
    let unit = field(5);
    if !UNITS.contains(&unit) {
        return Err(error(
            "unit",
            format!(
                "unknown unit `{}`; expected one of {}",
                crate::shorten(unit, 40),
                UNITS.join(", ")
            ),
        ));
    }
    let value_text = field(4);
    let value = match value_text.parse::<f64>() {
        Ok(value) if value.is_finite() => value,
        _ => {
            return Err(error(
                "value",
                format!("`{}` is not a number", crate::shorten(value_text, 40)),
            ))
        }
    };
    if unit == "count" && value < 0.0 {
        return Err(error("value", format!("a count cannot be negative: {value_text}")));
    }
    if unit == "count" && value.fract() != 0.0 {
        return Err(error("value", format!("a count must be a whole number: {value_text}")));
    }
    let source = field(6);
    if source.is_empty() {
        return Err(error("source", "empty; name where the figure comes from".to_string()));
    }
    Ok(IndicatorRow {
        indicator: indicator.to_string(),
        area: area.to_string(),
        period_start: period_start.to_string(),
        period_end: period_end.to_string(),
        value,
        unit: unit.to_string(),
        source: source.to_string(),
        notes: field(7).to_string(),
        line,
    })
}

/// Lowercase ASCII letters, digits and single inner hyphens; not empty.
fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
}

fn date_reason(text: &str) -> String {
    format!("`{}` is not a date; expected YYYY-MM-DD", crate::shorten(text, 40))
}

/// A real calendar date written `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// One CSV record: the line it starts on, its fields, and a quoting problem if any.
#[derive(Debug)]
struct Record {
    line: usize,
    fields: Vec<String>,
    problem: Option<String>,
}

/// Splits `text` into records, RFC 4180 style: `""` inside quotes is one `"`; commas and
/// newlines inside quotes are data; a `\r` before a record's `\n` is dropped; blank lines are
/// skipped. Problems (an unterminated quote, text after a closing quote) are reported on the
/// record.
fn split_records(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut problem = None;
        let mut in_quotes = false;
        let mut was_quoted = false;
        let mut after_quote = false;
        loop {
            let Some(c) = chars.next() else {
                if in_quotes {
                    problem = Some(format!(
                        "unterminated quote in field {} (`{}`)",
                        fields.len() + 1,
                        COLUMNS.get(fields.len()).unwrap_or(&"extra")
                    ));
                }
                break;
            };
            if in_quotes {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        in_quotes = false;
                        after_quote = true;
                    }
                } else {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
                continue;
            }
            match c {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                    after_quote = false;
                }
                '\n' => {
                    line += 1;
                    break;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '"' if field.is_empty() && !was_quoted => {
                    in_quotes = true;
                    was_quoted = true;
                }
                _ => {
                    if after_quote && problem.is_none() {
                        problem = Some(format!(
                            "text after the closing quote of field {} (`{}`)",
                            fields.len() + 1,
                            COLUMNS.get(fields.len()).unwrap_or(&"extra")
                        ));
                    }
                    field.push(c);
                }
            }
        }
        fields.push(field);
        let blank = fields.len() == 1 && fields[0].is_empty() && !was_quoted;
        if !blank {
            records.push(Record { line: start_line, fields, problem });
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(body: &str) -> Vec<String> {
        let data = format!("{HEADER}\n{body}");
        let parsed = parse_indicators(data.as_bytes()).unwrap();
        parsed.errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn good_rows_are_kept_with_their_lines() {
        let data = format!(
            "{HEADER}\r\nmarac-cases,district:Maidstone,2021-01-01,2021-12-31,220,count,\
             \"Plan, 2022\",\"said \"\"220\"\"\nover two lines\"\n\n\
             cpw-issued,lad:E07000110,2021-04-01,2022-03-31,86,count,Plan\n"
        );
        let parsed = parse_indicators(data.as_bytes()).unwrap();
        assert_eq!(parsed.errors, []);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].source, "Plan, 2022");
        assert_eq!(parsed.rows[0].notes, "said \"220\"\nover two lines");
        assert_eq!(parsed.rows[0].line, 2);
        assert_eq!(parsed.rows[1].line, 5);
        assert_eq!(parsed.rows[1].notes, "");
        assert_eq!(parsed.rows[1].value, 86.0);
    }

    #[test]
    fn bad_rows_name_line_field_and_reason() {
        let body = "\
marac-cases,district:Maidstone,2021-02-30,2021-12-31,220,count,Plan,
Marac,district:Maidstone,2021-01-01,2021-12-31,220,count,Plan,
marac-cases,Maidstone,2021-01-01,2021-12-31,220,count,Plan,
marac-cases,district:Maidstone,2021-12-31,2021-01-01,220,count,Plan,
marac-cases,district:Maidstone,2021-01-01,2021-12-31,-1,count,Plan,
marac-cases,district:Maidstone,2021-01-01,2021-12-31,-1.5,percent,Plan,
marac-cases,district:Maidstone,2021-01-01,2021-12-31,NaN,percent,Plan,
marac-cases,district:Maidstone,2021-01-01,2021-12-31,1,cases,Plan,
marac-cases,district:Maidstone,2021-01-01,2021-12-31,1,count,,
marac-cases,district:Maidstone,2021-01-01
marac-cases,district:Maidstone,2020-01-01,2020-12-31,1,count,Plan,
marac-cases,district:Maidstone,2020-01-01,2020-12-31,2,count,Plan,
";
        assert_eq!(
            errors(body),
            [
                "2: period_start: `2021-02-30` is not a date; expected YYYY-MM-DD",
                "3: indicator: `Marac` is not a slug; use lowercase letters, digits and \
                 hyphens, such as marac-cases",
                "4: area: `Maidstone` is not an area selector; expected kind:value, such as \
                 district:Maidstone",
                "5: period_end: 2021-01-01 is before period_start 2021-12-31",
                "6: value: a count cannot be negative: -1",
                "8: value: `NaN` is not a number",
                "9: unit: unknown unit `cases`; expected one of count, percent, \
                 rate-per-1000, days, gbp",
                "10: source: empty; name where the figure comes from",
                "11: period_end: missing column: the row has 3 fields, expected 8",
                "13: row: duplicate of line 12: same indicator, area, period_start and \
                 period_end",
            ]
        );
    }

    #[test]
    fn whole_file_problems() {
        assert_eq!(parse_indicators(b""), Err(FileError::EmptyFile));
        assert_eq!(
            parse_indicators(b"indicator,area,value\n"),
            Err(FileError::WrongHeader { found: "indicator,area,value".to_string() })
        );
        assert!(parse_indicators(format!("{HEADER}\n").as_bytes()).unwrap().rows.is_empty());
    }
}
