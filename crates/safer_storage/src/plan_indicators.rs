//! Plan indicators: a plan's indicators file stored whole (JSON with the TOML it came from, as
//! plans are), and the observations an indicator is judged on, read from the stored evidence.
//!
//! Observations of a police.uk series are the 24 months ending at the latest street month in
//! the imports ledger (any force), each the number of rows of the indicator's crime types in its
//! area; a month the ledger does not hold is `None`, never zero. A partner series gives one
//! observation per stored period of that indicator and area.
//!
//! A survey series gives one observation per stored wave of its survey
//! ([`Store::survey_waves`]), ordered by wave label (so labels should sort in time order, such
//! as years): the weighted percentage (0–100; unit `percent`, as the partner CSV writes
//! percentages) of the question's respondents giving any of the indicator's answers, with the
//! Kish effective base. An empty `answers` list means the definition's positive answers. The
//! value is `None`, with a reason in `no_data`, when the wave did not ask the question or does
//! not know an answer the indicator names (a typo would otherwise read as 0 %). For a
//! multiple-choice question the stored aggregates give the share choosing one option, or
//! choosing any positive option, but not any of another set (a respondent choosing two of them
//! would count twice): such a set is `None` with that reason.

use safer_domain::ids::PlanId;
use std::collections::BTreeSet;

use safer_domain::digest::sha256_hex;
use safer_domain::indicator::{IndicatorFile, Observation, Series};
use safer_domain::month::{month_number, month_text};

use crate::evidence::{StreetArea, StreetCount};
use crate::survey_waves::SurveyWave;
use crate::{on_pool, Result, Store, StoreError};

/// Months of history read for a police.uk series: two periods of the longest comparison.
pub const HISTORY_MONTHS: u32 = 24;

/// What [`Store::import_plan_indicators`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorsImportOutcome {
    /// The plan had no indicators file.
    Created,
    /// The plan's indicators file changed.
    Updated,
    /// The very same file was imported before; nothing was written.
    Unchanged,
}

/// The police.uk area of a series' `area` text (`district:NAME` or `lsoa:CODE,...`).
pub fn street_area(area: &str) -> Option<StreetArea> {
    if let Some(name) = area.strip_prefix("district:") {
        return Some(StreetArea::District(name.trim().to_string()));
    }
    let codes = area.strip_prefix("lsoa:")?;
    Some(StreetArea::LsoaCodes(codes.split(',').map(|c| c.trim().to_string()).collect()))
}

/// Whole months from `YYYY-MM-DD` to `YYYY-MM-DD`, inclusive of both months' ends.
fn months_between(start: &str, end: &str) -> u32 {
    let month = |day: &str| day.get(..7).and_then(month_number);
    match (month(start), month(end)) {
        (Some(a), Some(b)) if b >= a => (b - a + 1) as u32,
        _ => 1,
    }
}

/// The observations of a police.uk series: one per month of the [`HISTORY_MONTHS`] months
/// ending at `latest`, the street rows of `crime_types` the area selects in `counts`, or no
/// value for a month not `held`. Shared with callers that read the counts once for several
/// series (the public dashboard).
pub fn police_uk_observations(
    counts: &[StreetCount],
    crime_types: &[String],
    held: &BTreeSet<i32>,
    latest: i32,
) -> Vec<Observation> {
    let first = latest + 1 - HISTORY_MONTHS as i32;
    (first..=latest)
        .map(|number| {
            let month = month_text(number);
            let value = held.contains(&number).then(|| {
                counts
                    .iter()
                    .filter(|c| c.month == month && crime_types.contains(&c.crime_type))
                    .map(|c| c.n_in_area as f64)
                    .sum()
            });
            Observation {
                label: month,
                months: 1,
                value,
                unit: "count".to_string(),
                base: None,
                no_data: None,
            }
        })
        .collect()
}

