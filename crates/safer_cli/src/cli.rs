//! The command line, defined with clap. Values here are raw: `config` validates them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Safer runs the working system of a Community Safety Partnership: its plan, evidence and
/// casework.
#[derive(Debug, Parser)]
#[command(name = "safer", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Settings that every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command; they override `safer.toml` and `SAFER_*` variables.
#[derive(Debug, Args, Default, Clone)]
pub struct GlobalArgs {
    /// Configuration file [default: ./safer.toml when it exists]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB [default: SQLite in the data directory]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Directory for Safer's files [default: ./safer-data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log filter, such as info or safer_web=debug [default: info]
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up a demo (database, the Maidstone plan, one user per role) and serve it.
    Demo(DemoArgs),
    /// Serve the web application (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage agencies: the bodies users work for.
    #[command(subcommand)]
    Agencies(AgenciesCommand),
    /// Check, import and show partnership plans.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Compare two periods for an area: counts, change, share, rate and an exact significance test.
    Compare(CompareArgs),
    /// Write the key findings for two periods in plain English.
    Findings(CompareArgs),
    /// Import data into the database.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate synthetic data for demos and benchmarks.
    #[command(subcommand)]
    Synth(SynthCommand),
    /// Load geography: LSOA 2011/2021 lookups, LSOA to ward and district, boundaries, population.
    #[command(subcommand)]
    Geo(GeoCommand),
    /// Export data for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Find hot spots: counts by unit, spatial weights, Getis-Ord Gi*, local Moran or density; maps.
    Hotspots(Box<HotspotsArgs>),
    /// Write the strategic assessment: one self-contained HTML report (and a PDF).
    Assess(AssessArgs),
    /// Alcohol supply: premises per 1,000 residents against IMD; cumulative-impact candidates.
    Alcohol(AlcoholArgs),
    /// Rank candidate priorities from a matrix: scores with their evidence, and a sensitivity check.
    Priorities(PrioritiesArgs),
    /// Resident and youth surveys: shares, changes and sub-group differences with intervals.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// The audit log of personal data: verify its hash chain, list entries (docs/audit.md).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// "Is it ASB?": check a triage rules file, or ask it where a behaviour goes.
    #[command(subcommand)]
    Triage(TriageCommand),
    /// Open311 GeoReport v2 clients: add, list and revoke the API keys that may post reports.
    #[command(subcommand)]
    Open311(Open311Command),
}

/// `safer open311 ...`.
#[derive(Debug, Subcommand)]
pub enum Open311Command {
    /// Add a client and print its API key (shown once; only its hash is kept).
    Add {
        /// A name for the client, such as "FixMyStreet"
        #[arg(long)]
        name: String,
        /// The partnership's slug (the only one, if there is one)
        #[arg(long)]
        partnership: Option<String>,
        /// The requests the client may post an hour; more are answered 429
        #[arg(long, value_name = "N", default_value_t = 1000,
              value_parser = clap::value_parser!(u32).range(1..))]
        per_hour: u32,
        /// No hourly limit (a trusted relay, or a load run)
        #[arg(long, conflicts_with = "per_hour")]
        no_limit: bool,
    },
    /// List clients (names, state and hourly limits; never keys).
    List,
    /// Count the public reports received (web and Open311), their distinct submissions and
    /// descriptions; with --check, the references in FILE that name no report.
    Count {
        /// The partnership's slug (the only one, if there is one)
        #[arg(long)]
        partnership: Option<String>,
        /// A file of report references, one per line, each of which must name a report
        #[arg(long)]
        check: Option<std::path::PathBuf>,
    },
    /// Revoke a client's key.
    Revoke {
        /// The client's id, from `safer open311 list`
        id: i64,
    },
}

/// `safer triage ...`.
#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Check a rules file (docs/asb-triage.md); every problem is named with its line.
    Check {
        /// The rules file (TOML)
        file: PathBuf,
    },
    /// Print the answer a resident gets for a behaviour.
    Ask {
        /// The rules file (TOML)
        file: PathBuf,
        /// The behaviour's id, such as `noise`
        behaviour: String,
        /// Someone is in danger or a crime is happening now
        #[arg(long)]
        emergency: bool,
    },
}

/// `safer audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain: exit 0 if intact, 1 naming the first broken entry.
    Verify(AuditVerifyArgs),
    /// List entries oldest first: ids and codes only.
    List(AuditListArgs),
}

