//! `safer export parquet`: the imported police.uk street rows as Parquet files.

use std::process::ExitCode;

use crate::cli::ExportParquetArgs;
use crate::config::Config;

/// `safer export parquet`.
pub async fn parquet(_config: &Config, _args: &ExportParquetArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("safer export parquet is not built yet")
}
