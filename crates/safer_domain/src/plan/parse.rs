//! Reading a plan file: TOML syntax, then shape (serde), then the rules in `validate`, with every
//! error located at a line.

use std::fmt;
use toml_edit::ImDocument;

use super::validate::{validate, Problem};
use super::{Plan, PLAN_FORMAT};
use crate::toml_spans::{line_column, span_of, Seg};

/// A problem in a plan file, located at a line and column (both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// The line the problem is on.
    pub line: usize,
    /// The column the problem starts at.
    pub column: usize,
    /// The dotted path of the field, such as `priorities.objective`; empty when unknown.
    pub field: String,
    /// What is wrong, in lowercase and without a trailing full stop.
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Parses and validates a plan file. On failure returns every problem found, in file order.
pub fn parse_plan(source: &str) -> Result<Plan, Vec<PlanError>> {
    let doc = match ImDocument::parse(source) {
        Ok(doc) => doc,
        Err(err) => {
            let at = err.span().map_or(0, |span| span.start);
            return Err(vec![error_at(source, at, "", first_line(err.message()))]);
        }
    };

    // Check the format version before the shape: a future format may have different fields.
    match doc.get("format") {
        None => {
            return Err(vec![error_at(
                source,
                0,
                "format",
                format!("missing `format = {PLAN_FORMAT}` at the top of the file"),
            )])
        }
        Some(item) => {
            if item.as_integer() != Some(i64::from(PLAN_FORMAT)) {
                let at = item.span().map_or(0, |s| s.start);
                return Err(vec![error_at(
                    source,
                    at,
                    "format",
                    format!(
                        "unsupported plan format; this version of Safer reads format {PLAN_FORMAT}"
                    ),
                )]);
            }
        }
    }

    let plan: Plan = match toml::from_str(source) {
        Ok(plan) => plan,
        Err(err) => {
            let at = err.span().map_or(0, |span| span.start);
            return Err(vec![error_at(source, at, "", first_line(err.message()))]);
        }
    };

    let problems = validate(&plan);
    if problems.is_empty() {
        return Ok(plan);
    }
    let mut errors: Vec<PlanError> = problems.iter().map(|p| locate(source, &doc, p)).collect();
    errors.sort_by_key(|e| (e.line, e.column));
    Err(errors)
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim_end_matches('.').to_string()
}

fn locate(source: &str, doc: &ImDocument<&str>, problem: &Problem) -> PlanError {
    let at = span_of(doc, &problem.path).map_or(0, |span| span.start);
    let mut message = problem.message.clone();
    if let Some(first) = &problem.first {
        if let Some(span) = span_of(doc, first) {
            let (line, _) = line_column(source, span.start);
            message.push_str(&format!(" (first used on line {line})"));
        }
    }
    error_at(source, at, &dotted(&problem.path), message)
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

fn error_at(source: &str, offset: usize, field: &str, message: impl Into<String>) -> PlanError {
    let (line, column) = line_column(source, offset);
    PlanError { line, column, field: field.to_string(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::parse_plan;

    const MINIMAL: &str = r#"format = 1

[plan]
id = "test-2024-27"
title = "Test Plan"
partnership = "Safer Test Partnership"
area = "Test"
starts = 2024
ends = 2027
status = "adopted"
source = "a test"

[[priorities]]
id = "town-centre"
kind = "core"
title = "Provide a safe town centre"
focus = "A space to feel safe"
why = "Because."
objective = "Make it safe."
groups = ["task-force"]

  [[priorities.focus_points]]
  text = "work together"

  [[priorities.actions]]
  id = "form-task-force"
  text = "Form a task force."

[[groups]]
id = "task-force"
name = "Town Centre Task Force"
kind = "working-group"
status = "proposed"
"#;

    fn errors(source: &str) -> Vec<String> {
        parse_plan(source).unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn minimal_plan_parses() {
        let plan = parse_plan(MINIMAL).unwrap();
        assert_eq!(plan.plan.id, "test-2024-27");
        assert_eq!(plan.core_priorities().count(), 1);
        assert_eq!(plan.n_actions(), 1);
    }

    #[test]
    fn missing_objective_names_the_line() {
        let broken = MINIMAL.replace("objective = \"Make it safe.\"\n", "");
        assert_eq!(
            errors(&broken),
            ["line 14, column 1: priorities.id: core priority `town-centre` has no objective"]
        );
    }

    #[test]
    fn unknown_group_names_the_line() {
        let broken = MINIMAL.replace("groups = [\"task-force\"]", "groups = [\"taskforce\"]");
        assert_eq!(
            errors(&broken),
            ["line 20, column 11: priorities.groups: priority `town-centre` names unknown group `taskforce`; add it under [[groups]]"]
        );
    }

    #[test]
    fn action_naming_an_unknown_group_names_the_line() {
        let broken = MINIMAL.replace(
            "text = \"Form a task force.\"",
            "text = \"Form a task force.\"\n  group = \"tsk-force\"",
        );
        assert_eq!(
            errors(&broken),
            ["line 28, column 3: priorities.actions.group: action `form-task-force` names unknown group `tsk-force`; add it under [[groups]]"]
        );
    }

    #[test]
    fn duplicate_id_names_both_lines() {
        let broken = format!(
            "{MINIMAL}\n[[groups]]\nid = \"task-force\"\nname = \"Again\"\nkind = \"panel\"\nstatus = \"active\"\n"
        );
        assert_eq!(
            errors(&broken),
            ["line 36, column 1: groups.id: duplicate group id `task-force` (first used on line 30)"]
        );
    }

    #[test]
    fn syntax_and_shape_errors_name_the_line() {
        let typo = MINIMAL.replace("objective =", "objectve =");
        let got = errors(&typo);
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("line 19, column 1: unknown field `objectve`"), "{got:?}");

        let syntax = MINIMAL.replace("area = \"Test\"", "area = \"Test");
        let got = errors(&syntax);
        assert!(got[0].starts_with("line 7, "), "{got:?}");

        let wrong_type = MINIMAL.replace("starts = 2024", "starts = \"2024\"");
        let got = errors(&wrong_type);
        assert!(got[0].starts_with("line 8, "), "{got:?}");
    }

    #[test]
    fn format_version_checked_first() {
        let future = MINIMAL.replace("format = 1", "format = 2");
        assert_eq!(
            errors(&future),
            ["line 1, column 10: format: unsupported plan format; this version of Safer reads format 1"]
        );
        let none = MINIMAL.replace("format = 1\n", "");
        assert!(errors(&none)[0].contains("missing `format = 1`"));
    }

    #[test]
    fn several_problems_reported_in_file_order() {
        let broken = MINIMAL
            .replace("id = \"town-centre\"", "id = \"Town Centre\"")
            .replace("ends = 2027", "ends = 2020");
        let got = errors(&broken);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("line 9,"), "{got:?}");
        assert!(got[1].starts_with("line 14,"), "{got:?}");
    }
}