/// `safer audit verify`.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// A SEQ:HASH printed by an earlier verify and recorded elsewhere: fail unless entry SEQ
    /// still has HASH (detects a rewritten or truncated log; repeat for several)
    #[arg(long = "anchor", value_name = "SEQ:HASH")]
    pub anchors: Vec<String>,
}

/// `safer audit list`.
#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only entries at or after this date (YYYY-MM-DD, UTC) or instant (RFC 3339)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only entries about this object, such as case:42
    #[arg(long, value_name = "KIND:ID")]
    pub object: Option<String>,
    /// At most this many entries
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u32,
    /// Only entries after this sequence number (to page on)
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    pub after: i64,
}

/// `safer priorities`.
#[derive(Debug, Args)]
pub struct PrioritiesArgs {
    /// The priority matrix (TOML; see docs/priority-matrix.md)
    #[arg(long, value_name = "FILE")]
    pub matrix: PathBuf,
    /// police.uk CSV files or folders (searched recursively); without it, the database is used
    #[arg(long = "input", value_name = "PATH", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// The base period, YYYY-MM..YYYY-MM
    #[arg(long, value_name = "PERIOD")]
    pub base: String,
    /// The current period, YYYY-MM..YYYY-MM
    #[arg(long, value_name = "PERIOD")]
    pub current: String,
    /// Survey top-issue shares as JSON: { "option_id": share, ... }
    #[arg(long, value_name = "FILE")]
    pub survey_results: Option<PathBuf>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `safer assess`.
#[derive(Debug, Args)]
///
/// Its settings file is given with `--config FILE` (TOML; see docs/assessment.md): for this
/// command `--config` names the assessment, not `safer.toml`, which is still read from the
/// current folder when present.
pub struct AssessArgs {
    /// Where to write the HTML report (a JSON sidecar with every figure is written beside it)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also print the report to PDF (with headless Chromium)
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// Also store the report in the database with its settings, so the web app lists it and
    /// analysts can regenerate it there
    #[arg(long)]
    pub save: bool,
}

/// `safer hotspots`.
#[derive(Debug, Args)]
pub struct HotspotsArgs {
    /// police.uk CSV files or folders (searched recursively); without it, the database is used
    #[arg(long = "input", value_name = "PATH", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// The area: district:NAME, lad:CODE, ward:CODE, lsoa:CODE[,CODE...] or polygon:FILE.geojson
    #[arg(long, value_name = "SELECTOR")]
    pub area: String,
    /// The period, YYYY-MM..YYYY-MM
    #[arg(long, value_name = "PERIOD")]
    pub period: String,
    /// An earlier period to compare hot spots with: which stayed, entered and left, PAI and RRI
    #[arg(long, value_name = "PERIOD")]
    pub previous: Option<String>,
    /// Only these crime types, as police.uk spells them (repeat for several)
    #[arg(long = "crime-type", value_name = "TYPE")]
    pub crime_types: Vec<String>,
    /// Units: lsoa, ward, grid:METRES or hex:METRES
    #[arg(long, value_name = "UNITS", default_value = "lsoa")]
    pub units: String,
    /// Unit polygons (GeoJSON); by default the boundaries imported with `safer geo import`
    #[arg(long, value_name = "FILE")]
    pub boundaries: Option<PathBuf>,
    /// The property holding each unit's id in --boundaries [default: detected, e.g. LSOA11CD]
    #[arg(long, value_name = "FIELD")]
    pub id_field: Option<String>,
    /// The property holding each unit's name in --boundaries [default: detected, e.g. LSOA11NM]
    #[arg(long, value_name = "FIELD")]
    pub name_field: Option<String>,
    /// How rows reach units: code (the published LSOA code) or point (point in polygon)
    #[arg(long, value_name = "HOW")]
    pub assign: Option<String>,
    /// Weights: contiguity, distance:METRES, knn:K or gal:FILE
    #[arg(long, value_name = "WEIGHTS", default_value = "contiguity")]
    pub weights: String,
    /// Row-standardise the weights
    #[arg(long)]
    pub row_standardise: bool,
    /// Write the weights (before any row-standardising) as a GAL file, for GeoDa or PySAL
    #[arg(long, value_name = "FILE")]
    pub save_weights: Option<PathBuf>,
    /// Method: gi-star, gi, local-moran or kde
    #[arg(long, value_name = "METHOD", default_value = "gi-star")]
    pub method: String,
    /// Kernel density search radius in metres [default: ArcGIS's rule from the points]
    #[arg(long, value_name = "METRES")]
    pub bandwidth: Option<f64>,
    /// Permutations for pseudo p-values (0 for none)
    #[arg(long, value_name = "N", default_value_t = 999)]
    pub permutations: usize,
    /// Seed for the permutations
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Control the false discovery rate (Benjamini-Hochberg) in the Gi/Gi* confidence bins
    #[arg(long)]
    pub fdr: bool,
    /// Weight counts by harm: a weights CSV, or `default`
    #[arg(long, value_name = "FILE|default")]
    pub harm: Option<String>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Write an SVG map here
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Zoom the map to this polygon (GeoJSON), such as a town centre
    #[arg(long, value_name = "FILE")]
    pub zoom: Option<PathBuf>,
    /// Write the units with their results as GeoJSON here
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// How many top hot spots to name
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,
}

/// `safer geo ...`.
#[derive(Debug, Subcommand)]
pub enum GeoCommand {
    /// Import ONS lookups, boundaries (GeoJSON) and population files, recognised by content.
    Import(GeoImportArgs),
    /// Summarise the geography held in the database.
    Show,
}

/// `safer geo import`.
#[derive(Debug, Args)]
pub struct GeoImportArgs {
    /// Files or folders (searched recursively) of lookups, GeoJSON boundaries and population
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The year of the figures in population files that do not say (2017 for mid-2017 estimates)
    #[arg(long, value_name = "YEAR")]
    pub population_year: Option<u16>,
    /// Make any bad row fatal (nothing is imported)
    #[arg(long)]
    pub strict: bool,
}

/// `safer export ...`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the imported police.uk street rows as Parquet, Hive-partitioned by year and force.
    Parquet(ExportParquetArgs),
}

