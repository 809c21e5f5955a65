//! Architecture invariants (see ARCHITECTURE.md), checked with `cargo tree` so that adding a
//! forbidden dependency fails the tests rather than waiting for a review.

use std::collections::BTreeSet;
use std::process::Command;

/// Every package `krate` depends on through normal (not dev or build) dependencies, directly or
/// indirectly, for this platform, by name, as `cargo tree` reports them.
fn normal_closure(krate: &str) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--package",
            krate,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != krate)
        .map(str::to_string)
        .collect()
}

#[test]
fn pure_crates_never_depend_on_tokio_sqlx_or_axum() {
    for krate in ["safer_domain", "safer_analytics", "safer_import"] {
        let closure = normal_closure(krate);
        assert!(
            !closure.is_empty() || krate != "safer_domain",
            "cargo tree listed nothing for {krate}"
        );
        let forbidden: Vec<&String> = closure
            .iter()
            .filter(|name| {
                name.starts_with("tokio")
                    || name.starts_with("sqlx")
                    || name.starts_with("axum")
                    || *name == "hyper"
            })
            .collect();
        assert!(
            forbidden.is_empty(),
            "{krate} must stay pure (no IO or async), but depends on {forbidden:?}"
        );
    }
}

#[test]
fn layers_depend_only_downwards() {
    // Which of our crates each crate may use (normal dependencies only).
    let allowed: [(&str, &[&str]); 6] = [
        ("safer_domain", &[]),
        ("safer_analytics", &["safer_domain"]),
        ("safer_import", &["safer_domain"]),
        ("safer_storage", &["safer_domain"]),
        ("safer_web", &["safer_domain", "safer_storage", "safer_analytics", "safer_import"]),
        (
            "safer_cli",
            &["safer_domain", "safer_storage", "safer_analytics", "safer_import", "safer_web"],
        ),
    ];
    for (krate, may_use) in allowed {
        let ours: Vec<String> =
            normal_closure(krate).into_iter().filter(|n| n.starts_with("safer_")).collect();
        for dep in &ours {
            assert!(may_use.contains(&dep.as_str()), "{krate} must not depend on {dep}");
        }
    }
    assert!(
        !normal_closure("safer_cli").contains("safer_test_utils"),
        "test utilities are a dev-dependency only"
    );
}

#[test]
fn sql_lives_only_in_storage() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut offenders = Vec::new();
    for krate in ["safer_domain", "safer_analytics", "safer_import", "safer_web", "safer_cli"] {
        let src = root.join("crates").join(krate).join("src");
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if text.contains("sqlx::query")
                        || text.contains("SELECT ") && text.contains(" FROM ")
                    {
                        offenders.push(path.display().to_string());
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "SQL belongs in safer_storage only: {offenders:?}");
}
