//! `safer assess`: the strategic assessment as one self-contained HTML document (and a PDF for
//! committee papers), built from the same code paths as `safer compare`, `safer findings` and
//! `safer hotspots`, so every figure in it can be reproduced with the command the appendix
//! names.
//!
//! The HTML inlines its styles and SVG charts and maps and makes no request to any other host.
//! The PDF is that HTML printed by headless Chromium: Chromium is already what the web pages
//! are tested in (so the PDF is the page a reader sees, with the same fonts and SVG rendering),
//! it is a Debian package, and it adds no Rust dependency; typst would mean a second layout of
//! every section and its own SVG support.
//!
//! The settings are stored with the report (`--save`, the demo, the web app) resolved: every
//! path made absolute, so the report can be built again from anywhere. [`WebAssessor`] is the
//! web app's [`safer_web::Assessor`]: the same build, reporting its steps as it goes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_analytics::chart::{funnel_plot, line_chart, FunnelPlot, FunnelPoint, LineChart, Series};
use safer_analytics::compare::ComparisonRow;
use safer_analytics::findings::{format_count, key_findings, FindingsConfig};
use serde::Deserialize;

use crate::cli::{AssessArgs, CompareArgs, HotspotsArgs, PrioritiesArgs};
use crate::commands::evidence::{
    format_p, format_pct_change, format_signed, peer_findings, verdict, Evidence, METHOD,
};
use crate::commands::hotspots::{self, zoom_extent};
use crate::commands::indicators;
use crate::commands::open_store;
use crate::commands::{priorities, survey};
use crate::config::Config;
use safer_analytics::priority::PriorityReport;
use safer_analytics::survey::{Estimate, SurveyReport};
use safer_storage::NewAssessment;

/// The assessment's settings (`--config FILE`, TOML). Paths are relative to the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessConfig {
    /// The report's title.
    title: String,
    /// Who it is for, such as "Safer Maidstone Partnership".
    partnership: Option<String>,
    /// The area selector.
    area: String,
    /// The base period, `YYYY-MM..YYYY-MM`.
    base: String,
    /// The current period.
    current: String,
    /// police.uk files or folders; the database when empty.
    #[serde(default)]
    inputs: Vec<PathBuf>,
    /// Peer area selectors.
    #[serde(default)]
    peers: Vec<String>,
    /// `default` or a harm weights file.
    harm: Option<String>,
    /// The hot-spot section; left out when absent.
    hotspots: Option<HotspotsConfig>,
    /// Surveys to report ("what residents and young people told us").
    #[serde(default)]
    surveys: Vec<SurveyConfig>,
    /// The priority matrix section; left out when absent.
    priorities: Option<PrioritiesConfig>,
}

/// `[[surveys]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SurveyConfig {
    /// The survey definition (TOML; docs/survey-format.md).
    definition: PathBuf,
    /// This year's responses (CSV).
    responses: PathBuf,
    /// Last year's responses, for changes.
    previous: Option<PathBuf>,
}

/// `[priorities]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrioritiesConfig {
    /// The matrix (TOML; docs/priority-matrix.md).
    matrix: PathBuf,
    /// Survey top-issue shares as JSON, for public concern.
    survey_results: Option<PathBuf>,
}

/// `[hotspots]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HotspotsConfig {
    /// Crime types to map (all when empty).
    #[serde(default)]
    crime_types: Vec<String>,
    /// Units, as `--units` [default: lsoa].
    units: Option<String>,
    /// Weights, as `--weights` [default: contiguity].
    weights: Option<String>,
    /// A polygon (GeoJSON) to draw a second, zoomed map of, such as the town centre.
    zoom: Option<PathBuf>,
    /// What the zoomed map is called, such as "Town centre".
    zoom_name: Option<String>,
}

/// The hot-spot section's material: the analysis, the borough map, the zoomed map and its
/// name, and the command that reproduces it.
struct HotspotSection {
    analysis: hotspots::Analysis,
    borough: String,
    zoomed: Option<String>,
    zoom_name: Option<String>,
    command: String,
}

/// One figure in the report and how to reproduce it.
#[derive(Debug, serde::Serialize)]
struct Traced {
    section: &'static str,
    figure: String,
    value: String,
    command: String,
}

/// `safer assess`.
pub async fn run(config: &Config, file: &Path, args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let report = build_file(config, file).await?;
    std::fs::write(&args.out, &report.html)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let sidecar = args.out.with_extension("json");
    std::fs::write(&sidecar, serde_json::to_string_pretty(&report.json)?)
        .with_context(|| format!("cannot write {}", sidecar.display()))?;
    println!("wrote “{}” to {} and {}", report.title, args.out.display(), sidecar.display());
    if let Some(pdf) = &args.pdf {
        print_pdf(&args.out, pdf)?;
        println!("wrote {}", pdf.display());
    }
    if args.save {
        let store = open_store(config).await?;
        let figures_json = serde_json::to_string(&report.json)?;
        let assessment = NewAssessment {
            title: &report.title,
            html: &report.html,
            figures_json: &figures_json,
            settings: Some(&report.settings),
        };
        let saved = store.save_assessment(&assessment, crate::now()).await;
        store.close().await;
        let id = saved?;
        println!("saved it in the database as assessment {id}, with its settings");
    }
    Ok(ExitCode::SUCCESS)
}

