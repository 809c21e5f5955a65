//! ASB case reviews (the Community Trigger) as JSON, for those who handle them (coordinators
//! and panel chairs; everyone else gets 404): recording an application, reading one, and each
//! step after it: the threshold decision, the review, recommendations, the outcome.
//!
//! Bodies carry the web forms' own field names and go through the forms' own checks and store
//! calls (`crate::trigger::submit_*`); who may see an application is the store's decision, the
//! need-to-know rule of the case under review, so another agency's coordinator gets 404.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safer_domain::access::Viewer;
use safer_domain::casework::trigger::{ThresholdDecision, VictimKind};
use safer_storage::{ground_name, TriggerApplication};
use serde_json::{json, Value};

use super::api::{csrf_param, errors, id_param, request, with, ApiError, ApiUser};
use super::api_fields::{form_fields, invalid, object, require_json, text, Key, Shape};
use crate::format::parse_id;
use crate::trigger::{
    application_viewer, home_viewer, submit_application, submit_decision, submit_outcome,
    submit_recommendation, submit_review,
};
use crate::views::FieldError;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/trigger/applications", post(create_application))
        .route("/api/v1/trigger/applications/{id}", get(show_application))
        .route("/api/v1/trigger/applications/{id}/decision", post(record_decision))
        .route("/api/v1/trigger/applications/{id}/review", post(record_review))
        .route("/api/v1/trigger/applications/{id}/recommendations", post(add_recommendation))
        .route("/api/v1/trigger/applications/{id}/outcome", post(send_outcome))
}

const APPLICATION: [Key; 9] = [
    text("case", "case"),
    text("case_reference", "case_reference"),
    text("case_summary", "case_summary"),
    text("applicant", "applicant"),
    text("applicant_name", "applicant_name"),
    text("relationship", "relationship"),
    text("consent_on", "consent_on"),
    text("victim", "victim"),
    text("received_on", "received_on"),
];
const DECISION: [Key; 5] = [
    text("decided_on", "decided_on"),
    text("discretion", "discretion"),
    Key { json: "grounds", form: "grounds", shape: Shape::Many },
    text("reason", "reason"),
    text("escalation_route", "escalation_route"),
];
const REVIEW: [Key; 3] = [
    text("held_on", "held_on"),
    Key { json: "bodies", form: "bodies", shape: Shape::Many },
    text("findings", "findings"),
];
const RECOMMENDATION: [Key; 3] =
    [text("recommendation", "recommendation"), text("owner_id", "owner"), text("due_on", "due_on")];
const OUTCOME: [Key; 1] = [text("sent_on", "sent_on")];

fn victim_name(kind: VictimKind) -> &'static str {
    match kind {
        VictimKind::Individual => "individual",
        VictimKind::Business => "business",
        VictimKind::CommunityGroup => "community-group",
    }
}

fn application_json(a: &TriggerApplication) -> Value {
    let decision = a.decision.as_ref().map(|d| {
        let (outcome, grounds, reason) = match &d.decision {
            ThresholdDecision::Met(_) => ("met", Vec::new(), None),
            ThresholdDecision::MetAtDiscretion { grounds, reason } => (
                "met-at-discretion",
                grounds.iter().map(|g| ground_name(*g)).collect(),
                Some(reason.clone()),
            ),
            ThresholdDecision::NotMet { reason } => ("not-met", Vec::new(), Some(reason.clone())),
        };
        json!({
            "outcome": outcome, "grounds": grounds, "reason": reason,
            "review_required": d.decision.review_required(),
            "qualifying_count": d.qualifying_count, "decided_on": d.decided_on,
            "escalation_route": d.escalation_route,
        })
    });
    json!({
        "id": a.id,
        "reference": a.reference,
        "case": { "id": a.case.0, "reference": a.case_reference },
        "receiving_agency": { "id": a.receiving_agency.0, "name": a.receiving_agency_name },
        "applicant_name": a.applicant_name,
        "on_behalf": a.on_behalf,
        "relationship": a.applicant_relationship,
        "consent_on": a.consent_recorded_on,
        "victim": victim_name(a.victim),
        "received_on": a.received_on,
        "status": a.status.as_str(),
        "decision": decision,
        "decision_letter": a.decision_letter,
        "review": a.review.as_ref().map(|r| json!({
            "held_on": r.held_on,
            "bodies": r.bodies.iter().map(|b| b.as_str()).collect::<Vec<_>>(),
            "findings": r.findings,
        })),
        "recommendations": a.recommendations.iter().map(|t| json!({
            "task_id": t.id, "recommendation": t.title,
            "owner": { "id": t.owner.0, "name": t.owner_name }, "due_on": t.due_on, "done_at": t.done_at,
        })).collect::<Vec<_>>(),
        "outcome_letter": a.outcome_letter,
        "outcome_sent_on": a.outcome_sent_on,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    })
}

