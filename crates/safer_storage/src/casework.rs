//! Multi-agency cases: subjects, cases, sharing, the case team, incidents, tasks and notes.
//!
//! Every function takes the [`Viewer`] asking and applies the need-to-know rule of
//! [`safer_domain::access`] inside the same transaction as the read or write, so a check and
//! the data it guards cannot drift apart. A case the viewer may not read is
//! [`StoreError::NotFound`], exactly as a case that does not exist. Every read and write of
//! personal data appends an entry to the audit log in that same transaction, so a change and
//! its audit entry commit together or not at all. Entries name ids, never names.

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::case::{match_key, CaseType, Consent, LegalBasis, LinkRole, SubjectKind};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, SubjectId, UserId};

use crate::audit::AuditAction;
use crate::{on_pool, Result, Store, StoreError};

/// A case to open.
#[derive(Debug, Clone, Copy)]
pub struct NewCase<'a> {
    /// The partnership the case belongs to.
    pub partnership: PartnershipId,
    /// Its type.
    pub case_type: CaseType,
    /// A short description of the problem (no names: it shows in lists).
    pub summary: &'a str,
    /// When it was opened, `YYYY-MM-DD`.
    pub opened_on: &'a str,
}

/// A subject to create.
#[derive(Debug, Clone, Copy)]
pub struct NewSubject<'a> {
    /// What it is.
    pub kind: SubjectKind,
    /// A person's full name, a peer group's working name, or a place's name.
    pub name: &'a str,
    /// A person's date of birth, `YYYY-MM-DD`.
    pub born_on: Option<&'a str>,
    /// An address.
    pub address: Option<&'a str>,
    /// A postcode.
    pub postcode: Option<&'a str>,
}

/// An incident to record on a case.
#[derive(Debug, Clone, Copy)]
pub struct NewIncident<'a> {
    /// When the behaviour happened, `YYYY-MM-DD`.
    pub occurred_on: &'a str,
    /// When it was reported, `YYYY-MM-DD`.
    pub reported_on: &'a str,
    /// The agency it was reported to.
    pub reported_to: AgencyId,
    /// What kind of behaviour, such as `noise` or `intimidation`.
    pub category: &'a str,
    /// Where, in words.
    pub location: Option<&'a str>,
    /// Shared by reports of the same behaviour to several agencies, so it counts once; a new
    /// key is made when absent.
    pub incident_key: Option<&'a str>,
    /// What happened.
    pub description: &'a str,
}

/// A case as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// Its id.
    pub id: CaseId,
    /// Its reference, such as `ASB-000042`.
    pub reference: String,
    /// Its type.
    pub case_type: CaseType,
    /// The short description.
    pub summary: String,
    /// `open` or `closed`.
    pub status: String,
    /// When it was opened.
    pub opened_on: String,
    /// When it was closed.
    pub closed_on: Option<String>,
    /// Until when it is kept once closed.
    pub retain_until_on: Option<String>,
    /// The owning agency.
    pub owner: AgencyId,
    /// The owning agency's name.
    pub owner_name: String,
    /// Whether it is restricted to its team.
    pub restricted: bool,
}

/// A subject as shown on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedSubject {
    /// The subject.
    pub id: SubjectId,
    /// What it is.
    pub kind: SubjectKind,
    /// Its name.
    pub name: String,
    /// A person's date of birth.
    pub born_on: Option<String>,
    /// Its address.
    pub address: Option<String>,
    /// Its postcode.
    pub postcode: Option<String>,
    /// Its part in this case.
    pub role: LinkRole,
    /// What it agreed to.
    pub consent: Consent,
    /// When consent was recorded.
    pub consent_on: Option<String>,
}

/// An agency a case is shared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The agency.
    pub agency: AgencyId,
    /// Its name.
    pub agency_name: String,
    /// Why it was shared.
    pub purpose: String,
    /// On what basis.
    pub legal_basis: LegalBasis,
    /// When.
    pub shared_at: i64,
    /// When the share ended, if it has.
    pub revoked_at: Option<i64>,
}

/// A user on a case team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The user.
    pub user: UserId,
    /// Their name.
    pub display_name: String,
    /// Their agency's name.
    pub agency_name: String,
}

/// An incident on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Its id.
    pub id: i64,
    /// When the behaviour happened.
    pub occurred_on: String,
    /// When it was reported.
    pub reported_on: String,
    /// To whom.
    pub reported_to: AgencyId,
    /// That agency's name.
    pub reported_to_name: String,
    /// What kind of behaviour.
    pub category: String,
    /// Where.
    pub location: Option<String>,
    /// The de-duplication key.
    pub incident_key: String,
    /// What happened.
    pub description: String,
}

/// A task on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Its id.
    pub id: i64,
    /// The case.
    pub case: CaseId,
    /// The case's reference.
    pub case_reference: String,
    /// What to do.
    pub title: String,
    /// Who does it.
    pub owner: UserId,
    /// Their name.
    pub owner_name: String,
    /// By when, `YYYY-MM-DD`.
    pub due_on: String,
    /// When it was done.
    pub done_at: Option<i64>,
}

