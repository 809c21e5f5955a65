//! A licensed-premises register: the premises in an area licensed to sell alcohol, one CSV
//! schema that a council's public register (or a Freedom of Information extract) can be
//! reshaped into:
//!
//! ```text
//! name,address,postcode,longitude,latitude,licence,late
//! Test Premises 1,1 High Street Maidstone,ME14 1XX,0.5225,51.2729,on,yes
//! Test Premises 2,2 Week Street Maidstone,ME14 1XX,,,off,no
//! ```
//!
//! Rules, checked per row (a bad row is reported with its line and field and left out; the
//! good rows are kept):
//! - `name`: not empty;
//! - `address`: free text, may be empty;
//! - `postcode`: empty or a UK postcode (`ME14 1XX`, any case and spacing; stored upper case
//!   with one space before the last three characters);
//! - `longitude`, `latitude`: WGS84 decimal degrees, both or neither, inside the box around the
//!   United Kingdom ([`UK_BOX`]). A row with neither is placed by its postcode, and only when a
//!   postcode lookup (`postcode,longitude,latitude`, for example cut from ONSPD) is given to
//!   [`parse_premises`]; otherwise it is an error that says so;
//! - `licence`: `on` (alcohol for consumption on the premises), `off` (off the premises) or
//!   `both`, as the premises licence authorises sales under the Licensing Act 2003;
//! - `late`: `yes` or `no`: whether the licence authorises the sale of alcohol after 23:00 on
//!   at least one day of the week.
//!
//! The same name at the same coordinates twice is an error on the second line, naming the
//! first. Quoted fields follow RFC 4180.

use std::collections::HashMap;
use std::fmt;

/// The header a premises register must start with, exactly.
pub const HEADER: &str = "name,address,postcode,longitude,latitude,licence,late";

/// The column names, in order.
pub const COLUMNS: [&str; 7] =
    ["name", "address", "postcode", "longitude", "latitude", "licence", "late"];

/// The header of a postcode lookup file.
pub const POSTCODE_HEADER: &str = "postcode,longitude,latitude";

/// The box coordinates must fall in: west, south, east, north, in degrees. It holds Great
/// Britain, Northern Ireland and the islands, and keeps out swapped or projected coordinates
/// (a British National Grid easting is not a longitude).
pub const UK_BOX: [f64; 4] = [-8.7, 49.8, 1.8, 60.9];

/// What a premises licence authorises: sales of alcohol for consumption on the premises, off
/// them, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Licence {
    /// On-sales only (a pub or restaurant without a shop counter).
    On,
    /// Off-sales only (a shop).
    Off,
    /// Both on- and off-sales.
    Both,
}

impl Licence {
    /// `on`, `off` or `both`, as the file and the database write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Licence::On => "on",
            Licence::Off => "off",
            Licence::Both => "both",
        }
    }

    /// Parses `on`, `off` or `both` (any case).
    pub fn parse(text: &str) -> Option<Licence> {
        match text.to_ascii_lowercase().as_str() {
            "on" => Some(Licence::On),
            "off" => Some(Licence::Off),
            "both" => Some(Licence::Both),
            _ => None,
        }
    }

    /// Whether it authorises on-sales.
    pub fn on_sales(self) -> bool {
        matches!(self, Licence::On | Licence::Both)
    }

    /// Whether it authorises off-sales.
    pub fn off_sales(self) -> bool {
        matches!(self, Licence::Off | Licence::Both)
    }
}

impl fmt::Display for Licence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a row's coordinates came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocatedBy {
    /// The row's own longitude and latitude.
    Coordinates,
    /// The postcode lookup, for a row without coordinates.
    Postcode,
}

impl LocatedBy {
    /// `coordinates` or `postcode`.
    pub fn as_str(self) -> &'static str {
        match self {
            LocatedBy::Coordinates => "coordinates",
            LocatedBy::Postcode => "postcode",
        }
    }
}

/// One good row of a premises register.
#[derive(Debug, Clone, PartialEq)]
pub struct PremisesRow {
    /// The premises' name.
    pub name: String,
    /// Its address; empty when not given.
    pub address: String,
    /// Its postcode, normalised (`ME14 1XX`), when given.
    pub postcode: Option<String>,
    /// WGS84 longitude.
    pub longitude: f64,
    /// WGS84 latitude.
    pub latitude: f64,
    /// Where the coordinates came from.
    pub located_by: LocatedBy,
    /// On-sales, off-sales or both.
    pub licence: Licence,
    /// Authorised to sell alcohol after 23:00.
    pub late: bool,
    /// The 1-based physical line where the row starts (the header is line 1).
    pub line: usize,
}

