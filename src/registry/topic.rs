//! `topic.toml`: what a topic's questions, forms and outcomes mean.

use std::path::Path;
use std::sync::OnceLock;

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use crate::error::Error;
use crate::model::{Direction, QuestionKind};
use crate::registry::control;
use crate::registry::diagnostic::quoted;
use crate::registry::key_hints::{Entry, KeyIndex, KeyKind, normalised};
use crate::registry::toml_places::{LineIndex, MissingKeys, Part, Places, Required, Step};
use crate::registry::toml_values::{CheckedValues, ValueError, check_values};

/// The form key every topic accepts, for rows where no intervention or exposure form applies.
pub const FORM_NOT_APPLICABLE: &str = "not_applicable";

/// A topic's keyed entries, in file order. Hashed with foldhash: the reader and the frame look
/// a question, form and outcome up for every row.
pub type KeyMap<V> = IndexMap<String, V, foldhash::fast::RandomState>;

/// A topic as described by its `topic.toml`. Maps keep the file's order, which is the order
/// reports list questions, forms and outcomes in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Human title, e.g. "Magnesium for restless legs syndrome".
    pub title: String,
    /// One paragraph on the topic's scope.
    #[serde(default)]
    pub description: String,
    /// The date the registry was last brought up to date (shown on every chart), `YYYY-MM-DD`:
    /// a string, or a TOML date (`as_of = 2026-11-22`) kept as its text.
    #[serde(deserialize_with = "date_text")]
    pub as_of: String,
    /// The questions findings answer, by key.
    pub questions: KeyMap<Question>,
    /// Labels of intervention or exposure forms, by key.
    #[serde(default)]
    pub forms: KeyMap<String>,
    /// Labels of outcome domains, by key.
    pub outcomes: KeyMap<String>,
    /// Reviewers' certainty judgements that replace the computed ones.
    #[serde(default)]
    pub certainty: Vec<CertaintyOverride>,
    /// Keys by their labels and near spellings, built the first time a row names a key the
    /// topic lacks.
    #[serde(skip)]
    hints: OnceLock<KeyIndex>,
}

/// A GRADE domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Risk of bias.
    RiskOfBias,
    /// Inconsistency.
    Inconsistency,
    /// Indirectness.
    Indirectness,
    /// Imprecision.
    Imprecision,
    /// Publication bias.
    PublicationBias,
}

impl Domain {
    /// The domain's name.
    pub fn label(self) -> &'static str {
        match self {
            Domain::RiskOfBias => "Risk of bias",
            Domain::Inconsistency => "Inconsistency",
            Domain::Indirectness => "Indirectness",
            Domain::Imprecision => "Imprecision",
            Domain::PublicationBias => "Publication bias",
        }
    }
}

/// `[[certainty]]` in topic.toml: a reviewer's judgement of one domain, with the reason shown
/// in the report's footnotes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertaintyOverride {
    /// Question key.
    pub question: String,
    /// Outcome key; absent = every outcome of the question.
    pub outcome: Option<String>,
    /// The domain judged.
    pub domain: Domain,
    /// Levels down: 0, 1 or 2.
    pub downgrade: u8,
    /// Why (required: a judgement without a reason is not shown).
    pub reason: String,
}

/// One question of a topic, with the hypothesis that directions are coded against.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question in plain words.
    pub label: String,
    /// Intervention or association: never pooled together.
    pub kind: QuestionKind,
    /// The hypothesis a `positive` direction supports.
    pub hypothesis: String,
    /// What `positive` reads as for this question ("benefit", "Mg lower in RLS").
    pub positive: String,
    /// What `negative` reads as ("harm", "Mg higher in RLS").
    pub negative: String,
}

impl Question {
    /// How a direction reads for this question.
    pub fn direction_label(&self, direction: Direction) -> &str {
        match direction {
            Direction::Positive => &self.positive,
            Direction::Negative => &self.negative,
            Direction::None => "no difference",
            Direction::Conflicting => "conflicting",
        }
    }
}

impl Topic {
    /// Reads and checks a `topic.toml`.
    pub fn load(path: &Path) -> Result<Topic, Error> {
        let text = crate::registry::ensure_plain_file(path)
            .and_then(|()| std::fs::read_to_string(path))
            .map_err(|source| Error::topic_file(path, "read", source))?;
        Topic::parse(&text, path)
    }

