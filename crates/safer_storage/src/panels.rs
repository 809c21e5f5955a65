//! Panels (CSVG, DCSM, MARAC, Ward Cluster Meetings), referrals to them, and their meetings:
//! agendas built from waiting referrals and reviews fallen due, attendance, minutes per case,
//! and actions that become case tasks.
//!
//! Panels add no access rule of their own. Referring a case shares it with the panel's host
//! agency and, for a restricted case, puts the host's panel chairs on the case team, so the
//! ordinary need-to-know rule ([`safer_domain::access`]) then lets the panel work the case. A
//! meeting's agenda shows each item's reference to anyone who may run or attend the panel; the
//! case's contents only to those who may read the case. Every read and write of case data is
//! audited in the same transaction, as in [`crate::casework`].

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::case::{LegalBasis, PanelKind};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, UserId};
use safer_domain::Role;

use crate::audit::AuditAction;
use crate::casework::{access_of, audit, case_tx, TaskRow};
use crate::{on_pool, Result, Store, StoreError, Task};

/// A panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panel {
    /// Its id.
    pub id: i64,
    /// Which kind.
    pub kind: PanelKind,
    /// Its name, such as "Maidstone MARAC".
    pub name: String,
    /// The agency that hosts it.
    pub host: AgencyId,
    /// Days between meetings.
    pub cadence_days: u32,
}

impl Panel {
    /// Whether `viewer` runs this panel: a panel chair or coordinator of the host agency.
    pub fn can_run(&self, viewer: &Viewer) -> bool {
        viewer.agency == self.host
            && viewer.roles.iter().any(|r| matches!(r, Role::PanelChair | Role::Coordinator))
    }
}

/// One case on a meeting's agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    /// The item's id.
    pub id: i64,
    /// Its place on the agenda, from 1.
    pub position: i64,
    /// The case.
    pub case: CaseId,
    /// The case's reference (shown to everyone who may see the agenda).
    pub reference: String,
    /// `new-referral` or `review-due`.
    pub reason: String,
    /// The referral's reason code, for a new referral.
    pub referral_reason: Option<String>,
    /// The referral's detail, for a new referral, when the viewer may read the case.
    pub referral_detail: Option<String>,
    /// The case's summary, when the viewer may read the case.
    pub summary: Option<String>,
    /// The minutes, when the viewer may read the case.
    pub minutes: Option<String>,
    /// The review date the panel set.
    pub next_review_on: Option<String>,
    /// Actions agreed on it, when the viewer may read the case.
    pub actions: Vec<Task>,
    /// Whether the viewer may read the case.
    pub readable: bool,
}

/// A meeting with its agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Its id.
    pub id: i64,
    /// The panel.
    pub panel: Panel,
    /// The day it is held.
    pub held_on: String,
    /// `planned` or `held`.
    pub status: String,
    /// The agenda, in order.
    pub items: Vec<AgendaItem>,
    /// Who was there or sent apologies: (agency name, attendee, present).
    pub attendance: Vec<(String, String, bool)>,
}

#[derive(sqlx::FromRow)]
struct PanelRow {
    id: i64,
    kind: String,
    name: String,
    host_agency_id: i64,
    cadence_days: i32,
}

impl TryFrom<PanelRow> for Panel {
    type Error = StoreError;

