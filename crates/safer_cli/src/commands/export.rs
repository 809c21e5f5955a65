//! `safer export parquet --out DIR`: the imported police.uk street rows as Parquet files,
//! Hive-partitioned by year and force, for DuckDB, Spark, Trino, DataFusion and the like.
//!
//! The layout is `DIR/year=YYYY/force=NAME/part-0.parquet`: one file per year and force, one row
//! group per month, rows in the order of their lines in the published file. `force` (the
//! police.uk name in file names, such as `kent`) and `year` are the partition keys, so they are
//! not columns in the files; every published column is ([`SCHEMA`]). Strings are UTF-8, absent
//! values are nulls (never empty strings), coordinates are doubles, and pages are
//! Snappy-compressed.
//!
//! **The export directory is Safer's.** A run writes the whole export into a temporary sibling
//! directory (`.DIR.safer-export-…`), then swaps it into place: a failed run leaves no
//! half-written files and the previous export as it was, and a successful one replaces the
//! previous export whole, deleting anything else in it. So `DIR` must be absent, empty, or a
//! previous export, recognised by the marker file [`MARKER`] every export writes; any other
//! directory is refused untouched.
//!
//! The store is read one force-month at a time ([`Store::police_uk_street_rows`]), so memory
//! holds one force-month's rows whatever the size of the store.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use parquet::basic::Compression;
use parquet::column::writer::{ColumnWriter, ColumnWriterImpl};
use parquet::data_type::{ByteArray, DataType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::Type;
use safer_storage::{NewStreetRow, Store};

use super::open_store;
use crate::cli::ExportParquetArgs;
use crate::config::Config;

/// The marker file in every export's top directory; its presence lets a re-run replace the
/// directory. The leading underscore makes Spark, Hive and DuckDB's globs pass it over.
pub const MARKER: &str = "_SAFER_EXPORT";

/// The schema of every file: the published street columns, in the published order, less the
/// partition keys. The code that fills the columns (`column_values`) follows this order.
pub const SCHEMA: &str = "message police_uk_street {
    required binary month (STRING);
    optional binary crime_id (STRING);
    required binary reported_by (STRING);
    required binary falls_within (STRING);
    optional double longitude;
    optional double latitude;
    required binary location (STRING);
    optional binary lsoa_code (STRING);
    optional binary lsoa_name (STRING);
    required binary crime_type (STRING);
    optional binary last_outcome_category (STRING);
    optional binary context (STRING);
}";

/// The name of every data file inside its partition folder.
const PART_FILE: &str = "part-0.parquet";

/// One file written: where (relative to the export directory) and what it holds.
#[derive(Debug)]
struct Written {
    relative: PathBuf,
    n_months: usize,
    n_rows: usize,
    n_bytes: u64,
}

