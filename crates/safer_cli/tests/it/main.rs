//! End-to-end tests of the `safer` binary and the whole application.

/// `safer import premises`, `safer import imd` and `safer alcohol` on real Maidstone data.
mod alcohol;
/// Architecture invariants: which crates may depend on what.
mod architecture;
/// `safer assess`: the Maidstone report's HTML and PDF against `safer compare`, in Chromium.
mod assess;
/// `safer audit verify|list`: exit codes on intact and tampered logs, anchors, filters.
mod audit;
/// Real headless Chromium against the demo, with axe-core on every page.
mod browser;
/// DASH to MARAC in headless Chromium: a practitioner's checklist refers the case, the chair
/// plans the meeting, minutes it and prints the agenda; axe-core on every page.
mod browser_marac;
/// Enforcement powers in Chromium: a CPW, a CPN refused too early then issued, the appeal
/// window on "Due and overdue", axe-core on every page.
mod browser_powers;
/// The public front door in Chromium: noise reported anonymously, a crime sent to the police, a
/// Community Trigger followed to its decision, the report journey by keyboard alone; axe-core.
mod browser_public;
/// Records on a case in headless Chromium: an upload, a risk assessment and a location
/// assessment after form errors, the problem-solving form; axe-core on every page.
mod browser_records;
/// An ASB case review in headless Chromium, application to outcome letter, with axe-core.
mod browser_trigger;
/// The command line: `--help`, plan checks, users, configuration and the errors people meet.
mod cli;
/// `safer compare` and `safer findings` on police.uk files, real Kent data against SciPy.
mod compare;
/// `safer compare` and `safer findings` from the database: the same JSON as from the files.
mod compare_store;
/// `safer demo`: idempotent set-up and a server that answers.
mod demo;
/// `safer export parquet`: read back with DuckDB against the CSVs, re-runs, refusals, PostgreSQL.
mod export;
/// `safer geo import` and lad:/ward:/polygon: selectors, rates and peers on real Kent data.
mod geography;
/// Harm weights: the shipped default file equals the analytics table and its derivation script.
mod harm;
/// `safer hotspots`: Maidstone violence Gi* against esda, the map in Chromium, bad input.
mod hotspots;
/// `safer import police-uk`: re-imports, a killed import, broken files, --strict, real Kent data.
mod import;
/// `safer import indicators`: the Maidstone example, re-imports, broken files, --strict.
mod indicators;
/// Server-side SVG maps: a Maidstone hotspot map on real LSOA boundaries, in Chromium with axe-core.
mod map;
/// Open311 GeoReport v2 with curl against a real server: services, a request posted with an
/// API key from `safer open311 add`, its status, the spec's error format, a revoked key.
mod open311;
/// `safer plan indicators check|import|status`: the shipped file, errors by line, re-imports.
mod plan_indicators;
/// `safer priorities`: the Maidstone matrix on real Kent data against compare; bad matrices.
mod priorities;
/// Point in polygon on real data: Maidstone LSOA boundaries against police.uk rows' LSOAs.
mod spatial;
/// Helpers shared by these tests.
mod support;
/// `safer survey analyse` and `safer synth survey`: shipped definitions, synthetic data end to
/// end, bad definitions and responses named by line, the JSON shape.
mod survey;
/// Online surveys: `safer survey publish --codes`, answers through a server on loopback, one
/// response per code, `safer survey responses` read back by `survey analyse` and `import`.
mod survey_online;
/// `safer synth police-uk`: police.uk-format files, deterministic, read cleanly by our scanner.
mod synth;
/// `safer triage check|ask`: the shipped "Is it ASB?" rules, answers, and broken files by line.
mod triage;
/// Spatial weights on real data: Maidstone LSOA contiguity, GAL round trip, libpysal comparison.
mod weights;
