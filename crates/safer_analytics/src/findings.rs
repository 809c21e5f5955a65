//! Key findings in plain English, in the style of a partnership plan's summary of its
//! strategic assessment ("Overall crime increased by 4.2%", "Burglary showed the greatest
//! reduction (-39%)").
//!
//! The rule that matters: a change is only called an increase, a decrease, a rise or a fall
//! on its own when the exact test finds it significant ([`Verdict::Rise`],
//! [`Verdict::Fall`]). Any other change is described with the qualifier "within normal
//! variation" ("Shoplifting rose 4% (from 200 to 208) — within normal variation"), because a
//! 4 % change in a count of 200 is what chance alone produces most years.

use serde::Serialize;

use crate::compare::{Comparison, ComparisonRow, Verdict};

/// The qualifier attached to every change the test cannot tell from noise.
pub const WITHIN_NORMAL_VARIATION: &str = "within normal variation";

/// The crime type police.uk uses for anti-social behaviour, which is not a crime.
const ASB: &str = "Anti-social behaviour";

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The change in the total.
    Overall,
    /// The largest crime type in the current period, its share and its change.
    LargestCategory,
    /// A significant rise (the first listed is the greatest).
    Rise,
    /// A significant fall (the first listed is the greatest).
    Fall,
    /// A large change that the test cannot tell from noise.
    WithinNormalVariation,
    /// No crime type changed significantly.
    NoSignificantChange,
}

/// One bullet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What the finding is about.
    pub kind: FindingKind,
    /// The crime type it describes, if it describes one.
    pub crime_type: Option<String>,
    /// The verdict on the change it describes ([`Verdict::NoClearChange`] when none).
    pub verdict: Verdict,
    /// The bullet's text: one sentence, no trailing full stop.
    pub text: String,
}

/// How many bullets of each kind [`key_findings`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FindingsConfig {
    /// At most this many significant rises.
    pub max_rises: usize,
    /// At most this many significant falls.
    pub max_falls: usize,
    /// At most this many non-significant changes, largest first.
    pub max_within_normal_variation: usize,
    /// A non-significant change is worth a bullet when its size is at least this many per
    /// cent (or it is a change from 0): the changes a reader would otherwise over-interpret.
    pub within_normal_variation_min_pct: f64,
}

impl Default for FindingsConfig {
    /// Three of each kind; non-significant changes of 10 % or more.
    fn default() -> FindingsConfig {
        FindingsConfig {
            max_rises: 3,
            max_falls: 3,
            max_within_normal_variation: 3,
            within_normal_variation_min_pct: 10.0,
        }
    }
}

