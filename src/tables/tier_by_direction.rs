//! `tier-by-direction.csv`: findings, studies and participants per question × tier × direction,
//! every combination listed (zeros included).

use crate::model::Direction;
use crate::registry::Registry;
use crate::synthesis::Synthesis;
use crate::tables::{Cell, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "tier-by-direction",
    build,
};

fn build(registry: &Registry, synthesis: &Synthesis) -> Table {
    let mut rows = Vec::new();
    for table in &synthesis.tiers {
        let question = &registry.topic.questions[&table.question];
        for row in &table.rows {
            for (direction, cell) in Direction::ALL.iter().zip(&row.by_direction) {
                rows.push(vec![
                    Cell::from(table.question.as_str()),
                    Cell::from(row.tier.key()),
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
            "tier",
            "direction",
            "direction_label",
            "findings",
            "studies",
            "participants",
        ],
        rows,
    }
}
