//! One authorisation test over every case-data route of the app: each route, GET and POST, as
//! every role of the owning agency, as a practitioner of the agency an ASB case is shared
//! with, as a practitioner and a coordinator of an unrelated agency, and signed out.
//!
//! The rule it holds the app to is ARCHITECTURE.md's ("Case access is need-to-know"), written
//! out again here from the facts seeded, not read from the code: only coordinators,
//! practitioners and panel chairs work cases; a case is read by its owning agency and the
//! agencies it is shared with; a domestic-abuse case only by its team; only the owning agency
//! manages (share, revoke, team, close, erase); panels are run by their host's chairs and
//! coordinators, who see every agenda item's reference but the contents only of cases they
//! may read; case reviews are handled by coordinators and panel chairs.
//!
//! The list of routes is checked against the routers' source, so a route added to any module
//! fails this test until it is listed here (or named as holding no case data).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LegalBasis, LinkRole, PanelKind, SubjectKind};
use safer_domain::casework::dash::{Answer, DashResponse};
use safer_domain::casework::risk::{RiskAssessment, RiskLevel};
use safer_domain::casework::trigger::VictimKind;
use safer_domain::document::DocumentKind;
use safer_domain::ids::{AgencyId, CaseId, PartnershipId, UserId};
use safer_domain::Role;
use safer_storage::{
    AuditAction, AuditQuery, NewCase, NewDash, NewIncident, NewSubject, NewTriggerApplication,
    NewWarning, ProblemSolving, Store, TriggerCase, User,
};
use safer_test_utils::fixtures::{add_user, PASSWORD};
use serde_json::{json, Value};

use crate::support::{registered_routes, Jar, Reply, TestApp};

// ---------------------------------------------------------------------------------------------
// What only permitted users may see

/// The ASB case's markers: its summary, its subjects' names, a note, an incident, a task, a
/// document's content, a problem-solving objective, a panel referral's detail and the case
/// review's findings (in the outcome letter and on the application page).
const ASB_MARKERS: [&str; 10] = [
    "Persistent drumming at Larkspur Mews",
    "Zebediah Quillfeather",
    "Barnaby Ostrowright",
    "Spoke with the Larkspur Mews caretaker",
    "Bin fire outside number 7 Larkspur Mews",
    "Fit a noise monitor at Larkspur Mews",
    "Diary of the Larkspur Mews nuisance, 4 July",
    "Halve the Larkspur Mews callouts",
    "Referred for the Larkspur Mews escalation",
    "The Larkspur agencies never compared their diaries",
];
const ASB_SUMMARY: &str = ASB_MARKERS[0];
const ASB_VICTIM: &str = ASB_MARKERS[1];
const ASB_PERPETRATOR: &str = ASB_MARKERS[2];
const ASB_NOTE: &str = ASB_MARKERS[3];
const ASB_INCIDENT: &str = ASB_MARKERS[4];
const ASB_TASK: &str = ASB_MARKERS[5];
const ASB_DOCUMENT: &str = ASB_MARKERS[6];
const ASB_OBJECTIVE: &str = ASB_MARKERS[7];
const ASB_REFERRAL: &str = ASB_MARKERS[8];
const TRIGGER_FINDINGS: &str = ASB_MARKERS[9];

/// The domestic abuse case's markers: summary, victim, note, task and the DASH comments.
const DA_MARKERS: [&str; 5] = [
    "Coercive control at Thistle Court",
    "Marisol Thistlewood",
    "Safety plan agreed for Thistle Court",
    "Arrange the Thistle Court lock change",
    "Thistle Court answer",
];
const DA_SUMMARY: &str = DA_MARKERS[0];
const DA_VICTIM: &str = DA_MARKERS[1];
const DA_NOTE: &str = DA_MARKERS[2];
const DA_TASK: &str = DA_MARKERS[3];
const DA_COMMENT: &str = DA_MARKERS[4];

// ---------------------------------------------------------------------------------------------
// Who

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agency {
    /// The borough council: owns both cases, hosts both panels.
    A,
    /// The police: the ASB case is shared with it.
    B,
    /// A housing association: unrelated to both cases.
    C,
}

impl Agency {
    fn code(self) -> &'static str {
        match self {
            Agency::A => "maidstone-borough-council",
            Agency::B => "kent-police",
            Agency::C => "golding-homes",
        }
    }
}

/// Every user of the test: one per role at A (`coordinator` and `analyst` come with
/// `TestApp`), a practitioner at B, a practitioner and a coordinator at C.
const PEOPLE: [(&str, Agency, Role); 9] = [
    ("coordinator", Agency::A, Role::Coordinator),
    ("analyst", Agency::A, Role::Analyst),
    ("a-practitioner", Agency::A, Role::Practitioner),
    ("a-chair", Agency::A, Role::PanelChair),
    ("a-committee", Agency::A, Role::CommitteeMember),
    ("a-admin", Agency::A, Role::Administrator),
    ("b-practitioner", Agency::B, Role::Practitioner),
    ("c-practitioner", Agency::C, Role::Practitioner),
    ("c-coordinator", Agency::C, Role::Coordinator),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Who {
    name: &'static str,
    agency: Agency,
    role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Asb,
    Da,
}

impl Who {
    fn works(self) -> bool {
        matches!(self.role, Role::Coordinator | Role::Practitioner | Role::PanelChair)
    }

    fn handles_reviews(self) -> bool {
        matches!(self.role, Role::Coordinator | Role::PanelChair)
    }

    /// Runs both panels: a chair or coordinator of their host, A.
    fn runs_panels(self) -> bool {
        self.agency == Agency::A && self.handles_reviews()
    }

    /// The need-to-know rule on the seeded facts: the ASB case is A's, shared with B; the
    /// domestic abuse case is A's, restricted to its team (the practitioner who opened it and
    /// A's panel chair, put on it by the MARAC referral).
    fn reads(self, case: Which) -> bool {
        self.works()
            && match case {
                Which::Asb => matches!(self.agency, Agency::A | Agency::B),
                Which::Da => {
                    self.agency == Agency::A && matches!(self.name, "a-practitioner" | "a-chair")
                }
            }
    }

    fn manages(self, case: Which) -> bool {
        self.reads(case) && self.agency == Agency::A
    }

    /// Sees the case's reference: readers, and those who run a panel with it on an agenda.
    fn sees_reference(self, case: Which) -> bool {
        self.reads(case) || self.runs_panels()
    }
}

fn people() -> Vec<Who> {
    PEOPLE.iter().map(|&(name, agency, role)| Who { name, agency, role }).collect()
}

// ---------------------------------------------------------------------------------------------
// What each route answers

/// Who reaches a route, and the status they get; everyone else gets 404 (or 403 as noted).
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Any signed-in user.
    Anyone(u16),
    /// Users whose roles work cases.
    Worker(u16),
    /// Coordinators and panel chairs (case reviews).
    Handler(u16),
    /// Coordinators (the case review settings).
    Coordinator(u16),
    /// Nobody: the route does not apply to this case (a DASH on an ASB case).
    Nobody,
    /// Readers of the case.
    Read(Which, u16),
    /// Managers of the case; its other readers get 403.
    Manage(Which, u16),
    /// The case review application on the ASB case: handlers who read the case.
    Application(u16),
    /// A panel's form: its runners; other case workers get 403.
    PanelRun(u16),
    /// A meeting with `Which` on its agenda: runners of the panel and readers of the case.
    Meeting(Which, u16),
    /// A meeting's form for runners: as `Meeting`, but readers who do not run it get 403.
    MeetingRun(Which, u16),
    /// An agenda item's form: readers of its case who see the meeting.
    MeetingItem(Which, u16),
}

fn expected(rule: Rule, who: Who) -> u16 {
    let or_404 = |ok: bool, status: u16| if ok { status } else { 404 };
    match rule {
        Rule::Anyone(status) => status,
        Rule::Worker(status) => or_404(who.works(), status),
        Rule::Handler(status) => or_404(who.handles_reviews(), status),
        Rule::Coordinator(status) => or_404(who.role == Role::Coordinator, status),
        Rule::Nobody => 404,
        Rule::Read(case, status) => or_404(who.reads(case), status),
        Rule::Manage(case, status) => {
            if who.manages(case) {
                status
            } else {
                or_404(who.reads(case), 403)
            }
        }
        Rule::Application(status) => or_404(who.handles_reviews() && who.reads(Which::Asb), status),
        Rule::PanelRun(status) => or_404(who.works(), if who.runs_panels() { status } else { 403 }),
        Rule::Meeting(case, status) => {
            or_404(who.works() && (who.runs_panels() || who.reads(case)), status)
        }
        Rule::MeetingRun(case, status) => or_404(
            who.works() && (who.runs_panels() || who.reads(case)),
            if who.runs_panels() { status } else { 403 },
        ),
        Rule::MeetingItem(case, status) => or_404(who.reads(case), status),
    }
}

