//! The Community Trigger online: the threshold in plain words, the application (for yourself,
//! or for someone else with their agreement), and a private status page that follows the
//! review to its outcome.
//!
//! Like the report, the application is a series of one-question pages that carry earlier
//! answers in hidden fields; nothing is stored until it is sent, and sending it twice gives
//! one application. It is received by the front door's agency and appears in the
//! coordinators' case reviews list (`/trigger`), on the case of the first report reference
//! the applicant gives, so the qualifying complaints are counted from what is already there.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use safer_storage::NewPublicApplication;

use super::report::{looks_like_link_token, Choice};
use super::{
    gate, no_store, private_link, CheckPage, CheckRow, FrontDoor, Gate, Posted, PublicLayout,
    PublicSection,
};
use crate::auth::ClientAddress;
use crate::error::render;
use crate::format::{show_date, today_iso};
use crate::session::{random_token, token_hash, Ctx};
use crate::views::FieldError;
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/public/community-trigger", get(start).post(step))
        .route("/public/community-trigger/send", axum::routing::post(send))
        .route("/public/community-trigger/status/{token}", get(status))
}

const MAX_FIELD: usize = 200;
const MAX_TEXT: usize = 3000;

/// The pages, in order.
const STEPS: [&str; 7] = ["who", "behalf", "victim", "reports", "account", "contact", "check"];

/// Every field, by name.
const FIELDS: [&str; 9] = [
    "who",
    "relationship",
    "agreed",
    "victim",
    "references",
    "reports_seen",
    "account",
    "name",
    "contact",
];

fn step_fields(step: &str) -> &'static [&'static str] {
    match step {
        "who" => &["who"],
        "behalf" => &["relationship", "agreed"],
        "victim" => &["victim"],
        // The references are optional, so the page marks that it was shown.
        "reports" => &["references", "reports_seen"],
        "account" => &["account"],
        "contact" => &["name", "contact"],
        _ => &[],
    }
}

const VICTIMS: [(&str, &str); 3] = [
    ("individual", "A person"),
    ("business", "A business"),
    ("community-group", "A community group"),
];

/// The answers so far, as posted.
#[derive(Debug, Clone)]
struct Answers(Posted);

impl std::ops::Deref for Answers {
    type Target = Posted;

    fn deref(&self) -> &Posted {
        &self.0
    }
}

impl Answers {
    fn from_form(form: &HashMap<String, String>) -> Answers {
        let limit = |name: &str| {
            if matches!(name, "account" | "references") {
                MAX_TEXT
            } else {
                MAX_FIELD
            }
        };
        Answers(Posted::from_form(form, &FIELDS, limit))
    }

    fn for_someone_else(&self) -> bool {
        self.get("who") == Some("someone-else")
    }

    /// The hidden fields for a page asking `step` (its own fields are the visible ones).
    fn hidden_except(&self, step: &str) -> Vec<(String, String)> {
        self.0.hidden_except(step_fields(step))
    }

