use std::collections::BTreeMap;

use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, SubjectKind};
use safer_domain::casework::powers::{
    ClosureIssuer, EarlyPayment, FpnRule, RequirementKind, RuleSet, RuleVersion,
};
use safer_domain::casework::risk::RiskModel;
use safer_domain::casework::trigger::VictimKind;
use safer_domain::casework::{ClockKind, Due};
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, SubjectId};
use safer_domain::Role;
use safer_storage::{
    AuditQuery, CaseClock, ClockSource, NewCase, NewCpn, NewRequirement, NewSubject,
    NewTriggerApplication, NewWarning, PowerKind, Store, StoreError, TriggerCase, User,
};
use safer_test_utils::fixtures::add_user;
use safer_test_utils::TestDb;

/// A council practitioner who owns the case, and a housing practitioner it is not shared with.
struct World {
    smp: PartnershipId,
    council: Viewer,
    housing: Viewer,
}

fn viewer(user: &User, role: Role) -> Viewer {
    Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
}

async fn world(store: &Store) -> World {
    let smp =
        store.upsert_partnership("smp", "Safer Maidstone Partnership", None, 0).await.unwrap().id();
    let council = add_user(store, smp, "asb-officer", "mbc", Role::Practitioner).await;
    let housing = add_user(store, smp, "housing", "golding-homes", Role::Practitioner).await;
    World {
        smp,
        council: viewer(&council, Role::Practitioner),
        housing: viewer(&housing, Role::Practitioner),
    }
}

async fn asb_case(store: &Store, w: &World) -> CaseId {
    let new = NewCase {
        partnership: w.smp,
        case_type: CaseType::Asb,
        summary: "Loud music late at night",
        opened_on: "2026-02-20",
    };
    store.open_case(&w.council, &new, 10).await.unwrap().0
}

async fn person(
    store: &Store,
    w: &World,
    case: CaseId,
    name: &str,
    born_on: Option<&str>,
) -> SubjectId {
    let subject =
        NewSubject { kind: SubjectKind::Person, name, born_on, address: None, postcode: None };
    store
        .add_new_subject(
            &w.council,
            case,
            &subject,
            LinkRole::Perpetrator,
            Consent::NotRequired,
            None,
            11,
        )
        .await
        .unwrap()
}

fn warning(
    subject: SubjectId,
    issued_on: &'static str,
    comply_by_on: &'static str,
) -> NewWarning<'static> {
    NewWarning { subject, conduct: "Loud music", issued_on, comply_by_on }
}

fn requirement(kind: RequirementKind, text: &str, deadline_on: Option<&str>) -> NewRequirement {
    NewRequirement { kind, text: text.to_string(), deadline_on: deadline_on.map(str::to_string) }
}

fn cpn(subject: SubjectId, issued_on: &str) -> NewCpn<'_> {
    NewCpn {
        subject,
        conduct: "loud  music",
        issued_on,
        requirements: vec![requirement(
            RequirementKind::Stop,
            "Stop playing amplified music after 23:00",
            None,
        )],
    }
}

fn rule_message(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Rule(message)) => message,
        other => panic!("expected a rule refusal, got {other:?}"),
    }
}

fn clock_rows(clocks: &[CaseClock]) -> Vec<(String, String)> {
    clocks
        .iter()
        .map(|c| {
            let due = match c.clock.due {
                Due::Date(date) => date.to_string(),
                Due::Instant(at) => format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute()),
            };
            (c.clock.name.clone(), due)
        })
        .collect()
}

