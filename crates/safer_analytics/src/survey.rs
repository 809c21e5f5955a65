//! Survey statistics: shares with Wilson intervals, year-on-year and sub-group differences with
//! the pooled two-proportion z-test and Newcombe's interval, Kish design effects for weighted
//! surveys, small-base suppression and the "top issues" ranking of a multiple-choice question.
//!
//! Conventions (ANALYTICS.md §6):
//! - **Wilson score interval**, 95 %, no continuity correction:
//!   `(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`, as statsmodels
//!   `proportion_confint(method="wilson")`.
//! - **Two-proportion z-test**, pooled: `z = (p̂₁ − p̂₂) / √(p̄(1−p̄)(1/n₁ + 1/n₂))` with
//!   `p̄ = (n₁p̂₁ + n₂p̂₂)/(n₁ + n₂)`, two-sided p, as statsmodels `proportions_ztest`.
//! - **Newcombe's hybrid score interval** for `p̂₁ − p̂₂` (Newcombe 1998, method 10):
//!   `(d − √((p̂₁−l₁)² + (u₂−p̂₂)²), d + √((u₁−p̂₁)² + (p̂₂−l₂)²))` from the two Wilson
//!   intervals, as statsmodels `confint_proportions_2indep(method="newcomb")`.
//! - **Weights**: Kish's effective sample size `n_eff = (Σw)²/Σw²` and design effect
//!   `deff = n/n_eff`. Every interval and test uses the weighted share with `n_eff` in place
//!   of `n`, which multiplies standard errors by `deft = √deff`. Unweighted, `n_eff = n`.
//! - **Suppression**: a base (unweighted respondents answering) below the survey's `min_base`
//!   is reported as suppressed, never as a number; a difference involving a suppressed side
//!   is suppressed too.
//! - A change is called a rise or a fall only when the two-sided p is below 0.05.

use serde::Serialize;

use safer_domain::survey::{Question, QuestionKind, SurveyDefinition, SurveyResponses};

use crate::stats::special::two_sided_normal_p;

/// The 97.5th percentile of the standard normal distribution (scipy `norm.isf(0.025)`).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The significance level for calling a difference real (two-sided).
pub const ALPHA: f64 = 0.05;

/// The Wilson score interval for a share `p` of `n` (which may be an effective, fractional
/// size), at the normal quantile `z`. Returns `(low, high)` clamped to `[0, 1]`; NaN when
/// `n` is not positive.
pub fn wilson_interval(p: f64, n: f64, z: f64) -> (f64, f64) {
    if n.is_nan() || n <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    (((centre - half) / denominator).max(0.0), ((centre + half) / denominator).min(1.0))
}

/// The result of a two-proportion z-test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZTest {
    /// The z statistic; NaN when the pooled share is 0 or 1 (no variation to test).
    pub z: f64,
    /// The two-sided p-value; NaN with `z`.
    pub p_value: f64,
}

/// The pooled two-proportion z-test of `p1` of `n1` against `p2` of `n2`.
pub fn two_proportion_z_test(p1: f64, n1: f64, p2: f64, n2: f64) -> ZTest {
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    if variance.is_nan() || variance <= 0.0 {
        return ZTest { z: f64::NAN, p_value: f64::NAN };
    }
    let z = (p1 - p2) / variance.sqrt();
    ZTest { z, p_value: two_sided_normal_p(z) }
}

/// Newcombe's hybrid score interval (method 10) for the difference `p1 − p2` at the normal
/// quantile `z`. Returns `(low, high)`.
pub fn newcombe_interval(p1: f64, n1: f64, p2: f64, n2: f64, z: f64) -> (f64, f64) {
    let (l1, u1) = wilson_interval(p1, n1, z);
    let (l2, u2) = wilson_interval(p2, n2, z);
    let d = p1 - p2;
    (
        d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    )
}

/// Kish's summary of a set of weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kish {
    /// How many weights (unweighted respondents).
    pub n: u64,
    /// Σw.
    pub sum_weights: f64,
    /// The effective sample size (Σw)²/Σw²; 0 for no weights.
    pub n_eff: f64,
    /// The design effect n/n_eff (1 for equal weights); NaN for no weights.
    pub deff: f64,
}

/// Kish's effective sample size and design effect for `weights` (each finite and > 0).
pub fn kish(weights: impl IntoIterator<Item = f64>) -> Kish {
    let (mut n, mut sum, mut sum_sq) = (0u64, 0.0f64, 0.0f64);
    for w in weights {
        n += 1;
        sum += w;
        sum_sq += w * w;
    }
    let n_eff = if sum_sq > 0.0 { sum * sum / sum_sq } else { 0.0 };
    let deff = if n_eff > 0.0 { n as f64 / n_eff } else { f64::NAN };
    Kish { n, sum_weights: sum, n_eff, deff }
}

