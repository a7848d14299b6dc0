//! Every registered chart, on every fixture topic: drawn without a label running off the
//! canvas or overlapping another (text boxes measured with the embedded font), and rendered
//! to a PNG that decodes at 2× and is not blank. The list walk means a new chart is covered
//! without touching this file.

mod common;

use std::path::Path;

use evsynth::charts::painter::{Bounds, RecordingPainter, TextBox, intersects, render_png};
use evsynth::charts::{CHARTS, ChartInput, Planned};
use evsynth::registry::{self, Registry, TopicLocation};
use evsynth::synthesis::selection::Selection;
use evsynth::synthesis::{Synthesis, synthesise};

fn topic(path: &str) -> (Registry, Synthesis) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let registry = registry::load(&TopicLocation::of_dir(&dir)).unwrap();
    let synthesis = synthesise(&registry, &Selection::default(), 0).unwrap();
    (registry, synthesis)
}

/// The charts that chart kind `kind` plans for the topic at `path`.
fn plan(path: &str, kind: &str) -> Result<Vec<Planned>, String> {
    let (registry, synthesis) = topic(path);
    let input = ChartInput {
        registry: &registry,
        synthesis: &synthesis,
    };
    let spec = CHARTS.iter().find(|c| c.name == kind).unwrap();
    (spec.build)(&input)
}

const TOPICS: &[&str] = &[
    "studies/magnesium-rls",
    "tests/fixtures/topics/stress",
    "tests/fixtures/topics/bcg",
    "tests/fixtures/topics/twelve-studies",
    "tests/fixtures/topics/normand1999",
];

/// What the chart `stem` of kind `kind` draws for the topic at `path`.
fn recorded(path: &str, kind: &str, stem: &str) -> RecordingPainter {
    let chart = plan(path, kind)
        .unwrap()
        .into_iter()
        .flatten()
        .find(|c| c.stem == stem)
        .unwrap_or_else(|| panic!("no chart {stem}"));
    let mut recorder = RecordingPainter::default();
    (chart.draw)(&mut recorder);
    recorder
}

/// The texts drawn by the chart `stem` of kind `kind` for the topic at `path`.
fn chart_texts(path: &str, kind: &str, stem: &str) -> Vec<String> {
    recorded(path, kind, stem)
        .texts
        .into_iter()
        .map(|t| t.text)
        .collect()
}

/// Fails naming the first two of `texts` that overlap (`context`: which chart).
fn assert_no_overlaps(texts: &[TextBox], context: &str) {
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            assert!(
                !overlaps(a, b),
                "{context}: {:?} {:?} overlaps {:?} {:?}",
                a.text,
                a.bounds,
                b.text,
                b.bounds
            );
        }
    }
}

/// A temporary topic directory holding the `topic.toml` of the topic at `path` (under the
/// crate root), and that topic's registry text, for a test to write a variant of.
fn topic_variant(path: &str) -> (tempfile::TempDir, String) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(source.join("topic.toml"), dir.path().join("topic.toml")).unwrap();
    let registry = std::fs::read_to_string(source.join("registry.csv")).unwrap();
    (dir, registry)
}

/// `count` outcome labels of 33-35 characters, "Outcome label number 0 that is long" on, for
/// the wide generated topics.
fn long_outcome_labels(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("Outcome label number {i} that is long"))
        .collect()
}

fn overlaps(a: &TextBox, b: &TextBox) -> bool {
    const SLACK: f64 = 0.5;
    a.bounds.0 + SLACK < b.bounds.2
        && b.bounds.0 + SLACK < a.bounds.2
        && a.bounds.1 + SLACK < b.bounds.3
        && b.bounds.1 + SLACK < a.bounds.3
}

/// Fails naming the first label of any chart of the topic at `path` (`name` in messages) that
/// leaves its canvas or overlaps another; returns how many charts were drawn.
fn assert_every_chart_fits(path: &str, name: &str) -> usize {
    let (registry, synthesis) = topic(path);
    let input = ChartInput {
        registry: &registry,
        synthesis: &synthesis,
    };
    let mut drawn = 0;
    for spec in CHARTS {
        let Ok(charts) = (spec.build)(&input) else {
            continue;
        };
        for chart in charts.into_iter().flatten() {
            let mut recorder = RecordingPainter::default();
            (chart.draw)(&mut recorder);
            let (width, height) = (f64::from(chart.size.0), f64::from(chart.size.1));
            for text in &recorder.texts {
                let (l, t, r, b) = text.bounds;
                assert!(
                    l >= 0.0 && t >= 0.0 && r <= width && b <= height,
                    "{name} {}: {:?} leaves the {width}x{height} canvas at {:?}",
                    chart.stem,
                    text.text,
                    text.bounds
                );
            }
            assert_no_overlaps(&recorder.texts, &format!("{name} {}", chart.stem));
            drawn += 1;
        }
    }
    drawn
}

