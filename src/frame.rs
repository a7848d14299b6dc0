//! Findings as a polars DataFrame: the one place rows become columns. Column names are
//! constants so the synthesis code and this file cannot drift apart.
//!
//! Key columns (study, question, tier, form, outcome, direction) hold `u32` codes, not
//! strings: grouping a million rows by integers is several times faster than by text, and the
//! [`Codebook`] turns codes back into keys when results are read.

use polars::prelude::{
    ChunkedArray, Column, DataFrame, IntoColumn, PolarsError, PolarsResult, UInt32Chunked,
};
use polars_arrow::bitmap::Bitmap;
use rayon::prelude::*;

use crate::model::{Direction, Tier};
use crate::registry::finding::Text;
use crate::registry::topic::FORM_NOT_APPLICABLE;
use crate::registry::{Finding, RowKeys, StudyIndex, Topic};

/// Study identifier (code).
pub const STUDY_ID: &str = "study_id";
/// Question key (code).
pub const QUESTION: &str = "question";
/// Evidence tier key (code).
pub const TIER: &str = "tier";
/// Form key (code).
pub const FORM: &str = "form";
/// Outcome key (code).
pub const OUTCOME: &str = "outcome";
/// Direction key (code).
pub const DIRECTION: &str = "direction";
/// Participants analysed (u32, null for reviews without n).
pub const N: &str = "n";

/// The findings frame with the keys behind its coded columns.
pub struct FindingsFrame<'a> {
    /// The columns.
    pub frame: DataFrame,
    /// Code → key, per coded column.
    pub codes: Codebook<'a>,
    /// The question, form and outcome codes, kept for after the synthesis.
    pub keys: FindingKeys,
}

/// Each finding's question, form and outcome codes in registry order (`u32::MAX` for a key the
/// topic lacks, which validated rows never have). Charts drawn after the synthesis count
/// findings by them as integers: compared and hashed as text, a million findings took the
/// evidence maps and the timeline ~100 ms. They share the frame's column buffers (polars
/// arrays are reference-counted) instead of copying them: the copies were 12 bytes a finding,
/// live at the report's memory peak, and at ten million findings 0.1 s of fresh memory.
#[derive(Debug, Clone, Default)]
pub struct FindingKeys {
    question: UInt32Chunked,
    form: UInt32Chunked,
    outcome: UInt32Chunked,
}

impl FindingKeys {
    /// Question codes (topic order).
    pub fn question(&self) -> &[u32] {
        codes(&self.question)
    }

    /// Form codes ([`Topic::form_keys`] order).
    pub fn form(&self) -> &[u32] {
        codes(&self.form)
    }

    /// Outcome codes (topic order).
    pub fn outcome(&self) -> &[u32] {
        codes(&self.outcome)
    }
}

/// The values of a column made from one vector (one chunk; no nulls).
fn codes(column: &UInt32Chunked) -> &[u32] {
    debug_assert!(column.chunks().len() <= 1 && column.null_count() == 0);
    column
        .downcast_iter()
        .next()
        .map_or(&[], |array| array.values().as_slice())
}

impl FindingsFrame<'_> {
    /// A frame of the packed key of coded `columns` (column [`KEY`]) and the columns `carry`,
    /// ready to be grouped by the key. The key is computed here in one pass over the code
    /// slices, not as a polars expression of casts and products (a third of the time).
    pub fn keyed(&self, columns: &[&str], carry: &[&str]) -> PolarsResult<(DataFrame, Packing)> {
        let packing = self.codes.packing(columns)?;
        let mut key = vec![0u64; self.frame.height()];
        for (column, (shift, _)) in columns.iter().zip(&packing.fields) {
            let codes = self.frame.column(column)?.u32()?.rechunk();
            let codes = codes.cont_slice()?;
            for (k, code) in key.iter_mut().zip(codes) {
                *k |= u64::from(*code) << shift;
            }
        }
        let mut keyed = vec![Column::new(KEY.into(), key)];
        for column in carry {
            keyed.push(self.frame.column(column)?.clone());
        }
        Ok((DataFrame::new_infer_height(keyed)?, packing))
    }
}

