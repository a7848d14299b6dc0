//! Arabic letters in the shape their neighbours give them, for the charts' text drawing, which
//! draws one glyph per character and so knows nothing of joining.
//!
//! An Arabic letter has up to four shapes: isolated, final (joined to the letter before it),
//! initial (joined to the one after it) and medial (both). Unicode encodes each as a
//! presentation form (blocks FE70–FEFF and, for Persian and Urdu letters, FB50–FDFF), which the
//! embedded DejaVu Sans draws. [`shape`] gives every letter its form by the joining rules of
//! the Unicode Standard (chapter 9.2, `ArabicShaping.txt`): a letter joins the one before it
//! when both can join on that side, ignoring transparent marks (harakat) between them; tatweel
//! joins on both sides. Lam followed by alef becomes the mandatory lam-alef ligature. The result
//! is still in reading order, for [`crate::charts::reading_order::visual_order`].
//!
//! Letters not in `FORMS` (rare ones of other languages) are drawn in their isolated form and
//! break the joining around them. Text without Arabic letters is returned as it is.

use std::borrow::Cow;

use unicode_bidi::{BidiClass, bidi_class};

/// How a character joins its neighbours (Unicode `Joining_Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joining {
    /// Joins on both sides (beh, seen, lam, …).
    Dual,
    /// Joins only the letter before it (alef, dal, reh, waw, …).
    Right,
    /// Joins on both sides without changing shape (tatweel).
    Causing,
    /// Does not affect joining (harakat and other combining marks).
    Transparent,
    /// Breaks joining (spaces, digits, Latin letters, hamza).
    None,
}

/// A letter's presentation forms: the isolated form and whether the three others follow it
/// (final, initial, medial, in that order) or only the final one.
#[derive(Debug, Clone, Copy)]
struct Forms {
    letter: char,
    isolated: u32,
    joining: Joining,
}

const fn dual(letter: char, isolated: u32) -> Forms {
    Forms {
        letter,
        isolated,
        joining: Joining::Dual,
    }
}

const fn right(letter: char, isolated: u32) -> Forms {
    Forms {
        letter,
        isolated,
        joining: Joining::Right,
    }
}

/// Presentation forms of the Arabic letters, sorted by letter (Unicode's Arabic Presentation
/// Forms-A and -B charts). Alef maksura's initial and medial forms are not after its final
/// one; [`form_of`] handles it.
const FORMS: [Forms; 52] = [
    right('\u{0622}', 0xFE81),
    right('\u{0623}', 0xFE83),
    right('\u{0624}', 0xFE85),
    right('\u{0625}', 0xFE87),
    dual('\u{0626}', 0xFE89),
    right('\u{0627}', 0xFE8D),
    dual('\u{0628}', 0xFE8F),
    right('\u{0629}', 0xFE93),
    dual('\u{062A}', 0xFE95),
    dual('\u{062B}', 0xFE99),
    dual('\u{062C}', 0xFE9D),
    dual('\u{062D}', 0xFEA1),
    dual('\u{062E}', 0xFEA5),
    right('\u{062F}', 0xFEA9),
    right('\u{0630}', 0xFEAB),
    right('\u{0631}', 0xFEAD),
    right('\u{0632}', 0xFEAF),
    dual('\u{0633}', 0xFEB1),
    dual('\u{0634}', 0xFEB5),
    dual('\u{0635}', 0xFEB9),
    dual('\u{0636}', 0xFEBD),
    dual('\u{0637}', 0xFEC1),
    dual('\u{0638}', 0xFEC5),
    dual('\u{0639}', 0xFEC9),
    dual('\u{063A}', 0xFECD),
    dual('\u{0641}', 0xFED1),
    dual('\u{0642}', 0xFED5),
    dual('\u{0643}', 0xFED9),
    dual('\u{0644}', 0xFEDD),
    dual('\u{0645}', 0xFEE1),
    dual('\u{0646}', 0xFEE5),
    dual('\u{0647}', 0xFEE9),
    right('\u{0648}', 0xFEED),
    dual('\u{0649}', 0xFEEF),
    dual('\u{064A}', 0xFEF1),
    right('\u{0671}', 0xFB50),
    dual('\u{0679}', 0xFB66),
    dual('\u{067A}', 0xFB5E),
    dual('\u{067B}', 0xFB52),
    dual('\u{067E}', 0xFB56),
    dual('\u{067F}', 0xFB62),
    dual('\u{0680}', 0xFB5A),
    dual('\u{0686}', 0xFB7A),
    right('\u{0688}', 0xFB88),
    right('\u{0691}', 0xFB8C),
    right('\u{0698}', 0xFB8A),
    dual('\u{06A4}', 0xFB6A),
    dual('\u{06A9}', 0xFB8E),
    dual('\u{06AF}', 0xFB92),
    dual('\u{06BE}', 0xFBAA),
    dual('\u{06CC}', 0xFBFC),
    right('\u{06D2}', 0xFBAE),
];

