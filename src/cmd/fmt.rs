//! `evsynth fmt [TOPIC...]`: canonical column and row order; `--check` for CI. Rewrites only
//! through a temporary file and a rename, under the registry lock.

use std::path::Path;

use crate::cmd::{locate_topics, report_error};
use crate::error::Error;
use crate::registry::raw::{RawRows, departures};
use crate::registry::write::LockedRegistry;
use crate::registry::{self, TopicLocation};

/// Formats (or with `check`, checks) the named topics; exit 1 if `check` finds one unformatted.
pub fn run(studies: &Path, topics: &[String], check: bool) -> u8 {
    let topics = match locate_topics(studies, topics) {
        Ok(topics) => topics,
        Err(error) => return report_error(&error),
    };
    let mut exit = 0;
    for location in &topics {
        match format_topic(location, check) {
            Ok(Status::Formatted) => {
                crate::cmd::outln!("{}: already formatted", location.registry.display())
            }
            Ok(Status::Rewritten) => {
                crate::cmd::outln!("{}: formatted", location.registry.display())
            }
            Ok(Status::WouldChange(departures)) => {
                crate::cmd::outln!(
                    "{}: not in canonical form ({}); run `evsynth fmt {}`",
                    location.registry.display(),
                    departures.join("; "),
                    location.name
                );
                exit = exit.max(1);
            }
            Err(error) => exit = exit.max(report_error(&error)),
        }
    }
    exit
}

enum Status {
    Formatted,
    Rewritten,
    /// `--check` found the file not canonical, in these ways.
    WouldChange(Vec<&'static str>),
}

fn format_topic(location: &TopicLocation, check: bool) -> Result<Status, Error> {
    // Only a valid registry is rewritten or judged: its rows are then known to survive the
    // round trip.
    let path = &location.registry;
    registry::check(location)?;
    if check {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read", e))?;
        let rows = RawRows::read(&bytes);
        let formatted = rows.canonical();
        return Ok(if formatted == bytes {
            Status::Formatted
        } else {
            Status::WouldChange(departures(&bytes, &rows, &formatted))
        });
    }
    let topic = registry::Topic::load(&location.topic)?;
    // Checked again under the lock, as it is rewritten: a row added since must not be lost.
    let locked = LockedRegistry::open(path)?;
    drop(registry::parse(
        &locked.bytes,
        &path.display().to_string(),
        &topic,
    )?);
    let formatted = RawRows::read(&locked.bytes).canonical();
    if formatted == locked.bytes {
        return Ok(Status::Formatted);
    }
    locked.replace(path, &formatted)?;
    Ok(Status::Rewritten)
}
