//! Evidence map: for each question, a form × outcome matrix (turned, outcomes as rows, when
//! the question has findings in more outcomes than fit as columns); each cell holds the
//! findings and participants there, coloured by the balance of directions. Empty cells are
//! the gaps.

use std::collections::HashMap;

use crate::charts::common::{
    HEADING_LINE_GAP, MARGIN, TWO_LINE_COLUMN, direction_count, footer, footer_text, header,
    heading_lines,
};
use crate::charts::painter::{
    Align, ChartText, Font, Lines, Painter, Weight, label_lines, tooltip_if_cut,
};
use crate::charts::palette::{INK, MUTED, RULE};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::{fill_lines, text_width};
use crate::charts::{Chart, ChartInput, ChartSpec, Planned};
use crate::model::Direction;
use crate::numbers::{counted, grouped, participants_label, participants_rounded};
use crate::registry::Finding;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "evidence-map",
    build,
};

const WIDTH: f64 = 1000.0;
/// The narrowest column ([`TWO_LINE_COLUMN`]): two lines of heading, and a cell that holds a
/// lone count such as "◄►1" (20 units at the counts' size) and rounded participants ("45k").
/// A map of more columns than fit [`WIDTH`] at this width (23 and up) is drawn wider instead
/// of with narrower columns (24 units cut even "◄►1" to "…"; 30 cut headings to one line and
/// participants to "n=…").
const MIN_COLUMN: f64 = TWO_LINE_COLUMN;
const LABEL_RIGHT: f64 = 250.0;
const HEADER_HEIGHT: f64 = 150.0;
const ROW: f64 = 44.0;
/// Gap between the two lines of a row label that takes two.
const ROW_LABEL_GAP: f64 = 14.0;
/// Height of each further line of direction counts in a cell.
const COUNT_LINE: f64 = 14.0;
/// Size of the direction counts' text.
const COUNT_SIZE: f64 = 10.5;

/// A cell's direction counts (`▲12 ◆3 ▼4`) as lines that fit `width`: one line when they fit,
/// else as many as they need, so that no count is cut off (at thousands of findings a cell
/// cannot show four counts on one line, and the cut-off ones were the harm and conflicting
/// counts).
fn count_lines(counts: &[u32; 4], width: f64) -> Vec<String> {
    fill_lines(count_items(counts), " ", COUNT_SIZE, Weight::Bold, width)
}

/// A cell's direction counts above zero (`▲12`, `◆3`), in [`Direction::ALL`] order.
fn count_items(counts: &[u32; 4]) -> impl Iterator<Item = String> + '_ {
    Direction::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(direction, n)| direction_count(*direction, u64::from(*n)))
}

/// Rounded participants ("n≈45k") and their shorter forms for narrower cells: "≈45k", "45k"
/// (the subtitle says that a cell's second line is its participants).
fn shorter_forms(rounded: &str) -> impl Iterator<Item = &str> {
    let without_n = rounded.strip_prefix('n').unwrap_or(rounded);
    [rounded, without_n, without_n.trim_start_matches('≈')].into_iter()
}

/// A cell: findings per direction (in [`Direction::ALL`] order) and the participants summed
/// over the findings that give n.
type Cell = ([u32; 4], Option<u64>);

/// Most form × outcome places counted in a dense grid (32 bytes each: 512 KiB); a topic with
/// more counts into a map of the places with findings.
const MOST_DENSE_CELLS: usize = 16_384;

/// Blend between white and the direction colour by the share of findings pointing that way.
fn cell_colour(cells: &[u32; 4]) -> plotters::style::RGBColor {
    let total: u32 = cells.iter().sum();
    let (pos, neg) = (
        cells[Direction::Positive as usize],
        cells[Direction::Negative as usize],
    );
    let balance = (f64::from(pos) - f64::from(neg)) / f64::from(total.max(1));
    let target = if balance > 0.0 {
        crate::charts::palette::direction_fill(Direction::Positive)
    } else if balance < 0.0 {
        crate::charts::palette::direction_fill(Direction::Negative)
    } else {
        plotters::style::RGBColor(0xBB, 0xBB, 0xBB)
    };
    let strength = 0.25 + 0.45 * balance.abs();
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * strength).round() as u8;
    plotters::style::RGBColor(mix(target.0), mix(target.1), mix(target.2))
}

fn build(input: &ChartInput<'_>) -> Result<Vec<Planned>, String> {
    crate::charts::common::per_question(input, chart, || {
        "the registry has no findings yet".to_string()
    })
}

