//! The ASB case review ("Community Trigger", ASBCPA 2014 s.104–105, Sch 4) for coordinators:
//! the list of applications with the annual figures the Act requires published, recording an
//! application, one page per application in the GOV.UK task-list style (the threshold
//! assessment complaint by complaint, the decision, the review, recommendations, the outcome),
//! the two letters as printable pages, and the figures as JSON.
//!
//! Only coordinators and panel chairs handle case reviews; everyone else gets 404 on these
//! routes. Who may see one application is the store's decision: the need-to-know rule of the
//! case under review (`safer_storage::trigger`), so another agency's coordinator gets 404
//! unless the case is shared with their agency. The rules (qualifying complaints, the
//! threshold, discretion) are the domain's; this module only collects the form, shows the
//! result and writes the letters, which are pure functions of the recorded facts
//! ([`decision_letter`], [`outcome_letter`]). URLs carry ids, never names.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use safer_domain::access::Viewer;
use safer_domain::case::is_iso_date;
use safer_domain::casework::trigger::{
    sla_clocks, AutomaticBasis, ComplaintStatus, Discretion, DiscretionGround, LocalVariant,
    ReportingYear, ThresholdDecision, TriggerError, VictimKind,
};
use safer_domain::ids::{PartnershipId, UserId};
use safer_domain::Role;
use safer_storage::{
    ground_from_name, DecisionFacts, NewTriggerApplication, NewTriggerReview, OnBehalf,
    RelevantBody, StoreError, TriggerApplication, TriggerAssessment, TriggerCase, TriggerComplaint,
    TriggerDecisionInput, TriggerSettings, TriggerStatus,
};
use serde::Deserialize;

use crate::error::render;
use crate::format::{
    capitalise, iso, month_name, parse_date, parse_id, show_date, today, today_iso,
};
use crate::session::{CurrentUser, SignedIn};
use crate::viewer::partnership_where;
use crate::views::{paragraphs, FieldError, Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/trigger", get(list_applications))
        .route("/trigger/new", get(show_new_application).post(create_application))
        .route("/trigger/settings", get(show_settings).post(save_settings))
        .route("/trigger/{id}", get(show_application))
        .route("/trigger/{id}/decision", post(record_decision))
        .route("/trigger/{id}/review", post(record_review))
        .route("/trigger/{id}/recommendations", post(add_recommendation))
        .route("/trigger/{id}/outcome", post(send_outcome))
        .route("/trigger/{id}/decision-letter", get(show_decision_letter))
        .route("/trigger/{id}/outcome-letter", get(show_outcome_letter))
        .route("/api/v1/trigger/figures", get(figures_json))
}

// ---------------------------------------------------------------------------------------------
// Who is asking

fn handles(roles: &[Role]) -> bool {
    roles.iter().any(|r| matches!(r, Role::Coordinator | Role::PanelChair))
}

/// The partnership where the user handles case reviews, with their roles there; not found for
/// everyone else, so the routes are not revealed.
pub(crate) fn home_viewer(user: &CurrentUser) -> Result<(PartnershipId, Viewer), AppError> {
    partnership_where(user, handles)
}

/// The partnership where the user coordinates, with their roles there: only coordinators set
/// the review procedures. Not found for everyone else, panel chairs included.
pub(crate) fn coordinator_viewer(user: &CurrentUser) -> Result<(PartnershipId, Viewer), AppError> {
    partnership_where(user, |roles| roles.contains(&Role::Coordinator))
}

