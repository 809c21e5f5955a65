//! Statistical geography: LSOAs of the 2011 and 2021 vintages, wards and local authority
//! districts, the links between them, and resident populations.
//!
//! police.uk codes each row with the LSOA current when the file was downloaded, so one run of
//! months can mix 2011 and 2021 codes (PROVENANCE.md: Kent files downloaded in 2022 carry 2011
//! codes; the same months downloaded in 2024 carry 2021 codes). Boundaries, deprivation,
//! population estimates and the ONS ward lookups this project holds are on 2011 LSOAs.
//!
//! **How vintages are reconciled.** The unit of analysis is the 2011 LSOA. Every LSOA code is
//! given exactly one 2011 LSOA, its *best fit*:
//! - a 2011 code is its own best fit;
//! - a 2021 code that is unchanged (`U`) or is one part of a split 2011 LSOA (`S`) has one 2011
//!   parent, which is its best fit: the 2021 parts of a split add up exactly to the 2011 LSOA;
//! - a 2021 code formed by merging 2011 LSOAs (`M`), or by a complex change (`X`), has several
//!   2011 parents; its best fit is the parent holding most of its residents (Census 2021
//!   persons in the link), ties to the lower code.
//!
//! So every row is counted once, under one 2011 LSOA, whichever vintage coded it: nothing is
//! double counted and nothing is lost. An area (a ward, a district, a set of LSOAs) is a set of
//! 2011 LSOAs; it selects the rows whose code's best fit is in the set. That is exact whenever
//! the area's boundary does not cut through a merged or complex 2021 LSOA; where it does, the
//! merged LSOA's rows all go with its best-fit parent, and [`AreaCodes::straddling`] names the
//! codes so that callers can say so.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of area Safer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// A 2011 Lower layer Super Output Area.
    Lsoa11,
    /// A 2021 Lower layer Super Output Area.
    Lsoa21,
    /// An electoral ward.
    Ward,
    /// A local authority district (lower tier or unitary).
    Lad,
}

impl AreaKind {
    /// The stored name: `lsoa11`, `lsoa21`, `ward`, `lad`.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Lsoa11 => "lsoa11",
            AreaKind::Lsoa21 => "lsoa21",
            AreaKind::Ward => "ward",
            AreaKind::Lad => "lad",
        }
    }

    /// The kind named by [`AreaKind::as_str`].
    pub fn parse(text: &str) -> Option<AreaKind> {
        match text {
            "lsoa11" => Some(AreaKind::Lsoa11),
            "lsoa21" => Some(AreaKind::Lsoa21),
            "ward" => Some(AreaKind::Ward),
            "lad" => Some(AreaKind::Lad),
            _ => None,
        }
    }
}

impl fmt::Display for AreaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a 2011 LSOA became 2021 LSOAs, as ONS categorises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkCategory {
    /// Unchanged (`U`).
    Unchanged,
    /// Split into several 2021 LSOAs (`S`).
    Split,
    /// Merged with others into one 2021 LSOA (`M`).
    Merged,
    /// A complex redesign (`X`).
    Complex,
}

impl LinkCategory {
    /// The ONS letter: `U`, `S`, `M` or `X`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkCategory::Unchanged => "U",
            LinkCategory::Split => "S",
            LinkCategory::Merged => "M",
            LinkCategory::Complex => "X",
        }
    }

    /// The category for an ONS letter (case-insensitive).
    pub fn parse(text: &str) -> Option<LinkCategory> {
        match text.trim() {
            "U" | "u" => Some(LinkCategory::Unchanged),
            "S" | "s" => Some(LinkCategory::Split),
            "M" | "m" => Some(LinkCategory::Merged),
            "X" | "x" => Some(LinkCategory::Complex),
            _ => None,
        }
    }
}

/// One link between a 2011 LSOA and a 2021 LSOA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LsoaLink {
    /// The 2011 LSOA code.
    pub lsoa11: String,
    /// The 2021 LSOA code.
    pub lsoa21: String,
    /// Residents in the overlap (Census 2021 persons), when the lookup gives them.
    pub persons: Option<u64>,
    /// The ONS change category, when given.
    pub category: Option<LinkCategory>,
}

