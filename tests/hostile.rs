//! Hostile and odd input: every case ends in exit 0, 1 or 2 with a message — never a panic
//! (exit 101), a hang, or a file written half-way.

mod common;

use std::path::Path;

use common::{evsynth_in, workspace_with_topic};

/// A scratch workspace with topic `t` (the validation fixtures' topic) and `registry` bytes.
fn topic_with(registry: &[u8]) -> tempfile::TempDir {
    let (dir, topic) = workspace_with_topic("t", "tests/fixtures/validate/topic.toml");
    std::fs::write(topic.join("registry.csv"), registry).unwrap();
    dir
}

const HEADER: &str = "study_id,citation,year,design,question,n,form,outcome,direction\n";

fn validate(registry: &[u8]) -> common::Run {
    let dir = topic_with(registry);
    evsynth_in(dir.path(), &["validate", "t"])
}

#[test]
fn header_only_is_a_valid_empty_registry_and_reports_say_so() {
    let dir = topic_with(HEADER.as_bytes());
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 0);
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(dir.path().join("reports/t/README.md")).unwrap();
    assert!(
        readme.contains("**0 findings from 0 studies, 0 participants**"),
        "{readme}"
    );
    assert!(readme.contains("`evidence-meter` not drawn: the registry has no findings yet."));
}

#[test]
fn a_ten_megabyte_field_is_read_and_checked() {
    let big = "x".repeat(10 * 1024 * 1024);
    let registry =
        format!("{HEADER}a_1,\"{big}\",2020,rct,treatment,10,citrate,severity,positive\n");
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A problem with a huge value names it by its start and length: the message stays a line,
/// not ten megabytes on the terminal (and a huge header field is no longer compared letter by
/// letter with every column name for a "did you mean", which took 52 s at 20 MB).
#[test]
fn a_ten_megabyte_value_is_named_by_its_start_and_length() {
    let big = "X".repeat(10 * 1024 * 1024);
    let start = "X".repeat(60);
    let registry = format!("{HEADER}{big},c,2020,rct,treatment,10,citrate,severity,positive\n");
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "studies/t/registry.csv:2:study_id: \"{start}\"… (10,485,760 characters) is not a \
             study id; use lowercase letters, digits and _, e.g. hornyak_1998\n"
        )
    );
    let run = validate(format!("{big}\n").as_bytes());
    assert_eq!(run.code, 1);
    let first = run.stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "studies/t/registry.csv:1:{start}… (10,485,760 characters): unknown column; allowed \
             columns: study_id, citation,"
        )),
        "{first}"
    );
    // The unknown column and the nine required ones missing, nothing more.
    assert_eq!(run.stderr.lines().count(), 10, "{}", run.stderr);
    assert!(run.stderr.len() < 2_000, "{} bytes", run.stderr.len());
}

/// A topic of thousands of keys: a row with a key it does not define lists the first 24 and
/// the count of the rest, not every key in every message.
#[test]
fn an_unknown_key_of_a_large_topic_lists_the_first_keys_and_counts_the_rest() {
    let dir = topic_with(
        format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity_typo,positive\n").as_bytes(),
    );
    let topic = dir.path().join("studies/t/topic.toml");
    let mut toml = std::fs::read_to_string(&topic).unwrap();
    for i in 0..10_000 {
        toml.push_str(&format!("o{i} = \"Outcome {i}\"\n"));
    }
    std::fs::write(&topic, toml).unwrap();
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(run.code, 1);
    // The fixture's two outcomes, then the first 22 added; 10,002 outcomes in all.
    let first: Vec<String> = ["severity", "sleep"]
        .into_iter()
        .map(String::from)
        .chain((0..22).map(|i| format!("o{i}")))
        .collect();
    assert_eq!(
        run.stderr,
        format!(
            "studies/t/registry.csv:2:outcome: unknown value \"severity_typo\"; expected one of: \
             {}, and 9,978 more (outcomes are defined in topic.toml)\n",
            first.join(", ")
        )
    );
}

#[test]
fn a_million_columns_in_one_row_is_a_ragged_row() {
    let wide = ",".repeat(1_000_000);
    let registry = format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive{wide}\n");
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(":2: row has 1000009 fields but the header has 9"),
        "{}",
        run.stderr
    );
}

