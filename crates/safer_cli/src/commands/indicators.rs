//! `safer import indicators FILE [--strict]`: a partner indicators CSV into the store.
//!
//! The file is parsed by [`safer_import::indicators`]; bad rows go to standard error as
//! `FILE:LINE: FIELD: reason` and are left out, and the good rows are upserted in one
//! transaction ([`Store::upsert_partner_indicators`]), so importing the same file again changes
//! nothing. Under `--strict` any bad row stops the run with nothing written. Standard output
//! gets one summary line.
//!
//! It also holds what `safer compare` and `safer findings` show of the stored indicators
//! ([`pair_with_periods`], [`write_table`], [`findings`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::findings::WITHIN_NORMAL_VARIATION;
use safer_import::indicators::{parse_indicators, ParsedIndicators};
use safer_storage::{NewPartnerIndicator, PartnerIndicator, PartnerIndicatorsOutcome, Store};

use super::open_store;
use crate::cli::ImportIndicatorsArgs;
use crate::config::Config;

/// `safer import indicators`.
pub async fn import(config: &Config, args: &ImportIndicatorsArgs) -> anyhow::Result<ExitCode> {
    // Everything that can refuse the run happens before the database is opened.
    let (name, parsed) = read(&args.file, args.strict)?;
    let store = open_store(config).await?;
    let outcome = write(&store, &name, &parsed).await?;
    println!("{}", summary(&name, &parsed, &outcome));
    Ok(ExitCode::SUCCESS)
}

/// Reads and parses `file`, printing its bad rows to standard error; under `strict` a bad row
/// is an error.
pub fn read(file: &Path, strict: bool) -> anyhow::Result<(String, ParsedIndicators)> {
    let name = file.display().to_string();
    let data = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let parsed = parse_indicators(&data).with_context(|| name.clone())?;
    for error in &parsed.errors {
        eprintln!("{name}:{}: {}: {}", error.line, error.field, error.reason);
    }
    let n_bad = parsed.errors.len();
    if strict && n_bad > 0 {
        bail!("--strict: {name}: {n_bad} bad {}; nothing was imported", plural(n_bad, "row"));
    }
    Ok((name, parsed))
}

/// Upserts the good rows of a parsed file.
pub async fn write(
    store: &Store,
    name: &str,
    parsed: &ParsedIndicators,
) -> anyhow::Result<PartnerIndicatorsOutcome> {
    let rows: Vec<NewPartnerIndicator> = parsed
        .rows
        .iter()
        .map(|row| NewPartnerIndicator {
            indicator: row.indicator.clone(),
            area: row.area.clone(),
            period_start: row.period_start.clone(),
            period_end: row.period_end.clone(),
            value: row.value,
            unit: row.unit.clone(),
            source: row.source.clone(),
            notes: row.notes.clone(),
            source_line: row.line as i64,
        })
        .collect();
    store
        .upsert_partner_indicators(name, &rows, crate::now())
        .await
        .with_context(|| format!("cannot store the indicators of {name}"))
}

/// `FILE: N new, N updated, N unchanged, N bad rows`.
pub fn summary(
    name: &str,
    parsed: &ParsedIndicators,
    outcome: &PartnerIndicatorsOutcome,
) -> String {
    let n_bad = parsed.errors.len();
    format!(
        "{name}: {} new, {} updated, {} unchanged, {n_bad} bad {}",
        outcome.n_inserted,
        outcome.n_updated,
        outcome.n_unchanged,
        plural(n_bad, "row")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// One indicator's figures in the base and current periods of `safer compare`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorChange {
    /// The indicator's slug.
    pub indicator: String,
    /// Its unit.
    pub unit: String,
    /// The figure whose period lies within the base period.
    pub base: Figure,
    /// The figure whose period lies within the current period.
    pub current: Figure,
}

/// An indicator's figure in one period of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// No stored period lies within it.
    Missing,
    /// Exactly one stored period lies within it: its value and its length.
    One {
        /// The figure.
        value: f64,
        /// Days in the figure's own period, both ends included.
        days: u32,
        /// Whole calendar months in the figure's own period, when it is made of whole months.
        months: Option<u32>,
    },
    /// Several stored periods lie within it; none is picked.
    Several,
}

