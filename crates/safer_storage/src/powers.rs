//! Enforcement powers on a case (ASB, Crime and Policing Act 2014): Community Protection
//! Warnings and Notices, fixed penalty notices, closure notices and orders, Public Spaces
//! Protection Orders and civil injunctions, and every clock they start.
//!
//! **The statute is enforced in the same transaction as the write.** Each function loads what
//! the rule needs (the case's warnings, the recipient's date of birth, the notice an FPN is
//! for), builds the domain values of [`safer_domain::casework::powers`] and calls the rule; a
//! refusal comes back as [`StoreError::Rule`] with the rule's own message, and nothing is
//! written. Clocks are never stored: [`Store::case_clocks`] and [`Store::due_list`] rebuild the
//! domain values from the rows and ask them, so every clock is counted by the one convention
//! of `safer_domain::casework`.
//!
//! Access and audit are those of [`crate::casework`]: the need-to-know rule is checked inside
//! the transaction, a refusal is audited and reported as not found, and every read and write
//! appends an audit entry naming ids only (never the conduct text or a recipient's name).
//!
//! Dates cross this API as `YYYY-MM-DD` text, as in the rest of the store; [`day`] parses them
//! into the domain's dates.

use safer_domain::access::{CaseAccess, Viewer};
use safer_domain::case::{CaseType, SubjectKind};
use safer_domain::casework::powers::{
    issue_cpn, AgeEvidence, CivilInjunction, ClosureIssuer, ClosureNotice, ClosureOrder,
    ConductKey, Cpn, CpnDraft, FixedPenalty, PenaltyFor, PowersError, Pspo, Recipient,
    RecipientKey, Requirement, RequirementKind, RequirementStatus, RuleSet, Warning,
};
use safer_domain::casework::trigger::{sla_clocks, TriggerSla};
use safer_domain::casework::{Clock, ClockKind, Due};
use safer_domain::ids::{CaseId, PartnershipId, SubjectId};

use crate::audit::AuditAction;
use crate::casework::{access_of, audit, refuse, READABLE};
use crate::trigger::{handles_case_reviews, TriggerSettings, TriggerStatus};
use crate::{on_pool, Result, Store, StoreError};

/// The kinds of power recorded on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerKind {
    /// Community Protection Warning (s.43(5)(a)).
    Cpw,
    /// Community Protection Notice (s.43).
    Cpn,
    /// Fixed penalty notice for failing to comply with a CPN (s.52).
    Fpn,
    /// Closure notice (ss.76–77).
    ClosureNotice,
    /// Closure order (ss.80–82).
    ClosureOrder,
    /// Public Spaces Protection Order (s.59 onwards).
    Pspo,
    /// Civil injunction (Part 1).
    Injunction,
    /// Prosecution for a breach.
    Prosecution,
}

impl PowerKind {
    /// Every kind, in the order they are shown.
    pub const ALL: [PowerKind; 8] = [
        PowerKind::Cpw,
        PowerKind::Cpn,
        PowerKind::Fpn,
        PowerKind::ClosureNotice,
        PowerKind::ClosureOrder,
        PowerKind::Pspo,
        PowerKind::Injunction,
        PowerKind::Prosecution,
    ];

    /// The stored spelling, such as `closure-notice`.
    pub fn as_str(self) -> &'static str {
        match self {
            PowerKind::Cpw => "cpw",
            PowerKind::Cpn => "cpn",
            PowerKind::Fpn => "fpn",
            PowerKind::ClosureNotice => "closure-notice",
            PowerKind::ClosureOrder => "closure-order",
            PowerKind::Pspo => "pspo",
            PowerKind::Injunction => "injunction",
            PowerKind::Prosecution => "prosecution",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            PowerKind::Cpw => "Community Protection Warning",
            PowerKind::Cpn => "Community Protection Notice",
            PowerKind::Fpn => "Fixed penalty notice",
            PowerKind::ClosureNotice => "Closure notice",
            PowerKind::ClosureOrder => "Closure order",
            PowerKind::Pspo => "Public Spaces Protection Order",
            PowerKind::Injunction => "Civil injunction",
            PowerKind::Prosecution => "Prosecution",
        }
    }

    fn parse(text: &str) -> Option<PowerKind> {
        PowerKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A CPN requirement as given and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequirement {
    /// Stop, do, or take reasonable steps.
    pub kind: RequirementKind,
    /// What is required, as written on the notice.
    pub text: String,
    /// The day by which it must be met, `YYYY-MM-DD`, if the notice sets one.
    pub deadline_on: Option<String>,
}

/// The stored spelling of a requirement kind.
pub fn requirement_kind_str(kind: RequirementKind) -> &'static str {
    match kind {
        RequirementKind::Stop => "stop",
        RequirementKind::Do => "do",
        RequirementKind::TakeSteps => "take-steps",
    }
}

/// The requirement kind with this stored spelling.
pub fn parse_requirement_kind(text: &str) -> Option<RequirementKind> {
    match text {
        "stop" => Some(RequirementKind::Stop),
        "do" => Some(RequirementKind::Do),
        "take-steps" => Some(RequirementKind::TakeSteps),
        _ => None,
    }
}

/// A CPN requirement as stored, with whether it binds now (s.46: while an appeal is pending
/// only "stop" requirements do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequirement {
    /// Stop, do, or take reasonable steps.
    pub kind: RequirementKind,
    /// What is required.
    pub text: String,
    /// Its deadline, if any.
    pub deadline_on: Option<String>,
    /// Whether it binds now.
    pub in_force: bool,
}

/// A warning to record.
#[derive(Debug, Clone, Copy)]
pub struct NewWarning<'a> {
    /// The recipient: a person or premises linked to the case.
    pub subject: SubjectId,
    /// What conduct, as a short code or phrase (no names): a CPN must name the same.
    pub conduct: &'a str,
    /// The day it was given, `YYYY-MM-DD`.
    pub issued_on: &'a str,
    /// The last day of the time it gives to stop, `YYYY-MM-DD`.
    pub comply_by_on: &'a str,
}

/// A CPN to issue.
#[derive(Debug, Clone)]
pub struct NewCpn<'a> {
    /// The recipient: a person or premises linked to the case.
    pub subject: SubjectId,
    /// The conduct, as named on the warning.
    pub conduct: &'a str,
    /// The day it is issued, `YYYY-MM-DD`.
    pub issued_on: &'a str,
    /// Its requirements (at least one).
    pub requirements: Vec<NewRequirement>,
}

