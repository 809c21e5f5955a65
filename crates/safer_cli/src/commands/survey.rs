//! `safer survey analyse` (shares, changes, sub-group differences and top issues of a resident
//! or youth survey), `safer survey import` (one wave's aggregates stored for plan indicators)
//! and `safer synth survey` (seeded synthetic responses for the demo).
//!
//! Reading is `safer_domain::survey::parse_definition` and `safer_import::survey`; the
//! statistics are `safer_analytics::survey`. This module reads files, prints, and refuses a
//! responses file with any bad row: a survey analysed or imported without some of its rows
//! would publish figures nobody can reproduce. Import stores aggregates only
//! ([`wave_aggregates`]): per question the respondents, Σw, Σw² and Σw of positive answers, and
//! Σw per answer option; no respondent's answers leave this process.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::survey::{analyse, Difference, Estimate, SurveyData, SurveyReport, Verdict};
use safer_domain::ids::PartnershipId;
use safer_domain::survey::{parse_definition, QuestionKind, SurveyDefinition, SurveyResponses};
use safer_import::survey::parse_responses;
use safer_storage::{
    survey_code_hash, NewOnlineSurvey, OnlineSurveyOutcome, Store, SurveyWaveAnswer,
    SurveyWaveOutcome, SurveyWaveQuestion,
};

use super::open_store;
use crate::cli::{
    SurveyAnalyseArgs, SurveyCommand, SurveyPublishArgs, SurveyResponsesArgs, SynthSurveyArgs,
};
use crate::config::Config;

/// How many row errors are listed before the rest are counted.
const MAX_LISTED_ERRORS: usize = 20;

/// `safer survey ...`.
pub async fn run(config: &Config, command: &SurveyCommand) -> anyhow::Result<ExitCode> {
    match command {
        SurveyCommand::Analyse(args) => analyse_command(args),
        SurveyCommand::Import { definition, responses, wave } => {
            let store = open_store(config).await?;
            let imported = import_wave(&store, definition, responses, wave, crate::now()).await?;
            println!("{}", imported.summary());
            Ok(ExitCode::SUCCESS)
        }
        SurveyCommand::Publish(args) => publish_command(config, args).await,
        SurveyCommand::Responses(args) => responses_command(config, args).await,
    }
}

/// What [`import_wave`] stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedWave {
    /// The survey id (the definition's).
    pub survey: String,
    /// The wave label.
    pub wave: String,
    /// Data rows of the responses file.
    pub respondents: usize,
    /// Questions stored (those the file has a column for).
    pub questions: usize,
    /// Whether a wave with the same label was replaced.
    pub outcome: SurveyWaveOutcome,
}

impl ImportedWave {
    /// One line for the terminal.
    pub fn summary(&self) -> String {
        let what = match self.outcome {
            SurveyWaveOutcome::Created => "Imported",
            SurveyWaveOutcome::Replaced => "Replaced",
        };
        format!(
            "{what} wave {} of survey `{}`: {} respondents, {} questions (aggregates only).",
            self.wave, self.survey, self.respondents, self.questions
        )
    }
}

/// Checks a wave label: not empty, no surrounding spaces, at most 40 characters, no control
/// characters.
fn check_wave_label(wave: &str) -> anyhow::Result<()> {
    if wave.is_empty()
        || wave.trim() != wave
        || wave.chars().count() > 40
        || wave.chars().any(char::is_control)
    {
        bail!(
            "--wave `{wave}` is not a wave label: use up to 40 characters without surrounding spaces, such as 2022"
        );
    }
    Ok(())
}

/// Reads the definition and responses exactly as `safer survey analyse` does (any bad row
/// refuses the whole file), aggregates them and stores wave `wave` of the definition's survey,
/// replacing a wave with the same label.
pub async fn import_wave(
    store: &safer_storage::Store,
    definition: &Path,
    responses: &Path,
    wave: &str,
    now: i64,
) -> anyhow::Result<ImportedWave> {
    check_wave_label(wave)?;
    let definition = read_definition(definition)?;
    let responses = read_responses(&definition, responses)?;
    let questions = wave_aggregates(&definition, &responses);
    let outcome = store.import_survey_wave(&definition.survey.id, wave, &questions, now).await?;
    Ok(ImportedWave {
        survey: definition.survey.id.clone(),
        wave: wave.to_string(),
        respondents: responses.respondents.len(),
        questions: questions.len(),
        outcome,
    })
}