#[test]
fn unbalanced_quotes_are_reported_not_swallowed_silently() {
    let registry = format!(
        "{HEADER}a_1,\"unclosed citation,2020,rct,treatment,10,citrate,severity,positive\nb_2,c,2021,rct,treatment,10,citrate,severity,positive\n"
    );
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "studies/t/registry.csv:2: row has 2 fields but the header has 9; this row runs over 2 more lines: look for an unclosed quote (\")\n"
    );
    // The quote opened on the last row: one more line, said in the singular.
    let registry = format!("{HEADER}a_1,\"unclosed citation,2020\n");
    let run = validate(registry.as_bytes());
    assert_eq!(
        run.stderr,
        "studies/t/registry.csv:2: row has 2 fields but the header has 9; this row runs over 1 more line: look for an unclosed quote (\")\n"
    );
}

/// A lone CR inside an LF file ends a row for the csv reader but not a line for the line
/// count, which then disagrees with an editor's: each is reported at the row it ends (the
/// second one line early, as the message says). A CR inside quotes is text, and one at the
/// very end of the file changes no line number.
#[test]
fn each_lone_cr_between_rows_is_reported_where_it_is() {
    let row = |id: &str| format!("{id},c,2020,rct,treatment,10,citrate,severity,positive");
    let registry = format!(
        "{HEADER}{}\n{}\r{}\r{}\n",
        row("a_1"),
        row("b_2"),
        row("c_3"),
        row("d_4")
    );
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let message = "this row ends in a carriage return alone (CR), which ends a row but not a \
                   line here: line numbers after it would not match an editor's; replace it \
                   with a line break (LF or CRLF)";
    assert_eq!(
        run.stderr,
        format!("studies/t/registry.csv:3: {message}\nstudies/t/registry.csv:3: {message}\n")
    );
    let quoted = format!(
        "{HEADER}a_1,\"two\rparts\",2020,rct,treatment,10,citrate,severity,positive\n{}\r",
        row("b_2")
    );
    let run = validate(quoted.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn nul_bytes_and_odd_numbers_are_reported() {
    let registry = format!(
        "{HEADER}a_1,c\0c,2020,rct,treatment,１０,citrate,severity,positive\nb_2,c,2020,rct,treatment,-0,citrate,severity,positive\n"
    );
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            ":2:citation: contains the control character U+0000 (NUL) at character 2; delete it"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(":2:n: \"１０\" is not a whole number >= 1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(":3:n: \"-0\" is not a whole number >= 1"),
        "{}",
        run.stderr
    );
}

/// A control character in a label made every SVG chart showing it invalid XML (a browser shows
/// an error instead of the chart); in a citation it went into the CSV, Markdown and HTML.
#[test]
fn control_characters_are_refused_in_registry_and_topic_text() {
    let registry = format!(
        "{HEADER}a_1,\"Smith J.\u{1b}[31m Trial\",2020,rct,treatment,10,citrate,severity,positive\n\
         b_2,\"Multi-line\ncitation\twith tab\",2020,rct,treatment,10,citrate,severity,positive\n\
         c_3,c,2020,rc\u{7f}t,treatment,10,citrate,severity,positive\n"
    );
    let dir = topic_with(registry.as_bytes());
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "studies/t/registry.csv:2:citation: contains the control character U+001B (ESC) at \
         character 9; delete it (no text may hold control characters other than tab and line \
         breaks: they make the reports' SVG and HTML invalid)\n\
         studies/t/registry.csv:5:design: contains the control character U+007F (DEL) at \
         character 3; delete it (no text may hold control characters other than tab and line \
         breaks: they make the reports' SVG and HTML invalid)\n"
    );
    assert!(!dir.path().join("reports").exists());

    let topic = dir.path().join("studies/t/topic.toml");
    let text = std::fs::read_to_string(&topic).unwrap();
    let text = text.replacen("title = \"", "title = \"Bad\\u0001 ", 1);
    std::fs::write(&topic, text).unwrap();
    std::fs::write(dir.path().join("studies/t/registry.csv"), HEADER).unwrap();
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            // The fixture topic's title is on line 2; its value starts after `title = `.
            .contains("studies/t/topic.toml:2:9: title: contains the control character U+0001 at character 4; delete it"),
        "{}",
        run.stderr
    );
}

