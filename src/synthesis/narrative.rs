//! Plain-words reading of a vote count: what it shows and what it cannot.

use crate::registry::topic::Question;
use crate::synthesis::vote_count::{LeaveOneOut, Majority, VoteCount};
use crate::synthesis::votes::PValue;

/// Formats a proportion as a whole percentage.
fn percent(value: f64) -> String {
    format!("{:.0}%", value * 100.0)
}

/// One paragraph under a vote table: the count, the interval, the test, and its limits.
pub fn vote_sentence(question: &Question, votes: &VoteCount) -> String {
    let mut text = String::new();
    let aside = votes.studies - votes.with_direction;
    if votes.with_direction == 0 {
        let (positive, negative) = (&question.positive, &question.negative);
        text.push_str(&match votes.studies {
            0 => format!(
                "No counted study points towards \"{positive}\" or \"{negative}\", so there is \
                 nothing to test."
            ),
            1 => format!(
                "The one counted study points towards neither \"{positive}\" nor \
                 \"{negative}\", so there is nothing to test."
            ),
            studies => format!(
                "None of the {studies} counted studies points towards \"{positive}\" or \
                 \"{negative}\", so there is nothing to test."
            ),
        });
    } else {
        let (Some(proportion), Some(p), Some(min_p)) =
            (votes.proportion, votes.sign_test, votes.min_attainable_p)
        else {
            return text;
        };
        text.push_str(&format!(
            "{} of {} {} with a direction {} towards \"{}\" ({}, Wilson 95% CI {}–{}); exact \
             sign test {}.",
            votes.positive(),
            votes.with_direction,
            plural(votes.with_direction, "study", "studies"),
            if votes.positive() == 1 {
                "points"
            } else {
                "point"
            },
            question.positive,
            percent(proportion.estimate),
            percent(proportion.low),
            percent(proportion.high),
            p.stated()
        ));
        if !min_p.below(0.05) {
            text.push_str(&format!(
                " With {} {} the smallest attainable p is {}, so this count cannot reach \
                 p < 0.05 whatever the studies show.",
                votes.with_direction,
                plural(votes.with_direction, "study", "studies"),
                min_p.display()
            ));
        } else if p.below(0.05) {
            text.push_str(" The split is unlikely under a 50:50 null.");
        } else {
            text.push_str(" The split is compatible with chance.");
        }
        match votes.majority {
            Majority::Tie => text.push_str(" The studies are evenly split."),
            Majority::Negative => text.push_str(&format!(
                " Most point towards \"{}\", against the hypothesis.",
                question.negative
            )),
            _ => {}
        }
    }
    if aside > 0 {
        text.push_str(&format!(
            " {} {} found no difference or conflicting results and {} not in n.",
            aside,
            plural(aside, "study", "studies"),
            if aside == 1 { "is" } else { "are" }
        ));
    }
    text.push_str(
        " A vote count says which way estimates point, not how large the effects are, and \
         weighs a 10-patient pilot like a large trial.",
    );
    text
}

