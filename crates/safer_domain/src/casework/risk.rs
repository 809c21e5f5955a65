//! The ASB victim risk assessment (DOMAIN.md §2.4): a configurable scored question set, risk
//! levels with their review cadence, and the repeat-victim flag.
//!
//! There is no single national scored instrument. The Home Office's *Focus on the Victim*
//! (April 2012) asks partners to assess risk early and to flag repeat and high-risk callers
//! from first contact; its annexes hold sample question sets. [`RiskModel::default`] follows
//! that shape with **question wording of our own**, grouped by the three vulnerability types of
//! Innes & Innes (HMIC, 2013). Two numbers come from real local practice: a score of **22 or
//! more** triggers a referral to a victim and witness support officer (Middlesbrough on Flare),
//! and the review cadence per level follows a force flowchart (medium: sergeant 28 days,
//! inspector 56; high: sergeant 14, inspector 28, chief inspector 56). The individual scores
//! and the medium band (12–21) are ours: partnerships should set their own.

use std::collections::BTreeMap;

use time::{Date, Duration};

use super::{first_day_of_period_ending, Clock, ClockKind};

/// The error returned for a malformed question set or answer sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    /// A question set with no questions, or two with the same id.
    #[error("a risk question set needs at least one question and unique question ids")]
    BadQuestions,
    /// Thresholds out of order or beyond the maximum score.
    #[error("risk thresholds must satisfy 0 < medium < high <= the maximum score ({max_score})")]
    BadThresholds {
        /// The highest possible score.
        max_score: u32,
    },
    /// An answer to a question the set does not have.
    #[error("there is no risk question `{0}`")]
    UnknownQuestion(String),
    /// A question left unanswered.
    #[error("answer every risk question; `{0}` has no answer")]
    Unanswered(String),
    /// A repeat-victim rule of zero incidents or zero months.
    #[error("a repeat-victim rule needs at least 1 incident and 1 month")]
    BadRepeatRule,
}

/// The result type of this module.
pub type Result<T, E = RiskError> = std::result::Result<T, E>;

/// The three vulnerability types (Innes & Innes for HMIC, 2013).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vulnerability {
    /// Who the victim is: health, age, support.
    Personal,
    /// Their circumstances: where they live, who the perpetrator is.
    Situational,
    /// What is happening: frequency, escalation, targeting.
    Incidental,
}

/// One question, scored when answered yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskQuestion {
    /// A stable id (`health`, `targeted`).
    pub id: String,
    /// The question as asked.
    pub label: String,
    /// Its vulnerability type.
    pub vulnerability: Vulnerability,
    /// Points added for a yes.
    pub score: u32,
}

/// A risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskLevel {
    /// Below the medium threshold.
    Standard,
    /// From the medium threshold.
    Medium,
    /// From the high threshold.
    High,
}

/// A review due a number of days after the assessment, by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledReview {
    /// Who reviews (a role: "sergeant", "team leader").
    pub by: String,
    /// Days after the assessment day.
    pub after_days: u32,
}

/// A configurable scored question set with its thresholds and review cadence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskModel {
    questions: Vec<RiskQuestion>,
    medium_from: u32,
    high_from: u32,
    referral_from: Option<u32>,
    reviews: BTreeMap<RiskLevel, Vec<ScheduledReview>>,
}

/// The score from which the default model refers to victim support (Middlesbrough on Flare).
pub const DEFAULT_REFERRAL_SCORE: u32 = 22;

impl RiskModel {
    /// A model: questions with unique ids, `0 < medium_from < high_from <= maximum score`, an
    /// optional referral score, and the reviews per level.
    pub fn new(
        questions: Vec<RiskQuestion>,
        medium_from: u32,
        high_from: u32,
        referral_from: Option<u32>,
        reviews: BTreeMap<RiskLevel, Vec<ScheduledReview>>,
    ) -> Result<RiskModel> {
        let mut ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if questions.is_empty() || ids.len() != questions.len() {
            return Err(RiskError::BadQuestions);
        }
        let max_score: u32 = questions.iter().map(|q| q.score).sum();
        if medium_from == 0 || medium_from >= high_from || high_from > max_score {
            return Err(RiskError::BadThresholds { max_score });
        }
        Ok(RiskModel { questions, medium_from, high_from, referral_from, reviews })
    }

