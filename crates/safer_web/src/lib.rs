//! Safer's web application.
//!
//! [`app`] builds the whole axum [`Router`] from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket. Handlers are thin: extract, authorise, one call to
//! the store, a view struct, a compiled askama template. This crate is the only one that knows
//! about HTTP and HTML.
//!
//! Sessions live in the database (see the `session` module), so any number of web instances can serve
//! one partnership. Every state-changing request must carry the CSRF token of its session or,
//! before sign-in, of its anonymous cookie; the check runs in middleware, so a new form cannot
//! forget it.
#![deny(missing_docs)]

mod account;
mod assessments;
mod assets;
mod auth;
mod cases;
mod error;
mod form;
mod format;
mod health;
mod indicators;
mod marac;
mod online_surveys;
mod panels;
mod plans;
mod powers;
mod public;
mod records;
mod session;
mod trigger;
mod viewer;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use safer_domain::casework::config::CaseworkRules;
use safer_storage::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use assessments::{AssessFuture, Assessor, BuildStep, BuiltAssessment, Progress};
pub use error::AppError;
pub use public::PublicConfig;
pub use session::Keys;
pub use trigger::{decision_letter, outcome_letter};

/// Settings the web application needs, already validated by the caller.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (required when served over HTTPS, which production must be).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_max: Duration,
    /// Failed sign-ins allowed per username within `login_window` before sign-in is refused.
    pub login_max_failures_per_user: u32,
    /// Failed sign-ins allowed per client address within `login_window`.
    pub login_max_failures_per_address: u32,
    /// The throttling window.
    pub login_window: Duration,
    /// The partnership's casework rules (risk questions, repeat victims, dated CPN and penalty
    /// rules); Safer's defaults unless configured.
    pub casework: Arc<CaseworkRules>,
    /// The public front door (reports, the Community Trigger, the dashboard, surveys, Open311);
    /// off unless set.
    pub public: Option<Arc<PublicConfig>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_idle: Duration::from_secs(2 * 60 * 60),
            session_max: Duration::from_secs(12 * 60 * 60),
            login_max_failures_per_user: 5,
            login_max_failures_per_address: 20,
            login_window: Duration::from_secs(15 * 60),
            casework: Arc::new(CaseworkRules::default()),
            public: None,
        }
    }
}

/// A source of the current time in unix seconds; tests replace it to move time on.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The current time from the system clock, in unix seconds.
pub fn system_clock() -> Clock {
    Arc::new(|| time::OffsetDateTime::now_utc().unix_timestamp())
}

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// Keys shared by every instance (they live in the database).
    pub keys: Arc<Keys>,
    /// The clock.
    pub clock: Clock,
    /// Builds strategic assessments for analysts; without one, the web app only serves the
    /// stored reports.
    pub assessor: Option<Arc<dyn Assessor>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .field("assessor", &self.assessor.is_some())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Builds the state, loading (or creating, on first start) the shared keys from the store.
    pub async fn new(
        store: Store,
        config: WebConfig,
        clock: Clock,
    ) -> Result<AppState, safer_storage::StoreError> {
        let keys = Keys::load(&store, clock()).await?;
        Ok(AppState {
            store,
            config: Arc::new(config),
            keys: Arc::new(keys),
            clock,
            assessor: None,
        })
    }

    /// The state with an assessor, so analysts can build assessments from the web app.
    pub fn with_assessor(mut self, assessor: Arc<dyn Assessor>) -> AppState {
        self.assessor = Some(assessor);
        self
    }

    pub(crate) fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// The version shown on `/healthz` and in the footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest request body accepted. Forms are small; documents (later) get their own limit.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    let mut router = Router::new()
        .route("/", get(plans::home))
        .merge(auth::router())
        .merge(plans::router())
        .merge(assessments::router())
        .merge(account::router())
        .merge(cases::router())
        .merge(records::router())
        .merge(powers::router())
        .merge(marac::router())
        .merge(panels::router())
        .merge(trigger::router())
        .merge(online_surveys::router())
        .merge(public::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::session_layer))
        .merge(health::router())
        .merge(public::open_router())
        .merge(assets::router())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(TraceLayer::new_for_http().make_span_with(error::request_span));
    for (name, value) in security_headers {
        router = router
            .layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    router.with_state(state)
}
