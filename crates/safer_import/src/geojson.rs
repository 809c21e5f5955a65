//! Boundary files in GeoJSON (RFC 7946): LSOA, ward or district polygons, or an area a user
//! draws, read into [`GeoFeature`]s with [`MultiPolygon`] geometry.
//!
//! [`read_features`] accepts a `FeatureCollection`, a single `Feature`, or a bare `Polygon`,
//! `MultiPolygon` or `GeometryCollection` of polygons. Only areas are accepted: a feature whose
//! geometry is a point or a line, or is null, is an error, as are rings of fewer than four
//! positions and coordinates that are not WGS84 longitude/latitude. The first problem ends the
//! read: a boundary file with a broken feature is not one to select rows with. Nothing panics,
//! whatever the bytes.
//!
//! Coordinates are checked, not transformed: a file in British National Grid (eastings and
//! northings in metres, EPSG:27700) is refused with a message saying to reproject it.

use std::collections::BTreeMap;

use safer_domain::geo::{MultiPolygon, Polygon};
use serde_json::{Map, Value};

/// One feature of a boundary file: its position, its properties and its area.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoFeature {
    /// The 1-based position of the feature in the file (1 for a file that is a single feature
    /// or a bare geometry).
    pub number: usize,
    /// The feature's properties with scalar values: strings as they are, numbers and booleans
    /// as their JSON text. Nulls, arrays and objects are left out.
    pub properties: BTreeMap<String, String>,
    /// The feature's area: a `Polygon` becomes a one-part multipolygon, and a
    /// `GeometryCollection` the union of its polygons' parts.
    pub geometry: MultiPolygon,
}

/// Why a GeoJSON file could not be read. Every message names the file and, where there is one,
/// the feature (1-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoJsonError {
    /// The bytes are not JSON.
    #[error("{file}: not JSON: {message} at line {line}, column {column}")]
    NotJson {
        /// The file name as given.
        file: String,
        /// What the JSON parser found wrong.
        message: String,
        /// The 1-based line of the problem.
        line: usize,
        /// The 1-based column of the problem (0 at the very start of an empty file).
        column: usize,
    },
    /// The file is JSON but not a GeoJSON object this reader knows.
    #[error("{file}: not GeoJSON: {reason}")]
    NotGeoJson {
        /// The file name as given.
        file: String,
        /// What is missing or unexpected.
        reason: String,
    },
    /// A feature is not shaped as GeoJSON requires (not an object, no geometry member,
    /// properties that are not an object, an unknown geometry type).
    #[error("{file}: feature {feature}: {reason}")]
    BadFeature {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
        /// What is wrong.
        reason: String,
    },
    /// A feature's geometry is null: it has no area to select with.
    #[error("{file}: feature {feature}: the geometry is null; every feature needs a polygon")]
    NullGeometry {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
    },
    /// A feature's geometry is not a polygon type.
    #[error(
        "{file}: feature {feature}: the geometry is a {found}, not an area; only Polygon, \
         MultiPolygon and GeometryCollections of them are accepted"
    )]
    NotPolygon {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
        /// The geometry type found (`Point`, `LineString`, ...).
        found: String,
    },
    /// A feature's geometry holds no polygon at all (an empty MultiPolygon or collection).
    #[error("{file}: feature {feature}: the geometry holds no polygon")]
    EmptyGeometry {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
    },
    /// A ring has fewer than the four positions GeoJSON requires.
    #[error(
        "{file}: feature {feature}: a ring has {positions} position(s); a GeoJSON ring needs at \
         least 4 (three corners and the first repeated at the end)"
    )]
    ShortRing {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
        /// How many positions the ring has.
        positions: usize,
    },
    /// Coordinates are not nested arrays of numbers as the geometry type requires.
    #[error("{file}: feature {feature}: bad coordinates: {reason}")]
    BadCoordinates {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
        /// What is wrong.
        reason: String,
    },
    /// A position is outside longitude −180..180 or latitude −90..90.
    #[error(
        "{file}: feature {feature}: position ({lon}, {lat}) is outside longitude -180..180 and \
         latitude -90..90; GeoJSON must be WGS84 longitude/latitude, so British National Grid \
         eastings/northings (EPSG:27700) need reprojecting first"
    )]
    OutOfRange {
        /// The file name as given.
        file: String,
        /// The 1-based feature number.
        feature: usize,
        /// The first coordinate of the position.
        lon: f64,
        /// The second coordinate of the position.
        lat: f64,
    },
}

