//! Geography files: ONS lookups, boundaries and population figures, recognised by content.
//!
//! [`read_geo_file`] takes one file's bytes and says what it holds:
//! - **LSOA 2011 ↔ 2021 lookup** (CSV with `LSOA11CD` and `LSOA21CD` columns; optional
//!   `TotPersons`, `Category`, `LSOA11Denom`, as in ONS's best-fit lookups and the Census 2021
//!   population-weighted lookups): links between the vintages, and, when `TotPersons` is there,
//!   the Census 2021 residents of each 2011 LSOA (`LSOA11Denom`).
//! - **LSOA → ward / district lookup** (CSV with `LSOA11CD` and a `WDyyCD` and/or `LADyyCD`
//!   column, optional `…NM` name columns, as ONS publishes them).
//! - **Ward best-fit lookup as JSON** (`{"E05000026": [{"lsoa11cd": "E01000006"}, …]}`).
//! - **Population as JSON** (`{"E01000001": {"population": 1465}, …}`); the file does not say
//!   the year, so the caller must ([`GeoOptions::population_year`]).
//! - **Boundaries** (GeoJSON with `LSOAyyCD`, `WDyyCD` or `LADyyCD` properties): polygons and
//!   names. A file named after a district code (`E07000110.json`) holding LSOAs also places
//!   those LSOAs in that district.
//!
//! One bad row never stops a file: it becomes a [`GeoRowError`] naming the line (CSV) or the
//! entry (JSON) and the field; good rows are kept.

use std::collections::BTreeSet;
use std::fmt;

use safer_domain::geo::MultiPolygon;
use safer_domain::geography::{
    is_gss_code, AreaKind, AreaName, LinkCategory, LsoaLink, Membership, PopulationFigure,
};
use serde_json::Value;

use crate::geojson;
use crate::police_uk::split::Splitter;

/// What a geography file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoFileKind {
    /// LSOA 2011 ↔ 2021 links.
    LsoaLookup,
    /// LSOA → ward and/or district memberships.
    AreaLookup,
    /// Ward best-fit lookup (JSON).
    WardLookup,
    /// Population figures (JSON).
    Population,
    /// GeoJSON boundaries.
    Boundaries,
}

impl fmt::Display for GeoFileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GeoFileKind::LsoaLookup => "LSOA 2011/2021 lookup",
            GeoFileKind::AreaLookup => "LSOA to ward/district lookup",
            GeoFileKind::WardLookup => "LSOA to ward best-fit lookup",
            GeoFileKind::Population => "population figures",
            GeoFileKind::Boundaries => "boundaries",
        })
    }
}

/// Settings the file cannot tell us.
#[derive(Debug, Clone, Default)]
pub struct GeoOptions {
    /// The year of the figures in a population JSON file (2017 for ONS mid-2017 estimates).
    pub population_year: Option<u16>,
}

/// An area's boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// The area's GSS code.
    pub code: String,
    /// Its kind.
    pub kind: AreaKind,
    /// Its polygons, WGS84 longitude/latitude.
    pub geometry: MultiPolygon,
}

/// A bad row or entry: left out, the rest of the file kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoRowError {
    /// Where: `line 12` for CSV, `entry E05000026` or `feature 3` for JSON.
    pub place: String,
    /// The column or property at fault.
    pub field: String,
    /// What is wrong, lowercase, no trailing full stop.
    pub reason: String,
}

impl fmt::Display for GeoRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.place, self.field, self.reason)
    }
}

/// What one file holds.
#[derive(Debug, Clone, Default)]
pub struct GeoData {
    /// Area names.
    pub names: Vec<AreaName>,
    /// LSOA 2011 ↔ 2021 links.
    pub links: Vec<LsoaLink>,
    /// LSOA → ward/district memberships.
    pub memberships: Vec<Membership>,
    /// Population figures.
    pub population: Vec<PopulationFigure>,
    /// Boundaries.
    pub boundaries: Vec<Boundary>,
    /// Bad rows, left out.
    pub errors: Vec<GeoRowError>,
    /// Things worth saying that are not errors.
    pub notes: Vec<String>,
}

