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
//! past 2⁵¹ / 10⁹, NaN, infinities) goes to `Display`, and a property test holds the two byte-equal. (ryu is fast for every double but
//! breaks exact ties the other way from `Display`, 1 + 2⁻¹⁷ or 1215419042749061.25, so the
//! bytes of existing reports would change.)

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
        // Writing to a Vec cannot fail.
        None => {
            let _ = write!(out, "{value}");
        }
    }
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        /// Any double, and doubles at and next to short decimals, come out as `Display`
        /// writes them.
        #[test]
        fn every_double_is_written_as_display_writes_it(
            value in prop_oneof![any::<f64>(), near_short_decimals()],
        ) {
            prop_assert_eq!(shortest(value), format!("{value}"));
        }
    }
}
