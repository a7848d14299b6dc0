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

/// For each `(dimension, rows)`, one table per question of the topic, in topic order, over
/// the frame column `dimension`. The counts run one after another: each polars group-by
/// already uses every core, and running them side by side was twice as slow.
pub fn direction_tables(
    topic: &Topic,
    findings: &FindingsFrame<'_>,
    dimensions: &[(&str, Rows<'_>)],
) -> PolarsResult<Vec<Vec<DirectionTable>>> {
    type Cells = HashMap<Vec<String>, CellCount>;
    let mut key_sets: Vec<Vec<&str>> = vec![
        vec![frame::QUESTION, frame::DIRECTION],
        vec![frame::QUESTION],
    ];
    for (dimension, _) in dimensions {
        key_sets.push(vec![frame::QUESTION, dimension, frame::DIRECTION]);
        key_sets.push(vec![frame::QUESTION, dimension]);
    }
    let counted: Vec<Cells> = key_sets
        .iter()
        .map(|keys| count_by(findings, keys))
        .collect::<PolarsResult<_>>()?;
    let get = |map: &Cells, key: &[&str]| {
        let key: Vec<String> = key.iter().map(|s| (*s).to_string()).collect();
        map.get(&key).copied().unwrap_or_default()
    };
    let (direction_totals, question_totals) = (&counted[0], &counted[1]);
    Ok(dimensions
        .iter()
        .zip(counted[2..].chunks(2))
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
