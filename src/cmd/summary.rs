//! `evsynth summary TOPIC`: the vote counts as a compact terminal table, coloured on a
//! terminal (none when piped or when `NO_COLOR` is set).

use crate::numbers::decimal;
use std::io::IsTerminal;
use std::path::Path;

use crate::cmd::report_error;
use crate::model::{Direction, Tier};
use crate::registry;
use crate::synthesis::meta::QuestionMeta;
use crate::synthesis::selection::Selection;
use crate::synthesis::vote_count::VoteCount;
use crate::synthesis::{narrative, synthesise};

/// Prints the summary of one topic.
pub fn run(studies: &Path, topic: &str, selection: &Selection) -> u8 {
    let result = registry::resolve(topic, studies)
        .and_then(|location| registry::load(&location))
        .and_then(|registry| {
            let (selected, excluded) = registry.select(selection);
            let synthesis = synthesise(&selected, selection, excluded)?;
            Ok((selected.into_owned(), synthesis))
        });
    let (registry, synthesis) = match result {
        Ok(done) => done,
        Err(error) => return report_error(&error),
    };
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |direction: Direction, text: String| -> String {
        if !colour {
            return text;
        }
        let code = match direction {
            Direction::Positive => "34",
            Direction::Negative => "31",
            Direction::None => "90",
            Direction::Conflicting => "35",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    };
    let topic = &registry.topic;
    crate::cmd::outln!(
        "{} — {} (registry {}, as of {})",
        registry.location.name,
        topic.title,
        registry.short_hash(),
        topic.as_of
    );
    crate::cmd::outln!("{}", synthesis.totals.phrases().join(", "));
    for change in synthesis.selection.describe() {
        crate::cmd::outln!("sensitivity analysis: {change}");
    }
    let meta_by_question = synthesis.meta.by_question();
    let no_meta = QuestionMeta::default();
    for q in &synthesis.questions {
        let question = &topic.questions[&q.key];
        crate::cmd::outln!(
            "\n{} [{}] ({}): {}",
            question.label,
            q.key,
            question.kind,
            question.hypothesis
        );
        crate::cmd::outln!(
            "  {:<40} {:>7} {:>5} {:>5} {:>5} {:>5} {:>4}  {:<18} {:>9} {:>9}",
            "votes (one per study)",
            "studies",
            "▲",
            "◆",
            "▼",
            "◄►",
            "n",
            "▲ share (95% CI)",
            "sign p",
            "min p"
        );
        let line = |label: String, votes: &VoteCount| {
            let cells: Vec<String> = Direction::ALL
                .iter()
                .map(|d| paint(*d, format!("{:>5}", votes.count(*d))))
                .collect();
            let share = narrative::share_with_ci(votes);
            let dash = || "–".to_string();
            crate::cmd::outln!(
                "  {:<40} {:>7} {} {:>4}  {:<18} {:>9} {:>9}",
                truncate(&label, 40),
                votes.studies,
                cells.join(" "),
                votes.with_direction,
                share,
                votes.sign_test.map_or_else(dash, |p| p.display()),
                votes.min_attainable_p.map_or_else(dash, |p| p.display())
            );
        };
        line("all counted studies".to_string(), &q.votes.overall);
        for tier in &q.votes.by_tier {
            let label = if tier.counted {
                format!("  {}", tier.tier.short_label())
            } else {
                format!("  {} (not counted)", tier.tier.short_label())
            };
            if tier.votes.studies > 0 || tier.tier != Tier::CaseSeriesReports {
                line(label, &tier.votes);
            }
        }
        for (outcome, votes) in &q.votes.by_outcome {
            line(format!("  outcome {outcome}"), votes);
        }
        crate::cmd::outln!(
            "  {}",
            narrative::leave_one_out_sentence(&q.votes.leave_one_out)
        );
        let of_question = meta_by_question.get(q.key.as_str()).unwrap_or(&no_meta);
        if of_question.analyses.is_empty() {
            crate::cmd::outln!(
                "  pooled effects: none ({})",
                of_question.why_nothing_pooled().clause()
            );
        }
        for a in &of_question.analyses {
            let p = &a.pooled;
            crate::cmd::outln!(
                "  pooled {} ({}): {}, {}, k = {}, tau² = {}, I² = {:.1}%",
                a.outcome,
                a.measure.short_label(),
                a.estimate_with_ci(p),
                narrative::p_stated(p.p),
                p.k,
                decimal(p.tau2, 4),
                p.i2
            );
        }
    }
    0
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars().take(width - 1).collect::<String>() + "…"
    }
}
