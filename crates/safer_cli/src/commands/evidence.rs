//! `safer compare` and `safer findings`: a base period against a current period for one area.
//!
//! One engine, two sources. Each source counts and hands over the same `Counted`: totals by
//! crime type for each period, the street months each force has, and the forces with rows in
//! the area. Everything after that (the missing-months rule, the exact test, findings, table
//! and JSON) is one code path, `Counted::compare`.
//!
//! - Files (`--input PATH...`): inputs are gathered (`gather_inputs`: folders searched
//!   recursively, files recognised by name, the same force-month-kind given twice refused), the
//!   street files of the two periods are scanned in parallel by `safer_import`, bad rows are
//!   reported on standard error and left out.
//! - The database (no `--input`): the imports ledger says which street months each force has;
//!   the store counts the area's rows by force, month and crime type; bad rows were reported
//!   at import and are summarised from the ledger.
//!
//! Honesty rules kept here: a period month with no street data for a force that covers the area
//! is an error, never a silent zero; a street file that cannot be read as a whole is an error;
//! selectors that need the geography import (`lad:`, `ward:`, `polygon:`) are refused rather
//! than approximated.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::compare::{
    compare as compare_periods, CompareConfig, Comparison, ComparisonRow, PeriodCounts,
    PeriodTotal, Verdict,
};
use safer_analytics::findings::{format_count, format_pct, key_findings, Finding, FindingsConfig};
use safer_analytics::harm::{default_table, harm_weighted, HarmTable, HarmWeighted};
use safer_analytics::peers::{peer_rates, AreaCount, FunnelPosition, PeerRates};
use safer_analytics::spatial::AreaIndex;
use safer_domain::geo::MultiPolygon;
use safer_domain::geography::{AreaKind, AreaPopulation, Geography};
use safer_import::police_uk::{
    count_street_files, recognise_name, scan_street_files, CountReport, FileInfo, FileKind,
    LsoaFilter, Month,
};
use safer_storage::{Store, StreetArea};
use serde::Serialize;

use crate::cli::CompareArgs;
use crate::commands::area::{self, load_geography, Area, AreaFilter, Selector};
use crate::commands::indicators::{self, IndicatorChange};
use crate::commands::open_store;
use crate::config::Config;

/// The sentence that states the test, in the table and in the JSON.
pub const METHOD: &str = "two-sided exact conditional Poisson test; significant at p < 0.05";

/// The caveat printed under the findings.
pub const CAVEAT: &str = "Caveat: police.uk data are crimes and anti-social behaviour as \
recorded by the police, with locations anonymised to snap points (not exact addresses) and \
dates given to the month only";

/// At most this many bad rows are listed one by one; the rest are counted.
const MAX_LISTED_ROW_ERRORS: usize = 20;

/// At most this many ignored files are named as examples.
const MAX_EXAMPLES: usize = 3;

/// `safer compare`.
pub async fn compare(config: &Config, args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let evidence = Evidence::load(config, args).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = CompareJson::new(&evidence);
        serde_json::to_writer_pretty(&mut out, &json).context("cannot write the JSON")?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &evidence)?;
        indicators::write_table(&mut out, &evidence.partner_indicators)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `safer findings`.
