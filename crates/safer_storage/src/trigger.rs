//! The ASB case review, or "Community Trigger" (ASBCPA 2014 s.104–105, Sch 4): each
//! partnership's review procedures, and applications from receipt to the outcome letter.
//!
//! An application reviews an ASB case. Who may see it is the case's need-to-know rule
//! ([`safer_domain::access`]) narrowed to coordinators and panel chairs: the agency that
//! received it (which owns the case, or has it shared) and the partners the case is shared
//! with. A refusal is audited and answered [`StoreError::NotFound`], as for cases.
//!
//! Qualifying complaints are computed, never typed: the incidents of the case under review,
//! and those of other cases its victims or complainants are linked to (as victim or
//! complainant) that the viewer may read, become [`Complaint`]s, and
//! [`safer_domain::casework::trigger::assess`] with the partnership's [`TriggerSettings`] says
//! which qualify and whether the threshold is met. One incident reported to several agencies
//! shares an `incident_key`, so it counts once. The threshold decision, the review and the
//! letters are stored as they were made, with their audit entries, in one write transaction
//! each; a domain rule's refusal is [`StoreError::Rule`] with the rule's own words. Letters are
//! written by the caller (a pure function of the facts given to it), not here.

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::case::CaseType;
use safer_domain::casework::trigger::{
    self, annual_figures, Applicant, Application, AutomaticBasis, CaseReviewRecord, ComplainantKey,
    Complaint, ComplaintStatus, Discretion, DiscretionGround, IncidentKey, LocalVariant,
    ReportingYear, ReviewOutcome, SlaPeriod, ThresholdAssessment, ThresholdDecision, TriggerPolicy,
    TriggerSla, VictimKind,
};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, UserId};
use safer_domain::Role;
use time::Date;

use crate::audit::AuditAction;
use crate::casework::{access_of, audit, READABLE};
use crate::{on_pool, Result, Store, StoreError, Task};

/// What a dissatisfied applicant is told when the partnership has not written its own route
/// (Sch 4 para 3 requires the procedures to say).
pub const DEFAULT_ESCALATION_ROUTE: &str = "If you are not satisfied with how your \
application was handled, you can ask for the decision to be looked at again by writing to the \
community safety partnership manager within 21 days of this letter. If you remain \
dissatisfied you can contact the Office of the Police and Crime Commissioner, and then the \
Local Government and Social Care Ombudsman.";

/// A partnership's review procedures: the threshold, local variants, local service levels and
/// the escalation route. [`Default`] is the statutory threshold of three, no local variant,
/// Bristol's service levels (DOMAIN.md §2.1) and [`DEFAULT_ESCALATION_ROUTE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSettings {
    /// Qualifying complaints that meet the threshold, 1 to 3 (s.104(4)).
    pub threshold: u8,
    /// Whether one qualifying complaint of a hate incident meets it.
    pub single_hate_incident: bool,
    /// Qualifying complaints from this many different people meet it.
    pub separate_complainants: Option<u8>,
    /// Calendar days following the application to acknowledge it.
    pub acknowledge_days: u32,
    /// Working days following the application to decide the threshold.
    pub decision_working_days: u32,
    /// Working days following the application to finish the review.
    pub review_working_days: u32,
    /// What a dissatisfied applicant can do (Sch 4 para 3).
    pub escalation_route: String,
    /// The month the year of the published figures starts with: January for the calendar
    /// year, April for the financial year.
    pub year_starts_in: time::Month,
}

impl Default for TriggerSettings {
    fn default() -> Self {
        TriggerSettings {
            threshold: 3,
            single_hate_incident: false,
            separate_complainants: None,
            acknowledge_days: 10,
            decision_working_days: 20,
            review_working_days: 35,
            escalation_route: DEFAULT_ESCALATION_ROUTE.to_string(),
            year_starts_in: time::Month::January,
        }
    }
}

impl TriggerSettings {
    /// The domain policy, or the rule it breaks (a threshold above three, a variant of zero
    /// people).
    pub fn policy(&self) -> Result<TriggerPolicy> {
        let mut variants = Vec::new();
        if self.single_hate_incident {
            variants.push(LocalVariant::SingleHateIncident);
        }
        if let Some(individuals) = self.separate_complainants {
            variants.push(LocalVariant::SeparateComplainants { individuals });
        }
        TriggerPolicy::new(self.threshold, variants).map_err(rule)
    }

    /// The local service levels, for [`trigger::sla_clocks`].
    pub fn slas(&self) -> Vec<TriggerSla> {
        vec![
            TriggerSla {
                name: "acknowledge the application".to_string(),
                period: SlaPeriod::Days(self.acknowledge_days),
            },
            TriggerSla {
                name: "decide the threshold".to_string(),
                period: SlaPeriod::WorkingDays(self.decision_working_days),
            },
            TriggerSla {
                name: "finish the review".to_string(),
                period: SlaPeriod::WorkingDays(self.review_working_days),
            },
        ]
    }
}

/// Where an application's case comes from.
#[derive(Debug, Clone, Copy)]
pub enum TriggerCase<'a> {
    /// An ASB case already open, by its reference (such as `ASB-000042`).
    Existing(&'a str),
    /// A new ASB case, owned by the receiving agency, with this summary (no names).
    New {
        /// The case's short description.
        summary: &'a str,
    },
}

/// Someone applying on the victim's behalf.
#[derive(Debug, Clone, Copy)]
pub struct OnBehalf<'a> {
    /// Who they are to the victim: "daughter", "ward councillor", "MP".
    pub relationship: &'a str,
    /// The day the victim's consent was recorded, `YYYY-MM-DD`; without it the application is
    /// refused.
    pub consent_recorded_on: Option<&'a str>,
}

/// An application to record.
#[derive(Debug, Clone, Copy)]
pub struct NewTriggerApplication<'a> {
    /// The partnership.
    pub partnership: PartnershipId,
    /// The case under review.
    pub case: TriggerCase<'a>,
    /// The applicant's name, for the letters.
    pub applicant_name: &'a str,
    /// `None` when the victim applies.
    pub on_behalf: Option<OnBehalf<'a>>,
    /// Who the victim is.
    pub victim: VictimKind,
    /// The day the point of contact received it, `YYYY-MM-DD`.
    pub received_on: &'a str,
}

/// Where an application has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerStatus {
    /// Received; the threshold is not decided.
    Received,
    /// The threshold is met by qualifying complaints or a local variant.
    ThresholdMet,
    /// The threshold is not met and no review will be held.
    ThresholdNotMet,
    /// Below the threshold, accepted at discretion (s.104(5)).
    AcceptedOnDiscretion,
    /// The review meeting has been held.
    ReviewHeld,
    /// The outcome letter has been sent.
    OutcomeSent,
}

