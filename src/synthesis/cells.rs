//! Findings grouped by question × outcome in one pass, for the analyses that run per cell
//! (meta-analysis, certainty); scanning all findings once per cell would be quadratic-ish at
//! a million findings and many outcomes.
//!
//! Only cells that hold findings exist: a topic of 20,000 questions and 2,000 outcomes has 40
//! million cells, of which a registry fills a few (held as a matrix of empty lists, they took
//! 960 MB and a walk of 40 million for each analysis).

use std::collections::HashMap;

use crate::frame::key_codes;
use crate::registry::{Finding, Topic};

/// One question × outcome cell that holds findings.
#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// The question key.
    pub question: &'a String,
    /// The outcome key.
    pub outcome: &'a String,
    /// Every finding of the registry; the cell's are at `rows`.
    all: &'a [Finding],
    /// Positions of its findings in `all`, in file order: 4 bytes a finding, where a list of
    /// references took 8 (grown by doubling, a list reserves up to twice that; at ten million
    /// findings the lists were 150 MB of the heap at the report's peak of memory).
    rows: Vec<u32>,
}

impl<'a> Cell<'a> {
    /// Its findings, in file order.
    pub fn findings(&self) -> impl ExactSizeIterator<Item = &'a Finding> + '_ {
        self.rows.iter().map(|&row| &self.all[row as usize])
    }

    /// How many findings it has.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it has none (never, for a cell listed).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The cells with findings, by question then outcome, each in topic order.
#[derive(Debug, Clone, Default)]
pub struct QuestionOutcomeCells<'a> {
    cells: Vec<Cell<'a>>,
}

impl<'a> QuestionOutcomeCells<'a> {
    /// Every cell with findings, by question then outcome in topic order.
    pub fn iter(&self) -> impl Iterator<Item = &Cell<'a>> {
        self.cells.iter()
    }
}

/// The findings by question × outcome (see [`QuestionOutcomeCells`]), made once per
/// synthesis for both the meta-analysis and the certainty ratings. Findings whose question
/// or outcome the topic does not define (which validation refuses) are left out.
///
/// Rows are numbered as `u32`: a registry of more than four billion findings (200 GB of
/// findings alone) cannot be held.
pub fn by_question_and_outcome<'a>(
    topic: &'a Topic,
    findings: &'a [Finding],
) -> QuestionOutcomeCells<'a> {
    // Each cell's position in topic order, and its rows.
    let mut placed: Vec<((usize, usize), Vec<u32>)> = Vec::new();
    let mut index: HashMap<(usize, usize), usize, foldhash::fast::RandomState> = HashMap::default();
    let mut last: Option<((u32, u32), usize)> = None;
    for (row, finding) in (0u32..).zip(findings) {
        let [q, _, o] = key_codes(&finding.keys, topic);
        if q == u32::MAX || o == u32::MAX {
            continue;
        }
        // A study's rows come together, and often its cells too: the last cell is tried
        // before the index.
        let at = match last {
            Some((cell, at)) if cell == (q, o) => at,
            _ => *index.entry((q as usize, o as usize)).or_insert_with(|| {
                placed.push(((q as usize, o as usize), Vec::new()));
                placed.len() - 1
            }),
        };
        last = Some(((q, o), at));
        placed[at].1.push(row);
    }
    drop(index);
    placed.sort_unstable_by_key(|(at, _)| *at);
    let cells = placed
        .into_iter()
        .filter_map(|((q, o), rows)| {
            Some(Cell {
                question: topic.questions.get_index(q)?.0,
                outcome: topic.outcomes.get_index(o)?.0,
                all: findings,
                rows,
            })
        })
        .collect();
    QuestionOutcomeCells { cells }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::finding::{RowKeys, Text};
    use crate::synthesis::test_rows;

    /// Only cells with findings exist, in topic order (question, then outcome), whatever the
    /// order of the rows; a cell's findings keep file order even when other cells' rows come
    /// between them.
    #[test]
    fn cells_with_findings_are_listed_in_topic_order() {
        let registry = test_rows::shipped();
        let topic = &registry.topic;
        let questions: Vec<&String> = topic.questions.keys().collect();
        let outcomes: Vec<&String> = topic.outcomes.keys().collect();
        assert!(questions.len() >= 2 && outcomes.len() >= 3);
        // (question, outcome) of each row, by position in the topic, out of order.
        let picks = [(1, 2), (0, 1), (1, 2), (0, 0), (0, 1), (1, 0)];
        let findings: Vec<Finding> = picks
            .iter()
            .enumerate()
            .map(|(line, (q, o))| {
                let mut f = registry.findings[0].clone();
                f.line = line as u64 + 2;
                f.keys = std::sync::Arc::new(RowKeys::coded(
                    topic,
                    Text::from(questions[*q].as_str()),
                    f.keys.form().clone(),
                    Text::from(outcomes[*o].as_str()),
                ));
                f
            })
            .collect();
        let cells = by_question_and_outcome(topic, &findings);
        let listed: Vec<(&str, &str, Vec<u64>)> = cells
            .iter()
            .map(|cell| {
                let lines = cell.findings().map(|f| f.line).collect();
                (cell.question.as_str(), cell.outcome.as_str(), lines)
            })
            .collect();
        let (q0, q1) = (questions[0].as_str(), questions[1].as_str());
        let o = |i: usize| outcomes[i].as_str();
        assert_eq!(
            listed,
            [
                (q0, o(0), vec![5]),
                (q0, o(1), vec![3, 6]),
                (q1, o(0), vec![7]),
                (q1, o(2), vec![2, 4]),
            ]
        );
    }
}
