//! A priority's indicators on its page: each judged on the stored evidence at page load
//! ([`safer_analytics::rag::evaluate`]) and drawn as a small server-rendered SVG trend chart
//! with an accessible title, description and a visually hidden table of its values.

use std::fmt::Write;

use safer_analytics::rag::{evaluate, p_value_words, Evaluation, Rag};
use safer_domain::ids::PlanId;
use safer_domain::indicator::{Direction, Indicator, Observation, Series};

use crate::views::{IndicatorView, TrendPoint};
use crate::{AppError, AppState};

/// The indicators of `priority` in `plan`, judged now; empty when the plan has no indicators.
pub(crate) async fn priority_indicators(
    state: &AppState,
    plan: PlanId,
    priority: &str,
) -> Result<Vec<IndicatorView>, AppError> {
    let Some(file) = state.store.plan_indicators(plan).await? else { return Ok(Vec::new()) };
    let started = std::time::Instant::now();
    let mut views = Vec::new();
    for (idx, indicator) in file.for_priority(priority).enumerate() {
        let observations = state.store.indicator_observations(&indicator.series).await?;
        let evaluation = evaluate(indicator, &observations);
        views.push(indicator_view(indicator, &observations, &evaluation, idx));
    }
    tracing::debug!(
        indicators.n = views.len(),
        duration_ms = started.elapsed().as_millis() as u64,
        "indicators judged"
    );
    Ok(views)
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let digits = format!("{}", value.abs() as u64);
        let mut grouped = String::new();
        for (idx, ch) in digits.chars().enumerate() {
            if idx > 0 && (digits.len() - idx) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        if value < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        format!("{value:.1}")
    }
}

fn with_unit(value: f64, unit: &str) -> String {
    match unit {
        "percent" => format!("{}%", number(value)),
        _ => number(value),
    }
}

fn indicator_view(
    indicator: &Indicator,
    observations: &[Observation],
    evaluation: &Evaluation,
    idx: usize,
) -> IndicatorView {
    let (rag_label, rag_class) = match evaluation.rag {
        Some(Rag::Green) => ("Green", "app-tag--green"),
        Some(Rag::Amber) => ("Amber", "app-tag--orange"),
        Some(Rag::Red) => ("Red", "app-tag--red"),
        None => ("No status", "app-tag--grey"),
    };
    let unit = evaluation.unit.as_str();
    let latest = evaluation
        .current
        .as_ref()
        .map(|(label, value)| format!("{} ({label})", with_unit(*value, unit)));
    let change = match (&evaluation.base, &evaluation.current) {
        (Some((base_label, base)), Some((_, current))) => {
            let diff = current - base;
            let word = if diff > 0.0 {
                "up"
            } else if diff < 0.0 {
                "down"
            } else {
                "no change"
            };
            let pct = if *base != 0.0 && unit == "count" {
                format!(" ({:+.0}%)", 100.0 * diff / base)
            } else {
                String::new()
            };
            Some(if diff == 0.0 {
                format!("No change from {base_label}")
            } else {
                format!(
                    "{word} {}{pct} from {} in {base_label}",
                    with_unit(diff.abs(), unit),
                    with_unit(*base, unit)
                )
            })
        }
        _ => None,
    };
    let outcome = evaluation.outcome.as_ref();
    let significance = outcome.and_then(|o| o.p_value).map(p_value_words);
    let reason = outcome.map(|o| o.reason.clone());
    let better = match indicator.direction {
        Direction::Down => "Lower is better",
        Direction::Up => "Higher is better",
    };
    let target = indicator.target.map(|t| with_unit(t, unit));
    let source = match &indicator.series {
        Series::PoliceUk { area, crime_types } => {
            format!(
                "police.uk recorded {} in {area}, by month",
                crime_types.join(", ").to_lowercase()
            )
        }
        Series::Partner { indicator, area } => format!("partner indicator {indicator} in {area}"),
        Series::Survey { survey, question, .. } => format!("survey {survey}, question {question}"),
    };
    let points: Vec<TrendPoint> = observations
        .iter()
        .map(|o| TrendPoint {
            label: o.label.clone(),
            value: o.value.map_or_else(|| "no data".to_string(), |v| with_unit(v, &o.unit)),
        })
        .collect();
    let id = format!("indicator-{idx}-{}", indicator.id);
    let chart_svg = trend_chart(&id, &indicator.title, observations);
    let chart_summary = chart_summary(observations, unit);
    IndicatorView {
        id,
        title: indicator.title.clone(),
        rag_label,
        rag_class,
        latest,
        change,
        significance,
        reason,
        better,
        target,
        source,
        no_data: evaluation.no_data.clone(),
        chart_svg,
        chart_summary,
        points,
    }
}

