//! evsynth: literature evidence synthesis from a study registry.
//!
//! A topic lives in `studies/<topic>/` as `registry.csv` (one row per finding) and `topic.toml`
//! (its questions and vocabulary). The pipeline reads and validates the registry
//! ([`registry`]), builds a polars DataFrame ([`frame`]), aggregates it ([`synthesis`],
//! [`tables`]), draws charts ([`charts`]) and writes reports ([`render`]).

pub mod charts;
pub mod cli;
pub mod cli_columns;
pub mod cmd;
pub mod dates;
pub mod error;
pub mod frame;
pub mod model;
pub mod numbers;
pub mod registry;
pub mod render;
pub mod synthesis;
pub mod tables;
pub mod timing;
pub mod workers;

pub use error::Error;
