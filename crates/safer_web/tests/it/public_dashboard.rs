//! The public dashboard: exact counts of imported police.uk rows for the borough and a ward,
//! the 12-month comparison only when the data covers it, caching (Cache-Control, a strong
//! ETag, 304, no cookie), 404 when the front door is off or the ward is unknown; and the
//! coordinators' "You said, we did" page (form errors, who may, CSRF, entries published).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_domain::geography::{AreaKind, AreaName, Membership};
use safer_domain::ids::AgencyId;
use safer_domain::Role;
use safer_storage::{AuditAction, GeographyBatch, Store};
use safer_test_utils::fixtures::{add_user, PASSWORD};
use safer_test_utils::TestDb;

use crate::support::{put_street_month, Jar, Reply, TestApp};

/// Two wards of Maidstone (E07000110), one LSOA each.
const BRIDGE: &str = "E05005000";
const HIGH_STREET: &str = "E05005001";

async fn put_geography(store: &Store) {
    let member = |lsoa11: &str, parent_kind: AreaKind, parent: &str| Membership {
        lsoa11: lsoa11.into(),
        parent_kind,
        parent: parent.into(),
    };
    let name = |code: &str, kind: AreaKind, name: &str| AreaName {
        code: code.into(),
        kind,
        name: name.into(),
    };
    let batch = GeographyBatch {
        names: vec![
            name("E07000110", AreaKind::Lad, "Maidstone"),
            name(BRIDGE, AreaKind::Ward, "Bridge"),
            name(HIGH_STREET, AreaKind::Ward, "High Street"),
        ],
        memberships: vec![
            member("E01024334", AreaKind::Lad, "E07000110"),
            member("E01024338", AreaKind::Lad, "E07000110"),
            member("E01024334", AreaKind::Ward, BRIDGE),
            member("E01024338", AreaKind::Ward, HIGH_STREET),
        ],
        ..GeographyBatch::default()
    };
    store.import_geography(&batch, 100).await.unwrap();
}

/// The body with each line trimmed and joined, so markup can be matched whatever the indent.
fn flat(reply: &Reply) -> String {
    reply.body.lines().map(str::trim).collect()
}

/// A table row: a header cell and numeric cells.
fn row(header: &str, cells: &[&str]) -> String {
    let mut html = format!("<th scope=\"row\" class=\"app-table__header\">{header}</th>");
    for cell in cells {
        html.push_str(&format!(
            "<td class=\"app-table__cell app-table__cell--numeric\">{cell}</td>"
        ));
    }
    html
}

