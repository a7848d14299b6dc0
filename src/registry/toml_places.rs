//! Where a key or a value sits in a TOML text, so that the problems found in a `topic.toml`
//! after it parsed (an empty label, a date that is not a day, a key that is not plain) name their
//! line and column as the parser's own errors do.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a path from the document's root: a key of a table or a position in an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step<'a> {
    /// A table's key.
    Key(&'a str),
    /// An array's element (0-based).
    Index(usize),
}

/// Which part of an entry a place points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The key (for problems with the key itself).
    Key,
    /// The value (for problems with what it says).
    Value,
}

/// The spans of a parsed TOML document.
pub struct Places<'i> {
    lines: LineIndex<'i>,
    root: Option<Spanned<DeTable<'i>>>,
}

impl<'i> Places<'i> {
    /// The places of `text`; a text that does not parse has none.
    pub fn of(text: &'i str) -> Places<'i> {
        Places {
            lines: LineIndex::of(text),
            root: DeTable::parse(text).ok(),
        }
    }

    /// The line and column look-up of the text.
    pub fn lines(&self) -> &LineIndex<'i> {
        &self.lines
    }

    /// The parsed document, if the text parses.
    pub fn root(&self) -> Option<&Spanned<DeTable<'i>>> {
        self.root.as_ref()
    }

    /// The 1-based line and column (in characters) of the `part` of the entry at `path`, if
    /// the document has it.
    pub fn line_column(&self, path: &[Step<'_>], part: Part) -> Option<(usize, usize)> {
        let start = self.span(path, part)?.start;
        Some(self.lines.line_column(start))
    }

    /// The span of the `part` of the entry at `path`.
    fn span(&self, path: &[Step<'_>], part: Part) -> Option<Range<usize>> {
        let (last, parents) = path.split_last()?;
        let root = self.root.as_ref()?;
        let mut table = root.get_ref();
        let mut value = None;
        for step in parents {
            let (_, child) = entry(table, value, *step)?;
            match child.get_ref() {
                DeValue::Table(inner) => {
                    table = inner;
                    value = None;
                }
                _ => value = Some(child),
            }
        }
        let (key, child) = entry(table, value, *last)?;
        Some(match part {
            Part::Key => key,
            Part::Value => child.span(),
        })
    }
}

/// The keys a table must hold, by where the table is.
#[derive(Debug, Clone, Copy)]
pub struct Required<'a> {
    /// The document's own keys.
    pub root: &'a [&'a str],
    /// Tables of tables (`[questions.<key>]`): the parent's key and each child's keys.
    pub each_entry_of: &'a [(&'a str, &'a [&'a str])],
    /// Arrays of tables (`[[certainty]]`): the array's key and each element's keys.
    pub each_element_of: &'a [(&'a str, &'a [&'a str])],
}

/// The required keys that one table lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKeys {
    /// Line of the table (its header, or 1 for the document's own keys).
    pub line: usize,
    /// Column of that place.
    pub column: usize,
    /// The table, as written in messages (`[questions.q]`, `[[certainty]] #2`; empty for the
    /// document's own keys).
    pub table: String,
    /// The keys it lacks, in the order of [`Required`].
    pub keys: Vec<&'static str>,
}

