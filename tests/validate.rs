//! `evsynth validate`: one fixture per defect class, each with its exact messages and exit 1;
//! clean fixtures and the shipped registry with exit 0.

mod common;

use common::{evsynth, root, workspace_with_topic};

const DIR: &str = "tests/fixtures/validate";

/// Runs validate on one fixture; returns exit code and stderr lines.
fn validate(fixture: &str) -> (i32, Vec<String>) {
    let run = evsynth(&["validate", &format!("{DIR}/{fixture}")]);
    (run.code, run.stderr.lines().map(str::to_owned).collect())
}

fn expect_invalid(fixture: &str, expected: &[&str]) {
    let (code, lines) = validate(fixture);
    let this_year = evsynth::dates::current_year().to_string();
    let expected: Vec<String> = expected
        .iter()
        .map(|line| {
            format!(
                "{DIR}/{fixture}:{}",
                line.replace("{this_year}", &this_year)
            )
        })
        .collect();
    assert_eq!(lines, expected, "messages for {fixture}");
    assert_eq!(code, 1, "exit code for {fixture}");
}

#[test]
fn the_shipped_registry_is_valid() {
    let run = evsynth(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "studies/magnesium-rls/registry.csv: ok (16 findings, 8 studies)\n"
    );
}

#[test]
fn a_topic_can_be_named_by_directory_name_or_file() {
    for arg in [
        "magnesium-rls",
        "studies/magnesium-rls",
        "studies/magnesium-rls/registry.csv",
    ] {
        let run = evsynth(&["validate", arg]);
        assert_eq!(run.code, 0, "{arg}: {}", run.stderr);
    }
}

/// A bare name is the topic under `--studies`, even where the working directory holds a
/// directory of that name (here a broken topic `t`, as a report directory `t` could be).
#[test]
fn a_bare_name_is_looked_up_under_studies_before_the_working_directory() {
    let (dir, topic) = workspace_with_topic("t", "tests/fixtures/validate/topic.toml");
    std::fs::copy(
        root().join(DIR).join("clean.csv"),
        topic.join("registry.csv"),
    )
    .unwrap();
    let decoy = dir.path().join("t");
    std::fs::create_dir_all(&decoy).unwrap();
    std::fs::write(decoy.join("topic.toml"), "title = 1\n").unwrap();
    std::fs::write(decoy.join("registry.csv"), "nonsense\n").unwrap();
    for arg in ["t", "t/"] {
        let run = common::evsynth_in(dir.path(), &["validate", arg]);
        assert_eq!(run.code, 0, "{arg}: {}", run.stderr);
        assert!(
            run.stdout.starts_with("studies/t/registry.csv: ok"),
            "{}",
            run.stdout
        );
    }
    // A path that is not a bare name still names the directory it points at.
    let run = common::evsynth_in(dir.path(), &["validate", "./t"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("./t/topic.toml:1:1: missing fields"),
        "{}",
        run.stderr
    );
}

#[test]
fn clean_fixture_is_valid() {
    assert_eq!(validate("clean.csv"), (0, vec![]));
}

#[test]
fn bom_and_crlf_are_accepted() {
    assert_eq!(validate("bom_crlf.csv"), (0, vec![]));
}

#[test]
fn unknown_design_names_the_allowed_values_or_the_one_meant() {
    expect_invalid(
        "unknown_design.csv",
        &[
            "2:design: unknown value \"trial\"; expected one of: systematic_review, meta_analysis, rct, non_randomised_trial, single_arm_trial, cohort, case_control, cross_sectional, case_series, case_report",
            // The key written with capitals and a space.
            "3:design: unknown value \"Case Report\"; did you mean \"case_report\"?",
        ],
    );
}

/// A topic key written another way (capitals, spaces), given as its label or with one typo is
/// named by the key meant; a value that names no key gets the list of keys.
#[test]
fn keys_written_another_way_or_as_their_labels_are_named() {
    expect_invalid(
        "keys_in_other_words.csv",
        &[
            "2:form: unknown value \"CITRATE\"; did you mean \"citrate\"? (forms are defined in topic.toml)",
            "2:outcome: unknown value \"Sleep quality\"; did you mean \"sleep\"? (outcomes are defined in topic.toml)",
            "3:question: unknown value \"Does X relieve the condition?\"; did you mean \"treatment\"? (questions are defined in topic.toml)",
            "3:form: unknown value \"Not applicable\"; did you mean \"not_applicable\"? (forms are defined in topic.toml)",
            "3:outcome: unknown value \"mood\"; expected one of: severity, sleep (outcomes are defined in topic.toml)",
            "3:direction: unknown value \"Positive\"; did you mean \"positive\"?",
            // One letter left out.
            "4:outcome: unknown value \"severty\"; did you mean \"severity\"? (outcomes are defined in topic.toml)",
            // A design with a letter left out.
            "5:design: unknown value \"cohrt\"; did you mean \"cohort\"?",
        ],
    );
}

#[test]
fn header_problems_are_reported_by_column_name() {
    expect_invalid(
        "missing_column.csv",
        &["1:direction: required column is missing from the header; add it"],
    );
    expect_invalid(
        "unknown_column.csv",
        &[
            "1:studyid: unknown column; did you mean \"study_id\"?",
            "1:study_id: required column is missing from the header; add it",
        ],
    );
    expect_invalid(
        "duplicate_column.csv",
        &["1:year: duplicate column; keep one of the two"],
    );
}

#[test]
fn empty_file_asks_for_the_header() {
    let (code, lines) = validate("empty_file.csv");
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(&format!(
        "{DIR}/empty_file.csv:1: the file is empty; its first line must be the header: study_id,citation,year,"
    )));
}

