//! A validated registry's rows as text, by column: what `fmt` rewrites and `diff` compares,
//! exactly as written (trimmed), without re-serialising parsed values.
//!
//! Every row's values sit in one buffer, in canonical column order, separated by a byte that
//! UTF-8 text never holds: a row costs its text and one byte a column, where a map of owned
//! strings per row cost about 2.5 kB (a million-finding registry took 2.5 GB to check with
//! `fmt --check`).

use std::borrow::Cow;

use crate::registry::columns::{COLUMNS, Col, header_field, header_line, position};
use crate::render::csv::push_field;

/// Separates the values of a row in [`RawRows`]: 0xFF never occurs in UTF-8.
const BETWEEN_VALUES: u8 = 0xFF;

/// The rows of a registry that has already validated, each with a value (possibly empty) for
/// every canonical column, in file order.
pub struct RawRows {
    /// Every row's values, trimmed, each row's joined by [`BETWEEN_VALUES`].
    text: Vec<u8>,
    /// Where each row ends in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
}

/// One row of [`RawRows`].
#[derive(Debug, Clone, Copy)]
pub struct RawRow<'a> {
    values: &'a [u8],
}

impl<'a> RawRow<'a> {
    /// The row's values in canonical column order (`""` for a column it leaves empty or lacks).
    pub fn values(self) -> impl Iterator<Item = &'a str> {
        // Each value was a `str` when it was stored, so this never gives the empty default.
        self.value_bytes()
            .map(|value| std::str::from_utf8(value).unwrap_or_default())
    }

    /// The bytes of [`RawRow::values`], which are UTF-8.
    fn value_bytes(self) -> impl Iterator<Item = &'a [u8]> {
        self.values.split(|&b| b == BETWEEN_VALUES)
    }

    /// The value of `column` (`""` if empty).
    pub fn get(self, column: Col) -> &'a str {
        self.values().nth(column as usize).unwrap_or_default()
    }

    /// Whether the two rows hold the same value in every column.
    pub fn same_values(self, other: RawRow<'_>) -> bool {
        self.values == other.values
    }

    /// The row's place in canonical order: its study id, then its outcome (as bytes, which
    /// order UTF-8 text as its characters do).
    fn order_key(self) -> (&'a [u8], &'a [u8]) {
        let mut values = self.value_bytes();
        let study = values.next().unwrap_or_default();
        let outcome = values
            .nth(Col::Outcome as usize - Col::StudyId as usize - 1)
            .unwrap_or_default();
        (study, outcome)
    }
}

