//! Open311 GeoReport v2, so FixMyStreet-style clients can send reports to the partnership.
//!
//! - `GET /open311/v2/discovery.json`, `GET /open311/v2/services.json` and
//!   `GET /open311/v2/services/{code}.json`: the behaviours residents may report here (the
//!   "Is it ASB?" rules' council-ASB behaviours), each a service with no extra attributes.
//! - `POST /open311/v2/requests.json` (form-encoded, with `api_key`): a report, made exactly as
//!   the web journey makes one (an incident on a new or matched ASB case).
//! - `GET /open311/v2/requests.json` and `GET /open311/v2/requests/{id}.json`: reports with
//!   their status. These are public, so they carry no personal data: no description, the point
//!   rounded to about 100 metres, the postcode's outward code only.
//!
//! Only the JSON format is served; a `.xml` path is answered 404 in the spec's error format.
//! Errors are the spec's `[{"code": …, "description": …}]` with the same HTTP status.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use safer_domain::case::Consent;
use safer_domain::triage::Route;
use safer_storage::{
    NewPublicReport, Open311Client, PublicRequest, ReportChannel, ReportLocation, Reporter,
};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::report::reference_from;
use super::FrontDoor;
use crate::format::today_iso;
use crate::session::{random_token, token_hash};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/discovery.json", get(discovery))
        .route("/open311/v2/services.json", get(services))
        .route("/open311/v2/services/{code}", get(service))
        .route("/open311/v2/requests.json", get(requests).post(create))
        .route("/open311/v2/requests/{id}", get(request))
}

/// An error in the spec's format.
fn error(status: StatusCode, description: &str) -> Response {
    (status, Json(json!([{ "code": status.as_u16(), "description": description }]))).into_response()
}

/// Counts a request from `client` against its hourly limit, if it has one: `Some(429)` in the
/// spec's error format, with `Retry-After`, once the hour's requests are spent. Every request
/// with a valid key counts, accepted or not, so a broken client cannot flood the server either.
async fn within_client_limit(state: &AppState, client: &Open311Client) -> Option<Response> {
    let limit = client.requests_per_hour?;
    let now = state.now();
    let window = now - now.rem_euclid(3600);
    let counter = format!("open311-client:{}", client.id);
    match state.store.admit_submission(&counter, window, limit).await {
        Ok(true) => None,
        Ok(false) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("this client may post {limit} requests an hour; try again later"),
            );
            if let Ok(value) = HeaderValue::from_str(&(window + 3600 - now).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Some(response)
        }
        Err(_) => {
            Some(error(StatusCode::INTERNAL_SERVER_ERROR, "the request could not be counted"))
        }
    }
}

/// The front door, or the spec's 404.
async fn door(state: &AppState) -> Result<FrontDoor, Response> {
    FrontDoor::of(state)
        .await
        .map_err(|_| error(StatusCode::NOT_FOUND, "this server offers no Open311 interface"))
}

/// The front door for a request whose parameters may name a `jurisdiction_id`, or returns the
/// spec's refusal from the handler: 404 when no front door is configured or when the
/// jurisdiction is not the partnership's.
macro_rules! door_or_return {
    ($state:expr, $params:expr) => {{
        let door = match door($state).await {
            Ok(door) => door,
            Err(response) => return response,
        };
        if let Some(response) = jurisdiction(&door, $params) {
            return response;
        }
        door
    }};
}

/// The refusal when a `jurisdiction_id` is given that is not the partnership's.
fn jurisdiction(door: &FrontDoor, query: &HashMap<String, String>) -> Option<Response> {
    match query.get("jurisdiction_id") {
        Some(given) if given != &door.partnership.slug => {
            Some(error(StatusCode::NOT_FOUND, "jurisdiction_id is not served here"))
        }
        _ => None,
    }
}

/// The id in a `{id}.json` path segment.
fn json_path(segment: &str) -> Option<&str> {
    segment.strip_suffix(".json")
}

fn only_json() -> Response {
    error(StatusCode::NOT_FOUND, "only the JSON format is served (.json)")
}

fn iso(unix: i64) -> Value {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// `GET /open311/v2/discovery.json`.
async fn discovery(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let door = match door(&state).await {
        Ok(door) => door,
        Err(response) => return response,
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    Json(json!({
        "changeset": iso(0),
        "contact": format!("{} (the public front door)", door.partnership.name),
        "key_service": "Ask the partnership for an API key; it is made with `safer open311 add`.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{scheme}://{host}/open311/v2"),
            "changeset": iso(0),
            "type": "production",
            "formats": ["application/json"],
        }],
    }))
    .into_response()
}

