//! Text in bitmap (PNG) charts, with each glyph rasterised once per thread.
//!
//! plotters' own text drawing outlines and rasterises every glyph every time it is drawn,
//! which was a fifth of a batch report's CPU time. Its glyphs are always rasterised at the
//! origin and placed at whole pixels, so a glyph's coverage depends only on the face, the
//! size and the character: [`BitmapText`] keeps that coverage in a per-thread cache and blends
//! it with the same layout, the same integer rounding, in the same pixel order and with the
//! same blend as plotters' `Text` element does, so the pixels are exactly those plotters would
//! draw (a test compares the two). It blends straight into the pixel buffer, after the shapes
//! (see `painter::render_png`): a call through the backend per pixel was a tenth of a batch's
//! CPU time.

use std::cell::RefCell;
use std::rc::Rc;

use ab_glyph::{Font as _, GlyphId, ScaleFont as _};
use plotters::style::RGBColor;
use plotters_backend::BackendCoord;

use crate::charts::painter::{Align, Weight, face};
use crate::charts::text_fit::kerning;

/// Cached coverage beyond this many pixels (about 24 MB) empties the cache of the thread, so
/// text with unbounded distinct characters cannot grow memory without limit.
const MAX_CACHED_PIXELS: usize = 2_000_000;

/// One glyph at one size: what plotters' ab_glyph text drawing computes for it.
struct GlyphRaster {
    id: GlyphId,
    advance: f32,
    /// Vertical offset of the coverage rows (plotters: `size / 2 + bounds.min.y`, truncated).
    y_shift: i32,
    /// Covered pixels in the rasteriser's order: x, y and the blend level plotters derives
    /// from the coverage (see [`level`]); pixels of level 0, which a blend leaves unchanged,
    /// are left out.
    coverage: Box<[(u32, u32, u32)]>,
    /// One past the largest x and y of `coverage` (0 × 0 when it is empty).
    extent: (u32, u32),
}

