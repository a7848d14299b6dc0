//! Forest plot, one per pooled analysis: study labels, n, estimate and CI as text, squares
//! sized by weight, arrows where a CI leaves the axis, the pooled diamond, the prediction
//! interval, the heterogeneity line, and "favours" captions from the question.

use crate::charts::axis::Axis;
use crate::charts::painter::{Align, ChartText, Font, Painter, Weight};
use crate::charts::palette::{INK, MUTED, RULE, direction_fill};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::{text_width, truncate_to_width};
use crate::charts::{Chart, ChartInput, ChartSpec, Planned};
use crate::model::Direction;
use crate::numbers::{decimal, grouped};
use crate::registry::topic::Question;
use crate::synthesis::meta::Analysis;
use crate::synthesis::narrative::{model_label, p_stated};

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "forest",
    build,
};

const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 24.0;
const N_RIGHT: f64 = 300.0;
/// Room kept for the n column left of [`N_RIGHT`] (an n of up to 99,999), and the least gap
/// between a wider n and the study id.
const N_COLUMN: f64 = 40.0;
const N_GAP: f64 = 8.0;
const PLOT_LEFT: f64 = 330.0;
/// The plot's right edge at the least; it reaches further right as far as the estimate
/// column's widest text leaves room for ([`plot_right`]).
const PLOT_RIGHT: f64 = 680.0;
/// Space kept between the plot and the estimate column's widest text.
const ESTIMATE_GAP: f64 = 24.0;
const ESTIMATE_RIGHT: f64 = 880.0;
const WEIGHT_RIGHT: f64 = WIDTH - MARGIN;
const ROW: f64 = 22.0;
const TOP: f64 = 96.0;

fn build(input: &ChartInput<'_>) -> Result<Vec<Planned>, String> {
    let meta = &input.synthesis.meta;
    if meta.analyses.is_empty() {
        return Err(meta.why_nothing_pooled().clause().to_string());
    }
    crate::charts::check_analysis_charts(meta.analyses.len(), "a forest plot")?;
    Ok(meta
        .analyses
        .iter()
        .map(|analysis| {
            if analysis.studies.len() <= crate::charts::MAX_CHART_ROWS {
                Ok(forest(input, analysis))
            } else {
                Err(format!(
                    "{}: {} studies, more than {}: too many rows for a forest plot; the pooled \
                     result is under \"Pooled effect sizes\" and each study's effect in \
                     tables/effect-sizes.csv",
                    analysis.chart_stem("forest"),
                    grouped(analysis.studies.len() as u64),
                    crate::charts::MAX_CHART_ROWS
                ))
            }
        })
        .collect())
}

/// The axis: every estimate, the pooled CI and the null, padded; study CIs and the prediction
/// interval widen it by at most the core width on each side (beyond that, arrows).
fn axis_for(analysis: &Analysis) -> Axis {
    let pooled = &analysis.pooled;
    let mut low = pooled.ci_low.min(0.0);
    let mut high = pooled.ci_high.max(0.0);
    for study in &analysis.studies {
        low = low.min(study.effect.yi);
        high = high.max(study.effect.yi);
    }
    // The null is inside, so the span is at least the largest estimate's size; it is 0 only
    // where every estimate and the pooled interval sit on the null to rounding, and then a
    // unit span keeps the axis drawable. No fixed minimum: it hid the intervals of estimates
    // in small units (1e-150 on an axis of ±1e-6).
    let spread = high - low;
    let core = if spread > 0.0 { spread } else { 1.0 };
    let widest_low = analysis
        .studies
        .iter()
        .map(|s| s.effect.ci_low)
        .fold(pooled.pi_low, f64::min);
    let widest_high = analysis
        .studies
        .iter()
        .map(|s| s.effect.ci_high)
        .fold(pooled.pi_high, f64::max);
    let min = widest_low.max(low - core) - 0.05 * core;
    let max = widest_high.min(high + core) + 0.05 * core;
    Axis {
        min,
        max,
        left: PLOT_LEFT,
        right: plot_right(analysis),
        log: analysis.measure.is_ratio(),
    }
}

