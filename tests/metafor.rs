//! Agreement with R metafor on its own example data: effect sizes (escalc), fixed and random
//! effects (FE, DL, REML, REML + Knapp–Hartung), heterogeneity, prediction intervals, weights
//! and Egger's test. Expected values: tests/oracle/metafor.out, written by
//! tests/oracle/metafor.R (metafor 3.8-1, R 4.2.2) from the fixture topics under
//! tests/fixtures/topics/.

use std::collections::BTreeMap;
use std::path::Path;

use evsynth::model::EffectMeasure;
use evsynth::registry::{self, TopicLocation};
use evsynth::synthesis::effects::{Effect, NoEffect, effect_of};
use evsynth::synthesis::pool::{PoolOptions, Pooled, Tau2Method, egger, pool};

/// dataset|measure|model|key → value.
fn oracle() -> BTreeMap<(String, String, String, String), f64> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracle/metafor.out"
    ))
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.ends_with("|NA"))
        .map(|line| {
            let parts: Vec<&str> = line.split('|').collect();
            assert_eq!(parts.len(), 5, "{line}");
            (
                (
                    parts[0].into(),
                    parts[1].into(),
                    parts[2].into(),
                    parts[3].into(),
                ),
                parts[4].parse().unwrap(),
            )
        })
        .collect()
}

fn assert_close(what: &str, ours: f64, expected: f64) {
    let tolerance = 1e-6 * expected.abs().max(1.0);
    let relative = if expected != 0.0 {
        ((ours - expected) / expected).abs()
    } else {
        ours.abs()
    };
    assert!(
        (ours - expected).abs() <= tolerance || relative <= 1e-6,
        "{what}: evsynth {ours} vs metafor {expected}"
    );
}

/// Effects of one outcome and measure of a fixture topic, by study id.
fn effects(topic: &str, measure: EffectMeasure) -> (Vec<String>, Vec<Effect>, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/topics")
        .join(topic);
    let registry = registry::load(&TopicLocation::of_dir(&dir)).unwrap();
    let (mut ids, mut effects, mut double_zero) = (Vec::new(), Vec::new(), Vec::new());
    for finding in &registry.findings {
        match effect_of(finding) {
            Ok((m, effect)) if m == measure => {
                ids.push(finding.study_id.clone());
                effects.push(effect);
            }
            Err(NoEffect::DoubleZero) => double_zero.push(finding.study_id.clone()),
            _ => {}
        }
    }
    (ids, effects, double_zero)
}

fn check(dataset: &str, topic: &str, measure: EffectMeasure, measure_key: &str) {
    let oracle = oracle();
    let get = |model: &str, key: &str| -> f64 {
        *oracle
            .get(&(dataset.into(), measure_key.into(), model.into(), key.into()))
            .unwrap_or_else(|| panic!("no oracle value {dataset}|{measure_key}|{model}|{key}"))
    };
    let (ids, effects, _) = effects(topic, measure);
    for (id, effect) in ids.iter().zip(&effects) {
        assert_close(
            &format!("{dataset} yi[{id}]"),
            effect.yi,
            get("escalc", &format!("yi[{id}]")),
        );
        assert_close(
            &format!("{dataset} vi[{id}]"),
            effect.vi,
            get("escalc", &format!("vi[{id}]")),
        );
    }
    let models = [
        (
            "FE",
            PoolOptions {
                method: Tau2Method::FixedEffect,
                hksj: false,
            },
        ),
        (
            "DL",
            PoolOptions {
                method: Tau2Method::DerSimonianLaird,
                hksj: false,
            },
        ),
        (
            "REML",
            PoolOptions {
                method: Tau2Method::Reml,
                hksj: false,
            },
        ),
        (
            "REML_HKSJ",
            PoolOptions {
                method: Tau2Method::Reml,
                hksj: true,
            },
        ),
    ];
    for (model, options) in models {
        let pooled: Pooled = pool(&effects, options);
        assert!(pooled.converged);
        assert_eq!(pooled.k as f64, get(model, "k"));
        let fields = [
            ("estimate", pooled.estimate),
            ("se", pooled.se),
            ("ci_low", pooled.ci_low),
            ("ci_high", pooled.ci_high),
            ("statistic", pooled.statistic),
            ("p", pooled.p),
            ("tau2", pooled.tau2),
            ("i2", pooled.i2),
            ("h2", pooled.h2),
            ("q", pooled.q),
            ("q_p", pooled.q_p),
            ("pi_low", pooled.pi_low),
            ("pi_high", pooled.pi_high),
        ];
        for (key, value) in fields {
            assert_close(&format!("{dataset} {model} {key}"), value, get(model, key));
        }
        for (id, weight) in ids.iter().zip(&pooled.weights) {
            assert_close(
                &format!("{dataset} {model} weight[{id}]"),
                *weight,
                get(model, &format!("weight[{id}]")),
            );
        }
    }
    if effects.len() >= 10 {
        let test = egger(&effects).unwrap();
        assert_close(&format!("{dataset} egger t"), test.t, get("egger", "t"));
        assert_close(&format!("{dataset} egger p"), test.p, get("egger", "p"));
        assert_close(
            &format!("{dataset} egger coefficient"),
            test.coefficient,
            get("egger", "coefficient"),
        );
    } else {
        assert!(egger(&effects).is_none());
    }
}

#[test]
fn bcg_log_risk_ratios_match_metafor() {
    check("bcg", "bcg", EffectMeasure::Rr, "rr");
}

#[test]
fn normand_mean_differences_match_metafor() {
    check("normand1999", "normand1999", EffectMeasure::Md, "md");
}

#[test]
fn normand_hedges_g_matches_metafor() {
    check("normand1999", "normand1999", EffectMeasure::Smd, "smd");
}

#[test]
fn zero_cells_are_corrected_and_double_zero_trials_excluded_as_in_metafor() {
    check("nielweise2007", "nielweise2007", EffectMeasure::Rr, "rr");
    let (ids, _, double_zero) = effects("nielweise2007", EffectMeasure::Rr);
    assert_eq!(ids.len(), 17);
    assert_eq!(double_zero, ["yucel_2004"]);
}