/// Name of the packed key column.
pub const KEY: &str = "key";

/// Where each column's code sits in a packed key.
#[derive(Debug, Clone)]
pub struct Packing {
    fields: Vec<(u32, u64)>,
}

impl Packing {
    /// The key packing `codes`, one per packed column in their order, as
    /// [`FindingsFrame::keyed`] packs them (a code wider than its column's bits, which
    /// validated rows never give, is cut to them rather than spilling into its neighbour).
    pub fn key(&self, codes: [u32; 4]) -> u64 {
        self.fields
            .iter()
            .zip(codes)
            .fold(0, |key, ((shift, mask), code)| {
                key | ((u64::from(code) & mask) << shift)
            })
    }

    /// The code of the `index`-th packed column.
    pub fn code(&self, key: u64, index: usize) -> u32 {
        self.fields
            .get(index)
            .map_or(u32::MAX, |(shift, mask)| ((key >> shift) & mask) as u32)
    }

    /// The key with the last column's bits dropped (e.g. a cell key without its study).
    pub fn without_last(&self, key: u64) -> u64 {
        key.checked_shr(self.last_bits()).unwrap_or(0)
    }

    /// Bits of the last packed column.
    pub fn last_bits(&self) -> u32 {
        self.fields.last().map_or(0, |(_, mask)| mask.count_ones())
    }
}

/// The key behind each code of the coded columns: the topic's keys by position (forms in
/// [`Topic::form_keys`] order), the enums by declaration order, studies by id order.
pub struct Codebook<'a> {
    topic: &'a Topic,
    studies: Vec<Text>,
}

impl Codebook<'_> {
    /// The study id of a study code as a shared string (empty for an unknown code).
    pub fn shared_study_id(&self, code: u32) -> Text {
        self.studies.get(code as usize).cloned().unwrap_or_default()
    }

    /// Where each of `columns` goes in a packed `u64` key (the last column in the lowest
    /// bits), so polars groups by one integer instead of several columns.
    pub fn packing(&self, columns: &[&str]) -> PolarsResult<Packing> {
        let mut fields = Vec::with_capacity(columns.len());
        let mut shift = 0u32;
        for column in columns.iter().rev() {
            let bits = usize::BITS - self.len(column).leading_zeros();
            fields.push((shift, (1u64 << bits) - 1));
            shift += bits;
        }
        if shift > 64 {
            return Err(PolarsError::ComputeError(
                format!(
                    "the registry has too many distinct studies, forms or outcomes to group by \
                     {columns:?} ({shift} bits of codes; at most 64)"
                )
                .into(),
            ));
        }
        fields.reverse();
        Ok(Packing { fields })
    }

    /// How many codes coded column `column` has.
    pub fn len(&self, column: &str) -> usize {
        match column {
            STUDY_ID => self.studies.len(),
            QUESTION => self.topic.questions.len(),
            FORM => self.topic.forms.len() + 1,
            OUTCOME => self.topic.outcomes.len(),
            TIER => Tier::ALL.len(),
            DIRECTION => Direction::ALL.len(),
            _ => 0,
        }
    }

    /// The key of `code` in coded column `column`; empty for an unknown column or code.
    pub fn key(&self, column: &str, code: u32) -> &str {
        let code = code as usize;
        match column {
            STUDY_ID => self.studies.get(code).map_or("", |s| s),
            QUESTION => self
                .topic
                .questions
                .get_index(code)
                .map_or("", |(k, _)| k.as_str()),
            FORM if code == self.topic.forms.len() => FORM_NOT_APPLICABLE,
            FORM => self
                .topic
                .forms
                .get_index(code)
                .map_or("", |(k, _)| k.as_str()),
            OUTCOME => self
                .topic
                .outcomes
                .get_index(code)
                .map_or("", |(k, _)| k.as_str()),
            TIER => Tier::ALL.get(code).map_or("", |t| t.key()),
            DIRECTION => Direction::ALL.get(code).map_or("", |d| d.key()),
            _ => "",
        }
    }
}

