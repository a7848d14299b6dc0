//! Charts: one file per chart, registered in [`CHARTS`]; a shared palette and painter.
//!
//! Adding a chart = one new file + one line in [`CHARTS`]; the report and the tests walk the
//! list, so a new chart is written and covered without further wiring.

pub mod albatross;
pub mod arabic_shaping;
pub mod axis;
pub mod bitmap_text;
pub mod common;
mod deflate;
pub mod effect_direction;
pub mod evidence_map;
pub mod evidence_meter;
pub mod forest;
pub mod funnel;
pub mod harvest;
pub mod painter;
pub mod palette;
pub mod png_encode;
pub mod reading_order;
pub mod svg_text;
pub mod text_fit;
pub mod timeline;

use crate::numbers::grouped;
use crate::registry::Registry;
use crate::synthesis::Synthesis;
use painter::{ChartText, DrawFn};

/// Most rows (studies) a row-per-study chart draws; beyond this it is not readable at any
/// size, so the chart is not written and the report points to the tables instead.
pub const MAX_CHART_ROWS: usize = 150;
/// Most outcome columns a grid chart (evidence map, effect direction plot) draws: at their
/// width, narrower cells would show colour but no readable count.
pub const MAX_CHART_COLUMNS: usize = 30;
/// Most question panels a chart stacks (evidence meter, harvest plot, timeline): 20 panels
/// make a chart some 4,000 pt tall already.
pub const MAX_QUESTION_PANELS: usize = 20;
/// Most questions with findings for which a per-question chart kind (effect direction plot,
/// albatross plot, evidence map) is drawn; past that the kind is not drawn at all.
pub const MAX_QUESTION_CHARTS: usize = 100;
/// Most pooled analyses for which a per-analysis chart kind (forest plot, funnel plot) is
/// drawn; past that the kind is not drawn at all (50,000 forest plots took 20 GB and 100,000
/// files, and no reader looks through them).
pub const MAX_ANALYSIS_CHARTS: usize = 100;

/// Refuses a per-analysis chart kind (`plots`, e.g. "a forest plot") when `analyses` are
/// more than [`MAX_ANALYSIS_CHARTS`].
pub fn check_analysis_charts(analyses: usize, plots: &str) -> Result<(), String> {
    if analyses <= MAX_ANALYSIS_CHARTS {
        return Ok(());
    }
    Err(format!(
        "{} pooled analyses, more than {MAX_ANALYSIS_CHARTS}: {plots} for each would bury the \
         report; each pooled result is under \"Pooled effect sizes\" and each study's effect \
         in tables/effect-sizes.csv",
        grouped(analyses as u64)
    ))
}

/// Tallest chart drawn, in points (the tallest allowed by the other limits, an evidence map of
/// 150 forms, is under 7,000 pt); a safety net for layouts that grow with the data.
pub const MAX_CHART_HEIGHT: u32 = 8_000;
/// Most pixels in a PNG (300 MB of RGB while it is drawn): reached only at high `--dpi`.
pub const MAX_PNG_PIXELS: u64 = 100_000_000;
/// Most points a scatter chart (albatross, funnel) draws.
pub const MAX_CHART_POINTS: usize = 2000;

/// PNG resolution by default: 144 dpi, two pixels per SVG pixel (print).
pub const DEFAULT_DPI: u32 = 144;

/// Refuses a chart that would stack a panel for each of more than [`MAX_QUESTION_PANELS`]
/// questions.
pub fn check_question_panels(panels: usize) -> Result<(), String> {
    if panels <= MAX_QUESTION_PANELS {
        return Ok(());
    }
    Err(format!(
        "{} questions would each need a panel, more than {MAX_QUESTION_PANELS}: a chart that \
         tall would not be readable; see tables/tier-by-direction.csv and tables/votes.csv",
        grouped(panels as u64)
    ))
}

/// Why a planned chart is too large to draw at `dpi`, if it is.
fn too_large(chart: &Chart, dpi: u32) -> Option<String> {
    let height = chart.size.1;
    if height > MAX_CHART_HEIGHT {
        return Some(format!(
            "{} would be {} pt tall, more than {}: too tall to read; see the tables",
            chart.stem,
            grouped(height),
            grouped(MAX_CHART_HEIGHT)
        ));
    }
    let (px_width, px_height) = painter::png_size(chart.size, dpi);
    let pixels = u64::from(px_width) * u64::from(px_height);
    (pixels > MAX_PNG_PIXELS).then(|| {
        format!(
            "{} would be a PNG of {} × {} pixels at {dpi} dpi (more than {} pixels); lower --dpi",
            chart.stem,
            grouped(px_width),
            grouped(px_height),
            grouped(MAX_PNG_PIXELS)
        )
    })
}

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

/// A chart as planned by its kind's builder: to be drawn, or not drawn for a reason of its own
/// (one of several per-question or per-analysis charts that would be too large to read).
pub type Planned = Result<Chart, String>;

/// A registered chart kind: its name and its builder, which plans one chart or several (one
/// per question or analysis), or says why the topic has no data for it.
pub struct ChartSpec {
    /// Name of the chart kind (the file stem, or its prefix for per-analysis charts).
    pub name: &'static str,
    /// Plans the charts, or says why none can be drawn for this topic.
    pub build: fn(&ChartInput<'_>) -> Result<Vec<Planned>, String>,
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
            Ok(charts) => planned.extend(charts.into_iter().map(|plan| {
                plan.and_then(|chart| match too_large(&chart, dpi) {
                    Some(reason) => Err(reason),
                    None => Ok(chart),
                })
                .map_err(|reason| ChartOutcome::Skipped {
                    stem: spec.name,
                    reason,
                })
            })),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn chart_of(size: (u32, u32)) -> Chart {
        Chart {
            stem: "evidence-map-q".to_string(),
            size,
            text: ChartText {
                title: String::new(),
                description: String::new(),
            },
            caption: String::new(),
            draw: Box::new(|_| {}),
        }
    }

    #[test]
    fn charts_too_tall_or_too_many_pixels_are_not_drawn() {
        assert_eq!(too_large(&chart_of((1000, 8000)), 144), None);
        assert_eq!(
            too_large(&chart_of((1000, 8001)), 72).as_deref(),
            Some(
                "evidence-map-q would be 8,001 pt tall, more than 8,000: too tall to read; see the tables"
            )
        );
        // 7,000 pt at 144 dpi: 2,000 × 14,000 = 28 million pixels; at 600 dpi 8,333 × 58,333.
        assert_eq!(too_large(&chart_of((1000, 7000)), 144), None);
        assert_eq!(
            too_large(&chart_of((1000, 7000)), 600).as_deref(),
            Some(
                "evidence-map-q would be a PNG of 8,333 × 58,333 pixels at 600 dpi (more than 100,000,000 pixels); lower --dpi"
            )
        );
    }

    #[test]
    fn more_question_panels_than_the_limit_are_refused() {
        assert_eq!(check_question_panels(MAX_QUESTION_PANELS), Ok(()));
        assert!(
            check_question_panels(MAX_QUESTION_PANELS + 1)
                .unwrap_err()
                .starts_with("21 questions would each need a panel, more than 20")
        );
    }
}
