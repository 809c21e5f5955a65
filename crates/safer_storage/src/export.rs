//! Reading stored police.uk street rows back out, one force-month at a time, for exports
//! (`safer export parquet`).
//!
//! An export walks the imports ledger ([`Store::police_uk_street_months`] lists every street
//! force-month it holds) and reads each force-month with [`Store::police_uk_street_rows`], so
//! memory holds one force-month at a time however much national data the store has. Each read is
//! one statement, so a force-month is never seen half replaced by a concurrent import.

use crate::{on_pool, NewStreetRow, Result, Store};

/// A stored street row's columns, in the order of the `SELECT` below.
type StreetTuple = (
    Option<String>,
    String,
    String,
    Option<f64>,
    Option<f64>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
);

impl Store {
    /// The street rows stored for one force and month (`YYYY-MM`), in the order of their lines
    /// in the file they came from; empty when there are none. The rows come back in the shape
    /// they went in as ([`NewStreetRow`]): absent values are `None`, numbers exact.
    pub async fn police_uk_street_rows(
        &self,
        force: &str,
        month: &str,
    ) -> Result<Vec<NewStreetRow>> {
        const SQL: &str = "SELECT crime_id, reported_by, falls_within, longitude, latitude, \
                           location, lsoa_code, lsoa_name, crime_type, last_outcome_category, \
                           context, source_line FROM police_uk_street \
                           WHERE force = $1 AND month = $2 ORDER BY source_line";
        let rows: Vec<StreetTuple> = on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(force).bind(month).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(
                |(
                    crime_id,
                    reported_by,
                    falls_within,
                    longitude,
                    latitude,
                    location,
                    lsoa_code,
                    lsoa_name,
                    crime_type,
                    last_outcome_category,
                    context,
                    source_line,
                )| NewStreetRow {
                    crime_id,
                    reported_by,
                    falls_within,
                    longitude,
                    latitude,
                    location,
                    lsoa_code,
                    lsoa_name,
                    crime_type,
                    last_outcome_category,
                    context,
                    source_line,
                },
            )
            .collect())
    }
}
