//! `/cases/{id}/risk`: the ASB victim risk assessment (DOMAIN.md §2.4) with the default
//! [`RiskModel`]: its questions as yes/no radios grouped by vulnerability type, every one
//! required; the latest result (score, level, referral to victim support, the reviews it
//! schedules); the history; and the repeat-victim flag from the case's incidents.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use safer_domain::case::{LinkRole, SubjectKind};
use safer_domain::casework::risk::{RepeatVictimRule, RiskLevel, RiskModel, Vulnerability};
use safer_domain::ids::SubjectId;
use safer_storage::{Incident, LinkedSubject};

use super::{iso, show_date, today, FormState, LoadedCase};
use crate::error::render;
use crate::session::SignedIn;
use crate::views::{FieldError, Layout, SelectOption};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/cases/{id}/risk", get(show_risk).post(record_risk))
}

/// A question with its radios.
#[derive(Debug, Clone)]
pub(crate) struct QuestionView {
    pub(crate) id: String,
    pub(crate) label: String,
}

/// The questions of one vulnerability type.
#[derive(Debug, Clone)]
pub(crate) struct QuestionGroup {
    pub(crate) title: &'static str,
    pub(crate) hint: &'static str,
    pub(crate) questions: Vec<QuestionView>,
}

/// A scheduled review.
#[derive(Debug, Clone)]
pub(crate) struct ReviewView {
    pub(crate) what: String,
    pub(crate) due: String,
}

/// The latest assessment's result.
#[derive(Debug, Clone)]
pub(crate) struct ResultView {
    pub(crate) assessed: String,
    pub(crate) who: String,
    pub(crate) score: i64,
    pub(crate) max_score: u32,
    pub(crate) level: &'static str,
    pub(crate) tag_class: &'static str,
    pub(crate) refer: bool,
    pub(crate) reviews: Vec<ReviewView>,
    pub(crate) yes: Vec<String>,
}

/// A past assessment.
#[derive(Debug, Clone)]
pub(crate) struct HistoryRow {
    pub(crate) assessed: String,
    pub(crate) who: String,
    pub(crate) score: i64,
    pub(crate) level: &'static str,
    pub(crate) tag_class: &'static str,
    pub(crate) refer: &'static str,
    pub(crate) next_review: String,
}

/// The repeat-victim flag for one category of incident.
#[derive(Debug, Clone)]
pub(crate) struct RepeatFlag {
    pub(crate) category: String,
}

/// `GET /cases/{id}/risk`, and the form again with its errors.
#[derive(Template)]
#[template(path = "records_risk.html")]
pub(crate) struct RiskPage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) action: String,
    pub(crate) groups: Vec<QuestionGroup>,
    /// Who may be assessed: "Not recorded", then the case's victims and complainants.
    pub(crate) people: Vec<SelectOption>,
    pub(crate) latest: Option<ResultView>,
    pub(crate) history: Vec<HistoryRow>,
    pub(crate) repeat: Vec<RepeatFlag>,
    pub(crate) repeat_rule: String,
    pub(crate) n_incidents: usize,
    pub(crate) can_write: bool,
    pub(crate) form: FormState,
}

fn level_of(text: &str) -> RiskLevel {
    match text {
        "high" => RiskLevel::High,
        "medium" => RiskLevel::Medium,
        _ => RiskLevel::Standard,
    }
}

fn level_label(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Standard => "Standard",
        RiskLevel::Medium => "Medium",
        RiskLevel::High => "High",
    }
}

fn level_tag(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Standard => "app-tag--green",
        RiskLevel::Medium => "app-tag--orange",
        RiskLevel::High => "app-tag--red",
    }
}

fn groups(model: &RiskModel) -> Vec<QuestionGroup> {
    [
        (Vulnerability::Personal, "Personal", "Who the victim is: health, age and support."),
        (
            Vulnerability::Situational,
            "Situational",
            "Their circumstances: where they live and who is responsible.",
        ),
        (Vulnerability::Incidental, "Incidental", "What is happening: how often, how badly."),
    ]
    .into_iter()
    .map(|(kind, title, hint)| QuestionGroup {
        title,
        hint,
        questions: model
            .questions()
            .iter()
            .filter(|q| q.vulnerability == kind)
            .map(|q| QuestionView { id: q.id.clone(), label: q.label.clone() })
            .collect(),
    })
    .collect()
}