/// Reads the polygon features of a GeoJSON file: a `FeatureCollection`, a single `Feature`, or a
/// bare `Polygon`, `MultiPolygon` or `GeometryCollection` (read as one feature without
/// properties). `file_name` is used in error messages only.
///
/// # Errors
///
/// The first problem found, as a [`GeoJsonError`] naming the file and the feature.
pub fn read_features(file_name: &str, data: &[u8]) -> Result<Vec<GeoFeature>, GeoJsonError> {
    let value: Value = serde_json::from_slice(data).map_err(|err| not_json(file_name, &err))?;
    let not_geojson =
        |reason: String| GeoJsonError::NotGeoJson { file: file_name.to_string(), reason };
    let Value::Object(object) = &value else {
        return Err(not_geojson(format!(
            "the top level is {}, not an object with a \"type\"",
            describe(&value)
        )));
    };
    let Some(kind) = object.get("type") else {
        return Err(not_geojson("the top-level object has no \"type\" member".to_string()));
    };
    let Some(kind) = kind.as_str() else {
        return Err(not_geojson(format!("the top-level \"type\" is {}", describe(kind))));
    };
    match kind {
        "FeatureCollection" => {
            let features = match object.get("features") {
                Some(Value::Array(features)) => features,
                Some(other) => {
                    return Err(not_geojson(format!(
                        "the FeatureCollection's \"features\" is {}, not an array",
                        describe(other)
                    )))
                }
                None => {
                    return Err(not_geojson(
                        "the FeatureCollection has no \"features\" member".to_string(),
                    ))
                }
            };
            features
                .iter()
                .enumerate()
                .map(|(idx, feature)| {
                    read_feature(&Ctx { file: file_name, feature: idx + 1 }, feature)
                })
                .collect()
        }
        "Feature" => Ok(vec![read_feature(&Ctx { file: file_name, feature: 1 }, &value)?]),
        _ if GEOMETRY_TYPES.contains(&kind) => {
            let ctx = Ctx { file: file_name, feature: 1 };
            Ok(vec![GeoFeature {
                number: 1,
                properties: BTreeMap::new(),
                geometry: read_geometry(&ctx, &value)?,
            }])
        }
        other => Err(not_geojson(format!(
            "unknown top-level type \"{}\"; expected a FeatureCollection, a Feature, a Polygon \
             or a MultiPolygon",
            shorten(other)
        ))),
    }
}

/// The geometry types of RFC 7946.
const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// Where we are, for error messages.
struct Ctx<'a> {
    file: &'a str,
    feature: usize,
}

impl Ctx<'_> {
    fn bad_feature(&self, reason: String) -> GeoJsonError {
        GeoJsonError::BadFeature { file: self.file.to_string(), feature: self.feature, reason }
    }

    fn bad_coordinates(&self, reason: String) -> GeoJsonError {
        GeoJsonError::BadCoordinates { file: self.file.to_string(), feature: self.feature, reason }
    }
}

fn not_json(file: &str, err: &serde_json::Error) -> GeoJsonError {
    let (line, column) = (err.line(), err.column());
    let text = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    GeoJsonError::NotJson { file: file.to_string(), message, line, column }
}

