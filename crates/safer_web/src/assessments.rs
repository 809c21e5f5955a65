//! Strategic assessments: the list of generated reports, one page per report, the report
//! itself with the JSON of its figures, and, for analysts, building one from the web app.
//!
//! Reports are built by `safer assess`, by the demo, or here, and stored whole; the pages serve
//! them. They are for signed-in users of any role: a report holds aggregate figures, no
//! personal data, but it may be a draft for the partnership's own use. The report is served as
//! its own document under a Content-Security-Policy that allows no script and no request to
//! any host, so the stored HTML can do nothing but display.
//!
//! Building is the analyst's job, so only users with the Analyst role see the buttons and may use
//! the routes (everyone else gets "not found", which does not reveal them). This crate does not
//! know how to build a report: it asks an [`Assessor`] (the binary installs one; without it the
//! routes answer "not found"). A build is a job: it is recorded in the database, run on its own
//! task, and reports each step as it goes, so the job page (which any instance can serve)
//! shows progress, with a "Check progress" button until the build is done or has failed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_domain::Role;
use safer_storage::{JobStatus, NewAssessment, Store, StoredAssessment};
use serde::Deserialize;

use crate::error::render;
use crate::format::{parse_id, typed_month, when};
use crate::session::SignedIn;
use crate::views::{
    AssessmentPage, AssessmentRow, AssessmentsPage, FieldError, JobPage, Layout, NewAssessmentPage,
    Section, SelectOption,
};
use crate::{AppError, AppState};

/// One step of a build, as an [`Assessor`] reports it: the step now running and how many of
/// `total` are finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStep {
    /// What the build is doing, such as "Finding hot spots".
    pub name: String,
    /// Steps finished before this one.
    pub done: u32,
    /// Steps in all.
    pub total: u32,
}

/// The callback an [`Assessor`] reports its steps to.
pub type Progress = Box<dyn Fn(BuildStep) + Send + Sync>;

/// What [`Assessor::assess`] returns: the built report or a message fit for the page.
pub type AssessFuture = Pin<Box<dyn Future<Output = Result<BuiltAssessment, String>> + Send>>;

/// A built assessment, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltAssessment {
    /// The report's title.
    pub title: String,
    /// The self-contained HTML document.
    pub html: String,
    /// The figures as JSON.
    pub figures_json: String,
    /// The settings it was built from, resolved so that they build again from anywhere.
    pub settings: String,
}

/// Builds strategic assessments. The web app defines this port; the binary implements it with
/// `safer assess`'s own code, so this crate never depends on the command line.
pub trait Assessor: Send + Sync {
    /// Builds the assessment the settings (TOML, as docs/assessment.md describes) ask for,
    /// reporting each step to `progress`. Errors are sentences for the page: assessments hold
    /// no personal data, and neither do their settings.
    fn assess(&self, settings: String, progress: Progress) -> AssessFuture;
}

/// The policy the stored report is served under: inline styles and `data:` images (its SVG is
/// inline), nothing else: no script, no font, no fetch, no form, no frame.
const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                             form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/assessments", get(list_assessments))
        .route("/assessments/new", get(show_new_assessment).post(create_assessment))
        .route("/assessments/jobs/{id}", get(show_job))
        .route("/assessments/{id}", get(show_assessment))
        .route("/assessments/{id}/regenerate", post(regenerate_assessment))
        .route("/assessments/{id}/report", get(show_report))
        .route("/assessments/{id}/report.html", get(download_report))
        .route("/assessments/{id}/figures.json", get(download_figures))
}

async fn list_assessments(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let assessments = state
        .store
        .list_assessments()
        .await?
        .into_iter()
        .map(|a| AssessmentRow {
            href: format!("/assessments/{}", a.id),
            title: a.title,
            created: when(a.created_at),
        })
        .collect();
    let page = AssessmentsPage {
        layout: Layout::new("Strategic assessments", &signed_in.ctx, Section::Assessments),
        assessments,
        can_generate: can_generate(&state, &signed_in),
    };
    Ok(render(&page)?.into_response())
}

