//! Resident and youth surveys: the definition format and the shape of imported responses.
//!
//! A survey definition is a TOML file (documented in `docs/survey-format.md`) naming the
//! questions, their answer options, which answers count as positive ("agree", "safe"), the
//! sub-group variables (ethnicity, age band, school year, ward) with the groups compared, an
//! optional weight column and the smallest base reported (`min_base`, 50 by default).
//! [`parse_definition`] reads it in three steps, as [`crate::plan::parse_plan`] does: TOML
//! syntax, then shape (serde with `deny_unknown_fields`), then the rules; every problem is
//! located at a line and column with `toml_edit` spans.
//!
//! Responses ([`SurveyResponses`]) hold answers as option indexes into the definition, so the
//! analysis never compares strings; `safer_import::survey` builds them from a CSV.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use toml_edit::ImDocument;

use crate::slug::is_slug;
use crate::toml_spans::{line_column, span_of, Seg};

/// The survey format this version of Safer reads (`format = 1` at the top of the file).
pub const SURVEY_FORMAT: u32 = 1;

/// The default smallest base (unweighted respondents) for which a figure is published.
pub const DEFAULT_MIN_BASE: u32 = 50;

/// A survey definition: what was asked and how answers are counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    /// The format version; always [`SURVEY_FORMAT`] once parsed.
    pub format: u32,
    /// What the survey is.
    pub survey: SurveyInfo,
    /// The questions, in the order reports show them.
    #[serde(default)]
    pub questions: Vec<Question>,
    /// Sub-group variables (columns describing the respondent, not answers).
    #[serde(default)]
    pub variables: Vec<Variable>,
}

/// The `[survey]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyInfo {
    /// A slug such as `public-2021`.
    pub id: String,
    /// The survey's title.
    pub title: String,
    /// The year of fieldwork.
    pub year: i32,
    /// Who was asked and how, in a sentence or two.
    #[serde(default)]
    pub description: Option<String>,
    /// The column of the responses file holding each respondent's weight; unweighted if absent.
    #[serde(default)]
    pub weight_column: Option<String>,
    /// The smallest unweighted base for which a figure is published; smaller bases are
    /// reported as suppressed.
    #[serde(default = "default_min_base")]
    pub min_base: u32,
}

fn default_min_base() -> u32 {
    DEFAULT_MIN_BASE
}

/// Whether a question takes one answer or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// One option.
    Single,
    /// Up to `max_choices` options, written `a;b;c` in the responses file.
    Multi,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// A slug, also the column name in the responses file.
    pub id: String,
    /// The question as asked.
    pub text: String,
    /// Single or multiple choice.
    pub kind: QuestionKind,
    /// For multiple choice, the most options a respondent may choose (all when absent).
    #[serde(default)]
    pub max_choices: Option<u32>,
    /// The answer options.
    pub options: Vec<AnswerOption>,
    /// The option ids counted as positive (agree, safe, yes). Required for single-choice
    /// questions; for multiple choice, a respondent is positive when choosing any of them.
    #[serde(default)]
    pub positive: Vec<String>,
    /// How the positive share reads, such as "feel safe" or "think crime has increased".
    #[serde(default)]
    pub positive_label: Option<String>,
    /// The id of the same question in the previous survey, for year-on-year comparison. When
    /// absent a question with the same id is matched.
    #[serde(default)]
    pub matches: Option<String>,
    /// Whether the responses file must have a column for this question (default true).
    #[serde(default = "default_true")]
    pub required: bool,
}

fn default_true() -> bool {
    true
}

/// An answer option: a short id (what the responses file holds) and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// The code written in the responses file; a slug.
    pub id: String,
    /// The option as shown to respondents.
    pub label: String,
}

/// A sub-group variable such as ethnicity or school year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// A slug, also the column name in the responses file.
    pub id: String,
    /// What the variable is, such as "Ethnic group".
    pub label: String,
    /// The values the column may hold.
    pub options: Vec<AnswerOption>,
    /// Groups of options compared in the analysis: the first group against each later one
    /// (such as "minority ethnic" against "white"). Options in no group are left out of the
    /// comparisons.
    #[serde(default)]
    pub groups: Vec<VariableGroup>,
}

