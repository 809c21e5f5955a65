//! The public front door: pages for residents, with no sign-in.
//!
//! Everything here is under `/public` (and the Open311 interface under `/open311`), so a
//! partnership can put these paths behind its own web address and keep the staff pages
//! elsewhere. The front door is off (every public path is 404) unless the server is configured
//! with a [`PublicConfig`]: which partnership it serves, which agency receives reports, and the
//! "Is it ASB?" rules.
//!
//! Rules every public page keeps:
//! - works without JavaScript, one question per page for journeys, GOV.UK patterns;
//! - no personal data in URLs: references and private status links carry random tokens only;
//! - forms carry the anonymous CSRF token and a honeypot field, and their bodies are limited;
//! - nothing a resident sends is echoed in an error, a log line or a cache.

pub(crate) mod dashboard;
pub(crate) mod open311;
pub(crate) mod report;
pub(crate) mod surveys;
pub(crate) mod trigger;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use safer_domain::triage::TriageRules;
use safer_storage::{Agency, FrontDoorActor, Partnership, StoredPlan};

use crate::error::render;
use crate::session::Ctx;
use crate::{AppError, AppState, VERSION};

/// How the public front door is set up, already validated by the caller.
#[derive(Debug, Clone)]
pub struct PublicConfig {
    /// The slug of the partnership the front door serves.
    pub partnership: String,
    /// The code of the agency that receives residents' reports and Community Trigger
    /// applications (usually the council's ASB team).
    pub agency: String,
    /// The "Is it ASB?" rules.
    pub triage: Arc<TriageRules>,
    /// Reports, applications and survey responses accepted from one client address per hour.
    pub submissions_per_address_per_hour: u32,
}

/// The partnership and agency behind the front door, looked up per request (web instances keep
/// no state).
#[derive(Debug, Clone)]
pub(crate) struct FrontDoor {
    pub(crate) config: Arc<PublicConfig>,
    pub(crate) partnership: Partnership,
    pub(crate) agency: Agency,
}

impl FrontDoor {
    /// The front door, or 404 when it is not configured (or names what does not exist).
    pub(crate) async fn of(state: &AppState) -> Result<FrontDoor, AppError> {
        let Some(config) = state.config.public.clone() else {
            return Err(AppError::NotFound);
        };
        let partnership = state
            .store
            .partnership_by_slug(&config.partnership)
            .await?
            .ok_or(AppError::NotFound)?;
        let agency = state.store.agency_by_code(&config.agency).await?.ok_or(AppError::NotFound)?;
        Ok(FrontDoor { config, partnership, agency })
    }

    /// The partnership's plan: its adopted plan that ends last, else its latest draft.
    pub(crate) async fn plan(&self, state: &AppState) -> Result<Option<StoredPlan>, AppError> {
        let mut summaries: Vec<_> = state
            .store
            .list_plans()
            .await?
            .into_iter()
            .filter(|plan| plan.partnership_name == self.partnership.name)
            .collect();
        summaries.sort_by_key(|plan| (plan.status == "adopted", plan.ends, plan.id));
        for summary in summaries.iter().rev() {
            if let Some(plan) = state.store.plan_by_slug(&summary.slug).await? {
                if plan.partnership_id == self.partnership.id() {
                    return Ok(Some(plan));
                }
            }
        }
        Ok(None)
    }

    /// The account the front door writes as (created on first use).
    pub(crate) async fn actor(
        &self,
        state: &AppState,
        now: i64,
    ) -> Result<FrontDoorActor, AppError> {
        Ok(state
            .store
            .front_door_actor(self.partnership.id(), self.agency.id, &self.agency.code, now)
            .await?)
    }
}

/// The answers a journey's pages have collected so far, as posted back in hidden fields: each
/// of the journey's `names` that was given, trimmed, empty ones left out, and cut one
/// character past its limit so that the check can still say it is too long.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    names: &'static [&'static str],
    values: HashMap<String, String>,
}