#[tokio::test]
async fn a_cpn_needs_a_warning_whose_time_has_passed_and_a_recipient_of_sixteen() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let case = asb_case(store, &w).await;
        let adult = person(store, &w, case, "Sam Adult", Some("1990-05-01")).await;

        // No warning yet: refused with the rule's own words, and nothing written.
        let message =
            rule_message(store.issue_cpn(&w.council, case, &cpn(adult, "2026-03-17"), 20).await);
        assert!(
            message.starts_with("a CPN needs a written warning (CPW) served first"),
            "{label}: {message}"
        );
        assert!(
            store.case_powers(&w.council, case, 21).await.unwrap().powers.is_empty(),
            "{label}"
        );

        // A warning's time to stop cannot end before it is given.
        let backwards = store
            .record_cpw(&w.council, case, &warning(adult, "2026-03-02", "2026-03-01"), 22)
            .await;
        assert!(
            rule_message(backwards).contains("cannot end before the warning is given"),
            "{label}"
        );

        let cpw = store
            .record_cpw(&w.council, case, &warning(adult, "2026-03-02", "2026-03-16"), 23)
            .await
            .unwrap();
        // On the comply-by day it is too soon; the day after, lawful.
        let message =
            rule_message(store.issue_cpn(&w.council, case, &cpn(adult, "2026-03-16"), 24).await);
        assert_eq!(
            message,
            "too soon for a CPN: the warning gave until 2026-03-16 to stop, so a CPN may be issued from 2026-03-17",
            "{label}"
        );
        let empty = NewCpn { requirements: Vec::new(), ..cpn(adult, "2026-03-17") };
        assert!(
            rule_message(store.issue_cpn(&w.council, case, &empty, 25).await)
                .contains("at least one requirement"),
            "{label}"
        );
        let notice =
            store.issue_cpn(&w.council, case, &cpn(adult, "2026-03-17"), 26).await.unwrap();
        let powers = store.case_powers(&w.council, case, 27).await.unwrap().powers;
        assert_eq!(
            powers.iter().map(|p| p.kind).collect::<Vec<_>>(),
            vec![PowerKind::Cpw, PowerKind::Cpn],
            "{label}"
        );
        assert_eq!(powers[1].id, notice, "{label}");
        assert_eq!(powers[1].related, Some(cpw), "{label}: the CPN follows the warning");
        assert_eq!(powers[1].conduct.as_deref(), Some("loud music"), "{label}");
        assert_eq!(powers[1].subject_name.as_deref(), Some("Sam Adult"), "{label}");
        assert_eq!(powers[1].requirements.len(), 1, "{label}");

        // Another conduct needs its own warning.
        let other = NewCpn { conduct: "dog fouling", ..cpn(adult, "2026-03-18") };
        assert!(
            rule_message(store.issue_cpn(&w.council, case, &other, 28).await)
                .starts_with("a CPN needs a written warning"),
            "{label}"
        );

        // Aged 15 on the issue day: refused, even with a warning.
        let teen = person(store, &w, case, "Young Person", Some("2010-06-01")).await;
        store
            .record_cpw(&w.council, case, &warning(teen, "2026-03-02", "2026-03-16"), 29)
            .await
            .unwrap();
        let message =
            rule_message(store.issue_cpn(&w.council, case, &cpn(teen, "2026-03-17"), 30).await);
        assert_eq!(message, "a CPN may only be issued to a person aged 16 or over", "{label}");
        // No date of birth: the domain's message asks for one.
        let unknown = person(store, &w, case, "Unknown Age", None).await;
        store
            .record_cpw(&w.council, case, &warning(unknown, "2026-03-02", "2026-03-16"), 31)
            .await
            .unwrap();
        let message =
            rule_message(store.issue_cpn(&w.council, case, &cpn(unknown, "2026-03-17"), 32).await);
        assert_eq!(
            message, "confirm the recipient is 16 or over: record a date of birth or a stated age",
            "{label}"
        );

        // A subject not on this case is not found, as if it did not exist.
        let elsewhere = asb_case(store, &w).await;
        let stranger = person(store, &w, elsewhere, "Someone Else", Some("1980-01-01")).await;
        let wrong = store
            .record_cpw(&w.council, case, &warning(stranger, "2026-03-02", "2026-03-16"), 33)
            .await;
        assert!(matches!(wrong, Err(StoreError::NotFound)), "{label}: {wrong:?}");
    }
}

