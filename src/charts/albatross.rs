//! Albatross plot (Harrison et al., Res Synth Methods 2017;8:281-289): each finding with a
//! p-value and n, placed by p on a signed log scale (left: against the hypothesis, right: for
//! it, centre: p = 1) and n on a log scale, over contours of standardised mean difference
//! N = z²(8 + d²)/(2d²), z = Φ⁻¹(1 − p/2). A p given only as a bound ("<0.05") is drawn as a
//! segment over its possible range. One chart per question.

use crate::charts::common::{MARGIN, footer, footer_text, header, marker};
use crate::charts::painter::{
    Align, Bounds, ChartText, Font, Painter, Weight, intersects, text_bounds,
};
use crate::charts::palette::{INK, MUTED, RULE, direction_fill};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::truncate_to_width;
use crate::charts::{Chart, ChartInput, ChartSpec, Planned};
use crate::model::Direction;
use crate::numbers::{counted, grouped};
use crate::registry::finding::PValue;
use crate::synthesis::special::normal_quantile_upper;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "albatross",
    build,
};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 640.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = WIDTH - 40.0;
const TOP: f64 = 90.0;
const BOTTOM: f64 = HEIGHT - 130.0;
const CONTOURS: [f64; 4] = [0.1, 0.25, 0.5, 1.0];
/// Marker size of a finding with an exact p, and of one with a bound.
const EXACT_MARKER: f64 = 11.0;
const BOUND_MARKER: f64 = 9.0;
/// Width of a bound's segment.
const BOUND_LINE: f64 = 1.5;

struct Point {
    n: f64,
    direction: Direction,
    p: PValue,
}

fn build(input: &ChartInput<'_>) -> Result<Vec<Planned>, String> {
    crate::charts::common::per_question(input, chart, || {
        "no question has findings with a p-value, n and a positive or negative direction"
            .to_string()
    })
}

