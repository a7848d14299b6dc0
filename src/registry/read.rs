//! Reading `registry.csv` into typed findings, collecting every problem with its line and
//! column name instead of stopping at the first.
//!
//! Plain rows are split in place ([`crate::registry::plain`]), others read as csv
//! `ByteRecord`s, and each field goes through its typed parser (the enums share their keys
//! with serde and clap). A serde-derived row struct would stop at the first
//! bad field of a record and could not name invalid UTF-8 by column, so it is not used here.
//!
//! The header is read by `registry::header`, each record typed by `registry::row`, and
//! repeated values shared by `registry::intern`; this module drives them over a file's
//! records, on one thread or in chunks on every core.

use crate::registry::control;
use crate::registry::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::finding::Finding;
use crate::registry::header::{Start, ends_in_a_lone_cr, read_header};
use crate::registry::intern::Interner;
use crate::registry::plain::{Fields, PlainRecords, Step};
use crate::registry::row::RowParser;
use crate::registry::topic::Topic;

/// The result of reading a registry: the rows that parsed, and every problem found.
#[derive(Debug)]
pub struct ReadOutcome {
    /// Rows whose every field parsed (rows with a problem are left out).
    pub findings: Vec<Finding>,
    /// Problems, in the order found (sorted later).
    pub diagnostics: Diagnostics,
}

/// Inputs smaller than this are read on one thread; larger ones in chunks on every core.
pub const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Parses registry bytes. `path` is how the file is named in messages; `this_year` bounds `year`.
///
/// Large inputs are cut at record boundaries into chunks that are parsed in parallel; the
/// result (findings, diagnostics, line numbers) is the same as a sequential read's, which is
/// also what is used whenever a chunk meets a malformed record.
pub fn read_registry(bytes: &[u8], path: &str, topic: &Topic, this_year: i32) -> ReadOutcome {
    read_registry_with_room(bytes, path, topic, this_year, 0)
}

/// [`read_registry`], with room left in the rows for `room` more (rows about to be appended
/// are then added without moving the others).
pub fn read_registry_with_room(
    bytes: &[u8],
    path: &str,
    topic: &Topic,
    this_year: i32,
    room: usize,
) -> ReadOutcome {
    let chunk_bytes = (bytes.len() / (4 * rayon::current_num_threads())).max(PARALLEL_MIN_BYTES);
    read_chunks(bytes, path, topic, this_year, chunk_bytes, room)
}

/// [`read_registry`] with a given chunk size (tests use tiny chunks to check that chunked and
/// sequential reads agree).
pub fn read_registry_in_chunks(
    bytes: &[u8],
    path: &str,
    topic: &Topic,
    this_year: i32,
    chunk_bytes: usize,
) -> ReadOutcome {
    read_chunks(bytes, path, topic, this_year, chunk_bytes, 0)
}

fn read_chunks(
    bytes: &[u8],
    path: &str,
    topic: &Topic,
    this_year: i32,
    chunk_bytes: usize,
    room: usize,
) -> ReadOutcome {
    let mut diagnostics = Diagnostics::new(path);
    let Some(start) = read_header(bytes, &mut diagnostics) else {
        return ReadOutcome::empty(diagnostics);
    };
    let parser = RowParser::new(&start.header, topic, this_year);
    let chunks = crate::registry::chunks::split_records(bytes, start.body_start, chunk_bytes);
    if chunks.len() > 1
        && let Some((parts, _)) = parse_ranges(bytes, &chunks, start.body_line, &parser, path)
    {
        let mut outcome = ReadOutcome::empty(diagnostics);
        outcome.append(parts, room);
        return outcome;
    }
    let mut outcome = read_sequentially(bytes, &start, diagnostics, &parser);
    outcome.findings.reserve(room);
    outcome
}

impl ReadOutcome {
    /// No rows yet, and `diagnostics` so far.
    pub(super) fn empty(diagnostics: Diagnostics) -> ReadOutcome {
        ReadOutcome {
            findings: Vec::new(),
            diagnostics,
        }
    }

