//! Geography (`geo_*` tables): area names, LSOA 2011/2021 links, LSOA memberships of wards and
//! districts, resident populations and boundaries.
//!
//! [`Store::import_geography`] writes what one file holds in one transaction, as upserts keyed
//! as the migration declares, so importing the same file again leaves the same rows and a
//! failure leaves the previous state. [`Store::geography`] reads the lookups back as a
//! [`Geography`], the index `safer compare` resolves areas with.

use safer_domain::geography::{
    AreaKind, AreaName, Geography, LinkCategory, LsoaLink, Membership, PopulationFigure,
};

use crate::bulk::{insert_values_sql, rows_per_insert};
use crate::{on_pool, Backend, Result, Store, StoreError};

/// A boundary to store: the geometry is already JSON (a `safer_domain::geo::MultiPolygon`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewBoundary {
    /// The area's GSS code.
    pub code: String,
    /// Its kind.
    pub kind: AreaKind,
    /// The geometry as JSON.
    pub geometry_json: String,
    /// Bounding box: west, south, east, north.
    pub bbox: [f64; 4],
}

/// A stored boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBoundary {
    /// The area's GSS code.
    pub code: String,
    /// Its kind.
    pub kind: AreaKind,
    /// The geometry as JSON.
    pub geometry_json: String,
}

/// Everything one geography file holds, to store in one transaction.
#[derive(Debug, Clone, Default)]
pub struct GeographyBatch {
    /// Area names.
    pub names: Vec<AreaName>,
    /// LSOA 2011 ↔ 2021 links.
    pub links: Vec<LsoaLink>,
    /// LSOA → ward/district memberships.
    pub memberships: Vec<Membership>,
    /// Population figures.
    pub population: Vec<PopulationFigure>,
    /// Boundaries.
    pub boundaries: Vec<NewBoundary>,
}

/// How many rows of each kind a batch wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeographyOutcome {
    /// Names written.
    pub names: usize,
    /// Links written.
    pub links: usize,
    /// Memberships written.
    pub memberships: usize,
    /// Population figures written.
    pub population: usize,
    /// Boundaries written.
    pub boundaries: usize,
}

/// (code, kind, text) rows of `geo_areas` and `geo_memberships`.
type CodeKindText = (String, String, String);
/// A `geo_lsoa_links` row: lsoa11, lsoa21, persons, category.
type LinkRow = (String, String, Option<i64>, Option<String>);
/// A `geo_population` row: code, year, population, source.
type PopulationRow = (String, i64, i64, String);

/// Upserts `$rows` into `$table` in multi-row statements, binding each row with `$bind`; the
/// columns in `$keep` keep their stored value when the new one is NULL. Later rows with the same
/// key win (duplicates are dropped first: PostgreSQL refuses to update one
/// row twice in a statement).
macro_rules! upsert_rows {
    ($tx:expr, $backend:expr, $table:expr, $columns:expr, $key:expr, $keep:expr, $rows:expr, $key_of:expr, |$q:ident, $r:ident| $bind:expr) => {{
        let mut seen = std::collections::HashSet::new();
        let mut unique: Vec<_> =
            $rows.iter().rev().filter(|row| seen.insert($key_of(*row))).collect();
        unique.reverse();
        let numbered = matches!($backend, Backend::Postgres(_));
        let per_batch = rows_per_insert($backend, $columns.len());
        let updates: Vec<String> = $columns
            .iter()
            .filter(|column| !$key.contains(*column))
            .map(|column| {
                if $keep.contains(column) {
                    format!("{column} = COALESCE(excluded.{column}, {}.{column})", $table)
                } else {
                    format!("{column} = excluded.{column}")
                }
            })
            .collect();
        let conflict =
            format!(" ON CONFLICT ({}) DO UPDATE SET {}", $key.join(", "), updates.join(", "));
        for chunk in unique.chunks(per_batch) {
            let sql = insert_values_sql($table, &$columns, chunk.len(), numbered) + &conflict;
            let mut query = sqlx::query(&sql);
            for $r in chunk.iter().copied() {
                let $q = query;
                query = $bind;
            }
            query.execute(&mut *$tx).await?;
        }
        unique.len()
    }};
}

/// Codes per `IN (…)` list, well under either backend's limit on parameters.
const CODES_PER_QUERY: usize = 500;

