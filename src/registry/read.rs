//! Reading `registry.csv` into typed findings, collecting every problem with its line and
//! column name instead of stopping at the first.
//!
//! Plain rows are split in place ([`crate::registry::plain`]), others read as csv
//! `ByteRecord`s, and each field goes through its typed parser (the enums share their keys
//! with serde and clap). A serde-derived row struct would stop at the first
//! bad field of a record and could not name invalid UTF-8 by column, so it is not used here.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Confidence, Design, Direction, EffectMeasure, RiskOfBias, Significance};
use crate::registry::columns::{COLUMNS, Col, header_field, position};
use crate::registry::control;
use crate::registry::diagnostic::{Diagnostic, Diagnostics, listed, quoted, shown};
use crate::registry::finding::{
    ArmData, EffectData, Finding, PValue, PackedPValue, RowKeys, StoredEffect, Study, Text,
    parse_plain_number,
};
use crate::registry::key_hints::{KeyKind, normalised, one_typo_apart};
use crate::registry::plain::{Fields, PlainRecords, Step};
use crate::registry::topic::{FORM_NOT_APPLICABLE, Topic, is_slug};

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
    let parser = RowParser {
        header: &start.header,
        topic,
        this_year,
    };
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

/// True when the record that ends before byte `end` ends in a CR that no LF follows (after a
/// CRLF line end the csv reader stops between the two).
fn ends_in_a_lone_cr(bytes: &[u8], end: usize) -> bool {
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
    index: [Option<usize>; Col::COUNT],
    width: usize,
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

/// Shares repeated values within one run of rows: a row whose study-level fields equal the
/// previous row's (rows of one study follow each other) shares its [`Study`], and every topic
/// key is allocated once.
struct Interner {
    /// The previous row's study.
    previous: Option<Arc<Study>>,
    /// Topic keys by column and position in the topic, made on first use.
    keys: [Vec<Option<Text>>; Col::COUNT],
    /// Each combination of question, form and outcome met, by the keys' positions in the
    /// topic, and the previous row's.
    row_keys: HashMap<[usize; 3], Arc<RowKeys>, foldhash::fast::RandomState>,
    previous_keys: Option<([usize; 3], Arc<RowKeys>)>,
}

/// A row's study-level text, as read.
struct StudyText<'r> {
    id: &'r str,
    citation: &'r str,
    doi: Option<&'r str>,
    pmid: Option<&'r str>,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            previous: None,
            keys: std::array::from_fn(|_| Vec::new()),
            row_keys: HashMap::default(),
            previous_keys: None,
        }
    }

    /// The row's [`Study`]: the previous row's when every field is the same, otherwise a new
    /// one (sharing the previous study's text where it repeats).
    fn study(
        &mut self,
        text: StudyText<'_>,
        year: i32,
        design: Design,
        k_studies: Option<u32>,
        confidence: Option<Confidence>,
    ) -> Arc<Study> {
        if let Some(previous) = &self.previous
            && previous.id.as_str() == text.id
            && previous.citation.as_str() == text.citation
            && previous.doi.as_deref() == text.doi
            && previous.pmid.as_deref() == text.pmid
            && previous.year == year
            && previous.design == design
            && previous.k_studies == k_studies
            && previous.confidence == confidence
        {
            return Arc::clone(previous);
        }
        // The previous study's text where this one repeats it, else a new string.
        let previous = self.previous.as_deref();
        let reuse = |earlier: Option<&Text>, value: &str| match earlier {
            Some(text) if text.as_str() == value => text.clone(),
            _ => Text::from(value),
        };
        let study = Arc::new(Study {
            id: reuse(previous.map(|p| &p.id), text.id),
            citation: reuse(previous.map(|p| &p.citation), text.citation),
            year,
            doi: text
                .doi
                .map(|doi| reuse(previous.and_then(|p| p.doi.as_ref()), doi)),
            pmid: text
                .pmid
                .map(|pmid| reuse(previous.and_then(|p| p.pmid.as_ref()), pmid)),
            design,
            k_studies,
            confidence,
        });
        self.previous.insert(study).clone()
    }

    /// The row's [`RowKeys`] from its question, form and outcome (each a position in the
    /// topic and the text): the previous row's when it names the same keys, else the chunk's
    /// copy of that combination (made on first use).
    fn row_keys(&mut self, keys: [(usize, &str); 3]) -> Arc<RowKeys> {
        let positions = keys.map(|(position, _)| position);
        if let Some((previous, row_keys)) = &self.previous_keys
            && *previous == positions
        {
            return Arc::clone(row_keys);
        }
        let row_keys = match self.row_keys.get(&positions) {
            Some(row_keys) => Arc::clone(row_keys),
            None => {
                let [
                    (question, question_text),
                    (form, form_text),
                    (outcome, outcome_text),
                ] = keys;
                let row_keys = Arc::new(RowKeys {
                    question: self.key(Col::Question, question, question_text),
                    form: self.key(Col::Form, form, form_text),
                    outcome: self.key(Col::Outcome, outcome, outcome_text),
                });
                self.row_keys.insert(positions, Arc::clone(&row_keys));
                row_keys
            }
        };
        self.previous_keys = Some((positions, Arc::clone(&row_keys)));
        row_keys
    }

    fn key(&mut self, col: Col, index: usize, text: &str) -> Text {
        let keys = &mut self.keys[col as usize];
        if keys.len() <= index {
            keys.resize(index + 1, None);
        }
        keys[index].get_or_insert_with(|| Text::from(text)).clone()
    }
}

