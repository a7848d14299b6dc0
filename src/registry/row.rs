//! One record to a typed [`Finding`]: each field through its parser, every problem reported
//! with its line and column name, then the checks across a row's fields (sample size by
//! design, effect data).

use crate::model::{Confidence, Design, Direction, EffectMeasure, RiskOfBias, Significance};
use crate::registry::columns::Col;
use crate::registry::control;
use crate::registry::diagnostic::{Diagnostic, Diagnostics, quoted, shown};
use crate::registry::finding::{
    ArmData, EffectData, Finding, PValue, PackedPValue, StoredEffect, parse_plain_number,
};
use crate::registry::header::Header;
use crate::registry::intern::{Interner, StudyText};
use crate::registry::key_hints::{KeyKind, normalised, one_typo_apart};
use crate::registry::key_probe::KeyProbes;
use crate::registry::plain::Fields;
use crate::registry::topic::{Topic, is_slug};

/// Typed parsing of rows against a header and topic (shared by the chunk readers).
pub(super) struct RowParser<'a> {
    /// The file's header.
    pub(super) header: &'a Header,
    /// The topic whose keys the rows use.
    pub(super) topic: &'a Topic,
    /// The topic's keys, found by one probe each ([`KeyProbes`]).
    keys: KeyProbes,
    /// The latest publication year accepted.
    pub(super) this_year: i32,
}

impl<'a> RowParser<'a> {
    /// A parser of rows under `header` naming `topic`'s keys, with years up to `this_year`.
    pub(super) fn new(header: &'a Header, topic: &'a Topic, this_year: i32) -> RowParser<'a> {
        RowParser {
            header,
            topic,
            keys: KeyProbes::of(topic),
            this_year,
        }
    }
}

/// Field access and typed parsing for one row; problems go to `diagnostics`.
struct Row<'r> {
    fields: Fields<'r>,
    /// The whole record as text, when it is valid UTF-8 (checked once, not per field).
    text: Option<&'r str>,
    /// Whether the record holds a forbidden control character (checked once, not per field).
    controls: bool,
    header: &'r Header,
    line: u64,
    diagnostics: &'r mut Diagnostics,
    intern: &'r mut Interner,
    failed: bool,
}

impl<'r> Row<'r> {
    fn fail(&mut self, col: Col, message: String) {
        self.failed = true;
        self.diagnostics
            .push(Diagnostic::column(self.line, col.name(), message));
    }

