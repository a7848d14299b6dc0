//! `evsynth report`: registry → tables, charts and README under `<out>/<topic>/`.

use std::path::Path;

use crate::charts::{self, ChartInput, ChartOutcome};
use crate::cmd::{locate_topics, report_error};
use crate::error::Error;
use crate::numbers::counted;
use crate::registry::{self, Registry, TopicLocation};
use crate::render::output::{OutputFile, StagedFile, Streamed, holds, stage_all, write_all};
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::render::html::IndexEntry;
use crate::render::{csv, html, json, markdown};
use crate::synthesis;
use crate::synthesis::narrative;
use crate::synthesis::selection::Selection;
use crate::tables::{Build, TABLES};

/// Options of `evsynth report`.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Output directory.
    pub out: std::path::PathBuf,
    /// PNG resolution.
    pub dpi: u32,
    /// Sensitivity analysis.
    pub selection: Selection,
    /// Compare with what is on disk instead of writing.
    pub check: bool,
    /// Draw a topic's charts in parallel (set by [`run`] when topics are fewer than cores).
    pub parallel_charts: bool,
    /// Leave each topic's registry unfreed after its report (set by [`run`] for a single
    /// topic, as the process ends right after: freeing a million findings one by one took
    /// 41 ms at the end of the report, which the system does at once when the process exits).
    pub leave_registry: bool,
}

/// What became of one topic: written (or checked) with its index line, or the error.
struct Done {
    location: TopicLocation,
    result: Result<Outcome, Error>,
}

/// A topic reported: its index line, how many files, how many of them already held their
/// new content (left as they were), how many files of an earlier report it removed, and (with
/// `--check`) the stale ones.
struct Outcome {
    entry: IndexEntry,
    files: usize,
    unchanged: usize,
    removed: usize,
    stale: Vec<std::path::PathBuf>,
}

/// Generates one topic's report and writes it (or compares it with the disk). Files are
/// written as soon as the topic is done, so a batch holds one topic's output at a time.
fn report_topic(location: &TopicLocation, options: &ReportOptions) -> Result<Outcome, Error> {
    let registry = registry::load(location)?;
    let dir = options.out.join(&location.name);
    // Writing: tables are streamed to disk as they are made; checking: all is kept in memory.
    let stage = (!options.check).then_some(dir.as_path());
    if stage.is_some() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create directory", e))?;
    }
    let report = build_report(
        &registry,
        &options.selection,
        options.dpi,
        options.parallel_charts,
        stage,
    )?;
    let files = report.files.len() + report.staged.len();
    let made: std::collections::HashSet<String> = report
        .files
        .iter()
        .map(|file| file.path.clone())
        .chain(TABLES.iter().map(|spec| table_path(spec.stem)))
        .collect();
    let leftovers = leftovers(&dir, &made);
    let mut unchanged = 0;
    let mut removed = 0;
    let stale = if options.check {
        let mut stale = stale_files(&dir, &report.files);
        stale.extend(leftovers);
        stale
    } else {
        let _phase = crate::timing::phase("write files");
        // Everything is written under temporary names before anything is renamed into place:
        // a failed write (a full disk) leaves the previous report as it was.
        let staged = stage_all(&dir, &report.files, options.parallel_charts)?;
        unchanged = report.files.len() - staged.len();
        staged.into_iter().try_for_each(StagedFile::commit)?;
        for table in report.staged {
            match table {
                Streamed::Unchanged => unchanged += 1,
                Streamed::Staged(file) => file.commit()?,
            }
        }
        // Charts and tables of an earlier report that this one does not make (a forest plot
        // of an outcome that lost its estimates) would otherwise stay beside the new ones.
        for path in &leftovers {
            std::fs::remove_file(path).map_err(|e| Error::io(path, "remove", e))?;
        }
        removed = leftovers.len();
        Vec::new()
    };
    if options.leave_registry {
        std::mem::forget(registry);
    }
    Ok(Outcome {
        entry: report.entry,
        files,
        unchanged,
        removed,
        stale,
    })
}

/// A table's path in a report directory.
fn table_path(stem: &str) -> String {
    format!("tables/{stem}.csv")
}