/// The build's steps, in the order it reports them. Loading the evidence also compares the
/// periods and the peers: `Evidence::load` does both in one pass, as `safer compare` does.
pub(crate) const STEPS: [&str; 5] = [
    "Loading the evidence and comparing periods and peers",
    "Finding hot spots",
    "Analysing the surveys",
    "Scoring the priorities",
    "Writing the report",
];

/// Told each step as it starts: its name, how many steps are done, and how many there are.
pub(crate) type OnStep<'a> = &'a (dyn Fn(&'static str, u32, u32) + Send + Sync);

fn report_step(on_step: OnStep<'_>, index: usize) {
    on_step(STEPS[index], index as u32, STEPS.len() as u32);
}

/// The web app's assessor: builds with `build` on a blocking thread (the counting and the
/// permutations are CPU work that must not hold up the server's request threads), relative
/// paths in the settings taken against the data directory.
#[derive(Debug, Clone)]
pub struct WebAssessor {
    config: Config,
}

impl WebAssessor {
    /// An assessor reading the database and data directory `config` names.
    pub fn new(config: Config) -> WebAssessor {
        WebAssessor { config }
    }
}

impl safer_web::Assessor for WebAssessor {
    fn assess(&self, settings: String, progress: safer_web::Progress) -> safer_web::AssessFuture {
        let config = self.config.clone();
        let runtime = tokio::runtime::Handle::current();
        Box::pin(async move {
            let built = tokio::task::spawn_blocking(move || {
                let on_step = |name: &'static str, done: u32, total: u32| {
                    progress(safer_web::BuildStep { name: name.to_string(), done, total })
                };
                let dir = config.data_dir.clone();
                runtime.block_on(build(&config, &settings, "the settings", &dir, &on_step))
            })
            .await
            .map_err(|err| format!("the build stopped unexpectedly ({err})"))?
            .map_err(|err| format!("{err:#}"))?;
            Ok(safer_web::BuiltAssessment {
                figures_json: serde_json::to_string(&built.json).map_err(|err| err.to_string())?,
                title: built.title,
                html: built.html,
                settings: built.settings,
            })
        })
    }
}

/// A built assessment: the self-contained HTML and the JSON of every figure.
#[derive(Debug)]
pub(crate) struct Built {
    /// The report's title.
    pub(crate) title: String,
    /// The HTML document.
    pub(crate) html: String,
    /// The figures, with the commands that reproduce them.
    pub(crate) json: serde_json::Value,
    /// The settings, resolved (every path absolute), to store with the report.
    pub(crate) settings: String,
}

/// Builds the assessment described by the settings file `file` (paths in it are relative to
/// it), from the inputs it names or the database.
pub(crate) async fn build_file(config: &Config, file: &Path) -> anyhow::Result<Built> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    build(config, &text, &file.display().to_string(), &dir, &|_, _, _| {}).await
}

/// The settings `text` with every path in them made absolute against `dir`: police.uk inputs,
/// a harm file, `polygon:` areas and peers, the zoom polygon, survey files and the priority
/// matrix and results. Shape problems are reported against `text`'s own lines, as from
/// `origin`.
pub(crate) fn resolve_settings(text: &str, origin: &str, dir: &Path) -> anyhow::Result<String> {
    toml::from_str::<AssessConfig>(text)
        .map_err(|err| anyhow::anyhow!("{origin}: {}", err.to_string().trim()))?;
    let dir = std::path::absolute(dir)
        .with_context(|| format!("cannot make {} absolute", dir.display()))?;
    let absolute = |path: &str| -> String {
        if Path::new(path).is_absolute() {
            path.to_string()
        } else {
            dir.join(path).display().to_string()
        }
    };
    let fix = |value: &mut toml::Value| {
        if let Some(path) = value.as_str() {
            *value = toml::Value::String(absolute(path));
        }
    };
    let fix_selector = |value: &mut toml::Value| {
        if let Some(path) = value.as_str().and_then(|s| s.strip_prefix("polygon:")) {
            *value = toml::Value::String(format!("polygon:{}", absolute(path)));
        }
    };
    let fix_keys = |table: Option<&mut toml::Value>, keys: &[&str]| {
        if let Some(table) = table.and_then(toml::Value::as_table_mut) {
            for key in keys {
                if let Some(value) = table.get_mut(*key) {
                    fix(value);
                }
            }
        }
    };
    let mut table: toml::Table = text
        .parse()
        .map_err(|err: toml::de::Error| anyhow::anyhow!("{origin}: {}", err.to_string().trim()))?;
    if let Some(inputs) = table.get_mut("inputs").and_then(toml::Value::as_array_mut) {
        inputs.iter_mut().for_each(fix);
    }
    if let Some(harm) = table.get_mut("harm").filter(|h| h.as_str() != Some("default")) {
        fix(harm);
    }
    if let Some(area) = table.get_mut("area") {
        fix_selector(area);
    }
    if let Some(peers) = table.get_mut("peers").and_then(toml::Value::as_array_mut) {
        peers.iter_mut().for_each(fix_selector);
    }
    fix_keys(table.get_mut("hotspots"), &["zoom"]);
    fix_keys(table.get_mut("priorities"), &["matrix", "survey_results"]);
    if let Some(surveys) = table.get_mut("surveys").and_then(toml::Value::as_array_mut) {
        for survey in surveys {
            fix_keys(Some(survey), &["definition", "responses", "previous"]);
        }
    }
    Ok(table.to_string())
}