/// A share with its interval, for a base that is published.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    /// Respondents in the base (unweighted).
    pub base: u64,
    /// Respondents in the base with the answer counted (unweighted).
    pub count: u64,
    /// The (weighted) share, 0 to 1.
    pub share: f64,
    /// The Wilson interval's lower end.
    pub low: f64,
    /// The Wilson interval's upper end.
    pub high: f64,
    /// The effective base used for the interval (= `base` when unweighted).
    pub n_eff: f64,
    /// The design effect `base / n_eff` (1 when unweighted).
    pub deff: f64,
}

/// A share, or the fact that its base is too small to publish.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Estimate {
    /// The base is at least the minimum.
    Reported(Proportion),
    /// The base is below the minimum: no share is given.
    Suppressed {
        /// Respondents in the base (unweighted).
        base: u64,
    },
}

impl Estimate {
    /// The share and its interval, when published.
    pub fn proportion(&self) -> Option<&Proportion> {
        match self {
            Estimate::Reported(p) => Some(p),
            Estimate::Suppressed { .. } => None,
        }
    }

    /// The unweighted base.
    pub fn base(&self) -> u64 {
        match self {
            Estimate::Reported(p) => p.base,
            Estimate::Suppressed { base } => *base,
        }
    }
}

/// The weighted share of `(counted, weight)` items with its Wilson interval on the Kish
/// effective base, or [`Estimate::Suppressed`] below `min_base` items.
pub fn estimate(items: impl IntoIterator<Item = (bool, f64)>, min_base: u32) -> Estimate {
    let (mut base, mut count, mut sum, mut sum_sq, mut sum_counted) = (0u64, 0u64, 0.0, 0.0, 0.0);
    for (counted, w) in items {
        base += 1;
        sum += w;
        sum_sq += w * w;
        if counted {
            count += 1;
            sum_counted += w;
        }
    }
    if base < u64::from(min_base.max(1)) {
        return Estimate::Suppressed { base };
    }
    let share = sum_counted / sum;
    let n_eff = sum * sum / sum_sq;
    let (low, high) = wilson_interval(share, n_eff, Z_95);
    Estimate::Reported(Proportion {
        base,
        count,
        share,
        low,
        high,
        n_eff,
        deff: base as f64 / n_eff,
    })
}

/// Which way a difference goes, as far as the test can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The first share is higher, significantly (p < 0.05).
    Higher,
    /// The first share is lower, significantly.
    Lower,
    /// The test cannot tell the two apart.
    NoSignificantDifference,
}

/// The difference between two published shares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// The first share minus the second.
    pub difference: f64,
    /// Newcombe's interval's lower end.
    pub low: f64,
    /// Newcombe's interval's upper end.
    pub high: f64,
    /// The pooled two-proportion z statistic (NaN when both shares are 0 or both 1).
    pub z: f64,
    /// Its two-sided p-value.
    pub p_value: f64,
    /// What the test says.
    pub verdict: Verdict,
}

/// Compares two published shares (first minus second), each on its effective base; `None`
/// when either is suppressed.
pub fn difference(first: &Estimate, second: &Estimate) -> Option<Difference> {
    let (a, b) = (first.proportion()?, second.proportion()?);
    let test = two_proportion_z_test(a.share, a.n_eff, b.share, b.n_eff);
    let (low, high) = newcombe_interval(a.share, a.n_eff, b.share, b.n_eff, Z_95);
    let verdict = if test.p_value < ALPHA {
        if a.share > b.share {
            Verdict::Higher
        } else {
            Verdict::Lower
        }
    } else {
        Verdict::NoSignificantDifference
    };
    Some(Difference {
        difference: a.share - b.share,
        low,
        high,
        z: test.z,
        p_value: test.p_value,
        verdict,
    })
}

/// The whole analysis of one survey, optionally against the previous one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyReport {
    /// The survey's id.
    pub survey: String,
    /// Its title.
    pub title: String,
    /// Its year.
    pub year: i32,
    /// The smallest base published.
    pub min_base: u32,
    /// Whether respondents carry weights.
    pub weighted: bool,
    /// Kish's summary over all respondents.
    pub respondents: Kish,
    /// The previous survey's id and respondents, when compared.
    pub previous: Option<PreviousSurvey>,
    /// One entry per question with positive options that the responses file asked.
    pub questions: Vec<QuestionResult>,
    /// One ranking per multiple-choice question.
    pub top_issues: Vec<TopIssues>,
}

