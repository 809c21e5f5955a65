//! DASH checklists on domestic abuse cases and the MARAC referrals they make
//! (`safer_domain::casework::dash`; docs/dash-marac.md).
//!
//! [`Store::record_dash`] stores a checklist and, in the same write transaction, gathers the
//! case facts the MARAC criteria need, runs [`assess_marac`] and, when any criterion is met,
//! refers the case to the partnership's MARAC panel exactly as [`Store::refer_to_panel`] does
//! (the case is shared with the panel's host agency and its panel chairs join the team), with
//! the referral document built from the checklist stored whole on the referral. Nothing is
//! typed again: the agenda and the printable referral read that document back.
//!
//! The facts gathered, and where from:
//!
//! - **Police-reported incidents**: the case's incidents reported to an agency whose kind is
//!   [`AgencyKind::Police`], on or before the checklist day, one per incident key (the same
//!   incident reported twice counts once), dated by when the behaviour happened. The domain
//!   counts those in the 12 months ending with the checklist day.
//! - **The last MARAC referral** of the victim: the latest referral, on or before the incident
//!   day and not withdrawn, to any MARAC panel, of this victim (recorded on referrals a DASH
//!   made) or of any case on which the same subject is linked as the victim. It is read
//!   whichever agency made it, because flagging repeats across agencies is the point of the
//!   rule; only its date is used and shown.
//!
//! As everywhere in casework, the need-to-know rule is checked inside the transaction; a case
//! the viewer may not write to is not found, and every read and write is audited.

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::case::{CaseType, LegalBasis, PanelKind};
use safer_domain::casework::dash::{
    assess_marac, Answer, DashChecklist, DashResponse, Judgement, MaracAssessment, MaracContext,
    MaracCriterion, MaracReferral, ReferralAnswer, DASH_QUESTIONS, DASH_QUESTION_COUNT,
};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, SubjectId};
use safer_domain::AgencyKind;
use serde_json::{json, Value};
use time::Date;

use crate::audit::AuditAction;
use crate::casework::{access_of, audit, refuse};
use crate::panels::refer_in_tx;
use crate::{on_pool, Panel, Result, Store, StoreError};

/// A completed checklist to record.
#[derive(Debug, Clone)]
pub struct NewDash<'a> {
    /// The victim it was completed with: a subject linked to the case as its victim.
    pub victim: SubjectId,
    /// The day it was completed, `YYYY-MM-DD`.
    pub completed_on: &'a str,
    /// The day of the incident it follows, `YYYY-MM-DD`.
    pub incident_on: &'a str,
    /// The 24 answers with their comments, in question order.
    pub responses: Vec<DashResponse>,
    /// The practitioner's professional judgement, if they gave one.
    pub judgement: Option<Judgement>,
}

/// What recording a checklist did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashOutcome {
    /// The stored checklist's id.
    pub checklist: i64,
    /// The criteria's findings (with the referral document when one was made).
    pub assessment: MaracAssessment,
    /// The MARAC referral made, if any.
    pub referral: Option<i64>,
}

/// A stored checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDash {
    /// Its id.
    pub id: i64,
    /// The case.
    pub case: CaseId,
    /// The victim.
    pub victim: SubjectId,
    /// When it was completed.
    pub completed_on: String,
    /// The incident's day.
    pub incident_on: String,
    /// The answers, in question order.
    pub responses: Vec<DashResponse>,
    /// The yes count.
    pub yes_count: usize,
    /// The judgement given.
    pub judgement: Option<Judgement>,
    /// The police-reported incident days handed to the escalation criterion.
    pub police_incidents: Vec<String>,
    /// The criteria met.
    pub criteria: Vec<MaracCriterion>,
    /// The referral it made.
    pub referral: Option<i64>,
    /// When it was recorded.
    pub created_at: i64,
}

/// A MARAC referral made from a checklist, with its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReferral {
    /// The referral's id.
    pub id: i64,
    /// The case.
    pub case: CaseId,
    /// The case's reference.
    pub case_reference: String,
    /// The panel referred to.
    pub panel: i64,
    /// Its name.
    pub panel_name: String,
    /// The day of the referral.
    pub referred_on: String,
    /// `waiting`, `listed`, `heard` or `withdrawn`.
    pub status: String,
    /// The reason code (the first criterion met).
    pub reason: String,
    /// Whether it is a repeat referral.
    pub repeat: bool,
    /// The document built from the checklist.
    pub document: MaracReferral,
}