/// The application's viewer, once the application is known to be one the user may see (404
/// otherwise, before the body is looked at).
async fn visible(state: &AppState, api: &ApiUser, id: &str) -> Result<(i64, Viewer), ApiError> {
    let id = parse_id(id)?;
    let viewer = application_viewer(state, &api.user, id).await?;
    state.store.trigger_application(&viewer, id, state.now()).await?;
    Ok((id, viewer))
}

/// The form's fields of a JSON body.
fn fields_of(
    headers: &HeaderMap,
    bytes: &[u8],
    keys: &[Key],
) -> Result<Vec<(String, String)>, ApiError> {
    require_json(headers)?;
    form_fields(&object(bytes)?, keys)
}

/// The application as it is now, with `status`.
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let application = state.store.trigger_application(viewer, id, state.now()).await?;
    Ok((status, Json(application_json(&application))).into_response())
}

/// `POST /api/v1/trigger/applications`: records an application; 201 with it.
async fn create_application(
    State(state): State<AppState>,
    api: ApiUser,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (partnership, viewer) = home_viewer(&api.user)?;
    let fields = fields_of(&headers, &bytes, &APPLICATION)?;
    match submit_application(&state, &viewer, partnership, &fields, state.now()).await? {
        Ok(id) => answer(&state, &viewer, id, StatusCode::CREATED).await,
        Err(errors) => Err(invalid(errors, &APPLICATION)),
    }
}

/// `GET /api/v1/trigger/applications/{id}`.
async fn show_application(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let viewer = application_viewer(&state, &api.user, id).await?;
    answer(&state, &viewer, id, StatusCode::OK).await
}

/// One step after the application: the fields checked and recorded by `submit`, then the
/// application as it is now (`status`), or 422 with the step's errors.
macro_rules! step {
    ($name:ident, $submit:ident, $keys:expr, $status:expr, $doc:literal) => {
        #[doc = $doc]
        async fn $name(
            State(state): State<AppState>,
            api: ApiUser,
            Path(id): Path<String>,
            headers: HeaderMap,
            bytes: Bytes,
        ) -> Result<Response, ApiError> {
            let (id, viewer) = visible(&state, &api, &id).await?;
            let fields = fields_of(&headers, &bytes, &$keys)?;
            let errors: Vec<FieldError> =
                $submit(&state, &viewer, id, &fields, state.now()).await.map_err(ApiError::from)?;
            if !errors.is_empty() {
                return Err(invalid(errors, &$keys));
            }
            answer(&state, &viewer, id, $status).await
        }
    };
}

step!(
    record_decision,
    submit_decision,
    DECISION,
    StatusCode::OK,
    "`POST /api/v1/trigger/applications/{id}/decision`: the threshold decision and its letter."
);
step!(
    record_review,
    submit_review,
    REVIEW,
    StatusCode::OK,
    "`POST /api/v1/trigger/applications/{id}/review`: the review meeting."
);
step!(
    add_recommendation,
    submit_recommendation,
    RECOMMENDATION,
    StatusCode::CREATED,
    "`POST /api/v1/trigger/applications/{id}/recommendations`: a recommendation, as a task."
);
step!(
    send_outcome,
    submit_outcome,
    OUTCOME,
    StatusCode::OK,
    "`POST /api/v1/trigger/applications/{id}/outcome`: the outcome letter, sent."
);