fn forest(input: &ChartInput<'_>, analysis: &Analysis) -> Chart {
    let stem = analysis.chart_stem("forest");
    let registry = input.registry;
    let topic = &registry.topic;
    let question: Question = topic.questions[&analysis.question].clone();
    let outcome = topic.outcome_label(&analysis.outcome).to_string();
    let analysis = analysis.clone();
    let axis = axis_for(&analysis);
    let k = analysis.studies.len();
    let height = (TOP + ROW * (k as f64 + 3.0) + 150.0).ceil();
    let participants: u64 = analysis
        .studies
        .iter()
        .map(|s| u64::from(s.n.unwrap_or(0)))
        .sum();
    let footer = format!(
        "k = {k} studies · n = {} · registry {} · data as of {}",
        grouped(participants),
        registry.short_hash(),
        topic.as_of
    );
    let measure = analysis.measure;
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // labels isolated ([`isolated`]).
    let titled = |question: &str, outcome: &str| format!("Forest plot: {question} — {outcome}");
    let title = titled(&question.label, &outcome);
    let pooled = analysis.pooled.clone();
    let description = format!(
        "{} studies; pooled {} {} (95% CI {} to {}), I² {:.1}%.",
        k,
        mid_sentence(measure.label()),
        analysis.shown(pooled.estimate),
        analysis.shown(pooled.ci_low),
        analysis.shown(pooled.ci_high),
        pooled.i2
    );
    let title_for_draw = titled(&isolated(&question.label), &isolated(&outcome));
    let draw = move |p: &mut dyn Painter| {
        let subtitle = format!("{} · {}", measure.label(), model_label(pooled.options));
        crate::charts::common::header(p, WIDTH, &title_for_draw, &subtitle);
        let header = Font::new(12.0, Weight::Bold, INK);
        p.text(MARGIN, 78.0, "Study", Align::Left, header);
        p.text(N_RIGHT, 78.0, "n", Align::Right, header);
        p.text(
            ESTIMATE_RIGHT,
            78.0,
            &format!("{} (95% CI)", measure.short_label()),
            Align::Right,
            header,
        );
        p.text(WEIGHT_RIGHT, 78.0, "Weight", Align::Right, header);
        p.line(&[(MARGIN, 88.0), (WIDTH - MARGIN, 88.0)], RULE, 1.0);

        let max_weight = pooled.weights.iter().copied().fold(0.0, f64::max).max(1e-9);
        let body = Font::new(12.0, Weight::Normal, INK);
        for (i, study) in analysis.studies.iter().enumerate() {
            let y = TOP + ROW * i as f64 + ROW / 2.0;
            let n = study.n.map_or("–".to_string(), |n| grouped(u64::from(n)));
            // The id stops short of its n, however wide (an n of billions ran into it).
            let n_room = (text_width(&n, body.size, body.weight) + N_GAP).max(N_COLUMN);
            crate::charts::painter::id_label(
                p,
                MARGIN,
                y,
                &study.study_id,
                N_RIGHT - MARGIN - n_room,
                Align::Left,
                body,
            );
            p.text(N_RIGHT, y, &n, Align::Right, body);
            draw_interval(p, &axis, y, study.effect.ci_low, study.effect.ci_high, INK);
            let weight = pooled.weights[i];
            let side = 4.0 + 12.0 * (weight / max_weight).sqrt();
            if axis.contains(study.effect.yi) {
                let x = axis.x(study.effect.yi);
                p.rect(
                    x - side / 2.0,
                    y - side / 2.0,
                    x + side / 2.0,
                    y + side / 2.0,
                    direction_fill(Direction::Positive),
                    None,
                );
            }
            let text = bracketed(
                &analysis,
                study.effect.yi,
                study.effect.ci_low,
                study.effect.ci_high,
            );
            p.text(ESTIMATE_RIGHT, y, &text, Align::Right, body);
            p.text(
                WEIGHT_RIGHT,
                y,
                &format!("{weight:.1}%"),
                Align::Right,
                body,
            );
        }
        let rows_bottom = TOP + ROW * k as f64;
        p.line(
            &[
                (MARGIN, rows_bottom + 4.0),
                (WIDTH - MARGIN, rows_bottom + 4.0),
            ],
            RULE,
            1.0,
        );

        // Pooled diamond.
        let y = rows_bottom + ROW;
        let bold = Font::new(12.0, Weight::Bold, INK);
        p.text(MARGIN, y, "Pooled estimate", Align::Left, bold);
        let (lo, mid, hi) = (
            axis.x(pooled.ci_low.max(axis.min)),
            axis.x(pooled.estimate.clamp(axis.min, axis.max)),
            axis.x(pooled.ci_high.min(axis.max)),
        );
        p.polygon(&[(lo, y), (mid, y - 7.0), (hi, y), (mid, y + 7.0)], INK);
        let text = bracketed(&analysis, pooled.estimate, pooled.ci_low, pooled.ci_high);
        p.text(ESTIMATE_RIGHT, y, &text, Align::Right, bold);
        p.text(WEIGHT_RIGHT, y, "100%", Align::Right, bold);

        // Prediction interval.
        let y = rows_bottom + 2.0 * ROW;
        p.text(
            MARGIN,
            y,
            "95% prediction interval",
            Align::Left,
            Font::new(12.0, Weight::Normal, MUTED),
        );
        draw_interval(p, &axis, y, pooled.pi_low, pooled.pi_high, MUTED);
        let text = format!(
            "[{}, {}]",
            analysis.shown(pooled.pi_low),
            analysis.shown(pooled.pi_high)
        );
        p.text(
            ESTIMATE_RIGHT,
            y,
            &text,
            Align::Right,
            Font::new(12.0, Weight::Normal, MUTED),
        );

        // Null line and axis.
        let null = 0.0;
        let axis_y = rows_bottom + 3.0 * ROW;
        if axis.contains(null) {
            p.line(
                &[(axis.x(null), TOP - 4.0), (axis.x(null), axis_y)],
                MUTED,
                1.0,
            );
        }
        p.line(&[(PLOT_LEFT, axis_y), (axis.right, axis_y)], INK, 1.0);
        let small = Font::new(11.0, Weight::Normal, INK);
        for (value, label) in axis.ticks() {
            let x = axis.x(value);
            p.line(&[(x, axis_y), (x, axis_y + 5.0)], INK, 1.0);
            p.text(x, axis_y + 14.0, &label, Align::Center, small);
        }
        let axis_label = if measure.is_ratio() {
            format!("{} (log scale)", measure.label())
        } else {
            measure.label().to_string()
        };
        p.text(
            (PLOT_LEFT + axis.right) / 2.0,
            axis_y + 32.0,
            &axis_label,
            Align::Center,
            small,
        );
        let (left, right) = match analysis.favours_lower {
            Some(true) => (
                format!("← favours: {}", isolated(&question.positive)),
                format!("favours: {} →", isolated(&question.negative)),
            ),
            Some(false) => (
                format!("← favours: {}", isolated(&question.negative)),
                format!("favours: {} →", isolated(&question.positive)),
            ),
            None => ("← lower".to_string(), "higher →".to_string()),
        };
        let half = (axis.right - PLOT_LEFT) / 2.0 - 4.0;
        let muted = Font::new(11.0, Weight::Normal, MUTED);
        p.text(
            axis.x(null.clamp(axis.min, axis.max)) - 6.0,
            axis_y + 50.0,
            &truncate_to_width(&left, 11.0, Weight::Normal, half),
            Align::Right,
            muted,
        );
        p.text(
            axis.x(null.clamp(axis.min, axis.max)) + 6.0,
            axis_y + 50.0,
            &truncate_to_width(&right, 11.0, Weight::Normal, half),
            Align::Left,
            muted,
        );

        let heterogeneity = format!(
            "Heterogeneity: τ² = {}, I² = {:.1}%, H² = {}, Q = {} (df = {}), {}",
            decimal(pooled.tau2, 4),
            pooled.i2,
            decimal(pooled.h2, 2),
            decimal(pooled.q, 2),
            pooled.k - 1,
            p_stated(pooled.q_p)
        );
        p.text(
            MARGIN,
            axis_y + 76.0,
            &heterogeneity,
            Align::Left,
            Font::new(11.5, Weight::Normal, INK),
        );
        let footer = truncate_to_width(&footer, 11.0, Weight::Normal, WIDTH - 2.0 * MARGIN);
        p.line(
            &[(MARGIN, axis_y + 94.0), (WIDTH - MARGIN, axis_y + 94.0)],
            RULE,
            1.0,
        );
        p.text(MARGIN, axis_y + 110.0, &footer, Align::Left, muted);
    };
    Chart {
        stem,
        size: (WIDTH as u32, height as u32),
        text: ChartText { title, description },
        caption: "Each row is one study: the square is its estimate (area by weight in the \
                  random-effects model), the line its 95% confidence interval (an arrow where it \
                  runs past the axis). The diamond is the pooled estimate with its 95% CI; the grey \
                  bar below is the 95% prediction interval, the range in which a new study's true \
                  effect is expected to fall. Ratio measures use a log axis labelled in natural \
                  units."
            .to_string(),
        draw: Box::new(draw),
    }
}

