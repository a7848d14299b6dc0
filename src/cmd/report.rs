//! `evsynth report`: registry → tables, charts and README under `<out>/<topic>/`.

use std::path::Path;

use crate::charts::{self, ChartInput, ChartOutcome};
use crate::cmd::{locate_topics, report_error};
use crate::error::Error;
use crate::registry::{self, Registry, TopicLocation};
use crate::render::output::{OutputFile, write_all};
use crate::render::{csv, json, markdown};
use crate::synthesis;
use crate::synthesis::selection::Selection;
use crate::tables::TABLES;

/// Writes the report of each named topic (or all); a failing topic does not stop the others.
pub fn run(studies: &Path, topics: &[String], out: &Path, dpi: u32, selection: &Selection) -> u8 {
    let topics = match locate_topics(studies, topics) {
        Ok(topics) => topics,
        Err(error) => return report_error(&error),
    };
    let mut exit = 0;
    for location in &topics {
        match report_topic(location, out, dpi, selection) {
            Ok(count) => crate::cmd::outln!(
                "{}: wrote {count} files to {}",
                location.name,
                out.join(&location.name).display()
            ),
            Err(error) => exit = exit.max(report_error(&error)),
        }
    }
    exit
}

fn report_topic(
    location: &TopicLocation,
    out: &Path,
    dpi: u32,
    selection: &Selection,
) -> Result<usize, Error> {
    let registry = registry::load(location)?;
    let files = build_report(&registry, selection, dpi)?;
    write_all(&out.join(&location.name), &files)?;
    Ok(files.len())
}

/// Generates every file of a topic's report in memory.
pub fn build_report(
    full_registry: &Registry,
    selection: &Selection,
    dpi: u32,
) -> Result<Vec<OutputFile>, Error> {
    let (selected, excluded) = full_registry.select(selection);
    let registry = &selected;
    let synthesis = synthesis::synthesise(registry, selection, excluded)?;
    let charts = charts::render_all(
        &ChartInput {
            registry,
            synthesis: &synthesis,
        },
        dpi,
    )?;
    let mut files = vec![OutputFile::text(
        "README.md",
        markdown::report_readme(registry, &synthesis, &charts),
    )];
    files.push(OutputFile::text(
        "summary.json",
        json::summary_json(registry, &synthesis),
    ));
    for spec in TABLES {
        let table = (spec.build)(registry, &synthesis);
        files.push(OutputFile {
            path: format!("tables/{}.csv", spec.stem),
            bytes: csv::table_to_csv(&table),
        });
    }
    for chart in charts {
        if let ChartOutcome::Drawn(chart) = chart {
            files.push(OutputFile::text(
                format!("charts/{}.svg", chart.stem),
                chart.svg,
            ));
            files.push(OutputFile {
                path: format!("charts/{}.png", chart.stem),
                bytes: chart.png,
            });
        }
    }
    Ok(files)
}
