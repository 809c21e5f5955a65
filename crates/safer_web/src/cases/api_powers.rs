//! Enforcement powers as JSON: a case's powers and running clocks, and recording a power of
//! any kind the web offers (`/api/v1/cases/{id}/powers/{kind}`, the same kinds as the forms at
//! `/cases/{id}/powers/{kind}`).
//!
//! A body is turned into the form's fields and recorded through
//! [`crate::powers::record_from_form`], so the checks, the statute (applied by the store) and
//! the refusals' words are the web's: a refusal is a 422 on the field it belongs to, such as a
//! CPN without a warning.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safer_storage::{CasePowers, Power};
use serde_json::{json, Value};

use super::api::{case_for, csrf_param, errors, id_param, request, with, ApiError, ApiUser};
use super::api_fields::{date, form_fields, invalid, object, require_json, text, Key, Shape};
use crate::form::FormState;
use crate::powers::{clock_json, record_from_form, FormKind};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/powers", get(show_powers))
        .route("/api/v1/cases/{id}/powers/{kind}", post(record_power))
}

const SUBJECT: Key = text("subject_id", "subject");
const POWER: Key = text("power_id", "power");
const CONDUCT: Key = text("conduct", "conduct");
const UNTIL: Key = date("until_on", "until", "_");

const CPW: [Key; 4] =
    [SUBJECT, CONDUCT, date("issued_on", "issued", "_"), date("comply_by_on", "comply_by", "_")];
const CPN: [Key; 4] = [
    SUBJECT,
    CONDUCT,
    date("issued_on", "issued", "_"),
    Key { json: "requirements", form: "requirements", shape: Shape::Lines },
];
const APPEAL: [Key; 2] = [POWER, date("lodged_on", "lodged", "_")];
const FPN: [Key; 3] = [POWER, date("offence_on", "offence", "_"), date("given_on", "given", "_")];
const CLOSURE_NOTICE: [Key; 4] = [
    text("issuer", "issuer"),
    date("served_on", "served", "_"),
    text("served_time", "served_time"),
    text("hours", "hours"),
];
const MADE_UNTIL: [Key; 2] = [date("made_on", "made", "_"), UNTIL];
const INJUNCTION: [Key; 4] = [
    SUBJECT,
    date("granted_on", "granted", "_"),
    UNTIL,
    Key { json: "power_of_arrest", form: "arrest", shape: Shape::YesNo },
];

/// The body's keys for each kind, and the form fields they fill.
fn keys(kind: FormKind) -> &'static [Key] {
    match kind {
        FormKind::Cpw => &CPW,
        FormKind::Cpn => &CPN,
        FormKind::Appeal => &APPEAL,
        FormKind::Fpn => &FPN,
        FormKind::ClosureNotice => &CLOSURE_NOTICE,
        FormKind::ClosureOrder | FormKind::Pspo => &MADE_UNTIL,
        FormKind::Injunction => &INJUNCTION,
    }
}

fn power_json(p: &Power) -> Value {
    json!({
        "id": p.id,
        "kind": p.kind.as_str(),
        "label": p.kind.label(),
        "subject": p.subject.map(|s| json!({ "id": s.0, "name": p.subject_name })),
        "conduct": p.conduct,
        "related": p.related,
        "issued_on": p.issued_on,
        "comply_by_on": p.comply_by_on,
        "offence_on": p.offence_on,
        "until_on": p.until_on,
        "extended_on": p.extended_on,
        "served_at": p.served_at,
        "hours": p.hours,
        "issuer": p.issuer,
        "requirements": p.requirements.iter().map(|r| json!({
            "kind": safer_storage::requirement_kind_str(r.kind),
            "text": r.text,
            "deadline_on": r.deadline_on,
            "in_force": r.in_force,
        })).collect::<Vec<_>>(),
        "amount_pence": p.amount_pence,
        "early_amount_pence": p.early_amount_pence,
        "early_by_on": p.early_by_on,
        "pay_by_on": p.pay_by_on,
        "rules_valid_from_on": p.rules_valid_from_on,
        "power_of_arrest": p.power_of_arrest,
        "appeal_lodged_on": p.appeal_lodged_on,
        "appeal_outcome": p.appeal_outcome,
        "status": p.status,
        "created_at": p.created_at,
    })
}

