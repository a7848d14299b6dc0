//! The report's `README.md`: per question, the tier × direction table and the findings; then
//! the charts with captions and the study list.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::charts::ChartOutcome;
use crate::model::{Direction, Tier};
use crate::numbers::{counted, decimal, grouped, participants_label};
use crate::registry::topic::Question;
use crate::registry::{Finding, Registry, Topic};
use crate::synthesis::counts::CellCount;
use crate::synthesis::direction_table::DirectionTable;
use crate::synthesis::meta::{Analysis, MetaAnalyses, NothingPooled, QuestionMeta, SignSide};
use crate::synthesis::swim::SwimItem;
use crate::synthesis::vote_count::VoteCount;
use crate::synthesis::votes::PValue;
use crate::synthesis::{QuestionSynthesis, QuestionVotes, Synthesis, narrative};

/// Most findings (per question) and studies listed in the README; the rest are in the CSV
/// tables, which list everything.
const MAX_LISTED: usize = 500;
/// Most reasons listed for the charts of one kind that were not drawn.
const MAX_SKIPPED_LISTED: usize = 10;

/// The first [`MAX_LISTED`] findings of each question in file order, in topic order (the
/// synthesis's order), in one pass over the findings that stops once every list is complete:
/// a pass per question cost questions × findings, and a million-row registry needs only its
/// first rows here.
fn listed_findings<'r>(registry: &'r Registry, synthesis: &Synthesis) -> Vec<Vec<&'r Finding>> {
    let topic = &registry.topic;
    let mut listed: Vec<Vec<&Finding>> = vec![Vec::new(); topic.questions.len()];
    let mut missing: usize = synthesis
        .questions
        .iter()
        .map(|q| (q.findings() as usize).min(MAX_LISTED))
        .sum();
    for finding in &registry.findings {
        if missing == 0 {
            break;
        }
        if let Some(list) = topic
            .questions
            .get_index_of(finding.keys.question().as_str())
            .map(|at| &mut listed[at])
            && list.len() < MAX_LISTED
        {
            list.push(finding);
            missing = missing.saturating_sub(1);
        }
    }
    listed
}

/// Escapes registry text for a Markdown table cell or paragraph: Markdown syntax is
/// backslash-escaped, HTML is entity-escaped, and line breaks become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn cell(count: &CellCount) -> String {
    if count.findings == 0 {
        return "0".to_string();
    }
    format!(
        "{} ({}, {})",
        grouped(count.findings),
        counted(count.studies, "study", "studies"),
        participants_label(count.participants_given(), false)
    )
}

/// A Markdown table of findings by one dimension × direction.
fn direction_table(
    md: &mut String,
    first_column: &str,
    table: &DirectionTable,
    question: &Question,
    label: &dyn Fn(&str) -> String,
) {
    let mut header = format!("| {first_column} |");
    for direction in Direction::ALL {
        let _ = write!(
            header,
            " {} {} |",
            direction.symbol(),
            escape(question.direction_label(*direction))
        );
    }
    header.push_str(" All |");
    let _ = writeln!(md, "{header}");
    let _ = writeln!(md, "|---|{}---:|", "---:|".repeat(Direction::ALL.len()));
    for row in &table.rows {
        let cells: Vec<String> = row.by_direction.iter().map(cell).collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            label(&row.key),
            cells.join(" | "),
            cell(&row.total)
        );
    }
    let cells: Vec<String> = table.by_direction.iter().map(cell).collect();
    let _ = writeln!(
        md,
        "| **All findings** | {} | {} |\n",
        cells.join(" | "),
        cell(&table.total)
    );
}

fn tier_label(key: &str) -> String {
    match Tier::parse(key) {
        Some(Tier::CaseSeriesReports) => {
            format!("{} (descriptive)", Tier::CaseSeriesReports.label())
        }
        Some(Tier::Review) => format!("{} (not counted)", Tier::Review.label()),
        Some(tier) => tier.label().to_string(),
        None => escape(key),
    }
}

