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
use evsynth::synthesis::egger::{EggerNotComputed, egger};
use evsynth::synthesis::pool::{PoolOptions, Pooled, Tau2Method, pool};

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
                ids.push(finding.study.id.to_string());
                effects.push(effect);
            }
            Err(NoEffect::DoubleZero) => double_zero.push(finding.study.id.to_string()),
            _ => {}
        }
    }
    (ids, effects, double_zero)
}

/// Runs `evsynth report` on fixture topic `topic` with `flags`; the report is under
/// `<returned dir>/<topic>/`.
fn report_fixture(topic: &str, flags: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let fixture = format!("tests/fixtures/topics/{topic}");
    let mut args = vec!["report", fixture.as_str()];
    args.extend_from_slice(flags);
    args.extend(["--out", out.path().to_str().unwrap()]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_evsynth"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
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
        assert_eq!(egger(&effects), Err(EggerNotComputed::TooFewStudies));
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

/// Intravenous magnesium after myocardial infarction (metafor's dat.li2007): 22 trials, two
/// with a zero cell, as log odds ratios and as risk differences (corrected like the ratios,
/// as escalc does), with Egger's test (k ≥ 10).
#[test]
fn li_odds_ratios_and_risk_differences_match_metafor() {
    check("li2007", "li2007", EffectMeasure::Or, "or");
    check("li2007", "li2007", EffectMeasure::Rd, "rd");
    let (ids, _, double_zero) = effects("li2007", EffectMeasure::Rd);
    assert_eq!(ids.len(), 22);
    assert!(double_zero.is_empty());
}

#[test]
fn zero_cells_are_corrected_and_double_zero_trials_excluded_as_in_metafor() {
    check("nielweise2007", "nielweise2007", EffectMeasure::Rr, "rr");
    let (ids, _, double_zero) = effects("nielweise2007", EffectMeasure::Rr);
    assert_eq!(ids.len(), 17);
    assert_eq!(double_zero, ["yucel_2004"]);
}

/// Done-when of the meta-analysis issue: `evsynth report` on the BCG topic gives metafor's
/// pooled log risk ratio, τ² and I², draws the forest and funnel plots, and the README says so.
#[test]
fn report_on_the_bcg_topic_matches_metafor_end_to_end() {
    let out = report_fixture("bcg", &[]);
    let dir = out.path().join("bcg");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let analysis = &summary["meta_analysis"]["analyses"][0];
    assert_eq!(analysis["measure"], "rr");
    assert_eq!(analysis["favours_lower"], true);
    let oracle = oracle();
    // The estimates and weights are in tables/effect-sizes.csv (not in summary.json): one row
    // per trial, weights as metafor's weights() for REML and FE.
    assert!(analysis.get("studies").is_none());
    let table = std::fs::read_to_string(dir.join("tables/effect-sizes.csv")).unwrap();
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap(),
        "question,outcome,measure,study_id,n,yi,vi,ci_low,ci_high,weight_percent,fixed_effect_weight_percent"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 13);
    for row in &rows {
        assert_eq!(&row[..3], ["prevention", "tuberculosis", "rr"]);
        let id = row[3];
        for (column, model) in [(9, "REML"), (10, "FE")] {
            let expected = oracle[&(
                "bcg".into(),
                "rr".into(),
                model.into(),
                format!("weight[{id}]"),
            )];
            assert_close(
                &format!("{id} {model} weight"),
                row[column].parse().unwrap(),
                expected,
            );
        }
    }
    for (key, json_key) in [
        ("estimate", "estimate"),
        ("tau2", "tau2"),
        ("i2", "i2"),
        ("q", "q"),
        ("pi_low", "pi_low"),
        ("pi_high", "pi_high"),
    ] {
        let expected = oracle[&("bcg".into(), "rr".into(), "REML".into(), key.into())];
        assert_close(
            key,
            analysis["pooled"][json_key].as_f64().unwrap(),
            expected,
        );
    }
    for chart in [
        "forest-prevention-tuberculosis-rr",
        "funnel-prevention-tuberculosis-rr",
    ] {
        assert!(
            dir.join(format!("charts/{chart}.svg")).is_file(),
            "{chart}.svg"
        );
        assert!(
            dir.join(format!("charts/{chart}.png")).is_file(),
            "{chart}.png"
        );
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("| Tuberculosis cases | RR | 13 | 0.49 (0.34 to 0.70) | < 0.001 | 0.3132 | 92.2% | 152.23 (< 0.001) | 0.15 to 1.55 | t = -1.40, p = 0.189 |"), "{readme}");
    insta::assert_snapshot!("bcg__README.md", readme);
    insta::assert_snapshot!(
        "bcg__forest.svg",
        std::fs::read_to_string(dir.join("charts/forest-prevention-tuberculosis-rr.svg")).unwrap()
    );
    insta::assert_snapshot!(
        "bcg__funnel.svg",
        std::fs::read_to_string(dir.join("charts/funnel-prevention-tuberculosis-rr.svg")).unwrap()
    );
}

#[test]
fn hksj_and_dl_flags_reach_the_report() {
    let out = report_fixture("bcg", &["--hksj", "--tau2", "dl"]);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("bcg/summary.json")).unwrap(),
    )
    .unwrap();
    let pooled = &summary["meta_analysis"]["analyses"][0]["pooled"];
    assert_eq!(pooled["options"]["method"], "der_simonian_laird");
    assert_eq!(pooled["options"]["hksj"], true);
    // DL τ² from tests/oracle/metafor.out.
    assert_close(
        "DL tau2",
        pooled["tau2"].as_f64().unwrap(),
        oracle()[&("bcg".into(), "rr".into(), "DL".into(), "tau2".into())],
    );
}

