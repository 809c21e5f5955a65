//! Reading stored police.uk street rows for a period comparison (`safer compare` and
//! `safer findings` without `--input`).
//!
//! Two reads: [`Store::police_uk_street_months`] lists, from the imports ledger, which street
//! months each force has (a month without data must be an error, never a zero), and
//! [`Store::police_uk_street_counts`] counts rows by force, month and crime type for a
//! [`StreetArea`] over a range of months.
//!
//! The area rules are the file scanner's (`safer_import::police_uk::LsoaFilter`), written in SQL
//! both backends evaluate the same way: a district matches LSOA names that are exactly the
//! district name, a space, three digits and an upper-case letter (`Maidstone 001A`, never
//! `Maidstone Borough`, and `Tunbridge` never matches `Tunbridge Wells 001A`), compared
//! character by character with `substr` and `=` (not `LIKE`, which ignores case on SQLite, nor
//! `<`/`>`, which follow the collation on PostgreSQL). LSOA codes match exactly.

use crate::{on_pool, Result, Store};

/// Which LSOAs a count selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreetArea {
    /// Every row, including rows with no location.
    All,
    /// LSOAs whose name is `<district> NNNL`, such as `Maidstone 001A`; case-sensitive.
    District(String),
    /// These LSOA codes, exactly.
    LsoaCodes(Vec<String>),
}

/// One street month in the imports ledger.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StreetMonth {
    /// Force slug, such as `kent`.
    pub force: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The file the month's rows came from.
    pub file_name: String,
    /// Rows stored.
    pub n_rows: i64,
    /// Bad rows left out when the file was imported.
    pub n_bad_rows: i64,
}

/// Street rows of one force, month and crime type.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StreetCount {
    /// Force slug.
    pub force: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The crime type as published.
    pub crime_type: String,
    /// How many of those rows are in the area; 0 when none is.
    pub n_in_area: i64,
}

/// Street rows of one force in one LSOA over a run of months.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LsoaCount {
    /// Force slug.
    pub force: String,
    /// The LSOA code as published; empty for rows with no location.
    pub lsoa_code: String,
    /// How many rows.
    pub n: i64,
}

/// Street rows of one force, month and crime type at one snap point.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PointCount {
    /// Force slug.
    pub force: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The crime type as published.
    pub crime_type: String,
    /// The snap point's longitude.
    pub longitude: f64,
    /// The snap point's latitude.
    pub latitude: f64,
    /// How many rows.
    pub n: i64,
}

/// Street rows of one force and crime type at one place (LSOA, snap point and Location), over
/// a run of months.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PlaceCount {
    /// Force slug.
    pub force: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The crime type as published.
    pub crime_type: String,
    /// The LSOA code; empty for rows with no location.
    pub lsoa_code: String,
    /// The LSOA name; empty for rows with no location.
    pub lsoa_name: String,
    /// The snap point's longitude, when located.
    pub longitude: Option<f64>,
    /// The snap point's latitude, when located.
    pub latitude: Option<f64>,
    /// The police.uk `Location` text, such as "On or near Week Street".
    pub location: String,
    /// How many rows.
    pub n: i64,
}

const DIGITS: &str = "('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')";
const UPPER: &str = "('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', \
                     'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z')";

/// The SQL condition selecting the street rows `area` selects, its parameters numbered from
/// `$first` (bind them with [`bind_area!`]): a district is `<district> NNNL` in `lsoa_name`
/// (n + 5 characters, the district and a space first); an empty list of codes selects nothing.
fn area_predicate(area: &StreetArea, first: usize) -> String {
    match area {
        StreetArea::All => "1 = 1".to_string(),
        StreetArea::District(_) => {
            let p: Vec<String> = (first..first + 7).map(|n| format!("${n}")).collect();
            format!(
                "length(lsoa_name) = {} AND substr(lsoa_name, 1, {}) = {} \
                 AND substr(lsoa_name, {}, 1) IN {DIGITS} \
                 AND substr(lsoa_name, {}, 1) IN {DIGITS} \
                 AND substr(lsoa_name, {}, 1) IN {DIGITS} \
                 AND substr(lsoa_name, {}, 1) IN {UPPER}",
                p[0], p[1], p[2], p[3], p[4], p[5], p[6]
            )
        }
        StreetArea::LsoaCodes(codes) if codes.is_empty() => "1 = 0".to_string(),
        StreetArea::LsoaCodes(codes) => {
            let placeholders: Vec<String> =
                (0..codes.len()).map(|idx| format!("${}", idx + first)).collect();
            format!("lsoa_code IN ({})", placeholders.join(", "))
        }
    }
}

