//! Helpers shared by the integration tests: run the binary, read its output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of `evsynth` produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built `evsynth` with `args` in `dir`.
pub fn evsynth_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_evsynth"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("evsynth runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `evsynth` from the crate root.
pub fn evsynth(args: &[&str]) -> Run {
    evsynth_in(&root(), args)
}

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch workspace holding topic `name` (`studies/<name>/`) with a copy of the
/// `topic.toml` at `topic_toml` (relative to the crate root) and nothing else; returns the
/// workspace and the topic directory.
pub fn workspace_with_topic(name: &str, topic_toml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let topic = dir.path().join("studies").join(name);
    std::fs::create_dir_all(&topic).unwrap();
    std::fs::copy(root().join(topic_toml), topic.join("topic.toml")).unwrap();
    (dir, topic)
}

/// Copies a directory tree (test set-up only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file below `dir` with its bytes, sorted by relative path.
pub fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// Writes into `dir` a topic of one question ("q", form "f") with one outcome per entry of
/// `outcomes` (its label) and one study per outcome (`s_<i>`, an RCT, `n` and `direction`
/// from the entry's position): the wide topics the chart-width tests draw.
pub fn write_one_study_per_outcome_topic(
    dir: &Path,
    outcomes: &[String],
    n: impl Fn(usize) -> u64,
    direction: &str,
) {
    let mut toml = String::from(
        "title = \"Wide\"\nas_of = \"2026-01-31\"\n[questions.q]\nlabel = \"Q?\"\n\
         kind = \"intervention\"\nhypothesis = \"H\"\npositive = \"benefit\"\n\
         negative = \"harm\"\n[forms]\nf = \"Form\"\n[outcomes]\n",
    );
    let mut registry =
        String::from("study_id,citation,year,design,question,n,form,outcome,direction\n");
    for (i, label) in outcomes.iter().enumerate() {
        toml.push_str(&format!("outcome_{i:02} = \"{label}\"\n"));
        registry.push_str(&format!(
            "s_{i},Cite {i},2020,rct,q,{},f,outcome_{i:02},{direction}\n",
            n(i)
        ));
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("topic.toml"), toml).unwrap();
    std::fs::write(dir.join("registry.csv"), registry).unwrap();
}
