//! Domain values of a registry row: designs, directions, tiers and the other closed vocabularies.
//!
//! Every enum here has one canonical spelling (snake_case), shared by the CSV registry, clap
//! flags, JSON output and error messages, so a value a user reads in one place works in another.

use std::fmt;

/// Declares a closed vocabulary: an enum with its canonical keys, `ALL`, `key()`, `parse()`,
/// `Display`, and serde (de)serialisation through the key.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in canonical (display) order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every value's key, in the order of [`Self::ALL`].
            pub const KEYS: &'static [&'static str] = &[$($key),+];

            /// The canonical key, as written in the registry.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }

            /// Parses the canonical key; `None` for anything else (no case folding, so the
            /// registry keeps one spelling).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($key => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The accepted keys joined for an error message.
            pub fn expected() -> String {
                Self::KEYS.join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.key())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown value {:?}; expected one of: {}",
                        text,
                        $name::expected()
                    ))
                })
            }
        }

        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                Self::ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.key()))
            }
        }
    };
}

vocabulary! {
    /// Study design, as reported by the study itself.
    Design {
        /// Systematic review (with or without pooling).
        SystematicReview => "systematic_review",
        /// Meta-analysis.
        MetaAnalysis => "meta_analysis",
        /// Randomised controlled trial.
        Rct => "rct",
        /// Controlled trial without randomisation.
        NonRandomisedTrial => "non_randomised_trial",
        /// Uncontrolled trial (pre-post, open-label pilot).
        SingleArmTrial => "single_arm_trial",
        /// Cohort study.
        Cohort => "cohort",
        /// Case-control study.
        CaseControl => "case_control",
        /// Cross-sectional study.
        CrossSectional => "cross_sectional",
        /// Case series without controls.
        CaseSeries => "case_series",
        /// Single case report.
        CaseReport => "case_report",
    }
}

vocabulary! {
    /// Direction of a finding's point estimate relative to its question's hypothesis, regardless
    /// of statistical significance (SWiM, Campbell et al. BMJ 2020;368:l6890).
    Direction {
        /// The estimate points the way the hypothesis predicts.
        Positive => "positive",
        /// No difference (estimate at or next to the null).
        None => "none",
        /// The estimate points against the hypothesis.
        Negative => "negative",
        /// The finding itself is mixed.
        Conflicting => "conflicting",
    }
}

vocabulary! {
    /// Statistical significance as the study reports it; shown, never used for vote counting.
    Significance {
        /// Reported as statistically significant.
        Yes => "yes",
        /// Reported as not significant.
        No => "no",
    }
}

vocabulary! {
    /// Risk-of-bias judgement (RoB 2 / ROBINS-I style summary levels).
    RiskOfBias {
        /// Low risk of bias.
        Low => "low",
        /// Some concerns.
        SomeConcerns => "some_concerns",
        /// High risk of bias.
        High => "high",
        /// Not assessable from the record.
        Unclear => "unclear",
    }
}

vocabulary! {
    /// How well the registry record itself was verified against bibliographic sources.
    Confidence {
        /// Checked against a primary bibliographic record.
        High => "high",
        /// Partly verified (e.g. identity verified, content from a secondary source).
        Medium => "medium",
        /// Unverified or candidate attribution.
        Low => "low",
    }
}

vocabulary! {
    /// Effect measure of a row's effect estimate; ratio measures are on the log scale in `yi`.
    EffectMeasure {
        /// Raw mean difference.
        Md => "md",
        /// Standardised mean difference (Hedges' g).
        Smd => "smd",
        /// Log risk ratio.
        Rr => "rr",
        /// Log odds ratio.
        Or => "or",
        /// Risk difference.
        Rd => "rd",
    }
}

vocabulary! {
    /// The kind of question a finding answers; the two kinds are never pooled together.
    QuestionKind {
        /// Does an intervention change an outcome?
        Intervention => "intervention",
        /// Is an exposure associated with a condition?
        Association => "association",
    }
}

vocabulary! {
    /// Evidence tier: the design hierarchy used to order and separate evidence.
    Tier {
        /// Randomised trials.
        Randomised => "randomised",
        /// Non-randomised and single-arm trials.
        NonRandomisedTrial => "non_randomised_trial",
        /// Cohort, case-control and cross-sectional studies.
        Observational => "observational",
        /// Case series and case reports: described, not counted as votes by default.
        CaseSeriesReports => "case_series_reports",
        /// Systematic reviews and meta-analyses: shown, never counted beside their studies.
        Review => "review",
    }
}