    fn steps(&self) -> Vec<&'static str> {
        STEPS
            .iter()
            .copied()
            .filter(|s| *s != "check" && (*s != "behalf" || self.for_someone_else()))
            .collect()
    }

    fn check(&self, step: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: &str| {
            errors.push(FieldError { field, message: message.to_string() })
        };
        let long = |name: &str, limit: usize| self.value(name).chars().count() > limit;
        match step {
            "who" if !matches!(self.get("who"), Some("myself" | "someone-else")) => {
                err("who", "Select who you are applying for");
            }
            "behalf" => {
                if self.get("relationship").is_none() {
                    err("relationship", "Enter who you are to the person affected");
                } else if long("relationship", MAX_FIELD) {
                    err("relationship", "Who you are to them must be 200 characters or fewer");
                }
                match self.get("agreed") {
                    Some("yes") => {}
                    Some("no") => err(
                        "agreed",
                        "You can only apply for someone else if they agree. Ask them first, or they can apply themselves",
                    ),
                    _ => err("agreed", "Select yes if they agree to you applying for them"),
                }
            }
            "victim" if !VICTIMS.iter().any(|(v, _)| Some(*v) == self.get("victim")) => {
                err("victim", "Select who the behaviour affects");
            }
            "reports" if long("references", MAX_TEXT) => {
                err("references", "References must be 3,000 characters or fewer");
            }
            "account" => match self.get("account") {
                None => err("account", "Enter what has happened and who you reported it to"),
                Some(_) if long("account", MAX_TEXT) => {
                    err("account", "What has happened must be 3,000 characters or fewer")
                }
                Some(_) => {}
            },
            "contact" => {
                if self.get("name").is_none() {
                    err("name", "Enter your name");
                } else if long("name", MAX_FIELD) {
                    err("name", "Your name must be 200 characters or fewer");
                }
                if self.get("contact").is_none() {
                    err("contact", "Enter an email address, telephone number or postal address so we can send you our decision");
                } else if long("contact", MAX_FIELD) {
                    err("contact", "How to contact you must be 200 characters or fewer");
                }
            }
            _ => {}
        }
        errors
    }

    fn next_incomplete(&self) -> &'static str {
        self.steps()
            .into_iter()
            .find(|s| {
                !self.check(s).is_empty() || (*s == "reports" && self.get("reports_seen").is_none())
            })
            .unwrap_or("check")
    }

    /// Report references typed (any separators), upper-cased.
    fn references(&self) -> Vec<String> {
        self.value("references")
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|r| !r.is_empty())
            .map(str::to_ascii_uppercase)
            .take(20)
            .collect()
    }
}

/// The threshold in plain words, from the partnership's procedures.
fn threshold_words(settings: &safer_storage::TriggerSettings) -> Vec<String> {
    let mut words = vec![match settings.threshold {
        1 => "you have complained about the behaviour at least once in the last 6 months".to_string(),
        n => format!(
            "you have complained about the behaviour {} times or more in the last 6 months, each complaint made within a month of the behaviour (the same incident reported to several agencies counts once)",
            match n {
                2 => "two",
                _ => "three",
            }
        ),
    }];
    if settings.single_hate_incident {
        words.push("or you have reported one incident or crime motivated by hate (for example because of race, religion, sexual orientation, disability or gender identity) in the last 6 months".to_string());
    }
    if let Some(n) = settings.separate_complainants {
        words.push(format!(
            "or {n} or more people have each complained about the same behaviour in the last 6 months"
        ));
    }
    words
}

#[derive(askama::Template)]
#[template(path = "public/trigger_start.html")]
struct StartPage {
    layout: PublicLayout,
    threshold: Vec<String>,
    decision_days: u32,
    review_days: u32,
}

#[derive(askama::Template)]
#[template(path = "public/trigger_step.html")]
struct StepPage {
    layout: PublicLayout,
    step: &'static str,
    errors: Vec<FieldError>,
    answers: Answers,
    hidden: Vec<(String, String)>,
    who: Vec<Choice>,
    agreed: Vec<Choice>,
    victims: Vec<Choice>,
}

impl StepPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(askama::Template)]
#[template(path = "public/trigger_done.html")]
struct DonePage {
    layout: PublicLayout,
    reference: String,
    status_path: String,
    status_url: String,
    decision_days: u32,
}

/// A stage of the review, as the status page lists it.
struct Stage {
    label: &'static str,
    done: bool,
    detail: String,
}

#[derive(askama::Template)]
#[template(path = "public/trigger_status.html")]
struct StatusPage {
    layout: PublicLayout,
    reference: String,
    stages: Vec<Stage>,
    summary: String,
    escalation: String,
}

fn layout(title: &str, door: &FrontDoor, ctx: &Ctx) -> PublicLayout {
    PublicLayout::new(title, door, ctx, PublicSection::Trigger)
}

