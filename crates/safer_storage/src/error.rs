use thiserror::Error;

/// A `Result` whose error is [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong talking to the database.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A write broke a uniqueness rule; `constraint` names it (e.g. `users_username_key`).
    #[error("conflicts with an existing record ({constraint})")]
    Conflict {
        /// The constraint, or the column list SQLite reports.
        constraint: String,
    },
    /// The person asking may see the record but not do this to it; the message says why in
    /// words fit for a page.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database at {url}: {source}")]
    Connect {
        /// The URL with any password removed.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// The URL names no database Safer supports.
    #[error("unsupported database URL `{0}`; use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// A migration failed or the database has migrations this binary does not know.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back (for example a corrupted plan document).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A statutory or professional rule refused the change; the message is the rule's own,
    /// in words fit for a page (lowercase, no trailing period, no personal data).
    #[error("{0}")]
    Rule(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let constraint = db
                    .constraint()
                    .map(str::to_string)
                    .unwrap_or_else(|| sqlite_constraint(db.message()));
                StoreError::Conflict { constraint }
            }
            _ => StoreError::Database(err),
        }
    }
}

/// SQLite reports "UNIQUE constraint failed: users.username"; map the columns to our named
/// constraint so callers see the same name on both backends.
fn sqlite_constraint(message: &str) -> String {
    let columns = message.rsplit(": ").next().unwrap_or(message);
    match columns {
        "partnerships.slug" => "partnerships_slug_key",
        "agencies.code" => "agencies_code_key",
        "users.username" => "users_username_key",
        "plans.slug" => "plans_slug_key",
        "plan_priorities.plan_id, plan_priorities.slug" => "plan_priorities_plan_slug_key",
        other => other,
    }
    .to_string()
}

/// Removes the password from a database URL so it can be shown in errors and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://safer:s3cret@db:5432/safer"),
            "postgres://safer:***@db:5432/safer"
        );
        assert_eq!(redact_url("postgres://safer@db/safer"), "postgres://safer@db/safer");
        assert_eq!(redact_url("postgres://u:p@w:rd@host/x"), "postgres://u:***@host/x");
        assert_eq!(redact_url("sqlite://./safer.db"), "sqlite://./safer.db");
    }
}