/// The key findings of a comparison, in this order: the total change; the largest crime type,
/// its share and its change; the significant falls, greatest first; the significant rises,
/// greatest first; large changes within normal variation; and, when nothing changed
/// significantly, a bullet saying so.
pub fn key_findings(comparison: &Comparison, config: &FindingsConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let has_asb =
        comparison.rows.iter().any(|row| row.crime_type == ASB && row.base + row.current > 0);
    let noun = if has_asb { "crime and anti-social behaviour" } else { "crime" };

    findings.push(Finding {
        kind: FindingKind::Overall,
        crime_type: None,
        verdict: comparison.total.verdict,
        text: format!("Overall {noun} {}", describe_change(&comparison.total, comparison)),
    });

    let largest = comparison.rows.first().filter(|row| row.current > 0);
    if let Some(row) = largest {
        let share = row.share_current.unwrap_or(0.0) * 100.0;
        findings.push(Finding {
            kind: FindingKind::LargestCategory,
            crime_type: Some(row.crime_type.clone()),
            verdict: row.verdict,
            text: format!(
                "{} makes up the largest proportion of reported {noun} ({}% of {}) and {}",
                row.crime_type,
                format_pct(share),
                format_count(comparison.current.total),
                describe_change(row, comparison)
            ),
        });
    }
    let others = || {
        comparison
            .rows
            .iter()
            .filter(move |row| largest.is_none_or(|l| l.crime_type != row.crime_type))
    };

    let mut falls: Vec<&ComparisonRow> =
        others().filter(|row| row.verdict == Verdict::Fall).collect();
    falls.sort_by(|x, y| pct_or(x, f64::NEG_INFINITY).total_cmp(&pct_or(y, f64::NEG_INFINITY)));
    for (idx, row) in falls.into_iter().take(config.max_falls).enumerate() {
        let text = if idx == 0 {
            format!(
                "{} showed the greatest reduction ({})",
                row.crime_type,
                signed_summary(row, comparison)
            )
        } else {
            format!("{} {}", row.crime_type, describe_change(row, comparison))
        };
        findings.push(finding(FindingKind::Fall, row, text));
    }

    let mut rises: Vec<&ComparisonRow> =
        others().filter(|row| row.verdict == Verdict::Rise).collect();
    rises.sort_by(|x, y| pct_or(y, f64::INFINITY).total_cmp(&pct_or(x, f64::INFINITY)));
    for (idx, row) in rises.into_iter().take(config.max_rises).enumerate() {
        let text = if idx == 0 {
            format!(
                "{} showed the greatest increase ({})",
                row.crime_type,
                signed_summary(row, comparison)
            )
        } else {
            format!("{} {}", row.crime_type, describe_change(row, comparison))
        };
        findings.push(finding(FindingKind::Rise, row, text));
    }

    let mut noise: Vec<&ComparisonRow> = others()
        .filter(|row| row.verdict == Verdict::NoClearChange && row.change != 0)
        .filter(|row| match row.change_pct {
            Some(pct) => pct.abs() >= config.within_normal_variation_min_pct,
            None => row.current > 0,
        })
        .collect();
    noise.sort_by(|x, y| {
        let size = |row: &ComparisonRow| row.change_pct.map_or(f64::INFINITY, f64::abs);
        size(y).total_cmp(&size(x))
    });
    for row in noise.into_iter().take(config.max_within_normal_variation) {
        let text = format!("{} {}", row.crime_type, describe_change(row, comparison));
        findings.push(finding(FindingKind::WithinNormalVariation, row, text));
    }

    let any_significant =
        comparison.total.significant || comparison.rows.iter().any(|row| row.significant);
    if !any_significant {
        findings.push(Finding {
            kind: FindingKind::NoSignificantChange,
            crime_type: None,
            verdict: Verdict::NoClearChange,
            text: format!(
                "No crime type changed by more than normal variation would explain (exact test \
                 at the {}% level)",
                format_pct(comparison.alpha * 100.0)
            ),
        });
    }
    findings
}

fn finding(kind: FindingKind, row: &ComparisonRow, text: String) -> Finding {
    Finding { kind, crime_type: Some(row.crime_type.clone()), verdict: row.verdict, text }
}

fn pct_or(row: &ComparisonRow, missing: f64) -> f64 {
    row.change_pct.unwrap_or(missing)
}

/// What happened to one row, as the predicate of a sentence whose subject is the crime type:
/// "increased by 8.5% (from 900 to 976)", "decreased by 39% (from 200 to 122)", "rose 4%
/// (from 200 to 208) — within normal variation", "was unchanged at 200".
///
/// Only [`Verdict::Rise`] and [`Verdict::Fall`] get "increased" and "decreased"; every other
/// change carries [`WITHIN_NORMAL_VARIATION`]. When the periods differ in length, percentages
/// are of the monthly rate and say so.
pub fn describe_change(row: &ComparisonRow, comparison: &Comparison) -> String {
    let counts = counts_phrase(row, comparison);
    let unequal = comparison.base.months != comparison.current.months;
    let by = |pct: f64| {
        if unequal {
            format!("{}% in monthly rate", format_pct(pct.abs()))
        } else {
            format!("{}%", format_pct(pct.abs()))
        }
    };
    match (row.verdict, row.change_pct) {
        (Verdict::Rise, Some(pct)) => format!("increased by {} ({counts})", by(pct)),
        (Verdict::Rise, None) => format!("increased ({counts})"),
        (Verdict::Fall, Some(pct)) => format!("decreased by {} ({counts})", by(pct)),
        (Verdict::Fall, None) => format!("decreased ({counts})"),
        (Verdict::NoClearChange, Some(0.0)) => {
            if unequal {
                format!("was unchanged in monthly rate ({counts})")
            } else {
                format!("was unchanged at {}", format_count(row.current))
            }
        }
        (Verdict::NoClearChange, None) if row.current == 0 => {
            format!("was unchanged at {}", format_count(row.current))
        }
        (Verdict::NoClearChange, Some(pct)) if pct > 0.0 => {
            format!("rose {} ({counts}) — {WITHIN_NORMAL_VARIATION}", by(pct))
        }
        (Verdict::NoClearChange, Some(pct)) => {
            format!("fell {} ({counts}) — {WITHIN_NORMAL_VARIATION}", by(pct))
        }
        (Verdict::NoClearChange, None) => format!("rose ({counts}) — {WITHIN_NORMAL_VARIATION}"),
    }
}

