//! Web tests: the router driven in process with `oneshot`, no socket, on SQLite and PostgreSQL.

/// The casework JSON API beyond cases: powers, DASH and MARAC referrals, case reviews and
/// records round-tripped; statute refusals as 422; 404, 401, 403 and 415; the OpenAPI document
/// against every `/api/v1` route registered.
mod api_casework;
/// Strategic assessments: the list, a report's page, the report under its own policy, figures;
/// analysts building one (form errors, CSRF, who may, a job run to its end) with a fake assessor.
mod assessments;
/// Every case-data route as every role, a shared and an unrelated agency, and signed out: who
/// gets what, no case data to anyone the need-to-know rule does not allow, CSRF, the audit log;
/// and a guard that every route the routers register is listed.
mod authorisation;
/// `/healthz`, assets and security headers.
mod basics;
/// Casework pages and the JSON API: who reaches each route, form errors, duplicates, the
/// timeline, the OpenAPI document.
mod cases;
/// CSRF protection on every state-changing request.
mod csrf;
/// DASH checklists and MARAC: form errors, the referral and its document, panels, meetings,
/// minutes, actions, attendance, the printable agenda, JSON, access and CSRF.
mod marac;
/// The plan pages.
mod plan_pages;
/// Enforcement powers: the forms, statute refusals in the error summary, clocks on the case,
/// `/due` and their JSON, 404 for an unrelated agency on every route, CSRF.
mod powers;
/// The public dashboard: exact counts for the borough and a ward from imported police.uk rows,
/// the 12-month comparison, caching (ETag, 304, no cookie), 404 with the front door off; the
/// coordinators' "You said, we did" page (form errors, who may, CSRF).
mod public_dashboard;
/// The public front door's reporting journey: "Is it ASB?" to a reference and a private status
/// link, errors, repeats joining one case, the honeypot, the rate limit, CSRF and content types.
mod public_report;
/// Online surveys: the list, the form, answers checked against the definition (422 with the
/// summary), a response stored, one response per invitation code (also when racing), the
/// honeypot, CSRF, content types, closed and unknown surveys, 404 with the front door off.
mod public_surveys;
/// Records on a case: documents (multipart uploads, CSRF, limits, attachments), the victim
/// risk assessment, the location assessment, problem solving counted from police.uk rows.
mod records;
/// Retention review: the list of closed cases past their keep-until date, the erase
/// confirmation, refusals (403 with the reason, 404 for another agency) and CSRF.
mod retention;
/// Signing in and out, throttling and session expiry.
mod sign_in;
/// `TestApp`: a fresh database, the router, a movable clock and a cookie jar.
mod support;
/// ASB case reviews: an application from receipt to the outcome letter, form errors, who may
/// see them (404 for other agencies and roles), CSRF, the figures JSON.
mod trigger;
