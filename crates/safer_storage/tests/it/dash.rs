use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, PanelKind, SubjectKind};
use safer_domain::casework::dash::{Answer, DashResponse, Judgement, MaracCriterion};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, SubjectId};
use safer_domain::{AgencyKind, Role};
use safer_storage::{
    AuditAction, AuditQuery, NewAgency, NewCase, NewDash, NewIncident, NewSubject, Panel, Store,
    StoreError, User,
};
use safer_test_utils::fixtures::add_user;
use safer_test_utils::TestDb;

struct World {
    smp: PartnershipId,
    /// An IDVA at the council, who opens the cases and completes the checklists.
    idva: Viewer,
    /// The police's MARAC chair.
    chair: Viewer,
    /// Another council practitioner, not on the case team.
    colleague: Viewer,
    /// A housing practitioner with nothing shared.
    housing: Viewer,
    /// The council (an agency of kind other).
    council: AgencyId,
    /// Kent Police (an agency of kind police).
    police: AgencyId,
    marac: Panel,
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

async fn world(store: &Store) -> World {
    let smp =
        store.upsert_partnership("smp", "Safer Maidstone Partnership", None, 0).await.unwrap().id();
    let police = store
        .create_agency(
            &NewAgency { code: "kent-police", name: "Kent Police", kind: AgencyKind::Police },
            0,
        )
        .await
        .unwrap();
    let idva = add_user(store, smp, "idva", "mbc", Role::Practitioner).await;
    let chair = add_user(store, smp, "marac-chair", "kent-police", Role::PanelChair).await;
    let colleague = add_user(store, smp, "colleague", "mbc", Role::Practitioner).await;
    let housing = add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    let marac = store
        .create_panel(smp, PanelKind::Marac, "Maidstone MARAC", police.id, 28, 0)
        .await
        .unwrap();
    World {
        smp,
        council: AgencyId(idva.agency_id),
        idva: viewer(&idva, Role::Practitioner),
        chair: viewer(&chair, Role::PanelChair),
        colleague: viewer(&colleague, Role::Practitioner),
        housing: viewer(&housing, Role::Practitioner),
        police: police.id,
        marac,
    }
}

/// A domestic abuse case with its victim linked.
async fn da_case(store: &Store, w: &World, name: &str) -> (CaseId, SubjectId) {
    let new = NewCase {
        partnership: w.smp,
        case_type: CaseType::DomesticAbuse,
        summary: "Domestic abuse",
        opened_on: "2025-01-02",
    };
    let (case, _) = store.open_case(&w.idva, &new, 10).await.unwrap();
    let subject = NewSubject {
        kind: SubjectKind::Person,
        name,
        born_on: Some("1990-05-04"),
        address: None,
        postcode: None,
    };
    let victim = store
        .add_new_subject(&w.idva, case, &subject, LinkRole::Victim, Consent::Given, None, 11)
        .await
        .unwrap();
    (case, victim)
}

/// 24 responses, the first `n_yes` yes, the next two don't know, the rest no.
fn responses(n_yes: usize) -> Vec<DashResponse> {
    (0..24)
        .map(|idx| DashResponse {
            answer: if idx < n_yes {
                Answer::Yes
            } else if idx < n_yes + 2 {
                Answer::DontKnow
            } else {
                Answer::No
            },
            comment: format!("comment {}", idx + 1),
        })
        .collect()
}

fn dash<'a>(
    victim: SubjectId,
    completed_on: &'a str,
    incident_on: &'a str,
    n_yes: usize,
) -> NewDash<'a> {
    NewDash { victim, completed_on, incident_on, responses: responses(n_yes), judgement: None }
}

