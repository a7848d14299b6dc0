//! Findings, studies and participants behind each combination of grouping keys (polars).
//!
//! Participants are counted once per study in a cell: a study with three findings in a cell
//! contributes its largest `n` once, not three times.

use std::collections::HashMap;

use polars::prelude::{IntoLazy, PolarsResult, col, len};

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

/// Counts per distinct value of `keys` (frame column names). The map's key holds the values
/// in the order of `keys`; combinations without rows are absent (callers fill zero cells).
///
/// polars groups the findings by (keys, study), packed into one integer, into one row per
/// study and cell; those rows are then summed per cell.
pub fn count_by(
    findings: &FindingsFrame<'_>,
    keys: &[&str],
) -> PolarsResult<HashMap<Vec<String>, CellCount>> {
    let mut columns = keys.to_vec();
    columns.push(frame::STUDY_ID);
    let (keyed, packing) = findings.keyed(&columns, &[frame::N])?;
    let phase = crate::timing::phase("count_by: group-by");
    let per_study = keyed
        .lazy()
        .group_by([col(frame::KEY)])
        .agg([len().alias("findings"), col(frame::N).max().alias("n")])
        .collect()?;
    drop(phase);
    let _phase = crate::timing::phase("count_by: fold");
    let study_keys = per_study.column(frame::KEY)?.u64()?;
    let finding_counts = per_study
        .column("findings")?
        .cast(&polars::prelude::DataType::UInt32)?;
    let finding_counts = finding_counts.u32()?;
    let n = per_study.column("n")?.u32()?;

    let mut by_cell: HashMap<u64, CellCount, foldhash::fast::RandomState> = HashMap::default();
    for ((study_key, findings_of_study), n) in
        study_keys.iter().zip(finding_counts.iter()).zip(n.iter())
    {
        let cell = by_cell
            .entry(packing.without_last(study_key.unwrap_or_default()))
            .or_default();
        cell.findings += findings_of_study.unwrap_or(0);
        cell.studies += 1;
        cell.participants += u64::from(n.unwrap_or(0));
    }
    let cell_packing = findings.packing(keys)?;
    Ok(by_cell
        .into_iter()
        .map(|(cell, count)| {
            let key = keys
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    findings
                        .codes
                        .key(column, cell_packing.code(cell, i))
                        .to_string()
                })
                .collect();
            (key, count)
        })
        .collect())
}
