//! Pieces every chart shares: the title block, the footer with the registry's hash and date,
//! and the direction markers (shape and colour, so direction never rests on colour alone).

use plotters::style::RGBColor;

use crate::charts::painter::{Align, Font, Painter, Weight};
use crate::charts::palette::{INK, MUTED, RULE, direction_fill};
use crate::charts::text_fit::{text_width, truncate_to_width};
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

/// Title (bold, 18) and subtitle (12, muted) at the top of a chart of `width`. A line too long
/// for the chart is set smaller, down to 14 and 10; a title that does not fit at 14 takes two
/// lines; only then is text cut with an ellipsis (the full title is also the SVG's `<title>`).
pub fn header(p: &mut dyn Painter, width: f64, title: &str, subtitle: &str) {
    let room = width - 2.0 * MARGIN;
    let (title_lines, size) = title_lines(title, room);
    let title_font = Font::new(size, Weight::Bold, INK);
    match title_lines.as_slice() {
        [first, second] => {
            p.text(MARGIN, 14.0, first, Align::Left, title_font);
            p.text(MARGIN, 32.0, second, Align::Left, title_font);
        }
        lines => {
            for line in lines {
                p.text(MARGIN, 26.0, line, Align::Left, title_font);
            }
        }
    }
    let (subtitle, size) = fitted(subtitle, (12.0, 10.0), Weight::Normal, room);
    p.text(
        MARGIN,
        50.0,
        &subtitle,
        Align::Left,
        Font::new(size, Weight::Normal, MUTED),
    );
}

/// A title as one line (18 pt, or smaller down to 14, if that fits `room`) or two at 14 pt,
/// broken at its " — " (question — outcome) when both parts fit, else after the last word
/// that fits, the second cut with an ellipsis if it is still too long.
fn title_lines(title: &str, room: f64) -> (Vec<String>, f64) {
    const SMALLEST: f64 = 14.0;
    let (line, size) = fitted(title, (18.0, SMALLEST), Weight::Bold, room);
    if line == title {
        return (vec![line], size);
    }
    let fits = |text: &str| text_width(text, SMALLEST, Weight::Bold) <= room;
    let at_dash = title
        .find(" — ")
        .filter(|&at| fits(&title[..at]) && fits(title[at..].trim_start()));
    let break_at = at_dash.or_else(|| {
        title
            .char_indices()
            .rev()
            .find(|&(i, c)| c == ' ' && fits(title[..i].trim_end()))
            .map(|(i, _)| i)
    });
    match break_at {
        Some(at) => {
            let rest = title[at..].trim_start();
            let second = truncate_to_width(rest, SMALLEST, Weight::Bold, room);
            (vec![title[..at].trim_end().to_string(), second], SMALLEST)
        }
        None => (vec![line], size),
    }
}

/// `text` at the largest size from `largest` down to `smallest` (in half points) at which it
/// fits `room`; at `smallest`, cut with an ellipsis if it still does not fit.
fn fitted(text: &str, (largest, smallest): (f64, f64), weight: Weight, room: f64) -> (String, f64) {
    let mut size = largest;
    while size > smallest && text_width(text, size, weight) > room {
        size -= 0.5;
    }
    (truncate_to_width(text, size, weight, room), size)
}

/// A direction's symbol and a count of it: `▲1,204`.
pub fn direction_count(direction: Direction, count: u64) -> String {
    format!("{}{}", direction.symbol(), crate::numbers::grouped(count))
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
        x += 18.0 + crate::charts::text_fit::text_width(label, 11.5, Weight::Normal) + 20.0;
    }
    x
}

/// Gap between the lines of a rotated column heading at 11 pt.
pub const HEADING_LINE_GAP: f64 = 13.0;

/// Lines a rotated column heading may take in a column `width` wide: as many as stand side by
/// side in it with a margin, at least one, at most three.
pub fn heading_lines(width: f64) -> usize {
    ((width - 6.0) / HEADING_LINE_GAP).floor().clamp(1.0, 3.0) as usize
}

/// The narrowest column of a grid chart with rotated headings: room for two lines of heading
/// (6 + 2 × 13 units; see [`heading_lines`]), so an outcome label of 30 characters or more is
/// not cut to one line. A chart of more columns than fit its usual width at this width is drawn
/// wider instead.
pub const TWO_LINE_COLUMN: f64 = 6.0 + 2.0 * HEADING_LINE_GAP;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::painter::RecordingPainter;

    /// The title lines drawn by `header` at `width`, with their font size (a recorded box is
    /// size / 1.24 high).
    fn title_of(title: &str, width: f64) -> Vec<(String, f64)> {
        let mut recorder = RecordingPainter::default();
        header(&mut recorder, width, title, "subtitle");
        let mut lines: Vec<(String, f64)> = recorder
            .texts
            .iter()
            .map(|t| (t.text.clone(), (t.bounds.3 - t.bounds.1) * 1.24))
            .collect();
        assert_eq!(
            lines.pop().map(|(text, _)| text).as_deref(),
            Some("subtitle")
        );
        lines
    }

    #[test]
    fn short_titles_keep_one_line_at_18_points() {
        let lines = title_of(
            "Funnel plot: BCG vaccine — Tuberculosis (risk ratio)",
            760.0,
        );
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].0,
            "Funnel plot: BCG vaccine — Tuberculosis (risk ratio)"
        );
        assert!((lines[0].1 - 18.0).abs() < 1e-9);
    }

    /// li2007's forest plot title was cut ("… — Mortality (risk dif…") at 1000 wide: it now
    /// fits on one line, set smaller.
    #[test]
    fn a_title_slightly_too_long_is_set_smaller_not_cut() {
        let title = "Forest plot: Does intravenous magnesium lower mortality after myocardial \
                     infarction? — Mortality (risk difference)";
        let lines = title_of(title, 1000.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].0, title);
        assert!(lines[0].1 < 18.0 && lines[0].1 >= 14.0, "{lines:?}");
    }

    /// At the funnel plot's 760 wide the same title takes two lines, broken at the dash.
    #[test]
    fn a_long_title_takes_two_lines_broken_at_the_dash() {
        let lines = title_of(
            "Funnel plot: Does intravenous magnesium lower mortality after myocardial \
             infarction? — Mortality (risk difference)",
            760.0,
        );
        let texts: Vec<&str> = lines.iter().map(|(text, _)| text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Funnel plot: Does intravenous magnesium lower mortality after myocardial infarction?",
                "— Mortality (risk difference)"
            ]
        );
        assert!(lines.iter().all(|(_, size)| (size - 14.0).abs() < 1e-9));
    }

    /// Without a dash that helps, the break comes after the last word that fits; what does
    /// not fit on two lines is cut with an ellipsis.
    #[test]
    fn a_very_long_title_breaks_at_a_word_and_is_cut_on_its_second_line() {
        let title = ["evidence"; 40].join(" ");
        let lines = title_of(&title, 760.0);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].0.ends_with("evidence"), "{lines:?}");
        assert!(text_width(&lines[0].0, 14.0, Weight::Bold) <= 760.0 - 2.0 * MARGIN);
        assert!(lines[1].0.starts_with("evidence") && lines[1].0.ends_with('…'));
    }
}
