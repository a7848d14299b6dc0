//! Cumulative timeline: for each question, the findings published up to each year, stacked by
//! direction, with the year of each systematic review marked — how the picture moved over time.

use crate::charts::axis::{format_tick, linear_ticks};
use crate::charts::common::{MARGIN, footer, footer_text, header};
use crate::charts::painter::{Align, ChartText, Font, Painter, Weight};
use crate::charts::palette::{INK, MUTED, RULE, direction_fill};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::{text_width, truncate_to_width};
use crate::charts::{Chart, ChartInput, ChartSpec};
use crate::model::{Direction, Tier};
use crate::numbers::counted;
use crate::registry::finding::Text;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "timeline",
    build: |input| build(input).map(|chart| vec![Ok(chart)]),
};

const WIDTH: f64 = 1000.0;
const PANEL_HEIGHT: f64 = 280.0;
const TOP: f64 = 96.0;
const PLOT_LEFT: f64 = 70.0;
const PLOT_RIGHT: f64 = WIDTH - MARGIN;

struct Panel {
    /// "Question label (key)", as the chart's description gives it.
    label: String,
    /// The same with the question label isolated for drawing ([`isolated`]).
    drawn_label: String,
    /// Cumulative findings per year and direction, years `first..=last`.
    cumulative: Vec<[u32; 4]>,
    /// The systematic reviews by year (years in order, ids as first found): review `R1` is
    /// the first year's.
    reviews: Vec<(i32, Vec<Text>)>,
    /// The line naming them under the panel ([`review_legend`]); `None` without reviews.
    legend: Option<String>,
}

