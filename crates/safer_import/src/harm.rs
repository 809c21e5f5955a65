//! Harm weights files: how much harm one crime of each police.uk crime type does, for
//! harm-weighted counts (`safer_analytics::harm`). One CSV schema:
//!
//! ```text
//! crime_type,weight,source,note
//! Burglary,244.68,My force's CCHI table 2025,residential and non-residential mixed
//! Anti-social behaviour,0,Safer default,excluded
//! ```
//!
//! Rules, checked per row (a bad row is reported with its line and field and left out, never
//! aborting the file):
//! - `crime_type`: not empty; the same crime type twice is an error on the second line that
//!   names the first (the first is kept). A crime type that is not one of police.uk's 14
//!   ([`crate::police_uk::CRIME_TYPES`]) is kept with a [`HarmWarning`]: it will match no
//!   police.uk count, so it is most likely a typo.
//! - `weight`: a finite number of at least 0, in whatever unit the file uses (Safer's default
//!   is CCHI days; ONS Crime Severity Score weights are also custody-day equivalents).
//! - `source`: not empty: every weight must say where it came from.
//! - `note`: free text, may be empty or left off.
//!
//! The header must be exactly `crime_type,weight,source,note` (a UTF-8 byte order mark and
//! CRLF line endings are accepted; quoting follows RFC 4180 through the crate's one splitter).
//! A header that starts with `offence` is refused with [`HarmFileError::OffenceLevel`]:
//! police.uk publishes crime types, not offences, so an offence-level table would match
//! nothing. Collapse it to crime types first with an offence mix, as `docs/harm.md` shows for
//! the default table.

use std::collections::BTreeMap;
use std::fmt;

use crate::police_uk::split::{Problem, Record, Splitter};
use crate::police_uk::{is_known_crime_type, CRIME_TYPES};

/// The header a harm weights file must start with, exactly.
pub const HEADER: &str = "crime_type,weight,source,note";

/// The column names, in order.
pub const COLUMNS: [&str; 4] = ["crime_type", "weight", "source", "note"];

/// Where one weight comes from, as its row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightSource {
    /// The `source` field.
    pub source: String,
    /// The `note` field; empty when none.
    pub note: String,
    /// The 1-based physical line of the row (the header is line 1).
    pub line: usize,
}

/// A bad row: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarmRowError {
    /// The 1-based physical line where the row starts.
    pub line: usize,
    /// The column at fault (one of [`COLUMNS`]), or `row` for the row as a whole.
    pub field: &'static str,
    /// What is wrong, lowercase, no trailing period.
    pub reason: String,
}

impl fmt::Display for HarmRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// A row that was kept but looks wrong: a crime type police.uk does not publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarmWarning {
    /// The 1-based physical line of the row.
    pub line: usize,
    /// The crime type as written.
    pub crime_type: String,
    /// The police.uk crime type it matches ignoring case and spaces, if any.
    pub did_you_mean: Option<&'static str>,
}

impl fmt::Display for HarmWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: crime_type: `{}` is not a police.uk crime type, so no police.uk count \
             will use its weight",
            self.line,
            crate::shorten(&self.crime_type, 60)
        )?;
        if let Some(known) = self.did_you_mean {
            write!(f, " (did you mean `{known}`?)")?;
        }
        Ok(())
    }
}

/// A problem with a whole harm weights file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HarmFileError {
    /// The file has no bytes at all, or only a byte order mark and blank lines.
    #[error("empty file")]
    EmptyFile,
    /// The first line is not [`HEADER`].
    #[error("wrong header: expected `{HEADER}`, found `{found}`")]
    WrongHeader {
        /// The first line, shortened if long.
        found: String,
    },
    /// The header names an `offence` column: an offence-level table.
    #[error(
        "offence-level weights are not supported: police.uk counts crimes by crime type, so \
         give one weight per police.uk crime type with the header `{HEADER}` (docs/harm.md \
         shows how to average offence weights into crime types)"
    )]
    OffenceLevel,
    /// The header is right but no row follows.
    #[error("no weights: the file has a header and no rows")]
    NoRows,
}

/// A parsed harm weights file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HarmWeights {
    /// The weight of each crime type from a good row.
    pub weights: BTreeMap<String, f64>,
    /// Where each weight comes from; the same keys as `weights`.
    pub sources: BTreeMap<String, WeightSource>,
    /// The bad rows, in file order; they are not in `weights`.
    pub errors: Vec<HarmRowError>,
    /// Rows kept that look wrong, in file order.
    pub warnings: Vec<HarmWarning>,
}

