//! Records kept on a case: documents, ASB victim risk assessments, location assessments on the
//! Neighbourhood Assessment Triangle, and OSARA problem-solving records.
//!
//! The same rule as [`crate::casework`]: the viewer's access is checked and the audit entry
//! appended inside the transaction of each read or write. Documents are checked before they
//! reach the store ([`safer_domain::document::check_upload`]); the store keeps the bytes,
//! their SHA-256 and the sniffed media type, and hands a document back only to someone who
//! may read its case (audited as an export: the file leaves Safer).

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::casework::risk::{RiskAssessment, RiskLevel};
use safer_domain::digest::sha256_hex;
use safer_domain::document::DocumentKind;
use safer_domain::ids::{CaseId, SubjectId};

use crate::audit::AuditAction;
use crate::casework::{access_of, audit, case_tx, refuse};
use crate::{on_pool, Result, Store, StoreError};

/// A document as listed (no content).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentInfo {
    /// Its id.
    pub id: i64,
    /// The case it belongs to.
    pub case_id: i64,
    /// The name it was uploaded with.
    pub file_name: String,
    /// Its sniffed media type.
    pub media_type: String,
    /// Its size.
    pub size_bytes: i64,
    /// The SHA-256 of its content, hex.
    pub sha256: String,
    /// When it was uploaded.
    pub uploaded_at: i64,
}

/// A risk assessment as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredRiskAssessment {
    /// Its id.
    pub id: i64,
    /// The subject assessed.
    pub subject_id: Option<i64>,
    /// The day.
    pub assessed_on: String,
    /// The score.
    pub score: i64,
    /// `standard`, `medium` or `high`.
    pub level: String,
    /// Whether the score reached the referral score.
    pub refer_to_support: bool,
    /// The ids of the questions answered yes, as JSON.
    pub yes_json: String,
    /// The first review it set.
    pub next_review_on: Option<String>,
}

/// A location assessment (Neighbourhood Assessment Triangle).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LocationAssessment {
    /// Its id (ignored when recording).
    pub id: i64,
    /// The day.
    pub assessed_on: String,
    /// Young people's strengths and needs, collectively, in the place.
    pub young_people: String,
    /// Guardianship: adults with a caring intention, present or not.
    pub guardianship: String,
    /// Resources, physical environment and wider systems.
    pub environment: String,
    /// Which side most drives harm: `young-people`, `guardianship` or `environment`.
    pub weighting: String,
    /// The goals.
    pub goals: String,
    /// The responses.
    pub responses: String,
}

/// An OSARA problem-solving record.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProblemSolving {
    /// Its id (ignored when recording).
    pub id: i64,
    /// Objective.
    pub objective: String,
    /// Scanning.
    pub scanning: String,
    /// Analysis.
    pub analysis: String,
    /// Response.
    pub response: String,
    /// The area selector the assessment counts in.
    pub area: String,
    /// police.uk crime types (JSON array; all when empty).
    pub crime_types_json: String,
    /// Before the response, `YYYY-MM..YYYY-MM`.
    pub before_period: String,
    /// After the response.
    pub after_period: String,
    /// The assessment's conclusion, once written.
    pub assessment: Option<String>,
}

fn level_text(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Standard => "standard",
        RiskLevel::Medium => "medium",
        RiskLevel::High => "high",
    }
}

