//! Findings as a polars DataFrame: the one place rows become columns. Column names are
//! constants so the synthesis code and this file cannot drift apart.
//!
//! Key columns (study, question, tier, design, form, outcome, direction) hold `u32` codes, not
//! strings: grouping a million rows by integers is several times faster than by text, and the
//! [`Codebook`] turns codes back into keys when results are read.

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::RandomState;
use polars::prelude::{Column, DataFrame, PolarsError, PolarsResult};
use rayon::prelude::*;

use crate::model::{Design, Direction, Tier};
use crate::registry::finding::Text;
use crate::registry::topic::FORM_NOT_APPLICABLE;
use crate::registry::{Finding, Topic};

/// Study identifier (code).
pub const STUDY_ID: &str = "study_id";
/// Question key (code).
pub const QUESTION: &str = "question";
/// Evidence tier key (code).
pub const TIER: &str = "tier";
/// Design key (code).
pub const DESIGN: &str = "design";
/// Form key (code).
pub const FORM: &str = "form";
/// Outcome key (code).
pub const OUTCOME: &str = "outcome";
/// Direction key (code).
pub const DIRECTION: &str = "direction";
/// Participants analysed (u32, null for reviews without n).
pub const N: &str = "n";
/// Year of publication (i32).
pub const YEAR: &str = "year";

/// The findings frame with the keys behind its coded columns.
pub struct FindingsFrame<'a> {
    /// The columns.
    pub frame: DataFrame,
    /// Code → key, per coded column.
    pub codes: Codebook<'a>,
}

impl FindingsFrame<'_> {
    /// A frame of the packed key of coded `columns` (column [`KEY`]) and the columns `carry`,
    /// ready to be grouped by the key. The key is computed here in one pass over the code
    /// slices, not as a polars expression of casts and products (a third of the time).
    pub fn keyed(&self, columns: &[&str], carry: &[&str]) -> PolarsResult<(DataFrame, Packing)> {
        let packing = self.packing(columns)?;
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

    /// Where each of `columns` goes in a packed `u64` key (the last column in the lowest
    /// bits), so polars groups by one integer instead of several columns.
    pub fn packing(&self, columns: &[&str]) -> PolarsResult<Packing> {
        let mut fields = Vec::with_capacity(columns.len());
        let mut shift = 0u32;
        for column in columns.iter().rev() {
            let bits = usize::BITS - self.codes.len(column).leading_zeros();
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
}

/// Name of the packed key column.
pub const KEY: &str = "key";

/// Where each column's code sits in a packed key.
#[derive(Debug, Clone)]
pub struct Packing {
    fields: Vec<(u32, u64)>,
}

impl Packing {
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

    /// How many codes coded column `column` has.
    pub fn len(&self, column: &str) -> usize {
        match column {
            STUDY_ID => self.studies.len(),
            QUESTION => self.topic.questions.len(),
            FORM => self.topic.forms.len() + 1,
            OUTCOME => self.topic.outcomes.len(),
            TIER => Tier::ALL.len(),
            DESIGN => Design::ALL.len(),
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
            DESIGN => Design::ALL.get(code).map_or("", |d| d.key()),
            DIRECTION => Direction::ALL.get(code).map_or("", |d| d.key()),
            _ => "",
        }
    }
}

/// Builds the findings frame from validated rows of `topic`.
pub fn findings_frame<'a>(
    topic: &'a Topic,
    findings: &'a [Finding],
) -> PolarsResult<FindingsFrame<'a>> {
    // Studies are coded in order of study id, so sorting by code sorts by id. A study's rows
    // usually follow each other: a row of the same study as the row before takes its code
    // without a lookup.
    let mut study_codes: HashMap<&str, u32, RandomState> =
        HashMap::with_capacity_and_hasher(findings.len() / 2, RandomState::default());
    let mut studies: Vec<&Text> = Vec::new();
    let mut previous: Option<(&Text, u32)> = None;
    let first_seen: Vec<u32> = findings
        .iter()
        .map(|f| {
            if let Some((id, code)) = previous
                && id == &f.study_id
            {
                return code;
            }
            let code = *study_codes.entry(&f.study_id).or_insert_with(|| {
                studies.push(&f.study_id);
                (studies.len() - 1) as u32
            });
            previous = Some((&f.study_id, code));
            code
        })
        .collect();
    let mut by_id: Vec<u32> = (0..studies.len() as u32).collect();
    by_id.par_sort_unstable_by_key(|code| studies[*code as usize].as_str());
    let mut rank = vec![0u32; studies.len()];
    for (position, code) in (0u32..).zip(&by_id) {
        rank[*code as usize] = position;
    }
    let study: Vec<u32> = first_seen
        .par_iter()
        .map(|code| rank[*code as usize])
        .collect();

    let coded = |code: &(dyn Fn(&Finding) -> u32 + Sync)| -> Vec<u32> {
        findings.par_iter().map(code).collect()
    };
    let frame = DataFrame::new_infer_height(vec![
        Column::new(STUDY_ID.into(), study),
        Column::new(
            QUESTION.into(),
            key_codes(
                findings,
                |f| &f.question,
                |q| topic.questions.get_index_of(q),
            ),
        ),
        Column::new(TIER.into(), coded(&|f| f.design.tier() as u32)),
        Column::new(DESIGN.into(), coded(&|f| f.design as u32)),
        Column::new(
            FORM.into(),
            key_codes(findings, |f| &f.form, |form| topic.form_index(form)),
        ),
        Column::new(
            OUTCOME.into(),
            key_codes(findings, |f| &f.outcome, |o| topic.outcomes.get_index_of(o)),
        ),
        Column::new(DIRECTION.into(), coded(&|f| f.direction as u32)),
        Column::new(N.into(), findings.iter().map(|f| f.n).collect::<Vec<_>>()),
        Column::new(
            YEAR.into(),
            findings.iter().map(|f| f.year).collect::<Vec<_>>(),
        ),
    ])?;
    Ok(FindingsFrame {
        frame,
        codes: Codebook {
            topic,
            studies: by_id
                .iter()
                .map(|code| Text::clone(studies[*code as usize]))
                .collect(),
        },
    })
}

/// The topic position of each row's key in one column (`u32::MAX` for a key the topic lacks,
/// which validated rows never have). Keys are shared strings, a few per registry: each is looked
/// up in the topic once, then found by its address.
fn key_codes(
    findings: &[Finding],
    key: impl Fn(&Finding) -> &Text,
    index_of: impl Fn(&str) -> Option<usize>,
) -> Vec<u32> {
    let mut by_address: HashMap<usize, u32, RandomState> = HashMap::default();
    findings
        .iter()
        .map(|f| {
            let text = key(f);
            *by_address
                .entry(Arc::as_ptr(text) as usize)
                .or_insert_with(|| index_of(text).map_or(u32::MAX, |i| i as u32))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
