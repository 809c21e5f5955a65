//! Retention review: `/cases/retention` lists the closed cases of the user's agency whose
//! keep-until date has passed, and `/cases/{id}/erase` asks before erasing one.
//!
//! The store decides (`Store::cases_past_retention`, `Store::erase_case`): only the owning
//! agency's case workers erase, only a closed case past its retention date, and every list and
//! erasure is audited. A case the user may not read is 404 here as everywhere; a case they may
//! read but not erase is 403 with the reason, and no button.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use safer_domain::access::Viewer;
use safer_domain::ids::CaseId;
use safer_storage::StoreError;
use serde::Deserialize;

use super::{case_viewer_in, home_viewer, parse_id, show_date, today_iso};
use crate::error::render;
use crate::session::SignedIn;
use crate::views::{Layout, Section};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/retention", get(list_past_retention))
        .route("/cases/{id}/erase", get(show_erase_case).post(erase_case))
}

/// Why a case that can be read cannot be erased (the store's words).
const NOT_DUE: &str = "only a closed case past its retention date can be erased";
const NOT_OWNER: &str = "only the owning agency erases a case";

/// A closed case past its retention date, as listed.
#[derive(Debug, Clone)]
pub(crate) struct RetentionRow {
    pub(crate) href: String,
    pub(crate) erase_href: String,
    pub(crate) reference: String,
    pub(crate) case_type: &'static str,
    pub(crate) closed: String,
    pub(crate) kept_until: String,
}

/// `GET /cases/retention`.
#[derive(Template)]
#[template(path = "cases_retention.html")]
pub(crate) struct RetentionPage {
    pub(crate) layout: Layout,
    pub(crate) cases: Vec<RetentionRow>,
    /// The reference of the case just erased, for the success banner.
    pub(crate) erased: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RetentionQuery {
    #[serde(default)]
    erased: String,
}

/// Whether `text` looks like a case reference (`ASB-000012`), so nothing else is echoed back.
fn is_reference(text: &str) -> bool {
    match text.split_once('-') {
        Some((prefix, number)) => {
            !prefix.is_empty()
                && prefix.len() <= 8
                && prefix.bytes().all(|b| b.is_ascii_uppercase())
                && !number.is_empty()
                && number.len() <= 12
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

async fn list_past_retention(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<RetentionQuery>,
) -> Result<Response, AppError> {
    let (partnership, viewer) = home_viewer(&signed_in.user)?;
    let now = state.now();
    let cases =
        state.store.cases_past_retention(&viewer, partnership, &today_iso(now), now).await?;
    let page = RetentionPage {
        layout: Layout::new("Cases past retention", &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases"),
        cases: cases
            .into_iter()
            .map(|c| RetentionRow {
                href: format!("/cases/{}", c.id.0),
                erase_href: format!("/cases/{}/erase", c.id.0),
                reference: c.reference,
                case_type: c.case_type.label(),
                closed: c.closed_on.as_deref().map(show_date).unwrap_or_default(),
                kept_until: c.retain_until_on.as_deref().map(show_date).unwrap_or_default(),
            })
            .collect(),
        erased: is_reference(&query.erased).then_some(query.erased),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /cases/{id}/erase`, and its refusal.
#[derive(Template)]
#[template(path = "case_erase.html")]
pub(crate) struct EraseCasePage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) erase_href: String,
    pub(crate) reference: String,
    pub(crate) closed: String,
    pub(crate) kept_until: String,
    /// Why the case cannot be erased; no button then.
    pub(crate) refusal: Option<String>,
}

/// The confirmation page for a case the viewer may read (404 otherwise), with `refusal` if it
/// cannot be erased; 403 then.
async fn erase_page(
    state: &AppState,
    signed_in: &SignedIn,
    viewer: &Viewer,
    case: CaseId,
    refusal: Option<String>,
) -> Result<Response, AppError> {
    let now = state.now();
    let detail = state.store.case_detail(viewer, case, now).await?;
    let summary = detail.case;
    let refusal = refusal.or_else(|| {
        let past = summary.status == "closed"
            && summary
                .retain_until_on
                .as_deref()
                .is_some_and(|until| until < today_iso(now).as_str());
        if !detail.access.can_manage(viewer) {
            Some(NOT_OWNER.to_string())
        } else if !past {
            Some(NOT_DUE.to_string())
        } else {
            None
        }
    });
    let title = match refusal {
        Some(_) => format!("Error: Erase {}", summary.reference),
        None => format!("Erase {}", summary.reference),
    };
    let status = if refusal.is_some() { StatusCode::FORBIDDEN } else { StatusCode::OK };
    let page = EraseCasePage {
        layout: Layout::new(title, &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb("Cases past retention", "/cases/retention"),
        case_href: format!("/cases/{}", case.0),
        erase_href: format!("/cases/{}/erase", case.0),
        reference: summary.reference,
        closed: summary.closed_on.as_deref().map(show_date).unwrap_or_default(),
        kept_until: summary.retain_until_on.as_deref().map(show_date).unwrap_or_default(),
        refusal,
    };
    Ok((status, render(&page)?).into_response())
}

async fn show_erase_case(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let case = CaseId(parse_id(&id)?);
    let (_, viewer) = case_viewer_in(&state, &signed_in.user, case).await?;
    erase_page(&state, &signed_in, &viewer, case, None).await
}

async fn erase_case(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let case = CaseId(parse_id(&id)?);
    let (_, viewer) = case_viewer_in(&state, &signed_in.user, case).await?;
    let now = state.now();
    // The reference for the banner, read (and audited) before the case is gone; 404 if the
    // viewer may not read it.
    let reference = state.store.case_detail(&viewer, case, now).await?.case.reference;
    match state.store.erase_case(&viewer, case, &today_iso(now), now).await {
        Ok(()) => Ok(Redirect::to(&format!("/cases/retention?erased={reference}")).into_response()),
        Err(StoreError::Forbidden(message)) => {
            erase_page(&state, &signed_in, &viewer, case, Some(message.to_string())).await
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_references_are_echoed_in_the_banner() {
        assert!(is_reference("ASB-000012"));
        assert!(is_reference("DA-1"));
        assert!(!is_reference("asb-000012"));
        assert!(!is_reference("<b>-1"));
        assert!(!is_reference("ASB-"));
        assert!(!is_reference(""));
    }
}
