//! Configuration: defaults < `safer.toml` < `SAFER_*` environment variables < flags, validated
//! once into [`Config`].

use safer_domain::casework::config::{parse_casework_rules, CaseworkRules};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use safer_web::WebConfig;
use serde::Deserialize;

use crate::cli::GlobalArgs;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where Safer keeps its files.
    pub data_dir: PathBuf,
    /// The database URL.
    pub database_url: String,
    /// Where the web application listens.
    pub bind: SocketAddr,
    /// The log filter.
    pub log: String,
    /// Web settings.
    pub web: WebConfig,
}

/// One layer of configuration; every field optional so layers can be merged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    log: Option<String>,
    #[serde(default)]
    server: ServerLayer,
    #[serde(default)]
    sessions: SessionsLayer,
    #[serde(default)]
    sign_in: SignInLayer,
    #[serde(default)]
    casework: CaseworkLayer,
    #[serde(default)]
    public: PublicLayer,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicLayer {
    partnership: Option<String>,
    agency: Option<String>,
    triage: Option<PathBuf>,
    submissions_per_address_per_hour: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseworkLayer {
    rules: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerLayer {
    bind: Option<String>,
    secure_cookies: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionsLayer {
    idle_minutes: Option<u64>,
    max_hours: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInLayer {
    max_failures_per_user: Option<u32>,
    max_failures_per_address: Option<u32>,
    window_minutes: Option<u64>,
}

/// The commented example printed by `safer config example`. A test checks it parses and holds
/// the defaults.
pub const EXAMPLE: &str = r#"# safer.toml: Safer's configuration. Every setting is optional; shown at its default.
# Later layers win: these defaults < this file < SAFER_* environment variables < flags.
# Environment variables are the key in upper case with sections joined by a double underscore,
# for example SAFER_SERVER__BIND=0.0.0.0:8080 or SAFER_DATABASE_URL=postgres://...

# Where Safer keeps its files (the SQLite database, imports, exports).
data_dir = "./safer-data"

# The database. Unset means SQLite at <data_dir>/safer.db. For PostgreSQL:
#   database_url = "postgres://safer:PASSWORD@db.example.internal:5432/safer"
# database_url = "sqlite://./safer-data/safer.db"

# Log filter: error, warn, info, debug, or per crate, e.g. "info,safer_web=debug".
log = "info"

[server]
# Address and port the web application listens on.
bind = "127.0.0.1:8080"
# Mark cookies Secure. Set to true whenever Safer is served over HTTPS, as production must be.
secure_cookies = false

[sessions]
# Sign a user out after this many minutes without a request.
idle_minutes = 120
# Sign a user out this many hours after they signed in, however active.
max_hours = 12

[sign_in]
# Refuse sign-in for a username after this many failures within the window.
max_failures_per_user = 5
# Refuse sign-in from one address after this many failures within the window.
max_failures_per_address = 20
# The window, in minutes.
window_minutes = 15

[public]
# The public front door (/public: "Is it ASB?" reporting, the Community Trigger online, the
# public dashboard, surveys, Open311). Off unless `partnership` is set; then `agency` (the code
# of the agency that receives reports) and `triage` (the "Is it ASB?" rules, docs/asb-triage.md)
# are required. `safer demo` turns it on for the Maidstone demo.
# partnership = "safer-maidstone-partnership"
# agency = "maidstone-borough-council"
# triage = "plans/maidstone-asb-triage.toml"
# Reports, applications and survey responses accepted per client address per hour.
# submissions_per_address_per_hour = 30

[casework]
# The partnership's own casework rules: the ASB victim risk questions, thresholds and review
# cadence, the repeat-victim rule, and dated CPN and fixed penalty rules (docs/casework-rules.md;
# start from examples/casework-rules.toml). Unset means Safer's defaults.
# rules = "casework-rules.toml"
"#;

impl Layer {
    fn from_file(path: &Path) -> anyhow::Result<Layer> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).map_err(|err| {
            let place = err
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(":{line}")
                })
                .unwrap_or_default();
            let message = err.message().lines().next().unwrap_or_default().to_string();
            anyhow::anyhow!("{}{place}: {message}", path.display())
        })
    }

    fn from_env(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Layer> {
        fn parse<T: std::str::FromStr>(
            name: &str,
            value: Option<String>,
        ) -> anyhow::Result<Option<T>>
        where
            T::Err: std::fmt::Display,
        {
            value
                .map(|v| v.trim().parse::<T>().map_err(|e| anyhow::anyhow!("{name}={v:?}: {e}")))
                .transpose()
        }
        let var = |name: &str| get(name).filter(|v| !v.is_empty());
        Ok(Layer {
            data_dir: var("SAFER_DATA_DIR").map(PathBuf::from),
            database_url: var("SAFER_DATABASE_URL"),
            log: var("SAFER_LOG"),
            server: ServerLayer {
                bind: var("SAFER_SERVER__BIND"),
                secure_cookies: parse(
                    "SAFER_SERVER__SECURE_COOKIES",
                    var("SAFER_SERVER__SECURE_COOKIES"),
                )?,
            },
            sessions: SessionsLayer {
                idle_minutes: parse(
                    "SAFER_SESSIONS__IDLE_MINUTES",
                    var("SAFER_SESSIONS__IDLE_MINUTES"),
                )?,
                max_hours: parse("SAFER_SESSIONS__MAX_HOURS", var("SAFER_SESSIONS__MAX_HOURS"))?,
            },
            casework: CaseworkLayer { rules: var("SAFER_CASEWORK__RULES").map(PathBuf::from) },
            public: PublicLayer {
                partnership: var("SAFER_PUBLIC__PARTNERSHIP"),
                agency: var("SAFER_PUBLIC__AGENCY"),
                triage: var("SAFER_PUBLIC__TRIAGE").map(PathBuf::from),
                submissions_per_address_per_hour: parse(
                    "SAFER_PUBLIC__SUBMISSIONS_PER_ADDRESS_PER_HOUR",
                    var("SAFER_PUBLIC__SUBMISSIONS_PER_ADDRESS_PER_HOUR"),
                )?,
            },
            sign_in: SignInLayer {
                max_failures_per_user: parse(
                    "SAFER_SIGN_IN__MAX_FAILURES_PER_USER",
                    var("SAFER_SIGN_IN__MAX_FAILURES_PER_USER"),
                )?,
                max_failures_per_address: parse(
                    "SAFER_SIGN_IN__MAX_FAILURES_PER_ADDRESS",
                    var("SAFER_SIGN_IN__MAX_FAILURES_PER_ADDRESS"),
                )?,
                window_minutes: parse(
                    "SAFER_SIGN_IN__WINDOW_MINUTES",
                    var("SAFER_SIGN_IN__WINDOW_MINUTES"),
                )?,
            },
        })
    }

    /// `other` wins wherever it sets a value.
    fn merge(self, other: Layer) -> Layer {
        Layer {
            data_dir: other.data_dir.or(self.data_dir),
            database_url: other.database_url.or(self.database_url),
            log: other.log.or(self.log),
            server: ServerLayer {
                bind: other.server.bind.or(self.server.bind),
                secure_cookies: other.server.secure_cookies.or(self.server.secure_cookies),
            },
            sessions: SessionsLayer {
                idle_minutes: other.sessions.idle_minutes.or(self.sessions.idle_minutes),
                max_hours: other.sessions.max_hours.or(self.sessions.max_hours),
            },
            sign_in: SignInLayer {
                max_failures_per_user: other
                    .sign_in
                    .max_failures_per_user
                    .or(self.sign_in.max_failures_per_user),
                max_failures_per_address: other
                    .sign_in
                    .max_failures_per_address
                    .or(self.sign_in.max_failures_per_address),
                window_minutes: other.sign_in.window_minutes.or(self.sign_in.window_minutes),
            },
            casework: CaseworkLayer { rules: other.casework.rules.or(self.casework.rules) },
            public: PublicLayer {
                partnership: other.public.partnership.or(self.public.partnership),
                agency: other.public.agency.or(self.public.agency),
                triage: other.public.triage.or(self.public.triage),
                submissions_per_address_per_hour: other
                    .public
                    .submissions_per_address_per_hour
                    .or(self.public.submissions_per_address_per_hour),
            },
        }
    }
}

/// Checks a setting that must be positive.
fn positive(name: &str, value: u64) -> anyhow::Result<u64> {
    if value == 0 {
        bail!("{name} must be greater than zero");
    }
    Ok(value)
}

impl Config {
    /// Loads every layer and validates the result. `bind` is the command's own `--bind` flag.
    pub fn load(global: &GlobalArgs, bind: Option<&str>) -> anyhow::Result<Config> {
        Config::load_with_env(global, bind, &|name| std::env::var(name).ok())
    }

    /// [`Config::load`] with the environment supplied, for tests.
    pub fn load_with_env(
        global: &GlobalArgs,
        bind: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let file_layer = match &global.config {
            Some(path) => Layer::from_file(path)?,
            None if Path::new("safer.toml").is_file() => Layer::from_file(Path::new("safer.toml"))?,
            None => Layer::default(),
        };
        let flags = Layer {
            data_dir: global.data_dir.clone(),
            database_url: global.database_url.clone(),
            log: global.log.clone(),
            server: ServerLayer { bind: bind.map(str::to_string), secure_cookies: None },
            ..Layer::default()
        };
        let layer = file_layer.merge(Layer::from_env(env)?).merge(flags);
        Config::validate(layer)
    }

    /// The defaults with this data directory and database, as the demo's tests set it up.
    pub fn for_database(data_dir: &Path, database_url: &str) -> anyhow::Result<Config> {
        Config::validate(Layer {
            data_dir: Some(data_dir.to_path_buf()),
            database_url: Some(database_url.to_string()),
            ..Layer::default()
        })
    }

    fn validate(layer: Layer) -> anyhow::Result<Config> {
        let data_dir = layer.data_dir.unwrap_or_else(|| PathBuf::from("./safer-data"));
        let database_url = match layer.database_url {
            Some(url) => {
                safer_storage::BackendKind::from_url(&url)?;
                url
            }
            None => format!("sqlite://{}", data_dir.join("safer.db").display()),
        };
        let bind_text = layer.server.bind.unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            anyhow::anyhow!("invalid bind address `{bind_text}`; expected an IP address and port such as 127.0.0.1:8080")
        })?;
        let idle_minutes =
            positive("sessions.idle_minutes", layer.sessions.idle_minutes.unwrap_or(120))?;
        let max_hours = positive("sessions.max_hours", layer.sessions.max_hours.unwrap_or(12))?;
        let window_minutes =
            positive("sign_in.window_minutes", layer.sign_in.window_minutes.unwrap_or(15))?;
        let per_user = positive(
            "sign_in.max_failures_per_user",
            u64::from(layer.sign_in.max_failures_per_user.unwrap_or(5)),
        )?;
        let per_address = positive(
            "sign_in.max_failures_per_address",
            u64::from(layer.sign_in.max_failures_per_address.unwrap_or(20)),
        )?;
        let casework = match &layer.casework.rules {
            None => CaseworkRules::default(),
            Some(path) => {
                let source = std::fs::read_to_string(path)
                    .with_context(|| format!("casework.rules: cannot read {}", path.display()))?;
                parse_casework_rules(&source).map_err(|errors| {
                    crate::commands::located_problems(
                        &path.display().to_string(),
                        "casework rules file",
                        errors
                            .iter()
                            .map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
                    )
                })?
            }
        };
        let public = match layer.public.partnership {
            None => None,
            Some(partnership) => {
                let agency = layer.public.agency.ok_or_else(|| {
                    anyhow::anyhow!("public.agency must be set with public.partnership: the code of the agency that receives reports")
                })?;
                let path = layer.public.triage.ok_or_else(|| {
                    anyhow::anyhow!("public.triage must be set with public.partnership: the \"Is it ASB?\" rules file (docs/asb-triage.md)")
                })?;
                let source = std::fs::read_to_string(&path)
                    .with_context(|| format!("public.triage: cannot read {}", path.display()))?;
                let triage = safer_domain::triage::parse_triage(&source).map_err(|errors| {
                    crate::commands::located_problems(
                        &path.display().to_string(),
                        "triage rules file",
                        errors
                            .iter()
                            .map(|e| (e.line, e.column, e.field.as_str(), e.message.as_str())),
                    )
                })?;
                let per_hour = positive(
                    "public.submissions_per_address_per_hour",
                    u64::from(layer.public.submissions_per_address_per_hour.unwrap_or(30)),
                )?;
                Some(std::sync::Arc::new(safer_web::PublicConfig {
                    partnership,
                    agency,
                    triage: std::sync::Arc::new(triage),
                    submissions_per_address_per_hour: per_hour as u32,
                }))
            }
        };
        Ok(Config {
            data_dir,
            database_url,
            bind,
            log: layer.log.unwrap_or_else(|| "info".to_string()),
            web: WebConfig {
                secure_cookies: layer.server.secure_cookies.unwrap_or(false),
                session_idle: Duration::from_secs(idle_minutes * 60),
                session_max: Duration::from_secs(max_hours * 60 * 60),
                login_max_failures_per_user: per_user as u32,
                login_max_failures_per_address: per_address as u32,
                login_window: Duration::from_secs(window_minutes * 60),
                casework: std::sync::Arc::new(casework),
                public,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn example_parses_to_the_defaults() {
        let from_example = Config::validate(toml::from_str::<Layer>(EXAMPLE).unwrap()).unwrap();
        let defaults = Config::validate(Layer::default()).unwrap();
        assert_eq!(format!("{from_example:?}"), format!("{defaults:?}"));
        assert_eq!(defaults.database_url, "sqlite://./safer-data/safer.db");
        assert_eq!(defaults.bind.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn a_casework_rules_file_is_read_and_its_problems_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("casework-rules.toml");
        let example = include_str!("../../../examples/casework-rules.toml");
        std::fs::write(&rules, example.replace("incidents = 3", "incidents = 4")).unwrap();
        let env =
            |name: &str| (name == "SAFER_CASEWORK__RULES").then(|| rules.display().to_string());
        let config = Config::load_with_env(&GlobalArgs::default(), None, &env).unwrap();
        assert_eq!(config.web.casework.repeat_victim.incidents(), 4);
        assert_eq!(config.web.casework.risk, CaseworkRules::default().risk);

        std::fs::write(&rules, example.replace("months = 3", "months = 0")).unwrap();
        let line = example.lines().position(|l| l == "[repeat_victim]").unwrap() + 1;
        let err = Config::load_with_env(&GlobalArgs::default(), None, &env).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains(&format!("casework-rules.toml:{line}:")), "{text}");
        assert!(text.contains("repeat_victim"), "{text}");
    }

    #[test]
    fn the_front_door_is_set_up_from_its_section_or_refused_with_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("triage.toml");
        let shipped = include_str!("../../../plans/maidstone-asb-triage.toml");
        std::fs::write(&rules, shipped).unwrap();
        let file = dir.path().join("safer.toml");
        let section = format!(
            "[public]\npartnership = \"safer-maidstone-partnership\"\nagency = \"maidstone-borough-council\"\ntriage = \"{}\"\n",
            rules.display()
        );
        std::fs::write(&file, &section).unwrap();
        let global = GlobalArgs { config: Some(file.clone()), ..GlobalArgs::default() };
        let config = Config::load_with_env(&global, None, &no_env).unwrap();
        let public = config.web.public.expect("the front door is on");
        assert_eq!(public.agency, "maidstone-borough-council");
        assert_eq!(public.submissions_per_address_per_hour, 30);
        assert!(public.triage.behaviour("noise").is_some());
        assert!(Config::validate(Layer::default()).unwrap().web.public.is_none(), "off by default");

        std::fs::write(&file, "[public]\npartnership = \"safer-maidstone-partnership\"\n").unwrap();
        let err = format!("{:#}", Config::load_with_env(&global, None, &no_env).unwrap_err());
        assert!(err.contains("public.agency"), "{err}");

        std::fs::write(&rules, shipped.replace("route = \"council-asb\"", "route = \"council\""))
            .unwrap();
        std::fs::write(&file, &section).unwrap();
        let err = format!("{:#}", Config::load_with_env(&global, None, &no_env).unwrap_err());
        assert!(err.contains("triage.toml:"), "{err}");
    }

    #[test]
    fn later_layers_win() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("safer.toml");
        std::fs::write(
            &file,
            "data_dir = \"/from/file\"\nlog = \"warn\"\n[server]\nbind = \"127.0.0.1:1\"\n",
        )
        .unwrap();
        let env = |name: &str| match name {
            "SAFER_LOG" => Some("debug".to_string()),
            "SAFER_SERVER__BIND" => Some("127.0.0.1:2".to_string()),
            _ => None,
        };
        let global = GlobalArgs { config: Some(file.clone()), ..GlobalArgs::default() };
        let config = Config::load_with_env(&global, None, &env).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/from/file"));
        assert_eq!(config.log, "debug");
        assert_eq!(config.bind.to_string(), "127.0.0.1:2");
        let config = Config::load_with_env(&global, Some("127.0.0.1:3"), &env).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:3", "flags win");
    }

    #[test]
    fn bad_values_are_one_clear_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("safer.toml");
        std::fs::write(&file, "[server]\nbind = \"127.0.0.1:8080\"\nsecure_cookie = true\n")
            .unwrap();
        let global = GlobalArgs { config: Some(file.clone()), ..GlobalArgs::default() };
        let err = Config::load_with_env(&global, None, &no_env).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}:3: unknown field `secure_cookie`, expected `bind` or `secure_cookies`",
                file.display()
            )
        );

        let err = Config::load_with_env(&GlobalArgs::default(), Some("localhost"), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid bind address `localhost`"), "{err}");

        let env = |name: &str| (name == "SAFER_SESSIONS__IDLE_MINUTES").then(|| "ten".to_string());
        let err =
            Config::load_with_env(&GlobalArgs::default(), None, &env).unwrap_err().to_string();
        assert_eq!(err, "SAFER_SESSIONS__IDLE_MINUTES=\"ten\": invalid digit found in string");

        let env = |name: &str| (name == "SAFER_SIGN_IN__WINDOW_MINUTES").then(|| "0".to_string());
        let err =
            Config::load_with_env(&GlobalArgs::default(), None, &env).unwrap_err().to_string();
        assert_eq!(err, "sign_in.window_minutes must be greater than zero");

        let global =
            GlobalArgs { database_url: Some("mysql://x".to_string()), ..GlobalArgs::default() };
        let err = Config::load_with_env(&global, None, &no_env).unwrap_err().to_string();
        assert!(err.starts_with("unsupported database URL `mysql://x`"), "{err}");
    }
}
