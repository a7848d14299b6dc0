//! `cargo bench`: the hot functions, timed with divan. Inputs are built in memory from the
//! shipped registry (rows repeated under new study ids), so the benchmark needs no files
//! beyond the repository. Whole-command timings at scale are in `bench/run.sh` and
//! `bench/compare.sh`.

use std::path::Path;

use divan::Bencher;
use evsynth::charts::{CHARTS, ChartInput, painter};
use evsynth::registry::{self, Registry, Topic, TopicLocation};
use evsynth::synthesis::effects::Effect;
use evsynth::synthesis::pool::{PoolOptions, pool};
use evsynth::synthesis::selection::Selection;
use evsynth::synthesis::votes::sign_test;

fn main() {
    divan::main();
}

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/magnesium-rls");

fn topic() -> Topic {
    Topic::load(&Path::new(SHIPPED).join("topic.toml")).expect("shipped topic.toml")
}

/// The shipped registry's rows repeated until there are `rows` findings, each copy under new
/// study ids and without DOI/PMID (one paper must not appear under two ids).
fn registry_bytes(rows: usize) -> Vec<u8> {
    let shipped = std::fs::read(Path::new(SHIPPED).join("registry.csv")).expect("registry");
    let mut reader = csv::Reader::from_reader(shipped.as_slice());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (id, doi, pmid) = (column("study_id"), column("doi"), column("pmid"));
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("write");
    for (i, record) in records.iter().cycle().take(rows).enumerate() {
        let copy = i / records.len();
        let fields: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(c, f)| match c {
                _ if c == id => format!("{f}_{copy}"),
                _ if c == doi || c == pmid => String::new(),
                _ => f.to_string(),
            })
            .collect();
        writer.write_record(&fields).expect("write");
    }
    writer.into_inner().expect("flush")
}

fn registry_of(rows: usize) -> Registry {
    let topic = topic();
    let bytes = registry_bytes(rows);
    let findings = registry::parse(&bytes, "bench.csv", &topic).expect("valid");
    Registry {
        location: TopicLocation::of_dir(Path::new(SHIPPED)),
        topic,
        studies: registry::StudyIndex::of(&findings),
        findings,
        sha256: registry::sha256_hex(&bytes),
    }
}

/// Reading and validating a registry (per-field parsing and cross-row checks).
#[divan::bench(args = [1_000, 100_000])]
fn parse_and_validate(bencher: Bencher, rows: usize) {
    let topic = topic();
    let bytes = registry_bytes(rows);
    bencher
        .counter(divan::counter::BytesCount::new(bytes.len()))
        .bench(|| registry::parse(divan::black_box(&bytes), "bench.csv", &topic).expect("valid"));
}

/// The polars aggregation and everything else `synthesise` computes.
#[divan::bench(args = [1_000, 100_000])]
fn aggregate(bencher: Bencher, rows: usize) {
    let registry = registry_of(rows);
    let selection = Selection::default();
    bencher.bench(|| {
        evsynth::synthesis::synthesise(divan::black_box(&registry), &selection, 0).expect("ok")
    });
}

/// The exact two-sided sign test (exact sum up to n = 126, log space beyond).
#[divan::bench(args = [20, 126, 10_000, 1_000_000])]
fn sign_test_two_sided(n: u64) -> Option<f64> {
    sign_test(divan::black_box(n * 3 / 5), divan::black_box(n)).map(|p| p.value())
}

/// REML random-effects pooling of k estimates (deterministic, heterogeneous).
#[divan::bench(args = [5, 50, 1_000, 100_000])]
fn reml_pooling(bencher: Bencher, k: usize) {
    let effects: Vec<Effect> = (0..k)
        .map(|i| {
            let x = (i as f64 * 0.618_033_988_75).fract();
            Effect {
                yi: -0.5 + x,
                vi: 0.02 + 0.1 * ((i as f64 * 0.414_213_562).fract()),
            }
        })
        .collect();
    bencher.bench(|| pool(divan::black_box(&effects), PoolOptions::default()));
}

/// The evidence meter of a 16-finding registry, ready to render.
fn evidence_meter() -> evsynth::charts::Chart {
    let registry = registry_of(16);
    let synthesis =
        evsynth::synthesis::synthesise(&registry, &Selection::default(), 0).expect("ok");
    let input = ChartInput {
        registry: &registry,
        synthesis: &synthesis,
    };
    let meter = CHARTS
        .iter()
        .find(|c| c.name == "evidence-meter")
        .expect("registered");
    (meter.build)(&input)
        .expect("drawn")
        .remove(0)
        .expect("drawn")
}

/// One chart (the evidence meter of the shipped topic) drawn to SVG and to PNG at 144 dpi.
#[divan::bench]
fn evidence_meter_svg_and_png(bencher: Bencher) {
    let chart = evidence_meter();
    bencher.bench(|| {
        let svg = painter::render_svg(chart.size, &chart.text, &chart.stem, &*chart.draw);
        let png = painter::render_png(chart.size, 144, &*chart.draw);
        (svg, png)
    });
}

/// PNG encoding alone (filters and deflate) of the evidence meter's 2000 × 1168 RGB pixels.
#[divan::bench]
fn png_encode_chart(bencher: Bencher) {
    let chart = evidence_meter();
    let png = painter::render_png(chart.size, 144, &*chart.draw).expect("drawn");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .expect("valid PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("valid PNG");
    pixels.truncate(frame.buffer_size());
    bencher.bench_local(|| {
        evsynth::charts::png_encode::encode_rgb(
            divan::black_box(&mut pixels),
            (frame.width, frame.height),
            144,
            None,
            evsynth::charts::png_encode::Afterwards::Keep,
        )
    });
}
