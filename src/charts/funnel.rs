//! Funnel plot with Egger's regression test, for analyses of at least ten studies (below ten
//! the test has too little power to mean anything: Cochrane Handbook 13.3.5.4).

use crate::charts::axis::{Axis, labelled_linear_ticks};
use crate::charts::painter::{Align, ChartText, Font, Painter, Weight};
use crate::charts::palette::{INK, MUTED, RULE, direction_fill};
use crate::charts::reading_order::isolated;
use crate::charts::{Chart, ChartInput, ChartSpec, Planned};
use crate::model::Direction;
use crate::numbers::grouped;
use crate::synthesis::egger::{EGGER_MIN_K, EggerNotComputed};
use crate::synthesis::meta::Analysis;
use crate::synthesis::narrative::p_stated;
use crate::synthesis::votes::Z_95;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "funnel",
    build,
};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 560.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = WIDTH - 40.0;
const TOP: f64 = 96.0;
const BOTTOM: f64 = HEIGHT - 110.0;

fn build(input: &ChartInput<'_>) -> Result<Vec<Planned>, String> {
    let tested: Vec<&Analysis> = input
        .synthesis
        .meta
        .analyses
        .iter()
        .filter(|a| a.egger != Err(EggerNotComputed::TooFewStudies))
        .collect();
    crate::charts::check_analysis_charts(tested.len(), "a funnel plot")?;
    let charts: Vec<Planned> = tested
        .into_iter()
        .map(|a| {
            if a.studies.len() <= crate::charts::MAX_CHART_POINTS {
                Ok(funnel(input, a))
            } else {
                Err(format!(
                    "{}: {} studies, more than {}: too many to read as points; Egger's test is \
                     under \"Pooled effect sizes\"",
                    a.chart_stem("funnel"),
                    grouped(a.studies.len() as u64),
                    grouped(crate::charts::MAX_CHART_POINTS as u64)
                ))
            }
        })
        .collect();
    if charts.is_empty() {
        return Err(format!(
            "no pooled analysis has {EGGER_MIN_K} or more studies; funnel plots and Egger's test are not meaningful below that"
        ));
    }
    Ok(charts)
}

