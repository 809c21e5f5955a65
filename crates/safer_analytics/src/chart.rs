//! Small server-rendered SVG charts for reports: monthly trend lines and funnel plots.
//!
//! Every chart is a standalone `<svg>` with `role="img"`, a `<title>` and a `<desc>` that
//! states what it shows in words (screen readers, and anyone reading the source), in a system
//! font, with every text escaped. Colours come from a colour-blind-safe set and every series is
//! also named in a legend, so colour is never the only cue.

use std::fmt::Write;

use crate::stats::funnel_limits;

/// Series colours: Okabe–Ito's colour-blind-safe set, darkest first.
const COLOURS: [&str; 6] = ["#0b0c0c", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00"];

/// One line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend text.
    pub name: String,
    /// One value per x label; `None` for a gap.
    pub values: Vec<Option<f64>>,
}

/// A line chart over labelled x positions (months).
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// The chart's title, also its accessible name.
    pub title: String,
    /// The x labels, such as `2021-03`; every few are printed.
    pub labels: Vec<String>,
    /// The lines.
    pub series: Vec<Series>,
    /// The y axis label, such as "Crimes per month".
    pub y_label: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// One area on a [`FunnelPlot`].
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelPoint {
    /// The label printed beside the point.
    pub label: String,
    /// Residents.
    pub population: u64,
    /// Its count.
    pub count: u64,
    /// Drawn emphasised (the subject area).
    pub highlight: bool,
}

/// A funnel plot of rates per 1,000 against population, around a reference rate.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelPlot {
    /// The chart's title.
    pub title: String,
    /// The reference rate per 1,000 (the force-area average).
    pub reference_rate: f64,
    /// What the reference is, for the legend.
    pub reference_label: String,
    /// The areas.
    pub points: Vec<FunnelPoint>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Escapes text for SVG.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A "nice" tick step for a range: 1, 2 or 5 × 10^k, about `n` ticks.
fn nice_step(range: f64, n: f64) -> f64 {
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    let raw = range / n;
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

fn fmt_tick(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let n = v.round() as i64;
        let digits = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    } else if v.fract().abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

fn open(out: &mut String, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"t d\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Arial, sans-serif\" font-size=\"12\">\
         <title id=\"t\">{}</title><desc id=\"d\">{}</desc>\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
        esc(title),
        esc(desc)
    );
}

/// Renders a line chart; see [`LineChart`]. Empty series give a chart that says so.
pub fn line_chart(chart: &LineChart) -> String {
    let (w, h) = (f64::from(chart.width.max(320)), f64::from(chart.height.max(200)));
    let legend_rows = chart.series.len().div_ceil(3) as f64;
    let (left, right, top, bottom) = (56.0, 12.0, 28.0, 36.0 + 18.0 * legend_rows);
    let values: Vec<f64> =
        chart.series.iter().flat_map(|s| s.values.iter().flatten().copied()).collect();
    let max = values.iter().copied().fold(0.0, f64::max);
    let step = nice_step(max, 5.0);
    let y_max = if max > 0.0 { (max / step).ceil() * step } else { 1.0 };
    let n = chart.labels.len().max(1);
    let x = |i: usize| left + (w - left - right) * (i as f64 + 0.5) / n as f64;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / y_max);

    let mut desc = format!("{}. ", chart.y_label);
    for series in &chart.series {
        let known: Vec<f64> = series.values.iter().flatten().copied().collect();
        if let (Some(first), Some(last)) = (known.first(), known.last()) {
            let _ = write!(
                desc,
                "{}: from {} in {} to {} in {}, highest {}. ",
                series.name,
                fmt_tick(*first),
                chart.labels.first().map_or("", String::as_str),
                fmt_tick(*last),
                chart.labels.last().map_or("", String::as_str),
                fmt_tick(known.iter().copied().fold(0.0, f64::max))
            );
        }
    }
    let mut out = String::new();
    open(&mut out, w as u32, h as u32, &chart.title, &desc);
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"16\" font-weight=\"700\" fill=\"#0b0c0c\">{}</text>",
        esc(&chart.y_label)
    );
    // Grid and y ticks.
    let mut v = 0.0;
    while v <= y_max + step / 2.0 {
        let yy = y(v);
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#505a5f\">{}</text>",
            w - right,
            left - 6.0,
            yy + 4.0,
            fmt_tick(v)
        );
        v += step;
    }
    // X labels: about eight.
    let every = n.div_ceil(8).max(1);
    for (i, label) in chart.labels.iter().enumerate() {
        if i % every == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#505a5f\">{}</text>",
                x(i),
                h - bottom + 16.0,
                esc(label)
            );
        }
    }
    let _ = write!(
        out,
        "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#0b0c0c\"/>",
        w - right,
        y(0.0),
        y(0.0)
    );
    for (k, series) in chart.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let mut path = String::new();
        let mut pen_up = true;
        for (i, value) in series.values.iter().enumerate() {
            match value {
                Some(v) => {
                    let _ =
                        write!(path, "{}{:.1} {:.1} ", if pen_up { "M" } else { "L" }, x(i), y(*v));
                    pen_up = false;
                }
                None => pen_up = true,
            }
        }
        let dash = if k % 2 == 1 { " stroke-dasharray=\"6 3\"" } else { "" };
        let _ = write!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
            path.trim_end()
        );
        let (col, row) = ((k % 3) as f64, (k / 3) as f64);
        let lx = left + col * (w - left - right) / 3.0;
        let ly = h - bottom + 34.0 + row * 18.0;
        let _ = write!(
            out,
            "<line x1=\"{lx:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" \
             stroke-width=\"3\"{dash}/><text x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#0b0c0c\">{}</text>",
            lx + 18.0,
            ly - 4.0,
            ly - 4.0,
            lx + 24.0,
            esc(&series.name)
        );
    }
    if values.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#505a5f\">No data</text>",
            w / 2.0,
            h / 2.0
        );
    }
    out.push_str("</svg>");
    out
}

