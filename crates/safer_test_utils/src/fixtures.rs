//! Data for tests: the shipped Maidstone plan and users with known passwords.

use safer_domain::ids::PartnershipId;
use safer_domain::password::hash_password;
use safer_domain::plan::{parse_plan, Plan};
use safer_domain::{AgencyKind, Role};
use safer_storage::{NewAgency, NewUser, Store, User};

/// The shipped plan file.
pub const MAIDSTONE_PLAN: &str = include_str!("../../../plans/maidstone-2022-25.toml");

/// The shipped "Is it ASB?" rules for Maidstone.
pub const MAIDSTONE_TRIAGE: &str = include_str!("../../../plans/maidstone-asb-triage.toml");

/// The shipped plan, parsed.
pub fn maidstone_plan() -> Plan {
    parse_plan(MAIDSTONE_PLAN).expect("the shipped plan is valid")
}

/// Imports the Maidstone plan for a "Safer Maidstone Partnership" and returns the partnership.
pub async fn import_maidstone(store: &Store) -> PartnershipId {
    let partnership = store
        .upsert_partnership(
            "safer-maidstone-partnership",
            "Safer Maidstone Partnership",
            Some("SMP"),
            0,
        )
        .await
        .expect("partnership");
    store
        .import_plan(partnership.id(), &maidstone_plan(), MAIDSTONE_PLAN, 0)
        .await
        .expect("plan import");
    partnership.id()
}

/// The password every [`add_user`] account has.
pub const PASSWORD: &str = "correct horse battery staple";

/// Adds a user with [`PASSWORD`] and one role, creating their agency if needed.
pub async fn add_user(
    store: &Store,
    partnership: PartnershipId,
    username: &str,
    agency_code: &str,
    role: Role,
) -> User {
    let agency = match store.agency_by_code(agency_code).await.expect("agency lookup") {
        Some(agency) => agency,
        None => store
            .create_agency(
                &NewAgency { code: agency_code, name: agency_code, kind: AgencyKind::Other },
                0,
            )
            .await
            .expect("agency"),
    };
    let hash = hash_password(PASSWORD);
    let user = store
        .create_user(
            &NewUser {
                username,
                display_name: username,
                agency_id: agency.id,
                password_hash: &hash,
            },
            0,
        )
        .await
        .expect("user");
    store.grant_role(user.id(), partnership, role, 0).await.expect("role");
    user
}
