//! The priority matrix: candidate issues × criteria with weights, the input to a strategic
//! assessment's priority setting (`docs/priority-matrix.md`).
//!
//! A matrix file is TOML. [`parse_matrix`] reads it straight from `toml_edit`'s document, so
//! every problem (an unknown criterion, a manual score without a justification, a score outside
//! 1–5, weights that do not sum to a positive number, a duplicate id, an unknown key) is
//! reported as a [`MatrixError`] with the line and column it is on. Scoring lives in
//! `safer_analytics::priority`; this module only says what the file means.

use crate::crime_type::CRIME_TYPES;
use crate::toml_spans::line_column;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Serialize;
use toml_edit::{ImDocument, Item, TableLike};

use crate::slug::is_slug;

/// The matrix format version this module reads (`format = 1` at the top of the file).
pub const MATRIX_FORMAT: i64 = 1;

/// A criterion an issue is scored on. The set is fixed; a score of 5 always means "most reason
/// to make this a priority" and 1 the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// How much harm the issue does (evidence: harm-weighted count of its crime types).
    Harm,
    /// How often it happens (evidence: count of its crime types in the current period).
    Volume,
    /// Whether it is rising (evidence: change and exact test between the two periods).
    Trend,
    /// How much residents worry about it (evidence: share choosing it as a top issue).
    PublicConcern,
    /// How far it falls on people who are vulnerable (always a justified manual score).
    Vulnerability,
    /// How far the partnership can make a difference: levers, groups, funding (manual).
    PartnershipCapacity,
}

impl Criterion {
    /// Every criterion, in the order they are reported.
    pub const ALL: [Criterion; 6] = [
        Criterion::Harm,
        Criterion::Volume,
        Criterion::Trend,
        Criterion::PublicConcern,
        Criterion::Vulnerability,
        Criterion::PartnershipCapacity,
    ];

