//! The demo: the Maidstone plan, the partnership's agencies and one account per role, synthetic
//! evidence and a strategic assessment built from it, set up so that running it again changes
//! nothing (and brings back anything deleted).

use std::path::{Path, PathBuf};

use anyhow::Context;
use safer_domain::password::{hash_password, verify_password};
use safer_domain::plan::parse_plan;
use safer_domain::{AgencyKind, Role};
use safer_import::synth::{StreetSynth, SynthConfig};
use safer_storage::{NewAgency, NewAssessment, Store};

use crate::commands::assess;
use crate::commands::import::import_police_uk;
use crate::commands::indicators as partner_indicators;
use crate::commands::plan::import;
use crate::commands::plan_indicators;
use crate::commands::survey;
use crate::commands::users::{create_account, generate_password, pick_partnership, NewAccount};
use crate::config::Config;

/// The Maidstone 2022-25 plan, built into the binary so the demo runs from anywhere.
pub const MAIDSTONE_PLAN: &str = include_str!("../../../plans/maidstone-2022-25.toml");

/// Partner indicators the Maidstone plan states (Appendix 1), as shipped in `examples/`.
pub const MAIDSTONE_INDICATORS: &str =
    include_str!("../../../examples/partner-indicators-maidstone.csv");

/// The plan's indicators (docs/indicators.md), bound to the synthetic police data's first
/// district and to the shipped partner indicators, so the demo shows live status.
pub const MAIDSTONE_PLAN_INDICATORS: &str =
    include_str!("../../../plans/maidstone-2022-25-indicators.toml");

/// The demo's strategic assessment settings (`safer assess --config`), as shipped in
/// `examples/`: the synthetic district, 2022 against 2021.
pub const ASSESSMENT_SETTINGS: &str = include_str!("../../../examples/assessment-demo.toml");

/// The synthetic police force of the demo: `YYYY-MM-synthetic-street.csv`, never mixed with a
/// real force's months if real files are imported into the demo database later.
const SYNTHETIC_FORCE: &str = "synthetic";

/// The agencies of the demo partnership: the responsible authorities and three other partners
/// the plan names.
const AGENCIES: [(&str, &str, AgencyKind); 9] = [
    ("maidstone-borough-council", "Maidstone Borough Council", AgencyKind::LocalAuthority),
    ("kent-county-council", "Kent County Council", AgencyKind::CountyCouncil),
    ("kent-police", "Kent Police", AgencyKind::Police),
    ("kent-fire-rescue", "Kent Fire and Rescue Service", AgencyKind::FireAndRescue),
    ("probation-kss", "Probation Service (Kent, Surrey and Sussex)", AgencyKind::Probation),
    (
        "nhs-kent-medway-icb",
        "NHS Kent and Medway Integrated Care Board",
        AgencyKind::IntegratedCareBoard,
    ),
    ("golding-homes", "Golding Homes", AgencyKind::Housing),
    ("one-maidstone", "One Maidstone (Business Improvement District)", AgencyKind::Business),
    ("kidas", "Kent Independent Domestic Abuse Services", AgencyKind::Voluntary),
];

/// One demo account per role. The people are fictional.
const ACCOUNTS: [(&str, &str, &str, Role); 6] = [
    ("analyst", "Asha Patel", "maidstone-borough-council", Role::Analyst),
    ("coordinator", "Chris Morgan", "maidstone-borough-council", Role::Coordinator),
    ("practitioner", "Pat Reynolds", "kent-police", Role::Practitioner),
    ("panel-chair", "Jordan Ellis", "kent-police", Role::PanelChair),
    ("committee-member", "Cllr Sam Taylor", "maidstone-borough-council", Role::CommitteeMember),
    ("administrator", "Robin Hughes", "maidstone-borough-council", Role::Administrator),
];

/// A demo account and its password.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// The role it demonstrates.
    pub role: Role,
    /// Sign-in name.
    pub username: String,
    /// Its password.
    pub password: String,
}