/// Builds the assessment the settings `text` describe (relative paths in them are taken
/// against `dir`; `origin` names them in errors), from the inputs they name or the database,
/// telling `on_step` each step as it starts.
pub(crate) async fn build(
    config: &Config,
    text: &str,
    origin: &str,
    dir: &Path,
    on_step: OnStep<'_>,
) -> anyhow::Result<Built> {
    report_step(on_step, 0);
    let resolved = resolve_settings(text, origin, dir)?;
    let settings: AssessConfig = toml::from_str(&resolved)
        .map_err(|err| anyhow::anyhow!("{origin}: {}", err.to_string().trim()))?;
    // Every path is absolute now.
    let resolve = |path: &PathBuf| path.clone();
    let inputs: Vec<PathBuf> = settings.inputs.iter().map(resolve).collect();
    let input_text = if inputs.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        format!(" --input {}", list.join(" "))
    };
    let compare_args = CompareArgs {
        inputs: inputs.clone(),
        area: settings.area.clone(),
        base: settings.base.clone(),
        current: settings.current.clone(),
        peers: settings.peers.clone(),
        indicators: None,
        harm: settings.harm.clone(),
        json: true,
    };
    let evidence = Evidence::load(config, &compare_args).await?;
    let compare_command = format!(
        "safer compare{input_text} --area {} --base {} --current {}{}{} --json",
        settings.area,
        settings.base,
        settings.current,
        settings.peers.iter().map(|p| format!(" --peer {p}")).collect::<String>(),
        settings.harm.as_ref().map_or(String::new(), |h| format!(" --harm {h}"))
    );

    report_step(on_step, 1);
    let hotspots = match &settings.hotspots {
        None => None,
        Some(spots) => {
            let hotspot_args = HotspotsArgs {
                inputs: inputs.clone(),
                area: settings.area.clone(),
                period: settings.current.clone(),
                previous: Some(settings.base.clone()),
                crime_types: spots.crime_types.clone(),
                units: spots.units.clone().unwrap_or_else(|| "lsoa".to_string()),
                boundaries: None,
                id_field: None,
                name_field: None,
                assign: None,
                weights: spots.weights.clone().unwrap_or_else(|| "contiguity".to_string()),
                row_standardise: false,
                save_weights: None,
                method: "gi-star".to_string(),
                bandwidth: None,
                permutations: 999,
                seed: 1,
                fdr: false,
                harm: None,
                json: true,
                svg: None,
                zoom: None,
                geojson: None,
                top: 5,
            };
            let analysis = hotspots::analyse(config, &hotspot_args).await?;
            let borough = analysis.map_svg(5, None);
            let zoomed = match &spots.zoom {
                Some(path) => Some(analysis.map_svg(5, Some(zoom_extent(&resolve(path))?))),
                None => None,
            };
            let types: String =
                spots.crime_types.iter().map(|t| format!(" --crime-type \"{t}\"")).collect();
            let command = format!(
                "safer hotspots{input_text} --area {} --period {} --previous {}{types} --units {} \
                 --weights {} --method gi-star --permutations 999 --seed 1 --json",
                settings.area,
                settings.current,
                settings.base,
                hotspot_args.units,
                hotspot_args.weights
            );
            Some(HotspotSection {
                analysis,
                borough,
                zoomed,
                zoom_name: spots.zoom_name.clone(),
                command,
            })
        }
    };

    report_step(on_step, 2);
    let mut surveys = Vec::new();
    for survey in &settings.surveys {
        let report = survey::analyse_files(
            &resolve(&survey.definition),
            &resolve(&survey.responses),
            survey.previous.as_ref().map(resolve).as_deref(),
        )?;
        let command = format!(
            "safer survey analyse --definition {} --responses {}{} --json",
            resolve(&survey.definition).display(),
            resolve(&survey.responses).display(),
            survey
                .previous
                .as_ref()
                .map_or(String::new(), |p| format!(" --previous {}", resolve(p).display()))
        );
        surveys.push((report, command));
    }
    // Without a survey results file, public concern comes straight from the first survey's
    // top-issue ranking: each option's share of respondents.
    let derived = tempfile::tempdir().context("cannot make a scratch folder")?;
    report_step(on_step, 3);
    let priorities = match &settings.priorities {
        None => None,
        Some(p) => {
            let survey_results = match (&p.survey_results, surveys.first()) {
                (Some(path), _) => Some(resolve(path)),
                (None, Some((report, _))) => match report.top_issues.first() {
                    Some(issues) => {
                        let shares: std::collections::BTreeMap<&str, f64> = issues
                            .options
                            .iter()
                            .filter_map(|o| {
                                o.estimate.proportion().map(|p| (o.id.as_str(), p.share))
                            })
                            .collect();
                        let path =
                            derived.path().join(format!("{}-top-issues.json", report.survey));
                        std::fs::write(&path, serde_json::to_string_pretty(&shares)?)
                            .with_context(|| format!("cannot write {}", path.display()))?;
                        Some(path)
                    }
                    None => None,
                },
                (None, None) => None,
            };
            let args = PrioritiesArgs {
                matrix: resolve(&p.matrix),
                inputs: inputs.clone(),
                base: settings.base.clone(),
                current: settings.current.clone(),
                survey_results,
                json: true,
            };
            let command = format!(
                "safer priorities --matrix {}{input_text} --base {} --current {}{} --json",
                args.matrix.display(),
                settings.base,
                settings.current,
                args.survey_results
                    .as_ref()
                    .map_or(String::new(), |f| format!(" --survey-results {}", f.display()))
            );
            Some((priorities::rank(config, &args).await?, command))
        }
    };

    // The survey and priority sections are rendered first so that their figures are in the
    // appendix, which `render` writes last.
    report_step(on_step, 4);
    let mut extra_traced = Vec::new();
    let extra = render_surveys_and_priorities(&surveys, priorities.as_ref(), &mut extra_traced);
    let mut traced = Vec::new();
    let mut html = render(
        &settings,
        &evidence,
        hotspots.as_ref(),
        &compare_command,
        extra_traced,
        &mut traced,
    );
    // The survey and priority sections go before the methods.
    if let Some(at) = html.find("<section id=\"methods\">") {
        html.insert_str(at, &extra.body);
    }
    if let Some(at) = html.find("<li><a href=\"#methods\">") {
        html.insert_str(at, &extra.contents);
    }
    let json = serde_json::json!({
        "title": settings.title,
        "area": settings.area,
        "base": evidence.comparison.base,
        "current": evidence.comparison.current,
        "rows": evidence.comparison.rows,
        "total": evidence.comparison.total,
        "population": evidence.area.population,
        "peers": evidence.peers,
        "harm": evidence.harm,
        "monthly": evidence.monthly,
        "hotspots": hotspots.as_ref().map(|h| &h.analysis.report),
        "surveys": surveys.iter().map(|(report, _)| report).collect::<Vec<_>>(),
        "priorities": priorities.as_ref().map(|(report, _)| report),
        "figures": traced,
    });
    Ok(Built { title: settings.title.clone(), html, json, settings: resolved })
}

