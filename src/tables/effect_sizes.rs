//! `effect-sizes.csv`: every estimate that entered a meta-analysis, with its weight in the
//! random-effects (or chosen) model and in the fixed-effect model. The per-study detail behind
//! `summary.json`'s pooled analyses, kept out of it so the summary stays small at any size.

use crate::registry::Registry;
use crate::synthesis::Synthesis;
use crate::tables::{Build, Cell, Rows, Table, TableSpec};

/// Registration in the table list.
pub const SPEC: TableSpec = TableSpec {
    stem: "effect-sizes",
    build: Build::Synthesis(build),
};

fn build<'a>(_: &'a Registry, synthesis: &'a Synthesis) -> Table<'a> {
    let analyses = &synthesis.meta.analyses;
    let rows = Rows::grouped(
        analyses.iter().map(|analysis| analysis.studies.len()),
        move |a, i, out| {
            let analysis = &analyses[a];
            let study = &analysis.studies[i];
            out.cell(Cell::Key(analysis.question.as_str()))
                .cell(Cell::Key(analysis.outcome.as_str()))
                .cell(Cell::Key(analysis.measure.key()))
                .cell(Cell::Key(study.study_id.as_str()))
                .cell(Cell::opt_int(study.n))
                .cell(Cell::Real(study.effect.yi))
                .cell(Cell::Real(study.effect.vi))
                .cell(Cell::Real(study.effect.ci_low))
                .cell(Cell::Real(study.effect.ci_high))
                .cell(weight(&analysis.pooled.weights, i))
                .cell(weight(&analysis.fixed_effect.weights, i));
        },
    );
    Table {
        columns: vec![
            "question",
            "outcome",
            "measure",
            "study_id",
            "n",
            "yi",
            "vi",
            "ci_low",
            "ci_high",
            "weight_percent",
            "fixed_effect_weight_percent",
        ],
        rows,
    }
}

fn weight(weights: &[f64], i: usize) -> Cell<'static> {
    weights.get(i).map_or(Cell::Empty, |w| Cell::Real(*w))
}
