//! A validated registry's rows as text, by column name: what `fmt` rewrites and `diff` compares,
//! exactly as written (trimmed), without re-serialising parsed values.

use std::collections::BTreeMap;

use crate::registry::columns::{COLUMNS, header_field, header_line, position};

/// One row's non-empty fields by column name (canonical names only).
pub type RawRow = BTreeMap<&'static str, String>;

/// Reads the rows of a registry that has already validated.
pub fn raw_rows(bytes: &[u8]) -> Vec<RawRow> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let Some(Ok(header)) = records.next() else {
        return Vec::new();
    };
    let columns: Vec<Option<&'static str>> = header
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let name = String::from_utf8_lossy(header_field(i, raw));
            position(name.trim()).map(|p| COLUMNS[p].name)
        })
        .collect();
    records
        .filter_map(Result::ok)
        .filter(|record| !(record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)))
        .map(|record| {
            columns
                .iter()
                .zip(record.iter())
                .filter_map(|(column, value)| {
                    let value = String::from_utf8_lossy(value).trim().to_string();
                    (!value.is_empty()).then_some(((*column)?, value))
                })
                .collect()
        })
        .collect()
}

/// The order of rows in the canonical form.
fn row_order(a: &RawRow, b: &RawRow) -> std::cmp::Ordering {
    (a.get("study_id"), a.get("outcome")).cmp(&(b.get("study_id"), b.get("outcome")))
}

/// How a registry departs from its canonical form (`canonical(bytes)`, already made), in
/// words: what `fmt --check` names.
pub fn departures(bytes: &[u8], canonical: &[u8]) -> Vec<&'static str> {
    let mut departures = Vec::new();
    // The file without the byte-order mark that spreadsheets put before the first field.
    let text = header_field(0, bytes);
    if text.len() < bytes.len() {
        departures.push("a byte-order mark");
    }
    let header = text.split(|&c| c == b'\n').next().unwrap_or_default();
    if header.strip_suffix(b"\r").unwrap_or(header) != header_line().as_bytes() {
        departures.push("columns other than the canonical ones in their order");
    }
    if memchr::memmem::find(text, b"\r\n").is_some() {
        departures.push("CRLF line ends");
    }
    if !raw_rows(bytes).is_sorted_by(|a, b| row_order(a, b).is_le()) {
        departures.push("rows not sorted by study_id, then outcome");
    }
    if departures.is_empty() && bytes != canonical {
        departures.push("fields spaced, quoted or ended otherwise");
    }
    departures
}

/// The canonical form of a registry: every column in canonical order, rows sorted by
/// (study_id, outcome) keeping file order within ties, LF line ends, no BOM.
pub fn canonical(bytes: &[u8]) -> Vec<u8> {
    let mut rows = raw_rows(bytes);
    rows.sort_by(row_order);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = writer.write_record(COLUMNS.iter().map(|c| c.name));
    for row in &rows {
        let _ = writer.write_record(
            COLUMNS
                .iter()
                .map(|c| row.get(c.name).map_or("", String::as_str)),
        );
    }
    writer.into_inner().unwrap_or_default()
}