/// Typed parsing of rows against a header and topic (shared by the chunk readers).
pub(super) struct RowParser<'a> {
    /// The file's header.
    pub(super) header: &'a Header,
    /// The topic whose keys the rows use.
    pub(super) topic: &'a Topic,
    /// The latest publication year accepted.
    pub(super) this_year: i32,
}

/// Field access and typed parsing for one row; problems go to `diagnostics`.
struct Row<'r> {
    fields: Fields<'r>,
    /// The whole record as text, when it is valid UTF-8 (checked once, not per field).
    text: Option<&'r str>,
    /// Whether the record holds a forbidden control character (checked once, not per field).
    controls: bool,
    header: &'r Header,
    line: u64,
    diagnostics: &'r mut Diagnostics,
    intern: &'r mut Interner,
    failed: bool,
}

impl<'r> Row<'r> {
    fn fail(&mut self, col: Col, message: String) {
        self.failed = true;
        self.diagnostics
            .push(Diagnostic::column(self.line, col.name(), message));
    }

    /// The trimmed text of a column; `None` when the column is absent, empty, or not UTF-8
    /// (the last reported).
    ///
    /// Inlined into each of the row's forty-odd reads: the common case (an empty field, or
    /// a field of a record known to be valid UTF-8 without control characters) is a few
    /// comparisons; every other case goes to [`Row::checked_text`].
    #[inline]
    fn text(&mut self, col: Col) -> Option<&'r str> {
        let file_col = self.header.index[col as usize]?;
        let range = self.fields.ranges.get(file_col)?.clone();
        // Most of a row's 35 fields are empty.
        if range.is_empty() {
            return None;
        }
        if !self.controls
            && let Some(text) = self.text.and_then(|whole| whole.get(range.clone()))
        {
            let text = trim(text);
            return (!text.is_empty()).then_some(text);
        }
        self.checked_text(col, range)
    }

    /// [`Row::text`] of a non-empty field of a record that holds a control character or is
    /// not valid UTF-8 as a whole: each problem is reported.
    #[inline(never)]
    fn checked_text(&mut self, col: Col, range: std::ops::Range<usize>) -> Option<&'r str> {
        // The record is valid UTF-8 and the field starts and ends on characters.
        if let Some(text) = self.text.and_then(|whole| whole.get(range.clone())) {
            let text = trim(text);
            return self.without_controls(col, text);
        }
        let raw = &self.fields.bytes[range];
        match std::str::from_utf8(raw) {
            Ok(text) => self.without_controls(col, text.trim()),
            Err(err) => {
                let at = err.valid_up_to();
                let message = format!(
                    "invalid UTF-8 (byte 0x{:02X} at byte {} of the field); re-save the file as UTF-8",
                    raw[at],
                    at + 1
                );
                self.fail_once(col, message);
                None
            }
        }
    }

    /// A field's trimmed `text`: `None` when empty, or when it holds a control character
    /// (reported).
    fn without_controls(&mut self, col: Col, text: &'r str) -> Option<&'r str> {
        if text.is_empty() {
            return None;
        }
        if !self.controls {
            return Some(text);
        }
        match control::problem(text) {
            None => Some(text),
            Some(message) => {
                self.fail_once(col, message);
                None
            }
        }
    }

    /// [`Row::fail`], unless this column's problem is already reported (a column is read
    /// again when its value is found missing).
    fn fail_once(&mut self, col: Col, message: String) {
        if !self.failed_on(col) {
            self.fail(col, message);
        }
    }

    /// The text of a required column; an empty value is reported.
    #[inline(always)]
    fn required_text(&mut self, col: Col) -> Option<&'r str> {
        let value = self.text(col);
        if value.is_none() {
            self.missing(col);
        }
        value
    }

    /// Reports `col`'s required value as empty, unless the column is absent (reported with
    /// the header) or its value was reported already.
    #[cold]
    fn missing(&mut self, col: Col) {
        if self.header.index[col as usize].is_some() && !self.failed_on(col) {
            self.fail(col, "required value is empty".to_string());
        }
    }

    /// A required topic key (question, form, outcome): its position from `index_of`; a key
    /// the topic does not define is reported with the listing of the `keys` it does (its
    /// `kind`, plural).
    fn key(
        &mut self,
        col: Col,
        index_of: impl Fn(&str) -> Option<usize>,
        meant: impl Fn(&str) -> Option<String>,
        keys: impl Fn() -> String,
        kind: &str,
    ) -> Option<(usize, &'r str)> {
        let text = self.required_text(col)?;
        match index_of(text) {
            Some(index) => Some((index, text)),
            None => {
                let message = match meant(text) {
                    Some(key) => format!(
                        "unknown value {}; did you mean \"{key}\"? ({kind} are defined in \
                         topic.toml)",
                        quoted(text)
                    ),
                    None => format!(
                        "unknown value {}; expected one of: {} ({kind} are defined in topic.toml)",
                        quoted(text),
                        keys()
                    ),
                };
                self.fail(col, message);
                None
            }
        }
    }

    /// True if a problem was already reported in this row's `col` (a value that did not
    /// parse), so checks that need the value do not report it missing as well.
    fn failed_on(&self, col: Col) -> bool {
        let name = col.name();
        self.diagnostics
            .latest_on(self.line)
            .any(|d| d.column.as_deref() == Some(name))
    }

    /// Parses with `parse`; on failure reports `complaint(text)`.
    fn parsed<T>(
        &mut self,
        col: Col,
        parse: impl Fn(&str) -> Option<T>,
        complaint: impl Fn(&str) -> String,
    ) -> Option<T> {
        let text = self.text(col)?;
        match parse(text) {
            Some(value) => Some(value),
            None => {
                let message = complaint(text);
                self.fail(col, message);
                None
            }
        }
    }

    /// A value of a closed vocabulary (`keys`, parsed by `parse`); one that is not a key is
    /// reported with the key meant ("RCT", "Case report", "cohrt": written another way or
    /// with one typo), else with every key and `also` (how else the column may be left).
    fn enum_value<T>(
        &mut self,
        col: Col,
        parse: fn(&str) -> Option<T>,
        keys: &'static [&'static str],
        also: &str,
    ) -> Option<T> {
        self.parsed(col, parse, |text| {
            let written = normalised(text);
            let meant = (keys.iter())
                .find(|&&key| key == written)
                .or_else(|| keys.iter().find(|key| one_typo_apart(&written, key)));
            match meant {
                Some(key) => format!("unknown value {}; did you mean \"{key}\"?", quoted(text)),
                None => format!(
                    "unknown value {}; expected one of: {}{also}",
                    quoted(text),
                    keys.join(", ")
                ),
            }
        })
    }

    fn number(&mut self, col: Col, what: &str, ok: impl Fn(f64) -> bool) -> Option<f64> {
        let text = self.text(col)?;
        match parse_plain_number(text) {
            Some(value) if ok(value) => Some(value),
            Some(_) => {
                let message = format!("{} is out of range; expected {what}", shown(text));
                self.fail(col, message);
                None
            }
            None => {
                let message = format!(
                    "{} is not a number; expected {what} (digits 0-9, . as decimal point)",
                    quoted(text)
                );
                self.fail(col, message);
                None
            }
        }
    }

    /// A whole number >= `min` in `col`; `None` when empty, or when it is not one (reported).
    #[inline(always)]
    fn count(&mut self, col: Col, min: u32) -> Option<u32> {
        // Most count columns are empty in most rows: that case is inlined, the parse is not.
        let text = self.text(col)?;
        self.count_of(col, text, min)
    }

    /// [`Row::count`] of the non-empty `text` of `col`.
    #[inline(never)]
    fn count_of(&mut self, col: Col, text: &str, min: u32) -> Option<u32> {
        let parsed = if text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u32>().ok()
        } else {
            None
        };
        match parsed {
            Some(value) if value >= min => Some(value),
            None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                let message = format!(
                    "{} is too large; the largest count is {}",
                    shown(text),
                    crate::numbers::grouped(u32::MAX)
                );
                self.fail(col, message);
                None
            }
            _ => {
                let message = format!(
                    "{} is not a whole number >= {min}; write digits only, e.g. 12",
                    quoted(text)
                );
                self.fail(col, message);
                None
            }
        }
    }
}

