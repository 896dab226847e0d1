//! PDF rendering (layout + printpdf + post-pass) of the bundled example and
//! of a 100× longer article; also the seed article (when `../shared` is
//! beside the package) and its 100× version, a 3-chapter book, and an
//! article of 10,000 references with their notes at the foot of the page.
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
    // 10,000 references, each cited once, their notes at the foot of the
    // pages: over 1 MiB of text, whose glyphs wait in the temporary file,
    // each note's rows read back from it (a reader of a block's worth
    // for each note made this 4.45 s instead of 0.40).
    let mut many = String::from("A register of many volumes\n\n");
    for i in 1..=10_000 {
        many.push_str(&format!(
            "Volume {i} was bound in calf and shelved at the office{i}. "
        ));
        if i % 8 == 0 {
            many.push_str("\n\n");
        }
    }
    many.push_str("\n\nReferences\n\n");
    for i in 1..=10_000 {
        many.push_str(&format!(
            "{i}. Register, volume {i}; Record Office; 1925-06-17[]\n"
        ));
    }
    let many = parse_article(
        "bench",
        many.into_bytes(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
    .document;
    let mut foot = WriteOptions::default();
    foot.pdf.notes = refolio::write::NotePlacement::Foot;
    g.bench_function("10000-notes-at-the-foot", |b| {
        b.iter(|| black_box(render_pdf(&many, &foot).unwrap().bytes.len()))
    });
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
