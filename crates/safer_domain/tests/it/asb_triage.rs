//! The shipped "Is it ASB?" rules against the plan's own table: every row of "Is it
//! Anti-Social Behaviour?" in `../shared/seed/maidstone-csp-plan-2022-2025.txt` is a behaviour
//! in `plans/maidstone-asb-triage.toml`, and the triage sends it where the table says.

use std::path::PathBuf;

use safer_domain::triage::{parse_triage, Outcome, Route, TriageRules};

const RULES: &str = include_str!("../../../../plans/maidstone-asb-triage.toml");

fn rules() -> TriageRules {
    parse_triage(RULES).unwrap_or_else(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("the shipped triage rules are invalid:\n{}", lines.join("\n"))
    })
}

/// The seed text, or `None` outside CI when `../shared` is absent (under CI a missing seed fails).
fn seed() -> Option<String> {
    let dir = std::env::var_os("SAFER_SEED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed"));
    let path = dir.join("maidstone-csp-plan-2022-2025.txt");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(err) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "cannot read the seed at {}: {err}",
                path.display()
            );
            None
        }
    }
}

/// The table's cells, in order: (the cell's text after its mark, whether it is on the "What is
/// ASB?" side). The table is two tab-separated columns, "✓ ..." and "✗ ...", after the line
/// "What is ASB?<tab>What is NOT ASB?", ending at the first blank line.
fn table(seed: &str) -> Vec<(String, bool)> {
    let mut lines = seed.lines().skip_while(|line| !line.starts_with("What is ASB?"));
    assert!(lines.next().is_some(), "the seed has no \"What is ASB?\" table");
    let mut cells = Vec::new();
    for line in lines.take_while(|line| !line.trim().is_empty()) {
        for cell in line.split('\t').map(str::trim).filter(|c| !c.is_empty()) {
            if let Some(text) = cell.strip_prefix('✓') {
                cells.push((text.trim().to_string(), true));
            } else if let Some(text) = cell.strip_prefix('✗') {
                cells.push((text.trim().to_string(), false));
            } else {
                panic!("a cell of the table without ✓ or ✗: {cell}");
            }
        }
    }
    cells
}

/// Where the table sends a cell: the ASB side says "Report to the police first" for crimes; the
/// NOT ASB side marks littering and fly-tipping "but it is a crime!".
fn expected_route(text: &str, is_asb: bool) -> Route {
    match (is_asb, text.ends_with("- Report to the police first"), text.contains("it is a crime")) {
        (true, true, _) => Route::PoliceFirst,
        (true, false, _) => Route::CouncilAsb,
        (false, _, true) => Route::EnvironmentalCrime,
        (false, _, false) => Route::NotAsb,
    }
}

#[test]
fn every_row_of_the_plans_table_goes_where_the_table_says() {
    let Some(seed) = seed() else { return };
    let rules = rules();
    let cells = table(&seed);
    assert_eq!(cells.iter().filter(|(_, asb)| *asb).count(), 12, "the ASB side");
    assert_eq!(cells.iter().filter(|(_, asb)| !*asb).count(), 13, "the NOT ASB side");
    for (text, is_asb) in &cells {
        let matching: Vec<_> =
            rules.behaviours.iter().filter(|b| b.plan_row.as_deref() == Some(text)).collect();
        assert_eq!(matching.len(), 1, "the plan's row \"{text}\" must be one behaviour");
        let behaviour = matching[0];
        let route = expected_route(text, *is_asb);
        assert_eq!(behaviour.route, route, "\"{text}\"");
        // Through the triage: the answer a resident gets, without and with an emergency.
        let outcome = rules.decide(&behaviour.id, false).unwrap();
        match (route, &outcome) {
            (Route::PoliceFirst, Outcome::Police { call, online, why }) => {
                assert_eq!(call, "101");
                assert!(online.starts_with("https://"));
                assert!(!why.is_empty());
            }
            (Route::CouncilAsb, Outcome::Report { behaviour: id, .. }) => {
                assert_eq!(id, &behaviour.id)
            }
            (Route::NotAsb, Outcome::NotAsb { where_else, .. }) => assert!(!where_else.is_empty()),
            (Route::EnvironmentalCrime, Outcome::Environmental { contact, .. }) => {
                assert!(contact.name.contains("environmental enforcement"))
            }
            _ => panic!("\"{text}\": {route:?} gave {outcome:?}"),
        }
        assert_eq!(
            rules.decide(&behaviour.id, true),
            Some(Outcome::Emergency { call: "999".to_string() }),
            "\"{text}\": danger now means 999 first"
        );
    }
    // No behaviour claims a row the plan does not have.
    for behaviour in &rules.behaviours {
        if let Some(row) = &behaviour.plan_row {
            assert!(
                cells.iter().any(|(text, _)| text == row),
                "`{}`: no such row: {row}",
                behaviour.id
            );
        }
    }
}