    /// The trimmed text of a column; `None` when the column is absent, empty, or not UTF-8
    /// (the last reported).
    ///
    /// Inlined into each of the row's forty-odd reads: the common case (an empty field, or
    /// a field of a record known to be valid UTF-8 without control characters) is a few
    /// comparisons; every other case goes to [`Row::checked_text`].
    #[inline]
    fn text(&mut self, col: Col) -> Option<&'r str> {
        let file_col = self.header.index[col as usize]?;
        let range = self.fields.ranges.get(file_col)?.clone();
        // Most of a row's 35 fields are empty.
        if range.is_empty() {
            return None;
        }
        if !self.controls
            && let Some(text) = self.text.and_then(|whole| whole.get(range.clone()))
        {
            let text = trim(text);
            return (!text.is_empty()).then_some(text);
        }
        self.checked_text(col, range)
    }

    /// [`Row::text`] of a non-empty field of a record that holds a control character or is
    /// not valid UTF-8 as a whole: each problem is reported.
    #[inline(never)]
    fn checked_text(&mut self, col: Col, range: std::ops::Range<usize>) -> Option<&'r str> {
        // The record is valid UTF-8 and the field starts and ends on characters.
        if let Some(text) = self.text.and_then(|whole| whole.get(range.clone())) {
            let text = trim(text);
            return self.without_controls(col, text);
        }
        let raw = &self.fields.bytes[range];
        match std::str::from_utf8(raw) {
            Ok(text) => self.without_controls(col, text.trim()),
            Err(err) => {
                let at = err.valid_up_to();
                let message = format!(
                    "invalid UTF-8 (byte 0x{:02X} at byte {} of the field); re-save the file as UTF-8",
                    raw[at],
                    at + 1
                );
                self.fail_once(col, message);
                None
            }
        }
    }

    /// A field's trimmed `text`: `None` when empty, or when it holds a control character
    /// (reported).
    fn without_controls(&mut self, col: Col, text: &'r str) -> Option<&'r str> {
        if text.is_empty() {
            return None;
        }
        if !self.controls {
            return Some(text);
        }
        match control::problem(text) {
            None => Some(text),
            Some(message) => {
                self.fail_once(col, message);
                None
            }
        }
    }

    /// Reports `message` on `col` ([`Row::fail`]) and gives no value.
    fn refuse<T>(&mut self, col: Col, message: String) -> Option<T> {
        self.fail(col, message);
        None
    }

    /// [`Row::fail`], unless this column's problem is already reported (a column is read
    /// again when its value is found missing).
    fn fail_once(&mut self, col: Col, message: String) {
        if !self.failed_on(col) {
            self.fail(col, message);
        }
    }

    /// The text of a required column; an empty value is reported.
    #[inline(always)]
    fn required_text(&mut self, col: Col) -> Option<&'r str> {
        let value = self.text(col);
        if value.is_none() {
            self.missing(col);
        }
        value
    }

    /// Reports `col`'s required value as empty, unless the column is absent (reported with
    /// the header) or its value was reported already.
    #[cold]
    fn missing(&mut self, col: Col) {
        if self.header.index[col as usize].is_some() && !self.failed_on(col) {
            self.fail(col, "required value is empty".to_string());
        }
    }

    /// A required topic key of `kind` (question, form, outcome) and its position in `topic`;
    /// a key the topic does not define is reported with the key meant, else with the keys it
    /// does define.
    #[inline(always)]
    fn key(
        &mut self,
        col: Col,
        (topic, keys): (&Topic, &KeyProbes),
        kind: KeyKind,
    ) -> Option<(usize, &'r str)> {
        let text = self.required_text(col)?;
        match keys.position(topic, kind, text) {
            Some(index) => Some((index, text)),
            None => self.unknown_key(col, topic, kind, text),
        }
    }

    /// Reports `text`, which `topic` does not define as a key of `kind` (see [`Row::key`]).
    #[cold]
    #[inline(never)]
    fn unknown_key<T>(&mut self, col: Col, topic: &Topic, kind: KeyKind, text: &str) -> Option<T> {
        let kinds = kind.plural();
        let message = match topic.meant_key(kind, text) {
            Some(key) => format!(
                "unknown value {}; did you mean \"{key}\"? ({kinds} are defined in topic.toml)",
                quoted(text)
            ),
            None => format!(
                "unknown value {}; expected one of: {} ({kinds} are defined in topic.toml)",
                quoted(text),
                topic.listed_keys(kind)
            ),
        };
        self.refuse(col, message)
    }

    /// True if a problem was already reported in this row's `col` (a value that did not
    /// parse), so checks that need the value do not report it missing as well.
    fn failed_on(&self, col: Col) -> bool {
        let name = col.name();
        self.diagnostics
            .latest_on(self.line)
            .any(|d| d.column.as_deref() == Some(name))
    }

    /// Parses with `parse`; on failure reports `complaint(text)`.
    fn parsed<T>(
        &mut self,
        col: Col,
        parse: impl Fn(&str) -> Option<T>,
        complaint: impl Fn(&str) -> String,
    ) -> Option<T> {
        let text = self.text(col)?;
        match parse(text) {
            Some(value) => Some(value),
            None => self.refuse(col, complaint(text)),
        }
    }

    /// A value of a closed vocabulary (`keys`, parsed by `parse`); one that is not a key is
    /// reported with the key meant ("RCT", "Case report", "cohrt": written another way or
    /// with one typo), else with every key and `also` (how else the column may be left).
    fn enum_value<T>(
        &mut self,
        col: Col,
        parse: fn(&str) -> Option<T>,
        keys: &'static [&'static str],
        also: &str,
    ) -> Option<T> {
        self.parsed(col, parse, |text| {
            let written = normalised(text);
            let meant = (keys.iter())
                .find(|&&key| key == written)
                .or_else(|| keys.iter().find(|key| one_typo_apart(&written, key)));
            match meant {
                Some(key) => format!("unknown value {}; did you mean \"{key}\"?", quoted(text)),
                None => format!(
                    "unknown value {}; expected one of: {}{also}",
                    quoted(text),
                    keys.join(", ")
                ),
            }
        })
    }

    /// A required value of a closed vocabulary ([`Row::enum_value`]); an empty one is reported
    /// as missing.
    fn required_enum<T>(
        &mut self,
        col: Col,
        parse: fn(&str) -> Option<T>,
        keys: &'static [&'static str],
    ) -> Option<T> {
        if self.text(col).is_none() {
            self.required_text(col);
            return None;
        }
        self.enum_value(col, parse, keys, "")
    }

    /// The text of an identifier column (DOI, PMID); one that `valid` refuses is reported as
    /// `"<text>" <complaint>`.
    #[inline(always)]
    fn identifier(
        &mut self,
        col: Col,
        valid: impl Fn(&str) -> bool,
        complaint: &str,
    ) -> Option<&'r str> {
        let text = self.text(col);
        if let Some(text) = text
            && !valid(text)
        {
            self.fail(col, format!("{} {complaint}", quoted(text)));
        }
        text
    }

    fn number(&mut self, col: Col, what: &str, ok: impl Fn(f64) -> bool) -> Option<f64> {
        let text = self.text(col)?;
        match parse_plain_number(text) {
            Some(value) if ok(value) => Some(value),
            Some(_) => self.refuse(
                col,
                format!("{} is out of range; expected {what}", shown(text)),
            ),
            None => self.refuse(
                col,
                format!(
                    "{} is not a number; expected {what} (digits 0-9, . as decimal point)",
                    quoted(text)
                ),
            ),
        }
    }

    /// A whole number >= `min` in `col`; `None` when empty, or when it is not one (reported).
    #[inline(always)]
    fn count(&mut self, col: Col, min: u32) -> Option<u32> {
        // Most count columns are empty in most rows: that case is inlined, the parse is not.
        let text = self.text(col)?;
        self.count_of(col, text, min)
    }

    /// [`Row::count`] of the non-empty `text` of `col`.
    #[inline(never)]
    fn count_of(&mut self, col: Col, text: &str, min: u32) -> Option<u32> {
        let parsed = if text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u32>().ok()
        } else {
            None
        };
        match parsed {
            Some(value) if value >= min => Some(value),
            None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => self.refuse(
                col,
                format!(
                    "{} is too large; the largest count is {}",
                    shown(text),
                    crate::numbers::grouped(u32::MAX)
                ),
            ),
            _ => self.refuse(
                col,
                format!(
                    "{} is not a whole number >= {min}; write digits only, e.g. 12",
                    quoted(text)
                ),
            ),
        }
    }
}

