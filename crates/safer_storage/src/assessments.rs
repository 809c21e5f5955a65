//! Generated strategic assessments: the self-contained HTML report and the JSON of its figures,
//! stored whole as `safer assess` built them, so the web app serves a report exactly as it was
//! generated, with the settings it was built from (every path absolute) so it can be built again.
//! Reports hold aggregate figures only, never personal data.
//!
//! Jobs: an assessment built from the web app is a job that records its progress as it runs, so
//! any instance can show it. A job left unfinished with no update for [`JOB_STALE_AFTER_SECS`]
//! was interrupted (the instance that ran it stopped) and reads as failed.

use safer_domain::ids::UserId;

use crate::{on_pool, Result, Store};

/// An assessment to store.
#[derive(Debug, Clone, Copy)]
pub struct NewAssessment<'a> {
    /// The report's title.
    pub title: &'a str,
    /// The complete HTML document (inline styles and SVG, no scripts).
    pub html: &'a str,
    /// The figures as JSON, with the commands that reproduce them.
    pub figures_json: &'a str,
    /// The settings it was built from (TOML, paths absolute), when known.
    pub settings: Option<&'a str>,
}

/// An assessment as listed: no report body.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssessmentSummary {
    /// Database id.
    pub id: i64,
    /// The report's title.
    pub title: String,
    /// When it was generated (unix seconds).
    pub created_at: i64,
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAssessment {
    /// Database id.
    pub id: i64,
    /// The report's title.
    pub title: String,
    /// The complete HTML document.
    pub html: String,
    /// The figures as JSON.
    pub figures_json: String,
    /// The settings it was built from (TOML, paths absolute); `None` for reports stored
    /// without them.
    pub settings: Option<String>,
    /// When it was generated (unix seconds).
    pub created_at: i64,
}

/// A job left `queued` or `running` with no update for this long was interrupted: the instance
/// that ran it stopped. It reads as [`JobStatus::Failed`].
pub const JOB_STALE_AFTER_SECS: i64 = 30 * 60;

/// The error an interrupted job reads with.
pub const JOB_INTERRUPTED: &str =
    "the build stopped before it finished (the server running it may have restarted)";

/// Where an assessment job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Created, not started.
    Queued,
    /// Building.
    Running,
    /// Built and stored.
    Done,
    /// Stopped with an error, or interrupted.
    Failed,
}

impl JobStatus {
    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> JobStatus {
        match text {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            _ => JobStatus::Failed,
        }
    }
}

