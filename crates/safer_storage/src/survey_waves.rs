//! Survey waves: the aggregates of one wave of a survey (`safer survey import`), never a
//! respondent's answers, so nothing stored is personal data.
//!
//! Per question of a wave: the respondents who answered it, Σw and Σw² of their weights, Σw of
//! those giving any of the definition's positive answers; per answer option, Σw of the
//! respondents giving it (for multiple choice each chosen option counts). The share of a set
//! of answers is Σw(answers)/Σw and the Kish effective base (Σw)²/Σw². A wave is identified by
//! the survey id and a label such as `2022`; labels are ordered as text, so they should sort
//! in time order (years, `2022-23`, `2023-q1`).

use crate::{on_pool, Result, Store};

/// One answer option of a question in a wave.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyWaveAnswer {
    /// The option id, as the definition and responses file write it.
    pub answer: String,
    /// Whether the definition counts it as positive.
    pub positive: bool,
    /// Σw of the respondents giving it.
    pub sum_weights: f64,
}

/// One question of a wave.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyWaveQuestion {
    /// The question id.
    pub question: String,
    /// `single` or `multi`, as the definition says.
    pub kind: String,
    /// Respondents who answered it (unweighted).
    pub respondents: i64,
    /// Σw over those respondents.
    pub sum_weights: f64,
    /// Σw² over those respondents.
    pub sum_weights_sq: f64,
    /// Σw of those giving any positive answer.
    pub positive_sum_weights: f64,
    /// Every option of the question, in definition order (zero sums included).
    pub answers: Vec<SurveyWaveAnswer>,
}

impl SurveyWaveQuestion {
    /// Kish's effective base `(Σw)²/Σw²` (the respondents when unweighted); 0 for no answers.
    pub fn effective_base(&self) -> f64 {
        if self.sum_weights_sq > 0.0 {
            self.sum_weights * self.sum_weights / self.sum_weights_sq
        } else {
            0.0
        }
    }

    /// The option with this id.
    pub fn answer(&self, id: &str) -> Option<&SurveyWaveAnswer> {
        self.answers.iter().find(|a| a.answer == id)
    }
}

/// A stored wave.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyWave {
    /// The survey id (the definition's `[survey] id`).
    pub survey: String,
    /// The wave label.
    pub wave: String,
    /// When it was imported (unix seconds).
    pub imported_at: i64,
    /// Its questions, in question id order.
    pub questions: Vec<SurveyWaveQuestion>,
}

impl SurveyWave {
    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&SurveyWaveQuestion> {
        self.questions.iter().find(|q| q.question == id)
    }
}

/// What [`Store::import_survey_wave`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyWaveOutcome {
    /// The wave was new.
    Created,
    /// A wave with the same survey and label was replaced.
    Replaced,
}

type QuestionRow = (String, String, String, i64, f64, f64, f64, i64);
type AnswerRow = (String, String, String, bool, f64);

impl Store {
    /// Stores the aggregates of wave `wave` of `survey` in place of any stored under the same
    /// survey and label, in one transaction: a crash leaves the previous wave, and importing
    /// the same wave again is harmless.
    pub async fn import_survey_wave(
        &self,
        survey: &str,
        wave: &str,
        questions: &[SurveyWaveQuestion],
        now: i64,
    ) -> Result<SurveyWaveOutcome> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let deleted = sqlx::query(
                "DELETE FROM survey_wave_questions WHERE survey = $1 AND wave = $2",
            )
            .bind(survey).bind(wave).execute(&mut *tx).await?.rows_affected();
            sqlx::query("DELETE FROM survey_wave_answers WHERE survey = $1 AND wave = $2")
                .bind(survey).bind(wave).execute(&mut *tx).await?;
            for question in questions {
                sqlx::query(
                    "INSERT INTO survey_wave_questions (survey, wave, question, kind, respondents, \
                     sum_weights, sum_weights_sq, positive_sum_weights, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(survey).bind(wave).bind(&question.question).bind(&question.kind)
                .bind(question.respondents).bind(question.sum_weights)
                .bind(question.sum_weights_sq).bind(question.positive_sum_weights).bind(now)
                .execute(&mut *tx).await?;
                for (position, answer) in question.answers.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO survey_wave_answers (survey, wave, question, answer, \
                         position, positive, sum_weights) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(survey).bind(wave).bind(&question.question).bind(&answer.answer)
                    .bind(position as i32).bind(answer.positive).bind(answer.sum_weights)
                    .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(if deleted > 0 { SurveyWaveOutcome::Replaced } else { SurveyWaveOutcome::Created })
        })
    }

    /// The stored waves of `survey`, ordered by label (oldest first when labels sort in time
    /// order), each with its questions and answers.
    pub async fn survey_waves(&self, survey: &str) -> Result<Vec<SurveyWave>> {
        const QUESTIONS: &str = "SELECT wave, question, kind, respondents, sum_weights, \
                                 sum_weights_sq, positive_sum_weights, imported_at \
                                 FROM survey_wave_questions WHERE survey = $1 \
                                 ORDER BY wave, question";
        const ANSWERS: &str = "SELECT wave, question, answer, positive, sum_weights \
                               FROM survey_wave_answers WHERE survey = $1 \
                               ORDER BY wave, question, position";
        let (questions, answers): (Vec<QuestionRow>, Vec<AnswerRow>) = on_pool!(self, pool => (
            sqlx::query_as(QUESTIONS).bind(survey).fetch_all(pool).await?,
            sqlx::query_as(ANSWERS).bind(survey).fetch_all(pool).await?,
        ));
        let mut waves: Vec<SurveyWave> = Vec::new();
        for (wave, question, kind, respondents, sum, sum_sq, positive_sum, imported_at) in questions
        {
            if waves.last().is_none_or(|w| w.wave != wave) {
                waves.push(SurveyWave {
                    survey: survey.to_string(),
                    wave: wave.clone(),
                    imported_at,
                    questions: Vec::new(),
                });
            }
            let current = waves.last_mut().expect("pushed above");
            current.imported_at = current.imported_at.max(imported_at);
            let question_answers = answers
                .iter()
                .filter(|a| a.0 == wave && a.1 == question)
                .map(|a| SurveyWaveAnswer { answer: a.2.clone(), positive: a.3, sum_weights: a.4 })
                .collect();
            current.questions.push(SurveyWaveQuestion {
                question,
                kind,
                respondents,
                sum_weights: sum,
                sum_weights_sq: sum_sq,
                positive_sum_weights: positive_sum,
                answers: question_answers,
            });
        }
        // By label in byte order on both backends (PostgreSQL's collation may differ).
        waves.sort_by(|a, b| a.wave.cmp(&b.wave));
        Ok(waves)
    }
}
