//! `safer assess` on the real Kent data for Maidstone: the HTML and the PDF hold the same
//! numbers as `safer compare --json`; the HTML renders in Chromium with no console errors and no
//! request to any other host, every section is screenshotted, and axe-core finds nothing.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::support::{failed, import_real_geography, ok, safer};

/// The PDF's text, extracted with pypdf; `None` (a skip) outside CI when pypdf is missing.
fn pdf_text(pdf: &Path) -> Option<String> {
    if !safer_test_utils::env::python_can_import("pypdf") {
        return None;
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, pypdf; r = pypdf.PdfReader(sys.argv[1]); \
             print('\\n'.join(p.extract_text() for p in r.pages))",
        ])
        .arg(pdf)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn maidstone_assessment_html_pdf_and_compare_agree() {
    let Some(data) = safer_test_utils::env::real_data_dir() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: no real data (set SAFER_REAL_DATA)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    import_real_geography(dir.path(), &data);
    let street = [
        data.join("police-uk-kent-2021-03_to_2022-03_Marilena97"),
        data.join("police-uk-kent-2022_karnmodi-BDML"),
    ];
    let town_centre = dir.path().join("town-centre.geojson");
    std::fs::write(
        &town_centre,
        json!({"type": "Polygon", "coordinates": [[[0.512, 51.266], [0.538, 51.266],
            [0.538, 51.283], [0.512, 51.283], [0.512, 51.266]]]})
        .to_string(),
    )
    .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let definition = root.join("surveys/public-2021.toml");
    let responses = dir.path().join("public.csv");
    ok(&safer(
        dir.path(),
        &[
            "synth",
            "survey",
            "--definition",
            definition.to_str().unwrap(),
            "--respondents",
            "1000",
            "--seed",
            "3",
            "--out",
            responses.to_str().unwrap(),
        ],
    ));
    let matrix = root.join("plans/maidstone-priority-matrix.toml");
    let config = dir.path().join("assessment.toml");
    let inputs: Vec<String> =
        street.iter().map(|p| format!("{:?}", p.display().to_string())).collect();
    std::fs::write(
        &config,
        format!(
            "title = \"Strategic assessment 2022\"\npartnership = \"Safer Maidstone Partnership\"\n\
             area = \"lad:E07000110\"\nbase = \"2021-03..2021-12\"\ncurrent = \"2022-03..2022-12\"\n\
             inputs = [{}]\npeers = [\"lad:E07000113\", \"lad:E07000115\"]\nharm = \"default\"\n\n\
             [hotspots]\ncrime_types = [\"Violence and sexual offences\"]\nzoom = \"town-centre.geojson\"\n\
             zoom_name = \"Town centre\"\n\n[[surveys]]\ndefinition = {:?}\nresponses = \"public.csv\"\n\n\
             [priorities]\nmatrix = {:?}\n",
            inputs.join(", "),
            definition.display().to_string(),
            matrix.display().to_string()
        ),
    )
    .unwrap();
    let html_path = dir.path().join("report.html");
    let pdf_path = dir.path().join("report.pdf");
    ok(&safer(
        dir.path(),
        &[
            "assess",
            "--config",
            config.to_str().unwrap(),
            "--out",
            html_path.to_str().unwrap(),
            "--pdf",
            pdf_path.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&html_path).unwrap();
    let sidecar: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();

    // The same comparison from `safer compare --json`.
    let mut args = vec!["compare", "--input"];
    args.extend(street.iter().map(|p| p.to_str().unwrap()));
    args.extend([
        "--area",
        "lad:E07000110",
        "--base",
        "2021-03..2021-12",
        "--current",
        "2022-03..2022-12",
        "--peer",
        "lad:E07000113;lad:E07000115",
        "--harm",
        "default",
        "--json",
    ]);
    let compare: Value = serde_json::from_str(&ok(&safer(dir.path(), &args))).unwrap();
    assert_eq!(sidecar["rows"], compare["rows"]);
    assert_eq!(sidecar["total"], compare["total"]);
    assert_eq!(sidecar["peers"], compare["peers"]);
    assert_eq!(compare["total"]["base"], 16_025);
    let pdf = pdf_text(&pdf_path);
    for row in std::iter::once(&compare["total"]).chain(compare["rows"].as_array().unwrap()) {
        let (base, current) = (row["base"].as_u64().unwrap(), row["current"].as_u64().unwrap());
        let cells = format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
            thousands(base),
            thousands(current)
        );
        assert!(html.contains(&cells), "{}: {cells}", row["crime_type"]);
        if let Some(pdf) = &pdf {
            let name = row["crime_type"].as_str().unwrap();
            let line = pdf
                .lines()
                .find(|l| l.contains(&thousands(base)) && l.contains(&thousands(current)))
                .unwrap_or_else(|| panic!("{name}: {base} and {current} not on one PDF line"));
            assert!(!line.is_empty());
        }
    }
    let maidstone_rate = compare["peers"]["areas"][0]["rate_per_1000"].as_f64().unwrap();
    assert!(html.contains(&format!("{maidstone_rate:.2}")));
    if let Some(pdf) = &pdf {
        assert!(pdf.contains(&format!("{maidstone_rate:.2}")));
        assert!(pdf.contains("Strategic assessment 2022"));
    }
    // Every section is there, and the appendix names the command behind the figures.
    for id in [
        "summary",
        "findings",
        "trends",
        "comparison",
        "peers",
        "hotspots",
        "concentration",
        "harm",
        "surveys",
        "priorities",
        "methods",
        "appendix",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(html.contains("safer compare --input"));
    assert!(html.contains("safer hotspots --input"));
    assert!(html.contains("Maidstone 004F"), "the town-centre hot spot is named");
    assert!(html.contains("safer survey analyse --definition"));
    assert!(html.contains("Recommended priorities:"));
    assert_eq!(sidecar["surveys"][0]["respondents"]["n"], 1000);
    // Without a survey results file, public concern comes straight from the survey's top issues.
    let asb_share = sidecar["surveys"][0]["top_issues"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "asb")
        .map(|o| o["estimate"]["share"].as_f64().unwrap())
        .unwrap();
    let asb = sidecar["priorities"]["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "anti-social-behaviour")
        .unwrap();
    let concern = asb["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["criterion"] == "public_concern")
        .unwrap();
    assert_eq!(concern["value"].as_f64(), Some(asb_share), "{concern}");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));

    // Chromium: no console errors, no request to any other host, each section screenshotted,
    // axe-core clean.
    let Some(browser) = safer_test_utils::browser::Browser::start() else { return };
    browser.goto(&format!("file://{}", html_path.display()));
    let requests = browser
        .execute("return performance.getEntriesByType('resource').map(e => e.name);", json!([]));
    for url in requests.as_array().unwrap() {
        let url = url.as_str().unwrap();
        assert!(url.starts_with("file:") || url.starts_with("data:"), "request to {url}");
    }
    let out = safer_test_utils::env::output_dir();
    for id in [
        "summary",
        "trends",
        "comparison",
        "peers",
        "hotspots",
        "surveys",
        "priorities",
        "appendix",
    ] {
        browser.execute(&format!("document.getElementById('{id}').scrollIntoView();"), json!([]));
        browser.screenshot(&out.join(format!("assess-{id}.png")));
    }
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    if let Some(violations) = browser.axe() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        assert!(list.is_empty(), "axe-core violations:\n{}", list.join("\n"));
    }
}

#[test]
fn bad_assessment_settings_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("assessment.toml");
    std::fs::write(
        &config,
        "title = \"x\"\narea = \"district:Maidstone\"\nbase = \"2021-03\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let err = failed(&safer(
        dir.path(),
        &["assess", "--config", config.to_str().unwrap(), "--out", "r.html"],
    ));
    assert!(err.contains("assessment.toml") && err.contains("colour"), "{err}");
    let err = failed(&safer(dir.path(), &["assess", "--out", "r.html"]));
    assert!(err.contains("--config"), "{err}");
}