fn choices(options: &[(&str, &str)], chosen: Option<&str>) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            checked: chosen == Some(*v),
        })
        .collect()
}

fn step_page(
    door: &FrontDoor,
    ctx: &Ctx,
    step: &'static str,
    answers: Answers,
    errors: Vec<FieldError>,
) -> StepPage {
    let title = match step {
        "who" => "Who are you applying for?",
        "behalf" => "About the person you are applying for",
        "victim" => "Who does the behaviour affect?",
        "reports" => "Your report references",
        "account" => "What has happened?",
        _ => "Your contact details",
    };
    let title = if errors.is_empty() { title.to_string() } else { format!("Error: {title}") };
    StepPage {
        layout: layout(&title, door, ctx),
        step,
        hidden: answers.hidden_except(step),
        who: choices(
            &[("myself", "Myself"), ("someone-else", "Someone else, with their agreement")],
            answers.get("who"),
        ),
        agreed: choices(&[("yes", "Yes"), ("no", "No")], answers.get("agreed")),
        victims: choices(&VICTIMS, answers.get("victim")),
        answers,
        errors,
    }
}

fn check_page(door: &FrontDoor, ctx: &Ctx, answers: Answers) -> CheckPage {
    let mut rows = vec![CheckRow {
        key: "Applying for",
        value: if answers.for_someone_else() {
            format!("Someone else ({}), who agrees", answers.value("relationship"))
        } else {
            "Myself".to_string()
        },
        step: "who",
    }];
    rows.push(CheckRow {
        key: "Affects",
        value: VICTIMS
            .iter()
            .find(|(v, _)| Some(*v) == answers.get("victim"))
            .map_or("", |(_, l)| l)
            .to_string(),
        step: "victim",
    });
    let references = answers.references();
    rows.push(CheckRow {
        key: "Report references",
        value: if references.is_empty() { "None given".to_string() } else { references.join(", ") },
        step: "reports",
    });
    rows.push(CheckRow {
        key: "What has happened",
        value: answers.value("account").to_string(),
        step: "account",
    });
    rows.push(CheckRow {
        key: "Your contact details",
        value: format!("{}, {}", answers.value("name"), answers.value("contact")),
        step: "contact",
    });
    CheckPage {
        layout: layout("Check your answers before applying", door, ctx),
        action: "/public/community-trigger",
        noun: "application",
        rows,
        hidden: answers.hidden_except("check"),
        submission: random_token(16),
    }
}

/// `GET /public/community-trigger`: what it is, the threshold, how long it takes.
async fn start(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let settings = state.store.trigger_settings(door.partnership.id()).await?;
    let page = StartPage {
        layout: layout(
            "Ask for an anti-social behaviour case review (Community Trigger)",
            &door,
            &ctx,
        ),
        threshold: threshold_words(&settings),
        decision_days: settings.decision_working_days,
        review_days: settings.review_working_days,
    };
    Ok(render(&page)?.into_response())
}

