//! Red, amber, green: the status of a plan indicator, judged so that noise is never called a
//! change.
//!
//! The rule ([`rag`]): **green** when the latest period is on target, or when the value moved
//! the right way; **red** only when it moved the wrong way by more than the test can put down
//! to chance (the exact conditional Poisson test, [`exact_poisson_comparison`], at
//! p < [`SIGNIFICANCE`]), which needs counts; **amber** otherwise (no change, a change the
//! wrong way that may be noise, or a value that is not a count and is off target).
//!
//! [`evaluate`] applies it to an indicator's observations: monthly police.uk counts (the latest
//! N whole months against the N before, where any missing month means "no data", never zero)
//! or a partner's periods (the latest period against the one before).

use safer_domain::indicator::{Direction, Indicator, Observation, Series};
use serde::Serialize;

use crate::stats::exact_poisson_comparison;

/// The p-value below which a change is treated as real.
pub const SIGNIFICANCE: f64 = 0.05;

/// The status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rag {
    /// On target or moving the right way.
    Green,
    /// Neither green nor red.
    Amber,
    /// A change in the wrong direction that the test can tell from noise.
    Red,
}

impl Rag {
    /// `Green`, `Amber` or `Red`.
    pub fn label(self) -> &'static str {
        match self {
            Rag::Green => "Green",
            Rag::Amber => "Amber",
            Rag::Red => "Red",
        }
    }
}

/// Two periods to judge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RagInput {
    /// The earlier period's value.
    pub base: f64,
    /// The latest period's value.
    pub current: f64,
    /// Months in the earlier period.
    pub base_months: u32,
    /// Months in the latest period.
    pub current_months: u32,
    /// True when both values are counts of events, so the Poisson test applies.
    pub counts: bool,
}

/// What [`rag`] decided and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RagOutcome {
    /// The status.
    pub rag: Rag,
    /// The two-sided p-value of the change, for counts.
    pub p_value: Option<f64>,
    /// Whether the latest value reaches the target, when there is one.
    pub on_target: Option<bool>,
    /// Why, in a short sentence without a trailing full stop.
    pub reason: String,
}

/// Whether `value` reaches `target` going `direction` (at or below for down, at or above for up).
pub fn reaches(value: f64, target: f64, direction: Direction) -> bool {
    match direction {
        Direction::Down => value <= target,
        Direction::Up => value >= target,
    }
}

/// The RAG rule on two periods (see the module documentation).
pub fn rag(input: RagInput, direction: Direction, target: Option<f64>) -> RagOutcome {
    let on_target = target.map(|t| reaches(input.current, t, direction));
    let p_value = if input.counts && input.base >= 0.0 && input.current >= 0.0 {
        let p = exact_poisson_comparison(
            input.base.round() as u64,
            input.current.round() as u64,
            input.base_months,
            input.current_months,
        );
        p.is_finite().then_some(p)
    } else {
        None
    };
    // Compare monthly rates so unequal periods are fair.
    let base_rate = input.base / f64::from(input.base_months.max(1));
    let current_rate = input.current / f64::from(input.current_months.max(1));
    let right_way = match direction {
        Direction::Down => current_rate < base_rate,
        Direction::Up => current_rate > base_rate,
    };
    let wrong_way = match direction {
        Direction::Down => current_rate > base_rate,
        Direction::Up => current_rate < base_rate,
    };
    let (rag, reason) = if on_target == Some(true) {
        (Rag::Green, "on target".to_string())
    } else if right_way {
        (Rag::Green, "moving the right way".to_string())
    } else if wrong_way && p_value.is_some_and(|p| p < SIGNIFICANCE) {
        (Rag::Red, "a real change in the wrong direction".to_string())
    } else if wrong_way && p_value.is_some() {
        (Rag::Amber, "moving the wrong way, but the change may be chance".to_string())
    } else if wrong_way {
        (Rag::Amber, "moving the wrong way; not a count, so no test applies".to_string())
    } else {
        (Rag::Amber, "no change".to_string())
    };
    RagOutcome { rag, p_value, on_target, reason }
}