/// A horizontal interval; ends past the axis become arrows at the axis edge.
fn draw_interval(
    p: &mut dyn Painter,
    axis: &Axis,
    y: f64,
    low: f64,
    high: f64,
    color: plotters::style::RGBColor,
) {
    let x0 = axis.x(low.max(axis.min));
    let x1 = axis.x(high.min(axis.max));
    p.line(&[(x0, y), (x1, y)], color, 1.5);
    if low < axis.min {
        p.polygon(
            &[(x0 - 1.0, y), (x0 + 7.0, y - 4.0), (x0 + 7.0, y + 4.0)],
            color,
        );
    } else {
        p.line(&[(x0, y - 4.0), (x0, y + 4.0)], color, 1.0);
    }
    if high > axis.max {
        p.polygon(
            &[(x1 + 1.0, y), (x1 - 7.0, y - 4.0), (x1 - 7.0, y + 4.0)],
            color,
        );
    } else {
        p.line(&[(x1, y - 4.0), (x1, y + 4.0)], color, 1.0);
    }
}

/// The plot's right edge: [`ESTIMATE_GAP`] left of the estimate column's widest text (the
/// studies' and the pooled estimate's, bold, and the prediction interval's), and never left of
/// [`PLOT_RIGHT`]. The column was laid out for the widest estimates there can be, which left
/// a third of the plot's width empty beside short ones ("0.41 [0.13, 1.26]").
fn plot_right(analysis: &Analysis) -> f64 {
    let pooled = &analysis.pooled;
    let studies = analysis.studies.iter().map(|s| {
        let text = bracketed(analysis, s.effect.yi, s.effect.ci_low, s.effect.ci_high);
        text_width(&text, 12.0, Weight::Normal)
    });
    let pooled_text = bracketed(analysis, pooled.estimate, pooled.ci_low, pooled.ci_high);
    let interval = format!(
        "[{}, {}]",
        analysis.shown(pooled.pi_low),
        analysis.shown(pooled.pi_high)
    );
    let heading = format!("{} (95% CI)", analysis.measure.short_label());
    let widest = studies
        .chain([
            text_width(&pooled_text, 12.0, Weight::Bold),
            text_width(&interval, 12.0, Weight::Normal),
            text_width(&heading, 12.0, Weight::Bold),
        ])
        .fold(0.0, f64::max);
    (ESTIMATE_RIGHT - widest - ESTIMATE_GAP).max(PLOT_RIGHT)
}

/// An estimate with its interval as a forest plot row shows it: `0.49 [0.34, 0.70]`.
fn bracketed(analysis: &Analysis, estimate: f64, low: f64, high: f64) -> String {
    format!(
        "{} [{}, {}]",
        analysis.shown(estimate),
        analysis.shown(low),
        analysis.shown(high)
    )
}

/// A label as it reads inside a sentence: "Risk difference" → "risk difference" (only the
/// first letter, so "Hedges' g" keeps its capital).
fn mid_sentence(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}
