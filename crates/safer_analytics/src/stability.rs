//! How well a selected area targets crime, and whether hotspots last (`ANALYTICS.md` §2.4).
//!
//! For a selected area of size `a` inside a study area of size `A`, holding `n` of the `N`
//! crimes in a period:
//!
//! - **Hit rate** `H = n/N`.
//! - **PAI**, the predictive accuracy index (Chainey, Tompson & Uhlig 2008):
//!   `PAI = (n/N) / (a/A)` — the share of crime over the share of area. 1 is what a randomly
//!   placed area of that size catches on average.
//! - **PPAI**, the penalised PAI (the New Zealand Police/Waikato form, MDPI IJGI 10(9):597):
//!   `PPAI = (n/N) / (a/A)^α`, `0 ≤ α ≤ 1`; α = 1 is the PAI and α = 0 the hit rate.
//! - **RRI**, the recapture rate index (Levine 2008), for the *same* area in two periods:
//!   `RRI = PAI_T2 / PAI_T1 = (n2/n1) / (N2/N1)`. Above 1, the area caught a larger share of
//!   crime in the second period. Implementations disagree on RRI (some invert it), so the
//!   result carries the formula as text ([`RRI_FORMULA`]) for outputs to print.
//!
//! Areas are in any one unit (square metres, cells, hectares): only their ratio matters.
//!
//! [`hotspot_stability`] compares which units were hot in two periods (stayed, entered, left,
//! and the Jaccard index), as the routineactivity `pai-tool` does for "priority places": units
//! whose own PAI ([`unit_pai`]) is at least [`PRIORITY_PAI_THRESHOLD`].

use serde::Serialize;

/// The PAI formula, as printed with results.
pub const PAI_FORMULA: &str = "PAI = (n/N) / (a/A)";

/// The PPAI formula, as printed with results.
pub const PPAI_FORMULA: &str = "PPAI = (n/N) / (a/A)^alpha";

/// The RRI formula, as printed with results.
pub const RRI_FORMULA: &str = "RRI = PAI_T2 / PAI_T1 = (n2/n1) / (N2/N1)";

/// A unit is a "priority place" when its own PAI is at least this: the default threshold of
/// routineactivity's `pai-tool` (a unit with 10 times its area share of crime).
pub const PRIORITY_PAI_THRESHOLD: f64 = 10.0;

/// Why a targeting measure was not computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StabilityError {
    /// A count or area is negative, NaN or infinite.
    #[error("{what} is {value}; it must be a finite number at least 0")]
    BadNumber {
        /// Which input.
        what: &'static str,
        /// Its value.
        value: f64,
    },
    /// A total is zero, so shares are undefined.
    #[error("{what} is 0, so shares of it are undefined")]
    ZeroTotal {
        /// Which total.
        what: &'static str,
    },
    /// A part is larger than its whole.
    #[error("{part} ({part_value}) is larger than {whole} ({whole_value})")]
    PartExceedsWhole {
        /// The part's name.
        part: &'static str,
        /// The part.
        part_value: f64,
        /// The whole's name.
        whole: &'static str,
        /// The whole.
        whole_value: f64,
    },
    /// The selected area is 0, so the PAI is undefined.
    #[error("the selected area is 0, so the PAI is undefined")]
    ZeroArea,
    /// α is outside 0 to 1.
    #[error("alpha is {0}; it must be between 0 and 1")]
    BadAlpha(f64),
    /// Parallel inputs differ in length.
    #[error("{first} has {first_len} entries but {second} has {second_len}")]
    LengthMismatch {
        /// The first input's name.
        first: &'static str,
        /// Its length.
        first_len: usize,
        /// The second input's name.
        second: &'static str,
        /// Its length.
        second_len: usize,
    },
}

/// Crime in the selected area and in the whole study area for one period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeriodCounts {
    /// n: crimes in the selected area (may be weighted, so not necessarily whole).
    pub in_area: f64,
    /// N: crimes in the whole study area.
    pub total: f64,
}

