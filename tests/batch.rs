//! Batch reports, the HTML page and certainty: a failing topic beside good ones, `--check`,
//! hostile registry text in every field of the HTML, and reviewer overrides in topic.toml.

mod common;

use std::path::Path;

use common::{copy_dir, evsynth_in, root};

fn workspace_with_shipped_topic() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("studies/magnesium-rls"),
        &dir.path().join("studies/magnesium-rls"),
    );
    dir
}

/// Adds the twelve-studies fixture to `dir`'s studies as topic `name`; its directory.
fn add_second_topic(dir: &Path, name: &str) -> std::path::PathBuf {
    let topic = dir.join("studies").join(name);
    copy_dir(&root().join("tests/fixtures/topics/twelve-studies"), &topic);
    topic
}

#[test]
fn a_failing_topic_does_not_stop_the_others() {
    let dir = workspace_with_shipped_topic();
    let broken = add_second_topic(dir.path(), "broken");
    std::fs::write(broken.join("registry.csv"), "study_id,citation\nx,y\n").unwrap();
    let run = evsynth_in(dir.path(), &["report"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("studies/broken/registry.csv:1:year: required column is missing"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("magnesium-rls: wrote 29 files to reports/magnesium-rls"),
        "{}",
        run.stdout
    );
    assert!(
        dir.path()
            .join("reports/magnesium-rls/index.html")
            .is_file()
    );
    assert!(!dir.path().join("reports/broken").exists());
    let index = std::fs::read_to_string(dir.path().join("reports/index.html")).unwrap();
    assert!(
        index.contains(
            "<a href=\"magnesium-rls/index.html\">Magnesium for restless legs syndrome</a>"
        )
    );
}

/// A topic reached twice (through a symlink in `studies/`, or named twice) was reported twice
/// into one directory, by two workers at once; a directory holding only topic.toml was skipped
/// without a word; two topics of one name would write one report directory.
#[test]
fn each_topic_is_reported_once_and_a_half_made_one_is_named() {
    let dir = workspace_with_shipped_topic();
    let studies = dir.path().join("studies");
    std::os::unix::fs::symlink("magnesium-rls", studies.join("alias")).unwrap();
    let run = evsynth_in(dir.path(), &["report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "magnesium-rls: wrote 29 files to reports/magnesium-rls\n"
    );
    assert!(!dir.path().join("reports/alias").exists());
    let run = evsynth_in(
        dir.path(),
        &[
            "validate",
            "magnesium-rls",
            "magnesium-rls/",
            "studies/alias",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);

    // A topic directory with a space in its name is named like any other.
    add_second_topic(dir.path(), "twelve studies");
    let run = evsynth_in(dir.path(), &["validate", "twelve studies"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    std::fs::create_dir(studies.join("half")).unwrap();
    std::fs::copy(
        studies.join("magnesium-rls/topic.toml"),
        studies.join("half/topic.toml"),
    )
    .unwrap();
    let run = evsynth_in(dir.path(), &["validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("studies/half/registry.csv: no such file;"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);

    let elsewhere = tempfile::tempdir().unwrap();
    let other = elsewhere.path().join("magnesium-rls");
    copy_dir(&studies.join("magnesium-rls"), &other);
    let run = evsynth_in(
        dir.path(),
        &[
            "report",
            "magnesium-rls",
            other.to_str().unwrap(),
            "--out",
            "out",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("two topics are named \"magnesium-rls\" ("),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("out").exists());
}

/// A topic removed from `studies/` leaves its report: the next batch says so on stderr and
/// leaves the directory (and a reviewer's file in it) as it was, the index no longer links it,
/// and `--check` of all topics counts it stale; reporting a named topic does not look.
#[test]
fn a_removed_topics_report_is_named_not_deleted() {
    let dir = workspace_with_shipped_topic();
    let second = add_second_topic(dir.path(), "second");
    assert_eq!(evsynth_in(dir.path(), &["report"]).code, 0);
    let kept = dir.path().join("reports/second");
    std::fs::write(kept.join("notes.txt"), "a reviewer's notes").unwrap();
    std::fs::remove_dir_all(&second).unwrap();

    let run = evsynth_in(dir.path(), &["report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "reports/second: no topic of that name under studies any more; its report was left as \
         it is (delete the directory if the topic was removed)\n"
    );
    assert!(kept.join("index.html").is_file() && kept.join("notes.txt").is_file());
    let index = std::fs::read_to_string(dir.path().join("reports/index.html")).unwrap();
    assert!(!index.contains("second/index.html"), "{index}");

    let check = evsynth_in(dir.path(), &["report", "--check"]);
    assert_eq!(check.code, 1);
    assert_eq!(
        check.stdout,
        "stale: reports/second (no topic of that name under studies; delete the directory)\n\
         1 stale file; run `evsynth report` and commit the result\n"
    );
    let named = evsynth_in(dir.path(), &["report", "magnesium-rls", "--check"]);
    assert_eq!(
        (named.code, named.stdout.as_str()),
        (0, "reports are up to date\n")
    );
}

#[test]
fn check_reports_fresh_and_stale_outputs() {
    let dir = workspace_with_shipped_topic();
    assert_eq!(evsynth_in(dir.path(), &["report"]).code, 0);
    let fresh = evsynth_in(dir.path(), &["report", "--check"]);
    assert_eq!(
        (fresh.code, fresh.stdout.as_str()),
        (0, "reports are up to date\n")
    );

    let registry = dir.path().join("studies/magnesium-rls/registry.csv");
    let text = std::fs::read_to_string(&registry)
        .unwrap()
        .replace(",75,,", ",76,,");
    std::fs::write(&registry, text).unwrap();
    let before = common::read_tree(&dir.path().join("reports"));
    let stale = evsynth_in(dir.path(), &["report", "--check"]);
    assert_eq!(stale.code, 1);
    for file in [
        "README.md",
        "index.html",
        "summary.json",
        "tables/tier-by-direction.csv",
        "charts/evidence-meter.svg",
    ] {
        assert!(
            stale
                .stdout
                .contains(&format!("stale: reports/magnesium-rls/{file}\n")),
            "{file}: {}",
            stale.stdout
        );
    }
    assert!(
        stale.stdout.contains("stale: reports/index.html\n"),
        "{}",
        stale.stdout
    );
    assert_eq!(
        common::read_tree(&dir.path().join("reports")),
        before,
        "--check must not write"
    );
}

#[test]
fn hostile_text_in_every_field_is_shown_as_text_in_html() {
    let dir = tempfile::tempdir().unwrap();
    let topic = dir.path().join("studies/hostile");
    std::fs::create_dir_all(&topic).unwrap();
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    std::fs::write(
        topic.join("topic.toml"),
        format!(
            "title = \"T {evil}\"\ndescription = \"D {evil}\"\nas_of = \"2026-01-31\"\n\
             [questions.q]\nlabel = \"L {evil}\"\nkind = \"intervention\"\nhypothesis = \"H {evil}\"\n\
             positive = \"P {evil}\"\nnegative = \"N {evil}\"\n[forms]\nf = \"F {evil}\"\n[outcomes]\no = \"O {evil}\"\n"
        ),
    )
    .unwrap();
    let row = |id: &str| {
        format!(
            "{id},\"C {evil}\",2020,rct,q,10,\"Pop {evil}\",f,\"Comp {evil}\",o,positive,\"S {evil}\",\"N {evil}\"\n"
        )
    };
    std::fs::write(
        topic.join("registry.csv"),
        format!(
            "study_id,citation,year,design,question,n,population,form,comparator,outcome,direction,source,notes\n{}{}",
            row("a_1"),
            row("b_2")
        ),
    )
    .unwrap();
    let run = evsynth_in(dir.path(), &["report", "--allow-duplicate-title"]);
    // --allow-duplicate-title belongs to add, not report: usage error, nothing written.
    assert_eq!(run.code, 2);
    let run = evsynth_in(dir.path(), &["report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in ["reports/hostile/index.html", "reports/index.html"] {
        let html = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(!html.contains("<script"), "{page} contains a script tag");
        assert!(
            !html.contains("<img src=x"),
            "{page} contains an injected image"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page} lost the text"
        );
    }
    for chart in std::fs::read_dir(dir.path().join("reports/hostile/charts")).unwrap() {
        let path = chart.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(!svg.contains("<script"), "{}", path.display());
        }
    }
}

#[test]
fn reviewer_overrides_replace_a_domain_and_are_footnoted() {
    let dir = workspace_with_shipped_topic();
    let topic = dir.path().join("studies/magnesium-rls/topic.toml");
    let text = std::fs::read_to_string(&topic).unwrap()
        + "\n[[certainty]]\nquestion = \"serum_level\"\noutcome = \"serum_mg\"\ndomain = \"indirectness\"\ndowngrade = 1\nreason = \"serum magnesium is a poor marker of body stores\"\n";
    std::fs::write(&topic, text).unwrap();
    assert_eq!(evsynth_in(dir.path(), &["report", "magnesium-rls"]).code, 0);
    let readme =
        std::fs::read_to_string(dir.path().join("reports/magnesium-rls/README.md")).unwrap();
    assert!(
        readme.contains("Indirectness −1: serum magnesium is a poor marker of body stores [^1]"),
        "{readme}"
    );
    assert!(readme.contains("[^1]: serum_level / serum_mg / Indirectness: reviewer's judgement in topic.toml — serum magnesium is a poor marker of body stores"));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/magnesium-rls/summary.json")).unwrap(),
    )
    .unwrap();
    let serum = summary["certainty"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["question"] == "serum_level")
        .unwrap();
    assert_eq!(serum["level"], "very_low");
    assert_eq!(serum["judgements"][2]["overridden"], true);
}

#[test]
fn shipped_certainty_is_very_low_with_reasons() {
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("reports/magnesium-rls/summary.json")).unwrap(),
    )
    .unwrap();
    let certainty = summary["certainty"].as_array().unwrap();
    let severity = certainty
        .iter()
        .find(|c| c["question"] == "treatment" && c["outcome"] == "rls_severity")
        .unwrap();
    // One RCT (Jadidi, n=75) and one single-arm trial (Gorantla, n=12): start High; risk of
    // bias not assessed, 87 participants ≤ 400, only small positive studies.
    assert_eq!(severity["start"], "high");
    assert_eq!(severity["participants"], 87);
    assert_eq!(severity["level"], "very_low");
    let serum = certainty
        .iter()
        .find(|c| c["question"] == "serum_level")
        .unwrap();
    assert_eq!(serum["start"], "low");
    assert_eq!(
        serum["judgements"][1]["reason"],
        "directions disagree: 1 positive, 1 negative"
    );
    assert_eq!(summary["swim"].as_array().unwrap().len(), 9);
    assert!(Path::new(&root().join("reports/index.html")).is_file());
}
