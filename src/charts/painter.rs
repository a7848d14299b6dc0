//! A small drawing surface over plotters, shared by every chart.
//!
//! Charts draw in logical units on a fixed canvas; the painter scales to the output (1× for
//! SVG, 2× for print PNG) so one drawing routine serves both formats. Text is measured with the
//! embedded DejaVu Sans (`charts::text_fit`), so layout (truncation, label widths) is the same
//! on every machine.

use std::fmt::Write as _;
use std::sync::{Once, OnceLock};

use ab_glyph::FontRef;

use crate::charts::bitmap_text::BitmapText;
use crate::charts::png_encode::{self, Afterwards};
use crate::charts::reading_order;
use crate::charts::svg_text::SvgText;
use crate::charts::text_fit::{text_width, truncate_id_to_width, wrap_to_lines};

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::prelude::{
    BitMapBackend, Circle, DrawingArea, IntoDrawingArea, PathElement, Polygon, Rectangle,
    SVGBackend,
};
use plotters::style::{Color, FontStyle, RGBColor, ShapeStyle};

/// The font family name every chart uses; registered to the embedded DejaVu Sans. The name is
/// also what SVG viewers see, so they pick DejaVu Sans where installed.
pub const FONT_FAMILY: &str = "DejaVu Sans,sans-serif";

static REGISTER_FONT: Once = Once::new();

/// Registers the embedded font once per process (idempotent).
pub fn register_embedded_font() {
    REGISTER_FONT.call_once(|| {
        // The embedded font is a valid TrueType file; failure here would be a build defect.
        let regular =
            plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, dejavu::sans::regular());
        let bold =
            plotters::style::register_font(FONT_FAMILY, FontStyle::Bold, dejavu::sans::bold());
        debug_assert!(regular.is_ok() && bold.is_ok());
    });
}

/// The embedded DejaVu Sans face for `weight`, parsed once per process.
pub fn face(weight: Weight) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = match weight {
        Weight::Normal => (&REGULAR, dejavu::sans::regular()),
        Weight::Bold => (&BOLD, dejavu::sans::bold()),
    };
    // The embedded font is a valid TrueType file (checked by the tests).
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("embedded DejaVu Sans parses"))
}

/// The characters of `text` as drawn ([`reading_order::drawn`]: Arabic letters in their
/// presentation forms) that the embedded font (regular or bold) has no glyph for, in order of
/// first appearance: charts draw them as empty boxes. Whitespace and control
/// characters are not drawn, so they are not counted.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    use ab_glyph::Font as _;
    let mut missing: Vec<char> = Vec::new();
    for c in reading_order::drawn(text).chars() {
        let blank = c.is_whitespace() || c.is_control();
        if !blank
            && !missing.contains(&c)
            && [Weight::Normal, Weight::Bold]
                .iter()
                .any(|weight| face(*weight).glyph_id(c).0 == 0)
        {
            missing.push(c);
        }
    }
    missing
}

/// Horizontal text anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text starts at x.
    Left,
    /// Text is centred on x.
    Center,
    /// Text ends at x.
    Right,
}

/// Size, weight and colour of a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Font {
    /// Size in logical units.
    pub size: f64,
    /// Weight.
    pub weight: Weight,
    /// Colour.
    pub color: RGBColor,
}

impl Font {
    /// A font description.
    pub const fn new(size: f64, weight: Weight, color: RGBColor) -> Font {
        Font {
            size,
            weight,
            color,
        }
    }
}

/// Text weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    /// Regular.
    Normal,
    /// Bold.
    Bold,
}

/// The drawing operations charts use, in logical units. Errors are kept inside and reported
/// once by [`render_svg`] / [`render_png`], so chart code stays linear.
pub trait Painter {
    /// A filled rectangle, optionally outlined.
    fn rect(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: RGBColor,
        stroke: Option<RGBColor>,
    );
    /// A polyline.
    fn line(&mut self, points: &[(f64, f64)], color: RGBColor, width: f64);
    /// A filled polygon.
    fn polygon(&mut self, points: &[(f64, f64)], fill: RGBColor);
    /// A filled circle.
    fn circle(&mut self, x: f64, y: f64, radius: f64, fill: RGBColor);
    /// Text whose vertical centre is at `y`.
    fn text(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font);
    /// Text rotated to read bottom to top, starting at (`x`, `y`) and centred on `x`.
    fn text_up(&mut self, x: f64, y: f64, text: &str, font: Font);
    /// The full text of the next (truncated) label, shown as a tooltip where the format has
    /// them (SVG `<title>`); ignored elsewhere.
    fn tooltip(&mut self, _full: &str) {}
}