#[tokio::test]
async fn appeals_run_21_days_beginning_with_the_day_of_issue() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let case = asb_case(store, &w).await;
        let adult = person(store, &w, case, "Sam Adult", Some("1990-05-01")).await;
        store
            .record_cpw(&w.council, case, &warning(adult, "2026-02-10", "2026-03-02"), 12)
            .await
            .unwrap();
        let mut notice_cpn = cpn(adult, "2026-03-03");
        notice_cpn.requirements.push(requirement(
            RequirementKind::Do,
            "Fit a sound limiter",
            Some("2026-03-31"),
        ));
        let notice = store.issue_cpn(&w.council, case, &notice_cpn, 20).await.unwrap();
        // Issued 3 March: day 22 (24 March) is out of time, day 21 (23 March) in time.
        let late =
            rule_message(store.record_cpn_appeal(&w.council, notice, "2026-03-24", 21).await);
        assert_eq!(
            late,
            "an appeal against a CPN must be lodged within 21 days beginning with the day it was issued (by 2026-03-23)",
            "{label}"
        );
        let clocks = store.case_clocks(&w.council, case, 22).await.unwrap();
        assert_eq!(
            clock_rows(&clocks),
            vec![
                ("CPN: appeal window closes".to_string(), "2026-03-23".to_string()),
                ("CPN: requirement 2 deadline".to_string(), "2026-03-31".to_string()),
            ],
            "{label}: the warning's clocks stop once the CPN follows it"
        );
        store.record_cpn_appeal(&w.council, notice, "2026-03-23", 23).await.unwrap();
        let powers = store.case_powers(&w.council, case, 24).await.unwrap().powers;
        let appealed = powers.iter().find(|p| p.id == notice).unwrap();
        assert_eq!(appealed.status, "appeal-pending", "{label}");
        assert_eq!(appealed.appeal_lodged_on.as_deref(), Some("2026-03-23"), "{label}");
        // s.46: "stop" stays in force, "do" is suspended while the appeal is pending.
        let in_force: Vec<bool> = appealed.requirements.iter().map(|r| r.in_force).collect();
        assert_eq!(in_force, vec![true, false], "{label}");
        // The appeal window and the suspended requirement's deadline no longer run.
        assert!(store.case_clocks(&w.council, case, 25).await.unwrap().is_empty(), "{label}");
        let twice = store.record_cpn_appeal(&w.council, notice, "2026-03-23", 26).await;
        assert!(rule_message(twice).contains("already"), "{label}");
        // Dismissed: in force again, and the requirement's deadline runs again.
        store.record_appeal_outcome(&w.council, notice, "dismissed", 27).await.unwrap();
        let clocks = store.case_clocks(&w.council, case, 28).await.unwrap();
        assert_eq!(
            clock_rows(&clocks),
            vec![("CPN: requirement 2 deadline".to_string(), "2026-03-31".to_string())],
            "{label}"
        );
    }
}

/// The default rules, then from 1 April 2026 a £150 penalty (£100 for early payment within 7
/// days) and 28 days to pay, as if the Crime and Policing Bill's £500 maximum had commenced.
fn dated_rules() -> RuleSet {
    let old = RuleSet::default().versions()[0].clone();
    let new_fpn = FpnRule {
        max_pence: 50_000,
        amount_pence: 15_000,
        early_payment: Some(EarlyPayment { amount_pence: 10_000, within_days: 7 }),
        payment_days: 28,
    };
    // This crate does not depend on `time`: walk from the first version's day to 1 April 2026.
    let mut valid_from = old.valid_from;
    while (valid_from.year(), valid_from.month() as u8, valid_from.day()) != (2026, 4, 1) {
        valid_from = valid_from.next_day().unwrap();
    }
    let new = RuleVersion { valid_from, cpn_fpn: new_fpn, pspo_fpn: new_fpn, ..old.clone() };
    RuleSet::new(vec![old, new]).unwrap()
}

