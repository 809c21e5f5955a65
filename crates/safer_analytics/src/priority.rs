//! Priority setting: a [`Matrix`] of candidate issues × criteria, scored from evidence where it
//! exists and by hand where it does not, ranked, and checked for sensitivity to the weights.
//!
//! Every criterion is scored 1–5, 5 meaning "most reason to make this a priority".
//!
//! - **Harm, volume and public concern** are values compared *across the candidates*: harm is
//!   the harm-weighted count of the issue's crime types in the current period
//!   ([`crate::harm::harm_weighted`]), volume their count, public concern the share of survey
//!   respondents choosing the issue's option. With [`Scale::Rank`] (the default) the candidates
//!   with evidence are ranked and score 1 + 4 × (rank − 1) / (n − 1), rank 1 the smallest value
//!   and ties sharing their mean rank; with [`Scale::Linear`] they score
//!   1 + 4 × (v − min) / (max − min). A lone candidate, or equal values, score 3.
//! - **Trend** is scored on its own, from the change of the monthly rate between the two
//!   periods and the exact test ([`crate::compare`]): a change the test cannot tell from noise
//!   scores 3 however large it looks; a significant rise scores 4, or 5 when it is 20 % or
//!   more; a significant fall 2, or 1 when it is 20 % or more.
//! - **A manual score** (with its justification) replaces the evidence for its criterion, and
//!   the issue is left out of that criterion's comparison.
//!
//! The total is the weighted mean Σ wᵢ sᵢ / Σ wᵢ, so it is on the same 1–5 scale. The
//! sensitivity check moves one weight at a time by +20 % and −20 % (the others unchanged; the
//! mean renormalises) and reports whether the top four, as a set, changes and who swaps.

use std::collections::{BTreeMap, BTreeSet};

use safer_domain::priority_matrix::{Criterion, Matrix, Scale};
use serde::Serialize;

use crate::compare::{compare, CompareConfig, Comparison, PeriodCounts, Verdict};
use crate::findings::format_count;
use crate::harm::{harm_weighted, HarmTable};

/// A significant change of at least this many per cent scores 5 (rise) or 1 (fall).
pub const LARGE_CHANGE_PCT: f64 = 20.0;

/// The scoring rule, stated in the output.
pub const TREND_RULE: &str = "trend: a change the exact test cannot tell from noise scores 3; \
a significant rise scores 4 (5 at +20 % or more), a significant fall 2 (1 at -20 % or more)";

/// How the ranking and the sensitivity check are run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorityConfig {
    /// How many issues make the top (4).
    pub top_n: usize,
    /// The relative move of one weight in the sensitivity check (0.2 for ±20 %).
    pub weight_change: f64,
}

impl Default for PriorityConfig {
    fn default() -> PriorityConfig {
        PriorityConfig { top_n: 4, weight_change: 0.2 }
    }
}

/// What an issue's crime types show: counts in the two periods, the test, and harm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrimeEvidence {
    /// The area selector the counts are for.
    pub area: String,
    /// The police.uk crime types counted.
    pub crime_types: Vec<String>,
    /// The base period, `from..to`.
    pub base_period: String,
    /// The current period, `from..to`.
    pub current_period: String,
    /// Crimes of these types in the base period.
    pub base: u64,
    /// Crimes of these types in the current period.
    pub current: u64,
    /// The change of the monthly rate, per cent; `None` when the base is 0.
    pub change_pct: Option<f64>,
    /// The p-value of the exact conditional Poisson test on the summed counts.
    pub p_value: f64,
    /// Whether the change is significant at the comparison's alpha.
    pub significant: bool,
    /// Rise, fall or no clear change.
    pub verdict: Verdict,
    /// The harm-weighted count of the current period, in `harm_unit`.
    pub harm: f64,
    /// The harm table's unit, such as "CCHI days".
    pub harm_unit: String,
    /// The harm table's name.
    pub harm_table: String,
    /// Crime types among these that the harm table gives weight 0 or no weight.
    pub harm_excluded: Vec<String>,
}

