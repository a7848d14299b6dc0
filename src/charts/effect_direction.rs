//! Effect direction plot (Thomson & Thomas, Res Synth Methods 2013;4:95-101; Boon & Thomson
//! 2021): one row per study, one column per outcome domain plus the study's overall vote; ▲ ▼
//! ◆ ◄► sized by sample size (< 50, 50-300, > 300); rows shaded by risk of bias; the sign test
//! of each column underneath. One chart per question.

use std::collections::HashMap;

use crate::charts::common::{
    HEADING_LINE_GAP, MARGIN, TWO_LINE_COLUMN, direction_legend, footer, footer_text, header,
    heading_lines, marker,
};
use crate::charts::painter::{
    Align, ChartText, Font, Lines, Painter, Weight, label_lines, tooltip_if_cut,
};
use crate::charts::palette::{INK, MUTED, RULE};
use crate::charts::reading_order::isolated;
use crate::charts::text_fit::{text_width, truncate_id_to_width, truncate_to_width};
use crate::charts::{Chart, ChartInput, ChartSpec, Planned};
use crate::model::{Direction, RiskOfBias, Tier};
use crate::numbers::{counted, grouped};
use crate::registry::Finding;
use crate::synthesis::study_votes::study_direction;
use crate::synthesis::vote_count::VoteCount;
use crate::synthesis::votes::PValue;

/// Registration in the chart list.
pub const SPEC: ChartSpec = ChartSpec {
    name: "effect-direction",
    build,
};

const WIDTH: f64 = 1000.0;
/// The narrowest column ([`TWO_LINE_COLUMN`]): a plot of more columns than fit [`WIDTH`] at this
/// width (20 and up) is drawn wider instead.
const MIN_COLUMN: f64 = TWO_LINE_COLUMN;
const LABEL_RIGHT: f64 = 330.0;
const ROW: f64 = 24.0;
const HEADER_HEIGHT: f64 = 150.0;
const TABLE_TOP: f64 = 100.0;

/// Marker size by participants (Thomson & Thomas: < 50, 50-300, > 300).
fn marker_size(n: Option<u32>) -> f64 {
    match n {
        Some(n) if n > 300 => 16.0,
        Some(n) if n >= 50 => 12.0,
        _ => 8.0,
    }
}

fn rob_shade(risk: Option<RiskOfBias>) -> Option<plotters::style::RGBColor> {
    match risk {
        Some(RiskOfBias::High) => Some(plotters::style::RGBColor(0xF6, 0xD5, 0xCC)),
        Some(RiskOfBias::SomeConcerns) => Some(plotters::style::RGBColor(0xFB, 0xEE, 0xC8)),
        Some(RiskOfBias::Unclear) => Some(plotters::style::RGBColor(0xEC, 0xEC, 0xEC)),
        Some(RiskOfBias::Low) | None => None,
    }
}

/// The worst risk of bias among a study's findings.
fn worst_risk(rows: &[&Finding]) -> Option<RiskOfBias> {
    let rank = |r: &RiskOfBias| match r {
        RiskOfBias::Low => 0,
        RiskOfBias::Unclear => 1,
        RiskOfBias::SomeConcerns => 2,
        RiskOfBias::High => 3,
    };
    rows.iter().filter_map(|f| f.risk_of_bias).max_by_key(rank)
}

struct StudyRow {
    /// The study id, design and participants shown at the row's start.
    label: RowLabel,
    /// Sort order: design tier, then year, then study id.
    order: (Tier, i32, String),
    n: Option<u32>,
    cells: Vec<Option<Direction>>,
    overall: Direction,
    risk: Option<RiskOfBias>,
}

/// A study row's label: `id · design · n=…`.
struct RowLabel {
    id: String,
    design: String,
    /// `n=1,204`, `n=–`, with ` (descriptive)` for case series and reports.
    participants: String,
}