/// Binds the parameters of [`area_predicate`] for `$area` to `$query`, in order, and
/// evaluates to the query.
macro_rules! bind_area {
    ($query:expr, $area:expr) => {{
        let mut query = $query;
        match $area {
            StreetArea::District(district) => {
                let n = district.chars().count() as i32;
                query = query
                    .bind(n + 5)
                    .bind(n + 1)
                    .bind(format!("{district} "))
                    .bind(n + 2)
                    .bind(n + 3)
                    .bind(n + 4)
                    .bind(n + 5);
            }
            StreetArea::All => {}
            StreetArea::LsoaCodes(codes) => {
                for code in codes {
                    query = query.bind(code);
                }
            }
        }
        query
    }};
}

impl Store {
    /// Every street month in the imports ledger, ordered by force and month.
    pub async fn police_uk_street_months(&self) -> Result<Vec<StreetMonth>> {
        const SQL: &str = "SELECT force, month, file_name, n_rows, n_bad_rows \
                           FROM police_uk_imports WHERE kind = 'street' ORDER BY force, month";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, StreetMonth>(SQL).fetch_all(pool).await?))
    }

    /// Street rows in the months `from..=to` (`YYYY-MM`), by force, month and crime type, with
    /// how many of them `area` selects. Every (force, month, crime type) with a stored row in
    /// those months is listed, zeros included, as the file scanner lists every crime type it
    /// met; sorted by force, month and crime type (byte order).
    pub async fn police_uk_street_counts(
        &self,
        area: &StreetArea,
        from: &str,
        to: &str,
    ) -> Result<Vec<StreetCount>> {
        // $1 and $2 are the months; the area's parameters follow.
        let predicate = area_predicate(area, 3);
        let sql = format!(
            "SELECT force, month, crime_type, \
             SUM(CASE WHEN {predicate} THEN 1 ELSE 0 END) AS n_in_area \
             FROM police_uk_street WHERE month >= $1 AND month <= $2 \
             GROUP BY force, month, crime_type"
        );
        on_pool!(self, pool => {
            let query = sqlx::query_as::<_, StreetCount>(&sql).bind(from).bind(to);
            let query = bind_area!(query, area);
            let mut counts = query.fetch_all(pool).await?;
            // Byte order whatever the database's collation.
            counts.sort_by(|a: &StreetCount, b: &StreetCount| {
                (&a.force, &a.month, &a.crime_type).cmp(&(&b.force, &b.month, &b.crime_type))
            });
            Ok(counts)
        })
    }

    /// The distinct LSOA names in the months `from..=to` that begin with `district` and a
    /// space, ignoring the case of ASCII letters: for the hint "did you mean district:Maidstone?"
    /// when a district matched nothing. Sorted (byte order).
    pub async fn police_uk_lsoa_names_ignoring_case(
        &self,
        district: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<String>> {
        const SQL: &str = "SELECT DISTINCT lsoa_name FROM police_uk_street \
                           WHERE month >= $1 AND month <= $2 \
                           AND lower(substr(lsoa_name, 1, $3)) = lower($4)";
        let prefix = format!("{district} ");
        let n = prefix.chars().count() as i32;
        let mut names: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(SQL)
            .bind(from).bind(to).bind(n).bind(&prefix)
            .fetch_all(pool).await?);
        names.sort();
        Ok(names)
    }

    /// Street rows in the months `from..=to` by force and LSOA code (rows with no LSOA under
    /// `""`), ordered by force and code: what rates for many areas at once are summed from.
    pub async fn police_uk_street_lsoa_counts(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<LsoaCount>> {
        const SQL: &str = "SELECT force, COALESCE(lsoa_code, '') AS lsoa_code, COUNT(*) AS n \
             FROM police_uk_street WHERE month >= $1 AND month <= $2 \
             GROUP BY force, COALESCE(lsoa_code, '')";
        let mut counts: Vec<LsoaCount> = on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(from).bind(to).fetch_all(pool).await?);
        counts.sort_by(|a, b| (&a.force, &a.lsoa_code).cmp(&(&b.force, &b.lsoa_code)));
        Ok(counts)
    }

    /// Street rows in the months `from..=to` with a location inside the box west, south, east,
    /// north, by force, month, crime type and snap point: the candidates for a point-in-polygon
    /// selection. Ordered by force, month, crime type, longitude, latitude.
    pub async fn police_uk_street_point_counts(
        &self,
        from: &str,
        to: &str,
        bbox: [f64; 4],
    ) -> Result<Vec<PointCount>> {
        const SQL: &str = "SELECT force, month, crime_type, longitude, latitude, COUNT(*) AS n \
             FROM police_uk_street WHERE month >= $1 AND month <= $2 \
             AND longitude >= $3 AND latitude >= $4 AND longitude <= $5 AND latitude <= $6 \
             GROUP BY force, month, crime_type, longitude, latitude";
        let mut counts: Vec<PointCount> = on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(from).bind(to).bind(bbox[0]).bind(bbox[1]).bind(bbox[2]).bind(bbox[3])
            .fetch_all(pool).await?);
        counts.sort_by(|a, b| {
            (&a.force, &a.month, &a.crime_type)
                .cmp(&(&b.force, &b.month, &b.crime_type))
                .then(a.longitude.total_cmp(&b.longitude))
                .then(a.latitude.total_cmp(&b.latitude))
        });
        Ok(counts)
    }

    /// Street rows in the months `from..=to` grouped by force, month, crime type, LSOA, snap
    /// point and Location: what hot-spot analysis assigns to units (by code or by point) and
    /// names places from. Ordered by every key.
    pub async fn police_uk_street_places(&self, from: &str, to: &str) -> Result<Vec<PlaceCount>> {
        const SQL: &str = "SELECT force, month, crime_type, COALESCE(lsoa_code, '') AS lsoa_code, \
             COALESCE(lsoa_name, '') AS lsoa_name, longitude, latitude, location, COUNT(*) AS n \
             FROM police_uk_street WHERE month >= $1 AND month <= $2 \
             GROUP BY force, month, crime_type, COALESCE(lsoa_code, ''), COALESCE(lsoa_name, ''), \
             longitude, latitude, location";
        let mut places: Vec<PlaceCount> = on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(from).bind(to).fetch_all(pool).await?);
        places.sort_by(|a, b| {
            (&a.force, &a.month, &a.crime_type, &a.lsoa_code, &a.location)
                .cmp(&(&b.force, &b.month, &b.crime_type, &b.lsoa_code, &b.location))
                .then(a.longitude.unwrap_or(f64::NAN).total_cmp(&b.longitude.unwrap_or(f64::NAN)))
                .then(a.latitude.unwrap_or(f64::NAN).total_cmp(&b.latitude.unwrap_or(f64::NAN)))
        });
        Ok(places)
    }

    /// The box west, south, east, north holding every stored street row with a location that
    /// `area` selects, over all months; `None` when there is none. The area rules are those of
    /// [`Store::police_uk_street_counts`].
    pub async fn police_uk_street_extent(&self, area: &StreetArea) -> Result<Option<[f64; 4]>> {
        let sql = format!(
            "SELECT MIN(longitude), MIN(latitude), MAX(longitude), MAX(latitude) \
             FROM police_uk_street \
             WHERE longitude IS NOT NULL AND latitude IS NOT NULL AND {}",
            area_predicate(area, 1)
        );
        type Extent = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
        let row: Extent = on_pool!(self, pool => {
            let query = sqlx::query_as::<_, Extent>(&sql);
            bind_area!(query, area).fetch_one(pool).await?
        });
        Ok(match row {
            (Some(west), Some(south), Some(east), Some(north)) => Some([west, south, east, north]),
            _ => None,
        })
    }
}