/// The PAI of a selected area in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pai {
    /// Hit rate n/N.
    pub hit_rate: f64,
    /// Area share a/A.
    pub area_share: f64,
    /// The PAI.
    pub pai: f64,
    /// [`PAI_FORMULA`].
    pub formula: &'static str,
}

/// The PAI of one area in two periods and the RRI between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recapture {
    /// The first period (T1).
    pub t1: Pai,
    /// The second period (T2).
    pub t2: Pai,
    /// PAI_T2 / PAI_T1; `None` when the area caught no crime in T1.
    pub rri: Option<f64>,
    /// [`RRI_FORMULA`].
    pub formula: &'static str,
}

/// Units hot in two periods compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stability {
    /// Hot in both periods, in input order.
    pub stayed: Vec<String>,
    /// Hot only in the second period.
    pub entered: Vec<String>,
    /// Hot only in the first period.
    pub left: Vec<String>,
    /// Units hot in the first period.
    pub n_before: usize,
    /// Units hot in the second period.
    pub n_after: usize,
    /// |hot in both| / |hot in either| (the Jaccard index, 0 to 1); `None` when no unit was
    /// hot in either period.
    pub jaccard: Option<f64>,
}

fn check_number(what: &'static str, value: f64) -> Result<f64, StabilityError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(StabilityError::BadNumber { what, value })
    }
}

fn check_part(
    part: &'static str,
    part_value: f64,
    whole: &'static str,
    whole_value: f64,
) -> Result<(), StabilityError> {
    check_number(part, part_value)?;
    check_number(whole, whole_value)?;
    if whole_value == 0.0 {
        return Err(StabilityError::ZeroTotal { what: whole });
    }
    if part_value > whole_value {
        return Err(StabilityError::PartExceedsWhole { part, part_value, whole, whole_value });
    }
    Ok(())
}

/// The PAI of an area of size `area` within a study area of size `total_area`, catching
/// `counts.in_area` of `counts.total` crimes: `(n/N) / (a/A)`.
///
/// Errors: a negative or non-finite input, N or A equal to 0, a part larger than its whole,
/// or a selected area of 0.
pub fn pai(counts: PeriodCounts, area: f64, total_area: f64) -> Result<Pai, StabilityError> {
    check_part("crimes in the area (n)", counts.in_area, "all crimes (N)", counts.total)?;
    check_part("the selected area (a)", area, "the study area (A)", total_area)?;
    if area == 0.0 {
        return Err(StabilityError::ZeroArea);
    }
    let hit_rate = counts.in_area / counts.total;
    let area_share = area / total_area;
    Ok(Pai { hit_rate, area_share, pai: hit_rate / area_share, formula: PAI_FORMULA })
}

/// The penalised PAI `(n/N) / (a/A)^α` ([`PPAI_FORMULA`]), `0 ≤ α ≤ 1`. Errors as [`pai`],
/// and for α outside 0 to 1.
pub fn ppai(
    counts: PeriodCounts,
    area: f64,
    total_area: f64,
    alpha: f64,
) -> Result<f64, StabilityError> {
    if !(0.0..=1.0).contains(&alpha) {
        return Err(StabilityError::BadAlpha(alpha));
    }
    let base = pai(counts, area, total_area)?;
    Ok(base.hit_rate / base.area_share.powf(alpha))
}

/// The PAI of the same area in two periods and the RRI, `PAI_T2 / PAI_T1 = (n2/n1) / (N2/N1)`
/// ([`RRI_FORMULA`]). Errors as [`pai`] for either period.
pub fn recapture(
    t1: PeriodCounts,
    t2: PeriodCounts,
    area: f64,
    total_area: f64,
) -> Result<Recapture, StabilityError> {
    let t1 = pai(t1, area, total_area)?;
    let t2 = pai(t2, area, total_area)?;
    let rri = (t1.pai > 0.0).then(|| t2.pai / t1.pai);
    Ok(Recapture { t1, t2, rri, formula: RRI_FORMULA })
}

