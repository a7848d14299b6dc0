//! One row per question × study: a single polars group-by of the findings, from which the
//! study votes and every count whose keys are the question, the design tier (a study-level
//! field) and the direction are folded without grouping the findings again.
//!
//! At a million findings a polars group-by by study costs 30–70 ms; the tier tables (by
//! direction and overall), the question totals and the registry totals took five of them. Now
//! they are sums over the groups (a third of a million at a million findings), checked against
//! the direct polars counts by a property test.

use std::collections::HashMap;

use polars::prelude::{
    DataFrame, DataType, IntoLazy, PolarsResult, SortMultipleOptions, col, len, lit,
};

use crate::frame::{self, Codebook, FindingsFrame, Packing};
use crate::model::{Direction, Tier};
use crate::synthesis::counts::CellCount;

/// What one study's findings under one question add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudyGroup {
    /// The packed (question, study) codes; read them with [`StudyGroups::packing`].
    pub key: u64,
    /// The study's design tier (the same on all its rows: checked when the registry is read).
    pub tier: Option<Tier>,
    /// Its findings under the question.
    pub findings: u32,
    /// The largest n among them, if any gives n.
    pub n: Option<u32>,
    /// Findings per direction, in [`Direction::ALL`] order.
    pub by_direction: [u32; 4],
    /// The largest n among the findings of each direction (0 when none gives n).
    pub n_by_direction: [u32; 4],
}

/// The question × study groups of a findings frame, sorted by question, then study id.
pub struct StudyGroups {
    /// The groups, sorted by key.
    pub groups: Vec<StudyGroup>,
    /// Where the question (0) and study (1) codes sit in a group's key.
    pub packing: Packing,
}

/// The grouped columns, by name.
const FINDINGS: &str = "findings";
const LARGEST_N: &str = "n";

/// The column of the largest n among a group's findings of one direction.
fn largest_n_column(direction: Direction) -> String {
    format!("n_{}", direction.key())
}

impl StudyGroups {
    /// Groups the findings by question and study (polars).
    pub fn of(findings: &FindingsFrame<'_>) -> PolarsResult<StudyGroups> {
        let (keyed, packing) = findings.keyed(
            &[frame::QUESTION, frame::STUDY_ID],
            &[frame::N, frame::TIER, frame::DIRECTION],
        )?;
        let mut aggregations = vec![
            len().alias(FINDINGS),
            col(frame::N).max().alias(LARGEST_N),
            col(frame::TIER).first().alias(frame::TIER),
        ];
        for (code, direction) in (0u32..).zip(Direction::ALL) {
            let of_direction = col(frame::DIRECTION).eq(lit(code)).cast(DataType::UInt32);
            aggregations.push(of_direction.clone().sum().alias(direction.key()));
            // n where the row has this direction, 0 elsewhere; a missing n stays missing.
            aggregations.push(
                (col(frame::N) * of_direction)
                    .max()
                    .alias(largest_n_column(*direction)),
            );
        }
        let _phase = crate::timing::phase("study groups: group-by");
        let grouped = keyed
            .lazy()
            .group_by([col(frame::KEY)])
            .agg(aggregations)
            .sort([frame::KEY], SortMultipleOptions::default())
            .collect()?;
        Ok(StudyGroups {
            groups: decode(&grouped)?,
            packing,
        })
    }

    /// The question code of a group.
    pub fn question(&self, group: &StudyGroup) -> u32 {
        self.packing.code(group.key, 0)
    }

    /// The study code of a group.
    pub fn study(&self, group: &StudyGroup) -> u32 {
        self.packing.code(group.key, 1)
    }

    /// Counts per distinct value of `keys` (frame column names), as
    /// [`crate::synthesis::counts::count_by`] gives them, when the keys include the question and
    /// are otherwise the tier and the direction: a study is in exactly one group per question,
    /// so each cell's studies are its groups. `None` for other keys.
    pub fn count_by(
        &self,
        codes: &Codebook<'_>,
        keys: &[&str],
    ) -> Option<HashMap<Vec<String>, CellCount>> {
        let foldable = keys.contains(&frame::QUESTION)
            && keys
                .iter()
                .all(|k| matches!(*k, frame::QUESTION | frame::TIER | frame::DIRECTION));
        if !foldable {
            return None;
        }
        let by_direction = keys.contains(&frame::DIRECTION);
        // Cells keyed by the codes of `keys`, in their order.
        let mut cells: HashMap<Vec<u32>, CellCount, foldhash::fast::RandomState> =
            HashMap::default();
        let mut add = |group: &StudyGroup, direction: Option<u32>, count: CellCount| {
            let key = keys
                .iter()
                .map(|column| match *column {
                    frame::QUESTION => self.question(group),
                    frame::TIER => group.tier.map_or(u32::MAX, |t| t as u32),
                    _ => direction.unwrap_or(u32::MAX),
                })
                .collect();
            let cell = cells.entry(key).or_default();
            cell.findings += count.findings;
            cell.studies += count.studies;
            cell.participants += count.participants;
        };
        for group in &self.groups {
            if by_direction {
                for (code, (findings, n)) in
                    (0u32..).zip(group.by_direction.iter().zip(group.n_by_direction))
                {
                    if *findings > 0 {
                        let count = CellCount {
                            findings: *findings,
                            studies: 1,
                            participants: u64::from(n),
                        };
                        add(group, Some(code), count);
                    }
                }
            } else {
                let count = CellCount {
                    findings: group.findings,
                    studies: 1,
                    participants: u64::from(group.n.unwrap_or(0)),
                };
                add(group, None, count);
            }
        }
        Some(
            cells
                .into_iter()
                .map(|(cell, count)| {
                    let key = keys
                        .iter()
                        .zip(cell)
                        .map(|(column, code)| codes.key(column, code).to_string())
                        .collect();
                    (key, count)
                })
                .collect(),
        )
    }

