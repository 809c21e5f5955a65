//! The ASB case review, or "Community Trigger" (ASBCPA 2014 s.104–105, Sch 4; DOMAIN.md §2.1).
//!
//! An application names the complaints it relies on. [`assess`] decides which complaints
//! qualify and whether the threshold is met automatically; [`decide`] records the threshold
//! decision (with the reason the relevant bodies give when it is a matter of discretion); and
//! [`annual_figures`] counts what must be published.
//!
//! # Qualifying complaints (s.104(11))
//!
//! A complaint qualifies when it was made within the period of **one month beginning with**
//! the day the behaviour is alleged to have occurred, and the application is made within the
//! period of **six months beginning with** the day the complaint was made. DOMAIN.md §2.1 gives
//! the rule from the Explanatory Notes ("within one month … within six months"); the "beginning
//! with" wording is as quoted by council guidance (Oldham), *not checked against the Act's
//! text*. Periods are counted as in [`crate::casework`]: behaviour on 15 January → complaint by
//! 14 February; behaviour on 31 January → by 28 February (29 in a leap year).
//!
//! One incident reported to several agencies counts once (local policies; DOMAIN.md §2.1).

use std::collections::BTreeSet;

use time::Date;

use super::{add_working_days, last_day_of_period, Clock, ClockKind};
use crate::ids::AgencyId;

/// The error returned when an application or decision cannot be accepted as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    /// s.104(4): the threshold may be three or lower, never higher, and at least one.
    #[error(
        "the threshold must be between 1 and 3 qualifying complaints (s.104(4) sets 3 as the most)"
    )]
    ThresholdOutOfRange,
    /// A local variant that needs a positive number.
    #[error("a local variant needs a number of at least 1")]
    BadLocalVariant,
    /// Guidance: a third party applies with the victim's consent.
    #[error("an application made on the victim's behalf needs the victim's consent recorded on or before the day of application")]
    NoConsent,
    /// The threshold is met automatically; the bodies must decide it is met (s.104(4)).
    #[error("the threshold is met by qualifying complaints, so the review must go ahead; it cannot be refused at discretion")]
    CannotRefuseAutomaticThreshold,
    /// Below the threshold a decision needs a recorded reason (s.104(5)).
    #[error("below the threshold, record whether the review goes ahead and the reason")]
    DiscretionReasonMissing,
    /// A discretionary acceptance must say which s.104(5) matter it rests on.
    #[error("a review accepted below the threshold must name at least one ground: persistence, harm or adequacy of response")]
    DiscretionGroundMissing,
}

/// The result type of this module.
pub type Result<T, E = TriggerError> = std::result::Result<T, E>;

/// An opaque key for one incident, shared by every report of it to any agency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentKey(pub String);

/// An opaque key for the person who complained (never a name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComplainantKey(pub String);

/// One complaint about anti-social behaviour made to a relevant body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    /// The incident complained about.
    pub incident: IncidentKey,
    /// Who complained.
    pub complainant: ComplainantKey,
    /// The agency it was made to.
    pub agency: AgencyId,
    /// The day the behaviour is alleged to have occurred.
    pub behaviour_on: Date,
    /// The day the complaint was made.
    pub complained_on: Date,
    /// Whether it was recorded as a hate incident (for the local variant).
    pub hate_incident: bool,
}

impl Complaint {
    /// The last day a complaint about this behaviour may be made and still qualify.
    pub fn last_day_to_complain(&self) -> Date {
        last_day_of_period(self.behaviour_on, 1)
    }

    /// The last day an application relying on this complaint may be made.
    pub fn last_day_to_apply(&self) -> Date {
        last_day_of_period(self.complained_on, 6)
    }
}

/// Who applies (s.104(1): "that person, or any other person").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicant {
    /// The victim (an individual, a business or a community group).
    Victim,
    /// Someone on the victim's behalf (family, councillor, MP), with the day the victim's
    /// consent was recorded.
    OnBehalf {
        /// The day consent was recorded, if it was.
        consent_recorded_on: Option<Date>,
    },
}

/// Who the victim is (guidance: an individual, business or community group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VictimKind {
    /// A person.
    Individual,
    /// A business.
    Business,
    /// A community group.
    CommunityGroup,
}

/// An application for an ASB case review and the complaints it relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The day it was made to the point of contact.
    pub applied_on: Date,
    /// Who made it.
    pub applicant: Applicant,
    /// Who the victim is.
    pub victim: VictimKind,
    /// The complaints about the behaviour the application relates to.
    pub complaints: Vec<Complaint>,
}

