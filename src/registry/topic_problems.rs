//! The problems of a `topic.toml`, each named with its line and column: why a file did not
//! deserialise (every missing key at the table that lacks it, every value of the wrong type),
//! and what is wrong in one that did (empty tables, keys that are not plain, dates that are not
//! dates, certainty judgements about unknown questions, empty labels, control characters).

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use crate::registry::control;
use crate::registry::diagnostic::quoted;
use crate::registry::toml_places::{LineIndex, MissingKeys, Part, Places, Required, Step};
use crate::registry::toml_values::{CheckedValues, ValueError, check_values};
use crate::registry::topic::{FORM_NOT_APPLICABLE, Topic, is_slug};

impl Topic {
    /// What is wrong in a topic that deserialised, each problem with where it is.
    pub(super) fn problems(&self) -> Vec<Problem<'_>> {
        let mut problems = Vec::new();
        if self.questions.is_empty() {
            problems.push(Problem::on_key(
                vec![Step::Key("questions")],
                "[questions] is empty; add at least one question".to_string(),
            ));
        }
        if self.outcomes.is_empty() {
            problems.push(Problem::on_key(
                vec![Step::Key("outcomes")],
                "[outcomes] is empty; add at least one outcome".to_string(),
            ));
        }
        if !is_iso_date(&self.as_of) {
            problems.push(Problem::on_value(
                vec![Step::Key("as_of")],
                format!(
                    "as_of: {} is not a date; write a day of the calendar as YYYY-MM-DD",
                    quoted(&self.as_of)
                ),
            ));
        }
        let keys = self
            .questions
            .keys()
            .map(|k| ("questions", k))
            .chain(self.forms.keys().map(|k| ("forms", k)))
            .chain(self.outcomes.keys().map(|k| ("outcomes", k)));
        for (table, key) in keys {
            if !is_slug(key) {
                problems.push(Problem::on_key(
                    vec![Step::Key(table), Step::Key(key)],
                    format!(
                        "[{table}] key {} is not a plain key; use lowercase letters, digits and _",
                        quoted(key)
                    ),
                ));
            }
        }
        for (i, o) in self.certainty.iter().enumerate() {
            let field = |name| vec![Step::Key("certainty"), Step::Index(i), Step::Key(name)];
            if !self.questions.contains_key(&o.question) {
                problems.push(Problem::on_value(
                    field("question"),
                    format!(
                        "[[certainty]] #{}: unknown question {}",
                        i + 1,
                        quoted(&o.question)
                    ),
                ));
            }
            if let Some(outcome) = &o.outcome
                && !self.outcomes.contains_key(outcome)
            {
                problems.push(Problem::on_value(
                    field("outcome"),
                    format!(
                        "[[certainty]] #{}: unknown outcome {}",
                        i + 1,
                        quoted(outcome)
                    ),
                ));
            }
            if o.downgrade > 2 {
                problems.push(Problem::on_value(
                    field("downgrade"),
                    format!("[[certainty]] #{}: downgrade must be 0, 1 or 2", i + 1),
                ));
            }
            if o.reason.trim().is_empty() {
                problems.push(Problem::on_value(
                    field("reason"),
                    format!(
                        "[[certainty]] #{}: give the reason for the judgement",
                        i + 1
                    ),
                ));
            }
        }
        let labels = self.placed_labels();
        for text in labels.iter().chain(&self.free_texts()) {
            if let Some(problem) = control::problem(text.text) {
                problems.push(Problem::on_value(
                    text.path.clone(),
                    format!("{}: {problem}", text.name),
                ));
            }
        }
        for label in &labels {
            if label.text.trim().is_empty() {
                problems.push(Problem::on_value(
                    label.path.clone(),
                    format!(
                        "{}: is empty; write the words the reports show for it",
                        label.name
                    ),
                ));
            }
        }
        if self.forms.contains_key(FORM_NOT_APPLICABLE) {
            problems.push(Problem::on_key(
                vec![Step::Key("forms"), Step::Key(FORM_NOT_APPLICABLE)],
                format!(
                    "[forms] must not define {FORM_NOT_APPLICABLE:?}: every topic accepts it already"
                ),
            ));
        }
        problems
    }

    /// The texts the reports show besides the [`Topic::labels`] (the description and the
    /// reasons of certainty judgements), which may be empty.
    fn free_texts(&self) -> Vec<PlacedText<'_>> {
        let mut texts = vec![PlacedText {
            name: "description".to_string(),
            path: vec![Step::Key("description")],
            text: &self.description,
        }];
        for (i, o) in self.certainty.iter().enumerate() {
            texts.push(PlacedText {
                name: format!("[[certainty]] #{} reason", i + 1),
                path: vec![Step::Key("certainty"), Step::Index(i), Step::Key("reason")],
                text: &o.reason,
            });
        }
        texts
    }

    /// [`Topic::labels`] with their paths in `topic.toml`.
    pub(super) fn placed_labels(&self) -> Vec<PlacedText<'_>> {
        let mut texts = vec![PlacedText {
            name: "title".to_string(),
            path: vec![Step::Key("title")],
            text: &self.title,
        }];
        for (key, q) in &self.questions {
            for (field, text) in [
                ("label", &q.label),
                ("hypothesis", &q.hypothesis),
                ("positive", &q.positive),
                ("negative", &q.negative),
            ] {
                texts.push(PlacedText {
                    name: format!("questions.{key}.{field}"),
                    path: vec![Step::Key("questions"), Step::Key(key), Step::Key(field)],
                    text,
                });
            }
        }
        for (table, labels) in [("forms", &self.forms), ("outcomes", &self.outcomes)] {
            for (key, label) in labels {
                texts.push(PlacedText {
                    name: format!("{table}.{key}"),
                    path: vec![Step::Key(table), Step::Key(key)],
                    text: label,
                });
            }
        }
        texts
    }
}

