//! A topic's registry on disk: finding it (`location`), reading it, checking it.

pub mod check;
pub mod chunks;
pub mod columns;
pub mod control;
pub mod diagnostic;
pub mod finding;
mod header;
mod intern;
pub mod key_hints;
mod key_probe;
mod location;
pub mod plain;
pub mod raw;
pub mod read;
mod row;
pub mod stream;
pub mod study_index;
pub mod toml_places;
pub mod toml_values;
pub mod topic;
mod topic_problems;
pub mod validate;
pub mod write;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use check::CheckedRegistry;
pub use diagnostic::Diagnostic;
pub use finding::{Finding, RowKeys, Study};
pub use location::{TopicLocation, discover, distinct, one_report_directory_each, resolve};
pub use study_index::StudyIndex;
pub use topic::Topic;

use crate::error::Error;

/// The registry file name inside a topic directory.
pub const REGISTRY_FILE: &str = "registry.csv";
/// The topic description file name inside a topic directory.
pub const TOPIC_FILE: &str = "topic.toml";

/// A validated registry with its topic.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Where it was read from.
    pub location: TopicLocation,
    /// The topic description.
    pub topic: Topic,
    /// Every row, in file order.
    pub findings: Vec<Finding>,
    /// The study of every row (numbered as the cross-row checks met them).
    pub studies: StudyIndex,
    /// SHA-256 of the registry file's bytes, lowercase hex.
    pub sha256: String,
}

impl Registry {
    /// The first 12 hex digits of the SHA-256, for chart footers.
    pub fn short_hash(&self) -> &str {
        &self.sha256[..12]
    }
}

/// Reads and validates a topic; `Error::Invalid` carries every problem found.
pub fn load(location: &TopicLocation) -> Result<Registry, Error> {
    let topic = Topic::load(&location.topic)?;
    let _phase = crate::timing::phase("load registry");
    let mut hasher = Sha256::new();
    let checked = read_location(location, &topic, check::Keep::Rows, Some(&mut hasher))?;
    Ok(Registry {
        location: location.clone(),
        topic,
        findings: checked.findings,
        studies: checked.studies,
        sha256: hex(hasher.finalize().as_slice()),
    })
}

/// Validates a topic as [`load`] does, with the same problems reported, without holding its
/// rows (each block is checked as it is read and its rows dropped) or hashing the file
/// (`evsynth validate`).
pub fn check(location: &TopicLocation) -> Result<CheckedRegistry, Error> {
    let topic = Topic::load(&location.topic)?;
    Ok(read_location(location, &topic, check::Keep::Counts, None)?.counts)
}

/// Fails, before opening it, when `path` is not a plain file: opening a FIFO waits for a writer
/// (for ever, if none comes), and a device such as `/dev/zero` never ends. Symlinks are
/// followed (where they may point is checked when a topic is resolved).
pub fn ensure_plain_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata(path)?.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a plain file; give a plain file"),
    ))
}

/// [`check::read_checked`] of a topic's registry file.
fn read_location(
    location: &TopicLocation,
    topic: &Topic,
    keep: check::Keep,
    hasher: Option<&mut Sha256>,
) -> Result<check::Checked, Error> {
    let read_error = |e| Error::io(&location.registry, "read", e);
    ensure_plain_file(&location.registry)
        .map_err(|e| Error::topic_file(&location.registry, "read", e))?;
    let file = std::fs::File::open(&location.registry).map_err(read_error)?;
    read_in_blocks(
        file,
        &location.registry.display().to_string(),
        topic,
        keep,
        hasher,
    )
}

/// [`check::read_checked`] of `input` (named `path` in messages) in blocks of
/// [`stream::BLOCK_BYTES`], this year's, as an evsynth result.
fn read_in_blocks<R: std::io::Read + std::io::Seek + Send>(
    input: R,
    path: &str,
    topic: &Topic,
    keep: check::Keep,
    hasher: Option<&mut Sha256>,
) -> Result<check::Checked, Error> {
    check::read_checked(
        input,
        path,
        topic,
        crate::dates::current_year(),
        stream::BLOCK_BYTES,
        keep,
        hasher,
    )
    .map_err(|e| Error::io(path, "read", e))?
    .map_err(Error::Invalid)
}