/// A right-to-left override in a citation made the README's and HTML page's tables show the
/// rest of the cell reversed ("Trojan Source"): text that reads differently from what the
/// registry holds. Bidirectional embeddings, overrides and isolates are refused in registry
/// and topic text, by `validate`, `report` and `add` alike; Hebrew text and the scope-less
/// right-to-left mark are still text.
#[test]
fn bidirectional_controls_are_refused_in_registry_and_topic_text() {
    let registry = format!(
        "{HEADER}a_1,\"Smith J. \u{202E}lairt evitisop\",2020,rct,treatment,10,citrate,severity,positive\n\
         b_2,\"כהן א. \u{200F}ניסוי\",2021,rct,treatment,10,citrate,severity,positive\n"
    );
    let dir = topic_with(registry.as_bytes());
    let expected = "studies/t/registry.csv:2:citation: contains the bidirectional control \
                    character U+202E (RIGHT-TO-LEFT OVERRIDE) at character 10; delete it (it \
                    reorders the text after it in the reports' tables and pages, so they would \
                    show something else than the registry holds; right-to-left text needs no \
                    such character)\n";
    for command in ["validate", "report"] {
        let run = evsynth_in(dir.path(), &[command, "t"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.stderr, expected, "{command}");
    }
    assert!(!dir.path().join("reports").exists());

    // Without the override the registry is valid; `add` refuses a row with an isolate and
    // leaves the file as it was.
    let clean = registry.replace('\u{202E}', "");
    std::fs::write(dir.path().join("studies/t/registry.csv"), &clean).unwrap();
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 0);
    let run = evsynth_in(
        dir.path(),
        &[
            "add",
            "t",
            "--study-id",
            "c_3",
            "--citation",
            "Doe \u{2067}X\u{2069}",
            "--year",
            "2022",
            "--design",
            "rct",
            "--question",
            "treatment",
            "--n",
            "5",
            "--form",
            "citrate",
            "--outcome",
            "severity",
            "--direction",
            "positive",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("U+2067 (RIGHT-TO-LEFT ISOLATE) at character 5;"),
        "{}",
        run.stderr
    );
    let after = std::fs::read_to_string(dir.path().join("studies/t/registry.csv")).unwrap();
    assert_eq!(after, clean);

    let topic = dir.path().join("studies/t/topic.toml");
    let text = std::fs::read_to_string(&topic).unwrap();
    std::fs::write(&topic, text.replacen("title = \"", "title = \"\\u202D", 1)).unwrap();
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "studies/t/topic.toml:2:9: title: contains the bidirectional control character U+202D \
             (LEFT-TO-RIGHT OVERRIDE) at character 1;"
        ),
        "{}",
        run.stderr
    );
}

/// A registry saved as UTF-16 ("Unicode text") gave a message per column, each name's letters
/// separated by raw NUL bytes on the terminal: now one message saying what to do.
#[test]
fn a_utf16_registry_is_named_as_such() {
    let text = format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive\n");
    let little: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (bytes, why) in [
        (little, "little-endian byte-order mark FF FE"),
        (big, "every other byte of the header is NUL"),
    ] {
        let run = validate(&bytes);
        assert_eq!(run.code, 1);
        assert_eq!(
            run.stderr,
            format!(
                "studies/t/registry.csv:1: the file is UTF-16 ({why}), not UTF-8; re-save it as \
                 UTF-8 (in a spreadsheet: \"CSV UTF-8\")\n"
            )
        );
    }
    // A header name with a control character is quoted with it escaped.
    let run = validate(b"study_id,cit\x01ation\n");
    assert!(
        run.stderr
            .starts_with("studies/t/registry.csv:1:\"cit\\u{1}ation\": unknown column"),
        "{}",
        run.stderr
    );
}

const EFFECT_HEADER: &str = "study_id,citation,year,design,question,n,form,outcome,direction,\
                             effect_measure,yi,vi,ci_low,ci_high\n";

/// Every value finite, but the variance of a ±1e308 interval overflows: refused, naming the
/// column, instead of reaching the pooling as an infinite variance.
#[test]
fn effect_data_that_overflows_is_refused() {
    let registry = format!(
        "{EFFECT_HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive,md,0,,-1e308,1e308\n\
         b_2,c,2020,rct,treatment,10,citrate,severity,positive,md,1e308,1e308,,\n"
    );
    let run = validate(registry.as_bytes());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "studies/t/registry.csv:2:ci_high: the effect computed from this row's effect data is \
         not a finite number (md estimate 0, variance ∞): a value this large overflows; check \
         the row's effect data\n"
    );
}

