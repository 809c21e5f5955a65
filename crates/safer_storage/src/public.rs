//! The public front door's records: residents' reports (from the web journey or Open311),
//! Community Trigger applications made online, Open311 clients, and submission counters.
//!
//! A report is not a record of its own: it becomes an incident on a new or matched ASB case
//! owned by the agency that runs the front door, written in one transaction with its audit
//! entries, so it reaches the casework lists, the risk and repeat-victim rules and the
//! Community Trigger count with nothing typed again. The rows here only remember how the
//! resident finds it again.
//!
//! Matching, in order (documented in docs/public-front-door.md):
//! 1. a resident who gives their name and their own postcode joins the open ASB case on which
//!    a person with the same folded name and postcode is a victim;
//! 2. otherwise the report joins the open ASB case of the same behaviour at the same postcode;
//! 3. otherwise it opens a new ASB case.
//!
//! The actor of these writes is the front door's own account for the receiving agency
//! (`front-door.<agency>`), which cannot sign in.

use safer_domain::case::{match_key, CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::ids::{AgencyId, PartnershipId, UserId};

use crate::audit::{AuditAction, AuditAppend, AuditEntry};
use crate::casework::{insert_incident, normalise_postcode, NewIncident};
use crate::trigger::{insert_application, ReceivedApplication};
use crate::{on_pool, Result, Store, StoreError};

/// Who writes what the front door receives: the partnership, the receiving agency, and the
/// front door's own account in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontDoorActor {
    /// The partnership the front door serves.
    pub partnership: PartnershipId,
    /// The agency that receives reports and applications.
    pub agency: AgencyId,
    /// The front door's account (disabled for sign-in).
    pub user: UserId,
}

/// How a report arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportChannel {
    /// The web journey.
    Web,
    /// Open311 GeoReport v2, from this client.
    Open311(i64),
}

/// Where the problem is: a postcode, an address or a point (at least one).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportLocation<'a> {
    /// A UK postcode, already checked for shape.
    pub postcode: Option<&'a str>,
    /// An address or description of the place.
    pub address: Option<&'a str>,
    /// Latitude and longitude (WGS84).
    pub point: Option<(f64, f64)>,
}

impl ReportLocation<'_> {
    /// The place in words, for the incident.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(address) = self.address {
            parts.push(address.to_string());
        }
        if let Some(postcode) = self.postcode {
            parts.push(normalise_postcode(postcode));
        }
        if let Some((lat, lon)) = self.point {
            parts.push(format!("map point {lat:.5}, {lon:.5}"));
        }
        parts.join(", ")
    }
}

/// A resident who gave their details.
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their email address, if given.
    pub email: Option<&'a str>,
    /// Their telephone number, if given.
    pub phone: Option<&'a str>,
    /// Their own postcode, if given (matched with their name to find their open case).
    pub postcode: Option<&'a str>,
    /// Whether they agreed that their details may be shared with the partner agencies:
    /// given, refused, or not sought (an Open311 client that did not ask).
    pub consent: Consent,
}

/// A report to record.
#[derive(Debug, Clone, Copy)]
pub struct NewPublicReport<'a> {
    /// The one-time key of the submission; a second submission with it returns the first.
    pub submission_key: &'a str,
    /// The reference to give the resident (the caller makes it random).
    pub reference: &'a str,
    /// SHA-256 of the private status link's token.
    pub status_token_hash: &'a str,
    /// How it arrived.
    pub channel: ReportChannel,
    /// The behaviour's id in the triage rules.
    pub behaviour: &'a str,
    /// The behaviour's label, the incident's category.
    pub behaviour_label: &'a str,
    /// Where.
    pub location: ReportLocation<'a>,
    /// When it happened (most recently), `YYYY-MM-DD`.
    pub occurred_on: &'a str,
    /// Today, `YYYY-MM-DD`.
    pub received_on: &'a str,
    /// What happened, and how often, in the resident's words.
    pub description: &'a str,
    /// The resident, unless anonymous.
    pub reporter: Option<Reporter<'a>>,
}

