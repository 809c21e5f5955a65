//! `safer priorities`: a priority matrix (`docs/priority-matrix.md`) scored from the evidence,
//! ranked, and checked for sensitivity to its weights.
//!
//! Evidence comes from the code the other commands use: volume and trend from the same
//! comparison `safer compare` makes for each area the matrix names
//! (`evidence::comparison_for`), harm from the default harm table over the same counts, public
//! concern from a survey results file. The scoring is `safer_analytics::priority`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::compare::Comparison;
use safer_analytics::harm::default_table;
use safer_analytics::priority::{
    crime_evidence, score_matrix, IssueEvidence, PriorityConfig, PriorityReport,
};
use safer_domain::priority_matrix::{parse_matrix, Criterion, Matrix};

use crate::cli::PrioritiesArgs;
use crate::commands::evidence::comparison_for;
use crate::config::Config;

/// `safer priorities`.
pub async fn run(config: &Config, args: &PrioritiesArgs) -> anyhow::Result<ExitCode> {
    let report = rank(config, args).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("cannot write the JSON")?;
        writeln!(out)?;
    } else {
        write_report(&mut out, &report)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Scores and ranks the matrix of `args` against the evidence, without printing.
pub(crate) async fn rank(
    config: &Config,
    args: &PrioritiesArgs,
) -> anyhow::Result<safer_analytics::priority::PriorityReport> {
    let matrix = read_matrix(&args.matrix)?;
    let survey = match &args.survey_results {
        Some(path) => Some(read_survey(path)?),
        None => None,
    };
    let mut comparisons: BTreeMap<String, Comparison> = BTreeMap::new();
    for issue in &matrix.issues {
        if issue.crime_types.is_empty() {
            continue;
        }
        let Some(area) = matrix.area_of(issue) else { continue };
        if !comparisons.contains_key(area) {
            let comparison = comparison_for(config, &args.inputs, area, &args.base, &args.current)
                .await
                .with_context(|| format!("evidence for {area}"))?;
            comparisons.insert(area.to_string(), comparison);
        }
    }

    let table = default_table();
    let mut evidence = BTreeMap::new();
    for issue in &matrix.issues {
        let crime = match (issue.crime_types.is_empty(), matrix.area_of(issue)) {
            (false, Some(area)) => {
                Some(crime_evidence(area, &issue.crime_types, &comparisons[area], &table))
            }
            _ => None,
        };
        let weighted = matrix.weights.get(&Criterion::PublicConcern).is_some_and(|&w| w > 0.0);
        let needs_survey = weighted && !issue.manual.contains_key(&Criterion::PublicConcern);
        let survey_share = match (&issue.survey_option, &survey) {
            (Some(option), Some(survey)) => match survey.get(option) {
                Some(&share) => Some(share),
                None if needs_survey => bail!(
                    "{}:{}: issue `{}`: survey option `{option}` is not in {} (it has: {})",
                    args.matrix.display(),
                    issue.line,
                    issue.id,
                    args.survey_results.as_deref().unwrap_or(Path::new("")).display(),
                    survey.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                None => None,
            },
            (Some(option), None) if needs_survey => bail!(
                "{}:{}: issue `{}` takes public concern from survey option `{option}`: pass \
                 --survey-results FILE.json",
                args.matrix.display(),
                issue.line,
                issue.id
            ),
            _ => None,
        };
        evidence.insert(issue.id.clone(), IssueEvidence { crime, survey_share });
    }

    Ok(score_matrix(&matrix, &evidence, &PriorityConfig::default()))
}

/// Reads and validates a matrix file, every problem as `FILE:LINE:COLUMN: field: message`.
pub fn read_matrix(path: &Path) -> anyhow::Result<Matrix> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_matrix(&source).map_err(|errors| {
        super::located_problems(
            &path.display().to_string(),
            "priority matrix",
            errors.iter().map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
        )
    })
}

/// Reads survey top-issue results: a JSON object of option id → share (0–1) or count.
fn read_survey(path: &Path) -> anyhow::Result<BTreeMap<String, f64>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let shares: BTreeMap<String, f64> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not survey results: expected a JSON object of option id → share, such as \
             {{\"asb\": 0.53}}",
            path.display()
        )
    })?;
    if let Some((option, share)) = shares.iter().find(|(_, s)| !s.is_finite() || **s < 0.0) {
        bail!("{}: the share of `{option}` is {share}; shares are ≥ 0", path.display());
    }
    Ok(shares)
}

fn write_report(out: &mut impl Write, report: &PriorityReport) -> std::io::Result<()> {
    writeln!(out, "{} ({})", report.title, report.matrix)?;
    let weights: Vec<String> =
        report.weights.iter().map(|(c, w)| format!("{c} {}", trim_float(*w))).collect();
    writeln!(out, "Weights: {}", weights.join(", "))?;
    writeln!(out)?;
    for issue in &report.ranking {
        let priority = issue.priority.as_deref().map_or(String::new(), |p| format!(" [plan: {p}]"));
        writeln!(
            out,
            "{:>2}. {} ({}){priority}: {:.2}",
            issue.rank, issue.title, issue.id, issue.total
        )?;
        for score in &issue.scores {
            if score.weight == 0.0 && score.evidence.is_empty() {
                continue;
            }
            writeln!(
                out,
                "      {:<20} {:.1}  ×{:<4} {}",
                score.criterion.name(),
                score.score,
                trim_float(score.weight),
                score.evidence
            )?;
        }
    }
    writeln!(out)?;
    let sensitivity = &report.sensitivity;
    writeln!(
        out,
        "Sensitivity: each weight moved by ±{:.0} % in turn; the top {} is {}: {}",
        sensitivity.weight_change * 100.0,
        sensitivity.top_n,
        if sensitivity.stable { "stable" } else { "NOT stable" },
        sensitivity.top.join(", ")
    )?;
    for m in &sensitivity.moves {
        let sign = if m.factor > 1.0 { "+" } else { "-" };
        let what = if m.changed {
            format!("in: {}; out: {}", m.swapped_in.join(", "), m.swapped_out.join(", "))
        } else {
            "no change".to_string()
        };
        writeln!(
            out,
            "  {} {sign}{:.0} %: {what}",
            m.criterion.name(),
            (m.factor - 1.0).abs() * 100.0
        )?;
    }
    if !sensitivity.not_moved.is_empty() {
        let names: Vec<&str> = sensitivity.not_moved.iter().map(|c| c.name()).collect();
        writeln!(out, "  weight 0, not moved: {}", names.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "Scoring (5 = most reason to prioritise):")?;
    for rule in &report.rules {
        writeln!(out, "- {rule}")?;
    }
    Ok(())
}

fn trim_float(x: f64) -> String {
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