/// `safer export parquet`.
pub async fn parquet(config: &Config, args: &ExportParquetArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let months = store.police_uk_street_months().await?;
    if months.is_empty() {
        bail!("the database holds no street data to export; import some with `safer import police-uk`");
    }
    let partitions = partitions(months.iter().map(|m| (m.force.as_str(), m.month.as_str())))?;

    let staging = Staging::create(&args.out)?;
    let replacing = staging.replaces_an_export;
    let mut written = Vec::new();
    for ((year, force), months) in &partitions {
        let relative = Path::new(&format!("year={year}")).join(format!("force={force}"));
        let relative = relative.join(PART_FILE);
        let path = staging.dir().join(&relative);
        if let Some(file) = write_partition(&store, force, months, &path).await? {
            written.push(Written { relative, ..file });
        }
    }
    let n_rows: usize = written.iter().map(|w| w.n_rows).sum();
    let n_bytes: u64 = written.iter().map(|w| w.n_bytes).sum();
    let marker = format!(
        "A Safer export of police.uk street rows (`safer export parquet`), Hive-partitioned as\n\
         year=YYYY/force=NAME/{PART_FILE}. A re-run replaces this directory whole: keep nothing\n\
         else in it.\nfiles: {}\nrows: {n_rows}\n",
        written.len()
    );
    let marker_path = staging.dir().join(MARKER);
    write_synced(&marker_path, marker.as_bytes())
        .with_context(|| format!("cannot write {}", marker_path.display()))?;
    staging.commit()?;

    for file in &written {
        println!(
            "wrote {}: {} month(s), {} rows, {} bytes",
            args.out.join(&file.relative).display(),
            file.n_months,
            file.n_rows,
            file.n_bytes
        );
    }
    println!(
        "exported {} files, {n_rows} rows, {n_bytes} bytes to {}{}",
        written.len(),
        args.out.display(),
        if replacing { " (replacing the previous export)" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Groups force-months by (year, force), both in byte order, with each group's months sorted.
/// Refuses a month that is not `YYYY-MM` or a force that is not a plain lowercase name, since
/// both become folder names.
fn partitions<'a>(
    force_months: impl Iterator<Item = (&'a str, &'a str)>,
) -> anyhow::Result<BTreeMap<(String, String), Vec<String>>> {
    let mut partitions: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (force, month) in force_months {
        let bytes = month.as_bytes();
        let is_month = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes.iter().enumerate().all(|(idx, b)| idx == 4 || b.is_ascii_digit());
        if !is_month {
            bail!(
                "the imports ledger has a street month `{month}` for {force} that is not YYYY-MM"
            );
        }
        let is_name = !force.is_empty()
            && force.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !is_name {
            bail!(
                "the imports ledger has a force `{force}` that cannot name a folder \
                 (lowercase letters, digits and hyphens only)"
            );
        }
        partitions
            .entry((month[..4].to_string(), force.to_string()))
            .or_default()
            .push(month.to_string());
    }
    for months in partitions.values_mut() {
        months.sort();
        months.dedup();
    }
    Ok(partitions)
}

/// Writes one year of one force to `path`, one row group per month; `None` (and no file) when
/// those months hold no rows.
async fn write_partition(
    store: &Store,
    force: &str,
    months: &[String],
    path: &Path,
) -> anyhow::Result<Option<Written>> {
    let in_path = || format!("cannot write {}", path.display());
    let mut writer: Option<SerializedFileWriter<BufWriter<File>>> = None;
    let (mut n_months, mut n_rows) = (0, 0);
    for month in months {
        let rows = store.police_uk_street_rows(force, month).await?;
        if rows.is_empty() {
            continue;
        }
        if writer.is_none() {
            writer = Some(open_file(path).with_context(in_path)?);
        }
        let Some(writer) = writer.as_mut() else { continue };
        write_row_group(writer, month, &rows).with_context(in_path)?;
        n_months += 1;
        n_rows += rows.len();
    }
    let Some(writer) = writer else { return Ok(None) };
    let buffered = writer.into_inner().with_context(in_path)?;
    let file = buffered.into_inner().map_err(|e| e.into_error()).with_context(in_path)?;
    file.sync_all().with_context(in_path)?;
    let n_bytes = file.metadata().with_context(in_path)?.len();
    Ok(Some(Written { relative: PathBuf::new(), n_months, n_rows, n_bytes }))
}

/// Creates `path` (and its folders) and starts a Parquet file with [`SCHEMA`], Snappy pages.
fn open_file(path: &Path) -> anyhow::Result<SerializedFileWriter<BufWriter<File>>> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let schema: Type = parse_message_type(SCHEMA)?;
    let properties = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let file = File::create(path)?;
    Ok(SerializedFileWriter::new(BufWriter::new(file), Arc::new(schema), Arc::new(properties))?)
}

/// One column's values for a row group.
#[derive(Debug)]
enum Values<'a> {
    Text(Vec<Option<&'a str>>),
    Double(Vec<Option<f64>>),
}

/// The values of column `idx` of [`SCHEMA`] for `rows` of `month`; `None` past the last column.
fn column_values<'a>(idx: usize, month: &'a str, rows: &'a [NewStreetRow]) -> Option<Values<'a>> {
    let text = |get: fn(&'a NewStreetRow) -> Option<&'a str>| {
        Some(Values::Text(rows.iter().map(get).collect()))
    };
    match idx {
        0 => Some(Values::Text(vec![Some(month); rows.len()])),
        1 => text(|row| row.crime_id.as_deref()),
        2 => text(|row| Some(&row.reported_by)),
        3 => text(|row| Some(&row.falls_within)),
        4 => Some(Values::Double(rows.iter().map(|row| row.longitude).collect())),
        5 => Some(Values::Double(rows.iter().map(|row| row.latitude).collect())),
        6 => text(|row| Some(&row.location)),
        7 => text(|row| row.lsoa_code.as_deref()),
        8 => text(|row| row.lsoa_name.as_deref()),
        9 => text(|row| Some(&row.crime_type)),
        10 => text(|row| row.last_outcome_category.as_deref()),
        11 => text(|row| row.context.as_deref()),
        _ => None,
    }
}

/// Writes one month's rows as a row group.
fn write_row_group(
    writer: &mut SerializedFileWriter<BufWriter<File>>,
    month: &str,
    rows: &[NewStreetRow],
) -> anyhow::Result<()> {
    let mut row_group = writer.next_row_group()?;
    let mut idx = 0;
    while let Some(mut column) = row_group.next_column()? {
        let Some(values) = column_values(idx, month, rows) else {
            bail!("the Parquet schema has more columns than Safer fills");
        };
        match (column.untyped(), values) {
            (ColumnWriter::ByteArrayColumnWriter(writer), Values::Text(values)) => {
                let values = values.into_iter().map(|v| v.map(ByteArray::from)).collect();
                write_column(writer, values)?;
            }
            (ColumnWriter::DoubleColumnWriter(writer), Values::Double(values)) => {
                write_column(writer, values)?;
            }
            _ => bail!("column {idx} of the Parquet schema has another type than Safer fills"),
        }
        column.close()?;
        idx += 1;
    }
    row_group.close()?;
    Ok(())
}

/// Writes `values` to a column: an optional column gets definition levels (0 is null), and a
/// required one must have every value.
fn write_column<T: DataType>(
    writer: &mut ColumnWriterImpl<'_, T>,
    values: Vec<Option<T::T>>,
) -> anyhow::Result<()> {
    let optional = writer.get_descriptor().max_def_level() > 0;
    let def_levels: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
    let present: Vec<T::T> = values.into_iter().flatten().collect();
    if !optional && present.len() != def_levels.len() {
        bail!("a required column has a missing value");
    }
    writer.write_batch(&present, optional.then_some(&def_levels[..]), None)?;
    Ok(())
}

/// Writes `bytes` to a new file at `path` and flushes it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A temporary directory beside the export directory that becomes it on [`Staging::commit`]
/// and is deleted if dropped before.
#[derive(Debug)]
struct Staging {
    /// The export directory, absolute.
    target: PathBuf,
    /// The temporary sibling being written.
    temporary: PathBuf,
    /// Whether `target` holds a previous export that the commit replaces.
    replaces_an_export: bool,
    committed: bool,
}

impl Staging {
    /// Checks that `out` is absent, an empty directory or a previous export, and creates the
    /// temporary sibling (and `out`'s parent folders if missing).
    fn create(out: &Path) -> anyhow::Result<Staging> {
        let shown = out.display();
        let (target, replaces_an_export) = match std::fs::metadata(out) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let absolute = std::path::absolute(out)
                    .with_context(|| format!("cannot export to {shown}"))?;
                (absolute, false)
            }
            Err(e) => return Err(e).with_context(|| format!("cannot export to {shown}")),
            Ok(metadata) if !metadata.is_dir() => {
                bail!("cannot export to {shown}: it is not a directory")
            }
            Ok(_) => {
                let mut entries =
                    std::fs::read_dir(out).with_context(|| format!("cannot read {shown}"))?;
                let is_empty = entries.next().is_none();
                let is_export = out.join(MARKER).is_file();
                if !is_empty && !is_export {
                    bail!(
                        "cannot export to {shown}: it is not empty and not a previous Safer export \
                         (it has no {MARKER}); name a new or empty directory"
                    );
                }
                let canonical =
                    out.canonicalize().with_context(|| format!("cannot export to {shown}"))?;
                (canonical, is_export)
            }
        };
        let (Some(parent), Some(Component::Normal(name))) =
            (target.parent(), target.components().next_back())
        else {
            bail!("cannot export to {shown}: name a directory, not a root or `..`");
        };
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let temporary = parent.join(sibling_name(name, "safer-export"));
        std::fs::create_dir(&temporary)
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        Ok(Staging { target, temporary, replaces_an_export, committed: false })
    }

    /// The directory to write the export into.
    fn dir(&self) -> &Path {
        &self.temporary
    }

    /// Puts the written export in place of the export directory. The previous contents are
    /// moved aside first and deleted once the new export is in place; if the swap fails they
    /// are moved back.
    fn commit(mut self) -> anyhow::Result<()> {
        let shown = self.target.display().to_string();
        let parent = self.target.parent().map(Path::to_path_buf).unwrap_or_default();
        let previous = match self.target.file_name() {
            Some(name) if self.target.exists() => {
                let aside = parent.join(sibling_name(name, "safer-previous"));
                std::fs::rename(&self.target, &aside)
                    .with_context(|| format!("cannot move {shown} aside to replace it"))?;
                Some(aside)
            }
            _ => None,
        };
        if let Err(e) = std::fs::rename(&self.temporary, &self.target) {
            if let Some(previous) = &previous {
                let _ = std::fs::rename(previous, &self.target);
            }
            return Err(e)
                .with_context(|| format!("cannot move {} to {shown}", self.temporary.display()));
        }
        self.committed = true;
        // Make the renames durable; a failure here loses nothing already written.
        let _ = File::open(&parent).and_then(|dir| dir.sync_all());
        if let Some(previous) = previous {
            if let Err(e) = std::fs::remove_dir_all(&previous) {
                eprintln!("note: cannot delete the previous export at {}: {e}", previous.display());
            }
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temporary);
        }
    }
}

