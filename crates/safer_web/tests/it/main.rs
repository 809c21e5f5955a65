//! Web tests: the router driven in process with `oneshot`, no socket, on SQLite and PostgreSQL.

/// Strategic assessments: the list, a report's page, the report under its own policy, figures;
/// analysts building one (form errors, CSRF, who may, a job run to its end) with a fake assessor.
mod assessments;
/// `/healthz`, assets and security headers.
mod basics;
/// CSRF protection on every state-changing request.
mod csrf;
/// The plan pages.
mod plan_pages;
/// Signing in and out, throttling and session expiry.
mod sign_in;
/// `TestApp`: a fresh database, the router, a movable clock and a cookie jar.
mod support;