/// A local rule under which fewer or different complaints meet the threshold (DOMAIN.md §2.1:
/// Ribble Valley, Pendle, Cleveland, North Kesteven).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalVariant {
    /// A single qualifying complaint of a hate incident.
    SingleHateIncident,
    /// Qualifying complaints from at least this many different people about the same problem.
    SeparateComplainants {
        /// How many different complainants.
        individuals: u8,
    },
}

/// The review procedures' threshold rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerPolicy {
    threshold: u8,
    variants: Vec<LocalVariant>,
}

impl Default for TriggerPolicy {
    /// The statutory default: three qualifying complaints, no local variants.
    fn default() -> Self {
        TriggerPolicy { threshold: 3, variants: Vec::new() }
    }
}

impl TriggerPolicy {
    /// A policy with `threshold` qualifying complaints (1 to 3: s.104(4) lets procedures set a
    /// different number, and the Explanatory Notes para 231 say no higher than three) and
    /// local variants.
    pub fn new(threshold: u8, variants: Vec<LocalVariant>) -> Result<TriggerPolicy> {
        if !(1..=3).contains(&threshold) {
            return Err(TriggerError::ThresholdOutOfRange);
        }
        if variants
            .iter()
            .any(|variant| matches!(variant, LocalVariant::SeparateComplainants { individuals: 0 }))
        {
            return Err(TriggerError::BadLocalVariant);
        }
        Ok(TriggerPolicy { threshold, variants })
    }

    /// The number of qualifying complaints that meets the threshold.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// The local variants.
    pub fn variants(&self) -> &[LocalVariant] {
        &self.variants
    }
}

/// Whether one complaint qualifies, and if not why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStatus {
    /// It qualifies and counts.
    Qualifying,
    /// It qualifies, but another report of the same incident (the complaint at this index)
    /// already counts.
    SameIncident {
        /// The index of the complaint that counts for the incident.
        counted_as: usize,
    },
    /// Made after the month beginning with the behaviour.
    LateComplaint {
        /// The last day it could have been made.
        last_day: Date,
    },
    /// The application came after the six months beginning with the complaint.
    ApplicationTooLate {
        /// The last day the application could have relied on it.
        last_day: Date,
    },
    /// Dated before the behaviour, or after the application: a recording error.
    Misdated,
}

/// How the threshold was met without discretion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomaticBasis {
    /// At least the policy's number of qualifying complaints (s.104(4)).
    QualifyingComplaints {
        /// Distinct qualifying incidents.
        count: usize,
    },
    /// A local variant.
    Local(LocalVariant),
}

/// What [`assess`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdAssessment {
    /// Each complaint's status, in the application's order.
    pub complaints: Vec<ComplaintStatus>,
    /// Distinct incidents with at least one qualifying complaint.
    pub qualifying_incidents: usize,
    /// The policy's threshold.
    pub threshold: u8,
    /// How it is met automatically, or `None` when it is a matter for discretion.
    pub automatic: Option<AutomaticBasis>,
}

