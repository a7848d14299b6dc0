//! `studies.csv`: one row per study with its citation, identifiers and number of findings.

use crate::registry::{Finding, Registry};
use crate::tables::{Build, Cell, Rows, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "studies",
    build: Build::Registry(build),
};

/// A study: its first row (study-level fields agree on every row), its rows' count and
/// largest n.
#[derive(Debug, Clone, Copy)]
pub struct StudySummary<'a> {
    /// The study's first row.
    pub first: &'a Finding,
    /// How many findings it has.
    pub findings: usize,
    /// The largest n over its findings.
    pub max_n: Option<u32>,
}

/// Studies in first-appearance order.
pub fn studies(registry: &Registry) -> Vec<StudySummary<'_>> {
    let mut order: Vec<StudySummary<'_>> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize, foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    for finding in &registry.findings {
        match index.get(finding.study_id.as_str()) {
            Some(&i) => {
                let study = &mut order[i];
                study.findings += 1;
                study.max_n = study.max_n.max(finding.n);
            }
            None => {
                index.insert(finding.study_id.as_str(), order.len());
                order.push(StudySummary {
                    first: finding,
                    findings: 1,
                    max_n: finding.n,
                });
            }
        }
    }
    order
}

fn build(registry: &Registry) -> Table<'_> {
    let studies = studies(registry);
    let rows = Rows::OnDemand {
        count: studies.len(),
        make: Box::new(move |i| {
            let StudySummary {
                first,
                findings,
                max_n,
            } = studies[i];
            vec![
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
            ]
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