impl Places<'_> {
    /// The tables that lack required keys, in the order of `required` (the document's keys,
    /// then each table's), each with the keys it lacks.
    pub fn missing(&self, required: &Required<'static>) -> Vec<MissingKeys> {
        let Some(root) = self.root.as_ref() else {
            return Vec::new();
        };
        let mut missing = Vec::new();
        let mut lacks = |table: &DeTable<'_>, at: usize, keys: &[&'static str], name: String| {
            let absent: Vec<&'static str> = keys
                .iter()
                .copied()
                .filter(|key| !table.contains_key(*key))
                .collect();
            if !absent.is_empty() {
                let (line, column) = self.lines.line_column(at);
                missing.push(MissingKeys {
                    line,
                    column,
                    table: name,
                    keys: absent,
                });
            }
        };
        let root_table = root.get_ref();
        lacks(root_table, 0, required.root, String::new());
        for (parent, keys) in required.each_entry_of {
            let Some(DeValue::Table(children)) = value_of(root_table, parent) else {
                continue;
            };
            for (key, child) in children {
                if let DeValue::Table(table) = child.get_ref() {
                    let name = format!("[{parent}.{}]", key.get_ref());
                    lacks(table, key.span().start, keys, name);
                }
            }
        }
        for (parent, keys) in required.each_element_of {
            let Some(DeValue::Array(elements)) = value_of(root_table, parent) else {
                continue;
            };
            for (i, element) in elements.iter().enumerate() {
                if let DeValue::Table(table) = element.get_ref() {
                    let name = format!("[[{parent}]] #{}", i + 1);
                    lacks(table, element.span().start, keys, name);
                }
            }
        }
        missing
    }
}

/// The value of `key` in `table`.
fn value_of<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t DeValue<'i>> {
    table.get(key).map(Spanned::get_ref)
}

/// The key span and value of `step` in `table`, or in the array `value` when one is given (an
/// element's key span is its own).
fn entry<'t, 'i>(
    table: &'t DeTable<'i>,
    value: Option<&'t Spanned<DeValue<'i>>>,
    step: Step<'_>,
) -> Option<(Range<usize>, &'t Spanned<DeValue<'i>>)> {
    match (value, step) {
        (None, Step::Key(name)) => table
            .get_key_value(name)
            .map(|(key, child)| (key.span(), child)),
        (Some(array), Step::Index(index)) => {
            let element = array.get_ref().as_array()?.get(index)?;
            Some((element.span(), element))
        }
        _ => None,
    }
}

/// Bytes of text per checkpoint of a [`LineIndex`].
const BLOCK: usize = 4096;

/// Line and column look-up for one text: a checkpoint every `BLOCK` bytes holds the lines
/// and characters before it and where its line starts, so each look-up reads at most one
/// block, however many problems a large file has and however long its lines are.
pub struct LineIndex<'t> {
    text: &'t str,
    checkpoints: Vec<Checkpoint>,
}

/// What a [`LineIndex`] knows at the start of one block.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    /// Line ends (`\n`) before the block.
    lines: usize,
    /// Characters before the block.
    chars: usize,
    /// Byte where the line holding the block's first byte starts.
    line_start: usize,
}

impl<'t> LineIndex<'t> {
    /// The index of `text`, built in one pass over it.
    pub fn of(text: &'t str) -> LineIndex<'t> {
        let mut checkpoints = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut at = Checkpoint {
            lines: 0,
            chars: 0,
            line_start: 0,
        };
        for (i, block) in text.as_bytes().chunks(BLOCK).enumerate() {
            checkpoints.push(at);
            at.lines += memchr::memchr_iter(b'\n', block).count();
            at.chars += characters(block);
            if let Some(end) = memchr::memrchr(b'\n', block) {
                at.line_start = i * BLOCK + end + 1;
            }
        }
        // The text's end, when it ends a block, has a checkpoint of its own.
        if text.len().is_multiple_of(BLOCK) {
            checkpoints.push(at);
        }
        LineIndex { text, checkpoints }
    }

    /// The 1-based line and column (in characters) of byte `at` (the text's end if past it,
    /// or the character's start if inside one).
    pub fn line_column(&self, at: usize) -> (usize, usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let checkpoint = self.checkpoints[at / BLOCK];
        let block_start = at / BLOCK * BLOCK;
        let bytes = self.text.as_bytes();
        let before = &bytes[block_start..at];
        let line = checkpoint.lines + memchr::memchr_iter(b'\n', before).count() + 1;
        let column = match memchr::memrchr(b'\n', before) {
            Some(end) => characters(&before[end + 1..]),
            None => {
                checkpoint.chars + characters(before) - self.chars_before(checkpoint.line_start)
            }
        } + 1;
        (line, column)
    }

    /// The characters before byte `at`, a character's start.
    fn chars_before(&self, at: usize) -> usize {
        let block_start = at / BLOCK * BLOCK;
        self.checkpoints[at / BLOCK].chars + characters(&self.text.as_bytes()[block_start..at])
    }
}

/// The characters that start in `bytes` of UTF-8 text (every byte but a continuation byte).
fn characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "title = \"T\"\n\n[questions.treatment]\nlabel = \"\"\n\n[[certainty]]\n\
                        question = \"a\"\n\n[[certainty]]\nquestion = \"b\"\n";

