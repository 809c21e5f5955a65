//! Records on a case as JSON: the documents list (metadata only; the content is downloaded
//! from the web route `/cases/{id}/documents/{doc}`), the ASB victim risk assessments, the
//! location assessments and the problem-solving (OSARA) records, each read and added.
//!
//! Adding one is refused with 403 when the case is closed or read-only for the user, as the
//! forms refuse it ([`crate::records::write_refusal`]), and a body is checked by the form's
//! own check.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use safer_domain::access::Viewer;
use safer_domain::ids::CaseId;
use safer_storage::{CaseDetail, LocationAssessment, ProblemSolving, StoredRiskAssessment};
use serde_json::{json, Value};

use super::api::{case_for, csrf_param, errors, id_param, request, with, ApiError, ApiUser};
use super::api_fields::{form_fields, invalid, object, require_json, text, Key, Shape};
use crate::format::{iso, today};
use crate::records::{check_location_assessment, check_problem_solving, check_risk, write_refusal};
use crate::views::FieldError;
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/documents", get(list_documents))
        .route("/api/v1/cases/{id}/risk", get(list_risk).post(record_risk))
        .route("/api/v1/cases/{id}/location-assessment", get(list_location).post(record_location))
        .route("/api/v1/cases/{id}/problem-solving", get(list_problem).post(record_problem))
}

const LOCATION: [Key; 6] = [
    text("young_people", "young_people"),
    text("guardianship", "guardianship"),
    text("environment", "environment"),
    text("weighting", "weighting"),
    text("goals", "goals"),
    text("responses", "responses"),
];
const PROBLEM: [Key; 8] = [
    text("objective", "objective"),
    text("scanning", "scanning"),
    text("analysis", "analysis"),
    text("response", "response"),
    text("area", "area"),
    Key { json: "crime_types", form: "crime_type", shape: Shape::Many },
    text("before_period", "before"),
    text("after_period", "after"),
];
const SUBJECT: [Key; 1] = [text("subject_id", "subject")];

