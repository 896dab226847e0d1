//! The tagged PDF read back by poppler: `pdfinfo` says `Tagged: yes`, and
//! the structure tree `pdfinfo -struct-text` prints holds the article's
//! blocks in reading order (title, byline, headings, paragraphs, list
//! items, quotations, figures and captions, reference entries), each with
//! its own text. qpdf finds the file clean and pdffonts every font
//! embedded. On a bundled input (always), the seed and one corpus article
//! (from ../shared when present).
//!
//! Without poppler or qpdf the test prints SKIPPED (or fails under
//! REFOLIO_REQUIRE_TOOLS=1).

mod support;
use support::tool;

use refolio::ast::{Block, Document, Figure, Heading, Inline, List, ListItem, Meta, Visit, walk};
use refolio::write::{Format, WriteOptions};
use std::convert::Infallible;
use std::path::Path;
use std::process::Command;

fn parse(path: &Path) -> Document {
    let bytes = std::fs::read(path).unwrap();
    refolio::parse_article(
        &path.display().to_string(),
        bytes,
        Meta::default(),
        &Default::default(),
    )
    .unwrap()
    .document
}

/// Letters and digits only: what a block's text is compared by (line
/// breaks, the hyphens added at line ends, spacing around markers and
/// punctuation differ between the AST and the drawn text).
fn key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .take(24)
        .collect()
}