#[tokio::test]
async fn fourteen_yes_refers_to_marac_and_reaches_the_next_agenda_thirteen_does_not() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (case, victim) = da_case(store, &w, "Alex Example").await;

        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-15", "2026-03-14", 13), 20)
            .await
            .unwrap();
        assert_eq!(outcome.assessment.yes_count, 13, "{label}");
        assert!(outcome.assessment.criteria_met.is_empty(), "{label}");
        assert_eq!(outcome.referral, None, "{label}");
        // No referral: the police chair still cannot see the restricted case.
        assert!(store.case_detail(&w.chair, case, 21).await.is_err(), "{label}");

        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-16", "2026-03-14", 14), 22)
            .await
            .unwrap();
        assert_eq!(
            outcome.assessment.criteria_met,
            vec![MaracCriterion::VisibleHighRisk],
            "{label}"
        );
        let referral = outcome.referral.expect("a referral");
        let stored = store.dash_checklist(&w.idva, case, outcome.checklist, 23).await.unwrap();
        assert_eq!(stored.yes_count, 14, "{label}");
        assert_eq!(stored.referral, Some(referral), "{label}");
        assert_eq!(stored.responses, responses(14), "{label}");
        assert_eq!(stored.criteria, vec![MaracCriterion::VisibleHighRisk], "{label}");
        assert_eq!(
            store.dash_checklists(&w.idva, case, 23).await.unwrap().len(),
            2,
            "{label}: both checklists are kept"
        );

        // The referral is the ordinary panel referral: shared with the police, chair on team.
        let document = store.marac_referral(&w.chair, case, referral, 24).await.unwrap();
        assert_eq!(document.reason, "visible-high-risk", "{label}");
        assert_eq!(document.referred_on, "2026-03-16", "{label}");
        assert!(!document.repeat, "{label}");
        assert_eq!(document.document.yes_count, 14, "{label}");
        assert_eq!(document.document.answers.len(), 24, "{label}");
        let order: Vec<(u8, Answer)> =
            document.document.answers.iter().take(16).map(|a| (a.number, a.answer)).collect();
        assert_eq!(order[13], (14, Answer::Yes), "{label}: yes answers first");
        assert_eq!(order[14], (15, Answer::DontKnow), "{label}");
        assert_eq!(document.document.answers[0].comment, "comment 1", "{label}");
        assert!(store.case_detail(&w.chair, case, 25).await.is_ok(), "{label}");

        // The next MARAC agenda lists it, with the document readable by the chair.
        assert_eq!(store.panel_waiting_referrals(w.marac.id).await.unwrap(), 1, "{label}");
        let meeting = store.plan_meeting(&w.chair, w.marac.id, "2026-03-24", 26).await.unwrap();
        let agenda = store.meeting(&w.chair, meeting, 27).await.unwrap();
        assert_eq!(agenda.items.len(), 1, "{label}");
        assert_eq!(agenda.items[0].case, case, "{label}");
        assert_eq!(
            agenda.items[0].referral_reason.as_deref(),
            Some("visible-high-risk"),
            "{label}"
        );
        assert!(
            agenda.items[0].referral_detail.as_deref().unwrap_or_default().contains("14 of 24 yes"),
            "{label}: {:?}",
            agenda.items[0].referral_detail
        );
        let documents = store.meeting_referrals(&w.chair, meeting, 28).await.unwrap();
        assert_eq!(documents.len(), 1, "{label}");
        assert_eq!(documents[0].0, agenda.items[0].id, "{label}");
        assert_eq!(documents[0].1.id, referral, "{label}");
        assert!(
            store.meeting_referrals(&w.housing, meeting, 28).await.unwrap().is_empty(),
            "{label}"
        );
        assert_eq!(store.panel_waiting_referrals(w.marac.id).await.unwrap(), 0, "{label}");

        // Audit: the checklist's creation and reads, the share and the referral.
        let entries = store
            .audit_entries(&AuditQuery { limit: 1000, ..AuditQuery::default() })
            .await
            .unwrap();
        let has = |action: AuditAction, kind: &str, id: String| {
            entries.iter().any(|e| e.action == action && e.object_kind == kind && e.object_id == id)
        };
        assert!(has(AuditAction::Create, "dash", outcome.checklist.to_string()), "{label}");
        assert!(has(AuditAction::Read, "dash", outcome.checklist.to_string()), "{label}");
        assert!(has(AuditAction::Create, "referral", referral.to_string()), "{label}");
        assert!(has(AuditAction::Share, "case", case.0.to_string()), "{label}");
        assert!(has(AuditAction::Read, "referral", referral.to_string()), "{label}");
    }
}

