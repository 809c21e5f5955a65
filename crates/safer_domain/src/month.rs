//! Calendar months as numbers, so `YYYY-MM` labels (police.uk months, indicator periods,
//! before-and-after periods) can be counted, compared and stepped.

/// `YYYY-MM` (four digits, a hyphen, two digits) as a month number, year × 12 + month − 1;
/// `None` for anything else.
pub fn month_number(text: &str) -> Option<i32> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let (year, month): (i32, i32) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then_some(year * 12 + month - 1)
}

/// A month number as `YYYY-MM`.
pub fn month_text(number: i32) -> String {
    format!("{:04}-{:02}", number.div_euclid(12), number.rem_euclid(12) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip_and_step_across_years() {
        assert_eq!(month_number("2023-01").map(month_text).as_deref(), Some("2023-01"));
        assert_eq!(month_text(month_number("2023-01").unwrap() - 1), "2022-12");
        assert_eq!(month_number("2022-12").unwrap() + 1, month_number("2023-01").unwrap());
        for bad in ["2023-13", "2023-00", "2023-1", "23-01", "2023-01-15", "2023/01", "", "abcd-ef"]
        {
            assert_eq!(month_number(bad), None, "{bad}");
        }
    }
}