/// Sums `crime_types` in `comparison` (one area's `safer compare`), tests the summed change
/// with the same exact test, and weighs the current counts with `table`.
pub fn crime_evidence(
    area: &str,
    crime_types: &[String],
    comparison: &Comparison,
    table: &HarmTable,
) -> CrimeEvidence {
    let mut base_counts = BTreeMap::new();
    let mut current_counts = BTreeMap::new();
    for crime_type in crime_types {
        let row = comparison.rows.iter().find(|row| &row.crime_type == crime_type);
        base_counts.insert(crime_type.clone(), row.map_or(0, |r| r.base));
        current_counts.insert(crime_type.clone(), row.map_or(0, |r| r.current));
    }
    let period =
        |total: &crate::compare::PeriodTotal, counts: &BTreeMap<String, u64>| PeriodCounts {
            from: total.from.clone(),
            to: total.to.clone(),
            months: total.months,
            counts: [("issue".to_string(), counts.values().sum())].into(),
            population: None,
        };
    let summed = compare(
        &period(&comparison.base, &base_counts),
        &period(&comparison.current, &current_counts),
        &CompareConfig { alpha: comparison.alpha },
    );
    let harm = harm_weighted(&current_counts, table);
    let harm_excluded =
        crime_types.iter().filter(|t| table.weight(t).is_none_or(|w| w == 0.0)).cloned().collect();
    let row = summed.total;
    CrimeEvidence {
        area: area.to_string(),
        crime_types: crime_types.to_vec(),
        base_period: format!("{}..{}", comparison.base.from, comparison.base.to),
        current_period: format!("{}..{}", comparison.current.from, comparison.current.to),
        base: row.base,
        current: row.current,
        change_pct: row.change_pct,
        p_value: row.p_value,
        significant: row.significant,
        verdict: row.verdict,
        harm: harm.total,
        harm_unit: table.unit.clone(),
        harm_table: table.name.clone(),
        harm_excluded,
    }
}

/// The evidence gathered for one issue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IssueEvidence {
    /// From the issue's crime types, when it binds some.
    pub crime: Option<CrimeEvidence>,
    /// The share (or count) of survey respondents choosing the issue's option, when it binds
    /// one and the results have it.
    pub survey_share: Option<f64>,
}

/// Where a score came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreSource {
    /// Computed from the evidence.
    Evidence,
    /// Given by hand in the matrix, with a justification.
    Manual,
    /// The criterion's evidence was missing; scored a neutral 3 (said in `evidence`).
    Missing,
}

/// One criterion's score for one issue, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    /// The criterion.
    pub criterion: Criterion,
    /// Its weight in the matrix.
    pub weight: f64,
    /// The score, 1 to 5.
    pub score: f64,
    /// Evidence, manual or missing.
    pub source: ScoreSource,
    /// The evidence value scored (count, harm, share or change %), when there is one.
    pub value: Option<f64>,
    /// The evidence in words: the figures, or the manual justification with its line.
    pub evidence: String,
}

/// One issue in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedIssue {
    /// 1 for the highest total.
    pub rank: usize,
    /// The issue's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The plan priority it maps to.
    pub priority: Option<String>,
    /// The weighted mean score, 1 to 5.
    pub total: f64,
    /// Its scores, one per criterion in [`Criterion::ALL`] order.
    pub scores: Vec<CriterionScore>,
    /// The crime-type evidence, when the issue binds crime types.
    pub crime: Option<CrimeEvidence>,
}

/// One move of one weight in the sensitivity check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightMove {
    /// The criterion whose weight moved.
    pub criterion: Criterion,
    /// The factor applied (1.2 or 0.8).
    pub factor: f64,
    /// The moved weight.
    pub weight: f64,
    /// The top issues under the moved weights, in rank order.
    pub top: Vec<String>,
    /// Whether the top, as a set, differs from the unmoved one.
    pub changed: bool,
    /// Issues that enter the top.
    pub swapped_in: Vec<String>,
    /// Issues that leave it.
    pub swapped_out: Vec<String>,
}

