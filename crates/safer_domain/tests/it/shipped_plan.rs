//! `plans/maidstone-2022-25.toml` must encode `../shared/seed/maidstone-csp-plan-2022-2025.txt`
//! faithfully and completely. These tests read the seed itself, so a plan that drifts from it
//! fails here.

use std::path::PathBuf;

use safer_domain::plan::{parse_plan, Plan};

const PLAN: &str = include_str!("../../../../plans/maidstone-2022-25.toml");

fn plan() -> Plan {
    parse_plan(PLAN).unwrap_or_else(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("the shipped plan is invalid:\n{}", lines.join("\n"))
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

/// Collapses whitespace, drops markdown bold and normalises apostrophes, so text can be compared
/// with the seed regardless of line wrapping.
fn normalise(text: &str) -> String {
    text.replace("**", "").replace(['’', '‘'], "'").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn shipped_plan_is_valid_and_complete_in_shape() {
    let plan = plan();
    assert_eq!(plan.core_priorities().count(), 4, "4 core priorities");
    assert_eq!(plan.themes().count(), 6, "6 cross-cutting themes");
    for priority in plan.core_priorities() {
        assert!(priority.objective.is_some() && priority.focus.is_some(), "{}", priority.id);
        assert!(
            !priority.focus_points.is_empty() && !priority.actions.is_empty(),
            "{}",
            priority.id
        );
    }
    assert_eq!(plan.governance.bodies.len(), 5, "the five governance bodies of Appendix 2");
    assert_eq!(plan.governance.action_plan_elements.len(), 3);
    assert_eq!(plan.alignment.len(), 2, "Kent Police and PCC priorities");
    assert_eq!(plan.alignment[0].priorities.len(), 7);
    assert_eq!(plan.alignment[1].priorities.len(), 6);
}

#[test]
fn core_priorities_match_the_seed_table() {
    let (plan, Some(seed)) = (plan(), seed()) else { return };
    // The table on page 5: "Core Priorities<TAB>Focus", then one row per priority.
    let table: Vec<(String, String)> = seed
        .lines()
        .skip_while(|line| !line.starts_with("Core Priorities\tFocus"))
        .skip(1)
        .take_while(|line| line.contains('\t'))
        .map(|line| {
            let (title, focus) = line.split_once('\t').unwrap();
            (title.trim().to_lowercase(), focus.trim().to_string())
        })
        .collect();
    assert_eq!(table.len(), 4, "the seed's table has four rows");
    let ours: Vec<(String, String)> = plan
        .core_priorities()
        .map(|p| (p.title.to_lowercase(), p.focus.clone().unwrap_or_default()))
        .collect();
    assert_eq!(ours, table, "core priorities, in the seed's order, with their focus lines");
}

#[test]
fn themes_match_the_seed() {
    let (plan, Some(seed)) = (plan(), seed()) else { return };
    let listed: Vec<&str> = seed
        .lines()
        .skip_while(|line| !line.contains("six cross cutting themes"))
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .take_while(|line| line.starts_with("- "))
        .collect();
    assert_eq!(listed.len(), 6, "the seed lists six themes");
    assert_eq!(plan.themes().count(), listed.len());
    // Each theme's title is one of the seed's section headings.
    let headings: Vec<String> =
        seed.lines().map(|line| normalise(line).trim_end_matches(':').to_lowercase()).collect();
    for theme in plan.themes() {
        let title = normalise(&theme.title).to_lowercase();
        assert!(headings.contains(&title), "theme `{}` is not a heading in the seed", theme.title);
    }
}

#[test]
fn every_text_is_verbatim_from_the_seed() {
    let (plan, Some(seed)) = (plan(), seed()) else { return };
    let seed = normalise(&seed);
    let mut texts: Vec<(String, &str)> = Vec::new();
    for p in &plan.priorities {
        texts.push((format!("{}: why", p.id), &p.why));
        if let Some(objective) = &p.objective {
            texts.push((format!("{}: objective", p.id), objective));
        }
        if let Some(focus) = &p.focus {
            texts.push((format!("{}: focus", p.id), focus));
        }
        for point in &p.focus_points {
            texts.push((format!("{}: focus point", p.id), &point.text));
            for sub in &point.points {
                texts.push((format!("{}: focus sub-point", p.id), sub));
            }
        }
        if let Some(intro) = &p.actions_intro {
            texts.push((format!("{}: actions intro", p.id), intro));
        }
        for action in &p.actions {
            texts.push((format!("{}: action {}", p.id, action.id), &action.text));
            if let Some(heading) = &action.heading {
                texts.push((format!("{}: action heading", p.id), heading));
            }
        }
        for note in &p.notes {
            for point in &note.points {
                texts.push((format!("{}: note point", p.id), point));
            }
        }
    }
    for body in &plan.governance.bodies {
        for function in &body.functions {
            texts.push((format!("{}: function", body.id), function));
        }
        if let Some(description) = &body.description {
            texts.push((format!("{}: description", body.id), description));
        }
    }
    for element in &plan.governance.action_plan_elements {
        texts.push(("action plan element".to_string(), element));
    }
    for note in plan.considerations.iter().chain(&plan.governance.notes) {
        texts.extend(note.text.iter().map(|t| (format!("note {}", note.title), t.as_str())));
        texts.extend(
            note.closing.iter().map(|t| (format!("note {} closing", note.title), t.as_str())),
        );
        texts
            .extend(note.points.iter().map(|t| (format!("note {} point", note.title), t.as_str())));
    }
    for alignment in &plan.alignment {
        texts.extend(
            alignment
                .priorities
                .iter()
                .map(|t| (format!("alignment {}", alignment.id), t.as_str())),
        );
    }
    assert!(texts.len() > 100, "expected well over 100 texts, found {}", texts.len());
    let missing: Vec<String> = texts
        .iter()
        .filter(|(_, text)| !seed.contains(&normalise(text)))
        .map(|(what, text)| format!("{what}: {text:?}"))
        .collect();
    assert!(missing.is_empty(), "not verbatim from the seed:\n{}", missing.join("\n"));
}

#[test]
fn every_group_of_appendix_3_is_in_the_plan_and_delivers_its_priority() {
    let (plan, Some(seed)) = (plan(), seed()) else { return };
    // Appendix 3 rows, mapped to the priority or theme each row is about.
    let row_priority = [
        (
            "Protecting our communities against serious and organised crime",
            "serious-violent-organised-crime",
        ),
        ("Reducing the harm caused by domestic abuse", "domestic-abuse"),
        ("Keeping Children and Young People Safe", "children-young-people"),
        ("Reducing the impact of Substance Misuse", "substance-misuse"),
        ("Reducing the impact of Mental Health", "mental-health"),
        ("Reducing reoffending and tackling the drivers of crime", "reducing-reoffending"),
        ("Tackle ASB in our communities and Town Centre", "tackle-asb"),
        ("Improve public perception /confidence", "public-confidence"),
    ];
    let appendix = seed.rsplit("Appendix 3- Summary").next().unwrap();
    let rows: Vec<(&str, &str)> = appendix
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(label, _)| {
            !label.starts_with("Priority Theme") && !label.starts_with("Cross-Cutting Theme")
        })
        .collect();
    assert_eq!(rows.len(), row_priority.len(), "Appendix 3 has eight rows");
    // Words that join group names in a cell and name no group themselves.
    let connectors = ["proposed", "delivered", "through", "with", "escalation", "to"];
    let mut n_groups = 0;
    for (label, cell) in rows {
        let (_, priority_id) = row_priority
            .iter()
            .find(|(start, _)| label.starts_with(start))
            .unwrap_or_else(|| panic!("unexpected Appendix 3 row `{label}`"));
        let priority =
            plan.priority(priority_id).unwrap_or_else(|| panic!("no priority `{priority_id}`"));
        // Drop the abbreviation the seed puts after the DCSM's name and full stops between names.
        let words: Vec<String> = normalise(cell)
            .to_lowercase()
            .split(' ')
            .filter(|word| *word != "(dscm),")
            .map(|word| word.trim_end_matches('.').to_string())
            .collect();
        let mut rest = format!(" {} ", words.join(" "));
        for group in &plan.groups {
            let name = format!(" {} ", normalise(&group.name).to_lowercase());
            if rest.contains(&name) {
                rest = rest.replacen(&name, " ", 1);
                n_groups += 1;
                assert!(
                    priority.groups.contains(&group.id),
                    "`{}` is named in Appendix 3 for `{priority_id}` but does not deliver it",
                    group.name
                );
            }
        }
        let leftover: Vec<&str> =
            rest.split_whitespace().filter(|word| !connectors.contains(word)).collect();
        assert!(
            leftover.is_empty(),
            "Appendix 3 row `{label}` names groups missing from the plan: {leftover:?}"
        );
    }
    assert!(n_groups >= 16, "Appendix 3 names at least 16 group entries, matched {n_groups}");
}

#[test]
fn governance_bodies_match_appendix_2() {
    let (plan, Some(seed)) = (plan(), seed()) else { return };
    let appendix =
        seed.rsplit("Appendix 2- Safer Maidstone Partnership Governance").next().unwrap();
    let appendix = appendix.split("Appendix 3- Summary").next().unwrap();
    for heading in [
        "Safer Maidstone Partnership Executive Group (SMPEG):",
        "Overview and Scrutiny Committee:",
        "Safer Maidstone Partnership:",
        "SMP Subgroups:",
        "The Maidstone Task Force",
    ] {
        let name = heading.trim_end_matches(':').split(" (").next().unwrap();
        assert!(appendix.contains(heading), "seed heading `{heading}`");
        assert!(
            plan.governance.bodies.iter().any(|b| b.name == name),
            "no governance body `{name}`"
        );
    }
    // The executive group's functions, in order, exactly as the seed lists them.
    let functions: Vec<String> = appendix
        .lines()
        .skip_while(|line| !line.contains("The key functions of the executive group are to:"))
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .take_while(|line| line.starts_with("- "))
        .map(|line| normalise(&line[2..]))
        .collect();
    assert_eq!(functions.len(), 5);
    let smpeg = plan.governance.bodies.iter().find(|b| b.id == "smpeg").expect("smpeg");
    let ours: Vec<String> = smpeg.functions.iter().map(|f| normalise(f)).collect();
    assert_eq!(ours, functions);
}