impl TriggerStatus {
    /// Every status, in the order an application passes through them.
    pub const ALL: [TriggerStatus; 6] = [
        TriggerStatus::Received,
        TriggerStatus::ThresholdMet,
        TriggerStatus::ThresholdNotMet,
        TriggerStatus::AcceptedOnDiscretion,
        TriggerStatus::ReviewHeld,
        TriggerStatus::OutcomeSent,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerStatus::Received => "received",
            TriggerStatus::ThresholdMet => "threshold-met",
            TriggerStatus::ThresholdNotMet => "threshold-not-met",
            TriggerStatus::AcceptedOnDiscretion => "accepted-on-discretion",
            TriggerStatus::ReviewHeld => "review-held",
            TriggerStatus::OutcomeSent => "outcome-sent",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            TriggerStatus::Received => "Received",
            TriggerStatus::ThresholdMet => "Threshold met",
            TriggerStatus::ThresholdNotMet => "Threshold not met",
            TriggerStatus::AcceptedOnDiscretion => "Accepted on discretion",
            TriggerStatus::ReviewHeld => "Review held",
            TriggerStatus::OutcomeSent => "Outcome sent",
        }
    }

    /// The status with this stored spelling.
    pub fn from_name(name: &str) -> Option<TriggerStatus> {
        TriggerStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether a review is to be (or has been) held.
    pub fn review_due(self) -> bool {
        matches!(self, TriggerStatus::ThresholdMet | TriggerStatus::AcceptedOnDiscretion)
    }
}

/// A relevant body (s.105; Sch 4 para 5) that takes part in a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelevantBody {
    /// The district or unitary council.
    Council,
    /// The chief officer of police.
    Police,
    /// The integrated care board.
    Icb,
    /// A co-opted local provider of social housing.
    Housing,
}

impl RelevantBody {
    /// Every body, in the order they are offered.
    pub const ALL: [RelevantBody; 4] =
        [RelevantBody::Council, RelevantBody::Police, RelevantBody::Icb, RelevantBody::Housing];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RelevantBody::Council => "council",
            RelevantBody::Police => "police",
            RelevantBody::Icb => "icb",
            RelevantBody::Housing => "housing",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            RelevantBody::Council => "The council",
            RelevantBody::Police => "The police",
            RelevantBody::Icb => "The integrated care board",
            RelevantBody::Housing => "Housing providers",
        }
    }

    /// The body with this stored spelling.
    pub fn from_name(name: &str) -> Option<RelevantBody> {
        RelevantBody::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// The stored spelling of a discretion ground.
pub fn ground_name(ground: DiscretionGround) -> &'static str {
    match ground {
        DiscretionGround::Persistence => "persistence",
        DiscretionGround::Harm => "harm",
        DiscretionGround::AdequacyOfResponse => "adequacy-of-response",
    }
}

/// The discretion ground with this stored spelling.
pub fn ground_from_name(name: &str) -> Option<DiscretionGround> {
    [DiscretionGround::Persistence, DiscretionGround::Harm, DiscretionGround::AdequacyOfResponse]
        .into_iter()
        .find(|g| ground_name(*g) == name)
}

/// An application as listed (no names: lists are seen at a glance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSummary {
    /// Its id.
    pub id: i64,
    /// Its reference, such as `CT-000012`.
    pub reference: String,
    /// The case under review.
    pub case: CaseId,
    /// The case's reference.
    pub case_reference: String,
    /// The agency that received it.
    pub receiving_agency_name: String,
    /// When it was received.
    pub received_on: String,
    /// Where it has got to.
    pub status: TriggerStatus,
}

/// The threshold decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerDecisionRecord {
    /// The decision, as the domain made it.
    pub decision: ThresholdDecision,
    /// Distinct qualifying incidents counted when it was made.
    pub qualifying_count: u32,
    /// The day it was made.
    pub decided_on: String,
    /// What a dissatisfied applicant can do, as the letter said.
    pub escalation_route: String,
}

/// The review meeting as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerReview {
    /// The day it was held.
    pub held_on: String,
    /// The relevant bodies there.
    pub bodies: Vec<RelevantBody>,
    /// What it found.
    pub findings: String,
}

/// The review meeting to record.
#[derive(Debug, Clone, Copy)]
pub struct NewTriggerReview<'a> {
    /// The day it was held, `YYYY-MM-DD`.
    pub held_on: &'a str,
    /// The relevant bodies there (at least one).
    pub bodies: &'a [RelevantBody],
    /// What it found.
    pub findings: &'a str,
}

/// An application and everything recorded on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerApplication {
    /// Its id.
    pub id: i64,
    /// Its reference.
    pub reference: String,
    /// The partnership.
    pub partnership: PartnershipId,
    /// The case under review.
    pub case: CaseId,
    /// The case's reference.
    pub case_reference: String,
    /// The agency that received it.
    pub receiving_agency: AgencyId,
    /// That agency's name.
    pub receiving_agency_name: String,
    /// The applicant's name.
    pub applicant_name: String,
    /// For an application on the victim's behalf, who the applicant is to the victim.
    pub applicant_relationship: Option<String>,
    /// For an application on the victim's behalf, the day consent was recorded.
    pub consent_recorded_on: Option<String>,
    /// Whether someone applied on the victim's behalf.
    pub on_behalf: bool,
    /// Who the victim is.
    pub victim: VictimKind,
    /// When it was received.
    pub received_on: String,
    /// Where it has got to.
    pub status: TriggerStatus,
    /// The threshold decision, once made.
    pub decision: Option<TriggerDecisionRecord>,
    /// The decision letter as sent.
    pub decision_letter: Option<String>,
    /// The review, once held.
    pub review: Option<TriggerReview>,
    /// The review's recommendations, as tasks on the case.
    pub recommendations: Vec<Task>,
    /// The outcome letter as sent.
    pub outcome_letter: Option<String>,
    /// The day it was sent.
    pub outcome_sent_on: Option<String>,
    /// When it was recorded.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// One complaint the threshold assessment considered: an incident on a case, and what the
/// domain rule made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerComplaint {
    /// The incident.
    pub incident: i64,
    /// The case it is recorded on.
    pub case: CaseId,
    /// That case's reference.
    pub case_reference: String,
    /// When the behaviour happened.
    pub occurred_on: String,
    /// When it was reported.
    pub reported_on: String,
    /// The agency it was reported to.
    pub reported_to: AgencyId,
    /// That agency's name.
    pub reported_to_name: String,
    /// What kind of behaviour.
    pub category: String,
    /// The key shared by every report of the same incident.
    pub incident_key: String,
    /// Whether it qualifies, and if not why.
    pub status: ComplaintStatus,
}