/// `problems` of the topic written as `text`, as one message: each as `line:column: message`,
/// in file order, as the registry's problems are.
pub(super) fn in_file_order(text: &str, problems: &[Problem<'_>]) -> String {
    let places = Places::of(text);
    in_order(
        problems
            .iter()
            .map(|problem| problem.placed(&places))
            .collect(),
    )
}

/// Placed messages as one message, a line each, in file order (those without a place first).
fn in_order(mut placed: Vec<((usize, usize), String)>) -> String {
    placed.sort_by_key(|(at, _)| *at);
    placed
        .into_iter()
        .map(|(_, message)| message)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A problem of a `topic.toml` that parsed, and where in it.
pub(super) struct Problem<'t> {
    /// The entry it is about.
    path: Vec<Step<'t>>,
    /// Whether the entry's key or its value is wrong.
    part: Part,
    /// What is wrong and the fix, after the entry's name.
    message: String,
}

impl<'t> Problem<'t> {
    fn on_key(path: Vec<Step<'t>>, message: String) -> Problem<'t> {
        Problem {
            path,
            part: Part::Key,
            message,
        }
    }

    /// The problem as `line:column: message`, with its place (`(0, 0)` where the document
    /// has none, which sorts first).
    fn placed(&self, places: &Places<'_>) -> ((usize, usize), String) {
        at_place(places.line_column(&self.path, self.part), &self.message)
    }

    fn on_value(path: Vec<Step<'t>>, message: String) -> Problem<'t> {
        Problem {
            path,
            part: Part::Value,
            message,
        }
    }
}

/// A text of the topic, its name in messages and its path in `topic.toml`.
pub(super) struct PlacedText<'t> {
    /// How messages name it.
    pub(super) name: String,
    /// Where it is.
    pub(super) path: Vec<Step<'t>>,
    /// The text.
    pub(super) text: &'t str,
}

/// True for a calendar date written `YYYY-MM-DD` (2024-02-29 yes, 2026-02-29 and 2026-04-31 no).
pub(super) fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !digits {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&day)
}

/// The keys `topic.toml` must have, where they must be: what serde requires of [`Topic`],
/// [`crate::registry::topic::Question`] and [`crate::registry::topic::CertaintyOverride`] (a
/// test checks the two agree), so that every missing key is named at once instead of serde's
/// first.
pub(super) const REQUIRED: Required<'static> = Required {
    root: &["title", "as_of", "questions", "outcomes"],
    each_entry_of: &[(
        "questions",
        &["label", "kind", "hypothesis", "positive", "negative"],
    )],
    each_element_of: &[("certainty", &["question", "domain", "downgrade", "reason"])],
};

/// Why `text` did not deserialise: every required key that is missing (each at the table that
/// lacks it) and every value that does not fit its type, in file order.
pub(super) fn describe_parse_failure(text: &str, err: &toml::de::Error) -> String {
    let places = Places::of(text);
    let mut problems: Vec<((usize, usize), String)> = places
        .missing(&REQUIRED)
        .into_iter()
        .map(
            |MissingKeys {
                 line,
                 column,
                 table,
                 keys,
             }| {
                let within = if table.is_empty() {
                    String::new()
                } else {
                    format!(" in {table}")
                };
                let quoted: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
                let (fields, them) = match quoted.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        (format!("fields {} and {last}", rest.join(", ")), "them")
                    }
                    _ => (format!("field {}", quoted.join("")), "it"),
                };
                let message = format!(
                    "{line}:{column}: missing {fields}{within}; add {them} (studies/README.md \
                 describes every key of topic.toml)"
                );
                ((line, column), message)
            },
        )
        .collect();
    // Every value that does not fit, each where it is (serde's own error names the first),
    // and the problems of the rest of the topic, which the checks after parsing find.
    if let Some(root) = places.root() {
        let checked = check_values::<Topic>(root);
        for ValueError { at, message } in &checked.errors {
            problems.push(placed(places.lines(), *at, message));
        }
        problems.extend(problems_beside_bad_values(&places, checked));
    }
    // Serde's own error, unless one of those already names it: a syntax error, or one only
    // the whole document shows.
    let own = placed(
        places.lines(),
        err.span().map(|span| span.start),
        err.message(),
    );
    let named = err.message().starts_with("missing field") || problems.contains(&own);
    if problems.is_empty() || !named {
        problems.push(own);
    }
    in_order(problems)
}

