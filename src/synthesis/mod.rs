//! Synthesis: aggregation of findings into the numbers a report shows (polars for the
//! aggregation, plain f64 functions for the statistics).

pub mod cells;
pub mod certainty;
pub mod counts;
pub mod direction_table;
pub mod effects;
pub mod egger;
pub mod meta;
pub mod narrative;
pub mod pool;
pub mod reml;
pub mod selection;
pub mod special;
pub mod studies;
pub mod study_groups;
pub mod study_votes;
pub mod swim;
pub mod vote_count;
pub mod votes;

use std::collections::HashMap;

use crate::error::Error;
use crate::frame::{self, FindingKeys, FindingsFrame};
use crate::model::Tier;
use crate::registry::Registry;
use counts::CellCount;
use direction_table::{DirectionTable, Rows, direction_tables};
use polars::prelude::PolarsResult;
use rayon::prelude::*;
use selection::Selection;
use studies::{StudyRows, study_rows};
use study_groups::StudyGroups;
use study_votes::{StudyVote, outcome_vote_counts, study_votes};
use vote_count::{LeaveOneOut, VoteCount, count_votes, leave_one_out};

/// Everything a report shows, computed once per topic.
#[derive(Debug, Clone)]
pub struct Synthesis {
    /// The analysis options.
    pub selection: Selection,
    /// Findings left out by the selection.
    pub excluded_findings: usize,
    /// The synthesised findings: count, distinct studies, participants (each study once).
    pub totals: CellCount,
    /// One entry per question, in topic order.
    pub questions: Vec<QuestionSynthesis>,
    /// Pooled effect sizes where the data allow, and what could not be pooled.
    pub meta: meta::MetaAnalyses,
    /// Certainty of evidence per question × outcome.
    pub certainty: Vec<certainty::Certainty>,
    /// The studies in first-appearance order, with their rows' count and largest n.
    pub studies: Vec<StudyRows>,
    /// Each finding's question, form and outcome codes, for the charts.
    pub keys: FindingKeys,
}

impl Synthesis {
    /// The questions with at least one finding, in topic order.
    pub fn questions_with_findings(&self) -> impl Iterator<Item = &QuestionSynthesis> {
        self.questions.iter().filter(|q| q.findings() > 0)
    }

    /// The outcomes with findings that the summary of findings does not rate, as no counted
    /// study reports them (only case reports, case series or reviews), each with its question,
    /// in topic order.
    pub fn unrated_outcomes(&self) -> Vec<(&QuestionSynthesis, &direction_table::DirectionRow)> {
        let rated: std::collections::HashSet<(&str, &str)> = self
            .certainty
            .iter()
            .map(|c| (c.question.as_str(), c.outcome.as_str()))
            .collect();
        self.questions_with_findings()
            .flat_map(|q| {
                q.outcomes
                    .rows
                    .iter()
                    .filter(|row| !rated.contains(&(q.key.as_str(), row.key.as_str())))
                    .map(move |row| (q, row))
            })
            .collect()
    }
}

/// The synthesis of one question.
#[derive(Debug, Clone)]
pub struct QuestionSynthesis {
    /// The question key.
    pub key: String,
    /// Findings by design tier × direction (every tier listed).
    pub tiers: DirectionTable,
    /// Findings by form × direction (forms with findings).
    pub forms: DirectionTable,
    /// Findings by outcome × direction (outcomes with findings).
    pub outcomes: DirectionTable,
    /// Vote counts.
    pub votes: QuestionVotes,
}

impl QuestionSynthesis {
    /// The question's findings, every design tier included.
    pub fn findings(&self) -> u32 {
        self.tiers.total.findings
    }
}