/// Prints the HTML to PDF with headless Chromium (`SAFER_CHROMIUM`, else /usr/bin/chromium).
fn print_pdf(html: &Path, pdf: &Path) -> anyhow::Result<()> {
    let chromium =
        std::env::var("SAFER_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    if !Path::new(&chromium).exists() {
        bail!(
            "--pdf prints the report with headless Chromium, which is not at {chromium}; install \
             Debian's chromium package or set SAFER_CHROMIUM"
        );
    }
    let html =
        std::fs::canonicalize(html).with_context(|| format!("cannot find {}", html.display()))?;
    let pdf_abs =
        if pdf.is_absolute() { pdf.to_path_buf() } else { std::env::current_dir()?.join(pdf) };
    let profile = tempfile::tempdir().context("cannot make a Chromium profile folder")?;
    let output = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf_abs.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .with_context(|| format!("cannot run {chromium}"))?;
    if !output.status.success() || !pdf_abs.exists() {
        bail!(
            "Chromium could not print the PDF: {}",
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("no message")
        );
    }
    Ok(())
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A signed count with a true minus sign for print: `+219`, `−908`, `0`.
fn signed(n: i64) -> String {
    format_signed(n).replace('-', "−")
}

/// A % change with a true minus sign for print, or `n/a`.
fn pct(p: Option<f64>) -> String {
    p.map_or("n/a".to_string(), |p| format_pct_change(p).replace('-', "−"))
}

/// `YYYY-MM..YYYY-MM` of a period total.
fn span(from: &str, to: &str) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from} to {to}")
    }
}

