//! Report tables: one file per table, registered in [`TABLES`]; each becomes
//! `tables/<stem>.csv`.

pub mod by_direction;
pub mod effect_sizes;
pub mod findings;
pub mod studies;
pub mod study_votes;
pub mod votes;

use std::borrow::Cow;

use crate::registry::Registry;
use crate::synthesis::Synthesis;

/// One cell of a table; text is borrowed from the registry or synthesis where it can be, so
/// a million-row table does not copy every string.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Free text (escaped against spreadsheet formulas when written).
    Text(Cow<'a, str>),
    /// A whole number.
    Int(i64),
    /// A real number.
    Real(f64),
    /// No value.
    Empty,
}

impl<'a> Cell<'a> {
    /// Text from an optional string.
    pub fn opt_text(value: Option<&'a str>) -> Cell<'a> {
        value.map_or(Cell::Empty, |v| Cell::Text(Cow::Borrowed(v)))
    }

    /// Text from an optional owned string.
    pub fn opt_string(value: Option<String>) -> Cell<'a> {
        value.map_or(Cell::Empty, |v| Cell::Text(Cow::Owned(v)))
    }

    /// A number from an optional integer.
    pub fn opt_int(value: Option<impl Into<i64>>) -> Cell<'a> {
        value.map_or(Cell::Empty, |v| Cell::Int(v.into()))
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(value: &'a str) -> Cell<'a> {
        Cell::Text(Cow::Borrowed(value))
    }
}

impl From<String> for Cell<'_> {
    fn from(value: String) -> Self {
        Cell::Text(Cow::Owned(value))
    }
}

/// A table with named columns.
pub struct Table<'a> {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Rows, each as long as `columns`.
    pub rows: Rows<'a>,
}

/// A table's rows: built up front (small tables), or made one at a time while the table is
/// written (per-finding and per-study tables, which are never held whole in memory).
pub enum Rows<'a> {
    /// Every row.
    Built(Vec<Vec<Cell<'a>>>),
    /// `count` rows; `make(i, cells)` puts the i-th row's cells into `cells` (given empty, and
    /// reused from row to row, so a million-row table allocates no row).
    OnDemand {
        /// How many rows.
        count: usize,
        /// Makes row `i`.
        make: MakeRow<'a>,
    },
}

/// Puts row `i`'s cells into an empty vector (see [`Rows::OnDemand`]).
pub type MakeRow<'a> = Box<dyn Fn(usize, &mut Vec<Cell<'a>>) + Sync + 'a>;

impl<'a> From<Vec<Vec<Cell<'a>>>> for Rows<'a> {
    fn from(rows: Vec<Vec<Cell<'a>>>) -> Rows<'a> {
        Rows::Built(rows)
    }
}

/// A registered table: file stem and builder.
pub struct TableSpec {
    /// File stem under `tables/`.
    pub stem: &'static str,
    /// Builds the table.
    pub build: Build,
}

/// How a table is built: from the registry alone (it can be made while the synthesis runs) or
/// from the synthesis.
#[derive(Clone, Copy)]
pub enum Build {
    /// From the findings only.
    Registry(for<'a> fn(&'a Registry) -> Table<'a>),
    /// From the synthesis.
    Synthesis(for<'a> fn(&'a Registry, &'a Synthesis) -> Table<'a>),
}

/// Every table, in report order.
pub const TABLES: &[TableSpec] = &[
    votes::SPEC,
    by_direction::TIER,
    by_direction::OUTCOME,
    by_direction::FORM,
    findings::SPEC,
    studies::SPEC,
    study_votes::SPEC,
    effect_sizes::SPEC,
];