/// Bidirectional overrides and isolates are refused; the right-to-left mark in a Hebrew
/// citation is text.
#[test]
fn bidirectional_controls_in_a_citation() {
    expect_invalid(
        "bidi_control.csv",
        &[
            "2:citation: contains the bidirectional control character U+202E (RIGHT-TO-LEFT \
             OVERRIDE) at character 10; delete it (it reorders the text after it in the \
             reports' tables and pages, so they would show something else than the registry \
             holds; right-to-left text needs no such character)",
            "4:citation: contains the bidirectional control character U+2066 (LEFT-TO-RIGHT \
             ISOLATE) at character 5; delete it (it reorders the text after it in the reports' \
             tables and pages, so they would show something else than the registry holds; \
             right-to-left text needs no such character)",
        ],
    );
}

#[test]
fn year_out_of_range_and_not_a_year() {
    expect_invalid(
        "bad_year.csv",
        &[
            "2:year: \"1850\" is not a publication year; expected 1900..={this_year}",
            "3:year: \"19x8\" is not a publication year; expected 1900..={this_year}",
        ],
    );
}

#[test]
fn sample_size_must_be_a_whole_number_of_at_least_one() {
    expect_invalid(
        "bad_n.csv",
        &[
            "2:n: \"0\" is not a whole number >= 1; write digits only, e.g. 12",
            "3:n: \"12.5\" is not a whole number >= 1; write digits only, e.g. 12",
            "4:n: 4294967296 is too large; the largest count is 4,294,967,295",
        ],
    );
}

#[test]
fn p_values_must_lie_in_the_unit_interval() {
    expect_invalid(
        "p_out_of_range.csv",
        &[
            "2:p_value: \"1.5\" is not a p-value; write a number in [0, 1] (0.03) or a bound (<0.05)",
            "3:p_value: \"p<0.05\" is not a p-value; write a number in [0, 1] (0.03) or a bound (<0.05)",
        ],
    );
}

#[test]
fn estimate_must_lie_inside_its_interval() {
    expect_invalid(
        "ci_order.csv",
        &[
            "2:yi: yi 3 lies outside its confidence interval [-1, 1]; ratio measures go on the log scale in yi, ci_low and ci_high",
            "3:ci_low: ci_low 2 is above ci_high 1; swap them",
        ],
    );
}

