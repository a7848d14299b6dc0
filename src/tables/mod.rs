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
    /// `count` rows; `make(i, out)` gives the i-th row's cells to `out` in column order, which
    /// writes each as it comes: a million-row table neither allocates nor holds a row.
    OnDemand {
        /// How many rows.
        count: usize,
        /// Makes row `i`.
        make: MakeRow<'a>,
    },
}

impl<'a> Rows<'a> {
    /// Rows made on demand from groups of items in order (each question's study votes, each
    /// analysis's estimates): row `i` is item `j` of group `g`, and `make(g, j, out)` gives
    /// its cells to `out`. `sizes` are the groups' item counts; empty groups are skipped.
    pub fn grouped(
        sizes: impl IntoIterator<Item = usize>,
        make: impl Fn(usize, usize, &mut RowOut<'_>) + Sync + 'a,
    ) -> Rows<'a> {
        let mut starts = Vec::new();
        let mut count = 0;
        for size in sizes {
            starts.push(count);
            count += size;
        }
        Rows::OnDemand {
            count,
            make: Box::new(move |i, out| {
                // The last group starting at or before row i (an empty group shares its start
                // with the next, which is then the one taken).
                let group = starts.partition_point(|start| *start <= i) - 1;
                make(group, i - starts[group], out);
            }),
        }
    }
}

/// Gives row `i`'s cells to a [`RowOut`] (see [`Rows::OnDemand`]).
pub type MakeRow<'a> = Box<dyn Fn(usize, &mut RowOut<'_>) + Sync + 'a>;

/// Takes an on-demand row's cells one at a time, in column order, and writes each as a CSV
/// field as it comes (`render::csv`). Each call is inlined where the row is made, so a cell
/// of a known kind is written without being built and matched (a million findings' table:
/// twelve cells a row).
pub struct RowOut<'o> {
    out: &'o mut Vec<u8>,
    /// Where the record starts in `out`.
    start: usize,
}

impl<'o> RowOut<'o> {
    /// A row written to the end of `out`.
    pub(crate) fn new(out: &'o mut Vec<u8>) -> RowOut<'o> {
        let start = out.len();
        RowOut { out, start }
    }

    /// Writes the row's next cell, and a separator after it (the last one becomes the line
    /// end: [`RowOut::finish`]).
    #[inline(always)]
    pub fn cell(&mut self, cell: Cell<'_>) -> &mut Self {
        self.cell_ref(&cell)
    }

    /// [`RowOut::cell`] of a cell that stays with its owner (a built row's), so its text is
    /// not copied to be written.
    #[inline(always)]
    pub(crate) fn cell_ref(&mut self, cell: &Cell<'_>) -> &mut Self {
        crate::render::csv::write_cell(self.out, cell);
        self.out.push(b',');
        self
    }

    /// Ends the record: the last separator becomes the line end, and a record of one empty
    /// field is written `""`, as the csv crate does, so that it is not read back as a blank
    /// line.
    pub(crate) fn finish(self) {
        if &self.out[self.start..] == b"," {
            self.out.truncate(self.start);
            self.out.extend_from_slice(b"\"\"");
        } else if self.out.len() > self.start {
            self.out.pop();
        }
        self.out.push(b'\n');
    }
}

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
        let rows = Rows::grouped([0, 2, 0, 0, 3, 0], |group, item, out| {
            out.cell(Cell::Int(group as i64))
                .cell(Cell::Int(item as i64));
        });
        let Rows::OnDemand { count, make } = rows else {
            panic!("grouped rows are made on demand");
        };
        assert_eq!(count, 5);
        let mut written = Vec::new();
        for i in 0..count {
            let mut out = RowOut::new(&mut written);
            make(i, &mut out);
            out.finish();
        }
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "1,0\n1,1\n4,0\n4,1\n4,2\n"
        );
    }
}