/// A bad row: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based physical line where the row starts.
    pub line: usize,
    /// The column at fault, or `row` for the row as a whole.
    pub field: &'static str,
    /// What is wrong, lowercase, no trailing period.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.line, self.field, self.reason)
    }
}

/// A problem with a whole file (a premises register or a postcode lookup).
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
    /// The first line is not the header expected.
    #[error("wrong header: expected `{expected}`, found `{found}`")]
    WrongHeader {
        /// The header expected.
        expected: &'static str,
        /// The first line, shortened if long.
        found: String,
    },
}

/// Postcode → (longitude, latitude), read from a lookup file with [`parse_postcodes`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostcodeLookup {
    points: HashMap<String, [f64; 2]>,
}

impl PostcodeLookup {
    /// The position of `postcode` (any case and spacing), if the lookup holds it.
    pub fn get(&self, postcode: &str) -> Option<[f64; 2]> {
        self.points.get(&normalise_postcode(postcode)?).copied()
    }

    /// How many postcodes it holds.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// A parsed file: good rows and bad rows, each in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// The good rows.
    pub rows: T,
    /// The bad rows; they are not in `rows`.
    pub errors: Vec<RowError>,
}

/// Parses a postcode lookup (`postcode,longitude,latitude`). Bad rows (an invalid postcode,
/// coordinates outside [`UK_BOX`]) are reported and left out; a postcode given twice keeps its
/// first position and reports the second line.
pub fn parse_postcodes(data: &[u8]) -> Result<Parsed<PostcodeLookup>, FileError> {
    const COLS: [&str; 3] = ["postcode", "longitude", "latitude"];
    let records = header_checked(data, POSTCODE_HEADER)?;
    let mut lookup = PostcodeLookup::default();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for record in records {
        let line = record.line;
        let error = |field: &'static str, reason: String| RowError { line, field, reason };
        if let Some(problem) = record.problem {
            errors.push(error("row", problem));
            continue;
        }
        if record.fields.len() != 3 {
            let n = record.fields.len();
            let field = COLS.get(n).copied().unwrap_or("row");
            errors.push(error(field, format!("the row has {n} fields, expected 3")));
            continue;
        }
        let Some(postcode) = normalise_postcode(&record.fields[0]) else {
            errors.push(error("postcode", postcode_reason(&record.fields[0])));
            continue;
        };
        match coordinates(&record.fields[1], &record.fields[2]) {
            Ok(Some(point)) => {
                if let Some(first) = first_line.get(&postcode) {
                    errors.push(error(
                        "postcode",
                        format!("{postcode} already given on line {first}"),
                    ));
                } else {
                    first_line.insert(postcode.clone(), line);
                    lookup.points.insert(postcode, point);
                }
            }
            Ok(None) => {
                errors.push(error("longitude", "empty; a lookup row needs both coordinates".into()))
            }
            Err((field, reason)) => errors.push(error(field, reason)),
        }
    }
    Ok(Parsed { rows: lookup, errors })
}

/// Parses a premises register. Rows without coordinates are placed by `postcodes` when given;
/// see the module documentation for the rules. Fails only for a problem with the whole file.
pub fn parse_premises(
    data: &[u8],
    postcodes: Option<&PostcodeLookup>,
) -> Result<Parsed<Vec<PremisesRow>>, FileError> {
    let records = header_checked(data, HEADER)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<(String, u64, u64), usize> = HashMap::new();
    for record in records {
        match validate(&record, postcodes) {
            Err(error) => errors.push(error),
            Ok(row) => {
                let key =
                    (row.name.to_lowercase(), row.longitude.to_bits(), row.latitude.to_bits());
                if let Some(first) = seen.get(&key) {
                    errors.push(RowError {
                        line: row.line,
                        field: "row",
                        reason: format!("duplicate of line {first}: same name and position"),
                    });
                } else {
                    seen.insert(key, row.line);
                    rows.push(row);
                }
            }
        }
    }
    Ok(Parsed { rows, errors })
}

