//! Panel and meeting pages for every panel kind (CSVG, DCSM, MARAC, Ward Cluster Meetings):
//! `/panels`, `/panels/{id}`, planning a meeting, the meeting with its agenda, attendance,
//! minutes and actions, the printable agenda (one page per case), and
//! `GET /api/v1/meetings/{id}`.
//!
//! The store decides what each user sees (`safer_storage::panels`): a meeting's agenda shows
//! each item's reference to those who run the panel, and a case's contents only to those who
//! may read the case. Only the panel's runners ([`Panel::can_run`]: its host agency's chairs
//! and coordinators) plan meetings and record attendance; others get 403 for those forms.
//! Users whose roles work no cases, and panels of partnerships the user is not in, are 404.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use safer_domain::access::Viewer;
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, UserId};
use safer_storage::{Meeting, Panel, StoreError, StoredReferral};
use serde_json::json;

use crate::error::render;
use crate::format::{parse_id, show_date, today_iso};
use crate::marac::{date_from_parts, reason_label, referral_view, FormError, ReferralView};
use crate::session::{Ctx, CurrentUser, SignedIn};
use crate::views::{Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/panels", get(list_panels))
        .route("/panels/{id}", get(show_panel))
        .route("/panels/{id}/meetings", post(plan_meeting))
        .route("/meetings/{id}", get(show_meeting))
        .route("/meetings/{id}/print", get(print_meeting))
        .route("/meetings/{id}/attendance", post(record_attendance))
        .route("/meetings/{id}/items/{item}/minutes", post(record_minutes))
        .route("/meetings/{id}/items/{item}/actions", post(add_action))
        .route("/api/v1/meetings/{id}", get(meeting_json))
}

/// The partnerships in which the user works cases, with their roles there; 404 when none.
fn case_partnerships(user: &CurrentUser) -> Result<Vec<(PartnershipId, Viewer)>, AppError> {
    let found: Vec<_> = user
        .memberships
        .iter()
        .filter(|m| m.roles.iter().any(|r| r.works_cases()))
        .map(|m| {
            (
                m.partnership,
                Viewer { user: user.id, agency: user.agency_id, roles: m.roles.clone() },
            )
        })
        .collect();
    if found.is_empty() {
        Err(AppError::NotFound)
    } else {
        Ok(found)
    }
}

