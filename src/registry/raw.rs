//! A validated registry's rows as text, by column name: what `fmt` rewrites and `diff` compares,
//! exactly as written (trimmed), without re-serialising parsed values.

use std::collections::BTreeMap;

use crate::registry::columns::{COLUMNS, header_field, position};

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

/// The canonical form of a registry: every column in canonical order, rows sorted by
/// (study_id, outcome) keeping file order within ties, LF line ends, no BOM.
pub fn canonical(bytes: &[u8]) -> Vec<u8> {
    let mut rows = raw_rows(bytes);
    rows.sort_by(|a, b| {
        (a.get("study_id"), a.get("outcome")).cmp(&(b.get("study_id"), b.get("outcome")))
    });
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