fn read_feature(ctx: &Ctx<'_>, value: &Value) -> Result<GeoFeature, GeoJsonError> {
    let Value::Object(object) = value else {
        return Err(ctx.bad_feature(format!("is {}, not a Feature object", describe(value))));
    };
    match object.get("type").and_then(Value::as_str) {
        Some("Feature") => {}
        Some(other) => {
            return Err(ctx.bad_feature(format!(
                "has type \"{}\" where a Feature was expected",
                shorten(other)
            )))
        }
        None => return Err(ctx.bad_feature("has no \"type\": \"Feature\" member".to_string())),
    }
    let properties = match object.get("properties") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(properties)) => scalar_properties(properties),
        Some(other) => {
            return Err(
                ctx.bad_feature(format!("\"properties\" is {}, not an object", describe(other)))
            )
        }
    };
    let Some(geometry) = object.get("geometry") else {
        return Err(ctx.bad_feature("has no \"geometry\" member".to_string()));
    };
    Ok(GeoFeature { number: ctx.feature, properties, geometry: read_geometry(ctx, geometry)? })
}

fn scalar_properties(properties: &Map<String, Value>) -> BTreeMap<String, String> {
    properties
        .iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                Value::Null | Value::Array(_) | Value::Object(_) => return None,
            };
            Some((key.clone(), text))
        })
        .collect()
}

/// A feature's geometry as one multipolygon, refusing anything that is not an area.
fn read_geometry(ctx: &Ctx<'_>, value: &Value) -> Result<MultiPolygon, GeoJsonError> {
    if value.is_null() {
        return Err(GeoJsonError::NullGeometry {
            file: ctx.file.to_string(),
            feature: ctx.feature,
        });
    }
    let mut polygons = Vec::new();
    collect_polygons(ctx, value, &mut polygons)?;
    if polygons.is_empty() {
        return Err(GeoJsonError::EmptyGeometry {
            file: ctx.file.to_string(),
            feature: ctx.feature,
        });
    }
    Ok(MultiPolygon::new(polygons))
}

/// Appends the polygons of a geometry object to `polygons`. Nested collections recurse; their
/// depth is bounded by the JSON parser's recursion limit.
fn collect_polygons(
    ctx: &Ctx<'_>,
    value: &Value,
    polygons: &mut Vec<Polygon>,
) -> Result<(), GeoJsonError> {
    let Value::Object(object) = value else {
        return Err(ctx.bad_feature(format!("the geometry is {}, not an object", describe(value))));
    };
    let kind = match object.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(other) => {
            return Err(ctx.bad_feature(format!("the geometry's \"type\" is {}", describe(other))))
        }
        None => return Err(ctx.bad_feature("the geometry has no \"type\" member".to_string())),
    };
    match kind {
        "Polygon" => polygons.push(read_polygon(ctx, coordinates(ctx, object)?)?),
        "MultiPolygon" => {
            let Value::Array(parts) = coordinates(ctx, object)? else {
                return Err(ctx.bad_coordinates(
                    "a MultiPolygon's coordinates must be an array of polygons".to_string(),
                ));
            };
            for part in parts {
                polygons.push(read_polygon(ctx, part)?);
            }
        }
        "GeometryCollection" => match object.get("geometries") {
            Some(Value::Array(geometries)) => {
                for geometry in geometries {
                    if geometry.is_null() {
                        return Err(GeoJsonError::NullGeometry {
                            file: ctx.file.to_string(),
                            feature: ctx.feature,
                        });
                    }
                    collect_polygons(ctx, geometry, polygons)?;
                }
            }
            _ => {
                return Err(ctx
                    .bad_feature("the GeometryCollection has no \"geometries\" array".to_string()))
            }
        },
        _ if GEOMETRY_TYPES.contains(&kind) => {
            return Err(GeoJsonError::NotPolygon {
                file: ctx.file.to_string(),
                feature: ctx.feature,
                found: kind.to_string(),
            })
        }
        other => {
            return Err(ctx.bad_feature(format!("unknown geometry type \"{}\"", shorten(other))))
        }
    }
    Ok(())
}

