//! Generated strategic assessments: the self-contained HTML report and the JSON of its figures,
//! stored whole as `safer assess` built them, so the web app serves a report exactly as it was
//! generated. Reports hold aggregate figures only, never personal data.

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
    /// When it was generated (unix seconds).
    pub created_at: i64,
}

impl Store {
    /// Stores a generated assessment and returns its id.
    pub async fn save_assessment(&self, assessment: &NewAssessment<'_>, now: i64) -> Result<i64> {
        const SQL: &str = "INSERT INTO assessments (title, html, figures_json, created_at) \
                           VALUES ($1, $2, $3, $4) RETURNING id";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL)
            .bind(assessment.title).bind(assessment.html).bind(assessment.figures_json).bind(now)
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
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assessments (title, html, figures_json, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(assessment.title).bind(assessment.html).bind(assessment.figures_json).bind(now)
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

    /// The assessment with this id.
    pub async fn assessment(&self, id: i64) -> Result<Option<StoredAssessment>> {
        const SQL: &str =
            "SELECT id, title, html, figures_json, created_at FROM assessments WHERE id = $1";
        Ok(on_pool!(self, pool => sqlx::query_as::<_, StoredAssessment>(SQL)
            .bind(id).fetch_optional(pool).await?))
    }
}
