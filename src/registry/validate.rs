//! Checks across rows: study-level fields that disagree, duplicate findings, and one DOI or PMID
//! under two study ids.
//!
//! [`CrossRowChecks`] keeps what it needs of the rows it has seen (each study's study-level
//! fields, which outcomes it has, who owns each paper id), not the rows, so a registry can be
//! checked block by block as it is read and each block's rows dropped (`evsynth validate`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::registry::columns::Col;
use crate::registry::diagnostic::{self, Diagnostic, Diagnostics, shown};
use crate::registry::finding::{Finding, Study, Text};
use crate::registry::study_index::StudyIndex;

/// Adds a diagnostic for every cross-row problem in `findings`.
pub fn check_across_rows(findings: &[Finding], diagnostics: &mut Diagnostics) {
    let mut checks = CrossRowChecks::default();
    checks.check(findings, diagnostics);
    checks.resolve_repeats(findings, diagnostics);
}

/// The cross-row checks over rows given in file order, in one or more consecutive slices.
///
/// One entry per study (its study-level fields and the outcomes seen, as bits) instead of one
/// per finding: a million-finding registry needs a third of the memory and half the hashing.
/// A row of the same study as the row before it (the usual layout) is matched without a lookup.
/// A repeated (study, outcome) pair is only noted as it is met: naming the line of its first
/// row needs the rows again ([`CrossRowChecks::resolve_repeats`]).
#[derive(Default)]
pub struct CrossRowChecks {
    // foldhash: these maps see every row of million-row registries; keys come from the file,
    // but a per-process random seed keeps them safe from crafted collisions.
    study_index: HashMap<Text, usize, RandomState>,
    studies: Vec<StudyEntry>,
    outcome_numbers: HashMap<Text, usize, RandomState>,
    /// First line of each (study, outcome number) pair numbered 64 and up (past the bits).
    lines_past_bits: HashMap<(usize, usize), u64, RandomState>,
    /// Rows that repeat a (study, outcome) pair numbered below 64: (row line, study, outcome).
    repeats: Vec<(u64, Text, Text)>,
    dois: PaperOwners,
    pmids: PaperOwners,
    /// The previous row's study id and index.
    previous: Option<(Text, usize)>,
    /// The study of every row checked, when asked for ([`CrossRowChecks::indexing`]).
    index: Option<StudyIndex>,
}

impl CrossRowChecks {
    /// Checks that also record the study of every row checked (see
    /// [`CrossRowChecks::take_index`]), for rows that are kept.
    pub fn indexing() -> CrossRowChecks {
        CrossRowChecks {
            index: Some(StudyIndex::default()),
            ..CrossRowChecks::default()
        }
    }

    /// The study of every row checked, numbered in order of first appearance (empty unless
    /// made by [`CrossRowChecks::indexing`]).
    pub fn take_index(&mut self) -> StudyIndex {
        self.index.take().unwrap_or_default()
    }

    /// Checks `findings`, the rows that follow those already checked.
    pub fn check(&mut self, findings: &[Finding], diagnostics: &mut Diagnostics) {
        for finding in findings {
            let study = self.study_of(finding, diagnostics);
            if let Some(index) = self.index.as_mut() {
                index.push(study as u32);
            }
            self.note_outcome(study, finding, diagnostics);
            self.dois.check(Col::Doi, finding, diagnostics);
            self.pmids.check(Col::Pmid, finding, diagnostics);
        }
    }

    /// Points each of `findings` — the rows just given to [`CrossRowChecks::check`] — at its
    /// study's first row's [`Study`] where they hold the same fields: reading shares a study
    /// between consecutive rows only, so a study's rows scattered through the file would each
    /// keep a copy (at a million shuffled findings, a fifth more memory). Does nothing unless
    /// the checks index the rows ([`CrossRowChecks::indexing`]: rows that are kept).
    pub fn share_studies(&self, findings: &mut [Finding]) {
        let Some(index) = &self.index else {
            return;
        };
        let Some(studies) = index
            .of_row()
            .len()
            .checked_sub(findings.len())
            .map(|from| &index.of_row()[from..])
        else {
            return;
        };
        for (row, study) in findings.iter_mut().zip(studies) {
            let first = &self.studies[*study as usize].first.study;
            if !Arc::ptr_eq(&row.study, first) && row.study == *first {
                row.study = Arc::clone(first);
            }
        }
    }

