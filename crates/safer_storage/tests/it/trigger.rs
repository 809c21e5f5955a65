use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::casework::trigger::{
    AutomaticBasis, ComplaintStatus, Discretion, DiscretionGround, ReportingYear,
    ThresholdDecision, VictimKind,
};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId};
use safer_domain::Role;
use safer_storage::{
    AuditAction, AuditQuery, NewCase, NewIncident, NewSubject, NewTriggerApplication,
    NewTriggerReview, OnBehalf, RelevantBody, Store, StoreError, TriggerCase, TriggerDecisionInput,
    TriggerSettings, TriggerStatus, User,
};
use safer_test_utils::fixtures::add_user;
use safer_test_utils::TestDb;
use time::macros::date;

struct World {
    smp: PartnershipId,
    /// The council's ASB coordinator, who receives applications.
    coordinator: Viewer,
    /// A council practitioner, who owns recommendations.
    practitioner: Viewer,
    /// The police, to whom some incidents were reported.
    police: AgencyId,
    /// A housing provider's coordinator, with nothing shared.
    housing: Viewer,
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

async fn world(store: &Store) -> World {
    let smp =
        store.upsert_partnership("smp", "Safer Maidstone Partnership", None, 0).await.unwrap().id();
    let coordinator = add_user(store, smp, "asb-lead", "mbc", Role::Coordinator).await;
    let practitioner = add_user(store, smp, "asb-officer", "mbc", Role::Practitioner).await;
    let pc = add_user(store, smp, "pc", "kent-police", Role::Practitioner).await;
    let housing = add_user(store, smp, "housing", "golding-homes", Role::Coordinator).await;
    World {
        smp,
        coordinator: viewer(&coordinator, Role::Coordinator),
        practitioner: viewer(&practitioner, Role::Practitioner),
        police: AgencyId(pc.agency_id),
        housing: viewer(&housing, Role::Coordinator),
    }
}

/// An ASB case with a victim, opened by the coordinator.
async fn asb_case(
    store: &Store,
    w: &World,
    victim: Option<safer_domain::ids::SubjectId>,
) -> (CaseId, String, safer_domain::ids::SubjectId) {
    let new = NewCase {
        partnership: w.smp,
        case_type: CaseType::Asb,
        summary: "Noise and intimidation, Tonbridge Road",
        opened_on: "2026-02-20",
    };
    let (case, reference) = store.open_case(&w.coordinator, &new, 1).await.unwrap();
    let subject = match victim {
        Some(subject) => {
            store
                .link_subject(
                    &w.coordinator,
                    case,
                    subject,
                    LinkRole::Victim,
                    Consent::Given,
                    Some("2026-02-20"),
                    2,
                )
                .await
                .unwrap();
            subject
        }
        None => {
            let person = NewSubject {
                kind: SubjectKind::Person,
                name: "Alex Example",
                born_on: None,
                address: None,
                postcode: None,
            };
            store
                .add_new_subject(
                    &w.coordinator,
                    case,
                    &person,
                    LinkRole::Victim,
                    Consent::Given,
                    Some("2026-02-20"),
                    2,
                )
                .await
                .unwrap()
        }
    };
    (case, reference, subject)
}

async fn incident(
    store: &Store,
    w: &World,
    case: CaseId,
    occurred_on: &str,
    reported_on: &str,
    to: AgencyId,
    key: &str,
) {
    let new = NewIncident {
        occurred_on,
        reported_on,
        reported_to: to,
        category: "noise",
        location: None,
        incident_key: Some(key),
        description: "Loud music and shouting late at night",
    };
    store.add_incident(&w.coordinator, case, &new, 3).await.unwrap();
}

fn victim_application<'a>(
    w: &World,
    reference: &'a str,
    received_on: &'a str,
) -> NewTriggerApplication<'a> {
    NewTriggerApplication {
        partnership: w.smp,
        case: TriggerCase::Existing(reference),
        applicant_name: "Alex Example",
        on_behalf: None,
        victim: VictimKind::Individual,
        received_on,
    }
}