async fn get_with(app: &TestApp, path: &str, if_none_match: Option<&str>) -> Reply {
    let mut request = Request::get(path);
    if let Some(etag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    app.send(request.body(Body::empty()).unwrap(), &mut Jar::default()).await
}

async fn borough_months(store: &Store) {
    put_geography(store).await;
    put_street_month(
        store,
        "2023-01",
        &[
            (3, "Burglary", "E01024334", "Maidstone 001A"),
            (2, "Anti-social behaviour", "E01024334", "Maidstone 001A"),
            (4, "Shoplifting", "E01024338", "Maidstone 002B"),
            (5, "Burglary", "E01099999", "Tonbridge and Malling 001A"),
        ],
    )
    .await;
    put_street_month(
        store,
        "2023-02",
        &[
            (1, "Burglary", "E01024338", "Maidstone 002B"),
            (6, "Anti-social behaviour", "E01024338", "Maidstone 002B"),
        ],
    )
    .await;
}

/// The borough and ward pages count exactly the stored rows in the lookup's LSOAs, say what
/// period they cover (too short to compare), list the wards with their totals, and say the
/// honest things about recorded crime.
#[tokio::test]
async fn the_dashboard_counts_the_borough_and_its_wards() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        borough_months(&app.db.store).await;

        let reply = get_with(&app, "/public/dashboard", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{label}: {}", reply.body);
        let page = flat(&reply);
        assert!(page.contains(&row("January 2023", &["7", "2"])), "{label}: {page}");
        assert!(page.contains(&row("February 2023", &["1", "6"])), "{label}");
        assert!(page.contains("The figures cover 2 months, January 2023 to February 2023."));
        assert!(page.contains("There is not yet enough data to compare the latest 12 months"));
        assert!(page.contains(&row("Anti-social behaviour", &["8"])), "{label}");
        assert!(page.contains(&row("Burglary", &["4"])), "{label}");
        assert!(page.contains(&row("Shoplifting", &["4"])), "{label}");
        assert!(!page.contains("Tonbridge"), "{label}");
        let bridge = format!(
            "<th scope=\"row\" class=\"app-table__header\"><a class=\"app-link\" \
             href=\"/public/dashboard/wards/{BRIDGE}\">Bridge</a></th>\
             <td class=\"app-table__cell app-table__cell--numeric\">5</td>"
        );
        assert!(page.contains(&bridge), "{label}: {page}");
        assert!(page.contains(
            ">High Street</a></th><td class=\"app-table__cell app-table__cell--numeric\">11</td>"
        ));
        assert!(page.contains("recorded by the police and published on"));
        assert!(page.contains("Locations are approximate"));
        assert!(page.contains("as well as changes in crime itself"));
        assert!(page.contains("role=\"img\""), "{label}: the chart is an image with a name");
        assert!(page.contains("<caption class=\"app-table__caption app-table__caption--m\">ASB case reviews by year</caption>"));
        assert!(page.contains("Year (January to December)"), "{label}: the procedures' default");
        assert!(!page.contains("<script"), "{label}: no JavaScript");

        let ward = get_with(&app, &format!("/public/dashboard/wards/{BRIDGE}"), None).await;
        assert_eq!(ward.status, StatusCode::OK, "{label}: {}", ward.body);
        let ward = flat(&ward);
        assert!(ward.contains("<h1 class=\"app-heading-xl\">Bridge ward</h1>"), "{label}");
        assert!(ward.contains(&row("January 2023", &["3", "2"])), "{label}: {ward}");
        assert!(ward.contains(&row("February 2023", &["0", "0"])), "{label}");
        assert!(ward.contains(&row("Burglary", &["3"])), "{label}");
        assert!(ward.contains("Locations are approximate"));

        for path in [
            "/public/dashboard/wards/E05009999".to_string(),
            "/public/dashboard/wards/E07000110".to_string(),
            "/public/dashboard/wards/not-a-ward".to_string(),
            "/public/dashboard/wards/E05005000%27".to_string(),
        ] {
            assert_eq!(get_with(&app, &path, None).await.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
}

/// With 24 months stored and no ward lookup, the borough is the LSOAs named after the plan's
/// area, and the latest 12 months are compared with the 12 before.
#[tokio::test]
async fn two_years_of_data_compare_the_latest_12_months_with_the_12_before() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        for idx in 0..24 {
            let month = format!("{}-{:02}", 2022 + idx / 12, idx % 12 + 1);
            let crimes = if idx < 12 { 1 } else { 2 };
            put_street_month(
                &app.db.store,
                &month,
                &[
                    (crimes, "Vehicle crime", "E01024334", "Maidstone 001A"),
                    (1, "Anti-social behaviour", "E01024334", "Maidstone 001A"),
                    (7, "Vehicle crime", "E01099999", "Maidstone Borough 001A"),
                ],
            )
            .await;
        }
        let page = flat(&get_with(&app, "/public/dashboard", None).await);
        assert!(
            page.contains(
                "In the 12 months to December 2023, police recorded 24 crimes (not counting \
                 anti-social behaviour), compared with 12 in the 12 months to December 2022, 100% more."
            ),
            "{label}: {page}"
        );
        assert!(page.contains(
            "police recorded 12 incidents of anti-social behaviour, compared with 12 in the 12 \
             months to December 2022, about the same."
        ));
        assert!(page.contains("Figures for each ward are not available yet."), "{label}");

        // Plan progress: the same judgement as the staff pages make from the stored evidence.
        let source = "format = 1\nplan = \"maidstone-2022-25\"\n\n[[indicator]]\n\
                      id = \"vehicle\"\npriority = \"safe-town-centre\"\n\
                      title = \"Vehicle crime in the borough\"\n\
                      series = { kind = \"police-uk\", area = \"district:Maidstone\", crime_types = [\"Vehicle crime\"] }\n\
                      direction = \"down\"\nperiod = \"rolling-12\"\n";
        let file = safer_domain::indicator::parse_indicators(source, None).expect("valid");
        let plan = app.db.store.plan_by_slug("maidstone-2022-25").await.unwrap().unwrap();
        app.db.store.import_plan_indicators(plan.id, &file, source, 1).await.unwrap();
        let observations =
            app.db.store.indicator_observations(&file.indicators[0].series).await.unwrap();
        let expected = match safer_analytics::rag::evaluate(&file.indicators[0], &observations).rag
        {
            Some(safer_analytics::rag::Rag::Green) => "On track (green)",
            Some(safer_analytics::rag::Rag::Amber) => "Needs attention (amber)",
            Some(safer_analytics::rag::Rag::Red) => "Off track (red)",
            None => "Not enough data yet",
        };
        let page = flat(&get_with(&app, "/public/dashboard", None).await);
        let shown = format!(
            "{expected}</strong><span class=\"app-dashboard-progress__title\">Vehicle crime in the borough</span>"
        );
        assert!(page.contains(&shown), "{label}: {expected}: {page}");
        assert!(page.contains("Latest: 24 (January 2023 to December 2023)"), "{label}: {page}");
    }
}

/// Dashboard pages are cacheable: Cache-Control, a strong ETag, 304 for a matching
/// If-None-Match, no cookie; a new entry changes the ETag.
#[tokio::test]
async fn dashboard_pages_are_cacheable_and_set_no_cookie() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        borough_months(&app.db.store).await;
        for path in ["/public/dashboard".to_string(), format!("/public/dashboard/wards/{BRIDGE}")] {
            let first = get_with(&app, &path, None).await;
            assert_eq!(first.status, StatusCode::OK, "{label} {path}");
            assert_eq!(first.headers[header::CACHE_CONTROL], "public, max-age=300");
            assert!(first.headers.get(header::SET_COOKIE).is_none(), "{label} {path}: no cookie");
            let etag = first.headers[header::ETAG].to_str().unwrap().to_string();
            assert!(etag.starts_with('"') && etag.ends_with('"'), "{label}: strong ETag {etag}");
            let again = get_with(&app, &path, None).await;
            assert_eq!(again.headers[header::ETAG], etag.as_str(), "{label}: same body, same tag");
            let cached = get_with(&app, &path, Some(&etag)).await;
            assert_eq!(cached.status, StatusCode::NOT_MODIFIED, "{label} {path}");
            assert!(cached.body.is_empty());
            assert_eq!(cached.headers[header::ETAG], etag.as_str());
            assert_eq!(cached.headers[header::CACHE_CONTROL], "public, max-age=300");
            assert!(cached.headers.get(header::SET_COOKIE).is_none());
            let stale = get_with(&app, &path, Some("\"something-else\"")).await;
            assert_eq!(stale.status, StatusCode::OK, "{label} {path}");
        }
        let before = get_with(&app, "/public/dashboard", None).await.headers[header::ETAG].clone();
        let partnership =
            app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap();
        let entry = safer_storage::NewYouSaidWeDid {
            you_said: "Speeding on the A20",
            we_did: "Community Speedwatch",
            published_on: "2023-03-01",
        };
        app.db.store.add_you_said_we_did(partnership.id(), &entry, None, 1).await.unwrap();
        let after = get_with(&app, "/public/dashboard", Some(before.to_str().unwrap())).await;
        assert_eq!(after.status, StatusCode::OK, "{label}: the page changed");
        assert_ne!(after.headers[header::ETAG], before);
    }
}

