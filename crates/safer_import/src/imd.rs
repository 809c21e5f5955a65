//! The English Indices of Deprivation 2019: the Index of Multiple Deprivation (IMD) rank and
//! decile of every 2011 LSOA, from MHCLG's "File 1" workbook
//! (`File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx`, sheet `IMD2019`) or a CSV export of
//! that sheet with the same header:
//!
//! ```text
//! LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile
//! ```
//!
//! Rank 1 is the most deprived of England's 32,844 LSOAs; decile 1 holds the most deprived
//! tenth. MHCLG's deciles are the ranks cut into tenths, decile = ⌈rank × 10 ÷ 32,844⌉, and a
//! row whose decile disagrees with its rank is reported, as is an LSOA code that is not an
//! English 2011 code (`E01` and six digits) or one given twice.
//!
//! The workbook is read here, without a spreadsheet library: an xlsx file is a zip archive of
//! XML parts, and this needs only the workbook's sheet list, its relationships, the shared
//! strings and one sheet's cells (numbers, shared strings and inline strings). Element names
//! are expected without a namespace prefix, as Excel and LibreOffice write them. Bad rows are
//! reported with their sheet row (`line` in [`RowError`]: the header is row 1) and left out.

use std::collections::HashMap;
use std::io::Read;

use crate::premises::{header_checked, FileError, Parsed, RowError};

/// The sheet of MHCLG's File 1 that holds the index.
pub const SHEET: &str = "IMD2019";

/// The number of LSOAs in England (2011 boundaries), so the largest rank.
pub const N_LSOAS: u32 = 32_844;

/// The six columns, in order, as MHCLG names them.
pub const COLUMNS: [&str; 6] = [
    "LSOA code (2011)",
    "LSOA name (2011)",
    "Local Authority District code (2019)",
    "Local Authority District name (2019)",
    "Index of Multiple Deprivation (IMD) Rank",
    "Index of Multiple Deprivation (IMD) Decile",
];

/// The header of a CSV export: [`COLUMNS`] joined by commas.
pub const CSV_HEADER: &str = "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile";

/// Short names for the columns in row errors.
const FIELDS: [&str; 6] = ["lsoa_code", "lsoa_name", "lad_code", "lad_name", "rank", "decile"];

/// One LSOA's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdRow {
    /// The 2011 LSOA code, such as `E01024389`.
    pub lsoa11: String,
    /// Its name, such as `Maidstone 013A`.
    pub lsoa_name: String,
    /// The 2019 local authority district code.
    pub lad_code: String,
    /// The 2019 local authority district name.
    pub lad_name: String,
    /// IMD rank, 1 (most deprived) to 32,844.
    pub rank: u32,
    /// IMD decile, 1 (most deprived tenth) to 10.
    pub decile: u8,
    /// The sheet row (xlsx) or physical line (CSV); the header is 1.
    pub line: usize,
}

/// Which kind of file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImdFormat {
    /// MHCLG's xlsx workbook.
    Xlsx,
    /// A CSV export of its `IMD2019` sheet.
    Csv,
}

/// A problem with a whole IMD file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImdError {
    /// The file starts like a zip archive but cannot be read as an xlsx workbook.
    #[error("not a readable xlsx workbook: {message}")]
    Xlsx {
        /// What failed, lowercase.
        message: String,
    },
    /// The workbook has no sheet named [`SHEET`].
    #[error("the workbook has no sheet named {SHEET} (sheets: {found}); expected MHCLG's IMD 2019 File 1")]
    NoSheet {
        /// The sheets it has, comma-separated.
        found: String,
    },
    /// The sheet's first row is not [`COLUMNS`].
    #[error("wrong header in sheet {SHEET}: expected `{}`, found `{found}`", COLUMNS.join(", "))]
    WrongHeader {
        /// The first row's cells, comma-separated and shortened.
        found: String,
    },
    /// A problem with a CSV file.
    #[error("{0}")]
    Csv(FileError),
}

