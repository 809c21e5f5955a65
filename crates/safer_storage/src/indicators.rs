//! Partner indicators (`partner_indicators`): one figure per indicator, area and period, such as
//! MARAC cases in `district:Maidstone` for 2021-01-01..2021-12-31.
//!
//! [`Store::upsert_partner_indicators`] writes a whole file in one transaction, keyed on
//! (indicator, area, period_start, period_end): a row not stored yet is inserted, a row whose
//! value, unit, source or notes changed is updated, and a row stored with the same figures is
//! left alone, so importing the same file again changes nothing.
//!
//! This crate does not depend on the parser (`safer_import`); callers hand over
//! [`NewPartnerIndicator`]s.

use crate::{on_pool, Result, Store};

/// One partner indicator row to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartnerIndicator {
    /// The indicator's slug, such as `marac-cases`.
    pub indicator: String,
    /// The area selector, such as `district:Maidstone`.
    pub area: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the period, `YYYY-MM-DD`.
    pub period_end: String,
    /// The figure.
    pub value: f64,
    /// The unit, such as `count`.
    pub unit: String,
    /// Where the figure comes from.
    pub source: String,
    /// Free text; empty when none.
    pub notes: String,
    /// The 1-based physical line of the row in its file (the header is line 1).
    pub source_line: i64,
}

/// A stored partner indicator.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PartnerIndicator {
    /// The indicator's slug.
    pub indicator: String,
    /// The area selector.
    pub area: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the period, `YYYY-MM-DD`.
    pub period_end: String,
    /// The figure.
    pub value: f64,
    /// The unit.
    pub unit: String,
    /// Where the figure comes from.
    pub source: String,
    /// Free text; empty when none.
    pub notes: String,
    /// The file the stored figure last came from.
    pub file_name: String,
    /// Its line in that file.
    pub source_line: i64,
    /// When it was written (unix seconds).
    pub imported_at: i64,
}

/// What [`Store::upsert_partner_indicators`] did, row by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartnerIndicatorsOutcome {
    /// Rows not stored before.
    pub n_inserted: usize,
    /// Rows whose value, unit, source or notes changed.
    pub n_updated: usize,
    /// Rows stored already with the same figures; not written.
    pub n_unchanged: usize,
}

impl Store {
    /// Writes the rows of one partner indicators file in one transaction; see the module docs.
    pub async fn upsert_partner_indicators(
        &self,
        file_name: &str,
        rows: &[NewPartnerIndicator],
        now: i64,
    ) -> Result<PartnerIndicatorsOutcome> {
        const SELECT: &str = "SELECT value, unit, source, notes FROM partner_indicators \
             WHERE indicator = $1 AND area = $2 AND period_start = $3 AND period_end = $4";
        const UPSERT: &str = "INSERT INTO partner_indicators (indicator, area, period_start, \
             period_end, value, unit, source, notes, file_name, source_line, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (indicator, area, period_start, period_end) DO UPDATE SET \
             value = excluded.value, unit = excluded.unit, source = excluded.source, \
             notes = excluded.notes, file_name = excluded.file_name, \
             source_line = excluded.source_line, imported_at = excluded.imported_at";
        let mut outcome = PartnerIndicatorsOutcome::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            for row in rows {
                let old: Option<(f64, String, String, String)> = sqlx::query_as(SELECT)
                    .bind(&row.indicator).bind(&row.area)
                    .bind(&row.period_start).bind(&row.period_end)
                    .fetch_optional(&mut *tx).await?;
                match old {
                    Some((value, unit, source, notes))
                        if value == row.value
                            && unit == row.unit
                            && source == row.source
                            && notes == row.notes =>
                    {
                        outcome.n_unchanged += 1;
                        continue;
                    }
                    Some(_) => outcome.n_updated += 1,
                    None => outcome.n_inserted += 1,
                }
                sqlx::query(UPSERT)
                    .bind(&row.indicator).bind(&row.area)
                    .bind(&row.period_start).bind(&row.period_end)
                    .bind(row.value).bind(&row.unit).bind(&row.source).bind(&row.notes)
                    .bind(file_name).bind(row.source_line).bind(now)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(outcome)
    }

    /// The partner indicators stored for `area` whose whole period lies within `from..=to`
    /// (dates `YYYY-MM-DD`), ordered by indicator and period.
    pub async fn partner_indicators_for_area(
        &self,
        area: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<PartnerIndicator>> {
        const SQL: &str = "SELECT indicator, area, period_start, period_end, value, unit, source, \
             notes, file_name, source_line, imported_at FROM partner_indicators \
             WHERE area = $1 AND period_start >= $2 AND period_end <= $3 \
             ORDER BY indicator, period_start, period_end";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, PartnerIndicator>(SQL)
            .bind(area).bind(from).bind(to).fetch_all(pool).await?))
    }
}
