//! Property tests (proptest): vote counts add up, p-values stay in [0, 1], the sign test is
//! symmetric, no byte string given as a registry makes the reader panic, and every valid
//! registry (random topics, designs and effect data) gives a whole report.

use std::io::Cursor;

use evsynth::model::{Design, Direction, Tier};
use evsynth::registry::check::{Keep, read_checked};
use evsynth::synthesis::study_votes::StudyVote;
use evsynth::synthesis::vote_count::count_votes;
use evsynth::synthesis::votes::{sign_test, wilson};
use proptest::prelude::*;
use sha2::Digest;

fn direction() -> impl Strategy<Value = Direction> {
    prop::sample::select(Direction::ALL.to_vec())
}

proptest! {
    #[test]
    fn vote_counts_add_up(directions in prop::collection::vec(direction(), 0..200)) {
        let votes: Vec<StudyVote> = directions
            .iter()
            .enumerate()
            .map(|(i, d)| StudyVote { study_id: format!("s{i}").into(), tier: Tier::Randomised, direction: *d, findings: 1, n: Some(1) })
            .collect();
        let count = count_votes(&votes);
        prop_assert_eq!(count.studies as usize, votes.len());
        prop_assert_eq!(count.by_direction.iter().sum::<u32>() as usize, votes.len());
        prop_assert_eq!(count.with_direction, count.positive() + count.negative());
        if let Some(p) = count.sign_test {
            prop_assert!((0.0..=1.0).contains(&p.value()));
            prop_assert!(p.value() >= count.min_attainable_p.unwrap().value() * (1.0 - 1e-12));
        } else {
            prop_assert_eq!(count.with_direction, 0);
        }
    }

    #[test]
    fn sign_test_is_a_symmetric_probability(n in 1u64..3000, share in 0.0f64..=1.0) {
        let u = ((n as f64) * share).round() as u64;
        let p = sign_test(u, n).unwrap();
        prop_assert!((0.0..=1.0).contains(&p.value()));
        prop_assert!(p.ln <= 0.0);
        prop_assert_eq!(sign_test(u, n), sign_test(n - u, n));
        let w = wilson(u, n).unwrap();
        prop_assert!(0.0 <= w.low && w.low <= w.estimate && w.estimate <= w.high && w.high <= 1.0);
    }

    #[test]
    fn any_bytes_as_a_registry_give_rows_or_diagnostics(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let topic = evsynth::registry::Topic::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/validate/topic.toml"))).unwrap();
        match evsynth::registry::parse(&bytes, "fuzz.csv", &topic) {
            Ok(_) | Err(evsynth::Error::Invalid(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn mutated_valid_registries_never_panic(
        position in 0usize..600,
        byte in any::<u8>(),
    ) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/validate/clean.csv");
        let mut bytes = std::fs::read(path).unwrap();
        let at = position % bytes.len();
        bytes[at] = byte;
        let topic = evsynth::registry::Topic::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/validate/topic.toml"))).unwrap();
        let _ = evsynth::registry::parse(&bytes, "mutated.csv", &topic);
    }
}

/// Lowercase hex of a digest.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The shipped topic's registry file.
const SHIPPED_REGISTRY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/studies/magnesium-rls/registry.csv"
);

/// The shipped topic.
fn shipped_topic() -> evsynth::registry::Topic {
    evsynth::registry::Topic::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/studies/magnesium-rls/topic.toml"
    )))
    .unwrap()
}