fn build(input: &ChartInput<'_>) -> Result<Chart, String> {
    let registry = input.registry;
    let findings = &registry.findings;
    if findings.is_empty() {
        return Err("the registry has no findings yet".to_string());
    }
    let (first, last) = findings
        .iter()
        .map(|f| f.study.year)
        .fold((i32::MAX, i32::MIN), |(first, last), year| {
            (first.min(year), last.max(year))
        });
    let years: Vec<i32> = (first..=last).collect();
    // The questions with findings, in topic order, from the synthesis's counts.
    let asked: Vec<&str> = input
        .synthesis
        .questions_with_findings()
        .map(|q| q.key.as_str())
        .collect();
    crate::charts::check_question_panels(asked.len())?;
    let question_codes = input.synthesis.keys.question();
    debug_assert_eq!(question_codes.len(), findings.len());
    // Each question's panel, by the question's code (its position in the topic).
    let mut panel_of = vec![None; registry.topic.questions.len()];
    for (panel, key) in asked.iter().enumerate() {
        if let Some(code) = registry.topic.questions.get_index_of(*key) {
            panel_of[code] = Some(panel);
        }
    }
    // One pass over the findings: new findings of primary studies per panel, year and
    // direction, and the reviews (a pass per question read every finding's study each time).
    let mut per_year = vec![vec![[0u32; 4]; years.len()]; asked.len()];
    let mut reviews: Vec<Vec<(i32, Text)>> = vec![Vec::new(); asked.len()];
    for (f, code) in findings.iter().zip(question_codes) {
        let Some(panel) = panel_of.get(*code as usize).copied().flatten() else {
            continue;
        };
        if f.study.design.tier() == Tier::Review {
            reviews[panel].push((f.study.year, f.study.id.clone()));
        } else {
            per_year[panel][(f.study.year - first) as usize][f.direction as usize] += 1;
        }
    }
    let panels: Vec<Panel> = asked
        .iter()
        .zip(per_year.into_iter().zip(reviews))
        .map(|(key, (per_year, mut reviews))| {
            let question = &registry.topic.questions[*key];
            let mut running = [0u32; 4];
            let cumulative = per_year
                .iter()
                .map(|added| {
                    for (total, new) in running.iter_mut().zip(added) {
                        *total += new;
                    }
                    running
                })
                .collect();
            reviews.dedup();
            let mut by_year: std::collections::BTreeMap<i32, Vec<Text>> = Default::default();
            for (year, id) in reviews {
                by_year.entry(year).or_default().push(id);
            }
            let reviews: Vec<(i32, Vec<Text>)> = by_year.into_iter().collect();
            Panel {
                label: format!("{} ({key})", question.label),
                drawn_label: format!("{} ({key})", isolated(&question.label)),
                cumulative,
                legend: (!reviews.is_empty())
                    .then(|| review_legend(&reviews, WIDTH - 2.0 * MARGIN)),
                reviews,
            }
        })
        .collect();
    let height = (TOP + PANEL_HEIGHT * panels.len() as f64 + 60.0).ceil();
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // label isolated ([`isolated`]).
    let titled = |label: &str| format!("Cumulative timeline: {label}");
    let title = titled(&registry.topic.title);
    let description = panels
        .iter()
        .map(|panel| {
            let end = panel.cumulative.last().copied().unwrap_or_default();
            format!(
                "{}: {} by {last}.",
                panel.label,
                counted(end.iter().sum::<u32>(), "finding", "findings")
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let footer_line = footer_text(
        registry,
        &format!("findings of primary studies by year of publication, {first}-{last}"),
    );
    let title_for_draw = titled(&isolated(&registry.topic.title));
    let draw = move |p: &mut dyn Painter| {
        header(
            p,
            WIDTH,
            &title_for_draw,
            "Findings published up to each year, stacked by direction (▲ positive, ◆ none, ▼ negative, ◄► conflicting); dashed: systematic reviews",
        );
        let slot = (PLOT_RIGHT - PLOT_LEFT) / years.len() as f64;
        let x_of = |i: usize| PLOT_LEFT + slot * i as f64;
        for (k, panel) in panels.iter().enumerate() {
            let top = TOP + PANEL_HEIGHT * k as f64;
            let heading =
                truncate_to_width(&panel.drawn_label, 14.0, Weight::Bold, WIDTH - 2.0 * MARGIN);
            p.text(
                MARGIN,
                top + 10.0,
                &heading,
                Align::Left,
                Font::new(14.0, Weight::Bold, INK),
            );
            let (plot_top, base) = (top + 52.0, top + PANEL_HEIGHT - 50.0);
            let max = panel
                .cumulative
                .iter()
                .map(|c| c.iter().sum::<u32>())
                .max()
                .unwrap_or(1)
                .max(1);
            let y_of = |v: f64| base - v / f64::from(max) * (base - plot_top);
            for tick in linear_ticks(0.0, f64::from(max)) {
                if tick.fract() != 0.0 {
                    continue;
                }
                let y = y_of(tick);
                p.line(&[(PLOT_LEFT, y), (PLOT_RIGHT, y)], RULE, 1.0);
                p.text(
                    PLOT_LEFT - 8.0,
                    y,
                    &format_tick(tick),
                    Align::Right,
                    Font::new(10.5, Weight::Normal, INK),
                );
            }
            for (i, counts) in panel.cumulative.iter().enumerate() {
                let mut stacked = 0.0;
                for direction in Direction::ALL {
                    let count = f64::from(counts[*direction as usize]);
                    if count == 0.0 {
                        continue;
                    }
                    let (y0, y1) = (y_of(stacked), y_of(stacked + count));
                    p.rect(
                        x_of(i) + slot * 0.1,
                        y1,
                        x_of(i) + slot * 0.9,
                        y0,
                        direction_fill(*direction),
                        None,
                    );
                    stacked += count;
                }
            }
            p.line(&[(PLOT_LEFT, base), (PLOT_RIGHT, base)], INK, 1.0);
            let every = year_label_step(years.len());
            for (i, year) in years.iter().enumerate() {
                if year.rem_euclid(every) == 0 {
                    p.text(
                        x_of(i) + slot / 2.0,
                        base + 14.0,
                        &year.to_string(),
                        Align::Center,
                        Font::new(10.5, Weight::Normal, INK),
                    );
                }
            }
            // Reviews: a dashed line per year with a number above it, and a numbered list
            // under the axis, so labels never cover bars or each other.
            let mut last_right = f64::NEG_INFINITY;
            for (number, (year, _)) in panel.reviews.iter().enumerate() {
                let i = (year - years[0]) as usize;
                let x = x_of(i) + slot / 2.0;
                let mut y = plot_top;
                while y < base {
                    p.line(&[(x, y), (x, (y + 5.0).min(base))], MUTED, 1.0);
                    y += 9.0;
                }
                let tag = format!("R{}", number + 1);
                let half = text_width(&tag, 10.0, Weight::Bold) / 2.0;
                if x - half > last_right + 2.0 {
                    p.text(
                        x,
                        plot_top - 10.0,
                        &tag,
                        Align::Center,
                        Font::new(10.0, Weight::Bold, MUTED),
                    );
                    last_right = x + half;
                }
            }
            if let Some(legend) = &panel.legend {
                p.text(
                    MARGIN,
                    base + 32.0,
                    legend,
                    Align::Left,
                    Font::new(LEGEND_SIZE, Weight::Normal, MUTED),
                );
            }
        }
        footer(p, WIDTH, height - 16.0, &footer_line);
    };
    Ok(Chart {
        stem: SPEC.name.to_string(),
        size: (WIDTH as u32, height as u32),
        text: ChartText { title, description },
        caption: "Each bar counts the findings of primary studies published up to that year, \
                  stacked by direction, so the bars grow as evidence accumulates. Dashed lines \
                  mark systematic reviews: what a review could have seen is everything to the left \
                  of its line."
            .to_string(),
        draw: Box::new(draw),
    })
}

/// Size of the review legend's text.
const LEGEND_SIZE: f64 = 10.0;

/// The line under a panel that names its systematic reviews: `R1 id, id (year)` for each
/// year of `groups` ([`legend_item`]), as many whole items as fit in `max_width`, then how many
/// reviews are left out and where they are listed. A living review's registry can hold
/// hundreds of reviews; the line says so instead of cutting a name.
fn review_legend<S: AsRef<str>>(groups: &[(i32, Vec<S>)], max_width: f64) -> String {
    let items: Vec<String> = (1..)
        .zip(groups)
        .map(|(number, (year, ids))| legend_item(number, *year, ids))
        .collect();
    let fits = |text: &str| text_width(text, LEGEND_SIZE, Weight::Normal) <= max_width;
    let full = format!("Systematic reviews: {}", items.join(" · "));
    if fits(&full) {
        return full;
    }
    let total: usize = groups.iter().map(|(_, ids)| ids.len()).sum();
    // The items shown, one more at a time while the line with its rest still fits.
    let mut best = None;
    let mut shown_reviews = 0;
    for (k, (_, ids)) in groups.iter().enumerate() {
        shown_reviews += ids.len();
        let line = format!(
            "Systematic reviews: {} · {}",
            items[..=k].join(" · "),
            left_out(k + 1, items.len(), total - shown_reviews)
        );
        if !fits(&line) {
            break;
        }
        best = Some(line);
    }
    best.unwrap_or_else(|| {
        let (first, last) = (groups[0].0, groups[groups.len() - 1].0);
        let whole = format!(
            "Systematic reviews: {}, {} from {first} to {last}, listed in tables/studies.csv",
            numbers(1, groups.len()),
            counted(total as u64, "review", "reviews")
        );
        truncate_to_width(&whole, LEGEND_SIZE, Weight::Normal, max_width)
    })
}

/// A year's item in the review legend: `R3 cox_2019, lee_2019 (2019)`.
fn legend_item<S: AsRef<str>>(number: usize, year: i32, ids: &[S]) -> String {
    let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    format!("R{number} {} ({year})", ids.join(", "))
}

/// The end of a review legend that shows items `1..=shown` of `numbered`: the numbers and
/// reviews left out, and where they are listed.
fn left_out(shown: usize, numbered: usize, reviews: usize) -> String {
    format!(
        "{} ({}) listed in tables/studies.csv",
        numbers(shown + 1, numbered),
        counted(reviews as u64, "review", "reviews")
    )
}

/// Review numbers `first..=last` as a tag or a range of tags: `R7`, `R7–R65`.
fn numbers(first: usize, last: usize) -> String {
    if first == last {
        format!("R{first}")
    } else {
        format!("R{first}–R{last}")
    }
}

/// Years between labels on an axis of `years` consecutive years: the smallest of 1, 2, 5,
/// 10, 20, 25, 50, 100, … that leaves at most 12 labels, so labels fall on round years (1900,
/// 1920, … rather than 1900, 1911, …).
fn year_label_step(years: usize) -> i32 {
    let wanted = years.div_ceil(12).max(1);
    let mut scale: usize = 1;
    loop {
        let halves = (scale >= 10).then_some(scale * 5 / 2);
        let steps = [Some(scale), Some(2 * scale), halves, Some(5 * scale)];
        if let Some(step) = steps.into_iter().flatten().find(|step| *step >= wanted) {
            return i32::try_from(step).unwrap_or(i32::MAX);
        }
        scale *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Legend items as the chart writes them.
    fn items(groups: &[(i32, Vec<&str>)]) -> Vec<String> {
        (1..)
            .zip(groups)
            .map(|(number, (year, ids))| legend_item(number, *year, ids))
            .collect()
    }

    const LINE: f64 = WIDTH - 2.0 * MARGIN;

    #[test]
    fn year_labels_fall_on_round_years_at_most_twelve() {
        let steps: Vec<i32> = [1, 12, 13, 30, 60, 61, 127, 250, 300, 301]
            .into_iter()
            .map(year_label_step)
            .collect();
        assert_eq!(steps, [1, 1, 2, 5, 5, 10, 20, 25, 25, 50]);
    }

    #[test]
    fn a_legend_that_fits_names_every_review() {
        let groups = vec![
            (2001, vec!["hornyak_2004", "walters_2001"]),
            (2019, vec!["cox_2019"]),
        ];
        assert_eq!(
            review_legend(&groups, LINE),
            "Systematic reviews: R1 hornyak_2004, walters_2001 (2001) · R2 cox_2019 (2019)"
        );
    }

    /// Reviews in each of 65 years (the 1M benchmark registry's treatment panel has that many
    /// years with reviews): the line shows as many whole items as fit, then the numbers and
    /// count of the reviews it leaves out, within the width and without "…"; one more item
    /// would not fit. With a dozen ids a year not even one item fits beside the rest, and the
    /// line gives the numbers, count and years of all. Fails when the line is cut at the width.
    #[test]
    fn a_legend_too_long_for_its_line_says_what_it_leaves_out() {
        let ids: Vec<String> = (0..65 * 12)
            .map(|i| format!("s{:08}", 1042 + i * 97))
            .collect();
        let groups_of = |per_year: usize| -> Vec<(i32, Vec<&str>)> {
            (0..65)
                .map(|y| {
                    let year_ids = &ids[y * per_year..(y + 1) * per_year];
                    (
                        1960 + y as i32,
                        year_ids.iter().map(String::as_str).collect(),
                    )
                })
                .collect()
        };
        let groups = groups_of(3);
        let items = items(&groups);
        let line = review_legend(&groups, LINE);
        assert!(
            text_width(&line, LEGEND_SIZE, Weight::Normal) <= LINE,
            "{line}"
        );
        assert!(!line.contains('…'), "{line}");
        let with = |k: usize| {
            format!(
                "Systematic reviews: {} · {}",
                items[..k].join(" · "),
                left_out(k, 65, (65 - k) * 3)
            )
        };
        let shown = (1..65).find(|&k| with(k) == line).expect(&line);
        assert!(shown >= 2, "{line}");
        assert!(text_width(&with(shown + 1), LEGEND_SIZE, Weight::Normal) > LINE);

        let groups = groups_of(12);
        assert_eq!(
            review_legend(&groups, LINE),
            "Systematic reviews: R1–R65, 780 reviews from 1960 to 2024, listed in tables/studies.csv"
        );
    }

    #[test]
    fn a_single_item_too_long_gives_the_count_and_years() {
        let ids: Vec<String> = (0..200).map(|i| format!("review_{i:04}")).collect();
        let groups = vec![(1999, ids.iter().map(String::as_str).collect::<Vec<_>>())];
        assert_eq!(
            review_legend(&groups, LINE),
            "Systematic reviews: R1, 200 reviews from 1999 to 1999, listed in tables/studies.csv"
        );
        assert_eq!(
            left_out(6, 7, 1),
            "R7 (1 review) listed in tables/studies.csv"
        );
    }
}
