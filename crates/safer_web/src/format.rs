//! How pages read ids from paths and write dates, times and words: one place, so every page
//! says "4 May 2026" and "27 November 2026 at 22:05 UTC" the same way.

use crate::AppError;

/// A positive database id from a path or form value, or "not found" (before the database is
/// asked).
pub(crate) fn parse_id(text: &str) -> Result<i64, AppError> {
    match text.parse::<i64>() {
        Ok(number) if number > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(number),
        _ => Err(AppError::NotFound),
    }
}

/// The UTC date of a unix time.
pub(crate) fn today(now: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(now)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date()
}

/// A date as `YYYY-MM-DD`.
pub(crate) fn iso(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The UTC date of a unix time, `YYYY-MM-DD`.
pub(crate) fn today_iso(now: i64) -> String {
    iso(today(now))
}

/// A `YYYY-MM-DD` date, if it is a real day.
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).ok()
}

/// A month typed as `YYYY-MM` in a form, as a month number (`safer_domain::month`); years
/// before 1900 are typing mistakes.
pub(crate) fn typed_month(text: &str) -> Option<i32> {
    safer_domain::month::month_number(text).filter(|number| *number >= 1900 * 12)
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

/// A `YYYY-MM-DD` date as pages show it: "4 May 1990"; anything else as it is.
pub(crate) fn show_date(iso: &str) -> String {
    match parse_date(iso) {
        Some(date) => {
            format!("{} {} {}", date.day(), month_name(u8::from(date.month())), date.year())
        }
        None => iso.to_string(),
    }
}

/// A `YYYY-MM` month as pages show it: "May 2026"; anything else as it is.
pub(crate) fn show_month(month: &str) -> String {
    match month.split_once('-').map(|(y, m)| (y, m.parse::<u8>())) {
        Some((year, Ok(m @ 1..=12))) if year.len() == 4 => format!("{} {year}", month_name(m)),
        _ => month.to_string(),
    }
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

/// The text with its first letter in upper case.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_dates_and_words() {
        assert_eq!(parse_id("42").ok(), Some(42));
        for bad in ["0", "-1", "+1", "1e3", "", "١٢"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
        assert_eq!(show_date("1990-05-04"), "4 May 1990");
        assert_eq!(show_date("2023-02-29"), "2023-02-29");
        assert_eq!(show_month("2026-11"), "November 2026");
        assert_eq!(show_month("26-11"), "26-11");
        assert_eq!(when(0), "1 January 1970 at 00:00 UTC");
        assert_eq!(today_iso(86_400 * 365), "1971-01-01");
        assert_eq!(capitalise("à la carte"), "À la carte");
    }
}
