//! Pure, synchronous statistics over counts: period comparison, significance tests and the
//! plain-English findings a partnership plan quotes. No IO and no async (see ARCHITECTURE.md);
//! callers hand it data and get values back, and nothing here fails: undefined results are
//! NaN or `None`, documented where they can occur.
//!
//! - [`stats`]: the exact conditional test for two Poisson counts
//!   ([`stats::exact_poisson_comparison`]), exact and Byar confidence intervals for a count,
//!   funnel-plot limits, and the special functions behind them ([`stats::special`]).
//! - [`compare`]: a base period against a current period, by crime type
//!   ([`compare::compare`] → [`compare::Comparison`]).
//! - [`findings`]: key-findings bullets from a comparison, which never call a change that the
//!   test cannot tell from noise a rise or a fall ([`findings::key_findings`]).
//! - [`spatial`]: which area a point is in ([`spatial::AreaIndex`]: an R-tree of polygon
//!   bounding boxes, then the exact half-open point-in-polygon test).
//! - [`kde`]: quartic kernel density in the ArcGIS convention ([`kde::quartic_kde`]) and
//!   ArcGIS's default search radius ([`kde::arcgis_default_bandwidth`]).
//! - [`concentration`]: Gini, generalised Gini, top-5 % share, units for half the crime and
//!   the Lorenz curve, against a seeded random baseline ([`concentration::concentration`]).
//! - [`stability`]: PAI, PPAI and RRI with their formulas, unit PAI and priority places, and
//!   which hotspots stayed, entered or left ([`stability::hotspot_stability`]).
//! - [`peers`]: rates per 1,000 for an area and its peers against a reference, with exact
//!   intervals and funnel positions ([`peers::peer_rates`]).
//! - [`weights`]: spatial weights ([`weights::Weights`]) and their builders (contiguity,
//!   distance band, k nearest) and the GAL format; [`grid`]: square and hexagonal cells on
//!   the British National Grid.
//! - [`hotspot`]: Getis-Ord Gi and Gi*, local and global Moran's I, Benjamini–Hochberg.
//! - [`rag`]: red, amber, green status of plan indicators, red only for a significant change
//!   the wrong way ([`rag::rag`], [`rag::evaluate`]).
//! - [`harm`]: harm weights and weighted counts; [`alcohol`]: licensed-premises density and
//!   cumulative-impact candidates; [`map`]: server-side SVG maps.
//! - [`priority`]: the priority matrix scored from evidence, ranked, and checked for
//!   sensitivity to its weights ([`priority::score_matrix`]).
//!
//! - [`survey`]: resident and youth surveys: Wilson intervals, the pooled two-proportion
//!   z-test and Newcombe intervals, Kish design effects, suppression and top issues
//!   ([`survey::analyse`]; conventions in ANALYTICS.md §6).
//!
//! Methods and reference values are in `shared/docs/ANALYTICS.md` §2.
#![deny(missing_docs)]

pub mod alcohol;
pub mod chart;
pub mod compare;
pub mod concentration;
pub mod findings;
pub mod grid;
pub mod harm;
pub mod hotspot;
pub mod kde;
pub mod map;
pub mod peers;
pub mod priority;
pub mod rag;
pub mod spatial;
pub mod stability;
pub mod stats;
pub mod survey;
pub mod weights;
