//! Right-to-left text (Hebrew, Arabic, …) put in the order it is seen, for the charts' text
//! drawing, which places characters one after another from left to right.
//!
//! A label is stored in reading (logical) order. Drawn as stored, a Hebrew word comes out
//! mirrored, last letter first. [`visual_order`] runs the Unicode bidirectional algorithm
//! (UAX #9, the `unicode-bidi` crate) over the text and reverses each right-to-left run, as a
//! browser does; brackets inside such a run are swapped for their mirror image (Unicode's
//! `Bidi_Mirroring_Glyph` for the pairs labels use), so "(" still opens the aside as read.
//! Text without a right-to-left character is returned as it is, unchanged and uncopied.
//!
//! Combining marks (Hebrew points, Arabic harakat) stay after the letter they sit on, as
//! UAX #9 rule L3 asks of renderers that draw a mark after its base. Arabic letters also
//! change shape with their neighbours: [`drawn`] shapes them first, in reading order, with
//! [`crate::charts::arabic_shaping`].

use std::borrow::Cow;

use unicode_bidi::{BidiClass, BidiInfo, bidi_class};

use crate::registry::control::is_bidi_control;

/// Whether `c` can put text at a right-to-left level: a right-to-left letter (class R, e.g.
/// Hebrew, or AL, Arabic letters), an Arabic-Indic
/// digit (class AN, which the algorithm raises like right-to-left text: "٤ > ٣" in a
/// left-to-right paragraph is drawn "٣ < ٤") or a right-to-left embedding, override or isolate.
fn turns_right_to_left(c: char) -> bool {
    matches!(
        bidi_class(c),
        BidiClass::R
            | BidiClass::AL
            | BidiClass::AN
            | BidiClass::RLE
            | BidiClass::RLO
            | BidiClass::RLI
    )
}

/// Whether `c` is in a block that holds right-to-left characters (Hebrew to Arabic Extended,
/// the right-to-left marks and controls, the Hebrew and Arabic presentation forms, and the
/// supplementary planes' right-to-left scripts): a superset of [`turns_right_to_left`] (a test
/// checks every code point) that costs two comparisons for the symbols charts draw (▲ ◆ ≈ —),
/// where the bidi class lookup is a binary search.
fn in_right_to_left_block(c: char) -> bool {
    matches!(c,
        '\u{0590}'..='\u{08FF}'
            | '\u{200F}'
            | '\u{202B}'
            | '\u{202E}'
            | '\u{2067}'
            | '\u{FB1D}'..='\u{FEFF}'
            | '\u{10800}'..='\u{10FFF}'
            | '\u{1E800}'..='\u{1EFFF}')
}

/// `label` as a unit of its own direction inside a composed chart text ("Evidence map:
/// {label}", "{positive} →", "▲ {positive} · ▼ {negative}"): between FIRST STRONG ISOLATE and
/// POP DIRECTIONAL ISOLATE when it holds right-to-left text, so that the composed text takes
/// its direction from its own words (a subtitle that begins with an Arabic label stays a
/// left-to-right line) and the label's words and punctuation keep their order inside it, as
/// Unicode recommends for text inserted into a template (UAX #9, 6.3). Returned as it is
/// otherwise, so charts without right-to-left text are unchanged. The isolates are not drawn
/// ([`visual_order`] leaves them out).
pub fn isolated(label: &str) -> Cow<'_, str> {
    if needs_reordering(label) {
        Cow::Owned(format!("\u{2068}{label}\u{2069}"))
    } else {
        Cow::Borrowed(label)
    }
}

/// Whether the bidirectional algorithm can change how `text` is drawn: it holds a character
/// that turns text right to left, or a directional formatting character (embedding, override,
/// isolate or pop: it directs the algorithm and is left out when drawn).
fn needs_reordering(text: &str) -> bool {
    !text.is_ascii()
        && text
            .chars()
            .any(|c| in_right_to_left_block(c) && turns_right_to_left(c) || is_bidi_control(c))
}

/// `text` as the charts draw it: Arabic letters shaped, then in visual order
/// ([`visual_order`]). Every chart text is drawn and measured through this.
pub fn drawn(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    match crate::charts::arabic_shaping::shape(text) {
        Cow::Borrowed(text) => visual_order(text),
        Cow::Owned(shaped) => Cow::Owned(visual_order(&shaped).into_owned()),
    }
}