/// The stable code of a criterion, as stored and as a referral's reason.
pub fn criterion_code(criterion: MaracCriterion) -> &'static str {
    match criterion {
        MaracCriterion::VisibleHighRisk => "visible-high-risk",
        MaracCriterion::ProfessionalJudgement => "professional-judgement",
        MaracCriterion::PotentialEscalation => "escalation",
        MaracCriterion::Repeat => "repeat",
    }
}

fn criterion_of(code: &str) -> Option<MaracCriterion> {
    [
        MaracCriterion::VisibleHighRisk,
        MaracCriterion::ProfessionalJudgement,
        MaracCriterion::PotentialEscalation,
        MaracCriterion::Repeat,
    ]
    .into_iter()
    .find(|c| criterion_code(*c) == code)
}

/// The stable code of an answer: `yes`, `no` or `dont-know`.
pub fn answer_code(answer: Answer) -> &'static str {
    match answer {
        Answer::Yes => "yes",
        Answer::No => "no",
        Answer::DontKnow => "dont-know",
    }
}

fn answer_of(code: &str) -> Option<Answer> {
    match code {
        "yes" => Some(Answer::Yes),
        "no" => Some(Answer::No),
        "dont-know" => Some(Answer::DontKnow),
        _ => None,
    }
}

/// A `YYYY-MM-DD` day.
fn parse_day(iso: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if !safer_domain::case::is_iso_date(iso) {
        return None;
    }
    Date::parse(iso, &format).ok()
}

fn iso(day: Date) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day())
}

fn bad_date(what: &str) -> StoreError {
    StoreError::Rule(format!("the {what} must be a real day written YYYY-MM-DD"))
}

fn rule(err: safer_domain::casework::dash::DashError) -> StoreError {
    use safer_domain::casework::dash::DashError;
    match err {
        DashError::CannotLower(criterion) => StoreError::Rule(format!(
            "professional judgement cannot lower a referral: this checklist meets a referral criterion ({})",
            criterion_code(criterion).replace('-', " ")
        )),
        other => StoreError::Rule(other.to_string()),
    }
}

fn responses_json(responses: &[DashResponse]) -> String {
    Value::Array(
        responses
            .iter()
            .map(|r| json!({ "answer": answer_code(r.answer), "comment": r.comment }))
            .collect(),
    )
    .to_string()
}