impl RowParser<'_> {
    pub(super) fn parse_row(
        &self,
        fields: Fields<'_>,
        clean_text: Option<&str>,
        line: u64,
        diagnostics: &mut Diagnostics,
        intern: &mut Interner,
    ) -> Option<Finding> {
        let (text, controls) = match clean_text {
            Some(text) => (Some(text), false),
            None => (
                std::str::from_utf8(fields.bytes).ok(),
                control::any_forbidden(fields.bytes),
            ),
        };
        let mut row = Row {
            fields,
            text,
            controls,
            header: self.header,
            line,
            diagnostics,
            intern,
            failed: false,
        };
        let study_id = row.required_text(Col::StudyId);
        if let Some(id) = study_id
            && !is_slug(id)
        {
            let message = format!(
                "{} is not a study id; use lowercase letters, digits and _, e.g. hornyak_1998",
                quoted(id)
            );
            row.fail(Col::StudyId, message);
        }
        let citation = row.required_text(Col::Citation);
        let this_year = self.this_year;
        let topic = self.topic;
        let year = match row.text(Col::Year) {
            None => {
                row.required_text(Col::Year);
                None
            }
            Some(text) => match text.parse::<i32>() {
                Ok(y)
                    if (1900..=this_year).contains(&y)
                        && text.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Some(y)
                }
                _ => {
                    row.fail(
                        Col::Year,
                        format!(
                            "{} is not a publication year; expected 1900..={this_year}",
                            quoted(text)
                        ),
                    );
                    None
                }
            },
        };
        let doi = row.identifier(
            Col::Doi,
            is_doi,
            "is not a DOI; write the bare DOI, e.g. 10.1093/sleep/21.5.501",
        );
        let pmid = row.identifier(
            Col::Pmid,
            is_pmid,
            "is not a PubMed id; write its digits only, e.g. 9703590",
        );
        let design = row.required_enum(Col::Design, Design::parse, Design::KEYS);
        let question = row.key(Col::Question, (topic, &self.keys), KeyKind::Question);
        let n = row.count(Col::N, 1);
        let k_studies = row.count(Col::KStudies, 1);
        // Descriptive columns: checked (UTF-8, numbers in range), not kept; see [`Finding`].
        row.text(Col::Population);
        let form = row.key(Col::Form, (topic, &self.keys), KeyKind::Form);
        row.number(Col::DoseMgDay, "a dose in mg/day > 0", |v| v > 0.0);
        row.number(Col::DurationWeeks, "a duration in weeks > 0", |v| v > 0.0);
        row.text(Col::Comparator);
        let outcome = row.key(Col::Outcome, (topic, &self.keys), KeyKind::Outcome);
        let direction = row.required_enum(Col::Direction, Direction::parse, Direction::KEYS);
        let significant = row.enum_value(
            Col::Significant,
            Significance::parse,
            Significance::KEYS,
            ", or empty when not reported",
        );
        let p_value = row.parsed(Col::PValue, PValue::parse, |text| {
            format!(
                "{} is not a p-value; write a number in [0, 1] (0.03) or a bound (<0.05)",
                quoted(text)
            )
        });
        let effect = EffectData {
            measure: row.enum_value(
                Col::EffectMeasure,
                EffectMeasure::parse,
                EffectMeasure::KEYS,
                "",
            ),
            yi: row.number(Col::Yi, "a finite number", |_| true),
            vi: row.number(Col::Vi, "a variance > 0", |v| v > 0.0),
            ci_low: row.number(Col::CiLow, "a finite number", |_| true),
            ci_high: row.number(Col::CiHigh, "a finite number", |_| true),
            arms: ArmData {
                n1: row.count(Col::N1, 1),
                mean1: row.number(Col::Mean1, "a finite number", |_| true),
                sd1: row.number(Col::Sd1, "a standard deviation > 0", |v| v > 0.0),
                n2: row.count(Col::N2, 1),
                mean2: row.number(Col::Mean2, "a finite number", |_| true),
                sd2: row.number(Col::Sd2, "a standard deviation > 0", |v| v > 0.0),
                events1: row.count(Col::Events1, 0),
                events2: row.count(Col::Events2, 0),
            },
        };
        let risk_of_bias = row.enum_value(Col::RiskOfBias, RiskOfBias::parse, RiskOfBias::KEYS, "");
        let confidence = row.enum_value(Col::Confidence, Confidence::parse, Confidence::KEYS, "");
        row.text(Col::Source);
        row.text(Col::Notes);

        if let Some(design) = design {
            check_sample_size(&mut row, design, n, k_studies);
        }
        check_effect(&mut row, &effect);

        if row.failed {
            return None;
        }
        let study = StudyText {
            id: study_id?,
            citation: citation?,
            doi,
            pmid,
        };
        let study = row
            .intern
            .study(study, year?, design?, k_studies, confidence);
        let keys = row.intern.row_keys([question?, form?, outcome?]);
        Some(Finding {
            line,
            study,
            keys,
            participants: n.and_then(std::num::NonZeroU32::new),
            direction: direction?,
            significant,
            p_value: PackedPValue::new(p_value),
            effect: (effect != EffectData::default()).then(|| Box::new(StoredEffect::new(&effect))),
            risk_of_bias,
        })
    }
}

