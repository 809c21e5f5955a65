//! `safer users add|list|disable|enable`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_domain::password::hash_password;
use safer_domain::user::{validate_new_password, validate_username};
use safer_domain::Role;
use safer_storage::{NewUser, Partnership, Store, StoreError, User};

use super::open_store;
use crate::cli::{UserAddArgs, UsersCommand};
use crate::config::Config;

/// Runs a `users` subcommand.
pub async fn run(config: &Config, command: UsersCommand) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    match command {
        UsersCommand::Add(args) => add(&store, args).await,
        UsersCommand::List => list(&store).await,
        UsersCommand::Disable { username } => set_disabled(&store, &username, true).await,
        UsersCommand::Enable { username } => set_disabled(&store, &username, false).await,
    }
}

/// A new account, already parsed.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// Sign-in name.
    pub username: &'a str,
    /// Name shown to colleagues.
    pub display_name: &'a str,
    /// Agency code.
    pub agency_code: &'a str,
    /// Roles to grant.
    pub roles: &'a [Role],
}

/// A random password of 20 base32 characters (100 bits), grouped for reading aloud.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes).expect("the operating system has no random source");
    let chars: Vec<char> =
        bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The partnership roles apply in: the one named, or the only one.
pub async fn pick_partnership(store: &Store, slug: Option<&str>) -> anyhow::Result<Partnership> {
    if let Some(slug) = slug {
        return store.partnership_by_slug(slug).await?.with_context(|| {
            format!("no partnership `{slug}`; see the partnerships named by `safer plan show`")
        });
    }
    let mut all = store.list_partnerships().await?;
    match all.len() {
        0 => bail!("no partnership exists yet; import a plan first with `safer plan import FILE`"),
        1 => Ok(all.remove(0)),
        _ => {
            let slugs: Vec<String> = all.into_iter().map(|p| p.slug).collect();
            bail!(
                "there are several partnerships ({}); choose one with --partnership",
                slugs.join(", ")
            )
        }
    }
}

/// Validates, hashes and stores a new account with its roles, and records the event.
pub async fn create_account(
    store: &Store,
    partnership: &Partnership,
    account: &NewAccount<'_>,
    password: &str,
    now: i64,
) -> anyhow::Result<User> {
    validate_username(account.username)
        .map_err(|e| anyhow::anyhow!("invalid username `{}`: {e}", account.username))?;
    validate_new_password(password).map_err(|e| anyhow::anyhow!("invalid password: {e}"))?;
    if account.display_name.trim().is_empty() {
        bail!("the user's name must not be empty");
    }
    let agency = store.agency_by_code(account.agency_code).await?.with_context(|| {
        format!("no agency with code `{}`; add it with `safer agencies add` or see `safer agencies list`", account.agency_code)
    })?;
    let password = password.to_string();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    let user = store
        .create_user(
            &NewUser {
                username: account.username,
                display_name: account.display_name.trim(),
                agency_id: agency.id,
                password_hash: &password_hash,
            },
            now,
        )
        .await
        .map_err(|err| match err {
            StoreError::Conflict { .. } => {
                anyhow::anyhow!("the username `{}` is already taken", account.username)
            }
            other => other.into(),
        })?;
    for role in account.roles {
        store.grant_role(user.id(), partnership.id(), *role, now).await?;
    }
    store.add_partnership_agency(partnership.id(), agency.id, now).await?;
    store.record_event(now, None, "user_created", &format!("user:{}", user.id)).await?;
    Ok(user)
}

async fn add(store: &Store, args: UserAddArgs) -> anyhow::Result<ExitCode> {
    let roles = args.roles.iter().map(|r| r.parse::<Role>()).collect::<Result<Vec<_>, _>>()?;
    let partnership = pick_partnership(store, args.partnership.as_deref()).await?;
    let (password, generated) = if args.password_stdin {
        let mut password = String::new();
        std::io::stdin()
            .read_to_string(&mut password)
            .context("cannot read the password from standard input")?;
        (password.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (generate_password(), true)
    };
    let account = NewAccount {
        username: &args.username,
        display_name: &args.name,
        agency_code: &args.agency,
        roles: &roles,
    };
    let user = create_account(store, &partnership, &account, &password, crate::now()).await?;
    let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
    println!("Created `{}` in {} as {}.", user.username, partnership.name, labels.join(", "));
    if generated {
        println!("Password (shown once; give it to the user securely): {password}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(store: &Store) -> anyhow::Result<ExitCode> {
    let users = store.list_users().await?;
    if users.is_empty() {
        println!("No users yet. Add one with `safer users add`.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<20} {:<28} {:<34} {:<9} ROLES", "USERNAME", "NAME", "AGENCY", "STATUS");
    for user in users {
        let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
        let status = if user.disabled { "disabled" } else { "active" };
        println!(
            "{:<20} {:<28} {:<34} {:<9} {}",
            user.username,
            user.display_name,
            user.agency_name,
            status,
            roles.join(",")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(store: &Store, username: &str, disabled: bool) -> anyhow::Result<ExitCode> {
    let user =
        store.user_by_username(username).await?.with_context(|| format!("no user `{username}`"))?;
    store.set_user_disabled(user.id(), disabled).await?;
    let action = if disabled { "user_disabled" } else { "user_enabled" };
    store.record_event(crate::now(), None, action, &format!("user:{}", user.id)).await?;
    if disabled {
        println!("Disabled `{username}`; their sessions have ended.");
    } else {
        println!("Enabled `{username}`.");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::generate_password;

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate_password();
        assert_eq!(a.len(), 23);
        assert!(safer_domain::user::validate_new_password(&a).is_ok());
        assert_ne!(a, generate_password());
    }
}