/// What [`seed`] set up.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// The plan's title.
    pub plan_title: String,
    /// How many priorities and themes it has.
    pub n_priorities: usize,
    /// How many actions it has.
    pub n_actions: usize,
    /// The demo accounts, one per role.
    pub accounts: Vec<DemoAccount>,
    /// Where the passwords are written.
    pub credentials_file: PathBuf,
    /// Synthetic police.uk street rows in the database.
    pub n_police_rows: i64,
    /// A district of the synthetic police data, for the `safer compare` example.
    pub synthetic_district: Option<String>,
    /// How many plan indicators were imported.
    pub n_plan_indicators: usize,
    /// The strategic assessment built from the synthetic data: its title and stored id.
    pub assessment: (String, i64),
    /// Fictional cases of the demo partnership (written on the first run only).
    pub n_cases: usize,
    /// The status page of a resident's report made through the public front door.
    pub public_report: String,
}

fn read_credentials(path: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (user, password) = line.split_once(' ')?;
            Some((user.trim().to_string(), password.trim().to_string()))
        })
        .collect()
}

fn write_credentials(path: &Path, accounts: &[DemoAccount]) -> anyhow::Result<()> {
    let mut text = String::from(
        "# Safer demo accounts: username password. Demo data only; never reuse these.\n",
    );
    for account in accounts {
        text.push_str(&format!("{} {}\n", account.username, account.password));
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    Ok(())
}

/// The shipped "Is it ASB?" rules for Maidstone.
pub const MAIDSTONE_TRIAGE: &str = include_str!("../../../plans/maidstone-asb-triage.toml");

/// The public front door as the demo serves it: the Maidstone partnership, reports received by
/// Maidstone Borough Council, the shipped "Is it ASB?" rules.
pub fn public_config() -> anyhow::Result<std::sync::Arc<safer_web::PublicConfig>> {
    let triage = safer_domain::triage::parse_triage(MAIDSTONE_TRIAGE)
        .map_err(|_| anyhow::anyhow!("the built-in triage rules are invalid"))?;
    let plan =
        parse_plan(MAIDSTONE_PLAN).map_err(|_| anyhow::anyhow!("the built-in plan is invalid"))?;
    Ok(std::sync::Arc::new(safer_web::PublicConfig {
        partnership: safer_domain::slug::slugify(&plan.plan.partnership),
        agency: "maidstone-borough-council".to_string(),
        triage: std::sync::Arc::new(triage),
        submissions_per_address_per_hour: 30,
    }))
}

/// Sets up the demo in `store` (the database `config` names), keeping the account passwords
/// and the demo's files in its data directory. Safe to run again: the plan import is
/// idempotent, existing agencies and accounts are kept, an account whose password is not the
/// one on file gets a new one, and the assessment replaces the one built before.
pub async fn seed(config: &Config, store: &Store, now: i64) -> anyhow::Result<Seeded> {
    let dir = config.data_dir.as_path();
    let plan = parse_plan(MAIDSTONE_PLAN).map_err(|errors| {
        anyhow::anyhow!(
            "the built-in plan is invalid: {}",
            errors.first().map(ToString::to_string).unwrap_or_default()
        )
    })?;
    import(store, &plan, MAIDSTONE_PLAN, now).await?;
    let partnership =
        pick_partnership(store, Some(&safer_domain::slug::slugify(&plan.plan.partnership))).await?;

    for (code, name, kind) in AGENCIES {
        let agency = match store.agency_by_code(code).await? {
            Some(agency) => agency,
            None => store.create_agency(&NewAgency { code, name, kind }, now).await?,
        };
        store.add_partnership_agency(partnership.id(), agency.id, now).await?;
    }

    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let credentials_file = dir.join("demo-credentials.txt");
    let on_file = read_credentials(&credentials_file);
    let mut accounts = Vec::new();
    for (username, display_name, agency, role) in ACCOUNTS {
        let known = on_file.iter().find(|(u, _)| u == username).map(|(_, p)| p.clone());
        let password = match store.user_by_username(username).await? {
            None => {
                let password = known.unwrap_or_else(generate_password);
                let account =
                    NewAccount { username, display_name, agency_code: agency, roles: &[role] };
                create_account(store, &partnership, &account, &password, now).await?;
                password
            }
            Some(user) => {
                store.grant_role(user.id(), partnership.id(), role, now).await?;
                if user.disabled {
                    store.set_user_disabled(user.id(), false).await?;
                }
                let hash = user.password_hash.clone();
                let still_valid = match known.clone() {
                    Some(password) => {
                        tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                            .await?
                    }
                    None => false,
                };
                match known {
                    Some(password) if still_valid => password,
                    _ => {
                        let password = generate_password();
                        let to_hash = password.clone();
                        let hash =
                            tokio::task::spawn_blocking(move || hash_password(&to_hash)).await?;
                        store.set_password_hash(user.id(), &hash, now).await?;
                        password
                    }
                }
            }
        };
        accounts.push(DemoAccount { role, username: username.to_string(), password });
    }
    write_credentials(&credentials_file, &accounts)?;
    let synthetic_district = seed_evidence(store, dir).await?;
    let n_police_rows = store.police_uk_imports().await?.iter().map(|import| import.n_rows).sum();
    let (indicators, _) = plan_indicators::import(
        store,
        "plans/maidstone-2022-25-indicators.toml",
        MAIDSTONE_PLAN_INDICATORS,
        now,
    )
    .await?;
    seed_survey_waves(store, dir, now).await?;
    let assessment = seed_assessment(config, store, dir, now).await?;
    crate::demo_cases::seed_cases(store, partnership.id(), now).await?;
    crate::demo_public::seed_you_said_we_did(store, partnership.id(), now).await?;
    crate::demo_surveys::publish_demo_surveys(store, partnership.id(), now).await?;
    let public_report =
        crate::demo_public::seed_public_reports(store, partnership.id(), now).await?;

    Ok(Seeded {
        plan_title: plan.plan.title.clone(),
        n_priorities: plan.priorities.len(),
        n_actions: plan.n_actions(),
        accounts,
        credentials_file,
        n_police_rows,
        synthetic_district,
        n_plan_indicators: indicators.indicators.len(),
        assessment,
        // The demo's cases and the two opened by residents' reports.
        n_cases: store.count_cases(partnership.id()).await?,
        public_report,
    })
}

/// The surveys the demo answers synthetically: file stem, definition, respondents, seed.
const DEMO_SURVEYS: [(&str, &str, u32, u64); 2] = [
    ("public-2021", include_str!("../../../surveys/public-2021.toml"), 1_200, 2021),
    ("youth-2021", include_str!("../../../surveys/youth-2021.toml"), 900, 2022),
];

/// The waves of the resident survey the demo imports for plan indicators (`safer survey
/// import`): label, respondents, seed. Two waves, so the survey indicator has a live status.
const DEMO_SURVEY_WAVES: [(&str, u32, u64); 2] = [("2021", 1_200, 2021), ("2022", 1_150, 2122)];

/// Imports two synthetic waves of the shipped resident survey, as `safer survey import` would;
/// each import replaces the wave with the same label, so a second run changes nothing.
async fn seed_survey_waves(store: &Store, dir: &Path, now: i64) -> anyhow::Result<()> {
    let (name, source, _, _) = DEMO_SURVEYS[0];
    let definition_path = dir.join(format!("{name}.toml"));
    std::fs::write(&definition_path, source)
        .with_context(|| format!("cannot write {}", definition_path.display()))?;
    let definition = survey::read_definition(&definition_path)?;
    for (wave, respondents, seed) in DEMO_SURVEY_WAVES {
        let responses_path = dir.join(format!("{name}-wave-{wave}-responses.csv"));
        std::fs::write(&responses_path, survey::synth_responses(&definition, respondents, seed))
            .with_context(|| format!("cannot write {}", responses_path.display()))?;
        survey::import_wave(store, &definition_path, &responses_path, wave, now).await?;
    }
    Ok(())
}

/// Builds the demo's strategic assessment from the stored synthetic data, as `safer assess`
/// would, and stores it in place of the one a previous run built (same title), so re-running
/// the demo keeps one copy. Returns its title and id.
async fn seed_assessment(
    config: &Config,
    store: &Store,
    dir: &Path,
    now: i64,
) -> anyhow::Result<(String, i64)> {
    // Synthetic answers to the shipped resident and youth surveys (seeded, so every demo gets
    // the same), which the assessment reports beside the crime data.
    let mut settings_text = ASSESSMENT_SETTINGS.to_string();
    for (name, source, respondents, seed) in DEMO_SURVEYS {
        let definition_path = dir.join(format!("{name}.toml"));
        std::fs::write(&definition_path, source)
            .with_context(|| format!("cannot write {}", definition_path.display()))?;
        let definition = survey::read_definition(&definition_path)?;
        let responses_path = dir.join(format!("{name}-responses.csv"));
        std::fs::write(&responses_path, survey::synth_responses(&definition, respondents, seed))
            .with_context(|| format!("cannot write {}", responses_path.display()))?;
        settings_text.push_str(&format!(
            "\n[[surveys]]\ndefinition = \"{name}.toml\"\nresponses = \"{name}-responses.csv\"\n"
        ));
    }
    let settings = dir.join("assessment-demo.toml");
    std::fs::write(&settings, settings_text)
        .with_context(|| format!("cannot write {}", settings.display()))?;
    let built =
        assess::build_file(config, &settings).await.context("cannot build the demo assessment")?;
    let figures_json = serde_json::to_string(&built.json)?;
    // With its settings (paths made absolute), so analysts can regenerate it on the web.
    let assessment = NewAssessment {
        title: &built.title,
        html: &built.html,
        figures_json: &figures_json,
        settings: Some(&built.settings),
    };
    let id = store.replace_assessment(&assessment, now).await?;
    Ok((built.title, id))
}

/// Loads two years of synthetic police.uk street data (seeded, so every demo gets the same
/// rows) and the plan's partner indicators, so the evidence commands have data to work on.
/// The import skips months already stored, so a second run writes nothing.
async fn seed_evidence(store: &Store, dir: &Path) -> anyhow::Result<Option<String>> {
    let synth = StreetSynth::new(SynthConfig {
        force: SYNTHETIC_FORCE.to_string(),
        months: 24,
        rows_per_month: 1_500,
        seed: 2022,
        start: "2021-01".parse().map_err(|e| anyhow::anyhow!("{e}"))?,
    })?;
    let police_dir = dir.join("synthetic-police-uk");
    let mut district = None;
    for idx in 0..synth.n_files() {
        let path = police_dir.join(synth.file_path(idx));
        let bytes = synth.file(idx);
        if district.is_none() {
            district = first_district(&bytes);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    import_police_uk(store, &[police_dir], false, &mut std::io::sink()).await?;

    let indicators_file = dir.join("partner-indicators-maidstone.csv");
    std::fs::write(&indicators_file, MAIDSTONE_INDICATORS)
        .with_context(|| format!("cannot write {}", indicators_file.display()))?;
    let (name, parsed) = partner_indicators::read(&indicators_file, true)?;
    partner_indicators::write(store, &name, &parsed).await?;
    Ok(district)
}

/// The district of the first located row of a synthetic street file: its LSOA name
/// ("Kent Downs 001A") without the last word.
fn first_district(file: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(file).ok()?;
    let lsoa_name = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(8).unwrap_or_default())
        .find(|name| !name.is_empty())?;
    lsoa_name.rsplit_once(' ').map(|(district, _)| district.to_string())
}
