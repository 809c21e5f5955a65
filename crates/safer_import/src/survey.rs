//! Survey responses: a CSV read against a [`SurveyDefinition`].
//!
//! The header names columns by question id, variable id and the definition's weight column, in
//! any order; other columns (a respondent number, free text) are ignored and listed. Each data
//! row is one respondent:
//! - a single-choice answer is one option id; a multiple-choice answer is option ids separated
//!   by `;` (at most the question's `max_choices`, none twice); a blank cell is no answer;
//! - a variable's cell is one of its option ids, or blank;
//! - the weight is a finite number greater than zero.
//!
//! A bad cell becomes a [`SurveyRowError`] naming its line and column and its row is left out, as
//! everywhere in this crate; problems with the whole file (no header, a required question's
//! column missing, a column twice) are a [`SurveyFileError`]. Splitting is the police.uk
//! splitter's (RFC 4180 quoting, `\r\n` or `\n`, blank lines skipped).

use std::fmt;

use safer_domain::survey::{Respondent, SurveyDefinition, SurveyResponses};

use crate::police_uk::split::{Problem, Splitter};
use crate::shorten;

/// A problem with a whole responses file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SurveyFileError {
    /// The file has no header line.
    #[error("empty file: expected a header naming question ids")]
    Empty,
    /// The header cannot be read (a quoting problem or text that is not UTF-8).
    #[error("line 1: the header cannot be read: {reason}")]
    BadHeader {
        /// What is wrong.
        reason: String,
    },
    /// A column the definition needs is not in the header.
    #[error("line 1: no `{column}` column: the {what} is required (header: {header})")]
    MissingColumn {
        /// The column's name.
        column: String,
        /// What the column is: "question", "variable" or "weight column".
        what: &'static str,
        /// The header as found, shortened if long.
        header: String,
    },
    /// A column name appears twice in the header.
    #[error("line 1: column `{column}` appears twice")]
    DuplicateColumn {
        /// The column's name.
        column: String,
    },
}

/// A problem with one cell (or a whole row); the row is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRowError {
    /// The 1-based physical line where the row starts (the header is line 1).
    pub line: usize,
    /// The column the problem is in, or `None` for the whole row.
    pub column: Option<String>,
    /// What is wrong, in lowercase without a trailing full stop.
    pub reason: String,
}

impl fmt::Display for SurveyRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// What a responses file yielded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurveyImport {
    /// The respondents whose rows were valid.
    pub responses: SurveyResponses,
    /// The rows left out, in file order.
    pub errors: Vec<SurveyRowError>,
    /// Header columns the definition does not name, ignored.
    pub ignored_columns: Vec<String>,
}

/// Which definition item a column feeds.
#[derive(Debug, Clone, Copy)]
enum Column {
    Question(usize),
    Variable(usize),
    Weight,
    Ignored,
}

