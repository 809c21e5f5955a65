//! The signed-in user's own account.

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::render;
use crate::session::SignedIn;
use crate::views::{AccountPage, Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/account", get(show_account))
}

async fn show_account(signed_in: SignedIn) -> Result<Response, AppError> {
    let user = signed_in.user;
    let page = AccountPage {
        layout: Layout::new("Your account", &signed_in.ctx, Section::Account),
        username: user.username,
        display_name: user.display_name,
        agency_name: user.agency_name,
        roles: user.roles.iter().map(|r| r.label()).collect(),
        partnerships: user.partnerships,
    };
    Ok(render(&page)?.into_response())
}