/// A power as recorded on a case. Columns a kind does not use are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Power {
    /// Its id.
    pub id: i64,
    /// The case.
    pub case: CaseId,
    /// Which power.
    pub kind: PowerKind,
    /// The recipient, respondent or defendant.
    pub subject: Option<SubjectId>,
    /// Their name, for the case's own pages.
    pub subject_name: Option<String>,
    /// The conduct a CPW or CPN is about.
    pub conduct: Option<String>,
    /// The power this one follows (a CPN's warning, an FPN's notice).
    pub related: Option<i64>,
    /// Issued, given, made or granted on.
    pub issued_on: Option<String>,
    /// A CPW's last day to stop.
    pub comply_by_on: Option<String>,
    /// An FPN's offence day.
    pub offence_on: Option<String>,
    /// The last day in force (closure order, PSPO, injunction).
    pub until_on: Option<String>,
    /// A PSPO's latest extension.
    pub extended_on: Option<String>,
    /// When a closure notice was served (unix seconds).
    pub served_at: Option<i64>,
    /// A closure notice's hours.
    pub hours: Option<i32>,
    /// Who issued a closure notice: `police-inspector` or `local-authority`.
    pub issuer: Option<String>,
    /// A CPN's requirements.
    pub requirements: Vec<StoredRequirement>,
    /// An FPN's amount, in pence.
    pub amount_pence: Option<i64>,
    /// An FPN's early-payment amount, in pence.
    pub early_amount_pence: Option<i64>,
    /// The last day of an FPN's early-payment amount.
    pub early_by_on: Option<String>,
    /// The last day to pay an FPN.
    pub pay_by_on: Option<String>,
    /// The first day of the rule version that priced an FPN.
    pub rules_valid_from_on: Option<String>,
    /// Whether an injunction carries a power of arrest.
    pub power_of_arrest: Option<bool>,
    /// When an appeal was lodged.
    pub appeal_lodged_on: Option<String>,
    /// The appeal's outcome.
    pub appeal_outcome: Option<String>,
    /// `in-force`, `appeal-pending`, `quashed` or `ended`.
    pub status: String,
    /// When it was recorded.
    pub created_at: i64,
}

/// A subject of the case a warning, notice or injunction can be given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerRecipient {
    /// The subject.
    pub id: SubjectId,
    /// Its name.
    pub name: String,
    /// A person or premises.
    pub kind: SubjectKind,
}

/// A case's powers page: its reference, who powers can be used against, what was used, and
/// the clocks still running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePowers {
    /// The case.
    pub case: CaseId,
    /// Its reference.
    pub reference: String,
    /// The people and premises linked to the case, by name.
    pub recipients: Vec<PowerRecipient>,
    /// The powers recorded, oldest first.
    pub powers: Vec<Power>,
    /// The clocks still running, soonest first.
    pub clocks: Vec<CaseClock>,
}

/// One clock of a case, for a case's clocks table or the due list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClock {
    /// The case.
    pub case: CaseId,
    /// Its reference, such as `ASB-000042`.
    pub reference: String,
    /// What set the clock running.
    pub source: ClockSource,
    /// The clock.
    pub clock: Clock,
}

/// What set a case's clock running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockSource {
    /// An enforcement power recorded on the case.
    Power {
        /// The power's id.
        id: i64,
        /// Which kind of power.
        kind: PowerKind,
    },
    /// The case's next review (`cases.next_review_on`), set by an ASB risk assessment or a
    /// panel's minutes; only an open case's.
    CaseReview,
    /// A service level of a Community Trigger application still under way on the case.
    TriggerApplication {
        /// The application's id.
        id: i64,
        /// Its reference, such as `CT-000012`.
        reference: String,
    },
}

impl ClockSource {
    /// The stored spelling of what set the clock: a power's kind, `case-review` or
    /// `trigger-application`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ClockSource::Power { kind, .. } => kind.as_str(),
            ClockSource::CaseReview => "case-review",
            ClockSource::TriggerApplication { .. } => "trigger-application",
        }
    }

    /// An order among the clocks of one moment: powers by id, then the review, then
    /// applications by id.
    fn rank(&self) -> (u8, i64) {
        match self {
            ClockSource::Power { id, .. } => (0, *id),
            ClockSource::CaseReview => (1, 0),
            ClockSource::TriggerApplication { id, .. } => (2, *id),
        }
    }
}

impl CaseClock {
    /// The clock's moment in unix seconds, for sorting: an instant as it is, a day at its end
    /// (23:59:59 UTC), so a deadline "by 23 March" sorts after a hearing at 10:00 that day.
    pub fn sort_key(&self) -> i64 {
        due_seconds(self.clock.due)
    }
}

/// Unix seconds of a clock's moment (a day's last second, UTC).
fn due_seconds(due: Due) -> i64 {
    match due {
        Due::Date(date) => date.midnight().assume_utc().unix_timestamp() + 86_399,
        Due::Instant(instant) => instant.unix_timestamp(),
    }
}

/// A `YYYY-MM-DD` day as the domain's date (wrapped in [`Due::Date`]; take it out with
/// [`Due::date`]), or `None` if it is not a real day.
fn day(text: &str) -> Option<Due> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).ok().map(Due::Date)
}

