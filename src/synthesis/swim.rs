//! The SWiM reporting checklist (Campbell et al., BMJ 2020;368:l6890): for each of its nine
//! items, what evsynth did for this topic, filled from the data and topic.toml.

use serde::Serialize;

use crate::model::Confidence;
use crate::numbers::{counted, grouped};
use crate::registry::Registry;
use crate::synthesis::Synthesis;
use crate::synthesis::certainty::Level;
use crate::synthesis::narrative::model_label;

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwimItem {
    /// Item number, 1-9.
    pub item: u8,
    /// SWiM's name for the item.
    pub title: &'static str,
    /// What was done.
    pub text: String,
}

/// Fills the nine SWiM items. `charts` names the charts drawn.
pub fn checklist(registry: &Registry, synthesis: &Synthesis, charts: &[String]) -> Vec<SwimItem> {
    let topic = &registry.topic;
    let questions: Vec<String> = topic
        .questions
        .iter()
        .map(|(key, q)| format!("{} ({}, {})", q.label, key, q.kind))
        .collect();
    // The outcomes with findings in some question, from the synthesis's outcome tables (not a
    // pass over the findings per outcome).
    let used: std::collections::HashSet<&str> = synthesis
        .questions
        .iter()
        .flat_map(|q| &q.outcomes.rows)
        .filter(|row| row.total.findings > 0)
        .map(|row| row.key.as_str())
        .collect();
    let outcomes_used = counted(
        topic
            .outcomes
            .keys()
            .filter(|o| used.contains(o.as_str()))
            .count() as u64,
        "domain",
        "domains",
    );
    let with_estimates = counted(
        synthesis.meta.findings_with_estimates as u64,
        "finding",
        "findings",
    );
    let pooled = counted(synthesis.meta.analyses.len() as u64, "analysis", "analyses");
    let counted_votes: Vec<_> = synthesis
        .questions
        .iter()
        .flat_map(|q| q.votes.studies.iter())
        .filter(|v| synthesis.selection.counts_tier(v.tier))
        .collect();
    let small = counted_votes
        .iter()
        .filter(|v| v.n.is_some_and(|n| n < 50))
        .count();
    // From the studies' tallies (a study's confidence is the same on all its rows), not
    // passes over the findings.
    let assessed: u64 = synthesis
        .studies
        .iter()
        .map(|s| u64::from(s.assessed))
        .sum();
    let low_confidence: Vec<&str> = synthesis
        .studies
        .iter()
        .map(|s| &registry.findings[s.first].study)
        .filter(|study| study.confidence == Some(Confidence::Low))
        .map(|study| study.id.as_str())
        .collect();
    let levels: Vec<String> = [Level::High, Level::Moderate, Level::Low, Level::VeryLow]
        .iter()
        .map(|level| {
            let n = synthesis
                .certainty
                .iter()
                .filter(|c| c.level == *level)
                .count();
            format!("{} {}", n, level.label().to_lowercase())
        })
        .collect();
    let sensitivity = synthesis.selection.describe();
    vec![
        SwimItem {
            item: 1,
            title: "Grouping studies for synthesis",
            text: format!(
                "Findings are grouped by question — {} — and by outcome domain ({} with findings). Intervention and association questions are never combined; directions are coded against each question's hypothesis.",
                questions.join("; "),
                outcomes_used
            ),
        },
        SwimItem {
            item: 2,
            title: "Standardised metric used",
            text: format!(
                "Direction of effect of each finding's point estimate (positive, no difference, negative, conflicting), whatever its significance; one vote per study and domain by the 70% rule. Effect sizes as metafor's escalc where arm-level data or estimates exist: {with_estimates}."
            ),
        },
        SwimItem {
            item: 3,
            title: "Synthesis method",
            text: format!(
                "Vote counting with the exact two-sided sign test, its smallest attainable p and a Wilson 95% interval for the share of positive votes. Meta-analysis ({}) where an outcome has two or more comparable estimates: {}.",
                model_label(synthesis.meta.options),
                pooled
            ),
        },
        SwimItem {
            item: 4,
            title: "Criteria used to prioritise results",
            text: "Evidence tiers: randomised trials, then non-randomised and single-arm trials, then observational studies; each tier is also counted separately. Case series and case reports are described, not counted; systematic reviews are listed, never counted beside the studies they include.".to_string(),
        },
        SwimItem {
            item: 5,
            title: "Investigation of heterogeneity in reported effects",
            text: format!(
                "Votes are shown per design tier and per outcome domain; leave-one-out names any study that decides the majority; pooled analyses report τ², I², Q and a prediction interval. Sensitivity analysis in this run: {}.",
                if sensitivity.is_empty() { "none (primary analysis)".to_string() } else { sensitivity.join("; ") }
            ),
        },
        SwimItem {
            item: 6,
            title: "Certainty of evidence",
            text: format!(
                "GRADE adapted for narrative synthesis (Murad et al. 2017): start high with randomised evidence, low otherwise; downgrade for risk of bias, inconsistency of directions, imprecision (total n ≤ 400, single study), publication-bias signal (only small positive studies); indirectness from topic.toml. Ratings: {} question × outcome combinations.",
                levels.join(", ")
            ),
        },
        SwimItem {
            item: 7,
            title: "Data presentation methods",
            text: format!(
                "Tables of findings, studies and participants by design tier, outcome and form; vote-count tables; a summary of findings table. Charts: {}.",
                if charts.is_empty() { "none".to_string() } else { charts.join(", ") }
            ),
        },
        SwimItem {
            item: 8,
            title: "Reporting results",
            text: "Each vote count is followed by a plain-language reading of what it shows and what it cannot; every number is also in summary.json with the registry's SHA-256, so a report can be traced to its input.".to_string(),
        },
        SwimItem {
            item: 9,
            title: "Limitations of the synthesis",
            text: format!(
                "Vote counting ignores the size of effects and of studies: {} of {} counted studies {} fewer than 50 participants. Risk of bias is recorded for {} of {}. Records with low verification confidence: {}. With few studies the sign test cannot reach significance; the smallest attainable p is reported beside every test.",
                grouped(small as u64),
                grouped(counted_votes.len() as u64),
                if small == 1 { "has" } else { "have" },
                grouped(assessed),
                counted(registry.findings.len() as u64, "finding", "findings"),
                named_studies(low_confidence)
            ),
        },
    ]
}

