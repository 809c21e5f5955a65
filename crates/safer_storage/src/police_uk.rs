//! police.uk rows: street-level crime and ASB, outcomes, and stop and search, plus the ledger
//! of imported files (`police_uk_imports`).
//!
//! The unit of import is a force-month-kind (Kent, 2022-01, street): [`Store::replace_police_uk`]
//! deletes its rows, inserts the new ones and updates its ledger row in one transaction, so a
//! re-import is harmless and a crash leaves the previous state. A file whose SHA-256 matches the
//! ledger is not written at all. Rows go in with multi-row `INSERT`s sized to the backend's bind
//! limit.
//!
//! This crate does not depend on the parser (`safer_import`); callers hand over the rows as
//! [`NewStreetRow`], [`NewOutcomeRow`] and [`NewStopSearchRow`].

use std::fmt;

use sqlx::Row;

use crate::bulk::{insert_values_sql, rows_per_insert};
use crate::{on_pool, Backend, Result, Store};

/// The three kinds of police.uk file, as stored in the ledger's `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PoliceUkKind {
    /// Street-level crime and anti-social behaviour (`police_uk_street`).
    Street,
    /// Outcomes (`police_uk_outcomes`).
    Outcomes,
    /// Stop and search (`police_uk_stop_search`).
    StopAndSearch,
}

impl PoliceUkKind {
    /// The kind as police.uk spells it in file names: `street`, `outcomes`, `stop-and-search`.
    pub fn as_str(self) -> &'static str {
        match self {
            PoliceUkKind::Street => "street",
            PoliceUkKind::Outcomes => "outcomes",
            PoliceUkKind::StopAndSearch => "stop-and-search",
        }
    }

    fn table(self) -> &'static str {
        match self {
            PoliceUkKind::Street => "police_uk_street",
            PoliceUkKind::Outcomes => "police_uk_outcomes",
            PoliceUkKind::StopAndSearch => "police_uk_stop_search",
        }
    }
}

impl fmt::Display for PoliceUkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One street-level crime or ASB row to store; fields as police.uk publishes them.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStreetRow {
    /// `Crime ID`; `None` for anti-social behaviour.
    pub crime_id: Option<String>,
    /// `Reported by`.
    pub reported_by: String,
    /// `Falls within`.
    pub falls_within: String,
    /// `Longitude`; `None` for a row with no location.
    pub longitude: Option<f64>,
    /// `Latitude`; `None` for a row with no location.
    pub latitude: Option<f64>,
    /// `Location`.
    pub location: String,
    /// `LSOA code`.
    pub lsoa_code: Option<String>,
    /// `LSOA name`.
    pub lsoa_name: Option<String>,
    /// `Crime type`.
    pub crime_type: String,
    /// `Last outcome category`.
    pub last_outcome_category: Option<String>,
    /// `Context`.
    pub context: Option<String>,
    /// The 1-based physical line of the row in its file (the header is line 1).
    pub source_line: i64,
}

/// One outcomes row to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutcomeRow {
    /// `Crime ID`.
    pub crime_id: String,
    /// `Reported by`.
    pub reported_by: String,
    /// `Falls within`.
    pub falls_within: String,
    /// `Longitude`.
    pub longitude: Option<f64>,
    /// `Latitude`.
    pub latitude: Option<f64>,
    /// `Location`.
    pub location: String,
    /// `LSOA code`.
    pub lsoa_code: Option<String>,
    /// `LSOA name`.
    pub lsoa_name: Option<String>,
    /// `Outcome type`.
    pub outcome_type: String,
    /// The 1-based physical line of the row in its file.
    pub source_line: i64,
}

/// One stop and search row to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStopSearchRow {
    /// `Type`.
    pub kind: String,
    /// `Date`, the ISO 8601 timestamp as published.
    pub date: String,
    /// `Part of a policing operation`.
    pub part_of_policing_operation: Option<bool>,
    /// `Policing operation`.
    pub policing_operation: Option<String>,
    /// `Latitude`.
    pub latitude: Option<f64>,
    /// `Longitude`.
    pub longitude: Option<f64>,
    /// `Gender`.
    pub gender: Option<String>,
    /// `Age range`.
    pub age_range: Option<String>,
    /// `Self-defined ethnicity`.
    pub self_defined_ethnicity: Option<String>,
    /// `Officer-defined ethnicity`.
    pub officer_defined_ethnicity: Option<String>,
    /// `Legislation`.
    pub legislation: Option<String>,
    /// `Object of search`.
    pub object_of_search: Option<String>,
    /// `Outcome`.
    pub outcome: Option<String>,
    /// `Outcome linked to object of search`.
    pub outcome_linked_to_object_of_search: Option<bool>,
    /// `Removal of more than just outer clothing`.
    pub removal_of_more_than_outer_clothing: Option<bool>,
    /// The 1-based physical line of the row in its file.
    pub source_line: i64,
}