/// A risk or odds ratio copied with its interval from a paper ("RR 0.6 (0.4 to 0.9)") is on
/// the natural scale, where evsynth reads log ratios: refused with the logarithms to write
/// (ln 0.6 = -0.5108, ln 0.4 = -0.9163, ln 0.9 = -0.1054; ln 2.5 = 0.9163, ln 1.1 = 0.0953,
/// ln 5.7 = 1.7405). The same numbers as logarithms (c_2022), or as a mean difference whose
/// interval is lopsided (d_2023), pass this check.
#[test]
fn ratios_copied_on_their_natural_scale_are_refused_with_their_logarithms() {
    expect_invalid(
        "ratio_natural_scale.csv",
        &[
            "2:yi: yi 0.6 with ci_low 0.4 and ci_high 0.9 looks like a risk ratio on its natural scale: the interval is symmetric around yi only after taking logarithms; rr goes on the log scale: yi = -0.5108, ci_low = -0.9163, ci_high = -0.1054",
            "3:yi: yi 2.5 with ci_low 1.1 and ci_high 5.7 looks like an odds ratio on its natural scale: the interval is symmetric around yi only after taking logarithms; or goes on the log scale: yi = 0.9163, ci_low = 0.0953, ci_high = 1.7405",
        ],
    );
}

#[test]
fn identifiers_are_format_checked() {
    expect_invalid(
        "bad_identifiers.csv",
        &[
            "2:doi: \"https://doi.org/10.1000/x\" is not a DOI; write the bare DOI, e.g. 10.1093/sleep/21.5.501",
            "2:pmid: \"PMID123\" is not a PubMed id; write its digits only, e.g. 9703590",
        ],
    );
}

#[test]
fn duplicate_findings_and_identifiers_name_the_first_line() {
    expect_invalid(
        "duplicate_finding.csv",
        &[
            "3:outcome: duplicate finding: study \"a_2020\" already has outcome \"severity\" on line 2; give each outcome of a study one row",
        ],
    );
    expect_invalid(
        "duplicate_doi.csv",
        &[
            "3:doi: doi 10.1000/same already belongs to study \"a_2020\" (line 2); one paper is one study id: reuse \"a_2020\"",
        ],
    );
}

#[test]
fn study_level_fields_must_agree() {
    expect_invalid(
        "study_fields_disagree.csv",
        &[
            "3:year: study \"a_2020\" has year \"2019\" here but \"2020\" on line 2; study-level fields must agree on every row of a study",
            "3:design: study \"a_2020\" has design \"cohort\" here but \"rct\" on line 2; study-level fields must agree on every row of a study",
        ],
    );
}

#[test]
fn ragged_rows_are_reported_and_the_rest_still_checked() {
    expect_invalid(
        "ragged_row.csv",
        &[
            "2: row has 21 fields but the header has 20; quote fields that contain commas (\"a, b\") and give every column a value or leave it empty",
        ],
    );
}

#[test]
fn invalid_utf8_is_reported_with_line_and_column() {
    expect_invalid(
        "invalid_utf8.csv",
        &[
            "2:citation: invalid UTF-8 (byte 0xE9 at byte 4 of the field); re-save the file as UTF-8",
        ],
    );
}