/// Draws an identifier (a study id) cut to `max_width` in the middle, keeping its end, which
/// is what tells `comstock_et_al_1974` from `comstock_et_al_1976` (see
/// [`truncate_id_to_width`]); when cut, the full id becomes the label's tooltip (SVG
/// `<title>`).
pub fn id_label(
    p: &mut dyn Painter,
    x: f64,
    y: f64,
    full: &str,
    max_width: f64,
    align: Align,
    font: Font,
) {
    let shown = truncate_id_to_width(full, font.size, font.weight, max_width);
    tooltip_if_cut(p, full, std::slice::from_ref(&shown));
    p.text(x, y, &shown, align, font);
}

/// [`id_label`], rotated to read bottom to top.
pub fn id_label_up(p: &mut dyn Painter, x: f64, y: f64, full: &str, max_width: f64, font: Font) {
    let shown = truncate_id_to_width(full, font.size, font.weight, max_width);
    tooltip_if_cut(p, full, std::slice::from_ref(&shown));
    p.text_up(x, y, &shown, font);
}

/// Makes `full` the tooltip of the next label when the `shown` lines (one, or `full` wrapped)
/// lost part of it.
pub fn tooltip_if_cut(p: &mut dyn Painter, full: &str, shown: &[String]) {
    let cut = match shown {
        [only] => only != full,
        _ => shown.join(" ") != full.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    if cut {
        p.tooltip(full);
    }
}

/// How the lines of a label run.
#[derive(Debug, Clone, Copy)]
pub enum Lines {
    /// Horizontal text aligned on `x`, the lines one under another.
    Across(Align),
    /// Text rotated to read bottom to top, the lines side by side, the first leftmost.
    Up,
}

/// Draws `lines` `gap` apart as `run` says, centred together on `y` (across) or `x` (up).
pub fn text_lines(
    p: &mut dyn Painter,
    (x, y): (f64, f64),
    lines: &[String],
    gap: f64,
    run: Lines,
    font: Font,
) {
    let middle = (lines.len() as f64 - 1.0) / 2.0;
    for (i, line) in lines.iter().enumerate() {
        let offset = (i as f64 - middle) * gap;
        match run {
            Lines::Across(align) => p.text(x, y + offset, line, align, font),
            Lines::Up => p.text_up(x + offset, y, line, font),
        }
    }
}

/// Draws `full` over as many as `max_lines` lines of at most `max_width`, `gap` apart (see
/// [`text_lines`]): a label that fits one line is drawn as it is; a longer one is wrapped
/// between words ([`wrap_to_lines`]), and when even that is cut, the full text becomes the
/// tooltip (SVG `<title>`).
#[allow(clippy::too_many_arguments)]
pub fn label_lines(
    p: &mut dyn Painter,
    at: (f64, f64),
    full: &str,
    max_width: f64,
    max_lines: usize,
    gap: f64,
    run: Lines,
    font: Font,
) {
    let lines = wrap_to_lines(full, font.size, font.weight, max_width, max_lines);
    tooltip_if_cut(p, full, &lines);
    text_lines(p, at, &lines, gap, run, font);
}

/// Shapes drawn through plotters, in logical units scaled to the output; text is each format's
/// own ([`SvgPainter`], [`PngPainter`]).
struct PlottersPainter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    scale: f64,
    error: Option<String>,
}

