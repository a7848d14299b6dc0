//! Meta-analysis of a topic: per question × outcome × effect measure with k ≥ 2, never across
//! questions or measures. Records what could not be pooled and why.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::{Direction, EffectMeasure};
use crate::registry::Finding;
use crate::registry::finding::Text;
use crate::synthesis::cells::QuestionOutcomeCells;
use crate::synthesis::effects::{Effect, effect_of};
use crate::synthesis::egger::{EggerNotComputed, EggerTest, egger};
use crate::synthesis::pool::{
    PoolOptions, Pooled, Tau2Method, check_poolable, leave_one_out, pool,
};
use crate::synthesis::vote_count::NAMED_STUDIES;

/// Largest k for which leave-one-out is computed (it refits the model k times).
pub const LEAVE_ONE_OUT_MAX_K: usize = 200;

/// One study's estimate in an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyEffect {
    /// Study id (shared with the registry's: at ten million findings, a million estimates
    /// were 50 MB of copies held to the end of the report).
    pub study_id: Text,
    /// Participants.
    pub n: Option<u32>,
    /// Its estimate.
    pub effect: EffectJson,
}

/// An estimate with its 95% CI, as written to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EffectJson {
    /// Estimate.
    pub yi: f64,
    /// Variance.
    pub vi: f64,
    /// Lower 95% limit.
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
}

impl From<Effect> for EffectJson {
    fn from(e: Effect) -> EffectJson {
        let half = crate::synthesis::votes::Z_95 * e.vi.sqrt();
        EffectJson {
            yi: e.yi,
            vi: e.vi,
            ci_low: e.yi - half,
            ci_high: e.yi + half,
        }
    }
}

/// A pooled analysis of one question × outcome × measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Question key.
    pub question: String,
    /// Outcome key.
    pub outcome: String,
    /// Effect measure.
    pub measure: EffectMeasure,
    /// True if lower values support the question's hypothesis, when the rows' directions say
    /// so consistently; `None` if they do not.
    pub favours_lower: Option<bool>,
    /// The studies on each side when the rows' directions disagree on which sign supports the
    /// hypothesis (a direction miscoded, or an estimate taken the other way round).
    #[serde(skip)]
    pub sign_conflict: Option<SignConflict>,
    /// The estimates, in registry order (in `tables/effect-sizes.csv`, not in `summary.json`).
    #[serde(skip)]
    pub studies: Vec<StudyEffect>,
    /// Random-effects (or the chosen) model.
    pub pooled: Pooled,
    /// Fixed-effect model, for comparison.
    pub fixed_effect: Pooled,
    /// The model without each study (3 ≤ k ≤ 200), in study order.
    pub leave_one_out: Vec<Pooled>,
    /// Egger's test, or why it was not computed (`null` in `summary.json`).
    #[serde(serialize_with = "test_or_null")]
    pub egger: Result<EggerTest, EggerNotComputed>,
}

impl Analysis {
    /// The file stem of this analysis's chart of `kind`, e.g. `forest-treatment-severity-md`.
    pub fn chart_stem(&self, kind: &str) -> String {
        format!("{kind}-{}-{}-{}", self.question, self.outcome, self.measure)
    }

    /// A model's estimate with its 95% CI as printed: `0.49 (0.34 to 0.70)` (see
    /// [`Analysis::shown`]).
    pub fn estimate_with_ci(&self, model: &Pooled) -> String {
        format!(
            "{} ({} to {})",
            self.shown(model.estimate),
            self.shown(model.ci_low),
            self.shown(model.ci_high)
        )
    }

    /// An estimate or limit of this analysis (log scale for ratios) as printed in tables and
    /// charts: in natural units, with the analysis's [`Analysis::decimals`].
    pub fn shown(&self, value: f64) -> String {
        crate::numbers::fixed(self.measure.natural(value), self.decimals())
    }

