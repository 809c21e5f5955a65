//! The statutory and professional rules of multi-agency casework, as pure functions of dates.
//!
//! - [`powers`]: Community Protection Warnings and Notices, fixed penalty notices, closure
//!   notices and orders, Public Spaces Protection Orders and civil injunctions (Anti-social
//!   Behaviour, Crime and Policing Act 2014, Parts 1, 4 and 6).
//! - [`trigger`]: the ASB case review, or "Community Trigger" (ASBCPA 2014 s.104–105, Sch 4).
//! - [`risk`]: a configurable, scored ASB victim risk assessment and the repeat-victim flag.
//! - [`dash`]: the 24-question DASH risk checklist and the four MARAC referral criteria.
//!
//! Every rule cites its source by the section numbers in `DOMAIN.md` §2; the rules and their
//! configurable values are listed in `docs/casework-rules.md`. Nothing here stores, sends or
//! logs anything: storage and web call these functions and keep the results.
//!
//! # Counting periods
//!
//! One convention is used for every period, statutory or professional, so a deadline never
//! depends on which module computed it:
//!
//! - **"a period of N days/months beginning with day D"** counts D as the first day. A period of
//!   21 days beginning with 3 March ends on 23 March; a period of one month beginning with
//!   15 January ends on 14 February. Months are calendar months (Interpretation Act 1978,
//!   Sch 1: "month" means calendar month): the period ends the day before the corresponding
//!   date in the later month, or, when that month has no corresponding date (31 January + one
//!   month), on the last day of that month. So one month beginning with 31 January ends on
//!   28 February, or 29 February in a leap year. See [`last_day_of_period`].
//! - **"within N months before day D"** (look-back windows such as "3 incidents in 12 months")
//!   is the period of N months *ending with* D, the mirror image: see
//!   [`first_day_of_period_ending`].
//!
//! The statute uses "beginning with" for the appeal window (s.46) and, as quoted in council
//! guidance, for the qualifying complaint (s.104). Professional guidance (SafeLives, local
//! risk matrices) just says "within 12 months"; it is counted the same way here.

use time::{Date, Duration, Month, OffsetDateTime};

pub mod config;
pub mod dash;
pub mod powers;
pub mod risk;
pub mod trigger;

/// When a clock falls due: a calendar day, or an exact instant for clocks counted in hours
/// (the closure notice and its hearing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// By the end of this day.
    Date(Date),
    /// At this instant.
    Instant(OffsetDateTime),
}

impl Due {
    /// The calendar day the clock falls due (an instant's date in its own offset), for sorting
    /// a due list by day.
    pub fn date(self) -> Date {
        match self {
            Due::Date(date) => date,
            Due::Instant(instant) => instant.date(),
        }
    }
}

/// What happens when a clock falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockKind {
    /// The last moment something must be done (an appeal lodged, a penalty paid, a hearing held).
    Deadline,
    /// The first day something may be done (a CPN after the warning's time to stop has passed).
    EarliestAction,
    /// The moment a power stops having effect unless extended.
    Expiry,
    /// A scheduled review of a case.
    Review,
}

/// One dated obligation of a case, so a due list can be built across powers and cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// What falls due, in plain words (never personal data).
    pub name: String,
    /// When it falls due.
    pub due: Due,
    /// Whether it is a deadline, an earliest action, an expiry or a review.
    pub kind: ClockKind,
}

impl Clock {
    pub(crate) fn on(name: impl Into<String>, date: Date, kind: ClockKind) -> Clock {
        Clock { name: name.into(), due: Due::Date(date), kind }
    }

    pub(crate) fn at(name: impl Into<String>, instant: OffsetDateTime, kind: ClockKind) -> Clock {
        Clock { name: name.into(), due: Due::Instant(instant), kind }
    }
}

/// The number of days in a month of a year.
fn days_in_month(year: i32, month: Month) -> u8 {
    month.length(year)
}

/// The year and month `months` calendar months after (or, negative, before) `date`'s month.
fn shift_month(date: Date, months: i32) -> (i32, Month) {
    let index = date.year() * 12 + (date.month() as i32 - 1) + months;
    let year = index.div_euclid(12);
    let month = Month::try_from((index.rem_euclid(12) + 1) as u8).expect("1..=12 is a month");
    (year, month)
}

