//! Harvest plot (Ogilvie et al., BMC Med Res Methodol 2008;8:8): for each question, one column
//! per competing hypothesis (positive / no difference / negative / conflicting), one bar per
//! study in the column of its vote, bar height by design tier, labelled with the study id.

use crate::charts::common::{MARGIN, footer, footer_text, header, marker};
use crate::charts::painter::{Align, ChartText, Font, Painter, Weight, id_label_up};
use crate::charts::palette::{INK, MUTED, PANEL, RULE, direction_fill};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::{text_width, truncate_to_width};
use crate::charts::{Chart, ChartInput, ChartSpec};
use crate::model::{Direction, Tier};
use crate::synthesis::study_votes::StudyVote;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "harvest",
    build: |input| build(input).map(|chart| vec![Ok(chart)]),
};

const WIDTH: f64 = 1000.0;
const PANEL_HEIGHT: f64 = 300.0;
const TOP: f64 = 96.0;
const BAR_UNIT: f64 = 30.0;

fn tier_height(tier: Tier) -> f64 {
    match tier {
        Tier::Randomised => 4.0,
        Tier::NonRandomisedTrial => 3.0,
        Tier::Observational => 2.0,
        _ => 1.0,
    }
}

fn build(input: &ChartInput<'_>) -> Result<Chart, String> {
    let registry = input.registry;
    let topic = registry.topic.clone();
    let panels: Vec<(String, Vec<StudyVote>)> = input
        .synthesis
        .questions
        .iter()
        .map(|q| {
            let votes = q
                .votes
                .studies
                .iter()
                .filter(|v| v.tier != Tier::Review)
                .cloned()
                .collect();
            (q.key.clone(), votes)
        })
        .filter(|(_, votes): &(String, Vec<StudyVote>)| !votes.is_empty())
        .collect();
    if panels.is_empty() {
        return Err("no question has findings from primary studies".to_string());
    }
    if panels
        .iter()
        .any(|(_, votes)| votes.len() > crate::charts::MAX_CHART_ROWS)
    {
        return Err(format!(
            "more than {} studies in a question: one bar per study would not be readable; see tables/votes.csv",
            crate::charts::MAX_CHART_ROWS
        ));
    }
    crate::charts::check_question_panels(panels.len())?;
    let height = (TOP + PANEL_HEIGHT * panels.len() as f64 + 70.0).ceil();
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // label isolated ([`isolated`]).
    let titled = |label: &str| format!("Harvest plot: {label}");
    let title = titled(&topic.title);
    let description = panels
        .iter()
        .map(|(q, votes)| {
            let counts: Vec<String> = Direction::ALL
                .iter()
                .map(|d| {
                    format!(
                        "{} {}",
                        votes.iter().filter(|v| v.direction == *d).count(),
                        topic.questions[q].direction_label(*d)
                    )
                })
                .collect();
            format!("{}: {}.", topic.questions[q].label, counts.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let footer_line = footer_text(
        registry,
        "bar height: randomised 4, non-randomised 3, observational 2, case series/report 1",
    );
    let title_for_draw = titled(&isolated(&topic.title));
    let draw = move |p: &mut dyn Painter| {
        header(
            p,
            WIDTH,
            &title_for_draw,
            "One bar per study, in the column of its overall vote (70% rule); taller bars are stronger designs",
        );
        for (i, (question_key, votes)) in panels.iter().enumerate() {
            let question = &topic.questions[question_key];
            let top = TOP + PANEL_HEIGHT * i as f64;
            let heading = truncate_to_width(
                &format!("{} ({question_key})", isolated(&question.label)),
                14.0,
                Weight::Bold,
                WIDTH - 2.0 * MARGIN,
            );
            p.text(
                MARGIN,
                top + 10.0,
                &heading,
                Align::Left,
                Font::new(14.0, Weight::Bold, INK),
            );
            let base = top + PANEL_HEIGHT - 62.0;
            let column_width = (WIDTH - 2.0 * MARGIN) / 4.0;
            for (c, direction) in Direction::ALL.iter().enumerate() {
                let left = MARGIN + column_width * c as f64 + 6.0;
                let right = left + column_width - 12.0;
                p.rect(left, top + 26.0, right, base, PANEL, None);
                let studies: Vec<&StudyVote> =
                    votes.iter().filter(|v| v.direction == *direction).collect();
                let bar = ((right - left - 8.0) / studies.len().max(1) as f64).min(26.0);
                for (s, vote) in studies.iter().enumerate() {
                    let x0 = left + 4.0 + bar * s as f64;
                    let bar_top = base - BAR_UNIT * tier_height(vote.tier);
                    let fill = if vote.tier == Tier::CaseSeriesReports {
                        RULE
                    } else {
                        direction_fill(*direction)
                    };
                    p.rect(
                        x0 + 1.0,
                        bar_top,
                        x0 + bar - 1.0,
                        base,
                        fill,
                        Some(direction_fill(*direction)),
                    );
                    if bar >= 11.0 {
                        id_label_up(
                            p,
                            x0 + bar / 2.0,
                            bar_top - 4.0,
                            &vote.study_id,
                            bar_top - top - 32.0,
                            Font::new(10.0, Weight::Normal, INK),
                        );
                    }
                }
                p.line(&[(left, base), (right, base)], INK, 1.0);
                marker(p, left + 8.0, base + 16.0, 11.0, *direction);
                let label = format!(
                    "{} ({})",
                    isolated(question.direction_label(*direction)),
                    studies.len()
                );
                let label = truncate_to_width(&label, 11.5, Weight::Normal, right - left - 20.0);
                p.text(
                    left + 18.0,
                    base + 16.0,
                    &label,
                    Align::Left,
                    Font::new(11.5, Weight::Normal, INK),
                );
            }
            let note = "Case series and case reports: grey bars (described, not counted)";
            if text_width(note, 10.5, Weight::Normal) < WIDTH {
                p.text(
                    MARGIN,
                    base + 36.0,
                    note,
                    Align::Left,
                    Font::new(10.5, Weight::Normal, MUTED),
                );
            }
        }
        footer(p, WIDTH, height - 16.0, &footer_line);
    };
    Ok(Chart {
        stem: SPEC.name.to_string(),
        size: (WIDTH as u32, height as u32),
        text: ChartText { title, description },
        caption: "Each bar is one study, placed under the hypothesis its overall result supports; \
                  the bar's height shows its design (randomised trials tallest). A column of tall \
                  bars is stronger evidence than a column of short ones, whatever their number. \
                  Grey bars are case series and reports, shown but not counted; reviews are left \
                  out."
            .to_string(),
        draw: Box::new(draw),
    })
}