/// Reads `bytes` in chunks of `chunk` bytes, streamed in blocks of `chunk` and `4 * chunk`
/// bytes, and whole; all must give the same rows and the same diagnostics (with the same line
/// numbers), and the streamed reads the file's SHA-256. Checked block by block without keeping
/// the rows (`validate`), it must give the problems of the whole read plus its cross-row
/// problems, or its counts.
fn chunked_equals_whole(bytes: &[u8], chunk: usize) -> Result<(), TestCaseError> {
    use evsynth::registry::read::read_registry_in_chunks;
    let topic = shipped_topic();
    let chunked = read_registry_in_chunks(bytes, "r.csv", &topic, 2026, chunk);
    let whole = read_registry_in_chunks(bytes, "r.csv", &topic, 2026, usize::MAX);
    prop_assert_eq!(&chunked.findings, &whole.findings);
    let checked = {
        let mut diagnostics = evsynth::registry::diagnostic::Diagnostics::new("r.csv");
        diagnostics
            .extend(read_registry_in_chunks(bytes, "r.csv", &topic, 2026, usize::MAX).diagnostics);
        evsynth::registry::validate::check_across_rows(&whole.findings, &mut diagnostics);
        let studies: std::collections::HashSet<&str> =
            whole.findings.iter().map(|f| f.study.id.as_str()).collect();
        if diagnostics.is_empty() {
            Ok(evsynth::registry::CheckedRegistry {
                findings: whole.findings.len(),
                studies: studies.len(),
            })
        } else {
            Err(diagnostics.into_sorted())
        }
    };
    let expected = whole.diagnostics.into_sorted();
    prop_assert_eq!(chunked.diagnostics.into_sorted(), expected.clone());
    for block in [chunk, 4 * chunk] {
        for keep in [Keep::Rows, Keep::Counts] {
            // Hashing on for kept rows (report), off for counts (validate).
            let mut hasher = sha2::Sha256::new();
            let hashing = (keep == Keep::Rows).then_some(&mut hasher);
            let streamed_check = read_checked(
                Cursor::new(bytes),
                "r.csv",
                &topic,
                2026,
                block,
                keep,
                hashing,
            )
            .unwrap();
            if let (Ok(kept), Keep::Rows) = (&streamed_check, keep) {
                prop_assert_eq!(&kept.findings, &whole.findings);
                // The study of every row, as the cross-row checks numbered them block by
                // block, is what numbering the whole rows by first appearance gives.
                prop_assert_eq!(
                    &kept.studies,
                    &evsynth::registry::StudyIndex::of(&whole.findings)
                );
                prop_assert_eq!(
                    hex(&hasher.finalize()),
                    evsynth::registry::sha256_hex(bytes)
                );
            }
            prop_assert_eq!(&streamed_check.map(|c| c.counts), &checked);
        }
        let (streamed, sha256) = evsynth::registry::stream::read_registry_streamed(
            std::io::Cursor::new(bytes),
            "r.csv",
            &topic,
            2026,
            block,
        )
        .unwrap();
        prop_assert_eq!(&streamed.findings, &whole.findings);
        prop_assert_eq!(streamed.diagnostics.into_sorted(), expected.clone());
        prop_assert_eq!(sha256, evsynth::registry::sha256_hex(bytes));
    }
    Ok(())
}

proptest! {
    #[test]
    fn chunked_reads_equal_whole_reads(
        edits in prop::collection::vec((0usize..100_000, prop::sample::select(b"\"\n,\r x\xC3".to_vec())), 0..4),
        chunk in 1usize..400,
    ) {
        let mut bytes = std::fs::read(SHIPPED_REGISTRY).unwrap();
        for (position, byte) in edits {
            let at = position % bytes.len();
            bytes[at] = byte;
        }
        chunked_equals_whole(&bytes, chunk)?;
    }
}

/// A repeated finding far from its first row, checked in blocks (several rows each, so the
/// rows of the first are dropped before the repeat is read): reported with the first row's
/// line.
#[test]
fn checking_in_blocks_names_the_first_row_of_a_repeat() {
    let text = std::fs::read_to_string(SHIPPED_REGISTRY).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut edited = text.clone();
    // Line 2 again at the end (a repeat of its study and outcome).
    edited.push_str(lines[1]);
    edited.push('\n');
    let bytes = edited.into_bytes();
    chunked_equals_whole(&bytes, 1000).unwrap();
    let topic = shipped_topic();
    for keep in [Keep::Rows, Keep::Counts] {
        let found = read_checked(Cursor::new(&bytes), "r.csv", &topic, 2026, 4000, keep, None)
            .unwrap()
            .unwrap_err();
        let repeat = found
            .iter()
            .find(|d| d.message.starts_with("duplicate finding"))
            .expect("the repeat is reported");
        assert_eq!(repeat.line, lines.len() as u64 + 1);
        assert!(repeat.message.contains("on line 2;"), "{}", repeat.message);
    }
}

