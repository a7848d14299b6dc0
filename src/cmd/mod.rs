//! Subcommands, one file each. Each returns its exit code after printing what happened.

pub mod add;
pub mod diff;
pub mod fmt;
pub mod init;
pub mod report;
pub mod summary;
pub mod validate;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::registry::{self, TopicLocation};

/// Prints to stdout, ignoring a closed pipe (`evsynth summary x | head` must not panic).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// A line to stderr, ignoring a closed pipe or descriptor (`... 2>&1 | head`, `2>&-`): unlike
/// `eprintln!`, which panics there and would turn an exit code into 101 and leave a report's
/// staged files behind.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) use {errln, out, outln};

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Validate { paths } => validate::run(&cli.studies, &paths),
        Command::Report {
            topics,
            out,
            dpi,
            check,
            selection,
        } => report::run(
            &cli.studies,
            &topics,
            &report::ReportOptions {
                out,
                dpi,
                selection: selection.selection(),
                check,
                parallel_charts: false,
                leave_registry: false,
            },
        ),
        Command::Summary { topic, selection } => {
            summary::run(&cli.studies, &topic, &selection.selection())
        }
        Command::Add {
            topic,
            values,
            dry_run,
            from_csv,
            allow_duplicate_title,
        } => add::run(
            &cli.studies,
            &topic,
            &values,
            &add::AddOptions {
                dry_run,
                from_csv,
                allow_duplicate_title,
            },
        ),
        Command::Init { topic } => init::run(&cli.studies, &topic),
        Command::Fmt { topics, check } => fmt::run(&cli.studies, &topics, check),
        Command::Diff { topic, since } => diff::run(&cli.studies, &topic, &since),
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
    let topics = args
        .iter()
        .map(|arg| registry::resolve(arg, studies))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(registry::distinct(topics))
}

/// Prints an error to stderr and returns its exit code.
pub fn report_error(error: &Error) -> u8 {
    errln!("{error}");
    error.exit_code()
}