    /// Decimals for this analysis's estimates and intervals, wherever they are printed (the
    /// pooled table, the forest plot's rows): enough for the pooled 95% CI, on the natural
    /// scale, to show two significant digits, and at least two (see
    /// [`crate::numbers::decimals_for_width`]).
    pub fn decimals(&self) -> usize {
        let natural = |x: f64| self.measure.natural(x);
        crate::numbers::decimals_for_width(
            natural(self.pooled.ci_high) - natural(self.pooled.ci_low),
        )
    }
}

/// A question × outcome whose effect data could not be pooled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotPooled {
    /// Question key.
    pub question: String,
    /// Outcome key.
    pub outcome: String,
    /// Findings in this cell.
    pub findings: usize,
    /// Findings with a usable estimate, per measure.
    pub estimates: BTreeMap<EffectMeasure, usize>,
    /// Why nothing was pooled.
    pub reason: String,
}

/// A finding left out of pooling despite effect data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excluded {
    /// Question key.
    pub question: String,
    /// Study id.
    pub study_id: String,
    /// Outcome key.
    pub outcome: String,
    /// Why.
    pub reason: String,
}

/// Every meta-analysis of a topic and what could not be pooled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaAnalyses {
    /// The model used.
    pub options: PoolOptions,
    /// Findings with a usable effect estimate.
    pub findings_with_estimates: usize,
    /// Pooled analyses, by question (topic order), outcome (topic order), measure.
    pub analyses: Vec<Analysis>,
    /// Cells with findings but no pooled estimate.
    pub not_pooled: Vec<NotPooled>,
    /// Findings with effect data that could not be used.
    pub excluded: Vec<Excluded>,
}

/// What [`MetaAnalyses`] holds for one question, in the same order.
#[derive(Debug, Clone, Default)]
pub struct QuestionMeta<'a> {
    /// Its pooled analyses.
    pub analyses: Vec<&'a Analysis>,
    /// Its cells with findings but no pooled estimate.
    pub not_pooled: Vec<&'a NotPooled>,
    /// Its findings with effect data that could not be used.
    pub excluded: Vec<&'a Excluded>,
}

impl QuestionMeta<'_> {
    /// Why the question has no pooled estimate: meaningful when it has none.
    pub fn why_nothing_pooled(&self) -> NothingPooled {
        NothingPooled::of(self.not_pooled.iter().copied())
    }
}

impl MetaAnalyses {
    /// The analyses, unpooled cells and excluded findings of each question, gathered in one
    /// pass, for output written question by question (a search of every list per question
    /// is quadratic in a topic of many questions).
    pub fn by_question(&self) -> HashMap<&str, QuestionMeta<'_>> {
        let mut by_question: HashMap<&str, QuestionMeta<'_>> = HashMap::new();
        for analysis in &self.analyses {
            let entry = by_question.entry(&analysis.question).or_default();
            entry.analyses.push(analysis);
        }
        for cell in &self.not_pooled {
            let entry = by_question.entry(&cell.question).or_default();
            entry.not_pooled.push(cell);
        }
        for excluded in &self.excluded {
            let entry = by_question.entry(&excluded.question).or_default();
            entry.excluded.push(excluded);
        }
        by_question
    }

    /// Why the topic has no pooled estimate, read from `not_pooled`: meaningful when it has
    /// none.
    pub fn why_nothing_pooled(&self) -> NothingPooled {
        NothingPooled::of(&self.not_pooled)
    }
}

/// Why a question or a topic has no pooled estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NothingPooled {
    /// No outcome has two estimates of the same measure.
    TooFewEstimates,
    /// Some outcome has them, and they still could not be pooled (variances too far apart,
    /// estimates past double precision); [`NotPooled::reason`] says which.
    Unpoolable,
}

