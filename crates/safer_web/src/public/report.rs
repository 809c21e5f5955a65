//! "Is it ASB?" and reporting: the resident's journey from "what is the problem?" to a
//! reference and a private status link.
//!
//! The triage questions are GET forms: their answers (whether it is an emergency, which
//! behaviour) are not personal, and a resident can go back and forward freely. From "where"
//! on, answers are personal, so each page POSTs and carries the earlier answers in hidden
//! fields: nothing is stored until the resident sends the report, so an abandoned report
//! leaves nothing behind, and no web instance keeps state. The check page gives the report a
//! one-time submission key; sending it twice (a double click, a refresh) returns the same
//! reference. One question per page, as GOV.UK services do; no JavaScript.
//!
//! "Where" can also be answered with a point on a map of the partnership's area
//! (`/public/report/map.svg`, drawn here as SVG): the map is an `<input type="image">`, so a
//! click sends its pixel position with the form and the server turns it back into latitude
//! and longitude with the projection that drew the map. A keyboard submits such an input at
//! (0, 0), which is refused with a message pointing back to the postcode, the accessible way.
//! The map draws the stored LSOA boundaries of the plan's districts, else their wards, else
//! the districts themselves; with no boundaries stored, the extent of the area's police.uk
//! street points on a light grid; with none of those, no map is offered.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_domain::case::Consent;
use safer_domain::geo::{BBox, MultiPolygon};
use safer_domain::geography::AreaKind;
use safer_domain::triage::{Outcome, Route};
use safer_storage::{NewPublicReport, ReportChannel, ReportLocation, Reporter, StreetArea};
use sha2::{Digest, Sha256};

use super::{
    gate, no_store, private_link, CheckPage, CheckRow, FrontDoor, Gate, Posted, PublicLayout,
    PublicSection,
};
use crate::auth::ClientAddress;
use crate::error::render;
use crate::format::today_iso;
use crate::marac::date_from_parts;
use crate::session::{random_token, token_hash, Ctx};
use crate::views::FieldError;
use crate::{AppError, AppState};

/// The map image, outside the session layer: the same for everyone and cacheable, so no
/// cookie may be set on it.
pub(crate) fn open_router() -> Router<AppState> {
    Router::new().route("/public/report/map.svg", get(map_svg))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/public/report", get(start).post(step))
        .route("/public/report/emergency", get(emergency))
        .route("/public/report/problem", get(problem))
        .route("/public/report/answer", get(answer))
        .route("/public/report/send", post(send))
        .route("/public/report/status/{token}", get(status))
}

/// The longest answer kept from any one field.
const MAX_FIELD: usize = 200;
/// The longest description kept.
const MAX_DESCRIPTION: usize = 3000;

