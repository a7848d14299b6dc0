//! Which study each row belongs to: studies numbered in order of first appearance. The
//! cross-row checks number the studies as they read the rows ([`StudyIndex::builder`]), so the
//! frame and the list of studies take the numbers instead of hashing every study id again.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::registry::Finding;

/// The study of every row, as a number in order of first appearance, and the first row of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudyIndex {
    /// `of_row[i]`: the study of row `i`.
    of_row: Vec<u32>,
    /// `first_rows[s]`: the first row of study `s`.
    first_rows: Vec<usize>,
}

impl StudyIndex {
    /// The index of `findings`, by their study ids. A row of the same study as the row before
    /// it (the usual layout) is numbered without a lookup.
    pub fn of(findings: &[Finding]) -> StudyIndex {
        let mut numbers: HashMap<&str, u32, RandomState> =
            HashMap::with_capacity_and_hasher(findings.len() / 2, RandomState::default());
        let mut index = StudyIndex::builder(findings.len());
        let mut previous: Option<(&str, u32)> = None;
        for finding in findings {
            let id = finding.study.id.as_str();
            let study = match previous {
                Some((previous_id, study)) if previous_id == id => study,
                _ => *numbers
                    .entry(id)
                    .or_insert_with(|| index.first_rows.len() as u32),
            };
            index.push(study);
            previous = Some((id, study));
        }
        index
    }

    /// This index if it numbers as many rows as `findings` has (a registry's own index, which
    /// the registry keeps beside its rows and a selection remakes), else one made from them,
    /// so rows handed over without their index are still numbered.
    pub fn covering(&self, findings: &[Finding]) -> std::borrow::Cow<'_, StudyIndex> {
        if self.of_row.len() == findings.len() {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(StudyIndex::of(findings))
        }
    }

    /// An empty index with room for `rows` rows, filled row by row with [`StudyIndex::push`].
    pub fn builder(rows: usize) -> StudyIndex {
        StudyIndex {
            of_row: Vec::with_capacity(rows),
            first_rows: Vec::new(),
        }
    }

    /// Records that the next row is of study `study`: a known study's number, or the next
    /// number for a new study.
    pub fn push(&mut self, study: u32) {
        if study as usize == self.first_rows.len() {
            self.first_rows.push(self.of_row.len());
        }
        self.of_row.push(study);
    }

    /// The study of each row.
    pub fn of_row(&self) -> &[u32] {
        &self.of_row
    }

    /// The first row of each study, by study number.
    pub fn first_rows(&self) -> &[usize] {
        &self.first_rows
    }

    /// How many distinct studies.
    pub fn studies(&self) -> usize {
        self.first_rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::finding::Text;
    use crate::synthesis::test_rows;

    /// Studies interleaved and in runs, ids in shared and own allocations: numbers by first
    /// appearance and first rows by hand.
    #[test]
    fn studies_are_numbered_by_first_appearance() {
        let registry = test_rows::shipped();
        let row = |study: &str| {
            let mut f = registry.findings[0].clone();
            std::sync::Arc::make_mut(&mut f.study).id = Text::from(study.to_string());
            f
        };
        let findings = [row("b"), row("a"), row("b"), row("b"), row("c"), row("a")];
        let index = StudyIndex::of(&findings);
        assert_eq!(index.of_row(), [0, 1, 0, 0, 2, 1]);
        assert_eq!(index.first_rows(), [0, 1, 4]);
        assert_eq!(index.studies(), 3);
        // An index of other rows is not used for these.
        let stale = StudyIndex::of(&findings[..2]);
        assert_eq!(*stale.covering(&findings), index);
        assert!(matches!(
            index.covering(&findings),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
