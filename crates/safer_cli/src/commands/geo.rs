//! `safer geo import` and `safer geo show`.

use std::process::ExitCode;

use crate::cli::GeoImportArgs;
use crate::config::Config;

/// `safer geo import`.
pub async fn import(_config: &Config, _args: &GeoImportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("safer geo import is not built yet")
}

/// `safer geo show`.
pub async fn show(_config: &Config) -> anyhow::Result<ExitCode> {
    anyhow::bail!("safer geo show is not built yet")
}
