//! The demo's casework: panels, and fictional cases in every state, dated relative to the day
//! the demo first runs, so a newcomer can walk through an ASB case, a vulnerability case at
//! the CSVG, a domestic abuse case and contextual safeguarding of a place and a peer group.
//!
//! Every name, address and event here is invented. The cases are written once: a partnership
//! that already has cases is left alone, so running the demo again changes nothing.

use anyhow::Context;
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LegalBasis, LinkRole, PanelKind, SubjectKind};
use safer_domain::casework::dash::{Answer, DashResponse};
use safer_domain::casework::powers::RequirementKind;
use safer_domain::casework::trigger::VictimKind;
use safer_domain::ids::{AgencyId, PartnershipId};
use safer_storage::{
    NewCase, NewCpn, NewDash, NewIncident, NewRequirement, NewSubject, NewTriggerApplication,
    NewTriggerReview, NewWarning, RelevantBody, Store, TriggerCase, TriggerDecisionInput,
};
use time::{Date, Duration};

/// The panels of the demo partnership: kind, name, host agency code.
const PANELS: [(PanelKind, &str, &str); 4] = [
    (PanelKind::Csvg, "Maidstone CSVG", "maidstone-borough-council"),
    (PanelKind::Dcsm, "Maidstone DCSM", "maidstone-borough-council"),
    (PanelKind::Marac, "Maidstone MARAC", "kent-police"),
    (PanelKind::WardCluster, "Town Centre Ward Cluster", "maidstone-borough-council"),
];

/// The demo users who work cases, by username.
pub(crate) struct CaseWorkers {
    /// The council's community safety coordinator.
    pub(crate) coordinator: Viewer,
    /// A police practitioner.
    pub(crate) practitioner: Viewer,
    /// The police MARAC chair.
    pub(crate) panel_chair: Viewer,
}

/// What [`seed_cases`] found or made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DemoCases {
    /// Cases of the partnership.
    pub(crate) cases: usize,
    /// Whether this run wrote them.
    pub(crate) created: bool,
}

async fn viewer(
    store: &Store,
    partnership: PartnershipId,
    username: &str,
) -> anyhow::Result<Viewer> {
    let user = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("the demo account `{username}` is missing"))?;
    let roles = store
        .memberships(user.id())
        .await?
        .into_iter()
        .filter(|m| m.partnership_id == partnership)
        .map(|m| m.role)
        .collect();
    Ok(Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles })
}

/// The demo's case workers.
pub(crate) async fn case_workers(
    store: &Store,
    partnership: PartnershipId,
) -> anyhow::Result<CaseWorkers> {
    Ok(CaseWorkers {
        coordinator: viewer(store, partnership, "coordinator").await?,
        practitioner: viewer(store, partnership, "practitioner").await?,
        panel_chair: viewer(store, partnership, "panel-chair").await?,
    })
}

fn day(date: Date) -> String {
    date.to_string()
}