#[test]
fn no_label_overlaps_another_or_leaves_the_canvas() {
    for path in TOPICS {
        assert!(assert_every_chart_fits(path, path) > 0, "{path}: no chart");
    }
}

/// The same for generated topics at the charts' limits: 16 and 30 outcome columns with long
/// labels and participants in the tens of thousands and billions (the widths at which
/// headings, p-values and counts are cut or rounded), and the shipped topic with Hebrew and
/// Arabic labels, which are measured as drawn (joined Arabic letters are narrower than apart).
#[test]
fn generated_wide_and_right_to_left_topics_fit_too() {
    for (columns, n) in [(16, 45_368), (30, 45_368), (16, u64::from(u32::MAX))] {
        let dir = tempfile::tempdir().unwrap();
        let labels = long_outcome_labels(columns);
        common::write_one_study_per_outcome_topic(
            dir.path(),
            &labels,
            |i| n - i as u64,
            "positive",
        );
        let name = format!("{columns} columns, n up to {n}");
        assert!(assert_every_chart_fits(dir.path().to_str().unwrap(), &name) >= 4);
    }
    let (dir, registry) = topic_variant("studies/magnesium-rls");
    std::fs::write(dir.path().join("registry.csv"), registry).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("topic.toml")).unwrap();
    let mut right_to_left = toml.clone();
    for (english, translated) in [
        (
            "Does magnesium relieve RLS?",
            "האם מגנזיום מקל על תסמונת הרגליים חסרות המנוחה?",
        ),
        ("Magnesium citrate, oral", "سترات المغنيسيوم (عن طريق الفم)"),
        ("Magnesium oxide, oral", "תחמוצת מגנזיום, פומי"),
        (
            "RLS severity (IRLS or similar scale)",
            "شدة متلازمة تململ الساقين (مقياس IRLS)",
        ),
        ("Sleep quality (questionnaire)", "איכות שינה (שאלון)"),
        ("Serum magnesium", "مغنيسيوم المصل"),
    ] {
        assert!(toml.contains(english), "{english}");
        right_to_left = right_to_left.replace(english, translated);
    }
    std::fs::write(dir.path().join("topic.toml"), right_to_left).unwrap();
    assert!(assert_every_chart_fits(dir.path().to_str().unwrap(), "right-to-left labels") >= 9);
}

#[test]
fn every_chart_kind_draws_for_the_stress_topic_and_its_png_is_sane() {
    let (registry, synthesis) = topic("tests/fixtures/topics/stress");
    let input = ChartInput {
        registry: &registry,
        synthesis: &synthesis,
    };
    for spec in CHARTS {
        let charts =
            (spec.build)(&input).unwrap_or_else(|why| panic!("{} not drawn: {why}", spec.name));
        assert!(!charts.is_empty(), "{}", spec.name);
        for chart in charts {
            let chart = chart.unwrap_or_else(|why| panic!("{} not drawn: {why}", spec.name));
            assert!(
                chart.stem.starts_with(spec.name),
                "{} does not start with {}",
                chart.stem,
                spec.name
            );
            let png = render_png(chart.size, 144, &*chart.draw).unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let mut reader = decoder.read_info().unwrap();
            let mut pixels = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut pixels).unwrap();
            assert_eq!(
                (info.width, info.height),
                (2 * chart.size.0, 2 * chart.size.1),
                "{}",
                chart.stem
            );
            let distinct: std::collections::HashSet<&[u8]> =
                pixels[..info.buffer_size()].chunks(3).collect();
            assert!(distinct.len() > 20, "{} looks blank", chart.stem);
        }
    }
}

/// The box around a shape's points (left, top, right, bottom).
fn bounds_of(points: &[(f64, f64)]) -> Bounds {
    points.iter().fold(
        (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ),
        |(l, t, r, b), &(x, y)| (l.min(x), t.min(y), r.max(x), b.max(y)),
    )
}

