//! Writing an `f64` exactly as `Display` does (the shortest digits that read back as the same
//! number, never an exponent), quickly for the numbers registries hold: short decimals such as
//! `0.03`, `-0.41` or `12.5`.
//!
//! A decimal with `k` places, `m / 10ᵏ`, reads back as `value` exactly when the double
//! division `m / 10ᵏ` gives `value` (both operands are exact doubles while |m| < 2⁵³ and
//! k ≤ 22, and IEEE division and decimal parsing both round the exact quotient to nearest).
//! With |m| ≤ 2⁵¹, a double's rounding interval is narrower than half of 10⁻ᵏ, so it holds at
//! most one decimal with `k` places, which `round(value · 10ᵏ)` finds: the shortest
//! representation `Display` chooses, with no tie to break. A decimal with fewer places
//! is one with more places and zeros appended, so one division at `MAX_PLACES` places finds
//! any, and its trailing zeros give the shortest. Anything else (long fractions, magnitudes
//! past 2⁵¹ / 10⁹) takes ryu's shortest digits, rewritten in fixed notation ([`push_fixed`]),
//! unless two shortest decimals could be equally near ([`may_tie`]); those, NaN and the
//! infinities go to `Display`. A property test holds the output byte-equal to `Display`.
//!
//! ryu and `Display` both write the shortest digits that read back as the value and, of
//! several, the nearest; they differ only where two are exactly as near, which ryu settles
//! to the even digit and `Display` upwards (1 + 2⁻¹⁷, 1215419042749061.25). The long
//! fractions of computed numbers (confidence limits, weights) cost 118 ns each through
//! `Display` and 48 through ryu (4 million of them, 2026-12-06).

use std::io::Write as _;

/// Most decimal places written without `Display`.
const MAX_PLACES: usize = 9;

/// 10ᵏ for k ≤ [`MAX_PLACES`] as integers.
const INTEGER_POWERS_OF_TEN: [u64; MAX_PLACES + 1] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// 10^[`MAX_PLACES`], exact as a double.
const SCALE: f64 = INTEGER_POWERS_OF_TEN[MAX_PLACES] as f64;

/// Largest |m| for which a decimal with `k` places is the only one in a double's rounding
/// interval (see the module documentation).
const MAX_DIGITS: f64 = (1u64 << 51) as f64;

/// Appends `value` as `format!("{value}")` writes it.
pub fn push_shortest(out: &mut Vec<u8>, value: f64) {
    match short_decimal(value) {
        Some((magnitude, places)) => push_decimal(out, value.is_sign_negative(), magnitude, places),
        None if value.is_finite() && !may_tie(value) => {
            push_fixed(out, ryu::Buffer::new().format_finite(value).as_bytes())
        }
        // Writing to a Vec cannot fail.
        None => {
            let _ = write!(out, "{value}");
        }
    }
}

/// Whether the exact value of finite `value` could lie exactly halfway between two decimals
/// of its shortest length, where ryu and `Display` round differently (see the module
/// documentation); also true for every value whose shortest decimals could sit on an edge of
/// its rounding interval, which takes the same exactness.
///
/// The value is m · 2ᵉ with m odd. For e < 0 that is m · 5⁻ᵉ / 10⁻ᵉ exactly, whose
/// significant digits are those of m · 5⁻ᵉ (odd, so without trailing zeros). A midpoint of
/// two n-digit decimals has n + 1 significant digits, and a shortest decimal has at most 17,
/// so with 19 digits or more (m · 5⁻ᵉ ≥ 10¹⁸) there is no tie. Whole numbers (e ≥ 0) and
/// magnitudes from 2⁵⁰ (where half a unit in the last place is a short decimal too) are
/// always counted as possible ties: `Display` writes them, as before.
fn may_tie(value: f64) -> bool {
    const EXPONENT_BIAS: i64 = 1075;
    const MANTISSA_BITS: u32 = 52;
    let magnitude = value.abs();
    if magnitude >= (1u64 << 50) as f64 {
        return true;
    }
    let bits = magnitude.to_bits();
    let biased = (bits >> MANTISSA_BITS) as i64;
    let fraction = bits & ((1 << MANTISSA_BITS) - 1);
    let (mantissa, exponent) = if biased == 0 {
        // Subnormal (or zero, which the fast path takes before this).
        (fraction, 1 - EXPONENT_BIAS)
    } else {
        (fraction | 1 << MANTISSA_BITS, biased - EXPONENT_BIAS)
    };
    if mantissa == 0 {
        return true;
    }
    let shift = mantissa.trailing_zeros();
    let (odd, exponent) = (mantissa >> shift, exponent + i64::from(shift));
    if exponent >= 0 {
        return true;
    }
    // 5²⁷ > 10¹⁸: past it there are too many digits for a tie whatever m is.
    let Ok(fives) = u32::try_from(-exponent) else {
        return false;
    };
    if fives >= 27 {
        return false;
    }
    u128::from(odd) * 5u128.pow(fives) < 10u128.pow(18)
}

