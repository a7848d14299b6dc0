//! The findings in order of question × study, from which the study votes and every
//! count whose keys are the question, the design tier (a study-level field), the direction and
//! the form are folded in one pass, without grouping the findings by study.
//!
//! At a million findings a polars group-by by study costs 80–200 ms and the ordering 25 ms; the
//! tier tables (by direction and overall), the form tables (the same), the question totals
//! and the registry totals took seven such group-bys. Now they are sums over each study's
//! sorted rows, checked against the direct polars counts by a property test.

use std::collections::HashMap;

use polars::prelude::{
    DataFrame, DataType, IdxCa, IdxSize, PolarsError, PolarsResult, UInt32Chunked, UInt64Chunked,
};

use crate::frame::{self, Codebook, Packing};
use crate::model::Tier;
use crate::synthesis::counts::CellCount;
use crate::synthesis::direction_table::Cells;

/// What one study's findings under one question add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudyGroup {
    /// The question's code.
    pub question: u32,
    /// The study's code (codes follow study id order).
    pub study: u32,
    /// The study's design tier (the same on all its rows: checked when the registry is read).
    pub tier: Option<Tier>,
    /// Its findings under the question.
    pub findings: u32,
    /// The largest n among them, if any gives n.
    pub n: Option<u32>,
    /// Findings per direction, in [`crate::model::Direction::ALL`] order.
    pub by_direction: [u32; 4],
    /// The largest n among the findings of each direction (0 when none gives n).
    pub n_by_direction: [u32; 4],
}

/// One finding as sorted: its study, the codes counts fold by (in [`Field`] order: question,
/// tier, direction, form), decoded once from the packed key, and its n.
#[derive(Debug, Clone, Copy)]
struct Row {
    study: u32,
    fields: [u32; 4],
    n: Option<u32>,
}

impl Row {
    fn field(&self, field: Field) -> u32 {
        self.fields[field as usize]
    }
}

/// The findings of a frame in order of question, then study.
///
/// A study's findings under a question are adjacent: [`StudyGroups::for_each`] folds them into
/// one [`StudyGroup`] as it goes, and [`StudyGroups::count_by`] into the cells of counts. (A
/// polars group-by by that key, sorted after, gave the same groups in three times the time: a
/// million findings make nearly a million groups.) The folds need no order within a group (they
/// are sums and maxima), so the findings are put in order by two stable counting sorts of their
/// positions, by study code and then by question code; the packed (question, study,
/// direction, form) keys are made in that order and the tier and n gathered into it: at a
/// million findings 25 ms, where a polars sort of the packed key with the tier and n took
/// 80 ms (0.9 s at ten million).
pub struct StudyGroups {
    keys: UInt64Chunked,
    tiers: UInt32Chunked,
    ns: UInt32Chunked,
    /// Where the question (0), study (1), direction (2) and form (3) codes sit in a key.
    packing: Packing,
}

/// Positions of the codes in a sorted row's packed key.
const QUESTION_AT: usize = 0;
const STUDY_AT: usize = 1;
const DIRECTION_AT: usize = 2;
const FORM_AT: usize = 3;
/// The key of a cell of a folded count: the codes of its keys, in their order (at most four:
/// question, tier, direction, form), `u32::MAX` past them.
type CellKey = [u32; 4];

/// A column a count can be folded by, read from a sorted row.
#[derive(Debug, Clone, Copy)]
enum Field {
    Question,
    Tier,
    Direction,
    Form,
}

impl Field {
    /// The field of a frame column name, if counts by it fold.
    fn of(column: &str) -> Option<Field> {
        match column {
            frame::QUESTION => Some(Field::Question),
            frame::TIER => Some(Field::Tier),
            frame::DIRECTION => Some(Field::Direction),
            frame::FORM => Some(Field::Form),
            _ => None,
        }
    }
}

