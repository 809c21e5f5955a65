//! `safer hotspots`: where crime concentrates in an area, by a method analysts trust.
//!
//! 1. Rows: the period's street rows in the area (files with `--input`, else the database),
//!    optionally of some crime types only, grouped by place (LSOA code, snap point, Location).
//! 2. Units: LSOAs or wards (imported boundaries or `--boundaries FILE`), or a square or
//!    hexagonal grid in British National Grid metres covering the area. Every unit appears in
//!    the output, zero counts included.
//! 3. Assignment: by the published LSOA code (reconciled to 2011 LSOAs), or by point in polygon
//!    (`--assign point`; grids always use points).
//! 4. Weights and method: contiguity (1 m tolerance), distance band, k nearest or a GAL file;
//!    Getis-Ord Gi* or Gi, local Moran's I, or quartic kernel density.
//! 5. Output: a table of the top hot spots with the Location strings they hold, `--json`,
//!    `--geojson` and an `--svg` map.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::concentration::{concentration, Concentration, ConcentrationConfig};
use safer_analytics::grid::{Grid, GridKind};
use safer_analytics::harm::{default_table, HarmEntry, HarmTable};
use safer_analytics::hotspot::{
    getis_ord, global_moran, local_moran, GetisOrdConfig, LocalMoranConfig, Transform, Variant,
};
use safer_analytics::kde::{
    arcgis_default_bandwidth, default_cell_size, quartic_kde, DensitySurface,
};
use safer_analytics::map::{
    quantile_breaks, render_map, Classification, MapFeature, MapSpec, NamedPlace, Palette,
};
use safer_analytics::spatial::AreaIndex;
use safer_analytics::stability::{
    hotspot_stability, recapture, PeriodCounts as StabilityCounts, Recapture, Stability,
};
use safer_analytics::weights;
use safer_domain::bng::{bng_to_wgs84, project_multipolygon, wgs84_to_bng};
use safer_domain::geo::{BBox, MultiPolygon, Polygon};
use safer_domain::geography::{AreaKind, Geography};
use safer_import::harm::parse_harm_weights;
use safer_import::police_uk::{scan_street_files, CountReport, Month, CRIME_TYPES};
use serde::Serialize;

use crate::cli::HotspotsArgs;
use crate::commands::area::{self, load_geography, Area, AreaFilter, Selector};
use crate::commands::evidence::{gather_inputs, month_ranges, report_counts, Period, PoliceFile};
use crate::commands::open_store;
use crate::config::Config;

/// Street rows of one crime type at one place, over the period.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    pub(crate) crime_type: String,
    pub(crate) lsoa_code: String,
    pub(crate) lsoa_name: String,
    pub(crate) point: Option<[f64; 2]>,
    pub(crate) location: String,
    pub(crate) n: u64,
}

/// What the units are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum UnitKind {
    Lsoa,
    Ward,
    /// police.uk snap points: every distinct point with a row in the area.
    Points,
    Square(f64),
    Hex(f64),
}

impl UnitKind {
    fn parse(text: &str) -> anyhow::Result<UnitKind> {
        let size = |value: &str| -> anyhow::Result<f64> {
            match value.parse::<f64>() {
                Ok(size) if size.is_finite() && size > 0.0 => Ok(size),
                _ => bail!(
                    "invalid cell size `{value}` in --units; give metres, such as grid:250 or \
                     hex:250"
                ),
            }
        };
        match text.split_once(':') {
            None if text == "lsoa" => Ok(UnitKind::Lsoa),
            None if text == "ward" => Ok(UnitKind::Ward),
            None if text == "points" => Ok(UnitKind::Points),
            Some(("grid", value)) => Ok(UnitKind::Square(size(value)?)),
            Some(("hex", value)) => Ok(UnitKind::Hex(size(value)?)),
            _ => bail!(
                "unknown --units `{text}`; expected lsoa, ward, points, grid:METRES or hex:METRES"
            ),
        }
    }
}

/// The period's rows in the area, by place, with the crime types filtered.
pub(crate) async fn gather_places(
    config: &Config,
    inputs: &[std::path::PathBuf],
    area: &Area,
    period: Period,
    crime_types: &BTreeSet<String>,
) -> anyhow::Result<Vec<Place>> {
    let keep_type = |crime_type: &str| crime_types.is_empty() || crime_types.contains(crime_type);
    let mut places: HashMap<(String, String, String, u64, u64, String), u64> = HashMap::new();
    let mut add = |crime_type: &str,
                   code: &str,
                   name: &str,
                   point: Option<[f64; 2]>,
                   location: &str,
                   n: u64| {
        let bits = point.map_or((u64::MAX, u64::MAX), |[x, y]| (x.to_bits(), y.to_bits()));
        *places
            .entry((
                crime_type.to_string(),
                code.to_string(),
                name.to_string(),
                bits.0,
                bits.1,
                location.to_string(),
            ))
            .or_insert(0) += n;
    };
    let mut months_by_force: BTreeMap<String, BTreeSet<Month>> = BTreeMap::new();
    let mut forces_in_area: BTreeSet<String> = BTreeSet::new();
    let in_polygons: Option<AreaIndex> = match &area.filter {
        AreaFilter::Polygon(polygons) => Some(AreaIndex::new(polygons.clone())),
        AreaFilter::Lsoa(_) => None,
    };
    let selected = |code: &str, name: &str, point: Option<[f64; 2]>| match &area.filter {
        AreaFilter::Lsoa(filter) => filter.matches(code, name),
        AreaFilter::Polygon(_) => point.is_some_and(|[x, y]| {
            in_polygons.as_ref().is_some_and(|index| index.locate(x, y).is_some())
        }),
    };
    if inputs.is_empty() {
        let store = open_store(config).await?;
        let result = async {
            let ledger = store.police_uk_street_months().await?;
            let places = store
                .police_uk_street_places(&period.from.to_string(), &period.to.to_string())
                .await?;
            anyhow::Ok((ledger, places))
        }
        .await;
        store.close().await;
        let (ledger, rows) = result.context("cannot read the stored street rows")?;
        for entry in ledger {
            if let Some(month) = Month::parse_bytes(entry.month.as_bytes()) {
                months_by_force.entry(entry.force).or_default().insert(month);
            }
        }
        for row in rows {
            let point = row.longitude.zip(row.latitude).map(|(x, y)| [x, y]);
            if !selected(&row.lsoa_code, &row.lsoa_name, point) {
                continue;
            }
            forces_in_area.insert(row.force.clone());
            if keep_type(&row.crime_type) {
                let n = u64::try_from(row.n).unwrap_or(0);
                add(&row.crime_type, &row.lsoa_code, &row.lsoa_name, point, &row.location, n);
            }
        }
    } else {
        let inputs = gather_inputs(inputs)?;
        inputs.note_skipped();
        for file in &inputs.street {
            months_by_force.entry(file.info.force.clone()).or_default().insert(file.info.month);
        }
        let files: Vec<&PoliceFile> =
            inputs.street.iter().filter(|file| period.contains(file.info.month)).collect();
        let batch = scan_street_files(&files, 0, |file| std::fs::read(&file.path));
        let columns = &batch.columns;
        let mut reports = Vec::new();
        for outcome in &batch.files {
            reports.push(match &outcome.result {
                Err(err) => Err(err.clone()),
                Ok(report) => {
                    let mut n_selected = 0;
                    for row in report.rows.clone() {
                        let code = columns.lsoa_codes().get(columns.lsoa_code()[row]);
                        let name = columns.lsoa_names().get(columns.lsoa_name()[row]);
                        let (x, y) = (columns.longitude()[row], columns.latitude()[row]);
                        let point = (x.is_finite() && y.is_finite()).then_some([x, y]);
                        if !selected(code, name, point) {
                            continue;
                        }
                        n_selected += 1;
                        let crime_type = columns.crime_types().get(columns.crime_type()[row]);
                        if keep_type(crime_type) {
                            let location = columns.locations().get(columns.location()[row]);
                            add(crime_type, code, name, point, location, 1);
                        }
                    }
                    if n_selected > 0 {
                        forces_in_area.insert(report.info.force.clone());
                    }
                    Ok(CountReport {
                        info: report.info.clone(),
                        rows: report.rows.len(),
                        selected: n_selected,
                        errors: report.errors.clone(),
                        warnings: report.warnings.clone(),
                    })
                }
            });
        }
        report_counts(&files, &reports)?;
    }
    if forces_in_area.is_empty() {
        bail!("no street rows in {} in {}", area.label(), period_text(period));
    }
    for force in &forces_in_area {
        let months = months_by_force.get(force).cloned().unwrap_or_default();
        let missing: Vec<Month> = period.months().filter(|m| !months.contains(m)).collect();
        if !missing.is_empty() {
            bail!(
                "there is no street data from {force} for {}; months without data cannot be \
                 counted as zero",
                month_ranges(&missing)
            );
        }
    }
    let mut places: Vec<Place> = places
        .into_iter()
        .map(|((crime_type, lsoa_code, lsoa_name, x, y, location), n)| Place {
            crime_type,
            lsoa_code,
            lsoa_name,
            point: (x != u64::MAX).then(|| [f64::from_bits(x), f64::from_bits(y)]),
            location,
            n,
        })
        .collect();
    places.sort_by(|a, b| {
        (&a.lsoa_code, &a.location, &a.crime_type).cmp(&(&b.lsoa_code, &b.location, &b.crime_type))
    });
    Ok(places)
}