/// Contour labels ("d = 0.5") are placed clear of the findings: no label box meets a
/// finding's marker (a polygon) or bound segment (a 1.5-point line; contours and axes are
/// 1-point lines). The stress topic has bound segments across the contours' outer ends,
/// where the labels went before they were placed.
#[test]
fn contour_labels_leave_the_findings_uncovered() {
    let mut labels = 0;
    for path in TOPICS {
        let Ok(charts) = plan(path, "albatross") else {
            continue;
        };
        for chart in charts.into_iter().flatten() {
            let mut recorder = RecordingPainter::default();
            (chart.draw)(&mut recorder);
            let marks: Vec<Bounds> = recorder
                .polygons
                .iter()
                .map(|polygon| bounds_of(&polygon.points))
                .chain(
                    recorder
                        .lines
                        .iter()
                        .filter(|line| line.width > 1.0)
                        .map(|line| {
                            let (l, t, r, b) = bounds_of(&line.points);
                            (l, t - line.width / 2.0, r, b + line.width / 2.0)
                        }),
                )
                .collect();
            for text in recorder.texts.iter().filter(|t| t.text.starts_with("d = ")) {
                labels += 1;
                for mark in &marks {
                    assert!(
                        !intersects(&text.bounds, mark),
                        "{path} {}: {:?} at {:?} covers a finding at {mark:?}",
                        chart.stem,
                        text.text,
                        text.bounds
                    );
                }
            }
        }
    }
    assert!(labels >= 8, "only {labels} contour labels drawn");
}

#[test]
fn charts_without_data_are_skipped_with_a_reason() {
    assert_eq!(
        plan("studies/magnesium-rls", "forest").err().as_deref(),
        Some("no outcome has two or more comparable effect estimates to pool")
    );
}

/// The shipped treatment map: the cell of the review that gives only k_studies (Marshall 2019,
/// various forms × RLS symptoms) says its participants are not given; it said "n=0". Cells
/// with n still sum it (citrate × severity: Gorantla 2024, n = 12).
#[test]
fn map_cells_without_n_say_so_instead_of_zero() {
    let texts = chart_texts(
        "studies/magnesium-rls",
        "evidence-map",
        "evidence-map-treatment",
    );
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(texts.iter().filter(|t| **t == "n not given").count(), 1);
    assert!(!texts.contains(&"n=0"), "{texts:?}");
    assert_eq!(texts.iter().filter(|t| **t == "n=12").count(), 5);
}

/// The forest plot's axis reaches as far right as the estimate column leaves room for: 24
/// units short of its widest text (the axis ended at 680 whatever the estimates, a third of the
/// plot's width left empty beside bcg's "0.41 [0.13, 1.26]"), and no further than 680 left.
#[test]
fn forest_plot_axis_reaches_the_estimate_column() {
    for (path, stem) in [
        (
            "tests/fixtures/topics/bcg",
            "forest-prevention-tuberculosis-rr",
        ),
        (
            "tests/fixtures/topics/normand1999",
            "forest-care-length_of_stay-md",
        ),
    ] {
        let recorder = recorded(path, "forest", stem);
        // The axis: the longest horizontal ink line starting at the plot's left edge.
        let axis_right = recorder
            .lines
            .iter()
            .filter(|l| {
                l.points.len() == 2 && l.points[0].0 == 330.0 && l.points[0].1 == l.points[1].1
            })
            .map(|l| l.points[1].0)
            .fold(0.0, f64::max);
        // The estimate column: texts ending at its right edge (880).
        let column_left = recorder
            .texts
            .iter()
            .filter(|t| (t.bounds.2 - 880.0).abs() < 0.01)
            .map(|t| t.bounds.0)
            .fold(f64::INFINITY, f64::min);
        assert!(axis_right >= 680.0, "{stem}: {axis_right}");
        assert!(
            (column_left - axis_right - 24.0).abs() < 0.01 || axis_right == 680.0,
            "{stem}: axis ends at {axis_right}, the estimates start at {column_left}"
        );
        if stem.ends_with("-rr") {
            assert!(axis_right > 740.0, "{stem}: {axis_right}");
        }
    }
}

