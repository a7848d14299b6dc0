//! Certainty of evidence per question × outcome: GRADE adapted for narrative synthesis (Murad
//! et al., Evid Based Med 2017;22:85-87). Start High when randomised evidence is counted, Low
//! otherwise; downgrade one level per serious concern, each with its reason computed from the
//! data; reviewers can override any domain in topic.toml with a written reason.

use serde::Serialize;

use std::collections::HashMap;

use crate::model::{Direction, RiskOfBias, Tier};
use crate::registry::Finding;
use crate::registry::topic::{CertaintyOverride, Domain, Topic};
use crate::synthesis::cells::QuestionOutcomeCells;
use crate::synthesis::meta::MetaAnalyses;
use crate::synthesis::selection::Selection;

/// GRADE certainty levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Very low.
    VeryLow,
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

impl Level {
    /// The level's name.
    pub fn label(self) -> &'static str {
        match self {
            Level::VeryLow => "Very low",
            Level::Low => "Low",
            Level::Moderate => "Moderate",
            Level::High => "High",
        }
    }

    /// GRADE symbols: ⊕⊕⊕⊕ High … ⊕◯◯◯ Very low.
    pub fn symbols(self) -> &'static str {
        match self {
            Level::VeryLow => "⊕◯◯◯",
            Level::Low => "⊕⊕◯◯",
            Level::Moderate => "⊕⊕⊕◯",
            Level::High => "⊕⊕⊕⊕",
        }
    }

    fn down(self, steps: u8) -> Level {
        let rank = (self as u8).saturating_sub(steps);
        [Level::VeryLow, Level::Low, Level::Moderate, Level::High][usize::from(rank)]
    }
}

/// One domain's judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// The domain.
    pub domain: Domain,
    /// Levels down (0, 1 or 2).
    pub downgrade: u8,
    /// Why, in words.
    pub reason: String,
    /// True if a reviewer set this in topic.toml.
    pub overridden: bool,
}

/// The certainty of one question × outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certainty {
    /// Question key.
    pub question: String,
    /// Outcome key.
    pub outcome: String,
    /// Counted studies.
    pub studies: usize,
    /// Participants in them (each study once).
    pub participants: u64,
    /// Where the rating started.
    pub start: Level,
    /// Every domain, in GRADE order.
    pub judgements: Vec<Judgement>,
    /// The resulting level.
    pub level: Level,
}

/// Studies below this size count as small for the publication-bias signal.
const SMALL_STUDY: u32 = 100;
/// Total participants at or below which evidence is imprecise (GRADE's optimal information
/// size rule of thumb for continuous outcomes).
const OPTIMAL_INFORMATION_SIZE: u64 = 400;

/// Rates every question × outcome that has counted studies.
pub fn certainty(
    topic: &Topic,
    cells: &QuestionOutcomeCells<'_>,
    selection: &Selection,
    meta: &MetaAnalyses,
) -> Vec<Certainty> {
    // The largest I² of each cell's analyses (one per effect measure), looked up once per
    // cell: a search of every analysis per cell was quadratic in a topic of many cells.
    let mut largest_i2: HashMap<(&str, &str), f64> = HashMap::new();
    for analysis in &meta.analyses {
        largest_i2
            .entry((&analysis.question, &analysis.outcome))
            .and_modify(|i2| *i2 = i2.max(analysis.pooled.i2))
            .or_insert(analysis.pooled.i2);
    }
    let mut ratings = Vec::new();
    for cell in cells.iter() {
        let (question, outcome) = (cell.question, cell.outcome);
        let tally = Tally::of(
            cell.findings()
                .filter(|f| selection.counts_tier(f.study.design.tier())),
        );
        if tally.studies == 0 {
            continue;
        }
        let i2 = largest_i2
            .get(&(question.as_str(), outcome.as_str()))
            .copied();
        ratings.push(rate(topic, question, outcome, &tally, i2));
    }
    ratings
}

/// What the judgements read from a cell's counted findings, gathered in one pass over them
/// (at a million findings, a pass per judgement took 50 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tally {
    /// Counted findings; (study_id, outcome) is unique, so each is one study.
    studies: usize,
    /// Participants summed over them (a finding without n adds 0).
    participants: u64,
    /// Whether any is randomised.
    randomised: bool,
    /// Participants in studies at high risk of bias, or single-arm trials not assessed.
    at_high_risk: u64,
    /// Findings whose risk of bias was assessed.
    assessed: usize,
    /// Findings with a positive direction.
    positive: usize,
    /// Findings with a negative direction.
    negative: usize,
    /// Whether every one gives n below [`SMALL_STUDY`].
    all_small: bool,
}

