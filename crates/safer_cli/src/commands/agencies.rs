//! `safer agencies add|list`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_domain::slug::is_slug;
use safer_domain::AgencyKind;
use safer_storage::{NewAgency, StoreError};

use super::open_store;
use crate::cli::AgenciesCommand;
use crate::config::Config;

/// Runs an `agencies` subcommand.
pub async fn run(config: &Config, command: AgenciesCommand) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    match command {
        AgenciesCommand::Add { code, name, kind, partnership } => {
            let kind: AgencyKind = kind.parse()?;
            if !is_slug(&code) {
                bail!("invalid agency code `{code}`; use lowercase letters, digits and hyphens");
            }
            if name.trim().is_empty() {
                bail!("the agency's name must not be empty");
            }
            let now = crate::now();
            let agency = store
                .create_agency(&NewAgency { code: &code, name: name.trim(), kind }, now)
                .await
                .map_err(|err| match err {
                    StoreError::Conflict { .. } => {
                        anyhow::anyhow!("an agency with code `{code}` already exists")
                    }
                    other => other.into(),
                })?;
            if let Some(slug) = partnership {
                let partnership = store
                    .partnership_by_slug(&slug)
                    .await?
                    .with_context(|| format!("no partnership `{slug}`"))?;
                store.add_partnership_agency(partnership.id(), agency.id, now).await?;
            }
            let authority =
                if kind.is_responsible_authority() { ", a responsible authority" } else { "" };
            println!(
                "Created agency `{}`: {} ({}{authority}).",
                agency.code,
                agency.name,
                kind.label()
            );
        }
        AgenciesCommand::List => {
            let agencies = store.list_agencies().await?;
            if agencies.is_empty() {
                println!("No agencies yet. Add one with `safer agencies add`.");
            } else {
                println!("{:<28} {:<44} KIND", "CODE", "NAME");
                for agency in agencies {
                    println!("{:<28} {:<44} {}", agency.code, agency.name, agency.kind.as_str());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
