//! Effect sizes from a row, as metafor's `escalc` computes them (Viechtbauer, J Stat Softw
//! 2010;36(3)): MD, SMD (Hedges' g, exact small-sample correction, large-sample variance),
//! log RR, log OR, RD. Rows that give `yi` with `vi` or a 95% CI are used as given.

use crate::model::EffectMeasure;
use crate::registry::Finding;
use crate::registry::finding::EffectData;
use crate::synthesis::votes::Z_95;

/// An effect estimate ready to pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// Estimate (log scale for RR and OR).
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
}

/// Why a row gives no estimate to pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoEffect {
    /// No effect data at all (the usual case for narrative evidence).
    NoData,
    /// The data do not determine an estimate (named reason).
    Incomplete(&'static str),
    /// Zero events in both arms: excluded from ratio pooling (no information on the ratio).
    DoubleZero,
    /// Events in every participant of both arms: as uninformative on a ratio as no events
    /// (metafor's `drop00` drops both kinds of table; so does RevMan).
    AllEvents,
}

impl NoEffect {
    /// Why a row with effect data is left out of pooling, as the report says it; `None` for a
    /// row without effect data, which is not left out of anything.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            NoEffect::NoData => None,
            NoEffect::Incomplete(why) => Some(why),
            NoEffect::DoubleZero => Some("zero events in both arms: no information on a ratio"),
            NoEffect::AllEvents => {
                Some("events in every participant of both arms: no information on a ratio")
            }
        }
    }
}

/// The effect of a finding for its measure, or why there is none.
pub fn effect_of(finding: &Finding) -> Result<(EffectMeasure, Effect), NoEffect> {
    let Some(stored) = finding.effect.as_deref() else {
        return Err(NoEffect::NoData);
    };
    effect_of_data(&stored.data())
}

/// The effect that a row's effect data gives for its measure, or why there is none (also used
/// by validation, which refuses data whose effect is not a finite number).
pub fn effect_of_data(data: &EffectData) -> Result<(EffectMeasure, Effect), NoEffect> {
    let Some(measure) = data.measure else {
        return Err(NoEffect::NoData);
    };
    if let Some(yi) = data.yi {
        let vi = match (data.vi, data.ci_low, data.ci_high) {
            (Some(vi), _, _) => vi,
            (None, Some(low), Some(high)) => ((high - low) / (2.0 * Z_95)).powi(2),
            _ => {
                return Err(NoEffect::Incomplete(
                    "yi without vi or a confidence interval",
                ));
            }
        };
        if vi <= 0.0 {
            return Err(NoEffect::Incomplete("a zero-width confidence interval"));
        }
        return Ok((measure, Effect { yi, vi }));
    }
    let arms = &data.arms;
    let effect = match measure {
        EffectMeasure::Md | EffectMeasure::Smd => {
            let (Some(n1), Some(m1), Some(sd1), Some(n2), Some(m2), Some(sd2)) =
                (arms.n1, arms.mean1, arms.sd1, arms.n2, arms.mean2, arms.sd2)
            else {
                return Err(NoEffect::Incomplete(
                    "means need n1, mean1, sd1, n2, mean2, sd2",
                ));
            };
            let (n1, n2) = (f64::from(n1), f64::from(n2));
            if measure == EffectMeasure::Md {
                mean_difference(n1, m1, sd1, n2, m2, sd2)
            } else {
                if n1 + n2 <= 3.0 {
                    return Err(NoEffect::Incomplete("SMD needs n1 + n2 > 3"));
                }
                hedges_g(n1, m1, sd1, n2, m2, sd2)
            }
        }
        EffectMeasure::Rr | EffectMeasure::Or | EffectMeasure::Rd => {
            let (Some(e1), Some(n1), Some(e2), Some(n2)) =
                (arms.events1, arms.n1, arms.events2, arms.n2)
            else {
                return Err(NoEffect::Incomplete("counts need events1, n1, events2, n2"));
            };
            let (a, b, c, d) = (
                f64::from(e1),
                f64::from(n1 - e1.min(n1)),
                f64::from(e2),
                f64::from(n2 - e2.min(n2)),
            );
            if measure != EffectMeasure::Rd {
                if e1 == 0 && e2 == 0 {
                    return Err(NoEffect::DoubleZero);
                }
                if e1 == n1 && e2 == n2 {
                    return Err(NoEffect::AllEvents);
                }
            }
            two_by_two(measure, a, b, c, d)
        }
    };
    Ok((measure, effect))
}

/// Raw mean difference: yi = m1 − m2, vi = sd1²/n1 + sd2²/n2.
pub fn mean_difference(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> Effect {
    Effect {
        yi: m1 - m2,
        vi: sd1 * sd1 / n1 + sd2 * sd2 / n2,
    }
}

/// Hedges' g with the exact correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2)), m = n1 + n2 − 2,
/// and metafor's default large-sample variance vi = 1/n1 + 1/n2 + g²/(2(n1 + n2)).
pub fn hedges_g(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> Effect {
    use crate::synthesis::special::ln_gamma;
    let m = n1 + n2 - 2.0;
    let pooled_sd = (((n1 - 1.0) * sd1 * sd1 + (n2 - 1.0) * sd2 * sd2) / m).sqrt();
    let correction = (ln_gamma(m / 2.0) - 0.5 * (m / 2.0).ln() - ln_gamma((m - 1.0) / 2.0)).exp();
    let g = correction * (m1 - m2) / pooled_sd;
    Effect {
        yi: g,
        vi: 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)),
    }
}

