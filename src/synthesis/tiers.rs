//! Findings, studies and participants by design tier × direction, per question: the table
//! that shows at a glance how mixed the evidence is and how much stands behind each part.

use polars::prelude::{DataFrame, PolarsResult};

use crate::frame;
use crate::model::{Direction, Tier};
use crate::registry::Topic;
use crate::synthesis::counts::{CellCount, count_by};

/// One design tier's row: a cell per direction (in [`Direction::ALL`] order) and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRow {
    /// The tier.
    pub tier: Tier,
    /// Counts per direction, in [`Direction::ALL`] order.
    pub by_direction: Vec<CellCount>,
    /// The whole tier (studies and participants counted once).
    pub total: CellCount,
}

/// The tier × direction table of one question; every tier has a row, empty or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionTiers {
    /// The question key.
    pub question: String,
    /// One row per tier, in [`Tier::ALL`] order.
    pub rows: Vec<TierRow>,
    /// Per direction over all tiers.
    pub by_direction: Vec<CellCount>,
    /// The whole question.
    pub total: CellCount,
}

/// Builds one table per question of the topic, in topic order.
pub fn tier_tables(topic: &Topic, findings: &DataFrame) -> PolarsResult<Vec<QuestionTiers>> {
    let cells = count_by(findings, &[frame::QUESTION, frame::TIER, frame::DIRECTION])?;
    let tier_totals = count_by(findings, &[frame::QUESTION, frame::TIER])?;
    let direction_totals = count_by(findings, &[frame::QUESTION, frame::DIRECTION])?;
    let question_totals = count_by(findings, &[frame::QUESTION])?;
    let get = |map: &std::collections::HashMap<Vec<String>, CellCount>, key: &[&str]| {
        let key: Vec<String> = key.iter().map(|s| (*s).to_string()).collect();
        map.get(&key).copied().unwrap_or_default()
    };
    Ok(topic
        .questions
        .keys()
        .map(|question| QuestionTiers {
            question: question.clone(),
            rows: Tier::ALL
                .iter()
                .map(|tier| TierRow {
                    tier: *tier,
                    by_direction: Direction::ALL
                        .iter()
                        .map(|d| get(&cells, &[question, tier.key(), d.key()]))
                        .collect(),
                    total: get(&tier_totals, &[question, tier.key()]),
                })
                .collect(),
            by_direction: Direction::ALL
                .iter()
                .map(|d| get(&direction_totals, &[question, d.key()]))
                .collect(),
            total: get(&question_totals, &[question]),
        })
        .collect())
}