    /// The questions, in order.
    pub fn questions(&self) -> &[RiskQuestion] {
        &self.questions
    }

    /// The highest possible score.
    pub fn max_score(&self) -> u32 {
        self.questions.iter().map(|q| q.score).sum()
    }

    /// The level for a score.
    pub fn level(&self, score: u32) -> RiskLevel {
        if score >= self.high_from {
            RiskLevel::High
        } else if score >= self.medium_from {
            RiskLevel::Medium
        } else {
            RiskLevel::Standard
        }
    }

    /// The reviews due after an assessment at `level` on `assessed_on`, soonest first.
    pub fn reviews(&self, level: RiskLevel, assessed_on: Date) -> Vec<Clock> {
        let mut clocks: Vec<Clock> = self
            .reviews
            .get(&level)
            .into_iter()
            .flatten()
            .map(|review| {
                Clock::on(
                    format!("ASB risk review by {}", review.by),
                    assessed_on + Duration::days(i64::from(review.after_days)),
                    ClockKind::Review,
                )
            })
            .collect();
        clocks.sort_by_key(|clock| clock.due.date());
        clocks
    }

    /// Scores a full set of yes/no answers given on `assessed_on`.
    pub fn assess(
        &self,
        assessed_on: Date,
        answers: &BTreeMap<String, bool>,
    ) -> Result<RiskAssessment> {
        if let Some(unknown) =
            answers.keys().find(|id| !self.questions.iter().any(|q| &q.id == *id))
        {
            return Err(RiskError::UnknownQuestion(unknown.clone()));
        }
        let mut score = 0;
        let mut yes = Vec::new();
        for question in &self.questions {
            match answers.get(&question.id) {
                None => return Err(RiskError::Unanswered(question.id.clone())),
                Some(true) => {
                    score += question.score;
                    yes.push(question.id.clone());
                }
                Some(false) => {}
            }
        }
        let level = self.level(score);
        let reviews = self.reviews(level, assessed_on);
        Ok(RiskAssessment {
            assessed_on,
            score,
            level,
            refer_to_victim_support: self.referral_from.is_some_and(|from| score >= from),
            next_review: reviews.first().map(|clock| clock.due.date()),
            reviews,
            yes,
        })
    }
}

impl Default for RiskModel {
    fn default() -> Self {
        use Vulnerability::{Incidental, Personal, Situational};
        let q = |id: &str, label: &str, vulnerability, score| RiskQuestion {
            id: id.to_string(),
            label: label.to_string(),
            vulnerability,
            score,
        };
        let questions = vec![
            q(
                "health",
                "Do you have a disability, long-term illness or mental-health condition?",
                Personal,
                3,
            ),
            q("age", "Are you under 18 or 65 or over?", Personal, 2),
            q("alone", "Do you live alone or lack people you can turn to?", Personal, 2),
            q(
                "wellbeing",
                "Is the behaviour affecting your physical or mental health?",
                Personal,
                3,
            ),
            q("unsafe_home", "Do you feel unsafe in your home?", Personal, 3),
            q("moving", "Have you thought about moving because of it?", Personal, 2),
            q("going_out", "Are you afraid to go out?", Personal, 2),
            q("near", "Does the person responsible live near you or know you?", Situational, 2),
            q(
                "household",
                "Are others in your household, including children, affected?",
                Situational,
                2,
            ),
            q("carer", "Do you care for someone else?", Situational, 1),
            q("property", "Has your home or property been damaged?", Situational, 2),
            q("daily", "Is it happening every day or almost every day?", Incidental, 3),
            q("long_running", "Has it been going on for more than three months?", Incidental, 2),
            q("worse", "Is it getting worse?", Incidental, 3),
            q(
                "targeted",
                "Do you feel targeted, for example because of who you are?",
                Incidental,
                3,
            ),
            q("violence", "Has there been violence or a threat of violence?", Incidental, 4),
            q(
                "reported_before",
                "Have you reported it before without it getting better?",
                Incidental,
                2,
            ),
        ];
        let review = |by: &str, after_days| ScheduledReview { by: by.to_string(), after_days };
        let reviews = BTreeMap::from([
            (RiskLevel::Standard, vec![]),
            (RiskLevel::Medium, vec![review("sergeant", 28), review("inspector", 56)]),
            (
                RiskLevel::High,
                vec![
                    review("sergeant", 14),
                    review("inspector", 28),
                    review("chief inspector", 56),
                ],
            ),
        ]);
        RiskModel::new(questions, 12, DEFAULT_REFERRAL_SCORE, Some(DEFAULT_REFERRAL_SCORE), reviews)
            .expect("the default risk model is valid")
    }
}

