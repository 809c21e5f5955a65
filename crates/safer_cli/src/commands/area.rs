//! Area selectors, used by every command that takes `--area` or `--peer`:
//!
//! - `district:NAME`: rows whose LSOA name is `NAME NNNL` (police.uk's names; no lookup needed);
//! - `lad:CODE`, `ward:CODE`: the 2011 LSOAs placed in that district or ward by `safer geo
//!   import`, with the 2021 codes reconciled to them (`safer_domain::geography`);
//! - `lsoa:CODE[,CODE...]`: those codes, plus 2021 codes whose best-fit 2011 LSOA is one of
//!   them when the lookup is imported;
//! - `polygon:FILE.geojson`: rows whose snap point lies in the file's polygons;
//! - `all`: every row.
//!
//! Resolving a selector gives the filter counting uses, the area's 2011 LSOAs (for rates and
//! peers) and its population when the geography holds it.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use safer_domain::geo::MultiPolygon;
use safer_domain::geography::{is_gss_code, AreaKind, AreaPopulation, Geography};
use safer_import::police_uk::{is_lsoa_code, LsoaFilter};

use crate::commands::open_store;
use crate::config::Config;

/// A parsed `--area` or `--peer` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Every row.
    All,
    /// `district:NAME`.
    District(String),
    /// `lad:CODE`.
    Lad(String),
    /// `ward:CODE`.
    Ward(String),
    /// `lsoa:CODE,...`.
    Lsoa(Vec<String>),
    /// `polygon:FILE`.
    Polygon(PathBuf),
}

impl Selector {
    /// Parses a selector; `flag` names the option in errors.
    pub fn parse(flag: &str, text: &str) -> anyhow::Result<Selector> {
        let (kind, value) = text.split_once(':').unwrap_or((text, ""));
        let gss = |what: &str, example: &str| -> anyhow::Result<String> {
            let code = value.trim();
            if !is_gss_code(code) {
                bail!(
                    "invalid {what} code `{value}` in {flag}; a {what} code is a GSS code such \
                     as {example}"
                );
            }
            Ok(code.to_string())
        };
        match kind {
            "all" if value.is_empty() => Ok(Selector::All),
            "district" if value.trim().is_empty() => {
                bail!("{flag} district: needs a district name, such as district:Maidstone")
            }
            "district" if value.trim() != value => bail!(
                "{flag} `{text}` has spaces around the district name; write district:{}",
                value.trim()
            ),
            "district" => Ok(Selector::District(value.to_string())),
            "lad" => Ok(Selector::Lad(gss("district", "E07000110")?)),
            "ward" => Ok(Selector::Ward(gss("ward", "E05005004")?)),
            "lsoa" => {
                let codes: Vec<String> = value.split(',').map(|c| c.trim().to_string()).collect();
                if let Some(bad) = codes.iter().find(|code| !is_lsoa_code(code)) {
                    bail!(
                        "invalid LSOA code `{bad}` in {flag}; an LSOA code is E01 or W01 and \
                         six digits, such as E01024403"
                    );
                }
                Ok(Selector::Lsoa(codes))
            }
            "polygon" if value.is_empty() => {
                bail!("{flag} polygon: needs a GeoJSON file, such as polygon:town-centre.geojson")
            }
            "polygon" => Ok(Selector::Polygon(PathBuf::from(value))),
            _ => bail!(
                "unknown area selector `{text}` in {flag}; expected district:NAME (such as \
                 district:Maidstone), lad:CODE, ward:CODE, lsoa:CODE[,CODE...] or \
                 polygon:FILE.geojson"
            ),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::All => f.write_str("all"),
            Selector::District(name) => write!(f, "district:{name}"),
            Selector::Lad(code) => write!(f, "lad:{code}"),
            Selector::Ward(code) => write!(f, "ward:{code}"),
            Selector::Lsoa(codes) => write!(f, "lsoa:{}", codes.join(",")),
            Selector::Polygon(path) => write!(f, "polygon:{}", path.display()),
        }
    }
}

