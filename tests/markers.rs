//! Citation resolution end to end: the bundled examples against their
//! ground truth (`tests/fixtures/expected-markers.json`), the seed article's
//! acceptance figures, and both again with every `[]` back-link removed
//! (then order and plausibility alone must find the same markers).

mod support;

use refolio::ast::{Block, Document, Inline, RefFieldKind, for_each_inlines, plain_text};
use refolio::{ParseOptions, Parsed, parse_article};
use serde_json::Value;
use std::path::Path;

fn parse_text(name: &str, text: &str) -> Parsed {
    parse_article(
        name,
        text.as_bytes().to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
}

/// (line, column, n) of every marker, in reading order.
fn markers(p: &Parsed) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    for_each_inlines(&p.document, &mut |inl| {
        for i in inl {
            if let Inline::Cite { n, span, .. } = i {
                let (l, c) = p.source.line_col(span.start as usize);
                out.push((l, c, *n));
            }
        }
    });
    out
}

fn strip_backlinks(text: &str) -> String {
    text.replace("[]", "")
}

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expected-markers.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn expected(entry: &Value) -> Vec<(usize, usize, u32)> {
    entry["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["line"].as_u64().unwrap() as usize,
                m["col"].as_u64().unwrap() as usize,
                m["n"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

#[test]
fn examples_match_their_ground_truth() {
    let fx = fixture();
    let obj = fx.as_object().unwrap();
    assert!(obj.len() >= 3, "fixture covers every example");
    for (file, entry) in obj {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("input")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let p = parse_text(file, &text);
        assert_eq!(markers(&p), expected(entry), "{file}: markers");
        assert_eq!(
            p.document.references.len() as u64,
            entry["references"].as_u64().unwrap(),
            "{file}"
        );
        let backlinks: Vec<u64> = p
            .document
            .references
            .iter()
            .map(|r| r.backlinks.len() as u64)
            .collect();
        let want: Vec<u64> = entry["backlinks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(backlinks, want, "{file}: back-links");
        assert!(!p.has_errors(), "{file}: {:?}", p.diagnostics);
        // Every string that must stay text is still in the text, whole.
        let mut all = String::new();
        for_each_inlines(&p.document, &mut |inl| {
            all.push_str(&plain_text(inl));
            all.push('\n');
        });
        for s in entry["not_markers"].as_array().unwrap() {
            let s = s.as_str().unwrap();
            assert!(all.contains(s), "{file}: `{s}` is no longer text");
        }
    }
}

#[test]
fn examples_without_backlinks_keep_their_markers() {
    let fx = fixture();
    for (file, entry) in fx.as_object().unwrap() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("input")
            .join(file);
        let text = strip_backlinks(&std::fs::read_to_string(&path).unwrap());
        let p = parse_text(file, &text);
        assert_eq!(markers(&p), expected(entry), "{file} without []");
    }
}

fn seed() -> Option<String> {
    let shared = support::shared_or_skip("seed")?;
    Some(std::fs::read_to_string(shared.join("seed/temporary-deployment.txt")).unwrap())
}

fn counts(doc: &Document) -> Vec<u32> {
    let mut c = vec![0; doc.references.len()];
    for_each_inlines(doc, &mut |inl| {
        for i in inl {
            if let Inline::Cite { n, .. } = i {
                c[*n as usize - 1] += 1;
            }
        }
    });
    c
}

fn check_seed(p: &Parsed) {
    let doc = &p.document;
    assert_eq!(counts(doc), vec![5, 3, 2, 6, 2, 1, 1]);
    let mut all = String::new();
    for_each_inlines(doc, &mut |inl| all.push_str(&plain_text(inl)));
    for s in [
        "250 000",
        "14:40",
        "T-62",
        "ČT24",
        "75 000",
        "2 505",
        "1 220",
        "26 February 1990",
        "1968",
    ] {
        assert!(all.contains(s), "`{s}` must stay text");
    }
    assert!(!all.contains("250 0003") && !all.contains("14:404"));
}

#[test]
fn seed_has_the_twenty_markers_and_its_structure() {
    let Some(text) = seed() else { return };
    let p = parse_text("seed", &text);
    check_seed(&p);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let doc = &p.document;
    assert_eq!(doc.sections.len(), 2);
    assert!(doc.lead_figure.is_some());
    let figures: Vec<_> = doc
        .all_blocks()
        .filter(|b| matches!(b, Block::Figure(_)))
        .collect();
    assert_eq!(
        figures.len(),
        1,
        "one figure in the body besides the lead figure"
    );
    let Block::Figure(f) = figures[0] else {
        unreachable!()
    };
    assert!(f.caption.is_some());
    let lists: Vec<_> = doc
        .all_blocks()
        .filter_map(|b| {
            if let Block::List(l) = b {
                Some(l)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(lists.len(), 1);
    assert!(!lists[0].ordered);
    assert_eq!(lists[0].items.len(), 5);
    assert_eq!(doc.references.len(), 7);
    let r5 = &doc.references[4];
    let title = r5
        .fields
        .iter()
        .find(|f| f.kind == RefFieldKind::Title)
        .unwrap();
    assert!(
        r5.raw[title.range()].contains("; "),
        "reference 5's title keeps its `;`"
    );
    let r6 = &doc.references[5];
    assert!(r6.fields.iter().any(|f| f.kind == RefFieldKind::Author));
    assert!(
        r6.fields
            .iter()
            .any(|f| f.kind == RefFieldKind::Date && r6.raw[f.range()] == *"Winter 1993/1994")
    );
}

#[test]
fn seed_without_backlinks_has_the_same_markers() {
    let Some(text) = seed() else { return };
    let with = markers(&parse_text("seed", &text));
    let p = parse_text("seed", &strip_backlinks(&text));
    assert_eq!(markers(&p), with);
    check_seed(&p);
}

#[test]
fn seed_without_reference_list_still_finds_markers_and_warns() {
    let Some(text) = seed() else { return };
    let cut = text.find("  1. ").unwrap();
    let p = parse_text("seed", &text[..cut]);
    assert!(p.document.references.is_empty());
    let got: Vec<u32> = markers(&p).iter().map(|m| m.2).collect();
    let want: Vec<u32> = markers(&parse_text("seed", &text))
        .iter()
        .map(|m| m.2)
        .collect();
    assert_eq!(got, want);
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.message.contains("no reference list"))
    );
}

/// The resolver finds each container's text by its id, not by the order of
/// the walk: a document whose blocks were reordered after parsing gets every
/// citation in the paragraph it was written in.
#[test]
fn containers_are_matched_with_their_texts_by_id() {
    let text = "A title\n\nThe first paragraph1 cites one.\n\nThe second one cites two2 here.\n\n\
                References\n\n1. One[]\n2. Two[]\n";
    let (src, _) = refolio::source::Source::decode("t", text.as_bytes().to_vec(), false).unwrap();
    let parsed = refolio::parse(&src, Default::default(), &ParseOptions::default()).unwrap();
    let mut doc = parsed.document;
    doc.blocks.reverse();
    let diags = refolio::resolve(&mut doc, &parsed.texts, false).diagnostics;
    assert!(diags.is_empty(), "{diags:?}");
    let cites_of = |b: &Block| -> (String, Vec<u32>) {
        let Block::Paragraph(p) = b else {
            panic!("a paragraph")
        };
        let n = p
            .inlines
            .iter()
            .filter_map(|i| match i {
                Inline::Cite { n, .. } => Some(*n),
                _ => None,
            })
            .collect();
        (plain_text(&p.inlines), n)
    };
    assert_eq!(
        cites_of(&doc.blocks[0]),
        ("The second one cites two here.".to_string(), vec![2])
    );
    assert_eq!(
        cites_of(&doc.blocks[1]),
        ("The first paragraph cites one.".to_string(), vec![1])
    );
}

/// `text`'s lines joined with one space: each line end (LF or CR LF)
/// and the indentation after it made one space, as the parser joins a
/// paragraph's lines.
fn lines_joined(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if c != '\n' {
            out.push(c);
            continue;
        }
        out.push(' ');
        while chars.next_if(|&c| c == ' ' || c == '\t').is_some() {}
    }
    out
}

/// Issue 15: a parsed article's Text nodes, back-link tokens and
/// reference texts are pieces of its source's buffer, not copies (the bundled examples flatten a
/// paragraph to a line, so every Text node of the body is one piece of
/// it), and each reads as the source's characters where its span says
/// (in the text as read, a list item's lines joined: they were moved).
#[test]
fn text_nodes_share_the_source() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    for name in ["canal-and-locks.txt", "nova-ves-tramway.txt"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let p = parse_text(name, &text);
        let read = p.source.original_text();
        assert_eq!(read, text);
        let (mut shared, mut all) = (0, 0);
        for_each_inlines(&p.document, &mut |inl: &[Inline]| {
            for i in inl {
                if let Inline::Text { text, span } = i {
                    all += 1;
                    shared += usize::from(text.shares(&p.source.text));
                    if text.shares(&p.source.text) {
                        assert_eq!(&**text, lines_joined(&read[span.range()]));
                    }
                }
            }
        });
        assert!(
            all > 20 && shared * 10 >= all * 9,
            "{name}: {shared} of {all} shared"
        );
        let tokens: Vec<_> = p
            .document
            .references
            .iter()
            .flat_map(|r| &r.backlinks)
            .collect();
        assert!(
            !tokens.is_empty() && tokens.iter().all(|b| b.token.shares(&p.source.text)),
            "{name}"
        );
        // Each entry is a line: its text is a piece of that line.
        for r in &p.document.references {
            assert!(r.raw.shares(&p.source.text), "{name}: {}", r.n);
            assert!(p.source.text[r.span.range()].contains(&*r.raw));
        }
    }
}

/// `parse_article` leaves the containers empty and gives the k-th one the
/// walk meets the parser's k-th text; `parse` and `resolve` find each
/// container's text by its id (the lines of a hard-wrapped paragraph
/// joined in a copy, not in place). Both read every bundled article and
/// text fixture alike: the walk meets the containers in the parser's
/// order.
#[test]
fn containers_in_walk_order_get_the_texts_found_by_id() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<_> = [
        "input",
        "tests/adversarial",
        "tests/fixtures",
        "tests/conventions",
    ]
    .iter()
    .flat_map(|dir| support::files_with_extension(&root.join(dir), "txt"))
    .collect();
    let opts = ParseOptions::default();
    let mut compared = 0;
    for f in &files {
        let name = f.display().to_string();
        let bytes = std::fs::read(f).unwrap();
        let Ok(p) = parse_article(&name, bytes, Default::default(), &opts) else {
            continue;
        };
        // The text as read: `parse_article` joined its hard-wrapped
        // paragraphs' lines in place.
        let source = refolio::source::Source::new(&name, p.source.original_text().into_owned());
        let parsed = refolio::parse(&source, Default::default(), &opts).unwrap();
        let mut doc = parsed.document;
        refolio::resolve(&mut doc, &parsed.texts, false);
        assert_eq!(doc, p.document, "{name}");
        compared += 1;
    }
    assert!(compared >= 20, "{compared} compared");
}
