//! Findings grouped by question × outcome in one pass, for the analyses that run per cell
//! (meta-analysis, certainty); scanning all findings once per cell would be quadratic-ish at
//! a million findings and many outcomes.

use std::collections::HashMap;

use crate::registry::{Finding, Topic};

/// `cells[q][o]`: the findings of the topic's q-th question and o-th outcome, in file order.
pub fn by_question_and_outcome<'a>(
    topic: &Topic,
    findings: &'a [Finding],
) -> Vec<Vec<Vec<&'a Finding>>> {
    let index = |keys: Vec<&str>| -> HashMap<String, usize, foldhash::fast::RandomState> {
        keys.into_iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i))
            .collect()
    };
    let questions = index(topic.questions.keys().map(String::as_str).collect());
    let outcomes = index(topic.outcomes.keys().map(String::as_str).collect());
    let mut cells = vec![vec![Vec::new(); outcomes.len()]; questions.len()];
    for finding in findings {
        if let (Some(q), Some(o)) = (
            questions.get(finding.question.as_str()),
            outcomes.get(finding.outcome.as_str()),
        ) {
            cells[*q][*o].push(finding);
        }
    }
    cells
}
