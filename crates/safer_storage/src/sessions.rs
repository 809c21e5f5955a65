//! Sign-in sessions, login throttling and the secrets web instances share.
//!
//! Sessions live in the database so any web instance can serve any request. The session token
//! itself never reaches the database: callers store and look up a SHA-256 hash of it, so a copy
//! of the database does not let anyone sign in.

use crate::{on_pool, Result, Store, User};
use safer_domain::ids::{PartnershipId, UserId};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    /// Hex SHA-256 of the session token.
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: i64,
    /// When it was created (unix seconds).
    pub created_at: i64,
    /// When it was last used (unix seconds).
    pub last_seen_at: i64,
    /// When it stops working (unix seconds).
    pub expires_at: i64,
    /// The partnership its user chose to work in, if they chose one.
    pub partnership_id: Option<i64>,
}

impl Store {
    /// Stores a new session.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)";
        on_pool!(self, pool => sqlx::query(SQL).bind(token_hash).bind(user.0).bind(now).bind(expires_at).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The live session with this token hash and its enabled user, or `None` if the session is
    /// unknown, expired or its user disabled.
    pub async fn live_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(SessionRecord, User)>> {
        const SESSION: &str =
            "SELECT token_hash, user_id, created_at, last_seen_at, expires_at, partnership_id \
             FROM sessions WHERE token_hash = $1 AND expires_at > $2";
        const USER: &str =
            "SELECT id, username, display_name, agency_id, password_hash, disabled FROM users \
             WHERE id = $1 AND disabled = FALSE";
        on_pool!(self, pool => {
            let Some(session) = sqlx::query_as::<_, SessionRecord>(SESSION).bind(token_hash).bind(now).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let user = sqlx::query_as::<_, User>(USER).bind(session.user_id).fetch_optional(pool).await?;
            Ok(user.map(|user| (session, user)))
        })
    }

    /// Records the partnership the session's user works in from now on. The caller checks the
    /// user belongs to it.
    pub async fn set_session_partnership(
        &self,
        token_hash: &str,
        partnership: PartnershipId,
    ) -> Result<()> {
        const SQL: &str = "UPDATE sessions SET partnership_id = $1 WHERE token_hash = $2";
        on_pool!(self, pool => sqlx::query(SQL).bind(partnership.0).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Records that a session was used and slides its expiry forward, never past `hard_limit`
    /// seconds after creation.
    pub async fn touch_session(&self, token_hash: &str, now: i64, expires_at: i64) -> Result<()> {
        const SQL: &str =
            "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3";
        on_pool!(self, pool => sqlx::query(SQL).bind(now).bind(expires_at).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Deletes sessions that have expired; returns how many.
    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64> {
        let purged = on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected());
        Ok(purged)
    }

    /// The number of sessions a user has open.
    pub async fn count_sessions(&self, user: UserId) -> Result<i64> {
        Ok(
            on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user.0).fetch_one(pool).await?),
        )
    }

    /// Records a failed sign-in against a throttle key, and forgets failures older than
    /// `forget_before`.
    pub async fn record_login_failure(
        &self,
        throttle_key: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            sqlx::query("DELETE FROM login_failures WHERE failed_at < $1").bind(forget_before).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO login_failures (throttle_key, failed_at) VALUES ($1, $2)")
                .bind(throttle_key).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Failed sign-ins against a throttle key since `since`.
    pub async fn count_login_failures(&self, throttle_key: &str, since: i64) -> Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM login_failures WHERE throttle_key = $1 AND failed_at >= $2";
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(SQL).bind(throttle_key).bind(since).fetch_one(pool).await?),
        )
    }

    /// Forgets the failed sign-ins against a throttle key (after a successful sign-in).
    pub async fn clear_login_failures(&self, throttle_key: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1").bind(throttle_key).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The named secret, creating it from `generate` if it does not exist yet. Every instance
    /// sharing the database gets the same value, even when several start at once.
    pub async fn secret_or_insert(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
        now: i64,
    ) -> Result<String> {
        const INSERT: &str = "INSERT INTO app_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
        const SELECT: &str = "SELECT value FROM app_secrets WHERE name = $1";
        let fresh = generate();
        Ok(on_pool!(self, pool => {
            sqlx::query(INSERT).bind(name).bind(&fresh).bind(now).execute(pool).await?;
            sqlx::query_scalar(SELECT).bind(name).fetch_one(pool).await?
        }))
    }
}