/// Checks an application against the policy: consent for a third-party application, each
/// complaint's status, and whether the threshold is met automatically.
pub fn assess(policy: &TriggerPolicy, application: &Application) -> Result<ThresholdAssessment> {
    if let Applicant::OnBehalf { consent_recorded_on } = application.applicant {
        if consent_recorded_on.is_none_or(|day| day > application.applied_on) {
            return Err(TriggerError::NoConsent);
        }
    }
    let mut statuses = Vec::with_capacity(application.complaints.len());
    let mut counted: Vec<(&IncidentKey, usize)> = Vec::new();
    for (idx, complaint) in application.complaints.iter().enumerate() {
        let status = if complaint.complained_on < complaint.behaviour_on
            || complaint.complained_on > application.applied_on
        {
            ComplaintStatus::Misdated
        } else if complaint.complained_on > complaint.last_day_to_complain() {
            ComplaintStatus::LateComplaint { last_day: complaint.last_day_to_complain() }
        } else if application.applied_on > complaint.last_day_to_apply() {
            ComplaintStatus::ApplicationTooLate { last_day: complaint.last_day_to_apply() }
        } else if let Some(&(_, first)) =
            counted.iter().find(|(incident, _)| **incident == complaint.incident)
        {
            ComplaintStatus::SameIncident { counted_as: first }
        } else {
            counted.push((&complaint.incident, idx));
            ComplaintStatus::Qualifying
        };
        statuses.push(status);
    }
    let qualifying_incidents = counted.len();
    let qualifying = || {
        statuses.iter().zip(&application.complaints).filter(|(status, _)| {
            matches!(status, ComplaintStatus::Qualifying | ComplaintStatus::SameIncident { .. })
        })
    };
    let automatic = if qualifying_incidents >= usize::from(policy.threshold) {
        Some(AutomaticBasis::QualifyingComplaints { count: qualifying_incidents })
    } else {
        policy
            .variants
            .iter()
            .find(|variant| match variant {
                LocalVariant::SingleHateIncident => {
                    qualifying().any(|(_, complaint)| complaint.hate_incident)
                }
                LocalVariant::SeparateComplainants { individuals } => {
                    let people: BTreeSet<_> =
                        qualifying().map(|(_, complaint)| &complaint.complainant).collect();
                    people.len() >= usize::from(*individuals)
                }
            })
            .map(|variant| AutomaticBasis::Local(*variant))
    };
    Ok(ThresholdAssessment {
        complaints: statuses,
        qualifying_incidents,
        threshold: policy.threshold,
        automatic,
    })
}

/// The matters discretion may rest on below the threshold (s.104(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiscretionGround {
    /// The persistence of the behaviour.
    Persistence,
    /// The harm caused, or the potential for harm.
    Harm,
    /// The adequacy of the response to it.
    AdequacyOfResponse,
}

/// The relevant bodies' discretionary decision below the threshold (for example a senior
/// manager's, a local variant in DOMAIN.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discretion {
    /// Whether the review goes ahead.
    pub review: bool,
    /// The s.104(5) matters it rests on (at least one when the review goes ahead).
    pub grounds: Vec<DiscretionGround>,
    /// The reason, as it will be given to the applicant.
    pub reason: String,
}

/// The threshold decision, which the applicant must be told (s.104(6)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThresholdDecision {
    /// Met automatically.
    Met(AutomaticBasis),
    /// Met at discretion below the threshold.
    MetAtDiscretion {
        /// The grounds.
        grounds: Vec<DiscretionGround>,
        /// The recorded reason.
        reason: String,
    },
    /// Not met, with the recorded reason.
    NotMet {
        /// The recorded reason.
        reason: String,
    },
}

impl ThresholdDecision {
    /// Whether a review is to be carried out.
    pub fn review_required(&self) -> bool {
        !matches!(self, ThresholdDecision::NotMet { .. })
    }
}

/// Records the threshold decision. When the threshold is met automatically the review must go
/// ahead (s.104(4)), and a discretion refusing it is an error; below the threshold a discretion
/// with a reason is required, and an acceptance must name its grounds (s.104(5)).
pub fn decide(
    assessment: &ThresholdAssessment,
    discretion: Option<Discretion>,
) -> Result<ThresholdDecision> {
    if let Some(basis) = assessment.automatic {
        if discretion.as_ref().is_some_and(|discretion| !discretion.review) {
            return Err(TriggerError::CannotRefuseAutomaticThreshold);
        }
        return Ok(ThresholdDecision::Met(basis));
    }
    let discretion = discretion.ok_or(TriggerError::DiscretionReasonMissing)?;
    let reason = discretion.reason.trim().to_string();
    if reason.is_empty() {
        return Err(TriggerError::DiscretionReasonMissing);
    }
    if discretion.review {
        if discretion.grounds.is_empty() {
            return Err(TriggerError::DiscretionGroundMissing);
        }
        let mut grounds = discretion.grounds;
        grounds.sort();
        grounds.dedup();
        Ok(ThresholdDecision::MetAtDiscretion { grounds, reason })
    } else {
        Ok(ThresholdDecision::NotMet { reason })
    }
}

/// A length of time for a local service level: statutory timescales do not exist for the case
/// review, only local ones (DOMAIN.md §2.1: Bristol acknowledges in 10 days, decides validity
/// in 20 working days and finishes in 35; Bedfordshire acknowledges in 5 working days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaPeriod {
    /// Calendar days following the day of application.
    Days(u32),
    /// Working days following the day of application (weekends and bank holidays skipped).
    WorkingDays(u32),
}

/// One local service level, counted from the day of application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSla {
    /// What must be done ("acknowledge the application").
    pub name: String,
    /// By when.
    pub period: SlaPeriod,
}

