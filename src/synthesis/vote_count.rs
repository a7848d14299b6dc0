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
    /// The count without inference, for studies that are described, not counted (case series
    /// and reports in the primary analysis): no share with its interval, no sign test. A test
    /// of studies the synthesis does not count would contradict it.
    pub fn described_only(self) -> VoteCount {
        VoteCount {
            proportion: None,
            sign_test: None,
            min_attainable_p: None,
            ..self
        }
    }

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

impl VoteCount {
    /// The count of `studies` studies with these votes per direction ([`Direction::ALL`]
    /// order) and participants.
    pub fn from_tallies(studies: u32, by_direction: [u32; 4], participants: u64) -> VoteCount {
        from_counts(studies, by_direction, participants)
    }
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

/// Study ids named per leave-one-out group in reports; the rest are counted.
pub const NAMED_STUDIES: usize = 5;

/// What happens to a scope's count without any one study whose vote is `direction`.
///
/// Leaving out a study changes only the count of its own direction, so every study with the
/// same vote gives the same recount: results are grouped by that vote (at most four groups),
/// which keeps the result the same size for 10 studies or 10 million.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// The vote of the study left out.
    pub direction: Direction,
    /// How many counted studies have that vote.
    pub studies: u32,
    /// The first of them by study id (at most [`NAMED_STUDIES`]), for the reading.
    pub first_studies: Vec<String>,
    /// The majority without one of them.
    pub majority_without: Majority,
    /// The sign test without one of them.
    pub sign_test_without: Option<f64>,
    /// True if the majority differs from the full count's.
    pub flips_majority: bool,
    /// True if p < 0.05 holds with it but not without it, or the reverse.
    pub changes_significance: bool,
}

/// Recounts `votes` without one study of each direction (leave-one-out on the vote count),
/// in [`Direction::ALL`] order, for the directions that have votes.
pub fn leave_one_out<'a>(
    votes: impl IntoIterator<Item = &'a StudyVote>,
    full: &VoteCount,
) -> Vec<LeaveOneOut> {
    let significant = |count: &VoteCount| count.sign_test.is_some_and(|p| p.below(0.05));
    let mut first_studies: [Vec<&str>; 4] = Default::default();
    for vote in votes {
        let named = &mut first_studies[vote.direction as usize];
        if named.len() < NAMED_STUDIES || named.last().is_some_and(|l| *l > vote.study_id.as_str())
        {
            named.push(&vote.study_id);
            named.sort_unstable();
            named.truncate(NAMED_STUDIES);
        }
    }
    Direction::ALL
        .iter()
        .filter(|d| full.count(**d) > 0)
        .map(|direction| {
            let mut by_direction = full.by_direction;
            by_direction[*direction as usize] -= 1;
            let without = from_counts(full.studies - 1, by_direction, 0);
            LeaveOneOut {
                direction: *direction,
                studies: full.count(*direction),
                first_studies: first_studies[*direction as usize]
                    .iter()
                    .map(|s| (*s).to_string())
                    .collect(),
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
            study_id: id.to_string().into(),
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
        // Groups in Direction::ALL order: positive (a, c), then negative (b).
        assert_eq!(loo.len(), 2);
        assert_eq!(loo[0].direction, Direction::Positive);
        assert_eq!(loo[0].studies, 2);
        assert_eq!(loo[0].first_studies, ["a", "c"]);
        assert!(loo[0].flips_majority);
        assert_eq!(loo[0].majority_without, Majority::Tie);
        assert_eq!(loo[1].direction, Direction::Negative);
        assert!(!loo[1].flips_majority);
        // 2 positive of 2 with a direction: binom.test(2, 2)$p.value = 0.5
        assert_eq!(loo[1].sign_test_without, Some(0.5));
    }

    #[test]
    fn leave_one_out_names_the_first_studies_by_id() {
        let votes: Vec<StudyVote> = ["f", "b", "h", "a", "g", "c", "e", "d"]
            .iter()
            .map(|id| vote(id, Direction::Positive))
            .collect();
        let loo = leave_one_out(&votes, &count_votes(&votes));
        assert_eq!(loo.len(), 1);
        assert_eq!(loo[0].studies, 8);
        assert_eq!(loo[0].first_studies, ["a", "b", "c", "d", "e"]);
    }
}