/// With the front door off, every dashboard path is 404.
#[tokio::test]
async fn the_dashboard_is_404_when_the_front_door_is_off() {
    for db in TestDb::all().await {
        let app = TestApp::on(db).await;
        borough_months(&app.db.store).await;
        for path in ["/public/dashboard".to_string(), format!("/public/dashboard/wards/{BRIDGE}")] {
            let reply = get_with(&app, &path, None).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}: {path}", app.label());
        }
    }
}

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    let reply = app.sign_in(username, PASSWORD, &mut jar).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{username} signs in");
    jar
}

fn entry_fields<'a>(token: &'a str, you_said: &'a str, day: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", token),
        ("you_said", you_said),
        ("we_did", "We funded a youth worker for the town centre on Friday nights."),
        ("published_on_day", day),
        ("published_on_month", "3"),
        ("published_on_year", "2024"),
    ]
}

/// A coordinator adds an entry that then appears on the dashboard, sees form errors, and
/// removes it; other roles get 404; a post without the CSRF token is refused.
#[tokio::test]
async fn coordinators_publish_you_said_we_did() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let partnership =
            app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap();
        add_user(
            &app.db.store,
            partnership.id(),
            "worker",
            "maidstone-borough-council",
            Role::Practitioner,
        )
        .await;

        let mut jar = signed_in(&app, "coordinator").await;
        let form = app.get("/you-said-we-did", &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}: {}", form.body);
        let token = form.csrf_token();
        let said = "Young people gathering in the town centre feel intimidating.";

        let empty =
            app.post_form("/you-said-we-did", &entry_fields(&token, " ", "12"), &mut jar).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            empty.body.contains("<a href=\"#you_said\">Enter what residents said</a>"),
            "{label}: {}",
            empty.body
        );
        assert!(empty.body.contains("<title>Error: You said, we did"));
        let bad_date =
            app.post_form("/you-said-we-did", &entry_fields(&token, said, "32"), &mut jar).await;
        assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(bad_date.body.contains("The date must be a real date"), "{label}");
        assert!(bad_date.body.contains(said), "{label}: what was typed is kept");

        let no_token =
            app.post_form("/you-said-we-did", &entry_fields("", said, "12"), &mut jar).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{label}");

        let added =
            app.post_form("/you-said-we-did", &entry_fields(&token, said, "12"), &mut jar).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{label}: {}", added.body);
        assert_eq!(added.location(), "/you-said-we-did");
        let public = get_with(&app, "/public/dashboard", None).await;
        assert!(public.body.contains(said), "{label}: published");
        assert!(public.body.contains("Published 12 March 2024"), "{label}");
        let entries = app.db.store.you_said_we_did(partnership.id()).await.unwrap();
        assert_eq!(entries.len(), 1);

        for username in ["analyst", "worker"] {
            let mut other = signed_in(&app, username).await;
            let page = app.get("/you-said-we-did", &mut other).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{label}: {username}");
            let token = app.get("/account", &mut other).await.csrf_token_or_empty();
            let post = app
                .post_form("/you-said-we-did", &entry_fields(&token, said, "12"), &mut other)
                .await;
            assert_eq!(post.status, StatusCode::NOT_FOUND, "{label}: {username} may not add");
            let remove = format!("/you-said-we-did/{}/remove", entries[0].id);
            let post = app.post_form(&remove, &[("csrf_token", &token)], &mut other).await;
            assert_eq!(post.status, StatusCode::NOT_FOUND, "{label}: {username} may not remove");
        }
        let signed_out = app.get("/you-said-we-did", &mut Jar::default()).await;
        assert_ne!(signed_out.status, StatusCode::OK, "{label}: signed out");

        let remove = format!("/you-said-we-did/{}/remove", entries[0].id);
        let refused = app.post_form(&remove, &[("csrf_token", "")], &mut jar).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let removed = app.post_form(&remove, &[("csrf_token", &token)], &mut jar).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{label}");
        assert!(!get_with(&app, "/public/dashboard", None).await.body.contains(said), "{label}");
        let again = app.post_form(&remove, &[("csrf_token", &token)], &mut jar).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{label}");

        // The adding and the removing are in the audit log, by the coordinator, and nothing
        // else is: the refused attempts and the second removal wrote nothing.
        let id = entries[0].id.to_string();
        let query = safer_storage::AuditQuery {
            object: Some(("you-said-we-did", &id)),
            ..Default::default()
        };
        let trail = app.db.store.audit_entries(&query).await.unwrap();
        let coordinator = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
        let actions: Vec<_> = trail
            .iter()
            .map(|e| (e.action, e.actor_user_id, e.actor_agency_id, e.detail.clone()))
            .collect();
        let by = (Some(coordinator.id()), Some(AgencyId(coordinator.agency_id)), None);
        assert_eq!(
            actions,
            [
                (AuditAction::Create, by.0, by.1, by.2.clone()),
                (AuditAction::Delete, by.0, by.1, by.2),
            ],
            "{label}"
        );
        assert!(app.db.store.verify_audit().await.unwrap().is_intact(), "{label}");
    }
}

