//! The reviewer workflow: `init`, `add` (flags, --from-csv, prompts, duplicates, dry run),
//! safe concurrent and interrupted appends, `fmt`, and `diff`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Run, evsynth_in};

/// A scratch directory with `studies/t/` created by `evsynth init t`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let run = evsynth_in(dir.path(), &["init", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let topic = dir.path().join("studies/t/topic.toml");
    let text = std::fs::read_to_string(&topic).unwrap() + "sleep = \"Sleep quality\"\n";
    std::fs::write(&topic, text).unwrap();
    let registry = dir.path().join("studies/t/registry.csv");
    (dir, registry)
}

fn add(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["add", "t"];
    args.extend_from_slice(extra);
    evsynth_in(dir, &args)
}

const ROW_A: &[&str] = &[
    "--study-id",
    "a_2020",
    "--citation",
    "Author A et al. J Sleep 2020;1:1-9",
    "--year",
    "2020",
    "--design",
    "rct",
    "--question",
    "treatment",
    "--n",
    "40",
    "--form",
    "oral",
    "--outcome",
    "severity",
    "--direction",
    "positive",
    "--doi",
    "10.1000/abc.1",
];

/// ROW_A as another study: its own id, citation and DOI.
fn row_b() -> Vec<&'static str> {
    let mut row = ROW_A.to_vec();
    row[1] = "b_2021";
    row[3] = "Author B. Sleep Med 2021;2:3-4";
    row[19] = "10.1000/abc.2";
    row
}

/// A workspace whose registry holds ROW_A, saved again with each LF replaced by `line_end`;
/// the registry's path and text.
fn row_a_saved_with(line_end: &str) -> (tempfile::TempDir, PathBuf, String) {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let text = std::fs::read_to_string(&registry)
        .unwrap()
        .replace('\n', line_end);
    (dir, registry, text)
}

fn rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

#[test]
fn init_creates_a_valid_empty_topic_and_refuses_to_overwrite() {
    let (dir, registry) = workspace();
    assert_eq!(rows(&registry), 0);
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 0);
    // Dated today (UTC), as `date` gives it, not a fixed day.
    let today = std::process::Command::new("date")
        .args(["-u", "+%F"])
        .output()
        .unwrap();
    let today = String::from_utf8(today.stdout).unwrap();
    let topic = std::fs::read_to_string(dir.path().join("studies/t/topic.toml")).unwrap();
    assert!(
        topic.contains(&format!("as_of = \"{}\"", today.trim())),
        "{topic}"
    );
    let again = evsynth_in(dir.path(), &["init", "t"]);
    assert_eq!(again.code, 2);
    assert!(
        again
            .stderr
            .contains("already holds a topic; nothing was changed")
    );
    for bad in ["../escape", "a/b", "has space", ".."] {
        let run = evsynth_in(dir.path(), &["init", bad]);
        assert_eq!(run.code, 2, "{bad}");
        assert!(run.stderr.contains("is not a topic name"), "{}", run.stderr);
    }
}

#[test]
fn add_by_flags_appends_one_valid_row() {
    let (dir, registry) = workspace();
    let run = add(dir.path(), ROW_A);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "added 1 row to studies/t/registry.csv (line 2)\n"
    );
    let text = std::fs::read_to_string(&registry).unwrap();
    assert!(text.ends_with(
        "a_2020,Author A et al. J Sleep 2020;1:1-9,2020,10.1000/abc.1,,rct,treatment,40,,,oral,,,,severity,positive,,,,,,,,,,,,,,,,,,,\n"
    ));
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 0);
}

