//! Report tables: one file per table, registered in [`TABLES`]; each becomes
//! `tables/<stem>.csv`.

pub mod by_direction;
pub mod findings;
pub mod studies;
pub mod votes;

use crate::registry::Registry;
use crate::synthesis::Synthesis;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Free text (escaped against spreadsheet formulas when written).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Real(f64),
    /// No value.
    Empty,
}

impl Cell {
    /// Text from an optional string.
    pub fn opt_text(value: Option<&str>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    /// A number from an optional integer.
    pub fn opt_int(value: Option<impl Into<i64>>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Int(v.into()))
    }
}

impl From<&str> for Cell {
    fn from(value: &str) -> Cell {
        Cell::Text(value.to_string())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Cell {
        Cell::Text(value)
    }
}

/// A table with named columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

/// A registered table: file stem and builder.
pub struct TableSpec {
    /// File stem under `tables/`.
    pub stem: &'static str,
    /// Builds the table.
    pub build: fn(&Registry, &Synthesis) -> Table,
}

/// Every table, in report order.
pub const TABLES: &[TableSpec] = &[
    votes::SPEC,
    by_direction::TIER,
    by_direction::OUTCOME,
    by_direction::FORM,
    findings::SPEC,
    studies::SPEC,
];
