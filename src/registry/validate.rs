//! Checks across rows: study-level fields that disagree, duplicate findings, and one DOI or PMID
//! under two study ids.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use foldhash::fast::RandomState;

use crate::registry::columns::Col;
use crate::registry::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::finding::{Finding, Text};

/// Adds a diagnostic for every cross-row problem in `findings`.
///
/// One map entry per study (its first row and the outcomes seen, as bits) instead of one per
/// finding: a million-finding registry needs a third of the memory and half the hashing. A row
/// of the same study as the row before it (the usual layout) is matched without a lookup.
pub fn check_across_rows(findings: &[Finding], diagnostics: &mut Diagnostics) {
    // foldhash: these maps see every row of million-row registries; keys come from the file,
    // but a per-process random seed keeps them safe from crafted collisions.
    let mut study_index: HashMap<&str, usize, RandomState> =
        HashMap::with_capacity_and_hasher(findings.len() / 2, RandomState::default());
    let mut studies: Vec<StudyEntry<'_>> = Vec::new();
    let mut outcome_bits = OutcomeBits::default();
    let mut dois = PaperOwners::new(Col::Doi);
    let mut pmids = PaperOwners::new(Col::Pmid);
    let mut previous: Option<(&Finding, usize)> = None;

    for finding in findings {
        let same_study = previous.filter(|(row, _)| row.study_id == finding.study_id);
        let study = match same_study {
            Some((_, study)) => {
                check_study_fields(studies[study].first, finding, diagnostics);
                study
            }
            None => match study_index.entry(&finding.study_id) {
                Entry::Vacant(slot) => {
                    slot.insert(studies.len());
                    studies.push(StudyEntry {
                        first: finding,
                        outcomes: 0,
                    });
                    studies.len() - 1
                }
                Entry::Occupied(known) => {
                    check_study_fields(studies[*known.get()].first, finding, diagnostics);
                    *known.get()
                }
            },
        };
        if let Some(first_line) = outcome_bits.seen(&mut studies[study], finding, findings) {
            diagnostics.push(duplicate_finding(finding, first_line));
        }
        dois.check(finding, diagnostics);
        pmids.check(finding, diagnostics);
        previous = Some((finding, study));
    }
}

/// A repeated (study, outcome) pair whose first row is on `first_line`.
fn duplicate_finding(finding: &Finding, first_line: u64) -> Diagnostic {
    Diagnostic::column(
        finding.line,
        Col::Outcome.name(),
        format!(
            "duplicate finding: study \"{}\" already has outcome \"{}\" on line {first_line}; \
             give each outcome of a study one row",
            finding.study_id, finding.outcome
        ),
    )
}

/// A DOI or PMID (`col`) of `finding` that `owner`, another study, gave first.
fn paper_of_another_study(finding: &Finding, col: Col, value: &str, owner: &Finding) -> Diagnostic {
    Diagnostic::column(
        finding.line,
        col.name(),
        format!(
            "{} {value} already belongs to study \"{}\" (line {}); one paper is one study id: \
             reuse \"{}\"",
            col.name(),
            owner.study_id,
            owner.line,
            owner.study_id
        ),
    )
}

/// A finding's DOI or PMID.
fn paper_id(finding: &Finding, col: Col) -> Option<&Text> {
    match col {
        Col::Doi => finding.doi.as_ref(),
        _ => finding.pmid.as_ref(),
    }
}

/// Which study gave each DOI (or PMID) first.
struct PaperOwners<'a> {
    col: Col,
    owners: HashMap<&'a str, &'a Finding, RandomState>,
    /// The last row whose value belongs to its own study: the next row of that study with the
    /// same value needs no lookup.
    last_owned: Option<&'a Finding>,
}

impl<'a> PaperOwners<'a> {
    fn new(col: Col) -> PaperOwners<'a> {
        PaperOwners {
            col,
            owners: HashMap::default(),
            last_owned: None,
        }
    }

    /// Reports `finding`'s value if another study gave it first.
    fn check(&mut self, finding: &'a Finding, diagnostics: &mut Diagnostics) {
        let Some(value) = paper_id(finding, self.col) else {
            return;
        };
        if let Some(before) = self.last_owned
            && before.study_id == finding.study_id
            && paper_id(before, self.col) == Some(value)
        {
            return;
        }
        self.last_owned = None;
        match self.owners.entry(value) {
            Entry::Occupied(owner) if owner.get().study_id != finding.study_id => {
                diagnostics.push(paper_of_another_study(
                    finding,
                    self.col,
                    value,
                    owner.get(),
                ));
            }
            Entry::Occupied(_) => self.last_owned = Some(finding),
            Entry::Vacant(slot) => {
                slot.insert(finding);
                self.last_owned = Some(finding);
            }
        }
    }
}

