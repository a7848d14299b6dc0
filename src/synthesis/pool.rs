//! Pooling effect sizes: inverse-variance fixed effect; random effects with DerSimonian–Laird
//! or REML τ²; Q, I², H²; Hartung–Knapp–Sidik–Jonkman; prediction interval; leave-one-out;
//! Egger's regression test. Definitions follow metafor's `rma.uni` (Viechtbauer, J Stat Softw
//! 2010;36(3)) so results agree with it; see tests/oracle/metafor.R.

use serde::Serialize;

use crate::synthesis::effects::Effect;
use crate::synthesis::special::{
    chi_squared_sf, normal_two_sided_p, t_quantile_upper, t_two_sided_p,
};
use crate::synthesis::votes::Z_95;

/// The between-study variance estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tau2Method {
    /// No heterogeneity (fixed/common effect).
    FixedEffect,
    /// DerSimonian & Laird 1986 moment estimator.
    DerSimonianLaird,
    /// Restricted maximum likelihood (Viechtbauer 2005), the default.
    Reml,
}

/// How to pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PoolOptions {
    /// τ² estimator.
    pub method: Tau2Method,
    /// Hartung–Knapp–Sidik–Jonkman standard error with t(k−1) intervals.
    pub hksj: bool,
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions {
            method: Tau2Method::Reml,
            hksj: false,
        }
    }
}

/// Convergence limit of REML: the iteration stops when a step changes τ² by less than this
/// fraction of τ² + s² (s² the typical within-study variance), so the limit scales with the
/// data: an absolute limit never stops on effects of size 10³ (τ² ~ 10⁶, whose last digits are
/// rounding) and stops at once on effects of size 10⁻³.
pub const REML_TOLERANCE: f64 = 1e-10;
/// Iteration cap of REML; past it the result says it did not converge.
pub const REML_MAX_ITERATIONS: u32 = 1_000;
/// Step halvings tried before a step that does not raise the likelihood ends the iteration.
const REML_MAX_HALVINGS: u32 = 60;

/// A pooled estimate with its heterogeneity statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    /// How it was pooled.
    pub options: PoolOptions,
    /// Number of estimates.
    pub k: usize,
    /// Pooled estimate (log scale for ratios).
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower 95% limit.
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
    /// z (or t with HKSJ) statistic.
    pub statistic: f64,
    /// Its two-sided p-value.
    pub p: f64,
    /// Between-study variance.
    pub tau2: f64,
    /// I² in percent.
    pub i2: f64,
    /// H².
    pub h2: f64,
    /// Cochran's Q.
    pub q: f64,
    /// p of Q against χ²(k−1).
    pub q_p: f64,
    /// Lower 95% prediction limit.
    pub pi_low: f64,
    /// Upper 95% prediction limit.
    pub pi_high: f64,
    /// Each estimate's weight in percent (in `tables/effect-sizes.csv`, not in `summary.json`).
    #[serde(skip)]
    pub weights: Vec<f64>,
    /// False if REML hit its iteration cap (the estimate is then not to be trusted).
    pub converged: bool,
    /// REML iterations used (0 otherwise).
    pub iterations: u32,
}

impl Pooled {
    /// True if every number of the result is finite (false when the estimates are too far
    /// apart for double precision, such as ±10³⁰⁰).
    pub fn is_finite(&self) -> bool {
        [
            self.estimate,
            self.se,
            self.ci_low,
            self.ci_high,
            self.statistic,
            self.p,
            self.tau2,
            self.i2,
            self.h2,
            self.q,
            self.q_p,
            self.pi_low,
            self.pi_high,
        ]
        .iter()
        .chain(&self.weights)
        .all(|x| x.is_finite())
    }
}

/// The inverse-variance weighted mean of the estimates under weights 1/(vᵢ + τ²), and the sum
/// of the weights.
fn weighted_mean(effects: &[Effect], tau2: f64) -> (f64, f64) {
    weighted_mean_each(effects, tau2, |_, _| {})
}

