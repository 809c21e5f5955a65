//! Licensed premises (`premises`, `premises_register`) and IMD 2019 deciles (`imd_lsoa`), for
//! `safer alcohol`.
//!
//! The database holds one premises register. [`Store::replace_premises`] swaps it whole in one
//! transaction: a register is a snapshot, so premises that closed since the last import must
//! go, and published registers share no key (licence numbers are not always given) to upsert
//! on. The same bytes imported again (by SHA-256) change nothing. A failure leaves the previous
//! register.
//!
//! [`Store::upsert_imd`] writes IMD ranks and deciles keyed by 2011 LSOA in one transaction, so
//! importing the file again rewrites the same rows.
//!
//! [`Store::police_uk_street_lsoa_counts_of_types`] counts street rows of some crime types by
//! LSOA, for the harm side of the cumulative-impact rule.

use crate::bulk::{insert_values_sql, rows_per_insert};
use crate::{on_pool, Backend, Result, Store};

/// One premises to store (a good row of a register).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPremises {
    /// The row's line in its file (unique within a register).
    pub line: i64,
    /// The premises' name.
    pub name: String,
    /// Its address; empty when not given.
    pub address: String,
    /// Its normalised postcode, when given.
    pub postcode: Option<String>,
    /// WGS84 longitude.
    pub longitude: f64,
    /// WGS84 latitude.
    pub latitude: f64,
    /// `coordinates` or `postcode`: where the position came from.
    pub located_by: String,
    /// `on`, `off` or `both`.
    pub licence: String,
    /// Authorised to sell alcohol after 23:00.
    pub late: bool,
}

/// A stored premises: the same fields as [`NewPremises`].
pub type StoredPremises = NewPremises;

/// Where the stored register came from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PremisesRegister {
    /// The file name as given to the import.
    pub file_name: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Premises stored.
    pub n_premises: i64,
    /// Bad rows left out.
    pub n_bad_rows: i64,
    /// When it was imported (unix seconds).
    pub imported_at: i64,
}

/// What [`Store::replace_premises`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PremisesImportOutcome {
    /// The register was replaced.
    Replaced {
        /// Premises the previous register held.
        n_previous: usize,
        /// Premises stored now.
        n_stored: usize,
    },
    /// The stored register came from the same bytes; nothing was written.
    Unchanged,
}

/// One LSOA's IMD 2019 rank and decile to store.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImdDecile {
    /// The 2011 LSOA code.
    pub lsoa11: String,
    /// Its 2019 local authority district code.
    pub lad_code: String,
    /// IMD rank, 1 = most deprived.
    pub imd_rank: i64,
    /// IMD decile, 1 = most deprived tenth.
    pub imd_decile: i64,
}

/// A `premises` row as read.
type PremisesRow = (i64, String, String, Option<String>, f64, f64, String, String, bool);

