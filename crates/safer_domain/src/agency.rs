//! Agencies: the bodies that make up a partnership.
//!
//! Section 5 of the Crime and Disorder Act 1998 names the *responsible authorities* that must
//! form a Community Safety Partnership in England: the district or unitary council, the county
//! council in two-tier areas, the chief officer of police, the fire and rescue authority, the
//! probation service and the integrated care board. Other bodies (housing providers, the
//! voluntary sector, business improvement districts, schools) take part by invitation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of body an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// A district, borough or unitary council (responsible authority).
    LocalAuthority,
    /// A county council in a two-tier area (responsible authority).
    CountyCouncil,
    /// A police force (responsible authority).
    Police,
    /// A fire and rescue authority (responsible authority).
    FireAndRescue,
    /// The probation service (responsible authority).
    Probation,
    /// An integrated care board, formerly a clinical commissioning group (responsible authority).
    IntegratedCareBoard,
    /// A registered provider of social housing.
    Housing,
    /// A voluntary or community sector organisation, such as a domestic abuse service.
    Voluntary,
    /// A school, college or other education provider.
    Education,
    /// A business body, such as a business improvement district.
    Business,
    /// The office of a police and crime commissioner.
    PoliceAndCrimeCommissioner,
    /// Any other partner.
    Other,
}

impl AgencyKind {
    /// Every kind, responsible authorities first.
    pub const ALL: [AgencyKind; 12] = [
        AgencyKind::LocalAuthority,
        AgencyKind::CountyCouncil,
        AgencyKind::Police,
        AgencyKind::FireAndRescue,
        AgencyKind::Probation,
        AgencyKind::IntegratedCareBoard,
        AgencyKind::Housing,
        AgencyKind::Voluntary,
        AgencyKind::Education,
        AgencyKind::Business,
        AgencyKind::PoliceAndCrimeCommissioner,
        AgencyKind::Other,
    ];

    /// True for the responsible authorities of section 5 of the Crime and Disorder Act 1998.
    pub fn is_responsible_authority(self) -> bool {
        matches!(
            self,
            AgencyKind::LocalAuthority
                | AgencyKind::CountyCouncil
                | AgencyKind::Police
                | AgencyKind::FireAndRescue
                | AgencyKind::Probation
                | AgencyKind::IntegratedCareBoard
        )
    }

    /// The stable identifier used in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::LocalAuthority => "local_authority",
            AgencyKind::CountyCouncil => "county_council",
            AgencyKind::Police => "police",
            AgencyKind::FireAndRescue => "fire_and_rescue",
            AgencyKind::Probation => "probation",
            AgencyKind::IntegratedCareBoard => "integrated_care_board",
            AgencyKind::Housing => "housing",
            AgencyKind::Voluntary => "voluntary",
            AgencyKind::Education => "education",
            AgencyKind::Business => "business",
            AgencyKind::PoliceAndCrimeCommissioner => "police_and_crime_commissioner",
            AgencyKind::Other => "other",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::LocalAuthority => "Local authority",
            AgencyKind::CountyCouncil => "County council",
            AgencyKind::Police => "Police",
            AgencyKind::FireAndRescue => "Fire and rescue",
            AgencyKind::Probation => "Probation",
            AgencyKind::IntegratedCareBoard => "Integrated care board",
            AgencyKind::Housing => "Housing provider",
            AgencyKind::Voluntary => "Voluntary sector",
            AgencyKind::Education => "Education",
            AgencyKind::Business => "Business",
            AgencyKind::PoliceAndCrimeCommissioner => "Police and crime commissioner",
            AgencyKind::Other => "Other",
        }
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when an agency kind is not one of [`AgencyKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agency kind `{0}`; expected one of local_authority, county_council, police, fire_and_rescue, probation, integrated_care_board, housing, voluntary, education, business, police_and_crime_commissioner, other")]
pub struct UnknownAgencyKind(pub String);

impl FromStr for AgencyKind {
    type Err = UnknownAgencyKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalised = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        AgencyKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == normalised)
            .ok_or_else(|| UnknownAgencyKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::AgencyKind;

    #[test]
    fn six_responsible_authorities() {
        let n = AgencyKind::ALL.iter().filter(|k| k.is_responsible_authority()).count();
        assert_eq!(n, 6);
        for kind in AgencyKind::ALL {
            assert_eq!(kind.as_str().parse::<AgencyKind>(), Ok(kind));
        }
    }
}