pub async fn findings(config: &Config, args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let evidence = Evidence::load(config, args).await?;
    let findings = key_findings(&evidence.comparison, &FindingsConfig::default());
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = FindingsJson {
            area: evidence.area.selector.to_string(),
            base: &evidence.comparison.base,
            current: &evidence.comparison.current,
            method: METHOD,
            findings: &findings,
            peer_findings: peer_findings(&evidence),
            harm: evidence.harm.as_ref().map(HarmComparison::sentence),
            caveat: CAVEAT,
        };
        serde_json::to_writer_pretty(&mut out, &json).context("cannot write the JSON")?;
        writeln!(out)?;
    } else {
        for finding in &findings {
            writeln!(out, "- {}", finding.text)?;
        }
        for text in peer_findings(&evidence) {
            writeln!(out, "- {text}")?;
        }
        if let Some(harm) = &evidence.harm {
            writeln!(out, "- {}", harm.sentence())?;
        }
        for text in indicators::findings(&evidence.partner_indicators) {
            writeln!(out, "- {text}")?;
        }
        writeln!(out, "{CAVEAT}.")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The comparison for the arguments, with what it was computed from.
#[derive(Debug)]
pub(crate) struct Evidence {
    pub(crate) area: Area,
    pub(crate) comparison: Comparison,
    /// Rows in the area by month and crime type, over both periods.
    pub(crate) monthly: Monthly,
    /// Partner indicators for the area in the two periods: from the database, or from
    /// `--indicators FILE` with `--input`.
    pub(crate) partner_indicators: Vec<IndicatorChange>,
    /// Rates for the area, its peers and the force area, when populations are known.
    pub(crate) peers: Option<Peers>,
    /// Notes on how the area was resolved and rates computed.
    pub(crate) notes: Vec<String>,
    /// Harm-weighted totals, with `--harm`.
    pub(crate) harm: Option<HarmComparison>,
}

/// Harm-weighted totals of the two periods (`--harm`). Not tested for significance: a weighted
/// sum is not a Poisson count, and a few heavily weighted crimes dominate it.
#[derive(Debug, Serialize)]
pub(crate) struct HarmComparison {
    pub(crate) table: String,
    pub(crate) unit: String,
    pub(crate) base: HarmWeighted,
    pub(crate) current: HarmWeighted,
    /// % change in the monthly harm rate.
    pub(crate) change_pct: Option<f64>,
}

impl HarmComparison {
    fn new(table: &HarmTable, comparison: &Comparison) -> HarmComparison {
        let counts = |pick: fn(&ComparisonRow) -> u64| -> BTreeMap<String, u64> {
            comparison.rows.iter().map(|row| (row.crime_type.clone(), pick(row))).collect()
        };
        let base = harm_weighted(&counts(|row| row.base), table);
        let current = harm_weighted(&counts(|row| row.current), table);
        let per_month = |total: f64, months: u32| total / f64::from(months.max(1));
        let (b, c) = (
            per_month(base.total, comparison.base.months),
            per_month(current.total, comparison.current.months),
        );
        let change_pct = (b > 0.0).then(|| (c / b - 1.0) * 100.0);
        HarmComparison {
            table: table.name.clone(),
            unit: table.unit.clone(),
            base,
            current,
            change_pct,
        }
    }

    /// The sentence for the table and the findings.
    pub(crate) fn sentence(&self) -> String {
        let unit = if self.unit.is_empty() { "harm units".to_string() } else { self.unit.clone() };
        let change = match self.change_pct {
            Some(pct) if pct > 0.0 => format!("rose {}%", format_pct(pct)),
            Some(pct) if pct < 0.0 => format!("fell {}%", format_pct(-pct)),
            Some(_) => "did not change".to_string(),
            None => "cannot be compared (no harm in the base period)".to_string(),
        };
        let mut text = format!(
            "Harm-weighted crime ({unit}, {} table) {change}: from {} to {}",
            self.table,
            format_count(self.base.total.round() as u64),
            format_count(self.current.total.round() as u64)
        );
        let left_out: BTreeSet<&String> = self
            .base
            .unweighted_types
            .iter()
            .chain(&self.current.unweighted_types)
            .chain(&self.base.zero_weight_types)
            .collect();
        if !left_out.is_empty() {
            let names: Vec<&str> = left_out.iter().map(|s| s.as_str()).collect();
            text.push_str(&format!("; weighted 0 or not at all: {}", names.join(", ")));
        }
        text.push_str(
            "; weighted totals are not tested for significance, as a few serious crimes \
             dominate them",
        );
        text
    }
}

/// The peer comparison: rates in the current period.
#[derive(Debug, Serialize)]
pub(crate) struct Peers {
    /// What the reference is.
    pub(crate) reference_description: String,
    /// The districts making up the reference (the force area).
    pub(crate) reference_districts: Vec<String>,
    #[serde(flatten)]
    pub(crate) rates: PeerRates,
}

impl Evidence {
    /// Validates the arguments, counts from the inputs (or the database when there are none)
    /// and compares the periods. Notes and bad rows go to standard error.
    pub(crate) async fn load(config: &Config, args: &CompareArgs) -> anyhow::Result<Evidence> {
        let selector = Selector::parse("--area", &args.area)?;
        let peer_selectors: Vec<Selector> = args
            .peers
            .iter()
            .filter(|text| !text.trim().is_empty())
            .map(|text| Selector::parse("--peer", text.trim()))
            .collect::<anyhow::Result<_>>()?;
        let base = Period::parse("--base", &args.base)?;
        let current = Period::parse("--current", &args.current)?;
        if base.to >= current.from {
            if base.from > current.to {
                bail!(
                    "the base period {base} comes after the current period {current}; \
                     the base period is the earlier one"
                );
            }
            bail!("the base period {base} and the current period {current} overlap");
        }
        if args.indicators.is_some() && args.inputs.is_empty() {
            bail!(
                "--indicators FILE goes with --input; without --input the indicators imported \
                 into the database are used (`safer import indicators FILE`)"
            );
        }
        let geography = load_geography(config).await?;
        if !peer_selectors.is_empty() && geography.is_none() {
            bail!(
                "--peer needs population figures and lookups: import them with `safer geo \
                 import` (see README, Geography)"
            );
        }
        let area = area::resolve("--area", &selector, geography.as_ref())?;
        let mut peer_areas = Vec::new();
        for peer in &peer_selectors {
            let resolved = area::resolve("--peer", peer, geography.as_ref())?;
            if resolved.lsoa11.is_none() {
                bail!(
                    "--peer {peer}: a peer needs known residents; use district:, lad:, ward: or \
                     lsoa: selectors"
                );
            }
            peer_areas.push(resolved);
        }
        let mut notes = area.notes.clone();
        // The names the area's partner indicators may be filed under.
        let mut indicator_areas = vec![selector.to_string()];
        if let (Selector::Lad(_), Some(name)) = (&selector, &area.name) {
            indicator_areas.push(format!("district:{name}"));
        }
        if let (Selector::District(name), Some(geography)) = (&selector, &geography) {
            for code in geography.districts() {
                if geography.name(code).is_some_and(|n| &n.name == name) {
                    indicator_areas.push(format!("lad:{code}"));
                }
            }
        }
        let periods = [base.from, base.to, current.from, current.to].map(|m| m.to_string());
        let (base_span, current_span) = (
            (periods[0].as_str(), periods[1].as_str()),
            (periods[2].as_str(), periods[3].as_str()),
        );

        let mut partner_indicators = Vec::new();
        let (counted, lsoa_counts) = if args.inputs.is_empty() {
            let store = open_store(config).await?;
            let result = async {
                let counted = count_store(&store, &area.filter, base, current).await?;
                let lsoa_counts = if geography.is_some() {
                    Some(lsoa_counts_store(&store, current).await?)
                } else {
                    None
                };
                let mut stored = Vec::new();
                for name in &indicator_areas {
                    stored.extend(
                        indicators::for_comparison(&store, name, base_span, current_span).await?,
                    );
                }
                anyhow::Ok((counted, lsoa_counts, stored))
            }
            .await;
            store.close().await;
            let (counted, lsoa_counts, stored) = result?;
            partner_indicators = stored;
            (counted, lsoa_counts)
        } else {
            let inputs = gather_inputs(&args.inputs)?;
            inputs.note_skipped();
            let counted = count_inputs(&inputs, &area.filter, base, current)?;
            let lsoa_counts =
                if geography.is_some() { Some(lsoa_counts_inputs(&inputs, current)) } else { None };
            if let Some(file) = &args.indicators {
                partner_indicators =
                    indicators::from_file(file, &indicator_areas, base_span, current_span)?;
            }
            (counted, lsoa_counts)
        };
        let population = area.population.as_ref().map(|p| p.persons);
        let comparison = counted.compare(&area, base, current, population)?;
        if let Some(population) = &area.population {
            notes.push(format!(
                "Rates per 1,000 residents use {} residents ({}, {} LSOAs), over each period.",
                format_count(population.persons),
                population.source,
                population.n_lsoas
            ));
        } else if !matches!(area.filter, AreaFilter::Polygon(_)) {
            notes.push(if geography.is_none() {
                "Rates per 1,000 residents are not shown: import population figures with \
                 `safer geo import`."
                    .to_string()
            } else {
                "Rates per 1,000 residents are not shown: the imported population figures do \
                 not cover every LSOA of the area for one year."
                    .to_string()
            });
        }
        let peers = match (&geography, &lsoa_counts, &area.lsoa11) {
            (Some(geography), Some(lsoa_counts), Some(_)) if area.population.is_some() => {
                peer_comparison(
                    geography,
                    lsoa_counts,
                    &counted.forces_in_area,
                    &area,
                    &peer_areas,
                    &mut notes,
                )
            }
            _ => None,
        };
        if !peer_areas.is_empty() && peers.is_none() {
            bail!(
                "cannot compare with peers: the area's population is not known for a year \
                 covering all its LSOAs"
            );
        }
        let harm = match args.harm.as_deref() {
            None => None,
            Some("default") => Some(HarmComparison::new(&default_table(), &comparison)),
            Some(path) => Some(HarmComparison::new(
                &crate::commands::hotspots::read_harm_table(Path::new(path))?,
                &comparison,
            )),
        };
        // Only the two periods' months: the files' count may span the months between them.
        let mut monthly = counted.monthly;
        monthly.retain(|month, _| {
            Month::parse_bytes(month.as_bytes())
                .is_some_and(|m| base.contains(m) || current.contains(m))
        });
        // Every month of both periods is listed, an empty map when the area had no row.
        for month in base.months().chain(current.months()) {
            monthly.entry(month.to_string()).or_default();
        }
        Ok(Evidence { area, comparison, monthly, partner_indicators, peers, notes, harm })
    }
}

/// Street rows of the current period by LSOA code: in all forces, and in each force.
#[derive(Debug, Default)]
struct LsoaCounts {
    by_force: BTreeMap<String, HashMap<String, u64>>,
}

impl LsoaCounts {
    /// Rows by best-fit 2011 LSOA, over `forces` (all forces when `None`).
    fn by_lsoa11(
        &self,
        geography: &Geography,
        forces: Option<&BTreeSet<String>>,
    ) -> HashMap<String, u64> {
        let mut totals: HashMap<String, u64> = HashMap::new();
        for (force, counts) in &self.by_force {
            if forces.is_some_and(|forces| !forces.contains(force)) {
                continue;
            }
            for (code, n) in counts {
                if code.is_empty() {
                    continue;
                }
                *totals.entry(geography.best_fit_2011(code).to_string()).or_insert(0) += n;
            }
        }
        totals
    }
}

/// Counts the current period's street files by force and LSOA.
fn lsoa_counts_inputs(inputs: &Inputs, current: Period) -> LsoaCounts {
    let mut by_force: BTreeMap<String, Vec<&PoliceFile>> = BTreeMap::new();
    for file in inputs.street.iter().filter(|file| current.contains(file.info.month)) {
        by_force.entry(file.info.force.clone()).or_default().push(file);
    }
    let mut counts = LsoaCounts::default();
    for (force, files) in by_force {
        let (cube, _) =
            count_street_files(&files, 0, &LsoaFilter::All, |file| std::fs::read(&file.path));
        let by_lsoa = cube.to_cube().by_lsoa().into_iter().collect();
        counts.by_force.insert(force, by_lsoa);
    }
    counts
}

/// Counts the current period's stored street rows by force and LSOA.
async fn lsoa_counts_store(store: &Store, current: Period) -> anyhow::Result<LsoaCounts> {
    let rows = store
        .police_uk_street_lsoa_counts(&current.from.to_string(), &current.to.to_string())
        .await
        .context("cannot count the stored street rows by LSOA")?;
    let mut counts = LsoaCounts::default();
    for row in rows {
        counts
            .by_force
            .entry(row.force)
            .or_default()
            .insert(row.lsoa_code, u64::try_from(row.n).unwrap_or(0));
    }
    Ok(counts)
}

/// Rates in the current period for the area and its peers against the force area: the
/// districts where the area's forces have rows in at least half of the LSOAs (so that a
/// neighbouring district with a handful of cross-border rows is not taken for part of it).
fn peer_comparison(
    geography: &Geography,
    lsoa_counts: &LsoaCounts,
    forces: &BTreeSet<String>,
    area: &Area,
    peers: &[Area],
    notes: &mut Vec<String>,
) -> Option<Peers> {
    let force_counts = lsoa_counts.by_lsoa11(geography, Some(forces));
    let all_counts = lsoa_counts.by_lsoa11(geography, None);
    let mut reference_lsoas = BTreeSet::new();
    let mut reference_districts = Vec::new();
    for district in geography.districts() {
        let members = geography.lsoas_in(AreaKind::Lad, district);
        let covered = members.iter().filter(|lsoa| force_counts.contains_key(*lsoa)).count();
        if covered * 2 >= members.len() && covered > 0 {
            reference_districts.push(match geography.name(district) {
                Some(name) => format!("{district} {}", name.name),
                None => district.to_string(),
            });
            reference_lsoas.extend(members);
        }
    }
    let Some(reference_population) = geography.population_of(&reference_lsoas) else {
        notes.push(
            "No force-area average: the imported population figures do not cover its districts."
                .to_string(),
        );
        return None;
    };
    let sum = |lsoas: &BTreeSet<String>, counts: &HashMap<String, u64>| -> u64 {
        lsoas.iter().filter_map(|lsoa| counts.get(lsoa)).sum()
    };
    let forces: Vec<&str> = forces.iter().map(String::as_str).collect();
    let reference = AreaCount {
        area: format!("force area ({})", forces.join(", ")),
        name: None,
        count: sum(&reference_lsoas, &force_counts),
        population: reference_population.persons,
    };
    let mut areas = Vec::new();
    for member in std::iter::once(area).chain(peers) {
        let (Some(lsoas), Some(population)) = (&member.lsoa11, &member.population) else {
            notes.push(format!(
                "{} is left out of the peer table: its population is not known.",
                member.label()
            ));
            continue;
        };
        areas.push(AreaCount {
            area: member.selector.to_string(),
            name: member.name.clone(),
            count: sum(lsoas, &all_counts),
            population: population.persons,
        });
    }
    Some(Peers {
        reference_description: format!(
            "the {} district(s) where {} has rows in at least half the LSOAs; population {} ({})",
            reference_districts.len(),
            forces.join(", "),
            format_count(reference_population.persons),
            reference_population.source
        ),
        reference_districts,
        rates: peer_rates(&reference, &areas),
    })
}

/// A run of whole months, `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub(crate) from: Month,
    pub(crate) to: Month,
}

