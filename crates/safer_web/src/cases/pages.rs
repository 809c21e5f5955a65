//! The casework pages: `/tasks`, `/cases`, `/cases/new`, `/cases/{id}` and the forms that post
//! from the case page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LegalBasis, LinkRole, SubjectKind};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId};
use safer_storage::{CaseDetail, CaseFilter, NewCase, NewIncident, StoreError};
use serde::Deserialize;

use super::forms::{
    FormState, IncidentForm, LinkForm, NewCaseForm, NoteForm, ShareForm, SubjectForm, TaskForm,
    TeamForm, ValidSubject,
};
use super::{add_years, case_viewer_in, home_viewer, parse_id, show_date, today_iso, when};
use crate::error::render;
use crate::format::capitalise;
use crate::session::SignedIn;
use crate::views::{FieldError, Layout, Section, SelectOption};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(show_tasks))
        .route("/cases", get(list_cases))
        .route("/cases/new", get(show_new_case).post(create_case))
        .route("/cases/{id}", get(show_case))
        .route("/cases/{id}/incidents", post(create_incident))
        .route("/cases/{id}/notes", post(create_note))
        .route("/cases/{id}/tasks", post(create_task))
        .route("/cases/{id}/tasks/{task}/complete", post(complete_task))
        .route("/cases/{id}/subjects/new", get(show_new_subject))
        .route("/cases/{id}/subjects/check", post(check_subject))
        .route("/cases/{id}/subjects", post(create_subject))
        .route("/cases/{id}/subjects/link", post(link_subject))
        .route("/cases/{id}/shares", post(share_case))
        .route("/cases/{id}/shares/{agency}/revoke", post(revoke_share))
        .route("/cases/{id}/team", post(add_team_member))
        .route("/cases/{id}/close", post(close_case))
}

/// A radio button or checkbox.
#[derive(Debug, Clone)]
pub(crate) struct RadioOption {
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
}

fn radios<T: Copy>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<RadioOption> {
    all.iter().map(|v| RadioOption { value: as_str(*v), label: label(*v) }).collect()
}

fn case_types() -> Vec<RadioOption> {
    radios(CaseType::ALL, CaseType::as_str, CaseType::label)
}

fn status_tag(status: &str) -> &'static str {
    if status == "open" {
        "app-tag--green"
    } else {
        "app-tag--grey"
    }
}

/// The pages for work on a case of this type, beyond this one.
fn work_links(case_type: CaseType, case: i64) -> Vec<(&'static str, String, &'static str)> {
    let mut links = Vec::new();
    let mut add =
        |label, path: &str, hint| links.push((label, format!("/cases/{case}/{path}"), hint));
    match case_type {
        CaseType::Asb | CaseType::Vulnerability => {
            add(
                "ASB victim risk assessment",
                "risk",
                "Score the risk to the victim; sets the review dates",
            );
        }
        CaseType::DomesticAbuse => {
            add(
                "DASH risk checklist",
                "dash",
                "The 24 questions; a referral to MARAC when the criteria are met",
            );
        }
        CaseType::Contextual => {
            add(
                "Location assessment",
                "location-assessment",
                "The Neighbourhood Assessment Triangle, goals and responses",
            );
        }
    }
    if case_type.takes_enforcement_powers() {
        add(
            "Enforcement powers and dates",
            "powers",
            "Warnings, notices, closures, orders and their clocks",
        );
    }
    add(
        "Problem solving (OSARA)",
        "problem-solving",
        "Objective, scanning, analysis, response and a before-and-after assessment",
    );
    add("Documents", "documents", "Diary sheets, letters, photographs and recordings");
    links
}

fn type_label(case_type: CaseType) -> &'static str {
    case_type.label()
}

// ---------------------------------------------------------------------------------------------
// Your tasks

/// A task in the user's list.
#[derive(Debug, Clone)]
pub(crate) struct TaskRow {
    pub(crate) title: String,
    pub(crate) case_href: String,
    pub(crate) case_reference: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
}

