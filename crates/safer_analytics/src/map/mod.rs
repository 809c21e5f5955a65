//! Maps a committee can read, drawn by the server as one standalone SVG document: choropleths
//! (a value per area in classed ranges) and Getis-Ord Gi* hotspot maps, with a legend, a scale
//! bar, a north arrow, the named places the map is about, and the data's attribution. No tile
//! server and no script: the SVG works offline, inline in a page or as an `<img>`.
//!
//! [`render_map`] is a pure function of a [`MapSpec`]. Geometry comes in projected metres
//! (British National Grid: x east, y north) and is drawn north up at one scale in both
//! directions, fitted to the [`MapSpec::extent`] when one is given (a zoom to a town centre,
//! say: features are clipped to the map frame) or else to all the features.
//! [`quantile_breaks`] makes class breaks for a choropleth.
//!
//! Accessibility: the root element is `role="img"` with a `<title>` and a `<desc>` that say
//! what the map shows, what each colour means and how many areas have it, and which places
//! top the list, so a screen reader user gets what a sighted reader does. Colours are
//! colour-blind safe: single-hue ramps that step in lightness ([`Palette`]) and a red–blue
//! diverging set for hotspots, the one pair every common colour-vision deficiency separates.
//! "No data" is hatched, never just a pale colour. Text is GOV.UK near-black `#0b0c0c` or grey
//! `#505a5f` on white (contrast 19:1 and 7:1), and legend swatches are outlined in near-black
//! so even the palest keeps a 3:1 edge. Every string from data is escaped.

mod palette;
mod svg;
#[cfg(test)]
mod tests;

use std::fmt::Write;

use safer_domain::geo::{BBox, MultiPolygon};

pub use palette::Palette;
use palette::{
    BORDER, HOTSPOT, HOTSPOT_LABELS, NO_DATA_BACKGROUND, NO_DATA_HATCH, RULE, TEXT, TEXT_SECONDARY,
};
pub use svg::escape;
use svg::{legend_number, num, push_ring, thousands, wrap, FONT_FAMILY};

/// Everything a map shows. Build one and hand it to [`render_map`].
#[derive(Debug, Clone, PartialEq)]
pub struct MapSpec {
    /// The map's heading, e.g. "Violence and ASB hotspots, Maidstone".
    pub title: String,
    /// The line under the heading: the period and the method, e.g. "March 2021 to February
    /// 2022 · Getis-Ord Gi* on LSOAs, false discovery rate controlled". May be empty.
    pub subtitle: String,
    /// The legend's heading, e.g. "Gi* hotspot" or "Crimes per 1,000 residents".
    pub legend_title: String,
    /// The areas, drawn in order (later ones on top).
    pub features: Vec<MapFeature>,
    /// How features get their colours, and what the legend says.
    pub classification: Classification,
    /// The part of the world to show, in metres: `min_lon`/`max_lon` are x (east) and
    /// `min_lat`/`max_lat` are y (north). Features reaching outside it are clipped at the map
    /// frame. `None` shows every feature.
    pub extent: Option<BBox>,
    /// The heading of the list of named places, e.g. "Top hotspots (crimes and ASB)".
    pub places_heading: String,
    /// Named places listed beside or under the map, in the order given; those with a
    /// position are also marked on the map with their rank.
    pub places: Vec<NamedPlace>,
    /// The attribution printed small at the bottom, e.g. "Contains OS data © Crown copyright
    /// and database right 2016; ONS boundaries; police.uk data under the Open Government
    /// Licence v3.0".
    pub attribution: String,
    /// The document's width in pixels (at least 320 is used). At 640 or more the legend and
    /// places sit beside the map, below that under it. The height follows from the content.
    pub width: u32,
}

