//! Casework rules through the public API, as storage and web will call them: one case's
//! powers gathered into a due list, a Community Trigger application from complaints to the
//! published figures, and a DASH checklist to a MARAC referral.

use std::collections::BTreeMap;

use safer_domain::casework::dash::{
    assess_marac, Answer, DashChecklist, DashResponse, MaracContext, MaracCriterion,
    DASH_QUESTION_COUNT,
};
use safer_domain::casework::powers::{
    issue_cpn, AgeEvidence, ClosureIssuer, ClosureNotice, ConductKey, CpnDraft, FixedPenalty,
    PowersError, Pspo, Recipient, RecipientKey, Requirement, RequirementKind, RuleSet, Warning,
};
use safer_domain::casework::risk::{RepeatVictimRule, RiskLevel, RiskModel};
use safer_domain::casework::trigger::{
    annual_figures, assess, decide, Applicant, Application, CaseReviewRecord, ComplainantKey,
    Complaint, IncidentKey, ReviewOutcome, TriggerPolicy, VictimKind,
};
use safer_domain::casework::{Clock, ClockKind, Due};
use safer_domain::ids::AgencyId;
use time::macros::{date, datetime};

#[test]
fn a_noise_case_from_warning_to_penalty_builds_one_due_list() {
    let rules = RuleSet::default();
    let recipient = RecipientKey("party-17".to_string());
    let conduct = ConductKey("amplified-music".to_string());
    let warning = Warning::new(
        recipient.clone(),
        conduct.clone(),
        date!(2026 - 02 - 02),
        date!(2026 - 02 - 16),
    )
    .unwrap();
    let draft = |issue_on| CpnDraft {
        recipient: Recipient::Individual {
            key: recipient.clone(),
            age: AgeEvidence::Stated { age: 34, stated_on: date!(2026 - 01 - 20) },
        },
        conduct: conduct.clone(),
        issue_on,
        requirements: vec![Requirement {
            kind: RequirementKind::Stop,
            text: "no amplified music audible outside the flat between 23:00 and 07:00".to_string(),
            deadline: None,
        }],
    };
    let too_soon = issue_cpn(&rules, draft(date!(2026 - 02 - 10)), std::slice::from_ref(&warning));
    assert!(matches!(too_soon, Err(PowersError::TooSoon { .. })));
    let cpn =
        issue_cpn(&rules, draft(date!(2026 - 02 - 20)), std::slice::from_ref(&warning)).unwrap();
    let fpn =
        FixedPenalty::for_cpn(&rules, &cpn, date!(2026 - 03 - 07), date!(2026 - 03 - 09)).unwrap();

    let mut due: Vec<Clock> = warning.clocks();
    due.extend(cpn.clocks());
    due.extend(fpn.clocks());
    due.sort_by_key(|clock| clock.due.date());
    let listed: Vec<_> = due.iter().map(|c| (c.name.as_str(), c.due.date())).collect();
    assert_eq!(
        listed,
        vec![
            ("CPW: time given to stop ends", date!(2026 - 02 - 16)),
            ("CPW: a CPN may be issued", date!(2026 - 02 - 17)),
            ("CPN: appeal window closes", date!(2026 - 03 - 12)),
            ("FPN: early payment ends", date!(2026 - 03 - 19)),
            ("FPN: payment due", date!(2026 - 03 - 23)),
        ]
    );
}

#[test]
fn closure_and_pspo_clocks_share_the_due_list_shape() {
    let notice = ClosureNotice::new(
        ClosureIssuer::PoliceInspectorOrAbove,
        datetime!(2026 - 07 - 03 18:00 +01:00),
        24,
    )
    .unwrap();
    let pspo = Pspo::for_three_years(date!(2026 - 07 - 01));
    let mut due = notice.clocks();
    due.extend(pspo.clocks());
    assert_eq!(due[1].due, Due::Instant(datetime!(2026 - 07 - 05 18:00 +01:00)));
    assert_eq!(due[1].kind, ClockKind::Deadline);
    assert_eq!(due[2].due, Due::Date(date!(2026 - 08 - 11)));
    assert_eq!(due[3].due, Due::Date(date!(2029 - 06 - 30)));
}

