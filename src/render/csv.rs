//! Tables as CSV. Text cells that a spreadsheet would run as a formula are prefixed with `'`
//! (OWASP "CSV injection" guidance), so opening a report never executes registry text.

use crate::render::shortest::push_shortest;
use crate::tables::{Cell, RowOut, Rows, Table};

/// Rows per parallel piece when serialising a large table: a few pieces of each table being
/// written are held at a time, so their size is in the report's peak memory (32,768 rows: a
/// million findings' report peaked at 367-405 MB; 16,384: 360-368 MB, as fast).
const ROWS_PER_PIECE: usize = 16_384;

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
    let header: Vec<Cell<'_>> = table.columns.iter().map(|c| Cell::from(*c)).collect();
    let mut header_bytes = Vec::new();
    write_row(&mut header_bytes, &header);
    out.write_all(&header_bytes)?;
    let count = match &table.rows {
        Rows::Built(rows) => rows.len(),
        Rows::OnDemand { count, .. } => *count,
    };
    let pieces = count.div_ceil(ROWS_PER_PIECE);
    let window = 2 * rayon::current_num_threads();
    // Room for a piece: the largest of the previous window's and an eighth more, so pieces
    // after the first window are not copied as they grow (findings.csv of a million rows:
    // 164 -> 155 ms).
    let mut room = 0;
    for first in (0..pieces).step_by(window) {
        let written: Vec<Vec<u8>> = (first..(first + window).min(pieces))
            .into_par_iter()
            .map(|piece| {
                let rows = piece * ROWS_PER_PIECE..((piece + 1) * ROWS_PER_PIECE).min(count);
                let mut out = Vec::with_capacity(room);
                match &table.rows {
                    Rows::Built(built) => {
                        write_rows(&mut out, built[rows].iter(), |out, row| write_row(out, row))
                    }
                    Rows::OnDemand { make, .. } => write_rows(&mut out, rows, |out, row| {
                        let mut row_out = RowOut::new(out);
                        make(row, &mut row_out);
                        row_out.finish();
                    }),
                }
                out
            })
            .collect();
        let largest = written.iter().map(Vec::len).max().unwrap_or(0);
        room = largest + largest / 8;
        for piece in written {
            out.write_all(&piece)?;
        }
    }
    Ok(())
}

/// Appends the CSV bytes of `rows`, each written by `write`, to `out`.
fn write_rows<T>(
    out: &mut Vec<u8>,
    rows: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    for row in rows {
        write(out, row);
    }
}

/// One record; every row has the header's length by construction. Written through
/// [`RowOut`], as on-demand rows are, so both follow one rule for separators and for a record
/// of one empty field.
fn write_row(out: &mut Vec<u8>, row: &[Cell<'_>]) {
    let mut row_out = RowOut::new(out);
    for cell in row {
        row_out.cell_ref(cell);
    }
    row_out.finish();
}

/// One field, without its separator. Always inlined: where the cell's kind is known (an
/// on-demand row's cells, `RowOut::cell`), only its own arm is left.
#[inline(always)]
pub(crate) fn write_cell(out: &mut Vec<u8>, cell: &Cell<'_>) {
    match cell {
        Cell::Text(text) if needs_neutralising(text) => {
            push_field(out, neutralise_formula(text).as_bytes());
        }
        Cell::Text(text) => push_field(out, text.as_bytes()),
        Cell::Key(key) => {
            debug_assert!(crate::registry::topic::is_slug(key), "{key:?} is not a key");
            out.extend_from_slice(key.as_bytes());
        }
        Cell::Int(value) => out.extend_from_slice(itoa::Buffer::new().format(*value).as_bytes()),
        Cell::Real(value) => push_shortest(out, *value),
        Cell::Bound(mark, value) => {
            debug_assert!(matches!(*mark, "<" | ">"), "{mark:?} is not a bound");
            out.extend_from_slice(mark.as_bytes());
            push_shortest(out, *value);
        }
        Cell::Empty => {}
    }
}

/// Appends a field, quoted (inner quotes doubled) only when it holds a comma, quote, CR or LF:
/// the csv crate's `QuoteStyle::Necessary`, which the tables were first written with (a
/// property test checks the bytes against it). Written directly, a million-row table takes a
/// quarter less time.
pub(crate) fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if !field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for piece in field.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(piece);
        if piece.ends_with(b"\"") {
            out.push(b'"');
        }
    }
    out.push(b'"');
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
    use proptest::prelude::*;

    /// The bytes the csv crate (`QuoteStyle::Necessary`, LF) writes for the same rows, with
    /// formulas neutralised and numbers formatted as `write_row` does: the oracle.
    fn csv_crate_bytes(columns: &[&str], rows: &[Vec<Cell<'_>>]) -> Vec<u8> {
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer.write_record(columns).unwrap();
        for row in rows {
            let fields: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => neutralise_formula(text),
                    Cell::Key(key) => key.to_string(),
                    Cell::Int(value) => value.to_string(),
                    Cell::Real(value) => value.to_string(),
                    Cell::Bound(mark, value) => format!("{mark}{value}"),
                    Cell::Empty => String::new(),
                })
                .collect();
            writer.write_record(&fields).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn cell() -> impl Strategy<Value = Cell<'static>> {
        prop_oneof![
            // Text drawn from the characters that matter to quoting and formulas.
            "[a-z ,\"\r\n=+@\t'-]{0,6}".prop_map(Cell::from),
            // Keys: slugs, written as they are.
            prop_oneof![Just("rct"), Just("s_01"), Just("positive"), Just("0")].prop_map(Cell::Key),
            any::<i64>().prop_map(Cell::Int),
            any::<f64>().prop_map(Cell::Real),
            (prop_oneof![Just("<"), Just(">")], 0.0..=1.0f64).prop_map(|(m, v)| Cell::Bound(m, v)),
            Just(Cell::Empty),
        ]
    }

    proptest! {
        /// Tables of 1–4 columns (one-column rows of one empty field included), built or made
        /// on demand, come out byte for byte as the csv crate writes them.
        #[test]
        fn rows_are_written_as_the_csv_crate_writes_them(
            width in 1usize..5,
            cells in prop::collection::vec(cell(), 0..40),
            empty_header in any::<bool>(),
        ) {
            let columns: Vec<&'static str> = if empty_header && width == 1 {
                vec![""]
            } else {
                ["a", "b,c", "d\"e", "f"][..width].to_vec()
            };
            let rows: Vec<Vec<Cell<'static>>> =
                cells.chunks_exact(width).map(<[Cell<'static>]>::to_vec).collect();
            let expected = csv_crate_bytes(&columns, &rows);
            // The same rows made on demand, cell by cell through `RowOut`.
            let on_demand = Table {
                columns: columns.clone(),
                rows: Rows::OnDemand {
                    count: rows.len(),
                    make: Box::new({
                        let rows = rows.clone();
                        move |i, out| {
                            for cell in &rows[i] {
                                out.cell(cell.clone());
                            }
                        }
                    }),
                },
            };
            let table = Table { columns, rows: Rows::Built(rows) };
            prop_assert_eq!(table_to_csv(&table), expected.clone());
            prop_assert_eq!(table_to_csv(&on_demand), expected);
        }

    }

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