fn responses_from(text: &str, id: i64) -> Result<Vec<DashResponse>> {
    let corrupt = || StoreError::Corrupt(format!("dash checklist {id}: answers"));
    let value: Value = serde_json::from_str(text).map_err(|_| corrupt())?;
    value
        .as_array()
        .ok_or_else(corrupt)?
        .iter()
        .map(|r| {
            Some(DashResponse {
                answer: answer_of(r.get("answer")?.as_str()?)?,
                comment: r.get("comment")?.as_str()?.to_string(),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(corrupt)
}

fn criteria_json(criteria: &[MaracCriterion]) -> String {
    Value::Array(criteria.iter().map(|c| Value::from(criterion_code(*c))).collect()).to_string()
}

fn criteria_from(value: &Value) -> Option<Vec<MaracCriterion>> {
    value.as_array()?.iter().map(|c| criterion_of(c.as_str()?)).collect()
}

/// The referral document as stored: every field of [`MaracReferral`], dates as `YYYY-MM-DD`.
fn referral_json(referral: &MaracReferral) -> String {
    json!({
        "version": 1,
        "checklist_completed_on": iso(referral.checklist_completed_on),
        "incident_on": iso(referral.incident_on),
        "criteria": referral.criteria.iter().map(|c| criterion_code(*c)).collect::<Vec<_>>(),
        "repeat": referral.repeat,
        "previous_referral_on": referral.previous_referral_on.map(iso),
        "yes_count": referral.yes_count,
        "police_incidents_in_window": referral.police_incidents_in_window,
        "judgement_reason": referral.judgement_reason,
        "answers": referral.answers.iter().map(|a| json!({
            "number": a.number,
            "question": a.question,
            "answer": answer_code(a.answer),
            "comment": a.comment,
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

fn referral_from(text: &str, id: i64) -> Result<MaracReferral> {
    let corrupt = || StoreError::Corrupt(format!("referral {id}: document"));
    let v: Value = serde_json::from_str(text).map_err(|_| corrupt())?;
    let day = |key: &str| v.get(key).and_then(Value::as_str).and_then(parse_day);
    let count = |key: &str| v.get(key).and_then(Value::as_u64).map(|n| n as usize);
    let answers = v
        .get("answers")
        .and_then(Value::as_array)
        .ok_or_else(corrupt)?
        .iter()
        .map(|a| {
            let number = u8::try_from(a.get("number")?.as_u64()?).ok()?;
            Some(ReferralAnswer {
                number,
                // The label is the one the code holds for that number (labels are not data).
                question: DASH_QUESTIONS.get(usize::from(number).checked_sub(1)?)?,
                answer: answer_of(a.get("answer")?.as_str()?)?,
                comment: a.get("comment")?.as_str()?.to_string(),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(corrupt)?;
    Ok(MaracReferral {
        checklist_completed_on: day("checklist_completed_on").ok_or_else(corrupt)?,
        incident_on: day("incident_on").ok_or_else(corrupt)?,
        criteria: v.get("criteria").and_then(criteria_from).ok_or_else(corrupt)?,
        repeat: v.get("repeat").and_then(Value::as_bool).ok_or_else(corrupt)?,
        previous_referral_on: day("previous_referral_on"),
        yes_count: count("yes_count").ok_or_else(corrupt)?,
        police_incidents_in_window: count("police_incidents_in_window").ok_or_else(corrupt)?,
        judgement_reason: v.get("judgement_reason").and_then(Value::as_str).map(str::to_string),
        answers,
    })
}

/// A short line for the referral's `detail`, shown on agendas beside the reason.
fn referral_detail(referral: &MaracReferral) -> String {
    let mut parts = vec![format!("{} of {DASH_QUESTION_COUNT} yes", referral.yes_count)];
    if referral.police_incidents_in_window > 0 {
        parts.push(format!(
            "{} police-reported incidents in 12 months",
            referral.police_incidents_in_window
        ));
    }
    if let Some(previous) = referral.previous_referral_on {
        parts.push(format!("repeat referral (previous {})", iso(previous)));
    }
    if let Some(reason) = &referral.judgement_reason {
        parts.push(format!("professional judgement: {reason}"));
    }
    parts.join("; ")
}

type DashRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<i64>,
    i64,
);

const DASH_COLUMNS: &str = "id, case_id, victim_subject_id, completed_on, incident_on, \
     answers_json, yes_count, judgement, judgement_reason, police_incidents_json, \
     criteria_json, referral_id, created_at";

fn stored_dash(row: DashRow) -> Result<StoredDash> {
    let (id, case, victim, completed_on, incident_on, answers, yes_count, judgement, reason) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8);
    let corrupt = || StoreError::Corrupt(format!("dash checklist {id}"));
    let judgement = match judgement.as_deref() {
        None => None,
        Some("refer") => Some(Judgement::Refer { reason: reason.unwrap_or_default() }),
        Some("do-not-refer") => Some(Judgement::DoNotRefer { reason: reason.unwrap_or_default() }),
        Some(_) => return Err(corrupt()),
    };
    let police: Value = serde_json::from_str(&row.9).map_err(|_| corrupt())?;
    let criteria: Value = serde_json::from_str(&row.10).map_err(|_| corrupt())?;
    Ok(StoredDash {
        id,
        case: CaseId(case),
        victim: SubjectId(victim),
        completed_on,
        incident_on,
        responses: responses_from(&answers, id)?,
        yes_count: usize::try_from(yes_count).map_err(|_| corrupt())?,
        judgement,
        police_incidents: police
            .as_array()
            .ok_or_else(corrupt)?
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect(),
        criteria: criteria_from(&criteria).ok_or_else(corrupt)?,
        referral: row.11,
        created_at: row.12,
    })
}

type ReferralRow = (i64, i64, String, i64, String, String, String, String, bool, Option<String>);

const REFERRAL_SELECT: &str = "SELECT r.id, r.case_id, c.reference, r.panel_id, p.name, \
     r.referred_on, r.status, r.reason, r.repeat_referral, r.referral_json \
     FROM panel_referrals r JOIN cases c ON c.id = r.case_id JOIN panels p ON p.id = r.panel_id";

fn stored_referral(row: ReferralRow) -> Result<StoredReferral> {
    let document = row.9.ok_or(StoreError::NotFound)?;
    Ok(StoredReferral {
        id: row.0,
        case: CaseId(row.1),
        case_reference: row.2,
        panel: row.3,
        panel_name: row.4,
        referred_on: row.5,
        status: row.6,
        reason: row.7,
        repeat: row.8,
        document: referral_from(&document, row.0)?,
    })
}

impl Store {
    /// Records a DASH checklist on a domestic abuse case and applies the MARAC referral
    /// criteria; when any is met, refers the case to the partnership's MARAC panel in the same
    /// transaction (see the module documentation for the facts used). Anyone who may write to
    /// the case records a checklist, and the referral it requires is made whoever they work
    /// for: professional judgement never lowers a referral, and neither does agency.
    ///
    /// Refused with [`StoreError::Rule`]: a case that is not domestic abuse, a victim not linked
    /// to the case as its victim, bad dates, a judgement without its reason, "do not refer"
    /// against a met criterion, and a referral due when the partnership has no MARAC panel
    /// (nothing is stored then). Not found: a case the viewer may not write to.
    pub async fn record_dash(
        &self,
        viewer: &Viewer,
        case: CaseId,
        dash: &NewDash<'_>,
        now: i64,
    ) -> Result<DashOutcome> {
        let completed_on = parse_day(dash.completed_on).ok_or_else(|| bad_date("checklist day"))?;
        let incident_on = parse_day(dash.incident_on).ok_or_else(|| bad_date("incident day"))?;
        let checklist = DashChecklist::new(completed_on, dash.responses.clone()).map_err(rule)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_write(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let (case_type, partnership): (String, i64) =
                sqlx::query_as("SELECT case_type, partnership_id FROM cases WHERE id = $1")
                    .bind(case.0).fetch_one(&mut *tx).await?;
            if case_type != CaseType::DomesticAbuse.as_str() {
                return Err(StoreError::Rule("a DASH checklist is completed on a domestic abuse case".to_string()));
            }
            let linked: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM case_links WHERE case_id = $1 AND subject_id = $2 AND role = 'victim'",
            )
            .bind(case.0).bind(dash.victim.0).fetch_one(&mut *tx).await?;
            if linked == 0 {
                return Err(StoreError::Rule("choose the victim linked to this case".to_string()));
            }
            let police_days: Vec<String> = sqlx::query_scalar(
                "SELECT MIN(i.occurred_on) FROM case_incidents i \
                 JOIN agencies a ON a.id = i.reported_to_agency_id \
                 WHERE i.case_id = $1 AND a.kind = $2 AND i.occurred_on <= $3 \
                 GROUP BY i.incident_key ORDER BY 1",
            )
            .bind(case.0).bind(AgencyKind::Police.as_str()).bind(dash.completed_on)
            .fetch_all(&mut *tx).await?;
            let last_referral: Option<String> = sqlx::query_scalar(
                "SELECT MAX(r.referred_on) FROM panel_referrals r JOIN panels p ON p.id = r.panel_id \
                 WHERE p.kind = $1 AND r.status <> 'withdrawn' AND r.referred_on <= $2 \
                 AND (r.victim_subject_id = $3 OR EXISTS (SELECT 1 FROM case_links l \
                      WHERE l.case_id = r.case_id AND l.subject_id = $3 AND l.role = 'victim'))",
            )
            .bind(PanelKind::Marac.as_str()).bind(dash.incident_on).bind(dash.victim.0)
            .fetch_one(&mut *tx).await?;
            let context = MaracContext {
                incident_on,
                police_incidents: police_days.iter().filter_map(|d| parse_day(d)).collect(),
                last_referral_on: last_referral.as_deref().and_then(parse_day),
                judgement: dash.judgement.clone(),
            };
            let assessment = assess_marac(&checklist, &context).map_err(rule)?;
            let (judgement, reason) = match &dash.judgement {
                None => (None, None),
                Some(Judgement::Refer { reason }) => (Some("refer"), Some(reason.trim())),
                Some(Judgement::DoNotRefer { reason }) => (Some("do-not-refer"), Some(reason.trim())),
            };
            let panel: Option<Panel> = match &assessment.referral {
                None => None,
                Some(_) => {
                    let row: Option<(i64, String, String, i64, i32)> = sqlx::query_as(
                        "SELECT id, kind, name, host_agency_id, cadence_days FROM panels \
                         WHERE partnership_id = $1 AND kind = $2 ORDER BY id LIMIT 1",
                    )
                    .bind(partnership).bind(PanelKind::Marac.as_str()).fetch_optional(&mut *tx).await?;
                    let Some((id, _, name, host, cadence)) = row else {
                        return Err(StoreError::Rule(
                            "this checklist meets a MARAC referral criterion but the partnership has no MARAC panel; ask a coordinator to set one up".to_string(),
                        ));
                    };
                    Some(Panel {
                        id,
                        kind: PanelKind::Marac,
                        name,
                        host: AgencyId(host),
                        cadence_days: u32::try_from(cadence).unwrap_or(1),
                    })
                }
            };
            let checklist_id: i64 = sqlx::query_scalar(
                "INSERT INTO dash_checklists (case_id, victim_subject_id, completed_on, incident_on, \
                 answers_json, yes_count, judgement, judgement_reason, police_incidents_json, \
                 criteria_json, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(case.0).bind(dash.victim.0).bind(dash.completed_on).bind(dash.incident_on)
            .bind(responses_json(checklist.responses()))
            .bind(i64::try_from(assessment.yes_count).unwrap_or(0))
            .bind(judgement).bind(reason)
            .bind(Value::from(police_days.clone()).to_string())
            .bind(criteria_json(&assessment.criteria_met))
            .bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx).await?;
            let mut referral_id = None;
            if let (Some(referral), Some(panel)) = (&assessment.referral, panel) {
                let reason = criterion_code(referral.criteria[0]);
                let detail = referral_detail(referral);
                let basis = LegalBasis::Safeguarding;
                let referred_on = dash.completed_on;
                let detail = Some(detail.as_str());
                let id = refer_in_tx!(tx, viewer, access, case, panel, referred_on, reason, detail, basis, now);
                sqlx::query(
                    "UPDATE panel_referrals SET referral_json = $1, repeat_referral = $2, \
                     victim_subject_id = $3 WHERE id = $4",
                )
                .bind(referral_json(referral)).bind(referral.repeat).bind(dash.victim.0).bind(id)
                .execute(&mut *tx).await?;
                sqlx::query("UPDATE dash_checklists SET referral_id = $1 WHERE id = $2")
                    .bind(id).bind(checklist_id).execute(&mut *tx).await?;
                referral_id = Some(id);
            }
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                .bind(now).bind(case.0).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "dash", checklist_id, now, Some(format!(
                "on case {}; {} yes; criteria [{}]; referral {}",
                case.0,
                assessment.yes_count,
                assessment.criteria_met.iter().map(|c| criterion_code(*c)).collect::<Vec<_>>().join(", "),
                referral_id.map_or_else(|| "none".to_string(), |id| id.to_string()),
            )));
            tx.commit().await?;
            Ok(DashOutcome { checklist: checklist_id, assessment, referral: referral_id })
        })
    }

    /// One checklist of a case the viewer may read, with an audit entry.
    pub async fn dash_checklist(
        &self,
        viewer: &Viewer,
        case: CaseId,
        checklist: i64,
        now: i64,
    ) -> Result<StoredDash> {
        let sql =
            format!("SELECT {DASH_COLUMNS} FROM dash_checklists WHERE id = $1 AND case_id = $2");
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_read(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let row: Option<DashRow> = sqlx::query_as(&sql)
                .bind(checklist).bind(case.0).fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            audit!(tx, viewer, AuditAction::Read, "dash", checklist, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            stored_dash(row)
        })
    }

    /// The checklists of a case the viewer may read, newest first, with an audit entry.
    pub async fn dash_checklists(
        &self,
        viewer: &Viewer,
        case: CaseId,
        now: i64,
    ) -> Result<Vec<StoredDash>> {
        let sql = format!(
            "SELECT {DASH_COLUMNS} FROM dash_checklists WHERE case_id = $1 \
             ORDER BY completed_on DESC, id DESC"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_read(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let rows: Vec<DashRow> = sqlx::query_as(&sql).bind(case.0).fetch_all(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Read, "dash-list", case.0, now, Some(format!("{} checklists", rows.len())));
            tx.commit().await?;
            rows.into_iter().map(stored_dash).collect()
        })
    }

    /// A MARAC referral a checklist made, with its document, for a viewer who may read its
    /// case; audited. Not found for a referral without a document (one made by hand).
    pub async fn marac_referral(
        &self,
        viewer: &Viewer,
        case: CaseId,
        referral: i64,
        now: i64,
    ) -> Result<StoredReferral> {
        let sql = format!("{REFERRAL_SELECT} WHERE r.id = $1 AND r.case_id = $2");
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_read(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let row: Option<ReferralRow> = sqlx::query_as(&sql)
                .bind(referral).bind(case.0).fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            audit!(tx, viewer, AuditAction::Read, "referral", referral, now, Some(format!("on case {}", case.0)));
            tx.commit().await?;
            stored_referral(row)
        })
    }

    /// The referral documents on a meeting's agenda, by agenda item, for the items whose case
    /// the viewer may read (each read audited). Items of cases the viewer may not read, and
    /// referrals without a document, are left out.
    pub async fn meeting_referrals(
        &self,
        viewer: &Viewer,
        meeting: i64,
        now: i64,
    ) -> Result<Vec<(i64, StoredReferral)>> {
        const SQL: &str =
            "SELECT i.id, r.id, r.case_id, c.reference, r.panel_id, p.name, r.referred_on, r.status, \
             r.reason, r.repeat_referral, r.referral_json FROM meeting_items i \
             JOIN panel_referrals r ON r.id = i.referral_id JOIN cases c ON c.id = r.case_id \
             JOIN panels p ON p.id = r.panel_id \
             WHERE i.meeting_id = $1 AND r.referral_json IS NOT NULL ORDER BY i.position";
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            #[allow(clippy::type_complexity)]
            let rows: Vec<(i64, i64, i64, String, i64, String, String, String, String, bool, Option<String>)> =
                sqlx::query_as(SQL).bind(meeting).fetch_all(&mut *tx).await?;
            let mut out = Vec::new();
            for row in rows {
                let case = CaseId(row.2);
                let access: CaseAccess = access_of!(tx, case)?;
                if !access.can_read(viewer) {
                    continue;
                }
                out.push((row.0, stored_referral((row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10))?));
            }
            for (_, referral) in &out {
                audit!(tx, viewer, AuditAction::Read, "referral", referral.id, now, Some(format!("on the agenda of meeting {meeting}")));
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The partnership a panel belongs to (set-up data, no personal data).
    pub async fn panel_partnership(&self, panel: i64) -> Result<PartnershipId> {
        let id: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT partnership_id FROM panels WHERE id = $1",
        ).bind(panel).fetch_optional(pool).await?);
        id.map(PartnershipId).ok_or(StoreError::NotFound)
    }

    /// How many referrals wait for the panel's next agenda (a count, no personal data).
    pub async fn panel_waiting_referrals(&self, panel: i64) -> Result<i64> {
        Ok(on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM panel_referrals WHERE panel_id = $1 AND status = 'waiting'",
        ).bind(panel).fetch_one(pool).await?))
    }

    /// The panel a meeting belongs to (an id only; callers then decide the viewer).
    pub async fn meeting_panel(&self, meeting: i64) -> Result<i64> {
        let id: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT panel_id FROM meetings WHERE id = $1",
        ).bind(meeting).fetch_optional(pool).await?);
        id.ok_or(StoreError::NotFound)
    }
}
