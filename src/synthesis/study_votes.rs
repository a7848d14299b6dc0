//! One vote per study and outcome domain: the direction shared by at least 70% of the study's
//! findings in the domain, otherwise `conflicting` (Boon & Thomson, Res Synth Methods
//! 2021;12:301-317, the effect direction plot's rule).

use std::collections::HashMap;

use polars::prelude::PolarsResult;

use crate::frame::{self, FindingsFrame};
use crate::model::{Direction, Tier};
use crate::synthesis::counts::count_codes_by;
use crate::synthesis::study_groups::StudyGroups;
use crate::synthesis::vote_count::VoteCount;

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
    /// The study (shared: a million votes hold a third of a million distinct ids).
    pub study_id: crate::registry::finding::Text,
    /// Its design tier.
    pub tier: Tier,
    /// Its direction by the 70% rule.
    pub direction: Direction,
    /// Findings behind the vote.
    pub findings: u32,
    /// Largest n among them.
    pub n: Option<u32>,
}

/// Study votes per question (key: the question), sorted by study id, from the question ×
/// study groups. (Votes per outcome are only ever counted: see [`outcome_vote_counts`].)
pub fn study_votes(
    codes: &frame::Codebook<'_>,
    groups: &StudyGroups,
) -> HashMap<Vec<String>, Vec<StudyVote>> {
    let _phase = crate::timing::phase("study votes");
    // The groups are sorted by question, then by study code, which follows study id order, so
    // each question's votes come out whole and sorted.
    let mut votes: HashMap<Vec<String>, Vec<StudyVote>> = HashMap::new();
    let mut current: Option<(u32, Vec<StudyVote>)> = None;
    groups.for_each(|group| {
        let (Some(direction), Some(tier)) = (study_direction(group.by_direction), group.tier)
        else {
            return;
        };
        let question = group.question;
        if current.as_ref().is_none_or(|(q, _)| *q != question) {
            if let Some((previous, list)) = current.take() {
                votes.insert(question_key(codes, previous), list);
            }
            current = Some((question, Vec::new()));
        }
        if let Some((_, list)) = current.as_mut() {
            list.push(StudyVote {
                study_id: codes.shared_study_id(group.study),
                tier,
                direction,
                findings: group.findings,
                n: group.n,
            });
        }
    });
    if let Some((previous, list)) = current {
        votes.insert(question_key(codes, previous), list);
    }
    votes
}

/// The key of a question's votes: its key alone.
fn question_key(codes: &frame::Codebook<'_>, question: u32) -> Vec<String> {
    vec![codes.key(frame::QUESTION, question).to_string()]
}

/// Vote counts per question and outcome (key: question, outcome) over the studies whose tier
/// `counted` accepts: the same votes as [`study_votes`] by outcome, tallied directly instead
/// of listed (a million findings give about a million study × outcome votes).
///
/// A study has one row per outcome (checked when the registry is read), so its vote in an
/// outcome is that row's direction: the studies counted per (question, outcome, tier,
/// direction), a few hundred cells, are the votes.
pub fn outcome_vote_counts(
    findings: &FindingsFrame<'_>,
    counted: impl Fn(Tier) -> bool,
) -> PolarsResult<HashMap<Vec<String>, VoteCount>> {
    let columns = [
        frame::QUESTION,
        frame::OUTCOME,
        frame::TIER,
        frame::DIRECTION,
    ];
    let (cells, packing) = count_codes_by(findings, &columns)?;
    let _phase = crate::timing::phase("outcome votes: tally");
    // (question, outcome) codes → (studies, per direction, participants)
    type Tally = (u32, [u32; 4], u64);
    let mut tallies: HashMap<(u32, u32), Tally, foldhash::fast::RandomState> = HashMap::default();
    for (cell, count) in cells {
        let tier = Tier::ALL.get(packing.code(cell, 2) as usize).copied();
        let direction = Direction::ALL.get(packing.code(cell, 3) as usize).copied();
        let (Some(tier), Some(direction)) = (tier, direction) else {
            continue;
        };
        if !counted(tier) {
            continue;
        }
        let tally = tallies
            .entry((packing.code(cell, 0), packing.code(cell, 1)))
            .or_default();
        tally.0 += count.studies;
        tally.1[direction as usize] += count.studies;
        tally.2 += count.participants;
    }
    let codes = &findings.codes;
    Ok(tallies
        .into_iter()
        .map(
            |((question, outcome), (studies, by_direction, participants))| {
                (
                    vec![
                        codes.key(frame::QUESTION, question).to_string(),
                        codes.key(frame::OUTCOME, outcome).to_string(),
                    ],
                    VoteCount::from_tallies(studies, by_direction, participants),
                )
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Finding;
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    /// Outcome votes by definition: per (question, outcome), each counted study's vote by the
    /// 70% rule over its findings there, and its largest n.
    fn reference(
        findings: &[Finding],
        counted: impl Fn(Tier) -> bool,
    ) -> HashMap<Vec<String>, VoteCount> {
        type Study = ([u32; 4], u32, Tier);
        let mut groups: HashMap<Vec<String>, HashMap<String, Study>> = HashMap::new();
        for f in findings {
            let group = vec![f.keys.question().to_string(), f.keys.outcome().to_string()];
            let study = groups
                .entry(group)
                .or_default()
                .entry(f.study.id.to_string())
                .or_insert(([0; 4], 0, f.study.design.tier()));
            study.0[f.direction as usize] += 1;
            study.1 = study.1.max(f.n().unwrap_or(0));
        }
        groups
            .into_iter()
            .filter_map(|(group, studies)| {
                let (mut count, mut by_direction, mut participants) = (0, [0u32; 4], 0u64);
                for (directions, n, tier) in studies.values() {
                    if !counted(*tier) {
                        continue;
                    }
                    let direction = study_direction(*directions)?;
                    count += 1;
                    by_direction[direction as usize] += 1;
                    participants += u64::from(*n);
                }
                (count > 0).then(|| {
                    (
                        group,
                        VoteCount::from_tallies(count, by_direction, participants),
                    )
                })
            })
            .collect()
    }

    proptest! {
        #[test]
        fn outcome_votes_equal_the_definition(
            picks in test_rows::picks(),
        ) {
            let registry = test_rows::shipped();
            let findings = test_rows::findings(&registry, &picks);
            let frame = frame::findings_frame(&registry.topic, &findings, &crate::registry::StudyIndex::of(&findings)).unwrap();
            let counted = |tier: Tier| tier != Tier::Review;
            prop_assert_eq!(
                outcome_vote_counts(&frame, counted).unwrap(),
                reference(&findings, counted)
            );
        }
    }

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