#[tokio::test]
async fn judgement_raises_to_a_referral_but_never_lowers_one() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (case, victim) = da_case(store, &w, "Sam Example").await;

        let mut raised = dash(victim, "2026-03-15", "2026-03-14", 5);
        raised.judgement = Some(Judgement::Refer { reason: "threats with a knife".to_string() });
        let outcome = store.record_dash(&w.idva, case, &raised, 20).await.unwrap();
        assert_eq!(
            outcome.assessment.criteria_met,
            vec![MaracCriterion::ProfessionalJudgement],
            "{label}"
        );
        let referral =
            store.marac_referral(&w.idva, case, outcome.referral.unwrap(), 21).await.unwrap();
        assert_eq!(referral.reason, "professional-judgement", "{label}");
        assert_eq!(
            referral.document.judgement_reason.as_deref(),
            Some("threats with a knife"),
            "{label}"
        );

        let before = store.dash_checklists(&w.idva, case, 22).await.unwrap().len();
        let mut lowered = dash(victim, "2026-03-15", "2026-03-14", 14);
        lowered.judgement = Some(Judgement::DoNotRefer { reason: "victim has moved".to_string() });
        let refused = store.record_dash(&w.idva, case, &lowered, 23).await;
        assert!(
            matches!(&refused, Err(StoreError::Rule(message)) if message.contains("cannot lower")),
            "{label}: {refused:?}"
        );
        let mut unexplained = dash(victim, "2026-03-15", "2026-03-14", 2);
        unexplained.judgement = Some(Judgement::Refer { reason: "  ".to_string() });
        let refused = store.record_dash(&w.idva, case, &unexplained, 24).await;
        assert!(matches!(refused, Err(StoreError::Rule(_))), "{label}: {refused:?}");
        assert_eq!(
            store.dash_checklists(&w.idva, case, 25).await.unwrap().len(),
            before,
            "{label}: refused checklists are not stored"
        );

        // "Do not refer" below every criterion is recorded with its reason.
        let mut kept = dash(victim, "2026-03-15", "2026-03-14", 3);
        kept.judgement = Some(Judgement::DoNotRefer { reason: "support in place".to_string() });
        let outcome = store.record_dash(&w.idva, case, &kept, 26).await.unwrap();
        assert_eq!(outcome.referral, None, "{label}");
        let stored = store.dash_checklist(&w.idva, case, outcome.checklist, 27).await.unwrap();
        assert_eq!(
            stored.judgement,
            Some(Judgement::DoNotRefer { reason: "support in place".to_string() }),
            "{label}"
        );
    }
}

#[tokio::test]
async fn three_police_reported_incidents_in_twelve_months_are_escalation() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (case, victim) = da_case(store, &w, "Jo Example").await;
        let incident = |occurred_on, reported_to, key| NewIncident {
            occurred_on,
            reported_on: occurred_on,
            reported_to,
            category: "domestic-abuse",
            location: None,
            incident_key: Some(key),
            description: "Incident",
        };
        // The checklist is on 15 March 2026, so the window begins on 16 March 2025. Outside it,
        // reported to the council, or the same incident reported twice: not counted.
        for (day, agency, key) in [
            ("2025-03-15", w.police, "a"),
            ("2025-03-16", w.police, "b"),
            ("2025-09-01", w.council, "c"),
            ("2025-10-01", w.police, "d"),
            ("2025-10-02", w.police, "d"),
        ] {
            store.add_incident(&w.idva, case, &incident(day, agency, key), 12).await.unwrap();
        }
        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-15", "2026-03-14", 2), 20)
            .await
            .unwrap();
        assert_eq!(outcome.assessment.police_incidents_in_window, 2, "{label}");
        assert_eq!(outcome.referral, None, "{label}");
        let stored = store.dash_checklist(&w.idva, case, outcome.checklist, 21).await.unwrap();
        assert_eq!(
            stored.police_incidents,
            vec!["2025-03-15", "2025-03-16", "2025-10-01"],
            "{label}: the days handed to the criterion"
        );

        store
            .add_incident(&w.idva, case, &incident("2026-03-14", w.police, "e"), 22)
            .await
            .unwrap();
        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-15", "2026-03-14", 2), 23)
            .await
            .unwrap();
        assert_eq!(outcome.assessment.police_incidents_in_window, 3, "{label}");
        assert_eq!(
            outcome.assessment.criteria_met,
            vec![MaracCriterion::PotentialEscalation],
            "{label}"
        );
        let referral =
            store.marac_referral(&w.idva, case, outcome.referral.unwrap(), 24).await.unwrap();
        assert_eq!(referral.reason, "escalation", "{label}");
    }
}

