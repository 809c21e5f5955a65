//! DASH checklists and MARAC referrals as JSON, on domestic abuse cases only (any other case is
//! 404, as on the web): recording a checklist, which refers the case to MARAC in the same
//! transaction when a criterion is met or the practitioner's judgement says so; a checklist's
//! result; a referral's document.
//!
//! A body is turned into the checklist form's fields and recorded through
//! [`crate::marac::record_posted_dash`], so the checks and the criteria are the web's.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safer_domain::casework::dash::{Judgement, DASH_QUESTIONS};
use safer_domain::ids::CaseId;
use safer_storage::{answer_code, criterion_code, StoredReferral};
use serde_json::{json, Value};

use super::api::{case_for, csrf_param, errors, id_param, request, with, ApiError, ApiUser};
use super::api_fields::{object, require_json};
use crate::format::parse_id;
use crate::marac::{checklist_and_referral, load_da_case, record_posted_dash, Posted};
use crate::views::FieldError;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/dash", post(record_dash))
        .route("/api/v1/cases/{id}/dash/{checklist}", get(show_dash))
        .route("/api/v1/cases/{id}/marac-referrals/{referral}", get(show_referral))
}

fn invalid(message: String) -> ApiError {
    ApiError::Invalid(vec![FieldError { field: "body", message }])
}

/// The checklist form's fields for a JSON body: `victim_id`, `incident_on`, `answers` (24
/// objects of `answer` and `comment`, in question order), `judgement`, `judgement_reason`.
fn dash_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let map = object(bytes)?;
    let mut fields = Vec::new();
    let as_text = |name: &str, value: &Value| match value {
        Value::String(text) => Ok(Some(text.clone())),
        Value::Number(number) => Ok(Some(number.to_string())),
        Value::Null => Ok(None),
        _ => Err(invalid(format!("{name} must be a string"))),
    };
    for (name, value) in &map {
        match name.as_str() {
            "victim_id" | "judgement" | "judgement_reason" => {
                let form = match name.as_str() {
                    "victim_id" => "victim",
                    "judgement" => "judgement",
                    _ => "judgement-reason",
                };
                if let Some(text) = as_text(name, value)? {
                    fields.push((form.to_string(), text));
                }
            }
            "incident_on" => {
                let Some(text) = as_text(name, value)? else { continue };
                let parts: Vec<&str> = text.trim().split('-').collect();
                let (day, month, year) = match parts.as_slice() {
                    [year, month, day] => (*day, *month, *year),
                    _ => (text.as_str(), "", ""),
                };
                for (part, value) in [("day", day), ("month", month), ("year", year)] {
                    fields.push((format!("incident-{part}"), value.to_string()));
                }
            }
            "answers" => {
                let Value::Array(answers) = value else {
                    return Err(invalid("answers must be a list".to_string()));
                };
                if answers.len() > DASH_QUESTIONS.len() {
                    return Err(invalid(format!(
                        "answers must have {} items, one a question",
                        DASH_QUESTIONS.len()
                    )));
                }
                for (i, answer) in answers.iter().enumerate() {
                    let n = i + 1;
                    let item = answer.as_object().ok_or_else(|| {
                        invalid(format!("answer {n} must be an object with answer and comment"))
                    })?;
                    for (key, form) in
                        [("answer", format!("q{n}")), ("comment", format!("q{n}-comment"))]
                    {
                        if let Some(text) = as_text(key, item.get(key).unwrap_or(&Value::Null))? {
                            fields.push((form, text));
                        }
                    }
                }
            }
            other => return Err(invalid(format!("Unknown field: {other}"))),
        }
    }
    Ok(fields)
}

/// The JSON name of a checklist form's error.
fn json_field(field: &str) -> &'static str {
    match field {
        "victim" => "victim_id",
        "incident-day" => "incident_on",
        "judgement-refer" => "judgement",
        "judgement-reason" => "judgement_reason",
        _ => "answers",
    }
}

