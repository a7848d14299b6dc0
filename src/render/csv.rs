//! Tables as CSV. Text cells that a spreadsheet would run as a formula are prefixed with `'`
//! (OWASP "CSV injection" guidance), so opening a report never executes registry text.

use std::fmt::Write as _;

use crate::tables::{Cell, Table};

/// Serialises a table to CSV bytes (LF line ends, minimal quoting).
pub fn table_to_csv(table: &Table<'_>) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(64 * (table.rows.len() + 1)));
    // Writing to a Vec cannot fail; the rows all have the header's length by construction.
    let _ = writer.write_record(&table.columns);
    let mut number = String::new();
    for row in &table.rows {
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
    writer.into_inner().unwrap_or_default()
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
            rows: vec![vec![
                Cell::from("=HYPERLINK(\"x\")"),
                Cell::Int(-3),
                Cell::from("plain, with comma"),
            ]],
        };
        let text = String::from_utf8(table_to_csv(&table)).unwrap();
        assert_eq!(
            text,
            "a,b,c\n\"'=HYPERLINK(\"\"x\"\")\",-3,\"plain, with comma\"\n"
        );
    }
}