/// A problem with a whole geography file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoError {
    /// The file has no bytes.
    #[error("empty file")]
    Empty,
    /// Not a file Safer recognises.
    #[error("not a geography file Safer recognises: {why}")]
    Unrecognised {
        /// Why not, and what was expected.
        why: String,
    },
    /// A population file without a year.
    #[error(
        "this population file does not say which year its figures are for; give \
         --population-year (such as 2017 for ONS mid-2017 estimates)"
    )]
    NoPopulationYear,
    /// The JSON could not be parsed.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The GeoJSON was rejected as a whole.
    #[error("{0}")]
    GeoJson(String),
}

/// Reads one geography file; see the module documentation. `file_name` is used for messages
/// and to recognise district-named boundary files.
pub fn read_geo_file(
    file_name: &str,
    data: &[u8],
    options: &GeoOptions,
) -> Result<(GeoFileKind, GeoData), GeoError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let first = data.iter().find(|b| !b.is_ascii_whitespace()).ok_or(GeoError::Empty)?;
    if *first == b'{' || *first == b'[' {
        read_json(file_name, data, options)
    } else {
        read_csv(data)
    }
}

/// The index of the column whose name matches `pred` (case-insensitive, trimmed).
fn column(header: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    header.iter().position(|name| pred(&name.trim().to_ascii_uppercase()))
}

/// True for `<prefix>NN<suffix>`, such as `WD17CD` or `LAD21NM`.
fn is_coded_column(name: &str, prefix: &str, suffix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|yy| yy.len() == 2 && yy.bytes().all(|b| b.is_ascii_digit()))
}

fn read_csv(data: &[u8]) -> Result<(GeoFileKind, GeoData), GeoError> {
    let mut splitter = Splitter::new(data, 1);
    let Some(record) = splitter.next_record() else { return Err(GeoError::Empty) };
    let header: Vec<String> =
        (0..record.len()).map(|idx| record.text(idx).unwrap_or("").trim().to_string()).collect();
    let lsoa11 = column(&header, |c| c == "LSOA11CD");
    let lsoa21 = column(&header, |c| c == "LSOA21CD");
    let ward = column(&header, |c| is_coded_column(c, "WD", "CD"));
    let lad = column(&header, |c| is_coded_column(c, "LAD", "CD"));
    let Some(lsoa11) = lsoa11 else {
        return Err(GeoError::Unrecognised {
            why: format!(
                "a lookup CSV needs an LSOA11CD column (Safer reconciles to 2011 LSOAs); the \
                 header is `{}`",
                crate::shorten(&header.join(","), 200)
            ),
        });
    };
    if let Some(lsoa21) = lsoa21 {
        return Ok((GeoFileKind::LsoaLookup, read_lsoa_lookup(splitter, &header, lsoa11, lsoa21)));
    }
    if ward.is_none() && lad.is_none() {
        return Err(GeoError::Unrecognised {
            why: "an LSOA lookup CSV needs an LSOA21CD column (2011/2021 lookup) or a WDyyCD or \
                  LADyyCD column (ward/district lookup)"
                .to_string(),
        });
    }
    Ok((GeoFileKind::AreaLookup, read_area_lookup(splitter, &header, lsoa11, ward, lad)))
}

/// Field `idx` of a record as trimmed text, or a row error.
fn field_text<'r>(
    record: &'r crate::police_uk::split::Record<'_>,
    idx: usize,
    header: &[String],
) -> Result<&'r str, GeoRowError> {
    let place = format!("line {}", record.line);
    if idx >= record.len() {
        return Err(GeoRowError {
            place,
            field: header[idx].clone(),
            reason: format!("the row has {} field(s), the header {}", record.len(), header.len()),
        });
    }
    record.text(idx).map(str::trim).ok_or_else(|| GeoRowError {
        place,
        field: header[idx].clone(),
        reason: "not valid UTF-8".to_string(),
    })
}

