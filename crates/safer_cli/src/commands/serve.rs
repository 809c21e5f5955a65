//! `safer serve`, `safer migrate` and `safer demo`.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use safer_storage::redact_url;
use safer_web::{app, system_clock, AppState};

use super::assess::WebAssessor;
use super::open_store;
use crate::cli::DemoArgs;
use crate::config::Config;
use crate::demo;

/// `safer migrate`.
pub async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    println!(
        "The database at {} is up to date ({} migrations).",
        redact_url(&config.database_url),
        safer_storage::Store::migration_names(store.backend()).len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `safer serve`.
pub async fn serve(config: &Config) -> anyhow::Result<ExitCode> {
    let listener = bind(config.bind).await?;
    let store = open_store(config).await?;
    println!("Safer is serving on http://{}/", listener.local_addr()?);
    run_server(config, store, listener).await
}

/// `safer demo`.
pub async fn demo(config: &Config, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    // Bind first: a port in use should fail before any work is done.
    let listener = if args.no_serve { None } else { Some(bind(config.bind).await?) };
    let store = open_store(config).await?;
    let seeded = demo::seed(config, &store, crate::now()).await?;
    println!("The Safer demo is ready.");
    println!("  Data:  {} ({})", config.data_dir.display(), redact_url(&config.database_url));
    println!(
        "  Plan:  {} ({} priorities and themes, {} actions)",
        seeded.plan_title, seeded.n_priorities, seeded.n_actions
    );
    println!(
        "  Evidence: {} synthetic police.uk rows (2021-01..2022-12) and the plan's partner indicators",
        seeded.n_police_rows
    );
    if let Some(district) = &seeded.synthetic_district {
        println!(
            "  Try:   safer --data-dir {} compare --area \"district:{district}\" --base 2021-01..2021-12 --current 2022-01..2022-12",
            config.data_dir.display()
        );
    }
    println!(
        "  Assessment: {} (in the web app under Assessments, /assessments/{})",
        seeded.assessment.0, seeded.assessment.1
    );
    println!();
    println!("Demo accounts (the passwords are also in {}):", seeded.credentials_file.display());
    println!("  {:<18} {:<18} PASSWORD", "ROLE", "USERNAME");
    for account in &seeded.accounts {
        println!("  {:<18} {:<18} {}", account.role.label(), account.username, account.password);
    }
    println!();
    let Some(listener) = listener else { return Ok(ExitCode::SUCCESS) };
    let address = listener.local_addr()?;
    // The demo's public front door, unless safer.toml sets one up.
    let mut config = config.clone();
    if config.web.public.is_none() {
        config.web.public = Some(demo::public_config()?);
    }
    println!("Open http://{address}/ and sign in, for example as `coordinator`.");
    println!("The public front door (reporting, the Community Trigger, the dashboard): http://{address}/public");
    println!(
        "A resident's report, as its reporter follows it: http://{address}{}",
        seeded.public_report
    );
    println!("Health check: http://{address}/healthz. Press Ctrl+C to stop.");
    run_server(&config, store, listener).await
}

async fn bind(address: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await.map_err(|err| {
        let hint = match err.kind() {
            std::io::ErrorKind::AddrInUse => {
                "; another program is using it, so choose another with --bind"
            }
            std::io::ErrorKind::PermissionDenied => {
                "; ports below 1024 need privileges, so choose another with --bind"
            }
            _ => "",
        };
        anyhow::anyhow!("cannot listen on {address}: {err}{hint}")
    })
}

async fn run_server(
    config: &Config,
    store: safer_storage::Store,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<ExitCode> {
    // Analysts build assessments from the web app with `safer assess`'s own code.
    let assessor = Arc::new(WebAssessor::new(config.clone()));
    let state = AppState::new(store.clone(), config.web.clone(), system_clock())
        .await?
        .with_assessor(assessor);
    let router = app(state).into_make_service_with_connect_info::<SocketAddr>();
    tracing::info!(server.address = %listener.local_addr()?, "serving");
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await?;
    store.close().await;
    // Whoever started us may have closed our output by now; that is no reason to fail.
    let _ = writeln!(std::io::stdout(), "Stopped.");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
