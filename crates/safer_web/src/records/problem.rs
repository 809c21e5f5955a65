//! `/cases/{id}/problem-solving`: OSARA records (Objective, Scanning, Analysis, Response,
//! Assessment; DOMAIN.md §2.7) and their **assessment step**.
//!
//! A record names an area (`district:NAME` or `lsoa:CODE,...`, the selectors
//! [`safer_storage::street_area`] understands), police.uk crime types (none means all) and a
//! period before and after the response. The assessment counts the stored police.uk street
//! rows of those types in the area over each period, compares them with the exact conditional
//! Poisson test (monthly rates, so periods of different lengths compare fairly) and says the
//! p-value in words; a period with a month the imports ledger does not hold (for any force) is
//! "not enough data", never a zero. The counts are one query per period; the test is
//! a few microseconds, so both run in the request.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_analytics::rag::p_value_words;
use safer_analytics::stats::exact_poisson_comparison;
use safer_domain::crime_type::CRIME_TYPES;
use safer_domain::month::{month_number, month_text};
use safer_storage::{street_area, ProblemSolving, StreetArea};

use super::{parse_id, required_text, show_month, FormState, LoadedCase};
use crate::error::render;
use crate::format::typed_month;
use crate::session::SignedIn;
use crate::views::{paragraphs, FieldError, Layout};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/problem-solving",
            get(show_problem_solving).post(record_problem_solving),
        )
        .route("/cases/{id}/problem-solving/{record}/assessment", post(conclude))
}

/// Longest answer in a free-text field.
const MAX_CHARS: usize = 5000;
/// Longest period compared.
const MAX_PERIOD_MONTHS: i32 = 36;
/// Most LSOA codes in an area.
const MAX_LSOAS: usize = 500;

/// A checkbox.
#[derive(Debug, Clone)]
pub(crate) struct CheckboxOption {
    pub(crate) id: String,
    pub(crate) value: &'static str,
    pub(crate) checked: bool,
}

/// The assessment step of one record.
#[derive(Debug, Clone)]
pub(crate) struct AssessmentView {
    /// "Not enough data: …" when a period has missing months.
    pub(crate) no_data: Option<String>,
    pub(crate) before: u64,
    pub(crate) after: u64,
    pub(crate) before_months: u32,
    pub(crate) after_months: u32,
    pub(crate) change: String,
    pub(crate) significance: String,
}

/// A record as shown.
#[derive(Debug, Clone)]
pub(crate) struct RecordView {
    pub(crate) id: i64,
    pub(crate) number: usize,
    pub(crate) action: String,
    pub(crate) objective: Vec<String>,
    pub(crate) scanning: Vec<String>,
    pub(crate) analysis: Vec<String>,
    pub(crate) response: Vec<String>,
    pub(crate) area: String,
    pub(crate) crime_types: String,
    pub(crate) before: String,
    pub(crate) after: String,
    pub(crate) assessment: AssessmentView,
    pub(crate) conclusion: Vec<String>,
    /// The conclusion field: its id, value and error (when the last post failed here).
    pub(crate) conclusion_id: String,
    pub(crate) conclusion_value: String,
    pub(crate) conclusion_error: Option<String>,
}

/// `GET /cases/{id}/problem-solving`, and its forms again with their errors.
#[derive(Template)]
#[template(path = "records_problem.html")]
pub(crate) struct ProblemPage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) action: String,
    pub(crate) records: Vec<RecordView>,
    pub(crate) crime_types: Vec<CheckboxOption>,
    pub(crate) can_write: bool,
    pub(crate) form: FormState,
}

/// A period `YYYY-MM..YYYY-MM` as its first and last month numbers.
fn period(text: &str) -> Option<(i32, i32)> {
    let (from, to) = text.trim().split_once("..")?;
    let (from, to) = (typed_month(from.trim())?, typed_month(to.trim())?);
    (from <= to).then_some((from, to))
}

fn show_period(text: &str) -> String {
    match text.split_once("..") {
        Some((from, to)) if from == to => show_month(from),
        Some((from, to)) => format!("{} to {}", show_month(from), show_month(to)),
        None => text.to_string(),
    }
}

