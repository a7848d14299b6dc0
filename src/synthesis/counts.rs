//! Findings, studies and participants behind each combination of grouping keys (polars).
//!
//! Participants are counted once per study in a cell: a study with three findings in a cell
//! contributes its largest `n` once, not three times.

use std::collections::HashMap;

use polars::prelude::{DataType, IntoLazy, PolarsResult, col, len};

use crate::frame::{self, FindingsFrame};

/// What stands behind one cell of a summary table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CellCount {
    /// Rows (findings).
    pub findings: u32,
    /// Distinct studies.
    pub studies: u32,
    /// Participants: the sum over distinct studies of each study's largest `n` in the cell.
    pub participants: u64,
}

impl CellCount {
    /// The three counts as printed: "12 findings", "1 study", "357,347 participants".
    pub fn phrases(&self) -> [String; 3] {
        use crate::numbers::counted;
        [
            counted(self.findings, "finding", "findings"),
            counted(self.studies, "study", "studies"),
            counted(self.participants, "participant", "participants"),
        ]
    }

    /// The participants, or `None` when no study in the cell gives n. Every counted design
    /// requires n (at least 1); only reviews may give k_studies instead, so a sum of 0 means
    /// "not given", not "no participants".
    pub fn participants_given(&self) -> Option<u64> {
        (self.participants > 0).then_some(self.participants)
    }
}

/// Cells keyed by their packed codes.
pub type CodedCells = HashMap<u64, CellCount, foldhash::fast::RandomState>;

/// Counts per distinct value of `keys` (frame column names). The map's key holds the values
/// in the order of `keys`; combinations without rows are absent (callers fill zero cells).
pub fn count_by(
    findings: &FindingsFrame<'_>,
    keys: &[&str],
) -> PolarsResult<HashMap<Vec<String>, CellCount>> {
    let (cells, packing) = count_codes_by(findings, keys)?;
    Ok(cells
        .into_iter()
        .map(|(cell, count)| {
            let key = keys
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    findings
                        .codes
                        .key(column, packing.code(cell, i))
                        .to_string()
                })
                .collect();
            (key, count)
        })
        .collect())
}

/// [`count_by`] with each cell keyed by the packed codes of `keys` (read them with the
/// returned packing), for callers that go on computing with the codes.
///
/// polars groups the findings by (keys, study), packed into one integer, into one row per
/// study and cell; those rows are then summed per cell. When `keys` include the outcome, a
/// study has at most one row per cell (one row per study and outcome is checked when the
/// registry is read), so polars groups by the cell alone: far fewer groups than rows.
pub fn count_codes_by(
    findings: &FindingsFrame<'_>,
    keys: &[&str],
) -> PolarsResult<(CodedCells, frame::Packing)> {
    let one_row_per_study = keys.contains(&frame::OUTCOME);
    let mut columns = keys.to_vec();
    if !one_row_per_study {
        columns.push(frame::STUDY_ID);
    }
    let (keyed, packing) = findings.keyed(&columns, &[frame::N])?;
    let participants = if one_row_per_study {
        // Summed as u64: ten million findings of a few thousand participants overflow u32.
        col(frame::N).cast(DataType::UInt64).sum()
    } else {
        col(frame::N).max()
    };
    let phase = crate::timing::phase("count_by: group-by");
    let grouped = keyed
        .lazy()
        .group_by([col(frame::KEY)])
        .agg([len().alias("findings"), participants.alias("n")])
        .collect()?;
    drop(phase);
    let _phase = crate::timing::phase("count_by: fold");
    let group_keys = grouped.column(frame::KEY)?.u64()?;
    let finding_counts = grouped.column("findings")?.cast(&DataType::UInt32)?;
    let finding_counts = finding_counts.u32()?;

    let mut by_cell = CodedCells::default();
    if one_row_per_study {
        let n_sum = grouped.column("n")?.u64()?;
        for ((cell, rows), participants) in group_keys
            .iter()
            .zip(finding_counts.iter())
            .zip(n_sum.iter())
        {
            let rows = rows.unwrap_or(0);
            by_cell.insert(
                cell.unwrap_or_default(),
                CellCount {
                    findings: rows,
                    studies: rows,
                    participants: participants.unwrap_or(0),
                },
            );
        }
        return Ok((by_cell, packing));
    }
    let n = grouped.column("n")?.u32()?;
    for ((study_key, findings_of_study), n) in
        group_keys.iter().zip(finding_counts.iter()).zip(n.iter())
    {
        let cell = by_cell
            .entry(packing.without_last(study_key.unwrap_or_default()))
            .or_default();
        cell.findings += findings_of_study.unwrap_or(0);
        cell.studies += 1;
        cell.participants += u64::from(n.unwrap_or(0));
    }
    Ok((by_cell, findings.codes.packing(keys)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Finding;
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    /// The count by definition: per cell, its rows, its distinct studies and the sum over them
    /// of each study's largest n in the cell.
    fn reference(findings: &[Finding], keys: &[&str]) -> HashMap<Vec<String>, CellCount> {
        let value = |f: &Finding, key: &str| -> String {
            match key {
                frame::QUESTION => f.keys.question().to_string(),
                frame::OUTCOME => f.keys.outcome().to_string(),
                frame::FORM => f.keys.form().to_string(),
                frame::TIER => f.study.design.tier().key().to_string(),
                frame::DIRECTION => f.direction.key().to_string(),
                _ => unreachable!("key {key} is not used here"),
            }
        };
        let mut cells: HashMap<Vec<String>, (u32, HashMap<String, u32>)> = HashMap::new();
        for f in findings {
            let cell = cells
                .entry(keys.iter().map(|k| value(f, k)).collect())
                .or_default();
            cell.0 += 1;
            let largest = cell.1.entry(f.study.id.to_string()).or_default();
            *largest = (*largest).max(f.n().unwrap_or(0));
        }
        cells
            .into_iter()
            .map(|(key, (rows, studies))| {
                let count = CellCount {
                    findings: rows,
                    studies: studies.len() as u32,
                    participants: studies.values().map(|n| u64::from(*n)).sum(),
                };
                (key, count)
            })
            .collect()
    }

    proptest! {
        /// Both paths (by study, and by cell alone when the outcome is a key) against the
        /// count by definition.
        #[test]
        fn counts_equal_the_definition(
            picks in test_rows::picks(),
        ) {
            let registry = test_rows::shipped();
            let findings = test_rows::findings(&registry, &picks);
            let frame = frame::findings_frame(&registry.topic, &findings, &crate::registry::StudyIndex::of(&findings)).unwrap();
            let key_sets: [&[&str]; 6] = [
                &[frame::QUESTION, frame::OUTCOME, frame::DIRECTION],
                &[frame::QUESTION, frame::OUTCOME],
                &[frame::QUESTION, frame::TIER, frame::DIRECTION],
                &[frame::QUESTION, frame::FORM],
                &[frame::QUESTION],
                &[],
            ];
            for keys in key_sets {
                prop_assert_eq!(count_by(&frame, keys).unwrap(), reference(&findings, keys), "{:?}", keys);
            }
        }
    }
}
