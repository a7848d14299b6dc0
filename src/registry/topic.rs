//! `topic.toml`: what a topic's questions, forms and outcomes mean.

use std::path::Path;
use std::sync::OnceLock;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::Error;
use crate::model::{Direction, QuestionKind};
use crate::registry::key_hints::{Entry, KeyIndex, KeyKind, normalised};
use crate::registry::topic_problems::{describe_parse_failure, in_file_order};

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
        Err(Error::Topic {
            path: path.to_path_buf(),
            message: in_file_order(text, &problems),
        })
    }

    /// The texts that name something in the reports (title, question wording, form and outcome
    /// labels), which must not be empty, by where they are in `topic.toml`.
    pub fn labels(&self) -> Vec<(String, &str)> {
        self.placed_labels()
            .into_iter()
            .map(|label| (label.name, label.text))
            .collect()
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
            KeyKind::Form => {
                let keys = self.form_keys();
                listed(&keys, keys.len())
            }
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

/// True for `[a-z0-9_]+`.
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A date field as text: a TOML string as written, or a TOML date (`2026-11-22`) as its text
/// (a date with a time or offset then fails the date check, `topic_problems::is_iso_date`,
/// with the usual message).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::topic_problems::{REQUIRED, is_iso_date};

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