/// `GET /open311/v2/services.json`.
async fn services(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let door = door_or_return!(&state, &query);
    let list: Vec<Value> = door
        .config
        .triage
        .behaviours
        .iter()
        .filter(|b| b.route == Route::CouncilAsb)
        .map(|b| {
            json!({
                "service_code": b.id,
                "service_name": b.label,
                "description": b.why,
                "metadata": true,
                "type": "realtime",
                "keywords": "anti-social behaviour",
                "group": "Anti-social behaviour",
            })
        })
        .collect();
    cacheable(Json(list).into_response())
}

fn cacheable(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

/// The form field of the consent attribute, as GeoReport v2 names a service attribute.
const CONSENT_FIELD: &str = "attribute[consent_to_share]";

/// The one attribute every service has: the question the web journey asks a resident who gives
/// their details, so a client can ask it too. Not required: without an answer, consent is
/// recorded as not sought and the details stay with the receiving agency.
fn consent_attribute() -> Value {
    json!({
        "variable": true,
        "code": "consent_to_share",
        "datatype": "singlevaluelist",
        "required": false,
        "datatype_description": "yes or no; only used when the resident gives their name",
        "order": 1,
        "description": "Can we share your details with the partner agencies working on anti-social behaviour (the council, the police, housing providers), so they can contact you without asking you to repeat yourself?",
        "values": [{ "key": "yes", "name": "Yes" }, { "key": "no", "name": "No" }],
    })
}

/// `GET /open311/v2/services/{code}.json`: the definition, with the consent attribute.
async fn service(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let door = door_or_return!(&state, &query);
    let Some(code) = json_path(&segment) else { return only_json() };
    match door.config.triage.behaviour(code).filter(|b| b.route == Route::CouncilAsb) {
        Some(b) => cacheable(
            Json(json!({ "service_code": b.id, "attributes": [consent_attribute()] }))
                .into_response(),
        ),
        None => error(StatusCode::NOT_FOUND, "service_code not found"),
    }
}

fn request_json(door: &FrontDoor, request: &PublicRequest) -> Value {
    let label = door
        .config
        .triage
        .behaviour(&request.behaviour)
        .map_or(request.behaviour.as_str(), |b| b.label.as_str());
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let outward = request.postcode.as_deref().and_then(|p| p.split(' ').next()).map(str::to_string);
    json!({
        "service_request_id": request.reference,
        "status": if request.open { "open" } else { "closed" },
        "status_notes": if request.open { "Being dealt with by the council's anti-social behaviour team" } else { "Case closed" },
        "service_name": label,
        "service_code": request.behaviour,
        "description": Value::Null,
        "agency_responsible": door.agency.name,
        "service_notice": Value::Null,
        "requested_datetime": iso(request.received_at),
        "updated_datetime": iso(request.updated_at),
        "expected_datetime": Value::Null,
        "address": Value::Null,
        "address_id": Value::Null,
        "zipcode": outward,
        "lat": request.point.map(|(lat, _)| round(lat)),
        "long": request.point.map(|(_, lon)| round(lon)),
        "media_url": Value::Null,
    })
}

/// Parses an ISO 8601 date-time (RFC 3339) or a date as the start of that day, UTC.
fn parse_instant(text: &str) -> Option<i64> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at.unix_timestamp());
    }
    let day = crate::format::parse_date(text)?;
    Some(day.midnight().assume_utc().unix_timestamp())
}

/// `GET /open311/v2/requests.json`: by id list, or by date range (90 days by default),
/// status and service.
async fn requests(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let door = door_or_return!(&state, &query);
    let partnership = door.partnership.id();
    let mut found = Vec::new();
    if let Some(ids) = query.get("service_request_id") {
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()).take(100) {
            match state.store.public_request(partnership, id).await {
                Ok(Some(request)) => found.push(request),
                Ok(None) => {}
                Err(_) => {
                    return error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the reports could not be read",
                    )
                }
            }
        }
    } else {
        let now = state.now();
        let end = match query.get("end_date").map(|t| parse_instant(t)) {
            Some(None) => {
                return error(StatusCode::BAD_REQUEST, "end_date must be an ISO 8601 date and time")
            }
            Some(Some(end)) => end,
            None => now + 1,
        };
        let start = match query.get("start_date").map(|t| parse_instant(t)) {
            Some(None) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "start_date must be an ISO 8601 date and time",
                )
            }
            Some(Some(start)) => start,
            None => end - 90 * 86_400,
        };
        if start > end {
            return error(StatusCode::BAD_REQUEST, "start_date must be before end_date");
        }
        found = match state.store.public_requests(partnership, start, end, 1000).await {
            Ok(found) => found,
            Err(_) => {
                return error(StatusCode::INTERNAL_SERVER_ERROR, "the reports could not be read")
            }
        };
    }
    if let Some(status) = query.get("status") {
        let open = match status.as_str() {
            "open" => true,
            "closed" => false,
            _ => return error(StatusCode::BAD_REQUEST, "status must be open or closed"),
        };
        found.retain(|r| r.open == open);
    }
    if let Some(codes) = query.get("service_code") {
        let codes: Vec<&str> = codes.split(',').map(str::trim).collect();
        found.retain(|r| codes.contains(&r.behaviour.as_str()));
    }
    Json(found.iter().map(|r| request_json(&door, r)).collect::<Vec<_>>()).into_response()
}

