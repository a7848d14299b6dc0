//! Findings, studies and participants by one dimension (design tier, form, outcome) ×
//! direction, per question: how mixed the evidence is and how much stands behind each part.

use std::collections::HashMap;

use crate::frame;
use crate::model::Direction;
use crate::registry::Topic;
use crate::synthesis::counts::CellCount;

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

/// Counts per cell, keyed by the cell's values.
pub type Cells = HashMap<Vec<String>, CellCount>;

/// The counts `dimensions` need, as key sets (frame column names): per dimension (question,
/// dimension, direction) and (question, dimension), then (question, direction) and
/// (question). [`direction_tables`] takes their counts in this order.
pub fn key_sets<'a>(dimensions: &[(&'a str, Rows<'_>)]) -> Vec<Vec<&'a str>> {
    let mut key_sets: Vec<Vec<&str>> = Vec::new();
    for (dimension, _) in dimensions {
        key_sets.push(vec![frame::QUESTION, dimension, frame::DIRECTION]);
        key_sets.push(vec![frame::QUESTION, dimension]);
    }
    key_sets.push(vec![frame::QUESTION, frame::DIRECTION]);
    key_sets.push(vec![frame::QUESTION]);
    key_sets
}

/// For each `(dimension, rows)`, one table per question of the topic, in topic order, over
/// the frame column `dimension`, from `counted`: the counts of [`key_sets`] of `dimensions`, in
/// that order (how each was counted is the caller's choice).
pub fn direction_tables(
    topic: &Topic,
    dimensions: &[(&str, Rows<'_>)],
    mut counted: Vec<Cells>,
) -> Vec<Vec<DirectionTable>> {
    let question_totals = counted.pop().unwrap_or_default();
    let direction_totals = counted.pop().unwrap_or_default();
    let get = |map: &Cells, key: &[&str]| {
        let key: Vec<String> = key.iter().map(|s| (*s).to_string()).collect();
        map.get(&key).copied().unwrap_or_default()
    };
    let (direction_totals, question_totals) = (&direction_totals, &question_totals);
    dimensions
        .iter()
        .zip(counted.chunks(2))
        .map(|((_, rows), pair)| {
            let (cells, row_totals) = (&pair[0], &pair[1]);
            // The keys of each question's rows, in the order given: every key, or those with
            // findings, found from the counts (trying every key of every question was
            // quadratic: 20,000 questions × 4,000 forms and outcomes took 37 s).
            let present = match rows {
                Rows::All(_) => None,
                Rows::Present(keys) => Some(present_keys(keys, row_totals)),
            };
            topic
                .questions
                .keys()
                .map(|question| DirectionTable {
                    question: question.clone(),
                    rows: match rows {
                        Rows::All(keys) => keys.to_vec(),
                        Rows::Present(keys) => present
                            .as_ref()
                            .and_then(|present| present.get(question.as_str()))
                            .map(|at| at.iter().map(|i| keys[*i]).collect())
                            .unwrap_or_default(),
                    }
                    .into_iter()
                    .map(|key| DirectionRow {
                        key: key.to_string(),
                        by_direction: Direction::ALL
                            .iter()
                            .map(|d| get(cells, &[question, key, d.key()]))
                            .collect(),
                        total: get(row_totals, &[question, key]),
                    })
                    .collect(),
                    by_direction: Direction::ALL
                        .iter()
                        .map(|d| get(direction_totals, &[question, d.key()]))
                        .collect(),
                    total: get(question_totals, &[question]),
                })
                .collect()
        })
        .collect()
}

/// For each question, the positions in `keys` of those with findings (from the counts per
/// (question, key)), in order.
fn present_keys<'c>(keys: &[&str], row_totals: &'c Cells) -> HashMap<&'c str, Vec<usize>> {
    let position: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut present: HashMap<&str, Vec<usize>> = HashMap::new();
    for (cell, count) in row_totals {
        if let [question, key] = cell.as_slice()
            && count.findings > 0
            && let Some(at) = position.get(key.as_str())
        {
            present.entry(question.as_str()).or_default().push(*at);
        }
    }
    for at in present.values_mut() {
        at.sort_unstable();
    }
    present
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthesis::counts::count_by;
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    proptest! {
        /// Each table is the counts of its question: its rows, per direction and overall,
        /// the totals over all its rows, every tier listed and only forms with findings.
        #[test]
        fn tables_hold_the_counts_of_their_cells(
            picks in test_rows::picks(),
        ) {
            let registry = test_rows::shipped();
            let topic = &registry.topic;
            let findings = test_rows::findings(&registry, &picks);
            let frame = frame::findings_frame(topic, &findings, &crate::registry::StudyIndex::of(&findings)).unwrap();
            let form_keys = topic.form_keys();
            let tier_keys: Vec<&str> = crate::model::Tier::ALL.iter().map(|t| t.key()).collect();
            let dimensions =
                [(frame::TIER, Rows::All(&tier_keys)), (frame::FORM, Rows::Present(&form_keys))];
            let counted = key_sets(&dimensions)
                .iter()
                .map(|keys| count_by(&frame, keys).unwrap())
                .collect();
            let tables = direction_tables(topic, &dimensions, counted);
            let cells = |keys: &[&str]| count_by(&frame, keys).unwrap();
            let get = |cells: &Cells, key: &[&str]| {
                let key: Vec<String> = key.iter().map(|s| (*s).to_string()).collect();
                cells.get(&key).copied().unwrap_or_default()
            };
            let (by_direction, by_question) =
                (cells(&[frame::QUESTION, frame::DIRECTION]), cells(&[frame::QUESTION]));
            for (dimension, tables) in [frame::TIER, frame::FORM].into_iter().zip(&tables) {
                let (row_cells, row_totals) = (
                    cells(&[frame::QUESTION, dimension, frame::DIRECTION]),
                    cells(&[frame::QUESTION, dimension]),
                );
                for (table, question) in tables.iter().zip(topic.questions.keys()) {
                    prop_assert_eq!(&table.question, question);
                    prop_assert_eq!(table.total, get(&by_question, &[question]));
                    for (d, count) in Direction::ALL.iter().zip(&table.by_direction) {
                        prop_assert_eq!(*count, get(&by_direction, &[question, d.key()]));
                    }
                    if dimension == frame::TIER {
                        prop_assert_eq!(table.rows.len(), tier_keys.len());
                    }
                    for row in &table.rows {
                        prop_assert_eq!(row.total, get(&row_totals, &[question, &row.key]));
                        prop_assert!(dimension == frame::TIER || row.total.findings > 0);
                        for (d, count) in Direction::ALL.iter().zip(&row.by_direction) {
                            prop_assert_eq!(*count, get(&row_cells, &[question, &row.key, d.key()]));
                        }
                    }
                }
            }
        }
    }
}
