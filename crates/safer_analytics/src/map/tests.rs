//! Tests on the SVG text: every document is checked with a strict well-formedness checker.

use safer_domain::geo::{BBox, MultiPolygon, Polygon};

use super::svg::{escape, legend_number, num, wrap};
use super::*;

/// A square `size` metres wide with its south-west corner at `(x, y)`.
fn square(x: f64, y: f64, size: f64) -> MultiPolygon {
    MultiPolygon::new(vec![Polygon::new(vec![
        [x, y],
        [x + size, y],
        [x + size, y + size],
        [x, y + size],
        [x, y],
    ])])
}

fn feature(
    id: &str,
    geometry: MultiPolygon,
    value: Option<f64>,
    class: Option<usize>,
) -> MapFeature {
    MapFeature { id: id.into(), name: format!("Area {id}"), geometry, value, class, label: None }
}

/// Three squares side by side, 1 km each, and one place.
fn spec(classification: Classification, features: Vec<MapFeature>) -> MapSpec {
    MapSpec {
        title: "Hotspots".into(),
        subtitle: "March 2021 to February 2022".into(),
        legend_title: "Gi* hotspot".into(),
        features,
        classification,
        extent: None,
        places_heading: "Top hotspots".into(),
        places: vec![NamedPlace {
            rank: 1,
            name: "High Street".into(),
            count: 1234,
            top_locations: vec![("On or near High Street".into(), 87)],
            position: Some([500.0, 500.0]),
        }],
        attribution: "Contains OS data © Crown copyright and database right 2016".into(),
        width: 800,
    }
}

fn three_squares() -> Vec<MapFeature> {
    vec![
        feature("a", square(0.0, 0.0, 1000.0), Some(3.2), Classification::hotspot_class(3)),
        feature("b", square(1000.0, 0.0, 1000.0), Some(0.1), Classification::hotspot_class(0)),
        feature("c", square(2000.0, 0.0, 1000.0), Some(-2.0), Classification::hotspot_class(-2)),
    ]
}

/// The rings of path data as written by `push_ring` (`M x y l dx dy … z`), in absolute pixels.
fn rings(data: &str) -> Vec<Vec<[f64; 2]>> {
    let mut rings = Vec::new();
    for ring in data.split('M').filter(|r| !r.is_empty()) {
        let ring = ring.strip_suffix('z').expect("rings end with z");
        let (start, steps) = ring.split_once('l').expect("a start and steps");
        let numbers = |text: &str| -> Vec<f64> {
            // A minus sign starts a number as well as a space does.
            text.replace('-', " -").split_whitespace().map(|n| n.parse().unwrap()).collect()
        };
        let start = numbers(start);
        let mut points = vec![[start[0], start[1]]];
        for step in numbers(steps).chunks(2) {
            let [x, y] = *points.last().unwrap();
            points.push([x + step[0], y + step[1]]);
        }
        rings.push(points);
    }
    rings
}

/// Renders and checks the document is well-formed XML with an `svg` root.
#[track_caller]
fn render_checked(map: &MapSpec) -> String {
    let svg = render_map(map);
    if let Err(problem) = check_well_formed(&svg) {
        panic!("not well-formed: {problem}\n{svg}");
    }
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    svg
}

