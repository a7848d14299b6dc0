//! Finding a row's question, form and outcome among a topic's keys with one probe of a small
//! table, not a hash map lookup: every row of a registry names three keys, and a million rows
//! spent about 3% of a report's CPU hashing them into the topic's maps.
//!
//! A topic has a few keys of each kind (tens, seldom hundreds). Each gets a slot from its
//! length and its first, middle and last bytes, in a table of at least four slots a key,
//! doubled until no two keys share a slot; a key is then found by one slot and one
//! comparison. Keys that still share a slot in the largest table, and topics past
//! [`MOST_KEYS`] keys of a kind, are looked up in the topic's map as before, so the answer is
//! always the map's.

use crate::registry::key_hints::KeyKind;
use crate::registry::topic::Topic;

/// Most keys of one kind given slots of their own (past it the table would outgrow the
/// cache it is meant to stay in, and the map is used).
const MOST_KEYS: usize = 1024;

/// Most slots in a table (a slot is 8 bytes: 32 KiB).
const LARGEST_TABLE: usize = 4096;

/// What a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// No key lands here: text landing here is not a key of this kind.
    Empty,
    /// The key at this position lands here alone.
    Key(u32),
    /// Two or more keys land here: the map decides.
    Shared,
}

/// The keys of one kind, by slot.
#[derive(Debug)]
struct Probe {
    /// `slots.len() - 1` (the length is a power of two).
    mask: usize,
    slots: Vec<Slot>,
    /// The keys by position, as the slots' comparisons read them.
    keys: Vec<Box<[u8]>>,
}

impl Probe {
    /// The probe for `keys` (in position order); `None` past [`MOST_KEYS`]. The table starts
    /// at four slots a key and doubles, up to [`LARGEST_TABLE`] slots, until no two keys share
    /// a slot (a topic's few keys nearly always get there within a doubling or two).
    fn of<'k>(keys: impl ExactSizeIterator<Item = &'k str> + Clone) -> Option<Probe> {
        if keys.len() > MOST_KEYS {
            return None;
        }
        let mut size = (keys.len() * 4).next_power_of_two().max(16);
        loop {
            let probe = Probe::sized(keys.clone(), size)?;
            if size >= LARGEST_TABLE || !probe.slots.contains(&Slot::Shared) {
                return Some(probe);
            }
            size *= 2;
        }
    }

    /// The probe for `keys` in a table of `size` slots (a power of two).
    fn sized<'k>(keys: impl ExactSizeIterator<Item = &'k str>, size: usize) -> Option<Probe> {
        let mut probe = Probe {
            mask: size - 1,
            slots: vec![Slot::Empty; size],
            keys: Vec::with_capacity(keys.len()),
        };
        for (position, key) in keys.enumerate() {
            let slot = &mut probe.slots[slot_of(key.as_bytes(), size - 1)];
            *slot = match slot {
                Slot::Empty => Slot::Key(u32::try_from(position).ok()?),
                Slot::Key(_) | Slot::Shared => Slot::Shared,
            };
            probe.keys.push(key.as_bytes().into());
        }
        Some(probe)
    }

    /// `Some(answer)` when the slot settles it; `None` when the map must.
    #[inline(always)]
    fn find(&self, text: &str) -> Option<Option<usize>> {
        match self.slots[slot_of(text.as_bytes(), self.mask)] {
            Slot::Empty => Some(None),
            Slot::Key(position) => {
                let position = position as usize;
                Some((*self.keys[position] == *text.as_bytes()).then_some(position))
            }
            Slot::Shared => None,
        }
    }
}

/// The slot of `key` in a table of `mask + 1` slots: its length and its first, middle and
/// last bytes, mixed by multiplication (keys of one topic usually differ in one of them).
#[inline(always)]
fn slot_of(key: &[u8], mask: usize) -> usize {
    let (first, last) = match key {
        [] => (0, 0),
        [first, .., last] => (*first, *last),
        [only] => (*only, *only),
    };
    let middle = key.get(key.len() / 2).copied().unwrap_or(0);
    let mixed = (key.len() as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::from(first) << 8 | u64::from(middle) << 16 | u64::from(last) << 24)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (mixed >> 40) as usize & mask
}

/// The positions of a topic's keys (questions, forms with `not_applicable` last, outcomes),
/// as [`Topic::key_position`] gives them.
#[derive(Debug)]
pub(super) struct KeyProbes {
    /// By [`KeyKind`]: question, form, outcome.
    probes: [Option<Probe>; 3],
}

