//! Domain integration tests.

/// The shipped Maidstone plan, counted and compared against the seed document it encodes.
mod shipped_plan;