/// `GET /tasks`.
#[derive(Template)]
#[template(path = "tasks.html")]
pub(crate) struct TasksPage {
    pub(crate) layout: Layout,
    pub(crate) tasks: Vec<TaskRow>,
}

async fn show_tasks(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let (_, viewer) = home_viewer(&signed_in.user)?;
    let now = state.now();
    let today = today_iso(now);
    let tasks = state.store.my_tasks(&viewer, now).await?;
    let page = TasksPage {
        layout: Layout::new("Your tasks", &signed_in.ctx, Section::Tasks),
        tasks: tasks
            .into_iter()
            .map(|t| TaskRow {
                overdue: t.due_on < today,
                due: show_date(&t.due_on),
                title: t.title,
                case_href: format!("/cases/{}", t.case.0),
                case_reference: t.case_reference,
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// The case list

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CaseListQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
}

/// A case as listed.
#[derive(Debug, Clone)]
pub(crate) struct CaseRow {
    pub(crate) href: String,
    pub(crate) reference: String,
    pub(crate) case_type: &'static str,
    pub(crate) summary: String,
    pub(crate) owner: String,
    pub(crate) opened: String,
    pub(crate) status: String,
    pub(crate) status_class: &'static str,
}

/// `GET /cases`.
#[derive(Template)]
#[template(path = "cases.html")]
pub(crate) struct CasesPage {
    pub(crate) layout: Layout,
    pub(crate) types: Vec<SelectOption>,
    pub(crate) statuses: Vec<SelectOption>,
    pub(crate) cases: Vec<CaseRow>,
    pub(crate) filtered: bool,
}

async fn list_cases(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<CaseListQuery>,
) -> Result<Response, AppError> {
    let (partnership, viewer) = home_viewer(&signed_in.user)?;
    let case_type = query.kind.parse::<CaseType>().ok();
    let status = ["open", "closed"].into_iter().find(|s| *s == query.status);
    let filter = CaseFilter { case_type, status };
    let cases = state.store.list_cases(&viewer, partnership, filter, state.now()).await?;
    let mut types = vec![SelectOption {
        value: String::new(),
        label: "All types".to_string(),
        selected: case_type.is_none(),
    }];
    types.extend(CaseType::ALL.iter().map(|t| SelectOption {
        value: t.as_str().to_string(),
        label: t.label().to_string(),
        selected: Some(*t) == case_type,
    }));
    let statuses = [("", "Open and closed"), ("open", "Open"), ("closed", "Closed")]
        .into_iter()
        .map(|(value, label)| SelectOption {
            value: value.to_string(),
            label: label.to_string(),
            selected: status.unwrap_or("") == value,
        })
        .collect();
    let page = CasesPage {
        layout: Layout::new("Cases", &signed_in.ctx, Section::Cases),
        types,
        statuses,
        filtered: case_type.is_some() || status.is_some(),
        cases: cases
            .into_iter()
            .map(|c| CaseRow {
                href: format!("/cases/{}", c.id.0),
                reference: c.reference,
                case_type: type_label(c.case_type),
                summary: c.summary,
                owner: c.owner_name,
                opened: show_date(&c.opened_on),
                status_class: status_tag(&c.status),
                status: capitalise(&c.status),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// Opening a case

/// `GET /cases/new` and its errors.
#[derive(Template)]
#[template(path = "case_new.html")]
pub(crate) struct NewCasePage {
    pub(crate) layout: Layout,
    pub(crate) types: Vec<RadioOption>,
    pub(crate) form: FormState,
}

fn new_case_page(signed_in: &SignedIn, form: FormState) -> NewCasePage {
    let title = if form.errors.is_empty() { "Open a case" } else { "Error: Open a case" };
    NewCasePage {
        layout: Layout::new(title, &signed_in.ctx, Section::Cases).crumb("Cases", "/cases"),
        types: case_types(),
        form,
    }
}

async fn show_new_case(signed_in: SignedIn) -> Result<Response, AppError> {
    home_viewer(&signed_in.user)?;
    Ok(render(&new_case_page(&signed_in, FormState::default()))?.into_response())
}

async fn create_case(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<NewCaseForm>,
) -> Result<Response, AppError> {
    let (partnership, viewer) = home_viewer(&signed_in.user)?;
    let now = state.now();
    let valid = match form.check(&today_iso(now)) {
        Ok(valid) => valid,
        Err(errors) => {
            let page = new_case_page(&signed_in, FormState::failed(&form, errors));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let new_case = NewCase {
        partnership,
        case_type: valid.case_type,
        summary: &valid.summary,
        opened_on: &valid.opened_on,
    };
    match state.store.open_case(&viewer, &new_case, now).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/cases/{}", id.0)).into_response()),
        Err(StoreError::Forbidden(message)) => {
            let errors = vec![FieldError { field: "case_type", message: message.to_string() }];
            let page = new_case_page(&signed_in, FormState::failed(&form, errors));
            Ok((StatusCode::FORBIDDEN, render(&page)?).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The case page

/// A subject on the case page.
#[derive(Debug, Clone)]
pub(crate) struct SubjectRow {
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) born: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) postcode: Option<String>,
    pub(crate) part: &'static str,
    pub(crate) consent: &'static str,
}

/// A share on the case page.
#[derive(Debug, Clone)]
pub(crate) struct ShareRow {
    pub(crate) agency: String,
    pub(crate) purpose: String,
    pub(crate) basis: &'static str,
    pub(crate) shared: String,
    pub(crate) revoked: Option<String>,
    /// Where "Revoke" posts, for the owning agency while the share lasts.
    pub(crate) revoke_href: Option<String>,
}

/// A team member.
#[derive(Debug, Clone)]
pub(crate) struct TeamRow {
    pub(crate) name: String,
    pub(crate) agency: String,
}

/// A task on the case page.
#[derive(Debug, Clone)]
pub(crate) struct CaseTaskRow {
    pub(crate) title: String,
    pub(crate) owner: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
    pub(crate) done: Option<String>,
    pub(crate) complete_href: Option<String>,
}

/// One event in the case's timeline.
#[derive(Debug, Clone)]
pub(crate) struct TimelineItem {
    /// `YYYY-MM-DD`, for ordering and for the `datetime` attribute.
    pub(crate) date: String,
    /// Within a day: the instant it was recorded (0 for dated-only events such as incidents).
    pub(crate) at: i64,
    pub(crate) shown_date: String,
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) by: Option<String>,
    pub(crate) body: Vec<String>,
}

/// `GET /cases/{id}`, and the page again when one of its forms fails.
#[derive(Template)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    pub(crate) layout: Layout,
    pub(crate) href: String,
    /// The case's other pages that suit its type: (label, address, what it is for).
    pub(crate) work: Vec<(&'static str, String, &'static str)>,
    pub(crate) reference: String,
    pub(crate) case_type: &'static str,
    pub(crate) summary: String,
    pub(crate) owner: String,
    pub(crate) status: String,
    pub(crate) status_class: &'static str,
    pub(crate) restricted: bool,
    pub(crate) opened: String,
    pub(crate) closed: Option<String>,
    pub(crate) retain_until: Option<String>,
    pub(crate) subjects: Vec<SubjectRow>,
    pub(crate) shares: Vec<ShareRow>,
    pub(crate) team: Vec<TeamRow>,
    pub(crate) tasks: Vec<CaseTaskRow>,
    pub(crate) timeline: Vec<TimelineItem>,
    /// Add incidents, notes, tasks and subjects (open cases the user may write to).
    pub(crate) can_write: bool,
    /// Share, revoke, change the team and close (the owning agency, open cases).
    pub(crate) can_manage: bool,
    pub(crate) task_owners: Vec<SelectOption>,
    pub(crate) team_candidates: Vec<SelectOption>,
    pub(crate) share_agencies: Vec<SelectOption>,
    pub(crate) legal_bases: Vec<RadioOption>,
    pub(crate) retention_years: u32,
    pub(crate) form: FormState,
}

/// The timeline: incidents, notes, tasks set and done, shares and their ends, newest first.
/// Events with only a date (incidents) sort below events recorded at an instant that day.
pub(crate) fn timeline(detail: &CaseDetail, task_times: &[(i64, i64)]) -> Vec<TimelineItem> {
    let mut items = Vec::new();
    for incident in &detail.incidents {
        let mut body = vec![format!(
            "Reported to {} on {}",
            incident.reported_to_name,
            show_date(&incident.reported_on)
        )];
        if let Some(location) = &incident.location {
            body.push(format!("Where: {location}"));
        }
        body.push(incident.description.clone());
        items.push(TimelineItem {
            date: incident.occurred_on.clone(),
            at: 0,
            shown_date: show_date(&incident.occurred_on),
            kind: "Incident",
            title: incident.category.clone(),
            by: None,
            body,
        });
    }
    for note in &detail.notes {
        items.push(instant_item(
            note.created_at,
            "Note",
            "Note added".to_string(),
            Some(note.author_name.clone()),
            crate::views::paragraphs(&note.body),
        ));
    }
    for task in &detail.tasks {
        if let Some((_, created_at)) = task_times.iter().find(|(id, _)| *id == task.id) {
            items.push(instant_item(
                *created_at,
                "Task",
                format!("Task set: {}", task.title),
                None,
                vec![format!("For {}, due {}", task.owner_name, show_date(&task.due_on))],
            ));
        }
        if let Some(done_at) = task.done_at {
            items.push(instant_item(
                done_at,
                "Task",
                format!("Task done: {}", task.title),
                Some(task.owner_name.clone()),
                Vec::new(),
            ));
        }
    }
    for share in &detail.shares {
        items.push(instant_item(
            share.shared_at,
            "Share",
            format!("Shared with {}", share.agency_name),
            None,
            vec![format!("{} ({})", share.purpose, share.legal_basis.label())],
        ));
        if let Some(revoked_at) = share.revoked_at {
            items.push(instant_item(
                revoked_at,
                "Share",
                format!("Share with {} revoked", share.agency_name),
                None,
                Vec::new(),
            ));
        }
    }
    items.sort_by(|a, b| (&b.date, b.at).cmp(&(&a.date, a.at)));
    items
}

fn instant_item(
    at: i64,
    kind: &'static str,
    title: String,
    by: Option<String>,
    body: Vec<String>,
) -> TimelineItem {
    TimelineItem { date: today_iso(at), at, shown_date: when(at), kind, title, by, body }
}

/// Builds and renders the case page; `form` carries the errors and values of a failed form.
async fn case_page(
    state: &AppState,
    signed_in: &SignedIn,
    viewer: &Viewer,
    partnership: PartnershipId,
    case: CaseId,
    form: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.now();
    let today = today_iso(now);
    let detail = state.store.case_detail(viewer, case, now).await?;
    let task_times = state.store.case_task_times(viewer, case).await?;
    let open = detail.case.status == "open";
    let can_write = open && detail.access.can_write(viewer);
    let can_manage = open && detail.access.can_manage(viewer);
    let people = if can_write { state.store.case_people(viewer, case).await? } else { Vec::new() };
    let share_agencies = if can_manage {
        let selected = form.value("agency").to_string();
        state
            .store
            .partnership_agencies(partnership)
            .await?
            .into_iter()
            .filter(|a| a.id != detail.access.owner && !detail.access.shared_with.contains(&a.id))
            .map(|a| SelectOption {
                selected: selected == a.id.0.to_string(),
                value: a.id.0.to_string(),
                label: a.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let owner_choice = form.value("owner").to_string();
    let member_choice = form.value("member").to_string();
    let task_owners = people
        .iter()
        .filter(|p| p.can_read)
        .map(|p| SelectOption {
            value: p.user.0.to_string(),
            label: format!("{} ({})", p.display_name, p.agency_name),
            selected: owner_choice == p.user.0.to_string()
                || (owner_choice.is_empty() && p.user == viewer.user),
        })
        .collect();
    let team_candidates = people
        .iter()
        .filter(|p| !p.on_team)
        .map(|p| SelectOption {
            value: p.user.0.to_string(),
            label: format!("{} ({})", p.display_name, p.agency_name),
            selected: member_choice == p.user.0.to_string(),
        })
        .collect();
    let href = format!("/cases/{}", case.0);
    let case_summary = &detail.case;
    let title = if form.errors.is_empty() {
        case_summary.reference.clone()
    } else {
        format!("Error: {}", case_summary.reference)
    };
    let page = CasePage {
        work: work_links(case_summary.case_type, case.0),
        layout: Layout::new(title, &signed_in.ctx, Section::Cases).crumb("Cases", "/cases"),
        href: href.clone(),
        reference: case_summary.reference.clone(),
        case_type: type_label(case_summary.case_type),
        summary: case_summary.summary.clone(),
        owner: case_summary.owner_name.clone(),
        status: capitalise(&case_summary.status),
        status_class: status_tag(&case_summary.status),
        restricted: case_summary.restricted,
        opened: show_date(&case_summary.opened_on),
        closed: case_summary.closed_on.as_deref().map(show_date),
        retain_until: case_summary.retain_until_on.as_deref().map(show_date),
        subjects: detail
            .subjects
            .iter()
            .map(|s| SubjectRow {
                name: s.name.clone(),
                kind: s.kind.label(),
                born: s.born_on.as_deref().map(show_date),
                address: s.address.clone(),
                postcode: s.postcode.clone(),
                part: s.role.label(),
                consent: s.consent.label(),
            })
            .collect(),
        shares: detail
            .shares
            .iter()
            .map(|s| ShareRow {
                agency: s.agency_name.clone(),
                purpose: s.purpose.clone(),
                basis: s.legal_basis.label(),
                shared: when(s.shared_at),
                revoked: s.revoked_at.map(when),
                revoke_href: (can_manage && s.revoked_at.is_none())
                    .then(|| format!("{href}/shares/{}/revoke", s.agency.0)),
            })
            .collect(),
        team: detail
            .team
            .iter()
            .map(|m| TeamRow { name: m.display_name.clone(), agency: m.agency_name.clone() })
            .collect(),
        tasks: detail
            .tasks
            .iter()
            .map(|t| CaseTaskRow {
                title: t.title.clone(),
                owner: t.owner_name.clone(),
                due: show_date(&t.due_on),
                overdue: t.done_at.is_none() && t.due_on < today,
                done: t.done_at.map(when),
                complete_href: (can_write && t.done_at.is_none())
                    .then(|| format!("{href}/tasks/{}/complete", t.id)),
            })
            .collect(),
        timeline: timeline(&detail, &task_times),
        can_write,
        can_manage,
        task_owners,
        team_candidates,
        share_agencies,
        legal_bases: radios(LegalBasis::ALL, LegalBasis::as_str, LegalBasis::label),
        retention_years: case_summary.case_type.default_retention_years(),
        form,
    };
    Ok((status, render(&page)?).into_response())
}

async fn load_case(
    state: &AppState,
    signed_in: &SignedIn,
    id: &str,
) -> Result<(CaseId, PartnershipId, Viewer), AppError> {
    let case = CaseId(parse_id(id)?);
    let (partnership, viewer) = case_viewer_in(state, &signed_in.user, case).await?;
    Ok((case, partnership, viewer))
}

async fn show_case(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (case, partnership, viewer) = load_case(&state, &signed_in, &id).await?;
    case_page(&state, &signed_in, &viewer, partnership, case, FormState::default(), StatusCode::OK)
        .await
}

/// What a case-page form's store call came to: done (back to the page, at `anchor`), or the
/// page again with the errors or the refusal.
async fn after_write<T: serde::Serialize>(
    state: &AppState,
    signed_in: &SignedIn,
    (case, partnership, viewer): (CaseId, PartnershipId, Viewer),
    form: &T,
    outcome: Result<(), StoreError>,
    refusal_field: &'static str,
    anchor: &str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}#{anchor}", case.0)).into_response()),
        Err(StoreError::Forbidden(message)) => {
            let errors = vec![FieldError { field: refusal_field, message: message.to_string() }];
            let state_of_form = FormState::failed(form, errors);
            case_page(
                state,
                signed_in,
                &viewer,
                partnership,
                case,
                state_of_form,
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}

/// A closed case takes no more work: the page again with the reason, as for any refusal.
const CLOSED: StoreError = StoreError::Forbidden("the case is closed");

async fn is_open(
    state: &AppState,
    loaded: &(CaseId, PartnershipId, Viewer),
) -> Result<bool, AppError> {
    Ok(state.store.case_is_open(&loaded.2, loaded.0).await?)
}

async fn invalid<T: serde::Serialize>(
    state: &AppState,
    signed_in: &SignedIn,
    (case, partnership, viewer): (CaseId, PartnershipId, Viewer),
    form: &T,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let form = FormState::failed(form, errors);
    case_page(state, signed_in, &viewer, partnership, case, form, StatusCode::UNPROCESSABLE_ENTITY)
        .await
}

async fn create_incident(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<IncidentForm>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &form, outcome, "occurred", "timeline")
            .await;
    }
    let now = state.now();
    let valid = match form.check(&today_iso(now)) {
        Ok(valid) => valid,
        Err(errors) => return invalid(&state, &signed_in, loaded, &form, errors).await,
    };
    let incident = NewIncident {
        occurred_on: &valid.occurred_on,
        reported_on: &valid.reported_on,
        reported_to: loaded.2.agency,
        category: &valid.category,
        location: valid.location.as_deref(),
        incident_key: None,
        description: &valid.description,
    };
    let outcome = state.store.add_incident(&loaded.2, loaded.0, &incident, now).await.map(drop);
    after_write(&state, &signed_in, loaded, &form, outcome, "occurred", "timeline").await
}

async fn create_note(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &form, outcome, "note", "timeline").await;
    }
    let body = match super::forms::check_note(&form.note) {
        Ok(body) => body,
        Err(errors) => return invalid(&state, &signed_in, loaded, &form, errors).await,
    };
    let outcome = state.store.add_note(&loaded.2, loaded.0, &body, state.now()).await.map(drop);
    after_write(&state, &signed_in, loaded, &form, outcome, "note", "timeline").await
}

async fn create_task(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TaskForm>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &form, outcome, "owner", "tasks").await;
    }
    let valid = match form.check() {
        Ok(valid) => valid,
        Err(errors) => return invalid(&state, &signed_in, loaded, &form, errors).await,
    };
    let outcome = state
        .store
        .add_task(&loaded.2, loaded.0, &valid.title, valid.owner, &valid.due_on, state.now())
        .await
        .map(drop);
    // An owner who cannot see the case (or no longer exists) is a problem with the choice.
    let outcome = match outcome {
        Err(StoreError::NotFound) => {
            state.store.case_access(&loaded.2, loaded.0).await?;
            Err(StoreError::Forbidden("a task's owner must be able to see the case"))
        }
        other => other,
    };
    after_write(&state, &signed_in, loaded, &form, outcome, "owner", "tasks").await
}

async fn complete_task(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, task)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &(), outcome, "tasks", "tasks").await;
    }
    let task = parse_id(&task)?;
    // The task must belong to this case: read the case's tasks as the viewer first.
    let task_times = state.store.case_task_times(&loaded.2, loaded.0).await?;
    if !task_times.iter().any(|(t, _)| *t == task) {
        return Err(AppError::NotFound);
    }
    let outcome = state.store.complete_task(&loaded.2, task, state.now()).await;
    after_write(&state, &signed_in, loaded, &(), outcome, "tasks", "tasks").await
}

async fn share_case(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &form, outcome, "sharing", "sharing").await;
    }
    let (agency, purpose, basis) = match form.check() {
        Ok(valid) => valid,
        Err(errors) => return invalid(&state, &signed_in, loaded, &form, errors).await,
    };
    let outcome =
        state.store.share_case(&loaded.2, loaded.0, agency, &purpose, basis, state.now()).await;
    after_write(&state, &signed_in, loaded, &form, outcome, "sharing", "sharing").await
}

async fn revoke_share(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, agency)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &(), outcome, "sharing", "sharing").await;
    }
    let agency = AgencyId(parse_id(&agency)?);
    let outcome = state.store.revoke_share(&loaded.2, loaded.0, agency, state.now()).await;
    after_write(&state, &signed_in, loaded, &(), outcome, "sharing", "sharing").await
}