fn validate(record: &Record, postcodes: Option<&PostcodeLookup>) -> Result<PremisesRow, RowError> {
    let line = record.line;
    let error = |field: &'static str, reason: String| RowError { line, field, reason };
    if let Some(problem) = &record.problem {
        return Err(error("row", problem.clone()));
    }
    let n_fields = record.fields.len();
    if n_fields < COLUMNS.len() {
        return Err(error(
            COLUMNS[n_fields],
            format!("missing column: the row has {n_fields} fields, expected 7"),
        ));
    }
    if n_fields > COLUMNS.len() {
        return Err(error("row", format!("too many fields: {n_fields}, expected 7")));
    }
    let field = |idx: usize| record.fields[idx].trim();
    let name = field(0);
    if name.is_empty() {
        return Err(error("name", "empty; every premises needs a name".into()));
    }
    let postcode = match field(2) {
        "" => None,
        text => {
            Some(normalise_postcode(text).ok_or_else(|| error("postcode", postcode_reason(text)))?)
        }
    };
    let licence_text = field(5);
    let licence = Licence::parse(licence_text).ok_or_else(|| {
        error(
            "licence",
            format!(
                "unknown licence type `{}`; expected on, off or both",
                crate::shorten(licence_text, 40)
            ),
        )
    })?;
    let late = match field(6).to_ascii_lowercase().as_str() {
        "yes" => true,
        "no" => false,
        other => {
            return Err(error(
                "late",
                format!(
                    "`{}` is not yes or no (yes: licensed to sell alcohol after 23:00)",
                    crate::shorten(other, 40)
                ),
            ))
        }
    };
    let (point, located_by) = match coordinates(field(3), field(4)).map_err(|(f, r)| error(f, r))? {
        Some(point) => (point, LocatedBy::Coordinates),
        None => match (&postcode, postcodes) {
            (None, _) => {
                return Err(error(
                    "longitude",
                    "no coordinates and no postcode; give longitude and latitude".into(),
                ))
            }
            (Some(postcode), None) => {
                return Err(error(
                    "longitude",
                    format!(
                        "no coordinates; to place premises by postcode ({postcode}) give a \
                         postcode lookup with --postcodes FILE (postcode,longitude,latitude, \
                         e.g. from ONSPD)"
                    ),
                ))
            }
            (Some(postcode), Some(lookup)) => match lookup.get(postcode) {
                Some(point) => (point, LocatedBy::Postcode),
                None => {
                    return Err(error(
                        "postcode",
                        format!("no coordinates, and {postcode} is not in the postcode lookup"),
                    ))
                }
            },
        },
    };
    Ok(PremisesRow {
        name: name.to_string(),
        address: field(1).to_string(),
        postcode,
        longitude: point[0],
        latitude: point[1],
        located_by,
        licence,
        late,
        line,
    })
}

/// Both coordinates (checked), neither (`None`), or an error naming the field.
fn coordinates(lon: &str, lat: &str) -> Result<Option<[f64; 2]>, (&'static str, String)> {
    let (lon, lat) = (lon.trim(), lat.trim());
    match (lon.is_empty(), lat.is_empty()) {
        (true, true) => return Ok(None),
        (true, false) => return Err(("longitude", "empty while latitude is given".into())),
        (false, true) => return Err(("latitude", "empty while longitude is given".into())),
        (false, false) => {}
    }
    let number = |field: &'static str, text: &str| match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err((field, format!("`{}` is not a number", crate::shorten(text, 40)))),
    };
    let (lon_value, lat_value) = (number("longitude", lon)?, number("latitude", lat)?);
    let [west, south, east, north] = UK_BOX;
    let lon_ok = (west..=east).contains(&lon_value);
    let lat_ok = (south..=north).contains(&lat_value);
    if !lon_ok
        && !lat_ok
        && (west..=east).contains(&lat_value)
        && (south..=north).contains(&lon_value)
    {
        return Err((
            "longitude",
            format!("{lon}, {lat} looks like latitude, longitude: the columns are swapped"),
        ));
    }
    if !lon_ok {
        return Err((
            "longitude",
            format!(
                "{lon} is outside the United Kingdom ({west} to {east}); WGS84 degrees expected"
            ),
        ));
    }
    if !lat_ok {
        return Err((
            "latitude",
            format!(
                "{lat} is outside the United Kingdom ({south} to {north}); WGS84 degrees expected"
            ),
        ));
    }
    Ok(Some([lon_value, lat_value]))
}

fn postcode_reason(text: &str) -> String {
    format!("`{}` is not a UK postcode, such as ME14 1XX", crate::shorten(text.trim(), 40))
}