/// The application's service-level clocks, soonest first, with the caller's bank holidays.
pub fn sla_clocks(slas: &[TriggerSla], applied_on: Date, bank_holidays: &[Date]) -> Vec<Clock> {
    let mut clocks: Vec<Clock> = slas
        .iter()
        .map(|sla| {
            let due = match sla.period {
                SlaPeriod::Days(days) => applied_on + time::Duration::days(i64::from(days)),
                SlaPeriod::WorkingDays(days) => add_working_days(applied_on, days, bank_holidays),
            };
            Clock::on(format!("Case review: {}", sla.name), due, ClockKind::Deadline)
        })
        .collect();
    clocks.sort_by_key(|clock| clock.due.date());
    clocks
}

/// The outcome of a review carried out: the day it concluded and its recommendations, which
/// the applicant must be told (s.104(7)–(9), *unverified wording*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOutcome {
    /// The day the review concluded.
    pub concluded_on: Date,
    /// Its recommendations (none is a valid outcome).
    pub recommendations: Vec<String>,
}

/// One application as recorded, for the annual figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReviewRecord {
    /// The day it was made.
    pub applied_on: Date,
    /// The threshold decision, once made.
    pub decision: Option<ThresholdDecision>,
    /// The review's outcome, once concluded.
    pub outcome: Option<ReviewOutcome>,
}

/// The figures to publish at least every 12 months (s.104(10), *unverified wording*; the
/// College of Policing summary confirms the duty; DOMAIN.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnnualFigures {
    /// Applications made in the period.
    pub applications: usize,
    /// Of those, the number decided as not meeting the threshold.
    pub threshold_not_met: usize,
    /// Reviews concluded in the period.
    pub reviews_carried_out: usize,
    /// Of those, the number that made recommendations.
    pub reviews_with_recommendations: usize,
}

/// The twelve months a set of annual figures covers: from the first day of `start_month` in
/// `start_year`. January gives the calendar year; April the financial year most councils
/// report by. Which one a partnership publishes by is its choice (the Act asks only that the
/// figures be published at least every 12 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportingYear {
    /// The year it starts in.
    pub start_year: i32,
    /// The month it starts with.
    pub start_month: time::Month,
}

impl ReportingYear {
    /// The calendar year `year`.
    pub fn calendar(year: i32) -> ReportingYear {
        ReportingYear { start_year: year, start_month: time::Month::January }
    }

    /// The reporting year starting with `start_month` that contains `day`.
    pub fn containing(day: Date, start_month: time::Month) -> ReportingYear {
        let start_year =
            if day.month() as u8 >= start_month as u8 { day.year() } else { day.year() - 1 };
        ReportingYear { start_year, start_month }
    }

    /// The year before.
    pub fn previous(self) -> ReportingYear {
        ReportingYear { start_year: self.start_year - 1, ..self }
    }

    /// Its first day, or `None` outside the dates [`Date`] holds.
    pub fn first_day(self) -> Option<Date> {
        Date::from_calendar_date(self.start_year, self.start_month, 1).ok()
    }

    /// Its last day: the day before the next year's first day.
    pub fn last_day(self) -> Option<Date> {
        ReportingYear { start_year: self.start_year + 1, ..self }.first_day()?.previous_day()
    }

    /// How people write it: `2026` for a calendar year, `2026/27` for one that runs into the
    /// next (`2099/00` at the turn of a century).
    pub fn label(self) -> String {
        if self.start_month == time::Month::January {
            self.start_year.to_string()
        } else {
            format!("{}/{:02}", self.start_year, (self.start_year + 1).rem_euclid(100))
        }
    }
}

