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

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_domain::triage::{Outcome, Route};
use safer_storage::{NewPublicReport, ReportChannel, ReportLocation, Reporter};

use super::{admit, FrontDoor, PublicLayout, PublicSection, HONEYPOT_FIELD};
use crate::auth::ClientAddress;
use crate::error::render;
use crate::format::today_iso;
use crate::marac::date_from_parts;
use crate::session::{random_token, token_hash, Ctx};
use crate::views::FieldError;
use crate::{AppError, AppState};

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
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// Every field the journey collects, by name; the hidden fields of each page.
const DRAFT_FIELDS: [&str; 14] = [
    "behaviour",
    "postcode",
    "address",
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
        Step::Check => &[],
    }
}

const HOW_OFTEN: [(&str, &str); 4] = [
    ("once", "This was the first time"),
    ("sometimes", "It has happened a few times"),
    ("weekly", "Most weeks"),
    ("daily", "Every day or most days"),
];

/// The answers so far, as posted.
#[derive(Debug, Clone, Default)]
struct Draft(HashMap<String, String>);

impl Draft {
    fn from_form(form: &HashMap<String, String>) -> Draft {
        let mut values = HashMap::new();
        for name in DRAFT_FIELDS {
            if let Some(value) = form.get(name) {
                let limit = if name == "description" { MAX_DESCRIPTION } else { MAX_FIELD };
                let value: String = value.trim().chars().take(limit + 1).collect();
                if !value.is_empty() {
                    values.insert(name.to_string(), value);
                }
            }
        }
        Draft(values)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// The hidden fields for a page asking `step` (its own fields are the visible ones).
    fn hidden_except(&self, step: Step) -> Vec<(String, String)> {
        let own = step_fields(step);
        DRAFT_FIELDS
            .iter()
            .filter(|name| !own.contains(name))
            .filter_map(|name| self.get(name).map(|v| (name.to_string(), v.to_string())))
            .collect()
    }

    fn identified(&self) -> bool {
        self.get("identify") == Some("yes")
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
                if postcode.is_none() && self.get("address").is_none() {
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
            Step::Check => {}
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
}

impl StepPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// A row of the check page.
struct CheckRow {
    key: &'static str,
    value: String,
    step: &'static str,
}

#[derive(askama::Template)]
#[template(path = "public/report_check.html")]
struct CheckPage {
    layout: PublicLayout,
    rows: Vec<CheckRow>,
    hidden: Vec<(String, String)>,
    submission: String,
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

fn step_page(
    door: &FrontDoor,
    ctx: &Ctx,
    step: Step,
    draft: Draft,
    errors: Vec<FieldError>,
) -> StepPage {
    let title = match step {
        Step::Where => "Where is this happening?",
        Step::When => "When did it last happen?",
        Step::Details => "What happened?",
        Step::Identify => "Do you want to give your name and contact details?",
        Step::Contact => "Your contact details",
        Step::Consent => "Can we share your details with the partner agencies?",
        Step::Check => "Check your answers",
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
        draft,
        errors,
        label,
    }
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
    ];
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
    let draft = Draft::from_form(&form);
    if !reportable(&door, &draft) {
        return Ok(render(&problem_page(&door, &ctx, None, Vec::new()))?.into_response());
    }
    let today = today_iso(state.now());
    if let Some(goto) = form.get("goto").and_then(|g| Step::from_name(g)) {
        let page = if goto == Step::Check {
            return Ok(render(&check_page(&door, &ctx, draft))?.into_response());
        } else {
            step_page(&door, &ctx, goto, draft, Vec::new())
        };
        return Ok(render(&page)?.into_response());
    }
    let Some(answered) = form.get("step").and_then(|s| Step::from_name(s)) else {
        return Err(AppError::NotFound);
    };
    let errors = draft.check(answered, &today);
    if !errors.is_empty() {
        let page = step_page(&door, &ctx, answered, draft, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    // The first page still to answer: the next one on the first pass, the check page again
    // after a change (unless the change needs more answers, such as choosing to give details).
    let next = draft.next_incomplete(&today);
    if next == Step::Check {
        return Ok(render(&check_page(&door, &ctx, draft))?.into_response());
    }
    Ok(render(&step_page(&door, &ctx, next, draft, Vec::new()))?.into_response())
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
        let page = step_page(&door, &ctx, incomplete, draft, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let submission = form.get("submission").map(String::as_str).unwrap_or_default();
    if !(16..=64).contains(&submission.len())
        || !submission.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Ok(render(&check_page(&door, &ctx, draft))?.into_response());
    }
    if form.get(HONEYPOT_FIELD).is_some_and(|v| !v.is_empty()) {
        // A bot filled the field people cannot see: thank it and keep nothing.
        return Ok(render(&super::ThanksPage { layout: layout("Thank you", &door, &ctx) })?
            .into_response());
    }
    if let Some(refused) = admit(&state, &door, &address, &ctx).await? {
        return Ok(refused);
    }
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
        consent_to_share: draft.get("consent") == Some("yes"),
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
                    point: None,
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
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let page = DonePage {
        layout: layout("Report sent", &door, &ctx),
        reference: receipt.reference,
        status_url: format!(
            "{}://{host}{status_path}",
            if state.config.secure_cookies { "https" } else { "http" }
        ),
        status_path,
        identified: draft.identified(),
    };
    let mut response = render(&page)?.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A reference residents can read out on the telephone: `R-` and eight letters and digits
/// without look-alikes (no I, L, O, U, 0 or 1), made from a derived token.
pub(crate) fn reference_from(token: &str) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = token_hash(token);
    let bytes: Vec<u8> =
        (0..8).map(|i| u8::from_str_radix(&digest[i * 2..i * 2 + 2], 16).unwrap_or(0)).collect();
    let chars: String =
        bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
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
    let mut response = render(&page)?.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
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