impl NothingPooled {
    /// Why nothing was pooled in these unpooled `cells`: some had two estimates of a measure
    /// (pooling them was tried and failed), or none had.
    pub fn of<'a>(cells: impl IntoIterator<Item = &'a NotPooled>) -> NothingPooled {
        let attempted = cells
            .into_iter()
            .any(|cell| cell.estimates.values().any(|&k| k >= 2));
        if attempted {
            NothingPooled::Unpoolable
        } else {
            NothingPooled::TooFewEstimates
        }
    }

    /// The reason as a clause ("no outcome has …").
    pub fn clause(self) -> &'static str {
        match self {
            NothingPooled::TooFewEstimates => {
                "no outcome has two or more comparable effect estimates to pool"
            }
            NothingPooled::Unpoolable => "no outcome's comparable effect estimates could be pooled",
        }
    }
}

/// Runs every meta-analysis the registry allows.
pub fn meta_analyses(cells: &QuestionOutcomeCells<'_>, options: PoolOptions) -> MetaAnalyses {
    let mut analyses = Vec::new();
    let mut not_pooled = Vec::new();
    let mut excluded = Vec::new();
    let mut findings_with_estimates = 0;
    for cell in cells.iter() {
        let (question, outcome) = (cell.question, cell.outcome);
        let mut by_measure: BTreeMap<EffectMeasure, Vec<(&Finding, Effect)>> = BTreeMap::new();
        let excluded_before = excluded.len();
        for finding in cell.findings() {
            match effect_of(finding) {
                Ok((measure, effect)) => {
                    findings_with_estimates += 1;
                    by_measure
                        .entry(measure)
                        .or_default()
                        .push((finding, effect));
                }
                Err(no_effect) => {
                    if let Some(reason) = no_effect.reason() {
                        excluded.push(Excluded {
                            question: question.clone(),
                            study_id: finding.study.id.to_string(),
                            outcome: outcome.clone(),
                            reason: reason.to_string(),
                        });
                    }
                }
            }
        }
        let estimates: BTreeMap<EffectMeasure, usize> = by_measure
            .iter()
            .map(|(m, rows)| (*m, rows.len()))
            .collect();
        let mut pooled_any = false;
        let mut unpoolable = Vec::new();
        for (measure, rows) in by_measure {
            if rows.len() < 2 {
                continue;
            }
            match analyse(question, outcome, measure, &rows, options) {
                Ok(analysis) => {
                    pooled_any = true;
                    analyses.push(analysis);
                }
                Err(why) => unpoolable.push(format!("{}: {why}", measure.short_label())),
            }
        }
        if !pooled_any {
            let reason = if estimates.is_empty() && excluded.len() > excluded_before {
                "the effect data given yield no estimate to pool (each such row is named \
                 below)"
                    .to_string()
            } else if estimates.is_empty() {
                "no finding reports an effect estimate with its variance, confidence interval or arm-level data".to_string()
            } else if !unpoolable.is_empty() {
                unpoolable.join("; ")
            } else {
                "fewer than two comparable estimates (same measure)".to_string()
            };
            not_pooled.push(NotPooled {
                question: question.clone(),
                outcome: outcome.clone(),
                findings: cell.len(),
                estimates,
                reason,
            });
        }
    }
    MetaAnalyses {
        options,
        findings_with_estimates,
        analyses,
        not_pooled,
        excluded,
    }
}

fn analyse(
    question: &str,
    outcome: &str,
    measure: EffectMeasure,
    rows: &[(&Finding, Effect)],
    options: PoolOptions,
) -> Result<Analysis, String> {
    let effects: Vec<Effect> = rows.iter().map(|(_, e)| *e).collect();
    check_poolable(&effects)?;
    let fixed = PoolOptions {
        method: Tau2Method::FixedEffect,
        hksj: false,
    };
    let pooled = pool(&effects, options);
    let fixed_effect = pool(&effects, fixed);
    let leave_one_out = if (3..=LEAVE_ONE_OUT_MAX_K).contains(&effects.len()) {
        leave_one_out(&effects, options)
    } else {
        Vec::new()
    };
    if !(pooled.is_finite()
        && fixed_effect.is_finite()
        && leave_one_out.iter().all(Pooled::is_finite))
    {
        return Err(
            "the estimates are too far apart to pool in double precision; check yi and vi"
                .to_string(),
        );
    }
    let (favours_lower, sign_conflict) = orientation(rows);
    Ok(Analysis {
        question: question.to_string(),
        outcome: outcome.to_string(),
        measure,
        favours_lower,
        sign_conflict,
        studies: rows
            .iter()
            .map(|(f, e)| StudyEffect {
                study_id: f.study.id.clone(),
                n: f.n(),
                effect: (*e).into(),
            })
            .collect(),
        pooled,
        fixed_effect,
        leave_one_out,
        egger: egger(&effects),
    })
}