/// Appends a number written by ryu (`-1.25`, `0.001`, `1e-7`, `1.5e16`, `100.0`) in the
/// fixed notation of `Display`: no exponent, no trailing `.0`.
fn push_fixed(out: &mut Vec<u8>, text: &[u8]) {
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e') {
        Some(at) => (&text[..at], parse_exponent(&text[at + 1..])),
        None => (text, 0),
    };
    // The digits without the point, and where the point falls among them.
    let mut digits = [0u8; 24];
    let mut count = 0;
    let mut whole_digits = mantissa.len();
    for (i, &byte) in mantissa.iter().enumerate() {
        if byte == b'.' {
            whole_digits = i;
        } else {
            digits[count] = byte;
            count += 1;
        }
    }
    let leading = digits[..count].iter().take_while(|&&d| d == b'0').count();
    let trailing = digits[leading..count]
        .iter()
        .rev()
        .take_while(|&&d| d == b'0')
        .count();
    let significant = &digits[leading..count - trailing];
    if negative {
        out.push(b'-');
    }
    if significant.is_empty() {
        out.push(b'0');
        return;
    }
    // The point's position after the first significant digit's start.
    let point = whole_digits as i64 + exponent - leading as i64;
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + point.unsigned_abs() as usize, b'0');
        out.extend_from_slice(significant);
    } else if point as usize >= significant.len() {
        out.extend_from_slice(significant);
        out.resize(out.len() + point as usize - significant.len(), b'0');
    } else {
        let (whole, fraction) = significant.split_at(point as usize);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
}

/// The exponent after ryu's `e`: an optional `-` and decimal digits.
fn parse_exponent(text: &[u8]) -> i64 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        _ => (1, text),
    };
    sign * digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
}

/// `(|m|, k)` with `value` = ±m / 10ᵏ for the smallest `k` ≤ [`MAX_PLACES`], when there is one
/// with |m| · 10^([`MAX_PLACES`] − k) ≤ [`MAX_DIGITS`]. A decimal with fewer places is also one
/// with [`MAX_PLACES`] places (zeros appended), and at that many places there is at most one, so
/// one division finds it and its trailing zeros give the smallest `k`.
fn short_decimal(value: f64) -> Option<(u64, usize)> {
    let magnitude = value.abs();
    let digits = (magnitude * SCALE).round();
    // Also false for NaN and infinities.
    if !(digits <= MAX_DIGITS && digits / SCALE == magnitude) {
        return None;
    }
    let (mut digits, mut places) = (digits as u64, MAX_PLACES);
    while places > 0 && digits % 10 == 0 {
        digits /= 10;
        places -= 1;
    }
    Some((digits, places))
}