    /// Appends the rows and problems of `parts` (read in file order), leaving room for `room`
    /// more rows.
    pub(super) fn append(&mut self, parts: Vec<ReadOutcome>, room: usize) {
        self.findings
            .reserve(parts.iter().map(|p| p.findings.len()).sum::<usize>() + room);
        for part in parts {
            self.findings.extend(part.findings);
            self.diagnostics.extend(part.diagnostics);
        }
    }
}

/// The rows of each range of `bytes` (records cut by [`crate::registry::chunks`]), parsed in
/// parallel, and the line after the last range; `None` when a range holds a malformed record,
/// so the caller reads the file sequentially (which is how such problems are reported).
pub(super) fn parse_ranges(
    bytes: &[u8],
    ranges: &[std::ops::Range<usize>],
    first_line: u64,
    parser: &RowParser<'_>,
    path: &str,
) -> Option<(Vec<ReadOutcome>, u64)> {
    use rayon::prelude::*;
    let lines = crate::registry::chunks::first_lines(bytes, ranges, first_line);
    let parts = ranges
        .par_iter()
        .zip(lines.par_windows(2))
        .map(|(range, lines)| {
            let mut part = ReadOutcome::empty(Diagnostics::new(path));
            // A range has at most one row per line (one more if its last line has no line
            // end): room for that many, so no part is copied as it grows (room never used
            // costs address space, not memory).
            part.findings
                .reserve_exact(usize::try_from(lines[1] - lines[0] + 1).unwrap_or(0));
            read_rows(&bytes[range.clone()], lines[0], parser, &mut part, true).then_some(part)
        })
        .collect::<Option<Vec<_>>>()?;
    Some((parts, lines.last().copied().unwrap_or(first_line)))
}

/// Reads every row after the header on this thread.
pub(super) fn read_sequentially(
    bytes: &[u8],
    start: &Start,
    diagnostics: Diagnostics,
    parser: &RowParser<'_>,
) -> ReadOutcome {
    let mut outcome = ReadOutcome::empty(diagnostics);
    read_rows(
        &bytes[start.body_start.min(bytes.len())..],
        start.body_line,
        parser,
        &mut outcome,
        false,
    );
    outcome
}

/// Reads the records of `body` (whose first line is `first_line`) into `outcome`. With
/// `strict`, stops and returns false at the first malformed record (unreadable, or with the
/// wrong number of fields) so the caller can re-read the whole file sequentially.
///
/// Plain records (one line each, no quote inside a field) are split in place
/// ([`PlainRecords`]); from the first record that is not plain, the csv reader reads the rest.
fn read_rows(
    body: &[u8],
    first_line: u64,
    parser: &RowParser<'_>,
    outcome: &mut ReadOutcome,
    strict: bool,
) -> bool {
    let mut records = PlainRecords::new(body, first_line);
    let mut ranges = Vec::with_capacity(parser.header.width);
    let mut intern = Interner::new();
    // Nearly every block is valid UTF-8 without a forbidden control character: checked once
    // here, its records need no check of their own (a record ends at a line feed, so its
    // bytes are whole characters of the block's text).
    let clean = std::str::from_utf8(body)
        .ok()
        .filter(|_| !control::any_forbidden(body));
    loop {
        match records.next(&mut ranges) {
            Step::Record { line, bytes } => {
                let clean_text = clean.and_then(|text| text.get(bytes.clone()));
                let fields = Fields {
                    bytes: &body[bytes],
                    ranges: &ranges,
                };
                if !take_record(
                    fields,
                    clean_text,
                    line,
                    parser,
                    outcome,
                    &mut intern,
                    strict,
                ) {
                    return false;
                }
            }
            Step::End => return true,
            Step::NotPlain { at, line } => {
                return read_csv_rows(
                    &body[at..],
                    line,
                    parser,
                    outcome,
                    &mut intern,
                    strict,
                    &mut ranges,
                );
            }
        }
    }
}