/// The aggregates of one wave: for each question the file has a column for, the respondents
/// who answered it, Σw, Σw², Σw of those giving any positive answer, and Σw per option (each
/// chosen option of a multiple-choice answer counts).
pub fn wave_aggregates(
    definition: &SurveyDefinition,
    responses: &SurveyResponses,
) -> Vec<SurveyWaveQuestion> {
    definition
        .questions
        .iter()
        .enumerate()
        .filter(|(q_idx, _)| responses.asked.get(*q_idx).copied().unwrap_or(false))
        .map(|(q_idx, question)| {
            let (mut respondents, mut sum, mut sum_sq, mut positive) = (0i64, 0.0, 0.0, 0.0);
            let mut per_option = vec![0.0f64; question.options.len()];
            for respondent in &responses.respondents {
                let Some(chosen) = respondent.answers.get(q_idx).filter(|a| !a.is_empty()) else {
                    continue;
                };
                let w = respondent.weight;
                respondents += 1;
                sum += w;
                sum_sq += w * w;
                if chosen.iter().any(|&o| question.is_positive(usize::from(o))) {
                    positive += w;
                }
                for &o in chosen {
                    if let Some(slot) = per_option.get_mut(usize::from(o)) {
                        *slot += w;
                    }
                }
            }
            SurveyWaveQuestion {
                question: question.id.clone(),
                kind: match question.kind {
                    QuestionKind::Single => "single",
                    QuestionKind::Multi => "multi",
                }
                .to_string(),
                respondents,
                sum_weights: sum,
                sum_weights_sq: sum_sq,
                positive_sum_weights: positive,
                answers: question
                    .options
                    .iter()
                    .zip(per_option)
                    .enumerate()
                    .map(|(o_idx, (option, sum_weights))| SurveyWaveAnswer {
                        answer: option.id.clone(),
                        positive: question.is_positive(o_idx),
                        sum_weights,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Reads and validates a survey definition, naming the file, line and column of each problem.
pub fn read_definition(path: &Path) -> anyhow::Result<SurveyDefinition> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_definition(&source).map_err(|errors| {
        super::located_problems(
            &path.display().to_string(),
            "survey definition",
            errors.iter().map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
        )
    })
}

/// Reads a responses file against `definition`; any bad row is an error listing the lines.
pub fn read_responses(
    definition: &SurveyDefinition,
    path: &Path,
) -> anyhow::Result<SurveyResponses> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let import = parse_responses(definition, &data)
        .with_context(|| format!("{} is not a valid responses file", path.display()))?;
    if !import.errors.is_empty() {
        let n = import.errors.len();
        let mut lines: Vec<usize> = import.errors.iter().map(|e| e.line).collect();
        lines.dedup();
        let n_rows = lines.len();
        let mut message = format!(
            "{} has {n} problem{} in {n_rows} row{}; fix {} and run again:",
            path.display(),
            if n == 1 { "" } else { "s" },
            if n_rows == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        );
        for error in import.errors.iter().take(MAX_LISTED_ERRORS) {
            let _ = write!(message, "\n{}: {error}", path.display());
        }
        if n > MAX_LISTED_ERRORS {
            let _ = write!(message, "\n… and {} more", n - MAX_LISTED_ERRORS);
        }
        bail!(message);
    }
    if import.responses.respondents.is_empty() {
        bail!("{} has a header but no responses", path.display());
    }
    Ok(import.responses)
}

/// Analyses a responses file against its definition, and against last year's responses when
/// given (read with the definition's `previous_form`), for the assessment report.
pub(crate) fn analyse_files(
    definition: &Path,
    responses: &Path,
    previous: Option<&Path>,
) -> anyhow::Result<SurveyReport> {
    let definition = read_definition(definition)?;
    let responses = read_responses(&definition, responses)?;
    let previous = match previous {
        None => None,
        Some(path) => {
            let previous_definition = definition.previous_form();
            let previous_responses = read_responses(&previous_definition, path)?;
            Some((previous_definition, previous_responses))
        }
    };
    Ok(analyse(
        SurveyData { definition: &definition, responses: &responses },
        previous.as_ref().map(|(definition, responses)| SurveyData { definition, responses }),
    ))
}

fn analyse_command(args: &SurveyAnalyseArgs) -> anyhow::Result<ExitCode> {
    let mut definition = read_definition(&args.definition)?;
    if let Some(min_base) = args.min_base {
        if min_base == 0 {
            bail!("--min-base must be at least 1");
        }
        definition.survey.min_base = min_base;
    }
    let responses = read_responses(&definition, &args.responses)?;
    let previous = match &args.previous {
        None => None,
        Some(path) => {
            let previous_definition = match &args.previous_definition {
                Some(def_path) => read_definition(def_path)?,
                None => definition.previous_form(),
            };
            let previous_responses = read_responses(&previous_definition, path)?;
            Some((previous_definition, previous_responses))
        }
    };
    let report = analyse(
        SurveyData { definition: &definition, responses: &responses },
        previous.as_ref().map(|(definition, responses)| SurveyData { definition, responses }),
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        // As an io::Error, so a closed pipe (`| head`) ends quietly.
        serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        out.write_all(render_text(&report).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn pct(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

fn points(difference: f64) -> String {
    format!("{:+.1}", difference * 100.0)
}

fn p_value(p: f64) -> String {
    if p.is_nan() {
        "p undefined".into()
    } else if p < 0.0001 {
        "p < 0.0001".into()
    } else {
        format!("p = {p:.4}")
    }
}

fn estimate_text(estimate: &Estimate, min_base: u32) -> String {
    match estimate {
        Estimate::Reported(p) => {
            format!("{} ({}–{}, base {})", pct(p.share), pct(p.low), pct(p.high), p.base)
        }
        Estimate::Suppressed { base } => format!("suppressed (base {base} < {min_base})"),
    }
}

fn difference_text(difference: &Difference, higher: &str, lower: &str, none: &str) -> String {
    let verdict = match difference.verdict {
        Verdict::Higher => higher,
        Verdict::Lower => lower,
        Verdict::NoSignificantDifference => none,
    };
    format!(
        "{} points (95 % CI {} to {}), {}: {verdict}",
        points(difference.difference),
        points(difference.low),
        points(difference.high),
        p_value(difference.p_value)
    )
}

/// The text report: one block per question, then the top-issues rankings.
pub fn render_text(report: &SurveyReport) -> String {
    let mut out = String::new();
    let min_base = report.min_base;
    let k = &report.respondents;
    let _ = writeln!(out, "{} ({}, {})", report.title, report.survey, report.year);
    if report.weighted {
        let _ = writeln!(
            out,
            "{} respondents, weighted: design effect {:.2}, effective base {:.0}.",
            k.n, k.deff, k.n_eff
        );
    } else {
        let _ = writeln!(out, "{} respondents, unweighted.", k.n);
    }
    if let Some(previous) = &report.previous {
        let _ = writeln!(
            out,
            "Compared with {} ({} respondents).",
            previous.survey, previous.respondents
        );
    }
    let _ = writeln!(
        out,
        "Shares{} with 95 % Wilson intervals{}; differences tested with the pooled two-proportion \
         z-test, Newcombe intervals; bases under {min_base} suppressed.",
        if report.weighted { " weighted" } else { "" },
        if report.weighted { " on Kish effective bases" } else { "" },
    );

    for question in &report.questions {
        let _ = writeln!(out, "\n{}", question.text);
        let _ = writeln!(
            out,
            "  {}: {}",
            question.positive_label,
            estimate_text(&question.estimate, min_base)
        );
        if let Some(change) = &question.change {
            let _ = write!(out, "  previous: {}", estimate_text(&change.previous, min_base));
            match &change.difference {
                Some(d) => {
                    let _ = writeln!(
                        out,
                        "; change {}",
                        difference_text(
                            d,
                            "a significant rise",
                            "a significant fall",
                            "no significant change"
                        )
                    );
                }
                None => {
                    let _ = writeln!(out, "; change not tested (a base is suppressed)");
                }
            }
        }
        for subgroup in &question.subgroups {
            let line = match &subgroup.difference {
                Some(d) => difference_text(d, "higher", "lower", "no significant difference"),
                None => "not tested (a base is suppressed)".into(),
            };
            let _ = writeln!(
                out,
                "  {} {} vs {} {}: {line}",
                subgroup.group.label,
                estimate_text(&subgroup.group.estimate, min_base),
                subgroup.against.label,
                estimate_text(&subgroup.against.estimate, min_base),
            );
        }
    }

    for ranking in &report.top_issues {
        let _ = writeln!(out, "\n{} (share of the {} who answered)", ranking.text, ranking.base);
        for (rank, option) in ranking.options.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>2}. {}: {}",
                rank + 1,
                option.label,
                estimate_text(&option.estimate, min_base)
            );
        }
    }
    out
}

/// `safer synth survey`.
pub fn synth(args: &SynthSurveyArgs) -> anyhow::Result<ExitCode> {
    let definition = read_definition(&args.definition)?;
    if args.respondents == 0 {
        bail!("--respondents must be at least 1");
    }
    let csv = synth_responses(&definition, args.respondents, args.seed);
    std::fs::write(&args.out, &csv)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "wrote {}: {} synthetic responses to {} ({} questions, seed {})",
        args.out.display(),
        args.respondents,
        definition.survey.id,
        definition.questions.len(),
        args.seed
    );
    Ok(ExitCode::SUCCESS)
}

/// SplitMix64: small, seeded and the same on every platform.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index drawn in proportion to `weights` (not all zero).
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.unit() * total;
        for (idx, w) in weights.iter().enumerate() {
            if target < *w {
                return idx;
            }
            target -= w;
        }
        weights.len() - 1
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A stable hash of text, for choices that must not depend on the order of the file.
fn hash(parts: &[&str], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for part in parts {
        for b in part.bytes().chain([0u8]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Rng(h).next_u64()
}

/// The share answering positively that the synthetic data aims at: the Appendix 1 figures of
/// the Maidstone CSP Plan 2022–2025 for the shipped questions (orientation for a demo, not
/// data), otherwise a share between 0.25 and 0.75 chosen by the question id.
fn target_share(question_id: &str) -> f64 {
    match question_id {
        "safe-day" => 0.84,
        "safe-night" => 0.38,
        "town-centre-night" => 0.26,
        "crime-increased" => 0.80,
        "agencies-dealing" => 0.35,
        "asb-dealt-with" => 0.30,
        "experienced-crime" => 0.27,
        "worry-safety" => 0.16,
        "unsafe-town-centre" => 0.31,
        "unsafe-public-transport" => 0.25,
        "unsafe-local-night" => 0.38,
        "school-verbal-bullying" => 0.22,
        "school-racist-homophobic" => 0.21,
        "cyber-bullied" => 0.20,
        "asked-for-images" => 0.63,
        "police-respect" => 0.64,
        "police-listen" => 0.45,
        "police-issues" => 0.42,
        // Not given in Appendix 1: plausible values for the demo.
        "school-fighting" => 0.45,
        "school-drug-dealing" => 0.18,
        "school-knife-crime" => 0.12,
        "school-gangs" => 0.15,
        _ => 0.25 + 0.5 * (hash(&[question_id], 0) >> 11) as f64 / (1u64 << 53) as f64,
    }
}

/// The log-odds shift for members of a variable's first group on a question: the differences
/// Appendix 1 reports for the youth survey (younger years and minority-ethnic pupils see more
/// problems), otherwise none, up or down, chosen by the ids and the seed.
fn group_shift(variable_id: &str, question_id: &str, seed: u64) -> f64 {
    match (variable_id, question_id) {
        (
            "school-year",
            "school-drug-dealing" | "school-fighting" | "school-knife-crime" | "school-gangs",
        ) => 0.7,
        ("ethnicity", "school-verbal-bullying" | "school-racist-homophobic") => 0.6,
        _ => match hash(&[variable_id, question_id], seed) % 5 {
            0 => 0.45,
            1 => -0.45,
            _ => 0.0,
        },
    }
}

/// How common a variable's option is among synthetic respondents.
fn option_weight(survey_id: &str, variable_id: &str, option_id: &str) -> f64 {
    let youth = survey_id.contains("youth");
    match (variable_id, option_id) {
        (_, "prefer-not-to-say") => 0.3,
        ("ethnicity", "white") => 30.0,
        ("ethnicity", _) => 1.5,
        // Appendix 1: 80 % of the youth survey's respondents were female.
        ("sex", "female") if youth => 8.0,
        ("sex", "male") if youth => 1.7,
        ("sex", "female" | "male") => 5.0,
        ("sex", _) => 0.3,
        _ => 1.0,
    }
}

/// Synthetic responses to `definition` as CSV: a respondent number, the variables, every
/// question and the weight column when the survey has one.
pub fn synth_responses(definition: &SurveyDefinition, n_respondents: u32, seed: u64) -> String {
    let mut rng = Rng(seed ^ 0x5EED_5EED_5EED_5EED);
    let survey_id = definition.survey.id.as_str();
    let mut header = vec!["respondent".to_string()];
    header.extend(definition.variables.iter().map(|v| v.id.clone()));
    header.extend(definition.questions.iter().map(|q| q.id.clone()));
    header.extend(definition.survey.weight_column.clone());
    let mut csv = header.join(",");
    csv.push('\n');

    let variable_weights: Vec<Vec<f64>> = definition
        .variables
        .iter()
        .map(|v| v.options.iter().map(|o| option_weight(survey_id, &v.id, &o.id)).collect())
        .collect();
    for respondent in 1..=n_respondents {
        let mut row = vec![respondent.to_string()];
        let chosen: Vec<usize> = variable_weights.iter().map(|w| rng.pick(w)).collect();
        for (variable, &o_idx) in definition.variables.iter().zip(&chosen) {
            row.push(variable.options[o_idx].id.clone());
        }
        for question in &definition.questions {
            // A few respondents skip each question.
            if rng.unit() < 0.02 {
                row.push(String::new());
                continue;
            }
            let answer = match question.kind {
                QuestionKind::Single => {
                    let p = target_share(&question.id);
                    let mut logit = (p / (1.0 - p)).ln();
                    for (variable, &o_idx) in definition.variables.iter().zip(&chosen) {
                        if let Some(first) = variable.groups.first() {
                            if variable.in_group(first, o_idx) {
                                logit += group_shift(&variable.id, &question.id, seed);
                            }
                        }
                    }
                    let positive = rng.unit() < 1.0 / (1.0 + (-logit).exp());
                    let candidates: Vec<f64> = (0..question.options.len())
                        .map(|o_idx| {
                            if question.is_positive(o_idx) == positive {
                                // Earlier options a little more common than later ones.
                                0.8f64.powi(o_idx as i32)
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    if candidates.iter().all(|w| *w == 0.0) {
                        question.options[rng.pick(&vec![1.0; question.options.len()])].id.clone()
                    } else {
                        question.options[rng.pick(&candidates)].id.clone()
                    }
                }
                QuestionKind::Multi => {
                    let limit = question.choice_limit();
                    let n_choose =
                        if rng.unit() < 0.8 { limit } else { 1 + rng.pick(&vec![1.0; limit]) };
                    let mut weights: Vec<f64> = (0..question.options.len())
                        .map(|o_idx| 0.85f64.powi(o_idx as i32))
                        .collect();
                    let mut picked = Vec::new();
                    for _ in 0..n_choose {
                        if weights.iter().all(|w| *w == 0.0) {
                            break;
                        }
                        let o_idx = rng.pick(&weights);
                        weights[o_idx] = 0.0;
                        picked.push(question.options[o_idx].id.as_str());
                    }
                    picked.join(";")
                }
            };
            row.push(answer);
        }
        if definition.survey.weight_column.is_some() {
            let weight = (0.35 * rng.normal()).exp().clamp(0.2, 5.0);
            row.push(format!("{weight:.3}"));
        }
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFINITION: &str = r#"format = 1
[survey]
id = "t"
title = "T"
year = 2021
weight_column = "w"

[[questions]]
id = "safe-day"
text = "Safe?"
kind = "single"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]
positive = ["yes"]

[[questions]]
id = "issues"
text = "Issues"
kind = "multi"
max_choices = 2
options = [{ id = "a", label = "A" }, { id = "b", label = "B" }, { id = "c", label = "C" }]

[[variables]]
id = "ethnicity"
label = "Ethnic group"
options = [{ id = "white", label = "White" }, { id = "asian", label = "Asian" }]
groups = [
  { id = "minority-ethnic", label = "Minority ethnic", options = ["asian"] },
  { id = "white", label = "White", options = ["white"] },
]
"#;

    #[test]
    fn wave_aggregates_sum_weights_and_squares_per_question_and_option() {
        let definition = parse_definition(DEFINITION).unwrap();
        // Four respondents; the third skips `safe-day`, the fourth chooses two issues.
        let csv = "safe-day,issues,ethnicity,w\nyes,a,white,1\nno,b,asian,2\n,a,white,0.5\nyes,a;c,white,3\n";
        let import = parse_responses(&definition, csv.as_bytes()).unwrap();
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        let questions = wave_aggregates(&definition, &import.responses);
        assert_eq!(questions.len(), 2);
        let safe = &questions[0];
        assert_eq!((safe.question.as_str(), safe.kind.as_str()), ("safe-day", "single"));
        // Σw = 1 + 2 + 3 = 6, Σw² = 1 + 4 + 9 = 14, positive Σw = 1 + 3 = 4.
        assert_eq!((safe.respondents, safe.sum_weights, safe.sum_weights_sq), (3, 6.0, 14.0));
        assert_eq!(safe.positive_sum_weights, 4.0);
        let sums: Vec<(&str, bool, f64)> =
            safe.answers.iter().map(|a| (a.answer.as_str(), a.positive, a.sum_weights)).collect();
        assert_eq!(sums, [("yes", true, 4.0), ("no", false, 2.0)]);
        assert!((safe.effective_base() - 36.0 / 14.0).abs() < 1e-12);
        let issues = &questions[1];
        assert_eq!((issues.respondents, issues.sum_weights), (4, 6.5));
        let sums: Vec<f64> = issues.answers.iter().map(|a| a.sum_weights).collect();
        assert_eq!(sums, [4.5, 2.0, 3.0], "each chosen option counts");
    }

    #[test]
    fn synthetic_responses_read_back_and_are_seeded() {
        let definition = parse_definition(DEFINITION).unwrap();
        let csv = synth_responses(&definition, 500, 3);
        assert_eq!(csv, synth_responses(&definition, 500, 3));
        assert_ne!(csv, synth_responses(&definition, 500, 4));
        let import = parse_responses(&definition, csv.as_bytes()).unwrap();
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        assert_eq!(import.responses.respondents.len(), 500);
        let report =
            analyse(SurveyData { definition: &definition, responses: &import.responses }, None);
        let share = report.questions[0].estimate.proportion().unwrap().share;
        assert!((share - 0.84).abs() < 0.06, "{share}");
        let text = render_text(&report);
        assert!(text.contains("Minority ethnic"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Online surveys: `safer survey publish` and `safer survey responses`.

/// The characters of invitation codes: capitals and digits without look-alikes (no I, L, O, 0,
/// 1).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// The length of an invitation code (about 50 bits).
const CODE_LENGTH: usize = 10;

/// A new random invitation code: ten characters without look-alikes (no I, L, O, 0 or 1).
pub fn generate_survey_code() -> String {
    let mut code = String::with_capacity(CODE_LENGTH);
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % CODE_ALPHABET.len();
    while code.len() < CODE_LENGTH {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes).expect("the operating system has no random source");
        for byte in bytes {
            if usize::from(byte) < limit && code.len() < CODE_LENGTH {
                code.push(CODE_ALPHABET[usize::from(byte) % CODE_ALPHABET.len()] as char);
            }
        }
    }
    code
}

/// What [`publish_survey`] did.
#[derive(Debug, Clone)]
pub struct PublishedSurvey {
    /// The online survey's id (its address is `/public/surveys/ID`).
    pub id: i64,
    /// The survey id (the definition's).
    pub survey: String,
    /// The wave label.
    pub wave: String,
    /// Whether the wave is new, replaced or unchanged.
    pub outcome: OnlineSurveyOutcome,
    /// Whether responses need invitation codes.
    pub codes_required: bool,
    /// The new codes, to print once.
    pub codes: Vec<String>,
}

/// What to publish: a definition's text as a wave, and its codes.
#[derive(Debug, Clone)]
pub struct SurveyPublication<'a> {
    /// The definition's TOML text.
    pub source: &'a str,
    /// The wave label.
    pub wave: &'a str,
    /// Whether responses need invitation codes (a wave that required them keeps requiring
    /// them).
    pub require_codes: bool,
    /// How many new invitation codes to make (any turns the codes rule on).
    pub new_codes: u32,
    /// When it closes (unix seconds), or `None` to stay open.
    pub closes_at: Option<i64>,
}

/// Publishes a wave of a definition for `partnership` (replacing the wave's definition if it
/// was published before) and makes its new invitation codes.
pub async fn publish_survey(
    store: &Store,
    partnership: PartnershipId,
    publication: &SurveyPublication<'_>,
    now: i64,
) -> anyhow::Result<PublishedSurvey> {
    let SurveyPublication { source, wave, require_codes, new_codes, closes_at } = *publication;
    check_wave_label(wave)?;
    let definition = parse_definition(source).map_err(|errors| {
        super::located_problems(
            "the definition",
            "survey definition",
            errors.iter().map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
        )
    })?;
    let survey_id = definition.survey.id.as_str();
    let existing = store.online_survey_wave(partnership, survey_id, wave).await?;
    let codes_required =
        require_codes || new_codes > 0 || existing.is_some_and(|s| s.codes_required);
    let (id, outcome) = store
        .publish_online_survey(
            &NewOnlineSurvey {
                partnership,
                survey: survey_id,
                wave,
                title: &definition.survey.title,
                definition: source,
                codes_required,
                opens_at: now,
                closes_at,
            },
            now,
        )
        .await?;
    let codes: Vec<String> = (0..new_codes).map(|_| generate_survey_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| survey_code_hash(c)).collect();
    store.add_survey_codes(id, &hashes, now).await?;
    Ok(PublishedSurvey {
        id,
        survey: survey_id.to_string(),
        wave: wave.to_string(),
        outcome,
        codes_required,
        codes,
    })
}

/// The end of a `YYYY-MM-DD` day (UTC), as unix seconds.
fn end_of_day(text: &str) -> anyhow::Result<i64> {
    let date = time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("--closes `{text}` is not a date like 2026-12-31"))?;
    Ok(date.midnight().assume_utc().unix_timestamp() + 86_400)
}

/// `safer survey publish`.
async fn publish_command(config: &Config, args: &SurveyPublishArgs) -> anyhow::Result<ExitCode> {
    let source = std::fs::read_to_string(&args.definition)
        .with_context(|| format!("cannot read {}", args.definition.display()))?;
    // Read as `survey analyse` reads it, so problems name the file.
    read_definition(&args.definition)?;
    let closes_at = args.closes.as_deref().map(end_of_day).transpose()?;
    let store = open_store(config).await?;
    let partnership = super::users::pick_partnership(&store, args.partnership.as_deref()).await?;
    let publication = SurveyPublication {
        source: &source,
        wave: &args.wave,
        require_codes: args.codes.is_some(),
        new_codes: args.codes.unwrap_or(0),
        closes_at,
    };
    let published = publish_survey(&store, partnership.id(), &publication, crate::now()).await?;
    let what = match published.outcome {
        OnlineSurveyOutcome::Created => "Published",
        OnlineSurveyOutcome::Replaced => "Republished",
        OnlineSurveyOutcome::Unchanged => "Already published",
    };
    println!(
        "{what} wave {} of survey `{}` at /public/surveys/{}{}.",
        published.wave,
        published.survey,
        published.id,
        if published.codes_required { " (invitation codes required)" } else { "" }
    );
    if !published.codes.is_empty() {
        println!(
            "{} invitation codes (each admits one response; they are not shown again):",
            published.codes.len()
        );
        let mut out = std::io::stdout().lock();
        for code in &published.codes {
            writeln!(out, "{code}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the online responses of wave `wave` of survey `survey` to `out`; returns how many.
pub async fn export_responses(
    store: &Store,
    partnership: PartnershipId,
    survey: &str,
    wave: &str,
    out: &Path,
) -> anyhow::Result<usize> {
    let online = store.online_survey_wave(partnership, survey, wave).await?.with_context(|| {
        format!("no wave `{wave}` of survey `{survey}` is published; see `safer survey publish`")
    })?;
    let definition = parse_definition(&online.definition)
        .map_err(|_| anyhow::anyhow!("the stored definition of `{survey}` no longer reads"))?;
    let responses = store.online_survey_responses(online.id).await?;
    std::fs::write(out, definition.responses_csv(responses.iter().map(|r| &r.answers)))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(responses.len())
}

/// `safer survey responses`.
async fn responses_command(
    config: &Config,
    args: &SurveyResponsesArgs,
) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let partnership = super::users::pick_partnership(&store, args.partnership.as_deref()).await?;
    let n = export_responses(&store, partnership.id(), &args.survey, &args.wave, &args.out).await?;
    println!(
        "Wrote {n} responses to wave {} of survey `{}` to {}.",
        args.wave,
        args.survey,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