/// A strict XML 1.0 well-formedness check for what we write (no DOCTYPE, CDATA or processing
/// instructions): one root element, tags nested and matched, attributes quoted, unique and
/// separated by spaces, only the five predefined entities or numeric references, no `<` or
/// stray `&` in text or attribute values, and no text outside the root.
fn check_well_formed(xml: &str) -> Result<(), String> {
    fn is_name_start(c: char) -> bool {
        c.is_ascii_alphabetic() || c == '_' || c == ':'
    }
    fn is_name_char(c: char) -> bool {
        is_name_start(c) || c.is_ascii_digit() || c == '-' || c == '.'
    }
    fn check_text(text: &str, at: usize) -> Result<(), String> {
        let mut rest = text;
        while let Some(i) = rest.find(['&', '<']) {
            if rest[i..].starts_with('<') {
                return Err(format!("raw < at {}", at));
            }
            let end = rest[i..].find(';').ok_or(format!("unterminated reference at {at}"))?;
            let name = &rest[i + 1..i + end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name
                    .strip_prefix("#x")
                    .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                || name
                    .strip_prefix('#')
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("bad reference &{name}; at {at}"));
            }
            rest = &rest[i + end + 1..];
        }
        Ok(())
    }
    fn name_end(s: &str) -> usize {
        s.find(|c: char| !is_name_char(c)).unwrap_or(s.len())
    }

    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut pos = 0;
    while pos < xml.len() {
        let rest = &xml[pos..];
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() {
                return Err(format!("text after the root at {pos}"));
            }
            break;
        };
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root at {pos}"));
        }
        check_text(text, pos)?;
        pos += lt;
        let rest = &xml[pos..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment.find("-->").ok_or("unterminated comment")?;
            pos += 4 + end + 3;
            continue;
        }
        let gt = rest.find('>').ok_or(format!("unterminated tag at {pos}"))?;
        let tag = &rest[1..gt];
        pos += gt + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("close tag </{name}> without an open one"))?;
            if open != name.trim_end() {
                return Err(format!("</{name}> closes <{open}>"));
            }
            continue;
        }
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        if !tag.starts_with(is_name_start) {
            return Err(format!("bad tag name in <{tag}>"));
        }
        let end = name_end(tag);
        let name = &tag[..end];
        let mut attributes = &tag[end..];
        let mut seen: Vec<&str> = Vec::new();
        loop {
            let trimmed = attributes.trim_start();
            if trimmed.is_empty() {
                break;
            }
            if trimmed.len() == attributes.len() {
                return Err(format!("attributes not separated by space in <{name}>"));
            }
            if !trimmed.starts_with(is_name_start) {
                return Err(format!("bad attribute name in <{name}>: {trimmed}"));
            }
            let end = name_end(trimmed);
            let attribute = &trimmed[..end];
            if seen.contains(&attribute) {
                return Err(format!("duplicate attribute {attribute} in <{name}>"));
            }
            seen.push(attribute);
            let after =
                trimmed[end..].strip_prefix('=').ok_or(format!("{attribute} without a value"))?;
            let quote = after
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or(format!("{attribute} unquoted"))?;
            let value_end = after[1..].find(quote).ok_or(format!("{attribute} unterminated"))?;
            check_text(&after[1..1 + value_end], pos)?;
            attributes = &after[1 + value_end + 1..];
        }
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Err("more than one root element".into());
            }
        }
        if !self_closing {
            stack.push(name);
        }
    }
    match (stack.last(), roots) {
        (Some(open), _) => Err(format!("<{open}> is never closed")),
        (None, 0) => Err("no root element".into()),
        _ => Ok(()),
    }
}

#[test]
fn the_checker_rejects_broken_documents() {
    for bad in [
        "<svg><g></svg>",
        "<svg>A & B</svg>",
        "<svg>a < b</svg>",
        "<svg a=\"1\" a=\"2\"/>",
        "<svg a=1/>",
        "<svg/><svg/>",
        "text<svg/>",
        "<svg><title>x</desc></svg>",
        "<svg a=\"<\"/>",
    ] {
        assert!(check_well_formed(bad).is_err(), "{bad} should be rejected");
    }
    assert_eq!(check_well_formed("<svg a=\"1\" b='&amp;&#39;'><g/>x &lt; y</svg>\n"), Ok(()));
}

