//! Splitting plain CSV records into fields without copying them: the common shape of a
//! registry row, where every record is one line and a quoted field (a citation with commas)
//! holds no quote, CR or line end. Such a record's fields are ranges of the input bytes, found
//! in one pass, where the csv reader copies every field into a record of its own at several
//! times the cost.
//!
//! The first record that is not plain (a doubled quote `""` inside a field, a line end inside
//! quotes, a lone CR, a quote inside an unquoted field, an unclosed quote) stops the splitter,
//! and the caller reads the rest with the csv reader, so every irregular input is read — and
//! reported — exactly as before. A property test holds the two readers equal on plain input.

use std::ops::Range;

/// A record's fields as ranges of its bytes: a plain record's line, or a csv `ByteRecord`'s
/// concatenated fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'r> {
    /// The record's bytes.
    pub bytes: &'r [u8],
    /// Each field's range within `bytes`.
    pub ranges: &'r [Range<usize>],
}

impl<'r> Fields<'r> {
    /// The fields of a csv record; `ranges` is room for their ranges.
    pub fn of_record(record: &'r csv::ByteRecord, ranges: &'r mut Vec<Range<usize>>) -> Self {
        ranges.clear();
        ranges.extend((0..record.len()).filter_map(|i| record.range(i)));
        Fields {
            bytes: record.as_slice(),
            ranges,
        }
    }

    /// How many fields the record has.
    pub fn count(&self) -> usize {
        self.ranges.len()
    }

    /// The bytes of field `i`, if the record has it.
    pub fn get(&self, i: usize) -> Option<&'r [u8]> {
        self.ranges.get(i).map(|range| &self.bytes[range.clone()])
    }

    /// True for a record of one field that is empty or only whitespace: a blank line.
    pub fn is_blank(&self) -> bool {
        self.count() == 1
            && self
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
    }
}

/// What [`PlainRecords::next`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// A plain record; its field ranges (relative to `bytes.start`) are in the caller's
    /// buffer.
    Record {
        /// The line it is on.
        line: u64,
        /// Its bytes in the input, without the line end.
        bytes: Range<usize>,
    },
    /// The input ends.
    End,
    /// The record here is not plain: read the rest with the csv reader from there.
    NotPlain {
        /// Where it starts in the input.
        at: usize,
        /// The line it starts on.
        line: u64,
    },
}

/// Plain records of `body`, one per line, in order.
pub struct PlainRecords<'b> {
    body: &'b [u8],
    at: usize,
    line: u64,
}

impl<'b> PlainRecords<'b> {
    /// Records of `body`, whose first byte is on line `first_line`.
    pub fn new(body: &'b [u8], first_line: u64) -> PlainRecords<'b> {
        PlainRecords {
            body,
            at: 0,
            line: first_line,
        }
    }

    /// The next record, its field ranges written to `ranges` (cleared first).
    pub fn next(&mut self, ranges: &mut Vec<Range<usize>>) -> Step {
        let (start, line) = (self.at, self.line);
        if start >= self.body.len() {
            return Step::End;
        }
        ranges.clear();
        match split_record(self.body, start, ranges) {
            Some(Split { content_end, next }) => {
                self.at = next;
                self.line += 1;
                Step::Record {
                    line,
                    bytes: start..content_end,
                }
            }
            None => Step::NotPlain { at: start, line },
        }
    }
}

/// Where a plain record's content ends (before its line end) and the next record starts.
struct Split {
    content_end: usize,
    next: usize,
}

/// Splits the plain record at `start` of `body`, pushing its field ranges (relative to
/// `start`); `None` when it is not plain.
///
/// The bytes are read eight at a time. A word whose only delimiters are commas (most words:
/// a registry row is mostly short and empty fields) ends its fields without a branch on each
/// byte; a word in an open quote without a quote, LF or CR is skipped. Other words look at
/// their bytes below `-` (0x2D), spaces left out, one by one ([`below_dash`]). A record
/// costs a few instructions per word and per delimiter instead of several per byte.
fn split_record(body: &[u8], start: usize, ranges: &mut Vec<Range<usize>>) -> Option<Split> {
    let mut field = FieldState {
        start,
        quote: Quote::None,
    };
    let mut word_at = start;
    while word_at < body.len() {
        let bytes = word(body, word_at);
        let commas = lanes_equal_to(bytes, b',');
        let others = below_dash(bytes) & !commas & !lanes_equal_to(bytes, b' ');
        if others == 0 {
            match field.quote {
                Quote::None => {
                    let mut commas = commas;
                    while commas != 0 {
                        let at = word_at + (commas.trailing_zeros() / 8) as usize;
                        commas &= commas - 1;
                        ranges.push(field.start - start..at - start);
                        field.start = at + 1;
                    }
                    word_at += 8;
                    continue;
                }
                // Commas inside quotes are text.
                Quote::Open => {
                    word_at += 8;
                    continue;
                }
                // After a closing quote only a delimiter may follow: read byte by byte.
                Quote::Closed(_) => {}
            }
        }
        let mut candidates = commas | others;
        while candidates != 0 {
            let at = word_at + (candidates.trailing_zeros() / 8) as usize;
            candidates &= candidates - 1;
            let byte = body[at];
            if !matches!(byte, b',' | b'"' | b'\n' | b'\r') {
                continue;
            }
            if let Quote::Open = field.quote {
                match byte {
                    b'"' => field.quote = Quote::Closed(at),
                    b',' => {}
                    // A line end inside quotes: the record runs over lines.
                    _ => return None,
                }
                continue;
            }
            if byte == b'"' {
                // A quote opens a field only as its first byte (else it is a doubled quote
                // after a closing one, or a quote inside an unquoted field).
                if at != field.start {
                    return None;
                }
                field.quote = Quote::Open;
                continue;
            }
            ranges.push(field.range(at, start)?);
            match byte {
                b',' => {
                    field = FieldState {
                        start: at + 1,
                        quote: Quote::None,
                    };
                }
                b'\n' => {
                    return Some(Split {
                        content_end: at,
                        next: at + 1,
                    });
                }
                // A CR ends a record only before an LF here (alone, the csv reader takes it
                // as a line end of its own).
                _ if body.get(at + 1) == Some(&b'\n') => {
                    return Some(Split {
                        content_end: at,
                        next: at + 2,
                    });
                }
                _ => return None,
            }
        }
        word_at += 8;
    }
    // The input ends without a line end (in an open quote, the range is `None`).
    ranges.push(field.range(body.len(), start)?);
    Some(Split {
        content_end: body.len(),
        next: body.len(),
    })
}

/// The field being split: where it starts, and its quotes.
struct FieldState {
    start: usize,
    quote: Quote,
}

/// A field's quotes so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// Unquoted.
    None,
    /// Opened at the field's first byte, not closed yet.
    Open,
    /// Closed by the quote at this byte.
    Closed(usize),
}