/// Reads IMD 2019 deciles from MHCLG's xlsx (recognised by the zip signature) or a CSV export.
/// Fails only for a problem with the whole file.
pub fn read_imd(data: &[u8]) -> Result<(ImdFormat, Parsed<Vec<ImdRow>>), ImdError> {
    if data.starts_with(b"PK\x03\x04") {
        let rows = xlsx_rows(data)?;
        let mut rows = rows.into_iter();
        let header = rows.next().map(|(_, cells)| cells).unwrap_or_default();
        let normalised: Vec<String> = header.iter().map(|cell| collapse(cell)).collect();
        if normalised.len() < COLUMNS.len() || normalised[..COLUMNS.len()] != COLUMNS {
            return Err(ImdError::WrongHeader {
                found: crate::shorten(&normalised.join(", "), 300),
            });
        }
        Ok((ImdFormat::Xlsx, validate_all(rows.map(|(line, cells)| (line, cells, None)))))
    } else {
        let records = header_checked(data, CSV_HEADER).map_err(ImdError::Csv)?;
        let rows = records.into_iter().map(|record| (record.line, record.fields, record.problem));
        Ok((ImdFormat::Csv, validate_all(rows)))
    }
}

fn validate_all(
    rows: impl Iterator<Item = (usize, Vec<String>, Option<String>)>,
) -> Parsed<Vec<ImdRow>> {
    let mut parsed = Parsed { rows: Vec::new(), errors: Vec::new() };
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (line, cells, problem) in rows {
        if cells.iter().all(|cell| cell.trim().is_empty()) && problem.is_none() {
            continue;
        }
        match validate(line, &cells, problem) {
            Ok(row) => {
                if let Some(first) = first_line.get(&row.lsoa11) {
                    parsed.errors.push(RowError {
                        line,
                        field: "lsoa_code",
                        reason: format!("{} already given on line {first}", row.lsoa11),
                    });
                } else {
                    first_line.insert(row.lsoa11.clone(), line);
                    parsed.rows.push(row);
                }
            }
            Err(error) => parsed.errors.push(error),
        }
    }
    parsed
}

fn validate(line: usize, cells: &[String], problem: Option<String>) -> Result<ImdRow, RowError> {
    let error = |field: &'static str, reason: String| RowError { line, field, reason };
    if let Some(problem) = problem {
        return Err(error("row", problem));
    }
    if cells.len() > COLUMNS.len() && cells[COLUMNS.len()..].iter().any(|c| !c.trim().is_empty()) {
        return Err(error("row", format!("too many fields: {}, expected 6", cells.len())));
    }
    let cell = |idx: usize| cells.get(idx).map_or("", |c| c.trim());
    if let Some(idx) = (0..COLUMNS.len()).find(|&idx| cell(idx).is_empty()) {
        return Err(error(FIELDS[idx], "empty".to_string()));
    }
    let lsoa11 = cell(0);
    let b = lsoa11.as_bytes();
    if !(b.len() == 9 && b.starts_with(b"E01") && b[3..].iter().all(u8::is_ascii_digit)) {
        return Err(error(
            "lsoa_code",
            format!(
                "`{}` is not an English 2011 LSOA code (E01 and six digits)",
                crate::shorten(lsoa11, 40)
            ),
        ));
    }
    let whole = |idx: usize, max: u32| -> Result<u32, RowError> {
        let text = cell(idx);
        match text.parse::<f64>() {
            Ok(value) if value.fract() == 0.0 && (1.0..=f64::from(max)).contains(&value) => {
                Ok(value as u32)
            }
            _ => Err(error(
                FIELDS[idx],
                format!("`{}` is not a whole number from 1 to {max}", crate::shorten(text, 40)),
            )),
        }
    };
    let rank = whole(4, N_LSOAS)?;
    let decile = whole(5, 10)?;
    let expected = decile_of_rank(rank);
    if decile != u32::from(expected) {
        return Err(error(
            "decile",
            format!(
                "decile {decile} does not match rank {rank} (⌈rank × 10 ÷ 32,844⌉ = {expected})"
            ),
        ));
    }
    Ok(ImdRow {
        lsoa11: lsoa11.to_string(),
        lsoa_name: cell(1).to_string(),
        lad_code: cell(2).to_string(),
        lad_name: cell(3).to_string(),
        rank,
        decile: expected,
        line,
    })
}