/// The pages of the report, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Where,
    When,
    Details,
    Identify,
    Contact,
    Consent,
    Check,
    /// The map, reached only from "where" (`goto=map`); it answers "where" with a point.
    Map,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Where => "where",
            Step::When => "when",
            Step::Details => "details",
            Step::Identify => "identify",
            Step::Contact => "contact",
            Step::Consent => "consent",
            Step::Check => "check",
            Step::Map => "map",
        }
    }

    fn from_name(name: &str) -> Option<Step> {
        [
            Step::Where,
            Step::When,
            Step::Details,
            Step::Identify,
            Step::Contact,
            Step::Consent,
            Step::Check,
            Step::Map,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// Every field the journey collects, by name; the hidden fields of each page.
const DRAFT_FIELDS: [&str; 16] = [
    "behaviour",
    "postcode",
    "address",
    "lat",
    "lon",
    "happened_day",
    "happened_month",
    "happened_year",
    "how_often",
    "description",
    "identify",
    "name",
    "email",
    "phone",
    "home_postcode",
    "consent",
];

/// The fields each step asks.
fn step_fields(step: Step) -> &'static [&'static str] {
    match step {
        Step::Where => &["postcode", "address"],
        Step::When => &["happened_day", "happened_month", "happened_year", "how_often"],
        Step::Details => &["description"],
        Step::Identify => &["identify"],
        Step::Contact => &["name", "email", "phone", "home_postcode"],
        Step::Consent => &["consent"],
        // The map page keeps an earlier point in hidden fields: a new click replaces it.
        Step::Check | Step::Map => &[],
    }
}

const HOW_OFTEN: [(&str, &str); 4] = [
    ("once", "This was the first time"),
    ("sometimes", "It has happened a few times"),
    ("weekly", "Most weeks"),
    ("daily", "Every day or most days"),
];

/// The answers so far, as posted.
#[derive(Debug, Clone)]
struct Draft(Posted);

impl std::ops::Deref for Draft {
    type Target = Posted;

    fn deref(&self) -> &Posted {
        &self.0
    }
}

impl Draft {
    fn from_form(form: &HashMap<String, String>) -> Draft {
        let limit = |name: &str| if name == "description" { MAX_DESCRIPTION } else { MAX_FIELD };
        Draft(Posted::from_form(form, &DRAFT_FIELDS, limit))
    }

    /// The hidden fields for a page asking `step` (its own fields are the visible ones).
    fn hidden_except(&self, step: Step) -> Vec<(String, String)> {
        self.0.hidden_except(step_fields(step))
    }

    fn identified(&self) -> bool {
        self.get("identify") == Some("yes")
    }

    /// The map point (latitude, longitude) when both fields hold numbers in range.
    fn point(&self) -> Option<(f64, f64)> {
        let lat: f64 = self.get("lat")?.parse().ok()?;
        let lon: f64 = self.get("lon")?.parse().ok()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    }

    /// Sets the map point, to 6 decimal places (about 10 cm).
    fn set_point(&mut self, lat: f64, lon: f64) {
        self.0.set("lat", format!("{lat:.6}"));
        self.0.set("lon", format!("{lon:.6}"));
    }

    /// The errors of one step's answers.
    fn check(&self, step: Step, today: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: &str| {
            errors.push(FieldError { field, message: message.to_string() })
        };
        let too_long = |name: &str| self.value(name).chars().count() > MAX_FIELD;
        match step {
            Step::Where => {
                let postcode = self.get("postcode");
                if let Some(postcode) = postcode {
                    if !is_postcode(postcode) {
                        err("postcode", "Enter a real postcode, like ME15 6JQ");
                    }
                }
                if too_long("address") {
                    err("address", "Describe the place in 200 characters or fewer");
                }
                let has_point = self.get("lat").is_some() || self.get("lon").is_some();
                if has_point && self.point().is_none() {
                    err("postcode", "The place chosen on the map is not valid: choose it again, or enter a postcode");
                }
                if postcode.is_none() && self.get("address").is_none() && !has_point {
                    err("postcode", "Enter the postcode, or describe where it happens");
                }
            }
            Step::When => {
                let (d, m, y) = (
                    self.value("happened_day"),
                    self.value("happened_month"),
                    self.value("happened_year"),
                );
                if d.is_empty() && m.is_empty() && y.is_empty() {
                    err("happened", "Enter the date it last happened");
                } else {
                    match date_from_parts(d, m, y) {
                        Err(_) => err(
                            "happened",
                            "Date it last happened must be a real date, like 27 3 2026",
                        ),
                        Ok(day) if day.as_str() > today => {
                            err("happened", "Date it last happened must be today or in the past")
                        }
                        Ok(_) => {}
                    }
                }
                if !HOW_OFTEN.iter().any(|(v, _)| Some(*v) == self.get("how_often")) {
                    err("how_often", "Select how often it happens");
                }
            }
            Step::Details => match self.get("description") {
                None => err("description", "Enter what happened"),
                Some(text) if text.chars().count() > MAX_DESCRIPTION => {
                    err("description", "What happened must be 3,000 characters or fewer")
                }
                Some(_) => {}
            },
            Step::Identify => {
                if !matches!(self.get("identify"), Some("yes" | "no")) {
                    err("identify", "Select yes if you want to give your name and contact details");
                }
            }
            Step::Contact => {
                if self.get("name").is_none() {
                    err("name", "Enter your name");
                } else if too_long("name") {
                    err("name", "Your name must be 200 characters or fewer");
                }
                let email = self.get("email");
                let phone = self.get("phone");
                if let Some(email) = email {
                    if !is_email(email) || too_long("email") {
                        err(
                            "email",
                            "Enter an email address in the correct format, like name@example.com",
                        );
                    }
                }
                if let Some(phone) = phone {
                    if !is_phone(phone) {
                        err("phone", "Enter a telephone number, like 01622 602000 or 07700 900982");
                    }
                }
                if email.is_none() && phone.is_none() {
                    err(
                        "email",
                        "Enter an email address or a telephone number so we can contact you",
                    );
                }
                if let Some(home) = self.get("home_postcode") {
                    if !is_postcode(home) {
                        err("home_postcode", "Enter a real postcode, like ME15 6JQ");
                    }
                }
            }
            Step::Consent => {
                if !matches!(self.get("consent"), Some("yes" | "no")) {
                    err(
                        "consent",
                        "Select yes if we may share your details with the partner agencies",
                    );
                }
            }
            Step::Check | Step::Map => {}
        }
        errors
    }

    /// The steps this draft goes through.
    fn steps(&self) -> Vec<Step> {
        let mut steps = vec![Step::Where, Step::When, Step::Details, Step::Identify];
        if self.identified() {
            steps.extend([Step::Contact, Step::Consent]);
        }
        steps
    }

    /// The first step with missing or wrong answers, or `Check`.
    fn next_incomplete(&self, today: &str) -> Step {
        self.steps().into_iter().find(|s| !self.check(*s, today).is_empty()).unwrap_or(Step::Check)
    }
}

/// A UK postcode's shape (outward code, a space optional, inward code).
pub(crate) fn is_postcode(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return false;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward: Vec<char> = inward.chars().collect();
    let outward_ok = outward.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && outward.chars().any(|c| c.is_ascii_digit());
    outward_ok
        && inward[0].is_ascii_digit()
        && inward[1].is_ascii_alphabetic()
        && inward[2].is_ascii_alphabetic()
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (10..=15).contains(&digits)
        && text.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-'))
}

// ---------------------------------------------------------------------------------------------
// Pages

/// A radio option.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

#[derive(askama::Template)]
#[template(path = "public/report_start.html")]
struct StartPage {
    layout: PublicLayout,
}

#[derive(askama::Template)]
#[template(path = "public/radios_get.html")]
struct RadiosGetPage {
    layout: PublicLayout,
    errors: Vec<FieldError>,
    action: &'static str,
    name: &'static str,
    question: String,
    hint: String,
    choices: Vec<Choice>,
    hidden: Vec<(String, String)>,
    back: String,
}

#[derive(askama::Template)]
#[template(path = "public/report_answer.html")]
struct AnswerPage {
    layout: PublicLayout,
    outcome: Outcome,
    label: String,
    back: String,
}

#[derive(askama::Template)]
#[template(path = "public/report_step.html")]
struct StepPage {
    layout: PublicLayout,
    step: &'static str,
    errors: Vec<FieldError>,
    draft: Draft,
    hidden: Vec<(String, String)>,
    how_often: Vec<Choice>,
    yes_no: Vec<Choice>,
    label: String,
    /// Whether "where" offers the map (there is one to show).
    map_offered: bool,
    /// The map point already chosen, in words; empty when none.
    point: String,
}

impl StepPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(askama::Template)]
#[template(path = "public/report_map.html")]
struct MapPage {
    layout: PublicLayout,
    errors: Vec<FieldError>,
    hidden: Vec<(String, String)>,
    label: String,
    /// The image button's text alternative.
    alt: String,
    /// What the map shows, in words, under it.
    caption: String,
    width: u32,
    height: u32,
    /// The map point already chosen, in words; empty when none.
    point: String,
}

