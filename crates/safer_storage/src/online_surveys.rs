//! Online surveys: a wave of a survey definition published on the public front door, its
//! invitation codes and its anonymous responses.
//!
//! A published survey keeps the definition's TOML text whole, so the form residents answer and
//! the export (`safer survey responses`) read exactly what was published. When invitation codes
//! are required each code admits one response: only the SHA-256 of a code is stored
//! ([`survey_code_hash`]), and [`Store::submit_survey_response`] marks the code used and stores
//! the response in one write transaction, so two submissions racing with one code give one
//! response. A response keeps its answers and the UTC day it arrived; nothing links it to a
//! client address or to the code that admitted it (codes record only the day they were used).

use std::collections::BTreeMap;

use safer_domain::digest::sha256_hex;
use safer_domain::ids::PartnershipId;

use crate::{on_pool, Result, Store, StoreError};

/// What a resident's answers look like once stored: question or variable id → the option ids
/// chosen (one for a single-choice question or a variable, several for multiple choice).
pub type SurveyAnswers = BTreeMap<String, Vec<String>>;

/// The message of the [`StoreError::Rule`] given for a code that is unknown or already used.
pub const CODE_REFUSED: &str = "this invitation code is not valid or has already been used";

/// The message of the [`StoreError::Rule`] given for a response to a survey that is not open.
pub const SURVEY_CLOSED: &str = "this survey is not open";

/// The message of the [`StoreError::Rule`] given for republishing a wave with a different
/// definition after responses to it have arrived.
pub const DEFINITION_FIXED: &str = "responses to this wave have arrived, so its questions \
    cannot change; publish the changed definition as a new wave";

/// A survey to publish (or republish: the same partnership, survey and wave are replaced).
#[derive(Debug, Clone)]
pub struct NewOnlineSurvey<'a> {
    /// The partnership running it.
    pub partnership: PartnershipId,
    /// The definition's `[survey] id`.
    pub survey: &'a str,
    /// The wave label, such as `2026-online`.
    pub wave: &'a str,
    /// The title residents see.
    pub title: &'a str,
    /// The definition's TOML text, already checked by the caller.
    pub definition: &'a str,
    /// Whether each response needs an unused invitation code.
    pub codes_required: bool,
    /// When it opens (unix seconds); kept from the first publication on republishing.
    pub opens_at: i64,
    /// When it closes (unix seconds), or `None` to stay open.
    pub closes_at: Option<i64>,
}

/// What [`Store::publish_online_survey`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlineSurveyOutcome {
    /// The wave was new.
    Created,
    /// The wave existed and its definition, title, codes rule or closing time changed.
    Replaced,
    /// The wave existed exactly as given.
    Unchanged,
}

/// A published survey wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineSurvey {
    /// Its id, used in its public address.
    pub id: i64,
    /// The partnership running it.
    pub partnership: PartnershipId,
    /// The definition's `[survey] id`.
    pub survey: String,
    /// The wave label.
    pub wave: String,
    /// The title residents see.
    pub title: String,
    /// The definition's TOML text.
    pub definition: String,
    /// Whether each response needs an unused invitation code.
    pub codes_required: bool,
    /// When it opens (unix seconds).
    pub opens_at: i64,
    /// When it closes (unix seconds), if it does.
    pub closes_at: Option<i64>,
    /// When it was last published (unix seconds).
    pub published_at: i64,
}

impl OnlineSurvey {
    /// Whether it takes responses at `now`: opened, and not yet closed.
    pub fn is_open(&self, now: i64) -> bool {
        self.opens_at <= now && self.closes_at.is_none_or(|closes| now < closes)
    }
}

/// One stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineSurveyResponse {
    /// The start of the UTC day it arrived (unix seconds).
    pub submitted_on: i64,
    /// The answers.
    pub answers: SurveyAnswers,
}

