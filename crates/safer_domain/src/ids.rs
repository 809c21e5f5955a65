//! Newtype identifiers for stored entities, so a user id can never be passed where an agency id
//! is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// The database id of a partnership (a Community Safety Partnership).
    PartnershipId
);
id_type!(
    /// The database id of an agency (a responsible authority or another partner body).
    AgencyId
);
id_type!(
    /// The database id of a user account.
    UserId
);
id_type!(
    /// The database id of an imported partnership plan.
    PlanId
);
id_type!(
    /// The database id of a case (ASB, vulnerability, contextual safeguarding, domestic abuse).
    CaseId
);
id_type!(
    /// The database id of a case subject (a person, peer group, location or premises).
    SubjectId
);
