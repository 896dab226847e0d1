//! Each stage on the example and seed articles and on 100× larger ones:
//! parse (decode + grammar), resolve (the citation resolver alone), the TEI
//! and EPUB writers alone, and parse + resolve (+ TEI, into memory or
//! streamed as `convert` writes it) together. PDF is in
//! `benches/pdf.rs`.
//!
//! `cargo bench --bench pipeline`. The large article repeats the body of
//! `input/canal-and-locks.txt` 100 times and multiplies every back-link group
//! by 100, so the reference list still agrees with the text and the resolver
//! works under its full constraints. It is also read hard-wrapped (its
//! body's lines broken near 72 columns, as `fmt -s -w 72` breaks them:
//! the parser joins them in place) and hard-wrapped with CR LF line ends
//! (the parser joins them by moving them).

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use refolio::source::Source;
use refolio::write::{Format, write};
use refolio::{ParseOptions, parse_article};
use std::hint::black_box;

/// The program's allocator (`src/allocator.rs`), so that the numbers are the program's.
#[global_allocator]
static GLOBAL: refolio::allocator::Allocator = refolio::allocator::Allocator;

const EXAMPLE: &str = include_str!("../input/canal-and-locks.txt");

/// The article with its body repeated `k` times and back-links scaled to match.
fn scaled(text: &str, k: usize) -> String {
    let refs_at = text
        .rfind("\n\n  1. ")
        .expect("article has a reference list")
        + 2;
    let (head, refs) = text.split_at(refs_at);
    let (title, body) = head.split_once("\n\n").unwrap();
    let mut out = format!("{title}\n\n");
    for _ in 0..k {
        out.push_str(body);
    }
    for line in refs.lines() {
        let groups = line.matches("[]").count();
        out.push_str(line.trim_end_matches("[]"));
        out.push_str(&"[]".repeat(groups * k));
        out.push('\n');
    }
    out
}

/// `text` with its body's lines (up to the reference list) broken at
/// the last space before column 72, as `fmt -s -w 72` breaks them, and
/// its line ends `end`.
fn hard_wrapped(text: &str, end: &str) -> String {
    let refs_at = text.rfind("\n\n  1. ").map_or(text.len(), |i| i + 2);
    let (body, refs) = text.split_at(refs_at);
    let mut out = String::with_capacity(text.len() * 2);
    for line in body.lines() {
        // Continuation lines indented as the first, as `fmt` does.
        let indent = &line[..line.len() - line.trim_start_matches(' ').len()];
        let (mut lead, mut rest) = ("", line);
        loop {
            let width = lead.len() + rest.chars().count();
            // The last space before column 72, after the indentation.
            let skip = if lead.is_empty() { indent.len() } else { 0 };
            let cut = (width > 72)
                .then(|| {
                    rest.char_indices()
                        .take(73 - lead.len())
                        .filter(|&(i, c)| c == ' ' && i > skip)
                        .last()
                })
                .flatten()
                .map(|(i, _)| i)
                .filter(|&i| !rest[i..].trim().is_empty());
            out.push_str(lead);
            let Some(i) = cut else {
                out.push_str(rest);
                out.push_str(end);
                break;
            };
            out.push_str(&rest[..i]);
            out.push_str(end);
            (lead, rest) = (indent, &rest[i + 1..]);
        }
    }
    for line in refs.lines() {
        out.push_str(line);
        out.push_str(end);
    }
    out
}

/// The article parsed and resolved, as `convert` reads it.
fn parsed(text: &str) -> refolio::Parsed {
    parse_article(
        "bench",
        text.as_bytes().to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
}

fn pipeline(text: &str) -> usize {
    let p = parsed(text);
    let mut out = Vec::with_capacity(text.len() * 3);
    write(&p.document, Format::Tei, &mut out).unwrap();
    out.len()
}

/// [`pipeline`] with the TEI written as `convert` writes it: handed on
/// 64 KiB at a time (the buffer of `write::write_atomic_with`), here to a
/// writer that counts the bytes, there to the temporary file. The TEI is
/// never held whole, so no buffer of its size is mapped and touched afresh
/// each time, as `pipeline`'s output is (some 125 of its 157 page faults
/// an iteration of the seed ×100).
fn pipeline_streamed(text: &str) -> u64 {
    let p = parsed(text);
    let mut counted = Counted(0);
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, &mut counted);
    write(&p.document, Format::Tei, &mut out).unwrap();
    drop(out);
    counted.0
}

/// A writer that only counts what it is given.
struct Counted(u64);

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The inputs: the bundled example, the seed article when `../shared` is
/// beside the package, and each of them 100× larger.
fn inputs() -> Vec<(String, String)> {
    let mut v = vec![("example".to_string(), EXAMPLE.to_string())];
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seed/temporary-deployment.txt"
    );
    if let Ok(text) = std::fs::read_to_string(seed) {
        v.push(("seed".to_string(), text));
    }
    let big: Vec<_> = v
        .iter()
        .map(|(n, t)| (format!("{n}-x100"), scaled(t, 100)))
        .collect();
    v.extend(big);
    let example = scaled(EXAMPLE, 100);
    v.push((
        "example-x100-wrapped".to_string(),
        hard_wrapped(&example, "\n"),
    ));
    v.push((
        "example-x100-wrapped-crlf".to_string(),
        hard_wrapped(&example, "\r\n"),
    ));
    v
}

fn bench(c: &mut Criterion) {
    // As the program does first (`main.rs`).
    refolio::allocator::keep_large_blocks_mapped();
    let inputs = inputs();
    let mut g = c.benchmark_group("parse+resolve+tei");
    for (name, text) in &inputs {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| pipeline(black_box(t)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("parse+resolve+tei-streamed");
    for (name, text) in &inputs {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| pipeline_streamed(black_box(t)))
        });
    }
    g.finish();

    let opts = ParseOptions::default();
    let mut g = c.benchmark_group("parse");
    for (name, text) in &inputs {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| {
                let (src, _) =
                    Source::decode("bench", black_box(t).as_bytes().to_vec(), false).unwrap();
                // Dropped here with the source it borrows, as before.
                black_box(refolio::parse(&src, Default::default(), &opts).unwrap());
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("resolve");
    for (name, text) in &inputs {
        let (src, _) = Source::decode("bench", text.as_bytes().to_vec(), false).unwrap();
        let parsed = refolio::parse(&src, Default::default(), &opts).unwrap();
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_batched(
                || parsed.document.clone(),
                |mut doc| refolio::resolve(&mut doc, &parsed.texts, false),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    for format in [Format::Tei, Format::Epub] {
        let mut g = c.benchmark_group(format!("write-{}", format.name()));
        for (name, text) in &inputs {
            let doc = parse_article("bench", text.as_bytes().to_vec(), Default::default(), &opts)
                .unwrap()
                .document;
            g.throughput(Throughput::Bytes(text.len() as u64));
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    let mut out = Vec::with_capacity(text.len() * 3);
                    write(black_box(&doc), format, &mut out).unwrap();
                    out.len()
                })
            });
        }
        g.finish();
    }

    let mut g = c.benchmark_group("parse+resolve");
    for (name, text) in &inputs {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| {
                parse_article(
                    "bench",
                    black_box(t).as_bytes().to_vec(),
                    Default::default(),
                    &ParseOptions::default(),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
