//! Errors as values, each mapped to one exit code.

use std::path::PathBuf;

use crate::registry::Diagnostic;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The registry has invalid data; every problem found, in file order.
    #[error("{}", render_diagnostics(.0))]
    Invalid(Vec<Diagnostic>),
    /// `topic.toml` is malformed or incomplete.
    #[error("{}", prefix_lines(path, message))]
    Topic {
        /// The topic file.
        path: PathBuf,
        /// One problem per line, each `line:column: message` where known.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done ("read", "write", "create directory").
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The command line names something that does not exist or cannot be used.
    #[error("{0}")]
    Usage(String),
    /// An aggregation failed inside polars (a bug, not a data problem).
    #[error("aggregation failed: {0}")]
    Frame(#[from] polars::error::PolarsError),
    /// A chart could not be drawn.
    #[error("chart {chart}: {message}")]
    Chart {
        /// The chart's file stem.
        chart: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// Exit code: 1 for invalid data, 2 for usage and I/O (DESIGN.md §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::Topic { .. } => 1,
            Error::Io { .. } | Error::Usage(_) | Error::Frame(_) | Error::Chart { .. } => 2,
        }
    }

    /// Builds an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// Opening a topic's own file failed: a missing `topic.toml` or `registry.csv` says what a
    /// topic directory holds and how to make one; other failures are [`Error::io`].
    pub fn topic_file(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Error {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            return Error::Usage(format!(
                "{}: no such file; a topic directory holds topic.toml and registry.csv \
                 (`evsynth init NAME` makes both)",
                path.display()
            ));
        }
        Error::io(path, action, source)
    }
}

fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

fn prefix_lines(path: &std::path::Path, message: &str) -> String {
    let lines: Vec<String> = message
        .lines()
        .map(|line| format!("{}:{line}", path.display()))
        .collect();
    lines.join("\n")
}
