//! Every value of a TOML document that does not fit its type, not only the first. Serde stops
//! at the first bad value, so a `topic.toml` with two (`kind = "therapy"` in one question and
//! `downgrade = "one"` in a `[[certainty]]` entry) was reported one run at a time. Here each
//! value is deserialised alone: in a copy of the document that holds only that value and the
//! tables and arrays around it, kept with their places, so serde's error points where the
//! value is. Keys the type lacks ("missing field") are left to
//! [`Places::missing`](super::toml_places::Places::missing), which names every one at once.

use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::registry::toml_places::Step;
use toml::de::{DeArray, DeTable, DeValue, ValueDeserializer};

/// A value that does not fit: where it is and serde's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Byte offset of the value (or key) in the text, when serde gives one.
    pub at: Option<usize>,
    /// What serde says.
    pub message: String,
}

/// The values of a document that fit, and those that do not.
#[derive(Debug, Clone)]
pub struct CheckedValues<'r, 'i> {
    /// The errors of the values that do not fit, in file order, each once.
    pub errors: Vec<ValueError>,
    /// The document without those values (tables and arrays of tables kept, even if emptied).
    pub fitting: Spanned<DeTable<'i>>,
    /// Where each value left out was (keys from the document's root; array elements by
    /// position).
    pub left_out: Vec<Vec<Step<'r>>>,
}

/// The errors of every value of `root` deserialised as part of a `T`, in file order, each
/// once. Empty when every value fits (the document may still lack required keys).
pub fn value_errors<T: DeserializeOwned>(root: &Spanned<DeTable<'_>>) -> Vec<ValueError> {
    check_values::<T>(root).errors
}

/// Each value of `root` deserialised as part of a `T`, alone: the errors of those that do not
/// fit (see [`value_errors`]), and the document without them, for the checks that need the
/// rest of a document that does not deserialise.
pub fn check_values<'r, 'i, T: DeserializeOwned>(
    root: &'r Spanned<DeTable<'i>>,
) -> CheckedValues<'r, 'i> {
    let mut errors = Vec::new();
    let mut left_out = Vec::new();
    let mut path = Vec::new();
    let fitting = fitting_entries(
        root.get_ref(),
        root.span(),
        &|value| value,
        &mut path,
        &mut |document| match T::deserialize(ValueDeserializer::from(document)) {
            Err(err) if !err.message().starts_with("missing field") => {
                errors.push(ValueError {
                    at: err.span().map(|span| span.start),
                    message: err.message().trim().to_string(),
                });
                false
            }
            _ => true,
        },
        &mut left_out,
    );
    errors.sort_by(|a, b| (a.at, &a.message).cmp(&(b.at, &b.message)));
    errors.dedup();
    CheckedValues {
        errors,
        fitting: Spanned::new(root.span(), fitting),
        left_out,
    }
}

