//! `evsynth add TOPIC`: append findings after checking the registry as it would be afterwards.
//! Prompts for missing required fields on a terminal; exits 2 naming them otherwise.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::cli_columns::{ColumnValues, flag_name};
use crate::cmd::report_error;
use crate::error::Error;
use crate::model::{Confidence, Design, Direction, Significance};
use crate::registry::columns::{COLUMNS, Col};
use crate::registry::diagnostic::{Diagnostic, listed, quoted};
use crate::registry::read::LineCounter;
use crate::registry::write::{LineEnd, LockedRegistry, csv_line};
use crate::registry::{self, Finding, Topic};

/// Options of `evsynth add`.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// Print the rows that would be written; write nothing.
    pub dry_run: bool,
    /// Append every row of this CSV (with a header), all or nothing.
    pub from_csv: Option<std::path::PathBuf>,
    /// Allow a citation and year that another study id already has.
    pub allow_duplicate_title: bool,
}

/// A row to add, by column name, and where it came from (for messages).
struct NewRow {
    values: HashMap<&'static str, String>,
    origin: Origin,
}

#[derive(Clone)]
enum Origin {
    Flags,
    File { path: String, line: u64 },
}

/// Runs `evsynth add`.
pub fn run(studies: &Path, topic: &str, values: &ColumnValues, options: &AddOptions) -> u8 {
    match add(studies, topic, values, options) {
        Ok(message) => {
            crate::cmd::outln!("{message}");
            0
        }
        Err(error) => report_error(&error),
    }
}

fn add(
    studies: &Path,
    topic_arg: &str,
    values: &ColumnValues,
    options: &AddOptions,
) -> Result<String, Error> {
    let _phase = crate::timing::phase("add");
    let location = registry::resolve(topic_arg, studies)?;
    let topic = Topic::load(&location.topic)?;
    let mut rows = match &options.from_csv {
        Some(path) => {
            if !values.0.is_empty() {
                return Err(Error::Usage(
                    "give rows either as column flags or with --from-csv, not both".to_string(),
                ));
            }
            read_rows_file(path)?
        }
        None => vec![NewRow {
            values: values.0.iter().map(|(c, v)| (*c, v.clone())).collect(),
            origin: Origin::Flags,
        }],
    };
    if rows.is_empty() {
        return Err(Error::Usage("no rows to add".to_string()));
    }

    let path = &location.registry;
    let phase = crate::timing::phase("lock and read registry");
    let locked = LockedRegistry::open(path)?;
    drop(phase);
    let existing = if locked.bytes.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        registry::parse_existing(
            &locked.bytes,
            &path.display().to_string(),
            &topic,
            rows.len(),
        )?
    };
    let header = header_of(&locked.bytes);
    for row in &mut rows {
        copy_study_level_fields(row, &existing);
    }
    let interactive = options.from_csv.is_none() && std::io::stdin().is_terminal();
    if interactive {
        prompt_missing(&mut rows[0], &topic, &existing)?;
    }
    check_required(&rows)?;
    let header = header.unwrap_or_else(|| COLUMNS.iter().map(|c| c.name.to_string()).collect());
    check_columns_in_header(&rows, &header, &location.name)?;

    let mut text = String::new();
    let needs_header = locked.bytes.iter().all(u8::is_ascii_whitespace);
    // Rows keep the file's line end: a registry saved with CRLF stays CRLF throughout.
    let line_end = locked.line_end();
    if needs_header {
        text.push_str(&csv_line(
            &header.iter().map(String::as_str).collect::<Vec<_>>(),
            line_end,
        ));
    }
    let mut row_lines = Vec::with_capacity(rows.len());
    let first_new_line = if needs_header {
        2
    } else {
        line_count(&locked.bytes) + 1
    };
    let mut next_line = first_new_line;
    for row in &rows {
        let fields: Vec<&str> = header
            .iter()
            .map(|name| row.values.get(name.as_str()).map_or("", String::as_str))
            .collect();
        let line = csv_line(&fields, line_end);
        row_lines.push(next_line);
        next_line += line.matches('\n').count() as u64;
        text.push_str(&line);
    }
    let chunk = locked.chunk_for(&text);
    let before: &[u8] = if needs_header { &[] } else { &locked.bytes };
    let checked = registry::parse_appended(
        before,
        &chunk,
        existing,
        &path.display().to_string(),
        &topic,
    )
    .map_err(|error| relocate(error, &rows, &row_lines, first_new_line));
    let findings = checked?;
    if !options.allow_duplicate_title {
        let _phase = crate::timing::phase("duplicate titles");
        check_duplicate_titles(&findings, first_new_line, &rows, &row_lines)?;
    }
    if options.dry_run {
        crate::cmd::out!(
            "{}",
            csv_line(
                &header.iter().map(String::as_str).collect::<Vec<_>>(),
                LineEnd::Lf
            )
        );
        crate::cmd::out!("{text}");
        return Ok(format!(
            "dry run: {} valid, nothing written to {}",
            crate::numbers::counted(rows.len() as u64, "row", "rows"),
            path.display()
        ));
    }
    {
        let _phase = crate::timing::phase("append and flush");
        locked.append(path, &chunk)?;
    }
    let last_line = next_line - 1;
    let lines = if last_line > row_lines[0] {
        format!("lines {}-{last_line}", row_lines[0])
    } else {
        format!("line {last_line}")
    };
    Ok(format!(
        "added {} to {} ({lines})",
        crate::numbers::counted(rows.len() as u64, "row", "rows"),
        path.display(),
    ))
}