fn vote_row(label: &str, votes: &VoteCount) -> String {
    let dash = || "–".to_string();
    let share = narrative::share_with_ci(votes);
    let counts: Vec<String> = Direction::ALL
        .iter()
        .map(|d| votes.count(*d).to_string())
        .collect();
    format!(
        "| {label} | {} | {} | {} | {} | {} | {} |",
        votes.studies,
        counts.join(" | "),
        votes.with_direction,
        share,
        votes.sign_test.map_or_else(dash, |p| p.display()),
        votes.min_attainable_p.map_or_else(dash, |p| p.display()),
    )
}

fn vote_table(md: &mut String, topic: &Topic, question: &Question, votes: &QuestionVotes) {
    let mut header = "| Scope | Studies |".to_string();
    for direction in Direction::ALL {
        let _ = write!(
            header,
            " {} {} |",
            direction.symbol(),
            escape(question.direction_label(*direction))
        );
    }
    header.push_str(" n (▲+▼) | ▲ share (Wilson 95% CI) | Sign test p | Smallest attainable p |");
    let _ = writeln!(md, "{header}");
    let _ = writeln!(
        md,
        "|---|---:|{}---:|---:|---:|---:|",
        "---:|".repeat(Direction::ALL.len())
    );
    let _ = writeln!(
        md,
        "{}",
        vote_row("**All counted studies**", &votes.overall)
    );
    for tier in &votes.by_tier {
        let label = if tier.counted {
            tier.tier.label().to_string()
        } else {
            format!("{} (descriptive, not counted)", tier.tier.label())
        };
        let _ = writeln!(md, "{}", vote_row(&label, &tier.votes));
    }
    for (outcome, count) in &votes.by_outcome {
        let label = format!("Outcome: {}", escape(topic.outcome_label(outcome)));
        let _ = writeln!(md, "{}", vote_row(&label, count));
    }
    md.push('\n');
}