/// One area on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapFeature {
    /// A stable identifier, such as an LSOA code.
    pub id: String,
    /// The area's name, shown in the tooltip.
    pub name: String,
    /// The area in projected metres (British National Grid: `[x east, y north]`; the
    /// `lon`/`lat` names of the geometry types mean x and y here). Holes are drawn as holes.
    pub geometry: MultiPolygon,
    /// The mapped value (a rate, a count, a Gi* z-score), shown in the tooltip and, for a
    /// [`Classification::Sequential`] map without a `class`, used to find the class. A NaN or
    /// infinite value means "no data", whatever the class says.
    pub value: Option<f64>,
    /// The class, when the caller has decided it: an index into the sequential classes, or
    /// for [`Classification::Hotspot`] the Gi* bin plus 3 (see
    /// [`Classification::hotspot_class`]). A class out of range means "no data".
    pub class: Option<usize>,
    /// Text to print on the map at the area's centroid (keep it for a few areas, such as the
    /// town centre).
    pub label: Option<String>,
}

/// How features are coloured and what the legend lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Classification {
    /// A choropleth: `breaks` are the class edges, ascending, from the lowest value to the
    /// highest (`n + 1` edges for `n` classes, as [`quantile_breaks`] gives). Class `i` holds
    /// values from `breaks[i]` up to but not including `breaks[i + 1]`; the last class includes
    /// its upper edge. Values outside the edges go to the first or last class, so the edges
    /// should span the values. Fewer than two edges means no classes: every area is "no data".
    Sequential {
        /// The class edges.
        breaks: Vec<f64>,
        /// The colour ramp.
        palette: Palette,
    },
    /// A Getis-Ord Gi* hotspot map: seven classes, the bins −3 … 3 (cold spot at 99 %
    /// confidence … not significant … hot spot at 99 %), coloured blue to red, with the
    /// legend labels ArcGIS uses ("Hot spot, 99% confidence" …). Features need a `class`.
    Hotspot,
}

impl Classification {
    /// The class of a Gi* bin (−3 … 3) for [`MapFeature::class`]: the bin plus 3, or `None`
    /// for a bin outside −3 … 3.
    pub fn hotspot_class(bin: i8) -> Option<usize> {
        (-3..=3).contains(&bin).then(|| (bin + 3) as usize)
    }

    /// The number of classes (not counting "no data").
    fn class_count(&self) -> usize {
        match self {
            Classification::Sequential { breaks, .. } => breaks.len().saturating_sub(1),
            Classification::Hotspot => HOTSPOT.len(),
        }
    }

    /// Each class's colour and legend label, by class index.
    fn classes(&self) -> Vec<(String, String)> {
        match self {
            Classification::Sequential { breaks, palette } => {
                let n = self.class_count();
                palette
                    .colours(n)
                    .into_iter()
                    .enumerate()
                    .map(|(i, colour)| {
                        let (low, high) = (legend_number(breaks[i]), legend_number(breaks[i + 1]));
                        let label = if i + 1 == n {
                            format!("{low} to {high}")
                        } else {
                            format!("{low} to under {high}")
                        };
                        (colour, label)
                    })
                    .collect()
            }
            Classification::Hotspot => HOTSPOT
                .iter()
                .zip(HOTSPOT_LABELS)
                .map(|(colour, label)| (colour.to_string(), label.to_string()))
                .collect(),
        }
    }

    /// The class a feature is drawn in, or `None` for "no data".
    fn class_of(&self, feature: &MapFeature) -> Option<usize> {
        if feature.value.is_some_and(|v| !v.is_finite()) {
            return None;
        }
        let n = self.class_count();
        if let Some(class) = feature.class {
            return (class < n).then_some(class);
        }
        match self {
            Classification::Sequential { breaks, .. } if n > 0 => {
                let value = feature.value?;
                Some((0..n - 1).find(|&i| value < breaks[i + 1]).unwrap_or(n - 1))
            }
            _ => None,
        }
    }
}

/// A place listed with the map: a hotspot, named as people know it.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPlace {
    /// Its rank (1 for the top place), printed beside it and on its marker.
    pub rank: usize,
    /// Its name, e.g. "Maidstone 015A (High Street)".
    pub name: String,
    /// Its count of records (crimes, incidents) in the period.
    pub count: u64,
    /// The most frequent police.uk `Location` strings there with their counts, most frequent
    /// first, e.g. `("On or near High Street", 87)`.
    pub top_locations: Vec<(String, u64)>,
    /// Where to mark it, in the features' metres (`[x, y]`); `None` lists it without a marker.
    pub position: Option<[f64; 2]>,
}