impl Posted {
    pub(crate) fn from_form(
        form: &HashMap<String, String>,
        names: &'static [&'static str],
        limit: impl Fn(&str) -> usize,
    ) -> Posted {
        let mut values = HashMap::new();
        for name in names {
            if let Some(value) = form.get(*name) {
                let value: String = value.trim().chars().take(limit(name) + 1).collect();
                if !value.is_empty() {
                    values.insert(name.to_string(), value);
                }
            }
        }
        Posted { names, values }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The answer, or "".
    pub(crate) fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    pub(crate) fn set(&mut self, name: &str, value: String) {
        self.values.insert(name.to_string(), value);
    }

    /// The hidden fields for a page whose own (visible) fields are `own`.
    pub(crate) fn hidden_except(&self, own: &[&str]) -> Vec<(String, String)> {
        self.names
            .iter()
            .filter(|name| !own.contains(name))
            .filter_map(|name| self.get(name).map(|v| (name.to_string(), v.to_string())))
            .collect()
    }
}

/// A row of a journey's check page: an answer and the page that asks it (none for answers
/// that cannot be changed there).
pub(crate) struct CheckRow {
    pub(crate) key: &'static str,
    pub(crate) value: String,
    pub(crate) step: &'static str,
}

/// "Check your answers" for a journey whose pages post to `action` and whose final form posts
/// to `{action}/send`; the heading is the layout's title.
#[derive(askama::Template)]
#[template(path = "public/check.html")]
pub(crate) struct CheckPage {
    pub(crate) layout: PublicLayout,
    pub(crate) action: &'static str,
    /// What is sent, such as "report" ("Send report").
    pub(crate) noun: &'static str,
    pub(crate) rows: Vec<CheckRow>,
    pub(crate) hidden: Vec<(String, String)>,
    /// A new one-time submission key.
    pub(crate) submission: String,
}

/// What a final "send" must pass before anything is stored.
pub(crate) enum Gate<'a> {
    /// Go on, with the submission's one-time key.
    Pass(&'a str),
    /// The key is missing or malformed: show the check page again (it makes a new one).
    Recheck,
    /// Answer this instead: thanks to a bot that filled the honeypot (nothing kept), or 429.
    Stop(Response),
}

/// Checks a send form: a well-formed one-time submission key, an empty honeypot, then the
/// per-address rate limit (counted only for submissions that pass the first two).
pub(crate) async fn gate<'a>(
    state: &AppState,
    door: &FrontDoor,
    ctx: &Ctx,
    address: &str,
    form: &'a HashMap<String, String>,
    section: PublicSection,
) -> Result<Gate<'a>, AppError> {
    let submission = form.get("submission").map(String::as_str).unwrap_or_default();
    if !(16..=64).contains(&submission.len())
        || !submission.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Ok(Gate::Recheck);
    }
    if form.get(HONEYPOT_FIELD).is_some_and(|v| !v.is_empty()) {
        let page = ThanksPage { layout: PublicLayout::new("Thank you", door, ctx, section) };
        return Ok(Gate::Stop(render(&page)?.into_response()));
    }
    if let Some(refused) = admit(state, door, address, ctx).await? {
        return Ok(Gate::Stop(refused));
    }
    Ok(Gate::Pass(submission))
}

/// The full address of a private status page, to show the resident so they can keep it.
pub(crate) fn private_link(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}{path}")
}