fn chart(input: &ChartInput<'_>, question_key: &str) -> Option<Planned> {
    let registry = input.registry;
    let question = registry.topic.questions[question_key].clone();
    let in_question = registry
        .findings
        .iter()
        .filter(|f| *f.keys.question() == *question_key);
    let (mut points, mut sideless) = (Vec::new(), Vec::new());
    for f in in_question {
        let (Some(p), Some(n)) = (f.p_value.get(), f.n()) else {
            continue;
        };
        if matches!(f.direction, Direction::Positive | Direction::Negative)
            && !matches!(p, PValue::Above(_))
            && p.value() > 0.0
        {
            points.push(Point {
                n: f64::from(n),
                direction: f.direction,
                p,
            });
            if points.len() > crate::charts::MAX_CHART_POINTS {
                return Some(Err(format!(
                    "albatross-{question_key}: more than {} findings with a p-value, n and a \
                     positive or negative direction, too many to read as points; see \
                     tables/findings.csv",
                    grouped(crate::charts::MAX_CHART_POINTS as u64)
                )));
            }
        } else {
            sideless.push((f, p));
        }
    }
    if points.is_empty() {
        return None;
    }
    let sideless: Vec<String> = sideless
        .iter()
        .map(|(f, p)| format!("{} ({}, p {p})", f.study.id, f.keys.outcome()))
        .collect();
    // Signed axis in −log10 p; at least out to p = 0.0001.
    let extent = points
        .iter()
        .map(|pt| -pt.p.value().log10())
        .fold(4.0, f64::max)
        .ceil();
    let x_of = move |p: f64, direction: Direction| {
        let signed = if direction == Direction::Negative {
            -1.0
        } else {
            1.0
        } * -p.log10();
        LEFT + (signed + extent) / (2.0 * extent) * (RIGHT - LEFT)
    };
    let n_low = points
        .iter()
        .map(|pt| pt.n)
        .fold(f64::INFINITY, f64::min)
        .min(10.0);
    let n_high = points.iter().map(|pt| pt.n).fold(0.0, f64::max).max(1000.0);
    let (log_low, log_high) = ((n_low / 1.5).log10().floor(), (n_high * 1.5).log10().ceil());
    let y_of = move |n: f64| BOTTOM - (n.log10() - log_low) / (log_high - log_low) * (BOTTOM - TOP);
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // label isolated ([`isolated`]).
    let titled = |label: &str| format!("Albatross plot: {label}");
    let title = titled(&question.label);
    let description = format!(
        "{} with a p-value and n; {} without a side {} listed below the plot.",
        counted(points.len() as u64, "finding", "findings"),
        sideless.len(),
        if sideless.len() == 1 { "is" } else { "are" }
    );
    let footer_line = footer_text(
        registry,
        &counted(points.len() as u64, "finding", "findings"),
    );
    let subtitle = format!(
        "x: two-sided p, left = {} (against), right = {} (for); y: participants (log); contours: SMD",
        isolated(&question.negative),
        isolated(&question.positive)
    );
    // The contours' p-values and their z, computed once (not once per format).
    let contour_steps: Vec<(f64, f64)> = (0..=120)
        .map(|step| {
            let log_p = -extent * f64::from(step) / 120.0;
            let pv = 10f64.powf(log_p).min(0.999_999);
            (pv, normal_quantile_upper(pv / 2.0))
        })
        .collect();
    // What a contour label must not cover: each finding's marker (with a point of room) and
    // bound segment (its line, with room).
    let marks: Vec<Bounds> = points
        .iter()
        .flat_map(|pt| {
            let y = y_of(pt.n);
            let around = |x: f64, size: f64| {
                let h = size / 2.0 + 1.0;
                (x - h, y - h, x + h, y + h)
            };
            match pt.p {
                PValue::Exact(v) => vec![around(x_of(v, pt.direction), EXACT_MARKER)],
                PValue::Below(v) | PValue::Above(v) => {
                    let from = x_of(v, pt.direction);
                    let to = x_of(10f64.powf(-extent), pt.direction);
                    vec![
                        around(from, BOUND_MARKER),
                        (from.min(to), y - 2.0, from.max(to), y + 2.0),
                    ]
                }
            }
        })
        .collect();
    let title_for_draw = titled(&isolated(&question.label));
    let draw = move |p: &mut dyn Painter| {
        header(p, WIDTH, &title_for_draw, &subtitle);
        // Contours, both sides.
        let mut taken = marks.clone();
        for d in CONTOURS {
            for side in [Direction::Negative, Direction::Positive] {
                let mut path = Vec::new();
                for &(pv, z) in &contour_steps {
                    let n = z * z * (8.0 + d * d) / (2.0 * d * d);
                    if n.log10() < log_low || n.log10() > log_high {
                        continue;
                    }
                    path.push((x_of(pv, side), y_of(n)));
                }
                if path.len() > 1 {
                    p.line(&path, RULE, 1.0);
                    let label = format!("d = {d}");
                    if let Some(place) = contour_label_place(&path, side, &label, &taken) {
                        p.text(place.x, place.y, &label, place.align, CONTOUR_LABEL);
                        taken.push(place.bounds);
                    }
                }
            }
        }
        // Axes.
        let small = Font::new(10.5, Weight::Normal, INK);
        p.line(&[(LEFT, BOTTOM), (RIGHT, BOTTOM)], INK, 1.0);
        p.line(&[(LEFT, TOP), (LEFT, BOTTOM)], INK, 1.0);
        let centre = x_of(1.0, Direction::Positive);
        p.line(&[(centre, TOP), (centre, BOTTOM)], MUTED, 1.0);
        let mut exponent = 1.0;
        let ticks: Vec<f64> = std::iter::once(1.0)
            .chain(std::iter::from_fn(|| {
                exponent += 1.0;
                (exponent - 1.0 <= extent).then(|| 10f64.powf(-(exponent - 1.0)))
            }))
            .collect();
        for pv in &ticks {
            for side in [Direction::Negative, Direction::Positive] {
                if *pv == 1.0 && side == Direction::Negative {
                    continue;
                }
                let x = x_of(*pv, side);
                p.line(&[(x, BOTTOM), (x, BOTTOM + 5.0)], INK, 1.0);
                p.text(x, BOTTOM + 15.0, &p_tick(*pv), Align::Center, small);
            }
        }
        p.text(
            (LEFT + centre) / 2.0,
            BOTTOM + 34.0,
            &format!("← {}", isolated(&question.negative)),
            Align::Center,
            small,
        );
        p.text(
            (centre + RIGHT) / 2.0,
            BOTTOM + 34.0,
            &format!("{} →", isolated(&question.positive)),
            Align::Center,
            small,
        );
        let mut decade = log_low;
        while decade <= log_high {
            let y = y_of(10f64.powf(decade));
            p.line(&[(LEFT - 5.0, y), (LEFT, y)], INK, 1.0);
            p.text(
                LEFT - 8.0,
                y,
                &crate::charts::axis::format_tick(10f64.powf(decade)),
                Align::Right,
                small,
            );
            decade += 1.0;
        }
        p.text(MARGIN, TOP - 14.0, "Participants", Align::Left, small);
        // Findings: exact p as markers, bounds as segments towards smaller p.
        for pt in &points {
            let y = y_of(pt.n);
            match pt.p {
                PValue::Exact(v) => marker(p, x_of(v, pt.direction), y, EXACT_MARKER, pt.direction),
                PValue::Below(v) | PValue::Above(v) => {
                    let from = x_of(v, pt.direction);
                    let to = x_of(10f64.powf(-extent), pt.direction);
                    p.line(
                        &[(from, y), (to, y)],
                        direction_fill(pt.direction),
                        BOUND_LINE,
                    );
                    marker(p, from, y, BOUND_MARKER, pt.direction);
                }
            }
        }
        let mut y = BOTTOM + 58.0;
        if !sideless.is_empty() {
            let text = format!(
                "Not placed (no side, or p > bound): {}",
                sideless.join("; ")
            );
            let text = truncate_to_width(&text, 10.5, Weight::Normal, WIDTH - 2.0 * MARGIN);
            p.text(
                MARGIN,
                y,
                &text,
                Align::Left,
                Font::new(10.5, Weight::Normal, MUTED),
            );
            y += 16.0;
        }
        let legend = "Marker: exact p. Bar: p given only as a bound, drawn from the bound towards smaller p.";
        p.text(
            MARGIN,
            y,
            legend,
            Align::Left,
            Font::new(10.5, Weight::Normal, MUTED),
        );
        footer(p, WIDTH, HEIGHT - 16.0, &footer_line);
    };
    Some(Ok(Chart {
        stem: format!("albatross-{question_key}"),
        size: (WIDTH as u32, HEIGHT as u32),
        text: ChartText { title, description },
        caption: "Each finding with a p-value and a sample size sits at its p (centre p = 1, \
                  smaller p further out: left against the hypothesis, right for it) and its n. The \
                  grey contours show where a study of that size with a standardised mean difference \
                  d of 0.1, 0.25, 0.5 or 1 would fall, so the plot suggests effect sizes where \
                  none were reported. Bars are p-values known only as bounds."
            .to_string(),
        draw: Box::new(draw),
    }))
}