impl Store {
    /// Writes one file's geography in one transaction; see the module documentation.
    pub async fn import_geography(
        &self,
        batch: &GeographyBatch,
        now: i64,
    ) -> Result<GeographyOutcome> {
        let mut outcome = GeographyOutcome::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            outcome.names = upsert_rows!(
                tx, &self.backend, "geo_areas", ["code", "kind", "name", "updated_at"],
                ["code", "kind"], [""; 0], batch.names, |n: &AreaName| (n.code.clone(), n.kind),
                |q, n| q
                    .bind(n.code.clone()).bind(n.kind.as_str()).bind(n.name.clone()).bind(now)
            );
            outcome.links = upsert_rows!(
                tx, &self.backend, "geo_lsoa_links",
                ["lsoa11", "lsoa21", "persons", "category", "updated_at"],
                ["lsoa11", "lsoa21"], ["persons", "category"], batch.links,
                |l: &LsoaLink| (l.lsoa11.clone(), l.lsoa21.clone()),
                |q, l| q
                    .bind(l.lsoa11.clone()).bind(l.lsoa21.clone())
                    .bind(l.persons.map(|p| i64::try_from(p).unwrap_or(i64::MAX)))
                    .bind(l.category.map(LinkCategory::as_str)).bind(now)
            );
            outcome.memberships = upsert_rows!(
                tx, &self.backend, "geo_memberships",
                ["lsoa11", "parent_kind", "parent", "updated_at"],
                ["lsoa11", "parent_kind"], [""; 0], batch.memberships,
                |m: &Membership| (m.lsoa11.clone(), m.parent_kind),
                |q, m| q
                    .bind(m.lsoa11.clone()).bind(m.parent_kind.as_str())
                    .bind(m.parent.clone()).bind(now)
            );
            outcome.population = upsert_rows!(
                tx, &self.backend, "geo_population",
                ["code", "year", "population", "source", "updated_at"],
                ["code", "year"], [""; 0], batch.population,
                |p: &PopulationFigure| (p.code.clone(), p.year),
                |q, p| q
                    .bind(p.code.clone()).bind(i64::from(p.year))
                    .bind(i64::try_from(p.population).unwrap_or(i64::MAX))
                    .bind(p.source.clone()).bind(now)
            );
            outcome.boundaries = upsert_rows!(
                tx, &self.backend, "geo_boundaries",
                ["code", "kind", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "updated_at"],
                ["code", "kind"], [""; 0], batch.boundaries,
                |b: &NewBoundary| (b.code.clone(), b.kind),
                |q, b| q
                    .bind(b.code.clone()).bind(b.kind.as_str()).bind(b.geometry_json.clone())
                    .bind(b.bbox[0]).bind(b.bbox[1]).bind(b.bbox[2]).bind(b.bbox[3]).bind(now)
            );
            tx.commit().await?;
        });
        Ok(outcome)
    }

    /// The stored lookups, names and populations, indexed (boundaries are read separately).
    pub async fn geography(&self) -> Result<Geography> {
        let (names, links, memberships, population): (
            Vec<CodeKindText>,
            Vec<LinkRow>,
            Vec<CodeKindText>,
            Vec<PopulationRow>,
        ) = on_pool!(self, pool => (
            sqlx::query_as("SELECT code, kind, name FROM geo_areas").fetch_all(pool).await?,
            sqlx::query_as("SELECT lsoa11, lsoa21, persons, category FROM geo_lsoa_links")
                .fetch_all(pool).await?,
            sqlx::query_as("SELECT lsoa11, parent_kind, parent FROM geo_memberships")
                .fetch_all(pool).await?,
            sqlx::query_as("SELECT code, year, population, source FROM geo_population")
                .fetch_all(pool).await?,
        ));
        let kind = |text: &str| {
            AreaKind::parse(text)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown area kind `{text}`")))
        };
        let names = names
            .into_iter()
            .map(|(code, k, name)| Ok(AreaName { code, kind: kind(&k)?, name }))
            .collect::<Result<Vec<_>>>()?;
        let links = links
            .into_iter()
            .map(|(lsoa11, lsoa21, persons, category)| LsoaLink {
                lsoa11,
                lsoa21,
                persons: persons.and_then(|p| u64::try_from(p).ok()),
                category: category.as_deref().and_then(LinkCategory::parse),
            })
            .collect();
        let memberships = memberships
            .into_iter()
            .map(|(lsoa11, k, parent)| Ok(Membership { lsoa11, parent_kind: kind(&k)?, parent }))
            .collect::<Result<Vec<_>>>()?;
        let population = population
            .into_iter()
            .map(|(code, year, population, source)| {
                Ok(PopulationFigure {
                    code,
                    year: u16::try_from(year).map_err(|_| {
                        StoreError::Corrupt(format!("population year {year} out of range"))
                    })?,
                    population: u64::try_from(population).map_err(|_| {
                        StoreError::Corrupt(format!("negative population {population}"))
                    })?,
                    source,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Geography::new(names, links, memberships, population))
    }

    /// The boundaries of one kind whose bounding box meets the box west, south, east, north
    /// (all of that kind when `within` is `None`), ordered by code.
    pub async fn geo_boundaries(
        &self,
        kind: AreaKind,
        within: Option<[f64; 4]>,
    ) -> Result<Vec<StoredBoundary>> {
        const SQL: &str = "SELECT code, geometry FROM geo_boundaries WHERE kind = $1 \
             AND max_lon >= $2 AND min_lon <= $3 AND max_lat >= $4 AND min_lat <= $5 ORDER BY code";
        let [west, south, east, north] = within.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
        let rows: Vec<(String, String)> = on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(kind.as_str()).bind(west).bind(east).bind(south).bind(north)
            .fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(code, geometry_json)| StoredBoundary { code, kind, geometry_json })
            .collect())
    }

    /// The stored boundaries of kind `kind` among `codes`, ordered by code; codes without a
    /// stored boundary are left out.
    pub async fn geo_boundaries_of(
        &self,
        kind: AreaKind,
        codes: &[String],
    ) -> Result<Vec<StoredBoundary>> {
        let mut found = Vec::new();
        for chunk in codes.chunks(CODES_PER_QUERY) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|idx| format!("${}", idx + 2)).collect();
            let sql = format!(
                "SELECT code, geometry FROM geo_boundaries WHERE kind = $1 AND code IN ({})",
                placeholders.join(", ")
            );
            let rows: Vec<(String, String)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&sql).bind(kind.as_str());
                for code in chunk {
                    query = query.bind(code);
                }
                query.fetch_all(pool).await?
            });
            found.extend(rows.into_iter().map(|(code, geometry_json)| StoredBoundary {
                code,
                kind,
                geometry_json,
            }));
        }
        found.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(found)
    }
}
