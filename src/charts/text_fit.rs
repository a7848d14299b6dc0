//! Fitting text into a chart's space, measured with the embedded DejaVu Sans as it is drawn:
//! widths (with each character's advance and each pair's kerning cached per thread),
//! truncation with an ellipsis (identifiers cut in the middle, keeping their distinguishing
//! end), wrapping between words onto a number of lines, and filling lines with items.

use crate::charts::painter::{Weight, face};
use crate::charts::reading_order;

/// `text` as at most `max_lines` lines of at most `max_width`: itself when it fits one line;
/// else broken between words, each line as full as it can be, and only what the last line
/// cannot hold (or a word too long for any line) cut with an ellipsis.
pub fn wrap_to_lines(
    text: &str,
    size: f64,
    weight: Weight,
    max_width: f64,
    max_lines: usize,
) -> Vec<String> {
    if max_lines <= 1 || text_width(text, size, weight) <= max_width {
        return vec![truncate_to_width(text, size, weight, max_width)];
    }
    let mut lines = fill_lines(
        text.split_whitespace().map(str::to_string),
        " ",
        size,
        weight,
        max_width,
    );
    // Only whitespace, and wider than the space: no word to put on a line.
    if lines.is_empty() {
        return vec![truncate_to_width(text, size, weight, max_width)];
    }
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(truncate_to_width(&rest, size, weight, max_width));
    }
    lines
}

/// Cuts an identifier to fit `max_width` in the middle: its start, an ellipsis, and its end —
/// the part after its last `_`, `-`, `.` or space when that is one to eight characters (a
/// year, `2019a`), else its last four characters. Slugs of one first author differ at the
/// end (`rosenthal_et_al_1960`, `…_1961`), which a cut at the end would hide. When not even a
/// character and the end fit, it is cut at the end ([`truncate_to_width`]).
pub fn truncate_id_to_width(text: &str, size: f64, weight: Weight, max_width: f64) -> String {
    if text_width(text, size, weight) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let tail_start = id_end(&chars).unwrap_or(chars.len().saturating_sub(4));
    let tail: String = chars[tail_start..].iter().collect();
    let with_head = |head: usize| -> String {
        let start: String = chars[..head].iter().collect();
        format!("{}…{tail}", start.trim_end())
    };
    let fits = |head: usize| text_width(&with_head(head), size, weight) <= max_width;
    if tail_start == 0 || !fits(1) {
        return truncate_to_width(text, size, weight, max_width);
    }
    // The longest start that fits beside the end (at least one character does).
    let (mut low, mut high) = (1, tail_start);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(mid) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    with_head(low)
}

/// Where the end that [`truncate_id_to_width`] keeps starts: its last part (after `_`, `-`,
/// `.` or a space), with the parts before it that hold a digit (`014_2004`, a number and a
/// year), at most eight characters; `None` when the last part alone is longer or empty.
fn id_end(chars: &[char]) -> Option<usize> {
    let separator = |c: &char| matches!(c, '_' | '-' | '.' | ' ');
    let mut start: Option<usize> = None;
    let mut end = chars.len();
    while let Some(at) = chars[..end].iter().rposition(separator) {
        let part = &chars[at + 1..end];
        let fits = !part.is_empty() && chars.len() - (at + 1) <= 8;
        if !fits || (start.is_some() && !part.iter().any(char::is_ascii_digit)) {
            break;
        }
        start = Some(at + 1);
        end = at;
    }
    start
}

/// Width of `text` at `size` in logical units, measured with the embedded font as it is drawn
/// ([`reading_order::drawn`]: Arabic letters joined, so narrower than apart).
pub fn text_width(text: &str, size: f64, weight: Weight) -> f64 {
    drawn_text_width(&reading_order::drawn(text), size, weight)
}

/// Cached characters or pairs beyond this many empty a thread's [`Measures`].
const MAX_CACHED_MEASURES: usize = 100_000;

/// Each character's glyph and advance, and each pair of glyphs' kerning, by weight and scale:
/// ab_glyph looks a character up in the font's tables and a pair in its kerning tables on
/// every call, which was most of the cost of measuring text.
#[derive(Default)]
struct Measures {
    advances: foldhash::HashMap<(Weight, u32, char), (ab_glyph::GlyphId, f32)>,
    kerning: foldhash::HashMap<(Weight, u32, ab_glyph::GlyphId, ab_glyph::GlyphId), f32>,
}

