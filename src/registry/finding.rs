//! The typed registry row: one finding, i.e. one outcome of one study.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

use crate::model::{Confidence, Design, Direction, EffectMeasure, RiskOfBias, Significance};
use crate::registry::key_hints::KeyKind;
use crate::registry::topic::Topic;

/// A reported p-value: exact, or only a bound such as `<0.05`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PValue {
    /// `p = x`.
    Exact(f64),
    /// `p < x` (also written `<=x`).
    Below(f64),
    /// `p > x` (also written `>=x`).
    Above(f64),
}

impl PValue {
    /// Parses `0.03`, `<0.05`, `<=0.001`, `>0.05`, `≤0.01`; `None` for anything else or a value
    /// outside [0, 1].
    pub fn parse(text: &str) -> Option<PValue> {
        // Chosen by the first character: most p-values are plain numbers, which then cost no
        // prefix comparison.
        let mut chars = text.chars();
        let (constructor, rest): (fn(f64) -> PValue, &str) = match chars.next() {
            Some('<') => (
                PValue::Below,
                chars.as_str().strip_prefix('=').unwrap_or(chars.as_str()),
            ),
            Some('>') => (
                PValue::Above,
                chars.as_str().strip_prefix('=').unwrap_or(chars.as_str()),
            ),
            Some('≤') => (PValue::Below, chars.as_str()),
            Some('≥') => (PValue::Above, chars.as_str()),
            _ => (PValue::Exact, text),
        };
        let value = parse_plain_number(rest.trim())?;
        // `-0` is 0: a p-value has no sign (and [`PackedPValue`] keeps the sign bit for itself).
        (0.0..=1.0)
            .contains(&value)
            .then(|| constructor(value + 0.0))
    }

    /// The number written, exact or bound.
    pub fn value(self) -> f64 {
        match self {
            PValue::Exact(v) | PValue::Below(v) | PValue::Above(v) => v,
        }
    }
}

/// A finding's p-value in 8 bytes (an `Option<PValue>` takes 16): the number's bits with the
/// relation in the top two, which a number in [0, 1] never sets (its sign is clear, as
/// [`PValue::parse`] turns `-0` into 0, and its exponent is below 0x400); every bit set for
/// none.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PackedPValue(u64);

impl PackedPValue {
    const NONE: u64 = u64::MAX;
    const BELOW: u64 = 1 << 62;
    const ABOVE: u64 = 1 << 63;
    const RELATION: u64 = Self::BELOW | Self::ABOVE;

    /// Packs a p-value (its number must be in [0, 1] with the sign clear, as
    /// [`PValue::parse`] gives).
    pub fn new(p: Option<PValue>) -> PackedPValue {
        let Some(p) = p else {
            return PackedPValue(Self::NONE);
        };
        let bits = p.value().to_bits();
        assert!(
            bits & Self::RELATION == 0,
            "a p-value is in [0, 1] with no sign: {p}"
        );
        PackedPValue(
            bits | match p {
                PValue::Exact(_) => 0,
                PValue::Below(_) => Self::BELOW,
                PValue::Above(_) => Self::ABOVE,
            },
        )
    }

    /// The p-value packed.
    pub fn get(self) -> Option<PValue> {
        if self.0 == Self::NONE {
            return None;
        }
        let value = f64::from_bits(self.0 & !Self::RELATION);
        Some(match self.0 & Self::RELATION {
            Self::BELOW => PValue::Below(value),
            Self::ABOVE => PValue::Above(value),
            _ => PValue::Exact(value),
        })
    }
}

impl fmt::Debug for PackedPValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl fmt::Display for PValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PValue::Exact(v) => write!(f, "{v}"),
            PValue::Below(v) => write!(f, "<{v}"),
            PValue::Above(v) => write!(f, ">{v}"),
        }
    }
}

