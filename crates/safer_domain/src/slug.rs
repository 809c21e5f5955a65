//! Slugs: the short, stable, human-readable identifiers used in plan files and URLs.

/// Returns true when `s` is a valid slug: 1 to 64 characters, lowercase ASCII letters, digits
/// and single hyphens, starting with a letter or digit and not ending with a hyphen.
pub fn is_slug(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 {
        return false;
    }
    if bytes[0] == b'-' || bytes[bytes.len() - 1] == b'-' || s.contains("--") {
        return false;
    }
    bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::is_slug;

    #[test]
    fn slugs() {
        for good in ["a", "smpeg", "safe-town-centre", "maidstone-2022-25", "x1"] {
            assert!(is_slug(good), "{good} should be a slug");
        }
        for bad in ["", "-a", "a-", "a--b", "Town", "a b", "a_b", "é", &"a".repeat(65)] {
            assert!(!is_slug(bad), "{bad:?} should not be a slug");
        }
    }
}

/// Makes a slug from a name: "Safer Maidstone Partnership" → `safer-maidstone-partnership`.
/// Letters outside ASCII are dropped; the result is cut to 64 characters.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(64);
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod slugify_tests {
    use super::{is_slug, slugify};

    #[test]
    fn slugify_makes_slugs() {
        assert_eq!(slugify("Safer Maidstone Partnership"), "safer-maidstone-partnership");
        assert_eq!(slugify("  Kent & Medway -- ICB! "), "kent-medway-icb");
        assert!(is_slug(&slugify(&"Long name ".repeat(20))));
    }
}
