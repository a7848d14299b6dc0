//! What the fuzz targets assert of one input, shared with the test that replays the kept
//! corpus (`tests/fuzz_corpus.rs`, which includes this file with `#[path]`), so a fuzz
//! finding and its regression test check the same things.

use std::path::Path;

use evsynth::registry::read::read_registry_in_chunks;

/// The topic every registry input is read against: the validation fixtures' topic.
const TOPIC: &str = include_str!("../tests/fixtures/validate/topic.toml");

/// Any bytes as a registry give rows or diagnostics, never a panic; reading them in small
/// chunks in parallel, or streamed in small blocks, gives exactly what one sequential read
/// gives; checked block by block without keeping rows (validate), what a whole parse reports;
/// and a valid registry's canonical form (`fmt`) is valid, holds the same findings and is its
/// own canonical form.
pub fn check_registry(data: &[u8]) {
    let topic = evsynth::registry::Topic::parse(TOPIC, Path::new("topic.toml"))
        .expect("fixture topic parses");
    match evsynth::registry::parse(data, "fuzz.csv", &topic) {
        Ok(findings) => {
            let canonical = evsynth::registry::raw::RawRows::read(data).canonical();
            let again = evsynth::registry::parse(&canonical, "canonical.csv", &topic)
                .expect("the canonical form of a valid registry is valid");
            let in_order = |mut rows: Vec<evsynth::registry::Finding>| {
                rows.sort_by(|a, b| {
                    (&a.study.id, a.keys.outcome()).cmp(&(&b.study.id, b.keys.outcome()))
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
    let expected = whole.diagnostics.clone().into_sorted();
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
    let mut diagnostics = whole.diagnostics;
    evsynth::registry::validate::check_across_rows(&whole.findings, &mut diagnostics);
    match checked {
        Ok(registry) => {
            assert!(diagnostics.is_empty());
            assert_eq!(registry.counts.findings, whole.findings.len());
        }
        Err(found) => assert_eq!(found, diagnostics.into_sorted()),
    }
}

/// Any text as `topic.toml` parses or gives a message, never a panic.
pub fn check_topic(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = evsynth::registry::Topic::parse(text, Path::new("topic.toml"));
    }
}