/// The threshold assessment of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerAssessment {
    /// Every complaint considered, in the order the rule took them (behaviour, then report).
    pub complaints: Vec<TriggerComplaint>,
    /// The domain's assessment: statuses in the same order, the count, how it is met.
    pub assessment: ThresholdAssessment,
    /// The procedures it was assessed under.
    pub settings: TriggerSettings,
}

/// The facts a decision letter is written from.
#[derive(Debug, Clone, Copy)]
pub struct DecisionFacts<'a> {
    /// The application's reference.
    pub reference: &'a str,
    /// The applicant's name.
    pub applicant_name: &'a str,
    /// When it was received.
    pub received_on: &'a str,
    /// The day of the decision.
    pub decided_on: &'a str,
    /// The assessment it was made on.
    pub assessment: &'a TriggerAssessment,
    /// The decision.
    pub decision: &'a ThresholdDecision,
    /// What a dissatisfied applicant can do.
    pub escalation_route: &'a str,
}

/// The threshold decision to record.
#[derive(Debug, Clone)]
pub struct TriggerDecisionInput<'a> {
    /// The day it is made, `YYYY-MM-DD`.
    pub decided_on: &'a str,
    /// The discretionary decision, required below the threshold (s.104(5)).
    pub discretion: Option<Discretion>,
    /// What a dissatisfied applicant can do; the procedures' own route when empty.
    pub escalation_route: &'a str,
}

fn rule(err: impl std::fmt::Display) -> StoreError {
    StoreError::Rule(err.to_string())
}

/// Whether the viewer's roles handle case reviews: coordinators and panel chairs.
pub fn handles_case_reviews(viewer: &Viewer) -> bool {
    viewer.roles.iter().any(|r| matches!(r, Role::Coordinator | Role::PanelChair))
}

/// A `YYYY-MM-DD` date given by the caller, or the rule it breaks.
fn given_date(text: &str, what: &str) -> Result<Date> {
    parse_date(text).ok_or_else(|| StoreError::Rule(format!("{what} must be a date (YYYY-MM-DD)")))
}

fn parse_date(text: &str) -> Option<Date> {
    if !safer_domain::case::is_iso_date(text) {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..10].parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn stored_date(text: &str, id: i64) -> Result<Date> {
    parse_date(text)
        .ok_or_else(|| StoreError::Corrupt(format!("case review {id}: a date is invalid")))
}

fn victim_name(kind: VictimKind) -> &'static str {
    match kind {
        VictimKind::Individual => "individual",
        VictimKind::Business => "business",
        VictimKind::CommunityGroup => "community-group",
    }
}

fn victim_from_name(name: &str) -> Option<VictimKind> {
    match name {
        "individual" => Some(VictimKind::Individual),
        "business" => Some(VictimKind::Business),
        "community-group" => Some(VictimKind::CommunityGroup),
        _ => None,
    }
}

/// The stored code of how a threshold was met automatically.
fn basis_code(basis: AutomaticBasis) -> String {
    match basis {
        AutomaticBasis::QualifyingComplaints { .. } => "qualifying-complaints".to_string(),
        AutomaticBasis::Local(LocalVariant::SingleHateIncident) => {
            "single-hate-incident".to_string()
        }
        AutomaticBasis::Local(LocalVariant::SeparateComplainants { individuals }) => {
            format!("separate-complainants:{individuals}")
        }
    }
}

fn basis_from_code(code: &str, count: u32) -> Option<AutomaticBasis> {
    match code {
        "qualifying-complaints" => {
            Some(AutomaticBasis::QualifyingComplaints { count: count as usize })
        }
        "single-hate-incident" => Some(AutomaticBasis::Local(LocalVariant::SingleHateIncident)),
        other => {
            let individuals = other.strip_prefix("separate-complainants:")?.parse().ok()?;
            Some(AutomaticBasis::Local(LocalVariant::SeparateComplainants { individuals }))
        }
    }
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    partnership_id: i64,
    reference: String,
    case_id: i64,
    case_reference: String,
    receiving_agency_id: i64,
    receiving_agency_name: String,
    applicant_kind: String,
    applicant_name: String,
    applicant_relationship: Option<String>,
    consent_recorded_on: Option<String>,
    victim_kind: String,
    received_on: String,
    status: String,
    decision: Option<String>,
    decision_basis: Option<String>,
    qualifying_count: Option<i32>,
    discretion_grounds: Option<String>,
    discretion_reason: Option<String>,
    decided_on: Option<String>,
    escalation_route: Option<String>,
    decision_letter: Option<String>,
    review_held_on: Option<String>,
    review_bodies: Option<String>,
    review_findings: Option<String>,
    outcome_letter: Option<String>,
    outcome_sent_on: Option<String>,
    created_at: i64,
    updated_at: i64,
}

const APPLICATION_COLUMNS: &str = "t.id, t.partnership_id, t.reference, t.case_id, \
     c.reference AS case_reference, t.receiving_agency_id, a.name AS receiving_agency_name, \
     t.applicant_kind, t.applicant_name, t.applicant_relationship, t.consent_recorded_on, \
     t.victim_kind, t.received_on, t.status, t.decision, t.decision_basis, t.qualifying_count, \
     t.discretion_grounds, t.discretion_reason, t.decided_on, t.escalation_route, \
     t.decision_letter, t.review_held_on, t.review_bodies, t.review_findings, \
     t.outcome_letter, t.outcome_sent_on, t.created_at, t.updated_at \
     FROM trigger_applications t JOIN cases c ON c.id = t.case_id \
     JOIN agencies a ON a.id = t.receiving_agency_id";