impl MapPage {
    fn error(&self) -> Option<&str> {
        self.errors.first().map(|e| e.message.as_str())
    }
}

#[derive(askama::Template)]
#[template(path = "public/report_done.html")]
struct DonePage {
    layout: PublicLayout,
    reference: String,
    status_path: String,
    status_url: String,
    identified: bool,
}

#[derive(askama::Template)]
#[template(path = "public/report_status.html")]
struct StatusPage {
    layout: PublicLayout,
    reference: String,
    behaviour: String,
    received: String,
    open: bool,
    closed_on: String,
    others: i64,
    updated: String,
}

fn layout(title: &str, door: &FrontDoor, ctx: &Ctx) -> PublicLayout {
    PublicLayout::new(title, door, ctx, PublicSection::Report)
}

/// `GET /public/report`.
async fn start(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let page = StartPage { layout: layout("Report anti-social behaviour", &door, &ctx) };
    Ok(render(&page)?.into_response())
}

fn emergency_page(door: &FrontDoor, ctx: &Ctx, errors: Vec<FieldError>) -> RadiosGetPage {
    RadiosGetPage {
        layout: layout("Is someone in danger, or is a crime happening now?", door, ctx),
        errors,
        action: "/public/report/problem",
        name: "emergency",
        question: "Is someone in danger, or is a crime happening now?".to_string(),
        hint: "For example, someone is being hurt or threatened, or there is a fight or a break-in going on."
            .to_string(),
        choices: vec![
            Choice { value: "yes".into(), label: "Yes".into(), checked: false },
            Choice { value: "no".into(), label: "No".into(), checked: false },
        ],
        hidden: Vec::new(),
        back: "/public/report".to_string(),
    }
}

/// `GET /public/report/emergency`: the first question, for every problem.
async fn emergency(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    Ok(render(&emergency_page(&door, &ctx, Vec::new()))?.into_response())
}

fn problem_page(
    door: &FrontDoor,
    ctx: &Ctx,
    chosen: Option<&str>,
    errors: Vec<FieldError>,
) -> RadiosGetPage {
    RadiosGetPage {
        layout: layout("What is the problem?", door, ctx),
        errors,
        action: "/public/report/answer",
        name: "behaviour",
        question: "What is the problem?".to_string(),
        hint: "Choose the one closest to what is happening. We will tell you who can help."
            .to_string(),
        choices: door
            .config
            .triage
            .behaviours
            .iter()
            .map(|b| Choice {
                value: b.id.clone(),
                label: b.label.clone(),
                checked: Some(b.id.as_str()) == chosen,
            })
            .collect(),
        hidden: vec![("emergency".to_string(), "no".to_string())],
        back: "/public/report/emergency".to_string(),
    }
}

/// `GET /public/report/problem?emergency=…`: 999 for an emergency, else the behaviours.
async fn problem(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    match query.get("emergency").map(String::as_str) {
        Some("yes") => {
            let call = door.config.triage.police.emergency.clone();
            let page = AnswerPage {
                layout: layout("Call 999 now", &door, &ctx),
                outcome: Outcome::Emergency { call },
                label: String::new(),
                back: "/public/report/emergency".to_string(),
            };
            Ok(render(&page)?.into_response())
        }
        Some("no") => Ok(render(&problem_page(&door, &ctx, None, Vec::new()))?.into_response()),
        _ => {
            let errors = vec![FieldError {
                field: "emergency",
                message: "Select yes if someone is in danger or a crime is happening now"
                    .to_string(),
            }];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&emergency_page(&door, &ctx, errors))?)
                .into_response())
        }
    }
}

/// `GET /public/report/answer?emergency=no&behaviour=…`: where this problem goes.
async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let emergency = query.get("emergency").map(String::as_str) == Some("yes");
    let chosen = query.get("behaviour").map(String::as_str).unwrap_or_default();
    let Some(outcome) = door.config.triage.decide(chosen, emergency) else {
        let errors = vec![FieldError {
            field: "behaviour",
            message: "Select the problem closest to what is happening".to_string(),
        }];
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&problem_page(&door, &ctx, None, errors))?,
        )
            .into_response());
    };
    let label = door.config.triage.behaviour(chosen).map(|b| b.label.clone()).unwrap_or_default();
    let title = match &outcome {
        Outcome::Emergency { .. } => "Call 999 now".to_string(),
        Outcome::Police { .. } => "Report this to the police".to_string(),
        Outcome::Report { .. } => "You can report this to us".to_string(),
        Outcome::NotAsb { .. } => "This is not anti-social behaviour".to_string(),
        Outcome::Environmental { contact, .. } => format!("Report this to {}", contact.name),
    };
    let page = AnswerPage {
        layout: layout(&title, &door, &ctx),
        outcome,
        label,
        back: format!(
            "/public/report/problem?emergency=no&behaviour={}",
            crate::views::url_encode(chosen)
        ),
    };
    Ok(render(&page)?.into_response())
}

fn yes_no(draft: &Draft, field: &str) -> Vec<Choice> {
    [("yes", "Yes"), ("no", "No")]
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.into(),
            label: l.into(),
            checked: draft.get(field) == Some(v),
        })
        .collect()
}

/// A step's page; "where" offers the map when the partnership's area has one.
async fn step_page(
    state: &AppState,
    door: &FrontDoor,
    ctx: &Ctx,
    step: Step,
    draft: Draft,
    errors: Vec<FieldError>,
) -> Result<StepPage, AppError> {
    let map_offered = step == Step::Where && area_map(state, door).await?.is_some();
    Ok(step_view(door, ctx, step, draft, errors, map_offered))
}

