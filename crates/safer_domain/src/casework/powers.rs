//! The ASB powers of the Anti-social Behaviour, Crime and Policing Act 2014 (ASBCPA) as dated
//! rules: Community Protection Warning → Notice → fixed penalty or prosecution (ss.43–58),
//! closure notices and orders (s.76 onwards), Public Spaces Protection Orders (s.59 onwards)
//! and civil injunctions (Part 1).
//!
//! Sources are the section numbers in `DOMAIN.md` §2.2–2.3, "verified" there unless a doc
//! comment here says otherwise. Every power exposes its clocks ([`Clock`]) so storage can build
//! a due list; every refusal is a [`PowersError`] whose message says what to do.
//!
//! Recipients and conduct are named by opaque keys ([`RecipientKey`], [`ConductKey`]) chosen by
//! the caller (a case id, a conduct code), never by names, so errors carry no personal data.

use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset};

use super::{last_day_of_days, last_day_of_period, Clock, ClockKind};

/// The error returned when a power cannot be used as asked. Messages say what is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PowersError {
    /// s.43(5)(a): no written warning was given to this recipient about this conduct.
    #[error("a CPN needs a written warning (CPW) served first on the same recipient about the same conduct")]
    NoWarning,
    /// s.43(5)(b): the time the warning gave to stop has not yet passed.
    #[error("too soon for a CPN: the warning gave until {comply_by} to stop, so a CPN may be issued from {earliest}")]
    TooSoon {
        /// The last day the warning allowed for the conduct to stop.
        comply_by: Date,
        /// The first day a CPN may be issued.
        earliest: Date,
    },
    /// s.43(1): the recipient is younger than the minimum age in force.
    #[error("a CPN may only be issued to a person aged {min_age} or over")]
    UnderAge {
        /// The minimum age in the rules in force on the issue date.
        min_age: u8,
    },
    /// s.43(1): the recipient's age is unknown or might be below the minimum.
    #[error("confirm the recipient is {min_age} or over: record a date of birth or a stated age")]
    AgeUnconfirmed {
        /// The minimum age in the rules in force on the issue date.
        min_age: u8,
    },
    /// s.43(3): a notice with nothing in it.
    #[error(
        "a CPN must impose at least one requirement: to stop, to do, or to take reasonable steps"
    )]
    NoRequirements,
    /// A warning whose time to stop ends before it was given.
    #[error("the time a warning gives to stop cannot end before the warning is given")]
    ComplyByBeforeWarning,
    /// s.46: the appeal was lodged after the 21-day window.
    #[error("an appeal against a CPN must be lodged within 21 days beginning with the day it was issued (by {last_day})")]
    AppealOutOfTime {
        /// The last day an appeal could be lodged.
        last_day: Date,
    },
    /// An appeal against a closure order lodged before it was made or after its window.
    #[error("an appeal against a closure order must be lodged within 21 days beginning with the day it was made (by {last_day})")]
    ClosureOrderAppealOutOfTime {
        /// The last day an appeal could be lodged.
        last_day: Date,
    },
    /// An appeal or penalty dated before the notice it concerns.
    #[error("{what} cannot be dated before the notice it concerns")]
    BeforeNotice {
        /// What was misdated.
        what: &'static str,
    },
    /// No rule version was in force on the date of the offence.
    #[error("no fixed penalty rules were in force on {0}")]
    NoRulesInForce(Date),
    /// A rule set with no versions, or two versions starting on the same day.
    #[error("rule versions must be non-empty and start on different days")]
    BadRuleVersions,
    /// A configured fixed penalty above the statutory maximum of its version.
    #[error("the fixed penalty from {valid_from} is above the maximum of £{max_pounds}")]
    PenaltyAboveMaximum {
        /// The version's first day.
        valid_from: Date,
        /// The maximum, in whole pounds.
        max_pounds: u32,
    },
    /// s.76: a closure notice issued by a police officer below the rank of inspector.
    #[error(
        "a closure notice must be issued by a police inspector or above, or by the local authority"
    )]
    ClosureIssuerRank,
    /// s.77: a closure notice longer than 24 hours, or extended beyond 48.
    #[error("a closure notice lasts at most 24 hours, extendable to 48 hours in total")]
    ClosureNoticeTooLong,
    /// s.80(6), s.82: a closure order longer than 3 months, or extended beyond 6 in total.
    #[error("a closure order may last at most {months} months in total (until {last_day})")]
    ClosureOrderTooLong {
        /// The limit in months (3 for the order, 6 with extensions).
        months: u32,
        /// The last day the order may last until.
        last_day: Date,
    },
    /// s.60: a PSPO made or extended for more than 3 years at a time.
    #[error("a PSPO may have effect for at most 3 years at a time (until {last_day})")]
    PspoTooLong {
        /// The last day the order may have effect until.
        last_day: Date,
    },
    /// s.60(2): an extension decided after the order expired.
    #[error("a PSPO can only be extended before it expires (it ended on {expired_after})")]
    PspoExpired {
        /// The order's last day in force.
        expired_after: Date,
    },
    /// An end date before the start date.
    #[error("the end date cannot be before the start date")]
    EndsBeforeStart,
}

/// The result type of this module.
pub type Result<T, E = PowersError> = std::result::Result<T, E>;

/// An opaque key for the recipient of a warning or notice (a case party id, never a name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecipientKey(pub String);

/// An opaque key for the conduct a warning or notice is about (a case's conduct code).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConductKey(pub String);

/// What is known about an individual recipient's age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeEvidence {
    /// A recorded date of birth.
    DateOfBirth(Date),
    /// An age the recipient stated on a day (for example to an officer).
    Stated {
        /// The age stated, in whole years.
        age: u8,
        /// The day it was stated.
        stated_on: Date,
    },
    /// Nothing is known.
    Unknown,
}

/// The recipient of a CPW or CPN: an individual (with what is known of their age) or a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A person; s.43(1) sets a minimum age.
    Individual {
        /// The recipient's key.
        key: RecipientKey,
        /// What is known of their age.
        age: AgeEvidence,
    },
    /// A body (a company, a landlord): no age rule.
    Body {
        /// The recipient's key.
        key: RecipientKey,
    },
}

impl Recipient {
    /// The recipient's key.
    pub fn key(&self) -> &RecipientKey {
        match self {
            Recipient::Individual { key, .. } | Recipient::Body { key } => key,
        }
    }
}

/// A person's age in whole years on `on`, from their date of birth. A 29 February birthday is
/// reached on 1 March in common years (our reading of the Family Law Reform Act 1969 s.9;
/// not in `DOMAIN.md`).
pub fn age_on(date_of_birth: Date, on: Date) -> i32 {
    let mut years = on.year() - date_of_birth.year();
    let birthday_passed = (on.month() as u8, on.day())
        >= (date_of_birth.month() as u8, date_of_birth.day())
        || (date_of_birth.month() == Month::February
            && date_of_birth.day() == 29
            && !time::util::is_leap_year(on.year())
            && on.month() == Month::March
            && on.day() == 1);
    if !birthday_passed {
        years -= 1;
    }
    years
}