/// Estimates in small units keep their intervals visible: normand1999's rows rewritten as mean
/// differences of −2e-150 … 2e-150 with variances of 1e-300 … 3e-300 drew every interval as a
/// point on an axis of ±5e-8 (a fixed minimum span of 1e-6), with no tick near the data. The
/// axis now follows the estimates: its ticks are labelled at their scale, and each study's
/// interval (±1.96·√vᵢ, at least 3.9e-150 wide) is drawn tens of units long.
#[test]
fn forest_plot_axis_follows_estimates_in_small_units() {
    let (dir, registry) = topic_variant("tests/fixtures/topics/normand1999");
    let mut rows = String::from(
        "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,yi,vi\n",
    );
    let mut reader = csv::Reader::from_reader(registry.as_bytes());
    for (i, record) in reader.records().enumerate() {
        let r = record.unwrap();
        let yi = (i % 5) as f64 - 2.0;
        let vi = 1.0 + (i % 3) as f64;
        rows.push_str(&format!(
            "{},\"{}\",{},{},{},{},{},{},{},md,{yi}e-150,{vi}e-300\n",
            &r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6], &r[7], &r[8]
        ));
    }
    std::fs::write(dir.path().join("registry.csv"), rows).unwrap();
    let recorder = recorded(
        dir.path().to_str().unwrap(),
        "forest",
        "forest-care-length_of_stay-md",
    );
    let texts: Vec<&str> = recorder.texts.iter().map(|t| t.text.as_str()).collect();
    assert!(texts.contains(&"2e-150"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.ends_with("e-8")), "{texts:?}");
    // Study intervals: short horizontal lines in the plot area, below the header.
    let intervals: Vec<f64> = recorder
        .lines
        .iter()
        .filter(|l| {
            l.points.len() == 2
                && l.points[0].1 == l.points[1].1
                && l.points[0].0 > 330.0
                && l.points[0].1 > 96.0
                && l.points[0].1 < 96.0 + 22.0 * 9.5
        })
        .map(|l| l.points[1].0 - l.points[0].0)
        .collect();
    assert_eq!(intervals.len(), 9, "{intervals:?}");
    assert!(intervals.iter().all(|w| *w > 40.0), "{intervals:?}");
}

/// An effect direction plot of 30 outcomes is drawn wider than 1,000 units, so each column
/// (at least 32 units) holds its rotated heading on two lines: "Outcome label number 12 that
/// is long" was cut to one line, "Outcome label number 12 t…", in columns 20 units wide.
/// Plots of up to 19 outcomes keep 1,000 units.
#[test]
fn effect_direction_plot_of_many_outcomes_is_drawn_wider_with_whole_headings() {
    let dir = tempfile::tempdir().unwrap();
    let labels = long_outcome_labels(30);
    common::write_one_study_per_outcome_topic(dir.path(), &labels, |_| 40, "positive");
    let path = dir.path().to_str().unwrap();
    let chart = plan(path, "effect-direction")
        .unwrap()
        .into_iter()
        .flatten()
        .next()
        .unwrap();
    // 330 (labels) + 10 + 31 columns × 32 + 24 (margin).
    assert_eq!(chart.size.0, 1356);
    let texts = chart_texts(path, "effect-direction", "effect-direction-q");
    let headings: Vec<&String> = texts
        .iter()
        .filter(|t| t.starts_with("Outcome label") || t.ends_with("is long"))
        .collect();
    // Each heading on two lines, drawn one after the other, none cut.
    assert_eq!(headings.len(), 60, "{headings:?}");
    for (i, pair) in headings.chunks(2).enumerate() {
        assert_eq!(
            format!("{} {}", pair[0], pair[1]),
            format!("Outcome label number {i} that is long")
        );
    }
    // Twelve outcomes: the plot keeps its width.
    let shipped = plan("tests/fixtures/topics/stress", "effect-direction")
        .unwrap()
        .into_iter()
        .flatten()
        .all(|chart| chart.size.0 == 1000);
    assert!(shipped);
}