fn powers_json(loaded: &CasePowers, now: i64) -> Value {
    json!({
        "case": loaded.case.0,
        "reference": loaded.reference,
        "recipients": loaded.recipients.iter().map(|r| json!({
            "id": r.id.0, "name": r.name, "kind": r.kind.as_str(),
        })).collect::<Vec<_>>(),
        "powers": loaded.powers.iter().map(power_json).collect::<Vec<_>>(),
        "clocks": loaded.clocks.iter().map(|c| clock_json(c, now)).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/cases/{id}/powers`: the powers used, who they can be used against, and the
/// clocks still running.
async fn show_powers(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let now = state.now();
    let loaded = state.store.case_powers(&viewer, case, now).await?;
    Ok(Json(powers_json(&loaded, now)))
}

/// `POST /api/v1/cases/{id}/powers/{kind}`: records a power as the form does; 201 with the
/// case's powers afterwards.
async fn record_power(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, kind)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (case, viewer) = case_for(&state, &api, &id).await?;
    let kind = FormKind::parse(&kind)?;
    let now = state.now();
    let loaded = state.store.case_powers(&viewer, case, now).await?;
    require_json(&headers)?;
    let keys = keys(kind);
    let fields = form_fields(&object(&bytes)?, keys)?;
    let mut form = FormState::from_pairs(fields, Vec::new());
    if !record_from_form(&state, &viewer, &loaded, kind, &mut form, now).await? {
        return Err(invalid(form.errors, keys));
    }
    let after = state.store.case_powers(&viewer, case, now).await?;
    Ok((StatusCode::CREATED, Json(powers_json(&after, now))).into_response())
}

/// The paths and schemas of this module, and of the clocks routes of `crate::powers`.
pub(super) fn openapi() -> (Value, Value) {
    let csrf = csrf_param();
    let date = json!({ "type": "string", "format": "date" });
    let id = json!({ "type": "integer", "minimum": 1 });
    let kinds: Vec<&str> = FormKind::ALL.iter().map(|k| k.slug()).collect();
    let body = |required: &[&str], properties: Value| {
        json!({ "type": "object", "additionalProperties": false, "required": required,
                "properties": properties })
    };
    let paths = json!({
        "/api/v1/cases/{id}/powers": { "get": {
            "summary": "The powers used on a case, who they can be used against, and the clocks still running",
            "parameters": [id_param("id", "The case")],
            "responses": with(errors(&["401", "404"]), "200", "The powers", Some("CasePowers")) } },
        "/api/v1/cases/{id}/powers/{kind}": { "post": {
            "summary": "Record a power, checked as the web form checks it; the statute's refusals (a CPN before the warning's time to stop has passed, or without a warning) are 422 in the rule's words",
            "parameters": [id_param("id", "The case"),
                { "name": "kind", "in": "path", "required": true,
                  "description": "Which power; the body is the schema of the same name",
                  "schema": { "type": "string", "enum": kinds } },
                csrf.clone()],
            "requestBody": request("NewPower"),
            "responses": with(errors(&["401", "403", "404", "415", "422"]), "201", "Recorded: the case's powers", Some("CasePowers")) } },
        "/api/v1/cases/{id}/clocks": { "get": {
            "summary": "The clocks running on a case (powers, case reviews, case review service levels)",
            "parameters": [id_param("id", "The case")],
            "responses": with(errors(&["401", "404"]), "200", "The clocks", Some("CaseClocks")) } },
        "/api/v1/due": { "get": {
            "summary": "Every clock on the user's cases due within the next eight weeks, overdue ones included, soonest first",
            "responses": with(errors(&["401", "404"]), "200", "The due list", Some("DueList")) } },
    });
    let schemas = json!({
        "Clock": { "type": "object", "properties": {
            "case": { "type": "integer" }, "reference": { "type": "string" },
            "source": { "type": "string" }, "power": { "type": ["integer", "null"] },
            "power_kind": { "type": ["string", "null"] },
            "application": { "type": ["object", "null"] },
            "name": { "type": "string" },
            "kind": { "type": "string", "enum": ["deadline", "earliest-action", "expiry", "review"] },
            "due": { "type": "string", "description": "A date, or an instant in UTC" },
            "overdue": { "type": "boolean" } } },
        "CaseClocks": { "type": "object", "properties": { "case": { "type": "integer" },
            "clocks": { "type": "array", "items": { "$ref": "#/components/schemas/Clock" } } } },
        "DueList": { "type": "object", "properties": { "until": date.clone(),
            "clocks": { "type": "array", "items": { "$ref": "#/components/schemas/Clock" } } } },
        "Power": { "type": "object", "description": "Fields a kind does not use are null", "properties": {
            "id": { "type": "integer" }, "kind": { "type": "string" }, "label": { "type": "string" },
            "subject": { "type": ["object", "null"] }, "conduct": { "type": ["string", "null"] },
            "issued_on": { "type": ["string", "null"] }, "comply_by_on": { "type": ["string", "null"] },
            "until_on": { "type": ["string", "null"] }, "requirements": { "type": "array", "items": { "type": "object" } },
            "amount_pence": { "type": ["integer", "null"] }, "pay_by_on": { "type": ["string", "null"] },
            "status": { "type": "string", "enum": ["in-force", "appeal-pending", "quashed", "ended"] } } },
        "CasePowers": { "type": "object", "properties": {
            "case": { "type": "integer" }, "reference": { "type": "string" },
            "recipients": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "integer" }, "name": { "type": "string" }, "kind": { "type": "string" } } } },
            "powers": { "type": "array", "items": { "$ref": "#/components/schemas/Power" } },
            "clocks": { "type": "array", "items": { "$ref": "#/components/schemas/Clock" } } } },
        "NewPower": { "oneOf": kinds.iter().map(|k| json!({ "$ref": format!("#/components/schemas/power-{k}") })).collect::<Vec<_>>() },
        "power-cpw": body(&["subject_id", "conduct", "issued_on", "comply_by_on"], json!({
            "subject_id": id.clone(), "conduct": { "type": "string", "maxLength": 80 },
            "issued_on": date.clone(), "comply_by_on": date.clone() })),
        "power-cpn": body(&["subject_id", "conduct", "issued_on", "requirements"], json!({
            "subject_id": id.clone(), "conduct": { "type": "string", "maxLength": 80 }, "issued_on": date.clone(),
            "requirements": { "type": "array", "minItems": 1, "items": { "type": "string" },
                "description": "One requirement each: `Stop: …`, `Do: …` or `Take steps: …`, optionally ending `by YYYY-MM-DD`",
                "examples": [["Stop: playing amplified music after 23:00"]] } })),
        "power-appeal": body(&["power_id", "lodged_on"], json!({
            "power_id": id.clone(), "lodged_on": date.clone() })),
        "power-fpn": body(&["power_id", "offence_on", "given_on"], json!({
            "power_id": id.clone(), "offence_on": date.clone(), "given_on": date.clone() })),
        "power-closure-notice": body(&["issuer", "served_on", "served_time", "hours"], json!({
            "issuer": { "type": "string", "enum": ["police-inspector", "police-below-inspector", "local-authority"] },
            "served_on": date.clone(), "served_time": { "type": "string", "examples": ["10:30"], "description": "HH:MM, UTC" },
            "hours": { "type": "integer", "minimum": 1 } })),
        "power-closure-order": body(&["made_on", "until_on"], json!({
            "made_on": date.clone(), "until_on": date.clone() })),
        "power-pspo": body(&["made_on"], json!({ "made_on": date.clone(), "until_on": date.clone() })),
        "power-injunction": body(&["subject_id", "granted_on", "power_of_arrest"], json!({
            "subject_id": id, "granted_on": date.clone(), "until_on": date,
            "power_of_arrest": { "type": "boolean" } })),
    });
    (paths, schemas)
}
