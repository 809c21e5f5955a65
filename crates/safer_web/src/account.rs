//! The signed-in user's own account, and the partnership they work in when they belong to
//! several.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_domain::ids::PartnershipId;
use serde::Deserialize;

use crate::error::render;
use crate::session::SignedIn;
use crate::views::{AccountPage, Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(show_account))
        .route("/account/partnership", post(choose_partnership))
}

async fn show_account(signed_in: SignedIn) -> Result<Response, AppError> {
    let user = signed_in.user;
    // The first membership is the one the session works in (see `session::current_user`).
    let working_in = if user.memberships.len() > 1 {
        user.memberships
            .iter()
            .enumerate()
            .map(|(i, m)| (m.partnership.0, m.name.clone(), i == 0))
            .collect()
    } else {
        Vec::new()
    };
    let page = AccountPage {
        layout: Layout::new("Your account", &signed_in.ctx, Section::Account),
        username: user.username,
        display_name: user.display_name,
        agency_name: user.agency_name,
        roles: user.roles.iter().map(|r| r.label()).collect(),
        partnerships: user.partnerships,
        working_in,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
struct ChooseForm {
    #[serde(default)]
    partnership: String,
}

/// `POST /account/partnership`: work in another of the user's partnerships for the rest of
/// this session. A partnership they do not belong to (or no choice) leaves things as they are.
async fn choose_partnership(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ChooseForm>,
) -> Result<Response, AppError> {
    let chosen = form
        .partnership
        .parse::<i64>()
        .ok()
        .map(PartnershipId)
        .filter(|id| signed_in.user.memberships.iter().any(|m| m.partnership == *id));
    if let (Some(chosen), Some(hash)) = (chosen, signed_in.ctx.session_hash.as_deref()) {
        state.store.set_session_partnership(hash, chosen).await?;
    }
    Ok(Redirect::to("/account").into_response())
}
