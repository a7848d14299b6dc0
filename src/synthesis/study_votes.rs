//! One vote per study and outcome domain: the direction shared by at least 70% of the study's
//! findings in the domain, otherwise `conflicting` (Boon & Thomson, Res Synth Methods
//! 2021;12:301-317, the effect direction plot's rule).

use std::collections::HashMap;

use polars::prelude::{DataFrame, IntoLazy, PolarsResult, col, len, lit};

use crate::frame;
use crate::model::{Direction, Tier};

/// Share of a study's findings that must agree for the study to take their direction.
pub const AGREEMENT: f64 = 0.7;

/// The direction a study takes from its findings' directions, counted per direction in
/// [`Direction::ALL`] order: the direction of at least 70% of them, else `conflicting`.
pub fn study_direction(counts: [u32; 4]) -> Option<Direction> {
    let total: u32 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let (best, count) = Direction::ALL
        .iter()
        .zip(counts)
        .max_by_key(|(_, count)| *count)
        .map(|(d, c)| (*d, c))?;
    // Integer form of count / total >= 0.7, exact for any count.
    if u64::from(count) * 10 >= u64::from(total) * 7 {
        Some(best)
    } else {
        Some(Direction::Conflicting)
    }
}

/// One study's vote in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyVote {
    /// The study.
    pub study_id: String,
    /// Its design tier.
    pub tier: Tier,
    /// Its direction by the 70% rule.
    pub direction: Direction,
    /// Findings behind the vote.
    pub findings: u32,
    /// Largest n among them.
    pub n: Option<u32>,
}

/// Study votes per question (key: question) when `by_outcome` is false, or per question and
/// outcome (key: question, outcome) when true. Votes are sorted by study id.
pub fn study_votes(
    findings: &DataFrame,
    by_outcome: bool,
) -> PolarsResult<HashMap<Vec<String>, Vec<StudyVote>>> {
    let mut keys = vec![col(frame::QUESTION)];
    if by_outcome {
        keys.push(col(frame::OUTCOME));
    }
    keys.push(col(frame::STUDY_ID));
    keys.push(col(frame::TIER));
    let mut aggregations = vec![len().alias("findings"), col(frame::N).max().alias("n")];
    for direction in Direction::ALL {
        aggregations.push(
            col(frame::DIRECTION)
                .eq(lit(direction.key()))
                .cast(polars::prelude::DataType::UInt32)
                .sum()
                .alias(direction.key()),
        );
    }
    let grouped = findings
        .clone()
        .lazy()
        .group_by(keys)
        .agg(aggregations)
        .sort(
            [frame::STUDY_ID],
            polars::prelude::SortMultipleOptions::default(),
        )
        .collect()?;

    let question = grouped.column(frame::QUESTION)?.str()?;
    let outcome = if by_outcome {
        Some(grouped.column(frame::OUTCOME)?.str()?)
    } else {
        None
    };
    let study = grouped.column(frame::STUDY_ID)?.str()?;
    let tier = grouped.column(frame::TIER)?.str()?;
    let total = grouped
        .column("findings")?
        .cast(&polars::prelude::DataType::UInt32)?;
    let total = total.u32()?;
    let n = grouped.column("n")?.u32()?;
    let per_direction = Direction::ALL
        .iter()
        .map(|d| grouped.column(d.key()).and_then(|c| c.u32().cloned()))
        .collect::<PolarsResult<Vec<_>>>()?;

    let mut votes: HashMap<Vec<String>, Vec<StudyVote>> = HashMap::new();
    for row in 0..grouped.height() {
        let counts: [u32; 4] = std::array::from_fn(|i| per_direction[i].get(row).unwrap_or(0));
        let (Some(direction), Some(tier)) =
            (study_direction(counts), tier.get(row).and_then(Tier::parse))
        else {
            continue;
        };
        let mut key = vec![question.get(row).unwrap_or_default().to_string()];
        if let Some(outcome) = outcome {
            key.push(outcome.get(row).unwrap_or_default().to_string());
        }
        votes.entry(key).or_default().push(StudyVote {
            study_id: study.get(row).unwrap_or_default().to_string(),
            tier,
            direction,
            findings: total.get(row).unwrap_or(0),
            n: n.get(row),
        });
    }
    Ok(votes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventy_percent_rule() {
        // [positive, none, negative, conflicting]
        assert_eq!(study_direction([4, 1, 0, 0]), Some(Direction::Positive)); // 80%
        assert_eq!(study_direction([7, 3, 0, 0]), Some(Direction::Positive)); // exactly 70%
        assert_eq!(study_direction([2, 1, 0, 0]), Some(Direction::Conflicting)); // 67%
        assert_eq!(study_direction([1, 0, 1, 0]), Some(Direction::Conflicting)); // tie
        assert_eq!(study_direction([0, 0, 3, 1]), Some(Direction::Negative)); // 75%
        assert_eq!(study_direction([0, 1, 0, 0]), Some(Direction::None));
        assert_eq!(study_direction([1, 0, 0, 0]), Some(Direction::Positive));
        assert_eq!(study_direction([0, 0, 0, 0]), None);
    }
}