/// plotters-bitmap's blend weight of a pixel of `coverage`, out of 256: a coverage of at
/// least 255/256 sets the colour (256), any other blends by `⌊coverage · 256⌋`.
fn level(coverage: f32) -> u32 {
    let alpha = f64::from(coverage);
    if alpha >= 1.0 - 1.0 / 256.0 {
        256
    } else {
        // Truncation is the floor: the coverage is not negative.
        (alpha.max(0.0) * 256.0) as u32
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct GlyphKey {
    bold: bool,
    size_bits: u32,
    character: char,
}

#[derive(Default)]
struct GlyphCache {
    glyphs: foldhash::HashMap<GlyphKey, Rc<GlyphRaster>>,
    pixels: usize,
}

impl GlyphCache {
    fn glyph(&mut self, weight: Weight, size: f32, character: char) -> Rc<GlyphRaster> {
        let key = GlyphKey {
            bold: weight == Weight::Bold,
            size_bits: size.to_bits(),
            character,
        };
        if let Some(glyph) = self.glyphs.get(&key) {
            return Rc::clone(glyph);
        }
        let glyph = Rc::new(rasterise(weight, size, character));
        self.pixels += glyph.coverage.len();
        if self.pixels > MAX_CACHED_PIXELS {
            self.glyphs.clear();
            self.pixels = glyph.coverage.len();
        }
        self.glyphs.insert(key, Rc::clone(&glyph));
        glyph
    }
}

fn rasterise(weight: Weight, size: f32, character: char) -> GlyphRaster {
    let font = face(weight).as_scaled(size);
    let id = font.glyph_id(character);
    let glyph = font.scaled_glyph(character);
    let (y_shift, coverage) = match font.outline_glyph(glyph) {
        Some(outlined) => {
            let bounds = outlined.px_bounds();
            let mut coverage = Vec::new();
            outlined.draw(|x, y, c| {
                let level = level(c);
                if level > 0 {
                    coverage.push((x, y, level));
                }
            });
            ((size / 2.0 + bounds.min.y) as i32, coverage)
        }
        None => (0, Vec::new()),
    };
    let extent = coverage.iter().fold((0, 0), |(width, height), &(x, y, _)| {
        (width.max(x + 1), height.max(y + 1))
    });
    GlyphRaster {
        id,
        advance: font.h_advance(id),
        y_shift,
        coverage: coverage.into_boxed_slice(),
        extent,
    }
}

thread_local! {
    static GLYPHS: RefCell<GlyphCache> = RefCell::new(GlyphCache::default());
}

/// A single line of text, blended into a PNG's pixels from cached glyphs.
pub struct BitmapText {
    /// Anchor point in backend pixels.
    pub at: BackendCoord,
    /// The text.
    pub text: String,
    /// Font size in backend pixels.
    pub size: f64,
    /// Face.
    pub weight: Weight,
    /// Colour.
    pub color: RGBColor,
    /// Horizontal anchor; the text is always centred vertically on the anchor.
    pub align: Align,
    /// Rotated to read bottom to top (plotters' `FontTransform::Rotate270`).
    pub up: bool,
}

impl BitmapText {
    /// Blends the text straight into RGB `pixels` of `size` (rows without padding), exactly as
    /// plotters' `Text` element draws it through `BitMapBackend::draw_pixel`: the same layout,
    /// kerning and whole-pixel pen, the same pixels in the same order, the same blend.
    /// Every pixel row it writes is marked in `touched` (one entry per row).
    pub fn blend_into(&self, pixels: &mut [u8], size: (u32, u32), touched: &mut [bool]) {
        GLYPHS.with(|cache| self.blend_with(&mut cache.borrow_mut(), pixels, size, touched));
    }

    fn blend_with(
        &self,
        cache: &mut GlyphCache,
        pixels: &mut [u8],
        (width, height): (u32, u32),
        touched: &mut [bool],
    ) {
        let size = self.size as f32;
        let glyphs: Vec<Rc<GlyphRaster>> = self
            .text
            .chars()
            .map(|c| cache.glyph(self.weight, size, c))
            .collect();
        // The kerning before each glyph, looked up once for the width and the drawing.
        let kerns: Vec<f32> = std::iter::once(0.0)
            .chain(
                glyphs
                    .windows(2)
                    .map(|pair| kerning(self.weight, size, pair[0].id, pair[1].id)),
            )
            .collect();
        // plotters' `estimate_layout`: advance then kerning, summed in f32, truncated.
        let mut text_width = 0f32;
        for (glyph, kern) in glyphs.iter().zip(&kerns) {
            text_width += glyph.advance;
            text_width += kern;
        }
        let text_width = text_width as i32;
        let text_height = (self.size / 1.24) as i32;
        let dx = match self.align {
            Align::Left => 0,
            Align::Right => -text_width,
            Align::Center => -text_width / 2,
        };
        let dy = -text_height / 2;
        let (width, height) = (width as i32, height as i32);
        let colour = [self.color.0, self.color.1, self.color.2];
        // plotters' ab_glyph `draw`: kerning before the glyph, pen truncated to whole pixels.
        let mut pen = 0f32;
        for (glyph, kern) in glyphs.iter().zip(&kerns) {
            pen += kern;
            let (gx, gy) = (pen as i32 + dx, glyph.y_shift + dy);
            // The glyph's box in the image, rows and columns as drawn (inclusive).
            let (extent_x, extent_y) = (glyph.extent.0 as i32, glyph.extent.1 as i32);
            let (columns, rows) = if self.up {
                (
                    (self.at.0 + gy, self.at.0 + gy + extent_y - 1),
                    (self.at.1 - gx - extent_x + 1, self.at.1 - gx),
                )
            } else {
                (
                    (self.at.0 + gx, self.at.0 + gx + extent_x - 1),
                    (self.at.1 + gy, self.at.1 + gy + extent_y - 1),
                )
            };
            let inside = columns.0 >= 0 && columns.1 < width && rows.0 >= 0 && rows.1 < height;
            // Where a pixel of the glyph's coverage lands in the image.
            let place = |x: u32, y: u32| {
                let (x, y) = (x as i32 + gx, y as i32 + gy);
                let (x, y) = if self.up { (y, -x) } else { (x, y) };
                (self.at.0 + x, self.at.1 + y)
            };
            // The bytes of the pixel at (x, y), inside the image.
            let at = |x: i32, y: i32| {
                let start = (y as usize * width as usize + x as usize) * 3;
                start..start + 3
            };
            if inside && !glyph.coverage.is_empty() {
                // Wholly inside: its rows are marked once and no pixel needs a bounds check.
                if let Some(marks) = touched.get_mut(rows.0 as usize..=rows.1 as usize) {
                    marks.fill(true);
                }
                for &(x, y, level) in &glyph.coverage {
                    let (x, y) = place(x, y);
                    if let Some(pixel) = pixels.get_mut(at(x, y)) {
                        paint(pixel, colour, level);
                    }
                }
            } else {
                for &(x, y, level) in &glyph.coverage {
                    let (x, y) = place(x, y);
                    if x >= 0 && x < width && y >= 0 && y < height {
                        if let Some(pixel) = pixels.get_mut(at(x, y)) {
                            paint(pixel, colour, level);
                        }
                        if let Some(row) = touched.get_mut(y as usize) {
                            *row = true;
                        }
                    }
                }
            }
            pen += glyph.advance;
        }
    }
}

/// Blends `colour` into an RGB `pixel` at `level` (out of 256): a fully covered pixel
/// (level 256, where the blend gives the colour) takes it directly.
#[inline]
fn paint(pixel: &mut [u8], colour: [u8; 3], level: u32) {
    if level == 256 {
        pixel.copy_from_slice(&colour);
    } else {
        for (old, new) in pixel.iter_mut().zip(colour) {
            *old = blend(*old, new, level);
        }
    }
}

/// plotters-bitmap's channel blend: `old` moved towards `new` by `level`/256, rounded towards
/// `old` (so level 256 gives `new`), without a branch on the direction.
fn blend(old: u8, new: u8, level: u32) -> u8 {
    let (old, difference) = (i32::from(old), i32::from(new) - i32::from(old));
    let step = (difference.abs() * level as i32) >> 8;
    (old + if difference < 0 { -step } else { step }) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::painter::{FONT_FAMILY, register_embedded_font};
    use plotters::prelude::{BitMapBackend, IntoDrawingArea, Text};
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, TextStyle};

    const SIZE: (u32, u32) = (320, 200);

    fn canvas(
        draw: impl Fn(&plotters::drawing::DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>),
    ) -> Vec<u8> {
        let mut pixels = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
            draw(&area);
            area.present().unwrap();
        }
        pixels
    }

    /// The oracle is plotters' own `Text` element: the cached glyphs must give the same bytes.
    #[test]
    fn cached_text_draws_exactly_what_plotters_draws() {
        register_embedded_font();
        let cases = [
            (
                "AVAWAY To, Wo. 1.25 (95% CI)",
                24.0,
                Weight::Normal,
                Align::Left,
                false,
            ),
            (
                "Magnésium — ½ «ë» 漢",
                17.3,
                Weight::Bold,
                Align::Center,
                false,
            ),
            (
                "right aligned ýÿ",
                20.0,
                Weight::Normal,
                Align::Right,
                false,
            ),
            ("Rotated label Tj", 21.7, Weight::Bold, Align::Left, true),
            (
                "edge clipped text runs off the canvas",
                30.0,
                Weight::Normal,
                Align::Left,
                false,
            ),
        ];
        for (text, size, weight, align, up) in cases {
            let at = if text.starts_with("edge") {
                (250, 195)
            } else {
                (160, 100)
            };
            let color = RGBColor(20, 90, 160);
            let mut ours = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
            let mut touched = vec![false; SIZE.1 as usize];
            // Twice, so the second draw comes from the cache.
            for _ in 0..2 {
                let element = BitmapText {
                    at,
                    text: text.to_string(),
                    size,
                    weight,
                    color,
                    align,
                    up,
                };
                element.blend_into(&mut ours, SIZE, &mut touched);
            }
            let theirs = canvas(|area| {
                let style = match weight {
                    Weight::Normal => FontStyle::Normal,
                    Weight::Bold => FontStyle::Bold,
                };
                let mut font = FontDesc::new(FontFamily::Name(FONT_FAMILY), size, style);
                if up {
                    font = font.transform(FontTransform::Rotate270);
                }
                let h_pos = match align {
                    Align::Left => HPos::Left,
                    Align::Center => HPos::Center,
                    Align::Right => HPos::Right,
                };
                let style = TextStyle::from(font)
                    .color(&color)
                    .pos(Pos::new(h_pos, VPos::Center));
                for _ in 0..2 {
                    area.draw(&Text::new(text.to_string(), at, style.clone()))
                        .unwrap();
                }
            });
            let inked = ours.iter().filter(|&&b| b != 255).count();
            assert!(inked > 100, "{text}: nothing drawn ({inked})");
            assert!(ours == theirs, "{text}: pixels differ from plotters' text");
            // Every row with ink is marked touched (rows left unmarked are taken as blank).
            for (row, pixels) in ours.chunks(SIZE.0 as usize * 3).enumerate() {
                if pixels.iter().any(|&b| b != 255) {
                    assert!(touched[row], "{text}: row {row} inked but not marked");
                }
            }
        }
    }

    #[test]
    fn cache_is_bounded() {
        let mut cache = GlyphCache::default();
        for c in ('a'..='z').chain('A'..='Z') {
            for size in 200..230 {
                cache.glyph(Weight::Normal, size as f32, c);
            }
        }
        assert!(cache.pixels <= MAX_CACHED_PIXELS, "{}", cache.pixels);
        assert!(!cache.glyphs.is_empty());
    }
}