/// [`weighted_mean`], handing each estimate's variance vᵢ + τ² and weight to `each` as it
/// goes (REML's likelihood sums their logarithms and keeps the weights in the same pass).
#[inline(always)]
fn weighted_mean_each(effects: &[Effect], tau2: f64, mut each: impl FnMut(f64, f64)) -> (f64, f64) {
    let (mut sw, mut swy) = (0.0, 0.0);
    for e in effects {
        let variance = e.vi + tau2;
        let w = 1.0 / variance;
        sw += w;
        swy += w * e.yi;
        each(variance, w);
    }
    (swy / sw, sw)
}

/// Cochran's Q with fixed-effect weights.
fn cochran_q(effects: &[Effect]) -> f64 {
    let (mu, _) = weighted_mean(effects, 0.0);
    effects.iter().map(|e| (e.yi - mu).powi(2) / e.vi).sum()
}

/// DerSimonian–Laird: τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)).
pub fn tau2_dl(effects: &[Effect]) -> f64 {
    let k = effects.len() as f64;
    let sw: f64 = effects.iter().map(|e| 1.0 / e.vi).sum();
    let sw2: f64 = effects.iter().map(|e| 1.0 / (e.vi * e.vi)).sum();
    ((cochran_q(effects) - (k - 1.0)) / (sw - sw2 / sw)).max(0.0)
}

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
    // end ([`sums_of_others`], for both at once and without a vector per sum: this runs
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

/// For each value, the sum of all the others, summed from both ends rather than as the total
/// minus the value (which is 0 or noise for a value that dominates the total).
fn sums_of_others(values: &[f64]) -> Vec<f64> {
    // after[i]: the sum of the values after the i-th.
    let mut after = vec![0.0; values.len() + 1];
    for (i, v) in values.iter().enumerate().rev() {
        after[i] = after[i + 1] + v;
    }
    let mut before = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let others = before + after[i + 1];
            before += v;
            others
        })
        .collect()
}

/// The typical within-study variance s² = (k − 1)Σw / ((Σw)² − Σw²), w = 1/vᵢ (Higgins &
/// Thompson 2002; metafor's I² and H²). The denominator is summed as Σᵢ wᵢ · Σ_{j≠i} wⱼ, so
/// one study far more precise than the rest does not cancel it to 0.
fn typical_within_variance(effects: &[Effect]) -> f64 {
    let df = effects.len() as f64 - 1.0;
    let weights: Vec<f64> = effects.iter().map(|e| 1.0 / e.vi).collect();
    let cross: f64 = weights
        .iter()
        .zip(sums_of_others(&weights))
        .map(|(w, others)| w * others)
        .sum();
    df * weights.iter().sum::<f64>() / cross
}

/// A power of two near the magnitude `x`, by which data of that size are divided to bring them
/// near 1 (exactly: only the exponent changes); 1 for 0, subnormal and non-finite `x`.
fn power_of_two_near(x: f64) -> f64 {
    if x.is_normal() {
        2f64.powi((x.log2().round() as i32).clamp(f64::MIN_EXP - 1, f64::MAX_EXP - 1))
    } else {
        1.0
    }
}

/// `effects` with the estimates divided by `y_unit` and the standard errors by `se_unit`
/// (powers of two from [`power_of_two_near`], so exactly).
fn in_units(effects: &[Effect], y_unit: f64, se_unit: f64) -> Vec<Effect> {
    effects
        .iter()
        .map(|e| Effect {
            yi: e.yi / y_unit,
            vi: e.vi / se_unit / se_unit,
        })
        .collect()
}

/// The smallest and the largest sampling variance.
fn variance_range(effects: &[Effect]) -> (f64, f64) {
    effects.iter().fold((f64::INFINITY, 0.0), |(low, high), e| {
        (low.min(e.vi), high.max(e.vi))
    })
}

/// Largest ratio of the largest to the smallest sampling variance that is pooled (standard
/// errors a million-fold apart): beyond it one study is the whole estimate, and the sums the
/// estimators are made of lose every digit of the others.
pub const MAX_VARIANCE_RATIO: f64 = 1e12;

