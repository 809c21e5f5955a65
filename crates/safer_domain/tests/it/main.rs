//! Domain integration tests.

/// The shipped "Is it ASB?" rules send every row of the plan's table where the table says.
mod asb_triage;
/// Casework rules (powers, Community Trigger, ASB risk, DASH and MARAC) through the public API.
mod casework;
/// The shipped Maidstone plan, counted and compared against the seed document it encodes.
mod shipped_plan;