/// Log odds ratios of ±700 pool to an interval whose upper limit, e^(large), overflows on the
/// natural scale: the report shows it as ∞, never as Rust's "inf" or "NaN".
#[test]
fn overflowing_ratio_limits_are_shown_as_infinite() {
    let registry = format!(
        "{EFFECT_HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive,or,700,1,,\n\
         b_2,c,2020,rct,treatment,10,citrate,severity,positive,or,-700,1,,\n"
    );
    let dir = topic_with(registry.as_bytes());
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(dir.path().join("reports/t/README.md")).unwrap();
    assert!(readme.contains("OR 1.00 (0.00 to ∞)"), "{readme}");
    for (path, bytes) in common::read_tree(&dir.path().join("reports/t")) {
        let Ok(text) = String::from_utf8(bytes) else {
            continue; // PNG
        };
        let words = text.split(|c: char| !c.is_alphanumeric());
        assert!(
            !words.into_iter().any(|w| w == "inf" || w == "NaN"),
            "{path}"
        );
    }
}

#[test]
fn topic_names_that_escape_are_refused() {
    let dir = topic_with(HEADER.as_bytes());
    for bad in ["../t", "..", "/etc"] {
        let run = evsynth_in(dir.path(), &["validate", bad]);
        assert_ne!(run.code, 0, "{bad}");
        assert_ne!(run.code, 101, "{bad}");
    }
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join("studies/t/topic.toml"),
        outside.path().join("topic.toml"),
    )
    .unwrap();
    std::fs::write(outside.path().join("registry.csv"), HEADER).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("studies/escape")).unwrap();
    for args in [&["validate", "escape"][..], &["report"][..]] {
        let run = evsynth_in(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("outside studies; topics must stay inside it"),
            "{}",
            run.stderr
        );
    }
    assert!(!dir.path().join("reports").exists());
}