/// A panel and the viewer (the user's roles in the panel's partnership); 404 for a panel of a
/// partnership in which the user works no cases.
async fn load_panel(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(Panel, PartnershipId, Viewer), AppError> {
    let id = parse_id(id)?;
    let partnerships = case_partnerships(user)?;
    let partnership = state.store.panel_partnership(id).await?;
    let (_, viewer) =
        partnerships.into_iter().find(|(p, _)| *p == partnership).ok_or(AppError::NotFound)?;
    Ok((state.store.panel(id).await?, partnership, viewer))
}

/// The meeting's panel and the viewer; 404 as [`load_panel`].
async fn load_meeting_panel(
    state: &AppState,
    user: &CurrentUser,
    meeting: i64,
) -> Result<(Panel, PartnershipId, Viewer), AppError> {
    let panel = state.store.meeting_panel(meeting).await?;
    load_panel(state, user, &panel.to_string()).await
}

fn store_refusal(err: StoreError) -> AppError {
    match err {
        StoreError::Forbidden(_) => AppError::Forbidden,
        other => other.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The list of panels

/// A panel as listed.
#[derive(Debug, Clone)]
pub(crate) struct PanelRow {
    href: String,
    name: String,
    kind: &'static str,
    cadence: String,
    runs: bool,
}

/// `GET /panels`.
#[derive(Template)]
#[template(path = "panel_list.html")]
pub(crate) struct PanelListPage {
    layout: Layout,
    panels: Vec<PanelRow>,
}

async fn list_panels(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let mut panels = Vec::new();
    for (partnership, viewer) in case_partnerships(&signed_in.user)? {
        for panel in state.store.panels(partnership).await? {
            panels.push(PanelRow {
                href: format!("/panels/{}", panel.id),
                kind: panel.kind.label(),
                cadence: format!("Every {} days", panel.cadence_days),
                runs: panel.can_run(&viewer),
                name: panel.name,
            });
        }
    }
    let page = PanelListPage {
        layout: Layout::new("Panels", &signed_in.ctx, Section::Panels).crumb("Cases", "/cases"),
        panels,
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// One panel

/// A meeting as listed.
#[derive(Debug, Clone)]
pub(crate) struct MeetingRow {
    href: String,
    held_on: String,
    status: String,
    n_items: i64,
}

/// An open action as listed.
#[derive(Debug, Clone)]
pub(crate) struct ActionRow {
    case_href: String,
    case_reference: String,
    title: String,
    owner_name: String,
    due_on: String,
}

/// `GET /panels/{id}`.
#[derive(Template)]
#[template(path = "panel.html")]
pub(crate) struct PanelPage {
    layout: Layout,
    name: String,
    kind: &'static str,
    cadence_days: u32,
    waiting: i64,
    meetings: Vec<MeetingRow>,
    actions: Vec<ActionRow>,
    can_run: bool,
    plan_action: String,
    errors: Vec<FormError>,
    held_day: String,
    held_month: String,
    held_year: String,
}

impl PanelPage {
    fn held_error(&self) -> Option<&str> {
        self.errors.iter().find(|e| e.field == "held-day").map(|e| e.message.as_str())
    }
}

async fn panel_page(
    state: &AppState,
    signed_in: &SignedIn,
    (panel, viewer): (&Panel, &Viewer),
    typed: Option<&PlanForm>,
    errors: Vec<FormError>,
) -> Result<PanelPage, AppError> {
    let meetings = state
        .store
        .panel_meetings(panel.id)
        .await?
        .into_iter()
        .map(|(id, held_on, status, n_items)| MeetingRow {
            href: format!("/meetings/{id}"),
            held_on: show_date(&held_on),
            status,
            n_items,
        })
        .collect();
    let actions = state
        .store
        .panel_open_actions(viewer, panel.id, state.now())
        .await?
        .into_iter()
        .map(|t| ActionRow {
            case_href: format!("/cases/{}", t.case.0),
            case_reference: t.case_reference,
            title: t.title,
            owner_name: t.owner_name,
            due_on: show_date(&t.due_on),
        })
        .collect();
    let title =
        if errors.is_empty() { panel.name.clone() } else { format!("Error: {}", panel.name) };
    Ok(PanelPage {
        layout: Layout::new(title, &signed_in.ctx, Section::Panels).crumb("Panels", "/panels"),
        name: panel.name.clone(),
        kind: panel.kind.label(),
        cadence_days: panel.cadence_days,
        waiting: state.store.panel_waiting_referrals(panel.id).await?,
        meetings,
        actions,
        can_run: panel.can_run(viewer),
        plan_action: format!("/panels/{}/meetings", panel.id),
        errors,
        held_day: typed.map(|f| f.held_day.clone()).unwrap_or_default(),
        held_month: typed.map(|f| f.held_month.clone()).unwrap_or_default(),
        held_year: typed.map(|f| f.held_year.clone()).unwrap_or_default(),
    })
}

async fn show_panel(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (panel, _, viewer) = load_panel(&state, &signed_in.user, &id).await?;
    let page = panel_page(&state, &signed_in, (&panel, &viewer), None, Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

/// The plan-a-meeting form.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PlanForm {
    #[serde(default, rename = "held-day")]
    held_day: String,
    #[serde(default, rename = "held-month")]
    held_month: String,
    #[serde(default, rename = "held-year")]
    held_year: String,
}

async fn plan_meeting(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    let (panel, _, viewer) = load_panel(&state, &signed_in.user, &id).await?;
    if !panel.can_run(&viewer) {
        return Err(AppError::Forbidden);
    }
    let held_on = match date_from_parts(&form.held_day, &form.held_month, &form.held_year) {
        Ok(day) => day,
        Err(problem) => {
            let message = if problem == "missing" {
                "Enter the date of the meeting"
            } else {
                "The date of the meeting must be a real date"
            };
            let errors = vec![FormError { field: "held-day".to_string(), message: message.into() }];
            let page =
                panel_page(&state, &signed_in, (&panel, &viewer), Some(&form), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let meeting = state
        .store
        .plan_meeting(&viewer, panel.id, &held_on, state.now())
        .await
        .map_err(store_refusal)?;
    Ok(Redirect::to(&format!("/meetings/{meeting}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// A meeting

/// An agenda item as the meeting pages show it.
#[derive(Debug, Clone)]
pub(crate) struct ItemView {
    id: i64,
    position: i64,
    case_href: String,
    reference: String,
    reason: &'static str,
    referral_reason: Option<&'static str>,
    referral_detail: Option<String>,
    summary: Option<String>,
    minutes: String,
    next_review_on: Option<String>,
    actions: Vec<ActionRow>,
    readable: bool,
    referral: Option<ReferralView>,
    minutes_action: String,
    action_action: String,
    owners: Vec<OwnerOption>,
    minutes_error: Option<String>,
    review_error: Option<String>,
    title_error: Option<String>,
    owner_error: Option<String>,
    due_error: Option<String>,
}

/// Someone who may own an action on the item's case.
#[derive(Debug, Clone)]
pub(crate) struct OwnerOption {
    id: i64,
    label: String,
}

/// An attendance line.
#[derive(Debug, Clone)]
pub(crate) struct AttendanceRow {
    agency: String,
    attendee: String,
    present: bool,
}

/// An agency to choose for attendance.
#[derive(Debug, Clone)]
pub(crate) struct AgencyOption {
    id: i64,
    name: String,
}

/// `GET /meetings/{id}` and its printable twin.
#[derive(Template)]
#[template(path = "meeting.html")]
pub(crate) struct MeetingPage {
    layout: Layout,
    id: i64,
    panel_name: String,
    panel_href: String,
    held_on: String,
    status: String,
    items: Vec<ItemView>,
    attendance: Vec<AttendanceRow>,
    agencies: Vec<AgencyOption>,
    can_run: bool,
    errors: Vec<FormError>,
}

impl MeetingPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// The printable agenda: one page per case.
#[derive(Template)]
#[template(path = "meeting_print.html")]
pub(crate) struct MeetingPrintPage {
    layout: Layout,
    meeting_href: String,
    panel_name: String,
    held_on: String,
    items: Vec<ItemView>,
}

struct Loaded {
    meeting: Meeting,
    referrals: Vec<(i64, StoredReferral)>,
    viewer: Viewer,
    partnership: PartnershipId,
}

async fn load_meeting(state: &AppState, user: &CurrentUser, id: &str) -> Result<Loaded, AppError> {
    let id = parse_id(id)?;
    let (_, partnership, viewer) = load_meeting_panel(state, user, id).await?;
    let now = state.now();
    let meeting = state.store.meeting(&viewer, id, now).await?;
    let referrals = state.store.meeting_referrals(&viewer, id, now).await?;
    Ok(Loaded { meeting, referrals, viewer, partnership })
}

async fn item_views(
    state: &AppState,
    loaded: &Loaded,
    errors: &[FormError],
) -> Result<Vec<ItemView>, AppError> {
    let mut items = Vec::new();
    for item in &loaded.meeting.items {
        let error =
            |field: String| errors.iter().find(|e| e.field == field).map(|e| e.message.clone());
        let owners = if item.readable {
            state
                .store
                .case_people(&loaded.viewer, item.case)
                .await?
                .into_iter()
                .filter(|p| p.can_read)
                .map(|p| OwnerOption {
                    id: p.user.0,
                    label: format!("{}, {}", p.display_name, p.agency_name),
                })
                .collect()
        } else {
            Vec::new()
        };
        let referral =
            loaded.referrals.iter().find(|(i, _)| *i == item.id).map(|(_, r)| referral_view(r));
        items.push(ItemView {
            id: item.id,
            position: item.position,
            case_href: format!("/cases/{}", item.case.0),
            reference: item.reference.clone(),
            reason: if item.reason == "review-due" { "Review due" } else { "New referral" },
            referral_reason: item.referral_reason.as_deref().map(reason_label),
            referral_detail: item.referral_detail.clone(),
            summary: item.summary.clone(),
            minutes: item.minutes.clone().unwrap_or_default(),
            next_review_on: item.next_review_on.as_deref().map(show_date),
            actions: item
                .actions
                .iter()
                .map(|t| ActionRow {
                    case_href: format!("/cases/{}", t.case.0),
                    case_reference: t.case_reference.clone(),
                    title: t.title.clone(),
                    owner_name: t.owner_name.clone(),
                    due_on: show_date(&t.due_on),
                })
                .collect(),
            readable: item.readable,
            referral,
            minutes_action: format!("/meetings/{}/items/{}/minutes", loaded.meeting.id, item.id),
            action_action: format!("/meetings/{}/items/{}/actions", loaded.meeting.id, item.id),
            owners,
            minutes_error: error(format!("minutes-{}", item.id)),
            review_error: error(format!("review-{}-day", item.id)),
            title_error: error(format!("action-{}-title", item.id)),
            owner_error: error(format!("action-{}-owner", item.id)),
            due_error: error(format!("action-{}-due-day", item.id)),
        });
    }
    Ok(items)
}

async fn meeting_page(
    state: &AppState,
    signed_in: &SignedIn,
    loaded: &Loaded,
    errors: Vec<FormError>,
) -> Result<MeetingPage, AppError> {
    let meeting = &loaded.meeting;
    let can_run = meeting.panel.can_run(&loaded.viewer);
    let agencies = if can_run {
        state
            .store
            .partnership_agencies(loaded.partnership)
            .await?
            .into_iter()
            .map(|a| AgencyOption { id: a.id.0, name: a.name })
            .collect()
    } else {
        Vec::new()
    };
    let title = format!("{} meeting, {}", meeting.panel.name, show_date(&meeting.held_on));
    let title = if errors.is_empty() { title } else { format!("Error: {title}") };
    Ok(MeetingPage {
        layout: Layout::new(title, &signed_in.ctx, Section::Panels)
            .crumb("Panels", "/panels")
            .crumb(meeting.panel.name.clone(), format!("/panels/{}", meeting.panel.id)),
        id: meeting.id,
        panel_name: meeting.panel.name.clone(),
        panel_href: format!("/panels/{}", meeting.panel.id),
        held_on: show_date(&meeting.held_on),
        status: meeting.status.clone(),
        items: item_views(state, loaded, &errors).await?,
        attendance: meeting
            .attendance
            .iter()
            .map(|(agency, attendee, present)| AttendanceRow {
                agency: agency.clone(),
                attendee: attendee.clone(),
                present: *present,
            })
            .collect(),
        agencies,
        can_run,
        errors,
    })
}

async fn show_meeting(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = load_meeting(&state, &signed_in.user, &id).await?;
    let page = meeting_page(&state, &signed_in, &loaded, Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

async fn print_meeting(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = load_meeting(&state, &signed_in.user, &id).await?;
    let meeting = &loaded.meeting;
    let page = MeetingPrintPage {
        layout: Layout::new(
            format!("Agenda: {} meeting, {}", meeting.panel.name, show_date(&meeting.held_on)),
            &signed_in.ctx,
            Section::Panels,
        ),
        meeting_href: format!("/meetings/{}", meeting.id),
        panel_name: meeting.panel.name.clone(),
        held_on: show_date(&meeting.held_on),
        items: item_views(&state, &loaded, &[]).await?,
    };
    Ok(render(&page)?.into_response())
}

/// The attendance form.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct AttendanceForm {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    attendee: String,
    #[serde(default)]
    present: String,
}

async fn invalid(
    state: &AppState,
    signed_in: &SignedIn,
    loaded: &Loaded,
    errors: Vec<FormError>,
) -> Result<Response, AppError> {
    let page = meeting_page(state, signed_in, loaded, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

fn form_error(field: impl Into<String>, message: &str) -> FormError {
    FormError { field: field.into(), message: message.to_string() }
}

async fn record_attendance(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<AttendanceForm>,
) -> Result<Response, AppError> {
    let loaded = load_meeting(&state, &signed_in.user, &id).await?;
    if !loaded.meeting.panel.can_run(&loaded.viewer) {
        return Err(AppError::Forbidden);
    }
    let agencies = state.store.partnership_agencies(loaded.partnership).await?;
    let agency =
        form.agency.parse::<i64>().ok().filter(|id| agencies.iter().any(|a| a.id.0 == *id));
    let mut errors = Vec::new();
    if agency.is_none() {
        errors.push(form_error("attendance-agency", "Select the agency"));
    }
    let attendee = form.attendee.trim();
    if attendee.is_empty() {
        errors.push(form_error("attendance-attendee", "Enter the attendee's name and role"));
    }
    let present = match form.present.as_str() {
        "present" => Some(true),
        "apologies" => Some(false),
        _ => {
            errors.push(form_error("attendance-present", "Select present or apologies"));
            None
        }
    };
    let (Some(agency), Some(present), true) = (agency, present, errors.is_empty()) else {
        return invalid(&state, &signed_in, &loaded, errors).await;
    };
    state
        .store
        .record_attendance(&loaded.viewer, loaded.meeting.id, AgencyId(agency), attendee, present)
        .await
        .map_err(store_refusal)?;
    Ok(Redirect::to(&format!("/meetings/{}#attendance", loaded.meeting.id)).into_response())
}

/// The minutes form of one item.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct MinutesForm {
    #[serde(default)]
    minutes: String,
    #[serde(default, rename = "review-day")]
    review_day: String,
    #[serde(default, rename = "review-month")]
    review_month: String,
    #[serde(default, rename = "review-year")]
    review_year: String,
}

/// The item of this meeting named in the path; 404 for another meeting's item.
fn item_of(loaded: &Loaded, item: &str) -> Result<(i64, CaseId), AppError> {
    let item = parse_id(item)?;
    loaded
        .meeting
        .items
        .iter()
        .find(|i| i.id == item && i.readable)
        .map(|i| (i.id, i.case))
        .ok_or(AppError::NotFound)
}

async fn record_minutes(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, item)): Path<(String, String)>,
    Form(form): Form<MinutesForm>,
) -> Result<Response, AppError> {
    let loaded = load_meeting(&state, &signed_in.user, &id).await?;
    let (item, _) = item_of(&loaded, &item)?;
    let mut errors = Vec::new();
    let minutes = form.minutes.trim();
    if minutes.is_empty() {
        errors.push(form_error(format!("minutes-{item}"), "Enter the minutes of this item"));
    }
    let review = match date_from_parts(&form.review_day, &form.review_month, &form.review_year) {
        Ok(day) => Some(day),
        Err("missing") => None,
        Err(_) => {
            errors.push(form_error(
                format!("review-{item}-day"),
                "The next review date must be a real date",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return invalid(&state, &signed_in, &loaded, errors).await;
    }
    state
        .store
        .record_minutes(&loaded.viewer, item, minutes, review.as_deref(), state.now())
        .await
        .map_err(store_refusal)?;
    Ok(Redirect::to(&format!("/meetings/{}#item-{item}", loaded.meeting.id)).into_response())
}

/// The action form of one item.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner: String,
    #[serde(default, rename = "due-day")]
    due_day: String,
    #[serde(default, rename = "due-month")]
    due_month: String,
    #[serde(default, rename = "due-year")]
    due_year: String,
}

async fn add_action(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, item)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let loaded = load_meeting(&state, &signed_in.user, &id).await?;
    let (item, case) = item_of(&loaded, &item)?;
    let mut errors = Vec::new();
    let title = form.title.trim();
    if title.is_empty() {
        errors.push(form_error(format!("action-{item}-title"), "Enter the action"));
    }
    let people = state.store.case_people(&loaded.viewer, case).await?;
    let owner = form
        .owner
        .parse::<i64>()
        .ok()
        .filter(|id| people.iter().any(|p| p.user.0 == *id && p.can_read));
    if owner.is_none() {
        errors.push(form_error(format!("action-{item}-owner"), "Select who will do it"));
    }
    let due = match date_from_parts(&form.due_day, &form.due_month, &form.due_year) {
        Ok(day) if day >= today_iso(state.now()) => Some(day),
        Ok(_) => {
            errors.push(form_error(
                format!("action-{item}-due-day"),
                "The due date must be today or in the future",
            ));
            None
        }
        Err("missing") => {
            errors.push(form_error(format!("action-{item}-due-day"), "Enter the due date"));
            None
        }
        Err(_) => {
            errors.push(form_error(
                format!("action-{item}-due-day"),
                "The due date must be a real date",
            ));
            None
        }
    };
    let (Some(owner), Some(due), true) = (owner, due, errors.is_empty()) else {
        return invalid(&state, &signed_in, &loaded, errors).await;
    };
    state
        .store
        .add_meeting_action(&loaded.viewer, item, title, UserId(owner), &due, state.now())
        .await
        .map_err(store_refusal)?;
    Ok(Redirect::to(&format!("/meetings/{}#item-{item}", loaded.meeting.id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// JSON

async fn meeting_json(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let not_found =
        || (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response();
    let Some(user) = ctx.user.as_ref() else {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "sign in first" })))
            .into_response();
    };
    let loaded = match load_meeting(&state, user, &id).await {
        Ok(loaded) => loaded,
        Err(AppError::NotFound) => return not_found(),
        Err(err) => return err.into_response(),
    };
    let meeting = &loaded.meeting;
    let items: Vec<_> = meeting
        .items
        .iter()
        .map(|item| {
            let referral = loaded.referrals.iter().find(|(i, _)| *i == item.id).map(|(_, r)| {
                let d = &r.document;
                json!({
                    "id": r.id,
                    "referred_on": r.referred_on,
                    "status": r.status,
                    "reason": r.reason,
                    "repeat": r.repeat,
                    "yes_count": d.yes_count,
                    "police_incidents_in_window": d.police_incidents_in_window,
                    "criteria": d.criteria.iter().map(|c| safer_storage::criterion_code(*c)).collect::<Vec<_>>(),
                    "previous_referral_on": d.previous_referral_on.map(|day| day.to_string()),
                    "judgement_reason": d.judgement_reason,
                    "answers": d.answers.iter().map(|a| json!({
                        "number": a.number,
                        "question": a.question,
                        "answer": safer_storage::answer_code(a.answer),
                        "comment": a.comment,
                    })).collect::<Vec<_>>(),
                })
            });
            json!({
                "id": item.id,
                "position": item.position,
                "case_id": item.case.0,
                "reference": item.reference,
                "reason": item.reason,
                "referral_reason": item.referral_reason,
                "readable": item.readable,
                "summary": item.summary,
                "referral_detail": item.referral_detail,
                "minutes": item.minutes,
                "next_review_on": item.next_review_on,
                "actions": item.actions.iter().map(|t| json!({
                    "id": t.id,
                    "title": t.title,
                    "owner_id": t.owner.0,
                    "owner_name": t.owner_name,
                    "due_on": t.due_on,
                    "done": t.done_at.is_some(),
                })).collect::<Vec<_>>(),
                "referral": referral,
            })
        })
        .collect();
    Json(json!({
        "id": meeting.id,
        "panel": {
            "id": meeting.panel.id,
            "kind": meeting.panel.kind.as_str(),
            "name": meeting.panel.name,
            "can_run": meeting.panel.can_run(&loaded.viewer),
        },
        "held_on": meeting.held_on,
        "status": meeting.status,
        "attendance": meeting.attendance.iter().map(|(agency, attendee, present)| json!({
            "agency": agency, "attendee": attendee, "present": present,
        })).collect::<Vec<_>>(),
        "items": items,
    }))
    .into_response()
}