#[test]
fn hotspot_legend_lists_every_bin_hot_first_with_counts() {
    let svg = render_checked(&spec(Classification::Hotspot, three_squares()));
    let order: Vec<usize> = [
        "Hot spot, 99% confidence",
        "Hot spot, 95% confidence",
        "Hot spot, 90% confidence",
        "Not significant",
        "Cold spot, 90% confidence",
        "Cold spot, 95% confidence",
        "Cold spot, 99% confidence",
        "No data",
    ]
    .iter()
    .map(|label| {
        // Legend text, not the tooltips: legend entries are followed by their count.
        svg.find(&format!("{label} <tspan")).unwrap_or_else(|| panic!("no legend entry {label}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(svg.contains(r##"Hot spot, 99% confidence <tspan fill="#505a5f">(1)</tspan>"##));
    assert!(svg.contains(r##"No data <tspan fill="#505a5f">(0)</tspan>"##));
}

#[test]
fn features_take_their_class_colours() {
    let svg = render_checked(&spec(Classification::Hotspot, three_squares()));
    let fills: Vec<&str> = svg
        .split("<path d=")
        .skip(1)
        .filter(|p| p.contains("fill-rule"))
        .map(|p| p.split("fill=\"").nth(1).unwrap().split('"').next().unwrap())
        .collect();
    // Hot 99 % is red, not significant pale, cold 95 % mid blue.
    assert_eq!(fills, ["#b2182b", "#ebe8e1", "#6fa8d1"]);
    assert!(svg.contains("<title>Area a: Hot spot, 99% confidence (3.2)</title>"), "{svg}");
}

#[test]
fn sequential_maps_class_by_value_and_label_ranges() {
    let features = vec![
        feature("a", square(0.0, 0.0, 1000.0), Some(1.0), None),
        feature("b", square(1000.0, 0.0, 1000.0), Some(5.0), None),
        feature("c", square(2000.0, 0.0, 1000.0), Some(10.0), None),
        feature("d", square(3000.0, 0.0, 1000.0), None, None),
    ];
    let classification =
        Classification::Sequential { breaks: vec![0.0, 5.0, 10.0], palette: Palette::Blues };
    let svg = render_checked(&spec(classification, features));
    let colours = Palette::Blues.colours(2);
    assert!(svg.contains(&format!(
        r#"fill="{}" fill-rule="evenodd" data-id="a"><title>Area a"#,
        colours[0]
    )));
    assert!(svg.contains(&format!(
        r#"fill="{}" fill-rule="evenodd" data-id="b"><title>Area b"#,
        colours[1]
    )));
    assert!(svg.contains(&format!(
        r#"fill="{}" fill-rule="evenodd" data-id="c"><title>Area c"#,
        colours[1]
    )));
    assert!(
        svg.contains(r#"-nodata)" fill-rule="evenodd" data-id="d"><title>Area d: No data</title>"#),
        "{svg}"
    );
    let high = svg.find("5 to 10 <tspan").expect("the top class");
    let low = svg.find("0 to under 5 <tspan").expect("the bottom class");
    assert!(high < low, "the highest class is listed first");
}

#[test]
fn nan_values_and_unknown_classes_are_no_data() {
    let features = vec![
        feature("nan", square(0.0, 0.0, 1000.0), Some(f64::NAN), Classification::hotspot_class(3)),
        feature("inf", square(1000.0, 0.0, 1000.0), Some(f64::INFINITY), None),
        feature("seven", square(2000.0, 0.0, 1000.0), None, Some(7)),
        feature("none", square(3000.0, 0.0, 1000.0), Some(2.0), None),
    ];
    let svg = render_checked(&spec(Classification::Hotspot, features));
    assert_eq!(svg.matches("-nodata)\" fill-rule=\"evenodd\"").count(), 4, "{svg}");
    assert!(svg.contains(r##"No data <tspan fill="#505a5f">(4)</tspan>"##));
    assert!(!svg.contains("NaN") && !svg.contains("(inf"), "{svg}");

    let nan_breaks = Classification::Sequential { breaks: vec![0.0, 1.0], palette: Palette::Blues };
    let svg = render_checked(&spec(
        nan_breaks,
        vec![feature("x", square(0.0, 0.0, 10.0), Some(f64::NAN), None)],
    ));
    assert!(svg.contains("<title>Area x: No data</title>"));
}

#[test]
fn empty_maps_are_valid_documents_that_say_so() {
    let mut map = spec(Classification::Hotspot, Vec::new());
    map.places.clear();
    let svg = render_checked(&map);
    assert!(svg.contains(">No data to map</text>"));
    assert!(svg.contains("There is no data to map."));
    // The same with an extent but nothing in it.
    map.extent = Some(BBox { min_lon: 0.0, min_lat: 0.0, max_lon: 1000.0, max_lat: 1000.0 });
    let svg = render_checked(&map);
    assert!(svg.contains(">No data to map</text>"));
    // And a sequential map with no breaks.
    map.classification =
        Classification::Sequential { breaks: quantile_breaks(&[], 5), palette: Palette::Blues };
    render_checked(&map);
}

#[test]
fn text_from_data_is_escaped_everywhere() {
    let nasty = r#"A & B <script>alert("x")</script> 'q'"#;
    let mut features = three_squares();
    features[0].name = nasty.into();
    features[1].label = Some(nasty.into());
    let mut map = spec(Classification::Hotspot, features);
    map.title = nasty.into();
    map.subtitle = nasty.into();
    map.legend_title = nasty.into();
    map.places_heading = nasty.into();
    map.places[0].name = nasty.into();
    map.places[0].top_locations[0].0 = nasty.into();
    map.attribution = format!("{nasty}\u{1}\u{0}");
    let svg = render_checked(&map);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("A & B"));
    assert!(svg.contains("A &amp; B &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;q&#39;"));
    assert_eq!(escape("a\u{1}b\tc"), "ab c");
}

#[test]
fn the_view_box_fits_the_width_and_the_content() {
    let map = spec(Classification::Hotspot, three_squares());
    let svg = render_checked(&map);
    let view_box = svg.split("viewBox=\"").nth(1).unwrap().split('"').next().unwrap();
    let numbers: Vec<f64> = view_box.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(numbers[..3], [0.0, 0.0, 800.0]);
    assert!(numbers[3] > 300.0 && numbers[3] < 1000.0, "{view_box}");
    assert!(svg.contains(&format!(r#"width="800" height="{}""#, num(numbers[3]))));
    // Narrow maps stack the legend under the map and are still valid.
    let mut narrow = map.clone();
    narrow.width = 100;
    let svg = render_checked(&narrow);
    assert!(svg.contains(r#"viewBox="0 0 320 "#));
}

#[test]
fn north_is_up_and_scales_are_equal() {
    // A 3 km × 1 km strip: drawn 3 times as wide as high; the north edge above the south.
    let map =
        spec(Classification::Hotspot, vec![feature("a", square(0.0, 0.0, 1000.0), None, Some(3))]);
    let mut wide = map.clone();
    wide.features[0].geometry = MultiPolygon::new(vec![Polygon::new(vec![
        [0.0, 0.0],
        [3000.0, 0.0],
        [3000.0, 1000.0],
        [0.0, 1000.0],
    ])]);
    let svg = render_checked(&wide);
    let data = svg.split("<path d=\"").nth(1).unwrap().split('"').next().unwrap();
    let points = &rings(data)[0];
    assert_eq!(points.len(), 4);
    let (sw, ne) = (points[0], points[2]);
    let (dx, dy) = (ne[0] - sw[0], sw[1] - ne[1]);
    assert!(dy > 0.0, "north (larger y in metres) is higher on the page: {points:?}");
    assert!((dx / dy - 3.0).abs() < 0.01, "{dx} × {dy}");
}

#[test]
fn holes_are_drawn_as_holes() {
    let mut geometry = square(0.0, 0.0, 1000.0);
    geometry.polygons[0].holes.push(vec![
        [400.0, 400.0],
        [600.0, 400.0],
        [600.0, 600.0],
        [400.0, 600.0],
    ]);
    let svg =
        render_checked(&spec(Classification::Hotspot, vec![feature("a", geometry, None, Some(3))]));
    let data = svg.split("<path d=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(data.matches('M').count(), 2, "{data}");
    assert!(svg.contains("fill-rule=\"evenodd\""));
}

#[test]
fn zooming_clips_to_the_frame_and_skips_what_is_far_away() {
    let mut features = three_squares();
    features.push(feature("far", square(100_000.0, 0.0, 1000.0), None, Some(3)));
    let mut map = spec(Classification::Hotspot, features);
    map.extent = Some(BBox { min_lon: 900.0, min_lat: 0.0, max_lon: 2100.0, max_lat: 1000.0 });
    let svg = render_checked(&map);
    let prefix = svg.split("<clipPath id=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(svg.contains(&format!("<g clip-path=\"url(#{prefix})\">")));
    assert!(svg.contains("<title>Area b"));
    assert!(svg.contains("<title>Area a"), "partly visible areas are drawn and clipped");
    assert!(!svg.contains("<title>Area far"), "areas outside the frame are left out");
}

#[test]
fn coordinates_are_compact() {
    let svg = render_checked(&spec(Classification::Hotspot, three_squares()));
    let data = svg.split("<path d=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(data.starts_with('M') && data.ends_with('z'), "{data}");
    for number in data.split(['M', 'l', 'z', ' ', '-']).filter(|n| !n.is_empty()) {
        let decimals = number.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 1, "{number} in {data}");
    }
    // Relative steps add up to the absolute corners: the first square spans the same width
    // as it is high.
    let square = &rings(data)[0];
    assert_eq!(square.len(), 4, "{square:?}");
    assert_eq!(
        square[1][0] - square[0][0],
        square[1][1].max(square[2][1]) - square[2][1].min(square[1][1])
    );
    assert_eq!(num(1.25), "1.3");
    assert_eq!(num(-0.04), "0");
    assert_eq!(num(-1.06), "-1.1");
    assert_eq!(num(12.0), "12");
}

#[test]
fn scale_bars_have_round_lengths() {
    for (max, expect) in [
        (1.0, 1.0),
        (1.9, 1.0),
        (2.0, 2.0),
        (4.99, 2.0),
        (5.0, 5.0),
        (9.99, 5.0),
        (10.0, 10.0),
        (730.0, 500.0),
        (1_999.0, 1000.0),
        (3_400.0, 2000.0),
        (0.3, 0.2),
    ] {
        assert_eq!(scale_bar_metres(max), expect, "max {max}");
    }
    assert_eq!(distance_label(500.0), "500 m");
    assert_eq!(distance_label(2000.0), "2 km");
    assert_eq!(distance_label(20_000.0), "20 km");
    assert_eq!(distance_label(1000.0), "1 km");
}

#[test]
fn the_scale_bar_on_the_map_matches_the_drawing() {
    // Three 1 km squares fill a frame about 490 px wide at width 800, so 1 km ≈ 160 px and a
    // third of the frame (≈ 163 px ≈ 1 km) gives a 1 km bar.
    let svg = render_checked(&spec(Classification::Hotspot, three_squares()));
    assert!(svg.contains(">1 km</text>"), "{svg}");
}

#[test]
fn screen_readers_get_a_title_and_a_description() {
    let svg = render_checked(&spec(Classification::Hotspot, three_squares()));
    let prefix = svg.split("<title id=\"").nth(1).unwrap().split('-').next().unwrap();
    assert!(svg.contains(&format!(
        r#"role="img" aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc""#
    )));
    assert!(svg.contains(&format!(r#"<title id="{prefix}-title">Hotspots</title>"#)));
    let desc = svg.split("-desc\">").nth(1).unwrap().split("</desc>").next().unwrap();
    for part in [
        "March 2021 to February 2022.",
        "A map of 3 areas, north at the top.",
        "Colours show Gi* hotspot: Hot spot, 99% confidence, 1 area;",
        "no data (hatched), 0 areas.",
        "Top hotspots: 1. High Street, 1,234, most often On or near High Street (87).",
        "Contains OS data",
    ] {
        assert!(desc.contains(part), "{part} not in {desc}");
    }
    assert!(svg.contains("font-family=\"system-ui,"));
}

#[test]
fn places_are_listed_and_marked() {
    let svg = render_checked(&spec(Classification::Hotspot, three_squares()));
    assert!(svg.contains("High Street (1,234)"));
    assert!(svg.contains("On or near High Street (87)"));
    // One marker on the map and one in the list.
    assert_eq!(svg.matches(">1</text>").count(), 2);
}

#[test]
fn quantile_breaks_follow_type_seven_and_drop_repeats() {
    assert_eq!(quantile_breaks(&[1.0, 2.0, 3.0, 4.0, 5.0], 4), [1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(quantile_breaks(&[1.0, 2.0, 3.0, 4.0], 2), [1.0, 2.5, 4.0]);
    assert_eq!(quantile_breaks(&[0.0, 0.0, 0.0, 0.0, 10.0], 4), [0.0, 10.0]);
    assert_eq!(quantile_breaks(&[7.0, 7.0], 3), [7.0, 7.0]);
    assert_eq!(quantile_breaks(&[f64::NAN, 3.0, 1.0, f64::INFINITY], 1), [1.0, 3.0]);
    assert!(quantile_breaks(&[], 3).is_empty());
    assert!(quantile_breaks(&[1.0], 0).is_empty());
}

#[test]
fn palettes_give_distinct_colours_light_to_dark() {
    for classes in 1..=9 {
        let colours = Palette::Blues.colours(classes);
        assert_eq!(colours.len(), classes);
        let mut unique = colours.clone();
        unique.dedup();
        assert_eq!(unique.len(), classes, "{colours:?}");
    }
    assert_eq!(Palette::Purples.colours(2), ["#eeebf4", "#3f007d"]);
    assert_eq!(Classification::hotspot_class(-3), Some(0));
    assert_eq!(Classification::hotspot_class(3), Some(6));
    assert_eq!(Classification::hotspot_class(4), None);
}

#[test]
fn small_helpers() {
    assert_eq!(legend_number(1234.0), "1,234");
    assert_eq!(legend_number(2.5), "2.5");
    assert_eq!(legend_number(0.126), "0.13");
    assert_eq!(legend_number(12.34), "12.3");
    assert_eq!(legend_number(-3.0), "-3");
    assert_eq!(wrap("one two three", 10.0, 30.0), ["one", "two", "three"]);
    assert_eq!(wrap("", 10.0, 40.0), Vec::<String>::new());
}

#[test]
fn markers_at_one_spot_are_moved_apart_with_a_leader_line() {
    let mut map = spec(Classification::Hotspot, three_squares());
    let mut second = map.places[0].clone();
    second.rank = 2;
    map.places.push(second);
    let svg = render_checked(&map);
    let centres: Vec<(f64, f64)> = svg
        .split("<circle cx=\"")
        .skip(1)
        .filter(|c| c.contains("r=\"10\""))
        .map(|c| {
            let mut numbers = c.split('"').step_by(2).map(|n| n.parse::<f64>().unwrap());
            (numbers.next().unwrap(), numbers.next().unwrap())
        })
        .collect();
    // Two on the map, two in the list.
    assert_eq!(centres.len(), 4, "{centres:?}");
    let (a, b) = (centres[0], centres[1]);
    assert!((a.0 - b.0).hypot(a.1 - b.1) >= 20.0, "{centres:?}");
    assert_eq!(svg.matches("r=\"2.5\"").count(), 1, "one leader line's dot");
}