/// A study's first row and the outcomes (by [`OutcomeBits`] number, below 64) it has rows for.
struct StudyEntry<'a> {
    first: &'a Finding,
    outcomes: u64,
}

/// Numbers outcome keys in order of appearance and finds repeated (study, outcome) pairs.
#[derive(Default)]
struct OutcomeBits<'a> {
    numbers: HashMap<&'a str, usize, RandomState>,
    /// The first line of every (study, outcome) pair, built when first needed: on a repeat
    /// (an error, so rare) or for outcomes numbered 64 and up (more outcomes than bits).
    first_lines: Option<HashMap<(&'a str, &'a str), u64, RandomState>>,
}

impl<'a> OutcomeBits<'a> {
    /// Records `finding`'s outcome for its study; the line of the study's earlier row with the
    /// same outcome, if there is one.
    fn seen(
        &mut self,
        study: &mut StudyEntry<'a>,
        finding: &'a Finding,
        findings: &'a [Finding],
    ) -> Option<u64> {
        let next = self.numbers.len();
        let number = *self.numbers.entry(&finding.outcome).or_insert(next);
        if number < 64 && study.outcomes & (1u64 << number) == 0 {
            study.outcomes |= 1u64 << number;
            return None;
        }
        // A repeat, or an outcome past the bits: the pair's first row tells (every row has a
        // line of its own).
        let first_lines = self.first_lines.get_or_insert_with(|| {
            let mut lines =
                HashMap::with_capacity_and_hasher(findings.len(), RandomState::default());
            for row in findings {
                lines
                    .entry((row.study_id.as_str(), row.outcome.as_str()))
                    .or_insert(row.line);
            }
            lines
        });
        let key = (finding.study_id.as_str(), finding.outcome.as_str());
        first_lines
            .get(&key)
            .copied()
            .filter(|first| *first != finding.line)
    }
}

/// Study-level fields must repeat identically on every row of a study. Compared in place;
/// text is only built for a mismatch (this runs once per row).
fn check_study_fields(first: &Finding, row: &Finding, diagnostics: &mut Diagnostics) {
    let mismatches = [
        (Col::Citation, first.citation != row.citation),
        (Col::Year, first.year != row.year),
        (Col::Doi, first.doi != row.doi),
        (Col::Pmid, first.pmid != row.pmid),
        (Col::Design, first.design != row.design),
        (Col::KStudies, first.k_studies != row.k_studies),
        (Col::Confidence, first.confidence != row.confidence),
    ];
    for (col, differs) in mismatches {
        if !differs {
            continue;
        }
        let (expected, found) = match col {
            Col::Citation => (first.citation.to_string(), row.citation.to_string()),
            Col::Year => (first.year.to_string(), row.year.to_string()),
            Col::Doi => (show(&first.doi), show(&row.doi)),
            Col::Pmid => (show(&first.pmid), show(&row.pmid)),
            Col::Design => (first.design.to_string(), row.design.to_string()),
            Col::KStudies => (show(&first.k_studies), show(&row.k_studies)),
            _ => (show(&first.confidence), show(&row.confidence)),
        };
        diagnostics.push(Diagnostic::column(
            row.line,
            col.name(),
            format!(
                "study \"{}\" has {} {} here but {} on line {}; study-level fields must agree \
                 on every row of a study",
                row.study_id,
                col.name(),
                quoted(&found),
                quoted(&expected),
                first.line
            ),
        ));
    }
}