/// The area selector typed, normalised (`district:Maidstone`, `lsoa:E01024343,E01024344`), or
/// the reason it is not one.
fn check_area(text: &str) -> Result<String, &'static str> {
    const HOW: &str = "Enter the area as district:NAME or lsoa:CODE,CODE";
    let text = text.trim();
    let Some(area) = street_area(text) else { return Err(HOW) };
    match area {
        StreetArea::District(name) => {
            let ok = !name.is_empty()
                && name.chars().count() <= 60
                && name.chars().all(|c| c.is_alphabetic() || " -'.&,".contains(c));
            if ok {
                Ok(format!("district:{name}"))
            } else {
                Err("Enter a district name of letters and spaces, such as district:Maidstone")
            }
        }
        StreetArea::LsoaCodes(codes) => {
            let codes: Vec<String> = codes.into_iter().filter(|c| !c.is_empty()).collect();
            let ok = !codes.is_empty()
                && codes.len() <= MAX_LSOAS
                && codes.iter().all(|c| {
                    c.len() == 9
                        && (c.starts_with("E01") || c.starts_with("W01"))
                        && c[3..].bytes().all(|b| b.is_ascii_digit())
                });
            if ok {
                Ok(format!("lsoa:{}", codes.join(",")))
            } else {
                Err("Enter LSOA codes such as lsoa:E01024343,E01024344")
            }
        }
        StreetArea::All => Err(HOW),
    }
}

