//! `safer compare` and `safer findings`.

use std::process::ExitCode;

use anyhow::bail;

use crate::cli::CompareArgs;
use crate::config::Config;

/// `safer compare`.
pub async fn compare(_config: &Config, _args: &CompareArgs) -> anyhow::Result<ExitCode> {
    bail!("`safer compare` is being built")
}

/// `safer findings`.
pub async fn findings(_config: &Config, _args: &CompareArgs) -> anyhow::Result<ExitCode> {
    bail!("`safer findings` is being built")
}