/// Negative effects are the common case (a mean difference below zero, a log odds ratio of a
/// protective effect): `--yi -0.4` takes -0.4 as the value, not as an unknown flag (clap's
/// default, which told the reviewer to write `-- -0.4`).
#[test]
fn negative_numbers_are_flag_values() {
    let (dir, registry) = workspace();
    let mut args = ROW_A.to_vec();
    args.extend([
        "--effect-measure",
        "md",
        "--yi",
        "-0.4",
        "--ci-low",
        "-1.25",
        "--ci-high",
        "0.45",
    ]);
    let run = add(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&registry).unwrap();
    assert!(
        text.contains(",severity,positive,,,md,-0.4,,-1.25,0.45,"),
        "{text}"
    );
    // A flag given no value is still refused, not fed the next flag.
    let run = add(dir.path(), &["--study-id", "--citation", "x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(rows(&registry), 1);
}

#[test]
fn later_rows_of_a_study_inherit_its_study_level_fields() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let run = add(
        dir.path(),
        &[
            "--study-id",
            "a_2020",
            "--question",
            "treatment",
            "--n",
            "40",
            "--form",
            "oral",
            "--outcome",
            "sleep",
            "--direction",
            "none",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let last = std::fs::read_to_string(&registry)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        last.starts_with(
            "a_2020,Author A et al. J Sleep 2020;1:1-9,2020,10.1000/abc.1,,rct,treatment,40,"
        ),
        "{last}"
    );
}

#[test]
fn missing_required_flags_are_named_when_not_on_a_terminal() {
    let (dir, registry) = workspace();
    let run = add(dir.path(), &["--study-id", "a_2020", "--year", "2020"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "missing required flags: --citation --design --question --n --form --outcome --direction (run in a terminal to be asked for them)\n"
    );
    assert_eq!(rows(&registry), 0);
}

#[test]
fn typos_are_refused_with_the_fix_and_nothing_is_written() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let before = std::fs::read(&registry).unwrap();
    let mut row: Vec<&str> = ROW_A.to_vec();
    row[1] = "b_2021";
    row[7] = "RCT";
    row[15] = "mood";
    let run = add(dir.path(), &row);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "--design: unknown value \"RCT\"; did you mean \"rct\"?\n\
         --outcome: unknown value \"mood\"; expected one of: severity, sleep (outcomes are defined in topic.toml)\n"
    );
    assert_eq!(std::fs::read(&registry).unwrap(), before);
}

#[test]
fn each_duplicate_rule_names_the_existing_line() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let before = std::fs::read(&registry).unwrap();

    // Same (study_id, outcome).
    let run = add(dir.path(), ROW_A);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--outcome: duplicate finding: study \"a_2020\" already has outcome \"severity\" on line 2"), "{}", run.stderr);

    // Same DOI under another study id.
    let mut other = ROW_A.to_vec();
    other[1] = "b_2021";
    other[3] = "Someone else. Other J 2021";
    other[5] = "2021";
    let run = add(dir.path(), &other);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("--doi: doi 10.1000/abc.1 already belongs to study \"a_2020\" (line 2)"),
        "{}",
        run.stderr
    );

    // Same normalised citation and year under another study id (no DOI this time).
    let same_title = [
        "--study-id",
        "a2_2020",
        "--citation",
        "author a et al, j sleep 2020; 1:1-9.",
        "--year",
        "2020",
        "--design",
        "rct",
        "--question",
        "treatment",
        "--n",
        "40",
        "--form",
        "oral",
        "--outcome",
        "severity",
        "--direction",
        "positive",
    ];
    let run = add(dir.path(), &same_title);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "--citation: same citation and year as study \"a_2020\" on line 2 of the registry"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&registry).unwrap(), before);

    let mut allowed = same_title.to_vec();
    allowed.push("--allow-duplicate-title");
    assert_eq!(add(dir.path(), &allowed).code, 0);
}

#[test]
fn dry_run_prints_the_row_and_writes_nothing() {
    let (dir, registry) = workspace();
    let mut row = ROW_A.to_vec();
    row.push("--dry-run");
    let run = add(dir.path(), &row);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("\na_2020,Author A et al. J Sleep 2020;1:1-9,2020,")
    );
    assert!(
        run.stdout
            .ends_with("dry run: 1 row valid, nothing written to studies/t/registry.csv\n")
    );
    assert_eq!(rows(&registry), 0);
}

