use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use safer_domain::ids::PartnershipId;
use safer_domain::survey::{parse_definition, SurveyDefinition};
use safer_domain::Role;
use safer_storage::{
    survey_code_hash, NewOnlineSurvey, OnlineSurveyOutcome, StoreError, SurveyAnswers,
    CODE_REFUSED, DEFINITION_FIXED,
};
use safer_test_utils::fixtures::{add_user, PASSWORD};
use safer_test_utils::TestDb;

use crate::support::{Jar, TestApp};

const PUBLIC: &str = include_str!("../../../../surveys/public-2021.toml");
const YOUTH: &str = include_str!("../../../../surveys/youth-2021.toml");
const WAVE: &str = "2026-online";

/// The test clock's start (see `support.rs`).
const NOW: i64 = 1_700_000_000;

async fn partnership(app: &TestApp) -> PartnershipId {
    app.db.store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id()
}

/// Publishes `source` as wave [`WAVE`]; returns the online survey's id.
async fn publish(app: &TestApp, source: &str, codes: bool, closes_at: Option<i64>) -> i64 {
    let definition = parse_definition(source).unwrap();
    let partnership = partnership(app).await;
    let (id, _) = app
        .db
        .store
        .publish_online_survey(
            &NewOnlineSurvey {
                partnership,
                survey: &definition.survey.id,
                wave: WAVE,
                title: &definition.survey.title,
                definition: source,
                codes_required: codes,
                opens_at: NOW - 86_400,
                closes_at,
            },
            NOW,
        )
        .await
        .unwrap();
    id
}

/// A full set of answers: the first option of every question and variable (and the first
/// two of each multiple-choice question).
fn answers(definition: &SurveyDefinition) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for question in &definition.questions {
        let n = question.choice_limit().min(2);
        for option in question.options.iter().take(n) {
            fields.push((format!("q-{}", question.id), option.id.clone()));
        }
    }
    for variable in &definition.variables {
        fields.push((format!("v-{}", variable.id), variable.options[0].id.clone()));
    }
    fields
}

fn with<'a>(
    base: &'a [(&'a str, &'a str)],
    more: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = base.to_vec();
    fields.extend(more.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    fields
}

async fn n_responses(app: &TestApp, id: i64) -> usize {
    app.db.store.online_survey_responses(id).await.unwrap().len()
}

