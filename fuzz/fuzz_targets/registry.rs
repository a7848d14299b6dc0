//! Fuzz target: any bytes as a registry must give rows or diagnostics, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const TOPIC: &str = include_str!("../../tests/fixtures/validate/topic.toml");

fuzz_target!(|data: &[u8]| {
    let topic = evsynth::registry::Topic::parse(TOPIC, Path::new("topic.toml")).expect("fixture topic parses");
    match evsynth::registry::parse(data, "fuzz.csv", &topic) {
        Ok(_) | Err(evsynth::Error::Invalid(_)) => {}
        Err(other) => panic!("unexpected error kind: {other}"),
    }
});