impl StudyGroups {
    /// Puts the findings of a frame (its columns, taken: each is freed once read, so the
    /// groups are not built beside the whole frame; at ten million findings, 80 MB less while
    /// they are made) in order of question, then study. `codes` are the frame's.
    pub fn of(mut columns: DataFrame, codes: &Codebook<'_>) -> PolarsResult<StudyGroups> {
        // Packed in this order: question, study, direction, form.
        let packing = codes.packing(&[
            frame::QUESTION,
            frame::STUDY_ID,
            frame::DIRECTION,
            frame::FORM,
        ])?;
        let _phase = crate::timing::phase("study groups: order");
        let mut take = |name: &str| -> PolarsResult<UInt32Chunked> {
            Ok(columns.drop_in_place(name)?.u32()?.rechunk().into_owned())
        };
        let (questions, studies) = (take(frame::QUESTION)?, take(frame::STUDY_ID)?);
        let (directions, forms) = (take(frame::DIRECTION)?, take(frame::FORM)?);
        let height = columns.height();
        let positions = IdxSize::try_from(height).map_err(|_| {
            PolarsError::ComputeError(
                format!("{height} findings are more than a report can put in order").into(),
            )
        })?;
        let order = {
            let (questions, studies) = (questions.cont_slice()?, studies.cont_slice()?);
            IdxCa::from_vec(
                "order".into(),
                sorted_by_code(sorted_by_code((0..positions).collect(), studies), questions),
            )
        };
        // The tier and n gathered into that order first, and the frame (then only those and
        // the outcome) dropped before the keys are made.
        let carried = columns.select([frame::N, frame::TIER])?.take(&order)?;
        drop(columns);
        let u32s = |name: &str| -> PolarsResult<UInt32Chunked> {
            Ok(carried
                .column(name)?
                .cast(&DataType::UInt32)?
                .u32()?
                .rechunk()
                .into_owned())
        };
        let (tiers, ns) = (u32s(frame::TIER)?, u32s(frame::N)?);
        drop(carried);
        // The packed keys are made in order (no key column in the findings' own order).
        let keys: Vec<u64> = {
            let (questions, studies) = (questions.cont_slice()?, studies.cont_slice()?);
            let (directions, forms) = (directions.cont_slice()?, forms.cont_slice()?);
            order
                .cont_slice()?
                .iter()
                .map(|&position| {
                    let i = position as usize;
                    packing.key([questions[i], studies[i], directions[i], forms[i]])
                })
                .collect()
        };
        Ok(StudyGroups {
            keys: UInt64Chunked::from_vec(frame::KEY.into(), keys),
            tiers,
            ns,
            packing,
        })
    }

    /// Calls `run` with the rows of each question × study in turn, in order of question, then
    /// study code.
    fn for_each_study(&self, mut run: impl FnMut(&[Row])) {
        let packing = &self.packing;
        // Keys and tiers are never missing (codes of validated rows); n is missing for reviews
        // that give only k_studies.
        let rows = self
            .keys
            .into_no_null_iter()
            .zip(self.tiers.into_no_null_iter())
            .zip(self.ns.iter())
            .map(|((key, tier), n)| Row {
                study: packing.code(key, STUDY_AT),
                fields: [
                    packing.code(key, QUESTION_AT),
                    tier,
                    packing.code(key, DIRECTION_AT),
                    packing.code(key, FORM_AT),
                ],
                n,
            });
        let study_of = |row: &Row| (row.field(Field::Question), row.study);
        let mut current: Vec<Row> = Vec::new();
        for row in rows {
            if current
                .first()
                .is_some_and(|first| study_of(first) != study_of(&row))
            {
                run(&current);
                current.clear();
            }
            current.push(row);
        }
        if !current.is_empty() {
            run(&current);
        }
    }

    /// The question × study group of one study's rows under one question.
    fn group(rows: &[Row]) -> StudyGroup {
        let first = rows[0];
        let mut group = StudyGroup {
            question: first.field(Field::Question),
            study: first.study,
            tier: Tier::ALL.get(first.field(Field::Tier) as usize).copied(),
            findings: 0,
            n: None,
            by_direction: [0; 4],
            n_by_direction: [0; 4],
        };
        for row in rows {
            let direction = row.field(Field::Direction) as usize;
            if let Some(count) = group.by_direction.get_mut(direction) {
                *count += 1;
                let largest = &mut group.n_by_direction[direction];
                *largest = (*largest).max(row.n.unwrap_or(0));
            }
            group.findings += 1;
            group.n = group.n.max(row.n);
        }
        group
    }

    /// Calls `each` with every question × study group, in order of question, then study id.
    pub fn for_each(&self, mut each: impl FnMut(StudyGroup)) {
        self.for_each_study(|rows| each(StudyGroups::group(rows)));
    }

    /// Whether [`StudyGroups::count_by`] counts by `keys`: the question, and otherwise only the
    /// tier, the direction and the form.
    pub fn folds(keys: &[&str]) -> bool {
        StudyGroups::fields_of(keys).is_some()
    }

