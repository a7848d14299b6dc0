//! `evsynth report`: determinism, snapshots of the text outputs, PNG sanity, and that a bad
//! registry writes nothing.

mod common;

use common::{copy_dir, evsynth, evsynth_in, read_tree, root, workspace_with_topic};

fn report_into(out: &std::path::Path) -> common::Run {
    evsynth(&["report", "magnesium-rls", "--out", out.to_str().unwrap()])
}

/// The shipped topic's report with case series and case reports counted as votes, in a
/// temporary directory.
fn report_counting_case_reports() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let run = evsynth(&[
        "report",
        "magnesium-rls",
        "--count-case-reports",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out
}

/// A map of 30 outcome columns is drawn wider than 1,000 units so that a column holds two lines
/// of heading and a cell a count such as "◄►1" (its columns were 24 units wide, and even that
/// was cut to "…"; then 30, with headings on one line and participants cut to "n=…");
/// participants are rounded to fit ("≈45k" for 45,368), whole in the SVG's tooltip.
#[test]
fn evidence_map_cells_cut_to_fit_keep_their_numbers_in_a_tooltip() {
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<String> = (0..30).map(|i| format!("Outcome {i}")).collect();
    common::write_one_study_per_outcome_topic(
        &dir.path().join("studies/wide"),
        &labels,
        |i| 45_000 + i as u64,
        "conflicting",
    );
    let run = evsynth_in(dir.path(), &["report", "wide"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let svg =
        std::fs::read_to_string(dir.path().join("reports/wide/charts/evidence-map-q.svg")).unwrap();
    // A tooltip is written only for a label that was cut (text is drawn as glyph outlines).
    for i in 0..30 {
        let n = format!("<title>n=45,{i:03}</title>");
        assert!(svg.contains(&n), "{n}");
    }
    assert_eq!(
        svg.matches("<title>◄►1</title>").count(),
        0,
        "counts drawn whole"
    );
    assert!(svg.starts_with("<svg role=\"img\" aria-labelledby=\"evidence-map-q-title evidence-map-q-desc\" width=\"1244\""), "{}", &svg[..200]);
}

/// A label in a script the charts' font does not cover (here Chinese) is drawn as empty
/// boxes in the charts: the report says so above them, naming the `topic.toml` key and the
/// characters, and writes the label as it is everywhere else.
#[test]
fn labels_the_charts_cannot_draw_are_named_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let labels = vec!["血清镁 (serum magnesium)".to_string(), "Sleep".to_string()];
    common::write_one_study_per_outcome_topic(
        &dir.path().join("studies/cjk"),
        &labels,
        |_| 30,
        "positive",
    );
    let run = evsynth_in(dir.path(), &["report", "cjk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(dir.path().join("reports/cjk/README.md")).unwrap();
    assert!(
        readme
            .contains("glyph for some characters of `topic.toml`: `outcomes.outcome_00` (血清镁)."),
        "{readme}"
    );
    assert!(readme.contains("| 血清镁 (serum magnesium) |"), "{readme}");
    let html = std::fs::read_to_string(dir.path().join("reports/cjk/index.html")).unwrap();
    assert!(html.contains("empty boxes"));
}

#[test]
fn report_is_byte_identical_on_rerun_and_matches_the_committed_report() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let run = report_into(first.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report_into(second.path()).code, 0);
    let first_tree = read_tree(first.path());
    assert_eq!(first_tree, read_tree(second.path()));
    let names: Vec<&str> = first_tree.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "magnesium-rls/README.md",
        "magnesium-rls/summary.json",
        "magnesium-rls/charts/evidence-meter.png",
        "magnesium-rls/charts/evidence-meter.svg",
        "magnesium-rls/charts/effect-direction-treatment.svg",
        "magnesium-rls/charts/harvest.svg",
        "magnesium-rls/charts/albatross-treatment.svg",
        "magnesium-rls/charts/evidence-map-treatment.svg",
        "magnesium-rls/charts/timeline.svg",
        "magnesium-rls/tables/votes.csv",
        "magnesium-rls/tables/tier-by-direction.csv",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    // No forest or funnel plot: the shipped topic has nothing to pool.
    assert!(
        !names
            .iter()
            .any(|n| n.contains("forest") || n.contains("funnel"))
    );
    let committed = read_tree(&root().join("reports"));
    let stale: Vec<&str> = first_tree
        .iter()
        .filter(|file| !committed.contains(file))
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "reports/ is stale, run `evsynth report`: {stale:?}"
    );
}

#[test]
fn report_text_outputs_match_snapshots() {
    // Every text file of the report (README, summary.json, CSVs, every chart's SVG), so a new
    // table or chart is snapshotted without touching this test.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(report_into(out.path()).code, 0);
    let dir = out.path().join("magnesium-rls");
    for (name, bytes) in read_tree(&dir) {
        if name.ends_with(".png") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        insta::assert_snapshot!(format!("magnesium-rls__{}", name.replace('/', "__")), text);
    }
}

/// The summary of findings rates only outcomes with counted studies; an outcome with findings
/// from uncounted designs alone is named under the table, so a reader of the table knows it was
/// looked at. In the shipped registry RLS symptoms (any measure) has a case report
/// (bartell_2006) and a systematic review (marshall_2019), nothing else (hand count); counting
/// case reports rates it, and the note goes.
#[test]
fn outcomes_without_counted_studies_are_named_under_the_summary_of_findings() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(report_into(out.path()).code, 0);
    let readme = std::fs::read_to_string(out.path().join("magnesium-rls/README.md")).unwrap();
    let note = "Not rated, as no counted study reports them (only case reports, case series or \
                systematic reviews, which are described, not counted): *Does magnesium relieve \
                RLS?* — RLS symptoms (any measure) (2 findings from 2 studies).";
    assert!(readme.contains(note), "{readme}");
    let sof = readme.split("## Summary of findings").nth(1).unwrap();
    let sof = sof.split("\n## ").next().unwrap();
    assert!(!sof.contains("| RLS symptoms (any measure) |"), "{sof}");
    // summary.json lists it too: bartell_2006 (a case report, n = 1) and marshall_2019 (a
    // systematic review without n), counted by hand from the registry.
    let unrated = |dir: &std::path::Path| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join("magnesium-rls/summary.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["unrated_outcomes"].clone()
    };
    assert_eq!(
        unrated(out.path()),
        serde_json::json!([{
            "question": "treatment",
            "outcome": "rls_symptoms",
            "totals": {"findings": 2, "studies": 2, "participants": 1}
        }])
    );

    let counted = report_counting_case_reports();
    let readme = std::fs::read_to_string(counted.path().join("magnesium-rls/README.md")).unwrap();
    assert!(!readme.contains("Not rated"), "{readme}");
    assert_eq!(unrated(counted.path()), serde_json::json!([]));
    assert!(
        readme.contains("| Does magnesium relieve RLS? | RLS symptoms (any measure) | 1 | 1 |"),
        "{readme}"
    );
}

/// Reports topic "t" (the BCG fixture's topic.toml) of `rows` under the header
/// study_id, …, direction, effect_measure, yi, vi into `out/`; the workspace and the README.
fn report_of_effect_rows(rows: &[&str]) -> (tempfile::TempDir, String) {
    let header =
        "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,yi,vi";
    report_of_rows(None, header, rows)
}

/// Reports topic "t" of `rows` under `header` into `out/`, with `topic_toml` (else the BCG
/// fixture's topic.toml); the workspace and the README.
fn report_of_rows(
    topic_toml: Option<&str>,
    header: &str,
    rows: &[&str],
) -> (tempfile::TempDir, String) {
    let (work, topic) = workspace_with_topic("t", "tests/fixtures/topics/bcg/topic.toml");
    if let Some(text) = topic_toml {
        std::fs::write(topic.join("topic.toml"), text).unwrap();
    }
    std::fs::write(
        topic.join("registry.csv"),
        format!("{header}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    let run = evsynth_in(work.path(), &["report", "t", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(work.path().join("out/t/README.md")).unwrap();
    (work, readme)
}

/// Three comparable MD estimates whose variances lie 1e318 apart (one written as 1e-320, a
/// slip for a standard error or a unit) cannot be pooled; the report, the summary command and
/// the forest plot's note say so, instead of claiming that no outcome has two estimates.
#[test]
fn estimates_that_cannot_be_pooled_are_not_called_too_few() {
    let (work, readme) = report_of_effect_rows(&[
        "a_2000,A 2000,2000,rct,prevention,100,bcg,tuberculosis,positive,md,0.5,1e-320",
        "b_2000,B 2000,2000,rct,prevention,100,bcg,tuberculosis,positive,md,0.4,0.02",
        "c_2000,C 2000,2000,rct,prevention,100,bcg,tuberculosis,positive,md,0.3,0.03",
    ]);
    assert!(
        readme.contains(
            "No pooled estimate: no outcome's comparable effect estimates could be pooled, for \
             the reasons below; the vote count above is the synthesis."
        ),
        "{readme}"
    );
    assert!(
        !readme.contains("no outcome of this question has two or more"),
        "{readme}"
    );
    assert!(readme.contains("more than 1e12 apart"), "{readme}");
    assert!(
        readme.contains(
            "- `forest` not drawn: no outcome's comparable effect estimates could be pooled."
        ),
        "{readme}"
    );
    let summary = evsynth_in(work.path(), &["summary", "t"]);
    assert_eq!(summary.code, 0, "{}", summary.stderr);
    assert!(
        summary.stdout.contains(
            "pooled effects: none (no outcome's comparable effect estimates could be pooled)"
        ),
        "{}",
        summary.stdout
    );
}

/// Two questions share an outcome. The first's only effect data are a table without events and
/// one where everyone had the event: neither says anything about a risk ratio, so the report
/// says the data yield no estimate (not that no finding reports effect data), names both rows
/// under that question alone, and ends the list before the next heading.
#[test]
fn rows_left_out_of_pooling_are_named_under_their_own_question() {
    let toml = "title = \"Two questions\"\nas_of = \"2026-01-31\"\n\
                [questions.first]\nlabel = \"First question?\"\nkind = \"intervention\"\n\
                hypothesis = \"h\"\npositive = \"benefit\"\nnegative = \"harm\"\n\
                [questions.second]\nlabel = \"Second question?\"\nkind = \"intervention\"\n\
                hypothesis = \"h\"\npositive = \"benefit\"\nnegative = \"harm\"\n\
                [forms]\nf = \"Form\"\n[outcomes]\no = \"Outcome O\"\n";
    let (work, readme) = report_of_rows(
        Some(toml),
        "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,\
         events1,n1,events2,n2",
        &[
            "a_2000,A 2000,2000,rct,first,20,f,o,none,rr,0,10,0,10",
            "b_2001,B 2001,2001,rct,first,20,f,o,none,rr,10,10,10,10",
            "c_2002,C 2002,2002,rct,second,20,f,o,positive,rr,3,10,5,10",
            "d_2003,D 2003,2003,rct,second,20,f,o,positive,rr,2,10,6,10",
        ],
    );
    let second = readme.find("## Second question?").unwrap();
    let (first_section, second_section) = readme.split_at(second);
    assert!(
        first_section.contains(
            "- The effect data given yield no estimate to pool (each such row is named below): \
             Outcome O (2).\n\n\
             Rows left out of pooling:\n\n\
             - a\\_2000 (Outcome O): zero events in both arms: no information on a ratio.\n\
             - b\\_2001 (Outcome O): events in every participant of both arms: no information \
             on a ratio.\n\n### "
        ),
        "{first_section}"
    );
    assert!(
        !second_section.contains("Rows left out of pooling"),
        "{second_section}"
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("out/t/summary.json")).unwrap(),
    )
    .unwrap();
    let excluded: Vec<(&str, &str)> = summary["meta_analysis"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["question"].as_str().unwrap(),
                e["study_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(excluded, [("first", "a_2000"), ("first", "b_2001")]);
}

/// Two trials code a lower MD as "fewer TB cases" and one a higher MD: the report names both
/// sides under the pooled table.
#[test]
fn rows_that_disagree_on_which_sign_supports_the_hypothesis_are_named() {
    let (_work, readme) = report_of_effect_rows(&[
        "r1_2001,R1 2001,2001,rct,prevention,200,bcg,tuberculosis,positive,md,-0.5,0.04",
        "r2_2002,R2 2002,2002,rct,prevention,300,bcg,tuberculosis,positive,md,0.4,0.05",
        "r3_2003,R3 2003,2003,rct,prevention,100,bcg,tuberculosis,negative,md,0.3,0.05",
    ]);
    assert!(
        readme.contains(
            "Tuberculosis cases (MD): the rows disagree on which sign supports the hypothesis: \
             lower estimates in 2 rows (r1\\_2001, r3\\_2003), higher in 1 row (r2\\_2002)."
        ),
        "{readme}"
    );
}

/// Case series and case reports are described, not counted: their vote row gives the counts
/// but no share, interval or sign test (popoviciu_1993, one case series pointing ▲ under
/// serum_level). Counted with `--count-case-reports`, the row has them: 1 of 1, Wilson 95% CI
/// 20.7%–100% (the Wilson formula evaluated in Python, z = 1.959963984540054:
/// 0.20654931437723745), p = 1.
#[test]
fn uncounted_case_series_get_no_sign_test() {
    let described = tempfile::tempdir().unwrap();
    assert_eq!(report_into(described.path()).code, 0);
    let votes =
        std::fs::read_to_string(described.path().join("magnesium-rls/tables/votes.csv")).unwrap();
    assert!(
        votes
            .lines()
            .any(|l| l == "serum_level,tier,case_series_reports,no,1,1,0,0,0,1,,,,,"),
        "{votes}"
    );
    let counted = report_counting_case_reports();
    let votes =
        std::fs::read_to_string(counted.path().join("magnesium-rls/tables/votes.csv")).unwrap();
    assert!(
        votes.lines().any(|l| l
            == "serum_level,tier,case_series_reports,yes,1,1,0,0,0,1,1,0.20654931437723745,1,1,1"),
        "{votes}"
    );
}

#[test]
fn tier_table_counts_findings_studies_and_participants() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(report_into(out.path()).code, 0);
    let csv = std::fs::read_to_string(
        out.path()
            .join("magnesium-rls/tables/tier-by-direction.csv"),
    )
    .unwrap();
    // Hand count from studies/magnesium-rls/registry.csv: Hornyak (n=10, 4 positive) and
    // Gorantla (n=12, 4 positive + 1 none) are the single-arm trials; the two case-control
    // studies point opposite ways (Yildirim n=253 lower, Jimenez-Jimenez n=210 higher).
    for line in [
        "treatment,non_randomised_trial,positive,benefit,8,2,22",
        "treatment,non_randomised_trial,none,no difference,1,1,12",
        "treatment,randomised,positive,benefit,2,1,75",
        "treatment,observational,positive,benefit,0,0,0",
        "serum_level,observational,positive,Mg lower in RLS,1,1,253",
        "serum_level,observational,negative,Mg higher in RLS,1,1,210",
        "serum_level,case_series_reports,positive,Mg lower in RLS,1,1,10",
    ] {
        assert!(csv.lines().any(|l| l == line), "missing {line:?} in\n{csv}");
    }
    // 2 questions x 5 tiers x 4 directions, zeros included, plus the header.
    assert_eq!(csv.lines().count(), 41);
}

#[test]
fn png_decodes_at_print_size_and_is_not_blank() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(report_into(out.path()).code, 0);
    let bytes = std::fs::read(out.path().join("magnesium-rls/charts/evidence-meter.png")).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let svg = std::fs::read_to_string(out.path().join("magnesium-rls/charts/evidence-meter.svg"))
        .unwrap();
    let svg_width: u32 = svg
        .split("width=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let svg_height: u32 = svg
        .split("height=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((info.width, info.height), (2 * svg_width, 2 * svg_height));
    let pixels = &pixels[..info.buffer_size()];
    let colours: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    // The direction palette is present: Okabe-Ito blue (positive) and vermillion (negative).
    assert!(colours.contains(&[0x00, 0x72, 0xB2][..]));
    assert!(colours.contains(&[0xD5, 0x5E, 0x00][..]));
    // Text was drawn: dark ink pixels exist (the font is embedded, not looked up).
    assert!(
        pixels
            .chunks(3)
            .filter(|p| p.iter().all(|c| *c < 60))
            .count()
            > 1000
    );
}

#[test]
fn svg_has_accessible_title_and_description() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(report_into(out.path()).code, 0);
    let svg = std::fs::read_to_string(out.path().join("magnesium-rls/charts/evidence-meter.svg"))
        .unwrap();
    assert!(svg.contains(
        "<title id=\"evidence-meter-title\">Evidence meter: Magnesium for restless legs syndrome</title>"
    ));
    assert!(svg.contains("Is serum magnesium lower in people with RLS?: 3 findings from 3 studies (2 Mg lower in RLS, 0 no difference, 1 Mg higher in RLS, 0 conflicting)."));
}

#[test]
fn invalid_registry_writes_nothing_and_exits_1() {
    let work = tempfile::tempdir().unwrap();
    let topic = work.path().join("studies/broken");
    copy_dir(&root().join("studies/magnesium-rls"), &topic);
    let registry = topic.join("registry.csv");
    let text = std::fs::read_to_string(&registry)
        .unwrap()
        .replacen(",rct,", ",RCT?,", 1);
    std::fs::write(&registry, text).unwrap();
    let run = evsynth_in(work.path(), &["report"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("studies/broken/registry.csv:12:design: unknown value \"RCT?\""),
        "{}",
        run.stderr
    );
    assert!(!work.path().join("reports").exists());
}

#[test]
fn hostile_text_is_escaped_in_markdown_and_neutralised_in_csv() {
    let (work, topic) = workspace_with_topic("hostile", "tests/fixtures/validate/topic.toml");
    std::fs::write(
        topic.join("registry.csv"),
        "study_id,citation,year,design,question,n,form,outcome,direction\n\
         x_2020,\"=HYPERLINK(\"\"http://e.vil\"\")<script>alert(1)</script> | *bold*\",2020,rct,treatment,10,citrate,severity,positive\n",
    )
    .unwrap();
    let run = evsynth_in(work.path(), &["report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(work.path().join("reports/hostile/README.md")).unwrap();
    assert!(readme.contains(
        "=HYPERLINK(\"http://e.vil\")&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*bold\\*"
    ));
    assert!(!readme.contains("<script>"));
    let studies =
        std::fs::read_to_string(work.path().join("reports/hostile/tables/studies.csv")).unwrap();
    assert!(studies.contains("x_2020,\"'=HYPERLINK("), "{studies}");
}

/// A rerun over an unchanged registry rewrites nothing (the files keep their inodes) and says
/// so; a file changed by hand is rewritten, alone.
#[test]
fn a_rerun_rewrites_only_what_changed() {
    use std::os::unix::fs::MetadataExt;
    let out = tempfile::tempdir().unwrap();
    let first = report_into(out.path());
    assert!(
        first.stdout.contains("magnesium-rls: wrote 29 files to"),
        "{}",
        first.stdout
    );
    let dir = out.path().join("magnesium-rls");
    let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
    let readme = std::fs::read(dir.join("README.md")).unwrap();
    let kept = [
        inode("tables/findings.csv"),
        inode("charts/evidence-meter.png"),
    ];
    std::fs::write(dir.join("README.md"), "edited by hand\n").unwrap();

    let second = report_into(out.path());
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stdout.contains("magnesium-rls: wrote 1 file to")
            && second.stdout.contains("(28 more already up to date)"),
        "{}",
        second.stdout
    );
    assert_eq!(std::fs::read(dir.join("README.md")).unwrap(), readme);
    assert_eq!(
        [
            inode("tables/findings.csv"),
            inode("charts/evidence-meter.png")
        ],
        kept
    );

    let third = report_into(out.path());
    assert!(
        third.stdout.contains("magnesium-rls: all 29 files in"),
        "{}",
        third.stdout
    );
}

/// Charts and tables of an earlier report that this one does not make (here a forest plot and
/// a table by names the shipped topic never uses) are named by `--check` and removed by the
/// next report; anything else in the report directory is left alone.
#[test]
fn charts_and_tables_no_longer_made_are_removed() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(report_into(out.path()).code, 0);
    let dir = out.path().join("magnesium-rls");
    let leftovers = [
        "charts/forest-treatment-severity-smd.png",
        "charts/forest-treatment-severity-smd.svg",
        "tables/old.csv",
    ];
    let kept = ["charts/notes.txt", "charts/.draft.png", "notes.csv"];
    for file in leftovers.iter().chain(&kept) {
        std::fs::write(dir.join(file), "x").unwrap();
    }
    // A link named like a chart is not evsynth's file to remove.
    std::os::unix::fs::symlink(dir.join("charts/notes.txt"), dir.join("charts/link.png")).unwrap();

    let out_arg = out.path().to_str().unwrap();
    let check = evsynth(&["report", "magnesium-rls", "--out", out_arg, "--check"]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    for file in leftovers {
        let line = format!("stale: {}", dir.join(file).display());
        assert!(check.stdout.contains(&line), "{line} in {}", check.stdout);
    }
    assert!(check.stdout.contains("3 stale files"), "{}", check.stdout);

    let run = report_into(out.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("magnesium-rls: all 29 files in")
            && run.stdout.contains(
                "magnesium-rls: removed 3 charts and tables of an earlier report that this one does not make"
            ),
        "{}",
        run.stdout
    );
    for file in leftovers {
        assert!(!dir.join(file).exists(), "{file} is still there");
    }
    for file in kept {
        assert!(dir.join(file).exists(), "{file} was removed");
    }
    assert!(std::fs::symlink_metadata(dir.join("charts/link.png")).is_ok());
    let again = evsynth(&["report", "magnesium-rls", "--out", out_arg, "--check"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}