impl Store {
    /// Stores `file` as the indicators of `plan`, replacing any earlier file; the same file
    /// again writes nothing. The file must already be validated against the plan.
    pub async fn import_plan_indicators(
        &self,
        plan: PlanId,
        file: &IndicatorFile,
        source_toml: &str,
        now: i64,
    ) -> Result<IndicatorsImportOutcome> {
        let hash = sha256_hex(source_toml.as_bytes());
        let document =
            serde_json::to_string(file).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let n_indicators = file.indicators.len() as i32;
        let format = file.format as i32;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let existing: Option<String> =
                sqlx::query_scalar("SELECT content_hash FROM plan_indicator_files WHERE plan_id = $1")
                    .bind(plan.0).fetch_optional(&mut *tx).await?;
            let outcome = match existing {
                Some(old) if old == hash => IndicatorsImportOutcome::Unchanged,
                Some(_) => {
                    sqlx::query(
                        "UPDATE plan_indicator_files SET format = $1, n_indicators = $2, document = $3, \
                         source_toml = $4, content_hash = $5, updated_at = $6 WHERE plan_id = $7",
                    )
                    .bind(format).bind(n_indicators).bind(&document).bind(source_toml).bind(&hash)
                    .bind(now).bind(plan.0)
                    .execute(&mut *tx).await?;
                    IndicatorsImportOutcome::Updated
                }
                None => {
                    sqlx::query(
                        "INSERT INTO plan_indicator_files (plan_id, format, n_indicators, document, \
                         source_toml, content_hash, imported_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                    )
                    .bind(plan.0).bind(format).bind(n_indicators).bind(&document).bind(source_toml)
                    .bind(&hash).bind(now)
                    .execute(&mut *tx).await?;
                    IndicatorsImportOutcome::Created
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// The indicators file of `plan`, if one has been imported.
    pub async fn plan_indicators(&self, plan: PlanId) -> Result<Option<IndicatorFile>> {
        const SQL: &str = "SELECT document FROM plan_indicator_files WHERE plan_id = $1";
        let document: Option<String> = on_pool!(self, pool =>
            sqlx::query_scalar(SQL).bind(plan.0).fetch_optional(pool).await?);
        document
            .map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// The observations of `series`, oldest first (see the module documentation).
    pub async fn indicator_observations(&self, series: &Series) -> Result<Vec<Observation>> {
        match series {
            Series::PoliceUk { area, crime_types } => {
                let Some(area) = street_area(area) else { return Ok(Vec::new()) };
                let held: BTreeSet<i32> = self
                    .police_uk_street_months()
                    .await?
                    .iter()
                    .filter_map(|m| month_number(&m.month))
                    .collect();
                let Some(&latest) = held.iter().max() else { return Ok(Vec::new()) };
                let first = latest + 1 - HISTORY_MONTHS as i32;
                let counts = self
                    .police_uk_street_counts(&area, &month_text(first), &month_text(latest))
                    .await?;
                Ok(police_uk_observations(&counts, crime_types, &held, latest))
            }
            Series::Partner { indicator, area } => Ok(self
                .partner_indicators_for_area(area, "0000-01-01", "9999-12-31")
                .await?
                .into_iter()
                .filter(|row| &row.indicator == indicator)
                .map(|row| Observation {
                    months: months_between(&row.period_start, &row.period_end),
                    label: format!("{} to {}", row.period_start, row.period_end),
                    value: Some(row.value),
                    unit: row.unit,
                    base: None,
                    no_data: None,
                })
                .collect()),
            Series::Survey { survey, question, answers } => Ok(self
                .survey_waves(survey)
                .await?
                .iter()
                .map(|wave| survey_observation(wave, question, answers))
                .collect()),
        }
    }
}

/// One wave's observation of a survey series (see the module documentation).
pub(crate) fn survey_observation(
    wave: &SurveyWave,
    question: &str,
    answers: &[String],
) -> Observation {
    let mut observation = Observation {
        label: wave.wave.clone(),
        // Waves are taken as annual; the survey rule does not use months.
        months: 12,
        value: None,
        unit: "percent".to_string(),
        base: None,
        no_data: None,
    };
    let share = survey_share(wave, question, answers);
    match share {
        Ok((percent, base)) => {
            observation.value = Some(percent);
            observation.base = Some(base);
        }
        Err(why) => observation.no_data = Some(why),
    }
    observation
}

fn survey_share(
    wave: &SurveyWave,
    question: &str,
    answers: &[String],
) -> std::result::Result<(f64, f64), String> {
    let label = &wave.wave;
    let survey = &wave.survey;
    let Some(stored) = wave.question(question) else {
        return Err(format!("wave {label} of survey `{survey}` has no question `{question}`"));
    };
    let unknown: Vec<&str> =
        answers.iter().filter(|a| stored.answer(a).is_none()).map(String::as_str).collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = stored.answers.iter().map(|a| a.answer.as_str()).collect();
        return Err(format!(
            "wave {label} of survey `{survey}`: question `{question}` has no answer `{}` (its answers are {})",
            unknown.join("`, `"),
            known.join(", ")
        ));
    }
    if stored.respondents == 0 || stored.sum_weights <= 0.0 {
        return Err(format!("nobody answered question `{question}` in wave {label}"));
    }
    let positive: Vec<&str> =
        stored.answers.iter().filter(|a| a.positive).map(|a| a.answer.as_str()).collect();
    let mut chosen: Vec<&str> = answers.iter().map(String::as_str).collect();
    chosen.sort_unstable();
    chosen.dedup();
    let counted = if chosen.is_empty() {
        if positive.is_empty() {
            return Err(format!(
                "question `{question}` has no positive answers; list the answers counted in `answers`"
            ));
        }
        stored.positive_sum_weights
    } else if stored.kind == "multi" && chosen.len() > 1 {
        let mut positive_sorted = positive.clone();
        positive_sorted.sort_unstable();
        if positive_sorted != chosen {
            return Err(format!(
                "question `{question}` is multiple choice: `answers` must be one answer or exactly its positive answers"
            ));
        }
        stored.positive_sum_weights
    } else {
        chosen.iter().filter_map(|a| stored.answer(a)).map(|a| a.sum_weights).sum()
    };
    Ok((100.0 * counted / stored.sum_weights, stored.effective_base()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_and_wrap() {
        assert_eq!(month_number("2022-01").map(month_text).as_deref(), Some("2022-01"));
        assert_eq!(month_text(month_number("2022-01").unwrap() - 1), "2021-12");
        assert_eq!(months_between("2021-01-01", "2021-12-31"), 12);
        assert_eq!(months_between("2020-12-01", "2021-11-30"), 12);
    }
}
