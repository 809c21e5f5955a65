//! `safer synth police-uk`.

use std::process::ExitCode;

use anyhow::bail;

use crate::cli::SynthPoliceUkArgs;

/// `safer synth police-uk`.
pub fn police_uk(_args: &SynthPoliceUkArgs) -> anyhow::Result<ExitCode> {
    bail!("`safer synth police-uk` is being built")
}