impl KeyProbes {
    /// The probes for `topic`'s keys.
    pub(super) fn of(topic: &Topic) -> KeyProbes {
        let forms = topic.form_keys();
        KeyProbes {
            probes: [
                Probe::of(topic.questions.keys().map(String::as_str)),
                Probe::of(forms.iter().copied()),
                Probe::of(topic.outcomes.keys().map(String::as_str)),
            ],
        }
    }

    /// The position of `text` among `topic`'s keys of `kind`, as [`Topic::key_position`]
    /// gives it (`topic` is the one these probes were made for).
    #[inline(always)]
    pub(super) fn position(&self, topic: &Topic, kind: KeyKind, text: &str) -> Option<usize> {
        let index = match kind {
            KeyKind::Question => 0,
            KeyKind::Form => 1,
            KeyKind::Outcome => 2,
        };
        match self.probes[index]
            .as_ref()
            .and_then(|probe| probe.find(text))
        {
            Some(answer) => answer,
            None => topic.key_position(kind, text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn topic_with(questions: &[String], forms: &[String], outcomes: &[String]) -> Topic {
        let mut toml = String::from("title = \"t\"\ndescription = \"d\"\nas_of = \"2026-01-01\"\n");
        for q in questions {
            toml.push_str(&format!(
                "[questions.{q}]\nlabel = \"{q}\"\nkind = \"intervention\"\nhypothesis = \"h\"\npositive = \"p\"\nnegative = \"n\"\n"
            ));
        }
        toml.push_str("[forms]\n");
        for f in forms {
            toml.push_str(&format!("{f} = \"{f}\"\n"));
        }
        toml.push_str("[outcomes]\n");
        for o in outcomes {
            toml.push_str(&format!("{o} = \"{o}\"\n"));
        }
        Topic::parse(&toml, std::path::Path::new("topic.toml")).expect("a valid topic")
    }

    /// Slugs of one to twelve characters from a small alphabet, so that keys share lengths
    /// and bytes and slots are shared.
    fn slugs(most: usize) -> impl Strategy<Value = Vec<String>> {
        prop::collection::btree_set("[a-c_][a-c0-9_]{0,11}", 1..most)
            .prop_map(|keys| keys.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// For every key, near miss and stranger, the probes give the topic map's answer
        /// (the oracle), with slots shared or not.
        #[test]
        fn probes_answer_as_the_topic_does(
            questions in slugs(4),
            forms in slugs(40),
            outcomes in slugs(40),
            strangers in prop::collection::vec("[a-d_][a-d0-9_]{0,12}", 0..40),
        ) {
            let topic = topic_with(&questions, &forms, &outcomes);
            let probes = KeyProbes::of(&topic);
            let texts = questions.iter().chain(&forms).chain(&outcomes).chain(&strangers)
                .map(String::as_str)
                .chain(["not_applicable", "", "a"]);
            for text in texts {
                for kind in [KeyKind::Question, KeyKind::Form, KeyKind::Outcome] {
                    prop_assert_eq!(
                        probes.position(&topic, kind, text),
                        topic.key_position(kind, text),
                        "{:?} {}", kind, text
                    );
                }
            }
        }
    }

    #[test]
    fn keys_sharing_a_slot_are_left_to_the_map() {
        let keys = ["alpha", "beta"];
        let probe = Probe::of(keys.iter().copied()).unwrap();
        assert!(!probe.slots.contains(&Slot::Shared));
        // Both in one slot: forced by a table of one slot.
        let forced = Probe::sized(keys.iter().copied(), 1).unwrap();
        assert_eq!(forced.slots, [Slot::Shared]);
        assert_eq!(forced.find("alpha"), None);
        assert_eq!(probe.find("alpha"), Some(Some(0)));
        assert_eq!(probe.find("beta"), Some(Some(1)));
        assert_eq!(probe.find("gamma").flatten(), None);
    }

    #[test]
    fn a_topic_past_the_limit_has_no_probe() {
        let many: Vec<String> = (0..=MOST_KEYS).map(|i| format!("o{i}")).collect();
        assert!(Probe::of(many.iter().map(String::as_str)).is_none());
        let fewer = &many[..MOST_KEYS];
        assert!(Probe::of(fewer.iter().map(String::as_str)).is_some());
    }
}