/// Class breaks at the quantiles of the finite `values`: the minimum, the `k / classes`
/// quantiles (linear interpolation, as R's type 7 and NumPy's default) and the maximum, with
/// repeated edges removed, so many equal values give fewer classes rather than empty ones.
/// All values equal give one class (`[v, v]`); no finite value or no classes give no breaks.
pub fn quantile_breaks(values: &[f64], classes: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() || classes == 0 {
        return Vec::new();
    }
    sorted.sort_by(f64::total_cmp);
    let last = sorted.len() - 1;
    let mut breaks: Vec<f64> = Vec::with_capacity(classes + 1);
    for k in 0..=classes {
        let position = last as f64 * k as f64 / classes as f64;
        let low = position.floor() as usize;
        let high = (low + 1).min(last);
        let value = sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64);
        if breaks.last() != Some(&value) {
            breaks.push(value);
        }
    }
    if breaks.len() == 1 {
        breaks.push(breaks[0]);
    }
    breaks
}

/// The scale bar's length in metres: the longest 1, 2 or 5 × 10^k not over `max_metres`.
fn scale_bar_metres(max_metres: f64) -> f64 {
    if !(max_metres.is_finite() && max_metres > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(max_metres.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|step| step * power)
        .find(|&length| length <= max_metres * (1.0 + 1e-9))
        .unwrap_or(power)
}

/// A length for the scale bar: metres below 1 km, kilometres from 1 km.
fn distance_label(metres: f64) -> String {
    if metres >= 1000.0 {
        format!("{} km", legend_number(metres / 1000.0))
    } else {
        format!("{} m", legend_number(metres))
    }
}

/// Page geometry.
const PAD: f64 = 16.0;
const GAP: f64 = 24.0;
const FRAME_MARGIN: f64 = 10.0;
const TITLE_SIZE: f64 = 22.0;
const SUBTITLE_SIZE: f64 = 15.0;
const HEADING_SIZE: f64 = 16.0;
const BODY_SIZE: f64 = 14.0;
const SMALL_SIZE: f64 = 13.0;
const ATTRIBUTION_SIZE: f64 = 12.0;
const LEGEND_ROW: f64 = 26.0;
/// How much wider bold text runs than regular, for wrapping.
const BOLD: f64 = 1.15;

/// A short, stable prefix for the document's ids, so two maps inlined in one page do not
/// share `clipPath` or `pattern` ids.
fn id_prefix(map: &MapSpec) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let bytes =
        map.title.bytes().chain(map.subtitle.bytes()).chain(map.features.len().to_le_bytes());
    for byte in bytes {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    format!("map{:06x}", hash & 0x00ff_ffff)
}

/// Writes `lines` as one `<text>` element of `<tspan>` lines.
fn push_text_lines(
    out: &mut String,
    lines: &[String],
    x: f64,
    first_baseline: f64,
    line_height: f64,
    attributes: &str,
) {
    if lines.is_empty() {
        return;
    }
    let _ = write!(out, r#"<text x="{}" y="{}" {attributes}>"#, num(x), num(first_baseline));
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            let _ = write!(out, "<tspan>{}</tspan>", escape(line));
        } else {
            let _ = write!(
                out,
                r#"<tspan x="{}" dy="{}">{}</tspan>"#,
                num(x),
                num(line_height),
                escape(line)
            );
        }
    }
    out.push_str("</text>");
}

/// "1 area", "2 areas".
fn areas(count: usize) -> String {
    format!("{} area{}", thousands(count as u64), if count == 1 { "" } else { "s" })
}