/// A UK postcode in its normal form (upper case, one space before the inward code), or `None`
/// when `text` is not shaped like one: an outward code of 2–4 characters starting with a
/// letter, then a digit and two letters.
pub fn normalise_postcode(text: &str) -> Option<String> {
    let compact: String =
        text.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let out = outward.as_bytes();
    let inw = inward.as_bytes();
    let outward_ok = out[0].is_ascii_alphabetic()
        && out.iter().all(u8::is_ascii_alphanumeric)
        && out.iter().any(u8::is_ascii_digit);
    let inward_ok =
        inw[0].is_ascii_digit() && inw[1].is_ascii_alphabetic() && inw[2].is_ascii_alphabetic();
    (outward_ok && inward_ok).then(|| format!("{outward} {inward}"))
}

/// Decodes `data` as UTF-8 (a BOM is dropped), splits it into records and checks that the
/// first is `header`; returns the records after it.
pub(crate) fn header_checked(data: &[u8], header: &'static str) -> Result<Vec<Record>, FileError> {
    let text = utf8(data)?;
    let mut records = split_records(text).into_iter();
    match records.next() {
        Some(record)
            if record.problem.is_none()
                && record.fields.iter().map(|f| f.trim()).collect::<Vec<_>>().join(",")
                    == header => {}
        _ => {
            let first_line = text.lines().next().unwrap_or("").trim_end_matches('\r');
            return Err(FileError::WrongHeader {
                expected: header,
                found: crate::shorten(first_line, 160),
            });
        }
    }
    Ok(records.collect())
}

