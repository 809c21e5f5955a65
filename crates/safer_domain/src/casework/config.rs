//! A partnership's own casework rules, read from a file (docs/casework-rules.md): the ASB
//! victim risk question set with its thresholds and review cadence, the repeat-victim rule,
//! and the dated versions of the enforcement rules (CPN minimum age, fixed penalty amounts and
//! payment periods). Without a file, [`CaseworkRules::default`] applies the defaults of
//! [`RiskModel::default`], [`RepeatVictimRule::default`] and [`RuleSet::default`];
//! `examples/casework-rules.toml` writes those defaults out as a file to start from.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml_edit::ImDocument;

use super::powers::{EarlyPayment, FpnRule, RuleSet, RuleVersion};
use super::risk::{
    RepeatVictimRule, RiskLevel, RiskModel, RiskQuestion, ScheduledReview, Vulnerability,
};
use crate::plan::PlanError;
use crate::toml_spans::{line_column, span_of, Seg};

/// The format version this code reads.
pub const CASEWORK_RULES_FORMAT: i64 = 1;

/// The rules casework runs on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseworkRules {
    /// The ASB victim risk assessment.
    pub risk: RiskModel,
    /// When a victim counts as a repeat victim.
    pub repeat_victim: RepeatVictimRule,
    /// The dated enforcement rules.
    pub powers: RuleSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    format: i64,
    risk: RiskFile,
    repeat_victim: RepeatFile,
    powers: PowersFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskFile {
    medium_from: u32,
    high_from: u32,
    refer_to_support_from: Option<u32>,
    #[serde(rename = "question")]
    questions: Vec<QuestionFile>,
    #[serde(rename = "review", default)]
    reviews: Vec<ReviewFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    id: String,
    label: String,
    vulnerability: VulnerabilityFile,
    score: u32,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum VulnerabilityFile {
    Personal,
    Situational,
    Incidental,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewFile {
    level: LevelFile,
    by: String,
    after_days: u32,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum LevelFile {
    Standard,
    Medium,
    High,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepeatFile {
    incidents: u32,
    months: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PowersFile {
    #[serde(rename = "version")]
    versions: Vec<VersionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    valid_from: toml::value::Datetime,
    cpn_min_age: u8,
    cpn_fpn: FpnFile,
    pspo_fpn: FpnFile,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct FpnFile {
    max_pence: u32,
    amount_pence: u32,
    early_amount_pence: Option<u32>,
    early_within_days: Option<u32>,
    payment_days: u32,
}

impl FpnFile {
    fn rule(self) -> Result<FpnRule, String> {
        let early_payment = match (self.early_amount_pence, self.early_within_days) {
            (Some(amount_pence), Some(within_days)) => {
                Some(EarlyPayment { amount_pence, within_days })
            }
            (None, None) => None,
            _ => {
                return Err("give both `early_amount_pence` and `early_within_days`, or neither"
                    .to_string())
            }
        };
        Ok(FpnRule {
            max_pence: self.max_pence,
            amount_pence: self.amount_pence,
            early_payment,
            payment_days: self.payment_days,
        })
    }
}

/// Parses and checks a casework rules file; every problem is located by line and column.
pub fn parse_casework_rules(source: &str) -> Result<CaseworkRules, Vec<PlanError>> {
    let located = |at: usize, field: &str, message: String| {
        let (line, column) = line_column(source, at);
        PlanError { line, column, field: field.to_string(), message }
    };
    let doc = ImDocument::parse(source).map_err(|err| {
        let at = err.span().map_or(0, |span| span.start);
        vec![located(at, "", err.message().lines().next().unwrap_or("").to_string())]
    })?;
    if doc.get("format").and_then(|item| item.as_integer()) != Some(CASEWORK_RULES_FORMAT) {
        let at = doc.get("format").and_then(|item| item.span()).map_or(0, |s| s.start);
        return Err(vec![located(
            at,
            "format",
            format!("this version of Safer reads `format = {CASEWORK_RULES_FORMAT}`"),
        )]);
    }
    let file: File = toml::from_str(source).map_err(|err| {
        let at = err.span().map_or(0, |span| span.start);
        vec![located(at, "", err.message().lines().next().unwrap_or("").to_string())]
    })?;
    let at = |path: &[Seg]| span_of(&doc, path).map_or(0, |span| span.start);
    let mut errors = Vec::new();

    let questions = file
        .risk
        .questions
        .iter()
        .map(|q| RiskQuestion {
            id: q.id.clone(),
            label: q.label.clone(),
            vulnerability: match q.vulnerability {
                VulnerabilityFile::Personal => Vulnerability::Personal,
                VulnerabilityFile::Situational => Vulnerability::Situational,
                VulnerabilityFile::Incidental => Vulnerability::Incidental,
            },
            score: q.score,
        })
        .collect();
    let mut reviews: BTreeMap<RiskLevel, Vec<ScheduledReview>> =
        [RiskLevel::Standard, RiskLevel::Medium, RiskLevel::High]
            .into_iter()
            .map(|level| (level, Vec::new()))
            .collect();
    for review in &file.risk.reviews {
        let level = match review.level {
            LevelFile::Standard => RiskLevel::Standard,
            LevelFile::Medium => RiskLevel::Medium,
            LevelFile::High => RiskLevel::High,
        };
        reviews
            .entry(level)
            .or_default()
            .push(ScheduledReview { by: review.by.clone(), after_days: review.after_days });
    }
    let risk = RiskModel::new(
        questions,
        file.risk.medium_from,
        file.risk.high_from,
        file.risk.refer_to_support_from,
        reviews,
    )
    .map_err(|err| located(at(&[Seg::Key("risk")]), "risk", err.to_string()));
    let repeat_victim =
        RepeatVictimRule::new(file.repeat_victim.incidents, file.repeat_victim.months).map_err(
            |err| located(at(&[Seg::Key("repeat_victim")]), "repeat_victim", err.to_string()),
        );

    let mut versions = Vec::new();
    for (i, version) in file.powers.versions.iter().enumerate() {
        let path = [Seg::Key("powers"), Seg::Key("version"), Seg::Index(i)];
        let valid_from = match version.valid_from.date {
            Some(date) if version.valid_from.time.is_none() => {
                time::Month::try_from(date.month).ok().and_then(|month| {
                    time::Date::from_calendar_date(i32::from(date.year), month, date.day).ok()
                })
            }
            _ => None,
        };
        let Some(valid_from) = valid_from else {
            errors.push(located(
                at(&path),
                "powers.version.valid_from",
                "`valid_from` must be a date such as 2014-10-20".to_string(),
            ));
            continue;
        };
        match (version.cpn_fpn.rule(), version.pspo_fpn.rule()) {
            (Ok(cpn_fpn), Ok(pspo_fpn)) => versions.push(RuleVersion {
                valid_from,
                cpn_min_age: version.cpn_min_age,
                cpn_fpn,
                pspo_fpn,
            }),
            (Err(message), _) | (_, Err(message)) => {
                errors.push(located(at(&path), "powers.version", message));
            }
        }
    }
    let powers = RuleSet::new(versions)
        .map_err(|err| located(at(&[Seg::Key("powers")]), "powers", err.to_string()));

    match (risk, repeat_victim, powers) {
        (Ok(risk), Ok(repeat_victim), Ok(powers)) if errors.is_empty() => {
            Ok(CaseworkRules { risk, repeat_victim, powers })
        }
        (risk, repeat, powers) => {
            errors.extend(risk.err());
            errors.extend(repeat.err());
            if errors.iter().all(|e| !e.field.starts_with("powers")) {
                errors.extend(powers.err());
            }
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../../examples/casework-rules.toml");

    #[test]
    fn the_example_file_is_exactly_the_defaults() {
        let rules = parse_casework_rules(EXAMPLE).unwrap_or_else(|errors| {
            panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
        });
        assert_eq!(rules, CaseworkRules::default());
    }

    #[test]
    fn a_partnership_can_lower_the_cpn_age_from_a_date_and_change_its_thresholds() {
        let changed = EXAMPLE
            .replace("medium_from = 12", "medium_from = 10")
            .replace("incidents = 3", "incidents = 2")
            + "\n[[powers.version]]\nvalid_from = 2027-01-01\ncpn_min_age = 10\n\
               cpn_fpn = { max_pence = 50000, amount_pence = 25000, payment_days = 14 }\n\
               pspo_fpn = { max_pence = 50000, amount_pence = 25000, payment_days = 14 }\n";
        let rules = parse_casework_rules(&changed).unwrap();
        assert_eq!(rules.risk.level(10), RiskLevel::Medium);
        assert_eq!(rules.repeat_victim, RepeatVictimRule::new(2, 3).unwrap());
        let later = rules.powers.in_force_on(time::macros::date!(2027 - 02 - 01)).unwrap();
        assert_eq!((later.cpn_min_age, later.cpn_fpn.amount_pence), (10, 25_000));
        let before = rules.powers.in_force_on(time::macros::date!(2026 - 12 - 31)).unwrap();
        assert_eq!(before.cpn_min_age, 16);
    }

    #[test]
    fn problems_name_their_line() {
        let bad = EXAMPLE.replace("high_from = 22", "high_from = 500");
        let errors = parse_casework_rules(&bad).unwrap_err();
        let risk_line = EXAMPLE.lines().position(|l| l == "[risk]").unwrap() + 1;
        assert_eq!((errors[0].line, errors[0].field.as_str()), (risk_line, "risk"), "{errors:?}");
        let bad = EXAMPLE.replace("amount_pence = 10000", "amount_pence = 20000");
        let errors = parse_casework_rules(&bad).unwrap_err();
        assert!(errors[0].message.contains("above"), "{errors:?}");
        let bad = EXAMPLE.replace("vulnerability = \"personal\"", "vulnerability = \"other\"");
        let errors = parse_casework_rules(&bad).unwrap_err();
        let first =
            EXAMPLE.lines().position(|l| l.contains("vulnerability = \"personal\"")).unwrap() + 1;
        assert_eq!(errors[0].line, first, "{errors:?}");
        assert_eq!(parse_casework_rules("format = 2").unwrap_err()[0].field, "format");
    }
}
