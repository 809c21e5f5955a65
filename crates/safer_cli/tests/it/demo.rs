use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use safer_cli::config::Config;
use safer_cli::demo;
use safer_domain::password::verify_password;
use safer_domain::Role;
use safer_test_utils::TestDb;

#[tokio::test]
async fn seeding_twice_changes_nothing_and_covers_every_role() {
    for db in TestDb::all().await {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_database(dir.path(), &db.url()).unwrap();
        let first = demo::seed(&config, &db.store, 1).await.unwrap();
        let second = demo::seed(&config, &db.store, 2).await.unwrap();
        let roles: Vec<Role> = first.accounts.iter().map(|a| a.role).collect();
        assert_eq!(roles, Role::ALL, "{}: one account per role", db.label());
        let passwords =
            |s: &demo::Seeded| s.accounts.iter().map(|a| a.password.clone()).collect::<Vec<_>>();
        assert_eq!(
            passwords(&first),
            passwords(&second),
            "{}: a second run keeps the passwords",
            db.label()
        );
        for account in &second.accounts {
            let user = db.store.user_by_username(&account.username).await.unwrap().unwrap();
            assert!(
                verify_password(&account.password, &user.password_hash),
                "{}",
                account.username
            );
            let memberships = db.store.memberships(user.id()).await.unwrap();
            assert_eq!(memberships.iter().map(|m| m.role).collect::<Vec<_>>(), [account.role]);
        }
        // The six demo accounts, and the public front door's own account, which cannot sign in.
        let users = db.store.list_users().await.unwrap();
        assert_eq!(users.len(), 7, "{}", db.label());
        let front_door = db.store.user_by_username("front-door.maidstone-borough-council").await;
        assert!(front_door.unwrap().unwrap().disabled);
        // Five demo cases, and two opened by residents' reports through the front door.
        assert_eq!((first.n_cases, second.n_cases), (7, 7), "{}: cases written once", db.label());
        assert_eq!((first.n_police_rows, second.n_police_rows), (36_000, 36_000), "{}", db.label());
        assert_eq!(
            db.store.police_uk_imports().await.unwrap().len(),
            24,
            "24 synthetic months, once"
        );
        assert!(first.synthetic_district.is_some());
        assert_eq!(db.store.list_plans().await.unwrap().len(), 1);
        let partnership = db.store.list_partnerships().await.unwrap().remove(0);
        assert_eq!(db.store.partnership_agencies(partnership.id()).await.unwrap().len(), 9);
        // Two residents' reports through the front door, written once.
        let reports = db.store.count_public_reports(partnership.id()).await.unwrap();
        assert_eq!(reports, (2, 2, 2), "{}", db.label());
        assert!(second.public_report.starts_with("/public/report/status/"));
        // The resident and youth surveys, published online once.
        let online = db.store.open_online_surveys(partnership.id(), 3).await.unwrap();
        assert_eq!(online.len(), 2, "{}", db.label());

        // The assessment is built from the synthetic data and replaced, not piled up.
        let assessments = db.store.list_assessments().await.unwrap();
        assert_eq!(assessments.len(), 1, "{}: one demo assessment", db.label());
        assert_eq!(assessments[0].id, second.assessment.1, "{}", db.label());
        assert_eq!(assessments[0].title, first.assessment.0);
        let stored = db.store.assessment(second.assessment.1).await.unwrap().unwrap();
        assert!(stored.html.contains("Key findings"), "{}", db.label());
        assert!(stored.html.contains("<svg"), "{}: a chart", db.label());
        let figures: serde_json::Value = serde_json::from_str(&stored.figures_json).unwrap();
        assert!(figures.is_object(), "{}", db.label());
        // It reports the synthetic resident and youth surveys.
        assert!(stored.html.contains("What residents and young people told us"), "{}", db.label());
        assert_eq!(figures["surveys"].as_array().map(Vec::len), Some(2), "{}", db.label());

        // Lose the credentials file: the next run issues new passwords rather than failing.
        std::fs::remove_file(&second.credentials_file).unwrap();
        let third = demo::seed(&config, &db.store, 3).await.unwrap();
        assert_ne!(passwords(&third), passwords(&second));
        let user = db.store.user_by_username("coordinator").await.unwrap().unwrap();
        assert!(verify_password(&third.accounts[1].password, &user.password_hash));
    }
}

#[test]
fn demo_serves_the_plan_and_healthz_says_ok() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_safer"))
        .args(["demo", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut url = None;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("Open ") {
            url = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("the demo printed no URL:\n{printed}"));
    // Keep draining its output, as a terminal would, until it exits.
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    assert!(printed.contains("coordinator"), "{printed}");
    assert!(printed.contains("Committee member"), "{printed}");
    assert!(printed.contains("Assessment: Strategic assessment 2022"), "{printed}");
    assert!(dir.path().join("safer-demo/safer.db").exists(), "the database lives in ./safer-demo");

    let health: serde_json::Value =
        ureq::get(&format!("{url}healthz")).call().unwrap().into_json().unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"]["backend"], "sqlite");
    let sign_in = ureq::get(&format!("{url}sign-in")).call().unwrap();
    assert_eq!(sign_in.status(), 200);

    // Stop it the way a terminal would (SIGTERM), and check it exits cleanly.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert!(status.success(), "the demo stops cleanly on SIGTERM: {status}");
    assert_eq!(drain.join().unwrap().last().map(String::as_str), Some("Stopped."));
}
