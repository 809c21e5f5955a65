//! `safer plan indicators check|import|status`: a plan's indicators file (docs/indicators.md)
//! checked, stored, and judged on the stored evidence.
//!
//! Reading goes through [`safer_domain::indicator::parse_indicators`] (every problem as
//! `FILE:LINE:COLUMN: field: message`), plus a check that police.uk crime types are ones
//! police.uk publishes. Import checks the priorities against the imported plan the file names.
//! Status reads each indicator's observations from the store and judges them with
//! [`safer_analytics::rag::evaluate`].

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::rag::{evaluate, p_value_words, Evaluation};
use safer_domain::indicator::{parse_indicators, IndicatorFile, Series};
use safer_domain::plan::PlanError;
use safer_import::police_uk::is_known_crime_type;
use safer_storage::{IndicatorsImportOutcome, Store};
use serde::Serialize;

use super::open_store;
use crate::cli::PlanIndicatorsCommand;
use crate::config::Config;

/// Parses an indicators file's text, naming `name` in every problem; with `priorities`, every
/// indicator's priority must be one of them.
pub fn parse(
    name: &str,
    source: &str,
    priorities: Option<&[String]>,
) -> anyhow::Result<IndicatorFile> {
    let mut errors = match parse_indicators(source, priorities) {
        Ok(file) => {
            let errors = unknown_crime_types(source, &file);
            if errors.is_empty() {
                return Ok(file);
            }
            errors
        }
        Err(mut errors) => {
            // The rules failed but the shape may be fine: report crime types too, all at once.
            if let Ok(file) = toml::from_str::<IndicatorFile>(source) {
                errors.extend(unknown_crime_types(source, &file));
            }
            errors
        }
    };
    errors.sort_by_key(|e| (e.line, e.column));
    Err(super::located_problems(
        name,
        "indicators file",
        errors.iter().map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
    ))
}

