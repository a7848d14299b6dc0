//! Cutting CSV bytes into chunks that end on record boundaries, so large registries can be
//! parsed on every core.
//!
//! A newline ends a record unless it lies inside a quoted field. Quotes are tracked by parity,
//! which is exact for well-formed CSV (RFC 4180: a quoted field opens right after a delimiter
//! or a line start and closes right before one; `""` inside it toggles twice). At the first
//! quote that breaks that rule the file is not cut at all: the caller reads it sequentially,
//! which is also how its problems get reported.

use std::ops::Range;

/// Byte ranges covering `bytes[start..]`, each about `chunk_bytes` long and ending just after
/// an unquoted newline (the last ends at the end). One range when the input is small or its
/// quoting is irregular.
pub fn split_records(bytes: &[u8], start: usize, chunk_bytes: usize) -> Vec<Range<usize>> {
    let start = start.min(bytes.len());
    let whole = std::iter::once(start..bytes.len()).collect::<Vec<_>>();
    if bytes.len() - start <= chunk_bytes || chunk_bytes == 0 {
        return whole;
    }
    let mut ranges = Vec::new();
    let mut chunk_start = start;
    let mut in_quotes = false;
    let mut at = start;
    while bytes.len() - chunk_start > chunk_bytes {
        let target = chunk_start + chunk_bytes;
        // Quote parity up to the target.
        while let Some(offset) = memchr::memchr(b'"', bytes.get(at..target).unwrap_or_default()) {
            let quote = at + offset;
            if !quote_is_regular(bytes, quote, in_quotes) {
                return whole;
            }
            in_quotes = !in_quotes;
            at = quote + 1;
        }
        at = at.max(target);
        // The first newline outside quotes from the target on.
        let mut cut = None;
        while let Some(offset) = memchr::memchr2(b'"', b'\n', &bytes[at..]) {
            let found = at + offset;
            at = found + 1;
            if bytes[found] == b'"' {
                if !quote_is_regular(bytes, found, in_quotes) {
                    return whole;
                }
                in_quotes = !in_quotes;
            } else if !in_quotes {
                cut = Some(found + 1);
                break;
            }
        }
        let Some(cut) = cut else { break };
        ranges.push(chunk_start..cut);
        chunk_start = cut;
    }
    if chunk_start < bytes.len() || ranges.is_empty() {
        ranges.push(chunk_start..bytes.len());
    }
    ranges
}

/// A quote at `at` that opens a field must follow a delimiter or line start; one that closes
/// it (or is the first of a doubled `""`) must precede a delimiter, a quote, a line end or the
/// end of the input.
fn quote_is_regular(bytes: &[u8], at: usize, in_quotes: bool) -> bool {
    if in_quotes {
        matches!(bytes.get(at + 1), None | Some(b',' | b'"' | b'\n' | b'\r'))
    } else {
        at == 0 || matches!(bytes[at - 1], b',' | b'\n' | b'\r' | b'"')
    }
}

/// The 1-based line each range starts on, given the line of the first range's start, and then
/// the line just after the last range (one more entry than ranges).
pub fn first_lines(bytes: &[u8], ranges: &[Range<usize>], first_line: u64) -> Vec<u64> {
    use rayon::prelude::*;
    let newlines: Vec<u64> = ranges
        .par_iter()
        .map(|r| memchr::memchr_iter(b'\n', &bytes[r.clone()]).count() as u64)
        .collect();
    let mut line = first_line;
    let mut lines: Vec<u64> = newlines
        .iter()
        .map(|n| {
            let this = line;
            line += n;
            this
        })
        .collect();
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_only_at_unquoted_newlines() {
        let text = b"h\na,\"x\ny\"\nb,c\nd,e\n";
        let ranges = split_records(text, 2, 1);
        let parts: Vec<&[u8]> = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(parts, [&b"a,\"x\ny\"\n"[..], b"b,c\n", b"d,e\n"]);
        assert_eq!(first_lines(text, &ranges, 2), [2, 4, 5, 6]);
    }

    #[test]
    fn doubled_quotes_keep_the_field_open() {
        let text = b"\"a\"\"\nb\"\nc\n";
        let ranges = split_records(text, 0, 1);
        assert_eq!(ranges, [0..8, 8..10]);
    }

    #[test]
    fn a_stray_quote_disables_cutting() {
        let text = b"a,b\"c\nd,e\nf,g\n";
        assert_eq!(
            split_records(text, 0, 1),
            std::iter::once(0..text.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn small_inputs_are_one_chunk() {
        let text = b"a\nb\n";
        assert_eq!(
            split_records(text, 0, 100),
            std::iter::once(0..4).collect::<Vec<_>>()
        );
    }
}