impl ApplicationRow {
    fn status(&self) -> Result<TriggerStatus> {
        TriggerStatus::from_name(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("case review {}: unknown status", self.id)))
    }

    fn applicant(&self) -> Result<Applicant> {
        Ok(if self.applicant_kind == "on-behalf" {
            Applicant::OnBehalf {
                consent_recorded_on: match &self.consent_recorded_on {
                    Some(day) => Some(stored_date(day, self.id)?),
                    None => None,
                },
            }
        } else {
            Applicant::Victim
        })
    }

    fn victim(&self) -> Result<VictimKind> {
        victim_from_name(&self.victim_kind).ok_or_else(|| {
            StoreError::Corrupt(format!("case review {}: unknown victim kind", self.id))
        })
    }

    fn decision_record(&self) -> Result<Option<TriggerDecisionRecord>> {
        let (Some(kind), Some(decided_on)) = (&self.decision, &self.decided_on) else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt(format!("case review {}: decision", self.id));
        let count = u32::try_from(self.qualifying_count.unwrap_or(0)).unwrap_or(0);
        let reason = self.discretion_reason.clone().unwrap_or_default();
        let decision = match kind.as_str() {
            "met" => ThresholdDecision::Met(
                basis_from_code(self.decision_basis.as_deref().unwrap_or_default(), count)
                    .ok_or_else(corrupt)?,
            ),
            "met-at-discretion" => ThresholdDecision::MetAtDiscretion {
                grounds: self
                    .discretion_grounds
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|g| !g.is_empty())
                    .map(|g| ground_from_name(g).ok_or_else(corrupt))
                    .collect::<Result<_>>()?,
                reason,
            },
            "not-met" => ThresholdDecision::NotMet { reason },
            _ => return Err(corrupt()),
        };
        Ok(Some(TriggerDecisionRecord {
            decision,
            qualifying_count: count,
            decided_on: decided_on.clone(),
            escalation_route: self.escalation_route.clone().unwrap_or_default(),
        }))
    }

    fn into_application(self, recommendations: Vec<Task>) -> Result<TriggerApplication> {
        let status = self.status()?;
        let victim = self.victim()?;
        let decision = self.decision_record()?;
        let review = match &self.review_held_on {
            Some(held_on) => Some(TriggerReview {
                held_on: held_on.clone(),
                bodies: self
                    .review_bodies
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(RelevantBody::from_name)
                    .collect(),
                findings: self.review_findings.clone().unwrap_or_default(),
            }),
            None => None,
        };
        Ok(TriggerApplication {
            id: self.id,
            reference: self.reference,
            partnership: PartnershipId(self.partnership_id),
            case: CaseId(self.case_id),
            case_reference: self.case_reference,
            receiving_agency: AgencyId(self.receiving_agency_id),
            receiving_agency_name: self.receiving_agency_name,
            applicant_name: self.applicant_name,
            applicant_relationship: self.applicant_relationship,
            consent_recorded_on: self.consent_recorded_on,
            on_behalf: self.applicant_kind == "on-behalf",
            victim,
            received_on: self.received_on,
            status,
            decision,
            decision_letter: self.decision_letter,
            review,
            recommendations,
            outcome_letter: self.outcome_letter,
            outcome_sent_on: self.outcome_sent_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// An application as received, before any decision: what [`insert_application!`] writes.
pub(crate) struct ReceivedApplication<'a> {
    pub(crate) partnership: i64,
    pub(crate) case: i64,
    pub(crate) receiving_agency: i64,
    pub(crate) applicant_name: &'a str,
    /// For an application on the victim's behalf: the relationship, and the day the victim's
    /// consent was recorded.
    pub(crate) on_behalf: Option<(&'a str, Option<&'a str>)>,
    /// `individual`, `business` or `community-group`.
    pub(crate) victim_kind: &'a str,
    pub(crate) received_on: &'a str,
    pub(crate) created_by: i64,
    /// Unique until the reference is made from the id.
    pub(crate) placeholder: &'a str,
}

/// Inserts a [`ReceivedApplication`] inside `$tx` and evaluates to its id and reference
/// (`CT-000012`): the one way every application is recorded, by staff or online.
macro_rules! insert_application {
    ($tx:expr, $application:expr, $now:expr) => {{
        let application: &$crate::trigger::ReceivedApplication<'_> = $application;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO trigger_applications (partnership_id, reference, case_id, \
             receiving_agency_id, applicant_kind, applicant_name, applicant_relationship, \
             consent_recorded_on, victim_kind, received_on, status, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'received', $11, $12, $12) \
             RETURNING id",
        )
        .bind(application.partnership)
        .bind(application.placeholder)
        .bind(application.case)
        .bind(application.receiving_agency)
        .bind(if application.on_behalf.is_some() { "on-behalf" } else { "victim" })
        .bind(application.applicant_name.trim())
        .bind(application.on_behalf.map(|(relationship, _)| relationship.trim()))
        .bind(application.on_behalf.and_then(|(_, consent_on)| consent_on))
        .bind(application.victim_kind)
        .bind(application.received_on)
        .bind(application.created_by)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        let reference = format!("CT-{id:06}");
        sqlx::query("UPDATE trigger_applications SET reference = $1 WHERE id = $2")
            .bind(&reference)
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        (id, reference)
    }};
}
pub(crate) use insert_application;

/// Loads application `$id` on the transaction `$tx` and checks that `$viewer` may see it;
/// a refusal is audited, committed and returned as not found. Evaluates to the row and the
/// case's access facts.
macro_rules! guarded {
    ($tx:expr, $viewer:expr, $id:expr, $now:expr) => {{
        let row: Option<ApplicationRow> =
            sqlx::query_as(&format!("SELECT {APPLICATION_COLUMNS} WHERE t.id = $1"))
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
        let Some(row) = row else { return Err(StoreError::NotFound) };
        let access: CaseAccess = access_of!($tx, CaseId(row.case_id))?;
        if !handles_case_reviews($viewer) || !access.can_read($viewer) {
            audit!($tx, $viewer, AuditAction::Refused, "trigger-application", $id, $now);
            $tx.commit().await?;
            return Err(StoreError::NotFound);
        }
        (row, access)
    }};
}

/// The recommendations of application `$id` on `$tx`, as tasks, in the order they were made.
macro_rules! recommendations_of {
    ($tx:expr, $id:expr) => {{
        let rows: Vec<(i64, i64, String, String, i64, String, String, Option<i64>)> =
            sqlx::query_as(
                "SELECT k.id, k.case_id, c.reference, k.title, k.owner_user_id, u.display_name, \
                 k.due_on, k.done_at FROM trigger_recommendations r \
                 JOIN case_tasks k ON k.id = r.task_id JOIN cases c ON c.id = k.case_id \
                 JOIN users u ON u.id = k.owner_user_id WHERE r.application_id = $1 ORDER BY r.id",
            )
            .bind($id)
            .fetch_all(&mut *$tx)
            .await?;
        rows.into_iter()
            .map(|(id, case, case_reference, title, owner, owner_name, due_on, done_at)| Task {
                id,
                case: CaseId(case),
                case_reference,
                title,
                owner: UserId(owner),
                owner_name,
                due_on,
                done_at,
            })
            .collect::<Vec<Task>>()
    }};
}

/// The partnership's settings on `$tx` (the defaults when it has set none).
macro_rules! settings_of {
    ($tx:expr, $partnership:expr) => {{
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT threshold, single_hate_incident, separate_complainants, acknowledge_days, \
             decision_working_days, review_working_days, escalation_route, year_starts_month \
             FROM trigger_policies WHERE partnership_id = $1",
        )
        .bind($partnership)
        .fetch_optional(&mut *$tx)
        .await?;
        settings_from_row(row)
    }};
}

type SettingsRow = (i32, bool, Option<i32>, i32, i32, i32, String, i32);