/// The stored assessment `id` names; anything but a positive number is not found, before the
/// database is asked.
async fn load(state: &AppState, id: &str) -> Result<StoredAssessment, AppError> {
    state.store.assessment(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

async fn show_assessment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessment = load(&state, &id).await?;
    let base = format!("/assessments/{}", assessment.id);
    let page = AssessmentPage {
        layout: Layout::new(assessment.title.clone(), &signed_in.ctx, Section::Assessments)
            .crumb("Strategic assessments", "/assessments"),
        title: assessment.title,
        created: when(assessment.created_at),
        report_href: format!("{base}/report"),
        html_href: format!("{base}/report.html"),
        html_file: format!("assessment-{}.html", assessment.id),
        json_href: format!("{base}/figures.json"),
        json_file: format!("assessment-{}-figures.json", assessment.id),
        html_kb: assessment.html.len().div_ceil(1024),
        json_kb: assessment.figures_json.len().div_ceil(1024),
        regenerate_href: (assessment.settings.is_some() && can_generate(&state, &signed_in))
            .then(|| format!("{base}/regenerate")),
        new_from_href: format!("/assessments/new?from={}", assessment.id),
    };
    Ok(render(&page)?.into_response())
}

/// The report as its own document, under [`REPORT_POLICY`].
async fn show_report(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessment = load(&state, &id).await?;
    Ok(report_response(assessment.html, None))
}

/// The report as a file to keep.
async fn download_report(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessment = load(&state, &id).await?;
    let file = format!("assessment-{}.html", assessment.id);
    Ok(report_response(assessment.html, Some(&file)))
}

fn report_response(html: String, attachment: Option<&str>) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(REPORT_POLICY)),
        ],
        html,
    )
        .into_response();
    if let Some(file) = attachment {
        set_attachment(&mut response, file);
    }
    response
}

/// Names the file a download is saved as; `file` is built from the id alone.
fn set_attachment(response: &mut Response, file: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
}

/// The JSON of every figure in the report, with the commands that reproduce them.
async fn download_figures(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessment = load(&state, &id).await?;
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        assessment.figures_json,
    )
        .into_response();
    set_attachment(&mut response, &format!("assessment-{}-figures.json", assessment.id));
    Ok(response)
}

/// Whether this user may build assessments here: an analyst, on an instance with an assessor.
fn can_generate(state: &AppState, signed_in: &SignedIn) -> bool {
    state.assessor.is_some() && signed_in.user.roles.contains(&Role::Analyst)
}

/// The assessor, for an analyst; "not found" for anyone else, so the routes are not revealed.
fn assessor_for(state: &AppState, signed_in: &SignedIn) -> Result<Arc<dyn Assessor>, AppError> {
    match &state.assessor {
        Some(assessor) if signed_in.user.roles.contains(&Role::Analyst) => Ok(assessor.clone()),
        _ => Err(AppError::NotFound),
    }
}

/// `POST /assessments/{id}/regenerate`: the same settings, today's data.
async fn regenerate_assessment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessor = assessor_for(&state, &signed_in)?;
    let assessment = load(&state, &id).await?;
    let settings = assessment.settings.ok_or(AppError::NotFound)?;
    let job = start_job(&state, assessor, &signed_in, settings).await?;
    Ok(Redirect::to(&format!("/assessments/jobs/{job}")).into_response())
}

/// Records a job and builds it on its own task; returns the job's id.
async fn start_job(
    state: &AppState,
    assessor: Arc<dyn Assessor>,
    signed_in: &SignedIn,
    settings: String,
) -> Result<i64, AppError> {
    let job = state.store.create_assessment_job(signed_in.user.id, &settings, state.now()).await?;
    tokio::spawn(run_job(state.store.clone(), state.clock.clone(), assessor, job, settings));
    Ok(job)
}

/// Builds job `job`, writing each step to the database as it is reported (in order, on one
/// writer task), then stores the assessment and marks the job done, or records the failure.
/// Failures are logged here, once, by job id: this task has no request to report them.
async fn run_job(
    store: Store,
    clock: crate::Clock,
    assessor: Arc<dyn Assessor>,
    job: i64,
    settings: String,
) {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<BuildStep>();
    let writer = {
        let (store, clock) = (store.clone(), clock.clone());
        tokio::spawn(async move {
            while let Some(step) = receiver.recv().await {
                let (done, total) = (i64::from(step.done), i64::from(step.total));
                if let Err(err) =
                    store.update_assessment_job(job, &step.name, done, total, clock()).await
                {
                    tracing::warn!(job.id = job, error.message = %err, "cannot record progress");
                }
            }
        })
    };
    let progress: Progress = Box::new(move |step| {
        let _ = sender.send(step);
    });
    // The build runs on its own task, so a panic in it is an error here, not a lost job.
    let outcome = match tokio::spawn(assessor.assess(settings, progress)).await {
        Ok(outcome) => outcome,
        Err(err) => Err(format!("the build stopped unexpectedly ({err})")),
    };
    // The progress callback went with the build, so the writer ends once it has written all.
    let _ = writer.await;
    let result = match outcome {
        Ok(built) => {
            let assessment = NewAssessment {
                title: &built.title,
                html: &built.html,
                figures_json: &built.figures_json,
                settings: Some(&built.settings),
            };
            store.finish_assessment_job(job, &assessment, clock()).await.map(|_| ())
        }
        Err(message) => {
            // Settings and reports hold no personal data, so neither does the message.
            tracing::warn!(job.id = job, error.message = %message, "assessment build failed");
            store.fail_assessment_job(job, &message, clock()).await
        }
    };
    if let Err(err) = result {
        tracing::error!(job.id = job, error.message = %err, "cannot record the assessment job");
    }
}