/// Counts the figures for the period `first_day..=last_day`. Applications and threshold
/// decisions count by the day of application; reviews by the day they concluded, so a review
/// of a late-December application counts in the year it was carried out.
pub fn annual_figures(
    records: &[CaseReviewRecord],
    first_day: Date,
    last_day: Date,
) -> AnnualFigures {
    let in_period = |day: Date| first_day <= day && day <= last_day;
    let mut figures = AnnualFigures::default();
    for record in records {
        if in_period(record.applied_on) {
            figures.applications += 1;
            if matches!(record.decision, Some(ThresholdDecision::NotMet { .. })) {
                figures.threshold_not_met += 1;
            }
        }
        if let Some(outcome) = record.outcome.as_ref().filter(|o| in_period(o.concluded_on)) {
            figures.reviews_carried_out += 1;
            if !outcome.recommendations.is_empty() {
                figures.reviews_with_recommendations += 1;
            }
        }
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn complaint(
        incident: &str,
        who: &str,
        agency: i64,
        behaviour_on: Date,
        complained_on: Date,
    ) -> Complaint {
        Complaint {
            incident: IncidentKey(incident.to_string()),
            complainant: ComplainantKey(who.to_string()),
            agency: AgencyId(agency),
            behaviour_on,
            complained_on,
            hate_incident: false,
        }
    }

    fn application(applied_on: Date, complaints: Vec<Complaint>) -> Application {
        Application {
            applied_on,
            applicant: Applicant::Victim,
            victim: VictimKind::Individual,
            complaints,
        }
    }

    fn status_of(c: Complaint, applied_on: Date) -> ComplaintStatus {
        assess(&TriggerPolicy::default(), &application(applied_on, vec![c])).unwrap().complaints[0]
    }

    #[test]
    fn complaint_within_one_month_beginning_with_the_behaviour() {
        let apply = date!(2026 - 04 - 01);
        // Behaviour 1 January: the month ends 31 January (30 days later); 1 February is late.
        let on_time = complaint("a", "v", 1, date!(2026 - 01 - 01), date!(2026 - 01 - 31));
        assert_eq!(status_of(on_time, apply), ComplaintStatus::Qualifying);
        let late = complaint("a", "v", 1, date!(2026 - 01 - 01), date!(2026 - 02 - 01));
        assert_eq!(
            status_of(late, apply),
            ComplaintStatus::LateComplaint { last_day: date!(2026 - 01 - 31) }
        );
        // Behaviour 15 January: 14 February in time (30 days), 15 February late (31 days).
        let c = complaint("a", "v", 1, date!(2026 - 01 - 15), date!(2026 - 02 - 14));
        assert_eq!(status_of(c, apply), ComplaintStatus::Qualifying);
        let c = complaint("a", "v", 1, date!(2026 - 01 - 15), date!(2026 - 02 - 15));
        assert!(matches!(status_of(c, apply), ComplaintStatus::LateComplaint { .. }));
    }

    #[test]
    fn month_end_behaviour() {
        let apply = date!(2028 - 04 - 01);
        // Behaviour 31 January 2026: latest 28 February; 1 March is late.
        let c = complaint("a", "v", 1, date!(2026 - 01 - 31), date!(2026 - 02 - 28));
        assert_eq!(status_of(c.clone(), date!(2026 - 04 - 01)), ComplaintStatus::Qualifying);
        let c = Complaint { complained_on: date!(2026 - 03 - 01), ..c };
        assert_eq!(
            status_of(c, date!(2026 - 04 - 01)),
            ComplaintStatus::LateComplaint { last_day: date!(2026 - 02 - 28) }
        );
        // In a leap year, 29 February.
        let c = complaint("a", "v", 1, date!(2028 - 01 - 31), date!(2028 - 02 - 29));
        assert_eq!(status_of(c.clone(), apply), ComplaintStatus::Qualifying);
        let c = Complaint { complained_on: date!(2028 - 03 - 01), ..c };
        assert!(matches!(status_of(c, apply), ComplaintStatus::LateComplaint { .. }));
        // Behaviour 30 April: 29 May in time, 30 May late.
        let c = complaint("a", "v", 1, date!(2026 - 04 - 30), date!(2026 - 05 - 29));
        assert_eq!(status_of(c.clone(), date!(2026 - 06 - 01)), ComplaintStatus::Qualifying);
        let c = Complaint { complained_on: date!(2026 - 05 - 30), ..c };
        assert!(matches!(
            status_of(c, date!(2026 - 06 - 01)),
            ComplaintStatus::LateComplaint { .. }
        ));
    }

    #[test]
    fn application_within_six_months_beginning_with_the_complaint() {
        let c = complaint("a", "v", 1, date!(2026 - 01 - 08), date!(2026 - 01 - 10));
        assert_eq!(status_of(c.clone(), date!(2026 - 07 - 09)), ComplaintStatus::Qualifying);
        let too_late = ComplaintStatus::ApplicationTooLate { last_day: date!(2026 - 07 - 09) };
        // Six months to the day, and six months and one day, are too late.
        assert_eq!(status_of(c.clone(), date!(2026 - 07 - 10)), too_late);
        assert_eq!(status_of(c, date!(2026 - 07 - 11)), too_late);
        // Complaint on 31 August: the six months end on the last day of February.
        let c = complaint("a", "v", 1, date!(2026 - 08 - 30), date!(2026 - 08 - 31));
        assert_eq!(status_of(c.clone(), date!(2027 - 02 - 28)), ComplaintStatus::Qualifying);
        assert!(matches!(
            status_of(c, date!(2027 - 03 - 01)),
            ComplaintStatus::ApplicationTooLate { .. }
        ));
    }

    #[test]
    fn misdated_complaints() {
        let c = complaint("a", "v", 1, date!(2026 - 01 - 10), date!(2026 - 01 - 09));
        assert_eq!(status_of(c, date!(2026 - 02 - 01)), ComplaintStatus::Misdated);
        let c = complaint("a", "v", 1, date!(2026 - 01 - 10), date!(2026 - 01 - 12));
        assert_eq!(status_of(c, date!(2026 - 01 - 11)), ComplaintStatus::Misdated);
    }

    #[test]
    fn one_incident_reported_to_several_agencies_counts_once() {
        let app = application(
            date!(2026 - 05 - 01),
            vec![
                complaint("i1", "v", 1, date!(2026 - 03 - 01), date!(2026 - 03 - 02)),
                complaint("i1", "v", 2, date!(2026 - 03 - 01), date!(2026 - 03 - 03)),
                complaint("i2", "v", 1, date!(2026 - 03 - 20), date!(2026 - 03 - 20)),
            ],
        );
        let assessment = assess(&TriggerPolicy::default(), &app).unwrap();
        assert_eq!(assessment.qualifying_incidents, 2);
        assert_eq!(assessment.complaints[1], ComplaintStatus::SameIncident { counted_as: 0 });
        assert_eq!(assessment.automatic, None);
        // A late report to one agency does not stop a timely report to another from counting.
        let app = application(
            date!(2026 - 05 - 01),
            vec![
                complaint("i1", "v", 1, date!(2026 - 02 - 01), date!(2026 - 03 - 15)),
                complaint("i1", "v", 2, date!(2026 - 02 - 01), date!(2026 - 02 - 02)),
            ],
        );
        let assessment = assess(&TriggerPolicy::default(), &app).unwrap();
        assert_eq!(assessment.qualifying_incidents, 1);
        assert_eq!(assessment.complaints[1], ComplaintStatus::Qualifying);
    }

    fn three_incidents() -> Application {
        application(
            date!(2026 - 05 - 01),
            vec![
                complaint("i1", "v", 1, date!(2026 - 02 - 01), date!(2026 - 02 - 02)),
                complaint("i2", "v", 2, date!(2026 - 03 - 01), date!(2026 - 03 - 01)),
                complaint("i3", "v", 3, date!(2026 - 04 - 01), date!(2026 - 04 - 05)),
            ],
        )
    }

    #[test]
    fn three_qualifying_complaints_meet_the_threshold() {
        let app = three_incidents();
        let assessment = assess(&TriggerPolicy::default(), &app).unwrap();
        assert_eq!(assessment.automatic, Some(AutomaticBasis::QualifyingComplaints { count: 3 }));
        let decision = decide(&assessment, None).unwrap();
        assert!(decision.review_required());
        // Discretion cannot refuse it.
        let refuse = Discretion { review: false, grounds: vec![], reason: "resolved".to_string() };
        assert_eq!(
            decide(&assessment, Some(refuse)),
            Err(TriggerError::CannotRefuseAutomaticThreshold)
        );
        // Two are not enough by default, but are under a local threshold of 2.
        let mut two = app.clone();
        two.complaints.pop();
        assert_eq!(assess(&TriggerPolicy::default(), &two).unwrap().automatic, None);
        let policy = TriggerPolicy::new(2, vec![]).unwrap();
        assert!(assess(&policy, &two).unwrap().automatic.is_some());
    }

    #[test]
    fn threshold_is_three_or_lower() {
        assert_eq!(TriggerPolicy::new(4, vec![]), Err(TriggerError::ThresholdOutOfRange));
        assert_eq!(TriggerPolicy::new(0, vec![]), Err(TriggerError::ThresholdOutOfRange));
        assert!(TriggerPolicy::new(1, vec![]).is_ok());
        assert_eq!(
            TriggerPolicy::new(3, vec![LocalVariant::SeparateComplainants { individuals: 0 }]),
            Err(TriggerError::BadLocalVariant)
        );
    }

    #[test]
    fn local_variants() {
        let mut hate = complaint("h1", "v", 1, date!(2026 - 04 - 01), date!(2026 - 04 - 01));
        hate.hate_incident = true;
        let app = application(date!(2026 - 04 - 10), vec![hate.clone()]);
        assert_eq!(assess(&TriggerPolicy::default(), &app).unwrap().automatic, None);
        let policy = TriggerPolicy::new(3, vec![LocalVariant::SingleHateIncident]).unwrap();
        assert_eq!(
            assess(&policy, &app).unwrap().automatic,
            Some(AutomaticBasis::Local(LocalVariant::SingleHateIncident))
        );
        // A late hate complaint does not qualify.
        let late = Complaint { complained_on: date!(2026 - 05 - 01), ..hate };
        let app = application(date!(2026 - 05 - 10), vec![late]);
        assert_eq!(assess(&policy, &app).unwrap().automatic, None);

        // Five people about the same problem (here two report the same incident).
        let five =
            TriggerPolicy::new(3, vec![LocalVariant::SeparateComplainants { individuals: 5 }])
                .unwrap();
        let people = ["a", "b", "c", "d", "e"];
        let complaints: Vec<_> = people
            .iter()
            .enumerate()
            .map(|(i, who)| {
                let incident = if i < 4 { "i1" } else { "i2" };
                complaint(incident, who, 1, date!(2026 - 04 - 01), date!(2026 - 04 - 02))
            })
            .collect();
        let app = application(date!(2026 - 04 - 20), complaints.clone());
        assert_eq!(assess(&TriggerPolicy::default(), &app).unwrap().automatic, None);
        assert_eq!(
            assess(&five, &app).unwrap().automatic,
            Some(AutomaticBasis::Local(LocalVariant::SeparateComplainants { individuals: 5 }))
        );
        let app = application(date!(2026 - 04 - 20), complaints[..4].to_vec());
        assert_eq!(assess(&five, &app).unwrap().automatic, None);
    }

    #[test]
    fn below_the_threshold_discretion_needs_a_reason() {
        let mut app = three_incidents();
        app.complaints.truncate(1);
        let assessment = assess(&TriggerPolicy::default(), &app).unwrap();
        assert_eq!(decide(&assessment, None), Err(TriggerError::DiscretionReasonMissing));
        let blank = Discretion { review: false, grounds: vec![], reason: "  ".to_string() };
        assert_eq!(decide(&assessment, Some(blank)), Err(TriggerError::DiscretionReasonMissing));
        let no_grounds =
            Discretion { review: true, grounds: vec![], reason: "vulnerable".to_string() };
        assert_eq!(
            decide(&assessment, Some(no_grounds)),
            Err(TriggerError::DiscretionGroundMissing)
        );
        let accept = Discretion {
            review: true,
            grounds: vec![
                DiscretionGround::Harm,
                DiscretionGround::Persistence,
                DiscretionGround::Harm,
            ],
            reason: " victim's health is suffering ".to_string(),
        };
        assert_eq!(
            decide(&assessment, Some(accept)),
            Ok(ThresholdDecision::MetAtDiscretion {
                grounds: vec![DiscretionGround::Persistence, DiscretionGround::Harm],
                reason: "victim's health is suffering".to_string(),
            })
        );
        let refuse =
            Discretion { review: false, grounds: vec![], reason: "one report only".to_string() };
        let decision = decide(&assessment, Some(refuse)).unwrap();
        assert!(!decision.review_required());
    }

    #[test]
    fn third_party_applications_need_recorded_consent() {
        let mut app = three_incidents();
        app.applicant = Applicant::OnBehalf { consent_recorded_on: None };
        assert_eq!(assess(&TriggerPolicy::default(), &app), Err(TriggerError::NoConsent));
        app.applicant = Applicant::OnBehalf { consent_recorded_on: Some(date!(2026 - 05 - 02)) };
        assert_eq!(assess(&TriggerPolicy::default(), &app), Err(TriggerError::NoConsent));
        app.applicant = Applicant::OnBehalf { consent_recorded_on: Some(date!(2026 - 05 - 01)) };
        assert!(assess(&TriggerPolicy::default(), &app).is_ok());
    }

    #[test]
    fn local_service_levels() {
        let sla = |name: &str, period| TriggerSla { name: name.to_string(), period };
        // Bristol's: acknowledge in 10 days, validity in 20 working days, whole in 35.
        let slas = [
            sla("finish the review", SlaPeriod::WorkingDays(35)),
            sla("acknowledge", SlaPeriod::Days(10)),
            sla("decide the threshold", SlaPeriod::WorkingDays(20)),
        ];
        // Applied Wednesday 1 April 2026. Bank holidays: Good Friday 3 April, Easter Monday
        // 6 April, early May 4 May and spring 25 May 2026.
        let holidays = [
            date!(2026 - 04 - 03),
            date!(2026 - 04 - 06),
            date!(2026 - 05 - 04),
            date!(2026 - 05 - 25),
        ];
        let clocks = sla_clocks(&slas, date!(2026 - 04 - 01), &holidays);
        let due: Vec<_> = clocks.iter().map(|c| (c.name.as_str(), c.due.date())).collect();
        assert_eq!(
            due,
            vec![
                ("Case review: acknowledge", date!(2026 - 04 - 11)),
                ("Case review: decide the threshold", date!(2026 - 05 - 01)),
                ("Case review: finish the review", date!(2026 - 05 - 26)),
            ]
        );
    }

    #[test]
    fn reporting_years_are_calendar_or_start_in_their_month() {
        use time::Month::{April, January};
        let financial = ReportingYear::containing(date!(2026 - 03 - 31), April);
        assert_eq!(financial, ReportingYear { start_year: 2025, start_month: April });
        assert_eq!(financial.label(), "2025/26");
        assert_eq!(financial.first_day(), Some(date!(2025 - 04 - 01)));
        assert_eq!(financial.last_day(), Some(date!(2026 - 03 - 31)));
        let next = ReportingYear::containing(date!(2026 - 04 - 01), April);
        assert_eq!((next.start_year, next.label()), (2026, "2026/27".to_string()));
        assert_eq!(next.previous(), financial);
        let calendar = ReportingYear::containing(date!(2026 - 01 - 01), January);
        assert_eq!(calendar, ReportingYear::calendar(2026));
        assert_eq!(calendar.label(), "2026");
        assert_eq!(calendar.last_day(), Some(date!(2026 - 12 - 31)));
        assert_eq!(ReportingYear::containing(date!(2100 - 02 - 01), April).label(), "2099/00");
        // A year starting in March ends on the last day of February, leap years included.
        let march = ReportingYear { start_year: 2027, start_month: time::Month::March };
        assert_eq!(march.last_day(), Some(date!(2028 - 02 - 29)));
    }

    #[test]
    fn annual_figures_count_applications_decisions_and_reviews() {
        let met = Some(ThresholdDecision::Met(AutomaticBasis::QualifyingComplaints { count: 3 }));
        let not_met = Some(ThresholdDecision::NotMet { reason: "one report".to_string() });
        let outcome = |concluded_on, n: usize| {
            Some(ReviewOutcome {
                concluded_on,
                recommendations: vec!["joint visit".to_string(); n],
            })
        };
        let records = vec![
            // Applied in the previous year, reviewed in this one.
            CaseReviewRecord {
                applied_on: date!(2025 - 03 - 20),
                decision: met.clone(),
                outcome: outcome(date!(2025 - 04 - 10), 2),
            },
            CaseReviewRecord {
                applied_on: date!(2025 - 04 - 01),
                decision: not_met.clone(),
                outcome: None,
            },
            CaseReviewRecord {
                applied_on: date!(2025 - 06 - 01),
                decision: met.clone(),
                outcome: outcome(date!(2025 - 07 - 01), 0),
            },
            CaseReviewRecord { applied_on: date!(2026 - 03 - 31), decision: None, outcome: None },
            // Applied in this year, reviewed in the next.
            CaseReviewRecord {
                applied_on: date!(2026 - 03 - 25),
                decision: met,
                outcome: outcome(date!(2026 - 04 - 01), 1),
            },
            CaseReviewRecord {
                applied_on: date!(2026 - 04 - 01),
                decision: not_met,
                outcome: None,
            },
        ];
        let figures = annual_figures(&records, date!(2025 - 04 - 01), date!(2026 - 03 - 31));
        assert_eq!(
            figures,
            AnnualFigures {
                applications: 4,
                threshold_not_met: 1,
                reviews_carried_out: 2,
                reviews_with_recommendations: 1,
            }
        );
    }
}
