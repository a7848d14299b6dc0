//! The header record of `registry.csv`: which file column holds each known column and where
//! the rows start, with the header's problems (a UTF-16 file, another separator than commas,
//! columns unnamed, repeated, unknown — with the column meant — or missing, lone CR line ends).

use crate::registry::columns::{COLUMNS, Col, header_field, position};
use crate::registry::control;
use crate::registry::diagnostic::{Diagnostic, Diagnostics, quoted, shown};

/// The header of a registry and where its rows start.
pub(super) struct Start {
    /// Which file column holds each known column.
    pub(super) header: Header,
    /// The byte just after the header record.
    pub(super) body_start: usize,
    /// The line of `body_start`.
    pub(super) body_line: u64,
}

/// Reads the header record at the start of `bytes`; `None` (with the problem reported) when the
/// file is empty or its first record cannot be read.
pub(super) fn read_header(bytes: &[u8], diagnostics: &mut Diagnostics) -> Option<Start> {
    if let Some(encoding) = utf16(bytes) {
        // One message, not every column unknown (each name's letters NUL-separated).
        diagnostics.push(Diagnostic::line(
            1,
            format!(
                "the file is {encoding}, not UTF-8; re-save it as UTF-8 (in a spreadsheet: \
                 \"CSV UTF-8\")"
            ),
        ));
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let header = match reader.read_byte_record(&mut record) {
        Ok(true) => parse_header(&record, diagnostics),
        Ok(false) => {
            diagnostics.push(Diagnostic::line(
                1,
                format!(
                    "the file is empty; its first line must be the header: {}",
                    crate::registry::columns::header_line()
                ),
            ));
            return None;
        }
        Err(err) => {
            diagnostics.push(Diagnostic::line(1, format!("unreadable header: {err}")));
            return None;
        }
    };
    let body_start = usize::try_from(reader.position().byte()).unwrap_or(bytes.len());
    if ends_in_a_lone_cr(bytes, body_start) {
        // The csv reader takes a lone CR as a line end, but every line number (counted by LF)
        // would be 1, and a row appended with LF would mix line ends: refused, with the fix.
        diagnostics.push(Diagnostic::line(
            1,
            "lines end in a carriage return alone (CR: classic Mac OS line ends, as a \
             spreadsheet's \"CSV (Macintosh)\" writes them); re-save the file with LF or CRLF \
             line ends (in a spreadsheet: \"CSV UTF-8\")"
                .to_string(),
        ));
        return None;
    }
    // The line of byte `body_start` (after a CRLF header the reader stops between `\r` and
    // `\n`; rows are numbered from the bytes, so that does not matter).
    let body_line =
        1 + memchr::memchr_iter(b'\n', &bytes[..body_start.min(bytes.len())]).count() as u64;
    Some(Start {
        header,
        body_start,
        body_line,
    })
}

/// The encoding of a file saved as UTF-16 ("Unicode text" in some spreadsheets): by its
/// byte-order mark, or by a first line of which a third or more is NUL bytes (ASCII column
/// names in UTF-16 without a mark); `None` for anything else.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Some("UTF-16 (little-endian byte-order mark FF FE)");
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Some("UTF-16 (big-endian byte-order mark FE FF)");
    }
    let first_line = &bytes[..memchr::memchr(b'\n', bytes).unwrap_or(bytes.len())];
    let nuls = first_line.iter().filter(|&&b| b == 0).count();
    (first_line.len() >= 4 && nuls * 3 >= first_line.len())
        .then_some("UTF-16 (every other byte of the header is NUL)")
}

/// True when the record that ends before byte `end` ends in a CR that no LF follows (after a
/// CRLF line end the csv reader stops between the two).
pub(super) fn ends_in_a_lone_cr(bytes: &[u8], end: usize) -> bool {
    end > 0 && bytes.get(end - 1) == Some(&b'\r') && bytes.get(end) != Some(&b'\n')
}