impl Measures {
    /// The cache, emptied first when it has grown past its bound.
    fn bounded(&mut self) -> &mut Self {
        if self.advances.len() > MAX_CACHED_MEASURES || self.kerning.len() > MAX_CACHED_MEASURES {
            self.advances.clear();
            self.kerning.clear();
        }
        self
    }

    /// The glyph of `character` in the face of `weight` and its advance at `scale` pixels.
    fn advance(&mut self, weight: Weight, scale: f32, character: char) -> (ab_glyph::GlyphId, f32) {
        use ab_glyph::{Font as _, ScaleFont as _};
        *self
            .advances
            .entry((weight, scale.to_bits(), character))
            .or_insert_with(|| {
                let font = face(weight).as_scaled(scale);
                let id = font.glyph_id(character);
                (id, font.h_advance(id))
            })
    }

    /// The kerning between glyphs `previous` and `id` of the face of `weight` at `scale`
    /// pixels, as ab_glyph's `kern` gives it.
    fn kern(
        &mut self,
        weight: Weight,
        scale: f32,
        previous: ab_glyph::GlyphId,
        id: ab_glyph::GlyphId,
    ) -> f32 {
        use ab_glyph::{Font as _, ScaleFont as _};
        *self
            .kerning
            .entry((weight, scale.to_bits(), previous, id))
            .or_insert_with(|| face(weight).as_scaled(scale).kern(previous, id))
    }
}

thread_local! {
    static MEASURES: std::cell::RefCell<Measures> = std::cell::RefCell::default();
}

/// The kerning between glyphs `previous` and `id` of the face of `weight` at `scale` pixels,
/// as ab_glyph's `kern` gives it, cached per thread.
pub(crate) fn kerning(
    weight: Weight,
    scale: f32,
    previous: ab_glyph::GlyphId,
    id: ab_glyph::GlyphId,
) -> f32 {
    MEASURES.with(|cache| {
        cache
            .borrow_mut()
            .bounded()
            .kern(weight, scale, previous, id)
    })
}

/// Width of text already in drawing order ([`reading_order::drawn`]), as [`text_width`].
///
/// This is plotters' measure of the text (`FontDesc::box_size`, its ab_glyph
/// `estimate_layout`: each glyph's advance, then its kerning with the glyph before, summed in
/// `f32` and truncated to whole pixels), taken at 10× and divided, so the truncation does not
/// bias narrow labels. It is computed here from the same face, with each character's glyph
/// and advance and each pair's kerning cached per thread (`Measures`): plotters looked the
/// face up by name, and ab_glyph each character and pair up in the font's tables, on every
/// call, about 6% of a batch's CPU.
pub fn drawn_text_width(drawn: &str, size: f64, weight: Weight) -> f64 {
    let scale = (size * 10.0) as f32;
    let width = MEASURES.with(|cache| {
        let mut cache = cache.borrow_mut();
        let measures = cache.bounded();
        let mut width = 0f32;
        let mut previous = None;
        for character in drawn.chars() {
            let (id, advance) = measures.advance(weight, scale, character);
            width += advance;
            if let Some(previous) = previous {
                width += measures.kern(weight, scale, previous, id);
            }
            previous = Some(id);
        }
        width
    });
    f64::from((width as i32).unsigned_abs()) / 10.0
}