impl RowLabel {
    /// The whole label and the label that fits `max_width` at `font`: what gives way first is
    /// the design (cut, then left out), then the id (cut in the middle, keeping its end), so the
    /// participants are always shown — cut at the end, a long id hid them ("n=…").
    fn fitted(&self, max_width: f64, font: Font) -> (String, String) {
        let width = |text: &str| text_width(text, font.size, font.weight);
        let full = format!("{} · {} · {}", self.id, self.design, self.participants);
        if width(&full) <= max_width {
            return (full.clone(), full);
        }
        let without_design = format!("{} ·  · {}", self.id, self.participants);
        let room = max_width - width(&without_design);
        // A design cut to less than a word and an ellipsis says nothing; it is left out.
        if room >= width("Rand…") {
            let design = truncate_to_width(&self.design, font.size, font.weight, room);
            return (
                full,
                format!("{} · {design} · {}", self.id, self.participants),
            );
        }
        let end = format!(" · {}", self.participants);
        let id = truncate_id_to_width(&self.id, font.size, font.weight, max_width - width(&end));
        let shown = truncate_to_width(&format!("{id}{end}"), font.size, font.weight, max_width);
        (full, shown)
    }
}

/// How a row of column p-values is written, most precise first: to 4 significant digits, then
/// to 2 and to 1, in the row's brackets (if any) while they fit and then without.
const P_FORMATS: [(usize, bool); 5] = [(4, true), (2, true), (2, false), (1, true), (1, false)];

/// The labels of one row of column p-values ("–" for a column without one), in the most
/// precise of [`P_FORMATS`] that fits `max_width` in every column of the row (the same
/// rounding across a row), cut to fit past the last; each with the label in full, for the
/// tooltip. A column of 19 outcomes or more cut "(0.03125)" to "(0.03…": now "(0.031)".
fn p_labels(
    values: &[Option<PValue>],
    brackets: (&str, &str),
    max_width: f64,
    font: Font,
) -> Vec<(String, String)> {
    let label = |value: &Option<PValue>, (digits, bracketed): (usize, bool)| match value {
        None => "–".to_string(),
        Some(p) if bracketed => format!("{}{}{}", brackets.0, p.significant(digits), brackets.1),
        Some(p) => p.significant(digits),
    };
    let fits = |text: &str| text_width(text, font.size, font.weight) <= max_width;
    let format = P_FORMATS
        .into_iter()
        .find(|format| values.iter().all(|value| fits(&label(value, *format))))
        .unwrap_or(P_FORMATS[P_FORMATS.len() - 1]);
    values
        .iter()
        .map(|value| {
            let full = label(value, P_FORMATS[0]);
            let shown = label(value, format);
            let shown = if fits(&shown) {
                shown
            } else {
                truncate_to_width(&shown, font.size, font.weight, max_width)
            };
            (full, shown)
        })
        .collect()
}

fn build(input: &ChartInput<'_>) -> Result<Vec<Planned>, String> {
    crate::charts::common::per_question(input, chart, || {
        "no question has findings from primary studies".to_string()
    })
}