/// Parses and validates registry bytes against a topic.
pub fn parse(bytes: &[u8], path: &str, topic: &Topic) -> Result<Vec<Finding>, Error> {
    let outcome = {
        let _phase = crate::timing::phase("parse rows");
        read::read_registry(bytes, path, topic, crate::dates::current_year())
    };
    check_across_rows(outcome.findings, outcome.diagnostics)
}

/// [`parse`] of registry bytes already in memory, read as a file is (in blocks, parsed on
/// every core, checked as they come): the rows and their studies, or the same problems.
pub fn parse_in_blocks(
    bytes: &[u8],
    path: &str,
    topic: &Topic,
) -> Result<(Vec<Finding>, StudyIndex), Error> {
    let checked = read_in_blocks(
        std::io::Cursor::new(bytes),
        path,
        topic,
        check::Keep::Rows,
        None,
    )?;
    Ok((checked.findings, checked.studies))
}

/// Runs the cross-row checks over parsed rows: the rows if no problem was found in reading or
/// across rows, else every problem, sorted by line.
fn check_across_rows(
    findings: Vec<Finding>,
    mut diagnostics: diagnostic::Diagnostics,
) -> Result<Vec<Finding>, Error> {
    {
        let _phase = crate::timing::phase("cross-row checks");
        validate::check_across_rows(&findings, &mut diagnostics);
    }
    if diagnostics.is_empty() {
        Ok(findings)
    } else {
        Err(Error::Invalid(diagnostics.into_sorted()))
    }
}

/// Reads the rows of a registry that `room` rows are about to be appended to, for
/// [`parse_appended`], which runs the cross-row checks over the old and new rows together: they
/// run here only when the rows themselves have problems, so that every problem is reported.
pub fn parse_existing(
    bytes: &[u8],
    path: &str,
    topic: &Topic,
    room: usize,
) -> Result<Vec<Finding>, Error> {
    let outcome = {
        let _phase = crate::timing::phase("parse rows");
        read::read_registry_with_room(bytes, path, topic, crate::dates::current_year(), room)
    };
    if outcome.diagnostics.is_empty() {
        Ok(outcome.findings)
    } else {
        check_across_rows(outcome.findings, outcome.diagnostics)
    }
}

/// Validates the registry `before` + `added`, where the rows of `before` were already parsed
/// into `existing` and `added` holds appended rows (after a line end, or starting with one),
/// reading only the appended rows: they are parsed under the file's header, then the
/// cross-row checks run over all rows. The result (rows, problems, line numbers) is what
/// [`parse`] of the whole file gives, without re-reading, or even copying, a large registry to
/// add one row.
pub fn parse_appended(
    before: &[u8],
    added: &[u8],
    existing: Vec<Finding>,
    path: &str,
    topic: &Topic,
) -> Result<Vec<Finding>, Error> {
    // The header's problems, if any, are reported by the parse below.
    let header_end = header::read_header(before, &mut diagnostic::Diagnostics::new(path))
        .map_or(0, |start| start.body_start);
    let rows_follow_a_line_end = before.ends_with(b"\n") || added.starts_with(b"\n");
    if existing.is_empty() || header_end == 0 || !rows_follow_a_line_end {
        return parse(&[before, added].concat(), path, topic);
    }
    let mut appended = before[..header_end].to_vec();
    if !appended.ends_with(b"\n") {
        appended.push(b'\n');
    }
    let header_lines = memchr::memchr_iter(b'\n', &appended).count() as u64;
    appended.extend_from_slice(added);
    let first_line = 1 + memchr::memchr_iter(b'\n', before).count() as u64;
    let shift = first_line - (header_lines + 1);

    let mut outcome = read::read_registry(&appended, path, topic, crate::dates::current_year());
    outcome.diagnostics.shift_lines(shift);
    let mut findings = existing;
    findings.extend(outcome.findings.into_iter().map(|mut f| {
        f.line += shift;
        f
    }));
    check_across_rows(findings, outcome.diagnostics)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut text, b| {
        let _ = write!(text, "{b:02x}");
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_is_the_fips_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