/// Whether the individual is old enough on `on`, for a minimum age. A stated age gives a range:
/// at least the stated age plus the whole years since, at most one more (a birthday may have
/// passed). Below the minimum for certain → [`PowersError::UnderAge`]; unknown or possibly
/// below → [`PowersError::AgeUnconfirmed`].
pub fn check_min_age(age: AgeEvidence, on: Date, min_age: u8) -> Result<()> {
    let min_age_years = i32::from(min_age);
    let (lowest, highest) = match age {
        AgeEvidence::DateOfBirth(dob) => {
            let years = age_on(dob, on);
            (years, years)
        }
        AgeEvidence::Stated { age, stated_on } => {
            // Whole years since the statement; a stated age is exact on the day it was stated.
            let since = age_on(stated_on, on).max(0);
            let exact_anniversary = on.month() == stated_on.month() && on.day() == stated_on.day();
            let lowest = i32::from(age) + since;
            (lowest, if exact_anniversary { lowest } else { lowest + 1 })
        }
        AgeEvidence::Unknown => return Err(PowersError::AgeUnconfirmed { min_age }),
    };
    if lowest >= min_age_years {
        Ok(())
    } else if highest < min_age_years {
        Err(PowersError::UnderAge { min_age })
    } else {
        Err(PowersError::AgeUnconfirmed { min_age })
    }
}

/// The fixed penalty rule for one kind of breach in one rule version (s.52 for CPNs; for PSPO
/// breaches DOMAIN.md §2.3 gives no section). Amounts are in pence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FpnRule {
    /// The statutory maximum (DOMAIN.md §2.2: £100 since 2014; the Crime and Policing Bill
    /// would raise it to £500, pending).
    pub max_pence: u32,
    /// The amount this partnership charges.
    pub amount_pence: u32,
    /// A lower amount for early payment, if the partnership offers one (many councils: £75 if
    /// paid within 10 days; local, not statutory).
    pub early_payment: Option<EarlyPayment>,
    /// Days to pay, following the day the notice is given (DOMAIN.md §2.2: 14 days).
    pub payment_days: u32,
}

/// A discounted amount for paying within a number of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyPayment {
    /// The discounted amount.
    pub amount_pence: u32,
    /// Days, following the day the notice is given.
    pub within_days: u32,
}

/// One dated version of the configurable rules. The version in force on a date is the one with
/// the latest `valid_from` on or before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVersion {
    /// The first day this version applies (to offences on or after it).
    pub valid_from: Date,
    /// The minimum age of a CPN recipient (s.43(1): 16; a Criminal Justice Bill proposal would
    /// have lowered it to 10, pending).
    pub cpn_min_age: u8,
    /// Fixed penalty for failing to comply with a CPN (s.52).
    pub cpn_fpn: FpnRule,
    /// Fixed penalty for breaching a PSPO (DOMAIN.md §2.3: at most £100).
    pub pspo_fpn: FpnRule,
}

/// Dated rule versions. Build with [`RuleSet::new`]; [`RuleSet::default`] holds the 2014 rules
/// with the defaults of `DOMAIN.md` §2.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    versions: Vec<RuleVersion>,
}

/// The day the ASBCPA 2014 Part 4 powers came into force. Not in `DOMAIN.md`; 20 October 2014
/// is our understanding of the commencement order, *unverified*.
pub const ASBCPA_PART4_COMMENCEMENT: Date = time::macros::date!(2014 - 10 - 20);

impl Default for RuleSet {
    fn default() -> Self {
        let fpn = FpnRule {
            max_pence: 10_000,
            amount_pence: 10_000,
            early_payment: Some(EarlyPayment { amount_pence: 7_500, within_days: 10 }),
            payment_days: 14,
        };
        RuleSet {
            versions: vec![RuleVersion {
                valid_from: ASBCPA_PART4_COMMENCEMENT,
                cpn_min_age: 16,
                cpn_fpn: fpn,
                pspo_fpn: fpn,
            }],
        }
    }
}

impl RuleSet {
    /// Checks and orders the versions: at least one, distinct start days, every amount at or
    /// below its maximum.
    pub fn new(mut versions: Vec<RuleVersion>) -> Result<RuleSet> {
        versions.sort_by_key(|version| version.valid_from);
        if versions.is_empty() || versions.windows(2).any(|w| w[0].valid_from == w[1].valid_from) {
            return Err(PowersError::BadRuleVersions);
        }
        for version in &versions {
            for rule in [version.cpn_fpn, version.pspo_fpn] {
                let early = rule.early_payment.map_or(0, |early| early.amount_pence);
                if rule.amount_pence > rule.max_pence || early > rule.max_pence {
                    return Err(PowersError::PenaltyAboveMaximum {
                        valid_from: version.valid_from,
                        max_pounds: rule.max_pence / 100,
                    });
                }
            }
        }
        Ok(RuleSet { versions })
    }

    /// The versions, oldest first.
    pub fn versions(&self) -> &[RuleVersion] {
        &self.versions
    }

    /// The version in force on `on`, if any.
    pub fn in_force_on(&self, on: Date) -> Option<&RuleVersion> {
        self.versions.iter().rev().find(|version| version.valid_from <= on)
    }
}

/// A Community Protection Warning (s.43(5)(a)): the written warning that a notice will follow
/// unless the conduct stops. Not appealable (local guidance, DOMAIN.md §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Who it was given to.
    pub recipient: RecipientKey,
    /// The conduct it is about.
    pub conduct: ConductKey,
    /// The day it was given.
    pub issued_on: Date,
    /// The last day of the time it gives to stop (s.43(5)(b): "enough time").
    pub comply_by: Date,
}

impl Warning {
    /// A warning, refusing a time to stop that ends before the warning is given.
    pub fn new(
        recipient: RecipientKey,
        conduct: ConductKey,
        issued_on: Date,
        comply_by: Date,
    ) -> Result<Warning> {
        if comply_by < issued_on {
            return Err(PowersError::ComplyByBeforeWarning);
        }
        Ok(Warning { recipient, conduct, issued_on, comply_by })
    }

    /// The first day a CPN may follow: the day after the time to stop ends.
    pub fn earliest_notice(&self) -> Date {
        self.comply_by + Duration::days(1)
    }

    /// The warning's clocks: the end of the time to stop, and the first day a CPN may follow.
    pub fn clocks(&self) -> Vec<Clock> {
        vec![
            Clock::on("CPW: time given to stop ends", self.comply_by, ClockKind::Deadline),
            Clock::on(
                "CPW: a CPN may be issued",
                self.earliest_notice(),
                ClockKind::EarliestAction,
            ),
        ]
    }
}