#[tokio::test]
async fn an_fpn_is_priced_by_the_rules_in_force_on_the_offence_day() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let case = asb_case(store, &w).await;
        let adult = person(store, &w, case, "Sam Adult", Some("1990-05-01")).await;
        store
            .record_cpw(&w.council, case, &warning(adult, "2026-03-02", "2026-03-09"), 12)
            .await
            .unwrap();
        let notice =
            store.issue_cpn(&w.council, case, &cpn(adult, "2026-03-10"), 13).await.unwrap();
        let rules = dated_rules();

        let early =
            store.issue_fpn(&w.council, notice, "2026-03-09", "2026-03-20", &rules, 14).await;
        assert!(rule_message(early).contains("cannot be dated before the notice"), "{label}");

        // Offence on 31 March, penalty given on 2 April: the old rule applies.
        let before = store
            .issue_fpn(&w.council, notice, "2026-03-31", "2026-04-02", &rules, 15)
            .await
            .unwrap();
        // Offence on 1 April: the new rule.
        let after = store
            .issue_fpn(&w.council, notice, "2026-04-01", "2026-04-02", &rules, 16)
            .await
            .unwrap();
        let powers = store.case_powers(&w.council, case, 17).await.unwrap().powers;
        let fpn = |id: i64| powers.iter().find(|p| p.id == id).unwrap().clone();
        let old = fpn(before);
        assert_eq!(old.kind, PowerKind::Fpn, "{label}");
        assert_eq!(old.related, Some(notice), "{label}");
        assert_eq!(
            (old.amount_pence, old.early_amount_pence),
            (Some(10_000), Some(7_500)),
            "{label}"
        );
        assert_eq!(old.rules_valid_from_on.as_deref(), Some("2014-10-20"), "{label}");
        assert_eq!(
            (old.early_by_on.as_deref(), old.pay_by_on.as_deref()),
            (Some("2026-04-12"), Some("2026-04-16")),
            "{label}"
        );
        let new = fpn(after);
        assert_eq!(
            (new.amount_pence, new.early_amount_pence),
            (Some(15_000), Some(10_000)),
            "{label}"
        );
        assert_eq!(new.rules_valid_from_on.as_deref(), Some("2026-04-01"), "{label}");
        assert_eq!(new.pay_by_on.as_deref(), Some("2026-04-30"), "{label}");

        let names: Vec<(String, String)> =
            clock_rows(&store.case_clocks(&w.council, case, 18).await.unwrap())
                .into_iter()
                .filter(|(name, _)| name.starts_with("FPN"))
                .collect();
        assert_eq!(
            names,
            vec![
                ("FPN: early payment ends".to_string(), "2026-04-09".to_string()),
                ("FPN: early payment ends".to_string(), "2026-04-12".to_string()),
                ("FPN: payment due".to_string(), "2026-04-16".to_string()),
                ("FPN: payment due".to_string(), "2026-04-30".to_string()),
            ],
            "{label}"
        );
        // An FPN is for a CPN, not a warning.
        let cpw = powers.iter().find(|p| p.kind == PowerKind::Cpw).unwrap().id;
        let wrong = store.issue_fpn(&w.council, cpw, "2026-04-01", "2026-04-02", &rules, 19).await;
        assert!(rule_message(wrong).contains("choose the CPN"), "{label}");
    }
}