impl Tally {
    fn of<'a>(counted: impl Iterator<Item = &'a Finding>) -> Tally {
        let mut tally = Tally {
            studies: 0,
            participants: 0,
            randomised: false,
            at_high_risk: 0,
            assessed: 0,
            positive: 0,
            negative: 0,
            all_small: true,
        };
        for f in counted {
            let n = u64::from(f.n().unwrap_or(0));
            tally.studies += 1;
            tally.participants += n;
            tally.randomised |= f.study.design.tier() == Tier::Randomised;
            let high_risk = f.risk_of_bias == Some(RiskOfBias::High)
                || (f.risk_of_bias.is_none()
                    && f.study.design == crate::model::Design::SingleArmTrial);
            if high_risk {
                tally.at_high_risk += n;
            }
            tally.assessed += usize::from(f.risk_of_bias.is_some());
            tally.positive += usize::from(f.direction == Direction::Positive);
            tally.negative += usize::from(f.direction == Direction::Negative);
            tally.all_small &= f.n().is_some_and(|n| n < SMALL_STUDY);
        }
        tally
    }
}

fn rate(topic: &Topic, question: &str, outcome: &str, tally: &Tally, i2: Option<f64>) -> Certainty {
    let start = if tally.randomised {
        Level::High
    } else {
        Level::Low
    };
    let mut judgements = vec![
        risk_of_bias(tally),
        inconsistency(tally, i2),
        indirectness(),
        imprecision(tally.studies, tally.participants),
        publication_bias(tally),
    ];
    for judgement in &mut judgements {
        if let Some(o) = find_override(&topic.certainty, question, outcome, judgement.domain) {
            judgement.downgrade = o.downgrade;
            judgement.reason.clone_from(&o.reason);
            judgement.overridden = true;
        }
    }
    let total: u8 = judgements.iter().map(|j| j.downgrade).sum();
    Certainty {
        question: question.to_string(),
        outcome: outcome.to_string(),
        studies: tally.studies,
        participants: tally.participants,
        start,
        level: start.down(total),
        judgements,
    }
}

fn find_override<'a>(
    overrides: &'a [CertaintyOverride],
    question: &str,
    outcome: &str,
    domain: Domain,
) -> Option<&'a CertaintyOverride> {
    overrides.iter().find(|o| {
        o.question == question
            && o.domain == domain
            && o.outcome.as_deref().is_none_or(|x| x == outcome)
    })
}

fn judgement(domain: Domain, downgrade: u8, reason: String) -> Judgement {
    Judgement {
        domain,
        downgrade,
        reason,
        overridden: false,
    }
}

/// Serious if most participants are in studies at high risk of bias; uncontrolled single-arm
/// trials count as high risk when not assessed.
fn risk_of_bias(tally: &Tally) -> Judgement {
    let (at_high, participants) = (tally.at_high_risk, tally.participants);
    if participants > 0 && at_high * 2 > participants {
        return judgement(
            Domain::RiskOfBias,
            1,
            format!(
                "{at_high} of {participants} participants are in studies at high risk of bias or without a control group"
            ),
        );
    }
    if tally.assessed == 0 {
        return judgement(
            Domain::RiskOfBias,
            1,
            "risk of bias not assessed for any study".to_string(),
        );
    }
    judgement(Domain::RiskOfBias, 0, "no serious concern".to_string())
}

/// I² at or above which pooled estimates are seriously inconsistent (Cochrane Handbook
/// 10.10.2: "may represent considerable heterogeneity").
const SERIOUS_I2: f64 = 75.0;

/// Serious if positive and negative votes both make up at least a quarter of those with a
/// direction, or a pooled analysis of the outcome has I² ≥ 75%.
fn inconsistency(tally: &Tally, i2: Option<f64>) -> Judgement {
    if let Some(i2) = i2.filter(|i2| *i2 >= SERIOUS_I2) {
        return judgement(
            Domain::Inconsistency,
            1,
            format!("considerable heterogeneity among pooled estimates (I² = {i2:.0}%)"),
        );
    }
    let (positive, negative) = (tally.positive, tally.negative);
    let with_direction = positive + negative;
    if with_direction >= 2 && positive.min(negative) * 4 >= with_direction {
        return judgement(
            Domain::Inconsistency,
            1,
            format!("directions disagree: {positive} positive, {negative} negative"),
        );
    }
    if tally.studies == 1 {
        return judgement(
            Domain::Inconsistency,
            0,
            "single study: consistency cannot be judged".to_string(),
        );
    }
    judgement(Domain::Inconsistency, 0, "no serious concern".to_string())
}

fn indirectness() -> Judgement {
    judgement(
        Domain::Indirectness,
        0,
        "not judged from the data; set it in topic.toml if populations, forms or outcomes are indirect".to_string(),
    )
}