impl IndicatorChange {
    /// The two-sided p-value of the exact conditional Poisson test, for a `count` with one
    /// figure in each period, weighted by the length each figure covers.
    pub fn p_value(&self) -> Option<f64> {
        let (base, current, (base_length, current_length)) = self.counts()?;
        // The test only uses the ratio of the lengths, so days serve as well as months.
        Some(safer_analytics::stats::exact_poisson_comparison(
            base as u64,
            current as u64,
            base_length,
            current_length,
        ))
    }

    /// For a `count` with one figure in each period: the two values and the two lengths, in
    /// months when both figures cover whole months, in days otherwise.
    fn counts(&self) -> Option<(f64, f64, (u32, u32))> {
        let (
            Figure::One { value: base, days: base_days, months: base_months },
            Figure::One { value: current, days, months },
        ) = (self.base, self.current)
        else {
            return None;
        };
        if self.unit != "count" || base < 0.0 || current < 0.0 {
            return None;
        }
        let lengths = match (base_months, months) {
            (Some(base_months), Some(months)) => (base_months, months),
            _ => (base_days, days),
        };
        Some((base, current, lengths))
    }

    /// " in monthly rate" or " in daily rate" when the figures cover different lengths.
    fn rate_phrase(&self) -> &'static str {
        let (
            Figure::One { days: base_days, months: base_months, .. },
            Figure::One { days, months, .. },
        ) = (self.base, self.current)
        else {
            return "";
        };
        match (base_months, months) {
            (Some(a), Some(b)) if a != b => " in monthly rate",
            (Some(_), Some(_)) => "",
            _ if base_days != days => " in daily rate",
            _ => "",
        }
    }

    /// The % change of a `count`, per day when the periods differ in length.
    fn change_pct(&self) -> Option<f64> {
        let (base, current, (base_length, current_length)) = self.counts()?;
        if base <= 0.0 {
            return None;
        }
        let base_rate = base / f64::from(base_length);
        let current_rate = current / f64::from(current_length);
        Some((current_rate / base_rate - 1.0) * 100.0)
    }
}

/// The indicators stored for `area` whose periods lie within the base or current period
/// (months `YYYY-MM`, both ends included), paired for `safer compare` and `safer findings`.
pub async fn for_comparison(
    store: &Store,
    area: &str,
    base: (&str, &str),
    current: (&str, &str),
) -> anyhow::Result<Vec<IndicatorChange>> {
    let from = format!("{}-01", base.0);
    let stored = store
        .partner_indicators_for_area(area, &from, &month_end(current.1))
        .await
        .context("cannot read the partner indicators")?;
    Ok(pair_with_periods(&stored, base, current))
}

/// The indicators of a partner indicators CSV for any of `areas`, paired like
/// [`for_comparison`]: the `--input` path's counterpart of the database's indicators. Bad rows
/// are reported on standard error and left out.
pub fn from_file(
    file: &Path,
    areas: &[String],
    base: (&str, &str),
    current: (&str, &str),
) -> anyhow::Result<Vec<IndicatorChange>> {
    let (name, parsed) = read(file, false)?;
    for err in &parsed.errors {
        eprintln!("{name}:{err}");
    }
    let rows: Vec<PartnerIndicator> = parsed
        .rows
        .into_iter()
        .filter(|row| areas.contains(&row.area))
        .map(|row| PartnerIndicator {
            indicator: row.indicator,
            area: row.area,
            period_start: row.period_start,
            period_end: row.period_end,
            value: row.value,
            unit: row.unit,
            source: row.source,
            notes: row.notes,
            file_name: name.clone(),
            source_line: row.line as i64,
            imported_at: 0,
        })
        .collect();
    Ok(pair_with_periods(&rows, base, current))
}

