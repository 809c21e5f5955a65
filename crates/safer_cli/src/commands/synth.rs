//! `safer synth police-uk`: synthetic police.uk street files for demos and benchmarks.
//!
//! The generator is [`safer_import::synth::StreetSynth`] (pure, bytes per file); this command
//! only writes its files, one month per worker thread at a time, and says what it wrote.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use safer_import::police_uk::Month;
use safer_import::synth::{StreetSynth, SynthConfig};

use crate::cli::SynthPoliceUkArgs;

/// `safer synth police-uk`.
pub fn police_uk(args: &SynthPoliceUkArgs) -> anyhow::Result<ExitCode> {
    let start: Month = args.start.parse().context("--start")?;
    let config = SynthConfig {
        force: args.force.clone(),
        months: args.months,
        rows_per_month: args.rows_per_month,
        seed: args.seed,
        start,
    };
    let synth = StreetSynth::new(config)?;
    let started = Instant::now();
    let written = write_files(&synth, &args.out)?;
    let elapsed_s = started.elapsed().as_secs_f64();

    let mut n_bytes = 0u64;
    for (file_idx, size) in written.iter().enumerate() {
        n_bytes += size;
        println!(
            "wrote {}: {} rows, {:.1} MB",
            args.out.join(synth.file_path(file_idx)).display(),
            synth.n_rows(file_idx),
            *size as f64 / 1e6,
        );
    }
    println!(
        "{} files, {} rows, {:.1} MB ({} synthetic LSOAs in {} districts) in {:.1} s ({:.0} MB/s)",
        written.len(),
        synth.total_rows(),
        n_bytes as f64 / 1e6,
        synth.n_lsoas(),
        synth.n_districts(),
        elapsed_s,
        n_bytes as f64 / 1e6 / elapsed_s.max(1e-9),
    );
    Ok(ExitCode::SUCCESS)
}

/// Generates and writes every file, spreading months over the available cores; returns the
/// size of each file in order.
fn write_files(synth: &StreetSynth, out: &Path) -> anyhow::Result<Vec<u64>> {
    let n_files = synth.n_files();
    let n_threads = std::thread::available_parallelism().map_or(1, usize::from).min(n_files);
    let next = AtomicUsize::new(0);
    let work = || -> anyhow::Result<Vec<(usize, u64)>> {
        let mut done = Vec::new();
        let mut buffer = Vec::new();
        loop {
            let file_idx = next.fetch_add(1, Ordering::Relaxed);
            if file_idx >= n_files {
                return Ok(done);
            }
            buffer.clear();
            synth.write_file(file_idx, &mut buffer);
            let path = out.join(synth.file_path(file_idx));
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(&path, &buffer)
                .with_context(|| format!("cannot write {}", path.display()))?;
            done.push((file_idx, buffer.len() as u64));
        }
    };
    let results: Vec<anyhow::Result<Vec<(usize, u64)>>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..n_threads).map(|_| scope.spawn(work)).collect();
            let mut results = vec![work()];
            results.extend(handles.into_iter().map(|handle| {
                handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }));
            results
        });
    let mut sizes = vec![0u64; n_files];
    for result in results {
        for (file_idx, size) in result? {
            sizes[file_idx] = size;
        }
    }
    Ok(sizes)
}