#[tokio::test]
async fn the_public_survey_is_listed_checked_and_answered() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let id = publish(&app, PUBLIC, false, None).await;
        let youth = publish(&app, YOUTH, true, None).await;
        let mut jar = Jar::default();

        let list = app.get("/public/surveys", &mut jar).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains(&format!("href=\"/public/surveys/{id}\"")), "{}", list.body);
        assert!(list.body.contains(&format!("href=\"/public/surveys/{youth}\"")), "{label}");
        assert!(list.body.contains("Maidstone youth survey 2021"), "{label}");

        let form = app.get(&format!("/public/surveys/{id}"), &mut jar).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("<legend"), "{label}");
        assert!(form.body.contains("type=\"checkbox\""), "{label}: top issues are checkboxes");
        assert!(form.body.contains("name=\"website\""), "{label}: the honeypot");
        let token = form.csrf_token();
        let path = format!("/public/surveys/{id}");
        let base = [("csrf_token", token.as_str()), ("step", "answers")];

        // Nothing answered: every required question is in the summary, linked to its input.
        let empty = app.post_form(&path, &base, &mut jar).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(empty.body.contains("There is a problem"), "{label}");
        assert!(empty.body.contains("href=\"#q-safe-day\""), "{}", empty.body);
        assert!(empty.body.contains("id=\"q-safe-day\""), "{label}");
        assert!(empty.body.contains("<title>Error: "), "{label}");
        assert!(!empty.body.contains("href=\"#q-experienced-crime\""), "{label}: optional");

        // Wrong answers: an unknown option, two answers to one question, too many issues.
        let definition = parse_definition(PUBLIC).unwrap();
        let good = answers(&definition);
        let mut bad = good.clone();
        bad.retain(|(k, _)| k != "q-safe-night" && k != "q-top-issues" && k != "v-ward");
        bad.push(("q-safe-night".into(), "very-safe".into()));
        bad.push(("q-safe-night".into(), "very-unsafe".into()));
        let issues = &definition.question("top-issues").unwrap().options;
        for option in issues.iter().take(4) {
            bad.push(("q-top-issues".into(), option.id.clone()));
        }
        bad.push(("v-ward".into(), "atlantis".into()));
        let reply = app.post_form(&path, &with(&base, &bad), &mut jar).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        for (href, message) in [
            ("#q-safe-night", "Select one answer"),
            ("#q-top-issues", "Select up to 3 answers"),
            ("#v-ward", "select one answer from the list"),
        ] {
            assert!(reply.body.contains(&format!("href=\"{href}\"")), "{href}: {}", reply.body);
            assert!(reply.body.contains(message), "{message}: {}", reply.body);
        }
        assert!(!reply.body.contains("atlantis"), "{label}: nothing sent is echoed");
        // What was right stays chosen.
        assert!(reply.body.contains("value=\"very-safe\" checked"), "{label}");
        assert_eq!(n_responses(&app, id).await, 0, "{label}");

        let done = app.post_form(&path, &with(&base, &good), &mut jar).await;
        assert_eq!(done.status, StatusCode::OK, "{label}: {}", done.body);
        assert!(done.body.contains("Thank you"), "{label}");
        let stored = app.db.store.online_survey_responses(id).await.unwrap();
        assert_eq!(stored.len(), 1, "{label}");
        let first_issues: Vec<String> = issues.iter().take(2).map(|o| o.id.clone()).collect();
        assert_eq!(stored[0].answers["top-issues"], first_issues, "{label}");
        assert_eq!(stored[0].answers["ward"].len(), 1, "{label}");
        assert_eq!(stored[0].submitted_on % 86_400, 0, "{label}: the day only");
    }
}

#[tokio::test]
async fn an_invitation_code_admits_one_response() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let id = publish(&app, YOUTH, true, None).await;
        app.db.store.add_survey_codes(id, &[survey_code_hash("K7MPQ3RX9T")], NOW).await.unwrap();
        let path = format!("/public/surveys/{id}");
        let mut jar = Jar::default();

        let page = app.get(&path, &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("Enter your invitation code"), "{label}");
        assert!(!page.body.contains("q-worry-safety"), "{label}: no questions before a code");
        let token = page.csrf_token();

        let wrong = app
            .post_form(
                &path,
                &[("csrf_token", &token), ("step", "code"), ("code", "AAAAAAAAAA")],
                &mut jar,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(wrong.body.contains("href=\"#code\""), "{label}");
        assert!(!wrong.body.contains("AAAAAAAAAA"), "{label}: the code is not echoed");

        // Codes are read without case, spaces or hyphens.
        let form = app
            .post_form(
                &path,
                &[("csrf_token", &token), ("step", "code"), ("code", "k7mpq-3rx9t")],
                &mut jar,
            )
            .await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("id=\"q-worry-safety\""), "{label}");
        assert!(form.body.contains("name=\"code\" value=\"k7mpq-3rx9t\""), "{label}");

        // Answers without the code go back to the code page.
        let good = answers(&parse_definition(YOUTH).unwrap());
        let base = [("csrf_token", token.as_str()), ("step", "answers")];
        let no_code = app.post_form(&path, &with(&base, &good), &mut jar).await;
        assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(no_code.body.contains("Enter your invitation code"), "{label}");

        let with_code =
            [("csrf_token", token.as_str()), ("step", "answers"), ("code", "k7mpq-3rx9t")];
        let done = app.post_form(&path, &with(&with_code, &good), &mut jar).await;
        assert_eq!(done.status, StatusCode::OK, "{label}: {}", done.body);
        assert!(done.body.contains("Thank you"), "{label}");

        let again = app.post_form(&path, &with(&with_code, &good), &mut jar).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(again.body.contains("already been used"), "{label}");
        let reuse = app
            .post_form(
                &path,
                &[("csrf_token", &token), ("step", "code"), ("code", "K7MPQ3RX9T")],
                &mut jar,
            )
            .await;
        assert_eq!(reuse.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(n_responses(&app, id).await, 1, "{label}");
    }
}

