//! The casework JSON API under `/api/v1/`, and its OpenAPI 3.1 document.
//!
//! Same session cookie and the same access rule as the pages. Unsafe methods need the CSRF
//! token in the `X-CSRF-Token` header (the session middleware checks it); `GET
//! /api/v1/session` gives it. Errors are JSON: 401 not signed in, 404 not found (also for a
//! case the user may not see, and every route for users who work no cases), 403 with the
//! reason for an action they may not take on a case they can see, 422 with field errors.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safer_domain::case::CaseType;
use safer_domain::ids::{CaseId, PartnershipId};
use safer_storage::{CaseFilter, CaseSummary, NewCase, NewIncident, StoreError, Task};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::forms::{check_case, check_incident, check_note, check_task, iso_date};
use super::{case_viewer_in, home_viewer, parse_id, today_iso};
use crate::session::{Ctx, CurrentUser};
use crate::views::FieldError;
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/session", get(session))
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/{id}", get(show_case))
        .route("/api/v1/cases/{id}/incidents", post(create_incident))
        .route("/api/v1/cases/{id}/notes", post(create_note))
        .route("/api/v1/cases/{id}/tasks", post(create_task))
        .route("/api/v1/tasks", get(my_tasks))
        .route("/api/v1/tasks/{id}/complete", post(complete_task))
}

/// An API error as JSON.
#[derive(Debug)]
pub(crate) enum ApiError {
    Unauthorised,
    NotFound,
    Forbidden(&'static str),
    Invalid(Vec<FieldError>),
    /// A body not declared `application/json`.
    UnsupportedMediaType,
    Internal(AppError),
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden(message) => ApiError::Forbidden(message),
            other => ApiError::Internal(AppError::from(other)),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound => ApiError::NotFound,
            AppError::SignInRequired(_) => ApiError::Unauthorised,
            other => ApiError::Internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::Unauthorised => {
                (StatusCode::UNAUTHORIZED, json!({ "error": "sign in first" }))
            }
            ApiError::NotFound => (StatusCode::NOT_FOUND, json!({ "error": "not found" })),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, json!({ "error": message })),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({ "error": "send the body as application/json" }),
            ),
            ApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error": "the request has problems",
                    "fields": errors.iter().map(|e| json!({ "field": e.field, "message": e.message })).collect::<Vec<_>>(),
                }),
            ),
            ApiError::Internal(err) => {
                // Logs the cause once; the client gets a generic message.
                let _ = err.into_response();
                (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "internal error" }))
            }
        };
        (status, Json(body)).into_response()
    }
}

/// The signed-in user, or 401 (no redirect: this is an API).
pub(crate) struct ApiUser {
    pub(crate) ctx: Ctx,
    pub(crate) user: CurrentUser,
}

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(ApiError::from)?;
        match ctx.user.clone() {
            Some(user) => Ok(ApiUser { ctx, user }),
            None => Err(ApiError::Unauthorised),
        }
    }
}

fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|_| {
        ApiError::Invalid(vec![FieldError {
            field: "body",
            message: "The body must be a JSON object with the documented fields".to_string(),
        }])
    })
}

fn case_json(c: &CaseSummary) -> Value {
    json!({
        "id": c.id.0,
        "reference": c.reference,
        "case_type": c.case_type.as_str(),
        "summary": c.summary,
        "status": c.status,
        "opened_on": c.opened_on,
        "closed_on": c.closed_on,
        "retain_until_on": c.retain_until_on,
        "owner_agency": { "id": c.owner.0, "name": c.owner_name },
        "restricted": c.restricted,
    })
}

fn task_json(t: &Task) -> Value {
    json!({
        "id": t.id,
        "case_id": t.case.0,
        "case_reference": t.case_reference,
        "title": t.title,
        "owner": { "id": t.owner.0, "name": t.owner_name },
        "due_on": t.due_on,
        "done_at": t.done_at,
    })
}

async fn session(api: ApiUser) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({
        "user_id": api.user.id.0,
        "csrf_token": api.ctx.csrf_token,
        "works_cases": api.user.roles.iter().any(|r| r.works_cases()),
    })))
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

