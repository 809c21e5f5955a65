//! Storage tests. Every test runs on SQLite and, when `SAFER_TEST_DATABASE_URL` is set (always
//! under `scripts/test`), on PostgreSQL too, each on a fresh database.

/// Partnerships, agencies, users and roles.
mod accounts;
/// Generated assessments: saved, listed newest first, read by id, replaced by title.
mod assessments;
/// The audit log: the hash chain, verify against tampering, append-only triggers, concurrent
/// appends, entries committed or rolled back with their transaction.
mod audit;
/// Cases: need-to-know access, sharing, restricted teams, duplicates, tasks, retention.
mod casework;
/// The people a case page offers (task owners, team members), a case's partnership, task times.
mod casework_people;
/// Concurrent writers queue instead of failing (SQLite `BEGIN IMMEDIATE`).
mod concurrency;
/// DASH checklists: the MARAC criteria applied in the transaction, the referral and its document
/// on the next agenda, judgement, escalation, the repeat window, access and audit.
mod dash;
/// Counting stored street rows for an area, and the street months of the ledger.
mod evidence;
/// Reading street rows back one force-month at a time, in line order, for exports.
mod export;
/// Geography: lookups, populations and boundaries upserted, read back as an index.
mod geography;
/// Partner indicators: a file upserted whole, re-import unchanged, the area and period query.
mod indicators;
/// Migration files: the two backends have the same set, and migrating twice is harmless.
mod migrations;
/// Panels: referrals share the case with the host, agendas, minutes, actions as tasks.
mod panels;
/// Plan indicators: the file stored whole, and observations read from stored evidence.
mod plan_indicators;
/// Importing and reading plans.
mod plans;
/// police.uk rows: a force-month-kind replaced whole, unchanged files, every column kept.
mod police_uk;
/// Enforcement powers: CPW before CPN, age, appeal window, dated FPN rules, clocks and the due
/// list, need-to-know refusals and audit.
mod powers;
/// Licensed premises (a register replaced whole), IMD deciles upserted, harm counts by LSOA.
mod premises;
/// Case records: documents, risk assessments, location assessments, problem solving.
mod records;
/// Schema invariants that every future migration must keep.
mod schema;
/// Sessions, login throttling and shared secrets.
mod sessions;
/// Survey waves: aggregates replaced whole per wave, listed by label, read as observations.
mod survey_waves;
/// The ASB case review (Community Trigger): qualifying complaints computed from incidents, the
/// threshold decision, the review, recommendations as tasks, letters, annual figures, access.
mod trigger;