/// The registry's header names, or `None` for an empty file.
fn header_of(bytes: &[u8]) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Some(header_names(&record)),
        _ => None,
    }
}

/// Header names with a UTF-8 byte-order mark and surrounding spaces removed.
fn header_names(record: &csv::StringRecord) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i == 0 {
                f.trim_start_matches('\u{feff}')
            } else {
                f
            }
            .trim()
            .to_string()
        })
        .collect()
}

/// Lines in the file, counting a last line without newline.
fn line_count(bytes: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

fn read_rows_file(path: &Path) -> Result<Vec<NewRow>, Error> {
    // A device such as /dev/zero never ends (read until memory ran out) and a FIFO waits for a
    // writer: only a plain file is read.
    let bytes = crate::registry::ensure_plain_file(path)
        .and_then(|()| std::fs::read(path))
        .map_err(|e| Error::io(path, "read", e))?;
    let shown = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(record)) => header_names(&record),
        Some(Err(error)) => {
            return Err(Error::Usage(format!("{shown}: unreadable header: {error}")));
        }
        None => {
            return Err(Error::Usage(format!(
                "{shown}: empty file; give a header and rows"
            )));
        }
    };
    let mut problems = Vec::new();
    let mut names: Vec<&'static str> = Vec::new();
    for name in &header {
        match COLUMNS.iter().find(|c| c.name == name) {
            Some(column) => names.push(column.name),
            None => problems.push(Diagnostic {
                path: shown.clone(),
                ..Diagnostic::column(
                    1,
                    name,
                    "unknown column; see studies/README.md for the columns".to_string(),
                )
            }),
        }
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(&bytes, 1);
    for record in records {
        let record = record.map_err(|e| Error::Usage(format!("{shown}: {e}")))?;
        let at = record.position().map_or(0, |p| p.byte() as usize);
        let line = lines.line_at(at);
        if record.len() != header.len() {
            problems.push(Diagnostic {
                path: shown.clone(),
                ..Diagnostic::line(
                    line,
                    format!(
                        "row has {} fields but the header has {}",
                        record.len(),
                        header.len()
                    ),
                )
            });
            continue;
        }
        let values = names
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(c, v)| (*c, v.trim().to_string()))
            .collect();
        rows.push(NewRow {
            values,
            origin: Origin::File {
                path: shown.clone(),
                line,
            },
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Study-level columns (citation, year, doi, pmid, design, k_studies, confidence) are copied
/// from the study's earlier rows when a new row leaves them empty.
fn copy_study_level_fields(row: &mut NewRow, existing: &[Finding]) {
    let Some(study_id) = row.values.get("study_id") else {
        return;
    };
    let Some(first) = existing.iter().find(|f| *f.study.id == **study_id) else {
        return;
    };
    let known: [(Col, Option<String>); 7] = [
        (Col::Citation, Some(first.study.citation.to_string())),
        (Col::Year, Some(first.study.year.to_string())),
        (Col::Doi, first.study.doi.as_deref().map(str::to_owned)),
        (Col::Pmid, first.study.pmid.as_deref().map(str::to_owned)),
        (Col::Design, Some(first.study.design.to_string())),
        (Col::KStudies, first.study.k_studies.map(|k| k.to_string())),
        (
            Col::Confidence,
            first.study.confidence.map(|c| c.to_string()),
        ),
    ];
    for (col, value) in known {
        if let Some(value) = value {
            row.values.entry(col.name()).or_insert(value);
        }
    }
}

/// Required columns a row still lacks (n is not required for a review that gives k_studies).
fn missing_required(row: &NewRow) -> Vec<&'static str> {
    let is_review = row
        .values
        .get("design")
        .and_then(|d| Design::parse(d))
        .is_some_and(Design::is_review);
    COLUMNS
        .iter()
        .filter(|c| c.required && !row.values.contains_key(c.name))
        .filter(|c| !(c.name == "n" && is_review && row.values.contains_key("k_studies")))
        .map(|c| c.name)
        .collect()
}

fn check_required(rows: &[NewRow]) -> Result<(), Error> {
    let mut problems = Vec::new();
    for row in rows {
        let missing = missing_required(row);
        if missing.is_empty() {
            continue;
        }
        match &row.origin {
            Origin::Flags => {
                let flags: Vec<String> = missing
                    .iter()
                    .map(|c| format!("--{}", flag_name(c)))
                    .collect();
                return Err(Error::Usage(format!(
                    "missing required flags: {} (run in a terminal to be asked for them)",
                    flags.join(" ")
                )));
            }
            Origin::File { path, line } => problems.push(format!(
                "{path}:{line}: missing required values: {}",
                missing.join(", ")
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(problems.join("\n")))
    }
}

fn check_columns_in_header(rows: &[NewRow], header: &[String], topic: &str) -> Result<(), Error> {
    let mut absent: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.values.keys())
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    absent.sort_unstable();
    absent.dedup();
    if absent.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "the registry's header has no column {}; run `evsynth fmt {topic}` to write every column, then add again",
        absent.join(", ")
    )))
}

