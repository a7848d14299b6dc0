//! Reading a registry and running every check on it block by block: the cross-row checks of
//! each block run as it arrives, beside the reading and parsing of the next, and the rows are
//! kept ([`crate::registry::load`]) or dropped after their checks ([`crate::registry::check()`]).

use std::io::{self, Read, Seek, SeekFrom};

use sha2::Sha256;

use crate::registry::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::finding::Finding;
use crate::registry::read::{ReadOutcome, read_registry};
use crate::registry::stream::{Streamed, stream_registry};
use crate::registry::study_index::StudyIndex;
use crate::registry::topic::Topic;
use crate::registry::validate::CrossRowChecks;

/// Counts of a valid registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedRegistry {
    /// Rows (findings).
    pub findings: usize,
    /// Distinct study ids.
    pub studies: usize,
}

/// A valid registry as read by [`read_checked`].
#[derive(Debug)]
pub struct Checked {
    /// Every row in file order; empty unless the rows were kept.
    pub findings: Vec<Finding>,
    /// The study of every kept row, numbered by the cross-row checks.
    pub studies: StudyIndex,
    /// Rows and studies.
    pub counts: CheckedRegistry,
}

/// What [`read_checked`] keeps of the rows it has checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every row (for a report).
    Rows,
    /// Only their counts: each block's rows are dropped once checked (for validation alone).
    Counts,
}

/// Reads the registry in `input` (named `path` in messages) in blocks of `block_bytes` and runs
/// every check: the registry, or every problem sorted by line. With a `hasher`, the file's
/// bytes also go through it, once.
pub fn read_checked<R: Read + Seek + Send>(
    mut input: R,
    path: &str,
    topic: &Topic,
    this_year: i32,
    block_bytes: usize,
    keep: Keep,
    hasher: Option<&mut Sha256>,
) -> io::Result<Result<Checked, Vec<Diagnostic>>> {
    let new_checks = || match keep {
        Keep::Rows => CrossRowChecks::indexing(),
        Keep::Counts => CrossRowChecks::default(),
    };
    let mut checks = new_checks();
    let mut outcome = ReadOutcome::empty(Diagnostics::new(path));
    let mut row_count = 0;
    let streamed = stream_registry(
        &mut input,
        path,
        topic,
        this_year,
        block_bytes,
        hasher,
        |mut parts, room| {
            for part in &mut parts {
                checks.check(&part.findings, &mut outcome.diagnostics);
                checks.share_studies(&mut part.findings);
                row_count += part.findings.len();
            }
            match keep {
                Keep::Rows => outcome.append(parts, room),
                Keep::Counts => {
                    for part in parts {
                        outcome.diagnostics.extend(part.diagnostics);
                    }
                }
            }
        },
    )?;
    match streamed {
        Streamed::Blocks if keep == Keep::Rows || !checks.has_repeats() => {
            checks.resolve_repeats(&outcome.findings, &mut outcome.diagnostics);
        }
        // Naming the first row of a repeated finding needs the rows, which were dropped: the
        // file is read whole (only registries with that error take this path).
        Streamed::Blocks => {
            input.seek(SeekFrom::Start(0))?;
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes)?;
            (checks, outcome, row_count) =
                checked_whole(new_checks(), read_registry(&bytes, path, topic, this_year));
        }
        Streamed::Whole(whole) => {
            (checks, outcome, row_count) = checked_whole(new_checks(), whole);
        }
    }
    if !outcome.diagnostics.is_empty() {
        return Ok(Err(outcome.diagnostics.into_sorted()));
    }
    let studies = checks.studies();
    let index = checks.take_index();
    if row_count >= crate::workers::DROP_ASIDE_MIN_ROWS {
        crate::workers::drop_aside(checks);
    }
    Ok(Ok(Checked {
        counts: CheckedRegistry {
            findings: row_count,
            studies,
        },
        findings: outcome.findings,
        studies: index,
    }))
}

/// The cross-row `checks` (fresh) over a registry read whole.
fn checked_whole(
    mut checks: CrossRowChecks,
    mut outcome: ReadOutcome,
) -> (CrossRowChecks, ReadOutcome, usize) {
    checks.check(&outcome.findings, &mut outcome.diagnostics);
    checks.share_studies(&mut outcome.findings);
    checks.resolve_repeats(&outcome.findings, &mut outcome.diagnostics);
    let rows = outcome.findings.len();
    (checks, outcome, rows)
}
