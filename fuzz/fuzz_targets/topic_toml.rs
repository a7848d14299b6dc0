//! Fuzz target: any text as topic.toml must parse or give a message, never a panic
//! (`oracle::check_topic`, which `tests/fuzz_corpus.rs` replays over the kept corpus).
#![no_main]

// Each target uses one of the oracle's checks.
#[allow(dead_code)]
#[path = "../oracle.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oracle::check_topic(data));
