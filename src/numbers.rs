//! Numbers as people read them in reports and charts.

/// A count with its digits grouped by thousands ("1,234,567"), as write-ups print them.
/// Machine-readable outputs (CSV, JSON) keep plain digits.
pub fn grouped(count: impl Into<u64>) -> String {
    let digits = count.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Said of a cell whose studies give no participant count (reviews that report only how many
/// studies they include), where a sum of "0" would read as a count.
const N_NOT_GIVEN: &str = "n not given";

/// Participants as charts and the README's tables label them: "n = 1,234" (`spaced`) or
/// "n=1,234"; `N_NOT_GIVEN` when `participants` is `None`.
pub fn participants_label(participants: Option<u64>, spaced: bool) -> String {
    match (participants, spaced) {
        (None, _) => N_NOT_GIVEN.to_string(),
        (Some(n), true) => format!("n = {}", grouped(n)),
        (Some(n), false) => format!("n={}", grouped(n)),
    }
}

/// Participants of 1,000 or more rounded with a unit (to one decimal below ten units, else to
/// whole units), for a chart cell too narrow for [`participants_label`]: "n≈45k" for 45,368,
/// "n≈1.2k", "n≈3.4M"; `None` below 1,000 (nothing shorter to say) or when none are given.
pub fn participants_rounded(participants: Option<u64>) -> Option<String> {
    let n = participants.filter(|n| *n >= 1_000)? as f64;
    let units = [
        (1e3, "k"),
        (1e6, "M"),
        (1e9, "G"),
        (1e12, "T"),
        (1e15, "P"),
        (1e18, "E"),
    ];
    units.iter().enumerate().find_map(|(i, (scale, unit))| {
        let x = n / scale;
        // A value that rounds to 1,000 of a unit or more is the next unit's.
        if x >= 999.5 && i + 1 < units.len() {
            return None;
        }
        let shown = if x < 9.95 {
            format!("{x:.1}")
        } else {
            format!("{x:.0}")
        };
        let shown = shown.strip_suffix(".0").unwrap_or(&shown);
        Some(format!("n≈{shown}{unit}"))
    })
}

/// A count with its noun, grouped by thousands: "1 finding", "0 studies", "1,234 findings".
pub fn counted(count: impl Into<u64>, one: &str, many: &str) -> String {
    let count = count.into();
    format!("{} {}", grouped(count), if count == 1 { one } else { many })
}

/// Most decimals printed in fixed notation; data that need more go to scientific notation.
const MAX_DECIMALS: usize = 6;

/// The decimals that show a confidence interval `width` wide with two significant digits, and
/// never fewer than two (so RR 0.49 [0.34, 0.70] stays as it is, while an RD interval 0.01
/// wide is printed with three decimals instead of rounding to [0.00, 0.01]).
pub fn decimals_for_width(width: f64) -> usize {
    if !(width.is_finite() && width > 0.0) {
        return 2;
    }
    (1 - width.log10().floor() as i64).clamp(2, MAX_DECIMALS as i64 + 1) as usize
}

/// `x` with `decimals` decimals, the same for every number of a table or chart; in scientific
/// notation when that would need more than six decimals or when |x| ≥ 10⁶.
pub fn fixed(x: f64, decimals: usize) -> String {
    if let Some(text) = infinity(x) {
        return text;
    }
    if x != 0.0 && x.is_finite() && (decimals > MAX_DECIMALS || x.abs() >= 1e6) {
        format!("{x:.2e}")
    } else if x == 0.0 && decimals > MAX_DECIMALS {
        // Beside numbers in scientific notation, not "0.0000000".
        "0".to_string()
    } else {
        format!("{x:.decimals$}")
    }
}

/// ∞ or -∞ for an infinite `x` (a ratio's confidence limit past e^709 overflows on the natural
/// scale, a variance from a ±1e308 interval), instead of Rust's "inf".
fn infinity(x: f64) -> Option<String> {
    x.is_infinite()
        .then(|| if x > 0.0 { "∞" } else { "-∞" }.to_string())
}

/// A number as a message quotes it: as written where that is short (`0.25`, `1200`), in
/// scientific notation where it is very large or small (`1e308`, `2.5e-9`), ∞ where it
/// overflowed. (Tables write reals in full: [`crate::render::shortest`].)
pub fn compact(x: f64) -> String {
    if let Some(text) = infinity(x) {
        return text;
    }
    if x == 0.0 || (1e-4..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A statistic with `decimals` decimals ("0.49", "0.3132"), or in scientific notation with
/// three significant digits ("5.45e-8", "2.00e160") where that would show no significant digit
/// (an MD of 0.0013 printed as "0.00") or would run to dozens of digits (|x| ≥ 10⁶): [`fixed`],
/// with scientific notation also for values too small for `decimals`.
pub fn decimal(x: f64, decimals: usize) -> String {
    let shows_no_digit = x != 0.0 && x.abs() < 0.5 * 10f64.powi(-(decimals as i32));
    fixed(
        x,
        if shows_no_digit {
            MAX_DECIMALS + 1
        } else {
            decimals
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_round_to_a_unit_for_narrow_cells() {
        let rounded = |n: u64| participants_rounded(Some(n));
        assert_eq!(rounded(999), None);
        assert_eq!(participants_rounded(None), None);
        assert_eq!(rounded(1_000).as_deref(), Some("n≈1k"));
        assert_eq!(rounded(1_234).as_deref(), Some("n≈1.2k"));
        assert_eq!(rounded(9_949).as_deref(), Some("n≈9.9k"));
        assert_eq!(rounded(9_950).as_deref(), Some("n≈10k"));
        assert_eq!(rounded(45_368).as_deref(), Some("n≈45k"));
        assert_eq!(rounded(453_210).as_deref(), Some("n≈453k"));
        assert_eq!(rounded(999_499).as_deref(), Some("n≈999k"));
        assert_eq!(rounded(999_500).as_deref(), Some("n≈1M"));
        assert_eq!(rounded(3_400_000).as_deref(), Some("n≈3.4M"));
        assert_eq!(rounded(u64::MAX).as_deref(), Some("n≈18E"));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0u64, "0"),
            (999, "999"),
            (1000, "1,000"),
            (65_536, "65,536"),
        ];
        for (count, text) in cases {
            assert_eq!(grouped(count), text);
        }
        assert_eq!(grouped(1_234_567u32), "1,234,567");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn counts_take_the_singular_only_for_one() {
        assert_eq!(counted(1u32, "finding", "findings"), "1 finding");
        assert_eq!(counted(0u32, "study", "studies"), "0 studies");
        assert_eq!(counted(1234u64, "study", "studies"), "1,234 studies");
    }

    #[test]
    fn numbers_in_messages_stay_short() {
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(1200.0), "1200");
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(-1e308), "-1e308");
        assert_eq!(compact(2.5e-9), "2.5e-9");
        assert_eq!(compact(f64::INFINITY), "∞");
    }

    #[test]
    fn intervals_set_the_decimals_of_their_analysis() {
        assert_eq!(decimals_for_width(0.36), 2);
        assert_eq!(decimals_for_width(0.1), 2);
        assert_eq!(decimals_for_width(0.0103), 3);
        assert_eq!(decimals_for_width(0.0015), 4);
        assert_eq!(decimals_for_width(0.0), 2);
        assert_eq!(fixed(-9.06e-4, 3), "-0.001");
        assert_eq!(fixed(0.49, 2), "0.49");
        assert_eq!(fixed(0.00128, 4), "0.0013");
        assert_eq!(fixed(1.28e-9, decimals_for_width(1e-9)), "1.28e-9");
        assert_eq!(fixed(2e160, 2), "2.00e160");
        // exp(750) of a log odds ratio: the limit is shown as infinite, not "inf".
        assert_eq!(fixed(750f64.exp(), 2), "∞");
        assert_eq!(fixed(f64::NEG_INFINITY, 2), "-∞");
        // A zero among limits of 1e-150 (seven decimals asked: scientific notation).
        assert_eq!(fixed(0.0, decimals_for_width(2.8e-150)), "0");
        assert_eq!(fixed(0.0, 2), "0.00");
    }

    #[test]
    fn statistics_keep_a_significant_digit_and_stay_short() {
        let cases = [
            (0.49, 2, "0.49"),
            (-1.234, 2, "-1.23"),
            (0.0, 4, "0.0000"),
            (0.006, 2, "0.01"),
            (0.0049, 2, "4.90e-3"),
            (0.00128, 2, "1.28e-3"),
            (5.44689e-8, 4, "5.45e-8"),
            (0.3132, 4, "0.3132"),
            (999_999.0, 2, "999999.00"),
            (2e160, 2, "2.00e160"),
            (-3.1e7, 2, "-3.10e7"),
        ];
        for (x, decimals, text) in cases {
            assert_eq!(decimal(x, decimals), text, "{x}");
        }
    }
}
