//! One module per command group.

pub mod agencies;
pub mod alcohol;
pub mod area;
pub mod assess;
pub mod audit;
pub mod evidence;
pub mod export;
pub mod geo;
pub mod hotspots;
pub mod import;
pub mod indicators;
pub mod open311;
pub mod plan;
pub mod plan_indicators;
pub mod priorities;
pub mod serve;
pub mod survey;
pub mod synth;
pub mod triage;
pub mod users;

use anyhow::Context;
use safer_storage::{redact_url, Store};

use crate::config::Config;

/// The error for a file whose problems are located: a heading naming the file and `what` it
/// should have been, then one `FILE:LINE:COLUMN: field: message` line per problem, in the
/// order given. Problems are (line, column, field, message); an empty field is left out.
pub(crate) fn located_problems<'a>(
    name: &str,
    what: &str,
    problems: impl IntoIterator<Item = (usize, usize, &'a str, &'a str)>,
) -> anyhow::Error {
    let lines: Vec<String> = problems
        .into_iter()
        .map(|(line, column, field, message)| {
            let field = if field.is_empty() { String::new() } else { format!("{field}: ") };
            format!("{name}:{line}:{column}: {field}{message}")
        })
        .collect();
    let n = lines.len();
    anyhow::anyhow!(
        "{name} is not a valid {what} ({n} problem{}):\n{}",
        if n == 1 { "" } else { "s" },
        lines.join("\n")
    )
}

/// Opens the configured database, creating the data directory for SQLite, and migrates it.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("cannot create the data directory {}", config.data_dir.display())
        })?;
    }
    let store = Store::connect(&config.database_url).await?;
    store
        .migrate()
        .await
        .with_context(|| format!("database {}", redact_url(&config.database_url)))?;
    Ok(store)
}

/// `safer config show`.
pub fn show_config(config: &Config) {
    println!("data_dir = {:?}", config.data_dir.display().to_string());
    println!("database_url = {:?}", redact_url(&config.database_url));
    println!("log = {:?}", config.log);
    println!("[server]");
    println!("bind = {:?}", config.bind.to_string());
    println!("secure_cookies = {}", config.web.secure_cookies);
    println!("[sessions]");
    println!("idle_minutes = {}", config.web.session_idle.as_secs() / 60);
    println!("max_hours = {}", config.web.session_max.as_secs() / 3600);
    println!("[sign_in]");
    println!("max_failures_per_user = {}", config.web.login_max_failures_per_user);
    println!("max_failures_per_address = {}", config.web.login_max_failures_per_address);
    println!("window_minutes = {}", config.web.login_window.as_secs() / 60);
    println!("[casework]");
    if config.web.casework.as_ref() == &safer_domain::casework::config::CaseworkRules::default() {
        println!("# rules: Safer's defaults");
    } else {
        println!("# rules: the partnership's own file (casework.rules)");
    }
}
