//! Findings grouped by question × outcome in one pass, for the analyses that run per cell
//! (meta-analysis, certainty); scanning all findings once per cell would be quadratic-ish at
//! a million findings and many outcomes.

use crate::registry::{Finding, Topic};

/// `cells[q][o]`: the findings of a topic's q-th question and o-th outcome, in file order.
pub type QuestionOutcomeCells<'a> = Vec<Vec<Vec<&'a Finding>>>;

/// The findings by question × outcome (see [`QuestionOutcomeCells`]), made once per
/// synthesis for both the meta-analysis and the certainty ratings.
pub fn by_question_and_outcome<'a>(
    topic: &Topic,
    findings: &'a [Finding],
) -> QuestionOutcomeCells<'a> {
    let mut cells = vec![vec![Vec::new(); topic.outcomes.len()]; topic.questions.len()];
    for finding in findings {
        if let (Some(q), Some(o)) = (
            topic.questions.get_index_of(finding.question.as_str()),
            topic.outcomes.get_index_of(finding.outcome.as_str()),
        ) {
            cells[q][o].push(finding);
        }
    }
    cells
}