    /// Parses `topic.toml` text; `path` names the file in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Topic, Error> {
        let topic: Topic = toml::from_str(text).map_err(|err| Error::Topic {
            path: path.to_path_buf(),
            message: describe_parse_failure(text, &err),
        })?;
        let problems = topic.problems();
        if problems.is_empty() {
            return Ok(topic);
        }
        // In file order, as the registry's problems are.
        let places = Places::of(text);
        let mut placed: Vec<_> = problems
            .iter()
            .map(|problem| problem.placed(&places))
            .collect();
        placed.sort_by_key(|(at, _)| *at);
        let message = placed
            .into_iter()
            .map(|(_, message)| message)
            .collect::<Vec<_>>()
            .join("\n");
        Err(Error::Topic {
            path: path.to_path_buf(),
            message,
        })
    }

    fn problems(&self) -> Vec<Problem<'_>> {
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

    /// The texts that name something in the reports (title, question wording, form and outcome
    /// labels), which must not be empty, by where they are in `topic.toml`.
    pub fn labels(&self) -> Vec<(String, &str)> {
        self.placed_labels()
            .into_iter()
            .map(|label| (label.name, label.text))
            .collect()
    }

    /// [`Topic::labels`] with their paths in `topic.toml`.
    fn placed_labels(&self) -> Vec<PlacedText<'_>> {
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

    /// True if `form` is a form key of this topic or `not_applicable`.
    pub fn has_form(&self, form: &str) -> bool {
        self.form_index(form).is_some()
    }

    /// The key of `kind` that `text` names in other words, for a message's "did you mean":
    /// the key written with other case, spaces or dashes ("RLS severity" for `rls_severity`),
    /// the key's label ("Sleep quality" for `sleep_quality`), or the key with one typo
    /// (`severty`).
    pub fn meant_key(&self, kind: KeyKind, text: &str) -> Option<&str> {
        let hints = self.hints.get_or_init(|| self.key_index());
        hints.meant(kind, &normalised(text))
    }

    /// Every question, form and outcome key with its label, each kind in its order here.
    fn key_index(&self) -> KeyIndex {
        let entry = Entry::labelled;
        let questions = (self.questions.iter()).map(|(k, q)| entry(KeyKind::Question, k, &q.label));
        let forms = (self.forms.iter()).map(|(k, l)| entry(KeyKind::Form, k, l));
        let not_applicable = Entry {
            kind: KeyKind::Form,
            key: FORM_NOT_APPLICABLE,
            label: None,
        };
        let outcomes = (self.outcomes.iter()).map(|(k, l)| entry(KeyKind::Outcome, k, l));
        KeyIndex::of(
            questions
                .chain(forms)
                .chain([not_applicable])
                .chain(outcomes),
        )
    }

    /// The position of a key of `kind` in its table (forms in [`Topic::form_keys`] order,
    /// `not_applicable` last); `None` for a key the topic does not define.
    #[inline]
    pub fn key_position(&self, kind: KeyKind, key: &str) -> Option<usize> {
        match kind {
            KeyKind::Question => self.questions.get_index_of(key),
            KeyKind::Form => self.form_index(key),
            KeyKind::Outcome => self.outcomes.get_index_of(key),
        }
    }

    /// The keys of `kind` as a message lists them (the first few, then how many more).
    pub fn listed_keys(&self, kind: KeyKind) -> String {
        use crate::registry::diagnostic::listed;
        match kind {
            KeyKind::Question => listed(self.questions.keys(), self.questions.len()),
            KeyKind::Form => listed(self.form_keys(), self.forms.len() + 1),
            KeyKind::Outcome => listed(self.outcomes.keys(), self.outcomes.len()),
        }
    }

    /// The position of a form key in [`Topic::form_keys`] order (`not_applicable` last).
    pub fn form_index(&self, form: &str) -> Option<usize> {
        if form == FORM_NOT_APPLICABLE {
            Some(self.forms.len())
        } else {
            self.forms.get_index_of(form)
        }
    }

    /// The label of a form key (the key itself for `not_applicable` or unknown keys).
    pub fn form_label<'a>(&'a self, form: &'a str) -> &'a str {
        match self.forms.get(form) {
            Some(label) => label,
            None if form == FORM_NOT_APPLICABLE => "not applicable",
            None => form,
        }
    }

    /// The label of an outcome key.
    pub fn outcome_label<'a>(&'a self, outcome: &'a str) -> &'a str {
        self.outcomes.get(outcome).map_or(outcome, String::as_str)
    }

    /// Form keys accepted in the registry, in file order, `not_applicable` last.
    pub fn form_keys(&self) -> Vec<&str> {
        self.forms
            .keys()
            .map(String::as_str)
            .chain(std::iter::once(FORM_NOT_APPLICABLE))
            .collect()
    }
}

