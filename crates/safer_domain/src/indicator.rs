//! Plan indicators: the measures a partnership watches for each priority, each bound to an
//! evidence series, with a direction, an optional target and a comparison period (the format
//! is documented in `docs/indicators.md`).
//!
//! [`parse_indicators`] reads an indicators file as the plan reader does: TOML syntax, then
//! shape (serde with unknown fields refused), then the rules, every problem located at a line
//! and column with `toml_edit` spans and reported as a [`PlanError`]. The observations an
//! indicator is judged on ([`Observation`]) are plain values here; reading them is storage's
//! job and judging them analytics'.

use crate::toml_spans::line_column;
use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml_edit::ImDocument;

use crate::plan::PlanError;
use crate::slug::is_slug;

/// The indicators file format this version reads.
pub const INDICATORS_FORMAT: u32 = 1;

/// The longest comparison period, in months: two periods fill the 24 months of history kept.
pub const MAX_PERIOD_MONTHS: u32 = 12;

/// A plan's indicators file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorFile {
    /// Always [`INDICATORS_FORMAT`].
    pub format: u32,
    /// The id (slug) of the plan whose priorities the indicators measure.
    pub plan: String,
    /// The indicators, in the order pages show them.
    #[serde(default, rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

impl IndicatorFile {
    /// The indicators of one priority, in file order.
    pub fn for_priority<'a>(&'a self, priority: &'a str) -> impl Iterator<Item = &'a Indicator> {
        self.indicators.iter().filter(move |i| i.priority == priority)
    }
}

/// One indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// A slug, unique in the file.
    pub id: String,
    /// The slug of the plan priority it measures.
    pub priority: String,
    /// What it measures, as pages show it.
    pub title: String,
    /// The evidence it is computed from.
    pub series: Series,
    /// Which way is better.
    pub direction: Direction,
    /// The value to reach for the latest period (a count over the period, or a partner value);
    /// reaching it is green whatever the trend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// The comparison period for monthly series, such as `rolling-12`: the latest 12 whole
    /// months against the 12 before. Defaults to `rolling-12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Optional notes for readers (how it is counted, caveats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Indicator {
    /// The number of months in each compared period (12 unless `period` says otherwise).
    pub fn period_months(&self) -> u32 {
        self.period.as_deref().and_then(parse_period).unwrap_or(12)
    }
}

/// Where an indicator's values come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Series {
    /// Imported police.uk street rows of some crime types in an area, counted by month.
    #[serde(rename = "police-uk")]
    PoliceUk {
        /// `district:NAME` (LSOA names `NAME NNNL`) or `lsoa:CODE,CODE,...`.
        area: String,
        /// police.uk crime types as published, such as `Violence and sexual offences`.
        crime_types: Vec<String>,
    },
    /// A partner indicator from the partner indicators CSV.
    #[serde(rename = "partner")]
    Partner {
        /// The CSV's `indicator` column, such as `marac-cases`.
        indicator: String,
        /// The CSV's `area` column, such as `district:Maidstone`.
        area: String,
    },
    /// A question of a survey whose waves were imported with `safer survey import`: one value
    /// per wave, the weighted percentage of the question's respondents giving one of `answers`.
    #[serde(rename = "survey")]
    Survey {
        /// The survey's id (the definition's `[survey] id`, such as `public-2021`).
        survey: String,
        /// The question's id.
        question: String,
        /// The answer option ids counted (such as `["very-safe", "fairly-safe"]`); empty means
        /// the question's `positive` answers as its definition gives them.
        #[serde(default)]
        answers: Vec<String>,
    },
}

impl Series {
    /// The kind as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Series::PoliceUk { .. } => "police-uk",
            Series::Partner { .. } => "partner",
            Series::Survey { .. } => "survey",
        }
    }
}

/// Which way an indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Lower is better (crime, ASB).
    Down,
    /// Higher is better (feeling safe, referrals to support).
    Up,
}

/// One value of a series: a month of counts, a partner's period or a survey wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// What the value covers, such as `2022-12` or `2021-01-01 to 2021-12-31`.
    pub label: String,
    /// How many whole months it covers.
    pub months: u32,
    /// The value; `None` when the period has no data (never a zero).
    pub value: Option<f64>,
    /// The unit: `count` for police.uk months, `percent` for survey waves (as the partner CSV
    /// writes percentages), else the partner CSV's unit.
    pub unit: String,
    /// For a survey wave, the Kish effective base `(Σw)²/Σw²` of the question's respondents
    /// (their number when unweighted), which tests of change use; `None` for other series.
    pub base: Option<f64>,
    /// Why `value` is `None`, when the store can say (a survey wave that did not ask the
    /// question, or does not know an answer the indicator names); `None` otherwise.
    pub no_data: Option<String>,
}