    fn try_from(row: PanelRow) -> Result<Panel> {
        Ok(Panel {
            id: row.id,
            kind: row
                .kind
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("panel {}: {e}", row.id)))?,
            name: row.name,
            host: AgencyId(row.host_agency_id),
            cadence_days: u32::try_from(row.cadence_days).unwrap_or(1),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    position: i64,
    case: i64,
    reference: String,
    reason: String,
    referral_reason: Option<String>,
    referral_detail: Option<String>,
    summary: String,
    minutes: Option<String>,
    next_review_on: Option<String>,
}

const PANEL_COLUMNS: &str = "id, kind, name, host_agency_id, cadence_days";

/// The in-transaction part of a panel referral, shared by [`Store::refer_to_panel`] and the
/// MARAC referral a DASH checklist makes (`crate::dash`): checks the case and panel are in the
/// same partnership, inserts the waiting referral, shares the case with the panel's host
/// agency and puts the host's panel chairs on the team of a restricted case, and appends the
/// audit entries. The caller has loaded `$access` and decided the viewer may refer; it commits.
/// Evaluates to the referral's id.
macro_rules! refer_in_tx {
    ($tx:expr, $viewer:expr, $access:expr, $case:expr, $panel:expr, $referred_on:expr, $reason:expr, $detail:expr, $basis:expr, $now:expr) => {{
        let same_partnership: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases c JOIN panels p ON p.partnership_id = c.partnership_id \
             WHERE c.id = $1 AND p.id = $2",
        )
        .bind($case.0).bind($panel.id).fetch_one(&mut *$tx).await?;
        if same_partnership == 0 {
            return Err(StoreError::NotFound);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO panel_referrals (panel_id, case_id, referred_on, reason, detail, \
             status, referred_by, created_at) VALUES ($1, $2, $3, $4, $5, 'waiting', $6, $7) \
             RETURNING id",
        )
        .bind($panel.id).bind($case.0).bind($referred_on).bind($reason).bind($detail)
        .bind($viewer.user.0).bind($now)
        .fetch_one(&mut *$tx).await?;
        if $panel.host != $access.owner {
            sqlx::query(
                "INSERT INTO case_shares (case_id, agency_id, purpose, legal_basis, shared_by, shared_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, agency_id) DO UPDATE SET \
                 purpose = excluded.purpose, legal_basis = excluded.legal_basis, \
                 shared_by = excluded.shared_by, shared_at = excluded.shared_at, revoked_at = NULL",
            )
            .bind($case.0).bind($panel.host.0).bind(format!("{} referral", $panel.name))
            .bind($basis.as_str()).bind($viewer.user.0).bind($now)
            .execute(&mut *$tx).await?;
        }
        let mut chairs = 0;
        if $access.restricted {
            let partnership: i64 = sqlx::query_scalar("SELECT partnership_id FROM cases WHERE id = $1")
                .bind($case.0).fetch_one(&mut *$tx).await?;
            let done = sqlx::query(
                "INSERT INTO case_team (case_id, user_id, added_by, added_at) \
                 SELECT $1, u.id, $2, $3 FROM users u JOIN memberships m ON m.user_id = u.id \
                 WHERE u.agency_id = $4 AND m.partnership_id = $5 AND m.role = 'panel_chair' \
                 AND u.disabled = FALSE ON CONFLICT (case_id, user_id) DO NOTHING",
            )
            .bind($case.0).bind($viewer.user.0).bind($now).bind($panel.host.0).bind(partnership)
            .execute(&mut *$tx).await?;
            chairs = done.rows_affected();
        }
        if $panel.host != $access.owner {
            audit!($tx, $viewer, AuditAction::Share, "case", $case.0, $now, Some(format!("shared with agency {} for panel {}", $panel.host.0, $panel.id)), Some($basis.as_str()));
        }
        audit!($tx, $viewer, AuditAction::Create, "referral", id, $now, Some(format!("case {} to panel {}; {chairs} chairs added to the team", $case.0, $panel.id)));
        id
    }};
}
pub(crate) use refer_in_tx;

impl Store {
    /// Creates a panel (set-up; holds no personal data) and returns it. The name is unique
    /// within the partnership ([`StoreError::Conflict`] `panels_partnership_name_key`).
    pub async fn create_panel(
        &self,
        partnership: PartnershipId,
        kind: PanelKind,
        name: &str,
        host: AgencyId,
        cadence_days: u32,
        now: i64,
    ) -> Result<Panel> {
        let cadence = i32::try_from(cadence_days.max(1)).unwrap_or(i32::MAX);
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO panels (partnership_id, kind, name, host_agency_id, cadence_days, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(partnership.0).bind(kind.as_str()).bind(name).bind(host.0).bind(cadence).bind(now)
        .fetch_one(pool).await?);
        Ok(Panel { id, kind, name: name.to_string(), host, cadence_days: cadence_days.max(1) })
    }