/// The indicators as JSON for `safer compare --json`: per indicator its unit, the base and
/// current figures (null when missing or when several figures fall in a period), the change,
/// and for counts the exact test.
pub fn to_json(changes: &[IndicatorChange]) -> serde_json::Value {
    let figure = |figure: Figure| match figure {
        Figure::One { value, .. } => serde_json::json!(value),
        Figure::Missing | Figure::Several => serde_json::Value::Null,
    };
    let items: Vec<serde_json::Value> = changes
        .iter()
        .map(|change| {
            let p_value = change.p_value();
            serde_json::json!({
                "indicator": change.indicator,
                "unit": change.unit,
                "base": figure(change.base),
                "current": figure(change.current),
                "several_in_a_period": matches!(change.base, Figure::Several)
                    || matches!(change.current, Figure::Several),
                "change_pct": change.change_pct(),
                "p_value": p_value,
                "significant": p_value.map(|p| p < ALPHA),
                "verdict": verdict(change, p_value),
            })
        })
        .collect();
    serde_json::Value::Array(items)
}

/// Pairs stored indicators with the two periods of a comparison (months `YYYY-MM`, both ends
/// included): a figure counts for a period when its own period lies wholly within it.
pub fn pair_with_periods(
    indicators: &[PartnerIndicator],
    base: (&str, &str),
    current: (&str, &str),
) -> Vec<IndicatorChange> {
    let base = (format!("{}-01", base.0), month_end(base.1));
    let current = (format!("{}-01", current.0), month_end(current.1));
    let mut changes: BTreeMap<(String, String), IndicatorChange> = BTreeMap::new();
    for row in indicators {
        let within = |period: &(String, String)| {
            period.0.as_str() <= row.period_start.as_str()
                && row.period_end.as_str() <= period.1.as_str()
        };
        let in_base = within(&base);
        let in_current = within(&current);
        if !in_base && !in_current {
            continue;
        }
        let change =
            changes.entry((row.indicator.clone(), row.unit.clone())).or_insert_with(|| {
                IndicatorChange {
                    indicator: row.indicator.clone(),
                    unit: row.unit.clone(),
                    base: Figure::Missing,
                    current: Figure::Missing,
                }
            });
        let slot = if in_base { &mut change.base } else { &mut change.current };
        *slot = match slot {
            Figure::Missing => Figure::One {
                value: row.value,
                days: days_between(&row.period_start, &row.period_end),
                months: whole_months(&row.period_start, &row.period_end),
            },
            _ => Figure::Several,
        };
    }
    changes.into_values().collect()
}