/// The record the form describes, or its errors in the form's order.
pub(crate) fn check(values: &[(String, String)]) -> Result<ProblemSolving, Vec<FieldError>> {
    let mut errors = Vec::new();
    let objective = required_text(values, "objective", "the objective", MAX_CHARS, &mut errors);
    let scanning = required_text(values, "scanning", "what scanning found", MAX_CHARS, &mut errors);
    let analysis = required_text(values, "analysis", "the analysis", MAX_CHARS, &mut errors);
    let response = required_text(values, "response", "the response", MAX_CHARS, &mut errors);
    let area = match check_area(super::field(values, "area")) {
        Ok(area) => area,
        Err(message) => {
            errors.push(FieldError { field: "area", message: message.to_string() });
            String::new()
        }
    };
    let mut crime_types: Vec<&str> = Vec::new();
    for (name, value) in values {
        if name != "crime_type" {
            continue;
        }
        match CRIME_TYPES.iter().find(|t| **t == value.as_str()) {
            Some(known) if !crime_types.contains(known) => crime_types.push(known),
            Some(_) => {}
            None => {
                if !errors.iter().any(|e| e.field == "crime_type") {
                    errors.push(FieldError {
                        field: "crime_type",
                        message: "Select crime types from the list".to_string(),
                    });
                }
            }
        }
    }
    crime_types.sort_unstable();
    let mut periods = Vec::new();
    for (field, what) in [("before", "before"), ("after", "after")] {
        match period(super::field(values, field)) {
            Some((from, to)) if to - from < MAX_PERIOD_MONTHS => periods.push((from, to)),
            Some(_) => errors.push(FieldError {
                field,
                message: format!("The {what} period must be {MAX_PERIOD_MONTHS} months or shorter"),
            }),
            None => errors.push(FieldError {
                field,
                message: format!(
                    "Enter the {what} period as two months, first and last, such as 2025-01..2025-06"
                ),
            }),
        }
    }
    if let [before, after] = periods.as_slice() {
        if after.0 <= before.1 {
            errors.push(FieldError {
                field: "after",
                message: "The after period must start after the before period ends".to_string(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = |(from, to): (i32, i32)| format!("{}..{}", month_text(from), month_text(to));
    Ok(ProblemSolving {
        id: 0,
        objective,
        scanning,
        analysis,
        response,
        area,
        crime_types_json: serde_json::to_string(&crime_types).unwrap_or_else(|_| "[]".into()),
        before_period: text(periods[0]),
        after_period: text(periods[1]),
        assessment: None,
    })
}

/// The street rows of `types` (all when empty) in `area` over `period`, or the months of the
/// period the ledger does not hold.
async fn count(
    state: &AppState,
    held: &BTreeSet<i32>,
    area: &StreetArea,
    types: &[String],
    period_text: &str,
) -> Result<Result<(u64, u32), Vec<String>>, AppError> {
    let Some((from, to)) = period(period_text) else {
        return Ok(Err(vec![period_text.to_string()]));
    };
    let missing: Vec<String> =
        (from..=to).filter(|m| !held.contains(m)).map(|m| show_month(&month_text(m))).collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let rows =
        state.store.police_uk_street_counts(area, &month_text(from), &month_text(to)).await?;
    let total = rows
        .iter()
        .filter(|row| types.is_empty() || types.contains(&row.crime_type))
        .map(|row| row.n_in_area.max(0) as u64)
        .sum();
    Ok(Ok((total, (to - from + 1) as u32)))
}

/// The change in words: by how much the count (or, for periods of different lengths, the
/// monthly rate) went up or down.
fn change_words(before: u64, after: u64, before_months: u32, after_months: u32) -> String {
    let rate_before = before as f64 / f64::from(before_months.max(1));
    let rate_after = after as f64 / f64::from(after_months.max(1));
    let per = if before_months == after_months { "" } else { " a month" };
    let (b, a) = if before_months == after_months {
        (before as f64, after as f64)
    } else {
        (rate_before, rate_after)
    };
    let amount = |x: f64| {
        if per.is_empty() {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    };
    if (a - b).abs() < 1e-9 {
        "No change".to_string()
    } else if b == 0.0 {
        format!("Up from none to {}{per}", amount(a))
    } else {
        let percent = (a - b) / b * 100.0;
        let direction = if a > b { "Up" } else { "Down" };
        format!("{direction} {}{per} ({:+.0}%)", amount((a - b).abs()), percent)
    }
}

async fn assess(
    state: &AppState,
    held: &BTreeSet<i32>,
    record: &ProblemSolving,
) -> Result<AssessmentView, AppError> {
    let types: Vec<String> = serde_json::from_str(&record.crime_types_json).unwrap_or_default();
    let Some(area) = street_area(&record.area) else {
        return Ok(AssessmentView::no_data("the area cannot be counted".to_string()));
    };
    let before = count(state, held, &area, &types, &record.before_period).await?;
    let after = count(state, held, &area, &types, &record.after_period).await?;
    match (before, after) {
        (Ok((before, before_months)), Ok((after, after_months))) => {
            let p = exact_poisson_comparison(before, after, before_months, after_months);
            Ok(AssessmentView {
                no_data: None,
                before,
                after,
                before_months,
                after_months,
                change: change_words(before, after, before_months, after_months),
                significance: if p.is_finite() {
                    super::capitalise(&p_value_words(p))
                } else {
                    "Cannot be tested".to_string()
                },
            })
        }
        (before, after) => {
            let mut missing = before.err().unwrap_or_default();
            missing.extend(after.err().unwrap_or_default());
            Ok(AssessmentView::no_data(format!(
                "the police.uk data for {} has not been imported",
                missing.join(", ")
            )))
        }
    }
}

impl AssessmentView {
    fn no_data(reason: String) -> AssessmentView {
        AssessmentView {
            no_data: Some(format!("Not enough data: {reason}.")),
            before: 0,
            after: 0,
            before_months: 0,
            after_months: 0,
            change: String::new(),
            significance: String::new(),
        }
    }
}

/// A failed conclusion: the record, what was typed and the error.
struct ConclusionError {
    record: i64,
    value: String,
    message: String,
}

async fn problem_page(
    state: &AppState,
    signed_in: &SignedIn,
    loaded: &LoadedCase,
    form: FormState,
    conclusion: Option<ConclusionError>,
) -> Result<ProblemPage, AppError> {
    let stored = state.store.problem_solving(&loaded.viewer, loaded.id, state.now()).await?;
    let held: BTreeSet<i32> = if stored.is_empty() {
        BTreeSet::new()
    } else {
        state
            .store
            .police_uk_street_months()
            .await?
            .iter()
            .filter_map(|m| month_number(&m.month))
            .collect()
    };
    let href = loaded.href();
    let mut records = Vec::new();
    for (idx, record) in stored.iter().enumerate() {
        let types: Vec<String> = serde_json::from_str(&record.crime_types_json).unwrap_or_default();
        let failed = conclusion.as_ref().filter(|c| c.record == record.id);
        records.push(RecordView {
            id: record.id,
            number: idx + 1,
            action: format!("{href}/problem-solving/{}/assessment", record.id),
            objective: paragraphs(&record.objective),
            scanning: paragraphs(&record.scanning),
            analysis: paragraphs(&record.analysis),
            response: paragraphs(&record.response),
            area: record.area.clone(),
            crime_types: if types.is_empty() {
                "All crime types".to_string()
            } else {
                types.join(", ")
            },
            before: show_period(&record.before_period),
            after: show_period(&record.after_period),
            assessment: assess(state, &held, record).await?,
            conclusion: record.assessment.as_deref().map(paragraphs).unwrap_or_default(),
            conclusion_id: if failed.is_some() {
                "conclusion".to_string()
            } else {
                format!("conclusion-{}", record.id)
            },
            conclusion_value: failed
                .map(|c| c.value.clone())
                .or_else(|| record.assessment.clone())
                .unwrap_or_default(),
            conclusion_error: failed.map(|c| c.message.clone()),
        });
    }
    let mut form = form;
    if let Some(failed) = &conclusion {
        form.errors.push(FieldError { field: "conclusion", message: failed.message.clone() });
    }
    let crime_types = CRIME_TYPES
        .iter()
        .enumerate()
        .map(|(idx, value)| CheckboxOption {
            id: if idx == 0 { "crime_type".to_string() } else { format!("crime_type-{idx}") },
            value,
            checked: form.checked("crime_type", value),
        })
        .collect();
    Ok(ProblemPage {
        layout: loaded.layout(signed_in, "Problem solving", &form),
        action: format!("{href}/problem-solving"),
        case_href: href,
        reference: loaded.detail.case.reference.clone(),
        records,
        crime_types,
        can_write: loaded.can_write(),
        form,
    })
}

async fn show_problem_solving(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let page = problem_page(&state, &signed_in, &loaded, FormState::default(), None).await?;
    Ok(render(&page)?.into_response())
}

async fn record_problem_solving(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let checked = match loaded.write_refused() {
        Some(error) => Err((vec![error], StatusCode::FORBIDDEN)),
        None => check(&values).map_err(|e| (e, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match checked {
        Ok(record) => {
            let record_id = state
                .store
                .record_problem_solving(&loaded.viewer, loaded.id, &record, state.now())
                .await?;
            Ok(Redirect::to(&format!("{}/problem-solving#record-{record_id}", loaded.href()))
                .into_response())
        }
        Err((errors, status)) => {
            let form = FormState::from_pairs(values.iter().cloned(), errors);
            let page = problem_page(&state, &signed_in, &loaded, form, None).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

async fn conclude(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, record)): Path<(String, String)>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let record = parse_id(&record)?;
    let now = state.now();
    let records = state.store.problem_solving(&loaded.viewer, loaded.id, now).await?;
    if !records.iter().any(|r| r.id == record) {
        return Err(AppError::NotFound);
    }
    let mut errors = Vec::new();
    let text = required_text(&values, "conclusion", "the assessment", MAX_CHARS, &mut errors);
    if let Some(error) = loaded.write_refused() {
        errors.insert(0, error);
    }
    if let Some(error) = errors.first() {
        let status = if loaded.can_write() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        let failed =
            ConclusionError { record, value: text.clone(), message: error.message.clone() };
        let page =
            problem_page(&state, &signed_in, &loaded, FormState::default(), Some(failed)).await?;
        return Ok((status, render(&page)?).into_response());
    }
    state.store.conclude_problem_solving(&loaded.viewer, record, &text, now).await?;
    Ok(Redirect::to(&format!("{}/problem-solving#record-{record}", loaded.href())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn areas_are_district_names_or_lsoa_codes() {
        assert_eq!(check_area(" district:Maidstone ").unwrap(), "district:Maidstone");
        assert_eq!(check_area("lsoa:E01024343, W01000001").unwrap(), "lsoa:E01024343,W01000001");
        assert!(check_area("ward:E05000001").is_err());
        assert!(check_area("district:").is_err());
        assert!(check_area("lsoa:E0102434").is_err());
        assert!(check_area("lsoa:").is_err());
        assert!(check_area("district:<script>").is_err());
    }

    #[test]
    fn periods_are_checked() {
        assert_eq!(period("2025-01..2025-06"), Some((2025 * 12, 2025 * 12 + 5)));
        assert_eq!(period("2025-06..2025-01"), None);
        assert_eq!(period("2025-1..2025-06"), None);
        assert_eq!(show_period("2025-01..2025-06"), "January 2025 to June 2025");
        let base = [
            ("objective", "o"),
            ("scanning", "s"),
            ("analysis", "a"),
            ("response", "r"),
            ("area", "district:Maidstone"),
            ("crime_type", "Drugs"),
            ("crime_type", "Anti-social behaviour"),
            ("before", "2025-01..2025-03"),
        ];
        let mut ok = values(&base);
        ok.push(("after".into(), "2025-04..2025-06".into()));
        let record = check(&ok).unwrap();
        assert_eq!(record.crime_types_json, r#"["Anti-social behaviour","Drugs"]"#);
        assert_eq!(record.after_period, "2025-04..2025-06");
        let mut overlapping = values(&base);
        overlapping.push(("after".into(), "2025-03..2025-06".into()));
        let errors = check(&overlapping).unwrap_err();
        assert_eq!(errors[0].message, "The after period must start after the before period ends");
        let mut unknown = values(&base);
        unknown.push(("after".into(), "2025-04..2025-06".into()));
        unknown.push(("crime_type".into(), "Jaywalking".into()));
        assert_eq!(check(&unknown).unwrap_err()[0].field, "crime_type");
    }

    #[test]
    fn changes_are_put_in_words() {
        assert_eq!(change_words(10, 10, 3, 3), "No change");
        assert_eq!(change_words(20, 15, 3, 3), "Down 5 (-25%)");
        assert_eq!(change_words(0, 4, 3, 3), "Up from none to 4");
        assert_eq!(change_words(12, 12, 6, 3), "Up 2.0 a month (+100%)");
    }
}