/// Parses a finite decimal number written with ASCII digits (`1e309`, `NaN`, `inf` and
/// non-ASCII digits are rejected).
pub fn parse_plain_number(text: &str) -> Option<f64> {
    if let Some(value) = short_decimal(text.as_bytes()) {
        return Some(value);
    }
    let plausible = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if !plausible {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// 10ᵏ for k ≤ [`SHORT_DIGITS`], each exact as a double.
const POWERS_OF_TEN: [f64; SHORT_DIGITS + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Most digits of a [`short_decimal`]: any 15-digit whole number is below 2⁵³, exact as a
/// double.
const SHORT_DIGITS: usize = 15;

/// The value of `-?d+(.d+)?` with at most [`SHORT_DIGITS`] digits in all — the numbers
/// registries hold (`0.03`, `-0.41`, `488`) — without the general parser: m / 10ᵏ, where both
/// are exact doubles, so IEEE division rounds the quotient to nearest exactly as decimal
/// parsing does. `None` for anything else (signs `+`, exponents, a bare or trailing point),
/// which the general parser reads.
fn short_decimal(bytes: &[u8]) -> Option<f64> {
    let (negative, body) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if body.is_empty() || body.len() > SHORT_DIGITS + 1 {
        return None;
    }
    let (mut mantissa, mut digits, mut places) = (0u64, 0, 0);
    for (i, &byte) in body.iter().enumerate() {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                digits += 1;
            }
            // One point, with digits on both sides.
            b'.' if places == 0 && i > 0 && i + 1 < body.len() => places = body.len() - i - 1,
            _ => return None,
        }
    }
    if digits > SHORT_DIGITS {
        return None;
    }
    let magnitude = mantissa as f64 / POWERS_OF_TEN[places];
    Some(if negative { -magnitude } else { magnitude })
}

/// Arm-level data from which an effect size can be computed (metafor `escalc` inputs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmData {
    /// Participants in arm 1 (intervention / exposed).
    pub n1: Option<u32>,
    /// Mean in arm 1.
    pub mean1: Option<f64>,
    /// Standard deviation in arm 1.
    pub sd1: Option<f64>,
    /// Participants in arm 2 (control).
    pub n2: Option<u32>,
    /// Mean in arm 2.
    pub mean2: Option<f64>,
    /// Standard deviation in arm 2.
    pub sd2: Option<f64>,
    /// Events in arm 1.
    pub events1: Option<u32>,
    /// Events in arm 2.
    pub events2: Option<u32>,
}

/// An effect estimate given directly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectData {
    /// The effect measure (ratios on the log scale).
    pub measure: Option<EffectMeasure>,
    /// Point estimate.
    pub yi: Option<f64>,
    /// Sampling variance.
    pub vi: Option<f64>,
    /// Lower 95% confidence limit (same scale as `yi`).
    pub ci_low: Option<f64>,
    /// Upper 95% confidence limit.
    pub ci_high: Option<f64>,
    /// Arm-level data.
    pub arms: ArmData,
}

/// Effect data as a finding keeps it: 88 bytes instead of [`EffectData`]'s 168 (each
/// `Option` of a number there takes twice the number's room). The numbers and counts are
/// stored bare, with one bit each for whether it was given. [`StoredEffect::data`] gives the
/// data back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEffect {
    /// yi, vi, ci_low, ci_high, mean1, sd1, mean2, sd2 (0 where not given).
    numbers: [f64; 8],
    /// n1, n2, events1, events2 (0 where not given).
    counts: [u32; 4],
    /// Bit `i` set: number `i` was given; bit `8 + i`: count `i`.
    given: u16,
    measure: Option<EffectMeasure>,
}

impl StoredEffect {
    /// Stores `data`.
    pub fn new(data: &EffectData) -> StoredEffect {
        let arms = &data.arms;
        let numbers = [
            data.yi,
            data.vi,
            data.ci_low,
            data.ci_high,
            arms.mean1,
            arms.sd1,
            arms.mean2,
            arms.sd2,
        ];
        let counts = [arms.n1, arms.n2, arms.events1, arms.events2];
        let given = numbers
            .iter()
            .map(Option::is_some)
            .chain(counts.iter().map(Option::is_some))
            .enumerate()
            .fold(0u16, |bits, (i, given)| bits | (u16::from(given) << i));
        StoredEffect {
            numbers: numbers.map(Option::unwrap_or_default),
            counts: counts.map(Option::unwrap_or_default),
            given,
            measure: data.measure,
        }
    }

    /// The effect data stored.
    pub fn data(&self) -> EffectData {
        let given = |i: usize| self.given & (1 << i) != 0;
        let numbers: [Option<f64>; 8] =
            std::array::from_fn(|i| given(i).then_some(self.numbers[i]));
        let counts: [Option<u32>; 4] =
            std::array::from_fn(|i| given(8 + i).then_some(self.counts[i]));
        let [yi, vi, ci_low, ci_high, mean1, sd1, mean2, sd2] = numbers;
        let [n1, n2, events1, events2] = counts;
        EffectData {
            measure: self.measure,
            yi,
            vi,
            ci_low,
            ci_high,
            arms: ArmData {
                n1,
                mean1,
                sd1,
                n2,
                mean2,
                sd2,
                events1,
                events2,
            },
        }
    }
}

/// Text of a finding. Shared: rows of one study point at one copy of their study-level text
/// (study id, citation, DOI, PMID), and question, form and outcome keys at one copy per key, which
/// keeps million-row registries small and their reading free of per-field allocations. An
/// [`ArcStr`](arcstr::ArcStr): a thin pointer (8 bytes, 8 with `Option`) to one allocation
/// holding the count, the length and the bytes. (An `Arc<String>` is as thin but two
/// allocations a text — 48 bytes of counts and `String` plus the bytes' own — which at ten
/// million findings and 3.3 million studies was 0.3 GB more, and a second pointer to follow on
/// every read.)
pub type Text = arcstr::ArcStr;