/// The survey a report compares with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousSurvey {
    /// Its id.
    pub survey: String,
    /// Its respondents (unweighted).
    pub respondents: u64,
}

/// The positive share of one question, its change and its sub-group differences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    /// The question id.
    pub id: String,
    /// The question as asked.
    pub text: String,
    /// How the positive share reads.
    pub positive_label: String,
    /// The share answering positively.
    pub estimate: Estimate,
    /// The change since the previous survey, when it asked the matched question.
    pub change: Option<Change>,
    /// Sub-group differences: each variable's first group against each later group.
    pub subgroups: Vec<SubgroupDifference>,
}

/// A question's change from the previous survey.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The question's id in the previous survey.
    pub previous_id: String,
    /// The previous share.
    pub previous: Estimate,
    /// This year minus last; `None` when either base is suppressed.
    pub difference: Option<Difference>,
}

/// One group's share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupShare {
    /// The group id.
    pub id: String,
    /// The group label.
    pub label: String,
    /// The group's share.
    pub estimate: Estimate,
}

/// A group against another on one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupDifference {
    /// The variable id.
    pub variable: String,
    /// The first group.
    pub group: GroupShare,
    /// The group it is compared with.
    pub against: GroupShare,
    /// `group` minus `against`; `None` when either base is suppressed.
    pub difference: Option<Difference>,
}

/// The ranking of a multiple-choice question's options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopIssues {
    /// The question id.
    pub id: String,
    /// The question as asked.
    pub text: String,
    /// Respondents choosing at least one option (unweighted).
    pub base: u64,
    /// The options, most chosen first (ties keep the definition's order).
    pub options: Vec<IssueShare>,
}

/// One option's share of the respondents who answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueShare {
    /// The option id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The share of respondents choosing it.
    pub estimate: Estimate,
}

/// A survey's definition with its responses.
#[derive(Debug, Clone, Copy)]
pub struct SurveyData<'a> {
    /// The definition.
    pub definition: &'a SurveyDefinition,
    /// The responses, imported against it.
    pub responses: &'a SurveyResponses,
}

/// Analyses `current`, comparing matched questions with `previous` when given. Suppression
/// uses the current survey's `min_base` throughout.
pub fn analyse(current: SurveyData<'_>, previous: Option<SurveyData<'_>>) -> SurveyReport {
    let definition = current.definition;
    let respondents = &current.responses.respondents;
    let min_base = definition.survey.min_base;
    let asked =
        |data: &SurveyData<'_>, idx: usize| data.responses.asked.get(idx).copied().unwrap_or(false);

    let mut questions = Vec::new();
    let mut top_issues = Vec::new();
    for (q_idx, question) in definition.questions.iter().enumerate() {
        if !asked(&current, q_idx) {
            continue;
        }
        if question.kind == QuestionKind::Multi {
            top_issues.push(rank(q_idx, question, current.responses, min_base));
        }
        if question.positive.is_empty() {
            continue;
        }
        let share_of = |filter: &dyn Fn(usize) -> bool| {
            positive_share(current.responses, q_idx, question, min_base, filter)
        };
        let estimate = share_of(&|_| true);

        let change = previous.and_then(|previous_data| {
            let previous_id = question.matches.as_deref().unwrap_or(&question.id);
            let p_idx = previous_data.definition.question_index(previous_id)?;
            if !asked(&previous_data, p_idx) {
                return None;
            }
            let p_question = &previous_data.definition.questions[p_idx];
            if p_question.positive.is_empty() {
                return None;
            }
            let previous_estimate =
                positive_share(previous_data.responses, p_idx, p_question, min_base, &|_| true);
            Some(Change {
                previous_id: previous_id.to_string(),
                difference: difference(&estimate, &previous_estimate),
                previous: previous_estimate,
            })
        });

        let mut subgroups = Vec::new();
        for (v_idx, variable) in definition.variables.iter().enumerate() {
            let Some((first, rest)) = variable.groups.split_first() else { continue };
            let group_share = |group: &safer_domain::survey::VariableGroup| GroupShare {
                id: group.id.clone(),
                label: group.label.clone(),
                estimate: share_of(&|r_idx| {
                    respondents[r_idx].variables[v_idx]
                        .is_some_and(|o| variable.in_group(group, usize::from(o)))
                }),
            };
            let first_share = group_share(first);
            for other in rest {
                let against = group_share(other);
                subgroups.push(SubgroupDifference {
                    variable: variable.id.clone(),
                    difference: difference(&first_share.estimate, &against.estimate),
                    group: first_share.clone(),
                    against,
                });
            }
        }

        questions.push(QuestionResult {
            id: question.id.clone(),
            text: question.text.clone(),
            positive_label: question.positive_label.clone().unwrap_or_else(|| {
                let labels: Vec<&str> = question
                    .options
                    .iter()
                    .filter(|o| question.positive.contains(&o.id))
                    .map(|o| o.label.as_str())
                    .collect();
                labels.join(" or ")
            }),
            estimate,
            change,
            subgroups,
        });
    }

    SurveyReport {
        survey: definition.survey.id.clone(),
        title: definition.survey.title.clone(),
        year: definition.survey.year,
        min_base,
        weighted: definition.survey.weight_column.is_some(),
        respondents: kish(respondents.iter().map(|r| r.weight)),
        previous: previous.map(|p| PreviousSurvey {
            survey: p.definition.survey.id.clone(),
            respondents: p.responses.respondents.len() as u64,
        }),
        questions,
        top_issues,
    }
}

