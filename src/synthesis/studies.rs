//! The studies of a registry: where each one's rows are, how many, their largest n, and what
//! the SWiM checklist counts of them.

use std::num::NonZeroU32;

use crate::registry::{Finding, StudyIndex};

/// A study's rows: where its first row is (study-level fields, such as its confidence, agree
/// on every row and are read from it), how many rows it has and their largest n (24 bytes: one
/// per study, 3.3 million at ten million findings). Computed once per report
/// ([`crate::synthesis::Synthesis::studies`]) for `studies.csv` and the README's list of
/// studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudyRows {
    /// Index of the study's first row in the findings.
    pub first: usize,
    /// How many findings it has.
    pub findings: u32,
    /// The largest n over its findings (n is never 0); read with [`StudyRows::max_n`].
    pub largest_n: Option<NonZeroU32>,
    /// How many of its findings have a risk-of-bias judgement.
    pub assessed: u32,
}

impl StudyRows {
    /// The largest n over the study's findings, if any gives n.
    pub fn max_n(&self) -> Option<u32> {
        self.largest_n.map(NonZeroU32::get)
    }
}

/// The studies of `findings` in first-appearance order, as `index` numbers them (the
/// registry's index; computed here if it does not cover the rows).
pub fn study_rows(findings: &[Finding], index: &StudyIndex) -> Vec<StudyRows> {
    let index = index.covering(findings);
    let mut studies: Vec<StudyRows> = index
        .first_rows()
        .iter()
        .map(|&first| StudyRows {
            first,
            findings: 0,
            largest_n: None,
            assessed: 0,
        })
        .collect();
    for (finding, study) in findings.iter().zip(index.of_row()) {
        let study = &mut studies[*study as usize];
        study.findings += 1;
        study.largest_n = study.largest_n.max(finding.participants);
        study.assessed += u32::from(finding.risk_of_bias.is_some());
    }
    studies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_study_entry_stays_small() {
        // One per study, held for the whole report.
        assert_eq!(std::mem::size_of::<StudyRows>(), 24);
    }
    use crate::model::RiskOfBias;
    use crate::registry::finding::Text;
    use crate::synthesis::test_rows;

    /// Rows of two studies, interleaved and in runs, one without n: first rows, counts,
    /// largest n and risk-of-bias judgements by hand.
    #[test]
    fn studies_are_listed_in_first_appearance_order() {
        let registry = test_rows::shipped();
        let row = |study: &str, n: Option<u32>, risk_of_bias: Option<RiskOfBias>| {
            let mut f = registry.findings[0].clone();
            std::sync::Arc::make_mut(&mut f.study).id = Text::from(study.to_string());
            f.participants = n.and_then(std::num::NonZeroU32::new);
            f.risk_of_bias = risk_of_bias;
            f
        };
        let findings = [
            row("b", Some(10), Some(RiskOfBias::Low)),
            row("a", None, None),
            row("b", Some(30), None),
            row("a", None, Some(RiskOfBias::High)),
            row("b", Some(20), Some(RiskOfBias::Unclear)),
            row("b", Some(40), None),
            row("a", None, None),
        ];
        assert_eq!(
            study_rows(&findings, &StudyIndex::of(&findings)),
            [
                StudyRows {
                    first: 0,
                    findings: 4,
                    largest_n: NonZeroU32::new(40),
                    assessed: 2,
                },
                StudyRows {
                    first: 1,
                    findings: 3,
                    largest_n: None,
                    assessed: 1,
                },
            ]
        );
    }
}