#[tokio::test]
async fn every_clock_is_on_the_case_and_on_the_due_list_soonest_first() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let case = asb_case(store, &w).await;
        let adult = person(store, &w, case, "Sam Adult", Some("1990-05-01")).await;
        store
            .record_cpw(&w.council, case, &warning(adult, "2026-03-02", "2026-03-16"), 12)
            .await
            .unwrap();
        // Served 20 March 2026 at 10:00 UTC (unix 1_774_000_800) for 24 hours.
        let served_at = 1_774_000_800;
        let notice = store
            .issue_closure_notice(
                &w.council,
                case,
                ClosureIssuer::LocalAuthority,
                served_at,
                24,
                13,
            )
            .await
            .unwrap();
        let below = store
            .issue_closure_notice(
                &w.council,
                case,
                ClosureIssuer::PoliceBelowInspector,
                served_at,
                24,
                13,
            )
            .await;
        assert!(rule_message(below).contains("inspector or above"), "{label}");
        assert!(
            rule_message(store.extend_closure_notice(&w.council, notice, 49, 14).await)
                .contains("48 hours"),
            "{label}"
        );
        store.extend_closure_notice(&w.council, notice, 48, 14).await.unwrap();
        let too_long =
            store.make_closure_order(&w.council, case, "2026-03-22", "2026-06-22", 15).await;
        assert_eq!(
            rule_message(too_long),
            "a closure order may last at most 3 months in total (until 2026-06-21)",
            "{label}"
        );
        let order = store
            .make_closure_order(&w.council, case, "2026-03-22", "2026-06-21", 15)
            .await
            .unwrap();
        assert!(
            rule_message(store.extend_closure_order(&w.council, order, "2026-09-22", 16).await)
                .contains("6 months"),
            "{label}"
        );
        store.extend_closure_order(&w.council, order, "2026-09-21", 16).await.unwrap();
        let pspo = store.make_pspo(&w.council, case, "2026-03-01", None, 17).await.unwrap();
        assert!(
            rule_message(store.extend_pspo(&w.council, pspo, "2029-03-01", "2031-01-01", 18).await)
                .contains("before it expires"),
            "{label}"
        );
        store
            .record_injunction(&w.council, case, adult, "2026-03-05", Some("2026-09-04"), true, 19)
            .await
            .unwrap();

        let clocks = store.case_clocks(&w.council, case, 20).await.unwrap();
        assert_eq!(
            clock_rows(&clocks),
            [
                ("CPW: time given to stop ends", "2026-03-16"),
                ("CPW: a CPN may be issued", "2026-03-17"),
                ("Closure notice: expires", "2026-03-22 10:00"),
                ("Closure notice: hearing must be held", "2026-03-22 10:00"),
                ("Closure order: appeal window closes", "2026-04-11"),
                ("PSPO: High Court challenge window closes", "2026-04-11"),
                ("Civil injunction: ends", "2026-09-04"),
                ("Closure order: ends", "2026-09-21"),
                ("PSPO: expires unless extended", "2029-02-28"),
            ]
            .map(|(name, due)| (name.to_string(), due.to_string()))
            .to_vec(),
            "{label}"
        );
        assert!(
            clocks.iter().all(|c| c.case == case && c.reference.starts_with("ASB-")),
            "{label}"
        );
        assert_eq!(clocks[1].clock.kind, ClockKind::EarliestAction, "{label}");

        // A second case, owned by housing: on housing's list only.
        let theirs = NewCase {
            partnership: w.smp,
            case_type: CaseType::Asb,
            summary: "Graffiti",
            opened_on: "2026-03-01",
        };
        let (other, _) = store.open_case(&w.housing, &theirs, 21).await.unwrap();
        store.make_closure_order(&w.housing, other, "2026-03-10", "2026-04-09", 22).await.unwrap();

        let due = store.due_list(&w.council, w.smp, "2026-04-30", 23).await.unwrap();
        assert_eq!(due.len(), 6, "{label}: {:?}", clock_rows(&due));
        assert!(due.iter().all(|c| c.case == case), "{label}");
        assert!(
            due.windows(2).all(|p| p[0].sort_key() <= p[1].sort_key()),
            "{label}: soonest first"
        );
        let housing_due = store.due_list(&w.housing, w.smp, "2026-04-30", 24).await.unwrap();
        assert_eq!(
            clock_rows(&housing_due),
            vec![
                ("Closure order: appeal window closes".to_string(), "2026-03-30".to_string()),
                ("Closure order: ends".to_string(), "2026-04-09".to_string()),
            ],
            "{label}"
        );
        // A closed case's clocks leave the list.
        store.close_case(&w.housing, other, "2026-03-12", "2032-03-12", 25).await.unwrap();
        assert!(
            store.due_list(&w.housing, w.smp, "2026-04-30", 26).await.unwrap().is_empty(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn another_agency_gets_not_found_and_every_step_is_audited() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let case = asb_case(store, &w).await;
        let adult = person(store, &w, case, "Sam Adult", Some("1990-05-01")).await;
        let cpw = store
            .record_cpw(&w.council, case, &warning(adult, "2026-03-02", "2026-03-16"), 12)
            .await
            .unwrap();
        let notice =
            store.issue_cpn(&w.council, case, &cpn(adult, "2026-03-17"), 13).await.unwrap();

        let h = &w.housing;
        let outcomes = [
            format!("{:?}", store.case_powers(h, case, 20).await),
            format!("{:?}", store.case_clocks(h, case, 20).await),
            format!(
                "{:?}",
                store.record_cpw(h, case, &warning(adult, "2026-03-02", "2026-03-16"), 20).await
            ),
            format!("{:?}", store.issue_cpn(h, case, &cpn(adult, "2026-03-17"), 20).await),
            format!("{:?}", store.record_cpn_appeal(h, notice, "2026-03-18", 20).await),
            format!(
                "{:?}",
                store
                    .issue_fpn(h, notice, "2026-03-20", "2026-03-21", &RuleSet::default(), 20)
                    .await
            ),
            format!("{:?}", store.make_pspo(h, case, "2026-03-01", None, 20).await),
            format!(
                "{:?}",
                store.record_injunction(h, case, adult, "2026-03-05", None, false, 20).await
            ),
        ];
        for outcome in outcomes {
            assert_eq!(outcome, "Err(NotFound)", "{label}");
        }
        assert!(store.due_list(h, w.smp, "2030-01-01", 20).await.unwrap().is_empty(), "{label}");
        assert!(
            store.case_powers(&w.council, case, 21).await.unwrap().powers.len() == 2,
            "{label}: nothing written"
        );

        let id = case.0.to_string();
        let entries = store
            .audit_entries(&AuditQuery { object: Some(("case", &id)), ..AuditQuery::default() })
            .await
            .unwrap();
        let refused = entries.iter().filter(|e| e.action.as_str() == "refused").count();
        assert_eq!(refused, 8, "{label}: every refusal on the case is audited");
        assert!(
            entries
                .iter()
                .any(|e| e.action.as_str() == "read" && e.detail.as_deref() == Some("powers")),
            "{label}"
        );
        for power in [cpw, notice] {
            let id = power.to_string();
            let created = store
                .audit_entries(&AuditQuery {
                    object: Some(("power", &id)),
                    ..AuditQuery::default()
                })
                .await
                .unwrap();
            assert_eq!(created.len(), 1, "{label}");
            assert_eq!(created[0].action.as_str(), "create", "{label}");
            assert_eq!(created[0].actor_user_id, Some(w.council.user), "{label}");
        }
        for entry in
            store.audit_entries(&AuditQuery { limit: 1000, ..AuditQuery::default() }).await.unwrap()
        {
            let text = format!("{entry:?}");
            for personal in ["Sam Adult", "1990-05-01", "music"] {
                assert!(!text.contains(personal), "{label}: {text}");
            }
        }
        assert!(store.verify_audit().await.unwrap().is_intact(), "{label}");
    }
}

