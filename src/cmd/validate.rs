//! `evsynth validate`: read and check registries, print every problem, compiler style.

use crate::numbers::counted;
use std::path::Path;

use crate::cmd::{locate_topics, report_error};
use crate::error::Error;
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
            Err(error) => {
                exit = exit.max(report_error(&error));
                // A closing count on stdout, beside each valid topic's "ok": with many
                // problems, or many topics, the count is what scrolled away.
                let problems = match &error {
                    Error::Invalid(diagnostics) => Some((&location.registry, diagnostics.len())),
                    Error::Topic { path, message } => Some((path, message.lines().count())),
                    _ => None,
                };
                if let Some((file, count)) = problems {
                    crate::cmd::outln!(
                        "{}: not valid ({}, each named above on stderr)",
                        file.display(),
                        counted(count as u64, "problem", "problems")
                    );
                }
            }
        }
    }
    exit
}