/// Tatweel (kashida), which joins on both sides and is drawn as it is.
const TATWEEL: char = '\u{0640}';
/// Zero width joiner: joins on both sides, draws nothing.
const ZERO_WIDTH_JOINER: char = '\u{200D}';
/// Lam, which with a following alef makes a ligature.
const LAM: char = '\u{0644}';

fn forms(c: char) -> Option<&'static Forms> {
    // Most text charts draw is not Arabic: two comparisons before the search.
    if !(FORMS[0].letter..=FORMS[FORMS.len() - 1].letter).contains(&c) {
        return None;
    }
    FORMS
        .binary_search_by_key(&c, |f| f.letter)
        .ok()
        .map(|i| &FORMS[i])
}

fn joining(c: char) -> Joining {
    match c {
        TATWEEL | ZERO_WIDTH_JOINER => Joining::Causing,
        _ => match forms(c) {
            Some(f) => f.joining,
            None if bidi_class(c) == BidiClass::NSM => Joining::Transparent,
            None => Joining::None,
        },
    }
}

/// The isolated form of the lam-alef ligature with this alef, if it is one.
fn lam_alef(alef: char) -> Option<u32> {
    match alef {
        '\u{0622}' => Some(0xFEF5),
        '\u{0623}' => Some(0xFEF7),
        '\u{0625}' => Some(0xFEF9),
        '\u{0627}' => Some(0xFEFB),
        _ => None,
    }
}

/// Which neighbours a letter is joined to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    Isolated,
    Final,
    Initial,
    Medial,
}

fn form_of(forms: &Forms, position: Position) -> char {
    let code = match (forms.joining, position) {
        (_, Position::Isolated) => forms.isolated,
        (_, Position::Final) => forms.isolated + 1,
        // Alef maksura's initial and medial forms are in Presentation Forms-A.
        (_, Position::Initial) if forms.letter == '\u{0649}' => 0xFBE8,
        (_, Position::Medial) if forms.letter == '\u{0649}' => 0xFBE9,
        (_, Position::Initial) => forms.isolated + 2,
        (_, Position::Medial) => forms.isolated + 3,
    };
    char::from_u32(code).unwrap_or(forms.letter)
}

/// Whether a character of this joining type joins the one after it.
fn joins_forward(joining: Joining) -> bool {
    matches!(joining, Joining::Dual | Joining::Causing)
}

/// Whether a character of this joining type joins the one before it.
fn joins_backward(joining: Joining) -> bool {
    matches!(joining, Joining::Dual | Joining::Right | Joining::Causing)
}

