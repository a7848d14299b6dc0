//! Egger's regression test for funnel-plot asymmetry, as metafor's `regtest(model = "lm")`.

use serde::Serialize;

use crate::synthesis::effects::Effect;
use crate::synthesis::pool::{in_units, power_of_two_near, variance_range};
use crate::synthesis::special::t_two_sided_p;

/// Egger's regression test for funnel-plot asymmetry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EggerTest {
    /// Slope on the standard error (the asymmetry coefficient).
    pub coefficient: f64,
    /// Its standard error.
    pub se: f64,
    /// t statistic with k − 2 df.
    pub t: f64,
    /// Two-sided p.
    pub p: f64,
}

/// Smallest k for which Egger's test is reported (Cochrane Handbook 13.3.5.4).
pub const EGGER_MIN_K: usize = 10;

/// Why Egger's test was not computed for an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EggerNotComputed {
    /// Fewer than [`EGGER_MIN_K`] estimates: the test has too little power to mean anything.
    TooFewStudies,
    /// Every estimate has the same standard error: there is no slope to fit.
    SameStandardErrors,
    /// Every estimate is the same: the fit is exact and its slope is 0/0.
    SameEstimates,
    /// The estimates are so large beside their standard errors that the coefficient does not
    /// fit in a double (z-scores beyond 10³⁰⁸).
    OutOfRange,
}

impl EggerNotComputed {
    /// The reason, as a report states it.
    pub fn reason(self) -> String {
        match self {
            EggerNotComputed::TooFewStudies => {
                format!("not meaningful with k < {EGGER_MIN_K}")
            }
            EggerNotComputed::SameStandardErrors => {
                "not computed: every study has the same standard error".to_string()
            }
            EggerNotComputed::SameEstimates => {
                "not computed: every study has the same estimate".to_string()
            }
            EggerNotComputed::OutOfRange => {
                "not computed: the estimates are too large beside their standard errors for \
                 double precision"
                    .to_string()
            }
        }
    }
}

/// Relative spread below which standard errors or estimates count as all the same: beyond
/// it the regression's sums are rounding, and its t and p would be noise (identical estimates
/// gave t = 2.8, p = 0.02 before this check).
const EGGER_SAME: f64 = 1e-9;

/// Egger's test as metafor's `regtest(x, model = "lm")`: weighted least squares of yi on √vi
/// with weights 1/vi; t-test of the √vi coefficient. Sums are taken around the weighted means,
/// so they do not cancel. Not computed below [`EGGER_MIN_K`] estimates, or when the standard
/// errors or the estimates are all the same (to `EGGER_SAME`).
///
/// The regression runs on the estimates divided by a power of two near the largest |yi| and
/// the standard errors by one near the largest: t and p do not change, the coefficient and its
/// standard error scale back exactly, and no square under- or overflows (estimates of 10⁻¹⁶⁷
/// with standard errors of 10⁻⁹ squared their residuals to 0 and gave t = inf).
pub fn egger(effects: &[Effect]) -> Result<EggerTest, EggerNotComputed> {
    let k = effects.len();
    if k < EGGER_MIN_K {
        return Err(EggerNotComputed::TooFewStudies);
    }
    let y_unit = power_of_two_near(effects.iter().map(|e| e.yi.abs()).fold(0.0, f64::max));
    let se_unit = power_of_two_near(variance_range(effects).1.sqrt());
    let test = egger_unscaled(&in_units(effects, y_unit, se_unit))?;
    let to_data_units = y_unit / se_unit;
    let (coefficient, se) = (test.coefficient * to_data_units, test.se * to_data_units);
    if !(coefficient.is_finite() && se.is_finite()) {
        return Err(EggerNotComputed::OutOfRange);
    }
    Ok(EggerTest {
        coefficient,
        se,
        ..test
    })
}

