//! Tables as CSV. Text cells that a spreadsheet would run as a formula are prefixed with `'`
//! (OWASP "CSV injection" guidance), so opening a report never executes registry text.

use crate::tables::{Cell, Table};

/// Serialises a table to CSV bytes (LF line ends, minimal quoting).
pub fn table_to_csv(table: &Table) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail; the rows all have the header's length by construction.
    let _ = writer.write_record(&table.columns);
    for row in &table.rows {
        let fields: Vec<String> = row.iter().map(cell_text).collect();
        let _ = writer.write_record(&fields);
    }
    writer.into_inner().unwrap_or_default()
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => neutralise_formula(text),
        Cell::Int(value) => value.to_string(),
        Cell::Real(value) => value.to_string(),
        Cell::Empty => String::new(),
    }
}

/// Prefixes `'` to text starting with `=`, `+`, `-`, `@`, tab or carriage return.
pub fn neutralise_formula(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
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