/// An assessment job, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentJob {
    /// Database id.
    pub id: i64,
    /// Who started it.
    pub requested_by: UserId,
    /// The settings it builds from (TOML).
    pub settings: String,
    /// Where it is; an interrupted job reads as failed.
    pub status: JobStatus,
    /// The step it is on (or was on when it stopped).
    pub step: Option<String>,
    /// Steps finished.
    pub steps_done: i64,
    /// Steps in all (0 until the build reports its first step).
    pub steps_total: i64,
    /// The assessment it stored, once done (`None` again if that assessment was deleted).
    pub assessment_id: Option<i64>,
    /// Why it failed, in words fit for the page.
    pub error: Option<String>,
    /// When it was created (unix seconds).
    pub created_at: i64,
    /// When it last changed (unix seconds).
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    requested_by: i64,
    settings: String,
    status: String,
    step: Option<String>,
    steps_done: i64,
    steps_total: i64,
    assessment_id: Option<i64>,
    error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl JobRow {
    fn into_job(self, now: i64) -> AssessmentJob {
        let mut status = JobStatus::parse(&self.status);
        let mut error = self.error;
        if matches!(status, JobStatus::Queued | JobStatus::Running)
            && self.updated_at < now - JOB_STALE_AFTER_SECS
        {
            status = JobStatus::Failed;
            error = Some(JOB_INTERRUPTED.to_string());
        }
        AssessmentJob {
            id: self.id,
            requested_by: UserId(self.requested_by),
            settings: self.settings,
            status,
            step: self.step,
            steps_done: self.steps_done,
            steps_total: self.steps_total,
            assessment_id: self.assessment_id,
            error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const INSERT_ASSESSMENT: &str = "INSERT INTO assessments (title, html, figures_json, settings, \
                                 created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";

impl Store {
    /// Stores a generated assessment and returns its id.
    pub async fn save_assessment(&self, assessment: &NewAssessment<'_>, now: i64) -> Result<i64> {
        Ok(on_pool!(self, pool => sqlx::query_scalar(INSERT_ASSESSMENT)
            .bind(assessment.title).bind(assessment.html).bind(assessment.figures_json)
            .bind(assessment.settings).bind(now)
            .fetch_one(pool).await?))
    }

    /// Stores a generated assessment in place of every stored one with the same title, in one
    /// transaction, and returns its id: a set-up that regenerates its report (the demo) keeps
    /// one copy instead of piling them up.
    pub async fn replace_assessment(
        &self,
        assessment: &NewAssessment<'_>,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            sqlx::query("DELETE FROM assessments WHERE title = $1")
                .bind(assessment.title).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(INSERT_ASSESSMENT)
                .bind(assessment.title).bind(assessment.html).bind(assessment.figures_json)
                .bind(assessment.settings).bind(now)
                .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Every stored assessment, newest first.
    pub async fn list_assessments(&self) -> Result<Vec<AssessmentSummary>> {
        const SQL: &str =
            "SELECT id, title, created_at FROM assessments ORDER BY created_at DESC, id DESC";
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, AssessmentSummary>(SQL).fetch_all(pool).await?),
        )
    }

    /// The stored assessments that keep their settings (so can be built again), newest first.
    pub async fn list_rebuildable_assessments(&self) -> Result<Vec<AssessmentSummary>> {
        const SQL: &str = "SELECT id, title, created_at FROM assessments \
                           WHERE settings IS NOT NULL ORDER BY created_at DESC, id DESC";
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, AssessmentSummary>(SQL).fetch_all(pool).await?),
        )
    }

    /// The assessment with this id.
    pub async fn assessment(&self, id: i64) -> Result<Option<StoredAssessment>> {
        const SQL: &str = "SELECT id, title, html, figures_json, settings, created_at \
                           FROM assessments WHERE id = $1";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, StoredAssessment>(SQL)
            .bind(id).fetch_optional(pool).await?))
    }

    /// Records a new job, queued, and returns its id.
    pub async fn create_assessment_job(
        &self,
        requested_by: UserId,
        settings: &str,
        now: i64,
    ) -> Result<i64> {
        const SQL: &str = "INSERT INTO assessment_jobs (requested_by, settings, status, \
                           created_at, updated_at) VALUES ($1, $2, 'queued', $3, $3) RETURNING id";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL)
            .bind(requested_by.0).bind(settings).bind(now)
            .fetch_one(pool).await?))
    }

    /// Records that job `id` is running `step`, with `steps_done` of `steps_total` finished.
    pub async fn update_assessment_job(
        &self,
        id: i64,
        step: &str,
        steps_done: i64,
        steps_total: i64,
        now: i64,
    ) -> Result<()> {
        const SQL: &str = "UPDATE assessment_jobs SET status = 'running', step = $2, \
                           steps_done = $3, steps_total = $4, updated_at = $5 \
                           WHERE id = $1 AND status IN ('queued', 'running')";
        on_pool!(self, pool => sqlx::query(SQL)
            .bind(id).bind(step).bind(steps_done).bind(steps_total).bind(now)
            .execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Stores the assessment job `id` built and marks the job done, in one transaction; returns
    /// the assessment's id.
    pub async fn finish_assessment_job(
        &self,
        id: i64,
        assessment: &NewAssessment<'_>,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let assessment_id: i64 = sqlx::query_scalar(INSERT_ASSESSMENT)
                .bind(assessment.title).bind(assessment.html).bind(assessment.figures_json)
                .bind(assessment.settings).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query(
                "UPDATE assessment_jobs SET status = 'done', steps_done = steps_total, \
                 assessment_id = $2, error = NULL, updated_at = $3 WHERE id = $1",
            )
            .bind(id).bind(assessment_id).bind(now)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(assessment_id)
        })
    }

    /// Marks job `id` failed with `error` (words fit for the page).
    pub async fn fail_assessment_job(&self, id: i64, error: &str, now: i64) -> Result<()> {
        const SQL: &str = "UPDATE assessment_jobs SET status = 'failed', error = $2, \
                           updated_at = $3 WHERE id = $1";
        on_pool!(self, pool => sqlx::query(SQL)
            .bind(id).bind(error).bind(now).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Job `id` as it stands at `now`: one unfinished with no update for
    /// [`JOB_STALE_AFTER_SECS`] reads as failed with [`JOB_INTERRUPTED`].
    pub async fn assessment_job(&self, id: i64, now: i64) -> Result<Option<AssessmentJob>> {
        const SQL: &str = "SELECT id, requested_by, settings, status, step, steps_done, \
                           steps_total, assessment_id, error, created_at, updated_at \
                           FROM assessment_jobs WHERE id = $1";
        let row = on_pool!(self, pool => sqlx::query_as::<_, JobRow>(SQL)
            .bind(id).fetch_optional(pool).await?);
        Ok(row.map(|row| row.into_job(now)))
    }
}