    /// Distinct studies seen.
    pub fn studies(&self) -> usize {
        self.studies.len()
    }

    /// Whether rows repeated a (study, outcome) pair: [`CrossRowChecks::resolve_repeats`] then
    /// needs every row checked.
    pub fn has_repeats(&self) -> bool {
        !self.repeats.is_empty()
    }

    /// Reports each repeated (study, outcome) pair with the line of its first row, found in
    /// `findings`, every row checked.
    pub fn resolve_repeats(&mut self, findings: &[Finding], diagnostics: &mut Diagnostics) {
        if self.repeats.is_empty() {
            return;
        }
        let mut first_lines: HashMap<(&str, &str), u64, RandomState> =
            HashMap::with_capacity_and_hasher(findings.len(), RandomState::default());
        for row in findings {
            first_lines
                .entry((row.study.id.as_str(), row.keys.outcome().as_str()))
                .or_insert(row.line);
        }
        for (line, study_id, outcome) in self.repeats.drain(..) {
            if let Some(first_line) = first_lines.get(&(study_id.as_str(), outcome.as_str())) {
                diagnostics.push(duplicate_finding(line, &study_id, &outcome, *first_line));
            }
        }
    }

    /// The index of `finding`'s study (new studies are added); checks its study-level fields
    /// against the study's first row.
    fn study_of(&mut self, finding: &Finding, diagnostics: &mut Diagnostics) -> usize {
        if let Some((id, study)) = &self.previous
            && same_text(id, &finding.study.id)
        {
            self.studies[*study].first.check(finding, diagnostics);
            return *study;
        }
        // One lookup: in the usual layout every lookup is a study met for the first time.
        let next = self.studies.len();
        let study = match self.study_index.entry(finding.study.id.clone()) {
            Entry::Occupied(known) => {
                let study = *known.get();
                self.studies[study].first.check(finding, diagnostics);
                study
            }
            Entry::Vacant(slot) => {
                slot.insert(next);
                self.studies.push(StudyEntry {
                    first: StudyFields::of(finding),
                    outcomes: 0,
                });
                next
            }
        };
        self.previous = Some((finding.study.id.clone(), study));
        study
    }

    /// Records `finding`'s outcome for study `study`; a repeated pair is reported (past the
    /// bits) or noted for [`CrossRowChecks::resolve_repeats`].
    fn note_outcome(&mut self, study: usize, finding: &Finding, diagnostics: &mut Diagnostics) {
        let number = match self.outcome_numbers.get(finding.keys.outcome()) {
            Some(&number) => number,
            None => {
                let number = self.outcome_numbers.len();
                self.outcome_numbers
                    .insert(finding.keys.outcome().clone(), number);
                number
            }
        };
        if number < 64 {
            let bit = 1u64 << number;
            let entry = &mut self.studies[study];
            if entry.outcomes & bit == 0 {
                entry.outcomes |= bit;
            } else {
                self.repeats.push((
                    finding.line,
                    finding.study.id.clone(),
                    finding.keys.outcome().clone(),
                ));
            }
            return;
        }
        match self.lines_past_bits.entry((study, number)) {
            Entry::Vacant(slot) => {
                slot.insert(finding.line);
            }
            Entry::Occupied(first) => diagnostics.push(duplicate_finding(
                finding.line,
                &finding.study.id,
                finding.keys.outcome(),
                *first.get(),
            )),
        }
    }
}

