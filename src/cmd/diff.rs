//! `evsynth diff TOPIC --since REV`: findings added, removed or changed since a git revision,
//! and how each question's vote count moved — Markdown to paste into a pull request.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use crate::cmd::report_error;
use crate::error::Error;
use crate::registry::raw::{RawRow, raw_rows};
use crate::registry::{self, Registry, Topic};
use crate::synthesis::selection::Selection;
use crate::synthesis::{Synthesis, narrative, synthesise};

/// Prints the diff of one topic against `since`.
pub fn run(studies: &Path, topic: &str, since: &str) -> u8 {
    match diff(studies, topic, since) {
        Ok(text) => {
            crate::cmd::out!("{text}");
            0
        }
        Err(error) => report_error(&error),
    }
}

/// `git show REV:./FILE` run in the file's directory; `None` if the file did not exist then.
fn git_show(location_dir: &Path, revision: &str, file: &str) -> Result<Option<Vec<u8>>, Error> {
    if revision.starts_with('-') {
        return Err(Error::Usage(format!("{revision:?} is not a git revision")));
    }
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{revision}:./{file}"))
        .current_dir(location_dir)
        .output()
        .map_err(|e| Error::io("git", "run", e))?;
    if output.status.success() {
        return Ok(Some(output.stdout));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("does not exist in") || stderr.contains("exists on disk, but not in") {
        Ok(None)
    } else {
        Err(Error::Usage(format!(
            "git show {revision}:{file}: {}",
            stderr.trim()
        )))
    }
}

fn diff(studies: &Path, topic_arg: &str, since: &str) -> Result<String, Error> {
    let location = registry::resolve(topic_arg, studies)?;
    let current = registry::load(&location)?;
    let dir = location.registry.parent().unwrap_or(Path::new("."));
    let old_topic = match git_show(dir, since, registry::TOPIC_FILE)? {
        Some(bytes) => Topic::parse(
            &String::from_utf8_lossy(&bytes),
            Path::new(&format!("{since}:topic.toml")),
        )?,
        None => current.topic.clone(),
    };
    let old_bytes = git_show(dir, since, registry::REGISTRY_FILE)?.unwrap_or_default();
    let old_findings = if old_bytes.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        registry::parse(&old_bytes, &format!("{since}:registry.csv"), &old_topic)?
    };
    let old = Registry {
        location: location.clone(),
        topic: old_topic,
        studies: registry::StudyIndex::of(&old_findings),
        findings: old_findings,
        sha256: registry::sha256_hex(&old_bytes),
    };
    let new_bytes =
        std::fs::read(&location.registry).map_err(|e| Error::io(&location.registry, "read", e))?;
    let selection = Selection::default();
    let before = synthesise(&old, &selection, 0)?;
    let after = synthesise(&current, &selection, 0)?;
    Ok(render(
        &location.name,
        since,
        &raw_rows(&old_bytes),
        &raw_rows(&new_bytes),
        &current,
        &before,
        &after,
    ))
}

fn keyed(rows: &[RawRow]) -> BTreeMap<(String, String), &RawRow> {
    rows.iter()
        .map(|row| {
            let key = (
                row.get("study_id").cloned().unwrap_or_default(),
                row.get("outcome").cloned().unwrap_or_default(),
            );
            (key, row)
        })
        .collect()
}

fn describe(row: &RawRow) -> String {
    let get = |c: &str| row.get(c).map_or("–", String::as_str);
    format!(
        "{} ({} {}, n={})",
        get("direction"),
        get("question"),
        get("design"),
        get("n")
    )
}

fn render(
    name: &str,
    since: &str,
    old: &[RawRow],
    new: &[RawRow],
    current: &Registry,
    before: &Synthesis,
    after: &Synthesis,
) -> String {
    let old = keyed(old);
    let new = keyed(new);
    let added: Vec<_> = new.iter().filter(|(k, _)| !old.contains_key(*k)).collect();
    let removed: Vec<_> = old.iter().filter(|(k, _)| !new.contains_key(*k)).collect();
    let mut changed = Vec::new();
    for (key, row) in &new {
        let Some(previous) = old.get(key) else {
            continue;
        };
        let mut columns: Vec<&str> = row.keys().chain(previous.keys()).copied().collect();
        columns.sort_unstable();
        columns.dedup();
        let changes: Vec<String> = columns
            .into_iter()
            .filter(|c| row.get(c) != previous.get(c))
            .map(|c| {
                format!(
                    "{c}: {} → {}",
                    previous.get(c).map_or("(empty)", String::as_str),
                    row.get(c).map_or("(empty)", String::as_str)
                )
            })
            .collect();
        if !changes.is_empty() {
            changed.push((key, changes));
        }
    }
    let mut md = String::new();
    let _ = writeln!(md, "## Registry changes in `{name}` since `{since}`\n");
    let _ = writeln!(
        md,
        "{} added, {} removed, {} changed findings.\n",
        added.len(),
        removed.len(),
        changed.len()
    );
    for (title, rows) in [("Added", &added), ("Removed", &removed)] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "**{title}**\n");
        for ((study, outcome), row) in rows.iter() {
            let _ = writeln!(md, "- `{study}` / `{outcome}`: {}", describe(row));
        }
        md.push('\n');
    }
    if !changed.is_empty() {
        let _ = writeln!(md, "**Changed**\n");
        for ((study, outcome), changes) in &changed {
            let _ = writeln!(md, "- `{study}` / `{outcome}`: {}", changes.join("; "));
        }
        md.push('\n');
    }
    let _ = writeln!(md, "**Vote counts** (primary analysis)\n");
    let _ = writeln!(md, "| Question | Before | After |");
    let _ = writeln!(md, "|---|---|---|");
    for question in current.topic.questions.keys() {
        let find = |s: &Synthesis| {
            s.questions
                .iter()
                .find(|q| &q.key == question)
                .map(|q| narrative::vote_brief(&q.votes.overall))
        };
        let _ = writeln!(
            md,
            "| {question} | {} | {} |",
            find(before).unwrap_or_else(|| "–".to_string()),
            find(after).unwrap_or_else(|| "–".to_string())
        );
    }
    md
}
