//! Small reads the case pages need beside [`crate::casework`]: which partnership a case is in
//! (to pick the viewer's roles), the people a task can be given to or the team can gain,
//! whether it is still open, and when each task was set (for the case timeline).
//!
//! Each read that returns anything about a case first asks [`Store::case_access`], so it is
//! not found for a viewer who may not read the case, exactly as the case itself.

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, UserId};

use crate::{on_pool, Result, Store, StoreError};

/// A case worker of an agency that can see a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePerson {
    /// The user.
    pub user: UserId,
    /// Their name.
    pub display_name: String,
    /// Their agency.
    pub agency: AgencyId,
    /// Its name.
    pub agency_name: String,
    /// Whether they are on the case team.
    pub on_team: bool,
    /// Whether they may read the case now (so may own a task on it). For a restricted case
    /// only the team may.
    pub can_read: bool,
}

impl Store {
    /// The partnership a case belongs to (an id only, so the caller can take the viewer's roles
    /// in that partnership). Not found when there is no such case; this says nothing of the
    /// case itself, and callers must still ask [`Store::case_access`].
    pub async fn case_partnership(&self, case: CaseId) -> Result<PartnershipId> {
        const SQL: &str = "SELECT partnership_id FROM cases WHERE id = $1";
        let row: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(SQL).bind(case.0).fetch_optional(pool).await?);
        row.map(PartnershipId).ok_or(StoreError::NotFound)
    }

    /// The enabled case workers (coordinators, practitioners, panel chairs of the case's
    /// partnership) of the owning agency and of the agencies the case is shared with, by
    /// agency and name. Not found when the viewer may not read the case.
    pub async fn case_people(&self, viewer: &Viewer, case: CaseId) -> Result<Vec<CasePerson>> {
        let access: CaseAccess = self.case_access(viewer, case).await?;
        const SQL: &str = "SELECT DISTINCT u.id, u.display_name, u.agency_id, a.name, \
             CASE WHEN EXISTS (SELECT 1 FROM case_team t WHERE t.case_id = c.id AND t.user_id = u.id) \
             THEN 1 ELSE 0 END AS on_team \
             FROM cases c JOIN memberships m ON m.partnership_id = c.partnership_id \
             JOIN users u ON u.id = m.user_id JOIN agencies a ON a.id = u.agency_id \
             WHERE c.id = $1 AND u.disabled = FALSE \
             AND m.role IN ('coordinator', 'practitioner', 'panel_chair') \
             ORDER BY a.name, u.display_name, u.id";
        let rows: Vec<(i64, String, i64, String, i32)> =
            on_pool!(self, pool => sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(user, display_name, agency, agency_name, on_team)| {
                let agency = AgencyId(agency);
                let on_team = on_team == 1;
                CasePerson {
                    user: UserId(user),
                    display_name,
                    agency,
                    agency_name,
                    on_team,
                    can_read: !access.restricted || on_team,
                }
            })
            .filter(|p| p.agency == access.owner || access.shared_with.contains(&p.agency))
            .collect())
    }

    /// Whether a case is open (closed cases take no more work). Not found when the viewer may
    /// not read the case.
    pub async fn case_is_open(&self, viewer: &Viewer, case: CaseId) -> Result<bool> {
        self.case_access(viewer, case).await?;
        const SQL: &str = "SELECT status FROM cases WHERE id = $1";
        let status: String =
            on_pool!(self, pool => sqlx::query_scalar(SQL).bind(case.0).fetch_one(pool).await?);
        Ok(status == "open")
    }

    /// When each task of a case was set, as `(task id, created_at)`, oldest first. Not found
    /// when the viewer may not read the case.
    pub async fn case_task_times(&self, viewer: &Viewer, case: CaseId) -> Result<Vec<(i64, i64)>> {
        self.case_access(viewer, case).await?;
        const SQL: &str =
            "SELECT id, created_at FROM case_tasks WHERE case_id = $1 ORDER BY created_at, id";
        let rows: Vec<(i64, i64)> =
            on_pool!(self, pool => sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await?);
        Ok(rows)
    }
}
