//! `evsynth diff TOPIC --since REV`: findings added, removed or changed since a git revision,
//! and how each question's vote count moved — Markdown to paste into a pull request.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use crate::cmd::report_error;
use crate::error::Error;
use crate::registry::columns::Col;
use crate::registry::raw::{RawRow, RawRows};
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
        // git's messages in English whatever the user's locale: a missing file is told by
        // its message below.
        .env("LC_ALL", "C")
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
    let (old_findings, old_studies) = if old_bytes.iter().all(u8::is_ascii_whitespace) {
        (Vec::new(), registry::StudyIndex::of(&[]))
    } else {
        registry::parse_in_blocks(&old_bytes, &format!("{since}:registry.csv"), &old_topic)?
    };
    let old = Registry {
        location: location.clone(),
        topic: old_topic,
        studies: old_studies,
        findings: old_findings,
        sha256: registry::sha256_hex(&old_bytes),
    };
    let new_bytes =
        std::fs::read(&location.registry).map_err(|e| Error::io(&location.registry, "read", e))?;
    let selection = Selection::default();
    let before = synthesise(&old, &selection, 0)?;
    drop(old);
    let after = synthesise(&current, &selection, 0)?;
    let (old_rows, new_rows) = {
        let _phase = crate::timing::phase("raw rows");
        rayon::join(|| RawRows::read(&old_bytes), || RawRows::read(&new_bytes))
    };
    drop((old_bytes, new_bytes));
    let _phase = crate::timing::phase("compare and render");
    Ok(render(
        &location.name,
        since,
        &old_rows,
        &new_rows,
        &current,
        &before,
        &after,
    ))
}

/// A row's key: its study id and outcome.
type Key<'a> = (&'a str, &'a str);

/// The rows by key, in key order; of rows with one key (a registry that validated has none),
/// the last, as a map of them keeps.
fn keyed(rows: &RawRows) -> Vec<(Key<'_>, RawRow<'_>)> {
    let mut keyed: Vec<(Key<'_>, RawRow<'_>)> = rows
        .iter()
        .map(|row| ((row.get(Col::StudyId), row.get(Col::Outcome)), row))
        .collect();
    // Stable, so the last of equal keys stays last.
    keyed.sort_by_key(|(key, _)| *key);
    let mut last = Vec::with_capacity(keyed.len());
    for (key, row) in keyed {
        match last.last_mut() {
            Some((previous, kept)) if *previous == key => *kept = row,
            _ => last.push((key, row)),
        }
    }
    last
}

fn describe(row: RawRow<'_>) -> String {
    let get = |column| match row.get(column) {
        "" => "–",
        value => value,
    };
    format!(
        "{} ({} {}, n={})",
        get(Col::Direction),
        get(Col::Question),
        get(Col::Design),
        get(Col::N)
    )
}

/// The columns in the order changes are listed: by name.
fn columns_by_name() -> Vec<Col> {
    let mut columns = Col::ALL.to_vec();
    columns.sort_by_key(|column| column.name());
    columns
}

/// "column: before → after" for each column whose value changed, by column name.
fn changes(previous: RawRow<'_>, row: RawRow<'_>, columns: &[Col]) -> Vec<String> {
    if previous.same_values(row) {
        return Vec::new();
    }
    let (before, now): (Vec<&str>, Vec<&str>) =
        (previous.values().collect(), row.values().collect());
    let shown = |value: &str| if value.is_empty() { "(empty)" } else { value }.to_string();
    columns
        .iter()
        .map(|column| (column, before[*column as usize], now[*column as usize]))
        .filter(|(_, before, now)| before != now)
        .map(|(column, before, now)| {
            format!("{}: {} → {}", column.name(), shown(before), shown(now))
        })
        .collect()
}

/// How the rows of two revisions differ, each list in key order.
#[derive(Debug, Default)]
struct Comparison<'a> {
    /// Rows whose key only the new revision has.
    added: Vec<(Key<'a>, RawRow<'a>)>,
    /// Rows whose key only the old revision has.
    removed: Vec<(Key<'a>, RawRow<'a>)>,
    /// Keys in both whose values differ, with each change.
    changed: Vec<(Key<'a>, Vec<String>)>,
}

/// Pairs the rows of `old` and `new` by key.
fn compare<'a>(old: &'a RawRows, new: &'a RawRows) -> Comparison<'a> {
    let (old, new) = rayon::join(|| keyed(old), || keyed(new));
    let columns = columns_by_name();
    let mut comparison = Comparison::default();
    // Both lists are in key order: one walk through them pairs the rows.
    let (mut o, mut n) = (0, 0);
    loop {
        match (old.get(o), new.get(n)) {
            (Some(before), Some(now)) if before.0 == now.0 => {
                let changes = changes(before.1, now.1, &columns);
                if !changes.is_empty() {
                    comparison.changed.push((now.0, changes));
                }
                o += 1;
                n += 1;
            }
            (Some(before), Some(now)) if before.0 > now.0 => {
                comparison.added.push(*now);
                n += 1;
            }
            (Some(before), _) => {
                comparison.removed.push(*before);
                o += 1;
            }
            (None, Some(now)) => {
                comparison.added.push(*now);
                n += 1;
            }
            (None, None) => break,
        }
    }
    comparison
}

fn render(
    name: &str,
    since: &str,
    old: &RawRows,
    new: &RawRows,
    current: &Registry,
    before: &Synthesis,
    after: &Synthesis,
) -> String {
    let Comparison {
        added,
        removed,
        changed,
    } = compare(old, new);
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
        for ((study, outcome), row) in rows {
            let _ = writeln!(md, "- `{study}` / `{outcome}`: {}", describe(*row));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each list in key order, whatever the rows' order in the file; changes by column name,
    /// an emptied or filled value shown as "(empty)"; identical rows not listed.
    #[test]
    fn rows_are_paired_by_study_and_outcome() {
        let old = RawRows::read(
            b"study_id,outcome,n,notes,direction
              c,severity,10,,positive
              a,sleep,5,kept,none
              b,severity,7,gone,negative
              a,severity,3,,positive
",
        );
        let new = RawRows::read(
            b"outcome,study_id,direction,n,notes
              severity,a,positive,3,
              sleep,a,positive,5,kept
              severity,d,none,,
              severity,0,negative,2,new
              severity,b,negative,8,
",
        );
        let comparison = compare(&old, &new);
        fn keys<'a>(rows: &[(Key<'a>, RawRow<'a>)]) -> Vec<Key<'a>> {
            rows.iter().map(|(key, _)| *key).collect()
        }
        let added = keys(&comparison.added);
        assert_eq!(added, [("0", "severity"), ("d", "severity")]);
        assert_eq!(describe(comparison.added[1].1), "none (– –, n=–)");
        let removed = keys(&comparison.removed);
        assert_eq!(removed, [("c", "severity")]);
        assert_eq!(
            comparison.changed,
            [
                (
                    ("a", "sleep"),
                    vec!["direction: none → positive".to_string()]
                ),
                (
                    ("b", "severity"),
                    vec!["n: 7 → 8".to_string(), "notes: gone → (empty)".to_string()]
                ),
            ]
        );
    }
}
