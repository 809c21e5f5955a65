//! The `safer` command line: one binary for every job.
//!
//! [`main`] parses the command line, runs the command and turns any error into one clear
//! sentence on standard error and a non-zero exit code. This is the only crate that reads
//! environment variables and files given by the user, and the only one that installs the
//! tracing subscriber.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
mod demo_cases;
mod demo_public;
mod demo_surveys;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::Config;

/// Parses arguments, runs the command and reports errors. The body of the `safer` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let bind = match &cli.command {
        Command::Serve(args) => args.bind.as_deref(),
        Command::Demo(args) => args.bind.as_deref(),
        _ => None,
    };
    if let Command::Config(cli::ConfigCommand::Example) = &cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Plan(cli::PlanCommand::Check { file }) = &cli.command {
        return commands::plan::check(file);
    }
    let mut global = cli.global.clone();
    // `safer assess --config FILE` names the assessment's settings, not safer.toml.
    let assessment = match &cli.command {
        Command::Assess(_) => Some(global.config.take().ok_or_else(|| {
            anyhow::anyhow!("safer assess needs --config FILE, the assessment's settings (TOML)")
        })?),
        _ => None,
    };
    if let Command::Demo(args) = &cli.command {
        // The demo keeps everything in its own directory unless told otherwise.
        global.data_dir.get_or_insert_with(|| args.dir.clone());
    }
    let config = Config::load(&global, bind)?;
    init_tracing(&config.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        match cli.command {
            Command::Demo(args) => commands::serve::demo(&config, &args).await,
            Command::Serve(_) => commands::serve::serve(&config).await,
            Command::Migrate => commands::serve::migrate(&config).await,
            Command::Users(command) => commands::users::run(&config, command).await,
            Command::Agencies(command) => commands::agencies::run(&config, command).await,
            Command::Plan(command) => commands::plan::run(&config, command).await,
            Command::Config(cli::ConfigCommand::Show) => {
                commands::show_config(&config);
                Ok(ExitCode::SUCCESS)
            }
            Command::Config(cli::ConfigCommand::Example) => {
                unreachable!("handled before loading configuration")
            }
            Command::Compare(args) => commands::evidence::compare(&config, &args).await,
            Command::Findings(args) => commands::evidence::findings(&config, &args).await,
            Command::Import(cli::ImportCommand::PoliceUk(args)) => {
                commands::import::police_uk(&config, &args).await
            }
            Command::Import(cli::ImportCommand::Indicators(args)) => {
                commands::indicators::import(&config, &args).await
            }
            Command::Import(cli::ImportCommand::Premises(args)) => {
                commands::alcohol::import_premises(&config, &args).await
            }
            Command::Import(cli::ImportCommand::Imd(args)) => {
                commands::alcohol::import_imd(&config, &args).await
            }
            Command::Alcohol(args) => commands::alcohol::run(&config, &args).await,
            Command::Priorities(args) => commands::priorities::run(&config, &args).await,
            Command::Synth(cli::SynthCommand::PoliceUk(args)) => commands::synth::police_uk(&args),
            Command::Synth(cli::SynthCommand::Survey(args)) => commands::survey::synth(&args),
            Command::Survey(command) => commands::survey::run(&config, &command).await,
            Command::Geo(cli::GeoCommand::Import(args)) => {
                commands::geo::import(&config, &args).await
            }
            Command::Geo(cli::GeoCommand::Show) => commands::geo::show(&config).await,
            Command::Hotspots(args) => commands::hotspots::run(&config, &args).await,
            Command::Assess(args) => {
                let file = assessment.expect("set for assess");
                commands::assess::run(&config, &file, &args).await
            }
            Command::Export(cli::ExportCommand::Parquet(args)) => {
                commands::export::parquet(&config, &args).await
            }
            Command::Audit(command) => commands::audit::run(&config, command).await,
            Command::Triage(command) => commands::triage::run(&command),
            Command::Open311(command) => commands::open311::run(&config, command).await,
        }
    })
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        .add_directive("sqlx=warn".parse().expect("a valid directive"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// The current time in unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
