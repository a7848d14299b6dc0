//! Findings as a polars DataFrame: the one place rows become columns. Column names are
//! constants so the synthesis code and this file cannot drift apart.

use polars::prelude::{Column, DataFrame, PolarsResult};

use crate::registry::Finding;

/// Study identifier (string).
pub const STUDY_ID: &str = "study_id";
/// Question key (string).
pub const QUESTION: &str = "question";
/// Evidence tier key (string).
pub const TIER: &str = "tier";
/// Design key (string).
pub const DESIGN: &str = "design";
/// Form key (string).
pub const FORM: &str = "form";
/// Outcome key (string).
pub const OUTCOME: &str = "outcome";
/// Direction key (string).
pub const DIRECTION: &str = "direction";
/// Participants analysed (u32, null for reviews without n).
pub const N: &str = "n";
/// Year of publication (i32).
pub const YEAR: &str = "year";

/// Builds the findings frame from validated rows.
pub fn findings_frame(findings: &[Finding]) -> PolarsResult<DataFrame> {
    let strings = |f: fn(&Finding) -> &str| -> Vec<&str> { findings.iter().map(f).collect() };
    DataFrame::new_infer_height(vec![
        Column::new(STUDY_ID.into(), strings(|f| &f.study_id)),
        Column::new(QUESTION.into(), strings(|f| &f.question)),
        Column::new(TIER.into(), strings(|f| f.design.tier().key())),
        Column::new(DESIGN.into(), strings(|f| f.design.key())),
        Column::new(FORM.into(), strings(|f| &f.form)),
        Column::new(OUTCOME.into(), strings(|f| &f.outcome)),
        Column::new(DIRECTION.into(), strings(|f| f.direction.key())),
        Column::new(N.into(), findings.iter().map(|f| f.n).collect::<Vec<_>>()),
        Column::new(
            YEAR.into(),
            findings.iter().map(|f| f.year).collect::<Vec<_>>(),
        ),
    ])
}
