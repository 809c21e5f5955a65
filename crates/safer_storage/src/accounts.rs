//! Partnerships, agencies, users and the roles users hold.

use safer_domain::ids::{AgencyId, PartnershipId, UserId};
use safer_domain::{AgencyKind, Role};

use crate::{on_pool, Result, Store, StoreError};

/// A Community Safety Partnership.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Partnership {
    /// Database id.
    pub id: i64,
    /// Stable slug, such as `safer-maidstone`.
    pub slug: String,
    /// Full name.
    pub name: String,
    /// Usual abbreviation.
    pub short_name: Option<String>,
}

impl Partnership {
    /// The typed id.
    pub fn id(&self) -> PartnershipId {
        PartnershipId(self.id)
    }
}

/// A stored agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// Database id.
    pub id: AgencyId,
    /// Short stable code, such as `kent-police`.
    pub code: String,
    /// Full name.
    pub name: String,
    /// What kind of body it is.
    pub kind: AgencyKind,
}

#[derive(sqlx::FromRow)]
struct AgencyRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
}

impl TryFrom<AgencyRow> for Agency {
    type Error = StoreError;

    fn try_from(row: AgencyRow) -> Result<Agency> {
        let kind =
            row.kind.parse().map_err(|e| StoreError::Corrupt(format!("agency {}: {e}", row.id)))?;
        Ok(Agency { id: AgencyId(row.id), code: row.code, name: row.name, kind })
    }
}

/// An agency to create.
#[derive(Debug, Clone)]
pub struct NewAgency<'a> {
    /// Short stable code.
    pub code: &'a str,
    /// Full name.
    pub name: &'a str,
    /// What kind of body it is.
    pub kind: AgencyKind,
}

/// (id, username, display name, agency name, disabled) as `list_users` reads them.
type ListedUserRow = (i64, String, String, String, bool);

/// A stored user. Carries the password hash, so never render it directly.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Sign-in name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// The agency the user works for.
    pub agency_id: i64,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// A disabled user cannot sign in and has no sessions.
    pub disabled: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("agency_id", &self.agency_id)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl User {
    /// The typed id.
    pub fn id(&self) -> UserId {
        UserId(self.id)
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Sign-in name; already validated.
    pub username: &'a str,
    /// Name shown to colleagues.
    pub display_name: &'a str,
    /// The agency the user works for.
    pub agency_id: AgencyId,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
}

/// A role held in a partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The partnership.
    pub partnership_id: PartnershipId,
    /// Its name.
    pub partnership_name: String,
    /// The role.
    pub role: Role,
}

/// A user as listed by `safer users list`: no password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListing {
    /// Database id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// The agency's name.
    pub agency_name: String,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Roles, sorted, across all partnerships.
    pub roles: Vec<Role>,
}