    /// The fields of `keys`, in their order, when counts by them fold.
    fn fields_of(keys: &[&str]) -> Option<Vec<Field>> {
        if !keys.contains(&frame::QUESTION) || keys.len() > CellKey::default().len() {
            return None;
        }
        keys.iter().map(|k| Field::of(k)).collect()
    }

    /// Counts per distinct value of each of `key_sets` (frame column names), as
    /// [`crate::synthesis::counts::count_by`] gives them, in one pass over the rows; `None`
    /// for a key set that [`StudyGroups::folds`] does not accept. A study's rows under a
    /// question that fall in one cell are that cell's one study, with their findings and the
    /// largest of their n.
    pub fn count_by<'k, K: AsRef<[&'k str]>>(
        &self,
        codes: &Codebook<'_>,
        key_sets: &[K],
    ) -> Vec<Option<Cells>> {
        // Per key set that folds: its fields, and the store of its cells.
        let mut folds: Vec<Option<(Vec<Field>, CellStore)>> = key_sets
            .iter()
            .map(|keys| {
                let keys = keys.as_ref();
                StudyGroups::fields_of(keys)
                    .map(|fields| (fields, CellStore::for_keys(codes, keys)))
            })
            .collect();
        // One study's cells of one key set: (cell, findings, largest n), a few per study.
        let mut study_cells: Vec<(CellKey, u32, u32)> = Vec::new();
        self.for_each_study(|rows| {
            for (fields, cells) in folds.iter_mut().flatten() {
                study_cells.clear();
                for row in rows {
                    let mut cell = [u32::MAX; 4];
                    for (slot, field) in cell.iter_mut().zip(fields.iter()) {
                        *slot = row.field(*field);
                    }
                    let n = row.n.unwrap_or(0);
                    match study_cells.iter_mut().find(|(c, _, _)| *c == cell) {
                        Some((_, findings, largest)) => {
                            *findings += 1;
                            *largest = (*largest).max(n);
                        }
                        None => study_cells.push((cell, 1, n)),
                    }
                }
                for (cell, findings, largest) in &study_cells {
                    let count = cells.entry(cell);
                    count.findings += findings;
                    count.studies += 1;
                    count.participants += u64::from(*largest);
                }
            }
        });
        key_sets
            .iter()
            .zip(folds)
            .map(|(keys, fold)| {
                let (_, cells) = fold?;
                let keys = keys.as_ref();
                Some(
                    cells
                        .into_cells()
                        .map(|(cell, count)| {
                            let key = keys
                                .iter()
                                .zip(cell)
                                .map(|(column, code)| codes.key(column, code).to_string())
                                .collect();
                            (key, count)
                        })
                        .collect(),
                )
            })
            .collect()
    }

    /// All findings: their count, their distinct studies, and the sum over the studies of each
    /// study's largest n (under any question). `studies` is the number of study codes.
    pub fn totals(&self, studies: usize) -> CellCount {
        let mut largest: Vec<Option<u32>> = vec![None; studies];
        let mut findings = 0;
        self.for_each(|group| {
            findings += group.findings;
            if let Some(slot) = largest.get_mut(group.study as usize) {
                *slot = Some(slot.unwrap_or(0).max(group.n.unwrap_or(0)));
            }
        });
        let present = largest.iter().flatten();
        CellCount {
            findings,
            studies: present.clone().count() as u32,
            participants: present.map(|n| u64::from(*n)).sum(),
        }
    }
}

/// `positions` stably sorted by their codes in `codes` (a counting sort: a count per code, then
/// each position placed after those of lower codes); positions already in code order are
/// returned as they are.
fn sorted_by_code(positions: Vec<IdxSize>, codes: &[u32]) -> Vec<IdxSize> {
    let code_at = |position: IdxSize| codes[position as usize] as usize;
    if positions
        .windows(2)
        .all(|pair| code_at(pair[0]) <= code_at(pair[1]))
    {
        return positions;
    }
    let buckets = codes.iter().max().map_or(0, |most| *most as usize + 1);
    // Codes are below their column's count of keys, which is at most the findings' count
    // (studies) or the topic's (questions); a code past that (u32::MAX marks a key the topic
    // lacks, which validated rows never have) is sorted by comparison, not counted in a table
    // of 4 billion slots.
    if buckets > positions.len().saturating_mul(2).max(1 << 16) {
        let mut positions = positions;
        positions.sort_by_key(|position| code_at(*position));
        return positions;
    }
    let mut next = vec![0usize; buckets];
    for position in &positions {
        next[code_at(*position)] += 1;
    }
    let mut start = 0;
    for slot in &mut next {
        start += std::mem::replace(slot, start);
    }
    let mut sorted: Vec<IdxSize> = vec![0; positions.len()];
    for position in positions {
        let slot = &mut next[code_at(position)];
        sorted[*slot] = position;
        *slot += 1;
    }
    sorted
}