fn coordinates<'v>(
    ctx: &Ctx<'_>,
    object: &'v Map<String, Value>,
) -> Result<&'v Value, GeoJsonError> {
    object
        .get("coordinates")
        .ok_or_else(|| ctx.bad_feature("the geometry has no \"coordinates\" member".to_string()))
}

/// A polygon's coordinates: an array of rings, the first the exterior, the rest holes.
fn read_polygon(ctx: &Ctx<'_>, value: &Value) -> Result<Polygon, GeoJsonError> {
    let Value::Array(rings) = value else {
        return Err(ctx.bad_coordinates(format!(
            "a polygon must be an array of rings, found {}",
            describe(value)
        )));
    };
    let mut rings = rings.iter().map(|ring| read_ring(ctx, ring));
    let Some(exterior) = rings.next() else {
        return Err(ctx.bad_coordinates("a polygon has no rings".to_string()));
    };
    Ok(Polygon { exterior: exterior?, holes: rings.collect::<Result<_, _>>()? })
}

fn read_ring(ctx: &Ctx<'_>, value: &Value) -> Result<Vec<[f64; 2]>, GeoJsonError> {
    let Value::Array(positions) = value else {
        return Err(ctx.bad_coordinates(format!(
            "a ring must be an array of positions, found {}",
            describe(value)
        )));
    };
    if positions.len() < 4 {
        return Err(GeoJsonError::ShortRing {
            file: ctx.file.to_string(),
            feature: ctx.feature,
            positions: positions.len(),
        });
    }
    positions.iter().map(|position| read_position(ctx, position)).collect()
}

fn read_position(ctx: &Ctx<'_>, value: &Value) -> Result<[f64; 2], GeoJsonError> {
    let (lon, lat) = match value {
        Value::Array(numbers) if numbers.len() >= 2 => (&numbers[0], &numbers[1]),
        _ => {
            return Err(ctx.bad_coordinates(format!(
                "a position must be an array of at least two numbers [longitude, latitude], \
                 found {}",
                describe(value)
            )))
        }
    };
    let number = |value: &Value| {
        value.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
            ctx.bad_coordinates(format!("coordinates must be numbers, found {}", describe(value)))
        })
    };
    let (lon, lat) = (number(lon)?, number(lat)?);
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(GeoJsonError::OutOfRange {
            file: ctx.file.to_string(),
            feature: ctx.feature,
            lon,
            lat,
        });
    }
    Ok([lon, lat])
}

