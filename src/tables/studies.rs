//! `studies.csv`: one row per study with its citation, identifiers and number of findings.

use crate::registry::Registry;
use crate::synthesis::Synthesis;
use crate::synthesis::studies::StudyRows;
use crate::tables::{Build, Cell, Rows, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "studies",
    build: Build::Synthesis(build),
};

fn build<'a>(registry: &'a Registry, synthesis: &'a Synthesis) -> Table<'a> {
    let studies = &synthesis.studies;
    let rows = Rows::OnDemand {
        count: studies.len(),
        make: Box::new(move |i, out| {
            let study: StudyRows = studies[i];
            let (first, findings, max_n) = (study.first, study.findings, study.max_n());
            let first = &registry.findings[first];
            out.cell(Cell::Key(first.study.id.as_str()))
                .cell(Cell::from(first.study.citation.as_str()))
                .cell(Cell::Int(first.study.year.into()))
                .cell(Cell::Key(first.study.design.key()))
                .cell(Cell::opt_int(max_n))
                .cell(Cell::opt_int(first.study.k_studies))
                .cell(Cell::Int(findings as i64))
                .cell(Cell::opt_text(first.study.doi.as_deref()))
                .cell(Cell::opt_text(first.study.pmid.as_deref()))
                .cell(Cell::opt_key(first.study.confidence.map(|c| c.key())));
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