impl RawRows {
    /// Reads the rows of registry `bytes` (a file that has validated): each canonical column's
    /// value trimmed, columns that are not canonical left out, blank lines skipped.
    pub fn read(bytes: &[u8]) -> RawRows {
        let mut rows = RawRows {
            text: Vec::with_capacity(bytes.len() + bytes.len() / 8),
            ends: Vec::new(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        // A registry that validated is UTF-8, and so is every field of it: each is then trimmed
        // without being checked again.
        let utf8 = std::str::from_utf8(bytes).is_ok();
        let trim: fn(&[u8]) -> Cow<'_, [u8]> = if utf8 { trimmed_utf8 } else { trimmed };
        let mut record = csv::ByteRecord::new();
        if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
            return rows;
        }
        // The canonical column of each of the file's columns.
        let columns: Vec<Option<usize>> = record
            .iter()
            .enumerate()
            .map(|(i, raw)| position(String::from_utf8_lossy(header_field(i, raw)).trim()))
            .collect();
        // For each canonical column, the field of the record that gives its value.
        let mut given: Vec<Option<usize>> = vec![None; COLUMNS.len()];
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                // A slice gives no read errors, and a flexible reader no length errors.
                Err(_) => continue,
            }
            if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            given.fill(None);
            for (field, (column, value)) in columns.iter().zip(record.iter()).enumerate() {
                // A later column of the same name with a value wins, as in a map of them.
                if let Some(column) = column
                    && !trim(value).is_empty()
                {
                    given[*column] = Some(field);
                }
            }
            for (i, field) in given.iter().enumerate() {
                if i > 0 {
                    rows.text.push(BETWEEN_VALUES);
                }
                if let Some(field) = field {
                    rows.text.extend_from_slice(&trim(&record[*field]));
                }
            }
            rows.ends.push(rows.text.len());
        }
        rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Row `index` (in file order).
    pub fn row(&self, index: usize) -> RawRow<'_> {
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        RawRow {
            values: &self.text[start..self.ends[index]],
        }
    }

    /// Every row, in file order.
    pub fn iter(&self) -> impl Iterator<Item = RawRow<'_>> {
        (0..self.len()).map(|index| self.row(index))
    }

    /// Whether the rows are in canonical order (by study id, then outcome).
    pub fn in_canonical_order(&self) -> bool {
        self.iter().is_sorted_by_key(RawRow::order_key)
    }

    /// The rows in canonical order (by study id, then outcome, keeping file order within
    /// ties).
    pub fn in_order(&self) -> Vec<RawRow<'_>> {
        let mut rows: Vec<RawRow<'_>> = self.iter().collect();
        rows.sort_by_cached_key(|row| row.order_key());
        rows
    }

    /// The canonical form of the registry: every column in canonical order, rows sorted by
    /// (study_id, outcome) keeping file order within ties, LF line ends, no BOM, fields quoted
    /// only where CSV needs it.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len() + self.len() * 2);
        out.extend_from_slice(header_line().as_bytes());
        out.push(b'\n');
        for row in self.in_order() {
            for (i, value) in row.value_bytes().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_field(&mut out, value);
            }
            out.push(b'\n');
        }
        out
    }
}

/// A field's bytes as text, trimmed of whitespace (`str::trim`), invalid UTF-8 replaced (which
/// a registry that has validated does not hold).
fn trimmed(field: &[u8]) -> Cow<'_, [u8]> {
    match String::from_utf8_lossy(field) {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim().as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.trim().as_bytes().to_vec()),
    }
}

/// [`trimmed`] of a field known to be UTF-8: ASCII whitespace is cut from the bytes, and the
/// text is decoded only when a non-ASCII character is left at an end (which may be
/// whitespace, such as a no-break space).
fn trimmed_utf8(field: &[u8]) -> Cow<'_, [u8]> {
    let space = |b: &u8| b.is_ascii() && char::from(*b).is_whitespace();
    let start = field.iter().position(|b| !space(b)).unwrap_or(field.len());
    let end = field
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |last| last + 1);
    let inner = &field[start..end];
    match (inner.first(), inner.last()) {
        (Some(first), Some(last)) if !first.is_ascii() || !last.is_ascii() => trimmed(inner),
        _ => Cow::Borrowed(inner),
    }
}