#[test]
fn an_unwritable_output_directory_is_a_clear_error() {
    let dir = topic_with(
        format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive\n").as_bytes(),
    );
    std::fs::write(dir.path().join("not-a-dir"), "file").unwrap();
    let run = evsynth_in(dir.path(), &["report", "t", "--out", "not-a-dir"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("not-a-dir/t: cannot create directory:"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("not-a-dir")).unwrap(),
        "file"
    );
}

/// `--out studies` (or the topic directory itself, or a name that resolves to it) would write
/// the report into the topic's own directory, over a reviewer's README.md there: refused
/// before anything is read or written. An output directory beside the topics is fine.
#[test]
fn a_report_is_never_written_into_its_topic_directory() {
    let dir = topic_with(
        format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive\n").as_bytes(),
    );
    let topic = dir.path().join("studies/t");
    std::fs::write(topic.join("README.md"), "reviewer's notes").unwrap();
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    for out in ["studies", "./studies/", "studies/t", "elsewhere/../studies"] {
        let run = evsynth_in(dir.path(), &["report", "--out", out]);
        assert_eq!(run.code, 2, "{out}: {}", run.stderr);
        assert!(
            run.stderr.contains("the report of t would go to")
                && run.stderr.contains(
                    "inside its topic directory studies/t; give --out a directory outside the \
                     topics (the default is reports)"
                ),
            "{out}: {}",
            run.stderr
        );
    }
    let mut left: Vec<String> = std::fs::read_dir(&topic)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["README.md", "registry.csv", "topic.toml"]);
    assert_eq!(
        std::fs::read_to_string(topic.join("README.md")).unwrap(),
        "reviewer's notes"
    );
    let run = evsynth_in(dir.path(), &["report", "--out", "studies/reports"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("studies/reports/t/README.md").is_file());
}

/// A file that cannot be written (here: `charts` is a file, so no chart can go there; a full
/// disk fails the same way) fails the report before anything is renamed into place: the
/// previous report's README and tables stay as they were (the README was replaced before the
/// charts failed), and no temporary file is left.
#[test]
fn a_failed_write_leaves_the_previous_report_whole() {
    let dir = topic_with(
        format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive\n").as_bytes(),
    );
    let report = dir.path().join("out/t");
    std::fs::create_dir_all(report.join("tables")).unwrap();
    std::fs::write(report.join("README.md"), "previous README\n").unwrap();
    std::fs::write(report.join("tables/votes.csv"), "previous votes\n").unwrap();
    std::fs::write(report.join("charts"), "not a directory").unwrap();
    let run = evsynth_in(dir.path(), &["report", "t", "--out", "out"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot create directory"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(report.join("README.md")).unwrap(),
        "previous README\n"
    );
    assert_eq!(
        std::fs::read_to_string(report.join("tables/votes.csv")).unwrap(),
        "previous votes\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(&report)
        .unwrap()
        .chain(std::fs::read_dir(report.join("tables")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["README.md", "charts", "tables", "votes.csv"]);
}

#[test]
fn a_report_leaves_no_temporary_files() {
    let dir = topic_with(
        format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive\n").as_bytes(),
    );
    for _ in 0..2 {
        let run = evsynth_in(dir.path(), &["report", "t", "--out", "out"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let mut files = Vec::new();
    let mut pending = vec![dir.path().join("out")];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    assert!(files.iter().any(|f| f == "findings.csv"), "{files:?}");
    assert!(!files.iter().any(|f| f.contains(".tmp-")), "{files:?}");
}

#[test]
fn a_broken_topic_toml_is_named_with_its_line() {
    let dir = topic_with(HEADER.as_bytes());
    std::fs::write(
        dir.path().join("studies/t/topic.toml"),
        "title = \"T\nas_of =",
    )
    .unwrap();
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("studies/t/topic.toml:1:"),
        "{}",
        run.stderr
    );
    assert!(Path::new(&dir.path().join("studies/t/registry.csv")).is_file());
}

/// Standard error a closed pipe (`evsynth ... 2>&1 | head` after head left): the timings and
/// error messages written there are lost, but a report still completes and leaves no staged
/// file, and an error keeps its exit code (a panic would give 101).
#[test]
fn a_closed_standard_error_changes_no_exit_code() {
    let dir = topic_with(
        format!("{HEADER}a_1,c,2020,rct,treatment,10,citrate,severity,positive\n").as_bytes(),
    );
    let run_with_closed_stderr = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        std::process::Command::new(env!("CARGO_BIN_EXE_evsynth"))
            .args(args)
            .current_dir(dir.path())
            .env("EVSYNTH_TIMINGS", "1")
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(
        run_with_closed_stderr(&["report", "t", "--out", "out"]),
        Some(0)
    );
    assert!(dir.path().join("out/t/tables/findings.csv").is_file());
    let staged: Vec<_> = std::fs::read_dir(dir.path().join("out/t/tables"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(staged.is_empty(), "{staged:?}");
    assert_eq!(
        run_with_closed_stderr(&["validate", "no-such-topic"]),
        Some(2)
    );
}

/// A registry or topic.toml that is a FIFO is refused before it is opened: opening a FIFO to
/// read waits for a writer, for ever if none comes. (Were it opened, the writer thread below
/// would release it after 5 s with an empty file, and the messages would differ.)
#[test]
fn a_fifo_in_place_of_a_topic_file_is_refused_without_waiting() {
    for (file, action) in [
        ("registry.csv", "read"),
        ("topic.toml", "read"),
        ("registry.csv", "open for appending"),
    ] {
        let dir = topic_with(HEADER.as_bytes());
        let path = dir.path().join("studies/t").join(file);
        std::fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let writer_path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(5));
            drop(std::fs::OpenOptions::new().write(true).open(writer_path));
        });
        let add = "add t --study-id a_1 --citation A.2020 --year 2020 --design rct \
                   --question treatment --n 10 --form citrate --outcome severity --direction positive";
        let args: Vec<&str> = if action == "read" {
            vec!["validate", "t"]
        } else {
            add.split_whitespace().collect()
        };
        let run = evsynth_in(dir.path(), &args);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "studies/t/{file}: cannot {action}: it is a FIFO (named pipe), not a plain file; give a plain file\n"
            )
        );
    }
}

/// A topic whose size would make charts grow without bound: 25 questions (a panel each in the
/// evidence meter, harvest plot and timeline) and, in one question, findings in 40 forms × 40
/// outcomes (an evidence map and an effect direction plot of 40 outcome columns). Before the limits, such topics took minutes and
/// gigabytes (500 questions: a 2,000 × 300,000-pixel harvest plot; 3,000 forms × 3,000
/// outcomes: a 3 GB evidence-map SVG, 13 GB of memory). Now those charts are not drawn, each
/// with its reason in the report, and the rest of the report is written.
/// topic.toml text with questions `q0`… and forms `f0`… and outcomes `o0`….
fn topic_of_size(questions: usize, forms: usize, outcomes: usize) -> String {
    let mut topic = String::from("title = \"Wide topic\"\nas_of = \"2026-01-31\"\n");
    for q in 0..questions {
        topic.push_str(&format!(
            "\n[questions.q{q}]\nlabel = \"Question {q}?\"\nkind = \"intervention\"\nhypothesis = \"X{q} helps\"\npositive = \"benefit\"\nnegative = \"harm\"\n"
        ));
    }
    topic.push_str("\n[forms]\n");
    for f in 0..forms {
        topic.push_str(&format!("f{f} = \"Form {f}\"\n"));
    }
    topic.push_str("\n[outcomes]\n");
    for o in 0..outcomes {
        topic.push_str(&format!("o{o} = \"Outcome {o}\"\n"));
    }
    topic
}

/// Reports a [`topic_of_size`] topic whose registry has one finding in each question (`q_0`…,
/// form `f0`, outcome `o0`) and `more_rows`; the workspace and the report's README.
fn report_with_one_finding_per_question(
    (questions, forms, outcomes): (usize, usize, usize),
    more_rows: &str,
) -> (tempfile::TempDir, String) {
    let mut registry = String::from(HEADER);
    for q in 0..questions {
        registry.push_str(&format!(
            "q_{q},Q{q} J 2020,2020,rct,q{q},10,f0,o0,positive\n"
        ));
    }
    registry.push_str(more_rows);
    let dir = topic_with(registry.as_bytes());
    let topic = topic_of_size(questions, forms, outcomes);
    std::fs::write(dir.path().join("studies/t/topic.toml"), topic).unwrap();
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(dir.path().join("reports/t/README.md")).unwrap();
    (dir, readme)
}

#[test]
fn charts_that_would_grow_without_bound_are_not_drawn_and_say_why() {
    // q0 and q1 have findings in 40 forms × 40 outcomes, q2 in 3 forms × 40 outcomes.
    let wide: String = (0..40)
        .flat_map(|i| {
            [0, 1]
                .map(|q| format!("w{q}_{i},W{i} J 2021,2021,rct,q{q},10,f{i},o{i},negative\n"))
                .into_iter()
                .chain([format!(
                    "t_{i},T{i} J 2021,2021,rct,q2,10,f{},o{i},positive\n",
                    i % 3
                )])
        })
        .collect();
    let (dir, readme) = report_with_one_finding_per_question((25, 40, 40), &wide);
    let panels = "25 questions would each need a panel, more than 20: a chart that tall would not be readable; see tables/tier-by-direction.csv and tables/votes.csv.";
    for chart in ["evidence-meter", "harvest", "timeline"] {
        let line = format!("- `{chart}` not drawn: {panels}");
        assert!(readme.contains(&line), "{line}\n{readme}");
    }
    // q0's and q1's maps have 40 columns either way round and are not drawn, each saying so
    // under one item per kind; q2's 3 forms × 40 outcomes are drawn turned (outcomes as rows),
    // and the other questions' (one cell) as they are. Effect direction plots have a column
    // per outcome: q0's, q1's and q2's are not drawn.
    let maps = "- `evidence-map` not drawn for 2 charts:\n  \
        - evidence-map-q0: forms × outcomes with findings are 40 × 40, more than 150 × 30 either way round: a map would not be readable; see tables/form-by-direction.csv and tables/outcome-by-direction.csv.\n  \
        - evidence-map-q1: forms × outcomes with findings are 40 × 40, more than 150 × 30 either way round: a map would not be readable; see tables/form-by-direction.csv and tables/outcome-by-direction.csv.\n";
    assert!(readme.contains(maps), "{readme}");
    let columns = "- `effect-direction` not drawn for 3 charts:\n  \
        - effect-direction-q0: findings in 40 outcomes, more than 30: a column per outcome would not be readable; see tables/outcome-by-direction.csv.\n  \
        - effect-direction-q1: findings in 40 outcomes, more than 30: a column per outcome would not be readable; see tables/outcome-by-direction.csv.\n  \
        - effect-direction-q2: findings in 40 outcomes, more than 30: a column per outcome would not be readable; see tables/outcome-by-direction.csv.\n";
    assert!(readme.contains(columns), "{readme}");
    let charts = dir.path().join("reports/t/charts");
    assert!(!charts.join("evidence-map-q0.png").exists());
    assert!(!charts.join("evidence-map-q1.svg").exists());
    assert!(charts.join("evidence-map-q2.png").exists());
    let turned = std::fs::read_to_string(charts.join("evidence-map-q2.svg")).unwrap();
    assert!(turned.contains("40 outcomes by 3 forms; 80 of 120 cells have no findings."));
    let one_cell = std::fs::read_to_string(charts.join("evidence-map-q3.svg")).unwrap();
    assert!(one_cell.contains("1 form by 1 outcome; 0 of 1 cells have no findings."));
    // 40 rows of 44 px under the 250 px of title and column labels, and 90 px of footer.
    assert!(turned.contains(r#"height="2100" viewBox="0 0 1000 2100""#));
    assert!(charts.join("evidence-map-q24.svg").exists());
}

/// Past 100 questions with findings, the per-question chart kinds are not drawn at all (a
/// topic of 20,000 questions took 80 s and 9 GB drawing 40,000 charts; now 6 s, 1.3 GB).
#[test]
fn per_question_charts_stop_at_a_hundred_questions() {
    let (dir, readme) = report_with_one_finding_per_question((101, 1, 1), "");
    let reason = "101 questions have findings, more than 100: a chart for each would bury the report; see tables/votes.csv and the tables by direction.";
    for chart in ["effect-direction", "albatross", "evidence-map"] {
        let line = format!("- `{chart}` not drawn: {reason}");
        assert!(readme.contains(&line), "{line}\n{readme}");
    }
    let charts = std::fs::read_dir(dir.path().join("reports/t/charts")).map_or(0, Iterator::count);
    assert_eq!(charts, 0, "no chart is drawn for this topic");
}

/// Past 100 pooled analyses, forest and funnel plots are not drawn at all (a topic of 50,000
/// pooled outcomes took 111 s and 20 GB drawing 100,000 charts; now 3.5 s, 1.2 GB).
#[test]
fn per_analysis_charts_stop_at_a_hundred_analyses() {
    let mut registry = String::from(
        "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,yi,vi\n",
    );
    for study in 0..10 {
        for outcome in 0..101 {
            let vi = 0.01 * f64::from(study + 1);
            registry.push_str(&format!(
                "s{study},S{study} J 2020,2020,rct,q0,40,f0,o{outcome},positive,md,0.{study},{vi}\n"
            ));
        }
    }
    let dir = topic_with(registry.as_bytes());
    std::fs::write(
        dir.path().join("studies/t/topic.toml"),
        topic_of_size(1, 1, 101),
    )
    .unwrap();
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(dir.path().join("reports/t/README.md")).unwrap();
    assert!(readme.contains("| Outcome 100 | MD | 10 |"), "{readme}");
    for (chart, plots) in [("forest", "a forest plot"), ("funnel", "a funnel plot")] {
        let line = format!(
            "- `{chart}` not drawn: 101 pooled analyses, more than 100: {plots} for each would \
             bury the report; each pooled result is under \"Pooled effect sizes\" and each \
             study's effect in tables/effect-sizes.csv."
        );
        assert!(readme.contains(&line), "{line}\n{readme}");
    }
    let charts: Vec<String> = std::fs::read_dir(dir.path().join("reports/t/charts"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("forest") || name.starts_with("funnel"))
        .collect();
    assert_eq!(charts, Vec::<String>::new());
}

/// Ten trials with one standard error: Egger's regression has nothing to regress on. The
/// report says so in the pooled table and on a funnel plot that is still drawn (the sums
/// were 0/0 before, and the table showed their noise).
#[test]
fn egger_on_equal_standard_errors_says_it_was_not_computed() {
    let mut registry = String::from(
        "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,yi,vi\n",
    );
    for i in 0..10 {
        let yi = 0.1 * f64::from(i);
        registry.push_str(&format!(
            "s{i},Trial {i} 2020,2020,rct,treatment,40,citrate,severity,positive,md,{yi},0.04\n"
        ));
    }
    let dir = topic_with(registry.as_bytes());
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = dir.path().join("reports/t");
    let readme = std::fs::read_to_string(report.join("README.md")).unwrap();
    assert!(
        readme.contains("| not computed: every study has the same standard error |"),
        "{readme}"
    );
    assert!(!readme.contains("NaN"), "{readme}");
    let funnel =
        std::fs::read_to_string(report.join("charts/funnel-treatment-severity-md.svg")).unwrap();
    assert!(
        funnel.contains(
            "10 studies; Egger&#39;s test not computed: every study has the same standard error."
        ),
        "{funnel}"
    );
}

/// Effect data at the edge of double precision: estimates of ±10³⁰⁰, variances 10³⁰⁰ apart,
/// and variances of 10⁻¹⁶⁰ whose squared weights overflow. The first two are not pooled and
/// the report says why; the last is pooled (τ² = 1, as for the same data at unit scale); no
/// NaN or inf reaches the report, and nothing prints as dozens of digits.
#[test]
fn extreme_effect_data_is_pooled_exactly_or_refused_with_a_reason() {
    let mut registry = String::from(
        "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,yi,vi\n",
    );
    let rows = [
        ("severity", "md", "1e300", "1"),
        ("severity", "md", "-1e300", "1"),
        ("severity", "md", "0", "1"),
        ("severity", "smd", "0.1", "1e-300"),
        ("severity", "smd", "0.2", "1"),
        ("sleep", "md", "1", "1e-160"),
        ("sleep", "md", "2", "1e-160"),
        ("sleep", "md", "3", "1e-160"),
    ];
    for (i, (outcome, measure, yi, vi)) in rows.iter().enumerate() {
        registry.push_str(&format!(
            "s{i},Trial {i} 2020,2020,rct,treatment,40,citrate,{outcome},positive,{measure},{yi},{vi}\n"
        ));
    }
    let dir = topic_with(registry.as_bytes());
    let run = evsynth_in(dir.path(), &["report", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(dir.path().join("reports/t/README.md")).unwrap();
    assert!(
        readme.contains(
            "- MD: the estimates are too far apart to pool in double precision; check yi and vi; \
             SMD: the variances range from 1.00e-300 to 1.000, more than 1e12 apart: one study would \
             be the whole estimate; check that vi holds variances (squared standard errors): \
             Severity (5)."
        ),
        "{readme}"
    );
    assert!(
        readme.contains(
            "| Sleep quality | MD | 3 | 2.00 (0.87 to 3.13) | < 0.001 | 1.0000 | 100.0% | 2.00e160 (< 0.001) |"
        ),
        "{readme}"
    );
    for file in ["README.md", "summary.json", "index.html"] {
        let text = std::fs::read_to_string(dir.path().join("reports/t").join(file)).unwrap();
        let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
        assert!(!words.contains(&"NaN") && !words.contains(&"inf"), "{file}");
    }
}

/// A registry of one finding reads in the singular wherever a count of one is printed (the
/// shipped albatross plot said "1 findings", SWiM item 1 "1 domains with findings").
#[test]
fn counts_of_one_read_in_the_singular() {
    let dir = topic_with(
        format!("{HEADER}s1,Trial 2020,2020,rct,treatment,40,citrate,severity,positive\n")
            .as_bytes(),
    );
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert!(
        run.stdout.ends_with("ok (1 finding, 1 study)\n"),
        "{}",
        run.stdout
    );
    assert_eq!(evsynth_in(dir.path(), &["report", "t"]).code, 0);
    let readme = std::fs::read_to_string(dir.path().join("reports/t/README.md")).unwrap();
    for text in [
        "**1 finding from 1 study, 40 participants**",
        "1 of 1 counted studies has fewer than 50 participants",
        "by outcome domain (1 domain with findings)",
    ] {
        assert!(readme.contains(text), "{text}\n{readme}");
    }
    let html = std::fs::read_to_string(dir.path().join("reports/t/index.html")).unwrap();
    for wrong in ["1 findings", "1 studies", "1 outcome domains", "1 domains"] {
        assert!(!html.contains(wrong), "{wrong}");
    }
}