/// What a permitted GET must show, so that the markers' absence elsewhere means something.
fn must_show(call: &Call) -> &'static [&'static str] {
    let case = |which: Which| match which {
        Which::Asb => &[ASB_SUMMARY, ASB_VICTIM, ASB_NOTE, ASB_TASK][..],
        Which::Da => &[DA_SUMMARY, DA_VICTIM, DA_NOTE, DA_TASK][..],
    };
    match (call.route, call.rule) {
        ("/cases/{id}" | "/api/v1/cases/{id}", Rule::Read(which, _)) => case(which),
        ("/cases/{id}/documents/{doc}", _) => &[ASB_DOCUMENT],
        ("/cases/{id}/problem-solving", Rule::Read(Which::Asb, _)) => &[ASB_OBJECTIVE],
        ("/cases/{id}/marac-referral/{referral}", _) => &[DA_COMMENT],
        ("/trigger/{id}/outcome-letter", _) => &[ASB_VICTIM, TRIGGER_FINDINGS],
        ("/trigger/{id}/decision-letter", _) => &[ASB_VICTIM],
        _ => &[],
    }
}

/// Whether the rule lets `who` do what the route does (a 403 or 404 is a refusal).
fn permitted(rule: Rule, who: Who) -> bool {
    let sees_meeting = |case| who.works() && (who.runs_panels() || who.reads(case));
    match rule {
        Rule::Anyone(_) => true,
        Rule::Worker(_) => who.works(),
        Rule::Handler(_) => who.handles_reviews(),
        Rule::Coordinator(_) => who.role == Role::Coordinator,
        Rule::Nobody => false,
        Rule::Read(case, _) | Rule::MeetingItem(case, _) => who.reads(case),
        Rule::Manage(case, _) => who.manages(case),
        Rule::Application(_) => who.handles_reviews() && who.reads(Which::Asb),
        Rule::PanelRun(_) => who.works() && who.runs_panels(),
        Rule::Meeting(case, _) => sees_meeting(case),
        Rule::MeetingRun(case, _) => sees_meeting(case) && who.runs_panels(),
    }
}

/// What a request carries besides the CSRF token.
#[derive(Debug, Clone)]
enum Payload {
    /// A urlencoded form (the token goes first when sent).
    Form(Vec<(String, String)>),
    /// A JSON body (the token goes in `X-CSRF-Token`).
    Json(Value),
    /// A `multipart/form-data` body: the token part first, then the fields, then the file.
    Multipart(Vec<(String, String)>, Option<(String, Vec<u8>)>),
}

/// One request to make.
#[derive(Debug, Clone)]
struct Call {
    /// The route as its router registers it.
    route: &'static str,
    post: bool,
    path: String,
    rule: Rule,
    /// A body a permitted user may send without changing anything that matters (invalid, or
    /// idempotent); `None` when no such body exists (revoke, close): permitted users then make
    /// this call only at the end.
    harmless: Option<Payload>,
    /// A body that would change the case if it were accepted: sent by refused users and
    /// without the token.
    valid: Payload,
}

fn get(route: &'static str, path: impl Into<String>, rule: Rule) -> Call {
    Call {
        route,
        post: false,
        path: path.into(),
        rule,
        harmless: None,
        valid: Payload::Form(Vec::new()),
    }
}

fn post(
    route: &'static str,
    path: impl Into<String>,
    rule: Rule,
    harmless: Option<Payload>,
    valid: Payload,
) -> Call {
    Call { route, post: true, path: path.into(), rule, harmless, valid }
}