fn decided_on(day: &str) -> TriggerDecisionInput<'_> {
    TriggerDecisionInput { decided_on: day, discretion: None, escalation_route: "" }
}

#[tokio::test]
async fn late_complaints_do_not_qualify_and_one_incident_counts_once() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (case, reference, _) = asb_case(store, &w, None).await;
        // One incident reported to the council and to the police.
        incident(store, &w, case, "2026-03-01", "2026-03-02", w.coordinator.agency, "k1").await;
        incident(store, &w, case, "2026-03-01", "2026-03-03", w.police, "k1").await;
        // Reported 32 days after the behaviour: the month beginning 10 March ended 9 April.
        incident(store, &w, case, "2026-03-10", "2026-04-11", w.coordinator.agency, "k2").await;
        incident(store, &w, case, "2026-04-01", "2026-04-02", w.police, "k3").await;

        let (id, ct) = store
            .apply_for_case_review(
                &w.coordinator,
                &victim_application(&w, &reference, "2026-05-01"),
                10,
            )
            .await
            .unwrap();
        assert_eq!(ct, format!("CT-{id:06}"), "{label}");
        let assessment = store.assess_threshold(&w.coordinator, id, 11).await.unwrap();
        let statuses: Vec<ComplaintStatus> =
            assessment.complaints.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            vec![
                ComplaintStatus::Qualifying,
                ComplaintStatus::SameIncident { counted_as: 0 },
                ComplaintStatus::LateComplaint { last_day: date!(2026 - 04 - 09) },
                ComplaintStatus::Qualifying,
            ],
            "{label}"
        );
        assert_eq!(assessment.complaints[1].reported_to, w.police, "{label}");
        assert_eq!(assessment.assessment.qualifying_incidents, 2, "{label}");
        assert_eq!(assessment.assessment.automatic, None, "{label}");

        // Below the threshold the decision needs a discretion with a reason, and an
        // acceptance needs its grounds; the refusals change nothing.
        let refused = store
            .decide_threshold(&w.coordinator, id, &decided_on("2026-05-10"), |_| String::new(), 12)
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Rule(m)) if m.contains("reason")),
            "{label}: {refused:?}"
        );
        let no_grounds = TriggerDecisionInput {
            discretion: Some(Discretion {
                review: true,
                grounds: vec![],
                reason: "vulnerable victim".into(),
            }),
            ..decided_on("2026-05-10")
        };
        let refused =
            store.decide_threshold(&w.coordinator, id, &no_grounds, |_| String::new(), 12).await;
        assert!(
            matches!(&refused, Err(StoreError::Rule(m)) if m.contains("ground")),
            "{label}: {refused:?}"
        );
        assert_eq!(
            store.trigger_application(&w.coordinator, id, 13).await.unwrap().status,
            TriggerStatus::Received
        );

        let accept = TriggerDecisionInput {
            discretion: Some(Discretion {
                review: true,
                grounds: vec![DiscretionGround::Harm],
                reason: "The victim's health is suffering".into(),
            }),
            ..decided_on("2026-05-10")
        };
        let decision = store
            .decide_threshold(
                &w.coordinator,
                id,
                &accept,
                |facts| format!("{} qualifying", facts.assessment.assessment.qualifying_incidents),
                14,
            )
            .await
            .unwrap();
        assert!(matches!(decision, ThresholdDecision::MetAtDiscretion { .. }), "{label}");
        let stored = store.trigger_application(&w.coordinator, id, 15).await.unwrap();
        assert_eq!(stored.status, TriggerStatus::AcceptedOnDiscretion, "{label}");
        assert_eq!(stored.decision_letter.as_deref(), Some("2 qualifying"), "{label}");
        assert_eq!(stored.decision.unwrap().decision, decision, "{label}");
        // Decided once only.
        let again =
            store.decide_threshold(&w.coordinator, id, &accept, |_| String::new(), 16).await;
        assert!(matches!(again, Err(StoreError::Rule(_))), "{label}");
    }
}