#[tokio::test]
async fn the_repeat_window_is_twelve_months_beginning_with_the_last_referral() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        // Each side of the boundary on its own victim, first referred on 10 March 2025.
        let first = |victim| dash(victim, "2025-03-10", "2025-03-09", 15);

        let (case, inside) = da_case(store, &w, "Inside Window").await;
        store.record_dash(&w.idva, case, &first(inside), 20).await.unwrap().referral.unwrap();
        let outcome = store
            .record_dash(&w.idva, case, &dash(inside, "2026-03-10", "2026-03-09", 3), 21)
            .await
            .unwrap();
        assert_eq!(outcome.assessment.criteria_met, vec![MaracCriterion::Repeat], "{label}");
        let referral =
            store.marac_referral(&w.idva, case, outcome.referral.unwrap(), 22).await.unwrap();
        assert!(referral.repeat, "{label}");
        assert_eq!(referral.reason, "repeat", "{label}");
        assert_eq!(
            referral.document.previous_referral_on.map(|d| d.to_string()),
            Some("2025-03-10".to_string()),
            "{label}"
        );

        // The anniversary is outside the window: with 3 yes nothing, with 15 a new referral.
        let (case, victim) = da_case(store, &w, "On Anniversary").await;
        store.record_dash(&w.idva, case, &first(victim), 23).await.unwrap();
        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-10", "2026-03-10", 3), 24)
            .await
            .unwrap();
        assert!(outcome.assessment.criteria_met.is_empty(), "{label}");
        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-10", "2026-03-10", 15), 25)
            .await
            .unwrap();
        let referral =
            store.marac_referral(&w.idva, case, outcome.referral.unwrap(), 26).await.unwrap();
        assert!(!referral.repeat, "{label}");
        assert_eq!(referral.document.previous_referral_on, None, "{label}");

        // The victim's last referral counts on another case too: the victim, not the case.
        let (other_case, _) = da_case(store, &w, "Another Case").await;
        store
            .link_subject(&w.idva, other_case, inside, LinkRole::Victim, Consent::Given, None, 27)
            .await
            .unwrap();
        let outcome = store
            .record_dash(&w.idva, other_case, &dash(inside, "2026-01-02", "2026-01-01", 3), 28)
            .await
            .unwrap();
        assert_eq!(outcome.assessment.criteria_met, vec![MaracCriterion::Repeat], "{label}");
    }
}

#[tokio::test]
async fn only_those_who_may_write_to_the_case_record_or_read_checklists() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let (case, victim) = da_case(store, &w, "Kim Example").await;
        let outcome = store
            .record_dash(&w.idva, case, &dash(victim, "2026-03-15", "2026-03-14", 15), 20)
            .await
            .unwrap();
        let referral = outcome.referral.unwrap();
        for (who, outsider) in [("housing", &w.housing), ("colleague", &w.colleague)] {
            let refused = store
                .record_dash(outsider, case, &dash(victim, "2026-03-15", "2026-03-14", 15), 21)
                .await;
            assert!(matches!(refused, Err(StoreError::NotFound)), "{label}: {who}: {refused:?}");
            let refused = store.dash_checklist(outsider, case, outcome.checklist, 22).await;
            assert!(matches!(refused, Err(StoreError::NotFound)), "{label}: {who}: {refused:?}");
            let refused = store.marac_referral(outsider, case, referral, 22).await;
            assert!(matches!(refused, Err(StoreError::NotFound)), "{label}: {who}: {refused:?}");
            assert!(
                matches!(
                    store.dash_checklists(outsider, case, 22).await,
                    Err(StoreError::NotFound)
                ),
                "{label}: {who}"
            );
        }
        let entries = store
            .audit_entries(&AuditQuery {
                object: Some(("case", &case.0.to_string())),
                limit: 1000,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        let refusals: Vec<_> = entries
            .iter()
            .filter(|e| e.action == AuditAction::Refused)
            .map(|e| e.actor_user_id)
            .collect();
        assert!(refusals.contains(&Some(w.housing.user)), "{label}");
        assert!(refusals.contains(&Some(w.colleague.user)), "{label}");

        // Not a domestic abuse case, or a subject not linked as the victim: refused by rule.
        let asb = NewCase {
            partnership: w.smp,
            case_type: CaseType::Asb,
            summary: "Noise",
            opened_on: "2026-01-01",
        };
        let (asb, _) = store.open_case(&w.idva, &asb, 23).await.unwrap();
        let refused =
            store.record_dash(&w.idva, asb, &dash(victim, "2026-03-15", "2026-03-14", 1), 24).await;
        assert!(matches!(refused, Err(StoreError::Rule(_))), "{label}: {refused:?}");
        let (other, _) = da_case(store, &w, "Someone Else").await;
        let refused = store
            .record_dash(&w.idva, other, &dash(victim, "2026-03-15", "2026-03-14", 1), 25)
            .await;
        assert!(matches!(refused, Err(StoreError::Rule(_))), "{label}: {refused:?}");
        let refused = store
            .record_dash(&w.idva, case, &dash(victim, "2026-02-30", "2026-03-14", 1), 26)
            .await;
        assert!(matches!(refused, Err(StoreError::Rule(_))), "{label}: {refused:?}");
    }
}
