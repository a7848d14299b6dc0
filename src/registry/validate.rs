//! Checks across rows: study-level fields that disagree, duplicate findings, and one DOI or PMID
//! under two study ids.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use foldhash::fast::RandomState;

use crate::registry::columns::Col;
use crate::registry::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::finding::Finding;

/// Adds a diagnostic for every cross-row problem in `findings`.
pub fn check_across_rows(findings: &[Finding], diagnostics: &mut Diagnostics) {
    // foldhash: these maps see every row of million-row registries; keys come from the file,
    // but a per-process random seed keeps them safe from crafted collisions.
    let rows = findings.len();
    let mut first_row_of_study: HashMap<&str, &Finding, RandomState> =
        HashMap::with_capacity_and_hasher(rows / 2, RandomState::default());
    let mut finding_lines: HashMap<(&str, &str), u64, RandomState> =
        HashMap::with_capacity_and_hasher(rows, RandomState::default());
    let mut doi_owner: HashMap<&str, &Finding, RandomState> = HashMap::default();
    let mut pmid_owner: HashMap<&str, &Finding, RandomState> = HashMap::default();

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
            Entry::Occupied(first) => diagnostics.push(Diagnostic::column(
                finding.line,
                Col::Outcome.name(),
                format!(
                    "duplicate finding: study \"{}\" already has outcome \"{}\" on line {}; \
                     give each outcome of a study one row",
                    finding.study_id,
                    finding.outcome,
                    first.get()
                ),
            )),
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
                    diagnostics.push(Diagnostic::column(
                        finding.line,
                        col.name(),
                        format!(
                            "{} {value} already belongs to study \"{}\" (line {}); one paper is \
                             one study id: reuse \"{}\"",
                            col.name(),
                            owner.get().study_id,
                            owner.get().line,
                            owner.get().study_id
                        ),
                    ));
                }
                Entry::Occupied(_) => {}
            }
        }
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