    /// The name used in matrix files and JSON, such as `public_concern`.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Harm => "harm",
            Criterion::Volume => "volume",
            Criterion::Trend => "trend",
            Criterion::PublicConcern => "public_concern",
            Criterion::Vulnerability => "vulnerability",
            Criterion::PartnershipCapacity => "partnership_capacity",
        }
    }

    /// The criterion called `name` in a matrix file.
    pub fn from_name(name: &str) -> Option<Criterion> {
        Criterion::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether evidence can score this criterion: from crime types (harm, volume, trend) or
    /// the survey (public concern). The others always need a manual score.
    pub fn has_evidence(self) -> bool {
        !matches!(self, Criterion::Vulnerability | Criterion::PartnershipCapacity)
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How evidence values become 1–5 scores across the candidates (`scale` in `[matrix]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// By rank among the candidates with evidence: 1 + 4 × (rank − 1) / (n − 1), ties sharing
    /// their mean rank. The default: one very large issue does not flatten the rest.
    #[default]
    Rank,
    /// Linear between the smallest and largest value: 1 + 4 × (v − min) / (max − min).
    Linear,
}

/// A score given by hand, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManualScore {
    /// The score, 1 to 5.
    pub score: u8,
    /// Why: the evidence or judgement behind it (required, never empty).
    pub justification: String,
    /// The line of the file the score is on.
    pub line: usize,
}

/// A candidate issue and what its scores come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// A slug, unique in the matrix.
    pub id: String,
    /// A human title.
    pub title: String,
    /// The plan priority (or cross-cutting theme) id it maps to, if any.
    pub priority: Option<String>,
    /// The area selector its crime types are counted in; `None` means the matrix's `area`.
    pub area: Option<String>,
    /// police.uk crime types whose counts give harm, volume and trend.
    pub crime_types: Vec<String>,
    /// The survey top-issue option whose share gives public concern.
    pub survey_option: Option<String>,
    /// Scores given by hand; they take the place of evidence for their criterion.
    pub manual: BTreeMap<Criterion, ManualScore>,
    /// The line the issue starts on.
    pub line: usize,
}

impl Issue {
    /// Whether this issue has evidence bindings for `criterion` (manual scores aside).
    pub fn binds(&self, criterion: Criterion) -> bool {
        match criterion {
            Criterion::Harm | Criterion::Volume | Criterion::Trend => !self.crime_types.is_empty(),
            Criterion::PublicConcern => self.survey_option.is_some(),
            Criterion::Vulnerability | Criterion::PartnershipCapacity => false,
        }
    }
}

/// A parsed, validated matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// A slug naming the matrix.
    pub id: String,
    /// A human title.
    pub title: String,
    /// The plan id the issues' `priority` values belong to, if any.
    pub plan: Option<String>,
    /// The default area selector for crime-type evidence, such as `district:Maidstone`.
    pub area: Option<String>,
    /// How evidence becomes scores.
    pub scale: Scale,
    /// Each criterion's weight (≥ 0; all six present; summing to a positive number).
    pub weights: BTreeMap<Criterion, f64>,
    /// The candidate issues, in file order.
    pub issues: Vec<Issue>,
}

impl Matrix {
    /// The area selector an issue's crime types are counted in.
    pub fn area_of<'a>(&'a self, issue: &'a Issue) -> Option<&'a str> {
        issue.area.as_deref().or(self.area.as_deref())
    }
}

/// A problem in a matrix file, located at a line and column (both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixError {
    /// The line the problem is on.
    pub line: usize,
    /// The column the problem starts at.
    pub column: usize,
    /// The dotted path of the field, such as `issues.manual.harm`; empty when unknown.
    pub field: String,
    /// What is wrong, in lowercase and without a trailing full stop.
    pub message: String,
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Parses and validates a matrix file. On failure returns every problem found, in file order.
pub fn parse_matrix(source: &str) -> Result<Matrix, Vec<MatrixError>> {
    let doc = match ImDocument::parse(source) {
        Ok(doc) => doc,
        Err(err) => {
            let message = err.message().lines().next().unwrap_or_default().trim_end_matches('.');
            let mut reader = Reader { source, errors: Vec::new() };
            reader.error(err.span(), "", message.to_string());
            return Err(reader.errors);
        }
    };
    let mut reader = Reader { source, errors: Vec::new() };
    let matrix = reader.matrix(doc.as_table());
    if reader.errors.is_empty() {
        Ok(matrix)
    } else {
        reader.errors.sort_by_key(|e| (e.line, e.column));
        Err(reader.errors)
    }
}

/// Walks the document, collecting located errors.
struct Reader<'s> {
    source: &'s str,
    errors: Vec<MatrixError>,
}

/// The span of `key`'s key in `table` (the key's line reads best), else of its value.
fn key_span(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    let (k, item) = table.get_key_value(key)?;
    k.span().or_else(|| item.span())
}

impl Reader<'_> {
    fn error(&mut self, span: Option<Range<usize>>, field: &str, message: String) {
        let (line, column) = line_column(self.source, span.map_or(0, |s| s.start));
        self.errors.push(MatrixError { line, column, field: field.to_string(), message });
    }

    fn line_of(&self, span: Option<Range<usize>>) -> usize {
        line_column(self.source, span.map_or(0, |s| s.start)).0
    }

    /// Reports every key of `table` not in `allowed`.
    fn only_keys(&mut self, table: &dyn TableLike, field: &str, allowed: &[&str]) {
        let unknown: Vec<String> = table
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| !allowed.contains(&k.as_str()))
            .collect();
        for key in unknown {
            let path = if field.is_empty() { key.clone() } else { format!("{field}.{key}") };
            self.error(
                key_span(table, &key),
                &path,
                format!("unknown key `{key}`; expected one of: {}", allowed.join(", ")),
            );
        }
    }

    /// A required or optional string; an empty string is an error.
    fn string(
        &mut self,
        table: &dyn TableLike,
        field: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        let path = format!("{field}.{key}").trim_start_matches('.').to_string();
        match table.get(key) {
            None => {
                if required {
                    let span = table_span(table);
                    self.error(span, &path, format!("missing `{key}`"));
                }
                None
            }
            Some(item) => match item.as_str() {
                Some(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
                Some(_) => {
                    self.error(item.span(), &path, format!("`{key}` is empty"));
                    None
                }
                None => {
                    self.error(item.span(), &path, format!("`{key}` must be a string"));
                    None
                }
            },
        }
    }

    fn matrix(&mut self, root: &toml_edit::Table) -> Matrix {
        self.only_keys(root, "", &["format", "matrix", "weights", "issues"]);
        match root.get("format") {
            None => self.error(
                None,
                "format",
                format!("missing `format = {MATRIX_FORMAT}` at the top of the file"),
            ),
            Some(item) if item.as_integer() != Some(MATRIX_FORMAT) => self.error(
                item.span(),
                "format",
                format!(
                    "unsupported matrix format; this version of Safer reads format {MATRIX_FORMAT}"
                ),
            ),
            Some(_) => {}
        }

        let mut matrix = Matrix {
            id: String::new(),
            title: String::new(),
            plan: None,
            area: None,
            scale: Scale::Rank,
            weights: BTreeMap::new(),
            issues: Vec::new(),
        };
        match root.get("matrix").map(|item| (item, item.as_table_like())) {
            None => self.error(None, "matrix", "missing the [matrix] table".to_string()),
            Some((item, None)) => {
                self.error(item.span(), "matrix", "`matrix` must be a table".to_string())
            }
            Some((_, Some(table))) => {
                self.only_keys(table, "matrix", &["id", "title", "plan", "area", "scale"]);
                if let Some(id) = self.string(table, "matrix", "id", true) {
                    if !is_slug(&id) {
                        self.error(
                            table.get("id").and_then(Item::span),
                            "matrix.id",
                            format!("`{id}` is not a slug (lowercase letters, digits, hyphens)"),
                        );
                    }
                    matrix.id = id;
                }
                matrix.title = self.string(table, "matrix", "title", true).unwrap_or_default();
                matrix.plan = self.string(table, "matrix", "plan", false);
                matrix.area = self.string(table, "matrix", "area", false);
                match self.string(table, "matrix", "scale", false).as_deref() {
                    None | Some("rank") => {}
                    Some("linear") => matrix.scale = Scale::Linear,
                    Some(other) => self.error(
                        table.get("scale").and_then(Item::span),
                        "matrix.scale",
                        format!("unknown scale `{other}`; expected `rank` or `linear`"),
                    ),
                }
            }
        }
        matrix.weights = self.weights(root);
        matrix.issues = self.issues(root, &matrix);
        matrix
    }

    fn weights(&mut self, root: &toml_edit::Table) -> BTreeMap<Criterion, f64> {
        let mut weights = BTreeMap::new();
        let Some(item) = root.get("weights") else {
            self.error(None, "weights", "missing the [weights] table".to_string());
            return weights;
        };
        let Some(table) = item.as_table_like() else {
            self.error(item.span(), "weights", "`weights` must be a table".to_string());
            return weights;
        };
        for (key, value) in table.iter() {
            let path = format!("weights.{key}");
            let Some(criterion) = Criterion::from_name(key) else {
                self.error(key_span(table, key), &path, unknown_criterion(key));
                continue;
            };
            let number = value.as_integer().map(|i| i as f64).or_else(|| value.as_float());
            match number {
                Some(w) if w.is_finite() && w >= 0.0 => {
                    weights.insert(criterion, w);
                }
                Some(_) => self.error(
                    value.span(),
                    &path,
                    format!("the weight of {key} must be a finite number ≥ 0"),
                ),
                None => {
                    self.error(value.span(), &path, format!("the weight of {key} must be a number"))
                }
            }
        }
        let n_errors = self.errors.len();
        let header = item.span().or_else(|| table_span(table));
        for criterion in Criterion::ALL {
            if !weights.contains_key(&criterion) && table.get(criterion.name()).is_none() {
                self.error(
                    header.clone(),
                    "weights",
                    format!("missing the weight of {criterion} (give 0 to leave it out)"),
                );
            }
        }
        let sum: f64 = weights.values().sum();
        if self.errors.len() == n_errors && sum <= 0.0 {
            self.error(
                header,
                "weights",
                format!("the weights sum to {sum}; they must sum to a positive number"),
            );
        }
        weights
    }

    fn issues(&mut self, root: &toml_edit::Table, matrix: &Matrix) -> Vec<Issue> {
        let mut issues: Vec<Issue> = Vec::new();
        let Some(item) = root.get("issues") else {
            self.error(None, "issues", "no candidate issues: add [[issues]] tables".to_string());
            return issues;
        };
        let Some(tables) = item.as_array_of_tables() else {
            self.error(item.span(), "issues", "`issues` must be [[issues]] tables".to_string());
            return issues;
        };
        let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
        for table in tables.iter() {
            let line = self.line_of(table.span());
            self.only_keys(
                table,
                "issues",
                &["id", "title", "priority", "area", "crime_types", "survey_option", "manual"],
            );
            let id = self.string(table, "issues", "id", true).unwrap_or_default();
            if !id.is_empty() {
                let span = table.get("id").and_then(Item::span);
                if !is_slug(&id) {
                    self.error(
                        span.clone(),
                        "issues.id",
                        format!("`{id}` is not a slug (lowercase letters, digits, hyphens)"),
                    );
                }
                if let Some(first) = first_line.get(&id) {
                    self.error(
                        span,
                        "issues.id",
                        format!("duplicate issue id `{id}` (first used on line {first})"),
                    );
                } else {
                    first_line.insert(id.clone(), line);
                }
            }
            let title = self.string(table, "issues", "title", true).unwrap_or_default();
            let priority = self.string(table, "issues", "priority", false);
            if let Some(priority) = &priority {
                if !is_slug(priority) {
                    self.error(
                        table.get("priority").and_then(Item::span),
                        "issues.priority",
                        format!("`{priority}` is not a plan priority id (a slug)"),
                    );
                }
            }
            let area = self.string(table, "issues", "area", false);
            let crime_types = self.crime_types(table);
            let survey_option = self.string(table, "issues", "survey_option", false);
            let manual = self.manual(table);
            let issue =
                Issue { id, title, priority, area, crime_types, survey_option, manual, line };
            if !issue.crime_types.is_empty() && matrix.area_of(&issue).is_none() {
                self.error(
                    table.get("crime_types").and_then(Item::span),
                    "issues.crime_types",
                    format!(
                        "issue `{}` binds crime types but no area: set `area` here or in [matrix]",
                        issue.id
                    ),
                );
            }
            for criterion in Criterion::ALL {
                let weighted = matrix.weights.get(&criterion).is_some_and(|&w| w > 0.0);
                // A manual entry with its own error is not reported twice.
                let mentioned = table
                    .get("manual")
                    .and_then(Item::as_table_like)
                    .is_some_and(|m| m.contains_key(criterion.name()));
                // A binding with its own error is not reported twice either.
                let key = match criterion {
                    Criterion::Harm | Criterion::Volume | Criterion::Trend => "crime_types",
                    Criterion::PublicConcern => "survey_option",
                    _ => "",
                };
                let bound = issue.binds(criterion) || (!key.is_empty() && table.contains_key(key));
                if weighted && !bound && !mentioned {
                    let how = match criterion {
                        Criterion::Harm | Criterion::Volume | Criterion::Trend => {
                            "bind `crime_types` or give [issues.manual."
                        }
                        Criterion::PublicConcern => "bind `survey_option` or give [issues.manual.",
                        _ => "give [issues.manual.",
                    };
                    self.error(
                        table.span(),
                        "issues",
                        format!(
                            "issue `{}` has no score for {criterion}: {how}{criterion}] with \
                             `score` and `justification`",
                            issue.id
                        ),
                    );
                }
            }
            issues.push(issue);
        }
        issues
    }

    fn crime_types(&mut self, table: &dyn TableLike) -> Vec<String> {
        let Some(item) = table.get("crime_types") else { return Vec::new() };
        let Some(array) = item.as_array() else {
            self.error(
                item.span(),
                "issues.crime_types",
                "`crime_types` must be an array of police.uk crime types".to_string(),
            );
            return Vec::new();
        };
        let mut crime_types: Vec<String> = Vec::new();
        for value in array.iter() {
            match value.as_str() {
                Some(text) if CRIME_TYPES.contains(&text) => {
                    if crime_types.iter().any(|c| c == text) {
                        self.error(
                            value.span(),
                            "issues.crime_types",
                            format!("`{text}` is listed twice"),
                        );
                    } else {
                        crime_types.push(text.to_string());
                    }
                }
                Some(text) => {
                    let hint = CRIME_TYPES
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(text.trim()))
                        .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                    self.error(
                        value.span(),
                        "issues.crime_types",
                        format!("`{text}` is not a police.uk crime type{hint}"),
                    );
                }
                None => self.error(
                    value.span(),
                    "issues.crime_types",
                    "each crime type must be a string".to_string(),
                ),
            }
        }
        if array.is_empty() {
            self.error(
                item.span(),
                "issues.crime_types",
                "`crime_types` is empty; leave it out instead".to_string(),
            );
        }
        crime_types
    }

    fn manual(&mut self, table: &dyn TableLike) -> BTreeMap<Criterion, ManualScore> {
        let mut manual = BTreeMap::new();
        let Some(item) = table.get("manual") else { return manual };
        let Some(criteria) = item.as_table_like() else {
            self.error(item.span(), "issues.manual", "`manual` must be a table".to_string());
            return manual;
        };
        for (key, value) in criteria.iter() {
            let path = format!("issues.manual.{key}");
            let span = key_span(criteria, key);
            let Some(criterion) = Criterion::from_name(key) else {
                self.error(span, &path, unknown_criterion(key));
                continue;
            };
            let Some(entry) = value.as_table_like() else {
                self.error(
                    span,
                    &path,
                    "a manual score is a table with `score` and `justification`".to_string(),
                );
                continue;
            };
            self.only_keys(entry, &path, &["score", "justification"]);
            let score = match entry.get("score") {
                None => {
                    self.error(span.clone(), &path, format!("manual {key} has no `score`"));
                    None
                }
                Some(s) => match s.as_integer() {
                    Some(n @ 1..=5) => Some(n as u8),
                    _ => {
                        self.error(
                            s.span(),
                            &format!("{path}.score"),
                            format!(
                                "the score must be a whole number from 1 to 5, not {}",
                                s.to_string().trim()
                            ),
                        );
                        None
                    }
                },
            };
            let justification = match entry.get("justification") {
                Some(j) => match j.as_str().map(str::trim) {
                    Some(text) if !text.is_empty() => Some(text.to_string()),
                    _ => {
                        self.error(
                            j.span(),
                            &format!("{path}.justification"),
                            "the justification must be non-empty text".to_string(),
                        );
                        None
                    }
                },
                None => {
                    self.error(
                        span.clone(),
                        &path,
                        format!(
                            "manual {key} score has no `justification`: say what evidence or \
                             judgement it rests on"
                        ),
                    );
                    None
                }
            };
            if let (Some(score), Some(justification)) = (score, justification) {
                let line = self.line_of(span);
                manual.insert(criterion, ManualScore { score, justification, line });
            }
        }
        manual
    }
}

/// The span of a table's header, or of its first entry for an inline or implicit table.
fn table_span(table: &dyn TableLike) -> Option<Range<usize>> {
    table.iter().find_map(|(key, _)| key_span(table, key))
}

fn unknown_criterion(key: &str) -> String {
    let names: Vec<&str> = Criterion::ALL.iter().map(|c| c.name()).collect();
    format!("unknown criterion `{key}`; the criteria are {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"format = 1

[matrix]
id = "test"
title = "Test matrix"
area = "district:Test"

[weights]
harm = 3
volume = 2
trend = 1
public_concern = 2
vulnerability = 2
partnership_capacity = 1

[[issues]]
id = "violence"
title = "Violence"
crime_types = ["Violence and sexual offences"]
survey_option = "violence"

  [issues.manual.vulnerability]
  score = 4
  justification = "Most victims are known to the offender."

  [issues.manual.partnership_capacity]
  score = 3
  justification = "A sub-group exists."
"#;

    fn errors(source: &str) -> Vec<String> {
        parse_matrix(source).unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn minimal_matrix_parses() {
        let matrix = parse_matrix(MINIMAL).unwrap();
        assert_eq!(matrix.id, "test");
        assert_eq!(matrix.weights.len(), 6);
        assert_eq!(matrix.weights[&Criterion::Harm], 3.0);
        let issue = &matrix.issues[0];
        assert_eq!(issue.line, 16);
        assert_eq!(issue.crime_types, ["Violence and sexual offences"]);
        assert_eq!(issue.manual[&Criterion::Vulnerability].score, 4);
        assert_eq!(issue.manual[&Criterion::Vulnerability].line, 22);
        assert_eq!(matrix.area_of(issue), Some("district:Test"));
    }

    #[test]
    fn unknown_criterion_in_weights_names_the_line() {
        let broken = MINIMAL.replace("trend = 1\n", "trend = 1\nfear = 2\n");
        assert_eq!(
            errors(&broken),
            ["line 12, column 1: weights.fear: unknown criterion `fear`; the criteria are harm, \
              volume, trend, public_concern, vulnerability, partnership_capacity"]
        );
    }

    #[test]
    fn unknown_criterion_in_manual_names_the_line() {
        let broken =
            MINIMAL.replace("[issues.manual.vulnerability]", "[issues.manual.vulnerabilty]");
        let errors = errors(&broken);
        assert!(
            errors[0].starts_with(
                "line 16, column 1: issues: issue `violence` has no score for vulnerability"
            ),
            "{errors:?}"
        );
        assert!(
            errors[1]
                .starts_with("line 22, column 18: issues.manual.vulnerabilty: unknown criterion"),
            "{errors:?}"
        );
    }

    #[test]
    fn weights_must_sum_to_a_positive_number() {
        let zero = MINIMAL
            .replace("harm = 3", "harm = 0")
            .replace("volume = 2", "volume = 0")
            .replace("trend = 1", "trend = 0")
            .replace("public_concern = 2", "public_concern = 0")
            .replace("vulnerability = 2", "vulnerability = 0")
            .replace("partnership_capacity = 1", "partnership_capacity = 0");
        assert_eq!(
            errors(&zero),
            ["line 8, column 1: weights: the weights sum to 0; they must sum to a positive number"]
        );
        let negative = MINIMAL.replace("trend = 1", "trend = -1");
        assert_eq!(
            errors(&negative),
            ["line 11, column 9: weights.trend: the weight of trend must be a finite number ≥ 0"]
        );
        let missing = MINIMAL.replace("trend = 1\n", "");
        assert_eq!(
            errors(&missing),
            ["line 8, column 1: weights: missing the weight of trend (give 0 to leave it out)"]
        );
    }

    #[test]
    fn manual_scores_need_a_justification_and_a_score_from_1_to_5() {
        let no_reason = MINIMAL.replace("  justification = \"A sub-group exists.\"\n", "");
        assert_eq!(
            errors(&no_reason),
            ["line 26, column 18: issues.manual.partnership_capacity: manual partnership_capacity \
              score has no `justification`: say what evidence or judgement it rests on"]
        );
        let too_high = MINIMAL.replace("score = 4", "score = 6");
        assert_eq!(
            errors(&too_high),
            ["line 23, column 11: issues.manual.vulnerability.score: the score must be a whole \
              number from 1 to 5, not 6"]
        );
    }

    #[test]
    fn duplicate_ids_and_bad_crime_types_name_their_lines() {
        let twice = format!("{MINIMAL}\n{}", &MINIMAL[MINIMAL.find("[[issues]]").unwrap()..]);
        let errors_twice = errors(&twice);
        assert_eq!(
            errors_twice,
            ["line 31, column 6: issues.id: duplicate issue id `violence` (first used on line 16)"]
        );
        let typo =
            MINIMAL.replace("\"Violence and sexual offences\"", "\"violence and sexual offences\"");
        assert_eq!(
            errors(&typo),
            ["line 19, column 16: issues.crime_types: `violence and sexual offences` is not a \
              police.uk crime type (did you mean `Violence and sexual offences`?)"]
        );
    }

    #[test]
    fn syntax_errors_and_unknown_keys_are_located() {
        let broken = MINIMAL.replace("title = \"Violence\"", "title = Violence");
        assert!(errors(&broken)[0].starts_with("line 18, column 9: "), "{:?}", errors(&broken));
        let extra = MINIMAL.replace("title = \"Violence\"", "title = \"Violence\"\nweight = 2");
        assert_eq!(
            errors(&extra),
            ["line 19, column 1: issues.weight: unknown key `weight`; expected one of: id, title, \
              priority, area, crime_types, survey_option, manual"]
        );
    }
}
