use safer_import::police_uk::{
    parse_outcome_rows, parse_stop_search_rows, parse_street_rows, scan_street, FileKind, RowError,
    StreetRow, Warning, OUTCOMES_HEADER, STOP_AND_SEARCH_HEADER, STREET_HEADER,
};
use safer_import::Error;

const NAME: &str = "2022-01-kent-street.csv";
const ID: &str = "c72cf95ee7e81127c614d0bc968b6b1b56aa589e13e2c5b8386bb8648fc6feaa";

/// A good crime row in Maidstone.
fn crime(crime_type: &str) -> String {
    format!(
        "{ID},2022-01,Kent Police,Kent Police,0.522483,51.272316,On or near Week Street,\
         E01024403,Maidstone 001A,{crime_type},Under investigation,"
    )
}

/// A good anti-social behaviour row: no Crime ID, no outcome.
const ASB: &str = ",2022-01,Kent Police,Kent Police,0.522483,51.272316,On or near Week Street,\
E01024403,Maidstone 001A,Anti-social behaviour,,";

/// A good row with no geography.
fn no_location() -> String {
    format!("{ID},2022-01,Kent Police,Kent Police,,,No Location,,,Other crime,Unable to prosecute suspect,")
}

fn err(line: usize, field: Option<&'static str>, reason: &str) -> RowError {
    RowError { line, field, reason: reason.to_string() }
}

/// Reads `data` through both the columnar scan and the row parse, checks they agree row for
/// row and error for error, and returns the rows, errors and warnings.
#[track_caller]
fn read(data: &[u8]) -> (Vec<StreetRow>, Vec<RowError>, Vec<Warning>) {
    let parsed = parse_street_rows(NAME, data).expect("file-level error");
    let scanned = scan_street(NAME, data).expect("file-level error");
    let scanned_rows: Vec<StreetRow> =
        (0..scanned.columns.len()).map(|i| scanned.columns.row(i)).collect();
    assert_eq!(scanned_rows, parsed.rows, "the two paths disagree on rows");
    assert_eq!(scanned.errors, parsed.errors, "the two paths disagree on errors");
    assert_eq!(scanned.warnings, parsed.warnings, "the two paths disagree on warnings");
    assert_eq!(parsed.info.kind, FileKind::Street);
    (parsed.rows, parsed.errors, parsed.warnings)
}

fn file(lines: &[&str], eol: &str) -> Vec<u8> {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push_str(eol);
    }
    text.into_bytes()
}

#[test]
fn good_rows_asb_and_no_location() {
    let data = file(&[STREET_HEADER, &crime("Burglary"), ASB, &no_location()], "\n");
    let (rows, errors, warnings) = read(&data);
    assert_eq!(errors, []);
    assert_eq!(warnings, []);
    assert_eq!(rows.len(), 3);

    let burglary = &rows[0];
    assert_eq!(burglary.crime_id.as_deref(), Some(ID));
    assert_eq!(burglary.month.to_string(), "2022-01");
    assert_eq!(burglary.longitude, Some(0.522483));
    assert_eq!(burglary.latitude, Some(51.272316));
    assert_eq!(burglary.lsoa_code.as_deref(), Some("E01024403"));
    assert_eq!(burglary.lsoa_name.as_deref(), Some("Maidstone 001A"));
    assert_eq!(burglary.last_outcome_category.as_deref(), Some("Under investigation"));
    assert_eq!(burglary.context, None);

    let asb = &rows[1];
    assert_eq!(asb.crime_type, "Anti-social behaviour");
    assert_eq!((asb.crime_id.as_deref(), asb.last_outcome_category.as_deref()), (None, None));

    let nowhere = &rows[2];
    assert_eq!((nowhere.longitude, nowhere.latitude), (None, None));
    assert_eq!((nowhere.lsoa_code.as_deref(), nowhere.lsoa_name.as_deref()), (None, None));
    assert_eq!(nowhere.location, "No Location");
}