/// A required column read again after its value was found missing reported the same bad byte
/// twice.
#[test]
fn invalid_utf8_in_a_required_value_is_reported_once() {
    let (dir, topic) = workspace_with_topic("t", &format!("{DIR}/topic.toml"));
    let mut bytes = b"study_id,citation,year,design,question,n,form,outcome,direction\n".to_vec();
    bytes.extend_from_slice(b"a_1,c,2020,rc\xE9t,treatment,10,citrate,severity,positive\n");
    std::fs::write(topic.join("registry.csv"), bytes).unwrap();
    let run = common::evsynth_in(dir.path(), &["validate", "t"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr
            .matches("design: invalid UTF-8 (byte 0xE9 at byte 3 of the field)")
            .count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn topic_vocabulary_is_enforced() {
    expect_invalid(
        "unknown_vocabulary.csv",
        &[
            "2:question: unknown value \"safety\"; expected one of: treatment (questions are defined in topic.toml)",
            "2:form: unknown value \"oxide\"; expected one of: citrate, not_applicable (forms are defined in topic.toml)",
            "2:outcome: unknown value \"mood\"; expected one of: severity, sleep (outcomes are defined in topic.toml)",
        ],
    );
}

#[test]
fn enums_and_required_values() {
    expect_invalid(
        "unknown_enum_values.csv",
        &[
            "2:direction: unknown value \"benefit\"; expected one of: positive, none, negative, conflicting",
            "2:significant: unknown value \"maybe\"; expected one of: yes, no, or empty when not reported",
            "2:confidence: unknown value \"very high\"; expected one of: high, medium, low",
        ],
    );
    expect_invalid(
        "empty_required.csv",
        &[
            "2:citation: required value is empty",
            "2:direction: required value is empty",
        ],
    );
}

#[test]
fn review_and_effect_rules() {
    expect_invalid(
        "review_fields.csv",
        &[
            "2:n: a review needs n (participants pooled) or k_studies (studies included)",
            "3:k_studies: k_studies is for reviews only, but design is rct; leave it empty",
        ],
    );
    expect_invalid(
        "effect_incomplete.csv",
        &[
            "2:effect_measure: effect data is given but effect_measure is empty; set one of: md, smd, rr, or, rd",
            "2:vi: yi needs its variance vi, or ci_low and ci_high",
            "3:vi: yi needs its variance vi, or ci_low and ci_high",
        ],
    );
    expect_invalid(
        "not_a_number.csv",
        &[
            "2:yi: \"1e309\" is not a number; expected a finite number (digits 0-9, . as decimal point)",
            "2:vi: \"NaN\" is not a number; expected a variance > 0 (digits 0-9, . as decimal point)",
            // A value that does not parse is reported once, not as missing as well.
            "3:vi: 0 is out of range; expected a variance > 0",
            "4:yi: \"abc\" is not a number; expected a finite number (digits 0-9, . as decimal point)",
            "5:ci_high: \"one\" is not a number; expected a finite number (digits 0-9, . as decimal point)",
        ],
    );
}

#[test]
fn every_problem_is_reported_at_once_in_line_order() {
    expect_invalid(
        "multiple_errors.csv",
        &[
            "2:year: \"3000\" is not a publication year; expected 1900..={this_year}",
            "2:design: unknown value \"RCT?\"; did you mean \"rct\"?",
            "3:study_id: \"B 2000\" is not a study id; use lowercase letters, digits and _, e.g. hornyak_1998",
            "3:n: \"-3\" is not a whole number >= 1; write digits only, e.g. 12",
        ],
    );
}

/// Each registry validated ends with a line on stdout: "ok" with its counts, or how many
/// problems stderr named (which, with many, scrolled away). Two registry files beside one
/// topic.toml are both checked (the second was skipped without a word, taken for the same
/// topic); a report of both is refused, as they would share a report directory.
#[test]
fn each_topic_closes_with_ok_or_its_count_of_problems() {
    let run = evsynth(&[
        "validate",
        &format!("{DIR}/clean.csv"),
        &format!("{DIR}/multiple_errors.csv"),
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 4, "{}", run.stderr);
    let clean = evsynth(&["validate", &format!("{DIR}/clean.csv")]);
    assert_eq!(
        run.stdout,
        format!(
            "{}{DIR}/multiple_errors.csv: not valid (4 problems, each named above on stderr)\n",
            clean.stdout
        )
    );
    assert!(clean.stdout.starts_with(&format!("{DIR}/clean.csv: ok (")));
    let out = tempfile::tempdir().unwrap();
    let report = evsynth(&[
        "report",
        &format!("{DIR}/clean.csv"),
        &format!("{DIR}/multiple_errors.csv"),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(report.code, 2, "{}", report.stderr);
    assert!(
        report
            .stderr
            .starts_with("two topics are named \"validate\" ("),
        "{}",
        report.stderr
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn unknown_topic_is_a_usage_error() {
    let run = evsynth(&["validate", "no-such-topic"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("no topic \"no-such-topic\": studies/no-such-topic is not a directory; known topics: magnesium-rls"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_broken_topic_file_is_invalid_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join(DIR).join("clean.csv"),
        dir.path().join("registry.csv"),
    )
    .unwrap();
    std::fs::write(dir.path().join("topic.toml"), "title = \"T\"\n").unwrap();
    let run = evsynth(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with(
            "topic.toml:1:1: missing fields `as_of`, `questions` and `outcomes`; add them \
             (studies/README.md describes every key of topic.toml)\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .ends_with("topic.toml: not valid (1 problem, each named above on stderr)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn every_registry_column_is_documented() {
    let readme = std::fs::read_to_string(root().join("studies/README.md")).unwrap();
    for column in evsynth::registry::columns::COLUMNS {
        assert!(
            readme.contains(&format!("| `{}` |", column.name)),
            "studies/README.md does not document column {}",
            column.name
        );
    }
}

/// A registry saved with semicolons (spreadsheets in locales with a decimal comma) or tabs
/// gets one message naming the separator, not an unknown column and nine missing ones.
#[test]
fn semicolon_or_tab_separated_files_are_named_as_such() {
    for (fixture, separator) in [
        ("semicolon_separated.csv", "semicolons"),
        ("tab_separated.csv", "tabs"),
    ] {
        expect_invalid(
            fixture,
            &[&format!(
                "1: the header is one field of column names separated by {separator}: the file is \
                 not comma-separated (some spreadsheet locales save CSV that way); save it as \
                 comma-separated CSV (UTF-8)"
            )],
        );
    }
}

/// A trailing empty column, as spreadsheets save after a stray cell, is named by its position
/// (it was "unknown column; did you mean \"n\"?", on a column with no name).
#[test]
fn an_unnamed_column_is_named_by_position() {
    expect_invalid(
        "unnamed_column.csv",
        &[
            "1: column 10 of the header has no name (spreadsheets add one after a stray cell); \
           delete the column, or name it if it holds data",
        ],
    );
}

/// A topic directory without its registry, or a directory without topic.toml, is named with
/// what a topic directory holds and how to make one — by every command that reads a topic —
/// with exit 2, and nothing is created.
#[test]
fn a_missing_topic_file_says_what_a_topic_directory_holds() {
    let (dir, topic) = workspace_with_topic("t", "studies/magnesium-rls/topic.toml");
    let hint = "no such file; a topic directory holds topic.toml and registry.csv \
                (`evsynth init NAME` makes both)";
    let add = [
        "add",
        "t",
        "--study-id",
        "a",
        "--citation",
        "C",
        "--year",
        "2000",
        "--design",
        "rct",
        "--question",
        "treatment",
        "--n",
        "5",
        "--form",
        "citrate",
        "--outcome",
        "rls_severity",
        "--direction",
        "positive",
    ];
    for args in [
        &["validate", "t"][..],
        &["report", "t"],
        &["summary", "t"],
        &add,
    ] {
        let run = common::evsynth_in(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!("studies/t/registry.csv: {hint}\n"),
            "{args:?}"
        );
    }
    assert!(!topic.join("registry.csv").exists());
    assert!(!dir.path().join("reports").exists());
    std::fs::remove_file(topic.join("topic.toml")).unwrap();
    let run = common::evsynth_in(dir.path(), &["validate", "studies/t"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, format!("studies/t/topic.toml: {hint}\n"));
}