/// `safer export parquet`.
#[derive(Debug, Args)]
pub struct ExportParquetArgs {
    /// Output directory (year=YYYY/force=NAME/ folders are created inside)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `safer compare` and `safer findings`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// police.uk CSV files or folders (searched recursively); without it, the database is used
    #[arg(long = "input", value_name = "PATH", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// The area: district:NAME, lad:CODE, ward:CODE, lsoa:CODE[,CODE...] or polygon:FILE.geojson
    #[arg(long, value_name = "SELECTOR")]
    pub area: String,
    /// The base period, YYYY-MM..YYYY-MM
    #[arg(long, value_name = "PERIOD")]
    pub base: String,
    /// The current period, YYYY-MM..YYYY-MM
    #[arg(long, value_name = "PERIOD")]
    pub current: String,
    /// Peer areas to compare rates with, such as lad:E07000105 (repeat or separate with ;)
    #[arg(long = "peer", value_name = "SELECTOR", value_delimiter = ';')]
    pub peers: Vec<String>,
    /// A partner indicators CSV to read with --input (the database's indicators are used otherwise)
    #[arg(long, value_name = "FILE")]
    pub indicators: Option<PathBuf>,
    /// Also weigh the counts by harm: a weights CSV, or `default` (see docs/harm.md)
    #[arg(long, value_name = "FILE|default")]
    pub harm: Option<String>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `safer import ...`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import police.uk street, outcomes and stop-and-search files, folders or archive zips.
    PoliceUk(ImportPoliceUkArgs),
    /// Import a partner indicators CSV: indicator, area, period, value, unit, source, notes.
    Indicators(ImportIndicatorsArgs),
    /// Import a licensed-premises register CSV (replaces the stored register).
    Premises(ImportPremisesArgs),
    /// Import IMD 2019 deciles by LSOA: MHCLG's File 1 xlsx or a CSV export of its IMD2019 sheet.
    Imd(ImportImdArgs),
}

/// `safer import premises`.
#[derive(Debug, Args)]
pub struct ImportPremisesArgs {
    /// The register: name,address,postcode,longitude,latitude,licence,late
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A postcode lookup (postcode,longitude,latitude) to place rows that have no coordinates
    #[arg(long, value_name = "FILE")]
    pub postcodes: Option<PathBuf>,
    /// Make any bad row fatal (nothing is imported)
    #[arg(long)]
    pub strict: bool,
}

/// `safer import imd`.
#[derive(Debug, Args)]
pub struct ImportImdArgs {
    /// File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx, or a CSV with the same header
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Make any bad row fatal (nothing is imported)
    #[arg(long)]
    pub strict: bool,
}