#[test]
fn a_community_trigger_application_to_the_published_figures() {
    let complaint = |incident: &str, agency, behaviour_on, complained_on| Complaint {
        incident: IncidentKey(incident.to_string()),
        complainant: ComplainantKey("c-1".to_string()),
        agency: AgencyId(agency),
        behaviour_on,
        complained_on,
        hate_incident: false,
    };
    let application = Application {
        applied_on: date!(2026 - 06 - 30),
        applicant: Applicant::OnBehalf { consent_recorded_on: Some(date!(2026 - 06 - 28)) },
        victim: VictimKind::Individual,
        complaints: vec![
            complaint("inc-1", 1, date!(2026 - 01 - 31), date!(2026 - 02 - 28)),
            complaint("inc-1", 2, date!(2026 - 01 - 31), date!(2026 - 02 - 27)),
            complaint("inc-2", 1, date!(2026 - 03 - 10), date!(2026 - 04 - 09)),
            complaint("inc-3", 3, date!(2026 - 05 - 01), date!(2026 - 05 - 02)),
        ],
    };
    let assessment = assess(&TriggerPolicy::default(), &application).unwrap();
    assert_eq!(assessment.qualifying_incidents, 3);
    let decision = decide(&assessment, None).unwrap();
    assert!(decision.review_required());
    let records = vec![CaseReviewRecord {
        applied_on: application.applied_on,
        decision: Some(decision),
        outcome: Some(ReviewOutcome {
            concluded_on: date!(2026 - 07 - 28),
            recommendations: vec!["noise monitoring".to_string()],
        }),
    }];
    let figures = annual_figures(&records, date!(2026 - 04 - 01), date!(2027 - 03 - 31));
    assert_eq!(
        (
            figures.applications,
            figures.threshold_not_met,
            figures.reviews_carried_out,
            figures.reviews_with_recommendations
        ),
        (1, 0, 1, 1)
    );
}

#[test]
fn risk_assessment_and_repeat_flag() {
    let model = RiskModel::default();
    let yes = ["health", "unsafe_home", "daily", "worse", "targeted", "violence", "near", "carer"];
    let answers: BTreeMap<String, bool> =
        model.questions().iter().map(|q| (q.id.clone(), yes.contains(&q.id.as_str()))).collect();
    let assessment = model.assess(date!(2026 - 04 - 01), &answers).unwrap();
    assert_eq!(assessment.level, RiskLevel::High);
    assert_eq!(assessment.next_review, Some(date!(2026 - 04 - 15)));
    let incidents = [date!(2026 - 01 - 02), date!(2026 - 02 - 20), date!(2026 - 04 - 01)];
    assert!(RepeatVictimRule::default().is_repeat_victim(&incidents, date!(2026 - 04 - 01)));
}

#[test]
fn a_dash_checklist_becomes_a_marac_referral() {
    let responses = (0..DASH_QUESTION_COUNT)
        .map(|idx| DashResponse {
            answer: if idx % 3 == 2 { Answer::No } else { Answer::Yes },
            comment: String::new(),
        })
        .collect();
    let checklist = DashChecklist::new(date!(2026 - 05 - 02), responses).unwrap();
    assert_eq!(checklist.yes_count(), 16);
    let context = MaracContext {
        incident_on: date!(2026 - 05 - 01),
        police_incidents: vec![date!(2025 - 11 - 01), date!(2026 - 02 - 01), date!(2026 - 05 - 01)],
        last_referral_on: Some(date!(2025 - 06 - 01)),
        judgement: None,
    };
    let assessment = assess_marac(&checklist, &context).unwrap();
    assert_eq!(
        assessment.criteria_met,
        vec![
            MaracCriterion::VisibleHighRisk,
            MaracCriterion::PotentialEscalation,
            MaracCriterion::Repeat
        ]
    );
    let referral = assessment.referral.unwrap();
    assert!(referral.repeat);
    assert_eq!(referral.yes_count, 16);
    assert_eq!(referral.answers.iter().filter(|a| a.answer == Answer::Yes).count(), 16);
}