/// Appends ±`magnitude` / 10^`places` in fixed notation.
fn push_decimal(out: &mut Vec<u8>, negative: bool, magnitude: u64, places: usize) {
    if negative {
        out.push(b'-');
    }
    let power = INTEGER_POWERS_OF_TEN[places];
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(magnitude / power).as_bytes());
    if places > 0 {
        out.push(b'.');
        let fraction = buffer.format(magnitude % power).as_bytes();
        out.resize(out.len() + places - fraction.len(), b'0');
        out.extend_from_slice(fraction);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shortest(value: f64) -> String {
        let mut out = Vec::new();
        push_shortest(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn short_decimals_are_written_as_display_writes_them() {
        // Expected strings: Rust's `Display` for f64 (the oracle), written out.
        for (value, expected) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (0.03, "0.03"),
            (-0.41, "-0.41"),
            (12.5, "12.5"),
            (100.0, "100"),
            (0.000123, "0.000123"),
            (1.05, "1.05"),
            (-1234567.891, "-1234567.891"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 + 2f64.powi(-17), "1.0000076293945313"),
            (1e-7, "0.0000001"),
            (1e300, &format!("{}", 1e300)),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(shortest(value), expected, "{value:e}");
            assert_eq!(shortest(value), format!("{value}"), "{value:e}");
        }
    }

    #[test]
    fn the_fast_path_takes_short_decimals() {
        assert_eq!(short_decimal(0.03), Some((3, 2)));
        assert_eq!(short_decimal(-0.0), Some((0, 0)));
        assert_eq!(short_decimal(12.5), Some((125, 1)));
        assert_eq!(short_decimal(0.1 + 0.2), None);
        assert_eq!(short_decimal(1e-12), None);
    }

    /// Decimals of up to 12 places with up to 17 digits, and their neighbours one unit in the
    /// last place away: the cases near the fast path's edges.
    fn near_short_decimals() -> impl Strategy<Value = f64> {
        (any::<i64>(), 0u32..=12, -1i64..=1, 1u32..=17).prop_map(|(m, places, nudge, digits)| {
            let m = m % 10i64.pow(digits);
            let value = m as f64 / 10f64.powi(places as i32);
            let bits = value.to_bits() as i64 + nudge;
            f64::from_bits(bits as u64)
        })
    }

    /// Whole numbers over powers of two, k / 2ʲ: exact short binary fractions, the values
    /// where two shortest decimals can be equally near (ryu and `Display` then differ).
    fn binary_fractions() -> impl Strategy<Value = f64> {
        (any::<i64>(), 1u32..=60, 1u32..=63).prop_map(|(k, j, bits)| {
            let k = k >> (64 - bits);
            k as f64 / 2f64.powi(j as i32)
        })
    }

    /// Numbers as reports compute them: confidence limits y ± 1.96 √v and percentages of a
    /// total, with long fractions.
    fn computed() -> impl Strategy<Value = f64> {
        (-1e4..1e4f64, 1e-9..1e4f64, 0u32..3).prop_map(|(y, v, kind)| match kind {
            0 => y - 1.96 * v.sqrt(),
            1 => y + 1.96 * v.sqrt(),
            _ => 100.0 * v / (v + y.abs()),
        })
    }

    #[test]
    fn ties_go_to_display_and_everything_else_to_ryu() {
        // Ties found by comparing ryu's output with Display's over random doubles: ryu
        // writes 1.0000076293945312 and 1215419042749061.2 for these.
        assert!(may_tie(1.0 + 2f64.powi(-17)));
        assert!(may_tie(1_215_419_042_749_061.0 + 0.25));
        assert!(may_tie(662_936_471_232_937.0 + 0.25));
        // Whole numbers and magnitudes from 2⁵⁰ always go to Display.
        assert!(may_tie(123456789.0));
        assert!(may_tie(2f64.powi(50) + 0.5));
        // Long fractions of computed numbers and tiny numbers cannot tie.
        assert!(!may_tie(-0.7517770154879776));
        assert!(!may_tie(0.1 + 0.2));
        assert!(!may_tie(1e-300));
        assert!(!may_tie(f64::from_bits(1)));
    }

    #[test]
    fn ryu_notation_is_rewritten_as_fixed() {
        // Expected strings: the fixed notation of Display for the same numbers.
        for (ryu, expected) in [
            ("0.0", "0"),
            ("-0.0", "-0"),
            ("100.0", "100"),
            ("-12.25", "-12.25"),
            ("0.00123", "0.00123"),
            ("1e-7", "0.0000001"),
            ("-1.5e-7", "-0.00000015"),
            ("1e16", "10000000000000000"),
            ("1.2345e20", "123450000000000000000"),
            ("5e-324", &format!("{}", f64::from_bits(1))),
        ] {
            let mut out = Vec::new();
            push_fixed(&mut out, ryu.as_bytes());
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{ryu}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        /// Any double, doubles at and next to short decimals, exact binary fractions and
        /// computed limits and percentages come out as `Display` writes them.
        #[test]
        fn every_double_is_written_as_display_writes_it(
            value in prop_oneof![
                any::<f64>(),
                near_short_decimals(),
                binary_fractions(),
                computed(),
            ],
        ) {
            prop_assert_eq!(shortest(value), format!("{value}"));
        }
    }
}