#[tokio::test]
async fn two_submissions_racing_with_one_code_give_one_response() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let id = publish(&app, YOUTH, true, None).await;
        let hash = survey_code_hash("RACE234567");
        app.db.store.add_survey_codes(id, std::slice::from_ref(&hash), NOW).await.unwrap();
        let answers: SurveyAnswers =
            [("worry-safety".to_string(), vec!["never".to_string()])].into();
        let store = &app.db.store;
        let (a, b) = tokio::join!(
            store.submit_survey_response(id, Some(&hash), &answers, NOW),
            store.submit_survey_response(id, Some(&hash), &answers, NOW),
        );
        let refused = [a, b]
            .into_iter()
            .filter_map(Result::err)
            .map(|e| match e {
                StoreError::Rule(rule) => assert_eq!(rule, CODE_REFUSED, "{label}"),
                other => panic!("{label}: {other}"),
            })
            .count();
        assert_eq!(refused, 1, "{label}");
        assert_eq!(n_responses(&app, id).await, 1, "{label}");
        // No code at all is refused too.
        let none = store.submit_survey_response(id, None, &answers, NOW).await;
        assert!(matches!(none, Err(StoreError::Rule(_))), "{label}");
    }
}

/// The youth survey's wave [`WAVE`] as published again with `source` and `title`.
fn youth_again<'a>(
    partnership: PartnershipId,
    source: &'a str,
    title: &'a str,
) -> NewOnlineSurvey<'a> {
    NewOnlineSurvey {
        partnership,
        survey: "youth-2021",
        wave: WAVE,
        title,
        definition: source,
        codes_required: false,
        opens_at: NOW,
        closes_at: None,
    }
}

#[tokio::test]
async fn a_wave_with_responses_keeps_its_questions() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let id = publish(&app, YOUTH, false, None).await;
        let partnership = partnership(&app).await;
        let title = parse_definition(YOUTH).unwrap().survey.title;
        let edited = format!("{YOUTH}\n# a comment is a change of text too\n");
        let changed = YOUTH.replacen("[[questions]]", "[[questions]]\n# moved", 1);
        assert_ne!(changed, YOUTH);
        let store = &app.db.store;
        // Before any response the definition may still change.
        let (same, outcome) = store
            .publish_online_survey(&youth_again(partnership, &edited, &title), NOW)
            .await
            .unwrap();
        assert_eq!((same, outcome), (id, OnlineSurveyOutcome::Replaced), "{label}");
        let answers: SurveyAnswers =
            [("worry-safety".to_string(), vec!["never".to_string()])].into();
        store.submit_survey_response(id, None, &answers, NOW).await.unwrap();
        // Now a different definition is refused, and the published one stays ...
        let refused =
            store.publish_online_survey(&youth_again(partnership, &changed, &title), NOW).await;
        match refused {
            Err(StoreError::Rule(rule)) => assert_eq!(rule, DEFINITION_FIXED, "{label}"),
            other => panic!("{label}: {other:?}"),
        }
        let kept = store.online_survey(partnership, id).await.unwrap().unwrap();
        assert_eq!(kept.definition, edited, "{label}");
        // ... but closing it, with the same questions, is allowed.
        let mut closing = youth_again(partnership, &edited, "The youth survey, closing soon");
        closing.closes_at = Some(NOW + 60);
        let (_, outcome) = store.publish_online_survey(&closing, NOW).await.unwrap();
        assert_eq!(outcome, OnlineSurveyOutcome::Replaced, "{label}");
        let kept = store.online_survey(partnership, id).await.unwrap().unwrap();
        assert_eq!((kept.closes_at, kept.definition), (Some(NOW + 60), edited), "{label}");
        assert_eq!(n_responses(&app, id).await, 1, "{label}");
    }
}