/// `POST /api/v1/cases/{id}/dash`: records a checklist; 201 with what the criteria found and
/// the referral made, if any.
async fn record_dash(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer, detail) = load_da_case(&state, &api.user, &id).await?;
    require_json(&headers)?;
    let posted = Posted(dash_fields(&bytes)?);
    let now = state.now();
    match record_posted_dash(&state, &viewer, case, &detail, &posted, now).await? {
        Ok(outcome) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "checklist": outcome.checklist,
                "yes_count": outcome.assessment.yes_count,
                "police_incidents_in_window": outcome.assessment.police_incidents_in_window,
                "criteria": outcome.assessment.criteria_met.iter().map(|c| criterion_code(*c)).collect::<Vec<_>>(),
                "referral": outcome.referral,
            })),
        )
            .into_response()),
        Err(errors) => Err(ApiError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError { field: json_field(&e.field), message: e.message })
                .collect(),
        )),
    }
}

fn referral_json(r: &StoredReferral) -> Value {
    let d = &r.document;
    json!({
        "id": r.id,
        "case": { "id": r.case.0, "reference": r.case_reference },
        "panel": { "id": r.panel, "name": r.panel_name },
        "referred_on": r.referred_on,
        "status": r.status,
        "reason": r.reason,
        "repeat": r.repeat,
        "criteria": d.criteria.iter().map(|c| criterion_code(*c)).collect::<Vec<_>>(),
        "yes_count": d.yes_count,
        "police_incidents_in_window": d.police_incidents_in_window,
        "previous_referral_on": d.previous_referral_on.map(|day| day.to_string()),
        "checklist_completed_on": d.checklist_completed_on.to_string(),
        "incident_on": d.incident_on.to_string(),
        "judgement_reason": d.judgement_reason,
        "answers": d.answers.iter().map(|a| json!({
            "number": a.number, "question": a.question, "answer": answer_code(a.answer),
            "comment": a.comment,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/cases/{id}/dash/{checklist}`: a checklist and what the criteria found.
async fn show_dash(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, checklist)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let checklist = parse_id(&checklist)?;
    let now = state.now();
    let (stored, referral) = checklist_and_referral(&state, &viewer, case, checklist, now).await?;
    let judgement = stored.judgement.as_ref().map(|j| match j {
        Judgement::Refer { reason } => json!({ "judgement": "refer", "reason": reason }),
        Judgement::DoNotRefer { reason } => {
            json!({ "judgement": "do-not-refer", "reason": reason })
        }
    });
    Ok(Json(json!({
        "id": stored.id,
        "case": stored.case.0,
        "victim_id": stored.victim.0,
        "completed_on": stored.completed_on,
        "incident_on": stored.incident_on,
        "yes_count": stored.yes_count,
        "answers": stored.responses.iter().enumerate().map(|(i, r)| json!({
            "number": i + 1, "question": DASH_QUESTIONS.get(i), "answer": answer_code(r.answer),
            "comment": r.comment,
        })).collect::<Vec<_>>(),
        "judgement": judgement,
        "police_incidents": stored.police_incidents,
        "criteria": stored.criteria.iter().map(|c| criterion_code(*c)).collect::<Vec<_>>(),
        "referral": referral.as_ref().map(referral_json),
        "created_at": stored.created_at,
    })))
}

/// `GET /api/v1/cases/{id}/marac-referrals/{referral}`: the referral document.
async fn show_referral(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, referral)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer): (CaseId, _) = case_for(&state, &api, &id).await?;
    let referral = parse_id(&referral)?;
    let stored = state.store.marac_referral(&viewer, case, referral, state.now()).await?;
    Ok(Json(referral_json(&stored)))
}

/// The paths and schemas of this module, and of the meeting route of `crate::panels`.
pub(super) fn openapi() -> (Value, Value) {
    let date = json!({ "type": "string", "format": "date" });
    let criteria = json!({ "type": "array", "items": { "type": "string",
        "enum": ["visible-high-risk", "professional-judgement", "escalation", "repeat"] } });
    let answer = json!({ "type": "string", "enum": ["yes", "no", "dont-know"] });
    let paths = json!({
        "/api/v1/cases/{id}/dash": { "post": {
            "summary": "Record a DASH risk checklist on a domestic abuse case. The MARAC criteria are applied as it is stored, and a referral to the partnership's MARAC is made in the same transaction when one is met or the judgement is to refer",
            "parameters": [id_param("id", "The case (domestic abuse; any other is 404)"), csrf_param()],
            "requestBody": request("NewDash"),
            "responses": with(errors(&["401", "404", "415", "422"]), "201", "Recorded", Some("DashOutcome")) } },
        "/api/v1/cases/{id}/dash/{checklist}": { "get": {
            "summary": "A checklist, what the criteria found and the referral it made",
            "parameters": [id_param("id", "The case"), id_param("checklist", "The checklist")],
            "responses": with(errors(&["401", "404"]), "200", "The checklist", Some("Dash")) } },
        "/api/v1/cases/{id}/marac-referrals/{referral}": { "get": {
            "summary": "A MARAC referral's document, built from its checklist",
            "parameters": [id_param("id", "The case"), id_param("referral", "The referral")],
            "responses": with(errors(&["401", "404"]), "200", "The referral", Some("MaracReferral")) } },
        "/api/v1/meetings/{id}": { "get": {
            "summary": "A panel meeting with its agenda; an item's case details only for those who may read the case",
            "parameters": [id_param("id", "The meeting")],
            "responses": with(errors(&["401", "404"]), "200", "The meeting", Some("Meeting")) } },
    });
    let schemas = json!({
        "NewDash": { "type": "object", "additionalProperties": false,
            "required": ["victim_id", "incident_on", "answers"], "properties": {
            "victim_id": { "type": "integer", "description": "A subject linked to the case as its victim" },
            "incident_on": date.clone(),
            "answers": { "type": "array", "minItems": 24, "maxItems": 24, "description": "In question order",
                "items": { "type": "object", "required": ["answer"], "properties": {
                    "answer": answer.clone(), "comment": { "type": "string" } } } },
            "judgement": { "type": "string", "enum": ["none", "refer", "do-not-refer"], "default": "none" },
            "judgement_reason": { "type": "string", "description": "Required with a judgement" } } },
        "DashOutcome": { "type": "object", "properties": {
            "checklist": { "type": "integer" }, "yes_count": { "type": "integer" },
            "police_incidents_in_window": { "type": "integer" }, "criteria": criteria.clone(),
            "referral": { "type": ["integer", "null"], "description": "The MARAC referral made, if any" } } },
        "Dash": { "type": "object", "properties": {
            "id": { "type": "integer" }, "case": { "type": "integer" }, "victim_id": { "type": "integer" },
            "completed_on": date.clone(), "incident_on": date.clone(), "yes_count": { "type": "integer" },
            "answers": { "type": "array", "items": { "type": "object" } },
            "judgement": { "type": ["object", "null"] }, "criteria": criteria.clone(),
            "referral": { "oneOf": [{ "$ref": "#/components/schemas/MaracReferral" }, { "type": "null" }] } } },
        "MaracReferral": { "type": "object", "properties": {
            "id": { "type": "integer" }, "case": { "type": "object" }, "panel": { "type": "object" },
            "referred_on": date.clone(), "status": { "type": "string", "enum": ["waiting", "listed", "heard", "withdrawn"] },
            "reason": { "type": "string" }, "repeat": { "type": "boolean" }, "criteria": criteria,
            "yes_count": { "type": "integer" }, "checklist_completed_on": date.clone(), "incident_on": date,
            "answers": { "type": "array", "items": { "type": "object", "properties": {
                "number": { "type": "integer" }, "question": { "type": "string" }, "answer": answer,
                "comment": { "type": "string" } } } } } },
        "Meeting": { "type": "object", "description": "A meeting, its attendance and its agenda items" },
    });
    (paths, schemas)
}