/// Does the top change when any one weight moves?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// How many issues make the top.
    pub top_n: usize,
    /// The relative move, such as 0.2.
    pub weight_change: f64,
    /// The top issues under the matrix's own weights, in rank order.
    pub top: Vec<String>,
    /// True when no single move changes the top.
    pub stable: bool,
    /// Every move of every weight above 0.
    pub moves: Vec<WeightMove>,
    /// Criteria with weight 0, which no relative move changes.
    pub not_moved: Vec<Criterion>,
}

/// The scored matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityReport {
    /// The matrix id.
    pub matrix: String,
    /// Its title.
    pub title: String,
    /// The plan the priorities belong to.
    pub plan: Option<String>,
    /// The weights, by criterion name.
    pub weights: BTreeMap<Criterion, f64>,
    /// How evidence values become scores.
    pub scale: Scale,
    /// The scoring rules in words.
    pub rules: Vec<String>,
    /// The issues, highest total first.
    pub ranking: Vec<RankedIssue>,
    /// The sensitivity check.
    pub sensitivity: Sensitivity,
}

/// Scores, ranks and checks `matrix` with the evidence by issue id; see the module
/// documentation for the rules. Never fails: missing evidence scores a neutral 3 and says so.
pub fn score_matrix(
    matrix: &Matrix,
    evidence: &BTreeMap<String, IssueEvidence>,
    config: &PriorityConfig,
) -> PriorityReport {
    let none = IssueEvidence::default();
    let evidence_of = |id: &str| evidence.get(id).unwrap_or(&none);

    // Cross-candidate scores for harm, volume and public concern.
    let mut relative: BTreeMap<(Criterion, String), f64> = BTreeMap::new();
    for criterion in [Criterion::Harm, Criterion::Volume, Criterion::PublicConcern] {
        let values: Vec<(String, f64)> = matrix
            .issues
            .iter()
            .filter(|issue| !issue.manual.contains_key(&criterion))
            .filter_map(|issue| {
                let value = evidence_value(criterion, evidence_of(&issue.id))?;
                Some((issue.id.clone(), value))
            })
            .collect();
        let raw: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
        for ((id, _), score) in values.iter().zip(scale_scores(&raw, matrix.scale)) {
            relative.insert((criterion, id.clone()), score);
        }
    }

    let mut ranking: Vec<RankedIssue> = matrix
        .issues
        .iter()
        .map(|issue| {
            let found = evidence_of(&issue.id);
            let scores: Vec<CriterionScore> = Criterion::ALL
                .into_iter()
                .map(|criterion| {
                    let weight = matrix.weights.get(&criterion).copied().unwrap_or(0.0);
                    if let Some(manual) = issue.manual.get(&criterion) {
                        return CriterionScore {
                            criterion,
                            weight,
                            score: f64::from(manual.score),
                            source: ScoreSource::Manual,
                            value: None,
                            evidence: format!(
                                "manual (matrix line {}): {}",
                                manual.line, manual.justification
                            ),
                        };
                    }
                    let value = evidence_value(criterion, found);
                    let score = if criterion == Criterion::Trend {
                        found.crime.as_ref().map(trend_score)
                    } else {
                        relative.get(&(criterion, issue.id.clone())).copied()
                    };
                    match score {
                        Some(score) => CriterionScore {
                            criterion,
                            weight,
                            score,
                            source: ScoreSource::Evidence,
                            value,
                            evidence: describe(criterion, found, issue.survey_option.as_deref()),
                        },
                        None => CriterionScore {
                            criterion,
                            weight,
                            score: 3.0,
                            source: ScoreSource::Missing,
                            value: None,
                            evidence: format!("no evidence for {criterion}: scored a neutral 3"),
                        },
                    }
                })
                .collect();
            RankedIssue {
                rank: 0,
                id: issue.id.clone(),
                title: issue.title.clone(),
                priority: issue.priority.clone(),
                total: weighted_mean(&scores, &matrix.weights),
                scores,
                crime: found.crime.clone(),
            }
        })
        .collect();
    // Stable: equal totals keep file order.
    ranking.sort_by(|a, b| b.total.total_cmp(&a.total));
    for (idx, issue) in ranking.iter_mut().enumerate() {
        issue.rank = idx + 1;
    }

    let sensitivity = sensitivity(&ranking, &matrix.weights, config);
    let scale_rule = match matrix.scale {
        Scale::Rank => {
            "harm, volume, public concern: ranked among the candidates with evidence, \
             1 + 4 × (rank − 1) / (n − 1), ties sharing their mean rank; one candidate or equal \
             values score 3"
        }
        Scale::Linear => {
            "harm, volume, public concern: linear between the candidates' smallest and largest \
             value, 1 + 4 × (v − min) / (max − min); equal values score 3"
        }
    };
    PriorityReport {
        matrix: matrix.id.clone(),
        title: matrix.title.clone(),
        plan: matrix.plan.clone(),
        weights: matrix.weights.clone(),
        scale: matrix.scale,
        rules: vec![
            scale_rule.to_string(),
            TREND_RULE.to_string(),
            "a manual score replaces the evidence for its criterion".to_string(),
            "total: the weighted mean of the six scores, Σ weight × score / Σ weight".to_string(),
        ],
        ranking,
        sensitivity,
    }
}