/// `POST /public/community-trigger`: one page's answers (`step`), or a page to show (`goto`).
async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let answers = Answers::from_form(&form);
    if let Some(goto) = form.get("goto").and_then(|g| STEPS.iter().find(|s| **s == g.as_str())) {
        if *goto == "check" {
            return Ok(render(&check_page(&door, &ctx, answers))?.into_response());
        }
        return Ok(render(&step_page(&door, &ctx, goto, answers, Vec::new()))?.into_response());
    }
    let Some(answered) = form.get("step").and_then(|s| STEPS.iter().find(|x| **x == s.as_str()))
    else {
        return Err(AppError::NotFound);
    };
    let errors = answers.check(answered);
    if !errors.is_empty() {
        let page = step_page(&door, &ctx, answered, answers, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    match answers.next_incomplete() {
        "check" => Ok(render(&check_page(&door, &ctx, answers))?.into_response()),
        next => Ok(render(&step_page(&door, &ctx, next, answers, Vec::new()))?.into_response()),
    }
}

/// `POST /public/community-trigger/send`: the application made.
async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let answers = Answers::from_form(&form);
    let incomplete = answers.next_incomplete();
    if incomplete != "check" {
        let errors = answers.check(incomplete);
        let page = step_page(&door, &ctx, incomplete, answers, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let submission =
        match gate(&state, &door, &ctx, &address, &form, PublicSection::Trigger).await? {
            Gate::Pass(submission) => submission,
            Gate::Recheck => return Ok(render(&check_page(&door, &ctx, answers))?.into_response()),
            Gate::Stop(response) => return Ok(response),
        };
    let now = state.now();
    let today = today_iso(now);
    let token = state.keys.derived_token("trigger-status", submission);
    let status_hash = token_hash(&token);
    let references = answers.references();
    let actor = door.actor(&state, now).await?;
    let receipt = state
        .store
        .submit_public_application(
            &actor,
            &NewPublicApplication {
                submission_key: submission,
                status_token_hash: &status_hash,
                applicant_name: answers.value("name"),
                on_behalf: answers.for_someone_else().then(|| answers.value("relationship")),
                victim_kind: answers.value("victim"),
                report_references: &references,
                account: answers.value("account"),
                contact: answers.value("contact"),
                received_on: &today,
            },
            now,
        )
        .await?;
    let settings = state.store.trigger_settings(door.partnership.id()).await?;
    let status_path = format!("/public/community-trigger/status/{token}");
    let page = DonePage {
        layout: layout("Application received", &door, &ctx),
        reference: receipt.reference,
        status_url: private_link(&state, &headers, &status_path),
        status_path,
        decision_days: settings.decision_working_days,
    };
    Ok(no_store(render(&page)?.into_response()))
}

/// `GET /public/community-trigger/status/{token}`: the stages, no names, no letters.
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
        state.store.public_application_status(door.partnership.id(), &token_hash(&token)).await?;
    let Some(found) = found else { return Err(AppError::NotFound) };
    let decided = found.decision.is_some();
    let decision_words = match found.decision.as_deref() {
        Some("met") => "The threshold was met: the partners will review how the behaviour was dealt with.",
        Some("met-at-discretion") => "The threshold was not met, but the partners decided to review the case anyway.",
        Some("not-met") => "The threshold was not met, so there will be no case review. The letter we sent explains why and what else we can do.",
        _ => "",
    };
    let show = |d: &Option<String>| d.as_deref().map(show_date).unwrap_or_default();
    let reviewed = found.review_held_on.is_some();
    let not_met = found.decision.as_deref() == Some("not-met");
    let mut stages = vec![
        Stage { label: "Application received", done: true, detail: show_date(&found.received_on) },
        Stage { label: "Threshold decision", done: decided, detail: show(&found.decided_on) },
    ];
    if !not_met {
        stages.push(Stage {
            label: "Case review meeting",
            done: reviewed,
            detail: if reviewed {
                format!(
                    "{}; {} recommendation{}",
                    show(&found.review_held_on),
                    found.recommendations,
                    if found.recommendations == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            },
        });
        stages.push(Stage {
            label: "Outcome sent to you",
            done: found.outcome_sent_on.is_some(),
            detail: show(&found.outcome_sent_on),
        });
    }
    let summary = if found.outcome_sent_on.is_some() {
        "The review is finished and we have sent you its outcome.".to_string()
    } else if reviewed {
        "The review meeting has been held; we will send you its outcome.".to_string()
    } else if decided {
        decision_words.to_string()
    } else {
        "We are checking your application against the threshold.".to_string()
    };
    let page = StatusPage {
        layout: layout(&format!("Application {}", found.reference), &door, &ctx),
        reference: found.reference,
        stages,
        summary,
        escalation: if decided {
            found.escalation_route.unwrap_or_default()
        } else {
            String::new()
        },
    };
    Ok(no_store(render(&page)?.into_response()))
}