/// Serialises Egger's test, or `null` when it was not computed.
fn test_or_null<S: serde::Serializer>(
    egger: &Result<EggerTest, EggerNotComputed>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    egger.as_ref().ok().serialize(serializer)
}

/// Rows of one analysis that disagree on which sign of the estimate supports the hypothesis:
/// in some, a ▲ finding has a lower (or a ▼ finding a higher) estimate than no effect; in
/// others, the other way round. A study has one row per analysis (one row per outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignConflict {
    /// Rows whose directions read lower estimates as supporting the hypothesis.
    pub lower: SignSide,
    /// Rows whose directions read higher estimates as supporting it.
    pub higher: SignSide,
}

/// One side of a [`SignConflict`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignSide {
    /// How many rows.
    pub rows: usize,
    /// The first rows' study ids, in registry order (at most [`NAMED_STUDIES`]).
    pub first_studies: Vec<String>,
}

impl SignSide {
    fn add(&mut self, study_id: &str) {
        self.rows += 1;
        if self.first_studies.len() < NAMED_STUDIES {
            self.first_studies.push(study_id.to_string());
        }
    }
}

/// Reads the orientation of the measure from the rows: if positive findings have negative
/// estimates (and negative findings positive ones), lower values favour the hypothesis; if the
/// rows disagree, no orientation, and the rows on each side. Findings with no difference or
/// conflicting results, and estimates of exactly no effect, say nothing about it.
fn orientation(rows: &[(&Finding, Effect)]) -> (Option<bool>, Option<SignConflict>) {
    use std::cmp::Ordering::{Greater, Less};
    let (mut lower, mut higher) = (SignSide::default(), SignSide::default());
    for (finding, effect) in rows {
        match (finding.direction, effect.yi.partial_cmp(&0.0)) {
            (Direction::Positive, Some(Less)) | (Direction::Negative, Some(Greater)) => {
                lower.add(&finding.study.id);
            }
            (Direction::Positive, Some(Greater)) | (Direction::Negative, Some(Less)) => {
                higher.add(&finding.study.id);
            }
            _ => {}
        }
    }
    match (lower.rows, higher.rows) {
        (0, 0) => (None, None),
        (_, 0) => (Some(true), None),
        (0, _) => (Some(false), None),
        _ => (None, Some(SignConflict { lower, higher })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::finding::{EffectData, StoredEffect};
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    proptest! {
        /// Whatever valid effect data the rows carry — estimates and variances of any size
        /// from 10⁻³⁰⁰ to 10³⁰⁰, varying a thousand- and a million-fold within a registry —
        /// every pooled number in every analysis is finite (a report shows no NaN or
        /// inf), and what is not pooled has a reason.
        #[test]
        fn every_pooled_number_is_finite(
            picks in test_rows::picks(),
            y_scale in -300i32..300,
            v_scale in -300i32..300,
            effects in prop::collection::vec((-1.0f64..1.0, -3i32..3, 0.01f64..1.0, -6i32..6), 120),
            method in prop::sample::select(vec![Tau2Method::Reml, Tau2Method::DerSimonianLaird]),
            hksj in any::<bool>(),
        ) {
            let registry = test_rows::shipped();
            let mut findings = test_rows::findings(&registry, &picks);
            for (finding, (y, y_exponent, v, v_exponent)) in findings.iter_mut().zip(&effects) {
                finding.effect = Some(Box::new(StoredEffect::new(&EffectData {
                    measure: Some(EffectMeasure::Md),
                    yi: Some(y * 10f64.powi(y_scale + y_exponent)),
                    vi: Some(v * 10f64.powi(v_scale + v_exponent)),
                    ..EffectData::default()
                })));
            }
            let cells = crate::synthesis::cells::by_question_and_outcome(&registry.topic, &findings);
            let meta = meta_analyses(&cells, PoolOptions { method, hksj });
            for analysis in &meta.analyses {
                prop_assert!(analysis.pooled.is_finite(), "{:?}", analysis.pooled);
                prop_assert!(analysis.fixed_effect.is_finite());
                prop_assert!(analysis.leave_one_out.iter().all(Pooled::is_finite));
                if let Ok(test) = analysis.egger {
                    prop_assert!(
                        [test.coefficient, test.se, test.t, test.p].iter().all(|x| x.is_finite()),
                        "{test:?}"
                    );
                }
            }
            for cell in &meta.not_pooled {
                prop_assert!(!cell.reason.is_empty());
            }
        }
    }

    /// Shipped rows given a direction and an MD each, as `orientation` reads them.
    fn rows_with(signs: &[(Direction, f64)]) -> Vec<Finding> {
        let registry = test_rows::shipped();
        registry
            .findings
            .iter()
            .cycle()
            .zip(signs)
            .map(|(finding, &(direction, yi))| Finding {
                direction,
                effect: Some(Box::new(StoredEffect::new(&EffectData {
                    measure: Some(EffectMeasure::Md),
                    yi: Some(yi),
                    vi: Some(0.1),
                    ..EffectData::default()
                }))),
                ..finding.clone()
            })
            .collect()
    }

    fn oriented(findings: &[Finding]) -> (Option<bool>, Option<SignConflict>) {
        let rows: Vec<(&Finding, Effect)> = findings
            .iter()
            .map(|f| {
                (
                    f,
                    Effect {
                        yi: f.effect.as_ref().unwrap().data().yi.unwrap(),
                        vi: 0.1,
                    },
                )
            })
            .collect();
        orientation(&rows)
    }

    /// ▲ with lower and ▼ with higher estimates agree (lower favours the hypothesis); no
    /// difference, conflicting results and estimates of exactly 0 say nothing; ▲ with a lower
    /// and ▲ with a higher estimate disagree, and each side counts its rows and names its first
    /// five studies.
    #[test]
    fn the_sign_that_supports_the_hypothesis_is_read_from_the_rows() {
        use Direction::{Conflicting, Negative, None as NoDifference, Positive};
        let agree = rows_with(&[
            (Positive, -0.5),
            (Negative, 0.2),
            (NoDifference, 0.9),
            (Conflicting, -3.0),
            (Positive, 0.0),
        ]);
        assert_eq!(oriented(&agree), (Some(true), None));
        let higher = rows_with(&[(Positive, 0.5), (Negative, -0.2)]);
        assert_eq!(oriented(&higher), (Some(false), None));
        assert_eq!(oriented(&rows_with(&[(NoDifference, 1.0)])), (None, None));

        let mut signs = vec![(Positive, -0.5)];
        signs.extend(std::iter::repeat_n((Positive, 0.4), 7));
        let disagree = rows_with(&signs);
        let (favours_lower, conflict) = oriented(&disagree);
        assert_eq!(favours_lower, None);
        let conflict = conflict.unwrap();
        assert_eq!(conflict.lower.rows, 1);
        assert_eq!(
            conflict.lower.first_studies,
            [disagree[0].study.id.to_string()]
        );
        assert_eq!(conflict.higher.rows, 7);
        let named: Vec<String> = disagree[1..6]
            .iter()
            .map(|f| f.study.id.to_string())
            .collect();
        assert_eq!(conflict.higher.first_studies, named);
    }
}
