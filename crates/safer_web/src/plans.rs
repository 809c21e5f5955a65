//! The partnership plan: overview, one page per priority and theme, groups, governance.
//!
//! Plan pages are for signed-in users of any role: the plan may be a draft, and later pages
//! under a plan carry action-plan progress. The public sees the plan through the public
//! dashboard instead.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use safer_domain::plan::{GroupStatus, Note, Plan, PlanStatus, Priority, PriorityKind};
use safer_domain::slug::is_slug;
use safer_storage::StoredPlan;

use crate::error::render;
use crate::indicators::priority_indicators;
use crate::session::{Ctx, SignedIn};
use crate::views::{
    paragraphs, ActionGroupView, AlignmentView, BodyView, FocusView, GovernancePage, GroupLink,
    GroupView, GroupsPage, Layout, NoteView, PlanNav, PlanPage, PlanRow, PlansPage, PriorityLink,
    PriorityPage, Section,
};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_plans))
        .route("/plans/{plan}", get(show_plan))
        .route("/plans/{plan}/priorities/{priority}", get(show_priority))
        .route("/plans/{plan}/groups", get(show_groups))
        .route("/plans/{plan}/governance", get(show_governance))
}

/// `/`: the newest plan for a signed-in user, the sign-in page otherwise.
pub(crate) async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.is_none() {
        return Ok(Redirect::to("/sign-in").into_response());
    }
    let plans = state.store.list_plans().await?;
    Ok(match plans.as_slice() {
        [only] => Redirect::to(&format!("/plans/{}", only.slug)).into_response(),
        _ => Redirect::to("/plans").into_response(),
    })
}

fn period(starts: impl std::fmt::Display, ends: impl std::fmt::Display) -> String {
    format!("{starts} to {ends}")
}

async fn list_plans(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let plans = state
        .store
        .list_plans()
        .await?
        .into_iter()
        .map(|p| PlanRow {
            period: period(p.starts, p.ends),
            slug: p.slug,
            title: p.title,
            partnership: p.partnership_name,
            status: if p.status == "draft" { "Draft".to_string() } else { "Adopted".to_string() },
        })
        .collect();
    let page = PlansPage { layout: Layout::new("Plans", &signed_in.ctx, Section::Plans), plans };
    Ok(render(&page)?.into_response())
}

async fn load_plan(state: &AppState, slug: &str) -> Result<Plan, AppError> {
    Ok(load_stored_plan(state, slug).await?.plan)
}

async fn load_stored_plan(state: &AppState, slug: &str) -> Result<StoredPlan, AppError> {
    if !is_slug(slug) {
        return Err(AppError::NotFound);
    }
    state.store.plan_by_slug(slug).await?.ok_or(AppError::NotFound)
}

fn plan_nav(slug: &str) -> PlanNav {
    PlanNav {
        overview: format!("/plans/{slug}"),
        groups: format!("/plans/{slug}/groups"),
        governance: format!("/plans/{slug}/governance"),
    }
}

fn group_links(plan: &Plan, slug: &str, ids: &[String]) -> Vec<GroupLink> {
    ids.iter()
        .filter_map(|id| plan.group(id))
        .map(|g| GroupLink {
            href: format!("/plans/{slug}/groups#{}", g.id),
            name: g.name.clone(),
            proposed: g.status == GroupStatus::Proposed,
        })
        .collect()
}

fn priority_link(plan: &Plan, slug: &str, priority: &Priority) -> PriorityLink {
    PriorityLink {
        href: format!("/plans/{slug}/priorities/{}", priority.id),
        title: priority.title.clone(),
        focus: priority.focus.clone(),
        groups: group_links(plan, slug, &priority.groups),
    }
}

fn note_view(note: &Note) -> NoteView {
    NoteView {
        title: note.title.clone(),
        paragraphs: note.text.as_deref().map(paragraphs).unwrap_or_default(),
        points: note.points.clone(),
        closing: note.closing.clone(),
    }
}

async fn show_plan(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let plan = load_plan(&state, &slug).await?;
    let info = &plan.plan;
    let page = PlanPage {
        layout: Layout::new(info.title.clone(), &signed_in.ctx, Section::Plans)
            .crumb("Plans", "/plans"),
        plan_nav: plan_nav(&slug),
        title: info.title.clone(),
        partnership: info.partnership.clone(),
        period: period(info.starts, info.ends),
        draft: info.status == PlanStatus::Draft,
        strapline: info.strapline.clone(),
        summary: info.summary.as_deref().map(paragraphs).unwrap_or_default(),
        introduction_author: info.introduction.as_ref().map(|i| i.author.clone()),
        introduction: info.introduction.as_ref().map(|i| paragraphs(&i.text)).unwrap_or_default(),
        core: plan.core_priorities().map(|p| priority_link(&plan, &slug, p)).collect(),
        themes: plan.themes().map(|p| priority_link(&plan, &slug, p)).collect(),
        considerations: plan.considerations.iter().map(note_view).collect(),
        alignment: plan
            .alignment
            .iter()
            .map(|a| AlignmentView { title: a.title.clone(), priorities: a.priorities.clone() })
            .collect(),
        source: info.source.clone(),
    };
    Ok(render(&page)?.into_response())
}