/// A problem of a `topic.toml` that parsed, and where in it.
struct Problem<'t> {
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
struct PlacedText<'t> {
    name: String,
    path: Vec<Step<'t>>,
    text: &'t str,
}

/// True for `[a-z0-9_]+`.
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// True for a calendar date written `YYYY-MM-DD` (2024-02-29 yes, 2026-02-29 and 2026-04-31 no).
fn is_iso_date(text: &str) -> bool {
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

/// A date field as text: a TOML string as written, or a TOML date (`2026-11-22`) as its text
/// (a date with a time or offset then fails [`is_iso_date`] with the usual message).
fn date_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct DateText;
    impl<'de> serde::de::Visitor<'de> for DateText {
        type Value = String;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a date such as \"2026-11-22\"")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<String, E> {
            Ok(text.to_string())
        }

        fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<String, M::Error> {
            let date = toml::value::Datetime::deserialize(
                serde::de::value::MapAccessDeserializer::new(map),
            )?;
            Ok(date.to_string())
        }
    }
    deserializer.deserialize_any(DateText)
}

/// The keys `topic.toml` must have, where they must be: what serde requires of [`Topic`],
/// [`Question`] and [`CertaintyOverride`] (a test checks the two agree), so that every missing
/// key is named at once instead of serde's first.
const REQUIRED: Required<'static> = Required {
    root: &["title", "as_of", "questions", "outcomes"],
    each_entry_of: &[(
        "questions",
        &["label", "kind", "hypothesis", "positive", "negative"],
    )],
    each_element_of: &[("certainty", &["question", "domain", "downgrade", "reason"])],
};