/// `GET /assessments/jobs/{id}`: where the build is, with a "Check progress" button until it
/// ends.
async fn show_job(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    assessor_for(&state, &signed_in)?;
    let job = state.store.assessment_job(parse_id(&id)?, state.now()).await?;
    let job = job.ok_or(AppError::NotFound)?;
    let title = toml_title(&job.settings).unwrap_or_else(|| "Strategic assessment".to_string());
    let (heading, status) = match job.status {
        JobStatus::Queued => ("Building the assessment", "Waiting to start"),
        JobStatus::Running => ("Building the assessment", "Building"),
        JobStatus::Done => ("The assessment is ready", "Done"),
        JobStatus::Failed => ("The assessment could not be built", "Failed"),
    };
    let running = matches!(job.status, JobStatus::Queued | JobStatus::Running);
    let page = JobPage {
        layout: Layout::new(heading, &signed_in.ctx, Section::Assessments)
            .crumb("Strategic assessments", "/assessments"),
        heading,
        title,
        status,
        check_href: running.then(|| format!("/assessments/jobs/{}", job.id)),
        step: if running { job.step } else { None },
        steps_done: job.steps_done,
        steps_total: job.steps_total,
        started: when(job.created_at),
        assessment_href: match (job.status, job.assessment_id) {
            (JobStatus::Done, Some(id)) => Some(format!("/assessments/{id}")),
            _ => None,
        },
        replaced: job.status == JobStatus::Done && job.assessment_id.is_none(),
        error: if job.status == JobStatus::Failed { job.error } else { None },
    };
    Ok(render(&page)?.into_response())
}

/// The `title` of settings text, if it has one.
fn toml_title(settings: &str) -> Option<String> {
    let table: toml::Table = settings.parse().ok()?;
    table.get("title")?.as_str().map(str::to_string)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewAssessmentQuery {
    from: Option<String>,
}

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewAssessmentForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    base: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    peers: String,
    #[serde(default)]
    from: String,
}

/// The settings a new assessment may start from: stored assessments that keep theirs.
async fn start_from_options(
    state: &AppState,
    selected: &str,
) -> Result<Vec<SelectOption>, AppError> {
    let mut options = vec![SelectOption {
        value: String::new(),
        label: "Nothing: this page's settings only".to_string(),
        selected: selected.is_empty(),
    }];
    for assessment in state.store.list_rebuildable_assessments().await? {
        let value = assessment.id.to_string();
        options.push(SelectOption {
            selected: value == selected,
            label: format!("{} ({})", assessment.title, when(assessment.created_at)),
            value,
        });
    }
    Ok(options)
}

async fn new_assessment_page(
    state: &AppState,
    signed_in: &SignedIn,
    form: NewAssessmentForm,
    errors: Vec<FieldError>,
) -> Result<NewAssessmentPage, AppError> {
    let title = if errors.is_empty() { "New assessment" } else { "Error: New assessment" };
    Ok(NewAssessmentPage {
        layout: Layout::new(title, &signed_in.ctx, Section::Assessments)
            .crumb("Strategic assessments", "/assessments"),
        start_from: start_from_options(state, &form.from).await?,
        title: form.title,
        area: form.area,
        base: form.base,
        current: form.current,
        peers: form.peers,
        errors,
    })
}