/// The positive share of question `q_idx` among respondents who answered it and pass `filter`.
fn positive_share(
    responses: &SurveyResponses,
    q_idx: usize,
    question: &Question,
    min_base: u32,
    filter: &dyn Fn(usize) -> bool,
) -> Estimate {
    estimate(
        responses.respondents.iter().enumerate().filter_map(|(r_idx, respondent)| {
            let answer = respondent.answers.get(q_idx)?;
            if answer.is_empty() || !filter(r_idx) {
                return None;
            }
            let positive = answer.iter().any(|&o| question.is_positive(usize::from(o)));
            Some((positive, respondent.weight))
        }),
        min_base,
    )
}

/// The share of answering respondents choosing each option of a multiple-choice question.
fn rank(
    q_idx: usize,
    question: &Question,
    responses: &SurveyResponses,
    min_base: u32,
) -> TopIssues {
    let answered: Vec<(&[u16], f64)> = responses
        .respondents
        .iter()
        .filter_map(|r| {
            let answer = r.answers.get(q_idx)?;
            (!answer.is_empty()).then_some((answer.as_slice(), r.weight))
        })
        .collect();
    let mut options: Vec<IssueShare> = question
        .options
        .iter()
        .enumerate()
        .map(|(o_idx, option)| IssueShare {
            id: option.id.clone(),
            label: option.label.clone(),
            estimate: estimate(
                answered
                    .iter()
                    .map(|(answer, w)| (answer.iter().any(|&o| usize::from(o) == o_idx), *w)),
                min_base,
            ),
        })
        .collect();
    // Most chosen first; a stable sort keeps the definition's order for ties.
    options.sort_by(|a, b| {
        let key = |s: &IssueShare| s.estimate.proportion().map_or(0.0, |p| p.share);
        key(b).total_cmp(&key(a))
    });
    TopIssues {
        id: question.id.clone(),
        text: question.text.clone(),
        base: answered.len() as u64,
        options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
    }

    /// ANALYTICS.md §6: Wilson intervals.
    #[test]
    fn wilson_reference_values() {
        for (x, n, low, high) in [
            (31.0, 100.0, 0.227797, 0.406261),
            (310.0, 1000.0, 0.282108, 0.339347),
            (0.0, 50.0, 0.0, 0.071348),
            (1.0, 10.0, 0.017876, 0.404150),
            (45.0, 60.0, 0.627679, 0.842235),
        ] {
            let (l, h) = wilson_interval(x / n, n, Z_95);
            close(l, low);
            close(h, high);
        }
    }

    /// ANALYTICS.md §6: pooled z, p and Newcombe intervals.
    #[test]
    fn difference_reference_values() {
        let t = two_proportion_z_test(0.45, 1000.0, 0.40, 1000.0);
        close(t.z, 2.261656);
        close(t.p_value, 0.023719);
        let (l, h) = newcombe_interval(0.45, 1000.0, 0.40, 1000.0, Z_95);
        close(l, 0.006672);
        close(h, 0.093064);

        let t = two_proportion_z_test(0.31, 200.0, 0.24, 200.0);
        close(t.z, 1.567699);
        close(t.p_value, 0.116951);
        let (l, h) = newcombe_interval(0.31, 200.0, 0.24, 200.0, Z_95);
        close(l, -0.017540);
        close(h, 0.156145);

        let t = two_proportion_z_test(0.31, 1000.0, 0.28, 1000.0);
        close(t.z, 1.470959);
        close(t.p_value, 0.141302);
    }

    /// ANALYTICS.md §6: Kish, and a design effect of 1.44 (deft 1.2) turning z = 2.2617 into
    /// 1.8847, no longer significant.
    #[test]
    fn kish_reference_values() {
        let k = kish([1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 0.5, 0.5, 4.0]);
        close(k.deff, 1.464844);
        close(k.n_eff, 6.826667);
        assert_eq!(k.n, 10);

        let t = two_proportion_z_test(0.45, 1000.0 / 1.44, 0.40, 1000.0 / 1.44);
        assert!((t.z - 1.8847).abs() < 5e-5, "{}", t.z);
        assert!((t.p_value - 0.0595).abs() < 5e-5, "{}", t.p_value);

        // n = 400, p = 0.5: half-width ±4.9 pp, or ±5.8 pp with deft 1.2.
        let (l, h) = wilson_interval(0.5, 400.0, Z_95);
        assert!(((h - l) / 2.0 - 0.049).abs() < 5e-4);
        let (l, h) = wilson_interval(0.5, 400.0 / 1.44, Z_95);
        assert!(((h - l) / 2.0 - 0.058).abs() < 5e-4);
    }

    #[test]
    fn estimates_suppress_small_bases_and_weight() {
        let items: Vec<(bool, f64)> = (0..49).map(|i| (i % 2 == 0, 1.0)).collect();
        assert_eq!(estimate(items.clone(), 50), Estimate::Suppressed { base: 49 });
        let Estimate::Reported(p) = estimate(items, 40) else { panic!("reported") };
        assert_eq!((p.base, p.count), (49, 25));
        close(p.deff, 1.0);

        // Weighted: the share is weighted and the interval uses n_eff.
        let items = [(true, 3.0), (false, 1.0), (false, 1.0), (true, 1.0)];
        let Estimate::Reported(p) = estimate(items, 1) else { panic!("reported") };
        close(p.share, 4.0 / 6.0);
        close(p.n_eff, 36.0 / 12.0);
        let (l, h) = wilson_interval(4.0 / 6.0, 3.0, Z_95);
        close(p.low, l);
        close(p.high, h);
    }

    #[test]
    fn analyse_matches_last_years_question_and_compares_groups() {
        use safer_domain::survey::{parse_definition, Respondent};
        let definition = parse_definition(
            r#"format = 1
[survey]
id = "t"
title = "T"
year = 2021
[[questions]]
id = "safe"
text = "Safe?"
kind = "single"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]
positive = ["yes"]
matches = "safe-2019"
[[variables]]
id = "age"
label = "Age"
options = [{ id = "young", label = "Young" }, { id = "old", label = "Old" }]
groups = [
  { id = "young", label = "Young", options = ["young"] },
  { id = "old", label = "Old", options = ["old"] },
]
"#,
        )
        .unwrap();
        let previous_definition = definition.previous_form();
        let respondents = |n: usize, n_yes: usize| SurveyResponses {
            respondents: (0..n)
                .map(|i| Respondent {
                    line: i + 2,
                    answers: vec![vec![if i < n_yes { 0 } else { 1 }]],
                    variables: vec![Some(u16::from(i % 2 == 0))],
                    weight: 1.0,
                })
                .collect(),
            asked: vec![true],
        };
        let (current, previous) = (respondents(1000, 450), respondents(1000, 400));
        let report = analyse(
            SurveyData { definition: &definition, responses: &current },
            Some(SurveyData { definition: &previous_definition, responses: &previous }),
        );
        let change = report.questions[0].change.as_ref().unwrap();
        assert_eq!(change.previous_id, "safe-2019");
        let d = change.difference.unwrap();
        close(d.z, 2.261656);
        close(d.low, 0.006672);
        assert_eq!(d.verdict, Verdict::Higher);
        assert_eq!(report.questions[0].subgroups.len(), 1);
        assert_eq!(report.questions[0].subgroups[0].group.estimate.base(), 500);
    }

    #[test]
    fn verdicts_never_call_noise_a_change() {
        let a = estimate((0..1000).map(|i| (i < 450, 1.0)), 50);
        let b = estimate((0..1000).map(|i| (i < 400, 1.0)), 50);
        assert_eq!(difference(&a, &b).unwrap().verdict, Verdict::Higher);
        assert_eq!(difference(&b, &a).unwrap().verdict, Verdict::Lower);
        let c = estimate((0..1000).map(|i| (i < 420, 1.0)), 50);
        assert_eq!(difference(&c, &b).unwrap().verdict, Verdict::NoSignificantDifference);
        let small = estimate((0..10).map(|i| (i < 4, 1.0)), 50);
        assert!(difference(&a, &small).is_none());
    }
}
