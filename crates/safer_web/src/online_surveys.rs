//! The staff page for the surveys residents answer online (`/online-surveys`): each published
//! wave with its responses and invitation codes so far, its responses as the CSV that
//! `safer survey analyse` and `safer survey import` read, and, for coordinators, closing a wave
//! early. Analysts and coordinators of the partnership see it; everyone else gets 404.
//! Publishing a wave stays on the command line (`safer survey publish`), where the invitation
//! codes are printed once.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use safer_domain::ids::PartnershipId;
use safer_domain::survey::parse_definition;
use safer_domain::Role;

use crate::error::render;
use crate::format::{parse_id, when};
use crate::session::{CurrentUser, SignedIn};
use crate::viewer::partnership_where;
use crate::views::{Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/online-surveys", get(list))
        .route("/online-surveys/{id}/responses.csv", get(responses_csv))
        .route("/online-surveys/{id}/close", get(confirm_close).post(close))
}

/// The partnership where the user is an analyst or a coordinator, and whether they coordinate
/// there; not found for everyone else, so the routes are not revealed.
fn staff_partnership(user: &CurrentUser) -> Result<(PartnershipId, bool), AppError> {
    let runs_surveys =
        |roles: &[Role]| roles.iter().any(|r| matches!(r, Role::Analyst | Role::Coordinator));
    partnership_where(user, runs_surveys)
        .map(|(partnership, viewer)| (partnership, viewer.roles.contains(&Role::Coordinator)))
}

/// One wave as the page lists it.
#[derive(Debug, Clone)]
struct WaveRow {
    id: i64,
    title: String,
    wave: String,
    status: &'static str,
    status_class: &'static str,
    closes: String,
    responses: i64,
    codes: String,
    can_close: bool,
}

#[derive(Template)]
#[template(path = "online_surveys.html")]
struct OnlineSurveysPage {
    layout: Layout,
    waves: Vec<WaveRow>,
}

/// `GET /online-surveys`.
async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response, AppError> {
    let (partnership, coordinates) = staff_partnership(&signed_in.user)?;
    let now = state.now();
    let waves = state
        .store
        .online_survey_summaries(partnership)
        .await?
        .into_iter()
        .map(|summary| {
            let survey = &summary.survey;
            let (status, status_class) = if survey.is_open(now) {
                ("Open", "app-tag--green")
            } else if survey.opens_at > now {
                ("Not open yet", "app-tag--blue")
            } else {
                ("Closed", "app-tag--grey")
            };
            WaveRow {
                id: survey.id,
                title: survey.title.clone(),
                wave: survey.wave.clone(),
                status,
                status_class,
                closes: survey.closes_at.map_or_else(|| "Not set".to_string(), when),
                responses: summary.responses,
                codes: if survey.codes_required {
                    format!("{} of {} used", summary.codes_used, summary.codes_issued)
                } else {
                    "Not needed".to_string()
                },
                can_close: coordinates && survey.closes_at.is_none_or(|closes| closes > now),
            }
        })
        .collect();
    let page = OnlineSurveysPage {
        layout: Layout::new("Online surveys", &signed_in.ctx, Section::Surveys),
        waves,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /online-surveys/{id}/responses.csv`: the wave's responses so far, one row each,
/// anonymous (answers only: no address, code or time).
async fn responses_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (partnership, _) = staff_partnership(&signed_in.user)?;
    let id = parse_id(&id)?;
    let survey = state.store.online_survey(partnership, id).await?.ok_or(AppError::NotFound)?;
    let definition = parse_definition(&survey.definition).map_err(|_| {
        AppError::Internal(format!("the stored definition of online survey {id} does not read"))
    })?;
    let responses = state.store.online_survey_responses(survey.id).await?;
    let csv = definition.responses_csv(responses.iter().map(|r| &r.answers));
    let disposition =
        format!("attachment; filename=\"{}.csv\"", file_stem(&survey.survey, &survey.wave));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

/// A download's file name without its extension: the survey id and the wave label, with
/// anything but ASCII letters, digits, dots, hyphens and underscores made a hyphen (a wave
/// label may hold spaces or quotes).
fn file_stem(survey: &str, wave: &str) -> String {
    format!("{survey}-{wave}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' })
        .collect()
}

#[derive(Template)]
#[template(path = "online_survey_close.html")]
struct ClosePage {
    layout: Layout,
    id: i64,
    title: String,
    wave: String,
    responses: i64,
}

/// `GET /online-surveys/{id}/close`: asks a coordinator to confirm closing a wave.
async fn confirm_close(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (partnership, coordinates) = staff_partnership(&signed_in.user)?;
    if !coordinates {
        return Err(AppError::NotFound);
    }
    let id = parse_id(&id)?;
    let summary = state
        .store
        .online_survey_summaries(partnership)
        .await?
        .into_iter()
        .find(|summary| summary.survey.id == id)
        .ok_or(AppError::NotFound)?;
    let (survey, responses) = (summary.survey, summary.responses);
    let page = ClosePage {
        layout: Layout::new("Close the survey", &signed_in.ctx, Section::Surveys)
            .crumb("Online surveys", "/online-surveys"),
        id: survey.id,
        title: survey.title,
        wave: survey.wave,
        responses,
    };
    Ok(render(&page)?.into_response())
}

/// `POST /online-surveys/{id}/close`: a coordinator closes a wave now.
async fn close(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (partnership, coordinates) = staff_partnership(&signed_in.user)?;
    if !coordinates {
        return Err(AppError::NotFound);
    }
    let id = parse_id(&id)?;
    state.store.close_online_survey(partnership, id, state.now()).await?;
    Ok(Redirect::to("/online-surveys").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_stem("youth-2021", "2026-online"), "youth-2021-2026-online");
        assert_eq!(file_stem("public-2021", "Spring \"26\" / é"), "public-2021-Spring--26-----");
    }
}