impl Store {
    /// Creates the partnership, or updates its names if the slug exists. Idempotent.
    pub async fn upsert_partnership(
        &self,
        slug: &str,
        name: &str,
        short_name: Option<&str>,
        now: i64,
    ) -> Result<Partnership> {
        const SQL: &str = "INSERT INTO partnerships (slug, name, short_name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, short_name = excluded.short_name \
             RETURNING id, slug, name, short_name";
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, Partnership>(SQL).bind(slug).bind(name).bind(short_name).bind(now).fetch_one(pool).await?
        });
        Ok(row)
    }

    /// The partnership with this slug.
    pub async fn partnership_by_slug(&self, slug: &str) -> Result<Option<Partnership>> {
        const SQL: &str = "SELECT id, slug, name, short_name FROM partnerships WHERE slug = $1";
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Partnership>(SQL).bind(slug).fetch_optional(pool).await?),
        )
    }

    /// Every partnership, by name.
    pub async fn list_partnerships(&self) -> Result<Vec<Partnership>> {
        const SQL: &str = "SELECT id, slug, name, short_name FROM partnerships ORDER BY name";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, Partnership>(SQL).fetch_all(pool).await?))
    }

    /// Creates an agency. Fails with [`StoreError::Conflict`] (`agencies_code_key`) if the code
    /// is taken.
    pub async fn create_agency(&self, agency: &NewAgency<'_>, now: i64) -> Result<Agency> {
        const SQL: &str =
            "INSERT INTO agencies (code, name, kind, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, code, name, kind";
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, AgencyRow>(SQL)
                .bind(agency.code).bind(agency.name).bind(agency.kind.as_str()).bind(now)
                .fetch_one(pool).await?
        });
        row.try_into()
    }

    /// The agency with this code.
    pub async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>> {
        const SQL: &str = "SELECT id, code, name, kind FROM agencies WHERE code = $1";
        let row = on_pool!(self, pool => sqlx::query_as::<_, AgencyRow>(SQL).bind(code).fetch_optional(pool).await?);
        row.map(Agency::try_from).transpose()
    }

    /// The agency with this id.
    pub async fn agency(&self, id: AgencyId) -> Result<Agency> {
        const SQL: &str = "SELECT id, code, name, kind FROM agencies WHERE id = $1";
        let row = on_pool!(self, pool => sqlx::query_as::<_, AgencyRow>(SQL).bind(id.0).fetch_one(pool).await?);
        row.try_into()
    }

    /// Every agency, by name.
    pub async fn list_agencies(&self) -> Result<Vec<Agency>> {
        const SQL: &str = "SELECT id, code, name, kind FROM agencies ORDER BY name";
        let rows =
            on_pool!(self, pool => sqlx::query_as::<_, AgencyRow>(SQL).fetch_all(pool).await?);
        rows.into_iter().map(Agency::try_from).collect()
    }

    /// Makes an agency a member of a partnership. Idempotent.
    pub async fn add_partnership_agency(
        &self,
        partnership: PartnershipId,
        agency: AgencyId,
        now: i64,
    ) -> Result<()> {
        const SQL: &str =
            "INSERT INTO partnership_agencies (partnership_id, agency_id, joined_at) \
             VALUES ($1, $2, $3) ON CONFLICT (partnership_id, agency_id) DO NOTHING";
        on_pool!(self, pool => sqlx::query(SQL).bind(partnership.0).bind(agency.0).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The agencies that are members of a partnership, by name.
    pub async fn partnership_agencies(&self, partnership: PartnershipId) -> Result<Vec<Agency>> {
        const SQL: &str = "SELECT a.id, a.code, a.name, a.kind FROM agencies a \
             JOIN partnership_agencies pa ON pa.agency_id = a.id WHERE pa.partnership_id = $1 ORDER BY a.name";
        let rows = on_pool!(self, pool => sqlx::query_as::<_, AgencyRow>(SQL).bind(partnership.0).fetch_all(pool).await?);
        rows.into_iter().map(Agency::try_from).collect()
    }

    /// Creates a user. Fails with [`StoreError::Conflict`] (`users_username_key`) if the
    /// username is taken.
    pub async fn create_user(&self, user: &NewUser<'_>, now: i64) -> Result<User> {
        const SQL: &str = "INSERT INTO users (username, display_name, agency_id, password_hash, disabled, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, FALSE, $5, $5) \
             RETURNING id, username, display_name, agency_id, password_hash, disabled";
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, User>(SQL)
                .bind(user.username).bind(user.display_name).bind(user.agency_id.0).bind(user.password_hash).bind(now)
                .fetch_one(pool).await?
        }))
    }

    /// The user with this username, enabled or not.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        const SQL: &str = "SELECT id, username, display_name, agency_id, password_hash, disabled FROM users WHERE username = $1";
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, User>(SQL).bind(username).fetch_optional(pool).await?),
        )
    }

    /// The user with this id.
    pub async fn user(&self, id: UserId) -> Result<User> {
        const SQL: &str = "SELECT id, username, display_name, agency_id, password_hash, disabled FROM users WHERE id = $1";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, User>(SQL).bind(id.0).fetch_one(pool).await?))
    }

    /// Replaces a user's password hash and signs them out everywhere.
    pub async fn set_password_hash(&self, id: UserId, password_hash: &str, now: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let done = sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now).bind(id.0).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Disables or re-enables a user. Disabling ends every session the user has.
    pub async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled).bind(id.0).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Grants a role in a partnership. Idempotent.
    pub async fn grant_role(
        &self,
        user: UserId,
        partnership: PartnershipId,
        role: Role,
        now: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO memberships (user_id, partnership_id, role, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, partnership_id, role) DO NOTHING";
        on_pool!(self, pool => sqlx::query(SQL).bind(user.0).bind(partnership.0).bind(role.as_str()).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Every role a user holds, by partnership then role.
    pub async fn memberships(&self, user: UserId) -> Result<Vec<Membership>> {
        const SQL: &str = "SELECT m.partnership_id, p.name, m.role FROM memberships m \
             JOIN partnerships p ON p.id = m.partnership_id WHERE m.user_id = $1 ORDER BY p.name, m.role";
        let rows: Vec<(i64, String, String)> =
            on_pool!(self, pool => sqlx::query_as(SQL).bind(user.0).fetch_all(pool).await?);
        let mut memberships = rows
            .into_iter()
            .map(|(partnership_id, partnership_name, role)| {
                let role = role
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("membership of user {user}: {e}")))?;
                Ok(Membership {
                    partnership_id: PartnershipId(partnership_id),
                    partnership_name,
                    role,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        memberships
            .sort_by(|a, b| (&a.partnership_name, a.role).cmp(&(&b.partnership_name, b.role)));
        Ok(memberships)
    }

    /// Every user with their agency and roles, by username.
    pub async fn list_users(&self) -> Result<Vec<UserListing>> {
        const USERS: &str =
            "SELECT u.id, u.username, u.display_name, a.name, u.disabled FROM users u \
             JOIN agencies a ON a.id = u.agency_id ORDER BY u.username";
        const ROLES: &str = "SELECT DISTINCT user_id, role FROM memberships";
        let (users, roles): (Vec<ListedUserRow>, Vec<(i64, String)>) = on_pool!(self, pool => {
            (sqlx::query_as(USERS).fetch_all(pool).await?, sqlx::query_as(ROLES).fetch_all(pool).await?)
        });
        let mut listings: Vec<UserListing> = users
            .into_iter()
            .map(|(id, username, display_name, agency_name, disabled)| UserListing {
                id: UserId(id),
                username,
                display_name,
                agency_name,
                disabled,
                roles: Vec::new(),
            })
            .collect();
        for (user_id, role) in roles {
            let role: Role = role
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("membership of user {user_id}: {e}")))?;
            if let Some(listing) = listings.iter_mut().find(|l| l.id.0 == user_id) {
                listing.roles.push(role);
            }
        }
        for listing in &mut listings {
            listing.roles.sort();
        }
        Ok(listings)
    }
}
