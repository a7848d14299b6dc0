//! Vote counting on the direction of effect: the exact sign test, the Wilson interval, and the
//! smallest p-value a count of n studies can reach.
//!
//! SWiM guideline (Campbell et al. BMJ 2020;368:l6890) and Cochrane Handbook ch. 12.4.2: count
//! studies by the direction of their point estimate, never by significance; test the proportion
//! favouring the hypothesis against ½ with the exact binomial (sign) test.

use std::fmt;

/// z for a two-sided 95% interval, Φ⁻¹(0.975).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The smallest positive p-value printed as a number; below it a bound is shown.
pub const P_FLOOR: f64 = 1e-300;

/// A sign-test p-value with its natural log, so counts of 100k+ studies, whose p underflows
/// to 0 as an f64, still compare and print correctly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PValue {
    /// Natural log of p (≤ 0).
    pub ln: f64,
    value: f64,
}

impl PValue {
    fn from_value(value: f64) -> PValue {
        let value = value.min(1.0);
        PValue {
            ln: value.ln(),
            value,
        }
    }

    fn from_ln(ln: f64) -> PValue {
        let ln = ln.min(0.0);
        PValue {
            ln,
            value: ln.exp(),
        }
    }

    /// The p-value as a number (0 only when it underflows; see [`PValue::display`]).
    pub fn value(self) -> f64 {
        self.value
    }

    /// True when p < `alpha`.
    pub fn below(self, alpha: f64) -> bool {
        self.ln < alpha.ln()
    }

    /// "p = 0.0386", or "p < 1e-300" past the floating-point floor (see [`stated`]).
    pub fn stated(self) -> String {
        stated(&self.display())
    }

    /// p rounded for reading: 4 significant digits, or `< 1e-300` past the floating-point floor.
    pub fn display(self) -> String {
        self.significant(4)
    }

    /// p rounded to `digits` significant digits (at least 1): `0.1445`, `0.14`, `2.4e-4`, or
    /// `< 1e-300` past the floating-point floor. Fewer digits are for narrow table columns.
    pub fn significant(self, digits: usize) -> String {
        let p = self.value();
        let digits = digits.max(1);
        if p < P_FLOOR {
            "< 1e-300".to_string()
        } else if p >= 0.001 {
            format!("{}", round_significant(p, digits as i32))
        } else {
            format!("{p:.*e}", digits - 1)
        }
    }
}

impl fmt::Display for PValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// A p-value as printed (`0.023`, `< 0.001`) with its relation: "p = 0.023", "p < 0.001", so
/// a bound never reads "p = < 0.001".
pub fn stated(shown: &str) -> String {
    if shown.starts_with('<') {
        format!("p {shown}")
    } else {
        format!("p = {shown}")
    }
}

/// Rounds to `digits` significant digits (for display and stable JSON).
pub fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits - 1 - magnitude);
    (value * factor).round() / factor
}

/// ln C(n, k), summed so that it stays exact enough for n up to 10⁸.
fn ln_choose(n: u64, k: u64) -> f64 {
    let k = k.min(n - k);
    (0..k)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum()
}

/// Greatest common divisor (Euclid).
fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Largest n for which the tail is summed exactly in integers (C(126, 63) < 2¹²⁸).
const EXACT_UP_TO: u64 = 126;