/// `text` in the order its characters are seen from left to right: every right-to-left run
/// reversed, its brackets mirrored and its combining marks kept after their letter, the runs in
/// visual order; paragraphs (lines) in turn. Directional formatting characters (the isolates
/// of [`isolated`]) are left out: they have no glyph.
pub fn visual_order(text: &str) -> Cow<'_, str> {
    if !needs_reordering(text) {
        return Cow::Borrowed(text);
    }
    let info = BidiInfo::new(text, None);
    let mut seen = String::with_capacity(text.len());
    for paragraph in &info.paragraphs {
        let (levels, runs) = info.visual_runs(paragraph, paragraph.range.clone());
        for run in runs {
            let piece = &text[run.clone()];
            if levels[run.start].is_rtl() {
                push_reversed(&mut seen, piece);
            } else {
                seen.extend(piece.chars().filter(|&c| !is_bidi_control(c)));
            }
        }
    }
    Cow::Owned(seen)
}

/// Appends `run` reversed letter by letter, each letter followed by the combining marks that
/// follow it in `run` (a mark with no letter before it in the run is reversed as a letter),
/// brackets mirrored.
fn push_reversed(seen: &mut String, run: &str) {
    let mut clusters: Vec<(char, Vec<char>)> = Vec::new();
    for c in run.chars() {
        match clusters.last_mut() {
            Some((_, marks)) if bidi_class(c) == BidiClass::NSM => marks.push(c),
            _ => clusters.push((c, Vec::new())),
        }
    }
    for (letter, marks) in clusters.into_iter().rev() {
        if !is_bidi_control(letter) {
            seen.push(mirrored(letter));
        }
        seen.extend(marks);
    }
}

