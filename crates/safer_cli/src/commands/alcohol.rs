//! Alcohol supply: `safer import premises`, `safer import imd` and `safer alcohol`.
//!
//! - `safer import premises FILE [--postcodes FILE] [--strict]` reads a licensed-premises
//!   register (`safer_import::premises`), reporting bad rows as `FILE:LINE: FIELD: reason`, and
//!   replaces the stored register with the good rows in one transaction; the same bytes again
//!   change nothing.
//! - `safer import imd FILE [--strict]` reads IMD 2019 deciles from MHCLG's File 1 xlsx or a
//!   CSV export (`safer_import::imd`) and upserts them by 2011 LSOA.
//! - `safer alcohol --area SELECTOR [--units lsoa|ward] [--period FROM..TO] [--json]` places
//!   each premises in a 2011 LSOA by point in polygon against the stored LSOA boundaries
//!   (wards through the LSOA → ward lookup), and prints premises per 1,000 residents by unit
//!   against IMD decile, density by decile, and the cumulative-impact candidates with the rule
//!   (`safer_analytics::alcohol`). With `--period`, the harm criterion counts the stored
//!   police.uk street rows of violence and sexual offences, public order and anti-social
//!   behaviour in those months; every month must be imported.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::alcohol::{
    analyse, AlcoholReport, CandidateRule, LsoaFacts, PlacedPremises, UnitSpec,
};
use safer_analytics::findings::format_count;
use safer_analytics::spatial::AreaIndex;
use safer_domain::geo::MultiPolygon;
use safer_domain::geography::{AreaKind, Geography};
use safer_import::imd::{read_imd, ImdFormat};
use safer_import::police_uk::Month;
use safer_import::premises::{parse_postcodes, parse_premises, LocatedBy, RowError};
use safer_storage::{ImdDecile, NewPremises, PremisesImportOutcome};
use serde::Serialize;

use crate::cli::{AlcoholArgs, ImportImdArgs, ImportPremisesArgs};
use crate::commands::area::{load_geography, resolve, Selector};
use crate::commands::evidence::{month_ranges, Period};
use crate::commands::open_store;
use crate::config::Config;

/// At most this many bad rows are listed per file; the rest are counted.
const MAX_LISTED_ERRORS: usize = 20;

/// The police.uk crime types counted as alcohol-related harm for the rule's third criterion.
pub const HARM_CRIME_TYPES: [&str; 3] =
    ["Violence and sexual offences", "Public order", "Anti-social behaviour"];

/// `safer import premises`.
pub async fn import_premises(
    config: &Config,
    args: &ImportPremisesArgs,
) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let data = std::fs::read(&args.file).with_context(|| format!("cannot read {name}"))?;
    let lookup = match &args.postcodes {
        None => None,
        Some(path) => {
            let lookup_name = path.display().to_string();
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {lookup_name}"))?;
            let parsed = parse_postcodes(&bytes).with_context(|| lookup_name.clone())?;
            report_errors(&lookup_name, &parsed.errors);
            if args.strict && !parsed.errors.is_empty() {
                bail!(
                    "--strict: {lookup_name}: {} bad row(s); nothing was imported",
                    parsed.errors.len()
                );
            }
            Some(parsed.rows)
        }
    };
    let parsed = parse_premises(&data, lookup.as_ref()).with_context(|| name.clone())?;
    report_errors(&name, &parsed.errors);
    let n_bad = parsed.errors.len();
    if args.strict && n_bad > 0 {
        bail!("--strict: {name}: {n_bad} bad row(s); nothing was imported");
    }
    if parsed.rows.is_empty() {
        bail!("{name} holds no good premises rows; the stored register was kept");
    }
    let rows: Vec<NewPremises> = parsed
        .rows
        .iter()
        .map(|row| NewPremises {
            line: row.line as i64,
            name: row.name.clone(),
            address: row.address.clone(),
            postcode: row.postcode.clone(),
            longitude: row.longitude,
            latitude: row.latitude,
            located_by: row.located_by.as_str().to_string(),
            licence: row.licence.as_str().to_string(),
            late: row.late,
        })
        .collect();
    let sha256 = safer_domain::digest::sha256_hex(&data);
    let store = open_store(config).await?;
    let outcome = store.replace_premises(&name, &sha256, &rows, n_bad, crate::now()).await;
    store.close().await;
    let outcome = outcome.with_context(|| format!("cannot store the premises of {name}"))?;
    let by_postcode =
        parsed.rows.iter().filter(|row| row.located_by == LocatedBy::Postcode).count();
    let line = match outcome {
        PremisesImportOutcome::Unchanged => {
            format!("{name}: unchanged; this register is already imported")
        }
        PremisesImportOutcome::Replaced { n_previous, n_stored } => format!(
            "{name}: {} premises stored ({} placed by postcode), replacing {} before; {n_bad} \
             bad row(s) left out",
            format_count(n_stored as u64),
            format_count(by_postcode as u64),
            format_count(n_previous as u64)
        ),
    };
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(ExitCode::SUCCESS)
}