/// The blocks of `doc` as the structure tree should hold them, in reading
/// order: (structure type, the first letters of its text).
struct Expected(Vec<(&'static str, String)>);

fn inline_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for i in inlines {
        match i {
            Inline::Text { text, .. } => s.push_str(text),
            Inline::Cite { n, .. } => s.push_str(&n.to_string()),
            Inline::Link { url, .. } => s.push_str(url),
        }
    }
    s
}

impl Expected {
    fn push(&mut self, tag: &'static str, text: &str) {
        let k = key(text);
        if !k.is_empty() {
            self.0.push((tag, k));
        }
    }
}

impl<'a> Visit<'a> for Expected {
    type Error = Infallible;
    fn visit_heading(&mut self, h: &'a Heading) -> Result<(), Infallible> {
        self.push("H2", &inline_text(&h.inlines));
        Ok(())
    }
    fn visit_block(&mut self, b: &'a Block) -> Result<(), Infallible> {
        match b {
            Block::Paragraph(p) => self.push("P", &inline_text(&p.inlines)),
            Block::Quote(q) => self.push("BlockQuote", &inline_text(&q.inlines)),
            _ => return walk::walk_block(self, b),
        }
        Ok(())
    }
    fn visit_item(&mut self, _: &'a List, _: usize, item: &'a ListItem) -> Result<(), Infallible> {
        self.push("LI", &inline_text(&item.inlines));
        walk::walk_children(self, item)
    }
    fn visit_figure(&mut self, f: &'a Figure) -> Result<(), Infallible> {
        self.push("Figure", &inline_text(&f.alt));
        if let Some(c) = &f.caption {
            self.push("Caption", &inline_text(c));
        }
        Ok(())
    }
}

fn expected(doc: &Document) -> Vec<(&'static str, String)> {
    let mut e = Expected(Vec::new());
    e.push("H1", &doc.title.text);
    if let Some(s) = &doc.subtitle {
        e.push("P", &s.text);
    }
    let byline: Vec<&str> = [doc.meta.author.as_deref(), doc.meta.date.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    e.push("P", &byline.concat());
    let Ok(()) = walk::walk_document(&mut e, doc);
    if !doc.references.is_empty() {
        let heading = doc
            .references_heading
            .as_ref()
            .map_or("References".to_string(), |h| inline_text(&h.inlines));
        e.push("H2", &heading);
        for r in &doc.references {
            e.push("LI", &r.raw);
        }
    }
    e.0
}

/// An element of the printed structure tree.
#[derive(Debug, Default)]
struct Node {
    tag: String,
    text: Vec<String>,
    kids: Vec<Node>,
}

/// Parses `pdfinfo -struct-text`: two spaces of indentation a level,
/// elements as `Tag` or `Tag (block)`, text as `"…"` lines, annotations as
/// `Object N 0`.
fn struct_tree(out: &str) -> Node {
    let mut stack: Vec<(usize, Node)> = vec![(0, Node::default())];
    for line in out.lines() {
        let depth = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with("Object ") {
            continue;
        }
        while stack.len() > 1 && stack.last().unwrap().0 > depth {
            let (_, n) = stack.pop().unwrap();
            stack.last_mut().unwrap().1.kids.push(n);
        }
        if let Some(text) = t.strip_prefix('"') {
            let text = text.strip_suffix('"').unwrap_or(text);
            stack.last_mut().unwrap().1.text.push(text.to_string());
        } else {
            let tag = t.split_whitespace().next().unwrap().to_string();
            stack.push((
                depth + 1,
                Node {
                    tag,
                    ..Node::default()
                },
            ));
        }
    }
    while stack.len() > 1 {
        let (_, n) = stack.pop().unwrap();
        stack.last_mut().unwrap().1.kids.push(n);
    }
    stack.pop().unwrap().1
}

/// The element's text in reading order, without its nested lists and its
/// list label.
fn own_text(n: &Node, out: &mut String) {
    n.text.iter().for_each(|t| out.push_str(t));
    for k in &n.kids {
        if !matches!(k.tag.as_str(), "L" | "Lbl") {
            own_text(k, out);
        }
    }
}

/// The blocks of the tree in reading order, as [`expected`] lists them.
fn blocks(n: &Node, out: &mut Vec<(String, String)>) {
    match n.tag.as_str() {
        "H1" | "H2" | "P" | "BlockQuote" | "Figure" | "Caption" | "LI" => {
            let mut text = String::new();
            own_text(n, &mut text);
            out.push((n.tag.clone(), key(&text)));
            if n.tag == "LI" {
                // Nested lists, in the item's body.
                for k in n.kids.iter().filter(|k| k.tag == "LBody") {
                    k.kids.iter().for_each(|k| blocks(k, out));
                }
            }
        }
        _ => n.kids.iter().for_each(|k| blocks(k, out)),
    }
}

/// Renders `doc`, checks it with qpdf, pdffonts and pdfinfo, and compares
/// its structure tree with the AST. `None` when a tool is missing.
fn check(test: &str, name: &str, doc: &Document) -> Option<usize> {
    let (Some(pdfinfo), Some(qpdf), Some(pdffonts)) = (
        tool(test, "pdfinfo"),
        tool(test, "qpdf"),
        tool(test, "pdffonts"),
    ) else {
        return None;
    };
    let bytes = refolio::write::render(&[doc], Format::Pdf, &WriteOptions::default())
        .unwrap()
        .bytes;
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&pdf, bytes).unwrap();
    let run = |exe: &Path, args: &[&str]| {
        let out = Command::new(exe).args(args).arg(&pdf).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            all,
        )
    };
    let (ok, _, all) = run(&qpdf, &["--check"]);
    assert!(
        ok && !all.contains("WARNING"),
        "{name}: qpdf --check:\n{all}"
    );
    let (_, fonts, _) = run(&pdffonts, &[]);
    for row in fonts.lines().skip(2).filter(|l| !l.trim().is_empty()) {
        let c: Vec<&str> = row.split_whitespace().collect();
        let n = c.len();
        assert!(
            n >= 6 && c[n - 5] == "yes" && c[n - 4] == "yes" && c[n - 3] == "yes",
            "{name}: a font not embedded, subset and mapped to Unicode:\n{fonts}"
        );
    }
    let (_, info, _) = run(&pdfinfo, &[]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Tagged:") && l.ends_with("yes")),
        "{name}: {info}"
    );
    let (ok, tree, all) = run(&pdfinfo, &["-struct-text"]);
    assert!(ok, "{name}: pdfinfo -struct-text: {all}");
    let root = struct_tree(&tree);
    assert_eq!(root.kids.len(), 1, "{name}: one root element");
    assert_eq!(root.kids[0].tag, "Document", "{name}");
    let mut got = Vec::new();
    blocks(&root.kids[0], &mut got);
    let want = expected(doc);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert!(
            w.0 == g.0 && w.1 == g.1,
            "{name}: block {i}: expected {w:?}, the tree has {g:?}\n(blocks before: {:?})",
            &got[i.saturating_sub(3)..i]
        );
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: {} blocks in the tree, {} in the article; the tail: {:?} / {:?}",
        got.len(),
        want.len(),
        got.iter().rev().take(3).collect::<Vec<_>>(),
        want.iter().rev().take(3).collect::<Vec<_>>()
    );
    Some(got.len())
}

#[test]
fn structure_tree_holds_the_blocks_of_the_article_in_order() {
    let test = "structure_tree_holds_the_blocks_of_the_article_in_order";
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("input/canal-and-locks.txt");
    let Some(n) = check(test, "canal-and-locks", &parse(&input)) else {
        return;
    };
    assert!(n > 20, "{n} blocks");
    let Some(shared) = support::shared_or_skip(test) else {
        return;
    };
    for path in [
        "seed/temporary-deployment.txt",
        "corpus/crdh-v01-04-mining-the-icc.txt",
    ] {
        let f = shared.join(path);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let n = check(test, &name, &parse(&f));
        assert!(n.is_some_and(|n| n > 20), "{name}: {n:?} blocks");
    }
}
