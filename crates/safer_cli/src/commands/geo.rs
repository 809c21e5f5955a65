//! `safer geo import` and `safer geo show`: the geography that area selectors, rates and maps
//! stand on.
//!
//! Each file is recognised by its content (`safer_import::geo`), read whole, and written in one
//! transaction; bad rows are reported with file, place and field and left out (`--strict`
//! refuses the file instead). Files inside folders that are not geography (a licence, a
//! README) are ignored with a note; a file named directly must be recognised.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::findings::format_count;
use safer_domain::geography::AreaKind;
use safer_import::geo::{read_geo_file, GeoData, GeoError, GeoFileKind, GeoOptions};
use safer_storage::{GeographyBatch, NewBoundary};

use crate::cli::GeoImportArgs;
use crate::commands::evidence::walk;
use crate::commands::open_store;
use crate::config::Config;

/// At most this many bad rows are listed per file; the rest are counted.
const MAX_LISTED_ERRORS: usize = 10;

/// A geography file read and recognised.
struct ReadFile {
    path: PathBuf,
    kind: GeoFileKind,
    data: GeoData,
}

/// `safer geo import`.
pub async fn import(config: &Config, args: &GeoImportArgs) -> anyhow::Result<ExitCode> {
    let options = GeoOptions { population_year: args.population_year };
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    let mut seen = HashSet::new();
    for input in &args.paths {
        let metadata = std::fs::metadata(input)
            .with_context(|| format!("cannot read the input {}", input.display()))?;
        if metadata.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found, &mut HashSet::new())?;
            found.sort();
            for path in found {
                if !seen.insert(path.clone()) {
                    continue;
                }
                match read_one(&path, &options) {
                    Ok(file) => files.push(file),
                    Err(err) if is_not_geography(&err) => ignored.push((path, err)),
                    Err(err) => return Err(err),
                }
            }
        } else if seen.insert(input.clone()) {
            files.push(read_one(input, &options)?);
        }
    }
    for (path, err) in &ignored {
        eprintln!("note: ignored {}: {}", path.display(), root_message(err));
    }
    if files.is_empty() {
        bail!("no geography files found in the inputs");
    }

    let mut stderr = std::io::stderr().lock();
    let mut n_bad = 0;
    for file in &files {
        for note in &file.data.notes {
            let _ = writeln!(stderr, "note: {}: {note}", file.path.display());
        }
        for err in file.data.errors.iter().take(MAX_LISTED_ERRORS) {
            let _ = writeln!(stderr, "{}: {err}", file.path.display());
        }
        if file.data.errors.len() > MAX_LISTED_ERRORS {
            let _ = writeln!(
                stderr,
                "{}: … and {} more bad row(s)",
                file.path.display(),
                format_count((file.data.errors.len() - MAX_LISTED_ERRORS) as u64)
            );
        }
        n_bad += file.data.errors.len();
    }
    drop(stderr);
    if args.strict && n_bad > 0 {
        bail!("{n_bad} bad row(s) and --strict: nothing was imported");
    }

    let store = open_store(config).await?;
    let mut out = std::io::stdout().lock();
    let result = async {
        for file in files {
            let batch = to_batch(&file.data)?;
            let outcome = store
                .import_geography(&batch, crate::now())
                .await
                .with_context(|| format!("cannot store {}", file.path.display()))?;
            let mut parts = Vec::new();
            for (n, what) in [
                (outcome.names, "name(s)"),
                (outcome.links, "LSOA 2011/2021 link(s)"),
                (outcome.memberships, "ward/district membership(s)"),
                (outcome.population, "population figure(s)"),
                (outcome.boundaries, "boundary(ies)"),
            ] {
                if n > 0 {
                    parts.push(format!("{} {what}", format_count(n as u64)));
                }
            }
            if !file.data.errors.is_empty() {
                parts.push(format!(
                    "{} bad row(s) left out",
                    format_count(file.data.errors.len() as u64)
                ));
            }
            writeln!(out, "{} ({}): {}", file.path.display(), file.kind, parts.join(", "))?;
        }
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and recognises one file; the error names the path.
fn read_one(path: &Path, options: &GeoOptions) -> anyhow::Result<ReadFile> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let (kind, data) =
        read_geo_file(&name, &bytes, options).with_context(|| format!("{}", path.display()))?;
    Ok(ReadFile { path: path.to_path_buf(), kind, data })
}

/// True when `err` says the file is not a geography file at all (rather than a broken one).
fn is_not_geography(err: &anyhow::Error) -> bool {
    matches!(
        err.root_cause().downcast_ref::<GeoError>(),
        Some(GeoError::Unrecognised { .. } | GeoError::Empty | GeoError::Json(_))
    )
}

fn root_message(err: &anyhow::Error) -> String {
    err.root_cause().to_string()
}

/// The storage batch for one file's data.
fn to_batch(data: &GeoData) -> anyhow::Result<GeographyBatch> {
    let mut boundaries = Vec::with_capacity(data.boundaries.len());
    for boundary in &data.boundaries {
        let Some(bbox) = boundary.geometry.bbox() else { continue };
        boundaries.push(NewBoundary {
            code: boundary.code.clone(),
            kind: boundary.kind,
            geometry_json: serde_json::to_string(&boundary.geometry)
                .context("cannot encode a boundary")?,
            bbox: [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat],
        });
    }
    Ok(GeographyBatch {
        names: data.names.clone(),
        links: data.links.clone(),
        memberships: data.memberships.clone(),
        population: data.population.clone(),
        boundaries,
    })
}

/// `safer geo show`.
pub async fn show(config: &Config) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let geography = store.geography().await;
    let boundaries = async {
        let mut counts = Vec::new();
        for kind in [AreaKind::Lsoa11, AreaKind::Lsoa21, AreaKind::Ward, AreaKind::Lad] {
            counts.push((kind, store.geo_boundaries(kind, None).await?.len()));
        }
        anyhow::Ok(counts)
    }
    .await;
    store.close().await;
    let geography = geography.context("cannot read the geography")?;
    let boundaries = boundaries.context("cannot read the boundaries")?;
    let mut out = std::io::stdout().lock();
    if geography.is_empty() && boundaries.iter().all(|(_, n)| *n == 0) {
        writeln!(out, "No geography imported yet; see `safer geo import --help`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let summary = geography.summary();
    for (kind, n) in &summary.names_by_kind {
        writeln!(out, "{kind} names: {}", format_count(*n as u64))?;
    }
    for (kind, n) in &boundaries {
        if *n > 0 {
            writeln!(out, "{kind} boundaries: {}", format_count(*n as u64))?;
        }
    }
    writeln!(out, "2011 LSOAs placed in a ward: {}", format_count(summary.lsoas_with_ward as u64))?;
    writeln!(
        out,
        "2011 LSOAs placed in a district: {}",
        format_count(summary.lsoas_with_district as u64)
    )?;
    writeln!(
        out,
        "2021 LSOA codes linked to 2011 LSOAs: {}",
        format_count(summary.linked_2021_codes as u64)
    )?;
    for (year, n) in &summary.population_years {
        writeln!(out, "population figures for {year}: {}", format_count(*n as u64))?;
    }
    let districts: Vec<String> = geography
        .districts()
        .into_iter()
        .map(|code| match geography.name(code) {
            Some(name) => format!("{code} {}", name.name),
            None => code.to_string(),
        })
        .collect();
    if !districts.is_empty() {
        writeln!(out, "districts: {}", districts.join(", "))?;
    }
    Ok(ExitCode::SUCCESS)
}