#[test]
fn from_csv_is_all_or_nothing() {
    let (dir, registry) = workspace();
    let input = dir.path().join("rows.csv");
    std::fs::write(
        &input,
        "study_id,citation,year,design,question,n,form,outcome,direction\n\
         c_2022,C J 2022,2022,rct,treatment,30,oral,severity,positive\n\
         d_2023,D J 2023,2023,cohort,treatment,0,oral,severity,positive\n",
    )
    .unwrap();
    let run = add(dir.path(), &["--from-csv", input.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "{}:3:n: \"0\" is not a whole number >= 1; write digits only, e.g. 12\n",
            input.display()
        )
    );
    assert_eq!(rows(&registry), 0);

    std::fs::write(
        &input,
        std::fs::read_to_string(&input)
            .unwrap()
            .replace(",0,oral", ",12,oral"),
    )
    .unwrap();
    let run = add(dir.path(), &["--from-csv", input.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "added 2 rows to studies/t/registry.csv (lines 2-3)\n"
    );
    assert_eq!(rows(&registry), 2);
}

/// Lines of the input file are counted as an editor shows them (CRLF line ends, a blank line,
/// a quoted line break), and a row that repeats another new row names that row's line in the
/// input file: the registry has no such line yet. The csv reader's own line count lags by one
/// after CRLF and counts a skipped blank line late (with it, this test saw lines 4 and 6 for
/// 5 and 7, and "on line 2", a line of the registry as it would have been).
/// `--from-csv /dev/zero` read until the kernel killed the process (exit 137); a FIFO would
/// wait for a writer for ever. Only a plain file is read; the registry is left as it was.
#[test]
fn from_csv_reads_only_a_plain_file() {
    let (dir, registry) = workspace();
    let before = std::fs::read(&registry).unwrap();
    let fifo = dir.path().join("rows.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for (input, what) in [
        ("/dev/zero", "it is a device, not a plain file"),
        (
            fifo.to_str().unwrap(),
            "it is a FIFO (named pipe), not a plain file",
        ),
    ] {
        let run = add(dir.path(), &["--from-csv", input]);
        assert_eq!(run.code, 2, "{input}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("{input}: cannot read: {what}; give a plain file")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read(&registry).unwrap(), before);
}

#[test]
fn from_csv_problems_name_the_input_file_lines() {
    let (dir, registry) = workspace();
    let input = dir.path().join("rows.csv");
    std::fs::write(
        &input,
        "study_id,citation,year,design,question,n,form,outcome,direction\r\n\
         \r\n\
         c_2022,\"C\r\nJ 2022\",2022,rct,treatment,30,oral,severity,positive\r\n\
         c_2022,\"C\r\nJ 2022\",2022,rct,treatment,30,oral,severity,negative\r\n\
         d_2023,D J 2023,2023,cohort,treatment,0,oral,severity,positive\r\n",
    )
    .unwrap();
    let run = add(dir.path(), &["--from-csv", input.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let shown = input.display();
    assert_eq!(
        run.stderr,
        format!(
            "{shown}:5:outcome: duplicate finding: study \"c_2022\" already has outcome \"severity\" on line 3; give each outcome of a study one row\n\
             {shown}:7:n: \"0\" is not a whole number >= 1; write digits only, e.g. 12\n"
        )
    );
    assert_eq!(rows(&registry), 0);
}

#[test]
fn a_registry_without_a_final_newline_is_appended_to_cleanly() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, text.trim_end()).unwrap();
    let mut row = ROW_A.to_vec();
    row[15] = "sleep";
    row.extend(["--allow-duplicate-title"]);
    let run = add(dir.path(), &row[..]);
    // Same study id with another outcome: the DOI and citation belong to it, so this is fine.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(rows(&registry), 2);
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 0);
}

/// A registry saved with CRLF line ends (as spreadsheets on Windows save CSV) stays CRLF: the
/// appended row ends in CRLF, and so does the line break added after a last row without one.
/// (Before, both were LF: a file of mixed line ends.)
#[test]
fn rows_appended_to_a_crlf_registry_end_in_crlf() {
    let (dir, registry, crlf) = row_a_saved_with("\r\n");
    std::fs::write(&registry, crlf.trim_end()).unwrap();
    let mut row = ROW_A.to_vec();
    row[15] = "sleep";
    let run = add(dir.path(), &row[..]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&registry).unwrap();
    assert_eq!(text.matches('\n').count(), 3, "{text:?}");
    assert_eq!(text.matches("\r\n").count(), 3, "{text:?}");
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 0);
}

#[test]
fn adding_to_a_broken_registry_lists_every_existing_problem_and_writes_nothing() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let text = std::fs::read_to_string(&registry).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    // Line 3 repeats line 2 (a cross-row problem); line 4 has a direction typo (a row problem).
    let broken = format!(
        "{text}{first}\n{}\n",
        first.replace(",positive,", ",postive,")
    );
    std::fs::write(&registry, &broken).unwrap();
    let run = add(dir.path(), &row_b());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("registry.csv:3:outcome: duplicate finding"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("registry.csv:4:direction"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("postive"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&registry).unwrap(), broken);
}

/// Classic Mac OS line ends (a lone CR, as a spreadsheet's "CSV (Macintosh)" saves): the csv
/// reader would take them, but every line number would be 1 and an appended row would end in
/// LF, so the file is refused with the fix, once, and nothing is appended.
#[test]
fn a_registry_with_lone_cr_line_ends_is_refused_with_the_fix_and_left_alone() {
    let (dir, registry, mac) = row_a_saved_with("\r");
    std::fs::write(&registry, &mac).unwrap();
    let expected = "studies/t/registry.csv:1: lines end in a carriage return alone (CR: classic \
                    Mac OS line ends, as a spreadsheet's \"CSV (Macintosh)\" writes them); \
                    re-save the file with LF or CRLF line ends (in a spreadsheet: \"CSV UTF-8\")\n";
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!((run.code, run.stderr.as_str()), (1, expected));
    let run = add(dir.path(), &row_b());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&registry).unwrap(), mac);
    // A header alone ending in a lone CR is the same file kind; CRLF is not.
    let header = mac.split('\r').next().unwrap();
    std::fs::write(&registry, format!("{header}\r")).unwrap();
    assert_eq!(evsynth_in(dir.path(), &["validate", "t"]).code, 1);
    std::fs::write(&registry, mac.replace('\r', "\r\n")).unwrap();
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_read_only_registry_gives_a_clear_error_and_stays_unchanged() {
    let (dir, registry) = workspace();
    let mut permissions = std::fs::metadata(&registry).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&registry, permissions).unwrap();
    let before = std::fs::read(&registry).unwrap();
    let run = add(dir.path(), ROW_A);
    // Root ignores file permissions; the check is meaningful only for other users.
    if run.code != 0 {
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.starts_with(
                "studies/t/registry.csv: cannot open for appending: Permission denied"
            ),
            "{}",
            run.stderr
        );
        assert_eq!(std::fs::read(&registry).unwrap(), before);
    }
}