/// A p-value in words, for pages and tables.
pub fn p_value_words(p: f64) -> String {
    if p < 0.001 {
        "almost certainly a real change (p < 0.001)".to_string()
    } else if p < SIGNIFICANCE {
        format!("very likely a real change (p = {p:.3})")
    } else {
        format!("could be chance (p = {p:.2})")
    }
}

/// An indicator judged on its observations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The status; `None` when there is not enough data to judge.
    pub rag: Option<Rag>,
    /// The decision's details, when judged.
    pub outcome: Option<RagOutcome>,
    /// The latest period's label and value.
    pub current: Option<(String, f64)>,
    /// The earlier period's label and value.
    pub base: Option<(String, f64)>,
    /// The unit of the values.
    pub unit: String,
    /// Why there is no status (missing months, one period only, a survey series).
    pub no_data: Option<String>,
}

impl Evaluation {
    fn none(unit: &str, why: String) -> Evaluation {
        Evaluation {
            rag: None,
            outcome: None,
            current: None,
            base: None,
            unit: unit.to_string(),
            no_data: Some(why),
        }
    }
}

/// Judges `indicator` on `observations`, oldest first: police.uk months (the latest
/// `period_months` against the same number before) or partner periods (the latest against the
/// one before).
pub fn evaluate(indicator: &Indicator, observations: &[Observation]) -> Evaluation {
    match &indicator.series {
        Series::PoliceUk { .. } => evaluate_months(indicator, observations),
        Series::Partner { .. } => evaluate_periods(indicator, observations),
        Series::Survey { .. } => {
            Evaluation::none("", "survey series are not evaluated yet".to_string())
        }
    }
}

fn evaluate_months(indicator: &Indicator, months: &[Observation]) -> Evaluation {
    let n = indicator.period_months() as usize;
    if months.iter().all(|m| m.value.is_none()) {
        return Evaluation::none("count", "no police.uk months have been imported".to_string());
    }
    if months.len() < 2 * n {
        return Evaluation::none("count", format!("fewer than {} months of data", 2 * n));
    }
    let window = &months[months.len() - 2 * n..];
    let missing: Vec<&str> =
        window.iter().filter(|m| m.value.is_none()).map(|m| m.label.as_str()).collect();
    if !missing.is_empty() {
        return Evaluation::none("count", format!("no data for {}", missing.join(", ")));
    }
    let sum = |obs: &[Observation]| obs.iter().filter_map(|o| o.value).sum::<f64>();
    let span = |obs: &[Observation]| format!("{} to {}", obs[0].label, obs[obs.len() - 1].label);
    let (before, latest) = window.split_at(n);
    let input = RagInput {
        base: sum(before),
        current: sum(latest),
        base_months: n as u32,
        current_months: n as u32,
        counts: true,
    };
    let outcome = rag(input, indicator.direction, indicator.target);
    Evaluation {
        rag: Some(outcome.rag),
        outcome: Some(outcome),
        current: Some((span(latest), input.current)),
        base: Some((span(before), input.base)),
        unit: "count".to_string(),
        no_data: None,
    }
}

