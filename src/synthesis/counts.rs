//! Findings, studies and participants behind each combination of grouping keys (polars).
//!
//! Participants are counted once per study in a cell: a study with three findings in a cell
//! contributes its largest `n` once, not three times.

use std::collections::HashMap;

use polars::prelude::{DataFrame, IntoLazy, PolarsResult, col, len};

use crate::frame;

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
pub fn count_by(frame: &DataFrame, keys: &[&str]) -> PolarsResult<HashMap<Vec<String>, CellCount>> {
    let mut study_keys: Vec<_> = keys.iter().map(|k| col(*k)).collect();
    study_keys.push(col(frame::STUDY_ID));
    let cell_keys: Vec<_> = keys.iter().map(|k| col(*k)).collect();
    let counted = frame
        .clone()
        .lazy()
        .group_by(study_keys)
        .agg([len().alias("findings"), col(frame::N).max().alias("n")])
        .group_by(cell_keys)
        .agg([
            col("findings").sum().alias("findings"),
            len().alias("studies"),
            col("n")
                .cast(polars::prelude::DataType::UInt64)
                .sum()
                .alias("participants"),
        ])
        .collect()?;

    let key_columns = keys
        .iter()
        .map(|k| counted.column(k).and_then(|c| c.str().cloned()))
        .collect::<PolarsResult<Vec<_>>>()?;
    let findings = counted
        .column("findings")?
        .cast(&polars::prelude::DataType::UInt32)?;
    let findings = findings.u32()?;
    let studies = counted
        .column("studies")?
        .cast(&polars::prelude::DataType::UInt32)?;
    let studies = studies.u32()?;
    let participants = counted.column("participants")?.u64()?;

    let mut cells = HashMap::with_capacity(counted.height());
    for row in 0..counted.height() {
        let key = key_columns
            .iter()
            .map(|c| c.get(row).unwrap_or_default().to_string())
            .collect();
        cells.insert(
            key,
            CellCount {
                findings: findings.get(row).unwrap_or(0),
                studies: studies.get(row).unwrap_or(0),
                participants: participants.get(row).unwrap_or(0),
            },
        );
    }
    Ok(cells)
}