/// Builds the findings frame from validated rows of `topic`, whose studies `studies` numbers
/// (the registry's index; computed here if it does not cover the rows).
///
/// Studies are coded in order of study id: the index's numbers (first appearance) are ranked
/// by id. Every other column is read in one parallel pass over runs of rows.
pub fn findings_frame<'a>(
    topic: &'a Topic,
    findings: &'a [Finding],
    studies: &StudyIndex,
) -> PolarsResult<FindingsFrame<'a>> {
    let index = studies.covering(findings);
    let columns = RowColumns::of(topic, findings);
    let first_rows = index.first_rows();
    // Studies are coded in order of study id, so sorting by code sorts by id. The ids are
    // gathered first (one read of each study's first row, in parallel), so the sort's
    // comparisons read the ids' bytes and nothing else: with a study's rows scattered through
    // a million findings, looking the rows up in every comparison made the frame 0.18 s
    // (0.10 s now; 0.06 s either way when a study's rows are together). Each id's first eight
    // bytes travel with it as a number, so most comparisons read no id at all: the ids lie
    // all over the heap, and at 3.3 million studies the sort took 0.41 s.
    let mut by_id: Vec<(u64, &str, u32)> = first_rows
        .par_iter()
        .zip(0..first_rows.len() as u32)
        .map(|(row, code)| {
            let id = findings[*row].study.id.as_str();
            (id_prefix(id), id, code)
        })
        .collect();
    by_id.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut rank = vec![0u32; first_rows.len()];
    for (position, (_, _, code)) in (0u32..).zip(&by_id) {
        rank[*code as usize] = position;
    }
    let study: Vec<u32> = index
        .of_row()
        .par_iter()
        .map(|code| rank[*code as usize])
        .collect();
    let keys = FindingKeys {
        question: ChunkedArray::from_vec(QUESTION.into(), columns.question),
        form: ChunkedArray::from_vec(FORM.into(), columns.form),
        outcome: ChunkedArray::from_vec(OUTCOME.into(), columns.outcome),
    };
    let frame = DataFrame::new_infer_height(vec![
        // The vectors become the columns' buffers (`Column::new` from a vector copies it:
        // at ten million findings, 0.2 GB more at the report's peak of memory).
        UInt32Chunked::from_vec(STUDY_ID.into(), study).into_column(),
        keys.question.clone().into_column(),
        UInt32Chunked::from_vec(TIER.into(), columns.tier).into_column(),
        keys.form.clone().into_column(),
        keys.outcome.clone().into_column(),
        UInt32Chunked::from_vec(DIRECTION.into(), columns.direction).into_column(),
        participants(columns.n).into_column(),
    ])?;
    Ok(FindingsFrame {
        frame,
        keys,
        codes: Codebook {
            topic,
            studies: by_id
                .iter()
                .map(|(_, _, code)| Text::clone(&findings[first_rows[*code as usize]].study.id))
                .collect(),
        },
    })
}

/// The participants column from `n` (0 where a finding gives none): null there, the vector
/// itself the values.
fn participants(n: Vec<u32>) -> UInt32Chunked {
    let given: Bitmap = n.iter().map(|&n| n != 0).collect();
    let validity = (given.unset_bits() > 0).then_some(given);
    UInt32Chunked::from_vec_validity(N.into(), n, validity)
}