/// Why `text` did not deserialise: every required key that is missing (each at the table that
/// lacks it) and every value that does not fit its type, in file order.
fn describe_parse_failure(text: &str, err: &toml::de::Error) -> String {
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
    problems.sort_by_key(|(at, _)| *at);
    problems
        .into_iter()
        .map(|(_, message)| message)
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
title = "T"
as_of = "2026-01-31"
[questions.treatment]
label = "Does X help?"
kind = "intervention"
hypothesis = "X reduces symptoms"
positive = "benefit"
negative = "harm"
[forms]
citrate = "Citrate"
[outcomes]
severity = "Severity"
"#;

    #[test]
    fn control_characters_in_labels_are_named_by_key() {
        let text = MINIMAL
            .replace(
                "label = \"Does X help?\"",
                "label = \"Does X\\u001b[2J help?\"",
            )
            .replace("Severity", "Sev\\u0000erity")
            .replace(
                "title = \"T\"",
                "title = \"T\"\ndescription = \"\"\"Two\n\tlines\"\"\"",
            );
        let Err(Error::Topic { message, .. }) = Topic::parse(&text, Path::new("topic.toml")) else {
            panic!("control characters accepted");
        };
        // Each problem is at its value: the label on line 7 (after the two-line description),
        // column 9 after `label = `; the outcome on line 15, after `severity = `.
        let places: Vec<(&str, &str)> = message
            .lines()
            .map(|line| {
                let mut parts = line.split(": ");
                (parts.next().unwrap(), parts.next().unwrap())
            })
            .collect();
        assert_eq!(
            places,
            [
                ("7:9", "questions.treatment.label"),
                ("15:12", "outcomes.severity")
            ],
            "{message}"
        );
        assert!(
            message.contains("U+001B (ESC) at character 7;"),
            "{message}"
        );
    }

    #[test]
    fn labels_the_reports_show_must_not_be_empty() {
        let text = MINIMAL
            .replace("title = \"T\"", "title = \" \"")
            .replace("positive = \"benefit\"", "positive = \"\"")
            .replace("Citrate", "");
        let Err(Error::Topic { message, .. }) = Topic::parse(&text, Path::new("topic.toml")) else {
            panic!("empty labels accepted");
        };
        // MINIMAL's lines counted by hand: the title on line 2, `positive` on line 8, the
        // form on line 11; each problem points at the value, after `key = `.
        assert_eq!(
            message,
            "2:9: title: is empty; write the words the reports show for it\n\
             8:12: questions.treatment.positive: is empty; write the words the reports show for it\n\
             11:11: forms.citrate: is empty; write the words the reports show for it"
        );
        // The description may be left out or empty.
        assert!(
            Topic::parse(
                &MINIMAL.replace("title = \"T\"", "title = \"T\"\ndescription = \"\""),
                Path::new("topic.toml")
            )
            .is_ok()
        );
    }

    /// Every key of a full topic.toml, removed in turn: serde fails on it exactly when
    /// [`REQUIRED`] lists it for its table, so the list of missing keys agrees with serde.
    #[test]
    fn the_required_keys_are_the_ones_serde_requires() {
        let full = MINIMAL.replace("title = \"T\"", "title = \"T\"\ndescription = \"D\"")
            + "[[certainty]]\nquestion = \"treatment\"\noutcome = \"severity\"\n\
               domain = \"imprecision\"\ndowngrade = 1\nreason = \"R\"\n";
        assert!(toml::from_str::<Topic>(&full).is_ok());
        let lines: Vec<&str> = full.lines().collect();
        let mut table = "";
        let mut checked = 0;
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with('[') {
                table = line;
                continue;
            }
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            let without = [&lines[..i], &lines[i + 1..]].concat().join("\n");
            let serde_requires = toml::from_str::<Topic>(&without)
                .err()
                .is_some_and(|e| e.message() == format!("missing field `{key}`"));
            let listed = match table {
                "" => REQUIRED.root.contains(&key),
                "[questions.treatment]" => REQUIRED.each_entry_of[0].1.contains(&key),
                "[[certainty]]" => REQUIRED.each_element_of[0].1.contains(&key),
                _ => false,
            };
            assert_eq!(serde_requires, listed, "{table} {key}");
            checked += 1;
        }
        assert_eq!(checked, 15);
        // The tables: [outcomes] and [questions] are required, [forms] is not.
        for (header, required) in [("[outcomes]", true), ("[forms]", false)] {
            let start = full.find(header).unwrap();
            let end = full[start + 1..]
                .find('[')
                .map_or(full.len(), |e| start + 1 + e);
            let without = format!("{}{}", &full[..start], &full[end..]);
            let key = &header[1..header.len() - 1];
            let serde_requires = toml::from_str::<Topic>(&without)
                .err()
                .is_some_and(|e| e.message() == format!("missing field `{key}`"));
            assert_eq!(serde_requires, required, "{header}");
            assert_eq!(REQUIRED.root.contains(&key), required, "{header}");
        }
        assert!(REQUIRED.root.contains(&"questions"));
        assert_eq!(REQUIRED.each_entry_of[0].0, "questions");
        assert_eq!(REQUIRED.each_element_of[0].0, "certainty");
    }

    #[test]
    fn every_missing_key_is_named_at_once_at_its_table() {
        let text = "title = \"x\"\n[questions.q]\nlabel = \"L\"\nkind = \"intervention\"\n\
                    [questions.r]\nkind = \"intervention\"\n[outcomes]\no = \"O\"\n\
                    [[certainty]]\nquestion = \"q\"\n";
        let Err(Error::Topic { message, .. }) = Topic::parse(text, Path::new("topic.toml")) else {
            panic!("missing keys accepted");
        };
        let hint = "(studies/README.md describes every key of topic.toml)";
        assert_eq!(
            message,
            format!(
                "1:1: missing field `as_of`; add it {hint}\n\
                 2:12: missing fields `hypothesis`, `positive` and `negative` in [questions.q]; \
                 add them {hint}\n\
                 5:12: missing fields `label`, `hypothesis`, `positive` and `negative` in \
                 [questions.r]; add them {hint}\n\
                 9:1: missing fields `domain`, `downgrade` and `reason` in [[certainty]] #1; \
                 add them {hint}"
            )
        );
        // A problem serde finds first that is not a missing key is kept beside them.
        let text = MINIMAL.replace("kind = \"intervention\"", "kind = \"therapy\"");
        let text = text.replace("label = \"Does X help?\"\n", "");
        let Err(Error::Topic { message, .. }) = Topic::parse(&text, Path::new("topic.toml")) else {
            panic!("a bad kind accepted");
        };
        assert!(
            message.starts_with("4:12: missing field `label` in [questions.treatment]"),
            "{message}"
        );
        assert!(
            message.contains("\n5:8: unknown value \"therapy\""),
            "{message}"
        );
    }

    /// Parses `text`, which must fail, and checks that its message has one line per item of
    /// `starts`, each starting so.
    fn assert_lines_start(text: &str, starts: &[&str]) {
        let Err(Error::Topic { message, .. }) = Topic::parse(text, Path::new("topic.toml")) else {
            panic!("a broken topic accepted");
        };
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), starts.len(), "{message}");
        for (line, start) in lines.iter().zip(starts) {
            assert!(line.starts_with(start), "{start:?} in {message}");
        }
    }

    /// Serde stops at the first value that does not fit; every one is named, with the missing
    /// keys, in file order (lines and columns counted by hand).
    #[test]
    fn every_bad_value_is_named_at_once_beside_the_missing_keys() {
        let text = format!(
            "{MINIMAL}[questions.other]\nlabel = \"O\"\nkind = \"link\"\n[[certainty]]\n\
             question = \"treatment\"\ndomain = \"bias\"\ndowngrade = \"one\"\nreason = \"r\"\n\
             colour = 1\n"
        )
        .replace("kind = \"intervention\"", "kind = \"therapy\"");
        let starts = [
            "6:8: unknown value \"therapy\"",
            "14:12: missing fields `hypothesis`, `positive` and ",
            "16:8: unknown value \"link\"",
            "19:10: unknown variant `bias`",
            "20:13: invalid type: string \"one\", expected u8",
            "22:1: unknown field `colour`",
        ];
        assert_lines_start(&text, &starts);
    }

    /// A large topic with a bad value in each of its 3,000 questions gets all 3,000 messages,
    /// each at its own line, however far past the index's 4 KiB blocks. Each question takes
    /// six lines after the two of the title and date, so question `i`'s kind is on line
    /// `3 + 6 i + 2`; its label of non-ASCII text moves no line.
    #[test]
    fn thousands_of_bad_values_are_each_placed_at_their_line() {
        let mut text = String::from("title = \"T\"\nas_of = \"2026-01-31\"\n");
        for i in 0..3_000 {
            text.push_str(&format!(
                "[questions.q{i}]\nlabel = \"Qué {i} — ✓\"\nkind = \"therapy\"\nhypothesis = \"h\"\n\
                 positive = \"p\"\nnegative = \"n\"\n"
            ));
        }
        text.push_str("[forms]\nc = \"C\"\n[outcomes]\ns = \"S\"\n");
        let Err(Error::Topic { message, .. }) = Topic::parse(&text, Path::new("topic.toml")) else {
            panic!("bad values accepted");
        };
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), 3_000, "{}", lines[0]);
        for (i, line) in lines.iter().enumerate() {
            let at = format!("{}:8: unknown value \"therapy\"", 3 + 6 * i + 2);
            assert!(line.starts_with(&at), "{at:?} for question {i}: {line}");
        }
    }

    /// The checks made after parsing (empty texts, dates, plain keys, `[[certainty]]` entries)
    /// run on the rest of a topic that has bad values and missing keys, so one run names every
    /// problem; what was missing or bad is named once, not again as empty or unknown. Lines and
    /// columns counted by hand.
    #[test]
    fn the_checks_after_parsing_run_beside_bad_values() {
        let text = "title = \"\"\nas_of = \"2026-02-30\"\n\
                    [questions.treatment]\nlabel = \"Does X help?\"\nkind = \"therapy\"\n\
                    hypothesis = \"\"\npositive = \"benefit\"\nnegative = \"harm\"\n\
                    [questions.\"Bad Key\"]\nlabel = \"Q2\"\nkind = \"intervention\"\n\
                    [forms]\nnot_applicable = \"N/A\"\n\
                    [outcomes]\nseverity = \"Severity\"\n\
                    [[certainty]]\nquestion = \"nope\"\ndomain = \"bias\"\ndowngrade = 3\n\
                    reason = \"\"\n";
        let starts = [
            "1:9: title: is empty",
            "2:9: as_of: \"2026-02-30\" is not a date",
            "5:8: unknown value \"therapy\"",
            "6:14: questions.treatment.hypothesis: is empty",
            "9:12: missing fields `hypothesis`, `positive` and `negative` in [questions.Bad Key]",
            "9:12: [questions] key \"Bad Key\" is not a plain key",
            "13:1: [forms] must not define \"not_applicable\"",
            "17:12: [[certainty]] #1: unknown question \"nope\"",
            "18:10: unknown variant `bias`",
            "19:13: [[certainty]] #1: downgrade must be 0, 1 or 2",
            "20:10: [[certainty]] #1: give the reason",
        ];
        assert_lines_start(text, &starts);
    }

    /// When the whole `questions` or `outcomes` entry is bad, the rest is not checked (a topic
    /// without its questions would report every certainty judgement's question as unknown);
    /// a bad `as_of` leaves the rest checked.
    #[test]
    fn a_bad_top_level_entry_is_named_alone() {
        let text = "title = \"T\"\nas_of = \"2026-01-31\"\noutcomes = 3\n\
                    [questions.treatment]\nlabel = \"Q\"\nkind = \"intervention\"\n\
                    hypothesis = \"h\"\npositive = \"p\"\nnegative = \"n\"\n\
                    [[certainty]]\nquestion = \"treatment\"\noutcome = \"severity\"\n\
                    domain = \"imprecision\"\ndowngrade = 1\nreason = \"\"\n";
        let Err(Error::Topic { message, .. }) = Topic::parse(text, Path::new("topic.toml")) else {
            panic!("a broken topic accepted");
        };
        assert!(
            message.starts_with("3:12: invalid type: integer `3`, expected a map"),
            "{message}"
        );
        assert_eq!(message.lines().count(), 1, "{message}");
        let text = MINIMAL
            .replace("as_of = \"2026-01-31\"", "as_of = 5")
            .replace("Severity", "");
        let Err(Error::Topic { message, .. }) = Topic::parse(&text, Path::new("topic.toml")) else {
            panic!("a broken topic accepted");
        };
        assert_eq!(message.lines().count(), 2, "{message}");
        assert!(message.contains("outcomes.severity: is empty"), "{message}");
    }

    #[test]
    fn parses_a_minimal_topic_in_file_order() {
        let topic = Topic::parse(MINIMAL, Path::new("topic.toml")).unwrap();
        assert_eq!(
            topic.questions["treatment"].kind,
            QuestionKind::Intervention
        );
        assert_eq!(topic.form_keys(), vec!["citrate", "not_applicable"]);
        assert!(topic.has_form("not_applicable"));
        assert!(!topic.has_form("oxide"));
    }

    #[test]
    fn reports_unknown_kind_with_line_and_column() {
        let text = MINIMAL.replace("\"intervention\"", "\"therapy\"");
        let err = Topic::parse(&text, Path::new("t/topic.toml")).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with("t/topic.toml:6:8: unknown value \"therapy\""),
            "{shown}"
        );
    }

    /// Calendar checks by hand: 2024 is a leap year, 1900 is not, 2000 is.
    #[test]
    fn dates_are_calendar_dates() {
        for good in [
            "2024-02-29",
            "2000-02-29",
            "2026-04-30",
            "2026-12-31",
            "2026-01-01",
        ] {
            assert!(is_iso_date(good), "{good}");
        }
        for bad in [
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-1-01",
            "2026/01/01",
            "２０２６-01-01",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn a_toml_date_is_taken_as_written_and_a_number_is_named() {
        let text = MINIMAL.replace("as_of = \"2026-01-31\"", "as_of = 2026-01-31");
        let topic = Topic::parse(&text, Path::new("topic.toml")).unwrap();
        assert_eq!(topic.as_of, "2026-01-31");
        let text = MINIMAL.replace("as_of = \"2026-01-31\"", "as_of = 2026-01-31T10:00:00");
        let shown = Topic::parse(&text, Path::new("topic.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains("as_of: \"2026-01-31T10:00:00\" is not a date"),
            "{shown}"
        );
        let text = MINIMAL.replace("as_of = \"2026-01-31\"", "as_of = 20260131");
        let shown = Topic::parse(&text, Path::new("topic.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains(
                "3:9: invalid type: integer `20260131`, expected a date such as \"2026-11-22\""
            ),
            "{shown}"
        );
    }

    #[test]
    fn rejects_bad_dates_and_keys() {
        let text = MINIMAL
            .replace("2026-01-31", "31/01/2026")
            .replace("citrate =", "\"Mg citrate\" =");
        let shown = Topic::parse(&text, Path::new("topic.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains("as_of: \"31/01/2026\" is not a date"),
            "{shown}"
        );
        assert!(
            shown.contains("[forms] key \"Mg citrate\" is not a plain key"),
            "{shown}"
        );
    }
}
