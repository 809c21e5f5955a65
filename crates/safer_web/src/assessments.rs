//! Strategic assessments: the list of generated reports, one page per report, and the report
//! itself with the JSON of its figures.
//!
//! Reports are built by `safer assess` (and by the demo) and stored whole; these pages only
//! serve them. They are for signed-in users of any role: a report holds aggregate figures, no
//! personal data, but it may be a draft for the partnership's own use. The report is served as
//! its own document under a Content-Security-Policy that allows no script and no request to
//! any host, so the stored HTML can do nothing but display.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use safer_storage::StoredAssessment;

use crate::error::render;
use crate::session::SignedIn;
use crate::views::{AssessmentPage, AssessmentRow, AssessmentsPage, Layout, Section};
use crate::{AppError, AppState};

/// The policy the stored report is served under: inline styles and `data:` images (its SVG is
/// inline), nothing else: no script, no font, no fetch, no form, no frame.
const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                             form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/assessments", get(list_assessments))
        .route("/assessments/{id}", get(show_assessment))
        .route("/assessments/{id}/report", get(show_report))
        .route("/assessments/{id}/report.html", get(download_report))
        .route("/assessments/{id}/figures.json", get(download_figures))
}

/// A unix time as the pages show it: "27 November 2026 at 22:05 UTC".
fn when(unix_seconds: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(at) => format!(
            "{} {} {} at {:02}:{:02} UTC",
            at.day(),
            at.month(),
            at.year(),
            at.hour(),
            at.minute()
        ),
        Err(_) => "an unknown date".to_string(),
    }
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
    };
    Ok(render(&page)?.into_response())
}

/// The stored assessment `id` names; anything but a positive number is not found, before the
/// database is asked.
async fn load(state: &AppState, id: &str) -> Result<StoredAssessment, AppError> {
    let number = match id.parse::<i64>() {
        Ok(number) if number > 0 && id.bytes().all(|b| b.is_ascii_digit()) => number,
        _ => return Err(AppError::NotFound),
    };
    state.store.assessment(number).await?.ok_or(AppError::NotFound)
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
