//! Static assets, embedded in the binary: the service makes no requests to other hosts.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// Our stylesheet: GOV.UK Design System patterns, written for Safer.
pub(crate) const STYLESHEET: &str = include_str!("../assets/safer.css");

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/assets/safer.css", get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
}
