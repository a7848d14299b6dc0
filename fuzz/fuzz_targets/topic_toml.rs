//! Fuzz target: any text as topic.toml must parse or give a message, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = evsynth::registry::Topic::parse(text, Path::new("topic.toml"));
    }
});