    /// The partnership's panels, by name.
    pub async fn panels(&self, partnership: PartnershipId) -> Result<Vec<Panel>> {
        let sql = format!(
            "SELECT {PANEL_COLUMNS} FROM panels WHERE partnership_id = $1 ORDER BY name, id"
        );
        let rows: Vec<PanelRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(partnership.0).fetch_all(pool).await?);
        rows.into_iter().map(Panel::try_from).collect()
    }

    /// One panel.
    pub async fn panel(&self, id: i64) -> Result<Panel> {
        let sql = format!("SELECT {PANEL_COLUMNS} FROM panels WHERE id = $1");
        let row: Option<PanelRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Refers a case to a panel: records the referral (waiting for the next agenda), shares
    /// the case with the panel's host agency for the panel's purpose on `basis`, and puts the
    /// host's panel chairs on the team of a restricted case. Only the owning agency refers
    /// (it decides sharing). Returns the referral's id.
    #[allow(clippy::too_many_arguments)]
    pub async fn refer_to_panel(
        &self,
        viewer: &Viewer,
        case: CaseId,
        panel: i64,
        referred_on: &str,
        reason: &str,
        detail: Option<&str>,
        basis: LegalBasis,
        now: i64,
    ) -> Result<i64> {
        let panel = self.panel(panel).await?;
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            if !access.can_manage(viewer) {
                crate::casework::refuse!(tx, viewer, case, now, StoreError::Forbidden("only the owning agency refers a case to a panel"));
            }
            let id = refer_in_tx!(tx, viewer, access, case, panel, referred_on, reason, detail, basis, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Plans a meeting of `panel` on `held_on` and builds its agenda: every referral waiting
    /// (oldest first), then every open case of the panel whose review is due by that day and
    /// that is not already listed (soonest first). Only those who run the panel plan meetings.
    /// Returns the meeting's id.
    pub async fn plan_meeting(
        &self,
        viewer: &Viewer,
        panel: i64,
        held_on: &str,
        now: i64,
    ) -> Result<i64> {
        let panel = self.panel(panel).await?;
        if !panel.can_run(viewer) {
            return Err(StoreError::Forbidden(
                "only the panel's chairs and coordinators plan its meetings",
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let meeting: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (panel_id, held_on, status, chair_user_id, created_by, created_at) \
                 VALUES ($1, $2, 'planned', $3, $3, $4) RETURNING id",
            )
            .bind(panel.id).bind(held_on).bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx).await?;
            let waiting: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT r.id, r.case_id FROM panel_referrals r JOIN cases c ON c.id = r.case_id \
                 WHERE r.panel_id = $1 AND r.status = 'waiting' AND r.referred_on <= $2 \
                 AND c.status = 'open' ORDER BY r.referred_on, r.id",
            )
            .bind(panel.id).bind(held_on).fetch_all(&mut *tx).await?;
            let reviews: Vec<i64> = sqlx::query_scalar(
                "SELECT c.id FROM cases c WHERE c.status = 'open' AND c.next_review_on IS NOT NULL \
                 AND c.next_review_on <= $2 AND EXISTS (SELECT 1 FROM panel_referrals r \
                 WHERE r.case_id = c.id AND r.panel_id = $1 AND r.status = 'heard') \
                 ORDER BY c.next_review_on, c.id",
            )
            .bind(panel.id).bind(held_on).fetch_all(&mut *tx).await?;
            let mut position = 0i64;
            let mut listed = Vec::new();
            for (referral, case) in waiting {
                if listed.contains(&case) {
                    continue;
                }
                position += 1;
                sqlx::query(
                    "INSERT INTO meeting_items (meeting_id, case_id, referral_id, reason, position) \
                     VALUES ($1, $2, $3, 'new-referral', $4)",
                )
                .bind(meeting).bind(case).bind(referral).bind(position).execute(&mut *tx).await?;
                sqlx::query("UPDATE panel_referrals SET status = 'listed' WHERE id = $1")
                    .bind(referral).execute(&mut *tx).await?;
                listed.push(case);
            }
            for case in reviews {
                if listed.contains(&case) {
                    continue;
                }
                position += 1;
                sqlx::query(
                    "INSERT INTO meeting_items (meeting_id, case_id, reason, position) \
                     VALUES ($1, $2, 'review-due', $3)",
                )
                .bind(meeting).bind(case).bind(position).execute(&mut *tx).await?;
                listed.push(case);
            }
            audit!(tx, viewer, AuditAction::Create, "meeting", meeting, now, Some(format!("{} cases listed", listed.len())));
            tx.commit().await?;
            Ok(meeting)
        })
    }

    /// A meeting and its agenda as `viewer` may see it: references for everyone who runs
    /// the panel or may read one of its cases; summaries, referral details, minutes and
    /// actions only for cases the viewer may read (each such case read is audited).
    pub async fn meeting(&self, viewer: &Viewer, meeting: i64, now: i64) -> Result<Meeting> {
        let row: Option<(i64, String, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT panel_id, held_on, status FROM meetings WHERE id = $1",
        ).bind(meeting).fetch_optional(pool).await?);
        let (panel_id, held_on, status) = row.ok_or(StoreError::NotFound)?;
        let panel = self.panel(panel_id).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let items: Vec<ItemRow> =
                sqlx::query_as(
                    "SELECT i.id, i.position, i.case_id AS \"case\", c.reference, i.reason, \
                     r.reason AS referral_reason, r.detail AS referral_detail, \
                     c.summary, i.minutes, i.next_review_on FROM meeting_items i \
                     JOIN cases c ON c.id = i.case_id LEFT JOIN panel_referrals r ON r.id = i.referral_id \
                     WHERE i.meeting_id = $1 ORDER BY i.position",
                )
                .bind(meeting).fetch_all(&mut *tx).await?;
            let mut agenda = Vec::new();
            for ItemRow { id, position, case, reference, reason, referral_reason, referral_detail, summary, minutes, next_review_on } in items {
                let access: CaseAccess = access_of!(tx, CaseId(case))?;
                let readable = access.can_read(viewer);
                let actions = if readable {
                    let rows: Vec<(i64, String, i64, String, String, Option<i64>)> = sqlx::query_as(
                        "SELECT t.id, t.title, t.owner_user_id, u.display_name, t.due_on, t.done_at \
                         FROM case_tasks t JOIN users u ON u.id = t.owner_user_id \
                         WHERE t.meeting_item_id = $1 ORDER BY t.due_on, t.id",
                    )
                    .bind(id).fetch_all(&mut *tx).await?;
                    rows.into_iter()
                        .map(|(task, title, owner, owner_name, due_on, done_at)| Task {
                            id: task,
                            case: CaseId(case),
                            case_reference: reference.clone(),
                            title,
                            owner: UserId(owner),
                            owner_name,
                            due_on,
                            done_at,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                agenda.push(AgendaItem {
                    id,
                    position,
                    case: CaseId(case),
                    reference,
                    reason,
                    referral_reason,
                    referral_detail: referral_detail.filter(|_| readable),
                    summary: readable.then_some(summary),
                    minutes: minutes.filter(|_| readable),
                    next_review_on,
                    actions,
                    readable,
                });
            }
            if !panel.can_run(viewer) && !agenda.iter().any(|item| item.readable) {
                // Nothing on it the viewer may see: refused, recorded, and not found.
                audit!(tx, viewer, AuditAction::Refused, "meeting", meeting, now);
                tx.commit().await?;
                return Err(StoreError::NotFound);
            }
            let attendance: Vec<(String, String, bool)> = sqlx::query_as(
                "SELECT a.name, m.attendee, m.present FROM meeting_attendance m \
                 JOIN agencies a ON a.id = m.agency_id WHERE m.meeting_id = $1 ORDER BY a.name, m.attendee",
            )
            .bind(meeting).fetch_all(&mut *tx).await?;
            for item in agenda.iter().filter(|item| item.readable) {
                audit!(tx, viewer, AuditAction::Read, "case", item.case.0, now, Some(format!("on the agenda of meeting {meeting}")));
            }
            tx.commit().await?;
            Ok(Meeting { id: meeting, panel, held_on, status, items: agenda, attendance })
        })
    }

    /// Meetings of a panel, newest first: (id, held on, status, items).
    pub async fn panel_meetings(&self, panel: i64) -> Result<Vec<(i64, String, String, i64)>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT m.id, m.held_on, m.status, (SELECT COUNT(*) FROM meeting_items i WHERE i.meeting_id = m.id) \
             FROM meetings m WHERE m.panel_id = $1 ORDER BY m.held_on DESC, m.id DESC",
        ).bind(panel).fetch_all(pool).await?))
    }

    /// Records who attended (or sent apologies) for an agency. Only those who run the panel.
    pub async fn record_attendance(
        &self,
        viewer: &Viewer,
        meeting: i64,
        agency: AgencyId,
        attendee: &str,
        present: bool,
    ) -> Result<()> {
        let panel_id: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT panel_id FROM meetings WHERE id = $1").bind(meeting).fetch_optional(pool).await?);
        let panel = self.panel(panel_id.ok_or(StoreError::NotFound)?).await?;
        if !panel.can_run(viewer) {
            return Err(StoreError::Forbidden(
                "only the panel's chairs and coordinators record attendance",
            ));
        }
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO meeting_attendance (meeting_id, agency_id, attendee, present) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (meeting_id, agency_id, attendee) DO UPDATE SET present = excluded.present",
            )
            .bind(meeting).bind(agency.0).bind(attendee).bind(present).execute(pool).await?;
        });
        Ok(())
    }

    /// Records the minutes of one agenda item and when the panel will next review the case
    /// (which sets the case's review date and marks a new referral heard). The viewer must be
    /// able to write to the case.
    pub async fn record_minutes(
        &self,
        viewer: &Viewer,
        item: i64,
        minutes: &str,
        next_review_on: Option<&str>,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let row: Option<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT case_id, referral_id FROM meeting_items WHERE id = $1",
            ).bind(item).fetch_optional(&mut *tx).await?;
            let Some((case, referral)) = row else { return Err(StoreError::NotFound) };
            let case = CaseId(case);
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_write(viewer) {
                crate::casework::refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            sqlx::query("UPDATE meeting_items SET minutes = $1, next_review_on = $2 WHERE id = $3")
                .bind(minutes).bind(next_review_on).bind(item).execute(&mut *tx).await?;
            sqlx::query("UPDATE cases SET next_review_on = $1, updated_at = $2 WHERE id = $3")
                .bind(next_review_on).bind(now).bind(case.0).execute(&mut *tx).await?;
            if let Some(referral) = referral {
                sqlx::query("UPDATE panel_referrals SET status = 'heard' WHERE id = $1")
                    .bind(referral).execute(&mut *tx).await?;
            }
            audit!(tx, viewer, AuditAction::Update, "case", case.0, now, Some(format!("minutes of meeting item {item}")));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records an action agreed on an agenda item as a task on its case, owned by someone
    /// who can see the case, and returns the task's id.
    pub async fn add_meeting_action(
        &self,
        viewer: &Viewer,
        item: i64,
        title: &str,
        owner: UserId,
        due_on: &str,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let case: Option<i64> = sqlx::query_scalar("SELECT case_id FROM meeting_items WHERE id = $1")
                .bind(item).fetch_optional(&mut *tx).await?;
            let Some(case) = case.map(CaseId) else { return Err(StoreError::NotFound) };
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_write(viewer) {
                crate::casework::refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let owner_agency: Option<i64> = sqlx::query_scalar("SELECT agency_id FROM users WHERE id = $1")
                .bind(owner.0).fetch_optional(&mut *tx).await?;
            let Some(owner_agency) = owner_agency.map(AgencyId) else { return Err(StoreError::NotFound) };
            let owner_viewer = Viewer { user: owner, agency: owner_agency, roles: vec![Role::Practitioner] };
            if !access.can_read(&owner_viewer) {
                return Err(StoreError::Forbidden("an action's owner must be able to see the case"));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_tasks (case_id, title, owner_user_id, due_on, created_by, created_at, meeting_item_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(case.0).bind(title).bind(owner.0).bind(due_on).bind(viewer.user.0).bind(now).bind(item)
            .fetch_one(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "task", id, now, Some(format!("action of meeting item {item}")));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Marks a meeting held. Only those who run the panel.
    pub async fn close_meeting(&self, viewer: &Viewer, meeting: i64) -> Result<()> {
        let panel_id: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT panel_id FROM meetings WHERE id = $1").bind(meeting).fetch_optional(pool).await?);
        let panel = self.panel(panel_id.ok_or(StoreError::NotFound)?).await?;
        if !panel.can_run(viewer) {
            return Err(StoreError::Forbidden(
                "only the panel's chairs and coordinators close a meeting",
            ));
        }
        on_pool!(self, pool => {
            sqlx::query("UPDATE meetings SET status = 'held' WHERE id = $1").bind(meeting).execute(pool).await?;
        });
        Ok(())
    }

    /// The panel's open actions on cases the viewer may read, soonest due first.
    pub async fn panel_open_actions(
        &self,
        viewer: &Viewer,
        panel: i64,
        now: i64,
    ) -> Result<Vec<Task>> {
        if !viewer.works_cases() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM case_tasks t JOIN meeting_items i ON i.id = t.meeting_item_id \
             JOIN meetings m ON m.id = i.meeting_id JOIN cases c ON c.id = t.case_id \
             JOIN users u ON u.id = t.owner_user_id \
             WHERE m.panel_id = $3 AND t.done_at IS NULL AND {} ORDER BY t.due_on, t.id",
            crate::casework::READABLE,
            TASK_COLUMNS = crate::casework::TASK_COLUMNS,
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<TaskRow> = sqlx::query_as(&sql)
                .bind(viewer.user.0).bind(viewer.agency.0).bind(panel).fetch_all(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Read, "panel-actions", panel, now, Some(format!("{} tasks", rows.len())));
            tx.commit().await?;
            Ok(rows.into_iter().map(Task::from).collect())
        })
    }
}