/// `safer alcohol`.
#[derive(Debug, Args)]
pub struct AlcoholArgs {
    /// The area: district:NAME, lad:CODE, ward:CODE or lsoa:CODE[,CODE...]
    #[arg(long, value_name = "SELECTOR")]
    pub area: String,
    /// Units: lsoa or ward
    #[arg(long, value_name = "UNITS", default_value = "lsoa")]
    pub units: String,
    /// Count harm (violence, public order, ASB) from stored police.uk rows in YYYY-MM..YYYY-MM
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// Rule: the quantile of unit densities a candidate must reach
    #[arg(long, value_name = "Q", default_value_t = 0.9)]
    pub density_quantile: f64,
    /// Rule: at least this many premises ...
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_premises: u32,
    /// Rule: ... or at least this many late licences
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_late: u32,
    /// Rule: harm rate at least this times the area's (with --period)
    #[arg(long, value_name = "RATIO", default_value_t = 1.5)]
    pub harm_ratio: f64,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `safer import indicators`.
#[derive(Debug, Args)]
pub struct ImportIndicatorsArgs {
    /// The partner indicators CSV file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Make any bad row fatal (nothing is imported)
    #[arg(long)]
    pub strict: bool,
}

/// `safer import police-uk`.
#[derive(Debug, Args)]
pub struct ImportPoliceUkArgs {
    /// Files, monthly folders (YYYY-MM/YYYY-MM-FORCE-street.csv) or data.police.uk zips
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Make any bad row fatal (nothing is imported)
    #[arg(long)]
    pub strict: bool,
}

/// `safer synth ...`.
#[derive(Debug, Subcommand)]
pub enum SynthCommand {
    /// Write police.uk-format street files with a realistic category mix and spatial clustering.
    PoliceUk(SynthPoliceUkArgs),
    /// Write synthetic responses to a survey definition, with plausible shares and sub-group differences.
    Survey(SynthSurveyArgs),
}

/// `safer synth survey`.
#[derive(Debug, Args)]
pub struct SynthSurveyArgs {
    /// The survey definition (TOML; see docs/survey-format.md)
    #[arg(long, value_name = "FILE")]
    pub definition: PathBuf,
    /// How many respondents
    #[arg(long, default_value_t = 1000)]
    pub respondents: u32,
    /// Seed: the same seed gives the same file
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output CSV file
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `safer survey ...`.
#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Shares with Wilson intervals, change since the previous survey, sub-group differences, top issues.
    Analyse(SurveyAnalyseArgs),
    /// Store one wave's aggregates (no personal data) for plan indicators; replaces the same wave.
    Import {
        /// The survey definition (TOML; see docs/survey-format.md); its id names the survey
        #[arg(long, value_name = "FILE")]
        definition: PathBuf,
        /// The responses (CSV), checked as `survey analyse` checks them
        #[arg(long, value_name = "FILE")]
        responses: PathBuf,
        /// The wave's label, such as 2022; labels should sort in time order
        #[arg(long, value_name = "LABEL")]
        wave: String,
    },
    /// Publish a survey wave on the public front door, optionally with one-use invitation codes.
    Publish(SurveyPublishArgs),
    /// Write a wave's online responses as a CSV that `survey analyse` and `survey import` read.
    Responses(SurveyResponsesArgs),
}

/// `safer survey publish`.
#[derive(Debug, Args)]
pub struct SurveyPublishArgs {
    /// The survey definition (TOML; see docs/survey-format.md)
    #[arg(long, value_name = "FILE")]
    pub definition: PathBuf,
    /// The wave's label, such as 2026-online; publishing the same wave again replaces its
    /// definition until the first response arrives
    #[arg(long, value_name = "LABEL")]
    pub wave: String,
    /// Require invitation codes and make N new ones (printed once, stored only as hashes)
    #[arg(long, value_name = "N")]
    pub codes: Option<u32>,
    /// Close the survey at the end of this day (YYYY-MM-DD, UTC) [default: open until closed]
    #[arg(long, value_name = "DATE")]
    pub closes: Option<String>,
    /// Slug of the partnership running it [default: the only partnership]
    #[arg(long, value_name = "SLUG")]
    pub partnership: Option<String>,
}

/// `safer survey responses`.
#[derive(Debug, Args)]
pub struct SurveyResponsesArgs {
    /// The survey id (the definition's `[survey] id`, such as youth-2021)
    #[arg(long, value_name = "ID")]
    pub survey: String,
    /// The wave's label, as published
    #[arg(long, value_name = "LABEL")]
    pub wave: String,
    /// Where to write the CSV (weight 1 for every response)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Slug of the partnership running it [default: the only partnership]
    #[arg(long, value_name = "SLUG")]
    pub partnership: Option<String>,
}

/// `safer survey analyse`.
#[derive(Debug, Args)]
pub struct SurveyAnalyseArgs {
    /// The survey definition (TOML; see docs/survey-format.md)
    #[arg(long, value_name = "FILE")]
    pub definition: PathBuf,
    /// The responses (CSV with a header of question and variable ids)
    #[arg(long, value_name = "FILE")]
    pub responses: PathBuf,
    /// Last survey's responses, for year-on-year changes of matched questions
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Last survey's definition [default: this one, with questions under their `matches` ids]
    #[arg(long, value_name = "FILE", requires = "previous")]
    pub previous_definition: Option<PathBuf>,
    /// Smallest base published [default: the definition's min_base, else 50]
    #[arg(long, value_name = "N")]
    pub min_base: Option<u32>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `safer synth police-uk`.
#[derive(Debug, Args)]
pub struct SynthPoliceUkArgs {
    /// The force, as police.uk names it in file names (e.g. kent)
    #[arg(long)]
    pub force: String,
    /// How many consecutive months
    #[arg(long)]
    pub months: u32,
    /// Rows per month on average (months vary by season; the total is months × this)
    #[arg(long)]
    pub rows_per_month: u64,
    /// Seed: the same seed gives the same files
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The first month, YYYY-MM
    #[arg(long, default_value = "2021-03")]
    pub start: String,
    /// Output directory (monthly folders are created inside)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `safer demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo's database and credentials
    #[arg(long, value_name = "DIR", default_value = "./safer-demo")]
    pub dir: PathBuf,

