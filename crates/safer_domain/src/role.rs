//! Roles a user holds in a partnership. Roles grant capabilities; which agency a user belongs to
//! decides whose data they may see.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role a user holds within one partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Builds the strategic assessment: imports and analyses evidence.
    Analyst,
    /// Community safety officer: runs the plan, action plans, ASB cases and case reviews.
    Coordinator,
    /// Partner practitioner (police, council, health, housing, probation, youth services):
    /// works cases shared with their agency.
    Practitioner,
    /// Chairs a panel such as the CSVG, DCSM or MARAC: sets agendas and records decisions.
    PanelChair,
    /// Executive group or scrutiny committee member: reads performance packs, no case data.
    CommitteeMember,
    /// Manages users, agencies and configuration. Grants no access to case data by itself.
    Administrator,
}

impl Role {
    /// Every role, in the order they are listed to people.
    pub const ALL: [Role; 6] = [
        Role::Analyst,
        Role::Coordinator,
        Role::Practitioner,
        Role::PanelChair,
        Role::CommitteeMember,
        Role::Administrator,
    ];

    /// The stable identifier used in the database, on the command line and in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Coordinator => "coordinator",
            Role::Practitioner => "practitioner",
            Role::PanelChair => "panel_chair",
            Role::CommitteeMember => "committee_member",
            Role::Administrator => "administrator",
        }
    }

    /// Whether the role works multi-agency cases (coordinator, practitioner, panel chair).
    /// Analysts and committee members see aggregates only; administrators manage accounts and
    /// get no case data by their role (see [`crate::access`]).
    pub fn works_cases(self) -> bool {
        matches!(self, Role::Coordinator | Role::Practitioner | Role::PanelChair)
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Analyst => "Analyst",
            Role::Coordinator => "Coordinator",
            Role::Practitioner => "Practitioner",
            Role::PanelChair => "Panel chair",
            Role::CommitteeMember => "Committee member",
            Role::Administrator => "Administrator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a role name is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; expected one of analyst, coordinator, practitioner, panel_chair, committee_member, administrator")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalised = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == normalised)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn round_trips() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("Panel chair".parse::<Role>(), Ok(Role::PanelChair));
        assert_eq!("committee-member".parse::<Role>(), Ok(Role::CommitteeMember));
        assert!("chief".parse::<Role>().is_err());
    }
}