/// A named group of a variable's options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableGroup {
    /// A slug.
    pub id: String,
    /// How reports name the group, such as "Minority ethnic".
    pub label: String,
    /// The variable's option ids that belong to the group.
    pub options: Vec<String>,
}

impl SurveyDefinition {
    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The index of the question with this id.
    pub fn question_index(&self, id: &str) -> Option<usize> {
        self.questions.iter().position(|q| q.id == id)
    }

    /// The definition of last year's responses file as this one implies it: each question
    /// under its `matches` id (its own id when absent) with the same options, none required.
    /// Used when last year's own definition is not at hand.
    pub fn previous_form(&self) -> SurveyDefinition {
        let mut previous = self.clone();
        previous.survey.id = format!("{}-previous", self.survey.id);
        for question in &mut previous.questions {
            if let Some(matches) = question.matches.take() {
                question.id = matches;
            }
            question.required = false;
        }
        previous
    }

    /// Responses as the CSV `safer survey analyse` and `safer survey import` read: a header of
    /// the variable ids, the question ids and the definition's weight column (if it has one),
    /// then one row per response (question or variable id → the option ids chosen) with
    /// multiple-choice answers joined by `;` and weight 1. Used by the online surveys' export,
    /// from the command line and from the staff page alike.
    pub fn responses_csv<'a>(
        &self,
        responses: impl IntoIterator<Item = &'a BTreeMap<String, Vec<String>>>,
    ) -> String {
        let mut columns: Vec<&str> = self.variables.iter().map(|v| v.id.as_str()).collect();
        columns.extend(self.questions.iter().map(|q| q.id.as_str()));
        let weight = self.survey.weight_column.as_deref();
        let mut header: Vec<String> = columns.iter().map(|c| csv_cell(c)).collect();
        header.extend(weight.map(csv_cell));
        let mut csv = header.join(",");
        csv.push('\n');
        for answers in responses {
            let mut row: Vec<String> = columns
                .iter()
                .map(|column| {
                    csv_cell(&answers.get(*column).map(|a| a.join(";")).unwrap_or_default())
                })
                .collect();
            if weight.is_some() {
                row.push("1".to_string());
            }
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        csv
    }
}

/// One CSV cell: quoted when it holds a comma, a quote or a line break.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

impl Question {
    /// The index of the option with this id.
    pub fn option_index(&self, id: &str) -> Option<usize> {
        self.options.iter().position(|o| o.id == id)
    }

    /// Whether option `idx` counts as positive.
    pub fn is_positive(&self, idx: usize) -> bool {
        self.options.get(idx).is_some_and(|o| self.positive.contains(&o.id))
    }

    /// The most options one respondent may choose: 1 for single choice.
    pub fn choice_limit(&self) -> usize {
        match self.kind {
            QuestionKind::Single => 1,
            QuestionKind::Multi => {
                self.max_choices.map_or(self.options.len(), |m| m as usize).min(self.options.len())
            }
        }
    }
}

impl Variable {
    /// The index of the option with this id.
    pub fn option_index(&self, id: &str) -> Option<usize> {
        self.options.iter().position(|o| o.id == id)
    }

    /// Whether option `idx` belongs to `group`.
    pub fn in_group(&self, group: &VariableGroup, idx: usize) -> bool {
        self.options.get(idx).is_some_and(|o| group.options.contains(&o.id))
    }
}

/// Imported responses: one [`Respondent`] per data row of the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurveyResponses {
    /// The respondents, in file order.
    pub respondents: Vec<Respondent>,
    /// Which questions had a column in the file (by question index); a question without one
    /// has no answers rather than blank ones.
    pub asked: Vec<bool>,
}

/// One respondent's answers, as option indexes into the definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Respondent {
    /// The line of the responses file the row started on.
    pub line: usize,
    /// Per question (definition order): the chosen option indexes; empty for no answer.
    pub answers: Vec<Vec<u16>>,
    /// Per variable (definition order): the option index, or `None` when blank.
    pub variables: Vec<Option<u16>>,
    /// The respondent's weight: 1 when the survey is unweighted; always finite and > 0.
    pub weight: f64,
}