fn show<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn quoted(value: &str) -> String {
    if value.is_empty() {
        "(empty)".to_string()
    } else {
        format!("{value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The straightforward check (one map entry per finding, every row looked up), as it was
    /// before the per-study version: the oracle the faster one must agree with.
    fn reference(findings: &[Finding], diagnostics: &mut Diagnostics) {
        let mut first_row_of_study: HashMap<&str, &Finding> = HashMap::new();
        let mut finding_lines: HashMap<(&str, &str), u64> = HashMap::new();
        let mut doi_owner: HashMap<&str, &Finding> = HashMap::new();
        let mut pmid_owner: HashMap<&str, &Finding> = HashMap::new();
        for finding in findings {
            match first_row_of_study.entry(&finding.study_id) {
                Entry::Vacant(slot) => {
                    slot.insert(finding);
                }
                Entry::Occupied(first) => check_study_fields(first.get(), finding, diagnostics),
            }
            match finding_lines.entry((&finding.study_id, &finding.outcome)) {
                Entry::Vacant(slot) => {
                    slot.insert(finding.line);
                }
                Entry::Occupied(first) => {
                    diagnostics.push(duplicate_finding(finding, *first.get()));
                }
            }
            for (value, owners, col) in [
                (&finding.doi, &mut doi_owner, Col::Doi),
                (&finding.pmid, &mut pmid_owner, Col::Pmid),
            ] {
                let Some(value) = value else { continue };
                match owners.entry(value) {
                    Entry::Vacant(slot) => {
                        slot.insert(finding);
                    }
                    Entry::Occupied(owner) if owner.get().study_id != finding.study_id => {
                        diagnostics.push(paper_of_another_study(finding, col, value, owner.get()));
                    }
                    Entry::Occupied(_) => {}
                }
            }
        }
    }

    fn shipped_rows() -> Vec<Finding> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");
        let location = crate::registry::TopicLocation::of_dir(std::path::Path::new(dir));
        crate::registry::load(&location).unwrap().findings
    }

    /// One generated row: a shipped row with its study, outcome, DOI and PMID drawn from small
    /// pools, so studies repeat (consecutively or not), pairs repeat, papers change hands, and
    /// some outcomes are numbered past 64.
    fn row(
        base: &[Finding],
        (pick, study, outcome, doi, pmid): (usize, u8, u8, u8, u8),
    ) -> Finding {
        let mut row = base[pick % base.len()].clone();
        row.study_id = Text::new(format!("s{}", study % 6));
        row.outcome = Text::new(format!("o{}", outcome % 100));
        row.doi = (doi % 4 != 0).then(|| Text::new(format!("10.1/{}", doi % 4)));
        row.pmid = (pmid % 5 != 0).then(|| Text::new(format!("{}", pmid % 5)));
        row
    }

    proptest! {
        #[test]
        fn per_study_checks_equal_the_per_finding_reference(
            picks in prop::collection::vec(
                (
                    0usize..100,
                    0u8..=255,
                    prop_oneof![prop::sample::select(vec![0u8, 1, 2, 3]), 0u8..100],
                    0u8..=255,
                    0u8..=255,
                ),
                0..150,
            ),
            runs in 1usize..4,
        ) {
            let base = shipped_rows();
            // Each pick repeated `runs` times in a row (a study's rows together), outcomes
            // shifted so the repeats are not all duplicates.
            let mut rows = Vec::new();
            for pick in &picks {
                for k in 0..runs {
                    let (p, s, o, d, m) = *pick;
                    let mut r = row(&base, (p, s, o.wrapping_add(k as u8 * 3), d, m));
                    r.line = rows.len() as u64 + 2;
                    rows.push(r);
                }
            }
            let mut fast = Diagnostics::new("r.csv");
            check_across_rows(&rows, &mut fast);
            let mut slow = Diagnostics::new("r.csv");
            reference(&rows, &mut slow);
            prop_assert_eq!(fast.into_sorted(), slow.into_sorted());
        }
    }

    #[test]
    fn a_duplicate_names_the_first_line_of_its_pair() {
        let base = shipped_rows();
        let rows: Vec<Finding> = [(0, 1, 1), (1, 2, 1), (2, 1, 1)]
            .into_iter()
            .enumerate()
            .map(|(i, (pick, study, outcome))| {
                let mut r = row(&base, (pick, study, outcome, 0, 0));
                r.line = i as u64 + 2;
                r.citation = base[0].citation.clone();
                r.year = base[0].year;
                r.design = base[0].design;
                r.k_studies = base[0].k_studies;
                r.confidence = base[0].confidence;
                r
            })
            .collect();
        let mut diagnostics = Diagnostics::new("r.csv");
        check_across_rows(&rows, &mut diagnostics);
        let found = diagnostics.into_sorted();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 4);
        assert!(
            found[0].message.contains("on line 2"),
            "{}",
            found[0].message
        );
    }
}
