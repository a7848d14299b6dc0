//! What a reviewer meant by a value that is not a key: the key written another way ("RLS
//! severity", "RLS-Severity" for `rls_severity`; "RCT" for `rct`), or a topic key's label
//! ("Sleep quality" for `sleep_quality`). A message that says "did you mean" is a fix; a list of
//! every key is a search, and with thousands of keys not even that.

use std::collections::HashMap;

/// The kinds of key a topic defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `[questions.<key>]`.
    Question,
    /// `[forms]` (and `not_applicable`).
    Form,
    /// `[outcomes]`.
    Outcome,
}

/// `text` as a key would spell it: lowercase, each run of characters other than letters and
/// digits one `_`, none at either end ("RLS symptoms (any measure)" → `rls_symptoms_any_measure`).
pub fn normalised(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// A topic's keys by their labels, normalised: built once, the first time a row names a key
/// the topic lacks, so a registry of a million such rows pays for one pass over the labels.
#[derive(Debug, Clone, Default)]
pub struct LabelIndex {
    keys: HashMap<(KeyKind, String), usize>,
}

impl LabelIndex {
    /// The index of `labels` of each kind (each label with its key's position); where two
    /// labels read alike, the first is kept.
    pub fn of<'a>(labels: impl IntoIterator<Item = (KeyKind, usize, &'a str)>) -> LabelIndex {
        let mut keys = HashMap::new();
        for (kind, position, label) in labels {
            keys.entry((kind, normalised(label))).or_insert(position);
        }
        LabelIndex { keys }
    }

    /// The position of the key of `kind` whose label reads as `wanted` (already normalised).
    pub fn position(&self, kind: KeyKind, wanted: &str) -> Option<usize> {
        self.keys.get(&(kind, wanted.to_string())).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_normalised_as_keys_are_written() {
        assert_eq!(
            normalised("RLS symptoms (any measure)"),
            "rls_symptoms_any_measure"
        );
        assert_eq!(normalised("  Sleep-Quality "), "sleep_quality");
        assert_eq!(normalised("RCT"), "rct");
        assert_eq!(normalised("case_report"), "case_report");
        assert_eq!(normalised("Ésclérose  en plaques"), "ésclérose_en_plaques");
        assert_eq!(normalised("--"), "");
    }

    #[test]
    fn labels_find_their_keys_and_the_first_of_two_alike_wins() {
        let index = LabelIndex::of([
            (KeyKind::Outcome, 0, "Sleep quality"),
            (KeyKind::Outcome, 1, "Sleep-quality"),
            (KeyKind::Form, 0, "Sleep quality"),
        ]);
        assert_eq!(index.position(KeyKind::Outcome, "sleep_quality"), Some(0));
        assert_eq!(index.position(KeyKind::Form, "sleep_quality"), Some(0));
        assert_eq!(index.position(KeyKind::Question, "sleep_quality"), None);
    }
}