/// `table` (at `span`, at `path`) without the values that `fits` refuses, each given in a copy
/// of the table that holds only it, which `wrap` puts in the document; the paths of those
/// refused go to `left_out`.
fn fitting_entries<'r, 'i>(
    table: &'r DeTable<'i>,
    span: std::ops::Range<usize>,
    wrap: &dyn Fn(Spanned<DeValue<'i>>) -> Spanned<DeValue<'i>>,
    path: &mut Vec<Step<'r>>,
    fits: &mut dyn FnMut(Spanned<DeValue<'i>>) -> bool,
    left_out: &mut Vec<Vec<Step<'r>>>,
) -> DeTable<'i> {
    let mut kept = DeTable::new();
    for (key, child) in table.iter() {
        let within = |inner| {
            let mut only = DeTable::new();
            only.insert(key.clone(), inner);
            wrap(Spanned::new(span.clone(), DeValue::Table(only)))
        };
        path.push(Step::Key(key.get_ref()));
        if let Some(child) = fitting_value(child, &within, path, fits, left_out) {
            kept.insert(key.clone(), child);
        }
        path.pop();
    }
    kept
}

/// `value` (at `path`) without what `fits` refuses: a table's entries and the elements of an
/// array of tables, recursively; anything else, or an empty table or array, is a value, given
/// to `fits` in the document `wrap` builds around it and kept if it fits.
fn fitting_value<'r, 'i>(
    value: &'r Spanned<DeValue<'i>>,
    wrap: &dyn Fn(Spanned<DeValue<'i>>) -> Spanned<DeValue<'i>>,
    path: &mut Vec<Step<'r>>,
    fits: &mut dyn FnMut(Spanned<DeValue<'i>>) -> bool,
    left_out: &mut Vec<Vec<Step<'r>>>,
) -> Option<Spanned<DeValue<'i>>> {
    let span = value.span();
    match value.get_ref() {
        DeValue::Table(table) if !table.is_empty() => {
            let kept = fitting_entries(table, span.clone(), wrap, path, fits, left_out);
            Some(Spanned::new(span, DeValue::Table(kept)))
        }
        DeValue::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|item| matches!(item.get_ref(), DeValue::Table(_))) =>
        {
            let mut kept = DeArray::new();
            for (i, item) in items.iter().enumerate() {
                let within = |inner| {
                    let mut only = DeArray::new();
                    only.push(inner);
                    wrap(Spanned::new(span.clone(), DeValue::Array(only)))
                };
                path.push(Step::Index(i));
                // An element is a table: never refused whole, so positions stay as written.
                if let Some(item) = fitting_value(item, &within, path, fits, left_out) {
                    kept.push(item);
                }
                path.pop();
            }
            Some(Spanned::new(span, DeValue::Array(kept)))
        }
        _ if fits(wrap(value.clone())) => Some(value.clone()),
        _ => {
            left_out.push(path.clone());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Document {
        name: String,
        entries: std::collections::BTreeMap<String, Entry>,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Entry {
        label: String,
        size: u8,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        count: u8,
    }

    fn errors(text: &str) -> Vec<(usize, String)> {
        let lines = crate::registry::toml_places::LineIndex::of(text);
        value_errors::<Document>(&DeTable::parse(text).unwrap())
            .into_iter()
            .map(|e| {
                let at = e.at.unwrap();
                (
                    at,
                    format!("{} @ {}", e.message, &text[at..(at + 3).min(text.len())]),
                )
            })
            .map(|(at, m)| (lines.line_column(at).0, m))
            .collect()
    }

    #[test]
    fn every_bad_value_is_found_where_it_is() {
        // Serde alone stops at line 3; lines 5, 6, 8 and 10 are as wrong.
        let text = "name = \"n\"\n[entries.a]\nlabel = 5\nsize = 1\nextra = 1\n[entries.b]\n\
                    size = 300\nlabel = [1]\n[[items]]\ncount = 1\n[[items]]\ncount = \"two\"\n";
        assert!(toml::from_str::<Document>(text).is_err());
        let found = errors(text);
        let lines: Vec<usize> = found.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [3, 5, 7, 8, 12], "{found:?}");
        assert!(
            found[0]
                .1
                .starts_with("invalid type: integer `5`, expected a string @ 5")
        );
        assert!(found[1].1.starts_with("unknown field `extra`"), "{found:?}");
        assert!(found[2].1.contains("300"), "{found:?}");
        assert!(found[4].1.ends_with("@ \"tw"), "{found:?}");
    }

    #[test]
    fn a_document_whose_values_all_fit_has_none_even_with_keys_missing() {
        let text = "[entries.a]\nlabel = \"x\"\n[[items]]\ncount = 3\n";
        assert!(toml::from_str::<Document>(text).is_err());
        assert_eq!(errors(text), []);
    }

    #[test]
    fn a_table_where_a_value_belongs_is_one_error() {
        let text = "name = { first = \"n\" }\nentries = 3\n";
        let found = errors(text);
        assert_eq!(
            found,
            [
                (1, "invalid type: map, expected a string @ { f".to_string()),
                (
                    2,
                    "invalid type: integer `3`, expected a map @ 3\n".to_string()
                ),
            ]
        );
    }
}
