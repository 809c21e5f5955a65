//! How pages read ids from paths and write times: one place, so every page says
//! "27 November 2026 at 22:05 UTC" the same way.

use crate::AppError;

/// A positive database id from a path or form value, or "not found" (before the database is
/// asked).
pub(crate) fn parse_id(text: &str) -> Result<i64, AppError> {
    match text.parse::<i64>() {
        Ok(number) if number > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(number),
        _ => Err(AppError::NotFound),
    }
}

/// The English name of a month, 1 to 12 (clamped).
pub(crate) fn month_name(month: u8) -> &'static str {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    MONTHS[usize::from(month.clamp(1, 12)) - 1]
}

/// A unix time as pages show it: "27 November 2026 at 22:05 UTC".
pub(crate) fn when(unix_seconds: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(at) => format!(
            "{} {} {} at {:02}:{:02} UTC",
            at.day(),
            month_name(u8::from(at.month())),
            at.year(),
            at.hour(),
            at.minute()
        ),
        Err(_) => "an unknown date".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times() {
        assert_eq!(parse_id("42").ok(), Some(42));
        for bad in ["0", "-1", "+1", "1e3", "", "١٢"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
        assert_eq!(when(0), "1 January 1970 at 00:00 UTC");
    }
}