/// How registry `bytes`, read as `rows`, depart from their canonical form (`canonical`,
/// already made), in words: what `fmt --check` names.
pub fn departures(bytes: &[u8], rows: &RawRows, canonical: &[u8]) -> Vec<&'static str> {
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
    if !rows.in_canonical_order() {
        departures.push("rows not sorted by study_id, then outcome");
    }
    if departures.is_empty() && bytes != canonical {
        departures.push("fields spaced, quoted or ended otherwise");
    }
    departures
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical form as the csv crate writes it from a map of each row's values, the way
    /// `fmt` first made it: the oracle.
    fn canonical_by_maps(bytes: &[u8]) -> Vec<u8> {
        use std::collections::BTreeMap;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.byte_records().map(Result::unwrap);
        let header: Vec<Option<&str>> = records
            .next()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let name = String::from_utf8_lossy(header_field(i, raw));
                position(name.trim()).map(|p| COLUMNS[p].name)
            })
            .collect();
        let mut rows: Vec<BTreeMap<&str, String>> = records
            .filter(|r| !(r.len() == 1 && r[0].iter().all(u8::is_ascii_whitespace)))
            .map(|record| {
                header
                    .iter()
                    .zip(record.iter())
                    .filter_map(|(column, value)| {
                        let value = String::from_utf8_lossy(value).trim().to_string();
                        (!value.is_empty()).then_some(((*column)?, value))
                    })
                    .collect()
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.get("study_id"), a.get("outcome")).cmp(&(b.get("study_id"), b.get("outcome")))
        });
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer.write_record(COLUMNS.iter().map(|c| c.name)).unwrap();
        for row in &rows {
            writer
                .write_record(
                    COLUMNS
                        .iter()
                        .map(|c| row.get(c.name).map_or("", String::as_str)),
                )
                .unwrap();
        }
        writer.into_inner().unwrap()
    }

    #[test]
    fn rows_are_read_by_column_trimmed_and_put_in_order() {
        let text = "\u{feff}outcome, study_id ,extra,notes,notes\n\
                    sleep,b,x,\"said \"\"no\"\", then yes\",\n\
                    \n\
                    severity,b,y, first ,second\n\
                    severity,a,z,,\n";
        let rows = RawRows::read(text.as_bytes());
        assert_eq!(rows.len(), 3);
        let first = rows.row(0);
        assert_eq!(first.get(Col::StudyId), "b");
        assert_eq!(first.get(Col::Notes), "said \"no\", then yes");
        assert_eq!(first.get(Col::Citation), "");
        assert_eq!(first.values().count(), COLUMNS.len());
        // Of two columns of one name, the later one with a value.
        assert_eq!(rows.row(1).get(Col::Notes), "second");
        assert!(!rows.in_canonical_order());
        let order: Vec<(&str, &str)> = rows
            .in_order()
            .iter()
            .map(|r| (r.get(Col::StudyId), r.get(Col::Outcome)))
            .collect();
        assert_eq!(
            order,
            [("a", "severity"), ("b", "severity"), ("b", "sleep")]
        );
        assert_eq!(rows.canonical(), canonical_by_maps(text.as_bytes()));
    }

    proptest::proptest! {
        /// Any rows of commas, quotes, spaces, line ends and letters under a header of known,
        /// unknown and repeated columns come out as the csv crate writes them from maps.
        #[test]
        fn the_canonical_form_is_the_one_maps_of_the_rows_give(
            header in proptest::collection::vec(
                proptest::sample::select(vec!["study_id", "outcome", "notes", " n ", "x", "notes"]),
                1..6,
            ),
            cells in proptest::collection::vec("[ab ,\"\r\né\u{a0}\u{b}\t]{0,5}", 0..30),
        ) {
            let mut text = header.join(",");
            text.push('\n');
            for row in cells.chunks(header.len()) {
                let quoted: Vec<String> =
                    row.iter().map(|cell| format!("\"{}\"", cell.replace('"', "\"\""))).collect();
                text.push_str(&quoted.join(","));
                text.push('\n');
            }
            let rows = RawRows::read(text.as_bytes());
            proptest::prop_assert_eq!(rows.canonical(), canonical_by_maps(text.as_bytes()));
        }
    }

    proptest::proptest! {
        /// Cutting ASCII whitespace from the bytes first trims as `str::trim` does, Unicode
        /// whitespace (no-break and em spaces, next line) included.
        #[test]
        fn trimming_bytes_trims_as_text_does(text in "[ a\t\u{b}\u{c}\r\n\u{a0}\u{2003}\u{85}é]{0,8}") {
            proptest::prop_assert_eq!(trimmed_utf8(text.as_bytes()), trimmed(text.as_bytes()));
            proptest::prop_assert_eq!(&*trimmed(text.as_bytes()), text.trim().as_bytes());
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced() {
        let rows = RawRows::read(
            b"study_id,notes
a, \xFFb \n",
        );
        assert_eq!(rows.row(0).get(Col::Notes), "\u{FFFD}b");
    }
}
