//! Who is asking, as the case store needs to know: the signed-in user as a
//! [`safer_domain::access::Viewer`] with their roles in the right partnership.

use safer_domain::access::Viewer;
use safer_domain::ids::{CaseId, PartnershipId};
use safer_domain::Role;

use crate::session::CurrentUser;
use crate::{AppError, AppState};

/// The first of the user's partnerships (the one they chose to work in comes first, see
/// `session::CurrentUser::memberships`) whose roles pass `fits`, with their viewer there; not
/// found when none does, so the routes of pages they may not use are not revealed.
pub(crate) fn partnership_where(
    user: &CurrentUser,
    fits: impl Fn(&[Role]) -> bool,
) -> Result<(PartnershipId, Viewer), AppError> {
    user.memberships
        .iter()
        .find(|m| fits(&m.roles))
        .map(|m| {
            (
                m.partnership,
                Viewer { user: user.id, agency: user.agency_id, roles: m.roles.clone() },
            )
        })
        .ok_or(AppError::NotFound)
}

/// The partnership whose cases a user works, with their viewer there: the first in which one
/// of their roles works cases, taking the one they chose to work in on their account page
/// first, then the others by name. Users in several such partnerships list and open cases in
/// that one; a case's own pages use the case's partnership ([`case_viewer`]). Not found for
/// users whose roles work no cases, so the routes are not revealed.
pub(crate) fn home_viewer(user: &CurrentUser) -> Result<(PartnershipId, Viewer), AppError> {
    partnership_where(user, |roles| roles.iter().any(|r| r.works_cases()))
}

/// The viewer for one case and the case's partnership: the user's roles in that partnership.
/// Not found for users who work no cases and for cases that do not exist; the store decides
/// the rest.
pub(crate) async fn case_viewer_in(
    state: &AppState,
    user: &CurrentUser,
    case: CaseId,
) -> Result<(PartnershipId, Viewer), AppError> {
    home_viewer(user)?;
    let partnership = state.store.case_partnership(case).await?;
    let roles = user
        .memberships
        .iter()
        .find(|m| m.partnership == partnership)
        .map(|m| m.roles.clone())
        .unwrap_or_default();
    Ok((partnership, Viewer { user: user.id, agency: user.agency_id, roles }))
}

/// The viewer for one case (see [`case_viewer_in`]).
pub(crate) async fn case_viewer(
    state: &AppState,
    user: &CurrentUser,
    case: CaseId,
) -> Result<Viewer, AppError> {
    Ok(case_viewer_in(state, user, case).await?.1)
}
