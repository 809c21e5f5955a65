//! DASH to MARAC in real headless Chromium: a practitioner completes a DASH checklist with 15
//! yes answers on a domestic abuse case and sees "Referred to MARAC"; the MARAC chair plans a
//! meeting, finds the case on the agenda with the DASH answers, records minutes and opens the
//! printable agenda. axe-core finds no accessibility violation on any page on the way.
//! Screenshots go to `target/test-output/` (or `SAFER_TEST_OUTPUT`).

use std::net::SocketAddr;

use safer_domain::access::Viewer;
use safer_domain::case::{CaseType, Consent, LinkRole, PanelKind, SubjectKind};
use safer_domain::ids::{AgencyId, CaseId};
use safer_domain::{AgencyKind, Role};
use safer_storage::{NewAgency, NewCase, NewSubject, Store};
use safer_test_utils::browser::Browser;
use safer_test_utils::env::output_dir;
use safer_test_utils::fixtures::{add_user, PASSWORD};
use safer_web::{app, system_clock, AppState, WebConfig};

struct Server {
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    base: String,
    case: CaseId,
}

/// A fresh database with a partnership, its MARAC (hosted by the police), an IDVA at the
/// council with a domestic abuse case and its victim, and the MARAC chair; served on a port.
fn start_server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (address, case) = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let smp = store
            .upsert_partnership("smp", "Safer Maidstone Partnership", Some("SMP"), 0)
            .await
            .unwrap()
            .id();
        let police = store
            .create_agency(
                &NewAgency { code: "kent-police", name: "Kent Police", kind: AgencyKind::Police },
                0,
            )
            .await
            .unwrap();
        let council = store
            .create_agency(
                &NewAgency {
                    code: "mbc",
                    name: "Maidstone Borough Council",
                    kind: AgencyKind::LocalAuthority,
                },
                0,
            )
            .await
            .unwrap();
        for agency in [police.id, council.id] {
            store.add_partnership_agency(smp, agency, 0).await.unwrap();
        }
        let idva = add_user(&store, smp, "idva", "mbc", Role::Practitioner).await;
        add_user(&store, smp, "marac-chair", "kent-police", Role::PanelChair).await;
        store
            .create_panel(smp, PanelKind::Marac, "Maidstone MARAC", police.id, 28, 0)
            .await
            .unwrap();
        let idva = Viewer {
            user: idva.id(),
            agency: AgencyId(idva.agency_id),
            roles: vec![Role::Practitioner],
        };
        let now = safer_cli::now();
        let new = NewCase {
            partnership: smp,
            case_type: CaseType::DomesticAbuse,
            summary: "Domestic abuse after separation",
            opened_on: "2026-01-05",
        };
        let (case, _) = store.open_case(&idva, &new, now).await.unwrap();
        let victim = NewSubject {
            kind: SubjectKind::Person,
            name: "Alex Example",
            born_on: None,
            address: None,
            postcode: None,
        };
        store
            .add_new_subject(&idva, case, &victim, LinkRole::Victim, Consent::Given, None, now)
            .await
            .unwrap();
        let state = AppState::new(store, WebConfig::default(), system_clock()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        (address, case)
    });
    Server { _runtime: runtime, _dir: dir, base: format!("http://{address}"), case }
}