/// The separator of a header saved with `;` or tabs instead of commas: a single field that
/// splits on it into at least two known column names.
fn other_separator(record: &csv::ByteRecord) -> Option<&'static str> {
    if record.len() != 1 {
        return None;
    }
    let text = std::str::from_utf8(header_field(0, &record[0])).ok()?;
    [(';', "semicolons"), ('\t', "tabs")]
        .into_iter()
        .find(|(separator, _)| {
            text.split(*separator)
                .filter(|name| position(name.trim()).is_some())
                .count()
                >= 2
        })
        .map(|(_, name)| name)
}

/// Which file column holds each known column.
#[derive(Debug)]
pub(super) struct Header {
    /// The file column of each known column ([`Col`] order), if present.
    pub(super) index: [Option<usize>; Col::COUNT],
    /// The number of fields in the header record.
    pub(super) width: usize,
}

fn parse_header(record: &csv::ByteRecord, diagnostics: &mut Diagnostics) -> Header {
    let mut index = [None; Col::COUNT];
    if let Some(separator) = other_separator(record) {
        // One message, not an unknown column and every required one missing.
        diagnostics.push(Diagnostic::line(
            1,
            format!(
                "the header is one field of column names separated by {separator}: the file is \
                 not comma-separated (some spreadsheet locales save CSV that way); save it as \
                 comma-separated CSV (UTF-8)"
            ),
        ));
        return Header {
            index,
            width: record.len(),
        };
    }
    for (file_col, raw) in record.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(header_field(file_col, raw)) else {
            diagnostics.push(Diagnostic::line(
                1,
                format!("header field {} is not valid UTF-8", file_col + 1),
            ));
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            diagnostics.push(Diagnostic::line(
                1,
                format!(
                    "column {} of the header has no name (spreadsheets add one after a stray \
                     cell); delete the column, or name it if it holds data",
                    file_col + 1
                ),
            ));
            continue;
        }
        match position(name) {
            Some(known) if index[known].is_some() => diagnostics.push(Diagnostic::column(
                1,
                name,
                "duplicate column; keep one of the two".to_string(),
            )),
            Some(known) => index[known] = Some(file_col),
            None => diagnostics.push(Diagnostic::column(
                1,
                // A name holding control characters is quoted with them escaped.
                &if control::any_forbidden(name.as_bytes()) {
                    quoted(name)
                } else {
                    shown(name)
                },
                match closest_column(name) {
                    Some(guess) => format!("unknown column; did you mean \"{guess}\"?"),
                    None => format!(
                        "unknown column; allowed columns: {}",
                        crate::registry::columns::header_line().replace(',', ", ")
                    ),
                },
            )),
        }
    }
    for (known, spec) in COLUMNS.iter().enumerate() {
        if spec.required && index[known].is_none() {
            diagnostics.push(Diagnostic::column(
                1,
                spec.name,
                "required column is missing from the header; add it".to_string(),
            ));
        }
    }
    Header {
        index,
        width: record.len(),
    }
}

/// The greatest edit distance at which an unknown column name is taken for a known one.
const MAX_SUGGESTION_DISTANCE: usize = 2;

/// The known column within edit distance 2 of `name`, if any. Names whose length is further
/// than that from every column's are not compared: the distance is at least the difference in
/// length, and comparing a megabyte-long header field letter by letter took seconds.
fn closest_column(name: &str) -> Option<&'static str> {
    let longest = COLUMNS.iter().map(|c| c.name.len()).max().unwrap_or(0);
    if name
        .chars()
        .nth(longest + MAX_SUGGESTION_DISTANCE)
        .is_some()
    {
        return None;
    }
    let lower = name.to_ascii_lowercase().replace([' ', '-'], "_");
    COLUMNS
        .iter()
        .map(|c| (edit_distance(&lower, c.name), c.name))
        .filter(|(d, _)| *d <= MAX_SUGGESTION_DISTANCE)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_misspellings_of_columns_are_suggested() {
        assert_eq!(closest_column("studyid"), Some("study_id"));
        assert_eq!(closest_column("Direction"), Some("direction"));
        assert_eq!(closest_column("banana"), None);
    }
}