fn evaluate_periods(indicator: &Indicator, periods: &[Observation]) -> Evaluation {
    let known: Vec<&Observation> = periods.iter().filter(|p| p.value.is_some()).collect();
    let Some(latest) = known.last() else {
        return Evaluation::none("", "no data has been imported for this series".to_string());
    };
    let current = latest.value.unwrap_or_default();
    let Some(before) = known.len().checked_sub(2).map(|idx| known[idx]) else {
        // One period: only the target can be judged.
        let on_target = indicator.target.map(|t| reaches(current, t, indicator.direction));
        let (rag, reason) = match on_target {
            Some(true) => (Some(Rag::Green), "on target"),
            _ => (None, "only one period; nothing to compare with"),
        };
        return Evaluation {
            rag,
            outcome: rag.map(|rag| RagOutcome {
                rag,
                p_value: None,
                on_target,
                reason: reason.to_string(),
            }),
            current: Some((latest.label.clone(), current)),
            base: None,
            unit: latest.unit.clone(),
            no_data: rag.is_none().then(|| reason.to_string()),
        };
    };
    let base = before.value.unwrap_or_default();
    let input = RagInput {
        base,
        current,
        base_months: before.months,
        current_months: latest.months,
        counts: latest.unit == "count" && before.unit == "count",
    };
    let outcome = rag(input, indicator.direction, indicator.target);
    Evaluation {
        rag: Some(outcome.rag),
        outcome: Some(outcome),
        current: Some((latest.label.clone(), current)),
        base: Some((before.label.clone(), base)),
        unit: latest.unit.clone(),
        no_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(base: f64, current: f64) -> RagInput {
        RagInput { base, current, base_months: 12, current_months: 12, counts: true }
    }

    #[test]
    fn a_significant_rise_of_a_down_indicator_is_red() {
        let outcome = rag(counts(200.0, 300.0), Direction::Down, None);
        assert_eq!(outcome.rag, Rag::Red);
        assert!(outcome.p_value.unwrap() < 0.001);
    }

    #[test]
    fn a_rise_that_may_be_noise_is_amber() {
        // 16 → 25 gives p = 0.211 (ANALYTICS.md §2.9).
        let outcome = rag(counts(16.0, 25.0), Direction::Down, None);
        assert_eq!(outcome.rag, Rag::Amber);
        assert!((outcome.p_value.unwrap() - 0.211).abs() < 0.001);
    }

    #[test]
    fn a_fall_of_a_down_indicator_is_green_and_a_fall_of_an_up_one_can_be_red() {
        assert_eq!(rag(counts(25.0, 16.0), Direction::Down, None).rag, Rag::Green);
        assert_eq!(rag(counts(300.0, 200.0), Direction::Up, None).rag, Rag::Red);
    }

    #[test]
    fn on_target_is_green_even_when_rising() {
        let outcome = rag(counts(200.0, 300.0), Direction::Down, Some(320.0));
        assert_eq!(outcome.rag, Rag::Green);
        assert_eq!(outcome.on_target, Some(true));
        assert_eq!(rag(counts(200.0, 300.0), Direction::Down, Some(250.0)).rag, Rag::Red);
    }

    #[test]
    fn values_that_are_not_counts_are_never_red() {
        let percent = RagInput { counts: false, ..counts(41.0, 38.0) };
        let outcome = rag(percent, Direction::Up, None);
        assert_eq!(outcome.rag, Rag::Amber);
        assert_eq!(outcome.p_value, None);
    }

    #[test]
    fn no_change_is_amber() {
        assert_eq!(rag(counts(50.0, 50.0), Direction::Down, None).rag, Rag::Amber);
    }

    fn month(label: &str, value: Option<f64>) -> Observation {
        Observation { label: label.to_string(), months: 1, value, unit: "count".to_string() }
    }

    fn indicator(period: &str) -> Indicator {
        safer_domain::indicator::parse_indicators(
            &format!(
                "format = 1\nplan = \"p\"\n[[indicator]]\nid = \"v\"\npriority = \"x\"\ntitle = \"V\"\n\
                 series = {{ kind = \"police-uk\", area = \"district:T\", crime_types = [\"Drugs\"] }}\n\
                 direction = \"down\"\nperiod = \"{period}\"\n"
            ),
            None,
        )
        .unwrap()
        .indicators
        .remove(0)
    }

    #[test]
    fn months_compare_the_latest_period_with_the_one_before() {
        let months: Vec<Observation> = (1..=6)
            .map(|m| month(&format!("2022-0{m}"), Some(if m <= 3 { 10.0 } else { 30.0 })))
            .collect();
        let evaluation = evaluate(&indicator("rolling-3"), &months);
        assert_eq!(evaluation.rag, Some(Rag::Red));
        assert_eq!(evaluation.current, Some(("2022-04 to 2022-06".to_string(), 90.0)));
        assert_eq!(evaluation.base, Some(("2022-01 to 2022-03".to_string(), 30.0)));
    }

    #[test]
    fn a_missing_month_is_no_data_never_zero() {
        let mut months: Vec<Observation> =
            (1..=6).map(|m| month(&format!("2022-0{m}"), Some(10.0))).collect();
        months[4].value = None;
        let evaluation = evaluate(&indicator("rolling-3"), &months);
        assert_eq!(evaluation.rag, None);
        assert_eq!(evaluation.no_data.as_deref(), Some("no data for 2022-05"));
    }
}