/// A step's page, for a caller that already knows whether there is a map to offer.
fn step_view(
    door: &FrontDoor,
    ctx: &Ctx,
    step: Step,
    draft: Draft,
    errors: Vec<FieldError>,
    map_offered: bool,
) -> StepPage {
    let title = match step {
        Step::Where => "Where is this happening?",
        Step::When => "When did it last happen?",
        Step::Details => "What happened?",
        Step::Identify => "Do you want to give your name and contact details?",
        Step::Contact => "Your contact details",
        Step::Consent => "Can we share your details with the partner agencies?",
        Step::Check => "Check your answers",
        Step::Map => "Choose the place on the map",
    };
    let title = if errors.is_empty() { title.to_string() } else { format!("Error: {title}") };
    let label = behaviour_label(door, &draft);
    StepPage {
        layout: layout(&title, door, ctx),
        step: step.name(),
        hidden: draft.hidden_except(step),
        how_often: HOW_OFTEN
            .iter()
            .map(|(v, l)| Choice {
                value: v.to_string(),
                label: l.to_string(),
                checked: draft.get("how_often") == Some(*v),
            })
            .collect(),
        yes_no: yes_no(&draft, if step == Step::Consent { "consent" } else { "identify" }),
        point: draft.point().map(show_point).unwrap_or_default(),
        draft,
        errors,
        label,
        map_offered: step == Step::Where && map_offered,
    }
}

/// A map point as the check page shows it: latitude and longitude to 4 decimal places.
fn show_point((lat, lon): (f64, f64)) -> String {
    format!("{lat:.4}, {lon:.4}")
}

fn behaviour_label(door: &FrontDoor, draft: &Draft) -> String {
    draft
        .get("behaviour")
        .and_then(|id| door.config.triage.behaviour(id))
        .map(|b| b.label.clone())
        .unwrap_or_default()
}

/// The behaviour of a draft, when it is one residents may report here.
fn reportable(door: &FrontDoor, draft: &Draft) -> bool {
    draft
        .get("behaviour")
        .and_then(|id| door.config.triage.behaviour(id))
        .is_some_and(|b| b.route == Route::CouncilAsb)
}