/// The first eight bytes of `id` as a big-endian number, zero-padded. Two ids' prefixes
/// compare as the ids' bytes do wherever they differ (a shorter id's padding is below any
/// byte the longer one has there, or equal to a NUL, where the ids are then compared whole),
/// so ordering by (prefix, id) is ordering by id.
fn id_prefix(id: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let head = &id.as_bytes()[..id.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(bytes)
}

/// Rows per run of [`RowColumns::of`]: enough to keep a core busy, few enough to share out.
const ROWS_PER_RUN: usize = 1 << 15;

/// The frame's columns that each row gives alone (all but the study code).
struct RowColumns {
    question: Vec<u32>,
    tier: Vec<u32>,
    form: Vec<u32>,
    outcome: Vec<u32>,
    direction: Vec<u32>,
    /// Participants; 0 where a finding gives none (n is never 0).
    n: Vec<u32>,
}

impl RowColumns {
    /// The columns of all rows, filled in place by runs of rows in parallel (each row read
    /// once, not once per column; no run's columns copied afterwards).
    fn of(topic: &Topic, findings: &[Finding]) -> RowColumns {
        let rows = findings.len();
        let mut columns = RowColumns {
            question: vec![0; rows],
            tier: vec![0; rows],
            form: vec![0; rows],
            outcome: vec![0; rows],
            direction: vec![0; rows],
            n: vec![0; rows],
        };
        let runs: Vec<Run<'_>> = findings
            .chunks(ROWS_PER_RUN)
            .zip(columns.question.chunks_mut(ROWS_PER_RUN))
            .zip(columns.tier.chunks_mut(ROWS_PER_RUN))
            .zip(columns.form.chunks_mut(ROWS_PER_RUN))
            .zip(columns.outcome.chunks_mut(ROWS_PER_RUN))
            .zip(columns.direction.chunks_mut(ROWS_PER_RUN))
            .zip(columns.n.chunks_mut(ROWS_PER_RUN))
            .map(
                |((((((rows, question), tier), form), outcome), direction), n)| Run {
                    rows,
                    question,
                    tier,
                    form,
                    outcome,
                    direction,
                    n,
                },
            )
            .collect();
        runs.into_par_iter().for_each(|run| run.fill(topic));
        columns
    }
}

/// A run of rows and its stretch of each column.
struct Run<'a> {
    rows: &'a [Finding],
    question: &'a mut [u32],
    tier: &'a mut [u32],
    form: &'a mut [u32],
    outcome: &'a mut [u32],
    direction: &'a mut [u32],
    n: &'a mut [u32],
}

impl Run<'_> {
    fn fill(self, topic: &Topic) {
        for (i, f) in self.rows.iter().enumerate() {
            [self.question[i], self.form[i], self.outcome[i]] = key_codes(&f.keys, topic);
            self.tier[i] = f.study.design.tier() as u32;
            self.direction[i] = f.direction as u32;
            self.n[i] = f.n().unwrap_or(0);
        }
    }
}