/// `GET /assessments/new`, optionally filled in from a stored assessment's settings.
async fn show_new_assessment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NewAssessmentQuery>,
) -> Result<Response, AppError> {
    assessor_for(&state, &signed_in)?;
    let mut form = NewAssessmentForm::default();
    if let Some(from) = query.from.as_deref().filter(|f| !f.is_empty()) {
        let stored = load(&state, from).await?;
        let settings = stored.settings.ok_or(AppError::NotFound)?;
        let table: toml::Table = settings.parse().map_err(|_| AppError::NotFound)?;
        let text = |key: &str| table.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        form = NewAssessmentForm {
            title: text("title").to_string(),
            area: text("area").to_string(),
            base: text("base").to_string(),
            current: text("current").to_string(),
            peers: table
                .get("peers")
                .and_then(|v| v.as_array())
                .map(|peers| peers.iter().filter_map(|p| p.as_str()).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default(),
            from: stored.id.to_string(),
        };
    }
    let page = new_assessment_page(&state, &signed_in, form, Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

/// `POST /assessments/new`: checks the form, then starts the job.
async fn create_assessment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<NewAssessmentForm>,
) -> Result<Response, AppError> {
    let assessor = assessor_for(&state, &signed_in)?;
    let mut errors = check_form(&form);
    let mut start = toml::Table::new();
    if !form.from.is_empty() {
        let stored = match parse_id(&form.from) {
            Ok(id) => state.store.assessment(id).await?,
            Err(_) => None,
        };
        match stored.and_then(|s| s.settings).and_then(|s| s.parse::<toml::Table>().ok()) {
            Some(table) => start = table,
            None => errors.push(FieldError {
                field: "from",
                message: "Choose an assessment from the list, or nothing".to_string(),
            }),
        }
    }
    if !errors.is_empty() {
        let page = new_assessment_page(&state, &signed_in, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let settings = settings_text(start, &form);
    let job = start_job(&state, assessor, &signed_in, settings).await?;
    Ok(Redirect::to(&format!("/assessments/jobs/{job}")).into_response())
}

/// The settings: those of the assessment started from (its hot spots, surveys and priorities
/// are kept) with the form's title, area, periods and peers in place of its own.
fn settings_text(mut table: toml::Table, form: &NewAssessmentForm) -> String {
    let text = |value: &str| toml::Value::String(value.trim().to_string());
    table.insert("title".to_string(), text(&form.title));
    table.insert("area".to_string(), text(&form.area));
    table.insert("base".to_string(), text(&form.base));
    table.insert("current".to_string(), text(&form.current));
    let peers: Vec<toml::Value> = peer_lines(&form.peers).map(text).collect();
    if peers.is_empty() {
        table.remove("peers");
    } else {
        table.insert("peers".to_string(), toml::Value::Array(peers));
    }
    table.to_string()
}

fn peer_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty())
}

/// The area selectors an assessment may name; peers need known residents, so not polygons.
const AREA_PREFIXES: [&str; 5] = ["district:", "lad:", "ward:", "lsoa:", "polygon:"];

fn selector_ok(text: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|prefix| text.strip_prefix(prefix).is_some_and(|rest| !rest.trim().is_empty()))
}

/// A period `YYYY-MM..YYYY-MM` as (first, last) month numbers, or the message to show.
fn period(text: &str, name: &str) -> Result<(u32, u32), String> {
    let month = |m: &str| typed_month(m).and_then(|number| u32::try_from(number).ok());
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("Enter the {name} period"));
    }
    let parsed = text.split_once("..").and_then(|(a, b)| Some((month(a)?, month(b)?)));
    match parsed {
        None => Err(format!("Enter the {name} period as two months, such as 2022-01..2022-12")),
        Some((first, last)) if first > last => {
            Err(format!("The {name} period must start before it ends"))
        }
        Some(months) => Ok(months),
    }
}