/// Counts per (form, outcome) place with findings (a sparse grid), of `findings` with their
/// form and outcome positions, and how many findings there were; positions past `forms` ×
/// `outcomes` are counted as findings but not placed. Participants are `None` where no
/// finding gives n (reviews that give only k_studies), so such a cell says "n not given", not
/// "n=0". With `dense`, the counts go into a grid indexed by position first (a map entry per
/// finding was a hash per finding); either way the places are the same.
fn count_places<'f>(
    findings: impl Iterator<Item = (&'f Finding, usize, usize)>,
    (forms, outcomes): (usize, usize),
    dense: bool,
) -> (
    HashMap<(usize, usize), Cell, foldhash::fast::RandomState>,
    u64,
) {
    let mut grid: Vec<Cell> = if dense {
        vec![Cell::default(); forms * outcomes]
    } else {
        Vec::new()
    };
    let mut places: HashMap<(usize, usize), Cell, foldhash::fast::RandomState> = HashMap::default();
    let mut counted = 0u64;
    for (f, r, c) in findings {
        counted += 1;
        if r >= forms || c >= outcomes {
            continue;
        }
        let (counts, participants) = if dense {
            &mut grid[r * outcomes + c]
        } else {
            places.entry((r, c)).or_default()
        };
        counts[f.direction as usize] += 1;
        if let Some(n) = f.n() {
            *participants = Some(participants.unwrap_or(0) + u64::from(n));
        }
    }
    // Every finding counts in one direction, so a place with findings has a count.
    for (at, cell) in grid.into_iter().enumerate() {
        if cell.0.iter().any(|count| *count > 0) {
            places.insert((at / outcomes, at % outcomes), cell);
        }
    }
    (places, counted)
}