fn form(fields: &[(&str, &str)]) -> Payload {
    Payload::Form(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

fn empty() -> Option<Payload> {
    Some(Payload::Form(Vec::new()))
}

/// `field_day`, `field_month`, `field_year` (with `sep` between) for an ISO date.
fn date(field: &str, sep: &str, iso: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = iso.split('-').collect();
    vec![
        (format!("{field}{sep}day"), parts[2].trim_start_matches('0').to_string()),
        (format!("{field}{sep}month"), parts[1].trim_start_matches('0').to_string()),
        (format!("{field}{sep}year"), parts[0].to_string()),
    ]
}

fn fields(pairs: &[(&str, &str)], dates: &[(&str, &str, &str)]) -> Payload {
    let mut all: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for (field, sep, iso) in dates {
        all.extend(date(field, sep, iso));
    }
    Payload::Form(all)
}

// ---------------------------------------------------------------------------------------------
// The seeded world

struct World {
    smp: PartnershipId,
    users: BTreeMap<&'static str, User>,
    agencies: BTreeMap<&'static str, i64>,
    asb: i64,
    asb_reference: String,
    asb_victim: i64,
    asb_perpetrator: i64,
    asb_task: i64,
    document: i64,
    record: i64,
    da: i64,
    da_reference: String,
    da_victim: i64,
    da_task: i64,
    checklist: i64,
    referral: i64,
    csvg: i64,
    marac: i64,
    csvg_meeting: i64,
    csvg_item: i64,
    marac_meeting: i64,
    marac_item: i64,
    application: i64,
}

impl World {
    fn viewer(&self, name: &str) -> Viewer {
        let user = &self.users[name];
        let role = PEOPLE.iter().find(|(n, _, _)| *n == name).unwrap().2;
        Viewer { user: user.id(), agency: AgencyId(user.agency_id), roles: vec![role] }
    }

    fn user_id(&self, name: &str) -> String {
        self.users[name].id.to_string()
    }

    fn case(&self, which: Which) -> i64 {
        match which {
            Which::Asb => self.asb,
            Which::Da => self.da,
        }
    }

    fn reference(&self, which: Which) -> &str {
        match which {
            Which::Asb => &self.asb_reference,
            Which::Da => &self.da_reference,
        }
    }
}

/// Seeds through the store: the users, the ASB case (shared with B) with its subjects,
/// incident, note, task, CPW, document, risk assessment and problem-solving record, referred
/// to the CSVG and on a planned meeting's agenda, with a case review application; the
/// domestic abuse case with its victim, note, task and a DASH checklist that referred it to
/// MARAC, on a planned MARAC meeting's agenda.
async fn seed(app: &TestApp) -> World {
    let store = &app.db.store;
    let smp = store
        .partnership_by_slug("safer-maidstone-partnership")
        .await
        .unwrap()
        .expect("the test app's partnership")
        .id();
    let mut users = BTreeMap::new();
    for (name, agency, role) in PEOPLE {
        let user = match store.user_by_username(name).await.unwrap() {
            Some(user) => user,
            None => add_user(store, smp, name, agency.code(), role).await,
        };
        users.insert(name, user);
    }
    let mut agencies = BTreeMap::new();
    for (label, agency) in [("A", Agency::A), ("B", Agency::B), ("C", Agency::C)] {
        let found = store.agency_by_code(agency.code()).await.unwrap().unwrap();
        store.add_partnership_agency(smp, found.id, 0).await.unwrap();
        agencies.insert(label, found.id.0);
    }
    let mut world = World {
        smp,
        users,
        agencies,
        asb: 0,
        asb_reference: String::new(),
        asb_victim: 0,
        asb_perpetrator: 0,
        asb_task: 0,
        document: 0,
        record: 0,
        da: 0,
        da_reference: String::new(),
        da_victim: 0,
        da_task: 0,
        checklist: 0,
        referral: 0,
        csvg: 0,
        marac: 0,
        csvg_meeting: 0,
        csvg_item: 0,
        marac_meeting: 0,
        marac_item: 0,
        application: 0,
    };
    let now = 1_700_000_000;
    let a = AgencyId(world.agencies["A"]);
    let b = AgencyId(world.agencies["B"]);

    // The ASB case, by A's coordinator.
    let owner = world.viewer("coordinator");
    let new = NewCase {
        partnership: smp,
        case_type: CaseType::Asb,
        summary: ASB_SUMMARY,
        opened_on: "2023-10-01",
    };
    let (asb, reference) = store.open_case(&owner, &new, now).await.unwrap();
    let person = |name| NewSubject {
        kind: SubjectKind::Person,
        name,
        born_on: Some("1980-02-03"),
        address: Some("7 High Street"),
        postcode: Some("ME14 1XX"),
    };
    let victim = store
        .add_new_subject(
            &owner,
            asb,
            &person(ASB_VICTIM),
            LinkRole::Victim,
            Consent::Given,
            None,
            now,
        )
        .await
        .unwrap();
    let perpetrator = store
        .add_new_subject(
            &owner,
            asb,
            &person(ASB_PERPETRATOR),
            LinkRole::Perpetrator,
            Consent::NotRequired,
            None,
            now,
        )
        .await
        .unwrap();
    store
        .share_case(&owner, asb, b, "joint ASB response", LegalBasis::PublicTask, now)
        .await
        .unwrap();
    let incident = NewIncident {
        occurred_on: "2023-10-02",
        reported_on: "2023-10-03",
        reported_to: a,
        category: "noise",
        location: None,
        incident_key: None,
        description: ASB_INCIDENT,
    };
    store.add_incident(&owner, asb, &incident, now).await.unwrap();
    store.add_note(&owner, asb, ASB_NOTE, now).await.unwrap();
    let task = store.add_task(&owner, asb, ASB_TASK, owner.user, "2023-11-30", now).await.unwrap();
    let warning = NewWarning {
        subject: perpetrator,
        conduct: "loud music",
        issued_on: "2023-11-01",
        comply_by_on: "2023-11-10",
    };
    store.record_cpw(&owner, asb, &warning, now).await.unwrap();
    let document = store
        .add_document(&owner, asb, "diary.txt", DocumentKind::Text, ASB_DOCUMENT.as_bytes(), now)
        .await
        .unwrap();
    let assessment = RiskAssessment {
        assessed_on: time::Date::from_calendar_date(2023, time::Month::November, 10).unwrap(),
        score: 10,
        level: RiskLevel::Medium,
        refer_to_victim_support: false,
        yes: vec!["violence".to_string()],
        reviews: Vec::new(),
        next_review: None,
    };
    store.record_risk_assessment(&owner, asb, Some(victim), &assessment, now).await.unwrap();
    let record = ProblemSolving {
        id: 0,
        objective: ASB_OBJECTIVE.to_string(),
        scanning: "Calls every evening".to_string(),
        analysis: "One flat".to_string(),
        response: "Mediation".to_string(),
        area: "district:Maidstone".to_string(),
        crime_types_json: "[]".to_string(),
        before_period: "2023-01..2023-03".to_string(),
        after_period: "2023-04..2023-06".to_string(),
        assessment: None,
    };
    let record = store.record_problem_solving(&owner, asb, &record, now).await.unwrap();
    let csvg = store.create_panel(smp, PanelKind::Csvg, "Maidstone CSVG", a, 28, 0).await.unwrap();
    store
        .refer_to_panel(
            &owner,
            asb,
            csvg.id,
            "2023-11-01",
            "new-concern",
            Some(ASB_REFERRAL),
            LegalBasis::PublicTask,
            now,
        )
        .await
        .unwrap();
    let csvg_meeting = store.plan_meeting(&owner, csvg.id, "2023-11-20", now).await.unwrap();
    let csvg_item = store.meeting(&owner, csvg_meeting, now).await.unwrap().items[0].id;
    let application = NewTriggerApplication {
        partnership: smp,
        case: TriggerCase::Existing(&reference),
        applicant_name: ASB_VICTIM,
        on_behalf: None,
        victim: VictimKind::Individual,
        received_on: "2023-11-01",
    };
    let (application, _) = store.apply_for_case_review(&owner, &application, now).await.unwrap();

    // The domestic abuse case, by A's practitioner (an IDVA); the DASH refers it to MARAC.
    let idva = world.viewer("a-practitioner");
    let new = NewCase {
        partnership: smp,
        case_type: CaseType::DomesticAbuse,
        summary: DA_SUMMARY,
        opened_on: "2023-11-01",
    };
    let (da, da_reference) = store.open_case(&idva, &new, now).await.unwrap();
    let da_victim = store
        .add_new_subject(
            &idva,
            da,
            &NewSubject {
                kind: SubjectKind::Person,
                name: DA_VICTIM,
                born_on: Some("1991-06-07"),
                address: None,
                postcode: None,
            },
            LinkRole::Victim,
            Consent::Given,
            None,
            now,
        )
        .await
        .unwrap();
    store.add_note(&idva, da, DA_NOTE, now).await.unwrap();
    let da_task = store.add_task(&idva, da, DA_TASK, idva.user, "2023-11-30", now).await.unwrap();
    let marac =
        store.create_panel(smp, PanelKind::Marac, "Maidstone MARAC", a, 28, 0).await.unwrap();
    let responses = (1..=24)
        .map(|n| DashResponse {
            answer: if n <= 15 { Answer::Yes } else { Answer::No },
            comment: format!("{DA_COMMENT} {n}"),
        })
        .collect();
    let dash = NewDash {
        victim: da_victim,
        completed_on: "2023-11-12",
        incident_on: "2023-11-10",
        responses,
        judgement: None,
    };
    let outcome = store.record_dash(&idva, da, &dash, now).await.unwrap();
    let chair = world.viewer("a-chair");
    let marac_meeting = store.plan_meeting(&chair, marac.id, "2023-11-21", now).await.unwrap();
    let marac_item = store.meeting(&chair, marac_meeting, now).await.unwrap().items[0].id;

    world.asb = asb.0;
    world.asb_reference = reference;
    world.asb_victim = victim.0;
    world.asb_perpetrator = perpetrator.0;
    world.asb_task = task;
    world.document = document;
    world.record = record;
    world.da = da.0;
    world.da_reference = da_reference;
    world.da_victim = da_victim.0;
    world.da_task = da_task;
    world.checklist = outcome.checklist;
    world.referral = outcome.referral.expect("15 yes answers refer to MARAC");
    world.csvg = csvg.id;
    world.marac = marac.id;
    world.csvg_meeting = csvg_meeting;
    world.csvg_item = csvg_item;
    world.marac_meeting = marac_meeting;
    world.marac_item = marac_item;
    world.application = application;
    world
}

// ---------------------------------------------------------------------------------------------
// The routes

/// Routes that hold no case data, with why; every other route must be in [`calls`].
const NO_CASE_DATA: [(&str, &str, &str); 24] = [
    ("/", "get", "redirects to the plans"),
    ("/sign-in", "get", "signing in (sign_in.rs)"),
    ("/sign-in", "post", "signing in (sign_in.rs)"),
    ("/sign-out", "post", "signing out (sign_in.rs)"),
    ("/account", "get", "the user's own account"),
    ("/account/partnership", "post", "the partnership the user works in (account.rs)"),
    ("/online-surveys", "get", "anonymous survey responses: counts (public_surveys.rs)"),
    ("/online-surveys/{id}/responses.csv", "get", "anonymous survey responses (public_surveys.rs)"),
    ("/online-surveys/{id}/close", "get", "closing a survey wave (public_surveys.rs)"),
    ("/online-surveys/{id}/close", "post", "closing a survey wave (public_surveys.rs)"),
    ("/plans", "get", "the partnership's plan"),
    ("/plans/{plan}", "get", "the partnership's plan"),
    ("/plans/{plan}/priorities/{priority}", "get", "the partnership's plan"),
    ("/plans/{plan}/groups", "get", "the partnership's plan"),
    ("/plans/{plan}/governance", "get", "the partnership's plan"),
    ("/assessments", "get", "strategic assessments: aggregates (assessments.rs)"),
    ("/assessments/new", "get", "strategic assessments: aggregates (assessments.rs)"),
    ("/assessments/new", "post", "strategic assessments: aggregates (assessments.rs)"),
    ("/assessments/jobs/{id}", "get", "strategic assessments: aggregates (assessments.rs)"),
    ("/assessments/{id}", "get", "strategic assessments: aggregates (assessments.rs)"),
    ("/assessments/{id}/regenerate", "post", "strategic assessments (assessments.rs)"),
    ("/assessments/{id}/report", "get", "strategic assessments: aggregates (assessments.rs)"),
    ("/assessments/{id}/report.html", "get", "strategic assessments (assessments.rs)"),
    ("/assessments/{id}/figures.json", "get", "strategic assessments (assessments.rs)"),
];

/// Routes outside the session layer, answered the same to everyone.
const PUBLIC: [(&str, &str, &str); 2] =
    [("/healthz", "get", "health check"), ("/assets/safer.css", "get", "the stylesheet")];

/// The public front door (`src/public/`): pages for residents, with no sign-in. They hold no
/// case data; what a resident sees of their own report or application is reached only by its
/// private link's token, tested in `tests/it/public_*.rs`.
const FRONT_DOOR: &[(&str, &str, &str)] = &[
    ("/public", "get", "the front door's start page"),
    ("/public/report", "get", "reporting: the start page"),
    ("/public/report", "post", "reporting: one page's answers, echoed back to their sender only"),
    ("/public/report/emergency", "get", "reporting: the emergency question"),
    ("/public/report/problem", "get", "reporting: the behaviours"),
    ("/public/report/answer", "get", "reporting: where a behaviour goes"),
    ("/public/report/send", "post", "reporting: the report made; a reference and a private link"),
    ("/public/report/status/{token}", "get", "a report's progress, by its private token only"),
    ("/public/report/map.svg", "get", "reporting: the map of the area, the same for everyone"),
    ("/public/community-trigger", "get", "the Community Trigger: the threshold in plain words"),
    ("/public/community-trigger", "post", "the application's pages, echoed to their sender only"),
    ("/public/community-trigger/send", "post", "the application made; a private link"),
    ("/public/community-trigger/status/{token}", "get", "an application's stages, by token only"),
    ("/open311/v2/discovery.json", "get", "Open311: where the interface is"),
    ("/open311/v2/services.json", "get", "Open311: the reportable behaviours"),
    ("/open311/v2/services/{code}", "get", "Open311: one service's definition"),
    ("/open311/v2/requests.json", "get", "Open311: reports, public fields only"),
    ("/open311/v2/requests.json", "post", "Open311: a report, with an API key"),
    ("/open311/v2/requests/{id}", "get", "Open311: one report, public fields only"),
];

/// The public dashboard's routes (aggregates only; `tests/it/public_dashboard.rs`).
const FRONT_DOOR_DASHBOARD: &[(&str, &str, &str)] = &[
    ("/public/dashboard", "get", "the public dashboard: aggregates only"),
    ("/public/dashboard/wards/{code}", "get", "a ward on the public dashboard: aggregates only"),
    ("/you-said-we-did", "get", "coordinators' public \"You said, we did\" entries"),
    ("/you-said-we-did", "post", "coordinators' public \"You said, we did\" entries"),
    ("/you-said-we-did/{id}/remove", "post", "coordinators' public \"You said, we did\" entries"),
];

/// The online surveys' routes (anonymous answers; `tests/it/public_surveys.rs`).
const FRONT_DOOR_SURVEYS: &[(&str, &str, &str)] = &[
    ("/public/surveys", "get", "the open surveys: titles and descriptions only"),
    ("/public/surveys/{id}", "get", "a survey's form, or its invitation code page"),
    ("/public/surveys/{id}", "post", "a code checked or answers sent; echoed to the sender only"),
];

const POWER_KINDS: [&str; 8] =
    ["cpw", "cpn", "appeal", "fpn", "closure-notice", "closure-order", "pspo", "injunction"];

/// Every case-data route, with the seeded ids, for both cases where the route takes a case.
fn calls(w: &World) -> Vec<Call> {
    let mut calls = vec![
        get("/tasks", "/tasks", Rule::Worker(200)),
        get("/cases", "/cases", Rule::Worker(200)),
        get("/cases/new", "/cases/new", Rule::Worker(200)),
        post(
            "/cases/new",
            "/cases/new",
            Rule::Worker(422),
            empty(),
            fields(
                &[("case_type", "asb"), ("summary", "Injected case")],
                &[("opened", "_", "2023-11-01")],
            ),
        ),
        get("/api/v1/openapi.json", "/api/v1/openapi.json", Rule::Anyone(200)),
        get("/api/v1/session", "/api/v1/session", Rule::Anyone(200)),
        get("/api/v1/cases", "/api/v1/cases", Rule::Worker(200)),
        post(
            "/api/v1/cases",
            "/api/v1/cases",
            Rule::Worker(422),
            Some(Payload::Json(json!({}))),
            Payload::Json(
                json!({"case_type": "asb", "summary": "Injected case", "opened_on": "2023-11-01"}),
            ),
        ),
        get("/api/v1/tasks", "/api/v1/tasks", Rule::Worker(200)),
        get("/due", "/due", Rule::Worker(200)),
        get("/api/v1/due", "/api/v1/due", Rule::Worker(200)),
        // Panels and meetings.
        get("/panels", "/panels", Rule::Worker(200)),
        get("/trigger", "/trigger", Rule::Handler(200)),
        get("/trigger/new", "/trigger/new", Rule::Handler(200)),
        post(
            "/trigger/new",
            "/trigger/new",
            Rule::Handler(422),
            empty(),
            form(&[
                ("case", "existing"),
                ("case_reference", &w.asb_reference),
                ("applicant", "victim"),
                ("applicant_name", "Injected Applicant"),
                ("victim", "individual"),
                ("received_on", "2023-11-01"),
            ]),
        ),
        get("/api/v1/trigger/figures", "/api/v1/trigger/figures", Rule::Anyone(200)),
        get("/trigger/settings", "/trigger/settings", Rule::Coordinator(200)),
        post(
            "/trigger/settings",
            "/trigger/settings",
            Rule::Coordinator(422),
            empty(),
            form(&[
                ("threshold", "1"),
                ("separate_complainants", ""),
                ("acknowledge_days", "5"),
                ("decision_working_days", "5"),
                ("review_working_days", "5"),
                ("escalation_route", "Injected route"),
            ]),
        ),
        get("/cases/retention", "/cases/retention", Rule::Worker(200)),
    ];
    let coordinator = w.user_id("coordinator");
    let a = w.agencies["A"].to_string();
    let b = w.agencies["B"];
    let c = w.agencies["C"].to_string();

    for which in [Which::Asb, Which::Da] {
        let id = w.case(which);
        let base = format!("/cases/{id}");
        let api = format!("/api/v1/cases/{id}");
        let (subject, other_subject, task, member, new_member) = match which {
            Which::Asb => (
                w.asb_victim,
                w.asb_perpetrator,
                w.asb_task,
                coordinator.clone(),
                w.user_id("b-practitioner"),
            ),
            Which::Da => (
                w.da_victim,
                w.da_victim,
                w.da_task,
                w.user_id("a-practitioner"),
                coordinator.clone(),
            ),
        };
        let subject = subject.to_string();
        let other_subject = other_subject.to_string();
        let read = |status| Rule::Read(which, status);
        let person = fields(
            &[
                ("kind", "person"),
                ("name", "Injected Person"),
                ("address", "1 Injected Road"),
                ("postcode", "ME14 1XX"),
                ("part", "witness"),
                ("consent", "given"),
            ],
            &[("born", "_", "1970-01-01")],
        );
        calls.extend([
            get("/cases/{id}", base.clone(), read(200)),
            // Neither case is closed, let alone past its retention: 403 with the reason for
            // those who may read it.
            get("/cases/{id}/erase", format!("{base}/erase"), Rule::Manage(which, 403)),
            post(
                "/cases/{id}/erase",
                format!("{base}/erase"),
                Rule::Manage(which, 403),
                empty(),
                Payload::Form(Vec::new()),
            ),
            post(
                "/cases/{id}/incidents",
                format!("{base}/incidents"),
                read(422),
                empty(),
                fields(
                    &[("category", "noise"), ("description", "Injected incident")],
                    &[("occurred", "_", "2023-11-02"), ("reported", "_", "2023-11-03")],
                ),
            ),
            post(
                "/cases/{id}/notes",
                format!("{base}/notes"),
                read(422),
                empty(),
                form(&[("note", "Injected note")]),
            ),
            post(
                "/cases/{id}/tasks",
                format!("{base}/tasks"),
                read(422),
                empty(),
                fields(
                    &[("title", "Injected task"), ("owner", &coordinator)],
                    &[("due", "_", "2023-12-01")],
                ),
            ),
            post(
                "/cases/{id}/tasks/{task}/complete",
                format!("{base}/tasks/{task}/complete"),
                read(303),
                empty(),
                Payload::Form(Vec::new()),
            ),
            get("/cases/{id}/subjects/new", format!("{base}/subjects/new"), read(200)),
            post(
                "/cases/{id}/subjects/check",
                format!("{base}/subjects/check"),
                read(422),
                empty(),
                person.clone(),
            ),
            post("/cases/{id}/subjects", format!("{base}/subjects"), read(422), empty(), person),
            post(
                "/cases/{id}/subjects/link",
                format!("{base}/subjects/link"),
                read(303),
                // Linking the case's own victim again as its victim changes nothing.
                Some(form(&[("subject", &subject), ("part", "victim"), ("consent", "given")])),
                form(&[("subject", &other_subject), ("part", "witness"), ("consent", "given")]),
            ),
            post(
                "/cases/{id}/shares",
                format!("{base}/shares"),
                // Sharing with the owning agency is refused with a reason: 403 for managers too.
                Rule::Manage(which, 403),
                Some(form(&[("agency", &a), ("purpose", "x"), ("legal_basis", "public-task")])),
                form(&[("agency", &c), ("purpose", "Injected"), ("legal_basis", "public-task")]),
            ),
            post(
                "/cases/{id}/shares/{agency}/revoke",
                format!("{base}/shares/{b}/revoke"),
                Rule::Manage(which, 303),
                None,
                Payload::Form(Vec::new()),
            ),
            post(
                "/cases/{id}/team",
                format!("{base}/team"),
                Rule::Manage(which, 303),
                // Someone already on the team.
                Some(form(&[("member", &member)])),
                form(&[("member", &new_member)]),
            ),
            post(
                "/cases/{id}/close",
                format!("{base}/close"),
                Rule::Manage(which, 303),
                None,
                Payload::Form(Vec::new()),
            ),
            // The JSON API.
            get("/api/v1/cases/{id}", api.clone(), read(200)),
            post(
                "/api/v1/cases/{id}/incidents",
                format!("{api}/incidents"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({"occurred_on": "2023-11-02", "reported_on": "2023-11-02",
                    "category": "noise", "description": "Injected incident"})),
            ),
            post(
                "/api/v1/cases/{id}/notes",
                format!("{api}/notes"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({"body": "Injected note"})),
            ),
            post(
                "/api/v1/cases/{id}/tasks",
                format!("{api}/tasks"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(
                    json!({"title": "Injected task", "owner_id": w.users["coordinator"].id,
                    "due_on": "2023-12-01"}),
                ),
            ),
            post(
                "/api/v1/tasks/{id}/complete",
                format!("/api/v1/tasks/{task}/complete"),
                read(204),
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({})),
            ),
            // Powers.
            get("/cases/{id}/powers", format!("{base}/powers"), read(200)),
            get("/api/v1/cases/{id}/clocks", format!("{api}/clocks"), read(200)),
            // Records.
            get("/cases/{id}/documents", format!("{base}/documents"), read(200)),
            post(
                "/cases/{id}/documents",
                format!("{base}/documents"),
                read(422),
                Some(Payload::Multipart(Vec::new(), None)),
                Payload::Multipart(
                    Vec::new(),
                    Some(("injected.txt".to_string(), b"Injected document\n".to_vec())),
                ),
            ),
            get("/cases/{id}/risk", format!("{base}/risk"), read(200)),
            post(
                "/cases/{id}/risk",
                format!("{base}/risk"),
                read(422),
                empty(),
                Payload::Form(
                    RISK_QUESTIONS.iter().map(|q| (q.to_string(), "no".to_string())).collect(),
                ),
            ),
            get(
                "/cases/{id}/location-assessment",
                format!("{base}/location-assessment"),
                read(200),
            ),
            post(
                "/cases/{id}/location-assessment",
                format!("{base}/location-assessment"),
                read(422),
                empty(),
                form(&[
                    ("young_people", "Injected"),
                    ("guardianship", "Injected"),
                    ("environment", "Injected"),
                    ("weighting", "guardianship"),
                    ("goals", "Injected"),
                    ("responses", "Injected"),
                ]),
            ),
            get("/cases/{id}/problem-solving", format!("{base}/problem-solving"), read(200)),
            post(
                "/cases/{id}/problem-solving",
                format!("{base}/problem-solving"),
                read(422),
                empty(),
                form(&[
                    ("objective", "Injected"),
                    ("scanning", "Injected"),
                    ("analysis", "Injected"),
                    ("response", "Injected"),
                    ("area", "district:Maidstone"),
                    ("before", "2023-01..2023-03"),
                    ("after", "2023-04..2023-06"),
                ]),
            ),
            // DASH: only on a domestic abuse case.
            get(
                "/cases/{id}/dash",
                format!("{base}/dash"),
                if which == Which::Da { read(200) } else { Rule::Nobody },
            ),
            post(
                "/cases/{id}/dash",
                format!("{base}/dash"),
                if which == Which::Da { read(422) } else { Rule::Nobody },
                empty(),
                dash_fields(&subject),
            ),
            // The JSON API of powers, records and DASH: the same rules as the pages.
            get("/api/v1/cases/{id}/powers", format!("{api}/powers"), read(200)),
            get("/api/v1/cases/{id}/documents", format!("{api}/documents"), read(200)),
            get("/api/v1/cases/{id}/risk", format!("{api}/risk"), read(200)),
            post(
                "/api/v1/cases/{id}/risk",
                format!("{api}/risk"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({
                    "answers": RISK_QUESTIONS.iter().map(|q| (q.to_string(), json!(false)))
                        .collect::<serde_json::Map<String, Value>>(),
                })),
            ),
            get(
                "/api/v1/cases/{id}/location-assessment",
                format!("{api}/location-assessment"),
                read(200),
            ),
            post(
                "/api/v1/cases/{id}/location-assessment",
                format!("{api}/location-assessment"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({
                    "young_people": "Injected", "guardianship": "Injected",
                    "environment": "Injected", "weighting": "guardianship",
                    "goals": "Injected", "responses": "Injected",
                })),
            ),
            get("/api/v1/cases/{id}/problem-solving", format!("{api}/problem-solving"), read(200)),
            post(
                "/api/v1/cases/{id}/problem-solving",
                format!("{api}/problem-solving"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({
                    "objective": "Injected", "scanning": "Injected", "analysis": "Injected",
                    "response": "Injected", "area": "district:Maidstone",
                    "before_period": "2023-01..2023-03", "after_period": "2023-04..2023-06",
                })),
            ),
            post(
                "/api/v1/cases/{id}/dash",
                format!("{api}/dash"),
                if which == Which::Da { read(422) } else { Rule::Nobody },
                Some(Payload::Json(json!({}))),
                Payload::Json(json!({
                    "victim_id": subject.parse::<i64>().unwrap(), "incident_on": "2023-11-13",
                    "answers": (1..=24).map(|_| json!({ "answer": "yes", "comment": "Injected" }))
                        .collect::<Vec<_>>(),
                })),
            ),
        ]);
        let recipient = other_subject.parse::<i64>().unwrap();
        for kind in POWER_KINDS {
            let path = format!("{base}/powers/{kind}");
            calls.push(get("/cases/{id}/powers/{kind}", path.clone(), read(200)));
            calls.push(post(
                "/cases/{id}/powers/{kind}",
                path,
                read(422),
                empty(),
                power_fields(kind, &other_subject),
            ));
            let valid = match kind {
                "cpw" => json!({ "subject_id": recipient, "conduct": "loud music",
                    "issued_on": "2023-11-01", "comply_by_on": "2023-11-10" }),
                "cpn" => json!({ "subject_id": recipient, "conduct": "loud music",
                    "issued_on": "2023-11-11",
                    "requirements": ["Stop: playing amplified music after 23:00"] }),
                "appeal" => json!({ "power_id": 1, "lodged_on": "2023-11-12" }),
                "fpn" => json!({ "power_id": 1, "offence_on": "2023-11-12",
                    "given_on": "2023-11-13" }),
                "closure-notice" => json!({ "issuer": "local-authority",
                    "served_on": "2023-11-01", "served_time": "10:00", "hours": 24 }),
                "closure-order" => json!({ "made_on": "2023-11-03", "until_on": "2024-02-02" }),
                "pspo" => json!({ "made_on": "2023-11-01" }),
                _ => json!({ "subject_id": recipient, "granted_on": "2023-11-05",
                    "power_of_arrest": true }),
            };
            calls.push(post(
                "/api/v1/cases/{id}/powers/{kind}",
                format!("{api}/powers/{kind}"),
                read(422),
                Some(Payload::Json(json!({}))),
                Payload::Json(valid),
            ));
        }
    }

    // Records that belong to one case.
    let asb = w.asb;
    let da = w.da;
    calls.extend([
        get(
            "/cases/{id}/documents/{doc}",
            format!("/cases/{asb}/documents/{}", w.document),
            Rule::Read(Which::Asb, 200),
        ),
        post(
            "/cases/{id}/problem-solving/{record}/assessment",
            format!("/cases/{asb}/problem-solving/{}/assessment", w.record),
            Rule::Read(Which::Asb, 422),
            empty(),
            form(&[("conclusion", "Injected conclusion")]),
        ),
        get(
            "/cases/{id}/dash/{checklist}",
            format!("/cases/{da}/dash/{}", w.checklist),
            Rule::Read(Which::Da, 200),
        ),
        get(
            "/cases/{id}/marac-referral/{referral}",
            format!("/cases/{da}/marac-referral/{}", w.referral),
            Rule::Read(Which::Da, 200),
        ),
        get(
            "/api/v1/cases/{id}/dash/{checklist}",
            format!("/api/v1/cases/{da}/dash/{}", w.checklist),
            Rule::Read(Which::Da, 200),
        ),
        get(
            "/api/v1/cases/{id}/marac-referrals/{referral}",
            format!("/api/v1/cases/{da}/marac-referrals/{}", w.referral),
            Rule::Read(Which::Da, 200),
        ),
    ]);

    // Panels and their meetings: the CSVG's has the ASB case, the MARAC's the DA case.
    for (panel, meeting, item, which) in [
        (w.csvg, w.csvg_meeting, w.csvg_item, Which::Asb),
        (w.marac, w.marac_meeting, w.marac_item, Which::Da),
    ] {
        let owner = match which {
            Which::Asb => coordinator.clone(),
            Which::Da => w.user_id("a-practitioner"),
        };
        calls.extend([
            get("/panels/{id}", format!("/panels/{panel}"), Rule::Worker(200)),
            post(
                "/panels/{id}/meetings",
                format!("/panels/{panel}/meetings"),
                Rule::PanelRun(422),
                empty(),
                fields(&[], &[("held", "-", "2023-11-28")]),
            ),
            get("/meetings/{id}", format!("/meetings/{meeting}"), Rule::Meeting(which, 200)),
            get(
                "/meetings/{id}/print",
                format!("/meetings/{meeting}/print"),
                Rule::Meeting(which, 200),
            ),
            get(
                "/api/v1/meetings/{id}",
                format!("/api/v1/meetings/{meeting}"),
                Rule::Meeting(which, 200),
            ),
            post(
                "/meetings/{id}/attendance",
                format!("/meetings/{meeting}/attendance"),
                Rule::MeetingRun(which, 422),
                empty(),
                form(&[("agency", &a), ("attendee", "Injected attendee"), ("present", "present")]),
            ),
            post(
                "/meetings/{id}/items/{item}/minutes",
                format!("/meetings/{meeting}/items/{item}/minutes"),
                Rule::MeetingItem(which, 422),
                empty(),
                form(&[("minutes", "Injected minutes")]),
            ),
            post(
                "/meetings/{id}/items/{item}/actions",
                format!("/meetings/{meeting}/items/{item}/actions"),
                Rule::MeetingItem(which, 422),
                empty(),
                fields(
                    &[("title", "Injected action"), ("owner", &owner)],
                    &[("due", "-", "2023-12-01")],
                ),
            ),
        ]);
    }

    // The case review on the ASB case.
    let t = format!("/trigger/{}", w.application);
    calls.extend([
        get("/trigger/{id}", t.clone(), Rule::Application(200)),
        get(
            "/trigger/{id}/decision-letter",
            format!("{t}/decision-letter"),
            Rule::Application(200),
        ),
        get("/trigger/{id}/outcome-letter", format!("{t}/outcome-letter"), Rule::Application(200)),
        post(
            "/trigger/{id}/decision",
            format!("{t}/decision"),
            Rule::Application(422),
            empty(),
            form(&[
                ("decided_on", "2023-11-05"),
                ("discretion", "review"),
                ("grounds", "harm"),
                ("reason", "Injected reason"),
            ]),
        ),
        post(
            "/trigger/{id}/review",
            format!("{t}/review"),
            Rule::Application(422),
            empty(),
            form(&[("held_on", "2023-11-10"), ("bodies", "council"), ("findings", "Injected")]),
        ),
        post(
            "/trigger/{id}/recommendations",
            format!("{t}/recommendations"),
            Rule::Application(422),
            empty(),
            form(&[
                ("recommendation", "Injected recommendation"),
                ("owner", &coordinator),
                ("due_on", "2023-12-01"),
            ]),
        ),
        post(
            "/trigger/{id}/outcome",
            format!("{t}/outcome"),
            Rule::Application(422),
            empty(),
            form(&[("sent_on", "2023-11-13")]),
        ),
    ]);
    // The same case review through the JSON API.
    let t = format!("/api/v1/trigger/applications/{}", w.application);
    let json_step = |route: &'static str, step: &str, valid: Value| {
        post(
            route,
            format!("{t}/{step}"),
            Rule::Application(422),
            Some(Payload::Json(json!({}))),
            Payload::Json(valid),
        )
    };
    calls.extend([
        post(
            "/api/v1/trigger/applications",
            "/api/v1/trigger/applications",
            Rule::Handler(422),
            Some(Payload::Json(json!({}))),
            Payload::Json(json!({
                "case": "existing", "case_reference": w.asb_reference, "applicant": "victim",
                "applicant_name": "Injected Applicant", "victim": "individual",
                "received_on": "2023-11-01",
            })),
        ),
        get("/api/v1/trigger/applications/{id}", t.clone(), Rule::Application(200)),
        json_step(
            "/api/v1/trigger/applications/{id}/decision",
            "decision",
            json!({ "decided_on": "2023-11-05", "discretion": "review", "grounds": ["harm"],
                    "reason": "Injected reason" }),
        ),
        json_step(
            "/api/v1/trigger/applications/{id}/review",
            "review",
            json!({ "held_on": "2023-11-10", "bodies": ["council"], "findings": "Injected" }),
        ),
        json_step(
            "/api/v1/trigger/applications/{id}/recommendations",
            "recommendations",
            json!({ "recommendation": "Injected recommendation",
                    "owner_id": w.users["coordinator"].id, "due_on": "2023-12-01" }),
        ),
        json_step(
            "/api/v1/trigger/applications/{id}/outcome",
            "outcome",
            json!({ "sent_on": "2023-11-13" }),
        ),
    ]);
    calls
}

const RISK_QUESTIONS: [&str; 17] = [
    "health",
    "age",
    "alone",
    "wellbeing",
    "unsafe_home",
    "moving",
    "going_out",
    "near",
    "household",
    "carer",
    "property",
    "daily",
    "long_running",
    "worse",
    "targeted",
    "violence",
    "reported_before",
];

fn dash_fields(victim: &str) -> Payload {
    let mut all = vec![
        ("victim".to_string(), victim.to_string()),
        ("judgement".to_string(), "none".to_string()),
        ("judgement-reason".to_string(), String::new()),
    ];
    all.extend(date("incident", "-", "2023-11-13"));
    for n in 1..=24 {
        all.push((format!("q{n}"), "yes".to_string()));
        all.push((format!("q{n}-comment"), "Injected".to_string()));
    }
    Payload::Form(all)
}

fn power_fields(kind: &str, subject: &str) -> Payload {
    match kind {
        "cpw" => fields(
            &[("subject", subject), ("conduct", "loud music")],
            &[("issued", "_", "2023-11-01"), ("comply_by", "_", "2023-11-10")],
        ),
        "cpn" => fields(
            &[
                ("subject", subject),
                ("conduct", "loud music"),
                ("requirements", "Stop: playing amplified music after 23:00"),
            ],
            &[("issued", "_", "2023-11-11")],
        ),
        "appeal" => fields(&[("power", "1")], &[("lodged", "_", "2023-11-12")]),
        "fpn" => fields(
            &[("power", "1")],
            &[("offence", "_", "2023-11-12"), ("given", "_", "2023-11-13")],
        ),
        "closure-notice" => fields(
            &[("issuer", "local-authority"), ("served_time", "10:00"), ("hours", "24")],
            &[("served", "_", "2023-11-01")],
        ),
        "closure-order" => {
            fields(&[], &[("made", "_", "2023-11-03"), ("until", "_", "2024-02-02")])
        }
        "pspo" => fields(&[], &[("made", "_", "2023-11-01")]),
        "injunction" => {
            fields(&[("subject", subject), ("arrest", "yes")], &[("granted", "_", "2023-11-05")])
        }
        other => panic!("no fields for {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The guard: every route the routers register is listed

#[test]
fn every_route_of_the_app_is_listed_here() {
    let listed_routes: BTreeSet<(String, String)> = {
        let w = placeholder_world();
        let mut listed: BTreeSet<(String, String)> = calls(&w)
            .iter()
            .map(|c| (c.route.to_string(), if c.post { "post" } else { "get" }.to_string()))
            .collect();
        let front_door = FRONT_DOOR.iter().chain(FRONT_DOOR_DASHBOARD).chain(FRONT_DOOR_SURVEYS);
        for (route, method, _) in NO_CASE_DATA.iter().chain(PUBLIC.iter()).chain(front_door) {
            listed.insert((route.to_string(), method.to_string()));
        }
        listed
    };
    let registered = registered_routes();
    let unlisted: Vec<_> = registered.difference(&listed_routes).collect();
    let stale: Vec<_> = listed_routes.difference(&registered).collect();
    assert!(
        unlisted.is_empty(),
        "routes registered but not in the authorisation test (add them to `calls`, or to \
         NO_CASE_DATA if they hold no case data): {unlisted:?}"
    );
    assert!(stale.is_empty(), "routes listed but no longer registered: {stale:?}");
}

/// A world of made-up ids, for the guard (which needs the routes, not the data).
fn placeholder_world() -> World {
    let users = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| {
            let user = User {
                id: i as i64 + 1,
                username: name.to_string(),
                display_name: name.to_string(),
                agency_id: 1,
                password_hash: String::new(),
                disabled: false,
            };
            (*name, user)
        })
        .collect();
    World {
        smp: PartnershipId(1),
        users,
        agencies: [("A", 1), ("B", 2), ("C", 3)].into_iter().collect(),
        asb: 1,
        asb_reference: "ASB-000001".to_string(),
        asb_victim: 1,
        asb_perpetrator: 2,
        asb_task: 1,
        document: 1,
        record: 1,
        da: 2,
        da_reference: "DA-000002".to_string(),
        da_victim: 3,
        da_task: 2,
        checklist: 1,
        referral: 1,
        csvg: 1,
        marac: 2,
        csvg_meeting: 1,
        csvg_item: 1,
        marac_meeting: 2,
        marac_item: 2,
        application: 1,
    }
}

// ---------------------------------------------------------------------------------------------
// Sending

fn multipart(
    token: Option<&str>,
    fields: &[(String, String)],
    file: Option<&(String, Vec<u8>)>,
) -> (String, Vec<u8>) {
    let boundary = "----SaferAuthorisationBoundary".to_string();
    let mut body = Vec::new();
    let mut part = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    if let Some(token) = token {
        part("csrf_token", token);
    }
    for (name, value) in fields {
        part(name, value);
    }
    if let Some((name, content)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; \
                 filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// Makes `call` (with `payload` for a POST) as `jar`'s user, with `token` if given.
async fn send(
    app: &TestApp,
    call: &Call,
    payload: &Payload,
    token: Option<&str>,
    jar: &mut Jar,
) -> Reply {
    let api = call.path.starts_with("/api/");
    let accept = if api { "application/json" } else { "text/html" };
    let builder = Request::builder()
        .method(if call.post { "POST" } else { "GET" })
        .uri(&call.path)
        .header(header::COOKIE, jar.header())
        .header(header::ACCEPT, accept);
    let request = if !call.post {
        builder.body(Body::empty()).unwrap()
    } else {
        match payload {
            Payload::Form(fields) => {
                let mut all: Vec<(&str, &str)> = Vec::new();
                if let Some(token) = token {
                    all.push(("csrf_token", token));
                }
                all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                builder
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(serde_urlencoded::to_string(&all).unwrap()))
                    .unwrap()
            }
            Payload::Json(value) => {
                let builder = match token {
                    Some(token) => builder.header("x-csrf-token", token),
                    None => builder,
                };
                builder
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(value.to_string()))
                    .unwrap()
            }
            Payload::Multipart(fields, file) => {
                let (boundary, body) = multipart(token, fields, file.as_ref());
                builder
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(Body::from(body))
                    .unwrap()
            }
        }
    };
    app.send(request, jar).await
}

/// The markers of every case `who` may not read (all of them when signed out) found in the
/// reply's body or headers, and its reference where they may not see it.
fn leaks(w: &World, who: Option<Who>, reply: &Reply) -> Vec<String> {
    let mut text = reply.body.clone();
    for (name, value) in &reply.headers {
        let _ = write!(text, "\n{name}: {}", value.to_str().unwrap_or_default());
    }
    let mut found = Vec::new();
    for which in [Which::Asb, Which::Da] {
        let markers: &[&str] = match which {
            Which::Asb => &ASB_MARKERS,
            Which::Da => &DA_MARKERS,
        };
        if !who.is_some_and(|who| who.reads(which)) {
            found.extend(markers.iter().filter(|m| text.contains(*m)).map(|m| format!("{m:?}")));
        }
        if !who.is_some_and(|who| who.sees_reference(which)) && text.contains(w.reference(which)) {
            found.push(format!("the reference {}", w.reference(which)));
        }
    }
    found
}

async fn signed_in(app: &TestApp, username: &str) -> (Jar, String) {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    let token = app.get("/account", &mut jar).await.csrf_token();
    (jar, token)
}

/// What the store holds about both cases, read as their owners (every write to a case, a
/// panel or a case review shows here).
async fn snapshot(store: &Store, w: &World) -> String {
    let now = 1_700_000_000;
    let mut out = String::new();
    for (which, owner) in [(Which::Asb, "coordinator"), (Which::Da, "a-practitioner")] {
        let viewer = w.viewer(owner);
        let case = CaseId(w.case(which));
        let _ = writeln!(out, "{:?}", store.case_detail(&viewer, case, now).await.unwrap());
        let _ = writeln!(out, "{:?}", store.case_powers(&viewer, case, now).await.unwrap());
        let _ = writeln!(out, "{:?}", store.case_documents(&viewer, case, now).await.unwrap());
        let _ = writeln!(out, "{:?}", store.risk_assessments(&viewer, case, now).await.unwrap());
        let _ =
            writeln!(out, "{:?}", store.location_assessments(&viewer, case, now).await.unwrap());
        let _ = writeln!(out, "{:?}", store.problem_solving(&viewer, case, now).await.unwrap());
    }
    let idva = w.viewer("a-practitioner");
    let _ = writeln!(out, "{:?}", store.dash_checklists(&idva, CaseId(w.da), now).await.unwrap());
    let chair = w.viewer("a-chair");
    for (panel, meeting) in [(w.csvg, w.csvg_meeting), (w.marac, w.marac_meeting)] {
        let _ = writeln!(out, "{:?}", store.panel_meetings(panel).await.unwrap());
        let _ = writeln!(out, "{:?}", store.meeting(&chair, meeting, now).await.unwrap());
    }
    let coordinator = w.viewer("coordinator");
    let _ = writeln!(
        out,
        "{:?}",
        store.trigger_application(&coordinator, w.application, now).await.unwrap()
    );
    let _ =
        writeln!(out, "{:?}", store.trigger_applications(&coordinator, w.smp, now).await.unwrap());
    let _ = writeln!(out, "{:?}", store.trigger_settings(w.smp).await.unwrap());
    let _ = writeln!(out, "cases: {}", store.count_cases(w.smp).await.unwrap());
    out
}

async fn audit_entries(store: &Store) -> u64 {
    match store.verify_audit().await.unwrap() {
        safer_storage::AuditVerification::Intact { entries, .. } => entries,
        broken => panic!("the audit log is broken: {broken:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The test

/// Every case-data route × every user: the status the rule gives, and never a marker of a case
/// the user may not read; signed out, sign-in first; every POST refused without its token and
/// nothing changed by any refused request; the audit log intact, with the unrelated agency's
/// refusals in it.
#[tokio::test]
async fn no_case_data_reaches_anyone_the_rule_does_not_allow() {
    for app in TestApp::all().await {
        let label = app.label();
        let store = app.db.store.clone();
        let w = seed(&app).await;
        let who_all = people();
        let mut sessions = BTreeMap::new();
        for who in &who_all {
            sessions.insert(who.name, signed_in(&app, who.name).await);
        }

        // The case review taken to its outcome letter, through the forms, as A's coordinator.
        {
            let (jar, token) = sessions.get_mut("coordinator").unwrap();
            let t = format!("/trigger/{}", w.application);
            for (path, body) in [
                (
                    format!("{t}/decision"),
                    vec![
                        ("decided_on", "2023-11-05"),
                        ("discretion", "review"),
                        ("grounds", "persistence"),
                        ("reason", "Vulnerable victim"),
                    ],
                ),
                (
                    format!("{t}/review"),
                    vec![
                        ("held_on", "2023-11-10"),
                        ("bodies", "council"),
                        ("bodies", "police"),
                        ("findings", TRIGGER_FINDINGS),
                    ],
                ),
                (format!("{t}/outcome"), vec![("sent_on", "2023-11-12")]),
            ] {
                let mut all = vec![("csrf_token", token.as_str())];
                all.extend(body);
                let reply = app.post_form(&path, &all, jar).await;
                assert_eq!(reply.status, StatusCode::SEE_OTHER, "{label}: {path}: {}", reply.body);
            }
        }

        let calls = calls(&w);
        let mut problems: Vec<String> = Vec::new();
        let check = |problems: &mut Vec<String>,
                     who: Option<Who>,
                     call: &Call,
                     what: &str,
                     expected: &[u16],
                     reply: &Reply| {
            let name = who.map_or("signed out", |w| w.name);
            let method = if call.post { "POST" } else { "GET" };
            if !expected.contains(&reply.status.as_u16()) {
                problems.push(format!(
                    "{label}: {name} {method} {} ({what}): {} not {expected:?}",
                    call.path, reply.status
                ));
            }
            let leaked = leaks(&w, who, reply);
            if !leaked.is_empty() {
                problems.push(format!(
                    "{label}: LEAK {name} {method} {} ({what}, {}): {}",
                    call.path,
                    reply.status,
                    leaked.join(", ")
                ));
            }
        };

        // Signed out: pages send to sign-in, the API answers 401; POSTs with the anonymous
        // session's valid token too.
        let mut anonymous = Jar::default();
        let anonymous_token = app.get("/sign-in", &mut anonymous).await.csrf_token();
        for call in &calls {
            let api = call.path.starts_with("/api/");
            let allowed: &[u16] = if call.path == "/api/v1/openapi.json" {
                &[200]
            } else if api {
                &[401]
            } else {
                &[303]
            };
            let reply = send(&app, call, &call.valid, Some(&anonymous_token), &mut anonymous).await;
            check(&mut problems, None, call, "signed out", allowed, &reply);
            if reply.status == StatusCode::SEE_OTHER && !reply.location().starts_with("/sign-in") {
                problems.push(format!(
                    "{label}: signed out {}: redirected to {}",
                    call.path,
                    reply.location()
                ));
            }
        }

        // Every GET as every user.
        for who in &who_all {
            let (jar, _) = sessions.get_mut(who.name).unwrap();
            for call in calls.iter().filter(|c| !c.post) {
                let reply = send(&app, call, &call.valid, None, jar).await;
                check(&mut problems, Some(*who), call, "GET", &[expected(call.rule, *who)], &reply);
                if permitted(call.rule, *who) {
                    for marker in must_show(call) {
                        if !reply.body.contains(marker) {
                            problems.push(format!(
                                "{label}: {} GET {} does not show {marker:?}",
                                who.name, call.path
                            ));
                        }
                    }
                }
                // Those who run a panel see the reference of a case on its agenda, and no
                // more of it: the MARAC agenda for A's coordinator, off the case's team.
                if call.route == "/meetings/{id}" && who.name == "coordinator" {
                    let shown = reply.body.contains(w.reference(Which::Da))
                        || reply.body.contains(w.reference(Which::Asb));
                    if !shown {
                        problems
                            .push(format!("{label}: coordinator GET {}: no reference", call.path));
                    }
                }
            }
        }

        // Every POST a user is refused, with a valid body and with the harmless one: the
        // status the rule gives, and nothing changes.
        let before = snapshot(&store, &w).await;
        for who in &who_all {
            let (jar, token) = sessions.get_mut(who.name).unwrap();
            for call in calls.iter().filter(|c| c.post) {
                if permitted(call.rule, *who) {
                    continue;
                }
                let status = expected(call.rule, *who);
                let reply = send(&app, call, &call.valid, Some(token), jar).await;
                check(&mut problems, Some(*who), call, "valid body", &[status], &reply);
                if let Some(harmless) = &call.harmless {
                    let reply = send(&app, call, harmless, Some(token), jar).await;
                    check(&mut problems, Some(*who), call, "harmless body", &[status], &reply);
                }
            }
        }
        let after = snapshot(&store, &w).await;
        if before != after {
            problems.push(format!(
                "{label}: a refused POST changed something:\nbefore {before}\nafter {after}"
            ));
        }

        // Every POST a user is allowed, with the harmless body.
        for who in &who_all {
            let (jar, token) = sessions.get_mut(who.name).unwrap();
            for call in calls.iter().filter(|c| c.post) {
                let status = expected(call.rule, *who);
                let Some(harmless) = &call.harmless else { continue };
                if !permitted(call.rule, *who) {
                    continue;
                }
                let reply = send(&app, call, harmless, Some(token), jar).await;
                check(&mut problems, Some(*who), call, "harmless body", &[status], &reply);
            }
        }

        // No token, or another user's: 403 before any handler, nothing written, not even an
        // audit entry. As A's panel chair, who may make nearly every one of these calls.
        let before = snapshot(&store, &w).await;
        let entries = audit_entries(&store).await;
        let other_token = sessions["coordinator"].1.clone();
        let (jar, _) = sessions.get_mut("a-chair").unwrap();
        let chair = who_all.iter().find(|w| w.name == "a-chair").copied();
        for call in calls.iter().filter(|c| c.post) {
            for token in [None, Some(other_token.as_str())] {
                let reply = send(&app, call, &call.valid, token, jar).await;
                let what = if token.is_some() { "another user's token" } else { "no token" };
                check(&mut problems, chair, call, what, &[403], &reply);
                if !call.path.starts_with("/api/") && !reply.body.contains("This form has expired")
                {
                    problems.push(format!("{label}: {} ({what}): not the CSRF page", call.path));
                }
            }
        }
        if audit_entries(&store).await != entries {
            problems.push(format!("{label}: a POST without its token wrote to the audit log"));
        }
        let after = snapshot(&store, &w).await;
        if before != after {
            problems.push(format!(
                "{label}: a POST without its token changed something:\nbefore {before}\nafter {after}"
            ));
        }

        // The calls no harmless body exists for, made last by those allowed: revoking B's share
        // ends B's access; closing ends the work.
        let by_route = |route: &str, which: Which| {
            calls
                .iter()
                .find(|c| {
                    c.route == route && c.path.starts_with(&format!("/cases/{}/", w.case(which)))
                })
                .unwrap()
        };
        for (route, which, name, status) in [
            ("/cases/{id}/shares/{agency}/revoke", Which::Asb, "a-practitioner", 303),
            ("/cases/{id}/close", Which::Asb, "a-chair", 303),
            ("/cases/{id}/close", Which::Asb, "coordinator", 403),
            ("/cases/{id}/close", Which::Da, "a-practitioner", 303),
        ] {
            let call = by_route(route, which);
            let who = who_all.iter().find(|w| w.name == name).copied();
            let (jar, token) = sessions.get_mut(name).unwrap();
            let reply = send(&app, call, &call.valid, Some(token), jar).await;
            check(&mut problems, who, call, "last", &[status], &reply);
        }
        let (jar, _) = sessions.get_mut("b-practitioner").unwrap();
        let reply = app.get(&format!("/cases/{}", w.asb), jar).await;
        if reply.status != StatusCode::NOT_FOUND || reply.body.contains(ASB_SUMMARY) {
            problems.push(format!("{label}: B still reads the ASB case after the revoke"));
        }

        // The unrelated agency's coordinator cannot attach a case review to the case by its
        // reference: the answer is the one for a reference that does not exist.
        let (jar, token) = sessions.get_mut("c-coordinator").unwrap();
        let fields = [
            ("csrf_token", token.as_str()),
            ("case", "existing"),
            ("case_reference", w.asb_reference.as_str()),
            ("applicant", "victim"),
            ("applicant_name", "Someone"),
            ("victim", "individual"),
            ("received_on", "2023-11-01"),
        ];
        let reply = app.post_form("/trigger/new", &fields, jar).await;
        if reply.status != StatusCode::UNPROCESSABLE_ENTITY
            || !reply.body.contains("There is no ASB case with that reference")
            || ASB_MARKERS.iter().any(|m| reply.body.contains(m))
        {
            problems.push(format!(
                "{label}: c-coordinator attaching a case review to {}: {}",
                w.asb_reference, reply.status
            ));
        }

        // Nor does a duplicate warning on their own case offer the ASB case's victim, typed
        // exactly: no warning, the subject is created at once. (Last: from here the name is
        // also on C's own case.)
        let c = w.viewer("c-practitioner");
        let new = NewCase {
            partnership: w.smp,
            case_type: CaseType::Asb,
            summary: "Housing case",
            opened_on: "2023-11-01",
        };
        let (own, _) = store.open_case(&c, &new, 1_700_000_000).await.unwrap();
        let (jar, token) = sessions.get_mut("c-practitioner").unwrap();
        let mut fields = vec![
            ("csrf_token".to_string(), token.clone()),
            ("kind".to_string(), "person".to_string()),
            ("name".to_string(), ASB_VICTIM.to_string()),
            ("address".to_string(), "7 High Street".to_string()),
            ("postcode".to_string(), "ME14 1XX".to_string()),
            ("part".to_string(), "victim".to_string()),
            ("consent".to_string(), "given".to_string()),
        ];
        fields.extend(date("born", "_", "1980-02-03"));
        let pairs: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let path = format!("/cases/{}/subjects/check", own.0);
        let reply = app.post_form(&path, &pairs, jar).await;
        if reply.status != StatusCode::SEE_OTHER
            || reply.body.contains("may already be recorded")
            || reply.body.contains(&format!("value=\"{}\"", w.asb_victim))
        {
            problems.push(format!(
                "{label}: c-practitioner was offered the ASB victim as a duplicate: {}",
                reply.status
            ));
        }

        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

        // The audit log is intact, and records the unrelated agency's refused attempts.
        assert!(store.verify_audit().await.unwrap().is_intact(), "{label}");
        let c_agency = AgencyId(w.agencies["C"]);
        let mut refused: BTreeMap<UserId, usize> = BTreeMap::new();
        let mut after_seq = 0;
        loop {
            let page = store
                .audit_entries(&AuditQuery { after_seq, limit: 1000, ..AuditQuery::default() })
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after_seq = last.seq;
            for entry in &page {
                if entry.action == AuditAction::Refused && entry.actor_agency_id == Some(c_agency) {
                    *refused.entry(entry.actor_user_id.unwrap()).or_default() += 1;
                }
            }
        }
        for name in ["c-practitioner", "c-coordinator"] {
            let id = w.users[name].id();
            assert!(refused.get(&id).copied().unwrap_or(0) > 0, "{label}: no refusal of {name}");
        }
    }
}
