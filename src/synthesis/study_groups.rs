//! One row per question × study, from a single polars group-by of the findings, from which
//! the study votes and every count whose keys are the question, the design tier (a study-level
//! field), the direction and the form are folded without grouping the findings again.
//!
//! At a million findings a polars group-by by study costs 80–200 ms; the tier tables (by
//! direction and overall), the form tables (the same), the question totals and the registry
//! totals took seven of them. Now they are sums over the groups, checked against the direct
//! polars counts by a property test.

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

/// One polars group: a study's findings under one question in one direction and form.
#[derive(Debug, Clone, Copy)]
struct Part {
    key: u64,
    tier: u32,
    findings: u32,
    n: Option<u32>,
}

/// The question × study groups of a findings frame.
///
/// polars groups the findings by (question, study, direction, form) — a study's rows in one
/// direction and form are one group, with their count, largest n and tier — and sorts the
/// groups by that key, so a study's groups under a question are adjacent: [`StudyGroups::iter`]
/// folds them into one [`StudyGroup`] as it goes, and [`StudyGroups::count_by`] folds them
/// into the cells of a count. Three aggregations, not an extra count and largest n per
/// direction over every finding: at ten million findings those twelve aggregations took 6 s
/// and 300 MB more.
pub struct StudyGroups {
    keys: UInt64Chunked,
    tiers: UInt32Chunked,
    findings: UInt32Chunked,
    largest_n: UInt32Chunked,
    /// Where the question (0), study (1), direction (2) and form (3) codes sit in a key.
    packing: Packing,
}

/// The grouped columns, by name.
const FINDINGS: &str = "findings";
const LARGEST_N: &str = "n";
/// Positions of the codes in a group's key.
const QUESTION_AT: usize = 0;
const STUDY_AT: usize = 1;
const DIRECTION_AT: usize = 2;
const FORM_AT: usize = 3;
/// The key of a cell of a folded count: the codes of its keys, in their order (at most four:
/// question, tier, direction, form), `u32::MAX` past them.
type CellKey = [u32; 4];