#[test]
fn crlf_lf_bom_and_missing_final_newline_read_the_same() {
    let lines = [STREET_HEADER, &crime("Burglary"), ASB, &no_location()];
    let (lf, ..) = read(&file(&lines, "\n"));
    let (crlf, ..) = read(&file(&lines, "\r\n"));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(file(&lines, "\r\n"));
    let (with_bom, ..) = read(&bom);
    let mut unterminated = file(&lines, "\r\n");
    unterminated.truncate(unterminated.len() - 2);
    let (no_final_newline, ..) = read(&unterminated);
    assert_eq!(lf.len(), 3);
    assert_eq!(crlf, lf);
    assert_eq!(with_bom, lf);
    assert_eq!(no_final_newline, lf);
}

#[test]
fn truncated_last_line() {
    let mut data = file(&[STREET_HEADER, &crime("Burglary"), &crime("Drugs")], "\r\n");
    data.extend_from_slice(format!("{ID},2022-01,Kent Po").as_bytes());
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 2);
    assert_eq!(errors, [err(4, None, "expected 12 fields, found 3")]);
}

#[test]
fn wrong_header_is_a_file_error() {
    let data = file(&[OUTCOMES_HEADER, &crime("Burglary")], "\n");
    for result in [parse_street_rows(NAME, &data).map(|_| ()), scan_street(NAME, &data).map(|_| ())]
    {
        let Err(Error::WrongHeader { kind, found, .. }) = result else {
            panic!("expected a wrong header error, got {result:?}");
        };
        assert_eq!(kind, FileKind::Street);
        assert_eq!(found, OUTCOMES_HEADER);
    }
    // A header with a column missing.
    let short = STREET_HEADER.replace(",Context", "");
    let data = file(&[&short, &crime("Burglary")], "\n");
    assert!(matches!(scan_street(NAME, &data), Err(Error::WrongHeader { .. })));
}

#[test]
fn empty_file_and_header_only() {
    assert_eq!(scan_street(NAME, b"").unwrap_err(), Error::EmptyFile);
    assert_eq!(parse_street_rows(NAME, b"").unwrap_err(), Error::EmptyFile);
    assert_eq!(scan_street(NAME, b"").unwrap_err().to_string(), "empty file");
    let (rows, errors, _) = read(STREET_HEADER.as_bytes());
    assert_eq!((rows.len(), errors.len()), (0, 0));
}

#[test]
fn wrong_kind_and_name() {
    let data = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    let Err(Error::WrongKind { expected, found, .. }) =
        parse_outcome_rows("2022-01-kent-street.csv", &data)
    else {
        panic!("expected a wrong kind error");
    };
    assert_eq!((expected, found), (FileKind::Outcomes, FileKind::Street));
    assert!(matches!(scan_street("kent.csv", &data), Err(Error::UnrecognisedFileName { .. })));
}

#[test]
fn invalid_utf8_names_the_field() {
    let mut data = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    let bad_row = crime("Drugs").replace("Week Street", "W\u{1}ek Street").into_bytes();
    let bad_row: Vec<u8> = bad_row.into_iter().map(|b| if b == 1 { 0xFF } else { b }).collect();
    data.extend_from_slice(&bad_row);
    data.extend_from_slice(b"\n");
    data.extend_from_slice(crime("Robbery").as_bytes());
    let (rows, errors, _) = read(&data);
    assert_eq!(
        rows.iter().map(|r| r.crime_type.as_str()).collect::<Vec<_>>(),
        ["Burglary", "Robbery"]
    );
    assert_eq!(errors, [err(3, Some("Location"), "invalid UTF-8")]);
}