/// `.NAME.WHAT-PID-RANDOM`: a hidden sibling name no other run picks.
fn sibling_name(name: &std::ffi::OsStr, what: &str) -> OsString {
    let mut random = [0u8; 4];
    let _ = getrandom::getrandom(&mut random);
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let mut sibling = OsString::from(".");
    sibling.push(name);
    sibling.push(format!(".{what}-{}-{suffix}", std::process::id()));
    sibling
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_group_months_by_year_and_force() {
        let months = [("kent", "2023-01"), ("kent", "2022-12"), ("city-of-london", "2022-01")];
        let partitions = partitions(months.into_iter()).unwrap();
        let keys: Vec<String> =
            partitions.iter().map(|((year, force), m)| format!("{year} {force} {m:?}")).collect();
        assert_eq!(
            keys,
            [
                "2022 city-of-london [\"2022-01\"]",
                "2022 kent [\"2022-12\"]",
                "2023 kent [\"2023-01\"]"
            ]
        );
    }

    #[test]
    fn partitions_refuse_names_that_are_not_folders() {
        for (force, month) in [
            ("../kent", "2022-01"),
            ("Kent", "2022-01"),
            ("", "2022-01"),
            ("kent", "2022-1"),
            ("kent", "2022/01"),
            ("kent", "２０２２-01"),
        ] {
            let err = partitions([(force, month)].into_iter()).unwrap_err();
            assert!(err.to_string().contains("imports ledger"), "{force} {month}: {err}");
        }
    }

    #[test]
    fn a_dropped_staging_leaves_nothing_and_a_commit_replaces_the_export() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested").join("export");
        let listing = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(out.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };

        // Failed run: nothing left behind, not even the temporary directory.
        let staging = Staging::create(&out).unwrap();
        std::fs::write(staging.dir().join("half"), "x").unwrap();
        drop(staging);
        assert!(listing().is_empty(), "{:?}", listing());

        // First export.
        let staging = Staging::create(&out).unwrap();
        assert!(!staging.replaces_an_export);
        std::fs::write(staging.dir().join(MARKER), "1").unwrap();
        std::fs::write(staging.dir().join("old-only"), "1").unwrap();
        staging.commit().unwrap();
        assert_eq!(listing(), ["export"]);

        // A failed re-run keeps the first export as it was.
        let staging = Staging::create(&out).unwrap();
        assert!(staging.replaces_an_export);
        drop(staging);
        assert_eq!(std::fs::read_to_string(out.join(MARKER)).unwrap(), "1");
        assert_eq!(listing(), ["export"]);

        // A successful one replaces it whole.
        let staging = Staging::create(&out).unwrap();
        std::fs::write(staging.dir().join(MARKER), "2").unwrap();
        staging.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join(MARKER)).unwrap(), "2");
        assert!(!out.join("old-only").exists());
        assert_eq!(listing(), ["export"]);

        // A directory with other things in it is refused untouched.
        std::fs::remove_file(out.join(MARKER)).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = Staging::create(&out).unwrap_err().to_string();
        assert!(err.contains("not a previous Safer export") && err.contains("export"), "{err}");
        assert_eq!(listing(), ["export"]);
        assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");

        // A file is refused; an empty directory is fine.
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(Staging::create(&file).unwrap_err().to_string().contains("not a directory"));
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        Staging::create(&empty).unwrap().commit().unwrap();
        assert!(empty.is_dir());
    }
}