#[test]
fn two_reviewers_adding_at_once_both_land() {
    let (dir, registry) = workspace();
    let spawn = |prefix: &'static str| {
        let dir = dir.path().to_path_buf();
        std::thread::spawn(move || {
            for i in 0..200 {
                let id = format!("{prefix}_{i}");
                let citation = format!("Study {prefix} {i}");
                let run = evsynth_in(
                    &dir,
                    &[
                        "add",
                        "t",
                        "--study-id",
                        &id,
                        "--citation",
                        &citation,
                        "--year",
                        "2020",
                        "--design",
                        "cohort",
                        "--question",
                        "treatment",
                        "--n",
                        "10",
                        "--form",
                        "oral",
                        "--outcome",
                        "severity",
                        "--direction",
                        "positive",
                    ],
                );
                assert_eq!(run.code, 0, "{}", run.stderr);
            }
        })
    };
    let first = spawn("p");
    let second = spawn("q");
    first.join().unwrap();
    second.join().unwrap();
    assert_eq!(rows(&registry), 400);
    let run = evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(
        run.stdout,
        "studies/t/registry.csv: ok (400 findings, 400 studies)\n"
    );
}

#[test]
fn killing_add_at_random_points_never_corrupts_the_registry() {
    let (dir, registry) = workspace();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut reported = Vec::new();
    for i in 0..100 {
        let id = format!("k_{i}");
        let citation = format!("Killed study {i}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_evsynth"))
            .args([
                "add",
                "t",
                "--study-id",
                &id,
                "--citation",
                &citation,
                "--year",
                "2021",
                "--design",
                "cohort",
                "--question",
                "treatment",
                "--n",
                "10",
                "--form",
                "oral",
                "--outcome",
                "severity",
                "--direction",
                "none",
            ])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // xorshift: a reproducible delay of 0-8 ms before SIGKILL.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_micros(seed % 8000));
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        if String::from_utf8_lossy(&output.stdout).starts_with("added 1 row") {
            reported.push(id);
        }
        let run = evsynth_in(dir.path(), &["validate", "t"]);
        assert_eq!(run.code, 0, "after kill {i}: {}", run.stderr);
    }
    let text = std::fs::read_to_string(&registry).unwrap();
    for id in &reported {
        assert!(
            text.contains(&format!("\n{id},")),
            "{id} reported success but is missing"
        );
    }
}

