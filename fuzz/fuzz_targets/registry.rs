//! Fuzz target: any bytes as a registry must give rows or diagnostics, never a panic; and
//! reading it in small chunks in parallel, or streamed in small blocks, must give exactly what
//! one sequential read gives; checked block by block (validate), what a whole parse reports
//! (`oracle::check_registry`, which `tests/fuzz_corpus.rs` replays over the kept corpus).
#![no_main]

// Each target uses one of the oracle's checks.
#[allow(dead_code)]
#[path = "../oracle.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oracle::check_registry(data));
