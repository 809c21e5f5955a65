//! `safer triage check|ask`: the "Is it ASB?" rules file (docs/asb-triage.md) checked, and
//! asked where a behaviour goes, exactly as the public journey will answer.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use safer_domain::triage::{parse_triage, Outcome, Route, TriageRules};

use crate::cli::TriageCommand;

fn load(file: &Path) -> anyhow::Result<TriageRules> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    parse_triage(&source).map_err(|errors| {
        super::located_problems(
            &file.display().to_string(),
            "triage rules file",
            errors.iter().map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
        )
    })
}

/// Runs `safer triage ...`.
pub fn run(command: &TriageCommand) -> anyhow::Result<ExitCode> {
    match command {
        TriageCommand::Check { file } => {
            let rules = load(file)?;
            let count = |route| rules.behaviours.iter().filter(|b| b.route == route).count();
            println!(
                "{} is valid: {} behaviours for {} ({} to the police first, {} ASB reports, {} not \
                 ASB, {} environmental crimes).",
                file.display(),
                rules.behaviours.len(),
                rules.partnership,
                count(Route::PoliceFirst),
                count(Route::CouncilAsb),
                count(Route::NotAsb),
                count(Route::EnvironmentalCrime),
            );
            Ok(ExitCode::SUCCESS)
        }
        TriageCommand::Ask { file, behaviour, emergency } => {
            let rules = load(file)?;
            let known: Vec<&str> = rules.behaviours.iter().map(|b| b.id.as_str()).collect();
            let outcome = rules.decide(behaviour, *emergency).with_context(|| {
                format!("there is no behaviour `{behaviour}`; the file has {}", known.join(", "))
            })?;
            match outcome {
                Outcome::Emergency { call } => {
                    println!("Call {call} now: someone is in danger or a crime is happening.")
                }
                Outcome::Police { why, call, online } => {
                    println!("Report it to the police first: call {call} or report online at {online}.\n{why}")
                }
                Outcome::Report { why, .. } => {
                    println!("Report it as anti-social behaviour.\n{why}")
                }
                Outcome::NotAsb { why, where_else } => {
                    println!("This is not anti-social behaviour.\n{why}\n{where_else}")
                }
                Outcome::Environmental { why, contact } => {
                    println!("Tell {} ({}).\n{why}", contact.name, contact.online)
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