/// Each unit's own PAI: its share of crime over its share of area,
/// `(countᵢ/Σcount) / (areaᵢ/Σarea)`. `None` for a unit of area 0, and for every unit when
/// there is no crime.
///
/// Errors: the inputs differ in length, a count or area is negative or not finite, or the
/// areas sum to 0.
pub fn unit_pai(counts: &[f64], areas: &[f64]) -> Result<Vec<Option<f64>>, StabilityError> {
    if counts.len() != areas.len() {
        return Err(StabilityError::LengthMismatch {
            first: "counts",
            first_len: counts.len(),
            second: "areas",
            second_len: areas.len(),
        });
    }
    for &count in counts {
        check_number("a unit's count", count)?;
    }
    for &area in areas {
        check_number("a unit's area", area)?;
    }
    let total_count: f64 = counts.iter().sum();
    let total_area: f64 = areas.iter().sum();
    if total_area == 0.0 {
        return Err(StabilityError::ZeroTotal { what: "the total area" });
    }
    if !(total_count.is_finite() && total_area.is_finite()) {
        return Err(StabilityError::BadNumber {
            what: "a total",
            value: if total_count.is_finite() { total_area } else { total_count },
        });
    }
    Ok(counts
        .iter()
        .zip(areas)
        .map(|(&count, &area)| {
            (total_count > 0.0 && area > 0.0).then(|| (count / total_count) / (area / total_area))
        })
        .collect())
}

/// Which units are priority places: a unit PAI of at least `threshold` (use
/// [`PRIORITY_PAI_THRESHOLD`] for the `pai-tool` default). Units without a PAI are not.
pub fn priority_places(unit_pai: &[Option<f64>], threshold: f64) -> Vec<bool> {
    unit_pai.iter().map(|pai| pai.is_some_and(|pai| pai >= threshold)).collect()
}