/// A scored assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskAssessment {
    /// The day it was made.
    pub assessed_on: Date,
    /// The total score.
    pub score: u32,
    /// The level.
    pub level: RiskLevel,
    /// Whether the score reaches the referral score.
    pub refer_to_victim_support: bool,
    /// The ids of the questions answered yes.
    pub yes: Vec<String>,
    /// The scheduled reviews, soonest first.
    pub reviews: Vec<Clock>,
    /// The soonest review day, if any are scheduled.
    pub next_review: Option<Date>,
}

/// The repeat-victim rule: at least `incidents` similar incidents within the period of
/// `months` calendar months ending with the day of the latest (DOMAIN.md §2.4: "3 similar
/// occurrences in 3 months", a police training card).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatVictimRule {
    incidents: u32,
    months: u32,
}

impl Default for RepeatVictimRule {
    fn default() -> Self {
        RepeatVictimRule { incidents: 3, months: 3 }
    }
}

impl RepeatVictimRule {
    /// A rule of `incidents` within `months` (both at least 1).
    pub fn new(incidents: u32, months: u32) -> Result<RepeatVictimRule> {
        if incidents == 0 || months == 0 {
            return Err(RiskError::BadRepeatRule);
        }
        Ok(RepeatVictimRule { incidents, months })
    }

    /// How many similar incidents make a repeat victim.
    pub fn incidents(&self) -> u32 {
        self.incidents
    }

    /// Within how many calendar months.
    pub fn months(&self) -> u32 {
        self.months
    }