/// Studies named in a SWiM item at most; the rest are counted (`tables/studies.csv` lists
/// every study's confidence), so the item stays a sentence in a registry of any size.
const NAMED_IN_ITEM: usize = 20;

/// The distinct study ids `ids` in order, the first [`NAMED_IN_ITEM`] by name; "none" when
/// there are none. Only the named ones are sorted (a registry can have 300,000 to count).
fn named_studies(mut ids: Vec<&str>) -> String {
    if ids.is_empty() {
        return "none".to_string();
    }
    if ids.len() > NAMED_IN_ITEM {
        ids.select_nth_unstable(NAMED_IN_ITEM);
    }
    let mut named: Vec<&str> = ids.iter().take(NAMED_IN_ITEM).copied().collect();
    named.sort_unstable();
    let rest = ids.len() - named.len();
    if rest == 0 {
        named.join(", ")
    } else {
        format!(
            "{} and {rest} more (tables/studies.csv gives each study's confidence)",
            named.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_of_studies_are_cut_to_a_sentence() {
        assert_eq!(named_studies(vec!["b_2", "a_1"]), "a_1, b_2");
        assert_eq!(named_studies(Vec::new()), "none");
        // In reverse order: the first twenty by id are named.
        let ids: Vec<String> = (0..25).rev().map(|i| format!("s{i:02}")).collect();
        let text = named_studies(ids.iter().map(String::as_str).collect());
        assert!(text.starts_with("s00, s01, "), "{text}");
        assert!(
            text.ends_with("s19 and 5 more (tables/studies.csv gives each study's confidence)"),
            "{text}"
        );
    }
}
