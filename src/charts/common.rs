//! Pieces every chart shares: the title block, the footer with the registry's hash and date,
//! and the direction markers (shape and colour, so direction never rests on colour alone).

use plotters::style::RGBColor;

use crate::charts::painter::{Align, Font, Painter, Weight, truncate_to_width};
use crate::charts::palette::{INK, MUTED, RULE, direction_fill};
use crate::model::Direction;
use crate::registry::Registry;

/// Left and right margin of every chart.
pub const MARGIN: f64 = 24.0;

/// One chart per question of the topic that `chart` plans one for (`None`: the question has
/// no data for it), or `why_none` when no question has; none at all when more than
/// [`crate::charts::MAX_QUESTION_CHARTS`] questions have findings.
pub fn per_question(
    input: &crate::charts::ChartInput<'_>,
    chart: fn(&crate::charts::ChartInput<'_>, &str) -> Option<crate::charts::Planned>,
    why_none: impl FnOnce() -> String,
) -> Result<Vec<crate::charts::Planned>, String> {
    let asked = input.synthesis.questions_with_findings().count();
    if asked > crate::charts::MAX_QUESTION_CHARTS {
        return Err(format!(
            "{} questions have findings, more than {}: a chart for each would bury the report; \
             see tables/votes.csv and the tables by direction",
            crate::numbers::grouped(asked as u64),
            crate::charts::MAX_QUESTION_CHARTS
        ));
    }
    let charts: Vec<crate::charts::Planned> = input
        .registry
        .topic
        .questions
        .keys()
        .filter_map(|q| chart(input, q))
        .collect();
    if charts.is_empty() {
        Err(why_none())
    } else {
        Ok(charts)
    }
}

/// Title (bold, 18) and subtitle (12, muted) at the top of a chart of `width`.
pub fn header(p: &mut dyn Painter, width: f64, title: &str, subtitle: &str) {
    let title = truncate_to_width(title, 18.0, Weight::Bold, width - 2.0 * MARGIN);
    p.text(
        MARGIN,
        26.0,
        &title,
        Align::Left,
        Font::new(18.0, Weight::Bold, INK),
    );
    let subtitle = truncate_to_width(subtitle, 12.0, Weight::Normal, width - 2.0 * MARGIN);
    p.text(
        MARGIN,
        50.0,
        &subtitle,
        Align::Left,
        Font::new(12.0, Weight::Normal, MUTED),
    );
}

/// A rule and the footer line at `y` (the rule 16 above it).
pub fn footer(p: &mut dyn Painter, width: f64, y: f64, text: &str) {
    p.line(&[(MARGIN, y - 16.0), (width - MARGIN, y - 16.0)], RULE, 1.0);
    let text = truncate_to_width(text, 11.0, Weight::Normal, width - 2.0 * MARGIN);
    p.text(
        MARGIN,
        y,
        &text,
        Align::Left,
        Font::new(11.0, Weight::Normal, MUTED),
    );
}

/// "{what} · registry 1a2b3c4d5e6f · data as of 2026-11-22".
pub fn footer_text(registry: &Registry, what: &str) -> String {
    format!(
        "{what} · registry {} · data as of {}",
        registry.short_hash(),
        registry.topic.as_of
    )
}

/// The direction's marker centred at (x, y), `size` across: ▲ positive, ▼ negative, ◆ no
/// difference, ◄► conflicting.
pub fn marker(p: &mut dyn Painter, x: f64, y: f64, size: f64, direction: Direction) {
    let color = direction_fill(direction);
    let h = size / 2.0;
    match direction {
        Direction::Positive => p.polygon(&[(x, y - h), (x + h, y + h), (x - h, y + h)], color),
        Direction::Negative => p.polygon(&[(x - h, y - h), (x + h, y - h), (x, y + h)], color),
        Direction::None => p.polygon(
            &[(x, y - h), (x + h, y), (x, y + h), (x - h, y)],
            darker(color),
        ),
        Direction::Conflicting => {
            p.polygon(
                &[
                    (x - h, y),
                    (x - 0.1 * h, y - 0.7 * h),
                    (x - 0.1 * h, y + 0.7 * h),
                ],
                color,
            );
            p.polygon(
                &[
                    (x + h, y),
                    (x + 0.1 * h, y - 0.7 * h),
                    (x + 0.1 * h, y + 0.7 * h),
                ],
                color,
            );
        }
    }
}

/// The grey of `none` is light for fills; markers use a darker grey to stay visible.
fn darker(color: RGBColor) -> RGBColor {
    RGBColor(color.0 / 2 + 20, color.1 / 2 + 20, color.2 / 2 + 20)
}

/// A one-line legend of the four direction markers with their readings.
pub fn direction_legend(p: &mut dyn Painter, x: f64, y: f64, labels: [&str; 4]) -> f64 {
    let mut x = x;
    let font = Font::new(11.5, Weight::Normal, INK);
    for (direction, label) in Direction::ALL.iter().zip(labels) {
        marker(p, x + 7.0, y, 12.0, *direction);
        p.text(x + 18.0, y, label, Align::Left, font);
        x += 18.0 + crate::charts::painter::text_width(label, 11.5, Weight::Normal) + 20.0;
    }
    x
}