impl<DB: DrawingBackend> PlottersPainter<'_, DB> {
    fn at(&self, x: f64, y: f64) -> (i32, i32) {
        (
            (x * self.scale).round() as i32,
            (y * self.scale).round() as i32,
        )
    }

    fn keep<E: std::fmt::Debug>(&mut self, result: Result<(), E>) {
        if let (Err(err), None) = (result, &self.error) {
            self.error = Some(format!("{err:?}"));
        }
    }

    fn rect(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: RGBColor,
        stroke: Option<RGBColor>,
    ) {
        let corners = [self.at(x0, y0), self.at(x1, y1)];
        let result = self.area.draw(&Rectangle::new(corners, fill.filled()));
        self.keep(result);
        if let Some(stroke) = stroke {
            let style = ShapeStyle::from(stroke).stroke_width(self.scale.round() as u32);
            let result = self.area.draw(&Rectangle::new(corners, style));
            self.keep(result);
        }
    }

    /// The line's points in output pixels and its stroke width in whole pixels.
    fn line_in_pixels(&self, points: &[(f64, f64)], width: f64) -> (Vec<(i32, i32)>, u32) {
        let points = points.iter().map(|(x, y)| self.at(*x, *y)).collect();
        (points, (width * self.scale).round().max(1.0) as u32)
    }

    fn line(&mut self, points: Vec<(i32, i32)>, color: RGBColor, stroke: u32) {
        let style = ShapeStyle::from(color).stroke_width(stroke);
        let result = self.area.draw(&PathElement::new(points, style));
        self.keep(result);
    }

    fn polygon(&mut self, points: &[(f64, f64)], fill: RGBColor) {
        let points: Vec<_> = points.iter().map(|(x, y)| self.at(*x, *y)).collect();
        let result = self.area.draw(&Polygon::new(points, fill.filled()));
        self.keep(result);
    }

    fn circle(&mut self, x: f64, y: f64, radius: f64, fill: RGBColor) {
        let centre = self.at(x, y);
        let radius = (radius * self.scale).round().max(1.0) as u32;
        let result = self.area.draw(&Circle::new(centre, radius, fill.filled()));
        self.keep(result);
    }
}

/// Draws a PNG's shapes into its pixels and collects its texts, which [`draw_pixels`] blends
/// in once every shape is drawn: text lies on top of the shapes, as in the SVG (which writes
/// its text after the shapes).
struct PngPainter<'a, 'b> {
    shapes: PlottersPainter<'a, BitMapBackend<'b>>,
    texts: Vec<BitmapText>,
    /// One entry per pixel row: whether a shape may have drawn on it (each shape's vertical
    /// extent in pixels, widened by its stroke and two pixels of rounding). Rows never marked
    /// are still blank, which [`render_png`] and its encoder use.
    touched: Vec<bool>,
}

impl PngPainter<'_, '_> {
    /// Marks the pixel rows from `top` to `bottom` (logical units), widened by `extra` pixels;
    /// every row when a bound is not a finite number (where plotters would draw is unknown).
    fn touch(&mut self, top: f64, bottom: f64, extra: f64) {
        let scale = self.shapes.scale;
        if !(top.is_finite() && bottom.is_finite() && extra.is_finite()) {
            self.touched.fill(true);
            return;
        }
        let (top, bottom) = (
            top.min(bottom) * scale - extra - 2.0,
            top.max(bottom) * scale + extra + 2.0,
        );
        // Casts saturate: rows above the canvas are row 0, rows below it the last.
        let first = top.floor() as usize;
        let last = (bottom.ceil() as usize).min(self.touched.len().saturating_sub(1));
        if let Some(rows) = self.touched.get_mut(first..=last) {
            rows.fill(true);
        }
    }

    /// Marks the rows of shape `points` (logical units), widened by `extra` pixels.
    fn touch_points(&mut self, points: &[(f64, f64)], extra: f64) {
        if points.iter().any(|(_, y)| !y.is_finite()) {
            self.touched.fill(true);
            return;
        }
        let (top, bottom) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(t, b), &(_, y)| {
                (t.min(y), b.max(y))
            });
        if top <= bottom {
            self.touch(top, bottom, extra);
        }
    }

    fn text(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font, up: bool) {
        self.texts.push(BitmapText {
            at: self.shapes.at(x, y),
            text: reading_order::drawn(text).into_owned(),
            size: font.size * self.shapes.scale,
            weight: font.weight,
            color: font.color,
            align,
            up,
        });
    }
}

impl Painter for PngPainter<'_, '_> {
    fn rect(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: RGBColor,
        stroke: Option<RGBColor>,
    ) {
        self.touch(y0, y1, self.shapes.scale);
        self.shapes.rect(x0, y0, x1, y1, fill, stroke);
    }

    fn line(&mut self, points: &[(f64, f64)], color: RGBColor, width: f64) {
        self.touch_points(points, width * self.shapes.scale);
        let (points, stroke) = self.shapes.line_in_pixels(points, width);
        // A 1-pixel line is already drawn by plotters' own straight-line paths.
        if stroke > 1
            && let Some(band) = axis_aligned_band(&points, stroke)
        {
            let result = self.shapes.area.draw(&Rectangle::new(band, color.filled()));
            self.shapes.keep(result);
        } else {
            self.shapes.line(points, color, stroke);
        }
    }

