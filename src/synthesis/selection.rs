//! Sensitivity analyses: which findings enter the synthesis, and whether case series and case
//! reports count as votes. Selecting by significance is deliberately not offered: vote counting
//! by statistical significance is invalid (Cochrane Handbook 12.4.2.3).

use serde::Serialize;

use crate::model::{Confidence, Design, RiskOfBias, Tier};
use crate::registry::Finding;
use crate::synthesis::pool::{PoolOptions, Tau2Method};

/// The analysis options of a run; the default is the primary analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// Count case series and case reports as votes (default: descriptive only).
    pub count_case_reports: bool,
    /// Designs left out entirely.
    pub excluded_designs: Vec<Design>,
    /// Keep only records verified at least this well (rows without `confidence` are left out
    /// when this is set above `low`).
    pub min_confidence: Option<Confidence>,
    /// Risk-of-bias levels left out.
    pub excluded_risk_of_bias: Vec<RiskOfBias>,
    /// How effect sizes are pooled (default: REML random effects, z-based intervals).
    pub pooling: PoolOptions,
}

impl Selection {
    /// True when this is the primary analysis (no option changed).
    pub fn is_primary(&self) -> bool {
        *self == Selection::default()
    }

    /// True if every finding enters the synthesis, whatever it holds: no design or risk of
    /// bias is excluded and no confidence above low is asked for.
    pub fn keeps_every_finding(&self) -> bool {
        self.excluded_designs.is_empty()
            && self.excluded_risk_of_bias.is_empty()
            && matches!(self.min_confidence, None | Some(Confidence::Low))
    }

    /// True if a finding enters the synthesis.
    pub fn keeps(&self, finding: &Finding) -> bool {
        if self.excluded_designs.contains(&finding.study.design) {
            return false;
        }
        if let Some(risk) = finding.risk_of_bias
            && self.excluded_risk_of_bias.contains(&risk)
        {
            return false;
        }
        match self.min_confidence {
            None | Some(Confidence::Low) => true,
            Some(minimum) => finding
                .study
                .confidence
                .is_some_and(|c| rank(c) >= rank(minimum)),
        }
    }

    /// True if studies of this tier are counted as votes.
    pub fn counts_tier(&self, tier: Tier) -> bool {
        match tier {
            Tier::Randomised | Tier::NonRandomisedTrial | Tier::Observational => true,
            Tier::CaseSeriesReports => self.count_case_reports,
            Tier::Review => false,
        }
    }

    /// One line per option that departs from the primary analysis.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.count_case_reports {
            lines.push("case series and case reports are counted as votes".to_string());
        }
        if !self.excluded_designs.is_empty() {
            let designs: Vec<&str> = self.excluded_designs.iter().map(|d| d.key()).collect();
            lines.push(format!("designs excluded: {}", designs.join(", ")));
        }
        if let Some(minimum) = self.min_confidence {
            lines.push(format!(
                "only records verified with confidence {minimum} or better"
            ));
        }
        match self.pooling.method {
            Tau2Method::Reml => {}
            Tau2Method::DerSimonianLaird => {
                lines.push("random effects with the DerSimonian-Laird tau²".to_string());
            }
            Tau2Method::FixedEffect => lines.push("fixed-effect pooling".to_string()),
        }
        if self.pooling.hksj {
            lines.push("Hartung-Knapp-Sidik-Jonkman intervals".to_string());
        }
        if !self.excluded_risk_of_bias.is_empty() {
            let levels: Vec<&str> = self.excluded_risk_of_bias.iter().map(|r| r.key()).collect();
            lines.push(format!("risk of bias excluded: {}", levels.join(", ")));
        }
        lines
    }
}

fn rank(confidence: Confidence) -> u8 {
    match confidence {
        Confidence::Low => 0,
        Confidence::Medium => 1,
        Confidence::High => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthesis::test_rows;

    /// Whenever a selection says it keeps every finding, it keeps each of the shipped topic's;
    /// and each option that can leave findings out makes it say otherwise.
    #[test]
    fn keeping_every_finding_is_keeping_each() {
        let registry = test_rows::shipped();
        let selections = [
            Selection::default(),
            Selection {
                count_case_reports: true,
                min_confidence: Some(Confidence::Low),
                ..Selection::default()
            },
            Selection {
                excluded_designs: vec![Design::CaseReport],
                ..Selection::default()
            },
            Selection {
                min_confidence: Some(Confidence::High),
                ..Selection::default()
            },
            Selection {
                excluded_risk_of_bias: vec![RiskOfBias::High],
                ..Selection::default()
            },
        ];
        let says: Vec<bool> = selections
            .iter()
            .map(Selection::keeps_every_finding)
            .collect();
        assert_eq!(says, [true, true, false, false, false]);
        for selection in selections.iter().filter(|s| s.keeps_every_finding()) {
            assert!(registry.findings.iter().all(|f| selection.keeps(f)));
        }
    }
}