/// Crime types police.uk does not publish, located at their first mention in the file.
fn unknown_crime_types(source: &str, file: &IndicatorFile) -> Vec<PlanError> {
    let mut errors = Vec::new();
    for indicator in &file.indicators {
        let Series::PoliceUk { crime_types, .. } = &indicator.series else { continue };
        for crime_type in crime_types.iter().filter(|c| !is_known_crime_type(c)) {
            let at = source.find(&format!("\"{crime_type}\"")).unwrap_or(0);
            let line = source[..at].matches('\n').count() + 1;
            let column = at - source[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
            errors.push(PlanError {
                line,
                column,
                field: "indicator.series.crime_types".to_string(),
                message: format!(
                    "indicator `{}`: `{crime_type}` is not a police.uk crime type",
                    indicator.id
                ),
            });
        }
    }
    errors
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Checks `source` against the imported plan it names and stores it.
pub async fn import(
    store: &Store,
    name: &str,
    source: &str,
    now: i64,
) -> anyhow::Result<(IndicatorFile, IndicatorsImportOutcome)> {
    let file = parse(name, source, None)?;
    let plan = store.plan_by_slug(&file.plan).await?.with_context(|| {
        format!("no plan `{}`; import it first with `safer plan import FILE`", file.plan)
    })?;
    let priorities: Vec<String> = plan.plan.priorities.iter().map(|p| p.id.clone()).collect();
    let file = parse(name, source, Some(&priorities))?;
    let outcome = store.import_plan_indicators(plan.id, &file, source, now).await?;
    Ok((file, outcome))
}

/// One indicator's status, as `status --json` prints it.
#[derive(Debug, Serialize)]
struct StatusRow<'a> {
    plan: &'a str,
    priority: &'a str,
    id: &'a str,
    title: &'a str,
    direction: &'a str,
    target: Option<f64>,
    evaluation: Evaluation,
}

/// Runs `safer plan indicators ...`.
pub async fn run(config: &Config, command: PlanIndicatorsCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlanIndicatorsCommand::Check { file } => {
            let name = file.display().to_string();
            let parsed = parse(&name, &read(&file)?, None)?;
            println!(
                "{name} is a valid indicators file: {} indicators for plan `{}`.",
                parsed.indicators.len(),
                parsed.plan
            );
            Ok(ExitCode::SUCCESS)
        }
        PlanIndicatorsCommand::Import { file } => {
            let source = read(&file)?;
            let store = open_store(config).await?;
            let name = file.display().to_string();
            let (parsed, outcome) = import(&store, &name, &source, crate::now()).await?;
            let what = match outcome {
                IndicatorsImportOutcome::Created => "Imported",
                IndicatorsImportOutcome::Updated => "Updated",
                IndicatorsImportOutcome::Unchanged => {
                    "Unchanged (the same file was imported before):"
                }
            };
            println!("{what} {} indicators for `{}`.", parsed.indicators.len(), parsed.plan);
            Ok(ExitCode::SUCCESS)
        }
        PlanIndicatorsCommand::Status { plan, json } => {
            let store = open_store(config).await?;
            let slugs: Vec<String> = match plan {
                Some(slug) => vec![slug],
                None => store.list_plans().await?.into_iter().map(|p| p.slug).collect(),
            };
            let mut files = Vec::new();
            for slug in &slugs {
                let stored =
                    store.plan_by_slug(slug).await?.with_context(|| format!("no plan `{slug}`"))?;
                if let Some(file) = store.plan_indicators(stored.id).await? {
                    files.push(file);
                }
            }
            if files.is_empty() {
                bail!("no indicators have been imported; import a file with `safer plan indicators import FILE`");
            }
            let mut rows = Vec::new();
            for file in &files {
                for indicator in &file.indicators {
                    let observations = store.indicator_observations(&indicator.series).await?;
                    rows.push(StatusRow {
                        plan: &file.plan,
                        priority: &indicator.priority,
                        id: &indicator.id,
                        title: &indicator.title,
                        direction: match indicator.direction {
                            safer_domain::indicator::Direction::Down => "down",
                            safer_domain::indicator::Direction::Up => "up",
                        },
                        target: indicator.target,
                        evaluation: evaluate(indicator, &observations),
                    });
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for row in &rows {
                    print_row(row);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_row(row: &StatusRow<'_>) {
    let evaluation = &row.evaluation;
    let status = evaluation.rag.map_or("No status", |r| r.label());
    println!("{status:<9} {} / {}: {}", row.plan, row.priority, row.title);
    let value = |v: f64| value_text(v, &evaluation.unit);
    if let (Some((base_label, base)), Some((label, current))) =
        (&evaluation.base, &evaluation.current)
    {
        println!("          {label}: {} (was {} in {base_label})", value(*current), value(*base));
    } else if let Some((label, current)) = &evaluation.current {
        println!("          {label}: {}", value(*current));
    }
    if let Some(outcome) = &evaluation.outcome {
        let p = outcome.p_value.map(|p| format!("; {}", p_value_words(p))).unwrap_or_default();
        println!("          {}{p}", outcome.reason);
    }
    if let Some(why) = &evaluation.no_data {
        println!("          {why}");
    }
}

/// A value as the status line prints it: counts whole, percentages to one decimal place with
/// a per cent sign, anything else to at most two decimal places.
fn value_text(value: f64, unit: &str) -> String {
    match unit {
        "count" => format!("{value:.0}"),
        "percent" => format!("{value:.1}%"),
        _ => {
            let text = format!("{value:.2}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::value_text;

    #[test]
    fn values_are_printed_to_a_sensible_precision() {
        assert_eq!(value_text(1234.0, "count"), "1234");
        assert_eq!(value_text(29.629170399874333, "percent"), "29.6%");
        assert_eq!(value_text(12.5, "rate"), "12.5");
        assert_eq!(value_text(12.0, "rate"), "12");
    }
}
