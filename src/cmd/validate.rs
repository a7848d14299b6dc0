//! `evsynth validate`: read and check registries, print every problem, compiler style.

use crate::numbers::counted;
use std::path::Path;

use crate::cmd::{locate_topics, report_error};
use crate::registry;

/// Validates the named topics (or all); exit 0 valid, 1 invalid data, 2 usage or I/O.
pub fn run(studies: &Path, paths: &[String]) -> u8 {
    let topics = match locate_topics(studies, paths) {
        Ok(topics) => topics,
        Err(error) => return report_error(&error),
    };
    let mut exit = 0;
    for location in &topics {
        match registry::check(location) {
            Ok(checked) => {
                crate::cmd::outln!(
                    "{}: ok ({}, {})",
                    location.registry.display(),
                    counted(checked.findings as u64, "finding", "findings"),
                    counted(checked.studies as u64, "study", "studies")
                );
            }
            Err(error) => exit = exit.max(report_error(&error)),
        }
    }
    exit
}
