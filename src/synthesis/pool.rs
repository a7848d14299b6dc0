//! Pooling effect sizes: inverse-variance fixed effect; random effects with DerSimonian–Laird
//! or REML τ² ([`crate::synthesis::reml`]); Q, I², H²; Hartung–Knapp–Sidik–Jonkman; prediction
//! interval; leave-one-out. Definitions follow metafor's `rma.uni` (Viechtbauer, J Stat Softw
//! 2010;36(3)) so results agree with it; see tests/oracle/metafor.R. Egger's test is
//! [`crate::synthesis::egger`].

use serde::Serialize;

use crate::synthesis::effects::Effect;
use crate::synthesis::reml::tau2_reml;
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
pub(super) fn weighted_mean(effects: &[Effect], tau2: f64) -> (f64, f64) {
    weighted_mean_each(effects, tau2, |_, _| {})
}

/// [`weighted_mean`], handing each estimate's variance vᵢ + τ² and weight to `each` as it
/// goes (REML's likelihood sums their logarithms and keeps the weights in the same pass).
#[inline(always)]
pub(super) fn weighted_mean_each(
    effects: &[Effect],
    tau2: f64,
    mut each: impl FnMut(f64, f64),
) -> (f64, f64) {
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
pub(super) fn typical_within_variance(effects: &[Effect]) -> f64 {
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
pub(super) fn power_of_two_near(x: f64) -> f64 {
    if x.is_normal() {
        2f64.powi((x.log2().round() as i32).clamp(f64::MIN_EXP - 1, f64::MAX_EXP - 1))
    } else {
        1.0
    }
}

/// `effects` with the estimates divided by `y_unit` and the standard errors by `se_unit`
/// (powers of two from [`power_of_two_near`], so exactly).
pub(super) fn in_units(effects: &[Effect], y_unit: f64, se_unit: f64) -> Vec<Effect> {
    effects
        .iter()
        .map(|e| Effect {
            yi: e.yi / y_unit,
            vi: e.vi / se_unit / se_unit,
        })
        .collect()
}

/// The smallest and the largest sampling variance.
pub(super) fn variance_range(effects: &[Effect]) -> (f64, f64) {
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