fn settings_from_row(row: Option<SettingsRow>) -> TriggerSettings {
    match row {
        None => TriggerSettings::default(),
        Some((threshold, hate, separate, ack, decision, review, route, month)) => TriggerSettings {
            threshold: u8::try_from(threshold).unwrap_or(3),
            single_hate_incident: hate,
            separate_complainants: separate.and_then(|n| u8::try_from(n).ok()),
            acknowledge_days: u32::try_from(ack).unwrap_or(0),
            decision_working_days: u32::try_from(decision).unwrap_or(0),
            review_working_days: u32::try_from(review).unwrap_or(0),
            escalation_route: route,
            // The column's CHECK keeps it 1 to 12.
            year_starts_in: u8::try_from(month)
                .ok()
                .and_then(|m| time::Month::try_from(m).ok())
                .unwrap_or(time::Month::January),
        },
    }
}

type ComplaintRow = (i64, i64, String, String, String, i64, String, String, String, Option<i64>);

/// The complaints an application relies on, on `$tx` for `$viewer`: the incidents of its case,
/// and of every other case the viewer may read where one of the case's victims or complainants
/// is a victim or complainant too; oldest behaviour first, then earliest report. Audits a read
/// of each other case. Evaluates to the rows.
macro_rules! complaints_of {
    ($tx:expr, $viewer:expr, $row:expr, $now:expr) => {{
        let sql = format!(
            "SELECT i.id, i.case_id, c.reference, i.occurred_on, i.reported_on, \
             i.reported_to_agency_id, a.name, i.category, i.incident_key, \
             (SELECT MIN(l.subject_id) FROM case_links l WHERE l.case_id = i.case_id \
              AND l.role IN ('victim', 'complainant')) AS complainant \
             FROM case_incidents i JOIN cases c ON c.id = i.case_id \
             JOIN agencies a ON a.id = i.reported_to_agency_id \
             WHERE i.case_id = $3 OR (c.partnership_id = $4 AND c.id IN (SELECT l2.case_id \
              FROM case_links l2 WHERE l2.role IN ('victim', 'complainant') AND l2.subject_id IN \
              (SELECT l1.subject_id FROM case_links l1 WHERE l1.case_id = $3 \
               AND l1.role IN ('victim', 'complainant'))) AND {READABLE}) \
             ORDER BY i.occurred_on, i.reported_on, i.id"
        );
        let rows: Vec<ComplaintRow> = sqlx::query_as(&sql)
            .bind($viewer.user.0)
            .bind($viewer.agency.0)
            .bind($row.case_id)
            .bind($row.partnership_id)
            .fetch_all(&mut *$tx)
            .await?;
        let mut others: Vec<i64> =
            rows.iter().map(|r| r.1).filter(|case| *case != $row.case_id).collect();
        others.sort_unstable();
        others.dedup();
        for other in others {
            audit!(
                $tx,
                $viewer,
                AuditAction::Read,
                "case",
                other,
                $now,
                Some(format!("incidents read for case review {}", $row.id))
            );
        }
        rows
    }};
}

/// Runs the domain's assessment over the complaint rows.
fn assess_rows(
    row: &ApplicationRow,
    rows: Vec<ComplaintRow>,
    settings: TriggerSettings,
) -> Result<TriggerAssessment> {
    let policy = settings.policy()?;
    let mut complaints = Vec::with_capacity(rows.len());
    let mut domain = Vec::with_capacity(rows.len());
    for (
        incident,
        case,
        case_reference,
        occurred_on,
        reported_on,
        to,
        to_name,
        category,
        key,
        who,
    ) in rows
    {
        let complainant = match who {
            Some(subject) => format!("subject-{subject}"),
            None => format!("case-{case}"),
        };
        domain.push(Complaint {
            incident: IncidentKey(key.clone()),
            complainant: ComplainantKey(complainant),
            agency: AgencyId(to),
            behaviour_on: stored_date(&occurred_on, row.id)?,
            complained_on: stored_date(&reported_on, row.id)?,
            hate_incident: category.to_lowercase().contains("hate"),
        });
        complaints.push(TriggerComplaint {
            incident,
            case: CaseId(case),
            case_reference,
            occurred_on,
            reported_on,
            reported_to: AgencyId(to),
            reported_to_name: to_name,
            category,
            incident_key: key,
            status: ComplaintStatus::Misdated,
        });
    }
    let application = Application {
        applied_on: stored_date(&row.received_on, row.id)?,
        applicant: row.applicant()?,
        victim: row.victim()?,
        complaints: domain,
    };
    let assessment = trigger::assess(&policy, &application).map_err(rule)?;
    for (complaint, status) in complaints.iter_mut().zip(&assessment.complaints) {
        complaint.status = *status;
    }
    Ok(TriggerAssessment { complaints, assessment, settings })
}

fn decision_code(decision: &ThresholdDecision) -> (&'static str, TriggerStatus) {
    match decision {
        ThresholdDecision::Met(_) => ("met", TriggerStatus::ThresholdMet),
        ThresholdDecision::MetAtDiscretion { .. } => {
            ("met-at-discretion", TriggerStatus::AcceptedOnDiscretion)
        }
        ThresholdDecision::NotMet { .. } => ("not-met", TriggerStatus::ThresholdNotMet),
    }
}