/// Exact two-sided sign test: p = min(1, 2·P(X ≥ max(u, n−u))), X ~ Bin(n, ½).
/// `None` when n = 0 (no study has a direction). Up to n = 126 the tail is an exact integer
/// sum; above, it is summed in log space so it does not underflow.
///
/// Oracle: R `binom.test(u, n)$p.value` and scipy `binomtest(u, n).pvalue` agree with this
/// definition for p = ½ (the distribution is symmetric); see tests/oracle/sign_test.py.
pub fn sign_test(positive: u64, n: u64) -> Option<PValue> {
    if n == 0 {
        return None;
    }
    let k = positive.max(n - positive);
    if n <= EXACT_UP_TO {
        let mut coefficient: u128 = 1; // C(n, i), from i = n downwards
        let mut tail: u128 = 0;
        for i in (k..=n).rev() {
            tail += coefficient;
            // C(n, i−1) = C(n, i)·i / (n−i+1), reduced by the common factor first: C(n, i)·i
            // itself overflows u128 for n = 126 (found by the proptest), its result does not.
            let divisor = u128::from(n - i + 1);
            let common = gcd(coefficient, divisor);
            coefficient = (coefficient / common) * (u128::from(i) / (divisor / common));
        }
        // 2·tail / 2ⁿ: one rounding when the integer becomes an f64.
        return Some(PValue::from_value(tail as f64 * (1.0 - n as f64).exp2()));
    }
    let ln_half_n = n as f64 * 0.5f64.ln();
    // Terms C(n, i)·½ⁿ for i = k..=n decrease, since k ≥ n/2: log-sum-exp from the first.
    let mut ln_term = ln_choose(n, k) + ln_half_n;
    let ln_first = ln_term;
    let mut relative_sum = 0.0;
    for i in k..=n {
        let relative = (ln_term - ln_first).exp();
        relative_sum += relative;
        if relative < 1e-17 * relative_sum {
            break;
        }
        if i < n {
            ln_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        }
    }
    Some(PValue::from_ln(
        std::f64::consts::LN_2 + ln_first + relative_sum.ln(),
    ))
}

/// The smallest p the two-sided sign test can give with n studies: min(1, 2·½ⁿ).
pub fn min_attainable_p(n: u64) -> Option<PValue> {
    (n > 0).then(|| {
        // 2^(1-n) is exact in f64 down to 2^-1074; the log keeps going past it.
        let ln = (1.0 - n as f64) * std::f64::consts::LN_2;
        PValue {
            ln: ln.min(0.0),
            value: (1.0 - n as f64).exp2().min(1.0),
        }
    })
}

/// A proportion with its Wilson score 95% interval (Wilson 1927; Newcombe 1998, method 3).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Proportion {
    /// u / n.
    pub estimate: f64,
    /// Lower 95% limit.
    pub low: f64,
    /// Upper 95% limit.
    pub high: f64,
}