#[tokio::test]
async fn three_qualifying_complaints_meet_the_threshold_and_recommendations_become_tasks() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (case, reference, victim) = asb_case(store, &w, None).await;
        incident(store, &w, case, "2026-03-01", "2026-03-02", w.coordinator.agency, "a").await;
        incident(store, &w, case, "2026-03-20", "2026-03-21", w.police, "b").await;
        // The victim's other case (an earlier report elsewhere) counts too.
        let (other, _, _) = asb_case(store, &w, Some(victim)).await;
        incident(store, &w, other, "2026-04-05", "2026-04-05", w.police, "c").await;

        let (id, _) = store
            .apply_for_case_review(
                &w.coordinator,
                &victim_application(&w, &reference, "2026-05-01"),
                10,
            )
            .await
            .unwrap();
        let assessment = store.assess_threshold(&w.coordinator, id, 11).await.unwrap();
        assert_eq!(assessment.assessment.qualifying_incidents, 3, "{label}");
        assert_eq!(assessment.complaints[2].case, other, "{label}");
        assert_eq!(
            assessment.assessment.automatic,
            Some(AutomaticBasis::QualifyingComplaints { count: 3 }),
            "{label}"
        );
        // Met automatically: discretion cannot refuse it.
        let refuse = TriggerDecisionInput {
            discretion: Some(Discretion {
                review: false,
                grounds: vec![],
                reason: "resolved".into(),
            }),
            ..decided_on("2026-05-05")
        };
        let refused =
            store.decide_threshold(&w.coordinator, id, &refuse, |_| String::new(), 12).await;
        assert!(matches!(refused, Err(StoreError::Rule(_))), "{label}: {refused:?}");
        let decision = store
            .decide_threshold(
                &w.coordinator,
                id,
                &decided_on("2026-05-05"),
                |facts| format!("Dear {}", facts.applicant_name),
                13,
            )
            .await
            .unwrap();
        assert_eq!(
            decision,
            ThresholdDecision::Met(AutomaticBasis::QualifyingComplaints { count: 3 }),
            "{label}"
        );

        // No recommendation before the review; the review needs a body.
        let early = store
            .add_recommendation(
                &w.coordinator,
                id,
                "Joint visit",
                w.practitioner.user,
                "2026-06-30",
                14,
            )
            .await;
        assert!(matches!(early, Err(StoreError::Rule(_))), "{label}");
        let nobody = NewTriggerReview { held_on: "2026-05-20", bodies: &[], findings: "x" };
        assert!(
            matches!(
                store.record_review(&w.coordinator, id, &nobody, 15).await,
                Err(StoreError::Rule(_))
            ),
            "{label}"
        );
        let review = NewTriggerReview {
            held_on: "2026-05-20",
            bodies: &[RelevantBody::Police, RelevantBody::Council, RelevantBody::Housing],
            findings: "Reports were handled separately by each agency.",
        };
        store.record_review(&w.coordinator, id, &review, 16).await.unwrap();
        let task = store
            .add_recommendation(
                &w.coordinator,
                id,
                "Agree one lead officer and a joint action plan",
                w.practitioner.user,
                "2026-06-30",
                17,
            )
            .await
            .unwrap();
        // An owner who cannot see the case is refused.
        let stranger = store
            .add_recommendation(&w.coordinator, id, "Visit", w.housing.user, "2026-06-30", 18)
            .await;
        assert!(matches!(stranger, Err(StoreError::Forbidden(_))), "{label}");
        // The recommendation is a task on the case, on the owner's task list.
        let detail = store.case_detail(&w.coordinator, case, 19).await.unwrap();
        assert!(
            detail.tasks.iter().any(|t| t.id == task && t.owner == w.practitioner.user),
            "{label}"
        );
        let mine = store.my_tasks(&w.practitioner, 20).await.unwrap();
        assert_eq!(mine.iter().map(|t| t.id).collect::<Vec<_>>(), vec![task], "{label}");

        let letter = store
            .send_outcome(
                &w.coordinator,
                id,
                "2026-05-25",
                |app| {
                    format!(
                        "{} recommendations; bodies {:?}",
                        app.recommendations.len(),
                        app.review.as_ref().unwrap().bodies
                    )
                },
                21,
            )
            .await
            .unwrap();
        assert_eq!(letter, "1 recommendations; bodies [Council, Police, Housing]", "{label}");
        let stored = store.trigger_application(&w.coordinator, id, 22).await.unwrap();
        assert_eq!(stored.status, TriggerStatus::OutcomeSent, "{label}");
        assert_eq!(stored.outcome_letter.as_deref(), Some(letter.as_str()), "{label}");
        assert_eq!(stored.outcome_sent_on.as_deref(), Some("2026-05-25"), "{label}");
        assert_eq!(stored.recommendations.len(), 1, "{label}");
        assert_eq!(stored.decision_letter.as_deref(), Some("Dear Alex Example"), "{label}");
        let late = store
            .add_recommendation(&w.coordinator, id, "More", w.practitioner.user, "2026-06-30", 23)
            .await;
        assert!(matches!(late, Err(StoreError::Rule(_))), "{label}");

        // Audited: created, read, decided, reviewed, the task, the letter; ids only.
        let object = id.to_string();
        let entries = store
            .audit_entries(&AuditQuery {
                object: Some(("trigger-application", &object)),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        let actions: Vec<AuditAction> = entries.iter().map(|e| e.action).collect();
        for expected in
            [AuditAction::Create, AuditAction::Read, AuditAction::Update, AuditAction::Export]
        {
            assert!(actions.contains(&expected), "{label}: {expected} missing from {actions:?}");
        }
        for entry in
            store.audit_entries(&AuditQuery { limit: 1000, ..AuditQuery::default() }).await.unwrap()
        {
            assert!(
                !entry.detail.unwrap_or_default().contains("Alex"),
                "{label}: a name in the audit log"
            );
        }
        // The other case's incidents were read for the review, and that read is on record.
        let other_id = other.0.to_string();
        let reads = store
            .audit_entries(&AuditQuery {
                object: Some(("case", &other_id)),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert!(
            reads.iter().any(|e| e.detail.as_deref()
                == Some(&format!("incidents read for case review {id}")[..])),
            "{label}"
        );
        assert!(store.verify_audit().await.unwrap().is_intact(), "{label}");
    }
}

#[tokio::test]
async fn on_behalf_without_consent_is_refused() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (_, reference, _) = asb_case(store, &w, None).await;
        let mut application = victim_application(&w, &reference, "2026-05-01");
        application.applicant_name = "Cllr Sam Example";
        application.on_behalf =
            Some(OnBehalf { relationship: "ward councillor", consent_recorded_on: None });
        let refused = store.apply_for_case_review(&w.coordinator, &application, 10).await;
        assert!(
            matches!(&refused, Err(StoreError::Rule(m)) if m.contains("consent")),
            "{label}: {refused:?}"
        );
        // Consent recorded after the application is no consent either.
        application.on_behalf = Some(OnBehalf {
            relationship: "ward councillor",
            consent_recorded_on: Some("2026-05-02"),
        });
        assert!(
            matches!(
                store.apply_for_case_review(&w.coordinator, &application, 10).await,
                Err(StoreError::Rule(_))
            ),
            "{label}"
        );
        assert!(
            store.trigger_applications(&w.coordinator, w.smp, 11).await.unwrap().is_empty(),
            "{label}"
        );
        application.on_behalf = Some(OnBehalf {
            relationship: "ward councillor",
            consent_recorded_on: Some("2026-04-28"),
        });
        let (id, _) = store.apply_for_case_review(&w.coordinator, &application, 12).await.unwrap();
        let stored = store.trigger_application(&w.coordinator, id, 13).await.unwrap();
        assert!(stored.on_behalf, "{label}");
        assert_eq!(stored.consent_recorded_on.as_deref(), Some("2026-04-28"), "{label}");
        assert_eq!(stored.applicant_relationship.as_deref(), Some("ward councillor"), "{label}");
    }
}