/// Cuts `text` to fit `max_width`, ending with an ellipsis when cut.
pub fn truncate_to_width(text: &str, size: f64, weight: Weight, max_width: f64) -> String {
    if text_width(text, size, weight) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut low, mut high) = (0, chars.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + "…";
        if text_width(&candidate, size, weight) <= max_width {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    chars[..low]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string()
        + "…"
}

/// `items` joined by `separator` into as few lines of at most `max_width` as filling them in
/// order gives: an item starts a new line only when it does not fit after the last, so no item
/// is cut in two or hidden behind an ellipsis; only an item wider than `max_width` alone is
/// truncated. One line when everything fits.
pub fn fill_lines(
    items: impl IntoIterator<Item = String>,
    separator: &str,
    size: f64,
    weight: Weight,
    max_width: f64,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line)
                if text_width(&format!("{line}{separator}{item}"), size, weight) <= max_width =>
            {
                line.push_str(separator);
                line.push_str(&item);
            }
            _ => lines.push(truncate_to_width(&item, size, weight, max_width)),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::painter::{FONT_FAMILY, register_embedded_font};

    use plotters::style::{FontDesc, FontFamily, FontStyle};

    /// The embedded font at `size`. (`FontDesc::style` keeps the old face's data in plotters
    /// 0.3.7, so the face is chosen here, at construction.)
    fn font_desc(size: f64, weight: Weight) -> FontDesc<'static> {
        let style = match weight {
            Weight::Normal => FontStyle::Normal,
            Weight::Bold => FontStyle::Bold,
        };
        FontDesc::new(FontFamily::Name(FONT_FAMILY), size, style)
    }

    /// The oracle is plotters' own measure (`FontDesc::box_size` at 10×), which this function
    /// replaced: kerning pairs, accents, a character the font lacks, Arabic in drawing order,
    /// spaces, both weights, sizes that are not whole, and the cache's second look-up.
    #[test]
    fn text_widths_are_plotters_box_sizes() {
        register_embedded_font();
        let texts = [
            "",
            " ",
            "AVAWAY To, Wo. 1.25 (95% CI)",
            "Magnésium — ½ «ë» 漢",
            "s00000019 · Randomised controlled trial · n=553",
            &reading_order::drawn("المغنيسيوم 2024"),
            "ffi fl Tj LT",
        ];
        for weight in [Weight::Normal, Weight::Bold] {
            for size in [6.5, 8.0, 9.0, 10.3, 11.0, 14.0, 24.7] {
                for text in texts {
                    let plotters = font_desc(size * 10.0, weight)
                        .box_size(text)
                        .map_or(0.0, |(w, _)| f64::from(w) / 10.0);
                    for _ in 0..2 {
                        assert_eq!(
                            drawn_text_width(text, size, weight),
                            plotters,
                            "{text:?} at {size} {weight:?}"
                        );
                    }
                }
            }
        }
        assert!(drawn_text_width("AVAWAY", 10.0, Weight::Normal) > 30.0);
    }

    /// Study ids of one first author, as in metafor's dat.bcg, at the harvest plot's label
    /// length: cut in the middle they stay apart and end with their years; cut at the end
    /// they read alike ("comstock_et_al_1…"). Fails when ids are cut at the end.
    #[test]
    fn ids_are_cut_in_the_middle_keeping_their_end() {
        let width = 80.0;
        let shown: Vec<String> = ["comstock_et_al_1974", "comstock_et_al_1976"]
            .iter()
            .map(|id| truncate_id_to_width(id, 10.0, Weight::Normal, width))
            .collect();
        assert_ne!(shown[0], shown[1]);
        for (id, year) in shown.iter().zip(["…1974", "…1976"]) {
            assert!(id.starts_with("comstock") && id.ends_with(year), "{id}");
            assert!(text_width(id, 10.0, Weight::Normal) <= width, "{id}");
        }
        assert_eq!(
            truncate_id_to_width("aronson_1948", 10.0, Weight::Normal, width),
            "aronson_1948"
        );
        // Numbered ids of one stem keep their number with the year.
        let numbered = ["a_long_stem_014_2004", "a_long_stem_036_2004"]
            .map(|id| truncate_id_to_width(id, 10.0, Weight::Normal, width));
        assert!(numbered[0].ends_with("…014_2004"), "{numbered:?}");
        assert!(numbered[1].ends_with("…036_2004"), "{numbered:?}");
        // No short last part: the last four characters are kept.
        let long = truncate_id_to_width("averyveryverylongidentifier", 10.0, Weight::Normal, width);
        assert!(long.ends_with("…fier"), "{long}");
        // Too narrow for a character and the end: cut at the end.
        assert_eq!(
            truncate_id_to_width("comstock_et_al_1974", 10.0, Weight::Normal, 20.0),
            truncate_to_width("comstock_et_al_1974", 10.0, Weight::Normal, 20.0)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any text at any width: an id cut in the middle and a label wrapped onto lines never
        /// panic, stay within the width (or an ellipsis, when not even that fits), and wrap
        /// into no more lines than asked; a text that fits comes back as it is.
        #[test]
        fn cut_ids_and_wrapped_labels_fit_their_space(
            text in "[a-z_ .0-9é-]{0,40}",
            width in 0.0f64..200.0,
            lines in 1usize..4,
        ) {
            let limit = width.max(text_width("…", 10.0, Weight::Normal));
            let id = truncate_id_to_width(&text, 10.0, Weight::Normal, width);
            proptest::prop_assert!(text_width(&id, 10.0, Weight::Normal) <= limit, "{:?}", id);
            if text_width(&text, 10.0, Weight::Normal) <= width {
                proptest::prop_assert_eq!(&id, &text);
            }
            let wrapped = wrap_to_lines(&text, 10.0, Weight::Normal, width, lines);
            proptest::prop_assert!(!wrapped.is_empty() && wrapped.len() <= lines);
            for line in &wrapped {
                proptest::prop_assert!(
                    text_width(line, 10.0, Weight::Normal) <= limit,
                    "{:?}",
                    wrapped
                );
            }
        }
    }

    /// The shipped topic's longest outcome label, in the evidence map's column header (140
    /// units at 11 pt): whole, over lines within the width, where one line cut it to
    /// "Periodic limb movements i…" like its neighbour. Fails when the label is only cut.
    #[test]
    fn a_long_label_wraps_between_words_and_is_cut_only_past_its_last_line() {
        let label = "Periodic limb movements in sleep with arousal, index per hour";
        let lines = wrap_to_lines(label, 11.0, Weight::Normal, 140.0, 3);
        assert!((2..=3).contains(&lines.len()), "{lines:?}");
        assert_eq!(lines.join(" "), label);
        for line in &lines {
            assert!(text_width(line, 11.0, Weight::Normal) <= 140.0, "{line}");
        }
        assert_eq!(
            wrap_to_lines("Serum magnesium", 11.0, Weight::Normal, 140.0, 3),
            ["Serum magnesium"]
        );
        let long = format!("{label} {label} {label}");
        let cut = wrap_to_lines(&long, 11.0, Weight::Normal, 140.0, 3);
        assert_eq!(cut.len(), 3);
        assert!(cut[2].ends_with('…'), "{cut:?}");
        assert!(!cut[0].ends_with('…') && !cut[1].ends_with('…'), "{cut:?}");
        assert_eq!(
            wrap_to_lines(&long, 11.0, Weight::Normal, 140.0, 1),
            [truncate_to_width(&long, 11.0, Weight::Normal, 140.0)]
        );
        // Only whitespace, wider than the space: one line, cut (the property test below
        // found it returned none, on a clean clone's run of 2026-12-06).
        assert_eq!(
            wrap_to_lines(" ", 10.0, Weight::Normal, 0.0, 2),
            [truncate_to_width(" ", 10.0, Weight::Normal, 0.0)]
        );
    }

    #[test]
    fn bold_text_uses_the_bold_face() {
        let normal = text_width("Hello world", 20.0, Weight::Normal);
        let bold = text_width("Hello world", 20.0, Weight::Bold);
        assert!(bold > normal + 5.0, "{normal} {bold}");
    }

    #[test]
    fn text_is_measured_with_the_embedded_font() {
        let short = text_width("ab", 12.0, Weight::Normal);
        let long = text_width("abab", 12.0, Weight::Normal);
        assert!(short > 5.0 && short < 20.0, "{short}");
        assert!((long - 2.0 * short).abs() < 1.5, "{short} {long}");
    }

    #[test]
    fn long_text_is_truncated_with_an_ellipsis() {
        let long = "Jimenez-Jimenez FJ, Ayuso P, Alonso-Navarro H, et al. Antioxidants 2022";
        let cut = truncate_to_width(long, 12.0, Weight::Normal, 120.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 12.0, Weight::Normal) <= 120.0);
        assert_eq!(
            truncate_to_width("short", 12.0, Weight::Normal, 120.0),
            "short"
        );
    }
}