fn period_text(period: Period) -> String {
    if period.from == period.to {
        period.from.to_string()
    } else {
        format!("{}..{}", period.from, period.to)
    }
}

/// The crime types asked for, checked against police.uk's names.
fn crime_types(given: &[String]) -> anyhow::Result<BTreeSet<String>> {
    let mut types = BTreeSet::new();
    for name in given {
        if !CRIME_TYPES.contains(&name.as_str()) {
            bail!("unknown crime type `{name}`; police.uk's are: {}", CRIME_TYPES.join(", "));
        }
        types.insert(name.clone());
    }
    Ok(types)
}

/// A unit: its id, name and polygon (WGS84 for polygons read from boundaries; grid cells are
/// made in British National Grid metres and have none).
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) geometry: MultiPolygon,
}

/// The LSOA or ward units of the area from the imported boundaries.
async fn stored_units(
    config: &Config,
    kind: UnitKind,
    area: &Area,
    geography: &Geography,
) -> anyhow::Result<Vec<Unit>> {
    let Some(lsoa11) = &area.lsoa11 else {
        bail!(
            "LSOA and ward units need an area made of LSOAs (district:, lad:, ward: or lsoa:); \
             for {} use --units grid:METRES or hex:METRES, or give --boundaries",
            area.selector
        );
    };
    let (boundary_kind, wanted): (AreaKind, BTreeSet<String>) = match kind {
        UnitKind::Ward => (
            AreaKind::Ward,
            lsoa11.iter().filter_map(|lsoa| geography.ward_of(lsoa).map(str::to_string)).collect(),
        ),
        _ => (AreaKind::Lsoa11, lsoa11.clone()),
    };
    let store = open_store(config).await?;
    let stored = store.geo_boundaries(boundary_kind, None).await;
    store.close().await;
    let stored = stored.context("cannot read the imported boundaries")?;
    let mut units = Vec::new();
    for boundary in stored.into_iter().filter(|b| wanted.contains(&b.code)) {
        let geometry: MultiPolygon = serde_json::from_str(&boundary.geometry_json)
            .with_context(|| format!("the stored boundary of {} is not valid", boundary.code))?;
        let name = geography.name(&boundary.code).map(|n| n.name.clone());
        units.push(Unit { id: boundary.code, name, geometry });
    }
    let found: BTreeSet<&str> = units.iter().map(|u| u.id.as_str()).collect();
    let missing: Vec<&str> =
        wanted.iter().map(String::as_str).filter(|code| !found.contains(code)).collect();
    if !missing.is_empty() {
        bail!(
            "{} of the {} {}s of {} have no imported boundary (such as {}); import boundaries \
             with `safer geo import` or give --boundaries FILE",
            missing.len(),
            wanted.len(),
            if boundary_kind == AreaKind::Ward { "ward" } else { "LSOA" },
            area.label(),
            missing[0]
        );
    }
    Ok(units)
}

/// The units of a GeoJSON file, with the id and name properties given or detected.
fn file_units(
    path: &Path,
    id_field: Option<&str>,
    name_field: Option<&str>,
) -> anyhow::Result<Vec<Unit>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the boundaries {}", path.display()))?;
    let features = safer_import::geojson::read_features(&path.display().to_string(), &bytes)?;
    let Some(first) = features.first() else {
        bail!("{} holds no polygons", path.display());
    };
    let detect = |suffix: &str| -> Option<String> {
        first
            .properties
            .keys()
            .find(|key| {
                let upper = key.to_ascii_uppercase();
                ["LSOA", "WD", "LAD", "MSOA", "OA"].iter().any(|prefix| {
                    upper
                        .strip_prefix(prefix)
                        .and_then(|rest| rest.strip_suffix(suffix))
                        .is_some_and(|yy| yy.len() == 2 && yy.bytes().all(|b| b.is_ascii_digit()))
                })
            })
            .cloned()
    };
    let available = || first.properties.keys().cloned().collect::<Vec<_>>().join(", ");
    let id_field = match id_field {
        Some(field) => {
            if !first.properties.contains_key(field) {
                bail!(
                    "{} has no property `{field}` for --id-field; its properties are: {}",
                    path.display(),
                    available()
                );
            }
            field.to_string()
        }
        None => detect("CD").ok_or_else(|| {
            anyhow::anyhow!(
                "cannot tell which property of {} holds the unit id (none like LSOA11CD or \
                 WD13CD); give --id-field, one of: {}",
                path.display(),
                available()
            )
        })?,
    };
    let name_field = match name_field {
        Some(field) => Some(field.to_string()),
        None => detect("NM"),
    };
    let mut units = Vec::with_capacity(features.len());
    let mut seen = BTreeSet::new();
    for feature in features {
        let Some(id) = feature.properties.get(&id_field).filter(|id| !id.trim().is_empty()) else {
            bail!(
                "feature {} of {} has no `{id_field}`; every unit needs an id",
                feature.number,
                path.display()
            );
        };
        if !seen.insert(id.clone()) {
            bail!("the unit id `{id}` appears twice in {}", path.display());
        }
        let name = name_field.as_ref().and_then(|field| feature.properties.get(field)).cloned();
        units.push(Unit { id: id.clone(), name, geometry: feature.geometry });
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse() {
        assert_eq!(UnitKind::parse("lsoa").unwrap(), UnitKind::Lsoa);
        assert_eq!(UnitKind::parse("ward").unwrap(), UnitKind::Ward);
        assert_eq!(UnitKind::parse("grid:250").unwrap(), UnitKind::Square(250.0));
        assert_eq!(UnitKind::parse("hex:100.5").unwrap(), UnitKind::Hex(100.5));
        for bad in ["grid:0", "grid:-5", "hex:x", "grid", "msoa", "grid:NaN", "grid:inf"] {
            assert!(UnitKind::parse(bad).is_err(), "{bad}");
        }
        assert!(crime_types(&["Burglary".into()]).is_ok());
        assert!(crime_types(&["burglary".into()]).unwrap_err().to_string().contains("Burglary"));
    }
}

