//! Integration tests for `safer_analytics`, through the public API only.

/// The exact test, Poisson intervals and funnel limits against SciPy, computed live. Skipped
/// outside CI when SciPy cannot be imported; under CI a missing SciPy is a failure.
mod scipy_reference;

/// Golden values for concentration (Gini, generalised Gini), the ArcGIS default KDE radius and
/// PAI/RRI from ANALYTICS.md, and the JSON shapes outputs print.
mod concentration;

/// Getis–Ord Gi/Gi* and local/global Moran's I: ANALYTICS.md §2.1–2.2's reference values,
/// permutation properties, and esda computed live (skipped outside CI without esda).
mod hotspot;

/// Survey statistics (Wilson, pooled z, Newcombe, Kish) against statsmodels on seeded random
/// inputs (skipped outside CI without statsmodels).
mod survey_reference;