#[tokio::test]
async fn case_reviews_and_case_review_applications_are_on_the_due_list() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let case = asb_case(store, &w).await;
        let victim = NewSubject {
            kind: SubjectKind::Person,
            name: "A Person",
            born_on: None,
            address: None,
            postcode: None,
        };
        let subject = store
            .add_new_subject(&w.council, case, &victim, LinkRole::Victim, Consent::Given, None, 11)
            .await
            .unwrap();
        let model = RiskModel::default();
        let yes = ["health", "unsafe_home", "daily", "worse", "violence", "targeted"];
        let answers: BTreeMap<String, bool> = model
            .questions()
            .iter()
            .map(|q| (q.id.clone(), yes.contains(&q.id.as_str())))
            .collect();
        let assessment = model.assess(time::macros::date!(2026 - 03 - 02), &answers).unwrap();
        let review_on = assessment.next_review.expect("a scored assessment sets a review");
        store
            .record_risk_assessment(&w.council, case, Some(subject), &assessment, 12)
            .await
            .unwrap();

        // The practitioner sees the review, on the case and on the due list.
        let review = ("Review the case".to_string(), review_on.to_string());
        let clocks = store.case_clocks(&w.council, case, 13).await.unwrap();
        assert_eq!(clock_rows(&clocks), vec![review.clone()], "{label}");
        assert_eq!(clocks[0].source, ClockSource::CaseReview, "{label}");
        assert_eq!(clocks[0].clock.kind, ClockKind::Review, "{label}");
        let due = store.due_list(&w.council, w.smp, "2026-12-31", 14).await.unwrap();
        assert_eq!(clock_rows(&due), vec![review.clone()], "{label}");
        assert_eq!(due[0].reference, clocks[0].reference, "{label}");
        // Not when the review falls after the last day of the list.
        let before = (review_on - time::Duration::days(1)).to_string();
        assert!(
            store.due_list(&w.council, w.smp, &before, 15).await.unwrap().is_empty(),
            "{label}"
        );
        // Nor for an agency that cannot read the case.
        assert!(store.due_list(&w.housing, w.smp, "2026-12-31", 16).await.unwrap().is_empty());

        // A coordinator records a Community Trigger application on the case: its service
        // levels join the list for those who handle case reviews, not for the practitioner.
        let coordinator = add_user(store, w.smp, "csp-coordinator", "mbc", Role::Coordinator).await;
        let coordinator = viewer(&coordinator, Role::Coordinator);
        let reference = clocks[0].reference.clone();
        let application = NewTriggerApplication {
            partnership: w.smp,
            case: TriggerCase::Existing(&reference),
            applicant_name: "A Person",
            on_behalf: None,
            victim: VictimKind::Individual,
            received_on: "2026-03-02",
        };
        let (id, ct) = store.apply_for_case_review(&coordinator, &application, 17).await.unwrap();
        let due = store.due_list(&coordinator, w.smp, "2026-12-31", 18).await.unwrap();
        let rows: Vec<(String, String, &str)> = due
            .iter()
            .map(|c| (c.clock.name.clone(), c.clock.due.date().to_string(), c.source.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![
                // The same day: the review sorts before the application's clock.
                ("Review the case".into(), review_on.to_string(), "case-review"),
                (
                    "Case review: decide the threshold".into(),
                    "2026-03-30".into(),
                    "trigger-application"
                ),
                (
                    "Case review: finish the review".into(),
                    "2026-04-20".into(),
                    "trigger-application"
                ),
            ],
            "{label}"
        );
        assert_eq!(
            due[1].source,
            ClockSource::TriggerApplication { id, reference: ct.clone() },
            "{label}"
        );
        let practitioner_due = store.due_list(&w.council, w.smp, "2026-12-31", 19).await.unwrap();
        assert_eq!(clock_rows(&practitioner_due), vec![review.clone()], "{label}");
        let case_clocks = store.case_clocks(&coordinator, case, 20).await.unwrap();
        assert_eq!(case_clocks.len(), 3, "{label}");

        // A closed case's review leaves the list.
        store.close_case(&w.council, case, "2026-03-10", "2036-03-10", 21).await.unwrap();
        assert!(store.due_list(&w.council, w.smp, "2026-12-31", 22).await.unwrap().is_empty());
        assert!(store.case_clocks(&w.council, case, 23).await.unwrap().is_empty(), "{label}");
    }
}