    /// All findings: their count, their distinct studies, and the sum over the studies of each
    /// study's largest n (under any question). `studies` is the number of study codes.
    pub fn totals(&self, studies: usize) -> CellCount {
        let mut largest: Vec<Option<u32>> = vec![None; studies];
        let mut findings = 0;
        for group in &self.groups {
            findings += group.findings;
            if let Some(slot) = largest.get_mut(self.study(group) as usize) {
                *slot = Some(slot.unwrap_or(0).max(group.n.unwrap_or(0)));
            }
        }
        let present = largest.iter().flatten();
        CellCount {
            findings,
            studies: present.clone().count() as u32,
            participants: present.map(|n| u64::from(*n)).sum(),
        }
    }
}

/// The grouped frame as groups, in its (key) order.
fn decode(grouped: &DataFrame) -> PolarsResult<Vec<StudyGroup>> {
    let u32s = |name: &str| -> PolarsResult<Vec<Option<u32>>> {
        Ok(grouped
            .column(name)?
            .cast(&DataType::UInt32)?
            .u32()?
            .iter()
            .collect())
    };
    let keys = grouped.column(frame::KEY)?.u64()?;
    let tiers = u32s(frame::TIER)?;
    let findings = u32s(FINDINGS)?;
    let largest = u32s(LARGEST_N)?;
    let mut by_direction = Vec::with_capacity(Direction::ALL.len());
    let mut n_by_direction = Vec::with_capacity(Direction::ALL.len());
    for direction in Direction::ALL {
        by_direction.push(u32s(direction.key())?);
        n_by_direction.push(u32s(&largest_n_column(*direction))?);
    }
    Ok(keys
        .iter()
        .enumerate()
        .map(|(row, key)| StudyGroup {
            key: key.unwrap_or_default(),
            tier: tiers[row].and_then(|code| Tier::ALL.get(code as usize).copied()),
            findings: findings[row].unwrap_or(0),
            n: largest[row],
            by_direction: std::array::from_fn(|d| by_direction[d][row].unwrap_or(0)),
            n_by_direction: std::array::from_fn(|d| n_by_direction[d][row].unwrap_or(0)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthesis::counts::count_by;
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    proptest! {
        /// Every count folded from the groups equals polars' direct count of the findings
        /// (itself checked against the count by definition in `counts`), for studies with
        /// findings under both questions, several outcomes, forms and directions, some
        /// without n, and a design of their own.
        #[test]
        fn folded_counts_equal_direct_counts(picks in test_rows::picks()) {
            let registry = test_rows::shipped();
            let findings = test_rows::findings(&registry, &picks);
            let frame = frame::findings_frame(&registry.topic, &findings).unwrap();
            let groups = StudyGroups::of(&frame).unwrap();
            let key_sets: [&[&str]; 5] = [
                &[frame::QUESTION, frame::TIER, frame::DIRECTION],
                &[frame::QUESTION, frame::TIER],
                &[frame::QUESTION, frame::DIRECTION],
                &[frame::QUESTION],
                &[frame::DIRECTION, frame::QUESTION],
            ];
            for keys in key_sets {
                prop_assert_eq!(
                    groups.count_by(&frame.codes, keys).unwrap(),
                    count_by(&frame, keys).unwrap(),
                    "{:?}", keys
                );
            }
            let totals = count_by(&frame, &[]).unwrap().into_values().next().unwrap_or_default();
            prop_assert_eq!(groups.totals(frame.codes.len(frame::STUDY_ID)), totals);
        }
    }

    #[test]
    fn counts_by_other_keys_are_left_to_polars() {
        let registry = test_rows::shipped();
        let frame = frame::findings_frame(&registry.topic, &registry.findings).unwrap();
        let groups = StudyGroups::of(&frame).unwrap();
        assert!(
            groups
                .count_by(&frame.codes, &[frame::QUESTION, frame::FORM])
                .is_none()
        );
        assert!(
            groups
                .count_by(&frame.codes, &[frame::TIER, frame::DIRECTION])
                .is_none()
        );
        assert!(groups.count_by(&frame.codes, &[]).is_none());
        // The shipped registry: 16 findings of 8 studies, 571 participants (its README).
        assert_eq!(
            groups.totals(frame.codes.len(frame::STUDY_ID)),
            CellCount {
                findings: 16,
                studies: 8,
                participants: 571
            }
        );
    }
}
