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
//! N whole months against the N before, where any missing month means "no data", never zero),
//! a partner's periods (the latest period against the one before), or survey waves.
//!
//! **Survey waves** ([`rag_shares`]): the latest wave (by label) against the one before, each a
//! weighted percentage with its Kish effective base `(Σw)²/Σw²`. The change is tested with the
//! pooled two-proportion z-test on the effective bases
//! ([`two_proportion_z_test`], ANALYTICS.md §6), so
//! weighting widens the test as it widens the intervals. The rule is the same: green on target
//! or moving the right way; red only when moving the wrong way with p < [`SIGNIFICANCE`];
//! amber otherwise. When either effective base is below [`DEFAULT_MIN_BASE`] (50, the
//! survey suppression convention; an effective base is never above the unweighted one, so
//! this is at least as strict) nothing is tested: amber, "base too small to test", unless the
//! latest wave is on target. Targets of survey indicators are percentages (0–100). A wave
//! that lacks the question or an answer the indicator names is "no data" with the store's
//! reason, never a zero.

use safer_domain::indicator::{Direction, Indicator, Observation, Series};
use safer_domain::survey::DEFAULT_MIN_BASE;
use serde::Serialize;

use crate::stats::exact_poisson_comparison;
use crate::survey::two_proportion_z_test;

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

/// Two survey waves to judge: weighted percentages (0–100) with their effective bases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareInput {
    /// The earlier wave's percentage.
    pub base: f64,
    /// The earlier wave's effective base.
    pub base_n: f64,
    /// The latest wave's percentage.
    pub current: f64,
    /// The latest wave's effective base.
    pub current_n: f64,
}

