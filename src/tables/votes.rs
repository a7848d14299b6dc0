//! `votes.csv`: every vote count of the report (overall, per tier, per outcome) with its sign
//! test and Wilson interval.

use crate::registry::Registry;
use crate::synthesis::Synthesis;
use crate::synthesis::vote_count::VoteCount;
use crate::tables::{Build, Cell, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "votes",
    build: Build::Synthesis(build),
};

fn row<'a>(
    question: &'a str,
    scope: &'a str,
    key: &'a str,
    counted: bool,
    votes: &VoteCount,
) -> Vec<Cell<'a>> {
    let real = |value: Option<f64>| value.map_or(Cell::Empty, Cell::Real);
    let mut cells = vec![
        Cell::from(question),
        Cell::from(scope),
        Cell::from(key),
        Cell::from(if counted { "yes" } else { "no" }),
        Cell::Int(votes.studies.into()),
    ];
    cells.extend(votes.by_direction.iter().map(|c| Cell::Int((*c).into())));
    cells.extend([
        Cell::Int(votes.with_direction.into()),
        real(votes.proportion.map(|p| p.estimate)),
        real(votes.proportion.map(|p| p.low)),
        real(votes.proportion.map(|p| p.high)),
        real(votes.sign_test.map(|p| p.value())),
        real(votes.min_attainable_p.map(|p| p.value())),
    ]);
    cells
}

fn build<'a>(_: &'a Registry, synthesis: &'a Synthesis) -> Table<'a> {
    let mut rows = Vec::new();
    for q in &synthesis.questions {
        rows.push(row(&q.key, "overall", "", true, &q.votes.overall));
        for tier in &q.votes.by_tier {
            rows.push(row(
                &q.key,
                "tier",
                tier.tier.key(),
                tier.counted,
                &tier.votes,
            ));
        }
        for (outcome, votes) in &q.votes.by_outcome {
            rows.push(row(&q.key, "outcome", outcome, true, votes));
        }
    }
    Table {
        columns: vec![
            "question",
            "scope",
            "scope_key",
            "counted",
            "studies",
            "positive",
            "none",
            "negative",
            "conflicting",
            "with_direction",
            "proportion_positive",
            "wilson_low",
            "wilson_high",
            "sign_test_p",
            "min_attainable_p",
        ],
        rows: rows.into(),
    }
}
