//! `GET /healthz`: is this instance up and can it reach its database?

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::{AppState, VERSION};

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    database: DatabaseHealth,
}

#[derive(Serialize)]
struct DatabaseHealth {
    backend: &'static str,
    status: &'static str,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let reachable = state.store.ping().await.is_ok();
    let health = Health {
        status: if reachable { "ok" } else { "error" },
        version: VERSION,
        database: DatabaseHealth {
            backend: state.store.backend().as_str(),
            status: if reachable { "ok" } else { "unreachable" },
        },
    };
    let status = if reachable { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, [("cache-control", "no-store")], Json(health))
}
