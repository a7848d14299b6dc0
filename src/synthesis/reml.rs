//! The REML estimate of τ² (restricted maximum likelihood), as metafor's
//! `rma.uni(method = "REML")`: Fisher scoring ascents of the restricted likelihood from the
//! DerSimonian–Laird estimate, from 0 and from the highest maxima on a grid, the highest
//! maximum reached taken.

use crate::synthesis::effects::Effect;
use crate::synthesis::pool::{
    tau2_dl, typical_within_variance, variance_range, weighted_mean_each,
};

/// Convergence limit of REML: the iteration stops when a step changes τ² by less than this
/// fraction of τ² + s² (s² the typical within-study variance), so the limit scales with the
/// data: an absolute limit never stops on effects of size 10³ (τ² ~ 10⁶, whose last digits are
/// rounding) and stops at once on effects of size 10⁻³.
pub const REML_TOLERANCE: f64 = 1e-10;
/// Iteration cap of REML; past it the result says it did not converge.
pub const REML_MAX_ITERATIONS: u32 = 1_000;
/// Step halvings tried before a step that does not raise the likelihood ends the iteration.
const REML_MAX_HALVINGS: u32 = 60;

/// REML by Fisher scoring, as metafor's `rma.uni`: from the DL estimate, τ² moves by
/// (yᵀPPy − tr P) / tr(PP) (P the residual projection under weights 1/(vᵢ + τ²)), cut so τ²
/// stays ≥ 0, and halved until the restricted likelihood does not fall, to a change below
/// [`REML_TOLERANCE`] × (τ² + s²). A step that cannot raise the likelihood at all (it is
/// flat to rounding there) is a maximum as well. Returns (τ², iterations, converged).
///
/// The restricted likelihood can have more than one maximum (at 0 and inside, or two inside
/// when the within-study variances are far apart), so scoring starts from 0, from the DL
/// estimate and from the highest local maxima of the likelihood on a log grid of τ²
/// (`reml_grid_starts`); the highest maximum reached is the estimate. Iterations are summed
/// over the ascents.
///
/// The earlier fixed-point iteration τ² ← Σw²((y−μ)² − v)/Σw² + 1/Σw crept: with one
/// very precise study it moved τ² by 10⁻¹² per step and stopped at 0 where the maximum is
/// 0.048, and on a flat likelihood it stopped at 65.5 where the maximum is 0 (metafor agrees
/// with the scoring, `tests/oracle/reml_hard.R`). Ascents from 0 and DL alone found the lower
/// of two inner maxima on one of 1,000 random data sets (`tests/oracle/differential.py`).
pub fn tau2_reml(effects: &[Effect]) -> (f64, u32, bool) {
    let scale = typical_within_variance(effects);
    let mut starts = vec![tau2_dl(effects), 0.0];
    starts.extend(reml_grid_starts(effects));
    let mut iterations = 0;
    let mut best: Option<Ascent> = None;
    for start in starts {
        let ascent = reml_ascent(effects, start, scale);
        iterations += ascent.iterations;
        if best
            .as_ref()
            .is_none_or(|best| ascent.likelihood > best.likelihood)
        {
            best = Some(ascent);
        }
    }
    best.map_or((0.0, iterations, false), |best| {
        (best.tau2, iterations, best.converged)
    })
}

/// Grid points per decade of τ² searched for maxima of the restricted likelihood.
const REML_GRID_PER_DECADE: f64 = 2.0;
/// Most grid points (past it the grid is coarser).
const REML_GRID_POINTS: usize = 48;
/// Most grid maxima that scoring starts from, highest first.
const REML_GRID_STARTS: usize = 2;

