//! Who may see and change a case: the need-to-know rule every case query applies.
//!
//! Case data is personal data shared between agencies, so access is the narrowest that lets
//! the work happen (UK GDPR art. 5(1)(c), data minimisation; Crime and Disorder Act 1998 s.115
//! gives the power to share, not a duty to share everything with everyone):
//!
//! 1. **Role.** Only coordinators, practitioners and panel chairs work cases
//!    ([`Role::works_cases`]). Analysts and committee members see aggregates; administrators
//!    manage accounts. None of them sees case data through their role, whatever their agency.
//! 2. **Agency.** A case is visible to its owning agency and to each agency it has been shared
//!    with, for a stated purpose and legal basis, until the share is revoked.
//! 3. **Restricted cases.** Domestic abuse (MARAC) and contextual safeguarding cases are
//!    restricted: on top of 2, the user must be on the case team. Being in the right agency is
//!    not enough to read about a victim of domestic abuse or a child at risk.
//! 4. **Sharing** is decided by the owning agency: only its case workers may share a case or
//!    revoke a share.
//!
//! The storage layer turns [`CaseAccess`] into SQL predicates for lists and checks it for
//! single cases; a case the viewer may not see is reported as not found, so its existence
//! does not leak either.

use crate::ids::{AgencyId, UserId};
use crate::Role;

/// The person asking, as far as case access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// Their account.
    pub user: UserId,
    /// The agency they work for.
    pub agency: AgencyId,
    /// Their roles in the partnership the case belongs to.
    pub roles: Vec<Role>,
}

impl Viewer {
    /// Whether any of their roles works cases.
    pub fn works_cases(&self) -> bool {
        self.roles.iter().any(|r| r.works_cases())
    }
}

/// What the access rule needs to know about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    /// The agency that owns the case.
    pub owner: AgencyId,
    /// Agencies the case is shared with now (revoked shares excluded).
    pub shared_with: Vec<AgencyId>,
    /// Whether the case is restricted to its team.
    pub restricted: bool,
    /// The case team (users named on the case).
    pub team: Vec<UserId>,
}

impl CaseAccess {
    /// Whether `viewer` may read the case.
    pub fn can_read(&self, viewer: &Viewer) -> bool {
        if !viewer.works_cases() {
            return false;
        }
        let agency_ok = self.owner == viewer.agency || self.shared_with.contains(&viewer.agency);
        agency_ok && (!self.restricted || self.team.contains(&viewer.user))
    }

    /// Whether `viewer` may add to the case (incidents, notes, tasks, actions). The same as
    /// reading: a partner working a shared case records its own work on it.
    pub fn can_write(&self, viewer: &Viewer) -> bool {
        self.can_read(viewer)
    }

    /// Whether `viewer` may share the case with another agency, revoke a share, change the
    /// team, close it or erase it: the owning agency's case workers who may read it.
    pub fn can_manage(&self, viewer: &Viewer) -> bool {
        self.can_read(viewer) && viewer.agency == self.owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(user: i64, agency: i64, roles: &[Role]) -> Viewer {
        Viewer { user: UserId(user), agency: AgencyId(agency), roles: roles.to_vec() }
    }

    fn case(restricted: bool) -> CaseAccess {
        CaseAccess {
            owner: AgencyId(1),
            shared_with: vec![AgencyId(2)],
            restricted,
            team: vec![UserId(10)],
        }
    }

    #[test]
    fn only_case_working_roles_read_cases() {
        for role in Role::ALL {
            let v = viewer(10, 1, &[role]);
            assert_eq!(case(false).can_read(&v), role.works_cases(), "{role}");
        }
        assert!(!case(false).can_read(&viewer(10, 1, &[])));
        assert!(!case(false).can_read(&viewer(10, 1, &[Role::Administrator, Role::Analyst])));
    }

    #[test]
    fn owning_and_shared_agencies_read_others_do_not() {
        let c = case(false);
        assert!(c.can_read(&viewer(11, 1, &[Role::Practitioner])));
        assert!(c.can_read(&viewer(12, 2, &[Role::Practitioner])));
        assert!(!c.can_read(&viewer(13, 3, &[Role::Coordinator, Role::PanelChair])));
    }

    #[test]
    fn restricted_cases_need_the_team_as_well_as_the_agency() {
        let c = case(true);
        assert!(c.can_read(&viewer(10, 1, &[Role::Practitioner])));
        assert!(!c.can_read(&viewer(11, 1, &[Role::Coordinator])), "same agency, not on team");
        let mut elsewhere = c.clone();
        elsewhere.team.push(UserId(20));
        assert!(!elsewhere.can_read(&viewer(20, 3, &[Role::Practitioner])), "team but no share");
    }

    #[test]
    fn only_the_owning_agency_manages() {
        let c = case(false);
        assert!(c.can_manage(&viewer(11, 1, &[Role::Coordinator])));
        assert!(c.can_write(&viewer(12, 2, &[Role::Practitioner])));
        assert!(!c.can_manage(&viewer(12, 2, &[Role::Coordinator])));
    }
}