fn sign_in(browser: &Browser, base: &str, username: &str, next: &str) {
    browser.goto(&format!("{base}/sign-in?next={next}"));
    browser.type_into("#username", username);
    browser.type_into("#password", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_until("signed in", |b| {
        let url = b.current_url();
        !url.contains("/sign-in") && url.ends_with(next)
    });
}

#[test]
fn a_dash_becomes_a_marac_referral_and_an_agenda_item_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = start_server();
    let base = &server.base;
    let shots = output_dir();
    let mut problems = Vec::new();
    let dash = format!("/cases/{}/dash", server.case.0);

    // The practitioner: the checklist, a mistake, then 15 yes answers.
    sign_in(&browser, base, "idva", &dash);
    assert!(browser.body_text().contains("DASH risk checklist"), "{}", browser.body_text());
    browser.audit("dash form", None, &mut problems);
    browser.screenshot(&shots.join("marac-01-dash-form.png"));

    browser.click("form button[type=submit].app-button");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    assert!(browser.body_text().contains("Enter the date of the incident"));
    browser.audit("dash form with errors", Some(422), &mut problems);
    browser.screenshot(&shots.join("marac-02-dash-errors.png"));

    browser.type_into("#incident-day", "3");
    browser.type_into("#incident-month", "1");
    browser.type_into("#incident-year", "2026");
    for number in 1..=24 {
        let answer = if number <= 15 { "yes" } else { "no" };
        browser.click(&format!("#q{number}-{answer}"));
    }
    browser.type_into("#q1-comment", "Bruising to the arms from the incident");
    browser.type_into("#q15-comment", "Strangled until she nearly passed out");
    browser.type_into("#q16-comment", "Denies any sexual abuse");
    browser.click("form button[type=submit].app-button");
    browser.wait_until("the result", |b| b.body_text().contains("Referred to MARAC"));
    let text = browser.body_text();
    assert!(text.contains("15 of 24"), "{text}");
    assert!(text.contains("Visible high risk"), "{text}");
    browser.audit("dash result", None, &mut problems);
    browser.screenshot(&shots.join("marac-03-referred.png"));

    browser.click("a[href*='/marac-referral/']");
    browser.wait_until("the referral", |b| b.current_url().contains("/marac-referral/"));
    let text = browser.body_text();
    assert!(text.contains("Strangled until she nearly passed out"), "{text}");
    assert!(
        text.find("Strangled until").unwrap() < text.find("Denies any sexual abuse").unwrap(),
        "yes answers first: {text}"
    );
    browser.audit("marac referral", None, &mut problems);
    browser.screenshot(&shots.join("marac-04-referral.png"));
    browser.click(".app-header__link-button");
    browser.wait_until("signed out", |b| b.current_url().contains("signed_out=1"));

    // The chair: panels, plan a meeting a week ahead, the agenda with the DASH answers.
    sign_in(&browser, base, "marac-chair", "/panels");
    assert!(browser.body_text().contains("Maidstone MARAC"), "{}", browser.body_text());
    browser.audit("panels", None, &mut problems);
    browser.click("a.app-link[href^='/panels/']");
    browser.wait_until("the panel", |b| b.body_text().contains("Plan a meeting"));
    assert!(browser.body_text().contains("1 for the next agenda"), "{}", browser.body_text());
    browser.audit("panel", None, &mut problems);
    browser.screenshot(&shots.join("marac-05-panel.png"));

    let held = time::OffsetDateTime::now_utc().date() + time::Duration::days(7);
    browser.type_into("#held-day", &held.day().to_string());
    browser.type_into("#held-month", &u8::from(held.month()).to_string());
    browser.type_into("#held-year", &held.year().to_string());
    browser.click("form[action$='/meetings'] button[type=submit]");
    browser.wait_until("the meeting", |b| b.current_url().contains("/meetings/"));
    let meeting = browser.current_url();
    let text = browser.body_text();
    assert!(text.contains(&format!("DA-{:06}", server.case.0)), "{text}");
    assert!(text.contains("Visible high risk"), "{text}");
    assert!(text.contains("DASH answers: 15 yes"), "{text}");
    assert!(text.contains("Strangled until she nearly passed out"), "{text}");
    browser.audit("meeting", None, &mut problems);
    browser.screenshot(&shots.join("marac-06-meeting.png"));

    browser.type_into("textarea[id^='minutes-']", "Safety plan agreed; refuge place offered.");
    browser.click("form[action$='/minutes'] button[type=submit]");
    browser.wait_until("the minutes", |b| {
        b.body_text().contains("Safety plan agreed; refuge place offered.")
            && b.execute(
                "return document.querySelector(\"textarea[id^='minutes-']\").value;",
                serde_json::json!([]),
            ) == "Safety plan agreed; refuge place offered."
    });
    browser.audit("meeting with minutes", None, &mut problems);

    browser.click("a[href$='/print']");
    browser.wait_until("the printable agenda", |b| b.current_url().ends_with("/print"));
    assert_eq!(browser.current_url(), format!("{meeting}/print"));
    let pages = browser.execute(
        "const sheets = Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules)); \
         const print = sheets.filter(r => r.media && r.media.mediaText === 'print') \
           .flatMap(r => Array.from(r.cssRules)).map(r => r.cssText).join(' '); \
         return [document.querySelectorAll('section.app-agenda-page').length, \
                 print.includes('break-after: page')];",
        serde_json::json!([]),
    );
    assert_eq!(pages, serde_json::json!([2, true]), "a cover page and one page per case");
    let text = browser.body_text();
    assert!(text.contains("Safety plan agreed; refuge place offered."), "{text}");
    assert!(text.contains("Strangled until she nearly passed out"), "{text}");
    browser.audit("printable agenda", None, &mut problems);
    browser.screenshot(&shots.join("marac-07-print.png"));

    assert!(problems.is_empty(), "accessibility or console problems:\n{}", problems.join("\n"));
}