#[test]
fn the_shipped_registry_reads_the_same_in_chunks() {
    let bytes = std::fs::read(SHIPPED_REGISTRY).unwrap();
    for chunk in [1, 7, 64, 500, 5000] {
        chunked_equals_whole(&bytes, chunk).unwrap();
    }
}

proptest! {
    /// `add` validates only the appended rows plus the cross-row checks; that must give what a
    /// full parse of the new file gives (rows, problems and their line numbers).
    #[test]
    fn appended_rows_parse_as_the_whole_file_does(
        keep in 1usize..16,
        edits in prop::collection::vec((0usize..10_000, prop::sample::select(b"\"\n,x1-".to_vec())), 0..3),
        drop_final_newline: bool,
    ) {
        let topic = shipped_topic();
        let text = std::fs::read_to_string(SHIPPED_REGISTRY).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let keep = keep.min(lines.len() - 1);
        let mut existing = lines[..=keep].join("\n").into_bytes();
        if !drop_final_newline {
            existing.push(b'\n');
        }
        let mut added = lines[keep + 1..].join("\n").into_bytes();
        added.push(b'\n');
        for (position, byte) in edits {
            if !added.is_empty() {
                let at = position % added.len();
                added[at] = byte;
            }
        }
        let Ok(parsed) = evsynth::registry::parse(&existing, "r.csv", &topic) else {
            return Ok(());
        };
        // As `add` appends: a line end first when the file lacks one.
        if !existing.ends_with(b"\n") {
            added.insert(0, b'\n');
        }
        let whole = evsynth::registry::parse(&[&existing[..], &added[..]].concat(), "r.csv", &topic);
        let appended = evsynth::registry::parse_appended(&existing, &added, parsed, "r.csv", &topic);
        match (whole, appended) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(evsynth::Error::Invalid(a)), Err(evsynth::Error::Invalid(b))) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.is_ok(), b.is_ok()),
        }
    }
}

/// Found by the `registry` fuzz target: a CRLF file with a byte-order mark, read in 48-byte
/// chunks, numbered its lines differently from a sequential read.
#[test]
fn crlf_registries_read_the_same_in_chunks() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fuzz/chunked-crlf-bom.csv"
    );
    let bytes = std::fs::read(path).unwrap();
    let topic = evsynth::registry::Topic::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/validate/topic.toml"
    )))
    .unwrap();
    use evsynth::registry::read::read_registry_in_chunks;
    let whole = read_registry_in_chunks(&bytes, "r.csv", &topic, 2026, usize::MAX);
    for chunk in [1, 7, 48, 64] {
        let chunked = read_registry_in_chunks(&bytes, "r.csv", &topic, 2026, chunk);
        let lines = |o: &evsynth::registry::read::ReadOutcome| -> Vec<u64> {
            o.findings.iter().map(|f| f.line).collect()
        };
        assert_eq!(lines(&chunked), lines(&whole), "chunk {chunk}");
        assert_eq!(chunked.findings, whole.findings, "chunk {chunk}");
        assert_eq!(
            chunked.diagnostics.clone().into_sorted(),
            whole.diagnostics.clone().into_sorted()
        );
    }
    // Line numbers are those of the file: the first row is on line 2.
    assert_eq!(whole.findings[0].line, 2);
}

