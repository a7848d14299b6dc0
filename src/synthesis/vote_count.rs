//! Vote counts of one scope (a question, a tier, an outcome domain), their sign test and Wilson
//! interval, and leave-one-out: does any single study decide the majority?

use serde::Serialize;

use crate::model::Direction;
use crate::synthesis::study_votes::StudyVote;
use crate::synthesis::votes::{PValue, Proportion, min_attainable_p, sign_test, wilson};

/// Which way most studies with a direction point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Majority {
    /// More positive than negative studies.
    Positive,
    /// More negative than positive studies.
    Negative,
    /// As many positive as negative.
    Tie,
    /// No study with a positive or negative direction.
    NoVotes,
}

impl Majority {
    fn of(positive: u32, negative: u32) -> Majority {
        match (positive, negative) {
            (0, 0) => Majority::NoVotes,
            (p, n) if p > n => Majority::Positive,
            (p, n) if p < n => Majority::Negative,
            _ => Majority::Tie,
        }
    }
}

/// The vote count of one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteCount {
    /// Studies in the scope, whatever their direction.
    pub studies: u32,
    /// Studies per direction, in [`Direction::ALL`] order.
    pub by_direction: [u32; 4],
    /// Participants behind the votes (each study once, its largest n).
    pub participants: u64,
    /// n of the sign test: studies with a positive or negative direction.
    pub with_direction: u32,
    /// Positive share of `with_direction` with its Wilson 95% interval.
    pub proportion: Option<Proportion>,
    /// Exact two-sided sign test.
    pub sign_test: Option<PValue>,
    /// The smallest p this `with_direction` can reach.
    pub min_attainable_p: Option<PValue>,
    /// Majority direction.
    pub majority: Majority,
}

impl VoteCount {
    /// Studies voting `direction`.
    pub fn count(&self, direction: Direction) -> u32 {
        self.by_direction[direction as usize]
    }

    /// Positive votes (u of the sign test).
    pub fn positive(&self) -> u32 {
        self.count(Direction::Positive)
    }

    /// Negative votes.
    pub fn negative(&self) -> u32 {
        self.count(Direction::Negative)
    }
}

/// Counts the votes of `votes`.
pub fn count_votes<'a>(votes: impl IntoIterator<Item = &'a StudyVote>) -> VoteCount {
    let mut by_direction = [0u32; 4];
    let mut studies = 0;
    let mut participants = 0u64;
    for vote in votes {
        by_direction[vote.direction as usize] += 1;
        studies += 1;
        participants += u64::from(vote.n.unwrap_or(0));
    }
    from_counts(studies, by_direction, participants)
}

fn from_counts(studies: u32, by_direction: [u32; 4], participants: u64) -> VoteCount {
    let positive = by_direction[Direction::Positive as usize];
    let negative = by_direction[Direction::Negative as usize];
    let with_direction = positive + negative;
    VoteCount {
        studies,
        by_direction,
        participants,
        with_direction,
        proportion: wilson(positive.into(), with_direction.into()),
        sign_test: sign_test(positive.into(), with_direction.into()),
        min_attainable_p: min_attainable_p(with_direction.into()),
        majority: Majority::of(positive, negative),
    }
}

/// What happens to a scope's count without one study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// The study left out.
    pub study_id: String,
    /// Its vote.
    pub direction: Direction,
    /// The majority without it.
    pub majority_without: Majority,
    /// The sign test without it.
    pub sign_test_without: Option<f64>,
    /// True if the majority differs from the full count's.
    pub flips_majority: bool,
    /// True if p < 0.05 holds with it but not without it, or the reverse.
    pub changes_significance: bool,
}

/// Recounts `votes` once without each study (leave-one-out on the vote count).
pub fn leave_one_out(votes: &[StudyVote], full: &VoteCount) -> Vec<LeaveOneOut> {
    let significant = |count: &VoteCount| count.sign_test.is_some_and(|p| p.below(0.05));
    // Leaving out a study changes only the count of its direction, so there are at most four
    // distinct recounts: compute each once (this keeps 100k studies linear, not quadratic).
    let mut recounts: [Option<VoteCount>; 4] = Default::default();
    votes
        .iter()
        .map(|left_out| {
            let without = recounts[left_out.direction as usize]
                .get_or_insert_with(|| {
                    let mut by_direction = full.by_direction;
                    by_direction[left_out.direction as usize] -= 1;
                    from_counts(full.studies - 1, by_direction, 0)
                })
                .clone();
            LeaveOneOut {
                study_id: left_out.study_id.clone(),
                direction: left_out.direction,
                majority_without: without.majority,
                sign_test_without: without.sign_test.map(PValue::value),
                flips_majority: without.majority != full.majority,
                changes_significance: significant(&without) != significant(full),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn vote(id: &str, direction: Direction) -> StudyVote {
        StudyVote {
            study_id: id.to_string(),
            tier: Tier::Randomised,
            direction,
            findings: 1,
            n: Some(10),
        }
    }

    #[test]
    fn none_and_conflicting_votes_are_not_in_the_sign_test() {
        let votes = [
            vote("a", Direction::Positive),
            vote("b", Direction::Positive),
            vote("c", Direction::None),
            vote("d", Direction::Conflicting),
            vote("e", Direction::Negative),
        ];
        let count = count_votes(&votes);
        assert_eq!(count.studies, 5);
        assert_eq!(count.with_direction, 3);
        assert_eq!(count.majority, Majority::Positive);
        assert_eq!(count.participants, 50);
        // binom.test(2, 3)$p.value = 1
        assert_eq!(count.sign_test.unwrap().value(), 1.0);
    }

    #[test]
    fn leave_one_out_finds_the_deciding_study() {
        let votes = [
            vote("a", Direction::Positive),
            vote("b", Direction::Negative),
            vote("c", Direction::Positive),
        ];
        let full = count_votes(&votes);
        let loo = leave_one_out(&votes, &full);
        assert!(loo[0].flips_majority && loo[2].flips_majority);
        assert_eq!(loo[0].majority_without, Majority::Tie);
        assert!(!loo[1].flips_majority);
    }
}