/// Parses a harm weights file (see the module documentation). Fails only for a problem with
/// the whole file; bad rows are in [`HarmWeights::errors`].
pub fn parse_harm_weights(data: &[u8]) -> Result<HarmWeights, HarmFileError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut splitter = Splitter::new(data, 1);
    let Some(header) = splitter.next_record() else { return Err(HarmFileError::EmptyFile) };
    let names: Vec<&str> = (0..header.len()).map(|idx| header.text(idx).unwrap_or("")).collect();
    if header.problem.is_some() || names.join(",") != HEADER {
        if names.first().is_some_and(|first| first.trim().eq_ignore_ascii_case("offence")) {
            return Err(HarmFileError::OffenceLevel);
        }
        let first_line = data.split(|&b| b == b'\n').next().unwrap_or(b"");
        let first_line = String::from_utf8_lossy(first_line);
        return Err(HarmFileError::WrongHeader {
            found: crate::shorten(first_line.trim_end_matches('\r'), 120),
        });
    }
    let mut parsed = HarmWeights::default();
    let mut n_rows = 0;
    while let Some(record) = splitter.next_record() {
        n_rows += 1;
        let (crime_type, weight, source) = match read_row(&record) {
            Ok(row) => row,
            Err(error) => {
                parsed.errors.push(error);
                continue;
            }
        };
        if let Some(first) = parsed.sources.get(&crime_type) {
            parsed.errors.push(HarmRowError {
                line: record.line,
                field: "crime_type",
                reason: format!(
                    "`{}` is given twice, on lines {} and {}; the weight on line {} is used",
                    crate::shorten(&crime_type, 60),
                    first.line,
                    record.line,
                    first.line
                ),
            });
            continue;
        }
        if !is_known_crime_type(&crime_type) {
            parsed.warnings.push(HarmWarning {
                line: record.line,
                did_you_mean: closest_crime_type(&crime_type),
                crime_type: crime_type.clone(),
            });
        }
        parsed.weights.insert(crime_type.clone(), weight);
        parsed.sources.insert(crime_type, source);
    }
    if n_rows == 0 {
        return Err(HarmFileError::NoRows);
    }
    Ok(parsed)
}

/// The police.uk crime type `text` matches when case and spacing are ignored.
fn closest_crime_type(text: &str) -> Option<&'static str> {
    let squash = |text: &str| -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
    };
    let wanted = squash(text);
    CRIME_TYPES.iter().copied().find(|known| squash(known) == wanted)
}