/// The rows of one police.uk file; the variant says which kind it is.
#[derive(Debug, Clone, PartialEq)]
pub enum PoliceUkRows {
    /// A street file's rows.
    Street(Vec<NewStreetRow>),
    /// An outcomes file's rows.
    Outcomes(Vec<NewOutcomeRow>),
    /// A stop and search file's rows.
    StopAndSearch(Vec<NewStopSearchRow>),
}

impl PoliceUkRows {
    /// The kind of file the rows came from.
    pub fn kind(&self) -> PoliceUkKind {
        match self {
            PoliceUkRows::Street(_) => PoliceUkKind::Street,
            PoliceUkRows::Outcomes(_) => PoliceUkKind::Outcomes,
            PoliceUkRows::StopAndSearch(_) => PoliceUkKind::StopAndSearch,
        }
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        match self {
            PoliceUkRows::Street(rows) => rows.len(),
            PoliceUkRows::Outcomes(rows) => rows.len(),
            PoliceUkRows::StopAndSearch(rows) => rows.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which file a force-month-kind comes from: the key and the ledger entry of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoliceUkFile {
    /// The force slug from the file name, such as `kent`.
    pub force: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The file name as given (a path, or `ARCHIVE.zip!/ENTRY`).
    pub file_name: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub content_sha256: String,
    /// How many rows of the file were bad and left out.
    pub n_bad_rows: i64,
}

/// What [`Store::replace_police_uk`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoliceUkImportOutcome {
    /// The force-month-kind now holds exactly these rows.
    Imported {
        /// Rows written.
        n_rows: usize,
    },
    /// The ledger already held a file with the same SHA-256; nothing was written.
    Unchanged,
}

/// One row of the imports ledger.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PoliceUkImport {
    /// Force slug.
    pub force: String,
    /// `YYYY-MM`.
    pub month: String,
    /// `street`, `outcomes` or `stop-and-search`.
    pub kind: String,
    /// The file name as given when it was imported.
    pub file_name: String,
    /// SHA-256 of the file, lowercase hex.
    pub content_sha256: String,
    /// Rows stored.
    pub n_rows: i64,
    /// Bad rows left out.
    pub n_bad_rows: i64,
    /// When (unix seconds).
    pub imported_at: i64,
}

/// A column's type, for reading rows back generically.
#[derive(Clone, Copy)]
enum Col {
    Text,
    OptText,
    OptReal,
    OptBool,
    Int,
}

const STREET_COLUMNS: &[(&str, Col)] = &[
    ("force", Col::Text),
    ("month", Col::Text),
    ("crime_id", Col::OptText),
    ("reported_by", Col::Text),
    ("falls_within", Col::Text),
    ("longitude", Col::OptReal),
    ("latitude", Col::OptReal),
    ("location", Col::Text),
    ("lsoa_code", Col::OptText),
    ("lsoa_name", Col::OptText),
    ("crime_type", Col::Text),
    ("last_outcome_category", Col::OptText),
    ("context", Col::OptText),
    ("source_line", Col::Int),
];

const OUTCOME_COLUMNS: &[(&str, Col)] = &[
    ("force", Col::Text),
    ("month", Col::Text),
    ("crime_id", Col::Text),
    ("reported_by", Col::Text),
    ("falls_within", Col::Text),
    ("longitude", Col::OptReal),
    ("latitude", Col::OptReal),
    ("location", Col::Text),
    ("lsoa_code", Col::OptText),
    ("lsoa_name", Col::OptText),
    ("outcome_type", Col::Text),
    ("source_line", Col::Int),
];

const STOP_SEARCH_COLUMNS: &[(&str, Col)] = &[
    ("force", Col::Text),
    ("month", Col::Text),
    ("kind", Col::Text),
    ("date", Col::Text),
    ("part_of_policing_operation", Col::OptBool),
    ("policing_operation", Col::OptText),
    ("latitude", Col::OptReal),
    ("longitude", Col::OptReal),
    ("gender", Col::OptText),
    ("age_range", Col::OptText),
    ("self_defined_ethnicity", Col::OptText),
    ("officer_defined_ethnicity", Col::OptText),
    ("legislation", Col::OptText),
    ("object_of_search", Col::OptText),
    ("outcome", Col::OptText),
    ("outcome_linked_to_object_of_search", Col::OptBool),
    ("removal_of_more_than_outer_clothing", Col::OptBool),
    ("source_line", Col::Int),
];

fn columns_of(kind: PoliceUkKind) -> &'static [(&'static str, Col)] {
    match kind {
        PoliceUkKind::Street => STREET_COLUMNS,
        PoliceUkKind::Outcomes => OUTCOME_COLUMNS,
        PoliceUkKind::StopAndSearch => STOP_SEARCH_COLUMNS,
    }
}

