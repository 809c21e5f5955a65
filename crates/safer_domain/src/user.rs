//! Rules for user accounts that do not depend on storage: usernames and password strength.

/// The shortest password accepted. The NCSC recommends length (for example three random words)
/// over composition rules, so Safer checks length and a short deny-list only.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Longest password accepted, so hashing cost stays bounded.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Checks a username: 3 to 64 characters of lowercase letters, digits, `.`, `-`, `_` or `@`,
/// starting with a letter or digit. Usernames appear in audit records, so they are plain.
pub fn validate_username(username: &str) -> Result<(), &'static str> {
    let len = username.chars().count();
    if !(3..=64).contains(&len) {
        return Err("a username must be between 3 and 64 characters");
    }
    let first = username.as_bytes()[0];
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err("a username must start with a lowercase letter or a digit");
    }
    if !username.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_' | b'@')
    }) {
        return Err("a username may only use lowercase letters, digits and . - _ @");
    }
    Ok(())
}

/// Checks a new password against the length rules and a deny-list of the most common choices.
pub fn validate_new_password(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err("a password must be at least 12 characters; three random words work well");
    }
    if len > MAX_PASSWORD_LEN {
        return Err("a password must be at most 256 characters");
    }
    const COMMON: [&str; 6] = [
        "password1234",
        "123456789012",
        "qwertyuiop12",
        "passwordpassword",
        "letmeinletmein",
        "maidstone123",
    ];
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err("that password is too common; choose another");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(validate_username("coordinator").is_ok());
        assert!(validate_username("j.smith@kent").is_ok());
        assert!(validate_username("ab").is_err());
        assert!(validate_username("John").is_err());
        assert!(validate_username("_x_y").is_err());
        assert!(validate_username("a b c").is_err());
    }

    #[test]
    fn passwords() {
        assert!(validate_new_password("correct horse battery").is_ok());
        assert!(validate_new_password("short").is_err());
        assert!(validate_new_password("Password1234").is_err());
        assert!(validate_new_password(&"x".repeat(257)).is_err());
    }
}