/// A published wave with its counts, for the staff page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineSurveySummary {
    /// The wave.
    pub survey: OnlineSurvey,
    /// Responses stored so far.
    pub responses: i64,
    /// Invitation codes made for it.
    pub codes_issued: i64,
    /// Of those, the ones used.
    pub codes_used: i64,
}

/// The SHA-256 (hex) of an invitation code, after normalising it: upper case, with spaces and
/// hyphens removed, so `abcde-fghjk` and `ABCDEFGHJK` are the same code.
pub fn survey_code_hash(code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    sha256_hex(normalised.as_bytes())
}

/// The start of the UTC day of `now`.
fn day_of(now: i64) -> i64 {
    now - now.rem_euclid(86_400)
}

type SurveyRow = (i64, i64, String, String, String, String, bool, i64, Option<i64>, i64);

/// A survey's id with its counts of responses, codes issued and codes used.
type CountsRow = (i64, i64, i64, i64);

const SURVEY_COLUMNS: &str = "id, partnership_id, survey, wave, title, definition, \
                              codes_required, opens_at, closes_at, published_at";

fn survey_of(row: SurveyRow) -> OnlineSurvey {
    let (id, partnership, survey, wave, title, definition, codes_required, opens, closes, at) = row;
    OnlineSurvey {
        id,
        partnership: PartnershipId(partnership),
        survey,
        wave,
        title,
        definition,
        codes_required,
        opens_at: opens,
        closes_at: closes,
        published_at: at,
    }
}

impl Store {
    /// Publishes a survey wave, or replaces the definition, title, codes rule and closing time
    /// of the same partnership, survey and wave (its opening time, codes and responses are
    /// kept). Returns the survey's id and what happened; publishing the same wave twice
    /// unchanged writes nothing.
    ///
    /// Once a wave has responses its definition is fixed, since the stored answers are read
    /// against it: a changed definition is refused with [`DEFINITION_FIXED`] (the title, codes
    /// rule and closing time may still change).
    pub async fn publish_online_survey(
        &self,
        new: &NewOnlineSurvey<'_>,
        now: i64,
    ) -> Result<(i64, OnlineSurveyOutcome)> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let existing: Option<(i64, String, String, bool, Option<i64>)> = sqlx::query_as(
                "SELECT id, title, definition, codes_required, closes_at FROM online_surveys \
                 WHERE partnership_id = $1 AND survey = $2 AND wave = $3",
            )
            .bind(new.partnership.0).bind(new.survey).bind(new.wave)
            .fetch_optional(&mut *tx).await?;
            let outcome = match existing {
                Some((id, title, definition, codes_required, closes_at)) => {
                    if title == new.title
                        && definition == new.definition
                        && codes_required == new.codes_required
                        && closes_at == new.closes_at
                    {
                        (id, OnlineSurveyOutcome::Unchanged)
                    } else {
                        if definition != new.definition {
                            let (responses,): (i64,) = sqlx::query_as(
                                "SELECT COUNT(*) FROM online_survey_responses \
                                 WHERE online_survey_id = $1",
                            )
                            .bind(id)
                            .fetch_one(&mut *tx).await?;
                            if responses > 0 {
                                return Err(StoreError::Rule(DEFINITION_FIXED.to_string()));
                            }
                        }
                        sqlx::query(
                            "UPDATE online_surveys SET title = $1, definition = $2, \
                             codes_required = $3, closes_at = $4, published_at = $5 \
                             WHERE id = $6",
                        )
                        .bind(new.title).bind(new.definition).bind(new.codes_required)
                        .bind(new.closes_at).bind(now).bind(id)
                        .execute(&mut *tx).await?;
                        (id, OnlineSurveyOutcome::Replaced)
                    }
                }
                None => {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO online_surveys (partnership_id, survey, wave, title, \
                         definition, codes_required, opens_at, closes_at, published_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(new.partnership.0).bind(new.survey).bind(new.wave).bind(new.title)
                    .bind(new.definition).bind(new.codes_required).bind(new.opens_at)
                    .bind(new.closes_at).bind(now)
                    .fetch_one(&mut *tx).await?;
                    (id, OnlineSurveyOutcome::Created)
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// The partnership's surveys open at `now`, by title.
    pub async fn open_online_surveys(
        &self,
        partnership: PartnershipId,
        now: i64,
    ) -> Result<Vec<OnlineSurvey>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM online_surveys WHERE partnership_id = $1 \
             AND opens_at <= $2 AND (closes_at IS NULL OR closes_at > $2) ORDER BY title, id"
        );
        let rows: Vec<SurveyRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(partnership.0).bind(now).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(survey_of).collect())
    }

