//! The map's colours: single-hue sequential ramps for choropleths and a red–blue diverging set
//! for Gi* hotspot bins, chosen to stay distinguishable with the common colour-vision
//! deficiencies.
//!
//! Choices:
//! - Sequential ramps vary in lightness first and hue hardly at all, so they read in greyscale
//!   and for every kind of colour blindness; the lightest step is still darker than the white
//!   page, so a low value is not mistaken for a gap.
//! - Hotspots use red for hot and blue for cold: the one diverging pair that deuteranopes and
//!   protanopes (who see red as brown–orange) and tritanopes all tell apart. The three
//!   confidence levels step in lightness on each side, and "not significant" is a pale warm
//!   grey, distinct from the hatched "no data".
//! - Text is near-black `#0b0c0c` or dark grey `#505a5f` on white (contrast 19:1 and 7:1), the
//!   GOV.UK text colours; legend swatches have a near-black outline, so a pale swatch keeps a
//!   3:1 edge against the page (WCAG 1.4.11).

/// Near-black text (GOV.UK `govuk-text-colour`).
pub(crate) const TEXT: &str = "#0b0c0c";
/// Secondary text (GOV.UK `govuk-secondary-text-colour`), 7:1 on white.
pub(crate) const TEXT_SECONDARY: &str = "#505a5f";
/// The map frame and other rules (GOV.UK border colour).
pub(crate) const RULE: &str = "#b1b4b6";
/// Polygon borders: a mid grey that shows between pale fills and between dark ones.
pub(crate) const BORDER: &str = "#8e9599";
/// The background of "no data" hatching.
pub(crate) const NO_DATA_BACKGROUND: &str = "#f3f2f1";
/// The hatching lines of "no data".
pub(crate) const NO_DATA_HATCH: &str = "#9aa0a4";

/// A sequential colour ramp for choropleths, light (low) to dark (high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Palette {
    /// Blues: the default, for counts and rates.
    #[default]
    Blues,
    /// Purples: for a second measure beside a blue map.
    Purples,
}

/// The ramps' stops, light to dark; classes sample them evenly.
const BLUES: [[u8; 3]; 8] = [
    [0xe1, 0xec, 0xf7],
    [0xc4, 0xda, 0xee],
    [0x9d, 0xc6, 0xe0],
    [0x6c, 0xab, 0xd4],
    [0x43, 0x8f, 0xc4],
    [0x22, 0x70, 0xb2],
    [0x0b, 0x51, 0x9a],
    [0x08, 0x30, 0x6b],
];
const PURPLES: [[u8; 3]; 8] = [
    [0xee, 0xeb, 0xf4],
    [0xda, 0xd6, 0xea],
    [0xbe, 0xbc, 0xdc],
    [0x9e, 0x9a, 0xc8],
    [0x80, 0x7c, 0xba],
    [0x6a, 0x51, 0xa3],
    [0x54, 0x27, 0x8f],
    [0x3f, 0x00, 0x7d],
];

impl Palette {
    fn stops(self) -> &'static [[u8; 3]] {
        match self {
            Palette::Blues => &BLUES,
            Palette::Purples => &PURPLES,
        }
    }

    /// `classes` colours as `#rrggbb`, light to dark, sampled evenly along the ramp (with
    /// linear interpolation between stops, so any number of classes works; one class gets the
    /// middle of the ramp).
    pub fn colours(self, classes: usize) -> Vec<String> {
        let stops = self.stops();
        (0..classes)
            .map(|i| {
                let t = if classes == 1 { 0.5 } else { i as f64 / (classes - 1) as f64 };
                let position = t * (stops.len() - 1) as f64;
                let low = position.floor() as usize;
                let high = (low + 1).min(stops.len() - 1);
                let fraction = position - low as f64;
                let channel = |c: usize| {
                    let value = f64::from(stops[low][c])
                        + (f64::from(stops[high][c]) - f64::from(stops[low][c])) * fraction;
                    value.round() as u8
                };
                format!("#{:02x}{:02x}{:02x}", channel(0), channel(1), channel(2))
            })
            .collect()
    }
}

/// The Gi* bins' colours, indexed by class (bin + 3): cold 99 % … not significant … hot 99 %.
pub(crate) const HOTSPOT: [&str; 7] = [
    "#2166ac", // cold spot, 99 %
    "#6fa8d1", // cold spot, 95 %
    "#c4dcec", // cold spot, 90 %
    "#ebe8e1", // not significant
    "#f7c3a6", // hot spot, 90 %
    "#e2694f", // hot spot, 95 %
    "#b2182b", // hot spot, 99 %
];

/// The Gi* bins' legend labels, indexed by class (bin + 3), as ArcGIS names them.
pub(crate) const HOTSPOT_LABELS: [&str; 7] = [
    "Cold spot, 99% confidence",
    "Cold spot, 95% confidence",
    "Cold spot, 90% confidence",
    "Not significant",
    "Hot spot, 90% confidence",
    "Hot spot, 95% confidence",
    "Hot spot, 99% confidence",
];