/// Diagnostics on the new rows are shown against the flag or the input file's line.
fn relocate(error: Error, rows: &[NewRow], row_lines: &[u64], first_new_line: u64) -> Error {
    let Error::Invalid(diagnostics) = error else {
        return error;
    };
    let relocated = diagnostics
        .into_iter()
        .map(|d| {
            if d.line < first_new_line {
                return d;
            }
            let index = row_lines.iter().rposition(|l| *l <= d.line).unwrap_or(0);
            let d = relocate_reference(d, rows, row_lines, first_new_line);
            match &rows[index].origin {
                Origin::Flags => Diagnostic::line(
                    0,
                    match &d.column {
                        Some(column) => format!("--{}: {}", flag_name(column), d.message),
                        None => d.message,
                    },
                ),
                Origin::File { path, line } => Diagnostic {
                    path: path.clone(),
                    line: *line,
                    ..d
                },
            }
        })
        .collect();
    Error::Invalid(relocated)
}

/// A problem naming another new row ("… on line 18; …") names it by where the reviewer wrote it
/// (`new.csv:3: … on line 2; …`): the registry has no line 18 yet.
fn relocate_reference(
    diagnostic: Diagnostic,
    rows: &[NewRow],
    row_lines: &[u64],
    first_new_line: u64,
) -> Diagnostic {
    let Some(named) = diagnostic.names_line.filter(|line| *line >= first_new_line) else {
        return diagnostic;
    };
    let index = row_lines.iter().rposition(|l| *l <= named).unwrap_or(0);
    // New rows naming each other come from one file (flags give one row), the one the
    // message is shown against.
    match &rows[index].origin {
        Origin::File { line, .. } => diagnostic.renaming_line(*line),
        Origin::Flags => diagnostic,
    }
}