/// A problem in a survey definition, located at a line and column (both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    /// The line the problem is on.
    pub line: usize,
    /// The column the problem starts at.
    pub column: usize,
    /// The dotted path of the field, such as `questions.positive`; empty when unknown.
    pub field: String,
    /// What is wrong, in lowercase and without a trailing full stop.
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Parses and validates a survey definition. On failure returns every problem found, in file
/// order.
pub fn parse_definition(source: &str) -> Result<SurveyDefinition, Vec<DefinitionError>> {
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
                format!("missing `format = {SURVEY_FORMAT}` at the top of the file"),
            )])
        }
        Some(item) if item.as_integer() != Some(i64::from(SURVEY_FORMAT)) => {
            let at = item.span().map_or(0, |s| s.start);
            return Err(vec![error_at(
                source,
                at,
                "format",
                format!(
                    "unsupported survey format; this version of Safer reads format {SURVEY_FORMAT}"
                ),
            )]);
        }
        Some(_) => {}
    }
    let definition: SurveyDefinition = match toml::from_str(source) {
        Ok(definition) => definition,
        Err(err) => {
            let at = err.span().map_or(0, |span| span.start);
            return Err(vec![error_at(source, at, "", first_line(err.message()))]);
        }
    };
    let problems = validate(&definition);
    if problems.is_empty() {
        return Ok(definition);
    }
    let mut errors: Vec<DefinitionError> = problems
        .iter()
        .map(|problem| {
            let at = span_of(&doc, &problem.path).map_or(0, |span| span.start);
            error_at(source, at, &dotted(&problem.path), problem.message.clone())
        })
        .collect();
    errors.sort_by_key(|e| (e.line, e.column));
    Err(errors)
}

/// A broken rule, located by path; parsing turns the path into a line.
#[derive(Debug)]
struct Problem {
    path: Vec<Seg>,
    message: String,
}

