//! Fuzz target: any bytes as a registry must give rows or diagnostics, never a panic; and
//! reading it in small chunks in parallel, or streamed in small blocks, must give exactly what
//! one sequential read gives; checked block by block (validate), what a whole parse reports.
#![no_main]

use std::path::Path;

use evsynth::registry::read::read_registry_in_chunks;
use libfuzzer_sys::fuzz_target;

const TOPIC: &str = include_str!("../../tests/fixtures/validate/topic.toml");

fuzz_target!(|data: &[u8]| {
    let topic = evsynth::registry::Topic::parse(TOPIC, Path::new("topic.toml"))
        .expect("fixture topic parses");
    match evsynth::registry::parse(data, "fuzz.csv", &topic) {
        Ok(findings) => {
            // `fmt`'s canonical form of a valid registry is valid, holds the same findings
            // (sorted by study and outcome; lines aside), and is its own canonical form.
            let canonical = evsynth::registry::raw::RawRows::read(data).canonical();
            let again = evsynth::registry::parse(&canonical, "canonical.csv", &topic)
                .expect("the canonical form of a valid registry is valid");
            let in_order = |mut rows: Vec<evsynth::registry::Finding>| {
                rows.sort_by(|a, b| {
                    (&a.study.id, &a.keys.outcome).cmp(&(&b.study.id, &b.keys.outcome))
                });
                for row in &mut rows {
                    row.line = 0;
                }
                rows
            };
            assert_eq!(in_order(again), in_order(findings));
            assert_eq!(
                evsynth::registry::raw::RawRows::read(&canonical).canonical(),
                canonical
            );
        }
        Err(evsynth::Error::Invalid(_)) => {}
        Err(other) => panic!("unexpected error kind: {other}"),
    }
    // The chunk size comes from the input, so the fuzzer explores cut points too.
    let chunk = 1 + usize::from(data.first().copied().unwrap_or(0)) % 64;
    let chunked = read_registry_in_chunks(data, "fuzz.csv", &topic, 2026, chunk);
    let whole = read_registry_in_chunks(data, "fuzz.csv", &topic, 2026, usize::MAX);
    assert_eq!(chunked.findings, whole.findings);
    let expected = whole.diagnostics.into_sorted();
    assert_eq!(chunked.diagnostics.into_sorted(), expected);
    // Streamed in blocks of a few records: the same again, and the file's hash.
    let (streamed, sha256) = evsynth::registry::stream::read_registry_streamed(
        std::io::Cursor::new(data),
        "fuzz.csv",
        &topic,
        2026,
        4 * chunk,
    )
    .expect("reading memory does not fail");
    assert_eq!(streamed.findings, whole.findings);
    assert_eq!(streamed.diagnostics.into_sorted(), expected);
    assert_eq!(sha256, evsynth::registry::sha256_hex(data));
    // Checked block by block without keeping rows (validate): what a whole parse reports.
    let checked = evsynth::registry::check::read_checked(
        std::io::Cursor::new(data),
        "fuzz.csv",
        &topic,
        2026,
        4 * chunk,
        evsynth::registry::check::Keep::Counts,
        None,
    )
    .expect("reading memory does not fail");
    let mut diagnostics = evsynth::registry::diagnostic::Diagnostics::new("fuzz.csv");
    diagnostics
        .extend(read_registry_in_chunks(data, "fuzz.csv", &topic, 2026, usize::MAX).diagnostics);
    evsynth::registry::validate::check_across_rows(&whole.findings, &mut diagnostics);
    match checked {
        Ok(registry) => {
            assert!(diagnostics.is_empty());
            assert_eq!(registry.counts.findings, whole.findings.len());
        }
        Err(found) => assert_eq!(found, diagnostics.into_sorted()),
    }
});
