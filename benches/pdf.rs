//! PDF rendering (layout + printpdf + post-pass) of the bundled example and
//! of a 100× longer article; also the seed article (when `../shared` is
//! beside the package) and its 100× version, and a 3-chapter book.
//!
//! `cargo bench --bench pdf`. The long article repeats the sections of
//! `input/canal-and-locks.txt` 100 times in the document model (the markers
//! then repeat too, which the layout does not mind).

use criterion::{Criterion, criterion_group, criterion_main};
use refolio::ast::Document;
use refolio::write::{BookMeta, Format, WriteOptions, render};
use refolio::{ParseOptions, parse_article};
use std::hint::black_box;

/// The program's allocator (`src/allocator.rs`), so that the numbers are the program's.
#[global_allocator]
static GLOBAL: refolio::allocator::Allocator = refolio::allocator::Allocator;

const EXAMPLE: &str = include_str!("../input/canal-and-locks.txt");

fn bench(c: &mut Criterion) {
    // As the program does first (`main.rs`).
    refolio::allocator::keep_large_blocks_mapped();
    let doc = parse_article(
        "bench",
        EXAMPLE.as_bytes().to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
    .document;
    let mut long = doc.clone();
    for _ in 1..100 {
        long.sections.extend(doc.sections.iter().cloned());
    }
    let opts = WriteOptions::default();
    let render_pdf = |doc: &Document, opts: &WriteOptions| render(&[doc], Format::Pdf, opts);
    let mut g = c.benchmark_group("pdf");
    g.sample_size(10);
    g.bench_function("example", |b| {
        b.iter(|| black_box(render_pdf(&doc, &opts).unwrap().bytes.len()))
    });
    g.bench_function("example-x100", |b| {
        b.iter(|| black_box(render_pdf(&long, &opts).unwrap().bytes.len()))
    });
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seed/temporary-deployment.txt"
    );
    if let Ok(text) = std::fs::read_to_string(seed) {
        let parse = |t: &str| {
            parse_article(
                "bench",
                t.as_bytes().to_vec(),
                Default::default(),
                &ParseOptions::default(),
            )
            .unwrap()
            .document
        };
        let seed_doc = parse(&text);
        let mut seed_long = seed_doc.clone();
        for _ in 1..100 {
            seed_long.sections.extend(seed_doc.sections.iter().cloned());
            seed_long.blocks.extend(seed_doc.blocks.iter().cloned());
        }
        g.bench_function("seed", |b| {
            b.iter(|| black_box(render_pdf(&seed_doc, &opts).unwrap().bytes.len()))
        });
        g.bench_function("seed-x100", |b| {
            b.iter(|| black_box(render_pdf(&seed_long, &opts).unwrap().bytes.len()))
        });
    }
    let book = WriteOptions {
        book: Some(BookMeta {
            title: "Book".into(),
            ..Default::default()
        }),
        recto: true,
        ..WriteOptions::default()
    };
    g.bench_function("book-3-chapters", |b| {
        b.iter(|| {
            black_box(
                render(&[&doc, &doc, &doc], Format::Pdf, &book)
                    .unwrap()
                    .bytes
                    .len(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