/// A unix time as the domain's instant (wrapped in [`Due::Instant`]), in UTC.
fn instant(unix_seconds: i64) -> Due {
    Due::Instant(
        time::OffsetDateTime::from_unix_timestamp(unix_seconds)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// A day typed by a person: a real `YYYY-MM-DD` day, or a [`StoreError::Rule`] naming `what`.
fn given_day(text: &str, what: &str) -> Result<Due> {
    day(text).ok_or_else(|| StoreError::Rule(format!("enter {what} as a real date, YYYY-MM-DD")))
}

/// A stored day, or [`StoreError::Corrupt`].
fn stored_day(text: Option<&str>, id: i64) -> Result<Due> {
    text.and_then(day).ok_or_else(|| StoreError::Corrupt(format!("power {id}: a date is missing")))
}

fn rule(err: PowersError) -> StoreError {
    StoreError::Rule(err.to_string())
}

/// The recipient key of a subject: its id, never its name.
fn recipient_key(subject: i64) -> RecipientKey {
    RecipientKey(format!("subject-{subject}"))
}

/// The conduct key: the text as typed, trimmed, compared without regard to case.
fn conduct_key(conduct: &str) -> ConductKey {
    ConductKey(conduct.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
}

#[derive(sqlx::FromRow)]
struct PowerRow {
    id: i64,
    case_id: i64,
    kind: String,
    subject_id: Option<i64>,
    subject_name: Option<String>,
    conduct: Option<String>,
    related_id: Option<i64>,
    issued_on: Option<String>,
    comply_by_on: Option<String>,
    offence_on: Option<String>,
    until_on: Option<String>,
    extended_on: Option<String>,
    served_at: Option<i64>,
    hours: Option<i32>,
    issuer: Option<String>,
    requirements: Option<String>,
    amount_pence: Option<i64>,
    early_amount_pence: Option<i64>,
    early_by_on: Option<String>,
    pay_by_on: Option<String>,
    rules_valid_from_on: Option<String>,
    power_of_arrest: Option<bool>,
    appeal_lodged_on: Option<String>,
    appeal_outcome: Option<String>,
    status: String,
    created_at: i64,
}

const POWER_COLUMNS: &str = "p.id, p.case_id, p.kind, p.subject_id, s.name AS subject_name, \
     p.conduct, p.related_id, p.issued_on, p.comply_by_on, p.offence_on, p.until_on, \
     p.extended_on, p.served_at, p.hours, p.issuer, p.requirements, p.amount_pence, \
     p.early_amount_pence, p.early_by_on, p.pay_by_on, p.rules_valid_from_on, p.power_of_arrest, p.appeal_lodged_on, \
     p.appeal_outcome, p.status, p.created_at";

const POWERS_OF_CASE: &str = "FROM case_powers p LEFT JOIN case_subjects s ON s.id = p.subject_id \
     WHERE p.case_id = $1 ORDER BY p.id";

impl PowerRow {
    fn kind(&self) -> Result<PowerKind> {
        PowerKind::parse(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("power {}: kind", self.id)))
    }

    fn requirements(&self) -> Result<Vec<NewRequirement>> {
        let Some(text) = &self.requirements else { return Ok(Vec::new()) };
        let corrupt = || StoreError::Corrupt(format!("power {}: requirements", self.id));
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| corrupt())?;
        value
            .as_array()
            .ok_or_else(corrupt)?
            .iter()
            .map(|item| {
                Ok(NewRequirement {
                    kind: item["kind"]
                        .as_str()
                        .and_then(parse_requirement_kind)
                        .ok_or_else(corrupt)?,
                    text: item["text"].as_str().ok_or_else(corrupt)?.to_string(),
                    deadline_on: item["deadline_on"].as_str().map(str::to_string),
                })
            })
            .collect()
    }

    fn warning(&self) -> Result<Warning> {
        Ok(Warning {
            recipient: recipient_key(self.subject_id.unwrap_or_default()),
            conduct: conduct_key(self.conduct.as_deref().unwrap_or_default()),
            issued_on: stored_day(self.issued_on.as_deref(), self.id)?.date(),
            comply_by: stored_day(self.comply_by_on.as_deref(), self.id)?.date(),
        })
    }

    /// The CPN this row holds, with the day of the warning it follows (from `rows`).
    fn cpn(&self, rows: &[PowerRow]) -> Result<Cpn> {
        let warning_on = rows
            .iter()
            .find(|row| Some(row.id) == self.related_id)
            .and_then(|row| row.issued_on.as_deref())
            .or(self.issued_on.as_deref());
        Ok(Cpn {
            recipient: recipient_key(self.subject_id.unwrap_or_default()),
            conduct: conduct_key(self.conduct.as_deref().unwrap_or_default()),
            issued_on: stored_day(self.issued_on.as_deref(), self.id)?.date(),
            warning_issued_on: stored_day(warning_on, self.id)?.date(),
            requirements: requirements_of(&self.requirements()?)?,
        })
    }

    fn closure_notice(&self) -> Result<ClosureNotice> {
        let Due::Instant(served_at) = instant(self.served_at.unwrap_or_default()) else {
            unreachable!("instant() returns an instant")
        };
        Ok(ClosureNotice {
            served_at,
            hours: u8::try_from(self.hours.unwrap_or_default())
                .map_err(|_| StoreError::Corrupt(format!("power {}: hours", self.id)))?,
        })
    }

    fn closure_order(&self) -> Result<ClosureOrder> {
        Ok(ClosureOrder {
            made_on: stored_day(self.issued_on.as_deref(), self.id)?.date(),
            until: stored_day(self.until_on.as_deref(), self.id)?.date(),
        })
    }

    fn pspo(&self) -> Result<Pspo> {
        Ok(Pspo {
            made_on: stored_day(self.issued_on.as_deref(), self.id)?.date(),
            last_day: stored_day(self.until_on.as_deref(), self.id)?.date(),
            extended_on: match self.extended_on.as_deref() {
                Some(text) => Some(stored_day(Some(text), self.id)?.date()),
                None => None,
            },
        })
    }

    /// The penalty as it was given: amounts and days as priced then, whatever the rules say now.
    fn fpn(&self) -> Result<FixedPenalty> {
        let pence = |value: Option<i64>| {
            value
                .and_then(|p| u32::try_from(p).ok())
                .ok_or_else(|| StoreError::Corrupt(format!("power {}: amount", self.id)))
        };
        Ok(FixedPenalty {
            penalty_for: PenaltyFor::Cpn,
            offence_on: stored_day(self.offence_on.as_deref(), self.id)?.date(),
            given_on: stored_day(self.issued_on.as_deref(), self.id)?.date(),
            amount_pence: pence(self.amount_pence)?,
            early_payment: match self.early_amount_pence {
                Some(amount) => Some((
                    pence(Some(amount))?,
                    stored_day(self.early_by_on.as_deref(), self.id)?.date(),
                )),
                None => None,
            },
            pay_by: stored_day(self.pay_by_on.as_deref(), self.id)?.date(),
            rules_valid_from: stored_day(self.rules_valid_from_on.as_deref(), self.id)?.date(),
        })
    }

    fn injunction(&self) -> Result<CivilInjunction> {
        Ok(CivilInjunction {
            respondent: recipient_key(self.subject_id.unwrap_or_default()),
            granted_on: stored_day(self.issued_on.as_deref(), self.id)?.date(),
            until: match self.until_on.as_deref() {
                Some(text) => Some(stored_day(Some(text), self.id)?.date()),
                None => None,
            },
            power_of_arrest: self.power_of_arrest.unwrap_or(false),
        })
    }

    /// The clocks still running: none for a quashed or ended power; a warning's none once a
    /// CPN follows it; an appeal window's none once an appeal is lodged; a requirement's
    /// deadline none while it is suspended by a pending appeal (s.46).
    fn live_clocks(&self, rows: &[PowerRow]) -> Result<Vec<Clock>> {
        if self.status == "quashed" || self.status == "ended" {
            return Ok(Vec::new());
        }
        let appealed = self.appeal_lodged_on.is_some();
        let clocks = match self.kind()? {
            PowerKind::Cpw => {
                let followed = rows.iter().any(|row| {
                    row.kind == "cpn" && row.related_id == Some(self.id) && row.status != "quashed"
                });
                if followed {
                    Vec::new()
                } else {
                    self.warning()?.clocks()
                }
            }
            PowerKind::Cpn => {
                let cpn = self.cpn(rows)?;
                let mut clocks = Vec::new();
                if !appealed {
                    clocks.push(cpn.clocks().remove(0));
                }
                let pending = self.status == "appeal-pending";
                for (idx, (requirement, status)) in
                    cpn.requirements_in_force(pending).into_iter().enumerate()
                {
                    if let (Some(deadline), RequirementStatus::InForce) =
                        (requirement.deadline, status)
                    {
                        clocks.push(Clock {
                            name: format!("CPN: requirement {} deadline", idx + 1),
                            due: Due::Date(deadline),
                            kind: safer_domain::casework::ClockKind::Deadline,
                        });
                    }
                }
                clocks
            }
            PowerKind::Fpn => self.fpn()?.clocks(),
            PowerKind::ClosureNotice => self.closure_notice()?.clocks(),
            PowerKind::ClosureOrder => {
                let mut clocks = self.closure_order()?.clocks();
                if appealed {
                    clocks.remove(0);
                }
                clocks
            }
            PowerKind::Pspo => self.pspo()?.clocks(),
            PowerKind::Injunction => self.injunction()?.clocks(),
            PowerKind::Prosecution => Vec::new(),
        };
        Ok(clocks)
    }

    fn into_power(self) -> Result<Power> {
        let kind = self.kind()?;
        let stored = self.requirements()?;
        let pending = self.status == "appeal-pending";
        let requirements = stored
            .into_iter()
            .map(|r| StoredRequirement {
                in_force: !pending || r.kind == RequirementKind::Stop,
                kind: r.kind,
                text: r.text,
                deadline_on: r.deadline_on,
            })
            .collect();
        Ok(Power {
            id: self.id,
            case: CaseId(self.case_id),
            kind,
            subject: self.subject_id.map(SubjectId),
            subject_name: self.subject_name,
            conduct: self.conduct,
            related: self.related_id,
            issued_on: self.issued_on,
            comply_by_on: self.comply_by_on,
            offence_on: self.offence_on,
            until_on: self.until_on,
            extended_on: self.extended_on,
            served_at: self.served_at,
            hours: self.hours,
            issuer: self.issuer,
            requirements,
            amount_pence: self.amount_pence,
            early_amount_pence: self.early_amount_pence,
            early_by_on: self.early_by_on,
            pay_by_on: self.pay_by_on,
            rules_valid_from_on: self.rules_valid_from_on,
            power_of_arrest: self.power_of_arrest,
            appeal_lodged_on: self.appeal_lodged_on,
            appeal_outcome: self.appeal_outcome,
            status: self.status,
            created_at: self.created_at,
        })
    }
}

/// Requirements as the domain's, refusing a deadline that is not a real day.
fn requirements_of(requirements: &[NewRequirement]) -> Result<Vec<Requirement>> {
    requirements
        .iter()
        .map(|r| {
            Ok(Requirement {
                kind: r.kind,
                text: r.text.clone(),
                deadline: match r.deadline_on.as_deref() {
                    Some(text) => Some(given_day(text, "each requirement's deadline")?.date()),
                    None => None,
                },
            })
        })
        .collect()
}

fn requirements_json(requirements: &[NewRequirement]) -> String {
    serde_json::Value::Array(
        requirements
            .iter()
            .map(|r| {
                serde_json::json!({
                    "kind": requirement_kind_str(r.kind),
                    "text": r.text,
                    "deadline_on": r.deadline_on,
                })
            })
            .collect(),
    )
    .to_string()
}

/// The columns of a new `case_powers` row; the ones a kind does not use stay `None`.
#[derive(Debug, Default)]
struct NewRow {
    subject_id: Option<i64>,
    conduct: Option<String>,
    related_id: Option<i64>,
    issued_on: Option<String>,
    comply_by_on: Option<String>,
    offence_on: Option<String>,
    until_on: Option<String>,
    served_at: Option<i64>,
    hours: Option<i32>,
    issuer: Option<&'static str>,
    requirements: Option<String>,
    amount_pence: Option<i64>,
    early_amount_pence: Option<i64>,
    early_by_on: Option<String>,
    pay_by_on: Option<String>,
    rules_valid_from_on: Option<String>,
    power_of_arrest: Option<bool>,
}

/// Inserts `$row` (a [`NewRow`]) of `$kind` on `$case` into the transaction `$tx` and evaluates
/// to its id.
macro_rules! insert_power {
    ($tx:expr, $viewer:expr, $case:expr, $kind:expr, $row:expr, $now:expr) => {{
        let row: NewRow = $row;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_powers (case_id, kind, subject_id, conduct, related_id, issued_on, \
             comply_by_on, offence_on, until_on, served_at, hours, issuer, requirements, \
             amount_pence, early_amount_pence, early_by_on, pay_by_on, rules_valid_from_on, \
             power_of_arrest, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'in-force', $20, $21) \
             RETURNING id",
        )
        .bind($case.0)
        .bind($kind.as_str())
        .bind(row.subject_id)
        .bind(row.conduct)
        .bind(row.related_id)
        .bind(row.issued_on)
        .bind(row.comply_by_on)
        .bind(row.offence_on)
        .bind(row.until_on)
        .bind(row.served_at)
        .bind(row.hours)
        .bind(row.issuer)
        .bind(row.requirements)
        .bind(row.amount_pence)
        .bind(row.early_amount_pence)
        .bind(row.early_by_on)
        .bind(row.pay_by_on)
        .bind(row.rules_valid_from_on)
        .bind(row.power_of_arrest)
        .bind($viewer.user.0)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
            .bind($now)
            .bind($case.0)
            .execute(&mut *$tx)
            .await?;
        audit!(
            $tx,
            $viewer,
            AuditAction::Create,
            "power",
            id,
            $now,
            Some(format!("{} on case {}", $kind.as_str(), $case.0))
        );
        id
    }};
}

