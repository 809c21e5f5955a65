//! Counting street rows by month × crime type × LSOA, with an LSOA filter.

use safer_domain::geography::is_district_lsoa_name;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::{Month, StreetColumns};
use crate::Error;

/// Which LSOAs to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LsoaFilter {
    /// Every row, including rows with no location (counted under the LSOA code `""`).
    All,
    /// The LSOAs of one local authority district, by name: the `LSOA name` is the district
    /// name, a space, three digits and a letter (`Maidstone 001A`). Matching the whole pattern
    /// keeps `Tunbridge` from matching `Tunbridge Wells 001A`; the `Location` column is never
    /// read (Medway rows say "On or near Maidstone Road").
    District(String),
    /// These LSOA codes.
    Codes(Vec<String>),
}

impl LsoaFilter {
    /// True when a row with this LSOA code and name is selected.
    pub fn matches(&self, lsoa_code: &str, lsoa_name: &str) -> bool {
        match self {
            LsoaFilter::All => true,
            LsoaFilter::District(district) => is_district_lsoa_name(district, lsoa_name),
            LsoaFilter::Codes(codes) => codes.iter().any(|code| code == lsoa_code),
        }
    }
}

impl FromStr for LsoaFilter {
    type Err = Error;

    /// Parses `all`, `district:<name>` or `lsoa:<code>,<code>…`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || Error::InvalidFilter { value: crate::shorten(s, 100) };
        if s == "all" {
            return Ok(LsoaFilter::All);
        }
        if let Some(district) = s.strip_prefix("district:") {
            if district.trim().is_empty() || district.trim() != district {
                return Err(invalid());
            }
            return Ok(LsoaFilter::District(district.to_string()));
        }
        if let Some(codes) = s.strip_prefix("lsoa:") {
            let codes: Vec<String> = codes.split(',').map(|c| c.trim().to_string()).collect();
            if codes.iter().any(|code| !super::fields::is_lsoa_code(code)) {
                return Err(invalid());
            }
            return Ok(LsoaFilter::Codes(codes));
        }
        Err(invalid())
    }
}

impl fmt::Display for LsoaFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LsoaFilter::All => f.write_str("all"),
            LsoaFilter::District(district) => write!(f, "district:{district}"),
            LsoaFilter::Codes(codes) => write!(f, "lsoa:{}", codes.join(",")),
        }
    }
}

/// Counts by month × crime type × LSOA code, dense.
///
/// Months run without gaps from the first to the last month with a selected row; crime types
/// are every type in the store, sorted by name, even where the count is zero; LSOA codes are
/// those with at least one selected row, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountCube {
    months: Vec<Month>,
    crime_types: Vec<String>,
    lsoa_codes: Vec<String>,
    /// Indexed `[month][crime type][lsoa]`.
    counts: Vec<u32>,
}

impl CountCube {
    /// A cube from its parts, for the count-only scan (`fastcount.rs`); `counts` is indexed
    /// `[month][crime type][lsoa]` and must have the product of the three lengths.
    pub(crate) fn from_parts(
        months: Vec<Month>,
        crime_types: Vec<String>,
        lsoa_codes: Vec<String>,
        counts: Vec<u32>,
    ) -> CountCube {
        assert_eq!(counts.len(), months.len() * crime_types.len() * lsoa_codes.len());
        CountCube { months, crime_types, lsoa_codes, counts }
    }

    /// The months, consecutive.
    pub fn months(&self) -> &[Month] {
        &self.months
    }

    /// The crime types, sorted.
    pub fn crime_types(&self) -> &[String] {
        &self.crime_types
    }

    /// The LSOA codes, sorted (`""` stands for rows with no location).
    pub fn lsoa_codes(&self) -> &[String] {
        &self.lsoa_codes
    }

    /// The count at the given positions in [`CountCube::months`], [`CountCube::crime_types`]
    /// and [`CountCube::lsoa_codes`]. Panics when out of range.
    pub fn get(&self, month_idx: usize, crime_type_idx: usize, lsoa_idx: usize) -> u32 {
        assert!(month_idx < self.months.len() && crime_type_idx < self.crime_types.len());
        assert!(lsoa_idx < self.lsoa_codes.len());
        self.counts[self.offset(month_idx, crime_type_idx, lsoa_idx)]
    }

