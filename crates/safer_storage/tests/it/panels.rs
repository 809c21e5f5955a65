use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, LegalBasis, PanelKind};
use safer_domain::ids::{AgencyId, PartnershipId};
use safer_domain::Role;
use safer_storage::{NewCase, Store, StoreError, User};
use safer_test_utils::fixtures::add_user;
use safer_test_utils::TestDb;

struct World {
    smp: PartnershipId,
    /// A council practitioner who opens the cases.
    worker: Viewer,
    /// The police's MARAC chair.
    chair: Viewer,
    /// A police officer, not a chair.
    officer: Viewer,
    /// A housing practitioner with nothing shared.
    housing: Viewer,
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

async fn world(store: &Store) -> World {
    let smp =
        store.upsert_partnership("smp", "Safer Maidstone Partnership", None, 0).await.unwrap().id();
    let worker = add_user(store, smp, "idva", "mbc", Role::Practitioner).await;
    let chair = add_user(store, smp, "marac-chair", "kent-police", Role::PanelChair).await;
    let officer = add_user(store, smp, "pc", "kent-police", Role::Practitioner).await;
    let housing = add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    World {
        smp,
        worker: viewer(&worker, Role::Practitioner),
        chair: viewer(&chair, Role::PanelChair),
        officer: viewer(&officer, Role::Practitioner),
        housing: viewer(&housing, Role::Practitioner),
    }
}

#[tokio::test]
async fn a_referral_reaches_the_agenda_and_the_chair_sees_the_restricted_case() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let marac = store
            .create_panel(w.smp, PanelKind::Marac, "Maidstone MARAC", w.chair.agency, 28, 0)
            .await
            .unwrap();
        let new = NewCase {
            partnership: w.smp,
            case_type: CaseType::DomesticAbuse,
            summary: "High-risk domestic abuse",
            opened_on: "2026-11-02",
        };
        let (case, reference) = store.open_case(&w.worker, &new, 10).await.unwrap();
        // Before the referral the police chair cannot see the case.
        assert!(store.case_detail(&w.chair, case, 11).await.is_err(), "{label}");
        let referral = store
            .refer_to_panel(
                &w.worker,
                case,
                marac.id,
                "2026-11-03",
                "visible-high-risk",
                Some("15 yes answers"),
                LegalBasis::Safeguarding,
                12,
            )
            .await
            .unwrap();
        assert!(referral > 0, "{label}");
        // Shared with the host and the chair is on the team; an ordinary officer of the host
        // agency is not, because the case is restricted.
        assert!(store.case_detail(&w.chair, case, 13).await.is_ok(), "{label}");
        assert!(store.case_detail(&w.officer, case, 13).await.is_err(), "{label}");

        // Only the panel's runners plan meetings.
        let refused = store.plan_meeting(&w.officer, marac.id, "2026-11-10", 14).await;
        assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{label}: {refused:?}");
        let meeting = store.plan_meeting(&w.chair, marac.id, "2026-11-10", 14).await.unwrap();
        let agenda = store.meeting(&w.chair, meeting, 15).await.unwrap();
        assert_eq!(agenda.items.len(), 1, "{label}");
        let item = &agenda.items[0];
        assert_eq!(
            (item.reference.as_str(), item.reason.as_str()),
            (reference.as_str(), "new-referral"),
            "{label}"
        );
        assert_eq!(item.referral_detail.as_deref(), Some("15 yes answers"), "{label}");
        assert!(item.readable, "{label}");
        // Housing sees nothing of the meeting at all.
        assert!(
            matches!(store.meeting(&w.housing, meeting, 16).await, Err(StoreError::NotFound)),
            "{label}"
        );