/// A 2011 LSOA's place in a ward or a district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The 2011 LSOA code.
    pub lsoa11: String,
    /// [`AreaKind::Ward`] or [`AreaKind::Lad`].
    pub parent_kind: AreaKind,
    /// The ward or district code.
    pub parent: String,
}

/// An area's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaName {
    /// The GSS code, such as `E07000110`.
    pub code: String,
    /// What kind of area it is.
    pub kind: AreaKind,
    /// The name, such as `Maidstone`.
    pub name: String,
}

/// A resident population figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationFigure {
    /// The area's GSS code.
    pub code: String,
    /// The year the figure describes (2017 for mid-2017 estimates, 2021 for Census 2021).
    pub year: u16,
    /// Residents.
    pub population: u64,
    /// Where the figure comes from, in words.
    pub source: String,
}

/// A population summed over an area's 2011 LSOAs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaPopulation {
    /// Residents.
    pub persons: u64,
    /// The year of the figures.
    pub year: u16,
    /// Where they come from.
    pub source: String,
    /// How many LSOAs were summed.
    pub n_lsoas: usize,
}

/// The LSOA codes, of both vintages, whose rows an area selects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AreaCodes {
    /// The area's 2011 LSOAs.
    pub lsoa11: BTreeSet<String>,
    /// Every code whose best fit is one of `lsoa11`: those codes themselves and the 2021 codes
    /// mapped to them.
    pub codes: BTreeSet<String>,
    /// 2021 codes selected whose 2011 parents lie partly outside the area (their rows go with
    /// the best-fit parent; see the module documentation).
    pub straddling: BTreeSet<String>,
}

/// The geography held in the database, indexed for selecting areas.
#[derive(Debug, Clone, Default)]
pub struct Geography {
    names: HashMap<String, AreaName>,
    /// 2011 LSOA → (ward, district).
    parents: HashMap<String, (Option<String>, Option<String>)>,
    /// 2021 LSOA → its 2011 parents with the persons in each link.
    parents_2011: HashMap<String, Vec<(String, Option<u64>)>>,
    /// 2011 LSOA → 2021 codes whose best fit it is.
    children_2021: HashMap<String, BTreeSet<String>>,
    /// Code → year → (population, source).
    population: HashMap<String, BTreeMap<u16, (u64, String)>>,
}

impl Geography {
    /// Indexes the stored geography.
    pub fn new(
        names: Vec<AreaName>,
        links: Vec<LsoaLink>,
        memberships: Vec<Membership>,
        population: Vec<PopulationFigure>,
    ) -> Geography {
        let mut geography = Geography::default();
        for name in names {
            geography.names.insert(name.code.clone(), name);
        }
        for membership in memberships {
            let entry = geography.parents.entry(membership.lsoa11).or_default();
            match membership.parent_kind {
                AreaKind::Ward => entry.0 = Some(membership.parent),
                AreaKind::Lad => entry.1 = Some(membership.parent),
                AreaKind::Lsoa11 | AreaKind::Lsoa21 => {}
            }
        }
        for link in links {
            geography
                .parents_2011
                .entry(link.lsoa21)
                .or_default()
                .push((link.lsoa11, link.persons));
        }
        for parents in geography.parents_2011.values_mut() {
            parents.sort();
            parents.dedup();
        }
        let best: Vec<(String, String)> = geography
            .parents_2011
            .iter()
            .map(|(code, parents)| (code.clone(), best_fit(code, parents).to_string()))
            .collect();
        for (code, parent) in best {
            if code != parent {
                geography.children_2021.entry(parent).or_default().insert(code);
            }
        }
        for figure in population {
            geography
                .population
                .entry(figure.code)
                .or_default()
                .insert(figure.year, (figure.population, figure.source));
        }
        geography
    }