/// The report's HTML.
fn render(
    settings: &AssessConfig,
    evidence: &Evidence,
    hotspots: Option<&HotspotSection>,
    compare_command: &str,
    later_sections: Vec<Traced>,
    traced: &mut Vec<Traced>,
) -> String {
    let c = &evidence.comparison;
    let area_name =
        evidence.area.name.clone().unwrap_or_else(|| match settings.area.split_once(':') {
            Some(("district", name)) => name.to_string(),
            _ => settings.area.clone(),
        });
    let base_span = span(&c.base.from, &c.base.to);
    let current_span = span(&c.current.from, &c.current.to);
    let mut trace = |section: &'static str, figure: String, value: String, command: &str| {
        traced.push(Traced { section, figure, value, command: command.to_string() });
    };

    let mut body = String::new();
    let mut contents: Vec<(&str, &str)> = Vec::new();

    // Summary.
    contents.push(("summary", "Summary"));
    let total = &c.total;
    let _ = write!(
        body,
        "<section id=\"summary\"><h2>Summary</h2><p>Police-recorded crime and anti-social \
         behaviour in {} went from <strong>{}</strong> in {base_span} to <strong>{}</strong> \
         in {current_span} ({}, {}), a <strong>{}</strong> on the exact test ({}).</p>",
        esc(&area_name),
        format_count(total.base),
        format_count(total.current),
        signed(total.change),
        pct(total.change_pct),
        verdict(total.verdict),
        match format_p(total.p_value) {
            p if p.starts_with('<') => format!("p < {}", &p[1..]),
            p => format!("p = {p}"),
        }
    );
    trace("Summary", "Total, base period".into(), format_count(total.base), compare_command);
    trace("Summary", "Total, current period".into(), format_count(total.current), compare_command);
    if let (Some(population), Some(rate)) = (&evidence.area.population, total.rate_per_1000_current)
    {
        let _ = write!(
            body,
            "<p>That is {rate:.1} per 1,000 of {} residents ({}).</p>",
            format_count(population.persons),
            esc(&population.source)
        );
        trace(
            "Summary",
            "Rate per 1,000, current period".into(),
            format!("{rate:.1}"),
            compare_command,
        );
    }
    body.push_str("</section>");

    // Key findings.
    contents.push(("findings", "Key findings"));
    let mut bullets: Vec<String> =
        key_findings(c, &FindingsConfig::default()).into_iter().map(|f| f.text).collect();
    bullets.extend(peer_findings(evidence));
    bullets.extend(indicators::findings(&evidence.partner_indicators));
    if let Some(harm) = &evidence.harm {
        bullets.push(harm.sentence());
    }
    body.push_str("<section id=\"findings\"><h2>Key findings</h2><ul>");
    for bullet in &bullets {
        let _ = write!(body, "<li>{}</li>", esc(bullet));
    }
    body.push_str("</ul></section>");

    // Trends.
    contents.push(("trends", "Trends by category"));
    // The base months, a gap, the current months: the line breaks between the periods.
    let mut months: Vec<Option<String>> = Vec::new();
    for month in evidence.monthly.keys() {
        if months.last().is_some_and(|last| {
            last.as_deref().is_some_and(|last| last <= c.base.to.as_str())
                && month.as_str() >= c.current.from.as_str()
        }) {
            months.push(None);
        }
        months.push(Some(month.clone()));
    }
    let value_of = |month: &Option<String>, crime_type: Option<&str>| -> Option<f64> {
        let by_type = &evidence.monthly[month.as_ref()?];
        Some(match crime_type {
            None => by_type.values().sum::<u64>() as f64,
            Some(t) => by_type.get(t).copied().unwrap_or(0) as f64,
        })
    };
    let mut top_types: Vec<&ComparisonRow> = c.rows.iter().collect();
    top_types.sort_by_key(|row| std::cmp::Reverse(row.current));
    let mut series = vec![Series {
        name: "All crime and ASB".into(),
        values: months.iter().map(|m| value_of(m, None)).collect(),
    }];
    for row in top_types.iter().take(4) {
        series.push(Series {
            name: row.crime_type.clone(),
            values: months.iter().map(|m| value_of(m, Some(&row.crime_type))).collect(),
        });
    }
    let chart = line_chart(&LineChart {
        title: format!("Crime and ASB by month, {}", area_name),
        labels: months.iter().map(|m| m.clone().unwrap_or_default()).collect(),
        series,
        y_label: "Rows per month".into(),
        width: 880,
        height: 340,
    });
    let _ = write!(
        body,
        "<section id=\"trends\"><h2>Trends by category</h2><figure>{chart}<figcaption>Rows per \
         month in the base and current periods: the total and the four largest categories. \
         Months between the periods are not shown.</figcaption></figure></section>"
    );

    // Comparison table.
    contents.push(("comparison", "Period comparison"));
    let with_rates = c.base.population.is_some();
    let _ = write!(
        body,
        "<section id=\"comparison\"><h2>Period comparison</h2><table><caption>{base_span} against \
         {current_span}, {}</caption><thead><tr><th scope=\"col\">Crime type</th><th scope=\"col\" \
         class=\"num\">Base</th><th scope=\"col\" class=\"num\">Current</th><th scope=\"col\" \
         class=\"num\">Change</th><th scope=\"col\" class=\"num\">% change</th>{}<th \
         scope=\"col\" class=\"num\">p-value</th><th scope=\"col\">Verdict</th></tr></thead><tbody>",
        esc(&area_name),
        if with_rates {
            "<th scope=\"col\" class=\"num\">Per 1,000 (current)</th>"
        } else {
            ""
        }
    );
    for row in std::iter::once(total).chain(&c.rows) {
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td \
             class=\"num\">{}</td><td class=\"num\">{}</td>{}<td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&row.crime_type),
            format_count(row.base),
            format_count(row.current),
            signed(row.change),
            pct(row.change_pct),
            if with_rates {
                format!(
                    "<td class=\"num\">{}</td>",
                    row.rate_per_1000_current.map_or("n/a".into(), |r| format!("{r:.2}"))
                )
            } else {
                String::new()
            },
            format_p(row.p_value),
            verdict(row.verdict)
        );
        trace(
            "Period comparison",
            format!("{}: base, current, p", row.crime_type),
            format!(
                "{}, {}, {}",
                format_count(row.base),
                format_count(row.current),
                format_p(row.p_value)
            ),
            compare_command,
        );
    }
    let _ = write!(
        body,
        "</tbody></table><p class=\"note\">Method: {METHOD}. A change is called a rise or fall \
         only when the test can tell it from normal variation.</p></section>"
    );

    // Peers.
    if let Some(peers) = &evidence.peers {
        contents.push(("peers", "Against peers"));
        let reference = &peers.rates.reference;
        let mut points: Vec<FunnelPoint> = peers
            .rates
            .areas
            .iter()
            .enumerate()
            .map(|(i, rate)| FunnelPoint {
                label: rate.name.clone().unwrap_or_else(|| rate.area.clone()),
                population: rate.population,
                count: rate.count,
                highlight: i == 0,
            })
            .collect();
        points.sort_by_key(|p| p.population);
        let plot = funnel_plot(&FunnelPlot {
            title: format!("Rates against the force area average, {current_span}"),
            reference_rate: reference.rate_per_1000,
            reference_label: "Force area average".into(),
            points,
            width: 880,
            height: 380,
        });
        let _ = write!(
            body,
            "<section id=\"peers\"><h2>Against peers</h2><figure>{plot}<figcaption>Funnel plot: \
             rates per 1,000 residents in {current_span} against the force area ({}). Areas \
             outside the dashed limits differ from the average by more than chance.</figcaption>\
             </figure><table><caption>Rates per 1,000 residents</caption><thead><tr><th \
             scope=\"col\">Area</th><th scope=\"col\" class=\"num\">Count</th><th scope=\"col\" \
             class=\"num\">Residents</th><th scope=\"col\" class=\"num\">Rate</th><th \
             scope=\"col\" class=\"num\">95% interval</th><th scope=\"col\">Against the \
             average</th></tr></thead><tbody>",
            esc(&peers.reference_description)
        );
        for (i, rate) in std::iter::once(reference).chain(&peers.rates.areas).enumerate() {
            let name = if i == 0 {
                "Force area average".to_string()
            } else {
                rate.name.clone().unwrap_or_else(|| rate.area.clone())
            };
            let _ = write!(
                body,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{:.2}</td><td class=\"num\">{:.2}–{:.2}</td><td>{}</td></tr>",
                esc(&name),
                format_count(rate.count),
                format_count(rate.population),
                rate.rate_per_1000,
                rate.ci95_lower,
                rate.ci95_upper,
                if i == 0 { "—" } else { rate.position.describe() }
            );
            trace(
                "Against peers",
                format!("{name}: rate per 1,000"),
                format!("{:.2}", rate.rate_per_1000),
                compare_command,
            );
        }
        body.push_str("</tbody></table></section>");
    }

    // Hot spots.
    if let Some(HotspotSection { analysis, borough, zoomed, zoom_name, command }) = hotspots {
        contents.push(("hotspots", "Hot spots"));
        let report = &analysis.report;
        let _ = write!(
            body,
            "<section id=\"hotspots\"><h2>Hot spots</h2><p>{} on {} units, {}; {} rows.</p><figure>{borough}\
             <figcaption>Borough hot-spot map.</figcaption></figure>",
            esc(report.method_description),
            report.units_results.len(),
            esc(&report.weights),
            format_count(report.rows)
        );
        if let Some(zoomed) = zoomed {
            let _ = write!(
                body,
                "<figure>{zoomed}<figcaption>{}: the same results, zoomed.</figcaption></figure>",
                esc(zoom_name.as_deref().unwrap_or("Zoomed map"))
            );
        }
        body.push_str("<ol>");
        for unit in report.top(5) {
            let places: Vec<String> =
                unit.top_locations.iter().map(|(l, n)| format!("{} ({n})", esc(l))).collect();
            let _ = write!(
                body,
                "<li><strong>{}</strong>: {} rows, z = {:.2}; {}</li>",
                esc(&unit.name.clone().unwrap_or_else(|| unit.id.clone())),
                format_count(unit.count),
                unit.z.unwrap_or(f64::NAN),
                places.join(", ")
            );
            trace(
                "Hot spots",
                format!("{}: rows, z", unit.id),
                format!("{}, {:.2}", unit.count, unit.z.unwrap_or(f64::NAN)),
                command,
            );
        }
        body.push_str("</ol>");
        let conc = &report.concentration;
        if let (Some(g), Some(share), Some(half)) =
            (conc.generalised_gini, conc.top_share, conc.units_for_half)
        {
            contents.push(("concentration", "Concentration"));
            let baseline = conc.baseline.as_ref().map_or(String::new(), |b| {
                format!(
                    " Spread at random over the same units the rows would give {:.2} \
                     (95% {:.2}–{:.2}).",
                    b.generalised_gini.mean, b.generalised_gini.p2_5, b.generalised_gini.p97_5
                )
            });
            let _ = write!(
                body,
                "</section><section id=\"concentration\"><h2>Concentration</h2><p>The busiest \
                 {} unit(s) (5%) hold {:.0}% of the rows; half the rows are in {half} unit(s). \
                 Generalised Gini {g:.2}.{baseline}</p>",
                conc.top_units,
                share * 100.0
            );
            trace("Concentration", "Generalised Gini".into(), format!("{g:.2}"), command);
        }
        body.push_str("</section>");
    }

    // Harm.
    if let Some(harm) = &evidence.harm {
        contents.push(("harm", "Harm"));
        let _ = write!(
            body,
            "<section id=\"harm\"><h2>Harm</h2><p>{}.</p></section>",
            esc(&harm.sentence())
        );
        trace(
            "Harm",
            "Harm-weighted total, current".into(),
            format!("{:.0}", harm.current.total),
            compare_command,
        );
    }

    // Partner indicators.
    if !evidence.partner_indicators.is_empty() {
        contents.push(("partners", "Partner indicators"));
        body.push_str(
            "<section id=\"partners\"><h2>Partner indicators</h2><table><thead><tr><th \
             scope=\"col\">Indicator</th><th scope=\"col\">Unit</th><th scope=\"col\" \
             class=\"num\">Base</th><th scope=\"col\" class=\"num\">Current</th><th \
             scope=\"col\">Verdict</th></tr></thead><tbody>",
        );
        if let serde_json::Value::Array(items) = indicators::to_json(&evidence.partner_indicators) {
            for item in items {
                let cell = |v: &serde_json::Value| match v.as_f64() {
                    Some(x) if x.fract() == 0.0 => format!("{}", x as i64),
                    Some(x) => format!("{x}"),
                    None => "—".to_string(),
                };
                let _ = write!(
                    body,
                    "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"num\">{}</td><td \
                     class=\"num\">{}</td><td>{}</td></tr>",
                    esc(item["indicator"].as_str().unwrap_or_default()),
                    esc(item["unit"].as_str().unwrap_or_default()),
                    cell(&item["base"]),
                    cell(&item["current"]),
                    esc(item["verdict"].as_str().unwrap_or_default())
                );
            }
        }
        body.push_str("</tbody></table></section>");
    }

    // Methods, sources, caveats, traceability.
    contents.push(("methods", "Methods, sources and caveats"));
    let _ = write!(
        body,
        "<section id=\"methods\"><h2>Methods, sources and caveats</h2>\
         <h3>Methods</h3><ul><li>Changes: {METHOD} (SciPy's binomtest definition).</li>\
         <li>Rates per 1,000 residents use the latest population year covering every LSOA of the \
         area; peers are compared with exact Poisson intervals and funnel limits (Spiegelhalter \
         2005).</li><li>Hot spots: Getis-Ord Gi* with conditional permutations; contiguity within \
         1 m; LSOA codes of 2011 and 2021 reconciled to 2011 LSOAs.</li></ul>\
         <h3>Data sources</h3><ul><li>police.uk street-level crime and anti-social behaviour \
         (Home Office, Open Government Licence v3.0).</li><li>ONS boundaries and lookups (Open \
         Government Licence v3.0; contains OS data © Crown copyright and database right).</li>\
         <li>Population: Census 2021 and ONS mid-year estimates (Open Government Licence \
         v3.0).</li><li>Partner indicators as supplied by partners.</li></ul>\
         <h3>Caveats</h3><ul><li>police.uk locations are anonymised to snap points, not exact \
         addresses, and dates are given to the month only.</li><li>police.uk has no \
         domestic-abuse flag: domestic abuse cannot be separated from other violence here.</li>\
         <li>Files downloaded at different times use 2011 or 2021 LSOAs; Safer reconciles them \
         to 2011 LSOAs (merged 2021 LSOAs go to the parent with most residents).</li><li>Recorded \
         crime reflects reporting and recording as well as offending.</li></ul></section>"
    );
    traced.extend(later_sections);
    contents.push(("appendix", "Appendix: where each figure comes from"));
    body.push_str(
        "<section id=\"appendix\"><h2>Appendix: where each figure comes from</h2><table><thead>\
         <tr><th scope=\"col\">Section</th><th scope=\"col\">Figure</th><th scope=\"col\">Value\
         </th><th scope=\"col\">Command</th></tr></thead><tbody>",
    );
    for item in traced.iter() {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(item.section),
            esc(&item.figure),
            esc(&item.value),
            esc(&item.command)
        );
    }
    body.push_str("</tbody></table></section>");

    let mut nav = String::from("<nav aria-label=\"Contents\"><h2>Contents</h2><ol>");
    for (id, title) in &contents {
        let _ = write!(nav, "<li><a href=\"#{id}\">{}</a></li>", esc(title));
    }
    nav.push_str("</ol></nav>");
    format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{CSS}</style>\
         </head><body><header><p class=\"caption\">{partnership}</p><h1>{title}</h1><p \
         class=\"lede\">{area}: {base_span} against {current_span}.</p></header><main>{nav}{body}\
         </main><footer><p>Made by Safer from police.uk data (Open Government Licence v3.0) and \
         ONS geography (Open Government Licence v3.0; contains OS data © Crown copyright and \
         database right).</p></footer></body></html>",
        title = esc(&settings.title),
        partnership = esc(settings.partnership.as_deref().unwrap_or("Strategic assessment")),
        area = esc(&area_name),
    )
}

