//! The SafeLives DASH risk identification checklist (RIC) and the four MARAC referral criteria
//! (DOMAIN.md §2.5).
//!
//! The checklist has 24 questions, each answered yes, no or don't know, with a comment. The
//! labels in [`DASH_QUESTIONS`] are the short paraphrases of DOMAIN.md §2.5, **not SafeLives'
//! own wording**; DOMAIN.md marks the order as the SafeLives RIC order *unverified* ("verify
//! wording before shipping"). Practitioners must ask the questions from the current SafeLives
//! form; these labels only name them.
//!
//! [`assess_marac`] applies the referral criteria (SCIE; SafeLives "definition of a repeat
//! MARAC"): visible high risk (14 or more yes), professional judgement (may raise to a
//! referral, never lower one), potential escalation (3 or more police-reported incidents in 12
//! months) and repeat (any incident within 12 months of the last referral). The
//! [`MaracReferral`] it builds is made wholly from the checklist and the case's dates: nothing
//! is typed again.

use time::Date;

use super::{first_day_of_period_ending, last_day_of_period};

/// The number of questions in the SafeLives RIC.
pub const DASH_QUESTION_COUNT: usize = 24;

/// Short labels for the 24 questions, in DOMAIN.md §2.5's order (paraphrases, not the form's
/// wording; see the module documentation).
pub const DASH_QUESTIONS: [&str; DASH_QUESTION_COUNT] = [
    "Injury from the current incident",
    "Very frightened",
    "What the victim is afraid of (further injury or violence, being killed; for whom)",
    "Isolated from family or friends",
    "Depressed or having suicidal thoughts",
    "Separated or tried to separate in the past year",
    "Conflict over child contact",
    "Constant texting, calling, following, stalking or harassment",
    "Pregnant, or a baby in the last 18 months",
    "Abuse happening more often",
    "Abuse getting worse",
    "Tries to control everything or is excessively jealous",
    "Has used weapons or objects to hurt",
    "Has threatened to kill the victim or someone else, and was believed",
    "Has attempted to strangle, choke, suffocate or drown",
    "Sexual acts that made the victim feel bad or physically hurt",
    "Anyone else has threatened the victim or is feared",
    "Known to have hurt anyone else",
    "Has mistreated an animal or the family pet",
    "Financial issues or dependence",
    "Drugs, alcohol or mental-health problems in the past year",
    "Has threatened or attempted suicide",
    "Has broken bail, an injunction or an agreement",
    "Trouble with the police or a criminal history",
];

/// Yes at or above this count is visible high risk.
pub const VISIBLE_HIGH_RISK_YES: usize = 14;
/// Police-reported incidents in 12 months that are potential escalation (common practice).
pub const ESCALATION_INCIDENTS: usize = 3;
/// Months for the escalation window and the repeat-referral window.
pub const MARAC_WINDOW_MONTHS: u32 = 12;

/// The error returned for a malformed checklist or judgement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DashError {
    /// Not exactly 24 answers.
    #[error("a DASH checklist has 24 questions; {0} answers were given")]
    WrongAnswerCount(usize),
    /// A professional judgement without its reason.
    #[error("a professional judgement must say why")]
    JudgementReasonMissing,
    /// An attempt to use judgement to stop a referral a criterion requires.
    #[error("professional judgement can raise a case to MARAC but cannot lower one that meets a referral criterion ({0:?})")]
    CannotLower(MaracCriterion),
    /// An incident dated before the last referral, or a checklist before the incident.
    #[error("the incident, checklist and last referral dates are out of order")]
    DatesOutOfOrder,
}

/// The result type of this module.
pub type Result<T, E = DashError> = std::result::Result<T, E>;

/// An answer to a checklist question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Yes: counts towards visible high risk.
    Yes,
    /// No.
    No,
    /// Don't know: does not count, but is shown in the referral.
    DontKnow,
}

/// One answer with its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashResponse {
    /// The answer.
    pub answer: Answer,
    /// The practitioner's comment (may be empty).
    pub comment: String,
}

/// A completed checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashChecklist {
    completed_on: Date,
    responses: Vec<DashResponse>,
}

impl DashChecklist {
    /// A checklist completed on `completed_on` with 24 responses in question order.
    pub fn new(completed_on: Date, responses: Vec<DashResponse>) -> Result<DashChecklist> {
        if responses.len() != DASH_QUESTION_COUNT {
            return Err(DashError::WrongAnswerCount(responses.len()));
        }
        Ok(DashChecklist { completed_on, responses })
    }

