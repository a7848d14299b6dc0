//! A topic's registry on disk: finding it, reading it, checking it.

pub mod check;
pub mod chunks;
pub mod columns;
pub mod control;
pub mod diagnostic;
pub mod finding;
mod header;
mod intern;
pub mod key_hints;
pub mod plain;
pub mod raw;
pub mod read;
mod row;
pub mod stream;
pub mod study_index;
pub mod toml_places;
pub mod toml_values;
pub mod topic;
pub mod validate;
pub mod write;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use check::CheckedRegistry;
pub use diagnostic::Diagnostic;
pub use finding::{Finding, RowKeys, Study};
pub use study_index::StudyIndex;
pub use topic::Topic;

use crate::error::Error;

/// The registry file name inside a topic directory.
pub const REGISTRY_FILE: &str = "registry.csv";
/// The topic description file name inside a topic directory.
pub const TOPIC_FILE: &str = "topic.toml";

/// Where a topic's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLocation {
    /// The topic directory's name: the report goes to `<out>/<name>/`.
    pub name: String,
    /// The registry CSV.
    pub registry: PathBuf,
    /// The topic.toml beside it.
    pub topic: PathBuf,
}

impl TopicLocation {
    /// The location of a topic directory.
    pub fn of_dir(dir: &Path) -> TopicLocation {
        TopicLocation::of_registry(&dir.join(REGISTRY_FILE))
    }

    fn of_registry(registry: &Path) -> TopicLocation {
        let dir = registry.parent().unwrap_or(Path::new("."));
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "topic".to_string());
        TopicLocation {
            name,
            registry: registry.to_path_buf(),
            topic: dir.join(TOPIC_FILE),
        }
    }
}

/// Resolves a command-line topic: a bare topic name under `studies_root` (looked up there
/// first), else a topic directory or a registry `.csv` file.
pub fn resolve(arg: &str, studies_root: &Path) -> Result<TopicLocation, Error> {
    // A trailing slash, as shell completion writes a directory name, still names the topic.
    let name = arg.trim_end_matches('/');
    // A bare name is a topic under the studies directory first, even where the working
    // directory has an entry of that name (a report directory of the same name, say).
    let dir = studies_root.join(name);
    if is_plain_name(name) && dir.is_dir() {
        stays_inside(studies_root, &dir)?;
        return Ok(TopicLocation::of_dir(&dir));
    }
    let path = Path::new(arg);
    if path.is_dir() {
        return Ok(TopicLocation::of_dir(path));
    }
    if path.is_file() {
        return Ok(TopicLocation::of_registry(path));
    }
    if is_plain_name(name) {
        return Err(Error::Usage(format!(
            "no topic \"{name}\": {} is not a directory; known topics: {}",
            dir.display(),
            known_topics(studies_root)
        )));
    }
    Err(Error::Usage(format!(
        "{arg}: no such topic directory or registry file"
    )))
}

/// Refuses a topic under `studies_root` whose directory or files resolve outside it (a
/// symlink pointing elsewhere), so a topic name can never reach files it should not.
fn stays_inside(studies_root: &Path, dir: &Path) -> Result<(), Error> {
    let root = studies_root
        .canonicalize()
        .map_err(|e| Error::io(studies_root, "resolve", e))?;
    for path in [
        dir.to_path_buf(),
        dir.join(REGISTRY_FILE),
        dir.join(TOPIC_FILE),
    ] {
        if let Ok(real) = path.canonicalize()
            && !real.starts_with(&root)
        {
            return Err(Error::Usage(format!(
                "{} resolves to {}, outside {}; topics must stay inside it (a symlink out of it is refused)",
                path.display(),
                real.display(),
                studies_root.display()
            )));
        }
    }
    Ok(())
}

/// A directory name without path separators, dots at the start (`.`, `..`, hidden
/// directories) or control characters: `magnesium-rls`, and also any name a batch lists
/// (`my topic`, `magnésium`).
fn is_plain_name(arg: &str) -> bool {
    !arg.is_empty()
        && !arg.starts_with('.')
        && !arg.contains('/')
        && !control::any_forbidden(arg.as_bytes())
}