impl RowParser<'_> {
    fn parse_row(
        &self,
        fields: Fields<'_>,
        clean_text: Option<&str>,
        line: u64,
        diagnostics: &mut Diagnostics,
        intern: &mut Interner,
    ) -> Option<Finding> {
        let (text, controls) = match clean_text {
            Some(text) => (Some(text), false),
            None => (
                std::str::from_utf8(fields.bytes).ok(),
                control::any_forbidden(fields.bytes),
            ),
        };
        let mut row = Row {
            fields,
            text,
            controls,
            header: self.header,
            line,
            diagnostics,
            intern,
            failed: false,
        };
        let study_id = row.required_text(Col::StudyId);
        if let Some(id) = study_id
            && !is_slug(id)
        {
            let message = format!(
                "{} is not a study id; use lowercase letters, digits and _, e.g. hornyak_1998",
                quoted(id)
            );
            row.fail(Col::StudyId, message);
        }
        let citation = row.required_text(Col::Citation);
        let this_year = self.this_year;
        let topic = self.topic;
        let year = match row.text(Col::Year) {
            None => {
                row.required_text(Col::Year);
                None
            }
            Some(text) => match text.parse::<i32>() {
                Ok(y)
                    if (1900..=this_year).contains(&y)
                        && text.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Some(y)
                }
                _ => {
                    row.fail(
                        Col::Year,
                        format!(
                            "{} is not a publication year; expected 1900..={this_year}",
                            quoted(text)
                        ),
                    );
                    None
                }
            },
        };
        let doi = row.text(Col::Doi);
        if let Some(doi) = doi
            && !is_doi(doi)
        {
            row.fail(
                Col::Doi,
                format!(
                    "{} is not a DOI; write the bare DOI, e.g. 10.1093/sleep/21.5.501",
                    quoted(doi)
                ),
            );
        }
        let pmid = row.text(Col::Pmid);
        if let Some(pmid) = pmid
            && !is_pmid(pmid)
        {
            row.fail(
                Col::Pmid,
                format!(
                    "{} is not a PubMed id; write its digits only, e.g. 9703590",
                    quoted(pmid)
                ),
            );
        }
        let design = match row.text(Col::Design) {
            None => {
                row.required_text(Col::Design);
                None
            }
            Some(_) => row.enum_value(Col::Design, Design::parse, Design::KEYS, ""),
        };
        let question = row.key(
            Col::Question,
            |q| topic.questions.get_index_of(q),
            |q| topic.meant_key(KeyKind::Question, q).map(String::from),
            || listed(topic.questions.keys(), topic.questions.len()),
            "questions",
        );
        let n = row.count(Col::N, 1);
        let k_studies = row.count(Col::KStudies, 1);
        // Descriptive columns: checked (UTF-8, numbers in range), not kept; see [`Finding`].
        row.text(Col::Population);
        let form = row.key(
            Col::Form,
            |f| topic.form_index(f),
            |f| topic.meant_key(KeyKind::Form, f).map(String::from),
            || {
                let forms = topic.forms.keys().map(String::as_str);
                listed(forms.chain([FORM_NOT_APPLICABLE]), topic.forms.len() + 1)
            },
            "forms",
        );
        row.number(Col::DoseMgDay, "a dose in mg/day > 0", |v| v > 0.0);
        row.number(Col::DurationWeeks, "a duration in weeks > 0", |v| v > 0.0);
        row.text(Col::Comparator);
        let outcome = row.key(
            Col::Outcome,
            |o| topic.outcomes.get_index_of(o),
            |o| topic.meant_key(KeyKind::Outcome, o).map(String::from),
            || listed(topic.outcomes.keys(), topic.outcomes.len()),
            "outcomes",
        );
        let direction = match row.text(Col::Direction) {
            None => {
                row.required_text(Col::Direction);
                None
            }
            Some(_) => row.enum_value(Col::Direction, Direction::parse, Direction::KEYS, ""),
        };
        let significant = row.enum_value(
            Col::Significant,
            Significance::parse,
            Significance::KEYS,
            ", or empty when not reported",
        );
        let p_value = row.parsed(Col::PValue, PValue::parse, |text| {
            format!(
                "{} is not a p-value; write a number in [0, 1] (0.03) or a bound (<0.05)",
                quoted(text)
            )
        });
        let effect = EffectData {
            measure: row.enum_value(
                Col::EffectMeasure,
                EffectMeasure::parse,
                EffectMeasure::KEYS,
                "",
            ),
            yi: row.number(Col::Yi, "a finite number", |_| true),
            vi: row.number(Col::Vi, "a variance > 0", |v| v > 0.0),
            ci_low: row.number(Col::CiLow, "a finite number", |_| true),
            ci_high: row.number(Col::CiHigh, "a finite number", |_| true),
            arms: ArmData {
                n1: row.count(Col::N1, 1),
                mean1: row.number(Col::Mean1, "a finite number", |_| true),
                sd1: row.number(Col::Sd1, "a standard deviation > 0", |v| v > 0.0),
                n2: row.count(Col::N2, 1),
                mean2: row.number(Col::Mean2, "a finite number", |_| true),
                sd2: row.number(Col::Sd2, "a standard deviation > 0", |v| v > 0.0),
                events1: row.count(Col::Events1, 0),
                events2: row.count(Col::Events2, 0),
            },
        };
        let risk_of_bias = row.enum_value(Col::RiskOfBias, RiskOfBias::parse, RiskOfBias::KEYS, "");
        let confidence = row.enum_value(Col::Confidence, Confidence::parse, Confidence::KEYS, "");
        row.text(Col::Source);
        row.text(Col::Notes);

        if let Some(design) = design {
            check_sample_size(&mut row, design, n, k_studies);
        }
        check_effect(&mut row, &effect);

        if row.failed {
            return None;
        }
        let study = StudyText {
            id: study_id?,
            citation: citation?,
            doi,
            pmid,
        };
        let study = row
            .intern
            .study(study, year?, design?, k_studies, confidence);
        let keys = row.intern.row_keys([question?, form?, outcome?]);
        Some(Finding {
            line,
            study,
            keys,
            participants: n.and_then(std::num::NonZeroU32::new),
            direction: direction?,
            significant,
            p_value: PackedPValue::new(p_value),
            effect: (effect != EffectData::default()).then(|| Box::new(StoredEffect::new(&effect))),
            risk_of_bias,
        })
    }
}

