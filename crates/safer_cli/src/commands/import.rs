//! `safer import police-uk`.

use std::process::ExitCode;

use anyhow::bail;

use crate::cli::ImportPoliceUkArgs;
use crate::config::Config;

/// `safer import police-uk`.
pub async fn police_uk(_config: &Config, _args: &ImportPoliceUkArgs) -> anyhow::Result<ExitCode> {
    bail!("`safer import police-uk` is being built")
}