fn chart(input: &ChartInput<'_>, question_key: &str) -> Option<Planned> {
    let registry = input.registry;
    let topic = &registry.topic;
    let question_code = topic.questions.get_index_of(question_key)? as u32;
    let keys = &input.synthesis.keys;
    debug_assert_eq!(keys.question().len(), registry.findings.len());
    // The forms and outcomes this question's findings use, in topic order: only they get a
    // row or column (a topic may define thousands; the grid is never topic-sized).
    let all_forms = topic.form_keys();
    let all_outcomes: Vec<&str> = topic.outcomes.keys().map(String::as_str).collect();
    // One pass: counts per (form, outcome) place that has findings, by the findings' codes.
    let in_question = registry
        .findings
        .iter()
        .zip(keys.question())
        .zip(keys.form().iter().zip(keys.outcome()))
        .filter(|((_, question), _)| **question == question_code)
        .map(|((f, _), (form, outcome))| (f, *form as usize, *outcome as usize));
    let dense = all_forms.len() * all_outcomes.len() <= MOST_DENSE_CELLS;
    let (places, in_question) =
        count_places(in_question, (all_forms.len(), all_outcomes.len()), dense);
    if in_question == 0 {
        return None;
    }
    let position = |used: &[bool]| -> (Vec<usize>, Vec<usize>) {
        let kept: Vec<usize> = (0..used.len()).filter(|i| used[*i]).collect();
        let mut at = vec![usize::MAX; used.len()];
        for (position, index) in kept.iter().enumerate() {
            at[*index] = position;
        }
        (kept, at)
    };
    let mut form_used = vec![false; all_forms.len()];
    let mut outcome_used = vec![false; all_outcomes.len()];
    for (r, c) in places.keys() {
        form_used[*r] = true;
        outcome_used[*c] = true;
    }
    let (form_rows, row_of) = position(&form_used);
    let (outcome_columns, column_of) = position(&outcome_used);
    // Forms are rows and outcomes columns; a question with more outcomes than fit as columns
    // (but few enough forms) gets the map turned, outcomes as rows.
    let fits = |rows: usize, columns: usize| {
        rows <= crate::charts::MAX_CHART_ROWS && columns <= crate::charts::MAX_CHART_COLUMNS
    };
    let turned = if fits(form_rows.len(), outcome_columns.len()) {
        false
    } else if fits(outcome_columns.len(), form_rows.len()) {
        true
    } else {
        return Some(Err(format!(
            "evidence-map-{question_key}: forms × outcomes with findings are {} × {}, more \
             than {} × {} either way round: a map would not be readable; see \
             tables/form-by-direction.csv and tables/outcome-by-direction.csv",
            grouped(form_rows.len() as u64),
            grouped(outcome_columns.len() as u64),
            crate::charts::MAX_CHART_ROWS,
            crate::charts::MAX_CHART_COLUMNS
        )));
    };
    // cells[form][outcome] = (directions, participants summed over findings)
    let mut cells = vec![vec![Cell::default(); outcome_columns.len()]; form_rows.len()];
    for ((r, c), cell) in places {
        cells[row_of[r]][column_of[c]] = cell;
    }
    let form_labels: Vec<String> = form_rows
        .iter()
        .map(|r| topic.form_label(all_forms[*r]).to_string())
        .collect();
    let outcome_labels: Vec<String> = outcome_columns
        .iter()
        .map(|c| topic.outcome_label(all_outcomes[*c]).to_string())
        .collect();
    let form_words = ("form", "forms");
    let outcome_words = ("outcome", "outcomes");
    let (row_labels, column_labels, cells, row_words, column_words) = if turned {
        let cells = (0..outcome_labels.len())
            .map(|c| cells.iter().map(|row| row[c]).collect())
            .collect();
        (
            outcome_labels,
            form_labels,
            cells,
            outcome_words,
            form_words,
        )
    } else {
        (
            form_labels,
            outcome_labels,
            cells,
            form_words,
            outcome_words,
        )
    };
    let gaps = cells
        .iter()
        .flatten()
        .filter(|(c, _)| c.iter().sum::<u32>() == 0)
        .count();
    let question = topic.questions[question_key].clone();
    let columns = column_labels.len() as f64;
    let width = WIDTH.max((MARGIN + LABEL_RIGHT + 10.0 + MIN_COLUMN * columns).ceil());
    let column_width = ((width - MARGIN - LABEL_RIGHT - 10.0) / columns).min(110.0);
    let table_top = 100.0 + HEADER_HEIGHT;
    // Every cell's counts as lines that fit it; rows grow by a line for each line the fullest
    // cell needs beyond the first, the same for every row.
    let count_width = column_width - 8.0;
    let lines: Vec<Vec<Vec<String>>> = cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|(counts, _)| count_lines(counts, count_width))
                .collect()
        })
        .collect();
    let extra_lines = (lines.iter().flatten().map(Vec::len).max())
        .unwrap_or(0)
        .saturating_sub(1);
    let row_height = ROW + COUNT_LINE * extra_lines as f64;
    let height = (table_top + row_height * row_labels.len() as f64 + 90.0).ceil();
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // label isolated ([`isolated`]).
    let titled = |label: &str| format!("Evidence map: {label}");
    let title = titled(&question.label);
    let description = format!(
        "{} by {}; {} of {} cells have no findings.",
        counted(row_labels.len() as u64, row_words.0, row_words.1),
        counted(column_labels.len() as u64, column_words.0, column_words.1),
        gaps,
        row_labels.len() * column_labels.len()
    );
    let footer_line = footer_text(
        registry,
        &format!(
            "{}; {}",
            counted(in_question, "finding", "findings"),
            counted(gaps as u64, "empty cell", "empty cells")
        ),
    );
    let subtitle = format!(
        "Cell: findings and participants (n summed over findings); colour: ▲ {} (blue) vs ▼ {} (orange)",
        isolated(&question.positive),
        isolated(&question.negative)
    );
    let title_for_draw = titled(&isolated(&question.label));
    let draw = move |p: &mut dyn Painter| {
        header(p, width, &title_for_draw, &subtitle);
        let x_of = |c: usize| LABEL_RIGHT + 10.0 + column_width * c as f64;
        for (c, label) in column_labels.iter().enumerate() {
            label_lines(
                p,
                (x_of(c) + column_width / 2.0, table_top - 8.0),
                label,
                HEADER_HEIGHT - 10.0,
                heading_lines(column_width),
                HEADING_LINE_GAP,
                Lines::Up,
                Font::new(11.0, Weight::Normal, INK),
            );
        }
        for (r, row_label) in row_labels.iter().enumerate() {
            let top = table_top + row_height * r as f64;
            // A row label too long for one line takes two (a row is 44 units high).
            label_lines(
                p,
                (LABEL_RIGHT, top + row_height / 2.0),
                row_label,
                LABEL_RIGHT - MARGIN,
                2,
                ROW_LABEL_GAP,
                Lines::Across(Align::Right),
                Font::new(11.5, Weight::Normal, INK),
            );
            for (c, (counts, participants)) in cells[r].iter().enumerate() {
                let (x0, x1) = (x_of(c) + 2.0, x_of(c) + column_width - 2.0);
                let total: u32 = counts.iter().sum();
                if total == 0 {
                    p.rect(
                        x0,
                        top + 2.0,
                        x1,
                        top + row_height - 2.0,
                        plotters::style::WHITE,
                        Some(RULE),
                    );
                    p.text(
                        (x0 + x1) / 2.0,
                        top + row_height / 2.0,
                        "–",
                        Align::Center,
                        Font::new(11.0, Weight::Normal, MUTED),
                    );
                    continue;
                }
                p.rect(
                    x0,
                    top + 2.0,
                    x1,
                    top + row_height - 2.0,
                    cell_colour(counts),
                    Some(RULE),
                );
                // Counts or n cut to fit a narrow cell are whole in the SVG's tooltip.
                let all_counts: Vec<String> = count_items(counts).collect();
                tooltip_if_cut(p, &all_counts.join(" "), &lines[r][c]);
                for (i, line) in (0u32..).zip(&lines[r][c]) {
                    p.text(
                        (x0 + x1) / 2.0,
                        top + 15.0 + COUNT_LINE * f64::from(i),
                        line,
                        Align::Center,
                        Font::new(COUNT_SIZE, Weight::Bold, INK),
                    );
                }
                // Participants that do not fit are rounded ("n≈45k", then "≈45k", then "45k";
                // the exact count in the tooltip) before they are cut.
                let n_font = Font::new(10.0, Weight::Normal, INK);
                let n_at = (
                    (x0 + x1) / 2.0,
                    top + 31.0 + COUNT_LINE * extra_lines as f64,
                );
                let n_width = x1 - x0 - 4.0;
                let full = participants_label(*participants, false);
                let fits = |text: &str| text_width(text, n_font.size, n_font.weight) <= n_width;
                let rounded = participants_rounded(*participants).filter(|_| !fits(&full));
                match rounded
                    .as_deref()
                    .and_then(|rounded| shorter_forms(rounded).find(|form| fits(form)))
                {
                    Some(rounded) => {
                        p.tooltip(&full);
                        p.text(n_at.0, n_at.1, rounded, Align::Center, n_font);
                    }
                    None => label_lines(
                        p,
                        n_at,
                        &full,
                        n_width,
                        1,
                        0.0,
                        Lines::Across(Align::Center),
                        n_font,
                    ),
                }
            }
        }
        footer(p, width, height - 16.0, &footer_line);
    };
    Some(Ok(Chart {
        stem: format!("evidence-map-{question_key}"),
        size: (width as u32, height as u32),
        text: ChartText { title, description },
        caption: format!(
            "{} A cell gives the findings by direction and the participants behind them, \
             shaded blue where findings support the hypothesis and orange where they go against \
             it. Cells with a dash are gaps: no study looked at that form and outcome.",
            if turned {
                "Rows are outcome domains, columns intervention or exposure forms (turned: the \
                 question has findings in more outcomes than fit as columns)."
            } else {
                "Rows are intervention or exposure forms, columns outcome domains."
            }
        ),
        draw: Box::new(draw),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::text_fit::text_width;
    use proptest::prelude::*;

    proptest! {
        /// The dense grid and the sparse map give the same places, counts, participants and
        /// number of findings, for findings (the shipped topic's, with their n and directions)
        /// placed anywhere in a grid, past its edges included.
        #[test]
        fn dense_and_sparse_counts_agree(
            placed in prop::collection::vec((0usize..16, 0usize..6, 0usize..6), 0..60),
            (forms, outcomes) in (1usize..6, 1usize..6),
        ) {
            let registry = crate::synthesis::test_rows::shipped();
            let findings: Vec<(&Finding, usize, usize)> = placed
                .iter()
                .map(|&(i, r, c)| (&registry.findings[i % registry.findings.len()], r, c))
                .collect();
            let dense = count_places(findings.iter().copied(), (forms, outcomes), true);
            let sparse = count_places(findings.iter().copied(), (forms, outcomes), false);
            prop_assert_eq!(&dense.0, &sparse.0);
            prop_assert_eq!(dense.1, sparse.1);
            prop_assert_eq!(dense.1, findings.len() as u64);
            let placed_findings: u32 = sparse.0.values().map(|(c, _)| c.iter().sum::<u32>()).sum();
            let inside = findings.iter().filter(|(_, r, c)| *r < forms && *c < outcomes).count();
            prop_assert_eq!(placed_findings as usize, inside);
        }
    }

    fn item(direction: Direction, n: &str) -> String {
        format!("{}{n}", direction.symbol())
    }

    /// A cell of a large registry (the generated 1M findings' counts, 102 px wide as in the
    /// maps with six outcome columns): every count shown, none cut off, each line within the
    /// cell; small counts stay on one line, and an empty direction is left out.
    #[test]
    fn every_count_is_shown_on_as_many_lines_as_it_needs() {
        let width = 102.0;
        let lines = count_lines(&[15_338, 4_945, 5_587, 1_204], width);
        assert_eq!(
            lines,
            [
                format!(
                    "{} {}",
                    item(Direction::ALL[0], "15,338"),
                    item(Direction::ALL[1], "4,945")
                ),
                format!(
                    "{} {}",
                    item(Direction::ALL[2], "5,587"),
                    item(Direction::ALL[3], "1,204")
                ),
            ]
        );
        for line in &lines {
            assert!(
                text_width(line, COUNT_SIZE, Weight::Bold) <= width,
                "{line}"
            );
        }
        assert_eq!(
            count_lines(&[3, 0, 1, 0], width),
            [format!(
                "{} {}",
                item(Direction::ALL[0], "3"),
                item(Direction::ALL[2], "1")
            )]
        );
        assert!(count_lines(&[0, 0, 0, 0], width).is_empty());
    }
}