/// Parses `rolling-N` (1 ≤ N ≤ [`MAX_PERIOD_MONTHS`]).
pub fn parse_period(period: &str) -> Option<u32> {
    let months: u32 = period.strip_prefix("rolling-")?.parse().ok()?;
    (1..=MAX_PERIOD_MONTHS).contains(&months).then_some(months)
}

/// Parses and validates an indicators file. With `priorities` (the plan's priority slugs),
/// every indicator's priority must be one of them. On failure returns every problem found, in
/// file order.
pub fn parse_indicators(
    source: &str,
    priorities: Option<&[String]>,
) -> Result<IndicatorFile, Vec<PlanError>> {
    let doc = match ImDocument::parse(source) {
        Ok(doc) => doc,
        Err(err) => {
            let at = err.span().map_or(0, |span| span.start);
            return Err(vec![error_at(source, at, "", first_line(err.message()))]);
        }
    };
    match doc.get("format") {
        None => {
            return Err(vec![error_at(
                source,
                0,
                "format",
                format!("missing `format = {INDICATORS_FORMAT}` at the top of the file"),
            )])
        }
        Some(item) if item.as_integer() != Some(i64::from(INDICATORS_FORMAT)) => {
            let at = item.span().map_or(0, |s| s.start);
            return Err(vec![error_at(
                source,
                at,
                "format",
                format!("unsupported indicators format; this version of Safer reads format {INDICATORS_FORMAT}"),
            )]);
        }
        Some(_) => {}
    }
    let file: IndicatorFile = match toml::from_str(source) {
        Ok(file) => file,
        Err(err) => {
            let at = err.span().map_or(0, |span| span.start);
            return Err(vec![error_at(source, at, "", first_line(err.message()))]);
        }
    };

    let mut errors = Vec::new();
    let mut report = |idx: Option<usize>, key: &str, message: String| {
        let at = span_of(&doc, idx, key).map_or(0, |s| s.start);
        let field = if idx.is_some() { format!("indicator.{key}") } else { key.to_string() };
        errors.push(error_at(source, at, &field, message));
    };
    if !is_slug(&file.plan) {
        report(None, "plan", format!("plan id `{}` is not a slug", file.plan));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (idx, indicator) in file.indicators.iter().enumerate() {
        let at = Some(idx);
        if !is_slug(&indicator.id) {
            report(at, "id", format!("indicator id `{}` is not a slug (lowercase letters, digits and single hyphens)", indicator.id));
        } else if let Some(&first) = seen.get(indicator.id.as_str()) {
            let first_line =
                span_of(&doc, Some(first), "id").map_or(0, |s| line_column(source, s.start).0);
            report(
                at,
                "id",
                format!(
                    "duplicate indicator id `{}` (first used on line {first_line})",
                    indicator.id
                ),
            );
        } else {
            seen.insert(&indicator.id, idx);
        }
        if let Some(priorities) = priorities {
            if !priorities.contains(&indicator.priority) {
                report(
                    at,
                    "priority",
                    format!(
                        "indicator `{}` names unknown priority `{}`; use the id of a priority of plan `{}`",
                        indicator.id, indicator.priority, file.plan
                    ),
                );
            }
        }
        if indicator.title.trim().is_empty() {
            report(at, "title", format!("indicator `{}` has an empty title", indicator.id));
        }
        if let Some(period) = &indicator.period {
            if parse_period(period).is_none() {
                report(
                    at,
                    "period",
                    format!(
                        "period `{period}` is not `rolling-N` with N from 1 to {MAX_PERIOD_MONTHS}"
                    ),
                );
            }
        }
        if let Some(target) = indicator.target {
            if !target.is_finite() {
                report(at, "target", "target must be a number".to_string());
            }
        }
        match &indicator.series {
            Series::PoliceUk { area, crime_types } => {
                if !valid_street_area(area) {
                    report(
                        at,
                        "series",
                        format!("police-uk area `{area}` is not `district:NAME` or `lsoa:CODE,CODE,...`"),
                    );
                }
                if crime_types.is_empty() || crime_types.iter().any(|c| c.trim().is_empty()) {
                    report(
                        at,
                        "series",
                        format!("indicator `{}` needs at least one crime type", indicator.id),
                    );
                }
            }
            Series::Partner { indicator: name, area } => {
                if name.trim().is_empty() || area.trim().is_empty() {
                    report(
                        at,
                        "series",
                        "a partner series needs `indicator` and `area` as in the partner indicators CSV".to_string(),
                    );
                }
            }
            Series::Survey { survey, question, .. } => {
                if survey.trim().is_empty() || question.trim().is_empty() {
                    report(
                        at,
                        "series",
                        "a survey series needs `survey` and `question`".to_string(),
                    );
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(file)
    } else {
        errors.sort_by_key(|e| (e.line, e.column));
        Err(errors)
    }
}

fn valid_street_area(area: &str) -> bool {
    if let Some(name) = area.strip_prefix("district:") {
        return !name.trim().is_empty();
    }
    if let Some(codes) = area.strip_prefix("lsoa:") {
        return codes.split(',').all(|c| !c.trim().is_empty());
    }
    false
}

/// The span of `indicator[idx].key`'s key (or of the top-level `key` when `idx` is `None`),
/// falling back to the indicator's table.
fn span_of(doc: &ImDocument<&str>, idx: Option<usize>, key: &str) -> Option<Range<usize>> {
    let Some(idx) = idx else {
        return doc.as_table().get_key_value(key).and_then(|(k, _)| k.span());
    };
    let table = doc.get("indicator")?.as_array_of_tables()?.get(idx)?;
    table.get_key_value(key).and_then(|(k, _)| k.span()).or_else(|| table.span())
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim_end_matches('.').to_string()
}

fn error_at(source: &str, offset: usize, field: &str, message: impl Into<String>) -> PlanError {
    let (line, column) = line_column(source, offset);
    PlanError { line, column, field: field.to_string(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"format = 1
plan = "test-2024-27"

[[indicator]]
id = "town-centre-violence"
priority = "town-centre"
title = "Violence and sexual offences"
series = { kind = "police-uk", area = "district:Test", crime_types = ["Violence and sexual offences"] }
direction = "down"
period = "rolling-6"

[[indicator]]
id = "marac-cases"
priority = "town-centre"
title = "MARAC cases"
series = { kind = "partner", indicator = "marac-cases", area = "district:Test" }
direction = "up"
target = 250
"#;

    fn errors(source: &str, priorities: Option<&[String]>) -> Vec<String> {
        parse_indicators(source, priorities)
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_valid_file_parses() {
        let file = parse_indicators(FILE, Some(&["town-centre".to_string()])).unwrap();
        assert_eq!(file.indicators.len(), 2);
        assert_eq!(file.indicators[0].period_months(), 6);
        assert_eq!(file.indicators[1].period_months(), 12);
        assert_eq!(file.indicators[1].target, Some(250.0));
        assert_eq!(file.indicators[1].direction, Direction::Up);
        assert_eq!(file.for_priority("town-centre").count(), 2);
    }

    #[test]
    fn unknown_priority_names_the_line() {
        assert_eq!(
            errors(FILE, Some(&["other".to_string()])),
            [
                "line 6, column 1: indicator.priority: indicator `town-centre-violence` names unknown priority `town-centre`; use the id of a priority of plan `test-2024-27`",
                "line 14, column 1: indicator.priority: indicator `marac-cases` names unknown priority `town-centre`; use the id of a priority of plan `test-2024-27`",
            ]
        );
    }

    #[test]
    fn duplicate_ids_and_bad_periods_name_their_lines() {
        let broken =
            FILE.replace("\"marac-cases\"\npriority", "\"town-centre-violence\"\npriority");
        let broken = broken.replace("rolling-6", "rolling-60");
        assert_eq!(
            errors(&broken, None),
            [
                "line 10, column 1: indicator.period: period `rolling-60` is not `rolling-N` with N from 1 to 12",
                "line 13, column 1: indicator.id: duplicate indicator id `town-centre-violence` (first used on line 5)",
            ]
        );
    }

    #[test]
    fn unknown_fields_and_kinds_name_the_line() {
        let broken = FILE.replace("direction = \"up\"", "directon = \"up\"");
        let errs = errors(&broken, None);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("line 17, column 1: "), "{errs:?}");
        let broken = FILE.replace("kind = \"partner\"", "kind = \"partners\"");
        assert!(errors(&broken, None)[0].starts_with("line 16, "));
    }

    #[test]
    fn the_format_comes_first() {
        assert_eq!(
            errors(&FILE.replace("format = 1", "format = 2"), None),
            ["line 1, column 10: format: unsupported indicators format; this version of Safer reads format 1"]
        );
    }

    #[test]
    fn survey_series_are_accepted() {
        let survey = FILE.replace(
            "{ kind = \"partner\", indicator = \"marac-cases\", area = \"district:Test\" }",
            "{ kind = \"survey\", survey = \"residents-2021\", question = \"feel-safe-night\", answers = [\"very safe\"] }",
        );
        let file = parse_indicators(&survey, None).unwrap();
        assert_eq!(file.indicators[1].series.kind(), "survey");
    }
}