fn check_sample_size(row: &mut Row<'_>, design: Design, n: Option<u32>, k: Option<u32>) {
    let n_present = row.header.index[Col::N as usize].is_some();
    if design.is_review() {
        if n.is_none() && k.is_none() && n_present && !row.failed_on(Col::N) {
            row.fail(
                Col::N,
                "a review needs n (participants pooled) or k_studies (studies included)"
                    .to_string(),
            );
        }
    } else {
        if n.is_none() && n_present && !row.failed_on(Col::N) {
            row.fail(
                Col::N,
                "required value is empty; give the participants analysed".to_string(),
            );
        }
        if k.is_some() {
            row.fail(
                Col::KStudies,
                format!("k_studies is for reviews only, but design is {design}; leave it empty"),
            );
        }
    }
}

fn check_effect(row: &mut Row<'_>, effect: &EffectData) {
    if let (Some(low), Some(high)) = (effect.ci_low, effect.ci_high) {
        if low > high {
            row.fail(
                Col::CiLow,
                format!("ci_low {low} is above ci_high {high}; swap them"),
            );
        } else if let Some(yi) = effect.yi
            && !(low..=high).contains(&yi)
        {
            row.fail(
                Col::Yi,
                format!("yi {yi} lies outside its confidence interval [{low}, {high}]; ratio measures go on the log scale in yi, ci_low and ci_high"),
            );
        } else if let (Some(measure), Some(yi)) = (effect.measure, effect.yi)
            && measure.is_ratio()
            && looks_like_natural_ratio(low, yi, high)
        {
            let ratio = measure.label().to_lowercase();
            let article = if ratio.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            row.fail(
                Col::Yi,
                format!(
                    "yi {yi} with ci_low {low} and ci_high {high} looks like {article} {ratio} on \
                     its natural scale: the interval is symmetric around yi only after taking \
                     logarithms; {} goes on the log scale: yi = {:.4}, ci_low = {:.4}, \
                     ci_high = {:.4}",
                    measure.key(),
                    yi.ln(),
                    low.ln(),
                    high.ln()
                ),
            );
        }
    }
    // A value that was given but did not parse is reported once, not as missing as well.
    let unparsed = |row: &Row<'_>, cols: &[Col]| cols.iter().any(|col| row.failed_on(*col));
    if effect.ci_low.is_some() != effect.ci_high.is_some()
        && !unparsed(row, &[Col::CiLow, Col::CiHigh])
    {
        let missing = if effect.ci_low.is_none() {
            Col::CiLow
        } else {
            Col::CiHigh
        };
        row.fail(
            missing,
            "give both ci_low and ci_high, or neither".to_string(),
        );
    }
    let has_estimate = effect.yi.is_some() || effect.vi.is_some() || effect.ci_low.is_some();
    let arms = &effect.arms;
    let has_arms = arms.n1.is_some()
        || arms.n2.is_some()
        || arms.mean1.is_some()
        || arms.mean2.is_some()
        || arms.sd1.is_some()
        || arms.sd2.is_some()
        || arms.events1.is_some()
        || arms.events2.is_some();
    if (has_estimate || has_arms) && effect.measure.is_none() && !row.failed_on(Col::EffectMeasure)
    {
        row.fail(
            Col::EffectMeasure,
            format!(
                "effect data is given but effect_measure is empty; set one of: {}",
                EffectMeasure::expected()
            ),
        );
    }
    if effect.yi.is_some()
        && effect.vi.is_none()
        && effect.ci_low.is_none()
        && !unparsed(row, &[Col::Vi, Col::CiLow, Col::CiHigh])
    {
        row.fail(
            Col::Vi,
            "yi needs its variance vi, or ci_low and ci_high".to_string(),
        );
    }
    if effect.yi.is_none()
        && (effect.vi.is_some() || effect.ci_low.is_some())
        && !unparsed(row, &[Col::Yi])
    {
        row.fail(
            Col::Yi,
            "vi or a confidence interval is given without the estimate yi".to_string(),
        );
    }
    for (events, n, col) in [
        (arms.events1, arms.n1, Col::Events1),
        (arms.events2, arms.n2, Col::Events2),
    ] {
        if let (Some(events), Some(n)) = (events, n)
            && events > n
        {
            row.fail(
                col,
                format!("{events} events exceed the arm's {n} participants"),
            );
        }
    }
    // Only effect data that parsed whole (a value that did not parse is reported already);
    // most rows have no problem at all, which is known without a look at each column.
    if !(row.failed && unparsed(row, &EFFECT_COLUMNS)) {
        check_effect_is_finite(row, effect);
    }
}