fn validate(definition: &SurveyDefinition) -> Vec<Problem> {
    use Seg::{Index, Key};
    let mut problems = Vec::new();
    let mut problem = |path: Vec<Seg>, message: String| problems.push(Problem { path, message });

    let info = &definition.survey;
    if !is_slug(&info.id) {
        problem(vec![Key("survey"), Key("id")], format!("`{}` is not a slug", info.id));
    }
    if info.min_base == 0 {
        problem(vec![Key("survey"), Key("min_base")], "min_base must be at least 1".into());
    }
    if definition.questions.is_empty() {
        problem(vec![Key("questions")], "a survey needs at least one [[questions]]".into());
    }

    // Column names: question ids, variable ids and the weight column share one namespace.
    let mut columns: HashSet<&str> = HashSet::new();
    for (q_idx, question) in definition.questions.iter().enumerate() {
        let at = |field: &'static str| vec![Key("questions"), Index(q_idx), Key(field)];
        if !is_slug(&question.id) {
            problem(at("id"), format!("question id `{}` is not a slug", question.id));
        }
        if !columns.insert(&question.id) {
            problem(at("id"), format!("duplicate question id `{}`", question.id));
        }
        if question.options.is_empty() {
            problem(at("options"), format!("question `{}` has no options", question.id));
        }
        check_options(&question.options, &mut problem, &|o_idx| {
            vec![Key("questions"), Index(q_idx), Key("options"), Index(o_idx), Key("id")]
        });
        for (p_idx, positive) in question.positive.iter().enumerate() {
            if question.option_index(positive).is_none() {
                problem(
                    vec![Key("questions"), Index(q_idx), Key("positive"), Index(p_idx)],
                    format!(
                        "question `{}` counts unknown option `{positive}` as positive",
                        question.id
                    ),
                );
            }
        }
        match question.kind {
            QuestionKind::Single => {
                if question.positive.is_empty() {
                    problem(
                        at("kind"),
                        format!(
                            "single-choice question `{}` needs `positive`: the options that \
                             count as agree or safe",
                            question.id
                        ),
                    );
                }
                if question.max_choices.is_some() {
                    problem(
                        at("max_choices"),
                        format!("max_choices is only for multi questions (`{}`)", question.id),
                    );
                }
            }
            QuestionKind::Multi => {
                if let Some(max) = question.max_choices {
                    if max == 0 || max as usize > question.options.len() {
                        problem(
                            at("max_choices"),
                            format!(
                                "max_choices of `{}` must be between 1 and its {} options",
                                question.id,
                                question.options.len()
                            ),
                        );
                    }
                }
            }
        }
        if let Some(matches) = &question.matches {
            if !is_slug(matches) {
                problem(at("matches"), format!("`{matches}` is not a question id"));
            }
        }
    }
    if let Some(weight) = &info.weight_column {
        if weight.trim().is_empty() || !columns.insert(weight) {
            problem(
                vec![Key("survey"), Key("weight_column")],
                format!("weight column `{weight}` is empty or clashes with a question id"),
            );
        }
    }
    for (v_idx, variable) in definition.variables.iter().enumerate() {
        let at = |field: &'static str| vec![Key("variables"), Index(v_idx), Key(field)];
        if !is_slug(&variable.id) {
            problem(at("id"), format!("variable id `{}` is not a slug", variable.id));
        }
        if !columns.insert(&variable.id) {
            problem(at("id"), format!("variable id `{}` is already a column", variable.id));
        }
        if variable.options.is_empty() {
            problem(at("options"), format!("variable `{}` has no options", variable.id));
        }
        check_options(&variable.options, &mut problem, &|o_idx| {
            vec![Key("variables"), Index(v_idx), Key("options"), Index(o_idx), Key("id")]
        });
        if variable.groups.len() == 1 {
            problem(
                at("groups"),
                format!(
                    "variable `{}` has one group; groups are compared, so give two or more",
                    variable.id
                ),
            );
        }
        let mut group_ids = HashSet::new();
        let mut grouped = HashSet::new();
        for (g_idx, group) in variable.groups.iter().enumerate() {
            let g_at = |field: &'static str| {
                vec![Key("variables"), Index(v_idx), Key("groups"), Index(g_idx), Key(field)]
            };
            if !is_slug(&group.id) || !group_ids.insert(&group.id) {
                problem(g_at("id"), format!("group id `{}` is not a unique slug", group.id));
            }
            if group.options.is_empty() {
                problem(g_at("options"), format!("group `{}` has no options", group.id));
            }
            for (o_idx, option) in group.options.iter().enumerate() {
                let path = vec![
                    Key("variables"),
                    Index(v_idx),
                    Key("groups"),
                    Index(g_idx),
                    Key("options"),
                    Index(o_idx),
                ];
                if variable.option_index(option).is_none() {
                    problem(
                        path,
                        format!(
                            "group `{}` names unknown option `{option}` of `{}`",
                            group.id, variable.id
                        ),
                    );
                } else if !grouped.insert(option) {
                    problem(
                        path,
                        format!("option `{option}` is in two groups of `{}`", variable.id),
                    );
                }
            }
        }
    }
    problems
}

fn check_options(
    options: &[AnswerOption],
    problem: &mut impl FnMut(Vec<Seg>, String),
    path: &dyn Fn(usize) -> Vec<Seg>,
) {
    let mut seen = HashSet::new();
    for (o_idx, option) in options.iter().enumerate() {
        if !is_slug(&option.id) {
            problem(path(o_idx), format!("option id `{}` is not a slug", option.id));
        } else if !seen.insert(&option.id) {
            problem(path(o_idx), format!("duplicate option id `{}`", option.id));
        }
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim_end_matches('.').to_string()
}

fn dotted(path: &[Seg]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|seg| match seg {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        })
        .collect();
    keys.join(".")
}

