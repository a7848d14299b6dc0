//! Compiler-style problem reports: `path:line:column: message`.

use std::fmt;

use crate::numbers::grouped;

/// One problem in a registry, located by line and column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub path: String,
    /// 1-based line the row starts on (1 = header).
    pub line: u64,
    /// The column's header name, when the problem is in one field.
    pub column: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The other row the message names as `line N` (the first of a repeated finding, say), so
    /// a caller that numbers rows differently can rename it.
    pub names_line: Option<u64>,
}

impl Diagnostic {
    /// A problem with a whole row (path filled in by [`Diagnostics::push`]).
    pub fn line(line: u64, message: String) -> Diagnostic {
        Diagnostic {
            path: String::new(),
            line,
            column: None,
            message,
            names_line: None,
        }
    }

    /// A problem in one field.
    pub fn column(line: u64, column: &str, message: String) -> Diagnostic {
        Diagnostic {
            path: String::new(),
            line,
            column: Some(column.to_string()),
            message,
            names_line: None,
        }
    }

    /// This problem, noting that its message names the row on `line` as `line N`.
    pub fn naming_line(self, line: u64) -> Diagnostic {
        Diagnostic {
            names_line: Some(line),
            ..self
        }
    }

    /// The message with the row it names, `line N`, called `line M` instead.
    pub fn renaming_line(self, line: u64) -> Diagnostic {
        let Some(named) = self.names_line else {
            return self;
        };
        let (old, new) = (format!("line {named}"), format!("line {line}"));
        let message = match self.message.rfind(&old) {
            Some(at) => {
                let mut message = self.message;
                message.replace_range(at..at + old.len(), &new);
                message
            }
            None => self.message,
        };
        Diagnostic {
            message,
            names_line: Some(line),
            ..self
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A diagnostic without a file is about a command-line flag; its message names it.
        if self.path.is_empty() {
            return f.write_str(&self.message);
        }
        match &self.column {
            Some(column) => write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, column, self.message
            ),
            None => write!(f, "{}:{}: {}", self.path, self.line, self.message),
        }
    }
}

/// How many characters of a value a message shows before it elides the rest.
const SHOWN_CHARACTERS: usize = 60;

/// `text` as a message quotes it: in Rust's escaped quotes (`"a\tb"`), and, past 60
/// characters, cut with its length: `"xxxx…"… (10,485,760 characters)`. A ten-megabyte field
/// is then a line of a report on the terminal, not ten megabytes of one.
pub fn quoted(text: &str) -> String {
    match elided(text) {
        None => format!("{text:?}"),
        Some((shown, total)) => format!("{shown:?}… ({} characters)", grouped(total as u64)),
    }
}

/// `text` as a message shows it unquoted (a number, a column name), cut as [`quoted`] cuts it.
pub fn shown(text: &str) -> String {
    match elided(text) {
        None => text.to_string(),
        Some((shown, total)) => format!("{shown}… ({} characters)", grouped(total as u64)),
    }
}

/// The first [`SHOWN_CHARACTERS`] characters of `text` and its length in characters, if it is
/// longer than that (the count stops early for short text).
fn elided(text: &str) -> Option<(&str, usize)> {
    let (cut, _) = text.char_indices().nth(SHOWN_CHARACTERS)?;
    Some((&text[..cut], text.chars().count()))
}

/// How many choices a message lists before it gives the count of the rest.
const LISTED_CHOICES: usize = 24;

/// `choices` (`total` of them) as a message lists them, comma-separated: the first 24 and then
/// how many more (`a, b, …, x, and 199,977 more`), so a topic of thousands of keys does not put
/// every key in every message about a row. Only the first 24 are read.
pub fn listed<S: AsRef<str>>(choices: impl IntoIterator<Item = S>, total: usize) -> String {
    let mut list = String::new();
    for (i, choice) in choices.into_iter().take(LISTED_CHOICES).enumerate() {
        if i > 0 {
            list.push_str(", ");
        }
        list.push_str(choice.as_ref());
    }
    match total.checked_sub(LISTED_CHOICES) {
        Some(more) if more > 0 => format!("{list}, and {} more", grouped(more as u64)),
        _ => list,
    }
}

/// Problems found in one file.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    path: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty list for `path`.
    pub fn new(path: &str) -> Diagnostics {
        Diagnostics {
            path: path.to_string(),
            items: Vec::new(),
        }
    }

    /// Adds a problem, stamping it with this file's path.
    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        diagnostic.path.clone_from(&self.path);
        self.items.push(diagnostic);
    }

    /// Appends the problems of another list of the same file.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Moves every problem `lines` lines down (for rows read out of a larger file).
    pub fn shift_lines(&mut self, lines: u64) {
        for item in &mut self.items {
            item.line += lines;
        }
    }

    /// The problems found on `line` so far, latest first (rows are checked one after the
    /// other, so a row's problems are the last ones pushed).
    pub fn latest_on(&self, line: u64) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .rev()
            .take_while(move |diagnostic| diagnostic.line == line)
    }

    /// True if nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems sorted by line (stable, so a row's problems keep column order).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| d.line);
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_in_messages_with_their_length() {
        assert_eq!(quoted("a\tb"), "\"a\\tb\"");
        let sixty = "é".repeat(60);
        assert_eq!(quoted(&sixty), format!("\"{sixty}\""));
        assert_eq!(shown(&sixty), sixty);
        // Characters, not bytes, are counted: the cut falls between two é.
        let long = format!("{sixty}é\u{1}");
        assert_eq!(quoted(&long), format!("\"{sixty}\"… (62 characters)"));
        assert_eq!(
            shown(&"7".repeat(10_000_000)),
            format!("{}… (10,000,000 characters)", "7".repeat(60))
        );
    }

    #[test]
    fn long_lists_of_choices_end_with_how_many_more() {
        let keys: Vec<String> = (1..=24).map(|i| format!("k{i}")).collect();
        assert_eq!(listed(&keys[..2], 2), "k1, k2");
        assert_eq!(listed(&keys, 24), keys.join(", "));
        // Only the first 24 are read: the rest are given by their count.
        let many = (1..=200_001).map(|i| format!("k{i}"));
        assert_eq!(
            listed(many, 200_001),
            format!("{}, and 199,977 more", keys.join(", "))
        );
    }
}