fn check_sample_size(row: &mut Row<'_>, design: Design, n: Option<u32>, k: Option<u32>) {
    let n_present = row.header.index[Col::N as usize].is_some();
    if design.is_review() {
        if n.is_none() && k.is_none() && n_present && !row.failed_on(Col::N) {
            row.fail(
                Col::N,
                "a review needs n (participants pooled) or k_studies (studies included)"
                    .to_string(),
            );
        }
    } else {
        if n.is_none() && n_present && !row.failed_on(Col::N) {
            row.fail(
                Col::N,
                "required value is empty; give the participants analysed".to_string(),
            );
        }
        if k.is_some() {
            row.fail(
                Col::KStudies,
                format!("k_studies is for reviews only, but design is {design}; leave it empty"),
            );
        }
    }
}

fn check_effect(row: &mut Row<'_>, effect: &EffectData) {
    if let (Some(low), Some(high)) = (effect.ci_low, effect.ci_high) {
        if low > high {
            row.fail(
                Col::CiLow,
                format!("ci_low {low} is above ci_high {high}; swap them"),
            );
        } else if let Some(yi) = effect.yi
            && !(low..=high).contains(&yi)
        {
            row.fail(
                Col::Yi,
                format!("yi {yi} lies outside its confidence interval [{low}, {high}]; ratio measures go on the log scale in yi, ci_low and ci_high"),
            );
        } else if let (Some(measure), Some(yi)) = (effect.measure, effect.yi)
            && measure.is_ratio()
            && looks_like_natural_ratio(low, yi, high)
        {
            let ratio = measure.label().to_lowercase();
            let article = if ratio.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            row.fail(
                Col::Yi,
                format!(
                    "yi {yi} with ci_low {low} and ci_high {high} looks like {article} {ratio} on \
                     its natural scale: the interval is symmetric around yi only after taking \
                     logarithms; {} goes on the log scale: yi = {:.4}, ci_low = {:.4}, \
                     ci_high = {:.4}",
                    measure.key(),
                    yi.ln(),
                    low.ln(),
                    high.ln()
                ),
            );
        }
    }
    // A value that was given but did not parse is reported once, not as missing as well.
    let unparsed = |row: &Row<'_>, cols: &[Col]| cols.iter().any(|col| row.failed_on(*col));
    if effect.ci_low.is_some() != effect.ci_high.is_some()
        && !unparsed(row, &[Col::CiLow, Col::CiHigh])
    {
        let missing = if effect.ci_low.is_none() {
            Col::CiLow
        } else {
            Col::CiHigh
        };
        row.fail(
            missing,
            "give both ci_low and ci_high, or neither".to_string(),
        );
    }
    let has_estimate = effect.yi.is_some() || effect.vi.is_some() || effect.ci_low.is_some();
    let arms = &effect.arms;
    let has_arms = arms.n1.is_some()
        || arms.n2.is_some()
        || arms.mean1.is_some()
        || arms.mean2.is_some()
        || arms.sd1.is_some()
        || arms.sd2.is_some()
        || arms.events1.is_some()
        || arms.events2.is_some();
    if (has_estimate || has_arms) && effect.measure.is_none() && !row.failed_on(Col::EffectMeasure)
    {
        row.fail(
            Col::EffectMeasure,
            format!(
                "effect data is given but effect_measure is empty; set one of: {}",
                EffectMeasure::expected()
            ),
        );
    }
    if effect.yi.is_some()
        && effect.vi.is_none()
        && effect.ci_low.is_none()
        && !unparsed(row, &[Col::Vi, Col::CiLow, Col::CiHigh])
    {
        row.fail(
            Col::Vi,
            "yi needs its variance vi, or ci_low and ci_high".to_string(),
        );
    }
    if effect.yi.is_none()
        && (effect.vi.is_some() || effect.ci_low.is_some())
        && !unparsed(row, &[Col::Yi])
    {
        row.fail(
            Col::Yi,
            "vi or a confidence interval is given without the estimate yi".to_string(),
        );
    }
    for (events, n, col) in [
        (arms.events1, arms.n1, Col::Events1),
        (arms.events2, arms.n2, Col::Events2),
    ] {
        if let (Some(events), Some(n)) = (events, n)
            && events > n
        {
            row.fail(
                col,
                format!("{events} events exceed the arm's {n} participants"),
            );
        }
    }
    // Only effect data that parsed whole (a value that did not parse is reported already);
    // most rows have no problem at all, which is known without a look at each column.
    if !(row.failed && unparsed(row, &EFFECT_COLUMNS)) {
        check_effect_is_finite(row, effect);
    }
}