/// The evidence value a criterion compares, if the issue has one.
fn evidence_value(criterion: Criterion, evidence: &IssueEvidence) -> Option<f64> {
    match criterion {
        Criterion::Harm => evidence.crime.as_ref().map(|c| c.harm),
        Criterion::Volume => evidence.crime.as_ref().map(|c| c.current as f64),
        Criterion::Trend => evidence.crime.as_ref().and_then(|c| c.change_pct),
        Criterion::PublicConcern => evidence.survey_share,
        Criterion::Vulnerability | Criterion::PartnershipCapacity => None,
    }
}

/// Scores values 1–5 across the candidates by `scale`.
pub fn scale_scores(values: &[f64], scale: Scale) -> Vec<f64> {
    let n = values.len();
    if n <= 1 {
        return vec![3.0; n];
    }
    match scale {
        Scale::Rank => values
            .iter()
            .map(|v| {
                let below = values.iter().filter(|w| *w < v).count() as f64;
                let equal = values.iter().filter(|w| *w == v).count() as f64;
                let mean_rank = below + (equal + 1.0) / 2.0;
                1.0 + 4.0 * (mean_rank - 1.0) / (n as f64 - 1.0)
            })
            .collect(),
        Scale::Linear => {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max <= min {
                return vec![3.0; n];
            }
            values.iter().map(|v| 1.0 + 4.0 * (v - min) / (max - min)).collect()
        }
    }
}

/// The trend score of a change; see the module documentation.
pub fn trend_score(crime: &CrimeEvidence) -> f64 {
    let pct = crime.change_pct.unwrap_or(0.0);
    match crime.verdict {
        Verdict::NoClearChange => 3.0,
        Verdict::Rise if pct >= LARGE_CHANGE_PCT => 5.0,
        Verdict::Rise => 4.0,
        Verdict::Fall if pct <= -LARGE_CHANGE_PCT => 1.0,
        Verdict::Fall => 2.0,
    }
}

fn weighted_mean(scores: &[CriterionScore], weights: &BTreeMap<Criterion, f64>) -> f64 {
    let (mut sum, mut weight_sum) = (0.0, 0.0);
    for score in scores {
        let weight = weights.get(&score.criterion).copied().unwrap_or(0.0);
        sum += weight * score.score;
        weight_sum += weight;
    }
    if weight_sum > 0.0 {
        sum / weight_sum
    } else {
        f64::NAN
    }
}