fn check_page(door: &FrontDoor, ctx: &Ctx, draft: Draft) -> CheckPage {
    let how_often =
        HOW_OFTEN.iter().find(|(v, _)| Some(*v) == draft.get("how_often")).map_or("", |(_, l)| l);
    let mut rows = vec![
        CheckRow { key: "Problem", value: behaviour_label(door, &draft), step: "" },
        CheckRow {
            key: "Where",
            value: [draft.get("address"), draft.get("postcode")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            step: "where",
        },
    ];
    if let Some(point) = draft.point() {
        rows.push(CheckRow {
            key: "Map point",
            value: format!("{} (latitude, longitude)", show_point(point)),
            step: "map",
        });
    }
    rows.extend([
        CheckRow {
            key: "Last happened",
            value: date_from_parts(
                draft.value("happened_day"),
                draft.value("happened_month"),
                draft.value("happened_year"),
            )
            .map(|d| crate::format::show_date(&d))
            .unwrap_or_default(),
            step: "when",
        },
        CheckRow { key: "How often", value: how_often.to_string(), step: "when" },
        CheckRow {
            key: "What happened",
            value: draft.value("description").to_string(),
            step: "details",
        },
        CheckRow {
            key: "Your details",
            value: if draft.identified() { "Given".into() } else { "Not given (anonymous)".into() },
            step: "identify",
        },
    ]);
    if draft.identified() {
        let contact = ["name", "email", "phone", "home_postcode"]
            .into_iter()
            .filter_map(|f| draft.get(f))
            .collect::<Vec<_>>()
            .join(", ");
        rows.push(CheckRow { key: "Contact details", value: contact, step: "contact" });
        rows.push(CheckRow {
            key: "Share with partner agencies",
            value: if draft.get("consent") == Some("yes") { "Yes".into() } else { "No".into() },
            step: "consent",
        });
    }
    CheckPage {
        layout: layout("Check your answers before sending your report", door, ctx),
        action: "/public/report",
        noun: "report",
        rows,
        hidden: draft.hidden_except(Step::Check),
        submission: random_token(16),
    }
}

/// `POST /public/report`: one page's answers (`step`), or a request to show a page again
/// (`goto`, from "Continue" on the answer page and "Change" on the check page).
async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let mut draft = Draft::from_form(&form);
    if !reportable(&door, &draft) {
        return Ok(render(&problem_page(&door, &ctx, None, Vec::new()))?.into_response());
    }
    let today = today_iso(state.now());
    if let Some(goto) = form.get("goto").and_then(|g| Step::from_name(g)) {
        if goto == Step::Check {
            return Ok(render(&check_page(&door, &ctx, draft))?.into_response());
        }
        if goto == Step::Map {
            if let Some(map) = area_map(&state, &door).await? {
                return Ok(render(&map_page(&door, &ctx, &map, draft, Vec::new()))?.into_response());
            }
        }
        let goto = if goto == Step::Map { Step::Where } else { goto };
        let page = step_page(&state, &door, &ctx, goto, draft, Vec::new()).await?;
        return Ok(render(&page)?.into_response());
    }
    let Some(mut answered) = form.get("step").and_then(|s| Step::from_name(s)) else {
        return Err(AppError::NotFound);
    };
    // The map, read once: a click on it, and "where" with its point, need it.
    let map = match answered {
        Step::Map | Step::Where => area_map(&state, &door).await?,
        _ => None,
    };
    if answered == Step::Map {
        let Some(map) = map.as_ref() else {
            let page = step_view(&door, &ctx, Step::Where, draft, Vec::new(), false);
            return Ok(render(&page)?.into_response());
        };
        match map.clicked(&form) {
            Ok((lat, lon)) => draft.set_point(lat, lon),
            Err(message) => {
                let errors = vec![FieldError { field: "map", message: message.to_string() }];
                let page = map_page(&door, &ctx, map, draft, errors);
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
            }
        }
        // A point answers "where": the flow goes on from there.
        answered = Step::Where;
    }
    let mut errors = draft.check(answered, &today);
    if answered == Step::Where && errors.is_empty() {
        errors = point_errors(map.as_ref(), &draft);
    }
    if !errors.is_empty() {
        let page = step_view(&door, &ctx, answered, draft, errors, map.is_some());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    // The first page still to answer: the next one on the first pass, the check page again
    // after a change (unless the change needs more answers, such as choosing to give details).
    let next = draft.next_incomplete(&today);
    if next == Step::Check {
        return Ok(render(&check_page(&door, &ctx, draft))?.into_response());
    }
    Ok(render(&step_page(&state, &door, &ctx, next, draft, Vec::new()).await?)?.into_response())
}

/// The error of a map point outside the partnership's map (a changed hidden field, or a map
/// that has changed since), as "where" shows it; none without a point.
fn point_errors(map: Option<&AreaMap>, draft: &Draft) -> Vec<FieldError> {
    let Some((lat, lon)) = draft.point() else { return Vec::new() };
    if map.is_some_and(|map| map.contains(lat, lon)) {
        Vec::new()
    } else {
        vec![FieldError {
            field: "postcode",
            message: "The place chosen on the map is outside the area we cover: choose it again, \
                      or enter a postcode"
                .to_string(),
        }]
    }
}

/// `POST /public/report/send`: the report made, or the first page with a problem.
async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let draft = Draft::from_form(&form);
    if !reportable(&door, &draft) {
        return Ok(render(&problem_page(&door, &ctx, None, Vec::new()))?.into_response());
    }
    let today = today_iso(state.now());
    let incomplete = draft.next_incomplete(&today);
    if incomplete != Step::Check {
        let errors = draft.check(incomplete, &today);
        let page = step_page(&state, &door, &ctx, incomplete, draft, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let map = match draft.point() {
        Some(_) => area_map(&state, &door).await?,
        None => None,
    };
    let errors = point_errors(map.as_ref(), &draft);
    if !errors.is_empty() {
        let page = step_view(&door, &ctx, Step::Where, draft, errors, map.is_some());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let submission = match gate(&state, &door, &ctx, &address, &form, PublicSection::Report).await?
    {
        Gate::Pass(submission) => submission,
        Gate::Recheck => return Ok(render(&check_page(&door, &ctx, draft))?.into_response()),
        Gate::Stop(response) => return Ok(response),
    };
    let now = state.now();
    let token = state.keys.derived_token("report-status", submission);
    let reference = reference_from(&state.keys.derived_token("report-reference", submission));
    let happened = date_from_parts(
        draft.value("happened_day"),
        draft.value("happened_month"),
        draft.value("happened_year"),
    )
    .unwrap_or_else(|_| today.clone());
    let how_often =
        HOW_OFTEN.iter().find(|(v, _)| Some(*v) == draft.get("how_often")).map_or("", |(_, l)| l);
    let description = format!("{}\n\nHow often: {how_often}.", draft.value("description"));
    let behaviour = draft.value("behaviour").to_string();
    let label = behaviour_label(&door, &draft);
    let reporter = draft.identified().then(|| Reporter {
        name: draft.value("name"),
        email: draft.get("email"),
        phone: draft.get("phone"),
        postcode: draft.get("home_postcode"),
        consent: if draft.get("consent") == Some("yes") {
            Consent::Given
        } else {
            Consent::Refused
        },
    });
    let actor = door.actor(&state, now).await?;
    let status_hash = token_hash(&token);
    let receipt = state
        .store
        .submit_public_report(
            &actor,
            &NewPublicReport {
                submission_key: submission,
                reference: &reference,
                status_token_hash: &status_hash,
                channel: ReportChannel::Web,
                behaviour: &behaviour,
                behaviour_label: &label,
                location: ReportLocation {
                    postcode: draft.get("postcode"),
                    address: draft.get("address"),
                    point: draft.point(),
                },
                occurred_on: &happened,
                received_on: &today,
                description: &description,
                reporter,
            },
            now,
        )
        .await?;
    let status_path = format!("/public/report/status/{token}");
    let page = DonePage {
        layout: layout("Report sent", &door, &ctx),
        reference: receipt.reference,
        status_url: private_link(&state, &headers, &status_path),
        status_path,
        identified: draft.identified(),
    };
    Ok(no_store(render(&page)?.into_response()))
}

// ---------------------------------------------------------------------------------------------
// The map

/// The longest side of the map, in pixels. The image is shown at this size (never scaled by
/// the page), so a click's pixel position maps back through the same projection.
const MAP_SIZE: f64 = 560.0;
/// The space around the area, as a share of its larger span.
const MAP_MARGIN: f64 = 0.04;
/// What a keyboard (or a click that carries no position) gets instead of a point.
const MAP_NO_CLICK: &str = "Choose the place by clicking the map, or go back and enter a postcode";

/// What the map draws the area with.
#[derive(Debug, Clone, PartialEq)]
enum MapBasis {
    /// Stored boundaries of these areas, named in the plural ("neighbourhoods (LSOAs)").
    Boundaries(&'static str),
    /// No boundaries: the box around the area's police.uk street points.
    Extent,
}

/// The map of the partnership's area and its projection: equirectangular, longitude scaled
/// by the cosine of the middle latitude (near enough to true shape across a borough), north
/// up, `scale` pixels per degree of latitude, the top left corner at (`bounds.min_lon`,
/// `bounds.max_lat`).
#[derive(Debug, Clone)]
struct AreaMap {
    /// The area's name, such as "Maidstone".
    area: String,
    basis: MapBasis,
    /// The areas drawn, in WGS84.
    shapes: Vec<MultiPolygon>,
    /// The box the area's data fills (before the margin).
    data: BBox,
    /// What the image shows: `data` and a margin.
    bounds: BBox,
    cos_lat: f64,
    scale: f64,
    width: u32,
    height: u32,
}

impl AreaMap {
    /// The map of `data` (west, south, east, north), drawing `shapes` on it.
    fn new(area: String, basis: MapBasis, shapes: Vec<MultiPolygon>, data: BBox) -> AreaMap {
        let cos_lat = ((data.min_lat + data.max_lat) / 2.0).to_radians().cos().max(0.1);
        // Never zero-sized: a single point gets about a kilometre around it.
        let span = ((data.max_lon - data.min_lon) * cos_lat).max(data.max_lat - data.min_lat);
        let margin = (span * MAP_MARGIN).max(0.005);
        let bounds = BBox {
            min_lon: data.min_lon - margin / cos_lat,
            min_lat: data.min_lat - margin,
            max_lon: data.max_lon + margin / cos_lat,
            max_lat: data.max_lat + margin,
        };
        let across = (bounds.max_lon - bounds.min_lon) * cos_lat;
        let down = bounds.max_lat - bounds.min_lat;
        let scale = MAP_SIZE / across.max(down);
        AreaMap {
            area,
            basis,
            shapes,
            data,
            bounds,
            cos_lat,
            scale,
            width: (across * scale).round().max(1.0) as u32,
            height: (down * scale).round().max(1.0) as u32,
        }
    }

    /// The pixel position of a longitude and latitude.
    fn to_pixel(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.bounds.min_lon) * self.cos_lat * self.scale,
            (self.bounds.max_lat - lat) * self.scale,
        )
    }

    /// The latitude and longitude of a pixel position.
    fn to_point(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.bounds.max_lat - y / self.scale,
            self.bounds.min_lon + x / (self.cos_lat * self.scale),
        )
    }

    /// Whether the map shows this latitude and longitude.
    fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.bounds.min_lat..=self.bounds.max_lat).contains(&lat)
            && (self.bounds.min_lon..=self.bounds.max_lon).contains(&lon)
    }

    /// The point a click on the image button (`map.x`, `map.y`) chose, or the message to show.
    /// A click at exactly (0, 0) is what a keyboard sends, so it is refused, not taken as the
    /// top left corner.
    fn clicked(&self, form: &HashMap<String, String>) -> Result<(f64, f64), &'static str> {
        let coordinate = |name: &str| -> Option<f64> {
            let value: f64 = form.get(name)?.trim().parse().ok()?;
            value.is_finite().then_some(value)
        };
        let (Some(x), Some(y)) = (coordinate("map.x"), coordinate("map.y")) else {
            return Err(MAP_NO_CLICK);
        };
        if (x, y) == (0.0, 0.0) {
            return Err(MAP_NO_CLICK);
        }
        if !(0.0..=f64::from(self.width)).contains(&x)
            || !(0.0..=f64::from(self.height)).contains(&y)
        {
            return Err(MAP_NO_CLICK);
        }
        let (lat, lon) = self.to_point(x, y);
        if !self.contains(lat, lon) {
            return Err(MAP_NO_CLICK);
        }
        Ok((lat, lon))
    }

    /// What the map shows, in words.
    fn caption(&self) -> String {
        match self.basis {
            MapBasis::Boundaries(what) => format!(
                "The map shows the boundaries of {}'s {what}. It has no street names: if you \
                 cannot tell where the place is, enter a postcode or describe the place instead.",
                self.area
            ),
            MapBasis::Extent => format!(
                "The map shows the area where police.uk has recorded crimes in {} (the dashed \
                 box), on a grid of latitude and longitude. It has no streets or boundaries: if \
                 you cannot tell where the place is, enter a postcode or describe the place \
                 instead.",
                self.area
            ),
        }
    }

    /// The map as a standalone SVG document, `width` by `height` pixels.
    fn svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="Map of {}">"##,
            safer_analytics::map::escape(&self.area)
        );
        let _ = write!(svg, r##"<rect width="{w}" height="{h}" fill="#f3f2f1"/>"##);
        // A light grid at round steps of latitude and longitude.
        let span = (self.bounds.max_lat - self.bounds.min_lat)
            .max((self.bounds.max_lon - self.bounds.min_lon) * self.cos_lat);
        let step = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
            .into_iter()
            .find(|step| span / step <= 12.0)
            .unwrap_or(1.0);
        let mut grid = String::new();
        let mut lon = (self.bounds.min_lon / step).ceil() * step;
        while lon <= self.bounds.max_lon {
            let (x, _) = self.to_pixel(lon, self.bounds.max_lat);
            let _ = write!(grid, "M{x:.1} 0V{h}");
            lon += step;
        }
        let mut lat = (self.bounds.min_lat / step).ceil() * step;
        while lat <= self.bounds.max_lat {
            let (_, y) = self.to_pixel(self.bounds.min_lon, lat);
            let _ = write!(grid, "M0 {y:.1}H{w}");
            lat += step;
        }
        let _ =
            write!(svg, r##"<path d="{grid}" fill="none" stroke="#b1b4b6" stroke-width="0.5"/>"##);
        match self.basis {
            MapBasis::Boundaries(_) => {
                let mut path = String::new();
                for shape in &self.shapes {
                    for polygon in &shape.polygons {
                        self.push_ring(&mut path, &polygon.exterior);
                        for hole in &polygon.holes {
                            self.push_ring(&mut path, hole);
                        }
                    }
                }
                let _ = write!(
                    svg,
                    r##"<path d="{path}" fill="#ffffff" fill-rule="evenodd" stroke="#505a5f" stroke-width="1" stroke-linejoin="round"/>"##
                );
            }
            MapBasis::Extent => {
                let (x0, y0) = self.to_pixel(self.data.min_lon, self.data.max_lat);
                let (x1, y1) = self.to_pixel(self.data.max_lon, self.data.min_lat);
                let _ = write!(
                    svg,
                    r##"<rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="#ffffff" fill-opacity="0.6" stroke="#505a5f" stroke-width="2" stroke-dasharray="8 4"/>"##,
                    x1 - x0,
                    y1 - y0
                );
            }
        }
        let _ = write!(
            svg,
            r##"<rect x="0.5" y="0.5" width="{}" height="{}" fill="none" stroke="#0b0c0c"/></svg>"##,
            w.saturating_sub(1),
            h.saturating_sub(1)
        );
        svg
    }

    /// Appends one ring as a closed subpath, dropping points less than a pixel from the last
    /// one kept (boundaries are far more detailed than the map can show).
    fn push_ring(&self, path: &mut String, ring: &[[f64; 2]]) {
        let mut last: Option<(f64, f64)> = None;
        let mut kept = 0;
        for [lon, lat] in ring {
            if !lon.is_finite() || !lat.is_finite() {
                continue;
            }
            let (x, y) = self.to_pixel(*lon, *lat);
            if let Some((lx, ly)) = last {
                if (x - lx).abs() < 1.0 && (y - ly).abs() < 1.0 {
                    continue;
                }
            }
            let _ = write!(path, "{}{x:.1} {y:.1}", if kept == 0 { "M" } else { "L" });
            last = Some((x, y));
            kept += 1;
        }
        if kept > 0 {
            path.push('Z');
        }
    }
}

