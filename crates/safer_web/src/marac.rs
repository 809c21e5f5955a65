//! The DASH risk checklist on a domestic abuse case and the MARAC referral it makes:
//! `GET/POST /cases/{id}/dash`, the result `GET /cases/{id}/dash/{checklist}` and the printable
//! referral document `GET /cases/{id}/marac-referral/{referral}`.
//!
//! The store decides access (`safer_storage::dash`): a case the user may not read is 404, as
//! is a case that is not domestic abuse. The form asks the 24 questions (yes, no or don't
//! know, each with a comment), the incident's date and the practitioner's judgement; the store
//! applies the MARAC criteria and refers in the same transaction, and the referral document is
//! read back from what was stored, so nothing is typed twice.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, LinkRole};
use safer_domain::casework::dash::{
    Answer, DashResponse, Judgement, MaracCriterion, MaracReferral, DASH_QUESTIONS,
};
use safer_domain::ids::CaseId;
use safer_storage::{CaseDetail, DashOutcome, NewDash, StoreError, StoredDash, StoredReferral};

use crate::error::render;
use crate::format::{parse_id, show_date, today_iso};
use crate::session::{CurrentUser, SignedIn};
use crate::viewer::case_viewer;
use crate::views::{Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/dash", get(show_dash_form).post(create_dash))
        .route("/cases/{id}/dash/{checklist}", get(show_dash))
        .route("/cases/{id}/marac-referral/{referral}", get(show_referral))
}

// ---------------------------------------------------------------------------------------------
// Shared with the panel pages

/// A date typed as day, month and year (the GOV.UK date input): `YYYY-MM-DD`, or what is wrong.
pub(crate) fn date_from_parts(day: &str, month: &str, year: &str) -> Result<String, &'static str> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err("missing");
    }
    let numbers = (day.parse::<u32>(), month.parse::<u32>(), year.parse::<u32>());
    let (Ok(day), Ok(month), Ok(year)) = numbers else { return Err("invalid") };
    if year < 1000 {
        return Err("invalid");
    }
    let iso = format!("{year:04}-{month:02}-{day:02}");
    if safer_domain::case::is_iso_date(&iso) {
        Ok(iso)
    } else {
        Err("invalid")
    }
}

/// One field error; `field` is the id of the control the summary links to.
#[derive(Debug, Clone)]
pub(crate) struct FormError {
    pub(crate) field: String,
    pub(crate) message: String,
}

fn error(field: impl Into<String>, message: impl Into<String>) -> FormError {
    FormError { field: field.into(), message: message.into() }
}

/// A criterion in words.
pub(crate) fn criterion_label(criterion: MaracCriterion) -> &'static str {
    match criterion {
        MaracCriterion::VisibleHighRisk => "Visible high risk: 14 or more yes answers",
        MaracCriterion::ProfessionalJudgement => "Professional judgement",
        MaracCriterion::PotentialEscalation => {
            "Potential escalation: 3 or more police-reported incidents in 12 months"
        }
        MaracCriterion::Repeat => "Repeat: an incident within 12 months of the last MARAC referral",
    }
}

/// A referral reason code in words.
pub(crate) fn reason_label(code: &str) -> &'static str {
    match code {
        "visible-high-risk" => "Visible high risk",
        "professional-judgement" => "Professional judgement",
        "escalation" => "Potential escalation",
        "repeat" => "Repeat referral",
        "new-concern" => "New concern",
        _ => "Other",
    }
}

fn answer_label(answer: Answer) -> &'static str {
    match answer {
        Answer::Yes => "Yes",
        Answer::No => "No",
        Answer::DontKnow => "Don't know",
    }
}

/// One answer as the referral document and the agenda show it.
#[derive(Debug, Clone)]
pub(crate) struct AnswerView {
    pub(crate) number: u8,
    pub(crate) question: &'static str,
    pub(crate) answer: &'static str,
    pub(crate) yes: bool,
    pub(crate) comment: String,
}

