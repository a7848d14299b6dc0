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

/// Convergence limit and iteration cap of the REML fixed-point iteration.
pub const REML_TOLERANCE: f64 = 1e-10;
/// Iteration cap of REML; past it the result says it did not converge.
pub const REML_MAX_ITERATIONS: u32 = 10_000;

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

fn weighted_mean(effects: &[Effect], tau2: f64) -> (f64, f64) {
    let (mut sw, mut swy) = (0.0, 0.0);
    for e in effects {
        let w = 1.0 / (e.vi + tau2);
        sw += w;
        swy += w * e.yi;
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

/// REML by the fixed-point iteration τ² ← Σw²((y−μ)² − v)/Σw² + 1/Σw (Viechtbauer 2005,
/// eq. 12), truncated at 0, from the DL estimate, to |Δτ²| < 1e-10. Returns (τ², iterations,
/// converged).
pub fn tau2_reml(effects: &[Effect]) -> (f64, u32, bool) {
    let mut tau2 = tau2_dl(effects);
    for iteration in 1..=REML_MAX_ITERATIONS {
        let (mu, sw) = weighted_mean(effects, tau2);
        let (mut numerator, mut sw2) = (0.0, 0.0);
        for e in effects {
            let w = 1.0 / (e.vi + tau2);
            numerator += w * w * ((e.yi - mu).powi(2) - e.vi);
            sw2 += w * w;
        }
        let next = (numerator / sw2 + 1.0 / sw).max(0.0);
        if (next - tau2).abs() < REML_TOLERANCE {
            return (next, iteration, true);
        }
        tau2 = next;
    }
    (tau2, REML_MAX_ITERATIONS, false)
}

/// Pools `effects` (k ≥ 2).
pub fn pool(effects: &[Effect], options: PoolOptions) -> Pooled {
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
    let fe_w: Vec<f64> = effects.iter().map(|e| 1.0 / e.vi).collect();
    let sum_w: f64 = fe_w.iter().sum();
    let sum_w2: f64 = fe_w.iter().map(|w| w * w).sum();
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
        let s2 = df * sum_w / (sum_w * sum_w - sum_w2);
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

/// Egger's test as metafor's `regtest(x, model = "lm")`: weighted least squares of yi on √vi
/// with weights 1/vi; t-test of the √vi coefficient. `None` below [`EGGER_MIN_K`].
pub fn egger(effects: &[Effect]) -> Option<EggerTest> {
    let k = effects.len();
    if k < EGGER_MIN_K {
        return None;
    }
    let (mut s0, mut s1, mut s2, mut sy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for e in effects {
        let (w, x) = (1.0 / e.vi, e.vi.sqrt());
        s0 += w;
        s1 += w * x;
        s2 += w * x * x;
        sy += w * e.yi;
        sxy += w * x * e.yi;
    }
    let det = s0 * s2 - s1 * s1;
    let slope = (s0 * sxy - s1 * sy) / det;
    let intercept = (s2 * sy - s1 * sxy) / det;
    let residual: f64 = effects
        .iter()
        .map(|e| (e.yi - intercept - slope * e.vi.sqrt()).powi(2) / e.vi)
        .sum();
    let sigma2 = residual / (k as f64 - 2.0);
    let se = (sigma2 * s0 / det).sqrt();
    let t = slope / se;
    Some(EggerTest {
        coefficient: slope,
        se,
        t,
        p: t_two_sided_p(t, k as f64 - 2.0),
    })
}