/// The study-level fields of a finding: the same on every row of a study (the cross-row checks
/// hold each row to its study's first), so the rows of a study share one copy. A finding that
/// held them itself was 46 bytes larger; at ten million findings and 3.3 million studies, the
/// shared copy (64 bytes a study with its count) is 0.35 GB less.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// Study identifier (slug); with a finding's `outcome`, unique.
    pub id: Text,
    /// Citation as it should appear in reports.
    pub citation: Text,
    /// Year of publication.
    pub year: i32,
    /// Verified DOI, if any.
    pub doi: Option<Text>,
    /// Verified PubMed id, if any.
    pub pmid: Option<Text>,
    /// Study design.
    pub design: Design,
    /// Number of included studies (reviews only).
    pub k_studies: Option<u32>,
    /// How well the record was verified.
    pub confidence: Option<Confidence>,
}

/// The topic keys a finding names. Findings naming the same three share one copy: a registry
/// names few combinations, and one pointer in a finding instead of three is 16 bytes less (160
/// MB at ten million findings).
///
/// The keys carry their positions in the topic they were read against, which the frame and
/// the cells group by; the fields are private so that keys and positions cannot drift apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowKeys {
    question: Text,
    form: Text,
    outcome: Text,
    codes: [u32; 3],
}

impl RowKeys {
    /// The keys `question`, `form` and `outcome`, coded by their positions in `topic`
    /// (`Topic::key_position`; `u32::MAX` for a key it lacks, which validated rows never
    /// name).
    pub fn coded(topic: &Topic, question: Text, form: Text, outcome: Text) -> RowKeys {
        let code = |kind, key: &str| {
            topic
                .key_position(kind, key)
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(u32::MAX)
        };
        let codes = [
            code(KeyKind::Question, &question),
            code(KeyKind::Form, &form),
            code(KeyKind::Outcome, &outcome),
        ];
        RowKeys::with_codes(question, form, outcome, codes)
    }

    /// The keys with their positions already found (the reader, which looked them up).
    pub(crate) fn with_codes(
        question: Text,
        form: Text,
        outcome: Text,
        codes: [u32; 3],
    ) -> RowKeys {
        RowKeys {
            question,
            form,
            outcome,
            codes,
        }
    }

    /// Question key (topic.toml).
    pub fn question(&self) -> &Text {
        &self.question
    }

    /// Intervention or exposure form key (topic.toml, or `not_applicable`).
    pub fn form(&self) -> &Text {
        &self.form
    }

    /// Outcome key (topic.toml).
    pub fn outcome(&self) -> &Text {
        &self.outcome
    }

    /// The positions of the question, form and outcome among the topic's keys: the codes the
    /// frame and the cells group by, so they are not looked up again for every finding.
    pub fn codes(&self) -> [u32; 3] {
        self.codes
    }
}

/// One registry row, validated, with what the synthesis and the reports read. The descriptive
/// columns (population, dose_mg_day, duration_weeks, comparator, source, notes) are checked
/// when the row is read but not kept: no output shows them, and a finding without them is
/// smaller, which a ten-million-row registry feels in memory and in time. The registry file
/// stays the record of them (`fmt` and `add` keep every column). The study-level columns are in
/// [`Study`], shared by the rows of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The line the row starts on (1-based, header = line 1).
    pub line: u64,
    /// The study's fields (id, citation, year, DOI, PMID, design, k_studies, confidence).
    pub study: Arc<Study>,
    /// The topic keys it names: question, form, outcome.
    pub keys: Arc<RowKeys>,
    /// Participants analysed (blank only for reviews that give `k_studies`); read as a number
    /// with [`Finding::n`]. Never 0 (validation asks for at least one), which lets `None` take
    /// no room of its own: 4 bytes, not 8.
    pub participants: Option<NonZeroU32>,
    /// Direction relative to the question's hypothesis.
    pub direction: Direction,
    /// Reported significance.
    pub significant: Option<Significance>,
    /// Reported p-value.
    pub p_value: PackedPValue,
    /// Effect estimate and arm-level data; `None` when the row has none (most rows), which
    /// keeps a finding small in million-row registries.
    pub effect: Option<Box<StoredEffect>>,
    /// Risk-of-bias judgement.
    pub risk_of_bias: Option<RiskOfBias>,
}