/// `INSERT INTO table (cols) VALUES …` for `n_rows` rows of `kind`; see
/// [`crate::bulk::insert_values_sql`].
fn insert_sql(kind: PoliceUkKind, n_rows: usize, numbered: bool) -> String {
    let names: Vec<&str> = columns_of(kind).iter().map(|(name, _)| *name).collect();
    insert_values_sql(kind.table(), &names, n_rows, numbered)
}

/// Binds one street row's columns, in [`STREET_COLUMNS`] order.
macro_rules! bind_street {
    ($query:expr, $file:expr, $row:expr) => {
        $query
            .bind(&$file.force)
            .bind(&$file.month)
            .bind(&$row.crime_id)
            .bind(&$row.reported_by)
            .bind(&$row.falls_within)
            .bind($row.longitude)
            .bind($row.latitude)
            .bind(&$row.location)
            .bind(&$row.lsoa_code)
            .bind(&$row.lsoa_name)
            .bind(&$row.crime_type)
            .bind(&$row.last_outcome_category)
            .bind(&$row.context)
            .bind($row.source_line)
    };
}

/// Binds one outcomes row's columns, in [`OUTCOME_COLUMNS`] order.
macro_rules! bind_outcome {
    ($query:expr, $file:expr, $row:expr) => {
        $query
            .bind(&$file.force)
            .bind(&$file.month)
            .bind(&$row.crime_id)
            .bind(&$row.reported_by)
            .bind(&$row.falls_within)
            .bind($row.longitude)
            .bind($row.latitude)
            .bind(&$row.location)
            .bind(&$row.lsoa_code)
            .bind(&$row.lsoa_name)
            .bind(&$row.outcome_type)
            .bind($row.source_line)
    };
}

/// Binds one stop and search row's columns, in [`STOP_SEARCH_COLUMNS`] order.
macro_rules! bind_stop_search {
    ($query:expr, $file:expr, $row:expr) => {
        $query
            .bind(&$file.force)
            .bind(&$file.month)
            .bind(&$row.kind)
            .bind(&$row.date)
            .bind($row.part_of_policing_operation)
            .bind(&$row.policing_operation)
            .bind($row.latitude)
            .bind($row.longitude)
            .bind(&$row.gender)
            .bind(&$row.age_range)
            .bind(&$row.self_defined_ethnicity)
            .bind(&$row.officer_defined_ethnicity)
            .bind(&$row.legislation)
            .bind(&$row.object_of_search)
            .bind(&$row.outcome)
            .bind($row.outcome_linked_to_object_of_search)
            .bind($row.removal_of_more_than_outer_clothing)
            .bind($row.source_line)
    };
}

/// Inserts `$rows` in statements of at most `$per_batch` rows, binding each with `$bind`.
macro_rules! insert_batches {
    ($tx:expr, $kind:expr, $file:expr, $rows:expr, $per_batch:expr, $numbered:expr, $bind:ident) => {{
        let full_sql = insert_sql($kind, $per_batch, $numbered);
        for chunk in $rows.chunks($per_batch) {
            let tail_sql;
            let sql = if chunk.len() == $per_batch {
                &full_sql
            } else {
                tail_sql = insert_sql($kind, chunk.len(), $numbered);
                &tail_sql
            };
            let mut query = sqlx::query(sql);
            for row in chunk {
                query = $bind!(query, $file, row);
            }
            query.execute(&mut *$tx).await?;
        }
    }};
}