/// Equal text, by pointer first (rows of a study share their text).
fn same_text(a: &Text, b: &Text) -> bool {
    Text::ptr_eq(a, b) || a == b
}

/// A repeated (study, outcome) pair on `line` whose first row is on `first_line`.
fn duplicate_finding(line: u64, study_id: &str, outcome: &str, first_line: u64) -> Diagnostic {
    Diagnostic::column(
        line,
        Col::Outcome.name(),
        format!(
            "duplicate finding: study \"{}\" already has outcome \"{}\" on line \
             {first_line}; give each outcome of a study one row",
            shown(study_id),
            shown(outcome)
        ),
    )
    .naming_line(first_line)
}

/// A DOI or PMID (`col`) of `finding` that `owner`, another study, gave first.
fn paper_of_another_study(finding: &Finding, col: Col, value: &str, owner: &Owner) -> Diagnostic {
    Diagnostic::column(
        finding.line,
        col.name(),
        format!(
            "{} {} already belongs to study \"{}\" (line {}); one paper is one study id: \
             reuse \"{}\"",
            col.name(),
            shown(value),
            shown(&owner.study_id),
            owner.line,
            shown(&owner.study_id)
        ),
    )
    .naming_line(owner.line)
}

/// A finding's DOI or PMID.
fn paper_id(finding: &Finding, col: Col) -> Option<&Text> {
    match col {
        Col::Doi => finding.study.doi.as_ref(),
        _ => finding.study.pmid.as_ref(),
    }
}

/// The study that gave a paper id first, and the line where it did.
struct Owner {
    study_id: Text,
    line: u64,
}

/// Which study gave each DOI (or PMID) first.
#[derive(Default)]
struct PaperOwners {
    owners: HashMap<Text, Owner, RandomState>,
    /// The last (study id, value) whose value belongs to its own study: the next row of that
    /// study with the same value needs no lookup.
    last_owned: Option<(Text, Text)>,
}

impl PaperOwners {
    /// Reports `finding`'s value of `col` if another study gave it first.
    fn check(&mut self, col: Col, finding: &Finding, diagnostics: &mut Diagnostics) {
        let Some(value) = paper_id(finding, col) else {
            return;
        };
        if let Some((study_id, owned)) = &self.last_owned
            && same_text(study_id, &finding.study.id)
            && same_text(owned, value)
        {
            return;
        }
        self.last_owned = None;
        match self.owners.get(&**value) {
            Some(owner) if !same_text(&owner.study_id, &finding.study.id) => {
                diagnostics.push(paper_of_another_study(finding, col, value, owner));
                return;
            }
            Some(_) => {}
            None => {
                self.owners.insert(
                    value.clone(),
                    Owner {
                        study_id: finding.study.id.clone(),
                        line: finding.line,
                    },
                );
            }
        }
        self.last_owned = Some((finding.study.id.clone(), value.clone()));
    }
}

/// A study's first row's study-level fields and the outcomes (by number, below 64) it has
/// rows for.
struct StudyEntry {
    first: StudyFields,
    outcomes: u64,
}

/// The fields that must repeat identically on every row of a study, as its first row has them,
/// and that row's line.
struct StudyFields {
    line: u64,
    study: Arc<Study>,
}

impl StudyFields {
    /// The study-level fields of `row`.
    fn of(row: &Finding) -> StudyFields {
        StudyFields {
            line: row.line,
            study: Arc::clone(&row.study),
        }
    }