#[test]
fn a_saved_assessment_rebuilds_from_its_stored_settings_through_the_web_assessor() {
    use std::sync::{Arc, Mutex};

    use safer_web::{Assessor, BuildStep};

    let dir = tempfile::tempdir().unwrap();
    let police = dir.path().join("police");
    ok(&safer(
        dir.path(),
        &[
            "synth",
            "police-uk",
            "--force",
            "synthetic",
            "--months",
            "24",
            "--rows-per-month",
            "300",
            "--start",
            "2021-01",
            "--out",
            police.to_str().unwrap(),
        ],
    ));
    // The settings live in their own folder and name the data relative to it.
    let settings_dir = dir.path().join("settings");
    std::fs::create_dir_all(&settings_dir).unwrap();
    let settings_file = settings_dir.join("assessment.toml");
    std::fs::write(
        &settings_file,
        "title = \"Saved assessment\"\narea = \"all\"\nbase = \"2021-01..2021-12\"\n\
         current = \"2022-01..2022-12\"\ninputs = [\"../police\"]\nharm = \"default\"\n\n\
         [hotspots]\nunits = \"points\"\nweights = \"knn:6\"\n",
    )
    .unwrap();
    let out = dir.path().join("report.html");
    let printed = ok(&safer(
        dir.path(),
        &[
            "assess",
            "--config",
            settings_file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--save",
        ],
    ));
    let id: i64 = printed
        .split("as assessment ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no id in: {printed}"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("safer.db").display());
        let store = safer_storage::Store::connect(&url).await.unwrap();
        let stored = store.assessment(id).await.unwrap().expect("saved");
        assert_eq!(stored.title, "Saved assessment");
        assert_eq!(stored.html, std::fs::read_to_string(&out).unwrap(), "the report as written");
        let settings = stored.settings.expect("saved with its settings");
        let table: toml::Table = settings.parse().unwrap();
        let input = table["inputs"][0].as_str().unwrap();
        assert!(Path::new(input).is_absolute(), "resolved: {settings}");
        assert!(Path::new(input).is_dir(), "{input}");
        assert_eq!(table["harm"].as_str(), Some("default"), "not a path: {settings}");
        assert_eq!(table["hotspots"]["weights"].as_str(), Some("knn:6"));

        // Rebuilt from the stored settings alone, by the web app's assessor, with another data
        // directory: the same report, and each step reported in order.
        let elsewhere = tempfile::tempdir().unwrap();
        let config = safer_cli::config::Config::for_database(elsewhere.path(), &url).unwrap();
        let assessor = safer_cli::commands::assess::WebAssessor::new(config);
        let steps = Arc::new(Mutex::new(Vec::<BuildStep>::new()));
        let seen = steps.clone();
        let built = assessor
            .assess(settings.clone(), Box::new(move |step| seen.lock().unwrap().push(step)))
            .await
            .expect("rebuilt");
        assert_eq!(built.title, "Saved assessment");
        assert_eq!(built.html, stored.html, "the same data gives the same report");
        assert_eq!(built.figures_json, stored.figures_json);
        assert_eq!(built.settings, settings, "resolved settings resolve to themselves");
        let steps = steps.lock().unwrap().clone();
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Loading the evidence and comparing periods and peers",
                "Finding hot spots",
                "Analysing the surveys",
                "Scoring the priorities",
                "Writing the report",
            ]
        );
        assert!(steps.iter().enumerate().all(|(i, s)| s.done as usize == i && s.total == 5));

        // A problem is a sentence for the page, not a panic.
        let broken = settings.replace("2022-01..2022-12", "2020-01..2020-12");
        let err = assessor.assess(broken, Box::new(|_| {})).await.unwrap_err();
        assert!(err.contains("base period"), "{err}");
        store.close().await;
    });
}