/// case → key → values, from tests/oracle/reml_hard.out.
fn hard_reml_cases() -> BTreeMap<String, BTreeMap<String, Vec<f64>>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracle/reml_hard.out"
    ))
    .unwrap();
    let mut cases: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 3, "{line}");
        let values = parts[2].split(' ').map(|v| v.parse().unwrap()).collect();
        cases
            .entry(parts[0].into())
            .or_default()
            .insert(parts[1].into(), values);
    }
    cases
}

/// REML on data that defeated the earlier fixed-point iteration (one very precise study,
/// effects of size 10³ and 10⁻³, two maxima of the likelihood), and on data whose higher
/// maximum scoring from 0 and the DL estimate does not reach (two inner maxima), agrees with
/// metafor's Fisher scoring; expected values: tests/oracle/reml_hard.out from
/// tests/oracle/reml_hard.R.
#[test]
fn reml_agrees_with_metafor_where_the_fixed_point_iteration_failed() {
    let cases = hard_reml_cases();
    assert_eq!(cases.len(), 6);
    for (name, case) in &cases {
        let effects: Vec<Effect> = case["yi"]
            .iter()
            .zip(&case["vi"])
            .map(|(yi, vi)| Effect { yi: *yi, vi: *vi })
            .collect();
        let pooled = pool(&effects, PoolOptions::default());
        assert!(pooled.converged, "{name}: {pooled:?}");
        assert!(pooled.iterations < 1_000, "{name}: {}", pooled.iterations);
        for (key, ours) in [
            ("tau2", pooled.tau2),
            ("estimate", pooled.estimate),
            ("se", pooled.se),
            ("i2", pooled.i2),
        ] {
            assert_close(&format!("{name} {key}"), ours, case[key][0]);
        }
    }
}

/// The li2007 report states Egger's p with its relation ("p < 0.001", it read "p = < 0.001"),
/// metafor's pooled odds ratio, 0.58 (0.43 to 0.78) = exp(−0.5458…), and risk differences
/// with the decimals their interval needs.
#[test]
fn li_report_states_small_p_values_with_their_relation() {
    let out = report_fixture("li2007", &[]);
    let readme = std::fs::read_to_string(out.path().join("li2007/README.md")).unwrap();
    assert!(
        readme.contains(
            "| Mortality (odds ratio) | OR | 22 | 0.58 (0.43 to 0.78) | < 0.001 | 0.1766 | 82.2% | \
             57.72 (< 0.001) | 0.24 to 1.39 | t = -5.02, p < 0.001 |"
        ),
        "{readme}"
    );
    assert!(!readme.contains("p = <"), "{readme}");
    // Risk differences get the decimals their pooled interval needs: three here (two rounded
    // the interval to -0.05 to -0.01, and a study's estimate printed as -9.06e-4).
    assert!(
        readme.contains(
            "| Mortality (risk difference) | RD | 22 | -0.030 (-0.046 to -0.014) | < 0.001 |"
        ),
        "{readme}"
    );
    let forest = std::fs::read_to_string(
        out.path()
            .join("li2007/charts/forest-treatment-mortality_rd-rd.svg"),
    )
    .unwrap();
    assert!(forest.contains("pooled risk difference -0.030 (95% CI -0.046 to -0.014)"));
    let funnel = std::fs::read_to_string(
        out.path()
            .join("li2007/charts/funnel-treatment-mortality-or.svg"),
    )
    .unwrap();
    assert!(funnel.contains("22 studies; Egger&#39;s test t = -5.02, p &lt; 0.001."));
}
