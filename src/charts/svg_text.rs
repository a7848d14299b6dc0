//! Text in SVG as glyph outlines of the embedded DejaVu Sans, so an SVG looks the same on every
//! machine, with or without fonts (a `<text>` element would be drawn in whatever font the
//! viewer finds). Each glyph is defined once per chart in `<defs>` and placed with `<use>`;
//! placement matches plotters' bitmap text, so SVG and PNG agree.

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

    /// Adds a text; `up` rotates it to read bottom to top from (x, y).
    pub fn add(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font, up: bool) {
        let face = face(font.weight);
        let scaled = face.as_scaled(font.size as f32);
        let width = crate::charts::painter::text_width(text, font.size, font.weight);
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
        let scale_text = format!("scale({scale:.5} -{scale:.5})");
        let mut uses = String::new();
        let mut pen = 0.0f64;
        let mut previous: Option<GlyphId> = None;
        for c in text.chars() {
            let id = face.glyph_id(c);
            if let Some(previous) = previous {
                pen += f64::from(scaled.kern(previous, id));
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
                    "<use href=\"#{}-{}{}\" transform=\"translate({:.2} 0) {scale_text}\"/>",
                    self.prefix,
                    if weight_key == 1 { "b" } else { "r" },
                    id.0,
                    pen,
                );
            }
            pen += f64::from(scaled.h_advance(id));
        }
        let transform = if up {
            format!(
                "translate({x:.2} {y:.2}) rotate(-90) translate(0 {:.2})",
                baseline - middle
            )
        } else {
            format!("translate({left:.2} {baseline:.2})")
        };
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