/// How rows reach units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assign {
    Code,
    Point,
}

/// Counts (or harm-weighted counts) per unit, in unit order, with what was left out.
#[derive(Debug, Clone)]
pub(crate) struct UnitCounts {
    pub(crate) counts: Vec<f64>,
    pub(crate) rows: Vec<u64>,
    /// Location strings per unit with their rows, most frequent first.
    pub(crate) locations: Vec<Vec<(String, u64)>>,
    /// Rows in the area that no unit took (no location, or outside every unit).
    pub(crate) unassigned: u64,
}

/// The units of an analysis: ids and names in unit order, polygons in British National Grid
/// metres, and how points find them.
pub(crate) struct Units {
    pub(crate) kind: UnitKind,
    pub(crate) ids: Vec<String>,
    pub(crate) names: Vec<Option<String>>,
    pub(crate) bng: Vec<MultiPolygon>,
    /// The polygons in WGS84, for point in polygon (not for grids).
    pub(crate) wgs84: Option<Vec<MultiPolygon>>,
    /// The grid, for grids: points find their cell by arithmetic.
    pub(crate) grid: Option<Grid>,
    /// For snap-point units: each point's unit, by the bits of its coordinates.
    pub(crate) points: Option<HashMap<(u64, u64), usize>>,
}

impl Units {
    /// Units from polygons in WGS84, projected to British National Grid.
    fn from_polygons(kind: UnitKind, units: Vec<Unit>) -> anyhow::Result<Units> {
        let mut bng = Vec::with_capacity(units.len());
        for unit in &units {
            bng.push(project_multipolygon(&unit.geometry).ok_or_else(|| {
                anyhow::anyhow!(
                    "the polygon of unit {} lies outside Great Britain (or has invalid \
                     coordinates), so it cannot be put on the British National Grid",
                    unit.id
                )
            })?);
        }
        Ok(Units {
            kind,
            ids: units.iter().map(|u| u.id.clone()).collect(),
            names: units.iter().map(|u| u.name.clone()).collect(),
            bng,
            wgs84: Some(units.into_iter().map(|u| u.geometry).collect()),
            grid: None,
            points: None,
        })
    }

    /// The cells of `grid`, in its order.
    fn from_grid(kind: UnitKind, grid: Grid) -> Units {
        let mut ids = Vec::with_capacity(grid.len());
        let mut bng = Vec::with_capacity(grid.len());
        for cell in grid.cells() {
            ids.push(cell.id);
            bng.push(cell.polygon);
        }
        let names = vec![None; ids.len()];
        Units { kind, ids, names, bng, wgs84: None, grid: Some(grid), points: None }
    }

    /// Every distinct snap point among `places`, named by its most frequent Location and drawn
    /// as a small square (snap points have no area; the square is only for the map).
    fn from_points(places: &[Place]) -> anyhow::Result<Units> {
        const DRAWN_SIDE_M: f64 = 40.0;
        // Point bits → the point and its rows by Location.
        type ByPoint<'a> = BTreeMap<(u64, u64), ([f64; 2], HashMap<&'a str, u64>)>;
        let mut by_point: ByPoint<'_> = BTreeMap::new();
        for place in places {
            let Some(point) = place.point else { continue };
            let key = (point[0].to_bits(), point[1].to_bits());
            let entry = by_point.entry(key).or_insert_with(|| (point, HashMap::new()));
            *entry.1.entry(place.location.as_str()).or_insert(0) += place.n;
        }
        if by_point.is_empty() {
            bail!("no located rows in the area and period, so there are no snap points to analyse");
        }
        let mut units = Units {
            kind: UnitKind::Points,
            ids: Vec::new(),
            names: Vec::new(),
            bng: Vec::new(),
            wgs84: None,
            grid: None,
            points: Some(HashMap::new()),
        };
        for (key, ([lon, lat], locations)) in by_point {
            let Some([e, n]) = wgs84_to_bng(lon, lat) else { continue };
            let name = locations
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(location, _)| location.to_string());
            let h = DRAWN_SIDE_M / 2.0;
            let square =
                Polygon::new(vec![[e - h, n - h], [e + h, n - h], [e + h, n + h], [e - h, n + h]]);
            if let Some(index) = units.points.as_mut() {
                index.insert(key, units.ids.len());
            }
            units.ids.push(format!("pt{lon:.6},{lat:.6}"));
            units.names.push(name);
            units.bng.push(MultiPolygon::new(vec![square]));
        }
        Ok(units)
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Assigns the places to units by code or by point; `weight` gives each crime type's weight
/// (1 without harm weighting).
fn assign(
    places: &[Place],
    units: &Units,
    how: Assign,
    geography: Option<&Geography>,
    weight: &dyn Fn(&str) -> f64,
) -> UnitCounts {
    let n = units.len();
    let mut counts = vec![0.0; n];
    let mut rows = vec![0u64; n];
    let mut locations: Vec<HashMap<String, u64>> = vec![HashMap::new(); n];
    let mut unassigned = 0;
    let index_of: HashMap<&str, usize> =
        units.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let located: Vec<Option<usize>> = match (how, &units.grid, &units.wgs84) {
        (Assign::Point, Some(grid), _) => places
            .iter()
            .map(|place| {
                let [lon, lat] = place.point?;
                let [e, n] = wgs84_to_bng(lon, lat)?;
                grid.ordinal(grid.cell_of(e, n)?)
            })
            .collect(),
        (Assign::Point, None, Some(polygons)) => {
            let index = AreaIndex::new(polygons.clone());
            let points: Vec<[f64; 2]> =
                places.iter().map(|p| p.point.unwrap_or([f64::NAN, f64::NAN])).collect();
            index.locate_all(&points)
        }
        (Assign::Point, None, None) => places
            .iter()
            .map(|place| {
                let [lon, lat] = place.point?;
                units.points.as_ref()?.get(&(lon.to_bits(), lat.to_bits())).copied()
            })
            .collect(),
        (Assign::Code, _, _) => places
            .iter()
            .map(|place| {
                if place.lsoa_code.is_empty() {
                    return None;
                }
                let lsoa = geography
                    .map_or(place.lsoa_code.as_str(), |g| g.best_fit_2011(&place.lsoa_code));
                let id = match units.kind {
                    UnitKind::Ward => geography.and_then(|g| g.ward_of(lsoa))?,
                    _ => lsoa,
                };
                index_of.get(id).copied()
            })
            .collect(),
    };
    for (place, unit) in places.iter().zip(located) {
        match unit {
            Some(i) => {
                counts[i] += place.n as f64 * weight(&place.crime_type);
                rows[i] += place.n;
                // Some downloads leave the street name out: "On or near " and nothing else.
                let location = match place.location.trim() {
                    "On or near" | "" => "On or near (no street name given)".to_string(),
                    _ => place.location.clone(),
                };
                *locations[i].entry(location).or_insert(0) += place.n;
            }
            None => unassigned += place.n,
        }
    }
    let locations = locations
        .into_iter()
        .map(|map| {
            let mut list: Vec<(String, u64)> = map.into_iter().collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            list
        })
        .collect();
    UnitCounts { counts, rows, locations, unassigned }
}