    /// The count for one month, crime type and LSOA code; 0 when any is absent.
    pub fn count(&self, month: Month, crime_type: &str, lsoa_code: &str) -> u32 {
        let month_idx = self.month_idx(month);
        let type_idx = self.crime_types.binary_search_by(|t| t.as_str().cmp(crime_type)).ok();
        let lsoa_idx = self.lsoa_codes.binary_search_by(|c| c.as_str().cmp(lsoa_code)).ok();
        match (month_idx, type_idx, lsoa_idx) {
            (Some(m), Some(t), Some(l)) => self.get(m, t, l),
            _ => 0,
        }
    }

    /// The number of selected rows.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&n| u64::from(n)).sum()
    }

    /// Totals by crime type over every month (zeros included).
    pub fn by_crime_type(&self) -> BTreeMap<String, u64> {
        match (self.months.first(), self.months.last()) {
            (Some(&first), Some(&last)) => self.by_crime_type_between(first, last),
            _ => self.crime_types.iter().map(|t| (t.clone(), 0)).collect(),
        }
    }

    /// Totals by crime type over the months `from..=to` (zeros included), the input of a
    /// period comparison.
    pub fn by_crime_type_between(&self, from: Month, to: Month) -> BTreeMap<String, u64> {
        let n_lsoa = self.lsoa_codes.len();
        let mut totals = vec![0u64; self.crime_types.len()];
        for (month_idx, &month) in self.months.iter().enumerate() {
            if month < from || month > to {
                continue;
            }
            for (type_idx, total) in totals.iter_mut().enumerate() {
                let start = self.offset(month_idx, type_idx, 0);
                *total +=
                    self.counts[start..start + n_lsoa].iter().map(|&n| u64::from(n)).sum::<u64>();
            }
        }
        self.crime_types.iter().cloned().zip(totals).collect()
    }

    /// Totals by month, in order (months with no rows included).
    pub fn by_month(&self) -> Vec<(Month, u64)> {
        let per_month = self.crime_types.len() * self.lsoa_codes.len();
        self.months
            .iter()
            .enumerate()
            .map(|(idx, &month)| {
                let cells = &self.counts[idx * per_month..(idx + 1) * per_month];
                (month, cells.iter().map(|&n| u64::from(n)).sum())
            })
            .collect()
    }

    /// Totals by LSOA code over every month and crime type.
    pub fn by_lsoa(&self) -> BTreeMap<String, u64> {
        let n_lsoa = self.lsoa_codes.len();
        let mut totals = vec![0u64; n_lsoa];
        for cells in self.counts.chunks_exact(n_lsoa.max(1)) {
            for (total, &n) in totals.iter_mut().zip(cells) {
                *total += u64::from(n);
            }
        }
        self.lsoa_codes.iter().cloned().zip(totals).collect()
    }

    fn month_idx(&self, month: Month) -> Option<usize> {
        let first = *self.months.first()?;
        let idx = usize::try_from(first.months_until(month)).ok()?;
        (idx < self.months.len()).then_some(idx)
    }

    fn offset(&self, month_idx: usize, crime_type_idx: usize, lsoa_idx: usize) -> usize {
        (month_idx * self.crime_types.len() + crime_type_idx) * self.lsoa_codes.len() + lsoa_idx
    }
}

