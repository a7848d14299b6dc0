//! Command-line interface (clap derive). Clap types stop here: commands receive plain values.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Literature evidence synthesis: study registries to vote counts, tables and charts.
#[derive(Debug, Parser)]
#[command(name = "evsynth", version, about, long_about = None)]
pub struct Cli {
    /// Directory holding one sub-directory per topic.
    #[arg(long, global = true, default_value = "studies", value_name = "DIR")]
    pub studies: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check registries and report every problem at once (exit 0 valid, 1 invalid, 2 usage/IO).
    Validate {
        /// Topic directories, bare topic names, or registry CSV files (default: every topic).
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Write the evidence report of topics to <OUT>/<topic>/ (README.md, tables, charts).
    Report {
        /// Topic directories or bare topic names (default: every topic).
        #[arg(value_name = "TOPIC")]
        topics: Vec<String>,
        /// Output directory.
        #[arg(long, default_value = "reports", value_name = "DIR")]
        out: PathBuf,
        /// PNG pixels per SVG pixel (2 = print resolution, 144 dpi).
        #[arg(long, default_value_t = crate::charts::DEFAULT_PNG_SCALE, value_parser = clap::value_parser!(u32).range(1..=8))]
        png_scale: u32,
    },
}