fn code_field(
    record: &crate::police_uk::split::Record<'_>,
    idx: usize,
    header: &[String],
) -> Result<String, GeoRowError> {
    let text = field_text(record, idx, header)?;
    if !is_gss_code(text) {
        return Err(GeoRowError {
            place: format!("line {}", record.line),
            field: header[idx].clone(),
            reason: format!(
                "`{}` is not a GSS code (a capital letter and eight digits, such as E01024403)",
                crate::shorten(text, 40)
            ),
        });
    }
    Ok(text.to_string())
}

fn count_field(
    record: &crate::police_uk::split::Record<'_>,
    idx: usize,
    header: &[String],
) -> Result<u64, GeoRowError> {
    let text = field_text(record, idx, header)?;
    text.parse::<u64>().map_err(|_| GeoRowError {
        place: format!("line {}", record.line),
        field: header[idx].clone(),
        reason: format!("`{}` is not a whole number of at least 0", crate::shorten(text, 40)),
    })
}

fn quoting_error(record: &crate::police_uk::split::Record<'_>) -> Option<GeoRowError> {
    record.problem.map(|problem| GeoRowError {
        place: format!("line {}", record.line),
        field: "row".to_string(),
        reason: format!("bad quoting: {problem:?}"),
    })
}

fn read_lsoa_lookup(
    mut splitter: Splitter<'_>,
    header: &[String],
    lsoa11: usize,
    lsoa21: usize,
) -> GeoData {
    let persons = column(header, |c| c == "TOTPERSONS");
    let category = column(header, |c| c == "CATEGORY");
    let denominator = persons.and(column(header, |c| c == "LSOA11DENOM"));
    let mut data = GeoData::default();
    if persons.is_none() && column(header, |c| c == "HOUSEHOLDS").is_some() {
        data.notes.push(
            "household counts are not resident populations: links taken, no population figures"
                .to_string(),
        );
    }
    let mut populations_seen: BTreeSet<String> = BTreeSet::new();
    while let Some(record) = splitter.next_record() {
        if let Some(err) = quoting_error(&record) {
            data.errors.push(err);
            continue;
        }
        let row = (|| {
            let lsoa11 = code_field(&record, lsoa11, header)?;
            let lsoa21 = code_field(&record, lsoa21, header)?;
            let persons = persons.map(|idx| count_field(&record, idx, header)).transpose()?;
            let category = match category {
                None => None,
                Some(idx) => {
                    let text = field_text(&record, idx, header)?;
                    Some(LinkCategory::parse(text).ok_or_else(|| GeoRowError {
                        place: format!("line {}", record.line),
                        field: header[idx].clone(),
                        reason: format!(
                            "`{}` is not a change category (U, S, M or X)",
                            crate::shorten(text, 20)
                        ),
                    })?)
                }
            };
            let population =
                denominator.map(|idx| count_field(&record, idx, header)).transpose()?;
            Ok::<_, GeoRowError>((LsoaLink { lsoa11, lsoa21, persons, category }, population))
        })();
        match row {
            Ok((link, population)) => {
                if let Some(population) = population {
                    if populations_seen.insert(link.lsoa11.clone()) {
                        data.population.push(PopulationFigure {
                            code: link.lsoa11.clone(),
                            year: 2021,
                            population,
                            source: "Census 2021 usual residents (LSOA11Denom of the lookup)"
                                .to_string(),
                        });
                    }
                }
                data.links.push(link);
            }
            Err(err) => data.errors.push(err),
        }
    }
    data
}