impl Store {
    /// Replaces the stored premises register with `rows` from `file_name` (whose bytes hash to
    /// `sha256`) in one transaction; see the module documentation.
    pub async fn replace_premises(
        &self,
        file_name: &str,
        sha256: &str,
        rows: &[NewPremises],
        n_bad_rows: usize,
        now: i64,
    ) -> Result<PremisesImportOutcome> {
        const COLUMNS: [&str; 9] = [
            "line",
            "name",
            "address",
            "postcode",
            "longitude",
            "latitude",
            "located_by",
            "licence",
            "late",
        ];
        let numbered = matches!(self.backend, Backend::Postgres(_));
        let per_batch = rows_per_insert(&self.backend, COLUMNS.len());
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let stored: Option<String> =
                sqlx::query_scalar("SELECT sha256 FROM premises_register WHERE id = 1")
                    .fetch_optional(&mut *tx).await?;
            if stored.as_deref() == Some(sha256) {
                tx.rollback().await?;
                return Ok(PremisesImportOutcome::Unchanged);
            }
            let n_previous: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM premises")
                .fetch_one(&mut *tx).await?;
            sqlx::query("DELETE FROM premises").execute(&mut *tx).await?;
            for chunk in rows.chunks(per_batch) {
                let sql = insert_values_sql("premises", &COLUMNS, chunk.len(), numbered);
                let mut query = sqlx::query(&sql);
                for row in chunk {
                    query = query
                        .bind(row.line).bind(&row.name).bind(&row.address).bind(&row.postcode)
                        .bind(row.longitude).bind(row.latitude).bind(&row.located_by)
                        .bind(&row.licence).bind(row.late);
                }
                query.execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO premises_register (id, file_name, sha256, n_premises, n_bad_rows, \
                 imported_at) VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
                 file_name = excluded.file_name, sha256 = excluded.sha256, \
                 n_premises = excluded.n_premises, n_bad_rows = excluded.n_bad_rows, \
                 imported_at = excluded.imported_at",
            )
            .bind(file_name).bind(sha256).bind(rows.len() as i64)
            .bind(i64::try_from(n_bad_rows).unwrap_or(i64::MAX)).bind(now)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            PremisesImportOutcome::Replaced {
                n_previous: usize::try_from(n_previous).unwrap_or(0),
                n_stored: rows.len(),
            }
        });
        Ok(outcome)
    }

    /// The stored premises, in the order of their lines.
    pub async fn premises(&self) -> Result<Vec<StoredPremises>> {
        const SQL: &str = "SELECT line, name, address, postcode, longitude, latitude, \
             located_by, licence, late FROM premises ORDER BY line";
        let rows: Vec<PremisesRow> =
            on_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(
                |(
                    line,
                    name,
                    address,
                    postcode,
                    longitude,
                    latitude,
                    located_by,
                    licence,
                    late,
                )| {
                    NewPremises {
                        line,
                        name,
                        address,
                        postcode,
                        longitude,
                        latitude,
                        located_by,
                        licence,
                        late,
                    }
                },
            )
            .collect())
    }

    /// Where the stored register came from, or `None` when none was imported.
    pub async fn premises_register(&self) -> Result<Option<PremisesRegister>> {
        const SQL: &str = "SELECT file_name, sha256, n_premises, n_bad_rows, imported_at \
             FROM premises_register WHERE id = 1";
        Ok(on_pool!(self, pool => sqlx::query_as(SQL).fetch_optional(pool).await?))
    }

    /// Upserts IMD ranks and deciles keyed by 2011 LSOA in one transaction (later rows with
    /// the same LSOA win); returns how many rows were written.
    pub async fn upsert_imd(&self, rows: &[ImdDecile], source: &str, now: i64) -> Result<usize> {
        const COLUMNS: [&str; 6] =
            ["lsoa11", "lad_code", "imd_rank", "imd_decile", "source", "updated_at"];
        let mut seen = std::collections::HashSet::new();
        let mut unique: Vec<&ImdDecile> =
            rows.iter().rev().filter(|row| seen.insert(row.lsoa11.as_str())).collect();
        unique.reverse();
        let numbered = matches!(self.backend, Backend::Postgres(_));
        let per_batch = rows_per_insert(&self.backend, COLUMNS.len());
        let conflict = " ON CONFLICT (lsoa11) DO UPDATE SET lad_code = excluded.lad_code, \
             imd_rank = excluded.imd_rank, imd_decile = excluded.imd_decile, \
             source = excluded.source, updated_at = excluded.updated_at";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in unique.chunks(per_batch) {
                let sql = insert_values_sql("imd_lsoa", &COLUMNS, chunk.len(), numbered) + conflict;
                let mut query = sqlx::query(&sql);
                for row in chunk {
                    query = query
                        .bind(&row.lsoa11).bind(&row.lad_code).bind(row.imd_rank)
                        .bind(row.imd_decile).bind(source).bind(now);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(unique.len())
    }

    /// Every stored IMD row, ordered by LSOA.
    pub async fn imd_deciles(&self) -> Result<Vec<ImdDecile>> {
        const SQL: &str =
            "SELECT lsoa11, lad_code, imd_rank, imd_decile FROM imd_lsoa ORDER BY lsoa11";
        Ok(on_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await?))
    }

    /// Street rows in the months `from..=to` (`YYYY-MM`) whose crime type is one of
    /// `crime_types`, by published LSOA code (rows without one are left out), ordered by code.
    pub async fn police_uk_street_lsoa_counts_of_types(
        &self,
        from: &str,
        to: &str,
        crime_types: &[&str],
    ) -> Result<Vec<(String, i64)>> {
        if crime_types.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> =
            (0..crime_types.len()).map(|idx| format!("${}", idx + 3)).collect();
        let sql = format!(
            "SELECT lsoa_code, COUNT(*) AS n FROM police_uk_street WHERE month >= $1 \
             AND month <= $2 AND lsoa_code IS NOT NULL AND crime_type IN ({}) \
             GROUP BY lsoa_code ORDER BY lsoa_code",
            placeholders.join(", ")
        );
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, (String, i64)>(&sql).bind(from).bind(to);
            for crime_type in crime_types {
                query = query.bind(*crime_type);
            }
            query.fetch_all(pool).await?
        }))
    }
}