/// MHCLG's decile of a rank: ⌈rank × 10 ÷ 32,844⌉ (rank 1 is the most deprived).
pub fn decile_of_rank(rank: u32) -> u8 {
    (u64::from(rank) * 10).div_ceil(u64::from(N_LSOAS)) as u8
}

/// Whitespace runs (line breaks in wrapped header cells) as single spaces, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rows of sheet [`SHEET`]: (sheet row number, cells from column A on, empty strings for
/// gaps).
fn xlsx_rows(data: &[u8]) -> Result<Vec<(usize, Vec<String>)>, ImdError> {
    let xlsx_error = |message: String| ImdError::Xlsx { message };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map_err(|err| xlsx_error(format!("zip: {err}")))?;
    let mut part = |name: &str| -> Result<Option<String>, ImdError> {
        let mut file = match archive.by_name(name) {
            Ok(file) => file,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(err) => return Err(xlsx_error(format!("{name}: {err}"))),
        };
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|err| xlsx_error(format!("{name}: {err}")))?;
        Ok(Some(text))
    };
    let workbook = part("xl/workbook.xml")?
        .ok_or_else(|| xlsx_error("no xl/workbook.xml part".to_string()))?;
    let mut names = Vec::new();
    let mut sheet_rid = None;
    for tag in tags(&workbook, "sheet") {
        let name = attribute(tag.head, "name").map(unescape).unwrap_or_default();
        if name == SHEET {
            sheet_rid = attribute(tag.head, "r:id").map(unescape);
        }
        names.push(name);
    }
    let Some(rid) = sheet_rid else {
        return Err(ImdError::NoSheet { found: names.join(", ") });
    };
    let rels = part("xl/_rels/workbook.xml.rels")?
        .ok_or_else(|| xlsx_error("no xl/_rels/workbook.xml.rels part".to_string()))?;
    let target = tags(&rels, "Relationship")
        .find(|tag| attribute(tag.head, "Id").map(unescape).as_deref() == Some(rid.as_str()))
        .and_then(|tag| attribute(tag.head, "Target").map(unescape))
        .ok_or_else(|| xlsx_error(format!("sheet {SHEET}'s relationship {rid} is missing")))?;
    let sheet_path = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    let shared: Vec<String> = match part("xl/sharedStrings.xml")? {
        Some(xml) => tags(&xml, "si").map(|si| rich_text(si.body)).collect(),
        None => Vec::new(),
    };
    let sheet = part(&sheet_path)?
        .ok_or_else(|| xlsx_error(format!("the part {sheet_path} for sheet {SHEET} is missing")))?;
    let mut rows = Vec::new();
    for (idx, row) in tags(&sheet, "row").enumerate() {
        let number = attribute(row.head, "r").and_then(|r| r.parse().ok()).unwrap_or(idx + 1);
        let mut cells: Vec<String> = Vec::new();
        for cell in tags(row.body, "c") {
            let column = attribute(cell.head, "r").map_or(cells.len(), column_index);
            let kind = attribute(cell.head, "t").unwrap_or("n");
            let value = match kind {
                "inlineStr" => rich_text(cell.body),
                "s" => {
                    let text =
                        tags(cell.body, "v").next().map_or(String::new(), |v| unescape(v.body));
                    let idx: usize = text.trim().parse().map_err(|_| {
                        xlsx_error(format!(
                            "row {number}: shared string index `{text}` is not a number"
                        ))
                    })?;
                    shared.get(idx).cloned().ok_or_else(|| {
                        xlsx_error(format!("row {number}: shared string {idx} does not exist"))
                    })?
                }
                _ => tags(cell.body, "v").next().map_or(String::new(), |v| unescape(v.body)),
            };
            if column >= 64 {
                continue;
            }
            if cells.len() <= column {
                cells.resize(column + 1, String::new());
            }
            cells[column] = value;
        }
        rows.push((number, cells));
    }
    Ok(rows)
}

/// One element: the text of its start tag after the name, and its content (empty when it
/// closes itself).
#[derive(Debug, Clone, Copy)]
struct Tag<'a> {
    head: &'a str,
    body: &'a str,
}