/// The topic positions of a finding's question, form and outcome, as the row was read
/// (`RowKeys::codes`). Findings are only ever paired with the topic they were read against
/// (`diff` reads a past registry with that revision's topic), which debug builds check here.
pub(crate) fn key_codes(keys: &RowKeys, topic: &Topic) -> [u32; 3] {
    debug_assert_eq!(
        keys.codes(),
        RowKeys::coded(
            topic,
            keys.question().clone(),
            keys.form().clone(),
            keys.outcome().clone()
        )
        .codes(),
        "a finding's keys were coded against another topic"
    );
    keys.codes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows over several parallel runs, keys shared and not shared between rows, studies out
    /// of id order: every column holds each row's own value, study codes follow id order.
    #[test]
    fn columns_hold_each_rows_values_across_runs() {
        let registry = crate::synthesis::test_rows::shipped();
        let topic = &registry.topic;
        let rows = 2 * ROWS_PER_RUN + 1_000;
        let findings: Vec<Finding> = (0..rows)
            .map(|i| {
                let mut f = registry.findings[i % registry.findings.len()].clone();
                if i % 3 == 0 {
                    // The same key in an allocation of its own.
                    f.keys = std::sync::Arc::new(RowKeys::coded(
                        topic,
                        Text::from(f.keys.question().to_string()),
                        f.keys.form().clone(),
                        Text::from(f.keys.outcome().to_string()),
                    ));
                }
                std::sync::Arc::make_mut(&mut f.study).id =
                    Text::from(format!("s{:05}", (rows - i) / 4));
                f
            })
            .collect();
        let frame = findings_frame(topic, &findings, &StudyIndex::of(&findings)).unwrap();
        let column = |name: &str| -> Vec<Option<u32>> {
            frame
                .frame
                .column(name)
                .unwrap()
                .u32()
                .unwrap()
                .iter()
                .collect()
        };
        let codes = |key: &dyn Fn(&Finding) -> Option<u32>| -> Vec<Option<u32>> {
            findings.iter().map(key).collect()
        };
        let index = |i: Option<usize>| i.map(|i| i as u32);
        assert_eq!(
            column(QUESTION),
            codes(&|f| index(topic.questions.get_index_of(f.keys.question().as_str())))
        );
        assert_eq!(
            column(OUTCOME),
            codes(&|f| index(topic.outcomes.get_index_of(f.keys.outcome().as_str())))
        );
        assert_eq!(
            column(FORM),
            codes(&|f| index(topic.form_index(f.keys.form())))
        );
        assert_eq!(column(TIER), codes(&|f| Some(f.study.design.tier() as u32)));
        assert_eq!(column(DIRECTION), codes(&|f| Some(f.direction as u32)));
        assert_eq!(column(N), codes(&|f| f.n()));
        // Ids "s00000".."s{last}" sort as their numbers: the code of a study is its number.
        assert_eq!(column(STUDY_ID), codes(&|f| f.study.id[1..].parse().ok()));
        assert_eq!(frame.codes.key(STUDY_ID, 7), "s00007");
        // The kept keys are the frame's columns (shared, not copied).
        let kept = |codes: &[u32]| codes.iter().map(|c| Some(*c)).collect::<Vec<_>>();
        assert_eq!(kept(frame.keys.question()), column(QUESTION));
        assert_eq!(kept(frame.keys.form()), column(FORM));
        assert_eq!(kept(frame.keys.outcome()), column(OUTCOME));
    }

    proptest::proptest! {
        /// Ordering by (prefix, id) is ordering by id, over ids that tie on eight bytes or
        /// not, are shorter than eight bytes, hold NULs or characters of several bytes.
        #[test]
        fn ids_sort_by_their_prefix_as_by_their_bytes(
            ids in proptest::collection::vec("[ab\\x00é_]{0,11}", 0..40)
        ) {
            let mut by_prefix: Vec<(u64, &str)> =
                ids.iter().map(|id| (id_prefix(id), id.as_str())).collect();
            by_prefix.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
            let mut by_bytes: Vec<&str> = ids.iter().map(String::as_str).collect();
            by_bytes.sort();
            let sorted: Vec<&str> = by_prefix.iter().map(|(_, id)| *id).collect();
            proptest::prop_assert_eq!(sorted, by_bytes);
        }
    }

    #[test]
    fn packed_keys_give_back_their_codes() {
        let packing = Packing {
            // Three columns of 2, 3 and 4 bits, the last in the lowest bits.
            fields: vec![(7, 0b11), (4, 0b111), (0, 0b1111)],
        };
        let key = (2u64 << 7) | (5 << 4) | 9;
        assert_eq!(packing.code(key, 0), 2);
        assert_eq!(packing.code(key, 1), 5);
        assert_eq!(packing.code(key, 2), 9);
        assert_eq!(packing.without_last(key), (2 << 3) | 5);
        assert_eq!(packing.code(key, 3), u32::MAX);
    }
}