    /// True when nothing has been imported.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.parents.is_empty()
            && self.parents_2011.is_empty()
            && self.population.is_empty()
    }

    /// The name of an area, when known.
    pub fn name(&self, code: &str) -> Option<&AreaName> {
        self.names.get(code)
    }

    /// True when the lookup links `code` (a 2021 code) to 2011 LSOAs.
    pub fn is_linked_2021(&self, code: &str) -> bool {
        self.parents_2011.contains_key(code)
    }

    /// The 2011 LSOA whose rows `code` counts with: itself, unless it is a 2021 code the
    /// lookup links to 2011 LSOAs; see the module documentation.
    pub fn best_fit_2011<'a>(&'a self, code: &'a str) -> &'a str {
        match self.parents_2011.get(code) {
            Some(parents) => best_fit(code, parents),
            None => code,
        }
    }

    /// The 2011 LSOAs in a ward or district (by membership).
    pub fn lsoas_in(&self, kind: AreaKind, code: &str) -> BTreeSet<String> {
        self.parents
            .iter()
            .filter(|(_, (ward, lad))| match kind {
                AreaKind::Ward => ward.as_deref() == Some(code),
                AreaKind::Lad => lad.as_deref() == Some(code),
                AreaKind::Lsoa11 | AreaKind::Lsoa21 => false,
            })
            .map(|(lsoa, _)| lsoa.clone())
            .collect()
    }

    /// The 2011 LSOAs whose name is `<district> NNNL`, such as `Maidstone 001A`.
    pub fn lsoas_named(&self, district: &str) -> BTreeSet<String> {
        self.names
            .values()
            .filter(|name| {
                name.kind == AreaKind::Lsoa11 && is_district_lsoa_name(district, &name.name)
            })
            .map(|name| name.code.clone())
            .collect()
    }

    /// The ward each 2011 LSOA belongs to, when known.
    pub fn ward_of(&self, lsoa11: &str) -> Option<&str> {
        self.parents.get(lsoa11).and_then(|(ward, _)| ward.as_deref())
    }

    /// The district each 2011 LSOA belongs to, when known.
    pub fn district_of(&self, lsoa11: &str) -> Option<&str> {
        self.parents.get(lsoa11).and_then(|(_, lad)| lad.as_deref())
    }

    /// Every district with at least one member LSOA, sorted.
    pub fn districts(&self) -> BTreeSet<&str> {
        self.parents.values().filter_map(|(_, lad)| lad.as_deref()).collect()
    }

    /// Every ward with at least one member LSOA, sorted.
    pub fn wards(&self) -> BTreeSet<&str> {
        self.parents.values().filter_map(|(ward, _)| ward.as_deref()).collect()
    }

    /// The codes whose rows the 2011 LSOAs `lsoa11` select; see [`AreaCodes`].
    pub fn area_codes(&self, lsoa11: BTreeSet<String>) -> AreaCodes {
        let mut codes = lsoa11.clone();
        let mut straddling = BTreeSet::new();
        for lsoa in &lsoa11 {
            for child in self.children_2021.get(lsoa).into_iter().flatten() {
                codes.insert(child.clone());
                let parents = &self.parents_2011[child];
                if parents.iter().any(|(parent, _)| !lsoa11.contains(parent)) {
                    straddling.insert(child.clone());
                }
            }
        }
        AreaCodes { lsoa11, codes, straddling }
    }

    /// The population of the 2011 LSOAs `lsoa11`: the latest year for which every one of them
    /// has a figure. `None` when no year covers them all (or the set is empty).
    pub fn population_of(&self, lsoa11: &BTreeSet<String>) -> Option<AreaPopulation> {
        let first = lsoa11.iter().next()?;
        let years = self.population.get(first)?.keys().rev();
        'years: for &year in years {
            let mut persons = 0u64;
            let mut source = String::new();
            for lsoa in lsoa11 {
                let Some((n, from)) = self.population.get(lsoa).and_then(|by| by.get(&year)) else {
                    continue 'years;
                };
                persons += n;
                if source.is_empty() {
                    source = from.clone();
                }
            }
            return Some(AreaPopulation { persons, year, source, n_lsoas: lsoa11.len() });
        }
        None
    }

    /// How many codes of each kind have names, and how many links, memberships and
    /// population figures there are: for `safer geo show`.
    pub fn summary(&self) -> GeographySummary {
        let mut names_by_kind: BTreeMap<AreaKind, usize> = BTreeMap::new();
        for name in self.names.values() {
            *names_by_kind.entry(name.kind).or_insert(0) += 1;
        }
        let mut population_years: BTreeMap<u16, usize> = BTreeMap::new();
        for by_year in self.population.values() {
            for year in by_year.keys() {
                *population_years.entry(*year).or_insert(0) += 1;
            }
        }
        GeographySummary {
            names_by_kind,
            lsoas_with_ward: self.parents.values().filter(|(ward, _)| ward.is_some()).count(),
            lsoas_with_district: self.parents.values().filter(|(_, lad)| lad.is_some()).count(),
            linked_2021_codes: self.parents_2011.len(),
            population_years,
        }
    }
}

