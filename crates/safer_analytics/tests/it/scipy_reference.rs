use std::io::Write;
use std::process::{Command, Stdio};

use safer_analytics::stats::{exact_poisson_ci, exact_poisson_comparison, poisson_limit};

/// The SciPy side: one answer line per request line.
const SCRIPT: &str = r#"
import sys
from scipy.stats import binomtest, chi2, poisson
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    if parts[0] == "binom":
        k, n, base_months, current_months = map(int, parts[1:])
        p = current_months / (base_months + current_months)
        print(repr(float(binomtest(k, n, p).pvalue)))
    elif parts[0] == "ci":
        o, confidence = int(parts[1]), float(parts[2])
        alpha = 1.0 - confidence
        lower = 0.0 if o == 0 else chi2.ppf(alpha / 2, 2 * o) / 2
        upper = chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
        print(repr(float(lower)), repr(float(upper)))
    elif parts[0] == "funnel":
        expected, q = float(parts[1]), float(parts[2])
        r = poisson.ppf(q, expected)
        f_r = poisson.cdf(r, expected)
        f_below = poisson.cdf(r - 1, expected) if r > 0 else 0.0
        print(repr(float(max(0.0, r - (f_r - q) / (f_r - f_below)))))
"#;

/// True when `python3 -c "import scipy"` works; otherwise skips with a note, or fails under CI.
fn scipy_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import scipy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "SciPy is not importable by python3; under CI this is a failure, not a skip"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping: python3 cannot import scipy (pip install scipy)");
        }
    }
    ok
}

/// Sends `requests` to the SciPy script and returns its answer lines.
fn ask_scipy(requests: &[String]) -> Vec<String> {
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(requests.join("\n").as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the SciPy script failed");
    let answers: Vec<String> =
        String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(answers.len(), requests.len());
    answers
}

/// (current, n, base_months, current_months): equal and unequal periods, n from 1 to 100,000,
/// counts at both extremes, at the mode and in between.
fn binomial_cases() -> Vec<(u64, u64, u32, u32)> {
    let mut cases = vec![
        // ANALYTICS.md §2.9.
        (1042, 2042, 12, 12),
        (25, 41, 12, 12),
        (122, 322, 12, 12),
        // n = 1 and other tiny n.
        (0, 1, 12, 12),
        (1, 1, 12, 12),
        (1, 1, 12, 6),
        (0, 1, 1, 11),
        (0, 2, 12, 12),
        (1, 3, 3, 1),
        (3, 3, 3, 1),
        (0, 5, 6, 6),
        (2, 5, 6, 6),
        (5, 5, 6, 6),
        // A month against the previous twelve.
        (3, 30, 12, 1),
        (0, 30, 12, 1),
        (9, 30, 12, 1),
        (30, 30, 12, 1),
        // Half a year against a year.
        (100, 300, 12, 6),
        (80, 300, 12, 6),
        (130, 300, 12, 6),
        (0, 300, 12, 6),
        (300, 300, 12, 6),
        // A quarter against the rest of three years.
        (250, 1000, 33, 3),
        (50, 1000, 33, 3),
        (83, 1000, 33, 3),
        (120, 1000, 33, 3),
        // Mid-sized, equal.
        (5000, 10_000, 12, 12),
        (5100, 10_000, 12, 12),
        (4800, 10_000, 12, 12),
        (5300, 10_000, 12, 12),
        (0, 10_000, 12, 12),
        (10_000, 10_000, 12, 12),
        // n = 100,000: mode, 1, 3 and 5 standard deviations, extremes.
        (50_000, 100_000, 12, 12),
        (50_158, 100_000, 12, 12),
        (49_526, 100_000, 12, 12),
        (50_791, 100_000, 12, 12),
        (49_209, 100_000, 12, 12),
        (0, 100_000, 12, 12),
        (100_000, 100_000, 12, 12),
        (1, 100_000, 12, 12),
        (33_333, 100_000, 24, 12),
        (33_000, 100_000, 24, 12),
        (34_000, 100_000, 24, 12),
        (32_500, 100_000, 24, 12),
        (0, 100_000, 24, 12),
        (100_000, 100_000, 24, 12),
        (8_400, 100_000, 11, 1),
        (8_200, 100_000, 11, 1),
        (99_999, 100_000, 11, 1),
    ];
    // Every k for a small n, unequal periods.
    cases.extend((0..=12).map(|k| (k, 12, 7, 5)));
    cases
}

#[test]
fn exact_test_matches_scipy_binomtest() {
    if !scipy_available() {
        return;
    }
    let cases = binomial_cases();
    assert!(cases.len() >= 50);
    let requests: Vec<String> = cases
        .iter()
        .map(|&(k, n, base_months, current_months)| {
            format!("binom {k} {n} {base_months} {current_months}")
        })
        .collect();
    let answers = ask_scipy(&requests);
    for (&(k, n, base_months, current_months), answer) in cases.iter().zip(&answers) {
        let expected: f64 = answer.parse().unwrap();
        let ours = exact_poisson_comparison(n - k, k, base_months, current_months);
        assert!(
            (ours - expected).abs() <= 1e-9,
            "k={k} n={n} months={base_months}/{current_months}: ours {ours:e}, SciPy {expected:e}"
        );
    }
}

#[test]
fn poisson_intervals_and_funnel_limits_match_scipy() {
    if !scipy_available() {
        return;
    }
    let observed = [0u64, 1, 2, 5, 10, 37, 100, 1000, 12_345, 100_000];
    let levels = [0.95, 0.998, 0.9];
    let expected = [0.3, 1.0, 4.5, 10.0, 55.5, 167.73, 1000.0, 25_000.0];
    let quantiles = [0.025, 0.975, 0.001, 0.999];
    let mut requests = Vec::new();
    for o in observed {
        for level in levels {
            requests.push(format!("ci {o} {level:?}"));
        }
    }
    for e in expected {
        for q in quantiles {
            requests.push(format!("funnel {e:?} {q:?}"));
        }
    }
    let answers = ask_scipy(&requests);
    let mut answers = answers.iter();
    let rel_close = |ours: f64, theirs: f64| (ours - theirs).abs() <= 1e-10 * theirs.abs().max(1.0);
    for o in observed {
        for level in levels {
            let answer = answers.next().unwrap();
            let (lower, upper) = answer.split_once(' ').unwrap();
            let (lower, upper): (f64, f64) = (lower.parse().unwrap(), upper.parse().unwrap());
            let ci = exact_poisson_ci(o, level);
            assert!(rel_close(ci.lower, lower), "O={o} {level}: lower {} vs {lower}", ci.lower);
            assert!(rel_close(ci.upper, upper), "O={o} {level}: upper {} vs {upper}", ci.upper);
        }
    }
    for e in expected {
        for q in quantiles {
            let theirs: f64 = answers.next().unwrap().parse().unwrap();
            let ours = poisson_limit(e, q);
            assert!(rel_close(ours, theirs), "E={e} q={q}: ours {ours}, SciPy {theirs}");
        }
    }
}
