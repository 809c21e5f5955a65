//! The shipped default harm weights file, read by the importer users' own files go through.

use safer_import::harm::parse_harm_weights;
use safer_import::police_uk::CRIME_TYPES;

const DEFAULT_CSV: &str =
    include_str!("../../../../data/harm/default-police-uk-category-weights.csv");

#[test]
fn the_default_file_is_clean_and_covers_every_police_uk_crime_type() {
    let parsed = parse_harm_weights(DEFAULT_CSV.as_bytes()).expect("the default file is accepted");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let types: Vec<&str> = parsed.weights.keys().map(String::as_str).collect();
    assert_eq!(types, CRIME_TYPES, "one weight for each of the 14 police.uk crime types");
    for (crime_type, weight) in &parsed.weights {
        let source = &parsed.sources[crime_type];
        assert!(source.source.contains("docs/harm.md"), "{crime_type}: {}", source.source);
        // A weight of 0 is an exclusion, and its note must say so and why.
        if *weight == 0.0 {
            assert!(source.note.starts_with("Excluded: "), "{crime_type}: {}", source.note);
        } else {
            assert!(*weight >= 1.0, "{crime_type}: {weight}");
        }
    }
    assert_eq!(parsed.weights["Anti-social behaviour"], 0.0);
}

#[test]
fn a_copy_edited_by_a_user_is_read_with_crlf_and_a_bom() {
    // What a spreadsheet makes of the file: a byte order mark, CRLF, every field quoted.
    let mut edited = String::from("\u{feff}");
    for line in DEFAULT_CSV.lines() {
        let quoted: Vec<String> = line.split(',').map(|field| format!("\"{field}\"")).collect();
        edited.push_str(&quoted.join(","));
        edited.push_str("\r\n");
    }
    let edited = edited.replacen("\"0.00\"", "\"0.5\"", 1);
    let parsed = parse_harm_weights(edited.as_bytes()).expect("accepted");
    let original = parse_harm_weights(DEFAULT_CSV.as_bytes()).unwrap();
    assert!(parsed.errors.is_empty() && parsed.warnings.is_empty());
    assert_eq!(parsed.weights["Anti-social behaviour"], 0.5);
    for crime_type in CRIME_TYPES.iter().filter(|t| **t != "Anti-social behaviour") {
        assert_eq!(parsed.weights[*crime_type], original.weights[*crime_type]);
        assert_eq!(parsed.sources[*crime_type], original.sources[*crime_type]);
    }
}