fn meta_section(
    md: &mut String,
    topic: &Topic,
    of_question: &QuestionMeta<'_>,
    meta: &MetaAnalyses,
) {
    let _ = writeln!(md, "### Pooled effect sizes\n");
    let analyses = of_question.analyses.as_slice();
    if !analyses.is_empty() {
        let _ = writeln!(
            md,
            "Model: {}. Pooled per outcome and effect measure, never across questions or measures.\n",
            narrative::model_label(meta.options)
        );
        let _ = writeln!(
            md,
            "| Outcome | Measure | k | Pooled (95% CI) | p | τ² | I² | Q (p) | 95% prediction interval | Egger's test |"
        );
        let _ = writeln!(md, "|---|---|---:|---|---:|---:|---:|---|---|---|");
        for a in analyses {
            let p = &a.pooled;
            let egger = match &a.egger {
                Ok(test) => format!("t = {:.2}, {}", test.t, narrative::p_stated(test.p)),
                Err(not_computed) => not_computed.reason(),
            };
            let converged = if p.converged {
                ""
            } else {
                " (REML did not converge)"
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {}{converged} | {} | {} | {:.1}% | {} ({}) | {} to {} | {} |",
                escape(topic.outcome_label(&a.outcome)),
                a.measure.short_label(),
                p.k,
                a.estimate_with_ci(p),
                narrative::format_p(p.p),
                decimal(p.tau2, 4),
                p.i2,
                decimal(p.q, 2),
                narrative::format_p(p.q_p),
                a.shown(p.pi_low),
                a.shown(p.pi_high),
                egger
            );
        }
        md.push('\n');
        for a in analyses {
            if let Some(conflict) = &a.sign_conflict {
                let _ = writeln!(
                    md,
                    "{} ({}): the rows disagree on which sign supports the hypothesis: lower \
                     estimates in {}, higher in {}. A direction may be miscoded, or an estimate \
                     taken the other way round (intervention minus control, exposed minus \
                     unexposed); the forest plot's axis reads lower and higher, not what each \
                     side favours.\n",
                    escape(topic.outcome_label(&a.outcome)),
                    a.measure.short_label(),
                    sign_side(&conflict.lower),
                    sign_side(&conflict.higher)
                );
            }
        }
        for a in analyses {
            if a.leave_one_out.is_empty() {
                continue;
            }
            let (low, high) = a
                .leave_one_out
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p.estimate), hi.max(p.estimate))
                });
            let _ = writeln!(
                md,
                "{} ({}): fixed effect {}; leaving out one study at a time, the pooled {} ranges from {} to {}.\n",
                escape(topic.outcome_label(&a.outcome)),
                a.measure.short_label(),
                a.estimate_with_ci(&a.fixed_effect),
                a.measure.short_label(),
                a.shown(low),
                a.shown(high)
            );
        }
    }
    let not_pooled = of_question.not_pooled.as_slice();
    if !not_pooled.is_empty() {
        if analyses.is_empty() {
            let why = NothingPooled::of(not_pooled.iter().copied());
            if why == NothingPooled::TooFewEstimates {
                let _ = writeln!(
                    md,
                    "No pooled estimate: no outcome of this question has two or more comparable \
                     effect estimates (k ≥ 2 with the same measure). This is a finding about the \
                     evidence, not a failure: the vote count above is the synthesis.\n"
                );
            } else {
                let _ = writeln!(
                    md,
                    "No pooled estimate: {}, for the reasons below; the vote count above is the \
                     synthesis.\n",
                    why.clause()
                );
            }
        }
        let mut by_reason: Vec<(&str, Vec<String>)> = Vec::new();
        for cell in not_pooled {
            let entry = format!(
                "{} ({})",
                escape(topic.outcome_label(&cell.outcome)),
                cell.findings
            );
            match by_reason
                .iter_mut()
                .find(|(reason, _)| *reason == cell.reason)
            {
                Some((_, outcomes)) => outcomes.push(entry),
                None => by_reason.push((&cell.reason, vec![entry])),
            }
        }
        for (reason, outcomes) in by_reason {
            let _ = writeln!(md, "- {}: {}.", capitalise(reason), outcomes.join(", "));
        }
        md.push('\n');
    }
    // Looked up per excluded estimate: sets, not scans (a topic can have thousands of outcomes).
    let pooled_outcomes: HashSet<&str> = analyses.iter().map(|a| a.outcome.as_str()).collect();
    let not_pooled_outcomes: HashSet<&str> =
        not_pooled.iter().map(|n| n.outcome.as_str()).collect();
    let left_out: Vec<_> = of_question
        .excluded
        .iter()
        .filter(|e| {
            pooled_outcomes.contains(e.outcome.as_str())
                || not_pooled_outcomes.contains(e.outcome.as_str())
        })
        .collect();
    if !left_out.is_empty() {
        // A list of its own, after a lead-in (two lists in a row would render as one).
        md.push_str("Rows left out of pooling:\n\n");
        for excluded in left_out {
            let _ = writeln!(
                md,
                "- {} ({}): {}.",
                escape(&excluded.study_id),
                escape(topic.outcome_label(&excluded.outcome)),
                excluded.reason
            );
        }
        md.push('\n');
    }
}