#[test]
fn bad_coordinates() {
    let row = |lon: &str, lat: &str| {
        crime("Burglary").replace("0.522483,51.272316", &format!("{lon},{lat}"))
    };
    let data = file(
        &[
            STREET_HEADER,
            &row("abc", "51.272316"),
            &row("0.522483", "51,2"),
            &row("0.522483", "95.0"),
            &row("0.522483", ""),
            &row("", "51.272316"),
            &row("NaN", "inf"),
            &row("-0.5", "51.5"),
            &row("", ""),
        ],
        "\n",
    );
    let (rows, errors, _) = read(&data);
    assert_eq!(
        errors,
        [
            err(2, Some("Longitude"), "not a number: `abc`"),
            // "51,2" splits into two fields, so the row has 13.
            err(3, None, "expected 12 fields, found 13"),
            err(4, Some("Latitude"), "95 is out of range (49 to 61)"),
            err(5, Some("Latitude"), "empty while Longitude is given"),
            err(6, Some("Longitude"), "empty while Latitude is given"),
            err(7, Some("Longitude"), "not a number: `NaN`"),
            err(7, Some("Latitude"), "not a number: `inf`"),
        ]
    );
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].longitude, rows[0].latitude), (Some(-0.5), Some(51.5)));
    assert_eq!((rows[1].longitude, rows[1].latitude), (None, None));
}

#[test]
fn quoted_commas_newlines_and_escapes() {
    let quoted_comma = crime("Burglary")
        .replace("On or near Week Street", "\"On or near Week Street, Maidstone\"");
    let quoted_newline = crime("Drugs").replace("Under investigation", "\"Under\ninvestigation\"");
    let escaped = crime("Robbery").replace("On or near Week Street", "\"The \"\"Mall\"\"\"");
    let data = file(&[STREET_HEADER, &quoted_comma, &quoted_newline, &escaped, "bad,row"], "\r\n");
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].location, "On or near Week Street, Maidstone");
    assert_eq!(rows[1].last_outcome_category.as_deref(), Some("Under\ninvestigation"));
    assert_eq!(rows[2].location, "The \"Mall\"");
    // The quoted newline makes row 3 span lines 3 and 4, so the robbery starts on line 5.
    assert_eq!(errors, [err(6, None, "expected 12 fields, found 2")]);
}

#[test]
fn blank_lines_are_skipped_and_counted() {
    let data = file(&[STREET_HEADER, "", &crime("Burglary"), "", "", "short,row", ""], "\r\n");
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(errors, [err(6, None, "expected 12 fields, found 2")]);
}

#[test]
fn month_checks() {
    let data = file(
        &[
            STREET_HEADER,
            &crime("Burglary").replace(",2022-01,", ",2022-02,"),
            &crime("Burglary").replace(",2022-01,", ",Jan-22,"),
            &crime("Burglary"),
        ],
        "\n",
    );
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        errors,
        [
            err(2, Some("Month"), "2022-02 is not the file's month 2022-01"),
            err(3, Some("Month"), "not a month (YYYY-MM): `Jan-22`"),
        ]
    );
}

#[test]
fn lsoa_code_and_crime_type_checks() {
    let data = file(
        &[
            STREET_HEADER,
            &crime("Burglary").replace("E01024403", "E0102440"),
            &crime("Burglary").replace("E01024403", "S01000001"),
            &crime(""),
            &crime("").replace("E01024403", "X"),
        ],
        "\n",
    );
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 0);
    let code_reason =
        |code: &str| format!("not an LSOA code (E01 or W01 and six digits): `{code}`");
    assert_eq!(
        errors,
        [
            err(2, Some("LSOA code"), &code_reason("E0102440")),
            err(3, Some("LSOA code"), &code_reason("S01000001")),
            err(4, Some("Crime type"), "empty"),
            err(5, Some("LSOA code"), &code_reason("X")),
            err(5, Some("Crime type"), "empty"),
        ]
    );
}

#[test]
fn unterminated_quote_at_end_of_file() {
    let mut data = file(&[STREET_HEADER, &crime("Burglary")], "\n");
    data.extend_from_slice(
        crime("Drugs").replace("On or near Week Street", "\"On or near Week").as_bytes(),
    );
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(errors, [err(3, Some("Location"), "unterminated quote")]);
}