/// "-39%, from 200 to 122" (or "from 0 to 25" when there is no percentage), for the
/// "showed the greatest …" bullets, which are only written for significant changes.
fn signed_summary(row: &ComparisonRow, comparison: &Comparison) -> String {
    let counts = counts_phrase(row, comparison);
    let unequal = comparison.base.months != comparison.current.months;
    match row.change_pct {
        Some(pct) => {
            let sign = if pct < 0.0 { "-" } else { "+" };
            let rate = if unequal { " in monthly rate" } else { "" };
            format!("{sign}{}%{rate}, {counts}", format_pct(pct.abs()))
        }
        None => counts,
    }
}

/// "from 1,000 to 1,042", or "from 1,200 in 12 months to 700 in 6 months".
fn counts_phrase(row: &ComparisonRow, comparison: &Comparison) -> String {
    let (base_months, current_months) = (comparison.base.months, comparison.current.months);
    if base_months == current_months {
        format!("from {} to {}", format_count(row.base), format_count(row.current))
    } else {
        format!(
            "from {} in {} to {} in {}",
            format_count(row.base),
            months(base_months),
            format_count(row.current),
            months(current_months)
        )
    }
}

fn months(n: u32) -> String {
    if n == 1 {
        "1 month".to_string()
    } else {
        format!("{n} months")
    }
}