/// True when a ratio's `low ≤ yi ≤ high`, meant to be on the log scale, read as a ratio on its
/// natural scale, the usual slip ("RR 0.6 (0.4 to 0.9)" copied from a paper): all positive,
/// the interval clearly lopsided around `yi` as written (one side at least 1.3 times the other
/// and 0.02 longer, more than two-decimal rounding of a symmetric interval can do), and
/// symmetric within 10% once the logarithms are taken, as a Wald interval of a log ratio
/// reported on the ratio scale is. An interval computed on the log scale is symmetric as
/// written, so it is never taken for one.
fn looks_like_natural_ratio(low: f64, yi: f64, high: f64) -> bool {
    if !(low > 0.0 && low < yi && yi < high) {
        return false;
    }
    let (below, above) = (yi - low, high - yi);
    let lopsided = below.max(above) >= 1.3 * below.min(above) && (above - below).abs() > 0.02;
    let (log_below, log_above) = (yi.ln() - low.ln(), high.ln() - yi.ln());
    let symmetric_in_logs = (log_above - log_below).abs() <= 0.1 * log_below.max(log_above);
    lopsided && symmetric_in_logs
}

/// The columns of effect data.
const EFFECT_COLUMNS: [Col; 13] = [
    Col::EffectMeasure,
    Col::Yi,
    Col::Vi,
    Col::CiLow,
    Col::CiHigh,
    Col::N1,
    Col::Mean1,
    Col::Sd1,
    Col::N2,
    Col::Mean2,
    Col::Sd2,
    Col::Events1,
    Col::Events2,
];

