//! Special functions for p-values and quantiles: log-gamma, the regularised incomplete gamma
//! and beta functions, and from them the normal, χ² and t distributions.
//!
//! Algorithms: Lanczos log-gamma (g = 7, n = 9; Godfrey's coefficients), series and Lentz
//! continued fractions for the incomplete gamma and beta functions (Numerical Recipes, 3rd ed.,
//! §6.2 and §6.4). Accurate to ~1e-14 relative in the ranges used here, checked against R in
//! the tests.

use std::f64::consts::PI;

const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Regularised lower incomplete gamma P(a, x).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x < a + 1.0 {
        gamma_series(a, x)
    } else {
        1.0 - gamma_continued_fraction(a, x)
    }
}

/// Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the far tail.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 {
        1.0 - gamma_series(a, x)
    } else {
        gamma_continued_fraction(a, x)
    }
}

fn gamma_series(a: f64, x: f64) -> f64 {
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut ap = a;
    for _ in 0..10_000 {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

fn gamma_continued_fraction(a: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x + a * x.ln() - ln_gamma(a)).exp() * h
}

/// Regularised incomplete beta I_x(a, b).
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// Standard normal upper tail P(Z > z), via erfc(x) = Q(½, x²).
pub fn normal_sf(z: f64) -> f64 {
    let half = 0.5 * gamma_q(0.5, z * z / 2.0);
    if z >= 0.0 { half } else { 1.0 - half }
}

/// Two-sided p-value of a z statistic.
pub fn normal_two_sided_p(z: f64) -> f64 {
    gamma_q(0.5, z * z / 2.0)
}

/// z with upper-tail probability `upper` (Φ⁻¹(1 − upper)): Acklam's rational approximation
/// (relative error < 1.2e-9) refined by two Newton steps on [`normal_sf`], which brings it to
/// double precision.
pub fn normal_quantile_upper(upper: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = 1.0 - upper; // lower-tail probability
    let tail = |q: f64| {
        let q = (-2.0 * q.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let mut z = if upper > 0.975 {
        tail(upper.min(p).max(f64::MIN_POSITIVE))
    } else if upper < 0.025 {
        -tail(upper)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    for _ in 0..2 {
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if density <= 0.0 {
            break;
        }
        z += (normal_sf(z) - upper) / density;
    }
    z
}

/// Upper tail of χ² with `df` degrees of freedom.
pub fn chi_squared_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    beta_inc(df / 2.0, 0.5, df / (df + t * t))
}

/// The t quantile with upper tail `upper` (e.g. 0.025 for a 95% interval), by bisection on
/// the two-sided p (monotone in t), to full double precision.
pub fn t_quantile_upper(upper: f64, df: f64) -> f64 {
    let target = 2.0 * upper;
    let (mut low, mut high) = (0.0f64, 1.0f64);
    while t_two_sided_p(high, df) > target {
        high *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if t_two_sided_p(mid, df) > target {
            low = mid;
        } else {
            high = mid;
        }
        if high - low <= f64::EPSILON * high {
            break;
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance * b.abs()
    }

    #[test]
    fn distributions_match_r() {
        // Expected values: R 4.2.2, printed with sprintf("%.17g", ...); the call is beside each.
        let cases: &[(&str, f64, f64)] = &[
            ("lgamma(0.5)", ln_gamma(0.5), 0.572_364_942_924_700_1),
            ("lgamma(10)", ln_gamma(10.0), 12.801_827_480_081_469),
            (
                "2*pnorm(-qnorm(0.975))",
                normal_two_sided_p(1.959_963_984_540_054),
                0.050_000_000_000_000_065,
            ),
            (
                "pnorm(3, lower.tail=FALSE)",
                normal_sf(3.0),
                0.001_349_898_031_630_094_6,
            ),
            (
                "pchisq(152.233008082373, 12, lower.tail=FALSE)",
                chi_squared_sf(152.233_008_082_373, 12.0),
                1.996_764_590_846_238e-26,
            ),
            (
                "pchisq(0.5, 7, lower.tail=FALSE)",
                chi_squared_sf(0.5, 7.0),
                0.999_446_481_390_425_1,
            ),
            (
                "2*pt(-2, 5)",
                t_two_sided_p(2.0, 5.0),
                0.101_939_478_829_858_28,
            ),
            (
                "2*pt(-40, 3)",
                t_two_sided_p(40.0, 3.0),
                3.438_068_078_915_854e-5,
            ),
            (
                "qt(0.975, 12)",
                t_quantile_upper(0.025, 12.0),
                2.178_812_829_667_228_4,
            ),
            (
                "qt(0.975, 1)",
                t_quantile_upper(0.025, 1.0),
                12.706_204_736_174_694,
            ),
        ];
        for (call, ours, r) in cases {
            assert!(close(*ours, *r, 1e-12), "{call}: {ours} vs R {r}");
        }
    }
}