async fn add_team_member(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TeamForm>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &form, outcome, "team", "team").await;
    }
    let user = match form.check() {
        Ok(user) => user,
        Err(errors) => return invalid(&state, &signed_in, loaded, &form, errors).await,
    };
    let outcome = state.store.add_team_member(&loaded.2, loaded.0, user, state.now()).await;
    let outcome = match outcome {
        Err(StoreError::NotFound) => {
            state.store.case_access(&loaded.2, loaded.0).await?;
            Err(StoreError::Forbidden("select someone from the list"))
        }
        other => other,
    };
    after_write(&state, &signed_in, loaded, &form, outcome, "team", "team").await
}

async fn close_case(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let loaded = load_case(&state, &signed_in, &id).await?;
    if !is_open(&state, &loaded).await? {
        let outcome = Err(CLOSED);
        return after_write(&state, &signed_in, loaded, &(), outcome, "status", "status").await;
    }
    let now = state.now();
    let detail_type = state.store.case_detail(&loaded.2, loaded.0, now).await?.case.case_type;
    let closed_on = today_iso(now);
    let retain_until = add_years(&closed_on, detail_type.default_retention_years());
    let outcome = state.store.close_case(&loaded.2, loaded.0, &closed_on, &retain_until, now).await;
    after_write(&state, &signed_in, loaded, &(), outcome, "status", "status").await
}