    /// Reports each study-level field of `row` that differs from this first row's. Compared in
    /// place; text is only built for a mismatch (this runs once per row).
    fn check(&self, row: &Finding, diagnostics: &mut Diagnostics) {
        // Rows of a study read together share their first row's fields.
        if Arc::ptr_eq(&self.study, &row.study) {
            return;
        }
        let first = &*self.study;
        let mismatches = [
            (
                Col::Citation,
                !same_text(&first.citation, &row.study.citation),
            ),
            (Col::Year, first.year != row.study.year),
            (Col::Doi, first.doi != row.study.doi),
            (Col::Pmid, first.pmid != row.study.pmid),
            (Col::Design, first.design != row.study.design),
            (Col::KStudies, first.k_studies != row.study.k_studies),
            (Col::Confidence, first.confidence != row.study.confidence),
        ];
        for (col, differs) in mismatches {
            if !differs {
                continue;
            }
            let (expected, found) = match col {
                Col::Citation => (first.citation.to_string(), row.study.citation.to_string()),
                Col::Year => (first.year.to_string(), row.study.year.to_string()),
                Col::Doi => (show(&first.doi), show(&row.study.doi)),
                Col::Pmid => (show(&first.pmid), show(&row.study.pmid)),
                Col::Design => (first.design.to_string(), row.study.design.to_string()),
                Col::KStudies => (show(&first.k_studies), show(&row.study.k_studies)),
                _ => (show(&first.confidence), show(&row.study.confidence)),
            };
            diagnostics.push(
                Diagnostic::column(
                    row.line,
                    col.name(),
                    format!(
                        "study \"{}\" has {} {} here but {} on line {}; study-level fields must \
                     agree on every row of a study",
                        shown(&row.study.id),
                        col.name(),
                        quoted(&found),
                        quoted(&expected),
                        self.line
                    ),
                )
                .naming_line(self.line),
            );
        }
    }
}
fn show<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn quoted(value: &str) -> String {
    if value.is_empty() {
        "(empty)".to_string()
    } else {
        diagnostic::quoted(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::finding::RowKeys;
    use proptest::prelude::*;

    /// `keys` with another outcome. The cross-row checks read the outcome's text, not the
    /// topic codes, which are kept as they were.
    fn with_outcome(keys: &RowKeys, outcome: Text) -> RowKeys {
        RowKeys::with_codes(
            keys.question().clone(),
            keys.form().clone(),
            outcome,
            keys.codes(),
        )
    }

    /// The straightforward check (one map entry per finding, every row looked up), as it was
    /// before the per-study version: the oracle the faster one must agree with.
    fn reference(findings: &[Finding], diagnostics: &mut Diagnostics) {
        let mut first_row_of_study: HashMap<&str, StudyFields> = HashMap::new();
        let mut finding_lines: HashMap<(&str, &str), u64> = HashMap::new();
        let mut doi_owner: HashMap<&str, Owner> = HashMap::new();
        let mut pmid_owner: HashMap<&str, Owner> = HashMap::new();
        for finding in findings {
            match first_row_of_study.entry(&finding.study.id) {
                Entry::Vacant(slot) => {
                    slot.insert(StudyFields::of(finding));
                }
                Entry::Occupied(first) => first.get().check(finding, diagnostics),
            }
            match finding_lines.entry((&finding.study.id, finding.keys.outcome())) {
                Entry::Vacant(slot) => {
                    slot.insert(finding.line);
                }
                Entry::Occupied(first) => {
                    diagnostics.push(duplicate_finding(
                        finding.line,
                        &finding.study.id,
                        finding.keys.outcome(),
                        *first.get(),
                    ));
                }
            }
            for (value, owners, col) in [
                (&finding.study.doi, &mut doi_owner, Col::Doi),
                (&finding.study.pmid, &mut pmid_owner, Col::Pmid),
            ] {
                let Some(value) = value else { continue };
                match owners.entry(value) {
                    Entry::Vacant(slot) => {
                        slot.insert(Owner {
                            study_id: finding.study.id.clone(),
                            line: finding.line,
                        });
                    }
                    Entry::Occupied(owner) if owner.get().study_id != finding.study.id => {
                        diagnostics.push(paper_of_another_study(finding, col, value, owner.get()));
                    }
                    Entry::Occupied(_) => {}
                }
            }
        }
    }

    /// Rows of two studies interleaved, each row with its own copy of its study: once checked
    /// (in two slices) and shared, every row of a study holds its first row's [`Study`]; the
    /// fields and all else are unchanged; unindexed checks share nothing.
    #[test]
    fn studies_are_shared_between_scattered_rows() {
        let base = shipped_rows();
        let copy = |text: &str| Text::from(text.to_string());
        let rows: Vec<Finding> = (0..6)
            .map(|i| {
                let mut row = base[0].clone();
                let id = ["a_1", "b_2"][i % 2];
                row.study = Arc::new(Study {
                    id: copy(id),
                    citation: copy(&format!("Citation of {id}")),
                    doi: Some(copy(&format!("10.1000/{id}"))),
                    pmid: None,
                    ..(*row.study).clone()
                });
                row.keys = Arc::new(with_outcome(&row.keys, copy(&format!("o{i}"))));
                row.line = i as u64 + 2;
                row
            })
            .collect();
        let mut shared = rows.clone();
        let mut checks = CrossRowChecks::indexing();
        let mut diagnostics = Diagnostics::new("t.csv");
        let (head, tail) = shared.split_at_mut(3);
        for slice in [head, tail] {
            checks.check(slice, &mut diagnostics);
            checks.share_studies(slice);
        }
        assert!(diagnostics.is_empty());
        assert_eq!(shared, rows);
        for (i, row) in shared.iter().enumerate() {
            let first = &shared[i % 2];
            assert!(Arc::ptr_eq(&row.study, &first.study), "row {i}");
            assert!(
                !Arc::ptr_eq(&row.study, &shared[(i + 1) % 2].study),
                "row {i}"
            );
        }
        let mut unshared = rows.clone();
        let mut plain = CrossRowChecks::default();
        plain.check(&unshared, &mut diagnostics);
        plain.share_studies(&mut unshared);
        assert!(!Arc::ptr_eq(&unshared[2].study, &unshared[0].study));
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
        Arc::make_mut(&mut row.study).id = Text::from(format!("s{}", study % 6));
        row.keys = Arc::new(with_outcome(
            &row.keys,
            Text::from(format!("o{}", outcome % 100)),
        ));
        Arc::make_mut(&mut row.study).doi =
            (doi % 4 != 0).then(|| Text::from(format!("10.1/{}", doi % 4)));
        Arc::make_mut(&mut row.study).pmid =
            (pmid % 5 != 0).then(|| Text::from(format!("{}", pmid % 5)));
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
            cuts in prop::collection::vec(0usize..450, 0..4),
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
            // The same rows checked in consecutive slices (as blocks are read).
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(rows.len())).collect();
            cuts.sort_unstable();
            let mut in_slices = Diagnostics::new("r.csv");
            let mut checks = CrossRowChecks::default();
            let mut from = 0;
            for cut in cuts.into_iter().chain([rows.len()]) {
                checks.check(&rows[from..cut], &mut in_slices);
                from = cut;
            }
            checks.resolve_repeats(&rows, &mut in_slices);
            let in_slices = in_slices.into_sorted();
            let mut slow = Diagnostics::new("r.csv");
            reference(&rows, &mut slow);
            let fast = fast.into_sorted();
            prop_assert_eq!(&in_slices, &fast);
            // Repeated pairs are reported after the other problems of their line (their first
            // line is looked up at the end); the reference reports them in between.
            let by_column = |found: Vec<Diagnostic>| {
                let mut found = found;
                found.sort_by(|a, b| (a.line, &a.column, &a.message).cmp(&(b.line, &b.column, &b.message)));
                found
            };
            prop_assert_eq!(by_column(fast), by_column(slow.into_sorted()));
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
                Arc::make_mut(&mut r.study).citation = base[0].study.citation.clone();
                Arc::make_mut(&mut r.study).year = base[0].study.year;
                Arc::make_mut(&mut r.study).design = base[0].study.design;
                Arc::make_mut(&mut r.study).k_studies = base[0].study.k_studies;
                Arc::make_mut(&mut r.study).confidence = base[0].study.confidence;
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