/// The partnership's area as the map draws it: the plan that names its districts (the
/// adopted plan that ends last, else the latest draft, as the dashboard chooses), their
/// stored LSOA boundaries, else ward boundaries, else district boundaries, else the extent of
/// the area's police.uk street points. `None` when there is no plan or nothing to draw.
async fn area_map(state: &AppState, door: &FrontDoor) -> Result<Option<AreaMap>, AppError> {
    let Some(plan) = door.plan(state).await? else { return Ok(None) };
    let info = &plan.plan.plan;
    let geography = state.store.geography().await?;
    let Some(borough) = super::dashboard::borough(state, Some(&plan), &geography).await? else {
        return Ok(None);
    };
    let codes: Vec<String> = match &borough.area {
        StreetArea::LsoaCodes(codes) if borough.from_lookup => codes.clone(),
        _ => Vec::new(),
    };
    let mut wards: Vec<String> = borough.wards.iter().map(|ward| ward.code.clone()).collect();
    wards.sort();
    let candidates: [(AreaKind, &[String], &'static str); 4] = [
        (AreaKind::Lsoa21, &codes, "neighbourhoods (lower layer super output areas)"),
        (AreaKind::Lsoa11, &codes, "neighbourhoods (lower layer super output areas)"),
        (AreaKind::Ward, &wards, "wards"),
        (AreaKind::Lad, &info.lad_codes, "local authority districts"),
    ];
    for (kind, codes, what) in candidates {
        if codes.is_empty() {
            continue;
        }
        let shapes: Vec<MultiPolygon> = state
            .store
            .geo_boundaries_of(kind, codes)
            .await?
            .into_iter()
            .filter_map(|b| serde_json::from_str::<MultiPolygon>(&b.geometry_json).ok())
            .collect();
        let extent = shapes.iter().filter_map(MultiPolygon::bbox).reduce(|a, b| a.union(&b));
        if let Some(extent) = extent.filter(plausible) {
            let basis = MapBasis::Boundaries(what);
            return Ok(Some(AreaMap::new(info.area.clone(), basis, shapes, extent)));
        }
    }
    // No boundaries: the rows the dashboard counts as the borough's.
    let extent = state
        .store
        .police_uk_street_extent(&borough.area)
        .await?
        .map(|[w, s, e, n]| BBox { min_lon: w, min_lat: s, max_lon: e, max_lat: n });
    Ok(extent
        .filter(plausible)
        .map(|extent| AreaMap::new(info.area.clone(), MapBasis::Extent, Vec::new(), extent)))
}

/// A box a borough's map can be drawn from: finite, in range, and under two degrees across.
fn plausible(b: &BBox) -> bool {
    [b.min_lon, b.min_lat, b.max_lon, b.max_lat].iter().all(|v| v.is_finite())
        && (-180.0..=180.0).contains(&b.min_lon)
        && (-180.0..=180.0).contains(&b.max_lon)
        && (-85.0..=85.0).contains(&b.min_lat)
        && (-85.0..=85.0).contains(&b.max_lat)
        && b.min_lon <= b.max_lon
        && b.min_lat <= b.max_lat
        && b.max_lon - b.min_lon < 2.0
        && b.max_lat - b.min_lat < 2.0
}

fn map_page(
    door: &FrontDoor,
    ctx: &Ctx,
    map: &AreaMap,
    draft: Draft,
    errors: Vec<FieldError>,
) -> MapPage {
    let title = "Choose the place on the map";
    let title = if errors.is_empty() { title.to_string() } else { format!("Error: {title}") };
    MapPage {
        layout: layout(&title, door, ctx),
        errors,
        hidden: draft.hidden_except(Step::Map),
        label: behaviour_label(door, &draft),
        alt: format!("Map of {}: select the place where it happens", map.area),
        caption: map.caption(),
        width: map.width,
        height: map.height,
        point: draft.point().map(show_point).unwrap_or_default(),
    }
}

/// `GET /public/report/map.svg`: the map of the partnership's area, the same for everyone.
async fn map_svg(State(state): State<AppState>) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let Some(map) = area_map(&state, &door).await? else { return Err(AppError::NotFound) };
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=3600")],
        map.svg(),
    )
        .into_response())
}