/// True when a ratio's `low ≤ yi ≤ high`, meant to be on the log scale, read as a ratio on its
/// natural scale, the usual slip ("RR 0.6 (0.4 to 0.9)" copied from a paper): all positive,
/// the interval clearly lopsided around `yi` as written (one side at least 1.3 times the other
/// and 0.02 longer, more than two-decimal rounding of a symmetric interval can do), and
/// symmetric within 10% once the logarithms are taken, as a Wald interval of a log ratio
/// reported on the ratio scale is. An interval computed on the log scale is symmetric as
/// written, so it is never taken for one.
fn looks_like_natural_ratio(low: f64, yi: f64, high: f64) -> bool {
    if !(low > 0.0 && low < yi && yi < high) {
        return false;
    }
    let (below, above) = (yi - low, high - yi);
    let lopsided = below.max(above) >= 1.3 * below.min(above) && (above - below).abs() > 0.02;
    let (log_below, log_above) = (yi.ln() - low.ln(), high.ln() - yi.ln());
    let symmetric_in_logs = (log_above - log_below).abs() <= 0.1 * log_below.max(log_above);
    lopsided && symmetric_in_logs
}

/// The columns of effect data.
const EFFECT_COLUMNS: [Col; 13] = [
    Col::EffectMeasure,
    Col::Yi,
    Col::Vi,
    Col::CiLow,
    Col::CiHigh,
    Col::N1,
    Col::Mean1,
    Col::Sd1,
    Col::N2,
    Col::Mean2,
    Col::Sd2,
    Col::Events1,
    Col::Events2,
];