/// Writes the partner indicators table that follows the crime table of `safer compare`;
/// nothing when there are none.
pub fn write_table(out: &mut impl Write, changes: &[IndicatorChange]) -> std::io::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let header = ["Partner indicator", "Unit", "Base", "Current", "Change", "p-value", "Verdict"];
    let rows: Vec<[String; 7]> = changes
        .iter()
        .map(|change| {
            let figure = |figure: Figure| match figure {
                Figure::Missing => "-".to_string(),
                Figure::One { value, .. } => format_value(value),
                Figure::Several => "several".to_string(),
            };
            let difference = match (change.base, change.current) {
                (Figure::One { value: base, .. }, Figure::One { value: current, .. }) => {
                    let diff = current - base;
                    let mut text =
                        format!("{}{}", if diff > 0.0 { "+" } else { "" }, format_value(diff));
                    if let Some(pct) = change.change_pct() {
                        text.push_str(&format!(" ({pct:+.1}%)"));
                    }
                    text
                }
                _ => "n/a".to_string(),
            };
            let p_value = change.p_value();
            [
                change.indicator.clone(),
                change.unit.clone(),
                figure(change.base),
                figure(change.current),
                difference,
                p_value.map_or("n/a".to_string(), format_p),
                verdict(change, p_value).to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|text| text.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut text = String::new();
        for (idx, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            match idx {
                0 | 1 => text.push_str(&format!("{cell}{pad}  ")),
                6 => text.push_str(cell),
                _ => text.push_str(&format!("{pad}{cell}  ")),
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out)?;
    writeln!(out, "Partner indicators stored for this area whose periods lie within the base and current periods:")?;
    writeln!(out, "{}", line(header))?;
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    writeln!(
        out,
        "Counts are tested with the same exact test, weighted by the months (or days) each figure covers; \
         other units are shown, not tested."
    )?;
    Ok(())
}

/// One findings bullet per `count` indicator with a figure in both periods.
pub fn findings(changes: &[IndicatorChange]) -> Vec<String> {
    let mut bullets = Vec::new();
    for change in changes {
        let (Some(p_value), Figure::One { value: base, .. }, Figure::One { value: current, .. }) =
            (change.p_value(), change.base, change.current)
        else {
            continue;
        };
        let rate = change.rate_phrase();
        let counts = format!("from {} to {}", format_value(base), format_value(current));
        let pct = change.change_pct();
        let by = pct.map_or(String::new(), |pct| format!(" {:.1}%{rate}", pct.abs()));
        let what = format!("{} (partner indicator)", change.indicator);
        let text = match (p_value < ALPHA, current > base) {
            _ if base == current => format!("{what} was unchanged at {}", format_value(current)),
            (true, true) => format!("{what} increased by{by} ({counts})"),
            (true, false) => format!("{what} decreased by{by} ({counts})"),
            (false, true) => format!("{what} rose{by} ({counts}) — {WITHIN_NORMAL_VARIATION}"),
            (false, false) => format!("{what} fell{by} ({counts}) — {WITHIN_NORMAL_VARIATION}"),
        };
        bullets.push(text);
    }
    bullets
}

/// The significance level, as for crime types.
const ALPHA: f64 = 0.05;

fn verdict(change: &IndicatorChange, p_value: Option<f64>) -> &'static str {
    match (change.base, change.current, p_value) {
        (Figure::One { value: base, .. }, Figure::One { value: current, .. }, Some(p)) => {
            if p < ALPHA && current > base {
                "rise"
            } else if p < ALPHA && current < base {
                "fall"
            } else {
                "no clear change"
            }
        }
        (Figure::One { .. }, Figure::One { .. }, None) => "not tested",
        _ => "n/a",
    }
}

/// A value without a needless `.0`, thousands not grouped: `220`, `-56`, `12.5`.
fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn format_p(p: f64) -> String {
    if p.is_nan() {
        "n/a".to_string()
    } else if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// The last day of month `YYYY-MM`, as `YYYY-MM-DD`.
fn month_end(month: &str) -> String {
    let (year, month_number) = month.split_once('-').unwrap_or((month, "12"));
    let year: i64 = year.parse().unwrap_or(9999);
    let month_number: u32 = month_number.parse().unwrap_or(12);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let last = match month_number {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    format!("{year:04}-{month_number:02}-{last:02}")
}

/// The number of calendar months from `start` to `end` when `start` is a first and `end` a
/// last day of a month; `None` otherwise.
fn whole_months(start: &str, end: &str) -> Option<u32> {
    let (start_month, end_month) = (start.get(..7)?, end.get(..7)?);
    if !start.ends_with("-01") || month_end(end_month) != end {
        return None;
    }
    let index = |month: &str| -> Option<i64> {
        let (year, number) = month.split_once('-')?;
        Some(year.parse::<i64>().ok()? * 12 + number.parse::<i64>().ok()?)
    };
    let n_months = index(end_month)? - index(start_month)? + 1;
    u32::try_from(n_months).ok().filter(|n| *n > 0)
}

/// Days from `start` to `end`, both `YYYY-MM-DD`, both ends included.
fn days_between(start: &str, end: &str) -> u32 {
    (day_number(end) - day_number(start) + 1).max(1) as u32
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's `days_from_civil`).
fn day_number(date: &str) -> i64 {
    let part = |range: std::ops::Range<usize>| -> i64 {
        date.get(range).and_then(|text| text.parse().ok()).unwrap_or(1)
    };
    let (year, month, day) = (part(0..4), part(5..7), part(8..10));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(indicator: &str, start: &str, end: &str, value: f64, unit: &str) -> PartnerIndicator {
        PartnerIndicator {
            indicator: indicator.to_string(),
            area: "district:Maidstone".to_string(),
            period_start: start.to_string(),
            period_end: end.to_string(),
            value,
            unit: unit.to_string(),
            source: "plan".to_string(),
            notes: String::new(),
            file_name: "a.csv".to_string(),
            source_line: 2,
            imported_at: 0,
        }
    }

    #[test]
    fn dates() {
        assert_eq!(month_end("2024-02"), "2024-02-29");
        assert_eq!(month_end("2023-02"), "2023-02-28");
        assert_eq!(month_end("2021-12"), "2021-12-31");
        assert_eq!(days_between("2021-01-01", "2021-12-31"), 365);
        assert_eq!(days_between("2020-01-01", "2020-12-31"), 366);
        assert_eq!(days_between("2021-03-01", "2021-03-01"), 1);
        assert_eq!(day_number("1970-01-01"), 0);
        assert_eq!(whole_months("2019-04-01", "2020-03-31"), Some(12));
        assert_eq!(whole_months("2020-02-01", "2020-02-29"), Some(1));
        assert_eq!(whole_months("2020-02-01", "2020-02-28"), None);
        assert_eq!(whole_months("2020-02-02", "2020-02-29"), None);
    }

    #[test]
    fn pairing_and_findings() {
        let indicators = [
            stored("marac-cases", "2020-01-01", "2020-12-31", 268.0, "count"),
            stored("marac-cases", "2021-01-01", "2021-12-31", 220.0, "count"),
            stored("section-136-uses", "2020-01-01", "2020-12-31", 100.0, "count"),
            stored("section-136-uses", "2021-01-01", "2021-12-31", 95.0, "count"),
            stored("feel-safe-night", "2020-01-01", "2020-12-31", 41.0, "percent"),
            stored("feel-safe-night", "2021-01-01", "2021-12-31", 38.0, "percent"),
            // Straddles the two periods: in neither.
            stored("cpw-issued", "2020-07-01", "2021-06-30", 86.0, "count"),
        ];
        let changes =
            pair_with_periods(&indicators, ("2020-01", "2020-12"), ("2021-01", "2021-12"));
        let names: Vec<&str> = changes.iter().map(|c| c.indicator.as_str()).collect();
        assert_eq!(names, ["feel-safe-night", "marac-cases", "section-136-uses"]);
        assert_eq!(changes[0].p_value(), None);
        // 268 in a leap year against 220: a fall the test can tell from noise.
        assert!(changes[1].p_value().unwrap() < 0.05);
        assert!(changes[2].p_value().unwrap() > 0.05);
        let bullets = findings(&changes);
        assert_eq!(bullets.len(), 2);
        assert!(
            bullets[0].starts_with("marac-cases (partner indicator) decreased by 17."),
            "{}",
            bullets[0]
        );
        // Twelve whole months each: a plain percentage, 48 / 268.
        assert_eq!(
            bullets[0],
            "marac-cases (partner indicator) decreased by 17.9% (from 268 to 220)"
        );
        assert!(
            bullets[1].ends_with("(from 100 to 95) — within normal variation"),
            "{}",
            bullets[1]
        );

        let mut table = Vec::new();
        write_table(&mut table, &changes).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains("feel-safe-night"), "{table}");
        assert!(table.contains("not tested"), "{table}");
        assert!(table.contains("no clear change"), "{table}");
    }
}