/// The kind of a CPN requirement (s.43(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequirementKind {
    /// To stop doing specified things. Stays in force during an appeal (s.46).
    Stop,
    /// To do specified things. Suspended during an appeal.
    Do,
    /// To take reasonable steps to achieve specified results. Suspended during an appeal.
    TakeSteps,
}

/// One requirement of a CPN, with its optional deadline (s.43(8)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Stop, do, or take reasonable steps.
    pub kind: RequirementKind,
    /// What is required, as written on the notice.
    pub text: String,
    /// The day by which it must be met, if the notice sets one.
    pub deadline: Option<Date>,
}

/// Whether a requirement binds the recipient now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementStatus {
    /// It binds.
    InForce,
    /// An appeal is pending and the requirement is not a "stop" requirement (s.46).
    SuspendedPendingAppeal,
}

/// A Community Protection Notice as it is to be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpnDraft {
    /// Who it is for.
    pub recipient: Recipient,
    /// The conduct it is about (must match a prior warning's).
    pub conduct: ConductKey,
    /// The day it is to be issued.
    pub issue_on: Date,
    /// Its requirements (at least one).
    pub requirements: Vec<Requirement>,
}

/// An issued Community Protection Notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpn {
    /// Who it was issued to.
    pub recipient: RecipientKey,
    /// The conduct it is about.
    pub conduct: ConductKey,
    /// The day it was issued (served).
    pub issued_on: Date,
    /// The day of the warning it follows.
    pub warning_issued_on: Date,
    /// Its requirements.
    pub requirements: Vec<Requirement>,
}

/// Issues a CPN if s.43 allows it: the recipient is old enough under the rules in force on the
/// issue day (s.43(1)), a written warning was given to the same recipient about the same
/// conduct (s.43(5)(a)), and the time it gave to stop has passed (s.43(5)(b)); and the notice
/// has at least one requirement (s.43(3)).
///
/// Whether the conduct is detrimental, persistent and unreasonable (s.43(1)) and which bodies
/// were informed first (s.43(6)) are judgements recorded elsewhere, not checked here.
pub fn issue_cpn(rules: &RuleSet, draft: CpnDraft, warnings: &[Warning]) -> Result<Cpn> {
    if draft.requirements.is_empty() {
        return Err(PowersError::NoRequirements);
    }
    if let Recipient::Individual { age, .. } = draft.recipient {
        let min_age = rules.in_force_on(draft.issue_on).map_or(16, |version| version.cpn_min_age);
        check_min_age(age, draft.issue_on, min_age)?;
    }
    let key = draft.recipient.key();
    let matching = warnings.iter().filter(|warning| {
        warning.recipient == *key
            && warning.conduct == draft.conduct
            && warning.issued_on <= draft.issue_on
    });
    // The warning whose time to stop ended first is the one that opens the way soonest.
    let warning = matching.min_by_key(|warning| warning.comply_by).ok_or(PowersError::NoWarning)?;
    if draft.issue_on <= warning.comply_by {
        return Err(PowersError::TooSoon {
            comply_by: warning.comply_by,
            earliest: warning.earliest_notice(),
        });
    }
    Ok(Cpn {
        recipient: key.clone(),
        conduct: draft.conduct,
        issued_on: draft.issue_on,
        warning_issued_on: warning.issued_on,
        requirements: draft.requirements,
    })
}

/// Days, beginning with the day of issue, to appeal a CPN (s.46).
pub const CPN_APPEAL_DAYS: u32 = 21;

impl Cpn {
    /// The last day to appeal to the magistrates' court: 21 days beginning with the day of
    /// issue (s.46), so a notice issued on 3 March may be appealed until 23 March.
    pub fn appeal_last_day(&self) -> Date {
        last_day_of_days(self.issued_on, CPN_APPEAL_DAYS)
    }

    /// Checks an appeal lodged on `lodged_on` is in time.
    pub fn check_appeal(&self, lodged_on: Date) -> Result<()> {
        if lodged_on < self.issued_on {
            return Err(PowersError::BeforeNotice { what: "an appeal" });
        }
        if lodged_on > self.appeal_last_day() {
            return Err(PowersError::AppealOutOfTime { last_day: self.appeal_last_day() });
        }
        Ok(())
    }

    /// Each requirement with whether it binds: while an appeal is pending, "stop" requirements
    /// stay in force and the others are suspended (s.46, DOMAIN.md §2.2).
    pub fn requirements_in_force(
        &self,
        appeal_pending: bool,
    ) -> Vec<(&Requirement, RequirementStatus)> {
        self.requirements
            .iter()
            .map(|requirement| {
                let status = if appeal_pending && requirement.kind != RequirementKind::Stop {
                    RequirementStatus::SuspendedPendingAppeal
                } else {
                    RequirementStatus::InForce
                };
                (requirement, status)
            })
            .collect()
    }

    /// The notice's clocks: the appeal window, then each requirement's deadline.
    pub fn clocks(&self) -> Vec<Clock> {
        let mut clocks = vec![Clock::on(
            "CPN: appeal window closes",
            self.appeal_last_day(),
            ClockKind::Deadline,
        )];
        for (idx, requirement) in self.requirements.iter().enumerate() {
            if let Some(deadline) = requirement.deadline {
                let name = format!("CPN: requirement {} deadline", idx + 1);
                clocks.push(Clock::on(name, deadline, ClockKind::Deadline));
            }
        }
        clocks
    }
}

/// Which breach a fixed penalty is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyFor {
    /// Failing to comply with a CPN (s.48, s.52).
    Cpn,
    /// Breaching a PSPO (DOMAIN.md §2.3).
    Pspo,
}

/// A fixed penalty notice, priced by the rules in force on the day of the offence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedPenalty {
    /// What it is for.
    pub penalty_for: PenaltyFor,
    /// The day of the offence (the failure to comply, or the breach).
    pub offence_on: Date,
    /// The day the notice was given.
    pub given_on: Date,
    /// The amount due.
    pub amount_pence: u32,
    /// The discounted amount and the last day it applies, if offered.
    pub early_payment: Option<(u32, Date)>,
    /// The last day to pay before prosecution may follow.
    pub pay_by: Date,
    /// The first day of the rule version that priced it.
    pub rules_valid_from: Date,
}

impl FixedPenalty {
    /// Prices a fixed penalty. The rule version in force on the **offence** day applies, not
    /// the day the notice is given. Payment periods run for their days following the day the
    /// notice is given (s.52: "14 days following the date of the notice" is our reading,
    /// *unverified*; DOMAIN.md says only "payment period 14 days").
    pub fn new(
        rules: &RuleSet,
        penalty_for: PenaltyFor,
        offence_on: Date,
        given_on: Date,
    ) -> Result<FixedPenalty> {
        if given_on < offence_on {
            return Err(PowersError::BeforeNotice { what: "a fixed penalty notice" });
        }
        let version =
            rules.in_force_on(offence_on).ok_or(PowersError::NoRulesInForce(offence_on))?;
        let rule = match penalty_for {
            PenaltyFor::Cpn => version.cpn_fpn,
            PenaltyFor::Pspo => version.pspo_fpn,
        };
        Ok(FixedPenalty {
            penalty_for,
            offence_on,
            given_on,
            amount_pence: rule.amount_pence,
            early_payment: rule.early_payment.map(|early| {
                (early.amount_pence, given_on + Duration::days(i64::from(early.within_days)))
            }),
            pay_by: given_on + Duration::days(i64::from(rule.payment_days)),
            rules_valid_from: version.valid_from,
        })
    }