/// The `<name …>…</name>` (or `<name …/>`) elements of `xml` in order, not nested in each
/// other (true of every element read here).
fn tags<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = Tag<'a>> + 'a {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        let start = pos + xml[pos..].find(&open)?;
        let after_name = start + open.len();
        let next = xml[after_name..].chars().next()?;
        if !(next == '>' || next == '/' || next.is_whitespace()) {
            pos = after_name;
            continue;
        }
        let head_end = after_name + xml[after_name..].find('>')?;
        let head = &xml[after_name..head_end];
        if let Some(head) = head.strip_suffix('/') {
            pos = head_end + 1;
            return Some(Tag { head, body: "" });
        }
        let body_start = head_end + 1;
        let body_end = body_start + xml[body_start..].find(&close)?;
        pos = body_end + close.len();
        return Some(Tag { head, body: &xml[body_start..body_end] });
    })
}

/// The value of attribute `name` in a start tag's text, undecoded.
fn attribute<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = head;
    while let Some(at) = rest.find(name) {
        let before_ok = rest[..at].ends_with(|c: char| c.is_whitespace());
        let after = rest[at + name.len()..].trim_start();
        if before_ok {
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start();
                let quote = value.chars().next()?;
                if quote == '"' || quote == '\'' {
                    let end = value[1..].find(quote)?;
                    return Some(&value[1..1 + end]);
                }
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// The text of a shared string or inline string: its `<t>` runs joined, phonetic runs
/// (`<rPh>`) left out.
fn rich_text(xml: &str) -> String {
    let mut text = String::new();
    let mut rest = xml;
    while !rest.is_empty() {
        let (chunk, after) = match rest.find("<rPh") {
            Some(at) => {
                let end = rest[at..].find("</rPh>").map_or(rest.len(), |e| at + e + "</rPh>".len());
                (&rest[..at], &rest[end..])
            }
            None => (rest, ""),
        };
        for t in tags(chunk, "t") {
            text.push_str(&unescape(t.body));
        }
        rest = after;
    }
    text
}

/// XML character data with its five entities and character references decoded.
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(end) = after.find(';').filter(|&end| end <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The 0-based column of a cell reference such as `AB12` (A = 0).
fn column_index(reference: &str) -> usize {
    reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .fold(0, |acc, b| acc * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1))
        .saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A minimal workbook: one sheet named `sheet_name` with shared and inline strings.
    fn workbook(sheet_name: &str, rows_xml: &str, shared: &[&str]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        let mut add = |name: &str, text: String| {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        };
        add(
            "xl/workbook.xml",
            format!(
                "<workbook xmlns:r=\"x\"><sheets><sheet name=\"Notes\" sheetId=\"1\" r:id=\"rId1\"/>\
                 <sheet name=\"{sheet_name}\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>"
            ),
        );
        add(
            "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"rId2\" Target=\"worksheets/sheet2.xml\"/>\
             <Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
                .to_string(),
        );
        let si: String =
            shared.iter().map(|s| format!("<si><t xml:space=\"preserve\">{s}</t></si>")).collect();
        add(
            "xl/sharedStrings.xml",
            format!(
                "<sst>{si}<si><r><t>rich</t></r><r><t> text</t></r><rPh><t>x</t></rPh></si></sst>"
            ),
        );
        add("xl/worksheets/sheet2.xml", format!("<worksheet><cols><col min=\"1\"/></cols><sheetData>{rows_xml}</sheetData></worksheet>"));
        zip.finish().unwrap().into_inner()
    }

    fn header_row() -> String {
        let cells: String = (0..6)
            .map(|i| format!("<c r=\"{}1\" t=\"s\"><v>{i}</v></c>", (b'A' + i as u8) as char))
            .collect();
        format!("<row r=\"1\">{cells}</row>")
    }

    fn header_strings() -> Vec<&'static str> {
        vec![
            "LSOA code (2011)",
            "LSOA name (2011)",
            "Local Authority District code (2019)",
            "Local Authority District name\n(2019)",
            "Index of Multiple Deprivation (IMD) Rank",
            "Index of Multiple Deprivation (IMD) Decile",
        ]
    }

    fn data_row(r: usize, code: &str, rank: &str, decile: &str) -> String {
        format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>{code}</t></is></c>\
             <c r=\"B{r}\" t=\"inlineStr\"><is><t>Maidstone &amp; co</t></is></c>\
             <c r=\"C{r}\" t=\"str\"><v>E07000110</v></c><c r=\"D{r}\" t=\"s\"><v>6</v></c>\
             <c r=\"E{r}\" s=\"3\"><v>{rank}</v></c><c r=\"F{r}\"><v>{decile}</v></c></row>"
        )
    }

    #[test]
    fn workbook_rows_are_read_and_checked() {
        let rows = [
            header_row(),
            data_row(2, "E01024389", "2915", "1"),
            data_row(3, "E01024329", "32648.0", "10"),
            data_row(4, "E01024330", "32541", "9"),
            data_row(5, "W01000001", "5", "1"),
            data_row(6, "E01024389", "2915", "1"),
            data_row(7, "E01000001", "0", "1"),
            "<row r=\"9\"><c r=\"A9\"/></row>".to_string(),
        ]
        .concat();
        let data = workbook(SHEET, &rows, &header_strings());
        let (format, parsed) = read_imd(&data).unwrap();
        assert_eq!(format, ImdFormat::Xlsx);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].lsoa_name, "Maidstone & co");
        assert_eq!(parsed.rows[0].lad_name, "rich text");
        assert_eq!(
            (parsed.rows[1].rank, parsed.rows[1].decile, parsed.rows[1].line),
            (32648, 10, 3)
        );
        let errors: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "4: decile: decile 9 does not match rank 32541 (⌈rank × 10 ÷ 32,844⌉ = 10)",
                "5: lsoa_code: `W01000001` is not an English 2011 LSOA code (E01 and six digits)",
                "6: lsoa_code: E01024389 already given on line 2",
                "7: rank: `0` is not a whole number from 1 to 32844",
            ]
        );
    }

    #[test]
    fn workbook_problems_are_named() {
        let no_sheet = workbook("Other", &header_row(), &header_strings());
        assert_eq!(
            read_imd(&no_sheet).unwrap_err().to_string(),
            "the workbook has no sheet named IMD2019 (sheets: Notes, Other); expected MHCLG's IMD 2019 File 1"
        );
        let wrong = workbook(SHEET, &header_row(), &["a", "b", "c", "d", "e", "f"]);
        assert!(read_imd(&wrong)
            .unwrap_err()
            .to_string()
            .starts_with("wrong header in sheet IMD2019"));
        let mut broken = b"PK\x03\x04".to_vec();
        broken.extend_from_slice(&[0; 64]);
        let err = read_imd(&broken).unwrap_err().to_string();
        assert!(err.starts_with("not a readable xlsx workbook: zip:"), "{err}");
    }

    #[test]
    fn csv_exports_are_read() {
        let data = format!(
            "{CSV_HEADER}\nE01024389,Maidstone 013A,E07000110,Maidstone,2915,1\n\
             E01024329,\"Maidstone, 007D\",E07000110,Maidstone,32648,10\nE01024330,x,y,z,abc,10\n"
        );
        let (format, parsed) = read_imd(data.as_bytes()).unwrap();
        assert_eq!(format, ImdFormat::Csv);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[1].lsoa_name, "Maidstone, 007D");
        assert_eq!(
            parsed.errors[0].to_string(),
            "4: rank: `abc` is not a whole number from 1 to 32844"
        );
        let err = read_imd(b"lsoa,decile\n").unwrap_err().to_string();
        assert!(err.starts_with("wrong header: expected `LSOA code (2011),"), "{err}");
    }

    #[test]
    fn deciles_follow_ranks() {
        assert_eq!(decile_of_rank(1), 1);
        assert_eq!(decile_of_rank(3284), 1);
        assert_eq!(decile_of_rank(3285), 2);
        assert_eq!(decile_of_rank(32_844), 10);
        assert_eq!(column_index("A1"), 0);
        assert_eq!(column_index("AB7"), 27);
        assert_eq!(unescape("a &amp; b &#65;&#x42; &bogus"), "a & b AB &bogus");
    }
}