/// Most cells a key set's counts are kept in an array for (16 bytes each); key sets with more
/// possible cells (a topic with thousands of forms) are counted in a hash map.
const MOST_DENSE_CELLS: usize = 1 << 16;

/// The cells of one key set's counts: an array indexed by the codes (as digits of a number in
/// mixed radix) when the possible cells are few, which a million findings make ~9 million
/// updates of, else a hash map. Codes past their column's count (never given by validated
/// rows) go to the map either way.
struct CellStore {
    /// Each key's number of codes, in key order (empty when sparse).
    radix: Vec<usize>,
    dense: Vec<CellCount>,
    sparse: HashMap<CellKey, CellCount, foldhash::fast::RandomState>,
}

impl CellStore {
    /// The store for counts by `keys` (frame column names).
    fn for_keys(codes: &Codebook<'_>, keys: &[&str]) -> CellStore {
        CellStore::with_radix(
            keys.iter().map(|key| codes.len(key)).collect(),
            MOST_DENSE_CELLS,
        )
    }

    /// The store for keys of `radix` codes each, in an array if it has at most `most_dense`
    /// cells.
    fn with_radix(radix: Vec<usize>, most_dense: usize) -> CellStore {
        let cells = radix
            .iter()
            .try_fold(1usize, |cells, r| cells.checked_mul(*r))
            .filter(|cells| *cells <= most_dense && radix.len() <= CellKey::default().len());
        match cells {
            Some(cells) => CellStore {
                radix,
                dense: vec![CellCount::default(); cells],
                sparse: HashMap::default(),
            },
            None => CellStore {
                radix: Vec::new(),
                dense: Vec::new(),
                sparse: HashMap::default(),
            },
        }
    }

    /// The position of `cell` in the array, if it has one.
    fn index(&self, cell: &CellKey) -> Option<usize> {
        if self.dense.is_empty() {
            return None;
        }
        let mut index = 0;
        for (code, radix) in cell.iter().zip(&self.radix) {
            let code = *code as usize;
            if code >= *radix {
                return None;
            }
            index = index * radix + code;
        }
        Some(index)
    }

    /// The count of `cell`.
    fn entry(&mut self, cell: &CellKey) -> &mut CellCount {
        match self.index(cell) {
            Some(index) => &mut self.dense[index],
            None => self.sparse.entry(*cell).or_default(),
        }
    }

