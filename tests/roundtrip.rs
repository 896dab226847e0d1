//! Property tests: generated articles (titles, sections, lists with nesting,
//! figures, quotes, rules, references with fields, markers after letters,
//! punctuation and digits, adjacent markers) are parsed with exactly the
//! citations that were put in, and the article writer is a fixpoint:
//! parse → write → parse gives the same document (spans aside), and every
//! generated document gives well-formed TEI.
//!
//! Case count: `PROPTEST_CASES` (default 10,000: about 15 s in a debug build).

use proptest::prelude::*;
use refolio::ast::{Document, Inline, for_each_inlines};
use refolio::write::{Format, write};
use refolio::{ParseOptions, parse_article};

const WORDS: &[&str] = &[
    "canal", "boats", "lock", "keeper", "river", "stone", "towpath", "ledger", "horses", "winter",
    "summit", "trade", "coal", "bridge", "valley", "mill", "harbour", "market", "survey", "engine",
    "wharf", "crew",
];

/// What a marker is glued to at the end of a sentence.
#[derive(Debug, Clone, Copy)]
enum Glue {
    /// `word3.`
    Word,
    /// `word.3`
    Stop,
    /// `250 0003` (a grouped number, then the marker)
    GroupedNumber,
    /// `14:403` (a time, then the marker)
    Time,
}

#[derive(Debug, Clone)]
struct Sentence {
    words: Vec<&'static str>,
    /// Markers at the end: one, or two separated by a space.
    marks: usize,
    glue: Glue,
}

#[derive(Debug, Clone)]
enum Blk {
    Para(Vec<Sentence>),
    Bullets(Vec<(Sentence, Vec<Sentence>)>),
    Numbers(Vec<Sentence>),
    Quote(Sentence),
    Figure(Vec<&'static str>, Option<Vec<&'static str>>),
    Rule,
}

fn words(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(WORDS), n)
}

fn sentence() -> impl Strategy<Value = Sentence> {
    (
        words(2..8),
        prop_oneof![3 => Just(0usize), 3 => Just(1usize), 1 => Just(2usize)],
        prop_oneof![
            4 => Just(Glue::Word),
            2 => Just(Glue::Stop),
            1 => Just(Glue::GroupedNumber),
            1 => Just(Glue::Time)
        ],
    )
        .prop_map(|(words, marks, glue)| Sentence { words, marks, glue })
}

fn block() -> impl Strategy<Value = Blk> {
    prop_oneof![
        6 => prop::collection::vec(sentence(), 1..4).prop_map(Blk::Para),
        2 => prop::collection::vec((sentence(), prop::collection::vec(sentence(), 0..3)), 1..4).prop_map(Blk::Bullets),
        1 => prop::collection::vec(sentence(), 2..4).prop_map(Blk::Numbers),
        1 => sentence().prop_map(Blk::Quote),
        1 => (words(2..6), prop::option::of(words(2..6))).prop_map(|(a, c)| Blk::Figure(a, c)),
        1 => Just(Blk::Rule),
    ]
}

#[derive(Debug, Clone)]
struct Article {
    title: Vec<&'static str>,
    intro: Vec<Blk>,
    sections: Vec<(Vec<&'static str>, Vec<Blk>)>,
    notes_heading: bool,
    /// Sequence of choices for marker numbers: true = a new reference.
    fresh: Vec<bool>,
}

fn article() -> impl Strategy<Value = Article> {
    (
        words(1..6),
        prop::collection::vec(block(), 1..4),
        prop::collection::vec((words(1..5), prop::collection::vec(block(), 1..4)), 0..4),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 64),
    )
        .prop_map(|(title, intro, sections, notes_heading, fresh)| Article {
            title,
            intro,
            sections,
            notes_heading,
            fresh,
        })
}