/// How rows are selected.
#[derive(Debug, Clone)]
pub enum AreaFilter {
    /// By LSOA code or name.
    Lsoa(LsoaFilter),
    /// By snap point, inside these polygons.
    Polygon(Vec<MultiPolygon>),
}

/// A selector resolved against the geography.
#[derive(Debug, Clone)]
pub struct Area {
    /// The selector as given.
    pub selector: Selector,
    /// The area's name, when the geography knows it.
    pub name: Option<String>,
    /// How rows are selected.
    pub filter: AreaFilter,
    /// The area's 2011 LSOAs, when known (not for polygons or `all`).
    pub lsoa11: Option<BTreeSet<String>>,
    /// The codes, of both vintages, that select its rows (for summing per-LSOA counts).
    pub codes: Option<BTreeSet<String>>,
    /// Its population, when every 2011 LSOA has a figure for a common year.
    pub population: Option<AreaPopulation>,
    /// Things to say about the resolution (approximations).
    pub notes: Vec<String>,
}

impl Area {
    /// `lad:E07000110 (Maidstone)`, or the selector alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({name})", self.selector),
            None => self.selector.to_string(),
        }
    }
}

/// The geography in the database, or `None` when none is imported (an SQLite database that
/// does not exist yet is not created to find out, so `--input` runs leave no files behind).
pub async fn load_geography(config: &Config) -> anyhow::Result<Option<Geography>> {
    if let Some(path) = config.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if !Path::new(path).exists() {
            return Ok(None);
        }
    }
    let store = open_store(config).await?;
    let geography = store.geography().await;
    store.close().await;
    let geography = geography.context("cannot read the geography")?;
    Ok((!geography.is_empty()).then_some(geography))
}

/// Resolves `selector`; `flag` names the option in errors.
pub fn resolve(
    flag: &str,
    selector: &Selector,
    geography: Option<&Geography>,
) -> anyhow::Result<Area> {
    let lookups = |kind: &str| -> anyhow::Result<&Geography> {
        geography.ok_or_else(|| {
            anyhow::anyhow!(
                "{flag} {selector} needs the {kind} lookups: import them with `safer geo \
                 import` (ONS LSOA lookups or boundaries; see README, Geography)"
            )
        })
    };
    let mut area = Area {
        selector: selector.clone(),
        name: None,
        filter: AreaFilter::Lsoa(LsoaFilter::All),
        lsoa11: None,
        codes: None,
        population: None,
        notes: Vec::new(),
    };
    let lsoa11 = match selector {
        Selector::All => return Ok(area),
        Selector::Polygon(path) => {
            area.filter = AreaFilter::Polygon(read_polygons(path)?);
            area.notes.push(
                "rates are not given for a drawn polygon: its residents are not known".to_string(),
            );
            return Ok(area);
        }
        Selector::District(name) => {
            area.filter = AreaFilter::Lsoa(LsoaFilter::District(name.clone()));
            area.name = None;
            geography.map(|g| g.lsoas_named(name))
        }
        Selector::Lad(code) | Selector::Ward(code) => {
            let geography =
                lookups(if matches!(selector, Selector::Lad(_)) { "district" } else { "ward" })?;
            let kind =
                if matches!(selector, Selector::Lad(_)) { AreaKind::Lad } else { AreaKind::Ward };
            let lsoas = geography.lsoas_in(kind, code);
            if lsoas.is_empty() {
                bail!(
                    "{flag} {selector}: the imported geography places no LSOA in {code}; \
                     check the code, or import a lookup that covers it (`safer geo show` lists \
                     the districts held)"
                );
            }
            area.name = geography.name(code).map(|name| name.name.clone());
            Some(lsoas)
        }
        Selector::Lsoa(codes) => {
            let given: BTreeSet<String> = codes.iter().cloned().collect();
            area.filter = AreaFilter::Lsoa(LsoaFilter::Codes(codes.clone()));
            match geography {
                Some(geography) => {
                    let reconciled = geography.area_codes(given.clone());
                    area.filter = AreaFilter::Lsoa(LsoaFilter::Codes(
                        reconciled.codes.iter().cloned().collect(),
                    ));
                    area.codes = Some(reconciled.codes);
                }
                None => area.codes = Some(given.clone()),
            }
            area.population = geography.and_then(|g| g.population_of(&given));
            area.lsoa11 = Some(given);
            return Ok(area);
        }
    };
    let (Some(lsoa11), Some(geography)) = (lsoa11, geography) else { return Ok(area) };
    if lsoa11.is_empty() {
        // A district the geography has no LSOA names for: count by name, without rates.
        return Ok(area);
    }
    let reconciled = geography.area_codes(lsoa11.clone());
    if !reconciled.straddling.is_empty() {
        let codes: Vec<&str> = reconciled.straddling.iter().map(String::as_str).collect();
        area.notes.push(format!(
            "{} 2021 LSOA(s) ({}) merge 2011 LSOAs inside and outside {}; their rows are \
             counted with the best-fit 2011 LSOA",
            codes.len(),
            codes.join(", "),
            selector
        ));
    }
    if !matches!(selector, Selector::District(_)) {
        area.filter =
            AreaFilter::Lsoa(LsoaFilter::Codes(reconciled.codes.iter().cloned().collect()));
    }
    area.population = geography.population_of(&lsoa11);
    area.codes = Some(reconciled.codes);
    area.lsoa11 = Some(lsoa11);
    Ok(area)
}