/// Serious when the total sample is at most 400; very serious when it is also one study.
fn imprecision(studies: usize, participants: u64) -> Judgement {
    match (studies, participants) {
        (1, n) if n <= OPTIMAL_INFORMATION_SIZE => judgement(
            Domain::Imprecision,
            2,
            format!("a single study of {n} participants"),
        ),
        (_, n) if n <= OPTIMAL_INFORMATION_SIZE => judgement(
            Domain::Imprecision,
            1,
            format!("{n} participants in total (at most {OPTIMAL_INFORMATION_SIZE})"),
        ),
        (1, n) => judgement(
            Domain::Imprecision,
            1,
            format!(
                "a single study ({} participants)",
                crate::numbers::grouped(n)
            ),
        ),
        _ => judgement(Domain::Imprecision, 0, "no serious concern".to_string()),
    }
}

/// Suspected when every counted study is small and positive.
fn publication_bias(tally: &Tally) -> Judgement {
    let all_positive = tally.positive == tally.studies;
    if tally.studies >= 2 && tally.all_small && all_positive {
        return judgement(
            Domain::PublicationBias,
            1,
            format!("only small studies (n < {SMALL_STUDY}), all positive"),
        );
    }
    judgement(Domain::PublicationBias, 0, "not suspected".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Design;

    #[test]
    fn levels_go_down_and_stop_at_very_low() {
        assert_eq!(Level::High.down(1), Level::Moderate);
        assert_eq!(Level::Low.down(1), Level::VeryLow);
        assert_eq!(Level::Low.down(3), Level::VeryLow);
        assert_eq!(Level::High.down(0), Level::High);
    }

    /// Findings like the shipped registry's first, with a design, direction, n and risk of
    /// bias each.
    fn findings(rows: &[(Design, Direction, Option<u32>, Option<RiskOfBias>)]) -> Vec<Finding> {
        let template = crate::synthesis::test_rows::shipped().findings[0].clone();
        rows.iter()
            .map(|&(design, direction, n, risk_of_bias)| Finding {
                study: std::sync::Arc::new(crate::registry::Study {
                    design,
                    ..(*template.study).clone()
                }),
                direction,
                participants: n.and_then(std::num::NonZeroU32::new),
                risk_of_bias,
                ..template.clone()
            })
            .collect()
    }

    #[test]
    fn each_judgement_reads_its_part_of_one_tally() {
        use Design::{CaseReport, Rct, SingleArmTrial};
        use Direction::{Negative, Positive};
        let rows = findings(&[
            (Rct, Positive, Some(40), Some(RiskOfBias::Low)),
            (SingleArmTrial, Positive, Some(60), None),
            (CaseReport, Negative, None, None),
            (SingleArmTrial, Positive, Some(30), Some(RiskOfBias::High)),
        ]);
        let tally = Tally::of(rows.iter());
        assert_eq!(
            tally,
            Tally {
                studies: 4,
                participants: 130,
                randomised: true,
                // The unassessed single-arm trial (60) and the one at high risk (30).
                at_high_risk: 90,
                assessed: 2,
                positive: 3,
                negative: 1,
                // The case report gives no n.
                all_small: false,
            }
        );
        // 90 of 130 participants at high risk: serious.
        assert_eq!(risk_of_bias(&tally).downgrade, 1);
        // One negative of four with a direction is a quarter: directions disagree.
        assert_eq!(inconsistency(&tally, None).downgrade, 1);
        assert_eq!(inconsistency(&tally, Some(80.0)).downgrade, 1);
        assert_eq!(publication_bias(&tally).downgrade, 0);
        // Two small positive studies: publication bias suspected; one more of n = 100 (not
        // below SMALL_STUDY), or a negative one, and it is not.
        let small = findings(&[
            (Rct, Positive, Some(40), Some(RiskOfBias::Low)),
            (Rct, Positive, Some(99), Some(RiskOfBias::Low)),
        ]);
        let tally = Tally::of(small.iter());
        assert_eq!(publication_bias(&tally).downgrade, 1);
        assert_eq!(risk_of_bias(&tally).downgrade, 0);
        assert_eq!(inconsistency(&tally, None).downgrade, 0);
        for extra in [
            (Rct, Positive, Some(100), Some(RiskOfBias::Low)),
            (Rct, Negative, Some(10), Some(RiskOfBias::Low)),
        ] {
            let rows = [small.clone(), findings(&[extra])].concat();
            assert_eq!(publication_bias(&Tally::of(rows.iter())).downgrade, 0);
        }
    }

    #[test]
    fn imprecision_grades_by_size_and_count() {
        assert_eq!(imprecision(1, 75).downgrade, 2);
        assert_eq!(imprecision(3, 97).downgrade, 1);
        assert_eq!(imprecision(1, 500).downgrade, 1);
        assert_eq!(imprecision(4, 2000).downgrade, 0);
    }

    #[test]
    fn large_single_studies_give_their_size_with_thousands_separators() {
        let judged = imprecision(1, u64::from(u32::MAX));
        assert_eq!(judged.reason, "a single study (4,294,967,295 participants)");
        assert_eq!(
            imprecision(1, 401).reason,
            "a single study (401 participants)"
        );
    }
}