/// The sentence a screen reader hears for the map.
fn description(
    map: &MapSpec,
    classes: &[(String, String)],
    class_counts: &[usize],
    no_data: usize,
    drawn: usize,
) -> String {
    let mut text = String::new();
    if !map.subtitle.trim().is_empty() {
        let _ = write!(text, "{}. ", map.subtitle.trim().trim_end_matches('.'));
    }
    if drawn == 0 {
        text.push_str("There is no data to map. ");
    } else {
        let _ = write!(text, "A map of {}, north at the top. ", areas(drawn));
        let legend = map.legend_title.trim().trim_end_matches('.');
        if !legend.is_empty() {
            let _ = write!(text, "Colours show {legend}: ");
        } else {
            text.push_str("Colours: ");
        }
        let mut parts: Vec<String> = classes
            .iter()
            .zip(class_counts)
            .rev()
            .map(|((_, label), count)| format!("{label}, {}", areas(*count)))
            .collect();
        parts.push(format!("no data (hatched), {}", areas(no_data)));
        let _ = write!(text, "{}. ", parts.join("; "));
    }
    if !map.places.is_empty() {
        let heading = map.places_heading.trim().trim_end_matches(['.', ':']);
        let _ = write!(text, "{}: ", if heading.is_empty() { "Named places" } else { heading });
        let places: Vec<String> = map
            .places
            .iter()
            .map(|place| {
                let mut item =
                    format!("{}. {}, {}", place.rank, place.name, thousands(place.count));
                if !place.top_locations.is_empty() {
                    let locations: Vec<String> = place
                        .top_locations
                        .iter()
                        .map(|(location, count)| format!("{location} ({})", thousands(*count)))
                        .collect();
                    let _ = write!(item, ", most often {}", locations.join(", "));
                }
                item
            })
            .collect();
        let _ = write!(text, "{}. ", places.join("; "));
    }
    text.push_str(map.attribution.trim());
    text.trim().to_string()
}