fn describe(criterion: Criterion, evidence: &IssueEvidence, option: Option<&str>) -> String {
    let Some(crime) = &evidence.crime else {
        return match (criterion, evidence.survey_share) {
            (Criterion::PublicConcern, Some(share)) => survey_text(share, option),
            _ => String::new(),
        };
    };
    let types = crime.crime_types.join(", ");
    match criterion {
        Criterion::Volume => format!(
            "{} crimes ({types}) in {}, {}",
            format_count(crime.current),
            crime.area,
            crime.current_period
        ),
        Criterion::Harm => {
            let mut text = format!(
                "{} {} ({types}; {} harm table) in {}, {}",
                format_count(crime.harm.round() as u64),
                crime.harm_unit,
                crime.harm_table,
                crime.area,
                crime.current_period
            );
            if !crime.harm_excluded.is_empty() {
                text.push_str(&format!("; weight 0 or none: {}", crime.harm_excluded.join(", ")));
            }
            text
        }
        Criterion::Trend => {
            let change =
                crime.change_pct.map_or("no base".to_string(), |pct| format!("{pct:+.1} %"));
            let verdict = match crime.verdict {
                Verdict::Rise => "significant rise",
                Verdict::Fall => "significant fall",
                Verdict::NoClearChange => "no clear change",
            };
            let p = if crime.p_value < 0.001 {
                "p < 0.001".to_string()
            } else {
                format!("p = {:.3}", crime.p_value)
            };
            format!(
                "{} in {} → {} in {} ({change}; {p}, {verdict})",
                format_count(crime.base),
                crime.base_period,
                format_count(crime.current),
                crime.current_period,
            )
        }
        Criterion::PublicConcern => {
            evidence.survey_share.map_or(String::new(), |share| survey_text(share, option))
        }
        Criterion::Vulnerability | Criterion::PartnershipCapacity => String::new(),
    }
}

fn survey_text(share: f64, option: Option<&str>) -> String {
    let option = option.unwrap_or("?");
    if share <= 1.0 {
        format!("{:.1} % of survey respondents chose `{option}` as a top issue", share * 100.0)
    } else {
        format!("{share} survey respondents chose `{option}` as a top issue")
    }
}

fn top(totals: &[(String, f64)], n: usize) -> Vec<String> {
    let mut order: Vec<&(String, f64)> = totals.iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    order.into_iter().take(n).map(|(id, _)| id.clone()).collect()
}