/// The statistic asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    GiStar,
    Gi,
    LocalMoran,
    Kde,
}

impl Method {
    fn parse(text: &str) -> anyhow::Result<Method> {
        match text {
            "gi-star" => Ok(Method::GiStar),
            "gi" => Ok(Method::Gi),
            "local-moran" => Ok(Method::LocalMoran),
            "kde" => Ok(Method::Kde),
            _ => bail!("unknown --method `{text}`; expected gi-star, gi, local-moran or kde"),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Method::GiStar => "gi-star",
            Method::Gi => "gi",
            Method::LocalMoran => "local-moran",
            Method::Kde => "kde",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Method::GiStar => "Getis-Ord Gi*",
            Method::Gi => "Getis-Ord Gi",
            Method::LocalMoran => "local Moran's I",
            Method::Kde => "quartic kernel density",
        }
    }
}

/// `--weights`.
#[derive(Debug, Clone, PartialEq)]
enum WeightsSpec {
    Contiguity,
    Distance(f64),
    Knn(usize),
    Gal(std::path::PathBuf),
}

impl WeightsSpec {
    fn parse(text: &str) -> anyhow::Result<WeightsSpec> {
        let bad = || {
            anyhow::anyhow!(
                "invalid --weights `{text}`; expected contiguity, distance:METRES (such as \
                 distance:500), knn:K (such as knn:6) or gal:FILE"
            )
        };
        match text.split_once(':') {
            None if text == "contiguity" => Ok(WeightsSpec::Contiguity),
            Some(("distance", value)) => match value.parse::<f64>() {
                Ok(m) if m.is_finite() && m > 0.0 => Ok(WeightsSpec::Distance(m)),
                _ => Err(bad()),
            },
            Some(("knn", value)) => match value.parse::<usize>() {
                Ok(k) if k > 0 => Ok(WeightsSpec::Knn(k)),
                _ => Err(bad()),
            },
            Some(("gal", path)) if !path.is_empty() => Ok(WeightsSpec::Gal(path.into())),
            _ => Err(bad()),
        }
    }

    fn describe(&self) -> String {
        match self {
            WeightsSpec::Contiguity => {
                "contiguity (touching or overlapping within 1 m, queen)".to_string()
            }
            WeightsSpec::Distance(m) => format!("distance band of {m} m between centroids"),
            WeightsSpec::Knn(k) => format!("{k} nearest neighbours by centroid"),
            WeightsSpec::Gal(path) => format!("GAL file {}", path.display()),
        }
    }
}

/// The tolerance of contiguity, in metres: generalised boundaries rarely share exact vertices.
const CONTIGUITY_TOLERANCE_M: f64 = 1.0;

/// One unit's result.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UnitResult {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    /// Rows assigned.
    pub(crate) count: u64,
    /// The analysed value: the count, or the harm-weighted count.
    value: f64,
    pub(crate) z: Option<f64>,
    /// Two-sided p of z (Gi, Gi*).
    p: Option<f64>,
    /// One-sided p = P(Z ≥ |z|), as esda's `p_norm` (Gi, Gi*).
    #[serde(skip_serializing_if = "Option::is_none")]
    p_one_sided: Option<f64>,
    /// Folded conditional-permutation pseudo p.
    p_sim: Option<f64>,
    bin: Option<i8>,
    /// Local Moran's I.
    #[serde(skip_serializing_if = "Option::is_none")]
    local_i: Option<f64>,
    /// Local Moran quadrant: HH, LH, LL or HL.
    #[serde(skip_serializing_if = "Option::is_none")]
    quadrant: Option<&'static str>,
    /// Kernel density at the unit's centroid, per square kilometre.
    #[serde(skip_serializing_if = "Option::is_none")]
    density_per_km2: Option<f64>,
    /// The most frequent police.uk Location strings, with their rows.
    pub(crate) top_locations: Vec<(String, u64)>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `safer hotspots`.
