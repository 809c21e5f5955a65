use crate::support::{failed, ok, safer};

const RULES: &str = include_str!("../../../../plans/maidstone-asb-triage.toml");

#[test]
fn the_shipped_rules_check_and_answer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    std::fs::write(&file, RULES).unwrap();
    let path = file.to_str().unwrap();
    let out = ok(&safer(dir.path(), &["triage", "check", path]));
    assert!(out.contains("25 behaviours"), "{out}");
    assert!(
        out.contains("8 to the police first, 4 ASB reports, 11 not ASB, 2 environmental crimes")
    );
    let out = ok(&safer(dir.path(), &["triage", "ask", path, "parking"]));
    assert!(out.starts_with("This is not anti-social behaviour."), "{out}");
    let out = ok(&safer(dir.path(), &["triage", "ask", path, "parking", "--emergency"]));
    assert!(out.starts_with("Call 999 now"), "{out}");
    let err = failed(&safer(dir.path(), &["triage", "ask", path, "unknown"]));
    assert!(err.contains("there is no behaviour `unknown`"), "{err}");
}

#[test]
fn a_broken_rules_file_is_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    // The cooking-smells behaviour loses its `where_else`, and noise gets a route no one knows.
    let broken = RULES.replacen(
        "route = \"council-asb\"\nwhy = \"Persistent or unreasonable noise",
        "route = \"elsewhere\"\nwhy = \"Persistent or unreasonable noise",
        1,
    );
    std::fs::write(&file, &broken).unwrap();
    let route_line = broken.lines().position(|l| l == "route = \"elsewhere\"").unwrap() + 1;
    let err = failed(&safer(dir.path(), &["triage", "check", file.to_str().unwrap()]));
    assert!(err.contains(&format!("triage.toml:{route_line}:")), "{err}");
    assert!(err.contains("elsewhere"), "{err}");

    let start = RULES.find("where_else = \"A friendly word").unwrap();
    let end = start + RULES[start..].find('\n').unwrap() + 1;
    let no_where = format!("{}{}", &RULES[..start], &RULES[end..]);
    std::fs::write(&file, &no_where).unwrap();
    let cooking = no_where.lines().position(|l| l == "id = \"cooking-smells\"").unwrap() + 1;
    let err = failed(&safer(dir.path(), &["triage", "check", file.to_str().unwrap()]));
    assert!(err.contains(&format!("triage.toml:{}:", cooking + 2)), "the route line: {err}");
    assert!(err.contains("where_else"), "{err}");
}
