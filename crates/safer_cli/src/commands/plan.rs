//! `safer plan check|import|show`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_domain::plan::{parse_plan, GroupStatus, Plan, PriorityKind};
use safer_domain::slug::slugify;
use safer_storage::{PlanImportOutcome, Store, StoreError};

use super::open_store;
use crate::cli::PlanCommand;
use crate::config::Config;

/// Reads and validates a plan file, turning every problem into `FILE:LINE:COLUMN: field: message`.
pub fn read_plan(path: &Path) -> anyhow::Result<(Plan, String)> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match parse_plan(&source) {
        Ok(plan) => Ok((plan, source)),
        Err(errors) => Err(super::located_problems(
            &path.display().to_string(),
            "plan",
            errors.iter().map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
        )),
    }
}

/// `safer plan check FILE`: needs no database.
pub fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let (plan, _) = read_plan(path)?;
    println!(
        "{} is a valid plan: {} ({} core priorities, {} cross-cutting themes, {} actions, {} groups, {} governance bodies).",
        path.display(),
        plan.plan.title,
        plan.core_priorities().count(),
        plan.themes().count(),
        plan.n_actions(),
        plan.groups.len(),
        plan.governance.bodies.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Imports a validated plan, creating its partnership if needed.
pub async fn import(
    store: &Store,
    plan: &Plan,
    source: &str,
    now: i64,
) -> anyhow::Result<PlanImportOutcome> {
    let info = &plan.plan;
    let partnership = store
        .upsert_partnership(
            &slugify(&info.partnership),
            &info.partnership,
            info.partnership_short.as_deref(),
            now,
        )
        .await?;
    store.import_plan(partnership.id(), plan, source, now).await.map_err(|err| match err {
        StoreError::Conflict { .. } => {
            anyhow::anyhow!(
                "a plan with id `{}` belongs to another partnership; give this plan another id",
                info.id
            )
        }
        other => other.into(),
    })
}

/// Runs a `plan` subcommand that needs the database.
pub async fn run(config: &Config, command: PlanCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlanCommand::Check { file } => check(&file),
        PlanCommand::Indicators(command) => super::plan_indicators::run(config, command).await,
        PlanCommand::Import { file } => {
            let (plan, source) = read_plan(&file)?;
            let store = open_store(config).await?;
            let outcome = import(&store, &plan, &source, crate::now()).await?;
            let what = match outcome {
                PlanImportOutcome::Created(_) => "Imported",
                PlanImportOutcome::Updated(_) => "Updated",
                PlanImportOutcome::Unchanged(_) => "Unchanged (the same file was imported before):",
            };
            println!("{what} `{}` for {}.", plan.plan.id, plan.plan.partnership);
            Ok(ExitCode::SUCCESS)
        }
        PlanCommand::Show { plan } => {
            let store = open_store(config).await?;
            let slug = match plan {
                Some(slug) => slug,
                None => {
                    let plans = store.list_plans().await?;
                    match plans.as_slice() {
                        [] => bail!(
                            "no plan has been imported; import one with `safer plan import FILE`"
                        ),
                        [only] => only.slug.clone(),
                        _ => {
                            let slugs: Vec<&str> = plans.iter().map(|p| p.slug.as_str()).collect();
                            bail!("there are several plans ({}); name one", slugs.join(", "))
                        }
                    }
                }
            };
            let stored =
                store.plan_by_slug(&slug).await?.with_context(|| format!("no plan `{slug}`"))?;
            show(&stored.plan);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show(plan: &Plan) {
    let info = &plan.plan;
    println!("{} ({}, {} to {})", info.title, info.partnership, info.starts, info.ends);
    println!("id: {}   status: {:?}", info.id, info.status);
    for kind in [PriorityKind::Core, PriorityKind::CrossCutting] {
        println!();
        println!("{}s:", kind.label());
        for priority in plan.priorities.iter().filter(|p| p.kind == kind) {
            let focus = priority.focus.as_deref().map(|f| format!(" — {f}")).unwrap_or_default();
            println!("  {}{focus}", priority.title);
            let groups: Vec<&str> = priority
                .groups
                .iter()
                .filter_map(|g| plan.group(g))
                .map(|g| g.name.as_str())
                .collect();
            println!(
                "    {} actions; delivered by: {}",
                priority.actions.len(),
                if groups.is_empty() { "-".to_string() } else { groups.join(", ") }
            );
        }
    }
    println!();
    println!("Groups:");
    for group in &plan.groups {
        let proposed = if group.status == GroupStatus::Proposed { " (proposed)" } else { "" };
        println!("  {}{proposed} [{}]", group.name, group.kind.label());
    }
    println!();
    println!("Governance:");
    for body in &plan.governance.bodies {
        println!("  {}", body.name);
    }
}