impl Store {
    /// The partnership's review procedures, or the defaults when it has set none.
    pub async fn trigger_settings(&self, partnership: PartnershipId) -> Result<TriggerSettings> {
        on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            Ok(settings_of!(conn, partnership.0))
        })
    }

    /// Sets the partnership's review procedures. Only its coordinators may; a threshold above
    /// three (or a variant of nobody) is refused by the domain rule.
    pub async fn set_trigger_settings(
        &self,
        viewer: &Viewer,
        partnership: PartnershipId,
        settings: &TriggerSettings,
        now: i64,
    ) -> Result<()> {
        if !viewer.roles.contains(&Role::Coordinator) {
            return Err(StoreError::Forbidden("only coordinators set the case review procedures"));
        }
        settings.policy()?;
        let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO trigger_policies (partnership_id, threshold, single_hate_incident, \
                 separate_complainants, acknowledge_days, decision_working_days, \
                 review_working_days, escalation_route, updated_by, updated_at, \
                 year_starts_month) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (partnership_id) DO UPDATE SET threshold = excluded.threshold, \
                 single_hate_incident = excluded.single_hate_incident, \
                 separate_complainants = excluded.separate_complainants, \
                 acknowledge_days = excluded.acknowledge_days, \
                 decision_working_days = excluded.decision_working_days, \
                 review_working_days = excluded.review_working_days, \
                 escalation_route = excluded.escalation_route, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
                 year_starts_month = excluded.year_starts_month",
            )
            .bind(partnership.0)
            .bind(i32::from(settings.threshold))
            .bind(settings.single_hate_incident)
            .bind(settings.separate_complainants.map(i32::from))
            .bind(to_i32(settings.acknowledge_days))
            .bind(to_i32(settings.decision_working_days))
            .bind(to_i32(settings.review_working_days))
            .bind(&settings.escalation_route)
            .bind(viewer.user.0)
            .bind(now)
            .bind(i32::from(settings.year_starts_in as u8))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The partnership an application belongs to (an id only, so the caller can take the
    /// viewer's roles there). Not found when there is no such application; this says nothing
    /// of the application itself, and callers must still ask for it with their viewer.
    pub async fn trigger_partnership(&self, id: i64) -> Result<PartnershipId> {
        const SQL: &str = "SELECT partnership_id FROM trigger_applications WHERE id = $1";
        let row: Option<i64> =
            on_pool!(self, pool => sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await?);
        row.map(PartnershipId).ok_or(StoreError::NotFound)
    }

    /// Records an application received by the viewer's agency and returns its id and
    /// reference. The case under review is an ASB case the viewer may work, by reference, or a
    /// new one owned by the viewer's agency (the viewer on its team). An application on the
    /// victim's behalf without the victim's consent recorded on or before the day it was
    /// received is refused ([`StoreError::Rule`]).
    pub async fn apply_for_case_review(
        &self,
        viewer: &Viewer,
        application: &NewTriggerApplication<'_>,
        now: i64,
    ) -> Result<(i64, String)> {
        if !handles_case_reviews(viewer) {
            return Err(StoreError::Forbidden(
                "only coordinators and panel chairs record case review applications",
            ));
        }
        let received_on = given_date(application.received_on, "the day it was received")?;
        let applicant = match application.on_behalf {
            None => Applicant::Victim,
            Some(on_behalf) => Applicant::OnBehalf {
                consent_recorded_on: match on_behalf.consent_recorded_on {
                    Some(day) => Some(given_date(day, "the day consent was recorded")?),
                    None => None,
                },
            },
        };
        // The consent rule is the domain's: an assessment of no complaints checks only it.
        let check = Application {
            applied_on: received_on,
            applicant,
            victim: application.victim,
            complaints: Vec::new(),
        };
        trigger::assess(&TriggerPolicy::default(), &check).map_err(rule)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let case = match application.case {
                TriggerCase::Existing(reference) => {
                    let found: Option<(i64, String)> = sqlx::query_as(
                        "SELECT id, case_type FROM cases WHERE partnership_id = $1 AND reference = $2",
                    )
                    .bind(application.partnership.0)
                    .bind(reference.trim())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((id, case_type)) = found else { return Err(StoreError::NotFound) };
                    let case = CaseId(id);
                    let access: CaseAccess = access_of!(tx, case)?;
                    if !access.can_write(viewer) {
                        crate::casework::refuse!(tx, viewer, case, now, StoreError::NotFound);
                    }
                    if case_type != CaseType::Asb.as_str() {
                        return Err(StoreError::Rule(
                            "a case review is of an anti-social behaviour case; choose an ASB case".to_string(),
                        ));
                    }
                    case
                }
                TriggerCase::New { summary } => {
                    let placeholder = format!("pending-{now}-{}", viewer.user.0);
                    let (id, _) = crate::casework::insert_case!(
                        tx,
                        application.partnership.0,
                        CaseType::Asb,
                        summary,
                        viewer.agency.0,
                        application.received_on,
                        viewer.user.0,
                        &placeholder,
                        now
                    );
                    sqlx::query("INSERT INTO case_team (case_id, user_id, added_by, added_at) VALUES ($1, $2, $2, $3)")
                        .bind(id).bind(viewer.user.0).bind(now).execute(&mut *tx).await?;
                    audit!(tx, viewer, AuditAction::Create, "case", id, now, Some("opened for a case review".to_string()));
                    CaseId(id)
                }
            };
            let placeholder = format!("pending-{now}-{}-{}", viewer.user.0, case.0);
            let received = ReceivedApplication {
                partnership: application.partnership.0,
                case: case.0,
                receiving_agency: viewer.agency.0,
                applicant_name: application.applicant_name,
                on_behalf: application
                    .on_behalf
                    .map(|o| (o.relationship, o.consent_recorded_on)),
                victim_kind: victim_name(application.victim),
                received_on: application.received_on,
                created_by: viewer.user.0,
                placeholder: &placeholder,
            };
            let (id, reference) = insert_application!(tx, &received, now);
            audit!(tx, viewer, AuditAction::Create, "trigger-application", id, now, Some(format!("case review of case {}", case.0)));
            tx.commit().await?;
            Ok((id, reference))
        })
    }

    /// The partnership's applications the viewer may see, newest first, audited as one read.
    /// Empty for roles that do not handle case reviews.
    pub async fn trigger_applications(
        &self,
        viewer: &Viewer,
        partnership: PartnershipId,
        now: i64,
    ) -> Result<Vec<TriggerSummary>> {
        if !handles_case_reviews(viewer) {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT t.id, t.reference, t.case_id, c.reference, a.name, t.received_on, t.status \
             FROM trigger_applications t JOIN cases c ON c.id = t.case_id \
             JOIN agencies a ON a.id = t.receiving_agency_id \
             WHERE t.partnership_id = $3 AND {READABLE} ORDER BY t.received_on DESC, t.id DESC"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<(i64, String, i64, String, String, String, String)> = sqlx::query_as(&sql)
                .bind(viewer.user.0)
                .bind(viewer.agency.0)
                .bind(partnership.0)
                .fetch_all(&mut *tx)
                .await?;
            audit!(tx, viewer, AuditAction::Read, "trigger-list", partnership.0, now, Some(format!("{} applications", rows.len())));
            tx.commit().await?;
            rows.into_iter()
                .map(|(id, reference, case, case_reference, agency, received_on, status)| {
                    Ok(TriggerSummary {
                        id,
                        reference,
                        case: CaseId(case),
                        case_reference,
                        receiving_agency_name: agency,
                        received_on,
                        status: TriggerStatus::from_name(&status).ok_or_else(|| {
                            StoreError::Corrupt(format!("case review {id}: unknown status"))
                        })?,
                    })
                })
                .collect()
        })
    }

    /// An application and everything recorded on it, audited as a read; not found when the
    /// viewer may not see it.
    pub async fn trigger_application(
        &self,
        viewer: &Viewer,
        id: i64,
        now: i64,
    ) -> Result<TriggerApplication> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let (row, _access) = guarded!(tx, viewer, id, now);
            let recommendations = recommendations_of!(tx, id);
            audit!(tx, viewer, AuditAction::Read, "trigger-application", id, now);
            tx.commit().await?;
            row.into_application(recommendations)
        })
    }

    /// The threshold assessment of an application as it stands: every complaint considered and
    /// the domain's verdict on each. Audited as a read of the application and of each other
    /// case whose incidents it used.
    pub async fn assess_threshold(
        &self,
        viewer: &Viewer,
        id: i64,
        now: i64,
    ) -> Result<TriggerAssessment> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let (row, _access) = guarded!(tx, viewer, id, now);
            let settings = settings_of!(tx, row.partnership_id);
            let rows = complaints_of!(tx, viewer, row, now);
            let n_rows = rows.len();
            audit!(tx, viewer, AuditAction::Read, "trigger-application", id, now, Some(format!("threshold assessment of {n_rows} complaints")));
            tx.commit().await?;
            assess_rows(&row, rows, settings)
        })
    }

    /// Records the threshold decision on an application still waiting for one, with the letter
    /// `letter` writes from the facts, and returns the decision. The domain decides: met
    /// automatically, the review goes ahead (discretion cannot refuse it); below the threshold
    /// a discretion with a reason is required, and an acceptance names its grounds.
    pub async fn decide_threshold(
        &self,
        viewer: &Viewer,
        id: i64,
        input: &TriggerDecisionInput<'_>,
        letter: impl FnOnce(&DecisionFacts<'_>) -> String,
        now: i64,
    ) -> Result<ThresholdDecision> {
        let decided_on = given_date(input.decided_on, "the day of the decision")?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let (row, _access) = guarded!(tx, viewer, id, now);
            if row.status()? != TriggerStatus::Received {
                return Err(StoreError::Rule("the threshold decision has already been recorded".to_string()));
            }
            if decided_on < stored_date(&row.received_on, id)? {
                return Err(StoreError::Rule("the decision cannot be dated before the application was received".to_string()));
            }
            let settings = settings_of!(tx, row.partnership_id);
            let rows = complaints_of!(tx, viewer, row, now);
            let route = if input.escalation_route.trim().is_empty() {
                settings.escalation_route.clone()
            } else {
                input.escalation_route.trim().to_string()
            };
            let assessment = assess_rows(&row, rows, settings)?;
            let decision = trigger::decide(&assessment.assessment, input.discretion.clone()).map_err(rule)?;
            let text = letter(&DecisionFacts {
                reference: &row.reference,
                applicant_name: &row.applicant_name,
                received_on: &row.received_on,
                decided_on: input.decided_on,
                assessment: &assessment,
                decision: &decision,
                escalation_route: &route,
            });
            let (code, status) = decision_code(&decision);
            let (basis, grounds, reason) = match &decision {
                ThresholdDecision::Met(basis) => (Some(basis_code(*basis)), None, None),
                ThresholdDecision::MetAtDiscretion { grounds, reason } => (
                    None,
                    Some(grounds.iter().map(|g| ground_name(*g)).collect::<Vec<_>>().join(",")),
                    Some(reason.clone()),
                ),
                ThresholdDecision::NotMet { reason } => (None, None, Some(reason.clone())),
            };
            let count = i32::try_from(assessment.assessment.qualifying_incidents).unwrap_or(i32::MAX);
            sqlx::query(
                "UPDATE trigger_applications SET status = $1, decision = $2, decision_basis = $3, \
                 qualifying_count = $4, discretion_grounds = $5, discretion_reason = $6, \
                 decided_on = $7, decided_by = $8, decided_at = $9, escalation_route = $10, \
                 decision_letter = $11, updated_at = $9 WHERE id = $12",
            )
            .bind(status.as_str())
            .bind(code)
            .bind(basis)
            .bind(count)
            .bind(grounds)
            .bind(reason)
            .bind(input.decided_on)
            .bind(viewer.user.0)
            .bind(now)
            .bind(&route)
            .bind(&text)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Update, "trigger-application", id, now, Some(format!("threshold decision: {code}; {count} qualifying")));
            tx.commit().await?;
            Ok(decision)
        })
    }

    /// Records the review meeting of an application whose threshold was met (or accepted at
    /// discretion); recording it again before the outcome is sent replaces it.
    pub async fn record_review(
        &self,
        viewer: &Viewer,
        id: i64,
        review: &NewTriggerReview<'_>,
        now: i64,
    ) -> Result<()> {
        let held_on = given_date(review.held_on, "the day of the review")?;
        if review.bodies.is_empty() {
            return Err(StoreError::Rule(
                "name at least one relevant body at the review".to_string(),
            ));
        }
        if review.findings.trim().is_empty() {
            return Err(StoreError::Rule("record what the review found".to_string()));
        }
        let mut bodies: Vec<&str> = RelevantBody::ALL
            .into_iter()
            .filter(|b| review.bodies.contains(b))
            .map(RelevantBody::as_str)
            .collect();
        bodies.dedup();
        let bodies = bodies.join(",");
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let (row, _access) = guarded!(tx, viewer, id, now);
            let status = row.status()?;
            if !status.review_due() && status != TriggerStatus::ReviewHeld {
                return Err(StoreError::Rule(match status {
                    TriggerStatus::Received => "decide the threshold before recording the review",
                    TriggerStatus::ThresholdNotMet => "the threshold was not met, so no review is held",
                    _ => "the outcome has been sent; the review can no longer change",
                }.to_string()));
            }
            if held_on < stored_date(row.decided_on.as_deref().unwrap_or(&row.received_on), id)? {
                return Err(StoreError::Rule("the review cannot be dated before the threshold decision".to_string()));
            }
            sqlx::query(
                "UPDATE trigger_applications SET status = 'review-held', review_held_on = $1, \
                 review_bodies = $2, review_findings = $3, review_recorded_at = $4, updated_at = $4 \
                 WHERE id = $5",
            )
            .bind(review.held_on)
            .bind(&bodies)
            .bind(review.findings.trim())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Update, "trigger-application", id, now, Some(format!("review held; bodies {bodies}")));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Adds a recommendation of the review as a task on the case under review, owned by
    /// someone who can see the case, and returns the task's id. Only between the review and
    /// the outcome letter.
    pub async fn add_recommendation(
        &self,
        viewer: &Viewer,
        id: i64,
        title: &str,
        owner: UserId,
        due_on: &str,
        now: i64,
    ) -> Result<i64> {
        given_date(due_on, "the day it is due")?;
        if title.trim().is_empty() {
            return Err(StoreError::Rule("enter the recommendation".to_string()));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let (row, access) = guarded!(tx, viewer, id, now);
            if row.status()? != TriggerStatus::ReviewHeld {
                return Err(StoreError::Rule("recommendations are added after the review is held and before the outcome is sent".to_string()));
            }
            let owner_agency: Option<i64> = sqlx::query_scalar("SELECT agency_id FROM users WHERE id = $1")
                .bind(owner.0).fetch_optional(&mut *tx).await?;
            let Some(owner_agency) = owner_agency.map(AgencyId) else { return Err(StoreError::NotFound) };
            let owner_viewer = Viewer { user: owner, agency: owner_agency, roles: vec![Role::Practitioner] };
            if !access.can_read(&owner_viewer) {
                return Err(StoreError::Forbidden("a recommendation's owner must be able to see the case"));
            }
            let task: i64 = sqlx::query_scalar(
                "INSERT INTO case_tasks (case_id, title, owner_user_id, due_on, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(row.case_id).bind(title.trim()).bind(owner.0).bind(due_on).bind(viewer.user.0).bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO trigger_recommendations (application_id, task_id, created_at) VALUES ($1, $2, $3)")
                .bind(id).bind(task).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE trigger_applications SET updated_at = $1 WHERE id = $2")
                .bind(now).bind(id).execute(&mut *tx).await?;
            audit!(tx, viewer, AuditAction::Create, "task", task, now, Some(format!("recommendation of case review {id}")));
            tx.commit().await?;
            Ok(task)
        })
    }

    /// Sends the outcome of a review held: stores the letter `letter` writes from the
    /// application (its review and recommendations) and the day it was sent, and returns the
    /// letter.
    pub async fn send_outcome(
        &self,
        viewer: &Viewer,
        id: i64,
        sent_on: &str,
        letter: impl FnOnce(&TriggerApplication) -> String,
        now: i64,
    ) -> Result<String> {
        let sent = given_date(sent_on, "the day it is sent")?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let (row, _access) = guarded!(tx, viewer, id, now);
            if row.status()? != TriggerStatus::ReviewHeld {
                return Err(StoreError::Rule("the outcome is sent once, after the review is held".to_string()));
            }
            if sent < stored_date(row.review_held_on.as_deref().unwrap_or(&row.received_on), id)? {
                return Err(StoreError::Rule("the outcome cannot be sent before the review was held".to_string()));
            }
            let recommendations = recommendations_of!(tx, id);
            let n_recommendations = recommendations.len();
            let mut application = row.into_application(recommendations)?;
            application.outcome_sent_on = Some(sent_on.to_string());
            let text = letter(&application);
            sqlx::query(
                "UPDATE trigger_applications SET status = 'outcome-sent', outcome_letter = $1, \
                 outcome_sent_on = $2, outcome_sent_at = $3, updated_at = $3 WHERE id = $4",
            )
            .bind(&text).bind(sent_on).bind(now).bind(id)
            .execute(&mut *tx)
            .await?;
            audit!(tx, viewer, AuditAction::Export, "trigger-application", id, now, Some(format!("outcome letter sent; {n_recommendations} recommendations")));
            tx.commit().await?;
            Ok(text)
        })
    }

    /// The figures to publish for the reporting year `year` (see
    /// [`TriggerSettings::year_starts_in`] for the partnership's own); see
    /// [`Store::trigger_figures_by_year`].
    pub async fn trigger_annual_figures(
        &self,
        partnership: PartnershipId,
        year: ReportingYear,
    ) -> Result<trigger::AnnualFigures> {
        let mut figures = self.trigger_figures_by_year(partnership, &[year]).await?;
        figures.pop().ok_or(StoreError::NotFound)
    }

    /// The figures to publish for each of `years`, in order, over every application of the
    /// partnership (read once for them all), counted by the domain's rule: applications and
    /// "threshold not met" by the day received, reviews (and those with recommendations) by
    /// the day the review was held. Aggregates only, so no viewer is needed.
    pub async fn trigger_figures_by_year(
        &self,
        partnership: PartnershipId,
        years: &[ReportingYear],
    ) -> Result<Vec<trigger::AnnualFigures>> {
        let out_of_range = || StoreError::Rule("the year is out of range".to_string());
        let periods = years
            .iter()
            .map(|year| {
                Ok((
                    year.first_day().ok_or_else(out_of_range)?,
                    year.last_day().ok_or_else(out_of_range)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let sql = format!("SELECT {APPLICATION_COLUMNS} WHERE t.partnership_id = $1 ORDER BY t.id");
        let (rows, titles): (Vec<ApplicationRow>, Vec<(i64, String)>) = on_pool!(self, pool => {
            let rows = sqlx::query_as(&sql).bind(partnership.0).fetch_all(pool).await?;
            let titles = sqlx::query_as(
                "SELECT r.application_id, k.title FROM trigger_recommendations r \
                 JOIN case_tasks k ON k.id = r.task_id JOIN trigger_applications t ON t.id = r.application_id \
                 WHERE t.partnership_id = $1",
            )
            .bind(partnership.0)
            .fetch_all(pool)
            .await?;
            (rows, titles)
        });
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let outcome = match &row.review_held_on {
                Some(held_on) => Some(ReviewOutcome {
                    concluded_on: stored_date(held_on, row.id)?,
                    recommendations: titles
                        .iter()
                        .filter(|(application, _)| *application == row.id)
                        .map(|(_, title)| title.clone())
                        .collect(),
                }),
                None => None,
            };
            records.push(CaseReviewRecord {
                applied_on: stored_date(&row.received_on, row.id)?,
                decision: row.decision_record()?.map(|d| d.decision),
                outcome,
            });
        }
        Ok(periods.into_iter().map(|(first, last)| annual_figures(&records, first, last)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for status in TriggerStatus::ALL {
            assert_eq!(TriggerStatus::from_name(status.as_str()), Some(status));
        }
        for body in RelevantBody::ALL {
            assert_eq!(RelevantBody::from_name(body.as_str()), Some(body));
        }
        for basis in [
            AutomaticBasis::QualifyingComplaints { count: 4 },
            AutomaticBasis::Local(LocalVariant::SingleHateIncident),
            AutomaticBasis::Local(LocalVariant::SeparateComplainants { individuals: 5 }),
        ] {
            assert_eq!(basis_from_code(&basis_code(basis), 4), Some(basis));
        }
        assert_eq!(
            ground_from_name("adequacy-of-response"),
            Some(DiscretionGround::AdequacyOfResponse)
        );
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(
            parse_date("2028-02-29"),
            Some(Date::from_calendar_date(2028, time::Month::February, 29).unwrap())
        );
    }

    #[test]
    fn default_settings_are_the_statutory_threshold() {
        let settings = TriggerSettings::default();
        assert_eq!(settings.policy().unwrap(), TriggerPolicy::default());
        let too_high = TriggerSettings { threshold: 4, ..settings };
        assert!(matches!(too_high.policy(), Err(StoreError::Rule(_))));
    }
}