/// One sentence on leave-one-out.
pub fn leave_one_out_sentence(results: &[LeaveOneOut]) -> String {
    if results.is_empty() {
        return "Leave-one-out: no counted studies.".to_string();
    }
    let named = |groups: Vec<&LeaveOneOut>| -> String {
        groups
            .iter()
            .map(|g| {
                let ids = g.first_studies.join(", ");
                if g.studies as usize <= g.first_studies.len() {
                    format!("{ids} ({})", g.direction.symbol())
                } else {
                    format!(
                        "any one of the {} {} studies ({ids}, …)",
                        g.studies,
                        g.direction.symbol()
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let flips: Vec<&LeaveOneOut> = results.iter().filter(|r| r.flips_majority).collect();
    let significance: Vec<&LeaveOneOut> =
        results.iter().filter(|r| r.changes_significance).collect();
    let mut text = if flips.is_empty() {
        "Leave-one-out: no single study changes the majority direction.".to_string()
    } else {
        format!(
            "Leave-one-out: leaving out {} changes the majority direction.",
            named(flips)
        )
    };
    if !significance.is_empty() {
        text.push_str(&format!(
            " Leaving out {} changes whether p < 0.05.",
            named(significance)
        ));
    }
    text
}

fn plural(count: u32, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// One line per vote count: "3 ▲ / 1 ▼ of 5 studies (p = 0.625)".
pub fn vote_brief(votes: &VoteCount) -> String {
    let p = votes
        .sign_test
        .map_or_else(|| "no test".to_string(), PValue::stated);
    format!(
        "{} ▲ / {} ▼ of {} {} ({p})",
        votes.positive(),
        votes.negative(),
        votes.studies,
        plural(votes.studies, "study", "studies")
    )
}

/// The positive share with its Wilson interval, "75% (30–95%)", or "–" without votes.
pub fn share_with_ci(votes: &VoteCount) -> String {
    votes.proportion.map_or_else(
        || "–".to_string(),
        |p| {
            format!(
                "{:.0}% ({:.0}–{:.0}%)",
                p.estimate * 100.0,
                p.low * 100.0,
                p.high * 100.0
            )
        },
    )
}

/// A p-value with its relation: "p < 0.001" below a thousandth, else "p = 0.023".
pub fn p_stated(p: f64) -> String {
    crate::synthesis::votes::stated(&format_p(p))
}

/// A p-value for tables: `< 0.001` below a thousandth, else three decimals.
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// The model in words: "REML random effects, z-based 95% CI".
pub fn model_label(options: crate::synthesis::pool::PoolOptions) -> String {
    use crate::synthesis::pool::Tau2Method;
    let model = match options.method {
        Tau2Method::Reml => "random effects (REML τ²)",
        Tau2Method::DerSimonianLaird => "random effects (DerSimonian-Laird τ²)",
        Tau2Method::FixedEffect => "fixed effect (inverse variance)",
    };
    if options.hksj {
        format!("{model}, Hartung-Knapp-Sidik-Jonkman t-based 95% CI")
    } else {
        format!("{model}, z-based 95% CI")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Tier};
    use crate::synthesis::study_votes::StudyVote;
    use crate::synthesis::vote_count::count_votes;

    fn votes(directions: &[Direction]) -> VoteCount {
        let votes: Vec<StudyVote> = directions
            .iter()
            .enumerate()
            .map(|(i, &direction)| StudyVote {
                study_id: format!("s{i}").into(),
                tier: Tier::Randomised,
                direction,
                findings: 1,
                n: Some(10),
            })
            .collect();
        count_votes(&votes)
    }

    /// With no study pointing either way, the sentence reads in the singular for one study and
    /// needs no number for none ("None of the 1 counted study" and "None of the 0 counted
    /// studies" before).
    #[test]
    fn a_vote_sentence_without_directions_reads_for_none_one_and_many() {
        let question = Question {
            label: "Q?".to_string(),
            kind: crate::model::QuestionKind::Intervention,
            hypothesis: "H".to_string(),
            positive: "benefit".to_string(),
            negative: "harm".to_string(),
        };
        let none = vote_sentence(&question, &votes(&[]));
        assert!(
            none.starts_with(
                "No counted study points towards \"benefit\" or \"harm\", so there is nothing \
                 to test. A vote count"
            ),
            "{none}"
        );
        let one = vote_sentence(&question, &votes(&[Direction::None]));
        assert!(
            one.starts_with(
                "The one counted study points towards neither \"benefit\" nor \"harm\", so \
                 there is nothing to test. 1 study found no difference or conflicting results \
                 and is not in n."
            ),
            "{one}"
        );
        let three = vote_sentence(
            &question,
            &votes(&[Direction::None, Direction::Conflicting, Direction::None]),
        );
        assert!(
            three.starts_with(
                "None of the 3 counted studies points towards \"benefit\" or \"harm\", so \
                 there is nothing to test. 3 studies found"
            ),
            "{three}"
        );
    }

    /// One study is "1 study" (it read "of 1 studies" before).
    #[test]
    fn a_vote_brief_counts_one_study_in_the_singular() {
        let one = vote_brief(&votes(&[Direction::Positive]));
        assert!(one.starts_with("1 ▲ / 0 ▼ of 1 study ("), "{one}");
        let two = vote_brief(&votes(&[Direction::Positive, Direction::Negative]));
        assert!(two.starts_with("1 ▲ / 1 ▼ of 2 studies ("), "{two}");
    }
}