async fn list_cases(
    State(state): State<AppState>,
    api: ApiUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let (partnership, viewer) = home_viewer(&api.user)?;
    let mut errors = Vec::new();
    let case_type = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(kind) => match kind.parse::<CaseType>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(FieldError { field: "type", message: "Unknown case type".into() });
                None
            }
        },
    };
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s @ ("open" | "closed")) => Some(s),
        Some(_) => {
            errors.push(FieldError { field: "status", message: "Use open or closed".into() });
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let cases = state
        .store
        .list_cases(&viewer, partnership, CaseFilter { case_type, status }, state.now())
        .await?;
    Ok(Json(json!({ "cases": cases.iter().map(case_json).collect::<Vec<_>>() })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewCaseBody {
    case_type: String,
    summary: String,
    opened_on: Option<String>,
}

async fn create_case(
    State(state): State<AppState>,
    api: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (partnership, viewer): (PartnershipId, _) = home_viewer(&api.user)?;
    let request: NewCaseBody = body(&bytes)?;
    let now = state.now();
    let mut errors = Vec::new();
    let opened = iso_date(
        "opened_on",
        "the date the case was opened",
        "Date opened",
        request.opened_on.as_deref(),
        true,
        &mut errors,
    );
    let valid = check_case(&request.case_type, &request.summary, opened, &today_iso(now), errors)
        .map_err(ApiError::Invalid)?;
    let new_case = NewCase {
        partnership,
        case_type: valid.case_type,
        summary: &valid.summary,
        opened_on: &valid.opened_on,
    };
    let (id, reference) = state.store.open_case(&viewer, &new_case, now).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id.0, "reference": reference }))).into_response())
}

/// The case in the path and the user as its viewer; 404 for a case the user may not read.
pub(super) async fn case_for(
    state: &AppState,
    api: &ApiUser,
    id: &str,
) -> Result<(CaseId, safer_domain::access::Viewer), ApiError> {
    let case = CaseId(parse_id(id)?);
    let (_, viewer) = case_viewer_in(state, &api.user, case).await?;
    Ok((case, viewer))
}