    /// The day it was completed.
    pub fn completed_on(&self) -> Date {
        self.completed_on
    }

    /// The responses, in question order.
    pub fn responses(&self) -> &[DashResponse] {
        &self.responses
    }

    /// The number of yes answers.
    pub fn yes_count(&self) -> usize {
        self.responses.iter().filter(|r| r.answer == Answer::Yes).count()
    }
}

/// A practitioner's professional judgement about referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Refer, whatever the count, for this reason.
    Refer {
        /// Why (must be articulated: SCIE).
        reason: String,
    },
    /// Do not refer. Refused when any criterion is met: judgement never downgrades.
    DoNotRefer {
        /// Why.
        reason: String,
    },
}

/// The case facts beyond the checklist that the criteria need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaracContext {
    /// The day of the incident the checklist follows.
    pub incident_on: Date,
    /// Days of police-reported domestic abuse incidents between the same people (the current
    /// one included if police-reported).
    pub police_incidents: Vec<Date>,
    /// The day of the last MARAC referral of this victim, if any.
    pub last_referral_on: Option<Date>,
    /// The practitioner's judgement, if they gave one.
    pub judgement: Option<Judgement>,
}

/// A MARAC referral criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MaracCriterion {
    /// 14 or more yes answers.
    VisibleHighRisk,
    /// A practitioner's articulated judgement to refer.
    ProfessionalJudgement,
    /// 3 or more police-reported incidents in the 12 months ending with the checklist day.
    PotentialEscalation,
    /// An incident within 12 months beginning with the last referral (SafeLives' current
    /// definition: any instance of abuse between the same victim and perpetrator).
    Repeat,
}

/// What the criteria found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaracAssessment {
    /// The yes count.
    pub yes_count: usize,
    /// Police-reported incidents in the 12 months ending with the checklist day.
    pub police_incidents_in_window: usize,
    /// The criteria met, in the order of [`MaracCriterion`].
    pub criteria_met: Vec<MaracCriterion>,
    /// The referral, when any criterion is met.
    pub referral: Option<MaracReferral>,
}

impl MaracAssessment {
    /// Whether to refer to MARAC.
    pub fn refer(&self) -> bool {
        self.referral.is_some()
    }
}

/// One question as it appears on a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralAnswer {
    /// The question number, 1 to 24.
    pub number: u8,
    /// Its label.
    pub question: &'static str,
    /// The answer.
    pub answer: Answer,
    /// The comment.
    pub comment: String,
}

/// A MARAC referral built from the checklist and the case dates alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaracReferral {
    /// The day the checklist was completed.
    pub checklist_completed_on: Date,
    /// The day of the incident.
    pub incident_on: Date,
    /// The criteria met.
    pub criteria: Vec<MaracCriterion>,
    /// Whether this is a repeat referral (files to be flagged and tagged).
    pub repeat: bool,
    /// The last referral's day, for a repeat.
    pub previous_referral_on: Option<Date>,
    /// The yes count.
    pub yes_count: usize,
    /// Police-reported incidents in the 12 months ending with the checklist day.
    pub police_incidents_in_window: usize,
    /// The professional judgement's reason, when it is a criterion.
    pub judgement_reason: Option<String>,
    /// Every question with its answer and comment, yes answers first, then in question order.
    pub answers: Vec<ReferralAnswer>,
}

/// The last day an incident counts as a repeat of a referral made on `referral_on`: the end of
/// the 12 months beginning with the referral day. A referral on 10 March 2025 makes incidents
/// up to 9 March 2026 repeats; from 10 March 2026 a referral is new.
pub fn repeat_window_last_day(referral_on: Date) -> Date {
    last_day_of_period(referral_on, MARAC_WINDOW_MONTHS)
}