/// The report's styles: GOV.UK-like type and tables, print-friendly.
const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;\
color:#0b0c0c;margin:0 auto;max-width:960px;padding:0 16px;line-height:1.4}\
h1{font-size:2rem;margin:.5rem 0}h2{font-size:1.5rem;border-top:2px solid #0b0c0c;\
padding-top:.5rem;margin-top:2rem}.caption{color:#505a5f;margin:1.5rem 0 0}\
.lede{font-size:1.2rem}table{border-collapse:collapse;width:100%;margin:1rem 0}\
caption{text-align:left;font-weight:700;padding:.3rem 0}th,td{border-bottom:1px solid #b1b4b6;\
padding:.35rem .5rem;text-align:left;vertical-align:top}.num{text-align:right;\
font-variant-numeric:tabular-nums}figure{margin:1rem 0}figure svg{max-width:100%;height:auto}\
figcaption{color:#505a5f}.note{color:#505a5f}code{font-size:.8rem;word-break:break-all}\
nav ol{columns:2}footer{border-top:1px solid #b1b4b6;margin-top:2rem;color:#505a5f;\
font-size:.9rem}a{color:#1d70b8}a:focus{outline:3px solid #fd0;background:#fd0;color:#0b0c0c}\
@media print{nav{display:none}section{break-inside:auto}figure,table{break-inside:avoid}\
h2{break-after:avoid}}";

/// The survey and priority sections, and their lines for the contents.
struct Extra {
    body: String,
    contents: String,
}

fn share_text(estimate: &Estimate) -> String {
    match estimate.proportion() {
        Some(p) => format!("{:.0}% ({:.0}–{:.0}%)", p.share * 100.0, p.low * 100.0, p.high * 100.0),
        None => format!("suppressed (base {})", estimate.base()),
    }
}

fn render_surveys_and_priorities(
    surveys: &[(SurveyReport, String)],
    priorities: Option<&(PriorityReport, String)>,
    traced: &mut Vec<Traced>,
) -> Extra {
    let mut body = String::new();
    let mut contents = String::new();
    if !surveys.is_empty() {
        contents
            .push_str("<li><a href=\"#surveys\">What residents and young people told us</a></li>");
        body.push_str(
            "<section id=\"surveys\"><h2>What residents and young people told us</h2><p>Shares \
             with 95% Wilson intervals (on effective bases when weighted); changes with the \
             two-proportion z-test and Newcombe intervals, called a rise or fall only when \
             p &lt; 0.05; small bases suppressed.</p>",
        );
        for (report, command) in surveys {
            let _ = write!(
                body,
                "<h3>{} ({})</h3><table><caption>{} respondents</caption><thead><tr><th \
                 scope=\"col\">Question</th><th scope=\"col\">Share</th><th \
                 scope=\"col\">Change since last survey</th></tr></thead><tbody>",
                esc(&report.title),
                report.year,
                format_count(report.respondents.n)
            );
            for question in &report.questions {
                let change = match question.change.as_ref().and_then(|c| c.difference.as_ref()) {
                    Some(d) => format!(
                        "{:+.1} points (95% {:+.1} to {:+.1}), {}",
                        d.difference * 100.0,
                        d.low * 100.0,
                        d.high * 100.0,
                        if d.p_value < 0.05 {
                            if d.difference > 0.0 {
                                "a significant rise"
                            } else {
                                "a significant fall"
                            }
                        } else {
                            "no significant change"
                        }
                    ),
                    None => "—".to_string(),
                };
                let share = share_text(&question.estimate);
                let _ = write!(
                    body,
                    "<tr><th scope=\"row\">{} <span class=\"note\">({})</span></th><td>{}</td><td>{}</td></tr>",
                    esc(&question.text),
                    esc(&question.positive_label),
                    share,
                    change
                );
                traced.push(Traced {
                    section: "Surveys",
                    figure: format!("{}: {}", report.survey, question.id),
                    value: share,
                    command: command.clone(),
                });
            }
            body.push_str("</tbody></table>");
            for issues in &report.top_issues {
                let _ = write!(body, "<p><strong>{}</strong></p><ol>", esc(&issues.text));
                for option in issues.options.iter().take(3) {
                    let _ = write!(
                        body,
                        "<li>{}: {}</li>",
                        esc(&option.label),
                        share_text(&option.estimate)
                    );
                }
                body.push_str("</ol>");
            }
        }
        body.push_str("</section>");
    }
    if let Some((report, command)) = priorities {
        contents.push_str(
            "<li><a href=\"#priorities\">Priority matrix and recommended priorities</a></li>",
        );
        let _ = write!(
            body,
            "<section id=\"priorities\"><h2>Priority matrix and recommended priorities</h2><p>{}: \
             each issue is scored 1 to 5 on each criterion from the evidence where there is \
             some and by hand with a written justification where not, weighted and summed.</p>\
             <table><thead><tr><th scope=\"col\">Rank</th><th scope=\"col\">Issue</th><th \
             scope=\"col\" class=\"num\">Score</th><th scope=\"col\">Evidence</th></tr></thead><tbody>",
            esc(&report.title)
        );
        for issue in &report.ranking {
            let evidence: Vec<String> = issue
                .scores
                .iter()
                .map(|s| format!("{}: {:.0} ({})", s.criterion, s.score, esc(&s.evidence)))
                .collect();
            let _ = write!(
                body,
                "<tr><td>{}</td><th scope=\"row\">{}</th><td class=\"num\">{:.2}</td><td><small>{}</small></td></tr>",
                issue.rank,
                esc(&issue.title),
                issue.total,
                evidence.join("; ")
            );
            traced.push(Traced {
                section: "Priorities",
                figure: format!("{}: score", issue.id),
                value: format!("{:.2}", issue.total),
                command: command.clone(),
            });
        }
        let sensitivity = &report.sensitivity;
        let stability = if sensitivity.stable {
            format!(
                "The top {} stays the same when any one weight moves by ±{:.0}%.",
                sensitivity.top_n,
                sensitivity.weight_change * 100.0
            )
        } else {
            let flips: Vec<String> = sensitivity
                .moves
                .iter()
                .filter(|m| m.changed)
                .map(|m| {
                    format!(
                        "{} ×{:.1} brings in {} for {}",
                        m.criterion,
                        m.factor,
                        m.swapped_in.join(", "),
                        m.swapped_out.join(", ")
                    )
                })
                .collect();
            format!(
                "The top {} is sensitive to the weights: {}.",
                sensitivity.top_n,
                esc(&flips.join("; "))
            )
        };
        let _ = write!(
            body,
            "</tbody></table><p><strong>Recommended priorities:</strong> {}. {stability}</p></section>",
            esc(&sensitivity
                .top
                .iter()
                .map(|id| {
                    report.ranking.iter().find(|i| &i.id == id).map_or(id.as_str(), |i| &i.title)
                })
                .collect::<Vec<_>>()
                .join(", "))
        );
    }
    Extra { body, contents }
}