fn read_area_lookup(
    mut splitter: Splitter<'_>,
    header: &[String],
    lsoa11: usize,
    ward: Option<usize>,
    lad: Option<usize>,
) -> GeoData {
    let lsoa_name = column(header, |c| c == "LSOA11NM");
    let ward_name = column(header, |c| is_coded_column(c, "WD", "NM"));
    let lad_name = column(header, |c| is_coded_column(c, "LAD", "NM"));
    let mut data = GeoData::default();
    let mut named: BTreeSet<String> = BTreeSet::new();
    while let Some(record) = splitter.next_record() {
        if let Some(err) = quoting_error(&record) {
            data.errors.push(err);
            continue;
        }
        let row = (|| {
            let lsoa = code_field(&record, lsoa11, header)?;
            let mut parents = Vec::new();
            let mut names = Vec::new();
            for (kind, code_idx, name_idx, own) in [
                (AreaKind::Ward, ward, ward_name, false),
                (AreaKind::Lad, lad, lad_name, false),
                (AreaKind::Lsoa11, None, lsoa_name, true),
            ] {
                let code = match (own, code_idx) {
                    (true, _) => lsoa.clone(),
                    (false, Some(idx)) => {
                        let code = code_field(&record, idx, header)?;
                        parents.push(Membership {
                            lsoa11: lsoa.clone(),
                            parent_kind: kind,
                            parent: code.clone(),
                        });
                        code
                    }
                    (false, None) => continue,
                };
                if let Some(idx) = name_idx {
                    let name = field_text(&record, idx, header)?;
                    if !name.is_empty() {
                        names.push(AreaName { code, kind, name: name.to_string() });
                    }
                }
            }
            Ok::<_, GeoRowError>((parents, names))
        })();
        match row {
            Ok((parents, names)) => {
                data.memberships.extend(parents);
                for name in names {
                    if named.insert(name.code.clone()) {
                        data.names.push(name);
                    }
                }
            }
            Err(err) => data.errors.push(err),
        }
    }
    data
}

fn read_json(
    file_name: &str,
    bytes: &[u8],
    options: &GeoOptions,
) -> Result<(GeoFileKind, GeoData), GeoError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| GeoError::Json(e.to_string()))?;
    let Value::Object(map) = &value else {
        return Err(GeoError::Unrecognised {
            why: "a JSON geography file is an object (GeoJSON, a ward lookup or population \
                  figures)"
                .to_string(),
        });
    };
    if map.get("type").is_some_and(Value::is_string) {
        return read_boundaries(file_name, bytes);
    }
    // Recognise by the first entry's shape.
    let Some((_, first)) = map.iter().next() else {
        return Err(GeoError::Unrecognised { why: "the JSON object is empty".to_string() });
    };
    match first {
        Value::Array(_) => Ok((GeoFileKind::WardLookup, read_ward_json(map))),
        Value::Object(entry) if entry.contains_key("population") => {
            let year = options.population_year.ok_or(GeoError::NoPopulationYear)?;
            Ok((GeoFileKind::Population, read_population_json(map, year, file_name)))
        }
        _ => Err(GeoError::Unrecognised {
            why: "expected GeoJSON, {\"<ward code>\": [{\"lsoa11cd\": …}]} or {\"<code>\": \
                  {\"population\": N}}"
                .to_string(),
        }),
    }
}

fn entry_error(key: &str, field: &str, reason: String) -> GeoRowError {
    GeoRowError {
        place: format!("entry {}", crate::shorten(key, 40)),
        field: field.to_string(),
        reason,
    }
}