impl Store {
    /// Checks that `viewer` may read `case` and records the read of its `what` (a short code)
    /// in the audit log, before the caller reads them; a refusal is recorded too.
    async fn audit_case_read(
        &self,
        viewer: &Viewer,
        case: CaseId,
        what: &str,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_read);
            audit!(tx, viewer, AuditAction::Read, "case", case.0, now, Some(what.to_string()));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a checked document on a case and returns its id.
    pub async fn add_document(
        &self,
        viewer: &Viewer,
        case: CaseId,
        file_name: &str,
        kind: DocumentKind,
        content: &[u8],
        now: i64,
    ) -> Result<i64> {
        let sha256 = sha256_hex(content);
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_documents (case_id, file_name, media_type, size_bytes, sha256, \
                 content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(case.0).bind(file_name).bind(kind.media_type()).bind(size).bind(&sha256)
            .bind(content).bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "document", id, now, Some(format!("on case {}; {size} bytes", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The documents of a case the viewer may read, newest first (no content).
    pub async fn case_documents(
        &self,
        viewer: &Viewer,
        case: CaseId,
        now: i64,
    ) -> Result<Vec<DocumentInfo>> {
        self.audit_case_read(viewer, case, "document list", now).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, case_id, file_name, media_type, size_bytes, sha256, uploaded_at \
             FROM case_documents WHERE case_id = $1 ORDER BY uploaded_at DESC, id DESC",
        ).bind(case.0).fetch_all(pool).await?))
    }

    /// A document's details and content, for someone who may read its case; audited as an
    /// export.
    pub async fn document(
        &self,
        viewer: &Viewer,
        document: i64,
        now: i64,
    ) -> Result<(DocumentInfo, Vec<u8>)> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let info: Option<DocumentInfo> = sqlx::query_as(
                "SELECT id, case_id, file_name, media_type, size_bytes, sha256, uploaded_at \
                 FROM case_documents WHERE id = $1",
            ).bind(document).fetch_optional(&mut *tx).await?;
            let Some(info) = info else { return Err(StoreError::NotFound) };
            let case = CaseId(info.case_id);
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_read(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let content: Vec<u8> = sqlx::query_scalar("SELECT content FROM case_documents WHERE id = $1")
                .bind(document).fetch_one(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Export, "document", document, now, Some(format!("of case {}", case.0)));
            tx.commit().await?;
            Ok((info, content))
        })
    }

    /// Stores an ASB victim risk assessment (scored by the caller with the partnership's
    /// [`safer_domain::casework::risk::RiskModel`]) and sets the case's next review to the
    /// assessment's first scheduled review. Returns its id.
    pub async fn record_risk_assessment(
        &self,
        viewer: &Viewer,
        case: CaseId,
        subject: Option<SubjectId>,
        assessment: &RiskAssessment,
        now: i64,
    ) -> Result<i64> {
        let yes_json = serde_json::to_string(&assessment.yes)
            .map_err(|e| StoreError::Corrupt(format!("risk answers: {e}")))?;
        let assessed_on = assessment.assessed_on.to_string();
        let next_review = assessment.next_review.map(|d| d.to_string());
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            if let Some(subject) = subject {
                let linked: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM case_links WHERE case_id = $1 AND subject_id = $2",
                ).bind(case.0).bind(subject.0).fetch_one(&mut *tx).await?;
                if linked == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_risk_assessments (case_id, subject_id, assessed_on, yes_json, score, \
                 level, refer_to_support, next_review_on, assessed_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(case.0).bind(subject.map(|s| s.0)).bind(&assessed_on).bind(&yes_json)
            .bind(i64::from(assessment.score)).bind(level_text(assessment.level))
            .bind(assessment.refer_to_victim_support).bind(next_review.as_deref())
            .bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE cases SET next_review_on = $1, updated_at = $2 WHERE id = $3")
                .bind(next_review.as_deref()).bind(now).bind(case.0).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "risk-assessment", id, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A case's risk assessments, newest first.
    pub async fn risk_assessments(
        &self,
        viewer: &Viewer,
        case: CaseId,
        now: i64,
    ) -> Result<Vec<StoredRiskAssessment>> {
        self.audit_case_read(viewer, case, "risk assessments", now).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, subject_id, assessed_on, score, level, refer_to_support, yes_json, next_review_on \
             FROM case_risk_assessments WHERE case_id = $1 ORDER BY assessed_on DESC, id DESC",
        ).bind(case.0).fetch_all(pool).await?))
    }

    /// Records a location assessment on a contextual-safeguarding case and returns its id.
    pub async fn record_location_assessment(
        &self,
        viewer: &Viewer,
        case: CaseId,
        assessment: &LocationAssessment,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO location_assessments (case_id, assessed_on, young_people, guardianship, \
                 environment, weighting, goals, responses, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(case.0).bind(&assessment.assessed_on).bind(&assessment.young_people)
            .bind(&assessment.guardianship).bind(&assessment.environment).bind(&assessment.weighting)
            .bind(&assessment.goals).bind(&assessment.responses).bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "location-assessment", id, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A case's location assessments, newest first.
    pub async fn location_assessments(
        &self,
        viewer: &Viewer,
        case: CaseId,
        now: i64,
    ) -> Result<Vec<LocationAssessment>> {
        self.audit_case_read(viewer, case, "location assessments", now).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, assessed_on, young_people, guardianship, environment, weighting, goals, responses \
             FROM location_assessments WHERE case_id = $1 ORDER BY assessed_on DESC, id DESC",
        ).bind(case.0).fetch_all(pool).await?))
    }

    /// Records an OSARA problem-solving record on a case and returns its id.
    pub async fn record_problem_solving(
        &self,
        viewer: &Viewer,
        case: CaseId,
        record: &ProblemSolving,
        now: i64,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            case_tx!(self, pool, tx, access, viewer, case, now, can_write);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO problem_solving (case_id, objective, scanning, analysis, response, area, \
                 crime_types_json, before_period, after_period, assessment, created_by, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(case.0).bind(&record.objective).bind(&record.scanning).bind(&record.analysis)
            .bind(&record.response).bind(&record.area).bind(&record.crime_types_json)
            .bind(&record.before_period).bind(&record.after_period).bind(record.assessment.as_deref())
            .bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "problem-solving", id, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Writes the assessment step's conclusion of a problem-solving record.
    pub async fn conclude_problem_solving(
        &self,
        viewer: &Viewer,
        record: i64,
        assessment: &str,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let case: Option<i64> = sqlx::query_scalar("SELECT case_id FROM problem_solving WHERE id = $1")
                .bind(record).fetch_optional(&mut *tx).await?;
            let Some(case) = case.map(CaseId) else { return Err(StoreError::NotFound) };
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_write(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            sqlx::query("UPDATE problem_solving SET assessment = $1, updated_at = $2 WHERE id = $3")
                .bind(assessment).bind(now).bind(record).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Update, "problem-solving", record, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// A case's problem-solving records, oldest first.
    pub async fn problem_solving(
        &self,
        viewer: &Viewer,
        case: CaseId,
        now: i64,
    ) -> Result<Vec<ProblemSolving>> {
        self.audit_case_read(viewer, case, "problem solving", now).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, objective, scanning, analysis, response, area, crime_types_json, \
             before_period, after_period, assessment FROM problem_solving WHERE case_id = $1 \
             ORDER BY created_at, id",
        ).bind(case.0).fetch_all(pool).await?))
    }
}