/// An evidence map of 16 outcomes, one study of 45,000 or more participants in each cell:
/// "n=45,000" does not fit a cell, and it was cut to "n=45,…" (read as 45); it is rounded to
/// "n≈45k" instead, the exact count in the SVG's tooltip.
#[test]
fn evidence_map_participants_are_rounded_before_they_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<String> = (0..16).map(|i| format!("Outcome {i}")).collect();
    common::write_one_study_per_outcome_topic(
        dir.path(),
        &labels,
        |i| 45_000 + 1_111 * i as u64,
        "positive",
    );
    let path = dir.path().to_str().unwrap();
    let texts = chart_texts(path, "evidence-map", "evidence-map-q");
    for shown in ["n≈45k", "n≈46k", "n≈62k"] {
        assert!(texts.iter().any(|t| t == shown), "{shown}: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t.starts_with("n=")), "{texts:?}");
    let chart = plan(path, "evidence-map")
        .unwrap()
        .into_iter()
        .flatten()
        .next()
        .unwrap();
    let svg =
        evsynth::charts::painter::render_svg(chart.size, &chart.text, "m", &chart.draw).unwrap();
    assert!(
        svg.contains("<title>n=45,000</title>"),
        "no exact count in a tooltip"
    );
    assert!(svg.contains("<title>n=61,665</title>"));
}

/// A map of 30 columns (the most drawn) keeps two lines of heading in each column, so outcome
/// labels of 35 characters are whole, and shows each cell's participants rounded to "≈45k"
/// (headings were cut to "Outcome label number 0 th…" and participants to "n=…").
#[test]
fn a_map_of_thirty_columns_keeps_whole_headings_and_rounded_participants() {
    let dir = tempfile::tempdir().unwrap();
    let labels = long_outcome_labels(30);
    common::write_one_study_per_outcome_topic(
        dir.path(),
        &labels,
        |i| 45_368 - i as u64,
        "positive",
    );
    let texts = chart_texts(
        dir.path().to_str().unwrap(),
        "evidence-map",
        "evidence-map-q",
    );
    assert_eq!(
        texts.iter().filter(|t| *t == "≈45k").count(),
        30,
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.ends_with('…')), "{texts:?}");
    for i in [0, 9, 10, 29] {
        let first = format!("Outcome label number {i}");
        assert!(
            texts.iter().any(|t| t.starts_with(&first)),
            "{first}: {texts:?}"
        );
    }
    assert_eq!(
        texts.iter().filter(|t| t.ends_with("is long")).count(),
        30,
        "{texts:?}"
    );
}

/// A forest plot row with an n of billions and a long study id: the id is cut short of the
/// n (it was cut to a fixed width, and "aronson_and_colleagues_long_identifi…" ran into
/// "4,294,967,295"). No text overlaps another.
#[test]
fn forest_study_ids_stop_short_of_wide_participant_counts() {
    let (dir, registry) = topic_variant("tests/fixtures/topics/bcg");
    let mut reader = csv::Reader::from_reader(registry.as_bytes());
    let header = reader.headers().unwrap().clone();
    let (id, n) = (
        header.iter().position(|c| c == "study_id").unwrap(),
        header.iter().position(|c| c == "n").unwrap(),
    );
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
        if i < 3 {
            fields[n] = u32::MAX.to_string();
            fields[id] = format!("study_with_a_long_identifier_number_{i}_1948");
        }
        writer.write_record(&fields).unwrap();
    }
    std::fs::write(
        dir.path().join("registry.csv"),
        writer.into_inner().unwrap(),
    )
    .unwrap();
    let recorder = recorded(
        dir.path().to_str().unwrap(),
        "forest",
        "forest-prevention-tuberculosis-rr",
    );
    let counts: Vec<&TextBox> = recorder
        .texts
        .iter()
        .filter(|t| t.text == "4,294,967,295")
        .collect();
    assert_eq!(counts.len(), 3);
    assert_no_overlaps(&recorder.texts, "bcg with an n of billions");
}