/// The referral document as pages show it.
#[derive(Debug, Clone)]
pub(crate) struct ReferralView {
    pub(crate) href: String,
    pub(crate) case_reference: String,
    pub(crate) panel_name: String,
    pub(crate) referred_on: String,
    pub(crate) status: String,
    pub(crate) reason: &'static str,
    pub(crate) criteria: Vec<&'static str>,
    pub(crate) repeat: bool,
    pub(crate) previous_referral_on: Option<String>,
    pub(crate) checklist_completed_on: String,
    pub(crate) incident_on: String,
    pub(crate) yes_count: usize,
    pub(crate) police_incidents_in_window: usize,
    pub(crate) judgement_reason: Option<String>,
    pub(crate) answers: Vec<AnswerView>,
}

fn iso(day: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day())
}

pub(crate) fn answers_view(document: &MaracReferral) -> Vec<AnswerView> {
    document
        .answers
        .iter()
        .map(|a| AnswerView {
            number: a.number,
            question: a.question,
            answer: answer_label(a.answer),
            yes: a.answer == Answer::Yes,
            comment: a.comment.clone(),
        })
        .collect()
}

pub(crate) fn referral_view(referral: &StoredReferral) -> ReferralView {
    let document = &referral.document;
    ReferralView {
        href: format!("/cases/{}/marac-referral/{}", referral.case.0, referral.id),
        case_reference: referral.case_reference.clone(),
        panel_name: referral.panel_name.clone(),
        referred_on: show_date(&referral.referred_on),
        status: referral.status.clone(),
        reason: reason_label(&referral.reason),
        criteria: document.criteria.iter().map(|c| criterion_label(*c)).collect(),
        repeat: referral.repeat,
        previous_referral_on: document.previous_referral_on.map(|d| show_date(&iso(d))),
        checklist_completed_on: show_date(&iso(document.checklist_completed_on)),
        incident_on: show_date(&iso(document.incident_on)),
        yes_count: document.yes_count,
        police_incidents_in_window: document.police_incidents_in_window,
        judgement_reason: document.judgement_reason.clone(),
        answers: answers_view(document),
    }
}

// ---------------------------------------------------------------------------------------------
// The checklist form

/// A question on the form, with what was typed.
#[derive(Debug, Clone)]
pub(crate) struct QuestionView {
    pub(crate) number: usize,
    pub(crate) label: &'static str,
    pub(crate) answer: String,
    pub(crate) comment: String,
    pub(crate) error: Option<String>,
}

/// A victim to choose.
#[derive(Debug, Clone)]
pub(crate) struct VictimOption {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) checked: bool,
}

/// An earlier checklist, as listed under the form.
#[derive(Debug, Clone)]
pub(crate) struct ChecklistRow {
    pub(crate) href: String,
    pub(crate) completed_on: String,
    pub(crate) yes_count: usize,
    pub(crate) referred: bool,
}

/// `GET /cases/{id}/dash`: the checklist.
#[derive(Template)]
#[template(path = "dash_form.html")]
pub(crate) struct DashFormPage {
    layout: Layout,
    case_href: String,
    case_reference: String,
    errors: Vec<FormError>,
    victims: Vec<VictimOption>,
    incident_day: String,
    incident_month: String,
    incident_year: String,
    incident_error: Option<String>,
    victim_error: Option<String>,
    questions: Vec<QuestionView>,
    judgement: String,
    judgement_reason: String,
    judgement_error: Option<String>,
    reason_error: Option<String>,
    earlier: Vec<ChecklistRow>,
    action: String,
}

/// The form as posted: every field by name.
pub(crate) struct Posted(pub(crate) Vec<(String, String)>);

