//! Text in SVG as glyph outlines of the embedded DejaVu Sans, so an SVG looks the same on every
//! machine, with or without fonts (a `<text>` element would be drawn in whatever font the
//! viewer finds). Each glyph is defined once per chart in `<defs>` and placed with `<use>`;
//! placement matches plotters' bitmap text, so SVG and PNG agree. A text is one group scaled
//! to its font size, its glyphs placed by a whole number of font units (`x`): a third fewer
//! bytes in every SVG and inlined HTML than a transform per glyph.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::rc::Rc;

use ab_glyph::{Font as _, FontRef, GlyphId, OutlineCurve, ScaleFont};
use plotters::style::RGBColor;

use crate::charts::painter::{Align, Font, Weight, face};

/// Collects the text of one SVG chart.
#[derive(Debug, Default)]
pub struct SvgText {
    prefix: String,
    pending_tooltip: Option<String>,
    defs: BTreeMap<(u8, u16), Rc<str>>,
    body: String,
}

fn colour(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

impl SvgText {
    /// Text for a chart whose glyph ids start with `prefix` (unique per chart, so several
    /// charts can be inlined in one HTML page).
    pub fn new(prefix: &str) -> SvgText {
        SvgText {
            prefix: prefix.to_string(),
            ..SvgText::default()
        }
    }

    /// Sets the tooltip of the next text.
    pub fn tooltip(&mut self, full: &str) {
        self.pending_tooltip = Some(full.to_string());
    }

    /// Adds a text, placed in drawing order ([`crate::charts::reading_order::drawn`]); `up`
    /// rotates it to read bottom to top from (x, y).
    pub fn add(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font, up: bool) {
        let text = crate::charts::reading_order::drawn(text);
        let face = face(font.weight);
        let scaled = face.as_scaled(font.size as f32);
        let width = crate::charts::text_fit::drawn_text_width(&text, font.size, font.weight);
        let left = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        let middle = y;
        // plotters' layout: box of height size/1.24 centred on y, baseline size/2 below its top.
        let baseline = middle - font.size / 1.24 / 2.0 + font.size / 2.0;
        let scale = f64::from(scaled.h_scale_factor());
        let weight_key = u8::from(font.weight == Weight::Bold);
        // Glyphs are placed in font units inside a group scaled to the font size: `x` is the
        // sum of the unscaled advances and kerning before the glyph (whole units in DejaVu),
        // and the group's scale has eight decimals, so a glyph 1,000 px along is placed within
        // 0.005 px of where the bitmap text puts it.
        let mut uses = String::new();
        let mut pen = 0.0f32;
        let mut previous: Option<GlyphId> = None;
        for c in text.chars() {
            let id = face.glyph_id(c);
            if let Some(previous) = previous {
                pen += face.kern_unscaled(previous, id);
            }
            previous = Some(id);
            if let std::collections::btree_map::Entry::Vacant(slot) =
                self.defs.entry((weight_key, id.0))
            {
                slot.insert(cached_outline_path(font.weight, id));
            }
            if !self.defs[&(weight_key, id.0)].is_empty() {
                let _ = write!(
                    uses,
                    "<use href=\"#{}-{}{}\"",
                    self.prefix,
                    if weight_key == 1 { "b" } else { "r" },
                    id.0,
                );
                let x = pen.round() as i64;
                if x != 0 {
                    let _ = write!(uses, " x=\"{x}\"");
                }
                uses.push_str("/>");
            }
            pen += face.h_advance_unscaled(id);
        }
        let placement = if up {
            format!(
                "translate({x:.2} {y:.2}) rotate(-90) translate(0 {:.2})",
                baseline - middle
            )
        } else {
            format!("translate({left:.2} {baseline:.2})")
        };
        let transform = format!("{placement} scale({scale:.8} -{scale:.8})");
        let title = self
            .pending_tooltip
            .take()
            .map_or_else(String::new, |full| {
                format!(
                    "<title>{}</title>",
                    crate::charts::painter::escape_xml(&full)
                )
            });
        let _ = writeln!(
            self.body,
            "<g fill=\"{}\" transform=\"{transform}\">{title}{uses}</g>",
            colour(font.color)
        );
    }

    /// The `<defs>` and text elements to insert before `</svg>`.
    pub fn finish(self) -> String {
        let mut out = String::from("<defs>\n");
        for ((weight, id), path) in &self.defs {
            if path.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "<path id=\"{}-{}{id}\" d=\"{path}\"/>",
                self.prefix,
                if *weight == 1 { "b" } else { "r" }
            );
        }
        out.push_str("</defs>\n");
        out.push_str(&self.body);
        out
    }
}

