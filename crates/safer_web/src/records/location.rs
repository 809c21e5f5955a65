//! `/cases/{id}/location-assessment`: the Neighbourhood Assessment Triangle of Contextual
//! Safeguarding (DOMAIN.md §2.7): young people's strengths and needs collectively in the place,
//! guardianship, and environment and resources; which side most drives harm (the Context
//! Weighting); then goals and responses. Every field is required; past assessments are listed.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use safer_storage::LocationAssessment;

use super::{iso, required_text, show_date, today, FormState, LoadedCase};
use crate::error::render;
use crate::session::SignedIn;
use crate::views::{paragraphs, FieldError, Layout};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/cases/{id}/location-assessment",
        get(show_location_assessments).post(record_location_assessment),
    )
}

/// Longest answer in a field.
const MAX_CHARS: usize = 5000;

/// The sides of the triangle, as stored and as shown.
const SIDES: [(&str, &str); 3] = [
    ("young-people", "Young people's needs"),
    ("guardianship", "Guardianship"),
    ("environment", "Environment and resources"),
];

/// A radio button.
#[derive(Debug, Clone)]
pub(crate) struct SideOption {
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
}

/// A past assessment.
#[derive(Debug, Clone)]
pub(crate) struct LocationView {
    pub(crate) assessed: String,
    pub(crate) young_people: Vec<String>,
    pub(crate) guardianship: Vec<String>,
    pub(crate) environment: Vec<String>,
    pub(crate) weighting: &'static str,
    pub(crate) goals: Vec<String>,
    pub(crate) responses: Vec<String>,
}

/// `GET /cases/{id}/location-assessment`, and the form again with its errors.
#[derive(Template)]
#[template(path = "records_location.html")]
pub(crate) struct LocationPage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) action: String,
    pub(crate) sides: Vec<SideOption>,
    pub(crate) assessments: Vec<LocationView>,
    pub(crate) can_write: bool,
    pub(crate) form: FormState,
}

fn side_label(value: &str) -> &'static str {
    SIDES.iter().find(|(v, _)| *v == value).map_or("Not recorded", |(_, label)| label)
}

async fn location_page(
    state: &AppState,
    signed_in: &SignedIn,
    loaded: &LoadedCase,
    form: FormState,
) -> Result<LocationPage, AppError> {
    let stored = state.store.location_assessments(&loaded.viewer, loaded.id, state.now()).await?;
    let href = loaded.href();
    Ok(LocationPage {
        layout: loaded.layout(signed_in, "Location assessment", &form),
        action: format!("{href}/location-assessment"),
        case_href: href,
        reference: loaded.detail.case.reference.clone(),
        sides: SIDES.iter().map(|(value, label)| SideOption { value, label }).collect(),
        assessments: stored
            .iter()
            .map(|a| LocationView {
                assessed: show_date(&a.assessed_on),
                young_people: paragraphs(&a.young_people),
                guardianship: paragraphs(&a.guardianship),
                environment: paragraphs(&a.environment),
                weighting: side_label(&a.weighting),
                goals: paragraphs(&a.goals),
                responses: paragraphs(&a.responses),
            })
            .collect(),
        can_write: loaded.can_write(),
        form,
    })
}

async fn show_location_assessments(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let page = location_page(&state, &signed_in, &loaded, FormState::default()).await?;
    Ok(render(&page)?.into_response())
}

/// The assessment the form describes, dated `on`, or its errors in the form's order.
pub(crate) fn check(
    values: &[(String, String)],
    on: &str,
) -> Result<LocationAssessment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let young_people = required_text(
        values,
        "young_people",
        "young people's strengths and needs in the place",
        MAX_CHARS,
        &mut errors,
    );
    let guardianship = required_text(
        values,
        "guardianship",
        "the guardianship in the place",
        MAX_CHARS,
        &mut errors,
    );
    let environment = required_text(
        values,
        "environment",
        "the environment and resources of the place",
        MAX_CHARS,
        &mut errors,
    );
    let weighting = super::field(values, "weighting");
    if !SIDES.iter().any(|(v, _)| *v == weighting) {
        errors.push(FieldError {
            field: "weighting",
            message: "Select which side of the triangle most drives harm".to_string(),
        });
    }
    let goals = required_text(values, "goals", "the goals", MAX_CHARS, &mut errors);
    let responses = required_text(values, "responses", "the responses", MAX_CHARS, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(LocationAssessment {
        id: 0,
        assessed_on: on.to_string(),
        young_people,
        guardianship,
        environment,
        weighting: weighting.to_string(),
        goals,
        responses,
    })
}

async fn record_location_assessment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let now = state.now();
    let checked = match loaded.write_refused() {
        Some(error) => Err((vec![error], StatusCode::FORBIDDEN)),
        None => check(&values, &iso(today(now))).map_err(|e| (e, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match checked {
        Ok(assessment) => {
            state
                .store
                .record_location_assessment(&loaded.viewer, loaded.id, &assessment, now)
                .await?;
            Ok(Redirect::to(&format!("{}/location-assessment#assessments", loaded.href()))
                .into_response())
        }
        Err((errors, status)) => {
            let form = FormState::from_pairs(values.iter().cloned(), errors);
            let page = location_page(&state, &signed_in, &loaded, form).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_field_is_required() {
        let errors = check(&values(&[("goals", "  ")]), "2026-01-01").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["young_people", "guardianship", "environment", "weighting", "goals", "responses"]
        );
        let ok = check(
            &values(&[
                ("young_people", "a"),
                ("guardianship", "b"),
                ("environment", "c"),
                ("weighting", "guardianship"),
                ("goals", "d"),
                ("responses", "e"),
            ]),
            "2026-01-01",
        )
        .unwrap();
        assert_eq!(
            (ok.weighting.as_str(), ok.assessed_on.as_str()),
            ("guardianship", "2026-01-01")
        );
    }
}