#[tokio::test]
async fn a_new_case_is_opened_for_the_receiving_agency_and_others_get_not_found() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let application = NewTriggerApplication {
            case: TriggerCase::New { summary: "Persistent ASB reported by a resident" },
            ..victim_application(&w, "", "2026-05-01")
        };
        let (id, _) = store.apply_for_case_review(&w.coordinator, &application, 10).await.unwrap();
        let stored = store.trigger_application(&w.coordinator, id, 11).await.unwrap();
        assert!(stored.case_reference.starts_with("ASB-"), "{label}");
        let case = store.case_detail(&w.coordinator, stored.case, 12).await.unwrap();
        assert_eq!(case.case.owner, w.coordinator.agency, "{label}");

        // Another agency's coordinator: not found everywhere, and each refusal audited.
        assert!(
            matches!(
                store.trigger_application(&w.housing, id, 13).await,
                Err(StoreError::NotFound)
            ),
            "{label}"
        );
        assert!(
            matches!(store.assess_threshold(&w.housing, id, 13).await, Err(StoreError::NotFound)),
            "{label}"
        );
        assert!(
            matches!(
                store
                    .decide_threshold(
                        &w.housing,
                        id,
                        &decided_on("2026-05-02"),
                        |_| String::new(),
                        13
                    )
                    .await,
                Err(StoreError::NotFound)
            ),
            "{label}"
        );
        assert!(
            store.trigger_applications(&w.housing, w.smp, 14).await.unwrap().is_empty(),
            "{label}"
        );
        // The case's own practitioner works the case but not the case review.
        assert!(
            matches!(
                store.trigger_application(&w.practitioner, id, 15).await,
                Err(StoreError::NotFound)
            ),
            "{label}"
        );
        // Nor can another agency attach an application to the case by its reference.
        let by_reference = victim_application(&w, &stored.case_reference, "2026-05-01");
        assert!(
            matches!(
                store.apply_for_case_review(&w.housing, &by_reference, 16).await,
                Err(StoreError::NotFound)
            ),
            "{label}"
        );
        let object = id.to_string();
        let refusals = store
            .audit_entries(&AuditQuery {
                object: Some(("trigger-application", &object)),
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == AuditAction::Refused)
            .count();
        assert_eq!(refusals, 4, "{label}");

        // Shared with the housing provider, its coordinator may see it.
        store
            .share_case(
                &w.coordinator,
                stored.case,
                w.housing.agency,
                "case review",
                safer_domain::case::LegalBasis::PublicTask,
                17,
            )
            .await
            .unwrap();
        assert_eq!(store.trigger_application(&w.housing, id, 18).await.unwrap().id, id, "{label}");
        assert_eq!(
            store.trigger_applications(&w.housing, w.smp, 18).await.unwrap().len(),
            1,
            "{label}"
        );
    }
}

