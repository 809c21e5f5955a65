//! Integration tests for `safer_analytics`, through the public API only.

/// The exact test, Poisson intervals and funnel limits against SciPy, computed live. Skipped
/// outside CI when SciPy cannot be imported; under CI a missing SciPy is a failure.
mod scipy_reference;
