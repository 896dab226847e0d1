//! The article format itself (`-t article`): the document written back in
//! canonical form — one line per paragraph, markers glued to the text, a
//! `[]` per back-link, two spaces before list markers and reference numbers,
//! four before quotations.
//!
//! Reading this output back gives the same document (up to spans), which
//! makes it both a clean-up tool for messy input and the basis of the
//! round-trip property tests. Each block's text is one line, so a paragraph
//! that was hard-wrapped in the source comes out unwrapped.

use crate::ast::walk::{walk_children, walk_document, walk_list};
use crate::ast::{
    Document, Figure, Heading, Inline, List, ListItem, Paragraph, Quote, Rule, Visit,
};
use crate::error::WriteError;
use crate::write::text_out::TextOut;
use std::convert::Infallible;
use std::io::Write;

/// Writes `doc` in the article format.
pub fn write_article(doc: &Document, out: &mut dyn Write) -> Result<(), WriteError> {
    // Written as it is made: a long article is never held whole.
    let mut s = TextOut::new(out);
    s.push_str(&one_line(&doc.title.text));
    s.push('\n');
    if let Some(sub) = &doc.subtitle {
        s.push_str(&one_line(&sub.text));
        s.push('\n');
    }
    let mut body = ArticleText {
        blocks: &mut s,
        list_lines: Vec::new(),
        depth: 0,
    };
    let Ok(()) = walk_document(&mut body, doc);
    if !doc.references.is_empty() {
        if let Some(h) = &doc.references_heading {
            s.block(&inlines(&h.inlines));
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
        s.block(&refs);
    }
    s.finish()?;
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

/// The body's blocks, each as its lines, in the order of [`crate::ast::walk`].
struct ArticleText<'a, 'w> {
    /// Where each block is written as it is made.
    blocks: &'a mut TextOut<'w>,
    /// The lines of the list being written, and how deep in it the walk is.
    list_lines: Vec<String>,
    depth: usize,
}

impl Visit<'_> for ArticleText<'_, '_> {
    type Error = Infallible;

    fn visit_heading(&mut self, h: &Heading) -> Result<(), Infallible> {
        self.blocks.block(&inlines(&h.inlines));
        Ok(())
    }
    fn visit_paragraph(&mut self, p: &Paragraph) -> Result<(), Infallible> {
        self.blocks.block(&inlines(&p.inlines));
        Ok(())
    }
    fn visit_figure(&mut self, f: &Figure) -> Result<(), Infallible> {
        self.blocks.block(&figure(f));
        Ok(())
    }
    fn visit_quote(&mut self, q: &Quote) -> Result<(), Infallible> {
        self.blocks.block(&format!("    {}", inlines(&q.inlines)));
        Ok(())
    }
    fn visit_rule(&mut self, _: &Rule) -> Result<(), Infallible> {
        self.blocks.block("* * *");
        Ok(())
    }
    /// A list is one block; nested lists add lines to it, indented by depth.
    fn visit_list(&mut self, l: &List) -> Result<(), Infallible> {
        walk_list(self, l)?;
        if self.depth == 0 {
            self.blocks.block(&self.list_lines.join("\n"));
            self.list_lines.clear();
        }
        Ok(())
    }
    fn visit_item(&mut self, l: &List, i: usize, item: &ListItem) -> Result<(), Infallible> {
        let indent = "  ".repeat(self.depth + 1);
        let marker = if l.ordered {
            format!("{}.", l.start + i as u64)
        } else if self.depth.is_multiple_of(2) {
            "•".to_string()
        } else {
            "◦".to_string()
        };
        self.list_lines
            .push(format!("{indent}{marker} {}", inlines(&item.inlines)));
        self.depth += 1;
        walk_children(self, item)?;
        self.depth -= 1;
        Ok(())
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