    /// One of the partnership's surveys, open or not.
    pub async fn online_survey(
        &self,
        partnership: PartnershipId,
        id: i64,
    ) -> Result<Option<OnlineSurvey>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM online_surveys WHERE partnership_id = $1 AND id = $2"
        );
        let row: Option<SurveyRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(partnership.0).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(survey_of))
    }

    /// The partnership's wave `wave` of survey `survey`, open or not.
    pub async fn online_survey_wave(
        &self,
        partnership: PartnershipId,
        survey: &str,
        wave: &str,
    ) -> Result<Option<OnlineSurvey>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM online_surveys \
             WHERE partnership_id = $1 AND survey = $2 AND wave = $3"
        );
        let row: Option<SurveyRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(partnership.0).bind(survey).bind(wave)
                .fetch_optional(pool).await?
        });
        Ok(row.map(survey_of))
    }

    /// Adds invitation codes, given as their [`survey_code_hash`]es, to survey `survey_id`;
    /// a hash already stored is left as it is. Returns how many were new.
    pub async fn add_survey_codes(
        &self,
        survey_id: i64,
        code_hashes: &[String],
        now: i64,
    ) -> Result<u64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let mut added = 0;
            for hash in code_hashes {
                added += sqlx::query(
                    "INSERT INTO online_survey_codes (online_survey_id, code_hash, created_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (online_survey_id, code_hash) DO NOTHING",
                )
                .bind(survey_id).bind(hash).bind(now)
                .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Whether `code_hash` is a code of survey `survey_id` that has not been used (a check
    /// before showing the form; [`Store::submit_survey_response`] decides).
    pub async fn survey_code_unused(&self, survey_id: i64, code_hash: &str) -> Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM online_survey_codes \
                           WHERE online_survey_id = $1 AND code_hash = $2 AND used_at IS NULL";
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(survey_id).bind(code_hash).fetch_one(pool).await?
        });
        Ok(n == 1)
    }

    /// Stores a response to survey `survey_id`, in one write transaction: the survey must be
    /// open at `now` (else [`StoreError::Rule`] with [`SURVEY_CLOSED`]), and when it requires
    /// codes, `code_hash` must name one of its unused codes, which is marked used (else
    /// [`StoreError::Rule`] with [`CODE_REFUSED`]). The answers are checked by the caller
    /// against the definition. [`StoreError::NotFound`] for an unknown survey.
    pub async fn submit_survey_response(
        &self,
        survey_id: i64,
        code_hash: Option<&str>,
        answers: &SurveyAnswers,
        now: i64,
    ) -> Result<()> {
        let answers_json = serde_json::to_string(answers)
            .map_err(|e| StoreError::Corrupt(format!("survey answers: {e}")))?;
        let day = day_of(now);
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let survey: Option<(bool, i64, Option<i64>)> = sqlx::query_as(
                "SELECT codes_required, opens_at, closes_at FROM online_surveys WHERE id = $1",
            )
            .bind(survey_id).fetch_optional(&mut *tx).await?;
            let Some((codes_required, opens_at, closes_at)) = survey else {
                return Err(StoreError::NotFound);
            };
            if opens_at > now || closes_at.is_some_and(|closes| now >= closes) {
                return Err(StoreError::Rule(SURVEY_CLOSED.to_string()));
            }
            if codes_required {
                let Some(code_hash) = code_hash else {
                    return Err(StoreError::Rule(CODE_REFUSED.to_string()));
                };
                let used = sqlx::query(
                    "UPDATE online_survey_codes SET used_at = $1 \
                     WHERE online_survey_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(day).bind(survey_id).bind(code_hash)
                .execute(&mut *tx).await?.rows_affected();
                if used != 1 {
                    return Err(StoreError::Rule(CODE_REFUSED.to_string()));
                }
            }
            sqlx::query(
                "INSERT INTO online_survey_responses (online_survey_id, submitted_at, answers) \
                 VALUES ($1, $2, $3)",
            )
            .bind(survey_id).bind(day).bind(&answers_json)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every wave the partnership has published, newest first, with its counts of responses
    /// and of invitation codes issued and used.
    pub async fn online_survey_summaries(
        &self,
        partnership: PartnershipId,
    ) -> Result<Vec<OnlineSurveySummary>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM online_surveys WHERE partnership_id = $1 \
             ORDER BY published_at DESC, id DESC"
        );
        const COUNTS: &str = "SELECT s.id, \
             (SELECT COUNT(*) FROM online_survey_responses r WHERE r.online_survey_id = s.id), \
             (SELECT COUNT(*) FROM online_survey_codes c WHERE c.online_survey_id = s.id), \
             (SELECT COUNT(*) FROM online_survey_codes c \
              WHERE c.online_survey_id = s.id AND c.used_at IS NOT NULL) \
             FROM online_surveys s WHERE s.partnership_id = $1";
        let (rows, counts): (Vec<SurveyRow>, Vec<CountsRow>) = on_pool!(self, pool => {
            let rows = sqlx::query_as(&sql).bind(partnership.0).fetch_all(pool).await?;
            let counts = sqlx::query_as(COUNTS).bind(partnership.0).fetch_all(pool).await?;
            (rows, counts)
        });
        Ok(rows
            .into_iter()
            .map(survey_of)
            .map(|survey| {
                let (responses, codes_issued, codes_used) = counts
                    .iter()
                    .find(|(id, ..)| *id == survey.id)
                    .map_or((0, 0, 0), |&(_, r, i, u)| (r, i, u));
                OnlineSurveySummary { survey, responses, codes_issued, codes_used }
            })
            .collect())
    }

    /// Closes the partnership's survey `id` at `now`, unless it has already closed; false when
    /// it had. Not found when there is no such survey.
    pub async fn close_online_survey(
        &self,
        partnership: PartnershipId,
        id: i64,
        now: i64,
    ) -> Result<bool> {
        let survey = self.online_survey(partnership, id).await?.ok_or(StoreError::NotFound)?;
        if survey.closes_at.is_some_and(|closes| closes <= now) {
            return Ok(false);
        }
        const SQL: &str = "UPDATE online_surveys SET closes_at = $1 \
             WHERE id = $2 AND partnership_id = $3 AND (closes_at IS NULL OR closes_at > $1)";
        let changed = on_pool!(self, pool => sqlx::query(SQL)
            .bind(now).bind(id).bind(partnership.0).execute(pool).await?.rows_affected());
        Ok(changed == 1)
    }

    /// Every response to survey `survey_id`, in the order they arrived.
    pub async fn online_survey_responses(
        &self,
        survey_id: i64,
    ) -> Result<Vec<OnlineSurveyResponse>> {
        const SQL: &str = "SELECT submitted_at, answers FROM online_survey_responses \
                           WHERE online_survey_id = $1 ORDER BY id";
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(survey_id).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(submitted_on, answers)| {
                let answers = serde_json::from_str(&answers)
                    .map_err(|e| StoreError::Corrupt(format!("survey response: {e}")))?;
                Ok(OnlineSurveyResponse { submitted_on, answers })
            })
            .collect()
    }
}
