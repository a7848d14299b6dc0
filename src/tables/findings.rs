//! `findings.csv`: every finding with its design tier and direction, in registry order.

use crate::registry::Registry;
use crate::registry::finding::PValue;
use crate::tables::{Build, Cell, Rows, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "findings",
    build: Build::Registry(build),
};

/// A p-value as the registry gives it (`0.03`, `<0.05`, `>0.05`), written without a string
/// made for it on every row.
fn p_value_cell(p: PValue) -> Cell<'static> {
    match p {
        PValue::Exact(value) => Cell::Real(value),
        PValue::Below(value) => Cell::Bound("<", value),
        PValue::Above(value) => Cell::Bound(">", value),
    }
}

fn build(registry: &Registry) -> Table<'_> {
    let findings = &registry.findings;
    let rows = Rows::OnDemand {
        count: findings.len(),
        make: Box::new(move |i, out| {
            let f = &findings[i];
            out.cell(Cell::Key(f.study.id.as_str()))
                .cell(Cell::Int(f.study.year.into()))
                .cell(Cell::Key(f.study.design.key()))
                .cell(Cell::Key(f.study.design.tier().key()))
                .cell(Cell::Key(f.keys.question().as_str()))
                .cell(Cell::Key(f.keys.outcome().as_str()))
                .cell(Cell::opt_int(f.n()))
                .cell(Cell::Key(f.keys.form().as_str()))
                .cell(Cell::Key(f.direction.key()))
                .cell(Cell::opt_key(f.significant.map(|s| s.key())))
                .cell(f.p_value.get().map_or(Cell::Empty, p_value_cell))
                .cell(Cell::opt_key(f.study.confidence.map(|c| c.key())));
        }),
    };
    Table {
        columns: vec![
            "study_id",
            "year",
            "design",
            "tier",
            "question",
            "outcome",
            "n",
            "form",
            "direction",
            "significant",
            "p_value",
            "confidence",
        ],
        rows,
    }
}