impl Finding {
    /// Participants analysed, if given.
    pub fn n(&self) -> Option<u32> {
        self.participants.map(NonZeroU32::get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_parse_exact_and_bounds() {
        assert_eq!(PValue::parse("0.07"), Some(PValue::Exact(0.07)));
        assert_eq!(PValue::parse("<0.05"), Some(PValue::Below(0.05)));
        assert_eq!(PValue::parse("<=.001"), Some(PValue::Below(0.001)));
        assert_eq!(PValue::parse(">0.05"), Some(PValue::Above(0.05)));
        assert_eq!(PValue::parse("1.2"), None);
        assert_eq!(PValue::parse("NaN"), None);
        assert_eq!(PValue::parse("p<0.05"), None);
    }

    #[test]
    fn packed_p_values_unpack_to_what_was_packed() {
        let values = [
            0.0,
            5e-324,
            1e-300,
            0.001,
            0.049999,
            0.05,
            0.5,
            0.999_999_999,
            1.0,
        ];
        for value in values {
            for p in [
                PValue::Exact(value),
                PValue::Below(value),
                PValue::Above(value),
            ] {
                let unpacked = PackedPValue::new(Some(p)).get().unwrap();
                assert_eq!(unpacked, p);
                assert_eq!(unpacked.value().to_bits(), value.to_bits(), "{p:?}");
            }
        }
        assert_eq!(PackedPValue::new(None).get(), None);
        assert_eq!(PValue::parse("-0"), Some(PValue::Exact(0.0)));
        assert!(PValue::parse("-0").unwrap().value().is_sign_positive());
        assert_eq!(PValue::parse("<-0.0"), Some(PValue::Below(0.0)));
        assert!(PValue::parse("<-0.0").unwrap().value().is_sign_positive());
    }

    /// Every field comes back as stored, absent ones absent, whatever the mix (0 and the
    /// largest count among them).
    #[test]
    fn stored_effects_give_back_their_data() {
        let full = EffectData {
            measure: Some(EffectMeasure::Md),
            yi: Some(-0.0),
            vi: Some(1e-300),
            ci_low: Some(-1.5),
            ci_high: Some(f64::MAX),
            arms: ArmData {
                n1: Some(1),
                mean1: Some(2.5),
                sd1: Some(0.1),
                n2: Some(u32::MAX),
                mean2: Some(-3.0),
                sd2: Some(7.0),
                events1: Some(0),
                events2: Some(4),
            },
        };
        let only_yi_vi = EffectData {
            measure: None,
            yi: Some(0.3),
            vi: Some(0.04),
            ..EffectData::default()
        };
        let counts = EffectData {
            measure: Some(EffectMeasure::Rr),
            arms: ArmData {
                n1: Some(10),
                events1: Some(0),
                n2: Some(12),
                events2: Some(3),
                ..ArmData::default()
            },
            ..EffectData::default()
        };
        for data in [full, only_yi_vi, counts, EffectData::default()] {
            let back = StoredEffect::new(&data).data();
            assert_eq!(back, data);
            assert_eq!(back.yi.map(f64::to_bits), data.yi.map(f64::to_bits));
        }
        assert_eq!(std::mem::size_of::<StoredEffect>(), 88);
    }

    /// Every byte of a finding is paid ten million times in the largest registries: adding a
    /// field is a decision, not an accident.
    #[test]
    fn a_finding_stays_small() {
        assert_eq!(std::mem::size_of::<Finding>(), 48);
    }

    #[test]
    fn plain_numbers_reject_overflow_and_foreign_digits() {
        assert_eq!(parse_plain_number("-0"), Some(-0.0));
        assert_eq!(parse_plain_number("1e309"), None);
        assert_eq!(parse_plain_number("inf"), None);
        assert_eq!(parse_plain_number("١٢"), None);
        assert_eq!(parse_plain_number("."), None);
        assert_eq!(parse_plain_number("2.5e-3"), Some(0.0025));
    }

    #[test]
    fn short_decimals_take_the_short_path() {
        assert_eq!(short_decimal(b"0.03"), Some(0.03));
        assert_eq!(
            short_decimal(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(short_decimal(b"123456789012345"), Some(123456789012345.0));
        // Left to the general parser: 16 digits, signs, exponents, bare points.
        for text in [
            "1234567890123456",
            "+1",
            "1e3",
            ".5",
            "5.",
            "1.2.3",
            "",
            "-",
        ] {
            assert_eq!(short_decimal(text.as_bytes()), None, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// Decimals of every shape, short and long, parse to the same bits as the standard
        /// library's parser gives (the oracle).
        #[test]
        fn plain_numbers_parse_as_the_standard_parser_does(
            text in "-?[0-9]{0,12}(\\.[0-9]{0,12})?([eE]-?[0-9]{1,2})?",
        ) {
            let ours = parse_plain_number(&text).map(f64::to_bits);
            let expected = text
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && text.bytes().any(|b| b.is_ascii_digit()))
                .map(f64::to_bits);
            proptest::prop_assert_eq!(ours, expected, "{}", text);
        }
    }
}
