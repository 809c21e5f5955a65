//! Partnership plans. The validated plan is kept whole as a JSON document (it is read whole to
//! render pages) together with the TOML it came from; its priorities are also rows of their own
//! so later records (indicators, action plans) can refer to them with foreign keys.

use safer_domain::digest::sha256_hex;
use safer_domain::ids::{PartnershipId, PlanId};
use safer_domain::plan::{Plan, PlanStatus, PriorityKind};

use crate::{on_pool, Result, Store, StoreError};

/// What [`Store::import_plan`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanImportOutcome {
    /// The plan was new.
    Created(PlanId),
    /// The plan existed and its file changed.
    Updated(PlanId),
    /// The plan existed with the very same file; nothing was written.
    Unchanged(PlanId),
}

impl PlanImportOutcome {
    /// The id of the stored plan.
    pub fn plan_id(self) -> PlanId {
        match self {
            PlanImportOutcome::Created(id)
            | PlanImportOutcome::Updated(id)
            | PlanImportOutcome::Unchanged(id) => id,
        }
    }
}

/// A stored plan.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPlan {
    /// Database id.
    pub id: PlanId,
    /// The partnership whose plan it is.
    pub partnership_id: PartnershipId,
    /// The plan.
    pub plan: Plan,
    /// When it was first imported (unix seconds).
    pub imported_at: i64,
    /// When it last changed (unix seconds).
    pub updated_at: i64,
}

/// A plan as listed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanSummary {
    /// Database id.
    pub id: i64,
    /// Stable slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// First year.
    pub starts: i32,
    /// Last year.
    pub ends: i32,
    /// `draft` or `adopted`.
    pub status: String,
    /// The partnership's name.
    pub partnership_name: String,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    partnership_id: i64,
    document: String,
    imported_at: i64,
    updated_at: i64,
}

fn content_hash(source: &str) -> String {
    sha256_hex(source.as_bytes())
}

fn status_str(status: PlanStatus) -> &'static str {
    match status {
        PlanStatus::Draft => "draft",
        PlanStatus::Adopted => "adopted",
    }
}

fn kind_str(kind: PriorityKind) -> &'static str {
    match kind {
        PriorityKind::Core => "core",
        PriorityKind::CrossCutting => "cross-cutting",
    }
}

impl Store {
    /// Stores a validated plan for a partnership, in one transaction. Importing the same file
    /// again writes nothing; a changed file replaces the stored plan, keeping priority rows (and
    /// their ids) for priorities that are still there. A plan id already used by another
    /// partnership is a [`StoreError::Conflict`] on `plans_slug_key`.
    pub async fn import_plan(
        &self,
        partnership: PartnershipId,
        plan: &Plan,
        source_toml: &str,
        now: i64,
    ) -> Result<PlanImportOutcome> {
        let hash = content_hash(source_toml);
        let document =
            serde_json::to_string(plan).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let info = &plan.plan;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let existing: Option<(i64, i64, String)> =
                sqlx::query_as("SELECT id, partnership_id, content_hash FROM plans WHERE slug = $1")
                    .bind(&info.id).fetch_optional(&mut *tx).await?;
            let outcome = match existing {
                Some((_, owner, _)) if owner != partnership.0 => {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict { constraint: "plans_slug_key".to_string() });
                }
                Some((id, _, old_hash)) if old_hash == hash => {
                    tx.rollback().await?;
                    return Ok(PlanImportOutcome::Unchanged(PlanId(id)));
                }
                Some((id, _, _)) => {
                    sqlx::query(
                        "UPDATE plans SET title = $1, starts = $2, ends = $3, status = $4, format = $5, document = $6, \
                         source_toml = $7, content_hash = $8, updated_at = $9 WHERE id = $10",
                    )
                    .bind(&info.title).bind(i32::from(info.starts)).bind(i32::from(info.ends))
                    .bind(status_str(info.status)).bind(plan.format as i32).bind(&document)
                    .bind(source_toml).bind(&hash).bind(now).bind(id)
                    .execute(&mut *tx).await?;
                    PlanImportOutcome::Updated(PlanId(id))
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO plans (partnership_id, slug, title, starts, ends, status, format, document, \
                         source_toml, content_hash, imported_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                    )
                    .bind(partnership.0).bind(&info.id).bind(&info.title)
                    .bind(i32::from(info.starts)).bind(i32::from(info.ends))
                    .bind(status_str(info.status)).bind(plan.format as i32).bind(&document)
                    .bind(source_toml).bind(&hash).bind(now)
                    .fetch_one(&mut *tx).await?;
                    PlanImportOutcome::Created(PlanId(id))
                }
            };
            let plan_id = outcome.plan_id().0;
            for (position, priority) in plan.priorities.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO plan_priorities (plan_id, slug, kind, title, position) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (plan_id, slug) DO UPDATE SET kind = excluded.kind, title = excluded.title, \
                     position = excluded.position",
                )
                .bind(plan_id).bind(&priority.id).bind(kind_str(priority.kind)).bind(&priority.title)
                .bind(position as i32)
                .execute(&mut *tx).await?;
            }
            let kept: Vec<String> = plan.priorities.iter().map(|p| p.id.clone()).collect();
            let stored: Vec<String> = sqlx::query_scalar("SELECT slug FROM plan_priorities WHERE plan_id = $1")
                .bind(plan_id).fetch_all(&mut *tx).await?;
            for slug in stored.iter().filter(|s| !kept.contains(s)) {
                sqlx::query("DELETE FROM plan_priorities WHERE plan_id = $1 AND slug = $2")
                    .bind(plan_id).bind(slug).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// The plan with this slug.
    pub async fn plan_by_slug(&self, slug: &str) -> Result<Option<StoredPlan>> {
        const SQL: &str = "SELECT id, partnership_id, document, imported_at, updated_at FROM plans WHERE slug = $1";
        let row = on_pool!(self, pool => sqlx::query_as::<_, PlanRow>(SQL).bind(slug).fetch_optional(pool).await?);
        row.map(stored_plan).transpose()
    }

    /// The TOML a plan was imported from, exactly as given.
    pub async fn plan_source(&self, slug: &str) -> Result<Option<String>> {
        const SQL: &str = "SELECT source_toml FROM plans WHERE slug = $1";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL).bind(slug).fetch_optional(pool).await?))
    }

    /// Every plan, newest period first.
    pub async fn list_plans(&self) -> Result<Vec<PlanSummary>> {
        const SQL: &str = "SELECT pl.id, pl.slug, pl.title, pl.starts, pl.ends, pl.status, pa.name AS partnership_name \
             FROM plans pl JOIN partnerships pa ON pa.id = pl.partnership_id ORDER BY pl.starts DESC, pl.slug";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, PlanSummary>(SQL).fetch_all(pool).await?))
    }

    /// The slugs and ids of a plan's priorities, in plan order.
    pub async fn plan_priority_ids(&self, plan: PlanId) -> Result<Vec<(i64, String)>> {
        const SQL: &str =
            "SELECT id, slug FROM plan_priorities WHERE plan_id = $1 ORDER BY position";
        Ok(on_pool!(self, pool => sqlx::query_as(SQL).bind(plan.0).fetch_all(pool).await?))
    }
}

fn stored_plan(row: PlanRow) -> Result<StoredPlan> {
    let plan = serde_json::from_str(&row.document)
        .map_err(|e| StoreError::Corrupt(format!("plan {}: {e}", row.id)))?;
    Ok(StoredPlan {
        id: PlanId(row.id),
        partnership_id: PartnershipId(row.partnership_id),
        plan,
        imported_at: row.imported_at,
        updated_at: row.updated_at,
    })
}