fn chart(input: &ChartInput<'_>, question_key: &str) -> Option<Planned> {
    let registry = input.registry;
    let topic = &registry.topic;
    let question = topic.questions[question_key].clone();
    // One row per primary study (reviews left out): counted from the synthesis first, so a
    // question with too many studies costs no pass over the findings.
    let studies = input
        .synthesis
        .questions
        .iter()
        .find(|q| q.key == question_key)?
        .votes
        .studies
        .iter()
        .filter(|v| v.tier != Tier::Review)
        .count();
    if studies == 0 {
        return None;
    }
    if studies > crate::charts::MAX_CHART_ROWS {
        return Some(Err(format!(
            "effect-direction-{question_key}: {} studies, more than {}: a row per study would \
             not be readable; see tables/study-votes.csv",
            grouped(studies as u64),
            crate::charts::MAX_CHART_ROWS
        )));
    }
    let findings: Vec<&Finding> = registry
        .findings
        .iter()
        .filter(|f| *f.keys.question() == *question_key && f.study.design.tier() != Tier::Review)
        .collect();
    let mut used = vec![false; topic.outcomes.len()];
    for f in &findings {
        if let Some(at) = topic.outcomes.get_index_of(f.keys.outcome().as_str()) {
            used[at] = true;
        }
    }
    let used_count = used.iter().filter(|u| **u).count();
    if used_count > crate::charts::MAX_CHART_COLUMNS {
        return Some(Err(format!(
            "effect-direction-{question_key}: findings in {} outcomes, more than {}: a column \
             per outcome would not be readable; see tables/outcome-by-direction.csv",
            grouped(used_count as u64),
            crate::charts::MAX_CHART_COLUMNS
        )));
    }
    let outcomes: Vec<String> = topic
        .outcomes
        .keys()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(key, _)| key.clone())
        .collect();
    let mut by_study: Vec<(&str, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for f in &findings {
        let i = *index.entry(&f.study.id).or_insert_with(|| {
            by_study.push((&f.study.id, Vec::new()));
            by_study.len() - 1
        });
        by_study[i].1.push(f);
    }
    let mut rows: Vec<StudyRow> = by_study
        .into_iter()
        .map(|(id, rows)| {
            let mut counts = [0u32; 4];
            for f in &rows {
                counts[f.direction as usize] += 1;
            }
            let first = rows[0];
            let n = rows.iter().filter_map(|f| f.n()).max();
            StudyRow {
                label: RowLabel {
                    id: id.to_string(),
                    design: first.study.design.label().to_string(),
                    participants: format!(
                        "n={}{}",
                        n.map_or("–".to_string(), |n| grouped(u64::from(n))),
                        if first.study.design.tier() == Tier::CaseSeriesReports {
                            " (descriptive)"
                        } else {
                            ""
                        }
                    ),
                },
                order: (first.study.design.tier(), first.study.year, id.to_string()),
                n,
                cells: outcomes
                    .iter()
                    .map(|o| {
                        rows.iter()
                            .find(|f| *f.keys.outcome() == **o)
                            .map(|f| f.direction)
                    })
                    .collect(),
                overall: study_direction(counts).unwrap_or(Direction::Conflicting),
                risk: worst_risk(&rows),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.order.cmp(&b.order));
    let synthesis = input
        .synthesis
        .questions
        .iter()
        .find(|q| q.key == question_key)?;
    let mut column_votes: Vec<Option<VoteCount>> = outcomes
        .iter()
        .map(|o| {
            synthesis
                .votes
                .by_outcome
                .iter()
                .find(|(k, _)| k == o)
                .map(|(_, v)| v.clone())
        })
        .collect();
    column_votes.push(Some(synthesis.votes.overall.clone()));

    let columns = outcomes.len() + 1;
    let width = WIDTH.max((LABEL_RIGHT + 10.0 + MIN_COLUMN * columns as f64 + MARGIN).ceil());
    let column_width = ((width - MARGIN - LABEL_RIGHT - 10.0) / columns as f64).min(90.0);
    let table_top = TABLE_TOP + HEADER_HEIGHT;
    let height = (table_top + ROW * rows.len() as f64 + 170.0).ceil();
    let outcome_labels: Vec<String> = outcomes
        .iter()
        .map(|o| topic.outcome_label(o).to_string())
        .collect();
    // The title as written (the accessible name, the README's caption) and as drawn, its
    // label isolated ([`isolated`]).
    let titled = |label: &str| format!("Effect direction plot: {label}");
    let title = titled(&question.label);
    let description = format!(
        "{} by {}; overall sign test {}.",
        counted(rows.len() as u64, "study", "studies"),
        counted(outcomes.len() as u64, "outcome domain", "outcome domains"),
        synthesis
            .votes
            .overall
            .sign_test
            .map_or("not possible".to_string(), PValue::stated)
    );
    let footer_line = footer_text(registry, &counted(rows.len() as u64, "study", "studies"));
    let subtitle = format!(
        "▲ {} · ▼ {} · ◆ no difference · ◄► conflicting; marker size by n (<50, 50-300, >300)",
        isolated(&question.positive),
        isolated(&question.negative)
    );
    let title_for_draw = titled(&isolated(&question.label));
    let draw = move |p: &mut dyn Painter| {
        header(p, width, &title_for_draw, &subtitle);
        let x_of = |column: usize| LABEL_RIGHT + 10.0 + column_width * (column as f64 + 0.5);
        let head = Font::new(11.0, Weight::Normal, INK);
        for (i, label) in outcome_labels
            .iter()
            .chain(std::iter::once(&"Overall (70% rule)".to_string()))
            .enumerate()
        {
            label_lines(
                p,
                (x_of(i), table_top - 8.0),
                label,
                HEADER_HEIGHT - 10.0,
                heading_lines(column_width),
                HEADING_LINE_GAP,
                Lines::Up,
                head,
            );
        }
        p.text(
            MARGIN,
            table_top - 12.0,
            "Study (by design tier, then year)",
            Align::Left,
            Font::new(11.0, Weight::Bold, INK),
        );
        p.line(
            &[(MARGIN, table_top - 2.0), (width - MARGIN, table_top - 2.0)],
            RULE,
            1.0,
        );
        let body = Font::new(11.0, Weight::Normal, INK);
        for (r, row) in rows.iter().enumerate() {
            let y = table_top + ROW * r as f64 + ROW / 2.0;
            if let Some(shade) = rob_shade(row.risk) {
                p.rect(
                    MARGIN,
                    y - ROW / 2.0,
                    width - MARGIN,
                    y + ROW / 2.0,
                    shade,
                    None,
                );
            }
            let (full, shown) = row.label.fitted(LABEL_RIGHT - MARGIN - 6.0, body);
            tooltip_if_cut(p, &full, std::slice::from_ref(&shown));
            p.text(MARGIN, y, &shown, Align::Left, body);
            for (c, cell) in row.cells.iter().enumerate() {
                if let Some(direction) = cell {
                    marker(p, x_of(c), y, marker_size(row.n), *direction);
                }
            }
            marker(p, x_of(columns - 1), y, marker_size(row.n), row.overall);
        }
        let bottom = table_top + ROW * rows.len() as f64;
        p.line(
            &[(MARGIN, bottom + 2.0), (width - MARGIN, bottom + 2.0)],
            RULE,
            1.0,
        );
        p.text(
            MARGIN,
            bottom + 16.0,
            "Sign test (counted studies): ▲ of ▲+▼",
            Align::Left,
            Font::new(11.0, Weight::Bold, INK),
        );
        p.text(
            MARGIN,
            bottom + 32.0,
            "two-sided p (smallest attainable)",
            Align::Left,
            Font::new(11.0, Weight::Normal, MUTED),
        );
        let small = Font::new(10.0, Weight::Normal, INK);
        let p_font = Font::new(10.0, Weight::Normal, MUTED);
        let p_row = |value: fn(&VoteCount) -> Option<PValue>, brackets| {
            let values: Vec<Option<PValue>> = column_votes
                .iter()
                .map(|votes| votes.as_ref().and_then(value))
                .collect();
            p_labels(&values, brackets, column_width - 4.0, p_font)
        };
        let p_rows = (
            p_row(|v| v.sign_test, ("", "")),
            p_row(|v| v.min_attainable_p, ("(", ")")),
        );
        for (c, votes) in column_votes.iter().enumerate() {
            let Some(votes) = votes else { continue };
            p.text(
                x_of(c),
                bottom + 16.0,
                &format!("{}/{}", votes.positive(), votes.with_direction),
                Align::Center,
                small,
            );
            for (y, labels) in [(bottom + 32.0, &p_rows.0), (bottom + 46.0, &p_rows.1)] {
                let (full, shown) = &labels[c];
                tooltip_if_cut(p, full, std::slice::from_ref(shown));
                p.text(x_of(c), y, shown, Align::Center, p_font);
            }
        }
        let legend_y = bottom + 74.0;
        direction_legend(
            p,
            MARGIN,
            legend_y,
            ["positive", "no difference", "negative", "conflicting"],
        );
        let mut x = MARGIN;
        let legend_y = legend_y + 22.0;
        p.text(x, legend_y, "Row shading, risk of bias:", Align::Left, body);
        x += 160.0;
        for (risk, label) in [
            (RiskOfBias::High, "high"),
            (RiskOfBias::SomeConcerns, "some concerns"),
            (RiskOfBias::Unclear, "unclear"),
            (RiskOfBias::Low, "low or not assessed"),
        ] {
            let shade = rob_shade(Some(risk)).unwrap_or(plotters::style::WHITE);
            p.rect(
                x,
                legend_y - 7.0,
                x + 22.0,
                legend_y + 7.0,
                shade,
                Some(RULE),
            );
            p.text(x + 28.0, legend_y, label, Align::Left, body);
            x += 28.0 + crate::charts::text_fit::text_width(label, 11.0, Weight::Normal) + 18.0;
        }
        footer(p, width, height - 16.0, &footer_line);
    };
    Some(Ok(Chart {
        stem: format!("effect-direction-{question_key}"),
        size: (width as u32, height as u32),
        text: ChartText { title, description },
        caption: "One row per study (reviews left out), sorted by design tier and year; one column \
                  per outcome domain and a last column with the study's overall vote (the \
                  direction of at least 70% of its findings, else conflicting). Marker shape gives \
                  the direction, its size the sample size. Under each column: positive votes of all \
                  votes with a direction and the sign test's p, with the smallest p that column \
                  could reach in brackets. Case series and reports are shown but not counted."
            .to_string(),
        draw: Box::new(draw),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthesis::votes::sign_test;

    const SPACE: f64 = LABEL_RIGHT - MARGIN - 6.0;

    fn font() -> Font {
        Font::new(11.0, Weight::Normal, INK)
    }

    fn row(id: &str, n: &str) -> RowLabel {
        RowLabel {
            id: id.to_string(),
            design: "Randomised controlled trial".to_string(),
            participants: n.to_string(),
        }
    }

    /// A row of column p-values keeps as many digits as every column of it fits, the same
    /// rounding across the row, and each label in full for its tooltip. The p of 5 of 5
    /// studies (0.0625) and of 10 of 10 (0.001953); "(0.03125)" in a column of 32 units was
    /// cut to "(0.03…".
    #[test]
    fn p_values_keep_as_many_digits_as_every_column_fits() {
        let values = [sign_test(5, 5), sign_test(10, 10), None];
        let font = Font::new(10.0, Weight::Normal, MUTED);
        let labels = |width: f64| p_labels(&values, ("(", ")"), width, font);
        let shown = |width: f64| -> Vec<String> {
            labels(width).into_iter().map(|(_, shown)| shown).collect()
        };
        let widest = |texts: [&str; 2]| {
            texts
                .iter()
                .map(|t| text_width(t, 10.0, Weight::Normal))
                .fold(0.0, f64::max)
        };
        assert_eq!(shown(1000.0), ["(0.0625)", "(0.001953)", "–"]);
        assert_eq!(
            shown(widest(["(0.063)", "(0.002)"])),
            ["(0.063)", "(0.002)", "–"]
        );
        let bare = widest(["0.063", "0.002"]);
        assert_eq!(shown(bare), ["0.063", "0.002", "–"]);
        let full: Vec<String> = labels(bare).into_iter().map(|(full, _)| full).collect();
        assert_eq!(full, ["(0.0625)", "(0.001953)", "–"]);
    }

    /// metafor's dat.bcg rows: a label that fits is whole; a longer id cuts the design, never
    /// the participants (cut at the end, the row read "frimodt_moller_et_al_1973 · Randomised
    /// controlled trial · n=…"); an id too long for the design to stay leaves it out and is
    /// cut in the middle. Every label fits. Fails when labels are cut at the end.
    #[test]
    fn the_participants_are_shown_whatever_gives_way() {
        let short = row("aronson_1948", "n=262");
        let (full, shown) = short.fitted(SPACE, font());
        assert_eq!(shown, "aronson_1948 · Randomised controlled trial · n=262");
        assert_eq!(full, shown);

        let (full, shown) = row("frimodt_moller_et_al_1973", "n=10,877").fitted(SPACE, font());
        assert_eq!(
            full,
            "frimodt_moller_et_al_1973 · Randomised controlled trial · n=10,877"
        );
        assert!(
            shown.starts_with("frimodt_moller_et_al_1973 · Randomised")
                && shown.ends_with("… · n=10,877"),
            "{shown}"
        );

        let id = "a_study_identifier_long_enough_to_fill_the_label_space_1973";
        let (_, shown) = row(id, "n=10,877 (descriptive)").fitted(SPACE, font());
        assert!(!shown.contains("Randomised"), "{shown}");
        assert!(shown.starts_with("a_study"), "{shown}");
        assert!(shown.ends_with("…1973 · n=10,877 (descriptive)"), "{shown}");

        for label in [&short, &row(id, "n=10,877")] {
            let (_, shown) = label.fitted(SPACE, font());
            assert!(text_width(&shown, 11.0, Weight::Normal) <= SPACE, "{shown}");
        }
    }
}
