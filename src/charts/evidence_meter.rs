//! Evidence meter: per question, one stacked bar per design tier, split by direction of effect,
//! with the studies and participants behind each bar. The at-a-glance "how mixed" picture.

use crate::charts::common::direction_count;
use crate::charts::painter::{Align, ChartText, Font, Lines, Painter, Weight, text_lines};
use crate::charts::palette::{INK, MUTED, PANEL, RULE, direction_fill, direction_ink};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::{fill_lines, text_width, truncate_to_width};
use crate::charts::{Chart, ChartInput, ChartSpec};
use crate::model::{Direction, Tier};
use crate::numbers::{counted, grouped, participants_label};
use crate::synthesis::direction_table::DirectionTable;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "evidence-meter",
    build: |input| build(input).map(|chart| vec![Ok(chart)]),
};

const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 24.0;
const LABEL_RIGHT: f64 = 250.0;
const BAR_LEFT: f64 = 262.0;
const BAR_RIGHT: f64 = 700.0;
const NOTE_LEFT: f64 = 712.0;
/// Size of the note beside a bar, and the distance between its lines when it takes two.
const NOTE_SIZE: f64 = 11.0;
const NOTE_LINE: f64 = 12.5;
const ROW: f64 = 30.0;
const BAR: f64 = 20.0;
const HEADER: f64 = 112.0;
const PANEL_TOP: f64 = 50.0;
const FOOTER: f64 = 44.0;

fn panel_height() -> f64 {
    PANEL_TOP + ROW * Tier::ALL.len() as f64 + 14.0
}