/// Log RR, log OR or RD from a 2×2 table (a, b events/non-events in arm 1; c, d in arm 2).
/// 0.5 is added to every cell of a table with a zero cell, for RD as for the ratios (metafor's
/// `escalc` default, `add = 1/2, to = "only0"`): without it a table of 0/10 against 0/10, or
/// 10/10 against 10/10, has an RD variance of 0 and an infinite weight.
pub fn two_by_two(measure: EffectMeasure, a: f64, b: f64, c: f64, d: f64) -> Effect {
    let (a, b, c, d) = if [a, b, c, d].contains(&0.0) {
        (a + 0.5, b + 0.5, c + 0.5, d + 0.5)
    } else {
        (a, b, c, d)
    };
    let (n1, n2) = (a + b, c + d);
    match measure {
        EffectMeasure::Rr => Effect {
            yi: ((a / n1) / (c / n2)).ln(),
            vi: 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2,
        },
        EffectMeasure::Or => Effect {
            yi: ((a * d) / (b * c)).ln(),
            vi: 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d,
        },
        _ => {
            let (p1, p2) = (a / n1, c / n2);
            Effect {
                yi: p1 - p2,
                vi: p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(ours: f64, expected: f64) {
        assert!(
            (ours - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{ours} vs {expected}"
        );
    }

    /// Risk differences of tables with a zero cell, against metafor 3.8-1:
    /// `escalc("RD", ai = c(2, 0, 0), n1i = c(2, 50, 10), ci = c(2, 1000, 0), n2i = c(2, 1000, 10))`
    /// gives yi 0, −0.989696577931872, 0 and vi 0.0925925925925926, 0.000190847863825008,
    /// 0.00788880540946657 (found by a random comparison of 300 tables; without the
    /// correction the variances were 0, 0 and 0).
    #[test]
    fn risk_differences_of_tables_with_a_zero_cell_are_corrected_as_in_metafor() {
        let cases = [
            ((2.0, 0.0, 2.0, 0.0), (0.0, 0.0925925925925926)),
            (
                (0.0, 50.0, 1000.0, 0.0),
                (-0.989696577931872, 0.000190847863825008),
            ),
            ((0.0, 10.0, 0.0, 10.0), (0.0, 0.00788880540946657)),
        ];
        for ((a, b, c, d), (yi, vi)) in cases {
            let effect = two_by_two(EffectMeasure::Rd, a, b, c, d);
            assert_close(effect.yi, yi);
            assert_close(effect.vi, vi);
        }
        // A table without a zero cell is not corrected: 7/10 against 32/50.
        let effect = two_by_two(EffectMeasure::Rd, 7.0, 3.0, 32.0, 18.0);
        assert_close(effect.yi, 0.7 - 0.64);
        assert_close(effect.vi, 0.7 * 0.3 / 10.0 + 0.64 * 0.36 / 50.0);
    }

    fn counts(measure: EffectMeasure, e1: u32, n1: u32, e2: u32, n2: u32) -> EffectData {
        EffectData {
            measure: Some(measure),
            arms: crate::registry::finding::ArmData {
                events1: Some(e1),
                n1: Some(n1),
                events2: Some(e2),
                n2: Some(n2),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// Tables with no events, or only events, in both arms say nothing about a ratio: both are
    /// left out of RR and OR pooling (metafor's `drop00 = TRUE`, which the oracle scripts use
    /// for ratios), and kept for RD, where they say the risks are equal. One arm full and the
    /// other not is an ordinary table with a zero cell.
    #[test]
    fn tables_without_information_on_a_ratio_are_left_out_of_ratio_pooling() {
        for measure in [EffectMeasure::Rr, EffectMeasure::Or] {
            assert_eq!(
                effect_of_data(&counts(measure, 0, 10, 0, 12)),
                Err(NoEffect::DoubleZero)
            );
            assert_eq!(
                effect_of_data(&counts(measure, 10, 10, 12, 12)),
                Err(NoEffect::AllEvents)
            );
            assert!(effect_of_data(&counts(measure, 10, 10, 11, 12)).is_ok());
        }
        // metafor 3.8.1 (Debian r-cran-metafor), 2026-12-06: escalc("RR" and "OR",
        // ai = c(0, 10), n1i = c(10, 10), ci = c(0, 12), n2i = c(12, 12), drop00 = TRUE) gives
        // NA for both tables; escalc("RR", ai = 10, n1i = 10, ci = 11, n2i = 12) gives
        // yi 0.076082306457440, vi 0.014362449145058; escalc("RD", ai = 10, n1i = 10, ci = 12,
        // n2i = 12) gives yi -0.006993006993007, vi 0.006789191052480 (0.5 added to every cell
        // of a table with a zero cell).
        let (_, rd) = effect_of_data(&counts(EffectMeasure::Rd, 10, 10, 12, 12)).unwrap();
        assert_close(rd.yi, -0.006993006993007);
        assert!((rd.vi - 0.006789191052480).abs() < 1e-14);
        let (_, rr) = effect_of_data(&counts(EffectMeasure::Rr, 10, 10, 11, 12)).unwrap();
        assert!((rr.yi - 0.076082306457440).abs() < 1e-14);
        assert!((rr.vi - 0.014362449145058).abs() < 1e-14);
    }
}
