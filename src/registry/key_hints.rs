//! What a reviewer meant by a value that is not a key: the key written another way ("RLS
//! severity", "RLS-Severity" for `rls_severity`; "RCT" for `rct`), a topic key's label
//! ("Sleep quality" for `sleep_quality`), or a topic key with one typo (`severty`). A message
//! that says "did you mean" is a fix; a list of every key is a search, and with thousands of
//! keys not even that.

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

impl KeyKind {
    /// The kind's name in the plural, as messages say it ("forms are defined in topic.toml").
    pub fn plural(self) -> &'static str {
        match self {
            KeyKind::Question => "questions",
            KeyKind::Form => "forms",
            KeyKind::Outcome => "outcomes",
        }
    }
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

/// Topics with more keys of one kind than this get no suggestion for a typo in them: the
/// index of near spellings holds each key once per character.
const MOST_KEYS_FOR_TYPOS: usize = 10_000;

/// A topic's keys by their labels and by their near spellings: built once, the first time a
/// row names a key the topic lacks, so a registry of a million such rows pays for one pass
/// over the topic.
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    kinds: [KindIndex; 3],
}

/// The index of one kind of key.
#[derive(Debug, Clone, Default)]
struct KindIndex {
    /// Each key, by its position.
    keys: Vec<String>,
    /// Each key's position.
    positions: HashMap<String, usize>,
    /// Each label, normalised, with its key's position (the first of two that read alike).
    labels: HashMap<String, usize>,
    /// Each key, and each spelling of it less one character, with the keys' positions (empty
    /// past [`MOST_KEYS_FOR_TYPOS`]).
    near: HashMap<String, Vec<usize>>,
    /// The length of the longest key, in characters.
    longest: usize,
}

/// One key of a topic, for [`KeyIndex::of`].
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// What it keys.
    pub kind: KeyKind,
    /// The key.
    pub key: &'a str,
    /// Its label (`not_applicable` has none).
    pub label: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// A key of `kind` with its label.
    pub fn labelled(kind: KeyKind, key: &'a str, label: &'a str) -> Entry<'a> {
        Entry {
            kind,
            key,
            label: Some(label),
        }
    }
}

impl KeyIndex {
    /// The index of a topic's keys, each kind in its own order.
    pub fn of<'a>(entries: impl IntoIterator<Item = Entry<'a>>) -> KeyIndex {
        let mut index = KeyIndex::default();
        for Entry { kind, key, label } in entries {
            let kind = &mut index.kinds[kind as usize];
            let position = kind.keys.len();
            kind.longest = kind.longest.max(key.chars().count());
            kind.positions.entry(key.to_string()).or_insert(position);
            kind.keys.push(key.to_string());
            if let Some(label) = label {
                kind.labels.entry(normalised(label)).or_insert(position);
            }
        }
        for kind in &mut index.kinds {
            if kind.keys.len() > MOST_KEYS_FOR_TYPOS {
                continue;
            }
            for (position, key) in kind.keys.iter().enumerate() {
                for spelling in std::iter::once(key.clone()).chain(less_one_character(key)) {
                    let positions = kind.near.entry(spelling).or_default();
                    if positions.last() != Some(&position) {
                        positions.push(position);
                    }
                }
            }
        }
        index
    }

    /// The key of `kind` that `wanted` (normalised) names: the key itself, the key whose label
    /// reads so, or the first key one typo from it.
    pub fn meant(&self, kind: KeyKind, wanted: &str) -> Option<&str> {
        let index = &self.kinds[kind as usize];
        let position = (index.positions.get(wanted).copied())
            .or_else(|| self.by_label(kind, wanted))
            .or_else(|| self.one_typo_from(kind, wanted))?;
        Some(index.keys[position].as_str())
    }

    /// The position of the key of `kind` whose label reads as `wanted` (normalised).
    pub fn by_label(&self, kind: KeyKind, wanted: &str) -> Option<usize> {
        self.kinds[kind as usize].labels.get(wanted).copied()
    }

    /// The position of the first key of `kind` one typo from `wanted` (normalised): one
    /// character left out, added, changed, or two next to each other swapped.
    pub fn one_typo_from(&self, kind: KeyKind, wanted: &str) -> Option<usize> {
        let index = &self.kinds[kind as usize];
        // A typo changes the length by one at most (and this bounds the spellings made).
        if index.near.is_empty() || wanted.chars().nth(index.longest + 1).is_some() {
            return None;
        }
        std::iter::once(wanted.to_string())
            .chain(less_one_character(wanted))
            .filter_map(|spelling| index.near.get(&spelling))
            .flatten()
            .copied()
            .filter(|&position| one_typo_apart(wanted, &index.keys[position]))
            .min()
    }
}

