//! Tables as CSV. Text cells that a spreadsheet would run as a formula are prefixed with `'`
//! (OWASP "CSV injection" guidance), so opening a report never executes registry text.

use std::fmt::Write as _;

use crate::tables::{Cell, Rows, Table};

/// Rows per parallel piece when serialising a large table.
const ROWS_PER_PIECE: usize = 32_768;

/// Serialises a table to CSV bytes (LF line ends, minimal quoting); see [`write_table`].
pub fn table_to_csv(table: &Table<'_>) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_table(table, &mut bytes);
    bytes
}

/// Writes a table as CSV to `out`. Rows are serialised in pieces on every core and written in
/// order (records are independent, so the bytes are those of a sequential write); only a few
/// pieces exist at a time, and rows made on demand exist only while their piece is written.
pub fn write_table(table: &Table<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    out.write_all(&write_rows(
        std::iter::once(&table.columns),
        |writer, columns| {
            let _ = writer.write_record(columns.iter());
        },
    ))?;
    let count = match &table.rows {
        Rows::Built(rows) => rows.len(),
        Rows::OnDemand { count, .. } => *count,
    };
    let pieces = count.div_ceil(ROWS_PER_PIECE);
    let window = 2 * rayon::current_num_threads();
    for first in (0..pieces).step_by(window) {
        let written: Vec<Vec<u8>> = (first..(first + window).min(pieces))
            .into_par_iter()
            .map(|piece| {
                let rows = piece * ROWS_PER_PIECE..((piece + 1) * ROWS_PER_PIECE).min(count);
                match &table.rows {
                    Rows::Built(built) => {
                        write_rows(built[rows].iter(), |writer, row| write_row(writer, row))
                    }
                    Rows::OnDemand { make, .. } => {
                        let mut cells = Vec::with_capacity(table.columns.len());
                        write_rows(rows, |writer, row| {
                            cells.clear();
                            make(row, &mut cells);
                            write_row(writer, &cells);
                        })
                    }
                }
            })
            .collect();
        for piece in written {
            out.write_all(&piece)?;
        }
    }
    Ok(())
}

/// CSV bytes of `rows`, each written by `write`.
fn write_rows<T>(
    rows: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut ::csv::Writer<Vec<u8>>, T),
) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in rows {
        write(&mut writer, row);
    }
    // Writing to a Vec cannot fail.
    writer.into_inner().unwrap_or_default()
}

/// One record; every row has the header's length by construction.
fn write_row(writer: &mut ::csv::Writer<Vec<u8>>, row: &[Cell<'_>]) {
    let mut number = String::new();
    for cell in row {
        let _ = match cell {
            Cell::Text(text) if needs_neutralising(text) => {
                writer.write_field(neutralise_formula(text))
            }
            Cell::Text(text) => writer.write_field(text.as_bytes()),
            Cell::Int(value) => {
                number.clear();
                let _ = write!(number, "{value}");
                writer.write_field(&number)
            }
            Cell::Real(value) => {
                number.clear();
                let _ = write!(number, "{value}");
                writer.write_field(&number)
            }
            Cell::Empty => writer.write_field(""),
        };
    }
    let _ = writer.write_record(None::<&[u8]>);
}

fn needs_neutralising(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Prefixes `'` to text starting with `=`, `+`, `-`, `@`, tab or carriage return.
pub fn neutralise_formula(text: &str) -> String {
    if needs_neutralising(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        let table = Table {
            columns: vec!["a", "b", "c"],
            rows: Rows::Built(vec![vec![
                Cell::from("=HYPERLINK(\"x\")"),
                Cell::Int(-3),
                Cell::from("plain, with comma"),
            ]]),
        };
        let text = String::from_utf8(table_to_csv(&table)).unwrap();
        assert_eq!(
            text,
            "a,b,c\n\"'=HYPERLINK(\"\"x\"\")\",-3,\"plain, with comma\"\n"
        );
    }
}