/// A note on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Its id.
    pub id: i64,
    /// Who wrote it.
    pub author_name: String,
    /// What it says.
    pub body: String,
    /// When.
    pub created_at: i64,
}

/// Everything on a case the viewer may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseSummary,
    /// Its subjects.
    pub subjects: Vec<LinkedSubject>,
    /// Who it is shared with (revoked shares included, for the record).
    pub shares: Vec<Share>,
    /// Its team.
    pub team: Vec<TeamMember>,
    /// Its incidents, oldest first.
    pub incidents: Vec<Incident>,
    /// Its tasks, by due date.
    pub tasks: Vec<Task>,
    /// Its notes, oldest first.
    pub notes: Vec<Note>,
    /// What the viewer may do.
    pub access: CaseAccess,
}

/// A subject that may be the one being entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectMatch {
    /// The subject.
    pub id: SubjectId,
    /// Its name.
    pub name: String,
    /// A person's date of birth.
    pub born_on: Option<String>,
    /// Its postcode.
    pub postcode: Option<String>,
    /// Why it matched, such as "same name and date of birth".
    pub reason: &'static str,
}

/// Which cases to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseFilter<'a> {
    /// Only this type.
    pub case_type: Option<CaseType>,
    /// Only `open` or `closed`.
    pub status: Option<&'a str>,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    reference: String,
    case_type: String,
    summary: String,
    status: String,
    opened_on: String,
    closed_on: Option<String>,
    retain_until_on: Option<String>,
    owning_agency_id: i64,
    owner_name: String,
    restricted: bool,
}

impl TryFrom<CaseRow> for CaseSummary {
    type Error = StoreError;

    fn try_from(row: CaseRow) -> Result<CaseSummary> {
        let case_type = row
            .case_type
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("case {}: {e}", row.id)))?;
        Ok(CaseSummary {
            id: CaseId(row.id),
            reference: row.reference,
            case_type,
            summary: row.summary,
            status: row.status,
            opened_on: row.opened_on,
            closed_on: row.closed_on,
            retain_until_on: row.retain_until_on,
            owner: AgencyId(row.owning_agency_id),
            owner_name: row.owner_name,
            restricted: row.restricted,
        })
    }
}

fn corrupt<E: std::fmt::Display>(what: &str, id: i64) -> impl FnOnce(E) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what} {id}: {e}"))
}

#[derive(sqlx::FromRow)]
struct LinkedSubjectRow {
    id: i64,
    kind: String,
    name: String,
    born_on: Option<String>,
    address: Option<String>,
    postcode: Option<String>,
    role: String,
    consent: String,
    consent_on: Option<String>,
}

impl TryFrom<LinkedSubjectRow> for LinkedSubject {
    type Error = StoreError;

    fn try_from(row: LinkedSubjectRow) -> Result<LinkedSubject> {
        let id = row.id;
        Ok(LinkedSubject {
            id: SubjectId(id),
            kind: row.kind.parse().map_err(corrupt("subject", id))?,
            name: row.name,
            born_on: row.born_on,
            address: row.address,
            postcode: row.postcode,
            role: row.role.parse().map_err(corrupt("subject", id))?,
            consent: row.consent.parse().map_err(corrupt("subject", id))?,
            consent_on: row.consent_on,
        })
    }
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: i64,
    occurred_on: String,
    reported_on: String,
    reported_to_agency_id: i64,
    agency_name: String,
    category: String,
    location: Option<String>,
    incident_key: String,
    description: String,
}

impl From<IncidentRow> for Incident {
    fn from(row: IncidentRow) -> Incident {
        Incident {
            id: row.id,
            occurred_on: row.occurred_on,
            reported_on: row.reported_on,
            reported_to: AgencyId(row.reported_to_agency_id),
            reported_to_name: row.agency_name,
            category: row.category,
            location: row.location,
            incident_key: row.incident_key,
            description: row.description,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: i64,
    name: String,
    born_on: Option<String>,
    postcode: Option<String>,
    match_key: String,
}

/// A task row as the task lists select it (`TASK_COLUMNS`).
#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    id: i64,
    case_id: i64,
    reference: String,
    title: String,
    owner_user_id: i64,
    display_name: String,
    due_on: String,
    done_at: Option<i64>,
}

/// The columns a [`TaskRow`] reads, from `case_tasks t`, `cases c` and the owner `users u`.
pub(crate) const TASK_COLUMNS: &str =
    "t.id, t.case_id, c.reference, t.title, t.owner_user_id, u.display_name, t.due_on, t.done_at";

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Task {
        Task {
            id: row.id,
            case: CaseId(row.case_id),
            case_reference: row.reference,
            title: row.title,
            owner: UserId(row.owner_user_id),
            owner_name: row.display_name,
            due_on: row.due_on,
            done_at: row.done_at,
        }
    }
}