/// Counts the rows of `columns` selected by `filter`, by month × crime type × LSOA code.
///
/// Two passes over three integer columns: the first finds the months and LSOAs in the
/// selection, the second increments a dense array. The filter is evaluated once per distinct
/// LSOA name or code, never per row.
pub fn count_by_month_type_lsoa(columns: &StreetColumns, filter: &LsoaFilter) -> CountCube {
    let codes = columns.lsoa_codes();
    let names = columns.lsoa_names();
    let (code_ok, name_ok): (Vec<bool>, Vec<bool>) = match filter {
        LsoaFilter::All => (vec![true; codes.len()], vec![true; names.len()]),
        LsoaFilter::District(_) => (
            vec![true; codes.len()],
            names.iter().map(|(_, name)| filter.matches("", name)).collect(),
        ),
        LsoaFilter::Codes(_) => (
            codes.iter().map(|(_, code)| filter.matches(code, "")).collect(),
            vec![true; names.len()],
        ),
    };
    let month = columns.month();
    let crime_type = columns.crime_type();
    let lsoa_code = columns.lsoa_code();
    let lsoa_name = columns.lsoa_name();
    let selected =
        |row: usize| code_ok[lsoa_code[row] as usize] && name_ok[lsoa_name[row] as usize];

    // Pass 1: the months and LSOA codes that occur in the selection.
    let mut code_seen = vec![false; codes.len()];
    let mut range: Option<(Month, Month)> = None;
    for row in 0..columns.len() {
        if selected(row) {
            code_seen[lsoa_code[row] as usize] = true;
            let m = month[row];
            range = Some(range.map_or((m, m), |(lo, hi)| (lo.min(m), hi.max(m))));
        }
    }
    let mut crime_types: Vec<(&str, u32)> = columns
        .crime_types()
        .iter()
        .filter(|&(id, _)| id != super::Dictionary::EMPTY)
        .map(|(id, text)| (text, id))
        .collect();
    crime_types.sort_unstable();
    let mut type_pos = vec![0usize; columns.crime_types().len()];
    for (pos, &(_, id)) in crime_types.iter().enumerate() {
        type_pos[id as usize] = pos;
    }
    let mut lsoas: Vec<(&str, u32)> =
        codes.iter().filter(|&(id, _)| code_seen[id as usize]).map(|(id, c)| (c, id)).collect();
    lsoas.sort_unstable();
    let mut lsoa_pos = vec![0usize; codes.len()];
    for (pos, &(_, id)) in lsoas.iter().enumerate() {
        lsoa_pos[id as usize] = pos;
    }
    let months: Vec<Month> = match range {
        Some((first, last)) => (0..=first.months_until(last))
            .map(|n| first.offset(n).expect("between two valid months"))
            .collect(),
        None => Vec::new(),
    };

    // Pass 2: count.
    let mut cube = CountCube {
        crime_types: crime_types.iter().map(|&(text, _)| text.to_string()).collect(),
        lsoa_codes: lsoas.iter().map(|&(code, _)| code.to_string()).collect(),
        counts: vec![0; months.len() * crime_types.len() * lsoas.len()],
        months,
    };
    let Some(&first) = cube.months.first() else {
        return cube;
    };
    let n_types = cube.crime_types.len();
    let n_lsoa = cube.lsoa_codes.len();
    for row in 0..columns.len() {
        if selected(row) {
            let month_idx = first.months_until(month[row]) as usize;
            let type_idx = type_pos[crime_type[row] as usize];
            let lsoa_idx = lsoa_pos[lsoa_code[row] as usize];
            cube.counts[(month_idx * n_types + type_idx) * n_lsoa + lsoa_idx] += 1;
        }
    }
    cube
}

#[cfg(test)]
mod tests {
    use super::LsoaFilter;

    #[test]
    fn district_filter_matches_the_lsoa_name_pattern_only() {
        let maidstone = LsoaFilter::District("Maidstone".to_string());
        assert!(maidstone.matches("E01024403", "Maidstone 001A"));
        assert!(maidstone.matches("E01034991", "Maidstone 004H"));
        assert!(!maidstone.matches("E01016001", "Medway 001A"));
        assert!(!maidstone.matches("", ""));
        assert!(!maidstone.matches("E01024403", "Maidstone Road"));
        assert!(!maidstone.matches("E01024403", "Maidstone001A"));
        let tunbridge = LsoaFilter::District("Tunbridge".to_string());
        assert!(!tunbridge.matches("E01024900", "Tunbridge Wells 001A"));
        let tw = LsoaFilter::District("Tunbridge Wells".to_string());
        assert!(tw.matches("E01024900", "Tunbridge Wells 001A"));
    }

    #[test]
    fn filter_parse_and_display() {
        for text in
            ["all", "district:Maidstone", "district:Tunbridge Wells", "lsoa:E01024403,W01000001"]
        {
            let filter: LsoaFilter = text.parse().unwrap();
            assert_eq!(filter.to_string(), text);
        }
        for bad in ["", "district:", "district: Maidstone", "lsoa:", "lsoa:Maidstone", "Maidstone"]
        {
            assert!(bad.parse::<LsoaFilter>().is_err(), "{bad:?}");
        }
    }
}