fn funnel(input: &ChartInput<'_>, analysis: &Analysis) -> Chart {
    let stem = analysis.chart_stem("funnel");
    let registry = input.registry;
    let topic = &registry.topic;
    let question = topic.questions[&analysis.question].label.clone();
    let outcome = topic.outcome_label(&analysis.outcome).to_string();
    let analysis = analysis.clone();
    let centre = analysis.fixed_effect.estimate;
    let max_se = analysis
        .studies
        .iter()
        .map(|s| s.effect.vi.sqrt())
        .fold(0.0, f64::max)
        * 1.08;
    let spread = analysis
        .studies
        .iter()
        .map(|s| (s.effect.yi - centre).abs())
        .fold(Z_95 * max_se, f64::max)
        * 1.05;
    let axis = Axis {
        min: centre - spread,
        max: centre + spread,
        left: LEFT,
        right: RIGHT,
        log: analysis.measure.is_ratio(),
    };
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // labels isolated ([`isolated`]).
    let titled = |question: &str, outcome: &str| format!("Funnel plot: {question} — {outcome}");
    let title = titled(&question, &outcome);
    let k = analysis.studies.len();
    let (description, subtitle) = match analysis.egger {
        Ok(egger) => (
            format!(
                "{k} studies; Egger's test t = {:.2}, {}.",
                egger.t,
                p_stated(egger.p)
            ),
            format!(
                "Egger's regression test: t = {:.2} (df = {}), {}; pseudo-95% limits around the fixed-effect estimate",
                egger.t,
                k - 2,
                p_stated(egger.p)
            ),
        ),
        Err(not_computed) => (
            format!("{k} studies; Egger's test {}.", not_computed.reason()),
            format!(
                "Egger's regression test {}; pseudo-95% limits around the fixed-effect estimate",
                not_computed.reason()
            ),
        ),
    };
    let footer = format!(
        "k = {} · registry {} · data as of {}",
        analysis.studies.len(),
        registry.short_hash(),
        topic.as_of
    );
    let title_for_draw = titled(&isolated(&question), &isolated(&outcome));
    let draw = move |p: &mut dyn Painter| {
        let y_of = |se: f64| TOP + se / max_se * (BOTTOM - TOP);
        crate::charts::common::header(p, WIDTH, &title_for_draw, &subtitle);
        p.polygon(
            &[
                (axis.x(centre), TOP),
                (axis.x(centre - Z_95 * max_se), BOTTOM),
                (axis.x(centre + Z_95 * max_se), BOTTOM),
            ],
            plotters::style::RGBColor(0xF0, 0xF0, 0xF0),
        );
        p.line(
            &[(axis.x(centre), TOP), (axis.x(centre), BOTTOM)],
            MUTED,
            1.0,
        );
        p.line(
            &[
                (axis.x(centre), TOP),
                (axis.x(centre - Z_95 * max_se), BOTTOM),
            ],
            RULE,
            1.0,
        );
        p.line(
            &[
                (axis.x(centre), TOP),
                (axis.x(centre + Z_95 * max_se), BOTTOM),
            ],
            RULE,
            1.0,
        );
        let radius = point_radius(analysis.studies.len());
        for study in &analysis.studies {
            let se = study.effect.vi.sqrt();
            p.circle(
                axis.x(study.effect.yi),
                y_of(se),
                radius,
                direction_fill(Direction::Positive),
            );
        }
        // Axes.
        let small = Font::new(11.0, Weight::Normal, INK);
        p.line(&[(LEFT, BOTTOM), (RIGHT, BOTTOM)], INK, 1.0);
        for (value, label) in axis.ticks() {
            let x = axis.x(value);
            p.line(&[(x, BOTTOM), (x, BOTTOM + 5.0)], INK, 1.0);
            p.text(x, BOTTOM + 15.0, &label, Align::Center, small);
        }
        let label = if analysis.measure.is_ratio() {
            format!("{} (log scale)", analysis.measure.label())
        } else {
            analysis.measure.label().to_string()
        };
        p.text(
            (LEFT + RIGHT) / 2.0,
            BOTTOM + 34.0,
            &label,
            Align::Center,
            small,
        );
        p.line(&[(LEFT, TOP), (LEFT, BOTTOM)], INK, 1.0);
        for (se, label) in labelled_linear_ticks(0.0, max_se) {
            let y = y_of(se);
            p.line(&[(LEFT - 5.0, y), (LEFT, y)], INK, 1.0);
            p.text(LEFT - 8.0, y, &label, Align::Right, small);
        }
        p.text(24.0, TOP - 14.0, "Standard error", Align::Left, small);
        p.line(
            &[(24.0, HEIGHT - 44.0), (WIDTH - 24.0, HEIGHT - 44.0)],
            RULE,
            1.0,
        );
        p.text(
            24.0,
            HEIGHT - 28.0,
            &footer,
            Align::Left,
            Font::new(11.0, Weight::Normal, MUTED),
        );
    };
    Chart {
        stem,
        size: (WIDTH as u32, HEIGHT as u32),
        text: ChartText { title, description },
        caption: "Each dot is one study: its estimate across, its standard error down (larger \
                  studies at the top). Without small-study effects the dots scatter symmetrically \
                  inside the funnel of pseudo-95% limits. Asymmetry has many causes besides \
                  publication bias; Egger's test is reported only with ten or more studies."
            .to_string(),
        draw: Box::new(draw),
    }
}

/// Radius of a study's point among `k`: 4.5 up to 30 studies, then shrinking with √k (the ink
/// of `k` points stays that of 30 full-size ones) down to 1.5 from about 270 studies. At full
/// size a thousand estimates (the 100k benchmark registry pools that many per analysis) merge
/// into one blot that hides where they are dense — the asymmetry a funnel plot is read for.
fn point_radius(k: usize) -> f64 {
    (4.5 * (30.0 / k.max(1) as f64).sqrt()).clamp(1.5, 4.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_shrink_as_studies_grow_past_thirty() {
        // bcg's 13 trials and any funnel of up to 30 studies: full size, as before.
        assert_eq!(point_radius(13), 4.5);
        assert_eq!(point_radius(30), 4.5);
        // 120 studies: half the radius (four times the points, the same ink).
        assert!((point_radius(120) - 2.25).abs() < 1e-12);
        assert_eq!(point_radius(996), 1.5);
        assert_eq!(point_radius(0), 4.5);
    }
}