const CASE_COLUMNS: &str = "c.id, c.reference, c.case_type, c.summary, c.status, c.opened_on, \
     c.closed_on, c.retain_until_on, c.owning_agency_id, a.name AS owner_name, c.restricted";

/// The SQL condition that a case `c` is readable by the user `$1` of agency `$2` (the role
/// check is made before any query). It is [`CaseAccess::can_read`] in SQL, tested against it.
pub(crate) const READABLE: &str =
    "(c.owning_agency_id = $2 OR EXISTS (SELECT 1 FROM case_shares s \
     WHERE s.case_id = c.id AND s.agency_id = $2 AND s.revoked_at IS NULL)) \
     AND (c.restricted = FALSE OR EXISTS (SELECT 1 FROM case_team t \
     WHERE t.case_id = c.id AND t.user_id = $1))";

/// Loads the access facts of case `$case` on `$conn` (a transaction), or `NotFound`.
macro_rules! access_of {
    ($conn:expr, $case:expr) => {{
        let row: Option<(i64, bool)> =
            sqlx::query_as("SELECT owning_agency_id, restricted FROM cases WHERE id = $1")
                .bind($case.0)
                .fetch_optional(&mut *$conn)
                .await?;
        match row {
            None => Err($crate::StoreError::NotFound),
            Some((owner, restricted)) => {
                let shared_with: Vec<i64> = sqlx::query_scalar(
                    "SELECT agency_id FROM case_shares WHERE case_id = $1 AND revoked_at IS NULL",
                )
                .bind($case.0)
                .fetch_all(&mut *$conn)
                .await?;
                let team: Vec<i64> =
                    sqlx::query_scalar("SELECT user_id FROM case_team WHERE case_id = $1")
                        .bind($case.0)
                        .fetch_all(&mut *$conn)
                        .await?;
                Ok(::safer_domain::access::CaseAccess {
                    owner: ::safer_domain::ids::AgencyId(owner),
                    shared_with: shared_with
                        .into_iter()
                        .map(::safer_domain::ids::AgencyId)
                        .collect(),
                    restricted,
                    team: team.into_iter().map(::safer_domain::ids::UserId).collect(),
                })
            }
        }
    }};
}

/// Appends the audit entry for `$action` on `$kind` `$id` by `$viewer` to the transaction
/// `$tx`, with an optional detail (`Option<String>`, no personal data) and purpose code. Call
/// it after the transaction's other writes (see [`AuditAppend`]).
macro_rules! audit {
    ($tx:expr, $viewer:expr, $action:expr, $kind:expr, $id:expr, $now:expr) => {
        $crate::casework::audit!(
            $tx,
            $viewer,
            $action,
            $kind,
            $id,
            $now,
            None::<String>,
            None::<&str>
        )
    };
    ($tx:expr, $viewer:expr, $action:expr, $kind:expr, $id:expr, $now:expr, $detail:expr) => {
        $crate::casework::audit!($tx, $viewer, $action, $kind, $id, $now, $detail, None::<&str>)
    };
    ($tx:expr, $viewer:expr, $action:expr, $kind:expr, $id:expr, $now:expr, $detail:expr, $purpose:expr) => {{
        let id = $id.to_string();
        let detail: Option<String> = $detail;
        let purpose: Option<&str> = $purpose;
        let mut entry =
            $crate::audit::AuditEntry::new($action, $kind, &id).by($viewer.user, $viewer.agency);
        if let Some(detail) = detail.as_deref() {
            entry = entry.detail(detail);
        }
        if let Some(purpose) = purpose {
            entry = entry.purpose(purpose);
        }
        $crate::audit::AuditAppend::append_audit(&mut *$tx, &entry, $now).await?;
    }};
}

/// Records that the need-to-know rule refused `$viewer` on case `$case`, commits that entry
/// alone, and returns `$err` from the enclosing function.
macro_rules! refuse {
    ($tx:expr, $viewer:expr, $case:expr, $now:expr, $err:expr) => {{
        $crate::casework::audit!(
            $tx,
            $viewer,
            $crate::audit::AuditAction::Refused,
            "case",
            $case.0,
            $now
        );
        $tx.commit().await?;
        return Err($err);
    }};
}
/// Opens the write transaction `$tx` on `$pool`, loads the access facts of `$case` into
/// `$access`, and returns from the enclosing function (the refusal audited, the case not
/// found) unless `$viewer` passes `$check` (`can_read` or `can_write`). The opening of every
/// function that reads or writes one case.
macro_rules! case_tx {
    ($store:expr, $pool:expr, $tx:ident, $access:ident, $viewer:expr, $case:expr, $now:expr, $check:ident) => {
        let mut $tx = $pool.begin_with($store.backend.begin_write()).await?;
        let $access: ::safer_domain::access::CaseAccess = $crate::casework::access_of!($tx, $case)?;
        if !$access.$check($viewer) {
            $crate::casework::refuse!($tx, $viewer, $case, $now, $crate::StoreError::NotFound);
        }
        let _ = &$access;
    };
}
pub(crate) use {access_of, audit, case_tx, refuse};