/// What the resident is given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicReceipt {
    /// The reference.
    pub reference: String,
    /// Whether this submission made the record (`false`: it was a repeat of one already made).
    pub created: bool,
    /// The record's id (the report's, or the Community Trigger application's).
    pub id: i64,
}

/// What a report's status page shows: no names, no words the resident typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicReportStatus {
    /// The reference.
    pub reference: String,
    /// The behaviour's id.
    pub behaviour: String,
    /// When it was received (unix seconds).
    pub received_at: i64,
    /// Whether the case it joined is still open.
    pub case_open: bool,
    /// When that case was closed, `YYYY-MM-DD`.
    pub closed_on: Option<String>,
    /// Reports on the same case, this one included.
    pub reports_on_case: i64,
    /// The case's latest change (unix seconds).
    pub updated_at: i64,
    /// Whether the report was anonymous.
    pub anonymous: bool,
}

/// A report as Open311 `GET requests` shows it: public fields only.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRequest {
    /// The reference (the service request id).
    pub reference: String,
    /// The behaviour's id (the service code).
    pub behaviour: String,
    /// Whether the case is open.
    pub open: bool,
    /// When it was received (unix seconds).
    pub received_at: i64,
    /// The case's latest change (unix seconds).
    pub updated_at: i64,
    /// The postcode, if given.
    pub postcode: Option<String>,
    /// The point, if given.
    pub point: Option<(f64, f64)>,
}

/// An Open311 client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Client {
    /// Its id.
    pub id: i64,
    /// The partnership it reports to.
    pub partnership: PartnershipId,
    /// Its name.
    pub name: String,
    /// When it was added (unix seconds).
    pub created_at: i64,
    /// When its key was revoked.
    pub revoked_at: Option<i64>,
    /// The requests it may post per hour; `None` for no limit.
    pub requests_per_hour: Option<u32>,
}

/// A Community Trigger application made online.
#[derive(Debug, Clone, Copy)]
pub struct NewPublicApplication<'a> {
    /// The one-time key of the submission.
    pub submission_key: &'a str,
    /// SHA-256 of the private status link's token.
    pub status_token_hash: &'a str,
    /// The applicant's name.
    pub applicant_name: &'a str,
    /// For an application on the victim's behalf: the applicant's relationship to them. The
    /// applicant has declared the victim's consent, recorded as given on `received_on`.
    pub on_behalf: Option<&'a str>,
    /// `individual`, `business` or `community-group`.
    pub victim_kind: &'a str,
    /// Report references the applicant gave; the first that names a report of this
    /// partnership chooses the case under review.
    pub report_references: &'a [String],
    /// What has happened and who it was reported to, in the applicant's words.
    pub account: &'a str,
    /// How to contact the applicant.
    pub contact: &'a str,
    /// Today, `YYYY-MM-DD`.
    pub received_on: &'a str,
}

/// What an application's status page shows: the stages, no names or letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicApplicationStatus {
    /// The application's id (for the service-level dates).
    pub id: i64,
    /// Its reference, such as `CT-000012`.
    pub reference: String,
    /// Its status code (see `TriggerStatus`).
    pub status: String,
    /// The day received.
    pub received_on: String,
    /// The threshold decision: `met`, `met-at-discretion` or `not-met`.
    pub decision: Option<String>,
    /// The day it was decided.
    pub decided_on: Option<String>,
    /// The day the review meeting was held.
    pub review_held_on: Option<String>,
    /// How many recommendations the review made.
    pub recommendations: i64,
    /// The day the outcome was sent.
    pub outcome_sent_on: Option<String>,
    /// What to do if dissatisfied (from the decision letter's procedures).
    pub escalation_route: Option<String>,
}

