//! The article format itself (`-t article`): the document written back in
//! canonical form — one line per paragraph, markers glued to the text, a
//! `[]` per back-link, two spaces before list markers and reference numbers,
//! four before quotations.
//!
//! Reading this output back gives the same document (up to spans), which
//! makes it both a clean-up tool for messy input and the basis of the
//! round-trip property tests. Each block's text is one line, so a paragraph
//! that was hard-wrapped in the source comes out unwrapped.

use crate::ast::{Block, Document, Figure, Inline, List};
use crate::error::WriteError;
use std::io::Write;

/// Writes `doc` in the article format.
pub fn write_article(doc: &Document, out: &mut dyn Write) -> Result<(), WriteError> {
    let mut s = String::new();
    s.push_str(&one_line(&doc.title.text));
    s.push('\n');
    if let Some(sub) = &doc.subtitle {
        s.push_str(&one_line(&sub.text));
        s.push('\n');
    }
    let mut blocks: Vec<String> = Vec::new();
    if let Some(f) = &doc.lead_figure {
        blocks.push(figure(f));
    }
    blocks.extend(doc.blocks.iter().map(block));
    for sec in &doc.sections {
        blocks.push(inlines(&sec.heading.inlines));
        blocks.extend(sec.blocks.iter().map(block));
    }
    if !doc.references.is_empty() {
        if let Some(h) = &doc.references_heading {
            blocks.push(inlines(&h.inlines));
        }
        let mut refs = String::new();
        for (i, r) in doc.references.iter().enumerate() {
            if i > 0 {
                refs.push('\n');
            }
            refs.push_str(&format!(
                "  {}. {}{}",
                r.n,
                one_line(&r.raw),
                "[]".repeat(r.backlinks.len())
            ));
        }
        blocks.push(refs);
    }
    for b in blocks {
        s.push('\n');
        s.push_str(&b);
        s.push('\n');
    }
    out.write_all(s.as_bytes())?;
    Ok(())
}

/// Text on one line: line breaks (which the parser never leaves in inline
/// text, but a hand-built document might hold) become spaces.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn inlines(v: &[Inline]) -> String {
    let mut s = String::new();
    for i in v {
        match i {
            Inline::Text { text, .. } => s.push_str(&one_line(text)),
            Inline::Cite { n, .. } => s.push_str(&n.to_string()),
            Inline::Link { url, .. } => s.push_str(url),
        }
    }
    s
}

/// A figure: its alt text, then its caption on the next line; a caption
/// without alt text in brackets, as pandoc plain writes it (`[Caption]`),
/// which reads back as a caption.
fn figure(f: &Figure) -> String {
    let alt = inlines(&f.alt);
    if alt.trim().is_empty()
        && let Some(c) = &f.caption
    {
        return format!("[{}]", inlines(c));
    }
    let mut s = alt;
    if let Some(c) = &f.caption {
        s.push('\n');
        s.push_str(&inlines(c));
    }
    s
}

fn list(l: &List, depth: usize, out: &mut Vec<String>) {
    let indent = "  ".repeat(depth + 1);
    for (i, item) in l.items.iter().enumerate() {
        let marker = if l.ordered {
            format!("{}.", l.start + i as u64)
        } else if depth.is_multiple_of(2) {
            "•".to_string()
        } else {
            "◦".to_string()
        };
        out.push(format!("{indent}{marker} {}", inlines(&item.inlines)));
        for child in &item.children {
            list(child, depth + 1, out);
        }
    }
}

fn block(b: &Block) -> String {
    match b {
        Block::Paragraph(p) => inlines(&p.inlines),
        Block::Figure(f) => figure(f),
        Block::Quote(q) => format!("    {}", inlines(&q.inlines)),
        Block::Rule(_) => "* * *".to_string(),
        Block::List(l) => {
            let mut lines = Vec::new();
            list(l, 0, &mut lines);
            lines.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ParseOptions, parse_article};

    fn roundtrip(text: &str) -> String {
        let p = parse_article(
            "t",
            text.as_bytes().to_vec(),
            Default::default(),
            &ParseOptions::default(),
        )
        .unwrap();
        let mut out = Vec::new();
        super::write_article(&p.document, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn canonical_form() {
        let messy = "Title\r\n\r\n\r\nA claim made1.   \r\n\r\nHeading\r\n\r\n- one\r\n   - nested\r\n- two\r\n  continued2\r\n\r\n  1. A; B; 2020[]\r\n  2. C; D; 2021[]\r\n";
        let clean = "Title\n\nA claim made1.\n\nHeading\n\n  • one\n    ◦ nested\n  • two continued2\n\n  1. A; B; 2020[]\n  2. C; D; 2021[]\n";
        assert_eq!(roundtrip(messy), clean);
        assert_eq!(roundtrip(clean), clean);
    }
}