fn error_at(
    source: &str,
    offset: usize,
    field: &str,
    message: impl Into<String>,
) -> DefinitionError {
    let (line, column) = line_column(source, offset);
    DefinitionError { line, column, field: field.to_string(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"format = 1

[survey]
id = "test-2021"
title = "Test survey"
year = 2021
weight_column = "weight"

[[questions]]
id = "safe-day"
text = "How safe do you feel in the day?"
kind = "single"
options = [
  { id = "very-safe", label = "Very safe" },
  { id = "fairly-safe", label = "Fairly safe" },
  { id = "unsafe", label = "Unsafe" },
]
positive = ["very-safe", "fairly-safe"]

[[questions]]
id = "top-issues"
text = "Top three issues"
kind = "multi"
max_choices = 3
options = [
  { id = "asb", label = "ASB" },
  { id = "drugs", label = "Drugs" },
  { id = "weapons", label = "Weapons" },
  { id = "speeding", label = "Speeding" },
]

[[variables]]
id = "ethnicity"
label = "Ethnic group"
options = [
  { id = "white", label = "White" },
  { id = "asian", label = "Asian" },
  { id = "black", label = "Black" },
]
groups = [
  { id = "minority-ethnic", label = "Minority ethnic", options = ["asian", "black"] },
  { id = "white", label = "White", options = ["white"] },
]
"#;

    fn errors(source: &str) -> Vec<String> {
        parse_definition(source).unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn minimal_definition_parses() {
        let definition = parse_definition(MINIMAL).unwrap();
        assert_eq!(definition.survey.min_base, DEFAULT_MIN_BASE);
        assert_eq!(definition.questions.len(), 2);
        let safe = &definition.questions[0];
        assert!(safe.is_positive(0) && safe.is_positive(1) && !safe.is_positive(2));
        assert_eq!(definition.questions[1].choice_limit(), 3);
        assert_eq!(safe.choice_limit(), 1);
        assert!(safe.required);
    }

    #[test]
    fn previous_form_renames_matched_questions() {
        let source = MINIMAL.replace(
            "positive = [\"very-safe\", \"fairly-safe\"]",
            "positive = [\"very-safe\", \"fairly-safe\"]\nmatches = \"safe-daytime\"",
        );
        let previous = parse_definition(&source).unwrap().previous_form();
        assert_eq!(previous.questions[0].id, "safe-daytime");
        assert_eq!(previous.questions[1].id, "top-issues");
        assert!(previous.questions.iter().all(|q| !q.required && q.matches.is_none()));
        assert_eq!(previous.survey.id, "test-2021-previous");
    }

    #[test]
    fn unknown_positive_option_names_its_line() {
        let broken = MINIMAL.replace(
            r#"positive = ["very-safe", "fairly-safe"]"#,
            r#"positive = ["very-safe", "fairy-safe"]"#,
        );
        assert_eq!(
            errors(&broken),
            ["line 18, column 26: questions.positive: question `safe-day` counts unknown option `fairy-safe` as positive"]
        );
    }

    #[test]
    fn group_with_unknown_option_and_duplicate_question() {
        let broken = MINIMAL
            .replace(r#"["asian", "black"]"#, r#"["asian", "mixed"]"#)
            .replace("id = \"top-issues\"", "id = \"safe-day\"");
        let got = errors(&broken);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].starts_with("line 21, column 1: questions.id: duplicate question id"),
            "{got:?}"
        );
        assert!(
            got[1].starts_with("line 41, column 76") && got[1].contains("unknown option `mixed`"),
            "{got:?}"
        );
    }

    #[test]
    fn single_choice_needs_positive_and_shape_errors_name_the_line() {
        let broken = MINIMAL.replace("positive = [\"very-safe\", \"fairly-safe\"]\n", "");
        assert!(errors(&broken)[0].starts_with("line 12, column 1: questions.kind: single-choice"));
        let typo = MINIMAL.replace("max_choices = 3", "max_choice = 3");
        assert!(errors(&typo)[0].starts_with("line 24, column 1: unknown field `max_choice`"));
        let wrong = MINIMAL.replace("kind = \"multi\"", "kind = \"many\"");
        assert!(errors(&wrong)[0].starts_with("line 23, "), "{:?}", errors(&wrong));
        let none = MINIMAL.replace("format = 1\n", "");
        assert!(errors(&none)[0].contains("missing `format = 1`"));
        let zero = MINIMAL.replace("year = 2021", "year = 2021\nmin_base = 0");
        assert!(errors(&zero)[0].starts_with("line 7, column 1: survey.min_base"));
    }
}