/// Which units stayed hot, entered or left between two periods, and the Jaccard index
/// |hot in both| / |hot in either|. `ids[i]` names unit `i`; lists keep input order.
///
/// Errors: the three inputs differ in length.
pub fn hotspot_stability(
    ids: &[String],
    hot_before: &[bool],
    hot_after: &[bool],
) -> Result<Stability, StabilityError> {
    for (name, len) in [("hot_before", hot_before.len()), ("hot_after", hot_after.len())] {
        if len != ids.len() {
            return Err(StabilityError::LengthMismatch {
                first: "ids",
                first_len: ids.len(),
                second: name,
                second_len: len,
            });
        }
    }
    let (mut stayed, mut entered, mut left) = (Vec::new(), Vec::new(), Vec::new());
    for ((id, &before), &after) in ids.iter().zip(hot_before).zip(hot_after) {
        match (before, after) {
            (true, true) => stayed.push(id.clone()),
            (false, true) => entered.push(id.clone()),
            (true, false) => left.push(id.clone()),
            (false, false) => {}
        }
    }
    let either = stayed.len() + entered.len() + left.len();
    let jaccard = (either > 0).then(|| stayed.len() as f64 / either as f64);
    Ok(Stability {
        n_before: stayed.len() + left.len(),
        n_after: stayed.len() + entered.len(),
        stayed,
        entered,
        left,
        jaccard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: PeriodCounts = PeriodCounts { in_area: 300.0, total: 1000.0 };
    const T2: PeriodCounts = PeriodCounts { in_area: 250.0, total: 900.0 };

    fn close(got: f64, expect: f64, tolerance: f64) {
        assert!((got - expect).abs() < tolerance, "{got} vs {expect}");
    }

    #[test]
    fn reference_pai_and_rri() {
        // ANALYTICS.md §2.4: N1 = 1000, N2 = 900, A = 100, a = 5, n1 = 300, n2 = 250.
        let result = recapture(T1, T2, 5.0, 100.0).unwrap();
        close(result.t1.pai, 6.0, 1e-12);
        close(result.t2.pai, 5.5556, 0.5e-4);
        close(result.t2.pai, 250.0 / 900.0 * 20.0, 1e-12);
        let rri = result.rri.unwrap();
        close(rri, 0.9259, 0.5e-4);
        close(rri, (250.0 / 300.0) / (900.0 / 1000.0), 1e-12);
        assert_eq!(result.formula, "RRI = PAI_T2 / PAI_T1 = (n2/n1) / (N2/N1)");
        assert_eq!(result.t1.formula, PAI_FORMULA);
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["formula"], RRI_FORMULA);
    }

    #[test]
    fn ppai_spans_hit_rate_to_pai() {
        close(ppai(T1, 5.0, 100.0, 1.0).unwrap(), 6.0, 1e-12);
        close(ppai(T1, 5.0, 100.0, 0.0).unwrap(), 0.3, 1e-12);
        close(ppai(T1, 5.0, 100.0, 0.5).unwrap(), 0.3 / 0.05_f64.sqrt(), 1e-12);
        assert_eq!(ppai(T1, 5.0, 100.0, 1.5), Err(StabilityError::BadAlpha(1.5)));
        assert!(matches!(ppai(T1, 5.0, 100.0, f64::NAN), Err(StabilityError::BadAlpha(_))));
    }

    #[test]
    fn pai_errors() {
        let zero = PeriodCounts { in_area: 0.0, total: 0.0 };
        assert!(matches!(pai(zero, 5.0, 100.0), Err(StabilityError::ZeroTotal { .. })));
        assert_eq!(pai(T1, 0.0, 100.0), Err(StabilityError::ZeroArea));
        assert!(matches!(pai(T1, 200.0, 100.0), Err(StabilityError::PartExceedsWhole { .. })));
        let nan = PeriodCounts { in_area: f64::NAN, total: 10.0 };
        let err = pai(nan, 5.0, 100.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "crimes in the area (n) is NaN; it must be a finite number at least 0"
        );
        // No crime caught in T1: the RRI is undefined, not infinite.
        let none = PeriodCounts { in_area: 0.0, total: 1000.0 };
        assert_eq!(recapture(none, T2, 5.0, 100.0).unwrap().rri, None);
    }

    #[test]
    fn unit_pai_and_priority_places() {
        let counts = [50.0, 5.0, 0.0, 45.0];
        let areas = [1.0, 10.0, 0.0, 89.0];
        let pais = unit_pai(&counts, &areas).unwrap();
        close(pais[0].unwrap(), 50.0, 1e-12);
        close(pais[1].unwrap(), 0.5, 1e-12);
        assert_eq!(pais[2], None);
        close(pais[3].unwrap(), 45.0 / 89.0, 1e-12);
        assert_eq!(priority_places(&pais, PRIORITY_PAI_THRESHOLD), vec![true, false, false, false]);
        assert_eq!(unit_pai(&[0.0, 0.0], &[1.0, 1.0]).unwrap(), vec![None, None]);
        assert!(matches!(unit_pai(&[1.0], &[]), Err(StabilityError::LengthMismatch { .. })));
        assert!(matches!(unit_pai(&[1.0], &[0.0]), Err(StabilityError::ZeroTotal { .. })));
        assert!(matches!(unit_pai(&[-1.0], &[1.0]), Err(StabilityError::BadNumber { .. })));
        assert!(matches!(
            unit_pai(&[f64::MAX, f64::MAX], &[1.0, 1.0]),
            Err(StabilityError::BadNumber { .. })
        ));
    }

    #[test]
    fn stayed_entered_left() {
        let ids: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let before = [true, true, false, false, true];
        let after = [true, false, true, false, true];
        let s = hotspot_stability(&ids, &before, &after).unwrap();
        assert_eq!(s.stayed, ["a", "e"]);
        assert_eq!(s.entered, ["c"]);
        assert_eq!(s.left, ["b"]);
        assert_eq!((s.n_before, s.n_after), (3, 3));
        assert_eq!(s.jaccard, Some(0.5));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["jaccard"], 0.5);

        let cold = hotspot_stability(&ids, &[false; 5], &[false; 5]).unwrap();
        assert_eq!(cold.jaccard, None);
        assert!(serde_json::to_value(&cold).unwrap()["jaccard"].is_null());
        assert!(matches!(
            hotspot_stability(&ids, &before, &[true]),
            Err(StabilityError::LengthMismatch { second: "hot_after", second_len: 1, .. })
        ));
    }
}