impl Store {
    /// The SHA-256 of the file the ledger holds for a force-month-kind, if any.
    pub async fn police_uk_import_hash(
        &self,
        force: &str,
        month: &str,
        kind: PoliceUkKind,
    ) -> Result<Option<String>> {
        const SQL: &str = "SELECT content_sha256 FROM police_uk_imports \
                           WHERE force = $1 AND month = $2 AND kind = $3";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL)
            .bind(force).bind(month).bind(kind.as_str())
            .fetch_optional(pool).await?))
    }

    /// Replaces a force-month-kind with `rows`, in one transaction: its old rows are deleted,
    /// the new ones inserted and its ledger row written. When the ledger already holds a file
    /// with the same SHA-256 nothing is written and the outcome is
    /// [`PoliceUkImportOutcome::Unchanged`].
    pub async fn replace_police_uk(
        &self,
        file: &PoliceUkFile,
        rows: &PoliceUkRows,
        now: i64,
    ) -> Result<PoliceUkImportOutcome> {
        let kind = rows.kind();
        let per_batch = rows_per_insert(&self.backend, columns_of(kind).len());
        let numbered = matches!(self.backend, Backend::Postgres(_));
        let delete_sql = format!("DELETE FROM {} WHERE force = $1 AND month = $2", kind.table());
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let old_hash: Option<String> = sqlx::query_scalar(
                "SELECT content_sha256 FROM police_uk_imports WHERE force = $1 AND month = $2 AND kind = $3",
            )
            .bind(&file.force).bind(&file.month).bind(kind.as_str())
            .fetch_optional(&mut *tx).await?;
            if old_hash.as_deref() == Some(file.content_sha256.as_str()) {
                tx.rollback().await?;
                return Ok(PoliceUkImportOutcome::Unchanged);
            }
            sqlx::query(&delete_sql).bind(&file.force).bind(&file.month).execute(&mut *tx).await?;
            match rows {
                PoliceUkRows::Street(rows) => {
                    insert_batches!(tx, kind, file, rows, per_batch, numbered, bind_street)
                }
                PoliceUkRows::Outcomes(rows) => {
                    insert_batches!(tx, kind, file, rows, per_batch, numbered, bind_outcome)
                }
                PoliceUkRows::StopAndSearch(rows) => {
                    insert_batches!(tx, kind, file, rows, per_batch, numbered, bind_stop_search)
                }
            }
            sqlx::query(
                "INSERT INTO police_uk_imports (force, month, kind, file_name, content_sha256, n_rows, \
                 n_bad_rows, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (force, month, kind) DO UPDATE SET file_name = excluded.file_name, \
                 content_sha256 = excluded.content_sha256, n_rows = excluded.n_rows, \
                 n_bad_rows = excluded.n_bad_rows, imported_at = excluded.imported_at",
            )
            .bind(&file.force).bind(&file.month).bind(kind.as_str()).bind(&file.file_name)
            .bind(&file.content_sha256).bind(rows.len() as i64).bind(file.n_bad_rows).bind(now)
            .execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(PoliceUkImportOutcome::Imported { n_rows: rows.len() })
    }

    /// The imports ledger, ordered by force, month and kind.
    pub async fn police_uk_imports(&self) -> Result<Vec<PoliceUkImport>> {
        const SQL: &str =
            "SELECT force, month, kind, file_name, content_sha256, n_rows, n_bad_rows, \
                           imported_at FROM police_uk_imports ORDER BY force, month, kind";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, PoliceUkImport>(SQL).fetch_all(pool).await?))
    }

    /// How many rows of a kind are stored for a force and month.
    pub async fn police_uk_row_count(
        &self,
        kind: PoliceUkKind,
        force: &str,
        month: &str,
    ) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE force = $1 AND month = $2", kind.table());
        Ok(on_pool!(self, pool => sqlx::query_scalar(&sql)
            .bind(force).bind(month).fetch_one(pool).await?))
    }

    /// Every stored police.uk row of a kind as one text line (columns joined by `|`, absent
    /// values as `∅`, numbers exactly), ordered by force, month and source line; for comparing
    /// two databases in tests and audits.
    pub async fn police_uk_dump(&self, kind: PoliceUkKind) -> Result<Vec<String>> {
        let columns = columns_of(kind);
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY force, month, source_line",
            names.join(", "),
            kind.table()
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            let mut lines = Vec::with_capacity(rows.len());
            for row in rows {
                let mut fields = Vec::with_capacity(columns.len());
                for (idx, (_, col)) in columns.iter().enumerate() {
                    let text = match col {
                        Col::Text => row.try_get::<String, _>(idx)?,
                        Col::OptText => row.try_get::<Option<String>, _>(idx)?
                            .unwrap_or_else(|| "∅".to_string()),
                        Col::OptReal => row.try_get::<Option<f64>, _>(idx)?
                            .map_or_else(|| "∅".to_string(), |v| format!("{v:?}")),
                        Col::OptBool => row.try_get::<Option<bool>, _>(idx)?
                            .map_or_else(|| "∅".to_string(), |v| v.to_string()),
                        Col::Int => row.try_get::<i64, _>(idx)?.to_string(),
                    };
                    fields.push(text);
                }
                lines.push(fields.join("|"));
            }
            Ok(lines)
        })
    }
}