/// What [`Geography::summary`] counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeographySummary {
    /// Named areas by kind.
    pub names_by_kind: BTreeMap<AreaKind, usize>,
    /// 2011 LSOAs placed in a ward.
    pub lsoas_with_ward: usize,
    /// 2011 LSOAs placed in a district.
    pub lsoas_with_district: usize,
    /// 2021 LSOA codes linked to 2011 LSOAs.
    pub linked_2021_codes: usize,
    /// Areas with a population figure, by year.
    pub population_years: BTreeMap<u16, usize>,
}

/// The best-fit 2011 LSOA of `code` among its 2011 `parents`: `code` itself when it is one of
/// them (a code that existed in 2011 means that LSOA), otherwise the parent with the most
/// persons in the link; ties (and unknown persons) to the lower code.
fn best_fit<'a>(code: &'a str, parents: &'a [(String, Option<u64>)]) -> &'a str {
    if parents.iter().any(|(parent, _)| parent == code) {
        return code;
    }
    parents
        .iter()
        .max_by(|a, b| a.1.unwrap_or(0).cmp(&b.1.unwrap_or(0)).then_with(|| b.0.cmp(&a.0)))
        .map_or(code, |(parent, _)| parent.as_str())
}

/// True when `lsoa_name` is `<district> NNNL`, for example `Maidstone 001A`: the pattern
/// ONS uses for LSOA names, so `Tunbridge` never matches `Tunbridge Wells 001A`.
pub fn is_district_lsoa_name(district: &str, lsoa_name: &str) -> bool {
    let Some(rest) = lsoa_name.strip_prefix(district).and_then(|r| r.strip_prefix(' ')) else {
        return false;
    };
    let rest = rest.as_bytes();
    rest.len() == 4 && rest[..3].iter().all(u8::is_ascii_digit) && rest[3].is_ascii_uppercase()
}