/// Applies the four referral criteria and, when any is met, builds the referral.
pub fn assess_marac(checklist: &DashChecklist, context: &MaracContext) -> Result<MaracAssessment> {
    if checklist.completed_on < context.incident_on
        || context.last_referral_on.is_some_and(|day| context.incident_on < day)
    {
        return Err(DashError::DatesOutOfOrder);
    }
    let yes_count = checklist.yes_count();
    let window_start = first_day_of_period_ending(checklist.completed_on, MARAC_WINDOW_MONTHS);
    let police_incidents_in_window = context
        .police_incidents
        .iter()
        .filter(|day| window_start <= **day && **day <= checklist.completed_on)
        .count();
    let mut criteria = Vec::new();
    if yes_count >= VISIBLE_HIGH_RISK_YES {
        criteria.push(MaracCriterion::VisibleHighRisk);
    }
    let mut judgement_reason = None;
    if let Some(Judgement::Refer { reason }) = &context.judgement {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DashError::JudgementReasonMissing);
        }
        criteria.push(MaracCriterion::ProfessionalJudgement);
        judgement_reason = Some(reason.to_string());
    }
    if police_incidents_in_window >= ESCALATION_INCIDENTS {
        criteria.push(MaracCriterion::PotentialEscalation);
    }
    let repeat = context
        .last_referral_on
        .is_some_and(|day| context.incident_on <= repeat_window_last_day(day));
    if repeat {
        criteria.push(MaracCriterion::Repeat);
    }
    if let Some(Judgement::DoNotRefer { reason }) = &context.judgement {
        if let Some(first) = criteria.first() {
            return Err(DashError::CannotLower(*first));
        }
        if reason.trim().is_empty() {
            return Err(DashError::JudgementReasonMissing);
        }
    }
    let referral = (!criteria.is_empty()).then(|| {
        let mut answers: Vec<ReferralAnswer> = checklist
            .responses
            .iter()
            .enumerate()
            .map(|(idx, response)| ReferralAnswer {
                number: idx as u8 + 1,
                question: DASH_QUESTIONS[idx],
                answer: response.answer,
                comment: response.comment.clone(),
            })
            .collect();
        answers.sort_by_key(|answer| (answer.answer != Answer::Yes, answer.number));
        MaracReferral {
            checklist_completed_on: checklist.completed_on,
            incident_on: context.incident_on,
            criteria: criteria.clone(),
            repeat,
            previous_referral_on: context.last_referral_on.filter(|_| repeat),
            yes_count,
            police_incidents_in_window,
            judgement_reason,
            answers,
        }
    });
    Ok(MaracAssessment { yes_count, police_incidents_in_window, criteria_met: criteria, referral })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn checklist(n_yes: usize, n_dont_know: usize) -> DashChecklist {
        let responses = (0..DASH_QUESTION_COUNT)
            .map(|idx| DashResponse {
                answer: if idx < n_yes {
                    Answer::Yes
                } else if idx < n_yes + n_dont_know {
                    Answer::DontKnow
                } else {
                    Answer::No
                },
                comment: format!("comment {}", idx + 1),
            })
            .collect();
        DashChecklist::new(date!(2026 - 03 - 15), responses).unwrap()
    }

    fn context() -> MaracContext {
        MaracContext {
            incident_on: date!(2026 - 03 - 14),
            police_incidents: vec![],
            last_referral_on: None,
            judgement: None,
        }
    }

    #[test]
    fn thirteen_yes_is_not_visible_high_risk_and_fourteen_is() {
        let a = assess_marac(&checklist(13, 5), &context()).unwrap();
        assert_eq!(a.yes_count, 13);
        assert!(a.criteria_met.is_empty());
        assert!(!a.refer());
        let a = assess_marac(&checklist(14, 0), &context()).unwrap();
        assert_eq!(a.criteria_met, vec![MaracCriterion::VisibleHighRisk]);
        assert!(a.refer());
    }

    #[test]
    fn judgement_raises_but_never_lowers() {
        let mut ctx = context();
        ctx.judgement =
            Some(Judgement::Refer { reason: "recent threat with a weapon".to_string() });
        let a = assess_marac(&checklist(6, 0), &ctx).unwrap();
        assert_eq!(a.criteria_met, vec![MaracCriterion::ProfessionalJudgement]);
        let referral = a.referral.unwrap();
        assert_eq!(referral.judgement_reason.as_deref(), Some("recent threat with a weapon"));
        ctx.judgement = Some(Judgement::Refer { reason: " ".to_string() });
        assert_eq!(assess_marac(&checklist(6, 0), &ctx), Err(DashError::JudgementReasonMissing));
        ctx.judgement = Some(Judgement::DoNotRefer { reason: "victim has moved away".to_string() });
        assert_eq!(
            assess_marac(&checklist(14, 0), &ctx),
            Err(DashError::CannotLower(MaracCriterion::VisibleHighRisk))
        );
        let a = assess_marac(&checklist(13, 0), &ctx).unwrap();
        assert!(!a.refer());
    }

    #[test]
    fn escalation_three_police_incidents_in_twelve_months() {
        // The checklist is on 15 March 2026: the window begins on 16 March 2025.
        let mut ctx = context();
        ctx.police_incidents =
            vec![date!(2025 - 03 - 16), date!(2025 - 09 - 01), date!(2026 - 03 - 14)];
        let a = assess_marac(&checklist(2, 0), &ctx).unwrap();
        assert_eq!(a.police_incidents_in_window, 3);
        assert_eq!(a.criteria_met, vec![MaracCriterion::PotentialEscalation]);
        ctx.police_incidents[0] = date!(2025 - 03 - 15);
        let a = assess_marac(&checklist(2, 0), &ctx).unwrap();
        assert_eq!(a.police_incidents_in_window, 2);
        assert!(!a.refer());
    }

    #[test]
    fn repeat_within_twelve_months_of_the_last_referral() {
        assert_eq!(repeat_window_last_day(date!(2025 - 03 - 10)), date!(2026 - 03 - 09));
        let repeat_on = |incident_on, completed_on| {
            let mut ctx = context();
            ctx.incident_on = incident_on;
            ctx.last_referral_on = Some(date!(2025 - 03 - 10));
            let mut c = checklist(3, 0);
            c.completed_on = completed_on;
            assess_marac(&c, &ctx).unwrap()
        };
        let a = repeat_on(date!(2026 - 03 - 09), date!(2026 - 03 - 10));
        assert_eq!(a.criteria_met, vec![MaracCriterion::Repeat]);
        let referral = a.referral.unwrap();
        assert!(referral.repeat);
        assert_eq!(referral.previous_referral_on, Some(date!(2025 - 03 - 10)));
        let a = repeat_on(date!(2026 - 03 - 10), date!(2026 - 03 - 10));
        assert!(a.criteria_met.is_empty());
        // A new referral (14+) after the window is not a repeat.
        let mut ctx = context();
        ctx.incident_on = date!(2026 - 03 - 10);
        ctx.last_referral_on = Some(date!(2025 - 03 - 10));
        let referral = assess_marac(&checklist(15, 0), &ctx).unwrap().referral.unwrap();
        assert!(!referral.repeat);
        assert_eq!(referral.previous_referral_on, None);
        // Month-end: a referral on 29 February 2024 covers incidents to 28 February 2025.
        assert_eq!(repeat_window_last_day(date!(2024 - 02 - 29)), date!(2025 - 02 - 28));
    }

    #[test]
    fn referral_is_built_from_the_checklist() {
        let mut responses: Vec<_> = (0..DASH_QUESTION_COUNT)
            .map(|idx| DashResponse { answer: Answer::No, comment: format!("c{}", idx + 1) })
            .collect();
        for idx in [0, 13, 14] {
            responses[idx].answer = Answer::Yes;
        }
        responses[4].answer = Answer::DontKnow;
        let c = DashChecklist::new(date!(2026 - 03 - 15), responses).unwrap();
        let mut ctx = context();
        ctx.judgement = Some(Judgement::Refer { reason: "strangulation".to_string() });
        let referral = assess_marac(&c, &ctx).unwrap().referral.unwrap();
        assert_eq!(referral.yes_count, 3);
        assert_eq!(referral.answers.len(), 24);
        let first: Vec<_> = referral.answers.iter().take(4).map(|a| (a.number, a.answer)).collect();
        assert_eq!(
            first,
            vec![(1, Answer::Yes), (14, Answer::Yes), (15, Answer::Yes), (2, Answer::No)]
        );
        assert_eq!(referral.answers[1].question, DASH_QUESTIONS[13]);
        assert_eq!(referral.answers[1].comment, "c14");
        assert_eq!(
            referral.answers.iter().find(|a| a.number == 5).unwrap().answer,
            Answer::DontKnow
        );
        assert_eq!(referral.checklist_completed_on, date!(2026 - 03 - 15));
        assert_eq!(referral.incident_on, date!(2026 - 03 - 14));
    }

    #[test]
    fn checklists_are_checked() {
        assert_eq!(
            DashChecklist::new(date!(2026 - 03 - 15), vec![]),
            Err(DashError::WrongAnswerCount(0))
        );
        let mut ctx = context();
        ctx.incident_on = date!(2026 - 03 - 16);
        assert_eq!(assess_marac(&checklist(1, 0), &ctx), Err(DashError::DatesOutOfOrder));
        let mut ctx = context();
        ctx.last_referral_on = Some(date!(2026 - 03 - 20));
        assert_eq!(assess_marac(&checklist(1, 0), &ctx), Err(DashError::DatesOutOfOrder));
    }
}
