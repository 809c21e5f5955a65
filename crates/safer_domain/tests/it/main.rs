//! Domain integration tests.

/// Casework rules (powers, Community Trigger, ASB risk, DASH and MARAC) through the public API.
mod casework;
/// The shipped Maidstone plan, counted and compared against the seed document it encodes.
mod shipped_plan;