fn chart_summary(observations: &[Observation], unit: &str) -> String {
    let known: Vec<(&str, f64)> =
        observations.iter().filter_map(|o| Some((o.label.as_str(), o.value?))).collect();
    let (Some(first), Some(last)) = (known.first(), known.last()) else {
        return "No values to chart yet.".to_string();
    };
    let (low, high) = known
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v)| (lo.min(*v), hi.max(*v)));
    let missing = observations.len() - known.len();
    let gaps = if missing == 0 {
        String::new()
    } else {
        format!(" {missing} of {} periods have no data.", observations.len())
    };
    format!(
        "{} values from {} ({}) to {} ({}), between {} and {}.{gaps}",
        known.len(),
        first.0,
        with_unit(first.1, unit),
        last.0,
        with_unit(last.1, unit),
        with_unit(low, unit),
        with_unit(high, unit)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The chart's size in SVG units (it scales to the width of its box).
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 96.0;
const PAD: f64 = 6.0;

/// A line chart of the observations, oldest at the left; a missing value breaks the line.
fn trend_chart(id: &str, title: &str, observations: &[Observation]) -> String {
    let max = observations.iter().filter_map(|o| o.value).fold(0.0_f64, f64::max);
    let min = observations.iter().filter_map(|o| o.value).fold(0.0_f64, f64::min);
    let span = if max > min { max - min } else { 1.0 };
    let n = observations.len().max(2) as f64;
    let x = |idx: usize| PAD + (WIDTH - 2.0 * PAD) * idx as f64 / (n - 1.0);
    let y = |value: f64| HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * (value - min) / span;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"app-trend\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" focusable=\"false\">\
         <title id=\"{id}-title\">Trend: {}</title>\
         <desc id=\"{id}-desc\">{}</desc>\
         <line class=\"app-trend__axis\" x1=\"{PAD}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        escape(title),
        escape(&chart_summary(observations, "")),
        HEIGHT - PAD,
        WIDTH - PAD,
        HEIGHT - PAD,
    );
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (idx, observation) in observations.iter().enumerate() {
        match observation.value {
            Some(value) => runs.last_mut().into_iter().for_each(|run| run.push((x(idx), y(value)))),
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|run| !run.is_empty()) {
        let points: Vec<String> = run.iter().map(|(px, py)| format!("{px:.1},{py:.1}")).collect();
        if run.len() == 1 {
            let (px, py) = run[0];
            let _ = write!(
                svg,
                "<circle class=\"app-trend__point\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2.5\"/>"
            );
        } else {
            let _ = write!(
                svg,
                "<polyline class=\"app-trend__line\" points=\"{}\"/>",
                points.join(" ")
            );
        }
    }
    if let Some((idx, value)) =
        observations.iter().enumerate().rev().find_map(|(idx, o)| Some((idx, o.value?)))
    {
        let _ = write!(
            svg,
            "<circle class=\"app-trend__point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"/>",
            x(idx),
            y(value)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_missing_month_breaks_the_line_and_is_named_in_the_summary() {
        let observations = [
            month("2022-01", Some(10.0)),
            month("2022-02", Some(12.0)),
            month("2022-03", None),
            month("2022-04", Some(1200.0)),
            month("2022-05", Some(9.0)),
        ];
        let svg = trend_chart("i", "Drugs <& more>", &observations);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("<title id=\"i-title\">Trend: Drugs &lt;&amp; more&gt;</title>"));
        assert_eq!(
            chart_summary(&observations, "count"),
            "4 values from 2022-01 (10) to 2022-05 (9), between 9 and 1,200. 1 of 5 periods have no data."
        );
    }
}
