//! Charts: one file per chart, registered in [`CHARTS`]; a shared palette and painter.
//!
//! Adding a chart = one new file + one line in [`CHARTS`]; the report and the tests walk the
//! list, so a new chart is written and covered without further wiring.

pub mod albatross;
pub mod axis;
pub mod bitmap_text;
pub mod common;
pub mod effect_direction;
pub mod evidence_map;
pub mod evidence_meter;
pub mod forest;
pub mod funnel;
pub mod harvest;
pub mod painter;
pub mod palette;
pub mod png_encode;
pub mod svg_text;
pub mod timeline;

use crate::registry::Registry;
use crate::synthesis::Synthesis;
use painter::{ChartText, DrawFn};

/// Most rows (studies) a row-per-study chart draws; beyond this it is not readable at any
/// size, so the chart is not written and the report points to the tables instead.
pub const MAX_CHART_ROWS: usize = 150;
/// Most points a scatter chart (albatross, funnel) draws.
pub const MAX_CHART_POINTS: usize = 2000;

/// PNG resolution by default: 144 dpi, two pixels per SVG pixel (print).
pub const DEFAULT_DPI: u32 = 144;

/// What every chart is drawn from.
pub struct ChartInput<'a> {
    /// The validated registry with its topic.
    pub registry: &'a Registry,
    /// The aggregated numbers.
    pub synthesis: &'a Synthesis,
}

/// A chart ready to render in any format.
pub struct Chart {
    /// File stem under `charts/`, e.g. `forest-treatment-severity`.
    pub stem: String,
    /// Logical canvas size (SVG pixels).
    pub size: (u32, u32),
    /// Title and description for accessibility.
    pub text: ChartText,
    /// How to read the chart, for the report's caption.
    pub caption: String,
    /// The drawing routine.
    pub draw: Box<DrawFn>,
}

/// A registered chart kind: its name and its builder, which draws one chart or several (one
/// per analysis), or says why the topic has no data for it.
pub struct ChartSpec {
    /// Name of the chart kind (the file stem, or its prefix for per-analysis charts).
    pub name: &'static str,
    /// Builds the charts, or says why none can be drawn for this topic.
    pub build: fn(&ChartInput<'_>) -> Result<Vec<Chart>, String>,
}

/// Every chart kind, in report order.
pub const CHARTS: &[ChartSpec] = &[
    evidence_meter::SPEC,
    effect_direction::SPEC,
    harvest::SPEC,
    albatross::SPEC,
    evidence_map::SPEC,
    timeline::SPEC,
    forest::SPEC,
    funnel::SPEC,
];

/// A chart rendered to both formats.
pub struct RenderedChart {
    /// File stem.
    pub stem: String,
    /// Caption for the report.
    pub caption: String,
    /// Title.
    pub title: String,
    /// SVG document.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Outcome of one chart for a topic: drawn, or skipped with the reason.
pub enum ChartOutcome {
    /// Drawn in both formats.
    Drawn(RenderedChart),
    /// Not drawn: the topic has no data for it.
    Skipped {
        /// Chart kind.
        stem: &'static str,
        /// Why.
        reason: String,
    },
}

impl ChartOutcome {
    /// The chart, if it was drawn.
    pub fn drawn(&self) -> Option<&RenderedChart> {
        match self {
            ChartOutcome::Drawn(chart) => Some(chart),
            ChartOutcome::Skipped { .. } => None,
        }
    }
}

/// File stems of the charts that were drawn, in report order.
pub fn drawn_stems(charts: &[ChartOutcome]) -> Vec<String> {
    charts
        .iter()
        .filter_map(ChartOutcome::drawn)
        .map(|c| c.stem.clone())
        .collect()
}

/// Renders every registered chart for a topic; with `parallel`, the charts are drawn on every
/// core (a single topic), else one after another (a batch, whose topics already run in
/// parallel: nesting rayon joins there deepens worker stacks without bound).
pub fn render_all(
    input: &ChartInput<'_>,
    dpi: u32,
    parallel: bool,
) -> Result<Vec<ChartOutcome>, crate::Error> {
    use rayon::prelude::*;
    let mut planned: Vec<Result<Chart, ChartOutcome>> = Vec::new();
    for spec in CHARTS {
        let phase = crate::timing::phase(spec.name);
        let built = (spec.build)(input);
        drop(phase);
        match built {
            Err(reason) => planned.push(Err(ChartOutcome::Skipped {
                stem: spec.name,
                reason,
            })),
            Ok(charts) => planned.extend(charts.into_iter().map(Ok)),
        }
    }
    let render = |plan: Result<Chart, ChartOutcome>| match plan {
        Err(skipped) => Ok(skipped),
        Ok(chart) => {
            let fail = |message: String| crate::Error::Chart {
                chart: chart.stem.clone(),
                message,
            };
            let svg = painter::render_svg(chart.size, &chart.text, &chart.stem, &*chart.draw)
                .map_err(fail)?;
            let png = painter::render_png(chart.size, dpi, &*chart.draw).map_err(fail)?;
            Ok(ChartOutcome::Drawn(RenderedChart {
                stem: chart.stem,
                caption: chart.caption,
                title: chart.text.title,
                svg,
                png,
            }))
        }
    };
    if parallel {
        planned.into_par_iter().map(render).collect()
    } else {
        planned.into_iter().map(render).collect()
    }
}