/// The case, its viewer and its details, for adding a record: 404 for a case the user may not
/// read, 403 when the case is closed or read-only for them, 415 for a body not declared JSON.
async fn writable(
    state: &AppState,
    api: &ApiUser,
    id: &str,
    headers: &HeaderMap,
) -> Result<(CaseId, Viewer, CaseDetail), ApiError> {
    let (case, viewer) = case_for(state, api, id).await?;
    let detail = state.store.case_detail(&viewer, case, state.now()).await?;
    if let Some(reason) = write_refusal(&detail, &viewer) {
        return Err(ApiError::Forbidden(reason));
    }
    require_json(headers)?;
    Ok((case, viewer, detail))
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

/// `GET /api/v1/cases/{id}/documents`: the documents' metadata, newest first as stored.
async fn list_documents(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let documents = state.store.case_documents(&viewer, case, state.now()).await?;
    Ok(Json(json!({
        "documents": documents.iter().map(|d| json!({
            "id": d.id,
            "file_name": d.file_name,
            "media_type": d.media_type,
            "size_bytes": d.size_bytes,
            "sha256": d.sha256,
            "uploaded_at": d.uploaded_at,
            "download": format!("/cases/{}/documents/{}", case.0, d.id),
        })).collect::<Vec<_>>(),
    })))
}

fn risk_json(r: &StoredRiskAssessment) -> Value {
    json!({
        "id": r.id,
        "subject_id": r.subject_id,
        "assessed_on": r.assessed_on,
        "score": r.score,
        "level": r.level,
        "refer_to_support": r.refer_to_support,
        "yes": serde_json::from_str::<Value>(&r.yes_json).unwrap_or(Value::Array(Vec::new())),
        "next_review_on": r.next_review_on,
    })
}

/// `GET /api/v1/cases/{id}/risk`: the victim risk assessments and the model's questions.
async fn list_risk(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let stored = state.store.risk_assessments(&viewer, case, state.now()).await?;
    let model = &state.config.casework.risk;
    Ok(Json(json!({
        "questions": model.questions().iter().map(|q| json!({ "id": q.id, "label": q.label })).collect::<Vec<_>>(),
        "assessments": stored.iter().map(risk_json).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/cases/{id}/risk`: `{"subject_id": …, "answers": {"<question id>": true}}`,
/// every question answered; scored by the partnership's model as the form is.
async fn record_risk(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer, detail) = writable(&state, &api, &id, &headers).await?;
    let mut map = object(&bytes)?;
    let answers = map.remove("answers");
    let mut values = form_fields(&map, &SUBJECT)?;
    let model = &state.config.casework.risk;
    match answers {
        None | Some(Value::Null) => {}
        Some(Value::Object(answers)) => {
            for (question, answer) in answers {
                if !model.questions().iter().any(|q| q.id == question) {
                    return Err(ApiError::Invalid(vec![FieldError {
                        field: "answers",
                        message: format!("No such question: {question}"),
                    }]));
                }
                let Value::Bool(yes) = answer else {
                    return Err(ApiError::Invalid(vec![FieldError {
                        field: "answers",
                        message: format!("Answer {question} with true or false"),
                    }]));
                };
                values.push((question, if yes { "yes" } else { "no" }.to_string()));
            }
        }
        Some(_) => {
            return Err(ApiError::Invalid(vec![FieldError {
                field: "answers",
                message: "answers must be an object of question ids and true or false".into(),
            }]))
        }
    }
    let (subject, answers) =
        check_risk(model, &detail.subjects, &values).map_err(|e| invalid(e, &SUBJECT))?;
    let now = state.now();
    let assessment = model
        .assess(today(now), &answers)
        .map_err(|e| ApiError::from(AppError::Internal(format!("risk model: {e}"))))?;
    let id = state.store.record_risk_assessment(&viewer, case, subject, &assessment, now).await?;
    Ok(created(id))
}

fn location_json(l: &LocationAssessment) -> Value {
    json!({
        "id": l.id, "assessed_on": l.assessed_on, "young_people": l.young_people,
        "guardianship": l.guardianship, "environment": l.environment, "weighting": l.weighting,
        "goals": l.goals, "responses": l.responses,
    })
}

/// `GET /api/v1/cases/{id}/location-assessment`.
async fn list_location(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let stored = state.store.location_assessments(&viewer, case, state.now()).await?;
    Ok(Json(json!({ "assessments": stored.iter().map(location_json).collect::<Vec<_>>() })))
}

/// `POST /api/v1/cases/{id}/location-assessment`: dated today, as the form's are.
async fn record_location(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer, _) = writable(&state, &api, &id, &headers).await?;
    let values = form_fields(&object(&bytes)?, &LOCATION)?;
    let now = state.now();
    let assessment =
        check_location_assessment(&values, &iso(today(now))).map_err(|e| invalid(e, &LOCATION))?;
    let id = state.store.record_location_assessment(&viewer, case, &assessment, now).await?;
    Ok(created(id))
}

fn problem_json(p: &ProblemSolving) -> Value {
    json!({
        "id": p.id, "objective": p.objective, "scanning": p.scanning, "analysis": p.analysis,
        "response": p.response, "area": p.area,
        "crime_types": serde_json::from_str::<Value>(&p.crime_types_json).unwrap_or(Value::Array(Vec::new())),
        "before_period": p.before_period, "after_period": p.after_period,
        "assessment": p.assessment,
    })
}

/// `GET /api/v1/cases/{id}/problem-solving`.
async fn list_problem(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let stored = state.store.problem_solving(&viewer, case, state.now()).await?;
    Ok(Json(json!({ "records": stored.iter().map(problem_json).collect::<Vec<_>>() })))
}

/// `POST /api/v1/cases/{id}/problem-solving`.
async fn record_problem(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer, _) = writable(&state, &api, &id, &headers).await?;
    let values = form_fields(&object(&bytes)?, &PROBLEM)?;
    let record = check_problem_solving(&values).map_err(|e| invalid(e, &PROBLEM))?;
    let id = state.store.record_problem_solving(&viewer, case, &record, state.now()).await?;
    Ok(created(id))
}

/// The paths and schemas of this module.
pub(super) fn openapi() -> (Value, Value) {
    let case = || id_param("id", "The case");
    let add_errors = || errors(&["401", "403", "404", "415", "422"]);
    let text = json!({ "type": "string", "maxLength": 5000 });
    let paths = json!({
        "/api/v1/cases/{id}/documents": { "get": {
            "summary": "The case's documents: metadata only, with the web route that downloads each",
            "parameters": [case()],
            "responses": with(errors(&["401", "404"]), "200", "The documents", Some("DocumentList")) } },
        "/api/v1/cases/{id}/risk": {
            "get": { "summary": "The ASB victim risk assessments, newest first, and the model's questions",
                "parameters": [case()],
                "responses": with(errors(&["401", "404"]), "200", "The assessments", Some("RiskAssessments")) },
            "post": { "summary": "Assess a victim's risk: every question answered, scored by the partnership's model",
                "parameters": [case(), csrf_param()], "requestBody": request("NewRiskAssessment"),
                "responses": with(add_errors(), "201", "Recorded", Some("Created")) } },
        "/api/v1/cases/{id}/location-assessment": {
            "get": { "summary": "The location assessments (Neighbourhood Assessment Triangle)",
                "parameters": [case()],
                "responses": with(errors(&["401", "404"]), "200", "The assessments", Some("LocationAssessments")) },
            "post": { "summary": "Record a location assessment, dated today",
                "parameters": [case(), csrf_param()], "requestBody": request("NewLocationAssessment"),
                "responses": with(add_errors(), "201", "Recorded", Some("Created")) } },
        "/api/v1/cases/{id}/problem-solving": {
            "get": { "summary": "The problem-solving (OSARA) records",
                "parameters": [case()],
                "responses": with(errors(&["401", "404"]), "200", "The records", Some("ProblemSolvingRecords")) },
            "post": { "summary": "Record a problem-solving (OSARA) record",
                "parameters": [case(), csrf_param()], "requestBody": request("NewProblemSolving"),
                "responses": with(add_errors(), "201", "Recorded", Some("Created")) } },
    });
    let location_properties = json!({
        "young_people": text.clone(), "guardianship": text.clone(), "environment": text.clone(),
        "weighting": { "type": "string", "enum": ["young-people", "guardianship", "environment"] },
        "goals": text.clone(), "responses": text.clone() });
    let schemas = json!({
        "DocumentList": { "type": "object", "properties": { "documents": { "type": "array", "items": {
            "type": "object", "properties": {
                "id": { "type": "integer" }, "file_name": { "type": "string" },
                "media_type": { "type": "string" }, "size_bytes": { "type": "integer" },
                "sha256": { "type": "string" }, "uploaded_at": { "type": "integer" },
                "download": { "type": "string", "description": "The web route that serves the content" } } } } } },
        "RiskAssessments": { "type": "object", "properties": {
            "questions": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "label": { "type": "string" } } } },
            "assessments": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "integer" }, "subject_id": { "type": ["integer", "null"] },
                "assessed_on": { "type": "string", "format": "date" }, "score": { "type": "integer" },
                "level": { "type": "string", "enum": ["standard", "medium", "high"] },
                "refer_to_support": { "type": "boolean" },
                "yes": { "type": "array", "items": { "type": "string" } },
                "next_review_on": { "type": ["string", "null"], "format": "date" } } } } } },
        "NewRiskAssessment": { "type": "object", "additionalProperties": false, "required": ["answers"], "properties": {
            "subject_id": { "type": ["integer", "null"], "description": "A victim or complainant of the case; not recorded when absent" },
            "answers": { "type": "object", "additionalProperties": { "type": "boolean" },
                "description": "Every question of GET's questions, by id: true for yes. A field error names the question id" } } },
        "LocationAssessments": { "type": "object", "properties": { "assessments": { "type": "array", "items": {
            "type": "object", "properties": { "id": { "type": "integer" }, "assessed_on": { "type": "string", "format": "date" } } } } } },
        "NewLocationAssessment": { "type": "object", "additionalProperties": false,
            "required": ["young_people", "guardianship", "environment", "weighting", "goals", "responses"],
            "properties": location_properties },
        "ProblemSolvingRecords": { "type": "object", "properties": { "records": { "type": "array", "items": {
            "type": "object", "properties": { "id": { "type": "integer" }, "objective": { "type": "string" },
                "assessment": { "type": ["string", "null"] } } } } } },
        "NewProblemSolving": { "type": "object", "additionalProperties": false,
            "required": ["objective", "scanning", "analysis", "response", "area", "before_period", "after_period"],
            "properties": {
                "objective": text.clone(), "scanning": text.clone(), "analysis": text.clone(), "response": text,
                "area": { "type": "string", "examples": ["district:Maidstone", "lsoa:E01024343,E01024344"] },
                "crime_types": { "type": "array", "items": { "type": "string" }, "description": "police.uk crime types; all when empty" },
                "before_period": { "type": "string", "examples": ["2025-01..2025-06"] },
                "after_period": { "type": "string", "examples": ["2025-07..2025-12"] } } },
    });
    (paths, schemas)
}