/// A count with thousands separators: 12345 → "12,345".
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A non-negative percentage as the plan writes them: one decimal below 10 ("4.2", "4"),
/// whole numbers from 10 ("39"), "<0.1" for a change too small to show.
pub fn format_pct(pct: f64) -> String {
    if pct > 0.0 && pct < 0.05 {
        return "<0.1".to_string();
    }
    let text = if pct < 9.95 { format!("{pct:.1}") } else { format!("{pct:.0}") };
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::compare::{compare, CompareConfig, PeriodCounts};

    fn period(months: u32, counts: &[(&str, u64)]) -> PeriodCounts {
        PeriodCounts {
            from: "2021-01".to_string(),
            to: "2021-12".to_string(),
            months,
            counts: counts.iter().map(|&(t, n)| (t.to_string(), n)).collect(),
            population: None,
        }
    }

    fn texts(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn plan_style_bullets() {
        let base = period(
            12,
            &[
                ("Violence and sexual offences", 3000),
                ("Burglary", 200),
                ("Shoplifting", 16),
                ("Vehicle crime", 300),
                ("Drugs", 50),
                ("Robbery", 0),
            ],
        );
        let current = period(
            12,
            &[
                ("Violence and sexual offences", 3255),
                ("Burglary", 122),
                ("Shoplifting", 25),
                ("Vehicle crime", 300),
                ("Drugs", 90),
                ("Robbery", 2),
            ],
        );
        let comparison = compare(&base, &current, &CompareConfig::default());
        let findings = key_findings(&comparison, &FindingsConfig::default());
        assert_eq!(
            texts(&findings),
            [
                "Overall crime increased by 6.4% (from 3,566 to 3,794)",
                "Violence and sexual offences makes up the largest proportion of reported crime \
             (86% of 3,794) and increased by 8.5% (from 3,000 to 3,255)",
                "Burglary showed the greatest reduction (-39%, from 200 to 122)",
                "Drugs showed the greatest increase (+80%, from 50 to 90)",
                "Robbery rose (from 0 to 2) — within normal variation",
                "Shoplifting rose 56% (from 16 to 25) — within normal variation",
            ]
        );
        assert_eq!(findings[1].verdict, Verdict::Rise);
        assert_eq!(findings[2].crime_type.as_deref(), Some("Burglary"));
        assert_eq!(findings[5].kind, FindingKind::WithinNormalVariation);
    }

    #[test]
    fn the_briefs_example_and_unchanged() {
        let base = period(12, &[("Shoplifting", 200), ("Drugs", 40)]);
        let current = period(12, &[("Shoplifting", 208), ("Drugs", 40)]);
        let comparison = compare(&base, &current, &CompareConfig::default());
        assert_eq!(
            describe_change(&comparison.rows[0], &comparison),
            "rose 4% (from 200 to 208) — within normal variation"
        );
        assert_eq!(describe_change(&comparison.rows[1], &comparison), "was unchanged at 40");
        let findings = key_findings(&comparison, &FindingsConfig::default());
        assert_eq!(
            texts(&findings),
            [
                "Overall crime rose 3.3% (from 240 to 248) — within normal variation",
                "Shoplifting makes up the largest proportion of reported crime (84% of 248) and \
             rose 4% (from 200 to 208) — within normal variation",
                "No crime type changed by more than normal variation would explain (exact test at \
             the 5% level)",
            ]
        );
    }

    #[test]
    fn asb_and_unequal_periods_change_the_wording() {
        let base = period(12, &[("Anti-social behaviour", 1200), ("Burglary", 240)]);
        let current = period(6, &[("Anti-social behaviour", 450), ("Burglary", 121)]);
        let comparison = compare(&base, &current, &CompareConfig::default());
        let findings = key_findings(&comparison, &FindingsConfig::default());
        assert_eq!(
            texts(&findings),
            [
                "Overall crime and anti-social behaviour decreased by 21% in monthly rate (from \
             1,440 in 12 months to 571 in 6 months)",
                "Anti-social behaviour makes up the largest proportion of reported crime and \
             anti-social behaviour (79% of 571) and decreased by 25% in monthly rate (from \
             1,200 in 12 months to 450 in 6 months)",
            ]
        );
        // Burglary's 240 a year against 121 in half a year is +0.8% a month: not worth a bullet.
        assert_eq!(
            describe_change(&comparison.rows[1], &comparison),
            "rose 0.8% in monthly rate (from 240 in 12 months to 121 in 6 months) — within \
             normal variation"
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_pct(4.2), "4.2");
        assert_eq!(format_pct(4.0), "4");
        assert_eq!(format_pct(8.54), "8.5");
        assert_eq!(format_pct(9.96), "10");
        assert_eq!(format_pct(39.0), "39");
        assert_eq!(format_pct(0.0), "0");
        assert_eq!(format_pct(0.01), "<0.1");
    }

    const CHANGE_WORDS: [&str; 8] =
        ["increase", "decrease", "rose", "fell", "reduction", "rise", "fall", "grew"];

    /// The rule, checked over many random comparisons: no change the test cannot tell from
    /// noise is ever described as a change without the qualifier, and no significant change
    /// carries it.
    #[test]
    fn non_significant_changes_always_carry_the_qualifier() {
        let crime_types = [
            "Anti-social behaviour",
            "Bicycle theft",
            "Burglary",
            "Criminal damage and arson",
            "Drugs",
            "Other theft",
            "Public order",
            "Robbery",
            "Shoplifting",
            "Violence and sexual offences",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let mut n_checked = 0;
        for _ in 0..2000 {
            let scale = [3, 30, 300, 3000][next(4) as usize];
            let mut base_counts = BTreeMap::new();
            let mut current_counts = BTreeMap::new();
            for crime_type in crime_types {
                if next(8) != 0 {
                    base_counts.insert(crime_type.to_string(), next(scale + 1));
                }
                if next(8) != 0 {
                    current_counts.insert(crime_type.to_string(), next(scale + 1));
                }
            }
            let base_months = [12, 12, 6, 3][next(4) as usize];
            let current_months = [12, 6][next(2) as usize];
            let base = PeriodCounts { months: base_months, counts: base_counts, ..period(1, &[]) };
            let current =
                PeriodCounts { months: current_months, counts: current_counts, ..period(1, &[]) };
            let comparison = compare(&base, &current, &CompareConfig::default());
            let rows_and_total = comparison.rows.iter().chain([&comparison.total]);
            for row in rows_and_total {
                let text = describe_change(row, &comparison);
                check_wording(&text, row.verdict);
                n_checked += 1;
            }
            for finding in key_findings(&comparison, &FindingsConfig::default()) {
                check_wording(&finding.text, finding.verdict);
                n_checked += 1;
            }
        }
        assert!(n_checked > 20_000);
    }

    #[track_caller]
    fn check_wording(text: &str, verdict: Verdict) {
        let lower = text.to_lowercase();
        let says_change = CHANGE_WORDS.iter().any(|word| lower.contains(word));
        let qualified = lower.contains(WITHIN_NORMAL_VARIATION);
        match verdict {
            Verdict::NoClearChange => {
                assert!(!says_change || qualified, "unqualified change: {text}");
            }
            Verdict::Rise | Verdict::Fall => {
                assert!(says_change && !qualified, "significant change misdescribed: {text}");
            }
        }
    }
}
