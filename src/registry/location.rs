//! Where a topic's files are: a topic named on the command line (a bare name under the
//! studies directory, a topic directory or a registry file), every topic of the studies
//! directory, and the checks that keep a topic inside it and each report in its own directory.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::registry::{REGISTRY_FILE, TOPIC_FILE, control};

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
