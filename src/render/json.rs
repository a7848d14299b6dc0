//! `summary.json`: every number the Markdown report shows, machine-readable. Keys appear in a
//! fixed order (struct field order); the schema is documented in the README.

use serde::Serialize;

use crate::model::{Direction, QuestionKind, Tier};
use crate::registry::Registry;
use crate::synthesis::counts::CellCount;
use crate::synthesis::direction_table::DirectionTable;
use crate::synthesis::selection::Selection;
use crate::synthesis::swim::SwimItem;
use crate::synthesis::vote_count::{LeaveOneOut, Majority, VoteCount};
use crate::synthesis::{Synthesis, narrative};

/// Version of the summary.json layout; bumped when keys change meaning.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Serialize)]
struct Summary<'a> {
    schema_version: u32,
    evsynth_version: &'static str,
    topic: TopicInfo<'a>,
    registry: RegistryInfo<'a>,
    selection: &'a Selection,
    excluded_findings: usize,
    totals: CellCount,
    questions: Vec<QuestionSummary<'a>>,
    meta_analysis: &'a crate::synthesis::meta::MetaAnalyses,
    certainty: &'a [crate::synthesis::certainty::Certainty],
    unrated_outcomes: Vec<UnratedJson<'a>>,
    swim: &'a [SwimItem],
}

/// An outcome with findings that `certainty` does not rate (no counted study reports it).
#[derive(Serialize)]
struct UnratedJson<'a> {
    question: &'a str,
    outcome: &'a str,
    totals: CellCount,
}

#[derive(Serialize)]
struct TopicInfo<'a> {
    name: &'a str,
    title: &'a str,
    as_of: &'a str,
}

#[derive(Serialize)]
struct RegistryInfo<'a> {
    file: String,
    sha256: &'a str,
}

#[derive(Serialize)]
struct QuestionSummary<'a> {
    key: &'a str,
    label: &'a str,
    kind: QuestionKind,
    hypothesis: &'a str,
    positive_reads: &'a str,
    negative_reads: &'a str,
    totals: CellCount,
    votes: Votes<'a>,
    by_tier: Vec<DirectionRowJson<'a>>,
    by_outcome: Vec<DirectionRowJson<'a>>,
    by_form: Vec<DirectionRowJson<'a>>,
}

#[derive(Serialize)]
struct Votes<'a> {
    overall: VoteJson,
    reading: String,
    by_tier: Vec<TierVoteJson>,
    by_outcome: Vec<OutcomeVoteJson<'a>>,
    leave_one_out: &'a [LeaveOneOut],
    leave_one_out_reading: String,
}

#[derive(Serialize)]
struct VoteJson {
    studies: u32,
    positive: u32,
    none: u32,
    negative: u32,
    conflicting: u32,
    participants: u64,
    with_direction: u32,
    proportion_positive: Option<f64>,
    wilson_low: Option<f64>,
    wilson_high: Option<f64>,
    sign_test_p: Option<f64>,
    sign_test_p_display: Option<String>,
    min_attainable_p: Option<f64>,
    majority: Majority,
}

impl From<&VoteCount> for VoteJson {
    fn from(votes: &VoteCount) -> VoteJson {
        VoteJson {
            studies: votes.studies,
            positive: votes.count(Direction::Positive),
            none: votes.count(Direction::None),
            negative: votes.count(Direction::Negative),
            conflicting: votes.count(Direction::Conflicting),
            participants: votes.participants,
            with_direction: votes.with_direction,
            proportion_positive: votes.proportion.map(|p| p.estimate),
            wilson_low: votes.proportion.map(|p| p.low),
            wilson_high: votes.proportion.map(|p| p.high),
            sign_test_p: votes.sign_test.map(|p| p.value()),
            sign_test_p_display: votes.sign_test.map(|p| p.display()),
            min_attainable_p: votes.min_attainable_p.map(|p| p.value()),
            majority: votes.majority,
        }
    }
}

#[derive(Serialize)]
struct TierVoteJson {
    tier: Tier,
    counted: bool,
    votes: VoteJson,
}

#[derive(Serialize)]
struct OutcomeVoteJson<'a> {
    outcome: &'a str,
    votes: VoteJson,
}

#[derive(Serialize)]
struct DirectionRowJson<'a> {
    key: &'a str,
    positive: CellCount,
    none: CellCount,
    negative: CellCount,
    conflicting: CellCount,
    total: CellCount,
}

fn rows(table: &DirectionTable) -> Vec<DirectionRowJson<'_>> {
    table
        .rows
        .iter()
        .map(|row| DirectionRowJson {
            key: &row.key,
            positive: row.by_direction[Direction::Positive as usize],
            none: row.by_direction[Direction::None as usize],
            negative: row.by_direction[Direction::Negative as usize],
            conflicting: row.by_direction[Direction::Conflicting as usize],
            total: row.total,
        })
        .collect()
}

/// Serialises the synthesis of a registry as pretty JSON with a trailing newline; `swim` is the
/// SWiM checklist ([`crate::synthesis::swim::checklist`], made once for the README and this).
pub fn summary_json(registry: &Registry, synthesis: &Synthesis, swim: &[SwimItem]) -> String {
    let topic = &registry.topic;
    let questions = synthesis
        .questions
        .iter()
        .map(|q| {
            let question = &topic.questions[&q.key];
            QuestionSummary {
                key: &q.key,
                label: &question.label,
                kind: question.kind,
                hypothesis: &question.hypothesis,
                positive_reads: &question.positive,
                negative_reads: &question.negative,
                totals: q.tiers.total,
                votes: Votes {
                    overall: (&q.votes.overall).into(),
                    reading: narrative::vote_sentence(question, &q.votes.overall),
                    by_tier: q
                        .votes
                        .by_tier
                        .iter()
                        .map(|t| TierVoteJson {
                            tier: t.tier,
                            counted: t.counted,
                            votes: (&t.votes).into(),
                        })
                        .collect(),
                    by_outcome: q
                        .votes
                        .by_outcome
                        .iter()
                        .map(|(outcome, votes)| OutcomeVoteJson {
                            outcome,
                            votes: votes.into(),
                        })
                        .collect(),
                    leave_one_out: &q.votes.leave_one_out,
                    leave_one_out_reading: narrative::leave_one_out_sentence(
                        &q.votes.leave_one_out,
                    ),
                },
                by_tier: rows(&q.tiers),
                by_outcome: rows(&q.outcomes),
                by_form: rows(&q.forms),
            }
        })
        .collect();
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        evsynth_version: env!("CARGO_PKG_VERSION"),
        topic: TopicInfo {
            name: &registry.location.name,
            title: &topic.title,
            as_of: &topic.as_of,
        },
        registry: RegistryInfo {
            file: format!("{}/registry.csv", registry.location.name),
            sha256: &registry.sha256,
        },
        selection: &synthesis.selection,
        excluded_findings: synthesis.excluded_findings,
        totals: synthesis.totals,
        questions,
        meta_analysis: &synthesis.meta,
        certainty: &synthesis.certainty,
        unrated_outcomes: synthesis
            .unrated_outcomes()
            .into_iter()
            .map(|(q, row)| UnratedJson {
                question: &q.key,
                outcome: &row.key,
                totals: row.total,
            })
            .collect(),
        swim,
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    text.push('\n');
    text
}