/// One row's crime type, weight and source, or the first problem with it.
fn read_row(record: &Record<'_>) -> Result<(String, f64, WeightSource), HarmRowError> {
    let error =
        |field: &'static str, reason: String| HarmRowError { line: record.line, field, reason };
    if let Some(problem) = record.problem {
        let (field, reason) = match problem {
            Problem::UnterminatedQuote { field } => (field, "a quoted field is never closed"),
            Problem::TextAfterQuote { field } => (field, "text follows a closing quote"),
        };
        return Err(error(COLUMNS.get(field).copied().unwrap_or("row"), reason.to_string()));
    }
    if record.len() < 3 || record.len() > COLUMNS.len() {
        return Err(error(
            "row",
            format!(
                "the row has {} field(s); expected 4 (crime_type,weight,source,note), or 3 with \
                 no note",
                record.len()
            ),
        ));
    }
    let mut text = [""; 4];
    for (idx, slot) in text.iter_mut().enumerate().take(record.len()) {
        *slot = record
            .text(idx)
            .ok_or_else(|| error(COLUMNS[idx], "not valid UTF-8".to_string()))?
            .trim();
    }
    let [crime_type, weight, source, note] = text;
    if crime_type.is_empty() {
        return Err(error("crime_type", "empty; give a police.uk crime type".to_string()));
    }
    let weight = match weight.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => value,
        _ => {
            return Err(error(
                "weight",
                format!("`{}` is not a finite number of at least 0", crate::shorten(weight, 40)),
            ))
        }
    };
    if source.is_empty() {
        return Err(error("source", "empty; say where the weight comes from".to_string()));
    }
    let source =
        WeightSource { source: source.to_string(), note: note.to_string(), line: record.line };
    Ok((crime_type.to_string(), weight, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> HarmWeights {
        parse_harm_weights(text.as_bytes()).expect("file accepted")
    }

    fn errors(text: &str) -> Vec<String> {
        parse(text).errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn good_rows_with_bom_crlf_quotes_and_no_note() {
        let parsed = parse(
            "\u{feff}crime_type,weight,source,note\r\n\
             Burglary,244.68,\"CCHI, 2016\",\"two \"\"subgroups\"\"\nmixed\"\r\n\
             \r\n\
             Shoplifting, 1 ,own table\r\n\
             Anti-social behaviour,0,Safer default,\r\n",
        );
        assert!(parsed.errors.is_empty() && parsed.warnings.is_empty(), "{parsed:?}");
        assert_eq!(
            parsed.weights.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
            [("Anti-social behaviour", 0.0), ("Burglary", 244.68), ("Shoplifting", 1.0)]
        );
        assert_eq!(
            parsed.sources["Burglary"],
            WeightSource {
                source: "CCHI, 2016".to_string(),
                note: "two \"subgroups\"\nmixed".to_string(),
                line: 2
            }
        );
        assert_eq!(
            parsed.sources["Shoplifting"].line, 5,
            "a quoted newline and a blank line count"
        );
        assert_eq!(parsed.sources["Shoplifting"].note, "");
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let text = "crime_type,weight,source,note\n\
                    ,1,src,\n\
                    Drugs,-1,src,\n\
                    Drugs,NaN,src,\n\
                    Drugs,inf,src,\n\
                    Drugs,lots,src,\n\
                    Drugs,3,,\n\
                    Drugs,3\n\
                    Drugs,3,src,note,extra\n\
                    Drugs,\"3\"x,src,\n\
                    Robbery,365,src,\n\
                    Robbery,300,src,\n\
                    Other crime,\"10,src,\n";
        assert_eq!(
            errors(text),
            [
                "line 2: crime_type: empty; give a police.uk crime type",
                "line 3: weight: `-1` is not a finite number of at least 0",
                "line 4: weight: `NaN` is not a finite number of at least 0",
                "line 5: weight: `inf` is not a finite number of at least 0",
                "line 6: weight: `lots` is not a finite number of at least 0",
                "line 7: source: empty; say where the weight comes from",
                "line 8: row: the row has 2 field(s); expected 4 (crime_type,weight,source,note), \
                 or 3 with no note",
                "line 9: row: the row has 5 field(s); expected 4 (crime_type,weight,source,note), \
                 or 3 with no note",
                "line 10: weight: text follows a closing quote",
                "line 12: crime_type: `Robbery` is given twice, on lines 11 and 12; the weight \
                 on line 11 is used",
                "line 13: weight: a quoted field is never closed",
            ]
        );
        let parsed = parse(text);
        assert_eq!(parsed.weights.len(), 1);
        assert_eq!(parsed.weights["Robbery"], 365.0);
    }

    #[test]
    fn unknown_crime_types_are_kept_with_a_warning() {
        let parsed = parse(
            "crime_type,weight,source,note\n\
             burglary,244,src,\n\
             Fraud,20,src,\n\
             Violence and  sexual offences,190,src,\n",
        );
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.weights.len(), 3);
        let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "line 2: crime_type: `burglary` is not a police.uk crime type, so no police.uk \
                 count will use its weight (did you mean `Burglary`?)",
                "line 3: crime_type: `Fraud` is not a police.uk crime type, so no police.uk \
                 count will use its weight",
                "line 4: crime_type: `Violence and  sexual offences` is not a police.uk crime \
                 type, so no police.uk count will use its weight (did you mean `Violence and \
                 sexual offences`?)",
            ]
        );
    }

    #[test]
    fn whole_file_problems() {
        let refuse = |text: &str| parse_harm_weights(text.as_bytes()).unwrap_err();
        assert_eq!(refuse(""), HarmFileError::EmptyFile);
        assert_eq!(refuse("\u{feff}\n\n"), HarmFileError::EmptyFile);
        assert_eq!(refuse("crime_type,weight,source,note\r\n"), HarmFileError::NoRows);
        assert_eq!(refuse("offence,weight,source,note\n8A,10,x,\n"), HarmFileError::OffenceLevel);
        assert_eq!(
            refuse("Crime type,Weight\r\nBurglary,1\r\n"),
            HarmFileError::WrongHeader { found: "Crime type,Weight".to_string() }
        );
        assert_eq!(
            refuse("crime_type,weight,source\nBurglary,1,x\n").to_string(),
            "wrong header: expected `crime_type,weight,source,note`, found \
             `crime_type,weight,source`"
        );
    }
}
