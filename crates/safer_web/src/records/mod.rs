//! Records kept on a case, each on its own page linked from the case page:
//!
//! - `/cases/{id}/documents`: the case's documents and the upload form; `/cases/{id}/documents/{doc}`
//!   serves one back as an attachment ([`documents`]);
//! - `/cases/{id}/risk`: the ASB victim risk assessment, its result, reviews and history, and
//!   the repeat-victim flag ([`risk`]);
//! - `/cases/{id}/location-assessment`: the Neighbourhood Assessment Triangle ([`location`]);
//! - `/cases/{id}/problem-solving`: OSARA records and their assessment step, counted from the
//!   stored police.uk rows ([`problem`]).
//!
//! Access is the store's (`safer_storage::records`, `safer_storage::casework`): these handlers
//! build the [`Viewer`] from the session and the case's partnership, and a case the viewer may
//! not read is "Page not found", exactly like a missing one. Forms work without JavaScript and
//! come back with a GOV.UK error summary. Paths carry case, document and record ids only.

mod documents;
mod location;
mod multipart;
mod problem;
mod risk;

pub(crate) use location::check as check_location_assessment;
pub(crate) use problem::check as check_problem_solving;
pub(crate) use risk::check_risk;

use axum::Router;
use safer_domain::access::Viewer;
use safer_domain::ids::CaseId;
use safer_storage::CaseDetail;

use crate::form::FormState;
use crate::format::{capitalise, iso, parse_id, show_date, show_month, today, when};
use crate::session::SignedIn;
use crate::viewer::case_viewer;
use crate::views::{FieldError, Layout, Section};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(documents::router())
        .merge(risk::router())
        .merge(location::router())
        .merge(problem::router())
}

/// A case id from a path, or "not found".
fn case_id(text: &str) -> Result<CaseId, AppError> {
    parse_id(text).map(CaseId)
}

/// A case as every records page needs it: the viewer, the case's details (read and audited by
/// the store, which refuses cases the viewer may not read) and whether forms are offered.
struct LoadedCase {
    id: CaseId,
    viewer: Viewer,
    detail: CaseDetail,
}

impl LoadedCase {
    async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        id: &str,
    ) -> Result<LoadedCase, AppError> {
        let case = case_id(id)?;
        let viewer = case_viewer(state, &signed_in.user, case).await?;
        let detail = state.store.case_detail(&viewer, case, state.now()).await?;
        Ok(LoadedCase { id: case, viewer, detail })
    }

    /// Whether the viewer may add records: an open case they may write to.
    fn can_write(&self) -> bool {
        self.detail.case.status == "open" && self.detail.access.can_write(&self.viewer)
    }

    fn href(&self) -> String {
        format!("/cases/{}", self.id.0)
    }

    /// The page frame: "Cases › ASB-000001" breadcrumbs, "Error: " before the title when the
    /// form failed.
    fn layout(&self, signed_in: &SignedIn, title: &str, form: &FormState) -> Layout {
        let title = if form.errors.is_empty() {
            format!("{title}: {}", self.detail.case.reference)
        } else {
            format!("Error: {title}: {}", self.detail.case.reference)
        };
        Layout::new(title, &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb(self.detail.case.reference.clone(), self.href())
    }

    /// The error for a form posted to a case that is closed or read-only for the viewer.
    fn write_refused(&self) -> Option<FieldError> {
        write_refusal(&self.detail, &self.viewer)
            .map(|message| FieldError { field: "main-content", message: message.to_string() })
    }
}

/// Why `viewer` may not add records to the case, if they may not: it is closed, or read-only
/// for them. The forms and the JSON API refuse alike.
pub(crate) fn write_refusal(detail: &CaseDetail, viewer: &Viewer) -> Option<&'static str> {
    let open = detail.case.status == "open";
    (!(open && detail.access.can_write(viewer))).then_some(if open {
        "You cannot add records to this case"
    } else {
        "This case is closed: records cannot be added"
    })
}

/// The trimmed value of a posted field, or "" when absent.
fn field<'a>(values: &'a [(String, String)], name: &str) -> &'a str {
    values.iter().find(|(f, _)| f == name).map_or("", |(_, v)| v.trim())
}

/// Required free text of at most `max_chars` characters.
fn required_text(
    values: &[(String, String)],
    name: &'static str,
    what: &str,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let text = field(values, name);
    if text.is_empty() {
        errors.push(FieldError { field: name, message: format!("Enter {what}") });
    } else if text.chars().count() > max_chars {
        errors.push(FieldError {
            field: name,
            message: format!("{} must be {max_chars} characters or fewer", capitalise(what)),
        });
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_months_are_shown_in_words() {
        assert_eq!(show_date("2026-05-04"), "4 May 2026");
        assert_eq!(show_month("2025-12"), "December 2025");
        assert_eq!(show_month("2025-13"), "2025-13");
        assert_eq!(iso(today(1_700_000_000)), "2023-11-14");
        assert_eq!(when(1_700_000_000), "14 November 2023 at 22:13 UTC");
    }

    #[test]
    fn ids_are_positive_numbers() {
        assert_eq!(parse_id("42").unwrap(), 42);
        assert!(parse_id("0").is_err());
        assert!(parse_id("+1").is_err());
        assert!(parse_id("1e3").is_err());
    }
}