fn read_ward_json(map: &serde_json::Map<String, Value>) -> GeoData {
    let mut data = GeoData::default();
    for (ward, lsoas) in map {
        if !is_gss_code(ward) {
            data.errors.push(entry_error(ward, "key", "not a GSS ward code".to_string()));
            continue;
        }
        let Value::Array(lsoas) = lsoas else {
            data.errors.push(entry_error(ward, "value", "not a list of LSOAs".to_string()));
            continue;
        };
        for (n, item) in lsoas.iter().enumerate() {
            match item.get("lsoa11cd").and_then(Value::as_str) {
                Some(code) if is_gss_code(code) => data.memberships.push(Membership {
                    lsoa11: code.to_string(),
                    parent_kind: AreaKind::Ward,
                    parent: ward.clone(),
                }),
                _ => data.errors.push(entry_error(
                    ward,
                    "lsoa11cd",
                    format!("item {} has no lsoa11cd GSS code", n + 1),
                )),
            }
        }
    }
    data
}

fn read_population_json(
    map: &serde_json::Map<String, Value>,
    year: u16,
    file_name: &str,
) -> GeoData {
    let mut data = GeoData::default();
    let source = format!("population {year} ({file_name})");
    for (code, entry) in map {
        if !is_gss_code(code) {
            data.errors.push(entry_error(code, "key", "not a GSS code".to_string()));
            continue;
        }
        match entry.get("population").and_then(Value::as_u64) {
            Some(population) => data.population.push(PopulationFigure {
                code: code.clone(),
                year,
                population,
                source: source.clone(),
            }),
            None => data.errors.push(entry_error(
                code,
                "population",
                "not a whole number of at least 0".to_string(),
            )),
        }
    }
    data
}

/// The kind and property names a boundary feature's properties identify.
fn boundary_kind(
    properties: &std::collections::BTreeMap<String, String>,
) -> Option<(AreaKind, String, Option<String>)> {
    let find = |prefix: &str, suffix: &str| {
        properties
            .keys()
            .find(|k| is_coded_column(&k.to_ascii_uppercase(), prefix, suffix))
            .cloned()
    };
    for (prefix, kind) in
        [("LSOA", None), ("WD", Some(AreaKind::Ward)), ("LAD", Some(AreaKind::Lad))]
    {
        if let Some(code_key) = find(prefix, "CD") {
            let kind = kind.unwrap_or_else(|| {
                if code_key.to_ascii_uppercase().starts_with("LSOA21") {
                    AreaKind::Lsoa21
                } else {
                    AreaKind::Lsoa11
                }
            });
            return Some((kind, code_key, find(prefix, "NM")));
        }
    }
    None
}