    /// Prices a fixed penalty for failing to comply with `cpn`, refusing an offence before it.
    pub fn for_cpn(
        rules: &RuleSet,
        cpn: &Cpn,
        offence_on: Date,
        given_on: Date,
    ) -> Result<FixedPenalty> {
        if offence_on < cpn.issued_on {
            return Err(PowersError::BeforeNotice { what: "a failure to comply" });
        }
        FixedPenalty::new(rules, PenaltyFor::Cpn, offence_on, given_on)
    }

    /// The penalty's clocks: the early-payment day, if any, and the last day to pay.
    pub fn clocks(&self) -> Vec<Clock> {
        let mut clocks = Vec::new();
        if let Some((_, last_day)) = self.early_payment {
            clocks.push(Clock::on("FPN: early payment ends", last_day, ClockKind::Deadline));
        }
        clocks.push(Clock::on("FPN: payment due", self.pay_by, ClockKind::Deadline));
        clocks
    }
}

/// Who issues a closure notice (s.76(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureIssuer {
    /// A police officer of the rank of inspector or above.
    PoliceInspectorOrAbove,
    /// A police officer below inspector: may not issue.
    PoliceBelowInspector,
    /// The local authority.
    LocalAuthority,
}

/// A closure notice (s.76–77): up to 24 hours, extendable to 48 hours in total. It must state
/// the hearing's time and place and housing and legal advice contacts, and cannot exclude
/// habitual residents or the owner; those are the notice's wording, not checked here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosureNotice {
    /// When it was served.
    pub served_at: OffsetDateTime,
    /// How long it has effect, in hours (at most 24, or 48 once extended).
    pub hours: u8,
}

/// The longest a closure notice lasts without extension (s.77).
pub const CLOSURE_NOTICE_HOURS: u8 = 24;
/// The longest a closure notice lasts with extension (s.77).
pub const CLOSURE_NOTICE_MAX_HOURS: u8 = 48;
/// Hours after service within which the magistrates must hear the closure order application
/// (s.80(3)), Christmas Day disregarded.
pub const CLOSURE_HEARING_HOURS: i64 = 48;

impl ClosureNotice {
    /// A notice served at `served_at` for `hours` hours (1 to 24).
    pub fn new(issuer: ClosureIssuer, served_at: OffsetDateTime, hours: u8) -> Result<Self> {
        if issuer == ClosureIssuer::PoliceBelowInspector {
            return Err(PowersError::ClosureIssuerRank);
        }
        if hours == 0 || hours > CLOSURE_NOTICE_HOURS {
            return Err(PowersError::ClosureNoticeTooLong);
        }
        Ok(ClosureNotice { served_at, hours })
    }

    /// Extends the notice to `total_hours` from service (at most 48, s.77). Who may extend
    /// (s.77: a more senior officer or the authority's designated person) is not checked here.
    pub fn extend_to(self, total_hours: u8) -> Result<Self> {
        if total_hours < self.hours || total_hours > CLOSURE_NOTICE_MAX_HOURS {
            return Err(PowersError::ClosureNoticeTooLong);
        }
        Ok(ClosureNotice { hours: total_hours, ..self })
    }

    /// When the notice stops having effect.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.served_at + Duration::hours(i64::from(self.hours))
    }

    /// The latest time the closure order application may be heard: 48 hours after service,
    /// not counting any hours of Christmas Day (s.80(3)). Christmas Day is 25 December in UK
    /// time, which is always GMT (UTC+0) in December.
    pub fn hearing_by(&self) -> OffsetDateTime {
        hours_disregarding_christmas(self.served_at, CLOSURE_HEARING_HOURS)
    }

    /// The notice's clocks: its expiry and the hearing deadline.
    pub fn clocks(&self) -> Vec<Clock> {
        vec![
            Clock::at("Closure notice: expires", self.expires_at(), ClockKind::Expiry),
            Clock::at(
                "Closure notice: hearing must be held",
                self.hearing_by(),
                ClockKind::Deadline,
            ),
        ]
    }
}

/// `hours` hours after `start`, with the hours of any Christmas Day (UK time, GMT) skipped.
fn hours_disregarding_christmas(start: OffsetDateTime, hours: i64) -> OffsetDateTime {
    let start_utc = start.to_offset(UtcOffset::UTC);
    let mut end = start_utc + Duration::hours(hours);
    loop {
        let mut skipped = Duration::ZERO;
        for year in start_utc.year()..=end.year() {
            let christmas = Date::from_calendar_date(year, Month::December, 25)
                .expect("25 December exists")
                .with_time(Time::MIDNIGHT)
                .assume_utc();
            let boxing_day = christmas + Duration::days(1);
            let overlap_start = christmas.max(start_utc);
            let overlap_end = boxing_day.min(end);
            if overlap_end > overlap_start {
                skipped += overlap_end - overlap_start;
            }
        }
        let next = start_utc + Duration::hours(hours) + skipped;
        if next == end {
            return end.to_offset(start.offset());
        }
        end = next;
    }
}

/// The longest a closure order may be made for, in months (s.80(6)).
pub const CLOSURE_ORDER_MONTHS: u32 = 3;
/// The longest a closure order may last with extensions, in months in total (s.82; DOMAIN.md
/// cites a secondary source).
pub const CLOSURE_ORDER_MAX_MONTHS: u32 = 6;

/// A closure order made by the magistrates (s.80): effect until a day, at most 3 months
/// beginning with the day it is made, extendable to 6 months in total (s.82).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosureOrder {
    /// The day the order was made.
    pub made_on: Date,
    /// The last day it has effect.
    pub until: Date,
}

impl ClosureOrder {
    /// An order made on `made_on` with effect until `until` (at most 3 months).
    pub fn new(made_on: Date, until: Date) -> Result<Self> {
        if until < made_on {
            return Err(PowersError::EndsBeforeStart);
        }
        let last_day = last_day_of_period(made_on, CLOSURE_ORDER_MONTHS);
        if until > last_day {
            return Err(PowersError::ClosureOrderTooLong {
                months: CLOSURE_ORDER_MONTHS,
                last_day,
            });
        }
        Ok(ClosureOrder { made_on, until })
    }