fn build(input: &ChartInput<'_>) -> Result<Chart, String> {
    let registry = input.registry;
    let synthesis = input.synthesis;
    if registry.findings.is_empty() {
        return Err("the registry has no findings yet".to_string());
    }
    crate::charts::check_question_panels(synthesis.questions.len())?;
    let topic = registry.topic.clone();
    let tables: Vec<DirectionTable> = synthesis
        .questions
        .iter()
        .map(|q| q.tiers.clone())
        .collect();
    let totals = synthesis.totals;
    let footer = format!(
        "{} · registry {} · data as of {}",
        totals.phrases().join(" · "),
        registry.short_hash(),
        topic.as_of
    );
    let height = (HEADER + panel_height() * tables.len() as f64 + FOOTER).ceil();
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // label isolated ([`isolated`]).
    let titled = |label: &str| format!("Evidence meter: {label}");
    let title = titled(&topic.title);
    let description = tables
        .iter()
        .map(|t| {
            let q = &topic.questions[&t.question];
            let parts: Vec<String> = Direction::ALL
                .iter()
                .zip(&t.by_direction)
                .map(|(d, c)| format!("{} {}", grouped(c.findings), q.direction_label(*d)))
                .collect();
            format!(
                "{}: {} from {} ({}).",
                q.label,
                counted(t.total.findings, "finding", "findings"),
                counted(t.total.studies, "study", "studies"),
                parts.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let max_findings = tables
        .iter()
        .flat_map(|t| t.rows.iter().map(|r| r.total.findings))
        .max()
        .unwrap_or(1)
        .max(1);
    let title_for_draw = titled(&isolated(&topic.title));
    let draw = move |p: &mut dyn Painter| {
        let title = truncate_to_width(&title_for_draw, 20.0, Weight::Bold, WIDTH - 2.0 * MARGIN);
        p.text(
            MARGIN,
            30.0,
            &title,
            Align::Left,
            Font::new(20.0, Weight::Bold, INK),
        );
        p.text(MARGIN, 56.0, "Findings by design tier and direction of the point estimate (regardless of significance)", Align::Left, Font::new(12.5, Weight::Normal, MUTED));
        draw_legend(p, 84.0);
        let mut top = HEADER;
        for table in &tables {
            let question = &topic.questions[&table.question];
            draw_panel(p, top, table, question, max_findings);
            top += panel_height();
        }
        p.line(
            &[(MARGIN, top + 8.0), (WIDTH - MARGIN, top + 8.0)],
            RULE,
            1.0,
        );
        let footer = truncate_to_width(&footer, 11.0, Weight::Normal, WIDTH - 2.0 * MARGIN);
        p.text(
            MARGIN,
            top + 26.0,
            &footer,
            Align::Left,
            Font::new(11.0, Weight::Normal, MUTED),
        );
    };
    Ok(Chart {
        stem: SPEC.name.to_string(),
        size: (WIDTH as u32, height as u32),
        text: ChartText { title, description },
        caption: "Each bar is one design tier of one question; its length is the number of \
                  findings, split by the direction of the point estimate relative to the \
                  question's hypothesis (▲ supports it, ◆ no difference, ▼ against it, ◄► \
                  conflicting), whatever its statistical significance. The text beside each bar \
                  gives the studies and participants behind it. Reviews are shown but do not add \
                  evidence beside the studies they include; case series and reports are \
                  descriptive."
            .to_string(),
        draw: Box::new(draw),
    })
}

fn draw_legend(p: &mut dyn Painter, y: f64) {
    let labels = [
        (Direction::Positive, "positive: supports the hypothesis"),
        (Direction::None, "no difference"),
        (Direction::Negative, "negative: against the hypothesis"),
        (Direction::Conflicting, "conflicting"),
    ];
    let mut x = MARGIN;
    for (direction, label) in labels {
        p.rect(
            x,
            y - 9.0,
            x + 26.0,
            y + 9.0,
            direction_fill(direction),
            None,
        );
        p.text(
            x + 13.0,
            y,
            direction.symbol(),
            Align::Center,
            Font::new(10.0, Weight::Normal, direction_ink(direction)),
        );
        p.text(
            x + 32.0,
            y,
            label,
            Align::Left,
            Font::new(12.0, Weight::Normal, INK),
        );
        x += 32.0 + text_width(label, 12.0, Weight::Normal) + 22.0;
    }
}

fn draw_panel(
    p: &mut dyn Painter,
    top: f64,
    table: &DirectionTable,
    question: &crate::registry::topic::Question,
    max_findings: u32,
) {
    p.rect(
        MARGIN - 8.0,
        top,
        WIDTH - MARGIN + 8.0,
        top + panel_height() - 8.0,
        PANEL,
        None,
    );
    let heading = format!("{} ({})", isolated(&question.label), table.question);
    let heading = truncate_to_width(&heading, 15.0, Weight::Bold, WIDTH - 2.0 * MARGIN);
    p.text(
        MARGIN,
        top + 16.0,
        &heading,
        Align::Left,
        Font::new(15.0, Weight::Bold, INK),
    );
    let reading = format!(
        "Hypothesis: {} · ▲ = {} · ▼ = {} · {}",
        isolated(&question.hypothesis),
        isolated(&question.positive),
        isolated(&question.negative),
        table.total.phrases().join(", ")
    );
    let reading = truncate_to_width(&reading, 11.5, Weight::Normal, WIDTH - 2.0 * MARGIN);
    p.text(
        MARGIN,
        top + 36.0,
        &reading,
        Align::Left,
        Font::new(11.5, Weight::Normal, MUTED),
    );

    let per_finding = (BAR_RIGHT - BAR_LEFT) / f64::from(max_findings);
    for (i, row) in table.rows.iter().enumerate() {
        let centre = top + PANEL_TOP + ROW * i as f64 + ROW / 2.0;
        let label = match Tier::parse(&row.key) {
            Some(Tier::CaseSeriesReports) => "Case series / reports (descriptive)",
            Some(Tier::Review) => "Reviews (not counted)",
            Some(tier) => tier.short_label(),
            None => row.key.as_str(),
        };
        let label = truncate_to_width(label, 12.5, Weight::Normal, LABEL_RIGHT - MARGIN);
        p.text(
            LABEL_RIGHT,
            centre,
            &label,
            Align::Right,
            Font::new(12.5, Weight::Normal, INK),
        );
        p.rect(
            BAR_LEFT,
            centre - BAR / 2.0,
            BAR_RIGHT,
            centre + BAR / 2.0,
            RULE,
            None,
        );
        if row.total.findings == 0 {
            p.text(
                BAR_LEFT + 6.0,
                centre,
                "no findings",
                Align::Left,
                Font::new(11.0, Weight::Normal, MUTED),
            );
            continue;
        }
        let mut x = BAR_LEFT;
        for (direction, cell) in Direction::ALL.iter().zip(&row.by_direction) {
            if cell.findings == 0 {
                continue;
            }
            let width = per_finding * f64::from(cell.findings);
            p.rect(
                x,
                centre - BAR / 2.0,
                x + width,
                centre + BAR / 2.0,
                direction_fill(*direction),
                Some(plotters::style::WHITE),
            );
            let label = direction_count(*direction, cell.findings.into());
            if text_width(&label, 11.0, Weight::Bold) + 6.0 <= width {
                p.text(
                    x + width / 2.0,
                    centre,
                    &label,
                    Align::Center,
                    Font::new(11.0, Weight::Bold, direction_ink(*direction)),
                );
            }
            x += width;
        }
        let behind = format!(
            "{} · {}",
            counted(row.total.studies, "study", "studies"),
            participants_label(row.total.participants_given(), true)
        );
        let lines = note_lines(
            direction_counts(&row.by_direction),
            behind,
            WIDTH - MARGIN - NOTE_LEFT,
        );
        text_lines(
            p,
            (NOTE_LEFT, centre),
            &lines,
            NOTE_LINE,
            Lines::Across(Align::Left),
            Font::new(NOTE_SIZE, Weight::Normal, INK),
        );
    }
}

/// The note beside a bar: its direction counts and the studies and participants behind it, on
/// one line when they fit `width`, else on two (at a million findings the counts alone fill the
/// line, and the studies and participants were cut off).
fn note_lines(counts: String, behind: String, width: f64) -> Vec<String> {
    fill_lines([counts, behind], " · ", NOTE_SIZE, Weight::Normal, width)
}

/// "▲3 ◆1 ▼0 ◄►0": every direction's count, so narrow segments lose no information.
fn direction_counts(cells: &[crate::synthesis::counts::CellCount]) -> String {
    Direction::ALL
        .iter()
        .zip(cells)
        .map(|(d, c)| direction_count(*d, c.findings.into()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated 1M registry's randomised bar (its counts, 49,715 studies): the note takes
    /// two lines, each whole and within the space beside the bars; the shipped topic's kind of
    /// note stays on one line, as written.
    #[test]
    fn a_note_too_wide_for_one_line_takes_two_whole_lines() {
        let width = WIDTH - MARGIN - NOTE_LEFT;
        let counts = "▲84,781 ◆26,744 ▼30,971 ◄►6,565".to_string();
        let behind = "49,715 studies · n = 49,828,429".to_string();
        let lines = note_lines(counts.clone(), behind.clone(), width);
        assert_eq!(lines, [counts, behind]);
        for line in &lines {
            assert!(
                text_width(line, NOTE_SIZE, Weight::Normal) <= width,
                "{line}"
            );
        }
        assert_eq!(
            note_lines("▲2 ◆0 ▼0 ◄►0".into(), "2 studies · n = 87".into(), width),
            ["▲2 ◆0 ▼0 ◄►0 · 2 studies · n = 87"]
        );
    }
}
