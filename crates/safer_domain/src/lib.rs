//! The vocabulary of Safer: partnerships, agencies, users and their roles, and the partnership
//! plan as data.
//!
//! This crate is pure. It performs no IO, has no async code and knows nothing about databases
//! or HTTP; every other crate builds on it. Its main items are [`plan::Plan`] (a partnership
//! plan, parsed and validated from the TOML format documented in `docs/plan-format.md`),
//! [`Role`], [`AgencyKind`] and the newtype identifiers in [`ids`]. Geography lives in
//! [`geography`] (LSOA vintages, wards, districts, populations), [`geo`] (polygons) and
//! [`bng`] (the British National Grid projection).
#![deny(missing_docs)]

pub mod access;
pub mod agency;
pub mod bng;
pub mod case;
pub mod casework;
pub mod crime_type;
pub mod digest;
pub mod document;
pub mod geo;
pub mod geography;
pub mod ids;
pub mod indicator;
pub mod month;
pub mod password;
pub mod plan;
pub mod priority_matrix;
pub mod role;
pub mod slug;
pub mod survey;
mod toml_spans;
pub mod triage;
pub mod user;

pub use agency::AgencyKind;
pub use role::Role;