        // Minutes, an action for the worker, attendance; the referral is heard and the case
        // comes back for review when due, not before.
        store.record_attendance(&w.chair, meeting, w.worker.agency, "IDVA", true).await.unwrap();
        store
            .record_minutes(&w.chair, item.id, "Safety plan agreed.", Some("2026-12-01"), 17)
            .await
            .unwrap();
        let task = store
            .add_meeting_action(
                &w.chair,
                item.id,
                "Arrange target hardening",
                w.worker.user,
                "2026-11-17",
                18,
            )
            .await
            .unwrap();
        let open = store.panel_open_actions(&w.worker, marac.id, 19).await.unwrap();
        assert_eq!(open.iter().map(|t| t.id).collect::<Vec<_>>(), vec![task], "{label}");
        assert!(
            store.panel_open_actions(&w.housing, marac.id, 19).await.unwrap().is_empty(),
            "{label}"
        );
        store.close_meeting(&w.chair, meeting).await.unwrap();

        let early = store.plan_meeting(&w.chair, marac.id, "2026-11-24", 20).await.unwrap();
        assert!(
            store.meeting(&w.chair, early, 21).await.unwrap().items.is_empty(),
            "{label}: review not due yet"
        );
        let due = store.plan_meeting(&w.chair, marac.id, "2026-12-08", 22).await.unwrap();
        let agenda = store.meeting(&w.chair, due, 23).await.unwrap();
        assert_eq!(agenda.items.len(), 1, "{label}");
        assert_eq!(agenda.items[0].reason, "review-due", "{label}");
        assert_eq!(agenda.attendance.len(), 0, "{label}: attendance belongs to its meeting");
        let first = store.meeting(&w.worker, meeting, 24).await.unwrap();
        assert_eq!(
            first.attendance,
            vec![("mbc".to_string(), "IDVA".to_string(), true)],
            "{label}"
        );
        assert_eq!(first.items[0].actions.len(), 1, "{label}");
        assert!(store.verify_audit().await.unwrap().is_intact(), "{label}");
    }
}

#[tokio::test]
async fn only_the_owner_refers_and_a_shared_partner_sees_references_only_where_it_may() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let csvg =
            store.create_panel(w.smp, PanelKind::Csvg, "CSVG", w.chair.agency, 7, 0).await.unwrap();
        let new = NewCase {
            partnership: w.smp,
            case_type: CaseType::Vulnerability,
            summary: "Vulnerable adult targeted by ASB",
            opened_on: "2026-11-02",
        };
        let (case, _) = store.open_case(&w.worker, &new, 10).await.unwrap();
        store
            .share_case(
                &w.worker,
                case,
                w.housing.agency,
                "tenancy support",
                LegalBasis::PublicTask,
                11,
            )
            .await
            .unwrap();
        let by_partner = store
            .refer_to_panel(
                &w.housing,
                case,
                csvg.id,
                "2026-11-03",
                "new-concern",
                None,
                LegalBasis::PublicTask,
                12,
            )
            .await;
        assert!(matches!(by_partner, Err(StoreError::Forbidden(_))), "{label}: {by_partner:?}");
        store
            .refer_to_panel(
                &w.worker,
                case,
                csvg.id,
                "2026-11-03",
                "new-concern",
                None,
                LegalBasis::PublicTask,
                13,
            )
            .await
            .unwrap();
        // Not restricted: the whole host agency may read it once shared.
        assert!(store.case_detail(&w.officer, case, 14).await.is_ok(), "{label}");
        let meeting = store.plan_meeting(&w.chair, csvg.id, "2026-11-05", 15).await.unwrap();
        let seen = store.meeting(&w.housing, meeting, 16).await.unwrap();
        assert!(seen.items[0].readable && seen.items[0].summary.is_some(), "{label}");
        store.revoke_share(&w.worker, case, w.housing.agency, 17).await.unwrap();
        assert!(
            matches!(store.meeting(&w.housing, meeting, 18).await, Err(StoreError::NotFound)),
            "{label}"
        );
        // The chair still runs the panel; an outsider added to nothing sees nothing.
        let chair_view = store.meeting(&w.chair, meeting, 19).await.unwrap();
        assert_eq!(chair_view.items.len(), 1, "{label}");
    }
}