/// The font of the contour labels.
const CONTOUR_LABEL: Font = Font::new(9.5, Weight::Normal, MUTED);

/// Where a contour's label is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LabelPlace {
    x: f64,
    y: f64,
    align: Align,
    bounds: Bounds,
}

/// Where the label of the contour `path` (points from p = 1 outwards) goes: just above and
/// inside a point of the contour, at the outer end where the contours are far apart, or, when
/// the label there would cover a finding or another label (`taken`) or leave the plot, at the
/// first point inwards where it covers nothing. `None` when no point has room: a label is left
/// out rather than drawn over a finding.
fn contour_label_place(
    path: &[(f64, f64)],
    side: Direction,
    label: &str,
    taken: &[Bounds],
) -> Option<LabelPlace> {
    let (dx, align) = if side == Direction::Positive {
        (-4.0, Align::Right)
    } else {
        (4.0, Align::Left)
    };
    // The label's box at the origin, moved to each point (measuring text is not free).
    let at_origin = text_bounds(0.0, 0.0, label, align, CONTOUR_LABEL);
    path.iter().rev().find_map(|&(x, y)| {
        let (x, y) = (x + dx, y - 8.0);
        let bounds = (
            at_origin.0 + x,
            at_origin.1 + y,
            at_origin.2 + x,
            at_origin.3 + y,
        );
        let inside = bounds.0 >= LEFT && bounds.2 <= RIGHT && bounds.1 >= TOP && bounds.3 <= BOTTOM;
        let clear = taken.iter().all(|t| !intersects(&bounds, t));
        (inside && clear).then_some(LabelPlace {
            x,
            y,
            align,
            bounds,
        })
    })
}