/// Inserts an open case inside `$tx` and evaluates to its id and reference (made from the id,
/// such as `ASB-000042`): the one way every case is created. The caller adds its team, links
/// and audit entry.
macro_rules! insert_case {
    ($tx:expr, $partnership:expr, $case_type:expr, $summary:expr, $owner:expr, $opened_on:expr, $user:expr, $placeholder:expr, $now:expr) => {{
        let case_type: ::safer_domain::case::CaseType = $case_type;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (partnership_id, reference, case_type, summary, \
             owning_agency_id, restricted, status, opened_on, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9) RETURNING id",
        )
        .bind($partnership)
        // A unique placeholder first; the reference is made from the id the insert gives.
        .bind($placeholder)
        .bind(case_type.as_str())
        .bind($summary)
        .bind($owner)
        .bind(case_type.restricted())
        .bind($opened_on)
        .bind($user)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        let reference = format!("{}-{id:06}", case_type.reference_prefix());
        sqlx::query("UPDATE cases SET reference = $1 WHERE id = $2")
            .bind(&reference)
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        (id, reference)
    }};
}
pub(crate) use insert_case;

/// Inserts a [`NewIncident`] on case `$case` inside `$tx` (an incident without a key gets
/// `incident-<id>`, so it counts once) and evaluates to its id: the one way every incident is
/// recorded, by staff or from a resident's report. The caller audits it.
macro_rules! insert_incident {
    ($tx:expr, $case:expr, $incident:expr, $user:expr, $now:expr) => {{
        let incident: &$crate::casework::NewIncident<'_> = $incident;
        let case: i64 = $case;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_incidents (case_id, occurred_on, reported_on, \
             reported_to_agency_id, category, location, incident_key, description, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(case)
        .bind(incident.occurred_on)
        .bind(incident.reported_on)
        .bind(incident.reported_to.0)
        .bind(incident.category)
        .bind(incident.location)
        .bind(incident.incident_key.map_or_else(|| format!("case-{case}-{}", $now), str::to_string))
        .bind(incident.description)
        .bind($user)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        if incident.incident_key.is_none() {
            sqlx::query("UPDATE case_incidents SET incident_key = $1 WHERE id = $2")
                .bind(format!("incident-{id}"))
                .bind(id)
                .execute(&mut *$tx)
                .await?;
        }
        id
    }};
}
pub(crate) use insert_incident;

impl Store {
    /// Opens a case owned by the viewer's agency, with the viewer on its team, and returns
    /// its id and reference. Only case workers may open cases.
    pub async fn open_case(
        &self,
        viewer: &Viewer,
        case: &NewCase<'_>,
        now: i64,
    ) -> Result<(CaseId, String)> {
        if !viewer.works_cases() {
            return Err(StoreError::Forbidden(
                "only coordinators, practitioners and panel chairs open cases",
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let placeholder = format!("pending-{now}-{}", viewer.user.0);
            let (id, reference) = insert_case!(
                tx,
                case.partnership.0,
                case.case_type,
                case.summary,
                viewer.agency.0,
                case.opened_on,
                viewer.user.0,
                &placeholder,
                now
            );
            sqlx::query("INSERT INTO case_team (case_id, user_id, added_by, added_at) VALUES ($1, $2, $2, $3)")
                .bind(id).bind(viewer.user.0).bind(now).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "case", id, now);
            tx.commit().await?;
            Ok((CaseId(id), reference))
        })
    }

    /// How many cases the partnership holds (an aggregate: no case data, not audited).
    pub async fn count_cases(&self, partnership: PartnershipId) -> Result<usize> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE partnership_id = $1",
        ).bind(partnership.0).fetch_one(pool).await?);
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// The access facts of a case, for callers that decide what to offer (the web pages).
    /// Not found when the viewer may not read it.
    pub async fn case_access(&self, viewer: &Viewer, case: CaseId) -> Result<CaseAccess> {
        on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            let access: CaseAccess = access_of!(conn, case)?;
            if access.can_read(viewer) { Ok(access) } else { Err(StoreError::NotFound) }
        })
    }

    /// The cases the viewer may read, newest first, and one audit entry for the listing.
    pub async fn list_cases(
        &self,
        viewer: &Viewer,
        partnership: PartnershipId,
        filter: CaseFilter<'_>,
        now: i64,
    ) -> Result<Vec<CaseSummary>> {
        if !viewer.works_cases() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c JOIN agencies a ON a.id = c.owning_agency_id \
             WHERE c.partnership_id = $3 AND {READABLE} \
             AND ($4 IS NULL OR c.case_type = $4) AND ($5 IS NULL OR c.status = $5) \
             ORDER BY c.opened_on DESC, c.id DESC"
        );
        let rows: Vec<CaseRow> = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<CaseRow> = sqlx::query_as(&sql)
                .bind(viewer.user.0)
                .bind(viewer.agency.0)
                .bind(partnership.0)
                .bind(filter.case_type.map(|t| t.as_str()))
                .bind(filter.status)
                .fetch_all(&mut *tx)
                .await?;
            audit!(tx, viewer, AuditAction::Read, "case-list", partnership.0, now, Some(format!("{} cases", rows.len())));
            tx.commit().await?;
            rows
        });
        rows.into_iter().map(CaseSummary::try_from).collect()
    }

    /// Everything on a case the viewer may read, with an audit entry; not found otherwise.
    pub async fn case_detail(&self, viewer: &Viewer, case: CaseId, now: i64) -> Result<CaseDetail> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            let row: CaseRow = sqlx::query_as(&format!(
                "SELECT {CASE_COLUMNS} FROM cases c JOIN agencies a ON a.id = c.owning_agency_id \
                 WHERE c.id = $1"
            ))
            .bind(case.0)
            .fetch_one(&mut *tx)
            .await?;
            let subjects: Vec<LinkedSubjectRow> =
                sqlx::query_as(
                    "SELECT s.id, s.kind, s.name, s.born_on, s.address, s.postcode, l.role, \
                     l.consent, l.consent_on FROM case_links l \
                     JOIN case_subjects s ON s.id = l.subject_id \
                     WHERE l.case_id = $1 ORDER BY l.linked_at, s.id, l.role",
                )
                .bind(case.0)
                .fetch_all(&mut *tx)
                .await?;
            let shares: Vec<(i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
                "SELECT s.agency_id, a.name, s.purpose, s.legal_basis, s.shared_at, s.revoked_at \
                 FROM case_shares s JOIN agencies a ON a.id = s.agency_id \
                 WHERE s.case_id = $1 ORDER BY s.shared_at, a.name",
            )
            .bind(case.0)
            .fetch_all(&mut *tx)
            .await?;
            let team: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT u.id, u.display_name, a.name FROM case_team t \
                 JOIN users u ON u.id = t.user_id JOIN agencies a ON a.id = u.agency_id \
                 WHERE t.case_id = $1 ORDER BY t.added_at, u.id",
            )
            .bind(case.0)
            .fetch_all(&mut *tx)
            .await?;
            let incidents: Vec<IncidentRow> =
                sqlx::query_as(
                    "SELECT i.id, i.occurred_on, i.reported_on, i.reported_to_agency_id, a.name AS agency_name, \
                     i.category, i.location, i.incident_key, i.description FROM case_incidents i \
                     JOIN agencies a ON a.id = i.reported_to_agency_id \
                     WHERE i.case_id = $1 ORDER BY i.occurred_on, i.id",
                )
                .bind(case.0)
                .fetch_all(&mut *tx)
                .await?;
            let tasks: Vec<(i64, String, i64, String, String, Option<i64>)> = sqlx::query_as(
                "SELECT t.id, t.title, t.owner_user_id, u.display_name, t.due_on, t.done_at \
                 FROM case_tasks t JOIN users u ON u.id = t.owner_user_id \
                 WHERE t.case_id = $1 ORDER BY t.done_at IS NOT NULL, t.due_on, t.id",
            )
            .bind(case.0)
            .fetch_all(&mut *tx)
            .await?;
            let notes: Vec<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT n.id, u.display_name, n.body, n.created_at FROM case_notes n \
                 JOIN users u ON u.id = n.author_user_id WHERE n.case_id = $1 \
                 ORDER BY n.created_at, n.id",
            )
            .bind(case.0)
            .fetch_all(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Read, "case", case.0, now);
            tx.commit().await?;

            let summary = CaseSummary::try_from(row)?;
            let reference = summary.reference.clone();
            Ok(CaseDetail {
                subjects: subjects.into_iter().map(LinkedSubject::try_from).collect::<Result<_>>()?,
                shares: shares
                    .into_iter()
                    .map(|(agency, agency_name, purpose, basis, shared_at, revoked_at)| {
                        Ok(Share {
                            agency: AgencyId(agency),
                            agency_name,
                            purpose,
                            legal_basis: basis.parse().map_err(corrupt("share of case", case.0))?,
                            shared_at,
                            revoked_at,
                        })
                    })
                    .collect::<Result<_>>()?,
                team: team
                    .into_iter()
                    .map(|(user, display_name, agency_name)| TeamMember {
                        user: UserId(user),
                        display_name,
                        agency_name,
                    })
                    .collect(),
                incidents: incidents.into_iter().map(Incident::from).collect(),
                tasks: tasks
                    .into_iter()
                    .map(|(id, title, owner, owner_name, due_on, done_at)| Task {
                        id,
                        case,
                        case_reference: reference.clone(),
                        title,
                        owner: UserId(owner),
                        owner_name,
                        due_on,
                        done_at,
                    })
                    .collect(),
                notes: notes
                    .into_iter()
                    .map(|(id, author_name, body, created_at)| Note { id, author_name, body, created_at })
                    .collect(),
                case: summary,
                access,
            })
        })
    }

    /// Subjects of the partnership that may be the one being entered: the same kind and name
    /// (folded by [`match_key`]), or for people the same date of birth and postcode. Only
    /// subjects on cases the viewer may read, or created by the viewer's agency, are offered:
    /// a warning must not disclose another agency's records. Audited as a read.
    pub async fn likely_duplicates(
        &self,
        viewer: &Viewer,
        partnership: PartnershipId,
        subject: &NewSubject<'_>,
        now: i64,
    ) -> Result<Vec<SubjectMatch>> {
        if !viewer.works_cases() {
            return Ok(Vec::new());
        }
        let key = match_key(subject.name);
        let sql = format!(
            "SELECT s.id, s.name, s.born_on, s.postcode, s.match_key FROM case_subjects s \
             WHERE s.partnership_id = $3 AND s.kind = $4 \
             AND (s.match_key = $5 OR (s.born_on IS NOT NULL AND s.born_on = $6 \
                  AND s.postcode IS NOT NULL AND s.postcode = $7)) \
             AND (s.created_by_agency_id = $2 OR EXISTS (SELECT 1 FROM case_links l \
                  JOIN cases c ON c.id = l.case_id WHERE l.subject_id = s.id AND {READABLE})) \
             ORDER BY s.id"
        );
        let postcode = subject.postcode.map(normalise_postcode);
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<MatchRow> = sqlx::query_as(&sql)
                .bind(viewer.user.0)
                .bind(viewer.agency.0)
                .bind(partnership.0)
                .bind(subject.kind.as_str())
                .bind(&key)
                .bind(subject.born_on)
                .bind(postcode.as_deref())
                .fetch_all(&mut *tx)
                .await?;
            for row in &rows {
                audit!(tx, viewer, AuditAction::Read, "subject", row.id, now, Some("offered as a possible duplicate".to_string()));
            }
            tx.commit().await?;
            Ok(rows
                .into_iter()
                .map(|MatchRow { id, name, born_on, postcode, match_key: found_key }| {
                    let same_name = found_key == key;
                    let same_birth = born_on.is_some() && born_on.as_deref() == subject.born_on;
                    let reason = match (same_name, same_birth) {
                        (true, true) => "same name and date of birth",
                        (true, false) => "same name",
                        _ => "same date of birth and postcode",
                    };
                    SubjectMatch { id: SubjectId(id), name, born_on, postcode, reason }
                })
                .collect())
        })
    }

    /// Creates a subject and links it to a case the viewer may write to.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_new_subject(
        &self,
        viewer: &Viewer,
        case: CaseId,
        subject: &NewSubject<'_>,
        role: LinkRole,
        consent: Consent,
        consent_on: Option<&str>,
        now: i64,
    ) -> Result<SubjectId> {
        let key = match_key(subject.name);
        let postcode = subject.postcode.map(normalise_postcode);
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_subjects (partnership_id, kind, name, match_key, born_on, \
                 address, postcode, created_by_agency_id, created_at) \
                 SELECT partnership_id, $2, $3, $4, $5, $6, $7, $8, $9 FROM cases WHERE id = $1 \
                 RETURNING id",
            )
            .bind(case.0)
            .bind(subject.kind.as_str())
            .bind(subject.name)
            .bind(&key)
            .bind(subject.born_on)
            .bind(subject.address)
            .bind(postcode.as_deref())
            .bind(viewer.agency.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO case_links (case_id, subject_id, role, consent, consent_on, linked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(case.0).bind(id).bind(role.as_str()).bind(consent.as_str()).bind(consent_on).bind(now)
            .execute(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Create, "subject", id, now);
            audit!(tx, viewer, AuditAction::Update, "case", case.0, now, Some(format!("linked subject {id} as {}", role.as_str())));
            tx.commit().await?;
            Ok(SubjectId(id))
        })
    }

    /// Links an existing subject (one the viewer was offered as a duplicate, or already on
    /// another case they may read) to a case; nothing is typed again. Linking the same
    /// subject in the same part twice changes nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn link_subject(
        &self,
        viewer: &Viewer,
        case: CaseId,
        subject: SubjectId,
        role: LinkRole,
        consent: Consent,
        consent_on: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let sql = format!(
            "SELECT COUNT(*) FROM case_subjects s WHERE s.id = $3 \
             AND s.partnership_id = (SELECT partnership_id FROM cases WHERE id = $4) \
             AND (s.created_by_agency_id = $2 OR EXISTS (SELECT 1 FROM case_links l \
                  JOIN cases c ON c.id = l.case_id WHERE l.subject_id = s.id AND {READABLE}))"
        );
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let visible: i64 = sqlx::query_scalar(&sql)
                .bind(viewer.user.0).bind(viewer.agency.0).bind(subject.0).bind(case.0)
                .fetch_one(&mut *tx).await?;
            if visible == 0 {
                audit!(tx, viewer, AuditAction::Refused, "subject", subject.0, now);
                tx.commit().await?;
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO case_links (case_id, subject_id, role, consent, consent_on, linked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, subject_id, role) DO NOTHING",
            )
            .bind(case.0).bind(subject.0).bind(role.as_str()).bind(consent.as_str()).bind(consent_on).bind(now)
            .execute(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Update, "case", case.0, now, Some(format!("linked subject {} as {}", subject.0, role.as_str())));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Shares a case with another agency for a stated purpose on a legal basis (re-sharing a
    /// revoked share restores it with the new purpose). Only the owning agency may share.
    pub async fn share_case(
        &self,
        viewer: &Viewer,
        case: CaseId,
        agency: AgencyId,
        purpose: &str,
        basis: LegalBasis,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            if !access.can_manage(viewer) {
                refuse!(tx, viewer, case, now, StoreError::Forbidden("only the owning agency shares a case"));
            }
            if agency == access.owner {
                return Err(StoreError::Forbidden("a case is not shared with the agency that owns it"));
            }
            sqlx::query(
                "INSERT INTO case_shares (case_id, agency_id, purpose, legal_basis, shared_by, shared_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, agency_id) DO UPDATE SET \
                 purpose = excluded.purpose, legal_basis = excluded.legal_basis, \
                 shared_by = excluded.shared_by, shared_at = excluded.shared_at, revoked_at = NULL",
            )
            .bind(case.0).bind(agency.0).bind(purpose).bind(basis.as_str()).bind(viewer.user.0).bind(now)
            .execute(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Share, "case", case.0, now, Some(format!("shared with agency {}", agency.0)), Some(basis.as_str()));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ends a share. Only the owning agency may.
    pub async fn revoke_share(
        &self,
        viewer: &Viewer,
        case: CaseId,
        agency: AgencyId,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            if !access.can_manage(viewer) {
                refuse!(tx, viewer, case, now, StoreError::Forbidden("only the owning agency revokes a share"));
            }
            sqlx::query("UPDATE case_shares SET revoked_at = $3 WHERE case_id = $1 AND agency_id = $2 AND revoked_at IS NULL")
                .bind(case.0).bind(agency.0).bind(now).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Share, "case", case.0, now, Some(format!("share with agency {} revoked", agency.0)));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Adds a user to a case's team (for a restricted case, the only way to give them
    /// access). The user must work for the owning agency or one the case is shared with.
    pub async fn add_team_member(
        &self,
        viewer: &Viewer,
        case: CaseId,
        user: UserId,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            if !access.can_manage(viewer) {
                refuse!(tx, viewer, case, now, StoreError::Forbidden("only the owning agency changes the case team"));
            }
            let agency: Option<i64> = sqlx::query_scalar("SELECT agency_id FROM users WHERE id = $1")
                .bind(user.0).fetch_optional(&mut *tx).await?;
            let Some(agency) = agency.map(AgencyId) else { return Err(StoreError::NotFound) };
            if agency != access.owner && !access.shared_with.contains(&agency) {
                return Err(StoreError::Forbidden("share the case with the user's agency first"));
            }
            sqlx::query("INSERT INTO case_team (case_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (case_id, user_id) DO NOTHING")
                .bind(case.0).bind(user.0).bind(viewer.user.0).bind(now).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Update, "case", case.0, now, Some(format!("user {} added to the team", user.0)));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records an incident on a case and returns its id.
    pub async fn add_incident(
        &self,
        viewer: &Viewer,
        case: CaseId,
        incident: &NewIncident<'_>,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let id = insert_incident!(tx, case.0, incident, viewer.user.0, now);
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2").bind(now).bind(case.0).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "incident", id, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Adds a task to a case, owned by a user who may read the case, and returns its id.
    pub async fn add_task(
        &self,
        viewer: &Viewer,
        case: CaseId,
        title: &str,
        owner: UserId,
        due_on: &str,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let owner_agency: Option<i64> = sqlx::query_scalar("SELECT agency_id FROM users WHERE id = $1")
                .bind(owner.0).fetch_optional(&mut *tx).await?;
            let Some(owner_agency) = owner_agency.map(AgencyId) else { return Err(StoreError::NotFound) };
            let owner_viewer = Viewer { user: owner, agency: owner_agency, roles: vec![safer_domain::Role::Practitioner] };
            if !access.can_read(&owner_viewer) {
                return Err(StoreError::Forbidden("a task's owner must be able to see the case"));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_tasks (case_id, title, owner_user_id, due_on, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(case.0).bind(title).bind(owner.0).bind(due_on).bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Create, "task", id, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Marks a task done (once; doing it again changes nothing).
    pub async fn complete_task(&self, viewer: &Viewer, task: i64, now: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let case: Option<i64> = sqlx::query_scalar("SELECT case_id FROM case_tasks WHERE id = $1")
                .bind(task).fetch_optional(&mut *tx).await?;
            let Some(case) = case.map(CaseId) else { return Err(StoreError::NotFound) };
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_write(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            sqlx::query("UPDATE case_tasks SET done_at = $1 WHERE id = $2 AND done_at IS NULL")
                .bind(now).bind(task).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Update, "task", task, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Adds a note to a case and returns its id.
    pub async fn add_note(
        &self,
        viewer: &Viewer,
        case: CaseId,
        body: &str,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_notes (case_id, author_user_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(case.0).bind(viewer.user.0).bind(body).bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Create, "note", id, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The viewer's open tasks on cases they may still read, soonest due first. Audited as
    /// one read of the task list.
    pub async fn my_tasks(&self, viewer: &Viewer, now: i64) -> Result<Vec<Task>> {
        if !viewer.works_cases() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM case_tasks t JOIN cases c ON c.id = t.case_id \
             JOIN users u ON u.id = t.owner_user_id \
             WHERE t.owner_user_id = $1 AND t.done_at IS NULL AND {READABLE} \
             ORDER BY t.due_on, t.id"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<TaskRow> =
                sqlx::query_as(&sql).bind(viewer.user.0).bind(viewer.agency.0).fetch_all(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Read, "task-list", viewer.user.0, now, Some(format!("{} tasks", rows.len())));
            tx.commit().await?;
            Ok(rows.into_iter().map(Task::from).collect())
        })
    }

    /// Closes a case on `closed_on` and sets the date until which it is kept
    /// (`retain_until_on`, worked out by the caller from the partnership's retention
    /// settings). Only the owning agency closes a case.
    pub async fn close_case(
        &self,
        viewer: &Viewer,
        case: CaseId,
        closed_on: &str,
        retain_until_on: &str,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            if !access.can_manage(viewer) {
                refuse!(tx, viewer, case, now, StoreError::Forbidden("only the owning agency closes a case"));
            }
            sqlx::query("UPDATE cases SET status = 'closed', closed_on = $1, retain_until_on = $2, updated_at = $3 WHERE id = $4")
                .bind(closed_on).bind(retain_until_on).bind(now).bind(case.0).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Update, "case", case.0, now, Some(format!("closed; kept until {retain_until_on}")));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Closed cases of the viewer's agency whose retention ended before `today`
    /// (`YYYY-MM-DD`), for review; restricted ones only if the viewer is on the team.
    pub async fn cases_past_retention(
        &self,
        viewer: &Viewer,
        partnership: PartnershipId,
        today: &str,
        now: i64,
    ) -> Result<Vec<CaseSummary>> {
        if !viewer.works_cases() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c JOIN agencies a ON a.id = c.owning_agency_id \
             WHERE c.partnership_id = $3 AND c.owning_agency_id = $2 AND {READABLE} \
             AND c.status = 'closed' AND c.retain_until_on < $4 ORDER BY c.retain_until_on, c.id"
        );
        let rows: Vec<CaseRow> = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<CaseRow> = sqlx::query_as(&sql)
                .bind(viewer.user.0).bind(viewer.agency.0).bind(partnership.0).bind(today)
                .fetch_all(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Read, "retention-list", partnership.0, now, Some(format!("{} cases", rows.len())));
            tx.commit().await?;
            rows
        });
        rows.into_iter().map(CaseSummary::try_from).collect()
    }

    /// Erases a closed case whose retention has ended: the case and everything on it, and
    /// each of its subjects that no other case links to. The audit entry (ids only) stays.
    pub async fn erase_case(
        &self,
        viewer: &Viewer,
        case: CaseId,
        today: &str,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            if !access.can_manage(viewer) {
                refuse!(tx, viewer, case, now, StoreError::Forbidden("only the owning agency erases a case"));
            }
            let due: Option<(String, Option<String>)> =
                sqlx::query_as("SELECT status, retain_until_on FROM cases WHERE id = $1")
                    .bind(case.0).fetch_optional(&mut *tx).await?;
            match due {
                Some((status, Some(until))) if status == "closed" && until.as_str() < today => {}
                _ => return Err(StoreError::Forbidden("only a closed case past its retention date can be erased")),
            }
            let subjects: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT subject_id FROM case_links WHERE case_id = $1")
                .bind(case.0).fetch_all(&mut *tx).await?;
            sqlx::query("DELETE FROM cases WHERE id = $1").bind(case.0).execute(&mut *tx).await?;
            let mut erased_subjects = 0;
            for subject in subjects {
                let done = sqlx::query(
                    "DELETE FROM case_subjects WHERE id = $1 AND NOT EXISTS \
                     (SELECT 1 FROM case_links WHERE subject_id = $1)",
                )
                .bind(subject).execute(&mut *tx).await?;
                erased_subjects += done.rows_affected();
            }
            audit!(tx, viewer, AuditAction::Erase, "case", case.0, now, Some(format!("retention ended; {erased_subjects} subjects erased with it")));
            tx.commit().await?;
            Ok(())
        })
    }
}

/// A postcode as stored: upper case, one space before the inward code ("me14 1xx" →
/// "ME14 1XX").
pub fn normalise_postcode(postcode: &str) -> String {
    let compact: String =
        postcode.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    if compact.len() > 3 && compact.is_ascii() {
        format!("{} {}", &compact[..compact.len() - 3], &compact[compact.len() - 3..])
    } else {
        compact
    }
}