pub async fn run(config: &Config, args: &HotspotsArgs) -> anyhow::Result<ExitCode> {
    let analysis = analyse(config, args).await?;
    let (report, units) = (&analysis.report, &analysis.units);
    if let Some(path) = &args.geojson {
        write_geojson(path, report, units)?;
    }
    if let Some(path) = &args.svg {
        let zoom = match &args.zoom {
            Some(path) => Some(zoom_extent(path)?),
            None => None,
        };
        std::fs::write(path, analysis.map_svg(args.top, zoom))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, report).context("cannot write the JSON")?;
        writeln!(out)?;
    } else {
        write_summary(&mut out, report, args.top)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A finished analysis: the report and the units it ran on.
pub(crate) struct Analysis {
    pub(crate) report: Report,
    pub(crate) units: Units,
    method: Method,
}

impl Analysis {
    /// The SVG map, zoomed to `zoom` (British National Grid metres) when given.
    pub(crate) fn map_svg(&self, top: usize, zoom: Option<BBox>) -> String {
        render_map(&map_spec(&self.report, &self.units, self.method, top, zoom))
    }
}

/// Runs `safer hotspots` up to its results, without writing anything.
pub(crate) async fn analyse(config: &Config, args: &HotspotsArgs) -> anyhow::Result<Analysis> {
    let selector = Selector::parse("--area", &args.area)?;
    let period = Period::parse("--period", &args.period)?;
    let types = crime_types(&args.crime_types)?;
    let kind = UnitKind::parse(&args.units)?;
    let method = Method::parse(&args.method)?;
    let weights_spec = WeightsSpec::parse(&args.weights)?;
    let how = match (args.assign.as_deref(), kind) {
        (None, UnitKind::Lsoa | UnitKind::Ward) if args.boundaries.is_none() => Assign::Code,
        (None, _) => Assign::Point,
        (Some("point"), _) => Assign::Point,
        (Some("code"), UnitKind::Lsoa | UnitKind::Ward) => Assign::Code,
        (Some("code"), UnitKind::Points) => bail!("--assign code needs LSOA or ward units"),
        (Some("code"), _) => {
            bail!("--assign code needs LSOA or ward units; grid cells are found by point")
        }
        (Some(other), _) => bail!("unknown --assign `{other}`; expected code or point"),
    };
    let harm = match args.harm.as_deref() {
        None => None,
        Some("default") => Some(default_table()),
        Some(path) => Some(read_harm_table(Path::new(path))?),
    };
    let geography = load_geography(config).await?;
    let area = area::resolve("--area", &selector, geography.as_ref())?;
    if how == Assign::Code && args.boundaries.is_none() && geography.is_none() {
        bail!("LSOA and ward units need the geography: import it with `safer geo import`");
    }

    // Rows of every crime type (snap-point units are every point with a row); read here for
    // snap points, after the units otherwise, so a bad grid fails before any file is read.
    let mut all_places: Option<Vec<Place>> = None;
    // Units.
    let units = match (kind, &args.boundaries) {
        (UnitKind::Points, _) => {
            if matches!(weights_spec, WeightsSpec::Contiguity) {
                bail!(
                    "snap points have no area, so they cannot touch: use --weights \
                     distance:METRES or knn:K with --units points"
                );
            }
            let places =
                gather_places(config, &args.inputs, &area, period, &BTreeSet::new()).await?;
            let units = Units::from_points(&places)?;
            all_places = Some(places);
            units
        }
        (UnitKind::Lsoa | UnitKind::Ward, Some(file)) => Units::from_polygons(
            kind,
            file_units(file, args.id_field.as_deref(), args.name_field.as_deref())?,
        )?,
        (UnitKind::Lsoa | UnitKind::Ward, None) => {
            let geography = geography.as_ref().context("no geography")?;
            Units::from_polygons(kind, stored_units(config, kind, &area, geography).await?)?
        }
        (UnitKind::Square(size) | UnitKind::Hex(size), _) => {
            let outline = match (&area.filter, &args.boundaries) {
                (_, Some(file)) => {
                    file_units(file, args.id_field.as_deref(), args.name_field.as_deref())?
                        .into_iter()
                        .flat_map(|unit| unit.geometry.polygons)
                        .collect()
                }
                (AreaFilter::Polygon(polygons), None) => {
                    polygons.iter().flat_map(|p| p.polygons.clone()).collect()
                }
                (AreaFilter::Lsoa(_), None) => {
                    let geography = geography.as_ref().with_context(|| {
                        format!(
                            "a grid over {} needs the area's outline: import boundaries with \
                             `safer geo import`, give --boundaries FILE, or use a polygon: area",
                            area.selector
                        )
                    })?;
                    stored_units(config, UnitKind::Lsoa, &area, geography)
                        .await?
                        .into_iter()
                        .flat_map(|unit| unit.geometry.polygons)
                        .collect()
                }
            };
            let outline = project_multipolygon(&MultiPolygon::new(outline))
                .context("the area's outline lies outside Great Britain")?;
            let grid_kind =
                if matches!(kind, UnitKind::Hex(_)) { GridKind::Hex } else { GridKind::Square };
            Units::from_grid(kind, Grid::covering(grid_kind, size, &outline)?)
        }
    };

    // Rows, assigned to units.
    let all_places = match all_places {
        Some(places) => places,
        None => gather_places(config, &args.inputs, &area, period, &BTreeSet::new()).await?,
    };
    let places: Vec<Place> = all_places
        .iter()
        .filter(|place| types.is_empty() || types.contains(&place.crime_type))
        .cloned()
        .collect();
    let weight =
        |crime_type: &str| harm.as_ref().map_or(1.0, |t| t.weight(crime_type).unwrap_or(0.0));
    let counts = assign(&places, &units, how, geography.as_ref(), &weight);
    let total_rows: u64 = places.iter().map(|p| p.n).sum();

    // Weights.
    let centroids: Vec<[f64; 2]> = units
        .bng
        .iter()
        .map(|polygon| polygon.centroid().unwrap_or([f64::NAN, f64::NAN]))
        .collect();
    let mut weights = match &weights_spec {
        // Density needs no neighbours: every unit reads the surface at its centroid.
        _ if method == Method::Kde => {
            weights::Weights::binary(units.ids.clone(), vec![Vec::new(); units.len()])?
        }
        WeightsSpec::Contiguity => {
            weights::contiguity(units.ids.clone(), &units.bng, CONTIGUITY_TOLERANCE_M)?
        }
        WeightsSpec::Distance(m) => weights::distance_band(units.ids.clone(), &centroids, *m)?,
        WeightsSpec::Knn(k) => weights::knn(units.ids.clone(), &centroids, *k)?,
        WeightsSpec::Gal(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the GAL file {}", path.display()))?;
            weights::read_gal(&text, &units.ids).with_context(|| format!("{}", path.display()))?
        }
    };
    if let Some(path) = &args.save_weights {
        std::fs::write(path, weights::write_gal(&weights))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.row_standardise {
        weights = weights.row_standardised();
    }

    // The statistic.
    let bandwidth = match args.bandwidth {
        Some(b) if !(b.is_finite() && b > 0.0) => {
            bail!("invalid --bandwidth {b}; give a search radius in metres, such as 250")
        }
        other => other,
    };
    let settings = StatSettings {
        method,
        bandwidth,
        row_standardise: args.row_standardise,
        permutations: args.permutations,
        seed: args.seed,
        fdr: args.fdr,
    };
    let (results, global) =
        statistic(&settings, &units, &counts, &weights, &places, &centroids, &weight)?;
    let concentration =
        concentration(&counts.rows, &ConcentrationConfig { baseline_runs: 99, seed: args.seed });

    // Stability against an earlier period: the same units, weights and method.
    let stability = match &args.previous {
        None => None,
        Some(text) => {
            let previous = Period::parse("--previous", text)?;
            if previous.to >= period.from {
                bail!(
                    "--previous {previous_text} must end before --period starts",
                    previous_text = text
                );
            }
            let earlier = gather_places(config, &args.inputs, &area, previous, &types).await?;
            let earlier_counts = assign(&earlier, &units, how, geography.as_ref(), &weight);
            let (earlier_results, _) = statistic(
                &settings,
                &units,
                &earlier_counts,
                &weights,
                &earlier,
                &centroids,
                &weight,
            )?;
            Some(stability_between(
                &units,
                (period_text(previous), &earlier_results, &earlier_counts),
                (&results, &counts),
                method,
            )?)
        }
    };

    let report = Report {
        method: method.as_str(),
        method_description: method.describe(),
        area: area.selector.to_string(),
        area_name: area.name.clone(),
        period: period_text(period),
        crime_types: types.iter().cloned().collect(),
        units: args.units.clone(),
        assign: if how == Assign::Code { "code" } else { "point" },
        weights: if method == Method::Kde {
            "none (density is read at each unit's centroid)".to_string()
        } else {
            weights_spec.describe()
        },
        row_standardised: args.row_standardise,
        n_links: weights.n_links(),
        islands: if method == Method::Kde {
            Vec::new()
        } else {
            weights.islands().iter().map(|&i| units.ids[i].clone()).collect()
        },
        permutations: args.permutations,
        seed: args.seed,
        fdr: args.fdr,
        harm: harm.as_ref().map(|t| format!("{} ({})", t.name, t.unit)),
        rows: total_rows,
        unassigned_rows: counts.unassigned,
        global,
        concentration,
        stability,
        units_results: results,
    };
    Ok(Analysis { report, units, method })
}

/// Settings of the statistic that do not change between periods.
struct StatSettings {
    method: Method,
    /// The kernel density's search radius in metres; ArcGIS's default when `None`.
    bandwidth: Option<f64>,
    row_standardise: bool,
    permutations: usize,
    seed: u64,
    fdr: bool,
}

/// Runs the method on one period's unit counts.
fn statistic(
    settings: &StatSettings,
    units: &Units,
    counts: &UnitCounts,
    weights: &weights::Weights,
    places: &[Place],
    centroids: &[[f64; 2]],
    weight: &dyn Fn(&str) -> f64,
) -> anyhow::Result<(Vec<UnitResult>, serde_json::Value)> {
    let method = settings.method;
    let mut results: Vec<UnitResult> = (0..units.len())
        .map(|i| UnitResult {
            id: units.ids[i].clone(),
            name: units.names[i].clone(),
            count: counts.rows[i],
            value: counts.counts[i],
            z: None,
            p: None,
            p_one_sided: None,
            p_sim: None,
            bin: None,
            local_i: None,
            quadrant: None,
            density_per_km2: None,
            top_locations: counts.locations[i].iter().take(3).cloned().collect(),
        })
        .collect();
    let transform =
        if settings.row_standardise { Transform::RowStandardised } else { Transform::Binary };
    let global: serde_json::Value = match method {
        Method::GiStar | Method::Gi => {
            let config = GetisOrdConfig {
                variant: if method == Method::Gi { Variant::Gi } else { Variant::GiStar },
                transform,
                permutations: settings.permutations,
                seed: settings.seed,
                fdr: settings.fdr,
                threads: 0,
            };
            // The statistic transforms the weights itself; hand it the weights as built.
            let g = getis_ord(&counts.counts, weights, &config)?;
            for (i, result) in results.iter_mut().enumerate() {
                result.z = finite(g.z[i]);
                result.p = finite(g.p_two_sided[i]);
                result.p_one_sided = finite(g.p_one_sided[i]);
                result.p_sim = finite(g.p_sim[i]);
                result.bin = Some(g.bin[i]);
            }
            serde_json::json!({
                "statistic": "General G",
                "g": g.global.g, "expected": g.global.eg, "z": g.global.z,
                "p_one_sided": g.global.p_norm,
                "islands": g.islands.len(),
            })
        }
        Method::LocalMoran => {
            let config = LocalMoranConfig {
                permutations: settings.permutations,
                seed: settings.seed,
                threads: 0,
            };
            let standardised =
                if settings.row_standardise { weights.clone() } else { weights.row_standardised() };
            let local = local_moran(&counts.counts, &standardised, &config)?;
            let global = global_moran(&counts.counts, &standardised)?;
            for (i, result) in results.iter_mut().enumerate() {
                result.local_i = finite(local.i[i]);
                result.z = finite(local.z[i]);
                result.p_sim = finite(local.p_sim[i]);
                result.quadrant = match local.quadrant[i] {
                    1 => Some("HH"),
                    2 => Some("LH"),
                    3 => Some("LL"),
                    4 => Some("HL"),
                    _ => None,
                };
            }
            serde_json::json!({
                "statistic": "global Moran's I",
                "i": global.i, "expected": global.ei, "z": global.z_norm, "p_one_sided": global.p_norm,
            })
        }
        Method::Kde => {
            let points: Vec<([f64; 2], f64)> = places
                .iter()
                .filter_map(|place| {
                    let [lon, lat] = place.point?;
                    let w = place.n as f64 * weight(&place.crime_type);
                    wgs84_to_bng(lon, lat).map(|p| (p, w))
                })
                .filter(|(_, w)| *w > 0.0)
                .collect();
            let xy: Vec<[f64; 2]> = points.iter().map(|(p, _)| *p).collect();
            let w: Vec<f64> = points.iter().map(|(_, w)| *w).collect();
            let bandwidth = match settings.bandwidth {
                Some(bandwidth) => bandwidth,
                None => arcgis_default_bandwidth(&xy, Some(&w))
                    .context("too few located rows for a kernel density")?,
            };
            let extent = units
                .bng
                .iter()
                .filter_map(MultiPolygon::bbox)
                .reduce(|a, b| a.union(&b))
                .context("the units have no extent")?;
            let cell = default_cell_size(&extent).context("the units have no extent")?;
            let surface = quartic_kde(&xy, Some(&w), bandwidth, &extent, cell)?.per_km2();
            for (result, centroid) in results.iter_mut().zip(centroids) {
                result.density_per_km2 = surface_value_at(&surface, *centroid);
            }
            serde_json::json!({
                "statistic": "quartic kernel density (ArcGIS default bandwidth)",
                "bandwidth_m": bandwidth, "cell_m": cell,
            })
        }
    };

    Ok((results, global))
}

/// The density at a point: the value of the cell it falls in.
fn surface_value_at(surface: &DensitySurface, [x, y]: [f64; 2]) -> Option<f64> {
    let col = ((x - surface.origin[0]) / surface.cell).floor();
    let row = ((y - surface.origin[1]) / surface.cell).floor();
    if !(col >= 0.0 && row >= 0.0) {
        return None;
    }
    surface.value(col as usize, row as usize)
}

/// A harm weights CSV as a table; bad rows refuse the file (a missing weight would silently
/// drop crimes).
pub(crate) fn read_harm_table(path: &Path) -> anyhow::Result<HarmTable> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    let parsed = parse_harm_weights(&bytes).with_context(|| name.clone())?;
    for warning in &parsed.warnings {
        eprintln!("warning: {name}: {warning}");
    }
    if let Some(err) = parsed.errors.first() {
        bail!(
            "{name}:{err}; a harm table is used whole, so fix the file ({} bad row(s))",
            parsed.errors.len()
        );
    }
    let entries = parsed
        .weights
        .iter()
        .map(|(crime_type, &weight)| {
            let source = &parsed.sources[crime_type];
            let entry =
                HarmEntry { weight, source: source.source.clone(), note: source.note.clone() };
            (crime_type.clone(), entry)
        })
        .collect();
    Ok(HarmTable { name, unit: String::new(), entries })
}

/// Everything `safer hotspots` found: the `--json` output.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    method: &'static str,
    pub(crate) method_description: &'static str,
    area: String,
    area_name: Option<String>,
    period: String,
    crime_types: Vec<String>,
    units: String,
    assign: &'static str,
    pub(crate) weights: String,
    row_standardised: bool,
    pub(crate) n_links: usize,
    islands: Vec<String>,
    permutations: usize,
    seed: u64,
    fdr: bool,
    harm: Option<String>,
    /// Rows in the area and period (of the crime types asked for).
    pub(crate) rows: u64,
    /// Of those, rows no unit took (no location, or outside every unit).
    unassigned_rows: u64,
    global: serde_json::Value,
    /// How concentrated the rows are across the units, against a random baseline.
    pub(crate) concentration: Concentration,
    /// Hot units now against `--previous`, with PAI and RRI.
    #[serde(skip_serializing_if = "Option::is_none")]
    stability: Option<StabilityReport>,
    #[serde(rename = "units")]
    pub(crate) units_results: Vec<UnitResult>,
}