/// Renders a funnel plot; see [`FunnelPlot`]. The limits are the exact Poisson limits of
/// [`funnel_limits`] around the reference rate, drawn across the populations shown.
pub fn funnel_plot(plot: &FunnelPlot) -> String {
    let (w, h) = (f64::from(plot.width.max(320)), f64::from(plot.height.max(240)));
    let (left, right, top, bottom) = (56.0, 16.0, 28.0, 66.0);
    let max_pop = plot.points.iter().map(|p| p.population).max().unwrap_or(1).max(1) as f64 * 1.1;
    let rate = |p: &FunnelPoint| p.count as f64 / p.population.max(1) as f64 * 1000.0;
    // Limits across populations, sampled on a square-root scale (they change fastest near 0).
    let samples: Vec<f64> =
        (1..=60).map(|i| max_pop * (f64::from(i) / 60.0).powi(2)).filter(|p| *p >= 500.0).collect();
    let curves: Vec<(f64, [f64; 4])> = samples
        .iter()
        .map(|&pop| {
            let limits = funnel_limits(plot.reference_rate / 1000.0 * pop);
            let per = |c: f64| c / pop * 1000.0;
            (
                pop,
                [
                    per(limits.lower_998),
                    per(limits.lower_95),
                    per(limits.upper_95),
                    per(limits.upper_998),
                ],
            )
        })
        .collect();
    let mut y_values: Vec<f64> = plot.points.iter().map(rate).collect();
    // Keep the funnel's mouth from flattening everything: show the limits at the smallest area.
    let smallest = plot.points.iter().map(|p| p.population).min().unwrap_or(1) as f64;
    for (pop, limits) in &curves {
        if *pop >= smallest * 0.8 {
            y_values.extend(limits.iter().copied());
        }
    }
    y_values.push(plot.reference_rate);
    let (lo, hi) = y_values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let step = nice_step(hi - lo, 5.0);
    let (y_lo, y_hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let x = |pop: f64| left + (w - left - right) * pop / max_pop;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v - y_lo) / (y_hi - y_lo).max(1e-9));

    let mut desc = format!(
        "Rates per 1,000 residents against population; the line is {} at {:.1} per 1,000. ",
        plot.reference_label, plot.reference_rate
    );
    for point in &plot.points {
        let _ = write!(
            desc,
            "{}: {:.1} per 1,000 of {} residents. ",
            point.label,
            rate(point),
            point.population
        );
    }
    let mut out = String::new();
    open(&mut out, w as u32, h as u32, &plot.title, &desc);
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"16\" font-weight=\"700\" fill=\"#0b0c0c\">Rate per 1,000 residents</text>"
    );
    let mut v = y_lo;
    while v <= y_hi + step / 2.0 {
        let yy = y(v);
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#eeeeee\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#505a5f\">{}</text>",
            w - right,
            left - 6.0,
            yy + 4.0,
            fmt_tick(v)
        );
        v += step;
    }
    let x_step = nice_step(max_pop, 4.0);
    let mut p = 0.0;
    while p <= max_pop {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#505a5f\">{}</text>",
            x(p),
            h - bottom + 16.0,
            fmt_tick(p)
        );
        p += x_step;
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#505a5f\">Residents</text>",
        left + (w - left - right) / 2.0,
        h - bottom + 32.0
    );
    // Clip the curves to the plotting area.
    let _ = write!(
        out,
        "<clipPath id=\"plot\"><rect x=\"{left}\" y=\"{top}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath><g clip-path=\"url(#plot)\">",
        w - left - right,
        h - top - bottom
    );
    for (k, (colour, dash)) in
        [("#505a5f", "2 3"), ("#505a5f", "6 3"), ("#505a5f", "6 3"), ("#505a5f", "2 3")]
            .iter()
            .enumerate()
    {
        let path: Vec<String> = curves
            .iter()
            .enumerate()
            .map(|(i, (pop, limits))| {
                format!("{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x(*pop), y(limits[k]))
            })
            .collect();
        let _ = write!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-dasharray=\"{dash}\"/>",
            path.join(" ")
        );
    }
    let ry = y(plot.reference_rate);
    let _ = write!(
        out,
        "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{ry:.1}\" y2=\"{ry:.1}\" stroke=\"#0b0c0c\" stroke-width=\"1.5\"/></g>",
        w - right
    );
    for point in &plot.points {
        let (px, py) = (x(point.population as f64), y(rate(point)));
        let (r, fill) = if point.highlight { (6.0, "#d55e00") } else { (4.5, "#0072b2") };
        let _ = write!(
            out,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"{r}\" fill=\"{fill}\" stroke=\"#ffffff\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#0b0c0c\"{}>{}</text>",
            px + 8.0,
            py + 4.0,
            if point.highlight { " font-weight=\"700\"" } else { "" },
            esc(&point.label)
        );
    }
    let ly = h - 12.0;
    let _ = write!(
        out,
        "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#0b0c0c\" stroke-width=\"1.5\"/>\
         <text x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#0b0c0c\">{}</text>\
         <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#505a5f\" stroke-dasharray=\"6 3\"/>\
         <text x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#0b0c0c\">95% limits</text>\
         <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#505a5f\" stroke-dasharray=\"2 3\"/>\
         <text x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#0b0c0c\">99.8% limits</text>",
        left + 18.0,
        ly - 4.0,
        ly - 4.0,
        left + 24.0,
        esc(&plot.reference_label),
        left + 250.0,
        left + 268.0,
        ly - 4.0,
        ly - 4.0,
        left + 274.0,
        left + 370.0,
        left + 388.0,
        ly - 4.0,
        ly - 4.0,
        left + 394.0
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chart_names_its_series_and_escapes() {
        let svg = line_chart(&LineChart {
            title: "Crime <& ASB>".into(),
            labels: vec!["2021-01".into(), "2021-02".into(), "2021-03".into()],
            series: vec![
                Series { name: "Total".into(), values: vec![Some(10.0), None, Some(30.0)] },
                Series { name: "A & B".into(), values: vec![Some(1.0), Some(2.0), Some(3.0)] },
            ],
            y_label: "Crimes per month".into(),
            width: 640,
            height: 320,
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title id=\"t\">Crime &lt;&amp; ASB&gt;</title>"));
        assert!(svg.contains("A &amp; B"));
        assert!(svg.contains("Total: from 10 in 2021-01 to 30 in 2021-03, highest 30."));
        // A gap lifts the pen.
        assert_eq!(svg.matches(" M").count() + svg.matches("\"M").count(), 3);
    }

    #[test]
    fn funnel_plot_marks_the_subject_and_states_the_reference() {
        let svg = funnel_plot(&FunnelPlot {
            title: "Peers".into(),
            reference_rate: 90.0,
            reference_label: "Kent average".into(),
            points: vec![
                FunnelPoint {
                    label: "Maidstone".into(),
                    population: 175_000,
                    count: 15_000,
                    highlight: true,
                },
                FunnelPoint {
                    label: "Swale".into(),
                    population: 150_000,
                    count: 14_300,
                    highlight: false,
                },
            ],
            width: 640,
            height: 360,
        });
        assert!(svg.contains("Kent average at 90.0 per 1,000"));
        assert!(svg.contains("font-weight=\"700\">Maidstone</text>"));
        assert!(svg.contains("95% limits") && svg.contains("99.8% limits"));
        assert_eq!(nice_step(97.0, 5.0), 20.0);
        assert_eq!(fmt_tick(12345.0), "12,345");
    }
}