/// The front door account's username for an agency.
pub fn front_door_username(agency_code: &str) -> String {
    format!("front-door.{agency_code}")
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    reference: String,
    behaviour: String,
    received_at: i64,
    status: String,
    closed_on: Option<String>,
    updated_at: i64,
    anonymous: bool,
    case_id: i64,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    reference: String,
    behaviour: String,
    status: String,
    received_at: i64,
    updated_at: i64,
    postcode: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl From<RequestRow> for PublicRequest {
    fn from(row: RequestRow) -> Self {
        PublicRequest {
            reference: row.reference,
            behaviour: row.behaviour,
            open: row.status == "open",
            received_at: row.received_at,
            updated_at: row.updated_at,
            postcode: row.postcode,
            point: row.latitude.zip(row.longitude),
        }
    }
}

/// An `open311_clients` row: id, partnership, name, created, revoked, requests per hour.
type ClientRow = (i64, i64, String, i64, Option<i64>, Option<i64>);

/// The columns of a [`ClientRow`].
const CLIENT_COLUMNS: &str =
    "id, partnership_id, name, created_at, revoked_at, requests_per_hour FROM open311_clients";

fn client_of(
    (id, partnership, name, created_at, revoked_at, per_hour): ClientRow,
) -> Open311Client {
    Open311Client {
        id,
        partnership: PartnershipId(partnership),
        name,
        created_at,
        revoked_at,
        // The column's CHECK keeps it positive; a value past u32 is no limit in practice.
        requests_per_hour: per_hour.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    }
}

const REQUEST_COLUMNS: &str = "SELECT r.reference, r.behaviour, c.status, r.received_at, \
     c.updated_at, r.postcode, r.latitude, r.longitude FROM public_reports r \
     JOIN cases c ON c.id = r.case_id";

/// Folds the whole storage error of a repeated submission into "already made".
fn is_conflict_on(err: &StoreError, what: &str) -> bool {
    matches!(err, StoreError::Conflict { constraint } if constraint.contains(what))
}

/// Opens an ASB case owned by the front door's agency inside `$tx` (its reference made from
/// the id, as every case's is), audits it with `$detail`, and evaluates to its id.
macro_rules! front_door_case {
    ($tx:expr, $door:expr, $summary:expr, $opened_on:expr, $key:expr, $now:expr, $detail:expr) => {{
        let placeholder = format!("pending-{}", $key);
        let (id, _) = crate::casework::insert_case!(
            $tx,
            $door.partnership.0,
            CaseType::Asb,
            $summary,
            $door.agency.0,
            $opened_on,
            $door.user.0,
            &placeholder,
            $now
        );
        let object = id.to_string();
        let entry = AuditEntry::new(AuditAction::Create, "case", &object)
            .by($door.user, $door.agency)
            .detail($detail);
        $tx.append_audit(&entry, $now).await?;
        id
    }};
}

/// Adds a note by the front door's account to case `$case` inside `$tx`.
macro_rules! front_door_note {
    ($tx:expr, $door:expr, $case:expr, $body:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO case_notes (case_id, author_user_id, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind($case)
        .bind($door.user.0)
        .bind($body)
        .bind($now)
        .execute(&mut *$tx)
        .await?
    };
}

impl Store {
    /// The front door's account for `agency` in `partnership`, created disabled (it cannot sign
    /// in) the first time.
    pub async fn front_door_actor(
        &self,
        partnership: PartnershipId,
        agency: AgencyId,
        agency_code: &str,
        now: i64,
    ) -> Result<FrontDoorActor> {
        let username = front_door_username(agency_code);
        let user: i64 = on_pool!(self, pool => {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&username)
                .fetch_optional(pool)
                .await?;
            match found {
                Some(id) => id,
                None => {
                    // "!" is no argon2 hash, so no password can match; disabled as well.
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO users (username, display_name, agency_id, password_hash, \
                         disabled, created_at, password_changed_at) VALUES ($1, $2, $3, '!', TRUE, $4, $4) \
                         ON CONFLICT (username) DO NOTHING RETURNING id",
                    )
                    .bind(&username)
                    .bind("Public front door")
                    .bind(agency.0)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?;
                    match inserted {
                        Some(id) => id,
                        None => sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                            .bind(&username)
                            .fetch_one(pool)
                            .await?,
                    }
                }
            }
        });
        Ok(FrontDoorActor { partnership, agency, user: UserId(user) })
    }

    /// Counts one submission from a client in the hour-long window starting `window_start`
    /// and says whether it is within `limit`. The key is an HMAC of the address, never the
    /// address. Old windows are removed as new ones start.
    pub async fn admit_submission(
        &self,
        counter_key: &str,
        window_start: i64,
        limit: u32,
    ) -> Result<bool> {
        let hits: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            sqlx::query("DELETE FROM public_submission_counts WHERE window_start < $1")
                .bind(window_start)
                .execute(&mut *tx)
                .await?;
            let hits: i64 = sqlx::query_scalar(
                "INSERT INTO public_submission_counts (counter_key, window_start, hits) \
                 VALUES ($1, $2, 1) ON CONFLICT (counter_key, window_start) \
                 DO UPDATE SET hits = public_submission_counts.hits + 1 RETURNING hits",
            )
            .bind(counter_key)
            .bind(window_start)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            hits
        });
        Ok(hits <= i64::from(limit))
    }

    /// Records a resident's report as an incident on a new or matched ASB case (see the module
    /// notes), with the resident as a victim when they gave their details and their contact
    /// details in a note. Sending the same submission again returns the first receipt.
    pub async fn submit_public_report(
        &self,
        door: &FrontDoorActor,
        report: &NewPublicReport<'_>,
        now: i64,
    ) -> Result<PublicReceipt> {
        if let Some(receipt) = self.report_by_submission(report.submission_key).await? {
            return Ok(receipt);
        }
        match self.insert_public_report(door, report, now).await {
            Err(err) if is_conflict_on(&err, "submission_key") => {
                self.report_by_submission(report.submission_key).await?.ok_or(StoreError::NotFound)
            }
            other => other,
        }
    }

    async fn report_by_submission(&self, key: &str) -> Result<Option<PublicReceipt>> {
        let row: Option<(i64, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, reference FROM public_reports WHERE submission_key = $1",
        ).bind(key).fetch_optional(pool).await?);
        Ok(row.map(|(id, reference)| PublicReceipt { reference, created: false, id }))
    }

    async fn insert_public_report(
        &self,
        door: &FrontDoorActor,
        report: &NewPublicReport<'_>,
        now: i64,
    ) -> Result<PublicReceipt> {
        let postcode = report.location.postcode.map(normalise_postcode);
        let place = report.location.describe();
        let person = report.reporter.map(|r| (r, match_key(r.name)));
        let home = report.reporter.and_then(|r| r.postcode).map(normalise_postcode);
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            // 1. The open ASB case on which this resident is a victim.
            let mut case: Option<i64> = None;
            if let (Some((_, key)), Some(home)) = (&person, &home) {
                case = sqlx::query_scalar(
                    "SELECT c.id FROM cases c JOIN case_links l ON l.case_id = c.id \
                     JOIN case_subjects s ON s.id = l.subject_id \
                     WHERE c.partnership_id = $1 AND c.case_type = 'asb' AND c.status = 'open' \
                     AND l.role = 'victim' AND s.kind = 'person' AND s.match_key = $2 \
                     AND s.postcode = $3 ORDER BY c.id DESC LIMIT 1",
                )
                .bind(door.partnership.0).bind(key).bind(home)
                .fetch_optional(&mut *tx).await?;
            }
            // 2. The open ASB case of the same behaviour at the same postcode.
            if case.is_none() {
                if let Some(postcode) = &postcode {
                    case = sqlx::query_scalar(
                        "SELECT DISTINCT c.id FROM cases c JOIN public_reports r ON r.case_id = c.id \
                         WHERE c.partnership_id = $1 AND c.status = 'open' AND r.behaviour = $2 \
                         AND r.postcode = $3 ORDER BY c.id DESC LIMIT 1",
                    )
                    .bind(door.partnership.0).bind(report.behaviour).bind(postcode)
                    .fetch_optional(&mut *tx).await?;
                }
            }
            // 3. A new case, owned by the receiving agency, with the place as its subject.
            let opened_case = case.is_none();
            let case = match case {
                Some(id) => id,
                None => {
                    let summary = format!("{} reported online", report.behaviour_label);
                    let id = front_door_case!(
                        tx,
                        door,
                        &summary,
                        report.received_on,
                        report.submission_key,
                        now,
                        "opened by a resident's report"
                    );
                    let place_name = if place.is_empty() { "Reported place".to_string() } else { place.clone() };
                    let subject: i64 = sqlx::query_scalar(
                        "INSERT INTO case_subjects (partnership_id, kind, name, match_key, \
                         address, postcode, created_by_agency_id, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(door.partnership.0)
                    .bind(SubjectKind::Location.as_str())
                    .bind(&place_name)
                    .bind(match_key(&place_name))
                    .bind(report.location.address)
                    .bind(postcode.as_deref())
                    .bind(door.agency.0)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO case_links (case_id, subject_id, role, consent, linked_at) \
                         VALUES ($1, $2, $3, 'not-required', $4)",
                    )
                    .bind(id).bind(subject).bind(LinkRole::Location.as_str()).bind(now)
                    .execute(&mut *tx).await?;
                    id
                }
            };
            // The resident, as a victim on the case, when they gave their details.
            if let Some((reporter, key)) = &person {
                let existing: Option<i64> = sqlx::query_scalar(
                    "SELECT s.id FROM case_subjects s WHERE s.partnership_id = $1 \
                     AND s.kind = 'person' AND s.match_key = $2 AND s.postcode IS NOT DISTINCT FROM $3 \
                     ORDER BY s.id LIMIT 1",
                )
                .bind(door.partnership.0).bind(key).bind(home.as_deref())
                .fetch_optional(&mut *tx).await?;
                let subject = match existing {
                    Some(id) => id,
                    None => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO case_subjects (partnership_id, kind, name, match_key, \
                             postcode, created_by_agency_id, created_at) \
                             VALUES ($1, 'person', $2, $3, $4, $5, $6) RETURNING id",
                        )
                        .bind(door.partnership.0).bind(reporter.name.trim()).bind(key)
                        .bind(home.as_deref()).bind(door.agency.0).bind(now)
                        .fetch_one(&mut *tx).await?;
                        let object = id.to_string();
                        let entry = AuditEntry::new(AuditAction::Create, "subject", &object)
                            .by(door.user, door.agency);
                        tx.append_audit(&entry, now).await?;
                        id
                    }
                };
                // A report whose client did not ask keeps the answer an earlier report gave.
                let consent_on =
                    (reporter.consent != Consent::NotSought).then_some(report.received_on);
                sqlx::query(
                    "INSERT INTO case_links (case_id, subject_id, role, consent, consent_on, linked_at) \
                     VALUES ($1, $2, 'victim', $3, $4, $5) ON CONFLICT (case_id, subject_id, role) \
                     DO UPDATE SET consent = CASE WHEN excluded.consent = 'not-sought' \
                     THEN case_links.consent ELSE excluded.consent END, \
                     consent_on = CASE WHEN excluded.consent = 'not-sought' \
                     THEN case_links.consent_on ELSE excluded.consent_on END",
                )
                .bind(case).bind(subject).bind(reporter.consent.as_str()).bind(consent_on).bind(now)
                .execute(&mut *tx).await?;
            }
            let key = format!("public-report-{}", report.reference);
            let new_incident = NewIncident {
                occurred_on: report.occurred_on,
                reported_on: report.received_on,
                reported_to: door.agency,
                category: report.behaviour_label,
                location: (!place.is_empty()).then_some(place.as_str()),
                incident_key: Some(&key),
                description: report.description.trim(),
            };
            let incident = insert_incident!(tx, case, &new_incident, door.user.0, now);
            if let Some((reporter, _)) = &person {
                let mut how = Vec::new();
                if let Some(email) = reporter.email {
                    how.push(format!("email {email}"));
                }
                if let Some(phone) = reporter.phone {
                    how.push(format!("telephone {phone}"));
                }
                let contact = if how.is_empty() { "no contact details".to_string() } else { how.join(", ") };
                let share = match reporter.consent {
                    Consent::Given => {
                        "agreed that their details may be shared with the partner agencies"
                    }
                    Consent::NotSought | Consent::NotRequired => {
                        "was not asked whether their details may be shared, so they stay with \
                         the receiving agency"
                    }
                    Consent::Refused => {
                        "did not agree to their details being shared beyond the receiving agency"
                    }
                };
                let body = format!(
                    "Report {} from the public front door. The resident gave {contact}, and {share}.",
                    report.reference
                );
                front_door_note!(tx, door, case, &body, now);
            }
            let (latitude, longitude) = report.location.point.unzip();
            let (channel, client) = match report.channel {
                ReportChannel::Web => ("web", None),
                ReportChannel::Open311(client) => ("open311", Some(client)),
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO public_reports (partnership_id, reference, status_token_hash, \
                 submission_key, channel, open311_client_id, behaviour, anonymous, postcode, \
                 latitude, longitude, case_id, incident_id, opened_case, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(door.partnership.0)
            .bind(report.reference)
            .bind(report.status_token_hash)
            .bind(report.submission_key)
            .bind(channel)
            .bind(client)
            .bind(report.behaviour)
            .bind(report.reporter.is_none())
            .bind(postcode.as_deref())
            .bind(latitude)
            .bind(longitude)
            .bind(case)
            .bind(incident)
            .bind(opened_case)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                .bind(now).bind(case).execute(&mut *tx).await?;
            let detail = format!("public report {id} on case {case}");
            let object = incident.to_string();
            let entry = AuditEntry::new(AuditAction::Create, "incident", &object)
                .by(door.user, door.agency)
                .detail(&detail);
            tx.append_audit(&entry, now).await?;
            tx.commit().await?;
            Ok(PublicReceipt { reference: report.reference.to_string(), created: true, id })
        })
    }

    /// The status of the report whose private link's token hashes to `token_hash`.
    pub async fn public_report_status(
        &self,
        partnership: PartnershipId,
        token_hash: &str,
    ) -> Result<Option<PublicReportStatus>> {
        let row: Option<StatusRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT r.reference, r.behaviour, r.received_at, c.status, c.closed_on, c.updated_at, \
             r.anonymous, r.case_id FROM public_reports r JOIN cases c ON c.id = r.case_id \
             WHERE r.partnership_id = $1 AND r.status_token_hash = $2",
        ).bind(partnership.0).bind(token_hash).fetch_optional(pool).await?);
        let Some(row) = row else { return Ok(None) };
        let reports: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM public_reports WHERE case_id = $1",
        ).bind(row.case_id).fetch_one(pool).await?);
        Ok(Some(PublicReportStatus {
            reference: row.reference,
            behaviour: row.behaviour,
            received_at: row.received_at,
            case_open: row.status == "open",
            closed_on: row.closed_on,
            reports_on_case: reports,
            updated_at: row.updated_at,
            anonymous: row.anonymous,
        }))
    }

    /// One report as Open311 shows it, by reference.
    pub async fn public_request(
        &self,
        partnership: PartnershipId,
        reference: &str,
    ) -> Result<Option<PublicRequest>> {
        let sql = format!("{REQUEST_COLUMNS} WHERE r.partnership_id = $1 AND r.reference = $2");
        let row: Option<RequestRow> = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(partnership.0).bind(reference).fetch_optional(pool).await?);
        Ok(row.map(PublicRequest::from))
    }

    /// Reports received from `from` up to (not including) `to` (unix seconds), newest first,
    /// at most `limit`, as Open311 shows them.
    pub async fn public_requests(
        &self,
        partnership: PartnershipId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<PublicRequest>> {
        let sql = format!(
            "{REQUEST_COLUMNS} WHERE r.partnership_id = $1 AND r.received_at >= $2 \
             AND r.received_at < $3 ORDER BY r.received_at DESC, r.id DESC LIMIT $4"
        );
        let rows: Vec<RequestRow> = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(partnership.0).bind(from).bind(to).bind(limit).fetch_all(pool).await?);
        Ok(rows.into_iter().map(PublicRequest::from).collect())
    }

    /// How many reports the partnership has received, how many distinct submissions they came
    /// from, and how many distinct descriptions their incidents have: the three are equal
    /// unless something was duplicated (when every report's description is distinct, as in the
    /// load run).
    pub async fn count_public_reports(
        &self,
        partnership: PartnershipId,
    ) -> Result<(i64, i64, i64)> {
        let row: (i64, i64, i64) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), COUNT(DISTINCT r.submission_key), COUNT(DISTINCT i.description) \
             FROM public_reports r JOIN case_incidents i ON i.id = r.incident_id \
             WHERE r.partnership_id = $1",
        ).bind(partnership.0).fetch_one(pool).await?);
        Ok(row)
    }

    /// Which of `references` name none of the partnership's reports.
    pub async fn missing_public_reports(
        &self,
        partnership: PartnershipId,
        references: &[String],
    ) -> Result<Vec<String>> {
        let known: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT reference FROM public_reports WHERE partnership_id = $1",
        ).bind(partnership.0).fetch_all(pool).await?);
        let known: std::collections::HashSet<String> = known.into_iter().collect();
        Ok(references.iter().filter(|r| !known.contains(*r)).cloned().collect())
    }

    /// Adds an Open311 client whose key hashes to `key_hash`, allowed `requests_per_hour`
    /// requests an hour (`None`: no limit; zero is refused as a rule).
    pub async fn add_open311_client(
        &self,
        partnership: PartnershipId,
        name: &str,
        key_hash: &str,
        requests_per_hour: Option<u32>,
        now: i64,
    ) -> Result<i64> {
        if requests_per_hour == Some(0) {
            return Err(StoreError::Rule("a client's hourly limit must be at least 1".to_string()));
        }
        let per_hour = requests_per_hour.map(i64::from);
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO open311_clients (partnership_id, name, key_hash, created_at, \
             requests_per_hour) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        ).bind(partnership.0).bind(name.trim()).bind(key_hash).bind(now).bind(per_hour)
            .fetch_one(pool).await?);
        Ok(id)
    }

    /// The client whose (unrevoked) key hashes to `key_hash`.
    pub async fn open311_client_by_key(&self, key_hash: &str) -> Result<Option<Open311Client>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} WHERE key_hash = $1 AND revoked_at IS NULL");
        let row: Option<ClientRow> = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(key_hash).fetch_optional(pool).await?);
        Ok(row.map(client_of))
    }

    /// Every Open311 client, oldest first.
    pub async fn open311_clients(&self) -> Result<Vec<Open311Client>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} ORDER BY id");
        let rows: Vec<ClientRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(client_of).collect())
    }

    /// Revokes a client's key; not found when there is no such client.
    pub async fn revoke_open311_client(&self, id: i64, now: i64) -> Result<()> {
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE open311_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        ).bind(id).bind(now).execute(pool).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records a Community Trigger application made online, received by the front door's
    /// agency: on the case of the first report reference given that names one of this
    /// partnership's reports (an ASB case), or on a new ASB case. The applicant's account and
    /// contact details go in a note on that case. Sending the same submission again returns
    /// the first receipt.
    pub async fn submit_public_application(
        &self,
        door: &FrontDoorActor,
        application: &NewPublicApplication<'_>,
        now: i64,
    ) -> Result<PublicReceipt> {
        if let Some(receipt) = self.application_by_submission(application.submission_key).await? {
            return Ok(receipt);
        }
        if !matches!(application.victim_kind, "individual" | "business" | "community-group") {
            return Err(StoreError::Rule("choose who the behaviour affects".to_string()));
        }
        match self.insert_public_application(door, application, now).await {
            Err(err) if is_conflict_on(&err, "submission_key") => self
                .application_by_submission(application.submission_key)
                .await?
                .ok_or(StoreError::NotFound),
            other => other,
        }
    }

    async fn application_by_submission(&self, key: &str) -> Result<Option<PublicReceipt>> {
        let row: Option<(i64, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT t.id, t.reference FROM public_trigger_links l \
             JOIN trigger_applications t ON t.id = l.application_id WHERE l.submission_key = $1",
        ).bind(key).fetch_optional(pool).await?);
        Ok(row.map(|(id, reference)| PublicReceipt { reference, created: false, id }))
    }

    async fn insert_public_application(
        &self,
        door: &FrontDoorActor,
        application: &NewPublicApplication<'_>,
        now: i64,
    ) -> Result<PublicReceipt> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let mut case: Option<i64> = None;
            for reference in application.report_references {
                case = sqlx::query_scalar(
                    "SELECT c.id FROM public_reports r JOIN cases c ON c.id = r.case_id \
                     WHERE r.partnership_id = $1 AND r.reference = $2 AND c.case_type = 'asb'",
                )
                .bind(door.partnership.0)
                .bind(reference.trim().to_ascii_uppercase())
                .fetch_optional(&mut *tx)
                .await?;
                if case.is_some() {
                    break;
                }
            }
            let case = match case {
                Some(id) => id,
                None => front_door_case!(
                    tx,
                    door,
                    "Community Trigger application made online",
                    application.received_on,
                    application.submission_key,
                    now,
                    "opened for a case review applied for online"
                ),
            };
            let placeholder = format!("pending-{}", application.submission_key);
            let received = ReceivedApplication {
                partnership: door.partnership.0,
                case,
                receiving_agency: door.agency.0,
                applicant_name: application.applicant_name,
                // The applicant declares the victim's consent as they apply.
                on_behalf: application
                    .on_behalf
                    .map(|relationship| (relationship, Some(application.received_on))),
                victim_kind: application.victim_kind,
                received_on: application.received_on,
                created_by: door.user.0,
                placeholder: &placeholder,
            };
            let (id, reference) = insert_application!(tx, &received, now);
            let consent = match application.on_behalf {
                Some(_) => " on the victim's behalf, declaring the victim's consent",
                None => "",
            };
            let body = format!(
                "Community Trigger application {reference} made online{consent}.\n\n\
                 What the applicant told us:\n{}\n\nHow to contact them: {}",
                application.account.trim(),
                application.contact.trim()
            );
            front_door_note!(tx, door, case, &body, now);
            sqlx::query(
                "INSERT INTO public_trigger_links (application_id, status_token_hash, submission_key, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id).bind(application.status_token_hash).bind(application.submission_key).bind(now)
            .execute(&mut *tx).await?;
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                .bind(now).bind(case).execute(&mut *tx).await?;
            let object = id.to_string();
            let detail = format!("case review of case {case}, applied for online");
            let entry = AuditEntry::new(AuditAction::Create, "trigger-application", &object)
                .by(door.user, door.agency)
                .detail(&detail);
            tx.append_audit(&entry, now).await?;
            tx.commit().await?;
            Ok(PublicReceipt { reference, created: true, id })
        })
    }

    /// The stages of the application whose private link's token hashes to `token_hash`.
    pub async fn public_application_status(
        &self,
        partnership: PartnershipId,
        token_hash: &str,
    ) -> Result<Option<PublicApplicationStatus>> {
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
        );
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT t.id, t.reference, t.status, t.received_on, t.decision, t.decided_on, \
             t.review_held_on, t.outcome_sent_on, t.escalation_route, \
             (SELECT COUNT(*) FROM trigger_recommendations r WHERE r.application_id = t.id) \
             FROM public_trigger_links l JOIN trigger_applications t ON t.id = l.application_id \
             WHERE t.partnership_id = $1 AND l.status_token_hash = $2",
        ).bind(partnership.0).bind(token_hash).fetch_optional(pool).await?);
        Ok(row.map(
            |(
                id,
                reference,
                status,
                received_on,
                decision,
                decided_on,
                review_held_on,
                outcome_sent_on,
                escalation_route,
                recommendations,
            )| PublicApplicationStatus {
                id,
                reference,
                status,
                received_on,
                decision,
                decided_on,
                review_held_on,
                recommendations,
                outcome_sent_on,
                escalation_route,
            },
        ))
    }
}