/// The categories in which the victim is a repeat victim on `on`: incidents of the same
/// category (ignoring case and surrounding spaces) are similar.
fn repeat_categories(
    rule: &RepeatVictimRule,
    incidents: &[Incident],
    on: time::Date,
) -> Vec<RepeatFlag> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut by_category: BTreeMap<String, (String, Vec<time::Date>)> = BTreeMap::new();
    for incident in incidents {
        let Ok(day) = time::Date::parse(&incident.occurred_on, &format) else { continue };
        let key = incident.category.trim().to_lowercase();
        by_category
            .entry(key)
            .or_insert_with(|| (incident.category.trim().to_string(), Vec::new()))
            .1
            .push(day);
    }
    by_category
        .into_values()
        .filter(|(_, days)| rule.is_repeat_victim(days, on))
        .map(|(category, _)| RepeatFlag { category })
        .collect()
}

/// The people on the case a victim risk assessment can be of: victims and complainants.
fn assessable(subjects: &[LinkedSubject]) -> impl Iterator<Item = &LinkedSubject> {
    subjects.iter().filter(|s| {
        s.kind == SubjectKind::Person && matches!(s.role, LinkRole::Victim | LinkRole::Complainant)
    })
}

/// The choice of who was assessed; the first victim or complainant unless the form says
/// otherwise. Empty when the case has none.
fn people_options(subjects: &[LinkedSubject], form: &FormState) -> Vec<SelectOption> {
    let chosen = form.value("subject");
    let first = assessable(subjects).next().map(|s| s.id.0.to_string()).unwrap_or_default();
    let chosen = if form.errors.is_empty() && chosen.is_empty() { first.as_str() } else { chosen };
    let mut options: Vec<SelectOption> = assessable(subjects)
        .map(|s| SelectOption {
            value: s.id.0.to_string(),
            label: format!("{} ({})", s.name, s.role.label().to_lowercase()),
            selected: chosen == s.id.0.to_string(),
        })
        .collect();
    if !options.is_empty() {
        options.insert(
            0,
            SelectOption {
                value: String::new(),
                label: "Not recorded".to_string(),
                selected: chosen.is_empty(),
            },
        );
    }
    options
}

/// The subject chosen in the form: none, or one of the case's victims and complainants.
fn check_subject(
    subjects: &[LinkedSubject],
    values: &[(String, String)],
) -> Result<Option<SubjectId>, FieldError> {
    let chosen = super::field(values, "subject");
    if chosen.is_empty() {
        return Ok(None);
    }
    assessable(subjects).find(|s| s.id.0.to_string() == chosen).map(|s| Some(s.id)).ok_or(
        FieldError {
            field: "subject",
            message: "Select who was assessed from the list".to_string(),
        },
    )
}

fn subject_name(subjects: &[LinkedSubject], id: Option<i64>) -> String {
    id.and_then(|id| subjects.iter().find(|s| s.id.0 == id))
        .map_or_else(|| "Not recorded".to_string(), |s| s.name.clone())
}