/// Reports effect data whose effect, as the synthesis computes it, is not a finite number:
/// each value is finite, but a variance from a confidence interval of ±1e308, or the squared
/// standard deviation of 1e300, overflows, and the pooling would meet infinities.
fn check_effect_is_finite(row: &mut Row<'_>, data: &EffectData) {
    let Ok((measure, effect)) = crate::synthesis::effects::effect_of_data(data) else {
        return;
    };
    if effect.yi.is_finite() && effect.vi.is_finite() {
        return;
    }
    let col = match (data.yi, data.vi) {
        (Some(_), Some(_)) => Col::Vi,
        (Some(_), None) => Col::CiHigh,
        (None, _) if matches!(measure, EffectMeasure::Md | EffectMeasure::Smd) => Col::Sd1,
        (None, _) => Col::Events1,
    };
    row.fail(
        col,
        format!(
            "the effect computed from this row's effect data is not a finite number \
             ({} estimate {}, variance {}): a value this large overflows; check the row's \
             effect data",
            measure.key(),
            crate::numbers::compact(effect.yi),
            crate::numbers::compact(effect.vi)
        ),
    );
}

/// `text` without leading and trailing whitespace; most fields have none, which is checked on
/// the end bytes before the general Unicode trim.
fn trim(text: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    let bytes = text.as_bytes();
    if plain(bytes.first()) && plain(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// `10.<4-9 digits>/<suffix without whitespace>`.
pub(super) fn is_doi(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("10.") else {
        return false;
    };
    let Some((registrant, suffix)) = rest.split_once('/') else {
        return false;
    };
    (4..=9).contains(&registrant.len())
        && registrant.bytes().all(|b| b.is_ascii_digit())
        && !suffix.is_empty()
        && !suffix.chars().any(char::is_whitespace)
}

/// 1 to 9 digits, no leading zero.
pub(super) fn is_pmid(text: &str) -> bool {
    (1..=9).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::read::read_registry;
    use proptest::prelude::*;

    /// Rounds to `decimals` places, as a paper or a reviewer writes a number.
    fn rounded(value: f64, decimals: i32) -> f64 {
        let scale = 10f64.powi(decimals);
        (value * scale).round() / scale
    }

    /// Ratios with their 95% intervals as papers give them (hand-computed): RR 0.6 (0.4 to
    /// 0.9), RR 1.5 (1.2 to 1.9), OR 2.5 (1.1 to 5.7) are read as natural-scale ratios; their
    /// logarithms, and log ratios whose interval is symmetric as written, are not. Near 1 the two
    /// scales cannot be told apart (RR 1.05 (1.01 to 1.09)) and nothing is claimed.
    #[test]
    fn ratios_on_their_natural_scale_are_told_from_log_ratios() {
        for (low, yi, high) in [(0.4, 0.6, 0.9), (1.2, 1.5, 1.9), (1.1, 2.5, 5.7)] {
            assert!(looks_like_natural_ratio(low, yi, high), "{low} {yi} {high}");
            let (low, yi, high) = (f64::ln(low), f64::ln(yi), f64::ln(high));
            assert!(
                !looks_like_natural_ratio(low, yi, high),
                "{low} {yi} {high}"
            );
        }
        for (low, yi, high) in [
            (0.35, 0.6, 0.85),
            (0.01, 0.02, 0.03),
            (1.01, 1.05, 1.09),
            (-0.92, -0.51, -0.1),
        ] {
            assert!(
                !looks_like_natural_ratio(low, yi, high),
                "{low} {yi} {high}"
            );
        }
    }

    proptest! {
        /// A Wald interval computed on the log scale (yi ± 1.96·se), rounded to two or three
        /// places as written in a paper, is never taken for a natural-scale ratio, however
        /// small or large the log ratio and its standard error.
        #[test]
        fn log_scale_wald_intervals_are_never_flagged(
            yi in -4.0f64..4.0,
            se in 0.001f64..3.0,
            decimals in 2i32..=3,
        ) {
            let low = rounded(yi - 1.96 * se, decimals);
            let high = rounded(yi + 1.96 * se, decimals);
            let yi = rounded(yi, decimals);
            prop_assert!(!looks_like_natural_ratio(low, yi, high), "{} {} {}", low, yi, high);
        }
    }

    /// The largest count is kept in a finding's effect data as given (a count is stored bare,
    /// with a bit for whether it was given, so no count value is reserved).
    #[test]
    fn the_largest_counts_are_kept_in_effect_data() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");
        let topic = Topic::load(&std::path::Path::new(dir).join("topic.toml")).unwrap();
        let rows = "study_id,citation,year,design,question,n,form,outcome,direction,\
            effect_measure,n1,mean1,sd1,n2,mean2,sd2\n\
            a_1,A 2001,2001,rct,treatment,4294967295,citrate,rls_severity,positive,\
            md,4294967295,1.5,2,4294967295,0,2\n";
        let outcome = read_registry(rows.as_bytes(), "r.csv", &topic, 2026);
        assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
        let finding = &outcome.findings[0];
        assert_eq!(finding.n(), Some(u32::MAX));
        let data = finding.effect.as_ref().unwrap().data();
        assert_eq!(
            (data.arms.n1, data.arms.n2),
            (Some(u32::MAX), Some(u32::MAX))
        );
        assert_eq!((data.arms.events1, data.yi), (None, None));
    }

    #[test]
    fn identifiers_are_format_checked() {
        assert!(is_doi("10.1093/sleep/21.5.501"));
        assert!(is_doi("10.1007/s12011-020-02287-5"));
        assert!(!is_doi("https://doi.org/10.1093/sleep/21.5.501"));
        assert!(!is_doi("10.12/x"));
        assert!(!is_doi("10.1093/"));
        assert!(is_pmid("9703590"));
        assert!(!is_pmid("PMID9703590"));
        assert!(!is_pmid("0123"));
    }
}