/// `GET /open311/v2/requests/{id}.json`.
async fn request(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let door = door_or_return!(&state, &query);
    let Some(id) = json_path(&segment) else { return only_json() };
    match state.store.public_request(door.partnership.id(), id).await {
        Ok(Some(found)) => Json(json!([request_json(&door, &found)])).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "service_request_id not found"),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the report could not be read"),
    }
}

/// `POST /open311/v2/requests.json`: a report from a client with an API key.
async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let door = match door(&state).await {
        Ok(door) => door,
        Err(response) => return response,
    };
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/x-www-form-urlencoded",
        );
    }
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the request body is not form-encoded");
    };
    let mut form: HashMap<String, String> = HashMap::new();
    for (name, value) in pairs {
        form.entry(name).or_insert(value);
    }
    if let Some(response) = jurisdiction(&door, &form) {
        return response;
    }
    let field = |name: &str| form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let Some(key) = field("api_key") else {
        return error(StatusCode::FORBIDDEN, "api_key was not provided");
    };
    let client = match state.store.open311_client_by_key(&token_hash(key)).await {
        Ok(Some(client)) if client.partnership == door.partnership.id() => client,
        Ok(_) => return error(StatusCode::FORBIDDEN, "api_key is not valid"),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "the key could not be checked"),
    };
    if let Some(response) = within_client_limit(&state, &client).await {
        return response;
    }
    let Some(code) = field("service_code") else {
        return error(StatusCode::BAD_REQUEST, "service_code was not provided");
    };
    let Some(behaviour) =
        door.config.triage.behaviour(code).filter(|b| b.route == Route::CouncilAsb)
    else {
        return error(StatusCode::NOT_FOUND, "service_code not found");
    };
    let point = match (field("lat"), field("long")) {
        (Some(lat), Some(lon)) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some((lat, lon))
            }
            _ => {
                return error(StatusCode::BAD_REQUEST, "lat and long must be WGS84 decimal degrees")
            }
        },
        (None, None) => None,
        _ => return error(StatusCode::BAD_REQUEST, "lat and long must be given together"),
    };
    let address = field("address_string").or(field("address_id"));
    if point.is_none() && address.is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "a location is required: lat and long, address_string or address_id",
        );
    }
    let too_long = [
        ("address_string", 200),
        ("description", 3000),
        ("first_name", 100),
        ("last_name", 100),
        ("email", 200),
        ("phone", 40),
    ]
    .into_iter()
    .find(|(name, limit)| field(name).is_some_and(|v| v.chars().count() > *limit));
    if let Some((name, limit)) = too_long {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("{name} must be {limit} characters or fewer"),
        );
    }
    let name = [field("first_name"), field("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let consent = match field(CONSENT_FIELD) {
        None => Consent::NotSought,
        Some("yes") => Consent::Given,
        Some("no") => Consent::Refused,
        Some(_) => {
            return error(StatusCode::BAD_REQUEST, &format!("{CONSENT_FIELD} must be yes or no"))
        }
    };
    let reporter = (!name.is_empty()).then(|| Reporter {
        name: &name,
        email: field("email"),
        phone: field("phone"),
        postcode: None,
        // Without an answer the details stay with the receiving agency.
        consent,
    });
    let now = state.now();
    let today = today_iso(now);
    let submission = random_token(16);
    let reference = reference_from(&state.keys.derived_token("report-reference", &submission));
    let status_hash = token_hash(&random_token(32));
    let description = field("description").unwrap_or("(no description given)");
    let actor = match door.actor(&state, now).await {
        Ok(actor) => actor,
        Err(_) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "the report could not be recorded")
        }
    };
    let made = state
        .store
        .submit_public_report(
            &actor,
            &NewPublicReport {
                submission_key: &submission,
                reference: &reference,
                status_token_hash: &status_hash,
                channel: ReportChannel::Open311(client.id),
                behaviour: &behaviour.id,
                behaviour_label: &behaviour.label,
                location: ReportLocation { postcode: None, address, point },
                occurred_on: &today,
                received_on: &today,
                description,
                reporter,
            },
            now,
        )
        .await;
    match made {
        Ok(receipt) => (
            StatusCode::CREATED,
            Json(json!([{
                "service_request_id": receipt.reference,
                "service_notice": "The council's anti-social behaviour team will look at this report.",
                "account_id": Value::Null,
            }])),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error.message = %err, "open311 report failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "the report could not be recorded")
        }
    }
}