/// "2 rows (a_2001, b_2002)", naming the first studies and marking more with "…".
fn sign_side(side: &SignSide) -> String {
    let mut ids: Vec<String> = side.first_studies.iter().map(|id| escape(id)).collect();
    if side.rows > side.first_studies.len() {
        ids.push("…".to_string());
    }
    format!(
        "{} ({})",
        counted(side.rows as u64, "row", "rows"),
        ids.join(", ")
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn summary_of_findings(md: &mut String, topic: &Topic, synthesis: &Synthesis) {
    let _ = writeln!(md, "## Summary of findings\n");
    if synthesis.certainty.is_empty() {
        let _ = writeln!(
            md,
            "No outcome has counted studies, so no certainty is rated.\n"
        );
        unrated_outcomes_note(md, topic, synthesis);
        return;
    }
    let _ = writeln!(
        md,
        "Certainty of evidence per question and outcome, GRADE adapted for narrative synthesis \
         (Murad et al. 2017): start High with randomised evidence, Low otherwise; each serious \
         concern lowers it one level.\n"
    );
    let _ = writeln!(
        md,
        "| Question | Outcome | Studies | Participants | Votes ▲ of ▲+▼ | Pooled effect | Certainty | Why |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---|---|---|---|");
    let mut footnotes = Vec::new();
    // Each question × outcome's votes and first pooled analysis, looked up per row.
    let mut votes_of: HashMap<(&str, &str), &VoteCount> = HashMap::new();
    for q in &synthesis.questions {
        for (outcome, votes) in &q.votes.by_outcome {
            votes_of
                .entry((q.key.as_str(), outcome.as_str()))
                .or_insert(votes);
        }
    }
    let mut analysis_of: HashMap<(&str, &str), &Analysis> = HashMap::new();
    for a in &synthesis.meta.analyses {
        analysis_of
            .entry((a.question.as_str(), a.outcome.as_str()))
            .or_insert(a);
    }
    for c in &synthesis.certainty {
        let cell = (c.question.as_str(), c.outcome.as_str());
        let votes = votes_of.get(&cell).map_or_else(
            || "–".to_string(),
            |v| {
                let p = v
                    .sign_test
                    .map_or_else(|| "no test".to_string(), PValue::stated);
                format!("{} of {} ({p})", v.positive(), v.with_direction)
            },
        );
        let pooled = analysis_of.get(&cell).map_or_else(
            || "not pooled".to_string(),
            |a| {
                format!(
                    "{} {}",
                    a.measure.short_label(),
                    a.estimate_with_ci(&a.pooled)
                )
            },
        );
        let mut reasons = Vec::new();
        for j in c
            .judgements
            .iter()
            .filter(|j| j.downgrade > 0 || j.overridden)
        {
            let mut reason = format!(
                "{} −{}: {}",
                j.domain.label(),
                j.downgrade,
                escape(&j.reason)
            );
            if j.overridden {
                footnotes.push(format!(
                    "{} / {} / {}: reviewer's judgement in topic.toml — {}",
                    c.question,
                    c.outcome,
                    j.domain.label(),
                    escape(&j.reason)
                ));
                reason.push_str(&format!(" [^{}]", footnotes.len()));
            }
            reasons.push(reason);
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} {} | {} |",
            escape(&topic.questions[&c.question].label),
            escape(topic.outcome_label(&c.outcome)),
            grouped(c.studies as u64),
            grouped(c.participants),
            votes,
            pooled,
            c.level.symbols(),
            c.level.label(),
            if reasons.is_empty() {
                "no serious concerns".to_string()
            } else {
                reasons.join("; ")
            }
        );
    }
    md.push('\n');
    unrated_outcomes_note(md, topic, synthesis);
    for (i, note) in footnotes.iter().enumerate() {
        let _ = writeln!(md, "[^{}]: {note}", i + 1);
    }
    if !footnotes.is_empty() {
        md.push('\n');
    }
}

/// A note under the summary of findings naming each question's outcomes that have findings
/// but no counted study (only case reports, case series or systematic reviews; only reviews
/// when case reports are counted), which the table does not rate: a reader of the table alone
/// would not know they were looked at. Nothing when every outcome with findings is rated.
fn unrated_outcomes_note(md: &mut String, topic: &Topic, synthesis: &Synthesis) {
    let unrated: Vec<String> = synthesis
        .unrated_outcomes()
        .into_iter()
        .map(|(q, row)| {
            let [findings, studies, _] = row.total.phrases();
            format!(
                "*{}* — {} ({findings} from {studies})",
                escape(&topic.questions[&q.key].label),
                escape(topic.outcome_label(&row.key)),
            )
        })
        .collect();
    if !unrated.is_empty() {
        let uncounted = if synthesis.selection.counts_tier(Tier::CaseSeriesReports) {
            "only systematic reviews, which are listed, not counted"
        } else {
            "only case reports, case series or systematic reviews, which are described, not \
             counted"
        };
        let _ = writeln!(
            md,
            "Not rated, as no counted study reports them ({uncounted}): {}.\n",
            unrated.join("; ")
        );
    }
}

/// Most characters named per `topic.toml` text in the note on characters the charts cannot
/// draw.
const MAX_MISSING_LISTED: usize = 8;

/// A note naming the `topic.toml` texts with characters the charts' embedded font (DejaVu
/// Sans) cannot draw (Chinese, Japanese or Korean script, emoji), which the charts show as
/// empty boxes, where this page shows them: nothing when every character is drawn.
fn glyphs_note(md: &mut String, topic: &Topic) {
    let texts: Vec<String> = topic
        .labels()
        .into_iter()
        .filter_map(|(key, text)| {
            let missing = crate::charts::painter::missing_glyphs(text);
            (!missing.is_empty()).then(|| {
                let listed: String = missing.iter().take(MAX_MISSING_LISTED).collect();
                let more = if missing.len() > MAX_MISSING_LISTED {
                    format!(" and {} more", missing.len() - MAX_MISSING_LISTED)
                } else {
                    String::new()
                };
                format!("`{key}` ({}{more})", escape(&listed))
            })
        })
        .collect();
    if texts.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "*Note:* the charts draw text with their embedded font, DejaVu Sans, which has no \
         glyph for some characters of `topic.toml`: {}. The charts show them as empty boxes; \
         this page shows them as written.\n",
        texts.join(", ")
    );
}