/// Why `effects` cannot be pooled in double precision, if they cannot: variances more than
/// [`MAX_VARIANCE_RATIO`] apart (in practice a standard error entered as a variance, or a
/// typing error).
pub fn check_poolable(effects: &[Effect]) -> Result<(), String> {
    let (smallest, largest) = variance_range(effects);
    if largest > smallest * MAX_VARIANCE_RATIO {
        return Err(format!(
            "the variances range from {} to {}, more than {MAX_VARIANCE_RATIO:e} apart: one \
             study would be the whole estimate; check that vi holds variances (squared standard \
             errors)",
            crate::numbers::decimal(smallest, 3),
            crate::numbers::decimal(largest, 3)
        ));
    }
    Ok(())
}

/// Pools `effects` (k ≥ 2). The estimators are computed on the data divided by a power of two
/// near the largest standard error (exact in floating point, and every estimator is
/// equivariant under it), so effects of any size, such as variances of 10⁻¹⁶⁰ whose squared
/// weights would overflow, are pooled as accurately as effects of size 1.
pub fn pool(effects: &[Effect], options: PoolOptions) -> Pooled {
    let scale = power_of_two_near(variance_range(effects).1.sqrt());
    if scale == 1.0 {
        return pool_unscaled(effects, options);
    }
    let pooled = pool_unscaled(&in_units(effects, scale, scale), options);
    Pooled {
        estimate: pooled.estimate * scale,
        se: pooled.se * scale,
        ci_low: pooled.ci_low * scale,
        ci_high: pooled.ci_high * scale,
        tau2: pooled.tau2 * scale * scale,
        pi_low: pooled.pi_low * scale,
        pi_high: pooled.pi_high * scale,
        ..pooled
    }
}

fn pool_unscaled(effects: &[Effect], options: PoolOptions) -> Pooled {
    let k = effects.len();
    let df = k as f64 - 1.0;
    let (tau2, iterations, converged) = match options.method {
        Tau2Method::FixedEffect => (0.0, 0, true),
        Tau2Method::DerSimonianLaird => (tau2_dl(effects), 0, true),
        Tau2Method::Reml => tau2_reml(effects),
    };
    let (estimate, sw) = weighted_mean(effects, tau2);
    let (se, critical, statistic, p) = if options.hksj {
        let q_hk: f64 = effects
            .iter()
            .map(|e| (e.yi - estimate).powi(2) / (e.vi + tau2))
            .sum::<f64>()
            / df;
        let se = (q_hk / sw).sqrt();
        let t = estimate / se;
        (se, t_quantile_upper(0.025, df), t, t_two_sided_p(t, df))
    } else {
        let se = (1.0 / sw).sqrt();
        let z = estimate / se;
        (se, Z_95, z, normal_two_sided_p(z))
    };
    let q = cochran_q(effects);
    // metafor: I² and H² from τ² and the "typical" within-study variance s²; for the fixed
    // effect model, from Q.
    let (i2, h2) = if options.method == Tau2Method::FixedEffect {
        let i2 = if q > 0.0 {
            ((q - df) / q).max(0.0) * 100.0
        } else {
            0.0
        };
        (i2, if df > 0.0 { q / df } else { 1.0 })
    } else {
        let s2 = typical_within_variance(effects);
        (100.0 * tau2 / (tau2 + s2), (tau2 + s2) / s2)
    };
    let pi_half = critical * (se * se + tau2).sqrt();
    let weights = effects.iter().map(|e| 100.0 / (e.vi + tau2) / sw).collect();
    Pooled {
        options,
        k,
        estimate,
        se,
        ci_low: estimate - critical * se,
        ci_high: estimate + critical * se,
        statistic,
        p,
        tau2,
        i2,
        h2,
        q,
        q_p: chi_squared_sf(q, df),
        pi_low: estimate - pi_half,
        pi_high: estimate + pi_half,
        weights,
        converged,
        iterations,
    }
}

/// The pooled result without each estimate in turn (k ≥ 3).
pub fn leave_one_out(effects: &[Effect], options: PoolOptions) -> Vec<Pooled> {
    (0..effects.len())
        .map(|left_out| {
            let rest: Vec<Effect> = effects
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != left_out)
                .map(|(_, e)| *e)
                .collect();
            pool(&rest, options)
        })
        .collect()
}

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
    use proptest::prelude::*;

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