/// The mirror image of a paired punctuation mark (Unicode's `Bidi_Mirroring_Glyph` for
/// brackets, angle quotes and comparison signs), or the character itself.
fn mirrored(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        '≤' => '≥',
        '≥' => '≤',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_to_right_text_is_not_copied() {
        assert!(matches!(visual_order("Serum magnesium"), Cow::Borrowed(_)));
        assert!(matches!(
            visual_order("Magnésium — ≤ 5 µg"),
            Cow::Borrowed(_)
        ));
        assert!(!turns_right_to_left('a') && !turns_right_to_left('é'));
        assert!(turns_right_to_left('٣') && turns_right_to_left('\u{202E}'));
    }

    #[test]
    fn the_block_test_covers_every_character_that_turns_text_right_to_left() {
        let missed: Vec<u32> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| turns_right_to_left(c) && !in_right_to_left_block(c))
            .map(u32::from)
            .collect();
        assert_eq!(missed, [] as [u32; 0]);
    }

    /// 600 random labels (Arabic with Persian and Urdu letters, harakat, tatweel and lam-alef;
    /// Hebrew; Latin; digits; brackets and other punctuation) drawn as GNU FriBidi 1.0.8
    /// draws them: `tests/fixtures/bidi/generate.py` wrote its output beside each label.
    #[test]
    fn random_labels_are_drawn_as_gnu_fribidi_draws_them() {
        let cases = include_str!("../../tests/fixtures/bidi/fribidi.tsv");
        let mut compared = 0;
        for line in cases.lines() {
            let (label, expected) = line.split_once('\t').expect("label TAB expected");
            assert_eq!(drawn(label), expected, "{label:?}");
            compared += 1;
        }
        assert_eq!(compared, 600);
    }

    proptest::proptest! {
        /// Any text (bidi controls, Hebrew points, Arabic, digits, brackets, newlines, or any
        /// printable Unicode) is put in drawing order without a panic; without Arabic letters,
        /// which shaping merges into ligatures, it keeps every character but the directional
        /// formatting ones (a bracket may be swapped for its mirror image).
        #[test]
        fn any_text_is_put_in_drawing_order(
            text in "[\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{200E}\\u{200F}\\u{0591}-\\u{05F4}\\u{0600}-\\u{06FF}a-z0-9 ()\\[\\]<>.,%\\n]{0,40}|\\PC{0,40}"
        ) {
            let shown = drawn(&text);
            let arabic = text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
            if !arabic {
                let canonical = |t: &str| {
                    let mut v: Vec<char> = t.chars().map(|c| c.min(mirrored(c))).collect();
                    v.sort_unstable();
                    v
                };
                let drawable: String = text.chars().filter(|&c| !is_bidi_control(c)).collect();
                proptest::prop_assert_eq!(canonical(&shown), canonical(&drawable));
                proptest::prop_assert!(!shown.chars().any(is_bidi_control));
            }
        }
    }

    /// Expected strings from GNU FriBidi 1.0.8 (`fribidi --nopad`, its isolates then dropped):
    /// an isolated label keeps a composed line left to right, and its own punctuation inside.
    #[test]
    fn isolated_labels_keep_a_composed_line_in_its_own_direction() {
        assert!(matches!(isolated("benefit"), Cow::Borrowed("benefit")));
        assert!(matches!(isolated("Magnésium"), Cow::Borrowed(_)));
        let subtitle = format!(
            "▲ {} · ▼ {} · ◆ no difference",
            isolated("فائدة"),
            isolated("ضرر")
        );
        assert_eq!(
            drawn(&subtitle),
            "▲ \u{FE93}\u{FEAA}\u{FE8B}\u{FE8E}\u{FED3} · ▼ \u{FEAD}\u{FEAE}\u{FEBF} · ◆ no difference"
        );
        let title = format!("Evidence map: {}", isolated("האם מגנזיום מקל?"));
        assert_eq!(drawn(&title), "Evidence map: ?לקמ םויזנגמ םאה");
        // Without the isolates the subtitle was a right-to-left line, its English words last.
        assert!(drawn("▲ فائدة · ▼ ضرر · ◆ no difference").starts_with("no difference"));
    }

    /// GNU FriBidi 1.0.8 (`fribidi --nopad`) gives the same: Arabic-Indic digits alone still
    /// make right-to-left runs (found comparing 20,000 random strings with it).
    #[test]
    fn arabic_indic_digits_alone_are_reordered() {
        assert_eq!(visual_order("%٤> ٣"), "%٣ <٤");
    }

    /// Expected strings from python-bidi 0.6 (`bidi.get_display`, the same algorithm,
    /// independently implemented, with bracket mirroring), 2026-12-05.
    #[test]
    fn right_to_left_runs_are_reversed_as_browsers_show_them() {
        // Hebrew alone: a right-to-left paragraph, its brackets mirrored.
        assert_eq!(visual_order("שלום (עולם)"), "(םלוע) םולש");
        // Hebrew within English: a left-to-right paragraph with one reversed run.
        assert_eq!(
            visual_order("Magnesium מגנזיום oxide"),
            "Magnesium םויזנגמ oxide"
        );
        // Numbers keep their order inside right-to-left text.
        assert_eq!(visual_order("מגנזיום 250 מ\"ג"), "ג\"מ 250 םויזנגמ");
        // Arabic letters are right-to-left too.
        assert_eq!(visual_order("ملح"), "حلم");
    }

    /// Expected strings from GNU FriBidi 1.0.8 (`fribidi --nopad`, which also shapes Arabic
    /// and keeps marks after their letter; its U+FEFF fillers after ligatures dropped), Debian
    /// `libfribidi-bin`, 2026-12-05.
    #[test]
    fn drawn_text_is_shaped_then_put_in_visual_order() {
        let code_points = |text: &str| text.chars().map(u32::from).collect::<Vec<_>>();
        // "salt": meem initial, lam medial, hah final, drawn right to left.
        assert_eq!(code_points(&drawn("ملح")), [0xFEA2, 0xFEE0, 0xFEE3]);
        // A fatha stays after (on) the beh it belongs to.
        assert_eq!(code_points(&drawn("بَيت")), [0xFE96, 0xFEF4, 0xFE91, 0x064E]);
        // "magnesium (citrate)".
        assert_eq!(
            drawn("مغنيسيوم (سترات)"),
            "(\u{FE95}\u{FE8D}\u{FEAE}\u{FE98}\u{FEB3}) \u{FEE1}\u{FEEE}\u{FEF4}\u{FEB4}\u{FEF4}\u{FEE8}\u{FED0}\u{FEE3}"
        );
        assert_eq!(drawn("Serum (µg)"), "Serum (µg)");
    }
}