#[tokio::test]
async fn annual_figures_and_local_procedures() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        // A threshold of 2 under the local procedures; 4 is refused.
        let four = TriggerSettings { threshold: 4, ..TriggerSettings::default() };
        assert!(
            matches!(
                store.set_trigger_settings(&w.coordinator, w.smp, &four, 1).await,
                Err(StoreError::Rule(_))
            ),
            "{label}"
        );
        let two = TriggerSettings { threshold: 2, ..TriggerSettings::default() };
        store.set_trigger_settings(&w.coordinator, w.smp, &two, 1).await.unwrap();
        assert_eq!(store.trigger_settings(w.smp).await.unwrap(), two, "{label}");

        let (case, reference, _) = asb_case(store, &w, None).await;
        incident(store, &w, case, "2026-11-01", "2026-11-02", w.police, "x").await;
        incident(store, &w, case, "2026-11-20", "2026-11-21", w.police, "y").await;
        // Applied in December 2026, reviewed in January 2027 with a recommendation.
        let (met, _) = store
            .apply_for_case_review(
                &w.coordinator,
                &victim_application(&w, &reference, "2026-12-01"),
                2,
            )
            .await
            .unwrap();
        store
            .decide_threshold(&w.coordinator, met, &decided_on("2026-12-05"), |_| String::new(), 3)
            .await
            .unwrap();
        let review = NewTriggerReview {
            held_on: "2027-01-10",
            bodies: &[RelevantBody::Council],
            findings: "Handled well.",
        };
        store.record_review(&w.coordinator, met, &review, 4).await.unwrap();
        store
            .add_recommendation(
                &w.coordinator,
                met,
                "Review in three months",
                w.practitioner.user,
                "2027-04-10",
                5,
            )
            .await
            .unwrap();
        // Applied in 2026, not met (one complaint is not enough, even for a threshold of 2).
        let (lone, lone_ref, _) = asb_case(store, &w, None).await;
        incident(store, &w, lone, "2026-06-01", "2026-06-01", w.police, "z").await;
        let (not_met, _) = store
            .apply_for_case_review(
                &w.coordinator,
                &victim_application(&w, &lone_ref, "2026-06-20"),
                6,
            )
            .await
            .unwrap();
        let refuse = TriggerDecisionInput {
            discretion: Some(Discretion {
                review: false,
                grounds: vec![],
                reason: "One report only".into(),
            }),
            ..decided_on("2026-06-25")
        };
        store
            .decide_threshold(&w.coordinator, not_met, &refuse, |_| String::new(), 7)
            .await
            .unwrap();
        // Applied in 2026, undecided.
        store
            .apply_for_case_review(
                &w.coordinator,
                &victim_application(&w, &lone_ref, "2026-07-01"),
                8,
            )
            .await
            .unwrap();

        let y2026 =
            store.trigger_annual_figures(w.smp, ReportingYear::calendar(2026)).await.unwrap();
        assert_eq!(
            (
                y2026.applications,
                y2026.threshold_not_met,
                y2026.reviews_carried_out,
                y2026.reviews_with_recommendations
            ),
            (3, 1, 0, 0),
            "{label}"
        );
        let y2027 =
            store.trigger_annual_figures(w.smp, ReportingYear::calendar(2027)).await.unwrap();
        assert_eq!(
            (
                y2027.applications,
                y2027.threshold_not_met,
                y2027.reviews_carried_out,
                y2027.reviews_with_recommendations
            ),
            (0, 0, 1, 1),
            "{label}"
        );
        // By the financial year instead, April 2026 to March 2027 holds all of it: the three
        // applications and the January review. The choice is kept with the procedures.
        let financial = TriggerSettings { year_starts_in: time::Month::April, ..two };
        store.set_trigger_settings(&w.coordinator, w.smp, &financial, 1).await.unwrap();
        let starts = store.trigger_settings(w.smp).await.unwrap().year_starts_in;
        assert_eq!(starts, time::Month::April, "{label}");
        let year = ReportingYear::containing(date!(2027 - 03 - 31), starts);
        let f = store.trigger_annual_figures(w.smp, year).await.unwrap();
        assert_eq!(
            (
                f.applications,
                f.threshold_not_met,
                f.reviews_carried_out,
                f.reviews_with_recommendations
            ),
            (3, 1, 1, 1),
            "{label}: {}",
            year.label()
        );
        let f = store.trigger_annual_figures(w.smp, year.previous()).await.unwrap();
        assert_eq!((f.applications, f.reviews_carried_out), (0, 0), "{label}");
        // Another partnership's figures are its own.
        let other = store.upsert_partnership("other", "Other CSP", None, 0).await.unwrap().id();
        assert_eq!(
            store
                .trigger_annual_figures(other, ReportingYear::calendar(2026))
                .await
                .unwrap()
                .applications,
            0,
            "{label}"
        );
        // Listed newest first.
        let listed: Vec<i64> = store
            .trigger_applications(&w.coordinator, w.smp, 9)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(listed.first(), Some(&met), "{label}");
        assert_eq!(listed.len(), 3, "{label}");
    }
}