// ---------------------------------------------------------------------------------------------
// Adding a subject, duplicates first

/// A possible duplicate on the warning page.
#[derive(Debug, Clone)]
pub(crate) struct MatchRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) born: Option<String>,
    pub(crate) postcode: Option<String>,
    pub(crate) reason: &'static str,
}

/// `GET /cases/{id}/subjects/new`, its errors, and the duplicate warning.
#[derive(Template)]
#[template(path = "case_subject.html")]
pub(crate) struct SubjectPage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) kinds: Vec<RadioOption>,
    pub(crate) parts: Vec<RadioOption>,
    pub(crate) consents: Vec<RadioOption>,
    /// Likely duplicates: when not empty, the page is the warning.
    pub(crate) matches: Vec<MatchRow>,
    pub(crate) form: FormState,
}

async fn subject_page(
    state: &AppState,
    signed_in: &SignedIn,
    viewer: &Viewer,
    case: CaseId,
    matches: Vec<MatchRow>,
    form: FormState,
) -> Result<SubjectPage, AppError> {
    let detail = state.store.case_detail(viewer, case, state.now()).await?;
    if detail.case.status != "open" || !detail.access.can_write(viewer) {
        return Err(AppError::NotFound);
    }
    let reference = detail.case.reference;
    let title = match (form.errors.is_empty(), matches.is_empty()) {
        (false, _) => "Error: Add a subject",
        (true, true) => "Add a subject",
        (true, false) => "This subject may already be recorded",
    };
    let case_href = format!("/cases/{}", case.0);
    Ok(SubjectPage {
        layout: Layout::new(title, &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb(reference.clone(), case_href.clone()),
        case_href,
        reference,
        kinds: radios(SubjectKind::ALL, SubjectKind::as_str, SubjectKind::label),
        parts: radios(LinkRole::ALL, LinkRole::as_str, LinkRole::label),
        consents: radios(Consent::ALL, Consent::as_str, Consent::label),
        matches,
        form,
    })
}

async fn show_new_subject(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (case, _, viewer) = load_case(&state, &signed_in, &id).await?;
    let page =
        subject_page(&state, &signed_in, &viewer, case, Vec::new(), FormState::default()).await?;
    Ok(render(&page)?.into_response())
}

/// The subject form posted on an open case, checked: its values, or the form again with its
/// errors (422). Not found on a closed case, where the form is not offered (see
/// `subject_page`).
async fn checked_subject(
    state: &AppState,
    signed_in: &SignedIn,
    viewer: &Viewer,
    case: CaseId,
    form: &SubjectForm,
) -> Result<Result<ValidSubject, Response>, AppError> {
    if !state.store.case_is_open(viewer, case).await? {
        return Err(AppError::NotFound);
    }
    match form.check(&today_iso(state.now())) {
        Ok(valid) => Ok(Ok(valid)),
        Err(errors) => {
            let failed = FormState::failed(form, errors);
            let page = subject_page(state, signed_in, viewer, case, Vec::new(), failed).await?;
            Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response()))
        }
    }
}

