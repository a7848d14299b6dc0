//! `studies.csv`: one row per study with its citation, identifiers and number of findings.

use crate::registry::{Finding, Registry};
use crate::synthesis::Synthesis;
use crate::tables::{Cell, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "studies",
    build,
};

/// Studies in first-appearance order, each with its rows.
pub fn studies(registry: &Registry) -> Vec<(&Finding, Vec<&Finding>)> {
    let mut order: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize, foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    for finding in &registry.findings {
        match index.get(finding.study_id.as_str()) {
            Some(&i) => order[i].1.push(finding),
            None => {
                index.insert(finding.study_id.as_str(), order.len());
                order.push((finding, vec![finding]));
            }
        }
    }
    order
}

fn build<'a>(registry: &'a Registry, _: &'a Synthesis) -> Table<'a> {
    let rows = studies(registry)
        .into_iter()
        .map(|(first, rows)| {
            vec![
                Cell::from(first.study_id.as_str()),
                Cell::from(first.citation.as_str()),
                Cell::Int(first.year.into()),
                Cell::from(first.design.key()),
                Cell::opt_int(rows.iter().filter_map(|r| r.n).max()),
                Cell::opt_int(first.k_studies),
                Cell::Int(rows.len() as i64),
                Cell::opt_text(first.doi.as_deref()),
                Cell::opt_text(first.pmid.as_deref()),
                Cell::opt_text(first.confidence.map(|c| c.key())),
            ]
        })
        .collect();
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