    fn polygon(&mut self, points: &[(f64, f64)], fill: RGBColor) {
        self.touch_points(points, 0.0);
        self.shapes.polygon(points, fill);
    }

    fn circle(&mut self, x: f64, y: f64, radius: f64, fill: RGBColor) {
        self.touch(y - radius, y + radius, 1.0);
        self.shapes.circle(x, y, radius, fill);
    }

    fn text(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font) {
        PngPainter::text(self, x, y, text, align, font, false);
    }

    fn text_up(&mut self, x: f64, y: f64, text: &str, font: Font) {
        PngPainter::text(self, x, y, text, Align::Left, font, true);
    }
}

/// The pixel rectangle a straight horizontal or vertical line of `stroke` pixels from the
/// first to the second of `points` covers, as plotters' rectangle corners (the second one
/// past the last pixel): `stroke` rows (columns) centred on the line, the extra one of an even
/// width above (left of) it, from the line's first pixel to its last. `None` for anything else
/// (a slanted line, a polyline, a single point), which plotters draws as a polygon.
///
/// plotters turns every line thicker than a pixel into a polygon and fills it with its
/// general scanline rasteriser, a tenth of a batch's CPU; for the gridlines, axes, ticks and
/// whiskers that make up most lines a rectangle fill does the same work directly. It is also
/// the width asked for: plotters' polygon of a 2-pixel line covers 3 rows.
fn axis_aligned_band(points: &[(i32, i32)], stroke: u32) -> Option<[(i32, i32); 2]> {
    let [(x0, y0), (x1, y1)] = *points else {
        return None;
    };
    let stroke = i32::try_from(stroke).ok()?;
    let first = |centre: i32| centre - stroke / 2;
    if y0 == y1 && x0 != x1 {
        Some([
            (x0.min(x1), first(y0)),
            (x0.max(x1) + 1, first(y0) + stroke),
        ])
    } else if x0 == x1 && y0 != y1 {
        Some([
            (first(x0), y0.min(y1)),
            (first(x0) + stroke, y0.max(y1) + 1),
        ])
    } else {
        None
    }
}

/// A chart's drawing routine.
pub type DrawFn = dyn Fn(&mut dyn Painter) + Send + Sync;

/// A box in logical units: left, top, right, bottom.
pub type Bounds = (f64, f64, f64, f64);

/// Whether two boxes share any area (touching edges do not).
pub fn intersects(a: &Bounds, b: &Bounds) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// A text placement as a chart drew it: its box in logical units (for overlap tests).
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    /// The text drawn.
    pub text: String,
    /// Left, top, right, bottom.
    pub bounds: Bounds,
}

/// The box of `text` drawn at `x`, `y` (the middle of its height) with `align` and `font`.
pub fn text_bounds(x: f64, y: f64, text: &str, align: Align, font: Font) -> Bounds {
    let width = text_width(text, font.size, font.weight);
    let height = font.size / 1.24;
    let left = match align {
        Align::Left => x,
        Align::Center => x - width / 2.0,
        Align::Right => x - width,
    };
    (left, y - height / 2.0, left + width, y + height / 2.0)
}

/// A painter that draws nothing and records every text box, line and polygon it was given.
#[derive(Debug, Default)]
pub struct RecordingPainter {
    /// Every text drawn, in order.
    pub texts: Vec<TextBox>,
    /// Every line drawn, in order.
    pub lines: Vec<RecordedLine>,
    /// Every polygon drawn, in order.
    pub polygons: Vec<RecordedPolygon>,
}

/// A line as a chart drew it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedLine {
    /// Its points, in logical units.
    pub points: Vec<(f64, f64)>,
    /// Its colour.
    pub color: RGBColor,
    /// Its width in points.
    pub width: f64,
}

/// A filled polygon as a chart drew it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedPolygon {
    /// Its corners, in logical units.
    pub points: Vec<(f64, f64)>,
    /// Its colour.
    pub color: RGBColor,
}