/// A short description of a JSON value for messages: its kind, with short strings and numbers
/// quoted.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string \"{}\"", shorten(text)),
        Value::Array(items) => format!("an array of {} item(s)", items.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

/// At most 40 characters of `text`, with an ellipsis when cut.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "[[0.5,51.2],[0.6,51.2],[0.6,51.3],[0.5,51.3],[0.5,51.2]]";

    fn read(text: &str) -> Result<Vec<GeoFeature>, GeoJsonError> {
        read_features("area.geojson", text.as_bytes())
    }

    #[track_caller]
    fn check_error(text: &str, expect: &str) {
        match read(text) {
            Ok(features) => panic!("expected an error, read {features:?}"),
            Err(err) => assert_eq!(err.to_string(), expect),
        }
    }

    #[test]
    fn a_feature_collection_with_properties() {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[
                {{"type":"Feature","properties":{{"LSOA11CD":"E01024320","n":42,"x":1.5,
                  "ok":true,"gone":null,"nested":{{"a":1}},"list":[1]}},
                  "geometry":{{"type":"Polygon","coordinates":[{SQUARE}]}}}},
                {{"type":"Feature","geometry":{{"type":"MultiPolygon","coordinates":[[{SQUARE}],[{SQUARE},{SQUARE}]]}}}}
            ]}}"#
        );
        let features = read(&text).unwrap();
        assert_eq!(features.len(), 2);
        assert_eq!(features[0].number, 1);
        let properties: Vec<(&str, &str)> =
            features[0].properties.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            properties,
            [("LSOA11CD", "E01024320"), ("n", "42"), ("ok", "true"), ("x", "1.5")]
        );
        assert_eq!(features[0].geometry.polygons.len(), 1);
        assert_eq!(features[0].geometry.polygons[0].exterior[1], [0.6, 51.2]);
        assert!(features[0].geometry.contains(0.55, 51.25));
        assert_eq!(features[1].number, 2);
        assert!(features[1].properties.is_empty());
        assert_eq!(features[1].geometry.polygons.len(), 2);
        assert_eq!(features[1].geometry.polygons[1].holes.len(), 1);
    }

    #[test]
    fn a_single_feature_and_bare_geometries() {
        let feature = format!(
            r#"{{"type":"Feature","properties":{{"name":"Town centre"}},"geometry":{{"type":"Polygon","coordinates":[{SQUARE}]}}}}"#
        );
        let features = read(&feature).unwrap();
        assert_eq!(features.len(), 1);
        assert_eq!(features[0].properties["name"], "Town centre");

        let polygon = format!(r#"{{"type":"Polygon","coordinates":[{SQUARE}]}}"#);
        let multi = format!(r#"{{"type":"MultiPolygon","coordinates":[[{SQUARE}]]}}"#);
        let collection = format!(
            r#"{{"type":"GeometryCollection","geometries":[{polygon},{multi},
                {{"type":"GeometryCollection","geometries":[{polygon}]}}]}}"#
        );
        for (text, parts) in [(&polygon, 1), (&multi, 1), (&collection, 3)] {
            let features = read(text).unwrap();
            assert_eq!(features.len(), 1);
            assert_eq!(features[0].number, 1);
            assert_eq!(features[0].geometry.polygons.len(), parts);
        }
        // Positions may carry an altitude.
        let with_altitude =
            r#"{"type":"Polygon","coordinates":[[[0,0,5],[1,0,5],[1,1,5],[0,0,5]]]}"#;
        assert_eq!(read(with_altitude).unwrap()[0].geometry.polygons[0].exterior[1], [1.0, 0.0]);
        assert_eq!(read(r#"{"type":"FeatureCollection","features":[]}"#).unwrap(), []);
    }

    #[test]
    fn not_json_names_the_line_and_column() {
        check_error(
            "{\"type\":\n \"Feature\",,}",
            "area.geojson: not JSON: key must be a string at line 2, column 12",
        );
        check_error("", "area.geojson: not JSON: EOF while parsing a value at line 1, column 0");
    }

    #[test]
    fn not_geojson() {
        check_error(
            "[1,2]",
            "area.geojson: not GeoJSON: the top level is an array of 2 item(s), not an object \
             with a \"type\"",
        );
        check_error("{}", "area.geojson: not GeoJSON: the top-level object has no \"type\" member");
        check_error(
            r#"{"type":"Topology"}"#,
            "area.geojson: not GeoJSON: unknown top-level type \"Topology\"; expected a \
             FeatureCollection, a Feature, a Polygon or a MultiPolygon",
        );
        check_error(
            r#"{"type":"FeatureCollection","features":{}}"#,
            "area.geojson: not GeoJSON: the FeatureCollection's \"features\" is an object, not \
             an array",
        );
        check_error(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}}, 7]}"#,
            "area.geojson: feature 1: the geometry is null; every feature needs a polygon",
        );
        check_error(
            &format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[{SQUARE}]}}}}, 7]}}"#
            ),
            "area.geojson: feature 2: is the number 7, not a Feature object",
        );
        check_error(
            r#"{"type":"Feature","properties":{}}"#,
            "area.geojson: feature 1: has no \"geometry\" member",
        );
    }

    #[test]
    fn points_and_lines_are_not_areas() {
        check_error(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[0.5,51.2]}}]}"#,
            "area.geojson: feature 1: the geometry is a Point, not an area; only Polygon, \
             MultiPolygon and GeometryCollections of them are accepted",
        );
        check_error(
            r#"{"type":"LineString","coordinates":[[0.5,51.2],[0.6,51.3]]}"#,
            "area.geojson: feature 1: the geometry is a LineString, not an area; only Polygon, \
             MultiPolygon and GeometryCollections of them are accepted",
        );
        check_error(
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
            "area.geojson: feature 1: the geometry holds no polygon",
        );
    }

    #[test]
    fn bad_rings_and_coordinates() {
        check_error(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#,
            "area.geojson: feature 1: a ring has 3 position(s); a GeoJSON ring needs at least 4 \
             (three corners and the first repeated at the end)",
        );
        check_error(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,"0"],[1,1],[0,0]]]}"#,
            "area.geojson: feature 1: bad coordinates: coordinates must be numbers, found the \
             string \"0\"",
        );
        check_error(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}"#,
            "area.geojson: feature 1: bad coordinates: a position must be an array of at least \
             two numbers [longitude, latitude], found an array of 1 item(s)",
        );
        check_error(
            r#"{"type":"Polygon","coordinates":[]}"#,
            "area.geojson: feature 1: bad coordinates: a polygon has no rings",
        );
        check_error(
            r#"{"type":"Polygon","coordinates":[[[575000,155000],[576000,155000],[576000,156000],[575000,155000]]]}"#,
            "area.geojson: feature 1: position (575000, 155000) is outside longitude -180..180 \
             and latitude -90..90; GeoJSON must be WGS84 longitude/latitude, so British National \
             Grid eastings/northings (EPSG:27700) need reprojecting first",
        );
    }

    /// A tiny deterministic generator (SplitMix64) for the mutation test.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn no_panic_on_500_truncated_or_mutated_files() {
        let valid = format!(
            r#"{{"type":"FeatureCollection","features":[
                {{"type":"Feature","properties":{{"code":"E01024320","n":-1.5e2,"z":null}},
                  "geometry":{{"type":"Polygon","coordinates":[{SQUARE},[[0.52,51.22],[0.53,51.22],[0.53,51.23],[0.52,51.22]]]}}}},
                {{"type":"Feature","properties":{{}},"geometry":{{"type":"GeometryCollection","geometries":[
                  {{"type":"MultiPolygon","coordinates":[[{SQUARE}]]}}]}}}}
            ]}}"#
        );
        assert_eq!(read(&valid).unwrap().len(), 2);
        let interesting = b"{}[],:\"-+.0159eE \\nulltrue\xff\xc3";
        let mut rng = SplitMix(20_210_301);
        let (mut n_ok, mut n_err) = (0, 0);
        for _ in 0..500 {
            let mut bytes = valid.as_bytes().to_vec();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len().max(1));
                match rng.below(5) {
                    0 => bytes.truncate(at),
                    1 if !bytes.is_empty() => {
                        bytes[at] = interesting[rng.below(interesting.len())];
                    }
                    2 if !bytes.is_empty() => {
                        bytes.remove(at);
                    }
                    3 => {
                        bytes.insert(at.min(bytes.len()), interesting[rng.below(interesting.len())])
                    }
                    _ => {
                        let end = (at + rng.below(40)).min(bytes.len());
                        let copy = bytes[at.min(end)..end].to_vec();
                        bytes.splice(at.min(end)..at.min(end), copy);
                    }
                }
            }
            match read_features("mutated.geojson", &bytes) {
                Ok(features) => {
                    n_ok += 1;
                    for feature in features {
                        for polygon in &feature.geometry.polygons {
                            assert!(polygon.exterior.len() >= 4);
                            for &[lon, lat] in &polygon.exterior {
                                assert!((-180.0..=180.0).contains(&lon));
                                assert!((-90.0..=90.0).contains(&lat));
                            }
                        }
                    }
                }
                Err(err) => {
                    n_err += 1;
                    assert!(err.to_string().starts_with("mutated.geojson: "), "{err}");
                }
            }
        }
        // The mutations are varied enough to hit both outcomes.
        assert!(n_ok > 10 && n_err > 100, "{n_ok} read, {n_err} refused");
    }
}
