//! Online surveys end to end: `safer survey publish --codes` prints codes, pupils answer the
//! youth survey through a real server on loopback (curl with a cookie jar, as a browser), a
//! code admits one response, `safer survey responses` exports them, and `safer survey analyse`
//! and `safer survey import` read the export. Then every survey page in headless Chromium with
//! axe-core: the list, the form, its errors, the code page and the confirmation.

use std::path::{Path, PathBuf};
use std::process::Command;

use safer_domain::survey::parse_definition;
use safer_storage::{survey_code_hash, NewOnlineSurvey, Store};
use safer_test_utils::browser::Browser;

use crate::support::{front_door_server, ok, safer};

fn youth_definition() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../surveys/youth-2021.toml")
}

/// A form POST (or a GET when `fields` is empty) with curl, keeping cookies in `jar`:
/// (status, body).
fn curl(jar: &Path, url: &str, fields: &[(String, String)]) -> (u16, String) {
    let mut command = Command::new("curl");
    command.args(["-sS", "-w", "\n%{http_code}", "-c"]).arg(jar).arg("-b").arg(jar);
    for (name, value) in fields {
        command.arg("--data-urlencode").arg(format!("{name}={value}"));
    }
    let output = command.arg(url).output().expect("curl runs (scripts/test installs it)");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_string())
}