/// Wilson score interval for `successes` of `n`; `None` when n = 0.
pub fn wilson(successes: u64, n: u64) -> Option<Proportion> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z_95 / denominator * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    // The interval always contains p̂; min/max only undo rounding at u = 0 or u = n.
    Some(Proportion {
        estimate: p,
        low: (centre - half).clamp(0.0, p),
        high: (centre + half).clamp(p, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance * b.abs().max(1e-300)
    }

    /// A bound reads "p < …", never "p = < …".
    #[test]
    fn p_values_are_stated_with_their_relation() {
        assert_eq!(sign_test(10, 12).unwrap().stated(), "p = 0.03857");
        assert_eq!(sign_test(100_000, 100_000).unwrap().stated(), "p < 1e-300");
    }

    #[test]
    fn sign_test_matches_binom_test() {
        // Expected values: R 4.x `binom.test(u, n)$p.value` (also scipy.stats.binomtest);
        // see tests/oracle/sign_test.py for the script that prints them.
        let cases: &[(u64, u64, f64)] = &[
            (10, 12, 0.038_574_218_75),
            (2, 12, 0.038_574_218_75),
            (3, 3, 0.25),
            (5, 5, 0.0625),
            (1, 1, 1.0),
            (0, 1, 1.0),
            (2, 4, 1.0),
            (3, 4, 0.625),
            (7, 10, 0.343_75),
            (15, 20, 0.041_389_465_332_031_25),
            (60, 100, 0.056_887_933_640_980_89),
        ];
        for &(u, n, expected) in cases {
            let p = sign_test(u, n).unwrap().value();
            assert!(close(p, expected, 1e-12), "{u}/{n}: {p} vs {expected}");
        }
        assert_eq!(sign_test(0, 0), None);
    }

    #[test]
    fn sign_test_stays_positive_past_underflow() {
        // 100000 of 100000: p = 2·½^100000, ln p = ln 2 − 100000·ln 2.
        let p = sign_test(100_000, 100_000).unwrap();
        assert_eq!(p.value(), 0.0);
        assert!(close(
            p.ln,
            std::f64::consts::LN_2 * (1.0 - 100_000.0),
            1e-12
        ));
        assert_eq!(p.display(), "< 1e-300");
        // 1200 of 2000: ln p = ln 2 + scipy binom.logsf(1199, 2000, 0.5) (tests/oracle/sign_test.out).
        let p = sign_test(1_200, 2_000).unwrap();
        assert!(close(p.ln, -42.494_924_475_521_54, 1e-10), "{}", p.ln);
    }

    /// p to fewer significant digits for narrow columns: 11 of 11 (p = 2/2048 = 0.0009765625)
    /// and 3 of 4 (p = 0.625), rounded half away from zero; the floor stays a bound.
    #[test]
    fn p_values_round_to_fewer_digits() {
        let small = sign_test(11, 11).unwrap();
        assert_eq!(small.display(), "9.766e-4");
        assert_eq!(small.significant(2), "9.8e-4");
        assert_eq!(small.significant(1), "1e-3");
        let large = sign_test(3, 4).unwrap();
        assert_eq!(large.display(), "0.625");
        assert_eq!(large.significant(2), "0.63");
        assert_eq!(large.significant(0), "0.6");
        assert_eq!(
            sign_test(100_000, 100_000).unwrap().significant(1),
            "< 1e-300"
        );
    }

    #[test]
    fn exact_and_log_space_paths_agree_at_the_switch() {
        // n = 126 is summed exactly, n = 127 in log space; both against scipy-free identities:
        // all votes one way gives p = 2·½ⁿ.
        assert_eq!(sign_test(126, 126).unwrap().value(), (-125f64).exp2());
        assert!(close(
            sign_test(127, 127).unwrap().value(),
            (-126f64).exp2(),
            1e-12
        ));
        // Near the middle at n = 126, where C(n, i)·i no longer fits in u128 (a proptest found
        // the overflow): exact rational sums in Python's fractions, 2·Σ C(126, i) / 2¹²⁶.
        assert!(close(
            sign_test(66, 126).unwrap().value(),
            0.656_178_221_603_429_4,
            1e-15
        ));
        assert!(close(
            sign_test(70, 126).unwrap().value(),
            0.246_706_247_189_417_67,
            1e-15
        ));
        assert!(close(
            sign_test(64, 125).unwrap().value(),
            0.858_119_373_263_591_6,
            1e-15
        ));
        // Symmetry: u and n − u give the same p on both paths.
        assert_eq!(sign_test(40, 126), sign_test(86, 126));
        assert_eq!(sign_test(40, 127), sign_test(87, 127));
    }

    #[test]
    fn min_attainable_p_is_two_halves_to_the_n() {
        assert!(close(min_attainable_p(5).unwrap().value(), 0.0625, 1e-15));
        assert!(close(min_attainable_p(1).unwrap().value(), 1.0, 1e-15));
        assert_eq!(min_attainable_p(0), None);
    }

    #[test]
    fn wilson_matches_published_values() {
        // DESIGN.md §4 check: 10 of 12 → 0.552–0.953. Exact expected values: statsmodels
        // proportion_confint(u, n, method="wilson") (tests/oracle/sign_test.out).
        let cases: &[(u64, u64, f64, f64)] = &[
            (10, 12, 0.551_969_137_747_026_5, 0.953_034_857_816_146_2),
            (0, 5, 0.0, 0.434_482_464_783_174_87),
            (1, 1, 0.206_549_314_377_237_4, 1.0),
            (3, 4, 0.300_641_842_582_401_84, 0.954_412_739_190_299_5),
            (2, 3, 0.207_659_600_802_047_7, 0.938_508_055_279_603_7),
        ];
        for &(u, n, low, high) in cases {
            let w = wilson(u, n).unwrap();
            assert!((w.low - low).abs() < 1e-12, "{u}/{n} low {}", w.low);
            assert!((w.high - high).abs() < 1e-12, "{u}/{n} high {}", w.high);
        }
        assert_eq!(wilson(0, 0), None);
    }
}
