//! [`Month`]: a calendar month, the only time resolution police.uk publishes.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A calendar month (year and month), written and parsed as `YYYY-MM`.
///
/// Stored as a count of months since January of year 0, so it is 4 bytes, ordered, and month
/// arithmetic is integer arithmetic.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(u32);

impl Month {
    /// The month `year`-`month`, or `None` unless `year` is 0..=9999 and `month` is 1..=12.
    pub fn new(year: u16, month: u8) -> Option<Month> {
        if year > 9999 || !(1..=12).contains(&month) {
            return None;
        }
        Some(Month(u32::from(year) * 12 + u32::from(month) - 1))
    }

    /// Parses exactly `YYYY-MM` (seven bytes, no surrounding space).
    pub fn parse_bytes(bytes: &[u8]) -> Option<Month> {
        let &[y0, y1, y2, y3, b'-', m0, m1] = bytes else {
            return None;
        };
        let digit = |b: u8| b.is_ascii_digit().then(|| u16::from(b - b'0'));
        let year = digit(y0)? * 1000 + digit(y1)? * 100 + digit(y2)? * 10 + digit(y3)?;
        let month = digit(m0)? * 10 + digit(m1)?;
        Month::new(year, month as u8)
    }

    /// The year, for example 2022.
    pub fn year(self) -> u16 {
        (self.0 / 12) as u16
    }

    /// The month of the year, 1 (January) to 12 (December).
    pub fn month(self) -> u8 {
        (self.0 % 12) as u8 + 1
    }

    /// The month `n` months later (earlier when `n` is negative), or `None` outside years
    /// 0..=9999.
    pub fn offset(self, n: i32) -> Option<Month> {
        let index = i64::from(self.0) + i64::from(n);
        (0..10_000 * 12).contains(&index).then_some(Month(index as u32))
    }

    /// The number of months from `self` to `later`: 0 for the same month, negative when
    /// `later` is earlier.
    pub fn months_until(self, later: Month) -> i32 {
        later.0 as i32 - self.0 as i32
    }

    /// The month's position on a single scale (months since January of year 0); consecutive
    /// months have consecutive indexes.
    pub fn index(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl fmt::Debug for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Month({self})")
    }
}

impl FromStr for Month {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Month::parse_bytes(s.as_bytes())
            .ok_or_else(|| Error::InvalidMonth { value: crate::shorten(s, 40) })
    }
}

#[cfg(test)]
mod tests {
    use super::Month;

    #[test]
    fn parse_display_round_trip() {
        let m: Month = "2021-03".parse().unwrap();
        assert_eq!((m.year(), m.month()), (2021, 3));
        assert_eq!(m.to_string(), "2021-03");
        assert_eq!(format!("{m:?}"), "Month(2021-03)");
        assert_eq!("0999-12".parse::<Month>().unwrap().to_string(), "0999-12");
    }

    #[test]
    fn rejects_malformed() {
        for bad in
            ["2021-3", "2021-13", "2021-00", "21-03", "2021/03", " 2021-03", "2021-03-01", ""]
        {
            assert!(bad.parse::<Month>().is_err(), "{bad:?} should not parse");
        }
        assert_eq!(
            "2021-13".parse::<Month>().unwrap_err().to_string(),
            "invalid month `2021-13`; expected YYYY-MM"
        );
    }

    #[test]
    fn arithmetic_and_order() {
        let dec = Month::new(2021, 12).unwrap();
        let jan = dec.offset(1).unwrap();
        assert_eq!(jan, Month::new(2022, 1).unwrap());
        assert_eq!(jan.offset(-13), Month::new(2020, 12));
        assert_eq!(dec.months_until(Month::new(2023, 1).unwrap()), 13);
        assert!(dec < jan);
        assert_eq!(Month::new(9999, 12).unwrap().offset(1), None);
        assert_eq!(Month::new(2021, 0), None);
    }
}