async fn show_priority(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, priority_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let stored = load_stored_plan(&state, &slug).await?;
    let plan = stored.plan;
    let index =
        plan.priorities.iter().position(|p| p.id == priority_id).ok_or(AppError::NotFound)?;
    let indicators = priority_indicators(&state, stored.id, &priority_id).await?;
    let priority = &plan.priorities[index];
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| plan.priorities.get(i))
            .map(|p| (format!("/plans/{slug}/priorities/{}", p.id), p.title.clone()))
    };
    let mut action_groups: Vec<ActionGroupView> = Vec::new();
    for action in &priority.actions {
        match action_groups.last_mut() {
            Some(group) if group.heading == action.heading => {
                group.actions.push(action.text.clone())
            }
            _ => action_groups.push(ActionGroupView {
                heading: action.heading.clone(),
                actions: vec![action.text.clone()],
            }),
        }
    }
    let page = PriorityPage {
        layout: Layout::new(priority.title.clone(), &signed_in.ctx, Section::Plans)
            .crumb("Plans", "/plans")
            .crumb(plan.plan.title.clone(), format!("/plans/{slug}")),
        plan_nav: plan_nav(&slug),
        kind: priority.kind.label(),
        core: priority.kind == PriorityKind::Core,
        title: priority.title.clone(),
        focus: priority.focus.clone(),
        why: paragraphs(&priority.why),
        objective: priority.objective.clone(),
        focus_intro: priority.focus_intro.clone(),
        focus_points: priority
            .focus_points
            .iter()
            .map(|f| FocusView { text: f.text.clone(), points: f.points.clone() })
            .collect(),
        actions_intro: priority.actions_intro.clone(),
        action_groups,
        groups: group_links(&plan, &slug, &priority.groups),
        notes: priority.notes.iter().map(note_view).collect(),
        previous: neighbour(index.checked_sub(1)),
        next: neighbour(Some(index + 1)),
        indicators,
    };
    Ok(render(&page)?.into_response())
}

async fn show_groups(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let plan = load_plan(&state, &slug).await?;
    let groups = plan
        .groups
        .iter()
        .map(|g| GroupView {
            anchor: g.id.clone(),
            name: g.name.clone(),
            short_name: g.short_name.clone(),
            kind: g.kind.label(),
            proposed: g.status == GroupStatus::Proposed,
            meets: g.meets.clone(),
            description: g.description.as_deref().map(paragraphs).unwrap_or_default(),
            escalates_to: g
                .escalates_to
                .as_ref()
                .and_then(|id| group_links(&plan, &slug, std::slice::from_ref(id)).pop()),
            delivers: plan
                .priorities_of_group(&g.id)
                .map(|p| priority_link(&plan, &slug, p))
                .collect(),
        })
        .collect();
    let page = GroupsPage {
        layout: Layout::new("Sub-groups and working groups", &signed_in.ctx, Section::Plans)
            .crumb("Plans", "/plans")
            .crumb(plan.plan.title.clone(), format!("/plans/{slug}")),
        plan_nav: plan_nav(&slug),
        plan_title: plan.plan.title.clone(),
        groups,
    };
    Ok(render(&page)?.into_response())
}

async fn show_governance(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let plan = load_plan(&state, &slug).await?;
    let governance = &plan.governance;
    let page = GovernancePage {
        layout: Layout::new("Governance", &signed_in.ctx, Section::Plans)
            .crumb("Plans", "/plans")
            .crumb(plan.plan.title.clone(), format!("/plans/{slug}")),
        plan_nav: plan_nav(&slug),
        plan_title: plan.plan.title.clone(),
        bodies: governance
            .bodies
            .iter()
            .map(|b| BodyView {
                name: b.name.clone(),
                short_name: b.short_name.clone(),
                description: b.description.as_deref().map(paragraphs).unwrap_or_default(),
                functions: b.functions.clone(),
                statutory_basis: b.statutory_basis.clone(),
            })
            .collect(),
        action_plan_elements: governance.action_plan_elements.clone(),
        notes: governance.notes.iter().map(note_view).collect(),
    };
    Ok(render(&page)?.into_response())
}
