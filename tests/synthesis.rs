//! Vote counting end to end: the 12-study fixture (10 positive, DESIGN.md's check), the shipped
//! topic's split association question, sensitivity flags, and the terminal summary.

mod common;

use common::{evsynth, root};

const TWELVE: &str = "tests/fixtures/topics/twelve-studies";

fn summary_json(args: &[&str]) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let mut all = vec!["report", "--out", out.path().to_str().unwrap()];
    all.extend_from_slice(args);
    let run = evsynth(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let topic = std::path::Path::new(args[0]).file_name().unwrap();
    let text = std::fs::read_to_string(out.path().join(topic).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn ten_of_twelve_matches_the_oracle() {
    let summary = summary_json(&[TWELVE]);
    let overall = &summary["questions"][0]["votes"]["overall"];
    // 13 counted studies: 10 positive, 2 negative, 1 conflicting (1 of 2 findings positive,
    // below the 70% rule); the case report is not counted.
    assert_eq!(overall["studies"], 13);
    assert_eq!(overall["positive"], 10);
    assert_eq!(overall["negative"], 2);
    assert_eq!(overall["conflicting"], 1);
    assert_eq!(overall["with_direction"], 12);
    // scipy.stats.binomtest(10, 12).pvalue = 0.03857421875 (tests/oracle/sign_test.out).
    assert_eq!(overall["sign_test_p"], 0.03857421875);
    // statsmodels proportion_confint(10, 12, method="wilson").
    let low = overall["wilson_low"].as_f64().unwrap();
    let high = overall["wilson_high"].as_f64().unwrap();
    assert!((low - 0.551_969_137_747_026_5).abs() < 1e-12, "{low}");
    assert!((high - 0.953_034_857_816_146_2).abs() < 1e-12, "{high}");
    // 2·½¹² = 0.00048828125
    assert_eq!(overall["min_attainable_p"], 0.00048828125);
    assert_eq!(overall["majority"], "positive");
}

#[test]
fn snapshots_of_the_fixture_topic() {
    let out = tempfile::tempdir().unwrap();
    let run = evsynth(&["report", TWELVE, "--out", out.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in ["summary.json", "README.md"] {
        let text = std::fs::read_to_string(out.path().join("twelve-studies").join(file)).unwrap();
        insta::assert_snapshot!(format!("twelve-studies__{file}"), text);
    }
}

#[test]
fn shipped_summary_json_matches_snapshot_and_keeps_the_questions_apart() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(
        evsynth(&[
            "report",
            "magnesium-rls",
            "--out",
            out.path().to_str().unwrap()
        ])
        .code,
        0
    );
    let text = std::fs::read_to_string(out.path().join("magnesium-rls/summary.json")).unwrap();
    insta::assert_snapshot!("magnesium-rls__summary.json", text.clone());
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    let registry_bytes = std::fs::read(root().join("studies/magnesium-rls/registry.csv")).unwrap();
    assert_eq!(
        summary["registry"]["sha256"],
        evsynth::registry::sha256_hex(&registry_bytes)
    );
    assert_eq!(summary["evsynth_version"], env!("CARGO_PKG_VERSION"));
    // The association question is split one against one, not folded into "magnesium helps".
    let serum = &summary["questions"][1];
    assert_eq!(serum["key"], "serum_level");
    assert_eq!(serum["votes"]["overall"]["positive"], 1);
    assert_eq!(serum["votes"]["overall"]["negative"], 1);
    assert_eq!(serum["votes"]["overall"]["majority"], "tie");
    assert_eq!(serum["votes"]["overall"]["sign_test_p"], 1.0);
    // Treatment: 3 counted studies (1 RCT, 2 single-arm), all positive; p = 0.25 can never
    // reach 0.05 with n = 3 (binom.test(3, 3)$p.value = 0.25).
    let treatment = &summary["questions"][0]["votes"]["overall"];
    assert_eq!(treatment["studies"], 3);
    assert_eq!(treatment["positive"], 3);
    assert_eq!(treatment["sign_test_p"], 0.25);
    assert_eq!(treatment["min_attainable_p"], 0.25);
}

#[test]
fn sensitivity_flags_change_the_selection_and_say_so() {
    let summary = summary_json(&["magnesium-rls", "--min-confidence", "high"]);
    // marshall_2019 (medium), bartell_2006 and popoviciu_1993 (low) are left out.
    assert_eq!(summary["excluded_findings"], 3);
    assert_eq!(summary["selection"]["min_confidence"], "high");

    let summary = summary_json(&["magnesium-rls", "--count-case-reports"]);
    let treatment = &summary["questions"][0]["votes"]["overall"];
    assert_eq!(treatment["studies"], 4);
    assert_eq!(treatment["positive"], 4);
    assert_eq!(treatment["sign_test_p"], 0.125);

    let summary = summary_json(&[
        "magnesium-rls",
        "--exclude-design",
        "rct",
        "--exclude-design",
        "case_control",
    ]);
    assert_eq!(summary["questions"][0]["votes"]["overall"]["studies"], 2);
    assert_eq!(summary["questions"][1]["votes"]["overall"]["studies"], 0);
    assert_eq!(
        summary["selection"]["excluded_designs"],
        serde_json::json!(["rct", "case_control"])
    );
}

#[test]
fn significance_filtering_is_not_offered_and_help_says_why() {
    let run = evsynth(&["report", "--only-significant"]);
    assert_eq!(run.code, 2);
    let help = evsynth(&["report", "--help"]);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout
            .contains("There is no --only-significant option"),
        "{}",
        help.stdout
    );
}

#[test]
fn terminal_summary_is_plain_when_piped() {
    let run = evsynth(&["summary", "magnesium-rls"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains('\x1b'));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[1], "16 findings, 8 studies, 571 participants");
    assert!(run.stdout.contains("Leave-one-out: leaving out yildirim_2020 (▲) or jimenezjimenez_2022 (▼) changes the majority direction."));
    let overall: Vec<&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("all counted studies"))
        .copied()
        .collect();
    assert_eq!(overall.len(), 2);
    let cells: Vec<&str> = overall[1].split_whitespace().collect();
    // all counted studies | studies 2 | ▲1 ◆0 ▼1 ◄►0 | n 2 | 50% (9–91%) | p 1 | min p 0.5
    assert_eq!(&cells[3..9], ["2", "1", "0", "1", "0", "2"]);
    assert_eq!(&cells[cells.len() - 2..], ["1", "0.5"]);
}
