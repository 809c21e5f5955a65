//! Safer's database.
//!
//! [`Store`] is the only way the rest of Safer touches the database. It wraps a connection pool
//! for SQLite (the embedded default: one file, WAL, foreign keys on) or PostgreSQL (for
//! partnerships that run several web instances), chosen by the URL scheme in
//! [`Store::connect`]. Every query is written once, in SQL both backends accept, and the
//! `on_pool!` macro runs it on whichever pool is in use. Migrations live in
//! `migrations/sqlite` and `migrations/postgres` with identical file names.
//!
//! Instants are stored as unix seconds (UTC) in `BIGINT` columns; see ARCHITECTURE.md.
#![deny(missing_docs)]

mod accounts;
mod assessments;
mod audit;
mod bulk;
mod casework;
mod casework_people;
mod dash;
mod error;
mod events;
mod evidence;
mod export;
mod geography;
mod indicators;
mod online_surveys;
mod panels;
mod plan_indicators;
mod plans;
mod police_uk;
mod powers;
mod premises;
mod public;
mod public_dashboard;
mod records;
mod sessions;
mod survey_waves;
mod trigger;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgPool, SqlitePool};

pub use accounts::{Agency, Membership, NewAgency, NewUser, Partnership, User, UserListing};
pub use assessments::{
    AssessmentJob, AssessmentSummary, JobStatus, NewAssessment, StoredAssessment, JOB_INTERRUPTED,
    JOB_STALE_AFTER_SECS,
};
pub use audit::{
    AuditAction, AuditAppend, AuditEntry, AuditProblem, AuditQuery, AuditRecord, AuditVerification,
    AUDIT_GENESIS_HASH, AUDIT_VERIFY_PAGE,
};
pub use casework::{
    normalise_postcode, CaseDetail, CaseFilter, CaseSummary, Incident, LinkedSubject, NewCase,
    NewIncident, NewSubject, Note, Share, SubjectMatch, Task, TeamMember,
};
pub use casework_people::CasePerson;
pub use dash::{answer_code, criterion_code, DashOutcome, NewDash, StoredDash, StoredReferral};
pub use error::{redact_url, Result, StoreError};
pub use events::SecurityEvent;
pub use evidence::{LsoaCount, PlaceCount, PointCount, StreetArea, StreetCount, StreetMonth};
pub use geography::{GeographyBatch, GeographyOutcome, NewBoundary, StoredBoundary};
pub use indicators::{NewPartnerIndicator, PartnerIndicator, PartnerIndicatorsOutcome};
pub use online_surveys::{
    survey_code_hash, NewOnlineSurvey, OnlineSurvey, OnlineSurveyOutcome, OnlineSurveyResponse,
    OnlineSurveySummary, SurveyAnswers, CODE_REFUSED, DEFINITION_FIXED, SURVEY_CLOSED,
};
pub use panels::{AgendaItem, Meeting, Panel};
pub use plan_indicators::{
    police_uk_observations, street_area, IndicatorsImportOutcome, HISTORY_MONTHS,
};
pub use plans::{PlanImportOutcome, PlanSummary, StoredPlan};
pub use police_uk::{
    NewOutcomeRow, NewStopSearchRow, NewStreetRow, PoliceUkFile, PoliceUkImport,
    PoliceUkImportOutcome, PoliceUkKind, PoliceUkRows,
};
pub use powers::{
    parse_requirement_kind, requirement_kind_str, CaseClock, CasePowers, ClockSource, NewCpn,
    NewRequirement, NewWarning, Power, PowerKind, PowerRecipient, StoredRequirement,
    NOT_ON_THIS_CASE,
};
pub use premises::{
    ImdDecile, NewPremises, PremisesImportOutcome, PremisesRegister, StoredPremises,
};
pub use public::{
    front_door_username, FrontDoorActor, NewPublicApplication, NewPublicReport, Open311Client,
    PublicApplicationStatus, PublicReceipt, PublicReportStatus, PublicRequest, ReportChannel,
    ReportLocation, Reporter,
};
pub use public_dashboard::{NewYouSaidWeDid, YouSaidWeDid};
pub use records::{DocumentInfo, LocationAssessment, ProblemSolving, StoredRiskAssessment};
pub use sessions::SessionRecord;
pub use survey_waves::{SurveyWave, SurveyWaveAnswer, SurveyWaveOutcome, SurveyWaveQuestion};
pub use trigger::{
    ground_from_name, ground_name, handles_case_reviews, DecisionFacts, NewTriggerApplication,
    NewTriggerReview, OnBehalf, RelevantBody, TriggerApplication, TriggerAssessment, TriggerCase,
    TriggerComplaint, TriggerDecisionInput, TriggerDecisionRecord, TriggerReview, TriggerSettings,
    TriggerStatus, TriggerSummary, DEFAULT_ESCALATION_ROUTE,
};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl BackendKind {
    /// The backend's name, as shown on `/healthz`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgres",
        }
    }

    /// The backend a database URL asks for, by its scheme.
    pub fn from_url(url: &str) -> Result<BackendKind> {
        if url.starts_with("sqlite:") {
            Ok(BackendKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(BackendKind::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Backend {
    /// The statement that opens a transaction which will write. SQLite's `BEGIN IMMEDIATE`
    /// takes the write lock at once, so concurrent writers queue on the busy timeout instead of
    /// one failing with SQLITE_BUSY when it upgrades a read lock mid-transaction (which the
    /// timeout cannot resolve); PostgreSQL's plain `BEGIN`.
    fn begin_write(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "BEGIN IMMEDIATE",
            Backend::Postgres(_) => "BEGIN",
        }
    }
}

/// Runs `$body` with `$pool` bound to whichever pool the store holds. The body is compiled once
/// per backend, so a query that one backend cannot type fails the build, not a request.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The database. Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to the database at `url`: `sqlite://PATH` (the file is created if missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        let connect_error = |source| StoreError::Connect { url: redact_url(url), source };
        match BackendKind::from_url(url)? {
            BackendKind::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(connect_error)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Ok(Store { backend: Backend::Sqlite(pool) })
            }
            BackendKind::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(connect_error)?;
                Store::connect_postgres(options).await.map_err(connect_error)
            }
        }
    }

    /// Connects to PostgreSQL with prepared options (tests use this to pick a schema).
    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Store, sqlx::Error> {
        // One direct connection first: a pool retries until its timeout, while a server that is
        // down or refuses us should be reported at once.
        sqlx::PgConnection::connect_with(&options).await?.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Store { backend: Backend::Postgres(pool) })
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Applies every migration not yet applied. Safe to run repeatedly and concurrently.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
            Backend::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// The names of the migrations built into this binary, for the given backend.
    pub fn migration_names(backend: BackendKind) -> Vec<String> {
        let migrator = match backend {
            BackendKind::Sqlite => &SQLITE_MIGRATOR,
            BackendKind::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator.iter().map(|m| format!("{:04}_{}", m.version, m.description)).collect()
    }

    /// Checks the database answers; used by `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Every column of every Safer table as (table, column, declared type in upper case), for
    /// schema-invariant tests and diagnostics.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String, String)>> {
        let mut columns: Vec<(String, String, String)> = match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        for column in &mut columns {
            column.2 = column.2.to_uppercase();
        }
        columns.sort();
        Ok(columns)
    }

    /// For an SQLite store, the `foreign_keys` and `journal_mode` pragmas of a pooled
    /// connection; `None` for PostgreSQL.
    pub async fn sqlite_pragmas(&self) -> Option<(i64, String)> {
        let Backend::Sqlite(pool) = &self.backend else { return None };
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(pool).await.ok()?;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.ok()?;
        Some((fk, mode))
    }

    /// Closes every connection; waits for them to be returned.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}
