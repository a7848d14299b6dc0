//! Findings, studies and participants by one dimension (design tier, form, outcome) ×
//! direction, per question: how mixed the evidence is and how much stands behind each part.

use std::collections::HashMap;

use polars::prelude::PolarsResult;

use crate::frame::{self, FindingsFrame};
use crate::model::Direction;
use crate::registry::Topic;
use crate::synthesis::counts::{CellCount, count_by};

/// One row: a cell per direction (in [`Direction::ALL`] order) and the row total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionRow {
    /// The dimension's key (tier, form or outcome key).
    pub key: String,
    /// Counts per direction, in [`Direction::ALL`] order.
    pub by_direction: Vec<CellCount>,
    /// The whole row (studies and participants counted once).
    pub total: CellCount,
}

/// The table of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionTable {
    /// The question key.
    pub question: String,
    /// Rows in the order of the keys given.
    pub rows: Vec<DirectionRow>,
    /// Per direction over all rows.
    pub by_direction: Vec<CellCount>,
    /// The whole question.
    pub total: CellCount,
}

/// Which rows a question's table shows.
pub enum Rows<'a> {
    /// Exactly these keys, zero rows included (tiers).
    All(&'a [&'a str]),
    /// These keys in this order, but only those with findings (forms, outcomes).
    Present(&'a [&'a str]),
}

type Cells = HashMap<Vec<String>, CellCount>;

/// Whether every row of a study has the same value in frame column `column` (the design and
/// its tier are study-level fields, checked when the registry is read).
fn is_study_level(column: &str) -> bool {
    matches!(column, frame::TIER | frame::DESIGN)
}

/// Cells keyed (question, dimension, ...) summed over the dimension: keyed (question, ...).
/// Exact only for a study-level dimension (each study counted under one value).
fn without_dimension(cells: &Cells) -> Cells {
    let mut summed = Cells::new();
    for (key, count) in cells {
        let mut key = key.clone();
        key.remove(1);
        let total: &mut CellCount = summed.entry(key).or_default();
        total.findings += count.findings;
        total.studies += count.studies;
        total.participants += count.participants;
    }
    summed
}

/// For each `(dimension, rows)`, one table per question of the topic, in topic order, over
/// the frame column `dimension`. The counts run one after another: each polars group-by
/// already uses every core, and running them side by side was twice as slow.
pub fn direction_tables(
    topic: &Topic,
    findings: &FindingsFrame<'_>,
    dimensions: &[(&str, Rows<'_>)],
) -> PolarsResult<Vec<Vec<DirectionTable>>> {
    // The question totals (by direction, and overall) are the sums over a study-level
    // dimension's rows when one is asked for: every study sits in exactly one of its rows, so
    // nothing is counted twice, and two polars group-bys of the whole frame are saved.
    let study_level = dimensions
        .iter()
        .position(|(dimension, _)| is_study_level(dimension));
    let mut key_sets: Vec<Vec<&str>> = Vec::new();
    for (dimension, _) in dimensions {
        key_sets.push(vec![frame::QUESTION, dimension, frame::DIRECTION]);
        key_sets.push(vec![frame::QUESTION, dimension]);
    }
    if study_level.is_none() {
        key_sets.push(vec![frame::QUESTION, frame::DIRECTION]);
        key_sets.push(vec![frame::QUESTION]);
    }
    let mut counted: Vec<Cells> = key_sets
        .iter()
        .map(|keys| count_by(findings, keys))
        .collect::<PolarsResult<_>>()?;
    let (direction_totals, question_totals) = match study_level {
        Some(index) => (
            without_dimension(&counted[2 * index]),
            without_dimension(&counted[2 * index + 1]),
        ),
        None => {
            let question_totals = counted.pop().unwrap_or_default();
            (counted.pop().unwrap_or_default(), question_totals)
        }
    };
    let get = |map: &Cells, key: &[&str]| {
        let key: Vec<String> = key.iter().map(|s| (*s).to_string()).collect();
        map.get(&key).copied().unwrap_or_default()
    };
    let (direction_totals, question_totals) = (&direction_totals, &question_totals);
    Ok(dimensions
        .iter()
        .zip(counted.chunks(2))
        .map(|((_, rows), pair)| {
            let (cells, row_totals) = (&pair[0], &pair[1]);
            let (keys, keep_empty) = match rows {
                Rows::All(keys) => (keys, true),
                Rows::Present(keys) => (keys, false),
            };
            topic
                .questions
                .keys()
                .map(|question| DirectionTable {
                    question: question.clone(),
                    rows: keys
                        .iter()
                        .map(|key| DirectionRow {
                            key: (*key).to_string(),
                            by_direction: Direction::ALL
                                .iter()
                                .map(|d| get(cells, &[question, key, d.key()]))
                                .collect(),
                            total: get(row_totals, &[question, key]),
                        })
                        .filter(|row| keep_empty || row.total.findings > 0)
                        .collect(),
                    by_direction: Direction::ALL
                        .iter()
                        .map(|d| get(direction_totals, &[question, d.key()]))
                        .collect(),
                    total: get(question_totals, &[question]),
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    proptest! {
        /// The question totals summed over the tier rows equal those polars counts directly
        /// (the path taken without a study-level dimension), for studies with findings under
        /// both questions, several outcomes, forms and directions, and a design of their own.
        #[test]
        fn question_totals_from_tiers_equal_direct_counts(
            picks in test_rows::picks(),
        ) {
            let registry = test_rows::shipped();
            let topic = &registry.topic;
            let findings = test_rows::findings(&registry, &picks);
            let frame = frame::findings_frame(topic, &findings).unwrap();
            let form_keys = topic.form_keys();
            let tier_keys: Vec<&str> = crate::model::Tier::ALL.iter().map(|t| t.key()).collect();
            let with_tiers = direction_tables(
                topic,
                &frame,
                &[(frame::TIER, Rows::All(&tier_keys)), (frame::FORM, Rows::Present(&form_keys))],
            )
            .unwrap();
            let forms_only =
                direction_tables(topic, &frame, &[(frame::FORM, Rows::Present(&form_keys))]).unwrap();
            for (derived, direct) in with_tiers[0].iter().zip(&forms_only[0]) {
                prop_assert_eq!(&derived.by_direction, &direct.by_direction);
                prop_assert_eq!(derived.total, direct.total);
            }
            prop_assert_eq!(&with_tiers[1], &forms_only[0]);
        }
    }
}
