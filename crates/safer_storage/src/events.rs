//! The security event trail: sign-ins, sign-outs, refused sign-ins and account changes.

use crate::{on_pool, Result, Store};
use safer_domain::ids::UserId;

/// A recorded security event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecurityEvent {
    /// When (unix seconds).
    pub at: i64,
    /// Who did it, when known.
    pub actor_user_id: Option<i64>,
    /// What happened, such as `sign_in`, `sign_in_refused`, `user_disabled`.
    pub action: String,
    /// What it happened to, such as `user:12`. Never a password or token.
    pub subject: String,
}

impl Store {
    /// Appends a security event.
    pub async fn record_event(
        &self,
        at: i64,
        actor: Option<UserId>,
        action: &str,
        subject: &str,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO security_events (at, actor_user_id, action, subject) VALUES ($1, $2, $3, $4)";
        on_pool!(self, pool => sqlx::query(SQL).bind(at).bind(actor.map(|a| a.0)).bind(action).bind(subject).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The most recent security events, newest first.
    pub async fn recent_events(&self, limit: i64) -> Result<Vec<SecurityEvent>> {
        const SQL: &str = "SELECT at, actor_user_id, action, subject FROM security_events ORDER BY id DESC LIMIT $1";
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, SecurityEvent>(SQL).bind(limit).fetch_all(pool).await?),
        )
    }
}