/// Hot spots in an earlier period against the current one.
#[derive(Debug, Serialize)]
struct StabilityReport {
    previous_period: String,
    /// Units hot in both, newly hot, no longer hot; Jaccard overlap.
    hot_units: Stability,
    /// The earlier period's hot units as the selected area: its PAI in both periods and the
    /// RRI (Levine 2008).
    recapture: Option<Recapture>,
}

/// Whether a unit counts as a hot spot: a significant positive Gi/Gi* bin, a significant HH
/// Moran unit, or for density the top 5% of units.
fn hot_flags(results: &[UnitResult], method: Method) -> Vec<bool> {
    match method {
        Method::GiStar | Method::Gi => results.iter().map(|u| u.bin.unwrap_or(0) > 0).collect(),
        Method::LocalMoran => results
            .iter()
            .map(|u| u.quadrant == Some("HH") && u.p_sim.is_some_and(|p| p < 0.05))
            .collect(),
        Method::Kde => {
            let mut densities: Vec<f64> =
                results.iter().filter_map(|u| u.density_per_km2).collect();
            densities.sort_by(|a, b| b.total_cmp(a));
            let k = densities.len().div_ceil(20).max(1);
            let cut = densities.get(k - 1).copied().unwrap_or(f64::INFINITY);
            results.iter().map(|u| u.density_per_km2.is_some_and(|d| d >= cut && d > 0.0)).collect()
        }
    }
}