#[test]
fn interactive_add_prompts_with_choices_and_defaults() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let mut command = Command::new(env!("CARGO_BIN_EXE_evsynth"));
    command
        .args(["add", "t", "--study-id", "a_2020"])
        .current_dir(dir.path());
    let mut session = rexpect::session::spawn_command(command, Some(10_000)).unwrap();
    // Study-level fields come from the study's first row; the rest are asked for.
    session
        .exp_string("question [treatment] (default treatment): ")
        .unwrap();
    session.send_line("").unwrap();
    session.exp_string("n (default 40): ").unwrap();
    session.send_line("38").unwrap();
    session
        .exp_string("form [oral, not_applicable] (default oral): ")
        .unwrap();
    session.send_line("").unwrap();
    session.exp_string("outcome [severity, sleep]: ").unwrap();
    session.send_line("severity").unwrap();
    session
        .exp_string("direction [positive, none, negative, conflicting]: ")
        .unwrap();
    session.send_line("benefit").unwrap();
    session
        .exp_string("\"benefit\" is not one of: positive, none, negative, conflicting")
        .unwrap();
    session
        .exp_string("direction [positive, none, negative, conflicting]: ")
        .unwrap();
    session.send_line("negative").unwrap();
    // severity is already taken by this study: refused, nothing written.
    session.exp_string("duplicate finding").unwrap();
    session.exp_eof().unwrap();
    assert_eq!(rows(&registry), 1);
}

#[test]
fn fmt_puts_columns_and_rows_in_canonical_order() {
    let (dir, registry) = workspace();
    std::fs::write(
        &registry,
        "direction,outcome,study_id,citation,year,design,question,n,form\r\n\
         positive,severity,z_2020,Z 2020,2020,rct,treatment,10,oral\r\n\
         none,severity,a_2020,A 2020,2020,rct,treatment,12,oral\r\n",
    )
    .unwrap();
    let check = evsynth_in(dir.path(), &["fmt", "t", "--check"]);
    assert_eq!(check.code, 1);
    assert_eq!(
        check.stdout,
        "studies/t/registry.csv: not in canonical form (columns other than the canonical ones \
         in their order; CRLF line ends; rows not sorted by study_id, then outcome); run \
         `evsynth fmt t`\n"
    );
    assert_eq!(evsynth_in(dir.path(), &["fmt", "t"]).code, 0);
    let text = std::fs::read_to_string(&registry).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], evsynth::registry::columns::header_line());
    assert!(lines[1].starts_with("a_2020,A 2020,2020,,,rct,treatment,12,"));
    assert!(lines[2].starts_with("z_2020,Z 2020,2020,,,rct,treatment,10,"));
    assert_eq!(evsynth_in(dir.path(), &["fmt", "t", "--check"]).code, 0);
    // A byte-order mark, and a field with spaces around it, are named too.
    for (bytes, why) in [
        (format!("\u{feff}{text}"), "a byte-order mark"),
        (
            text.replacen("A 2020,", " A 2020 ,", 1),
            "fields spaced, quoted or ended otherwise",
        ),
    ] {
        std::fs::write(&registry, bytes).unwrap();
        let check = evsynth_in(dir.path(), &["fmt", "t", "--check"]);
        assert_eq!(check.code, 1);
        assert!(
            check.stdout.contains(&format!("form ({why}); run")),
            "{}",
            check.stdout
        );
    }
}

#[test]
fn shipped_registry_is_in_canonical_form() {
    let run = common::evsynth(&["fmt", "--check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn diff_lists_changes_and_the_vote_movement() {
    let (dir, registry) = workspace();
    assert_eq!(add(dir.path(), ROW_A).code, 0);
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "first"]);
    let second = [
        "--study-id",
        "b_2021",
        "--citation",
        "B. J 2021",
        "--year",
        "2021",
        "--design",
        "cohort",
        "--question",
        "treatment",
        "--n",
        "100",
        "--form",
        "oral",
        "--outcome",
        "severity",
        "--direction",
        "negative",
    ];
    assert_eq!(add(dir.path(), &second).code, 0);
    let text = std::fs::read_to_string(&registry)
        .unwrap()
        .replace(",40,,,oral", ",44,,,oral");
    std::fs::write(&registry, text).unwrap();
    let run = evsynth_in(dir.path(), &["diff", "t", "--since", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "## Registry changes in `t` since `HEAD`\n\n\
         1 added, 0 removed, 1 changed findings.\n\n\
         **Added**\n\n\
         - `b_2021` / `severity`: negative (treatment cohort, n=100)\n\n\
         **Changed**\n\n\
         - `a_2020` / `severity`: n: 40 → 44\n\n\
         **Vote counts** (primary analysis)\n\n\
         | Question | Before | After |\n\
         |---|---|---|\n\
         | treatment | 1 ▲ / 0 ▼ of 1 study (p = 1) | 1 ▲ / 1 ▼ of 2 studies (p = 1) |\n"
    );
}