impl Posted {
    fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A domestic abuse case the user may read, with its details; not found for any other case.
pub(crate) async fn load_da_case(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(CaseId, Viewer, CaseDetail), AppError> {
    let case = CaseId(parse_id(id)?);
    let viewer = case_viewer(state, user, case).await?;
    let detail = state.store.case_detail(&viewer, case, state.now()).await?;
    if detail.case.case_type != CaseType::DomesticAbuse {
        return Err(AppError::NotFound);
    }
    Ok((case, viewer, detail))
}

async fn dash_form_page(
    state: &AppState,
    signed_in: &SignedIn,
    (case, viewer, detail): (CaseId, Viewer, CaseDetail),
    posted: Option<&Posted>,
    mut errors: Vec<FormError>,
) -> Result<DashFormPage, AppError> {
    let value = |name: &str| posted.map_or(String::new(), |p| p.get(name).to_string());
    let field_error = |errors: &[FormError], field: &str| {
        errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
    };
    let mut victims: Vec<VictimOption> = detail
        .subjects
        .iter()
        .filter(|s| s.role == LinkRole::Victim)
        .map(|s| VictimOption {
            id: s.id.0,
            name: s.name.clone(),
            checked: value("victim") == s.id.0.to_string(),
        })
        .collect();
    if victims.len() == 1 {
        victims[0].checked = true;
    }
    let questions = (1..=DASH_QUESTIONS.len())
        .map(|number| QuestionView {
            number,
            label: DASH_QUESTIONS[number - 1],
            answer: value(&format!("q{number}")),
            comment: value(&format!("q{number}-comment")),
            error: field_error(&errors, &format!("q{number}-yes")),
        })
        .collect();
    let earlier = state
        .store
        .dash_checklists(&viewer, case, state.now())
        .await?
        .into_iter()
        .map(|d| ChecklistRow {
            href: format!("/cases/{}/dash/{}", case.0, d.id),
            completed_on: show_date(&d.completed_on),
            yes_count: d.yes_count,
            referred: d.referral.is_some(),
        })
        .collect();
    // The summary lists problems in the order of the page.
    let order = |field: &str| -> usize {
        match field {
            "victim" => 0,
            "incident-day" => 1,
            "judgement-refer" => 100,
            "judgement-reason" => 101,
            other => other
                .strip_prefix('q')
                .and_then(|rest| rest.split('-').next())
                .and_then(|n| n.parse::<usize>().ok())
                .map_or(200, |n| n + 1),
        }
    };
    errors.sort_by_key(|e| order(&e.field));
    let title = if errors.is_empty() {
        "DASH risk checklist".to_string()
    } else {
        "Error: DASH risk checklist".to_string()
    };
    Ok(DashFormPage {
        layout: Layout::new(title, &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb(detail.case.reference.clone(), format!("/cases/{}", case.0)),
        case_href: format!("/cases/{}", case.0),
        case_reference: detail.case.reference.clone(),
        victim_error: field_error(&errors, "victim"),
        incident_error: field_error(&errors, "incident-day"),
        judgement_error: field_error(&errors, "judgement-refer"),
        reason_error: field_error(&errors, "judgement-reason"),
        errors,
        victims,
        incident_day: value("incident-day"),
        incident_month: value("incident-month"),
        incident_year: value("incident-year"),
        questions,
        judgement: posted.map_or_else(|| "none".to_string(), |p| p.get("judgement").to_string()),
        judgement_reason: value("judgement-reason"),
        earlier,
        action: format!("/cases/{}/dash", case.0),
    })
}

async fn show_dash_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = load_da_case(&state, &signed_in.user, &id).await?;
    let page = dash_form_page(&state, &signed_in, loaded, None, Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

/// The checked form: what the store needs.
struct ValidDash {
    victim: i64,
    incident_on: String,
    responses: Vec<DashResponse>,
    judgement: Option<Judgement>,
}

fn check_dash(posted: &Posted, victims: &[i64], today: &str) -> Result<ValidDash, Vec<FormError>> {
    let mut errors = Vec::new();
    let victim = posted.get("victim").parse::<i64>().ok().filter(|id| victims.contains(id));
    if victim.is_none() {
        errors.push(error("victim", "Select the victim the checklist was completed with"));
    }
    let incident_on = match date_from_parts(
        posted.get("incident-day"),
        posted.get("incident-month"),
        posted.get("incident-year"),
    ) {
        Ok(day) if day.as_str() > today => {
            errors.push(error(
                "incident-day",
                "The date of the incident must be today or in the past",
            ));
            None
        }
        Ok(day) => Some(day),
        Err("missing") => {
            errors.push(error("incident-day", "Enter the date of the incident"));
            None
        }
        Err(_) => {
            errors.push(error("incident-day", "The date of the incident must be a real date"));
            None
        }
    };
    let mut responses = Vec::new();
    for number in 1..=DASH_QUESTIONS.len() {
        let answer = match posted.get(&format!("q{number}")) {
            "yes" => Some(Answer::Yes),
            "no" => Some(Answer::No),
            "dont-know" => Some(Answer::DontKnow),
            _ => None,
        };
        match answer {
            Some(answer) => responses.push(DashResponse {
                answer,
                comment: posted.get(&format!("q{number}-comment")).trim().to_string(),
            }),
            None => errors.push(error(
                format!("q{number}-yes"),
                format!("Select yes, no or don't know for question {number}"),
            )),
        }
    }
    let reason = posted.get("judgement-reason").trim().to_string();
    let judgement = match posted.get("judgement") {
        "none" | "" => None,
        "refer" => Some(Judgement::Refer { reason: reason.clone() }),
        "do-not-refer" => Some(Judgement::DoNotRefer { reason: reason.clone() }),
        _ => {
            errors.push(error("judgement-refer", "Select a judgement from the list"));
            None
        }
    };
    if judgement.is_some() && reason.is_empty() {
        errors.push(error("judgement-reason", "Say why you judge the case so"));
    }
    match (victim, incident_on) {
        (Some(victim), Some(incident_on)) if errors.is_empty() => {
            Ok(ValidDash { victim, incident_on, responses, judgement })
        }
        _ => Err(errors),
    }
}

async fn create_dash(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (case, viewer, detail) = load_da_case(&state, &signed_in.user, &id).await?;
    let posted = Posted(fields);
    match record_posted_dash(&state, &viewer, case, &detail, &posted, state.now()).await? {
        Ok(outcome) => {
            Ok(Redirect::to(&format!("/cases/{}/dash/{}", case.0, outcome.checklist))
                .into_response())
        }
        Err(errors) => {
            let page =
                dash_form_page(&state, &signed_in, (case, viewer, detail), Some(&posted), errors)
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Checks a posted checklist and records it (the store applies the MARAC criteria and refers
/// in the same transaction): the outcome, or the form's errors, a refusal of the criteria
/// among them. The form and the JSON API both record through this.
pub(crate) async fn record_posted_dash(
    state: &AppState,
    viewer: &Viewer,
    case: CaseId,
    detail: &CaseDetail,
    posted: &Posted,
    now: i64,
) -> Result<Result<DashOutcome, Vec<FormError>>, AppError> {
    let today = today_iso(now);
    let victims: Vec<i64> =
        detail.subjects.iter().filter(|s| s.role == LinkRole::Victim).map(|s| s.id.0).collect();
    let valid = match check_dash(posted, &victims, &today) {
        Ok(valid) => valid,
        Err(errors) => return Ok(Err(errors)),
    };
    let dash = NewDash {
        victim: safer_domain::ids::SubjectId(valid.victim),
        completed_on: &today,
        incident_on: &valid.incident_on,
        responses: valid.responses,
        judgement: valid.judgement,
    };
    match state.store.record_dash(viewer, case, &dash, now).await {
        Ok(outcome) => Ok(Ok(outcome)),
        Err(StoreError::Rule(message)) => {
            // A rule of the criteria: "do not refer" against a met criterion, dates out of
            // order, or no MARAC panel to refer to. Shown where it belongs.
            let field = if message.contains("judgement") {
                "judgement-refer"
            } else if message.contains("date") || message.contains("day") {
                "incident-day"
            } else {
                "victim"
            };
            let mut sentence = message.clone();
            if let Some(first) = sentence.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            Ok(Err(vec![error(field, sentence)]))
        }
        Err(err) => Err(err.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The result

/// `GET /cases/{id}/dash/{checklist}`: what the criteria found.
#[derive(Template)]
#[template(path = "dash_result.html")]
pub(crate) struct DashResultPage {
    layout: Layout,
    case_href: String,
    case_reference: String,
    completed_on: String,
    incident_on: String,
    yes_count: usize,
    dont_know_count: usize,
    police_incidents: usize,
    judgement: Option<String>,
    criteria: Vec<&'static str>,
    referral: Option<ReferralView>,
}

/// A checklist on `case` and the MARAC referral it made, if any is still there (a referral
/// removed since reads as none); the web page and the JSON API show the same pair.
pub(crate) async fn checklist_and_referral(
    state: &AppState,
    viewer: &Viewer,
    case: CaseId,
    checklist: i64,
    now: i64,
) -> Result<(StoredDash, Option<StoredReferral>), StoreError> {
    let stored = state.store.dash_checklist(viewer, case, checklist, now).await?;
    let referral = match stored.referral {
        Some(referral) => match state.store.marac_referral(viewer, case, referral, now).await {
            Ok(referral) => Some(referral),
            Err(StoreError::NotFound) => None,
            Err(err) => return Err(err),
        },
        None => None,
    };
    Ok((stored, referral))
}

async fn show_dash(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, checklist)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let case = CaseId(parse_id(&id)?);
    let checklist = parse_id(&checklist)?;
    let viewer = case_viewer(&state, &signed_in.user, case).await?;
    let now = state.now();
    let (stored, referral) = checklist_and_referral(&state, &viewer, case, checklist, now).await?;
    let case_reference = match &referral {
        Some(r) => r.case_reference.clone(),
        None => state.store.case_detail(&viewer, case, now).await?.case.reference,
    };
    let judgement = stored.judgement.as_ref().map(|j| match j {
        Judgement::Refer { reason } => format!("Refer to MARAC: {reason}"),
        Judgement::DoNotRefer { reason } => format!("Do not refer: {reason}"),
    });
    let page = DashResultPage {
        layout: Layout::new("DASH risk checklist result", &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb(case_reference.clone(), format!("/cases/{}", case.0)),
        case_href: format!("/cases/{}", case.0),
        case_reference,
        completed_on: show_date(&stored.completed_on),
        incident_on: show_date(&stored.incident_on),
        yes_count: stored.yes_count,
        dont_know_count: stored.responses.iter().filter(|r| r.answer == Answer::DontKnow).count(),
        police_incidents: referral
            .as_ref()
            .map_or(stored.police_incidents.len(), |r| r.document.police_incidents_in_window),
        judgement,
        criteria: stored.criteria.iter().map(|c| criterion_label(*c)).collect(),
        referral: referral.as_ref().map(referral_view),
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// The referral document

/// `GET /cases/{id}/marac-referral/{referral}`: the document, printable.
#[derive(Template)]
#[template(path = "marac_referral.html")]
pub(crate) struct ReferralPage {
    layout: Layout,
    case_href: String,
    referral: ReferralView,
}

async fn show_referral(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, referral)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let case = CaseId(parse_id(&id)?);
    let referral = parse_id(&referral)?;
    let viewer = case_viewer(&state, &signed_in.user, case).await?;
    let stored = state.store.marac_referral(&viewer, case, referral, state.now()).await?;
    let page = ReferralPage {
        layout: Layout::new("MARAC referral", &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb(stored.case_reference.clone(), format!("/cases/{}", case.0)),
        case_href: format!("/cases/{}", case.0),
        referral: referral_view(&stored),
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_from_their_parts() {
        assert_eq!(date_from_parts("4", "5", "1990"), Ok("1990-05-04".to_string()));
        assert_eq!(date_from_parts(" 29", "2", "2024"), Ok("2024-02-29".to_string()));
        assert_eq!(date_from_parts("29", "2", "2025"), Err("invalid"));
        assert_eq!(date_from_parts("", "", ""), Err("missing"));
        assert_eq!(date_from_parts("1", "13", "2025"), Err("invalid"));
        assert_eq!(date_from_parts("1", "1", "25"), Err("invalid"));
    }

    #[test]
    fn a_judgement_needs_its_reason_and_every_question_an_answer() {
        let mut fields: Vec<(String, String)> = (1..=24)
            .map(|n| (format!("q{n}"), if n <= 15 { "yes" } else { "no" }.to_string()))
            .collect();
        fields.extend([
            ("victim".to_string(), "7".to_string()),
            ("incident-day".to_string(), "14".to_string()),
            ("incident-month".to_string(), "3".to_string()),
            ("incident-year".to_string(), "2026".to_string()),
            ("judgement".to_string(), "refer".to_string()),
        ]);
        let errors = check_dash(&Posted(fields.clone()), &[7], "2026-03-15").err().unwrap();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["judgement-reason"]
        );
        fields.retain(|(k, _)| k != "q3" && k != "judgement");
        let errors = check_dash(&Posted(fields.clone()), &[8], "2026-03-15").err().unwrap();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["victim", "q3-yes"]
        );
        fields.push(("q3".to_string(), "dont-know".to_string()));
        let valid = check_dash(&Posted(fields), &[7], "2026-03-15").ok().unwrap();
        assert_eq!(valid.incident_on, "2026-03-14");
        assert_eq!(valid.responses.iter().filter(|r| r.answer == Answer::Yes).count(), 14);
        assert!(valid.judgement.is_none());
    }
}