/// τ² at the local maxima of the restricted likelihood on a log grid from a hundredth of the
/// smallest within-study variance to ten times the larger of the largest and the spread of
/// the estimates, two points a decade: the highest [`REML_GRID_STARTS`] of them.
fn reml_grid_starts(effects: &[Effect]) -> Vec<f64> {
    let k = effects.len() as f64;
    let mean = effects.iter().map(|e| e.yi).sum::<f64>() / k;
    let spread = effects.iter().map(|e| (e.yi - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let (smallest, largest) = variance_range(effects);
    let (low, high) = (smallest / 100.0, 10.0 * largest.max(spread));
    if !(low > 0.0 && high > low && high.is_finite()) {
        return Vec::new();
    }
    let decades = (high / low).log10();
    let points = ((decades * REML_GRID_PER_DECADE).ceil() as usize).clamp(2, REML_GRID_POINTS);
    let mut spare = Vec::with_capacity(effects.len());
    let grid: Vec<(f64, f64)> = (0..points)
        .map(|i| {
            let tau2 = low * 10f64.powf(decades * i as f64 / (points - 1) as f64);
            (tau2, reml_log_likelihood(effects, tau2, &mut spare))
        })
        .collect();
    let not_below = |i: usize, neighbour: Option<&(f64, f64)>| {
        neighbour.is_none_or(|&(_, likelihood)| grid[i].1 >= likelihood)
    };
    let mut maxima: Vec<(f64, f64)> = (0..points)
        .filter(|&i| {
            not_below(i, i.checked_sub(1).map(|j| &grid[j])) && not_below(i, grid.get(i + 1))
        })
        .map(|i| grid[i])
        .collect();
    maxima.sort_by(|a, b| b.1.total_cmp(&a.1));
    maxima
        .into_iter()
        .take(REML_GRID_STARTS)
        .map(|(tau2, _)| tau2)
        .collect()
}

/// Where Fisher scoring from one start ended.
struct Ascent {
    tau2: f64,
    likelihood: f64,
    iterations: u32,
    converged: bool,
}

/// Fisher scoring for REML from `tau2` (see [`tau2_reml`]); `scale` is s².
fn reml_ascent(effects: &[Effect], mut tau2: f64, scale: f64) -> Ascent {
    let mut at = reml_at(effects, tau2, Vec::with_capacity(effects.len()));
    // The weights of the τ² tried last and not taken, whose room the next try reuses.
    let mut spare = Vec::with_capacity(effects.len());
    // Scoring steps are halved for good each time they change direction: the last step
    // crossed the maximum. Where the expected information is half the observed one, a full
    // step lands on the mirror point of equal likelihood, and the ascent swung between the
    // two sides for 1,000 steps without converging (a leave-one-out fit of the random
    // comparison with metafor).
    let (mut damping, mut last_step) = (1.0, 0.0);
    for iteration in 1..=REML_MAX_ITERATIONS {
        let scoring = fisher_scoring_step(effects, &at);
        if scoring * last_step < 0.0 {
            damping /= 2.0;
        }
        let mut step = (damping * scoring).max(-tau2);
        let mut accepted = None;
        for _ in 0..=REML_MAX_HALVINGS {
            let next = (tau2 + step).max(0.0);
            let next_at = reml_at(effects, next, std::mem::take(&mut spare));
            if next_at.likelihood >= at.likelihood {
                accepted = Some((next, next_at));
                break;
            }
            spare = next_at.weights;
            step /= 2.0;
        }
        let Some((next, next_at)) = accepted else {
            return Ascent {
                tau2,
                likelihood: at.likelihood,
                iterations: iteration,
                converged: true,
            };
        };
        // Converged when the full scoring step, not the damped one, is below the limit (it is
        // the distance to the maximum, up to the factor damping corrects), or at 0 with the
        // maximum at or below it.
        let at_zero = next == 0.0 && scoring <= 0.0;
        let remaining = (next - tau2).abs() / damping;
        last_step = next - tau2;
        tau2 = next;
        spare = std::mem::replace(&mut at, next_at).weights;
        if at_zero || remaining <= REML_TOLERANCE * (tau2 + scale) {
            return Ascent {
                tau2,
                likelihood: at.likelihood,
                iterations: iteration,
                converged: true,
            };
        }
    }
    Ascent {
        tau2,
        likelihood: at.likelihood,
        iterations: REML_MAX_ITERATIONS,
        converged: false,
    }
}

/// The restricted log-likelihood of the random-effects model at `tau2`, up to a constant:
/// −½ (Σ ln(vᵢ + τ²) + ln Σwᵢ + Σ wᵢ(yᵢ − μ̂)²). `spare` is room for the weights.
fn reml_log_likelihood(effects: &[Effect], tau2: f64, spare: &mut Vec<f64>) -> f64 {
    let at = reml_at(effects, tau2, std::mem::take(spare));
    *spare = at.weights;
    at.likelihood
}

/// The restricted log-likelihood at a τ² with what it was computed from and the scoring step
/// at that τ² needs as well: the weighted mean, the sum of the weights and the weights
/// themselves. An ascent divides once per estimate and τ², not four times (twice here, twice
/// in the step).
struct RemlAt {
    likelihood: f64,
    mu: f64,
    sw: f64,
    /// wᵢ = 1/(vᵢ + τ²), in the order of the estimates.
    weights: Vec<f64>,
}

/// [`reml_log_likelihood`] at `tau2`, with its weighted mean, sum of weights and weights
/// (written into `weights`' room), all from the pass of [`weighted_mean_each`].
fn reml_at(effects: &[Effect], tau2: f64, mut weights: Vec<f64>) -> RemlAt {
    weights.clear();
    let mut log_variances = LogSum::default();
    let (mu, sw) = weighted_mean_each(effects, tau2, |variance, w| {
        log_variances.add(variance);
        weights.push(w);
    });
    let residuals: f64 = effects
        .iter()
        .zip(&weights)
        .map(|(e, w)| w * (e.yi - mu).powi(2))
        .sum();
    RemlAt {
        likelihood: -0.5 * (log_variances.total() + sw.ln() + residuals),
        mu,
        sw,
        weights,
    }
}

/// Terms multiplied before one logarithm is taken in [`LogSum`]: their mantissas, each in
/// [1, 2), multiply to below 2¹⁶, exactly representable in range, with a relative rounding
/// error of at most 16 units in the last place (ln error below 2·10⁻¹⁵ a group).
const LOG_GROUP: u32 = 16;

/// Σ ln xᵢ over positive xᵢ with one logarithm per [`LOG_GROUP`] terms: each term is split
/// into its binary exponent, summed as an integer, and its mantissa in [1, 2), multiplied
/// into the group's product; Σ ln xᵢ = ln 2 · Σ eᵢ + Σ ln(Π mᵢ). The logarithm was half of
/// REML's time (a million findings: a fifth of the report's meta-analysis side). Zero,
/// subnormal, infinite and NaN terms take their own logarithm.
#[derive(Debug, Clone, Copy)]
struct LogSum {
    exponents: i64,
    product: f64,
    in_product: u32,
    logs: f64,
}

impl Default for LogSum {
    fn default() -> LogSum {
        LogSum {
            exponents: 0,
            product: 1.0,
            in_product: 0,
            logs: 0.0,
        }
    }
}

impl LogSum {
    const MANTISSA: u64 = (1 << 52) - 1;
    const EXPONENT_OF_ONE: u64 = 1023 << 52;

    /// Adds ln `x`.
    fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let biased_exponent = bits >> 52;
        // Positive normal numbers only (a sign bit set makes this 0x800 or more).
        if !(1..0x7FF).contains(&biased_exponent) {
            self.logs += x.ln();
            return;
        }
        self.exponents += biased_exponent as i64 - 1023;
        self.product *= f64::from_bits((bits & Self::MANTISSA) | Self::EXPONENT_OF_ONE);
        self.in_product += 1;
        if self.in_product == LOG_GROUP {
            self.logs += self.product.ln();
            self.product = 1.0;
            self.in_product = 0;
        }
    }

    /// Σ ln xᵢ of the terms added.
    fn total(self) -> f64 {
        self.logs + self.product.ln() + self.exponents as f64 * std::f64::consts::LN_2
    }
}

/// The REML Fisher scoring step at `tau2`: (yᵀPPy − tr P) / tr(PP), where for weights w,
/// their sum S and the weighted mean μ̂: Py = w(y − μ̂), P = diag(w) − wwᵀ/S, so
/// Pᵢᵢ = wᵢ·oᵢ/S with oᵢ = Σ_{j≠i} wⱼ and Pᵢⱼ = −wᵢwⱼ/S; tr P = Σ Pᵢᵢ and
/// tr(PP) = Σ Pᵢᵢ² + Σᵢ wᵢ²·Σ_{j≠i} wⱼ² / S². Summed this way, every term is positive: the
/// textbook Σw² − 2Σw³/S + (Σw²/S)² cancels to noise when one weight is 10⁶ times the others.
/// `at` holds μ̂, S and the weights at the τ² of the step (from the likelihood there).
fn fisher_scoring_step(effects: &[Effect], at: &RemlAt) -> f64 {
    let (mu, sw) = (at.mu, at.sw);
    // after[i]: the sums of the weights and of their squares after the i-th, summed from the
    // end (`pool::sums_of_others`, for both at once and without a vector per sum: this runs
    // every step).
    let mut after = vec![(0.0, 0.0); effects.len() + 1];
    for (i, &w) in at.weights.iter().enumerate().rev() {
        after[i] = (after[i + 1].0 + w, after[i + 1].1 + w * w);
    }
    let (mut before, mut before_squares) = (0.0, 0.0);
    let (mut ypy, mut trace_p, mut trace_pp) = (0.0, 0.0, 0.0);
    for ((e, &w), (after_w, after_squares)) in effects.iter().zip(&at.weights).zip(&after[1..]) {
        let (others, other_squares) = (before + after_w, before_squares + after_squares);
        let diagonal = w * others / sw;
        ypy += (w * (e.yi - mu)).powi(2);
        trace_p += diagonal;
        trace_pp += diagonal * diagonal + w * w * other_squares / (sw * sw);
        before += w;
        before_squares += w * w;
    }
    if trace_pp > 0.0 {
        (ypy - trace_p) / trace_pp
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthesis::pool::weighted_mean;
    use proptest::prelude::*;

    /// The logarithms summed by exponent and grouped mantissas equal the sum of each term's
    /// logarithm (std's `ln`, the oracle), for terms from subnormal to near the largest
    /// double, in groups that end at every place, and for the terms that take their own
    /// logarithm (0, subnormal, ∞, NaN).
    #[test]
    fn sums_of_logarithms_are_the_sums_of_each_logarithm() {
        let terms: Vec<f64> = (0..100)
            .map(|i| {
                let mantissa = 1.0 + f64::from(i * 37 % 100) / 100.0;
                mantissa * 2f64.powi(i * 41 % 2000 - 1000)
            })
            .chain([f64::MIN_POSITIVE, 1.0, 2.0, f64::MAX, 5e-324, 1e-310])
            .collect();
        for length in 0..terms.len() {
            let mut sum = LogSum::default();
            let mut oracle = 0.0;
            for &x in &terms[..length] {
                sum.add(x);
                oracle += x.ln();
            }
            let total = sum.total();
            let scale = terms[..length].iter().map(|x| x.ln().abs()).sum::<f64>();
            assert!(
                (total - oracle).abs() <= 1e-14 * scale.max(1.0),
                "{length} terms: {total} against {oracle}"
            );
        }
        let special = |x: f64| {
            let mut sum = LogSum::default();
            sum.add(2.0);
            sum.add(x);
            sum.total()
        };
        assert_eq!(special(0.0), f64::NEG_INFINITY);
        assert_eq!(special(f64::INFINITY), f64::INFINITY);
        assert!(special(f64::NAN).is_nan());
        assert!(special(-1.0).is_nan());
        let subnormal = special(5e-324);
        assert!((subnormal - (2f64.ln() + 5e-324f64.ln())).abs() < 1e-12);
    }

    /// The restricted likelihood, summed as [`reml_at`] sums it, is the textbook sum
    /// −½ (Σ ln(vᵢ + τ²) + ln Σwᵢ + Σ (yᵢ − μ̂)²/(vᵢ + τ²)) to rounding, and its weights and
    /// their sums are [`weighted_mean`]'s.
    #[test]
    fn the_restricted_likelihood_is_the_textbook_sum() {
        let effects: Vec<Effect> = (0..1000)
            .map(|i| {
                let i = f64::from(i);
                Effect {
                    yi: (i * 0.37).sin() * 3.0,
                    vi: 0.01 + (i * 0.11).cos().powi(2) * 4.0,
                }
            })
            .collect();
        for tau2 in [0.0, 1e-6, 0.3, 7.0, 1e4] {
            let (mu, sw) = weighted_mean(&effects, tau2);
            let textbook = -0.5
                * (effects.iter().map(|e| (e.vi + tau2).ln()).sum::<f64>()
                    + sw.ln()
                    + effects
                        .iter()
                        .map(|e| (e.yi - mu).powi(2) / (e.vi + tau2))
                        .sum::<f64>());
            let at = reml_at(&effects, tau2, Vec::new());
            assert_eq!((at.mu, at.sw), (mu, sw));
            assert_eq!(at.weights.len(), effects.len());
            assert!(
                (at.likelihood - textbook).abs() <= 1e-12 * textbook.abs(),
                "τ² {tau2}: {} against {textbook}",
                at.likelihood
            );
        }
    }

    proptest! {
        /// REML's τ² is the highest point of the restricted likelihood: no τ² on a fine grid
        /// over 0 and 10⁻⁸ s² to 10⁴ s² (s² the typical within-study variance), nor the DL
        /// estimate, lies higher (beyond rounding). The oracle is the likelihood itself.
        /// Standard errors are up to 10³-fold apart within a data set, where the likelihood
        /// can have two inner maxima.
        #[test]
        fn reml_maximises_the_restricted_likelihood(
            effects in prop::collection::vec((-1.0f64..1.0, 0.03f64..1.0, 0u8..4), 2..12),
            exponent in -3i32..4,
            spread in 0.0f64..30.0,
        ) {
            let scale = 10f64.powi(exponent);
            let effects: Vec<Effect> = effects
                .iter()
                .map(|(y, v, precise)| {
                    let se = v * scale / 10f64.powi(i32::from(*precise));
                    Effect { yi: y * spread * scale, vi: se * se }
                })
                .collect();
            let (tau2, _, converged) = tau2_reml(&effects);
            prop_assert!(converged);
            let best = reml_log_likelihood(&effects, tau2, &mut Vec::new());
            let s2 = typical_within_variance(&effects);
            let grid = std::iter::once(0.0)
                .chain(std::iter::once(tau2_dl(&effects)))
                .chain((-80..=40).map(|i| s2 * 10f64.powf(f64::from(i) / 10.0)));
            for other in grid {
                let likelihood = reml_log_likelihood(&effects, other, &mut Vec::new());
                prop_assert!(
                    likelihood <= best + 1e-9 * best.abs().max(1.0),
                    "τ² {other} has log-likelihood {likelihood} above {best} at τ² {tau2}"
                );
            }
        }
    }
}