/// Charts (`charts/*.svg`, `charts/*.png`) and tables (`tables/*.csv`) in a topic's report
/// directory `dir` that are not among the files this report `made` (paths relative to `dir`):
/// left by an earlier report of the topic. Only regular files with those names are listed;
/// anything else in the directory (a reviewer's notes, hidden files, links) is not evsynth's
/// to remove.
fn leftovers(dir: &Path, made: &std::collections::HashSet<String>) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for (folder, extensions) in [("charts", &["svg", "png"][..]), ("tables", &["csv"][..])] {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let generated_name = !name.starts_with('.')
                && Path::new(&name)
                    .extension()
                    .is_some_and(|e| extensions.iter().any(|x| e == *x));
            let regular = entry.file_type().is_ok_and(|t| t.is_file());
            if generated_name && regular && !made.contains(&format!("{folder}/{name}")) {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

/// Reports every named topic (or all) in parallel; a failing topic does not stop the others.
/// With `check`, writes nothing and exits 1 listing every file that differs from the disk.
pub fn run(studies: &Path, topics: &[String], options: &ReportOptions) -> u8 {
    let all_topics = topics.is_empty();
    let locations = match locate_topics(studies, topics) {
        Ok(locations) => locations,
        Err(error) => return report_error(&error),
    };
    if let Err(error) = registry::one_report_directory_each(&locations)
        .and_then(|()| reports_stay_outside_topics(&options.out, &locations))
    {
        return report_error(&error);
    }
    let progress = progress_bar(locations.len());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // Few topics: each draws its charts on every core; many: one core per topic.
    let options = &ReportOptions {
        parallel_charts: locations.len() < cores,
        leave_registry: locations.len() == 1,
        ..options.clone()
    };
    let report = |location: &TopicLocation| Done {
        location: location.clone(),
        result: report_topic(location, options),
    };
    let tick = || {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    };
    let done = if options.parallel_charts {
        crate::workers::on_roomy_pool(|| {
            let report_and_tick = |location| {
                let done = report(location);
                tick();
                done
            };
            locations.par_iter().map(report_and_tick).collect()
        })
    } else {
        crate::workers::map_in_order(&locations, cores, report, tick)
    };
    let done: Vec<Done> = match done {
        Ok(done) => done,
        Err(error) => {
            return report_error(&Error::Usage(format!(
                "cannot start worker threads: {error}"
            )));
        }
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let mut exit = 0;
    let mut stale = Vec::new();
    let mut entries = Vec::new();
    for topic in done {
        match topic.result {
            Err(error) => exit = exit.max(report_error(&error)),
            Ok(outcome) => {
                if !options.check {
                    let dir = options.out.join(&topic.location.name);
                    let name = &topic.location.name;
                    let (files, unchanged) = (outcome.files, outcome.unchanged);
                    let written = counted((files - unchanged) as u64, "file", "files");
                    if unchanged == 0 {
                        crate::cmd::outln!("{name}: wrote {written} to {}", dir.display());
                    } else if unchanged == files {
                        crate::cmd::outln!(
                            "{name}: all {} in {} already up to date",
                            counted(files as u64, "file", "files"),
                            dir.display()
                        );
                    } else {
                        crate::cmd::outln!(
                            "{name}: wrote {written} to {} ({unchanged} more already up to date)",
                            dir.display()
                        );
                    }
                    if outcome.removed > 0 {
                        crate::cmd::outln!(
                            "{name}: removed {} of an earlier report that this one does not make",
                            counted(
                                outcome.removed as u64,
                                "chart or table",
                                "charts and tables"
                            )
                        );
                    }
                }
                stale.extend(outcome.stale);
                entries.push(outcome.entry);
            }
        }
    }
    // The index lists the topics that were reported; with none, nothing is written at all.
    if all_topics && !entries.is_empty() {
        let index = OutputFile::text("index.html", html::index_html(&entries));
        if options.check {
            stale.extend(stale_files(&options.out, std::slice::from_ref(&index)));
        } else if let Err(error) = write_all(&options.out, &[index], false) {
            exit = exit.max(report_error(&error));
        }
    }
    // Reports of topics no longer under `studies/`: said, never removed (a whole directory is
    // not evsynth's to delete on a guess); with `--check`, stale.
    let orphans = if all_topics {
        orphaned_reports(&options.out, &locations)
    } else {
        Vec::new()
    };
    if options.check {
        if stale.is_empty() && orphans.is_empty() {
            crate::cmd::outln!("reports are up to date");
        } else {
            for path in &stale {
                crate::cmd::outln!("stale: {}", path.display());
            }
            for dir in &orphans {
                crate::cmd::outln!(
                    "stale: {} (no topic of that name under {}; delete the directory)",
                    dir.display(),
                    studies.display()
                );
            }
            crate::cmd::outln!(
                "{}; run `evsynth report` and commit the result",
                counted(
                    (stale.len() + orphans.len()) as u64,
                    "stale file",
                    "stale files"
                )
            );
            exit = exit.max(1);
        }
    } else {
        for dir in &orphans {
            crate::cmd::errln!(
                "{}: no topic of that name under {} any more; its report was left as it is \
                 (delete the directory if the topic was removed)",
                dir.display(),
                studies.display()
            );
        }
    }
    exit
}

/// Refuses an output directory that puts a topic's report in its own topic directory (`--out
/// studies`, `--out studies/<topic>`): the report's README.md would overwrite a reviewer's
/// file there, and its tables and charts would sit beside the registry.
fn reports_stay_outside_topics(out: &Path, topics: &[TopicLocation]) -> Result<(), Error> {
    let clashes: Vec<String> = topics
        .iter()
        .filter_map(|topic| {
            let topic_dir = topic.registry.parent()?;
            let report_dir = out.join(&topic.name);
            resolved(&report_dir)
                .starts_with(resolved(topic_dir))
                .then(|| {
                    format!(
                        "the report of {} would go to {}, inside its topic directory {}",
                        topic.name,
                        report_dir.display(),
                        topic_dir.display()
                    )
                })
        })
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--out {}: {}; give --out a directory outside the topics (the default is reports)",
        out.display(),
        clashes.join("; ")
    )))
}