/// A page that must not be kept by any cache: a receipt or a private status page.
pub(crate) fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Counts a submission (a report, an application, a survey response) from `address` and
/// answers `Some(429 page)` when the address has sent more than the configured number this
/// hour. The counter is keyed by an HMAC of the address, never the address.
pub(crate) async fn admit(
    state: &AppState,
    door: &FrontDoor,
    address: &str,
    ctx: &Ctx,
) -> Result<Option<Response>, AppError> {
    let now = state.now();
    let key = state.keys.throttle_key("public", address);
    let window = now - now.rem_euclid(3600);
    let limit = door.config.submissions_per_address_per_hour;
    if state.store.admit_submission(&key, window, limit).await? {
        return Ok(None);
    }
    let page = TooManyPage {
        layout: PublicLayout::new("Too many reports", door, ctx, PublicSection::Start),
        minutes: (window + 3600 - now + 59) / 60,
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response();
    if let Ok(value) = HeaderValue::from_str(&(window + 3600 - now).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(Some(response))
}

#[derive(askama::Template)]
#[template(path = "public/too_many.html")]
struct TooManyPage {
    layout: PublicLayout,
    minutes: i64,
}

/// What a bot that filled the honeypot field is shown: thanks, and nothing kept.
#[derive(askama::Template)]
#[template(path = "public/thanks.html")]
pub(crate) struct ThanksPage {
    pub(crate) layout: PublicLayout,
}

/// Which part of the front door a page belongs to, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublicSection {
    Start,
    Report,
    Trigger,
    Dashboard,
    Surveys,
}

/// A link in the public navigation.
#[derive(Debug, Clone)]
pub(crate) struct PublicNavItem {
    pub(crate) label: &'static str,
    pub(crate) href: &'static str,
    pub(crate) active: bool,
}

/// What every public page's frame needs (`templates/public/base.html`).
#[derive(Debug, Clone)]
pub(crate) struct PublicLayout {
    pub(crate) title: String,
    pub(crate) partnership_name: String,
    pub(crate) csrf_token: String,
    pub(crate) nav: Vec<PublicNavItem>,
    pub(crate) version: &'static str,
}

impl PublicLayout {
    pub(crate) fn new(
        title: impl Into<String>,
        door: &FrontDoor,
        ctx: &Ctx,
        section: PublicSection,
    ) -> PublicLayout {
        PublicLayout::with_token(title, door, ctx.csrf_token.clone(), section)
    }

    /// The frame of a page served outside the session layer (no cookie, no form), so shared
    /// caches may keep it: the dashboard.
    pub(crate) fn cacheable(
        title: impl Into<String>,
        door: &FrontDoor,
        section: PublicSection,
    ) -> PublicLayout {
        PublicLayout::with_token(title, door, String::new(), section)
    }

    fn with_token(
        title: impl Into<String>,
        door: &FrontDoor,
        csrf_token: String,
        section: PublicSection,
    ) -> PublicLayout {
        let items = [
            ("Report a problem", "/public/report", PublicSection::Report),
            ("Community Trigger", "/public/community-trigger", PublicSection::Trigger),
            ("Community safety in numbers", "/public/dashboard", PublicSection::Dashboard),
            ("Have your say", "/public/surveys", PublicSection::Surveys),
        ];
        PublicLayout {
            title: title.into(),
            partnership_name: door.partnership.name.clone(),
            csrf_token,
            nav: items
                .into_iter()
                .map(|(label, href, item)| PublicNavItem { label, href, active: item == section })
                .collect(),
            version: VERSION,
        }
    }
}

/// The name of the honeypot field every public form carries: hidden from people (and from
/// assistive technology), filled in only by bots. A submission with it filled is thanked and
/// dropped.
pub(crate) const HONEYPOT_FIELD: &str = "website";

/// The public pages with forms: inside the session layer, which gives visitors the anonymous
/// cookie their CSRF tokens are bound to.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/public", get(start))
        .merge(report::router())
        .merge(trigger::router())
        .merge(surveys::router())
        .merge(dashboard::staff_router())
}

/// The public routes outside the session layer: no cookie is set and no session is looked up,
/// so responses can be cached (the dashboard) or called by machines (Open311).
pub(crate) fn open_router() -> Router<AppState> {
    Router::new().merge(dashboard::router()).merge(open311::router()).merge(report::open_router())
}

#[derive(askama::Template)]
#[template(path = "public/start.html")]
struct StartPage {
    layout: PublicLayout,
}

/// `/public`: what residents can do here.
async fn start(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let page = StartPage {
        layout: PublicLayout::new("Community safety", &door, &ctx, PublicSection::Start),
    };
    Ok(render(&page)?.into_response())
}