#[test]
fn text_after_a_closing_quote() {
    let bad = crime("Drugs").replace("On or near Week Street", "\"On or near\" Week Street");
    let data = file(&[STREET_HEADER, &bad, &crime("Burglary")], "\n");
    let (rows, errors, _) = read(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(errors, [err(2, Some("Location"), "text after a closing quote")]);
}

#[test]
fn unknown_crime_type_is_kept_with_a_warning() {
    let data = file(
        &[STREET_HEADER, &crime("Burglary"), &crime("Fraud"), &crime("Drugs"), &crime("Fraud")],
        "\n",
    );
    let (rows, errors, warnings) = read(&data);
    assert_eq!((rows.len(), errors.len()), (4, 0));
    assert_eq!(
        warnings,
        [Warning::UnknownCrimeType { crime_type: "Fraud".to_string(), n_rows: 2, first_line: 3 }]
    );
    assert_eq!(warnings[0].to_string(), "unknown crime type `Fraud` in 2 row(s), first on line 3");
}

#[test]
fn row_error_display() {
    assert_eq!(
        err(7, Some("Longitude"), "not a number: `abc`").to_string(),
        "line 7, Longitude: not a number: `abc`"
    );
    assert_eq!(
        err(4, None, "expected 12 fields, found 3").to_string(),
        "line 4: expected 12 fields, found 3"
    );
}

#[test]
fn outcomes_rows() {
    let name = "2021-03-kent-outcomes.csv";
    let good = format!(
        "{ID},2021-03,Kent Police,Kent Police,0.522483,51.272316,On or near Week Street,\
         E01024403,Maidstone 001A,Offender given a caution"
    );
    let nowhere =
        format!("{ID},2021-03,Kent Police,Kent Police,,,No location,,,Court result unavailable");
    let no_id = good.replace(ID, "");
    let no_outcome = good.replace("Offender given a caution", "");
    let data = file(&[OUTCOMES_HEADER, &good, &nowhere, &no_id, &no_outcome], "\r\n");
    let parsed = parse_outcome_rows(name, &data).unwrap();
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rows[0].outcome_type, "Offender given a caution");
    assert_eq!(parsed.rows[1].lsoa_code, None);
    assert_eq!(
        parsed.errors,
        [err(4, Some("Crime ID"), "empty"), err(5, Some("Outcome type"), "empty"),]
    );
}

#[test]
fn stop_and_search_rows() {
    let name = "2021-03-kent-stop-and-search.csv";
    let good = "Person search,2021-03-01T10:20:00+00:00,False,,51.272316,0.522483,Male,18-24,\
                White - English/Welsh/Scottish/Northern Irish/British,White,\
                Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,,";
    let no_location =
        "Vehicle search,2021-03-05T00:00:00+00:00,,,,,,,,,,Stolen goods,Arrest,True,False";
    let wrong_month = good.replace("2021-03-01", "2021-04-01");
    let bad_flag = good.replace(",False,", ",Maybe,");
    let swapped = good.replace("51.272316,0.522483", "0.522483,51.272316");
    let data =
        file(&[STOP_AND_SEARCH_HEADER, good, no_location, &wrong_month, &bad_flag, &swapped], "\n");
    let parsed = parse_stop_search_rows(name, &data).unwrap();
    assert_eq!(parsed.rows.len(), 2);
    let first = &parsed.rows[0];
    assert_eq!((first.latitude, first.longitude), (Some(51.272316), Some(0.522483)));
    assert_eq!(first.part_of_policing_operation, Some(false));
    assert_eq!(first.outcome_linked_to_object_of_search, None);
    assert_eq!(first.legislation.as_deref(), Some("Misuse of Drugs Act 1971 (section 23)"));
    let second = &parsed.rows[1];
    assert_eq!((second.kind.as_str(), second.latitude), ("Vehicle search", None));
    assert_eq!(second.outcome_linked_to_object_of_search, Some(true));
    assert_eq!(second.removal_of_more_than_outer_clothing, Some(false));
    assert_eq!(
        parsed.errors,
        [
            err(4, Some("Date"), "2021-04-01 is not in the file's month 2021-03"),
            err(
                5,
                Some("Part of a policing operation"),
                "expected True, False or empty, found `Maybe`"
            ),
            err(6, Some("Latitude"), "0.522483 is out of range (49 to 61)"),
            err(6, Some("Longitude"), "51.272316 is out of range (-11 to 3)"),
        ]
    );
}
