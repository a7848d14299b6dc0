//! `studies.csv`: one row per study with its citation, identifiers and number of findings.

use crate::registry::{Finding, Registry};
use crate::synthesis::Synthesis;
use crate::tables::{Build, Cell, Rows, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "studies",
    build: Build::Synthesis(build),
};

/// A study's rows: where its first row is (study-level fields agree on every row), how many
/// rows it has and their largest n. Computed once per report ([`Synthesis::studies`]) for
/// this table and the README's list of studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudyRows {
    /// Index of the study's first row in the findings.
    pub first: usize,
    /// How many findings it has.
    pub findings: usize,
    /// The largest n over its findings.
    pub max_n: Option<u32>,
}

/// The studies of `findings` in first-appearance order.
pub fn study_rows(findings: &[Finding]) -> Vec<StudyRows> {
    let mut order: Vec<StudyRows> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize, foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    for (row, finding) in findings.iter().enumerate() {
        match index.get(finding.study_id.as_str()) {
            Some(&i) => {
                let study = &mut order[i];
                study.findings += 1;
                study.max_n = study.max_n.max(finding.n);
            }
            None => {
                index.insert(finding.study_id.as_str(), order.len());
                order.push(StudyRows {
                    first: row,
                    findings: 1,
                    max_n: finding.n,
                });
            }
        }
    }
    order
}

fn build<'a>(registry: &'a Registry, synthesis: &'a Synthesis) -> Table<'a> {
    let studies = &synthesis.studies;
    let rows = Rows::OnDemand {
        count: studies.len(),
        make: Box::new(move |i, cells| {
            let StudyRows {
                first,
                findings,
                max_n,
            } = studies[i];
            let first = &registry.findings[first];
            cells.extend([
                Cell::from(first.study_id.as_str()),
                Cell::from(first.citation.as_str()),
                Cell::Int(first.year.into()),
                Cell::from(first.design.key()),
                Cell::opt_int(max_n),
                Cell::opt_int(first.k_studies),
                Cell::Int(findings as i64),
                Cell::opt_text(first.doi.as_deref().map(String::as_str)),
                Cell::opt_text(first.pmid.as_deref().map(String::as_str)),
                Cell::opt_text(first.confidence.map(|c| c.key())),
            ]);
        }),
    };
    Table {
        columns: vec![
            "study_id",
            "citation",
            "year",
            "design",
            "n",
            "k_studies",
            "findings",
            "doi",
            "pmid",
            "confidence",
        ],
        rows,
    }
}