/// Compares hot units between two periods, and the recapture of the earlier hot area.
fn stability_between(
    units: &Units,
    (previous_period, before, before_counts): (String, &[UnitResult], &UnitCounts),
    (after, after_counts): (&[UnitResult], &UnitCounts),
    method: Method,
) -> anyhow::Result<StabilityReport> {
    let hot_before = hot_flags(before, method);
    let hot_after = hot_flags(after, method);
    let hot_units = hotspot_stability(&units.ids, &hot_before, &hot_after)?;
    let areas: Vec<f64> = units.bng.iter().map(|p| p.area_sq_deg()).collect();
    let total_area: f64 = areas.iter().sum();
    let selected_area: f64 =
        areas.iter().zip(&hot_before).filter(|(_, hot)| **hot).map(|(a, _)| a).sum();
    let in_area = |counts: &UnitCounts| -> f64 {
        counts.rows.iter().zip(&hot_before).filter(|(_, hot)| **hot).map(|(n, _)| *n as f64).sum()
    };
    let total = |counts: &UnitCounts| counts.rows.iter().map(|&n| n as f64).sum::<f64>();
    let recapture = if selected_area > 0.0 {
        Some(recapture(
            StabilityCounts { in_area: in_area(before_counts), total: total(before_counts) },
            StabilityCounts { in_area: in_area(after_counts), total: total(after_counts) },
            selected_area,
            total_area,
        )?)
    } else {
        None
    };
    Ok(StabilityReport { previous_period, hot_units, recapture })
}

impl Report {
    /// Units ranked hottest first: by bin, then z (Gi, Moran) or density.
    fn ranked(&self) -> Vec<&UnitResult> {
        let mut ranked: Vec<&UnitResult> = self.units_results.iter().collect();
        let key = |u: &UnitResult| u.z.or(u.density_per_km2).unwrap_or(f64::NEG_INFINITY);
        ranked.sort_by(|a, b| {
            b.bin.unwrap_or(0).cmp(&a.bin.unwrap_or(0)).then(key(b).total_cmp(&key(a)))
        });
        ranked
    }

    /// The top hot spots: significant ones for Gi and Gi* (bin > 0), HH units for Moran, the
    /// densest units for density.
    pub(crate) fn top(&self, n: usize) -> Vec<&UnitResult> {
        self.ranked()
            .into_iter()
            .filter(|u| match self.method {
                "gi-star" | "gi" => u.bin.unwrap_or(0) > 0,
                "local-moran" => u.quadrant == Some("HH") && u.p_sim.is_some_and(|p| p < 0.05),
                _ => u.density_per_km2.is_some_and(|d| d > 0.0),
            })
            .take(n)
            .collect()
    }
}

fn unit_label(unit: &UnitResult) -> String {
    match &unit.name {
        Some(name) if name != &unit.id => format!("{} ({name})", unit.id),
        _ => unit.id.clone(),
    }
}

fn write_summary(out: &mut impl Write, report: &Report, top: usize) -> std::io::Result<()> {
    let area = match &report.area_name {
        Some(name) => format!("{} ({name})", report.area),
        None => report.area.clone(),
    };
    writeln!(out, "Hot spots: {area}, {}", report.period)?;
    let types = if report.crime_types.is_empty() {
        "all crime types and anti-social behaviour".to_string()
    } else {
        report.crime_types.join(", ")
    };
    writeln!(
        out,
        "Rows: {} ({types}); {} not in any unit",
        thousands(report.rows),
        thousands(report.unassigned_rows)
    )?;
    if let Some(harm) = &report.harm {
        writeln!(out, "Values are harm-weighted with {harm}.")?;
    }
    writeln!(
        out,
        "Method: {} on {} {} (rows placed by {}); weights: {}{}, {} links{}",
        report.method_description,
        thousands(report.units_results.len() as u64),
        units_words(&report.units),
        match (report.assign, report.units.as_str()) {
            ("code", _) => "their published LSOA code",
            (_, "points") => "their snap point",
            _ => "point in polygon",
        },
        report.weights,
        if report.row_standardised { ", row-standardised" } else { ", binary" },
        thousands(report.n_links as u64),
        if report.islands.is_empty() {
            String::new()
        } else {
            format!(", {} island(s) without neighbours", report.islands.len())
        }
    )?;
    if report.permutations > 0 && report.method != "kde" {
        writeln!(
            out,
            "Pseudo p-values from {} conditional permutations, seed {}.",
            report.permutations, report.seed
        )?;
    }
    writeln!(out)?;
    let hot = report.top(top);
    if hot.is_empty() {
        writeln!(out, "No unit is a significant hot spot.")?;
    } else {
        writeln!(out, "Top hot spots:")?;
        for (rank, unit) in hot.iter().enumerate() {
            let stat = match (unit.z, unit.density_per_km2) {
                (Some(z), _) => format!(
                    "z = {z:.2}, p = {}",
                    unit.p.or(unit.p_sim).map_or("n/a".to_string(), |p| format!("{p:.4}"))
                ),
                (None, Some(d)) => format!("{d:.1} per km²"),
                _ => String::new(),
            };
            let places: Vec<String> =
                unit.top_locations.iter().map(|(l, n)| format!("{l} ({n})")).collect();
            writeln!(
                out,
                "{:>2}. {}: {} rows, {stat}{}",
                rank + 1,
                unit_label(unit),
                thousands(unit.count),
                if places.is_empty() { String::new() } else { format!("; {}", places.join(", ")) }
            )?;
        }
    }
    let c = &report.concentration;
    if let (Some(gini), Some(top_share), Some(half), Some(half_pct)) =
        (c.generalised_gini, c.top_share, c.units_for_half, c.units_for_half_pct)
    {
        writeln!(out)?;
        let baseline = match &c.baseline {
            Some(b) => format!(
                " (random placement of the same rows gives {:.2}, 95% {:.2}–{:.2})",
                b.generalised_gini.mean, b.generalised_gini.p2_5, b.generalised_gini.p97_5
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "Concentration: generalised Gini {gini:.2}{baseline}; the busiest {} unit(s) (5%) \
             hold {:.0}% of rows; half the rows are in {half} unit(s) ({half_pct:.0}%).",
            c.top_units,
            top_share * 100.0
        )?;
    }
    if let Some(stability) = &report.stability {
        let hot = &stability.hot_units;
        writeln!(
            out,
            "Against {}: {} hot unit(s) stayed, {} entered, {} left{}.",
            stability.previous_period,
            hot.stayed.len(),
            hot.entered.len(),
            hot.left.len(),
            hot.jaccard.map_or(String::new(), |j| format!(" (Jaccard overlap {j:.2})"))
        )?;
        if let Some(r) = &stability.recapture {
            writeln!(
                out,
                "The earlier hot spots cover {:.1}% of the area: PAI {:.2} then, {:.2} now; \
                 RRI {} ({}).",
                r.t1.area_share * 100.0,
                r.t1.pai,
                r.t2.pai,
                r.rri.map_or("n/a".to_string(), |v| format!("{v:.2}")),
                r.formula
            )?;
        }
    }
    if matches!(report.method, "gi-star" | "gi") {
        let mut bins = [0usize; 7];
        for unit in &report.units_results {
            if let Some(bin) = unit.bin {
                bins[(bin + 3).clamp(0, 6) as usize] += 1;
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "Units by confidence: hot 99% {}, 95% {}, 90% {}; not significant {}; cold 90% {}, 95% {}, 99% {}{}",
            bins[6], bins[5], bins[4], bins[3], bins[2], bins[1], bins[0],
            if report.fdr { " (false discovery rate controlled)" } else { "" }
        )?;
    }
    Ok(())
}

fn thousands(n: u64) -> String {
    safer_analytics::findings::format_count(n)
}

/// The units with their results as a GeoJSON FeatureCollection in WGS84.
fn write_geojson(path: &Path, report: &Report, units: &Units) -> anyhow::Result<()> {
    let mut features = Vec::with_capacity(units.len());
    for (i, result) in report.units_results.iter().enumerate() {
        let geometry = match &units.wgs84 {
            Some(polygons) => polygons[i].clone(),
            None => unproject(&units.bng[i]),
        };
        let coordinates: Vec<Vec<Vec<[f64; 2]>>> = geometry
            .polygons
            .iter()
            .map(|polygon| {
                std::iter::once(&polygon.exterior)
                    .chain(&polygon.holes)
                    .map(|ring| close(ring))
                    .collect()
            })
            .collect();
        let mut properties = serde_json::to_value(result).context("cannot encode a unit")?;
        if let Some(map) = properties.as_object_mut() {
            map.remove("top_locations");
        }
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
        }));
    }
    let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
    let text = serde_json::to_string(&collection).context("cannot encode the GeoJSON")?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A ring closed (first position repeated last), as GeoJSON requires.