/// `POST /cases/{id}/subjects/check`: checks the form, then shows likely duplicates to choose
/// from; with none, creates the subject at once.
async fn check_subject(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SubjectForm>,
) -> Result<Response, AppError> {
    let (case, partnership, viewer) = load_case(&state, &signed_in, &id).await?;
    let now = state.now();
    let valid = match checked_subject(&state, &signed_in, &viewer, case, &form).await? {
        Ok(valid) => valid,
        Err(again) => return Ok(again),
    };
    let subject = valid.new_subject();
    // The viewer must be able to write to the case before anything is matched.
    if !state.store.case_access(&viewer, case).await?.can_write(&viewer) {
        return Err(AppError::NotFound);
    }
    let matches = state.store.likely_duplicates(&viewer, partnership, &subject, now).await?;
    if matches.is_empty() {
        state
            .store
            .add_new_subject(&viewer, case, &subject, valid.part, valid.consent, None, now)
            .await?;
        return Ok(Redirect::to(&format!("/cases/{}#subjects", case.0)).into_response());
    }
    let rows = matches
        .into_iter()
        .map(|m| MatchRow {
            id: m.id.0,
            name: m.name,
            born: m.born_on.as_deref().map(show_date),
            postcode: m.postcode,
            reason: m.reason,
        })
        .collect();
    let page =
        subject_page(&state, &signed_in, &viewer, case, rows, FormState::filled(&form)).await?;
    Ok(render(&page)?.into_response())
}

/// `POST /cases/{id}/subjects`: "create a new record" after the warning.
async fn create_subject(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SubjectForm>,
) -> Result<Response, AppError> {
    let (case, _, viewer) = load_case(&state, &signed_in, &id).await?;
    let now = state.now();
    let valid = match checked_subject(&state, &signed_in, &viewer, case, &form).await? {
        Ok(valid) => valid,
        Err(again) => return Ok(again),
    };
    let subject = valid.new_subject();
    state
        .store
        .add_new_subject(&viewer, case, &subject, valid.part, valid.consent, None, now)
        .await?;
    Ok(Redirect::to(&format!("/cases/{}#subjects", case.0)).into_response())
}

/// `POST /cases/{id}/subjects/link`: "use this record".
async fn link_subject(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let (case, _, viewer) = load_case(&state, &signed_in, &id).await?;
    // The form is not offered on a closed case (see `subject_page`).
    if !state.store.case_is_open(&viewer, case).await? {
        return Err(AppError::NotFound);
    }
    let (subject, part, consent) = form.check().ok_or(AppError::NotFound)?;
    state.store.link_subject(&viewer, case, subject, part, consent, None, state.now()).await?;
    Ok(Redirect::to(&format!("/cases/{}#subjects", case.0)).into_response())
}