/// `path` made absolute with its existing part's symlinks and `..` resolved, so that two
/// names of one directory compare equal (the rest, not created yet, is appended as written).
fn resolved(path: &Path) -> std::path::PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Report directories in `out` whose topic is not among `topics`: subdirectories (not hidden,
/// not links) that hold a report's `index.html` and `README.md`, named as no topic is. A topic
/// removed from `studies/` (or renamed) leaves one behind.
fn orphaned_reports(out: &Path, topics: &[TopicLocation]) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let names: std::collections::HashSet<&str> =
        topics.iter().map(|topic| topic.name.as_str()).collect();
    let mut orphans: Vec<std::path::PathBuf> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            !name.starts_with('.') && !names.contains(name.as_str())
        })
        .map(|entry| entry.path())
        .filter(|dir| dir.join("index.html").is_file() && dir.join("README.md").is_file())
        .collect();
    orphans.sort();
    orphans
}

/// A progress bar on a terminal; none when piped, in CI, or for a single topic.
fn progress_bar(topics: usize) -> Option<ProgressBar> {
    let terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    (terminal && topics > 1).then(|| {
        let bar = ProgressBar::new(topics as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} topics {elapsed}") {
            bar.set_style(style);
        }
        bar
    })
}

/// Generated files that differ from, or are missing on, disk.
fn stale_files(dir: &Path, files: &[OutputFile]) -> Vec<std::path::PathBuf> {
    files
        .iter()
        .map(|file| dir.join(&file.path))
        .zip(files)
        .filter(|(path, file)| !holds(path, &file.bytes))
        .map(|(path, _)| path)
        .collect()
}

fn index_entry(registry: &Registry, synthesis: &synthesis::Synthesis) -> IndexEntry {
    IndexEntry {
        name: registry.location.name.clone(),
        title: registry.topic.title.clone(),
        totals: (
            synthesis.totals.findings,
            synthesis.totals.studies,
            synthesis.totals.participants,
        ),
        questions: synthesis
            .questions
            .iter()
            .map(|q| {
                (
                    registry.topic.questions[&q.key].label.clone(),
                    narrative::vote_brief(&q.votes.overall),
                )
            })
            .collect(),
    }
}