async fn risk_page(
    state: &AppState,
    signed_in: &SignedIn,
    loaded: &LoadedCase,
    form: FormState,
) -> Result<RiskPage, AppError> {
    let model = &state.config.casework.risk;
    let now = state.now();
    let stored = state.store.risk_assessments(&loaded.viewer, loaded.id, now).await?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let latest = stored.first().map(|a| {
        let level = level_of(&a.level);
        let reviews = match time::Date::parse(&a.assessed_on, &format) {
            Ok(day) => model
                .reviews(level, day)
                .into_iter()
                .map(|clock| ReviewView {
                    what: clock.name,
                    due: show_date(&iso(clock.due.date())),
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let yes: Vec<String> = serde_json::from_str(&a.yes_json).unwrap_or_default();
        ResultView {
            assessed: show_date(&a.assessed_on),
            who: subject_name(&loaded.detail.subjects, a.subject_id),
            score: a.score,
            max_score: model.max_score(),
            level: level_label(level),
            tag_class: level_tag(level),
            refer: a.refer_to_support,
            reviews,
            yes: model
                .questions()
                .iter()
                .filter(|q| yes.contains(&q.id))
                .map(|q| q.label.clone())
                .collect(),
        }
    });
    let history = stored
        .iter()
        .map(|a| {
            let level = level_of(&a.level);
            HistoryRow {
                assessed: show_date(&a.assessed_on),
                who: subject_name(&loaded.detail.subjects, a.subject_id),
                score: a.score,
                level: level_label(level),
                tag_class: level_tag(level),
                refer: if a.refer_to_support { "Yes" } else { "No" },
                next_review: a.next_review_on.as_deref().map_or("None".to_string(), show_date),
            }
        })
        .collect();
    let href = loaded.href();
    Ok(RiskPage {
        layout: loaded.layout(signed_in, "Victim risk assessment", &form),
        action: format!("{href}/risk"),
        case_href: href,
        reference: loaded.detail.case.reference.clone(),
        groups: groups(model),
        people: people_options(&loaded.detail.subjects, &form),
        latest,
        history,
        repeat: repeat_categories(
            &state.config.casework.repeat_victim,
            &loaded.detail.incidents,
            today(now),
        ),
        repeat_rule: format!(
            "{} or more incidents of the same kind within {} months",
            state.config.casework.repeat_victim.incidents(),
            state.config.casework.repeat_victim.months()
        ),
        n_incidents: loaded.detail.incidents.len(),
        can_write: loaded.can_write(),
        form,
    })
}

async fn show_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let page = risk_page(&state, &signed_in, &loaded, FormState::default()).await?;
    Ok(render(&page)?.into_response())
}

/// The answers, or an error for each question without a yes or no, in the form's order.
fn check_answers(
    model: &RiskModel,
    values: &[(String, String)],
) -> Result<BTreeMap<String, bool>, Vec<FieldError>> {
    let mut answers = BTreeMap::new();
    let mut errors = Vec::new();
    for question in model.questions() {
        match super::field(values, &question.id) {
            "yes" => {
                answers.insert(question.id.clone(), true);
            }
            "no" => {
                answers.insert(question.id.clone(), false);
            }
            _ => {
                // Field names of the default model are 'static; find it to borrow one.
                let field = STATIC_IDS.iter().find(|id| **id == question.id).copied();
                errors.push(FieldError {
                    field: field.unwrap_or("questions"),
                    message: format!("Select yes or no: {}", question.label),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// The default model's question ids, as error-summary anchors (a test holds them equal).
const STATIC_IDS: [&str; 17] = [
    "health",
    "age",
    "alone",
    "wellbeing",
    "unsafe_home",
    "moving",
    "going_out",
    "near",
    "household",
    "carer",
    "property",
    "daily",
    "long_running",
    "worse",
    "targeted",
    "violence",
    "reported_before",
];

/// Who was assessed (if recorded) and the answers by question id.
pub(crate) type CheckedRisk = (Option<SubjectId>, BTreeMap<String, bool>);

/// Who was assessed and the answers, or the form's errors in its order. The form and the JSON
/// API both check through this.
pub(crate) fn check_risk(
    model: &RiskModel,
    subjects: &[LinkedSubject],
    values: &[(String, String)],
) -> Result<CheckedRisk, Vec<FieldError>> {
    match (check_subject(subjects, values), check_answers(model, values)) {
        (Ok(subject), Ok(answers)) => Ok((subject, answers)),
        (subject, answers) => {
            let mut errors: Vec<FieldError> = subject.err().into_iter().collect();
            errors.extend(answers.err().unwrap_or_default());
            Err(errors)
        }
    }
}

async fn record_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let model = &state.config.casework.risk;
    let now = state.now();
    let checked = match loaded.write_refused() {
        Some(error) => Err((vec![error], StatusCode::FORBIDDEN)),
        None => check_risk(model, &loaded.detail.subjects, &values)
            .map_err(|errors| (errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    let (subject, answers) = match checked {
        Ok(checked) => checked,
        Err((errors, status)) => {
            let form = FormState::from_pairs(values.iter().cloned(), errors);
            let page = risk_page(&state, &signed_in, &loaded, form).await?;
            return Ok((status, render(&page)?).into_response());
        }
    };
    let assessment = model
        .assess(today(now), &answers)
        .map_err(|e| AppError::Internal(format!("risk model: {e}")))?;
    state
        .store
        .record_risk_assessment(&loaded.viewer, loaded.id, subject, &assessment, now)
        .await?;
    Ok(Redirect::to(&format!("{}/risk#result", loaded.href())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_match_the_default_rule_and_model() {
        let model = RiskModel::default();
        let ids: Vec<&str> = model.questions().iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, STATIC_IDS);
    }

    #[test]
    fn unanswered_questions_are_each_an_error() {
        let model = RiskModel::default();
        let mut values: Vec<(String, String)> =
            STATIC_IDS.iter().map(|id| (id.to_string(), "no".to_string())).collect();
        assert!(check_answers(&model, &values).is_ok());
        values.retain(|(id, _)| id != "violence" && id != "age");
        values.push(("health".to_string(), "maybe".to_string()));
        let errors = check_answers(&model, &values).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["age", "violence"]);
        assert_eq!(
            errors[1].message,
            "Select yes or no: Has there been violence or a threat of violence?"
        );
    }
}
