//! Read-only data for the public report journey's map (`/public/report/map`): the stored
//! boundaries of a list of areas, and the extent of the police.uk street points an area
//! selects when no boundaries are stored. Nothing here writes.

use safer_domain::geography::AreaKind;

use crate::{on_pool, Result, Store, StoredBoundary, StreetArea};

/// Codes per `IN (…)` list, well under either backend's limit on parameters.
const CODES_PER_QUERY: usize = 500;

/// A digit, for the district rule (as in `evidence.rs`).
const DIGITS: &str = "('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')";
/// An upper-case letter, for the district rule (as in `evidence.rs`).
const UPPER: &str = "('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', \
                     'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z')";

impl Store {
    /// The stored boundaries of kind `kind` among `codes`, ordered by code; codes without a
    /// stored boundary are left out.
    pub async fn public_map_boundaries(
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

    /// The box west, south, east, north holding every stored street row with a location that
    /// `area` selects, over all months; `None` when there is none. The area rules are those of
    /// [`Store::police_uk_street_counts`].
    pub async fn public_map_street_extent(&self, area: &StreetArea) -> Result<Option<[f64; 4]>> {
        let predicate = match area {
            StreetArea::All => "1 = 1".to_string(),
            StreetArea::District(_) => format!(
                "length(lsoa_name) = $1 AND substr(lsoa_name, 1, $2) = $3 \
                 AND substr(lsoa_name, $4, 1) IN {DIGITS} \
                 AND substr(lsoa_name, $5, 1) IN {DIGITS} \
                 AND substr(lsoa_name, $6, 1) IN {DIGITS} \
                 AND substr(lsoa_name, $7, 1) IN {UPPER}"
            ),
            StreetArea::LsoaCodes(codes) if codes.is_empty() => return Ok(None),
            StreetArea::LsoaCodes(codes) => {
                let placeholders: Vec<String> =
                    (0..codes.len()).map(|idx| format!("${}", idx + 1)).collect();
                format!("lsoa_code IN ({})", placeholders.join(", "))
            }
        };
        let sql = format!(
            "SELECT MIN(longitude), MIN(latitude), MAX(longitude), MAX(latitude) \
             FROM police_uk_street \
             WHERE longitude IS NOT NULL AND latitude IS NOT NULL AND {predicate}"
        );
        type Extent = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
        let row: Extent = on_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, Extent>(&sql);
            match area {
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
            query.fetch_one(pool).await?
        });
        Ok(match row {
            (Some(west), Some(south), Some(east), Some(north)) => Some([west, south, east, north]),
            _ => None,
        })
    }
}