/// [`outline_path`], computed once per thread for each glyph (charts share their glyphs).
fn cached_outline_path(weight: Weight, id: GlyphId) -> Rc<str> {
    thread_local! {
        static OUTLINES: RefCell<foldhash::HashMap<(bool, u16), Rc<str>>> =
            RefCell::new(foldhash::HashMap::default());
    }
    OUTLINES.with(|outlines| {
        Rc::clone(
            outlines
                .borrow_mut()
                .entry((weight == Weight::Bold, id.0))
                .or_insert_with(|| outline_path(face(weight), id).into()),
        )
    })
}

/// The glyph's outline in font units (y up), as SVG path data; empty for blank glyphs.
fn outline_path(face: &FontRef<'static>, id: GlyphId) -> String {
    let Some(outline) = face.outline(id) else {
        return String::new();
    };
    let mut d = String::new();
    let mut last: Option<ab_glyph::Point> = None;
    let point = |d: &mut String, p: ab_glyph::Point| {
        let _ = write!(d, "{} {}", p.x.round(), p.y.round());
    };
    for curve in &outline.curves {
        let start = match curve {
            OutlineCurve::Line(a, _)
            | OutlineCurve::Quad(a, _, _)
            | OutlineCurve::Cubic(a, _, _, _) => *a,
        };
        if last != Some(start) {
            if last.is_some() {
                d.push('Z');
            }
            d.push('M');
            point(&mut d, start);
        }
        match curve {
            OutlineCurve::Line(_, b) => {
                d.push('L');
                point(&mut d, *b);
                last = Some(*b);
            }
            OutlineCurve::Quad(_, c, b) => {
                d.push('Q');
                point(&mut d, *c);
                d.push(' ');
                point(&mut d, *b);
                last = Some(*b);
            }
            OutlineCurve::Cubic(_, c1, c2, b) => {
                d.push('C');
                point(&mut d, *c1);
                d.push(' ');
                point(&mut d, *c2);
                d.push(' ');
                point(&mut d, *b);
                last = Some(*b);
            }
        }
    }
    if last.is_some() {
        d.push('Z');
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs sit where the scaled font's pen puts them (kerning included, as plotters lays
    /// out bitmap text): `x` in font units times the group's scale, within 0.005 px, even 1,000
    /// px along a line.
    #[test]
    fn glyphs_are_placed_at_the_scaled_pen_position() {
        let font = Font {
            size: 20.0,
            weight: Weight::Normal,
            color: RGBColor(0, 0, 0),
        };
        let text = "AVATAR Wo. ".repeat(10);
        let mut svg = SvgText::new("t");
        svg.add(0.0, 0.0, &text, Align::Left, font, false);
        let out = svg.finish();
        let scale: f64 = out
            .split("scale(")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .expect("a scaled group");
        let placed: Vec<f64> = out
            .split("<use ")
            .skip(1)
            .map(|u| {
                u.split("x=\"")
                    .nth(1)
                    .and_then(|x| x.split('"').next())
                    .map_or(0.0, |x| x.parse::<f64>().expect("an integer x"))
                    * scale
            })
            .collect();

        let scaled = face(Weight::Normal).as_scaled(20.0f32);
        let mut expected = Vec::new();
        let (mut pen, mut previous) = (0.0f64, None);
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                pen += f64::from(scaled.kern(previous, id));
            }
            previous = Some(id);
            if c != ' ' {
                expected.push(pen);
            }
            pen += f64::from(scaled.h_advance(id));
        }
        assert!(pen > 1000.0, "{pen}");
        assert_eq!(placed.len(), expected.len());
        for (got, want) in placed.iter().zip(&expected) {
            assert!((got - want).abs() < 0.005, "{got} vs {want}");
        }
        // Kerning is in: "AV" sits closer than A's advance.
        let a = scaled.glyph_id('A');
        assert!(scaled.kern(a, scaled.glyph_id('V')) < 0.0);
    }
}