/// The date `months` calendar months after (negative: before) `date`: the corresponding day,
/// or the last day of the target month when it has no corresponding day (31 January + one
/// month is 28 or 29 February).
pub fn add_months(date: Date, months: i32) -> Date {
    let (year, month) = shift_month(date, months);
    let day = date.day().min(days_in_month(year, month));
    Date::from_calendar_date(year, month, day).expect("day clamped to the month")
}

/// The last day of the period of `months` calendar months beginning with `first` (`first` is
/// day one). It is the day before the corresponding date in the later month; when that month
/// has no corresponding date, its last day.
///
/// One month beginning with 15 January ends on 14 February; beginning with 1 March, on
/// 31 March; beginning with 31 January, on 28 February (29 in a leap year).
pub fn last_day_of_period(first: Date, months: u32) -> Date {
    let (year, month) = shift_month(first, months as i32);
    if first.day() > days_in_month(year, month) {
        Date::from_calendar_date(year, month, days_in_month(year, month))
            .expect("last day of a month")
    } else {
        Date::from_calendar_date(year, month, first.day()).expect("day exists in the month")
            - Duration::days(1)
    }
}

/// The first day of the period of `months` calendar months ending with `last` (`last` is the
/// final day): the day after the date `months` calendar months before `last`. Three months
/// ending with 31 May begin on 1 March; twelve months ending with 15 March 2026 begin on
/// 16 March 2025.
pub fn first_day_of_period_ending(last: Date, months: u32) -> Date {
    add_months(last, -(months as i32)) + Duration::days(1)
}

/// The last day of the period of `days` days beginning with `first` (`first` is day one).
pub fn last_day_of_days(first: Date, days: u32) -> Date {
    first + Duration::days(i64::from(days) - 1)
}

/// The `days`th working day after `from` (not counting `from`): Saturdays, Sundays and the
/// given bank holidays are skipped. The caller supplies the bank holidays (they differ between
/// England and Wales, Scotland and Northern Ireland, and are announced year by year).
pub fn add_working_days(from: Date, days: u32, bank_holidays: &[Date]) -> Date {
    let mut day = from;
    let mut left = days;
    while left > 0 {
        day += Duration::days(1);
        let weekend = matches!(day.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
        if !weekend && !bank_holidays.contains(&day) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn adding_months_clamps_to_the_month_end() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 30), 3), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 03 - 31), -1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 01 - 15), -13), date!(2024 - 12 - 15));
    }

    #[test]
    fn one_month_beginning_with_a_day() {
        assert_eq!(last_day_of_period(date!(2026 - 01 - 15), 1), date!(2026 - 02 - 14));
        assert_eq!(last_day_of_period(date!(2026 - 01 - 01), 1), date!(2026 - 01 - 31));
        assert_eq!(last_day_of_period(date!(2026 - 03 - 01), 1), date!(2026 - 03 - 31));
        assert_eq!(last_day_of_period(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(last_day_of_period(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(last_day_of_period(date!(2026 - 01 - 29), 1), date!(2026 - 02 - 28));
        assert_eq!(last_day_of_period(date!(2026 - 12 - 10), 1), date!(2027 - 01 - 09));
        assert_eq!(last_day_of_period(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
    }

    #[test]
    fn periods_ending_with_a_day() {
        assert_eq!(first_day_of_period_ending(date!(2026 - 05 - 31), 3), date!(2026 - 03 - 01));
        assert_eq!(first_day_of_period_ending(date!(2026 - 03 - 15), 12), date!(2025 - 03 - 16));
    }

    #[test]
    fn working_days_skip_weekends_and_bank_holidays() {
        // Thursday 2 April 2026; Good Friday 3 April and Easter Monday 6 April.
        let easter = [date!(2026 - 04 - 03), date!(2026 - 04 - 06)];
        assert_eq!(add_working_days(date!(2026 - 04 - 02), 1, &easter), date!(2026 - 04 - 07));
        assert_eq!(add_working_days(date!(2026 - 04 - 02), 1, &[]), date!(2026 - 04 - 03));
        assert_eq!(add_working_days(date!(2026 - 04 - 02), 5, &easter), date!(2026 - 04 - 13));
        // From a Saturday, the first working day is Monday.
        assert_eq!(add_working_days(date!(2026 - 03 - 07), 1, &[]), date!(2026 - 03 - 09));
        assert_eq!(add_working_days(date!(2026 - 03 - 07), 0, &[]), date!(2026 - 03 - 07));
    }

    #[test]
    fn days_beginning_with_a_day() {
        assert_eq!(last_day_of_days(date!(2026 - 03 - 03), 21), date!(2026 - 03 - 23));
    }
}