#[tokio::test]
async fn powers_are_not_recorded_on_a_domestic_abuse_case() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let w = world(store).await;
        let open = |case_type, summary| NewCase {
            partnership: w.smp,
            case_type,
            summary,
            opened_on: "2026-02-20",
        };
        let abuse = open(CaseType::DomesticAbuse, "Referred by the police after a callout");
        let abuse = store.open_case(&w.council, &abuse, 10).await.unwrap().0;
        let partner = person(store, &w, abuse, "Alex Partner", Some("1985-01-01")).await;
        let message = rule_message(
            store
                .record_cpw(&w.council, abuse, &warning(partner, "2026-03-02", "2026-03-16"), 12)
                .await,
        );
        assert_eq!(message, safer_storage::NOT_ON_THIS_CASE, "{label}");
        let message =
            rule_message(store.make_pspo(&w.council, abuse, "2026-03-01", None, 13).await);
        assert_eq!(message, safer_storage::NOT_ON_THIS_CASE, "{label}");
        assert!(
            store.case_powers(&w.council, abuse, 14).await.unwrap().powers.is_empty(),
            "{label}"
        );
        // Every other type takes them: a PSPO for the place a contextual safeguarding case is about.
        for case_type in [CaseType::Asb, CaseType::Vulnerability, CaseType::Contextual] {
            let case = open(case_type, "Young people gathering at the underpass");
            let case = store.open_case(&w.council, &case, 15).await.unwrap().0;
            store.make_pspo(&w.council, case, "2026-03-01", None, 16).await.unwrap();
            let powers = store.case_powers(&w.council, case, 17).await.unwrap().powers;
            assert_eq!(powers.len(), 1, "{label}: {case_type:?}");
        }
    }
}