/// Vote counts of a question: overall, per tier, per outcome domain, and leave-one-out.
#[derive(Debug, Clone)]
pub struct QuestionVotes {
    /// Votes of the counted tiers, one per study (70% rule across its findings).
    pub overall: VoteCount,
    /// Per tier (reviews excluded), with whether the tier is counted in `overall`.
    pub by_tier: Vec<TierVotes>,
    /// Per outcome domain, counted tiers only, outcomes in topic order.
    pub by_outcome: Vec<(String, VoteCount)>,
    /// `overall` recounted without each counted study.
    pub leave_one_out: Vec<LeaveOneOut>,
    /// Every study's vote on the question, counted or not, by study id.
    pub studies: Vec<StudyVote>,
}

/// The votes of one design tier.
#[derive(Debug, Clone)]
pub struct TierVotes {
    /// The tier.
    pub tier: Tier,
    /// True if the tier's votes enter the overall count.
    pub counted: bool,
    /// Its count.
    pub votes: VoteCount,
}

impl Registry {
    /// The registry restricted to the findings a selection keeps, and how many it left out.
    /// Borrowed, not copied, when every finding is kept (the primary analysis).
    pub fn select(&self, selection: &Selection) -> (std::borrow::Cow<'_, Registry>, usize) {
        // Asked without looking at the findings first: a pass over a million of them reads
        // every study.
        if selection.keeps_every_finding() || self.findings.iter().all(|f| selection.keeps(f)) {
            return (std::borrow::Cow::Borrowed(self), 0);
        }
        let mut selected = self.clone();
        selected.findings.retain(|f| selection.keeps(f));
        selected.studies = crate::registry::StudyIndex::of(&selected.findings);
        let excluded = self.findings.len() - selected.findings.len();
        (std::borrow::Cow::Owned(selected), excluded)
    }
}

/// Aggregates a (selected) registry.
pub fn synthesise(
    registry: &Registry,
    selection: &Selection,
    excluded_findings: usize,
) -> Result<Synthesis, Error> {
    let topic = &registry.topic;
    // Meta-analysis and certainty read the findings directly: they run beside the frame and
    // the polars aggregation, which leave a core idle part of the time.
    let (aggregated, (meta, certainty, studies)) = rayon::join(
        || aggregate(registry, selection),
        || {
            let _phase = crate::timing::phase("meta-analysis, certainty, studies");
            let cells = cells::by_question_and_outcome(topic, &registry.findings);
            let meta = meta::meta_analyses(&cells, selection.pooling);
            let certainty = certainty::certainty(topic, &cells, selection, &meta);
            // The cells are freed before the list of studies is made: this side's end is the
            // report's peak of memory.
            drop(cells);
            let studies = study_rows(&registry.findings, &registry.studies);
            (meta, certainty, studies)
        },
    );
    let Aggregated {
        tiers,
        forms,
        outcomes,
        mut per_question,
        per_outcome,
        totals,
        keys,
    } = aggregated?;
    let _phase = crate::timing::phase("vote counts");
    let outcome_keys: Vec<&str> = topic.outcomes.keys().map(String::as_str).collect();
    let outcomes_voted = outcomes_voted(&outcome_keys, &per_outcome);
    // Each question's votes are counted on a core of their own (a million findings: 11 ms in
    // all, on one core, between the synthesis and the tables).
    let per_question: Vec<_> = topic
        .questions
        .keys()
        .zip(tiers.into_iter().zip(forms).zip(outcomes))
        .map(|(key, tables)| {
            let studies = per_question.remove(&vec![key.clone()]).unwrap_or_default();
            (key, tables, studies)
        })
        .collect();
    let questions = per_question
        .into_par_iter()
        .map(|(key, ((tiers, forms), outcomes), studies)| {
            let counted: Vec<&StudyVote> = studies
                .iter()
                .filter(|v| selection.counts_tier(v.tier))
                .collect();
            let overall = count_votes(counted.iter().copied());
            let by_tier = Tier::ALL
                .iter()
                .filter(|t| **t != Tier::Review)
                .map(|tier| {
                    let counted = selection.counts_tier(*tier);
                    let votes = count_votes(studies.iter().filter(|v| v.tier == *tier));
                    TierVotes {
                        tier: *tier,
                        counted,
                        votes: if counted {
                            votes
                        } else {
                            votes.described_only()
                        },
                    }
                })
                .collect();
            let by_outcome = outcomes_voted
                .get(key.as_str())
                .map(|voted| {
                    voted
                        .iter()
                        .map(|(at, count)| (outcome_keys[*at].to_string(), (*count).clone()))
                        .collect()
                })
                .unwrap_or_default();
            QuestionSynthesis {
                key: key.clone(),
                tiers,
                forms,
                outcomes,
                votes: QuestionVotes {
                    leave_one_out: leave_one_out(counted.iter().copied(), &overall),
                    overall,
                    by_tier,
                    by_outcome,
                    studies,
                },
            }
        })
        .collect();
    Ok(Synthesis {
        selection: selection.clone(),
        excluded_findings,
        totals,
        questions,
        certainty,
        meta,
        studies,
        keys,
    })
}

