//! The kept fuzz corpus as regression tests: every input under `fuzz/seeds/<target>/` and
//! `fuzz/regression/<target>/` (the corpus of the 10-minute runs, minimised with `cargo fuzz
//! cmin`) goes through the fuzz targets' own checks (`fuzz/oracle.rs`), so an input that once
//! found a crash, or reached code no other input reaches, keeps being run by `cargo test`.

#[path = "../fuzz/oracle.rs"]
mod oracle;

use std::path::{Path, PathBuf};

/// The files of the kept corpus for `target`, in name order.
fn corpus(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["fuzz/seeds", "fuzz/regression"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(target);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Runs `check` on every file of `target`'s corpus; fails naming each file whose check
/// panicked.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let files = corpus(target);
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).unwrap();
            std::panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "the fuzz checks failed on: {failed:#?}");
    files.len()
}

#[test]
fn the_kept_registry_corpus_passes_the_fuzz_checks() {
    // The seeds alone are 27 files; the minimised corpus adds the rest.
    assert!(replay("registry", oracle::check_registry) > 100);
}

#[test]
fn the_kept_topic_corpus_passes_the_fuzz_checks() {
    assert!(replay("topic_toml", oracle::check_topic) > 100);
}
