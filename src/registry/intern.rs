//! Sharing repeated values while reading rows: consecutive rows of one study share its
//! [`Study`], and rows naming the same question, form and outcome share their [`RowKeys`].

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Confidence, Design};
use crate::registry::columns::Col;
use crate::registry::finding::{RowKeys, Study, Text};

/// Shares repeated values within one run of rows: a row whose study-level fields equal the
/// previous row's (rows of one study follow each other) shares its [`Study`], and every topic
/// key is allocated once.
pub(super) struct Interner {
    /// The previous row's study.
    previous: Option<Arc<Study>>,
    /// Topic keys by column and position in the topic, made on first use.
    keys: [Vec<Option<Text>>; Col::COUNT],
    /// Each combination of question, form and outcome met, in order of first use.
    combinations: Vec<Arc<RowKeys>>,
    /// Where each combination is in `combinations`, by the keys' positions in the topic.
    row_keys: HashMap<[usize; 3], usize, foldhash::fast::RandomState>,
    /// The previous row's combination: positions, and where it is in `combinations` (an
    /// index, not another `Arc`, so that changing it costs no reference counting).
    previous_keys: Option<([usize; 3], usize)>,
}

/// A row's study-level text, as read.
pub(super) struct StudyText<'r> {
    /// `study_id`.
    pub(super) id: &'r str,
    /// `citation`.
    pub(super) citation: &'r str,
    /// `doi`, if given.
    pub(super) doi: Option<&'r str>,
    /// `pmid`, if given.
    pub(super) pmid: Option<&'r str>,
}

impl Interner {
    pub(super) fn new() -> Interner {
        Interner {
            previous: None,
            keys: std::array::from_fn(|_| Vec::new()),
            combinations: Vec::new(),
            row_keys: HashMap::default(),
            previous_keys: None,
        }
    }

    /// The row's [`Study`]: the previous row's when every field is the same, otherwise a new
    /// one (sharing the previous study's text where it repeats).
    pub(super) fn study(
        &mut self,
        text: StudyText<'_>,
        year: i32,
        design: Design,
        k_studies: Option<u32>,
        confidence: Option<Confidence>,
    ) -> Arc<Study> {
        if let Some(previous) = &self.previous
            && previous.id.as_str() == text.id
            && previous.citation.as_str() == text.citation
            && previous.doi.as_deref() == text.doi
            && previous.pmid.as_deref() == text.pmid
            && previous.year == year
            && previous.design == design
            && previous.k_studies == k_studies
            && previous.confidence == confidence
        {
            return Arc::clone(previous);
        }
        // The previous study's text where this one repeats it, else a new string.
        let previous = self.previous.as_deref();
        let reuse = |earlier: Option<&Text>, value: &str| match earlier {
            Some(text) if text.as_str() == value => text.clone(),
            _ => Text::from(value),
        };
        let study = Arc::new(Study {
            id: reuse(previous.map(|p| &p.id), text.id),
            citation: reuse(previous.map(|p| &p.citation), text.citation),
            year,
            doi: text
                .doi
                .map(|doi| reuse(previous.and_then(|p| p.doi.as_ref()), doi)),
            pmid: text
                .pmid
                .map(|pmid| reuse(previous.and_then(|p| p.pmid.as_ref()), pmid)),
            design,
            k_studies,
            confidence,
        });
        self.previous.insert(study).clone()
    }

    /// The row's [`RowKeys`] from its question, form and outcome (each a position in the
    /// topic and the text): the previous row's when it names the same keys, else the chunk's
    /// copy of that combination (made on first use).
    pub(super) fn row_keys(&mut self, keys: [(usize, &str); 3]) -> Arc<RowKeys> {
        let positions = keys.map(|(position, _)| position);
        if let Some((previous, at)) = self.previous_keys
            && previous == positions
        {
            return Arc::clone(&self.combinations[at]);
        }
        let at = match self.row_keys.get(&positions) {
            Some(&at) => at,
            None => {
                let [
                    (question, question_text),
                    (form, form_text),
                    (outcome, outcome_text),
                ] = keys;
                let row_keys = RowKeys::with_codes(
                    self.key(Col::Question, question, question_text),
                    self.key(Col::Form, form, form_text),
                    self.key(Col::Outcome, outcome, outcome_text),
                    // A topic's keys are counted in thousands at most.
                    positions.map(|p| u32::try_from(p).unwrap_or(u32::MAX)),
                );
                self.combinations.push(Arc::new(row_keys));
                self.row_keys.insert(positions, self.combinations.len() - 1);
                self.combinations.len() - 1
            }
        };
        self.previous_keys = Some((positions, at));
        Arc::clone(&self.combinations[at])
    }

    fn key(&mut self, col: Col, index: usize, text: &str) -> Text {
        let keys = &mut self.keys[col as usize];
        if keys.len() <= index {
            keys.resize(index + 1, None);
        }
        keys[index].get_or_insert_with(|| Text::from(text)).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::read::read_registry;
    use crate::registry::topic::Topic;

    /// Consecutive rows of a study share one [`Study`] as read; a row that changes a
    /// study-level field gets its own, and the next study keeps no text of the last. Rows
    /// share their [`RowKeys`] the same way.
    #[test]
    fn consecutive_rows_of_a_study_share_their_study() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");
        let topic = Topic::load(&std::path::Path::new(dir).join("topic.toml")).unwrap();
        let rows = "study_id,citation,year,design,question,n,form,outcome,direction\n\
            a_1,A 2001,2001,rct,treatment,10,citrate,rls_severity,positive\n\
            a_1,A 2001,2001,rct,treatment,10,citrate,sleep_quality,positive\n\
            a_1,A 2001,2002,rct,treatment,10,citrate,rls_quality_of_life,positive\n\
            b_2,B 2002,2002,rct,treatment,10,citrate,rls_severity,positive\n";
        let outcome = read_registry(rows.as_bytes(), "r.csv", &topic, 2026);
        let found = &outcome.findings;
        assert_eq!(found.len(), 4, "{:?}", outcome.diagnostics);
        assert!(Arc::ptr_eq(&found[0].study, &found[1].study));
        assert!(!Arc::ptr_eq(&found[1].study, &found[2].study));
        assert_eq!(found[2].study.year, 2002);
        assert!(Text::ptr_eq(&found[1].study.id, &found[2].study.id));
        assert!(Text::ptr_eq(
            &found[1].study.citation,
            &found[2].study.citation
        ));
        assert_eq!(*found[3].study.id, *"b_2");
        assert_eq!(*found[3].study.citation, *"B 2002");
        // Rows naming the same question, form and outcome share their keys, apart or not;
        // others hold their own, their common keys one string each.
        assert!(Arc::ptr_eq(&found[0].keys, &found[3].keys));
        assert!(!Arc::ptr_eq(&found[0].keys, &found[1].keys));
        assert!(Text::ptr_eq(
            found[0].keys.question(),
            found[1].keys.question()
        ));
        assert_eq!(
            [
                &found[1].keys.question(),
                &found[1].keys.form(),
                &found[1].keys.outcome()
            ]
            .map(|key| key.as_str()),
            ["treatment", "citrate", "sleep_quality"]
        );
    }
}