    /// Every cell that was counted (at least one study), with its count.
    fn into_cells(self) -> impl Iterator<Item = (CellKey, CellCount)> {
        let radix = self.radix;
        let dense = self
            .dense
            .into_iter()
            .enumerate()
            .filter(|(_, count)| count.studies > 0)
            .map(move |(index, count)| {
                let mut cell = [u32::MAX; 4];
                let mut rest = index;
                for (slot, radix) in cell[..radix.len()].iter_mut().zip(&radix).rev() {
                    *slot = (rest % radix) as u32;
                    rest /= radix;
                }
                (cell, count)
            });
        dense.chain(self.sparse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Counted in the array or in the map, the same cells come out with the same counts
        /// (codes past their column's count included, which go to the map).
        #[test]
        fn dense_and_sparse_cells_agree(
            cells in proptest::collection::vec(
                (0u32..4, 0u32..6, 0u32..5, 1u32..100),
                0..200,
            ),
        ) {
            let radix = vec![3, 5, 4];
            let mut dense = CellStore::with_radix(radix.clone(), MOST_DENSE_CELLS);
            let mut sparse = CellStore::with_radix(radix, 0);
            proptest::prop_assert!(!dense.dense.is_empty() && sparse.dense.is_empty());
            for (a, b, c, n) in cells {
                for store in [&mut dense, &mut sparse] {
                    let count = store.entry(&[a, b, c, u32::MAX]);
                    count.findings += 1;
                    count.studies += 1;
                    count.participants += u64::from(n);
                }
            }
            let collect = |store: CellStore| {
                let mut cells: Vec<(CellKey, (u32, u32, u64))> = store
                    .into_cells()
                    .map(|(cell, c)| (cell, (c.findings, c.studies, c.participants)))
                    .collect();
                cells.sort();
                cells
            };
            proptest::prop_assert_eq!(collect(dense), collect(sparse));
        }
    }
    proptest::proptest! {
        /// The counting sort orders positions as a stable comparison sort does: by code, ties in
        /// the order given (codes past the counting table's reach included, and positions given
        /// in an order of their own, as the second pass gets them).
        #[test]
        fn positions_sort_by_code_stably(
            codes in proptest::collection::vec(
                proptest::prop_oneof![0u32..6, Just(u32::MAX)],
                0..300,
            ),
            reversed in proptest::bool::ANY,
        ) {
            let mut positions: Vec<IdxSize> = (0..codes.len() as IdxSize).collect();
            if reversed {
                positions.reverse();
            }
            let mut expected = positions.clone();
            expected.sort_by_key(|p| codes[*p as usize]);
            proptest::prop_assert_eq!(sorted_by_code(positions, &codes), expected);
        }
    }

    use crate::synthesis::counts::count_by;
    use crate::synthesis::test_rows;
    use proptest::prelude::*;

    proptest! {
        /// Every count folded from the groups equals polars' direct count of the findings
        /// (itself checked against the count by definition in `counts`), for studies with
        /// findings under both questions, several outcomes, forms and directions, some
        /// without n, and a design of their own.
        #[test]
        fn folded_counts_equal_direct_counts(picks in test_rows::picks()) {
            let registry = test_rows::shipped();
            let findings = test_rows::findings(&registry, &picks);
            let frame = frame::findings_frame(&registry.topic, &findings, &crate::registry::StudyIndex::of(&findings)).unwrap();
            let groups = StudyGroups::of(frame.frame.clone(), &frame.codes).unwrap();
            let key_sets: [&[&str]; 9] = [
                &[frame::QUESTION, frame::TIER, frame::DIRECTION],
                &[frame::QUESTION, frame::TIER],
                &[frame::QUESTION, frame::FORM, frame::DIRECTION],
                &[frame::QUESTION, frame::FORM],
                &[frame::QUESTION, frame::DIRECTION],
                &[frame::QUESTION],
                &[frame::DIRECTION, frame::QUESTION],
                &[frame::FORM, frame::QUESTION, frame::TIER],
                &[frame::QUESTION, frame::FORM, frame::TIER, frame::DIRECTION],
            ];
            let folded = groups.count_by(&frame.codes, &key_sets);
            for (keys, folded) in key_sets.iter().zip(folded) {
                prop_assert_eq!(
                    folded.unwrap(),
                    count_by(&frame, keys).unwrap(),
                    "{:?}", keys
                );
            }
            let totals = count_by(&frame, &[]).unwrap().into_values().next().unwrap_or_default();
            prop_assert_eq!(groups.totals(frame.codes.len(frame::STUDY_ID)), totals);
        }
    }

    #[test]
    fn counts_by_other_keys_are_left_to_polars() {
        let registry = test_rows::shipped();
        let frame =
            frame::findings_frame(&registry.topic, &registry.findings, &registry.studies).unwrap();
        let groups = StudyGroups::of(frame.frame.clone(), &frame.codes).unwrap();
        let key_sets: [&[&str]; 4] = [
            &[frame::QUESTION, frame::OUTCOME],
            &[frame::QUESTION],
            &[frame::TIER, frame::DIRECTION],
            &[],
        ];
        let counted = groups.count_by(&frame.codes, &key_sets);
        assert!(counted[0].is_none() && counted[2].is_none() && counted[3].is_none());
        // Between them, the one it folds is counted: the shipped registry's two questions,
        // 13 and 3 rows (counted in its registry.csv).
        let questions = counted[1].as_ref().unwrap();
        assert_eq!(questions[&vec!["treatment".to_string()]].findings, 13);
        assert_eq!(questions[&vec!["serum_level".to_string()]].findings, 3);
        // The shipped registry: 16 findings of 8 studies, 571 participants (its README).
        assert_eq!(
            groups.totals(frame.codes.len(frame::STUDY_ID)),
            CellCount {
                findings: 16,
                studies: 8,
                participants: 571
            }
        );
    }
}