/// For each question, the outcomes with votes (positions in `outcome_keys`, in that order)
/// and their counts, from the counts per (question, outcome): looking every outcome up for
/// every question was quadratic in a topic of many of both.
fn outcomes_voted<'c>(
    outcome_keys: &[&str],
    per_outcome: &'c HashMap<Vec<String>, VoteCount>,
) -> HashMap<&'c str, Vec<(usize, &'c VoteCount)>> {
    let position: HashMap<&str, usize> = outcome_keys
        .iter()
        .enumerate()
        .map(|(i, key)| (*key, i))
        .collect();
    let mut voted: HashMap<&str, Vec<(usize, &VoteCount)>> = HashMap::new();
    for (cell, count) in per_outcome {
        if let [question, outcome] = cell.as_slice()
            && count.studies > 0
            && let Some(at) = position.get(outcome.as_str())
        {
            voted
                .entry(question.as_str())
                .or_default()
                .push((*at, count));
        }
    }
    for outcomes in voted.values_mut() {
        outcomes.sort_unstable_by_key(|(at, _)| *at);
    }
    voted
}

/// The polars aggregation of a registry: direction tables, study votes, totals.
struct Aggregated {
    tiers: Vec<DirectionTable>,
    forms: Vec<DirectionTable>,
    outcomes: Vec<DirectionTable>,
    per_question: HashMap<Vec<String>, Vec<StudyVote>>,
    per_outcome: HashMap<Vec<String>, VoteCount>,
    totals: CellCount,
    keys: FindingKeys,
}

fn aggregate(registry: &Registry, selection: &Selection) -> Result<Aggregated, Error> {
    let topic = &registry.topic;
    let phase = crate::timing::phase("build frame");
    let findings = frame::findings_frame(topic, &registry.findings, &registry.studies)?;
    drop(phase);
    let _phase = crate::timing::phase("aggregate (polars)");
    let tier_keys: Vec<&str> = Tier::ALL.iter().map(|t| t.key()).collect();
    let form_keys = topic.form_keys();
    let outcome_keys: Vec<&str> = topic.outcomes.keys().map(String::as_str).collect();
    let dimensions = [
        (frame::TIER, Rows::All(&tier_keys)),
        (frame::FORM, Rows::Present(&form_keys)),
        (frame::OUTCOME, Rows::Present(&outcome_keys)),
    ];
    // The polars group-bys of the findings first, then the counts folded from the question ×
    // study groups, the study votes and the totals, after which the groups are dropped: the
    // groups are never held beside a group-by of the findings (at ten million findings, 160 MB
    // beside the largest one's own memory).
    let key_sets = direction_table::key_sets(&dimensions);
    let mut counted: Vec<Option<direction_table::Cells>> = key_sets
        .iter()
        .map(|keys| {
            (!StudyGroups::folds(keys))
                .then(|| counts::count_by(&findings, keys))
                .transpose()
        })
        .collect::<PolarsResult<_>>()?;
    let per_outcome = outcome_vote_counts(&findings, |tier| selection.counts_tier(tier))?;
    // The frame's columns are not read again: the groups take them and free them as they are
    // read, before the passes over the groups.
    let FindingsFrame {
        frame: columns,
        codes,
        keys,
    } = findings;
    let groups = StudyGroups::of(columns, &codes)?;
    // Three independent passes over the groups, side by side: the counts (the longest, 85 ms
    // at a million findings), and the study votes with the totals (40 ms).
    let (folded, (per_question, totals)) = rayon::join(
        || groups.count_by(&codes, &key_sets),
        || {
            (
                study_votes(&codes, &groups),
                groups.totals(codes.len(frame::STUDY_ID)),
            )
        },
    );
    for (cells, folded) in counted.iter_mut().zip(folded) {
        if cells.is_none() {
            *cells = folded;
        }
    }
    drop(groups);
    let mut tables = direction_tables(
        topic,
        &dimensions,
        counted.into_iter().map(Option::unwrap_or_default).collect(),
    )
    .into_iter();
    Ok(Aggregated {
        tiers: tables.next().unwrap_or_default(),
        forms: tables.next().unwrap_or_default(),
        outcomes: tables.next().unwrap_or_default(),
        per_question,
        per_outcome,
        totals,
        keys,
    })
}