/// The polygons of a GeoJSON file, one per feature.
fn read_polygons(path: &Path) -> anyhow::Result<Vec<MultiPolygon>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the polygon file {}", path.display()))?;
    let features = safer_import::geojson::read_features(&path.display().to_string(), &bytes)?;
    if features.is_empty() {
        bail!("{} holds no polygons", path.display());
    }
    Ok(features.into_iter().map(|feature| feature.geometry).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse() {
        let parse = |text: &str| Selector::parse("--area", text);
        assert_eq!(
            parse("district:Tunbridge Wells").unwrap(),
            Selector::District("Tunbridge Wells".into())
        );
        assert_eq!(parse("lad:E07000110").unwrap(), Selector::Lad("E07000110".into()));
        assert_eq!(parse("ward:E05005004").unwrap(), Selector::Ward("E05005004".into()));
        assert_eq!(
            parse("lsoa:E01024403,E01034991").unwrap(),
            Selector::Lsoa(vec!["E01024403".into(), "E01034991".into()])
        );
        assert_eq!(
            parse("polygon:town.geojson").unwrap(),
            Selector::Polygon("town.geojson".into())
        );
        assert_eq!(parse("all").unwrap(), Selector::All);
        assert!(parse("Maidstone").unwrap_err().to_string().starts_with("unknown area selector"));
        assert!(parse("lsoa:Maidstone").unwrap_err().to_string().contains("E01024403"));
        assert!(parse("lad:Maidstone").unwrap_err().to_string().contains("E07000110"));
        assert!(parse("district:").is_err());
        assert!(parse("district: Maidstone").is_err());
        assert!(parse("polygon:").is_err());
        for text in ["district:Maidstone", "lad:E07000110", "lsoa:E01024403,E01034991", "all"] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn lookups_are_required_for_lad_and_ward() {
        let err = resolve("--area", &Selector::Lad("E07000110".into()), None).unwrap_err();
        assert!(err.to_string().contains("safer geo import"), "{err}");
        let area = resolve("--area", &Selector::District("Maidstone".into()), None).unwrap();
        assert!(area.population.is_none());
        assert!(matches!(area.filter, AreaFilter::Lsoa(LsoaFilter::District(_))));
    }
}
