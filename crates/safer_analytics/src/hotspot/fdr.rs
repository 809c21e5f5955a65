//! Benjamini–Hochberg false discovery rate adjustment.

/// Benjamini–Hochberg adjusted p-values ("q-values"), in the input order.
///
/// For the m finite p-values sorted ascending, p₍ₖ₎ becomes min over j ≥ k of
/// min(1, m·p₍ⱼ₎ / j), so the adjusted values are monotone in the raw ones (as R's
/// `p.adjust(method = "BH")` and statsmodels' `fdr_bh`). A unit is significant at false
/// discovery rate α exactly when its adjusted value is at most α, which is the step-up rule:
/// reject the k smallest p-values for the largest k with p₍ₖ₎ ≤ k·α/m.
///
/// NaN entries (islands, undefined tests) stay NaN and are not counted in m.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len() as f64;
    let mut adjusted = vec![f64::NAN; p.len()];
    let mut running_min = 1.0_f64;
    for (rank0, &unit) in order.iter().enumerate().rev() {
        let rank = (rank0 + 1) as f64;
        running_min = running_min.min(m * p[unit] / rank);
        adjusted[unit] = running_min.clamp(0.0, 1.0);
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_p_adjust() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH")
        //  = 0.025, 0.05, 0.05, 0.025, 0.5
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.5]);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, b) in q.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{q:?}");
        }
    }

    #[test]
    fn keeps_nan_out_of_m_and_caps_at_one() {
        let q = benjamini_hochberg(&[f64::NAN, 0.02, 0.9, 0.6]);
        assert!(q[0].is_nan());
        assert!((q[1] - 0.06).abs() < 1e-15);
        assert!((q[2] - 0.9).abs() < 1e-15 && (q[3] - 0.9).abs() < 1e-15, "{q:?}");
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
