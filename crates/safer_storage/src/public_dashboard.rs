//! What the public dashboard reads and the one thing it stores: "You said, we did" entries,
//! what residents told the partnership and what the partnership did about it.
//!
//! Entries are public text, written by coordinators and shown to anyone; they hold no personal
//! data by rule, not by check. Adding and removing one is audited (object kind
//! `you-said-we-did`), in the same transaction as the change, so what the public was told and
//! who changed it can be traced. The dashboard's crime figures are the evidence reads of
//! [`crate::evidence`] (counts by month and crime type for an area, counts by LSOA), so the
//! dashboard and `safer compare` count the same rows the same way.

use safer_domain::ids::{AgencyId, PartnershipId, UserId};

use crate::audit::{AuditAction, AuditAppend, AuditEntry};
use crate::{on_pool, Result, Store};

/// The audit log's object kind for entries.
const AUDIT_KIND: &str = "you-said-we-did";

/// The audit entry for `action` on entry `id` (given as text) by `actor`, or by Safer itself.
fn audit_entry(action: AuditAction, id: &str, actor: Option<(UserId, AgencyId)>) -> AuditEntry<'_> {
    let entry = AuditEntry::new(action, AUDIT_KIND, id);
    match actor {
        Some((user, agency)) => entry.by(user, agency),
        None => entry,
    }
}

/// A "You said, we did" entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct YouSaidWeDid {
    /// Database id.
    pub id: i64,
    /// The partnership that published it.
    pub partnership_id: i64,
    /// What residents said, such as "Drug dealing near the park worries us".
    pub you_said: String,
    /// What the partnership did about it.
    pub we_did: String,
    /// The date shown with the entry, `YYYY-MM-DD`.
    pub published_on: String,
    /// Who wrote it; `None` for the demo's entries and when the account was deleted.
    pub created_by: Option<i64>,
    /// When it was written (unix seconds).
    pub created_at: i64,
}

/// A "You said, we did" entry to add, already checked by the caller (both texts non-empty,
/// the date `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewYouSaidWeDid<'a> {
    /// What residents said.
    pub you_said: &'a str,
    /// What the partnership did.
    pub we_did: &'a str,
    /// The date shown, `YYYY-MM-DD`.
    pub published_on: &'a str,
}

impl Store {
    /// Adds an entry for `partnership`, written by `actor` (a user and the agency they act for;
    /// `None` for Safer itself, as the demo does); returns its id.
    pub async fn add_you_said_we_did(
        &self,
        partnership: PartnershipId,
        entry: &NewYouSaidWeDid<'_>,
        actor: Option<(UserId, AgencyId)>,
        now: i64,
    ) -> Result<i64> {
        const SQL: &str = "INSERT INTO you_said_we_did \
             (partnership_id, you_said, we_did, published_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let id: i64 = sqlx::query_scalar(SQL)
                .bind(partnership.0)
                .bind(entry.you_said)
                .bind(entry.we_did)
                .bind(entry.published_on)
                .bind(actor.map(|(user, _)| user.0))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            let id_text = id.to_string();
            let audit = audit_entry(AuditAction::Create, &id_text, actor);
            AuditAppend::append_audit(&mut *tx, &audit, now).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The entries of `partnership`, newest first (by the date shown, then the latest added).
    pub async fn you_said_we_did(&self, partnership: PartnershipId) -> Result<Vec<YouSaidWeDid>> {
        const SQL: &str = "SELECT id, partnership_id, you_said, we_did, published_on, created_by, \
             created_at FROM you_said_we_did WHERE partnership_id = $1 \
             ORDER BY published_on DESC, id DESC";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, YouSaidWeDid>(SQL)
            .bind(partnership.0).fetch_all(pool).await?))
    }

    /// Removes the entry `id` of `partnership` for `actor`; false when there is no such entry
    /// (or it is another partnership's), and then nothing is written.
    pub async fn remove_you_said_we_did(
        &self,
        partnership: PartnershipId,
        id: i64,
        actor: Option<(UserId, AgencyId)>,
        now: i64,
    ) -> Result<bool> {
        const SQL: &str = "DELETE FROM you_said_we_did WHERE id = $1 AND partnership_id = $2";
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let done = sqlx::query(SQL).bind(id).bind(partnership.0).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            let id_text = id.to_string();
            let audit = audit_entry(AuditAction::Delete, &id_text, actor);
            AuditAppend::append_audit(&mut *tx, &audit, now).await?;
            tx.commit().await?;
            Ok(true)
        })
    }
}