/// The charts: each drawn one with its caption, and those not drawn with the reason (several
/// of one kind under one item, at most [`MAX_SKIPPED_LISTED`] reasons).
fn charts_section(md: &mut String, topic: &Topic, charts: &[ChartOutcome]) {
    let _ = writeln!(md, "## Charts\n");
    glyphs_note(md, topic);
    let mut at = 0;
    while let Some(chart) = charts.get(at) {
        at += 1;
        match chart {
            ChartOutcome::Drawn(chart) => {
                let _ = writeln!(md, "### {}\n", escape(&chart.title));
                let _ = writeln!(
                    md,
                    "![{}](charts/{}.svg)\n",
                    escape(&chart.title),
                    chart.stem
                );
                let _ = writeln!(
                    md,
                    "*How to read it:* {} PNG for print: [charts/{stem}.png](charts/{stem}.png).\n",
                    chart.caption,
                    stem = chart.stem
                );
            }
            ChartOutcome::Skipped { stem, .. } => {
                // Several charts of one kind not drawn (one per question or analysis): one
                // item with the first reasons under it.
                let reasons: Vec<&str> = charts[at - 1..]
                    .iter()
                    .map_while(|next| match next {
                        ChartOutcome::Skipped { stem: same, reason } if same == stem => {
                            Some(reason.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                at += reasons.len() - 1;
                if let [reason] = reasons[..] {
                    let _ = writeln!(md, "- `{stem}` not drawn: {}.\n", escape(reason));
                    continue;
                }
                let _ = writeln!(md, "- `{stem}` not drawn for {} charts:", reasons.len());
                for reason in reasons.iter().take(MAX_SKIPPED_LISTED) {
                    let _ = writeln!(md, "  - {}.", escape(reason));
                }
                if reasons.len() > MAX_SKIPPED_LISTED {
                    let _ = writeln!(
                        md,
                        "  - …and {} more.",
                        grouped((reasons.len() - MAX_SKIPPED_LISTED) as u64)
                    );
                }
                md.push('\n');
            }
        }
    }
}

fn swim_section(md: &mut String, swim: &[SwimItem]) {
    let _ = writeln!(md, "## SWiM reporting checklist\n");
    let _ = writeln!(
        md,
        "What this synthesis did for each item of the SWiM guideline (Campbell et al. BMJ 2020;368:l6890).\n"
    );
    let _ = writeln!(md, "| Item | What evsynth did |");
    let _ = writeln!(md, "|---|---|");
    for item in swim {
        let _ = writeln!(
            md,
            "| {}. {} | {} |",
            item.item,
            item.title,
            escape(&item.text)
        );
    }
    md.push('\n');
}

/// Renders the report README; `swim` is the SWiM checklist ([`crate::synthesis::swim::checklist`],
/// made once for the README and summary.json).
pub fn report_readme(
    registry: &Registry,
    synthesis: &Synthesis,
    charts: &[ChartOutcome],
    swim: &[SwimItem],
) -> String {
    let topic = &registry.topic;
    let mut md = String::new();
    preamble(&mut md, registry, synthesis);
    summary_of_findings(&mut md, topic, synthesis);
    let listed = listed_findings(registry, synthesis);
    let meta_by_question = synthesis.meta.by_question();
    let no_meta = QuestionMeta::default();
    for (question_synthesis, in_question) in synthesis.questions.iter().zip(&listed) {
        let meta = meta_by_question
            .get(question_synthesis.key.as_str())
            .unwrap_or(&no_meta);
        let question = &topic.questions[&question_synthesis.key];
        question_section(
            &mut md,
            topic,
            question,
            question_synthesis,
            meta,
            &synthesis.meta,
        );
        findings_section(&mut md, topic, question, question_synthesis, in_question);
        md.push('\n');
    }
    charts_section(&mut md, topic, charts);
    swim_section(&mut md, swim);
    studies_section(&mut md, registry, synthesis);
    md
}

/// The report's title, the topic's description, the registry it was made from (with its
/// hash and date), a sensitivity analysis's changes, and how directions and votes are read.
fn preamble(md: &mut String, registry: &Registry, synthesis: &Synthesis) {
    let topic = &registry.topic;
    let _ = writeln!(md, "# Evidence report: {}\n", escape(&topic.title));
    if !topic.description.is_empty() {
        let _ = writeln!(md, "{}\n", escape(topic.description.trim()));
    }
    let [findings_phrase, studies_phrase, participants_phrase] = synthesis.totals.phrases();
    let _ = writeln!(
        md,
        "Registry `{}/registry.csv` (SHA-256 `{}`), data as of {}: **{findings_phrase} from \
         {studies_phrase}, {participants_phrase}**. Generated by evsynth; do not edit by hand, run `evsynth report`.\n",
        registry.location.name, registry.sha256, topic.as_of,
    );
    let changes = synthesis.selection.describe();
    if !changes.is_empty() {
        let _ = writeln!(
            md,
            "> **Sensitivity analysis**, not the primary analysis: {}. {} findings left out.\n",
            changes.join("; "),
            synthesis.excluded_findings
        );
    }
    let _ = writeln!(
        md,
        "Direction is that of each finding's point estimate relative to its question's \
         hypothesis, whatever its statistical significance (SWiM; Campbell et al. BMJ \
         2020;368:l6890). Each study casts one vote per scope: the direction shared by at least \
         70% of its findings there, otherwise conflicting (Boon & Thomson 2021). The sign test \
         compares ▲ with ▼ votes against a 50:50 split; studies with no difference or \
         conflicting results are not in its n. Randomised, non-randomised and observational \
         studies are counted; case series and case reports are described, not counted; \
         systematic reviews are listed, never counted beside the studies they include.\n"
    );
}

/// A question's heading, hypothesis, vote count with its sentences, meta-analyses (`meta`, of
/// `all_meta`), systematic reviews and the direction tables by tier, outcome and form.
fn question_section(
    md: &mut String,
    topic: &Topic,
    question: &Question,
    question_synthesis: &QuestionSynthesis,
    meta: &QuestionMeta,
    all_meta: &MetaAnalyses,
) {
    let votes = &question_synthesis.votes;
    let _ = writeln!(
        md,
        "## {} (`{}`)\n",
        escape(&question.label),
        question_synthesis.key
    );
    let _ = writeln!(
        md,
        "Kind: {}. Hypothesis: {}. ▲ positive reads as *{}*, ▼ negative as *{}*.\n",
        question.kind,
        escape(&question.hypothesis),
        escape(&question.positive),
        escape(&question.negative)
    );
    let _ = writeln!(md, "### Vote count (one vote per study)\n");
    vote_table(md, topic, question, votes);
    let _ = writeln!(
        md,
        "{}\n",
        escape(&narrative::vote_sentence(question, &votes.overall))
    );
    let _ = writeln!(
        md,
        "{}\n",
        escape(&narrative::leave_one_out_sentence(&votes.leave_one_out))
    );
    meta_section(md, topic, meta, all_meta);
    let reviews: Vec<String> = votes
        .studies
        .iter()
        .filter(|v| v.tier == Tier::Review)
        .map(|v| {
            format!(
                "{} ({})",
                escape(&v.study_id),
                escape(question.direction_label(v.direction))
            )
        })
        .collect();
    if !reviews.is_empty() {
        let _ = writeln!(
            md,
            "Systematic reviews, listed but not counted: {}.\n",
            reviews.join(", ")
        );
    }

    let _ = writeln!(md, "### Findings by design tier\n");
    let _ = writeln!(
        md,
        "Cells give findings (studies, participants); participants count each study once per \
         cell, with its largest n.\n"
    );
    direction_table(
        md,
        "Design tier",
        &question_synthesis.tiers,
        question,
        &tier_label,
    );
    let _ = writeln!(md, "### Findings by outcome\n");
    direction_table(
        md,
        "Outcome",
        &question_synthesis.outcomes,
        question,
        &|k| escape(topic.outcome_label(k)),
    );
    let _ = writeln!(md, "### Findings by form\n");
    direction_table(md, "Form", &question_synthesis.forms, question, &|k| {
        escape(topic.form_label(k))
    });
}

/// The question's findings (`in_question`, those listed), and how many more the tables hold.
fn findings_section(
    md: &mut String,
    topic: &Topic,
    question: &Question,
    question_synthesis: &QuestionSynthesis,
    in_question: &[&Finding],
) {
    let _ = writeln!(md, "### Findings\n");
    let _ = writeln!(
        md,
        "| Study | Design | n | Outcome | Direction | Significant | p |"
    );
    let _ = writeln!(md, "|---|---|---:|---|---|---|---|");
    for f in in_question {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} {} | {} | {} |",
            escape(&f.study.id),
            f.study.design.label(),
            f.n().map_or_else(|| "–".to_string(), |n| n.to_string()),
            escape(topic.outcome_label(f.keys.outcome())),
            f.direction.symbol(),
            escape(question.direction_label(f.direction)),
            f.significant.map_or("–", |s| s.key()),
            f.p_value
                .get()
                .map_or_else(|| "–".to_string(), |p| escape(&p.to_string())),
        );
    }
    let in_all = question_synthesis.findings() as usize;
    if in_all > in_question.len() {
        let _ = writeln!(
            md,
            "\n…and {} more findings: every finding is in [tables/findings.csv](tables/findings.csv).",
            grouped((in_all - in_question.len()) as u64)
        );
    }
}

/// The studies (the first [`MAX_LISTED`]) with citation, design, n, identifiers and record
/// confidence, and links to the tables.
fn studies_section(md: &mut String, registry: &Registry, synthesis: &Synthesis) {
    let _ = writeln!(md, "## Studies\n");
    let _ = writeln!(
        md,
        "| Study | Citation | Design | n | Identifiers | Record confidence |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---|---|");
    let all_studies = &synthesis.studies;
    for study in all_studies.iter().take(MAX_LISTED) {
        let first = &registry.findings[study.first];
        let n = match (study.max_n(), first.study.k_studies) {
            (Some(n), _) => n.to_string(),
            (None, Some(k)) => counted(k, "study", "studies"),
            (None, None) => "–".to_string(),
        };
        let mut ids = Vec::new();
        if let Some(doi) = &first.study.doi {
            ids.push(format!(
                "[doi:{}](https://doi.org/{})",
                escape(doi),
                escape_url(doi)
            ));
        }
        if let Some(pmid) = &first.study.pmid {
            ids.push(format!(
                "[PMID {pmid}](https://pubmed.ncbi.nlm.nih.gov/{pmid}/)"
            ));
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&first.study.id),
            escape(&first.study.citation),
            first.study.design.label(),
            n,
            if ids.is_empty() {
                "not verified".to_string()
            } else {
                ids.join(" ")
            },
            first.study.confidence.map_or("–", |c| c.key())
        );
    }
    if all_studies.len() > MAX_LISTED {
        let _ = writeln!(
            md,
            "\n…and {} more studies: every study is in [tables/studies.csv](tables/studies.csv).",
            grouped((all_studies.len() - MAX_LISTED) as u64)
        );
    }
    let _ = writeln!(
        md,
        "\nTables as CSV: {}. Every number above, machine-readable: [summary.json](summary.json).",
        crate::tables::TABLES
            .iter()
            .map(|t| format!("[{0}.csv](tables/{0}.csv)", t.stem))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// Percent-encodes characters that would end a Markdown link target.
fn escape_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | ')' | ' ' | '<' | '>' | '"' | '\\' | '|' | '[' | ']' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_registry_text_is_neutralised() {
        assert_eq!(
            escape("<script>a|b</script>"),
            "&lt;script&gt;a\\|b&lt;/script&gt;"
        );
        assert_eq!(escape("*x* [y](z)"), "\\*x\\* \\[y\\](z)");
        assert_eq!(escape_url("10.1000/a(b)"), "10.1000/a%28b%29");
    }

    /// Charts of one kind not drawn are listed under one item, the first ten reasons; a lone
    /// one stays a single item; a drawn chart between them ends a run.
    #[test]
    fn charts_not_drawn_are_grouped_by_kind() {
        let skipped = |stem: &'static str, i: usize| ChartOutcome::Skipped {
            stem,
            reason: format!("{stem}-q{i}: too large"),
        };
        let mut charts: Vec<ChartOutcome> = (0..12).map(|i| skipped("forest", i)).collect();
        charts.push(ChartOutcome::Drawn(crate::charts::RenderedChart {
            stem: "forest-q12".to_string(),
            caption: "How.".to_string(),
            title: "Forest q12".to_string(),
            svg: String::new(),
            png: Vec::new(),
        }));
        charts.push(skipped("forest", 13));
        charts.push(skipped("funnel", 0));
        let mut md = String::new();
        let registry = crate::synthesis::test_rows::shipped();
        charts_section(&mut md, &registry.topic, &charts);
        let reasons: String = (0..10)
            .map(|i| format!("  - forest-q{i}: too large.\n"))
            .collect();
        assert_eq!(
            md,
            format!(
                "## Charts\n\n- `forest` not drawn for 12 charts:\n{reasons}  - …and 2 more.\n\n\
                 ### Forest q12\n\n![Forest q12](charts/forest-q12.svg)\n\n\
                 *How to read it:* How. PNG for print: [charts/forest-q12.png](charts/forest-q12.png).\n\n\
                 - `forest` not drawn: forest-q13: too large.\n\n\
                 - `funnel` not drawn: funnel-q0: too large.\n\n"
            )
        );
    }

    /// Characters the charts' font cannot draw are named, per `topic.toml` text, above the
    /// charts (they are drawn as empty boxes); the shipped topic, all Latin, gets no note.
    #[test]
    fn characters_the_charts_cannot_draw_are_named() {
        let registry = crate::synthesis::test_rows::shipped();
        let mut md = String::new();
        glyphs_note(&mut md, &registry.topic);
        assert_eq!(md, "");
        let mut topic = registry.topic.clone();
        topic.title = "镁与不宁腿综合征 Magnesium 🦵 — é ß".to_string();
        topic
            .forms
            .insert("citrate".to_string(), "柠檬酸镁一二三四五六七".to_string());
        glyphs_note(&mut md, &topic);
        assert_eq!(
            md,
            "*Note:* the charts draw text with their embedded font, DejaVu Sans, which has no \
             glyph for some characters of `topic.toml`: `title` (镁与不宁腿综合征 and 1 more), \
             `forms.citrate` (柠檬酸镁一二三四 and 3 more). The charts show them as empty boxes; \
             this page shows them as written.\n\n"
        );
    }
}