fn close(ring: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut ring = ring.to_vec();
    if ring.first() != ring.last() {
        if let Some(&first) = ring.first() {
            ring.push(first);
        }
    }
    ring
}

/// A polygon in British National Grid metres back to WGS84.
fn unproject(polygon: &MultiPolygon) -> MultiPolygon {
    let ring = |ring: &Vec<[f64; 2]>| -> Vec<[f64; 2]> {
        ring.iter().filter_map(|&[e, n]| bng_to_wgs84(e, n)).collect()
    };
    MultiPolygon::new(
        polygon
            .polygons
            .iter()
            .map(|p| Polygon {
                exterior: ring(&p.exterior),
                holes: p.holes.iter().map(ring).collect(),
            })
            .collect(),
    )
}

/// The map: Gi and Gi* bins as a hot-spot map; Moran's I and density as choropleths.
fn map_spec(
    report: &Report,
    units: &Units,
    method: Method,
    top: usize,
    zoom: Option<BBox>,
) -> MapSpec {
    let hot = report.top(top);
    let value = |unit: &UnitResult| match method {
        Method::GiStar | Method::Gi => unit.z,
        Method::LocalMoran => unit.local_i,
        Method::Kde => unit.density_per_km2,
    };
    let features: Vec<MapFeature> = report
        .units_results
        .iter()
        .zip(&units.bng)
        .map(|(unit, geometry)| MapFeature {
            id: unit.id.clone(),
            name: unit.name.clone().unwrap_or_else(|| unit.id.clone()),
            geometry: geometry.clone(),
            value: value(unit),
            class: match method {
                Method::GiStar | Method::Gi => unit.bin.and_then(Classification::hotspot_class),
                _ => None,
            },
            // The top places are marked with numbered markers; no labels on top of them.
            label: None,
        })
        .collect();
    let classification = match method {
        Method::GiStar | Method::Gi => Classification::Hotspot,
        _ => {
            let values: Vec<f64> = features.iter().filter_map(|f| f.value).collect();
            Classification::Sequential {
                breaks: quantile_breaks(&values, 5),
                palette: Palette::default(),
            }
        }
    };
    let places = hot
        .iter()
        .enumerate()
        .map(|(rank, unit)| {
            let position = units
                .ids
                .iter()
                .position(|id| id == &unit.id)
                .and_then(|i| units.bng[i].centroid());
            NamedPlace {
                rank: rank + 1,
                name: unit_label(unit),
                count: unit.count,
                top_locations: unit.top_locations.clone(),
                position,
            }
        })
        .collect();
    let area = match (&report.area_name, report.area.split_once(':')) {
        (Some(name), _) => name.clone(),
        (None, Some(("district", name))) => name.to_string(),
        _ => report.area.clone(),
    };
    let what = if report.crime_types.is_empty() {
        "Crime and anti-social behaviour".to_string()
    } else {
        report.crime_types.join(", ")
    };
    let units = units_words(&report.units);
    MapSpec {
        title: format!("{what}: hot spots in {area}"),
        subtitle: format!(
            "{} · {} on {units} · {}{}",
            period_words(&report.period),
            report.method_description,
            report.weights,
            if report.fdr { " · false discovery rate controlled" } else { "" }
        ),
        legend_title: match method {
            Method::GiStar | Method::Gi => report.method_description.to_string(),
            Method::LocalMoran => "Local Moran's I".to_string(),
            Method::Kde => "Density per km²".to_string(),
        },
        features,
        classification,
        extent: zoom,
        places_heading: "Top hot spots".to_string(),
        places,
        attribution: ATTRIBUTION.to_string(),
        width: 960,
    }
}

/// `lsoa` as `LSOAs`, `grid:250` as `250 m squares`, and so on.
fn units_words(units: &str) -> String {
    match units.split_once(':') {
        None if units == "lsoa" => "LSOAs".to_string(),
        None if units == "ward" => "wards".to_string(),
        None if units == "points" => "snap points".to_string(),
        Some(("grid", size)) => format!("{size} m squares"),
        Some(("hex", size)) => format!("{size} m hexagons"),
        _ => units.to_string(),
    }
}

/// `2021-03..2021-12` as `March to December 2021`; `2021-11..2022-02` as `November 2021 to
/// February 2022`; a single month as `March 2021`.
fn period_words(period: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    fn words(month: &str) -> Option<(&'static str, &str)> {
        let (year, number) = month.split_once('-')?;
        let name = MONTHS.get(number.parse::<usize>().ok()?.checked_sub(1)?)?;
        Some((name, year))
    }
    match period.split_once("..") {
        None => words(period).map_or(period.to_string(), |(m, y)| format!("{m} {y}")),
        Some((from, to)) => match (words(from), words(to)) {
            (Some((m1, y1)), Some((m2, y2))) if y1 == y2 => format!("{m1} to {m2} {y2}"),
            (Some((m1, y1)), Some((m2, y2))) => format!("{m1} {y1} to {m2} {y2}"),
            _ => period.to_string(),
        },
    }
}

/// The map extent for `--zoom FILE.geojson`: its polygons' box in British National Grid metres,
/// with a tenth of its size as margin.
pub(crate) fn zoom_extent(path: &Path) -> anyhow::Result<BBox> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the zoom polygon {}", path.display()))?;
    let features = safer_import::geojson::read_features(&path.display().to_string(), &bytes)?;
    let all = MultiPolygon::new(features.into_iter().flat_map(|f| f.geometry.polygons).collect());
    let bbox = project_multipolygon(&all)
        .and_then(|p| p.bbox())
        .with_context(|| format!("{} has no polygon inside Great Britain", path.display()))?;
    let margin = 0.1 * (bbox.max_lon - bbox.min_lon).max(bbox.max_lat - bbox.min_lat);
    Ok(BBox {
        min_lon: bbox.min_lon - margin,
        min_lat: bbox.min_lat - margin,
        max_lon: bbox.max_lon + margin,
        max_lat: bbox.max_lat + margin,
    })
}

/// The attribution every map carries.
const ATTRIBUTION: &str = "Contains OS data © Crown copyright and database right; ONS \
boundaries under the Open Government Licence v3.0; police.uk data under the Open Government \
Licence v3.0";