    #[test]
    fn keys_and_values_are_found_through_tables_and_arrays() {
        let places = Places::of(TEXT);
        let at = |path: &[Step<'_>], part| places.line_column(path, part);
        assert_eq!(at(&[Step::Key("title")], Part::Key), Some((1, 1)));
        assert_eq!(at(&[Step::Key("title")], Part::Value), Some((1, 9)));
        let label = [
            Step::Key("questions"),
            Step::Key("treatment"),
            Step::Key("label"),
        ];
        assert_eq!(at(&label, Part::Value), Some((4, 9)));
        assert_eq!(
            at(&[Step::Key("questions"), Step::Key("treatment")], Part::Key),
            Some((3, 12))
        );
        let second = [
            Step::Key("certainty"),
            Step::Index(1),
            Step::Key("question"),
        ];
        assert_eq!(at(&second, Part::Value), Some((10, 12)));
        assert_eq!(at(&[Step::Key("missing")], Part::Key), None);
        assert_eq!(
            at(&[Step::Key("title"), Step::Key("deeper")], Part::Key),
            None
        );
        assert_eq!(
            Places::of("title = ").line_column(&[Step::Key("title")], Part::Key),
            None
        );
    }

    /// The line and column of byte `at`, counted from the text's start: the textbook answer
    /// the index must give.
    fn counted(text: &str, at: usize) -> (usize, usize) {
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    #[test]
    fn places_past_a_block_and_on_long_lines_are_counted_as_from_the_start() {
        // A line of 10,000 two-byte characters crosses blocks; the line after it starts
        // inside a block; the text's end is a block's end.
        let long = "é".repeat(10_000);
        let text = format!("a\n{long}\nbc");
        let index = LineIndex::of(&text);
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(2), (2, 1));
        assert_eq!(index.line_column(2 + 2 * 9_999), (2, 10_000));
        assert_eq!(index.line_column(2 + 2 * 10_000), (2, 10_001));
        assert_eq!(index.line_column(3 + 2 * 10_000 + 1), (3, 2));
        // Inside a character: its start; past the end: the end.
        assert_eq!(index.line_column(2 + 2 * 5_000 + 1), (2, 5_001));
        assert_eq!(index.line_column(usize::MAX), (3, 3));
        let exact = "x".repeat(BLOCK - 1) + "\n";
        assert_eq!(LineIndex::of(&exact).line_column(BLOCK), (2, 1));
        assert_eq!(LineIndex::of("").line_column(0), (1, 1));
    }

    proptest::proptest! {
        #[test]
        fn the_index_agrees_with_counting_from_the_start(
            // Short blocks of text repeated, so that lines cross the index's blocks.
            parts in proptest::collection::vec(("[a\né€\r]{0,12}", 0usize..900), 1..12),
            wanted in proptest::collection::vec(proptest::num::usize::ANY, 1..20),
        ) {
            let text: String = parts.iter().map(|(part, times)| part.repeat(*times)).collect();
            let index = LineIndex::of(&text);
            for at in wanted {
                let at = at % (text.len() + 2);
                proptest::prop_assert_eq!(index.line_column(at), counted(&text, at), "at {}", at);
            }
        }
    }
}