/// True for a GSS code: a letter, two digits, six digits (`E01024403`, `E07000110`).
pub fn is_gss_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 9 && bytes[0].is_ascii_uppercase() && bytes[1..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(lsoa11: &str, lsoa21: &str, persons: u64, category: &str) -> LsoaLink {
        LsoaLink {
            lsoa11: lsoa11.to_string(),
            lsoa21: lsoa21.to_string(),
            persons: Some(persons),
            category: LinkCategory::parse(category),
        }
    }

    fn member(lsoa11: &str, kind: AreaKind, parent: &str) -> Membership {
        Membership { lsoa11: lsoa11.to_string(), parent_kind: kind, parent: parent.to_string() }
    }

    fn set(codes: &[&str]) -> BTreeSet<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    /// The Maidstone changes of PROVENANCE.md: E01033090 splits in two, E01024334 and E01024338
    /// merge into E01034990; plus an unchanged LSOA.
    fn maidstone() -> Geography {
        Geography::new(
            vec![AreaName {
                code: "E01024320".into(),
                kind: AreaKind::Lsoa11,
                name: "Maidstone 003A".into(),
            }],
            vec![
                link("E01024320", "E01024320", 1500, "U"),
                link("E01033090", "E01034991", 1156, "S"),
                link("E01033090", "E01034992", 1032, "S"),
                link("E01024334", "E01034990", 979, "M"),
                link("E01024338", "E01034990", 1337, "M"),
            ],
            vec![
                member("E01024320", AreaKind::Lad, "E07000110"),
                member("E01033090", AreaKind::Lad, "E07000110"),
                member("E01024334", AreaKind::Lad, "E07000110"),
                member("E01024338", AreaKind::Lad, "E07000110"),
                member("E01024334", AreaKind::Ward, "W1"),
                member("E01024338", AreaKind::Ward, "W2"),
                member("E01033090", AreaKind::Ward, "W2"),
            ],
            vec![
                PopulationFigure {
                    code: "E01024320".into(),
                    year: 2017,
                    population: 1400,
                    source: "mid-2017".into(),
                },
                PopulationFigure {
                    code: "E01024320".into(),
                    year: 2021,
                    population: 1500,
                    source: "Census 2021".into(),
                },
                PopulationFigure {
                    code: "E01033090".into(),
                    year: 2017,
                    population: 2000,
                    source: "mid-2017".into(),
                },
            ],
        )
    }

    #[test]
    fn every_code_has_one_best_fit() {
        let geography = maidstone();
        assert_eq!(geography.best_fit_2011("E01024320"), "E01024320");
        assert_eq!(geography.best_fit_2011("E01034991"), "E01033090");
        assert_eq!(geography.best_fit_2011("E01034992"), "E01033090");
        // The merge goes to the parent with more residents.
        assert_eq!(geography.best_fit_2011("E01034990"), "E01024338");
        // Unknown codes are their own best fit.
        assert_eq!(geography.best_fit_2011("E01999999"), "E01999999");
    }

    #[test]
    fn a_district_selects_both_vintages_once() {
        let geography = maidstone();
        let lad = geography.lsoas_in(AreaKind::Lad, "E07000110");
        assert_eq!(lad.len(), 4);
        let codes = geography.area_codes(lad);
        assert_eq!(
            codes.codes,
            set(&[
                "E01024320",
                "E01024334",
                "E01024338",
                "E01033090",
                "E01034990",
                "E01034991",
                "E01034992"
            ])
        );
        assert!(codes.straddling.is_empty(), "{:?}", codes.straddling);
    }

    #[test]
    fn a_ward_cutting_a_merge_is_flagged() {
        let geography = maidstone();
        let w2 = geography.area_codes(geography.lsoas_in(AreaKind::Ward, "W2"));
        assert!(w2.codes.contains("E01034990"));
        assert_eq!(w2.straddling, set(&["E01034990"]));
        let w1 = geography.area_codes(geography.lsoas_in(AreaKind::Ward, "W1"));
        assert!(!w1.codes.contains("E01034990"), "the merged code counts once, in W2");
    }

    #[test]
    fn population_uses_the_latest_year_covering_every_lsoa() {
        let geography = maidstone();
        let one = geography.population_of(&set(&["E01024320"])).unwrap();
        assert_eq!((one.persons, one.year), (1500, 2021));
        let two = geography.population_of(&set(&["E01024320", "E01033090"])).unwrap();
        assert_eq!((two.persons, two.year, two.n_lsoas), (3400, 2017, 2));
        assert_eq!(geography.population_of(&set(&["E01024320", "E01024334"])), None);
        assert_eq!(geography.population_of(&BTreeSet::new()), None);
    }

    #[test]
    fn names_and_codes() {
        let geography = maidstone();
        assert_eq!(geography.lsoas_named("Maidstone"), set(&["E01024320"]));
        assert!(geography.lsoas_named("Maid").is_empty());
        assert!(is_district_lsoa_name("Tunbridge Wells", "Tunbridge Wells 001A"));
        assert!(!is_district_lsoa_name("Tunbridge", "Tunbridge Wells 001A"));
        assert!(is_gss_code("E07000110"));
        assert!(!is_gss_code("E0700011"));
        assert!(!is_gss_code("e07000110"));
    }
}