/// Reads a responses CSV against `definition`.
pub fn parse_responses(
    definition: &SurveyDefinition,
    data: &[u8],
) -> Result<SurveyImport, SurveyFileError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut splitter = Splitter::new(data, 1);
    let Some(header) = splitter.next_record() else { return Err(SurveyFileError::Empty) };
    if let Some(problem) = header.problem {
        return Err(SurveyFileError::BadHeader { reason: quoting(problem) });
    }
    let mut names = Vec::with_capacity(header.len());
    for idx in 0..header.len() {
        let Some(name) = header.text(idx) else {
            return Err(SurveyFileError::BadHeader { reason: "not UTF-8".into() });
        };
        names.push(name.trim().to_string());
    }

    let mut columns = Vec::with_capacity(names.len());
    let mut ignored_columns = Vec::new();
    for (idx, name) in names.iter().enumerate() {
        if names[..idx].contains(name) {
            return Err(SurveyFileError::DuplicateColumn { column: name.clone() });
        }
        let column = if let Some(q_idx) = definition.question_index(name) {
            Column::Question(q_idx)
        } else if let Some(v_idx) = definition.variables.iter().position(|v| v.id == *name) {
            Column::Variable(v_idx)
        } else if definition.survey.weight_column.as_deref() == Some(name.as_str()) {
            Column::Weight
        } else {
            ignored_columns.push(name.clone());
            Column::Ignored
        };
        columns.push(column);
    }
    let header_text = || shorten(&names.join(","), 200);
    let has = |name: &str| names.iter().any(|n| n == name);
    for question in definition.questions.iter().filter(|q| q.required) {
        if !has(&question.id) {
            return Err(SurveyFileError::MissingColumn {
                column: question.id.clone(),
                what: "question",
                header: header_text(),
            });
        }
    }
    for variable in &definition.variables {
        if !has(&variable.id) {
            return Err(SurveyFileError::MissingColumn {
                column: variable.id.clone(),
                what: "variable",
                header: header_text(),
            });
        }
    }
    if let Some(weight) = &definition.survey.weight_column {
        if !has(weight) {
            return Err(SurveyFileError::MissingColumn {
                column: weight.clone(),
                what: "weight column",
                header: header_text(),
            });
        }
    }

    let asked = definition.questions.iter().map(|q| has(&q.id)).collect();
    let mut import = SurveyImport {
        responses: SurveyResponses { respondents: Vec::new(), asked },
        errors: Vec::new(),
        ignored_columns,
    };
    while let Some(record) = splitter.next_record() {
        let line = record.line;
        let row_error = |column: Option<&str>, reason: String| SurveyRowError {
            line,
            column: column.map(str::to_string),
            reason,
        };
        if let Some(problem) = record.problem {
            import.errors.push(row_error(None, quoting(problem)));
            continue;
        }
        if record.len() != columns.len() {
            import.errors.push(row_error(
                None,
                format!("{} fields, expected {} as in the header", record.len(), columns.len()),
            ));
            continue;
        }
        let mut respondent = Respondent {
            line,
            answers: vec![Vec::new(); definition.questions.len()],
            variables: vec![None; definition.variables.len()],
            weight: 1.0,
        };
        let mut row_ok = true;
        for (idx, column) in columns.iter().enumerate() {
            let name = names[idx].as_str();
            let Some(cell) = record.text(idx) else {
                import.errors.push(row_error(Some(name), "not UTF-8".into()));
                row_ok = false;
                continue;
            };
            let cell = cell.trim();
            let result = match *column {
                Column::Ignored => Ok(()),
                Column::Question(q_idx) => read_answer(definition, q_idx, cell)
                    .map(|answer| respondent.answers[q_idx] = answer),
                Column::Variable(v_idx) => {
                    read_variable(definition, v_idx, cell).map(|v| respondent.variables[v_idx] = v)
                }
                Column::Weight => read_weight(cell).map(|w| respondent.weight = w),
            };
            // Every bad cell of the row is reported, not only the first.
            if let Err(reason) = result {
                import.errors.push(row_error(Some(name), reason));
                row_ok = false;
            }
        }
        if row_ok {
            import.responses.respondents.push(respondent);
        }
    }
    Ok(import)
}

fn quoting(problem: Problem) -> String {
    match problem {
        Problem::UnterminatedQuote { field } => {
            format!("field {} opens a quote that is never closed", field + 1)
        }
        Problem::TextAfterQuote { field } => {
            format!("field {} has text after its closing quote", field + 1)
        }
    }
}

fn expected(ids: impl Iterator<Item = String>) -> String {
    shorten(&ids.collect::<Vec<_>>().join(", "), 200)
}

fn read_answer(
    definition: &SurveyDefinition,
    q_idx: usize,
    cell: &str,
) -> Result<Vec<u16>, String> {
    let question = &definition.questions[q_idx];
    if cell.is_empty() {
        return Ok(Vec::new());
    }
    let mut chosen: Vec<u16> = Vec::new();
    for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some(o_idx) = question.option_index(part) else {
            return Err(format!(
                "unknown option `{}`; expected one of {}{}",
                shorten(part, 60),
                expected(question.options.iter().map(|o| o.id.clone())),
                if cell.contains(';') && question.choice_limit() == 1 {
                    " (one answer only)"
                } else {
                    ""
                }
            ));
        };
        let o_idx = o_idx as u16;
        if chosen.contains(&o_idx) {
            return Err(format!("option `{part}` chosen twice"));
        }
        chosen.push(o_idx);
    }
    let limit = question.choice_limit();
    if chosen.len() > limit {
        return Err(if limit == 1 {
            format!("{} answers to a single-choice question", chosen.len())
        } else {
            format!("{} options chosen; at most {limit} allowed", chosen.len())
        });
    }
    Ok(chosen)
}

fn read_variable(
    definition: &SurveyDefinition,
    v_idx: usize,
    cell: &str,
) -> Result<Option<u16>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    let variable = &definition.variables[v_idx];
    match variable.option_index(cell) {
        Some(o_idx) => Ok(Some(o_idx as u16)),
        None => Err(format!(
            "unknown value `{}`; expected one of {}",
            shorten(cell, 60),
            expected(variable.options.iter().map(|o| o.id.clone()))
        )),
    }
}