/// The form's problems, in the order of its fields.
fn check_form(form: &NewAssessmentForm) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut error = |field: &'static str, message: String| {
        errors.push(FieldError { field, message });
    };
    if form.title.trim().is_empty() {
        error("title", "Enter a title".to_string());
    } else if form.title.trim().chars().count() > 200 {
        error("title", "Title must be 200 characters or fewer".to_string());
    }
    let area = form.area.trim();
    if area.is_empty() {
        error("area", "Enter the area".to_string());
    } else if area != "all" && !selector_ok(area, &AREA_PREFIXES) {
        error(
            "area",
            "Enter the area as district:NAME, lad:CODE, ward:CODE, lsoa:CODE, polygon:FILE or all"
                .to_string(),
        );
    } else if let Some(file) = area.strip_prefix("polygon:") {
        // A file in the data directory, named without a path: the form must not become a way
        // to make the server read files elsewhere.
        let plain = !file.contains(['/', '\\']) && !file.starts_with('.');
        if !plain || !file.ends_with(".geojson") {
            error(
                "area",
                "Enter a polygon as polygon:NAME.geojson, a file in Safer's data folder"
                    .to_string(),
            );
        }
    }
    let base = period(&form.base, "base");
    let current = period(&form.current, "current");
    if let Err(message) = &base {
        error("base", message.clone());
    }
    match (&base, current) {
        (_, Err(message)) => error("current", message),
        (Ok((_, base_last)), Ok((current_first, _))) if *base_last >= current_first => {
            error("current", "The current period must start after the base period ends".to_string())
        }
        _ => {}
    }
    if let Some(line) = peer_lines(&form.peers).find(|p| !selector_ok(p, &AREA_PREFIXES[..4])) {
        error(
            "peers",
            format!(
                "Enter each peer area as district:NAME, lad:CODE, ward:CODE or lsoa:CODE; “{}” is not one",
                line.chars().take(60).collect::<String>()
            ),
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::{check_form, period, settings_text, NewAssessmentForm};

    fn form(area: &str, base: &str, current: &str, peers: &str) -> NewAssessmentForm {
        NewAssessmentForm {
            title: "Assessment".to_string(),
            area: area.to_string(),
            base: base.to_string(),
            current: current.to_string(),
            peers: peers.to_string(),
            from: String::new(),
        }
    }

    fn fields(form: &NewAssessmentForm) -> Vec<&'static str> {
        check_form(form).iter().map(|e| e.field).collect()
    }

    #[test]
    fn periods_are_checked_for_syntax_and_order() {
        assert_eq!(period("2021-01..2021-12", "base"), Ok((2021 * 12, 2021 * 12 + 11)));
        assert!(period("2021-13..2021-12", "base").is_err());
        assert!(period("2021-1..2021-12", "base").is_err());
        assert!(period("2021-06..2021-01", "base").unwrap_err().contains("start before"));
        let ok = form("lad:E07000110", "2021-01..2021-12", "2022-01..2022-12", "");
        assert!(fields(&ok).is_empty());
        let overlap = form("lad:E07000110", "2021-01..2022-01", "2022-01..2022-12", "");
        assert_eq!(fields(&overlap), ["current"]);
        assert_eq!(fields(&form("all", "x", "", "")), ["base", "current"]);
    }

    #[test]
    fn area_and_peer_selectors_are_checked() {
        let (base, current) = ("2021-01..2021-12", "2022-01..2022-12");
        for area in ["all", "district:Maidstone", "ward:E05005000", "polygon:town-centre.geojson"] {
            assert!(fields(&form(area, base, current, "")).is_empty(), "{area}");
        }
        for area in [
            "",
            "Maidstone",
            "lad:",
            "county:Kent",
            "polygon:/srv/tc.geojson",
            "polygon:../secrets.geojson",
            "polygon:town.txt",
        ] {
            assert_eq!(fields(&form(area, base, current, "")), ["area"], "{area}");
        }
        assert!(fields(&form("all", base, current, "lad:E1\n\n  ward:E2 \n")).is_empty());
        assert_eq!(fields(&form("all", base, current, "lad:E1\npolygon:x")), ["peers"]);
    }

    #[test]
    fn settings_keep_the_other_sections_and_replace_the_form_keys() {
        let start: toml::Table = "title = \"Old\"\narea = \"all\"\nbase = \"2020-01..2020-12\"\n\
                                  current = \"2021-01..2021-12\"\npeers = [\"lad:X\"]\n\
                                  inputs = [\"/data\"]\n\n[hotspots]\nunits = \"points\"\n"
            .parse()
            .unwrap();
        let form = form(" district:Dale ", "2021-01..2021-12", "2022-01..2022-12", "\n");
        let text = settings_text(start, &NewAssessmentForm { title: "New \"one\"".into(), ..form });
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(table["title"].as_str(), Some("New \"one\""));
        assert_eq!(table["area"].as_str(), Some("district:Dale"));
        assert_eq!(table["current"].as_str(), Some("2022-01..2022-12"));
        assert!(table.get("peers").is_none(), "no peers now: {text}");
        assert_eq!(table["inputs"][0].as_str(), Some("/data"));
        assert_eq!(table["hotspots"]["units"].as_str(), Some("points"));
    }
}