#[test]
fn crlf_rows_are_numbered_by_their_file_lines() {
    let topic = evsynth::registry::Topic::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/validate/topic.toml"
    )))
    .unwrap();
    let bytes = b"study_id,citation,year,design,question,n,form,outcome,direction\r\n\
a_1,A 2020,2020,rct,treatment,40,citrate,severity,positive\r\n\r\n\
b_1,B 2020,1850,rct,treatment,40,citrate,severity,positive\r\n\
c_1,C 2020,1851,rct,treatment,40,citrate,severity,positive\r\n";
    for chunk in [1, 30, usize::MAX] {
        let read =
            evsynth::registry::read::read_registry_in_chunks(bytes, "r.csv", &topic, 2026, chunk);
        assert_eq!(read.findings.len(), 1);
        assert_eq!(read.findings[0].line, 2);
        let lines: Vec<u64> = read
            .diagnostics
            .into_sorted()
            .iter()
            .map(|d| d.line)
            .collect();
        // Line 3 is blank; the bad years are on lines 4 and 5.
        assert_eq!(lines, [4, 5], "chunk {chunk}");
    }
}

/// Generated effect data of one row, written with the topic's one measure.
#[derive(Debug, Clone, Copy)]
enum GeneratedEffect {
    /// yi and vi given directly.
    Given { yi: f64, vi: f64 },
    /// Means and SDs of two arms (n1 + n2 may be 3 or less: such an SMD is left out).
    Means { n1: u32, mean: f64, sd: f64 },
    /// 2x2 counts: arm 1's size and each arm's share of events (none and all included).
    Counts { n1: u32, share1: f64, share2: f64 },
}

/// One generated row: which study (by number), question, outcome and form (`None`:
/// `not_applicable`) it is about, its direction and its effect data.
#[derive(Debug, Clone, Copy)]
struct GeneratedRow {
    study: usize,
    question: usize,
    outcome: usize,
    form: Option<usize>,
    direction: Direction,
    effect: Option<GeneratedEffect>,
}

/// A generated topic's registry: study-level fields (design, year) from the study number, one
/// row per study and outcome (later duplicates dropped), n and effect data as the row says,
/// each kind of effect data with the topic's one `measure` (so estimates meet in a pool).
fn generated_registry(rows: &[GeneratedRow], designs: &[Design], measure: usize) -> String {
    use std::fmt::Write;
    let mut text = String::from(
        "study_id,citation,year,design,question,n,k_studies,form,outcome,direction,\
         effect_measure,yi,vi,n1,mean1,sd1,n2,mean2,sd2,events1,events2\n",
    );
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let study = row.study;
        if !seen.insert((study, row.outcome)) {
            continue;
        }
        let design = designs[study % designs.len()];
        let (n, k) = match design {
            Design::CaseReport => ("1".to_string(), ""),
            Design::SystematicReview | Design::MetaAnalysis => (String::new(), "7"),
            _ => ((1 + study * 37 % 400).to_string(), ""),
        };
        let form = row
            .form
            .map_or_else(|| "not_applicable".to_string(), |f| format!("f{f}"));
        let effect = match row.effect {
            None => ",,,,,,,,,,".to_string(),
            Some(GeneratedEffect::Given { yi, vi }) => {
                let measure = ["md", "smd", "rr", "or", "rd"][measure % 5];
                format!("{measure},{yi:e},{vi:e},,,,,,,,")
            }
            Some(GeneratedEffect::Means { n1, mean, sd }) => {
                let measure = ["md", "smd"][measure % 2];
                let n2 = 1 + n1 % 7;
                format!(
                    "{measure},,,{n1},{mean:e},{sd:e},{n2},{:e},{:e},,",
                    -mean,
                    sd * 1.5
                )
            }
            Some(GeneratedEffect::Counts { n1, share1, share2 }) => {
                let measure = ["rr", "or", "rd"][measure % 3];
                let n2 = 1 + (n1 * 7) % 90;
                let events = |share: f64, n: u32| (share * f64::from(n)).round() as u32;
                format!(
                    "{measure},,,{n1},,,{n2},,,{},{}",
                    events(share1, n1),
                    events(share2, n2)
                )
            }
        };
        let _ = writeln!(
            text,
            "s_{study},Citation {study},{},{},q{},{n},{k},{form},o{},{},{effect}",
            1990 + study % 30,
            design.key(),
            row.question,
            row.outcome,
            row.direction.key(),
        );
    }
    text
}