impl Period {
    /// Parses `YYYY-MM..YYYY-MM` or a single `YYYY-MM`; `flag` names the option in errors.
    pub(crate) fn parse(flag: &str, text: &str) -> anyhow::Result<Period> {
        let month = |part: &str| Month::parse_bytes(part.trim().as_bytes());
        let (from, to) = match text.split_once("..") {
            Some((from, to)) => (month(from), month(to)),
            None => (month(text), month(text)),
        };
        let (Some(from), Some(to)) = (from, to) else {
            bail!(
                "invalid {flag} period `{text}`; expected YYYY-MM..YYYY-MM (such as \
                 2021-03..2021-12) or a single month YYYY-MM"
            );
        };
        if to < from {
            bail!("the {flag} period `{text}` ends before it starts");
        }
        Ok(Period { from, to })
    }

    /// How many months it covers.
    pub(crate) fn n_months(self) -> u32 {
        self.from.months_until(self.to) as u32 + 1
    }

    pub(crate) fn months(self) -> impl Iterator<Item = Month> {
        (0..self.n_months() as i32).map(move |n| self.from.offset(n).expect("inside the period"))
    }

    pub(crate) fn contains(self, month: Month) -> bool {
        self.from <= month && month <= self.to
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

/// A police.uk file found among the inputs.
#[derive(Debug, Clone)]
pub(crate) struct PoliceFile {
    /// The path as it will be shown: the input joined with the path inside it.
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) info: FileInfo,
}

impl AsRef<str> for PoliceFile {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

/// What the inputs hold.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    /// Street files, sorted by path.
    pub(crate) street: Vec<PoliceFile>,
    /// Outcomes and stop-and-search files: recognised, not needed here.
    other_kinds: Vec<PoliceFile>,
    /// Files inside folders that are not police.uk files.
    ignored: Vec<PathBuf>,
}

impl Inputs {
    /// Notes on standard error about the files that were not read.
    pub(crate) fn note_skipped(&self) {
        if !self.other_kinds.is_empty() {
            let kinds: BTreeSet<&str> =
                self.other_kinds.iter().map(|file| file.info.kind.as_str()).collect();
            let kinds: Vec<&str> = kinds.into_iter().collect();
            eprintln!(
                "note: skipped {} police.uk {} file(s); comparisons read street files only",
                self.other_kinds.len(),
                kinds.join(" and ")
            );
        }
        if !self.ignored.is_empty() {
            let examples: Vec<String> = self
                .ignored
                .iter()
                .take(MAX_EXAMPLES)
                .map(|path| path.display().to_string())
                .collect();
            let more = if self.ignored.len() > MAX_EXAMPLES { ", …" } else { "" };
            eprintln!(
                "note: ignored {} file(s) that are not police.uk CSV files, such as {}{more}",
                self.ignored.len(),
                examples.join(", ")
            );
        }
    }
}

/// Gathers the police.uk files named by `paths` (files, or folders searched recursively).
///
/// A file named directly must be a police.uk file; inside folders other files are ignored. The
/// same file reached twice is read once; two files for the same force, month and kind are an
/// error naming both.
pub(crate) fn gather_inputs(paths: &[PathBuf]) -> anyhow::Result<Inputs> {
    let mut found: Vec<PoliceFile> = Vec::new();
    let mut ignored = Vec::new();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    for input in paths {
        let metadata = std::fs::metadata(input)
            .with_context(|| format!("cannot read the input {}", input.display()))?;
        if metadata.is_dir() {
            let mut files = Vec::new();
            walk(input, &mut files, &mut HashSet::new())?;
            files.sort();
            for path in files {
                if !seen_files.insert(canonical(&path)) {
                    continue;
                }
                match police_file(&path) {
                    Some(file) => found.push(file),
                    None => ignored.push(path),
                }
            }
        } else {
            if !seen_files.insert(canonical(input)) {
                continue;
            }
            let Some(file) = police_file(input) else {
                bail!(
                    "{} is not a police.uk file; expected a name like \
                     2022-01-kent-street.csv (or a folder of them)",
                    input.display()
                );
            };
            found.push(file);
        }
    }

    let mut by_key: HashMap<(String, Month, FileKind), &PoliceFile> = HashMap::new();
    for file in &found {
        let key = (file.info.force.clone(), file.info.month, file.info.kind);
        if let Some(first) = by_key.insert(key, file) {
            bail!(
                "the {} {} {} file is given twice: {} and {}; give each force-month once",
                file.info.month,
                file.info.force,
                file.info.kind,
                first.name,
                file.name
            );
        }
    }

    let (mut street, other_kinds): (Vec<PoliceFile>, Vec<PoliceFile>) =
        found.into_iter().partition(|file| file.info.kind == FileKind::Street);
    street.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Inputs { street, other_kinds, ignored })
}

