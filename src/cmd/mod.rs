//! Subcommands, one file each. Each returns its exit code after printing what happened.

pub mod report;
pub mod summary;
pub mod validate;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::registry::{self, TopicLocation};

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Validate { paths } => validate::run(&cli.studies, &paths),
        Command::Report {
            topics,
            out,
            png_scale,
            selection,
        } => report::run(
            &cli.studies,
            &topics,
            &out,
            png_scale,
            &selection.selection(),
        ),
        Command::Summary { topic, selection } => {
            summary::run(&cli.studies, &topic, &selection.selection())
        }
    }
}

/// The topics named on the command line, or every topic under `studies` when none is named.
pub fn locate_topics(studies: &Path, args: &[String]) -> Result<Vec<TopicLocation>, Error> {
    if args.is_empty() {
        let topics = registry::discover(studies)?;
        if topics.is_empty() {
            return Err(Error::Usage(format!(
                "no topics under {}: create one with a registry.csv and topic.toml inside",
                studies.display()
            )));
        }
        return Ok(topics);
    }
    args.iter()
        .map(|arg| registry::resolve(arg, studies))
        .collect()
}

/// Prints an error to stderr and returns its exit code.
pub fn report_error(error: &Error) -> u8 {
    eprintln!("{error}");
    error.exit_code()
}
