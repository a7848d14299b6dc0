//! Command-line interface (clap derive). Clap types stop here: commands receive plain values.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::{Confidence, Design, RiskOfBias};
use crate::synthesis::pool::{PoolOptions, Tau2Method};
use crate::synthesis::selection::Selection;

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
    /// Write the evidence report of topics to <OUT>/<topic>/ (README.md, summary.json, tables, charts).
    #[command(after_help = NO_SIGNIFICANCE_FILTER)]
    Report {
        /// Topic directories or bare topic names (default: every topic).
        #[arg(value_name = "TOPIC")]
        topics: Vec<String>,
        /// Output directory.
        #[arg(long, default_value = "reports", value_name = "DIR")]
        out: PathBuf,
        /// PNG resolution in dots per inch (72 = one pixel per SVG pixel; 144 = 2x for print).
        #[arg(long, default_value_t = crate::charts::DEFAULT_DPI, value_parser = clap::value_parser!(u32).range(36..=600))]
        dpi: u32,
        /// Write nothing; exit 1 listing every output file that differs from what is on disk.
        #[arg(long)]
        check: bool,
        /// Sensitivity analysis options.
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// Append findings to a topic's registry after checking it as it would be afterwards.
    ///
    /// Missing required fields are asked for on a terminal (exit 2 naming them otherwise).
    /// Study-level fields (citation, year, doi, pmid, design, k_studies, confidence) are copied
    /// from the study's earlier rows when left out.
    Add {
        /// Topic directory or bare topic name.
        #[arg(value_name = "TOPIC")]
        topic: String,
        /// The new row's values, one flag per registry column.
        #[command(flatten)]
        values: crate::cli_columns::ColumnValues,
        /// Print the rows that would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Append every row of this CSV file (header + rows), all or nothing.
        #[arg(long, value_name = "FILE")]
        from_csv: Option<PathBuf>,
        /// Accept a citation and year that another study id already has.
        #[arg(long)]
        allow_duplicate_title: bool,
    },
    /// Create studies/<TOPIC>/ with a header-only registry and a topic.toml to fill in.
    Init {
        /// New topic name: lowercase letters, digits, - and _.
        #[arg(value_name = "TOPIC")]
        topic: String,
    },
    /// Rewrite registries in canonical column and row order (--check: only report).
    Fmt {
        /// Topic directories or bare topic names (default: every topic).
        #[arg(value_name = "TOPIC")]
        topics: Vec<String>,
        /// Exit 1 if a registry is not in canonical form; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Findings added, removed or changed since a git revision, and how the votes moved.
    Diff {
        /// Topic directory or bare topic name.
        #[arg(value_name = "TOPIC")]
        topic: String,
        /// The git revision to compare with (e.g. main, HEAD~3).
        #[arg(long, value_name = "GIT_REV")]
        since: String,
    },
    /// Print a topic's vote counts and sign tests as a compact terminal table.
    #[command(after_help = NO_SIGNIFICANCE_FILTER)]
    Summary {
        /// Topic directory or bare topic name.
        #[arg(value_name = "TOPIC")]
        topic: String,
        /// Sensitivity analysis options.
        #[command(flatten)]
        selection: SelectionArgs,
    },
}

/// Why there is no `--only-significant`.
const NO_SIGNIFICANCE_FILTER: &str = "There is no --only-significant option: counting only \
statistically significant findings is invalid vote counting (Cochrane Handbook 12.4.2.3; SWiM). \
Findings are counted by the direction of their point estimate, whatever their significance.";

/// Sensitivity analyses: which findings enter the synthesis.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Count case series and case reports as votes (default: described, not counted).
    #[arg(long)]
    pub count_case_reports: bool,
    /// Leave out a design (repeatable).
    #[arg(long, value_name = "DESIGN")]
    pub exclude_design: Vec<Design>,
    /// Keep only records verified at least this well (rows without confidence are left out).
    #[arg(long, value_name = "LEVEL")]
    pub min_confidence: Option<Confidence>,
    /// Leave out findings with this risk of bias (repeatable).
    #[arg(long, value_name = "LEVEL")]
    pub exclude_risk_of_bias: Vec<RiskOfBias>,
    /// Between-study variance estimator for pooling effect sizes.
    #[arg(long, value_enum, default_value = "reml", value_name = "METHOD")]
    pub tau2: Tau2Choice,
    /// Hartung-Knapp-Sidik-Jonkman standard errors with t(k-1) intervals.
    #[arg(long)]
    pub hksj: bool,
}

/// `--tau2` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Tau2Choice {
    /// Restricted maximum likelihood.
    #[default]
    Reml,
    /// DerSimonian-Laird.
    Dl,
    /// No between-study variance (fixed effect).
    Fe,
}

impl SelectionArgs {
    /// The selection these flags describe.
    pub fn selection(&self) -> Selection {
        let mut excluded_designs = self.exclude_design.clone();
        excluded_designs.sort();
        excluded_designs.dedup();
        let mut excluded_risk_of_bias = self.exclude_risk_of_bias.clone();
        excluded_risk_of_bias.sort();
        excluded_risk_of_bias.dedup();
        Selection {
            count_case_reports: self.count_case_reports,
            excluded_designs,
            min_confidence: self.min_confidence,
            excluded_risk_of_bias,
            pooling: PoolOptions {
                method: match self.tau2 {
                    Tau2Choice::Reml => Tau2Method::Reml,
                    Tau2Choice::Dl => Tau2Method::DerSimonianLaird,
                    Tau2Choice::Fe => Tau2Method::FixedEffect,
                },
                hksj: self.hksj,
            },
        }
    }
}