impl FieldState {
    /// The field's content, ended by a delimiter at `end`, relative to `record_start`; `None`
    /// when text follows a closing quote or the quote is still open.
    fn range(&self, end: usize, record_start: usize) -> Option<Range<usize>> {
        let content = match self.quote {
            Quote::None => self.start..end,
            Quote::Closed(close) if close + 1 == end => self.start + 1..close,
            _ => return None,
        };
        Some(content.start - record_start..content.end - record_start)
    }
}

/// The eight bytes of `body` from `at` as a little-endian word; lanes past the end hold 0xFF,
/// which is not below the dash.
fn word(body: &[u8], at: usize) -> u64 {
    match body.get(at..at + 8) {
        Some(bytes) => u64::from_le_bytes(bytes.try_into().unwrap_or_default()),
        None => {
            let mut bytes = [0u8; 8];
            let tail = &body[at..];
            bytes[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(bytes) | (u64::MAX << (8 * tail.len()))
        }
    }
}

/// `1` in every byte lane.
const LANES: u64 = 0x0101_0101_0101_0101;
/// The low seven bits of every lane.
const LOW_SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
/// The high bit of every lane.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte lane of `word` that holds a byte below `bound` (1 to 0x80),
/// exactly: a lane's low seven bits plus 0x80 − `bound` reach its high bit only from `bound`
/// up, and never carry past it (at most 0x7F + 0x7F); a lane whose own high bit is set is not
/// below.
#[inline(always)]
fn lanes_below(word: u64, bound: u8) -> u64 {
    let to_high = u64::from(0x80 - bound) * LANES;
    !(((word & LOW_SEVEN) + to_high) | word) & HIGH
}

/// The high bit of each byte lane of `word` that holds `byte`, exactly: the lanes where
/// `word` XOR `byte` is below 1.
fn lanes_equal_to(word: u64, byte: u8) -> u64 {
    lanes_below(word ^ (u64::from(byte) * LANES), 1)
}

/// The high bit of each byte lane of `word` that holds a byte below 0x2D (`-`), exactly.
fn below_dash(word: u64) -> u64 {
    lanes_below(word, b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::read::LineCounter;
    use proptest::prelude::*;

    /// Records as (line, fields) read by the splitter, and where it stopped (byte, line) if it
    /// met a record that is not plain.
    type Splitting = (Vec<(u64, Vec<Vec<u8>>)>, Option<(usize, u64)>);

    fn split(body: &[u8]) -> Splitting {
        let mut records = PlainRecords::new(body, 2);
        let (mut out, mut ranges) = (Vec::new(), Vec::new());
        loop {
            match records.next(&mut ranges) {
                Step::Record { line, bytes } => {
                    let record = &body[bytes];
                    let fields = Fields {
                        bytes: record,
                        ranges: &ranges,
                    };
                    out.push((
                        line,
                        (0..fields.count())
                            .map(|i| fields.get(i).unwrap().to_vec())
                            .collect(),
                    ));
                }
                Step::End => return (out, None),
                Step::NotPlain { at, line } => return (out, Some((at, line))),
            }
        }
    }

    /// The csv reader's records of `body` (blank lines skipped as the registry reader skips
    /// them), with their lines as the registry reader counts them: the oracle. Empty lines
    /// are left out of both sides, which the registry reader ignores whichever reader read
    /// them.
    fn csv_records(body: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut record = csv::ByteRecord::new();
        let mut lines = LineCounter::new(body, 2);
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
            out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    fn without_blank(records: Vec<(u64, Vec<Vec<u8>>)>) -> Vec<(u64, Vec<Vec<u8>>)> {
        records
            .into_iter()
            .filter(|(_, fields)| {
                !(fields.len() == 1 && fields[0].iter().all(u8::is_ascii_whitespace))
            })
            .collect()
    }

    #[test]
    fn plain_records_are_split_in_place() {
        let body = b"a,\"b, c\",,d\r\n\n\"\",x\ny";
        let (records, stop) = split(body);
        assert_eq!(stop, None);
        let fields = |f: &[&str]| f.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(
            records,
            [
                (2, fields(&["a", "b, c", "", "d"])),
                (3, fields(&[""])),
                (4, fields(&["", "x"])),
                (5, fields(&["y"])),
            ]
        );
    }

    #[test]
    fn the_first_record_that_is_not_plain_stops_the_splitter() {
        for (body, at, line) in [
            (&b"a,b\nc,\"d\"\"e\"\nf\n"[..], 4, 3),
            (b"a\n\"b\nc\"\n", 2, 3),
            (b"a\rb\n", 0, 2),
            (b"a\nb\"c\n", 2, 3),
            (b"a\n\"b\n", 2, 3),
            (b"\"a\"b,c\n", 0, 2),
        ] {
            let (_, stop) = split(body);
            assert_eq!(
                stop,
                Some((at, line)),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn bytes_below_the_dash_are_marked_in_their_lane() {
        for byte in 0..=255u8 {
            for lane in 0..8 {
                // The other lanes hold bytes on both sides of the bound.
                let mut bytes = [0x2D, 0x2C, 0xFF, 0x00, 0x7F, 0x80, b'a', b'"'];
                bytes[lane] = byte;
                let mask = below_dash(u64::from_le_bytes(bytes));
                for (other, &b) in bytes.iter().enumerate() {
                    let marked = mask & (0x80 << (8 * other)) != 0;
                    assert_eq!(marked, b < 0x2D, "byte {b:#04x} in lane {other}");
                }
                assert_eq!(mask & !0x8080_8080_8080_8080, 0);
            }
        }
    }

    #[test]
    fn bytes_equal_to_a_byte_are_marked_in_their_lane() {
        for wanted in [b',', b' ', 0x00, 0x80, 0xFF] {
            for byte in 0..=255u8 {
                for lane in 0..8 {
                    let mut bytes = [
                        wanted ^ 1,
                        wanted ^ 0x80,
                        0xFF,
                        0x00,
                        0x7F,
                        0x80,
                        b' ',
                        b',',
                    ];
                    bytes[lane] = byte;
                    let mask = lanes_equal_to(u64::from_le_bytes(bytes), wanted);
                    for (other, &b) in bytes.iter().enumerate() {
                        let marked = mask & (0x80 << (8 * other)) != 0;
                        assert_eq!(marked, b == wanted, "{b:#04x} against {wanted:#04x}");
                    }
                    assert_eq!(mask & !0x8080_8080_8080_8080, 0);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]
        /// Up to where the splitter stops, it reads the records, fields and lines the csv
        /// reader reads; and the csv reader, given the rest, reads on from there.
        #[test]
        fn plain_records_are_read_as_the_csv_reader_reads_them(
            body in proptest::collection::vec(
                prop_oneof![
                    4 => Just(b'a'), 3 => Just(b','), 2 => Just(b'"'), 2 => Just(b'\n'),
                    1 => Just(b'\r'), 1 => Just(b' '), 1 => Just(0xC3), 1 => Just(0xA9),
                    1 => Just(0), 1 => Just(b'+'), 1 => Just(b'-'), 1 => Just(0xFF),
                ],
                0..120,
            ),
        ) {
            let (records, stop) = split(&body);
            let (plain_end, rest) = match stop {
                Some((at, line)) => (at, Some((at, line))),
                None => (body.len(), None),
            };
            let mut expected = without_blank(csv_records(&body[..plain_end]));
            let mut got = without_blank(records);
            if let Some((at, line)) = rest {
                let shift = line - 2;
                let tail = csv_records(&body[at..])
                    .into_iter()
                    .map(|(l, fields)| (l + shift, fields));
                got.extend(without_blank(tail.clone().collect()));
                expected.extend(without_blank(tail.collect()));
            }
            prop_assert_eq!(&got, &expected);
            prop_assert_eq!(without_blank(csv_records(&body)), expected);
        }
    }
}