/// The problems that [`Topic::problems`] finds in the part of a topic that deserialises: the
/// document without its bad values (`checked`), a value of the right type put where a
/// required key is missing or was left out, each placed. Problems with what was put in are
/// not reported (they are the missing key or the bad value, already named), nor any when the
/// whole `questions` or `outcomes` entry is missing or bad, as the checks of the rest would
/// then read a topic much unlike the one written.
fn problems_beside_bad_values(
    places: &Places<'_>,
    checked: CheckedValues<'_, '_>,
) -> Vec<((usize, usize), String)> {
    let CheckedValues {
        fitting, left_out, ..
    } = checked;
    let Some(written) = places.root() else {
        return Vec::new();
    };
    let (span, mut root) = (fitting.span(), fitting.into_inner());
    let mut put_in: Vec<Vec<Step<'_>>> = Vec::new();
    fill_required(&mut root, REQUIRED.root, &[], &mut put_in);
    for (parent, keys) in REQUIRED.each_entry_of {
        // Named by the keys as written (the copy keeps every table, so the same keys).
        let Some(DeValue::Table(written)) = written.get_ref().get(*parent).map(Spanned::get_ref)
        else {
            continue;
        };
        for key in written.keys() {
            let child = root
                .get_mut(*parent)
                .and_then(|children| match children.get_mut() {
                    DeValue::Table(children) => children.get_mut(key.get_ref().as_ref()),
                    _ => None,
                });
            if let Some(DeValue::Table(table)) = child.map(Spanned::get_mut) {
                let at = [Step::Key(parent), Step::Key(key.get_ref())];
                fill_required(table, keys, &at, &mut put_in);
            }
        }
    }
    for (parent, keys) in REQUIRED.each_element_of {
        if let Some(DeValue::Array(elements)) = root.get_mut(*parent).map(Spanned::get_mut) {
            for (i, element) in elements.iter_mut().enumerate() {
                if let DeValue::Table(table) = element.get_mut() {
                    fill_required(
                        table,
                        keys,
                        &[Step::Key(parent), Step::Index(i)],
                        &mut put_in,
                    );
                }
            }
        }
    }
    let changed: std::collections::HashSet<Vec<Step<'_>>> =
        left_out.into_iter().chain(put_in).collect();
    let whole = |key| changed.contains([Step::Key(key)].as_slice());
    if whole("questions") || whole("outcomes") {
        return Vec::new();
    }
    let document = Spanned::new(span, DeValue::Table(root));
    let Ok(topic) = Topic::deserialize(toml::de::ValueDeserializer::from(document)) else {
        return Vec::new();
    };
    topic
        .problems()
        .into_iter()
        .filter(|problem| {
            // Not about anything put in or left out, nor inside it.
            !(1..=problem.path.len()).any(|end| changed.contains(&problem.path[..end]))
        })
        .map(|problem| problem.placed(places))
        .collect()
}

/// Puts a value of the right type under each of `keys` that `table` (at `at`) lacks, and its
/// path in `put_in`.
fn fill_required<'k>(
    table: &mut toml::de::DeTable<'_>,
    keys: &[&'k str],
    at: &[Step<'k>],
    put_in: &mut Vec<Vec<Step<'k>>>,
) {
    for key in keys {
        if table.contains_key(*key) {
            continue;
        }
        let value = match *key {
            "questions" | "outcomes" => DeValue::Table(toml::de::DeTable::new()),
            "as_of" => DeValue::String("2000-01-01".into()),
            "kind" => DeValue::String("intervention".into()),
            "domain" => DeValue::String("risk_of_bias".into()),
            "downgrade" => DeValue::Integer(toml::de::DeInteger::default()),
            _ => DeValue::String("".into()),
        };
        table.insert(
            Spanned::new(0..0, std::borrow::Cow::Owned((*key).to_string())),
            Spanned::new(0..0, value),
        );
        put_in.push(at.iter().copied().chain([Step::Key(key)]).collect());
    }
}

/// A message of serde's at byte `at` of the text, as `line:column: message` with its place.
fn placed(lines: &LineIndex<'_>, at: Option<usize>, message: &str) -> ((usize, usize), String) {
    at_place(at.map(|at| lines.line_column(at)), message.trim())
}

/// `message` as `line:column: message` where its place is known, with the place (`(0, 0)`
/// where it is not).
fn at_place(at: Option<(usize, usize)>, message: &str) -> ((usize, usize), String) {
    match at {
        Some((line, column)) => ((line, column), format!("{line}:{column}: {message}")),
        None => ((0, 0), message.to_string()),
    }
}