/// Draws the map as a standalone SVG document (an `<svg>` root with its namespace, no XML
/// declaration, so it can also be inlined in HTML). Pure and infallible: features without
/// positions are skipped, and a map with nothing to draw still gives a valid document that
/// says there is no data.
pub fn render_map(map: &MapSpec) -> String {
    let width = f64::from(map.width.max(320));
    let prefix = id_prefix(map);
    let content_width = width - 2.0 * PAD;
    let beside = width >= 640.0;
    let side_width = if beside { (width * 0.32).clamp(220.0, 340.0) } else { content_width };
    let map_width = if beside { content_width - side_width - GAP } else { content_width };

    let classes = map.classification.classes();
    let feature_classes: Vec<Option<usize>> =
        map.features.iter().map(|f| map.classification.class_of(f)).collect();

    // The world window: the extent, else every feature; never zero-sized.
    let world = map
        .extent
        .filter(|b| {
            [b.min_lon, b.min_lat, b.max_lon, b.max_lat].iter().all(|v| v.is_finite())
                && b.min_lon <= b.max_lon
                && b.min_lat <= b.max_lat
        })
        .or_else(|| {
            map.features.iter().filter_map(|f| f.geometry.bbox()).reduce(|a, b| a.union(&b))
        });
    let world = world.map(|b| {
        let grow_x = if b.max_lon - b.min_lon > 0.0 { 0.0 } else { 500.0 };
        let grow_y = if b.max_lat - b.min_lat > 0.0 { 0.0 } else { 500.0 };
        BBox {
            min_lon: b.min_lon - grow_x,
            min_lat: b.min_lat - grow_y,
            max_lon: b.max_lon + grow_x,
            max_lat: b.max_lat + grow_y,
        }
    });

    let mut body = String::new();

    // Heading.
    let title_lines = wrap(&map.title, TITLE_SIZE * BOLD, content_width);
    let subtitle_lines = wrap(&map.subtitle, SUBTITLE_SIZE, content_width);
    let mut y = PAD + TITLE_SIZE;
    push_text_lines(
        &mut body,
        &title_lines,
        PAD,
        y,
        TITLE_SIZE * 1.25,
        &format!(r#"font-size="{TITLE_SIZE}" font-weight="700" fill="{TEXT}""#),
    );
    y += TITLE_SIZE * 1.25 * title_lines.len().saturating_sub(1) as f64;
    if !subtitle_lines.is_empty() {
        y += SUBTITLE_SIZE * 1.6;
        push_text_lines(
            &mut body,
            &subtitle_lines,
            PAD,
            y,
            SUBTITLE_SIZE * 1.35,
            &format!(r#"font-size="{SUBTITLE_SIZE}" fill="{TEXT_SECONDARY}""#),
        );
        y += SUBTITLE_SIZE * 1.35 * (subtitle_lines.len() - 1) as f64;
    }
    let body_top = y + 16.0;

    // The map frame and the projection into it.
    let frame_x = PAD;
    let frame_y = body_top;
    let inner_width = map_width - 2.0 * FRAME_MARGIN;
    let max_inner_height = map_width * 1.15 - 2.0 * FRAME_MARGIN;
    let mut drawn = 0usize;
    let mut class_counts = vec![0usize; classes.len()];
    let mut no_data = 0usize;
    let frame_height;
    let mut scale_metres_per_px = None;
    match world {
        Some(world) => {
            let world_width = world.max_lon - world.min_lon;
            let world_height = world.max_lat - world.min_lat;
            let scale = (inner_width / world_width).min(max_inner_height / world_height);
            let drawn_width = world_width * scale;
            let drawn_height = world_height * scale;
            frame_height = drawn_height + 2.0 * FRAME_MARGIN;
            let origin_x = frame_x + FRAME_MARGIN + (inner_width - drawn_width) / 2.0;
            let origin_y = frame_y + FRAME_MARGIN;
            scale_metres_per_px = Some(1.0 / scale);
            let to_px = |[x, y]: [f64; 2]| {
                [origin_x + (x - world.min_lon) * scale, origin_y + (world.max_lat - y) * scale]
            };
            // What the frame shows, in metres (the margins included), for skipping features.
            let visible = BBox {
                min_lon: world.min_lon - (origin_x - frame_x) / scale,
                max_lon: world.min_lon + (frame_x + map_width - origin_x) / scale,
                min_lat: world.max_lat - (frame_y + frame_height - origin_y) / scale,
                max_lat: world.max_lat + (origin_y - frame_y) / scale,
            };

            let _ = write!(
                body,
                r#"<g clip-path="url(#{prefix}-clip)"><g stroke="{BORDER}" stroke-width="0.6" stroke-linejoin="round">"#
            );
            for (feature, class) in map.features.iter().zip(&feature_classes) {
                if !feature.geometry.bbox().is_some_and(|b| b.intersects(&visible)) {
                    continue;
                }
                let mut data = String::new();
                for polygon in &feature.geometry.polygons {
                    push_ring(&mut data, &polygon.exterior, to_px);
                    for hole in &polygon.holes {
                        push_ring(&mut data, hole, to_px);
                    }
                }
                if data.is_empty() {
                    continue;
                }
                drawn += 1;
                let (fill, class_label) = match class {
                    Some(c) => {
                        class_counts[*c] += 1;
                        (classes[*c].0.clone(), classes[*c].1.as_str())
                    }
                    None => {
                        no_data += 1;
                        (format!("url(#{prefix}-nodata)"), "No data")
                    }
                };
                let mut tooltip = format!("{}: {class_label}", feature.name);
                if let Some(value) = feature.value.filter(|v| v.is_finite()) {
                    let _ = write!(tooltip, " ({})", legend_number(value));
                }
                let _ = write!(
                    body,
                    r#"<path d="{data}" fill="{fill}" fill-rule="evenodd" data-id="{}"><title>{}</title></path>"#,
                    escape(&feature.id),
                    escape(&tooltip)
                );
            }
            body.push_str("</g>");

            // Labels on areas, with a white halo.
            for feature in &map.features {
                let (Some(label), Some(centre)) = (&feature.label, feature.geometry.centroid())
                else {
                    continue;
                };
                if !visible.contains(centre[0], centre[1]) {
                    continue;
                }
                let [x, y] = to_px(centre);
                let _ = write!(
                    body,
                    r##"<text x="{}" y="{}" text-anchor="middle" font-size="{SMALL_SIZE}" font-weight="700" fill="{TEXT}" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
                    num(x),
                    num(y + SMALL_SIZE * 0.35),
                    escape(label)
                );
            }

            // Place markers: moved aside (with a leader line) when they would cover one
            // already placed, and drawn so that the first place is on top.
            let frame = [frame_x, frame_y, frame_x + map_width, frame_y + frame_height];
            let markers = place_markers(
                map.places.iter().filter_map(|place| {
                    let position = place.position.filter(|p| p.iter().all(|v| v.is_finite()))?;
                    Some((to_px(position), place.rank))
                }),
                frame,
            );
            for &([x, y], [mx, my], rank) in markers.iter().rev() {
                if (x, y) != (mx, my) {
                    let _ = write!(
                        body,
                        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{TEXT}" stroke-width="1.5"/><circle cx="{}" cy="{}" r="2.5" fill="{TEXT}"/>"#,
                        num(x),
                        num(y),
                        num(mx),
                        num(my),
                        num(x),
                        num(y)
                    );
                }
                push_marker(&mut body, mx, my, rank);
            }
            body.push_str("</g>");

            if drawn == 0 {
                push_no_data_note(
                    &mut body,
                    frame_x + map_width / 2.0,
                    frame_y + frame_height / 2.0,
                );
            }
        }
        None => {
            frame_height = (map_width * 0.5).max(160.0);
            push_no_data_note(&mut body, frame_x + map_width / 2.0, frame_y + frame_height / 2.0);
        }
    }
    let _ = write!(
        body,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{RULE}"/>"#,
        num(frame_x),
        num(frame_y),
        num(map_width),
        num(frame_height)
    );

    // Under the frame: the scale bar on the left, the north arrow on the right.
    let strip_top = frame_y + frame_height + 10.0;
    let strip_height = 46.0;
    if let Some(metres_per_px) = scale_metres_per_px {
        let max_px = (map_width / 3.0).max(60.0);
        let metres = scale_bar_metres(max_px * metres_per_px);
        push_scale_bar(&mut body, frame_x, strip_top, metres / metres_per_px, metres);
    }
    push_north_arrow(&mut body, frame_x + map_width - 14.0, strip_top);
    let map_bottom = strip_top + strip_height;

    // The legend and the places: beside the map, or under it.
    let (panel_x, mut panel_y) =
        if beside { (frame_x + map_width + GAP, body_top) } else { (PAD, map_bottom + 12.0) };
    let legend_heading =
        if map.legend_title.trim().is_empty() { "Key" } else { map.legend_title.trim() };
    let heading_lines = wrap(legend_heading, HEADING_SIZE * BOLD, side_width);
    panel_y += HEADING_SIZE;
    push_text_lines(
        &mut body,
        &heading_lines,
        panel_x,
        panel_y,
        HEADING_SIZE * 1.3,
        &format!(r#"font-size="{HEADING_SIZE}" font-weight="700" fill="{TEXT}""#),
    );
    panel_y += HEADING_SIZE * 1.3 * (heading_lines.len() - 1) as f64 + SMALL_SIZE * 1.5;
    let _ = write!(
        body,
        r#"<text x="{}" y="{}" font-size="{SMALL_SIZE}" fill="{TEXT_SECONDARY}">Number of areas in brackets</text>"#,
        num(panel_x),
        num(panel_y)
    );
    panel_y += 10.0;
    let mut entries: Vec<(String, String, usize)> = classes
        .iter()
        .zip(&class_counts)
        .rev()
        .map(|((colour, label), count)| (colour.clone(), label.clone(), *count))
        .collect();
    entries.push((format!("url(#{prefix}-nodata)"), "No data".to_string(), no_data));
    for (fill, label, count) in &entries {
        let _ = write!(
            body,
            r#"<rect x="{}" y="{}" width="26" height="18" fill="{fill}" stroke="{TEXT}" stroke-width="1"/>"#,
            num(panel_x + 0.5),
            num(panel_y + 0.5)
        );
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" font-size="{BODY_SIZE}" fill="{TEXT}">{} <tspan fill="{TEXT_SECONDARY}">({})</tspan></text>"#,
            num(panel_x + 36.0),
            num(panel_y + 14.0),
            escape(label),
            thousands(*count as u64)
        );
        panel_y += LEGEND_ROW;
    }

    if !map.places.is_empty() {
        panel_y += 18.0 + HEADING_SIZE;
        let heading = if map.places_heading.trim().is_empty() {
            "Named places"
        } else {
            map.places_heading.trim()
        };
        let lines = wrap(heading, HEADING_SIZE * BOLD, side_width);
        push_text_lines(
            &mut body,
            &lines,
            panel_x,
            panel_y,
            HEADING_SIZE * 1.3,
            &format!(r#"font-size="{HEADING_SIZE}" font-weight="700" fill="{TEXT}""#),
        );
        panel_y += HEADING_SIZE * 1.3 * (lines.len() - 1) as f64 + 8.0;
        let text_x = panel_x + 30.0;
        let text_width_max = side_width - 30.0;
        for place in &map.places {
            panel_y += BODY_SIZE + 4.0;
            push_marker(&mut body, panel_x + 11.0, panel_y - BODY_SIZE * 0.35, place.rank);
            let name_lines = wrap(
                &format!("{} ({})", place.name, thousands(place.count)),
                BODY_SIZE * BOLD,
                text_width_max,
            );
            push_text_lines(
                &mut body,
                &name_lines,
                text_x,
                panel_y,
                BODY_SIZE * 1.3,
                &format!(r#"font-size="{BODY_SIZE}" font-weight="700" fill="{TEXT}""#),
            );
            panel_y += BODY_SIZE * 1.3 * (name_lines.len() - 1) as f64;
            if !place.top_locations.is_empty() {
                let locations: Vec<String> = place
                    .top_locations
                    .iter()
                    .map(|(location, count)| format!("{location} ({})", thousands(*count)))
                    .collect();
                let lines = wrap(&locations.join(", "), SMALL_SIZE, text_width_max);
                panel_y += SMALL_SIZE * 1.4;
                push_text_lines(
                    &mut body,
                    &lines,
                    text_x,
                    panel_y,
                    SMALL_SIZE * 1.35,
                    &format!(r#"font-size="{SMALL_SIZE}" fill="{TEXT_SECONDARY}""#),
                );
                panel_y += SMALL_SIZE * 1.35 * (lines.len() - 1) as f64;
            }
            panel_y += 8.0;
        }
    }

    // The attribution across the foot.
    let mut foot = map_bottom.max(panel_y) + 12.0;
    let attribution_lines = wrap(&map.attribution, ATTRIBUTION_SIZE, content_width);
    if !attribution_lines.is_empty() {
        let _ = write!(
            body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{RULE}"/>"#,
            num(PAD),
            num(foot),
            num(width - PAD),
            num(foot)
        );
        foot += ATTRIBUTION_SIZE * 1.6;
        push_text_lines(
            &mut body,
            &attribution_lines,
            PAD,
            foot,
            ATTRIBUTION_SIZE * 1.35,
            &format!(r#"font-size="{ATTRIBUTION_SIZE}" fill="{TEXT_SECONDARY}""#),
        );
        foot += ATTRIBUTION_SIZE * 1.35 * (attribution_lines.len() - 1) as f64;
    }
    let height = (foot + PAD).ceil();

    // The document.
    let mut out = String::with_capacity(body.len() + 2048);
    let (w, h) = (num(width), num(height));
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc" font-family="{FONT_FAMILY}">"#
    );
    let _ = write!(out, r#"<title id="{prefix}-title">{}</title>"#, escape(map.title.trim()));
    let _ = write!(
        out,
        r#"<desc id="{prefix}-desc">{}</desc>"#,
        escape(&description(map, &classes, &class_counts, no_data, drawn))
    );
    let _ = write!(
        out,
        r#"<defs><pattern id="{prefix}-nodata" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{NO_DATA_BACKGROUND}"/><line x1="0" y1="0" x2="0" y2="6" stroke="{NO_DATA_HATCH}" stroke-width="2"/></pattern><clipPath id="{prefix}-clip"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>"#,
        num(frame_x),
        num(frame_y),
        num(map_width),
        num(frame_height)
    );
    let _ = write!(out, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// The marker radius in pixels.
const MARKER_RADIUS: f64 = 10.0;

/// Where each place's marker goes, as (true point, marker centre, rank), in the order given:
/// at the point itself when it does not cover an earlier marker, else at the first free spot
/// on rings around it (inside the frame when possible).
fn place_markers(
    points: impl Iterator<Item = ([f64; 2], usize)>,
    frame: [f64; 4],
) -> Vec<([f64; 2], [f64; 2], usize)> {
    let clear = 2.0 * MARKER_RADIUS + 3.0;
    let mut placed: Vec<([f64; 2], [f64; 2], usize)> = Vec::new();
    for (point, rank) in points {
        let free = |[x, y]: [f64; 2], placed: &[([f64; 2], [f64; 2], usize)]| {
            placed.iter().all(|(_, [mx, my], _)| (x - mx).hypot(y - my) >= clear)
        };
        let inside = |[x, y]: [f64; 2]| {
            x - MARKER_RADIUS >= frame[0]
                && x + MARKER_RADIUS <= frame[2]
                && y - MARKER_RADIUS >= frame[1]
                && y + MARKER_RADIUS <= frame[3]
        };
        let candidates = std::iter::once(point).chain((1..=4).flat_map(|ring| {
            (0..12).map(move |step| {
                // Up and to the right first, then round the clock.
                let angle = (45.0 - 30.0 * step as f64).to_radians();
                let distance = (clear + 8.0) * ring as f64;
                [point[0] + distance * angle.cos(), point[1] - distance * angle.sin()]
            })
        }));
        let spot = candidates
            .clone()
            .find(|&c| free(c, &placed) && (c == point || inside(c)))
            .or_else(|| candidates.clone().find(|&c| free(c, &placed)))
            .unwrap_or(point);
        placed.push((point, spot, rank));
    }
    placed
}

/// A numbered circle marking a named place.
fn push_marker(out: &mut String, x: f64, y: f64, rank: usize) {
    let _ = write!(
        out,
        r##"<circle cx="{}" cy="{}" r="{MARKER_RADIUS}" fill="{TEXT}" stroke="#ffffff" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" font-size="12" font-weight="700" fill="#ffffff">{rank}</text>"##,
        num(x),
        num(y),
        num(x),
        num(y + 4.2)
    );
}

/// "No data to map", centred on a point.
fn push_no_data_note(out: &mut String, x: f64, y: f64) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" font-size="{BODY_SIZE}" fill="{TEXT_SECONDARY}">No data to map</text>"#,
        num(x),
        num(y)
    );
}

/// A two-segment scale bar `length_px` long with "0" and its length, from `(x, top)`.
fn push_scale_bar(out: &mut String, x: f64, top: f64, length_px: f64, metres: f64) {
    let bar_y = top + 20.0;
    let half = length_px / 2.0;
    let _ = write!(
        out,
        r##"<g><rect x="{}" y="{}" width="{}" height="6" fill="{TEXT}"/><rect x="{}" y="{}" width="{}" height="6" fill="#ffffff" stroke="{TEXT}" stroke-width="1"/>"##,
        num(x + 0.5),
        num(bar_y),
        num(half),
        num(x + 0.5 + half),
        num(bar_y + 0.5),
        num(half - 0.5)
    );
    let label = distance_label(metres);
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="{SMALL_SIZE}" fill="{TEXT}">0</text><text x="{}" y="{}" text-anchor="middle" font-size="{SMALL_SIZE}" fill="{TEXT}">{}</text></g>"#,
        num(x),
        num(top + 14.0),
        num(x + length_px),
        num(top + 14.0),
        escape(&label)
    );
}

/// A north arrow centred on `x`, from `top` down: an "N" over an arrowhead.
fn push_north_arrow(out: &mut String, x: f64, top: f64) {
    let _ = write!(
        out,
        r#"<g><text x="{}" y="{}" text-anchor="middle" font-size="{SMALL_SIZE}" font-weight="700" fill="{TEXT}">N</text><path d="M{} {}L{} {}L{} {}L{} {}Z" fill="{TEXT}"/></g>"#,
        num(x),
        num(top + 12.0),
        num(x),
        num(top + 16.0),
        num(x + 8.0),
        num(top + 38.0),
        num(x),
        num(top + 32.0),
        num(x - 8.0),
        num(top + 38.0)
    );
}
