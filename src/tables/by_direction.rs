//! `tier-by-direction.csv`, `outcome-by-direction.csv`, `form-by-direction.csv`: findings,
//! studies and participants per question × dimension × direction. Tiers list every combination
//! (zeros included); outcomes and forms list those with findings.

use crate::model::Direction;
use crate::registry::Registry;
use crate::synthesis::direction_table::DirectionTable;
use crate::synthesis::{QuestionSynthesis, Synthesis};
use crate::tables::{Build, Cell, Table, TableSpec};

/// Findings by design tier.
pub const TIER: TableSpec = TableSpec {
    stem: "tier-by-direction",
    build: Build::Synthesis(|registry, synthesis| build(registry, synthesis, "tier", |q| &q.tiers)),
};

/// Findings by outcome domain.
pub const OUTCOME: TableSpec = TableSpec {
    stem: "outcome-by-direction",
    build: Build::Synthesis(|registry, synthesis| {
        build(registry, synthesis, "outcome", |q| &q.outcomes)
    }),
};

/// Findings by intervention or exposure form.
pub const FORM: TableSpec = TableSpec {
    stem: "form-by-direction",
    build: Build::Synthesis(|registry, synthesis| build(registry, synthesis, "form", |q| &q.forms)),
};

fn build<'a>(
    registry: &'a Registry,
    synthesis: &'a Synthesis,
    dimension: &'static str,
    table_of: fn(&QuestionSynthesis) -> &DirectionTable,
) -> Table<'a> {
    let mut rows = Vec::new();
    for table in synthesis.questions.iter().map(table_of) {
        let question = &registry.topic.questions[&table.question];
        for row in &table.rows {
            for (direction, cell) in Direction::ALL.iter().zip(&row.by_direction) {
                rows.push(vec![
                    Cell::from(table.question.as_str()),
                    Cell::from(row.key.as_str()),
                    Cell::from(direction.key()),
                    Cell::from(question.direction_label(*direction)),
                    Cell::Int(cell.findings.into()),
                    Cell::Int(cell.studies.into()),
                    Cell::Int(cell.participants as i64),
                ]);
            }
        }
    }
    Table {
        columns: vec![
            "question",
            dimension,
            "direction",
            "direction_label",
            "findings",
            "studies",
            "participants",
        ],
        rows: rows.into(),
    }
}