fn known_topics(studies_root: &Path) -> String {
    match discover(studies_root) {
        Ok(topics) if !topics.is_empty() => topics
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        _ => "none".to_string(),
    }
}

/// Every topic directory directly under `studies_root`, by name: one holding a `registry.csv`
/// or a `topic.toml` (a directory with only one of them is a topic half made, which loading
/// then names, rather than a directory skipped without a word). A topic reached twice, by its
/// name and through a symlink, is listed once.
pub fn discover(studies_root: &Path) -> Result<Vec<TopicLocation>, Error> {
    let entries = std::fs::read_dir(studies_root)
        .map_err(|e| Error::io(studies_root, "list topics in", e))?;
    let mut topics = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(studies_root, "list topics in", e))?;
        let dir = entry.path();
        if dir.is_dir() && (dir.join(REGISTRY_FILE).is_file() || dir.join(TOPIC_FILE).is_file()) {
            stays_inside(studies_root, &dir)?;
            topics.push(TopicLocation::of_dir(&dir));
        }
    }
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(distinct(topics))
}

/// `topics` with each registry once (the same file named twice, as a directory and as a file,
/// or reached through a symlink), in their order. Two registry files of one directory are two
/// entries (`validate a.csv b.csv` checks both against the topic.toml beside them).
pub fn distinct(topics: Vec<TopicLocation>) -> Vec<TopicLocation> {
    let mut seen: Vec<PathBuf> = Vec::with_capacity(topics.len());
    let mut kept = Vec::with_capacity(topics.len());
    for topic in topics {
        let real = real_path(&topic.registry);
        if !seen.contains(&real) {
            seen.push(real);
            kept.push(topic);
        }
    }
    kept
}

/// Refuses two different registries of one topic name, whose reports would go to one
/// directory (`report` only: checking or formatting them writes nothing shared).
pub fn one_report_directory_each(topics: &[TopicLocation]) -> Result<(), Error> {
    for (i, topic) in topics.iter().enumerate() {
        if let Some(other) = topics[..i].iter().find(|other| other.name == topic.name) {
            return Err(Error::Usage(format!(
                "two topics are named \"{}\" ({} and {}): their reports would go to one \
                 directory; report them one at a time, or rename one",
                topic.name,
                real_dir(&other.registry).display(),
                real_dir(&topic.registry).display()
            )));
        }
    }
    Ok(())
}

/// The directory of `path`, its symlinks resolved.
fn real_dir(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

/// `path` with its directory's symlinks resolved (the file itself need not exist).
fn real_path(path: &Path) -> PathBuf {
    let real = real_dir(path);
    match path.file_name() {
        Some(file) => real.join(file),
        None => real,
    }
}

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
        current_year(),
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
        read::read_registry(bytes, path, topic, current_year())
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
        read::read_registry_with_room(bytes, path, topic, current_year(), room)
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

    let mut outcome = read::read_registry(&appended, path, topic, current_year());
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

/// This year by the system clock (UTC), the upper bound of `year`.
pub fn current_year() -> i32 {
    civil_date(days_since_epoch()).0
}

/// Today by the system clock (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let (year, month, day) = civil_date(days_since_epoch());
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whole days since 1970-01-01 by the system clock (0 if the clock is before it).
fn days_since_epoch() -> i64 {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (seconds / 86_400) as i64
}

/// The Gregorian (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_date(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        (yoe + era * 400 + i64::from(month <= 2)) as i32,
        month as u32,
        day as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected dates from Python's `datetime.date(1970, 1, 1) + timedelta(days=d)`.
    #[test]
    fn civil_dates_match_known_days() {
        for (days, date) in [
            (-1, (1969, 12, 31)),
            (0, (1970, 1, 1)),
            (59, (1970, 3, 1)),
            (10_956, (1999, 12, 31)),
            (10_957, (2000, 1, 1)),
            (11_016, (2000, 2, 29)),
            (19_782, (2024, 2, 29)),
            (20_426, (2025, 12, 4)),
            (20_779, (2026, 11, 22)),
            (2_932_896, (9999, 12, 31)),
        ] {
            assert_eq!(civil_date(days), date, "day {days}");
        }
    }

    #[test]
    fn sha256_of_abc_is_the_fips_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