/// [`egger`] on data of moderate scale.
fn egger_unscaled(effects: &[Effect]) -> Result<EggerTest, EggerNotComputed> {
    let k = effects.len();
    let (mut sw, mut swx, mut swy) = (0.0, 0.0, 0.0);
    for e in effects {
        let w = 1.0 / e.vi;
        sw += w;
        swx += w * e.vi.sqrt();
        swy += w * e.yi;
    }
    let (mean_x, mean_y) = (swx / sw, swy / sw);
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for e in effects {
        let w = 1.0 / e.vi;
        let (dx, dy) = (e.vi.sqrt() - mean_x, e.yi - mean_y);
        sxx += w * dx * dx;
        sxy += w * dx * dy;
        syy += w * dy * dy;
    }
    if sxx <= (EGGER_SAME * mean_x).powi(2) * sw {
        return Err(EggerNotComputed::SameStandardErrors);
    }
    if syy <= (EGGER_SAME * mean_y).powi(2) * sw {
        return Err(EggerNotComputed::SameEstimates);
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let residual: f64 = effects
        .iter()
        .map(|e| (e.yi - intercept - slope * e.vi.sqrt()).powi(2) / e.vi)
        .sum();
    let sigma2 = residual / (k as f64 - 2.0);
    let se = (sigma2 / sxx).sqrt();
    let t = slope / se;
    Ok(EggerTest {
        coefficient: slope,
        se,
        t,
        p: t_two_sided_p(t, k as f64 - 2.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effects(pairs: &[(f64, f64)]) -> Vec<Effect> {
        pairs.iter().map(|&(yi, vi)| Effect { yi, vi }).collect()
    }

    /// Egger's t and p do not depend on the units of the estimates or of their standard
    /// errors. Estimates of 10⁻¹⁶⁷ with standard errors of 10⁻⁹ (found by the pooling property
    /// test) squared their residuals to 0 and gave t = inf; scaled, they give the t of the
    /// same data in units of 1, and the coefficient in their own units.
    #[test]
    fn egger_does_not_depend_on_the_scale_of_the_data() {
        let unit: Vec<(f64, f64)> = (0..12)
            .map(|i| {
                let i = f64::from(i);
                (0.3 * (i * 1.7).sin() + 0.05 * i, 0.01 + 0.02 * (i % 5.0))
            })
            .collect();
        let reference = egger(&effects(&unit)).unwrap();
        let (y_unit, se_unit) = (1e-167, 1e-9);
        let tiny: Vec<(f64, f64)> = unit
            .iter()
            .map(|&(y, v)| (y * y_unit, v * se_unit * se_unit))
            .collect();
        let test = egger(&effects(&tiny)).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        assert!(close(test.t, reference.t), "{test:?} {reference:?}");
        assert!(close(test.p, reference.p), "{test:?} {reference:?}");
        let to_units = y_unit / se_unit;
        assert!(close(test.coefficient, reference.coefficient * to_units));
        assert!(close(test.se, reference.se * to_units));
        // Estimates of 10³⁰⁰ with standard errors of 10⁻¹⁵⁰: a coefficient near 10⁴⁵⁰.
        let huge: Vec<(f64, f64)> = unit.iter().map(|&(y, v)| (y * 1e300, v * 1e-300)).collect();
        assert_eq!(egger(&effects(&huge)), Err(EggerNotComputed::OutOfRange));
    }

    /// Identical estimates fit exactly: the slope is 0/0 and its t rounding noise (it was
    /// t = 2.81, p = 0.02 on this data, a random data set of the comparison with metafor,
    /// whose own regtest gives t = −0.39 there: noise as well).
    #[test]
    fn egger_is_not_computed_on_identical_estimates() {
        let variances = [
            0.26146543863663135,
            0.19839607859507574,
            0.6290518918648773,
            0.13237200892378154,
            0.6796010607696223,
            2.426639928673333,
            0.5565260773791263,
            4.400883626107068,
            0.7086471908260272,
            0.7266524600381478,
        ];
        let same: Vec<(f64, f64)> = variances
            .iter()
            .map(|v| (-0.20739860507321137, *v))
            .collect();
        assert_eq!(egger(&effects(&same)), Err(EggerNotComputed::SameEstimates));
        // One estimate off by a part in a million is a regression again.
        let mut varied = same.clone();
        varied[0].0 *= 1.000001;
        assert!(egger(&effects(&varied)).is_ok());
    }

    /// Equal standard errors leave nothing to regress on (the sums were 0/0 before).
    #[test]
    fn egger_is_not_computed_on_equal_standard_errors() {
        let pairs: Vec<(f64, f64)> = (0..12).map(|i| (f64::from(i) * 0.1, 0.04)).collect();
        assert_eq!(
            egger(&effects(&pairs)),
            Err(EggerNotComputed::SameStandardErrors)
        );
        assert_eq!(
            egger(&effects(&pairs[..9])),
            Err(EggerNotComputed::TooFewStudies)
        );
    }
}