/// Counts of 1,000 or more are grouped by thousands in every chart (the forest plot's n column
/// wrote 176782 beside the footer's 357,347).
#[test]
fn forest_plot_participants_are_grouped_by_thousands() {
    let texts = chart_texts(
        "tests/fixtures/topics/bcg",
        "forest",
        "forest-prevention-tuberculosis-rr",
    );
    for n in ["262", "176,782", "26,465", "34,767"] {
        assert!(texts.iter().any(|t| t == n), "{n}: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t == "176782"), "{texts:?}");
}

/// The shipped review gives k_studies and no n: its meter row says so, not "n = 0" (the
/// row said "n = 0" before); the randomised row keeps its participants.
#[test]
fn meter_rows_without_n_say_so_instead_of_zero() {
    let texts = chart_texts("studies/magnesium-rls", "evidence-meter", "evidence-meter");
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert!(
        texts.contains(&"▲0 ◆1 ▼0 ◄►0 · 1 study · n not given"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"▲2 ◆0 ▼0 ◄►0 · 1 study · n = 75"),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.ends_with("n = 0")), "{texts:?}");
}

/// A question with one study: the effect direction plot's footer counts "1 study" (it said
/// "1 studies" before).
#[test]
fn a_one_study_question_is_counted_in_the_singular() {
    let (dir, registry) = topic_variant("studies/magnesium-rls");
    // The header and the first finding (one case report on the treatment question).
    let first_two_lines: Vec<&str> = registry.lines().take(2).collect();
    std::fs::write(
        dir.path().join("registry.csv"),
        first_two_lines.join("\n") + "\n",
    )
    .unwrap();
    let texts = chart_texts(
        dir.path().to_str().unwrap(),
        "effect-direction",
        "effect-direction-treatment",
    );
    assert!(texts.iter().any(|t| t.contains("1 study")), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("1 studies")), "{texts:?}");
}

/// The shipped topic's outcome headings (up to 61 characters) in the evidence map and the
/// effect direction plot: each label whole, over as many as three lines drawn one after the
/// other, none cut with "…" (on one line, two read "Periodic limb movements i…"); the stress
/// topic's long form label likewise whole over the map's row. Fails when labels are only cut.
#[test]
fn column_headings_and_row_labels_are_whole() {
    let (registry, _) = topic("studies/magnesium-rls");
    let used = [
        "rls_symptoms",
        "rls_severity",
        "rls_quality_of_life",
        "plms_arousal_index",
        "plmw_index",
        "sit_discomfort",
    ];
    for (kind, stem) in [
        ("evidence-map", "evidence-map-treatment"),
        ("effect-direction", "effect-direction-treatment"),
    ] {
        let texts = chart_texts("studies/magnesium-rls", kind, stem);
        assert!(!texts.iter().any(|t| t.contains('…')), "{stem}: {texts:?}");
        let joined = texts.join(" ");
        for key in used {
            let label = &registry.topic.outcomes[key];
            assert!(joined.contains(label.as_str()), "{stem}: {label} not whole");
        }
    }
    let texts = chart_texts(
        "tests/fixtures/topics/stress",
        "evidence-map",
        "evidence-map-exposure",
    );
    assert!(
        texts
            .join(" ")
            .contains("Tablet, once daily, with a very long description of the formulation"),
        "{texts:?}"
    );
}

/// metafor's dat.bcg has two studies each of Comstock et al. and Rosenthal et al.: in the
/// harvest plot every bar's label is its own, and each ends with its study's year (cut at the
/// end, "comstock_et_al_1…" labelled two bars). Fails when ids are cut at the end.
#[test]
fn harvest_bars_of_one_authors_studies_keep_their_labels_apart() {
    // The stress topic's ids differ only in a number and a year
    // (a_rather_long_study_identifier_014_2004): each cut label keeps both, so two studies of
    // one year stay apart (fails when only the year is kept).
    let texts = chart_texts("tests/fixtures/topics/stress", "harvest", "harvest");
    let ids: Vec<&String> = texts.iter().filter(|t| t.starts_with("a_rather")).collect();
    assert!(ids.len() >= 40, "{texts:?}");
    for id in &ids {
        let end: Vec<char> = id.chars().rev().take(9).collect();
        let end: String = end.into_iter().rev().collect();
        let kept = end.starts_with('…')
            && end[3..].chars().nth(3) == Some('_')
            && end.chars().filter(char::is_ascii_digit).count() == 7;
        assert!(kept, "{id}");
    }

    let texts = chart_texts("tests/fixtures/topics/bcg", "harvest", "harvest");
    let ids: Vec<&String> = texts
        .iter()
        .filter(|t| t.starts_with("comstock") || t.starts_with("rosenthal"))
        .collect();
    assert_eq!(ids.len(), 5, "{texts:?}");
    let distinct: std::collections::HashSet<&&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    for id in ids {
        let year = &id[id.len() - 4..];
        assert!(year.chars().all(|c| c.is_ascii_digit()), "{id}");
    }
}