fn read_boundaries(file_name: &str, bytes: &[u8]) -> Result<(GeoFileKind, GeoData), GeoError> {
    let features =
        geojson::read_features(file_name, bytes).map_err(|e| GeoError::GeoJson(e.to_string()))?;
    // A file named after a district (lsoa_by_lad/E07000110.json) places its LSOAs there.
    let stem = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .trim_end_matches(".geojson")
        .trim_end_matches(".json");
    let file_district = (is_gss_code(stem)
        && ["E06", "E07", "E08", "E09", "W06"].iter().any(|p| stem.starts_with(p)))
    .then(|| stem.to_string());
    let mut data = GeoData::default();
    let mut lsoa_names = Vec::new();
    for feature in features {
        let Some((kind, code_key, name_key)) = boundary_kind(&feature.properties) else {
            data.errors.push(GeoRowError {
                place: format!("feature {}", feature.number),
                field: "properties".to_string(),
                reason: "no LSOAyyCD, WDyyCD or LADyyCD property".to_string(),
            });
            continue;
        };
        let code = feature.properties[&code_key].trim().to_string();
        if !is_gss_code(&code) {
            data.errors.push(GeoRowError {
                place: format!("feature {}", feature.number),
                field: code_key,
                reason: format!("`{}` is not a GSS code", crate::shorten(&code, 40)),
            });
            continue;
        }
        if let Some(name) = name_key.and_then(|key| feature.properties.get(&key)) {
            if kind == AreaKind::Lsoa11 {
                lsoa_names.push(name.clone());
            }
            data.names.push(AreaName { code: code.clone(), kind, name: name.clone() });
        }
        if kind == AreaKind::Lsoa11 {
            let lad = feature
                .properties
                .iter()
                .find(|(k, _)| is_coded_column(&k.to_ascii_uppercase(), "LAD", "CD"))
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| is_gss_code(v))
                .or_else(|| file_district.clone());
            if let Some(lad) = lad {
                data.memberships.push(Membership {
                    lsoa11: code.clone(),
                    parent_kind: AreaKind::Lad,
                    parent: lad,
                });
            }
        }
        data.boundaries.push(Boundary { code, kind, geometry: feature.geometry });
    }
    // The district's name, when every LSOA name in a district-named file agrees on it.
    if let (Some(lad), false) = (&file_district, lsoa_names.is_empty()) {
        let districts: BTreeSet<&str> = lsoa_names
            .iter()
            .filter_map(|name| name.rsplit_once(' ').map(|(district, _)| district))
            .collect();
        if districts.len() == 1 {
            let name = districts.into_iter().next().unwrap_or_default().to_string();
            data.names.push(AreaName { code: lad.clone(), kind: AreaKind::Lad, name });
        }
    }
    Ok((GeoFileKind::Boundaries, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, text: &str) -> (GeoFileKind, GeoData) {
        read_geo_file(name, text.as_bytes(), &GeoOptions { population_year: Some(2017) }).unwrap()
    }

    #[test]
    fn lsoa_lookup_with_persons() {
        let text = "\u{feff}\"LSOA11CD\",\"LSOA21CD\",\"LinkCode\",\"TotPersons\",\"LSOA11Denom\",\"LSOA21Denom\",\"Prop11of21\",\"Prop21of11\",\"Category\"\r\n\
            \"E01033090\",\"E01034991\",\"x\",1156,2188,1156,1,0.5,\"S\"\r\n\
            \"E01033090\",\"E01034992\",\"x\",1032,2188,1032,1,0.5,\"S\"\r\n\
            \"E01024334\",\"E0103499\",\"x\",979,979,2316,0.4,1,\"M\"\r\n\
            \"E01024338\",\"E01034990\",\"x\",many,1337,2316,0.6,1,\"M\"\r\n\
            \"E01024320\",\"E01024320\",\"x\",1500,1500,1500,1,1,\"Q\"\r\n";
        let (kind, data) = read("LSOA11_LSOA21PopLookups.csv", text);
        assert_eq!(kind, GeoFileKind::LsoaLookup);
        assert_eq!(data.links.len(), 2);
        assert_eq!(data.links[0].persons, Some(1156));
        assert_eq!(data.links[0].category, Some(LinkCategory::Split));
        // One population figure per 2011 LSOA, however many links it has.
        assert_eq!(data.population.len(), 1);
        assert_eq!((data.population[0].population, data.population[0].year), (2188, 2021));
        let errors: Vec<String> = data.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("line 4: LSOA21CD: `E0103499` is not a GSS code"));
        assert!(errors[1].starts_with("line 5: TotPersons: `many` is not a whole number"));
        assert!(errors[2].starts_with("line 6: Category: `Q` is not a change category"));
    }

    #[test]
    fn households_are_not_population() {
        let text = "LSOA11CD,LSOA21CD,LinkCode,Households,LSOA11Denom,LSOA21Denom,Prop11of21,Prop21of11,Category\n\
            E01000001,E01000001,x,800,800,800,1,1,U\n";
        let (_, data) = read("hh.csv", text);
        assert_eq!(data.links.len(), 1);
        assert_eq!(data.links[0].persons, None);
        assert!(data.population.is_empty());
        assert_eq!(data.notes.len(), 1);
    }

    #[test]
    fn area_lookup_csv() {
        let text = "LSOA11CD,LSOA11NM,WD17CD,WD17NM,LAD17CD,LAD17NM\n\
            E01024320,Maidstone 003A,E05005004,Bridge,E07000110,Maidstone\n\
            E01024321,Maidstone 003B,E05005004,Bridge,E07000110,Maidstone\n\
            E01024322,Maidstone 003C,,Bridge,E07000110,Maidstone\n";
        let (kind, data) = read("lookup.csv", text);
        assert_eq!(kind, GeoFileKind::AreaLookup);
        assert_eq!(data.memberships.len(), 4);
        let names: Vec<&str> = data.names.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["Bridge", "Maidstone", "Maidstone 003A", "Maidstone 003B"]);
        assert_eq!(data.errors.len(), 1);
        assert_eq!(data.errors[0].place, "line 4");
        assert_eq!(data.errors[0].field, "WD17CD");
    }

    #[test]
    fn json_lookups_and_population() {
        let (kind, data) = read(
            "best_fit_lookup.json",
            r#"{"E05000026": [{"lsoa11cd": "E01000006"}, {"lsoa11cd": 7}], "nope": []}"#,
        );
        assert_eq!(kind, GeoFileKind::WardLookup);
        assert_eq!(data.memberships.len(), 1);
        assert_eq!(data.errors.len(), 2);
        let (kind, data) = read(
            "population.json",
            r#"{"E01000001": {"population": 1465}, "E05000026": {"population": -3}}"#,
        );
        assert_eq!(kind, GeoFileKind::Population);
        assert_eq!(data.population.len(), 1);
        assert_eq!(data.population[0].year, 2017);
        assert_eq!(
            data.errors[0].to_string(),
            "entry E05000026: population: not a whole number of at least 0"
        );
        let err = read_geo_file(
            "population.json",
            br#"{"E01000001": {"population": 1}}"#,
            &GeoOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err, GeoError::NoPopulationYear);
    }

    #[test]
    fn district_named_boundaries_place_their_lsoas() {
        let square = "[[[0.5,51.2],[0.6,51.2],[0.6,51.3],[0.5,51.3],[0.5,51.2]]]";
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[
              {{"type":"Feature","properties":{{"LSOA11CD":"E01024320","LSOA11NM":"Maidstone 003A"}},"geometry":{{"type":"Polygon","coordinates":{square}}}}},
              {{"type":"Feature","properties":{{"LSOA11CD":"E01024321","LSOA11NM":"Maidstone 003B"}},"geometry":{{"type":"Polygon","coordinates":{square}}}}},
              {{"type":"Feature","properties":{{"NAME":"x"}},"geometry":{{"type":"Polygon","coordinates":{square}}}}}
            ]}}"#
        );
        let (kind, data) = read("lsoa_by_lad/E07000110.json", &text);
        assert_eq!(kind, GeoFileKind::Boundaries);
        assert_eq!(data.boundaries.len(), 2);
        assert_eq!(data.memberships.len(), 2);
        assert!(data.memberships.iter().all(|m| m.parent == "E07000110"));
        assert!(data
            .names
            .iter()
            .any(|n| n.code == "E07000110" && n.kind == AreaKind::Lad && n.name == "Maidstone"));
        assert_eq!(data.errors.len(), 1);
        assert_eq!(data.errors[0].place, "feature 3");
    }

    #[test]
    fn unrecognised_files() {
        for (name, text) in [
            ("a.csv", "Crime ID,Month\n1,2\n"),
            ("b.csv", "LSOA11CD,Persons\nE01000001,3\n"),
            ("c.json", "[1,2]"),
            ("d.json", r#"{"a": 1}"#),
        ] {
            let err = read_geo_file(name, text.as_bytes(), &GeoOptions::default()).unwrap_err();
            assert!(matches!(err, GeoError::Unrecognised { .. }), "{name}: {err}");
        }
        assert_eq!(
            read_geo_file("e.csv", b"  \n", &GeoOptions::default()).unwrap_err(),
            GeoError::Empty
        );
        assert!(matches!(
            read_geo_file("f.json", b"{\"a\":", &GeoOptions::default()).unwrap_err(),
            GeoError::Json(_)
        ));
    }
}