impl Painter for RecordingPainter {
    fn rect(&mut self, _: f64, _: f64, _: f64, _: f64, _: RGBColor, _: Option<RGBColor>) {}
    fn line(&mut self, points: &[(f64, f64)], color: RGBColor, width: f64) {
        self.lines.push(RecordedLine {
            points: points.to_vec(),
            color,
            width,
        });
    }
    fn polygon(&mut self, points: &[(f64, f64)], color: RGBColor) {
        self.polygons.push(RecordedPolygon {
            points: points.to_vec(),
            color,
        });
    }
    fn circle(&mut self, _: f64, _: f64, _: f64, _: RGBColor) {}
    fn text(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font) {
        self.texts.push(TextBox {
            text: text.to_string(),
            bounds: text_bounds(x, y, text, align, font),
        });
    }
    fn text_up(&mut self, x: f64, y: f64, text: &str, font: Font) {
        let width = text_width(text, font.size, font.weight);
        let height = font.size / 1.24;
        self.texts.push(TextBox {
            text: text.to_string(),
            bounds: (x - height / 2.0, y - width, x + height / 2.0, y),
        });
    }
}

/// Accessible name and description of a chart, written into the SVG as `<title>` and `<desc>`.
#[derive(Debug, Clone)]
pub struct ChartText {
    /// Short title.
    pub title: String,
    /// What the chart shows, in words (screen readers, tooltips).
    pub description: String,
}

/// SVG drawing: shapes through plotters' SVG backend, text as glyph outlines.
struct SvgPainter<'a, 'b> {
    shapes: PlottersPainter<'a, SVGBackend<'b>>,
    text: SvgText,
}

impl Painter for SvgPainter<'_, '_> {
    fn rect(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: RGBColor,
        stroke: Option<RGBColor>,
    ) {
        self.shapes.rect(x0, y0, x1, y1, fill, stroke);
    }
    fn line(&mut self, points: &[(f64, f64)], color: RGBColor, width: f64) {
        let (points, stroke) = self.shapes.line_in_pixels(points, width);
        self.shapes.line(points, color, stroke);
    }
    fn polygon(&mut self, points: &[(f64, f64)], fill: RGBColor) {
        self.shapes.polygon(points, fill);
    }
    fn circle(&mut self, x: f64, y: f64, radius: f64, fill: RGBColor) {
        self.shapes.circle(x, y, radius, fill);
    }
    fn text(&mut self, x: f64, y: f64, text: &str, align: Align, font: Font) {
        self.text.add(x, y, text, align, font, false);
    }
    fn text_up(&mut self, x: f64, y: f64, text: &str, font: Font) {
        self.text.add(x, y, text, Align::Left, font, true);
    }
    fn tooltip(&mut self, full: &str) {
        self.text.tooltip(full);
    }
}

/// Draws a chart as SVG with `<title>` and `<desc>`; text is drawn as glyph outlines whose
/// ids start with `id_prefix`.
pub fn render_svg(
    size: (u32, u32),
    text: &ChartText,
    id_prefix: &str,
    draw: &DrawFn,
) -> Result<String, String> {
    register_embedded_font();
    let mut svg = String::with_capacity(64 << 10);
    let glyphs;
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        area.fill(&plotters::style::WHITE)
            .map_err(|e| format!("{e:?}"))?;
        let mut painter = SvgPainter {
            shapes: PlottersPainter {
                area: &area,
                scale: 1.0,
                error: None,
            },
            text: SvgText::new(id_prefix),
        };
        draw(&mut painter);
        if let Some(error) = painter.shapes.error {
            return Err(error);
        }
        area.present().map_err(|e| format!("{e:?}"))?;
        glyphs = painter.text.finish();
    }
    let (shapes, end) = svg.split_at(svg.rfind("</svg>").unwrap_or(svg.len()));
    Ok(assemble_svg(shapes, &glyphs, end, text, id_prefix))
}

/// The SVG document: plotters' shapes, then the text glyphs before `</svg>`, with `<title>`
/// and `<desc>` after the opening tag (which gains the ARIA role and labels).
fn assemble_svg(
    shapes: &str,
    glyphs: &str,
    end: &str,
    text: &ChartText,
    id_prefix: &str,
) -> String {
    let mut out = String::with_capacity(shapes.len() + glyphs.len() + end.len() + 512);
    let open_end = shapes
        .find("<svg")
        .and_then(|start| shapes[start..].find('>').map(|e| start + e + 1));
    let rest = match open_end {
        Some(open_end) => {
            let (head, rest) = shapes.split_at(open_end);
            out.push_str(&head.replacen(
                "<svg ",
                &format!(
                    "<svg role=\"img\" aria-labelledby=\"{id_prefix}-title {id_prefix}-desc\" "
                ),
                1,
            ));
            let _ = write!(
                out,
                "\n<title id=\"{id_prefix}-title\">{}</title>\n<desc id=\"{id_prefix}-desc\">{}</desc>",
                escape_xml(&text.title),
                escape_xml(&text.description)
            );
            rest
        }
        None => shapes,
    };
    out.push_str(rest);
    out.push_str(glyphs);
    out.push_str(end);
    out
}