trait TokenOrEmpty {
    fn csrf_token_or_empty(&self) -> String;
}

impl TokenOrEmpty for Reply {
    /// The page's CSRF token (from the account page's sign-out form), or "" when it has none.
    fn csrf_token_or_empty(&self) -> String {
        if self.body.contains("name=\"csrf_token\" value=\"") {
            self.csrf_token()
        } else {
            String::new()
        }
    }
}

/// The dashboard, a ward page, the coordinators' page (with its error summary), the staff
/// online surveys page and an account page offering two partnerships pass axe-core
/// (WCAG 2.2 AA rules) in headless Chromium; skipped where Chromium is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_pages_pass_axe_core() {
    let Some(db) = TestDb::all().await.into_iter().next() else { return };
    let app = TestApp::front_door(db).await;
    borough_months(&app.db.store).await;
    let partnership =
        app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap();
    let entry = safer_storage::NewYouSaidWeDid {
        you_said: "Speeding on the A20 worries us.",
        we_did: "Community Speedwatch volunteers now check speeds every week.",
        published_on: "2023-03-01",
    };
    app.db.store.add_you_said_we_did(partnership.id(), &entry, None, 1).await.unwrap();
    // A survey wave for the staff page, and a second partnership for the coordinator, so their
    // account page offers the choice of where to work.
    let youth = include_str!("../../../../surveys/youth-2021.toml");
    let wave = safer_storage::NewOnlineSurvey {
        partnership: partnership.id(),
        survey: "youth-2021",
        wave: "2026-online",
        title: "Youth survey",
        definition: youth,
        codes_required: true,
        opens_at: 0,
        closes_at: None,
    };
    app.db.store.publish_online_survey(&wave, 1).await.unwrap();
    let other =
        app.db.store.upsert_partnership("tw", "Tunbridge Wells CSP", None, 0).await.unwrap();
    let coordinator = app.db.store.user_by_username("coordinator").await.unwrap().unwrap();
    app.db.store.grant_role(coordinator.id(), other.id(), Role::Coordinator, 0).await.unwrap();
    let (base, server) = crate::support::serve_front_door(&app.db.store).await;
    let problems = tokio::task::spawn_blocking(move || {
        let Some(browser) = safer_test_utils::browser::Browser::start() else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        let mut audit = |browser: &safer_test_utils::browser::Browser, page: &str| {
            if let Some(violations) = browser.axe() {
                problems.extend(violations.iter().map(|v| format!("{page}: {v}")));
            }
        };
        browser.goto(&format!("{base}/public/dashboard"));
        assert!(browser.body_text().contains("Speeding on the A20"));
        audit(&browser, "dashboard");
        browser.goto(&format!("{base}/public/dashboard/wards/{BRIDGE}"));
        assert!(browser.title().starts_with("Bridge ward"), "{}", browser.title());
        audit(&browser, "ward");
        browser.goto(&format!("{base}/sign-in"));
        browser.type_into("#username", "coordinator");
        browser.type_into("#password", PASSWORD);
        browser.click("button[type=submit]");
        browser.wait_until("signed in", |b| !b.current_url().contains("/sign-in"));
        browser.goto(&format!("{base}/you-said-we-did"));
        audit(&browser, "you said, we did");
        browser.click("form[action='/you-said-we-did'] button[type=submit]");
        browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
        audit(&browser, "you said, we did with errors");
        browser.goto(&format!("{base}/online-surveys"));
        assert!(browser.body_text().contains("0 of 0 used"), "{}", browser.body_text());
        audit(&browser, "online surveys");
        browser.click("a[href$='/close']");
        browser.wait_until("the confirmation", |b| b.body_text().contains("Close the survey"));
        audit(&browser, "closing a survey");
        browser.goto(&format!("{base}/account"));
        assert!(browser.body_text().contains("Work in this partnership"));
        audit(&browser, "account, with the partnership to work in");
        problems
    })
    .await
    .unwrap();
    server.abort();
    assert!(problems.is_empty(), "axe-core: {problems:#?}");
}