/// The paths and schemas of this module, and of the figures route of `crate::trigger`.
pub(super) fn openapi() -> (Value, Value) {
    let date = json!({ "type": "string", "format": "date" });
    let app = || id_param("id", "The application");
    let step_errors = || errors(&["401", "404", "415", "422"]);
    let paths = json!({
        "/api/v1/trigger/applications": { "post": {
            "summary": "Record an application for an ASB case review, on an open ASB case or opening one",
            "parameters": [csrf_param()], "requestBody": request("NewTriggerApplication"),
            "responses": with(step_errors(), "201", "Recorded", Some("TriggerApplication")) } },
        "/api/v1/trigger/applications/{id}": { "get": {
            "summary": "An application and everything recorded on it, letters included",
            "parameters": [app()],
            "responses": with(errors(&["401", "404"]), "200", "The application", Some("TriggerApplication")) } },
        "/api/v1/trigger/applications/{id}/decision": { "post": {
            "summary": "The threshold decision; the decision letter is written from the recorded facts",
            "parameters": [app(), csrf_param()], "requestBody": request("TriggerDecision"),
            "responses": with(step_errors(), "200", "Decided", Some("TriggerApplication")) } },
        "/api/v1/trigger/applications/{id}/review": { "post": {
            "summary": "The review meeting",
            "parameters": [app(), csrf_param()], "requestBody": request("TriggerReview"),
            "responses": with(step_errors(), "200", "Recorded", Some("TriggerApplication")) } },
        "/api/v1/trigger/applications/{id}/recommendations": { "post": {
            "summary": "A recommendation of the review, set as a task on the case",
            "parameters": [app(), csrf_param()], "requestBody": request("TriggerRecommendation"),
            "responses": with(step_errors(), "201", "Added", Some("TriggerApplication")) } },
        "/api/v1/trigger/applications/{id}/outcome": { "post": {
            "summary": "Send the outcome letter",
            "parameters": [app(), csrf_param()], "requestBody": request("TriggerOutcome"),
            "responses": with(step_errors(), "200", "Sent", Some("TriggerApplication")) } },
        "/api/v1/trigger/figures": { "get": {
            "summary": "The annual figures the Act requires published; aggregates, for any member of the partnership",
            "parameters": [{ "name": "year", "in": "query", "required": false,
                "description": "The year the partnership's reporting year starts in (the calendar or financial year, as its procedures say); the current one when not given",
                "schema": { "type": "integer", "minimum": 2014 } }],
            "responses": with(with(errors(&["401", "404"]), "400", "Not a year", Some("Error")), "200", "The figures", Some("TriggerFigures")) } },
    });
    let object = |required: &[&str], properties: Value| {
        json!({ "type": "object", "additionalProperties": false, "required": required,
                "properties": properties })
    };
    let schemas = json!({
        "NewTriggerApplication": object(&["case", "applicant", "applicant_name", "victim", "received_on"], json!({
            "case": { "type": "string", "enum": ["existing", "new"] },
            "case_reference": { "type": "string", "description": "With case existing", "examples": ["ASB-000042"] },
            "case_summary": { "type": "string", "description": "With case new: the problem, without names" },
            "applicant": { "type": "string", "enum": ["victim", "on-behalf"] },
            "applicant_name": { "type": "string" },
            "relationship": { "type": "string", "description": "With on-behalf" },
            "consent_on": { "type": "string", "format": "date", "description": "With on-behalf: the day the victim's consent was recorded" },
            "victim": { "type": "string", "enum": ["individual", "business", "community-group"] },
            "received_on": date.clone() })),
        "TriggerDecision": object(&["decided_on"], json!({
            "decided_on": date.clone(),
            "discretion": { "type": "string", "enum": ["review", "refuse"], "description": "Required below the threshold" },
            "grounds": { "type": "array", "items": { "type": "string", "enum": ["persistence", "harm", "adequacy-of-response"] } },
            "reason": { "type": "string" },
            "escalation_route": { "type": "string", "description": "The procedures' own route when empty" } })),
        "TriggerReview": object(&["held_on", "bodies", "findings"], json!({
            "held_on": date.clone(),
            "bodies": { "type": "array", "minItems": 1, "items": { "type": "string" } },
            "findings": { "type": "string" } })),
        "TriggerRecommendation": object(&["recommendation", "owner_id", "due_on"], json!({
            "recommendation": { "type": "string" },
            "owner_id": { "type": "integer", "description": "A user who may read the case" },
            "due_on": date.clone() })),
        "TriggerOutcome": object(&["sent_on"], json!({ "sent_on": date.clone() })),
        "TriggerApplication": { "type": "object", "properties": {
            "id": { "type": "integer" }, "reference": { "type": "string", "examples": ["CT-000012"] },
            "case": { "type": "object" }, "receiving_agency": { "$ref": "#/components/schemas/Agency" },
            "applicant_name": { "type": "string" }, "on_behalf": { "type": "boolean" },
            "victim": { "type": "string" }, "received_on": date.clone(),
            "status": { "type": "string" },
            "decision": { "type": ["object", "null"] }, "decision_letter": { "type": ["string", "null"] },
            "review": { "type": ["object", "null"] },
            "recommendations": { "type": "array", "items": { "type": "object" } },
            "outcome_letter": { "type": ["string", "null"] }, "outcome_sent_on": { "type": ["string", "null"] } } },
        "TriggerFigures": { "type": "object", "properties": {
            "year": { "type": "integer", "description": "The year it starts in" },
            "label": { "type": "string", "examples": ["2026", "2026/27"] },
            "first_day": date.clone(), "last_day": date,
            "applications": { "type": "integer" }, "threshold_not_met": { "type": "integer" },
            "reviews_carried_out": { "type": "integer" }, "reviews_with_recommendations": { "type": "integer" } } },
    });
    (paths, schemas)
}