    /// Extends the order to `until`, at most 6 months in total from the day it was made.
    pub fn extend_to(self, until: Date) -> Result<Self> {
        if until < self.until {
            return Err(PowersError::EndsBeforeStart);
        }
        let last_day = last_day_of_period(self.made_on, CLOSURE_ORDER_MAX_MONTHS);
        if until > last_day {
            return Err(PowersError::ClosureOrderTooLong {
                months: CLOSURE_ORDER_MAX_MONTHS,
                last_day,
            });
        }
        Ok(ClosureOrder { until, ..self })
    }

    /// The last day to appeal the order: 21 days beginning with the day it was made (DOMAIN.md
    /// cites a secondary source for the 21 days; the counting is ours).
    pub fn appeal_last_day(&self) -> Date {
        last_day_of_days(self.made_on, 21)
    }

    /// Checks an appeal lodged on `lodged_on` falls within the window, from the day the order
    /// was made to [`ClosureOrder::appeal_last_day`].
    pub fn check_appeal(&self, lodged_on: Date) -> Result<()> {
        if lodged_on < self.made_on || lodged_on > self.appeal_last_day() {
            return Err(PowersError::ClosureOrderAppealOutOfTime {
                last_day: self.appeal_last_day(),
            });
        }
        Ok(())
    }

    /// The order's clocks: the appeal window and its end.
    pub fn clocks(&self) -> Vec<Clock> {
        vec![
            Clock::on(
                "Closure order: appeal window closes",
                self.appeal_last_day(),
                ClockKind::Deadline,
            ),
            Clock::on("Closure order: ends", self.until, ClockKind::Expiry),
        ]
    }
}

/// The longest a PSPO, or one extension of it, may have effect, in months (s.60).
pub const PSPO_MAX_MONTHS: u32 = 36;
/// Weeks, beginning with the day the order is made, for an interested person to challenge a
/// PSPO in the High Court (DOMAIN.md §2.3; s.66 is our section number, *unverified*).
pub const PSPO_CHALLENGE_WEEKS: u32 = 6;

/// A Public Spaces Protection Order (s.59 onwards): made by the local authority after consulting
/// the chief officer of police, the PCC, community representatives and owners or occupiers
/// (recorded elsewhere). It has effect for at most 3 years and may be extended, before it
/// expires, by up to 3 years at a time (s.60).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pspo {
    /// The day the order was made.
    pub made_on: Date,
    /// The last day it has effect.
    pub last_day: Date,
    /// The day of the latest extension, if any.
    pub extended_on: Option<Date>,
}

impl Pspo {
    /// An order made on `made_on` for the full 3 years: the last day in force is the day
    /// before the third anniversary.
    pub fn for_three_years(made_on: Date) -> Pspo {
        Pspo { made_on, last_day: last_day_of_period(made_on, PSPO_MAX_MONTHS), extended_on: None }
    }

    /// An order made on `made_on` with effect until `last_day` (at most 3 years).
    pub fn new(made_on: Date, last_day: Date) -> Result<Pspo> {
        if last_day < made_on {
            return Err(PowersError::EndsBeforeStart);
        }
        let limit = last_day_of_period(made_on, PSPO_MAX_MONTHS);
        if last_day > limit {
            return Err(PowersError::PspoTooLong { last_day: limit });
        }
        Ok(Pspo { made_on, last_day, extended_on: None })
    }

    /// Extends the order, decided on `decided_on` (on or before its last day), to `new_last_day`:
    /// at most 3 years beginning with the day after its current last day (s.60(2)).
    pub fn extend(self, decided_on: Date, new_last_day: Date) -> Result<Pspo> {
        if decided_on > self.last_day {
            return Err(PowersError::PspoExpired { expired_after: self.last_day });
        }
        if new_last_day < self.last_day {
            return Err(PowersError::EndsBeforeStart);
        }
        let limit = last_day_of_period(self.last_day + Duration::days(1), PSPO_MAX_MONTHS);
        if new_last_day > limit {
            return Err(PowersError::PspoTooLong { last_day: limit });
        }
        Ok(Pspo { last_day: new_last_day, extended_on: Some(decided_on), ..self })
    }

    /// The last day to apply to the High Court: 6 weeks beginning with the day the order was
    /// made (DOMAIN.md says "within 6 weeks"; the "beginning with" counting is ours).
    pub fn challenge_last_day(&self) -> Date {
        last_day_of_days(self.made_on, PSPO_CHALLENGE_WEEKS * 7)
    }

    /// The order's clocks: the challenge window and expiry.
    pub fn clocks(&self) -> Vec<Clock> {
        vec![
            Clock::on(
                "PSPO: High Court challenge window closes",
                self.challenge_last_day(),
                ClockKind::Deadline,
            ),
            Clock::on("PSPO: expires unless extended", self.last_day, ClockKind::Expiry),
        ]
    }
}

/// A civil injunction (ASBCPA 2014 Part 1) as recorded: DOMAIN.md gives it no clock of its own,
/// so its only clock is the end date the court set, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CivilInjunction {
    /// The respondent.
    pub respondent: RecipientKey,
    /// The day it was granted.
    pub granted_on: Date,
    /// The last day it has effect, if the court set one.
    pub until: Option<Date>,
    /// Whether a power of arrest is attached.
    pub power_of_arrest: bool,
}

impl CivilInjunction {
    /// An injunction, refusing an end before it was granted.
    pub fn new(
        respondent: RecipientKey,
        granted_on: Date,
        until: Option<Date>,
        power_of_arrest: bool,
    ) -> Result<CivilInjunction> {
        if until.is_some_and(|until| until < granted_on) {
            return Err(PowersError::EndsBeforeStart);
        }
        Ok(CivilInjunction { respondent, granted_on, until, power_of_arrest })
    }

