//! Errors a handler can return, and how each becomes a response.
//!
//! Client errors (4xx) get a page that says what to do. Server errors get a generic page; the
//! cause is logged once, here, by id only — never with personal data or request bodies.

use askama::Template;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use safer_storage::StoreError;

use crate::views::{ErrorPage, Layout};

/// An error a handler returns.
#[derive(Debug)]
pub enum AppError {
    /// The page does not exist (or the user may not know it exists).
    NotFound,
    /// The user must sign in first; carries the path to return to.
    SignInRequired(String),
    /// The user is signed in but may not do this.
    Forbidden,
    /// The form's CSRF token was missing or wrong, or the request came from another site.
    CsrfRejected,
    /// Something failed on our side; the message is logged, never shown.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(format!("template: {err}"))
    }
}

pub(crate) fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(template.render()?))
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let page =
        ErrorPage { layout: Layout::bare(title), title: title.to_string(), body: body.to_string() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title.to_string()).into_response(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.",
            ),
            AppError::SignInRequired(next) => {
                Redirect::to(&format!("/sign-in?next={}", crate::views::url_encode(&next))).into_response()
            }
            AppError::Forbidden => page(
                StatusCode::FORBIDDEN,
                "You do not have access to this page",
                "Ask your partnership's administrator if you think you should.",
            ),
            AppError::CsrfRejected => page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "Go back, reload the page and try again. Forms only work from this service's own pages.",
            ),
            AppError::Internal(message) => {
                tracing::error!(error.message = %message, "request failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service",
                    "Try again later. Nothing you entered has been shared.",
                )
            }
        }
    }
}

/// The fallback for unknown paths.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}

/// The tracing span for a request: method and route template only, never the full URL, so no
/// identifier or query string reaches the logs.
pub(crate) fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("request", http.method = %request.method(), http.route = route)
}