#[tokio::test]
async fn the_honeypot_csrf_and_content_types_keep_nothing() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let id = publish(&app, PUBLIC, false, None).await;
        let path = format!("/public/surveys/{id}");
        let mut jar = Jar::default();
        let token = app.get(&path, &mut jar).await.csrf_token();
        let good = answers(&parse_definition(PUBLIC).unwrap());

        let base =
            [("csrf_token", token.as_str()), ("step", "answers"), ("website", "spam.example")];
        let bot = app.post_form(&path, &with(&base, &good), &mut jar).await;
        assert_eq!(bot.status, StatusCode::OK, "{label}");
        assert!(bot.body.contains("Thank you"), "{label}");

        let no_token = [("step", "answers")];
        let forged = app.post_form(&path, &with(&no_token, &good), &mut jar).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");

        let request = Request::post(&path)
            .header(header::COOKIE, jar.header())
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", &token)
            .body(Body::from("{\"q-safe-day\":\"very-safe\"}"))
            .unwrap();
        let json = app.send(request, &mut jar).await;
        assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{label}");
        assert_eq!(n_responses(&app, id).await, 0, "{label}");
    }
}

#[tokio::test]
async fn closed_unknown_and_switched_off() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let closed = publish(&app, YOUTH, false, Some(NOW - 60)).await;
        let mut jar = Jar::default();
        let list = app.get("/public/surveys", &mut jar).await;
        assert!(list.body.contains("no surveys open"), "{label}: {}", list.body);
        let page = app.get(&format!("/public/surveys/{closed}"), &mut jar).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("This survey is closed"), "{label}");
        // A token from an open survey's form.
        let open = publish(&app, PUBLIC, false, None).await;
        let token = app.get(&format!("/public/surveys/{open}"), &mut jar).await.csrf_token();
        let good = answers(&parse_definition(YOUTH).unwrap());
        let base = [("csrf_token", token.as_str()), ("step", "answers")];
        let late = app
            .post_form(&format!("/public/surveys/{closed}"), &with(&base, &good), &mut jar)
            .await;
        assert_eq!(late.status, StatusCode::GONE, "{label}");
        assert_eq!(n_responses(&app, closed).await, 0, "{label}");
        for path in ["/public/surveys/999999", "/public/surveys/abc"] {
            assert_eq!(app.get(path, &mut jar).await.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    for db in TestDb::all().await {
        let app = TestApp::on(db).await;
        let id = publish(&app, PUBLIC, false, None).await;
        let mut jar = Jar::default();
        for path in ["/public/surveys".to_string(), format!("/public/surveys/{id}")] {
            assert_eq!(app.get(&path, &mut jar).await.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
}

async fn signed_in(app: &TestApp, username: &str) -> Jar {
    let mut jar = Jar::default();
    app.sign_in(username, PASSWORD, &mut jar).await;
    jar
}

/// Analysts and coordinators see each wave's responses and codes so far and download the
/// responses as the CSV `survey analyse` reads; a coordinator closes a wave early, after which
/// residents are told it is closed. Practitioners get 404, an analyst cannot close a wave, and
/// closing needs the CSRF token.
#[tokio::test]
async fn staff_count_responses_download_them_and_close_a_wave() {
    for db in TestDb::all().await {
        let app = TestApp::front_door(db).await;
        let label = app.label();
        let youth = publish(&app, YOUTH, true, None).await;
        let public = publish(&app, PUBLIC, false, None).await;
        let store = &app.db.store;
        let hashes: Vec<String> = ["STAFF23456", "STAFF34567", "STAFF45678"]
            .iter()
            .map(|c| survey_code_hash(c))
            .collect();
        store.add_survey_codes(youth, &hashes, NOW).await.unwrap();
        for (hash, answer) in hashes.iter().take(2).zip(["never", "often"]) {
            let answers: SurveyAnswers =
                [("worry-safety".to_string(), vec![answer.to_string()])].into();
            store.submit_survey_response(youth, Some(hash), &answers, NOW).await.unwrap();
        }
        let partnership = partnership(&app).await;
        add_user(store, partnership, "worker", "maidstone-borough-council", Role::Practitioner)
            .await;

        let mut analyst = signed_in(&app, "analyst").await;
        let page = app.get("/online-surveys", &mut analyst).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("2 of 3 used"), "{label}: {}", page.body);
        assert!(page.body.contains(">2</td>"), "{label}: two responses");
        assert!(page.body.contains("Not needed"), "{label}: the public survey needs no code");
        assert!(!page.body.contains("Close now"), "{label}: analysts do not close waves");
        assert!(page.body.contains("href=\"/online-surveys\""), "{label}: in the menu");
        let csv = app.get(&format!("/online-surveys/{youth}/responses.csv"), &mut analyst).await;
        assert_eq!(csv.status, StatusCode::OK, "{label}");
        assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("youth-2021-2026-online.csv"));
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines.len(), 3, "{label}: a header and two responses: {}", csv.body);
        let definition = parse_definition(YOUTH).unwrap();
        let column = lines[0].split(',').position(|c| c == "worry-safety").unwrap();
        let answered: Vec<&str> =
            lines[1..].iter().map(|l| l.split(',').nth(column).unwrap()).collect();
        assert_eq!(answered, ["never", "often"], "{label}");
        assert_eq!(
            lines[0].split(',').count(),
            definition.questions.len() + definition.variables.len()
        );
        let token = page.csrf_token();
        let refused = app
            .post_form(
                &format!("/online-surveys/{youth}/close"),
                &[("csrf_token", &token)],
                &mut analyst,
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");

        let mut worker = signed_in(&app, "worker").await;
        for path in
            ["/online-surveys".to_string(), format!("/online-surveys/{youth}/responses.csv")]
        {
            assert_eq!(
                app.get(&path, &mut worker).await.status,
                StatusCode::NOT_FOUND,
                "{label}: {path}"
            );
        }

        let confirm = format!("/online-surveys/{youth}/close");
        assert_eq!(app.get(&confirm, &mut analyst).await.status, StatusCode::NOT_FOUND, "{label}");

        let mut coordinator = signed_in(&app, "coordinator").await;
        let page = app.get("/online-surveys", &mut coordinator).await;
        assert!(page.body.contains(&format!("href=\"/online-surveys/{public}/close\"")), "{label}");
        let close = format!("/online-surveys/{public}/close");
        // Closing is confirmed first, on a page that says what it does.
        let confirm = app.get(&close, &mut coordinator).await;
        assert_eq!(confirm.status, StatusCode::OK, "{label}");
        assert!(confirm.body.contains("wave 2026-online?"), "{label}: {}", confirm.body);
        assert!(confirm.body.contains("It has 0 responses so far"), "{label}");
        let token = confirm.csrf_token();
        let forged = app.post_form(&close, &[("csrf_token", "")], &mut coordinator).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        let closed = app.post_form(&close, &[("csrf_token", &token)], &mut coordinator).await;
        assert_eq!(
            (closed.status, closed.location()),
            (StatusCode::SEE_OTHER, "/online-surveys"),
            "{label}"
        );
        let wave = store.online_survey(partnership, public).await.unwrap().unwrap();
        assert_eq!(wave.closes_at, Some(NOW), "{label}");
        let resident = app.get(&format!("/public/surveys/{public}"), &mut Jar::default()).await;
        assert!(resident.body.contains("This survey is closed"), "{label}");
        let missing = app
            .post_form("/online-surveys/999999/close", &[("csrf_token", &token)], &mut coordinator)
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{label}");
    }
}