    /// Its clocks: the end the court set, if any.
    pub fn clocks(&self) -> Vec<Clock> {
        self.until
            .map(|until| Clock::on("Civil injunction: ends", until, ClockKind::Expiry))
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::casework::Due;
    use time::macros::{date, datetime};

    fn key(s: &str) -> RecipientKey {
        RecipientKey(s.to_string())
    }

    fn conduct(s: &str) -> ConductKey {
        ConductKey(s.to_string())
    }

    fn adult(k: &str) -> Recipient {
        Recipient::Individual { key: key(k), age: AgeEvidence::DateOfBirth(date!(1990 - 05 - 01)) }
    }

    fn stop(text: &str) -> Requirement {
        Requirement { kind: RequirementKind::Stop, text: text.to_string(), deadline: None }
    }

    fn warning() -> Warning {
        // Warned on 2 March 2026 to stop by 16 March 2026.
        Warning::new(key("p1"), conduct("noise"), date!(2026 - 03 - 02), date!(2026 - 03 - 16))
            .unwrap()
    }

    fn draft(recipient: Recipient, issue_on: Date) -> CpnDraft {
        CpnDraft {
            recipient,
            conduct: conduct("noise"),
            issue_on,
            requirements: vec![stop("stop playing amplified music after 23:00")],
        }
    }

    #[test]
    fn cpn_without_a_warning_is_refused() {
        let rules = RuleSet::default();
        let err = issue_cpn(&rules, draft(adult("p1"), date!(2026 - 04 - 01)), &[]).unwrap_err();
        assert_eq!(err, PowersError::NoWarning);
        assert!(err.to_string().contains("written warning"));
        // A warning to someone else, or about other conduct, or given later, does not count.
        let other_person = Warning { recipient: key("p2"), ..warning() };
        let other_conduct = Warning { conduct: conduct("dog"), ..warning() };
        let later = Warning {
            issued_on: date!(2026 - 04 - 02),
            comply_by: date!(2026 - 04 - 09),
            ..warning()
        };
        let err = issue_cpn(
            &rules,
            draft(adult("p1"), date!(2026 - 04 - 01)),
            &[other_person, other_conduct, later],
        )
        .unwrap_err();
        assert_eq!(err, PowersError::NoWarning);
    }

    #[test]
    fn cpn_too_soon_after_the_warning_is_refused() {
        let rules = RuleSet::default();
        let err =
            issue_cpn(&rules, draft(adult("p1"), date!(2026 - 03 - 16)), &[warning()]).unwrap_err();
        assert_eq!(
            err,
            PowersError::TooSoon {
                comply_by: date!(2026 - 03 - 16),
                earliest: date!(2026 - 03 - 17)
            }
        );
        let cpn =
            issue_cpn(&rules, draft(adult("p1"), date!(2026 - 03 - 17)), &[warning()]).unwrap();
        assert_eq!(cpn.warning_issued_on, date!(2026 - 03 - 02));
    }

    #[test]
    fn cpn_needs_a_requirement() {
        let mut d = draft(adult("p1"), date!(2026 - 04 - 01));
        d.requirements.clear();
        assert_eq!(
            issue_cpn(&RuleSet::default(), d, &[warning()]),
            Err(PowersError::NoRequirements)
        );
    }

    #[test]
    fn warning_cannot_end_before_it_starts() {
        let err =
            Warning::new(key("p1"), conduct("noise"), date!(2026 - 03 - 02), date!(2026 - 03 - 01));
        assert_eq!(err, Err(PowersError::ComplyByBeforeWarning));
    }

    #[test]
    fn recipient_aged_15_is_refused_and_16_accepted() {
        let rules = RuleSet::default();
        let on = date!(2026 - 04 - 01);
        let born =
            |dob| Recipient::Individual { key: key("p1"), age: AgeEvidence::DateOfBirth(dob) };
        // Sixteenth birthday on 2 April 2026: still 15 on 1 April.
        let err =
            issue_cpn(&rules, draft(born(date!(2010 - 04 - 02)), on), &[warning()]).unwrap_err();
        assert_eq!(err, PowersError::UnderAge { min_age: 16 });
        // Sixteenth birthday on the issue day.
        assert!(issue_cpn(&rules, draft(born(date!(2010 - 04 - 01)), on), &[warning()]).is_ok());
    }

    #[test]
    fn unknown_age_asks_for_confirmation() {
        let rules = RuleSet::default();
        let unknown = Recipient::Individual { key: key("p1"), age: AgeEvidence::Unknown };
        let err =
            issue_cpn(&rules, draft(unknown, date!(2026 - 04 - 01)), &[warning()]).unwrap_err();
        assert_eq!(err, PowersError::AgeUnconfirmed { min_age: 16 });
        assert!(err.to_string().starts_with("confirm the recipient is 16 or over"));
        // A body has no age.
        let body = Recipient::Body { key: key("p1") };
        assert!(issue_cpn(&rules, draft(body, date!(2026 - 04 - 01)), &[warning()]).is_ok());
    }

    #[test]
    fn stated_ages() {
        let on = date!(2026 - 04 - 01);
        let stated = |age, stated_on| AgeEvidence::Stated { age, stated_on };
        assert_eq!(check_min_age(stated(16, on), on, 16), Ok(()));
        assert_eq!(
            check_min_age(stated(15, on), on, 16),
            Err(PowersError::UnderAge { min_age: 16 })
        );
        // Said 15 on 1 October 2025: 15 or 16 now, so ask.
        assert_eq!(
            check_min_age(stated(15, date!(2025 - 10 - 01)), on, 16),
            Err(PowersError::AgeUnconfirmed { min_age: 16 })
        );
        // Said 15 on 1 April 2025: at least 16 now.
        assert_eq!(check_min_age(stated(15, date!(2025 - 04 - 01)), on, 16), Ok(()));
        // Said 14 on 1 October 2025: at most 15 now.
        assert_eq!(
            check_min_age(stated(14, date!(2025 - 10 - 01)), on, 16),
            Err(PowersError::UnderAge { min_age: 16 })
        );
    }

    #[test]
    fn leap_day_birthdays() {
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2024 - 02 - 28)), 15);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2024 - 02 - 29)), 16);
        assert_eq!(age_on(date!(2009 - 02 - 28), date!(2025 - 02 - 28)), 16);
        assert_eq!(age_on(date!(2009 - 03 - 01), date!(2025 - 02 - 28)), 15);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(date!(2010 - 02 - 28), date!(2026 - 03 - 01)), 16);
    }

    #[test]
    fn a_dated_rule_version_can_lower_the_minimum_age() {
        let mut lowered = RuleSet::default().versions()[0].clone();
        lowered.valid_from = date!(2027 - 01 - 01);
        lowered.cpn_min_age = 10;
        let rules = RuleSet::new(vec![RuleSet::default().versions()[0].clone(), lowered]).unwrap();
        let twelve = Recipient::Individual {
            key: key("p1"),
            age: AgeEvidence::DateOfBirth(date!(2014 - 06 - 01)),
        };
        let w =
            Warning::new(key("p1"), conduct("noise"), date!(2026 - 12 - 01), date!(2026 - 12 - 15))
                .unwrap();
        assert_eq!(
            issue_cpn(
                &rules,
                draft(twelve.clone(), date!(2026 - 12 - 31)),
                std::slice::from_ref(&w)
            ),
            Err(PowersError::UnderAge { min_age: 16 })
        );
        assert!(issue_cpn(&rules, draft(twelve, date!(2027 - 01 - 01)), &[w]).is_ok());
    }

    fn cpn_issued(on: Date) -> Cpn {
        let w = Warning::new(
            key("p1"),
            conduct("noise"),
            on - Duration::days(30),
            on - Duration::days(1),
        )
        .unwrap();
        let mut d = draft(adult("p1"), on);
        d.requirements.push(Requirement {
            kind: RequirementKind::Do,
            text: "fit a sound limiter".to_string(),
            deadline: Some(on + Duration::days(28)),
        });
        d.requirements.push(Requirement {
            kind: RequirementKind::TakeSteps,
            text: "keep the dog under control".to_string(),
            deadline: None,
        });
        issue_cpn(&RuleSet::default(), d, &[w]).unwrap()
    }

    #[test]
    fn appeal_on_day_21_is_accepted_and_day_22_refused() {
        let cpn = cpn_issued(date!(2026 - 03 - 03));
        assert_eq!(cpn.appeal_last_day(), date!(2026 - 03 - 23));
        assert_eq!(cpn.check_appeal(date!(2026 - 03 - 03)), Ok(()));
        assert_eq!(cpn.check_appeal(date!(2026 - 03 - 23)), Ok(()));
        assert_eq!(
            cpn.check_appeal(date!(2026 - 03 - 24)),
            Err(PowersError::AppealOutOfTime { last_day: date!(2026 - 03 - 23) })
        );
        assert_eq!(
            cpn.check_appeal(date!(2026 - 03 - 02)),
            Err(PowersError::BeforeNotice { what: "an appeal" })
        );
        // Across a month end.
        let cpn = cpn_issued(date!(2026 - 01 - 20));
        assert_eq!(cpn.check_appeal(date!(2026 - 02 - 09)), Ok(()));
        assert!(cpn.check_appeal(date!(2026 - 02 - 10)).is_err());
    }

    #[test]
    fn only_stop_requirements_bind_during_an_appeal() {
        let cpn = cpn_issued(date!(2026 - 03 - 03));
        let pending: Vec<_> =
            cpn.requirements_in_force(true).into_iter().map(|(r, s)| (r.kind, s)).collect();
        assert_eq!(
            pending,
            vec![
                (RequirementKind::Stop, RequirementStatus::InForce),
                (RequirementKind::Do, RequirementStatus::SuspendedPendingAppeal),
                (RequirementKind::TakeSteps, RequirementStatus::SuspendedPendingAppeal),
            ]
        );
        assert!(cpn
            .requirements_in_force(false)
            .iter()
            .all(|(_, s)| *s == RequirementStatus::InForce));
    }

    #[test]
    fn cpn_clocks() {
        let cpn = cpn_issued(date!(2026 - 03 - 03));
        let clocks = cpn.clocks();
        assert_eq!(clocks.len(), 2);
        assert_eq!(clocks[0].due, Due::Date(date!(2026 - 03 - 23)));
        assert_eq!(clocks[1].due, Due::Date(date!(2026 - 03 - 31)));
        assert_eq!(clocks[1].name, "CPN: requirement 2 deadline");
        let w = warning().clocks();
        assert_eq!(w[1].due, Due::Date(date!(2026 - 03 - 17)));
        assert_eq!(w[1].kind, ClockKind::EarliestAction);
    }

    #[test]
    fn fixed_penalty_uses_the_version_in_force_on_the_offence_day() {
        let base = RuleSet::default().versions()[0].clone();
        let raised = RuleVersion {
            valid_from: date!(2027 - 01 - 01),
            cpn_fpn: FpnRule {
                max_pence: 50_000,
                amount_pence: 30_000,
                early_payment: None,
                payment_days: 14,
            },
            ..base.clone()
        };
        let rules = RuleSet::new(vec![raised, base]).unwrap();
        let cpn = cpn_issued(date!(2026 - 11 - 02));
        // Offence on 31 December 2026, notice given on 4 January 2027: the old rules apply.
        let fpn = FixedPenalty::for_cpn(&rules, &cpn, date!(2026 - 12 - 31), date!(2027 - 01 - 04))
            .unwrap();
        assert_eq!(fpn.amount_pence, 10_000);
        assert_eq!(fpn.early_payment, Some((7_500, date!(2027 - 01 - 14))));
        assert_eq!(fpn.pay_by, date!(2027 - 01 - 18));
        assert_eq!(fpn.rules_valid_from, ASBCPA_PART4_COMMENCEMENT);
        let fpn = FixedPenalty::for_cpn(&rules, &cpn, date!(2027 - 01 - 01), date!(2027 - 01 - 04))
            .unwrap();
        assert_eq!(fpn.amount_pence, 30_000);
        assert_eq!(fpn.early_payment, None);
        assert_eq!(fpn.clocks().len(), 1);
        // PSPO penalties keep their own rule.
        let pspo = FixedPenalty::new(
            &rules,
            PenaltyFor::Pspo,
            date!(2027 - 02 - 01),
            date!(2027 - 02 - 01),
        )
        .unwrap();
        assert_eq!(pspo.amount_pence, 10_000);
    }

    #[test]
    fn fixed_penalty_refusals() {
        let rules = RuleSet::default();
        let cpn = cpn_issued(date!(2026 - 03 - 03));
        assert!(FixedPenalty::for_cpn(&rules, &cpn, date!(2026 - 03 - 02), date!(2026 - 03 - 05))
            .is_err());
        assert!(FixedPenalty::for_cpn(&rules, &cpn, date!(2026 - 03 - 10), date!(2026 - 03 - 09))
            .is_err());
        assert_eq!(
            FixedPenalty::new(
                &rules,
                PenaltyFor::Cpn,
                date!(2014 - 10 - 19),
                date!(2014 - 10 - 20)
            ),
            Err(PowersError::NoRulesInForce(date!(2014 - 10 - 19)))
        );
        assert!(FixedPenalty::new(
            &rules,
            PenaltyFor::Cpn,
            date!(2014 - 10 - 20),
            date!(2014 - 10 - 20)
        )
        .is_ok());
    }

    #[test]
    fn rule_sets_are_checked() {
        let base = RuleSet::default().versions()[0].clone();
        assert_eq!(RuleSet::new(vec![]), Err(PowersError::BadRuleVersions));
        assert_eq!(
            RuleSet::new(vec![base.clone(), base.clone()]),
            Err(PowersError::BadRuleVersions)
        );
        let too_high =
            RuleVersion { cpn_fpn: FpnRule { amount_pence: 15_000, ..base.cpn_fpn }, ..base };
        assert_eq!(
            RuleSet::new(vec![too_high]),
            Err(PowersError::PenaltyAboveMaximum {
                valid_from: ASBCPA_PART4_COMMENCEMENT,
                max_pounds: 100
            })
        );
    }

    #[test]
    fn closure_notice_issuer_and_length() {
        let at = datetime!(2026 - 06 - 10 14:00 +01:00);
        assert_eq!(
            ClosureNotice::new(ClosureIssuer::PoliceBelowInspector, at, 24),
            Err(PowersError::ClosureIssuerRank)
        );
        assert_eq!(
            ClosureNotice::new(ClosureIssuer::LocalAuthority, at, 25),
            Err(PowersError::ClosureNoticeTooLong)
        );
        let notice = ClosureNotice::new(ClosureIssuer::PoliceInspectorOrAbove, at, 24).unwrap();
        assert_eq!(notice.expires_at(), datetime!(2026 - 06 - 11 14:00 +01:00));
        let extended = notice.extend_to(48).unwrap();
        assert_eq!(extended.expires_at(), datetime!(2026 - 06 - 12 14:00 +01:00));
        assert_eq!(notice.extend_to(49), Err(PowersError::ClosureNoticeTooLong));
    }

    #[test]
    fn closure_hearing_within_48_hours() {
        let at = datetime!(2026 - 06 - 10 14:30 +01:00);
        let notice = ClosureNotice::new(ClosureIssuer::PoliceInspectorOrAbove, at, 24).unwrap();
        assert_eq!(notice.hearing_by(), datetime!(2026 - 06 - 12 14:30 +01:00));
        assert_eq!(notice.hearing_by().offset(), at.offset());
        let clocks = notice.clocks();
        assert_eq!(clocks[1].due, Due::Instant(datetime!(2026 - 06 - 12 13:30 UTC)));
        assert_eq!(clocks[1].kind, ClockKind::Deadline);
    }

    #[test]
    fn closure_hearing_clock_skips_christmas_day() {
        // Served 24 December 10:00: 14 hours to midnight, Christmas Day skipped, 34 more hours.
        let notice = ClosureNotice::new(
            ClosureIssuer::LocalAuthority,
            datetime!(2026 - 12 - 24 10:00 UTC),
            24,
        )
        .unwrap();
        assert_eq!(notice.hearing_by(), datetime!(2026 - 12 - 27 10:00 UTC));
        // Served on Christmas Day 09:00: the clock starts at midnight.
        let notice = ClosureNotice::new(
            ClosureIssuer::LocalAuthority,
            datetime!(2026 - 12 - 25 09:00 UTC),
            24,
        )
        .unwrap();
        assert_eq!(notice.hearing_by(), datetime!(2026 - 12 - 28 00:00 UTC));
        // Served 22 December 23:00: 48 hours end at 24 December 23:00, before Christmas.
        let notice = ClosureNotice::new(
            ClosureIssuer::LocalAuthority,
            datetime!(2026 - 12 - 22 23:00 UTC),
            24,
        )
        .unwrap();
        assert_eq!(notice.hearing_by(), datetime!(2026 - 12 - 24 23:00 UTC));
        // Served 23 December 01:00: one hour would fall on Christmas Day.
        let notice = ClosureNotice::new(
            ClosureIssuer::LocalAuthority,
            datetime!(2026 - 12 - 23 01:00 UTC),
            24,
        )
        .unwrap();
        assert_eq!(notice.hearing_by(), datetime!(2026 - 12 - 26 01:00 UTC));
    }

    #[test]
    fn closure_order_three_months_extendable_to_six() {
        let made = date!(2026 - 03 - 01);
        let order = ClosureOrder::new(made, date!(2026 - 05 - 31)).unwrap();
        assert_eq!(
            ClosureOrder::new(made, date!(2026 - 06 - 01)),
            Err(PowersError::ClosureOrderTooLong { months: 3, last_day: date!(2026 - 05 - 31) })
        );
        let extended = order.extend_to(date!(2026 - 08 - 31)).unwrap();
        assert_eq!(extended.until, date!(2026 - 08 - 31));
        assert_eq!(
            order.extend_to(date!(2026 - 09 - 01)),
            Err(PowersError::ClosureOrderTooLong { months: 6, last_day: date!(2026 - 08 - 31) })
        );
        assert_eq!(
            ClosureOrder::new(made, date!(2026 - 02 - 28)),
            Err(PowersError::EndsBeforeStart)
        );
        // Made on 30 November: three months end on 28 February (no 30 February).
        assert!(ClosureOrder::new(date!(2026 - 11 - 30), date!(2027 - 02 - 28)).is_ok());
        assert!(ClosureOrder::new(date!(2026 - 11 - 30), date!(2027 - 03 - 01)).is_err());
        assert_eq!(extended.clocks()[1].due, Due::Date(date!(2026 - 08 - 31)));
        assert_eq!(order.appeal_last_day(), date!(2026 - 03 - 21));
        // The appeal window: the day it was made to day 21, nothing either side.
        let late =
            Err(PowersError::ClosureOrderAppealOutOfTime { last_day: date!(2026 - 03 - 21) });
        assert_eq!(order.check_appeal(date!(2026 - 02 - 28)), late);
        assert_eq!(order.check_appeal(made), Ok(()));
        assert_eq!(order.check_appeal(date!(2026 - 03 - 21)), Ok(()));
        assert_eq!(order.check_appeal(date!(2026 - 03 - 22)), late);
    }

    #[test]
    fn pspo_expiry_and_challenge_window() {
        let pspo = Pspo::for_three_years(date!(2026 - 10 - 20));
        assert_eq!(pspo.last_day, date!(2029 - 10 - 19));
        assert_eq!(pspo.challenge_last_day(), date!(2026 - 11 - 30));
        assert!(Pspo::new(date!(2026 - 10 - 20), date!(2029 - 10 - 19)).is_ok());
        assert_eq!(
            Pspo::new(date!(2026 - 10 - 20), date!(2029 - 10 - 20)),
            Err(PowersError::PspoTooLong { last_day: date!(2029 - 10 - 19) })
        );
        let clocks = pspo.clocks();
        assert_eq!(clocks[0].due, Due::Date(date!(2026 - 11 - 30)));
        assert_eq!(clocks[1].kind, ClockKind::Expiry);
        // Extended on its last day by three more years.
        let extended = pspo.extend(date!(2029 - 10 - 19), date!(2032 - 10 - 19)).unwrap();
        assert_eq!(extended.last_day, date!(2032 - 10 - 19));
        assert_eq!(
            pspo.extend(date!(2029 - 10 - 19), date!(2032 - 10 - 20)),
            Err(PowersError::PspoTooLong { last_day: date!(2032 - 10 - 19) })
        );
        assert_eq!(
            pspo.extend(date!(2029 - 10 - 20), date!(2030 - 10 - 19)),
            Err(PowersError::PspoExpired { expired_after: date!(2029 - 10 - 19) })
        );
        // Made on 29 February: the third anniversary has no 29 February, so it ends 28 February.
        assert_eq!(Pspo::for_three_years(date!(2028 - 02 - 29)).last_day, date!(2031 - 02 - 28));
    }

    #[test]
    fn civil_injunction_records_its_end() {
        let inj = CivilInjunction::new(
            key("p1"),
            date!(2026 - 05 - 01),
            Some(date!(2027 - 04 - 30)),
            true,
        )
        .unwrap();
        assert_eq!(inj.clocks()[0].due, Due::Date(date!(2027 - 04 - 30)));
        let open = CivilInjunction::new(key("p1"), date!(2026 - 05 - 01), None, false).unwrap();
        assert!(open.clocks().is_empty());
        assert!(CivilInjunction::new(
            key("p1"),
            date!(2026 - 05 - 01),
            Some(date!(2026 - 04 - 30)),
            false
        )
        .is_err());
    }
}
