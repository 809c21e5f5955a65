//! Small pieces of SVG writing: escaping, compact numbers, path data and rough text wrapping.

use std::fmt::Write;

/// The font stack for every text element: the platform's own UI font, then common sans serifs.
pub(crate) const FONT_FAMILY: &str =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/// Text escaped for XML character data and attribute values: `&`, `<`, `>`, `"` and `'`
/// become references, and characters XML 1.0 forbids (most C0 controls) are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A pixel coordinate rounded to 0.1, written without a trailing `.0` (and never as `-0`).
pub(crate) fn num(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        let sign = if tenths < 0 { "-" } else { "" };
        let abs = tenths.unsigned_abs();
        format!("{sign}{}.{}", abs / 10, abs % 10)
    }
}

/// Positions closer than this to the last one kept (in tenths of a pixel) are dropped: 0.3 px
/// is below what a screen shows and well inside the 0.6 px borders.
const MIN_STEP_TENTHS: i64 = 3;

/// Appends one ring as compact path data: `M x y` then relative steps (`l dx dy …`) and `z`,
/// coordinates rounded to 0.1 px. Steps are computed on the rounded positions, so they add up
/// exactly; positions within 0.3 px of the previous one kept are dropped. Rings of fewer than
/// three positions after that are left out: at this scale they are invisible.
pub(crate) fn push_ring(
    data: &mut String,
    ring: &[[f64; 2]],
    to_px: impl Fn([f64; 2]) -> [f64; 2],
) {
    let mut points: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
    for &position in ring {
        if !(position[0].is_finite() && position[1].is_finite()) {
            continue;
        }
        let [x, y] = to_px(position);
        let point = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        let near = points.last().is_some_and(|&(px, py): &(i64, i64)| {
            let (dx, dy) = (point.0 - px, point.1 - py);
            dx * dx + dy * dy < MIN_STEP_TENTHS * MIN_STEP_TENTHS
        });
        if !near {
            points.push(point);
        }
    }
    while points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if points.len() < 3 {
        return;
    }
    let tenths = |v: i64| num(v as f64 / 10.0);
    let (x0, y0) = points[0];
    let _ = write!(data, "M{} {}l", tenths(x0), tenths(y0));
    let mut first = true;
    for pair in points.windows(2) {
        for delta in [pair[1].0 - pair[0].0, pair[1].1 - pair[0].1] {
            // A minus sign separates numbers by itself.
            if !first && delta >= 0 {
                data.push(' ');
            }
            data.push_str(&tenths(delta));
            first = false;
        }
    }
    data.push('z');
}

/// An estimate of a string's width in pixels in the system sans serif at `size` px: good
/// enough to wrap lines and keep labels apart, not to typeset. The advances are those of
/// DejaVu Sans, the widest common fallback (Debian's default), so other fonts only wrap early.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | '\'' | '|' | ':' | ';' | '!' => 0.30,
            'f' | 't' | 'r' | ' ' | '(' | ')' | '-' => 0.40,
            'm' | 'w' | 'M' | 'W' => 0.95,
            c if c.is_ascii_uppercase() => 0.72,
            c if c.is_ascii_digit() => 0.64,
            _ => 0.61,
        })
        .sum();
    ems * size
}

/// Splits text into lines no wider than `max_width` px (by [`text_width`]), at spaces; a
/// single word longer than the line stays whole on its own line.
pub(crate) fn wrap(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && text_width(&candidate, size) > max_width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A whole number with thousands separators: `12,345`.
pub(crate) fn thousands(value: u64) -> String {
    crate::findings::format_count(value)
}

/// A value for a legend: whole numbers as they are (with separators), others to two
/// significant decimals below 10 and one below 1,000, trailing zeros trimmed.
pub(crate) fn legend_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let abs = value.abs();
    if abs >= 1000.0 || abs.fract() == 0.0 {
        return format!("{sign}{}", thousands(abs.round() as u64));
    }
    let decimals = if abs >= 10.0 { 1 } else { 2 };
    let text = format!("{abs:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "0" {
        "0".to_string()
    } else {
        format!("{sign}{text}")
    }
}