impl Design {
    /// The evidence tier this design belongs to (DESIGN.md §4, "Evidence tiers").
    pub fn tier(self) -> Tier {
        match self {
            Design::Rct => Tier::Randomised,
            Design::NonRandomisedTrial | Design::SingleArmTrial => Tier::NonRandomisedTrial,
            Design::Cohort | Design::CaseControl | Design::CrossSectional => Tier::Observational,
            Design::CaseSeries | Design::CaseReport => Tier::CaseSeriesReports,
            Design::SystematicReview | Design::MetaAnalysis => Tier::Review,
        }
    }

    /// True for designs that synthesise other studies.
    pub fn is_review(self) -> bool {
        self.tier() == Tier::Review
    }

    /// A human label for tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Design::SystematicReview => "Systematic review",
            Design::MetaAnalysis => "Meta-analysis",
            Design::Rct => "Randomised controlled trial",
            Design::NonRandomisedTrial => "Non-randomised trial",
            Design::SingleArmTrial => "Single-arm trial",
            Design::Cohort => "Cohort",
            Design::CaseControl => "Case-control",
            Design::CrossSectional => "Cross-sectional",
            Design::CaseSeries => "Case series",
            Design::CaseReport => "Case report",
        }
    }
}

impl EffectMeasure {
    /// True for measures pooled on the log scale (RR, OR).
    pub fn is_ratio(self) -> bool {
        matches!(self, EffectMeasure::Rr | EffectMeasure::Or)
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            EffectMeasure::Md => "Mean difference",
            EffectMeasure::Smd => "Standardised mean difference (Hedges' g)",
            EffectMeasure::Rr => "Risk ratio",
            EffectMeasure::Or => "Odds ratio",
            EffectMeasure::Rd => "Risk difference",
        }
    }

    /// A short label for table cells and axes.
    pub fn short_label(self) -> &'static str {
        match self {
            EffectMeasure::Md => "MD",
            EffectMeasure::Smd => "SMD",
            EffectMeasure::Rr => "RR",
            EffectMeasure::Or => "OR",
            EffectMeasure::Rd => "RD",
        }
    }

    /// A value on the analysis scale shown in natural units (exp for ratios).
    pub fn natural(self, value: f64) -> f64 {
        if self.is_ratio() { value.exp() } else { value }
    }
}

impl Tier {
    /// A human label for tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Randomised => "Randomised trials",
            Tier::NonRandomisedTrial => "Non-randomised / single-arm trials",
            Tier::Observational => "Observational studies",
            Tier::CaseSeriesReports => "Case series / case reports",
            Tier::Review => "Systematic reviews / meta-analyses",
        }
    }

    /// A short label for narrow places (chart axes).
    pub fn short_label(self) -> &'static str {
        match self {
            Tier::Randomised => "Randomised",
            Tier::NonRandomisedTrial => "Non-randomised / single-arm",
            Tier::Observational => "Observational",
            Tier::CaseSeriesReports => "Case series / reports",
            Tier::Review => "Reviews",
        }
    }
}

impl Direction {
    /// The symbol used beside colour, so direction never rests on colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::Positive => "▲",
            Direction::None => "◆",
            Direction::Negative => "▼",
            Direction::Conflicting => "◄►",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_parse() {
        for design in Design::ALL {
            assert_eq!(Design::parse(design.key()), Some(*design));
        }
        assert_eq!(Design::parse("RCT"), None);
        assert_eq!(Direction::parse("positive"), Some(Direction::Positive));
    }

    /// Tables write vocabulary keys as they are (`Cell::Key`): each must be a plain key that
    /// needs neither CSV quotes nor spreadsheet-formula escaping.
    #[test]
    fn every_key_is_a_plain_slug() {
        let keys = Design::ALL
            .iter()
            .map(|v| v.key())
            .chain(Direction::ALL.iter().map(|v| v.key()))
            .chain(Significance::ALL.iter().map(|v| v.key()))
            .chain(RiskOfBias::ALL.iter().map(|v| v.key()))
            .chain(Confidence::ALL.iter().map(|v| v.key()))
            .chain(EffectMeasure::ALL.iter().map(|v| v.key()))
            .chain(QuestionKind::ALL.iter().map(|v| v.key()))
            .chain(Tier::ALL.iter().map(|v| v.key()));
        for key in keys {
            assert!(crate::registry::topic::is_slug(key), "{key}");
        }
    }

    #[test]
    fn designs_fall_into_the_documented_tiers() {
        assert_eq!(Design::Rct.tier(), Tier::Randomised);
        assert_eq!(Design::SingleArmTrial.tier(), Tier::NonRandomisedTrial);
        assert_eq!(Design::CaseControl.tier(), Tier::Observational);
        assert_eq!(Design::CaseReport.tier(), Tier::CaseSeriesReports);
        assert!(Design::MetaAnalysis.is_review());
    }
}
