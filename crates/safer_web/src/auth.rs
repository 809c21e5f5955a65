//! Signing in and out.
//!
//! Sign-in is throttled per username and per client address (failures are counted in the
//! database, so every instance sees them). Unknown usernames, wrong passwords and disabled
//! accounts all get the same answer and take the same time, so the form does not reveal which
//! accounts exist.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_domain::password::{decoy_hash, verify_password};
use serde::Deserialize;

use crate::error::render;
use crate::session::{random_token, set_cookie, token_hash, Ctx, ANON_COOKIE, SESSION_COOKIE};
use crate::views::{FieldError, Layout, Section, SignInPage};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(show_sign_in).post(sign_in))
        .route("/sign-out", post(sign_out))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

/// Only paths on this site may be returned to after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

fn sign_in_page(
    ctx: &Ctx,
    next: String,
    username: String,
    errors: Vec<FieldError>,
    signed_out: bool,
) -> SignInPage {
    let title = if errors.is_empty() { "Sign in" } else { "Error: Sign in" };
    SignInPage {
        layout: Layout::new(title, ctx, Section::None),
        next,
        username,
        errors,
        signed_out,
    }
}

async fn show_sign_in(ctx: Ctx, Query(query): Query<SignInQuery>) -> Result<Response, AppError> {
    let next = safe_next(query.next.as_deref());
    if ctx.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = sign_in_page(&ctx, next, String::new(), Vec::new(), query.signed_out.is_some());
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let next = safe_next(Some(&form.next));
    let username = form.username.trim().to_lowercase();
    let mut errors = Vec::new();
    if username.is_empty() {
        errors.push(FieldError { field: "username", message: "Enter your username".to_string() });
    }
    if form.password.is_empty() {
        errors.push(FieldError { field: "password", message: "Enter your password".to_string() });
    }
    if !errors.is_empty() {
        let page = sign_in_page(&ctx, next, username, errors, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }

    let now = state.now();
    let config = &state.config;
    let window = config.login_window.as_secs() as i64;
    let user_key = state.keys.throttle_key("user", &username);
    let address_key = state.keys.throttle_key("addr", &address);
    let user_failures = state.store.count_login_failures(&user_key, now - window).await?;
    let address_failures = state.store.count_login_failures(&address_key, now - window).await?;
    if user_failures >= i64::from(config.login_max_failures_per_user)
        || address_failures >= i64::from(config.login_max_failures_per_address)
    {
        state.store.record_event(now, None, "sign_in_throttled", &user_key).await?;
        let minutes = (window + 59) / 60;
        let errors = vec![FieldError {
            field: "username",
            message: format!(
                "You have tried to sign in too many times. Wait {minutes} minutes and try again"
            ),
        }];
        let page = sign_in_page(&ctx, next, username, errors, false);
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response());
    }

    let user = state.store.user_by_username(&username).await?;
    let password = form.password;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            // Spend the same time as a real check, so timing does not reveal unknown usernames.
            verify_password(&password, &decoy_hash());
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check: {e}")))?;

    let user = match user {
        Some(user) if password_ok && !user.disabled => user,
        _ => {
            let forget_before = now - window;
            state.store.record_login_failure(&user_key, now, forget_before).await?;
            state.store.record_login_failure(&address_key, now, forget_before).await?;
            let subject = user
                .as_ref()
                .map_or_else(|| "unknown_user".to_string(), |u| format!("user:{}", u.id));
            state.store.record_event(now, None, "sign_in_refused", &subject).await?;
            let errors = vec![FieldError {
                field: "username",
                message: "Enter a correct username and password".to_string(),
            }];
            let page = sign_in_page(&ctx, next, username, errors, false);
            return Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response());
        }
    };

    state.store.clear_login_failures(&user_key).await?;
    let token = random_token(32);
    let expires_at = now + config.session_idle.as_secs().min(config.session_max.as_secs()) as i64;
    state.store.create_session(&token_hash(&token), user.id(), now, expires_at).await?;
    state.store.record_event(now, Some(user.id()), "sign_in", &format!("user:{}", user.id)).await?;

    let mut headers = HeaderMap::new();
    let max_age = config.session_max.as_secs() as i64;
    headers.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, max_age, config.secure_cookies),
    );
    headers.append(header::SET_COOKIE, set_cookie(ANON_COOKIE, "", 0, config.secure_cookies));
    Ok((headers, Redirect::to(&next)).into_response())
}

async fn sign_out(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(hash) = &ctx.session_hash {
        state.store.delete_session(hash).await?;
        let actor = ctx.user.as_ref().map(|u| u.id);
        let subject = actor.map_or_else(String::new, |id| format!("user:{id}"));
        state.store.record_event(state.now(), actor, "sign_out", &subject).await?;
    }
    let mut headers = HeaderMap::new();
    headers
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies));
    Ok((headers, Redirect::to("/sign-in?signed_out=1")).into_response())
}

/// The client's IP address when the server was started with connection info (`safer serve`
/// is); "unknown" otherwise (tests that call the router directly).
pub(crate) struct ClientAddress(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(ClientAddress(address.unwrap_or_else(|| "unknown".to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/plans/x")), "/plans/x");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