/// Escapes text for XML/HTML content and attributes.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pixel size of a chart of `size` points drawn at `dpi`.
pub fn png_size(size: (u32, u32), dpi: u32) -> (u32, u32) {
    let scale = f64::from(dpi) / 72.0;
    let pixels = |points: u32| (f64::from(points) * scale).round() as u32;
    (pixels(size.0), pixels(size.1))
}

/// Draws a chart as a PNG at `dpi` (72 dpi = one pixel per logical unit), with the
/// resolution recorded in the file (`pHYs`).
pub fn render_png(size: (u32, u32), dpi: u32, draw: &DrawFn) -> Result<Vec<u8>, String> {
    thread_local! {
        /// The pixel buffer of the last chart drawn on this thread, reused by the next: a
        /// fresh multi-megabyte buffer per chart cost more in page faults than the drawing.
        /// It is all white whenever it is put back (the encoder whitens each drawn row once
        /// it is written), or empty.
        static WHITE_PIXELS: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    register_embedded_font();
    let scale = f64::from(dpi) / 72.0;
    let (width, height) = png_size(size, dpi);
    let mut pixels = WHITE_PIXELS.take();
    // White stays white when the buffer shrinks, and it grows in white.
    pixels.resize(width as usize * 3 * height as usize, 255);
    let touched = draw_pixels(&mut pixels, (width, height), scale, draw)?;
    debug_assert!(
        untouched_rows_are_blank(&pixels, width, &touched),
        "a drawn row was not marked"
    );
    let encoded = png_encode::encode_rgb(
        &mut pixels,
        (width, height),
        dpi,
        Some(&touched),
        Afterwards::Whiten,
    )?;
    WHITE_PIXELS.set(pixels);
    Ok(encoded)
}

/// Whether every row of `pixels` (`width` pixels wide) not marked in `touched` is all white
/// (checked in debug builds: the encoder relies on it).
fn untouched_rows_are_blank(pixels: &[u8], width: u32, touched: &[bool]) -> bool {
    pixels
        .chunks(width as usize * 3)
        .zip(touched)
        .all(|(row, touched)| *touched || row.iter().all(|&b| b == 255))
}

/// Draws a chart into white `pixels` of `width` × `height`; the rows it may have touched.
fn draw_pixels(
    pixels: &mut [u8],
    (width, height): (u32, u32),
    scale: f64,
    draw: &DrawFn,
) -> Result<Vec<bool>, String> {
    let (texts, mut touched) = {
        let area = BitMapBackend::with_buffer(pixels, (width, height)).into_drawing_area();
        let mut painter = PngPainter {
            shapes: PlottersPainter {
                area: &area,
                scale,
                error: None,
            },
            texts: Vec::new(),
            touched: vec![false; height as usize],
        };
        draw(&mut painter);
        if let Some(error) = painter.shapes.error {
            return Err(error);
        }
        area.present().map_err(|e| format!("{e:?}"))?;
        (painter.texts, painter.touched)
    };
    // Blended straight into the pixels (a tenth of a batch's CPU went to plotters' per-pixel
    // calls), exactly as plotters would have drawn them after the shapes.
    for text in &texts {
        text.blend_into(pixels, (width, height), &mut touched);
    }
    Ok(touched)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ink on every other band of rows, full width, with text: a chart that leaves the reused
    /// buffer dirty almost everywhere.
    fn ink(p: &mut dyn Painter) {
        for band in 0..40 {
            let y = f64::from(band) * 5.0;
            p.rect(0.0, y, 300.0, y + 2.0, RGBColor(10, 20, 30), None);
        }
        p.circle(150.0, 100.0, 60.0, RGBColor(200, 30, 30));
        let font = Font::new(14.0, Weight::Bold, RGBColor(0, 90, 0));
        p.text(20.0, 150.0, "dirty rows", Align::Left, font);
    }

    /// A small chart with a slanted line, a polygon and text.
    fn small(p: &mut dyn Painter) {
        p.line(&[(10.0, 10.0), (50.0, 80.0)], RGBColor(200, 0, 0), 1.0);
        p.polygon(
            &[(70.0, 20.0), (90.0, 60.0), (60.0, 50.0)],
            RGBColor(0, 0, 200),
        );
        let font = Font::new(10.0, Weight::Normal, RGBColor(0, 0, 0));
        p.text(20.0, 40.0, "label", Align::Left, font);
        p.text_up(100.0, 80.0, "up", font);
    }

    /// A shape at a coordinate that is not a number marks every row (where plotters draws it
    /// is unknown); a shape on the canvas marks its own rows and a margin, and no others.
    #[test]
    fn touched_rows_are_a_shapes_rows_or_all_rows() {
        let (width, height) = (60u32, 50u32);
        let touched = |draw: &DrawFn| {
            let mut pixels = vec![255u8; (width * height * 3) as usize];
            draw_pixels(&mut pixels, (width, height), 2.0, draw).unwrap()
        };
        let at_nan = touched(&|p: &mut dyn Painter| {
            p.line(&[(5.0, f64::NAN), (20.0, 10.0)], RGBColor(0, 0, 0), 1.0);
        });
        assert!(at_nan.iter().all(|t| *t));
        // A 1-pt horizontal line at y = 10 (pixel row 20, 2 px wide) with 2 px of stroke and
        // 2 px of rounding either side: rows 16 to 24.
        let line = touched(&|p: &mut dyn Painter| {
            p.line(&[(5.0, 10.0), (20.0, 10.0)], RGBColor(0, 0, 0), 1.0);
        });
        let marked: Vec<usize> = (0..line.len()).filter(|&row| line[row]).collect();
        assert_eq!(marked, (16..=24).collect::<Vec<_>>());
    }

    /// The thread's reused pixel buffer is whitened only where the last chart drew (by the
    /// encoder, row by row): a chart drawn after another, wider or narrower, taller or
    /// shorter, is the chart drawn alone.
    #[test]
    fn a_chart_drawn_after_another_is_the_chart_drawn_alone() {
        let alone = std::thread::spawn(|| render_png((120, 90), 144, &small))
            .join()
            .unwrap()
            .unwrap();
        for before in [(300, 200), (120, 200), (120, 45), (60, 40)] {
            let after = std::thread::spawn(move || {
                render_png(before, 144, &ink).unwrap();
                render_png((120, 90), 144, &small).unwrap()
            })
            .join()
            .unwrap();
            assert!(after == alone, "after a {before:?} chart");
        }
    }

    /// The pixels a PNG line covers: (columns, rows) of the non-white pixels.
    fn covered(
        draw: &DrawFn,
    ) -> (
        std::ops::RangeInclusive<usize>,
        std::ops::RangeInclusive<usize>,
    ) {
        let (width, height) = (40usize, 30usize);
        let mut pixels = vec![255u8; width * height * 3];
        draw_pixels(&mut pixels, (width as u32, height as u32), 2.0, draw).unwrap();
        let inked: Vec<(usize, usize)> = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .filter(|(x, y)| pixels[(y * width + x) * 3] != 255)
            .collect();
        let xs = inked.iter().map(|p| p.0);
        let ys = inked.iter().map(|p| p.1);
        (
            xs.clone().min().unwrap()..=xs.max().unwrap(),
            ys.clone().min().unwrap()..=ys.max().unwrap(),
        )
    }

    /// A 1-pt line at 2× is 2 pixels wide, centred on it, from its first pixel to its last
    /// (plotters' polygon covered 3 rows); slanted lines still go through plotters.
    #[test]
    fn a_straight_thick_line_covers_its_width_and_length() {
        let black = RGBColor(0, 0, 0);
        let horizontal = covered(&move |p: &mut dyn Painter| {
            p.line(&[(12.0, 5.0), (2.0, 5.0)], black, 1.0);
        });
        assert_eq!(horizontal, (4..=24, 9..=10));
        let vertical = covered(&move |p: &mut dyn Painter| {
            p.line(&[(3.0, 2.0), (3.0, 12.0)], black, 1.5);
        });
        assert_eq!(vertical, (5..=7, 4..=24));
        assert_eq!(axis_aligned_band(&[(4, 10), (24, 12)], 2), None);
        assert_eq!(axis_aligned_band(&[(4, 10), (4, 10)], 2), None);
        assert_eq!(axis_aligned_band(&[(4, 10), (8, 10), (8, 20)], 2), None);
    }

    /// Text lies on top of every shape in a PNG, as in the SVG (which writes its text after
    /// the shapes): a box drawn after a label over it does not hide the label.
    #[test]
    fn png_text_lies_on_top_of_later_shapes() {
        let (width, height) = (80usize, 40usize);
        let mut pixels = vec![255u8; width * height * 3];
        let draw = |p: &mut dyn Painter| {
            p.text(
                2.0,
                10.0,
                "Hi",
                Align::Left,
                Font::new(12.0, Weight::Bold, RGBColor(0, 0, 0)),
            );
            p.rect(0.0, 0.0, 40.0, 20.0, RGBColor(200, 0, 0), None);
        };
        draw_pixels(&mut pixels, (width as u32, height as u32), 2.0, &draw).unwrap();
        let dark = pixels
            .chunks_exact(3)
            .filter(|px| px[0] < 60 && px[1] < 60 && px[2] < 60)
            .count();
        assert!(dark > 20, "the label is hidden: {dark} dark pixels");
        assert!(pixels.chunks_exact(3).any(|px| px == [200, 0, 0]));
    }

    #[test]
    fn svg_gains_title_and_desc() {
        let text = ChartText {
            title: "A <b>".into(),
            description: "d & e".into(),
        };
        let svg = render_svg((40, 20), &text, "t", &|p| {
            p.rect(0.0, 0.0, 10.0, 10.0, plotters::style::BLACK, None)
        })
        .unwrap();
        assert!(
            svg.contains("<title id=\"t-title\">A &lt;b&gt;</title>"),
            "{svg}"
        );
        assert!(svg.contains("<desc id=\"t-desc\">d &amp; e</desc>"));
    }

    #[test]
    fn svg_text_is_outlines_not_fonts() {
        let text = ChartText {
            title: "T".into(),
            description: "D".into(),
        };
        let svg = render_svg((200, 40), &text, "c", &|p| {
            p.text(
                10.0,
                20.0,
                "Hob",
                Align::Left,
                Font::new(12.0, Weight::Bold, plotters::style::BLACK),
            );
        })
        .unwrap();
        assert!(!svg.contains("<text"), "{svg}");
        // One definition per distinct glyph, one use per character.
        assert_eq!(svg.matches("<path id=\"c-b").count(), 3);
        assert_eq!(svg.matches("<use href=\"#c-b").count(), 3);
    }

    /// The glyph ids `<use>`d by an SVG, in drawing order (left to right).
    fn used_glyphs(svg: &str) -> Vec<u16> {
        svg.split("<use href=\"#c-r")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect()
    }

    #[test]
    fn right_to_left_text_is_drawn_in_visual_order_and_arabic_joined() {
        use ab_glyph::Font as _;
        let text = ChartText {
            title: "T".into(),
            description: "D".into(),
        };
        let draw_svg = |label: &'static str| {
            render_svg((300, 40), &text, "c", &move |p: &mut dyn Painter| {
                p.text(
                    10.0,
                    20.0,
                    label,
                    Align::Left,
                    Font::new(12.0, Weight::Normal, plotters::style::BLACK),
                );
            })
            .unwrap()
        };
        let ids = |chars: &str| -> Vec<u16> {
            chars
                .chars()
                .map(|c| face(Weight::Normal).glyph_id(c).0)
                .collect()
        };
        // Hebrew alef-bet-gimel is drawn gimel first (leftmost).
        assert_eq!(used_glyphs(&draw_svg("אבג")), ids("גבא"));
        // Arabic "salt" is drawn as hah final, lam medial, meem initial (GNU FriBidi's forms,
        // see reading_order's tests), each a glyph of DejaVu Sans.
        let salt = used_glyphs(&draw_svg("ملح"));
        assert_eq!(salt, ids("\u{FEA2}\u{FEE0}\u{FEE3}"));
        assert!(salt.iter().all(|&id| id != 0), "DejaVu Sans has the forms");
        // Measured as drawn: joined letters are narrower than the same letters apart.
        assert!(
            text_width("ملح", 12.0, Weight::Normal)
                < text_width("م ل ح", 12.0, Weight::Normal)
                    - 2.0 * text_width(" ", 12.0, Weight::Normal)
        );
        assert!(missing_glyphs("مغنيسيوم (سترات) שלום").is_empty());
    }
}
