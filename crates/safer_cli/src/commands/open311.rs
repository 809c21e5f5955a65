//! `safer open311 add|list|count|revoke`: the Open311 GeoReport v2 clients that may post reports
//! to the public front door (docs/public-front-door.md). A key is printed once; the database
//! keeps only its SHA-256.

use std::process::ExitCode;

use anyhow::Context;

use super::open_store;
use super::users::pick_partnership;
use crate::cli::Open311Command;
use crate::config::Config;

/// A new API key: 32 random bytes as hex.
fn new_key() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The hash the web app looks keys up by (SHA-256, hex).
fn key_hash(key: &str) -> String {
    safer_domain::digest::sha256_hex(key.as_bytes())
}

/// A client's hourly limit in words.
fn limit_text(limit: Option<u32>) -> String {
    match limit {
        Some(n) => format!("{n} requests an hour"),
        None => "no hourly limit".to_string(),
    }
}

/// Runs `safer open311 ...`.
pub async fn run(config: &Config, command: Open311Command) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    match command {
        Open311Command::Add { name, partnership, per_hour, no_limit } => {
            if name.trim().is_empty() {
                anyhow::bail!("--name must not be empty");
            }
            let partnership = pick_partnership(&store, partnership.as_deref()).await?;
            let key = new_key()?;
            let limit = (!no_limit).then_some(per_hour);
            let id = store
                .add_open311_client(partnership.id(), &name, &key_hash(&key), limit, crate::now())
                .await
                .context("cannot add the client")?;
            println!(
                "Added Open311 client {id} ({}) for {}, {}.",
                name.trim(),
                partnership.name,
                limit_text(limit)
            );
            println!("Its API key (shown only now; send it as `api_key`):");
            println!("{key}");
        }
        Open311Command::List => {
            let clients = store.open311_clients().await?;
            if clients.is_empty() {
                println!("No Open311 clients. Add one with `safer open311 add --name NAME`.");
            }
            for client in clients {
                let state = match client.revoked_at {
                    Some(_) => "revoked",
                    None => "active",
                };
                println!(
                    "{:>4}  {:<8} {:<24} {}",
                    client.id,
                    state,
                    limit_text(client.requests_per_hour),
                    client.name
                );
            }
        }
        Open311Command::Count { partnership, check } => {
            let partnership = pick_partnership(&store, partnership.as_deref()).await?;
            let (reports, submissions, descriptions) =
                store.count_public_reports(partnership.id()).await?;
            println!(
                "{reports} reports from {submissions} distinct submissions with {descriptions} distinct descriptions"
            );
            if let Some(file) = check {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let references: Vec<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect();
                let missing = store.missing_public_reports(partnership.id(), &references).await?;
                println!(
                    "{} references checked: {} found, {} missing",
                    references.len(),
                    references.len() - missing.len(),
                    missing.len()
                );
                if !missing.is_empty() {
                    for reference in missing.iter().take(10) {
                        println!("missing: {reference}");
                    }
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Open311Command::Revoke { id } => {
            store.revoke_open311_client(id, crate::now()).await.map_err(|err| match err {
                safer_storage::StoreError::NotFound => {
                    anyhow::anyhow!("there is no active Open311 client {id}")
                }
                other => other.into(),
            })?;
            println!("Revoked Open311 client {id}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