    /// Whether, on `on`, the victim is a repeat victim: at least the rule's number of the
    /// given incident days (the caller passes only *similar* incidents) fall within the period
    /// of the rule's months ending with `on`. Three months ending with 31 May begin on 1 March.
    pub fn is_repeat_victim(&self, similar_incidents: &[Date], on: Date) -> bool {
        let first_day = first_day_of_period_ending(on, self.months);
        let n_in_window =
            similar_incidents.iter().filter(|day| first_day <= **day && **day <= on).count();
        n_in_window >= self.incidents as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::casework::Due;
    use time::macros::date;

    fn answers(model: &RiskModel, yes: &[&str]) -> BTreeMap<String, bool> {
        model.questions().iter().map(|q| (q.id.clone(), yes.contains(&q.id.as_str()))).collect()
    }

    #[test]
    fn default_model_levels_and_referral() {
        let model = RiskModel::default();
        assert_eq!(model.max_score(), 41);
        let on = date!(2026 - 03 - 02);
        // 3 + 3 + 3 + 2 = 11: standard, nothing scheduled.
        let a =
            model.assess(on, &answers(&model, &["health", "wellbeing", "daily", "near"])).unwrap();
        assert_eq!((a.score, a.level, a.next_review), (11, RiskLevel::Standard, None));
        // 12: medium, sergeant review 28 days later.
        let a = model
            .assess(on, &answers(&model, &["health", "wellbeing", "daily", "near", "carer"]))
            .unwrap();
        assert_eq!((a.score, a.level), (12, RiskLevel::Medium));
        assert_eq!(a.next_review, Some(date!(2026 - 03 - 30)));
        assert_eq!(a.reviews[1].due, Due::Date(date!(2026 - 04 - 27)));
        assert!(!a.refer_to_victim_support);
        // 21 medium, 22 high with referral.
        let base = ["health", "wellbeing", "daily", "worse", "targeted", "violence"];
        let a =
            model.assess(on, &answers(&model, &[&base[..], &["carer", "near"]].concat())).unwrap();
        assert_eq!((a.score, a.level, a.refer_to_victim_support), (22, RiskLevel::High, true));
        let a = model.assess(on, &answers(&model, &[&base[..], &["near"]].concat())).unwrap();
        assert_eq!((a.score, a.level, a.refer_to_victim_support), (21, RiskLevel::Medium, false));
        // High: sergeant 14, inspector 28, chief inspector 56 days.
        let reviews = model.reviews(RiskLevel::High, on);
        let days: Vec<_> = reviews.iter().map(|c| c.due.date()).collect();
        assert_eq!(days, vec![date!(2026 - 03 - 16), date!(2026 - 03 - 30), date!(2026 - 04 - 27)]);
        assert_eq!(reviews[2].name, "ASB risk review by chief inspector");
    }

    #[test]
    fn answers_are_checked() {
        let model = RiskModel::default();
        let on = date!(2026 - 03 - 02);
        let mut a = answers(&model, &[]);
        a.remove("age");
        assert_eq!(model.assess(on, &a), Err(RiskError::Unanswered("age".to_string())));
        let mut a = answers(&model, &[]);
        a.insert("shoe_size".to_string(), true);
        assert_eq!(model.assess(on, &a), Err(RiskError::UnknownQuestion("shoe_size".to_string())));
    }

    #[test]
    fn models_are_checked() {
        let q = |id: &str| RiskQuestion {
            id: id.to_string(),
            label: id.to_string(),
            vulnerability: Vulnerability::Personal,
            score: 5,
        };
        let none = BTreeMap::new;
        assert_eq!(RiskModel::new(vec![], 1, 2, None, none()), Err(RiskError::BadQuestions));
        assert_eq!(
            RiskModel::new(vec![q("a"), q("a")], 1, 2, None, none()),
            Err(RiskError::BadQuestions)
        );
        assert_eq!(
            RiskModel::new(vec![q("a"), q("b")], 5, 5, None, none()),
            Err(RiskError::BadThresholds { max_score: 10 })
        );
        assert_eq!(
            RiskModel::new(vec![q("a"), q("b")], 5, 11, None, none()),
            Err(RiskError::BadThresholds { max_score: 10 })
        );
        let model = RiskModel::new(vec![q("a"), q("b")], 5, 10, None, none()).unwrap();
        assert_eq!(model.level(4), RiskLevel::Standard);
        assert_eq!(model.level(5), RiskLevel::Medium);
        assert_eq!(model.level(10), RiskLevel::High);
        assert!(model.reviews(RiskLevel::High, date!(2026 - 01 - 01)).is_empty());
    }

    #[test]
    fn repeat_victim_three_in_three_months() {
        let rule = RepeatVictimRule::default();
        // Three months ending with 31 May begin on 1 March.
        let on = date!(2026 - 05 - 31);
        assert!(rule.is_repeat_victim(&[date!(2026 - 03 - 01), date!(2026 - 04 - 15), on], on));
        assert!(!rule.is_repeat_victim(&[date!(2026 - 02 - 28), date!(2026 - 04 - 15), on], on));
        // Incidents after the day asked about do not count.
        assert!(!rule.is_repeat_victim(
            &[date!(2026 - 04 - 01), date!(2026 - 04 - 15), date!(2026 - 06 - 01)],
            on
        ));
        // Ending with 15 June: from 16 March.
        let on = date!(2026 - 06 - 15);
        assert!(rule.is_repeat_victim(&[date!(2026 - 03 - 16), date!(2026 - 05 - 01), on], on));
        assert!(!rule.is_repeat_victim(&[date!(2026 - 03 - 15), date!(2026 - 05 - 01), on], on));
        // Configurable: 2 in 1 month.
        let rule = RepeatVictimRule::new(2, 1).unwrap();
        assert!(rule.is_repeat_victim(&[date!(2026 - 05 - 16), on], on));
        assert!(!rule.is_repeat_victim(&[date!(2026 - 05 - 15), on], on));
        assert_eq!(RepeatVictimRule::new(0, 3), Err(RiskError::BadRepeatRule));
    }
}
