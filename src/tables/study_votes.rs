//! `study-votes.csv`: every study's vote on every question (70% rule across its findings),
//! with whether its tier enters the overall count. The per-study detail behind `votes.csv`;
//! kept out of `summary.json` so the summary stays the same size at any registry size.

use crate::registry::Registry;
use crate::synthesis::Synthesis;
use crate::tables::{Build, Cell, Rows, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "study-votes",
    build: Build::Synthesis(build),
};

fn build<'a>(_: &'a Registry, synthesis: &'a Synthesis) -> Table<'a> {
    let questions = &synthesis.questions;
    let rows = Rows::grouped(
        questions.iter().map(|q| q.votes.studies.len()),
        move |question, i, out| {
            let q = &questions[question];
            let vote = &q.votes.studies[i];
            out.cell(Cell::Key(q.key.as_str()))
                .cell(Cell::Key(vote.study_id.as_str()))
                .cell(Cell::Key(vote.tier.key()))
                .cell(Cell::Key(vote.direction.key()))
                .cell(Cell::Int(vote.findings.into()))
                .cell(Cell::opt_int(vote.n))
                .cell(Cell::from(if synthesis.selection.counts_tier(vote.tier) {
                    "yes"
                } else {
                    "no"
                }));
        },
    );
    Table {
        columns: vec![
            "question",
            "study_id",
            "tier",
            "direction",
            "findings",
            "n",
            "counted",
        ],
        rows,
    }
}