/// The viewer for one application: the user's roles in its partnership.
pub(crate) async fn application_viewer(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<Viewer, AppError> {
    home_viewer(user)?;
    let partnership = state.store.trigger_partnership(id).await?;
    let roles = user
        .memberships
        .iter()
        .find(|m| m.partnership == partnership)
        .map(|m| m.roles.clone())
        .unwrap_or_default();
    Ok(Viewer { user: user.id, agency: user.agency_id, roles })
}

// ---------------------------------------------------------------------------------------------
// Dates and words

/// Text ending with a full stop (or other closing punctuation), as a sentence in a letter.
fn full_stop(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn ground_words(ground: DiscretionGround) -> &'static str {
    match ground {
        DiscretionGround::Persistence => "the persistence of the behaviour",
        DiscretionGround::Harm => "the harm, or potential harm, it causes",
        DiscretionGround::AdequacyOfResponse => "the adequacy of the response to it",
    }
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Whether a complaint counts, and why, in words. The domain calls a complaint dated after
/// the application "misdated"; for a report made after the application was received the page
/// says so, since that is no recording error.
fn verdict(complaint: &TriggerComplaint, received_on: &str) -> (String, bool) {
    match complaint.status {
        ComplaintStatus::Qualifying => ("Counts".to_string(), true),
        ComplaintStatus::SameIncident { counted_as } => (
            format!("Counts once: the same incident as complaint {}", counted_as + 1),
            true,
        ),
        ComplaintStatus::LateComplaint { last_day } => (
            format!(
                "Does not count: reported more than one month after the behaviour (the last day was {})",
                show_date(&iso(last_day))
            ),
            false,
        ),
        ComplaintStatus::ApplicationTooLate { last_day } => (
            format!(
                "Does not count: the application came more than six months after this report (the last day was {})",
                show_date(&iso(last_day))
            ),
            false,
        ),
        ComplaintStatus::Misdated if complaint.reported_on.as_str() > received_on => (
            "Does not count: reported after the application was received".to_string(),
            false,
        ),
        ComplaintStatus::Misdated => (
            "Does not count: the dates need checking (reported before the behaviour happened)"
                .to_string(),
            false,
        ),
    }
}

/// What the assessment says about the threshold, in a sentence.
fn threshold_text(assessment: &TriggerAssessment) -> String {
    let a = &assessment.assessment;
    let counted = plural(a.qualifying_incidents, "qualifying complaint", "qualifying complaints");
    match a.automatic {
        Some(AutomaticBasis::QualifyingComplaints { .. }) => format!(
            "The threshold is met: {counted}, and the procedures set the threshold at {}.",
            a.threshold
        ),
        Some(AutomaticBasis::Local(LocalVariant::SingleHateIncident)) => format!(
            "The threshold is met under the local procedures: a qualifying complaint of a hate incident ({counted} in all)."
        ),
        Some(AutomaticBasis::Local(LocalVariant::SeparateComplainants { individuals })) => format!(
            "The threshold is met under the local procedures: qualifying complaints from {individuals} or more different people ({counted} in all)."
        ),
        None => format!(
            "The threshold is not met by qualifying complaints: {counted}, and the threshold is {}. Whether the review goes ahead is a decision for the relevant bodies, on the persistence of the behaviour, its harm or potential harm, and the adequacy of the response.",
            a.threshold
        ),
    }
}

/// Why the complaints that do not count do not, grouped, for the decision letter.
fn not_counted_text(assessment: &TriggerAssessment, received_on: &str) -> Option<String> {
    let mut after = 0;
    let mut late = 0;
    let mut too_old = 0;
    let mut misdated = 0;
    let mut repeats = 0;
    for complaint in &assessment.complaints {
        match complaint.status {
            ComplaintStatus::Qualifying => {}
            ComplaintStatus::SameIncident { .. } => repeats += 1,
            ComplaintStatus::LateComplaint { .. } => late += 1,
            ComplaintStatus::ApplicationTooLate { .. } => too_old += 1,
            ComplaintStatus::Misdated if complaint.reported_on.as_str() > received_on => after += 1,
            ComplaintStatus::Misdated => misdated += 1,
        }
    }
    let mut reasons = Vec::new();
    if repeats > 0 {
        reasons.push(format!(
            "{} of an incident already reported to another agency, which counts once",
            plural(repeats, "report was", "reports were")
        ));
    }
    if late > 0 {
        reasons.push(format!(
            "{} made more than one month after the behaviour",
            plural(late, "report was", "reports were")
        ));
    }
    if too_old > 0 {
        reasons.push(format!(
            "{} made more than six months before your application",
            plural(too_old, "report was", "reports were")
        ));
    }
    if after > 0 {
        reasons.push(format!(
            "{} made after we received your application",
            plural(after, "report was", "reports were")
        ));
    }
    if misdated > 0 {
        reasons.push(format!(
            "{} dates we are checking",
            plural(misdated, "report has", "reports have")
        ));
    }
    (!reasons.is_empty()).then(|| format!("Not every report counted: {}.", and_list(&reasons)))
}

// ---------------------------------------------------------------------------------------------
// Letters: pure functions of the recorded facts, in plain English

/// The letter telling the applicant the threshold decision (s.104(6)), with the route to
/// escalate if they are dissatisfied (Sch 4 para 3). Paragraphs are separated by blank lines.
pub fn decision_letter(facts: &DecisionFacts<'_>) -> String {
    let a = &facts.assessment.assessment;
    let counted = plural(a.qualifying_incidents, "qualifying complaint", "qualifying complaints");
    let mut out = vec![
        format!("Dear {},", facts.applicant_name),
        format!("Anti-social behaviour case review, reference {}", facts.reference),
        format!(
            "Thank you for your application for an anti-social behaviour case review (sometimes called the Community Trigger), which we received on {}.",
            show_date(facts.received_on)
        ),
        "We have looked at the reports of anti-social behaviour made to the council, the police and housing providers. A report is a qualifying complaint when it was made within one month of the behaviour and your application was made within six months of the report. When the same incident was reported to more than one agency, it counts once.".to_string(),
    ];
    match facts.decision {
        ThresholdDecision::Met(basis) => {
            let why = match basis {
                AutomaticBasis::QualifyingComplaints { .. } => format!(
                    "We found {counted}. Our procedures set the threshold at {}, so the threshold for a case review is met.",
                    a.threshold
                ),
                AutomaticBasis::Local(LocalVariant::SingleHateIncident) => format!(
                    "We found {counted}, including a complaint of a hate incident. Under our local procedures one qualifying complaint of a hate incident meets the threshold, so the threshold for a case review is met."
                ),
                AutomaticBasis::Local(LocalVariant::SeparateComplainants { individuals }) => format!(
                    "We found {counted}, made by {individuals} or more different people about the same problem. Under our local procedures that meets the threshold, so the threshold for a case review is met."
                ),
            };
            out.push(why);
            out.push("The council, the police, the integrated care board and the housing providers involved will now review how the reports were dealt with. We will write to you with the outcome of the review and any recommendations it makes.".to_string());
        }
        ThresholdDecision::MetAtDiscretion { grounds, reason } => {
            let grounds: Vec<String> =
                grounds.iter().map(|g| ground_words(*g).to_string()).collect();
            out.push(format!(
                "We found {counted}, which is below our threshold of {}. We have nevertheless decided that a case review will take place, because of {}. Our reason: {}",
                a.threshold,
                and_list(&grounds),
                full_stop(reason)
            ));
            out.push("The council, the police, the integrated care board and the housing providers involved will now review how the reports were dealt with. We will write to you with the outcome of the review and any recommendations it makes.".to_string());
        }
        ThresholdDecision::NotMet { reason } => {
            out.push(format!(
                "We found {counted}, which is below our threshold of {}. We have considered the persistence of the behaviour, the harm or potential harm it causes and the adequacy of the response to it, and decided not to carry out a case review. Our reason: {}",
                a.threshold,
                full_stop(reason)
            ));
            out.push("This does not end the help available to you: the agencies working on your case will keep working with you, and you can report any further anti-social behaviour in the usual way.".to_string());
        }
    }
    if let Some(text) = not_counted_text(facts.assessment, facts.received_on) {
        out.push(text);
    }
    out.push("If you are not satisfied".to_string());
    out.push(facts.escalation_route.to_string());
    out.push(format!("Decision made on {}.", show_date(facts.decided_on)));
    out.push("Yours sincerely,\nThe community safety partnership".to_string());
    out.join("\n\n")
}

/// The letter telling the applicant the outcome of the review and its recommendations
/// (s.104(7)–(9)), with the route to escalate.
pub fn outcome_letter(application: &TriggerApplication) -> String {
    let mut out = vec![
        format!("Dear {},", application.applicant_name),
        format!(
            "Anti-social behaviour case review, reference {}: the outcome",
            application.reference
        ),
    ];
    if let Some(review) = &application.review {
        let bodies: Vec<String> = review.bodies.iter().map(|b| b.label().to_lowercase()).collect();
        out.push(format!(
            "We held the case review on {}. Taking part were {}.",
            show_date(&review.held_on),
            and_list(&bodies)
        ));
        out.push("What the review found".to_string());
        out.push(review.findings.clone());
    }
    out.push("What the review recommends".to_string());
    if application.recommendations.is_empty() {
        out.push("The review made no recommendations.".to_string());
    } else {
        for (n, task) in application.recommendations.iter().enumerate() {
            out.push(format!(
                "{}. {} (to be done by {})",
                n + 1,
                task.title,
                show_date(&task.due_on)
            ));
        }
        out.push("We will tell you how the recommendations are carried out.".to_string());
    }
    let route = application
        .decision
        .as_ref()
        .map(|d| d.escalation_route.clone())
        .unwrap_or_else(|| safer_storage::DEFAULT_ESCALATION_ROUTE.to_string());
    out.push("If you are not satisfied".to_string());
    out.push(route);
    if let Some(sent_on) = &application.outcome_sent_on {
        out.push(format!("Sent on {}.", show_date(sent_on)));
    }
    out.push("Yours sincerely,\nThe community safety partnership".to_string());
    out.join("\n\n")
}

// ---------------------------------------------------------------------------------------------
// Views

/// A status as a tag: its words and colour class (never colour alone).
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub(crate) label: &'static str,
    pub(crate) class: &'static str,
}

fn status_tag(status: TriggerStatus) -> Tag {
    let class = match status {
        TriggerStatus::Received => "app-tag--blue",
        TriggerStatus::ThresholdMet | TriggerStatus::AcceptedOnDiscretion => "app-tag--yellow",
        TriggerStatus::ThresholdNotMet => "app-tag--grey",
        TriggerStatus::ReviewHeld => "app-tag--orange",
        TriggerStatus::OutcomeSent => "app-tag--green",
    };
    Tag { label: status.label(), class }
}

#[derive(Debug, Clone)]
pub(crate) struct ApplicationRow {
    pub(crate) href: String,
    pub(crate) reference: String,
    pub(crate) case_reference: String,
    pub(crate) received: String,
    pub(crate) agency: String,
    pub(crate) status: Tag,
}

/// One reporting year's published figures.
#[derive(Debug, Clone)]
pub(crate) struct FiguresRow {
    /// The year as people write it: `2026`, or `2026/27` for a financial year.
    pub(crate) year: String,
    pub(crate) applications: usize,
    pub(crate) threshold_not_met: usize,
    pub(crate) reviews: usize,
    pub(crate) with_recommendations: usize,
}

/// The figures of the reporting year so far and the year before, in the partnership's own
/// reporting year, as both the staff list and the public dashboard show them.
#[derive(Debug, Clone)]
pub(crate) struct FiguresTable {
    /// The months a year runs, such as "January to December" or "April to March".
    pub(crate) span: String,
    /// This year, then last year.
    pub(crate) rows: Vec<FiguresRow>,
}

/// The months a reporting year starting with `month` runs.
fn year_span(month: time::Month) -> String {
    format!("{} to {}", month_name(month as u8), month_name(month.previous() as u8))
}

/// The partnership's [`FiguresTable`] at `now`.
pub(crate) async fn figures_table(
    state: &AppState,
    partnership: PartnershipId,
    now: i64,
) -> Result<FiguresTable, AppError> {
    let starts = state.store.trigger_settings(partnership).await?.year_starts_in;
    let this_year = ReportingYear::containing(today(now), starts);
    let years = [this_year, this_year.previous()];
    let figures = state.store.trigger_figures_by_year(partnership, &years).await?;
    let rows = years
        .iter()
        .zip(figures)
        .map(|(year, f)| FiguresRow {
            year: year.label(),
            applications: f.applications,
            threshold_not_met: f.threshold_not_met,
            reviews: f.reviews_carried_out,
            with_recommendations: f.reviews_with_recommendations,
        })
        .collect();
    Ok(FiguresTable { span: year_span(starts), rows })
}

#[derive(Template)]
#[template(path = "trigger_list.html")]
pub(crate) struct TriggerListPage {
    pub(crate) layout: Layout,
    pub(crate) applications: Vec<ApplicationRow>,
    pub(crate) figures: FiguresTable,
    /// Whether to link the settings page (coordinators only).
    pub(crate) can_set_procedures: bool,
}

/// A radio or checkbox, or an option of a select.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub(crate) id: String,
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

fn choices(name: &str, options: &[(&str, &str)], chosen: &[&str]) -> Vec<Choice> {
    options
        .iter()
        .enumerate()
        .map(|(idx, (value, label))| Choice {
            id: if idx == 0 { name.to_string() } else { format!("{name}-{value}") },
            value: value.to_string(),
            label: label.to_string(),
            checked: chosen.contains(value),
        })
        .collect()
}

/// The posted fields of a form, repeated names kept (checkboxes).
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
}