/// A p tick label: 1, 0.1, 0.01, 0.001, then 1e-4, 1e-5, ...
fn p_tick(p: f64) -> String {
    if p >= 0.001 {
        crate::charts::axis::format_tick(p)
    } else {
        format!("1e{}", p.log10().round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A contour from the centre at the bottom to the top right.
    fn path() -> Vec<(f64, f64)> {
        (0..=10)
            .map(|i| (500.0 + 30.0 * f64::from(i), 400.0 - 25.0 * f64::from(i)))
            .collect()
    }

    #[test]
    fn a_label_sits_at_the_outer_end_when_nothing_is_there() {
        let place = contour_label_place(&path(), Direction::Positive, "d = 0.5", &[]).unwrap();
        // 4 points inside and 8 above the last point, right-aligned.
        assert_eq!(
            (place.x, place.y, place.align),
            (796.0, 142.0, Align::Right)
        );
        assert_eq!(place.bounds.2, 796.0);
        let left = contour_label_place(&path(), Direction::Negative, "d = 0.5", &[]).unwrap();
        assert_eq!((left.x, left.y, left.align), (804.0, 142.0, Align::Left));
    }

    #[test]
    fn a_label_moves_inwards_past_a_finding_and_is_left_out_without_room() {
        let outer = contour_label_place(&path(), Direction::Positive, "d = 0.5", &[]).unwrap();
        // A bound segment through the label's place, and one through the next point's.
        let segment = |y: f64| (300.0, y - 2.0, 900.0, y + 2.0);
        let taken = [segment(outer.bounds.3 - 1.0), segment(167.0)];
        let place = contour_label_place(&path(), Direction::Positive, "d = 0.5", &taken).unwrap();
        assert_eq!((place.x, place.y), (736.0, 192.0), "two points inwards");
        assert!(taken.iter().all(|t| !intersects(&place.bounds, t)));
        // Covered everywhere: no label rather than a label over a finding.
        let everywhere = [(0.0, 0.0, WIDTH, HEIGHT)];
        assert_eq!(
            contour_label_place(&path(), Direction::Positive, "d = 0.5", &everywhere),
            None
        );
        // Above the plot's top: the next point inwards.
        let high: Vec<(f64, f64)> = path().into_iter().map(|(x, y)| (x, y - 52.0)).collect();
        let place = contour_label_place(&high, Direction::Positive, "d = 0.5", &[]).unwrap();
        assert!(place.bounds.1 >= TOP, "{place:?}");
        assert_eq!(place.y, 400.0 - 25.0 * 9.0 - 52.0 - 8.0);
    }
}