fn read_weight(cell: &str) -> Result<f64, String> {
    if cell.is_empty() {
        return Err("missing weight".into());
    }
    match cell.parse::<f64>() {
        Ok(w) if w.is_finite() && w > 0.0 => Ok(w),
        Ok(_) => {
            Err(format!("weight `{}` must be a finite number greater than zero", shorten(cell, 40)))
        }
        Err(_) => Err(format!("weight `{}` is not a number", shorten(cell, 40))),
    }
}

#[cfg(test)]
mod tests {
    use safer_domain::survey::parse_definition;

    use super::*;

    const DEFINITION: &str = r#"format = 1
[survey]
id = "t"
title = "T"
year = 2021
weight_column = "weight"

[[questions]]
id = "safe"
text = "Safe?"
kind = "single"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]
positive = ["yes"]

[[questions]]
id = "issues"
text = "Issues"
kind = "multi"
max_choices = 2
required = false
options = [{ id = "asb", label = "ASB" }, { id = "drugs", label = "Drugs" }, { id = "knives", label = "Knives" }]

[[variables]]
id = "age"
label = "Age"
options = [{ id = "16-34", label = "16-34" }, { id = "35-plus", label = "35+" }]
"#;

    fn definition() -> SurveyDefinition {
        parse_definition(DEFINITION).unwrap()
    }

    fn errors(csv: &str) -> Vec<String> {
        parse_responses(&definition(), csv.as_bytes())
            .unwrap()
            .errors
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn good_rows_read() {
        let csv = "id,age,safe,issues,weight\r\n1,16-34,yes,asb;drugs,1.5\r\n\r\n2,,no,,0.5\n3,35-plus,,knives,1\n";
        let import = parse_responses(&definition(), csv.as_bytes()).unwrap();
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        assert_eq!(import.ignored_columns, ["id"]);
        let r = &import.responses.respondents;
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].line, r[1].line, r[2].line), (2, 4, 5));
        assert_eq!(r[0].answers, [vec![0], vec![0, 1]]);
        assert_eq!(r[1].answers, [vec![1], vec![]]);
        assert_eq!(r[1].variables, [None]);
        assert_eq!(r[2].variables, [Some(1)]);
        assert_eq!(r[0].weight, 1.5);
        assert_eq!(import.responses.asked, [true, true]);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let csv = "age,safe,issues,weight\n16-34,maybe,,1\n16-34,yes,asb;asb,1\n16-34,yes,asb;drugs;knives,1\n16-34,yes,,0\n16-34,yes,,-2\n16-34,yes,,\n16-34,yes,,NaN\n40,yes,,1\n16-34,yes\n16-34,yes;no,,1\n";
        assert_eq!(
            errors(csv),
            [
                "line 2, column safe: unknown option `maybe`; expected one of yes, no",
                "line 3, column issues: option `asb` chosen twice",
                "line 4, column issues: 3 options chosen; at most 2 allowed",
                "line 5, column weight: weight `0` must be a finite number greater than zero",
                "line 6, column weight: weight `-2` must be a finite number greater than zero",
                "line 7, column weight: missing weight",
                "line 8, column weight: weight `NaN` must be a finite number greater than zero",
                "line 9, column age: unknown value `40`; expected one of 16-34, 35-plus",
                "line 10: 2 fields, expected 4 as in the header",
                "line 11, column safe: 2 answers to a single-choice question",
            ]
        );
    }

    #[test]
    fn file_errors() {
        let d = definition();
        let missing = parse_responses(&d, b"age,issues,weight\n16-34,,1\n").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "line 1: no `safe` column: the question is required (header: age,issues,weight)"
        );
        // An optional question may be absent: it is then not asked.
        let import = parse_responses(&d, b"age,safe,weight\n16-34,yes,1\n").unwrap();
        assert_eq!(import.responses.asked, [true, false]);
        let no_weight = parse_responses(&d, b"age,safe\n").unwrap_err();
        assert!(no_weight.to_string().contains("no `weight` column"), "{no_weight}");
        assert_eq!(parse_responses(&d, b"").unwrap_err(), SurveyFileError::Empty);
        let twice = parse_responses(&d, b"age,safe,safe,weight\n").unwrap_err();
        assert_eq!(twice.to_string(), "line 1: column `safe` appears twice");
    }
}
