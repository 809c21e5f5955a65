//! Casework: the signed-in user's tasks, the case list, opening a case, the case page with its
//! timeline and forms, the retention review (`retention.rs`), and the same operations as a JSON
//! API under `/api/v1/`.
//!
//! Access is decided by the store (`safer_storage::casework`, the rule in
//! `safer_domain::access`); these handlers only build the [`Viewer`] and decide which forms to
//! offer. Users whose roles do not work cases get 404 on every route here, as does a case the
//! user may not read (exactly as a missing one). A form the user can see the case for but not
//! use (sharing a case another agency owns) is answered 403 with the case page and the reason
//! in an error summary. No name or other personal data goes into a URL or a log: paths carry
//! case, task, subject and agency ids only, and a subject's details are always POSTed.

mod api;
pub(crate) use api::ApiUser;
/// The JSON API of DASH checklists and MARAC referrals.
mod api_dash;
/// JSON bodies checked by the web forms' own code.
mod api_fields;
/// The JSON API of enforcement powers.
mod api_powers;
/// The JSON API of case records: documents, risk, location assessment, problem solving.
mod api_records;
/// The JSON API of ASB case reviews (the Community Trigger).
mod api_trigger;
mod forms;
mod pages;
mod retention;

use axum::Router;

use crate::format::{parse_id, show_date, today_iso, when};
use crate::viewer::{case_viewer_in, home_viewer};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    pages::router()
        .merge(retention::router())
        .merge(api::router())
        .merge(api_powers::router())
        .merge(api_dash::router())
        .merge(api_trigger::router())
        .merge(api_records::router())
}

/// The date `years` after `iso` (`YYYY-MM-DD`); 29 February becomes 28 February in a year
/// that has none.
fn add_years(iso: &str, years: u32) -> String {
    let year: i32 = iso.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    let rest = iso.get(4..).unwrap_or("-01-01");
    let target = year + years as i32;
    let candidate = format!("{target:04}{rest}");
    if safer_domain::case::is_iso_date(&candidate) {
        candidate
    } else {
        format!("{target:04}-02-28")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_and_moved_on_by_years() {
        assert_eq!(today_iso(0), "1970-01-01");
        assert_eq!(today_iso(1_700_000_000), "2023-11-14");
        assert_eq!(show_date("1990-05-04"), "4 May 1990");
        assert_eq!(add_years("2026-10-01", 6), "2032-10-01");
        assert_eq!(add_years("2024-02-29", 6), "2030-02-28");
        assert_eq!(add_years("2024-02-29", 4), "2028-02-29");
    }

    #[test]
    fn ids_are_positive_numbers() {
        assert_eq!(parse_id("42").unwrap(), 42);
        assert!(parse_id("0").is_err());
        assert!(parse_id("-1").is_err());
        assert!(parse_id("+1").is_err());
        assert!(parse_id("1e3").is_err());
    }
}