fn all<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
}

fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

#[derive(Template)]
#[template(path = "trigger_new.html")]
pub(crate) struct TriggerNewPage {
    pub(crate) layout: Layout,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) case_choices: Vec<Choice>,
    pub(crate) case_reference: String,
    pub(crate) case_summary: String,
    pub(crate) applicant_choices: Vec<Choice>,
    pub(crate) applicant_name: String,
    pub(crate) relationship: String,
    pub(crate) consent_on: String,
    pub(crate) victim_choices: Vec<Choice>,
    pub(crate) received_on: String,
}

impl TriggerNewPage {
    pub(crate) fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TaskItem {
    pub(crate) label: &'static str,
    pub(crate) href: &'static str,
    pub(crate) status: &'static str,
    pub(crate) class: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct ComplaintView {
    pub(crate) number: usize,
    pub(crate) occurred: String,
    pub(crate) reported: String,
    pub(crate) reported_to: String,
    pub(crate) case_reference: String,
    pub(crate) category: String,
    pub(crate) verdict: String,
    pub(crate) counts: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct SummaryRow {
    pub(crate) key: String,
    pub(crate) value: String,
}

#[derive(Debug, Clone)]
pub(crate) struct RecommendationView {
    pub(crate) title: String,
    pub(crate) owner: String,
    pub(crate) due: String,
}

#[derive(Template)]
#[template(path = "trigger.html")]
pub(crate) struct TriggerPage {
    pub(crate) layout: Layout,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) id: i64,
    pub(crate) reference: String,
    pub(crate) status: Tag,
    pub(crate) summary: Vec<SummaryRow>,
    pub(crate) clocks: Vec<SummaryRow>,
    pub(crate) tasks: Vec<TaskItem>,
    pub(crate) complaints: Vec<ComplaintView>,
    pub(crate) threshold_text: String,
    pub(crate) automatic: bool,
    pub(crate) can_decide: bool,
    pub(crate) decision: Vec<SummaryRow>,
    pub(crate) has_decision_letter: bool,
    pub(crate) decided_on: String,
    pub(crate) discretion_choices: Vec<Choice>,
    pub(crate) ground_choices: Vec<Choice>,
    pub(crate) reason: String,
    pub(crate) escalation_route: String,
    pub(crate) can_review: bool,
    pub(crate) review: Vec<SummaryRow>,
    pub(crate) held_on: String,
    pub(crate) body_choices: Vec<Choice>,
    pub(crate) findings: String,
    pub(crate) recommendations: Vec<RecommendationView>,
    pub(crate) can_recommend: bool,
    pub(crate) owner_choices: Vec<Choice>,
    pub(crate) recommendation: String,
    pub(crate) due_on: String,
    pub(crate) can_send: bool,
    pub(crate) sent_on: String,
    pub(crate) has_outcome_letter: bool,
    pub(crate) review_not_needed: bool,
}

impl TriggerPage {
    pub(crate) fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "trigger_letter.html")]
pub(crate) struct TriggerLetterPage {
    pub(crate) layout: Layout,
    pub(crate) heading: String,
    pub(crate) back_href: String,
    pub(crate) paragraphs: Vec<Vec<String>>,
}

/// A letter's paragraphs, each split into its lines (the signature keeps its line break).
fn letter_paragraphs(text: &str) -> Vec<Vec<String>> {
    text.split("\n\n")
        .map(|p| p.lines().flat_map(paragraphs).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The list and the figures

async fn list_applications(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let (partnership, viewer) = home_viewer(&signed_in.user)?;
    let now = state.now();
    let applications = state
        .store
        .trigger_applications(&viewer, partnership, now)
        .await?
        .into_iter()
        .map(|a| ApplicationRow {
            href: format!("/trigger/{}", a.id),
            reference: a.reference,
            case_reference: a.case_reference,
            received: show_date(&a.received_on),
            agency: a.receiving_agency_name,
            status: status_tag(a.status),
        })
        .collect();
    let figures = figures_table(&state, partnership, now).await?;
    let page = TriggerListPage {
        layout: Layout::new("ASB case reviews", &signed_in.ctx, Section::CaseReviews),
        applications,
        figures,
        can_set_procedures: viewer.roles.contains(&Role::Coordinator),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct FiguresQuery {
    year: Option<String>,
}

/// `GET /api/v1/trigger/figures?year=YYYY`: the figures for the partnership's reporting year
/// starting in `YYYY` (the one containing today when not given), for publication. Aggregates
/// only, so any member of the partnership may read them.
async fn figures_json(
    State(state): State<AppState>,
    api: crate::cases::ApiUser,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, AppError> {
    let user = &api.user;
    let partnership = home_viewer(user)
        .map(|(p, _)| p)
        .or_else(|_| user.memberships.first().map(|m| m.partnership).ok_or(AppError::NotFound))?;
    let starts = state.store.trigger_settings(partnership).await?.year_starts_in;
    let year = match query.year.as_deref() {
        None => ReportingYear::containing(today(state.now()), starts),
        Some(text) => match text.parse::<i32>() {
            Ok(year) if text.len() == 4 && (2014..=9998).contains(&year) => {
                ReportingYear { start_year: year, start_month: starts }
            }
            _ => {
                let body =
                    serde_json::json!({ "error": "year must be a year from 2014, such as 2026" });
                return Ok((StatusCode::BAD_REQUEST, Json(body)).into_response());
            }
        },
    };
    let f = state.store.trigger_annual_figures(partnership, year).await?;
    let body = serde_json::json!({
        "year": year.start_year,
        "label": year.label(),
        "first_day": year.first_day().map(iso),
        "last_day": year.last_day().map(iso),
        "applications": f.applications,
        "threshold_not_met": f.threshold_not_met,
        "reviews_carried_out": f.reviews_carried_out,
        "reviews_with_recommendations": f.reviews_with_recommendations,
    });
    Ok(Json(body).into_response())
}

// ---------------------------------------------------------------------------------------------
// A new application

const CASE_OPTIONS: [(&str, &str); 2] =
    [("existing", "An ASB case is already open"), ("new", "Open a new ASB case")];
const APPLICANT_OPTIONS: [(&str, &str); 2] =
    [("victim", "The victim"), ("on-behalf", "Someone on the victim's behalf")];
const VICTIM_OPTIONS: [(&str, &str); 3] = [
    ("individual", "A person"),
    ("business", "A business"),
    ("community-group", "A community group"),
];

fn new_page(
    signed_in: &SignedIn,
    fields: &[(String, String)],
    errors: Vec<FieldError>,
    now: i64,
) -> TriggerNewPage {
    let title =
        if errors.is_empty() { "Record an application" } else { "Error: Record an application" };
    let received_on = match field(fields, "received_on") {
        "" if fields.is_empty() => today_iso(now),
        other => other.to_string(),
    };
    TriggerNewPage {
        layout: Layout::new(title, &signed_in.ctx, Section::CaseReviews)
            .crumb("ASB case reviews", "/trigger"),
        errors,
        case_choices: choices("case", &CASE_OPTIONS, &[field(fields, "case")]),
        case_reference: field(fields, "case_reference").to_string(),
        case_summary: field(fields, "case_summary").to_string(),
        applicant_choices: choices("applicant", &APPLICANT_OPTIONS, &[field(fields, "applicant")]),
        applicant_name: field(fields, "applicant_name").to_string(),
        relationship: field(fields, "relationship").to_string(),
        consent_on: field(fields, "consent_on").to_string(),
        victim_choices: choices(
            "victim",
            &VICTIM_OPTIONS,
            &[match field(fields, "victim") {
                "" => "individual",
                other => other,
            }],
        ),
        received_on,
    }
}

async fn show_new_application(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    home_viewer(&signed_in.user)?;
    Ok(render(&new_page(&signed_in, &[], Vec::new(), state.now()))?.into_response())
}

fn error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field, message: message.into() }
}

fn check_date(
    fields: &[(String, String)],
    name: &'static str,
    what: &str,
    today: &str,
    errors: &mut Vec<FieldError>,
) {
    let value = field(fields, name).trim();
    if value.is_empty() {
        errors.push(error(name, format!("Enter {what}")));
    } else if !is_iso_date(value) {
        errors.push(error(
            name,
            format!("{} must be a real date, such as 2026-05-01", capitalise(what)),
        ));
    } else if value > today {
        errors.push(error(name, format!("{} must be today or in the past", capitalise(what))));
    }
}

fn check_new_form(fields: &[(String, String)], today: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match field(fields, "case") {
        "existing" if field(fields, "case_reference").trim().is_empty() => {
            errors.push(error("case_reference", "Enter the ASB case reference, such as ASB-000042"))
        }
        "new" if field(fields, "case_summary").trim().is_empty() => errors
            .push(error("case_summary", "Describe the problem for the new case, without names")),
        "existing" | "new" => {}
        _ => errors.push(error("case", "Select whether an ASB case is already open")),
    }
    if field(fields, "applicant_name").trim().is_empty() {
        errors.push(error("applicant_name", "Enter the applicant's name"));
    }
    match field(fields, "applicant") {
        "victim" => {}
        "on-behalf" => {
            if field(fields, "relationship").trim().is_empty() {
                errors.push(error(
                    "relationship",
                    "Enter who the applicant is to the victim, such as ward councillor",
                ));
            }
            let before = errors.len();
            check_date(
                fields,
                "consent_on",
                "the date the victim's consent was recorded",
                today,
                &mut errors,
            );
            let consent = field(fields, "consent_on").trim();
            let received = field(fields, "received_on").trim();
            if errors.len() == before && is_iso_date(received) && consent > received {
                errors.push(error(
                    "consent_on",
                    "The victim's consent must be recorded on or before the day the application was received",
                ));
            }
        }
        _ => errors.push(error("applicant", "Select who is applying")),
    }
    if !VICTIM_OPTIONS.iter().any(|(v, _)| *v == field(fields, "victim")) {
        errors.push(error("victim", "Select who the victim is"));
    }
    check_date(fields, "received_on", "the date the application was received", today, &mut errors);
    errors
}

async fn create_application(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let (partnership, viewer) = home_viewer(&signed_in.user)?;
    let now = state.now();
    match submit_application(&state, &viewer, partnership, &fields, now).await? {
        Ok(id) => Ok(Redirect::to(&format!("/trigger/{id}")).into_response()),
        Err(errors) => {
            let page = new_page(&signed_in, &fields, errors, now);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Checks a new application's fields and records it: its id, or the form's errors (the
/// store's refusals among them). The form and the JSON API both record through this.
pub(crate) async fn submit_application(
    state: &AppState,
    viewer: &Viewer,
    partnership: PartnershipId,
    fields: &[(String, String)],
    now: i64,
) -> Result<Result<i64, Vec<FieldError>>, AppError> {
    let mut errors = check_new_form(fields, &today_iso(now));
    if errors.is_empty() {
        let on_behalf = (field(fields, "applicant") == "on-behalf").then(|| OnBehalf {
            relationship: field(fields, "relationship").trim(),
            consent_recorded_on: Some(field(fields, "consent_on").trim()),
        });
        let victim = match field(fields, "victim") {
            "business" => VictimKind::Business,
            "community-group" => VictimKind::CommunityGroup,
            _ => VictimKind::Individual,
        };
        let case = if field(fields, "case") == "new" {
            TriggerCase::New { summary: field(fields, "case_summary").trim() }
        } else {
            TriggerCase::Existing(field(fields, "case_reference").trim())
        };
        let application = NewTriggerApplication {
            partnership,
            case,
            applicant_name: field(fields, "applicant_name").trim(),
            on_behalf,
            victim,
            received_on: field(fields, "received_on").trim(),
        };
        match state.store.apply_for_case_review(viewer, &application, now).await {
            Ok((id, _)) => return Ok(Ok(id)),
            Err(StoreError::NotFound) => errors.push(error(
                "case_reference",
                "There is no ASB case with that reference that you can see; check the reference",
            )),
            Err(StoreError::Rule(message)) if message == TriggerError::NoConsent.to_string() => {
                errors.push(error("consent_on", capitalise(&message)))
            }
            Err(StoreError::Rule(message)) => {
                errors.push(error("case_reference", capitalise(&message)))
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(Err(errors))
}

// ---------------------------------------------------------------------------------------------
// One application

const DISCRETION_OPTIONS: [(&str, &str); 2] = [
    ("review", "Yes: the review goes ahead at discretion"),
    ("refuse", "No: the threshold is not met and no review is held"),
];
const GROUND_OPTIONS: [(&str, &str); 3] = [
    ("persistence", "The persistence of the behaviour"),
    ("harm", "The harm, or potential harm, it causes"),
    ("adequacy-of-response", "The adequacy of the response to it"),
];

fn decision_rows(application: &TriggerApplication) -> Vec<SummaryRow> {
    let Some(record) = &application.decision else { return Vec::new() };
    let row = |key: &str, value: String| SummaryRow { key: key.to_string(), value };
    let mut rows = vec![row(
        "Decision",
        match &record.decision {
            ThresholdDecision::Met(_) => "Threshold met: the review goes ahead".to_string(),
            ThresholdDecision::MetAtDiscretion { .. } => {
                "Accepted at discretion: the review goes ahead".to_string()
            }
            ThresholdDecision::NotMet { .. } => "Threshold not met: no review".to_string(),
        },
    )];
    rows.push(row("Qualifying complaints counted", record.qualifying_count.to_string()));
    match &record.decision {
        ThresholdDecision::Met(_) => {}
        ThresholdDecision::MetAtDiscretion { grounds, reason } => {
            let grounds: Vec<String> =
                grounds.iter().map(|g| capitalise(ground_words(*g))).collect();
            rows.push(row("Grounds", grounds.join("; ")));
            rows.push(row("Reason", reason.clone()));
        }
        ThresholdDecision::NotMet { reason } => rows.push(row("Reason", reason.clone())),
    }
    rows.push(row("Decided on", show_date(&record.decided_on)));
    rows
}

fn task_items(application: &TriggerApplication) -> Vec<TaskItem> {
    let status = application.status;
    let decided = application.decision.is_some();
    let not_met = status == TriggerStatus::ThresholdNotMet;
    let item = |label, href, (status, class)| TaskItem { label, href, status, class };
    let done = ("Completed", "");
    let todo = ("Not yet started", "app-tag app-tag--blue");
    let blocked = ("Cannot start yet", "app-tag app-tag--grey");
    let not_needed = ("Not needed", "app-tag app-tag--grey");
    vec![
        item("Decide the threshold", "#decision", if decided { done } else { todo }),
        item("Send the decision letter", "#decision", if decided { done } else { blocked }),
        item(
            "Hold the review",
            "#review",
            if application.review.is_some() {
                done
            } else if not_met {
                not_needed
            } else if status.review_due() {
                todo
            } else {
                blocked
            },
        ),
        item(
            "Agree recommendations",
            "#recommendations",
            if status == TriggerStatus::OutcomeSent {
                done
            } else if !application.recommendations.is_empty() {
                ("In progress", "app-tag app-tag--yellow")
            } else if not_met {
                not_needed
            } else if status == TriggerStatus::ReviewHeld {
                todo
            } else {
                blocked
            },
        ),
        item(
            "Send the outcome letter",
            "#outcome",
            if status == TriggerStatus::OutcomeSent {
                done
            } else if not_met {
                not_needed
            } else if status == TriggerStatus::ReviewHeld {
                todo
            } else {
                blocked
            },
        ),
    ]
}

async fn application_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    posted: &[(String, String)],
    errors: Vec<FieldError>,
) -> Result<TriggerPage, AppError> {
    let viewer = application_viewer(state, &signed_in.user, id).await?;
    let now = state.now();
    let application = state.store.trigger_application(&viewer, id, now).await?;
    let assessment = state.store.assess_threshold(&viewer, id, now).await?;
    let status = application.status;
    let value = |name: &str, default: String| match field(posted, name) {
        "" if !posted.iter().any(|(n, _)| n == name) => default,
        given => given.to_string(),
    };
    let today = today_iso(now);

    let mut summary = vec![
        SummaryRow { key: "Case under review".into(), value: application.case_reference.clone() },
        SummaryRow { key: "Received".into(), value: show_date(&application.received_on) },
        SummaryRow { key: "Received by".into(), value: application.receiving_agency_name.clone() },
        SummaryRow {
            key: "Applicant".into(),
            value: match &application.applicant_relationship {
                Some(relationship) if application.on_behalf => {
                    format!(
                        "{}, {relationship}, on the victim's behalf",
                        application.applicant_name
                    )
                }
                _ => format!("{} (the victim)", application.applicant_name),
            },
        },
    ];
    if let Some(consent) = &application.consent_recorded_on {
        summary.push(SummaryRow {
            key: "Victim's consent recorded".into(),
            value: show_date(consent),
        });
    }
    summary.push(SummaryRow {
        key: "Victim".into(),
        value: match application.victim {
            VictimKind::Individual => "A person",
            VictimKind::Business => "A business",
            VictimKind::CommunityGroup => "A community group",
        }
        .to_string(),
    });
    let clocks = match parse_date(&application.received_on) {
        Some(received) => sla_clocks(&assessment.settings.slas(), received, &[])
            .into_iter()
            .map(|clock| SummaryRow {
                key: capitalise(clock.name.trim_start_matches("Case review: ")),
                value: show_date(&iso(clock.due.date())),
            })
            .collect(),
        None => Vec::new(),
    };

    let complaints = assessment
        .complaints
        .iter()
        .enumerate()
        .map(|(idx, c)| {
            let (verdict, counts) = verdict(c, &application.received_on);
            ComplaintView {
                number: idx + 1,
                occurred: show_date(&c.occurred_on),
                reported: show_date(&c.reported_on),
                reported_to: c.reported_to_name.clone(),
                case_reference: c.case_reference.clone(),
                category: c.category.clone(),
                verdict,
                counts,
            }
        })
        .collect();

    let people = if status == TriggerStatus::ReviewHeld {
        state.store.case_people(&viewer, application.case).await?
    } else {
        Vec::new()
    };
    let chosen_owner = value("owner", viewer.user.0.to_string());
    let owner_choices = people
        .iter()
        .filter(|p| p.can_read)
        .map(|p| Choice {
            id: format!("owner-{}", p.user.0),
            value: p.user.0.to_string(),
            label: format!("{} ({})", p.display_name, p.agency_name),
            checked: p.user.0.to_string() == chosen_owner,
        })
        .collect();
    let review = match &application.review {
        Some(review) => vec![
            SummaryRow { key: "Held on".into(), value: show_date(&review.held_on) },
            SummaryRow {
                key: "Relevant bodies".into(),
                value: review.bodies.iter().map(|b| b.label()).collect::<Vec<_>>().join("; "),
            },
            SummaryRow { key: "Findings".into(), value: review.findings.clone() },
        ],
        None => Vec::new(),
    };
    let body_options: Vec<(&str, &str)> =
        RelevantBody::ALL.iter().map(|b| (b.as_str(), b.label())).collect();

    Ok(TriggerPage {
        layout: Layout::new(
            if errors.is_empty() {
                format!("Case review {}", application.reference)
            } else {
                format!("Error: Case review {}", application.reference)
            },
            &signed_in.ctx,
            Section::CaseReviews,
        )
        .crumb("ASB case reviews", "/trigger"),
        id,
        reference: application.reference.clone(),
        status: status_tag(status),
        summary,
        clocks,
        tasks: task_items(&application),
        complaints,
        threshold_text: threshold_text(&assessment),
        automatic: assessment.assessment.automatic.is_some(),
        can_decide: status == TriggerStatus::Received,
        decision: decision_rows(&application),
        has_decision_letter: application.decision_letter.is_some(),
        decided_on: value("decided_on", today.clone()),
        discretion_choices: choices(
            "discretion",
            &DISCRETION_OPTIONS,
            &[field(posted, "discretion")],
        ),
        ground_choices: choices("grounds", &GROUND_OPTIONS, &all(posted, "grounds")),
        reason: value("reason", String::new()),
        escalation_route: value("escalation_route", assessment.settings.escalation_route.clone()),
        can_review: status.review_due(),
        review,
        held_on: value("held_on", today.clone()),
        body_choices: choices("bodies", &body_options, &all(posted, "bodies")),
        findings: value("findings", String::new()),
        recommendations: application
            .recommendations
            .iter()
            .map(|t| RecommendationView {
                title: t.title.clone(),
                owner: t.owner_name.clone(),
                due: show_date(&t.due_on),
            })
            .collect(),
        can_recommend: status == TriggerStatus::ReviewHeld,
        owner_choices,
        recommendation: value("recommendation", String::new()),
        due_on: value("due_on", String::new()),
        can_send: status == TriggerStatus::ReviewHeld,
        sent_on: value("sent_on", today),
        has_outcome_letter: application.outcome_letter.is_some(),
        review_not_needed: status == TriggerStatus::ThresholdNotMet,
        errors,
    })
}

async fn show_application(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let page = application_page(&state, &signed_in, id, &[], Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

/// After a form: back to the page at `anchor`, or the page again with the errors (422).
async fn after_form(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    fields: &[(String, String)],
    errors: Vec<FieldError>,
    anchor: &str,
) -> Result<Response, AppError> {
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/trigger/{id}#{anchor}")).into_response());
    }
    let page = application_page(state, signed_in, id, fields, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

async fn record_decision(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let viewer = application_viewer(&state, &signed_in.user, id).await?;
    let errors = submit_decision(&state, &viewer, id, &fields, state.now()).await?;
    after_form(&state, &signed_in, id, &fields, errors, "decision").await
}

/// Checks the threshold decision's fields and records it with its letter; the form's errors
/// (the rule's refusals among them), none when it was recorded. Shared with the JSON API.
pub(crate) async fn submit_decision(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    fields: &[(String, String)],
    now: i64,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    check_date(fields, "decided_on", "the date of the decision", &today_iso(now), &mut errors);
    let discretion = match field(fields, "discretion") {
        choice @ ("review" | "refuse") => Some(Discretion {
            review: choice == "review",
            grounds: if choice == "review" {
                all(fields, "grounds").into_iter().filter_map(ground_from_name).collect()
            } else {
                Vec::new()
            },
            reason: field(fields, "reason").to_string(),
        }),
        _ => None,
    };
    if errors.is_empty() {
        let input = TriggerDecisionInput {
            decided_on: field(fields, "decided_on").trim(),
            discretion: discretion.clone(),
            escalation_route: field(fields, "escalation_route"),
        };
        match state.store.decide_threshold(viewer, id, &input, decision_letter, now).await {
            Ok(_) => {}
            Err(StoreError::Rule(message)) => {
                let field = if message == TriggerError::DiscretionReasonMissing.to_string() {
                    if discretion.is_none() {
                        errors.push(error(
                            "discretion",
                            "Select whether the review goes ahead below the threshold",
                        ));
                        None
                    } else {
                        Some("reason")
                    }
                } else if message == TriggerError::DiscretionGroundMissing.to_string() {
                    Some("grounds")
                } else if message == TriggerError::CannotRefuseAutomaticThreshold.to_string() {
                    Some("discretion")
                } else {
                    Some("decided_on")
                };
                if let Some(field) = field {
                    errors.push(error(field, capitalise(&message)));
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(errors)
}

async fn record_review(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let viewer = application_viewer(&state, &signed_in.user, id).await?;
    let errors = submit_review(&state, &viewer, id, &fields, state.now()).await?;
    after_form(&state, &signed_in, id, &fields, errors, "recommendations").await
}

/// Checks the review's fields and records it; the form's errors, none when it was recorded.
/// Shared with the JSON API.
pub(crate) async fn submit_review(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    fields: &[(String, String)],
    now: i64,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    check_date(fields, "held_on", "the date of the review", &today_iso(now), &mut errors);
    let bodies: Vec<RelevantBody> =
        all(fields, "bodies").into_iter().filter_map(RelevantBody::from_name).collect();
    if bodies.is_empty() {
        errors.push(error("bodies", "Select the relevant bodies that took part in the review"));
    }
    if field(fields, "findings").trim().is_empty() {
        errors.push(error("findings", "Enter what the review found"));
    }
    if errors.is_empty() {
        let review = NewTriggerReview {
            held_on: field(fields, "held_on").trim(),
            bodies: &bodies,
            findings: field(fields, "findings"),
        };
        match state.store.record_review(viewer, id, &review, now).await {
            Ok(()) => {}
            Err(StoreError::Rule(message)) => errors.push(error("held_on", capitalise(&message))),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(errors)
}

async fn add_recommendation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let viewer = application_viewer(&state, &signed_in.user, id).await?;
    let errors = submit_recommendation(&state, &viewer, id, &fields, state.now()).await?;
    after_form(&state, &signed_in, id, &fields, errors, "recommendations").await
}

/// Checks a recommendation's fields and adds it as a task on the case; the form's errors,
/// none when it was added. Shared with the JSON API.
pub(crate) async fn submit_recommendation(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    fields: &[(String, String)],
    now: i64,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    if field(fields, "recommendation").trim().is_empty() {
        errors.push(error("recommendation", "Enter the recommendation"));
    }
    let owner = field(fields, "owner").parse::<i64>().ok().filter(|n| *n > 0);
    if owner.is_none() {
        errors.push(error("owner", "Select who carries out the recommendation"));
    }
    let due_on = field(fields, "due_on").trim();
    if due_on.is_empty() {
        errors.push(error("due_on", "Enter the date it is due"));
    } else if !is_iso_date(due_on) {
        errors.push(error("due_on", "The date it is due must be a real date, such as 2026-06-30"));
    }
    if let (true, Some(owner)) = (errors.is_empty(), owner) {
        let title = field(fields, "recommendation");
        match state.store.add_recommendation(viewer, id, title, UserId(owner), due_on, now).await {
            Ok(_) => {}
            Err(StoreError::Forbidden(_) | StoreError::NotFound) => {
                errors.push(error("owner", "Select someone who can see the case"))
            }
            Err(StoreError::Rule(message)) => {
                errors.push(error("recommendation", capitalise(&message)))
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(errors)
}

async fn send_outcome(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let viewer = application_viewer(&state, &signed_in.user, id).await?;
    let errors = submit_outcome(&state, &viewer, id, &fields, state.now()).await?;
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/trigger/{id}/outcome-letter")).into_response());
    }
    after_form(&state, &signed_in, id, &fields, errors, "outcome").await
}

/// Checks the outcome's fields and sends the outcome letter; the form's errors, none when it
/// was sent. Shared with the JSON API.
pub(crate) async fn submit_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    fields: &[(String, String)],
    now: i64,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    check_date(fields, "sent_on", "the date it is sent", &today_iso(now), &mut errors);
    if errors.is_empty() {
        let sent_on = field(fields, "sent_on").trim();
        match state.store.send_outcome(viewer, id, sent_on, outcome_letter, now).await {
            Ok(_) => {}
            Err(StoreError::Rule(message)) => errors.push(error("sent_on", capitalise(&message))),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(errors)
}

async fn show_letter(
    state: &AppState,
    signed_in: &SignedIn,
    id: &str,
    outcome: bool,
) -> Result<Response, AppError> {
    let id = parse_id(id)?;
    let viewer = application_viewer(state, &signed_in.user, id).await?;
    let application = state.store.trigger_application(&viewer, id, state.now()).await?;
    let (letter, heading) = if outcome {
        (
            application.outcome_letter,
            format!("Outcome letter, case review {}", application.reference),
        )
    } else {
        (
            application.decision_letter,
            format!("Decision letter, case review {}", application.reference),
        )
    };
    let letter = letter.ok_or(AppError::NotFound)?;
    let page = TriggerLetterPage {
        layout: Layout::new(heading.clone(), &signed_in.ctx, Section::CaseReviews)
            .crumb("ASB case reviews", "/trigger")
            .crumb(format!("Case review {}", application.reference), format!("/trigger/{id}")),
        heading,
        back_href: format!("/trigger/{id}"),
        paragraphs: letter_paragraphs(&letter),
    };
    Ok(render(&page)?.into_response())
}

async fn show_decision_letter(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    show_letter(&state, &signed_in, &id, false).await
}

async fn show_outcome_letter(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    show_letter(&state, &signed_in, &id, true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_lists_and_sentences() {
        assert_eq!(show_date("2026-05-04"), "4 May 2026");
        assert_eq!(show_date("not a date"), "not a date");
        assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(capitalise("below the threshold"), "Below the threshold");
        assert_eq!(today_iso(1_700_000_000), "2023-11-14");
    }

    #[test]
    fn letters_keep_their_signature_lines() {
        let paragraphs = letter_paragraphs("Dear Alex,\n\nYours sincerely,\nThe partnership");
        assert_eq!(
            paragraphs,
            vec![
                vec!["Dear Alex,".to_string()],
                vec!["Yours sincerely,".to_string(), "The partnership".to_string()]
            ]
        );
    }

    #[test]
    fn new_application_form_errors() {
        let fields = |pairs: &[(&str, &str)]| -> Fields {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let errors = check_new_form(&fields(&[]), "2026-05-01");
        let names: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(names, vec!["case", "applicant_name", "applicant", "victim", "received_on"]);
        let errors = check_new_form(
            &fields(&[
                ("case", "existing"),
                ("case_reference", "ASB-000001"),
                ("applicant", "on-behalf"),
                ("applicant_name", "Cllr Example"),
                ("relationship", "councillor"),
                ("consent_on", "2026-04-30"),
                ("victim", "individual"),
                ("received_on", "2026-04-29"),
            ]),
            "2026-05-01",
        );
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["consent_on"]);
        let errors = check_new_form(
            &fields(&[
                ("case", "new"),
                ("case_summary", "Noise"),
                ("applicant", "victim"),
                ("applicant_name", "Alex"),
                ("victim", "business"),
                ("received_on", "2026-05-02"),
            ]),
            "2026-05-01",
        );
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["received_on"]);
    }
}

// ---------------------------------------------------------------------------------------------
// The partnership's review procedures

/// `GET, POST /trigger/settings`.
#[derive(Template)]
#[template(path = "trigger_settings.html")]
pub(crate) struct TriggerSettingsPage {
    pub(crate) layout: Layout,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) saved: bool,
    pub(crate) threshold: String,
    pub(crate) variant_choices: Vec<Choice>,
    pub(crate) separate_complainants: String,
    pub(crate) acknowledge_days: String,
    pub(crate) decision_working_days: String,
    pub(crate) review_working_days: String,
    pub(crate) escalation_route: String,
    pub(crate) year_choices: Vec<Choice>,
}

impl TriggerSettingsPage {
    pub(crate) fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// The settings form's fields, as typed (or as stored).
fn settings_fields(settings: &TriggerSettings) -> Fields {
    let mut fields = vec![
        ("threshold".to_string(), settings.threshold.to_string()),
        (
            "separate_complainants".to_string(),
            settings.separate_complainants.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("acknowledge_days".to_string(), settings.acknowledge_days.to_string()),
        ("decision_working_days".to_string(), settings.decision_working_days.to_string()),
        ("review_working_days".to_string(), settings.review_working_days.to_string()),
        ("escalation_route".to_string(), settings.escalation_route.clone()),
        ("year_starts_month".to_string(), (settings.year_starts_in as u8).to_string()),
    ];
    if settings.single_hate_incident {
        fields.push(("single_hate_incident".to_string(), "yes".to_string()));
    }
    fields
}

fn settings_page(
    signed_in: &SignedIn,
    fields: &[(String, String)],
    errors: Vec<FieldError>,
    saved: bool,
) -> TriggerSettingsPage {
    let title =
        if errors.is_empty() { "Case review procedures" } else { "Error: Case review procedures" };
    TriggerSettingsPage {
        layout: Layout::new(title, &signed_in.ctx, Section::CaseReviews)
            .crumb("ASB case reviews", "/trigger"),
        errors,
        saved,
        threshold: field(fields, "threshold").to_string(),
        variant_choices: vec![Choice {
            id: "single_hate_incident".to_string(),
            value: "yes".to_string(),
            label: "One qualifying complaint of a hate incident meets the threshold".to_string(),
            checked: field(fields, "single_hate_incident") == "yes",
        }],
        separate_complainants: field(fields, "separate_complainants").to_string(),
        acknowledge_days: field(fields, "acknowledge_days").to_string(),
        decision_working_days: field(fields, "decision_working_days").to_string(),
        review_working_days: field(fields, "review_working_days").to_string(),
        escalation_route: field(fields, "escalation_route").to_string(),
        year_choices: year_choices(field(fields, "year_starts_month")),
    }
}

/// The reporting years offered: the calendar year and the financial year, and any other start
/// month already chosen (by an earlier version or the database), so saving keeps it.
fn year_choices(chosen: &str) -> Vec<Choice> {
    let mut months = vec![1u8, 4];
    if let Ok(month) = chosen.parse::<u8>() {
        if (1..=12).contains(&month) && !months.contains(&month) {
            months.push(month);
        }
    }
    months
        .into_iter()
        .map(|month| {
            let span = year_span(time::Month::try_from(month).unwrap_or(time::Month::January));
            let label = match month {
                1 => format!("The calendar year ({span})"),
                4 => format!("The financial year ({span})"),
                _ => span,
            };
            Choice {
                id: if month == 1 {
                    "year_starts_month".to_string()
                } else {
                    format!("year_starts_month-{month}")
                },
                value: month.to_string(),
                label,
                checked: chosen == month.to_string(),
            }
        })
        .collect()
}

/// A whole number typed into `name`, or the error that says what to type.
fn whole_number<T: std::str::FromStr>(
    fields: &[(String, String)],
    name: &'static str,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let value = field(fields, name).trim();
    if value.is_empty() {
        errors.push(error(name, format!("Enter {what}")));
        return None;
    }
    match value.parse::<T>() {
        Ok(number) if value.bytes().all(|b| b.is_ascii_digit()) => Some(number),
        _ => {
            errors.push(error(
                name,
                format!("{} must be a whole number, such as 3", capitalise(what)),
            ));
            None
        }
    }
}

/// The settings the form describes, or its errors. The shape of each field is checked here;
/// the rule (a threshold of 1 to 3, a variant of at least one person) is the domain's, through
/// [`TriggerSettings::policy`], and its message is shown by the field it concerns.
fn check_settings(fields: &[(String, String)]) -> Result<TriggerSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let threshold: Option<u8> =
        whole_number(fields, "threshold", "the number of qualifying complaints", &mut errors);
    let separate_complainants: Option<u8> =
        if field(fields, "separate_complainants").trim().is_empty() {
            None
        } else {
            whole_number(fields, "separate_complainants", "the number of people", &mut errors)
        };
    let acknowledge_days: Option<u32> =
        whole_number(fields, "acknowledge_days", "the days to acknowledge", &mut errors);
    let decision_working_days: Option<u32> = whole_number(
        fields,
        "decision_working_days",
        "the working days to decide the threshold",
        &mut errors,
    );
    let review_working_days: Option<u32> = whole_number(
        fields,
        "review_working_days",
        "the working days to finish the review",
        &mut errors,
    );
    for (name, days) in [
        ("acknowledge_days", acknowledge_days),
        ("decision_working_days", decision_working_days),
        ("review_working_days", review_working_days),
    ] {
        if days.is_some_and(|d| !(1..=365).contains(&d)) {
            errors.push(error(name, "A service level must be between 1 and 365 days"));
        }
    }
    let year_starts_in = field(fields, "year_starts_month")
        .parse::<u8>()
        .ok()
        .and_then(|month| time::Month::try_from(month).ok());
    if year_starts_in.is_none() {
        errors.push(error("year_starts_month", "Choose the year the figures are published by"));
    }
    let escalation_route = field(fields, "escalation_route").trim().to_string();
    if escalation_route.is_empty() {
        errors
            .push(error("escalation_route", "Enter what an applicant who is not satisfied can do"));
    }
    let (
        Some(threshold),
        Some(acknowledge_days),
        Some(decision_working_days),
        Some(review_working_days),
        Some(year_starts_in),
    ) = (threshold, acknowledge_days, decision_working_days, review_working_days, year_starts_in)
    else {
        return Err(errors);
    };
    let settings = TriggerSettings {
        threshold,
        single_hate_incident: field(fields, "single_hate_incident") == "yes",
        separate_complainants,
        acknowledge_days,
        decision_working_days,
        review_working_days,
        escalation_route,
        year_starts_in,
    };
    match settings.policy() {
        Ok(_) => {}
        Err(StoreError::Rule(message)) => {
            let at =
                if (1..=3).contains(&threshold) { "separate_complainants" } else { "threshold" };
            errors.push(error(at, capitalise(&message)));
        }
        Err(other) => errors.push(error("threshold", capitalise(&other.to_string()))),
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

#[derive(Debug, Default, Deserialize)]
struct SettingsQuery {
    #[serde(default)]
    saved: String,
}

async fn show_settings(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<SettingsQuery>,
) -> Result<Response, AppError> {
    let (partnership, _) = coordinator_viewer(&signed_in.user)?;
    let settings = state.store.trigger_settings(partnership).await?;
    let page =
        settings_page(&signed_in, &settings_fields(&settings), Vec::new(), query.saved == "1");
    Ok(render(&page)?.into_response())
}

async fn save_settings(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let (partnership, viewer) = coordinator_viewer(&signed_in.user)?;
    let settings = match check_settings(&fields) {
        Ok(settings) => settings,
        Err(errors) => {
            let page = settings_page(&signed_in, &fields, errors, false);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    match state.store.set_trigger_settings(&viewer, partnership, &settings, state.now()).await {
        Ok(()) => Ok(Redirect::to("/trigger/settings?saved=1").into_response()),
        Err(StoreError::Rule(message)) => {
            let errors = vec![error("threshold", capitalise(&message))];
            let page = settings_page(&signed_in, &fields, errors, false);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(err) => Err(err.into()),
    }
}