async fn show_case(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let d = state.store.case_detail(&viewer, case, state.now()).await?;
    Ok(Json(json!({
        "case": case_json(&d.case),
        "can_write": d.access.can_write(&viewer),
        "can_manage": d.access.can_manage(&viewer),
        "subjects": d.subjects.iter().map(|s| json!({
            "id": s.id.0, "kind": s.kind.as_str(), "name": s.name, "born_on": s.born_on,
            "address": s.address, "postcode": s.postcode, "part": s.role.as_str(),
            "consent": s.consent.as_str(), "consent_on": s.consent_on,
        })).collect::<Vec<_>>(),
        "shares": d.shares.iter().map(|s| json!({
            "agency": { "id": s.agency.0, "name": s.agency_name }, "purpose": s.purpose,
            "legal_basis": s.legal_basis.as_str(), "shared_at": s.shared_at, "revoked_at": s.revoked_at,
        })).collect::<Vec<_>>(),
        "team": d.team.iter().map(|m| json!({
            "id": m.user.0, "name": m.display_name, "agency_name": m.agency_name,
        })).collect::<Vec<_>>(),
        "incidents": d.incidents.iter().map(|i| json!({
            "id": i.id, "occurred_on": i.occurred_on, "reported_on": i.reported_on,
            "reported_to": { "id": i.reported_to.0, "name": i.reported_to_name },
            "category": i.category, "location": i.location, "incident_key": i.incident_key,
            "description": i.description,
        })).collect::<Vec<_>>(),
        "tasks": d.tasks.iter().map(task_json).collect::<Vec<_>>(),
        "notes": d.notes.iter().map(|n| json!({
            "id": n.id, "author_name": n.author_name, "body": n.body, "created_at": n.created_at,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct IncidentBody {
    occurred_on: Option<String>,
    reported_on: Option<String>,
    category: String,
    location: String,
    description: String,
}

async fn create_incident(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    // A case the viewer may not see is 404 before the body is even looked at.
    if !state.store.case_is_open(&viewer, case).await? {
        return Err(ApiError::Forbidden("the case is closed"));
    }
    let request: IncidentBody = body(&bytes)?;
    let now = state.now();
    let mut errors = Vec::new();
    let occurred = iso_date(
        "occurred_on",
        "the date it happened",
        "Date it happened",
        request.occurred_on.as_deref(),
        true,
        &mut errors,
    );
    let reported = iso_date(
        "reported_on",
        "the date it was reported",
        "Date reported",
        request.reported_on.as_deref(),
        true,
        &mut errors,
    );
    let valid = check_incident(
        occurred,
        reported,
        &request.category,
        &request.location,
        &request.description,
        &today_iso(now),
        errors,
    )
    .map_err(ApiError::Invalid)?;
    let incident = NewIncident {
        occurred_on: &valid.occurred_on,
        reported_on: &valid.reported_on,
        reported_to: viewer.agency,
        category: &valid.category,
        location: valid.location.as_deref(),
        incident_key: None,
        description: &valid.description,
    };
    let id = state.store.add_incident(&viewer, case, &incident, now).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoteBody {
    body: String,
}

async fn create_note(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    if !state.store.case_is_open(&viewer, case).await? {
        return Err(ApiError::Forbidden("the case is closed"));
    }
    let request: NoteBody = body(&bytes)?;
    let text = check_note(&request.body).map_err(|errors| {
        ApiError::Invalid(errors.into_iter().map(|e| FieldError { field: "body", ..e }).collect())
    })?;
    let id = state.store.add_note(&viewer, case, &text, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TaskBody {
    title: String,
    owner_id: Option<i64>,
    due_on: Option<String>,
}

async fn create_task(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    if !state.store.case_is_open(&viewer, case).await? {
        return Err(ApiError::Forbidden("the case is closed"));
    }
    let request: TaskBody = body(&bytes)?;
    let mut errors = Vec::new();
    let due = iso_date(
        "due_on",
        "the date it is due",
        "Due date",
        request.due_on.as_deref(),
        true,
        &mut errors,
    );
    let owner = request.owner_id.map(|id| id.to_string()).unwrap_or_default();
    let valid = check_task(&request.title, &owner, due, errors).map_err(|errors| {
        ApiError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: if e.field == "owner" { "owner_id" } else { e.field },
                    ..e
                })
                .collect(),
        )
    })?;
    let outcome = state
        .store
        .add_task(&viewer, case, &valid.title, valid.owner, &valid.due_on, state.now())
        .await;
    match outcome {
        Ok(id) => Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response()),
        // The case was readable a moment ago, so "not found" here is the owner.
        Err(StoreError::NotFound) => Err(ApiError::Invalid(vec![FieldError {
            field: "owner_id",
            message: "No such user".to_string(),
        }])),
        Err(err) => Err(err.into()),
    }
}

async fn my_tasks(State(state): State<AppState>, api: ApiUser) -> Result<Json<Value>, ApiError> {
    let (_, viewer) = home_viewer(&api.user)?;
    let tasks = state.store.my_tasks(&viewer, state.now()).await?;
    Ok(Json(json!({ "tasks": tasks.iter().map(task_json).collect::<Vec<_>>() })))
}

async fn complete_task(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (_, viewer) = home_viewer(&api.user)?;
    let task = parse_id(&id)?;
    // The store finds the task's case and applies the rule; roles are those of the user's
    // case-working partnership.
    state.store.complete_task(&viewer, task, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/openapi.json`.
async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

/// A path parameter: a positive id.
pub(super) fn id_param(name: &str, what: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": what,
            "schema": { "type": "integer", "minimum": 1 } })
}

/// The CSRF header every unsafe request carries.
pub(super) fn csrf_param() -> Value {
    json!({ "name": "X-CSRF-Token", "in": "header", "required": true,
        "description": "The csrf_token from GET /api/v1/session", "schema": { "type": "string" } })
}

/// The error responses of `codes`.
pub(super) fn errors(codes: &[&str]) -> Value {
    let mut map = serde_json::Map::new();
    for code in codes {
        let schema = if *code == "422" { "ValidationError" } else { "Error" };
        let description = match *code {
            "401" => "Not signed in",
            "403" => "The case is visible but this action is not allowed (reason given), or the CSRF token is missing or wrong",
            "404" => "No such case, or one the user may not see, or the user works no cases",
            "415" => "The body is not declared application/json",
            "422" => "The body has problems, by field",
            _ => "Error",
        };
        map.insert(code.to_string(), json!({ "description": description,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } }));
    }
    Value::Object(map)
}

/// `responses` with a success response `code` added, of `schema` when it has a body.
pub(super) fn with(
    mut responses: Value,
    code: &str,
    description: &str,
    schema: Option<&str>,
) -> Value {
    let mut response = json!({ "description": description });
    if let Some(schema) = schema {
        response["content"] = json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } });
    }
    responses[code] = response;
    responses
}

/// A required JSON request body of `schema`.
pub(super) fn request(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

/// The OpenAPI 3.1 document of this API, written by hand: the routes of this module, then
/// those of the casework modules beside it and of the pages' modules that answer JSON.
pub(crate) fn openapi_document() -> Value {
    let mut document = core_document();
    let parts = [
        super::api_powers::openapi(),
        super::api_dash::openapi(),
        super::api_trigger::openapi(),
        super::api_records::openapi(),
    ];
    for (paths, schemas) in parts {
        for (section, more) in [("paths", paths), ("schemas", schemas)] {
            let target = if section == "paths" {
                &mut document["paths"]
            } else {
                &mut document["components"]["schemas"]
            };
            if let (Some(target), Value::Object(more)) = (target.as_object_mut(), more) {
                target.extend(more);
            }
        }
    }
    document
}

/// The document's frame and the routes of this module.
fn core_document() -> Value {
    let csrf = csrf_param();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Safer casework API",
            "version": "1",
            "description": "Multi-agency cases for a Community Safety Partnership. Sign in through the web form; the session cookie authenticates requests. Unsafe methods need the X-CSRF-Token header. Access is need-to-know: see docs/casework.md.",
        },
        "servers": [{ "url": "/" }],
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": "safer_session" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
                "ValidationError": { "type": "object", "required": ["error", "fields"], "properties": {
                    "error": { "type": "string" },
                    "fields": { "type": "array", "items": { "type": "object", "required": ["field", "message"], "properties": {
                        "field": { "type": "string" }, "message": { "type": "string" } } } } } },
                "Session": { "type": "object", "required": ["user_id", "csrf_token", "works_cases"], "properties": {
                    "user_id": { "type": "integer" }, "csrf_token": { "type": "string" }, "works_cases": { "type": "boolean" } } },
                "Agency": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } },
                "Case": { "type": "object", "required": ["id", "reference", "case_type", "summary", "status", "opened_on", "owner_agency", "restricted"], "properties": {
                    "id": { "type": "integer" }, "reference": { "type": "string", "examples": ["ASB-000042"] },
                    "case_type": { "$ref": "#/components/schemas/CaseType" }, "summary": { "type": "string" },
                    "status": { "type": "string", "enum": ["open", "closed"] },
                    "opened_on": { "type": "string", "format": "date" },
                    "closed_on": { "type": ["string", "null"], "format": "date" },
                    "retain_until_on": { "type": ["string", "null"], "format": "date" },
                    "owner_agency": { "$ref": "#/components/schemas/Agency" }, "restricted": { "type": "boolean" } } },
                "CaseType": { "type": "string", "enum": CaseType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>() },
                "CaseList": { "type": "object", "properties": { "cases": { "type": "array", "items": { "$ref": "#/components/schemas/Case" } } } },
                "CaseDetail": { "type": "object", "properties": {
                    "case": { "$ref": "#/components/schemas/Case" },
                    "can_write": { "type": "boolean" }, "can_manage": { "type": "boolean" },
                    "subjects": { "type": "array", "items": { "type": "object" } },
                    "shares": { "type": "array", "items": { "type": "object" } },
                    "team": { "type": "array", "items": { "type": "object" } },
                    "incidents": { "type": "array", "items": { "type": "object" } },
                    "tasks": { "type": "array", "items": { "$ref": "#/components/schemas/Task" } },
                    "notes": { "type": "array", "items": { "type": "object" } } } },
                "Task": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "case_id": { "type": "integer" }, "case_reference": { "type": "string" },
                    "title": { "type": "string" }, "owner": { "$ref": "#/components/schemas/Agency" },
                    "due_on": { "type": "string", "format": "date" }, "done_at": { "type": ["integer", "null"] } } },
                "TaskList": { "type": "object", "properties": { "tasks": { "type": "array", "items": { "$ref": "#/components/schemas/Task" } } } },
                "Created": { "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" }, "reference": { "type": "string" } } },
                "NewCase": { "type": "object", "required": ["case_type", "summary", "opened_on"], "properties": {
                    "case_type": { "$ref": "#/components/schemas/CaseType" },
                    "summary": { "type": "string", "maxLength": 200, "description": "No names: it shows in lists" },
                    "opened_on": { "type": "string", "format": "date" } } },
                "NewIncident": { "type": "object", "required": ["occurred_on", "reported_on", "category", "description"], "properties": {
                    "occurred_on": { "type": "string", "format": "date" }, "reported_on": { "type": "string", "format": "date" },
                    "category": { "type": "string", "maxLength": 80 }, "location": { "type": "string", "maxLength": 200 },
                    "description": { "type": "string", "maxLength": 5000 } } },
                "NewNote": { "type": "object", "required": ["body"], "properties": { "body": { "type": "string", "maxLength": 10000 } } },
                "NewTask": { "type": "object", "required": ["title", "owner_id", "due_on"], "properties": {
                    "title": { "type": "string", "maxLength": 200 }, "owner_id": { "type": "integer", "description": "A user who may read the case" },
                    "due_on": { "type": "string", "format": "date" } } },
            },
        },
        "security": [{ "session": [] }],
        "paths": {
            "/api/v1/openapi.json": { "get": { "summary": "This document", "security": [],
                "responses": { "200": { "description": "The OpenAPI document" } } } },
            "/api/v1/session": { "get": { "summary": "The signed-in user and the CSRF token for unsafe requests",
                "responses": with(errors(&["401"]), "200", "The session", Some("Session")) } },
            "/api/v1/cases": {
                "get": { "summary": "Cases the user may read, newest first",
                    "parameters": [
                        { "name": "type", "in": "query", "required": false, "schema": { "$ref": "#/components/schemas/CaseType" } },
                        { "name": "status", "in": "query", "required": false, "schema": { "type": "string", "enum": ["open", "closed"] } } ],
                    "responses": with(errors(&["401", "404", "422"]), "200", "The cases", Some("CaseList")) },
                "post": { "summary": "Open a case, owned by the user's agency with the user on its team",
                    "parameters": [csrf.clone()], "requestBody": request("NewCase"),
                    "responses": with(errors(&["401", "403", "404", "422"]), "201", "Opened", Some("Created")) } },
            "/api/v1/cases/{id}": { "get": { "summary": "Everything on a case the user may read",
                "parameters": [id_param("id", "The case")],
                "responses": with(errors(&["401", "404"]), "200", "The case", Some("CaseDetail")) } },
            "/api/v1/cases/{id}/incidents": { "post": { "summary": "Record an incident, reported to the user's agency",
                "parameters": [id_param("id", "The case"), csrf.clone()], "requestBody": request("NewIncident"),
                "responses": with(errors(&["401", "403", "404", "422"]), "201", "Recorded", Some("Created")) } },
            "/api/v1/cases/{id}/notes": { "post": { "summary": "Add a note",
                "parameters": [id_param("id", "The case"), csrf.clone()], "requestBody": request("NewNote"),
                "responses": with(errors(&["401", "403", "404", "422"]), "201", "Added", Some("Created")) } },
            "/api/v1/cases/{id}/tasks": { "post": { "summary": "Set a task for someone who may read the case",
                "parameters": [id_param("id", "The case"), csrf.clone()], "requestBody": request("NewTask"),
                "responses": with(errors(&["401", "403", "404", "422"]), "201", "Set", Some("Created")) } },
            "/api/v1/tasks": { "get": { "summary": "The user's open tasks, soonest due first",
                "responses": with(errors(&["401", "404"]), "200", "The tasks", Some("TaskList")) } },
            "/api/v1/tasks/{id}/complete": { "post": { "summary": "Mark a task done (again is harmless)",
                "parameters": [id_param("id", "The task"), csrf],
                "responses": with(errors(&["401", "403", "404"]), "204", "Done", None) } },
        },
    })
}