/// [`read_rows`] by the csv reader, for records that are not plain; `ranges` is room for a
/// record's field ranges.
fn read_csv_rows(
    body: &[u8],
    first_line: u64,
    parser: &RowParser<'_>,
    outcome: &mut ReadOutcome,
    intern: &mut Interner,
    strict: bool,
    ranges: &mut Vec<std::ops::Range<usize>>,
) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::new(body, first_line);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                if strict {
                    return false;
                }
                let at = err.position().map_or(body.len(), |p| p.byte() as usize);
                let line = lines.line_at(at);
                outcome
                    .diagnostics
                    .push(Diagnostic::line(line, format!("unreadable row: {err}")));
                break;
            }
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
        let end = usize::try_from(reader.position().byte()).unwrap_or(body.len());
        // Each one (reading in chunks gives the same problems as reading whole); the line
        // numbers after one are off by as many of them.
        if ends_in_a_lone_cr(body, end) && end < body.len() {
            outcome.diagnostics.push(Diagnostic::line(
                line,
                "this row ends in a carriage return alone (CR), which ends a row but not a line \
                 here: line numbers after it would not match an editor's; replace it with a \
                 line break (LF or CRLF)"
                    .to_string(),
            ));
        }
        let fields = Fields::of_record(&record, ranges);
        if !take_record(fields, None, line, parser, outcome, intern, strict) {
            return false;
        }
    }
    true
}

/// Parses one record on `line` into `outcome` (a blank line is skipped); `clean_text` is its
/// text when its block is known valid UTF-8 without forbidden control characters. False when
/// `strict` and its number of fields is not the header's.
fn take_record(
    fields: Fields<'_>,
    clean_text: Option<&str>,
    line: u64,
    parser: &RowParser<'_>,
    outcome: &mut ReadOutcome,
    intern: &mut Interner,
    strict: bool,
) -> bool {
    if fields.is_blank() {
        return true;
    }
    let width = parser.header.width;
    if fields.count() != width {
        if strict {
            return false;
        }
        let spanned = (0..fields.count())
            .filter_map(|i| fields.get(i))
            .map(|f| f.iter().filter(|b| **b == b'\n').count())
            .sum::<usize>();
        let hint = if spanned > 0 {
            format!(
                "; this row runs over {spanned} more line{}: look for an unclosed quote (\")",
                if spanned == 1 { "" } else { "s" }
            )
        } else {
            "; quote fields that contain commas (\"a, b\") and give every column a value or leave it empty".to_string()
        };
        outcome.diagnostics.push(Diagnostic::line(
            line,
            format!(
                "row has {} fields but the header has {width}{hint}",
                fields.count(),
            ),
        ));
        return true;
    }
    let finding = parser.parse_row(fields, clean_text, line, &mut outcome.diagnostics, intern);
    if let Some(finding) = finding {
        outcome.findings.push(finding);
    }
    true
}

/// Line numbers from byte offsets, counted incrementally (offsets only grow). A record's line
/// is that of its first byte that is not a line end: the csv reader's own line count lags by
/// one after CRLF line ends, and it reports skipped blank lines as part of the next record.
pub(crate) struct LineCounter<'b> {
    body: &'b [u8],
    counted_to: usize,
    line: u64,
}

impl<'b> LineCounter<'b> {
    /// A counter over `body`, whose first byte is on line `first_line`.
    pub(crate) fn new(body: &'b [u8], first_line: u64) -> LineCounter<'b> {
        LineCounter {
            body,
            counted_to: 0,
            line: first_line,
        }
    }

    /// The line of the record starting at byte `at` (at least the last offset asked for).
    pub(crate) fn line_at(&mut self, at: usize) -> u64 {
        let at = at.min(self.body.len());
        let start = at
            + self.body[at..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        if start > self.counted_to {
            self.line +=
                memchr::memchr_iter(b'\n', &self.body[self.counted_to..start]).count() as u64;
            self.counted_to = start;
        }
        self.line
    }
}