/// Every file under `dir`, following symbolic links but never entering a folder twice.
pub(crate) fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    seen_dirs: &mut HashSet<PathBuf>,
) -> anyhow::Result<()> {
    if !seen_dirs.insert(canonical(dir)) {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the folder {}", dir.display()))?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files, seen_dirs)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The police.uk file at `path`, recognised by name, or `None`.
fn police_file(path: &Path) -> Option<PoliceFile> {
    let file_name = path.file_name()?.to_str()?;
    let info = recognise_name(file_name).ok()?;
    Some(PoliceFile { name: path.display().to_string(), path: path.to_path_buf(), info })
}

/// What a source hands to the shared comparison; everything after counting reads only this.
#[derive(Debug)]
struct Counted {
    source: Source,
    /// The street months present, by force: of every street file given, or of every street
    /// month in the imports ledger.
    months_by_force: BTreeMap<String, BTreeSet<Month>>,
    /// The forces with at least one row in the area in the two periods.
    forces_in_area: BTreeSet<String>,
    /// Totals by crime type in the base period; every crime type met in the two periods'
    /// street data is there, zeros included.
    base: BTreeMap<String, u64>,
    /// Totals by crime type in the current period, likewise.
    current: BTreeMap<String, u64>,
    /// Rows in the area by month (`YYYY-MM`) and crime type, both periods.
    monthly: Monthly,
    /// When no row is in the area: a district the data spells differently only in case.
    near_miss: Option<String>,
}

/// Rows by month (`YYYY-MM`) and crime type.
pub(crate) type Monthly = BTreeMap<String, BTreeMap<String, u64>>;

/// Where the counts came from. It changes the wording of errors, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Files,
    Database,
}

impl Counted {
    /// Applies the missing-months rule, then compares the periods.
    fn compare(
        &self,
        area: &Area,
        base: Period,
        current: Period,
        population: Option<u64>,
    ) -> anyhow::Result<Comparison> {
        if self.forces_in_area.is_empty() {
            // With no street data at all in some period month, say that first: it is the
            // likelier mistake.
            let all_months: BTreeSet<Month> =
                self.months_by_force.values().flatten().copied().collect();
            self.check_months("any force", &all_months, base, current)?;
            bail!("{}", self.no_rows_message(area));
        }
        let no_months = BTreeSet::new();
        for force in &self.forces_in_area {
            let months = self.months_by_force.get(force).unwrap_or(&no_months);
            self.check_months(force, months, base, current)?;
        }
        let period = |period: Period, counts: &BTreeMap<String, u64>| PeriodCounts {
            from: period.from.to_string(),
            to: period.to.to_string(),
            months: period.n_months(),
            counts: counts.clone(),
            population,
        };
        Ok(compare_periods(
            &period(base, &self.base),
            &period(current, &self.current),
            &CompareConfig::default(),
        ))
    }

    /// Fails unless `months` (the months `force` has street data for) covers both periods.
    fn check_months(
        &self,
        force: &str,
        months: &BTreeSet<Month>,
        base: Period,
        current: Period,
    ) -> anyhow::Result<()> {
        let missing: Vec<Month> =
            base.months().chain(current.months()).filter(|month| !months.contains(month)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let missing = month_ranges(&missing);
        let covered: Vec<Month> = months.iter().copied().collect();
        match self.source {
            Source::Files => {
                let covered = if self.months_by_force.is_empty() {
                    "the inputs hold no street files".to_string()
                } else {
                    format!("the street files given cover {}", month_ranges(&covered))
                };
                bail!(
                    "the inputs have no street file from {force} for {missing} ({covered}); \
                     months without data cannot be counted as zero, so add those files or \
                     choose periods the inputs cover"
                )
            }
            Source::Database => {
                let covered = if self.months_by_force.is_empty() {
                    "the database holds no street data; import police.uk street files with \
                     `safer import police-uk PATH`, or give them with --input PATH"
                        .to_string()
                } else {
                    format!("the street months imported cover {}", month_ranges(&covered))
                };
                bail!(
                    "the database has no street data from {force} for {missing} ({covered}); \
                     months without data cannot be counted as zero, so import those months \
                     or choose periods the database covers"
                )
            }
        }
    }

    /// Why no row matched, with a hint when a district differs only in case.
    fn no_rows_message(&self, area: &Area) -> String {
        let mut message = match self.source {
            Source::Files => {
                format!("no rows in the street files of the two periods are in {}", area.label())
            }
            Source::Database => {
                format!(
                    "no rows in the database's street data of the two periods are in {}",
                    area.label()
                )
            }
        };
        if let Some(close) = &self.near_miss {
            message.push_str(&format!(
                "; district names are case-sensitive, as police.uk spells them: did you mean \
                 district:{close}?"
            ));
        }
        message
    }
}

/// The district among `lsoa_names` (`<district> <code>`) that `area`'s district matches but
/// for case; `None` for other selectors.
fn near_miss<'a>(lsoa_names: impl Iterator<Item = &'a str>, area: &LsoaFilter) -> Option<String> {
    let LsoaFilter::District(wanted) = area else { return None };
    let districts: BTreeSet<&str> =
        lsoa_names.filter_map(|name| name.rsplit_once(' ').map(|(district, _)| district)).collect();
    districts.iter().find(|district| district.eq_ignore_ascii_case(wanted)).map(|d| d.to_string())
}

/// Counts the street files of the two periods for `area` with the count-only fast path
/// (`safer_import::police_uk::count_street_bytes`), files in parallel.
fn count_inputs(
    inputs: &Inputs,
    filter: &AreaFilter,
    base: Period,
    current: Period,
) -> anyhow::Result<Counted> {
    let in_periods = |month: Month| base.contains(month) || current.contains(month);
    let files: Vec<&PoliceFile> =
        inputs.street.iter().filter(|file| in_periods(file.info.month)).collect();
    let area = match filter {
        AreaFilter::Lsoa(filter) => filter,
        AreaFilter::Polygon(polygons) => {
            return count_inputs_in_polygons(inputs, &files, polygons, base, current)
        }
    };
    let (counts, reports) = count_street_files(&files, 0, area, |file| std::fs::read(&file.path));
    report_counts(&files, &reports)?;

    // The forces whose files hold rows in the area: each must cover every month of both periods.
    let forces_in_area: BTreeSet<String> = reports
        .iter()
        .filter_map(|report| report.as_ref().ok())
        .filter(|report| report.selected > 0)
        .map(|report| report.info.force.clone())
        .collect();
    let mut months_by_force: BTreeMap<String, BTreeSet<Month>> = BTreeMap::new();
    for file in &inputs.street {
        months_by_force.entry(file.info.force.clone()).or_default().insert(file.info.month);
    }
    // Nothing matched: the full scan keeps LSOA names, so it can suggest the right spelling.
    let near_miss = if forces_in_area.is_empty() && matches!(area, LsoaFilter::District(_)) {
        let batch = scan_street_files(&files, 0, |file| std::fs::read(&file.path));
        near_miss(batch.columns.lsoa_names().iter().map(|(_, name)| name), area)
    } else {
        None
    };
    let cube = counts.to_cube();
    let mut monthly = Monthly::new();
    for (m, month) in cube.months().iter().enumerate() {
        let by_type = monthly.entry(month.to_string()).or_default();
        for (t, crime_type) in cube.crime_types().iter().enumerate() {
            let n: u64 = (0..cube.lsoa_codes().len()).map(|l| u64::from(cube.get(m, t, l))).sum();
            if n > 0 {
                by_type.insert(crime_type.clone(), n);
            }
        }
    }
    Ok(Counted {
        source: Source::Files,
        months_by_force,
        forces_in_area,
        base: cube.by_crime_type_between(base.from, base.to),
        current: cube.by_crime_type_between(current.from, current.to),
        monthly,
        near_miss,
    })
}

/// Counts the street files of the two periods whose snap points lie in `polygons`: the full
/// scan (which keeps coordinates), each distinct point located once with the R-tree index.
fn count_inputs_in_polygons(
    inputs: &Inputs,
    files: &[&PoliceFile],
    polygons: &[MultiPolygon],
    base: Period,
    current: Period,
) -> anyhow::Result<Counted> {
    let batch = scan_street_files(files, 0, |file| std::fs::read(&file.path));
    let columns = &batch.columns;
    let points: Vec<[f64; 2]> =
        columns.longitude().iter().zip(columns.latitude()).map(|(&lon, &lat)| [lon, lat]).collect();
    let index = AreaIndex::new(polygons.to_vec());
    let inside = index.locate_all(&points);
    let mut reports = Vec::with_capacity(batch.files.len());
    let mut forces_in_area = BTreeSet::new();
    let zeros = || -> BTreeMap<String, u64> {
        // The dictionary holds "" (id 0) for empty fields; police.uk crime types never are.
        columns
            .crime_types()
            .iter()
            .filter(|(_, name)| !name.is_empty())
            .map(|(_, name)| (name.to_string(), 0))
            .collect()
    };
    let (mut base_counts, mut current_counts) = (zeros(), zeros());
    let mut monthly = Monthly::new();
    for outcome in &batch.files {
        let report = match &outcome.result {
            Err(err) => Err(err.clone()),
            Ok(report) => {
                let mut selected = 0;
                for row in report.rows.clone() {
                    if inside[row].is_none() {
                        continue;
                    }
                    selected += 1;
                    let month = columns.month()[row];
                    let crime_type = columns.crime_types().get(columns.crime_type()[row]);
                    let counts = if base.contains(month) {
                        &mut base_counts
                    } else if current.contains(month) {
                        &mut current_counts
                    } else {
                        continue;
                    };
                    *counts.entry(crime_type.to_string()).or_insert(0) += 1;
                    *monthly
                        .entry(month.to_string())
                        .or_default()
                        .entry(crime_type.to_string())
                        .or_insert(0) += 1;
                }
                if selected > 0 {
                    forces_in_area.insert(report.info.force.clone());
                }
                Ok(CountReport {
                    info: report.info.clone(),
                    rows: report.rows.len(),
                    selected,
                    errors: report.errors.clone(),
                    warnings: report.warnings.clone(),
                })
            }
        };
        reports.push(report);
    }
    report_counts(files, &reports)?;
    let mut months_by_force: BTreeMap<String, BTreeSet<Month>> = BTreeMap::new();
    for file in &inputs.street {
        months_by_force.entry(file.info.force.clone()).or_default().insert(file.info.month);
    }
    Ok(Counted {
        source: Source::Files,
        months_by_force,
        forces_in_area,
        base: base_counts,
        current: current_counts,
        monthly,
        near_miss: None,
    })
}

/// Counts the street rows imported into `store` for `area` in the two periods.
///
/// The ledger is read before the rows: an import that commits in between can then only add
/// rows for a month the ledger did not list yet (which the missing-months rule refuses) or
/// replace a month whole; it can never make a listed month count as zero.
async fn count_store(
    store: &Store,
    filter: &AreaFilter,
    base: Period,
    current: Period,
) -> anyhow::Result<Counted> {
    let ledger = store.police_uk_street_months().await.context("cannot read the imports ledger")?;
    let mut months_by_force: BTreeMap<String, BTreeSet<Month>> = BTreeMap::new();
    let (mut n_months, mut n_rows, mut n_bad_rows) = (0usize, 0i64, 0i64);
    for entry in &ledger {
        let Some(month) = Month::parse_bytes(entry.month.as_bytes()) else {
            bail!("the imports ledger holds an invalid month `{}`", entry.month);
        };
        months_by_force.entry(entry.force.clone()).or_default().insert(month);
        if base.contains(month) || current.contains(month) {
            n_months += 1;
            n_rows += entry.n_rows;
            n_bad_rows += entry.n_bad_rows;
        }
    }
    eprintln!(
        "read {n_months} imported street month(s) of the two periods from the database: {} \
         row(s), {} bad row(s) left out when imported",
        format_count(n_rows.max(0) as u64),
        format_count(n_bad_rows.max(0) as u64)
    );

    // A polygon selects nothing by LSOA: every crime type is listed with zeros, then the
    // snap points inside its bounding box are located one by one.
    let (street_area, polygons) = match filter {
        AreaFilter::Lsoa(LsoaFilter::All) => (StreetArea::All, None),
        AreaFilter::Lsoa(LsoaFilter::District(district)) => {
            (StreetArea::District(district.clone()), None)
        }
        AreaFilter::Lsoa(LsoaFilter::Codes(codes)) => (StreetArea::LsoaCodes(codes.clone()), None),
        AreaFilter::Polygon(polygons) => {
            (StreetArea::LsoaCodes(Vec::new()), Some(AreaIndex::new(polygons.clone())))
        }
    };
    let mut forces_in_area: BTreeSet<String> = BTreeSet::new();
    let mut totals = Vec::new();
    let mut monthly = Monthly::new();
    for period in [base, current] {
        let (from, to) = (period.from.to_string(), period.to.to_string());
        let counts = store
            .police_uk_street_counts(&street_area, &from, &to)
            .await
            .context("cannot count the stored street rows")?;
        let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
        for count in counts {
            let n = u64::try_from(count.n_in_area).unwrap_or(0);
            if n > 0 {
                forces_in_area.insert(count.force);
            }
            if n > 0 {
                *monthly
                    .entry(count.month.clone())
                    .or_default()
                    .entry(count.crime_type.clone())
                    .or_insert(0) += n;
            }
            *by_type.entry(count.crime_type).or_insert(0) += n;
        }
        if let Some(bbox) = polygons.as_ref().and_then(AreaIndex::bbox) {
            let index = polygons.as_ref().expect("a polygon filter");
            let points = store
                .police_uk_street_point_counts(
                    &from,
                    &to,
                    [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat],
                )
                .await
                .context("cannot count the stored street rows by snap point")?;
            let located = index
                .locate_all(&points.iter().map(|p| [p.longitude, p.latitude]).collect::<Vec<_>>());
            for (point, inside) in points.into_iter().zip(located) {
                if inside.is_some() && point.n > 0 {
                    forces_in_area.insert(point.force);
                    *monthly
                        .entry(point.month.clone())
                        .or_default()
                        .entry(point.crime_type.clone())
                        .or_insert(0) += point.n as u64;
                    *by_type.entry(point.crime_type).or_insert(0) += point.n as u64;
                }
            }
        }
        totals.push(by_type);
    }
    let current_counts = totals.pop().unwrap_or_default();
    let base_counts = totals.pop().unwrap_or_default();

    let mut near_miss_names = Vec::new();
    let lsoa_filter = match filter {
        AreaFilter::Lsoa(filter) => Some(filter),
        AreaFilter::Polygon(_) => None,
    };
    if let (true, Some(LsoaFilter::District(district))) = (forces_in_area.is_empty(), lsoa_filter) {
        for period in [base, current] {
            let (from, to) = (period.from.to_string(), period.to.to_string());
            near_miss_names.extend(
                store
                    .police_uk_lsoa_names_ignoring_case(district, &from, &to)
                    .await
                    .context("cannot read the stored LSOA names")?,
            );
        }
    }
    Ok(Counted {
        source: Source::Database,
        months_by_force,
        forces_in_area,
        base: base_counts,
        current: current_counts,
        monthly,
        near_miss: lsoa_filter
            .and_then(|filter| near_miss(near_miss_names.iter().map(String::as_str), filter)),
    })
}

/// Sorted months written as ranges: `2021-03..2021-12, 2022-02`.
pub(crate) fn month_ranges(months: &[Month]) -> String {
    let mut ranges: Vec<(Month, Month)> = Vec::new();
    for &month in months {
        match ranges.last_mut() {
            Some((_, last)) if last.offset(1) == Some(month) => *last = month,
            _ => ranges.push((month, month)),
        }
    }
    if ranges.is_empty() {
        return "no months".to_string();
    }
    ranges
        .iter()
        .map(|&(from, to)| if from == to { from.to_string() } else { format!("{from}..{to}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reports bad rows and warnings on standard error, then a summary line. A file that could
/// not be read as a whole is an error: its month would otherwise count as zero.
pub(crate) fn report_counts(
    files: &[&PoliceFile],
    reports: &[safer_import::Result<CountReport>],
) -> anyhow::Result<()> {
    let failures: Vec<String> = files
        .iter()
        .zip(reports)
        .filter_map(|(file, report)| {
            report.as_ref().err().map(|err| format!("{}: {err}", file.name))
        })
        .collect();
    if !failures.is_empty() {
        bail!(
            "cannot read {} of the street files, so their months cannot be counted: {}",
            failures.len(),
            failures.join("; ")
        );
    }
    let mut stderr = std::io::stderr().lock();
    let (mut n_listed, mut n_errors, mut n_rows) = (0, 0, 0);
    for (file, report) in files.iter().zip(reports) {
        let Ok(report) = report else { continue };
        n_rows += report.rows;
        n_errors += report.errors.len();
        for warning in &report.warnings {
            let _ = writeln!(stderr, "warning: {}: {warning}", file.name);
        }
        for err in &report.errors {
            if n_listed == MAX_LISTED_ROW_ERRORS {
                break;
            }
            n_listed += 1;
            let _ = match err.field {
                Some(field) => {
                    writeln!(stderr, "{}:{}: {field}: {}", file.name, err.line, err.reason)
                }
                None => writeln!(stderr, "{}:{}: {}", file.name, err.line, err.reason),
            };
        }
    }
    if n_errors > n_listed {
        let _ = writeln!(
            stderr,
            "… and {} more bad row(s)",
            format_count((n_errors - n_listed) as u64)
        );
    }
    let _ = writeln!(
        stderr,
        "read {} street file(s) of the two periods: {} row(s) kept, {} bad row(s) left out",
        files.len(),
        format_count(n_rows as u64),
        format_count(n_errors as u64)
    );
    Ok(())
}

/// `safer compare --json`: the documented shape, plus `area_name`, `months`, `population`, the
/// total row, shares, rates (null when the population is not known), verdicts, the method, the
/// population used, peers, partner indicators and notes.
#[derive(Debug, Serialize)]
struct CompareJson<'a> {
    area: String,
    area_name: Option<&'a str>,
    base: &'a PeriodTotal,
    current: &'a PeriodTotal,
    rows: &'a [ComparisonRow],
    total: &'a ComparisonRow,
    alpha: f64,
    method: &'static str,
    population: Option<&'a AreaPopulation>,
    peers: Option<&'a Peers>,
    harm: Option<&'a HarmComparison>,
    /// Rows by month and crime type over both periods.
    monthly: &'a Monthly,
    partner_indicators: serde_json::Value,
    notes: &'a [String],
}

impl<'a> CompareJson<'a> {
    fn new(evidence: &'a Evidence) -> CompareJson<'a> {
        let comparison = &evidence.comparison;
        CompareJson {
            area: evidence.area.selector.to_string(),
            area_name: evidence.area.name.as_deref(),
            base: &comparison.base,
            current: &comparison.current,
            rows: &comparison.rows,
            total: &comparison.total,
            alpha: comparison.alpha,
            method: METHOD,
            population: evidence.area.population.as_ref(),
            peers: evidence.peers.as_ref(),
            harm: evidence.harm.as_ref(),
            monthly: &evidence.monthly,
            partner_indicators: indicators::to_json(&evidence.partner_indicators),
            notes: &evidence.notes,
        }
    }
}

/// `safer findings --json`.
#[derive(Debug, Serialize)]
struct FindingsJson<'a> {
    area: String,
    base: &'a PeriodTotal,
    current: &'a PeriodTotal,
    method: &'static str,
    findings: &'a [Finding],
    peer_findings: Vec<String>,
    harm: Option<String>,
    caveat: &'static str,
}

/// One bullet per area of the peer table: its rate against the force area's, in words that
/// never rank a rate the funnel cannot tell from the average.
pub(crate) fn peer_findings(evidence: &Evidence) -> Vec<String> {
    let Some(peers) = &evidence.peers else { return Vec::new() };
    let reference = &peers.rates.reference;
    peers
        .rates
        .areas
        .iter()
        .map(|rate| {
            let name = rate.name.clone().unwrap_or_else(|| rate.area.clone());
            let (words, limits) = match rate.position {
                FunnelPosition::Above998 => ("well above", "outside the 99.8% funnel limits"),
                FunnelPosition::Above95 => ("above", "outside the 95% funnel limits"),
                FunnelPosition::Within => ("in line with", "inside the 95% funnel limits"),
                FunnelPosition::Below95 => ("below", "outside the 95% funnel limits"),
                FunnelPosition::Below998 => ("well below", "outside the 99.8% funnel limits"),
            };
            format!(
                "{name}: {:.1} crimes and ASB incidents per 1,000 residents in the current \
                 period, {words} the force area average of {:.1} ({limits})",
                rate.rate_per_1000, reference.rate_per_1000
            )
        })
        .collect()
}

/// The comparison as a table, total first.
fn write_table(out: &mut impl Write, evidence: &Evidence) -> std::io::Result<()> {
    let comparison = &evidence.comparison;
    let (base, current) = (&comparison.base, &comparison.current);
    writeln!(out, "Area: {}", evidence.area.label())?;
    writeln!(
        out,
        "Base: {} ({}); current: {} ({})",
        span(base),
        months(base.months),
        span(current),
        months(current.months)
    )?;
    writeln!(out)?;
    let with_rates = base.population.is_some();
    let mut header =
        vec!["Crime type", "Base", "Current", "Change", "% change", "Share of current"];
    if with_rates {
        header.extend(["Base /1,000", "Current /1,000"]);
    }
    header.extend(["p-value", "Verdict"]);
    let rate = |rate: Option<f64>| rate.map_or("n/a".to_string(), |r| format!("{r:.2}"));
    let rows: Vec<Vec<String>> = std::iter::once(&comparison.total)
        .chain(&comparison.rows)
        .map(|row| {
            let mut cells = vec![
                row.crime_type.clone(),
                format_count(row.base),
                format_count(row.current),
                format_signed(row.change),
                row.change_pct.map_or("n/a".to_string(), format_pct_change),
                row.share_current
                    .map_or("n/a".to_string(), |share| format!("{:.1}%", share * 100.0)),
            ];
            if with_rates {
                cells.push(rate(row.rate_per_1000_base));
                cells.push(rate(row.rate_per_1000_current));
            }
            cells.push(format_p(row.p_value));
            cells.push(verdict(row.verdict).to_string());
            cells
        })
        .collect();
    let header: Vec<String> = header.into_iter().map(str::to_string).collect();
    write_aligned(out, &header, &rows)?;
    writeln!(out)?;
    writeln!(out, "Method: {METHOD}.")?;
    if base.months != current.months {
        writeln!(
            out,
            "The periods differ in length: % change compares monthly rates and the test is \
             weighted by the months in each period."
        )?;
    }
    for note in &evidence.notes {
        writeln!(out, "{note}")?;
    }
    if let Some(harm) = &evidence.harm {
        writeln!(out, "{}.", harm.sentence())?;
    }
    if let Some(peers) = &evidence.peers {
        write_peers(out, peers, current)?;
    }
    Ok(())
}

/// The peer table: rates in the current period against the force area.
fn write_peers(out: &mut impl Write, peers: &Peers, current: &PeriodTotal) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Rates per 1,000 residents, {} ({}), against the force area average:",
        span(current),
        months(current.months)
    )?;
    let header: Vec<String> = [
        "Area",
        "Count",
        "Residents",
        "Rate /1,000",
        "95% interval",
        "95% limits",
        "99.8% limits",
        "Against the average",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    let rates = &peers.rates;
    let rows: Vec<Vec<String>> = std::iter::once(&rates.reference)
        .chain(&rates.areas)
        .map(|rate| {
            let name = match &rate.name {
                Some(name) => format!("{} ({name})", rate.area),
                None => rate.area.clone(),
            };
            let reference = std::ptr::eq(rate, &rates.reference);
            vec![
                name,
                format_count(rate.count),
                format_count(rate.population),
                format!("{:.2}", rate.rate_per_1000),
                format!("{:.2}–{:.2}", rate.ci95_lower, rate.ci95_upper),
                if reference {
                    "-".to_string()
                } else {
                    format!("{:.2}–{:.2}", rate.funnel_95[0], rate.funnel_95[1])
                },
                if reference {
                    "-".to_string()
                } else {
                    format!("{:.2}–{:.2}", rate.funnel_998[0], rate.funnel_998[1])
                },
                if reference {
                    "(the average)".to_string()
                } else {
                    rate.position.describe().to_string()
                },
            ]
        })
        .collect();
    write_aligned(out, &header, &rows)?;
    writeln!(
        out,
        "The force area is {}. Funnel limits are the exact Poisson limits around the count the \
         average rate gives an area of that many residents; only a rate outside them differs \
         from the average by more than chance.",
        peers.reference_description
    )?;
    Ok(())
}

/// Writes `rows` under `header`, the first column left-aligned, the last left-aligned after
/// two spaces, the others right-aligned.
fn write_aligned(
    out: &mut impl Write,
    header: &[String],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|text| text.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let last = header.len() - 1;
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (idx, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            match idx {
                0 => text.push_str(&format!("{cell}{pad}")),
                _ if idx == last => text.push_str(&format!("  {cell}")),
                _ => text.push_str(&format!("  {pad}{cell}")),
            }
        }
        text
    };
    writeln!(out, "{}", line(header))?;
    for row in rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

/// `2021-03..2021-12`, or `2022-01` for a single month.
fn span(period: &PeriodTotal) -> String {
    if period.from == period.to {
        period.from.clone()
    } else {
        format!("{}..{}", period.from, period.to)
    }
}

fn months(n: u32) -> String {
    if n == 1 {
        "1 month".to_string()
    } else {
        format!("{n} months")
    }
}

pub(crate) fn format_signed(n: i64) -> String {
    let sign = match n.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    format!("{sign}{}", format_count(n.unsigned_abs()))
}

pub(crate) fn format_pct_change(pct: f64) -> String {
    let text = format!("{pct:+.1}%");
    match text.as_str() {
        "+0.0%" | "-0.0%" => "0.0%".to_string(),
        _ => text,
    }
}

pub(crate) fn format_p(p: f64) -> String {
    if p.is_nan() {
        "n/a".to_string()
    } else if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

pub(crate) fn verdict(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Rise => "rise",
        Verdict::Fall => "fall",
        Verdict::NoClearChange => "no clear change",
    }
}

/// The comparison `safer compare --area AREA --base BASE --current CURRENT [--input ...]`
/// would print, for other commands (`safer priorities`) to build on.
pub(crate) async fn comparison_for(
    config: &Config,
    inputs: &[PathBuf],
    area: &str,
    base: &str,
    current: &str,
) -> anyhow::Result<Comparison> {
    let args = CompareArgs {
        inputs: inputs.to_vec(),
        area: area.to_string(),
        base: base.to_string(),
        current: current.to_string(),
        peers: Vec::new(),
        indicators: None,
        harm: None,
        json: true,
    };
    Ok(Evidence::load(config, &args).await?.comparison)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let period = Period::parse("--base", "2021-03..2021-12").unwrap();
        assert_eq!(period.to_string(), "2021-03..2021-12");
        assert_eq!(period.n_months(), 10);
        assert_eq!(period.months().count(), 10);
        let single = Period::parse("--base", "2022-02").unwrap();
        assert_eq!((single.n_months(), single.to_string()), (1, "2022-02..2022-02".to_string()));
        for bad in ["", "2021-3..2021-12", "2021-03..", "2021-03-2021-12", "2021-13", "march"] {
            let err = Period::parse("--base", bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid --base period"), "{bad}: {err}");
        }
        let err = Period::parse("--current", "2022-12..2022-03").unwrap_err().to_string();
        assert_eq!(err, "the --current period `2022-12..2022-03` ends before it starts");
    }

    #[test]
    fn month_ranges_compress() {
        let months: Vec<Month> = ["2021-03", "2021-04", "2021-05", "2021-07", "2022-01"]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect();
        assert_eq!(month_ranges(&months), "2021-03..2021-05, 2021-07, 2022-01");
        assert_eq!(month_ranges(&[]), "no months");
    }

    #[test]
    fn formatting() {
        assert_eq!(format_signed(-1234), "-1,234");
        assert_eq!(format_signed(0), "0");
        assert_eq!(format_signed(42), "+42");
        assert_eq!(format_p(0.0004), "<0.001");
        assert_eq!(format_p(0.36412), "0.364");
        assert_eq!(format_pct_change(0.0), "0.0%");
        assert_eq!(format_pct_change(-4.1077), "-4.1%");
        assert_eq!(format_pct_change(24.3), "+24.3%");
    }
}