/// Valid findings for property tests: the shipped topic and its first row, varied.
#[cfg(test)]
pub(crate) mod test_rows {
    use proptest::prelude::*;

    use crate::model::{Design, Direction};
    use crate::registry::finding::{RowKeys, Text};
    use crate::registry::{Finding, Registry};

    /// One row to make: (study, question, form, outcome, direction, n) picks.
    pub type Pick = (u8, usize, usize, usize, usize, u32);

    /// Up to 120 picks over 12 studies, so studies have several rows that share and differ in
    /// question, form, outcome and direction.
    pub fn picks() -> impl Strategy<Value = Vec<Pick>> {
        prop::collection::vec(
            (
                0u8..12,
                0usize..2,
                0usize..8,
                0usize..8,
                0usize..4,
                1u32..500,
            ),
            1..120,
        )
    }

    /// The shipped registry (its topic and rows to vary).
    pub fn shipped() -> Registry {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");
        let location = crate::registry::TopicLocation::of_dir(std::path::Path::new(dir));
        crate::registry::load(&location).unwrap()
    }

    /// Rows from (study, question, form, outcome, direction, n) picks, each study with a
    /// design of its own; a pick repeating a study's outcome is left out (one row per study and
    /// outcome, as validation requires).
    pub fn findings(registry: &Registry, picks: &[Pick]) -> Vec<Finding> {
        let topic = &registry.topic;
        let questions: Vec<&String> = topic.questions.keys().collect();
        let forms = topic.form_keys();
        let outcomes: Vec<&String> = topic.outcomes.keys().collect();
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::new();
        for &(study, question, form, outcome, direction, n) in picks {
            let outcome = outcomes[outcome % outcomes.len()];
            if !seen.insert((study, outcome)) {
                continue;
            }
            let mut f = registry.findings[0].clone();
            f.line = rows.len() as u64 + 2;
            std::sync::Arc::make_mut(&mut f.study).id = Text::from(format!("s{study}"));
            std::sync::Arc::make_mut(&mut f.study).design =
                Design::ALL[usize::from(study) % Design::ALL.len()];
            f.keys = std::sync::Arc::new(RowKeys::coded(
                topic,
                Text::from(questions[question % questions.len()].as_str()),
                Text::from(forms[form % forms.len()]),
                Text::from(outcome.clone()),
            ));
            f.direction = Direction::ALL[direction % Direction::ALL.len()];
            f.participants = std::num::NonZeroU32::new(n).filter(|_| n % 7 != 0);
            rows.push(f);
        }
        rows
    }
}
