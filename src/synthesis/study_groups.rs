//! One row per question × study, from a single polars group-by of the findings, from which
//! the study votes and every count whose keys are the question, the design tier (a study-level
//! field) and the direction are folded without grouping the findings again.
//!
//! At a million findings a polars group-by by study costs 30–70 ms; the tier tables (by
//! direction and overall), the question totals and the registry totals took five of them. Now
//! they are sums over the groups, checked against the direct polars counts by a property test.

use std::collections::HashMap;

use polars::prelude::{
    DataType, IntoLazy, PolarsResult, SortMultipleOptions, UInt32Chunked, UInt64Chunked, col, len,
};

use crate::frame::{self, Codebook, FindingsFrame, Packing};
use crate::model::Tier;
use crate::synthesis::counts::CellCount;

/// What one study's findings under one question add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudyGroup {
    /// The question's code.
    pub question: u32,
    /// The study's code (codes follow study id order).
    pub study: u32,
    /// The study's design tier (the same on all its rows: checked when the registry is read).
    pub tier: Option<Tier>,
    /// Its findings under the question.
    pub findings: u32,
    /// The largest n among them, if any gives n.
    pub n: Option<u32>,
    /// Findings per direction, in [`crate::model::Direction::ALL`] order.
    pub by_direction: [u32; 4],
    /// The largest n among the findings of each direction (0 when none gives n).
    pub n_by_direction: [u32; 4],
}

/// The question × study groups of a findings frame.
///
/// polars groups the findings by (question, study, direction) — a study's rows in one
/// direction are one group, with their count, largest n and tier — and sorts the groups by
/// that key, so a study's directions under a question are adjacent and [`StudyGroups::iter`]
/// folds them into one [`StudyGroup`] as it goes. Three aggregations, not an extra count and
/// largest n per direction over every finding: at ten million findings those twelve
/// aggregations took 6 s and 300 MB more.
pub struct StudyGroups {
    keys: UInt64Chunked,
    tiers: UInt32Chunked,
    findings: UInt32Chunked,
    largest_n: UInt32Chunked,
    /// Where the question (0), study (1) and direction (2) codes sit in a key.
    packing: Packing,
}

/// The grouped columns, by name.
const FINDINGS: &str = "findings";
const LARGEST_N: &str = "n";

impl StudyGroups {
    /// Groups the findings by question, study and direction (polars).
    pub fn of(findings: &FindingsFrame<'_>) -> PolarsResult<StudyGroups> {
        let (keyed, packing) = findings.keyed(
            &[frame::QUESTION, frame::STUDY_ID, frame::DIRECTION],
            &[frame::N, frame::TIER],
        )?;
        let _phase = crate::timing::phase("study groups: group-by");
        let grouped = keyed
            .lazy()
            .group_by([col(frame::KEY)])
            .agg([
                len().alias(FINDINGS),
                col(frame::N).max().alias(LARGEST_N),
                col(frame::TIER).first().alias(frame::TIER),
            ])
            .sort([frame::KEY], SortMultipleOptions::default())
            .collect()?;
        let u32s = |name: &str| -> PolarsResult<UInt32Chunked> {
            Ok(grouped
                .column(name)?
                .cast(&DataType::UInt32)?
                .u32()?
                .rechunk()
                .into_owned())
        };
        Ok(StudyGroups {
            keys: grouped.column(frame::KEY)?.u64()?.rechunk().into_owned(),
            tiers: u32s(frame::TIER)?,
            findings: u32s(FINDINGS)?,
            largest_n: u32s(LARGEST_N)?,
            packing,
        })
    }

    /// The question × study groups in order of question, then study id.
    pub fn iter(&self) -> impl Iterator<Item = StudyGroup> + '_ {
        // Keys, counts and tiers are never missing (a code, a length, a validated code); the
        // largest n is missing when no finding gives n.
        let mut rows = self
            .keys
            .into_no_null_iter()
            .zip(self.tiers.into_no_null_iter())
            .zip(self.findings.into_no_null_iter())
            .zip(self.largest_n.iter())
            .map(|(((key, tier), findings), n)| (key, tier, findings, n))
            .peekable();
        let packing = &self.packing;
        std::iter::from_fn(move || {
            let (key, tier, _, _) = *rows.peek()?;
            let mut group = StudyGroup {
                question: packing.code(key, 0),
                study: packing.code(key, 1),
                tier: Tier::ALL.get(tier as usize).copied(),
                findings: 0,
                n: None,
                by_direction: [0; 4],
                n_by_direction: [0; 4],
            };
            // This study's directions under this question: the rows up to the next
            // (question, study).
            while let Some(&(next, _, findings, n)) = rows.peek()
                && packing.without_last(next) == packing.without_last(key)
            {
                rows.next();
                let direction = packing.code(next, 2) as usize;
                if let Some(count) = group.by_direction.get_mut(direction) {
                    *count += findings;
                    group.n_by_direction[direction] = n.unwrap_or(0);
                }
                group.findings += findings;
                group.n = group.n.max(n);
            }
            Some(group)
        })
    }

    /// Whether [`StudyGroups::count_by`] counts by `keys`: the question, and otherwise only the
    /// tier and the direction.
    pub fn folds(keys: &[&str]) -> bool {
        keys.contains(&frame::QUESTION)
            && keys
                .iter()
                .all(|k| matches!(*k, frame::QUESTION | frame::TIER | frame::DIRECTION))
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
        if !StudyGroups::folds(keys) {
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
                    frame::QUESTION => group.question,
                    frame::TIER => group.tier.map_or(u32::MAX, |t| t as u32),
                    _ => direction.unwrap_or(u32::MAX),
                })
                .collect();
            let cell = cells.entry(key).or_default();
            cell.findings += count.findings;
            cell.studies += count.studies;
            cell.participants += count.participants;
        };
        for group in self.iter() {
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
                        add(&group, Some(code), count);
                    }
                }
            } else {
                let count = CellCount {
                    findings: group.findings,
                    studies: 1,
                    participants: u64::from(group.n.unwrap_or(0)),
                };
                add(&group, None, count);
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
        for group in self.iter() {
            findings += group.findings;
            if let Some(slot) = largest.get_mut(group.study as usize) {
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