/// `text` less each of its characters in turn.
fn less_one_character(text: &str) -> impl Iterator<Item = String> + '_ {
    text.char_indices().map(move |(at, c)| {
        let mut shorter = String::with_capacity(text.len());
        shorter.push_str(&text[..at]);
        shorter.push_str(&text[at + c.len_utf8()..]);
        shorter
    })
}

/// True when `a` and `b` differ by one character left out, added or changed, or by two
/// neighbours swapped (their optimal-string-alignment distance is 1).
pub fn one_typo_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let common_start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[common_start..], &b[common_start..]);
    let common_end = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - common_end], &b[..b.len() - common_end]);
    match (a.len(), b.len()) {
        (1, 0) | (0, 1) | (1, 1) => true,
        (2, 2) => a[0] == b[1] && a[1] == b[0],
        _ => false,
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
        let entry = Entry::labelled;
        let index = KeyIndex::of([
            entry(KeyKind::Outcome, "sleep", "Sleep quality"),
            entry(KeyKind::Outcome, "sleep2", "Sleep-quality"),
            entry(KeyKind::Form, "citrate", "Sleep quality"),
        ]);
        assert_eq!(index.by_label(KeyKind::Outcome, "sleep_quality"), Some(0));
        assert_eq!(index.by_label(KeyKind::Form, "sleep_quality"), Some(0));
        assert_eq!(index.by_label(KeyKind::Question, "sleep_quality"), None);
    }

    #[test]
    fn one_typo_finds_the_first_key_it_could_be() {
        let keys = ["severity", "sleep_quality", "serum_mg", "serum_mh"];
        let index = KeyIndex::of(keys.iter().map(|&key| Entry {
            kind: KeyKind::Outcome,
            key,
            label: None,
        }));
        let meant = |typo| index.one_typo_from(KeyKind::Outcome, typo).map(|p| keys[p]);
        assert_eq!(meant("severty"), Some("severity")); // left out
        assert_eq!(meant("severitty"), Some("severity")); // added
        assert_eq!(meant("sevarity"), Some("severity")); // changed
        assert_eq!(meant("sevreity"), Some("severity")); // swapped
        assert_eq!(meant("sleep_qualty"), Some("sleep_quality"));
        assert_eq!(meant("serum_m"), Some("serum_mg")); // two keys fit: the first
        assert_eq!(meant("svrity"), None); // two typos
        assert_eq!(meant("mood"), None);
        assert_eq!(meant(&"x".repeat(100_000)), None);
        assert_eq!(index.one_typo_from(KeyKind::Form, "severty"), None);
    }

    /// The optimal-string-alignment distance, computed in full: the oracle of the fast test.
    fn distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    /// The fast test against the distance computed in full.
    #[test]
    fn one_typo_apart_is_the_distance_of_one() {
        let words = [
            "", "a", "ab", "ba", "abc", "acb", "bac", "abd", "aab", "abb", "é", "éa",
        ];
        for a in words {
            for b in words {
                assert_eq!(one_typo_apart(a, b), distance(a, b) == 1, "{a:?} {b:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn one_typo_apart_agrees_with_the_full_distance(
            a in "[abé]{0,6}",
            b in "[abé]{0,6}",
        ) {
            proptest::prop_assert_eq!(one_typo_apart(&a, &b), distance(&a, &b) == 1);
        }

        /// The index finds the first key one typo away whenever there is one.
        #[test]
        fn the_index_finds_the_first_key_one_typo_away(
            keys in proptest::collection::vec("[abé]{1,5}", 1..8),
            wanted in "[abé]{0,6}",
        ) {
            let index = KeyIndex::of(keys.iter().map(|key| Entry {
                kind: KeyKind::Outcome,
                key,
                label: None,
            }));
            let first = keys.iter().position(|key| distance(&wanted, key) == 1);
            proptest::prop_assert_eq!(index.one_typo_from(KeyKind::Outcome, &wanted), first);
        }
    }
}
