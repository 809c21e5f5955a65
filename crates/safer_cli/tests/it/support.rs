//! Helpers the command-line tests share: running the binary against a data directory, reading
//! its outcome, and loading the real geography.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `safer --data-dir DIR ARGS...` with no ambient Safer configuration.
pub(crate) fn safer(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safer"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("SAFER_DATABASE_URL")
        .env_remove("SAFER_DATA_DIR")
        .env_remove("SAFER_LOG")
        .output()
        .expect("run safer")
}

/// The standard output of a run that must succeed.
pub(crate) fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "safer failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The standard error of a run that must fail, without a panic.
pub(crate) fn failed(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "safer should fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `safer geo import` of the real lookups, boundaries and (mid-2017) population; returns what
/// it printed.
pub(crate) fn import_real_geography(dir: &Path, data: &Path) -> String {
    ok(&safer(
        dir,
        &[
            "geo",
            "import",
            "--population-year",
            "2017",
            data.join("lsoa11-lsoa21-lookup-census2021-pop_AlexGibsonPlymouth").to_str().unwrap(),
            data.join("lsoa11-ward17-bestfit_traffordDataLab-crime_scanner").to_str().unwrap(),
            data.join("boundaries-kent-lsoa2011-wards2013_martinjc-UK-GeoJSON").to_str().unwrap(),
            data.join("population-lsoa-ward/population.json").to_str().unwrap(),
        ],
    ))
}

/// A server on loopback for the public front door, as the demo sets it up: a fresh SQLite
/// database with the Maidstone plan and the council that receives reports.
pub(crate) struct FrontDoorServer {
    /// Runs the server; kept for as long as the server is used.
    pub(crate) runtime: tokio::runtime::Runtime,
    /// Holds the database.
    pub(crate) dir: tempfile::TempDir,
    /// The database's URL, for running `safer` against it.
    pub(crate) url: String,
    /// The database, for setting things up and checking them.
    pub(crate) store: safer_storage::Store,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

/// Starts a [`FrontDoorServer`].
pub(crate) fn front_door_server() -> FrontDoorServer {
    use safer_web::{app, system_clock, AppState, WebConfig};

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("safer.db").display());
    let (store, address) = runtime.block_on(async {
        let store = safer_storage::Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let smp = safer_test_utils::fixtures::import_maidstone(&store).await;
        let council = safer_storage::NewAgency {
            code: "maidstone-borough-council",
            name: "Maidstone Borough Council",
            kind: safer_domain::AgencyKind::LocalAuthority,
        };
        let council = store.create_agency(&council, 0).await.unwrap();
        store.add_partnership_agency(smp, council.id, 0).await.unwrap();
        let config = WebConfig {
            public: Some(safer_cli::demo::public_config().unwrap()),
            ..WebConfig::default()
        };
        let state = AppState::new(store.clone(), config, system_clock()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service).await.unwrap();
        });
        (store, address)
    });
    FrontDoorServer { runtime, dir, url, store, base: format!("http://{address}") }
}