impl StudyGroups {
    /// Groups the findings by question, study, direction and form (polars).
    pub fn of(findings: &FindingsFrame<'_>) -> PolarsResult<StudyGroups> {
        let (keyed, packing) = findings.keyed(
            &[
                frame::QUESTION,
                frame::STUDY_ID,
                frame::DIRECTION,
                frame::FORM,
            ],
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

    /// The polars groups in key order, each study's under a question split off by `run`
    /// (called with the parts of one question and study, then again for the next).
    fn for_each_study(&self, mut run: impl FnMut(&[Part])) {
        // Keys, counts and tiers are never missing (a code, a length, a validated code); the
        // largest n is missing when no finding gives n.
        let parts = self
            .keys
            .into_no_null_iter()
            .zip(self.tiers.into_no_null_iter())
            .zip(self.findings.into_no_null_iter())
            .zip(self.largest_n.iter())
            .map(|(((key, tier), findings), n)| Part {
                key,
                tier,
                findings,
                n,
            });
        let study_of = |key: u64| {
            (
                self.packing.code(key, QUESTION_AT),
                self.packing.code(key, STUDY_AT),
            )
        };
        let mut current: Vec<Part> = Vec::new();
        for part in parts {
            if current
                .first()
                .is_some_and(|first| study_of(first.key) != study_of(part.key))
            {
                run(&current);
                current.clear();
            }
            current.push(part);
        }
        if !current.is_empty() {
            run(&current);
        }
    }

    /// Calls `each` with every question × study group, in order of question, then study id.
    pub fn for_each(&self, mut each: impl FnMut(StudyGroup)) {
        let packing = &self.packing;
        self.for_each_study(|parts| {
            let first = parts[0];
            let mut group = StudyGroup {
                question: packing.code(first.key, QUESTION_AT),
                study: packing.code(first.key, STUDY_AT),
                tier: Tier::ALL.get(first.tier as usize).copied(),
                findings: 0,
                n: None,
                by_direction: [0; 4],
                n_by_direction: [0; 4],
            };
            for part in parts {
                let direction = packing.code(part.key, DIRECTION_AT) as usize;
                if let Some(count) = group.by_direction.get_mut(direction) {
                    *count += part.findings;
                    let largest = &mut group.n_by_direction[direction];
                    *largest = (*largest).max(part.n.unwrap_or(0));
                }
                group.findings += part.findings;
                group.n = group.n.max(part.n);
            }
            each(group);
        });
    }

    /// Whether [`StudyGroups::count_by`] counts by `keys`: the question, and otherwise only the
    /// tier, the direction and the form.
    pub fn folds(keys: &[&str]) -> bool {
        keys.contains(&frame::QUESTION)
            && keys.len() <= CellKey::default().len()
            && keys.iter().all(|k| {
                matches!(
                    *k,
                    frame::QUESTION | frame::TIER | frame::DIRECTION | frame::FORM
                )
            })
    }

    /// Counts per distinct value of `keys` (frame column names), as
    /// [`crate::synthesis::counts::count_by`] gives them, when the keys include the question and
    /// are otherwise the tier, the direction and the form: a study's groups under a question
    /// that fall in one cell are that cell's one study, with their findings and the largest of
    /// their n. `None` for other keys.
    pub fn count_by(
        &self,
        codes: &Codebook<'_>,
        keys: &[&str],
    ) -> Option<HashMap<Vec<String>, CellCount>> {
        if !StudyGroups::folds(keys) {
            return None;
        }
        let packing = &self.packing;
        let cell_of = |part: &Part| -> CellKey {
            let mut cell = [u32::MAX; 4];
            for (slot, column) in cell.iter_mut().zip(keys) {
                *slot = match *column {
                    frame::QUESTION => packing.code(part.key, QUESTION_AT),
                    frame::TIER => part.tier,
                    frame::DIRECTION => packing.code(part.key, DIRECTION_AT),
                    _ => packing.code(part.key, FORM_AT),
                };
            }
            cell
        };
        let mut cells: HashMap<CellKey, CellCount, foldhash::fast::RandomState> =
            HashMap::default();
        // One study's cells: (cell, findings, largest n), a few per study.
        let mut study_cells: Vec<(CellKey, u32, u32)> = Vec::new();
        self.for_each_study(|parts| {
            study_cells.clear();
            for part in parts {
                let cell = cell_of(part);
                let n = part.n.unwrap_or(0);
                match study_cells.iter_mut().find(|(c, _, _)| *c == cell) {
                    Some((_, findings, largest)) => {
                        *findings += part.findings;
                        *largest = (*largest).max(n);
                    }
                    None => study_cells.push((cell, part.findings, n)),
                }
            }
            for (cell, findings, largest) in &study_cells {
                let count = cells.entry(*cell).or_default();
                count.findings += findings;
                count.studies += 1;
                count.participants += u64::from(*largest);
            }
        });
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
        self.for_each(|group| {
            findings += group.findings;
            if let Some(slot) = largest.get_mut(group.study as usize) {
                *slot = Some(slot.unwrap_or(0).max(group.n.unwrap_or(0)));
            }
        });
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
            let key_sets: [&[&str]; 9] = [
                &[frame::QUESTION, frame::TIER, frame::DIRECTION],
                &[frame::QUESTION, frame::TIER],
                &[frame::QUESTION, frame::FORM, frame::DIRECTION],
                &[frame::QUESTION, frame::FORM],
                &[frame::QUESTION, frame::DIRECTION],
                &[frame::QUESTION],
                &[frame::DIRECTION, frame::QUESTION],
                &[frame::FORM, frame::QUESTION, frame::TIER],
                &[frame::QUESTION, frame::FORM, frame::TIER, frame::DIRECTION],
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
                .count_by(&frame.codes, &[frame::QUESTION, frame::OUTCOME])
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