/// `safer import imd`.
pub async fn import_imd(config: &Config, args: &ImportImdArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let data = std::fs::read(&args.file).with_context(|| format!("cannot read {name}"))?;
    let (format, parsed) = read_imd(&data).with_context(|| name.clone())?;
    report_errors(&name, &parsed.errors);
    let n_bad = parsed.errors.len();
    if args.strict && n_bad > 0 {
        bail!("--strict: {name}: {n_bad} bad row(s); nothing was imported");
    }
    if parsed.rows.is_empty() {
        bail!("{name} holds no good IMD rows");
    }
    let rows: Vec<ImdDecile> = parsed
        .rows
        .iter()
        .map(|row| ImdDecile {
            lsoa11: row.lsoa11.clone(),
            lad_code: row.lad_code.clone(),
            imd_rank: i64::from(row.rank),
            imd_decile: i64::from(row.decile),
        })
        .collect();
    let source = Path::new(&args.file)
        .file_name()
        .map_or_else(|| name.clone(), |file| file.to_string_lossy().into_owned());
    let store = open_store(config).await?;
    let written = store.upsert_imd(&rows, &source, crate::now()).await;
    store.close().await;
    let written = written.with_context(|| format!("cannot store the IMD rows of {name}"))?;
    let kind = match format {
        ImdFormat::Xlsx => "xlsx",
        ImdFormat::Csv => "csv",
    };
    writeln!(
        std::io::stdout().lock(),
        "{name} ({kind}): IMD 2019 rank and decile of {} LSOA(s) stored; {n_bad} bad row(s) \
         left out",
        format_count(written as u64)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Prints bad rows as `FILE:LINE: FIELD: reason`, at most [`MAX_LISTED_ERRORS`].
fn report_errors(name: &str, errors: &[RowError]) {
    let mut stderr = std::io::stderr().lock();
    for error in errors.iter().take(MAX_LISTED_ERRORS) {
        let _ = writeln!(stderr, "{name}:{error}");
    }
    if errors.len() > MAX_LISTED_ERRORS {
        let _ = writeln!(
            stderr,
            "{name}: … and {} more bad row(s)",
            format_count((errors.len() - MAX_LISTED_ERRORS) as u64)
        );
    }
}

/// What `safer alcohol --json` prints.
#[derive(Debug, Serialize)]
struct AlcoholOutput {
    area: String,
    units: &'static str,
    register: String,
    n_premises_in_register: usize,
    n_premises_in_area: usize,
    n_premises_outside_area: usize,
    population_year: Option<u16>,
    population_source: Option<String>,
    harm_period: Option<String>,
    harm_crime_types: Option<[&'static str; 3]>,
    rule_text: String,
    notes: Vec<String>,
    report: AlcoholReport,
}

/// `safer alcohol`.
pub async fn run(config: &Config, args: &AlcoholArgs) -> anyhow::Result<ExitCode> {
    let selector = Selector::parse("--area", &args.area)?;
    let by_ward = match args.units.as_str() {
        "lsoa" => false,
        "ward" => true,
        other => bail!("invalid --units `{other}`; expected lsoa or ward"),
    };
    let rule = CandidateRule {
        density_quantile: args.density_quantile,
        min_premises: args.min_premises,
        min_late: args.min_late,
        harm_ratio: args.harm_ratio,
    };
    if !(rule.density_quantile > 0.0 && rule.density_quantile < 1.0) {
        bail!("--density-quantile must lie between 0 and 1, such as 0.9 for the top tenth");
    }
    if !(rule.harm_ratio.is_finite() && rule.harm_ratio > 0.0) {
        bail!("--harm-ratio must be a positive number, such as 1.5");
    }
    let period = args.period.as_deref().map(|text| Period::parse("--period", text)).transpose()?;
    let geography = load_geography(config).await?.ok_or_else(|| {
        anyhow::anyhow!(
            "safer alcohol needs the geography (LSOA boundaries, lookups and populations): \
             import it with `safer geo import` (see README, Geography)"
        )
    })?;
    let area = resolve("--area", &selector, Some(&geography))?;
    let Some(area_lsoas) = area.lsoa11.clone().filter(|set| !set.is_empty()) else {
        bail!(
            "--area {selector}: safer alcohol needs an area made of LSOAs (district:, lad:, \
             ward: or lsoa:), and the geography must place LSOAs in it"
        );
    };

    let store = open_store(config).await?;
    let result = async {
        let register = store.premises_register().await?;
        let premises = store.premises().await?;
        let imd = store.imd_deciles().await?;
        let boundaries = store.geo_boundaries(AreaKind::Lsoa11, None).await?;
        let harm = match period {
            None => None,
            Some(period) => {
                let months = store.police_uk_street_months().await?;
                let counts = store
                    .police_uk_street_lsoa_counts_of_types(
                        &period.from.to_string(),
                        &period.to.to_string(),
                        &HARM_CRIME_TYPES,
                    )
                    .await?;
                Some((months, counts))
            }
        };
        anyhow::Ok((register, premises, imd, boundaries, harm))
    }
    .await;
    store.close().await;
    let (register, premises, imd, boundaries, harm) =
        result.context("cannot read the premises, IMD or boundaries")?;
    let Some(register) = register else {
        bail!("no premises register is imported: run `safer import premises FILE` first");
    };
    let mut notes = area.notes.clone();

    // Place the premises in the area's LSOAs.
    let mut codes = Vec::new();
    let mut polygons = Vec::new();
    for boundary in boundaries.into_iter().filter(|b| area_lsoas.contains(&b.code)) {
        let polygon: MultiPolygon = serde_json::from_str(&boundary.geometry_json)
            .with_context(|| format!("the stored boundary of {} is not valid", boundary.code))?;
        codes.push(boundary.code);
        polygons.push(polygon);
    }
    if codes.is_empty() {
        bail!(
            "no LSOA boundaries are stored for {}: import them with `safer geo import` \
             (GeoJSON of 2011 LSOAs)",
            area.label()
        );
    }
    if codes.len() < area_lsoas.len() {
        notes.push(format!(
            "{} of the area's {} LSOAs have no stored boundary; premises there count as outside",
            area_lsoas.len() - codes.len(),
            area_lsoas.len()
        ));
    }
    let index = AreaIndex::new(polygons);
    let points: Vec<[f64; 2]> = premises.iter().map(|p| [p.longitude, p.latitude]).collect();
    let placed: Vec<PlacedPremises> = premises
        .iter()
        .zip(index.locate_all(&points))
        .filter_map(|(p, found)| {
            found.map(|idx| PlacedPremises {
                lsoa11: codes[idx].clone(),
                on_sales: p.licence != "off",
                off_sales: p.licence != "on",
                late: p.late,
            })
        })
        .collect();

    // Facts per LSOA: residents (the area's common year), IMD decile, harm.
    let area_population = geography.population_of(&area_lsoas);
    let imd: HashMap<String, u8> = imd
        .into_iter()
        .filter(|row| area_lsoas.contains(&row.lsoa11))
        .filter_map(|row| u8::try_from(row.imd_decile).ok().map(|d| (row.lsoa11, d)))
        .collect();
    if imd.is_empty() {
        notes.push(
            "no IMD 2019 deciles are stored for the area: import them with `safer import imd`"
                .to_string(),
        );
    } else if imd.len() < area_lsoas.len() {
        notes.push(format!(
            "{} of the area's LSOAs have no IMD 2019 decile",
            area_lsoas.len() - imd.len()
        ));
    }
    let harm_by_lsoa = match (&harm, period) {
        (Some((months, counts)), Some(period)) => {
            Some(harm_counts(months, counts, period, &area_lsoas, &geography)?)
        }
        _ => None,
    };
    let mut lsoa_facts: HashMap<String, LsoaFacts> = HashMap::new();
    let mut odd_years = 0;
    for lsoa in &area_lsoas {
        let population = geography.population_of(&BTreeSet::from([lsoa.clone()]));
        if let (Some(own), Some(common)) = (&population, &area_population) {
            if own.year != common.year {
                odd_years += 1;
            }
        }
        lsoa_facts.insert(
            lsoa.clone(),
            LsoaFacts {
                population: population.map(|p| p.persons),
                imd_decile: imd.get(lsoa).copied(),
                harm: harm_by_lsoa.as_ref().map(|h| h.get(lsoa).copied().unwrap_or(0)),
            },
        );
    }
    if odd_years > 0 {
        notes.push(format!(
            "{odd_years} LSOA(s) have a later population figure than the area's common year; \
             their latest figure is used"
        ));
    }

    // Units.
    let units: Vec<UnitSpec> = if by_ward {
        ward_units(&geography, &area_lsoas, &mut notes)
    } else {
        area_lsoas
            .iter()
            .map(|code| UnitSpec {
                code: code.clone(),
                name: geography.name(code).map(|n| n.name.clone()),
                lsoa11: BTreeSet::from([code.clone()]),
            })
            .collect()
    };
    let report = analyse(&units, &lsoa_facts, &placed, &rule);
    let harm_what = "violence and sexual offences, public order and anti-social behaviour";
    let output = AlcoholOutput {
        area: area.label(),
        units: if by_ward { "ward" } else { "lsoa" },
        register: register.file_name.clone(),
        n_premises_in_register: premises.len(),
        n_premises_in_area: placed.len(),
        n_premises_outside_area: premises.len() - placed.len(),
        population_year: area_population.as_ref().map(|p| p.year),
        population_source: area_population.as_ref().map(|p| p.source.clone()),
        harm_period: period.map(|p| p.to_string()),
        harm_crime_types: period.map(|_| HARM_CRIME_TYPES),
        rule_text: rule.describe(report.harm_per_1000.is_some(), harm_what),
        notes,
        report,
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &output)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &output)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Harm rows by 2011 LSOA of the area (2021 codes counted with their best-fit 2011 LSOA),
/// refusing a period with months that no force has imported.
fn harm_counts(
    months: &[safer_storage::StreetMonth],
    counts: &[(String, i64)],
    period: Period,
    area_lsoas: &BTreeSet<String>,
    geography: &Geography,
) -> anyhow::Result<HashMap<String, u64>> {
    let held: BTreeSet<Month> =
        months.iter().filter_map(|m| Month::parse_bytes(m.month.as_bytes())).collect();
    let missing: Vec<Month> = period.months().filter(|m| !held.contains(m)).collect();
    if !missing.is_empty() {
        bail!(
            "--period {period}: there is no street data for {}; import it with `safer import \
             police-uk`, as months without data cannot be counted as zero",
            month_ranges(&missing)
        );
    }
    let mut by_lsoa: HashMap<String, u64> = HashMap::new();
    for (code, n) in counts {
        let lsoa11 = geography.best_fit_2011(code);
        if area_lsoas.contains(lsoa11) {
            *by_lsoa.entry(lsoa11.to_string()).or_default() += u64::try_from(*n).unwrap_or(0);
        }
    }
    Ok(by_lsoa)
}

/// The wards of the area's LSOAs, each with the area's LSOAs in it.
fn ward_units(
    geography: &Geography,
    area_lsoas: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> Vec<UnitSpec> {
    let mut units = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    for ward in geography.wards() {
        let lsoas = geography.lsoas_in(AreaKind::Ward, ward);
        let inside: BTreeSet<String> = lsoas.intersection(area_lsoas).cloned().collect();
        if inside.is_empty() {
            continue;
        }
        if inside.len() < lsoas.len() {
            notes.push(format!(
                "ward {ward} is partly outside the area: only its {} LSOA(s) inside are counted",
                inside.len()
            ));
        }
        placed.extend(area_lsoas.iter().filter(|l| inside.contains(*l)).map(String::as_str));
        units.push(UnitSpec {
            code: ward.to_string(),
            name: geography.name(ward).map(|n| n.name.clone()),
            lsoa11: inside,
        });
    }
    let orphans: Vec<&str> =
        area_lsoas.iter().map(String::as_str).filter(|l| !placed.contains(l)).collect();
    if !orphans.is_empty() {
        notes.push(format!(
            "{} LSOA(s) have no ward in the lookup and are left out of the ward table: {}",
            orphans.len(),
            orphans.join(", ")
        ));
    }
    units
}

fn write_text(out: &mut impl Write, output: &AlcoholOutput) -> anyhow::Result<()> {
    let report = &output.report;
    let rate = |value: Option<f64>| value.map_or("-".to_string(), |v| format!("{v:.2}"));
    writeln!(out, "Alcohol supply in {}, by {}", output.area, output.units)?;
    writeln!(
        out,
        "Register: {} ({} premises; {} in the area, {} outside it)",
        output.register,
        format_count(output.n_premises_in_register as u64),
        format_count(output.n_premises_in_area as u64),
        format_count(output.n_premises_outside_area as u64)
    )?;
    if let (Some(year), Some(source)) = (output.population_year, &output.population_source) {
        writeln!(
            out,
            "Residents: {} ({year}, {source}); {} premises per 1,000 residents",
            format_count(report.population),
            rate(report.per_1000)
        )?;
    }
    if let Some(period) = &output.harm_period {
        writeln!(
            out,
            "Harm: violence and sexual offences, public order and anti-social behaviour in {}: \
             {} per 1,000 residents",
            period,
            rate(report.harm_per_1000)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<10} {:<28} {:>9} {:>8} {:>4} {:>4} {:>4} {:>4} {:>9} {:>9} {:>6} {:>9}  candidate",
        "unit",
        "name",
        "residents",
        "premises",
        "on",
        "off",
        "both",
        "late",
        "per 1,000",
        "late/1k",
        "IMD",
        "harm/1k"
    )?;
    for unit in &report.units {
        let imd = match (unit.imd_decile, unit.imd_decile_range) {
            (Some(decile), _) => decile.to_string(),
            (None, Some([min, max])) => format!("{min}-{max}"),
            (None, None) => "-".to_string(),
        };
        let mark = if unit.candidate {
            "yes"
        } else if unit.dense {
            "dense"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<10} {:<28} {:>9} {:>8} {:>4} {:>4} {:>4} {:>4} {:>9} {:>9} {:>6} {:>9}  {mark}",
            unit.code,
            shorten(unit.name.as_deref().unwrap_or(""), 28),
            unit.population.map_or("-".to_string(), format_count),
            unit.counts.premises,
            unit.counts.on_only,
            unit.counts.off_only,
            unit.counts.both,
            unit.counts.late,
            rate(unit.per_1000),
            rate(unit.late_per_1000),
            imd,
            rate(unit.harm_per_1000),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "By IMD 2019 decile of the area's LSOAs (1 = most deprived tenth of England):")?;
    writeln!(
        out,
        "{:>6} {:>6} {:>9} {:>8} {:>4} {:>9}",
        "decile", "LSOAs", "residents", "premises", "late", "per 1,000"
    )?;
    for row in &report.by_decile {
        writeln!(
            out,
            "{:>6} {:>6} {:>9} {:>8} {:>4} {:>9}",
            row.decile,
            row.n_lsoas,
            format_count(row.population),
            row.counts.premises,
            row.counts.late,
            rate(row.per_1000)
        )?;
    }
    if report.n_lsoas_without_decile > 0 {
        writeln!(out, "({} LSOA(s) without a decile)", report.n_lsoas_without_decile)?;
    }
    writeln!(out)?;
    writeln!(out, "Rule: {}.", output.rule_text)?;
    if let Some(threshold) = report.density_threshold {
        writeln!(out, "Density needed: {threshold:.2} premises per 1,000 residents.")?;
    }
    if report.candidates.is_empty() {
        writeln!(out, "Cumulative-impact candidates: none.")?;
    } else {
        writeln!(out, "Cumulative-impact candidates:")?;
        for unit in report.units.iter().filter(|u| u.candidate) {
            writeln!(
                out,
                "- {}{}: {} premises ({} late), {} per 1,000 residents",
                unit.code,
                unit.name.as_deref().map_or(String::new(), |n| format!(" ({n})")),
                unit.counts.premises,
                unit.counts.late,
                rate(unit.per_1000)
            )?;
        }
    }
    for note in &output.notes {
        writeln!(out, "Note: {note}")?;
    }
    Ok(())
}

/// `text` in at most `max` characters, the cut marked with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}