fn sensitivity(
    ranking: &[RankedIssue],
    weights: &BTreeMap<Criterion, f64>,
    config: &PriorityConfig,
) -> Sensitivity {
    let base_top: Vec<String> = ranking.iter().take(config.top_n).map(|r| r.id.clone()).collect();
    let base_set: BTreeSet<&String> = base_top.iter().collect();
    let mut moves = Vec::new();
    let mut not_moved = Vec::new();
    for criterion in Criterion::ALL {
        let weight = weights.get(&criterion).copied().unwrap_or(0.0);
        if weight <= 0.0 {
            not_moved.push(criterion);
            continue;
        }
        for factor in [1.0 + config.weight_change, 1.0 - config.weight_change] {
            let mut moved = weights.clone();
            moved.insert(criterion, weight * factor);
            // `ranking` is in rank order, so equal totals keep it.
            let totals: Vec<(String, f64)> =
                ranking.iter().map(|r| (r.id.clone(), weighted_mean(&r.scores, &moved))).collect();
            let new_top = top(&totals, config.top_n);
            let new_set: BTreeSet<&String> = new_top.iter().collect();
            let swapped_in: Vec<String> =
                new_top.iter().filter(|id| !base_set.contains(id)).cloned().collect();
            let swapped_out: Vec<String> =
                base_top.iter().filter(|id| !new_set.contains(id)).cloned().collect();
            moves.push(WeightMove {
                criterion,
                factor,
                weight: weight * factor,
                changed: !swapped_in.is_empty(),
                top: new_top,
                swapped_in,
                swapped_out,
            });
        }
    }
    Sensitivity {
        top_n: config.top_n,
        weight_change: config.weight_change,
        top: base_top,
        stable: moves.iter().all(|m| !m.changed),
        moves,
        not_moved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harm::default_table;
    use safer_domain::crime_type::CRIME_TYPES;
    use safer_domain::priority_matrix::parse_matrix;

    #[test]
    fn crime_types_match_the_harm_table() {
        let table = default_table();
        let names: Vec<&str> = table.entries.keys().map(String::as_str).collect();
        let mut expected = CRIME_TYPES.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected);
    }

    #[test]
    fn rank_and_linear_scales() {
        assert_eq!(scale_scores(&[10.0, 30.0, 20.0], Scale::Rank), [1.0, 5.0, 3.0]);
        assert_eq!(scale_scores(&[10.0, 10.0, 30.0], Scale::Rank), [2.0, 2.0, 5.0]);
        assert_eq!(scale_scores(&[7.0], Scale::Rank), [3.0]);
        assert_eq!(scale_scores(&[0.0, 100.0, 25.0], Scale::Linear), [1.0, 5.0, 2.0]);
        assert_eq!(scale_scores(&[4.0, 4.0], Scale::Linear), [3.0, 3.0]);
    }

    fn crime(base: u64, current: u64, harm: f64) -> CrimeEvidence {
        let counts = |n: u64| PeriodCounts {
            from: "2021-01".into(),
            to: "2021-10".into(),
            months: 10,
            counts: [("Burglary".to_string(), n)].into(),
            population: None,
        };
        let comparison = compare(&counts(base), &counts(current), &CompareConfig::default());
        let mut evidence =
            crime_evidence("district:Test", &["Burglary".into()], &comparison, &default_table());
        evidence.harm = harm;
        evidence
    }

    #[test]
    fn trend_scores_only_significant_changes() {
        // 1000 → 1042: p = 0.364, not significant, however it looks.
        assert_eq!(trend_score(&crime(1000, 1042, 0.0)), 3.0);
        assert_eq!(trend_score(&crime(1000, 1100, 0.0)), 4.0);
        assert_eq!(trend_score(&crime(1000, 1300, 0.0)), 5.0);
        assert_eq!(trend_score(&crime(1000, 900, 0.0)), 2.0);
        assert_eq!(trend_score(&crime(200, 122, 0.0)), 1.0);
        // Few crimes: a big-looking rise that is noise.
        assert_eq!(trend_score(&crime(16, 25, 0.0)), 3.0);
    }

    #[test]
    fn crime_evidence_sums_types_and_weighs_harm() {
        let base = PeriodCounts {
            from: "2021-03".into(),
            to: "2021-12".into(),
            months: 10,
            counts: [("Robbery".to_string(), 10), ("Drugs".to_string(), 20)].into(),
            population: None,
        };
        let current = PeriodCounts {
            counts: [("Robbery".to_string(), 12), ("Anti-social behaviour".to_string(), 5)].into(),
            ..base.clone()
        };
        let comparison = compare(&base, &current, &CompareConfig::default());
        let types = ["Robbery".to_string(), "Anti-social behaviour".to_string()];
        let evidence = crime_evidence("district:X", &types, &comparison, &default_table());
        assert_eq!((evidence.base, evidence.current), (10, 17));
        assert_eq!(evidence.harm, 12.0 * 365.0);
        assert_eq!(evidence.harm_excluded, ["Anti-social behaviour"]);
        assert_eq!(evidence.current_period, "2021-03..2021-12");
    }

    /// Five issues with manual scores for everything but volume (bound to crime types), so
    /// totals can be set by hand.
    fn matrix(weights: &str, issues: &[(&str, u8, u8)]) -> Matrix {
        let mut text = format!(
            "format = 1\n[matrix]\nid = \"t\"\ntitle = \"T\"\narea = \"district:T\"\n\
             [weights]\n{weights}\n"
        );
        for (id, harm, vulnerability) in issues {
            text.push_str(&format!(
                "[[issues]]\nid = \"{id}\"\ntitle = \"{id}\"\ncrime_types = [\"Burglary\"]\n\
                 manual.harm = {{ score = {harm}, justification = \"h\" }}\n\
                 manual.vulnerability = {{ score = {vulnerability}, justification = \"v\" }}\n\
                 manual.trend = {{ score = 3, justification = \"t\" }}\n\
                 manual.public_concern = {{ score = 3, justification = \"p\" }}\n\
                 manual.partnership_capacity = {{ score = 3, justification = \"c\" }}\n"
            ));
        }
        parse_matrix(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
    }

    fn volumes(pairs: &[(&str, u64)]) -> BTreeMap<String, IssueEvidence> {
        pairs
            .iter()
            .map(|(id, n)| {
                let evidence =
                    IssueEvidence { crime: Some(crime(*n, *n, 0.0)), survey_share: None };
                (id.to_string(), evidence)
            })
            .collect()
    }

    const WEIGHTS: &str = "harm = 1\nvolume = 1\ntrend = 0\npublic_concern = 0\n\
                           vulnerability = 1\npartnership_capacity = 0";

    #[test]
    fn ranking_uses_the_weighted_mean_and_keeps_evidence() {
        let m = matrix(WEIGHTS, &[("a", 5, 5), ("b", 1, 1), ("c", 3, 3), ("d", 4, 4), ("e", 2, 2)]);
        let evidence = volumes(&[("a", 100), ("b", 10), ("c", 50), ("d", 70), ("e", 20)]);
        let report = score_matrix(&m, &evidence, &PriorityConfig::default());
        let order: Vec<&str> = report.ranking.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["a", "d", "c", "e", "b"]);
        let a = &report.ranking[0];
        assert_eq!(a.total, 5.0);
        let volume = &a.scores[1];
        assert_eq!(volume.criterion, Criterion::Volume);
        assert_eq!(
            (volume.score, volume.source, volume.value),
            (5.0, ScoreSource::Evidence, Some(100.0))
        );
        assert_eq!(volume.evidence, "100 crimes (Burglary) in district:Test, 2021-01..2021-10");
        assert!(a.scores[0].evidence.starts_with("manual (matrix line "), "{:?}", a.scores[0]);
        assert!(report.sensitivity.stable, "{:?}", report.sensitivity);
        assert_eq!(report.sensitivity.top, ["a", "d", "c", "e"]);
        assert_eq!(report.sensitivity.moves.len(), 6);
        assert_eq!(
            report.sensitivity.not_moved,
            [Criterion::Trend, Criterion::PublicConcern, Criterion::PartnershipCapacity]
        );
    }

    #[test]
    fn sensitivity_finds_a_top_four_that_flips() {
        // d leads on harm and vulnerability, e on volume; d is fourth by a hair.
        let weights = "harm = 1\nvolume = 1\ntrend = 0\npublic_concern = 0\n\
                       vulnerability = 1.1\npartnership_capacity = 0";
        let m = matrix(weights, &[("a", 5, 5), ("b", 5, 5), ("c", 5, 5), ("d", 5, 3), ("e", 2, 2)]);
        // Volume scores by rank: d 1, a 2, b 3, c 4, e 5.
        let evidence = volumes(&[("a", 30), ("b", 40), ("c", 50), ("d", 10), ("e", 90)]);
        let report = score_matrix(&m, &evidence, &PriorityConfig::default());
        let totals: Vec<(&str, f64)> =
            report.ranking.iter().map(|r| (r.id.as_str(), r.total)).collect();
        // d: (5 + 1 + 3.3) / 3.1 = 3.000; e: (2 + 5 + 2.2) / 3.1 = 2.968.
        assert_eq!(report.sensitivity.top, ["c", "b", "a", "d"], "{totals:?}");
        assert!(!report.sensitivity.stable, "{totals:?} {:?}", report.sensitivity);
        let flips: Vec<(Criterion, f64)> = report
            .sensitivity
            .moves
            .iter()
            .filter(|m| m.changed)
            .map(|m| (m.criterion, m.factor))
            .collect();
        // Less weight on harm or vulnerability, or more on volume, lets e in.
        assert_eq!(
            flips,
            [(Criterion::Harm, 0.8), (Criterion::Volume, 1.2), (Criterion::Vulnerability, 0.8)],
            "{totals:?}"
        );
        let flip = report.sensitivity.moves.iter().find(|m| m.changed).unwrap();
        assert_eq!(
            (flip.swapped_in.as_slice(), flip.swapped_out.as_slice()),
            (&["e".to_string()][..], &["d".to_string()][..])
        );
        assert_eq!(flip.top, ["c", "b", "a", "e"]);
    }
}