    /// Address to serve on [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,

    /// Set everything up and print the accounts, but do not serve
    #[arg(long)]
    pub no_serve: bool,
}

/// `safer serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve on [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

/// `safer users ...`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user. Prints a generated password unless --password-stdin is given.
    Add(UserAddArgs),
    /// List users with their agency and roles.
    List,
    /// Disable a user: they can no longer sign in and their sessions end.
    Disable {
        /// The username
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        /// The username
        username: String,
    },
}

/// `safer users add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Sign-in name: lowercase letters, digits, . - _ @
    #[arg(long)]
    pub username: String,
    /// Name shown to colleagues
    #[arg(long)]
    pub name: String,
    /// Code of the agency the user works for (see `safer agencies list`)
    #[arg(long)]
    pub agency: String,
    /// Role in the partnership; repeat for several: analyst, coordinator, practitioner, panel_chair, committee_member, administrator
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// Slug of the partnership the roles apply in [default: the only partnership]
    #[arg(long)]
    pub partnership: Option<String>,
    /// Read the password from standard input instead of generating one
    #[arg(long)]
    pub password_stdin: bool,
}

/// `safer agencies ...`.
#[derive(Debug, Subcommand)]
pub enum AgenciesCommand {
    /// Create an agency.
    Add {
        /// Short stable code, such as kent-police
        #[arg(long)]
        code: String,
        /// Full name
        #[arg(long)]
        name: String,
        /// Kind: local_authority, county_council, police, fire_and_rescue, probation, integrated_care_board, housing, voluntary, education, business, police_and_crime_commissioner, other
        #[arg(long)]
        kind: String,
        /// Slug of a partnership to add it to
        #[arg(long)]
        partnership: Option<String>,
    },
    /// List agencies.
    List,
}

/// `safer plan ...`.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Check a plan file; every problem is reported with its line.
    Check {
        /// The plan file (TOML, format 1; see docs/plan-format.md)
        file: PathBuf,
    },
    /// Check and import a plan file; importing the same file again changes nothing.
    Import {
        /// The plan file
        file: PathBuf,
    },
    /// Show an imported plan.
    Show {
        /// The plan's id [default: the only plan]
        plan: Option<String>,
    },
    /// Plan indicators and their red, amber, green status (docs/indicators.md).
    #[command(subcommand)]
    Indicators(PlanIndicatorsCommand),
}

/// `safer plan indicators ...`.
#[derive(Debug, Subcommand)]
pub enum PlanIndicatorsCommand {
    /// Check an indicators file; every problem is reported with its line.
    Check {
        /// The indicators file (TOML, format 1; see docs/indicators.md)
        file: PathBuf,
    },
    /// Check an indicators file against its imported plan and store it.
    Import {
        /// The indicators file
        file: PathBuf,
    },
    /// Judge every indicator on the stored evidence and show its status.
    Status {
        /// The plan's id [default: every plan with indicators]
        #[arg(long)]
        plan: Option<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

/// `safer config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example safer.toml with every setting at its default.
    Example,
    /// Print the configuration in force, after every layer is applied (passwords hidden).
    Show,
}