/// `data` as text without a BOM, or the first line that is not UTF-8.
pub(crate) fn utf8(data: &[u8]) -> Result<&str, FileError> {
    if data.is_empty() {
        return Err(FileError::EmptyFile);
    }
    let text = std::str::from_utf8(data).map_err(|err| FileError::NotUtf8 {
        line: 1 + data[..err.valid_up_to()].iter().filter(|b| **b == b'\n').count(),
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// One CSV record: the line it starts on, its fields, and a quoting problem if any.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) line: usize,
    pub(crate) fields: Vec<String>,
    pub(crate) problem: Option<String>,
}

/// Splits `text` into records, RFC 4180 style: `""` inside quotes is one `"`; commas and
/// newlines inside quotes are data; a `\r` before `\n` is dropped; blank lines are skipped. An
/// unterminated quote or text after a closing quote is reported on the record.
pub(crate) fn split_records(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut problem = None;
        let (mut in_quotes, mut was_quoted, mut after_quote) = (false, false, false);
        loop {
            let Some(c) = chars.next() else {
                if in_quotes {
                    problem = Some(format!("unterminated quote in field {}", fields.len() + 1));
                }
                break;
            };
            if in_quotes {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => {
                        in_quotes = false;
                        after_quote = true;
                    }
                    _ => {
                        if c == '\n' {
                            line += 1;
                        }
                        field.push(c);
                    }
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
                            "text after the closing quote of field {}",
                            fields.len() + 1
                        ));
                    }
                    field.push(c);
                }
            }
        }
        fields.push(field);
        if !(fields.len() == 1 && fields[0].trim().is_empty() && !was_quoted) {
            records.push(Record { line: start_line, fields, problem });
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str, postcodes: Option<&PostcodeLookup>) -> Parsed<Vec<PremisesRow>> {
        parse_premises(format!("{HEADER}\n{body}").as_bytes(), postcodes).unwrap()
    }

    fn errors(body: &str, postcodes: Option<&PostcodeLookup>) -> Vec<String> {
        parse(body, postcodes).errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn good_rows_keep_their_lines_and_fields() {
        let parsed = parse(
            "Test Premises 1,\"1 High Street, Maidstone\",me141xx,0.5225,51.2729,ON,yes\r\n\n\
             Test Premises 2,,,0.52,51.27,both,No\n",
            None,
        );
        assert_eq!(parsed.errors, []);
        let first = &parsed.rows[0];
        assert_eq!(first.address, "1 High Street, Maidstone");
        assert_eq!(first.postcode.as_deref(), Some("ME14 1XX"));
        assert_eq!((first.licence, first.late, first.line), (Licence::On, true, 2));
        assert_eq!(first.located_by, LocatedBy::Coordinates);
        let second = &parsed.rows[1];
        assert_eq!((second.licence, second.late, second.line), (Licence::Both, false, 4));
        assert_eq!(second.postcode, None);
        assert!(Licence::Both.on_sales() && Licence::Both.off_sales());
        assert!(!Licence::On.off_sales() && !Licence::Off.on_sales());
    }

    #[test]
    fn postcodes_place_rows_without_coordinates_only_with_a_lookup() {
        let lookup = parse_postcodes(
            b"postcode,longitude,latitude\nME14 1XX,0.5225,51.2729\nme15 6aa,0.53,51.26\n\
              ME15 6AA,0.6,51.3\nXX,0.5,51.2\nME16 8AA,51.2,0.5\n",
        )
        .unwrap();
        assert_eq!(lookup.rows.len(), 2);
        let lookup_errors: Vec<String> = lookup.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lookup_errors,
            [
                "4: postcode: ME15 6AA already given on line 3",
                "5: postcode: `XX` is not a UK postcode, such as ME14 1XX",
                "6: longitude: 51.2, 0.5 looks like latitude, longitude: the columns are swapped",
            ]
        );
        let body = "A,,ME14 1XX,,,off,no\nB,,ME99 9ZZ,,,off,no\n";
        let placed = parse(body, Some(&lookup.rows));
        assert_eq!(placed.rows.len(), 1);
        assert_eq!(placed.rows[0].located_by, LocatedBy::Postcode);
        assert_eq!([placed.rows[0].longitude, placed.rows[0].latitude], [0.5225, 51.2729]);
        assert_eq!(
            placed.errors[0].to_string(),
            "3: postcode: no coordinates, and ME99 9ZZ is not in the postcode lookup"
        );
        let without = errors(body, None);
        assert!(without[0].starts_with("2: longitude: no coordinates; to place premises by postcode (ME14 1XX) give a postcode lookup with --postcodes FILE"), "{without:?}");
    }

    #[test]
    fn bad_rows_name_line_field_and_reason() {
        let body = "\
,1 High St,,0.52,51.27,on,no
A,,,0.52,51.27,pub,no
A,,,0.52,51.27,on,late
A,,,,,on,no
A,,,0.52,,on,no
A,,,521000,156000,on,no
A,,,0.52,north,on,no
A,,NOT A CODE,0.52,51.27,on,no
A,,,0.52,51.27
A,,,0.52,51.27,on,no,extra
A,,,0.52,51.27,on,no
a,,,0.52,51.27,off,yes
\"A,,,0.52,51.27,on,no
";
        assert_eq!(
            errors(body, None),
            [
                "2: name: empty; every premises needs a name",
                "3: licence: unknown licence type `pub`; expected on, off or both",
                "4: late: `late` is not yes or no (yes: licensed to sell alcohol after 23:00)",
                "5: longitude: no coordinates and no postcode; give longitude and latitude",
                "6: latitude: empty while longitude is given",
                "7: longitude: 521000 is outside the United Kingdom (-8.7 to 1.8); WGS84 degrees expected",
                "8: latitude: `north` is not a number",
                "9: postcode: `NOT A CODE` is not a UK postcode, such as ME14 1XX",
                "10: licence: missing column: the row has 5 fields, expected 7",
                "11: row: too many fields: 8, expected 7",
                "13: row: duplicate of line 12: same name and position",
                "14: row: unterminated quote in field 1",
            ]
        );
    }

    #[test]
    fn whole_file_problems() {
        assert_eq!(parse_premises(b"", None), Err(FileError::EmptyFile));
        assert!(matches!(
            parse_premises(b"name,address\n", None),
            Err(FileError::WrongHeader { found, .. }) if found == "name,address"
        ));
        assert!(matches!(parse_premises(b"\xff\xfe", None), Err(FileError::NotUtf8 { line: 1 })));
        assert!(parse_premises(format!("\u{feff}{HEADER}\n").as_bytes(), None)
            .unwrap()
            .rows
            .is_empty());
    }

    #[test]
    fn postcodes_normalise() {
        assert_eq!(normalise_postcode(" me14  1xx ").as_deref(), Some("ME14 1XX"));
        assert_eq!(normalise_postcode("SW1A1AA").as_deref(), Some("SW1A 1AA"));
        assert_eq!(normalise_postcode("M1 1AE").as_deref(), Some("M1 1AE"));
        for bad in ["", "ME14", "1E14 1XX", "ME14 XXX", "ME14 1X1", "ME1–4 1XX"] {
            assert_eq!(normalise_postcode(bad), None, "{bad}");
        }
    }
}
