//! Point in polygon on real data: the Maidstone LSOA (2011) boundaries, read with
//! `safer_import::geojson`, indexed with `safer_analytics::spatial::AreaIndex`, against the
//! LSOA code police.uk gives each Kent street row of March 2021.
//!
//! police.uk assigns the LSOA from a crime's true location and then moves the point to an
//! anonymous snap point, which can lie in a neighbouring LSOA; so a large majority, not all, of
//! the rows fall in the polygon of the LSOA they name.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use safer_analytics::spatial::AreaIndex;
use safer_import::geojson::read_features;

const LSOA_FILE: &str =
    "boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON/lsoa_by_lad/E07000110.json";
const STREET_FILE: &str =
    "police-uk-kent-2021-03_to_2022-03_Marilena97/2021-03/2021-03-kent-street.csv";

/// A street row's position and the LSOA police.uk gives it.
struct Row {
    point: [f64; 2],
    lsoa_code: String,
    lsoa_name: String,
}

#[test]
fn maidstone_rows_fall_in_the_lsoa_they_name() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        return; // real_data_dir fails under CI when the data is missing
    };
    let bytes = std::fs::read(data.join(LSOA_FILE)).unwrap();
    let features = read_features(LSOA_FILE, &bytes).unwrap_or_else(|err| panic!("{err}"));
    let codes: Vec<String> = features.iter().map(|f| f.properties["LSOA11CD"].clone()).collect();
    let index = AreaIndex::new(features.into_iter().map(|f| f.geometry).collect());
    assert_eq!(index.len(), 95);

    let mut reader = csv::Reader::from_path(data.join(STREET_FILE)).unwrap();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let (Ok(lon), Ok(lat)) = (record[4].parse::<f64>(), record[5].parse::<f64>()) else {
            continue; // rows without a location
        };
        rows.push(Row {
            point: [lon, lat],
            lsoa_code: record[7].into(),
            lsoa_name: record[8].into(),
        });
    }
    assert_eq!(rows.len(), 17_887 - 213, "located Kent rows of 2021-03");

    let points: Vec<[f64; 2]> = rows.iter().map(|row| row.point).collect();
    let started = Instant::now();
    let located = index.locate_all(&points);
    let locate_all_ms = started.elapsed().as_secs_f64() * 1e3;
    // The same answers one point at a time.
    for (point, answer) in points.iter().zip(&located) {
        assert_eq!(index.locate(point[0], point[1]), *answer);
    }

    let mut n_maidstone = 0;
    let mut n_same_lsoa = 0;
    let mut n_outside_district = 0;
    let mut n_others_inside = 0;
    let mut misplaced: HashMap<&str, usize> = HashMap::new();
    for (row, answer) in rows.iter().zip(&located) {
        let in_maidstone = row.lsoa_name.starts_with("Maidstone ");
        match (in_maidstone, answer) {
            (true, Some(idx)) if codes[*idx] == row.lsoa_code => n_same_lsoa += 1,
            (true, Some(_)) => *misplaced.entry(row.lsoa_code.as_str()).or_default() += 1,
            (true, None) => n_outside_district += 1,
            (false, Some(_)) => n_others_inside += 1,
            (false, None) => {}
        }
        n_maidstone += usize::from(in_maidstone);
    }
    assert_eq!(n_maidstone, 1629 - rows_without_location_in_maidstone(&data));
    let n_distinct =
        points.iter().map(|p| [p[0].to_bits(), p[1].to_bits()]).collect::<HashSet<_>>().len();
    let share = n_same_lsoa as f64 / n_maidstone as f64;
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{n_same_lsoa} of {n_maidstone} Maidstone rows ({:.1}%) in the LSOA they name; \
             {} in another Maidstone LSOA, {n_outside_district} outside the district; \
             {n_others_inside} rows of other districts inside Maidstone; located {} points \
             ({} distinct) in {locate_all_ms:.1} ms",
            share * 100.0,
            misplaced.values().sum::<usize>(),
            points.len(),
            n_distinct,
        );
    }
    assert!(share > 0.95, "only {:.1}% of Maidstone rows in their LSOA", share * 100.0);
    assert!(n_others_inside * 100 < n_maidstone, "{n_others_inside} other rows inside");
}

/// Maidstone rows of the file that have no longitude and latitude.
fn rows_without_location_in_maidstone(data: &std::path::Path) -> usize {
    let mut reader = csv::Reader::from_path(data.join(STREET_FILE)).unwrap();
    reader
        .records()
        .map(Result::unwrap)
        .filter(|record| record[8].starts_with("Maidstone ") && record[4].is_empty())
        .count()
}