/// The RAG rule on two survey waves (see the module documentation).
pub fn rag_shares(input: ShareInput, direction: Direction, target: Option<f64>) -> RagOutcome {
    let on_target = target.map(|t| reaches(input.current, t, direction));
    let min_base = f64::from(DEFAULT_MIN_BASE);
    let small = !(input.base_n >= min_base && input.current_n >= min_base);
    let p_value = if small {
        None
    } else {
        let test = two_proportion_z_test(
            input.current / 100.0,
            input.current_n,
            input.base / 100.0,
            input.base_n,
        );
        test.p_value.is_finite().then_some(test.p_value)
    };
    let right_way = match direction {
        Direction::Down => input.current < input.base,
        Direction::Up => input.current > input.base,
    };
    let wrong_way = match direction {
        Direction::Down => input.current > input.base,
        Direction::Up => input.current < input.base,
    };
    let (rag, reason) = if on_target == Some(true) {
        (Rag::Green, "on target")
    } else if small {
        (Rag::Amber, "base too small to test")
    } else if right_way {
        (Rag::Green, "moving the right way")
    } else if wrong_way && p_value.is_some_and(|p| p < SIGNIFICANCE) {
        (Rag::Red, "a real change in the wrong direction")
    } else if wrong_way {
        (Rag::Amber, "moving the wrong way, but the change may be chance")
    } else {
        (Rag::Amber, "no change")
    };
    RagOutcome { rag, p_value, on_target, reason: reason.to_string() }
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
    /// Why there is no status (missing months, one period only, no survey waves).
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
/// `period_months` against the same number before), partner periods (the latest against the
/// one before) or survey waves (the latest against the one before, see the module
/// documentation).
pub fn evaluate(indicator: &Indicator, observations: &[Observation]) -> Evaluation {
    match &indicator.series {
        Series::PoliceUk { .. } => evaluate_months(indicator, observations),
        Series::Partner { .. } => evaluate_periods(indicator, observations),
        Series::Survey { survey, .. } => evaluate_waves(indicator, survey, observations),
    }
}

fn evaluate_waves(indicator: &Indicator, survey: &str, waves: &[Observation]) -> Evaluation {
    let Some(latest) = waves.last() else {
        return Evaluation::none(
            "percent",
            format!(
                "no waves of survey `{survey}` have been imported; import them with `safer survey import`"
            ),
        );
    };
    let missing = |wave: &Observation| {
        wave.no_data.clone().unwrap_or_else(|| format!("no data for wave {}", wave.label))
    };
    let (Some(current), Some(current_n)) = (latest.value, latest.base) else {
        return Evaluation::none("percent", missing(latest));
    };
    let Some(before) = waves.len().checked_sub(2).map(|idx| &waves[idx]) else {
        // One wave: only the target can be judged.
        let on_target = indicator.target.map(|t| reaches(current, t, indicator.direction));
        let (rag, reason) = match on_target {
            Some(true) => (Some(Rag::Green), "on target"),
            _ => (None, "only one wave; nothing to compare with"),
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
            unit: "percent".to_string(),
            no_data: rag.is_none().then(|| reason.to_string()),
        };
    };
    let (Some(base), Some(base_n)) = (before.value, before.base) else {
        return Evaluation::none("percent", missing(before));
    };
    let input = ShareInput { base, base_n, current, current_n };
    let outcome = rag_shares(input, indicator.direction, indicator.target);
    Evaluation {
        rag: Some(outcome.rag),
        outcome: Some(outcome),
        current: Some((latest.label.clone(), current)),
        base: Some((before.label.clone(), base)),
        unit: "percent".to_string(),
        no_data: None,
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
        Observation {
            label: label.to_string(),
            months: 1,
            value,
            unit: "count".to_string(),
            base: None,
            no_data: None,
        }
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

    fn survey_indicator(direction: &str, target: Option<f64>) -> Indicator {
        let target = target.map(|t| format!("target = {t}\n")).unwrap_or_default();
        safer_domain::indicator::parse_indicators(
            &format!(
                "format = 1\nplan = \"p\"\n[[indicator]]\nid = \"s\"\npriority = \"x\"\ntitle = \"S\"\n\
                 series = {{ kind = \"survey\", survey = \"public-2021\", question = \"q\", answers = [\"yes\"] }}\n\
                 direction = \"{direction}\"\n{target}"
            ),
            None,
        )
        .unwrap()
        .indicators
        .remove(0)
    }

    fn wave(label: &str, value: Option<f64>, base: f64) -> Observation {
        Observation {
            label: label.to_string(),
            months: 12,
            value,
            unit: "percent".to_string(),
            base: value.map(|_| base),
            no_data: None,
        }
    }

    fn shares(base: f64, base_n: f64, current: f64, current_n: f64) -> ShareInput {
        ShareInput { base, base_n, current, current_n }
    }

    #[test]
    fn a_significant_fall_in_a_survey_share_is_red() {
        // 50 % of 400 then 40 % of 400: pooled z = -2.842676, p = 0.0044736. Reference:
        // statsmodels.stats.proportion.proportions_ztest([160, 200], [400, 400]) →
        // (-2.842676218074805, 0.004473649256611775).
        let outcome = rag_shares(shares(50.0, 400.0, 40.0, 400.0), Direction::Up, None);
        assert_eq!(outcome.rag, Rag::Red);
        assert!((outcome.p_value.unwrap() - 0.004_473_649_256_611_775).abs() < 1e-9);
        // The same change is green for an indicator that should fall.
        let outcome = rag_shares(shares(50.0, 400.0, 40.0, 400.0), Direction::Down, None);
        assert_eq!((outcome.rag, outcome.reason.as_str()), (Rag::Green, "moving the right way"));
    }

    #[test]
    fn weighting_shrinks_the_base_and_a_change_on_effective_bases_may_be_chance() {
        // 48 % on an effective base of 220.25, then 42 % on 180.5: z = -1.200522, two-sided
        // p = 0.2299365 (computed with the pooled formula and scipy.stats.norm.sf).
        let outcome = rag_shares(shares(48.0, 220.25, 42.0, 180.5), Direction::Up, None);
        assert_eq!(outcome.rag, Rag::Amber);
        assert!((outcome.p_value.unwrap() - 0.229_936_497_782_319_84).abs() < 1e-9);
        assert_eq!(outcome.reason, "moving the wrong way, but the change may be chance");
    }

    #[test]
    fn a_small_base_is_amber_unless_on_target() {
        let small = shares(60.0, 400.0, 30.0, 49.9);
        let outcome = rag_shares(small, Direction::Up, None);
        assert_eq!((outcome.rag, outcome.reason.as_str()), (Rag::Amber, "base too small to test"));
        assert_eq!(outcome.p_value, None);
        // Even a move the right way is not called on a base too small to test.
        let outcome = rag_shares(shares(30.0, 49.0, 60.0, 400.0), Direction::Up, None);
        assert_eq!(outcome.rag, Rag::Amber);
        let outcome = rag_shares(small, Direction::Up, Some(25.0));
        assert_eq!((outcome.rag, outcome.on_target), (Rag::Green, Some(true)));
        assert_eq!(
            rag_shares(shares(40.0, 50.0, 40.0, 50.0), Direction::Up, None).reason,
            "no change"
        );
    }

    #[test]
    fn survey_waves_compare_the_latest_with_the_one_before() {
        let indicator = survey_indicator("up", None);
        let waves = [
            wave("2020", Some(55.0), 400.0),
            wave("2021", Some(50.0), 400.0),
            wave("2022", Some(40.0), 400.0),
        ];
        let evaluation = evaluate(&indicator, &waves);
        assert_eq!(evaluation.rag, Some(Rag::Red));
        assert_eq!(evaluation.current, Some(("2022".to_string(), 40.0)));
        assert_eq!(evaluation.base, Some(("2021".to_string(), 50.0)));
        assert_eq!(evaluation.unit, "percent");

        // One wave: only the target can be judged.
        let one = evaluate(&indicator, &waves[..1]);
        assert_eq!(one.rag, None);
        assert_eq!(one.no_data.as_deref(), Some("only one wave; nothing to compare with"));
        let one = evaluate(&survey_indicator("up", Some(50.0)), &waves[..1]);
        assert_eq!(one.rag, Some(Rag::Green));

        let none = evaluate(&indicator, &[]);
        assert_eq!(
            none.no_data.as_deref(),
            Some("no waves of survey `public-2021` have been imported; import them with `safer survey import`")
        );
    }

    #[test]
    fn a_wave_without_the_answer_is_no_data_with_the_store_reason() {
        let indicator = survey_indicator("up", None);
        let mut broken = wave("2022", None, 0.0);
        broken.no_data = Some("wave 2022 has no answer `yes`".to_string());
        let evaluation = evaluate(&indicator, &[wave("2021", Some(50.0), 400.0), broken]);
        assert_eq!(evaluation.rag, None);
        assert_eq!(evaluation.no_data.as_deref(), Some("wave 2022 has no answer `yes`"));
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