/// A topic's generated report.
pub struct Report {
    /// Files in memory, in the order they are written.
    pub files: Vec<OutputFile>,
    /// Tables streamed to the report directory: staged under temporary names, to be committed
    /// after `files`, or found unchanged.
    pub staged: Vec<Streamed>,
    /// The topic's line in the index of topics.
    pub entry: IndexEntry,
}

/// A generated table: in memory, or streamed to disk (staged, or found unchanged).
enum TableFile {
    InMemory(OutputFile),
    Staged(Streamed),
}

/// Generates every file of a topic's report, and its line in the topic index. With `stage`
/// (the report directory), tables are streamed there as they are made, compared with the files
/// they replace (see [`StagedFile::stream`]); without, everything is kept in memory.
pub fn build_report(
    full_registry: &Registry,
    selection: &Selection,
    dpi: u32,
    parallel_charts: bool,
    stage: Option<&Path>,
) -> Result<Report, Error> {
    let (selected, excluded) = full_registry.select(selection);
    let registry = &selected;
    // The synthesis runs alone: its polars group-bys run on polars' own threads, which long
    // single-threaded work beside them starved (a million findings: the aggregation took 0.64 s
    // with the findings table written beside it, 0.43 s alone). The tables are made after it,
    // on every core when there are cores to spare (one topic), beside the charts.
    let synthesis = synthesis::synthesise(registry, selection, excluded)?;
    let table_file = |spec: &crate::tables::TableSpec| {
        let table = match spec.build {
            Build::Registry(build) => build(registry),
            Build::Synthesis(build) => build(registry, &synthesis),
        };
        let _phase = crate::timing::phase(spec.stem);
        let path = table_path(spec.stem);
        match stage {
            Some(dir) => StagedFile::stream(dir, &path, |out| csv::write_table(&table, out))
                .map(TableFile::Staged),
            None => Ok(TableFile::InMemory(OutputFile {
                path,
                bytes: csv::table_to_csv(&table),
            })),
        }
    };
    let make_tables = || -> Result<Vec<TableFile>, Error> {
        if parallel_charts {
            TABLES.par_iter().map(table_file).collect()
        } else {
            TABLES.iter().map(table_file).collect()
        }
    };
    let make_charts = || {
        let _phase = crate::timing::phase("charts");
        charts::render_all(
            &ChartInput {
                registry,
                synthesis: &synthesis,
            },
            dpi,
            parallel_charts,
        )
    };
    let (charts, tables) = if parallel_charts {
        rayon::join(make_charts, make_tables)
    } else {
        (make_charts(), make_tables())
    };
    let tables = tables?;
    let charts = charts?;
    let _phase = crate::timing::phase("README, HTML, JSON");
    let swim =
        crate::synthesis::swim::checklist(registry, &synthesis, &charts::drawn_stems(&charts));
    let make_readme_and_page = || {
        let phase = crate::timing::phase("README");
        let readme = markdown::report_readme(registry, &synthesis, &charts, &swim);
        drop(phase);
        let drawn_charts: Vec<&crate::charts::RenderedChart> =
            charts.iter().filter_map(ChartOutcome::drawn).collect();
        let page = html::report_html(
            &format!("Evidence report: {}", registry.topic.title),
            &readme,
            &drawn_charts,
        );
        (readme, page)
    };
    let make_summary = || {
        let _phase = crate::timing::phase("summary.json");
        json::summary_json(registry, &synthesis, &swim)
    };
    // Side by side when there are cores to spare (one topic): at a million findings each
    // takes tens of milliseconds.
    let ((readme, page), summary) = if parallel_charts {
        rayon::join(make_readme_and_page, make_summary)
    } else {
        (make_readme_and_page(), make_summary())
    };
    let mut files = vec![
        OutputFile::text("README.md", readme),
        OutputFile::text("index.html", page),
        OutputFile::text("summary.json", summary),
    ];
    let mut staged = Vec::new();
    for table in tables {
        match table {
            TableFile::InMemory(file) => files.push(file),
            TableFile::Staged(file) => staged.push(file),
        }
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
    Ok(Report {
        files,
        staged,
        entry: index_entry(registry, &synthesis),
    })
}
