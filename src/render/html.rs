//! The self-contained HTML report (`index.html`): the Markdown report rendered to HTML with
//! every chart inlined as SVG and the stylesheet inline — no network, no JavaScript — plus a
//! print stylesheet that keeps tables and charts whole on A4 pages. Registry text is escaped
//! when the Markdown is written, so it reaches the page as text, never as markup.

use std::collections::HashMap;
use std::fmt::Write;

use pulldown_cmark::{Options, Parser, html};

use crate::charts::RenderedChart;
use crate::charts::painter::escape_xml;
use crate::numbers::grouped;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a;
  max-width: 1060px; margin: 0 auto; padding: 24px; line-height: 1.5; font-size: 15px; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.86em; }
th, td { border: 1px solid #ddd; padding: 4px 7px; vertical-align: top; }
th { background: #f4f4f4; } td { font-variant-numeric: tabular-nums; }
th, td { unicode-bidi: plaintext; text-align: start; }
.chart svg { width: 100%; height: auto; border: 1px solid #eee; }
.chart { margin: 1em 0; }
a { color: #0060a0; }
code { background: #f4f4f4; padding: 0 3px; }
.footnotes { font-size: 0.85em; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  table, .chart, figure, tr, img, svg { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  table { font-size: 8pt; }
}
"#;

/// Renders the report page from the report's Markdown and its charts.
pub fn report_html(title: &str, markdown: &str, charts: &[&RenderedChart]) -> String {
    let mut body = String::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    html::push_html(&mut body, Parser::new_ext(markdown, options));
    let body = inline_charts(&body, charts);
    page(title, &body)
}

/// `body` with the first `<img>` of each chart's SVG replaced by the SVG itself, found in one
/// pass over the page (a search of the page per chart made a topic of 2,000 charts take 4 s).
fn inline_charts(body: &str, charts: &[&RenderedChart]) -> String {
    const IMAGE: &str = "<img src=\"charts/";
    let mut by_stem: HashMap<&str, &RenderedChart> = charts
        .iter()
        .rev()
        .map(|chart| (chart.stem.as_str(), *chart))
        .collect();
    let mut inlined =
        String::with_capacity(body.len() + charts.iter().map(|c| c.svg.len() + 32).sum::<usize>());
    let mut copied = 0;
    for (start, _) in body.match_indices(IMAGE) {
        if start < copied {
            continue;
        }
        let rest = &body[start + IMAGE.len()..];
        let Some(stem) = rest.find(".svg\"").map(|end| &rest[..end]) else {
            continue;
        };
        let Some(length) = body[start..].find("/>") else {
            continue;
        };
        let Some(chart) = by_stem.remove(stem) else {
            continue;
        };
        inlined.push_str(&body[copied..start]);
        inlined.push_str("<div class=\"chart\">");
        inlined.push_str(&chart.svg);
        inlined.push_str("</div>");
        copied = start + length + 2;
    }
    inlined.push_str(&body[copied..]);
    inlined
}

/// One line of the topic index.
pub struct IndexEntry {
    /// Topic directory name.
    pub name: String,
    /// Topic title.
    pub title: String,
    /// Findings, studies, participants.
    pub totals: (u32, u32, u64),
    /// Per question: label and vote summary.
    pub questions: Vec<(String, String)>,
}

/// `reports/index.html`: every topic with its headline counts.
pub fn index_html(entries: &[IndexEntry]) -> String {
    let mut body = String::from(
        "<h1>Evidence reports</h1>\n<table>\n<tr><th>Topic</th><th>Findings</th><th>Studies</th><th>Participants</th><th>Vote counts (one vote per study)</th></tr>\n",
    );
    for entry in entries {
        let questions: Vec<String> = entry
            .questions
            .iter()
            .map(|(label, votes)| format!("{}: {}", escape_xml(label), escape_xml(votes)))
            .collect();
        let _ = writeln!(
            body,
            "<tr><td><a href=\"{name}/index.html\">{title}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            grouped(entry.totals.0),
            grouped(entry.totals.1),
            grouped(entry.totals.2),
            questions.join("<br>"),
            name = percent_encoded(&entry.name),
            title = escape_xml(&entry.title),
        );
    }
    body.push_str("</table>\n");
    page("Evidence reports", &body)
}

/// A path segment for a link: every byte but ASCII letters, digits and `-._~` as `%XX`, so a
/// topic directory named `a b#c` links to `a%20b%23c`, not to `a b` with a fragment.
fn percent_encoded(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n<footer><p><small>Generated by evsynth {}.</small></p></footer>\n</body>\n</html>\n",
        escape_xml(title),
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A topic directory with spaces, `#`, markup and `%` in its name is linked by its
    /// percent-encoded name and shown HTML-escaped; counts are grouped by thousands.
    #[test]
    fn the_index_links_any_directory_name_and_groups_counts() {
        let entry = IndexEntry {
            name: "we ird#<b>&%".to_string(),
            title: "T <i>".to_string(),
            totals: (1_000_000, 12_345, 193_779_239),
            questions: Vec::new(),
        };
        let html = index_html(&[entry]);
        assert!(
            html.contains(
                "<td><a href=\"we%20ird%23%3Cb%3E%26%25/index.html\">T &lt;i&gt;</a></td>\
                 <td>1,000,000</td><td>12,345</td><td>193,779,239</td>"
            ),
            "{html}"
        );
    }

    fn chart(stem: &str) -> RenderedChart {
        RenderedChart {
            stem: stem.to_string(),
            caption: String::new(),
            title: String::new(),
            svg: format!("<svg>{stem}</svg>"),
            png: Vec::new(),
        }
    }

    /// Each chart's first `<img>` becomes its SVG, whatever the order of the charts; a second
    /// `<img>` of the same chart and one of a chart not given stay links; a stem that is a
    /// prefix of another ("f-1" of "f-10") does not take its place.
    #[test]
    fn charts_are_inlined_at_their_first_image() {
        let img = |stem: &str| format!("<img src=\"charts/{stem}.svg\" alt=\"{stem}\" />");
        let body = format!(
            "<p>{}</p><p>{}</p><p>{}</p><p>{}</p>",
            img("f-10"),
            img("f-1"),
            img("f-10"),
            img("other")
        );
        let (one, ten) = (chart("f-1"), chart("f-10"));
        let inlined = inline_charts(&body, &[&one, &ten]);
        assert_eq!(
            inlined,
            format!(
                "<p><div class=\"chart\"><svg>f-10</svg></div></p>\
                 <p><div class=\"chart\"><svg>f-1</svg></div></p><p>{}</p><p>{}</p>",
                img("f-10"),
                img("other")
            )
        );
    }

    /// A table cell holding a right-to-left label takes its direction from its own text (the
    /// page's stylesheet), so "חומרת RLS (סולם IRLS)" keeps its bracket and Latin words where
    /// a Hebrew reader expects them; the label itself reaches the page unchanged, with no
    /// directional control added.
    #[test]
    fn table_cells_take_their_direction_from_their_text() {
        let markdown = "| Outcome | n |\n|---|---:|\n| חומרת RLS (סולם IRLS) | 2 |\n";
        let html = report_html("T", markdown, &[]);
        assert!(html.contains("th, td { unicode-bidi: plaintext; text-align: start; }"));
        assert!(html.contains("<td>חומרת RLS (סולם IRLS)</td>"), "{html}");
        assert!(
            !html.chars().any(crate::registry::control::is_bidi_control),
            "{html}"
        );
    }
}