/// `text` with each Arabic letter in its contextual presentation form and lam-alef pairs as
/// ligatures, in reading order.
pub fn shape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| forms(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let kinds: Vec<Joining> = chars.iter().map(|&c| joining(c)).collect();
    // The nearest character before / after `i` that is not transparent.
    let before = |i: usize| (0..i).rev().find(|&j| kinds[j] != Joining::Transparent);
    let after = |i: usize| (i + 1..chars.len()).find(|&j| kinds[j] != Joining::Transparent);
    let mut shaped = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some(letter) = forms(c) else {
            shaped.push(c);
            i += 1;
            continue;
        };
        let joined_before = before(i).is_some_and(|j| joins_forward(kinds[j]));
        if c == LAM
            && let Some(ligature) = chars.get(i + 1).and_then(|&next| lam_alef(next))
        {
            // The ligature ends in an alef, which joins nothing after it.
            let code = if joined_before {
                ligature + 1
            } else {
                ligature
            };
            shaped.push(char::from_u32(code).unwrap_or(c));
            i += 2;
            continue;
        }
        let joined_after =
            letter.joining == Joining::Dual && after(i).is_some_and(|j| joins_backward(kinds[j]));
        let position = match (joined_before, joined_after) {
            (false, false) => Position::Isolated,
            (true, false) => Position::Final,
            (false, true) => Position::Initial,
            (true, true) => Position::Medial,
        };
        shaped.push(form_of(letter, position));
        i += 1;
    }
    Cow::Owned(shaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        assert!(FORMS.windows(2).all(|w| w[0].letter < w[1].letter));
    }

    #[test]
    fn text_without_arabic_letters_is_not_copied() {
        assert!(matches!(shape("Serum magnesium"), Cow::Borrowed(_)));
        assert!(matches!(shape("שלום ١٢"), Cow::Borrowed(_)));
    }

    fn code_points(text: &str) -> Vec<u32> {
        text.chars().map(u32::from).collect()
    }

    proptest::proptest! {
        /// Any text shapes without a panic; only lam-alef pairs merge, and every character that
        /// is not an Arabic letter in the table stays where it was.
        #[test]
        fn shaping_changes_only_arabic_letters(
            text in "[\\u{0600}-\\u{06FF}\\u{0640}\\u{200D} a-z]{0,40}|\\PC{0,40}"
        ) {
            let shaped = shape(&text);
            let others = |t: &str| -> String {
                t.chars()
                    .filter(|&c| forms(c).is_none() && !('\u{FB50}'..='\u{FEFF}').contains(&c))
                    .collect()
            };
            let pairs = text.matches("\u{0644}\u{0622}").count()
                + text.matches("\u{0644}\u{0623}").count()
                + text.matches("\u{0644}\u{0625}").count()
                + text.matches("\u{0644}\u{0627}").count();
            proptest::prop_assert_eq!(shaped.chars().count() + pairs, text.chars().count());
            proptest::prop_assert_eq!(others(&shaped), others(&text));
        }
    }

    /// Expected forms from GNU FriBidi 1.0.8 (`fribidi --nopad`, which shapes, mirrors and
    /// reorders; its visual output read back into reading order, its U+FEFF fillers after
    /// ligatures dropped), Debian `libfribidi-bin`, 2026-12-05.
    #[test]
    fn letters_take_the_form_their_neighbours_give_them() {
        // salam: seen initial, lam-alef final ligature, meem isolated.
        assert_eq!(code_points(&shape("سلام")), [0xFEB3, 0xFEFC, 0xFEE1]);
        // kitab: kaf initial, teh medial, alef final, beh isolated (alef joins nothing after).
        assert_eq!(
            code_points(&shape("كتاب")),
            [0xFEDB, 0xFE98, 0xFE8E, 0xFE8F]
        );
        // ala: alef maksura final; with heh after it, medial from Presentation Forms-A.
        assert_eq!(code_points(&shape("على")), [0xFECB, 0xFEE0, 0xFEF0]);
        assert_eq!(
            code_points(&shape("علىه")),
            [0xFECB, 0xFEE0, 0xFBE9, 0xFEEA]
        );
        // Persian: peh initial, farsi yeh medial, keheh final; gaf initial, tcheh final.
        assert_eq!(code_points(&shape("پیک")), [0xFB58, 0xFBFF, 0xFB8F]);
        assert_eq!(code_points(&shape("گچ")), [0xFB94, 0xFB7B]);
        // A fatha between beh and yeh is transparent: they still join.
        assert_eq!(code_points(&shape("بَيت")), [0xFE91, 0x064E, 0xFEF4, 0xFE96]);
        // Tatweel joins on both sides; hamza and a space break joining.
        assert_eq!(code_points(&shape("ـبـ")), [0x0640, 0xFE92, 0x0640]);
        assert_eq!(code_points(&shape("ءب")), [0x0621, 0xFE8F]);
        assert_eq!(code_points(&shape("ب ب")), [0xFE8F, 0x20, 0xFE8F]);
        assert_eq!(code_points(&shape("aلb")), [0x61, 0xFEDD, 0x62]);
        // Lam-alef with hamza above, isolated, before a beh it cannot join.
        assert_eq!(code_points(&shape("لأب")), [0xFEF7, 0xFE8F]);
    }
}