/// Opens a write transaction on `$pool`, checks `$viewer` may write to `$case` (refusing as not
/// found, audited), and binds the transaction to `$tx`.
macro_rules! writable_case {
    ($store:expr, $pool:expr, $tx:ident, $viewer:expr, $case:expr, $now:expr) => {
        $crate::casework::case_tx!($store, $pool, $tx, access, $viewer, $case, $now, can_write);
    };
}

/// [`writable_case!`] for a new power: also checks powers are recorded on cases of the case's
/// type ([`NOT_ON_THIS_CASE`] otherwise). Changes to a power already recorded (appeals,
/// extensions, a fixed penalty for a CPN) are not checked again, so a power recorded before
/// the rule can still be seen through.
macro_rules! case_for_new_power {
    ($store:expr, $pool:expr, $tx:ident, $viewer:expr, $case:expr, $now:expr) => {
        writable_case!($store, $pool, $tx, $viewer, $case, $now);
        let case_type: String = sqlx::query_scalar("SELECT case_type FROM cases WHERE id = $1")
            .bind($case.0)
            .fetch_one(&mut *$tx)
            .await?;
        if !case_type.parse::<CaseType>().is_ok_and(CaseType::takes_enforcement_powers) {
            return Err(StoreError::Rule(NOT_ON_THIS_CASE.to_string()));
        }
    };
}

/// The message of the [`StoreError::Rule`] given for a power on a case whose type does not take
/// them (see [`CaseType::takes_enforcement_powers`]).
pub const NOT_ON_THIS_CASE: &str = "enforcement powers are not recorded on a domestic abuse \
    case: open an ASB case for the behaviour and link the people to it";

/// The recipient of a warning or notice from a subject linked to the case: a person (with
/// their date of birth as age evidence) or premises (a body, no age). `$subject` must be
/// linked to `$case`, else not found.
macro_rules! recipient_of {
    ($tx:expr, $case:expr, $subject:expr) => {{
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT s.kind, s.born_on FROM case_subjects s WHERE s.id = $1 AND EXISTS \
             (SELECT 1 FROM case_links l WHERE l.case_id = $2 AND l.subject_id = s.id)",
        )
        .bind($subject.0)
        .bind($case.0)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            None => Err(StoreError::NotFound),
            Some((kind, born_on)) => match kind.parse::<SubjectKind>() {
                Ok(SubjectKind::Person) => Ok(Recipient::Individual {
                    key: recipient_key($subject.0),
                    age: match born_on.as_deref().and_then(day) {
                        Some(born) => AgeEvidence::DateOfBirth(born.date()),
                        None => AgeEvidence::Unknown,
                    },
                }),
                Ok(SubjectKind::Premises) => Ok(Recipient::Body { key: recipient_key($subject.0) }),
                _ => Err(StoreError::Rule(
                    "a warning or notice is given to a person, or to the owner or occupier of premises"
                        .to_string(),
                )),
            },
        }
    }};
}