/// A reference residents can read out on the telephone: `R-` and eight letters and digits
/// without look-alikes (no I, L, O, U, 0 or 1), made from a derived token.
pub(crate) fn reference_from(token: &str) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = Sha256::digest(token.as_bytes());
    let chars: String =
        digest[..8].iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("R-{}-{}", &chars[..4], &chars[4..])
}

/// A private link's token: what `random_token(32)` or `derived_token` makes.
pub(crate) fn looks_like_link_token(token: &str) -> bool {
    (40..=64).contains(&token.len())
        && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `GET /public/report/status/{token}`: the report's progress, no names.
async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    if !looks_like_link_token(&token) {
        return Err(AppError::NotFound);
    }
    let found =
        state.store.public_report_status(door.partnership.id(), &token_hash(&token)).await?;
    let Some(found) = found else { return Err(AppError::NotFound) };
    let behaviour = door
        .config
        .triage
        .behaviour(&found.behaviour)
        .map_or_else(|| found.behaviour.clone(), |b| b.label.clone());
    let page = StatusPage {
        layout: layout(&format!("Report {}", found.reference), &door, &ctx),
        reference: found.reference,
        behaviour,
        received: crate::format::when(found.received_at),
        open: found.case_open,
        closed_on: found.closed_on.as_deref().map(crate::format::show_date).unwrap_or_default(),
        others: found.reports_on_case - 1,
        updated: crate::format::when(found.updated_at),
    };
    Ok(no_store(render(&page)?.into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_checked_for_shape() {
        for good in ["ME15 6JQ", "me156jq", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"]
        {
            assert!(is_postcode(good), "{good}");
        }
        for bad in ["", "ME15", "123 456", "ME15 6J", "ME15 66Q", "ME15 6JQQ", "<b>", "ÉE15 6JQ"] {
            assert!(!is_postcode(bad), "{bad}");
        }
    }

    #[test]
    fn emails_and_phones_are_checked_for_shape() {
        assert!(is_email("a.resident@example.org"));
        assert!(!is_email("a.resident@example"));
        assert!(!is_email("no at sign"));
        assert!(is_phone("01622 602000"));
        assert!(is_phone("+44 7700 900982"));
        assert!(!is_phone("12345"));
        assert!(!is_phone("01622 602000 ext"));
    }

    #[test]
    fn references_are_stable_and_readable() {
        let a = reference_from("token-one");
        assert_eq!(a, reference_from("token-one"));
        assert_ne!(a, reference_from("token-two"));
        assert_eq!(a.len(), 11);
        assert!(a.starts_with("R-"));
        assert!(!a[2..].chars().any(|c| "ILOU01".contains(c)));
    }

    #[test]
    fn map_clicks_go_back_through_the_projection_that_drew_the_map() {
        let data = BBox { min_lon: 0.45, min_lat: 51.20, max_lon: 0.65, max_lat: 51.32 };
        let map = AreaMap::new("Maidstone".into(), MapBasis::Extent, Vec::new(), data);
        assert!(map.width.max(map.height) as f64 <= MAP_SIZE + 1.0);
        for (lon, lat) in [(0.45, 51.20), (0.55, 51.27), (0.65, 51.32)] {
            let (x, y) = map.to_pixel(lon, lat);
            let (back_lat, back_lon) = map.to_point(x, y);
            assert!((back_lat - lat).abs() < 1e-9 && (back_lon - lon).abs() < 1e-9);
        }
        let click = |x: &str, y: &str| {
            let form: HashMap<String, String> =
                [("map.x".to_string(), x.to_string()), ("map.y".to_string(), y.to_string())].into();
            map.clicked(&form)
        };
        assert_eq!(click("0", "0"), Err(MAP_NO_CLICK), "what a keyboard sends");
        assert_eq!(click("1e9", "5"), Err(MAP_NO_CLICK));
        assert_eq!(click("NaN", "5"), Err(MAP_NO_CLICK));
        let (lat, lon) = click("1", "1").unwrap();
        assert!(map.contains(lat, lon) && !data.contains(lon, lat), "the margin is on the map");
        let draft = {
            let mut draft = Draft::from_form(&HashMap::new());
            draft.set_point(lat, lon);
            draft
        };
        assert_eq!(
            draft.point().map(|(a, b)| ((a - lat).abs() < 1e-6, (b - lon).abs() < 1e-6)),
            Some((true, true))
        );
    }

    #[test]
    fn a_draft_walks_the_steps_it_needs() {
        let mut form = HashMap::new();
        form.insert("behaviour".to_string(), "noise".to_string());
        let today = "2026-11-28";
        assert_eq!(Draft::from_form(&form).next_incomplete(today), Step::Where);
        for (k, v) in [
            ("postcode", "ME15 6JQ"),
            ("happened_day", "27"),
            ("happened_month", "11"),
            ("happened_year", "2026"),
            ("how_often", "daily"),
            ("description", "Loud music every night"),
            ("identify", "no"),
        ] {
            form.insert(k.to_string(), v.to_string());
        }
        assert_eq!(Draft::from_form(&form).next_incomplete(today), Step::Check);
        form.insert("identify".to_string(), "yes".to_string());
        assert_eq!(Draft::from_form(&form).next_incomplete(today), Step::Contact);
        form.insert("happened_day".to_string(), "29".to_string());
        let draft = Draft::from_form(&form);
        assert_eq!(draft.check(Step::When, today)[0].field, "happened");
    }
}
