use std::collections::BTreeMap;

use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::casework::risk::RiskModel;
use safer_domain::document::check_upload;
use safer_domain::ids::{AgencyId, PartnershipId};
use safer_domain::Role;
use safer_storage::{
    AuditQuery, LocationAssessment, NewCase, NewSubject, ProblemSolving, Store, StoreError, User,
};
use safer_test_utils::fixtures::add_user;
use safer_test_utils::TestDb;
use time::macros::date;

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

async fn two_agencies(store: &Store) -> (PartnershipId, Viewer, Viewer) {
    let smp = store.upsert_partnership("smp", "SMP", None, 0).await.unwrap().id();
    let council = add_user(store, smp, "cso", "mbc", Role::Coordinator).await;
    let housing = add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    (smp, viewer(&council, Role::Coordinator), viewer(&housing, Role::Practitioner))
}

fn new_case(smp: PartnershipId, case_type: CaseType) -> NewCase<'static> {
    NewCase { partnership: smp, case_type, summary: "A case", opened_on: "2026-10-01" }
}

#[tokio::test]
async fn documents_are_kept_whole_and_given_back_only_to_readers() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let (smp, council, housing) = two_agencies(store).await;
        let (case, _) = store.open_case(&council, &new_case(smp, CaseType::Asb), 1).await.unwrap();
        let diary = b"Mon 2 Nov: music until 2am\nTue 3 Nov: shouting\n";
        let kind = check_upload("diary.txt", diary, 1024).unwrap();
        let id = store.add_document(&council, case, "diary.txt", kind, diary, 2).await.unwrap();
        let listed = store.case_documents(&council, case, 3).await.unwrap();
        assert_eq!(listed.len(), 1, "{label}");
        assert_eq!(listed[0].media_type, "text/plain; charset=utf-8", "{label}");
        // `printf 'Mon 2 Nov: music until 2am\nTue 3 Nov: shouting\n' | sha256sum`
        assert_eq!(
            listed[0].sha256, "c9b62414ea768e7152feb273a2772b7889682818335797ca9777fa5e94f4dbee",
            "{label}"
        );
        let (info, content) = store.document(&council, id, 4).await.unwrap();
        assert_eq!(content, diary, "{label}");
        assert_eq!(info.size_bytes, diary.len() as i64, "{label}");
        assert!(
            matches!(store.document(&housing, id, 5).await, Err(StoreError::NotFound)),
            "{label}"
        );
        assert!(
            matches!(store.case_documents(&housing, case, 5).await, Err(StoreError::NotFound)),
            "{label}"
        );
        let document_id = id.to_string();
        let entries = store
            .audit_entries(&AuditQuery {
                object: Some(("document", &document_id)),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, vec!["create", "export"], "{label}");
    }
}

#[tokio::test]
async fn a_risk_assessment_sets_the_next_review() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let (smp, council, housing) = two_agencies(store).await;
        let (case, _) = store.open_case(&council, &new_case(smp, CaseType::Asb), 1).await.unwrap();
        let victim = NewSubject {
            kind: SubjectKind::Person,
            name: "A Person",
            born_on: None,
            address: None,
            postcode: None,
        };
        let subject = store
            .add_new_subject(&council, case, &victim, LinkRole::Victim, Consent::Given, None, 2)
            .await
            .unwrap();
        let model = RiskModel::default();
        let yes = ["health", "unsafe_home", "daily", "worse", "violence", "targeted"];
        let answers: BTreeMap<String, bool> = model
            .questions()
            .iter()
            .map(|q| (q.id.clone(), yes.contains(&q.id.as_str())))
            .collect();
        let assessment = model.assess(date!(2026 - 11 - 02), &answers).unwrap();
        store.record_risk_assessment(&council, case, Some(subject), &assessment, 3).await.unwrap();
        let stored = store.risk_assessments(&council, case, 4).await.unwrap();
        assert_eq!(stored.len(), 1, "{label}");
        assert_eq!(stored[0].score, i64::from(assessment.score), "{label}");
        assert_eq!(
            stored[0].next_review_on,
            assessment.next_review.map(|d| d.to_string()),
            "{label}"
        );
        assert!(stored[0].next_review_on.is_some(), "{label}: a scored assessment sets a review");
        let refused = store.record_risk_assessment(&housing, case, None, &assessment, 5).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{label}");
    }
}

#[tokio::test]
async fn location_assessments_and_problem_solving_round_trip() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let (smp, council, housing) = two_agencies(store).await;
        let (case, _) =
            store.open_case(&council, &new_case(smp, CaseType::Contextual), 1).await.unwrap();
        let location = LocationAssessment {
            id: 0,
            assessed_on: "2026-11-01".to_string(),
            young_people: "Groups of 13-15 year olds gather after school".to_string(),
            guardianship: "No staff on site after 6pm".to_string(),
            environment: "Poor lighting at the rear car park".to_string(),
            weighting: "environment".to_string(),
            goals: "Reduce unsupervised gathering".to_string(),
            responses: "Lighting, detached youth work".to_string(),
        };
        store.record_location_assessment(&council, case, &location, 2).await.unwrap();
        let held = store.location_assessments(&council, case, 3).await.unwrap();
        assert_eq!(held.len(), 1, "{label}");
        assert_eq!(held[0].guardianship, location.guardianship, "{label}");
        assert!(store.location_assessments(&housing, case, 3).await.is_err(), "{label}");
        let record = ProblemSolving {
            id: 0,
            objective: "Fewer ASB reports at the retail park".to_string(),
            scanning: "Reports rose in summer".to_string(),
            analysis: "Evenings, weekends".to_string(),
            response: "Lighting and outreach".to_string(),
            area: "lsoa:E01024431".to_string(),
            crime_types_json: "[\"Anti-social behaviour\"]".to_string(),
            before_period: "2025-01..2025-06".to_string(),
            after_period: "2025-07..2025-12".to_string(),
            assessment: None,
        };
        let id = store.record_problem_solving(&council, case, &record, 4).await.unwrap();
        store
            .conclude_problem_solving(&council, id, "Reports fell; keep lighting.", 5)
            .await
            .unwrap();
        let held = store.problem_solving(&council, case, 6).await.unwrap();
        assert_eq!(held[0].assessment.as_deref(), Some("Reports fell; keep lighting."), "{label}");
        assert!(store.conclude_problem_solving(&housing, id, "x", 7).await.is_err(), "{label}");
        assert!(store.verify_audit().await.unwrap().is_intact(), "{label}");
    }
}