/// Reports effect data whose effect, as the synthesis computes it, is not a finite number:
/// each value is finite, but a variance from a confidence interval of ±1e308, or the squared
/// standard deviation of 1e300, overflows, and the pooling would meet infinities.
fn check_effect_is_finite(row: &mut Row<'_>, data: &EffectData) {
    let Ok((measure, effect)) = crate::synthesis::effects::effect_of_data(data) else {
        return;
    };
    if effect.yi.is_finite() && effect.vi.is_finite() {
        return;
    }
    let col = match (data.yi, data.vi) {
        (Some(_), Some(_)) => Col::Vi,
        (Some(_), None) => Col::CiHigh,
        (None, _) if matches!(measure, EffectMeasure::Md | EffectMeasure::Smd) => Col::Sd1,
        (None, _) => Col::Events1,
    };
    row.fail(
        col,
        format!(
            "the effect computed from this row's effect data is not a finite number \
             ({} estimate {}, variance {}): a value this large overflows; check the row's \
             effect data",
            measure.key(),
            crate::numbers::compact(effect.yi),
            crate::numbers::compact(effect.vi)
        ),
    );
}

/// `text` without leading and trailing whitespace; most fields have none, which is checked on
/// the end bytes before the general Unicode trim.
fn trim(text: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    let bytes = text.as_bytes();
    if plain(bytes.first()) && plain(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// `10.<4-9 digits>/<suffix without whitespace>`.
pub fn is_doi(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("10.") else {
        return false;
    };
    let Some((registrant, suffix)) = rest.split_once('/') else {
        return false;
    };
    (4..=9).contains(&registrant.len())
        && registrant.bytes().all(|b| b.is_ascii_digit())
        && !suffix.is_empty()
        && !suffix.chars().any(char::is_whitespace)
}

/// 1 to 9 digits, no leading zero.
pub fn is_pmid(text: &str) -> bool {
    (1..=9).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rounds to `decimals` places, as a paper or a reviewer writes a number.
    fn rounded(value: f64, decimals: i32) -> f64 {
        let scale = 10f64.powi(decimals);
        (value * scale).round() / scale
    }

    /// Ratios with their 95% intervals as papers give them (hand-computed): RR 0.6 (0.4 to
    /// 0.9), RR 1.5 (1.2 to 1.9), OR 2.5 (1.1 to 5.7) are read as natural-scale ratios; their
    /// logarithms, and log ratios whose interval is symmetric as written, are not. Near 1 the two
    /// scales cannot be told apart (RR 1.05 (1.01 to 1.09)) and nothing is claimed.
    #[test]
    fn ratios_on_their_natural_scale_are_told_from_log_ratios() {
        for (low, yi, high) in [(0.4, 0.6, 0.9), (1.2, 1.5, 1.9), (1.1, 2.5, 5.7)] {
            assert!(looks_like_natural_ratio(low, yi, high), "{low} {yi} {high}");
            let (low, yi, high) = (f64::ln(low), f64::ln(yi), f64::ln(high));
            assert!(
                !looks_like_natural_ratio(low, yi, high),
                "{low} {yi} {high}"
            );
        }
        for (low, yi, high) in [
            (0.35, 0.6, 0.85),
            (0.01, 0.02, 0.03),
            (1.01, 1.05, 1.09),
            (-0.92, -0.51, -0.1),
        ] {
            assert!(
                !looks_like_natural_ratio(low, yi, high),
                "{low} {yi} {high}"
            );
        }
    }

    proptest! {
        /// A Wald interval computed on the log scale (yi ± 1.96·se), rounded to two or three
        /// places as written in a paper, is never taken for a natural-scale ratio, however
        /// small or large the log ratio and its standard error.
        #[test]
        fn log_scale_wald_intervals_are_never_flagged(
            yi in -4.0f64..4.0,
            se in 0.001f64..3.0,
            decimals in 2i32..=3,
        ) {
            let low = rounded(yi - 1.96 * se, decimals);
            let high = rounded(yi + 1.96 * se, decimals);
            let yi = rounded(yi, decimals);
            prop_assert!(!looks_like_natural_ratio(low, yi, high), "{} {} {}", low, yi, high);
        }
    }

    /// Consecutive rows of a study share one [`Study`] as read; a row that changes a
    /// study-level field gets its own, and the next study keeps no text of the last. Rows
    /// share their [`RowKeys`] the same way.
    #[test]
    fn consecutive_rows_of_a_study_share_their_study() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");
        let topic = Topic::load(&std::path::Path::new(dir).join("topic.toml")).unwrap();
        let rows = "study_id,citation,year,design,question,n,form,outcome,direction\n\
            a_1,A 2001,2001,rct,treatment,10,citrate,rls_severity,positive\n\
            a_1,A 2001,2001,rct,treatment,10,citrate,sleep_quality,positive\n\
            a_1,A 2001,2002,rct,treatment,10,citrate,rls_quality_of_life,positive\n\
            b_2,B 2002,2002,rct,treatment,10,citrate,rls_severity,positive\n";
        let outcome = read_registry(rows.as_bytes(), "r.csv", &topic, 2026);
        let found = &outcome.findings;
        assert_eq!(found.len(), 4, "{:?}", outcome.diagnostics);
        assert!(Arc::ptr_eq(&found[0].study, &found[1].study));
        assert!(!Arc::ptr_eq(&found[1].study, &found[2].study));
        assert_eq!(found[2].study.year, 2002);
        assert!(Text::ptr_eq(&found[1].study.id, &found[2].study.id));
        assert!(Text::ptr_eq(
            &found[1].study.citation,
            &found[2].study.citation
        ));
        assert_eq!(*found[3].study.id, *"b_2");
        assert_eq!(*found[3].study.citation, *"B 2002");
        // Rows naming the same question, form and outcome share their keys, apart or not;
        // others hold their own, their common keys one string each.
        assert!(Arc::ptr_eq(&found[0].keys, &found[3].keys));
        assert!(!Arc::ptr_eq(&found[0].keys, &found[1].keys));
        assert!(Text::ptr_eq(
            &found[0].keys.question,
            &found[1].keys.question
        ));
        assert_eq!(
            [
                &found[1].keys.question,
                &found[1].keys.form,
                &found[1].keys.outcome
            ]
            .map(|key| key.as_str()),
            ["treatment", "citrate", "sleep_quality"]
        );
    }

    /// The largest count is kept in a finding's effect data as given (a count is stored bare,
    /// with a bit for whether it was given, so no count value is reserved).
    #[test]
    fn the_largest_counts_are_kept_in_effect_data() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");
        let topic = Topic::load(&std::path::Path::new(dir).join("topic.toml")).unwrap();
        let rows = "study_id,citation,year,design,question,n,form,outcome,direction,\
            effect_measure,n1,mean1,sd1,n2,mean2,sd2\n\
            a_1,A 2001,2001,rct,treatment,4294967295,citrate,rls_severity,positive,\
            md,4294967295,1.5,2,4294967295,0,2\n";
        let outcome = read_registry(rows.as_bytes(), "r.csv", &topic, 2026);
        assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
        let finding = &outcome.findings[0];
        assert_eq!(finding.n(), Some(u32::MAX));
        let data = finding.effect.as_ref().unwrap().data();
        assert_eq!(
            (data.arms.n1, data.arms.n2),
            (Some(u32::MAX), Some(u32::MAX))
        );
        assert_eq!((data.arms.events1, data.yi), (None, None));
    }

    #[test]
    fn identifiers_are_format_checked() {
        assert!(is_doi("10.1093/sleep/21.5.501"));
        assert!(is_doi("10.1007/s12011-020-02287-5"));
        assert!(!is_doi("https://doi.org/10.1093/sleep/21.5.501"));
        assert!(!is_doi("10.12/x"));
        assert!(!is_doi("10.1093/"));
        assert!(is_pmid("9703590"));
        assert!(!is_pmid("PMID9703590"));
        assert!(!is_pmid("0123"));
    }

    #[test]
    fn close_misspellings_of_columns_are_suggested() {
        assert_eq!(closest_column("studyid"), Some("study_id"));
        assert_eq!(closest_column("Direction"), Some("direction"));
        assert_eq!(closest_column("banana"), None);
    }
}