/// Effect data: none, yi/vi at scales from 1e-9 to 1e6, means and SDs, or 2x2 counts.
fn effect_data() -> impl Strategy<Value = Option<GeneratedEffect>> {
    let share = || prop_oneof![Just(0.0), Just(1.0), 0.0f64..1.0];
    prop_oneof![
        2 => Just(None),
        1 => (-6.0f64..6.0, -9.0f64..6.0).prop_map(|(y, v)| Some(GeneratedEffect::Given {
            yi: y.signum() * 10f64.powf(y.abs()) * 0.37,
            vi: 10f64.powf(v),
        })),
        1 => (1u32..=60, -3.0f64..3.0, -3.0f64..3.0).prop_map(|(n1, m, s)| Some(GeneratedEffect::Means {
            n1,
            mean: 10f64.powf(m) * 0.5,
            sd: 10f64.powf(s),
        })),
        1 => (1u32..=80, share(), share()).prop_map(|(n1, share1, share2)| Some(GeneratedEffect::Counts {
            n1,
            share1,
            share2,
        })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any valid registry reports: random topics (1–3 questions, 1–3 forms and
    /// `not_applicable`, 1–5 outcomes), every design, directions, and effect data at extreme
    /// scales, with empty and full 2x2 arms, each in the primary analysis and in a sensitivity
    /// analysis that counts case reports and pools with DerSimonian–Laird and HKSJ. Every
    /// table, chart and page is made without a panic or an error.
    #[test]
    fn every_valid_registry_reports(
        questions in 1usize..=3,
        forms in 1usize..=3,
        outcomes in 1usize..=5,
        designs in prop::collection::vec(prop::sample::select(Design::ALL.to_vec()), 1..8),
        rows in prop::collection::vec((0usize..12, 0usize..3, 0usize..5, 0usize..4, direction(), effect_data()), 0..60),
        sensitivity in any::<bool>(),
        measure in 0usize..5,
    ) {
        use evsynth::registry::{TopicLocation, load};
        use evsynth::synthesis::pool::{PoolOptions, Tau2Method};
        use evsynth::synthesis::selection::Selection;
        let rows: Vec<GeneratedRow> = rows
            .into_iter()
            .map(|(study, q, o, f, direction, effect)| GeneratedRow {
                study,
                question: q % questions,
                outcome: o % outcomes,
                form: (f < 3).then_some(f % forms),
                direction,
                effect,
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let mut toml = String::from("title = \"Generated\"\nas_of = \"2026-01-01\"\n");
        for q in 0..questions {
            let kind = if q == 1 { "association" } else { "intervention" };
            toml += &format!(
                "[questions.q{q}]\nlabel = \"Question {q}?\"\nkind = \"{kind}\"\nhypothesis = \"h\"\n\
                 positive = \"p\"\nnegative = \"n\"\n"
            );
        }
        toml += "[forms]\n";
        for f in 0..forms {
            toml += &format!("f{f} = \"Form {f}\"\n");
        }
        toml += "[outcomes]\n";
        for o in 0..outcomes {
            toml += &format!("o{o} = \"Outcome {o}\"\n");
        }
        std::fs::write(dir.path().join("topic.toml"), toml).unwrap();
        let registry_text = generated_registry(&rows, &designs, measure);
        std::fs::write(dir.path().join("registry.csv"), &registry_text).unwrap();
        let registry = match load(&TopicLocation::of_dir(dir.path())) {
            Ok(registry) => registry,
            Err(error) => return Err(TestCaseError::fail(format!("{error}\n{registry_text}"))),
        };
        let selection = if sensitivity {
            Selection {
                count_case_reports: true,
                pooling: PoolOptions { method: Tau2Method::DerSimonianLaird, hksj: true },
                ..Selection::default()
            }
        } else {
            Selection::default()
        };
        let report = evsynth::cmd::report::build_report(&registry, &selection, 72, false, None);
        prop_assert!(report.is_ok(), "{:?}\n{registry_text}", report.err());
        let report = report.unwrap();
        prop_assert!(report.files.iter().any(|f| f.path == "README.md"));
    }
}