/// Loads every power row of `$case` on `$tx`.
macro_rules! power_rows {
    ($tx:expr, $case:expr) => {{
        let rows: Vec<PowerRow> =
            sqlx::query_as(&format!("SELECT {POWER_COLUMNS} {POWERS_OF_CASE}"))
                .bind($case.0)
                .fetch_all(&mut *$tx)
                .await?;
        rows
    }};
}

/// Loads one power's case and rows and checks the viewer may write to the case, binding the
/// transaction to `$tx`, the case to `$case`, the case's power rows to `$rows` and the power's
/// place among them to `$idx`. Not found when there is no such power.
macro_rules! writable_power {
    ($store:expr, $pool:expr, $tx:ident, $viewer:expr, $power:expr, $now:expr => $case:ident, $rows:ident, $idx:ident) => {
        let case: Option<i64> = sqlx::query_scalar("SELECT case_id FROM case_powers WHERE id = $1")
            .bind($power)
            .fetch_optional($pool)
            .await?;
        let Some($case) = case.map(CaseId) else { return Err(StoreError::NotFound) };
        writable_case!($store, $pool, $tx, $viewer, $case, $now);
        let $rows = power_rows!($tx, $case);
        let Some($idx) = $rows.iter().position(|row| row.id == $power) else {
            return Err(StoreError::NotFound);
        };
    };
}

/// Records the change to power `$power` of case `$case` in the audit log and commits.
macro_rules! commit_update {
    ($tx:ident, $viewer:expr, $case:expr, $power:expr, $now:expr, $what:expr) => {{
        sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
            .bind($now)
            .bind($case.0)
            .execute(&mut *$tx)
            .await?;
        audit!(
            $tx,
            $viewer,
            AuditAction::Update,
            "power",
            $power,
            $now,
            Some(format!("{} on case {}", $what, $case.0))
        );
        $tx.commit().await?;
    }};
}

