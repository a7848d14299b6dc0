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
    /// A key written as it is: a registry slug (`[a-z0-9_]+`: study ids and topic keys, checked
    /// when read) or a vocabulary's canonical key. It needs neither CSV quotes nor formula
    /// escaping, so it is not scanned for them (a million-row table has nine per row).
    Key(&'a str),
    /// A whole number.
    Int(i64),
    /// A real number.
    Real(f64),
    /// A real number after a fixed mark, `<` or `>` (a p-value given as a bound).
    Bound(&'static str, f64),
    /// No value.
    Empty,
}

impl<'a> Cell<'a> {
    /// Text from an optional string.
    pub fn opt_text(value: Option<&'a str>) -> Cell<'a> {
        value.map_or(Cell::Empty, |v| Cell::Text(Cow::Borrowed(v)))
    }

    /// A key (see [`Cell::Key`]) from an optional one.
    pub fn opt_key(value: Option<&'a str>) -> Cell<'a> {
        value.map_or(Cell::Empty, Cell::Key)
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

impl<'a> Rows<'a> {
    /// Rows made on demand from groups of items in order (each question's study votes, each
    /// analysis's estimates): row `i` is item `j` of group `g`, and `make(g, j, cells)` puts
    /// its cells. `sizes` are the groups' item counts; empty groups are skipped.
    pub fn grouped(
        sizes: impl IntoIterator<Item = usize>,
        make: impl Fn(usize, usize, &mut Vec<Cell<'a>>) + Sync + 'a,
    ) -> Rows<'a> {
        let mut starts = Vec::new();
        let mut count = 0;
        for size in sizes {
            starts.push(count);
            count += size;
        }
        Rows::OnDemand {
            count,
            make: Box::new(move |i, cells| {
                // The last group starting at or before row i (an empty group shares its start
                // with the next, which is then the one taken).
                let group = starts.partition_point(|start| *start <= i) - 1;
                make(group, i - starts[group], cells);
            }),
        }
    }
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

/// How a table is built: from the registry alone, or from the synthesis too. (All are made after
/// the synthesis, beside the charts: see `cmd::report::build_report`.)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Row numbers map to (group, item) in order, over empty groups at the start, between and
    /// at the end.
    #[test]
    fn grouped_rows_walk_the_groups_in_order() {
        let rows = Rows::grouped([0, 2, 0, 0, 3, 0], |group, item, cells| {
            cells.push(Cell::Int(group as i64));
            cells.push(Cell::Int(item as i64));
        });
        let Rows::OnDemand { count, make } = rows else {
            panic!("grouped rows are made on demand");
        };
        assert_eq!(count, 5);
        let made: Vec<(i64, i64)> = (0..count)
            .map(|i| {
                let mut cells = Vec::new();
                make(i, &mut cells);
                match cells[..] {
                    [Cell::Int(group), Cell::Int(item)] => (group, item),
                    _ => panic!("two numbers"),
                }
            })
            .collect();
        assert_eq!(made, [(1, 0), (1, 1), (4, 0), (4, 1), (4, 2)]);
    }
}