/// Lowercase letters and digits only: "Hornyak M, et al." and "hornyak m et al" compare equal.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn check_duplicate_titles(
    findings: &[Finding],
    first_new_line: u64,
    rows: &[NewRow],
    row_lines: &[u64],
) -> Result<(), Error> {
    // Only the new rows' (citation, year) keys are looked for: an existing citation is
    // normalised only when its year matches one of them (adding to a large registry stays cheap).
    let wanted: std::collections::HashSet<(String, i32)> = findings
        .iter()
        .filter(|f| f.line >= first_new_line)
        .map(|f| (normalise(&f.study.citation), f.study.year))
        .collect();
    let years: std::collections::HashSet<i32> = wanted.iter().map(|(_, y)| *y).collect();
    let mut seen: HashMap<(String, i32), &Finding> = HashMap::new();
    for finding in findings
        .iter()
        .filter(|f| f.line < first_new_line && years.contains(&f.study.year))
    {
        let key = (normalise(&finding.study.citation), finding.study.year);
        if wanted.contains(&key) {
            seen.entry(key).or_insert(finding);
        }
    }
    let mut problems = Vec::new();
    for finding in findings.iter().filter(|f| f.line >= first_new_line) {
        if let Some(existing) = seen.get(&(normalise(&finding.study.citation), finding.study.year))
            && existing.study.id != finding.study.id
        {
            let index = row_lines
                .iter()
                .rposition(|l| *l <= finding.line)
                .unwrap_or(0);
            let message = format!(
                "same citation and year as study \"{}\" on line {} of the registry; reuse that study id, or pass --allow-duplicate-title if these are different papers",
                existing.study.id, existing.line
            );
            problems.push(match &rows[index].origin {
                Origin::Flags => Diagnostic::line(0, format!("--citation: {message}")),
                Origin::File { path, line } => Diagnostic {
                    path: path.clone(),
                    ..Diagnostic::column(*line, "citation", message)
                },
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Asks for each missing required field on the terminal, with the allowed values and defaults.
fn prompt_missing(row: &mut NewRow, topic: &Topic, existing: &[Finding]) -> Result<(), Error> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    loop {
        let missing = missing_required(row);
        let Some(column) = missing.first().copied() else {
            return Ok(());
        };
        let choices: Vec<String> = match column {
            "design" => Design::ALL.iter().map(|d| d.key().to_string()).collect(),
            "direction" => Direction::ALL.iter().map(|d| d.key().to_string()).collect(),
            "significant" => Significance::ALL
                .iter()
                .map(|d| d.key().to_string())
                .collect(),
            "confidence" => Confidence::ALL
                .iter()
                .map(|d| d.key().to_string())
                .collect(),
            "question" => topic.questions.keys().cloned().collect(),
            "form" => topic.form_keys().iter().map(|k| (*k).to_string()).collect(),
            "outcome" => topic.outcomes.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let default = default_for(column, row, existing);
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "{column}");
        if !choices.is_empty() {
            let _ = write!(stderr, " [{}]", listed(&choices, choices.len()));
        }
        if let Some(default) = &default {
            let _ = write!(stderr, " (default {default})");
        }
        let _ = write!(stderr, ": ");
        let _ = stderr.flush();
        let mut line = String::new();
        let read = input
            .read_line(&mut line)
            .map_err(|e| Error::io("stdin", "read", e))?;
        if read == 0 {
            return Err(Error::Usage(format!(
                "input ended before {column} was given"
            )));
        }
        let answer = line.trim();
        let value = if answer.is_empty() {
            default
        } else {
            Some(answer.to_string())
        };
        match value {
            Some(value) if choices.is_empty() || choices.contains(&value) => {
                row.values.insert(column, value);
            }
            Some(value) => {
                let _ = writeln!(
                    stderr,
                    "  {} is not one of: {}",
                    quoted(&value),
                    listed(&choices, choices.len())
                );
            }
            None => {
                let _ = writeln!(stderr, "  {column} is required");
            }
        }
    }
}

/// A prompt's default: the study's earlier value for a per-finding column, if it has rows.
fn default_for(column: &str, row: &NewRow, existing: &[Finding]) -> Option<String> {
    let study_id = row.values.get("study_id")?;
    let last = existing.iter().rev().find(|f| *f.study.id == **study_id)?;
    match column {
        "question" => Some(last.keys.question().to_string()),
        "form" => Some(last.keys.form().to_string()),
        "n" => last.n().map(|n| n.to_string()),
        _ => None,
    }
}