fn cap(w: &[&str]) -> String {
    let s = w.join(" ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// Renders the article; returns the text and the citation numbers in order.
fn render(a: &Article) -> (String, Vec<u32>) {
    let mut cites: Vec<u32> = Vec::new();
    let mut max = 0u32;
    let mut fresh = a.fresh.iter().cycle();
    let mut next_mark = |cites: &mut Vec<u32>| -> u32 {
        let n = if max == 0 || *fresh.next().unwrap() {
            max + 1
        } else {
            (cites.len() as u32 % max) + 1
        };
        max = max.max(n);
        cites.push(n);
        n
    };
    let mut sentence = |s: &Sentence, cites: &mut Vec<u32>| -> String {
        let mut t = cap(&s.words);
        if s.marks == 0 {
            t.push('.');
            return t;
        }
        let mut marks: Vec<String> = Vec::new();
        for _ in 0..s.marks {
            marks.push(next_mark(cites).to_string());
        }
        let m = marks.join(" ");
        match s.glue {
            Glue::Word => format!("{t}{m}."),
            Glue::Stop => format!("{t}.{m}"),
            Glue::GroupedNumber => format!("{t} 250 000{m}."),
            Glue::Time => format!("{t} at 14:40{m}."),
        }
    };
    let mut blocks: Vec<String> = Vec::new();
    let mut block = |b: &Blk, cites: &mut Vec<u32>| -> String {
        match b {
            Blk::Para(ss) => ss
                .iter()
                .map(|s| sentence(s, cites))
                .collect::<Vec<_>>()
                .join(" "),
            Blk::Bullets(items) => {
                let mut lines = Vec::new();
                for (s, kids) in items {
                    lines.push(format!("  • {}", sentence(s, cites)));
                    for k in kids {
                        lines.push(format!("    ◦ {}", sentence(k, cites)));
                    }
                }
                lines.join("\n")
            }
            Blk::Numbers(items) => items
                .iter()
                .enumerate()
                .map(|(i, s)| format!("  {}. {}", i + 1, sentence(s, cites)))
                .collect::<Vec<_>>()
                .join("\n"),
            Blk::Quote(s) => format!("    {}", sentence(s, cites)),
            Blk::Figure(alt, cap_words) => {
                let mut f = format!("A photo of the {}.", alt.join(" "));
                if let Some(c) = cap_words {
                    f.push_str(&format!("\n{} (Photo credit: Ada Brook)", cap(c)));
                }
                f
            }
            Blk::Rule => "* * *".to_string(),
        }
    };
    for b in &a.intro {
        blocks.push(block(b, &mut cites));
    }
    for (h, bs) in &a.sections {
        blocks.push(cap(h));
        for b in bs {
            blocks.push(block(b, &mut cites));
        }
    }
    // Every article cites at least once, so its list is a reference list.
    blocks.push(format!("Closing words{}.", next_mark(&mut cites)));
    let n_refs = cites.iter().copied().max().unwrap_or(0);
    if a.notes_heading {
        blocks.push("Notes".to_string());
    }
    let refs: Vec<String> = (1..=n_refs)
        .map(|k| {
            let count = cites.iter().filter(|&&c| c == k).count();
            format!(
                "  {k}. Source number {k}; Valley Press; 2020-01-{:02}{}",
                k % 28 + 1,
                "[]".repeat(count)
            )
        })
        .collect();
    blocks.push(refs.join("\n"));
    let text = format!("{}\n\n{}\n", cap(&a.title), blocks.join("\n\n"));
    (text, cites)
}

fn parse(text: &str) -> Document {
    parse_article(
        "gen",
        text.as_bytes().to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
    .document
}

fn cites_of(doc: &Document) -> Vec<u32> {
    let mut v = Vec::new();
    for_each_inlines(doc, &mut |inl| {
        for i in inl {
            if let Inline::Cite { n, .. } = i {
                v.push(*n);
            }
        }
    });
    v
}

/// The document as JSON without spans (they differ between two sources).
fn shape(doc: &Document) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("span");
                m.remove("backlinks_spans");
                // How the source was written: the writer writes its own style.
                m.remove("style");
                if let Some(serde_json::Value::Array(b)) = m.get_mut("backlinks") {
                    let n = b.len();
                    *b = vec![serde_json::Value::Null; n];
                }
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(doc).unwrap();
    strip(&mut v);
    v
}

fn article_text(doc: &Document) -> String {
    let mut out = Vec::new();
    write(doc, Format::Article, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_articles_resolve_and_round_trip(a in article()) {
        let (text, want) = render(&a);
        let doc = parse(&text);
        prop_assert_eq!(cites_of(&doc), want, "citations of:\n{}", text);
        prop_assert_eq!(doc.sections.len(), a.sections.len(), "sections of:\n{}", text);
        let written = article_text(&doc);
        let again = parse(&written);
        prop_assert_eq!(shape(&again), shape(&doc), "round trip of:\n{}\nwritten as:\n{}", text, written);
        prop_assert_eq!(article_text(&again), written);
        let mut tei = Vec::new();
        write(&doc, Format::Tei, &mut tei).unwrap();
        let tei = String::from_utf8(tei).unwrap();
        prop_assert!(quick_xml_well_formed(&tei), "TEI not well-formed for:\n{}", text);
        // Markdown (issue 16) reads back as the same document.
        let md = markdown_text(&doc);
        let back = parse_md(&md);
        prop_assert_eq!(md_shape(&back), md_shape(&doc), "Markdown of:\n{}\nwritten as:\n{}", text, md);
    }
}

fn markdown_text(doc: &Document) -> String {
    let mut out = Vec::new();
    write(doc, Format::Markdown, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn parse_md(text: &str) -> Document {
    parse_article(
        "gen.md",
        text.as_bytes().to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
    .document
}

/// [`shape`] without what Markdown does not say: how the source was wrapped.
fn md_shape(doc: &Document) -> serde_json::Value {
    let mut v = shape(doc);
    v.as_object_mut().unwrap().remove("hard_wrapped");
    v
}

/// Text of every ASCII punctuation and some Unicode, as a hand-built
/// document may hold it (no leading or trailing space, no line ends).
fn punctuated() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9.,;:!?'\"*_#`~^|<>()\\[\\]{}&@$%+=/\\\\-]([a-zA-Z0-9 .,;:!?'\"*_#`~^|<>()\\[\\]{}&@$%+=/\\\\\u{a0}‘’“”-]{0,30}[a-zA-Z0-9.,;:!?'\"*_#`~^|<>()\\[\\]{}&@$%+=/\\\\-])?"
}

/// A paragraph of text and citations of references 1..=3 (4 does not exist).
fn md_inlines() -> impl Strategy<Value = Vec<Inline>> {
    prop::collection::vec((punctuated(), prop::option::of(1u32..=4)), 1..4).prop_map(|parts| {
        let mut v = Vec::new();
        for (t, c) in parts {
            // Adjacent texts are one text, as a parser makes them.
            match v.last_mut() {
                Some(Inline::Text { text, .. }) => *text = format!("{text}{t}").into(),
                _ => v.push(Inline::text(t)),
            }
            if let Some(n) = c {
                v.push(Inline::cite(n, 0));
            }
        }
        v
    })
}

fn md_document() -> impl Strategy<Value = Document> {
    (
        punctuated(),
        prop::collection::vec(md_inlines(), 1..4),
        prop::collection::vec((md_inlines(), punctuated()), 0..3),
        prop::collection::vec(punctuated(), 3),
        prop::option::of((md_inlines(), prop::option::of(md_inlines()))),
    )
        .prop_map(|(title, paras, items, refs, figure)| {
            use refolio::ast::{Block, Figure, List, ListItem, Reference, Span};
            let mut d = Document::new(title);
            // A lead figure, citations in its alt text and caption too.
            d.lead_figure = figure.map(|(alt, caption)| Figure {
                alt,
                caption,
                span: Span::default(),
            });
            d.blocks = paras.into_iter().map(Block::paragraph).collect();
            if !items.is_empty() {
                d.blocks.push(Block::List(Box::new(List {
                    ordered: false,
                    start: 1,
                    items: items
                        .into_iter()
                        .map(|(inlines, _)| ListItem {
                            inlines,
                            children: vec![],
                            span: Span::default(),
                        })
                        .collect(),
                    span: Span::default(),
                })));
            }
            // Occurrences and back-links as a parsed document has them.
            let mut count = [0u32; 5];
            refolio::ast::for_each_inlines_mut(&mut d, &mut |v| {
                for i in v.iter_mut() {
                    if let Inline::Cite { n, occurrence, .. } = i {
                        count[*n as usize] += 1;
                        *occurrence = count[*n as usize];
                    }
                }
            });
            d.references = refs
                .into_iter()
                .enumerate()
                .map(|(i, raw)| {
                    let n = i as u32 + 1;
                    Reference::new(n, raw, vec![], count[n as usize] as usize)
                })
                .collect();
            d
        })
}

/// [`md_shape`] without the references' fields, which the reader finds
/// again in their text (hand-built references have none; the corpus round
/// trip in `tests/pandoc.rs` compares them).
fn md_shape_no_fields(doc: &Document) -> serde_json::Value {
    let mut v = md_shape(doc);
    for r in v["references"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("fields");
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Markdown escapes whatever a hand-built document holds: every ASCII
    /// punctuation character, quotes, `--`, `...`, a `1.` or `#` opening a
    /// block, citations of missing references, citations in a figure's alt
    /// text.
    #[test]
    fn markdown_escapes_any_text(d in md_document()) {
        let md = markdown_text(&d);
        let back = parse_md(&md);
        prop_assert_eq!(md_shape_no_fields(&back), md_shape_no_fields(&d), "written as:\n{}", md);
    }
}

/// Reads the XML to the end with quick-xml, checking that tags balance.
fn quick_xml_well_formed(xml: &str) -> bool {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut depth = 0i64;
    loop {
        match r.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => return depth == 0,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}