impl Store {
    /// The powers recorded on a case (oldest first) with the clocks still running and the
    /// people and premises they can be used against, audited as one read of the case's powers.
    /// Not found when the viewer may not read the case.
    pub async fn case_powers(&self, viewer: &Viewer, case: CaseId, now: i64) -> Result<CasePowers> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_read(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let reference: String = sqlx::query_scalar("SELECT reference FROM cases WHERE id = $1")
                .bind(case.0).fetch_one(&mut *tx).await?;
            let subjects: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT DISTINCT s.id, s.name, s.kind FROM case_links l \
                 JOIN case_subjects s ON s.id = l.subject_id \
                 WHERE l.case_id = $1 AND s.kind IN ('person', 'premises') ORDER BY s.name, s.id",
            )
            .bind(case.0).fetch_all(&mut *tx).await?;
            let rows = power_rows!(tx, case);
            audit!(tx, viewer, AuditAction::Read, "case", case.0, now, Some("powers".to_string()));
            tx.commit().await?;
            let cases = [(case, reference, rows)];
            let mut clocks = clocks_of(&cases)?;
            clocks.sort_by_key(|c| (c.sort_key(), c.source.rank()));
            let [(_, reference, rows)] = cases;
            Ok(CasePowers {
                case,
                reference,
                recipients: subjects
                    .into_iter()
                    .map(|(id, name, kind)| {
                        Ok(PowerRecipient {
                            id: SubjectId(id),
                            name,
                            kind: kind.parse().map_err(|e| StoreError::Corrupt(format!("subject {id}: {e}")))?,
                        })
                    })
                    .collect::<Result<_>>()?,
                powers: rows.into_iter().map(PowerRow::into_power).collect::<Result<_>>()?,
                clocks,
            })
        })
    }

    /// Records a Community Protection Warning (s.43(5)(a)) to a person or premises linked to
    /// the case. Refused by the rule when the time to stop ends before the warning is given.
    pub async fn record_cpw(
        &self,
        viewer: &Viewer,
        case: CaseId,
        warning: &NewWarning<'_>,
        now: i64,
    ) -> Result<i64> {
        let conduct = conduct_key(warning.conduct);
        if conduct.0.is_empty() {
            return Err(StoreError::Rule("say what conduct the warning is about".to_string()));
        }
        let issued_on = given_day(warning.issued_on, "the day the warning was given")?.date();
        let comply_by = given_day(warning.comply_by_on, "the last day to stop")?.date();
        on_pool!(self, pool => {
            case_for_new_power!(self, pool, tx, viewer, case, now);
            let recipient: Recipient = recipient_of!(tx, case, warning.subject)?;
            Warning::new(recipient.key().clone(), conduct.clone(), issued_on, comply_by).map_err(rule)?;
            let row = NewRow {
                subject_id: Some(warning.subject.0),
                conduct: Some(conduct.0),
                issued_on: Some(warning.issued_on.to_string()),
                comply_by_on: Some(warning.comply_by_on.to_string()),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::Cpw, row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Issues a Community Protection Notice if s.43 allows it, judged by
    /// [`safer_domain::casework::powers::issue_cpn`] with the default rules (see
    /// [`Store::issue_cpn_under`] for a partnership's own) on the case's own
    /// warnings: the recipient is 16 or over on the issue day (a person's date of birth must be
    /// recorded), a warning was given to the same recipient about the same conduct, the time it
    /// gave to stop has passed, and there is at least one requirement.
    pub async fn issue_cpn(
        &self,
        viewer: &Viewer,
        case: CaseId,
        cpn: &NewCpn<'_>,
        now: i64,
    ) -> Result<i64> {
        self.issue_cpn_under(viewer, case, cpn, &RuleSet::default(), now).await
    }

    /// [`Store::issue_cpn`] under the partnership's own dated rules (the version in force on
    /// the issue day sets the recipient's minimum age).
    pub async fn issue_cpn_under(
        &self,
        viewer: &Viewer,
        case: CaseId,
        cpn: &NewCpn<'_>,
        rules: &RuleSet,
        now: i64,
    ) -> Result<i64> {
        let conduct = conduct_key(cpn.conduct);
        let issue_on = given_day(cpn.issued_on, "the day the notice is issued")?.date();
        let requirements = requirements_of(&cpn.requirements)?;
        on_pool!(self, pool => {
            case_for_new_power!(self, pool, tx, viewer, case, now);
            let recipient: Recipient = recipient_of!(tx, case, cpn.subject)?;
            let rows = power_rows!(tx, case);
            let warnings = rows
                .iter()
                .filter(|row| row.kind == "cpw")
                .map(|row| Ok((row.id, row.warning()?)))
                .collect::<Result<Vec<(i64, Warning)>>>()?;
            let only_warnings: Vec<Warning> = warnings.iter().map(|(_, w)| w.clone()).collect();
            let draft = CpnDraft { recipient, conduct: conduct.clone(), issue_on, requirements };
            let issued = issue_cpn(rules, draft, &only_warnings).map_err(rule)?;
            // The warning it follows: the one issue_cpn chose (same recipient, conduct and day,
            // the soonest time to stop).
            let followed = warnings
                .iter()
                .filter(|(_, w)| {
                    w.recipient == issued.recipient
                        && w.conduct == issued.conduct
                        && w.issued_on == issued.warning_issued_on
                })
                .min_by_key(|(_, w)| w.comply_by)
                .map(|(id, _)| *id);
            let row = NewRow {
                subject_id: Some(cpn.subject.0),
                conduct: Some(conduct.0),
                related_id: followed,
                issued_on: Some(cpn.issued_on.to_string()),
                requirements: Some(requirements_json(&cpn.requirements)),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::Cpn, row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Records an appeal against a CPN or a closure order lodged on `lodged_on`, if in time:
    /// 21 days beginning with the day of issue (s.46) or of the order. While it is pending, a
    /// CPN's "do" and "take steps" requirements are suspended.
    pub async fn record_appeal(
        &self,
        viewer: &Viewer,
        power: i64,
        lodged_on: &str,
        now: i64,
    ) -> Result<()> {
        let lodged = given_day(lodged_on, "the day the appeal was lodged")?.date();
        on_pool!(self, pool => {
            writable_power!(self, pool, tx, viewer, power, now => case, rows, idx);
            let row = &rows[idx];
            match row.kind()? {
                PowerKind::Cpn => row.cpn(&rows)?.check_appeal(lodged).map_err(rule)?,
                PowerKind::ClosureOrder => {
                    row.closure_order()?.check_appeal(lodged).map_err(rule)?
                }
                _ => return Err(StoreError::Rule("only a CPN or a closure order can be appealed".to_string())),
            }
            if row.appeal_lodged_on.is_some() {
                return Err(StoreError::Rule("an appeal has already been recorded".to_string()));
            }
            sqlx::query("UPDATE case_powers SET appeal_lodged_on = $1, status = 'appeal-pending' WHERE id = $2")
                .bind(lodged_on).bind(power).execute(&mut *tx).await?;
            commit_update!(tx, viewer, case, power, now, "appeal lodged");
            Ok(())
        })
    }

    /// Records an appeal against a CPN as lodged on `lodged_on` (see [`Store::record_appeal`]).
    pub async fn record_cpn_appeal(
        &self,
        viewer: &Viewer,
        power: i64,
        lodged_on: &str,
        now: i64,
    ) -> Result<()> {
        self.record_appeal(viewer, power, lodged_on, now).await
    }

    /// Records the court's decision on a pending appeal: `quashed` ends the power; `modified`
    /// or `dismissed` puts it back in force.
    pub async fn record_appeal_outcome(
        &self,
        viewer: &Viewer,
        power: i64,
        outcome: &str,
        now: i64,
    ) -> Result<()> {
        let status = match outcome {
            "quashed" => "quashed",
            "modified" | "dismissed" => "in-force",
            _ => return Err(StoreError::Rule("choose quashed, modified or dismissed".to_string())),
        };
        on_pool!(self, pool => {
            writable_power!(self, pool, tx, viewer, power, now => case, rows, idx);
            if rows[idx].status != "appeal-pending" {
                return Err(StoreError::Rule("there is no pending appeal to decide".to_string()));
            }
            sqlx::query("UPDATE case_powers SET appeal_outcome = $1, status = $2 WHERE id = $3")
                .bind(outcome).bind(status).bind(power).execute(&mut *tx).await?;
            commit_update!(tx, viewer, case, power, now, "appeal decided");
            Ok(())
        })
    }

    /// Gives a fixed penalty notice (s.52) for failing to comply with the CPN `cpn` on
    /// `offence_on`, priced by the version of `rules` in force on the offence day, not the day
    /// it is given (pages pass [`RuleSet::default`]). Refused for a quashed notice, an offence
    /// before the notice, or a penalty given before the offence.
    pub async fn issue_fpn(
        &self,
        viewer: &Viewer,
        cpn: i64,
        offence_on: &str,
        given_on: &str,
        rules: &RuleSet,
        now: i64,
    ) -> Result<i64> {
        let offence = given_day(offence_on, "the day of the failure to comply")?.date();
        let given = given_day(given_on, "the day the penalty notice is given")?.date();
        on_pool!(self, pool => {
            writable_power!(self, pool, tx, viewer, cpn, now => case, rows, idx);
            let row = &rows[idx];
            if row.kind()? != PowerKind::Cpn {
                return Err(StoreError::Rule("a fixed penalty here is for failing to comply with a CPN: choose the CPN".to_string()));
            }
            if row.status == "quashed" {
                return Err(StoreError::Rule("the CPN was quashed on appeal, so there is nothing to comply with".to_string()));
            }
            let notice = row.cpn(&rows)?;
            let penalty = FixedPenalty::for_cpn(rules, &notice, offence, given).map_err(rule)?;
            let new_row = NewRow {
                subject_id: row.subject_id,
                related_id: Some(row.id),
                issued_on: Some(given_on.to_string()),
                offence_on: Some(offence_on.to_string()),
                amount_pence: Some(i64::from(penalty.amount_pence)),
                early_amount_pence: penalty.early_payment.map(|(pence, _)| i64::from(pence)),
                early_by_on: penalty.early_payment.map(|(_, last_day)| last_day.to_string()),
                pay_by_on: Some(penalty.pay_by.to_string()),
                rules_valid_from_on: Some(penalty.rules_valid_from.to_string()),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::Fpn, new_row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Records a closure notice (s.76) served at `served_at` (unix seconds) for `hours` hours
    /// (at most 24), issued by a police inspector or above, or the local authority.
    pub async fn issue_closure_notice(
        &self,
        viewer: &Viewer,
        case: CaseId,
        issuer: ClosureIssuer,
        served_at: i64,
        hours: u8,
        now: i64,
    ) -> Result<i64> {
        let Due::Instant(served) = instant(served_at) else { unreachable!("an instant") };
        let issuer_code = match issuer {
            ClosureIssuer::LocalAuthority => "local-authority",
            _ => "police-inspector",
        };
        on_pool!(self, pool => {
            case_for_new_power!(self, pool, tx, viewer, case, now);
            ClosureNotice::new(issuer, served, hours).map_err(rule)?;
            let row = NewRow {
                served_at: Some(served_at),
                hours: Some(i32::from(hours)),
                issuer: Some(issuer_code),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::ClosureNotice, row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Extends a closure notice to `total_hours` from service (at most 48, s.77).
    pub async fn extend_closure_notice(
        &self,
        viewer: &Viewer,
        power: i64,
        total_hours: u8,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            writable_power!(self, pool, tx, viewer, power, now => case, rows, idx);
            let row = &rows[idx];
            if row.kind()? != PowerKind::ClosureNotice {
                return Err(StoreError::NotFound);
            }
            row.closure_notice()?.extend_to(total_hours).map_err(rule)?;
            sqlx::query("UPDATE case_powers SET hours = $1 WHERE id = $2")
                .bind(i32::from(total_hours)).bind(power).execute(&mut *tx).await?;
            commit_update!(tx, viewer, case, power, now, "closure notice extended");
            Ok(())
        })
    }

    /// Records a closure order (s.80) made on `made_on` with effect until `until_on` (at most 3
    /// months beginning with the day it is made).
    pub async fn make_closure_order(
        &self,
        viewer: &Viewer,
        case: CaseId,
        made_on: &str,
        until_on: &str,
        now: i64,
    ) -> Result<i64> {
        let made = given_day(made_on, "the day the order was made")?.date();
        let until = given_day(until_on, "the last day of the order")?.date();
        on_pool!(self, pool => {
            case_for_new_power!(self, pool, tx, viewer, case, now);
            ClosureOrder::new(made, until).map_err(rule)?;
            let row = NewRow {
                issued_on: Some(made_on.to_string()),
                until_on: Some(until_on.to_string()),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::ClosureOrder, row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Extends a closure order to `until_on`, at most 6 months in total (s.82).
    pub async fn extend_closure_order(
        &self,
        viewer: &Viewer,
        power: i64,
        until_on: &str,
        now: i64,
    ) -> Result<()> {
        let until = given_day(until_on, "the new last day of the order")?.date();
        on_pool!(self, pool => {
            writable_power!(self, pool, tx, viewer, power, now => case, rows, idx);
            let row = &rows[idx];
            if row.kind()? != PowerKind::ClosureOrder {
                return Err(StoreError::NotFound);
            }
            row.closure_order()?.extend_to(until).map_err(rule)?;
            sqlx::query("UPDATE case_powers SET until_on = $1 WHERE id = $2")
                .bind(until_on).bind(power).execute(&mut *tx).await?;
            commit_update!(tx, viewer, case, power, now, "closure order extended");
            Ok(())
        })
    }

    /// Records a PSPO (s.59) made on `made_on`, in force until `until_on` or, without one, for
    /// the full 3 years (s.60).
    pub async fn make_pspo(
        &self,
        viewer: &Viewer,
        case: CaseId,
        made_on: &str,
        until_on: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        let made = given_day(made_on, "the day the order was made")?.date();
        let last_day = match until_on {
            Some(text) => Some(given_day(text, "the order's last day")?.date()),
            None => None,
        };
        on_pool!(self, pool => {
            case_for_new_power!(self, pool, tx, viewer, case, now);
            let order = match last_day {
                Some(last_day) => Pspo::new(made, last_day).map_err(rule)?,
                None => Pspo::for_three_years(made),
            };
            let row = NewRow {
                issued_on: Some(made_on.to_string()),
                until_on: Some(order.last_day.to_string()),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::Pspo, row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Extends a PSPO, decided on `decided_on` (before it expires), to `until_on` (at most 3
    /// years at a time, s.60(2)).
    pub async fn extend_pspo(
        &self,
        viewer: &Viewer,
        power: i64,
        decided_on: &str,
        until_on: &str,
        now: i64,
    ) -> Result<()> {
        let decided = given_day(decided_on, "the day the extension was decided")?.date();
        let until = given_day(until_on, "the order's new last day")?.date();
        on_pool!(self, pool => {
            writable_power!(self, pool, tx, viewer, power, now => case, rows, idx);
            let row = &rows[idx];
            if row.kind()? != PowerKind::Pspo {
                return Err(StoreError::NotFound);
            }
            row.pspo()?.extend(decided, until).map_err(rule)?;
            sqlx::query("UPDATE case_powers SET until_on = $1, extended_on = $2 WHERE id = $3")
                .bind(until_on).bind(decided_on).bind(power).execute(&mut *tx).await?;
            commit_update!(tx, viewer, case, power, now, "pspo extended");
            Ok(())
        })
    }

    /// Records a civil injunction (Part 1) granted against a subject linked to the case on
    /// `granted_on`, until `until_on` if the court set an end.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_injunction(
        &self,
        viewer: &Viewer,
        case: CaseId,
        respondent: SubjectId,
        granted_on: &str,
        until_on: Option<&str>,
        power_of_arrest: bool,
        now: i64,
    ) -> Result<i64> {
        let granted = given_day(granted_on, "the day it was granted")?.date();
        let until = match until_on {
            Some(text) => Some(given_day(text, "the day it ends")?.date()),
            None => None,
        };
        on_pool!(self, pool => {
            case_for_new_power!(self, pool, tx, viewer, case, now);
            let linked: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM case_links WHERE case_id = $1 AND subject_id = $2",
            )
            .bind(case.0).bind(respondent.0).fetch_one(&mut *tx).await?;
            if linked == 0 {
                return Err(StoreError::NotFound);
            }
            CivilInjunction::new(recipient_key(respondent.0), granted, until, power_of_arrest).map_err(rule)?;
            let row = NewRow {
                subject_id: Some(respondent.0),
                issued_on: Some(granted_on.to_string()),
                until_on: until_on.map(str::to_string),
                power_of_arrest: Some(power_of_arrest),
                ..NewRow::default()
            };
            let id = insert_power!(tx, viewer, case, PowerKind::Injunction, row, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Every clock still running on a case, soonest first, audited as a read of the case's
    /// clocks: its powers' clocks, its next review while it is open, and, for a viewer who
    /// handles case reviews, the service levels of its Community Trigger applications still
    /// under way. Not found when the viewer may not read the case.
    pub async fn case_clocks(
        &self,
        viewer: &Viewer,
        case: CaseId,
        now: i64,
    ) -> Result<Vec<CaseClock>> {
        let application_sql = format!(
            "SELECT t.id, t.reference, t.case_id, c.reference AS case_reference, t.received_on, \
             t.status FROM trigger_applications t JOIN cases c ON c.id = t.case_id \
             WHERE t.case_id = $1 AND t.status IN {RUNNING_APPLICATIONS} ORDER BY t.id"
        );
        let (facts, rows, applications) = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let access: CaseAccess = access_of!(tx, case)?;
            if !access.can_read(viewer) {
                refuse!(tx, viewer, case, now, StoreError::NotFound);
            }
            let facts: (String, i64, String, Option<String>) = sqlx::query_as(
                "SELECT reference, partnership_id, status, next_review_on FROM cases WHERE id = $1",
            )
            .bind(case.0).fetch_one(&mut *tx).await?;
            let rows = power_rows!(tx, case);
            let applications: Vec<ApplicationClockRow> = if handles_case_reviews(viewer) {
                sqlx::query_as(&application_sql).bind(case.0).fetch_all(&mut *tx).await?
            } else {
                Vec::new()
            };
            audit!(tx, viewer, AuditAction::Read, "case", case.0, now, Some("clocks".to_string()));
            tx.commit().await?;
            (facts, rows, applications)
        });
        let (reference, partnership, status, next_review_on) = facts;
        let mut clocks = clocks_of(&[(case, reference.clone(), rows)])?;
        if status == "open" {
            if let Some(review_on) = next_review_on {
                clocks.push(review_clock(case, &reference, &review_on)?);
            }
        }
        if !applications.is_empty() {
            let settings = self.trigger_settings(PartnershipId(partnership)).await?;
            clocks.extend(application_clocks(&applications, &settings)?);
        }
        clocks.sort_by_key(|c| (c.sort_key(), c.source.rank()));
        Ok(clocks)
    }

    /// The clocks still running on the open cases of the partnership the viewer may read that
    /// fall due on or before `until_on` (overdue ones included), soonest first, with each
    /// case's id and reference: the powers' clocks, the cases' next reviews and, for a viewer
    /// who handles case reviews, the service levels of Community Trigger applications still
    /// under way. Audited as one read of the due list.
    pub async fn due_list(
        &self,
        viewer: &Viewer,
        partnership: PartnershipId,
        until_on: &str,
        now: i64,
    ) -> Result<Vec<CaseClock>> {
        if !viewer.works_cases() {
            return Ok(Vec::new());
        }
        let until = given_day(until_on, "the last day of the list")?;
        let sql = format!(
            "SELECT {POWER_COLUMNS}, c.reference AS case_reference FROM case_powers p \
             JOIN cases c ON c.id = p.case_id LEFT JOIN case_subjects s ON s.id = p.subject_id \
             WHERE c.partnership_id = $3 AND c.status = 'open' AND {READABLE} \
             ORDER BY p.case_id, p.id"
        );
        let review_sql = format!(
            "SELECT c.id, c.reference, c.next_review_on FROM cases c \
             WHERE c.partnership_id = $3 AND c.status = 'open' AND c.next_review_on IS NOT NULL \
             AND c.next_review_on <= $4 AND {READABLE} ORDER BY c.id"
        );
        let application_sql = format!(
            "SELECT t.id, t.reference, t.case_id, c.reference AS case_reference, t.received_on, \
             t.status FROM trigger_applications t JOIN cases c ON c.id = t.case_id \
             WHERE c.partnership_id = $3 AND c.status = 'open' \
             AND t.status IN {RUNNING_APPLICATIONS} AND {READABLE} ORDER BY t.id"
        );
        let (rows, reviews, applications) = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.backend.begin_write()).await?;
            let rows: Vec<ListedPowerRow> = sqlx::query_as(&sql)
                .bind(viewer.user.0)
                .bind(viewer.agency.0)
                .bind(partnership.0)
                .fetch_all(&mut *tx)
                .await?;
            let reviews: Vec<(i64, String, String)> = sqlx::query_as(&review_sql)
                .bind(viewer.user.0)
                .bind(viewer.agency.0)
                .bind(partnership.0)
                .bind(until_on)
                .fetch_all(&mut *tx)
                .await?;
            let applications: Vec<ApplicationClockRow> = if handles_case_reviews(viewer) {
                sqlx::query_as(&application_sql)
                    .bind(viewer.user.0)
                    .bind(viewer.agency.0)
                    .bind(partnership.0)
                    .fetch_all(&mut *tx)
                    .await?
            } else {
                Vec::new()
            };
            let cases = {
                let mut ids: Vec<i64> = rows.iter().map(|r| r.power.case_id).collect();
                ids.extend(reviews.iter().map(|r| r.0));
                ids.extend(applications.iter().map(|a| a.case_id));
                ids.sort_unstable();
                ids.dedup();
                ids.len()
            };
            audit!(tx, viewer, AuditAction::Read, "due-list", partnership.0, now, Some(format!("clocks of {cases} cases")));
            tx.commit().await?;
            (rows, reviews, applications)
        });
        let mut by_case: Vec<(CaseId, String, Vec<PowerRow>)> = Vec::new();
        for row in rows {
            let case = CaseId(row.power.case_id);
            match by_case.last_mut() {
                Some((last, _, powers)) if *last == case => powers.push(row.power),
                _ => by_case.push((case, row.case_reference, vec![row.power])),
            }
        }
        let mut clocks = clocks_of(&by_case)?;
        for (case, reference, review_on) in reviews {
            clocks.push(review_clock(CaseId(case), &reference, &review_on)?);
        }
        if !applications.is_empty() {
            let settings = self.trigger_settings(partnership).await?;
            clocks.extend(application_clocks(&applications, &settings)?);
        }
        let limit = due_seconds(until);
        clocks.retain(|c| c.sort_key() <= limit);
        clocks.sort_by_key(|c| (c.sort_key(), c.case.0, c.source.rank()));
        Ok(clocks)
    }
}

/// The application statuses whose service levels are still running, as an SQL list: before
/// the threshold decision, and between a decision to review and the review.
const RUNNING_APPLICATIONS: &str = "('received', 'threshold-met', 'accepted-on-discretion')";

/// A Community Trigger application still under way, for its service-level clocks.
#[derive(sqlx::FromRow)]
struct ApplicationClockRow {
    id: i64,
    reference: String,
    case_id: i64,
    case_reference: String,
    received_on: String,
    status: String,
}

/// A case's next review as a clock.
fn review_clock(case: CaseId, reference: &str, review_on: &str) -> Result<CaseClock> {
    let due = day(review_on)
        .ok_or_else(|| StoreError::Corrupt(format!("case {}: next review is not a day", case.0)))?;
    Ok(CaseClock {
        case,
        reference: reference.to_string(),
        source: ClockSource::CaseReview,
        clock: Clock { name: "Review the case".to_string(), due, kind: ClockKind::Review },
    })
}

/// The service-level clocks still running on each application: deciding the threshold and
/// finishing the review while it awaits a decision, finishing the review once one is to be
/// held. Acknowledging is left out: Safer does not record when an application was
/// acknowledged, so its clock could never be stopped.
fn application_clocks(
    applications: &[ApplicationClockRow],
    settings: &TriggerSettings,
) -> Result<Vec<CaseClock>> {
    let mut clocks = Vec::new();
    for application in applications {
        let corrupt = || StoreError::Corrupt(format!("case review {}", application.id));
        let received = day(&application.received_on).ok_or_else(corrupt)?.date();
        let status = TriggerStatus::from_name(&application.status).ok_or_else(corrupt)?;
        let slas: Vec<TriggerSla> = settings
            .slas()
            .into_iter()
            .enumerate()
            .filter(|(idx, _)| match status {
                TriggerStatus::Received => *idx >= 1,
                _ => *idx == 2,
            })
            .map(|(_, sla)| sla)
            .collect();
        for clock in sla_clocks(&slas, received, &[]) {
            clocks.push(CaseClock {
                case: CaseId(application.case_id),
                reference: application.case_reference.clone(),
                source: ClockSource::TriggerApplication {
                    id: application.id,
                    reference: application.reference.clone(),
                },
                clock,
            });
        }
    }
    Ok(clocks)
}

#[derive(sqlx::FromRow)]
struct ListedPowerRow {
    #[sqlx(flatten)]
    power: PowerRow,
    case_reference: String,
}

/// The live clocks of each case's powers.
fn clocks_of(cases: &[(CaseId, String, Vec<PowerRow>)]) -> Result<Vec<CaseClock>> {
    let mut clocks = Vec::new();
    for (case, reference, rows) in cases {
        for row in rows {
            let power_kind = row.kind()?;
            for clock in row.live_clocks(rows)? {
                clocks.push(CaseClock {
                    case: *case,
                    reference: reference.clone(),
                    source: ClockSource::Power { id: row.id, kind: power_kind },
                    clock,
                });
            }
        }
    }
    Ok(clocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_parsed_as_real_calendar_days() {
        for text in ["1970-01-01", "2008-02-29", "2014-10-20", "2026-03-02", "1990-12-31"] {
            assert_eq!(day(text).unwrap().date().to_string(), text);
        }
        assert!(day("2026-02-29").is_none());
        assert!(day("02/03/2026").is_none());
    }

    #[test]
    fn instants_are_unix_seconds_in_utc() {
        for seconds in [0, 1_700_000_000, 1_798_797_600] {
            let Due::Instant(at) = instant(seconds) else { panic!() };
            assert_eq!(at.unix_timestamp(), seconds);
        }
    }

    #[test]
    fn conduct_keys_ignore_case_and_spacing() {
        assert_eq!(conduct_key("  Loud   music "), conduct_key("loud music"));
    }
}