fn csrf_token(body: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker).unwrap_or_else(|| panic!("no token in:\n{body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_string()
}

fn field(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

#[test]
fn published_with_codes_answered_online_exported_and_analysed() {
    let server = front_door_server();
    let (dir, url) = (&server.dir, server.url.clone());
    let definition = youth_definition();
    let definition = definition.to_str().unwrap();
    let published = ok(&safer(
        dir.path(),
        &[
            "--database-url",
            &url,
            "survey",
            "publish",
            "--definition",
            definition,
            "--wave",
            "2026-online",
            "--codes",
            "4",
        ],
    ));
    assert!(published.contains("invitation codes required"), "{published}");
    let codes: Vec<&str> = published.lines().rev().take(4).collect();
    for code in &codes {
        assert_eq!(code.len(), 10, "{published}");
        assert!(!code.contains(['I', 'L', 'O', '0', '1']), "no look-alikes: {code}");
    }
    let path = published.split("/public/surveys/").nth(1).unwrap();
    let id: i64 = path.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
    let survey_url = format!("{}/public/surveys/{id}", server.base);

    // Publishing again without --codes keeps the codes rule and writes nothing.
    let again = ok(&safer(
        dir.path(),
        &[
            "--database-url",
            &url,
            "survey",
            "publish",
            "--definition",
            definition,
            "--wave",
            "2026-online",
        ],
    ));
    assert!(again.starts_with("Already published"), "{again}");
    assert!(again.contains("invitation codes required"), "{again}");

    // Three pupils answer: two worry daily, one never; the first two choose two local problems.
    let parsed = parse_definition(&std::fs::read_to_string(definition).unwrap()).unwrap();
    let worry = ["daily", "daily", "never"];
    for (pupil, code) in codes.iter().take(3).enumerate() {
        let jar = dir.path().join(format!("cookies-{pupil}.txt"));
        let (status, page) = curl(&jar, &survey_url, &[]);
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Enter your invitation code"), "{page}");
        let token = csrf_token(&page);
        let (status, form) = curl(
            &jar,
            &survey_url,
            &[field("csrf_token", &token), field("step", "code"), field("code", code)],
        );
        assert_eq!(status, 200, "{form}");
        let mut fields = vec![
            field("csrf_token", &token),
            field("step", "answers"),
            field("code", code),
            field("website", ""),
        ];
        for question in &parsed.questions {
            let name = format!("q-{}", question.id);
            if question.id == "worry-safety" {
                fields.push(field(&name, worry[pupil]));
            } else if question.id == "local-problems" {
                if pupil < 2 {
                    fields.push(field(&name, &question.options[0].id));
                    fields.push(field(&name, &question.options[1].id));
                }
            } else {
                fields.push(field(&name, &question.options[0].id));
            }
        }
        fields.push(field("v-school-year", &parsed.variables[0].options[pupil].id));
        let (status, done) = curl(&jar, &survey_url, &fields);
        assert_eq!(status, 200, "{done}");
        assert!(done.contains("Thank you"), "{done}");
        if pupil == 0 {
            // The same code again is refused.
            let (status, refused) = curl(&jar, &survey_url, &fields);
            assert_eq!(status, 422, "{refused}");
            assert!(refused.contains("already been used"), "{refused}");
        }
    }

    let csv_path = dir.path().join("online.csv");
    let exported = ok(&safer(
        dir.path(),
        &[
            "--database-url",
            &url,
            "survey",
            "responses",
            "--survey",
            "youth-2021",
            "--wave",
            "2026-online",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    ));
    assert!(exported.contains("Wrote 3 responses"), "{exported}");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("school-year,ethnicity,sex,worry-safety,"), "{header}");
    let problems = &parsed.question("local-problems").unwrap().options;
    let chosen = format!("{};{}", problems[0].id, problems[1].id);
    assert_eq!(csv.matches(&chosen).count(), 2, "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");

    let json = ok(&safer(
        dir.path(),
        &[
            "survey",
            "analyse",
            "--definition",
            definition,
            "--responses",
            csv_path.to_str().unwrap(),
            "--min-base",
            "1",
            "--json",
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let estimate = |id: &str| {
        report["questions"].as_array().unwrap().iter().find(|q| q["id"] == id).unwrap()["estimate"]
            .clone()
    };
    let worry = estimate("worry-safety");
    assert!((worry["share"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9, "{worry}");
    assert_eq!(worry["n_eff"].as_f64().unwrap(), 3.0, "{worry}");
    // Every pupil chose the first option of `unsafe-town-centre`, "very safe": nobody is unsafe.
    assert_eq!(estimate("unsafe-town-centre")["share"].as_f64().unwrap(), 0.0);

    let imported = ok(&safer(
        dir.path(),
        &[
            "--database-url",
            &url,
            "survey",
            "import",
            "--definition",
            definition,
            "--responses",
            csv_path.to_str().unwrap(),
            "--wave",
            "2026-online",
        ],
    ));
    assert!(imported.contains("3 respondents"), "{imported}");
}

/// Publishes the shipped resident survey (open) and youth survey (code `AXE2345678`) straight
/// into the store: (public id, youth id).
async fn publish_both(store: &Store) -> (i64, i64) {
    let partnership =
        store.partnership_by_slug("safer-maidstone-partnership").await.unwrap().unwrap().id();
    let mut ids = Vec::new();
    for (name, codes) in [("public-2021", false), ("youth-2021", true)] {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../surveys/{name}.toml"));
        let source = std::fs::read_to_string(path).unwrap();
        let definition = parse_definition(&source).unwrap();
        let survey = NewOnlineSurvey {
            partnership,
            survey: &definition.survey.id,
            wave: "2026-online",
            title: &definition.survey.title,
            definition: &source,
            codes_required: codes,
            opens_at: 0,
            closes_at: None,
        };
        ids.push(store.publish_online_survey(&survey, 0).await.unwrap().0);
    }
    store.add_survey_codes(ids[1], &[survey_code_hash("AXE2345678")], 0).await.unwrap();
    (ids[0], ids[1])
}

#[test]
fn survey_pages_pass_axe_in_chromium() {
    let Some(browser) = Browser::start() else { return };
    let server = front_door_server();
    let (public, youth) = server.runtime.block_on(publish_both(&server.store));
    let base = &server.base;
    let mut problems: Vec<String> = Vec::new();

    browser.goto(&format!("{base}/public/surveys"));
    assert!(browser.body_text().contains("Maidstone youth survey 2021"));
    browser.audit("list", Some(422), &mut problems);

    browser.goto(&format!("{base}/public/surveys/{public}"));
    browser.audit("form", Some(422), &mut problems);
    browser.click("button[type=submit]");
    browser.wait_until("the error summary", |b| b.body_text().contains("There is a problem"));
    assert!(browser.title().starts_with("Error: "), "{}", browser.title());
    browser.audit("form with errors", Some(422), &mut problems);
    // Choose the first option of every question and variable, then send.
    browser.execute(
        "document.querySelectorAll('fieldset').forEach(f => { f.querySelector('input').checked = true; });",
        serde_json::json!([]),
    );
    browser.click("button[type=submit]");
    browser.wait_until("the confirmation", |b| b.body_text().contains("Thank you"));
    browser.audit("confirmation", Some(422), &mut problems);

    browser.goto(&format!("{base}/public/surveys/{youth}"));
    assert!(browser.body_text().contains("Enter your invitation code"));
    browser.audit("code", Some(422), &mut problems);
    browser.type_into("#code", "wrong");
    browser.click("button[type=submit]");
    browser.wait_until("the code error", |b| b.body_text().contains("There is a problem"));
    browser.audit("code with an error", Some(422), &mut problems);
    browser.type_into("#code", "axe23-45678");
    browser.click("button[type=submit]");
    browser.wait_until("the youth form", |b| b.body_text().contains("About you"));
    browser.audit("youth form", Some(422), &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    drop(server);
}