/// Creates the panels (if missing) and, for a partnership without cases, the demo cases.
pub(crate) async fn seed_cases(
    store: &Store,
    partnership: PartnershipId,
    now: i64,
) -> anyhow::Result<DemoCases> {
    let existing = store.panels(partnership).await?;
    for (kind, name, host) in PANELS {
        if existing.iter().any(|p| p.name == name) {
            continue;
        }
        let agency =
            store.agency_by_code(host).await?.with_context(|| format!("no agency `{host}`"))?;
        store
            .create_panel(partnership, kind, name, agency.id, kind.default_cadence_days(), now)
            .await?;
    }
    let who = case_workers(store, partnership).await?;
    let held = store.count_cases(partnership).await?;
    if held > 0 {
        return Ok(DemoCases { cases: held, created: false });
    }
    let today =
        time::OffsetDateTime::from_unix_timestamp(now).map(|t| t.date()).unwrap_or(Date::MIN);
    let ago = |days: i64| day(today - Duration::days(days));
    let ahead = |days: i64| day(today + Duration::days(days));
    // Dates of birth are relative too, so ages are right whenever the demo first runs.
    let born = |years: i64, days: i64| day(today - Duration::days(years * 365 + years / 4 + days));
    let panels = store.panels(partnership).await?;
    let panel = |kind: PanelKind| panels.iter().find(|p| p.kind == kind).map(|p| p.id);

    // 1. An open ASB case: noise and intimidation, reported to the council and the police.
    let council = &who.coordinator;
    let police = &who.practitioner;
    let (noise, noise_reference) = store
        .open_case(
            council,
            &NewCase {
                partnership,
                case_type: CaseType::Asb,
                summary: "Loud music and intimidation in a block of flats",
                opened_on: &ago(60),
            },
            now,
        )
        .await?;
    let victim = NewSubject {
        kind: SubjectKind::Person,
        name: "Morgan Fictional",
        born_on: Some(&born(58, 20)),
        address: Some("Flat 3, 1 Example Court, Maidstone"),
        postcode: Some("ME14 9ZZ"),
    };
    store
        .add_new_subject(
            council,
            noise,
            &victim,
            LinkRole::Victim,
            Consent::Given,
            Some(&ago(60)),
            now,
        )
        .await?;
    let neighbour = NewSubject {
        kind: SubjectKind::Person,
        name: "Riley Invented",
        born_on: Some(&born(31, 100)),
        address: Some("Flat 5, 1 Example Court, Maidstone"),
        postcode: Some("ME14 9ZZ"),
    };
    let neighbour = store
        .add_new_subject(
            council,
            noise,
            &neighbour,
            LinkRole::Perpetrator,
            Consent::NotRequired,
            None,
            now,
        )
        .await?;
    store
        .share_case(
            council,
            noise,
            police.agency,
            "joint ASB response",
            LegalBasis::PublicTask,
            now,
        )
        .await?;
    for (occurred, reported, to, key, what) in [
        (58, 57, council.agency, "noise-1", "Music audible in the bedroom until 3am"),
        (44, 44, council.agency, "noise-2", "Music and shouting after midnight"),
        (
            44,
            43,
            police.agency,
            "noise-2",
            "Same night reported to police: shouting in the stairwell",
        ),
        (20, 19, police.agency, "noise-3", "Threats made on the stairs"),
    ] {
        let incident = NewIncident {
            occurred_on: &ago(occurred),
            reported_on: &ago(reported),
            reported_to: to,
            category: "noise and intimidation",
            location: Some("Example Court stairwell"),
            incident_key: Some(key),
            description: what,
        };
        store.add_incident(council, noise, &incident, now).await?;
    }
    store
        .add_task(
            council,
            noise,
            "Visit the victim and agree a diary sheet",
            council.user,
            &ago(50),
            now,
        )
        .await?;
    store
        .add_task(
            police,
            noise,
            "Speak to the neighbour about the threats",
            police.user,
            &ahead(3),
            now,
        )
        .await?;
    store
        .add_note(council, noise, "Victim agreed to keep a noise diary; noise app offered.", now)
        .await?;
    // A warning, then, the time to stop having passed without change, a notice: its 21-day
    // appeal window is on the due list.
    let conduct = "amplified music at night";
    store
        .record_cpw(
            council,
            noise,
            &NewWarning {
                subject: neighbour,
                conduct,
                issued_on: &ago(30),
                comply_by_on: &ago(16),
            },
            now,
        )
        .await?;
    let requirement = NewRequirement {
        kind: RequirementKind::Stop,
        text: "Stop playing amplified music audible outside the flat between 11pm and 7am"
            .to_string(),
        deadline_on: None,
    };
    store
        .issue_cpn(
            council,
            noise,
            &NewCpn {
                subject: neighbour,
                conduct,
                issued_on: &ago(10),
                requirements: vec![requirement],
            },
            now,
        )
        .await?;

    // The victim asks for an ASB case review (the Community Trigger): three qualifying
    // complaints (one reported to both council and police, counted once) meet the threshold;
    // the review is held, a recommendation set, and the outcome letter sent.
    let application = NewTriggerApplication {
        partnership,
        case: TriggerCase::Existing(&noise_reference),
        applicant_name: "Morgan Fictional",
        on_behalf: None,
        victim: VictimKind::Individual,
        received_on: &ago(9),
    };
    let (review, _) = store.apply_for_case_review(council, &application, now).await?;
    let decision =
        TriggerDecisionInput { decided_on: &ago(8), discretion: None, escalation_route: "" };
    store.decide_threshold(council, review, &decision, safer_web::decision_letter, now).await?;
    let bodies = [RelevantBody::Council, RelevantBody::Police, RelevantBody::Housing];
    let held = NewTriggerReview {
        held_on: &ago(2),
        bodies: &bodies,
        findings: "Reports were handled separately by each agency and the victim was not kept \
                   informed; the warning and notice came late.",
    };
    store.record_review(council, review, &held, now).await?;
    store
        .add_recommendation(
            council,
            review,
            "Name a single point of contact who updates the victim every week",
            council.user,
            &ahead(7),
            now,
        )
        .await?;
    store.send_outcome(council, review, &ago(1), safer_web::outcome_letter, now).await?;

    // 2. A closed ASB case, kept until its retention date.
    let (closed, _) = store
        .open_case(
            council,
            &NewCase {
                partnership,
                case_type: CaseType::Asb,
                summary: "Youths gathering at a bus shelter, resolved by diversionary activity",
                opened_on: &ago(400),
            },
            now,
        )
        .await?;
    store
        .add_note(council, closed, "Youth service outreach took over; no reports since.", now)
        .await?;
    let closed_on = today - Duration::days(300);
    let retain = safer_domain::casework::add_months(
        closed_on,
        12 * CaseType::Asb.default_retention_years() as i32,
    );
    store.close_case(council, closed, &day(closed_on), &day(retain), now).await?;

    // 3. A vulnerable person discussed at the CSVG.
    let (vulnerable, _) = store
        .open_case(
            council,
            &NewCase {
                partnership,
                case_type: CaseType::Vulnerability,
                summary: "Older resident targeted by cuckooing; mental health concerns",
                opened_on: &ago(21),
            },
            now,
        )
        .await?;
    let resident = NewSubject {
        kind: SubjectKind::Person,
        name: "Jamie Madeup",
        born_on: Some(&born(75, 25)),
        address: Some("4 Sample Road, Maidstone"),
        postcode: Some("ME15 9ZZ"),
    };
    store
        .add_new_subject(
            council,
            vulnerable,
            &resident,
            LinkRole::Victim,
            Consent::Given,
            Some(&ago(21)),
            now,
        )
        .await?;
    store
        .share_case(
            council,
            vulnerable,
            police.agency,
            "CSVG joint welfare response",
            LegalBasis::PublicTask,
            now,
        )
        .await?;
    if let Some(csvg) = panel(PanelKind::Csvg) {
        store
            .refer_to_panel(
                council,
                vulnerable,
                csvg,
                &ago(20),
                "new-concern",
                Some("Suspected cuckooing"),
                LegalBasis::PublicTask,
                now,
            )
            .await?;
        let meeting = store.plan_meeting(council, csvg, &ago(14), now).await?;
        let agenda = store.meeting(council, meeting, now).await?;
        if let Some(item) = agenda.items.first() {
            store
                .record_attendance(
                    council,
                    meeting,
                    council.agency,
                    "Community Safety Coordinator",
                    true,
                )
                .await?;
            store
                .record_attendance(council, meeting, police.agency, "Neighbourhood Inspector", true)
                .await?;
            store
                .record_minutes(
                    council,
                    item.id,
                    "Police to visit with adult social care; locks changed.",
                    Some(&ahead(14)),
                    now,
                )
                .await?;
            store
                .add_meeting_action(
                    council,
                    item.id,
                    "Joint welfare visit",
                    police.user,
                    &ahead(5),
                    now,
                )
                .await?;
        }
        store.close_meeting(council, meeting).await?;
    }

    // 4. Contextual safeguarding: a place and a peer group at the DCSM.
    let (place, _) = store
        .open_case(
            council,
            &NewCase {
                partnership,
                case_type: CaseType::Contextual,
                summary: "Young people at risk of exploitation around a retail park at night",
                opened_on: &ago(30),
            },
            now,
        )
        .await?;
    let park = NewSubject {
        kind: SubjectKind::Location,
        name: "Example Retail Park car park",
        born_on: None,
        address: Some("Example Retail Park, Maidstone"),
        postcode: None,
    };
    store
        .add_new_subject(council, place, &park, LinkRole::Location, Consent::NotRequired, None, now)
        .await?;
    let group = NewSubject {
        kind: SubjectKind::PeerGroup,
        name: "Retail park group (about six, aged 13 to 15)",
        born_on: None,
        address: None,
        postcode: None,
    };
    store
        .add_new_subject(
            council,
            place,
            &group,
            LinkRole::PeerGroup,
            Consent::NotRequired,
            None,
            now,
        )
        .await?;
    if let Some(dcsm) = panel(PanelKind::Dcsm) {
        store
            .refer_to_panel(
                council,
                place,
                dcsm,
                &ago(10),
                "new-concern",
                Some("Location assessment requested"),
                LegalBasis::Safeguarding,
                now,
            )
            .await?;
    }

    // 5. A domestic abuse case opened by the police; restricted to its team.
    let (abuse, _) = store
        .open_case(
            police,
            &NewCase {
                partnership,
                case_type: CaseType::DomesticAbuse,
                summary: "Domestic abuse: controlling behaviour and threats after separation",
                opened_on: &ago(5),
            },
            now,
        )
        .await?;
    let survivor = NewSubject {
        kind: SubjectKind::Person,
        name: "Casey Notreal",
        born_on: Some(&born(38, 160)),
        address: None,
        postcode: None,
    };
    let survivor = store
        .add_new_subject(
            police,
            abuse,
            &survivor,
            LinkRole::Victim,
            Consent::Given,
            Some(&ago(5)),
            now,
        )
        .await?;
    store
        .add_incident(
            police,
            abuse,
            &NewIncident {
                occurred_on: &ago(6),
                reported_on: &ago(6),
                reported_to: police.agency,
                category: "domestic abuse",
                location: None,
                incident_key: None,
                description: "Threats to kill made by phone after separation",
            },
            now,
        )
        .await?;
    // The officer's DASH checklist: 15 yes answers, so visible high risk and a MARAC referral
    // built from it; the MARAC chair plans the next meeting and it is on the agenda.
    let responses = (1..=24)
        .map(|n| DashResponse {
            answer: if n <= 15 { Answer::Yes } else { Answer::No },
            comment: if n == 14 {
                "Threats to kill by phone; she believes them".to_string()
            } else {
                String::new()
            },
        })
        .collect();
    let dash = NewDash {
        victim: survivor,
        completed_on: &ago(5),
        incident_on: &ago(6),
        responses,
        judgement: None,
    };
    store.record_dash(police, abuse, &dash, now).await?;
    if let Some(marac) = panel(PanelKind::Marac) {
        store.plan_meeting(&who.panel_chair, marac, &ahead(7), now).await?;
    }
    Ok(DemoCases { cases: store.count_cases(partnership).await?, created: true })
}
